//! The Bolt listener: [`BoltListener`] opens the Cypher engine over the protocol's
//! storage and serves connections through the listener kit's accept loop; each
//! connection runs [`connection::serve`] (handshake, framing, pipelining) over a
//! [`handler::Handler`] (the session state machine against the engine, with RUN, PULL and
//! DISCARD in [`results`]); FAILUREs take the version's shape in [`failure`]; responses go
//! out through [`outbox`].

pub mod connection;
pub mod failure;
pub mod handler;
pub mod listener;
pub mod outbox;
mod results;

use std::sync::Arc;
use std::time::Duration;

use orbit_cypher::CypherEngine;

pub use listener::{BoltListener, EngineOpener};

/// Default largest message accepted from a client.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 << 20;
/// Default time a client has to send the handshake, and then HELLO.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How the listener is set up.
#[derive(Debug, Clone)]
pub struct BoltOptions {
    pub max_message_bytes: usize,
    /// `host:port` put in routing tables; `None`: the address the listener is bound to.
    pub advertised_address: Option<String>,
    /// Open connections at most; `None`: no cap.
    pub max_connections: Option<usize>,
    pub handshake_timeout: Duration,
    pub hello_timeout: Duration,
    /// Sent as the `connection.recv_timeout_seconds` hint when set.
    pub recv_timeout_hint: Option<u32>,
}

impl Default for BoltOptions {
    fn default() -> Self {
        BoltOptions {
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            advertised_address: None,
            max_connections: Some(1024),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            hello_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            recv_timeout_hint: None,
        }
    }
}

/// What every connection of one listener shares.
pub struct ConnectionSettings {
    pub engine: Arc<dyn CypherEngine>,
    pub advertised_address: String,
    pub max_message_bytes: usize,
    pub handshake_timeout: Duration,
    pub hello_timeout: Duration,
    pub recv_timeout_hint: Option<u32>,
}

impl ConnectionSettings {
    pub fn new(engine: Arc<dyn CypherEngine>, options: &BoltOptions, advertised_address: String) -> ConnectionSettings {
        ConnectionSettings {
            engine,
            advertised_address,
            max_message_bytes: options.max_message_bytes,
            handshake_timeout: options.handshake_timeout,
            hello_timeout: options.hello_timeout,
            recv_timeout_hint: options.recv_timeout_hint,
        }
    }
}

#[cfg(test)]
mod tests;
