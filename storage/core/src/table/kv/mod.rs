//! [`KvTableStorage`]: tables, indexes, transactions and TTL over any [`KvEngine`].
//!
//! The catalog is cached in memory and persisted in the engine (see `layout`); it is
//! reloaded by [`KvTableStorage::open`]. Commits and catalog changes are serialized by
//! one commit lock: a commit checks for write-write conflicts, writes its whole batch
//! (rows, index entries, TTL entries) atomically, then publishes its sequence number.

mod bulk;
mod conflicts;
mod scanner;
mod txn;

use super::layout;
use super::{now_millis, BulkLoad, TableHandle, TableStorage, Transaction, TxnOptions};
use crate::engine::{KeyRange, KvEngine, WriteBatch};
use crate::error::{StorageError, StorageResult};
use crate::health::HealthStatus;
use crate::metrics::{MetricsSnapshot, Operation, StorageMetrics};
use crate::schema::{AlterTable, IndexDef, TableDef, TableSchema};
use async_trait::async_trait;
pub use bulk::KvBulkLoad;
use conflicts::{CommitLog, WriteLog};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use txn::KvTransaction;

const CATALOG_FORMAT: u8 = 1;

#[derive(Default)]
struct Catalog {
    by_name: HashMap<String, Arc<TableSchema>>,
    by_id: HashMap<u32, Arc<TableSchema>>,
    next_table_id: u32,
}

impl Catalog {
    fn insert(&mut self, schema: Arc<TableSchema>) {
        self.by_name.insert(schema.name.clone(), schema.clone());
        self.by_id.insert(schema.id, schema);
    }
    fn remove(&mut self, schema: &TableSchema) {
        self.by_name.remove(&schema.name);
        self.by_id.remove(&schema.id);
    }
}

pub(crate) struct Inner {
    engine: Arc<dyn KvEngine>,
    catalog: RwLock<Catalog>,
    commit_lock: tokio::sync::Mutex<WriteLog>,
    commits: CommitLog,
    metrics: StorageMetrics,
    bulk: bulk::BulkState,
}

impl Inner {
    fn table(&self, name: &str) -> StorageResult<Arc<TableSchema>> {
        self.catalog.read().by_name.get(name).cloned().ok_or_else(|| StorageError::TableNotFound(name.to_string()))
    }

    fn table_by_id(&self, id: u32) -> Option<Arc<TableSchema>> {
        self.catalog.read().by_id.get(&id).cloned()
    }
}

/// Table storage over an ordered KV engine; see the module docs of [`crate::table`].
pub struct KvTableStorage {
    inner: Arc<Inner>,
}

fn encode_schema(schema: &TableSchema) -> StorageResult<Vec<u8>> {
    let mut out = vec![CATALOG_FORMAT];
    let body = postcard::to_allocvec(schema).map_err(|e| StorageError::Engine(format!("cannot encode schema: {e}")))?;
    out.extend_from_slice(&body);
    Ok(out)
}

fn decode_schema(bytes: &[u8]) -> StorageResult<TableSchema> {
    match bytes.split_first() {
        Some((&CATALOG_FORMAT, body)) => postcard::from_bytes(body)
            .map_err(|e| StorageError::corruption(format!("catalog entry cannot be decoded: {e}"))),
        Some((v, _)) => Err(StorageError::corruption(format!("unknown catalog format {v}"))),
        None => Err(StorageError::corruption("empty catalog entry")),
    }
}

impl KvTableStorage {
    /// Opens the storage on `engine`, loading the catalog it holds.
    pub async fn open(engine: Arc<dyn KvEngine>) -> StorageResult<Arc<Self>> {
        let snapshot = engine.snapshot();
        let mut catalog = Catalog::default();
        let mut range = KeyRange::prefix(&layout::catalog_prefix());
        loop {
            let page = snapshot.scan(&range, false, 256).await?;
            for (_, value) in &page {
                catalog.insert(Arc::new(decode_schema(value)?));
            }
            match page.last() {
                Some((last, _)) if page.len() == 256 => range.start = std::ops::Bound::Excluded(last.clone()),
                _ => break,
            }
        }
        let stored_next = match snapshot.get(&layout::meta_key(layout::NEXT_TABLE_ID)).await? {
            Some(bytes) => {
                u32::from_be_bytes(bytes.as_slice().try_into().map_err(|_| StorageError::corruption("next table id"))?)
            }
            None => 1,
        };
        let live: std::collections::HashSet<u32> = catalog.by_id.keys().copied().collect();
        bulk::recover(engine.as_ref(), &live).await?;
        let max_id = catalog.by_id.keys().copied().max().unwrap_or(0);
        catalog.next_table_id = stored_next.max(max_id + 1);
        tracing::debug!(engine = engine.name(), tables = catalog.by_name.len(), "table storage opened");
        Ok(Arc::new(KvTableStorage {
            inner: Arc::new(Inner {
                engine,
                catalog: RwLock::new(catalog),
                commit_lock: tokio::sync::Mutex::new(WriteLog::default()),
                commits: CommitLog::default(),
                metrics: StorageMetrics::new(),
                bulk: bulk::BulkState::default(),
            }),
        }))
    }

    fn record<T>(&self, op: Operation, started: Instant, result: StorageResult<T>) -> StorageResult<T> {
        self.inner.metrics.measure(op, started, result)
    }

    /// Writes a catalog change under the commit lock and publishes it to the cache.
    async fn write_catalog(
        &self,
        mut batch: WriteBatch,
        removed: Option<Arc<TableSchema>>,
        added: Option<Arc<TableSchema>>,
        next_table_id: Option<u32>,
    ) -> StorageResult<()> {
        if let Some(old) = &removed {
            if added.as_ref().is_none_or(|new| new.name != old.name) {
                batch.delete(layout::catalog_key(&old.name));
            }
        }
        if let Some(new) = &added {
            batch.put(layout::catalog_key(&new.name), encode_schema(new)?);
        }
        if let Some(id) = next_table_id {
            batch.put(layout::meta_key(layout::NEXT_TABLE_ID), id.to_be_bytes().to_vec());
        }
        self.inner.engine.write(batch).await?;
        let mut catalog = self.inner.catalog.write();
        if let Some(old) = &removed {
            catalog.remove(old);
        }
        if let Some(new) = added {
            catalog.insert(new);
        }
        if let Some(id) = next_table_id {
            catalog.next_table_id = id;
        }
        Ok(())
    }

    async fn create_table_inner(&self, def: &TableDef) -> StorageResult<Arc<TableSchema>> {
        let _commit = self.inner.commit_lock.lock().await;
        let id = {
            let catalog = self.inner.catalog.read();
            if catalog.by_name.contains_key(&def.name) {
                return Err(StorageError::TableExists(def.name.clone()));
            }
            catalog.next_table_id
        };
        let schema = Arc::new(TableSchema::from_def(id, def)?);
        // A table id may have held data before a crash between writes; clear it.
        let mut batch = WriteBatch::new();
        let prefix = layout::table_prefix(id);
        if let Some(end) = crate::engine::prefix_end(&prefix) {
            batch.delete_range(prefix, end);
        }
        self.write_catalog(batch, None, Some(schema.clone()), Some(id + 1)).await?;
        Ok(schema)
    }

    async fn drop_table_inner(&self, name: &str) -> StorageResult<()> {
        let _commit = self.inner.commit_lock.lock().await;
        let schema = self.inner.table(name)?;
        let mut batch = WriteBatch::new();
        let prefix = layout::table_prefix(schema.id);
        if let Some(end) = crate::engine::prefix_end(&prefix) {
            batch.delete_range(prefix, end);
        }
        self.write_catalog(batch, Some(schema), None, None).await
    }

    async fn truncate_inner(&self, name: &str) -> StorageResult<()> {
        let _commit = self.inner.commit_lock.lock().await;
        let schema = self.inner.table(name)?;
        let mut batch = WriteBatch::new();
        let prefix = layout::table_prefix(schema.id);
        if let Some(end) = crate::engine::prefix_end(&prefix) {
            batch.delete_range(prefix, end);
        }
        let mut new = (*schema).clone();
        new.version += 1;
        self.write_catalog(batch, Some(schema), Some(Arc::new(new)), None).await
    }

    async fn alter_inner(&self, name: &str, change: AlterTable) -> StorageResult<Arc<TableSchema>> {
        let mut commit = self.inner.commit_lock.lock().await;
        let schema = self.inner.table(name)?;
        if let AlterTable::RenameTable(to) = &change {
            if to != name && self.inner.catalog.read().by_name.contains_key(to) {
                return Err(StorageError::TableExists(to.clone()));
            }
        }
        let mut new = (*schema).clone();
        let removed = new.apply(&change)?;
        if let AlterTable::SetPrimaryKey { .. } = &change {
            // Commits are held off by the lock, so the snapshot has every committed row;
            // transactions that wrote under the old schema fail at commit (table id check).
            return bulk::rekey_chunked(&self.inner, &mut commit, schema, new).await;
        }
        let mut batch = WriteBatch::new();
        for index in removed {
            let prefix = layout::index_prefix(schema.id, index.id);
            if let Some(end) = crate::engine::prefix_end(&prefix) {
                batch.delete_range(prefix, end);
            }
        }
        let new = Arc::new(new);
        self.write_catalog(batch, Some(schema), Some(new.clone()), None).await?;
        Ok(new)
    }

    async fn create_index_inner(&self, table: &str, def: &IndexDef) -> StorageResult<()> {
        let _commit = self.inner.commit_lock.lock().await;
        let schema = self.inner.table(table)?;
        let mut new = (*schema).clone();
        let index = new.add_index(def)?.clone();
        new.version += 1;
        let new = Arc::new(new);
        // Commits are held off by the lock, so this snapshot has every committed row.
        let batch = txn::build_index(&self.inner, &new, &index).await?;
        self.write_catalog(batch, Some(schema), Some(new), None).await
    }

    async fn drop_index_inner(&self, table: &str, index: &str) -> StorageResult<()> {
        let _commit = self.inner.commit_lock.lock().await;
        let schema = self.inner.table(table)?;
        let mut new = (*schema).clone();
        let position = new
            .indexes
            .iter()
            .position(|i| i.name == index)
            .ok_or_else(|| StorageError::IndexNotFound(index.to_string()))?;
        let removed = new.indexes.remove(position);
        new.version += 1;
        let mut batch = WriteBatch::new();
        let prefix = layout::index_prefix(schema.id, removed.id);
        if let Some(end) = crate::engine::prefix_end(&prefix) {
            batch.delete_range(prefix, end);
        }
        self.write_catalog(batch, Some(schema), Some(Arc::new(new)), None).await
    }

    /// Begins a transaction (concrete type; [`TableStorage::begin`] boxes it).
    pub fn begin_transaction(&self) -> KvTransaction {
        KvTransaction::new(self.inner.clone(), TxnOptions::default())
    }

    async fn purge_inner(&self, limit: usize) -> StorageResult<u64> {
        let now = now_millis();
        let mut tx = self.begin_transaction();
        let removed = tx.purge_expired(now, limit).await?;
        if !tx.has_writes() {
            // Nothing was due: no commit (keeps the commit metrics about real work).
            return Ok(0);
        }
        match Box::new(tx).commit().await {
            Ok(()) => Ok(removed),
            // A user transaction touched one of the rows first; the next sweep retries.
            Err(StorageError::Conflict) => Ok(0),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl TableStorage for KvTableStorage {
    async fn create_table(&self, def: &TableDef) -> StorageResult<Arc<TableSchema>> {
        let started = Instant::now();
        let result = self.create_table_inner(def).await;
        self.record(Operation::Ddl, started, result)
    }

    async fn drop_table(&self, name: &str) -> StorageResult<()> {
        let started = Instant::now();
        let result = self.drop_table_inner(name).await;
        self.record(Operation::Ddl, started, result)
    }

    async fn alter_table(&self, name: &str, change: AlterTable) -> StorageResult<Arc<TableSchema>> {
        let started = Instant::now();
        let result = self.alter_inner(name, change).await;
        self.record(Operation::Ddl, started, result)
    }

    async fn truncate_table(&self, name: &str) -> StorageResult<()> {
        let started = Instant::now();
        let result = self.truncate_inner(name).await;
        self.record(Operation::Ddl, started, result)
    }

    async fn table_schema(&self, name: &str) -> StorageResult<Option<Arc<TableSchema>>> {
        Ok(self.inner.catalog.read().by_name.get(name).cloned())
    }

    async fn list_tables(&self) -> StorageResult<Vec<String>> {
        let mut names: Vec<String> = self.inner.catalog.read().by_name.keys().cloned().collect();
        names.sort();
        Ok(names)
    }

    async fn create_index(&self, table: &str, index: &IndexDef) -> StorageResult<()> {
        let started = Instant::now();
        let result = self.create_index_inner(table, index).await;
        self.record(Operation::Ddl, started, result)
    }

    async fn drop_index(&self, table: &str, index: &str) -> StorageResult<()> {
        let started = Instant::now();
        let result = self.drop_index_inner(table, index).await;
        self.record(Operation::Ddl, started, result)
    }

    async fn begin(&self) -> StorageResult<Box<dyn Transaction>> {
        Ok(Box::new(self.begin_transaction()))
    }

    async fn begin_with(&self, options: TxnOptions) -> StorageResult<Box<dyn Transaction>> {
        Ok(Box::new(KvTransaction::new(self.inner.clone(), options)))
    }

    async fn bulk_load(&self, table: &str) -> StorageResult<Option<Box<dyn BulkLoad>>> {
        let started = Instant::now();
        let result = self.begin_bulk_load(table).await.map(|l| l.map(|l| Box::new(l) as Box<dyn BulkLoad>));
        self.record(Operation::Ddl, started, result)
    }

    async fn table_handle(&self, name: &str) -> StorageResult<TableHandle> {
        Ok(TableHandle::new(self.inner.table(name)?.as_ref()))
    }

    /// Snapshot-free: one engine read of the latest committed value, no transaction.
    async fn kv_get(&self, table: &TableHandle, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        let started = Instant::now();
        let result = self.inner.engine.get(&layout::raw_key(table.id(), key)).await;
        self.record(Operation::Get, started, result)
    }

    async fn purge_expired(&self, limit: usize) -> StorageResult<u64> {
        let started = Instant::now();
        let result = self.purge_inner(limit).await;
        self.record(Operation::ExpirySweep, started, result)
    }

    async fn flush(&self) -> StorageResult<()> {
        self.inner.engine.flush().await
    }

    async fn health(&self) -> HealthStatus {
        match self.inner.engine.health().await {
            Ok(()) => HealthStatus::Healthy,
            Err(reason) => HealthStatus::Unhealthy(reason),
        }
    }

    fn metrics(&self) -> MetricsSnapshot {
        self.inner.metrics.snapshot()
    }

    fn engine_name(&self) -> &'static str {
        self.inner.engine.name()
    }

    fn read_caches_allowed(&self) -> bool {
        self.inner.engine.read_caches_allowed()
    }
}
