//! The table layer: the [`TableStorage`] trait every protocol model uses, and
//! [`KvTableStorage`], which implements it over any [`crate::KvEngine`].
//!
//! Rows are `Vec<Value>`, one value per live column of the table, in column order.
//! Keys are the primary-key values in key order. Every read and write happens inside a
//! [`Transaction`]; the autocommit helpers on [`TableStorage`] wrap a single operation
//! in its own transaction.
//!
//! Isolation is snapshot isolation: a transaction reads the state as of its `begin` plus
//! its own writes, and its commit fails with [`crate::StorageError::Conflict`] when a
//! transaction that committed after that `begin` wrote one of the same keys (row keys
//! and unique-index keys alike, so two concurrent inserts of one unique value conflict).
//!
//! TTL: a row may carry an expiry time (unix milliseconds). From that instant the row is
//! invisible to every read; [`TableStorage::purge_expired`] removes it, and
//! [`spawn_expiry_sweeper`] calls that in the background.
//!
//! The lean key-value path: a model that encodes its own keys and values (Redis) keeps
//! them in a table's raw keyspace through a [`TableHandle`] — `kv_get`, `kv_put`,
//! `kv_delete`, `kv_scan` — with no schema checks, boxing or index maintenance. Raw
//! entries are invisible to row scans (and rows to raw scans), are written in the same
//! atomic batch as the transaction's row writes, are counted in the same metrics (get,
//! upsert, delete, scan), and are cleared with the table by drop and truncate.
//! [`TxnOptions`] switch off conflict tracking and snapshots for writers that serialize
//! themselves.
//!
//! Resumable scans: [`Transaction::scan_page`] and [`Transaction::index_scan_page`] read
//! one bounded page and return the [`ScanPosition`] to continue after; [`ScanCursor`]
//! keeps a scan's place between pages (see [`paging`]). The `Vec` scans read a whole
//! range and suit bounded ones.
//!
//! Bulk loading: [`TableStorage::bulk_load`] fills a table that is empty in large
//! engine batches under a hidden keyspace, with bounded memory, and [`BulkLoad::publish`]
//! makes every row visible at once (an abort, a failure or a crash leaves nothing).

mod handle;
mod kv;
mod layout;
pub mod paging;
mod purge;

pub use handle::{TableHandle, TxnOptions};
pub use kv::{KvBulkLoad, KvTableStorage};
pub use paging::{ScanCursor, ScanOrder, ScanPage, ScanPosition};
pub use purge::purge_kv_prefix;

use crate::engine::{KeyRange, KvPair};
use crate::error::StorageResult;
use crate::health::HealthStatus;
use crate::metrics::MetricsSnapshot;
use crate::schema::{AlterTable, IndexDef, TableDef, TableSchema};
use crate::value::Value;
use async_trait::async_trait;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

/// One value per live column.
pub type Row = Vec<Value>;

/// A bounded, ordered scan over the primary key or an index.
///
/// Bounds are *prefixes* of the key (or index) values: with key `(a, b)`,
/// `lower: Included([1])` starts at the first key whose `a >= 1`, `upper: Excluded([5])`
/// stops before the first key whose `a >= 5`, and `upper: Included([5])` includes every
/// key whose `a == 5`. A prefix scan is `lower: Included(p), upper: Included(p)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOptions {
    pub lower: Bound<Vec<Value>>,
    pub upper: Bound<Vec<Value>>,
    pub reverse: bool,
    pub limit: Option<usize>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions { lower: Bound::Unbounded, upper: Bound::Unbounded, reverse: false, limit: None }
    }
}

impl ScanOptions {
    pub fn all() -> Self {
        Self::default()
    }
    pub fn prefix(values: Vec<Value>) -> Self {
        ScanOptions { lower: Bound::Included(values.clone()), upper: Bound::Included(values), ..Self::default() }
    }
    pub fn range(lower: Bound<Vec<Value>>, upper: Bound<Vec<Value>>) -> Self {
        ScanOptions { lower, upper, ..Self::default() }
    }
    pub fn reverse(mut self) -> Self {
        self.reverse = true;
        self
    }
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// A unit of work: its reads see one snapshot plus its own writes; its writes become
/// visible together, atomically and durably, at `commit`.
#[async_trait]
pub trait Transaction: Send {
    /// Fails with `DuplicateKey` when a visible row has the same key.
    async fn insert(&mut self, table: &str, row: Row) -> StorageResult<()>;
    /// Like `insert`, with an expiry time (unix ms) after which the row is invisible.
    async fn insert_with_expiry(&mut self, table: &str, row: Row, expires_at: Option<i64>) -> StorageResult<()>;
    /// Inserts or replaces the row with the same key (clearing any expiry); returns the
    /// row it replaced.
    async fn upsert(&mut self, table: &str, row: Row) -> StorageResult<Option<Row>>;
    /// Like `upsert`, setting the expiry of the new row.
    async fn upsert_with_expiry(
        &mut self,
        table: &str,
        row: Row,
        expires_at: Option<i64>,
    ) -> StorageResult<Option<Row>>;
    /// Replaces the row stored under `key` with `row` (whose key may differ: the row
    /// moves). Keeps the row's expiry. Returns false when there is no row under `key`.
    async fn update(&mut self, table: &str, key: &[Value], row: Row) -> StorageResult<bool>;
    /// Deletes the row under `key`; returns it.
    async fn delete(&mut self, table: &str, key: &[Value]) -> StorageResult<Option<Row>>;
    async fn get(&mut self, table: &str, key: &[Value]) -> StorageResult<Option<Row>>;
    /// Rows in primary-key order.
    async fn scan(&mut self, table: &str, options: &ScanOptions) -> StorageResult<Vec<Row>>;
    /// Rows in the order of the named index; bounds apply to the index's values.
    async fn index_scan(&mut self, table: &str, index: &str, options: &ScanOptions) -> StorageResult<Vec<Row>>;
    /// Up to `max_rows` rows of the scan in primary-key order, continuing after `after`
    /// (from the start of the range when `None`); `options.limit` is ignored. The page's
    /// `next` is set exactly when rows beyond it remain.
    async fn scan_page(
        &mut self,
        table: &str,
        options: &ScanOptions,
        after: Option<&ScanPosition>,
        max_rows: usize,
    ) -> StorageResult<ScanPage>;
    /// Like `scan_page`, in the order of the named index.
    async fn index_scan_page(
        &mut self,
        table: &str,
        index: &str,
        options: &ScanOptions,
        after: Option<&ScanPosition>,
        max_rows: usize,
    ) -> StorageResult<ScanPage>;
    /// Sets (or with `None` clears) the expiry of a visible row; false when there is none.
    async fn set_expiry(&mut self, table: &str, key: &[Value], expires_at: Option<i64>) -> StorageResult<bool>;
    /// `None` when there is no visible row; `Some(None)` for a row without expiry.
    async fn get_expiry(&mut self, table: &str, key: &[Value]) -> StorageResult<Option<Option<i64>>>;
    /// Read committed: later reads see every commit made so far, and writes made from
    /// now on conflict only with commits after this point (writes made before keep
    /// their older base). The default keeps the one snapshot (snapshot isolation).
    async fn refresh_snapshot(&mut self) -> StorageResult<()> {
        Ok(())
    }
    /// Whether no commit was published since the snapshot was taken.
    fn snapshot_is_current(&self) -> bool {
        true
    }

    // Bulk loading within the transaction: the table's rows go to a hidden keyspace that
    // this transaction reads and writes as the table, and its commit publishes them in
    // the same atomic batch as its other writes (a rollback discards them).

    /// Starts a bulk load of `table` owned by this transaction; false (nothing started)
    /// when the table has rows, this transaction wrote it, or another load of it runs.
    /// Other commits writing the table fail with `Conflict` until this one ends.
    async fn bulk_load(&mut self, table: &str) -> StorageResult<bool> {
        let _ = table;
        Ok(false)
    }
    /// Adds a row to this transaction's bulk load of `table`, or inserts it when there is
    /// none. Checked as `insert` checks rows.
    async fn bulk_insert(&mut self, table: &str, row: Row) -> StorageResult<()> {
        self.insert(table, row).await
    }
    /// Writes out what the bulk load of `table` buffers, so that reads see every row.
    async fn bulk_flush(&mut self, table: &str) -> StorageResult<()> {
        let _ = table;
        Ok(())
    }

    // The lean key-value path: keys and values as the caller encoded them, in the
    // table's raw keyspace.

    /// The value under `key` (this transaction's own writes first).
    async fn kv_get(&mut self, table: &TableHandle, key: &[u8]) -> StorageResult<Option<Vec<u8>>>;
    /// Stores `value` under `key`, replacing any value.
    async fn kv_put(&mut self, table: &TableHandle, key: &[u8], value: Vec<u8>) -> StorageResult<()>;
    /// Removes `key` (a no-op when there is none).
    async fn kv_delete(&mut self, table: &TableHandle, key: &[u8]) -> StorageResult<()>;
    /// Up to `limit` (key, value) pairs of `range` in key order (descending when
    /// `reverse`); bounds and returned keys are relative to the table's raw keyspace.
    /// Continue after the last key returned to page through a larger range.
    async fn kv_scan(
        &mut self,
        table: &TableHandle,
        range: &KeyRange,
        reverse: bool,
        limit: usize,
    ) -> StorageResult<Vec<KvPair>>;

    async fn commit(self: Box<Self>) -> StorageResult<()>;
    async fn rollback(self: Box<Self>) -> StorageResult<()>;
}

/// A load of rows into a table that was empty when it began (see
/// [`TableStorage::bulk_load`]). Rows are checked as [`Transaction::insert`] checks them
/// (types, NOT NULL, primary-key and unique-index uniqueness among the loaded rows) and
/// are invisible to every reader until `publish`. While the load runs, commits that write
/// the table fail with `Conflict`; a schema change of the table fails the publish with
/// `Conflict`. Dropping a load without publishing aborts it.
#[async_trait]
pub trait BulkLoad: Send {
    /// Adds one row (one value per live column).
    async fn insert(&mut self, row: Row) -> StorageResult<()>;
    /// Rows added so far.
    fn rows(&self) -> u64;
    /// Makes every row visible at once, atomically and durably; on error nothing is.
    async fn publish(self: Box<Self>) -> StorageResult<()>;
    /// Discards every row added.
    async fn abort(self: Box<Self>) -> StorageResult<()>;
}

/// Tables with typed columns, primary keys and secondary indexes.
///
/// Catalog changes take effect at once (they are not part of a transaction) and are
/// durable when the call returns.
#[async_trait]
pub trait TableStorage: Send + Sync {
    async fn create_table(&self, def: &TableDef) -> StorageResult<Arc<TableSchema>>;
    /// Drops the table, its indexes and rows.
    async fn drop_table(&self, name: &str) -> StorageResult<()>;
    async fn alter_table(&self, name: &str, change: AlterTable) -> StorageResult<Arc<TableSchema>>;
    /// Deletes every row of the table, keeping its definition.
    async fn truncate_table(&self, name: &str) -> StorageResult<()>;
    async fn table_schema(&self, name: &str) -> StorageResult<Option<Arc<TableSchema>>>;
    async fn list_tables(&self) -> StorageResult<Vec<String>>;
    /// Builds the index from the existing rows; a unique index over duplicate values
    /// fails with `UniqueViolation` and leaves nothing behind.
    async fn create_index(&self, table: &str, index: &IndexDef) -> StorageResult<()>;
    async fn drop_index(&self, table: &str, index: &str) -> StorageResult<()>;

    async fn begin(&self) -> StorageResult<Box<dyn Transaction>>;
    /// Begins a transaction with the given options (see [`TxnOptions`]).
    async fn begin_with(&self, options: TxnOptions) -> StorageResult<Box<dyn Transaction>>;
    /// Begins a [`BulkLoad`] of `table`; `None` when the table has rows, another load of
    /// it runs, or the storage has no bulk path (then insert through a transaction).
    async fn bulk_load(&self, table: &str) -> StorageResult<Option<Box<dyn BulkLoad>>> {
        let _ = table;
        Ok(None)
    }
    /// Resolves `name` once, for the operations that take a [`TableHandle`].
    async fn table_handle(&self, name: &str) -> StorageResult<TableHandle>;

    /// Removes up to `limit` expired rows; returns how many it removed.
    async fn purge_expired(&self, limit: usize) -> StorageResult<u64>;
    /// Makes everything committed durable on disk.
    async fn flush(&self) -> StorageResult<()>;
    async fn health(&self) -> HealthStatus;
    fn metrics(&self) -> MetricsSnapshot;
    /// "rocksdb", "memory", "actor".
    fn engine_name(&self) -> &'static str;

    /// Whether a protocol's cache of committed data may answer reads without asking this
    /// storage (see [`crate::engine::KvEngine::read_caches_allowed`]).
    fn read_caches_allowed(&self) -> bool {
        true
    }

    // Autocommit helpers: one operation in its own transaction.

    async fn insert(&self, table: &str, row: Row) -> StorageResult<()> {
        let mut tx = self.begin().await?;
        tx.insert(table, row).await?;
        tx.commit().await
    }
    async fn upsert(&self, table: &str, row: Row) -> StorageResult<Option<Row>> {
        let mut tx = self.begin().await?;
        let old = tx.upsert(table, row).await?;
        tx.commit().await?;
        Ok(old)
    }
    async fn update(&self, table: &str, key: &[Value], row: Row) -> StorageResult<bool> {
        let mut tx = self.begin().await?;
        let found = tx.update(table, key, row).await?;
        tx.commit().await?;
        Ok(found)
    }
    async fn delete(&self, table: &str, key: &[Value]) -> StorageResult<Option<Row>> {
        let mut tx = self.begin().await?;
        let old = tx.delete(table, key).await?;
        tx.commit().await?;
        Ok(old)
    }
    async fn get(&self, table: &str, key: &[Value]) -> StorageResult<Option<Row>> {
        let mut tx = self.begin().await?;
        let row = tx.get(table, key).await?;
        drop(tx); // read-only: nothing to commit
        Ok(row)
    }
    async fn scan(&self, table: &str, options: &ScanOptions) -> StorageResult<Vec<Row>> {
        let mut tx = self.begin().await?;
        let rows = tx.scan(table, options).await?;
        drop(tx); // read-only: nothing to commit
        Ok(rows)
    }
    async fn index_scan(&self, table: &str, index: &str, options: &ScanOptions) -> StorageResult<Vec<Row>> {
        let mut tx = self.begin().await?;
        let rows = tx.index_scan(table, index, options).await?;
        drop(tx); // read-only: nothing to commit
        Ok(rows)
    }
    /// The latest committed value under `key`; implementations may read it without a
    /// snapshot or transaction (a single-key read of committed state is atomic).
    async fn kv_get(&self, table: &TableHandle, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        let mut tx = self.begin_with(TxnOptions::serialized_writer()).await?;
        let value = tx.kv_get(table, key).await?;
        drop(tx); // read-only: nothing to commit
        Ok(value)
    }
    /// One put in its own transaction, with conflict tracking as `options` say.
    async fn kv_put(&self, table: &TableHandle, key: &[u8], value: Vec<u8>, options: TxnOptions) -> StorageResult<()> {
        let mut tx = self.begin_with(options).await?;
        tx.kv_put(table, key, value).await?;
        tx.commit().await
    }
    /// One delete in its own transaction, with conflict tracking as `options` say.
    async fn kv_delete(&self, table: &TableHandle, key: &[u8], options: TxnOptions) -> StorageResult<()> {
        let mut tx = self.begin_with(options).await?;
        tx.kv_delete(table, key).await?;
        tx.commit().await
    }
}

/// Calls `purge_expired` every `interval` until the storage is dropped elsewhere and only
/// this task holds it, or the task is aborted.
pub fn spawn_expiry_sweeper(storage: Arc<dyn TableStorage>, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if Arc::strong_count(&storage) == 1 {
                return;
            }
            loop {
                match storage.purge_expired(1000).await {
                    Ok(n) if n >= 1000 => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "expiry sweep failed");
                        break;
                    }
                }
            }
        }
    })
}

/// The current time in unix milliseconds.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
