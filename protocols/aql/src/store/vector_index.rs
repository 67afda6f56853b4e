//! The in-memory side of `vector` indexes: one orbit-vector [`VectorIndex`] (HNSW above
//! its exact threshold) per index, keyed by the documents' revisions — a revision names
//! one version of one document, so ties break in the collection's scan order and a
//! restart rebuilds the same ids. Only the definition is stored (in the catalog, with the
//! collection); the index is built at its first search from the committed documents.
//!
//! A transaction records the vector changes of its writes ([`VectorChange`]) and applies
//! them after its storage commit; one that rolls back changes nothing. Changes are
//! idempotent (insert or replace the vector of a revision, remove a revision), so a
//! commit that races a build — applied twice or to a build that already saw it — leaves
//! the same index.

use super::catalog::CollState;
use super::indexes::IndexDef;
use super::keys;
use super::vector_params::VectorParams;
use super::{DocStore, DocTxn};
use crate::error::{num, AqlError, AqlResult};
use crate::value::Value;
use orbit_vector::{IndexKind as EngineKind, VectorIndex, VectorIndexConfig};
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;

/// HNSW search breadth: 256 candidates gave recall@10 0.97 against exact search on
/// 20,000 uniform random 64-d vectors (40 gave 0.67), at about 1.4 ms per AQL query.
const SEARCH_EF: usize = 256;

/// Documents read per page while building.
const PAGE: usize = 1000;

/// One index's vectors: None until the first search builds them.
#[derive(Default)]
pub struct VectorRuntime {
    index: tokio::sync::RwLock<Option<VectorIndex>>,
}

/// The runtimes of every vector index of the store, by (collection id, index number).
#[derive(Default)]
pub struct VectorIndexes {
    runtimes: parking_lot::Mutex<HashMap<(u64, u32), Arc<VectorRuntime>>>,
}

impl VectorIndexes {
    fn runtime(&self, coll: u64, n: u32) -> Arc<VectorRuntime> {
        self.runtimes.lock().entry((coll, n)).or_default().clone()
    }

    fn existing(&self, coll: u64, n: u32) -> Option<Arc<VectorRuntime>> {
        self.runtimes.lock().get(&(coll, n)).cloned()
    }

    /// Forgets the runtimes of a collection (dropped or truncated) or of one index.
    pub fn forget(&self, coll: u64, n: Option<u32>) {
        self.runtimes.lock().retain(|(c, i), _| !(*c == coll && n.is_none_or(|n| n == *i)));
    }
}

/// A vector change of one committed write.
#[derive(Debug, Clone)]
pub struct VectorChange {
    pub coll: u64,
    pub index: u32,
    pub remove: Option<u64>,
    pub insert: Option<(u64, Vec<f32>)>,
}

/// A search hit: the revision of the document and the index's distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VectorHit {
    pub rev: u64,
    pub distance: f32,
}

fn engine_error(e: orbit_vector::VectorError) -> AqlError {
    AqlError::new(num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH, format!("vector search: {e}"))
}

fn config(params: &VectorParams) -> VectorIndexConfig {
    VectorIndexConfig::new(params.dimension, params.metric.engine_metric(), EngineKind::Hnsw)
}

fn field_value<'d>(def: &IndexDef, doc: &'d Value) -> Option<&'d Value> {
    let path = def.paths.first()?;
    let mut v = doc;
    for name in &path.before {
        v = v.get(name)?;
    }
    Some(v)
}

impl IndexDef {
    /// The vector `doc` gives this index (None when this is not a vector index or a sparse
    /// one the document has no vector for); ArangoDB's 10 or 17 for a missing or malformed
    /// vector.
    pub fn vector(&self, doc: &Value) -> AqlResult<Option<Vec<f32>>> {
        let super::IndexKind::Vector(params) = &self.kind else { return Ok(None) };
        let key = doc.get("_key").and_then(|k| k.as_str()).unwrap_or_default();
        params.vector_of(field_value(self, doc), self.sparse, key)
    }
}

impl DocStore {
    /// The `k` nearest documents' revisions to `query` in vector index `index` of
    /// `collection`, nearest first (ties by revision); 1542 when `query` is not a vector
    /// of the index's dimension.
    pub async fn vector_search(
        &self,
        db: &str,
        collection: &str,
        index: &str,
        query: &Value,
        k: usize,
    ) -> AqlResult<Vec<VectorHit>> {
        let coll = self.db(db)?.collection(collection)?;
        let def = coll
            .indexes()
            .iter()
            .find(|d| d.name == index)
            .cloned()
            .ok_or_else(|| AqlError::new(num::INDEX_NOT_FOUND, format!("index '{index}' not found")))?;
        let super::IndexKind::Vector(params) = &def.kind else {
            return Err(AqlError::new(
                num::QUERY_VECTOR_SEARCH_NOT_APPLIED,
                format!("index '{index}' is not a vector index"),
            ));
        };
        let query = params.query_vector(query).map_err(|e| {
            AqlError::new(num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH, format!("invalid query vector: {}", e.message))
        })?;
        if k == 0 {
            return Ok(Vec::new());
        }
        let runtime = self.vectors.runtime(coll.id, def.n);
        {
            let built = runtime.index.read().await;
            if let Some(ix) = built.as_ref() {
                return search(ix, &query, k);
            }
        }
        let mut slot = runtime.index.write().await;
        if slot.is_none() {
            *slot = Some(self.build_vectors(&coll, &def, params).await?);
        }
        match slot.as_ref() {
            Some(ix) => search(ix, &query, k),
            None => Ok(Vec::new()),
        }
    }

    /// The index from the committed documents of `coll`, a page per read.
    async fn build_vectors(&self, coll: &CollState, def: &IndexDef, params: &VectorParams) -> AqlResult<VectorIndex> {
        let mut ix = VectorIndex::new(config(params)).map_err(engine_error)?;
        let h = coll.handle();
        let mut range = keys::space(keys::DOC);
        let mut tx = self.storage.begin().await?;
        loop {
            let page = tx.kv_scan(&h, &range, false, PAGE).await?;
            let Some((last, _)) = page.last() else { break };
            range.start = Bound::Excluded(last.clone());
            for (key, bytes) in &page {
                let rev = keys::trailing_u64(key).ok_or_else(|| AqlError::internal("stored revision is malformed"))?;
                let doc = super::documents::decode_doc(coll, bytes)?;
                if let Ok(Some(v)) = def.vector(&doc) {
                    ix.insert(rev, &v).map_err(engine_error)?;
                }
            }
        }
        tx.rollback().await?;
        Ok(ix)
    }

    /// Applies a committed transaction's changes to the indexes already built.
    pub(super) async fn apply_vector_changes(&self, changes: &[VectorChange]) {
        for change in changes {
            let Some(runtime) = self.vectors.existing(change.coll, change.index) else { continue };
            let mut slot = runtime.index.write().await;
            let Some(ix) = slot.as_mut() else { continue };
            if let Some(rev) = change.remove {
                ix.remove(rev);
            }
            if let Some((rev, v)) = &change.insert {
                if let Err(e) = ix.insert(*rev, v) {
                    tracing::warn!(error = %e, "vector index update failed; rebuilding at next use");
                    *slot = None;
                }
            }
        }
    }
}

fn search(ix: &VectorIndex, query: &[f32], k: usize) -> AqlResult<Vec<VectorHit>> {
    let ef = k.max(SEARCH_EF);
    let hits = ix.search(query, k, Some(ef), None).map_err(engine_error)?;
    Ok(hits.into_iter().map(|h| VectorHit { rev: h.id, distance: h.distance }).collect())
}

impl DocTxn {
    /// Notes the vector changes of one document going from `old` to `new` (revision and
    /// body); refuses a new body whose vector is malformed.
    pub(super) fn note_vectors(
        &mut self,
        coll: &CollState,
        defs: &[Arc<IndexDef>],
        old: Option<(u64, &Value)>,
        new: Option<(u64, &Value)>,
    ) -> AqlResult<()> {
        for def in defs.iter().filter(|d| matches!(d.kind, super::IndexKind::Vector(_))) {
            let insert = match new {
                Some((rev, doc)) => def.vector(doc)?.map(|v| (rev, v)),
                None => None,
            };
            let remove = old.map(|(rev, _)| rev);
            if insert.is_some() || remove.is_some() {
                self.vector_changes.push(VectorChange { coll: coll.id, index: def.n, remove, insert });
            }
        }
        Ok(())
    }

    /// The document at revision `rev` of `collection` as this transaction sees it.
    pub async fn get_revision(&mut self, collection: &str, rev: u64) -> AqlResult<Option<Value>> {
        let coll = self.db.collection(collection)?;
        let h = coll.handle();
        match self.tx()?.kv_get(&h, &keys::doc(rev)).await? {
            Some(bytes) => Ok(Some(super::documents::decode_doc(&coll, &bytes)?)),
            None => Ok(None),
        }
    }
}
