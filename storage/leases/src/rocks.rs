//! The RocksDB backend: [`RocksStore`], and [`RocksDirectory`], the lease directory over
//! it.
//!
//! Two column families: `leases` (lease records and the lease-by-node index) and
//! `cluster_nodes`; keys are routed by their namespace ([`crate::keys`]). A batch is one
//! `WriteBatch` across both, so it is atomic. The write-ahead log is always on: an applied
//! batch survives `kill -9`; with `sync_writes` it is also fsynced, surviving power loss.
//! Cache hits and misses are RocksDB's block cache tickers.

use crate::directory::Directory;
use crate::keys;
use crate::provider::{LeaseError, LeaseResult};
use crate::store::{CacheStats, RecordOp, RecordStore};
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DBCompressionType, Direction, IteratorMode,
    Options, WriteBatch, WriteOptions, DB,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The lease directory kept in RocksDB.
pub type RocksDirectory = Directory<RocksStore>;

/// The column family of leases and their index.
pub const LEASES_CF: &str = "leases";
/// The column family of cluster nodes.
pub const CLUSTER_CF: &str = "cluster_nodes";

/// Configuration of the RocksDB backend (`type = "RocksDB"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RocksConfig {
    /// The database directory; `None`: `<data-dir>/leases/rocksdb`.
    pub data_dir: Option<PathBuf>,
    /// fsync the write-ahead log on every batch. Without it (the default) a batch still
    /// survives a crash of the process, not one of the machine.
    pub sync_writes: bool,
    #[serde(alias = "block_cache_mb")]
    pub block_cache_size_mb: u64,
    #[serde(alias = "write_buffer_mb")]
    pub write_buffer_size_mb: u64,
    pub max_background_jobs: u32,
    /// LZ4 compression of the table files.
    pub compression: bool,
}

impl Default for RocksConfig {
    fn default() -> Self {
        RocksConfig {
            data_dir: None,
            sync_writes: false,
            block_cache_size_mb: 32,
            write_buffer_size_mb: 16,
            max_background_jobs: 2,
            compression: true,
        }
    }
}

impl RocksConfig {
    /// The first invalid field, as `field: what is wrong`.
    pub fn validate(&self) -> Result<(), String> {
        if self.write_buffer_size_mb == 0 {
            return Err("write_buffer_size_mb: must be at least 1".into());
        }
        if self.max_background_jobs == 0 {
            return Err("max_background_jobs: must be at least 1".into());
        }
        Ok(())
    }
}

/// A RocksDB instance holding the lease directory.
pub struct RocksStore {
    db: DB,
    options: Options,
    write_options: WriteOptions,
    path: PathBuf,
}

fn rocks_error(e: rocksdb::Error) -> LeaseError {
    LeaseError::Backend(e.into_string())
}

impl RocksStore {
    /// Opens (creating when missing, never wiping) the instance at `config.data_dir`, or
    /// at `default_dir` when that is not set.
    pub fn open(config: &RocksConfig, default_dir: &Path) -> LeaseResult<Self> {
        config.validate().map_err(LeaseError::Config)?;
        let path = config.data_dir.clone().unwrap_or_else(|| default_dir.to_path_buf());
        std::fs::create_dir_all(&path)
            .map_err(|e| LeaseError::Backend(format!("cannot create {}: {e}", path.display())))?;
        let mut options = Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        options.set_max_background_jobs(config.max_background_jobs as i32);
        options.enable_statistics();
        let mut table = BlockBasedOptions::default();
        if config.block_cache_size_mb > 0 {
            table.set_block_cache(&Cache::new_lru_cache(mb(config.block_cache_size_mb)));
        } else {
            table.disable_cache();
        }
        let mut cf_options = Options::default();
        cf_options.set_block_based_table_factory(&table);
        cf_options.set_write_buffer_size(mb(config.write_buffer_size_mb));
        cf_options.set_compression_type(if config.compression {
            DBCompressionType::Lz4
        } else {
            DBCompressionType::None
        });
        let families = [LEASES_CF, CLUSTER_CF].map(|name| ColumnFamilyDescriptor::new(name, cf_options.clone()));
        let db = DB::open_cf_descriptors(&options, &path, families).map_err(|e| {
            LeaseError::Backend(format!("cannot open RocksDB at {}: {}", path.display(), e.into_string()))
        })?;
        let mut write_options = WriteOptions::default();
        write_options.set_sync(config.sync_writes);
        Ok(RocksStore { db, options, write_options, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn cf(&self, name: &str) -> LeaseResult<&ColumnFamily> {
        self.db.cf_handle(name).ok_or_else(|| LeaseError::Backend(format!("column family {name} is missing")))
    }

    fn cf_of(&self, key: &[u8]) -> LeaseResult<&ColumnFamily> {
        self.cf(if keys::is_cluster_key(key) { CLUSTER_CF } else { LEASES_CF })
    }
}

fn mb(n: u64) -> usize {
    usize::try_from(n.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
}

impl RocksDirectory {
    /// Opens the RocksDB lease directory (see [`RocksStore::open`]).
    pub fn open_rocks(config: &RocksConfig, default_dir: &Path) -> LeaseResult<Self> {
        Ok(Directory::new_with_store(RocksStore::open(config, default_dir)?))
    }
}

impl RecordStore for RocksStore {
    fn backend_name(&self) -> &'static str {
        "rocksdb"
    }

    fn get(&self, key: &[u8]) -> LeaseResult<Option<Vec<u8>>> {
        self.db.get_cf(self.cf_of(key)?, key).map_err(rocks_error)
    }

    fn scan_prefix(&self, prefix: &[u8]) -> LeaseResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let cf = self.cf_of(prefix)?;
        let mut out = Vec::new();
        for item in self.db.iterator_cf(cf, IteratorMode::From(prefix, Direction::Forward)) {
            let (key, value) = item.map_err(rocks_error)?;
            if !key.starts_with(prefix) {
                break;
            }
            out.push((key.into_vec(), value.into_vec()));
        }
        Ok(out)
    }

    fn apply(&self, ops: &[RecordOp]) -> LeaseResult<()> {
        let mut batch = WriteBatch::default();
        for op in ops {
            match op {
                RecordOp::Put { key, value } => batch.put_cf(self.cf_of(key)?, key, value),
                RecordOp::Delete { key } => batch.delete_cf(self.cf_of(key)?, key),
            }
        }
        self.db.write_opt(batch, &self.write_options).map_err(rocks_error)
    }

    fn flush(&self) -> LeaseResult<()> {
        self.db.flush_wal(true).map_err(rocks_error)?;
        for name in [LEASES_CF, CLUSTER_CF] {
            self.db.flush_cf(self.cf(name)?).map_err(rocks_error)?;
        }
        Ok(())
    }

    fn cache_stats(&self) -> CacheStats {
        CacheStats {
            hits: self.options.get_ticker_count(rocksdb::statistics::Ticker::BlockCacheHit),
            misses: self.options.get_ticker_count(rocksdb::statistics::Ticker::BlockCacheMiss),
        }
    }
}
