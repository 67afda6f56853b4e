//! What a protocol listener implements to be served by `orbit-server`.
//!
//! The server owns configuration, storage and sockets. For every enabled protocol that
//! has a registered [`ProtocolListener`], it binds the protocol's port, opens the
//! protocol's own storage and calls [`ProtocolListener::serve`] with the bound socket and
//! a [`ListenerContext`]. A listener never opens storage itself and does not know whether
//! it runs in persistent or actor mode: it only sees `Arc<dyn TableStorage>`.
//!
//! Adding a listener: implement [`ProtocolListener`] in the protocol crate and add one
//! line to the registry in `server/src/listeners.rs`.
//!
//! The listener kit every listener is built on:
//! - [`accept`]: the accept loop ([`serve_connections`]): connection ids, one task and
//!   one tracing span per connection, the connection cap with the protocol's refusal,
//!   accept-error back-off, panics logged, drain on shutdown;
//! - [`limit`]: the cap itself ([`ConnectionLimit`]), adjustable while running;
//! - [`tls`]: a rustls (ring) server configuration from PEM certificate and key files;
//! - [`secret`]: constant-time comparison of secrets, random salts and nonces.

pub mod accept;
pub mod limit;
pub mod secret;
pub mod tls;

pub use accept::{serve_connections, AcceptOptions, Accepted, DEFAULT_DRAIN_TIMEOUT};
pub use limit::{ConnectionLimit, ConnectionPermit};

use async_trait::async_trait;
use orbit_storage::{StorageError, TableStorage};
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The protocols Orbit serves. Each has its own storage instance and data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Postgresql,
    Mysql,
    Cql,
    Redis,
    Cypher,
    Aql,
    Graphrag,
}

impl Protocol {
    /// Every protocol, in the order the banner and the admin endpoint list them.
    pub const ALL: [Protocol; 7] = [
        Protocol::Postgresql,
        Protocol::Mysql,
        Protocol::Cql,
        Protocol::Redis,
        Protocol::Cypher,
        Protocol::Aql,
        Protocol::Graphrag,
    ];

    /// The protocol's name; also its data directory (`<data-dir>/<name>/rocksdb`), its
    /// TOML table (`[name]`) and its `protocol` label in metrics.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Postgresql => "postgresql",
            Protocol::Mysql => "mysql",
            Protocol::Cql => "cql",
            Protocol::Redis => "redis",
            Protocol::Cypher => "cypher",
            Protocol::Aql => "aql",
            Protocol::Graphrag => "graphrag",
        }
    }

    /// The short name used in command-line flags (`--disable-postgres`) and environment
    /// variables (`ORBIT_POSTGRES_...`).
    pub fn key(self) -> &'static str {
        match self {
            Protocol::Postgresql => "postgres",
            other => other.name(),
        }
    }

    /// The environment variable that selects the storage mode (`persistent` or `actor`).
    pub fn mode_env(self) -> &'static str {
        match self {
            Protocol::Postgresql => "ORBIT_POSTGRES_MODE",
            Protocol::Mysql => "ORBIT_MYSQL_MODE",
            Protocol::Cql => "ORBIT_CQL_MODE",
            Protocol::Redis => "ORBIT_REDIS_MODE",
            Protocol::Cypher => "ORBIT_CYPHER_MODE",
            Protocol::Aql => "ORBIT_AQL_MODE",
            Protocol::Graphrag => "ORBIT_GRAPHRAG_MODE",
        }
    }

    /// A human-readable name including the wire protocol a client speaks.
    pub fn display_name(self) -> &'static str {
        match self {
            Protocol::Postgresql => "PostgreSQL",
            Protocol::Mysql => "MySQL",
            Protocol::Cql => "Cassandra CQL",
            Protocol::Redis => "Redis RESP",
            Protocol::Cypher => "Cypher over Bolt",
            Protocol::Aql => "AQL over ArangoDB HTTP",
            Protocol::Graphrag => "GraphRAG",
        }
    }

    /// The port its listener uses by default; `None` for GraphRAG, which is served
    /// through the other protocols' listeners.
    pub fn default_port(self) -> Option<u16> {
        match self {
            Protocol::Postgresql => Some(5432),
            Protocol::Mysql => Some(3306),
            Protocol::Cql => Some(9042),
            Protocol::Redis => Some(6379),
            Protocol::Cypher => Some(7687),
            Protocol::Aql => Some(8529),
            Protocol::Graphrag => None,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name is not one of [`Protocol::ALL`]'s names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown protocol \"{0}\"")]
pub struct UnknownProtocol(pub String);

impl FromStr for Protocol {
    type Err = UnknownProtocol;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Protocol::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| UnknownProtocol(s.to_string()))
    }
}

/// Everything the server hands a listener besides its socket.
#[derive(Clone)]
pub struct ListenerContext {
    /// This protocol's own storage.
    pub storage: Arc<dyn TableStorage>,
    /// The GraphRAG storage, when GraphRAG is enabled; listeners that serve GraphRAG
    /// commands (RESP, SQL, Cypher, AQL) use it for those.
    pub graphrag_storage: Option<Arc<dyn TableStorage>>,
    /// The address the listener's socket is bound to.
    pub local_addr: SocketAddr,
    /// Flips to `true` when the server shuts down: the listener then stops accepting,
    /// finishes or closes its connections and returns from `serve`.
    pub shutdown: watch::Receiver<bool>,
}

impl ListenerContext {
    /// True once shutdown has been requested.
    pub fn is_shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Completes when shutdown is requested (or the server is gone). Cancel-safe, so it
    /// can sit in a `tokio::select!` next to `accept()`.
    pub async fn shutdown_requested(&mut self) {
        loop {
            if *self.shutdown.borrow_and_update() {
                return;
            }
            if self.shutdown.changed().await.is_err() {
                return;
            }
        }
    }
}

/// Why a listener stopped other than by a requested shutdown.
#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage error: {0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Other(String),
}

/// A protocol's network front end.
#[async_trait]
pub trait ProtocolListener: Send + 'static {
    /// The protocol this listener serves; decides its port, storage and enable switch.
    fn protocol(&self) -> Protocol;

    /// Accepts connections on `listener` until `ctx.shutdown` flips to true, then
    /// returns `Ok(())`. An `Err` means the listener failed and the server shuts down.
    async fn serve(self: Box<Self>, listener: TcpListener, ctx: ListenerContext) -> Result<(), ListenerError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for p in Protocol::ALL {
            assert_eq!(p.name().parse::<Protocol>(), Ok(p));
            assert!(p.mode_env().starts_with("ORBIT_"));
            assert_eq!(p.mode_env(), format!("ORBIT_{}_MODE", p.key().to_uppercase()));
        }
        assert_eq!("postgres".parse::<Protocol>(), Err(UnknownProtocol("postgres".into())));
    }
}
