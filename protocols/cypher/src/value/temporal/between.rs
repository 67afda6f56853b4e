//! `duration.between(a, b)`, `duration.inMonths`, `duration.inDays`, `duration.inSeconds`:
//! whole months, then whole days on the local clock (the end moved into the start's zone
//! when both are zoned; a local value read in the other's zone when only one is), then the
//! rest on the instant time-line, so a day across a DST change counts its real hours. When
//! either side has no date, only the clocks are compared (both in UTC when both are zoned).

use super::calendar::{civil_from_days, NANOS_PER_DAY, NANOS_PER_SECOND};
use super::duration::from_parts;
use super::{join_local, local_of, spec_of, split_local, ZoneSpec};
use crate::error::{CypherError, CypherResult};
use crate::value::{DateTime, Duration, LocalDateTime, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    All,
    Months,
    Days,
    Seconds,
}

struct Side {
    days: Option<i64>,
    /// Nanoseconds of the day on the local clock.
    nanos: i64,
    zoned: Option<ZonedSide>,
}

struct ZonedSide {
    offset: i32,
    spec: ZoneSpec,
    instant: Option<DateTime>,
}

fn side(v: &Value) -> CypherResult<Side> {
    Ok(match v {
        Value::Date(d) => Side { days: Some(d.days), nanos: 0, zoned: None },
        Value::LocalTime(t) => Side { days: None, nanos: t.nanos, zoned: None },
        Value::Time(t) => Side {
            days: None,
            nanos: t.nanos,
            zoned: Some(ZonedSide { offset: t.offset_seconds, spec: ZoneSpec::Offset(t.offset_seconds), instant: None }),
        },
        Value::LocalDateTime(l) => {
            let (d, n) = split_local(l);
            Side { days: Some(d), nanos: n, zoned: None }
        }
        Value::DateTime(dt) => {
            let (d, n) = split_local(&local_of(dt));
            Side {
                days: Some(d),
                nanos: n,
                zoned: Some(ZonedSide {
                    offset: dt.zone.offset_seconds(),
                    spec: spec_of(&dt.zone),
                    instant: Some(dt.clone()),
                }),
            }
        }
        other => {
            return Err(CypherError::type_error(format!(
                "duration.between expects temporal values, but got {}",
                other.type_name()
            )))
        }
    })
}

fn local_nanos(days: i64, nanos: i64) -> i128 {
    i128::from(days) * i128::from(NANOS_PER_DAY) + i128::from(nanos)
}

fn plus_months_local(l: &LocalDateTime, months: i64) -> CypherResult<LocalDateTime> {
    let d = Duration { months, days: 0, seconds: 0, nanos: 0 };
    match super::arith::shift(&Value::LocalDateTime(*l), &d, 1) {
        Some(Ok(Value::LocalDateTime(out))) => Ok(out),
        Some(Err(e)) => Err(e),
        _ => Err(CypherError::argument("duration.between out of range")),
    }
}

pub fn between(unit: Unit, a: &Value, b: &Value) -> CypherResult<Value> {
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    let (start, end) = (side(a)?, side(b)?);
    let (Some(d1), Some(d2)) = (start.days, end.days) else {
        if matches!(unit, Unit::Months | Unit::Days) {
            return Ok(Value::Duration(Duration::default()));
        }
        let shift = match (&start.zoned, &end.zoned) {
            (Some(s), Some(e)) => i128::from(s.offset - e.offset) * i128::from(NANOS_PER_SECOND),
            _ => 0,
        };
        let diff = i128::from(end.nanos) + shift - i128::from(start.nanos);
        return Ok(Value::Duration(from_parts(0, 0, diff)?));
    };
    // The end's local clock as seen in the start's zone.
    let (end_days, end_nanos) = match (&start.zoned, &end.zoned) {
        (Some(s), Some(e)) => match &e.instant {
            Some(dt) => {
                let moved = super::datetime_from_instant(dt.seconds, dt.nanos, &s.spec)?;
                split_local(&local_of(&moved))
            }
            None => (d2, end.nanos),
        },
        _ => (d2, end.nanos),
    };
    let l1 = join_local(d1, start.nanos);
    let l2_total = local_nanos(end_days, end_nanos);
    let start_total = local_nanos(d1, start.nanos);
    let (y1, m1, _) = civil_from_days(d1);
    let (y2, m2, _) = civil_from_days(end_days);
    let mut months = (y2 * 12 + m2) - (y1 * 12 + m1);
    let after_months = |m: i64| -> CypherResult<i128> {
        let l = plus_months_local(&l1, m)?;
        let (d, n) = split_local(&l);
        Ok(local_nanos(d, n))
    };
    if months > 0 && after_months(months)? > l2_total {
        months -= 1;
    } else if months < 0 && after_months(months)? < l2_total {
        months += 1;
    }
    let months_total = if matches!(unit, Unit::Days | Unit::Seconds) { 0 } else { months };
    let base = if months_total == 0 { start_total } else { after_months(months_total)? };
    let day = i128::from(NANOS_PER_DAY);
    let mut days = (l2_total.div_euclid(day) - base.div_euclid(day)) as i64;
    if days > 0 && base + i128::from(days) * day > l2_total {
        days -= 1;
    } else if days < 0 && base + i128::from(days) * day < l2_total {
        days += 1;
    }
    let mid = base + i128::from(days) * day;
    let rest = match (&start.zoned, &end.zoned) {
        (Some(s), Some(e)) if e.instant.is_some() => {
            let mid_local = join_local(mid.div_euclid(day) as i64, mid.rem_euclid(day) as i64);
            let mid_dt = super::datetime_from_local(mid_local.seconds, mid_local.nanos, &s.spec)?;
            let end_dt = e.instant.as_ref().map(instant_nanos).unwrap_or(0);
            end_dt - instant_nanos(&mid_dt)
        }
        _ => l2_total - mid,
    };
    let duration = match unit {
        Unit::All => from_parts(i128::from(months), i128::from(days), rest)?,
        Unit::Months => from_parts(i128::from(months), 0, 0)?,
        Unit::Days => from_parts(0, i128::from(days), 0)?,
        Unit::Seconds => {
            let total = match (&start.zoned, &end.zoned) {
                (Some(s), Some(e)) => match (&s.instant, &e.instant) {
                    (Some(a), Some(b)) => instant_nanos(b) - instant_nanos(a),
                    _ => l2_total - start_total,
                },
                _ => l2_total - start_total,
            };
            from_parts(0, 0, total)?
        }
    };
    Ok(Value::Duration(duration))
}

fn instant_nanos(dt: &DateTime) -> i128 {
    i128::from(dt.seconds) * i128::from(NANOS_PER_SECOND) + i128::from(dt.nanos)
}
