//! Node and relationship records: what is stored under an element's id, encoded with the
//! storage codec (self-describing, so a record decodes without a schema). A node is
//! `[labels, properties]`, a relationship `[type, start, end, properties]`; properties
//! are a flat array of alternating names and values, names in order.

use crate::error::{GraphError, GraphResult};
use orbit_storage::codec::key::{decode_values, encode_values};
use orbit_storage::Value;
use std::collections::BTreeMap;

pub type NodeId = u64;
pub type RelId = u64;
/// Property names to values; a property set to null is removed, never stored.
pub type Properties = BTreeMap<String, Value>;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: NodeId,
    /// Sorted, without duplicates.
    pub labels: Vec<String>,
    pub properties: Properties,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    pub id: RelId,
    pub ty: String,
    pub start: NodeId,
    pub end: NodeId,
    pub properties: Properties,
}

fn corrupt(what: &str) -> GraphError {
    GraphError::Corrupt(what.to_string())
}

fn properties_value(properties: &Properties) -> Value {
    let mut flat = Vec::with_capacity(properties.len() * 2);
    for (name, value) in properties {
        flat.push(Value::Text(name.clone()));
        flat.push(value.clone());
    }
    Value::Array(flat)
}

fn properties_of(value: Value) -> GraphResult<Properties> {
    let Value::Array(flat) = value else { return Err(corrupt("properties")) };
    if flat.len() % 2 != 0 {
        return Err(corrupt("properties"));
    }
    let mut out = Properties::new();
    let mut items = flat.into_iter();
    while let (Some(Value::Text(name)), Some(value)) = (items.next(), items.next()) {
        out.insert(name, value);
    }
    Ok(out)
}

fn id_value(id: u64) -> GraphResult<Value> {
    i64::try_from(id).map(Value::Int).map_err(|_| corrupt("element id"))
}

fn id_of(value: &Value) -> GraphResult<u64> {
    match value {
        Value::Int(n) => u64::try_from(*n).map_err(|_| corrupt("element id")),
        _ => Err(corrupt("element id")),
    }
}

impl Node {
    pub fn encode(&self) -> GraphResult<Vec<u8>> {
        let labels = Value::Array(self.labels.iter().cloned().map(Value::Text).collect());
        Ok(encode_values(&[labels, properties_value(&self.properties)])?)
    }

    pub fn decode(id: NodeId, bytes: &[u8]) -> GraphResult<Node> {
        let mut values = decode_values(bytes)?.into_iter();
        let (Some(Value::Array(labels)), Some(properties), None) = (values.next(), values.next(), values.next()) else {
            return Err(corrupt("node record"));
        };
        let labels = labels
            .into_iter()
            .map(|l| match l {
                Value::Text(l) => Ok(l),
                _ => Err(corrupt("node label")),
            })
            .collect::<GraphResult<Vec<_>>>()?;
        Ok(Node { id, labels, properties: properties_of(properties)? })
    }

    pub fn has_label(&self, label: &str) -> bool {
        self.labels.binary_search_by(|l| l.as_str().cmp(label)).is_ok()
    }
}

impl Relationship {
    pub fn encode(&self) -> GraphResult<Vec<u8>> {
        Ok(encode_values(&[
            Value::Text(self.ty.clone()),
            id_value(self.start)?,
            id_value(self.end)?,
            properties_value(&self.properties),
        ])?)
    }

    pub fn decode(id: RelId, bytes: &[u8]) -> GraphResult<Relationship> {
        let mut values = decode_values(bytes)?.into_iter();
        let (Some(Value::Text(ty)), Some(start), Some(end), Some(properties), None) =
            (values.next(), values.next(), values.next(), values.next(), values.next())
        else {
            return Err(corrupt("relationship record"));
        };
        Ok(Relationship { id, ty, start: id_of(&start)?, end: id_of(&end)?, properties: properties_of(properties)? })
    }
}
