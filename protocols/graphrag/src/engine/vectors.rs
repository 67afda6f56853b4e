//! The in-memory vector indexes of one knowledge graph: chunk embeddings (ids are chunk
//! numbers) and entity embeddings (ids are the entities' graph node ids), both cosine.
//! [`VectorSet`] is the one type the engine searches through; it is loaded from a stored
//! snapshot or rebuilt from the stored embeddings, and changed only after a transaction
//! commits ([`Vectors::apply`]).

use crate::error::GraphRagResult;
use std::collections::BTreeMap;

/// One cosine index (stand-in for orbit-vector's `VectorIndex` until it is built: exact
/// search over every vector).
#[derive(Debug, Clone, Default)]
pub struct VectorSet {
    vectors: BTreeMap<u64, Vec<f32>>,
}

fn cosine_distance(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0f32, 0f32, 0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        return 1.0;
    }
    1.0 - dot / (na.sqrt() * nb.sqrt())
}

impl VectorSet {
    pub fn new(_dim: usize, _ef_search: usize) -> GraphRagResult<VectorSet> {
        Ok(VectorSet::default())
    }

    pub fn insert(&mut self, id: u64, vector: &[f32]) -> GraphRagResult<()> {
        self.vectors.insert(id, vector.to_vec());
        Ok(())
    }

    pub fn remove(&mut self, id: u64) {
        self.vectors.remove(&id);
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn get(&self, id: u64) -> Option<&[f32]> {
        self.vectors.get(&id).map(Vec::as_slice)
    }

    /// The `k` nearest ids with their cosine similarity, best first, ties by id.
    pub fn search(&self, query: &[f32], k: usize) -> GraphRagResult<Vec<(u64, f64)>> {
        let mut hits: Vec<(u64, f32)> = self.vectors.iter().map(|(id, v)| (*id, cosine_distance(query, v))).collect();
        hits.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        hits.truncate(k);
        Ok(hits.into_iter().map(|(id, d)| (id, 1.0 - f64::from(d))).collect())
    }

    pub fn snapshot(&self) -> Option<Vec<u8>> {
        None
    }

    pub fn from_snapshot(_bytes: &[u8]) -> Option<VectorSet> {
        None
    }
}

/// Both indexes of a knowledge graph, as of `generation`.
#[derive(Debug, Clone)]
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
