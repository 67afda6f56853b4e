//! The RPC's limits and timeouts, shared by the server and the client.
//!
//! Every length read from the network is bounded by one of these: a whole message by
//! `max_message_size` (checked by tonic's codec on the length prefix, before the body is
//! buffered), the shard's names and the protocol name by the fixed limits below.

use std::time::Duration;

/// The longest addressable type accepted, in bytes.
pub const MAX_ADDRESSABLE_TYPE_LEN: usize = 256;
/// The longest shard key accepted, in bytes.
pub const MAX_SHARD_KEY_LEN: usize = 64 * 1024;
/// The longest protocol name accepted, in bytes.
pub const MAX_PROTOCOL_LEN: usize = 64;
/// The longest node id or RPC address carried in a refusal, in bytes.
pub const MAX_NODE_FIELD_LEN: usize = 1024;

/// Settings of the node-to-node RPC.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// The largest encoded request or reply, either way (default 16 MiB).
    pub max_message_size: usize,
    /// The whole forward (connect, send, reply) must finish within this (default 5 s).
    pub request_timeout: Duration,
    /// Connecting to a node must finish within this (default 1 s), inside the request timeout.
    pub connect_timeout: Duration,
    /// Requests one connection may carry at once (HTTP/2 streams; default 256).
    pub max_concurrent_streams: u32,
    /// The largest HTTP/2 header list accepted (default 16 KiB).
    pub max_header_list_size: u32,
    /// Connections the server holds at once; more are closed as they arrive (default 1024).
    pub max_connections: usize,
    /// The server closes a connection that brought no request within this (default 10 s):
    /// garbage that never completes a handshake, or an idle peer holding a slot.
    pub first_request_timeout: Duration,
}

impl Default for RpcConfig {
    fn default() -> Self {
        RpcConfig {
            max_message_size: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(1),
            max_concurrent_streams: 256,
            max_header_list_size: 16 * 1024,
            max_connections: 1024,
            first_request_timeout: Duration::from_secs(10),
        }
    }
}
