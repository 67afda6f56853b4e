//! The measures of the quality benchmark, as HippoRAG reports them: Recall@k (the share
//! of a question's gold passages among the first k retrieved, averaged over questions),
//! AllRecall@k (the share of questions whose gold passages are all among the first k),
//! MRR@k (the mean reciprocal rank of the first gold passage within k), and the precision
//! and recall of entity extraction against the world's ground truth.

use std::collections::HashSet;

/// Ranking measures of one set of questions.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RankingScores {
    pub questions: usize,
    pub recall_at_2: f64,
    pub recall_at_5: f64,
    pub all_recall_at_5: f64,
    pub mrr_at_10: f64,
}

/// The share of `gold` in the first `k` of `ranked`.
pub fn recall_at(ranked: &[String], gold: &[String], k: usize) -> f64 {
    if gold.is_empty() {
        return 1.0;
    }
    let top: HashSet<&String> = ranked.iter().take(k).collect();
    gold.iter().filter(|g| top.contains(g)).count() as f64 / gold.len() as f64
}

/// 1 / rank of the first gold id within the first `k`, 0 when none.
pub fn reciprocal_rank(ranked: &[String], gold: &[String], k: usize) -> f64 {
    ranked.iter().take(k).position(|id| gold.contains(id)).map(|i| 1.0 / (i + 1) as f64).unwrap_or(0.0)
}

impl RankingScores {
    /// Averages over `(ranked ids, gold ids)` pairs.
    pub fn of<'a>(results: impl IntoIterator<Item = (&'a [String], &'a [String])>) -> RankingScores {
        let mut s = RankingScores::default();
        for (ranked, gold) in results {
            s.questions += 1;
            s.recall_at_2 += recall_at(ranked, gold, 2);
            let r5 = recall_at(ranked, gold, 5);
            s.recall_at_5 += r5;
            s.all_recall_at_5 += if r5 >= 1.0 { 1.0 } else { 0.0 };
            s.mrr_at_10 += reciprocal_rank(ranked, gold, 10);
        }
        if s.questions > 0 {
            let n = s.questions as f64;
            s.recall_at_2 /= n;
            s.recall_at_5 /= n;
            s.all_recall_at_5 /= n;
            s.mrr_at_10 /= n;
        }
        s
    }
}

/// Entity extraction against ground truth, micro-averaged over passages.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExtractionScore {
    pub true_positives: usize,
    pub extracted: usize,
    pub expected: usize,
}

impl ExtractionScore {
    /// Adds one passage: `found` and `expected` are normalised keys (lower-cased names).
    pub fn add(&mut self, found: &HashSet<String>, expected: &HashSet<String>) {
        self.true_positives += found.intersection(expected).count();
        self.extracted += found.len();
        self.expected += expected.len();
    }

    pub fn precision(&self) -> f64 {
        if self.extracted == 0 {
            0.0
        } else {
            self.true_positives as f64 / self.extracted as f64
        }
    }

    pub fn recall(&self) -> f64 {
        if self.expected == 0 {
            0.0
        } else {
            self.true_positives as f64 / self.expected as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recall_and_rank_follow_their_definitions() {
        let ranked = ids(&["a", "b", "c", "d", "e", "f"]);
        assert_eq!(recall_at(&ranked, &ids(&["b", "z"]), 2), 0.5);
        assert_eq!(recall_at(&ranked, &ids(&["e", "f"]), 5), 0.5);
        assert_eq!(reciprocal_rank(&ranked, &ids(&["c"]), 10), 1.0 / 3.0);
        assert_eq!(reciprocal_rank(&ranked, &ids(&["z"]), 10), 0.0);
        let gold1 = ids(&["a", "e"]);
        let gold2 = ids(&["f"]);
        let s = RankingScores::of([(&ranked[..], &gold1[..]), (&ranked[..], &gold2[..])]);
        assert_eq!(s.questions, 2);
        assert!((s.recall_at_5 - 0.5).abs() < 1e-12);
        assert!((s.all_recall_at_5 - 0.5).abs() < 1e-12);
        assert!((s.mrr_at_10 - (1.0 + 1.0 / 6.0) / 2.0).abs() < 1e-12);
    }
}
