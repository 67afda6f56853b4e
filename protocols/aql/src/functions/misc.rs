//! AQL's miscellaneous functions: NOT_NULL, FIRST_LIST, FIRST_DOCUMENT,
//! CHECK_DOCUMENT, ASSERT/WARN/FAIL, HASH, MIN_MATCH, IN_RANGE, SLEEP (bounded),
//! VERSION, DECODE_REV and the optimizer hints PASSTHRU/NOOPT/NOEVAL (identity).

use super::date::civil;
use super::distinct::value_hash;
use super::{def, Args, Def, VARIADIC};
use crate::error::{num, AqlError, AqlResult};
use crate::value::{cast, compare::compare, Value};
use std::cmp::Ordering;

/// The server version VERSION() reports (the one `/_api/version` answers).
pub const SERVER_VERSION: &str = "4.0.0";

/// Longest SLEEP() accepted, in seconds (it holds the thread evaluating the query).
pub const MAX_SLEEP_SECONDS: f64 = 10.0;

pub(super) const DEFS: &[Def] = &[
    def("NOT_NULL", 1, VARIADIC, |a| first_where(a, |v| !v.is_null())),
    def("FIRST_LIST", 1, VARIADIC, |a| first_where(a, |v| matches!(v, Value::Array(_)))),
    def("FIRST_DOCUMENT", 1, VARIADIC, |a| first_where(a, |v| matches!(v, Value::Object(_)))),
    def("CHECK_DOCUMENT", 1, 1, |a| Ok(Value::Bool(matches!(a.get(0), Value::Object(_))))),
    def("ASSERT", 2, 2, assert),
    def("WARN", 2, 2, warn),
    def("FAIL", 0, 1, fail),
    def("HASH", 1, 1, |a| Ok(Value::Int((value_hash(a.get(0)) & ((1u64 << 52) - 1)) as i64))),
    def("MIN_MATCH", 2, VARIADIC, min_match),
    def("IN_RANGE", 5, 5, in_range),
    def("SLEEP", 1, 1, sleep),
    def("VERSION", 0, 0, |_| Ok(Value::str(SERVER_VERSION))),
    def("DECODE_REV", 1, 1, decode_rev),
    def("PASSTHRU", 1, 1, |a| Ok(a.take(0))),
    def("NOOPT", 1, 1, |a| Ok(a.take(0))),
    def("NOEVAL", 1, 1, |a| Ok(a.take(0))),
];

fn first_where(args: &mut Args, test: fn(&Value) -> bool) -> AqlResult<Value> {
    let found = args.all().iter().position(test);
    Ok(found.map(|i| args.take(i)).unwrap_or(Value::Null))
}

fn assert(args: &mut Args) -> AqlResult<Value> {
    let Value::String(message) = args.get(1) else { return Ok(args.type_error()) };
    if cast::to_bool(args.get(0)) {
        return Ok(Value::Bool(true));
    }
    Err(AqlError::new(num::QUERY_USER_ASSERT, message.clone()))
}

fn warn(args: &mut Args) -> AqlResult<Value> {
    let Value::String(message) = args.get(1) else { return Ok(args.type_error()) };
    if cast::to_bool(args.get(0)) {
        return Ok(Value::Bool(true));
    }
    let message = message.clone();
    args.warn(num::QUERY_USER_WARN, message);
    Ok(Value::Bool(false))
}

/// FAIL(reason): error 1569 with the reason as its message ("FAIL() called" without
/// a string reason).
fn fail(args: &mut Args) -> AqlResult<Value> {
    let message = match args.get(0) {
        Value::String(reason) => reason.clone(),
        _ => "FAIL() called".to_string(),
    };
    Err(AqlError::new(num::QUERY_FAIL_CALLED, message))
}

fn min_match(args: &mut Args) -> AqlResult<Value> {
    let Some((last, conditions)) = args.all().split_last() else { return Ok(Value::Bool(false)) };
    let Some(min) = last.as_f64() else { return Ok(args.type_error()) };
    let hits = conditions.iter().filter(|v| cast::to_bool(v)).count();
    Ok(Value::Bool(hits as f64 >= min))
}

fn in_range(args: &mut Args) -> AqlResult<Value> {
    let (v, low, high) = (args.get(0), args.get(1), args.get(2));
    let (Value::Bool(include_low), Value::Bool(include_high)) = (args.get(3), args.get(4)) else {
        return Ok(args.type_error());
    };
    let above = match compare(v, low) {
        Ordering::Greater => true,
        Ordering::Equal => *include_low,
        Ordering::Less => false,
    };
    let below = match compare(v, high) {
        Ordering::Less => true,
        Ordering::Equal => *include_high,
        Ordering::Greater => false,
    };
    Ok(Value::Bool(above && below))
}

fn sleep(args: &mut Args) -> AqlResult<Value> {
    let seconds = args.f64(0);
    if !(0.0..=MAX_SLEEP_SECONDS).contains(&seconds) {
        return Err(AqlError::new(
            num::BAD_PARAMETER,
            format!("SLEEP(): at most {MAX_SLEEP_SECONDS} seconds in Orbit"),
        ));
    }
    let pause = std::time::Duration::from_secs_f64(seconds);
    // on a multi-threaded runtime the worker hands its other tasks on while it sleeps
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(|| std::thread::sleep(pause)),
        _ => std::thread::sleep(pause),
    }
    Ok(Value::Null)
}

const REV_ALPHABET: &[u8; 64] = b"-_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// DECODE_REV: a `_rev` (a hybrid logical clock, milliseconds << 20 | counter) as
/// `{date, count}`.
fn decode_rev(args: &mut Args) -> AqlResult<Value> {
    let Value::String(rev) = args.get(0) else { return Ok(args.type_error()) };
    let mut n: u64 = 0;
    for b in rev.bytes() {
        let Some(digit) = REV_ALPHABET.iter().position(|&a| a == b) else { return Ok(args.type_error()) };
        let Some(next) = n.checked_mul(64).and_then(|x| x.checked_add(digit as u64)) else {
            return Ok(args.type_error());
        };
        n = next;
    }
    if rev.is_empty() {
        return Ok(args.type_error());
    }
    let ms = (n >> 20) as i64;
    Ok(Value::object([
        ("date", Value::String(civil::format_iso(ms.min(civil::MAX_MS)))),
        ("count", Value::Int((n & 0xfffff) as i64)),
    ]))
}
