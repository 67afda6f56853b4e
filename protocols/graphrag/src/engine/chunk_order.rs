//! Every chunk of a knowledge graph in chunk-id order, for the retrievals that rank fewer
//! chunks than they must answer: they are padded with unscored chunks, the lowest chunk
//! ids first ([`crate::retrieve::finish`]). Read from storage once per generation, at the
//! first such retrieval, and kept in the knowledge graph's [`KgState`].

use super::state::KgState;
use super::GraphRag;
use crate::error::GraphRagResult;
use crate::store::keys;
use crate::store::records::{ChunkRecord, KgRecord};
use orbit_storage::Transaction;
use std::sync::Arc;

/// The chunks of one generation: (chunk id, chunk number), by chunk id.
pub struct ChunkOrder {
    pub generation: u64,
    pub chunks: Vec<(String, u64)>,
}

impl GraphRag {
    /// The chunk order of `rec`'s generation, as `tx` (which read `rec`) sees it.
    pub(crate) async fn chunk_order(
        &self,
        state: &KgState,
        rec: &KgRecord,
        tx: &mut dyn Transaction,
    ) -> GraphRagResult<Arc<ChunkOrder>> {
        if let Some(order) = state.chunk_order.read().as_ref().filter(|o| o.generation == rec.generation) {
            return Ok(order.clone());
        }
        let mut chunks = Vec::new();
        for (key, value) in self.store.scan(tx, keys::chunks(rec.id)).await? {
            if let Some(number) = keys::number_at_end(&key) {
                chunks.push((ChunkRecord::decode(&value)?.chunk_id(), number));
            }
        }
        chunks.sort();
        let order = Arc::new(ChunkOrder { generation: rec.generation, chunks });
        let mut slot = state.chunk_order.write();
        if slot.as_ref().is_none_or(|o| o.generation < order.generation) {
            *slot = Some(order.clone());
        }
        Ok(order)
    }
}
