//! Distance functions. Every one is "smaller is closer" so one ordering serves all:
//! L2 is the Euclidean distance (pgvector `<->`), InnerProduct the negative inner product
//! (pgvector `<#>`), Cosine is 1 - cosine similarity (pgvector `<=>`; a zero vector is at
//! distance 1 from everything... see [`Metric::distance`]), L1 the taxicab distance (`<+>`).

/// A distance metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    L2,
    InnerProduct,
    Cosine,
    L1,
}

impl Metric {
    /// The distance between `a` and `b` (same length; the caller checks dimensions).
    pub fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        let _ = (a, b);
        unimplemented!("orbit-vector metric: not built yet")
    }
}
