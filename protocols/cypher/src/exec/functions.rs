//! The functions that need the graph or the element values the executor keeps (`id`,
//! `elementId`, `labels`, `type`, `properties`, `keys`, `startNode`, `endNode`, `nodes`,
//! `relationships`, `length`, `exists`), and the door to the rest of the function
//! library.

use super::context::Cx;
use super::eval::{element_properties, node_labels};
use crate::error::{CypherError, CypherResult};
use crate::value::{node_element_id, relationship_element_id, Value};

const AGGREGATES: &[&str] =
    &["count", "sum", "avg", "min", "max", "collect", "percentilecont", "percentiledisc", "stdev", "stdevp"];

pub(crate) fn is_aggregate(name: &str) -> bool {
    AGGREGATES.iter().any(|a| a.eq_ignore_ascii_case(name))
}

fn arity(name: &str, args: &[Value], n: usize) -> CypherResult<()> {
    if args.len() != n {
        return Err(CypherError::semantic(format!("Function {name}() takes {n} argument(s), {} given", args.len())));
    }
    Ok(())
}

fn mismatch(expected: &str, v: &Value) -> CypherError {
    CypherError::type_error(format!("Type mismatch: expected {expected} but was {}", v.type_name()))
}

fn first(args: Vec<Value>) -> Value {
    args.into_iter().next().unwrap_or(Value::Null)
}

pub(crate) async fn call(cx: &Cx, name: &str, args: Vec<Value>) -> CypherResult<Value> {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "id" => {
            arity(name, &args, 1)?;
            match first(args) {
                Value::Null => Ok(Value::Null),
                Value::Node(n) => Ok(Value::Int(n.id as i64)),
                Value::Relationship(r) => Ok(Value::Int(r.id as i64)),
                other => Err(mismatch("Node or Relationship", &other)),
            }
        }
        "elementid" => {
            arity(name, &args, 1)?;
            match first(args) {
                Value::Null => Ok(Value::Null),
                Value::Node(n) => Ok(Value::String(node_element_id(n.id))),
                Value::Relationship(r) => Ok(Value::String(relationship_element_id(r.id))),
                other => Err(mismatch("Node or Relationship", &other)),
            }
        }
        "labels" => {
            arity(name, &args, 1)?;
            let v = first(args);
            match node_labels(cx, &v).await? {
                Some(l) => Ok(Value::List(l.into_iter().map(Value::String).collect())),
                None if v.is_null() => Ok(Value::Null),
                None => Err(mismatch("Node", &v)),
            }
        }
        "type" => {
            arity(name, &args, 1)?;
            match first(args) {
                Value::Null => Ok(Value::Null),
                Value::Relationship(r) => Ok(Value::String(r.ty)),
                other => Err(mismatch("Relationship", &other)),
            }
        }
        "properties" => {
            arity(name, &args, 1)?;
            match first(args) {
                Value::Null => Ok(Value::Null),
                Value::Map(m) => Ok(Value::Map(m)),
                other => match element_properties(cx, &other).await? {
                    Some(p) => Ok(Value::Map(p)),
                    None => Err(mismatch("a map", &other)),
                },
            }
        }
        "keys" => {
            arity(name, &args, 1)?;
            match first(args) {
                Value::Null => Ok(Value::Null),
                Value::Map(m) => Ok(Value::List(m.into_keys().map(Value::String).collect())),
                other => match element_properties(cx, &other).await? {
                    Some(p) => Ok(Value::List(p.into_keys().map(Value::String).collect())),
                    None => Err(mismatch("a map", &other)),
                },
            }
        }
        "startnode" | "endnode" => {
            arity(name, &args, 1)?;
            match first(args) {
                Value::Null => Ok(Value::Null),
                Value::Relationship(r) => {
                    let id = if lower == "startnode" { r.start } else { r.end };
                    cx.node_now(id).await
                }
                other => Err(mismatch("Relationship", &other)),
            }
        }
        "nodes" => {
            arity(name, &args, 1)?;
            match first(args) {
                Value::Null => Ok(Value::Null),
                Value::Path(p) => Ok(Value::List(p.nodes.into_iter().map(Value::Node).collect())),
                other => Err(mismatch("Path", &other)),
            }
        }
        "relationships" => {
            arity(name, &args, 1)?;
            match first(args) {
                Value::Null => Ok(Value::Null),
                Value::Path(p) => Ok(Value::List(p.relationships.into_iter().map(Value::Relationship).collect())),
                other => Err(mismatch("Path", &other)),
            }
        }
        "length" => {
            arity(name, &args, 1)?;
            match first(args) {
                Value::Null => Ok(Value::Null),
                Value::Path(p) => Ok(Value::Int(p.relationships.len() as i64)),
                Value::String(s) => Ok(Value::Int(s.chars().count() as i64)),
                Value::List(l) => Ok(Value::Int(l.len() as i64)),
                other => Err(mismatch("Path", &other)),
            }
        }
        "exists" => {
            arity(name, &args, 1)?;
            Ok(Value::Bool(!first(args).is_null()))
        }
        _ => library(cx, &lower, name, args),
    }
}

/// The general function library (interim subset until `crate::functions` lands).
fn library(cx: &Cx, lower: &str, name: &str, args: Vec<Value>) -> CypherResult<Value> {
    let _ = cx;
    match lower {
        "coalesce" => Ok(args.into_iter().find(|v| !v.is_null()).unwrap_or(Value::Null)),
        "size" => match first(args) {
            Value::Null => Ok(Value::Null),
            Value::List(l) => Ok(Value::Int(l.len() as i64)),
            Value::String(s) => Ok(Value::Int(s.chars().count() as i64)),
            other => Err(mismatch("a String or List", &other)),
        },
        "head" => match first(args) {
            Value::List(l) => Ok(l.into_iter().next().unwrap_or(Value::Null)),
            Value::Null => Ok(Value::Null),
            other => Err(mismatch("List", &other)),
        },
        "last" => match first(args) {
            Value::List(l) => Ok(l.into_iter().last().unwrap_or(Value::Null)),
            Value::Null => Ok(Value::Null),
            other => Err(mismatch("List", &other)),
        },
        "tail" => match first(args) {
            Value::List(l) => Ok(Value::List(l.into_iter().skip(1).collect())),
            Value::Null => Ok(Value::Null),
            other => Err(mismatch("List", &other)),
        },
        "range" => {
            let ints: Vec<i64> = args
                .iter()
                .map(|v| match v {
                    Value::Int(i) => Ok(*i),
                    other => Err(mismatch("Integer", other)),
                })
                .collect::<CypherResult<_>>()?;
            let (start, end, step) = match ints.as_slice() {
                [a, b] => (*a, *b, 1),
                [a, b, c] => (*a, *b, *c),
                _ => return Err(CypherError::semantic("range() takes 2 or 3 arguments")),
            };
            if step == 0 {
                return Err(CypherError::argument("Step argument to range() can't be 0"));
            }
            let mut out = Vec::new();
            let mut i = start;
            while (step > 0 && i <= end) || (step < 0 && i >= end) {
                out.push(Value::Int(i));
                if out.len() > 10_000_000 {
                    return Err(CypherError::argument("range() too large"));
                }
                i = match i.checked_add(step) {
                    Some(n) => n,
                    None => break,
                };
            }
            Ok(Value::List(out))
        }
        "tostring" => match first(args) {
            Value::Null => Ok(Value::Null),
            Value::String(s) => Ok(Value::String(s)),
            Value::Int(i) => Ok(Value::String(i.to_string())),
            Value::Float(f) => {
                Ok(Value::String(if f.fract() == 0.0 && f.is_finite() { format!("{f:.1}") } else { f.to_string() }))
            }
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(mismatch("a String, Number or Boolean", &other)),
        },
        "tointeger" => match first(args) {
            Value::Null => Ok(Value::Null),
            Value::Int(i) => Ok(Value::Int(i)),
            Value::Float(f) => Ok(Value::Int(f.trunc() as i64)),
            Value::String(s) => Ok(s
                .trim()
                .parse::<i64>()
                .map(Value::Int)
                .or_else(|_| s.trim().parse::<f64>().map(|f| Value::Int(f.trunc() as i64)))
                .unwrap_or(Value::Null)),
            other => Err(mismatch("a String or Number", &other)),
        },
        "tofloat" => match first(args) {
            Value::Null => Ok(Value::Null),
            Value::Int(i) => Ok(Value::Float(i as f64)),
            Value::Float(f) => Ok(Value::Float(f)),
            Value::String(s) => Ok(s.trim().parse::<f64>().map(Value::Float).unwrap_or(Value::Null)),
            other => Err(mismatch("a String or Number", &other)),
        },
        "abs" => match first(args) {
            Value::Int(i) => Ok(Value::Int(i.wrapping_abs())),
            Value::Float(f) => Ok(Value::Float(f.abs())),
            Value::Null => Ok(Value::Null),
            other => Err(mismatch("a Number", &other)),
        },
        "toupper" | "tolower" => match first(args) {
            Value::String(s) => Ok(Value::String(if lower == "toupper" { s.to_uppercase() } else { s.to_lowercase() })),
            Value::Null => Ok(Value::Null),
            other => Err(mismatch("a String", &other)),
        },
        "reverse" => match first(args) {
            Value::String(s) => Ok(Value::String(s.chars().rev().collect())),
            Value::List(mut l) => {
                l.reverse();
                Ok(Value::List(l))
            }
            Value::Null => Ok(Value::Null),
            other => Err(mismatch("a String or List", &other)),
        },
        "timestamp" => Ok(Value::Int(cx.statement_millis)),
        _ => Err(CypherError::new(crate::error::ErrorKind::Semantic, format!("Unknown function '{name}'"))),
    }
}

/// `value.key` for values that are not maps or elements (temporal and point fields).
pub(crate) fn component(v: &Value, key: &str) -> CypherResult<Value> {
    match v {
        Value::Date(_)
        | Value::Time(_)
        | Value::LocalTime(_)
        | Value::DateTime(_)
        | Value::LocalDateTime(_)
        | Value::Duration(_)
        | Value::Point(_) => Err(CypherError::not_supported(format!("the component {key} of a {}", v.type_name()))),
        other => Err(mismatch("a map", other)),
    }
}

pub(crate) fn regex_match(a: &Value, b: &Value) -> CypherResult<Value> {
    match (a, b) {
        (Value::String(_), Value::String(_)) => Err(CypherError::not_supported("the regular expression operator =~")),
        _ => Ok(Value::Null),
    }
}
