//! Temporal arithmetic as Neo4j does it: a duration is added to a temporal value unit by
//! unit — months (the day clamped to the month's end), then days, then the time part (on
//! the local clock for local values, on the instant for zoned ones; a date takes the time
//! part as whole days); durations add and subtract component-wise and scale by numbers
//! with fractions cascading (months to days to seconds).

use super::calendar::{check_days, civil_from_days, days_from_civil, days_in_month, NANOS_PER_DAY, NANOS_PER_SECOND};
use super::duration::{from_parts, time_nanos, DurationBuilder};
use super::{join_local, local_of, spec_of, split_local, wrap_day, ZoneSpec};
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::{Date, DateTime, Duration, LocalDateTime, LocalTime, Time, Value, Zone};

fn overflow() -> CypherError {
    CypherError::new(ErrorKind::Arithmetic, "long overflow")
}

pub fn negate_duration(d: &Duration) -> CypherResult<Duration> {
    from_parts(-i128::from(d.months), -i128::from(d.days), -time_nanos(d))
}

fn plus_months(days: i64, months: i64) -> CypherResult<i64> {
    if months == 0 {
        return Ok(days);
    }
    let (year, month, day) = civil_from_days(days);
    let total = i128::from(year) * 12 + i128::from(month - 1) + i128::from(months);
    let new_year = i64::try_from(total.div_euclid(12)).map_err(|_| overflow())?;
    super::calendar::check_year(new_year)?;
    let new_month = total.rem_euclid(12) as i64 + 1;
    Ok(days_from_civil(new_year, new_month, day.min(days_in_month(new_year, new_month))))
}

fn plus_date(days: i64, d: &Duration, sign: i64) -> CypherResult<i64> {
    let days = plus_months(days, d.months.checked_mul(sign).ok_or_else(overflow)?)?;
    let days = days.checked_add(d.days.checked_mul(sign).ok_or_else(overflow)?).ok_or_else(overflow)?;
    check_days(days)
}

fn plus_local(ldt: &LocalDateTime, d: &Duration, sign: i64) -> CypherResult<LocalDateTime> {
    let (days, nanos) = split_local(ldt);
    let days = plus_date(days, d, sign)?;
    let total = i128::from(days) * i128::from(NANOS_PER_DAY) + i128::from(nanos) + i128::from(sign) * time_nanos(d);
    let new_days = i64::try_from(total.div_euclid(i128::from(NANOS_PER_DAY))).map_err(|_| overflow())?;
    check_days(new_days)?;
    Ok(join_local(new_days, total.rem_euclid(i128::from(NANOS_PER_DAY)) as i64))
}

fn plus_datetime(dt: &DateTime, d: &Duration, sign: i64) -> CypherResult<DateTime> {
    let spec = spec_of(&dt.zone);
    let (days, nanos) = split_local(&local_of(dt));
    let new_days = plus_date(days, d, sign)?;
    let moved = join_local(new_days, nanos);
    let zone = match &spec {
        ZoneSpec::Offset(_) => dt.zone.clone(),
        ZoneSpec::Named(_) => {
            let keep = dt.zone.offset_seconds();
            let candidate = moved.seconds - i64::from(keep);
            if spec.at_instant(candidate)?.offset_seconds() == keep {
                dt.zone.clone()
            } else {
                spec.at_local(moved.seconds)?
            }
        }
    };
    let instant = i128::from(moved.seconds - i64::from(zone.offset_seconds())) * i128::from(NANOS_PER_SECOND)
        + i128::from(moved.nanos)
        + i128::from(sign) * time_nanos(d);
    let seconds = i64::try_from(instant.div_euclid(i128::from(NANOS_PER_SECOND))).map_err(|_| overflow())?;
    let nanos = instant.rem_euclid(i128::from(NANOS_PER_SECOND)) as u32;
    let zone = match spec {
        ZoneSpec::Offset(_) => zone,
        named => named.at_instant(seconds)?,
    };
    check_days((seconds + i64::from(zone.offset_seconds())).div_euclid(86_400))?;
    Ok(DateTime { seconds, nanos, zone })
}

/// `temporal + duration` (sign 1) or `temporal - duration` (sign -1); None when `t` is not
/// a temporal instant value.
pub fn shift(t: &Value, d: &Duration, sign: i64) -> Option<CypherResult<Value>> {
    Some(match t {
        Value::Date(date) => {
            let whole_days = time_nanos(d) / i128::from(NANOS_PER_DAY);
            let extra = Duration { months: 0, days: whole_days as i64, seconds: 0, nanos: 0 };
            plus_date(date.days, d, sign)
                .and_then(|days| plus_date(days, &extra, sign))
                .map(|days| Value::Date(Date { days }))
        }
        Value::LocalTime(lt) => {
            Ok(Value::LocalTime(LocalTime { nanos: wrap_day(i128::from(lt.nanos) + i128::from(sign) * time_nanos(d)) }))
        }
        Value::Time(tm) => Ok(Value::Time(Time {
            nanos: wrap_day(i128::from(tm.nanos) + i128::from(sign) * time_nanos(d)),
            offset_seconds: tm.offset_seconds,
        })),
        Value::LocalDateTime(ldt) => plus_local(ldt, d, sign).map(Value::LocalDateTime),
        Value::DateTime(dt) => plus_datetime(dt, d, sign).map(Value::DateTime),
        _ => return None,
    })
}

pub fn add_durations(a: &Duration, b: &Duration, sign: i128) -> CypherResult<Duration> {
    from_parts(
        i128::from(a.months) + sign * i128::from(b.months),
        i128::from(a.days) + sign * i128::from(b.days),
        time_nanos(a) + sign * time_nanos(b),
    )
}

pub fn multiply_duration(d: &Duration, factor: &Value) -> CypherResult<Duration> {
    match factor {
        Value::Int(i) => {
            let i = i128::from(*i);
            from_parts(i128::from(d.months) * i, i128::from(d.days) * i, time_nanos(d) * i)
        }
        Value::Float(f) => scale(d, *f),
        other => Err(CypherError::type_error(format!("Cannot multiply a DURATION by {}", other.type_name()))),
    }
}

pub fn divide_duration(d: &Duration, divisor: &Value) -> CypherResult<Duration> {
    let f = match divisor {
        Value::Int(0) => return Err(CypherError::new(ErrorKind::Arithmetic, "/ by zero")),
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        other => return Err(CypherError::type_error(format!("Cannot divide a DURATION by {}", other.type_name()))),
    };
    if f == 0.0 {
        return Err(CypherError::new(ErrorKind::Arithmetic, "/ by zero"));
    }
    scale(d, 1.0 / f)
}

fn scale(d: &Duration, f: f64) -> CypherResult<Duration> {
    if !f.is_finite() {
        return Err(CypherError::argument("Cannot scale a duration by a non-finite number"));
    }
    let mut b = DurationBuilder::default();
    b.add_months(d.months as f64 * f)?;
    b.add_days(d.days as f64 * f)?;
    let nanos = time_nanos(d) as f64 * f;
    if !nanos.is_finite() || nanos.abs() > 1e36 {
        return Err(overflow());
    }
    b.nanos += nanos.trunc() as i128;
    b.build()
}

/// The zone a shifted zoned value keeps, exposed for truncation.
pub fn zone_after_local_change(zone: &Zone, local_seconds: i64) -> CypherResult<Zone> {
    spec_of(zone).at_local(local_seconds)
}
