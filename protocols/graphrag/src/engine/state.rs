//! What the engine keeps in memory per knowledge graph: its writer lock, its orbit-graph
//! handle, its vector indexes (loaded by one reader at a time), a read cache of the entity
//! graph with its lookup indexes and a cache of BM25 postings, each tagged with the
//! generation it reflects. Readers take the cached value when it is current and rebuild
//! it from storage when it is older than the generation they read.

use super::chunk_order::ChunkOrder;
use super::deps;
use super::postings::PostingsCache;
use super::vectors::Vectors;
use crate::store::records::{CommunityRecord, EntityRecord, PairRecord};
use parking_lot::{Mutex, RwLock};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

pub struct KgState {
    pub id: u32,
    /// Builds and deletes of this knowledge graph, one at a time.
    pub writer: tokio::sync::Mutex<()>,
    pub graph: Arc<orbit_graph::Graph>,
    pub vectors: RwLock<Option<Vectors>>,
    /// Held while the vector indexes are loaded or rebuilt, so one reader does that work
    /// and the others (and the snapshot task) wait for its result.
    pub vectors_loading: tokio::sync::Mutex<()>,
    /// How many times the vector indexes were loaded or rebuilt from storage.
    pub vector_loads: AtomicU64,
    pub entity_graph: RwLock<Option<Arc<EntityGraph>>>,
    /// The stored communities of the last detection read.
    pub communities: RwLock<Option<Arc<Communities>>>,
    /// Every chunk in chunk-id order, read at the first retrieval that pads its results.
    pub chunk_order: RwLock<Option<Arc<ChunkOrder>>>,
    /// BM25 postings read since the generation they are tagged with.
    pub postings: Mutex<PostingsCache>,
    /// The generation the last change left, for the snapshot task.
    pub pending_snapshot: AtomicU64,
}

impl KgState {
    pub fn new(id: u32, graph: Arc<orbit_graph::Graph>) -> KgState {
        KgState {
            id,
            writer: tokio::sync::Mutex::new(()),
            graph,
            vectors: RwLock::new(None),
            vectors_loading: tokio::sync::Mutex::new(()),
            vector_loads: AtomicU64::new(0),
            entity_graph: RwLock::new(None),
            communities: RwLock::new(None),
            chunk_order: RwLock::new(None),
            postings: Mutex::new(PostingsCache::default()),
            pending_snapshot: AtomicU64::new(0),
        }
    }
}

/// The communities one detection stored (tagged with the generation it detected them
/// at), with the BM25 terms of each summary.
pub struct Communities {
    pub generation: u64,
    pub records: Vec<CommunityRecord>,
    pub summary_terms: Vec<HashSet<String>>,
}

/// One entity of the entity graph.
#[derive(Debug, Clone)]
pub struct EntityNode {
    pub key: String,
    pub record: EntityRecord,
    /// Chunk numbers mentioning it, ascending.
    pub chunks: Vec<u64>,
}

/// The entity graph of a knowledge graph as of `generation`: entities by key (dense ids in
/// key order), RELATED pairs with their weights and types, and which chunks mention
/// which entities.
pub struct EntityGraph {
    pub generation: u64,
    pub nodes: Vec<EntityNode>,
    pub by_key: HashMap<String, u32>,
    /// Graph node id → entity id.
    pub by_node: HashMap<u64, u32>,
    /// Lower-cased name → the first entity id of that name.
    pub by_lower_name: HashMap<String, u32>,
    /// A word of an entity key → the entity ids whose key holds it, ascending.
    pub by_word: HashMap<String, Vec<u32>>,
    pub graph: deps::Graph,
    /// (lower id, higher id) → the pair's record.
    pub pairs: HashMap<(u32, u32), PairRecord>,
    /// Chunk number → entity ids it mentions.
    pub chunk_entities: HashMap<u64, Vec<u32>>,
    pub chunks: u64,
}

impl EntityGraph {
    pub fn build(
        generation: u64,
        chunks: u64,
        entities: Vec<(String, EntityRecord)>,
        pairs: Vec<(String, String, PairRecord)>,
        mentions: Vec<(String, u64)>,
    ) -> EntityGraph {
        let mut nodes: Vec<EntityNode> =
            entities.into_iter().map(|(key, record)| EntityNode { key, record, chunks: Vec::new() }).collect();
        nodes.sort_by(|a, b| a.key.cmp(&b.key));
        let by_key: HashMap<String, u32> = nodes.iter().enumerate().map(|(i, n)| (n.key.clone(), i as u32)).collect();
        let mut chunk_entities: HashMap<u64, Vec<u32>> = HashMap::new();
        for (key, chunk) in mentions {
            if let Some(&id) = by_key.get(&key) {
                nodes[id as usize].chunks.push(chunk);
                chunk_entities.entry(chunk).or_default().push(id);
            }
        }
        for node in &mut nodes {
            node.chunks.sort_unstable();
            node.chunks.dedup();
        }
        for list in chunk_entities.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        let mut edges = Vec::new();
        let mut pair_map = HashMap::new();
        for (a, b, rec) in pairs {
            let (Some(&x), Some(&y)) = (by_key.get(&a), by_key.get(&b)) else { continue };
            let (lo, hi) = if x < y { (x, y) } else { (y, x) };
            edges.push((lo, hi, rec.weight));
            pair_map.insert((lo, hi), rec);
        }
        let graph = deps::Graph::from_edges(nodes.len(), &edges);
        let by_node = nodes.iter().enumerate().map(|(i, n)| (n.record.node, i as u32)).collect();
        let mut by_lower_name = HashMap::new();
        let mut by_word: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            by_lower_name.entry(node.record.name.to_lowercase()).or_insert(i as u32);
            for word in node.key.split_whitespace() {
                let ids = by_word.entry(word.to_string()).or_default();
                if ids.last() != Some(&(i as u32)) {
                    ids.push(i as u32);
                }
            }
        }
        EntityGraph {
            generation,
            nodes,
            by_key,
            by_node,
            by_lower_name,
            by_word,
            graph,
            pairs: pair_map,
            chunk_entities,
            chunks,
        }
    }

    /// The entity ids, ascending, whose key holds every one of `words` (none for no words).
    pub fn holding_words(&self, words: &[&str]) -> Vec<u32> {
        let mut lists = Vec::with_capacity(words.len());
        for word in words {
            match self.by_word.get(*word) {
                Some(ids) => lists.push(ids.as_slice()),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|l| l.len());
        let Some((shortest, others)) = lists.split_first() else { return Vec::new() };
        shortest.iter().copied().filter(|id| others.iter().all(|l| l.binary_search(id).is_ok())).collect()
    }

    pub fn pair(&self, a: u32, b: u32) -> Option<&PairRecord> {
        self.pairs.get(&if a < b { (a, b) } else { (b, a) })
    }

    /// How specific an entity is: ln(1 + N / chunks mentioning it), an idf.
    pub fn specificity(&self, id: u32) -> f64 {
        let df = self.nodes.get(id as usize).map(|n| n.chunks.len()).unwrap_or(0).max(1);
        (1.0 + self.chunks.max(1) as f64 / df as f64).ln()
    }
}
