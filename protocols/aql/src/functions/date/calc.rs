//! Date arithmetic on wall time, with ArangoDB's rules: DATE_ADD/DATE_SUBTRACT (an
//! amount and a unit — a fractional year or month running on into months and 30-day
//! months — or an ISO 8601 duration; a day past the end of the target month runs into
//! the next month), DATE_DIFF (a year is 365.2425 days, a month a twelfth of that;
//! whole units rounded), DATE_COMPARE, DATE_TRUNC and DATE_ROUND. With a time zone
//! the calculation happens on that zone's wall clock and the result goes back to UTC.

use super::civil::{self, Civil, MS_PER_DAY};
use super::{date_arg, invalid_date, to_local, tz, zone_named};
use crate::error::AqlResult;
use crate::functions::Args;
use crate::value::Value;
use std::sync::Arc;

/// ArangoDB's date units, in its order (a larger unit compares greater).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    Milli,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Unit {
    pub fn parse(v: &Value) -> Option<Unit> {
        Some(match v.as_str()?.to_ascii_lowercase().as_str() {
            "y" | "year" | "years" => Unit::Year,
            "m" | "month" | "months" => Unit::Month,
            "w" | "week" | "weeks" => Unit::Week,
            "d" | "day" | "days" => Unit::Day,
            "h" | "hour" | "hours" => Unit::Hour,
            "i" | "minute" | "minutes" => Unit::Minute,
            "s" | "second" | "seconds" => Unit::Second,
            "f" | "millisecond" | "milliseconds" => Unit::Milli,
            _ => return None,
        })
    }

    /// Milliseconds of the fixed-length units.
    fn ms(self) -> f64 {
        match self {
            Unit::Milli => 1.0,
            Unit::Second => 1000.0,
            Unit::Minute => 60_000.0,
            Unit::Hour => 3_600_000.0,
            Unit::Day => MS_PER_DAY as f64,
            Unit::Week => 7.0 * MS_PER_DAY as f64,
            Unit::Year => 365.2425 * MS_PER_DAY as f64,
            Unit::Month => 365.2425 / 12.0 * MS_PER_DAY as f64,
        }
    }
}

/// Years, months and milliseconds of an ISO 8601 duration
/// `P[nY][nM][nW][nD][T[nH][nM][n[.fff]S]]`.
fn parse_duration(s: &str) -> Option<(i64, i64, i64)> {
    let rest = s.strip_prefix('P').filter(|r| !r.is_empty())?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut parts = Vec::new();
    let mut number = String::new();
    for c in date.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        parts.push((c, std::mem::take(&mut number).parse::<i64>().ok()?));
    }
    let order = |parts: &[(char, i64)], units: &str| {
        let positions: Option<Vec<usize>> = parts.iter().map(|(u, _)| units.find(*u)).collect();
        positions.is_some_and(|p| p.windows(2).all(|w| w[0] < w[1]))
    };
    if !number.is_empty() || !order(&parts, "YMWD") {
        return None;
    }
    let mut time_parts = Vec::new();
    let mut millis = 0i64;
    for c in time.unwrap_or("").chars() {
        if c.is_ascii_digit() || c == '.' || c == ',' {
            number.push(c);
            continue;
        }
        let (whole, fraction) = match number.split_once(['.', ',']) {
            Some((w, f)) if c == 'S' && (1..=3).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
                (w.to_string(), Some(f.to_string()))
            }
            Some(_) => return None,
            None => (number.clone(), None),
        };
        number.clear();
        if let Some(f) = fraction {
            millis = format!("{f:0<3}").parse().ok()?;
        }
        time_parts.push((c, whole.parse::<i64>().ok()?));
    }
    if !number.is_empty() || !order(&time_parts, "HMS") {
        return None;
    }
    let get = |list: &[(char, i64)], u: char| list.iter().find(|(c, _)| *c == u).map(|(_, n)| *n).unwrap_or(0);
    let ms = [
        (get(&parts, 'W'), 7 * MS_PER_DAY),
        (get(&parts, 'D'), MS_PER_DAY),
        (get(&time_parts, 'H'), 3_600_000),
        (get(&time_parts, 'M'), 60_000),
        (get(&time_parts, 'S'), 1000),
    ]
    .iter()
    .try_fold(millis, |acc, (n, unit)| acc.checked_add(n.checked_mul(*unit)?))?;
    Some((get(&parts, 'Y'), get(&parts, 'M'), ms))
}

/// `c` moved by whole months; the day is kept (and may run into the next month).
fn add_months(c: Civil, months: i64) -> Option<Civil> {
    let total = c.year.checked_mul(12)?.checked_add(i64::from(c.month) - 1)?.checked_add(months)?;
    Some(Civil { year: total.div_euclid(12), month: (total.rem_euclid(12) + 1) as u32, ..c })
}

fn result(args: &mut Args, zone: Option<&Arc<tz::Zone>>, wall: i64) -> Value {
    let utc = match zone {
        Some(z) => z.local_to_utc(wall),
        None => wall,
    };
    if !(civil::MIN_MS..=civil::MAX_MS).contains(&utc) {
        return invalid_date(args);
    }
    Value::String(civil::format_iso(utc))
}

pub(super) fn date_add(args: &mut Args, sign: i64) -> AqlResult<Value> {
    let Some(ms) = date_arg(args, 0) else { return Ok(Value::Null) };
    let n = args.len();
    let zoned = n == 4 || (n == 3 && matches!(args.get(1), Value::String(_)));
    let zone = if zoned {
        match zone_named(args, if n == 4 { 3 } else { 2 }) {
            Some(z) => Some(z),
            None => return Ok(Value::Null),
        }
    } else {
        None
    };
    let local = Civil::from_ms(zone.as_ref().map_or(ms, |z| to_local(z, ms)));
    let mut negative = sign < 0;
    let (years, months, delta);
    if (n == 3 && !zoned) || n == 4 {
        let (Some(amount), Value::String(_)) = (args.get(1).as_f64(), args.get(2)) else {
            return Ok(args.type_error());
        };
        let Some(unit) = Unit::parse(args.get(2)) else { return Ok(invalid_date(args)) };
        let integral = matches!(args.get(1), Value::Int(_));
        let mut amount = amount;
        if amount < 0.0 {
            negative = !negative;
            amount = -amount;
        }
        let (mut unit, mut y, mut m) = (unit, 0, 0);
        if unit == Unit::Year {
            y = amount.trunc() as i64;
            amount = amount.fract() * 12.0;
            unit = Unit::Month;
            if integral || amount == 0.0 {
                amount = 0.0;
            }
        }
        if unit == Unit::Month {
            m = amount.trunc() as i64;
            amount = amount.fract() * 30.0;
            unit = Unit::Day;
            if integral || amount == 0.0 {
                amount = 0.0;
            }
        }
        (years, months, delta) = (y, m, (amount * unit.ms()) as i64);
    } else {
        let Value::String(text) = args.get(1) else { return Ok(args.type_error()) };
        match parse_duration(text) {
            Some((y, m, d)) => (years, months, delta) = (y, m, d),
            None => return Ok(invalid_date(args)),
        }
    }
    let s = if negative { -1 } else { 1 };
    let moved = add_months(local, s * years.saturating_mul(12).saturating_add(months))
        .map(|c| c.to_ms().saturating_add(s * delta));
    match moved {
        Some(wall) => Ok(result(args, zone.as_ref(), wall)),
        None => Ok(invalid_date(args)),
    }
}

pub(super) fn date_diff(args: &mut Args) -> AqlResult<Value> {
    let Some(a) = date_arg(args, 0) else { return Ok(Value::Null) };
    let Some(b) = date_arg(args, 1) else { return Ok(Value::Null) };
    if !matches!(args.get(2), Value::String(_)) {
        return Ok(args.type_error());
    }
    let unit = Unit::parse(args.get(2));
    let n = args.len();
    let (mut as_float, mut zone_a, mut zone_b) = (false, None, None);
    if n > 3 {
        match args.get(3) {
            Value::Bool(f) => as_float = *f,
            Value::String(_) => {
                let Some(z) = zone_named(args, 3) else { return Ok(Value::Null) };
                if n == 4 {
                    zone_b = Some(z.clone());
                }
                zone_a = Some(z);
            }
            _ => return Ok(args.type_error()),
        }
        if n > 4 {
            let Some(z) = zone_named(args, 4) else { return Ok(Value::Null) };
            if matches!(args.get(3), Value::Bool(_)) {
                if n == 5 {
                    zone_b = Some(z.clone());
                }
                zone_a = Some(z);
            } else {
                zone_b = Some(z);
            }
            if n == 6 {
                let Some(z) = zone_named(args, 5) else { return Ok(Value::Null) };
                zone_b = Some(z);
            }
        }
    }
    let Some(unit) = unit else { return Ok(invalid_date(args)) };
    let la = zone_a.as_ref().map_or(a, |z| to_local(z, a));
    let lb = zone_b.as_ref().map_or(b, |z| to_local(z, b));
    let diff = (lb - la) as f64 / unit.ms();
    if as_float {
        return Ok(Value::double(diff));
    }
    Ok(Value::Int(diff.round() as i64))
}

fn fields(c: &Civil) -> [(Unit, i64); 7] {
    [
        (Unit::Year, c.year),
        (Unit::Month, i64::from(c.month)),
        (Unit::Day, i64::from(c.day)),
        (Unit::Hour, i64::from(c.hour)),
        (Unit::Minute, i64::from(c.minute)),
        (Unit::Second, i64::from(c.second)),
        (Unit::Milli, i64::from(c.milli)),
    ]
}

pub(super) fn date_compare(args: &mut Args) -> AqlResult<Value> {
    let Some(a) = date_arg(args, 0) else { return Ok(Value::Null) };
    let Some(b) = date_arg(args, 1) else { return Ok(Value::Null) };
    let Some(start) = Unit::parse(args.get(2)) else { return Ok(args.type_error()) };
    let n = args.len();
    let mut end = start;
    let mut zones: Option<(usize, usize)> = None;
    if n > 3 {
        match Unit::parse(args.get(3)) {
            None => {
                zones = match n {
                    4 => Some((3, 3)),
                    5 => Some((3, 4)),
                    _ => return Ok(args.type_error()),
                };
            }
            Some(u) => {
                end = u;
                zones = match n {
                    5 => Some((4, 4)),
                    6 => Some((4, 5)),
                    _ => None,
                };
            }
        }
    }
    let (mut la, mut lb) = (a, b);
    if let Some((i, j)) = zones {
        let Some(za) = zone_named(args, i) else { return Ok(Value::Null) };
        let Some(zb) = (if i == j { Some(za.clone()) } else { zone_named(args, j) }) else { return Ok(Value::Null) };
        (la, lb) = (to_local(&za, a), to_local(&zb, b));
    }
    if start == Unit::Week {
        return Ok(Value::Bool(true));
    }
    let (fa, fb) = (fields(&Civil::from_ms(la)), fields(&Civil::from_ms(lb)));
    for ((unit, x), (_, y)) in fa.iter().zip(fb.iter()) {
        if *unit > start {
            continue;
        }
        if *unit != Unit::Year && end > *unit {
            break;
        }
        if x != y {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

pub(super) fn date_trunc(args: &mut Args) -> AqlResult<Value> {
    let Some(ms) = date_arg(args, 0) else { return Ok(Value::Null) };
    if !matches!(args.get(1), Value::String(_)) {
        return Ok(args.type_error());
    }
    let zone = if args.len() == 3 {
        match zone_named(args, 2) {
            Some(z) => Some(z),
            None => return Ok(Value::Null),
        }
    } else {
        None
    };
    let Some(unit) = Unit::parse(args.get(1)).filter(|u| *u != Unit::Week) else { return Ok(invalid_date(args)) };
    let mut c = Civil::from_ms(zone.as_ref().map_or(ms, |z| to_local(z, ms)));
    if unit >= Unit::Second {
        c.milli = 0;
    }
    if unit >= Unit::Minute {
        c.second = 0;
    }
    if unit >= Unit::Hour {
        c.minute = 0;
    }
    if unit >= Unit::Day {
        c.hour = 0;
    }
    if unit >= Unit::Month {
        c.day = 1;
    }
    if unit == Unit::Year {
        c.month = 1;
    }
    Ok(result(args, zone.as_ref(), c.to_ms()))
}

pub(super) fn date_round(args: &mut Args) -> AqlResult<Value> {
    let Some(ms) = date_arg(args, 0) else { return Ok(Value::Null) };
    let (Some(_), Value::String(unit)) = (args.get(1).as_f64(), args.get(2)) else { return Ok(args.type_error()) };
    let factor = match unit.as_str() {
        "milliseconds" | "millisecond" | "f" => 1,
        "seconds" | "second" | "s" => 1000,
        "minutes" | "minute" | "i" => 60_000,
        "hours" | "hour" | "h" => 3_600_000,
        "days" | "day" | "d" => MS_PER_DAY,
        _ => 0,
    };
    let zone = if args.len() == 4 {
        match zone_named(args, 3) {
            Some(z) => Some(z),
            None => return Ok(Value::Null),
        }
    } else {
        None
    };
    let amount = args.int(1);
    let Some(step) = factor.checked_mul(amount).filter(|s| *s > 0 && amount > 0) else { return Ok(args.type_error()) };
    let local = zone.as_ref().map_or(ms, |z| to_local(z, ms));
    Ok(result(args, zone.as_ref(), local / step * step))
}
