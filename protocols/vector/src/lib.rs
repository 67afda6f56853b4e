//! Vector search for every protocol that offers it: GraphRAG's chunk and entity
//! embeddings, Redis `FT.CREATE ... VECTOR`, pgvector's `vector` type and `hnsw` indexes,
//! Neo4j's `CREATE VECTOR INDEX` and ArangoDB's `vector` index all use this one crate.
//!
//! The crate knows nothing of storage or protocols: an index holds `(id, vector)` pairs in
//! memory; its owner persists the vectors in its own storage and either re-inserts them at
//! start or stores a [`VectorIndex::snapshot`] and loads it back with
//! [`VectorIndex::from_snapshot`].
//!
//! * [`metric`]: the distance functions (L2, negative inner product, cosine, L1) — every
//!   search orders by ascending distance, ties broken by ascending id;
//! * [`kernels`]: the sums behind the metrics, AVX2 + FMA when the CPU has them and
//!   portable Rust otherwise;
//! * [`exact`]: brute-force search, the ground truth and what small indexes use;
//! * [`hnsw`]: the hierarchical navigable small-world graph (Malkov & Yashunin), levels
//!   drawn from a seeded hash of the id so a given insert sequence always builds the same
//!   graph;
//! * [`index`]: [`VectorIndex`], the front every caller uses — exact below a size
//!   threshold, HNSW above it, with an optional filter (prefiltering for FT.SEARCH);
//! * [`snapshot`]: the versioned binary form of an index;
//! * `store` (private): the slots holding ids and vectors; `scratch` (private): the
//!   per-thread working memory of graph searches.
//!
//! Callers map [`VectorError`] to their protocol once: `DimensionMismatch`, `NonFinite` and
//! `InvalidParameter` are the user's input, `CorruptSnapshot` is stored data to rebuild
//! from. Scores for a protocol come from [`Metric::similarity`],
//! [`Metric::redisearch_score`] (squared L2, `1 − u·v`) and [`Metric::neo4j_score`];
//! pgvector reports the distance itself.

pub mod error;
pub mod exact;
pub mod hnsw;
pub mod index;
pub mod kernels;
pub mod metric;
mod scratch;
pub mod snapshot;
mod store;

#[cfg(test)]
mod index_tests;

pub use error::{VectorError, VectorResult};
pub use index::{IndexKind, VectorIndex, VectorIndexConfig};
pub use metric::Metric;

/// One search hit: the caller's id and its distance to the query (smaller is closer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: u64,
    pub distance: f32,
}
