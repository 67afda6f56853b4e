//! AQL's implicit and explicit conversions (TO_BOOL, TO_NUMBER, TO_STRING, TO_ARRAY).

use super::json;
use super::Value;

/// Truthiness: null, false, 0, "" are false; every array and object is true.
pub fn to_bool(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Double(d) => *d != 0.0,
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// TO_NUMBER: null/false 0, true 1, a numeric string its value (else 0), an empty array
/// 0, an array of one element that element's number, other arrays and objects 0.
pub fn to_number(v: &Value) -> Value {
    match v {
        Value::Null => Value::Int(0),
        Value::Bool(b) => Value::Int(*b as i64),
        Value::Int(_) | Value::Double(_) => v.clone(),
        Value::String(s) => string_number(s).unwrap_or(Value::Int(0)),
        Value::Array(a) => match a.as_slice() {
            [] => Value::Int(0),
            [one] => to_number(one),
            _ => Value::Int(0),
        },
        Value::Object(_) => Value::Int(0),
    }
}

/// The number a string spells (leading/trailing whitespace allowed), None otherwise.
pub fn string_number(s: &str) -> Option<Value> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::Int(i));
    }
    let valid = t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if !valid {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite()).map(Value::Double)
}

/// The number as f64 after TO_NUMBER.
pub fn to_f64(v: &Value) -> f64 {
    to_number(v).as_f64().unwrap_or(0.0)
}

/// TO_STRING: null "", booleans "true"/"false", numbers as ArangoDB prints them, strings
/// themselves, arrays and objects as JSON.
pub fn to_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => json::to_json_string(other),
    }
}

/// TO_ARRAY: null [], an array itself, an object its values, anything else [value].
pub fn to_array(v: &Value) -> Vec<Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(a) => a.clone(),
        Value::Object(o) => o.values().cloned().collect(),
        other => vec![other.clone()],
    }
}
