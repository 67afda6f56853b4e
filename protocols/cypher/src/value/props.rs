//! Property values to and from the [`orbit_storage::Value`]s orbit-graph stores.
//!
//! Cypher properties are scalars (BOOLEAN, INTEGER, FLOAT, STRING, byte arrays), temporal
//! values, points, and homogeneous lists of those. Scalars map to the storage variant of
//! the same name (STRING to `Text`); a list to an `Array` of its elements.
//!
//! Temporal values and points have no exact storage variant, so each is stored as a
//! *tagged array*: `Array([Uuid(TAG), Text(kind), fields...])` where `TAG` is the fixed
//! reserved 16 bytes `orbit-cypher-tv1` and `kind` one of `date` (days), `localtime`
//! (nanos), `time` (nanos, offset seconds), `localdatetime` (seconds, nanos), `datetime`
//! (seconds, nanos, offset seconds[, zone name]), `duration` (months, days, seconds,
//! nanos), `point` (srid, x, y[, z]). Every field keeps its full precision, so the mapping
//! round-trips losslessly; a named zone keeps the offset it had, so reading needs no tz
//! database. No Cypher value converts to a storage `Uuid`, and a list property never holds
//! a list, so a tagged array cannot collide with a user value. A list of temporal values is
//! an `Array` of tagged arrays.
//!
//! Maps, graph elements, paths, nested lists, lists containing null and lists mixing kinds
//! are TypeErrors. Null maps to storage `Null` (the caller decides that it removes the
//! property).

use super::{Date, DateTime, Duration, LocalDateTime, LocalTime, Point, Time, Value, Zone};
use crate::error::{CypherError, CypherResult, ErrorKind};
use orbit_storage::Value as Stored;

pub const TAG: [u8; 16] = *b"orbit-cypher-tv1";

fn not_property(v: &Value) -> CypherError {
    CypherError::type_error(format!(
        "Property values can only be of primitive types or arrays thereof. Encountered: {}.",
        v.type_name()
    ))
}

fn corrupt(what: &str) -> CypherError {
    CypherError::new(ErrorKind::Database, format!("Corrupt stored property value: {what}"))
}

fn tagged(kind: &str, fields: Vec<Stored>) -> Stored {
    let mut out = Vec::with_capacity(fields.len() + 2);
    out.push(Stored::Uuid(TAG));
    out.push(Stored::Text(kind.to_string()));
    out.extend(fields);
    Stored::Array(out)
}

fn scalar(v: &Value) -> CypherResult<Stored> {
    Ok(match v {
        Value::Bool(b) => Stored::Bool(*b),
        Value::Int(i) => Stored::Int(*i),
        Value::Float(f) => Stored::Float(*f),
        Value::String(s) => Stored::Text(s.clone()),
        Value::Bytes(b) => Stored::Bytes(b.clone()),
        Value::Date(d) => tagged("date", vec![Stored::Int(d.days)]),
        Value::LocalTime(t) => tagged("localtime", vec![Stored::Int(t.nanos)]),
        Value::Time(t) => tagged("time", vec![Stored::Int(t.nanos), Stored::Int(i64::from(t.offset_seconds))]),
        Value::LocalDateTime(t) => {
            tagged("localdatetime", vec![Stored::Int(t.seconds), Stored::Int(i64::from(t.nanos))])
        }
        Value::DateTime(t) => {
            let mut fields = vec![
                Stored::Int(t.seconds),
                Stored::Int(i64::from(t.nanos)),
                Stored::Int(i64::from(t.zone.offset_seconds())),
            ];
            if let Zone::Named { name, .. } = &t.zone {
                fields.push(Stored::Text(name.clone()));
            }
            tagged("datetime", fields)
        }
        Value::Duration(d) => tagged(
            "duration",
            vec![Stored::Int(d.months), Stored::Int(d.days), Stored::Int(d.seconds), Stored::Int(d.nanos)],
        ),
        Value::Point(p) => {
            let mut fields = vec![Stored::Int(i64::from(p.srid)), Stored::Float(p.x), Stored::Float(p.y)];
            if let Some(z) = p.z {
                fields.push(Stored::Float(z));
            }
            tagged("point", fields)
        }
        other => return Err(not_property(other)),
    })
}

/// The storage form of a property value.
pub fn to_storage(v: &Value) -> CypherResult<Stored> {
    match v {
        Value::Null => Ok(Stored::Null),
        Value::List(items) => {
            let Some(first) = items.first() else { return Ok(Stored::Array(Vec::new())) };
            let kind = std::mem::discriminant(first);
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if item.is_null() || matches!(item, Value::List(_)) {
                    return Err(not_property(v));
                }
                if std::mem::discriminant(item) != kind {
                    return Err(CypherError::type_error(
                        "Collections containing mixed types can not be stored in properties.",
                    ));
                }
                out.push(scalar(item)?);
            }
            Ok(Stored::Array(out))
        }
        other => scalar(other),
    }
}

fn int(fields: &[Stored], i: usize) -> CypherResult<i64> {
    match fields.get(i) {
        Some(Stored::Int(v)) => Ok(*v),
        _ => Err(corrupt("integer field expected")),
    }
}

fn float(fields: &[Stored], i: usize) -> CypherResult<f64> {
    match fields.get(i) {
        Some(Stored::Float(v)) => Ok(*v),
        _ => Err(corrupt("float field expected")),
    }
}

fn small<T: TryFrom<i64>>(v: i64) -> CypherResult<T> {
    T::try_from(v).map_err(|_| corrupt("field out of range"))
}

fn untag(items: &[Stored]) -> CypherResult<Value> {
    let kind = match items.get(1) {
        Some(Stored::Text(k)) => k.as_str(),
        _ => return Err(corrupt("tag without kind")),
    };
    let f = items.get(2..).unwrap_or(&[]);
    let expect = |n: std::ops::RangeInclusive<usize>| {
        if n.contains(&f.len()) {
            Ok(())
        } else {
            Err(corrupt("wrong number of fields"))
        }
    };
    Ok(match kind {
        "date" => {
            expect(1..=1)?;
            Value::Date(Date { days: int(f, 0)? })
        }
        "localtime" => {
            expect(1..=1)?;
            Value::LocalTime(LocalTime { nanos: int(f, 0)? })
        }
        "time" => {
            expect(2..=2)?;
            Value::Time(Time { nanos: int(f, 0)?, offset_seconds: small(int(f, 1)?)? })
        }
        "localdatetime" => {
            expect(2..=2)?;
            Value::LocalDateTime(LocalDateTime { seconds: int(f, 0)?, nanos: small(int(f, 1)?)? })
        }
        "datetime" => {
            expect(3..=4)?;
            let offset_seconds: i32 = small(int(f, 2)?)?;
            let zone = match f.get(3) {
                Some(Stored::Text(name)) => Zone::Named { name: name.clone(), offset_seconds },
                Some(_) => return Err(corrupt("zone name expected")),
                None => Zone::Offset(offset_seconds),
            };
            Value::DateTime(DateTime { seconds: int(f, 0)?, nanos: small(int(f, 1)?)?, zone })
        }
        "duration" => {
            expect(4..=4)?;
            Value::Duration(Duration { months: int(f, 0)?, days: int(f, 1)?, seconds: int(f, 2)?, nanos: int(f, 3)? })
        }
        "point" => {
            expect(3..=4)?;
            let z = if f.len() == 4 { Some(float(f, 3)?) } else { None };
            Value::Point(Point { srid: small(int(f, 0)?)?, x: float(f, 1)?, y: float(f, 2)?, z })
        }
        other => return Err(corrupt(&format!("unknown kind {other}"))),
    })
}

/// The Cypher value of a stored property. Storage variants Cypher never writes (from
/// other models) are read as the nearest Cypher value.
pub fn from_storage(v: Stored) -> CypherResult<Value> {
    Ok(match v {
        Stored::Null => Value::Null,
        Stored::Bool(b) => Value::Bool(b),
        Stored::Int(i) => Value::Int(i),
        Stored::Float(f) => Value::Float(f),
        Stored::Text(s) | Stored::Json(s) => Value::String(s),
        Stored::Bytes(b) => Value::Bytes(b),
        Stored::Array(items) => {
            if matches!(items.first(), Some(Stored::Uuid(tag)) if *tag == TAG) {
                untag(&items)?
            } else {
                Value::List(items.into_iter().map(from_storage).collect::<CypherResult<_>>()?)
            }
        }
        Stored::Decimal(d) => Value::String(d.to_string()),
        Stored::Uuid(u) => Value::String(u.iter().map(|b| format!("{b:02x}")).collect()),
        Stored::Date(d) => Value::Date(Date { days: i64::from(d) }),
        Stored::Time(micros) => Value::LocalTime(LocalTime { nanos: micros.saturating_mul(1000) }),
        Stored::Timestamp(micros) => Value::LocalDateTime(LocalDateTime {
            seconds: micros.div_euclid(1_000_000),
            nanos: (micros.rem_euclid(1_000_000) * 1000) as u32,
        }),
        Stored::TimestampTz(micros) => Value::DateTime(DateTime {
            seconds: micros.div_euclid(1_000_000),
            nanos: (micros.rem_euclid(1_000_000) * 1000) as u32,
            zone: Zone::Offset(0),
        }),
        Stored::Interval(i) => Value::Duration(Duration {
            months: i64::from(i.months),
            days: i64::from(i.days),
            seconds: i.micros.div_euclid(1_000_000),
            nanos: i.micros.rem_euclid(1_000_000) * 1000,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::temporal::parse::{parse_datetime, parse_duration};

    fn round_trip(v: Value) {
        let stored = to_storage(&v).expect("storable");
        assert_eq!(from_storage(stored).expect("readable"), v);
    }

    #[test]
    fn round_trips_losslessly() {
        round_trip(Value::Int(i64::MIN));
        round_trip(Value::Float(-0.5));
        round_trip(Value::String("x".into()));
        round_trip(Value::Bytes(vec![0, 255]));
        round_trip(Value::List(vec![Value::Int(1), Value::Int(2)]));
        round_trip(Value::List(vec![]));
        round_trip(Value::DateTime(parse_datetime("1818-07-21T21:40:32.142000001[Europe/Stockholm]").expect("ok")));
        round_trip(Value::DateTime(parse_datetime("2015-07-21T21:40:32.142+01:00").expect("ok")));
        round_trip(Value::Duration(parse_duration("P1Y2M3DT4H5M6.000000007S").expect("ok")));
        round_trip(Value::Time(Time { nanos: 1, offset_seconds: -3600 }));
        round_trip(Value::LocalDateTime(LocalDateTime { seconds: -1, nanos: 999_999_999 }));
        round_trip(Value::Point(Point { srid: 4979, x: 1.5, y: -2.0, z: Some(3.0) }));
        round_trip(Value::List(vec![Value::Date(Date { days: 1 }), Value::Date(Date { days: -1 })]));
    }

    #[test]
    fn refuses_what_is_not_a_property() {
        for v in [
            Value::Map(Default::default()),
            Value::List(vec![Value::Int(1), Value::Null]),
            Value::List(vec![Value::Int(1), Value::String("a".into())]),
            Value::List(vec![Value::List(vec![])]),
        ] {
            assert_eq!(to_storage(&v).err().map(|e| e.kind), Some(ErrorKind::Type), "{v:?}");
        }
        assert!(from_storage(Stored::Array(vec![Stored::Uuid(TAG), Stored::Text("date".into())])).is_err());
    }
}
