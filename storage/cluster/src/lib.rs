//! Orbit's node-to-node RPC (issue 18, "Routing"): a request that reaches a node not
//! owning its shard is forwarded to the owner.
//!
//! - [`wire`]: the protobuf messages (derived by hand, no build script) of the one gRPC
//!   method `orbit.cluster.v1.NodeRpc/Forward`.
//! - [`server`]: [`ShardHandler`], implemented by the node, served over HTTP/2 (tonic's
//!   unary server half on hyper, no TLS yet) on a listener the node binds.
//! - [`client`]: a connection cache per node RPC address and [`RpcClient::forward`] with a
//!   timeout.
//! - [`placement`]: shard → owner cache fed by an owner lookup (the lease directory) and the
//!   member list (a `tokio::sync::watch` the membership feeds).
//! - [`router`]: local or forwarded dispatch with refresh-and-retry on NotOwner / Fenced.
//! - [`fencing`]: the owner's token check; [`metrics`]: counters and latency percentiles.
//!
//! The crate depends on no other Orbit crate: node ids, shards and members are plain
//! strings here, converted at the server's edge.

pub mod client;
pub mod config;
pub mod error;
pub mod fencing;
pub mod metrics;
pub mod placement;
pub mod router;
pub mod server;
pub mod types;
pub mod wire;

pub use client::{ForwardOutcome, RpcClient};
pub use config::RpcConfig;
pub use error::{ClusterError, ClusterResult};
pub use fencing::check_token;
pub use metrics::{ClusterMetrics, ClusterMetricsSnapshot};
pub use placement::{LookupFn, MembershipReceiver, OwnerLookup, OwnerRecord, Placement, PlacementCache};
pub use router::Router;
pub use server::{RpcServer, ShardHandler};
pub use types::{ForwardRefusal, ForwardRequest, Member, OwnerHint, ShardRef};
