//! Counters of the read path and the background work, and their public snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of [`super::LsmStore`]'s counters since it was opened, and of its shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LsmStats {
    /// Table probes a bloom filter ruled out.
    pub bloom_skips: u64,
    /// Table probes that got past the key range and bloom filter and looked at the index.
    pub tables_read: u64,
    /// Data blocks read from table files (block cache misses).
    pub block_reads: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Memtables written to level-0 tables.
    pub memtable_flushes: u64,
    pub compactions: u64,
    /// Tombstones compaction dropped at the last level.
    pub tombstones_dropped: u64,
    /// Immutable memtables waiting to be flushed.
    pub immutable_memtables: usize,
    /// Live tables per level, level 0 first.
    pub tables_per_level: Vec<usize>,
    /// Live table bytes per level, level 0 first.
    pub bytes_per_level: Vec<u64>,
    /// Entries in live tables (a key overwritten across tables counts once per table).
    pub table_entries: u64,
    /// Tombstones among them.
    pub table_tombstones: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub bloom_skips: AtomicU64,
    pub tables_read: AtomicU64,
    pub block_reads: AtomicU64,
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
    pub memtable_flushes: AtomicU64,
    pub compactions: AtomicU64,
    pub tombstones_dropped: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64, by: u64) {
        counter.fetch_add(by, Ordering::Relaxed);
    }

    pub(crate) fn load(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
