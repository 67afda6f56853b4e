"""Temporal values as the TCK expects them: strings in Neo4j's (java.time's) toString form.

The TCK writes temporal results as strings ('2015-07-21', '12:31:14.645876123+01:00',
'P1Y2M3DT4H5M6.7S'), which is how the reference implementations compare them. The values
are rendered here straight from the Bolt structure fields (not from the driver's Python
objects, which stop at year 9999 and drop the seconds of zone offsets):

  D days            Date           t nanos             LocalTime
  T nanos, offset   Time           d secs, nanos       LocalDateTime
  I utc secs, nanos, offset        DateTime with an offset (Bolt 5 / 4.4 utc patch)
  i utc secs, nanos, zone id       DateTime with a named zone (Bolt 5 / 4.4 utc patch)
  F local secs, nanos, offset      f local secs, nanos, zone id   (legacy, Bolt 4.4)
  E months, days, secs, nanos      Duration

Named zones are resolved with the `tzdata` package's database when it is installed (the
upstream default build, as Java's: there Europe/Stockholm is a link to Europe/Berlin and its
1818 offset is +00:53:28), else with the system's (Debian keeps the older zone history);
pytz, which the driver uses, rounds such offsets to whole minutes.
"""

import datetime
import functools
import importlib.resources
import zoneinfo

NANOS = 1_000_000_000


def civil_from_days(z):
    """(year, month, day) of the proleptic Gregorian calendar, z days after 1970-01-01."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if m <= 2 else y), m, d


def date_string(days):
    y, m, d = civil_from_days(days)
    if abs(y) < 1000:
        year = ("-" if y < 0 else "") + f"{abs(y):04d}"
    else:
        year = ("+" if y > 9999 else "") + str(y)
    return f"{year}-{m:02d}-{d:02d}"


def time_string(nanos_of_day):
    secs, nano = divmod(nanos_of_day, NANOS)
    h, rem = divmod(secs, 3600)
    mi, s = divmod(rem, 60)
    out = f"{h:02d}:{mi:02d}"
    if s > 0 or nano > 0:
        out += f":{s:02d}"
        if nano > 0:
            if nano % 1_000_000 == 0:
                out += f".{nano // 1_000_000:03d}"
            elif nano % 1000 == 0:
                out += f".{nano // 1000:06d}"
            else:
                out += f".{nano:09d}"
    return out


def offset_string(offset_seconds):
    if offset_seconds == 0:
        return "Z"
    sign = "+" if offset_seconds > 0 else "-"
    h, rem = divmod(abs(offset_seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def local_datetime_string(local_seconds, nanos):
    days, secs = divmod(local_seconds, 86400)
    return date_string(days) + "T" + time_string(secs * NANOS + nanos)


@functools.lru_cache(maxsize=256)
def zone(zone_id):
    try:
        f = importlib.resources.files("tzdata.zoneinfo").joinpath(*zone_id.split("/"))
        with f.open("rb") as fh:
            return zoneinfo.ZoneInfo.from_file(fh, key=zone_id)
    except (ModuleNotFoundError, OSError, ValueError):
        return zoneinfo.ZoneInfo(zone_id)


def zone_offset_at_utc(zone_id, utc_seconds):
    tz = zone(zone_id)
    lo = datetime.datetime(1, 1, 2, tzinfo=datetime.timezone.utc)
    hi = datetime.datetime(9999, 12, 30, tzinfo=datetime.timezone.utc)
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    try:
        instant = epoch + datetime.timedelta(seconds=utc_seconds)
    except OverflowError:
        instant = lo if utc_seconds < 0 else hi
    instant = min(max(instant, lo), hi)
    return int(instant.astimezone(tz).utcoffset().total_seconds())


def zone_offset_at_local(zone_id, local_seconds):
    tz = zone(zone_id)
    epoch = datetime.datetime(1970, 1, 1)
    try:
        local = epoch + datetime.timedelta(seconds=local_seconds)
    except OverflowError:
        local = datetime.datetime(1, 1, 2) if local_seconds < 0 else datetime.datetime(9999, 12, 30)
    return int(local.replace(tzinfo=tz).utcoffset().total_seconds())


def _tdiv(a, b):
    """Division truncating toward zero, as Java's / on longs."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _trem(a, b):
    return a - b * _tdiv(a, b)


def duration_string(months, days, seconds, nanos):
    """Neo4j's DurationValue.toString: months as years and months, days, then the seconds
    as hours, minutes and seconds with the fraction's trailing zeros dropped."""
    seconds, nanos = divmod(seconds * NANOS + nanos, NANOS)
    if months == 0 and days == 0 and seconds == 0 and nanos == 0:
        return "PT0S"
    out = ["P"]

    def part(value, unit):
        if value != 0:
            out.append(f"{value}{unit}")

    part(_tdiv(months, 12), "Y")
    part(_trem(months, 12), "M")
    part(days, "D")
    if seconds != 0 or nanos != 0:
        s, n = seconds, nanos
        if s < 0 and n != 0:
            s += 1
            n -= NANOS
        out.append("T")
        part(_tdiv(s, 3600), "H")
        s = _trem(s, 3600)
        part(_tdiv(s, 60), "M")
        s = _trem(s, 60)
        frac = ""
        if n != 0:
            frac = "." + f"{abs(n):09d}".rstrip("0")
        if s != 0:
            out.append(f"{s}{frac}S")
        elif n != 0:
            out.append(("-" if n < 0 else "") + f"0{frac}S")
    return "".join(out)


def render(tag, fields):
    """The TCK string of one temporal Bolt structure; ValueError if its fields do not fit."""
    f = list(fields)
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in f if not isinstance(x, str)):
        raise ValueError(f"non-integer field in structure {tag!r}: {f!r}")
    if tag == "D" and len(f) == 1:
        return date_string(f[0])
    if tag == "t" and len(f) == 1:
        return time_string(f[0])
    if tag == "T" and len(f) == 2:
        return time_string(f[0]) + offset_string(f[1])
    if tag == "d" and len(f) == 2:
        return local_datetime_string(f[0], f[1])
    if tag == "I" and len(f) == 3:
        return local_datetime_string(f[0] + f[2], f[1]) + offset_string(f[2])
    if tag == "i" and len(f) == 3 and isinstance(f[2], str):
        off = zone_offset_at_utc(f[2], f[0])
        return local_datetime_string(f[0] + off, f[1]) + offset_string(off) + f"[{f[2]}]"
    if tag == "F" and len(f) == 3:
        return local_datetime_string(f[0], f[1]) + offset_string(f[2])
    if tag == "f" and len(f) == 3 and isinstance(f[2], str):
        off = zone_offset_at_local(f[2], f[0])
        return local_datetime_string(f[0], f[1]) + offset_string(off) + f"[{f[2]}]"
    if tag == "E" and len(f) == 4:
        return duration_string(*f)
    raise ValueError(f"unknown temporal structure {tag!r} with {len(f)} fields")


TEMPORAL_TAGS = frozenset("DtTdIiFfE")
