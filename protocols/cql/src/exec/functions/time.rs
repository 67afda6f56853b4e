//! CQL's native scalar functions where a term may call them (`VALUES (now(), ...)`,
//! `WHERE t > minTimeuuid('2024-01-01')`): now/currentTimeUUID, uuid,
//! currentTimestamp/Date/Time, toTimestamp/toDate/toUnixTimestamp, minTimeuuid and
//! maxTimeuuid. Time-based uuids are version 1 with a random clock sequence and node, and
//! strictly increase within the process like Cassandra's.

use super::clock::now_micros;
use crate::error::{CqlError, CqlResult};
use crate::model::value::uuid_timestamp;
use crate::model::CqlValue;
use crate::types::CqlType;
use std::sync::atomic::{AtomicU64, Ordering};

/// 100 ns intervals between the uuid epoch (1582-10-15) and the Unix epoch.
const UUID_EPOCH_OFFSET: u64 = 0x01B2_1DD2_1381_4000;
const MILLIS_PER_DAY: i64 = 86_400_000;
const DATE_EPOCH: i64 = 1 << 31;

static LAST_TICKS: AtomicU64 = AtomicU64::new(0);

fn ticks_of_millis(ms: i64) -> u64 {
    (ms.max(0) as u64).saturating_mul(10_000).saturating_add(UUID_EPOCH_OFFSET)
}

fn millis_of_ticks(ticks: u64) -> i64 {
    (ticks.saturating_sub(UUID_EPOCH_OFFSET) / 10_000) as i64
}

/// A version 1 uuid for `ticks` with the given clock sequence and node bytes.
fn timeuuid(ticks: u64, tail: [u8; 8]) -> [u8; 16] {
    let mut u = [0u8; 16];
    u[0..4].copy_from_slice(&((ticks & 0xffff_ffff) as u32).to_be_bytes());
    u[4..6].copy_from_slice(&(((ticks >> 32) & 0xffff) as u16).to_be_bytes());
    u[6..8].copy_from_slice(&((((ticks >> 48) & 0x0fff) as u16) | 0x1000).to_be_bytes());
    u[8..16].copy_from_slice(&tail);
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}

/// `now()`: a new time-based uuid, later than every one made before in this process.
pub fn now_timeuuid() -> [u8; 16] {
    let now = ticks_of_millis(0) + (now_micros().max(0) as u64) * 10;
    let mut prev = LAST_TICKS.load(Ordering::Relaxed);
    let ticks = loop {
        let next = now.max(prev + 1);
        match LAST_TICKS.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(p) => prev = p,
        }
    };
    let random = crate::model::space::random_uuid();
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&random[8..16]);
    timeuuid(ticks, tail)
}

fn timestamp_arg(arg: &CqlValue) -> CqlResult<i64> {
    match arg {
        CqlValue::Timestamp(ms) => Ok(*ms),
        CqlValue::Timeuuid(u) => Ok(millis_of_ticks(uuid_timestamp(u))),
        CqlValue::Date(d) => Ok((i64::from(*d) - DATE_EPOCH) * MILLIS_PER_DAY),
        _ => Err(CqlError::invalid("Invalid argument: expected a timestamp, timeuuid or date")),
    }
}

/// The type of argument a function takes (what its argument terms are resolved against).
pub fn argument_type(name: &str) -> Option<CqlType> {
    Some(match name {
        "mintimeuuid" | "maxtimeuuid" => CqlType::Timestamp,
        "totimestamp" | "todate" | "tounixtimestamp" => CqlType::Timeuuid,
        _ => return None,
    })
}

/// Calls `name` (lower case, no `system.`) with resolved arguments, answering a value
/// of `ty` (the type the call site expects).
pub fn call(name: &str, args: &[CqlValue], ty: &CqlType) -> CqlResult<CqlValue> {
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(CqlError::invalid(format!(
                "Invalid number of arguments in call to function {name}: {n} required but {} provided",
                args.len()
            )))
        }
    };
    let now_ms = now_micros() / 1000;
    Ok(match name {
        "now" | "currenttimeuuid" => {
            arity(0)?;
            match ty {
                CqlType::Timeuuid => CqlValue::Timeuuid(now_timeuuid()),
                CqlType::Uuid => CqlValue::Uuid(now_timeuuid()),
                _ => return Err(mismatch(name, ty)),
            }
        }
        "uuid" => {
            arity(0)?;
            CqlValue::Uuid(crate::model::space::random_uuid())
        }
        "currenttimestamp" => {
            arity(0)?;
            CqlValue::Timestamp(now_ms)
        }
        "currentdate" => {
            arity(0)?;
            CqlValue::Date((now_ms.div_euclid(MILLIS_PER_DAY) + DATE_EPOCH) as u32)
        }
        "currenttime" => {
            arity(0)?;
            CqlValue::Time(now_ms.rem_euclid(MILLIS_PER_DAY) * 1_000_000)
        }
        "mintimeuuid" | "maxtimeuuid" => {
            arity(1)?;
            let ticks = ticks_of_millis(timestamp_arg(&args[0])?);
            if name == "mintimeuuid" {
                CqlValue::Timeuuid(timeuuid(ticks, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]))
            } else {
                CqlValue::Timeuuid(timeuuid(ticks.saturating_add(9_999), [0x7f; 8]))
            }
        }
        "totimestamp" => {
            arity(1)?;
            CqlValue::Timestamp(timestamp_arg(&args[0])?)
        }
        "todate" => {
            arity(1)?;
            CqlValue::Date((timestamp_arg(&args[0])?.div_euclid(MILLIS_PER_DAY) + DATE_EPOCH) as u32)
        }
        "tounixtimestamp" => {
            arity(1)?;
            CqlValue::Bigint(timestamp_arg(&args[0])?)
        }
        other => return Err(CqlError::invalid(format!("Unknown function '{other}'"))),
    })
}

fn mismatch(name: &str, ty: &CqlType) -> CqlError {
    CqlError::invalid(format!("Type error: {name}() cannot be passed as argument of type {ty}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeuuids_increase_and_convert_back_to_their_time() {
        let a = now_timeuuid();
        let b = now_timeuuid();
        assert_eq!(a[6] >> 4, 1, "version 1");
        assert!(uuid_timestamp(&b) > uuid_timestamp(&a));
        let ms = 1_700_000_000_123;
        let min = call("mintimeuuid", &[CqlValue::Timestamp(ms)], &CqlType::Timeuuid).unwrap();
        let max = call("maxtimeuuid", &[CqlValue::Timestamp(ms)], &CqlType::Timeuuid).unwrap();
        assert_eq!(call("totimestamp", std::slice::from_ref(&min), &CqlType::Timestamp).unwrap(), CqlValue::Timestamp(ms));
        assert_eq!(call("totimestamp", std::slice::from_ref(&max), &CqlType::Timestamp).unwrap(), CqlValue::Timestamp(ms));
        assert!(crate::model::value::cql_cmp(&min, &max).is_lt());
        assert_eq!(
            call("todate", &[CqlValue::Timestamp(MILLIS_PER_DAY * 2 + 5)], &CqlType::Date).unwrap(),
            CqlValue::Date((DATE_EPOCH + 2) as u32)
        );
        assert!(call("now", &[], &CqlType::Int).is_err());
        assert!(call("maxtimeuuid", &[CqlValue::Timestamp(i64::MAX)], &CqlType::Timeuuid).is_ok());
    }
}
