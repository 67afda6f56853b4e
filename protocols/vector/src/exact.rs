//! Brute-force k-nearest-neighbour search: the ground truth for HNSW and what small
//! indexes answer with. A bounded max-heap keeps the `k` best seen so far, so memory is
//! O(k) whatever the number of vectors.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

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
    let mut top = TopK::new(k);
    if k == 0 {
        return Vec::new();
    }
    for (id, vector) in vectors {
        if filter.is_some_and(|keep| !keep(id)) {
            continue;
        }
        top.offer(id, metric.distance(query, vector));
    }
    top.into_sorted()
}

/// A hit ordered by (distance, id), distances by `total_cmp`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranked {
    pub distance: f32,
    pub id: u64,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance.total_cmp(&other.distance).then(self.id.cmp(&other.id))
    }
}

/// The `k` smallest hits offered, by (distance, id).
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Ranked>,
}

impl TopK {
    pub fn new(k: usize) -> Self {
        TopK { k, heap: BinaryHeap::with_capacity(k.min(4_096) + 1) }
    }

    pub fn offer(&mut self, id: u64, distance: f32) {
        let candidate = Ranked { distance, id };
        if self.heap.len() < self.k {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if candidate < *worst {
                *worst = candidate;
            }
        }
    }

    pub fn into_sorted(self) -> Vec<Hit> {
        self.heap.into_sorted_vec().into_iter().map(|r| Hit { id: r.id, distance: r.distance }).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(hits: &[Hit]) -> Vec<u64> {
        hits.iter().map(|h| h.id).collect()
    }

    #[test]
    fn nearest_first_on_a_line() {
        let points: Vec<(u64, Vec<f32>)> = (0..10).map(|i| (i, vec![i as f32])).collect();
        let hits = search(points.iter().map(|(id, v)| (*id, v.as_slice())), Metric::L2, &[6.2], 3, None);
        assert_eq!(ids(&hits), vec![6, 7, 5]);
        assert!((hits[0].distance - 0.2).abs() < 1e-6);
        assert!((hits[1].distance - 0.8).abs() < 1e-6);
        assert!((hits[2].distance - 1.2).abs() < 1e-6);
    }

    #[test]
    fn ties_go_to_the_smaller_id_whatever_the_input_order() {
        let points = [(9u64, [1.0f32, 0.0]), (3, [0.0, 1.0]), (5, [-1.0, 0.0]), (1, [0.0, -1.0]), (7, [2.0, 0.0])];
        let hits = search(points.iter().map(|(id, v)| (*id, v.as_slice())), Metric::L2, &[0.0, 0.0], 3, None);
        assert_eq!(ids(&hits), vec![1, 3, 5]);
        let reversed = search(points.iter().rev().map(|(id, v)| (*id, v.as_slice())), Metric::L2, &[0.0, 0.0], 3, None);
        assert_eq!(ids(&reversed), vec![1, 3, 5]);
    }

    #[test]
    fn filter_and_small_inputs() {
        let points: Vec<(u64, Vec<f32>)> = (0..10).map(|i| (i, vec![i as f32])).collect();
        let odd = |id: u64| id % 2 == 1;
        let hits = search(points.iter().map(|(id, v)| (*id, v.as_slice())), Metric::L1, &[4.0], 2, Some(&odd));
        assert_eq!(ids(&hits), vec![3, 5]);
        let all = search(points.iter().map(|(id, v)| (*id, v.as_slice())), Metric::L1, &[4.0], 50, None);
        assert_eq!(all.len(), 10);
        assert!(search(points.iter().map(|(id, v)| (*id, v.as_slice())), Metric::L1, &[4.0], 0, None).is_empty());
    }

    #[test]
    fn matches_a_full_sort() {
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as f32) / (1u64 << 24) as f32
        };
        let points: Vec<(u64, Vec<f32>)> = (0..500).map(|i| (i, (0..5).map(|_| next()).collect())).collect();
        let query: Vec<f32> = (0..5).map(|_| next()).collect();
        let mut sorted: Vec<(f32, u64)> =
            points.iter().map(|(id, v)| (Metric::Cosine.distance(&query, v), *id)).collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let hits = search(points.iter().map(|(id, v)| (*id, v.as_slice())), Metric::Cosine, &query, 25, None);
        assert_eq!(ids(&hits), sorted.iter().take(25).map(|p| p.1).collect::<Vec<_>>());
    }
}
