//! The global mode: communities of the entity graph ranked against the question — by the
//! BM25 of the question's terms over their summaries (idf from the chunk postings) plus
//! how many seed entities they hold — and the chunks mentioning the members of the best
//! communities, each scored by its community's rank and the specificity of the members it
//! mentions, raised by dense similarity.

use super::lexical::{dense_similarity, naive};
use super::{normalised, sort_ranked, truncate_keeping_ties, Query, Ranked};
use crate::engine::deps;
use crate::error::GraphRagResult;
use std::collections::{HashMap, HashSet};

/// Communities whose chunks become candidates.
const TOP_COMMUNITIES: usize = 3;

pub async fn global(q: &mut Query<'_>, depth: usize) -> GraphRagResult<Ranked> {
    let communities = q.engine.current_communities(q.kg, q.rec, q.state, false).await?;
    if communities.records.is_empty() {
        q.notes.push("global: no communities; naive ranking used".into());
        return naive(q, depth).await;
    }
    let seeds: HashSet<u32> = super::graph::seeds(q).into_iter().map(|s| s.0).collect();
    let mut question: Vec<String> = q.terms.clone();
    question.sort();
    question.dedup();
    let mut idf: HashMap<String, f64> = HashMap::new();
    for term in &question {
        let df = q.engine.postings(q.state, q.rec, q.tx, term).await?.len() as u64;
        idf.insert(term.clone(), deps::bm25(1, df, q.rec.chunks.max(1), 1, 1.0));
    }
    let g = q.graph.clone();
    // Finest level only: its communities are the most specific.
    let level = communities.records.iter().map(|c| c.level).min().unwrap_or(0);
    let mut ranked_communities: Vec<(f64, String, Vec<u32>)> = Vec::new();
    for (c, summary_terms) in
        communities.records.iter().zip(&communities.summary_terms).filter(|(c, _)| c.level == level)
    {
        let lexical: f64 = question.iter().filter(|t| summary_terms.contains(*t)).map(|t| idf[t]).sum();
        let members: Vec<u32> = c.members.iter().filter_map(|k| g.by_key.get(k).copied()).collect();
        let seeded = members.iter().filter(|m| seeds.contains(m)).count() as f64;
        ranked_communities.push((lexical + 2.0 * seeded, c.id(), members));
    }
    ranked_communities.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    ranked_communities.truncate(TOP_COMMUNITIES);
    let names: Vec<&str> = ranked_communities.iter().map(|c| c.1.as_str()).collect();
    q.notes.push(format!("global: communities {}", names.join(", ")));
    let mut scores: HashMap<u64, f64> = HashMap::new();
    for (rank, (_, _, members)) in ranked_communities.iter().enumerate() {
        let weight = 1.0 / (rank as f64 + 1.0);
        for &m in members {
            for &chunk in g.nodes.get(m as usize).map(|n| n.chunks.as_slice()).unwrap_or(&[]) {
                *scores.entry(chunk).or_default() += weight * g.specificity(m);
            }
        }
    }
    let scores = normalised(&scores);
    let mut ranked: Ranked =
        scores.iter().map(|(&chunk, &s)| (chunk, s + 0.3 * dense_similarity(q, chunk).max(0.0))).collect();
    sort_ranked(&mut ranked);
    truncate_keeping_ties(&mut ranked, depth);
    Ok(ranked)
}
