//! What the engine keeps in memory per knowledge graph: its writer lock, its orbit-graph
//! handle, its vector indexes and a read cache of the entity graph, each tagged with the
//! generation it reflects. Readers take the cached value when it is current and rebuild
//! it from storage when it is older than the generation they read.

use super::deps;
use super::vectors::Vectors;
use crate::store::records::{EntityRecord, PairRecord};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

pub struct KgState {
    pub id: u32,
    /// Builds and deletes of this knowledge graph, one at a time.
    pub writer: tokio::sync::Mutex<()>,
    pub graph: Arc<orbit_graph::Graph>,
    pub vectors: RwLock<Option<Vectors>>,
    pub entity_graph: RwLock<Option<Arc<EntityGraph>>>,
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
            entity_graph: RwLock::new(None),
            pending_snapshot: AtomicU64::new(0),
        }
    }
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
        EntityGraph { generation, nodes, by_key, graph, pairs: pair_map, chunk_entities, chunks }
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
