//! The part of ingest that needs no storage: normalise, chunk, BM25 terms, entity
//! mentions per chunk, typed relations and the embeddings (one batch for the chunks, one
//! for new entity names). Runs before the document's transaction begins, so a slow
//! embedder never holds a transaction open.

use super::deps::{self, Embedder};
use crate::config::KgConfig;
use crate::error::{GraphRagError, GraphRagResult};
use crate::store::keys::clean;
use std::collections::BTreeMap;

/// Longest entity key or name kept (bytes).
const MAX_NAME: usize = 200;
/// Entities per chunk that pair with each other for co-occurrence.
pub const MAX_PAIRING_ENTITIES: usize = 48;

/// One chunk ready to store.
pub struct PreparedChunk {
    pub ordinal: u32,
    pub text: String,
    pub tokens: u64,
    pub terms: Vec<(String, u32)>,
    /// (entity key, mentions), by key.
    pub entities: Vec<(String, u32)>,
    pub embedding: Vec<f32>,
}

/// A document ready to store.
pub struct Prepared {
    pub chunks: Vec<PreparedChunk>,
    /// Entity key → (name, type) of its first mention.
    pub entities: BTreeMap<String, (String, String)>,
    /// Entity key → the embedding of its name.
    pub entity_vectors: BTreeMap<String, Vec<f32>>,
    /// (source key, target key, type, confidence).
    pub relations: Vec<(String, String, String, f64)>,
}

fn bounded(text: &str) -> String {
    let text = clean(text);
    if text.len() <= MAX_NAME {
        return text;
    }
    let mut end = MAX_NAME;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

pub async fn prepare(text: &str, config: &KgConfig, embedder: &dyn Embedder) -> GraphRagResult<Prepared> {
    let normalised = deps::normalise(text);
    if normalised.trim().is_empty() {
        return Err(GraphRagError::invalid("the document text is empty"));
    }
    let spans = deps::chunk(&normalised, config.chunk_tokens, config.overlap);
    let (mentions, found_relations) = deps::analyse(&normalised);
    let mut entities: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (key, (name, entity_type)) in deps::entity_names(&mentions) {
        let key = bounded(&key);
        if !key.is_empty() {
            entities.entry(key).or_insert_with(|| (bounded(&name), entity_type));
        }
    }
    let mut relations = Vec::new();
    for r in found_relations {
        let (source, target) = (bounded(&r.source), bounded(&r.target));
        if source != target && entities.contains_key(&source) && entities.contains_key(&target) {
            relations.push((source, target, r.relation_type, r.confidence.clamp(0.0, 1.0)));
        }
    }
    relations.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    relations.dedup_by(|x, y| (&x.0, &x.1, &x.2) == (&y.0, &y.1, &y.2));

    let texts: Vec<String> = spans.iter().map(|s| s.text.clone()).collect();
    let vectors = if texts.is_empty() { Vec::new() } else { embedder.embed(&texts).await? };
    if vectors.len() != spans.len() {
        return Err(GraphRagError::upstream("the embedder answered a different number of vectors"));
    }
    let mut chunks = Vec::with_capacity(spans.len());
    for (span, embedding) in spans.into_iter().zip(vectors) {
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for m in mentions.iter().filter(|m| m.start >= span.start && m.end <= span.end) {
            let key = bounded(&m.key);
            if !key.is_empty() {
                *counts.entry(key).or_default() += 1;
            }
        }
        chunks.push(PreparedChunk {
            ordinal: span.ordinal,
            terms: deps::term_counts(&span.text),
            text: span.text,
            tokens: span.tokens as u64,
            entities: counts.into_iter().collect(),
            embedding,
        });
    }
    let names: Vec<String> = entities.values().map(|(name, _)| name.clone()).collect();
    let entity_vectors = if names.is_empty() {
        BTreeMap::new()
    } else {
        let vectors = embedder.embed(&names).await?;
        if vectors.len() != names.len() {
            return Err(GraphRagError::upstream("the embedder answered a different number of vectors"));
        }
        entities.keys().cloned().zip(vectors).collect()
    };
    Ok(Prepared { chunks, entities, entity_vectors, relations })
}

/// The entity pairs one chunk contributes a co-mention to, keys in order.
pub fn chunk_pairs(entities: &[(String, u32)]) -> Vec<(String, String)> {
    let mut ranked: Vec<&(String, u32)> = entities.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(MAX_PAIRING_ENTITIES);
    let mut keys: Vec<&str> = ranked.iter().map(|e| e.0.as_str()).collect();
    keys.sort_unstable();
    let mut out = Vec::new();
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            out.push((a.to_string(), b.to_string()));
        }
    }
    out
}
