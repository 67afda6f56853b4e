//! RediSearch-style secondary indexes over hashes (FT.CREATE / FT.SEARCH with KNN vector
//! search and TAG, NUMERIC and TEXT prefilters).
//!
//! - [`schema`]: FT.CREATE's arguments as an index definition;
//! - [`store`]: the definitions, durable in the Redis storage;
//! - [`query`]: FT.SEARCH's query language;
//! - [`index`]: one index in memory (documents, prefilter values, vector indexes);
//! - this module: the [`SearchRegistry`] of every index and the one hook that keeps them
//!   right. Every keyspace commit goes through `Shared::commit`, which calls
//!   [`SearchRegistry::prepare`] before the storage commit (reading, inside the committing
//!   transaction, the final state of every touched key an index covers — HSET, HDEL, DEL,
//!   UNLINK, RENAME, EXPIRE, MULTI/EXEC alike — and re-reading whole databases that were
//!   flushed or swapped) and [`SearchRegistry::apply`] after it succeeded, still under the
//!   write lock. An index therefore changes only once the write is committed, and FT.SEARCH
//!   sees a write as soon as the writing command has replied. Keys that expire are dropped
//!   from results by their expiry time (kept per document), so expiry needs no hook;
//! - [`snapshot`], [`snapshot_rows`], [`snapshotter`]: durable snapshots of each index's
//!   vector indexes, written in the background after writes quiesce;
//! - [`restore`]: at start, each index from its snapshot reconciled with the keyspace (the
//!   truth), or rebuilt from the keyspace when there is no usable snapshot.

pub mod index;
pub mod query;
pub mod restore;
pub mod schema;
pub mod snapshot;
pub mod snapshot_rows;
pub mod snapshotter;
pub mod store;

use crate::error::RedisResult;
use crate::keyspace::{KsTxn, RedisType};
use index::{HashState, SearchIndex};
use orbit_storage::TableStorage;
use parking_lot::{Mutex, RwLock};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, OnceLock};

/// Keys read per page while (re)building an index.
const BUILD_PAGE: usize = 1024;

/// Hashes by key, as an index is rebuilt from them.
type Hashes = Vec<(Vec<u8>, HashState)>;

/// What one commit changes in the indexes, read before the commit, applied after it.
#[derive(Debug, Default)]
pub struct Pending {
    /// Indexes whose database was flushed or swapped: their whole new content.
    rebuilt: Vec<(String, Hashes)>,
    /// (db, key, its hash or `None`) of touched keys some index covers.
    updates: Vec<(usize, Vec<u8>, Option<HashState>)>,
}

/// One index, shared by the commands, the commit hook and the snapshot writer.
pub type Entry = Arc<RwLock<SearchIndex>>;

/// The indexes by name, and what snapshot writing shares with FT.CREATE and FT.DROPINDEX.
#[derive(Default)]
pub struct Indexes {
    by_name: RwLock<BTreeMap<String, Entry>>,
    /// Held while a snapshot is written and while a definition and its snapshot rows are
    /// created or dropped, so a dropped index's snapshot is never written after its rows
    /// were deleted.
    snapshot_lock: tokio::sync::Mutex<()>,
    /// Where snapshots go (set at [`SearchRegistry::load`] or the first FT.CREATE).
    storage: OnceLock<Arc<dyn TableStorage>>,
}

/// Every FT index of the server, by name.
#[derive(Default)]
pub struct SearchRegistry {
    indexes: Arc<Indexes>,
    writer: Mutex<Option<snapshotter::Writer>>,
}

impl Drop for SearchRegistry {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.get_mut().take() {
            writer.abort();
        }
    }
}

impl SearchRegistry {
    /// Loads the stored definitions and brings their indexes back — from their snapshots
    /// reconciled with the keyspace, else rebuilt from it — then starts the snapshot
    /// writer (at start).
    pub async fn load(&self, storage: &Arc<dyn TableStorage>, txn: &mut KsTxn) -> RedisResult<()> {
        store::ensure_table(storage.as_ref()).await?;
        for def in store::load(storage.as_ref()).await? {
            let index = restore::restore(storage.as_ref(), txn, def).await?;
            self.insert(index);
        }
        self.start_writer(storage);
        Ok(())
    }

    fn start_writer(&self, storage: &Arc<dyn TableStorage>) {
        let _ = self.indexes.storage.set(storage.clone());
        let mut writer = self.writer.lock();
        if writer.is_none() {
            *writer = Some(snapshotter::Writer::spawn(Arc::downgrade(&self.indexes)));
        }
    }

    /// At a clean shutdown: stops the writer and writes every unsaved snapshot (within
    /// [`snapshotter::SHUTDOWN_BUDGET`]; what does not fit is corrected at the next start).
    pub async fn shutdown(&self) {
        let writer = self.writer.lock().take();
        if let Some(writer) = writer {
            writer.stop().await;
        }
        let flushed = tokio::time::timeout(snapshotter::SHUTDOWN_BUDGET, self.indexes.write_due(true)).await;
        if flushed.is_err() {
            tracing::warn!("FT index snapshots not all written at shutdown; the next start reconciles them");
        }
    }

    /// Writes the snapshot of index `name` now if it has unsaved changes (tests and tools).
    pub async fn write_snapshot(&self, name: &str) -> RedisResult<bool> {
        let Some(entry) = self.get(name) else { return Ok(false) };
        if entry.read().changes.pending() == 0 {
            return Ok(false);
        }
        self.indexes.write_snapshot(name, &entry).await?;
        Ok(true)
    }

    /// Stores the definition of `index` (deleting any snapshot rows of its name) and
    /// registers it.
    pub async fn create(&self, storage: &Arc<dyn TableStorage>, index: SearchIndex) -> RedisResult<()> {
        self.start_writer(storage);
        let _guard = self.indexes.snapshot_lock.lock().await;
        store::save(storage.as_ref(), index.def.as_ref()).await?;
        self.insert(index);
        Ok(())
    }

    /// Deletes the definition `name` and its snapshot and unregisters the index; returns it.
    pub async fn drop_index(&self, storage: &Arc<dyn TableStorage>, name: &str) -> RedisResult<Option<Entry>> {
        let _guard = self.indexes.snapshot_lock.lock().await;
        let Some(entry) = self.get(name) else { return Ok(None) };
        store::delete(storage.as_ref(), name).await?;
        self.remove(name);
        Ok(Some(entry))
    }

    pub fn insert(&self, index: SearchIndex) {
        let name = index.def.name.clone();
        self.indexes.by_name.write().insert(name, Arc::new(RwLock::new(index)));
    }

    pub fn remove(&self, name: &str) -> Option<Entry> {
        self.indexes.by_name.write().remove(name)
    }

    pub fn get(&self, name: &str) -> Option<Entry> {
        self.indexes.by_name.read().get(name).cloned()
    }

    pub fn names(&self) -> Vec<String> {
        self.indexes.by_name.read().keys().cloned().collect()
    }

    /// Reads, in `txn` before it commits, what its writes change in the indexes.
    pub async fn prepare(&self, txn: &mut KsTxn) -> RedisResult<Option<Pending>> {
        if txn.touched().is_empty() && txn.flushed_dbs().is_empty() {
            return Ok(None);
        }
        let covering: Vec<Arc<schema::IndexDef>> = {
            let indexes = self.indexes.by_name.read();
            if indexes.is_empty() {
                return Ok(None);
            }
            indexes.values().map(|index| index.read().def.clone()).collect()
        };
        let mut pending = Pending::default();
        let flushed: Vec<usize> = txn.flushed_dbs().to_vec();
        for def in &covering {
            if flushed.contains(&def.db) {
                pending.rebuilt.push((def.name.clone(), covered_hashes(txn, def).await?));
            }
        }
        let touched: Vec<(usize, Vec<u8>)> = txn.touched().to_vec();
        for (db, key) in touched {
            let wanted = covering.iter().any(|def| def.db == db && !flushed.contains(&def.db) && def.covers(&key));
            if wanted {
                let state = hash_state(txn, db, &key).await?;
                pending.updates.push((db, key, state));
            }
        }
        Ok(Some(pending))
    }

    /// Applies what [`SearchRegistry::prepare`] read, once the commit succeeded.
    pub fn apply(&self, pending: Pending) {
        let indexes = self.indexes.by_name.read();
        for (name, hashes) in pending.rebuilt {
            if let Some(index) = indexes.get(&name) {
                let mut index = index.write();
                index.clear();
                for (key, state) in &hashes {
                    index.apply(key, Some(state));
                }
            }
        }
        if pending.updates.is_empty() {
            return;
        }
        for index in indexes.values() {
            let mut index = index.write();
            for (db, key, state) in &pending.updates {
                if index.def.db == *db && index.def.covers(key) {
                    index.apply(key, state.as_ref());
                }
            }
        }
    }
}

/// A new index over the hashes `def` covers, as `txn` sees them.
pub async fn build(txn: &mut KsTxn, def: schema::IndexDef) -> RedisResult<SearchIndex> {
    let mut index = SearchIndex::new(def)?;
    let def = index.def.clone();
    for_each_covered(txn, &def, |key, state| index.apply(&key, Some(&state))).await?;
    Ok(index)
}

/// Every live hash of `def`'s database under its prefixes, in key order.
async fn covered_hashes(txn: &mut KsTxn, def: &schema::IndexDef) -> RedisResult<Hashes> {
    let mut out = Vec::new();
    for_each_covered(txn, def, |key, state| out.push((key, state))).await?;
    Ok(out)
}

/// Calls `visit` with every live hash of `def`'s database under its prefixes, in key
/// order, a page of keys at a time.
async fn for_each_covered(
    txn: &mut KsTxn,
    def: &schema::IndexDef,
    mut visit: impl FnMut(Vec<u8>, HashState) + Send,
) -> RedisResult<()> {
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = txn.scan_keys(def.db, after.as_deref(), BUILD_PAGE).await?;
        let done = page.len() < BUILD_PAGE;
        after = page.last().map(|(key, _)| key.clone());
        for (key, meta) in page {
            if meta.kind == RedisType::Hash && def.covers(&key) {
                let fields = txn.sub_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, None).await?;
                visit(key, HashState { fields, expire_at_ms: meta.expire_at_ms });
            }
        }
        if done {
            return Ok(());
        }
    }
}

/// The hash at `key` as `txn` sees it; `None` when it is gone or not a hash.
async fn hash_state(txn: &mut KsTxn, db: usize, key: &[u8]) -> RedisResult<Option<HashState>> {
    let Some(meta) = txn.meta(db, key).await? else { return Ok(None) };
    if meta.kind != RedisType::Hash {
        return Ok(None);
    }
    let fields = txn.sub_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, None).await?;
    Ok(Some(HashState { fields, expire_at_ms: meta.expire_at_ms }))
}

#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod tests;
