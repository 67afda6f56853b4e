//! One FT index in memory: the documents (hash keys) it covers with the values its
//! prefilters test, one orbit-vector [`VectorIndex`] per VECTOR field, and the searches
//! over them. The hashes themselves stay in the keyspace (FT.SEARCH reads the returned
//! fields from there); this holds only what filtering and ranking need, brought back at
//! start from a snapshot reconciled with the keyspace ([`reconcile`]) or rebuilt from it.
//! Every change is counted in [`SearchIndex::changes`], which tells the background writer
//! when a new snapshot is due.

pub mod reconcile;

use super::query::{Filter, Knn};
use super::schema::{FieldKind, IndexDef};
use super::snapshot::Image;
use super::snapshotter::ChangeLog;
use crate::error::{RedisError, RedisResult};
use orbit_vector::{VectorIndex, VectorIndexConfig};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;

/// A hash as the index sees it: its fields and expiry.
#[derive(Debug, Clone, PartialEq)]
pub struct HashState {
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
    pub expire_at_ms: Option<i64>,
}

/// What one schema field of one document holds.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Missing,
    Tags(Vec<String>),
    Number(f64),
    Words(BTreeSet<String>),
    /// The vector is in the field's [`VectorIndex`].
    Vector,
}

#[derive(Debug)]
struct Doc {
    key: Vec<u8>,
    expire_at_ms: Option<i64>,
    values: Vec<Value>,
}

impl Doc {
    fn alive(&self, now_ms: i64) -> bool {
        self.expire_at_ms.is_none_or(|at| at > now_ms)
    }
}

/// A ranked document: its key and, for KNN, its RediSearch score.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub key: Vec<u8>,
    pub score: Option<f64>,
}

pub struct SearchIndex {
    pub def: Arc<IndexDef>,
    docs: HashMap<u64, Doc>,
    /// Key → document id; also the key order `*` results come in.
    ids: BTreeMap<Vec<u8>, u64>,
    next_id: u64,
    /// (schema position, index) per VECTOR field.
    vectors: Vec<(usize, VectorIndex)>,
    /// Hashes not indexed because a field did not parse (RediSearch's hash_indexing_failures).
    pub failures: u64,
    /// Indexed documents with an expiry time.
    expiring: usize,
    /// Changes since the index was made, and how many the stored snapshot holds.
    pub changes: ChangeLog,
    /// How the index came back at start (`None` when made by FT.CREATE).
    pub restored: Option<reconcile::RestoreReport>,
}

impl SearchIndex {
    pub fn new(def: IndexDef) -> RedisResult<SearchIndex> {
        let mut vectors = Vec::new();
        for (i, field) in def.fields.iter().enumerate() {
            if let FieldKind::Vector(v) = &field.kind {
                let mut config = VectorIndexConfig::new(v.dim, v.distance.metric(), v.kind);
                config.m = v.m;
                config.ef_construction = v.ef_construction;
                config.ef_search = v.ef_runtime;
                let index = VectorIndex::new(config).map_err(|e| RedisError::err(format!("vector index: {e}")))?;
                vectors.push((i, index));
            }
        }
        Ok(SearchIndex {
            def: Arc::new(def),
            docs: HashMap::new(),
            ids: BTreeMap::new(),
            next_id: 1,
            vectors,
            failures: 0,
            expiring: 0,
            changes: ChangeLog::default(),
            restored: None,
        })
    }

    /// What a snapshot keeps of the index (the vector indexes and the keys of the documents
    /// that have vectors, by id), copied so that encoding needs no lock.
    pub fn image(&self) -> Image {
        let mut docs: Vec<(u64, Vec<u8>)> = self
            .docs
            .iter()
            .filter(|(_, doc)| doc.values.contains(&Value::Vector))
            .map(|(id, doc)| (*id, doc.key.clone()))
            .collect();
        docs.sort_unstable();
        Image { next_id: self.next_id, docs, vectors: self.vectors.clone() }
    }

    pub fn num_docs(&self) -> usize {
        self.docs.len()
    }

    pub fn max_doc_id(&self) -> u64 {
        self.next_id - 1
    }

    /// Indexed vectors of each VECTOR field, by schema position.
    pub fn vector_counts(&self) -> Vec<(usize, usize)> {
        self.vectors.iter().map(|(i, v)| (*i, v.len())).collect()
    }

    /// Every indexed key (FT.DROPINDEX DD).
    pub fn keys(&self) -> impl Iterator<Item = &Vec<u8>> {
        self.ids.keys()
    }

    /// Forgets every document (the database was flushed or swapped).
    pub fn clear(&mut self) {
        let ids: Vec<u64> = self.ids.values().copied().collect();
        self.changes.record(ids.len() as u64);
        for id in ids {
            self.remove_id(id);
        }
    }

    /// Brings `key` in line with its hash: `None` (gone, or not a hash) removes it. A hash
    /// whose fields do not parse for the schema is removed and counted as a failure.
    pub fn apply(&mut self, key: &[u8], state: Option<&HashState>) {
        self.changes.record(1);
        if let Some(id) = self.ids.get(key).copied() {
            self.remove_id(id);
        }
        let Some(state) = state else { return };
        let Some((values, vectors)) = self.parse(&state.fields) else {
            self.failures += 1;
            return;
        };
        self.insert_parsed(key, state.expire_at_ms, values, vectors);
    }

    /// Indexes a parsed hash under a new document id; false when a vector was refused
    /// (counted as a failure, nothing indexed).
    fn insert_parsed(
        &mut self,
        key: &[u8],
        expire_at_ms: Option<i64>,
        values: Vec<Value>,
        vectors: Vec<(usize, Vec<f32>)>,
    ) -> bool {
        let id = self.next_id;
        self.next_id += 1;
        for (slot, vector) in vectors {
            if let Some((_, index)) = self.vectors.get_mut(slot) {
                if index.insert(id, &vector).is_err() {
                    self.failures += 1;
                    self.remove_vectors(id);
                    return false;
                }
            }
        }
        self.add_doc(id, key, expire_at_ms, values);
        true
    }

    /// Records a document whose vectors (if any) are already in the vector indexes.
    fn add_doc(&mut self, id: u64, key: &[u8], expire_at_ms: Option<i64>, values: Vec<Value>) {
        self.ids.insert(key.to_vec(), id);
        self.expiring += usize::from(expire_at_ms.is_some());
        self.docs.insert(id, Doc { key: key.to_vec(), expire_at_ms, values });
    }

    /// Takes `id` out of every vector index; returns how many held it.
    fn remove_vectors(&mut self, id: u64) -> usize {
        self.vectors.iter_mut().map(|(_, v)| usize::from(v.remove(id))).sum()
    }

    fn remove_id(&mut self, id: u64) {
        if let Some(doc) = self.docs.remove(&id) {
            self.ids.remove(&doc.key);
            self.expiring -= usize::from(doc.expire_at_ms.is_some());
            for (_, index) in self.vectors.iter_mut() {
                index.remove(id);
            }
        }
    }

    /// The schema values of a hash and its vectors (by position in `self.vectors`);
    /// `None` when a NUMERIC or VECTOR field holds something that does not parse.
    #[allow(clippy::type_complexity)]
    fn parse(&self, fields: &[(Vec<u8>, Vec<u8>)]) -> Option<(Vec<Value>, Vec<(usize, Vec<f32>)>)> {
        let mut values = Vec::with_capacity(self.def.fields.len());
        let mut vectors = Vec::new();
        for (position, field) in self.def.fields.iter().enumerate() {
            let Some((_, raw)) = fields.iter().find(|(name, _)| *name == field.field) else {
                values.push(Value::Missing);
                continue;
            };
            values.push(match &field.kind {
                FieldKind::Tag { separator, case_sensitive } => Value::Tags(
                    String::from_utf8_lossy(raw)
                        .split(char::from(*separator))
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(|t| if *case_sensitive { t.to_string() } else { t.to_lowercase() })
                        .collect(),
                ),
                FieldKind::Numeric => {
                    let n: f64 = std::str::from_utf8(raw).ok()?.trim().parse().ok()?;
                    if n.is_nan() {
                        return None;
                    }
                    Value::Number(n)
                }
                FieldKind::Text { .. } => Value::Words(words(&String::from_utf8_lossy(raw))),
                FieldKind::Vector(v) => {
                    if raw.len() != v.dim * 4 {
                        return None;
                    }
                    let vector: Vec<f32> =
                        raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                    if vector.iter().any(|x| !x.is_finite()) {
                        return None;
                    }
                    let slot = self.vectors.iter().position(|(i, _)| *i == position)?;
                    vectors.push((slot, vector));
                    Value::Vector
                }
            });
        }
        Some((values, vectors))
    }

    fn matches(&self, doc: &Doc, filter: &Filter) -> bool {
        match filter {
            Filter::All => true,
            Filter::Tag { field, values } => match doc.values.get(*field) {
                Some(Value::Tags(tags)) => values.iter().any(|v| tags.contains(v)),
                _ => false,
            },
            Filter::Range { field, low, high } => match doc.values.get(*field) {
                Some(Value::Number(n)) => in_range(*n, *low, *high),
                _ => false,
            },
            Filter::Word { field: Some(field), word } => match doc.values.get(*field) {
                Some(Value::Words(words)) => words.contains(word),
                _ => false,
            },
            Filter::Word { field: None, word } => {
                doc.values.iter().any(|v| matches!(v, Value::Words(w) if w.contains(word)))
            }
            Filter::Not(inner) => !self.matches(doc, inner),
            Filter::And(items) => items.iter().all(|f| self.matches(doc, f)),
            Filter::Or(items) => items.iter().any(|f| self.matches(doc, f)),
        }
    }

    /// Live documents passing `filter`, in key order.
    pub fn filter(&self, filter: &Filter, now_ms: i64) -> Vec<Found> {
        self.ids
            .values()
            .filter_map(|id| self.docs.get(id))
            .filter(|doc| doc.alive(now_ms) && self.matches(doc, filter))
            .map(|doc| Found { key: doc.key.clone(), score: None })
            .collect()
    }

    /// The `knn.k` nearest live documents passing `filter`, nearest first (ties by key),
    /// with RediSearch's scores.
    pub fn knn(&self, knn: &Knn, filter: &Filter, now_ms: i64) -> RedisResult<Vec<Found>> {
        let Some(FieldKind::Vector(def)) = self.def.fields.get(knn.field).map(|f| &f.kind) else {
            return Err(RedisError::err("Expected a VECTOR field in KNN"));
        };
        if knn.vector.len() != def.dim * 4 {
            return Err(RedisError::err(format!(
                "Error parsing vector similarity query: query vector blob size ({}) does not match index's expected \
                 size ({}).",
                knn.vector.len(),
                def.dim * 4
            )));
        }
        let query: Vec<f32> =
            knn.vector.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        if query.iter().any(|x| !x.is_finite()) {
            return Err(RedisError::err("Error parsing vector similarity query: the query vector is not finite"));
        }
        let Some((_, index)) = self.vectors.iter().find(|(i, _)| *i == knn.field) else {
            return Err(RedisError::err("Expected a VECTOR field in KNN"));
        };
        if knn.k == 0 || index.is_empty() {
            return Ok(Vec::new());
        }
        let accept = |id: u64| self.docs.get(&id).is_some_and(|d| d.alive(now_ms) && self.matches(d, filter));
        // Without a prefilter or a key that can expire, every indexed vector qualifies.
        let unfiltered = *filter == Filter::All && self.expiring == 0;
        let ef = knn.ef_runtime.map(|ef| ef.max(knn.k));
        let hits = index
            .search(&query, knn.k, ef, if unfiltered { None } else { Some(&accept) })
            .map_err(|e| RedisError::err(format!("Error parsing vector similarity query: {e}")))?;
        let mut found: Vec<Found> = hits
            .into_iter()
            .filter_map(|hit| {
                let doc = self.docs.get(&hit.id)?;
                let stored = index.get(hit.id)?;
                Some(Found { key: doc.key.clone(), score: Some(def.distance.score(stored, &query)) })
            })
            .collect();
        found.sort_by(|a, b| {
            let (x, y) = (a.score.unwrap_or(f64::INFINITY), b.score.unwrap_or(f64::INFINITY));
            x.total_cmp(&y).then_with(|| a.key.cmp(&b.key))
        });
        Ok(found)
    }
}

/// Lower-cased runs of letters and digits.
pub fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn in_range(n: f64, low: Bound<f64>, high: Bound<f64>) -> bool {
    let above = match low {
        Bound::Included(l) => n >= l,
        Bound::Excluded(l) => n > l,
        Bound::Unbounded => true,
    };
    let below = match high {
        Bound::Included(h) => n <= h,
        Bound::Excluded(h) => n < h,
        Bound::Unbounded => true,
    };
    above && below
}
