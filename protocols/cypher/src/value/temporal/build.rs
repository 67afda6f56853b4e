//! Temporal values from maps: `date({year: 1984, week: 10, dayOfWeek: 3})`,
//! `time({hour: 12, timezone: '+01:00'})`, `datetime({date: d, time: t, timezone: ...})`,
//! with selection of a base value (`date:`, `time:`, `datetime:` keys) whose components
//! the given fields override, conversion to another zone when a zoned base meets a
//! `timezone`, and `epochSeconds`/`epochMillis`. Also converts one temporal value into
//! another kind (`date(datetime)`, `localtime(time)`).

use super::calendar::{
    civil_from_days, date_from_ordinal, date_from_quarter, date_from_week, date_from_ymd, day_of_quarter, day_of_week,
    iso_week, quarter_of_month, time_from_hms, NANOS_PER_SECOND, SECONDS_PER_DAY,
};
use super::{datetime_from_instant, datetime_from_local, join_local, local_of, parse_zone, spec_of, split_local};
use super::{wrap_day, ZoneSpec};
use crate::error::{CypherError, CypherResult};
use crate::value::{DateTime, LocalTime, Map, Time, Value};
use std::collections::BTreeMap;

const KNOWN: [&str; 20] = [
    "year",
    "month",
    "day",
    "week",
    "dayofweek",
    "quarter",
    "dayofquarter",
    "ordinalday",
    "hour",
    "minute",
    "second",
    "millisecond",
    "microsecond",
    "nanosecond",
    "timezone",
    "date",
    "time",
    "datetime",
    "epochseconds",
    "epochmillis",
];

/// The map's entries under lower-cased keys; None when a value is null (the result is null).
struct Fields(BTreeMap<String, Value>);

impl Fields {
    fn of(map: &Map) -> CypherResult<Option<Fields>> {
        let mut out = BTreeMap::new();
        for (key, value) in map {
            let lower = key.to_ascii_lowercase();
            if !KNOWN.contains(&lower.as_str()) {
                return Err(CypherError::argument(format!("No such field: {key}")));
            }
            if value.is_null() {
                return Ok(None);
            }
            out.insert(lower, value.clone());
        }
        Ok(Some(Fields(out)))
    }

    fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    fn int(&self, key: &str) -> CypherResult<Option<i64>> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Int(i)) => Ok(Some(*i)),
            Some(other) => {
                Err(CypherError::type_error(format!("{key} must be an integer, but was {}", other.type_name())))
            }
        }
    }

    fn zone(&self) -> CypherResult<Option<ZoneSpec>> {
        match self.0.get("timezone") {
            None => Ok(None),
            Some(Value::String(s)) => parse_zone(s).map(Some),
            Some(other) => {
                Err(CypherError::type_error(format!("timezone must be a string, but was {}", other.type_name())))
            }
        }
    }

    fn only_timezone(&self) -> bool {
        self.0.len() == 1 && self.has("timezone")
    }
}

fn need_year() -> CypherError {
    CypherError::argument("year must be specified")
}

fn date_of_base(v: &Value) -> CypherResult<i64> {
    match v {
        Value::Date(d) => Ok(d.days),
        Value::LocalDateTime(l) => Ok(split_local(l).0),
        Value::DateTime(dt) => Ok(split_local(&local_of(dt)).0),
        other => Err(CypherError::type_error(format!("Cannot select a date from {}", other.type_name()))),
    }
}

/// (nanoseconds of the day, zone) of a value a time can be selected from.
fn time_of_base(v: &Value) -> CypherResult<(i64, Option<ZoneSpec>)> {
    match v {
        Value::LocalTime(t) => Ok((t.nanos, None)),
        Value::Time(t) => Ok((t.nanos, Some(ZoneSpec::Offset(t.offset_seconds)))),
        Value::LocalDateTime(l) => Ok((split_local(l).1, None)),
        Value::DateTime(dt) => Ok((split_local(&local_of(dt)).1, Some(spec_of(&dt.zone)))),
        other => Err(CypherError::type_error(format!("Cannot select a time from {}", other.type_name()))),
    }
}

fn build_date(f: &Fields, base: Option<i64>) -> CypherResult<i64> {
    let year = f.int("year")?;
    if f.has("week") || f.has("dayofweek") {
        let week_year = match (year, base) {
            (Some(y), _) => y,
            (None, Some(b)) => iso_week(b).0,
            (None, None) => return Err(need_year()),
        };
        let week = f.int("week")?.or(base.map(|b| iso_week(b).1)).unwrap_or(1);
        let dow = f.int("dayofweek")?.or(base.map(day_of_week)).unwrap_or(1);
        return date_from_week(week_year, week, dow);
    }
    let year = match (year, base) {
        (Some(y), _) => y,
        (None, Some(b)) => civil_from_days(b).0,
        (None, None) => return Err(need_year()),
    };
    if f.has("ordinalday") {
        return date_from_ordinal(year, f.int("ordinalday")?.unwrap_or(1));
    }
    if f.has("quarter") || f.has("dayofquarter") {
        let quarter = f.int("quarter")?.or(base.map(|b| quarter_of_month(civil_from_days(b).1))).unwrap_or(1);
        let day = f.int("dayofquarter")?.or(base.map(day_of_quarter)).unwrap_or(1);
        return date_from_quarter(year, quarter, day);
    }
    if f.has("day") && !f.has("month") && base.is_none() {
        return Err(CypherError::argument("month must be specified when day is"));
    }
    let (_, base_month, base_day) = base.map(civil_from_days).unwrap_or((0, 1, 1));
    let month = f.int("month")?.unwrap_or(base_month);
    let day = f.int("day")?.unwrap_or(base_day);
    date_from_ymd(year, month, day)
}

fn has_time_fields(f: &Fields) -> bool {
    ["hour", "minute", "second", "millisecond", "microsecond", "nanosecond"].iter().any(|k| f.has(k))
}

fn check_sub(what: &str, v: i64, max: i64) -> CypherResult<i64> {
    if v < 0 || v > max {
        return Err(CypherError::argument(format!("Invalid value for {what} (valid values 0 - {max}): {v}")));
    }
    Ok(v)
}

fn build_time(f: &Fields, base: Option<i64>) -> CypherResult<i64> {
    let b = base.unwrap_or(0);
    let (bh, bm, bs, bn) = (
        b / (3600 * NANOS_PER_SECOND),
        b / (60 * NANOS_PER_SECOND) % 60,
        b / NANOS_PER_SECOND % 60,
        b % NANOS_PER_SECOND,
    );
    if base.is_none() && ((f.has("minute") && !f.has("hour")) || (f.has("second") && !f.has("minute"))) {
        return Err(CypherError::argument("A time needs its larger units (hour before minute before second)"));
    }
    let hour = f.int("hour")?.unwrap_or(bh);
    let minute = f.int("minute")?.unwrap_or(bm);
    let second = f.int("second")?.unwrap_or(bs);
    let (ms, us, ns) = (f.int("millisecond")?, f.int("microsecond")?, f.int("nanosecond")?);
    let nanos = if ms.is_none() && us.is_none() && ns.is_none() {
        bn
    } else if let (Some(_), None, None, Some(n @ 0..=999)) = (base, ms, us, ns) {
        // A nanosecond below a microsecond keeps the base's larger sub-second units, as after
        // truncation to milli- or microseconds.
        bn - bn % 1_000 + n
    } else {
        let ms = check_sub("MilliOfSecond", ms.unwrap_or(0), 999)?;
        let us_max = if f.has("millisecond") { 999 } else { 999_999 };
        let us = check_sub("MicroOfSecond", us.unwrap_or(0), us_max)?;
        let ns_max = if f.has("microsecond") {
            999
        } else if f.has("millisecond") {
            999_999
        } else {
            999_999_999
        };
        let ns = check_sub("NanoOfSecond", ns.unwrap_or(0), ns_max)?;
        ms * 1_000_000 + us * 1_000 + ns
    };
    time_from_hms(hour, minute, second, nanos)
}

/// A zoned clock reading moved into another zone at the same instant (time of day only).
fn shift_time(nanos: i64, from: i32, to: i32) -> i64 {
    wrap_day(i128::from(nanos) - i128::from(from) * i128::from(NANOS_PER_SECOND) + i128::from(to) * 1_000_000_000)
}

fn offset_now(spec: &ZoneSpec, now: &DateTime) -> CypherResult<i32> {
    Ok(spec.at_instant(now.seconds)?.offset_seconds())
}

pub fn date_from_map(map: &Map, now: &DateTime) -> CypherResult<Value> {
    let Some(f) = Fields::of(map)? else { return Ok(Value::Null) };
    if f.only_timezone() {
        let dt = now_in(&f, now)?;
        return Ok(Value::Date(crate::value::Date { days: split_local(&local_of(&dt)).0 }));
    }
    let base = f.0.get("date").map(date_of_base).transpose()?;
    Ok(Value::Date(crate::value::Date { days: build_date(&f, base)? }))
}

fn now_in(f: &Fields, now: &DateTime) -> CypherResult<DateTime> {
    let zone = f.zone()?.unwrap_or(ZoneSpec::Offset(0));
    datetime_from_instant(now.seconds, now.nanos, &zone)
}

pub fn localtime_from_map(map: &Map, now: &DateTime) -> CypherResult<Value> {
    let Some(f) = Fields::of(map)? else { return Ok(Value::Null) };
    if f.only_timezone() {
        let dt = now_in(&f, now)?;
        return Ok(Value::LocalTime(LocalTime { nanos: split_local(&local_of(&dt)).1 }));
    }
    let base = f.0.get("time").map(time_of_base).transpose()?.map(|(n, _)| n);
    if base.is_none() && !f.has("hour") {
        return Err(CypherError::argument("hour must be specified"));
    }
    Ok(Value::LocalTime(LocalTime { nanos: build_time(&f, base)? }))
}

pub fn time_from_map(map: &Map, now: &DateTime) -> CypherResult<Value> {
    let Some(f) = Fields::of(map)? else { return Ok(Value::Null) };
    if f.only_timezone() {
        let dt = now_in(&f, now)?;
        let nanos = split_local(&local_of(&dt)).1;
        return Ok(Value::Time(Time { nanos, offset_seconds: dt.zone.offset_seconds() }));
    }
    let base = f.0.get("time").map(time_of_base).transpose()?;
    if base.is_none() && !f.has("hour") {
        return Err(CypherError::argument("hour must be specified"));
    }
    let target = f.zone()?;
    let (mut base_nanos, base_zone) = match base {
        Some((n, z)) => (Some(n), z),
        None => (None, None),
    };
    let base_offset = match (&base_zone, f.0.get("time")) {
        (_, Some(Value::DateTime(dt))) => Some(dt.zone.offset_seconds()),
        (Some(z), _) => Some(offset_now(z, now)?),
        (None, _) => None,
    };
    let offset = match (&target, base_offset) {
        (Some(t), Some(from)) => {
            let to = offset_now(t, now)?;
            base_nanos = base_nanos.map(|n| shift_time(n, from, to));
            to
        }
        (Some(t), None) => offset_now(t, now)?,
        (None, Some(from)) => from,
        (None, None) => 0,
    };
    Ok(Value::Time(Time { nanos: build_time(&f, base_nanos)?, offset_seconds: offset }))
}

fn local_parts(f: &Fields) -> CypherResult<(i64, i64)> {
    let (date_base, time_base) = match f.0.get("datetime") {
        Some(v @ (Value::LocalDateTime(_) | Value::DateTime(_))) => (Some(date_of_base(v)?), Some(time_of_base(v)?.0)),
        Some(other) => {
            return Err(CypherError::type_error(format!("Cannot select a datetime from {}", other.type_name())))
        }
        None => (
            f.0.get("date").map(date_of_base).transpose()?,
            f.0.get("time").map(time_of_base).transpose()?.map(|(n, _)| n),
        ),
    };
    let days = build_date(f, date_base)?;
    let nanos = if time_base.is_some() || has_time_fields(f) { build_time(f, time_base)? } else { 0 };
    Ok((days, nanos))
}

pub fn localdatetime_from_map(map: &Map, now: &DateTime) -> CypherResult<Value> {
    let Some(f) = Fields::of(map)? else { return Ok(Value::Null) };
    if f.only_timezone() {
        return Ok(Value::LocalDateTime(local_of(&now_in(&f, now)?)));
    }
    let (days, nanos) = local_parts(&f)?;
    Ok(Value::LocalDateTime(join_local(days, nanos)))
}

pub fn datetime_from_map(map: &Map, now: &DateTime) -> CypherResult<Value> {
    let Some(f) = Fields::of(map)? else { return Ok(Value::Null) };
    if f.only_timezone() {
        return Ok(Value::DateTime(now_in(&f, now)?));
    }
    let target = f.zone()?;
    if f.has("epochseconds") || f.has("epochmillis") {
        return epoch(&f, target.unwrap_or(ZoneSpec::Offset(0))).map(Value::DateTime);
    }
    let base_zone = match f.0.get("datetime").or_else(|| f.0.get("time")) {
        Some(v) => time_of_base(v)?.1,
        None => None,
    };
    let (days, nanos) = local_parts(&f)?;
    let local = join_local(days, nanos);
    let dt = match (base_zone, target) {
        (Some(from), Some(to)) => {
            let in_base = datetime_from_local(local.seconds, local.nanos, &from)?;
            datetime_from_instant(in_base.seconds, in_base.nanos, &to)?
        }
        (Some(zone), None) | (None, Some(zone)) => datetime_from_local(local.seconds, local.nanos, &zone)?,
        (None, None) => datetime_from_local(local.seconds, local.nanos, &ZoneSpec::Offset(0))?,
    };
    Ok(Value::DateTime(dt))
}

fn epoch(f: &Fields, zone: ZoneSpec) -> CypherResult<DateTime> {
    let extra = f.int("nanosecond")?.unwrap_or(0)
        + f.int("microsecond")?.unwrap_or(0) * 1_000
        + f.int("millisecond")?.unwrap_or(0) * 1_000_000;
    let total: i128 = match (f.int("epochseconds")?, f.int("epochmillis")?) {
        (Some(s), _) => i128::from(s) * 1_000_000_000,
        (None, Some(ms)) => i128::from(ms) * 1_000_000,
        (None, None) => 0,
    } + i128::from(extra);
    let seconds = i64::try_from(total.div_euclid(1_000_000_000))
        .map_err(|_| CypherError::argument("epoch value out of range"))?;
    super::calendar::check_days(seconds.div_euclid(SECONDS_PER_DAY))?;
    datetime_from_instant(seconds, total.rem_euclid(1_000_000_000) as u32, &zone)
}

/// `date(x)`, `time(x)`, ... of another temporal value (a conversion without overrides).
pub fn convert(kind: Kind, v: &Value, now: &DateTime) -> CypherResult<Value> {
    let mut map = Map::new();
    let key = match kind {
        Kind::Date => "date",
        Kind::LocalTime | Kind::Time => "time",
        Kind::LocalDateTime | Kind::DateTime => match v {
            Value::LocalDateTime(_) | Value::DateTime(_) => "datetime",
            _ => "date",
        },
    };
    map.insert(key.to_string(), v.clone());
    match kind {
        Kind::Date => date_from_map(&map, now),
        Kind::LocalTime => localtime_from_map(&map, now),
        Kind::Time => time_from_map(&map, now),
        Kind::LocalDateTime => localdatetime_from_map(&map, now),
        Kind::DateTime => datetime_from_map(&map, now),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Date,
    LocalTime,
    Time,
    LocalDateTime,
    DateTime,
}

/// The date and time of day after the overrides of `map` (truncation's third argument),
/// with the zone it asks for; None when a value in it is null.
pub type Overridden = (Option<i64>, Option<i64>, Option<ZoneSpec>);

pub fn overrides(map: &Map, days: Option<i64>, nanos: Option<i64>) -> CypherResult<Option<Overridden>> {
    let Some(f) = Fields::of(map)? else { return Ok(None) };
    let date_keys = ["year", "month", "day", "week", "dayofweek", "quarter", "dayofquarter", "ordinalday"];
    let days = match days {
        Some(d) => Some(build_date(&f, Some(d))?),
        None if date_keys.iter().any(|k| f.has(k)) => {
            return Err(CypherError::argument("Cannot set a date field on a time"));
        }
        None => None,
    };
    let nanos = match nanos {
        Some(n) => Some(build_time(&f, Some(n))?),
        None if has_time_fields(&f) => return Err(CypherError::argument("Cannot set a time field on a date")),
        None => None,
    };
    Ok(Some((days, nanos, f.zone()?)))
}
