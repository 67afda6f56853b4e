//! The one place the engine calls the text, BM25, embedding, extraction and graph
//! algorithm modules through, with the shapes the engine needs. Parts whose module is
//! still being written are small stand-ins here (marked "stand-in"), replaced by calls to
//! the real module as it lands, so the rest of the engine never changes.

use crate::config::{EmbedderSpec, EngineOptions};
use crate::error::{GraphRagError, GraphRagResult};
use crate::text::ChunkSpan;
use crate::types::{ExtractedEntity, ExtractedRelation, Extraction};
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

fn tokens(text: &str) -> Vec<(usize, usize)> {
    crate::text::tokens(text)
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

// ---- extraction (stand-in: capitalised spans and three patterns) ----

/// One entity mention in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    pub key: String,
    pub name: String,
    pub entity_type: String,
    /// Byte span in the text.
    pub start: usize,
    pub end: usize,
}

const SKIP: &[&str] = &[
    "The", "A", "An", "In", "On", "At", "He", "She", "It", "They", "This", "That", "However", "Where", "Who", "What",
    "When", "Which", "How", "Why", "Was", "Is", "Did",
];
const CONNECTORS: &[&str] = &["of", "de", "van", "von", "the"];

fn entity_type_of(name: &str) -> &'static str {
    let last = name.rsplit(' ').next().unwrap_or("");
    if ["Inc", "Corp", "Ltd", "University", "Institute", "Company", "Laboratories", "Foundation", "Group", "Bank"]
        .contains(&last)
    {
        "ORGANIZATION"
    } else if last.chars().all(|c| c.is_ascii_digit()) && last.len() == 4 {
        "DATE"
    } else if name.split(' ').count() == 2 {
        "PERSON"
    } else {
        "OTHER"
    }
}

pub fn mentions(text: &str) -> Vec<Mention> {
    let words: Vec<(usize, usize)> = tokens(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (s, e) = words[i];
        let w = &text[s..e];
        let capital = w.chars().next().is_some_and(|c| c.is_uppercase());
        if !capital || SKIP.contains(&w) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let mut end = e;
        while j < words.len() {
            let t = &text[words[j].0..words[j].1];
            if t.chars().next().is_some_and(|c| c.is_uppercase()) {
                end = words[j].1;
                j += 1;
            } else if CONNECTORS.contains(&t)
                && words.get(j + 1).is_some_and(|n| text[n.0..n.1].chars().next().is_some_and(|c| c.is_uppercase()))
            {
                j += 1;
            } else {
                break;
            }
        }
        let name = text[s..end].to_string();
        out.push(Mention { key: name.to_lowercase(), entity_type: entity_type_of(&name).into(), name, start: s, end });
        i = j;
    }
    out
}

/// The mentions of `text` and the typed relations between them (ends are entity keys).
pub fn analyse(text: &str) -> (Vec<Mention>, Vec<ExtractedRelation>) {
    let found = mentions(text);
    let relations = relations(text, &found);
    (found, relations)
}

/// Key → (name, type) of the first mention of each entity.
pub fn entity_names(mentions: &[Mention]) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for m in mentions {
        out.entry(m.key.clone()).or_insert_with(|| (m.name.clone(), m.entity_type.clone()));
    }
    out
}

/// Typed relations between the mentions of one sentence-like stretch.
fn relations(text: &str, mentions: &[Mention]) -> Vec<ExtractedRelation> {
    let mut out = Vec::new();
    for pair in mentions.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let Some(between) = text.get(a.end..b.start) else { continue };
        let between = between.trim().to_lowercase();
        let (ty, forward) = match between.as_str() {
            "founded" | "established" => ("FOUNDED", true),
            "was founded by" => ("FOUNDED", false),
            "was born in" => ("BORN_IN", true),
            "works for" | "works at" | "joined" => ("WORKS_FOR", true),
            _ => continue,
        };
        let (source, target) = if forward { (a, b) } else { (b, a) };
        out.push(ExtractedRelation {
            source: source.key.clone(),
            target: target.key.clone(),
            relation_type: ty.into(),
            confidence: 0.9,
        });
    }
    out
}

pub fn extract(text: &str) -> Extraction {
    let text = normalise(text);
    let found = mentions(&text);
    let mut by_key: BTreeMap<String, ExtractedEntity> = BTreeMap::new();
    for m in &found {
        by_key
            .entry(m.key.clone())
            .or_insert_with(|| ExtractedEntity {
                key: m.key.clone(),
                name: m.name.clone(),
                entity_type: m.entity_type.clone(),
                mentions: 0,
            })
            .mentions += 1;
    }
    Extraction { entities: by_key.into_values().collect(), relations: relations(&text, &found) }
}

/// Normalised PMI in [-1, 1] (stand-in).
pub fn npmi(pair: u64, a: u64, b: u64, total: u64) -> f64 {
    if pair == 0 || a == 0 || b == 0 || total == 0 {
        return -1.0;
    }
    let p_ab = pair as f64 / total as f64;
    let p_a = a as f64 / total as f64;
    let p_b = b as f64 / total as f64;
    if p_ab >= 1.0 {
        return 1.0;
    }
    ((p_ab / (p_a * p_b)).ln() / -p_ab.ln()).clamp(-1.0, 1.0)
}

// ---- graph algorithms (stand-ins) ----

/// An undirected weighted graph over nodes 0..n.
pub struct Graph {
    pub nodes: usize,
    pub adjacency: Vec<Vec<(u32, f64)>>,
}

impl Graph {
    pub fn from_edges(n: usize, edges: &[(u32, u32, f64)]) -> Graph {
        let mut adjacency = vec![Vec::new(); n];
        for &(a, b, w) in edges {
            if (a as usize) < n && (b as usize) < n && a != b && w.is_finite() && w > 0.0 {
                adjacency[a as usize].push((b, w));
                adjacency[b as usize].push((a, w));
            }
        }
        for list in &mut adjacency {
            list.sort_by(|x, y| x.0.cmp(&y.0));
        }
        Graph { nodes: n, adjacency }
    }

    pub fn strength(&self, node: u32) -> f64 {
        self.adjacency.get(node as usize).map_or(0.0, |l| l.iter().map(|e| e.1).sum())
    }
}

/// Personalised PageRank, damping 0.85 (stand-in power iteration).
pub fn ppr(graph: &Graph, seeds: &[(u32, f64)]) -> Vec<f64> {
    let n = graph.nodes;
    let total: f64 = seeds.iter().map(|s| s.1.max(0.0)).sum();
    let mut reset = vec![0.0; n];
    if total <= 0.0 || n == 0 {
        return reset;
    }
    for &(s, w) in seeds {
        if let Some(slot) = reset.get_mut(s as usize) {
            *slot += w.max(0.0) / total;
        }
    }
    let strength: Vec<f64> = graph.adjacency.iter().map(|l| l.iter().map(|e| e.1).sum()).collect();
    let mut rank = reset.clone();
    for _ in 0..50 {
        let mut next: Vec<f64> = reset.iter().map(|r| 0.15 * r).collect();
        let mut dangling = 0.0;
        for (u, list) in graph.adjacency.iter().enumerate() {
            if strength[u] <= 0.0 {
                dangling += rank[u];
                continue;
            }
            for &(v, w) in list {
                next[v as usize] += 0.85 * rank[u] * w / strength[u];
            }
        }
        for (slot, r) in next.iter_mut().zip(&reset) {
            *slot += 0.85 * dangling * r;
        }
        let delta: f64 = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).sum();
        rank = next;
        if delta < 1e-9 {
            break;
        }
    }
    rank
}

/// Communities per level, level 0 finest: a community id per node (stand-in: label
/// propagation in node order, then connected groups of communities).
pub fn communities(graph: &Graph, _seed: u64) -> Vec<Vec<u32>> {
    let n = graph.nodes;
    let mut label: Vec<u32> = (0..n as u32).collect();
    for _ in 0..20 {
        let mut changed = false;
        for u in 0..n {
            let mut votes: BTreeMap<u32, f64> = BTreeMap::new();
            for &(v, w) in &graph.adjacency[u] {
                *votes.entry(label[v as usize]).or_default() += w;
            }
            if let Some((&best, _)) =
                votes.iter().max_by(|a, b| a.1.partial_cmp(b.1).unwrap_or(std::cmp::Ordering::Equal).then(b.0.cmp(a.0)))
            {
                if best != label[u] {
                    label[u] = best;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    vec![dense(&label)]
}

fn dense(labels: &[u32]) -> Vec<u32> {
    let mut map = BTreeMap::new();
    labels
        .iter()
        .map(|l| {
            let next = map.len() as u32;
            *map.entry(*l).or_insert(next)
        })
        .collect()
}

/// The `k` strongest simple paths of at most `max_hops` edges, by product of weights
/// normalised by the largest (stand-in depth-first search).
pub fn k_best_paths(graph: &Graph, from: u32, to: u32, max_hops: usize, k: usize) -> Vec<(Vec<u32>, f64)> {
    let max_w = graph.adjacency.iter().flatten().map(|e| e.1).fold(0.0, f64::max);
    let mut out = Vec::new();
    if max_w <= 0.0 || from as usize >= graph.nodes || to as usize >= graph.nodes {
        return out;
    }
    let mut path = vec![from];
    fn walk(
        g: &Graph,
        to: u32,
        hops: usize,
        max_w: f64,
        score: f64,
        path: &mut Vec<u32>,
        out: &mut Vec<(Vec<u32>, f64)>,
    ) {
        let Some(&at) = path.last() else { return };
        if at == to && path.len() > 1 {
            out.push((path.clone(), score));
            return;
        }
        if hops == 0 {
            return;
        }
        for &(v, w) in &g.adjacency[at as usize] {
            if !path.contains(&v) {
                path.push(v);
                walk(g, to, hops - 1, max_w, score * w / max_w, path, out);
                path.pop();
            }
        }
    }
    walk(graph, to, max_hops, max_w, 1.0, &mut path, &mut out);
    out.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.0.cmp(&b.0)));
    out.truncate(k);
    out
}

/// An extractive summary: the sentences (in order) naming the most members (stand-in).
pub fn summary(sentences: &[(String, Vec<String>)], members: &[(String, f64)]) -> String {
    let members: Vec<String> = members.iter().map(|m| m.0.clone()).collect();
    let mut scored: Vec<(usize, usize)> = sentences
        .iter()
        .enumerate()
        .map(|(i, (_, named))| (named.iter().filter(|m| members.contains(m)).count(), i))
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut picked: Vec<usize> = scored.iter().take(3).map(|s| s.1).collect();
    picked.sort_unstable();
    picked.iter().map(|&i| sentences[i].0.as_str()).collect::<Vec<_>>().join(" ")
}

/// One chat completion (stand-in until the LLM client lands).
pub async fn chat(
    provider: &crate::config::LlmProvider,
    messages: &[(String, String)],
    options: &EngineOptions,
) -> GraphRagResult<String> {
    let _ = (messages, options);
    Err(GraphRagError::not_supported(format!("LLM provider '{}': the LLM client is not built yet", provider.name)))
}
