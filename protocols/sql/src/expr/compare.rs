//! Ordering and equality of values: numbers compare across integer, numeric and float;
//! text compares bytewise (the C collation); NULL handling is the caller's (three-valued
//! logic in eval, "NULLs largest" in sorting).

use bigdecimal::{BigDecimal, FromPrimitive};
use orbit_storage::Value;
use std::cmp::Ordering;

fn float_cmp(a: f64, b: f64) -> Ordering {
    // PostgreSQL: NaN equals NaN and sorts above every other value.
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

fn dec_float_cmp(d: &BigDecimal, f: f64) -> Ordering {
    if f.is_nan() {
        return Ordering::Less;
    }
    if f.is_infinite() {
        return if f > 0.0 { Ordering::Less } else { Ordering::Greater };
    }
    match BigDecimal::from_f64(f) {
        Some(fd) => d.cmp(&fd),
        None => Ordering::Equal,
    }
}

/// Compares two non-NULL values; `None` when they are not comparable.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    Some(match (a, b) {
        (Int(x), Int(y)) => x.cmp(y),
        (Int(x), Float(y)) => float_cmp(*x as f64, *y),
        (Float(x), Int(y)) => float_cmp(*x, *y as f64),
        (Float(x), Float(y)) => float_cmp(*x, *y),
        (Int(x), Decimal(y)) => BigDecimal::from(*x).cmp(y),
        (Decimal(x), Int(y)) => x.cmp(&BigDecimal::from(*y)),
        (Decimal(x), Decimal(y)) => x.cmp(y),
        (Decimal(x), Float(y)) => dec_float_cmp(x, *y),
        (Float(x), Decimal(y)) => dec_float_cmp(y, *x).reverse(),
        (Text(x), Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Bool(x), Bool(y)) => x.cmp(y),
        (Bytes(x), Bytes(y)) => x.cmp(y),
        (Date(x), Date(y)) => x.cmp(y),
        (Time(x), Time(y)) => x.cmp(y),
        (Timestamp(x) | TimestampTz(x), Timestamp(y) | TimestampTz(y)) => x.cmp(y),
        (Date(x), Timestamp(y) | TimestampTz(y)) => crate::format::date_to_micros(*x).cmp(y),
        (Timestamp(x) | TimestampTz(x), Date(y)) => x.cmp(&crate::format::date_to_micros(*y)),
        (Interval(x), Interval(y)) => x.total_micros().cmp(&y.total_micros()),
        (Uuid(x), Uuid(y)) => x.cmp(y),
        (Json(x), Json(y)) => x.cmp(y),
        (Array(x), Array(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let o = sort_cmp(p, q);
                if o != Ordering::Equal {
                    return Some(o);
                }
            }
            x.len().cmp(&y.len())
        }
        _ => return None,
    })
}

/// Total order for sorting and grouping: NULLs last (largest), incomparable kinds by kind.
pub fn sort_cmp(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => compare(a, b).unwrap_or_else(|| a.kind_name().cmp(b.kind_name())),
    }
}

/// A hashable key for grouping, DISTINCT and hash joins: equal values (1, 1.0, 1.00)
/// give equal keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HashKey {
    Null,
    Num(String),
    Text(String),
    Bytes(Vec<u8>),
    Other(String),
}

pub fn hash_key(v: &Value) -> HashKey {
    match v {
        Value::Null => HashKey::Null,
        Value::Int(i) => HashKey::Num(i.to_string()),
        Value::Decimal(d) => {
            let n = d.normalized();
            match n.to_string() {
                s if s == "0" || s.starts_with("0E") || s.starts_with("0e") => HashKey::Num("0".into()),
                _ => {
                    if n.is_integer() {
                        HashKey::Num(n.with_scale(0).to_string())
                    } else {
                        HashKey::Num(n.to_plain_string())
                    }
                }
            }
        }
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9e15 {
                HashKey::Num((*f as i64).to_string())
            } else if let Some(d) = BigDecimal::from_f64(*f) {
                HashKey::Num(d.normalized().to_plain_string())
            } else {
                HashKey::Num(format!("{f}"))
            }
        }
        Value::Text(s) => HashKey::Text(s.clone()),
        Value::Bytes(b) => HashKey::Bytes(b.clone()),
        Value::Date(d) => HashKey::Other(format!("ts{}", crate::format::date_to_micros(*d))),
        Value::Timestamp(t) | Value::TimestampTz(t) => HashKey::Other(format!("ts{t}")),
        other => HashKey::Other(format!("{other:?}")),
    }
}

pub fn row_key(values: &[Value]) -> Vec<HashKey> {
    values.iter().map(hash_key).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_kind_numbers() {
        assert_eq!(compare(&Value::Int(1), &Value::Float(1.5)), Some(Ordering::Less));
        assert_eq!(compare(&Value::Decimal("2.50".parse().unwrap()), &Value::Int(2)), Some(Ordering::Greater));
        assert_eq!(hash_key(&Value::Int(2)), hash_key(&Value::Decimal("2.00".parse().unwrap())));
        assert_eq!(hash_key(&Value::Float(2.0)), hash_key(&Value::Int(2)));
        assert_eq!(sort_cmp(&Value::Null, &Value::Int(1)), Ordering::Greater);
        assert_eq!(compare(&Value::Text("B".into()), &Value::Text("a".into())), Some(Ordering::Less));
    }
}
