//! Date arithmetic on wall time: DATE_ADD/DATE_SUBTRACT (an amount and a unit, or an
//! ISO 8601 duration; months and years by the calendar, the day clamped to the month's
//! end), DATE_DIFF, DATE_COMPARE, DATE_TRUNC and DATE_ROUND. With a time zone the
//! calculation happens on that zone's wall clock and the result goes back to UTC.

use super::civil::{self, Civil, MS_PER_DAY};
use super::{instant, invalid_date, to_local, zone_arg};
use crate::error::{num, AqlResult};
use crate::functions::Args;
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Milli,
}

impl Unit {
    fn parse(s: &str) -> Option<Unit> {
        Some(match s.to_ascii_lowercase().as_str() {
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

    fn ms(self) -> Option<i64> {
        Some(match self {
            Unit::Year | Unit::Month => return None,
            Unit::Week => 7 * MS_PER_DAY,
            Unit::Day => MS_PER_DAY,
            Unit::Hour => 3_600_000,
            Unit::Minute => 60_000,
            Unit::Second => 1000,
            Unit::Milli => 1,
        })
    }
}

fn bad_unit(args: &mut Args) -> Value {
    let message = format!("{}(): invalid date unit", args.name());
    args.warn(num::QUERY_INVALID_DATE_VALUE, message);
    Value::Null
}

/// An ISO 8601 duration `P[nY][nM][nW][nD][T[nH][nM][n[.fff]S]]` as (years, months,
/// milliseconds).
fn parse_duration(s: &str) -> Option<(i64, i64, i64)> {
    let rest = s.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let (mut years, mut months, mut ms) = (0i64, 0i64, 0i64);
    let mut number = String::new();
    let mut any = false;
    for c in date.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().ok()?;
        number.clear();
        any = true;
        match c {
            'Y' => years = n,
            'M' => months = n,
            'W' => ms = ms.checked_add(n.checked_mul(7 * MS_PER_DAY)?)?,
            'D' => ms = ms.checked_add(n.checked_mul(MS_PER_DAY)?)?,
            _ => return None,
        }
    }
    if !number.is_empty() {
        return None;
    }
    for c in time.unwrap_or("").chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let n: f64 = number.parse().ok()?;
        number.clear();
        any = true;
        let unit = match c {
            'H' => 3_600_000.0,
            'M' => 60_000.0,
            'S' => 1000.0,
            _ => return None,
        };
        ms = ms.checked_add((n * unit).round() as i64)?;
    }
    (any && number.is_empty()).then_some((years, months, ms))
}

/// `c` moved by whole months, the day clamped to the target month's length.
fn add_months(c: Civil, months: i64) -> Option<Civil> {
    let total = c.year.checked_mul(12)?.checked_add(i64::from(c.month) - 1)?.checked_add(months)?;
    let (year, month) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    Some(Civil { year, month, day: c.day.min(civil::days_in_month(year, month)), ..c })
}

pub(super) fn date_add(args: &mut Args, sign: i64) -> AqlResult<Value> {
    let Some(ms) = instant(args.get(0)) else { return Ok(invalid_date(args)) };
    let duration = args.get(1).as_str().and_then(parse_duration);
    let (years, months, delta, zone_at) = match duration {
        Some((y, m, d)) => (y, m, d, 2),
        None => {
            let amount = args.f64(1);
            let Some(unit) = args.get(2).as_str().and_then(Unit::parse) else { return Ok(bad_unit(args)) };
            match unit {
                Unit::Year => (amount.trunc() as i64, 0, 0, 3),
                Unit::Month => (0, amount.trunc() as i64, 0, 3),
                other => (0, 0, (amount * other.ms().unwrap_or(1) as f64).round() as i64, 3),
            }
        }
    };
    let Some(zone) = zone_arg(args, zone_at) else { return Ok(Value::Null) };
    let local = Civil::from_ms(to_local(&zone, ms));
    let moved = add_months(local, sign * (years.saturating_mul(12).saturating_add(months)))
        .map(|c| c.to_ms().saturating_add(sign * delta));
    match moved {
        Some(wall) => {
            let utc = zone.local_to_utc(wall);
            if !(civil::MIN_MS..=civil::MAX_MS).contains(&utc) {
                return Ok(invalid_date(args));
            }
            Ok(Value::String(civil::format_iso(utc)))
        }
        None => Ok(invalid_date(args)),
    }
}

/// Whole and fractional months from `a` to `b` (wall times).
fn month_diff(a: i64, b: i64) -> f64 {
    let (ca, cb) = (Civil::from_ms(a), Civil::from_ms(b));
    let mut months = (cb.year - ca.year) * 12 + i64::from(cb.month) - i64::from(ca.month);
    let shifted = |m: i64| add_months(ca, m).map(|c| c.to_ms()).unwrap_or(a);
    if months > 0 && shifted(months) > b {
        months -= 1;
    } else if months < 0 && shifted(months) < b {
        months += 1;
    }
    let base = shifted(months);
    let next = shifted(months + if b >= a { 1 } else { -1 });
    let span = (next - base).abs().max(1) as f64;
    months as f64 + (b - base) as f64 / span
}

pub(super) fn date_diff(args: &mut Args) -> AqlResult<Value> {
    let (Some(a), Some(b)) = (instant(args.get(0)), instant(args.get(1))) else { return Ok(invalid_date(args)) };
    let Some(unit) = args.get(2).as_str().and_then(Unit::parse) else { return Ok(bad_unit(args)) };
    let (as_float, zones_at) = match args.get(3) {
        Value::String(_) => (false, 3),
        _ => (args.flag(3, false), 4),
    };
    let Some(za) = zone_arg(args, zones_at) else { return Ok(Value::Null) };
    let zb = if args.get(zones_at + 1).is_null() { Some(za.clone()) } else { zone_arg(args, zones_at + 1) };
    let Some(zb) = zb else { return Ok(Value::Null) };
    let (la, lb) = (to_local(&za, a), to_local(&zb, b));
    let diff = match unit {
        Unit::Year => month_diff(la, lb) / 12.0,
        Unit::Month => month_diff(la, lb),
        other => (lb - la) as f64 / other.ms().unwrap_or(1) as f64,
    };
    if as_float {
        return Ok(Value::double(diff));
    }
    Ok(Value::Int(diff.trunc() as i64))
}

fn fields(c: &Civil) -> [i64; 7] {
    [
        c.year,
        i64::from(c.month),
        i64::from(c.day),
        i64::from(c.hour),
        i64::from(c.minute),
        i64::from(c.second),
        i64::from(c.milli),
    ]
}

/// The index of a unit in [`fields`]; weeks have none.
fn field_index(u: Unit) -> Option<usize> {
    Some(match u {
        Unit::Year => 0,
        Unit::Month => 1,
        Unit::Week => return None,
        Unit::Day => 2,
        Unit::Hour => 3,
        Unit::Minute => 4,
        Unit::Second => 5,
        Unit::Milli => 6,
    })
}

pub(super) fn date_compare(args: &mut Args) -> AqlResult<Value> {
    let (Some(a), Some(b)) = (instant(args.get(0)), instant(args.get(1))) else { return Ok(invalid_date(args)) };
    let start = args.get(2).as_str().and_then(Unit::parse).and_then(field_index);
    let end =
        if args.get(3).is_null() { start } else { args.get(3).as_str().and_then(Unit::parse).and_then(field_index) };
    let (Some(start), Some(end)) = (start, end) else { return Ok(bad_unit(args)) };
    if end < start {
        return Ok(bad_unit(args));
    }
    let Some(za) = zone_arg(args, 4) else { return Ok(Value::Null) };
    let zb = if args.get(5).is_null() { Some(za.clone()) } else { zone_arg(args, 5) };
    let Some(zb) = zb else { return Ok(Value::Null) };
    let (fa, fb) = (fields(&Civil::from_ms(to_local(&za, a))), fields(&Civil::from_ms(to_local(&zb, b))));
    Ok(Value::Bool(fa.get(start..=end) == fb.get(start..=end)))
}

pub(super) fn date_trunc(args: &mut Args) -> AqlResult<Value> {
    let Some(ms) = instant(args.get(0)) else { return Ok(invalid_date(args)) };
    let Some(unit) = args.get(1).as_str().and_then(Unit::parse).filter(|u| *u != Unit::Week) else {
        return Ok(bad_unit(args));
    };
    let Some(zone) = zone_arg(args, 2) else { return Ok(Value::Null) };
    let mut c = Civil::from_ms(to_local(&zone, ms));
    if unit <= Unit::Second {
        c.milli = 0;
    }
    if unit <= Unit::Minute {
        c.second = 0;
    }
    if unit <= Unit::Hour {
        c.minute = 0;
    }
    if unit <= Unit::Day {
        c.hour = 0;
    }
    if unit <= Unit::Month {
        c.day = 1;
    }
    if unit == Unit::Year {
        c.month = 1;
    }
    Ok(Value::String(civil::format_iso(zone.local_to_utc(c.to_ms()))))
}

pub(super) fn date_round(args: &mut Args) -> AqlResult<Value> {
    let Some(ms) = instant(args.get(0)) else { return Ok(invalid_date(args)) };
    let amount = args.int(1);
    let step = args.get(2).as_str().and_then(Unit::parse).and_then(Unit::ms).filter(|&s| s <= MS_PER_DAY);
    let Some(step) = step.and_then(|s| s.checked_mul(amount)).filter(|&s| s > 0) else { return Ok(bad_unit(args)) };
    let Some(zone) = zone_arg(args, 3) else { return Ok(Value::Null) };
    let local = to_local(&zone, ms);
    Ok(Value::String(civil::format_iso(zone.local_to_utc(local - local.rem_euclid(step)))))
}
