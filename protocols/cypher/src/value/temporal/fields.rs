//! Component access on temporal, duration and point values (`d.year`, `t.offsetMinutes`,
//! `dt.epochMillis`, `dur.minutesOfHour`, `p.latitude`), by the names Neo4j uses,
//! case-insensitively.

use super::calendar::NANOS_PER_SECOND;
use super::calendar::{civil_from_days, day_of_quarter, day_of_week, iso_week, ordinal_day, quarter_of_month};
use super::render::format_offset;
use super::{local_of, split_local};
use crate::error::{CypherError, CypherResult};
use crate::value::{Duration, Point, Value, Zone};

fn no_field(v: &Value, key: &str) -> CypherError {
    CypherError::argument(format!("No such field: {key} on a {}", v.type_name()))
}

fn date_field(days: i64, key: &str) -> Option<i64> {
    let (year, month, day) = civil_from_days(days);
    Some(match key {
        "year" => year,
        "quarter" => quarter_of_month(month),
        "month" => month,
        "week" => iso_week(days).1,
        "weekyear" => iso_week(days).0,
        "day" => day,
        "ordinalday" => ordinal_day(days),
        "weekday" | "dayofweek" => day_of_week(days),
        "dayofquarter" => day_of_quarter(days),
        _ => return None,
    })
}

fn time_field(nanos: i64, key: &str) -> Option<i64> {
    let seconds = nanos / NANOS_PER_SECOND;
    let fraction = nanos % NANOS_PER_SECOND;
    Some(match key {
        "hour" => seconds / 3600,
        "minute" => seconds / 60 % 60,
        "second" => seconds % 60,
        "millisecond" => fraction / 1_000_000,
        "microsecond" => fraction / 1_000,
        "nanosecond" => fraction,
        _ => return None,
    })
}

fn offset_field(offset: i32, name: Option<&str>, key: &str) -> Option<Value> {
    Some(match key {
        "timezone" => Value::String(name.map(str::to_string).unwrap_or_else(|| offset_text(offset))),
        "offset" => Value::String(offset_text(offset)),
        "offsetminutes" => Value::Int(i64::from(offset / 60)),
        "offsetseconds" => Value::Int(i64::from(offset)),
        _ => return None,
    })
}

fn offset_text(offset: i32) -> String {
    format_offset(offset)
}

fn duration_field(d: &Duration, key: &str) -> Option<i64> {
    let total_nanos = i128::from(d.seconds) * i128::from(NANOS_PER_SECOND) + i128::from(d.nanos);
    let clamp = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
    Some(match key {
        "years" => d.months / 12,
        "quarters" => d.months / 3,
        "months" => d.months,
        "weeks" => d.days / 7,
        "days" => d.days,
        "hours" => d.seconds.div_euclid(3600),
        "minutes" => d.seconds.div_euclid(60),
        "seconds" => d.seconds,
        "milliseconds" => clamp(total_nanos.div_euclid(1_000_000)),
        "microseconds" => clamp(total_nanos.div_euclid(1_000)),
        "nanoseconds" => clamp(total_nanos),
        "quartersofyear" => d.months % 12 / 3,
        "monthsofquarter" => d.months % 3,
        "monthsofyear" => d.months % 12,
        "daysofweek" => d.days % 7,
        "minutesofhour" => d.seconds.div_euclid(60).rem_euclid(60),
        "secondsofminute" => d.seconds.rem_euclid(60),
        "millisecondsofsecond" => d.nanos / 1_000_000,
        "microsecondsofsecond" => d.nanos / 1_000,
        "nanosecondsofsecond" => d.nanos,
        _ => return None,
    })
}

fn point_field(p: &Point, key: &str) -> Option<Value> {
    let geographic = matches!(p.srid, 4326 | 4979);
    Some(match key {
        "x" => Value::Float(p.x),
        "y" => Value::Float(p.y),
        "z" => p.z.map(Value::Float).unwrap_or(Value::Null),
        "longitude" if geographic => Value::Float(p.x),
        "latitude" if geographic => Value::Float(p.y),
        "height" if geographic => p.z.map(Value::Float).unwrap_or(Value::Null),
        "srid" => Value::Int(i64::from(p.srid)),
        "crs" => Value::String(crate::functions::spatial::crs_name(p.srid).to_string()),
        _ => return None,
    })
}

/// `v.key` for a temporal, duration or point value; None when `v` is none of those.
pub fn component(v: &Value, key: &str) -> Option<CypherResult<Value>> {
    let k = key.to_ascii_lowercase();
    let k = k.as_str();
    let found: Option<Value> = match v {
        Value::Date(d) => date_field(d.days, k).map(Value::Int),
        Value::LocalTime(t) => time_field(t.nanos, k).map(Value::Int),
        Value::Time(t) => time_field(t.nanos, k).map(Value::Int).or_else(|| offset_field(t.offset_seconds, None, k)),
        Value::LocalDateTime(l) => {
            let (days, nanos) = split_local(l);
            date_field(days, k).or_else(|| time_field(nanos, k)).map(Value::Int)
        }
        Value::DateTime(dt) => {
            let (days, nanos) = split_local(&local_of(dt));
            let name = match &dt.zone {
                Zone::Named { name, .. } => Some(name.as_str()),
                Zone::Offset(_) => None,
            };
            date_field(days, k)
                .or_else(|| time_field(nanos, k))
                .map(Value::Int)
                .or_else(|| offset_field(dt.zone.offset_seconds(), name, k))
                .or_else(|| match k {
                    "epochseconds" => Some(Value::Int(dt.seconds)),
                    "epochmillis" => dt
                        .seconds
                        .checked_mul(1000)
                        .and_then(|ms| ms.checked_add(i64::from(dt.nanos / 1_000_000)))
                        .map(Value::Int),
                    _ => None,
                })
        }
        Value::Duration(d) => duration_field(d, k).map(Value::Int),
        Value::Point(p) => point_field(p, k),
        _ => return None,
    };
    Some(found.ok_or_else(|| no_field(v, key)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::temporal::parse::{parse_datetime, parse_duration};

    fn get(v: &Value, k: &str) -> Value {
        match component(v, k) {
            Some(Ok(x)) => x,
            other => panic!("{k}: {other:?}"),
        }
    }

    #[test]
    fn datetime_accessors() {
        // Temporal5 [6].
        let dt = Value::DateTime(parse_datetime("1984-11-11T12:31:14.645876123[Europe/Stockholm]").expect("parses"));
        for (k, v) in [
            ("year", 1984),
            ("quarter", 4),
            ("week", 45),
            ("weekYear", 1984),
            ("ordinalDay", 316),
            ("weekDay", 7),
            ("dayOfQuarter", 42),
            ("millisecond", 645),
            ("microsecond", 645876),
            ("offsetMinutes", 60),
            ("epochSeconds", 469_020_674),
            ("epochMillis", 469_020_674_645),
        ] {
            assert_eq!(get(&dt, k), Value::Int(v), "{k}");
        }
        assert_eq!(get(&dt, "timezone"), Value::String("Europe/Stockholm".into()));
        assert_eq!(get(&dt, "offset"), Value::String("+01:00".into()));
        assert!(matches!(component(&dt, "bogus"), Some(Err(_))));
        assert!(component(&Value::Int(1), "year").is_none());
    }

    #[test]
    fn duration_accessors() {
        // Temporal5 [7].
        let d = Value::Duration(parse_duration("P1Y4M10DT1H1M1.111111111S").expect("parses"));
        for (k, v) in [
            ("years", 1),
            ("quarters", 5),
            ("months", 16),
            ("weeks", 1),
            ("days", 10),
            ("hours", 1),
            ("minutes", 61),
            ("seconds", 3661),
            ("milliseconds", 3_661_111),
            ("nanoseconds", 3_661_111_111_111),
            ("quartersOfYear", 1),
            ("monthsOfQuarter", 1),
            ("monthsOfYear", 4),
            ("daysOfWeek", 3),
            ("minutesOfHour", 1),
            ("secondsOfMinute", 1),
            ("millisecondsOfSecond", 111),
            ("nanosecondsOfSecond", 111_111_111),
        ] {
            assert_eq!(get(&d, k), Value::Int(v), "{k}");
        }
    }
}
