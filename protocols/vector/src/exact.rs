//! Brute-force k-nearest-neighbour search: the ground truth for HNSW and what small
//! indexes answer with.

use crate::{Hit, Metric};

/// The `k` vectors of `vectors` nearest to `query` by `metric` that pass `filter`,
/// ascending by distance, ties by ascending id.
pub fn search<'a>(
    vectors: impl Iterator<Item = (u64, &'a [f32])>,
    metric: Metric,
    query: &[f32],
    k: usize,
    filter: Option<&dyn Fn(u64) -> bool>,
) -> Vec<Hit> {
    let _ = (vectors.count(), metric, query, k, filter.is_some());
    unimplemented!("orbit-vector exact search: not built yet")
}
