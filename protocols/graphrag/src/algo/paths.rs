//! The strongest simple paths between two nodes, for GRAPHRAG.REASON and the reasoning
//! paths of answers. A path's score is the product of its edge weights divided by the
//! graph's largest weight (so each factor is in (0, 1]). Best-first search with an exact
//! upper bound on what the rest of a path can score (the best walk of the remaining hops to
//! the target), so complete paths come out strongest first and the search stays near them.

use super::WeightedGraph;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Partial paths the search expands at most, a bound on the work of one call.
pub const MAX_EXPANSIONS: usize = 200_000;
/// Keeps the bound above the exact score despite rounding of products taken in another order.
const BOUND_SLACK: f64 = 1.0 + 1e-9;

/// Up to `k` simple paths of 1..=`max_hops` edges from `from` to `to`, strongest first
/// (ties: the path's node ids compared in order). `from == to` gives the one-node path with
/// score 1. Nodes out of range, `k == 0` or `max_hops == 0` give none.
pub fn k_best_paths(graph: &WeightedGraph, from: u32, to: u32, max_hops: usize, k: usize) -> Vec<(Vec<u32>, f64)> {
    let n = graph.nodes;
    if (from as usize) >= n || (to as usize) >= n || k == 0 {
        return Vec::new();
    }
    if from == to {
        return vec![(vec![from], 1.0)];
    }
    if max_hops == 0 {
        return Vec::new();
    }
    let max_weight = graph.max_weight();
    if max_weight <= 0.0 {
        return Vec::new();
    }
    let bound = reach_bounds(graph, to, max_hops, max_weight);
    let mut heap = BinaryHeap::new();
    if bound[max_hops][from as usize] > 0.0 {
        heap.push(Partial { priority: bound[max_hops][from as usize], score: 1.0, path: vec![from] });
    }
    let mut found = Vec::new();
    let mut expansions = 0;
    while let Some(partial) = heap.pop() {
        let last = *partial.path.last().unwrap_or(&from);
        if last == to {
            found.push((partial.path, partial.score));
            if found.len() == k {
                break;
            }
            continue;
        }
        expansions += 1;
        if expansions > MAX_EXPANSIONS {
            break;
        }
        let hops_left = max_hops - (partial.path.len() - 1) - 1;
        for &(next, weight) in graph.neighbours(last) {
            if next == last || partial.path.contains(&next) {
                continue;
            }
            let rest = if next == to { 1.0 } else { bound[hops_left][next as usize] };
            if rest <= 0.0 {
                continue;
            }
            let score = partial.score * weight / max_weight;
            let mut path = partial.path.clone();
            path.push(next);
            heap.push(Partial { priority: score * rest * BOUND_SLACK, score, path });
        }
    }
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    found
}

/// `bound[h][v]`: the best product of normalised weights of a walk from `v` to `target` of
/// at most `h` edges (1 for the target itself, 0 when it cannot be reached).
fn reach_bounds(graph: &WeightedGraph, target: u32, max_hops: usize, max_weight: f64) -> Vec<Vec<f64>> {
    let mut bound = vec![vec![0.0; graph.nodes]; max_hops + 1];
    bound[0][target as usize] = 1.0;
    for h in 1..=max_hops {
        let (done, rest) = bound.split_at_mut(h);
        let previous = &done[h - 1];
        let current = &mut rest[0];
        current.copy_from_slice(previous);
        for (v, list) in graph.adjacency.iter().enumerate() {
            for &(u, w) in list {
                let via = previous[u as usize] * w / max_weight;
                if via > current[v] {
                    current[v] = via;
                }
            }
        }
    }
    bound
}

struct Partial {
    priority: f64,
    score: f64,
    path: Vec<u32>,
}

impl Ord for Partial {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority.total_cmp(&other.priority).then_with(|| other.path.cmp(&self.path))
    }
}

impl PartialOrd for Partial {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Partial {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Partial {}

#[cfg(test)]
mod tests {
    use super::*;

    fn diamond() -> WeightedGraph {
        // 0 -4- 1 -4- 3 ; 0 -2- 2 -2- 3 ; 0 -1- 3 ; 1 -1- 2
        WeightedGraph::from_edges(5, &[(0, 1, 4.0), (1, 3, 4.0), (0, 2, 2.0), (2, 3, 2.0), (0, 3, 1.0), (1, 2, 1.0)])
    }

    #[test]
    fn strongest_paths_come_first_with_their_scores() {
        let paths = k_best_paths(&diamond(), 0, 3, 3, 10);
        let expected: Vec<(Vec<u32>, f64)> = vec![
            (vec![0, 1, 3], 1.0),
            (vec![0, 2, 3], 0.25),
            (vec![0, 3], 0.25),
            (vec![0, 1, 2, 3], 1.0 * 0.25 * 0.5),
            (vec![0, 2, 1, 3], 0.5 * 0.25 * 1.0),
        ];
        assert_eq!(paths.len(), expected.len());
        for ((path, score), (want_path, want_score)) in paths.iter().zip(&expected) {
            assert_eq!(path, want_path);
            assert!((score - want_score).abs() < 1e-12, "{path:?} {score}");
        }
    }

    #[test]
    fn hops_and_k_bound_the_answer() {
        let g = diamond();
        assert_eq!(k_best_paths(&g, 0, 3, 1, 10), vec![(vec![0, 3], 0.25)]);
        assert_eq!(k_best_paths(&g, 0, 3, 3, 1).len(), 1);
        assert!(k_best_paths(&g, 0, 4, 3, 5).is_empty());
        assert!(k_best_paths(&g, 0, 9, 3, 5).is_empty());
        assert!(k_best_paths(&g, 0, 3, 0, 5).is_empty());
        assert_eq!(k_best_paths(&g, 2, 2, 3, 5), vec![(vec![2], 1.0)]);
    }

    #[test]
    fn paths_are_simple_in_a_dense_graph() {
        let mut edges = Vec::new();
        for a in 0..12u32 {
            for b in (a + 1)..12 {
                edges.push((a, b, 1.0 + ((a * 31 + b * 17) % 5) as f64));
            }
        }
        let g = WeightedGraph::from_edges(12, &edges);
        let paths = k_best_paths(&g, 0, 11, 4, 50);
        assert_eq!(paths.len(), 50);
        for window in paths.windows(2) {
            assert!(window[0].1 >= window[1].1);
        }
        for (path, _) in &paths {
            let mut sorted = path.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), path.len());
            assert!(path.len() <= 5);
        }
    }
}
