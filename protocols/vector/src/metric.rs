//! Distance functions. Every one is "smaller is closer" so one ordering serves all:
//! L2 is the Euclidean distance (pgvector `<->`, not squared), InnerProduct the negative
//! inner product (pgvector `<#>`), Cosine is 1 − cosine similarity (pgvector `<=>`), L1 the
//! taxicab distance (pgvector `<+>`).
//!
//! pgvector answers NaN for the cosine distance of a zero vector; here a zero vector is at
//! cosine distance 1.0 from everything (similarity 0), so no distance is ever NaN and every
//! ordering is total. A distance of -0.0 is returned as 0.0 so ties compare equal.
//!
//! The sums come from [`crate::kernels`] (AVX2 + FMA where the CPU has them, portable
//! vectorisable Rust otherwise); on one machine a distance is the same bit pattern on every
//! run.
//!
//! The helpers turn a distance into the score a protocol reports: [`Metric::similarity`]
//! (cosine similarity, inner product), [`Metric::redisearch_score`] (RediSearch's KNN
//! score: squared L2, `1 − u·v`, `1 − cos`) and [`Metric::neo4j_score`] (Neo4j's [0, 1]
//! vector index score). pgvector's operators return the distance itself.

/// A distance metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    L2,
    InnerProduct,
    Cosine,
    L1,
}

use crate::kernels;

impl Metric {
    /// The distance between `a` and `b`. The caller checks that the lengths match; if they
    /// do not, the longer one's tail is ignored.
    pub fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let d = match self {
            Metric::L2 => squared_l2(a, b).sqrt(),
            Metric::InnerProduct => -dot(a, b),
            Metric::Cosine => cosine_distance(a, b),
            Metric::L1 => l1(a, b),
        };
        d + 0.0
    }

    /// The similarity a distance stands for, larger is closer: the cosine similarity for
    /// Cosine (RediSearch/ArangoDB/`vector.similarity.cosine` style), the inner product for
    /// InnerProduct, and the negated distance for L2 and L1.
    pub fn similarity(self, distance: f32) -> f32 {
        match self {
            Metric::Cosine => 1.0 - distance,
            Metric::InnerProduct | Metric::L2 | Metric::L1 => -distance,
        }
    }

    /// The score RediSearch reports for a KNN hit (`__<field>_score` or `AS name`), from a
    /// distance of this metric: L2 the *squared* Euclidean distance, IP `1 − u·v`, COSINE
    /// `1 − cos`. RediSearch has no L1 metric, so that answers `None`.
    pub fn redisearch_score(self, distance: f32) -> Option<f32> {
        match self {
            Metric::L2 => Some(distance * distance),
            Metric::InnerProduct => Some(1.0 + distance),
            Metric::Cosine => Some(distance),
            Metric::L1 => None,
        }
    }

    /// Neo4j's vector index score in [0, 1] for a distance of this metric: cosine
    /// `(1 + cos) / 2`, euclidean `1 / (1 + d²)`. Neo4j has no inner-product or L1 vector
    /// index, so those answer `None`.
    pub fn neo4j_score(self, distance: f32) -> Option<f32> {
        match self {
            Metric::Cosine => Some(((2.0 - distance) / 2.0).clamp(0.0, 1.0)),
            Metric::L2 => Some(1.0 / (1.0 + distance * distance)),
            Metric::InnerProduct | Metric::L1 => None,
        }
    }
}

/// The inner product of two equally long slices. Never NaN: when the f32 sum overflows
/// into `inf - inf`, it is taken again in f64 (and saturates to an infinity).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let sum = kernels::dot(a, b);
    if sum.is_nan() {
        return a.iter().zip(b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum::<f64>() as f32;
    }
    sum
}

/// The squared Euclidean distance.
pub fn squared_l2(a: &[f32], b: &[f32]) -> f32 {
    kernels::squared_l2(a, b)
}

/// The taxicab distance.
pub fn l1(a: &[f32], b: &[f32]) -> f32 {
    kernels::l1(a, b)
}

/// The Euclidean norm.
pub fn norm(a: &[f32]) -> f32 {
    dot(a, a).sqrt()
}

/// 1 − cos(a, b), in [0, 2]; 1.0 when either vector is zero.
pub fn cosine_distance(a: &[f32], b: &[f32]) -> f32 {
    let (ab, aa, bb) = kernels::dot_and_norms(a, b);
    if aa == 0.0 || bb == 0.0 {
        return 1.0;
    }
    let similarity = ab / (aa.sqrt() * bb.sqrt());
    let similarity = if similarity.is_finite() { similarity } else { cosine_similarity_f64(a, b) };
    1.0 - similarity.clamp(-1.0, 1.0)
}

/// The cosine similarity taken in f64, for vectors whose f32 sums overflow.
fn cosine_similarity_f64(a: &[f32], b: &[f32]) -> f32 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    let similarity = ab / (aa.sqrt() * bb.sqrt());
    if similarity.is_finite() {
        similarity as f32
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 1e-5 * b.abs().max(1.0)
    }

    #[test]
    fn l2_is_the_euclidean_distance_not_its_square() {
        // pgvector: SELECT '[1,2,3]' <-> '[4,5,6]' = 5.196152422706632
        assert!(close(Metric::L2.distance(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 5.196_152));
        assert!(close(Metric::L2.distance(&[0.0, 0.0], &[3.0, 4.0]), 5.0));
        assert_eq!(Metric::L2.distance(&[1.5, -2.0], &[1.5, -2.0]), 0.0);
    }

    #[test]
    fn inner_product_is_negated() {
        // pgvector: SELECT '[1,2,3]' <#> '[4,5,6]' = -32
        assert_eq!(Metric::InnerProduct.distance(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), -32.0);
        assert_eq!(Metric::InnerProduct.distance(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
        assert!(Metric::InnerProduct.distance(&[1.0, 0.0], &[0.0, 1.0]).is_sign_positive());
        assert_eq!(Metric::InnerProduct.similarity(-32.0), 32.0);
    }

    #[test]
    fn cosine_is_one_minus_the_similarity() {
        // pgvector: SELECT '[1,2,3]' <=> '[4,5,6]' = 0.025368153802923787
        assert!(close(Metric::Cosine.distance(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 0.025_368_154));
        assert!(close(Metric::Cosine.distance(&[1.0, 0.0], &[0.0, 1.0]), 1.0));
        assert!(close(Metric::Cosine.distance(&[1.0, 0.0], &[-2.0, 0.0]), 2.0));
        assert!(close(Metric::Cosine.distance(&[1.0, 1.0], &[1.0, 0.0]), 1.0 - std::f32::consts::FRAC_1_SQRT_2));
        assert!(close(Metric::Cosine.distance(&[2.0, 2.0], &[3.0, 3.0]), 0.0));
    }

    #[test]
    fn cosine_of_a_zero_vector_is_one_not_nan() {
        assert_eq!(Metric::Cosine.distance(&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0]), 1.0);
        assert_eq!(Metric::Cosine.distance(&[1.0, 2.0], &[0.0, 0.0]), 1.0);
        assert_eq!(Metric::Cosine.distance(&[0.0], &[0.0]), 1.0);
    }

    #[test]
    fn l1_is_the_taxicab_distance() {
        // pgvector: SELECT '[1,2,3]' <+> '[4,5,6]' = 9
        assert_eq!(Metric::L1.distance(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 9.0);
        assert_eq!(Metric::L1.distance(&[1.0, 2.0, 3.0], &[4.0, 0.0, 3.0]), 5.0);
    }

    #[test]
    fn long_vectors_with_a_tail_sum_every_element() {
        // 19 elements: two chunks of 8 and a tail of 3.
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..19).map(|i| (19 - i) as f32 * 0.5).collect();
        let l1: f32 = (0..19).map(|i| (i as f32 - (19 - i) as f32 * 0.5).abs()).sum();
        let sq: f32 = (0..19).map(|i| (i as f32 - (19 - i) as f32 * 0.5).powi(2)).sum();
        let ip: f32 = (0..19).map(|i| i as f32 * (19 - i) as f32 * 0.5).sum();
        let aa: f32 = (0..19).map(|i| (i * i) as f32).sum();
        let bb: f32 = (0..19).map(|i| ((19 - i) as f32 * 0.5).powi(2)).sum();
        assert!(close(Metric::L1.distance(&a, &b), l1));
        assert!(close(Metric::L2.distance(&a, &b), sq.sqrt()));
        assert!(close(Metric::InnerProduct.distance(&a, &b), -ip));
        assert!(close(Metric::Cosine.distance(&a, &b), 1.0 - ip / (aa.sqrt() * bb.sqrt())));
    }

    #[test]
    fn huge_values_never_give_nan() {
        let a = [3.0e38f32, -3.0e38, 3.0e38, -3.0e38];
        let b = [3.0e38f32, 3.0e38, -3.0e38, -3.0e38];
        for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine, Metric::L1] {
            assert!(!metric.distance(&a, &b).is_nan(), "{metric:?}");
        }
        assert!(close(Metric::Cosine.distance(&a, &a), 0.0));
    }

    #[test]
    fn neo4j_scores() {
        // Neo4j: cosine score (1 + cos) / 2; euclidean 1 / (1 + d²).
        let a = [1.0f32, 0.0];
        let b = [0.0f32, 1.0];
        let cosine = Metric::Cosine.neo4j_score(Metric::Cosine.distance(&a, &b));
        assert!(close(cosine.unwrap_or(f32::NAN), 0.5));
        assert_eq!(Metric::Cosine.neo4j_score(0.0), Some(1.0));
        assert_eq!(Metric::Cosine.neo4j_score(2.0), Some(0.0));
        let euclid = Metric::L2.neo4j_score(Metric::L2.distance(&[0.0, 0.0], &[3.0, 4.0]));
        assert!(close(euclid.unwrap_or(f32::NAN), 1.0 / 26.0));
        assert_eq!(Metric::InnerProduct.neo4j_score(1.0), None);
    }

    #[test]
    fn redisearch_scores() {
        // RediSearch: L2 is the squared Euclidean distance, IP is 1 - u·v, COSINE 1 - cos.
        let (u, v) = ([1.0f32, 2.0, 3.0], [4.0f32, 6.0, 8.0]);
        assert!(close(Metric::L2.redisearch_score(Metric::L2.distance(&u, &v)).unwrap_or(f32::NAN), 50.0));
        let ip = Metric::InnerProduct.redisearch_score(Metric::InnerProduct.distance(&u, &v));
        assert_eq!(ip, Some(1.0 - 40.0));
        assert_eq!(Metric::Cosine.redisearch_score(0.25), Some(0.25));
        assert_eq!(Metric::L1.redisearch_score(1.0), None);
    }

    #[test]
    fn similarity_undoes_the_distance() {
        assert!(close(
            Metric::Cosine.similarity(Metric::Cosine.distance(&[1.0, 1.0], &[1.0, 0.0])),
            std::f32::consts::FRAC_1_SQRT_2
        ));
        assert_eq!(Metric::L2.similarity(5.0), -5.0);
    }
}
