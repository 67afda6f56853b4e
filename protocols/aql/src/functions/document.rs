//! AQL's object and document functions: attribute names and values, HAS, KEEP/UNSET
//! (flat and recursive), MERGE (flat and recursive), ZIP, ENTRIES, VALUE, MATCHES,
//! TRANSLATE and the document-handle helpers (PARSE_IDENTIFIER, PARSE_KEY,
//! PARSE_COLLECTION, IS_SAME_COLLECTION).

use super::{def, Args, Def, VARIADIC};
use crate::error::AqlResult;
use crate::value::{cast, compare::compare, Object, Value};
use std::collections::HashSet;

pub(super) const DEFS: &[Def] = &[
    def("ATTRIBUTES", 1, 3, attributes),
    def("KEYS", 1, 3, attributes),
    def("VALUES", 1, 2, values),
    def("HAS", 2, 2, has),
    def("KEEP", 2, VARIADIC, |a| filter_names(a, true, false)),
    def("KEEP_RECURSIVE", 2, VARIADIC, |a| filter_names(a, true, true)),
    def("UNSET", 2, VARIADIC, |a| filter_names(a, false, false)),
    def("UNSET_RECURSIVE", 2, VARIADIC, |a| filter_names(a, false, true)),
    def("MERGE", 1, VARIADIC, |a| merge_fn(a, false)),
    def("MERGE_RECURSIVE", 1, VARIADIC, |a| merge_fn(a, true)),
    def("ZIP", 2, 2, zip),
    def("ENTRIES", 1, 1, entries),
    def("VALUE", 2, 2, value),
    def("MATCHES", 2, 3, matches),
    def("TRANSLATE", 2, 3, translate),
    def("PARSE_IDENTIFIER", 1, 1, parse_identifier),
    def("PARSE_KEY", 1, 1, |a| identifier_part(a, false)),
    def("PARSE_COLLECTION", 1, 1, |a| identifier_part(a, true)),
    def("IS_SAME_COLLECTION", 2, 2, is_same_collection),
];

fn is_system(name: &str) -> bool {
    name.starts_with('_')
}

fn attributes(args: &mut Args) -> AqlResult<Value> {
    let drop_system = args.flag(1, false);
    let Value::Object(o) = args.get(0) else { return Ok(args.type_error()) };
    let mut names: Vec<&String> = o.keys().filter(|k| !(drop_system && is_system(k))).collect();
    names.sort();
    Ok(Value::Array(names.into_iter().map(|k| Value::str(k.as_str())).collect()))
}

fn values(args: &mut Args) -> AqlResult<Value> {
    let drop_system = args.flag(1, false);
    let Value::Object(o) = args.get(0) else { return Ok(args.type_error()) };
    Ok(Value::Array(o.iter().filter(|(k, _)| !(drop_system && is_system(k))).map(|(_, v)| v.clone()).collect()))
}

fn has(args: &mut Args) -> AqlResult<Value> {
    let name = args.string(1);
    Ok(Value::Bool(args.get(0).as_object().is_some_and(|o| o.contains_key(&name))))
}

fn filter_object(o: Object, names: &HashSet<String>, keep: bool, recursive: bool) -> Object {
    o.into_iter()
        .filter(|(k, _)| names.contains(k) == keep)
        .map(|(k, v)| match v {
            Value::Object(inner) if recursive => (k, Value::Object(filter_object(inner, names, keep, recursive))),
            other => (k, other),
        })
        .collect()
}

fn filter_names(args: &mut Args, keep: bool, recursive: bool) -> AqlResult<Value> {
    let mut names = HashSet::new();
    let mut bad_name = false;
    for v in args.all().iter().skip(1) {
        match v {
            Value::String(name) => {
                names.insert(name.clone());
            }
            Value::Int(_) | Value::Double(_) => {
                names.insert(cast::to_string(v));
            }
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::String(name) => {
                            names.insert(name.clone());
                        }
                        _ => bad_name = true,
                    }
                }
            }
            _ => {}
        }
    }
    if bad_name {
        args.type_error();
    }
    match args.take(0) {
        Value::Object(o) => Ok(Value::Object(filter_object(o, &names, keep, recursive))),
        _ => Ok(args.type_error()),
    }
}

pub(super) fn merge_into(target: &mut Object, source: Object, recursive: bool) {
    for (k, v) in source {
        match (target.get_mut(&k), v) {
            (Some(Value::Object(existing)), Value::Object(inner)) if recursive => merge_into(existing, inner, true),
            (_, v) => {
                target.insert(k, v);
            }
        }
    }
}

fn merge_fn(args: &mut Args, recursive: bool) -> AqlResult<Value> {
    let parts = match args.take_all() {
        mut one if one.len() == 1 => match one.pop() {
            Some(Value::Array(items)) => items,
            Some(other) => vec![other],
            None => Vec::new(),
        },
        many => many,
    };
    let mut out = Object::new();
    for part in parts {
        match part {
            Value::Object(o) => merge_into(&mut out, o, recursive),
            _ => return Ok(args.type_error()),
        }
    }
    Ok(Value::Object(out))
}

fn zip(args: &mut Args) -> AqlResult<Value> {
    match (args.take(0), args.take(1)) {
        (Value::Array(keys), Value::Array(vals)) if keys.len() == vals.len() => {
            let mut out = Object::with_capacity(keys.len());
            for (k, v) in keys.iter().zip(vals) {
                out.entry(cast::to_string(k)).or_insert(v);
            }
            Ok(Value::Object(out))
        }
        _ => Ok(args.type_error()),
    }
}

fn entries(args: &mut Args) -> AqlResult<Value> {
    match args.take(0) {
        Value::Object(o) => {
            Ok(Value::Array(o.into_iter().map(|(k, v)| Value::Array(vec![Value::String(k), v])).collect()))
        }
        _ => Ok(args.type_error()),
    }
}

fn value(args: &mut Args) -> AqlResult<Value> {
    let (Value::Object(_), Value::Array(path)) = (args.get(0), args.get(1)) else { return Ok(args.type_error()) };
    if path.is_empty() {
        return Ok(Value::Null);
    }
    let mut at = args.get(0);
    for step in path {
        let next = match (at, step) {
            (Value::Object(o), Value::String(name)) => o.get(name),
            (Value::Array(items), Value::Int(_) | Value::Double(_)) => {
                usize::try_from(cast::to_f64(step) as i64).ok().and_then(|i| items.get(i))
            }
            _ => None,
        };
        match next {
            Some(v) => at = v,
            None => return Ok(Value::Null),
        }
    }
    Ok(at.clone())
}

fn matches_one(doc: &Object, example: &Object) -> bool {
    example.iter().all(|(k, want)| compare(doc.get(k).unwrap_or(&Value::Null), want).is_eq())
}

fn matches(args: &mut Args) -> AqlResult<Value> {
    let return_index = args.flag(2, false);
    let Value::Object(doc) = args.get(0) else { return Ok(Value::Bool(false)) };
    let examples: Vec<&Value> = match args.get(1) {
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    let (mut found, mut bad_example) = (None, false);
    for (i, example) in examples.iter().enumerate() {
        match example {
            Value::Object(e) if matches_one(doc, e) => {
                found = Some(i);
                break;
            }
            Value::Object(_) => {}
            _ => bad_example = true,
        }
    }
    if bad_example {
        args.type_error();
    }
    if return_index {
        return Ok(Value::Int(found.map(|i| i as i64).unwrap_or(-1)));
    }
    Ok(Value::Bool(found.is_some()))
}

fn translate(args: &mut Args) -> AqlResult<Value> {
    let key = args.string(0);
    let Value::Object(lookup) = args.get(1) else { return Ok(args.type_error()) };
    if let Some(v) = lookup.get(&key) {
        return Ok(v.clone());
    }
    Ok(if args.has(2) { args.take(2) } else { args.take(0) })
}

/// The `collection/key` of a document handle or of a document's `_id`.
pub(super) fn split_id(v: &Value) -> Option<(String, String)> {
    let id = match v {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("_id")?.as_str()?,
        _ => return None,
    };
    let (collection, key) = id.split_once('/')?;
    if collection.is_empty() || key.is_empty() {
        return None;
    }
    Some((collection.to_string(), key.to_string()))
}

fn parse_identifier(args: &mut Args) -> AqlResult<Value> {
    match split_id(args.get(0)) {
        Some((c, k)) => Ok(Value::object([("collection", Value::String(c)), ("key", Value::String(k))])),
        None => Ok(args.type_error()),
    }
}

fn identifier_part(args: &mut Args, collection: bool) -> AqlResult<Value> {
    match split_id(args.get(0)) {
        Some((c, k)) => Ok(Value::String(if collection { c } else { k })),
        None => Ok(args.type_error()),
    }
}

fn is_same_collection(args: &mut Args) -> AqlResult<Value> {
    let Value::String(name) = args.get(0) else { return Ok(args.type_error()) };
    match split_id(args.get(1)) {
        Some((c, _)) => Ok(Value::Bool(&c == name)),
        None => Ok(args.type_error()),
    }
}
