//! The graph modes. Both start from the question's seed entities — its mentions matched
//! to entity keys exactly, by their words (a question's "Northwind" matches "northwind
//! laboratories"), else by the similarity of their embedding to entity embeddings — and
//! fall back to naive when the question names no known entity (saying so in the notes).
//!
//! Word matches go through the entity graph's word index ([`EntityGraph::holding_words`]).
//!
//! * local: the seeds' 1–2 hop RELATED neighbourhood, each entity weighted by the strength
//!   of the edges that reach it; chunks mentioning them scored by those weights, raised
//!   by their BM25 and dense similarity;
//! * ppr (HippoRAG): personalised PageRank over the entity graph from the seeds (weighted
//!   by specificity); a chunk scores the PPR of the entities it mentions times their
//!   specificity, raised by BM25 on the question's words that are not the seeds' names
//!   (the relation words: "born", "founded") and lightly by dense similarity.

use super::lexical::{bm25_scores, dense_similarity, naive};
use super::{normalised, sort_ranked, truncate_keeping_ties, Query, Ranked};
use crate::engine::deps;
#[cfg(doc)]
use crate::engine::state::EntityGraph;
use crate::error::GraphRagResult;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Entities whose chunks become ppr candidates.
const PPR_TOP_ENTITIES: usize = 64;
/// Least cosine similarity of a question mention to an entity name to seed it.
const SEED_SIMILARITY: f64 = 0.85;

/// Seed entity ids of the question with their weights, by id (found once per query).
pub fn seeds(q: &Query<'_>) -> Vec<(u32, f64)> {
    q.seeds.get_or_init(|| find_seeds(q)).clone()
}

fn find_seeds(q: &Query<'_>) -> Vec<(u32, f64)> {
    let g = &q.graph;
    let text = deps::normalise(q.question);
    let mut found: BTreeMap<u32, f64> = BTreeMap::new();
    let mut unmatched = Vec::new();
    for m in deps::mentions(&text) {
        if let Some(&id) = g.by_key.get(&m.key) {
            found.insert(id, 1.0);
            continue;
        }
        let words: Vec<&str> = m.key.split_whitespace().collect();
        // The entity holding all the mention's words with the fewest others, the lowest id
        // among equals.
        let mut best: Option<(usize, u32)> = None;
        for id in g.holding_words(&words) {
            let Some(node) = g.nodes.get(id as usize) else { continue };
            let key_words = node.key.split_whitespace().count();
            let extra = key_words - words.len().min(key_words);
            if best.is_none_or(|(e, _)| extra < e) {
                best = Some((extra, id));
            }
        }
        match best {
            Some((_, id)) => {
                found.entry(id).or_insert(0.8);
            }
            None => unmatched.push(m.name),
        }
    }
    if !unmatched.is_empty() {
        if let Some(vectors) = q.state.vectors.read().as_ref() {
            for name in unmatched {
                let Some(embedded) = q.mention_vectors.get(&name) else { continue };
                if let Ok(hits) = vectors.entities.search(embedded, 1) {
                    for (node, similarity) in hits {
                        if similarity >= SEED_SIMILARITY {
                            if let Some(&id) = g.by_node.get(&node) {
                                found.entry(id).or_insert(similarity * 0.8);
                            }
                        }
                    }
                }
            }
        }
    }
    found.into_iter().collect()
}

fn describe(q: &Query<'_>, seeds: &[(u32, f64)]) -> String {
    let names: Vec<&str> =
        seeds.iter().filter_map(|(id, _)| q.graph.nodes.get(*id as usize)).map(|n| n.record.name.as_str()).collect();
    names.join(", ")
}

/// The question's terms that are not words of the seeds' names.
fn relation_terms(q: &Query<'_>, seeds: &[(u32, f64)]) -> Vec<String> {
    let seed_terms: HashSet<String> = seeds
        .iter()
        .filter_map(|(id, _)| q.graph.nodes.get(*id as usize))
        .flat_map(|n| deps::terms(&n.record.name))
        .collect();
    q.terms.iter().filter(|t| !seed_terms.contains(*t)).cloned().collect()
}

pub async fn local(q: &mut Query<'_>, hops: usize, depth: usize) -> GraphRagResult<Ranked> {
    let seeds = seeds(q);
    if seeds.is_empty() {
        q.notes.push("local: the question names no known entity; naive ranking used".into());
        return naive(q, depth).await;
    }
    q.notes.push(format!("local: seeds {} ({hops} hops)", describe(q, &seeds)));
    let g = q.graph.clone();
    let mut weight: BTreeMap<u32, f64> = seeds.iter().cloned().collect();
    let mut frontier: Vec<(u32, f64)> = seeds.clone();
    for _ in 0..hops {
        let mut next: BTreeMap<u32, f64> = BTreeMap::new();
        for &(u, wu) in &frontier {
            let edges = g.graph.adjacency.get(u as usize).map(Vec::as_slice).unwrap_or(&[]);
            let strongest = edges.iter().map(|e| e.1).fold(0.0, f64::max);
            for &(v, w) in edges {
                let reach = 0.5 * wu * if strongest > 0.0 { w / strongest } else { 0.0 };
                if reach > weight.get(&v).copied().unwrap_or(0.0) && reach > *next.get(&v).unwrap_or(&0.0) {
                    next.insert(v, reach);
                }
            }
        }
        for (&v, &w) in &next {
            weight.insert(v, w);
        }
        frontier = next.into_iter().collect();
    }
    let mut scores: HashMap<u64, f64> = HashMap::new();
    for (&e, &w) in &weight {
        let spec = g.specificity(e);
        for &chunk in g.nodes.get(e as usize).map(|n| n.chunks.as_slice()).unwrap_or(&[]) {
            *scores.entry(chunk).or_default() += w * spec;
        }
    }
    let terms = q.terms.clone();
    Ok(blend(q, scores, &terms, 0.5, 0.3, depth).await?)
}

pub async fn ppr(q: &mut Query<'_>, depth: usize) -> GraphRagResult<Ranked> {
    let seeds = seeds(q);
    if seeds.is_empty() {
        q.notes.push("ppr: the question names no known entity; naive ranking used".into());
        return naive(q, depth).await;
    }
    q.notes.push(format!("ppr: seeds {}", describe(q, &seeds)));
    let g = q.graph.clone();
    let weighted: Vec<(u32, f64)> = seeds.iter().map(|&(id, w)| (id, w * g.specificity(id))).collect();
    let rank = deps::ppr(&g.graph, &weighted);
    let mut top: Vec<(u32, f64)> = rank.iter().enumerate().map(|(i, r)| (i as u32, *r)).filter(|r| r.1 > 0.0).collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(PPR_TOP_ENTITIES);
    let mut scores: HashMap<u64, f64> = HashMap::new();
    for &(e, _) in &top {
        for &chunk in g.nodes.get(e as usize).map(|n| n.chunks.as_slice()).unwrap_or(&[]) {
            if scores.contains_key(&chunk) {
                continue;
            }
            let mentioned = g.chunk_entities.get(&chunk).map(Vec::as_slice).unwrap_or(&[]);
            let score: f64 =
                mentioned.iter().map(|&m| rank.get(m as usize).copied().unwrap_or(0.0) * g.specificity(m)).sum();
            scores.insert(chunk, score);
        }
    }
    let terms = relation_terms(q, &seeds);
    Ok(blend(q, scores, &terms, 0.5, 0.2, depth).await?)
}

/// Graph scores (normalised) + `lexical` × BM25 of `terms` + `dense` × similarity, over
/// the graph's candidates.
async fn blend(
    q: &mut Query<'_>,
    graph_scores: HashMap<u64, f64>,
    terms: &[String],
    lexical: f64,
    dense: f64,
    depth: usize,
) -> GraphRagResult<Ranked> {
    let graph_scores = normalised(&graph_scores);
    let bm25 = normalised(&bm25_scores(q, terms).await?);
    let mut ranked: Ranked = graph_scores
        .iter()
        .map(|(&chunk, &s)| {
            let lex = bm25.get(&chunk).copied().unwrap_or(0.0);
            (chunk, s + lexical * lex + dense * dense_similarity(q, chunk).max(0.0))
        })
        .collect();
    sort_ranked(&mut ranked);
    truncate_keeping_ties(&mut ranked, depth);
    Ok(ranked)
}
