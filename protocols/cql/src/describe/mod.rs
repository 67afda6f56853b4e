//! Server-side DESCRIBE as Cassandra 4.1 answers it (cqlsh 6.2 sends `DESCRIBE ...` to a
//! 4.x server and prints the rows it gets back): a pure function from a
//! [`Describe`](crate::parse::ast::Describe) and a [`SchemaView`] to [`Rows`].
//!
//! Written against the Apache Cassandra source at revision
//! `54c1cc15017e82748b215bbf49cb4e128d3016a2` (build.xml `base.version` 4.1, March 2022):
//! `cql3/statements/DescribeStatement.java` for the forms, their columns and row order,
//! `schema/KeyspaceMetadata`, `ReplicationParams`, `TableMetadata`, `TableParams`,
//! `CachingParams`, `CompactionParams`, `CompressionParams`, `IndexMetadata`,
//! `db/marshal/UserType`, `cql3/CqlBuilder`, `CQL3Type` and `ColumnIdentifier` for the
//! text, and the expected strings of `DescribeStatementTest` for the tests.
//!
//! - [`cql_text`]: identifier quoting, type names, Java number and ordering rules.
//! - [`keyspace_text`], [`table_text`], [`type_text`], [`params`]: the CREATE statements.
//! - [`statement`]: which rows each DESCRIBE form returns.
//!
//! What Orbit does not store prints as Cassandra's default for a table created without
//! it (see [`params`]); DESCRIBE CLUSTER never carries `range_ownership` (the view has no
//! token ring), and `WITH INTERNALS` / `ONLY` / materialized views / functions are not
//! part of Orbit's grammar or schema (FUNCTIONS and AGGREGATES list nothing).

pub mod cql_text;
pub mod keyspace_text;
pub mod params;
pub mod statement;
pub mod table_text;
pub mod type_text;

#[cfg(test)]
mod tests;

use crate::engine::Rows;
use crate::error::CqlResult;
use crate::parse::ast::Describe;
use crate::schema::{KeyspaceDef, TableDef, UserTypeDef};
use std::sync::Arc;

/// The schema a DESCRIBE statement reads, with the session and node facts it shows.
pub struct SchemaView<'a> {
    /// Every keyspace, system and virtual ones included (DESCRIBE KEYSPACES lists them;
    /// DESCRIBE SCHEMA without FULL skips them).
    pub keyspaces: &'a [KeyspaceDef],
    /// Tables of any keyspace (system tables included when the caller has them).
    pub tables: &'a [Arc<TableDef>],
    pub types: &'a [Arc<UserTypeDef>],
    /// The keyspace of USE.
    pub session_keyspace: Option<&'a str>,
    pub cluster_name: &'a str,
    /// Class name, with or without `org.apache.cassandra.dht.` (printed without).
    pub partitioner: &'a str,
    /// Class name, with or without `org.apache.cassandra.locator.` (printed without).
    pub snitch: &'a str,
}

/// Answers one DESCRIBE statement: text cells (UTF-8) in columns of `system.describe`.
pub fn describe(what: &Describe, view: &SchemaView<'_>) -> CqlResult<Rows> {
    statement::describe(what, view)
}
