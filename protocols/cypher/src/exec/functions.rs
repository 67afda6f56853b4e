//! Function calls as the executor makes them: the few that need the graph are answered
//! here — `startNode`/`endNode` (a relationship value carries only its end ids), and
//! `labels`, `properties` and `keys` of an element, which see the element as it is now
//! when the query changes the graph — and `exists(...)`, the one special form. Every
//! other scalar function is [`crate::functions::call`] with the statement's clocks.

use super::context::{not_found_node, Cx};
use super::eval::{element_properties, node_labels};
use crate::error::{CypherError, CypherResult};
use crate::value::{NodeValue, RelationshipValue, Value};

fn one(name: &str, args: Vec<Value>) -> CypherResult<Value> {
    let mut args = args.into_iter();
    match (args.next(), args.next()) {
        (Some(v), None) => Ok(v),
        _ => Err(CypherError::semantic(format!("Function '{name}' called with the wrong number of arguments"))),
    }
}

/// The element argument of `labels` (`with_labels`) or `properties`/`keys` as it is now
/// (an EntityNotFound for an element the query deleted).
async fn current(cx: &Cx, v: Value, with_labels: bool) -> CypherResult<Value> {
    Ok(match v {
        Value::Node(n) if with_labels && cx.node_deleted(n.id) => return Err(not_found_node(n.id)),
        Value::Node(n) if with_labels => {
            let labels = node_labels(cx, &Value::Node(n.clone())).await?.unwrap_or_else(|| n.labels.clone());
            Value::Node(NodeValue { labels, ..n })
        }
        Value::Node(n) => {
            let properties = element_properties(cx, &Value::Node(n.clone())).await?.unwrap_or_default();
            Value::Node(NodeValue { properties, ..n })
        }
        Value::Relationship(r) if !with_labels => {
            let properties = element_properties(cx, &Value::Relationship(r.clone())).await?.unwrap_or_default();
            Value::Relationship(RelationshipValue { properties, ..r })
        }
        other => other,
    })
}

pub(crate) async fn call(cx: &Cx, name: &str, args: Vec<Value>) -> CypherResult<Value> {
    let library = |args: Vec<Value>| crate::functions::call(name, args, &cx.functions);
    match name.to_ascii_lowercase().as_str() {
        "exists" => Ok(Value::Bool(!one(name, args)?.is_null())),
        "startnode" => match one(name, args)? {
            Value::Relationship(r) => cx.node_now(r.start).await,
            other => library(vec![other]),
        },
        "endnode" => match one(name, args)? {
            Value::Relationship(r) => cx.node_now(r.end).await,
            other => library(vec![other]),
        },
        "labels" => library(vec![current(cx, one(name, args)?, true).await?]),
        "properties" | "keys" => library(vec![current(cx, one(name, args)?, false).await?]),
        _ => library(args),
    }
}
