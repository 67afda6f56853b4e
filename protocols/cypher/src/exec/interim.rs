//! Interim value semantics the executor needs (equality, comparison, ORDER BY's order,
//! grouping keys, arithmetic, property conversion, a few functions and aggregates) until
//! `crate::value::{compare, ops, props}`, `crate::functions` and `crate::aggregate` land;
//! the executor calls only these names, so switching over is one module.

use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::Value;
use std::cmp::Ordering;

pub(crate) fn equals(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => Some((*x as f64) == *y),
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut unknown = false;
            for (p, q) in x.iter().zip(y) {
                match equals(p, q) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.len() != y.len() || x.keys().ne(y.keys()) {
                return Some(false);
            }
            let mut unknown = false;
            for (p, q) in x.values().zip(y.values()) {
                match equals(p, q) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
        }
        (Value::Node(x), Value::Node(y)) => Some(x.id == y.id),
        (Value::Relationship(x), Value::Relationship(y)) => Some(x.id == y.id),
        (Value::Path(x), Value::Path(y)) => Some(
            x.nodes.iter().map(|n| n.id).eq(y.nodes.iter().map(|n| n.id))
                && x.relationships.iter().map(|r| r.id).eq(y.relationships.iter().map(|r| r.id)),
        ),
        _ => Some(a == b),
    }
}

pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y),
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y) {
                match compare(p, q)? {
                    Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::LocalTime(x), Value::LocalTime(y)) => Some(x.cmp(y)),
        (Value::LocalDateTime(x), Value::LocalDateTime(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn rank(v: &Value) -> u8 {
    match v {
        Value::Map(_) => 0,
        Value::Node(_) => 1,
        Value::Relationship(_) => 2,
        Value::List(_) => 3,
        Value::Path(_) => 4,
        Value::DateTime(_) => 5,
        Value::LocalDateTime(_) => 6,
        Value::Date(_) => 7,
        Value::Time(_) => 8,
        Value::LocalTime(_) => 9,
        Value::Duration(_) => 10,
        Value::String(_) => 11,
        Value::Bool(_) => 12,
        Value::Int(_) | Value::Float(_) => 13,
        Value::Point(_) => 14,
        Value::Bytes(_) => 15,
        Value::Null => 16,
    }
}

/// ORDER BY's total order: types in a fixed order, nulls last.
pub(crate) fn order(a: &Value, b: &Value) -> Ordering {
    let (ra, rb) = (rank(a), rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Value::Float(x), Value::Float(y)) if x.is_nan() || y.is_nan() => x.is_nan().cmp(&y.is_nan()),
        (Value::Float(x), Value::Int(_)) if x.is_nan() => Ordering::Greater,
        (Value::Int(_), Value::Float(y)) if y.is_nan() => Ordering::Less,
        (Value::Node(x), Value::Node(y)) => x.id.cmp(&y.id),
        (Value::Relationship(x), Value::Relationship(y)) => x.id.cmp(&y.id),
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y) {
                match order(p, q) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Map(x), Value::Map(y)) => {
            for ((ka, va), (kb, vb)) in x.iter().zip(y) {
                match ka.cmp(kb).then_with(|| order(va, vb)) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
            x.len().cmp(&y.len())
        }
        _ => compare(a, b).unwrap_or(Ordering::Equal),
    }
}

/// A value as a grouping/DISTINCT key: equal keys for values Cypher treats as the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum GroupKey {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    String(String),
    List(Vec<GroupKey>),
    Map(Vec<(String, GroupKey)>),
    Node(u64),
    Relationship(u64),
    Path(Vec<u64>, Vec<u64>),
    Other(String),
}

impl GroupKey {
    pub(crate) fn of(v: &Value) -> GroupKey {
        match v {
            Value::Null => GroupKey::Null,
            Value::Bool(b) => GroupKey::Bool(*b),
            Value::Int(i) => GroupKey::Int(*i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => GroupKey::Int(*f as i64),
            Value::Float(f) => GroupKey::Float(f.to_bits()),
            Value::String(s) => GroupKey::String(s.clone()),
            Value::List(l) => GroupKey::List(l.iter().map(GroupKey::of).collect()),
            Value::Map(m) => GroupKey::Map(m.iter().map(|(k, v)| (k.clone(), GroupKey::of(v))).collect()),
            Value::Node(n) => GroupKey::Node(n.id),
            Value::Relationship(r) => GroupKey::Relationship(r.id),
            Value::Path(p) => {
                GroupKey::Path(p.nodes.iter().map(|n| n.id).collect(), p.relationships.iter().map(|r| r.id).collect())
            }
            other => GroupKey::Other(format!("{other:?}")),
        }
    }
}

fn arithmetic(message: &str) -> CypherError {
    CypherError::new(ErrorKind::Arithmetic, message)
}

fn type_mismatch(op: &str, a: &Value, b: &Value) -> CypherError {
    CypherError::type_error(format!("Cannot apply {op} to {} and {}", a.type_name(), b.type_name()))
}

fn numeric(
    op: &str,
    a: &Value,
    b: &Value,
    int: fn(i64, i64) -> Option<i64>,
    float: fn(f64, f64) -> f64,
) -> CypherResult<Value> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::Int(x), Value::Int(y)) => int(*x, *y).map(Value::Int).ok_or_else(|| arithmetic("integer overflow")),
        (Value::Int(x), Value::Float(y)) => Ok(Value::Float(float(*x as f64, *y))),
        (Value::Float(x), Value::Int(y)) => Ok(Value::Float(float(*x, *y as f64))),
        (Value::Float(x), Value::Float(y)) => Ok(Value::Float(float(*x, *y))),
        _ => Err(type_mismatch(op, a, b)),
    }
}

pub(crate) fn add(a: &Value, b: &Value) -> CypherResult<Value> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::List(x), Value::List(y)) => Ok(Value::List(x.iter().chain(y).cloned().collect())),
        (Value::List(x), y) => Ok(Value::List(x.iter().cloned().chain([y.clone()]).collect())),
        (x, Value::List(y)) => Ok(Value::List([x.clone()].into_iter().chain(y.iter().cloned()).collect())),
        (Value::String(x), Value::String(y)) => Ok(Value::String(format!("{x}{y}"))),
        (Value::String(x), Value::Int(y)) => Ok(Value::String(format!("{x}{y}"))),
        (Value::Int(x), Value::String(y)) => Ok(Value::String(format!("{x}{y}"))),
        (Value::String(x), Value::Float(y)) => Ok(Value::String(format!("{x}{}", float_text(*y)))),
        (Value::Float(x), Value::String(y)) => Ok(Value::String(format!("{}{y}", float_text(*x)))),
        _ => numeric("+", a, b, i64::checked_add, |x, y| x + y),
    }
}

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.is_finite() {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

pub(crate) fn sub(a: &Value, b: &Value) -> CypherResult<Value> {
    numeric("-", a, b, i64::checked_sub, |x, y| x - y)
}

pub(crate) fn mul(a: &Value, b: &Value) -> CypherResult<Value> {
    numeric("*", a, b, i64::checked_mul, |x, y| x * y)
}

pub(crate) fn div(a: &Value, b: &Value) -> CypherResult<Value> {
    if let (Value::Int(_), Value::Int(0)) = (a, b) {
        return Err(arithmetic("/ by zero"));
    }
    numeric("/", a, b, i64::checked_div, |x, y| x / y)
}

pub(crate) fn rem(a: &Value, b: &Value) -> CypherResult<Value> {
    if let (Value::Int(_), Value::Int(0)) = (a, b) {
        return Err(arithmetic("/ by zero"));
    }
    numeric("%", a, b, i64::checked_rem, |x, y| x % y)
}

pub(crate) fn pow(a: &Value, b: &Value) -> CypherResult<Value> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            Ok(Value::Float(as_f64(a).powf(as_f64(b))))
        }
        _ => Err(type_mismatch("^", a, b)),
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => f64::NAN,
    }
}

pub(crate) fn neg(a: &Value) -> CypherResult<Value> {
    match a {
        Value::Null => Ok(Value::Null),
        Value::Int(i) => i.checked_neg().map(Value::Int).ok_or_else(|| arithmetic("integer overflow")),
        Value::Float(f) => Ok(Value::Float(-f)),
        other => Err(CypherError::type_error(format!("Cannot negate {}", other.type_name()))),
    }
}

pub(crate) fn to_storage(v: &Value) -> CypherResult<orbit_storage::Value> {
    use orbit_storage::Value as S;
    Ok(match v {
        Value::Null => S::Null,
        Value::Bool(b) => S::Bool(*b),
        Value::Int(i) => S::Int(*i),
        Value::Float(f) => S::Float(*f),
        Value::String(s) => S::Text(s.clone()),
        Value::Bytes(b) => S::Bytes(b.clone()),
        Value::List(l) => {
            let items = l.iter().map(to_storage).collect::<CypherResult<Vec<_>>>()?;
            if items.iter().any(|i| i.is_null() || matches!(i, S::Array(_))) {
                return Err(CypherError::type_error(
                    "Property values can only be of primitive types or arrays thereof",
                ));
            }
            S::Array(items)
        }
        other => {
            return Err(CypherError::type_error(format!(
                "Property values can only be of primitive types or arrays thereof, not {}",
                other.type_name()
            )))
        }
    })
}

pub(crate) fn from_storage(v: orbit_storage::Value) -> CypherResult<Value> {
    use orbit_storage::Value as S;
    Ok(match v {
        S::Null => Value::Null,
        S::Bool(b) => Value::Bool(b),
        S::Int(i) => Value::Int(i),
        S::Float(f) => Value::Float(f),
        S::Text(s) => Value::String(s),
        S::Bytes(b) => Value::Bytes(b),
        S::Array(items) => Value::List(items.into_iter().map(from_storage).collect::<CypherResult<_>>()?),
        other => {
            return Err(CypherError::new(
                ErrorKind::Database,
                format!("stored property of kind {} has no Cypher value", other.kind_name()),
            ))
        }
    })
}
