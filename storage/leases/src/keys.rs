//! How the lease directory lays its records out in a [`RecordStore`](crate::RecordStore).
//!
//! Three namespaces, each a one-byte prefix followed by order-preserving, prefix-free
//! string encodings (so a prefix scan over one component never runs into a longer one):
//!
//! | key                                   | value                      |
//! |---------------------------------------|----------------------------|
//! | `L` type key                          | the [`AddressableLease`]   |
//! | `N` node type key                     | empty (index: lease by node) |
//! | `C` node                              | the [`NodeInfo`]           |
//! | `V` type key                          | the [`LeaseStamp`]: version and fencing counter |
//!
//! The `N` entry of a lease is written in the same batch as the lease, so
//! `list_node_leases` is one prefix scan. The `V` stamp of a key outlives its lease (a
//! release or expiry keeps it), so versions never repeat and fencing tokens only grow. Values are a version byte followed by the
//! record's postcard encoding (compact binary, never JSON).

use crate::provider::{AddressableLease, AddressableReference, LeaseError, LeaseResult, NodeId, NodeInfo};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Prefix of the lease records.
pub const LEASE_PREFIX: u8 = b'L';
/// Prefix of the lease-by-node index entries.
pub const NODE_INDEX_PREFIX: u8 = b'N';
/// Prefix of the cluster node records.
pub const CLUSTER_PREFIX: u8 = b'C';
/// Prefix of the lease stamps (version and fencing counter per key).
pub const STAMP_PREFIX: u8 = b'V';

/// The version and the fencing counter of one lease key. `version` counts every write of
/// the key's lease (stores, renewals, removals); `fencing_token` counts acquisitions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeaseStamp {
    pub version: u64,
    pub fencing_token: u64,
}

/// The first byte of every value: the layout version of what follows.
const VALUE_VERSION: u8 = 1;

/// Appends `s` so that encoded strings sort like the strings and none is a prefix of
/// another: 0x00 is escaped as 0x00 0xFF, and the end is marked by 0x00 0x01.
fn push_str(out: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 1]);
}

/// Reads one string written by [`push_str`] from the front of `input`; returns it and
/// the rest.
fn take_str(input: &[u8]) -> Option<(String, &[u8])> {
    let mut bytes = Vec::new();
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == 0 {
            match input.get(i + 1)? {
                0xFF => bytes.push(0),
                1 => return String::from_utf8(bytes).ok().map(|s| (s, &input[i + 2..])),
                _ => return None,
            }
            i += 2;
        } else {
            bytes.push(b);
            i += 1;
        }
    }
    None
}

/// `L` type key.
pub fn lease_key(reference: &AddressableReference) -> Vec<u8> {
    let mut key = Vec::with_capacity(reference.addressable_type.len() + reference.key.len() + 5);
    key.push(LEASE_PREFIX);
    push_str(&mut key, &reference.addressable_type);
    push_str(&mut key, &reference.key);
    key
}

/// `V` type key.
pub fn stamp_key(reference: &AddressableReference) -> Vec<u8> {
    let mut key = lease_key(reference);
    key[0] = STAMP_PREFIX;
    key
}

pub fn encode_stamp(stamp: &LeaseStamp) -> LeaseResult<Vec<u8>> {
    encode_value(stamp)
}

pub fn decode_stamp(key: &[u8], value: &[u8]) -> LeaseResult<LeaseStamp> {
    decode_value(key, value)
}

/// The prefix of every lease record.
pub fn all_leases_prefix() -> Vec<u8> {
    vec![LEASE_PREFIX]
}

/// `N` node: the prefix of the index entries of one node's leases.
pub fn node_index_prefix(node_id: &NodeId) -> Vec<u8> {
    let mut key = Vec::with_capacity(node_id.0.len() + 3);
    key.push(NODE_INDEX_PREFIX);
    push_str(&mut key, &node_id.0);
    key
}

/// `N` node type key.
pub fn node_index_key(node_id: &NodeId, reference: &AddressableReference) -> Vec<u8> {
    let mut key = node_index_prefix(node_id);
    push_str(&mut key, &reference.addressable_type);
    push_str(&mut key, &reference.key);
    key
}

/// The lease reference named by an index entry's key (after its node prefix).
pub fn reference_from_index_key(key: &[u8], node_prefix_len: usize) -> LeaseResult<AddressableReference> {
    let rest = key.get(node_prefix_len..).ok_or_else(|| corrupt_key(key))?;
    let (addressable_type, rest) = take_str(rest).ok_or_else(|| corrupt_key(key))?;
    let (k, rest) = take_str(rest).ok_or_else(|| corrupt_key(key))?;
    if !rest.is_empty() {
        return Err(corrupt_key(key));
    }
    Ok(AddressableReference { addressable_type, key: k })
}

/// The prefix of every index entry.
pub fn all_index_prefix() -> Vec<u8> {
    vec![NODE_INDEX_PREFIX]
}

/// The node and the lease reference an index entry stands for.
pub fn decode_index_key(key: &[u8]) -> LeaseResult<(NodeId, AddressableReference)> {
    if key.first() != Some(&NODE_INDEX_PREFIX) {
        return Err(corrupt_key(key));
    }
    let (node, rest) = take_str(&key[1..]).ok_or_else(|| corrupt_key(key))?;
    let consumed = key.len() - rest.len();
    Ok((NodeId(node), reference_from_index_key(key, consumed)?))
}

/// `C` node.
pub fn cluster_node_key(node_id: &NodeId) -> Vec<u8> {
    let mut key = Vec::with_capacity(node_id.0.len() + 3);
    key.push(CLUSTER_PREFIX);
    push_str(&mut key, &node_id.0);
    key
}

/// The prefix of every cluster node record.
pub fn all_nodes_prefix() -> Vec<u8> {
    vec![CLUSTER_PREFIX]
}

/// True for the records that count as entries (a lease or a node), false for index
/// entries; backends with an entry limit count only these.
pub fn is_entry_key(key: &[u8]) -> bool {
    matches!(key.first(), Some(&LEASE_PREFIX) | Some(&CLUSTER_PREFIX))
}

/// True for keys of the cluster node namespace (backends that keep it apart).
pub fn is_cluster_key(key: &[u8]) -> bool {
    key.first() == Some(&CLUSTER_PREFIX)
}

fn encode_value<T: Serialize>(value: &T) -> LeaseResult<Vec<u8>> {
    let mut out = vec![VALUE_VERSION];
    let body = postcard::to_allocvec(value).map_err(|e| LeaseError::Backend(format!("cannot encode a record: {e}")))?;
    out.extend_from_slice(&body);
    Ok(out)
}

fn decode_value<T: DeserializeOwned>(key: &[u8], value: &[u8]) -> LeaseResult<T> {
    match value.split_first() {
        Some((&VALUE_VERSION, body)) => postcard::from_bytes(body)
            .map_err(|e| LeaseError::Corruption(format!("record {} does not decode: {e}", show_key(key)))),
        Some((version, _)) => {
            Err(LeaseError::Corruption(format!("record {} has unknown layout version {version}", show_key(key))))
        }
        None => Err(LeaseError::Corruption(format!("record {} is empty", show_key(key)))),
    }
}

pub fn encode_lease(lease: &AddressableLease) -> LeaseResult<Vec<u8>> {
    encode_value(lease)
}

/// Decodes the lease stored under `key`, checking that it is the lease the key names.
pub fn decode_lease(key: &[u8], value: &[u8]) -> LeaseResult<AddressableLease> {
    let lease: AddressableLease = decode_value(key, value)?;
    if lease_key(&lease.reference) != key {
        return Err(LeaseError::Corruption(format!("record {} holds the lease of {}", show_key(key), lease.reference)));
    }
    Ok(lease)
}

pub fn encode_node(node: &NodeInfo) -> LeaseResult<Vec<u8>> {
    encode_value(node)
}

/// Decodes the node stored under `key`, checking that it is the node the key names.
pub fn decode_node(key: &[u8], value: &[u8]) -> LeaseResult<NodeInfo> {
    let node: NodeInfo = decode_value(key, value)?;
    if cluster_node_key(&node.node_id) != key {
        return Err(LeaseError::Corruption(format!("record {} holds node {}", show_key(key), node.node_id)));
    }
    Ok(node)
}

fn corrupt_key(key: &[u8]) -> LeaseError {
    LeaseError::Corruption(format!("malformed key {}", show_key(key)))
}

/// A key for messages: printable bytes as they are, the others as \xNN.
pub fn show_key(key: &[u8]) -> String {
    key.iter().map(|&b| if b.is_ascii_graphic() { (b as char).to_string() } else { format!("\\x{b:02x}") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_sort_and_never_prefix_each_other() {
        let mut words = ["", "a", "a\0", "a\0b", "ab", "b", "\0", "é"];
        let mut encoded: Vec<Vec<u8>> = words
            .iter()
            .map(|w| {
                let mut v = Vec::new();
                push_str(&mut v, w);
                v
            })
            .collect();
        words.sort();
        encoded.sort();
        for (w, e) in words.iter().zip(&encoded) {
            let (back, rest) = take_str(e).expect("decodes");
            assert_eq!(&back, w);
            assert!(rest.is_empty());
        }
        for a in &encoded {
            for b in &encoded {
                assert!(a == b || !b.starts_with(a), "{a:?} is a prefix of {b:?}");
            }
        }
    }

    #[test]
    fn index_keys_round_trip_under_their_node_prefix() {
        let node = NodeId::new("node\0one");
        let reference = AddressableReference::new("shard", "key\0with nul");
        let key = node_index_key(&node, &reference);
        assert!(key.starts_with(&node_index_prefix(&node)));
        assert!(!key.starts_with(&node_index_prefix(&NodeId::new("node"))));
        assert_eq!(decode_index_key(&key).expect("decodes"), (node.clone(), reference.clone()));
        let prefix_len = node_index_prefix(&node).len();
        assert_eq!(reference_from_index_key(&key, prefix_len).expect("decodes"), reference);
        assert!(decode_index_key(b"Nbroken").is_err());
    }

    #[test]
    fn values_check_version_and_identity() {
        let lease = AddressableLease {
            reference: AddressableReference::new("t", "k"),
            node_id: NodeId::new("n"),
            activation_id: 7,
            created_at: 1,
            expires_at: 2,
        };
        let key = lease_key(&lease.reference);
        let value = encode_lease(&lease).expect("encodes");
        assert_eq!(decode_lease(&key, &value).expect("decodes"), lease);
        assert!(matches!(
            decode_lease(&lease_key(&AddressableReference::new("t", "x")), &value),
            Err(LeaseError::Corruption(_))
        ));
        assert!(matches!(decode_lease(&key, &value[..value.len() - 1]), Err(LeaseError::Corruption(_))));
        assert!(matches!(decode_lease(&key, &[9, 1, 2]), Err(LeaseError::Corruption(_))));
        assert!(matches!(decode_lease(&key, &[]), Err(LeaseError::Corruption(_))));
    }
}
