//! The text modes: BM25 over the stored postings (cached per generation), nearest chunk embeddings, and
//! reciprocal-rank fusion of rankings (naive = bm25 + vector).

use super::{sort_ranked, truncate_keeping_ties, Query, Ranked, FUSION_DEPTH, RRF_K};
use crate::engine::deps;
use crate::error::GraphRagResult;
use std::collections::HashMap;

/// BM25 scores of every chunk matching one of `terms` (each distinct term once).
pub async fn bm25_scores(q: &mut Query<'_>, terms: &[String]) -> GraphRagResult<HashMap<u64, f64>> {
    let mut distinct: Vec<&String> = terms.iter().collect();
    distinct.sort();
    distinct.dedup();
    let n = q.rec.chunks;
    let avg = if n > 0 { q.rec.total_terms as f64 / n as f64 } else { 0.0 };
    let mut scores: HashMap<u64, f64> = HashMap::new();
    for term in distinct {
        let postings = q.engine.postings(q.state, q.rec, q.tx, term).await?;
        let df = postings.len() as u64;
        for &(number, tf, len) in postings.iter() {
            *scores.entry(number).or_default() += deps::bm25(tf, df, n, len, avg);
        }
    }
    Ok(scores)
}

pub async fn bm25(q: &mut Query<'_>, terms: &[String], depth: usize) -> GraphRagResult<Ranked> {
    let scores = bm25_scores(q, terms).await?;
    let mut ranked: Ranked = scores.into_iter().collect();
    sort_ranked(&mut ranked);
    truncate_keeping_ties(&mut ranked, depth);
    Ok(ranked)
}

/// Cosine similarity of the question to the nearest chunks.
pub fn vector(q: &Query<'_>, depth: usize) -> GraphRagResult<Ranked> {
    let guard = q.state.vectors.read();
    let Some(vectors) = guard.as_ref() else { return Ok(Vec::new()) };
    if q.embedding.is_empty() {
        return Ok(Vec::new());
    }
    vectors.chunks.search(&q.embedding, depth)
}

/// The cosine similarity of the question to chunk `number`'s embedding (0 when unknown).
pub fn dense_similarity(q: &Query<'_>, number: u64) -> f64 {
    let guard = q.state.vectors.read();
    let Some(v) = guard.as_ref().and_then(|v| v.chunks.get(number)) else { return 0.0 };
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in v.iter().zip(&q.embedding) {
        dot += f64::from(*x) * f64::from(*y);
        na += f64::from(*x) * f64::from(*x);
        nb += f64::from(*y) * f64::from(*y);
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

pub async fn naive(q: &mut Query<'_>, depth: usize) -> GraphRagResult<Ranked> {
    let depth = depth.max(FUSION_DEPTH);
    let terms = q.terms.clone();
    let lexical = bm25(q, &terms, depth).await?;
    let dense = vector(q, depth)?;
    Ok(rrf(&[lexical, dense]))
}

/// Reciprocal-rank fusion: Σ 1 / (60 + rank), ranks from 1.
pub fn rrf(lists: &[Ranked]) -> Ranked {
    let weighted: Vec<(&Ranked, f64)> = lists.iter().map(|l| (l, 1.0)).collect();
    weighted_rrf(&weighted)
}

/// Reciprocal-rank fusion with a weight per list: Σ w / (60 + rank).
pub fn weighted_rrf(lists: &[(&Ranked, f64)]) -> Ranked {
    let mut fused: HashMap<u64, f64> = HashMap::new();
    for (list, weight) in lists {
        for (rank, (number, _)) in list.iter().enumerate() {
            *fused.entry(*number).or_default() += weight / (RRF_K + rank as f64 + 1.0);
        }
    }
    let mut ranked: Ranked = fused.into_iter().collect();
    sort_ranked(&mut ranked);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrf_favours_agreement_and_breaks_ties_by_number() {
        let a = vec![(1, 9.0), (2, 8.0), (3, 7.0)];
        let b = vec![(2, 0.9), (1, 0.8), (4, 0.7)];
        let fused = rrf(&[a, b]);
        assert_eq!(fused.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        assert!((fused[0].1 - (1.0 / 61.0 + 1.0 / 62.0)).abs() < 1e-12);
        assert_eq!(fused[0].1, fused[1].1, "1 and 2 tie and are ordered by number");
    }
}
