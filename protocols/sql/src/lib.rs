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
//! ROLE and password verifiers), [`maintenance`] (VACUUM, ANALYZE), [`timeouts`] (statement_timeout and friends),
//! [`mysql`] (a MySQL session's surface: databases, system and user variables, SET, MySQL
//! transactions, SHOW, information_schema; the system-catalog seam is
//! [`catalog_views::SystemCatalog`]).

pub mod catalog;
pub mod catalog_views;
pub mod copy;
pub mod cursors;
pub mod ddl;
pub mod ddl_undo;
pub mod dialect;
pub mod dml;
pub mod error;
pub mod exec;
pub mod expr;
pub mod format;
pub mod locks;
pub mod maintenance;
pub mod mysql;
pub mod mysql_sql;
pub mod parse;
pub mod plan;
pub mod prepared;
pub mod roles;
pub mod session;
mod settings;
pub mod streaming;
pub mod table_functions;
pub mod timeouts;
pub mod types;
pub mod vector;

pub use error::{Notice, SqlError};
pub use format::{format_text, parse_text};
pub use orbit_storage::Value;
pub use prepared::PreparedStatement;
pub use session::Session;
pub use streaming::QueryStream;
pub use dialect::Dialect;
pub use mysql::origin::ColumnOrigin;
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
    /// The dialect of every session and of the stored texts (views, defaults, checks):
    /// each protocol has its own storage, so one engine speaks one dialect.
    pub(crate) dialect: Dialect,
    /// MySQL's server-wide state: global variables, status counters (see [`mysql`]).
    pub(crate) mysql: mysql::ServerState,
    /// What set-returning functions such as `graphrag_retrieve` reach (see [`table_functions`]).
    pub(crate) functions: table_functions::FunctionHost,
    /// The in-memory structures of pgvector hnsw indexes (see [`vector::hnsw`]).
    pub(crate) vectors: vector::hnsw::VectorIndexes,
}

impl Engine {
    /// Opens a PostgreSQL-dialect engine over `storage`, creating the catalog tables on
    /// first use.
    pub async fn open(storage: Arc<dyn TableStorage>) -> Result<Arc<Engine>, SqlError> {
        Engine::open_with_dialect(storage, Dialect::PostgreSql).await
    }

    /// Opens the engine over `storage` for sessions of `dialect`.
    pub async fn open_with_dialect(storage: Arc<dyn TableStorage>, dialect: Dialect) -> Result<Arc<Engine>, SqlError> {
        let mut state = catalog::load(&storage).await?;
        roles::ensure_table(&storage).await?;
        if let Some(schema) = storage.table_schema(roles::ROLES).await? {
            state.roles_table = Some(Arc::new(catalog::TableInfo::new(roles::ROLES, schema)));
        }
        if dialect.is_mysql() {
            mysql::ensure_catalog(&storage, &mut state).await?;
        }
        Ok(Arc::new(Engine { storage, catalog: RwLock::new(Arc::new(state)), ddl_lock: tokio::sync::Mutex::new(()),
            locks: locks::RowLocks::default(),
            dialect,
            mysql: mysql::ServerState::default(),
            functions: table_functions::FunctionHost::default(),
            vectors: vector::hnsw::VectorIndexes::default(),
        }))
    }

    /// Gives the `graphrag_*` functions the server's GraphRAG storage (the listener's
    /// `ListenerContext::graphrag_storage`); without one they answer "GraphRAG is disabled
    /// on this server". Set once; later calls change nothing.
    pub fn set_graphrag_storage(&self, storage: Option<Arc<dyn TableStorage>>) {
        if let Some(storage) = storage {
            self.functions.set_graphrag_storage(storage);
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
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
    /// The base-table column it reads, when a MySQL session knows it (see
    /// [`mysql::origin`]); always None in PostgreSQL sessions.
    pub origin: Option<Box<ColumnOrigin>>,
    /// MySQL's decimals of the result column (see [`mysql::decimals`]): the fixed number of
    /// fractional digits its values show, when a MySQL session knows it; None: each value
    /// in its own form.
    pub decimals: Option<u8>,
}

impl Column {
    /// A computed column (no origin).
    pub fn new(name: impl Into<String>, ty: SqlType) -> Column {
        Column { name: name.into(), ty, origin: None, decimals: None }
    }
}

/// What Parse/Describe reports about a statement.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementDescription {
    pub params: Vec<SqlType>,
    /// Empty when the statement returns no rows.
    pub columns: Vec<Column>,
}

/// What a data-changing statement did, in protocol-neutral terms; each listener renders
/// it in its own form (PostgreSQL's "INSERT 0 3" tag, MySQL's OK packet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Affected {
    /// Rows inserted, changed or deleted (MySQL's "affected rows": an ON DUPLICATE KEY
    /// UPDATE that changes a row counts 2, as MySQL counts it).
    pub rows: u64,
    /// Rows the statement's WHERE matched (MySQL's "Rows matched" for UPDATE), which can
    /// exceed `rows` when some were already equal to their new values.
    pub matched: u64,
    /// The first AUTO_INCREMENT / SERIAL value the statement generated, if any.
    pub last_insert_id: Option<u64>,
    /// INSERT: the rows the statement offered (VALUES rows or SELECT results) — MySQL's
    /// "Records" — and how many of them met an existing key ("Duplicates": replaced,
    /// ignored or updated by ON DUPLICATE KEY UPDATE).
    pub records: u64,
    pub duplicates: u64,
}

/// The neutral outcome of one statement.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryOutput {
    /// Rows with typed columns; `affected` is set for DML with RETURNING.
    Rows {
        columns: Vec<Column>,
        rows: Vec<Vec<Value>>,
        affected: Option<(Verb, Affected)>,
    },
    /// A statement without rows. `command` names it the way PostgreSQL's command tag
    /// does ("CREATE TABLE", "BEGIN", "SET"); `affected` is set for INSERT, UPDATE,
    /// DELETE, COPY and other row-counting statements.
    Command {
        command: String,
        affected: Option<(Verb, Affected)>,
    },
    Empty,
}

/// The row-counting statement kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Insert,
    Update,
    Delete,
    Copy,
    Select,
    /// FETCH from a cursor.
    Fetch,
}

impl Verb {
    pub fn name(self) -> &'static str {
        match self {
            Verb::Insert => "INSERT",
            Verb::Update => "UPDATE",
            Verb::Delete => "DELETE",
            Verb::Copy => "COPY",
            Verb::Select => "SELECT",
            Verb::Fetch => "FETCH",
        }
    }
}

impl QueryOutput {
    /// A statement that counted rows.
    pub fn counted(verb: Verb, affected: Affected) -> QueryOutput {
        QueryOutput::Command { command: verb.name().to_string(), affected: Some((verb, affected)) }
    }

    /// What the statement did to rows, if it counts them.
    pub fn affected(&self) -> Option<Affected> {
        match self {
            QueryOutput::Rows { affected, .. } | QueryOutput::Command { affected, .. } => affected.map(|(_, a)| a),
            QueryOutput::Empty => None,
        }
    }

    /// The command tag PostgreSQL sends for this output.
    pub fn command_tag(&self) -> String {
        fn counted(verb: Verb, a: &Affected) -> String {
            match verb {
                Verb::Insert => format!("INSERT 0 {}", a.rows),
                other => format!("{} {}", other.name(), a.rows),
            }
        }
        match self {
            QueryOutput::Rows { affected: Some((verb, a)), .. } => counted(*verb, a),
            QueryOutput::Rows { rows, .. } => format!("SELECT {}", rows.len()),
            QueryOutput::Command { affected: Some((verb, a)), .. } => counted(*verb, a),
            QueryOutput::Command { command, .. } => command.clone(),
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
