//! JSON as values of a CQL type, the way Cassandra's types read a parsed document
//! (`AbstractType.fromJSONObject`) for INSERT JSON and `fromJson()`: numbers may also
//! come as strings, an int must be a JSON integer in range (no 1.5, no 1e6), strings are
//! read with the type's text form, blobs as `"0x.."`, collections as arrays and objects,
//! and a string where a collection, tuple or UDT is expected is itself decoded as JSON.
//! Errors are Cassandra's marshalling messages (`Unable to make int from 'dog'`,
//! `Expected an int value, but got a Double: 1.2`), which the callers wrap in the
//! statement's or the function's own words.

use super::literal::{parse_date, parse_decimal, parse_duration, parse_time, parse_timestamp, parse_uuid};
use crate::model::CqlValue;
use crate::types::CqlType;
use num_bigint::BigInt;
use serde_json::Value as Json;

/// A marshalling error's message.
pub type Marshal = Result<Option<CqlValue>, String>;

/// A JSON document, or the parser's complaint.
pub fn decode(text: &str) -> Result<Json, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// The Java class Jackson parses a JSON value to, as Cassandra's messages name it.
fn class(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "Boolean",
        Json::Number(n) => match (n.as_i64(), n.is_f64()) {
            (_, true) => "Double",
            (Some(i), _) if i32::try_from(i).is_ok() => "Integer",
            (Some(_), _) => "Long",
            (None, _) => "BigInteger",
        },
        Json::String(_) => "String",
        Json::Array(_) => "ArrayList",
        Json::Object(_) => "LinkedHashMap",
    }
}

/// The parsed value's Java `toString` (`[a, b]`, `{k=v}`, `1.0E10`).
fn text(json: &Json) -> String {
    match json {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => super::json::java_double(f),
            _ => n.to_string(),
        },
        Json::String(s) => s.clone(),
        Json::Array(items) => format!("[{}]", items.iter().map(text).collect::<Vec<_>>().join(", ")),
        Json::Object(entries) => {
            format!("{{{}}}", entries.iter().map(|(k, v)| format!("{k}={}", text(v))).collect::<Vec<_>>().join(", "))
        }
    }
}

fn expected(what: &str, json: &Json) -> String {
    format!("Expected {what}, but got a {}: {}", class(json), text(json))
}

/// An integer type's text form: empty is the empty value, else a number in range.
fn integer<T: std::str::FromStr>(s: &str, name: &str, make: impl Fn(T) -> CqlValue) -> Marshal {
    if s.is_empty() {
        return Ok(Some(CqlValue::Empty));
    }
    s.parse::<T>().map(|n| Some(make(n))).map_err(|_| format!("Unable to make {name} from '{s}'"))
}

/// A floating type's text form as Java's `Double.valueOf` reads it.
fn floating(s: &str, name: &str) -> Result<Option<f64>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let body = s.trim().trim_end_matches(['d', 'D', 'f', 'F']);
    let number = match body.trim_start_matches(['+', '-']) {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(if body.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
        digits if digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) => {
            body.parse::<f64>().ok()
        }
        _ => None,
    };
    number.map(Some).ok_or_else(|| format!("Unable to make {name} from '{s}'"))
}

/// A string where a collection, tuple or UDT is expected, decoded as JSON.
fn nested(json: &Json) -> Result<std::borrow::Cow<'_, Json>, String> {
    match json {
        Json::String(s) => {
            decode(s).map(std::borrow::Cow::Owned).map_err(|e| format!("Error decoding JSON string: {e}"))
        }
        other => Ok(std::borrow::Cow::Borrowed(other)),
    }
}

/// A JSON object key with Cassandra's case rules: `"\"Name\""` keeps its case, other
/// keys are lower-cased.
pub fn unquote_key(key: &str) -> String {
    match key.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
        Some(quoted) => quoted.to_string(),
        None => key.to_lowercase(),
    }
}

/// `json` as a value of `ty`; `None` for JSON null.
pub fn value(json: &Json, ty: &CqlType) -> Marshal {
    use CqlType as T;
    if json.is_null() {
        return Ok(None);
    }
    let ty = ty.unfrozen();
    let string = json.as_str();
    let with = |v: Result<CqlValue, crate::error::CqlError>| v.map(Some).map_err(|e| e.message().to_string());
    match ty {
        T::Ascii => {
            let s = string.ok_or_else(|| expected("an ascii string", json))?;
            if !s.is_ascii() {
                return Err("Invalid ASCII character in string literal: \
                            java.nio.charset.UnmappableCharacterException: Input length = 1"
                    .into());
            }
            Ok(Some(CqlValue::Ascii(s.to_string())))
        }
        T::Text => Ok(Some(CqlValue::Text(string.ok_or_else(|| expected("a UTF-8 string", json))?.to_string()))),
        T::Int | T::Bigint | T::Counter => {
            let (name, article) = if *ty == T::Int { ("int", "an int") } else { ("long", "a bigint") };
            if let Some(s) = string {
                return if *ty == T::Int {
                    integer(s, name, CqlValue::Int)
                } else {
                    integer(s, name, |n| if *ty == T::Counter { CqlValue::Counter(n) } else { CqlValue::Bigint(n) })
                };
            }
            let n = match json {
                Json::Number(n) if !n.is_f64() => n.as_i64(),
                _ => None,
            };
            match (n, ty) {
                (Some(n), T::Int) => match i32::try_from(n) {
                    Ok(v) => Ok(Some(CqlValue::Int(v))),
                    Err(_) => Err(expected(&format!("{article} value"), json)),
                },
                (Some(n), T::Counter) => Ok(Some(CqlValue::Counter(n))),
                (Some(n), _) => Ok(Some(CqlValue::Bigint(n))),
                (None, _) => Err(expected(&format!("{article} value"), json)),
            }
        }
        T::Smallint | T::Tinyint => {
            let (name, what) = if *ty == T::Smallint { ("short", "a short value") } else { ("byte", "a byte value") };
            let s = match json {
                Json::String(s) => s.clone(),
                Json::Number(_) => text(json),
                _ => return Err(expected(what, json)),
            };
            if *ty == T::Smallint {
                integer(&s, name, CqlValue::Smallint)
            } else {
                integer(&s, name, CqlValue::Tinyint)
            }
        }
        T::Varint => text(json)
            .parse::<BigInt>()
            .map(|n| Some(CqlValue::Varint(n)))
            .map_err(|_| format!("Value '{}' is not a valid representation of a varint value", text(json))),
        T::Decimal => {
            let s = text(json);
            if s.is_empty() {
                return Ok(Some(CqlValue::Empty));
            }
            match (json, parse_decimal(&s)) {
                (Json::String(_) | Json::Number(_), Some((unscaled, scale))) => {
                    Ok(Some(CqlValue::Decimal { unscaled, scale }))
                }
                _ => Err(format!("Value '{s}' is not a valid representation of a decimal value")),
            }
        }
        T::Double | T::Float => {
            let (name, what) = if *ty == T::Double { ("double", "a double value") } else { ("float", "a float value") };
            let f = match json {
                Json::String(s) => floating(s, name)?,
                Json::Number(n) => n.as_f64(),
                _ => return Err(expected(what, json)),
            };
            Ok(Some(match f {
                None => CqlValue::Empty,
                Some(f) if *ty == T::Double => CqlValue::Double(f),
                Some(f) => CqlValue::Float(f as f32),
            }))
        }
        T::Boolean => match json {
            Json::Bool(b) => Ok(Some(CqlValue::Boolean(*b))),
            Json::String(s) if s.is_empty() || s.eq_ignore_ascii_case("false") => Ok(Some(CqlValue::Boolean(false))),
            Json::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(CqlValue::Boolean(true))),
            Json::String(s) => Err(format!("Unable to make boolean from '{s}'")),
            _ => Err(expected("a boolean value", json)),
        },
        T::Blob => {
            let bad = |why: String| format!("Value '{}' is not a valid blob representation: {why}", text(json));
            let s = string.ok_or_else(|| bad(format!("{} cannot be cast to String", class(json))))?;
            let hex = s
                .strip_prefix("0x")
                .ok_or_else(|| bad(format!("String representation of blob is missing 0x prefix: {s}")))?;
            let cannot = || bad(format!("cannot parse '{hex}' as hex bytes"));
            if hex.len() % 2 != 0 {
                return Err(cannot());
            }
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| hex.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()).ok_or_else(cannot))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some(CqlValue::Blob(bytes)))
        }
        T::Timestamp => match json {
            Json::Number(n) if !n.is_f64() => n
                .as_i64()
                .map(|ms| Some(CqlValue::Timestamp(ms)))
                .ok_or_else(|| expected("a long or a datestring representation of a timestamp value", json)),
            Json::String(s) if s.is_empty() => Ok(Some(CqlValue::Empty)),
            Json::String(s) => with(parse_timestamp(s).map(CqlValue::Timestamp)),
            _ => Err(expected("a long or a datestring representation of a timestamp value", json)),
        },
        T::Date => {
            let s = string.ok_or_else(|| expected("a string representation of a date value", json))?;
            with(parse_date(s).map(CqlValue::Date))
        }
        T::Time => {
            let s = string.ok_or_else(|| expected("a string representation of a time value", json))?;
            with(parse_time(s).map(CqlValue::Time))
        }
        T::Uuid | T::Timeuuid => {
            let what = if *ty == T::Uuid {
                "a string representation of a uuid"
            } else {
                "a string representation of a timeuuid"
            };
            let s = string.ok_or_else(|| expected(what, json))?;
            if s.is_empty() {
                return Ok(Some(CqlValue::Empty));
            }
            let u = parse_uuid(s).map_err(|e| {
                if *ty == T::Uuid {
                    e.message().to_string()
                } else {
                    format!("Unknown timeuuid representation: {s}")
                }
            })?;
            if *ty == T::Uuid {
                return Ok(Some(CqlValue::Uuid(u)));
            }
            if u[6] >> 4 != 1 {
                return Err("TimeUUID supports only version 1 UUIDs".into());
            }
            Ok(Some(CqlValue::Timeuuid(u)))
        }
        T::Inet => {
            let s = string.ok_or_else(|| expected("a string representation of an inet value", json))?;
            if s.is_empty() {
                return Ok(Some(CqlValue::Empty));
            }
            s.parse().map(|ip| Some(CqlValue::Inet(ip))).map_err(|_| format!("Unable to make inet address from '{s}'"))
        }
        T::Duration => {
            let s = string.ok_or_else(|| expected("a string representation of a duration", json))?;
            let (months, days, nanos) = parse_duration(s).map_err(|e| e.message().to_string())?;
            Ok(Some(CqlValue::Duration { months, days, nanos }))
        }
        T::List(element) | T::Set(element) => {
            let is_set = matches!(ty, T::Set(_));
            let doc = nested(json)?;
            let Json::Array(items) = doc.as_ref() else {
                let what = if is_set { "a list (representing a set)" } else { "a list" };
                return Err(expected(what, doc.as_ref()));
            };
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                let missing = || format!("Invalid null element in {}", if is_set { "set" } else { "list" });
                values.push(value(item, element)?.ok_or_else(missing)?);
            }
            Ok(Some(if is_set { CqlValue::set(values) } else { CqlValue::List(values) }))
        }
        T::Map(kt, vt) => {
            let doc = nested(json)?;
            let Json::Object(entries) = doc.as_ref() else { return Err(expected("a map", doc.as_ref())) };
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let key = value(&Json::String(k.clone()), kt)?.ok_or("Invalid null key in map")?;
                let val = value(v, vt)?.ok_or("Invalid null value in map")?;
                out.push((key, val));
            }
            Ok(Some(CqlValue::map(out)))
        }
        T::Tuple(types) => {
            let doc = nested(json)?;
            let Json::Array(items) = doc.as_ref() else {
                return Err(expected("a list representation of a tuple", doc.as_ref()));
            };
            if items.len() != types.len() {
                let how = if items.len() > types.len() { "contains extra" } else { "is missing" };
                return Err(format!("Tuple {how} items (expected {}): {}", types.len(), text(doc.as_ref())));
            }
            let values = items.iter().zip(types).map(|(j, t)| value(j, t)).collect::<Result<Vec<_>, _>>()?;
            Ok(Some(CqlValue::Tuple(values)))
        }
        T::Udt { name, fields, .. } => {
            let doc = nested(json)?;
            let Json::Object(given) = doc.as_ref() else { return Err(expected("a map", doc.as_ref())) };
            let given: Vec<(String, &Json)> = given.iter().map(|(k, v)| (unquote_key(k), v)).collect();
            if let Some((unknown, _)) = given.iter().find(|(k, _)| !fields.iter().any(|(f, _)| f == k)) {
                return Err(format!("Unknown field '{unknown}' in value of user defined type {name}"));
            }
            let mut values = Vec::with_capacity(fields.len());
            for (field, field_ty) in fields {
                let found = given.iter().find(|(k, _)| k == field).map(|(_, v)| *v);
                values.push((field.clone(), found.map(|j| value(j, field_ty)).transpose()?.flatten()));
            }
            Ok(Some(CqlValue::Udt(values)))
        }
        T::UdtRef { name, .. } => Err(format!("type {name} was not resolved")),
        T::Frozen(_) => Err("nested frozen type".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str, ty: &CqlType) -> Marshal {
        value(&decode(json).unwrap(), ty)
    }

    #[test]
    fn numbers_follow_cassandras_rules() {
        assert_eq!(read("123123", &CqlType::Int), Ok(Some(CqlValue::Int(123_123))));
        assert_eq!(read("\"123123\"", &CqlType::Int), Ok(Some(CqlValue::Int(123_123))));
        assert_eq!(read("\"dog\"", &CqlType::Int), Err("Unable to make int from 'dog'".into()));
        assert_eq!(read("1.2", &CqlType::Int), Err("Expected an int value, but got a Double: 1.2".into()));
        assert_eq!(read("1e6", &CqlType::Int), Err("Expected an int value, but got a Double: 1000000.0".into()));
        assert_eq!(read("2147483648", &CqlType::Int), Err("Expected an int value, but got a Long: 2147483648".into()));
        assert_eq!(read("true", &CqlType::Int), Err("Expected an int value, but got a Boolean: true".into()));
        assert_eq!(read("9223372036854775807", &CqlType::Bigint), Ok(Some(CqlValue::Bigint(i64::MAX))));
        assert!(read("9223372036854775808", &CqlType::Bigint).unwrap_err().starts_with("Expected a bigint value"));
        assert_eq!(read("128", &CqlType::Tinyint), Err("Unable to make byte from '128'".into()));
        assert_eq!(read("\"32767\"", &CqlType::Smallint), Ok(Some(CqlValue::Smallint(32767))));
        assert_eq!(read("\"\"", &CqlType::Int), Ok(Some(CqlValue::Empty)));
        assert_eq!(
            read("\"1234567890123456789012345678901234567890\"", &CqlType::Varint),
            Ok(Some(CqlValue::Varint("1234567890123456789012345678901234567890".parse().unwrap())))
        );
        assert_eq!(
            read("123123.123", &CqlType::Varint),
            Err("Value '123123.123' is not a valid representation of a varint value".into())
        );
        assert_eq!(
            read("\"-1.23E-12\"", &CqlType::Decimal),
            Ok(Some(CqlValue::Decimal { unscaled: BigInt::from(-123), scale: 14 }))
        );
        assert!(read("true", &CqlType::Decimal).is_err());
        assert_eq!(read("\"123123\"", &CqlType::Double), Ok(Some(CqlValue::Double(123_123.0))));
        assert_eq!(read("\"xyzz\"", &CqlType::Float), Err("Unable to make float from 'xyzz'".into()));
    }

    #[test]
    fn strings_blobs_and_times() {
        assert_eq!(read("\"fALSe\"", &CqlType::Boolean), Ok(Some(CqlValue::Boolean(false))));
        assert_eq!(read("123", &CqlType::Boolean), Err("Expected a boolean value, but got a Integer: 123".into()));
        assert_eq!(read("3", &CqlType::Ascii), Err("Expected an ascii string, but got a Integer: 3".into()));
        assert!(read("\"שלום\"", &CqlType::Ascii).unwrap_err().starts_with("Invalid ASCII character"));
        assert_eq!(read("\"0x00000001\"", &CqlType::Blob), Ok(Some(CqlValue::Blob(vec![0, 0, 0, 1]))));
        assert_eq!(
            read("\"0x123\"", &CqlType::Blob),
            Err("Value '0x123' is not a valid blob representation: cannot parse '123' as hex bytes".into())
        );
        assert_eq!(read("\"xyz\"", &CqlType::Date), Err("Unable to coerce 'xyz' to a formatted date (long)".into()));
        assert_eq!(read("123123123123", &CqlType::Timestamp), Ok(Some(CqlValue::Timestamp(123_123_123_123))));
        assert_eq!(
            read("\"2014-01-01 12:15:45+0000\"", &CqlType::Timestamp),
            Ok(Some(CqlValue::Timestamp(1_388_578_545_000)))
        );
        assert!(read("123.456", &CqlType::Timestamp).is_err());
        assert_eq!(
            read("\"00000000-0000-0000-0000-000000000000\"", &CqlType::Timeuuid),
            Err("TimeUUID supports only version 1 UUIDs".into())
        );
        assert_eq!(read("\"P2W\"", &CqlType::Duration), Ok(Some(CqlValue::Duration { months: 0, days: 14, nanos: 0 })));
    }

    #[test]
    fn collections_tuples_and_udts() {
        let list = CqlType::List(Box::new(CqlType::Int));
        assert_eq!(read("[1, 2]", &list), Ok(Some(CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)]))));
        assert_eq!(read("[null]", &list), Err("Invalid null element in list".into()));
        assert_eq!(read("\"[3]\"", &list), Ok(Some(CqlValue::List(vec![CqlValue::Int(3)]))));
        assert_eq!(read("123", &list), Err("Expected a list, but got a Integer: 123".into()));
        let map = CqlType::Map(Box::new(CqlType::Int), Box::new(CqlType::Int));
        assert_eq!(read("{\"17\": 3}", &map), Ok(Some(CqlValue::Map(vec![(CqlValue::Int(17), CqlValue::Int(3))]))));
        assert_eq!(read("{\"1\": null}", &map), Err("Invalid null value in map".into()));
        let tuple = CqlType::Tuple(vec![CqlType::Int, CqlType::Text]);
        assert_eq!(read("[1, null]", &tuple), Ok(Some(CqlValue::Tuple(vec![Some(CqlValue::Int(1)), None]))));
        assert_eq!(read("[1]", &tuple), Err("Tuple is missing items (expected 2): [1]".into()));
        assert_eq!(read("[1, \"a\", 2]", &tuple), Err("Tuple contains extra items (expected 2): [1, a, 2]".into()));
        let udt = CqlType::Udt {
            keyspace: "ks".into(),
            name: "u".into(),
            fields: vec![("a".into(), CqlType::Int), ("B".into(), CqlType::Text)],
        };
        assert_eq!(
            read("{\"A\": 1, \"\\\"B\\\"\": \"x\"}", &udt),
            Ok(Some(CqlValue::Udt(vec![
                ("a".into(), Some(CqlValue::Int(1))),
                ("B".into(), Some(CqlValue::Text("x".into())))
            ])))
        );
        assert_eq!(read("{\"xxx\": 1}", &udt), Err("Unknown field 'xxx' in value of user defined type u".into()));
        assert!(decode("dog").is_err());
    }
}
