//! [`GraphRag`]: the engine every surface calls. One per GraphRAG storage instance
//! ([`GraphRag::attach`] hands every listener the same one), holding the catalog of
//! knowledge graphs, their in-memory vector indexes (rebuilt or loaded from a snapshot at
//! first use) and a writer lock per knowledge graph (builds of one graph are serialised;
//! reads never wait for them).
//!
//! * [`deps`]: the text, embedding, extraction and algorithm calls the engine makes;
//! * [`prepare`] and [`ingest`]: one document's change, computed then applied in one
//!   storage transaction;
//! * [`state`] and [`vectors`]: the in-memory state per knowledge graph;
//! * [`load`]: reading that state back from storage; [`postings`]: BM25 postings, cached
//!   per generation; [`chunk_order`]: every chunk by id, for padding short rankings;
//! * [`search`]: retrieval and answers; [`read`]: entities, similar entities, paths,
//!   communities and statistics.

mod chunk_order;
pub mod deps;
mod ingest;
mod load;
pub mod postings;
mod prepare;
pub(crate) mod read;
pub mod search;
pub mod state;
pub mod vectors;

use crate::config::{EngineOptions, KgConfig};
use crate::error::{ErrorKind, GraphRagError, GraphRagResult};
use crate::store::records::KgRecord;
use crate::store::{keys, Store};
use crate::types::*;
use orbit_storage::TableStorage;
use parking_lot::Mutex;
use state::KgState;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Instant;

/// Longest document id (bytes).
const MAX_DOC_ID: usize = 512;
/// Longest knowledge-graph name (bytes).
const MAX_KG_NAME: usize = 128;
/// Largest document text (bytes).
pub(crate) const MAX_TEXT: usize = 16 << 20;

/// The GraphRAG engine over one storage instance.
pub struct GraphRag {
    storage: Arc<dyn TableStorage>,
    options: EngineOptions,
    pub(crate) store: Store,
    /// Per knowledge graph by name.
    kgs: Mutex<HashMap<String, Arc<KgState>>>,
    /// Catalog changes (create, drop), one at a time.
    catalog_lock: tokio::sync::Mutex<()>,
    /// Tests: fail every build after its writes, before its commit.
    fail_before_commit: AtomicBool,
    /// The engine itself, for the background snapshot tasks.
    me: Weak<GraphRag>,
}

/// How long a knowledge graph's writes must be quiet before its vector snapshots are stored.
const SNAPSHOT_IDLE: std::time::Duration = std::time::Duration::from_secs(2);

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
        let store = Store::open(storage.clone()).await?;
        Ok(Arc::new_cyclic(|me| GraphRag {
            storage,
            options,
            store,
            kgs: Mutex::new(HashMap::new()),
            catalog_lock: tokio::sync::Mutex::new(()),
            fail_before_commit: AtomicBool::new(false),
            me: me.clone(),
        }))
    }

    pub fn storage(&self) -> &Arc<dyn TableStorage> {
        &self.storage
    }

    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// Creates knowledge graph `kg`; `AlreadyExists` if it exists.
    pub async fn create(&self, kg: &str, config: KgConfig) -> GraphRagResult<()> {
        check_name(kg)?;
        config.validate()?;
        if let crate::config::ExtractorSpec::Llm { provider } = &config.extractor {
            // Refused rather than silently building with the rule-based extractor.
            return Err(GraphRagError::not_supported(format!(
                "entity extraction by an LLM during build (extractor 'llm:{provider}'): knowledge graphs are built \
                 with the rule-based extractor; create this one with extractor 'rules'"
            )));
        }
        let embedder = deps::embedder_for(&config.embedder, &self.options)?;
        let _catalog = self.catalog_lock.lock().await;
        let mut tx = self.storage.begin().await?;
        if self.store.kg(tx.as_mut(), kg).await?.is_some() {
            tx.rollback().await?;
            return Err(GraphRagError::new(ErrorKind::AlreadyExists, format!("knowledge graph '{kg}' already exists")));
        }
        let next = match self.store.get(tx.as_mut(), &keys::meta()).await? {
            Some(bytes) => crate::store::codec::Reader::new(&bytes, "catalog counter").u32()?,
            None => 1,
        };
        let mut w = crate::store::codec::Writer::new();
        w.u64(u64::from(next) + 1);
        self.store.put(tx.as_mut(), &keys::meta(), w.finish()).await?;
        let rec = KgRecord::new(next, config, embedder.id(), embedder.dim() as u64, embedder.fingerprint());
        self.store.put_kg(tx.as_mut(), kg, &rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops `kg` and everything in it; false when there was none.
    pub async fn drop_kg(&self, kg: &str) -> GraphRagResult<bool> {
        let _catalog = self.catalog_lock.lock().await;
        let Some(rec) = self.record(kg).await? else { return Ok(false) };
        let state = self.state(kg, &rec).await?;
        let _writer = state.writer.lock().await;
        let mut tx = self.storage.begin().await?;
        self.store.delete(tx.as_mut(), &keys::catalog(kg)).await?;
        tx.commit().await?;
        self.kgs.lock().remove(kg);
        orbit_storage::purge_kv_prefix(self.storage.as_ref(), &self.store.handle, &keys::kg_prefix(rec.id), 1024)
            .await?;
        match self.storage.drop_table(&keys::graph_table(rec.id)).await {
            Ok(()) | Err(orbit_storage::StorageError::TableNotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(true)
    }

    /// Names of every knowledge graph, sorted.
    pub async fn list(&self) -> GraphRagResult<Vec<String>> {
        let mut tx = self.storage.begin().await?;
        let rows = self.store.scan(tx.as_mut(), keys::catalog_all()).await?;
        tx.rollback().await?;
        Ok(rows.iter().filter_map(|(k, _)| keys::name_of_catalog(k)).collect())
    }

    /// The configuration `kg` was created with.
    pub async fn config(&self, kg: &str) -> GraphRagResult<KgConfig> {
        Ok(self.existing(kg).await?.config)
    }

    /// The orbit-graph table holding `kg`'s knowledge graph (for Cypher and AQL).
    pub async fn graph_table(&self, kg: &str) -> GraphRagResult<String> {
        Ok(keys::graph_table(self.existing(kg).await?.id))
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
        let started = Instant::now();
        check_doc_id(doc_id)?;
        if text.len() > MAX_TEXT {
            return Err(GraphRagError::invalid(format!("a document may hold at most {MAX_TEXT} bytes")));
        }
        let meta: Vec<(String, String)> = meta.iter().map(|(k, v)| (keys::clean(k), v.clone())).collect();
        if meta.iter().any(|(k, _)| k.is_empty() || k == "kg" || k == "doc_id") {
            return Err(GraphRagError::invalid("META names must be non-empty and not 'kg' or 'doc_id'"));
        }
        let rec = match self.record(kg).await? {
            Some(rec) => rec,
            None => {
                match self.create(kg, KgConfig::default()).await {
                    Ok(()) => {}
                    Err(e) if e.kind == ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(e),
                }
                self.existing(kg).await?
            }
        };
        let embedder = self.embedder_of(&rec)?;
        let prepared = prepare::prepare(text, &rec.config, embedder.as_ref()).await?;
        let state = self.state(kg, &rec).await?;
        let _writer = state.writer.lock().await;
        let mut outcome = self.change(kg, &state, doc_id, &meta, Some(&prepared)).await?;
        outcome.processing_time_ms = started.elapsed().as_millis() as u64;
        Ok(outcome)
    }

    /// Removes document `doc_id` and its contributions; false when there was none.
    pub async fn delete_document(&self, kg: &str, doc_id: &str) -> GraphRagResult<bool> {
        let rec = self.existing(kg).await?;
        let state = self.state(kg, &rec).await?;
        let _writer = state.writer.lock().await;
        let mut tx = self.storage.begin().await?;
        let exists = self.store.doc(tx.as_mut(), rec.id, doc_id).await?.is_some();
        tx.rollback().await?;
        if !exists {
            return Ok(false);
        }
        self.change(kg, &state, doc_id, &[], None).await?;
        Ok(true)
    }

    /// One document's change under its knowledge graph's writer lock: applied in one
    /// transaction, then to the in-memory indexes.
    async fn change(
        &self,
        kg: &str,
        state: &Arc<KgState>,
        doc_id: &str,
        meta: &[(String, String)],
        new: Option<&prepare::Prepared>,
    ) -> GraphRagResult<BuildReport> {
        let mut tx = self.storage.begin().await?;
        let rec = self
            .store
            .kg(tx.as_mut(), kg)
            .await?
            .filter(|r| r.id == state.id)
            .ok_or_else(|| GraphRagError::not_found(format!("knowledge graph '{kg}' does not exist")))?;
        if new.is_some() {
            self.embedder_of(&rec)?;
        }
        let before = rec.generation;
        let (tx, outcome) = ingest::apply(&self.store, &state.graph, tx, kg, rec, doc_id, meta, new).await?;
        if self.fail_before_commit.load(Ordering::SeqCst) {
            tx.rollback().await?;
            return Err(GraphRagError::new(ErrorKind::Storage, "injected failure before commit"));
        }
        tx.commit().await?;
        let mut vectors = state.vectors.write();
        if let Some(current) = vectors.as_mut() {
            if current.generation == before {
                if let Err(e) = current.apply(&outcome.delta, outcome.record.generation) {
                    *vectors = None;
                    tracing::warn!(kg, error = %e, "vector index update failed; it is rebuilt at its next use");
                }
            }
        }
        drop(vectors);
        self.schedule_snapshot(kg, state, outcome.record.generation);
        Ok(outcome.report)
    }

    /// Stores `kg`'s vector snapshots once its writes have been quiet for
    /// [`SNAPSHOT_IDLE`] (a later change reschedules; only the last one writes).
    fn schedule_snapshot(&self, kg: &str, state: &Arc<KgState>, generation: u64) {
        state.pending_snapshot.store(generation, Ordering::SeqCst);
        let (Some(engine), Ok(runtime)) = (self.me.upgrade(), tokio::runtime::Handle::try_current()) else { return };
        let (kg, state) = (kg.to_string(), Arc::downgrade(state));
        runtime.spawn(async move {
            tokio::time::sleep(SNAPSHOT_IDLE).await;
            let Some(state) = state.upgrade() else { return };
            if state.pending_snapshot.load(Ordering::SeqCst) != generation {
                return;
            }
            if let Err(e) = engine.write_snapshots(&kg, &state).await {
                tracing::warn!(kg, error = %e, "storing the vector snapshots failed");
            }
        });
    }
}

fn check_name(kg: &str) -> GraphRagResult<()> {
    if kg.is_empty() || kg.len() > MAX_KG_NAME || kg.contains('\0') {
        return Err(GraphRagError::invalid(format!(
            "a knowledge graph name must be 1 to {MAX_KG_NAME} bytes without NUL"
        )));
    }
    Ok(())
}

fn check_doc_id(doc_id: &str) -> GraphRagResult<()> {
    if doc_id.is_empty() || doc_id.len() > MAX_DOC_ID || doc_id.contains('\0') {
        return Err(GraphRagError::invalid(format!("a document id must be 1 to {MAX_DOC_ID} bytes without NUL")));
    }
    Ok(())
}

#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod tests;
