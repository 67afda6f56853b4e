//! Personalised PageRank by power iteration over a weighted undirected graph (HippoRAG's
//! retrieval step): a walker follows an edge with probability `damping`, chosen in
//! proportion to its weight, and otherwise jumps back to the seeds. The mass of nodes
//! without edges goes to the seeds too, so the ranks always sum to 1.

use super::WeightedGraph;

/// The damping factor of PageRank.
pub const DEFAULT_DAMPING: f64 = 0.85;

/// The stationary distribution of the walk restarting at `seeds` (node, weight): one rank
/// per node, summing to 1. Seed weights are normalised; seeds out of range or with a weight
/// that is not positive and finite are ignored, and with no usable seed the restart is
/// uniform (plain PageRank). Stops after `iterations` rounds or when the L1 change of a
/// round is below `tolerance`. An empty graph gives an empty vector.
pub fn personalized_pagerank(
    graph: &WeightedGraph,
    seeds: &[(u32, f64)],
    damping: f64,
    iterations: usize,
    tolerance: f64,
) -> Vec<f64> {
    let n = graph.nodes;
    if n == 0 {
        return Vec::new();
    }
    let damping = if damping.is_finite() { damping.clamp(0.0, 1.0) } else { DEFAULT_DAMPING };
    let restart = restart_vector(n, seeds);
    let (offsets, transitions) = transitions(graph, damping);
    let mut rank = restart.clone();
    let mut next = vec![0.0; n];
    for _ in 0..iterations {
        next.iter_mut().for_each(|x| *x = 0.0);
        let mut dangling = 0.0;
        for u in 0..n {
            let (from, to) = (offsets[u], offsets[u + 1]);
            if from == to {
                dangling += rank[u];
                continue;
            }
            let mass = rank[u];
            for &(v, share) in &transitions[from..to] {
                next[v as usize] += mass * share;
            }
        }
        let to_restart = (1.0 - damping) + damping * dangling;
        for (x, r) in next.iter_mut().zip(&restart) {
            *x += to_restart * r;
        }
        let total: f64 = next.iter().sum();
        if total > 0.0 {
            next.iter_mut().for_each(|x| *x /= total);
        }
        let change: f64 = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut rank, &mut next);
        if change < tolerance {
            break;
        }
    }
    rank
}

/// The walk's moves in compressed rows: for each node its neighbours with
/// `damping × weight / strength` (no row for a node without edges).
fn transitions(graph: &WeightedGraph, damping: f64) -> (Vec<usize>, Vec<(u32, f64)>) {
    let mut offsets = Vec::with_capacity(graph.nodes + 1);
    let mut moves = Vec::with_capacity(graph.adjacency.iter().map(Vec::len).sum());
    offsets.push(0);
    for u in 0..graph.nodes {
        let list = graph.adjacency.get(u).map(Vec::as_slice).unwrap_or(&[]);
        let strength: f64 = list.iter().map(|&(_, w)| w).sum();
        if strength > 0.0 {
            moves.extend(
                list.iter().filter(|&&(v, _)| (v as usize) < graph.nodes).map(|&(v, w)| (v, damping * w / strength)),
            );
        }
        offsets.push(moves.len());
    }
    (offsets, moves)
}

fn restart_vector(n: usize, seeds: &[(u32, f64)]) -> Vec<f64> {
    let mut restart = vec![0.0; n];
    for &(node, weight) in seeds {
        if (node as usize) < n && weight.is_finite() && weight > 0.0 {
            restart[node as usize] += weight;
        }
    }
    let total: f64 = restart.iter().sum();
    if total > 0.0 {
        restart.iter_mut().for_each(|x| *x /= total);
    } else {
        restart.iter_mut().for_each(|x| *x = 1.0 / n as f64);
    }
    restart
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn two_nodes_match_the_hand_computed_fixed_point() {
        // r0 = 0.15 + 0.85 r1, r1 = 0.85 r0  =>  r0 = 0.15 / (1 - 0.85²), r1 = 0.85 r0.
        let g = WeightedGraph::from_edges(2, &[(0, 1, 3.0)]);
        let r = personalized_pagerank(&g, &[(0, 1.0)], 0.85, 500, 1e-14);
        let r0 = 0.15 / (1.0 - 0.85 * 0.85);
        assert!(close(r[0], r0), "{r:?}");
        assert!(close(r[1], 0.85 * r0), "{r:?}");
    }

    #[test]
    fn star_with_weighted_leaves_and_a_dangling_node() {
        // Node 0 links to 1 (weight 1) and 2 (weight 3); node 3 has no edges; seed 0.
        // r1 = 0.85 * r0/4 * ... solve: r0 = 0.15 + 0.85 (r1 + r2) + 0.85 r3 ; r3 = 0 (not a seed,
        // nothing links to it), r1 = 0.85 * r0 * 1/4, r2 = 0.85 * r0 * 3/4.
        let g = WeightedGraph::from_edges(4, &[(0, 1, 1.0), (0, 2, 3.0)]);
        let r = personalized_pagerank(&g, &[(0, 2.0)], 0.85, 1000, 1e-15);
        let r0 = 0.15 / (1.0 - 0.85 * 0.85);
        assert!(close(r[0], r0), "{r:?}");
        assert!(close(r[1], 0.85 * r0 * 0.25), "{r:?}");
        assert!(close(r[2], 0.85 * r0 * 0.75), "{r:?}");
        assert!(close(r[3], 0.0), "{r:?}");
        assert!(close(r.iter().sum::<f64>(), 1.0));
    }

    #[test]
    fn ranks_sum_to_one_and_seeds_dominate() {
        let mut edges = Vec::new();
        for i in 0..30u32 {
            edges.push((i, (i + 1) % 30, 1.0 + (i % 3) as f64));
            edges.push((i, (i * 7) % 30, 0.5));
        }
        let g = WeightedGraph::from_edges(31, &edges);
        let r = personalized_pagerank(&g, &[(4, 1.0), (20, 0.5), (99, 1.0), (5, f64::NAN)], 0.85, 100, 1e-12);
        assert_eq!(r.len(), 31);
        assert!(close(r.iter().sum::<f64>(), 1.0));
        let best = (0..31).max_by(|&a, &b| r[a].total_cmp(&r[b])).unwrap();
        assert_eq!(best, 4);
        assert!(r[20] > r[12]);
        assert!(close(r[30], 0.0));
    }

    #[test]
    fn without_seeds_it_is_uniform_pagerank() {
        let g = WeightedGraph::from_edges(3, &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)]);
        let r = personalized_pagerank(&g, &[], 0.85, 100, 1e-12);
        for x in &r {
            assert!(close(*x, 1.0 / 3.0));
        }
        assert!(personalized_pagerank(&WeightedGraph::default(), &[(0, 1.0)], 0.85, 10, 0.0).is_empty());
    }
}
