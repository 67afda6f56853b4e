//! ISO 8601 text as Cypher's temporal constructors take it: calendar (`2015-07-21`,
//! `20150721`, `2015-07`), week (`2015-W30-2`, `2015W302`), ordinal (`2015-202`) and year
//! dates; times `21`, `21:40`, `214032.142` with `Z`, `+01:00`, `-0130`, `+01` offsets and
//! `[Region/City]` zones; durations `P14DT16H12M`, fractional `P0.75M`, and the
//! alternative `P2012-02-02T14:37:21.545`.

use super::calendar::{date_from_ordinal, date_from_week, date_from_ymd, time_from_hms, NANOS_PER_SECOND};
use super::duration::{DurationBuilder, HOUR, MINUTE};
use super::{datetime_from_local, parse_zone, zone, ZoneSpec};
use crate::error::{CypherError, CypherResult};
use crate::value::{DateTime, Duration, LocalDateTime, Time};

const MAX_TEXT: usize = 128;

/// Temporal text is short ASCII; anything else cannot parse (and is never sliced).
fn plain(kind: &str, s: &str) -> CypherResult<()> {
    if s.len() > MAX_TEXT || !s.is_ascii() {
        return Err(bad(kind, s));
    }
    Ok(())
}

fn bad(kind: &str, s: &str) -> CypherError {
    CypherError::argument(format!("Text cannot be parsed to a {kind}: '{}'", truncated(s)))
}

fn truncated(s: &str) -> &str {
    match s.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn date_part(s: &str) -> Option<CypherResult<i64>> {
    let (sign, unsigned) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => (1, s),
    };
    let year_len = if unsigned.len() == s.len() { 4 } else { unsigned.bytes().take_while(u8::is_ascii_digit).count() };
    if !(4..=9).contains(&year_len) || unsigned.len() < year_len {
        return None;
    }
    let year = sign * digits(&unsigned[..year_len])?;
    let rest = &unsigned[year_len..];
    let (extended, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() {
        return (!extended).then(|| date_from_ymd(year, 1, 1));
    }
    if let Some(week_text) = rest.strip_prefix('W') {
        let week = digits(week_text.get(..2)?)?;
        let day_text = &week_text[2..];
        let day = match (extended, day_text) {
            (_, "") => 1,
            (true, d) => digits(d.strip_prefix('-')?).filter(|_| d.len() == 2)?,
            (false, d) => digits(d).filter(|_| d.len() == 1)?,
        };
        return Some(date_from_week(year, week, day));
    }
    match (extended, rest.len()) {
        (_, 2) => Some(date_from_ymd(year, digits(rest)?, 1)),
        (_, 3) => Some(date_from_ordinal(year, digits(rest)?)),
        (false, 4) => Some(date_from_ymd(year, digits(&rest[..2])?, digits(&rest[2..])?)),
        (true, 5) if rest.as_bytes().get(2) == Some(&b'-') => {
            Some(date_from_ymd(year, digits(&rest[..2])?, digits(&rest[3..])?))
        }
        _ => None,
    }
}

fn fraction_nanos(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut padded = s.to_string();
    while padded.len() < 9 {
        padded.push('0');
    }
    padded.parse().ok()
}

fn local_time_part(s: &str) -> Option<CypherResult<i64>> {
    let (main, fraction) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let nums: Vec<&str> = if main.contains(':') {
        let parts: Vec<&str> = main.split(':').collect();
        if parts.iter().any(|p| p.len() != 2) {
            return None;
        }
        parts
    } else {
        if main.len() % 2 != 0 || main.len() > 6 {
            return None;
        }
        (0..main.len() / 2).map(|i| &main[i * 2..i * 2 + 2]).collect()
    };
    if nums.is_empty() || nums.len() > 3 || (fraction.is_some() && nums.len() != 3) {
        return None;
    }
    let hour = digits(nums.first()?)?;
    let minute = nums.get(1).map(|m| digits(m)).unwrap_or(Some(0))?;
    let second = nums.get(2).map(|m| digits(m)).unwrap_or(Some(0))?;
    let nanos = match fraction {
        Some(f) => fraction_nanos(f)?,
        None => 0,
    };
    Some(time_from_hms(hour, minute, second, nanos))
}

/// Splits `21:40:32+01:00[Europe/Paris]` into the clock, the offset text and the zone name.
fn split_zone(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let (before_name, name) = match s.find('[') {
        Some(i) => (&s[..i], Some(s[i + 1..].strip_suffix(']')?)),
        None => (s, None),
    };
    match before_name.find(['+', '-', 'Z', 'z']) {
        Some(i) => Some((&before_name[..i], Some(&before_name[i..]), name)),
        None => Some((before_name, None, name)),
    }
}

pub fn parse_date(s: &str) -> CypherResult<i64> {
    plain("Date", s)?;
    date_part(s.trim()).ok_or_else(|| bad("Date", s))?
}

pub fn parse_localtime(s: &str) -> CypherResult<i64> {
    plain("LocalTime", s)?;
    local_time_part(s.trim()).ok_or_else(|| bad("LocalTime", s))?
}

/// A time without an offset takes the default zone (UTC).
pub fn parse_time(s: &str) -> CypherResult<Time> {
    plain("Time", s)?;
    let s = s.trim();
    let (clock, offset, name) = split_zone(s).ok_or_else(|| bad("Time", s))?;
    if name.is_some() {
        return Err(bad("Time", s));
    }
    let nanos = local_time_part(clock).ok_or_else(|| bad("Time", s))??;
    let offset_seconds = match offset {
        Some(o) => zone::parse_offset(o).ok_or_else(|| bad("Time", s))?,
        None => 0,
    };
    Ok(Time { nanos, offset_seconds })
}

fn split_date_time(s: &str) -> (&str, Option<&str>) {
    match s.find(['T', 't']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

pub fn parse_localdatetime(s: &str) -> CypherResult<LocalDateTime> {
    plain("LocalDateTime", s)?;
    let s = s.trim();
    let (date, time) = split_date_time(s);
    let days = date_part(date).ok_or_else(|| bad("LocalDateTime", s))??;
    let nanos = match time {
        Some(t) => local_time_part(t).ok_or_else(|| bad("LocalDateTime", s))??,
        None => 0,
    };
    Ok(super::join_local(days, nanos))
}

pub fn parse_datetime(s: &str) -> CypherResult<DateTime> {
    plain("DateTime", s)?;
    let s = s.trim();
    let (date, time) = split_date_time(s);
    let days = date_part(date).ok_or_else(|| bad("DateTime", s))??;
    let (clock, offset, name) = match time {
        Some(t) => split_zone(t).ok_or_else(|| bad("DateTime", s))?,
        None => ("", None, None),
    };
    let nanos = if clock.is_empty() && time.is_none() {
        0
    } else {
        local_time_part(clock).ok_or_else(|| bad("DateTime", s))??
    };
    let local = super::join_local(days, nanos);
    let offset = match offset {
        Some(o) => Some(zone::parse_offset(o).ok_or_else(|| bad("DateTime", s))?),
        None => None,
    };
    let spec = match (name, offset) {
        (Some(name), _) => parse_zone(name)?,
        (None, Some(o)) => ZoneSpec::Offset(o),
        (None, None) => ZoneSpec::Offset(0),
    };
    let mut dt = datetime_from_local(local.seconds, local.nanos, &spec)?;
    if let (Some(o), crate::value::Zone::Named { offset_seconds, .. }) = (offset, &mut dt.zone) {
        // An offset valid for the zone at that clock reading picks it in an overlap.
        if let ZoneSpec::Named(_) = spec {
            let candidate = local.seconds - i64::from(o);
            if spec.at_instant(candidate)?.offset_seconds() == o {
                *offset_seconds = o;
                dt.seconds = candidate;
            }
        }
    }
    Ok(dt)
}

fn duration_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',') {
        return None;
    }
    s.replace(',', ".").parse().ok()
}

fn duration_alternative(body: &str) -> Option<CypherResult<Duration>> {
    let (date, time) = split_date_time(body);
    let mut parts = date.split('-');
    let years = digits(parts.next()?)?;
    let months = digits(parts.next()?)?;
    let days = digits(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    let mut b = DurationBuilder { months: i128::from(years * 12 + months), days: i128::from(days), nanos: 0 };
    if let Some(t) = time {
        let (main, fraction) = match t.find(['.', ',']) {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        let hms: Vec<&str> = main.split(':').collect();
        if hms.len() != 3 {
            return None;
        }
        let (h, m, sec) = (digits(hms[0])?, digits(hms[1])?, digits(hms[2])?);
        let frac = fraction.map(fraction_nanos).unwrap_or(Some(0))?;
        b.nanos = i128::from(h) * i128::from(HOUR)
            + i128::from(m) * i128::from(MINUTE)
            + i128::from(sec) * i128::from(NANOS_PER_SECOND)
            + i128::from(frac);
    }
    Some(b.build())
}

fn duration_text(s: &str) -> Option<CypherResult<Duration>> {
    let (negate, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let body = s.strip_prefix(['P', 'p'])?;
    if body.is_empty() {
        return None;
    }
    let alternative =
        body.len() > 4 && body.as_bytes()[..4].iter().all(u8::is_ascii_digit) && body.as_bytes()[4] == b'-';
    let result = if alternative { duration_alternative(body)? } else { components(body)? };
    Some(result.and_then(|d| if negate { super::arith::negate_duration(&d) } else { Ok(d) }))
}

fn components(body: &str) -> Option<CypherResult<Duration>> {
    let mut b = DurationBuilder::default();
    let mut in_time = false;
    let mut number_start = 0;
    let mut seen_any = false;
    for (i, c) in body.char_indices() {
        if c == 'T' || c == 't' {
            if in_time || i != number_start {
                return None;
            }
            in_time = true;
            number_start = i + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            continue;
        }
        let value = duration_number(&body[number_start..i])?;
        let step = match (in_time, c.to_ascii_uppercase()) {
            (false, 'Y') => b.add_months(value * 12.0),
            (false, 'M') => b.add_months(value),
            (false, 'W') => b.add_days(value * 7.0),
            (false, 'D') => b.add_days(value),
            (true, 'H') => b.add_nanos_f(value, HOUR),
            (true, 'M') => b.add_nanos_f(value, MINUTE),
            (true, 'S') => b.add_nanos_f(value, NANOS_PER_SECOND),
            _ => return None,
        };
        if let Err(e) = step {
            return Some(Err(e));
        }
        seen_any = true;
        number_start = i + c.len_utf8();
    }
    if number_start != body.len() || !seen_any {
        return None;
    }
    Some(b.build())
}

pub fn parse_duration(s: &str) -> CypherResult<Duration> {
    plain("Duration", s)?;
    duration_text(s.trim()).ok_or_else(|| bad("Duration", s))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::temporal::render::*;

    #[test]
    fn dates() {
        // Temporal2 [1].
        for (text, expected) in [
            ("2015-07-21", "2015-07-21"),
            ("20150721", "2015-07-21"),
            ("2015-07", "2015-07-01"),
            ("201507", "2015-07-01"),
            ("2015-W30-2", "2015-07-21"),
            ("2015W302", "2015-07-21"),
            ("2015-W30", "2015-07-20"),
            ("2015W30", "2015-07-20"),
            ("2015-202", "2015-07-21"),
            ("2015202", "2015-07-21"),
            ("2015", "2015-01-01"),
        ] {
            assert_eq!(parse_date(text).map(format_date).ok().as_deref(), Some(expected), "{text}");
        }
        assert!(parse_date("2015-13-01").is_err());
        assert!(parse_date("garbage").is_err());
        for odd in ["2015aé1", "20é5-01-01", "é", "2015-W3é", "21é0", "P1é", "-", "+", "W", "2015-"] {
            assert!(parse_date(odd).is_err() && parse_localtime(odd).is_err() && parse_duration(odd).is_err());
            assert!(parse_datetime(odd).is_err() && parse_time(odd).is_err() && parse_localdatetime(odd).is_err());
        }
    }

    #[test]
    fn times() {
        // Temporal2 [2] and [3].
        for (text, expected) in [("214032.142", "21:40:32.142"), ("2140", "21:40"), ("21", "21:00")] {
            assert_eq!(parse_localtime(text).map(format_localtime).ok().as_deref(), Some(expected), "{text}");
        }
        for (text, expected) in [
            ("21:40:32.142+0100", "21:40:32.142+01:00"),
            ("214032.142Z", "21:40:32.142Z"),
            ("214032-0100", "21:40:32-01:00"),
            ("2140-00:00", "21:40Z"),
            ("2140-02", "21:40-02:00"),
            ("22+18:00", "22:00+18:00"),
        ] {
            assert_eq!(parse_time(text).map(|t| format_time(&t)).ok().as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn datetimes() {
        // Temporal2 [5] and [6].
        for (text, expected) in [
            ("2015-W30-2T214032.142Z", "2015-07-21T21:40:32.142Z"),
            ("2015T214032-0100", "2015-01-01T21:40:32-01:00"),
            ("2015-W30T2140-02", "2015-07-20T21:40-02:00"),
            ("2015-07-21T21:40:32.142+0845[Australia/Eucla]", "2015-07-21T21:40:32.142+08:45[Australia/Eucla]"),
            ("2015-07-21T21:40:32.142[Europe/London]", "2015-07-21T21:40:32.142+01:00[Europe/London]"),
            ("1818-07-21T21:40:32.142[Europe/Berlin]", "1818-07-21T21:40:32.142+00:53:28[Europe/Berlin]"),
        ] {
            assert_eq!(parse_datetime(text).map(|t| format_datetime(&t)).ok().as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn durations() {
        // Temporal2 [7].
        for (text, expected) in [
            ("P14DT16H12M", "P14DT16H12M"),
            ("P5M1.5D", "P5M1DT12H"),
            ("P0.75M", "P22DT19H51M49.5S"),
            ("PT0.75M", "PT45S"),
            ("P2.5W", "P17DT12H"),
            ("P12Y5M14DT16H12M70S", "P12Y5M14DT16H13M10S"),
            ("P2012-02-02T14:37:21.545", "P2012Y2M2DT14H37M21.545S"),
        ] {
            assert_eq!(parse_duration(text).map(|d| format_duration(&d)).ok().as_deref(), Some(expected), "{text}");
        }
        assert!(parse_duration("P").is_err());
        assert!(parse_duration("PT1D").is_err());
    }
}
