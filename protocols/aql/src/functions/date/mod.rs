//! AQL's date functions. A date is a timestamp (milliseconds since the Unix epoch) or
//! an ISO 8601 string ([`civil::parse_iso`]); a value that is neither answers null
//! with warning 1572 "invalid date value". The field functions and most others take an
//! optional IANA time zone ([`tz`]) and then read the wall time of that zone.
//! [`calc`] holds the arithmetic (DATE_ADD/SUBTRACT/DIFF/COMPARE/TRUNC/ROUND),
//! [`format`] DATE_FORMAT, [`posix`] the TZ rules zones follow after their last listed
//! transition.

mod calc;
pub mod civil;
mod format;
mod posix;
pub mod tz;

use super::{def, Args, Def};
use crate::error::{num, AqlResult};
use crate::value::Value;
use civil::Civil;
use std::sync::Arc;

pub(super) const DEFS: &[Def] = &[
    def("DATE_NOW", 0, 0, date_now),
    def("DATE_TIMESTAMP", 1, 7, |a| built(a, Value::Int)),
    def("DATE_ISO8601", 1, 7, |a| built(a, |ms| Value::String(civil::format_iso(ms)))),
    def("DATE_DAYOFWEEK", 1, 2, |a| field(a, |c| Value::Int(i64::from(c.weekday())))),
    def("DATE_YEAR", 1, 2, |a| field(a, |c| Value::Int(c.year))),
    def("DATE_MONTH", 1, 2, |a| field(a, |c| Value::Int(i64::from(c.month)))),
    def("DATE_DAY", 1, 2, |a| field(a, |c| Value::Int(i64::from(c.day)))),
    def("DATE_HOUR", 1, 2, |a| field(a, |c| Value::Int(i64::from(c.hour)))),
    def("DATE_MINUTE", 1, 2, |a| field(a, |c| Value::Int(i64::from(c.minute)))),
    def("DATE_SECOND", 1, 1, |a| field(a, |c| Value::Int(i64::from(c.second)))),
    def("DATE_MILLISECOND", 1, 1, |a| field(a, |c| Value::Int(i64::from(c.milli)))),
    def("DATE_DAYOFYEAR", 1, 2, |a| field(a, |c| Value::Int(i64::from(c.day_of_year())))),
    def("DATE_ISOWEEK", 1, 2, |a| field(a, |c| Value::Int(i64::from(c.iso_week().0)))),
    def("DATE_ISOWEEKYEAR", 1, 2, |a| {
        field(a, |c| {
            let (week, year) = c.iso_week();
            Value::object([("week", Value::Int(i64::from(week))), ("year", Value::Int(year))])
        })
    }),
    def("DATE_LEAPYEAR", 1, 2, |a| field(a, |c| Value::Bool(civil::is_leap(c.year)))),
    def("DATE_QUARTER", 1, 2, |a| field(a, |c| Value::Int(i64::from((c.month - 1) / 3 + 1)))),
    def("DATE_DAYS_IN_MONTH", 1, 2, |a| field(a, |c| Value::Int(i64::from(civil::days_in_month(c.year, c.month))))),
    def("DATE_FORMAT", 2, 3, format::date_format),
    def("DATE_ADD", 2, 4, |a| calc::date_add(a, 1)),
    def("DATE_SUBTRACT", 2, 4, |a| calc::date_add(a, -1)),
    def("DATE_DIFF", 3, 6, calc::date_diff),
    def("DATE_COMPARE", 3, 6, calc::date_compare),
    def("DATE_TRUNC", 2, 3, calc::date_trunc),
    def("DATE_ROUND", 3, 4, calc::date_round),
    def("DATE_UTCTOLOCAL", 2, 3, utc_to_local),
    def("DATE_LOCALTOUTC", 2, 3, local_to_utc),
    def("DATE_TIMEZONE", 0, 0, |_| Ok(Value::str("Etc/UTC"))),
    def("DATE_TIMEZONES", 0, 0, |_| Ok(Value::Array(tz::zone_names().into_iter().map(Value::String).collect()))),
];

/// The UTC milliseconds of an ISO 8601 date string (IS_DATESTRING's test).
pub(crate) fn parse_date_string(s: &str) -> Option<i64> {
    civil::parse_iso(s)
}

/// The instant a date value denotes: a timestamp (truncated to whole milliseconds)
/// within years 0..9999 or a date string.
pub(super) fn instant(v: &Value) -> Option<i64> {
    let ms = match v {
        Value::Int(i) => *i,
        Value::Double(d) if d.is_finite() => d.trunc().clamp(i64::MIN as f64, i64::MAX as f64) as i64,
        Value::String(s) => return civil::parse_iso(s),
        _ => return None,
    };
    (civil::MIN_MS..=civil::MAX_MS).contains(&ms).then_some(ms)
}

/// Date argument `i`: warning 1572 for a number or string that is no date, 1542 for
/// any other type.
pub(super) fn date_arg(args: &mut Args, i: usize) -> Option<i64> {
    let v = args.get(i);
    let typed = matches!(v, Value::Int(_) | Value::Double(_) | Value::String(_));
    match instant(v) {
        Some(ms) => Some(ms),
        None if typed => {
            invalid_date(args);
            None
        }
        None => {
            args.type_error();
            None
        }
    }
}

pub(super) fn invalid_date(args: &mut Args) -> Value {
    let message = format!("invalid date value in call to function '{}()'", args.name());
    args.warn(num::QUERY_INVALID_DATE_VALUE, message);
    Value::Null
}

/// The zone named by argument `i`: warning 1542 for a non-string, 10 for a name the
/// tz database does not know.
pub(super) fn zone_named(args: &mut Args, i: usize) -> Option<Arc<tz::Zone>> {
    let Value::String(name) = args.get(i) else {
        args.type_error();
        return None;
    };
    let zone = tz::zone(name);
    if zone.is_none() {
        let message = format!("{}(): unknown time zone '{name}'", args.name());
        args.warn(num::BAD_PARAMETER, message);
    }
    zone
}

/// The optional zone argument `i`: UTC when absent.
pub(super) fn zone_arg(args: &mut Args, i: usize) -> Option<Arc<tz::Zone>> {
    if args.has(i) {
        zone_named(args, i)
    } else {
        tz::zone("UTC")
    }
}

/// Wall-clock milliseconds of `ms` in `zone`.
pub(super) fn to_local(zone: &tz::Zone, ms: i64) -> i64 {
    ms + zone.offset_ms(ms)
}

fn date_now(_: &mut Args) -> AqlResult<Value> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    Ok(Value::Int(i64::try_from(now).unwrap_or(0)))
}

fn field(args: &mut Args, f: fn(&Civil) -> Value) -> AqlResult<Value> {
    let Some(ms) = date_arg(args, 0) else { return Ok(Value::Null) };
    let Some(zone) = zone_arg(args, 1) else { return Ok(Value::Null) };
    Ok(f(&Civil::from_ms(to_local(&zone, ms))))
}

/// DATE_TIMESTAMP/DATE_ISO8601: one date argument, or year, month, day and optionally
/// hour, minute, second, millisecond as numbers or numeric strings. As in ArangoDB a
/// day or hour past its range runs on into the next month or day; negative parts are
/// invalid.
fn built(args: &mut Args, out: fn(i64) -> Value) -> AqlResult<Value> {
    if args.len() == 1 {
        return Ok(date_arg(args, 0).map(out).unwrap_or(Value::Null));
    }
    if args.len() < 3 || !args.all().iter().all(|v| matches!(v, Value::Int(_) | Value::Double(_) | Value::String(_))) {
        return Ok(args.type_error());
    }
    let part = |i: usize| if args.has(i) { args.int(i) } else { 0 };
    let (year, month, day) = (part(0), part(1), part(2));
    let (hour, minute, second, milli) = (part(3), part(4), part(5), part(6).min(999));
    let in_range = (0..=9999).contains(&year) && (0..100_000).contains(&month) && (0..10_000_000).contains(&day);
    let times_ok = [hour, minute, second, milli].iter().all(|t| (0..1_000_000_000).contains(t));
    if !in_range || !times_ok {
        return Ok(invalid_date(args));
    }
    let ms = civil::days_from_civil(year, month as u32, day as u32) * civil::MS_PER_DAY
        + ((hour * 60 + minute) * 60 + second) * 1000
        + milli;
    if !(civil::MIN_MS..=civil::MAX_MS).contains(&ms) {
        return Ok(invalid_date(args));
    }
    Ok(out(ms))
}

fn zone_info(zone: &tz::Zone, utc_ms: i64) -> Value {
    let period = zone.period(utc_ms.div_euclid(1000));
    let edge =
        |s: Option<i64>| s.map(|s| Value::String(civil::format_iso(s.saturating_mul(1000)))).unwrap_or(Value::Null);
    Value::object([
        ("name", Value::str(period.local.abbr.as_str())),
        ("begin", edge(period.begin)),
        ("end", edge(period.end)),
        ("dst", Value::Bool(period.local.dst)),
        ("offset", Value::Int(period.local.offset)),
    ])
}

/// The zone and the `details` flag of DATE_UTCTOLOCAL/DATE_LOCALTOUTC (1542 for a
/// non-string zone or a non-boolean flag).
fn conversion_args(args: &mut Args) -> Option<(Arc<tz::Zone>, bool)> {
    let details = match args.get(2) {
        _ if !args.has(2) => false,
        Value::Bool(b) => *b,
        _ => {
            args.type_error();
            return None;
        }
    };
    Some((zone_named(args, 1)?, details))
}

fn utc_to_local(args: &mut Args) -> AqlResult<Value> {
    let Some(ms) = date_arg(args, 0) else { return Ok(Value::Null) };
    let Some((zone, details)) = conversion_args(args) else { return Ok(Value::Null) };
    let local = to_local(&zone, ms);
    if !(civil::MIN_MS..=civil::MAX_MS).contains(&local) {
        return Ok(invalid_date(args));
    }
    let period = zone.period(ms.div_euclid(1000));
    let mut text = civil::format_local(&Civil::from_ms(local));
    if period.local.offset == 0 && !period.local.dst {
        text.push('Z');
    }
    if !details {
        return Ok(Value::String(text));
    }
    Ok(Value::object([
        ("local", Value::String(text)),
        ("tzdb", Value::String(tz::tzdb_version())),
        ("zoneInfo", zone_info(&zone, ms)),
    ]))
}

fn local_to_utc(args: &mut Args) -> AqlResult<Value> {
    let Some(wall) = date_arg(args, 0) else { return Ok(Value::Null) };
    let Some((zone, details)) = conversion_args(args) else { return Ok(Value::Null) };
    let utc = zone.local_to_utc(wall);
    if !(civil::MIN_MS..=civil::MAX_MS).contains(&utc) {
        return Ok(invalid_date(args));
    }
    let text = Value::String(civil::format_iso(utc));
    if !details {
        return Ok(text);
    }
    Ok(Value::object([("utc", text), ("tzdb", Value::String(tz::tzdb_version())), ("zoneInfo", zone_info(&zone, utc))]))
}
