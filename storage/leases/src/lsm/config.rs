//! The `lsm_tree` backend's configuration, as read from a `[providers.<name>]` TOML
//! table. Unknown fields (such as the table's `type`) are left to the config layer.

use crate::provider::{LeaseError, LeaseResult};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LsmConfig {
    #[serde(alias = "data_path")]
    pub data_dir: PathBuf,
    /// Size at which the active memtable is frozen and flushed, in MiB.
    #[serde(alias = "memtable_size_mb")]
    pub memtable_size_limit_mb: usize,
    /// The same limit in bytes; when set it wins over `memtable_size_limit_mb`.
    pub memtable_size_bytes: Option<usize>,
    /// Memtables kept in memory, the active one included; writes wait for a flush
    /// when the frozen ones would exceed it.
    pub max_memtables: usize,
    pub enable_bloom_filters: bool,
    pub bloom_filter_bits_per_key: usize,
    /// Level n (n >= 1) holds up to memtable size * multiplier^n bytes.
    pub level_size_multiplier: usize,
    /// Level-0 tables that trigger a level 0 -> 1 compaction.
    pub compaction_threshold: usize,
    /// Number of levels, level 0 included; tombstones are dropped at the last.
    pub max_levels: usize,
    /// LZ4 compression of data blocks.
    pub enable_compression: bool,
    /// Target size of a data block before compression, in bytes.
    pub block_size: usize,
    /// Block cache size in MiB (0: none).
    pub block_cache_mb: usize,
    /// fsync the WAL after every batch (otherwise only on `flush`).
    pub sync_writes: bool,
}

impl Default for LsmConfig {
    fn default() -> Self {
        LsmConfig {
            data_dir: PathBuf::from("data/leases/lsm_tree"),
            memtable_size_limit_mb: 4,
            memtable_size_bytes: None,
            max_memtables: 2,
            enable_bloom_filters: true,
            bloom_filter_bits_per_key: 10,
            level_size_multiplier: 10,
            compaction_threshold: 4,
            max_levels: 7,
            enable_compression: false,
            block_size: 4096,
            block_cache_mb: 8,
            sync_writes: false,
        }
    }
}

const MAX_LEVELS: usize = 32;
const MAX_BLOCK_SIZE: usize = 64 << 20;

fn invalid(field: &str, why: &str) -> LeaseError {
    LeaseError::Config(format!("lsm_tree: {field} {why}"))
}

impl LsmConfig {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> LeaseResult<()> {
        if self.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "must not be empty"));
        }
        match self.memtable_size_bytes {
            Some(0) => return Err(invalid("memtable_size_bytes", "must be greater than 0")),
            None if self.memtable_size_limit_mb == 0 => {
                return Err(invalid("memtable_size_limit_mb", "must be greater than 0"))
            }
            None if self.memtable_size_limit_mb > (usize::MAX >> 21) => {
                return Err(invalid("memtable_size_limit_mb", "is too large"))
            }
            _ => {}
        }
        if self.max_memtables == 0 {
            return Err(invalid("max_memtables", "must be at least 1"));
        }
        if self.enable_bloom_filters && !(1..=64).contains(&self.bloom_filter_bits_per_key) {
            return Err(invalid("bloom_filter_bits_per_key", "must be between 1 and 64"));
        }
        if self.level_size_multiplier == 0 {
            return Err(invalid("level_size_multiplier", "must be greater than 0"));
        }
        if self.compaction_threshold == 0 {
            return Err(invalid("compaction_threshold", "must be greater than 0"));
        }
        if !(2..=MAX_LEVELS).contains(&self.max_levels) {
            return Err(invalid("max_levels", &format!("must be between 2 and {MAX_LEVELS}")));
        }
        if !(1..=MAX_BLOCK_SIZE).contains(&self.block_size) {
            return Err(invalid("block_size", &format!("must be between 1 and {MAX_BLOCK_SIZE} bytes")));
        }
        if self.block_cache_mb > (usize::MAX >> 21) {
            return Err(invalid("block_cache_mb", "is too large"));
        }
        Ok(())
    }

    /// The memtable limit in bytes.
    pub fn memtable_bytes(&self) -> usize {
        self.memtable_size_bytes.unwrap_or(self.memtable_size_limit_mb << 20)
    }

    /// Bits per key of the tables' bloom filters; 0 when filters are off.
    pub(crate) fn bloom_bits(&self) -> usize {
        if self.enable_bloom_filters {
            self.bloom_filter_bits_per_key
        } else {
            0
        }
    }

    /// The size budget of level `level` (>= 1): memtable size * multiplier^level.
    pub(crate) fn level_budget(&self, level: usize) -> u64 {
        let mut budget = self.memtable_bytes() as u64;
        for _ in 0..level {
            budget = budget.saturating_mul(self.level_size_multiplier as u64);
        }
        budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults_and_validation_name_the_field() {
        let c = LsmConfig::default();
        assert!(c.validate().is_ok());
        assert_eq!(c.memtable_bytes(), 4 << 20);
        assert_eq!(c.data_dir, PathBuf::from("data/leases/lsm_tree"));
        let cases: Vec<(&str, LsmConfig)> = vec![
            ("memtable_size_limit_mb", LsmConfig { memtable_size_limit_mb: 0, ..LsmConfig::default() }),
            ("memtable_size_bytes", LsmConfig { memtable_size_bytes: Some(0), ..LsmConfig::default() }),
            ("max_memtables", LsmConfig { max_memtables: 0, ..LsmConfig::default() }),
            ("bloom_filter_bits_per_key", LsmConfig { bloom_filter_bits_per_key: 0, ..LsmConfig::default() }),
            ("level_size_multiplier", LsmConfig { level_size_multiplier: 0, ..LsmConfig::default() }),
            ("compaction_threshold", LsmConfig { compaction_threshold: 0, ..LsmConfig::default() }),
            ("max_levels", LsmConfig { max_levels: 1, ..LsmConfig::default() }),
            ("block_size", LsmConfig { block_size: 0, ..LsmConfig::default() }),
        ];
        for (field, config) in cases {
            match config.validate() {
                Err(LeaseError::Config(msg)) => assert!(msg.contains(field), "{msg} should name {field}"),
                other => panic!("{field}: expected a Config error, got {other:?}"),
            }
        }
        // Bits per key do not matter when filters are off.
        let off = LsmConfig { enable_bloom_filters: false, bloom_filter_bits_per_key: 0, ..LsmConfig::default() };
        assert!(off.validate().is_ok());
    }

    #[test]
    fn config_reads_toml_field_names_and_aliases() {
        let c: LsmConfig = serde_json::from_value(serde_json::json!({
            "data_path": "/var/lib/orbit/lsm",
            "memtable_size_mb": 64,
            "bloom_filter_bits_per_key": 15,
            "enable_compression": true,
            "sync_writes": true,
            "type": "LsmTree"
        }))
        .unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/orbit/lsm"));
        assert_eq!(c.memtable_size_limit_mb, 64);
        assert_eq!(c.bloom_filter_bits_per_key, 15);
        assert!(c.enable_compression && c.sync_writes);
        assert_eq!(c.compaction_threshold, 4);
    }
}
