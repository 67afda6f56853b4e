//! The `lsm_tree` lease backend: a log-structured merge tree implementing
//! [`RecordStore`].
//!
//! A batch goes to the write-ahead log (`wal`) and then into the active memtable
//! (`memtable`). A full memtable is frozen and a background worker (`background`)
//! writes it to a level-0 table (`sstable`, with a `bloom` filter per table) and
//! merges tables level by level (`compaction`); the `manifest` records which tables
//! are live. Reads look at the memtables, then level 0 newest first, then the deeper
//! levels (`engine`); opening a store replays what the WAL holds beyond the tables
//! (`recovery`).
//!
//! Directory layout and file formats: `files`, `wal`, `sstable`, `block`,
//! `manifest`.

mod background;
mod block;
mod bloom;
mod cache;
mod codec;
mod compaction;
mod config;
mod engine;
mod files;
mod manifest;
mod memtable;
mod merge;
mod recovery;
mod sstable;
mod stats;
mod version;
mod wal;

#[cfg(test)]
mod tests;

pub use config::LsmConfig;
pub use stats::LsmStats;

use crate::provider::{LeaseResult, ProviderHealth};
use crate::store::{CacheStats, RecordOp, RecordStore};
use engine::Engine;
use parking_lot::Mutex;
use std::sync::Arc;
use std::thread::JoinHandle;

/// A lease record store kept in an LSM tree under `config.data_dir`.
pub struct LsmStore {
    engine: Arc<Engine>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl LsmStore {
    /// Opens (or creates) the store in `config.data_dir`, recovering whatever the
    /// directory holds; starts the background flush and compaction worker.
    pub fn open(config: LsmConfig) -> LeaseResult<LsmStore> {
        let engine = Arc::new(recovery::open(config)?);
        let for_worker = engine.clone();
        let worker = std::thread::Builder::new()
            .name("lsm-tree-worker".into())
            .spawn(move || background::run(for_worker))
            .map_err(|e| crate::provider::LeaseError::Backend(format!("lsm_tree: cannot start its worker: {e}")))?;
        Ok(LsmStore { engine, worker: Mutex::new(Some(worker)) })
    }

    pub fn config(&self) -> &LsmConfig {
        &self.engine.config
    }

    pub fn stats(&self) -> LsmStats {
        self.engine.stats()
    }

    /// Writes the active memtable (if it holds anything) and every frozen one to
    /// level-0 tables, and waits until that is done.
    pub fn flush_memtable(&self) -> LeaseResult<()> {
        self.engine.flush_memtable()
    }

    /// Waits until no memtable flush or compaction is pending or running.
    pub fn wait_for_background(&self) -> LeaseResult<()> {
        self.engine.wait_for_background()
    }
}

impl std::fmt::Debug for LsmStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LsmStore").field("data_dir", &self.engine.dir).finish_non_exhaustive()
    }
}

impl Drop for LsmStore {
    fn drop(&mut self) {
        {
            let mut bg = self.engine.bg.lock();
            bg.shutdown = true;
            self.engine.bg_cv.notify_all();
        }
        if let Some(worker) = self.worker.lock().take() {
            let _ = worker.join();
        }
        if let Err(e) = self.engine.sync_wal() {
            tracing::warn!(error = %e, "lsm_tree: WAL fsync on close failed");
        }
    }
}

impl RecordStore for LsmStore {
    fn backend_name(&self) -> &'static str {
        "lsm_tree"
    }

    fn get(&self, key: &[u8]) -> LeaseResult<Option<Vec<u8>>> {
        self.engine.get(key)
    }

    fn scan_prefix(&self, prefix: &[u8]) -> LeaseResult<Vec<(Vec<u8>, Vec<u8>)>> {
        self.engine.scan_prefix(prefix)
    }

    fn apply(&self, ops: &[RecordOp]) -> LeaseResult<()> {
        self.engine.apply(ops)
    }

    /// fsyncs the WAL segment being written (frozen segments were fsynced when frozen).
    fn flush(&self) -> LeaseResult<()> {
        self.engine.sync_wal()
    }

    fn health(&self) -> ProviderHealth {
        self.engine.health()
    }

    fn cache_stats(&self) -> CacheStats {
        let s = self.engine.stats();
        CacheStats { hits: s.cache_hits, misses: s.cache_misses }
    }
}
