//! The RocksDB implementation of Orbit's [`KvEngine`].
//!
//! One [`RocksEngine`] is one RocksDB instance (in Orbit: one per protocol, at
//! `<data-dir>/<protocol>/rocksdb`). Batches are written with RocksDB's write-ahead log
//! on, so a batch acknowledged by `write` survives a crash of the process (`kill -9`);
//! with `sync_writes` it also survives a crash of the machine. Snapshots are RocksDB
//! snapshots. Point lookups of absent keys (every write that checks what it replaces)
//! skip most files through whole-key Bloom filters, in the memtable and in each table
//! file, and table blocks are kept in one LRU block cache.

use async_trait::async_trait;
use orbit_storage::engine::{KeyRange, KvPair};
use orbit_storage::{KvEngine, KvSnapshot, StorageError, StorageResult, WriteBatch, WriteOp};
use rocksdb::{
    BlockBasedOptions, Cache, DBCompressionType, Direction, IteratorMode, Options, ReadOptions, SnapshotWithThreadMode,
    WriteOptions, DB,
};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bits per key of the table files' Bloom filters (about 1% false positives).
const BLOOM_BITS_PER_KEY: f64 = 10.0;
/// The block cache of one instance.
const BLOCK_CACHE_BYTES: usize = 64 << 20;
/// The share of the memtable given to its whole-key Bloom filter.
const MEMTABLE_BLOOM_RATIO: f64 = 0.05;

/// Tuning of one RocksDB instance.
#[derive(Debug, Clone)]
pub struct RocksOptions {
    /// fsync the write-ahead log on every write (durable across power loss, slower).
    /// Without it a write is durable across a crash of the process, not of the machine.
    pub sync_writes: bool,
    /// Memtable size in bytes.
    pub write_buffer_size: usize,
}

impl Default for RocksOptions {
    fn default() -> Self {
        RocksOptions { sync_writes: false, write_buffer_size: 64 << 20 }
    }
}

pub struct RocksEngine {
    db: Arc<DB>,
    path: PathBuf,
    sync_writes: bool,
}

fn engine_error(e: rocksdb::Error) -> StorageError {
    StorageError::Engine(e.into_string())
}

impl RocksEngine {
    /// Opens (creating when missing, never wiping) the instance at `path`.
    pub fn open(path: &Path, options: &RocksOptions) -> StorageResult<Self> {
        std::fs::create_dir_all(path)
            .map_err(|e| StorageError::Engine(format!("cannot create {}: {e}", path.display())))?;
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.set_compression_type(DBCompressionType::Lz4);
        opts.set_write_buffer_size(options.write_buffer_size);
        opts.increase_parallelism(2);
        let mut table = BlockBasedOptions::default();
        table.set_bloom_filter(BLOOM_BITS_PER_KEY, false);
        table.set_block_cache(&Cache::new_lru_cache(BLOCK_CACHE_BYTES));
        opts.set_block_based_table_factory(&table);
        opts.set_memtable_prefix_bloom_ratio(MEMTABLE_BLOOM_RATIO);
        opts.set_memtable_whole_key_filtering(true);
        let db = DB::open(&opts, path).map_err(engine_error)?;
        Ok(RocksEngine { db: Arc::new(db), path: path.to_path_buf(), sync_writes: options.sync_writes })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A RocksDB snapshot that owns a handle on its database.
struct RocksSnapshot {
    // Declared before `db`: fields drop in order, so the snapshot is released while
    // the database is still open.
    snapshot: SnapshotWithThreadMode<'static, DB>,
    db: Arc<DB>,
}

impl RocksSnapshot {
    fn new(db: Arc<DB>) -> Self {
        let snapshot = db.snapshot();
        // SAFETY: the snapshot borrows the DB behind the Arc, whose address never moves;
        // this struct keeps that Arc alive and drops the snapshot first.
        let snapshot: SnapshotWithThreadMode<'static, DB> = unsafe { std::mem::transmute(snapshot) };
        RocksSnapshot { snapshot, db }
    }

    fn read_options(&self, range: &KeyRange) -> ReadOptions {
        let mut ro = ReadOptions::default();
        ro.set_snapshot(&self.snapshot);
        match &range.start {
            Bound::Included(k) | Bound::Excluded(k) => ro.set_iterate_lower_bound(k.clone()),
            Bound::Unbounded => {}
        }
        if let Bound::Excluded(k) = &range.end {
            ro.set_iterate_upper_bound(k.clone());
        }
        ro
    }

    fn scan_sync(&self, range: &KeyRange, reverse: bool, limit: usize) -> StorageResult<Vec<KvPair>> {
        if range.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let ro = self.read_options(range);
        let mode = if reverse {
            match &range.end {
                Bound::Included(k) => IteratorMode::From(k, Direction::Reverse),
                _ => IteratorMode::End,
            }
        } else {
            match &range.start {
                Bound::Included(k) | Bound::Excluded(k) => IteratorMode::From(k, Direction::Forward),
                Bound::Unbounded => IteratorMode::Start,
            }
        };
        let mut out = Vec::with_capacity(limit.min(1024));
        for item in self.db.iterator_opt(mode, ro) {
            let (k, v) = item.map_err(engine_error)?;
            if !range.contains(&k) {
                // Only the excluded start (forward) or the excluded end already handled by
                // the bound can fall outside; skip the one boundary key, stop past the range.
                let past = if reverse { !above_start(range, &k) } else { !below_end(range, &k) };
                if past {
                    break;
                }
                continue;
            }
            out.push((k.into_vec(), v.into_vec()));
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }
}

fn above_start(range: &KeyRange, key: &[u8]) -> bool {
    match &range.start {
        Bound::Included(s) => key >= s.as_slice(),
        Bound::Excluded(s) => key > s.as_slice(),
        Bound::Unbounded => true,
    }
}

fn below_end(range: &KeyRange, key: &[u8]) -> bool {
    match &range.end {
        Bound::Included(e) => key <= e.as_slice(),
        Bound::Excluded(e) => key < e.as_slice(),
        Bound::Unbounded => true,
    }
}

#[async_trait]
impl KvSnapshot for RocksSnapshot {
    async fn get(&self, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        self.snapshot.get(key).map_err(engine_error)
    }

    async fn scan(&self, range: &KeyRange, reverse: bool, limit: usize) -> StorageResult<Vec<KvPair>> {
        self.scan_sync(range, reverse, limit)
    }
}

#[async_trait]
impl KvEngine for RocksEngine {
    fn name(&self) -> &'static str {
        "rocksdb"
    }

    fn snapshot(&self) -> Arc<dyn KvSnapshot> {
        Arc::new(RocksSnapshot::new(self.db.clone()))
    }

    async fn write(&self, batch: WriteBatch) -> StorageResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut wb = rocksdb::WriteBatch::default();
        for op in batch.ops {
            match op {
                WriteOp::Put { key, value } => wb.put(key, value),
                WriteOp::Delete { key } => wb.delete(key),
                WriteOp::DeleteRange { start, end } => {
                    if start < end {
                        wb.delete_range(start, end)
                    }
                }
            }
        }
        let mut wo = WriteOptions::default();
        wo.set_sync(self.sync_writes);
        self.db.write_opt(wb, &wo).map_err(engine_error)
    }

    async fn flush(&self) -> StorageResult<()> {
        self.db.flush_wal(true).map_err(engine_error)?;
        self.db.flush().map_err(engine_error)
    }

    async fn health(&self) -> Result<(), String> {
        match self.db.property_int_value("rocksdb.background-errors") {
            Ok(Some(0)) | Ok(None) => Ok(()),
            Ok(Some(n)) => Err(format!("RocksDB at {} reports {n} background errors", self.path.display())),
            Err(e) => Err(format!("RocksDB at {} cannot be queried: {e}", self.path.display())),
        }
    }

    async fn get(&self, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        self.db.get(key).map_err(engine_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn scans_respect_every_bound_kind() {
        let dir = tempfile::tempdir().unwrap();
        let engine = RocksEngine::open(dir.path(), &RocksOptions::default()).unwrap();
        let mut b = WriteBatch::new();
        for k in [b"a", b"b", b"c", b"d", b"e"] {
            b.put(k.to_vec(), k.to_vec());
        }
        engine.write(b).await.unwrap();
        let snap = engine.snapshot();
        let keys =
            |pairs: Vec<KvPair>| pairs.into_iter().map(|(k, _)| String::from_utf8(k).unwrap()).collect::<String>();
        let r = KeyRange { start: Bound::Excluded(b"a".to_vec()), end: Bound::Included(b"d".to_vec()) };
        assert_eq!(keys(snap.scan(&r, false, 10).await.unwrap()), "bcd");
        assert_eq!(keys(snap.scan(&r, true, 10).await.unwrap()), "dcb");
        assert_eq!(keys(snap.scan(&r, true, 2).await.unwrap()), "dc");
        let r = KeyRange { start: Bound::Included(b"b".to_vec()), end: Bound::Excluded(b"d".to_vec()) };
        assert_eq!(keys(snap.scan(&r, true, 10).await.unwrap()), "cb");
        assert_eq!(keys(snap.scan(&KeyRange::all(), true, 10).await.unwrap()), "edcba");
        let mut b = WriteBatch::new();
        b.delete_range(b"b".to_vec(), b"e".to_vec());
        engine.write(b).await.unwrap();
        assert_eq!(keys(snap.scan(&KeyRange::all(), false, 10).await.unwrap()), "abcde", "old snapshot");
        assert_eq!(keys(engine.snapshot().scan(&KeyRange::all(), false, 10).await.unwrap()), "ae");
    }
}
