//! The CQL native protocol, v4 and v5: [`envelope`] framing with our own cap on the
//! body length, v5 [`segment`]s with their CRCs, v4 body [`compression`], the protocol's
//! notation ([`body`]), request decoding ([`requests`]) and response encoding
//! ([`responses`]), the per-connection state machine ([`connection`]) and the listener
//! ([`server`]). It reaches the executor only through [`crate::engine::CqlEngine`].

pub mod body;
pub mod compression;
pub mod connection;
pub mod envelope;
pub mod requests;
pub mod responses;
pub mod segment;
pub mod server;

pub use server::{CqlListener, EngineOpener};

/// The listener's limits.
#[derive(Debug, Clone)]
pub struct CqlWireOptions {
    /// The largest envelope body accepted; checked from the header before buffering.
    pub max_frame_bytes: usize,
    /// Open connections at most; `None`: no cap.
    pub max_connections: Option<usize>,
}

/// Cassandra's `native_transport_max_frame_size` default.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 << 20;

impl Default for CqlWireOptions {
    fn default() -> Self {
        CqlWireOptions { max_frame_bytes: DEFAULT_MAX_FRAME_BYTES, max_connections: Some(1024) }
    }
}

#[cfg(test)]
mod connection_tests;
