//! [`VectorIndex`]: the one front of the crate. Exact search while the index holds fewer
//! than `exact_threshold` vectors, always for [`IndexKind::Flat`], and as ground truth
//! ([`VectorIndex::exact_search`]); HNSW above the threshold.
//!
//! * Filters: an evenly spaced sample of at most 256 slots estimates how many ids pass. A
//!   selective filter (under 10 % or at most `max(exact_threshold, k)` ids) is answered
//!   exactly over the passing ids; otherwise the graph search walks filtered-out nodes and
//!   reports only passing ones, expanding until it holds `ef` of them or the reachable
//!   graph is exhausted, and falls back to exact search if that leaves fewer than `k`.
//!   Callers that already know the few candidate ids use [`VectorIndex::search_among`].
//! * Removal marks a slot dead (the graph keeps walking through it); replacing an id's
//!   vector kills its slot and inserts the new vector in a fresh one. When more than a
//!   fifth of the slots are dead the index compacts: dead slots go, and the nodes that
//!   linked to them relink among the dead nodes' own neighbours (a pass over the graph,
//!   paid once per `0.2·n` removals). [`VectorIndex::rebuild`] builds the graph anew.
//! * Everything is deterministic: the same calls in the same order give the same graph,
//!   the same snapshot bytes and the same hits.

use crate::hnsw::{HnswGraph, Near};
use crate::store::VectorStore;
use crate::{exact, snapshot, Hit, Metric, VectorError, VectorResult};

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
    /// The graph over every slot of `store`, for [`IndexKind::Hnsw`].
    graph: Option<HnswGraph>,
}

/// Compaction (and a graph rebuild) happens when more than 1/`DEAD_FRACTION` of the slots
/// are dead.
const DEAD_FRACTION: usize = 5;
/// Slots a filter is tried on to estimate how many ids it lets through.
const FILTER_SAMPLE: usize = 256;
/// Below this fraction of ids passing a filter, a filtered search is exact.
const SELECTIVE_PERCENT: usize = 10;

impl VectorIndex {
    /// An empty index; fails on dimension 0 or M < 2.
    pub fn new(config: VectorIndexConfig) -> VectorResult<Self> {
        validate(&config)?;
        let store = VectorStore::new(config.dim);
        let graph = new_graph(&config);
        Ok(VectorIndex { config, store, graph })
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
        let replaced = self.store.kill(id).is_some();
        let slot = self.store.push(id, vector);
        if let Some(graph) = &mut self.graph {
            graph.insert(slot, &self.store);
        }
        if replaced {
            self.compact_if_sparse();
        }
        Ok(())
    }

    /// Removes `id`; true when it was present.
    pub fn remove(&mut self, id: u64) -> bool {
        let removed = self.store.kill(id).is_some();
        if removed {
            self.compact_if_sparse();
        }
        removed
    }

    /// Slots held for removed or replaced vectors, which the graph still walks through.
    pub fn dead_count(&self) -> usize {
        self.store.dead_count()
    }

    /// Drops the dead slots; the graph's nodes that linked to them relink among their
    /// neighbours' neighbours. Runs by itself when more than a fifth of the slots are dead.
    pub fn compact(&mut self) {
        if self.store.dead_count() == 0 {
            return;
        }
        let compacted = self.store.compacted();
        self.graph = self.graph.as_ref().map(|graph| graph.consolidated(&self.store, &compacted));
        self.store = compacted;
    }

    /// Drops the dead slots and builds the graph anew from the live vectors in insertion
    /// order: the graph a fresh index given the same vectors would have. Slower than
    /// [`VectorIndex::compact`] by the cost of every insert.
    pub fn rebuild(&mut self) {
        self.store = self.store.compacted();
        self.graph = new_graph(&self.config).map(|_| {
            let c = &self.config;
            HnswGraph::build(c.metric, c.m, c.ef_construction, c.seed, &self.store)
        });
    }

    fn compact_if_sparse(&mut self) {
        if self.store.dead_count() * DEAD_FRACTION > self.store.slot_count() {
            self.compact();
        }
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
        self.check(query)?;
        let k = k.min(self.len());
        let graph = match &self.graph {
            Some(graph) if k > 0 && self.len() >= self.config.exact_threshold => graph,
            _ => return Ok(self.exact(query, k, filter)),
        };
        if filter.is_some_and(|keep| self.is_selective(keep, k)) {
            return Ok(self.exact(query, k, filter));
        }
        let ef = ef.unwrap_or(self.config.ef_search).max(k);
        let store = &self.store;
        let accept = |slot: u32| store.is_live(slot) && filter.is_none_or(|keep| keep(store.id(slot)));
        let found = graph.search(store, query, ef, &accept);
        if found.len() < k {
            return Ok(self.exact(query, k, filter));
        }
        Ok(self.hits(found, k))
    }

    /// Whether few ids pass `keep`, judged on an evenly spaced sample of slots.
    fn is_selective(&self, keep: &dyn Fn(u64) -> bool, k: usize) -> bool {
        let slots = self.store.slot_count();
        let step = (slots / FILTER_SAMPLE).max(1);
        let (mut sampled, mut passed) = (0usize, 0usize);
        for slot in (0..slots as u32).step_by(step) {
            if self.store.is_live(slot) {
                sampled += 1;
                passed += usize::from(keep(self.store.id(slot)));
            }
        }
        if sampled == 0 {
            return true;
        }
        let estimate = passed.saturating_mul(self.len()) / sampled;
        estimate <= self.config.exact_threshold.max(k) || passed * 100 < sampled * SELECTIVE_PERCENT
    }

    fn hits(&self, found: Vec<Near>, k: usize) -> Vec<Hit> {
        let mut hits: Vec<Hit> =
            found.into_iter().map(|n| Hit { id: self.store.id(n.slot()), distance: n.distance() }).collect();
        hits.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.id.cmp(&b.id)));
        hits.truncate(k);
        hits
    }

    fn exact(&self, query: &[f32], k: usize, filter: Option<&dyn Fn(u64) -> bool>) -> Vec<Hit> {
        exact::search(self.store.live_vectors(), self.config.metric, query, k, filter)
    }

    /// The exact answer to the same search (ground truth).
    pub fn exact_search(
        &self,
        query: &[f32],
        k: usize,
        filter: Option<&dyn Fn(u64) -> bool>,
    ) -> VectorResult<Vec<Hit>> {
        self.check(query)?;
        Ok(self.exact(query, k, filter))
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

    /// The index as bytes (config, vectors and the HNSW graph); see [`crate::snapshot`].
    pub fn snapshot(&self) -> Vec<u8> {
        snapshot::encode(&self.config, &self.store, self.graph.as_ref())
    }

    /// An index back from [`VectorIndex::snapshot`]'s bytes; never panics on bad bytes.
    pub fn from_snapshot(bytes: &[u8]) -> VectorResult<Self> {
        let (config, store, graph) = snapshot::decode(bytes)?;
        Ok(VectorIndex { config, store, graph })
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

fn new_graph(config: &VectorIndexConfig) -> Option<HnswGraph> {
    (config.kind == IndexKind::Hnsw)
        .then(|| HnswGraph::new(config.metric, config.m, config.ef_construction, config.seed))
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
