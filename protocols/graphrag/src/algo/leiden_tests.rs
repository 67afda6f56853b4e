//! Tests of [`super`]: planted communities, determinism, hierarchy levels.

use super::*;

fn clique(edges: &mut Vec<(u32, u32, f64)>, nodes: std::ops::Range<u32>, weight: f64) {
    for a in nodes.clone() {
        for b in (a + 1)..nodes.end {
            edges.push((a, b, weight));
        }
    }
}

fn groups(communities: &[u32], size: usize) -> Vec<Vec<u32>> {
    communities.chunks(size).map(|c| c.to_vec()).collect()
}

fn assert_planted(communities: &[u32], block: usize) {
    for (i, chunk) in groups(communities, block).iter().enumerate() {
        assert!(chunk.iter().all(|&c| c == chunk[0]), "block {i} split: {communities:?}");
    }
    let mut firsts: Vec<u32> = groups(communities, block).iter().map(|c| c[0]).collect();
    let blocks = firsts.len();
    firsts.dedup();
    assert_eq!(firsts.len(), blocks, "blocks merged: {communities:?}");
}

#[test]
fn two_cliques_joined_by_one_edge() {
    let mut edges = Vec::new();
    clique(&mut edges, 0..6, 1.0);
    clique(&mut edges, 6..12, 1.0);
    edges.push((5, 6, 1.0));
    let g = WeightedGraph::from_edges(12, &edges);
    let c = leiden(&g, 42, 1.0);
    assert_eq!(c, vec![0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    assert!(modularity(&g, &c, 1.0) > modularity(&g, &[0; 12], 1.0));
}

#[test]
fn ring_of_cliques_finds_every_clique() {
    let mut edges = Vec::new();
    for k in 0..10u32 {
        clique(&mut edges, k * 5..k * 5 + 5, 1.0);
        edges.push((k * 5 + 4, ((k + 1) % 10) * 5, 1.0));
    }
    let g = WeightedGraph::from_edges(50, &edges);
    for seed in [1, 42, 7777] {
        let c = leiden(&g, seed, 1.0);
        assert_planted(&c, 5);
        assert_eq!(*c.iter().max().unwrap(), 9);
    }
}

#[test]
fn planted_partition_with_noise_is_recovered() {
    // Eight blocks of 25 nodes: dense inside (p = 0.5), sparse across (p = 0.01).
    let mut rng = crate::algo::rng::SplitMix64::new(3);
    let mut edges = Vec::new();
    for a in 0..200u32 {
        for b in (a + 1)..200 {
            let p = if a / 25 == b / 25 { 0.5 } else { 0.01 };
            if rng.next_f64() < p {
                edges.push((a, b, 1.0));
            }
        }
    }
    let g = WeightedGraph::from_edges(200, &edges);
    let c = leiden(&g, 42, 1.0);
    assert_planted(&c, 25);
}

#[test]
fn communities_are_deterministic_for_a_seed() {
    let mut rng = crate::algo::rng::SplitMix64::new(11);
    let mut edges = Vec::new();
    for _ in 0..600 {
        let a = rng.below(150) as u32;
        let b = rng.below(150) as u32;
        edges.push((a, b, 1.0 + rng.below(4) as f64));
    }
    let g = WeightedGraph::from_edges(150, &edges);
    let first = hierarchical(&g, 42, 1.0, 4);
    assert_eq!(first, hierarchical(&g, 42, 1.0, 4));
    assert_eq!(leiden(&g, 9, 1.0), leiden(&g, 9, 1.0));
    let q = modularity(&g, &first[0], 1.0);
    assert!(q > 0.3, "modularity {q}");
}

#[test]
fn communities_are_connected() {
    // Two triangles with no edge between them, and an isolated node.
    let g =
        WeightedGraph::from_edges(7, &[(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0), (3, 4, 1.0), (4, 5, 1.0), (3, 5, 1.0)]);
    let levels = hierarchical(&g, 1, 1.0, 5);
    assert_eq!(levels, vec![vec![0, 0, 0, 1, 1, 1, 2]]);
}

#[test]
fn levels_get_coarser_and_nest() {
    // Two groups joined by one edge; each group is two 6-cliques joined by six edges.
    let mut edges = Vec::new();
    for k in 0..4u32 {
        clique(&mut edges, k * 6..k * 6 + 6, 1.0);
    }
    for i in 0..6u32 {
        edges.push((i, 6 + i, 1.0));
        edges.push((12 + i, 18 + i, 1.0));
    }
    edges.push((11, 12, 1.0));
    let g = WeightedGraph::from_edges(24, &edges);
    let levels = hierarchical(&g, 42, 1.0, 5);
    assert_eq!(levels.len(), 2, "{levels:?}");
    assert_planted(&levels[0], 6);
    assert_planted(&levels[1], 12);
    for v in 0..24 {
        for u in 0..24 {
            if levels[0][v] == levels[0][u] {
                assert_eq!(levels[1][v], levels[1][u]);
            }
        }
    }
    assert_eq!(hierarchical(&g, 42, 1.0, 1).len(), 1);
    assert!(hierarchical(&g, 42, 1.0, 0).is_empty());
}

#[test]
fn degenerate_graphs() {
    assert!(hierarchical(&WeightedGraph::default(), 1, 1.0, 3).is_empty());
    let lonely = WeightedGraph::from_edges(3, &[]);
    assert_eq!(hierarchical(&lonely, 1, 1.0, 3), vec![vec![0, 1, 2]]);
    let looped = WeightedGraph::from_edges(2, &[(0, 0, 2.0), (1, 1, 2.0)]);
    assert_eq!(leiden(&looped, 1, f64::NAN), vec![0, 1]);
}
