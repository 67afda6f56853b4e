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
    zone: Option<ZoneSpec>,
    instant: Option<DateTime>,
}

fn side(v: &Value) -> CypherResult<Side> {
    Ok(match v {
        Value::Date(d) => Side { days: Some(d.days), nanos: 0, zone: None, instant: None },
        Value::LocalTime(t) => Side { days: None, nanos: t.nanos, zone: None, instant: None },
        Value::Time(t) => {
            Side { days: None, nanos: t.nanos, zone: Some(ZoneSpec::Offset(t.offset_seconds)), instant: None }
        }
        Value::LocalDateTime(l) => {
            let (d, n) = split_local(l);
            Side { days: Some(d), nanos: n, zone: None, instant: None }
        }
        Value::DateTime(dt) => {
            let (d, n) = split_local(&local_of(dt));
            Side { days: Some(d), nanos: n, zone: Some(spec_of(&dt.zone)), instant: Some(dt.clone()) }
        }
        other => {
            return Err(CypherError::type_error(format!(
                "duration.between expects temporal values, but got {}",
                other.type_name()
            )))
        }
    })
}

/// Fills what one side lacks (a date, a zone) from the other, as Neo4j reads a local value
/// next to a zoned one, and resolves the instant of a zoned side.
fn complete(side: &mut Side, other: &Side) -> CypherResult<()> {
    if side.days.is_none() {
        side.days = Some(other.days.unwrap_or(0));
    }
    if side.zone.is_none() {
        side.zone = other.zone.clone();
    }
    if let (None, Some(zone)) = (&side.instant, &side.zone) {
        let local = join_local(side.days.unwrap_or(0), side.nanos);
        side.instant = Some(super::datetime_from_local(local.seconds, local.nanos, zone)?);
    }
    Ok(())
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
    let (mut start, mut end) = (side(a)?, side(b)?);
    let time_only = start.days.is_none() || end.days.is_none();
    let (start_copy, end_copy) = (
        Side { days: start.days, nanos: start.nanos, zone: start.zone.clone(), instant: start.instant.clone() },
        Side { days: end.days, nanos: end.nanos, zone: end.zone.clone(), instant: end.instant.clone() },
    );
    complete(&mut start, &end_copy)?;
    complete(&mut end, &start_copy)?;
    let (d1, d2) = (start.days.unwrap_or(0), end.days.unwrap_or(0));
    let start_total = local_nanos(d1, start.nanos);
    let instants = match (&start.instant, &end.instant) {
        (Some(x), Some(y)) => Some((x.clone(), y.clone())),
        _ => None,
    };
    let elapsed = match &instants {
        Some((x, y)) => instant_nanos(y) - instant_nanos(x),
        None => local_nanos(d2, end.nanos) - start_total,
    };
    if time_only {
        if matches!(unit, Unit::Months | Unit::Days) {
            return Ok(Value::Duration(Duration::default()));
        }
        return Ok(Value::Duration(from_parts(0, 0, elapsed)?));
    }
    if unit == Unit::Seconds {
        return Ok(Value::Duration(from_parts(0, 0, elapsed)?));
    }
    // The end's local clock as seen in the start's zone.
    let (end_days, end_nanos) = match (&instants, &start.zone) {
        (Some((_, y)), Some(zone)) => split_local(&local_of(&super::datetime_from_instant(y.seconds, y.nanos, zone)?)),
        _ => (d2, end.nanos),
    };
    let l1 = join_local(d1, start.nanos);
    let l2_total = local_nanos(end_days, end_nanos);
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
    let months_total = if unit == Unit::Days { 0 } else { months };
    let base = if months_total == 0 { start_total } else { after_months(months_total)? };
    let day = i128::from(NANOS_PER_DAY);
    let mut days = (l2_total.div_euclid(day) - base.div_euclid(day)) as i64;
    if days > 0 && base + i128::from(days) * day > l2_total {
        days -= 1;
    } else if days < 0 && base + i128::from(days) * day < l2_total {
        days += 1;
    }
    let mid = base + i128::from(days) * day;
    let rest = match (&instants, &start.zone) {
        (Some((_, y)), Some(zone)) => {
            let mid_local = join_local(mid.div_euclid(day) as i64, mid.rem_euclid(day) as i64);
            let mid_dt = super::datetime_from_local(mid_local.seconds, mid_local.nanos, zone)?;
            instant_nanos(y) - instant_nanos(&mid_dt)
        }
        _ => l2_total - mid,
    };
    let duration = match unit {
        Unit::Months => from_parts(i128::from(months), 0, 0)?,
        Unit::Days => from_parts(0, i128::from(days), 0)?,
        _ => from_parts(i128::from(months), i128::from(days), rest)?,
    };
    Ok(Value::Duration(duration))
}

fn instant_nanos(dt: &DateTime) -> i128 {
    i128::from(dt.seconds) * i128::from(NANOS_PER_SECOND) + i128::from(dt.nanos)
}
