//! `date.truncate(unit, value[, map])` and its datetime, localdatetime, time and localtime
//! siblings: the value's local date and clock cut down to the unit (millennium, century,
//! decade, year, weekYear, quarter, month, week, day, hour, minute, second, millisecond,
//! microsecond), then the map's fields set on the result; a `timezone` in the map replaces
//! the zone without moving the clock, as Neo4j does.

use super::build::{overrides, Kind};
use super::calendar::{civil_from_days, days_from_civil, iso_week, quarter_start_month, week_one_monday};
use super::calendar::{day_of_week, quarter_of_month, NANOS_PER_SECOND};
use super::{datetime_from_local, join_local, local_of, spec_of, split_local, ZoneSpec};
use crate::error::{CypherError, CypherResult};
use crate::value::{Date, LocalTime, Map, Time, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Millennium,
    Century,
    Decade,
    Year,
    WeekYear,
    Quarter,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
}

fn unit(name: &str) -> CypherResult<Unit> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "millennium" => Unit::Millennium,
        "century" => Unit::Century,
        "decade" => Unit::Decade,
        "year" => Unit::Year,
        "weekyear" => Unit::WeekYear,
        "quarter" => Unit::Quarter,
        "month" => Unit::Month,
        "week" => Unit::Week,
        "day" => Unit::Day,
        "hour" => Unit::Hour,
        "minute" => Unit::Minute,
        "second" => Unit::Second,
        "millisecond" => Unit::Millisecond,
        "microsecond" => Unit::Microsecond,
        _ => return Err(CypherError::argument(format!("Unsupported unit for truncation: '{name}'"))),
    })
}

fn truncate_date(days: i64, u: Unit) -> i64 {
    let (year, month, _) = civil_from_days(days);
    let start_of = |y: i64| days_from_civil(y, 1, 1);
    match u {
        Unit::Millennium => start_of(year.div_euclid(1000) * 1000),
        Unit::Century => start_of(year.div_euclid(100) * 100),
        Unit::Decade => start_of(year.div_euclid(10) * 10),
        Unit::Year => start_of(year),
        Unit::WeekYear => week_one_monday(iso_week(days).0),
        Unit::Quarter => days_from_civil(year, quarter_start_month(quarter_of_month(month)), 1),
        Unit::Month => days_from_civil(year, month, 1),
        Unit::Week => days - (day_of_week(days) - 1),
        _ => days,
    }
}

fn truncate_time(nanos: i64, u: Unit) -> i64 {
    let step = match u {
        Unit::Hour => 3600 * NANOS_PER_SECOND,
        Unit::Minute => 60 * NANOS_PER_SECOND,
        Unit::Second => NANOS_PER_SECOND,
        Unit::Millisecond => 1_000_000,
        Unit::Microsecond => 1_000,
        _ => return 0,
    };
    nanos - nanos % step
}

fn is_date_unit(u: Unit) -> bool {
    !matches!(u, Unit::Hour | Unit::Minute | Unit::Second | Unit::Millisecond | Unit::Microsecond)
}

pub fn truncate(kind: Kind, unit_name: &str, v: &Value, map: &Map) -> CypherResult<Value> {
    let u = unit(unit_name)?;
    let (days, nanos, zone): (Option<i64>, Option<i64>, Option<ZoneSpec>) = match v {
        Value::Date(d) => (Some(d.days), None, None),
        Value::LocalDateTime(l) => {
            let (d, n) = split_local(l);
            (Some(d), Some(n), None)
        }
        Value::DateTime(dt) => {
            let (d, n) = split_local(&local_of(dt));
            (Some(d), Some(n), Some(spec_of(&dt.zone)))
        }
        Value::LocalTime(t) => (None, Some(t.nanos), None),
        Value::Time(t) => (None, Some(t.nanos), Some(ZoneSpec::Offset(t.offset_seconds))),
        other => return Err(CypherError::type_error(format!("Cannot truncate a value of type {}", other.type_name()))),
    };
    let wants_date = matches!(kind, Kind::Date | Kind::LocalDateTime | Kind::DateTime);
    if wants_date && days.is_none() {
        return Err(CypherError::argument(format!("Cannot truncate a {} to a date", v.type_name())));
    }
    if kind == Kind::Date && !is_date_unit(u) {
        return Err(CypherError::argument(format!("Cannot truncate a date to unit '{unit_name}'")));
    }
    if !wants_date && is_date_unit(u) && u != Unit::Day {
        return Err(CypherError::argument(format!("Cannot truncate a time to unit '{unit_name}'")));
    }
    let days = days.map(|d| truncate_date(d, u));
    let nanos = if kind == Kind::Date { None } else { Some(nanos.map(|n| truncate_time(n, u)).unwrap_or(0)) };
    let days = if wants_date { days } else { None };
    let Some((days, nanos, asked_zone)) = overrides(map, days, nanos)? else { return Ok(Value::Null) };
    let zone = asked_zone.or(zone);
    let (d, n) = (days.unwrap_or(0), nanos.unwrap_or(0));
    Ok(match kind {
        Kind::Date => Value::Date(Date { days: d }),
        Kind::LocalDateTime => Value::LocalDateTime(join_local(d, n)),
        Kind::DateTime => {
            let local = join_local(d, n);
            Value::DateTime(datetime_from_local(local.seconds, local.nanos, &zone.unwrap_or(ZoneSpec::Offset(0)))?)
        }
        Kind::LocalTime => Value::LocalTime(LocalTime { nanos: n }),
        Kind::Time => {
            let offset = match zone {
                Some(ZoneSpec::Offset(o)) => o,
                Some(named) => named.at_local(0)?.offset_seconds(),
                None => 0,
            };
            Value::Time(Time { nanos: n, offset_seconds: offset })
        }
    })
}
