//! Answers with citations. Extractive by default: the sentences of the retrieved chunks
//! that best cover the question's terms and entities, each followed by the `[n]` of the
//! chunk it comes from, with a confidence from how much of the question the best
//! sentence covers and how clearly the first chunk leads. With an LLM provider, the
//! numbered context goes to `llm::chat` and its reply is the response. Reasoning paths
//! join the question's entities (or the first one to the entities of the best chunk)
//! through RELATED edges.

use crate::config::LlmProvider;
use crate::engine::deps;
use crate::engine::search::Retrieval;
use crate::engine::GraphRag;
use crate::error::GraphRagResult;
use crate::types::*;
use std::collections::{BTreeMap, HashSet};

/// Sentences an extractive answer holds.
const ANSWER_SENTENCES: usize = 3;
/// Entities named in `entities_involved`.
const MAX_ENTITIES: usize = 10;

struct Sentence {
    citation: usize,
    position: usize,
    text: String,
    score: f64,
    coverage: f64,
}

fn sentences_of(text: &str) -> Vec<String> {
    deps::sentences(text).into_iter().filter_map(|(s, e)| text.get(s..e)).map(|s| s.trim().to_string()).collect()
}

/// The extractive response and its confidence. A sentence scores the question's relation
/// words it holds (the terms that are not words of the seed entities' names: "born",
/// "founded") twice, the seeds' name words once (half when it holds no relation word), and
/// a little for the rank of its chunk.
pub fn extractive(question_terms: &[String], seeds: &[String], retrieval: &Retrieval) -> (String, f64) {
    if retrieval.chunks.is_empty() {
        return ("No passage of the knowledge graph answers the question.".into(), 0.0);
    }
    let seed_terms: HashSet<String> = seeds.iter().flat_map(|s| deps::terms(s)).collect();
    let mut wanted: Vec<&String> = question_terms.iter().collect();
    wanted.sort();
    wanted.dedup();
    let mut all = Vec::new();
    for (citation, (_, chunk)) in retrieval.chunks.iter().enumerate() {
        for (position, text) in sentences_of(&chunk.text).into_iter().enumerate() {
            let terms: HashSet<String> = deps::terms(&text).into_iter().collect();
            let covered: Vec<&&String> = wanted.iter().filter(|t| terms.contains(**t)).collect();
            let named = covered.iter().filter(|t| seed_terms.contains(t.as_str())).count() as f64;
            let relation = covered.len() as f64 - named;
            let coverage = if wanted.is_empty() { 0.0 } else { covered.len() as f64 / wanted.len() as f64 };
            let name_weight = if relation > 0.0 { 1.0 } else { 0.5 };
            let score = 2.0 * relation + name_weight * named + 0.25 / (citation as f64 + 1.0);
            all.push(Sentence { citation, position, text, score, coverage });
        }
    }
    all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.citation.cmp(&b.citation)).then(a.position.cmp(&b.position)));
    let best_coverage = all.first().map(|s| s.coverage).unwrap_or(0.0);
    all.truncate(ANSWER_SENTENCES);
    all.sort_by(|a, b| a.citation.cmp(&b.citation).then(a.position.cmp(&b.position)));
    let response = all.iter().map(|s| format!("{} [{}]", s.text, s.citation + 1)).collect::<Vec<_>>().join(" ");
    let scores: Vec<f64> = retrieval.chunks.iter().map(|c| c.1.score).collect();
    let margin = match scores.as_slice() {
        [first, second, ..] if *first > 0.0 => ((first - second) / first).clamp(0.0, 1.0),
        [first] if *first > 0.0 => 1.0,
        _ => 0.0,
    };
    let confidence = (best_coverage * (0.6 + 0.4 * margin)).clamp(0.0, 1.0);
    (response, confidence)
}

fn prompt(question: &str, retrieval: &Retrieval) -> Vec<(String, String)> {
    let mut context = String::new();
    for (i, (_, chunk)) in retrieval.chunks.iter().enumerate() {
        context.push_str(&format!("[{}] ({}) {}\n", i + 1, chunk.chunk_id, chunk.text));
    }
    vec![
        (
            "system".to_string(),
            "Answer the question using only the numbered context passages. Cite the passages you use as [n]. \
             If the context does not contain the answer, say so."
                .to_string(),
        ),
        ("user".to_string(), format!("Context:\n{context}\nQuestion: {question}")),
    ]
}

pub async fn answer(
    engine: &GraphRag,
    question: &str,
    options: &QueryOptions,
    retrieval: &Retrieval,
    provider: Option<&LlmProvider>,
) -> GraphRagResult<QueryAnswer> {
    let (extract_response, confidence) = extractive(&retrieval.terms, &retrieval.seeds, retrieval);
    let (response, llm_provider) = match provider {
        Some(p) => (deps::chat(p, &prompt(question, retrieval), engine.options()).await?, Some(p.name.clone())),
        None => (extract_response, None),
    };
    let mut entities: Vec<String> = retrieval.seeds.clone();
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    for names in &retrieval.chunk_entities {
        for n in names {
            *counts.entry(n).or_default() += 1;
        }
    }
    let mut by_count: Vec<(&String, usize)> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    for (name, _) in by_count {
        if entities.len() >= MAX_ENTITIES {
            break;
        }
        if !entities.contains(name) {
            entities.push(name.clone());
        }
    }
    let citations = retrieval
        .chunks
        .iter()
        .map(|(_, c)| Citation {
            chunk_id: c.chunk_id.clone(),
            doc_id: c.doc_id.clone(),
            score: c.score,
            text: c.text.clone(),
        })
        .collect();
    let reasoning_paths = reasoning_paths(retrieval, options.retrieve.max_hops.clamp(1, 4));
    let explanation = options.include_explanation.then(|| {
        let scores: Vec<String> =
            retrieval.chunks.iter().map(|(_, c)| format!("{} {:.6}", c.chunk_id, c.score)).collect();
        format!("{}; results: {}", retrieval.notes.join("; "), scores.join(", "))
    });
    Ok(QueryAnswer {
        response,
        confidence,
        entities_involved: entities,
        citations,
        reasoning_paths,
        explanation,
        mode: options.retrieve.mode,
        llm_provider,
    })
}

/// Paths between consecutive seeds, or from a lone seed to the entities of the best chunk.
fn reasoning_paths(retrieval: &Retrieval, max_hops: usize) -> Vec<ReasoningPath> {
    let g = &retrieval.graph;
    let id_of = |name: &String| g.nodes.iter().position(|n| &n.record.name == name).map(|i| i as u32);
    let seeds: Vec<u32> = retrieval.seeds.iter().filter_map(id_of).collect();
    let mut ends: Vec<(u32, u32)> = seeds.windows(2).map(|w| (w[0], w[1])).collect();
    if let ([seed], Some(first)) = (seeds.as_slice(), retrieval.chunk_entities.first()) {
        ends.extend(first.iter().filter_map(id_of).filter(|e| e != seed).take(3).map(|e| (*seed, e)));
    }
    let mut out = Vec::new();
    for (a, b) in ends {
        for (path, score) in deps::k_best_paths(&g.graph, a, b, max_hops, 3) {
            out.push(crate::engine::read::path_of(g, &path, score));
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.entities.cmp(&b.entities)));
    out.truncate(10);
    out
}
