//! The one place the engine calls the text, BM25, embedding, extraction, graph algorithm
//! and LLM modules through, in the shapes the engine needs.

use crate::config::{EmbedderSpec, EngineOptions};
use crate::error::GraphRagResult;
use crate::text::ChunkSpan;
use crate::types::{ExtractedRelation, Extraction};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use crate::embed::Embedder;

pub fn normalise(text: &str) -> String {
    crate::text::normalise(text)
}

pub fn chunk(text: &str, chunk_tokens: usize, overlap: usize) -> Vec<ChunkSpan> {
    crate::text::chunk(text, chunk_tokens, overlap)
}

pub fn terms(text: &str) -> Vec<String> {
    crate::text::terms(text)
}

pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    crate::text::sentences(text)
}

/// (term, frequency) by term.
pub fn term_counts(text: &str) -> Vec<(String, u32)> {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for t in terms(text) {
        let t = crate::store::keys::clean(&t);
        if !t.is_empty() && t.len() <= 128 {
            *counts.entry(t).or_default() += 1;
        }
    }
    counts.into_iter().collect()
}

/// Lucene's BM25 of one term in one chunk of `len` terms (k1 1.2, b 0.75).
pub fn bm25(tf: u32, df: u64, n: u64, len: u64, avg_len: f64) -> f64 {
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    crate::bm25::score_term(tf, df, n, len, avg_len, &crate::bm25::Bm25Params::default())
}

/// The embedder of `spec`.
pub fn embedder_for(spec: &EmbedderSpec, options: &EngineOptions) -> GraphRagResult<Arc<dyn Embedder>> {
    crate::embed::embedder_for(spec, options)
}

// ---- extraction ----

pub use crate::extract::Mention;

/// The entity mentions of `text` (byte spans into it).
pub fn mentions(text: &str) -> Vec<Mention> {
    crate::extract::analyse(text).mentions
}

/// The mentions of `text` and the typed relations between them (ends are entity keys).
pub fn analyse(text: &str) -> (Vec<Mention>, Vec<ExtractedRelation>) {
    let analysis = crate::extract::analyse(text);
    (analysis.mentions, analysis.relations)
}

/// Key → (name, type) of the entities of `mentions`: the most frequent full surface form
/// names each.
pub fn entity_names(mentions: &[Mention]) -> BTreeMap<String, (String, String)> {
    crate::extract::entities_of_mentions(mentions).into_iter().map(|e| (e.key, (e.name, e.entity_type))).collect()
}

pub fn extract(text: &str) -> Extraction {
    crate::extract::extract(&normalise(text))
}

/// Normalised PMI in [-1, 1].
pub fn npmi(pair: u64, a: u64, b: u64, total: u64) -> f64 {
    crate::extract::pmi(pair, a, b, total)
}

// ---- graph algorithms ----

pub type Graph = crate::algo::WeightedGraph;

/// Personalised PageRank, damping 0.85.
pub fn ppr(graph: &Graph, seeds: &[(u32, f64)]) -> Vec<f64> {
    crate::algo::ppr::personalized_pagerank(graph, seeds, 0.85, 100, 1e-10)
}

/// Hierarchical Leiden communities, level 0 finest, each a community id per node.
pub fn communities(graph: &Graph, seed: u64) -> Vec<Vec<u32>> {
    crate::algo::leiden::hierarchical(graph, seed, 1.0, 3)
}

pub fn k_best_paths(graph: &Graph, from: u32, to: u32, max_hops: usize, k: usize) -> Vec<(Vec<u32>, f64)> {
    crate::algo::paths::k_best_paths(graph, from, to, max_hops, k)
}

/// An extractive summary of sentences (text, entity keys it mentions) covering the most
/// central `members` (key, centrality).
pub fn summary(sentences: &[(String, Vec<String>)], members: &[(String, f64)]) -> String {
    crate::algo::summary::extractive(sentences, members)
}

/// One chat completion.
pub async fn chat(
    provider: &crate::config::LlmProvider,
    messages: &[(String, String)],
    options: &EngineOptions,
) -> GraphRagResult<String> {
    let timeout =
        std::time::Duration::from_millis(if options.http_timeout_ms == 0 { 30_000 } else { options.http_timeout_ms });
    crate::llm::chat(provider, messages, timeout).await
}
