//! The crate's one error type: everything that keeps a forward from getting an answer
//! from the shard's owner. An owner's refusal is not an error here: it is a
//! [`ForwardRefusal`](crate::ForwardRefusal), except where [`ClusterError::Refused`] hands
//! one back after the router gave up retrying.

use crate::types::{ForwardRefusal, ShardRef};
use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ClusterError {
    /// The request (or a reply) is larger than the configured maximum message size.
    #[error("message of {size} bytes exceeds the maximum message size of {limit} bytes")]
    MessageTooLarge { size: usize, limit: usize },
    /// A field is missing or longer than its limit.
    #[error("invalid message: {0}")]
    InvalidMessage(String),
    /// The node's RPC address could not be reached.
    #[error("cannot connect to {address}: {reason}")]
    Connect { address: String, reason: String },
    /// The forward did not finish in time.
    #[error("no answer from {address} within {after:?}")]
    Timeout { address: String, after: Duration },
    /// The connection failed or the peer answered with a gRPC error status.
    #[error("rpc to {address} failed: {reason}")]
    Transport { address: String, reason: String },
    /// No node owns the shard, or its owner is not a member of the cluster.
    #[error("no live owner for shard {0}")]
    NoOwner(ShardRef),
    /// The owner lookup (the lease directory) failed.
    #[error("owner lookup failed: {0}")]
    Lookup(String),
    /// The owner refused the request and a fresh lookup did not find another placement.
    #[error("shard {shard}: {refusal}")]
    Refused { shard: ShardRef, refusal: ForwardRefusal },
}

pub type ClusterResult<T> = Result<T, ClusterError>;
