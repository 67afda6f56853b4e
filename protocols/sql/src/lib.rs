//! Orbit's SQL engine, shared by the PostgreSQL listener (and later MySQL).
//!
//! sqlparser → binder (names, types) → logical plan → optimizer (constant folding,
//! predicate pushdown, primary-key and index lookups, hash joins) → executor over
//! [`orbit_storage::TableStorage`]. PostgreSQL semantics first.
//!
//! The public surface a wire listener uses: [`Engine`] (one per server, shared),
//! [`Session`] (one per connection: current database, settings, transaction state),
//! [`QueryOutput`], [`Column`], [`SqlType`] (with PostgreSQL type OIDs), [`SqlError`]
//! (with SQLSTATE), and the text codecs [`format_text`] / [`parse_text`].
//!
//! Modules: [`parse`] (parser front), [`plan`] (binder, join planner, plans),
//! [`expr`] (expressions: eval, casts, comparison, functions), [`exec`] (executor),
//! [`catalog`] (SQL names over storage), [`session`] (sessions, transactions, settings),
//! [`ddl`] and [`dml`] (statement families), [`format`] (text formats), [`roles`] (CREATE/ALTER/DROP
//! ROLE and password verifiers), [`maintenance`] (VACUUM, ANALYZE), [`timeouts`] (statement_timeout and friends).

pub mod catalog;
pub mod catalog_views;
pub mod copy;
pub mod ddl;
pub mod ddl_undo;
pub mod dml;
pub mod error;
pub mod exec;
pub mod expr;
pub mod format;
pub mod locks;
pub mod maintenance;
pub mod parse;
pub mod plan;
pub mod roles;
pub mod session;
pub mod timeouts;
pub mod types;

pub use error::{Notice, SqlError};
pub use format::{format_text, parse_text};
pub use orbit_storage::Value;
pub use session::Session;
pub use types::SqlType;

use catalog::CatalogState;
use orbit_storage::TableStorage;
use parking_lot::RwLock;
use std::sync::Arc;

/// The SQL engine of one server: the storage and an in-memory snapshot of the catalog.
pub struct Engine {
    pub(crate) storage: Arc<dyn TableStorage>,
    catalog: RwLock<Arc<CatalogState>>,
    /// Serializes DDL so catalog snapshots are replaced one change at a time.
    pub(crate) ddl_lock: tokio::sync::Mutex<()>,
    /// Row locks of UPDATE and DELETE (READ COMMITTED waits instead of 40001).
    pub(crate) locks: locks::RowLocks,
}

impl Engine {
    /// Opens the engine over `storage`, creating the catalog tables on first use.
    pub async fn open(storage: Arc<dyn TableStorage>) -> Result<Arc<Engine>, SqlError> {
        let mut state = catalog::load(&storage).await?;
        roles::ensure_table(&storage).await?;
        if let Some(schema) = storage.table_schema(roles::ROLES).await? {
            state.roles_table = Some(Arc::new(catalog::TableInfo::new(roles::ROLES, schema)));
        }
        Ok(Arc::new(Engine { storage, catalog: RwLock::new(Arc::new(state)), ddl_lock: tokio::sync::Mutex::new(()),
            locks: locks::RowLocks::default(),
        }))
    }

    pub(crate) fn catalog(&self) -> Arc<CatalogState> {
        self.catalog.read().clone()
    }

    pub(crate) fn update_catalog(&self, f: impl FnOnce(&mut CatalogState)) {
        let mut guard = self.catalog.write();
        let mut state = (**guard).clone();
        f(&mut state);
        *guard = Arc::new(state);
    }

    /// Re-reads one table's schema from storage into the catalog (or removes it).
    pub(crate) async fn refresh_table(&self, storage_name: &str) -> Result<(), SqlError> {
        let schema = self.storage.table_schema(storage_name).await?;
        self.update_catalog(|c| match schema {
            Some(s) => {
                c.tables.insert(storage_name.to_string(), Arc::new(catalog::TableInfo::new(storage_name, s)));
            }
            None => {
                c.tables.remove(storage_name);
            }
        });
        Ok(())
    }
}

/// A result column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
}

/// What Parse/Describe reports about a statement.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementDescription {
    pub params: Vec<SqlType>,
    /// Empty when the statement returns no rows.
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QueryOutput {
    /// Rows; the command tag is `tag` when set (DML with RETURNING: "INSERT 0 3"),
    /// else "SELECT n".
    Rows {
        columns: Vec<Column>,
        rows: Vec<Vec<Value>>,
        tag: Option<String>,
    },
    /// A command without rows: "INSERT 0 3", "UPDATE 2", "CREATE TABLE", "BEGIN", ...
    Command {
        tag: String,
    },
    Empty,
}

impl QueryOutput {
    /// The command tag PostgreSQL sends for this output.
    pub fn command_tag(&self) -> String {
        match self {
            QueryOutput::Rows { tag: Some(t), .. } => t.clone(),
            QueryOutput::Rows { rows, .. } => format!("SELECT {}", rows.len()),
            QueryOutput::Command { tag } => tag.clone(),
            QueryOutput::Empty => String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    Idle,
    InBlock,
    Failed,
}

#[cfg(test)]
mod tests;
