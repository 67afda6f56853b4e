//! Orbit's Cassandra CQL front end.
//!
//! - [`wire`]: the native protocol (v4 envelopes, v5 segments, compression), the
//!   connection state machine and the listener; it speaks to the engine only through
//!   [`engine::CqlEngine`].
//! - [`parse`]: the CQL 3.4 grammar into [`parse::ast`].
//! - [`model`]: the wide-column model over `TableStorage` (schema catalog, cells with
//!   write timestamps and TTLs, tombstones, partitions in Murmur3 token order) and the
//!   values' native encoding.
//! - [`engine`]: the contract between the wire and the executor; [`error`]: the one
//!   error type of this crate, mapped once to CQL error codes.
//! - [`types`]: CQL data types; [`schema`]: keyspace/table/type definitions — both
//!   shared by all of the above.

pub mod describe;
pub mod engine;
pub mod error;
pub mod exec;
pub mod model;
pub mod parse;
pub mod schema;
pub mod system;
pub mod types;
pub mod wire;
