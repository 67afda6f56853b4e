//! [`WeightedGraph`]: an undirected weighted graph as sorted adjacency lists, the input of
//! every algorithm in [`crate::algo`].

/// An undirected graph over nodes `0..nodes` with positive edge weights. Each edge appears
/// in the adjacency list of both ends (a self-loop once, in its node's list); lists are
/// sorted by neighbour id and hold each neighbour once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WeightedGraph {
    pub nodes: usize,
    pub adjacency: Vec<Vec<(u32, f64)>>,
}

impl WeightedGraph {
    /// A graph of `nodes` nodes from `(a, b, weight)` triples. Repeated edges are merged by
    /// adding their weights; edges naming a node outside `0..nodes` or with a weight that is
    /// not a positive finite number are skipped.
    pub fn from_edges(nodes: usize, edges: &[(u32, u32, f64)]) -> WeightedGraph {
        let mut adjacency: Vec<Vec<(u32, f64)>> = vec![Vec::new(); nodes];
        for &(a, b, weight) in edges {
            if (a as usize) >= nodes || (b as usize) >= nodes || !weight.is_finite() || weight <= 0.0 {
                continue;
            }
            adjacency[a as usize].push((b, weight));
            if a != b {
                adjacency[b as usize].push((a, weight));
            }
        }
        for list in &mut adjacency {
            list.sort_by_key(|&(neighbour, _)| neighbour);
            list.dedup_by(|later, kept| {
                if later.0 == kept.0 {
                    kept.1 += later.1;
                    true
                } else {
                    false
                }
            });
        }
        WeightedGraph { nodes, adjacency }
    }

    /// The neighbours of `node` with the edge weights (empty for a node out of range).
    pub fn neighbours(&self, node: u32) -> &[(u32, f64)] {
        self.adjacency.get(node as usize).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The sum of the weights of `node`'s edges (a self-loop counted once).
    pub fn strength(&self, node: u32) -> f64 {
        self.neighbours(node).iter().map(|&(_, w)| w).sum()
    }

    /// The number of distinct edges (a self-loop is one).
    pub fn edge_count(&self) -> usize {
        self.adjacency
            .iter()
            .enumerate()
            .map(|(node, list)| list.iter().filter(|&&(other, _)| other as usize >= node).count())
            .sum()
    }

    /// The largest edge weight, 0 for a graph without edges.
    pub fn max_weight(&self) -> f64 {
        self.adjacency.iter().flatten().map(|&(_, w)| w).fold(0.0, f64::max)
    }

    /// The weight of the edge between `a` and `b`, if there is one.
    pub fn weight(&self, a: u32, b: u32) -> Option<f64> {
        let list = self.neighbours(a);
        list.binary_search_by_key(&b, |&(n, _)| n).ok().map(|i| list[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_undirected_merged_and_checked() {
        let g = WeightedGraph::from_edges(
            4,
            &[(0, 1, 1.0), (1, 0, 2.0), (1, 2, 0.5), (2, 9, 1.0), (2, 3, f64::NAN), (3, 3, 4.0), (0, 2, -1.0)],
        );
        assert_eq!(g.neighbours(0), &[(1, 3.0)]);
        assert_eq!(g.neighbours(1), &[(0, 3.0), (2, 0.5)]);
        assert_eq!(g.neighbours(3), &[(3, 4.0)]);
        assert_eq!(g.edge_count(), 3);
        assert_eq!(g.weight(2, 1), Some(0.5));
        assert_eq!(g.weight(0, 3), None);
        assert_eq!(g.strength(1), 3.5);
        assert_eq!(g.max_weight(), 4.0);
        assert!(g.neighbours(17).is_empty());
    }
}
