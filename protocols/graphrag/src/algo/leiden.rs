//! Community detection by the Leiden algorithm (Traag, Waltman & van Eck 2019, "From
//! Louvain to Leiden: guaranteeing well-connected communities"), optimising modularity with
//! a resolution parameter, and a hierarchy of coarser levels on top of it.
//!
//! One run of [`leiden`] repeats three phases until no node moves: fast local moving
//! (a queue of nodes, each moved to the neighbouring community with the best modularity
//! gain), refinement (inside each community, well-connected singletons merge into
//! well-connected sub-communities, chosen at random in proportion to exp(gain / 0.01)),
//! and aggregation of the refined communities into the nodes of the next pass, whose
//! starting partition is the unrefined one. The random order and choices come from a
//! seeded generator, so a graph and a seed always give the same communities.

use super::rng::SplitMix64;
use super::WeightedGraph;
use std::collections::VecDeque;

/// The resolution of modularity used when a caller gives none (or a bad one).
pub const DEFAULT_RESOLUTION: f64 = 1.0;
/// Each level above the first is detected at this fraction of the resolution of the level below.
pub const LEVEL_RESOLUTION_FACTOR: f64 = 0.5;
/// The randomness θ of the refinement phase (the paper's and leidenalg's default).
const RANDOMNESS: f64 = 0.01;
/// Passes of local moving, refinement and aggregation at most in one run.
const MAX_PASSES: usize = 32;
const EPSILON: f64 = 1e-12;

/// Hierarchical communities of `graph`: up to `max_levels` levels, level 0 the finest.
/// Each level is a community id per ORIGINAL node (ids `0..count`, numbered in the order of
/// each community's smallest node). Level 0 is a Leiden run at `resolution`; level `l + 1`
/// runs Leiden over the graph of level `l`'s communities at half the resolution, so every
/// community of a level is a union of communities of the level below. Levels stop when a
/// level merges nothing. An empty graph or `max_levels == 0` gives no level.
pub fn hierarchical(graph: &WeightedGraph, seed: u64, resolution: f64, max_levels: usize) -> Vec<Vec<u32>> {
    if graph.nodes == 0 || max_levels == 0 {
        return Vec::new();
    }
    let mut gamma = if resolution.is_finite() && resolution > 0.0 { resolution } else { DEFAULT_RESOLUTION };
    let base = Net::from_graph(graph);
    let mut rng = SplitMix64::new(seed);
    let mut current = run(&base, gamma, &mut rng);
    let mut count = community_count(&current);
    let mut levels = vec![current.clone()];
    while levels.len() < max_levels {
        gamma *= LEVEL_RESOLUTION_FACTOR;
        let net = base.aggregate(&current, count);
        let merged = run(&net, gamma, &mut rng);
        let merged_count = community_count(&merged);
        if merged_count == count {
            break;
        }
        current = current.iter().map(|&c| merged[c as usize]).collect();
        count = renumber(&mut current);
        levels.push(current.clone());
    }
    levels
}

/// One Leiden run over `graph` from singletons: a community id per node, numbered in the
/// order of each community's smallest node.
pub fn leiden(graph: &WeightedGraph, seed: u64, resolution: f64) -> Vec<u32> {
    let gamma = if resolution.is_finite() && resolution > 0.0 { resolution } else { DEFAULT_RESOLUTION };
    run(&Net::from_graph(graph), gamma, &mut SplitMix64::new(seed))
}

/// Modularity of `communities` (an id per node) at `resolution`:
/// Σ_c [ e_c / m − γ (K_c / 2m)² ], 0 for a graph without edges.
pub fn modularity(graph: &WeightedGraph, communities: &[u32], resolution: f64) -> f64 {
    let net = Net::from_graph(graph);
    if net.total <= 0.0 || communities.len() != graph.nodes {
        return 0.0;
    }
    let count = communities.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut internal = vec![0.0; count];
    let mut strength = vec![0.0; count];
    for v in 0..net.len() {
        let c = communities[v] as usize;
        strength[c] += net.strength[v];
        internal[c] += 2.0 * net.self_loops[v];
        for &(u, w) in net.neighbours(v) {
            if communities[u as usize] as usize == c {
                internal[c] += w;
            }
        }
    }
    let two_m = net.total;
    internal.iter().zip(&strength).map(|(e, k)| e / two_m - resolution * (k / two_m) * (k / two_m)).sum()
}

fn community_count(communities: &[u32]) -> usize {
    communities.iter().map(|&c| c as usize + 1).max().unwrap_or(0)
}

/// Renumbers ids in order of first occurrence; returns how many there are.
fn renumber(communities: &mut [u32]) -> usize {
    let mut map: Vec<u32> = vec![u32::MAX; communities.len()];
    let mut next = 0u32;
    for c in communities.iter_mut() {
        let slot = &mut map[*c as usize];
        if *slot == u32::MAX {
            *slot = next;
            next += 1;
        }
        *c = *slot;
    }
    next as usize
}

/// A graph in compressed rows, self-loops apart: the form the phases work on, and what
/// aggregation produces (a community's inner weight becomes its node's self-loop).
#[derive(Clone)]
struct Net {
    offsets: Vec<usize>,
    edges: Vec<(u32, f64)>,
    self_loops: Vec<f64>,
    /// Weighted degree, a self-loop counted twice.
    strength: Vec<f64>,
    /// Σ strength = 2m.
    total: f64,
}

impl Net {
    fn from_graph(graph: &WeightedGraph) -> Net {
        let mut offsets = Vec::with_capacity(graph.nodes + 1);
        let mut edges = Vec::new();
        let mut self_loops = vec![0.0; graph.nodes];
        offsets.push(0);
        for (v, list) in graph.adjacency.iter().enumerate().take(graph.nodes) {
            for &(u, w) in list {
                if u as usize == v {
                    self_loops[v] += w;
                } else if (u as usize) < graph.nodes {
                    edges.push((u, w));
                }
            }
            offsets.push(edges.len());
        }
        while offsets.len() < graph.nodes + 1 {
            offsets.push(edges.len());
        }
        Net::with_strengths(offsets, edges, self_loops)
    }

    fn with_strengths(offsets: Vec<usize>, edges: Vec<(u32, f64)>, self_loops: Vec<f64>) -> Net {
        let strength: Vec<f64> = (0..self_loops.len())
            .map(|v| 2.0 * self_loops[v] + edges[offsets[v]..offsets[v + 1]].iter().map(|&(_, w)| w).sum::<f64>())
            .collect();
        let total = strength.iter().sum();
        Net { offsets, edges, self_loops, strength, total }
    }

    fn len(&self) -> usize {
        self.self_loops.len()
    }

    fn neighbours(&self, v: usize) -> &[(u32, f64)] {
        &self.edges[self.offsets[v]..self.offsets[v + 1]]
    }

    /// The graph of `communities` (ids `0..count`): one node per community.
    fn aggregate(&self, communities: &[u32], count: usize) -> Net {
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (v, &c) in communities.iter().enumerate() {
            members[c as usize].push(v);
        }
        let mut offsets = Vec::with_capacity(count + 1);
        let mut edges = Vec::new();
        let mut self_loops = vec![0.0; count];
        let mut weight_to = vec![0.0; count];
        let mut touched: Vec<u32> = Vec::new();
        offsets.push(0);
        for (c, nodes) in members.iter().enumerate() {
            let mut inner = 0.0;
            for &v in nodes {
                self_loops[c] += self.self_loops[v];
                for &(u, w) in self.neighbours(v) {
                    let other = communities[u as usize];
                    if other as usize == c {
                        inner += w;
                    } else {
                        if weight_to[other as usize] == 0.0 {
                            touched.push(other);
                        }
                        weight_to[other as usize] += w;
                    }
                }
            }
            self_loops[c] += inner / 2.0;
            touched.sort_unstable();
            for &other in &touched {
                edges.push((other, weight_to[other as usize]));
                weight_to[other as usize] = 0.0;
            }
            touched.clear();
            offsets.push(edges.len());
        }
        Net::with_strengths(offsets, edges, self_loops)
    }
}

/// A Leiden run: local moving, refinement and aggregation until every community is one node.
fn run(net: &Net, gamma: f64, rng: &mut SplitMix64) -> Vec<u32> {
    let n = net.len();
    let mut membership: Vec<u32> = (0..n as u32).collect();
    let mut partition: Vec<u32> = (0..n as u32).collect();
    if net.total <= 0.0 {
        return partition;
    }
    let mut owned: Option<Net> = None;
    for _ in 0..MAX_PASSES {
        let current = owned.as_ref().unwrap_or(net);
        move_nodes(current, &mut partition, gamma, rng);
        let count = renumber(&mut partition);
        if count == current.len() {
            break;
        }
        let mut refined = refine(current, &partition, count, gamma, rng);
        let mut refined_count = renumber(&mut refined);
        if refined_count == current.len() {
            refined = partition.clone();
            refined_count = count;
        }
        let aggregated = current.aggregate(&refined, refined_count);
        let mut next_partition = vec![0u32; refined_count];
        for (v, &r) in refined.iter().enumerate() {
            next_partition[r as usize] = partition[v];
        }
        for m in membership.iter_mut() {
            *m = refined[*m as usize];
        }
        owned = Some(aggregated);
        partition = next_partition;
    }
    let mut result: Vec<u32> = membership.iter().map(|&m| partition[m as usize]).collect();
    renumber(&mut result);
    result
}

/// Fast local moving: nodes in a queue (random order first), each moved to the neighbouring
/// community of largest modularity gain, or to an empty one when every choice loses; the
/// neighbours of a moved node outside its new community are queued again.
fn move_nodes(net: &Net, partition: &mut [u32], gamma: f64, rng: &mut SplitMix64) {
    let n = net.len();
    let scale = gamma / net.total;
    let mut community_strength = vec![0.0; n];
    let mut community_nodes = vec![0usize; n];
    for v in 0..n {
        community_strength[partition[v] as usize] += net.strength[v];
        community_nodes[partition[v] as usize] += 1;
    }
    let mut empty: Vec<u32> = (0..n as u32).rev().filter(|&c| community_nodes[c as usize] == 0).collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut order);
    let mut queue: VecDeque<u32> = order.into();
    let mut queued = vec![true; n];
    let mut weight_to = vec![0.0; n];
    let mut seen = vec![false; n];
    let mut touched: Vec<u32> = Vec::new();
    while let Some(v) = queue.pop_front() {
        let v = v as usize;
        queued[v] = false;
        let current = partition[v];
        let kv = net.strength[v];
        for &(u, w) in net.neighbours(v) {
            let c = partition[u as usize];
            if !seen[c as usize] {
                seen[c as usize] = true;
                touched.push(c);
            }
            weight_to[c as usize] += w;
        }
        community_strength[current as usize] -= kv;
        community_nodes[current as usize] -= 1;
        let mut best = current;
        let mut best_gain = weight_to[current as usize] - scale * kv * community_strength[current as usize];
        for &c in &touched {
            let gain = weight_to[c as usize] - scale * kv * community_strength[c as usize];
            if gain > best_gain + EPSILON {
                best = c;
                best_gain = gain;
            }
        }
        if best_gain < -EPSILON && community_nodes[current as usize] > 0 {
            if let Some(fresh) = empty.pop() {
                best = fresh;
            }
        }
        community_strength[best as usize] += kv;
        community_nodes[best as usize] += 1;
        if best != current {
            if community_nodes[current as usize] == 0 {
                empty.push(current);
            }
            partition[v] = best;
            for &(u, _) in net.neighbours(v) {
                let u = u as usize;
                if !queued[u] && partition[u] != best {
                    queued[u] = true;
                    queue.push_back(u as u32);
                }
            }
        }
        for &c in &touched {
            weight_to[c as usize] = 0.0;
            seen[c as usize] = false;
        }
        touched.clear();
    }
}

/// Refinement: inside each community of `partition`, starting from singletons, every
/// well-connected node still alone joins a well-connected sub-community of non-negative
/// gain, chosen at random with probability ∝ exp(gain / θ) (staying alone has gain 0).
fn refine(net: &Net, partition: &[u32], count: usize, gamma: f64, rng: &mut SplitMix64) -> Vec<u32> {
    let n = net.len();
    let scale = gamma / net.total;
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); count];
    let mut community_strength = vec![0.0; count];
    let mut inside = vec![0.0; n];
    for v in 0..n {
        let c = partition[v] as usize;
        members[c].push(v as u32);
        community_strength[c] += net.strength[v];
        inside[v] =
            net.neighbours(v).iter().filter(|&&(u, _)| partition[u as usize] as usize == c).map(|&(_, w)| w).sum();
    }
    let mut refined: Vec<u32> = (0..n as u32).collect();
    let mut refined_strength = net.strength.clone();
    let mut refined_external = inside.clone();
    let mut refined_size = vec![1usize; n];
    let mut weight_to = vec![0.0; n];
    let mut seen = vec![false; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut choices: Vec<(u32, f64)> = Vec::new();
    for (c, nodes) in members.iter_mut().enumerate() {
        let total_s = community_strength[c];
        rng.shuffle(nodes);
        for &v in nodes.iter() {
            let v = v as usize;
            let own = refined[v];
            let kv = net.strength[v];
            if refined_size[own as usize] != 1 || inside[v] < scale * kv * (total_s - kv) - EPSILON {
                continue;
            }
            for &(u, w) in net.neighbours(v) {
                if partition[u as usize] as usize != c {
                    continue;
                }
                let r = refined[u as usize];
                if !seen[r as usize] {
                    seen[r as usize] = true;
                    touched.push(r);
                }
                weight_to[r as usize] += w;
            }
            choices.clear();
            choices.push((own, 0.0));
            for &r in &touched {
                if r == own {
                    continue;
                }
                let strength_r = refined_strength[r as usize];
                if refined_external[r as usize] < scale * strength_r * (total_s - strength_r) - EPSILON {
                    continue;
                }
                let gain = weight_to[r as usize] - scale * kv * strength_r;
                if gain >= 0.0 {
                    choices.push((r, gain));
                }
            }
            let chosen = pick(&choices, rng);
            if chosen != own {
                let r = chosen as usize;
                refined_external[r] += inside[v] - 2.0 * weight_to[r];
                refined_strength[r] += kv;
                refined_size[r] += 1;
                refined_size[own as usize] = 0;
                refined_strength[own as usize] = 0.0;
                refined[v] = chosen;
            }
            for &r in &touched {
                weight_to[r as usize] = 0.0;
                seen[r as usize] = false;
            }
            touched.clear();
        }
    }
    refined
}

/// A random choice among `(community, gain)` with probability ∝ exp(gain / θ).
fn pick(choices: &[(u32, f64)], rng: &mut SplitMix64) -> u32 {
    let best = choices.iter().map(|&(_, g)| g).fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = choices.iter().map(|&(_, g)| ((g - best) / RANDOMNESS).exp()).collect();
    let total: f64 = weights.iter().sum();
    let mut draw = rng.next_f64() * total;
    for (&(c, _), w) in choices.iter().zip(&weights) {
        if draw < *w {
            return c;
        }
        draw -= w;
    }
    choices.last().map(|&(c, _)| c).unwrap_or(0)
}

#[cfg(test)]
#[path = "leiden_tests.rs"]
mod tests;
