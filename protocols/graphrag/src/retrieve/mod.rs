//! The retrieval modes. Every mode ranks chunk numbers with a score; [`finish`] turns the
//! best of them into [`RetrievedChunk`]s, exactly `min(k, chunks)` of them, best first,
//! ties broken by chunk id — padding with unscored chunks when a mode found fewer.
//!
//! * [`lexical`]: bm25, vector and reciprocal-rank fusion (naive, hybrid);
//! * [`graph`]: seed entities of a question, local (neighbourhood) and ppr (HippoRAG);
//! * [`global`]: community summaries ranked against the question.

pub mod global;
pub mod graph;
pub mod lexical;

use crate::engine::state::EntityGraph;
use crate::engine::GraphRag;
use crate::error::GraphRagResult;
use crate::store::records::{ChunkRecord, KgRecord};
use crate::types::{RetrieveMode, RetrieveOptions, RetrievedChunk};
use orbit_storage::Transaction;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Candidates each ranked list contributes to a fusion.
pub const FUSION_DEPTH: usize = 50;
/// Reciprocal-rank fusion's constant.
pub const RRF_K: f64 = 60.0;

/// The weight of ppr's ranking against naive's in hybrid.
pub const HYBRID_PPR_WEIGHT: f64 = 2.0;

/// Chunk numbers with scores, best first.
pub type Ranked = Vec<(u64, f64)>;

/// What one retrieval reads: the question, its terms and embedding, the knowledge graph's
/// record, its entity graph, and the storage transaction every read goes through.
pub struct Query<'a> {
    pub engine: &'a GraphRag,
    pub kg: &'a str,
    pub tx: &'a mut dyn Transaction,
    pub rec: &'a KgRecord,
    pub state: &'a crate::engine::state::KgState,
    pub question: &'a str,
    pub terms: Vec<String>,
    pub embedding: Vec<f32>,
    /// Embeddings of the question's entity mentions, by surface form.
    pub mention_vectors: HashMap<String, Vec<f32>>,
    pub graph: Arc<EntityGraph>,
    /// The question's seed entities, found at their first use ([`graph::seeds`]).
    pub seeds: OnceLock<Vec<(u32, f64)>>,
    /// How the ranking was found (the QUERY explanation).
    pub notes: Vec<String>,
}

/// The ranking of `mode` (scores of that mode, best first).
pub async fn rank(q: &mut Query<'_>, options: &RetrieveOptions, depth: usize) -> GraphRagResult<Ranked> {
    Ok(match options.mode {
        RetrieveMode::Bm25 => lexical::bm25(q, &q.terms.clone(), depth).await?,
        RetrieveMode::Vector => lexical::vector(q, depth)?,
        RetrieveMode::Naive => lexical::naive(q, depth).await?,
        RetrieveMode::Local => graph::local(q, options.max_hops.clamp(1, 2), depth).await?,
        RetrieveMode::Ppr => graph::ppr(q, depth).await?,
        RetrieveMode::Global => global::global(q, depth).await?,
        RetrieveMode::Hybrid => {
            let naive = lexical::naive(q, depth.max(FUSION_DEPTH)).await?;
            let ppr = graph::ppr(q, depth.max(FUSION_DEPTH)).await?;
            lexical::weighted_rrf(&[(&naive, 1.0), (&ppr, HYBRID_PPR_WEIGHT)])
        }
    })
}

/// Sorts by score descending, ties by chunk number (a provisional order; [`finish`]
/// breaks ties by chunk id).
pub fn sort_ranked(ranked: &mut Ranked) {
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
}

/// Keeps the `depth` best and every one tied with the last of them (sorted input).
pub fn truncate_keeping_ties(ranked: &mut Ranked, depth: usize) {
    if let Some(&(_, last)) = ranked.get(depth.max(1) - 1) {
        let keep = ranked.iter().take_while(|r| r.1 >= last).count();
        ranked.truncate(keep);
    }
}

/// The `k` best of `ranked` as results, padded with unscored chunks (lowest chunk ids
/// first) up to `min(k, chunks)`.
pub async fn finish(q: &mut Query<'_>, mut ranked: Ranked, k: usize) -> GraphRagResult<Vec<(u64, RetrievedChunk)>> {
    sort_ranked(&mut ranked);
    ranked.dedup_by(|a, b| a.0 == b.0);
    if k == 0 {
        return Ok(Vec::new());
    }
    let wanted = k.min(q.rec.chunks as usize);
    if ranked.len() < wanted {
        // Unscored chunks tie at 0 and are ordered by chunk id, so only the `wanted` lowest
        // ids of those not ranked can take a place.
        let have: std::collections::HashSet<u64> = ranked.iter().map(|r| r.0).collect();
        let order = q.engine.chunk_order(q.state, q.rec, q.tx).await?;
        let unranked = order.chunks.iter().filter(|(_, number)| !have.contains(number)).take(wanted);
        ranked.extend(unranked.map(|&(_, number)| (number, 0.0)));
    }
    // Everything tied with the k-th score competes for the last places by chunk id.
    let cut = match ranked.get(wanted.saturating_sub(1)) {
        Some(&(_, kth)) => ranked.iter().take_while(|r| r.1 >= kth).count(),
        None => ranked.len(),
    };
    let mut out = Vec::with_capacity(cut);
    let mut cache: HashMap<u64, ChunkRecord> = HashMap::new();
    for &(number, score) in &ranked[..cut] {
        let chunk = match cache.remove(&number) {
            Some(c) => c,
            None => match q.engine.store.chunk(q.tx, q.rec.id, number).await? {
                Some(c) => c,
                None => continue,
            },
        };
        let result = RetrievedChunk { chunk_id: chunk.chunk_id(), doc_id: chunk.doc_id, score, text: chunk.text };
        out.push((number, result));
    }
    out.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then_with(|| a.1.chunk_id.cmp(&b.1.chunk_id)));
    out.truncate(wanted);
    Ok(out)
}

/// Scores divided by the largest (all zero when none is positive).
pub fn normalised(scores: &HashMap<u64, f64>) -> HashMap<u64, f64> {
    let max = scores.values().cloned().fold(0.0, f64::max);
    scores.iter().map(|(k, v)| (*k, if max > 0.0 { v / max } else { 0.0 })).collect()
}
