//! The system keyspaces as Cassandra 4.1 shows them to drivers and cqlsh: the table
//! definitions ([`tables`]), the node's system.local row ([`local`]) and the
//! system_schema / system_virtual_schema rows describing keyspaces, tables, columns,
//! indexes and types ([`schema_rows`]). The executor writes these rows into an in-memory
//! view model ([`crate::exec::system_view`]).
//!
//! What the drivers read (cassandra-driver 3.30 `cluster.py` / `metadata.py`): the control
//! connection sends `SELECT * FROM system.local WHERE key='local'`, `SELECT * FROM
//! system.peers_v2` (falling back to system.peers on an error), and for schema agreement
//! `SELECT schema_version FROM system.local WHERE key='local'`; SchemaParserV4 (chosen
//! for release_version >= 4.0) reads `SELECT * FROM` system_schema.keyspaces, tables,
//! columns, types, functions, aggregates, triggers, indexes, views and
//! system_virtual_schema.keyspaces, tables, columns.

pub mod local;
pub mod schema_rows;
pub mod tables;

pub use local::{local_rows, LocalNode};
pub use schema_rows::schema_rows;
pub use tables::{SystemTable, TABLES};

use crate::error::{CqlError, CqlResult};
use crate::exec::table_def::{build, DeclaredColumn};
use crate::model::CqlValue;
use crate::parse::ast::Statement;
use crate::parse::parse_statement;
use crate::schema::{KeyspaceDef, Replication, TableDef};

pub const VIRTUAL_SCHEMA: &str = "system_virtual_schema";

/// One row of a system table: cells by column name (absent columns are null).
pub struct SystemRow {
    pub keyspace: &'static str,
    pub table: &'static str,
    pub cells: Vec<(&'static str, CqlValue)>,
}

/// The system keyspaces as system_schema.keyspaces lists them on a 4.1 node
/// (system_traces' default replication factor is 2, system_distributed's 3).
pub fn system_keyspaces() -> Vec<KeyspaceDef> {
    let simple = |rf| Replication::Simple { replication_factor: rf };
    [
        ("system", Replication::Local),
        ("system_auth", simple(1)),
        ("system_distributed", simple(3)),
        ("system_schema", Replication::Local),
        ("system_traces", simple(2)),
    ]
    .into_iter()
    .map(|(name, replication)| KeyspaceDef { name: name.to_string(), replication, durable_writes: true })
    .collect()
}

/// The system tables' definitions, each parsed and built from its CQL text; ids are
/// name-based (MD5 of keyspace and table, as a version 3 uuid) so they stay stable.
pub fn system_table_defs() -> CqlResult<Vec<TableDef>> {
    let mut defs = Vec::with_capacity(TABLES.len());
    for t in TABLES {
        let parsed = parse_statement(t.cql)?;
        let Statement::CreateTable(ct) = parsed.statement else {
            return Err(CqlError::server(format!("system table {}.{} is not a CREATE TABLE", t.keyspace, t.name)));
        };
        let declared = ct
            .columns
            .iter()
            .map(|c| DeclaredColumn { name: c.name.clone(), ty: c.ty.clone(), is_static: c.is_static })
            .collect();
        let clustering: Vec<_> = ct
            .clustering
            .iter()
            .map(|c| (c.clone(), ct.clustering_order.iter().find(|(n, _)| n == c).map(|(_, o)| *o).unwrap_or_default()))
            .collect();
        let mut def = build(t.keyspace, t.name, declared, &ct.partition_key, &clustering, Default::default(), 0)?;
        let mut id = md5::compute(format!("{}.{}", t.keyspace, t.name)).0;
        id[6] = (id[6] & 0x0f) | 0x30;
        id[8] = (id[8] & 0x3f) | 0x80;
        def.id = id;
        defs.push(def);
    }
    Ok(defs)
}

#[cfg(test)]
mod tests;
