//! Table handles and transaction options: what a model resolves once and what it asks of
//! a transaction when it needs less than full snapshot isolation.
//!
//! A [`TableHandle`] names a table by id and schema version, so an operation on it (the
//! lean key-value path of [`crate::Transaction`]) does no lookup by name. A handle made
//! stale by a schema change of its table (drop, truncate, alter, index changes) fails
//! the commit of any transaction that wrote through it with
//! [`crate::StorageError::Conflict`]; resolve the handle again then.

use crate::schema::TableSchema;
use std::sync::Arc;

/// A table resolved once; cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableHandle {
    id: u32,
    version: u32,
    name: Arc<str>,
}

impl TableHandle {
    pub(crate) fn new(schema: &TableSchema) -> Self {
        TableHandle { id: schema.id, version: schema.version, name: Arc::from(schema.name.as_str()) }
    }
    pub fn id(&self) -> u32 {
        self.id
    }
    /// The schema version the handle was resolved at.
    pub fn version(&self) -> u32 {
        self.version
    }
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// How a transaction reads and what its commit checks; the default is snapshot
/// isolation with write-conflict detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnOptions {
    /// The commit fails with `Conflict` when a transaction that committed after this one
    /// began wrote one of its keys. A caller that serializes its own writers switches it
    /// off; the transaction's writes are still recorded, so tracking transactions running
    /// beside it keep detecting conflicts with them.
    pub conflict_tracking: bool,
    /// No snapshot is taken: every read sees the latest committed state (each scan call
    /// one consistent view). Safe when no other writer can commit between this
    /// transaction's reads and its commit, which is what a caller serializing its writers
    /// guarantees.
    pub latest_reads: bool,
}

impl Default for TxnOptions {
    fn default() -> Self {
        TxnOptions { conflict_tracking: true, latest_reads: false }
    }
}

impl TxnOptions {
    /// For a model that serializes its own writers: no conflict tracking, latest reads.
    pub fn serialized_writer() -> Self {
        TxnOptions { conflict_tracking: false, latest_reads: true }
    }
}
