//! Conversions: toInteger, toFloat, toBoolean and their `...OrNull` forms, and valueType.
//! Strings that do not parse give null; a string that is a float converts to an integer by
//! truncation (`toInteger('42.5')` is 42); booleans convert to integers (1/0) and from
//! integers (0 is false) but not to or from floats; other types are TypeErrors, or null for
//! the `...OrNull` forms.

use super::wrong_type;
use crate::error::CypherResult;
use crate::value::Value;

/// Java's narrowing of a double to a long: truncation, saturating, NaN to 0.
fn float_to_int(f: f64) -> i64 {
    if f.is_nan() {
        0
    } else {
        f as i64
    }
}

fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    if body.is_empty() {
        return None;
    }
    if body.eq_ignore_ascii_case("nan") || body.to_ascii_lowercase().starts_with("inf") {
        return match body {
            "NaN" if t == "NaN" => Some(f64::NAN),
            "Infinity" => t.parse::<f64>().ok(),
            _ => None,
        };
    }
    let body = body.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(body);
    if !body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    let sign = if t.starts_with('-') { "-" } else { "" };
    format!("{sign}{body}").parse().ok()
}

fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(i);
    }
    parse_float(t).filter(|f| f.is_finite()).map(float_to_int)
}

fn to_integer(v: &Value) -> Option<Option<Value>> {
    Some(match v {
        Value::Null => None,
        Value::Int(i) => Some(Value::Int(*i)),
        Value::Float(f) => Some(Value::Int(float_to_int(*f))),
        Value::Bool(b) => Some(Value::Int(i64::from(*b))),
        Value::String(s) => parse_int(s).map(Value::Int),
        _ => return None,
    })
}

fn to_float(v: &Value) -> Option<Option<Value>> {
    Some(match v {
        Value::Null => None,
        Value::Int(i) => Some(Value::Float(*i as f64)),
        Value::Float(f) => Some(Value::Float(*f)),
        Value::String(s) => parse_float(s).map(Value::Float),
        _ => return None,
    })
}

fn to_boolean(v: &Value) -> Option<Option<Value>> {
    Some(match v {
        Value::Null => None,
        Value::Bool(b) => Some(Value::Bool(*b)),
        Value::Int(i) => Some(Value::Bool(*i != 0)),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => return None,
    })
}

fn element_type(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_string(),
        other => format!("{} NOT NULL", value_type_name(other)),
    }
}

fn value_type_name(v: &Value) -> String {
    match v {
        Value::List(items) => {
            let mut types: Vec<String> = items.iter().map(element_type).collect();
            types.sort();
            types.dedup();
            let inner = match types.len() {
                0 => "NOTHING".to_string(),
                1 => types.remove(0),
                _ if types.iter().any(|t| t == "NULL") => "ANY".to_string(),
                _ => "ANY NOT NULL".to_string(),
            };
            format!("LIST<{inner}>")
        }
        Value::Path(_) => "PATH".to_string(),
        other => other.type_name().to_string(),
    }
}

/// `valueType(x)` as Neo4j names types (`INTEGER NOT NULL`, `LIST<STRING NOT NULL> NOT NULL`).
pub fn value_type(v: &Value) -> String {
    element_type(v)
}

/// A conversion: the converted value (None for null), or None when the type does not convert.
type Conversion = fn(&Value) -> Option<Option<Value>>;

pub(super) fn call(name: &str, args: &[Value]) -> Option<CypherResult<Value>> {
    let (convert, or_null, expected): (Conversion, bool, &str) = match name {
        "tointeger" => (to_integer, false, "a String, Float, Integer or Boolean"),
        "tointegerornull" => (to_integer, true, ""),
        "tofloat" => (to_float, false, "a String, Float or Integer"),
        "tofloatornull" => (to_float, true, ""),
        "toboolean" => (to_boolean, false, "a String, Integer or Boolean"),
        "tobooleanornull" => (to_boolean, true, ""),
        "valuetype" => return Some(Ok(Value::String(value_type(&args[0])))),
        _ => return None,
    };
    let v = &args[0];
    Some(match convert(v) {
        Some(result) => Ok(result.unwrap_or(Value::Null)),
        None if or_null => Ok(Value::Null),
        None => Err(wrong_type(name, expected, v)),
    })
}
