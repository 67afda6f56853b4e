//! [`VectorIndex`]: the one front of the crate. Exact search while the index holds fewer
//! than `exact_threshold` vectors (or when asked), HNSW above it.

use crate::store::VectorStore;
use crate::{exact, Hit, Metric, VectorError, VectorResult};

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

/// The largest dimension an index accepts (pgvector stores up to 16,000).
pub const MAX_DIM: usize = 65_536;
/// The largest HNSW `M`.
pub const MAX_M: usize = 512;

/// An in-memory vector index keyed by caller ids. Not internally synchronised: owners
/// wrap it in a lock (searches take `&self`).
#[derive(Debug, Clone)]
pub struct VectorIndex {
    config: VectorIndexConfig,
    store: VectorStore,
}

impl VectorIndex {
    /// An empty index; fails on dimension 0 or M < 2.
    pub fn new(config: VectorIndexConfig) -> VectorResult<Self> {
        validate(&config)?;
        let store = VectorStore::new(config.dim);
        Ok(VectorIndex { config, store })
    }

    pub fn config(&self) -> &VectorIndexConfig {
        &self.config
    }

    /// Inserts or replaces the vector of `id`.
    pub fn insert(&mut self, id: u64, vector: &[f32]) -> VectorResult<()> {
        self.check(vector)?;
        if !self.store.has_room() {
            return Err(VectorError::InvalidParameter("vector index is full".into()));
        }
        self.store.kill(id);
        self.store.push(id, vector);
        Ok(())
    }

    /// Removes `id`; true when it was present.
    pub fn remove(&mut self, id: u64) -> bool {
        self.store.kill(id).is_some()
    }

    pub fn len(&self) -> usize {
        self.store.live_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, id: u64) -> bool {
        self.store.slot(id).is_some()
    }

    /// The stored vector of `id`.
    pub fn get(&self, id: u64) -> Option<&[f32]> {
        self.store.slot(id).map(|slot| self.store.vector(slot))
    }

    /// The ids and vectors held, in insertion order of their current vectors.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &[f32])> + '_ {
        self.store.live_vectors()
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
        let _ = ef;
        self.exact_search(query, k, filter)
    }

    /// The exact answer to the same search (ground truth).
    pub fn exact_search(
        &self,
        query: &[f32],
        k: usize,
        filter: Option<&dyn Fn(u64) -> bool>,
    ) -> VectorResult<Vec<Hit>> {
        self.check(query)?;
        Ok(exact::search(self.store.live_vectors(), self.config.metric, query, k, filter))
    }

    /// The exact `k` nearest among `candidates` (ids not in the index are skipped, an id
    /// given twice counts once): for callers that already know the few ids a prefilter
    /// lets through.
    pub fn search_among(&self, query: &[f32], k: usize, candidates: &[u64]) -> VectorResult<Vec<Hit>> {
        self.check(query)?;
        let mut slots: Vec<u32> = candidates.iter().filter_map(|&id| self.store.slot(id)).collect();
        slots.sort_unstable();
        slots.dedup();
        let vectors = slots.into_iter().map(|slot| (self.store.id(slot), self.store.vector(slot)));
        Ok(exact::search(vectors, self.config.metric, query, k, None))
    }

    /// The index as bytes (config, vectors and the HNSW graph).
    pub fn snapshot(&self) -> Vec<u8> {
        unimplemented!("orbit-vector snapshot: not built yet")
    }

    /// An index back from [`VectorIndex::snapshot`]'s bytes; never panics on bad bytes.
    pub fn from_snapshot(bytes: &[u8]) -> VectorResult<Self> {
        let _ = bytes;
        unimplemented!("orbit-vector snapshot: not built yet")
    }

    fn check(&self, vector: &[f32]) -> VectorResult<()> {
        if vector.len() != self.config.dim {
            return Err(VectorError::DimensionMismatch { expected: self.config.dim, actual: vector.len() });
        }
        if vector.iter().any(|x| !x.is_finite()) {
            return Err(VectorError::NonFinite);
        }
        Ok(())
    }
}

/// Checks the ranges of a configuration.
pub(crate) fn validate(config: &VectorIndexConfig) -> VectorResult<()> {
    let invalid = |what: String| Err(VectorError::InvalidParameter(what));
    if config.dim == 0 || config.dim > MAX_DIM {
        return invalid(format!("dimension must be between 1 and {MAX_DIM}, not {}", config.dim));
    }
    if config.m < 2 || config.m > MAX_M {
        return invalid(format!("M must be between 2 and {MAX_M}, not {}", config.m));
    }
    if config.ef_construction == 0 {
        return invalid("ef_construction must be at least 1".into());
    }
    if config.ef_search == 0 {
        return invalid("ef_search must be at least 1".into());
    }
    Ok(())
}
