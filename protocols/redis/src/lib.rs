//! Orbit's Redis listener: RESP2/RESP3 on the wire, Redis 7.0's commands, and the Redis
//! data types encoded over the protocol's [`orbit_storage::TableStorage`].
//!
//! Modules:
//! - [`resp`]: the [`resp::Frame`] value, an incremental parser of client requests
//!   (multibulk and inline, every length bounded) and the RESP2/RESP3 encoder.
//! - [`keyspace`]: Redis keys and types over TableStorage (a metadata row per key plus
//!   versioned sub-rows per member), lazy and active expiry, background garbage
//!   collection of deleted collections, 16 logical databases.
//! - [`commands`]: the command table (arity, flags, key positions, for COMMAND and
//!   dispatch) and one module per command family.
//! - [`server`]: the listener, the server-wide [`server::Shared`] state and one task per
//!   connection ([`connection`]).
//! - [`client_registry`]: the connected clients (CLIENT LIST/KILL, INFO clients).
//! - [`write_queue`]: group commit of concurrent connections' writes.
//! - [`transactions`]: WATCH's versions of watched keys (MULTI/EXEC run in the connection).
//! - [`blocking`]: the FIFO queues of clients blocked in BLPOP & co.
//! - [`pubsub`]: channel and pattern subscriptions, bounded per-subscriber delivery.
//! - [`search`]: RediSearch-style FT indexes over hashes (KNN vector search, prefilters),
//!   kept in step with every keyspace commit; `commands::graphrag` serves GRAPHRAG.*.
//! - [`error`]: [`error::RedisError`], the one error type, rendered as Redis's own error
//!   replies.

pub mod blocking;
pub mod client_registry;
pub mod commands;
pub mod connection;
pub mod error;
pub mod keyspace;
pub mod pubsub;
pub mod resp;
pub mod search;
pub mod server;
#[cfg(test)]
pub(crate) mod test_listener;
pub mod transactions;
pub mod write_queue;

pub use server::{RedisListener, RedisOptions};
