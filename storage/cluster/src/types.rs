//! The RPC's vocabulary as the node sees it: which shard, the forwarded request, why an
//! owner refused it, and the cluster's members.
//!
//! These are plain Rust types; [`crate::wire`] converts them to and from the protobuf
//! messages and validates what arrives.

use bytes::Bytes;
use serde::Serialize;
use std::fmt;

/// One shard: an addressable's type and its key within that type (the lease directory's
/// `AddressableReference`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ShardRef {
    pub addressable_type: String,
    pub key: String,
}

impl ShardRef {
    pub fn new(addressable_type: impl Into<String>, key: impl Into<String>) -> Self {
        ShardRef { addressable_type: addressable_type.into(), key: key.into() }
    }
}

impl fmt::Display for ShardRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.addressable_type, self.key)
    }
}

/// A request for a shard's owner: the sender's fencing token for the shard, the protocol
/// whose request it is and that protocol's own encoding of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRequest {
    pub shard: ShardRef,
    pub fencing_token: u64,
    pub protocol: String,
    pub payload: Bytes,
}

/// A node that owns (or is said to own) a shard.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct OwnerHint {
    pub node_id: String,
    pub rpc_address: String,
}

/// Why a node did not run a forwarded request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForwardRefusal {
    /// The node does not own the shard (it never did, lost it or has self-fenced); the
    /// current owner when it knows one.
    #[error("not the owner of the shard{}", owner_suffix(.owner))]
    NotOwner { owner: Option<OwnerHint> },
    /// The request carried an older fencing token than the one the node holds for the shard.
    #[error("fenced: the shard's current fencing token is {current_token}")]
    Fenced { current_token: u64 },
    /// The owner ran the request and it failed (the handler's own error, not retried).
    #[error("the owner failed the request: {0}")]
    Failed(String),
}

fn owner_suffix(owner: &Option<OwnerHint>) -> String {
    match owner {
        Some(hint) => format!(" (owner: {} at {})", hint.node_id, hint.rpc_address),
        None => String::new(),
    }
}

/// One member of the cluster as the membership reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Member {
    pub node_id: String,
    /// `host:port` of the member's RPC server.
    pub rpc_address: String,
}

impl Member {
    pub fn new(node_id: impl Into<String>, rpc_address: impl Into<String>) -> Self {
        Member { node_id: node_id.into(), rpc_address: rpc_address.into() }
    }
}
