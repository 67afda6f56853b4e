//! What a local lease backend provides: an ordered byte store with atomic batches.
//!
//! The provider traits ([`crate::provider`]) are implemented once, generically, over a
//! [`RecordStore`] (key encoding, secondary index of leases by node, metrics); each local
//! backend (memory, cow_btree, lsm_tree, rocksdb) only keeps ordered records durably.

use crate::provider::{LeaseResult, ProviderHealth};

/// One change to a [`RecordStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOp {
    Put { key: Vec<u8>, value: Vec<u8> },
    Delete { key: Vec<u8> },
}

/// Cache counters of a store that has a cache (block cache, node cache); zero otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
}

/// An ordered map of byte keys to byte values kept by one backend.
///
/// Contract (checked by [`crate::conformance`]):
/// * `apply` is atomic: after a crash (the process killed with SIGKILL at any moment)
///   either all of a batch's ops are visible after reopening or none, never a torn
///   record; once `apply` has returned, the batch survives SIGKILL of the process.
/// * reads see every batch whose `apply` has returned.
/// * `scan_prefix` returns records in ascending key order.
pub trait RecordStore: Send + Sync + 'static {
    /// The backend's configuration name: "memory", "cow_btree", "lsm_tree", "rocksdb".
    fn backend_name(&self) -> &'static str;

    fn get(&self, key: &[u8]) -> LeaseResult<Option<Vec<u8>>>;

    /// Every record whose key starts with `prefix`, in ascending key order.
    fn scan_prefix(&self, prefix: &[u8]) -> LeaseResult<Vec<(Vec<u8>, Vec<u8>)>>;

    /// Applies `ops` in order, atomically (see the trait's contract).
    fn apply(&self, ops: &[RecordOp]) -> LeaseResult<()>;

    /// Makes everything applied so far durable against power loss too (fsync), and
    /// writes any snapshot / checkpoint the backend keeps. Called on shutdown.
    fn flush(&self) -> LeaseResult<()>;

    fn health(&self) -> ProviderHealth {
        ProviderHealth::Healthy
    }

    fn cache_stats(&self) -> CacheStats {
        CacheStats::default()
    }
}
