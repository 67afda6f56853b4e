//! The in-memory vector indexes of one knowledge graph: chunk embeddings (ids are chunk
//! numbers) and entity embeddings (ids are the entities' graph node ids), both cosine.
//! [`VectorSet`] is the one type the engine searches through; it is loaded from a stored
//! snapshot or rebuilt from the stored embeddings, and changed only after a transaction
//! commits ([`Vectors::apply`]).

use crate::error::GraphRagResult;
use orbit_vector::{IndexKind, Metric, VectorIndex, VectorIndexConfig};

/// One cosine index over orbit-vector's [`VectorIndex`] (HNSW M 16, ef_construction 200,
/// exact below its threshold). The index is made at the first insert, when the dimension
/// is known (HTTP embedders learn theirs from their first answer).
pub struct VectorSet {
    ef_search: usize,
    index: Option<VectorIndex>,
}

impl VectorSet {
    pub fn new(ef_search: usize) -> VectorSet {
        VectorSet { ef_search, index: None }
    }

    fn config(&self, dim: usize) -> VectorIndexConfig {
        let mut config = VectorIndexConfig::new(dim, Metric::Cosine, IndexKind::Hnsw);
        config.m = 16;
        config.ef_construction = 200;
        config.ef_search = self.ef_search;
        config
    }

    pub fn insert(&mut self, id: u64, vector: &[f32]) -> GraphRagResult<()> {
        if self.index.is_none() {
            self.index = Some(VectorIndex::new(self.config(vector.len()))?);
        }
        match self.index.as_mut() {
            Some(index) => Ok(index.insert(id, vector)?),
            None => Ok(()),
        }
    }

    pub fn remove(&mut self, id: u64) {
        if let Some(index) = self.index.as_mut() {
            index.remove(id);
        }
    }

    pub fn len(&self) -> usize {
        self.index.as_ref().map_or(0, VectorIndex::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, id: u64) -> Option<&[f32]> {
        self.index.as_ref().and_then(|index| index.get(id))
    }

    /// The `k` nearest ids with their cosine similarity, best first, ties by id; none
    /// for a query of another dimension.
    pub fn search(&self, query: &[f32], k: usize) -> GraphRagResult<Vec<(u64, f64)>> {
        let Some(index) = self.index.as_ref() else { return Ok(Vec::new()) };
        if query.len() != index.config().dim || k == 0 {
            return Ok(Vec::new());
        }
        let hits = index.search(query, k, Some(self.ef_search.max(k)), None)?;
        Ok(hits.into_iter().map(|h| (h.id, 1.0 - f64::from(h.distance))).collect())
    }

    /// The index as bytes (empty for an index never inserted into).
    pub fn snapshot(&self) -> Vec<u8> {
        self.index.as_ref().map(VectorIndex::snapshot).unwrap_or_default()
    }

    /// The set back from [`VectorSet::snapshot`]'s bytes; `None` when they do not decode.
    pub fn from_snapshot(bytes: &[u8], ef_search: usize) -> Option<VectorSet> {
        if bytes.is_empty() {
            return Some(VectorSet::new(ef_search));
        }
        VectorIndex::from_snapshot(bytes).ok().map(|index| VectorSet { ef_search, index: Some(index) })
    }
}

/// Both indexes of a knowledge graph, as of `generation`.
pub struct Vectors {
    pub generation: u64,
    pub chunks: VectorSet,
    pub entities: VectorSet,
}

/// What a committed build or delete changed in the vector indexes.
#[derive(Debug, Default)]
pub struct VectorDelta {
    pub removed_chunks: Vec<u64>,
    pub added_chunks: Vec<(u64, Vec<f32>)>,
    pub removed_entities: Vec<u64>,
    pub added_entities: Vec<(u64, Vec<f32>)>,
}

impl Vectors {
    /// Applies `delta`, which took the knowledge graph from `generation` to `to`.
    pub fn apply(&mut self, delta: &VectorDelta, to: u64) -> GraphRagResult<()> {
        for id in &delta.removed_chunks {
            self.chunks.remove(*id);
        }
        for (id, v) in &delta.added_chunks {
            self.chunks.insert(*id, v)?;
        }
        for id in &delta.removed_entities {
            self.entities.remove(*id);
        }
        for (id, v) in &delta.added_entities {
            self.entities.insert(*id, v)?;
        }
        self.generation = to;
        Ok(())
    }
}
