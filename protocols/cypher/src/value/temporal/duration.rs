//! Durations: building one from components that may be fractional (a fraction of a month
//! becomes days by the average month of 30.436875 days, a fraction of a day becomes
//! seconds, as Neo4j does), normalising seconds and nanoseconds (nanoseconds always
//! `0..10^9`, the sign carried by the seconds), and the map form `duration({days: 14})`.

use super::calendar::{NANOS_PER_DAY, NANOS_PER_SECOND};
use crate::error::{CypherError, CypherResult};
use crate::value::{Duration, Map, Value};

/// Average Gregorian month in seconds (365.2425 / 12 days).
pub const SECONDS_PER_AVG_MONTH: i64 = 2_629_746;

fn overflow() -> CypherError {
    CypherError::new(crate::error::ErrorKind::Arithmetic, "long overflow")
}

/// Accumulates a duration's parts exactly (i128), fractions cascading downwards.
#[derive(Debug, Default, Clone, Copy)]
pub struct DurationBuilder {
    pub months: i128,
    pub days: i128,
    pub nanos: i128,
}

impl DurationBuilder {
    pub fn add_months(&mut self, v: f64) -> CypherResult<()> {
        let whole = v.trunc();
        self.months += to_i128(whole)?;
        self.add_days(to_f64_days(v - whole))
    }

    pub fn add_days(&mut self, v: f64) -> CypherResult<()> {
        let whole = v.trunc();
        self.days += to_i128(whole)?;
        self.nanos += to_i128(((v - whole) * NANOS_PER_DAY as f64).round())?;
        Ok(())
    }

    pub fn add_nanos_f(&mut self, v: f64, nanos_per_unit: i64) -> CypherResult<()> {
        let whole = v.trunc();
        self.nanos += to_i128(whole)? * i128::from(nanos_per_unit);
        self.nanos += to_i128(((v - whole) * nanos_per_unit as f64).round())?;
        Ok(())
    }

    pub fn add_value(&mut self, unit: Unit, v: &Value) -> CypherResult<()> {
        match v {
            Value::Int(i) => {
                let i = i128::from(*i);
                match unit {
                    Unit::Years => self.months += i * 12,
                    Unit::Quarters => self.months += i * 3,
                    Unit::Months => self.months += i,
                    Unit::Weeks => self.days += i * 7,
                    Unit::Days => self.days += i,
                    Unit::Nanos(per) => self.nanos += i * i128::from(per),
                }
                Ok(())
            }
            Value::Float(f) => match unit {
                Unit::Years => self.add_months(f * 12.0),
                Unit::Quarters => self.add_months(f * 3.0),
                Unit::Months => self.add_months(*f),
                Unit::Weeks => self.add_days(f * 7.0),
                Unit::Days => self.add_days(*f),
                Unit::Nanos(per) => self.add_nanos_f(*f, per),
            },
            other => Err(CypherError::type_error(format!(
                "Expected a numeric value for a duration component but was {}",
                other.type_name()
            ))),
        }
    }

    pub fn build(self) -> CypherResult<Duration> {
        let seconds = self.nanos.div_euclid(i128::from(NANOS_PER_SECOND));
        let nanos = self.nanos.rem_euclid(i128::from(NANOS_PER_SECOND));
        Ok(Duration {
            months: i64::try_from(self.months).map_err(|_| overflow())?,
            days: i64::try_from(self.days).map_err(|_| overflow())?,
            seconds: i64::try_from(seconds).map_err(|_| overflow())?,
            nanos: nanos as i64,
        })
    }
}

fn to_f64_days(months_fraction: f64) -> f64 {
    months_fraction * SECONDS_PER_AVG_MONTH as f64 / 86_400.0
}

fn to_i128(v: f64) -> CypherResult<i128> {
    if !v.is_finite() || v.abs() > 9.2e18 {
        return Err(overflow());
    }
    Ok(v as i128)
}

#[derive(Debug, Clone, Copy)]
pub enum Unit {
    Years,
    Quarters,
    Months,
    Weeks,
    Days,
    Nanos(i64),
}

pub const HOUR: i64 = 3_600 * NANOS_PER_SECOND;
pub const MINUTE: i64 = 60 * NANOS_PER_SECOND;

/// The unit of a key of `duration({...})`, case-insensitively.
pub fn unit_of_key(key: &str) -> Option<Unit> {
    Some(match key.to_ascii_lowercase().as_str() {
        "years" => Unit::Years,
        "quarters" => Unit::Quarters,
        "months" => Unit::Months,
        "weeks" => Unit::Weeks,
        "days" => Unit::Days,
        "hours" => Unit::Nanos(HOUR),
        "minutes" => Unit::Nanos(MINUTE),
        "seconds" => Unit::Nanos(NANOS_PER_SECOND),
        "milliseconds" => Unit::Nanos(1_000_000),
        "microseconds" => Unit::Nanos(1_000),
        "nanoseconds" => Unit::Nanos(1),
        _ => return None,
    })
}

/// `duration({years: 1, days: 2.5, ...})`.
pub fn from_map(map: &Map) -> CypherResult<Value> {
    let mut b = DurationBuilder::default();
    for (key, value) in map {
        let unit =
            unit_of_key(key).ok_or_else(|| CypherError::argument(format!("No such field in duration: '{key}'")))?;
        if value.is_null() {
            return Ok(Value::Null);
        }
        b.add_value(unit, value)?;
    }
    Ok(Value::Duration(b.build()?))
}

/// Seconds and nanoseconds of a duration as one number of nanoseconds.
pub fn time_nanos(d: &Duration) -> i128 {
    i128::from(d.seconds) * i128::from(NANOS_PER_SECOND) + i128::from(d.nanos)
}

/// A duration from exact parts.
pub fn from_parts(months: i128, days: i128, nanos: i128) -> CypherResult<Duration> {
    DurationBuilder { months, days, nanos }.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dur(pairs: &[(&str, Value)]) -> Duration {
        let map: Map = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        match from_map(&map) {
            Ok(Value::Duration(d)) => d,
            other => panic!("not a duration: {other:?}"),
        }
    }

    #[test]
    fn components_normalise() {
        // Temporal6 [6]: {seconds: -2, milliseconds: 1} is -1.999 s.
        let d = dur(&[("seconds", Value::Int(-2)), ("milliseconds", Value::Int(1))]);
        assert_eq!((d.seconds, d.nanos), (-2, 1_000_000));
        // Temporal1 [12]: fractions cascade: 0.75 months is 22 days 19:51:49.5.
        let d = dur(&[("months", Value::Float(0.75))]);
        assert_eq!((d.months, d.days, d.seconds, d.nanos), (0, 22, 71_509, 500_000_000));
        let d = dur(&[("weeks", Value::Float(2.5))]);
        assert_eq!((d.days, d.seconds), (17, 43_200));
    }
}
