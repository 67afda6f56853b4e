//! AQL's order of values: null < bool < number < string < array < object; false < true;
//! numbers by value (1 == 1.0); strings by ArangoDB's collation ([`collation`]: an ICU
//! root collator with upper case first, approximated; distinct strings never compare
//! equal); arrays element by element with a missing element as null; objects by their
//! attribute names in sorted order, a missing attribute as null.

pub mod collation;

use super::Value;
use std::cmp::Ordering;

fn rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::Double(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

fn numbers(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        _ => {
            let x = a.as_f64().unwrap_or(0.0);
            let y = b.as_f64().unwrap_or(0.0);
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

const NULL: Value = Value::Null;

pub fn compare(a: &Value, b: &Value) -> Ordering {
    let (ra, rb) = (rank(a), rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => collation::collate(x, y),
        (Value::Array(x), Value::Array(y)) => {
            let n = x.len().max(y.len());
            for i in 0..n {
                let o = compare(x.get(i).unwrap_or(&NULL), y.get(i).unwrap_or(&NULL));
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut names: Vec<&String> = x.keys().chain(y.keys()).collect();
            names.sort();
            names.dedup();
            for name in names {
                let o = compare(x.get(name).unwrap_or(&NULL), y.get(name).unwrap_or(&NULL));
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }
        _ => numbers(a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_order_and_numbers() {
        let order = [
            Value::Null,
            Value::Bool(false),
            Value::Bool(true),
            Value::Int(-1),
            Value::Double(0.5),
            Value::Int(1),
            Value::str(""),
            Value::str("a"),
            Value::Array(vec![]),
            Value::Array(vec![Value::Int(1)]),
            Value::object([("a", Value::Int(1))]),
        ];
        for w in order.windows(2) {
            assert_eq!(compare(&w[0], &w[1]), Ordering::Less, "{:?} < {:?}", w[0], w[1]);
        }
        assert_eq!(compare(&Value::Int(1), &Value::Double(1.0)), Ordering::Equal);
        assert_eq!(
            compare(&Value::Array(vec![Value::Null]), &Value::Array(vec![])),
            Ordering::Equal,
            "a missing element compares as null"
        );
    }
}
