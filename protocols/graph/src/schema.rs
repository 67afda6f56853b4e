//! Property indexes and uniqueness constraints: each names one label and one property; a
//! node with the label and a non-null value of the property has one entry, kept in the
//! transaction that changes the node. A unique index refuses a second node with the same
//! value. Definitions are stored under [`crate::keys::SCHEMA`] and cached in memory.

use crate::error::{GraphError, GraphResult};
use orbit_storage::codec::key::{decode_values, encode_values};
use orbit_storage::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyIndex {
    pub name: String,
    pub label: String,
    pub property: String,
    /// A uniqueness constraint (Cypher's `REQUIRE n.p IS UNIQUE`).
    pub unique: bool,
}

impl PropertyIndex {
    pub fn encode(&self) -> GraphResult<Vec<u8>> {
        let kind = if self.unique { "unique" } else { "index" };
        Ok(encode_values(&[
            Value::Text(kind.into()),
            Value::Text(self.label.clone()),
            Value::Text(self.property.clone()),
        ])?)
    }

    pub fn decode(name: String, bytes: &[u8]) -> GraphResult<PropertyIndex> {
        match decode_values(bytes)?.as_slice() {
            [Value::Text(kind), Value::Text(label), Value::Text(property)] => {
                Ok(PropertyIndex { name, label: label.clone(), property: property.clone(), unique: kind == "unique" })
            }
            _ => Err(GraphError::Corrupt("index definition".into())),
        }
    }
}
