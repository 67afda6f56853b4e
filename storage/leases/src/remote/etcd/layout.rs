//! Where the etcd backend keeps what, under the provider's prefix `<p>`:
//!
//! | key                         | value                                   | attached to        |
//! |-----------------------------|-----------------------------------------|--------------------|
//! | `<p>/leases/<type>/<key>`   | the lease (versioned JSON envelope)     | its node's lease   |
//! | `<p>/fence/<type>/<key>`    | empty; its mod_revision is the fencing token | nothing (kept)  |
//! | `<p>/nodes/<node>`          | the node (versioned JSON envelope)      | the node's lease   |
//! | `<p>/node-lease/<node>`     | the id of the node's etcd lease         | that lease         |
//!
//! Components are percent-encoded (everything but `A-Z a-z 0-9 - . _ ~`), so a `/` in a
//! type or key never splits it and every key is plain ASCII.

use crate::provider::{AddressableLease, AddressableReference, NodeId, NodeInfo};
use serde::{Deserialize, Serialize};

/// The layout version written in every envelope.
const ENVELOPE_VERSION: u32 = 1;

#[derive(Debug, Clone)]
pub struct Layout {
    prefix: String,
}

impl Layout {
    pub fn new(prefix: &str) -> Layout {
        Layout { prefix: prefix.to_string() }
    }

    pub fn leases_prefix(&self) -> String {
        format!("{}/leases/", self.prefix)
    }

    pub fn lease_key(&self, reference: &AddressableReference) -> String {
        format!("{}{}/{}", self.leases_prefix(), escape(&reference.addressable_type), escape(&reference.key))
    }

    pub fn fence_key(&self, reference: &AddressableReference) -> String {
        format!("{}/fence/{}/{}", self.prefix, escape(&reference.addressable_type), escape(&reference.key))
    }

    pub fn nodes_prefix(&self) -> String {
        format!("{}/nodes/", self.prefix)
    }

    pub fn node_key(&self, node: &NodeId) -> String {
        format!("{}{}", self.nodes_prefix(), escape(&node.0))
    }

    pub fn node_lease_prefix(&self) -> String {
        format!("{}/node-lease/", self.prefix)
    }

    pub fn node_lease_key(&self, node: &NodeId) -> String {
        format!("{}{}", self.node_lease_prefix(), escape(&node.0))
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    v: u32,
    #[serde(flatten)]
    body: T,
}

#[derive(Serialize, Deserialize)]
struct LeaseBody {
    lease: AddressableLease,
}

#[derive(Serialize, Deserialize)]
struct NodeBody {
    node: NodeInfo,
}

pub fn encode_lease(lease: &AddressableLease) -> Vec<u8> {
    serde_json::to_vec(&Envelope { v: ENVELOPE_VERSION, body: LeaseBody { lease: lease.clone() } }).unwrap_or_default()
}

pub fn encode_node(node: &NodeInfo) -> Vec<u8> {
    serde_json::to_vec(&Envelope { v: ENVELOPE_VERSION, body: NodeBody { node: node.clone() } }).unwrap_or_default()
}

fn decode<T: serde::de::DeserializeOwned>(key: &[u8], value: &[u8]) -> Result<T, String> {
    let show = || String::from_utf8_lossy(key).into_owned();
    let version: serde_json::Value =
        serde_json::from_slice(value).map_err(|e| format!("record {} is not JSON: {e}", show()))?;
    match version.get("v").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(ENVELOPE_VERSION) => {}
        other => return Err(format!("record {} has unknown layout version {other:?}", show())),
    }
    let envelope: Envelope<T> =
        serde_json::from_value(version).map_err(|e| format!("record {} does not decode: {e}", show()))?;
    Ok(envelope.body)
}

/// Decodes the lease stored under `key`, checking that it is the lease the key names.
pub fn decode_lease(layout: &Layout, key: &[u8], value: &[u8]) -> Result<AddressableLease, String> {
    let lease = decode::<LeaseBody>(key, value)?.lease;
    if layout.lease_key(&lease.reference).as_bytes() != key {
        return Err(format!("record {} holds the lease of {}", String::from_utf8_lossy(key), lease.reference));
    }
    Ok(lease)
}

/// Decodes the node stored under `key`, checking that it is the node the key names.
pub fn decode_node(layout: &Layout, key: &[u8], value: &[u8]) -> Result<NodeInfo, String> {
    let node = decode::<NodeBody>(key, value)?.node;
    if layout.node_key(&node.node_id).as_bytes() != key {
        return Err(format!("record {} holds node {}", String::from_utf8_lossy(key), node.node_id));
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_never_run_into_each_other() {
        let layout = Layout::new("orbit");
        let a = layout.lease_key(&AddressableReference::new("a/b", "c"));
        let b = layout.lease_key(&AddressableReference::new("a", "b/c"));
        assert_ne!(a, b);
        assert_eq!(a, "orbit/leases/a%2Fb/c");
        assert!(layout.lease_key(&AddressableReference::new("\0é", "%")).is_ascii());
        assert!(!format!("{}/", layout.node_key(&NodeId::new("n10")))
            .starts_with(&format!("{}/", layout.node_key(&NodeId::new("n")))));
    }

    #[test]
    fn envelopes_check_version_and_identity() {
        let layout = Layout::new("p");
        let lease = AddressableLease {
            reference: AddressableReference::new("t", "k"),
            node_id: NodeId::new("n"),
            activation_id: 3,
            created_at: 1,
            expires_at: 2,
        };
        let key = layout.lease_key(&lease.reference);
        let value = encode_lease(&lease);
        assert_eq!(decode_lease(&layout, key.as_bytes(), &value), Ok(lease.clone()));
        assert!(decode_lease(&layout, b"p/leases/t/x", &value).is_err());
        assert!(decode_lease(&layout, key.as_bytes(), b"{\"v\":2}").is_err());
        assert!(decode_lease(&layout, key.as_bytes(), b"garbage").is_err());
    }
}
