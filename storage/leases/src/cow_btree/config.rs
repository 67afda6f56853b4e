//! Configuration of the copy-on-write B+ tree backend, read from a `[providers.<name>]`
//! TOML table by the configuration layer (every field optional).

use std::path::PathBuf;

use serde::Deserialize;

use crate::provider::{LeaseError, LeaseResult};

/// The smallest accepted `max_keys_per_node`: with fewer keys a split or merge could
/// leave nodes without the minimum fill.
pub const MIN_KEYS_PER_NODE: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CowBTreeConfig {
    /// Directory of the snapshot and log files; created when missing.
    #[serde(alias = "data_path")]
    pub data_dir: PathBuf,
    /// Keys a node holds before it splits (leaf entries, or separators of an inner node).
    pub max_keys_per_node: usize,
    /// Bytes of the in-process buffer each log record is encoded into before it is
    /// written to the OS (a larger batch grows it for that write only).
    pub wal_buffer_size: usize,
    /// Batches between tree snapshots (after which the log starts anew); 0 writes
    /// snapshots only on `flush`.
    pub snapshot_interval: u64,
    /// fsync the log after every batch (otherwise only on `flush`).
    pub sync_writes: bool,
}

impl Default for CowBTreeConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data/leases/cow_btree"),
            max_keys_per_node: 64,
            wal_buffer_size: 64 * 1024,
            snapshot_interval: 10_000,
            sync_writes: false,
        }
    }
}

impl CowBTreeConfig {
    /// A default configuration keeping its files in `data_dir`.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self { data_dir: data_dir.into(), ..Self::default() }
    }

    pub fn validate(&self) -> LeaseResult<()> {
        if self.max_keys_per_node < MIN_KEYS_PER_NODE {
            return Err(LeaseError::Config(format!(
                "cow_btree max_keys_per_node must be at least {MIN_KEYS_PER_NODE}, got {}",
                self.max_keys_per_node
            )));
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(LeaseError::Config("cow_btree data_dir must not be empty".into()));
        }
        Ok(())
    }
}
