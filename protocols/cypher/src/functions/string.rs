//! String functions: case, trimming (whitespace or a set of characters), replace,
//! substring/left/right (counted in characters), split (by a string or a list of
//! strings), reverse, toString, size and its aliases, and normalize (ASCII text only: it
//! is already in every normal form; other text answers NotSupported, as there is no
//! Unicode table in the tree).

use super::wrong_type;
use crate::error::{CypherError, CypherResult};
use crate::value::format::to_cypher_string;
use crate::value::Value;

fn string_arg<'a>(function: &str, v: &'a Value) -> CypherResult<&'a str> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(wrong_type(function, "a String", other)),
    }
}

fn int_arg(function: &str, v: &Value) -> CypherResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(wrong_type(function, "an Integer", other)),
    }
}

fn non_negative(function: &str, what: &str, i: i64) -> CypherResult<usize> {
    usize::try_from(i).map_err(|_| {
        CypherError::argument(format!("Invalid input for function '{function}()': {what} must not be negative: {i}"))
    })
}

fn trim(function: &str, args: &[Value], left: bool, right: bool) -> CypherResult<Value> {
    let s = string_arg(function, &args[0])?;
    let chars: Option<Vec<char>> = match args.get(1) {
        None => None,
        Some(v) => Some(string_arg(function, v)?.chars().collect()),
    };
    let strip = |c: char| match &chars {
        None => c.is_whitespace(),
        Some(set) => set.contains(&c),
    };
    let mut out = s;
    if left {
        out = out.trim_start_matches(strip);
    }
    if right {
        out = out.trim_end_matches(strip);
    }
    Ok(Value::String(out.to_string()))
}

fn substring(args: &[Value]) -> CypherResult<Value> {
    let s = string_arg("substring", &args[0])?;
    let start = non_negative("substring", "start", int_arg("substring", &args[1])?)?;
    let length = match args.get(2) {
        Some(v) => Some(non_negative("substring", "length", int_arg("substring", v)?)?),
        None => None,
    };
    let rest = s.chars().skip(start);
    Ok(Value::String(match length {
        Some(n) => rest.take(n).collect(),
        None => rest.collect(),
    }))
}

fn split(args: &[Value]) -> CypherResult<Value> {
    let s = string_arg("split", &args[0])?;
    let delimiters: Vec<&str> = match &args[1] {
        Value::String(d) => vec![d.as_str()],
        Value::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Null => return Ok(Value::Null),
                    other => out.push(string_arg("split", other)?),
                }
            }
            out
        }
        other => return Err(wrong_type("split", "a String or a List of Strings", other)),
    };
    if delimiters.iter().all(|d| d.is_empty()) {
        return Ok(Value::List(s.chars().map(|c| Value::String(c.to_string())).collect()));
    }
    let mut parts = Vec::new();
    let mut current = 0;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        match delimiters.iter().filter(|d| !d.is_empty()).find(|d| rest.starts_with(**d)) {
            Some(d) => {
                parts.push(Value::String(s[current..i].to_string()));
                i += d.len();
                current = i;
            }
            None => i += rest.chars().next().map(char::len_utf8).unwrap_or(1),
        }
    }
    parts.push(Value::String(s[current..].to_string()));
    Ok(Value::List(parts))
}

fn to_string(v: &Value) -> Option<Value> {
    match v {
        Value::List(_) | Value::Map(_) | Value::Node(_) | Value::Relationship(_) | Value::Path(_) | Value::Bytes(_) => {
            None
        }
        other => Some(Value::String(to_cypher_string(other))),
    }
}

pub(super) fn call(name: &str, args: &[Value]) -> Option<CypherResult<Value>> {
    let nullable = !matches!(name, "tostringornull");
    if nullable && args.first().is_some_and(Value::is_null) {
        let known = [
            "toupper",
            "upper",
            "tolower",
            "lower",
            "trim",
            "ltrim",
            "rtrim",
            "btrim",
            "replace",
            "substring",
            "left",
            "right",
            "split",
            "reverse",
            "tostring",
            "size",
            "char_length",
            "character_length",
            "normalize",
        ];
        return known.contains(&name).then_some(Ok(Value::Null));
    }
    let null_in_rest = args.iter().skip(1).any(Value::is_null);
    if null_in_rest
        && ["trim", "ltrim", "rtrim", "btrim", "replace", "substring", "left", "right", "normalize"].contains(&name)
    {
        return Some(Ok(Value::Null));
    }
    if name == "split" && args.get(1).is_some_and(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    Some(match name {
        "toupper" | "upper" => string_arg(name, &args[0]).map(|s| Value::String(s.to_uppercase())),
        "tolower" | "lower" => string_arg(name, &args[0]).map(|s| Value::String(s.to_lowercase())),
        "trim" | "btrim" => trim(name, args, true, true),
        "ltrim" => trim(name, args, true, false),
        "rtrim" => trim(name, args, false, true),
        "replace" => (|| {
            let s = string_arg(name, &args[0])?;
            let from = string_arg(name, &args[1])?;
            let to = string_arg(name, &args[2])?;
            Ok(Value::String(s.replace(from, to)))
        })(),
        "substring" => substring(args),
        "left" | "right" => (|| {
            let s = string_arg(name, &args[0])?;
            let n = non_negative(name, "length", int_arg(name, &args[1])?)?;
            let count = s.chars().count();
            Ok(Value::String(if name == "left" {
                s.chars().take(n).collect()
            } else {
                s.chars().skip(count.saturating_sub(n)).collect()
            }))
        })(),
        "split" => split(args),
        "reverse" => match &args[0] {
            Value::String(s) => Ok(Value::String(s.chars().rev().collect())),
            Value::List(items) => Ok(Value::List(items.iter().rev().cloned().collect())),
            other => Err(wrong_type(name, "a String or a List", other)),
        },
        "tostring" => to_string(&args[0])
            .ok_or_else(|| wrong_type(name, "a String, Number, Boolean, temporal or spatial value", &args[0])),
        "tostringornull" => Ok(to_string(&args[0]).unwrap_or(Value::Null)),
        "size" => match &args[0] {
            Value::String(s) => Ok(Value::Int(s.chars().count() as i64)),
            Value::List(items) => Ok(Value::Int(items.len() as i64)),
            other => Err(wrong_type(name, "a String or a List", other)),
        },
        "char_length" | "character_length" => string_arg(name, &args[0]).map(|s| Value::Int(s.chars().count() as i64)),
        "normalize" => (|| {
            let s = string_arg(name, &args[0])?;
            if let Some(form) = args.get(1) {
                let form = string_arg(name, form)?.to_ascii_uppercase();
                if !["NFC", "NFD", "NFKC", "NFKD"].contains(&form.as_str()) {
                    return Err(CypherError::argument(format!("Unknown normal form '{form}'")));
                }
            }
            if s.is_ascii() {
                Ok(Value::String(s.to_string()))
            } else {
                Err(CypherError::not_supported("normalize() of non-ASCII text is not supported"))
            }
        })(),
        _ => return None,
    })
}
