//! [`GraphRag`]: the engine every surface calls. One per GraphRAG storage instance
//! ([`GraphRag::attach`] hands every listener the same one), holding the catalog of
//! knowledge graphs, their in-memory vector indexes (rebuilt or loaded from a snapshot at
//! first use) and a writer lock per knowledge graph (builds of one graph are serialised;
//! reads never wait for them).

use crate::config::{EngineOptions, KgConfig};
use crate::error::{GraphRagError, GraphRagResult};
use crate::types::*;
use orbit_storage::TableStorage;
use parking_lot::Mutex;
use std::sync::{Arc, OnceLock, Weak};

/// The GraphRAG engine over one storage instance.
pub struct GraphRag {
    storage: Arc<dyn TableStorage>,
    options: EngineOptions,
}

/// Process-wide engine options, set by the server before listeners start.
static OPTIONS: OnceLock<EngineOptions> = OnceLock::new();
/// The engine of each storage instance (keyed by the storage's address).
static ENGINES: Mutex<Vec<(usize, Weak<GraphRag>)>> = Mutex::new(Vec::new());

impl GraphRag {
    /// Sets the options [`GraphRag::attach`] opens engines with; the first call wins.
    pub fn configure(options: EngineOptions) {
        let _ = OPTIONS.set(options);
    }

    /// The engine of `storage`: the one already open for that instance, or a new one with
    /// the options of [`GraphRag::configure`]. Every surface of one server shares it.
    pub async fn attach(storage: Arc<dyn TableStorage>) -> GraphRagResult<Arc<GraphRag>> {
        let key = Arc::as_ptr(&storage) as *const () as usize;
        if let Some(engine) = Self::registered(key) {
            return Ok(engine);
        }
        let engine = GraphRag::open(storage, OPTIONS.get().cloned().unwrap_or_default()).await?;
        let mut engines = ENGINES.lock();
        engines.retain(|(_, weak)| weak.strong_count() > 0);
        if let Some((_, existing)) = engines.iter().find(|(k, _)| *k == key) {
            if let Some(existing) = existing.upgrade() {
                return Ok(existing);
            }
        }
        engines.push((key, Arc::downgrade(&engine)));
        Ok(engine)
    }

    fn registered(key: usize) -> Option<Arc<GraphRag>> {
        ENGINES.lock().iter().find(|(k, _)| *k == key).and_then(|(_, weak)| weak.upgrade())
    }

    /// A new engine over `storage` (tests and benchmarks; servers use `attach`). Loads the
    /// catalog; vector indexes are loaded lazily per knowledge graph.
    pub async fn open(storage: Arc<dyn TableStorage>, options: EngineOptions) -> GraphRagResult<Arc<GraphRag>> {
        Ok(Arc::new(GraphRag { storage, options }))
    }

    pub fn storage(&self) -> &Arc<dyn TableStorage> {
        &self.storage
    }

    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// Creates knowledge graph `kg`; `AlreadyExists` if it exists.
    pub async fn create(&self, kg: &str, config: KgConfig) -> GraphRagResult<()> {
        let _ = (kg, config);
        Err(GraphRagError::not_built("GraphRAG create"))
    }

    /// Drops `kg` and everything in it; false when there was none.
    pub async fn drop_kg(&self, kg: &str) -> GraphRagResult<bool> {
        let _ = kg;
        Err(GraphRagError::not_built("GraphRAG drop"))
    }

    /// Names of every knowledge graph, sorted.
    pub async fn list(&self) -> GraphRagResult<Vec<String>> {
        Err(GraphRagError::not_built("GraphRAG list"))
    }

    /// The configuration `kg` was created with.
    pub async fn config(&self, kg: &str) -> GraphRagResult<KgConfig> {
        let _ = kg;
        Err(GraphRagError::not_built("GraphRAG config"))
    }

    /// Ingests (or re-ingests, replacing its earlier contributions) document `doc_id` of
    /// `kg` — created with defaults when it does not exist — in one storage transaction.
    pub async fn build(
        &self,
        kg: &str,
        doc_id: &str,
        text: &str,
        meta: &[(String, String)],
    ) -> GraphRagResult<BuildReport> {
        let _ = (kg, doc_id, text, meta);
        Err(GraphRagError::not_built("GraphRAG build"))
    }

    /// Removes document `doc_id` and its contributions; false when there was none.
    pub async fn delete_document(&self, kg: &str, doc_id: &str) -> GraphRagResult<bool> {
        let _ = (kg, doc_id);
        Err(GraphRagError::not_built("GraphRAG delete"))
    }

    /// The `options.k` best chunks for `question`, best first (ties by chunk id).
    pub async fn retrieve(
        &self,
        kg: &str,
        question: &str,
        options: &RetrieveOptions,
    ) -> GraphRagResult<Vec<RetrievedChunk>> {
        let _ = (kg, question, options);
        Err(GraphRagError::not_built("GraphRAG retrieve"))
    }

    /// An answer with citations: extractive, or from an LLM provider when one is named
    /// (or configured as the default).
    pub async fn query(&self, kg: &str, question: &str, options: &QueryOptions) -> GraphRagResult<QueryAnswer> {
        let _ = (kg, question, options);
        Err(GraphRagError::not_built("GraphRAG query"))
    }

    /// Entities and relationships of `text` by `kg`'s extractor (rules when `kg` is
    /// `None`); stores nothing.
    pub async fn extract(&self, kg: Option<&str>, text: &str) -> GraphRagResult<Extraction> {
        let _ = (kg, text);
        Err(GraphRagError::not_built("GraphRAG extract"))
    }

    /// Paths of at most `max_hops` RELATED edges from entity `from` to entity `to` (names
    /// or keys), strongest first, at most 10.
    pub async fn reason(&self, kg: &str, from: &str, to: &str, max_hops: usize) -> GraphRagResult<Vec<ReasoningPath>> {
        let _ = (kg, from, to, max_hops);
        Err(GraphRagError::not_built("GraphRAG reason"))
    }

    /// Entities, by mentions descending then key, optionally of one type.
    pub async fn entities(
        &self,
        kg: &str,
        entity_type: Option<&str>,
        limit: usize,
        offset: usize,
    ) -> GraphRagResult<Vec<EntityInfo>> {
        let _ = (kg, entity_type, limit, offset);
        Err(GraphRagError::not_built("GraphRAG entities"))
    }

    /// Entities most similar to `entity` with similarity ≥ `threshold`.
    pub async fn similar(
        &self,
        kg: &str,
        entity: &str,
        limit: usize,
        threshold: f64,
    ) -> GraphRagResult<Vec<SimilarEntity>> {
        let _ = (kg, entity, limit, threshold);
        Err(GraphRagError::not_built("GraphRAG similar"))
    }

    /// Communities (detected on demand when the graph changed since the last detection),
    /// of one level or all.
    pub async fn communities(&self, kg: &str, level: Option<u32>) -> GraphRagResult<Vec<CommunityInfo>> {
        let _ = (kg, level);
        Err(GraphRagError::not_built("GraphRAG communities"))
    }

    pub async fn stats(&self, kg: &str) -> GraphRagResult<KgStats> {
        let _ = kg;
        Err(GraphRagError::not_built("GraphRAG stats"))
    }
}
