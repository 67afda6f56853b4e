//! [`VectorIndex`]: the one front of the crate. Exact search while the index holds fewer
//! than `exact_threshold` vectors (or when asked), HNSW above it.

use crate::{Hit, Metric, VectorResult};

/// Which structure answers searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// Brute force always (RediSearch FLAT).
    Flat,
    /// HNSW above the exact threshold.
    Hnsw,
}

/// How an index is built and searched.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorIndexConfig {
    pub dim: usize,
    pub metric: Metric,
    pub kind: IndexKind,
    /// HNSW: links per node on levels above 0 (level 0 keeps 2·M). Default 16.
    pub m: usize,
    /// HNSW: candidate list size while inserting. Default 200.
    pub ef_construction: usize,
    /// HNSW: candidate list size while searching, unless a search names its own. Default 40.
    pub ef_search: usize,
    /// Below this many vectors searches are exact. Default 1,000.
    pub exact_threshold: usize,
    /// Seeds the level draw. Default 0x5EED.
    pub seed: u64,
}

impl VectorIndexConfig {
    /// The defaults above for `dim` dimensions and `metric`.
    pub fn new(dim: usize, metric: Metric, kind: IndexKind) -> Self {
        VectorIndexConfig {
            dim,
            metric,
            kind,
            m: 16,
            ef_construction: 200,
            ef_search: 40,
            exact_threshold: 1_000,
            seed: 0x5EED,
        }
    }
}

/// An in-memory vector index keyed by caller ids. Not internally synchronised: owners
/// wrap it in a lock (searches take `&self`).
pub struct VectorIndex {
    config: VectorIndexConfig,
}

impl VectorIndex {
    /// An empty index; fails on dimension 0 or M < 2.
    pub fn new(config: VectorIndexConfig) -> VectorResult<Self> {
        let _ = &config;
        unimplemented!("orbit-vector index: not built yet")
    }

    pub fn config(&self) -> &VectorIndexConfig {
        &self.config
    }

    /// Inserts or replaces the vector of `id`.
    pub fn insert(&mut self, id: u64, vector: &[f32]) -> VectorResult<()> {
        let _ = (id, vector);
        unimplemented!("orbit-vector index: not built yet")
    }

    /// Removes `id`; true when it was present.
    pub fn remove(&mut self, id: u64) -> bool {
        let _ = id;
        unimplemented!("orbit-vector index: not built yet")
    }

    pub fn len(&self) -> usize {
        unimplemented!("orbit-vector index: not built yet")
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stored vector of `id`.
    pub fn get(&self, id: u64) -> Option<&[f32]> {
        let _ = id;
        unimplemented!("orbit-vector index: not built yet")
    }

    /// The `k` nearest ids passing `filter`, ascending by distance (ties by id); `ef`
    /// overrides the configured `ef_search`. Fails on a wrong dimension or non-finite query.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        ef: Option<usize>,
        filter: Option<&dyn Fn(u64) -> bool>,
    ) -> VectorResult<Vec<Hit>> {
        let _ = (query, k, ef, filter.is_some());
        unimplemented!("orbit-vector index: not built yet")
    }

    /// The exact answer to the same search (ground truth).
    pub fn exact_search(&self, query: &[f32], k: usize, filter: Option<&dyn Fn(u64) -> bool>) -> VectorResult<Vec<Hit>> {
        let _ = (query, k, filter.is_some());
        unimplemented!("orbit-vector index: not built yet")
    }

    /// The index as bytes (config, vectors and the HNSW graph).
    pub fn snapshot(&self) -> Vec<u8> {
        unimplemented!("orbit-vector index: not built yet")
    }

    /// An index back from [`VectorIndex::snapshot`]'s bytes; never panics on bad bytes.
    pub fn from_snapshot(bytes: &[u8]) -> VectorResult<Self> {
        let _ = bytes;
        unimplemented!("orbit-vector index: not built yet")
    }
}
