//! Functions on graph elements that read only the value itself: id, elementId, labels,
//! type, properties, nodes, relationships, length. startNode/endNode need the graph (a
//! relationship value carries only its end ids), so they answer NotSupported here and the
//! executor evaluates them.

use super::wrong_type;
use crate::error::{CypherError, CypherResult};
use crate::value::{node_element_id, relationship_element_id, Value};

fn id_value(id: u64) -> Value {
    Value::Int(i64::try_from(id).unwrap_or(i64::MAX))
}

pub(super) fn call(name: &str, args: &[Value]) -> Option<CypherResult<Value>> {
    let known =
        ["id", "elementid", "labels", "type", "properties", "nodes", "relationships", "length", "startnode", "endnode"];
    if !known.contains(&name) {
        return None;
    }
    let v = &args[0];
    if v.is_null() {
        return Some(Ok(Value::Null));
    }
    Some(match (name, v) {
        ("id", Value::Node(n)) => Ok(id_value(n.id)),
        ("id", Value::Relationship(r)) => Ok(id_value(r.id)),
        ("id", other) => Err(wrong_type(name, "a Node or Relationship", other)),
        ("elementid", Value::Node(n)) => Ok(Value::String(node_element_id(n.id))),
        ("elementid", Value::Relationship(r)) => Ok(Value::String(relationship_element_id(r.id))),
        ("elementid", other) => Err(wrong_type(name, "a Node or Relationship", other)),
        ("labels", Value::Node(n)) => Ok(Value::List(n.labels.iter().map(|l| Value::String(l.clone())).collect())),
        ("labels", other) => Err(wrong_type(name, "a Node", other)),
        ("type", Value::Relationship(r)) => Ok(Value::String(r.ty.clone())),
        ("type", other) => Err(wrong_type(name, "a Relationship", other)),
        ("properties", Value::Node(n)) => Ok(Value::Map(n.properties.clone())),
        ("properties", Value::Relationship(r)) => Ok(Value::Map(r.properties.clone())),
        ("properties", Value::Map(m)) => Ok(Value::Map(m.clone())),
        ("properties", other) => Err(wrong_type(name, "a Node, Relationship or Map", other)),
        ("nodes", Value::Path(p)) => Ok(Value::List(p.nodes.iter().cloned().map(Value::Node).collect())),
        ("nodes", other) => Err(wrong_type(name, "a Path", other)),
        ("relationships", Value::Path(p)) => {
            Ok(Value::List(p.relationships.iter().cloned().map(Value::Relationship).collect()))
        }
        ("relationships", other) => Err(wrong_type(name, "a Path", other)),
        ("length", Value::Path(p)) => Ok(Value::Int(p.relationships.len() as i64)),
        ("length", other) => Err(wrong_type(name, "a Path", other)),
        ("startnode" | "endnode", Value::Relationship(_)) => Err(CypherError::not_supported(format!(
            "{name}() reads the graph and is evaluated by the executor, not the function library"
        ))),
        (_, other) => Err(wrong_type(name, "a Relationship", other)),
    })
}
