//! BM25 scoring with Lucene's defaults (k1 1.2, b 0.75) and Lucene's idf
//! `ln(1 + (N − df + 0.5) / (df + 0.5))`, which never goes negative. The term weight is the
//! classic `idf · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))`; Lucene drops the constant
//! factor `k1+1`, which changes no ranking. The engine stores one posting row per (term,
//! chunk) (see [`crate::store::keys`]) and scores them through [`score_term`].

/// The two BM25 parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25Params {
    /// Term-frequency saturation.
    pub k1: f64,
    /// Length normalisation, 0 (none) to 1 (full).
    pub b: f64,
}

impl Default for Bm25Params {
    fn default() -> Self {
        Bm25Params { k1: 1.2, b: 0.75 }
    }
}

/// Lucene's inverse document frequency of a term found in `df` of `n_docs` documents.
pub fn idf(df: u64, n_docs: u64) -> f64 {
    let n = n_docs as f64;
    let df = (df.min(n_docs)) as f64;
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// The BM25 contribution of one term to one document: `tf` occurrences in a document of
/// `doc_len` terms, the term in `df` of `n_docs` documents of mean length `avg_doc_len`.
pub fn score_term(tf: u32, df: u64, n_docs: u64, doc_len: u32, avg_doc_len: f64, params: &Bm25Params) -> f64 {
    if tf == 0 {
        return 0.0;
    }
    let tf = tf as f64;
    let relative_len = if avg_doc_len > 0.0 && avg_doc_len.is_finite() { doc_len as f64 / avg_doc_len } else { 1.0 };
    let norm = params.k1 * (1.0 - params.b + params.b * relative_len);
    idf(df, n_docs) * tf * (params.k1 + 1.0) / (tf + norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn idf_is_lucenes() {
        assert!(close(idf(1, 10), (1.0f64 + 9.5 / 1.5).ln()));
        assert!(close(idf(10, 10), (1.0f64 + 0.5 / 10.5).ln()));
        assert!(idf(10, 10) > 0.0, "never negative, even for a term in every document");
        assert!(idf(1, 1000) > idf(100, 1000));
        assert!(close(idf(50, 10), idf(10, 10)), "df is capped at the document count");
    }

    #[test]
    fn score_matches_the_formula() {
        let p = Bm25Params::default();
        let expected = idf(2, 100) * 3.0 * 2.2 / (3.0 + 1.2 * (0.25 + 0.75 * 20.0 / 10.0));
        assert!(close(score_term(3, 2, 100, 20, 10.0, &p), expected));
        assert_eq!(score_term(0, 2, 100, 20, 10.0, &p), 0.0);
    }

    #[test]
    fn score_saturates_and_prefers_short_documents() {
        let p = Bm25Params::default();
        let one = score_term(1, 5, 100, 10, 10.0, &p);
        let two = score_term(2, 5, 100, 10, 10.0, &p);
        let many = score_term(100, 5, 100, 10, 10.0, &p);
        assert!(one < two && two < many && many < idf(5, 100) * (p.k1 + 1.0));
        assert!(score_term(1, 5, 100, 5, 10.0, &p) > score_term(1, 5, 100, 50, 10.0, &p));
        let flat = Bm25Params { k1: 1.2, b: 0.0 };
        assert!(close(score_term(1, 5, 100, 5, 10.0, &flat), score_term(1, 5, 100, 50, 10.0, &flat)));
    }

    #[test]
    fn degenerate_average_length_does_not_poison_scores() {
        let p = Bm25Params::default();
        assert!(score_term(1, 1, 1, 0, 0.0, &p).is_finite());
        assert!(score_term(1, 1, 1, 3, f64::NAN, &p).is_finite());
    }
}
