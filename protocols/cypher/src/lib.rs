//! Orbit's Cypher engine, the query side of the Neo4j listener (protocols/bolt carries the
//! wire; this crate knows nothing of Bolt).
//!
//! A query goes through [`syntax`] (lexer and parser into the [`ast`]), semantic analysis
//! (variable scoping, aggregation rules: the compile-time errors), the planner (label
//! index, property indexes and adjacency prefix scans of `orbit-graph`) and an executor
//! whose results stream: a [`engine::QueryStream`] yields one record at a time, so a
//! million-row result never sits in memory. Values are [`value::Value`]; every failure is
//! one [`error::CypherError`], which the listener maps to Neo4j status codes once.

pub mod aggregate;
pub mod ast;
pub mod engine;
pub mod error;
pub mod functions;
pub mod exec;
pub mod semantic;
pub mod syntax;
pub mod value;

pub use engine::{AccessMode, CypherEngine, CypherTransaction, QueryKind, QueryStats, QueryStream, QuerySummary};
pub use error::{CypherError, CypherResult, ErrorKind};
pub use value::Value;
