//! Temporal functions: the constructors date, time, localtime, datetime, localdatetime
//! (no argument: now on the statement clock; a string: parsed; a map: built; another
//! temporal value: converted) with their `.statement`, `.transaction` and `.realtime`
//! clocks, `<type>.truncate`, `datetime.fromEpoch`/`fromEpochMillis`, duration (from a
//! string or map), `duration.between`/`inMonths`/`inDays`/`inSeconds` and timestamp().

use super::{wrong_type, FunctionContext};
use crate::error::CypherResult;
use crate::value::temporal::build::{self, Kind};
use crate::value::temporal::{between, duration, parse, truncate};
use crate::value::{Date, DateTime, LocalTime, Map, Value, Zone};

/// The wall clock now, in UTC.
pub fn realtime() -> DateTime {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    DateTime { seconds: now.as_secs() as i64, nanos: now.subsec_nanos(), zone: Zone::Offset(0) }
}

fn kind_of(base: &str) -> Option<Kind> {
    Some(match base {
        "date" => Kind::Date,
        "time" => Kind::Time,
        "localtime" => Kind::LocalTime,
        "datetime" => Kind::DateTime,
        "localdatetime" => Kind::LocalDateTime,
        _ => return None,
    })
}

fn from_string(kind: Kind, s: &str) -> CypherResult<Value> {
    Ok(match kind {
        Kind::Date => Value::Date(Date { days: parse::parse_date(s)? }),
        Kind::LocalTime => Value::LocalTime(LocalTime { nanos: parse::parse_localtime(s)? }),
        Kind::Time => Value::Time(parse::parse_time(s)?),
        Kind::LocalDateTime => Value::LocalDateTime(parse::parse_localdatetime(s)?),
        Kind::DateTime => Value::DateTime(parse::parse_datetime(s)?),
    })
}

fn from_map(kind: Kind, m: &Map, now: &DateTime) -> CypherResult<Value> {
    match kind {
        Kind::Date => build::date_from_map(m, now),
        Kind::LocalTime => build::localtime_from_map(m, now),
        Kind::Time => build::time_from_map(m, now),
        Kind::LocalDateTime => build::localdatetime_from_map(m, now),
        Kind::DateTime => build::datetime_from_map(m, now),
    }
}

fn construct(name: &str, kind: Kind, args: &[Value], now: &DateTime) -> CypherResult<Value> {
    match args.first() {
        None => from_map(kind, &now_map(), now),
        Some(Value::Null) => Ok(Value::Null),
        Some(Value::String(s)) => from_string(kind, s),
        Some(Value::Map(m)) => from_map(kind, m, now),
        Some(
            v @ (Value::Date(_) | Value::LocalTime(_) | Value::Time(_) | Value::LocalDateTime(_) | Value::DateTime(_)),
        ) => build::convert(kind, v, now),
        Some(other) => Err(wrong_type(name, "a String, Map or temporal value", other)),
    }
}

/// A map asking for the current instant in the default zone (UTC).
fn now_map() -> Map {
    let mut m = Map::new();
    m.insert("timezone".to_string(), Value::String("Z".to_string()));
    m
}

fn int_arg(function: &str, v: &Value) -> CypherResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(wrong_type(function, "an Integer", other)),
    }
}

fn from_epoch(name: &str, args: &[Value]) -> CypherResult<Value> {
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let mut m = Map::new();
    if name == "datetime.fromepoch" {
        m.insert("epochSeconds".to_string(), Value::Int(int_arg(name, &args[0])?));
        m.insert("nanosecond".to_string(), Value::Int(int_arg(name, &args[1])?));
    } else {
        m.insert("epochMillis".to_string(), Value::Int(int_arg(name, &args[0])?));
    }
    build::datetime_from_map(&m, &realtime())
}

fn truncate_call(name: &str, kind: Kind, args: &[Value]) -> CypherResult<Value> {
    if args[1].is_null() {
        return Ok(Value::Null);
    }
    let Value::String(unit) = &args[0] else { return Err(wrong_type(name, "a String", &args[0])) };
    let empty = Map::new();
    let map = match args.get(2) {
        None | Some(Value::Null) => &empty,
        Some(Value::Map(m)) => m,
        Some(other) => return Err(wrong_type(name, "a Map", other)),
    };
    truncate::truncate(kind, unit, &args[1], map)
}

fn duration_call(args: &[Value]) -> CypherResult<Value> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::Duration(parse::parse_duration(s)?)),
        Value::Map(m) => duration::from_map(m),
        Value::Duration(d) => Ok(Value::Duration(*d)),
        other => Err(wrong_type("duration", "a String or Map", other)),
    }
}

pub(super) fn call(name: &str, args: &[Value], ctx: &FunctionContext) -> Option<CypherResult<Value>> {
    match name {
        "timestamp" => {
            let t = &ctx.statement_time;
            return Some(Ok(Value::Int(t.seconds.saturating_mul(1000).saturating_add(i64::from(t.nanos / 1_000_000)))));
        }
        "duration" => return Some(duration_call(args)),
        "duration.between" | "duration.inmonths" | "duration.indays" | "duration.inseconds" => {
            let unit = match name {
                "duration.between" => between::Unit::All,
                "duration.inmonths" => between::Unit::Months,
                "duration.indays" => between::Unit::Days,
                _ => between::Unit::Seconds,
            };
            return Some(between::between(unit, &args[0], &args[1]));
        }
        "datetime.fromepoch" | "datetime.fromepochmillis" => return Some(from_epoch(name, args)),
        _ => {}
    }
    let (base, clock) = match name.split_once('.') {
        Some((b, c)) => (b, Some(c)),
        None => (name, None),
    };
    let kind = kind_of(base)?;
    let now = match clock {
        None | Some("statement") => ctx.statement_time.clone(),
        Some("transaction") => ctx.transaction_time.clone(),
        Some("realtime") => realtime(),
        Some("truncate") => return Some(truncate_call(name, kind, args)),
        Some(_) => return None,
    };
    if clock.is_some() {
        if let Some(v) = args.first() {
            if !matches!(v, Value::Map(_) | Value::String(_) | Value::Null) {
                return Some(Err(wrong_type(name, "a time zone", v)));
            }
        }
    }
    Some(match (clock, args.first()) {
        (Some(_), Some(Value::String(zone))) => {
            let mut m = Map::new();
            m.insert("timezone".to_string(), Value::String(zone.clone()));
            from_map(kind, &m, &now)
        }
        _ => construct(name, kind, args, &now),
    })
}
