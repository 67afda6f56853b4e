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
//!   from results by their expiry time (kept per document), so expiry needs no hook.

pub mod index;
pub mod query;
pub mod schema;
pub mod store;

use crate::error::RedisResult;
use crate::keyspace::{KsTxn, RedisType};
use index::{HashState, SearchIndex};
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

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

/// Every FT index of the server, by name.
#[derive(Default)]
pub struct SearchRegistry {
    indexes: RwLock<BTreeMap<String, Arc<RwLock<SearchIndex>>>>,
}

impl SearchRegistry {
    /// Loads the stored definitions and builds their indexes from the keyspace (at start).
    pub async fn load(&self, storage: &dyn orbit_storage::TableStorage, txn: &mut KsTxn) -> RedisResult<()> {
        store::ensure_table(storage).await?;
        for def in store::load(storage).await? {
            let index = build(txn, def).await?;
            self.insert(index);
        }
        Ok(())
    }

    pub fn insert(&self, index: SearchIndex) {
        let name = index.def.name.clone();
        self.indexes.write().insert(name, Arc::new(RwLock::new(index)));
    }

    pub fn remove(&self, name: &str) -> Option<Arc<RwLock<SearchIndex>>> {
        self.indexes.write().remove(name)
    }

    pub fn get(&self, name: &str) -> Option<Arc<RwLock<SearchIndex>>> {
        self.indexes.read().get(name).cloned()
    }

    pub fn names(&self) -> Vec<String> {
        self.indexes.read().keys().cloned().collect()
    }

    /// Reads, in `txn` before it commits, what its writes change in the indexes.
    pub async fn prepare(&self, txn: &mut KsTxn) -> RedisResult<Option<Pending>> {
        if txn.touched().is_empty() && txn.flushed_dbs().is_empty() {
            return Ok(None);
        }
        let covering: Vec<Arc<schema::IndexDef>> = {
            let indexes = self.indexes.read();
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
        let indexes = self.indexes.read();
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
    let hashes = covered_hashes(txn, &def).await?;
    let mut index = SearchIndex::new(def)?;
    for (key, state) in &hashes {
        index.apply(key, Some(state));
    }
    Ok(index)
}

/// Every live hash of `def`'s database under its prefixes, in key order.
async fn covered_hashes(txn: &mut KsTxn, def: &schema::IndexDef) -> RedisResult<Hashes> {
    let mut out = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = txn.scan_keys(def.db, after.as_deref(), BUILD_PAGE).await?;
        let done = page.len() < BUILD_PAGE;
        for (key, meta) in page {
            if meta.kind == RedisType::Hash && def.covers(&key) {
                let fields = txn.sub_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, None).await?;
                out.push((key.clone(), HashState { fields, expire_at_ms: meta.expire_at_ms }));
            }
            after = Some(key);
        }
        if done {
            return Ok(out);
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
mod tests;
