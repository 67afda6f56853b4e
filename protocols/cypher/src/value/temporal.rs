//! Cypher's temporal values beyond their storage form in [`crate::value`]: the calendar,
//! time zones (the machine's tz database), parsing of ISO 8601 strings, construction from
//! maps (with selection and override of other temporal values), component accessors,
//! truncation, `duration.between` and friends, arithmetic with durations, and rendering as
//! Neo4j prints them.
//!
//! The helpers here move between the two views of a zoned value: its instant (what is
//! stored) and its local clock (what is shown and built from).

pub mod arith;
pub mod between;
pub mod build;
pub mod calendar;
pub mod duration;
pub mod fields;
pub mod parse;
pub mod render;
pub mod truncate;
pub mod zone;

use super::{DateTime, LocalDateTime, Zone};
use crate::error::{CypherError, CypherResult};
use calendar::{NANOS_PER_SECOND, SECONDS_PER_DAY};

pub use parse::{parse_date, parse_datetime, parse_duration, parse_localdatetime, parse_localtime, parse_time};
pub use render::{format_date, format_datetime, format_duration, format_localdatetime, format_localtime, format_time};

/// A zone as asked for, before it is applied to a local clock or an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneSpec {
    Offset(i32),
    Named(String),
}

/// `Z`, an offset, or a zone name.
pub fn parse_zone(s: &str) -> CypherResult<ZoneSpec> {
    if let Some(offset) = zone::parse_offset(s) {
        return Ok(ZoneSpec::Offset(offset));
    }
    if s.starts_with('+') || s.starts_with('-') {
        return Err(CypherError::argument(format!("Invalid value for TimeZone: Text '{s}'")));
    }
    if s == "UTC" || s == "GMT" || s == "UT" {
        return Ok(ZoneSpec::Named(s.to_string()));
    }
    zone::named_zone(s)?;
    Ok(ZoneSpec::Named(s.to_string()))
}

impl ZoneSpec {
    /// The zone a local clock reading has in this zone.
    pub fn at_local(&self, local_seconds: i64) -> CypherResult<Zone> {
        match self {
            ZoneSpec::Offset(o) => Ok(Zone::Offset(*o)),
            ZoneSpec::Named(name) => {
                let offset = named_offset_for_local(name, local_seconds)?;
                Ok(Zone::Named { name: name.clone(), offset_seconds: offset })
            }
        }
    }

    /// The zone an instant has in this zone.
    pub fn at_instant(&self, utc_seconds: i64) -> CypherResult<Zone> {
        match self {
            ZoneSpec::Offset(o) => Ok(Zone::Offset(*o)),
            ZoneSpec::Named(name) => {
                let offset = if is_utc_alias(name) { 0 } else { zone::named_zone(name)?.offset_at(utc_seconds) };
                Ok(Zone::Named { name: name.clone(), offset_seconds: offset })
            }
        }
    }
}

fn is_utc_alias(name: &str) -> bool {
    matches!(name, "UTC" | "GMT" | "UT")
}

fn named_offset_for_local(name: &str, local_seconds: i64) -> CypherResult<i32> {
    if is_utc_alias(name) {
        return Ok(0);
    }
    Ok(zone::named_zone(name)?.offset_for_local(local_seconds))
}

/// The zone a stored [`Zone`] stands for.
pub fn spec_of(zone: &Zone) -> ZoneSpec {
    match zone {
        Zone::Offset(o) => ZoneSpec::Offset(*o),
        Zone::Named { name, .. } => ZoneSpec::Named(name.clone()),
    }
}

/// A zoned date-time from its local clock reading.
pub fn datetime_from_local(local_seconds: i64, nanos: u32, zone: &ZoneSpec) -> CypherResult<DateTime> {
    let zone = zone.at_local(local_seconds)?;
    let seconds = local_seconds
        .checked_sub(i64::from(zone.offset_seconds()))
        .ok_or_else(|| CypherError::argument("Date-time out of range"))?;
    Ok(DateTime { seconds, nanos, zone })
}

/// A zoned date-time from an instant.
pub fn datetime_from_instant(seconds: i64, nanos: u32, zone: &ZoneSpec) -> CypherResult<DateTime> {
    Ok(DateTime { seconds, nanos, zone: zone.at_instant(seconds)? })
}

/// The local clock of a zoned date-time.
pub fn local_of(dt: &DateTime) -> LocalDateTime {
    LocalDateTime { seconds: dt.seconds + i64::from(dt.zone.offset_seconds()), nanos: dt.nanos }
}

/// (day number, nanoseconds of the day) of a local date-time.
pub fn split_local(ldt: &LocalDateTime) -> (i64, i64) {
    let days = ldt.seconds.div_euclid(SECONDS_PER_DAY);
    let nanos = ldt.seconds.rem_euclid(SECONDS_PER_DAY) * NANOS_PER_SECOND + i64::from(ldt.nanos);
    (days, nanos)
}

/// A local date-time from a day number and nanoseconds of the day.
pub fn join_local(days: i64, nanos_of_day: i64) -> LocalDateTime {
    LocalDateTime {
        seconds: days * SECONDS_PER_DAY + nanos_of_day / NANOS_PER_SECOND,
        nanos: (nanos_of_day % NANOS_PER_SECOND) as u32,
    }
}

/// A time of day with an offset, normalised into one day.
pub fn wrap_day(nanos: i128) -> i64 {
    nanos.rem_euclid(i128::from(calendar::NANOS_PER_DAY)) as i64
}
