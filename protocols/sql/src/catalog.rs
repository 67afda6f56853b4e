//! The SQL catalog over [`TableStorage`]: databases, schemas, tables, views and
//! sequences, and how SQL names map onto storage.
//!
//! Every table lives in the one storage instance under the qualified name
//! `database.schema.table`. Databases, schemas and views are rows of small storage
//! tables (`__orbit_databases`, `__orbit_schemas`, `__orbit_views`); sequences
//! (SERIAL, IDENTITY, hidden row ids) are rows of `__orbit_sequences`, bumped in their
//! own short transactions (non-transactional, as in PostgreSQL). Table metadata the
//! storage does not model (CHECK constraints, the hidden row-id column) goes into the
//! table's `options`.
//!
//! The engine keeps an immutable snapshot of the whole catalog in memory
//! ([`CatalogState`]), replaced on every DDL statement, so binding never awaits storage.

use crate::error::{sqlstate, SqlError};
use crate::types::SqlType;
use orbit_storage::{ColumnDef, DataType, StorageError, TableDef, TableSchema, TableStorage, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

pub const DATABASES: &str = "__orbit_databases";
pub const SCHEMAS: &str = "__orbit_schemas";
pub const VIEWS: &str = "__orbit_views";
pub const SEQUENCES: &str = "__orbit_sequences";
/// Extensions created per database ("db.extension" → version).
pub const EXTENSIONS: &str = "__orbit_extensions";
/// Name of the hidden row-id column of a table declared without a primary key.
pub const ROWID: &str = "__orbit_rowid";
pub const OPT_HIDDEN: &str = "orbit.hidden_rowid";
/// The primary-key constraint's name when it is not `<table>_pkey` (ADD CONSTRAINT name PRIMARY KEY).
pub const OPT_PKEY_NAME: &str = "orbit.primary_key_name";
pub const OPT_CHECK_PREFIX: &str = "orbit.check.";
/// Marks a GENERATED ALWAYS AS IDENTITY column (explicit values are refused).
pub const OPT_IDENTITY_ALWAYS_PREFIX: &str = "orbit.identity_always.";

#[derive(Debug, Clone, PartialEq)]
pub struct ViewDef {
    pub sql: String,
    pub columns: Vec<String>,
}

/// A table as the binder sees it.
#[derive(Debug, Clone)]
pub struct TableInfo {
    pub storage_name: String,
    pub name: String,
    pub schema: Arc<TableSchema>,
    /// Position of the hidden row-id column.
    pub hidden: Option<usize>,
    /// CHECK constraints: name and SQL text.
    pub checks: Vec<(String, String)>,
    /// Per column, the MySQL checks of its declared type (MySQL tables only; empty
    /// otherwise): see [`crate::mysql_sql::types`].
    pub mysql_kinds: Vec<Option<crate::mysql_sql::types::Kind>>,
}

impl TableInfo {
    pub fn new(storage_name: &str, schema: Arc<TableSchema>) -> TableInfo {
        let hidden = schema.options.get(OPT_HIDDEN).and_then(|c| schema.column_position(c));
        let checks = schema
            .options
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(OPT_CHECK_PREFIX).map(|n| (n.to_string(), v.clone())))
            .collect();
        let name = storage_name.rsplit('.').next().unwrap_or(storage_name).to_string();
        let mysql_kinds = crate::mysql_sql::types::kinds_of(&schema);
        TableInfo { storage_name: storage_name.to_string(), name, schema, hidden, checks, mysql_kinds }
    }
    pub fn columns(&self) -> Vec<&ColumnDef> {
        self.schema.columns().collect()
    }
    pub fn column_types(&self) -> Vec<SqlType> {
        self.schema
            .columns()
            .map(|c| {
                let vector = self.schema.options.get(&format!("{}{}", crate::vector::OPT_DIMS_PREFIX, c.name));
                match vector {
                    Some(dims) => SqlType::Vector(dims.parse().ok()),
                    None => SqlType::from_data_type(&c.data_type),
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct CatalogState {
    pub databases: BTreeSet<String>,
    /// "db.schema"
    pub schemas: BTreeSet<String>,
    /// "db.schema.view"
    pub views: BTreeMap<String, ViewDef>,
    /// storage name → table
    pub tables: HashMap<String, Arc<TableInfo>>,
    /// The roles table (`__orbit_roles`), which pg_roles and pg_user read.
    pub roles_table: Option<Arc<TableInfo>>,
    /// "db.extension" → version, of CREATE EXTENSION.
    pub extensions: BTreeMap<String, String>,
}

impl CatalogState {
    /// Whether `CREATE EXTENSION vector` ran in database `db`.
    pub fn has_vector(&self, db: &str) -> bool {
        self.extensions.contains_key(&format!("{db}.{}", crate::vector::EXTENSION))
    }
}

impl CatalogState {
    pub fn relation_exists(&self, qualified: &str) -> bool {
        self.tables.contains_key(qualified) || self.views.contains_key(qualified)
    }
    /// Tables of one schema ("db.schema").
    pub fn tables_in<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a Arc<TableInfo>> + 'a {
        self.tables.values().filter(move |t| {
            t.storage_name.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.') && !rest[1..].contains('.'))
        })
    }
}

fn text_table(name: &str, extra: Vec<ColumnDef>) -> TableDef {
    let mut def = TableDef::new(name).column(ColumnDef::new("name", DataType::Text).not_null()).primary_key(&["name"]);
    def.columns.extend(extra);
    def
}

/// Creates the catalog tables when missing and loads the catalog.
pub async fn load(storage: &Arc<dyn TableStorage>) -> Result<CatalogState, SqlError> {
    let defs = [
        text_table(DATABASES, vec![]),
        text_table(SCHEMAS, vec![]),
        text_table(VIEWS, vec![ColumnDef::new("sql", DataType::Text), ColumnDef::new("columns", DataType::Text)]),
        text_table(SEQUENCES, vec![ColumnDef::new("value", DataType::Int64)]),
        text_table(EXTENSIONS, vec![ColumnDef::new("version", DataType::Text)]),
    ];
    for def in &defs {
        if storage.table_schema(&def.name).await?.is_none() {
            match storage.create_table(def).await {
                Ok(_) | Err(StorageError::TableExists(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    for (table, name) in [(DATABASES, "postgres"), (SCHEMAS, "postgres.public")] {
        if storage.get(table, &[Value::Text(name.into())]).await?.is_none() {
            storage.upsert(table, vec![Value::Text(name.into())]).await?;
        }
    }
    let mut state = CatalogState::default();
    for row in storage.scan(DATABASES, &Default::default()).await? {
        if let Some(Value::Text(n)) = row.first() {
            state.databases.insert(n.clone());
        }
    }
    for row in storage.scan(SCHEMAS, &Default::default()).await? {
        if let Some(Value::Text(n)) = row.first() {
            state.schemas.insert(n.clone());
        }
    }
    for row in storage.scan(EXTENSIONS, &Default::default()).await? {
        if let [Value::Text(n), Value::Text(version)] = row.as_slice() {
            state.extensions.insert(n.clone(), version.clone());
        }
    }
    for row in storage.scan(VIEWS, &Default::default()).await? {
        if let [Value::Text(n), Value::Text(sql), cols] = row.as_slice() {
            let columns = match cols {
                Value::Text(c) if !c.is_empty() => c.split('\u{1f}').map(String::from).collect(),
                _ => Vec::new(),
            };
            state.views.insert(n.clone(), ViewDef { sql: sql.clone(), columns });
        }
    }
    for name in storage.list_tables().await? {
        if name.starts_with("__orbit_") || !name.contains('.') {
            continue;
        }
        if let Some(schema) = storage.table_schema(&name).await? {
            state.tables.insert(name.clone(), Arc::new(TableInfo::new(&name, schema)));
        }
    }
    Ok(state)
}

/// Advances a sequence by `n` in its own transaction (retrying on conflicts); returns
/// the first of the `n` new values.
pub async fn next_values(storage: &Arc<dyn TableStorage>, sequence: &str, n: i64) -> Result<i64, SqlError> {
    for _ in 0..100 {
        let mut tx = storage.begin().await?;
        let key = [Value::Text(sequence.to_string())];
        let current = match tx.get(SEQUENCES, &key).await? {
            Some(row) => match row.get(1) {
                Some(Value::Int(v)) => *v,
                _ => 0,
            },
            None => 0,
        };
        let last = current.checked_add(n).ok_or_else(|| {
            SqlError::new("2200H", format!("nextval: reached maximum value of sequence \"{sequence}\""))
        })?;
        tx.upsert(SEQUENCES, vec![Value::Text(sequence.to_string()), Value::Int(last)]).await?;
        match tx.commit().await {
            Ok(()) => return Ok(current + 1),
            Err(StorageError::Conflict) => {
                tokio::task::yield_now().await;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(SqlError::new(sqlstate::SERIALIZATION_FAILURE, "could not advance sequence under contention"))
}

/// Sets a sequence's current value (used by DROP/TRUNCATE cleanups).
pub async fn drop_sequences_with_prefix(storage: &Arc<dyn TableStorage>, prefix: &str) -> Result<(), SqlError> {
    let rows = storage.scan(SEQUENCES, &Default::default()).await?;
    let mut tx = storage.begin().await?;
    for row in rows {
        if let Some(Value::Text(n)) = row.first() {
            if n.starts_with(prefix) {
                tx.delete(SEQUENCES, &[Value::Text(n.clone())]).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}
