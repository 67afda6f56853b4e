//! Runs a world's questions through an engine and scores every retrieval mode per
//! question kind: what the quality benchmark prints and the quality test asserts.

use super::metrics::{ExtractionScore, RankingScores};
use super::questions::{Question, QuestionKind};
use super::world::World;
use crate::error::GraphRagResult;
use crate::types::{RetrieveMode, RetrieveOptions};
use crate::GraphRag;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

/// Loads every passage of `world` into `kg` (one document per passage); returns the time
/// it took.
pub async fn ingest(engine: &GraphRag, kg: &str, world: &World) -> GraphRagResult<Duration> {
    let started = Instant::now();
    for p in &world.passages {
        engine.build(kg, &p.id, &p.text, &[]).await?;
    }
    Ok(started.elapsed())
}

/// The scores of one mode on one kind of question, and the retrieval latencies.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeReport {
    pub mode: RetrieveMode,
    pub by_kind: BTreeMap<&'static str, RankingScores>,
    /// Per-question retrieval time, sorted ascending.
    pub latencies: Vec<Duration>,
    /// The ranked chunk ids of every question, in question order (for determinism checks).
    pub rankings: Vec<Vec<String>>,
}

impl ModeReport {
    pub fn kind(&self, kind: QuestionKind) -> RankingScores {
        self.by_kind.get(kind.name()).copied().unwrap_or_default()
    }

    /// The latency at quantile `q` (0..1).
    pub fn latency_quantile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[i.min(self.latencies.len() - 1)]
    }
}

/// Retrieves the top 10 chunks of every question with `mode` and scores them.
pub async fn evaluate(
    engine: &GraphRag,
    kg: &str,
    questions: &[Question],
    mode: RetrieveMode,
) -> GraphRagResult<ModeReport> {
    let options = RetrieveOptions { mode, k: 10, ..RetrieveOptions::default() };
    let mut rankings = Vec::with_capacity(questions.len());
    let mut latencies = Vec::with_capacity(questions.len());
    for q in questions {
        let started = Instant::now();
        let hits = engine.retrieve(kg, &q.text, &options).await?;
        latencies.push(started.elapsed());
        rankings.push(hits.into_iter().map(|h| h.chunk_id).collect::<Vec<_>>());
    }
    latencies.sort();
    let mut by_kind = BTreeMap::new();
    for kind in QuestionKind::ALL {
        let pairs: Vec<(&[String], &[String])> = questions
            .iter()
            .zip(&rankings)
            .filter(|(q, _)| q.kind == kind)
            .map(|(q, r)| (&r[..], &q.gold[..]))
            .collect();
        by_kind.insert(kind.name(), RankingScores::of(pairs));
    }
    Ok(ModeReport { mode, by_kind, latencies, rankings })
}

/// Entity extraction of every passage against the world's ground truth (keys compared
/// lower-cased with whitespace collapsed).
pub async fn extraction(engine: &GraphRag, world: &World) -> GraphRagResult<ExtractionScore> {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let mut score = ExtractionScore::default();
    for p in &world.passages {
        let found: HashSet<String> = engine
            .extract(None, &p.text)
            .await?
            .entities
            .into_iter()
            .filter(|e| e.entity_type != "DATE")
            .map(|e| norm(&e.name))
            .collect();
        let expected: HashSet<String> = p.entities.iter().map(|(name, _)| norm(name)).collect();
        score.add(&found, &expected);
    }
    Ok(score)
}

/// A table of every mode's scores, one line per (mode, kind).
pub fn render(reports: &[ModeReport]) -> String {
    let mut out = format!(
        "{:<8} {:<11} {:>5} {:>9} {:>9} {:>12} {:>8} {:>9} {:>9}\n",
        "mode", "kind", "n", "Recall@2", "Recall@5", "AllRecall@5", "MRR@10", "p50 ms", "p95 ms"
    );
    for r in reports {
        for kind in QuestionKind::ALL {
            let s = r.kind(kind);
            out.push_str(&format!(
                "{:<8} {:<11} {:>5} {:>9.3} {:>9.3} {:>12.3} {:>8.3} {:>9.2} {:>9.2}\n",
                r.mode.name(),
                kind.name(),
                s.questions,
                s.recall_at_2,
                s.recall_at_5,
                s.all_recall_at_5,
                s.mrr_at_10,
                r.latency_quantile(0.5).as_secs_f64() * 1e3,
                r.latency_quantile(0.95).as_secs_f64() * 1e3,
            ));
        }
    }
    out
}
