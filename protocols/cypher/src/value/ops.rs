//! Cypher's arithmetic operators: `+ - * / % ^` and unary minus over numbers (integer
//! overflow and integer division by zero are ArithmeticErrors, as in Neo4j; floats follow
//! IEEE 754), string concatenation with scalars, list concatenation and append/prepend,
//! and temporal arithmetic with durations. A null operand gives null; operand types that
//! do not fit are TypeErrors.

use super::format::to_cypher_string;
use super::temporal::arith::{add_durations, divide_duration, multiply_duration, negate_duration, shift};
use super::Value;
use crate::error::{CypherError, CypherResult, ErrorKind};

fn overflow() -> CypherError {
    CypherError::new(ErrorKind::Arithmetic, "long overflow")
}

fn by_zero() -> CypherError {
    CypherError::new(ErrorKind::Arithmetic, "/ by zero")
}

fn mismatch(op: &str, a: &Value, b: &Value) -> CypherError {
    CypherError::type_error(format!("Cannot apply `{op}` to {} and {}", a.type_name(), b.type_name()))
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Values that concatenate with a string under `+`.
fn concatenable(v: &Value) -> bool {
    !matches!(
        v,
        Value::Null | Value::List(_) | Value::Map(_) | Value::Node(_) | Value::Relationship(_) | Value::Path(_)
    )
}

pub fn add(a: &Value, b: &Value) -> CypherResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(x), Int(y)) => Int(x.checked_add(*y).ok_or_else(overflow)?),
        (Int(_) | Float(_), Int(_) | Float(_)) => Float(as_f64(a).unwrap_or(0.0) + as_f64(b).unwrap_or(0.0)),
        (String(x), y) if concatenable(y) => String(format!("{x}{}", to_cypher_string(y))),
        (x, String(y)) if concatenable(x) => String(format!("{}{y}", to_cypher_string(x))),
        (List(x), List(y)) => List(x.iter().chain(y.iter()).cloned().collect()),
        (List(x), y) => List(x.iter().cloned().chain(std::iter::once(y.clone())).collect()),
        (x, List(y)) => List(std::iter::once(x.clone()).chain(y.iter().cloned()).collect()),
        (Duration(x), Duration(y)) => Duration(add_durations(x, y, 1)?),
        (t, Duration(d)) | (Duration(d), t) => match shift(t, d, 1) {
            Some(r) => r?,
            None => return Err(mismatch("+", a, b)),
        },
        _ => return Err(mismatch("+", a, b)),
    })
}

pub fn sub(a: &Value, b: &Value) -> CypherResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(x), Int(y)) => Int(x.checked_sub(*y).ok_or_else(overflow)?),
        (Int(_) | Float(_), Int(_) | Float(_)) => Float(as_f64(a).unwrap_or(0.0) - as_f64(b).unwrap_or(0.0)),
        (Duration(x), Duration(y)) => Duration(add_durations(x, y, -1)?),
        (t, Duration(d)) => match shift(t, d, -1) {
            Some(r) => r?,
            None => return Err(mismatch("-", a, b)),
        },
        _ => return Err(mismatch("-", a, b)),
    })
}

pub fn mul(a: &Value, b: &Value) -> CypherResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(x), Int(y)) => Int(x.checked_mul(*y).ok_or_else(overflow)?),
        (Int(_) | Float(_), Int(_) | Float(_)) => Float(as_f64(a).unwrap_or(0.0) * as_f64(b).unwrap_or(0.0)),
        (Duration(d), n @ (Int(_) | Float(_))) | (n @ (Int(_) | Float(_)), Duration(d)) => {
            Duration(multiply_duration(d, n)?)
        }
        _ => return Err(mismatch("*", a, b)),
    })
}

pub fn div(a: &Value, b: &Value) -> CypherResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(_), Int(0)) => return Err(by_zero()),
        (Int(x), Int(y)) => Int(x.checked_div(*y).ok_or_else(overflow)?),
        (Int(_) | Float(_), Int(_) | Float(_)) => Float(as_f64(a).unwrap_or(0.0) / as_f64(b).unwrap_or(0.0)),
        (Duration(d), n @ (Int(_) | Float(_))) => Duration(divide_duration(d, n)?),
        _ => return Err(mismatch("/", a, b)),
    })
}

pub fn rem(a: &Value, b: &Value) -> CypherResult<Value> {
    use Value::*;
    Ok(match (a, b) {
        (Null, _) | (_, Null) => Null,
        (Int(_), Int(0)) => return Err(by_zero()),
        (Int(x), Int(y)) => Int(x.checked_rem(*y).unwrap_or(0)),
        (Int(_) | Float(_), Int(_) | Float(_)) => Float(as_f64(a).unwrap_or(0.0) % as_f64(b).unwrap_or(0.0)),
        _ => return Err(mismatch("%", a, b)),
    })
}

pub fn pow(a: &Value, b: &Value) -> CypherResult<Value> {
    Ok(match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Value::Null,
        (x, y) => match (as_f64(x), as_f64(y)) {
            (Some(x), Some(y)) => Value::Float(x.powf(y)),
            _ => return Err(mismatch("^", a, b)),
        },
    })
}

pub fn neg(a: &Value) -> CypherResult<Value> {
    Ok(match a {
        Value::Null => Value::Null,
        Value::Int(i) => Value::Int(i.checked_neg().ok_or_else(overflow)?),
        Value::Float(f) => Value::Float(-f),
        Value::Duration(d) => Value::Duration(negate_duration(d)?),
        other => return Err(CypherError::type_error(format!("Cannot negate a value of type {}", other.type_name()))),
    })
}

#[cfg(test)]
#[path = "ops_tests.rs"]
mod tests;
