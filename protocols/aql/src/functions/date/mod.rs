//! AQL's date functions. A date is a timestamp (milliseconds since the Unix epoch) or
//! an ISO 8601 string ([`civil::parse_iso`]); a value that is neither answers null
//! with warning 1572 "invalid date value". The field functions and most others take an
//! optional IANA time zone ([`tz`]) and then read the wall time of that zone.
//! [`calc`] holds the arithmetic (DATE_ADD/SUBTRACT/DIFF/COMPARE/TRUNC/ROUND),
//! [`format`] DATE_FORMAT.

mod calc;
pub mod civil;
mod format;
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
    def("DATE_SECOND", 1, 2, |a| field(a, |c| Value::Int(i64::from(c.second)))),
    def("DATE_MILLISECOND", 1, 2, |a| field(a, |c| Value::Int(i64::from(c.milli)))),
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
];

/// The UTC milliseconds of an ISO 8601 date string (IS_DATESTRING's test).
pub(crate) fn parse_date_string(s: &str) -> Option<i64> {
    civil::parse_iso(s)
}

/// The instant a date argument denotes.
pub(super) fn instant(v: &Value) -> Option<i64> {
    let ms = match v {
        Value::Int(i) => *i,
        Value::Double(d) if d.is_finite() => d.trunc().clamp(i64::MIN as f64, i64::MAX as f64) as i64,
        Value::String(s) => return civil::parse_iso(s),
        _ => return None,
    };
    (civil::MIN_MS..=civil::MAX_MS).contains(&ms).then_some(ms)
}

pub(super) fn invalid_date(args: &mut Args) -> Value {
    let message = format!("invalid date value in call to function '{}()'", args.name());
    args.warn(num::QUERY_INVALID_DATE_VALUE, message);
    Value::Null
}

/// The zone named by argument `i`: UTC when absent or null, None (after a warning)
/// for a name the tz database does not know.
pub(super) fn zone_arg(args: &mut Args, i: usize) -> Option<Arc<tz::Zone>> {
    let zone = match args.get(i) {
        Value::Null => tz::zone("UTC"),
        Value::String(name) => tz::zone(name),
        _ => None,
    };
    if zone.is_none() {
        let message =
            format!("{}(): unknown time zone {}", args.name(), crate::value::json::to_json_string(args.get(i)));
        args.warn(num::BAD_PARAMETER, message);
    }
    zone
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
    let Some(ms) = instant(args.get(0)) else { return Ok(invalid_date(args)) };
    let Some(zone) = zone_arg(args, 1) else { return Ok(Value::Null) };
    Ok(f(&Civil::from_ms(to_local(&zone, ms))))
}

/// DATE_TIMESTAMP/DATE_ISO8601: one date argument, or year, month, day, hour, minute,
/// second, millisecond as numbers.
fn built(args: &mut Args, out: fn(i64) -> Value) -> AqlResult<Value> {
    if args.len() == 1 {
        return Ok(instant(args.get(0)).map(out).unwrap_or_else(|| invalid_date(args)));
    }
    let mut parts = [0i64, 1, 1, 0, 0, 0, 0];
    for (i, slot) in parts.iter_mut().enumerate() {
        match args.get(i) {
            Value::Null if !args.has(i) => {}
            v => match v.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 1e7 => *slot = f as i64,
                _ => return Ok(invalid_date(args)),
            },
        }
    }
    let [year, month, day, hour, minute, second, milli] = parts;
    let valid = (0..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= i64::from(civil::days_in_month(year, month as u32))
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..60).contains(&second)
        && (0..1000).contains(&milli);
    if !valid {
        return Ok(invalid_date(args));
    }
    let c = Civil {
        year,
        month: month as u32,
        day: day as u32,
        hour: hour as u32,
        minute: minute as u32,
        second: second as u32,
        milli: milli as u32,
    };
    Ok(out(c.to_ms()))
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

fn utc_to_local(args: &mut Args) -> AqlResult<Value> {
    let Some(ms) = instant(args.get(0)) else { return Ok(invalid_date(args)) };
    let Some(zone) = zone_arg(args, 1) else { return Ok(Value::Null) };
    let local = civil::format_local(&Civil::from_ms(to_local(&zone, ms)));
    let text = if args.get(1).as_str() == Some("UTC") { format!("{local}Z") } else { local };
    if !args.flag(2, false) {
        return Ok(Value::String(text));
    }
    Ok(Value::object([
        ("local", Value::String(text)),
        ("tzdb", Value::String(tz::tzdb_version())),
        ("zoneInfo", zone_info(&zone, ms)),
    ]))
}

fn local_to_utc(args: &mut Args) -> AqlResult<Value> {
    let Some(wall) = instant(args.get(0)) else { return Ok(invalid_date(args)) };
    let Some(zone) = zone_arg(args, 1) else { return Ok(Value::Null) };
    let utc = zone.local_to_utc(wall);
    let text = Value::String(civil::format_iso(utc));
    if !args.flag(2, false) {
        return Ok(text);
    }
    Ok(Value::object([("utc", text), ("tzdb", Value::String(tz::tzdb_version())), ("zoneInfo", zone_info(&zone, utc))]))
}
