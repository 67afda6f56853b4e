//! Reading a knowledge graph's state back from storage: its catalog record, its
//! in-memory [`KgState`] (opened once per id), its embedder (checked against the one it
//! was created with), its vector indexes (from a snapshot of the current generation, else
//! rebuilt from the stored embeddings) and its entity graph.

use super::deps::{self, Embedder};
use super::state::{EntityGraph, KgState};
use super::vectors::{VectorSet, Vectors};
use super::GraphRag;
use crate::error::{ErrorKind, GraphRagError, GraphRagResult};
use crate::store::codec::{decode_f32s, Reader, Writer};
use crate::store::keys;
use crate::store::records::{EntityRecord, KgRecord, PairRecord};
use orbit_storage::Transaction;
use std::sync::Arc;

impl GraphRag {
    /// The catalog record of `kg`, if any.
    pub(crate) async fn record(&self, kg: &str) -> GraphRagResult<Option<KgRecord>> {
        let mut tx = self.storage.begin().await?;
        let rec = self.store.kg(tx.as_mut(), kg).await?;
        tx.rollback().await?;
        Ok(rec)
    }

    pub(crate) async fn existing(&self, kg: &str) -> GraphRagResult<KgRecord> {
        self.record(kg).await?.ok_or_else(|| GraphRagError::not_found(format!("knowledge graph '{kg}' does not exist")))
    }

    /// The in-memory state of `kg` as created with `rec`'s id.
    pub(crate) async fn state(&self, kg: &str, rec: &KgRecord) -> GraphRagResult<Arc<KgState>> {
        if let Some(state) = self.kgs.lock().get(kg).filter(|s| s.id == rec.id) {
            return Ok(state.clone());
        }
        let graph = orbit_graph::Graph::open_table(self.storage.clone(), &keys::graph_table(rec.id)).await?;
        let mut kgs = self.kgs.lock();
        if let Some(state) = kgs.get(kg).filter(|s| s.id == rec.id) {
            return Ok(state.clone());
        }
        let state = Arc::new(KgState::new(rec.id, graph));
        kgs.insert(kg.to_string(), state.clone());
        Ok(state)
    }

    /// The embedder of `rec`, refused when it is not the one the graph was created with.
    pub(crate) fn embedder_of(&self, rec: &KgRecord) -> GraphRagResult<Arc<dyn Embedder>> {
        let embedder = deps::embedder_for(&rec.config.embedder, &self.options)?;
        let dim_ok = rec.embedding_dim == 0 || embedder.dim() == 0 || embedder.dim() as u64 == rec.embedding_dim;
        if embedder.id() != rec.embedder_id || embedder.fingerprint() != rec.fingerprint || !dim_ok {
            return Err(GraphRagError::new(
                ErrorKind::EmbedderMismatch,
                format!(
                    "the knowledge graph was built with embedder {} ({} dimensions, fingerprint {}), not {} ({} dimensions, fingerprint {})",
                    rec.embedder_id,
                    rec.embedding_dim,
                    rec.fingerprint,
                    embedder.id(),
                    embedder.dim(),
                    embedder.fingerprint()
                ),
            ));
        }
        Ok(embedder)
    }

    /// Makes `state`'s vector indexes current for `rec` (loaded from a snapshot of its
    /// generation or rebuilt from the stored embeddings), one caller at a time: the others
    /// wait and find them current.
    pub(crate) async fn ensure_vectors(
        &self,
        state: &KgState,
        rec: &KgRecord,
        tx: &mut dyn Transaction,
    ) -> GraphRagResult<()> {
        let current = || state.vectors.read().as_ref().is_some_and(|v| v.generation >= rec.generation);
        if current() {
            return Ok(());
        }
        let _loading = state.vectors_loading.lock().await;
        if current() {
            return Ok(());
        }
        let loaded = match self.load_snapshots(tx, rec).await? {
            Some(v) => v,
            None => self.rebuild_vectors(tx, rec).await?,
        };
        state.vector_loads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut slot = state.vectors.write();
        if slot.as_ref().is_none_or(|v| v.generation < loaded.generation) {
            *slot = Some(loaded);
        }
        Ok(())
    }

    fn ef(&self) -> usize {
        if self.options.ef_search == 0 {
            64
        } else {
            self.options.ef_search
        }
    }

    async fn load_snapshots(&self, tx: &mut dyn Transaction, rec: &KgRecord) -> GraphRagResult<Option<Vectors>> {
        let mut sets = Vec::new();
        for which in [keys::SNAPSHOT_CHUNKS, keys::SNAPSHOT_ENTITIES] {
            let Some(bytes) = self.store.get(tx, &keys::snapshot(rec.id, which)).await? else { return Ok(None) };
            let mut r = Reader::new(&bytes, "vector snapshot");
            if r.u64()? != rec.generation {
                return Ok(None);
            }
            let Some(set) = VectorSet::from_snapshot(r.bytes()?, self.ef()) else {
                tracing::warn!(kg = rec.id, "a stored vector snapshot does not decode; rebuilding from the embeddings");
                return Ok(None);
            };
            sets.push(set);
        }
        let entities = sets.pop();
        let chunks = sets.pop();
        Ok(chunks.zip(entities).map(|(chunks, entities)| Vectors { generation: rec.generation, chunks, entities }))
    }

    async fn rebuild_vectors(&self, tx: &mut dyn Transaction, rec: &KgRecord) -> GraphRagResult<Vectors> {
        let mut chunks = VectorSet::new(self.ef());
        for (key, value) in self.store.scan(tx, keys::embeddings(rec.id)).await? {
            let number = keys::number_at_end(&key).ok_or_else(|| GraphRagError::corrupt("embedding key"))?;
            chunks.insert(number, &decode_f32s(&value)?)?;
        }
        let mut entities = VectorSet::new(self.ef());
        let records = self.store.scan(tx, keys::entities(rec.id)).await?;
        let vectors = self.store.scan(tx, keys::entity_embeddings(rec.id)).await?;
        let mut vectors = vectors.iter().peekable();
        for (key, value) in &records {
            let name = keys::text_parts(key, keys::SPACE_PREFIX_LEN).and_then(|p| p.into_iter().next());
            let record = EntityRecord::decode(value)?;
            while let Some((vkey, vector)) = vectors.peek() {
                let vname = keys::text_parts(vkey, keys::SPACE_PREFIX_LEN).and_then(|p| p.into_iter().next());
                match vname.cmp(&name) {
                    std::cmp::Ordering::Less => {
                        vectors.next();
                    }
                    std::cmp::Ordering::Equal => {
                        entities.insert(record.node, &decode_f32s(vector)?)?;
                        vectors.next();
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
        }
        Ok(Vectors { generation: rec.generation, chunks, entities })
    }

    /// Stores snapshots of `state`'s vector indexes (loading them first when no reader
    /// has), tagged with the generation they reflect; a snapshot older than the graph is
    /// never loaded, so a build committing meanwhile makes it useless, never wrong.
    pub(crate) async fn write_snapshots(&self, kg: &str, state: &KgState) -> GraphRagResult<bool> {
        let mut tx = self.storage.begin().await?;
        let Some(rec) = self.store.kg(tx.as_mut(), kg).await?.filter(|r| r.id == state.id) else {
            tx.rollback().await?;
            return Ok(false);
        };
        self.ensure_vectors(state, &rec, tx.as_mut()).await?;
        tx.rollback().await?;
        let parts = {
            let guard = state.vectors.read();
            let Some(v) = guard.as_ref().filter(|v| v.generation == rec.generation) else { return Ok(false) };
            [(keys::SNAPSHOT_CHUNKS, v.chunks.snapshot()), (keys::SNAPSHOT_ENTITIES, v.entities.snapshot())]
        };
        let mut tx = self.storage.begin().await?;
        for (which, bytes) in parts {
            let mut w = Writer::new();
            w.u64(rec.generation).bytes(&bytes);
            self.store.put(tx.as_mut(), &keys::snapshot(rec.id, which), w.finish()).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The entity graph of `rec`'s generation, cached in `state`.
    pub(crate) async fn entity_graph(
        &self,
        state: &KgState,
        rec: &KgRecord,
        tx: &mut dyn Transaction,
    ) -> GraphRagResult<Arc<EntityGraph>> {
        if let Some(g) = state.entity_graph.read().as_ref().filter(|g| g.generation == rec.generation) {
            return Ok(g.clone());
        }
        let id = rec.id;
        let mut entities = Vec::new();
        for (key, value) in self.store.scan(tx, keys::entities(id)).await? {
            let name = keys::text_parts(&key, keys::SPACE_PREFIX_LEN)
                .and_then(|p| p.into_iter().next())
                .ok_or_else(|| GraphRagError::corrupt("entity key"))?;
            entities.push((name, EntityRecord::decode(&value)?));
        }
        let mut pairs = Vec::new();
        for (key, value) in self.store.scan(tx, keys::pairs(id)).await? {
            let mut parts = keys::text_parts(&key, keys::SPACE_PREFIX_LEN).unwrap_or_default().into_iter();
            let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
                return Err(GraphRagError::corrupt("entity pair key"));
            };
            pairs.push((a, b, PairRecord::decode(&value)?));
        }
        let mut mentions = Vec::new();
        for (key, _) in self.store.scan(tx, keys::mentions_all(id)).await? {
            let number = keys::number_at_end(&key).ok_or_else(|| GraphRagError::corrupt("mention key"))?;
            let entity = key
                .get(keys::SPACE_PREFIX_LEN..key.len().saturating_sub(9))
                .and_then(|b| String::from_utf8(b.to_vec()).ok())
                .ok_or_else(|| GraphRagError::corrupt("mention key"))?;
            mentions.push((entity, number));
        }
        let graph = Arc::new(EntityGraph::build(rec.generation, rec.chunks, entities, pairs, mentions));
        let mut slot = state.entity_graph.write();
        if slot.as_ref().is_none_or(|g| g.generation < graph.generation) {
            *slot = Some(graph.clone());
        }
        Ok(graph)
    }
}
