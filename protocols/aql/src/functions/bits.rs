//! The BIT_* functions: unsigned 32-bit integers combined, shifted, tested and
//! converted to and from bit strings. A value outside 0..2^32 or a non-number answers
//! null with warning 1542, as ArangoDB does.

use super::{def, Args, Def};
use crate::error::AqlResult;
use crate::value::Value;

pub(super) const DEFS: &[Def] = &[
    def("BIT_AND", 1, 2, |a| fold(a, |x, y| x & y)),
    def("BIT_OR", 1, 2, |a| fold(a, |x, y| x | y)),
    def("BIT_XOR", 1, 2, |a| fold(a, |x, y| x ^ y)),
    def("BIT_NEGATE", 2, 2, negate),
    def("BIT_POPCOUNT", 1, 1, popcount),
    def("BIT_SHIFT_LEFT", 3, 3, |a| shift(a, true)),
    def("BIT_SHIFT_RIGHT", 3, 3, |a| shift(a, false)),
    def("BIT_TEST", 2, 2, test),
    def("BIT_CONSTRUCT", 1, 1, construct),
    def("BIT_DECONSTRUCT", 1, 1, deconstruct),
    def("BIT_TO_STRING", 2, 2, to_string),
    def("BIT_FROM_STRING", 1, 1, from_string),
];

/// A number in 0..2^32 as an unsigned 32-bit integer (a fraction truncated, as
/// ArangoDB reads it), None otherwise.
pub(super) fn u32_of(v: &Value) -> Option<u32> {
    match v {
        Value::Int(i) => u32::try_from(*i).ok(),
        Value::Double(d) if *d >= 0.0 && d.trunc() <= f64::from(u32::MAX) => Some(d.trunc() as u32),
        _ => None,
    }
}

/// A bit count argument: 0..=32.
fn width(v: &Value) -> Option<u32> {
    u32_of(v).filter(|&n| n <= 32)
}

fn mask(bits: u32) -> u32 {
    if bits >= 32 {
        u32::MAX
    } else {
        (1u32 << bits) - 1
    }
}

fn fold(args: &mut Args, f: fn(u32, u32) -> u32) -> AqlResult<Value> {
    let items: Vec<Value> = if args.len() == 2 {
        args.all().to_vec()
    } else {
        match args.get(0) {
            Value::Array(items) => items.clone(),
            _ => return Ok(args.type_error()),
        }
    };
    let mut acc: Option<u32> = None;
    for item in items.iter().filter(|v| !v.is_null()) {
        let Some(x) = u32_of(item) else { return Ok(args.type_error()) };
        acc = Some(acc.map_or(x, |a| f(a, x)));
    }
    Ok(acc.map(|a| Value::Int(i64::from(a))).unwrap_or(Value::Null))
}

fn negate(args: &mut Args) -> AqlResult<Value> {
    match (u32_of(args.get(0)), width(args.get(1))) {
        (Some(x), Some(bits)) => Ok(Value::Int(i64::from(!x & mask(bits)))),
        _ => Ok(args.type_error()),
    }
}

fn popcount(args: &mut Args) -> AqlResult<Value> {
    match u32_of(args.get(0)) {
        Some(x) => Ok(Value::Int(i64::from(x.count_ones()))),
        None => Ok(args.type_error()),
    }
}

fn shift(args: &mut Args, left: bool) -> AqlResult<Value> {
    match (u32_of(args.get(0)), width(args.get(1)), width(args.get(2))) {
        (Some(x), Some(by), Some(bits)) => {
            let wide = u64::from(x);
            let r = if left { wide << by } else { wide >> by };
            Ok(Value::Int((r & u64::from(mask(bits))) as i64))
        }
        _ => Ok(args.type_error()),
    }
}

fn test(args: &mut Args) -> AqlResult<Value> {
    match (u32_of(args.get(0)), u32_of(args.get(1)).filter(|&i| i < 32)) {
        (Some(x), Some(i)) => Ok(Value::Bool(x & (1 << i) != 0)),
        _ => Ok(args.type_error()),
    }
}

fn construct(args: &mut Args) -> AqlResult<Value> {
    let Value::Array(positions) = args.get(0) else { return Ok(args.type_error()) };
    let mut out = 0u32;
    for p in positions {
        match u32_of(p).filter(|&i| i < 32) {
            Some(i) => out |= 1 << i,
            None => return Ok(args.type_error()),
        }
    }
    Ok(Value::Int(i64::from(out)))
}

fn deconstruct(args: &mut Args) -> AqlResult<Value> {
    match u32_of(args.get(0)) {
        Some(x) => Ok(Value::Array((0..32).filter(|i| x & (1 << i) != 0).map(Value::Int).collect())),
        None => Ok(args.type_error()),
    }
}

fn to_string(args: &mut Args) -> AqlResult<Value> {
    match (u32_of(args.get(0)), width(args.get(1))) {
        (Some(x), Some(bits)) => {
            Ok(Value::String((0..bits).rev().map(|i| if x & (1 << i) != 0 { '1' } else { '0' }).collect()))
        }
        _ => Ok(args.type_error()),
    }
}

fn from_string(args: &mut Args) -> AqlResult<Value> {
    let parsed = args
        .get(0)
        .as_str()
        .filter(|s| s.len() <= 32 && s.bytes().all(|b| b == b'0' || b == b'1'))
        .map(|s| s.bytes().fold(0u32, |acc, b| (acc << 1) | u32::from(b == b'1')));
    match parsed {
        Some(x) => Ok(Value::Int(i64::from(x))),
        None => Ok(args.type_error()),
    }
}
