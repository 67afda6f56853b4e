//! Orbit's ArangoDB side: a user points python-arango, arangojs or curl at the HTTP port
//! and works with databases, document and edge collections, indexes, AQL cursors, named
//! graphs and stream transactions as against a single ArangoDB server.
//!
//! - [`value`]: the AQL value (JSON with ints apart from doubles, ordered objects), its
//!   order, casts, JSON and the compact binary storage form.
//! - [`store`]: the document model over TableStorage (edges in orbit-graph's adjacency).
//! - [`syntax`] → [`ast`]: the AQL parser. [`exec`]: the planner and streaming executor.
//!   [`functions`]: the function library and aggregates.
//! - [`http`]: the axum HTTP API and the listener.
//! - [`error`]: the one error type (errorNum + HTTP status).

pub mod ast;
pub mod error;
pub mod exec;
pub mod functions;
pub mod http;
pub mod store;
pub mod syntax;
pub mod value;

pub use error::{AqlError, AqlResult};
pub use value::Value;
