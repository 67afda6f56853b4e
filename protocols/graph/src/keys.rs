//! Where the graph lives in its storage table's raw keyspace. Every key starts with a
//! space byte; ids are 8 bytes big-endian so key order is id order; labels and types use
//! the storage codec's self-terminated text encoding, so one name is never a prefix of
//! another's entries.
//!
//! | space | key after the space byte | value |
//! |---|---|---|
//! | [`NODE`] | node id | labels and properties ([`crate::record`]) |
//! | [`REL`] | relationship id | type, start, end, properties |
//! | [`LABEL`] | label · node id | empty |
//! | [`ADJ`] | node id · direction · type · other node id · relationship id | empty |
//! | [`SCHEMA`] | index name | kind, label, property ([`crate::schema`]) |
//! | [`PROP`] | index name · value · node id | empty |
//! | [`UNIQUE`] | index name · value | node id: the one key two writers of one value both write |

use crate::error::{GraphError, GraphResult};
use orbit_storage::codec::key::{decode_value, encode_value};
use orbit_storage::engine::KeyRange;
use orbit_storage::Value;

pub const TABLE: &str = "graph_space";
pub const NODE: u8 = 0x01;
pub const REL: u8 = 0x02;
pub const LABEL: u8 = 0x03;
pub const ADJ: u8 = 0x04;
pub const SCHEMA: u8 = 0x05;
pub const PROP: u8 = 0x06;
pub const UNIQUE: u8 = 0x07;

/// Adjacency direction bytes: an entry under a node is one of its outgoing or incoming
/// relationships.
pub const OUT: u8 = 0x00;
pub const IN: u8 = 0x01;

fn with_id(space: u8, id: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(space);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

pub fn node(id: u64) -> Vec<u8> {
    with_id(NODE, id)
}

pub fn relationship(id: u64) -> Vec<u8> {
    with_id(REL, id)
}

fn push_name(key: &mut Vec<u8>, name: &str) -> GraphResult<()> {
    encode_value(key, &Value::Text(name.to_string())).map_err(GraphError::from)
}

/// The label index's prefix of `label` (every node that has it, in id order).
pub fn label_prefix(label: &str) -> GraphResult<Vec<u8>> {
    let mut k = vec![LABEL];
    push_name(&mut k, label)?;
    Ok(k)
}

pub fn label_entry(label: &str, node: u64) -> GraphResult<Vec<u8>> {
    let mut k = label_prefix(label)?;
    k.extend_from_slice(&node.to_be_bytes());
    Ok(k)
}

/// The node id at the end of a label entry.
pub fn node_of_label_entry(key: &[u8]) -> GraphResult<u64> {
    id_at_end(key)
}

/// Adjacency of `node` in `direction`, of one type when given.
pub fn adjacency_prefix(node: u64, direction: u8, ty: Option<&str>) -> GraphResult<Vec<u8>> {
    let mut k = with_id(ADJ, node);
    k.push(direction);
    if let Some(ty) = ty {
        push_name(&mut k, ty)?;
    }
    Ok(k)
}

/// Every adjacency entry of `node`, both directions.
pub fn adjacency_of(node: u64) -> Vec<u8> {
    with_id(ADJ, node)
}

pub fn adjacency_entry(node: u64, direction: u8, ty: &str, other: u64, rel: u64) -> GraphResult<Vec<u8>> {
    let mut k = adjacency_prefix(node, direction, Some(ty))?;
    k.extend_from_slice(&other.to_be_bytes());
    k.extend_from_slice(&rel.to_be_bytes());
    Ok(k)
}

/// One adjacency entry, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjacencyEntry {
    pub node: u64,
    pub direction: u8,
    pub ty: String,
    pub other: u64,
    pub rel: u64,
}

pub fn parse_adjacency(key: &[u8]) -> GraphResult<AdjacencyEntry> {
    let corrupt = || GraphError::Corrupt("adjacency entry".into());
    let rest = key.strip_prefix(&[ADJ]).ok_or_else(corrupt)?;
    let (node, rest) = split_id(rest).ok_or_else(corrupt)?;
    let (&direction, mut rest) = rest.split_first().ok_or_else(corrupt)?;
    let ty = match decode_value(&mut rest)? {
        Value::Text(t) => t,
        _ => return Err(corrupt()),
    };
    let (other, rest) = split_id(rest).ok_or_else(corrupt)?;
    let (rel, rest) = split_id(rest).ok_or_else(corrupt)?;
    if !rest.is_empty() {
        return Err(corrupt());
    }
    Ok(AdjacencyEntry { node, direction, ty, other, rel })
}

/// The id of a `NODE` or `REL` record key.
pub fn id_of_record(key: &[u8]) -> GraphResult<u64> {
    match key.get(1..).and_then(split_id) {
        Some((id, [])) => Ok(id),
        _ => Err(GraphError::Corrupt("record key".into())),
    }
}

fn split_id(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*head), rest))
}

fn id_at_end(key: &[u8]) -> GraphResult<u64> {
    key.last_chunk::<8>().map(|b| u64::from_be_bytes(*b)).ok_or_else(|| GraphError::Corrupt("index entry".into()))
}

/// Every key of `space`.
pub fn space(space: u8) -> KeyRange {
    KeyRange::prefix(&[space])
}

pub fn schema_entry(name: &str) -> GraphResult<Vec<u8>> {
    let mut k = vec![SCHEMA];
    push_name(&mut k, name)?;
    Ok(k)
}

/// A property index's entries, of one value when given.
pub fn property_prefix(index: &str, value: Option<&Value>) -> GraphResult<Vec<u8>> {
    let mut k = vec![PROP];
    push_name(&mut k, index)?;
    if let Some(v) = value {
        encode_value(&mut k, v)?;
    }
    Ok(k)
}

pub fn property_entry(index: &str, value: &Value, node: u64) -> GraphResult<Vec<u8>> {
    let mut k = property_prefix(index, Some(value))?;
    k.extend_from_slice(&node.to_be_bytes());
    Ok(k)
}

/// The node id at the end of a property index entry.
pub fn node_of_property_entry(key: &[u8]) -> GraphResult<u64> {
    id_at_end(key)
}

pub fn unique_claim(index: &str, value: &Value) -> GraphResult<Vec<u8>> {
    let mut k = vec![UNIQUE];
    push_name(&mut k, index)?;
    encode_value(&mut k, value)?;
    Ok(k)
}

/// Every entry of one index (its property entries or its unique claims).
pub fn index_space(space: u8, index: &str) -> GraphResult<Vec<u8>> {
    let mut k = vec![space];
    push_name(&mut k, index)?;
    Ok(k)
}
