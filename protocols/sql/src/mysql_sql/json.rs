//! MySQL's JSON functions over JSON text: JSON_EXTRACT (and `->` / `->>`) with paths
//! `$`, `$.key`, `$."quoted key"`, `$[n]` (no wildcards), JSON_UNQUOTE, JSON_OBJECT,
//! JSON_ARRAY, JSON_TYPE, JSON_LENGTH, JSON_VALID, JSON_KEYS, JSON_QUOTE, JSON_CONTAINS,
//! JSON_SET / JSON_INSERT / JSON_REPLACE, JSON_REMOVE, JSON_MERGE_PATCH, JSON_SEARCH.

use crate::error::SqlError;
use orbit_storage::Value;
use serde_json::Value as J;

fn invalid(n: usize, f: &str) -> SqlError {
    SqlError::new(super::errors::DATA_TRUNCATED, format!("Invalid JSON text in argument {n} to function {f}")).with_mysql_errno(3141)
}

fn doc(v: &Value, n: usize, f: &str) -> Result<J, SqlError> {
    let s = super::types::as_text(v.clone());
    serde_json::from_str(&s).map_err(|_| invalid(n, f))
}

/// A SQL value as a JSON value (strings stay strings, JSON values are parsed).
fn to_json(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
        Value::Decimal(d) => d.to_string().parse::<serde_json::Number>().map(J::Number).unwrap_or(J::Null),
        Value::Json(s) => serde_json::from_str(s).unwrap_or(J::Null),
        other => J::String(super::types::as_text(other.clone())),
    }
}

enum Step {
    Key(String),
    Index(usize),
}

fn path(p: &str) -> Result<Vec<Step>, SqlError> {
    let bad = || SqlError::new(super::errors::GENERAL, format!("Invalid JSON path expression. The error is around character position {}.", p.len())).with_mysql_errno(3143);
    let rest = p.trim().strip_prefix('$').ok_or_else(bad)?;
    let c: Vec<char> = rest.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        match c[i] {
            '.' => {
                i += 1;
                if i < c.len() && c[i] == '"' {
                    let mut k = String::new();
                    i += 1;
                    while i < c.len() && c[i] != '"' {
                        k.push(c[i]);
                        i += 1;
                    }
                    i += 1;
                    out.push(Step::Key(k));
                } else {
                    let mut k = String::new();
                    while i < c.len() && c[i] != '.' && c[i] != '[' {
                        k.push(c[i]);
                        i += 1;
                    }
                    if k.is_empty() || k == "*" {
                        return Err(bad());
                    }
                    out.push(Step::Key(k));
                }
            }
            '[' => {
                let mut n = String::new();
                i += 1;
                while i < c.len() && c[i] != ']' {
                    n.push(c[i]);
                    i += 1;
                }
                i += 1;
                out.push(Step::Index(n.trim().parse().map_err(|_| bad())?));
            }
            ' ' => i += 1,
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

fn walk<'a>(mut v: &'a J, steps: &[Step]) -> Option<&'a J> {
    for s in steps {
        v = match (s, v) {
            (Step::Key(k), J::Object(m)) => m.get(k)?,
            (Step::Index(i), J::Array(a)) => a.get(*i)?,
            (Step::Index(0), other) => other,
            _ => return None,
        };
    }
    Some(v)
}

fn json_text(v: &J) -> Value {
    Value::Json(v.to_string())
}

pub fn unquote(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Json(s) => match serde_json::from_str::<J>(s) {
            Ok(J::String(t)) => Value::Text(t),
            _ => Value::Text(super::format::json(s)),
        },
        other => {
            let s = super::types::as_text(other.clone());
            match serde_json::from_str::<J>(&s) {
                Ok(J::String(t)) if s.trim_start().starts_with('"') => Value::Text(t),
                _ => Value::Text(s),
            }
        }
    }
}

pub fn call(name: &str, args: &[Value]) -> Result<Value, SqlError> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    Ok(match name {
        "json_extract" => {
            let d = doc(&arg(0), 1, "json_extract")?;
            let mut found = Vec::new();
            for p in &args[1..] {
                let steps = path(&super::types::as_text(p.clone()))?;
                if let Some(v) = walk(&d, &steps) {
                    found.push(v.clone());
                }
            }
            match (args.len(), found.len()) {
                (_, 0) => Value::Null,
                (2, _) => json_text(&found[0]),
                _ => json_text(&J::Array(found)),
            }
        }
        "json_unquote" => unquote(&arg(0)),
        "json_object" => {
            if args.len() % 2 == 1 {
                return Err(SqlError::new(super::errors::SYNTAX, "Incorrect parameter count in the call to native function 'json_object'").with_mysql_errno(1582));
            }
            let mut m = serde_json::Map::new();
            for kv in args.chunks(2) {
                if kv[0].is_null() {
                    return Err(SqlError::new(super::errors::GENERAL, "JSON documents may not contain NULL member names.").with_mysql_errno(3158));
                }
                m.insert(super::types::as_text(kv[0].clone()), to_json(&kv[1]));
            }
            json_text(&J::Object(m))
        }
        "json_array" => json_text(&J::Array(args.iter().map(to_json).collect())),
        "json_type" => Value::Text(
            match doc(&arg(0), 1, "json_type")? {
                J::Null => "NULL",
                J::Bool(_) => "BOOLEAN",
                J::Number(n) if n.is_f64() => "DOUBLE",
                J::Number(_) => "INTEGER",
                J::String(_) => "STRING",
                J::Array(_) => "ARRAY",
                J::Object(_) => "OBJECT",
            }
            .into(),
        ),
        "json_length" => {
            let d = doc(&arg(0), 1, "json_length")?;
            let v = match args.get(1) {
                Some(p) => match walk(&d, &path(&super::types::as_text(p.clone()))?) {
                    Some(v) => v.clone(),
                    None => return Ok(Value::Null),
                },
                None => d,
            };
            Value::Int(match v {
                J::Array(a) => a.len() as i64,
                J::Object(o) => o.len() as i64,
                _ => 1,
            })
        }
        "json_valid" => Value::Int(serde_json::from_str::<J>(&super::types::as_text(arg(0))).is_ok() as i64),
        "json_keys" => match doc(&arg(0), 1, "json_keys")? {
            J::Object(m) => json_text(&J::Array(m.keys().map(|k| J::String(k.clone())).collect())),
            _ => Value::Null,
        },
        "json_quote" => Value::Json(J::String(super::types::as_text(arg(0))).to_string()),
        "json_contains" => {
            let (a, b) = (doc(&arg(0), 1, "json_contains")?, doc(&arg(1), 2, "json_contains")?);
            fn contains(a: &J, b: &J) -> bool {
                match (a, b) {
                    (J::Object(x), J::Object(y)) => y.iter().all(|(k, v)| x.get(k).is_some_and(|w| contains(w, v))),
                    (J::Array(x), J::Array(y)) => y.iter().all(|v| x.iter().any(|w| contains(w, v))),
                    (J::Array(x), other) => x.iter().any(|w| contains(w, other)),
                    (x, y) => x == y,
                }
            }
            Value::Int(contains(&a, &b) as i64)
        }
        "json_set" | "json_insert" | "json_replace" => {
            let mut d = doc(&arg(0), 1, name)?;
            for pair in args[1..].chunks(2) {
                let steps = path(&super::types::as_text(pair[0].clone()))?;
                let v = pair.get(1).map(to_json).unwrap_or(J::Null);
                let exists = walk(&d, &steps).is_some();
                if (exists && name != "json_insert") || (!exists && name != "json_replace") {
                    set(&mut d, &steps, v);
                }
            }
            json_text(&d)
        }
        "json_remove" => {
            let mut d = doc(&arg(0), 1, name)?;
            for p in &args[1..] {
                let steps = path(&super::types::as_text(p.clone()))?;
                if let Some((last, parent)) = steps.split_last() {
                    match (walk_mut(&mut d, parent), last) {
                        (Some(J::Object(m)), Step::Key(k)) => {
                            m.remove(k);
                        }
                        (Some(J::Array(a)), Step::Index(i)) if *i < a.len() => {
                            a.remove(*i);
                        }
                        _ => {}
                    }
                }
            }
            json_text(&d)
        }
        "json_merge_patch" => {
            fn patch(target: J, p: J) -> J {
                match p {
                    J::Object(pm) => {
                        let mut t = match target {
                            J::Object(m) => m,
                            _ => serde_json::Map::new(),
                        };
                        for (k, v) in pm {
                            if v.is_null() {
                                t.remove(&k);
                            } else {
                                let old = t.remove(&k).unwrap_or(J::Null);
                                t.insert(k, patch(old, v));
                            }
                        }
                        J::Object(t)
                    }
                    other => other,
                }
            }
            let mut d = doc(&arg(0), 1, name)?;
            for (i, a) in args[1..].iter().enumerate() {
                d = patch(d, doc(a, i + 2, name)?);
            }
            json_text(&d)
        }
        "json_search" => {
            let d = doc(&arg(0), 1, name)?;
            let all = super::types::as_text(arg(1)).eq_ignore_ascii_case("all");
            let needle = super::types::as_text(arg(2));
            fn find(v: &J, at: String, needle: &str, out: &mut Vec<String>) {
                match v {
                    J::String(s) if like(s, needle) => out.push(at),
                    J::Array(a) => a.iter().enumerate().for_each(|(i, x)| find(x, format!("{at}[{i}]"), needle, out)),
                    J::Object(m) => m.iter().for_each(|(k, x)| find(x, format!("{at}.{k}"), needle, out)),
                    _ => {}
                }
            }
            let mut found = Vec::new();
            find(&d, "$".into(), &needle, &mut found);
            match (found.len(), all) {
                (0, _) => Value::Null,
                (_, false) | (1, true) => json_text(&J::String(found.swap_remove(0))),
                _ => json_text(&J::Array(found.into_iter().map(J::String).collect())),
            }
        }
        other => return Err(SqlError::not_supported(format!("function {other}"))),
    })
}

/// JSON_SEARCH's pattern: `%` and `_` as in LIKE (no escape character).
fn like(s: &str, pattern: &str) -> bool {
    fn go(s: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('%', rest)) => (0..=s.len()).any(|i| go(&s[i..], rest)),
            Some(('_', rest)) => !s.is_empty() && go(&s[1..], rest),
            Some((c, rest)) => s.first() == Some(c) && go(&s[1..], rest),
        }
    }
    go(&s.chars().collect::<Vec<_>>(), &pattern.chars().collect::<Vec<_>>())
}

fn walk_mut<'a>(mut v: &'a mut J, steps: &[Step]) -> Option<&'a mut J> {
    for s in steps {
        v = match (s, v) {
            (Step::Key(k), J::Object(m)) => m.get_mut(k)?,
            (Step::Index(i), J::Array(a)) => a.get_mut(*i)?,
            (Step::Index(0), other) => other,
            _ => return None,
        };
    }
    Some(v)
}

/// Puts `v` at `steps`: replaces what is there, adds a missing last key to an object
/// or appends past an array's end (JSON_SET / JSON_INSERT).
fn set(d: &mut J, steps: &[Step], v: J) {
    let Some((last, parent)) = steps.split_last() else {
        *d = v;
        return;
    };
    match (walk_mut(d, parent), last) {
        (Some(J::Object(m)), Step::Key(k)) => {
            m.insert(k.clone(), v);
        }
        (Some(J::Array(a)), Step::Index(i)) => {
            if *i < a.len() {
                a[*i] = v;
            } else {
                a.push(v);
            }
        }
        (Some(other), Step::Index(i)) if *i > 0 => {
            let first = std::mem::take(other);
            *other = J::Array(vec![first, v]);
        }
        _ => {}
    }
}
