//! The HNSW graph (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor
//! search using Hierarchical Navigable Small World graphs", 2016) over the slots of a
//! [`VectorStore`].
//!
//! * A node's top level is `floor(-ln(u)·mL)` with `mL = 1/ln(M)` and `u` drawn from a
//!   seeded hash of the caller's id, so one insert sequence always builds one graph.
//! * Levels above 0 keep at most `M` links per node, level 0 keeps `2·M`; a new node links
//!   to as many as its level keeps (`2·M` on level 0, as faiss does; the paper and hnswlib
//!   take `M` there, which on 100k uniform 64-d vectors cost 0.03–0.07 recall@10 at equal
//!   ef) chosen by the paper's heuristic (algorithm 4: a candidate is kept only if it is
//!   closer to the new node than to every neighbour kept before it), and a neighbour whose
//!   list overflows is pruned by the same heuristic.
//! * Every ordering is by (distance, slot), so ties never depend on heap internals.
//! * Removed slots stay in the graph and are walked through; searches only *report* the
//!   slots `accept` lets through (live and passing the caller's filter). When too many
//!   slots are dead the index compacts (see [`HnswGraph::consolidated`]).
//! * Inside the graph distances are *rank distances*: the squared Euclidean distance for
//!   L2 (same order, no square root per step), the metric's distance otherwise; a search
//!   turns them back into the metric's distance for its answer.
//!
//! A search works in the per-thread [`crate::scratch`] (visited set, heaps), so it costs
//! nothing proportional to the graph's size and allocates only its answer; the vectors of
//! a batch of fresh neighbours are prefetched before their distances are taken.

use std::cmp::Reverse;

use crate::kernels;
use crate::scratch::with_scratch;
use crate::store::VectorStore;
use crate::Metric;

/// The highest level a node can be drawn on.
pub const MAX_LEVEL: usize = 16;
/// "No slot": the entry point of an empty graph.
pub(crate) const NO_SLOT: u32 = u32::MAX;

/// A slot at a distance from the query, ordered by (distance, slot) through one `u64`
/// key: the distance's bits mapped so that unsigned order is `f32::total_cmp` order, then
/// the slot. Heaps of these compare with a single integer comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Near {
    key: u64,
}

impl Near {
    pub fn new(distance: f32, slot: u32) -> Self {
        let bits = distance.to_bits();
        let ordered = if bits & 0x8000_0000 != 0 { !bits } else { bits | 0x8000_0000 };
        Near { key: (u64::from(ordered) << 32) | u64::from(slot) }
    }

    pub fn distance(self) -> f32 {
        let ordered = (self.key >> 32) as u32;
        f32::from_bits(if ordered & 0x8000_0000 != 0 { ordered & 0x7FFF_FFFF } else { !ordered })
    }

    pub fn slot(self) -> u32 {
        self.key as u32
    }
}

/// The top level of the node of `id`: `floor(-ln(u)·mL)`, `u` in (0, 1] from a seeded hash.
pub fn draw_level(seed: u64, id: u64, m: usize) -> usize {
    let hash = splitmix64(seed ^ splitmix64(id));
    let u = ((hash >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let level_mult = 1.0 / (m.max(2) as f64).ln();
    let level = (-u.ln() * level_mult).floor();
    if level.is_finite() && level > 0.0 {
        (level as usize).min(MAX_LEVEL)
    } else {
        0
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The links of every slot on every level, and the entry point.
#[derive(Debug, Clone)]
pub(crate) struct HnswGraph {
    metric: Metric,
    m: usize,
    ef_construction: usize,
    seed: u64,
    /// The top level of each slot.
    levels: Vec<u8>,
    /// Level 0: `2·M + 1` words per slot, a count then the links.
    level0: Vec<u32>,
    /// Levels 1..=top of each slot: `M + 1` words per level, a count then the links.
    upper: Vec<Vec<u32>>,
    entry: u32,
    max_level: usize,
}

impl HnswGraph {
    pub fn new(metric: Metric, m: usize, ef_construction: usize, seed: u64) -> Self {
        HnswGraph {
            metric,
            m,
            ef_construction,
            seed,
            levels: Vec::new(),
            level0: Vec::new(),
            upper: Vec::new(),
            entry: NO_SLOT,
            max_level: 0,
        }
    }

    /// The graph of every slot of `store`, inserted in slot order.
    pub fn build(metric: Metric, m: usize, ef_construction: usize, seed: u64, store: &VectorStore) -> Self {
        let mut graph = HnswGraph::new(metric, m, ef_construction, seed);
        for slot in 0..store.slot_count() as u32 {
            graph.insert(slot, store);
        }
        graph
    }

    /// Number of slots in the graph.
    pub fn len(&self) -> usize {
        self.levels.len()
    }

    pub fn entry(&self) -> Option<u32> {
        (self.entry != NO_SLOT).then_some(self.entry)
    }

    pub fn max_level(&self) -> usize {
        self.max_level
    }

    pub fn level(&self, slot: u32) -> usize {
        self.levels.get(slot as usize).map_or(0, |&l| l as usize)
    }

    /// Most links a node keeps on `level`.
    pub fn capacity(&self, level: usize) -> usize {
        if level == 0 {
            2 * self.m
        } else {
            self.m
        }
    }

    fn block_range(&self, slot: u32, level: usize) -> std::ops::Range<usize> {
        let width = self.capacity(level) + 1;
        let start = if level == 0 { slot as usize * width } else { (level - 1) * width };
        start..start + width
    }

    /// The links of `slot` on `level` (empty for a slot or level it does not have).
    pub fn neighbours(&self, slot: u32, level: usize) -> &[u32] {
        let range = self.block_range(slot, level);
        let words =
            if level == 0 { self.level0.get(range) } else { self.upper.get(slot as usize).and_then(|u| u.get(range)) };
        match words {
            Some([count, links @ ..]) => &links[..(*count as usize).min(links.len())],
            _ => &[],
        }
    }

    /// Hints the CPU to load the link block of `slot` on `level`.
    #[inline]
    fn prefetch_links(&self, slot: u32, level: usize) {
        let range = self.block_range(slot, level);
        let words =
            if level == 0 { self.level0.get(range) } else { self.upper.get(slot as usize).and_then(|u| u.get(range)) };
        if let Some(words) = words {
            kernels::prefetch(words);
        }
    }

    /// Replaces the links of `slot` on `level`; false (and nothing changed) when the slot
    /// has no such level or there are more links than the level holds.
    pub fn set_neighbours(&mut self, slot: u32, level: usize, links: &[u32]) -> bool {
        let range = self.block_range(slot, level);
        let words = if level == 0 {
            self.level0.get_mut(range)
        } else {
            self.upper.get_mut(slot as usize).and_then(|u| u.get_mut(range))
        };
        match words {
            Some([count, rest @ ..]) if links.len() <= rest.len() => {
                *count = links.len() as u32;
                rest[..links.len()].copy_from_slice(links);
                true
            }
            _ => false,
        }
    }

    /// Appends `link` to the links of `slot` on `level`; false when the level is full.
    fn push_link(&mut self, slot: u32, level: usize, link: u32) -> bool {
        let range = self.block_range(slot, level);
        let words = if level == 0 {
            self.level0.get_mut(range)
        } else {
            self.upper.get_mut(slot as usize).and_then(|u| u.get_mut(range))
        };
        match words {
            Some([count, rest @ ..]) => match rest.get_mut(*count as usize) {
                Some(free) => {
                    *free = link;
                    *count += 1;
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    /// Appends a slot on levels 0..=`level` with no links yet (snapshot loading).
    pub fn push_unlinked(&mut self, level: usize) {
        let level = level.min(MAX_LEVEL);
        self.levels.push(level as u8);
        self.level0.extend(std::iter::repeat_n(0, self.capacity(0) + 1));
        self.upper.push(vec![0; level * (self.capacity(1) + 1)]);
    }

    /// Sets the entry point (snapshot loading); false when it is not a slot on `max_level`.
    pub fn set_entry(&mut self, entry: Option<u32>, max_level: usize) -> bool {
        match entry {
            None if self.levels.is_empty() && max_level == 0 => {
                self.entry = NO_SLOT;
                self.max_level = 0;
                true
            }
            Some(slot) if self.level(slot) == max_level && (slot as usize) < self.len() => {
                let top = self.levels.iter().map(|&l| l as usize).max().unwrap_or(0);
                if top != max_level {
                    return false;
                }
                self.entry = slot;
                self.max_level = max_level;
                true
            }
            _ => false,
        }
    }

    /// The rank distance from `query` to the vector in `slot`.
    #[inline]
    fn distance(&self, store: &VectorStore, query: &[f32], slot: u32) -> f32 {
        rank_distance(self.metric, query, store.vector(slot))
    }

    /// Links the next slot of `store` (`slot` must be `self.len()`) into the graph.
    pub fn insert(&mut self, slot: u32, store: &VectorStore) {
        if slot as usize != self.len() {
            return;
        }
        let level = draw_level(self.seed, store.id(slot), self.m);
        self.push_unlinked(level);
        if self.entry == NO_SLOT {
            self.entry = slot;
            self.max_level = level;
            return;
        }
        let query = store.vector(slot);
        let mut nearest = Near::new(self.distance(store, query, self.entry), self.entry);
        for l in (level + 1..=self.max_level).rev() {
            nearest = self.greedy(store, query, nearest, l);
        }
        for l in (0..=level.min(self.max_level)).rev() {
            let found = self.search_layer(store, query, &[nearest], self.ef_construction, l, &|_| true);
            let chosen = self.select(store, &found, self.capacity(l));
            let links: Vec<u32> = chosen.iter().map(|n| n.slot()).collect();
            self.set_neighbours(slot, l, &links);
            for near in &chosen {
                self.link(store, near.slot(), Near::new(near.distance(), slot), l);
            }
            if let Some(&first) = found.first() {
                nearest = first;
            }
        }
        if level > self.max_level {
            self.entry = slot;
            self.max_level = level;
        }
    }

    /// Adds `new` to the links of `from` on `level`, pruning by the heuristic when full.
    fn link(&mut self, store: &VectorStore, from: u32, new: Near, level: usize) {
        if self.push_link(from, level, new.slot()) {
            return;
        }
        let current = self.neighbours(from, level);
        let base = store.vector(from);
        let mut candidates: Vec<Near> =
            current.iter().map(|&slot| Near::new(self.distance(store, base, slot), slot)).collect();
        candidates.push(new);
        candidates.sort_unstable();
        let kept: Vec<u32> = self.select(store, &candidates, self.capacity(level)).iter().map(|n| n.slot()).collect();
        self.set_neighbours(from, level, &kept);
    }

    /// The neighbour-selection heuristic over `candidates` (ascending): a candidate is kept
    /// when no kept one is closer to it than the base is. Fewer candidates than `m` are
    /// all kept.
    fn select(&self, store: &VectorStore, candidates: &[Near], m: usize) -> Vec<Near> {
        if candidates.len() <= m {
            return candidates.to_vec();
        }
        let mut kept: Vec<Near> = Vec::with_capacity(m);
        for candidate in candidates {
            if kept.len() >= m {
                break;
            }
            let vector = store.vector(candidate.slot());
            let diverse = kept.iter().all(|k| self.distance(store, vector, k.slot()) >= candidate.distance());
            if diverse {
                kept.push(*candidate);
            }
        }
        kept
    }

    /// Greedy descent on one level: the closest node reachable by always moving closer.
    fn greedy(&self, store: &VectorStore, query: &[f32], start: Near, level: usize) -> Near {
        let mut best = start;
        loop {
            let current = best.slot();
            for &slot in self.neighbours(current, level) {
                let near = Near::new(self.distance(store, query, slot), slot);
                if near < best {
                    best = near;
                }
            }
            if best.slot() == current {
                return best;
            }
        }
    }

    /// The beam search of one level (algorithm 2): up to `ef` accepted slots nearest to
    /// `query` by rank distance, ascending. Rejected slots are walked through but not
    /// reported; while fewer than `ef` slots are accepted the search keeps expanding, so a
    /// selective `accept` explores until `ef` are found or the reachable graph is exhausted.
    pub fn search_layer(
        &self,
        store: &VectorStore,
        query: &[f32],
        entries: &[Near],
        ef: usize,
        level: usize,
        accept: &dyn Fn(u32) -> bool,
    ) -> Vec<Near> {
        let ef = ef.clamp(1, self.len().max(1));
        with_scratch(self.len(), |scratch| {
            let (candidates, results) = (&mut scratch.candidates, &mut scratch.results);
            for &entry in entries {
                if scratch.visited.insert(entry.slot()) {
                    candidates.push(Reverse(entry));
                    if accept(entry.slot()) {
                        results.push(entry);
                    }
                }
            }
            while results.len() > ef {
                results.pop();
            }
            while let Some(Reverse(current)) = candidates.pop() {
                if results.len() >= ef && results.peek().is_some_and(|worst| current > *worst) {
                    break;
                }
                // The links of the next candidate load while this one is expanded; the marks
                // of this one's neighbours load before they are tested.
                if let Some(Reverse(next)) = candidates.peek() {
                    self.prefetch_links(next.slot(), level);
                }
                let links = self.neighbours(current.slot(), level);
                for &slot in links {
                    scratch.visited.prefetch(slot);
                }
                // The fresh neighbours first, their vectors prefetched, then their distances:
                // independent loads the CPU overlaps.
                let fresh = &mut scratch.fresh;
                fresh.clear();
                for &slot in links {
                    if scratch.visited.insert(slot) {
                        fresh.push(slot);
                        prefetch_vector(store.vector(slot));
                    }
                }
                for &slot in fresh.iter() {
                    let near = Near::new(self.distance(store, query, slot), slot);
                    if results.len() < ef || results.peek().is_some_and(|worst| near < *worst) {
                        candidates.push(Reverse(near));
                        if accept(slot) {
                            results.push(near);
                            if results.len() > ef {
                                results.pop();
                            }
                        }
                    }
                }
            }
            let mut found: Vec<Near> = results.drain().collect();
            found.sort_unstable();
            found
        })
    }

    /// The graph without the dead slots of `old`, numbered like `compacted` (the live
    /// slots of `old` in order). A live node that linked to dead ones chooses, by the
    /// heuristic, among its live links and the live links of those dead nodes (their
    /// neighbourhood closes the gap they leave); a dead entry point passes to the first
    /// live node on the highest level. Much cheaper than rebuilding, and it keeps the
    /// rest of the graph as it was.
    pub fn consolidated(&self, old: &VectorStore, compacted: &VectorStore) -> HnswGraph {
        let mut renumbered = vec![NO_SLOT; self.len()];
        let mut next = 0u32;
        for (slot, new_slot) in renumbered.iter_mut().enumerate() {
            if old.is_live(slot as u32) {
                *new_slot = next;
                next += 1;
            }
        }
        let new_slot = |slot: u32| renumbered.get(slot as usize).copied().unwrap_or(NO_SLOT);
        let live = |slot: u32| new_slot(slot) != NO_SLOT;
        let mut graph = HnswGraph::new(self.metric, self.m, self.ef_construction, self.seed);
        for slot in (0..self.len() as u32).filter(|&s| live(s)) {
            graph.push_unlinked(self.level(slot));
        }
        let mut candidates: Vec<u32> = Vec::new();
        for slot in (0..self.len() as u32).filter(|&s| live(s)) {
            for level in 0..=self.level(slot) {
                let links = self.neighbours(slot, level);
                candidates.clear();
                candidates.extend(links.iter().copied().filter(|&n| live(n)));
                if candidates.len() < links.len() {
                    for &dead in links.iter().filter(|&&n| !live(n)) {
                        candidates
                            .extend(self.neighbours(dead, level).iter().copied().filter(|&n| n != slot && live(n)));
                    }
                    candidates.sort_unstable();
                    candidates.dedup();
                    let base = old.vector(slot);
                    let mut ranked: Vec<Near> =
                        candidates.iter().map(|&n| Near::new(self.distance(old, base, n), n)).collect();
                    ranked.sort_unstable();
                    candidates.clear();
                    candidates.extend(self.select(old, &ranked, self.capacity(level)).iter().map(|n| n.slot()));
                }
                let new_links: Vec<u32> = candidates.iter().map(|&n| new_slot(n)).collect();
                graph.set_neighbours(new_slot(slot), level, &new_links);
            }
        }
        let entry = if live(self.entry) {
            Some(self.entry)
        } else {
            let top = (0..self.len() as u32).filter(|&s| live(s)).map(|s| self.level(s)).max();
            top.and_then(|top| (0..self.len() as u32).find(|&s| live(s) && self.level(s) == top))
        };
        if let Some(entry) = entry {
            graph.entry = new_slot(entry);
            graph.max_level = self.level(entry);
        }
        debug_assert_eq!(graph.len(), compacted.slot_count());
        graph
    }

    /// Up to `ef` accepted slots nearest to `query`, ascending by (distance, slot), with the
    /// metric's distances.
    pub fn search(&self, store: &VectorStore, query: &[f32], ef: usize, accept: &dyn Fn(u32) -> bool) -> Vec<Near> {
        if self.entry == NO_SLOT {
            return Vec::new();
        }
        let mut nearest = Near::new(self.distance(store, query, self.entry), self.entry);
        for level in (1..=self.max_level).rev() {
            nearest = self.greedy(store, query, nearest, level);
        }
        let mut found = self.search_layer(store, query, &[nearest], ef, 0, accept);
        if self.metric == Metric::L2 {
            for near in &mut found {
                *near = Near::new(near.distance().sqrt() + 0.0, near.slot());
            }
            // Two squares can round to one root: order such ties by slot again.
            found.sort_unstable();
        }
        found
    }
}

/// The distance the graph orders by: squared L2 for L2 (the same order as L2 without a
/// square root), the metric's distance otherwise.
#[inline]
pub(crate) fn rank_distance(metric: Metric, a: &[f32], b: &[f32]) -> f32 {
    match metric {
        Metric::L2 => kernels::squared_l2(a, b),
        other => other.distance(a, b),
    }
}

/// Prefetches the first 256 bytes of `vector` (a 64-dimensional vector whole).
#[inline]
fn prefetch_vector(vector: &[f32]) {
    for line in vector.chunks(16).take(4) {
        kernels::prefetch(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_geometric_law_and_are_deterministic() {
        let m = 16;
        let levels: Vec<usize> = (0..100_000u64).map(|id| draw_level(0x5EED, id, m)).collect();
        assert_eq!(levels, (0..100_000u64).map(|id| draw_level(0x5EED, id, m)).collect::<Vec<_>>());
        // P(level >= 1) = 1/M.
        let above = levels.iter().filter(|&&l| l >= 1).count() as f64 / levels.len() as f64;
        assert!((above - 1.0 / 16.0).abs() < 0.005, "{above}");
        let above2 = levels.iter().filter(|&&l| l >= 2).count() as f64 / levels.len() as f64;
        assert!((above2 - 1.0 / 256.0).abs() < 0.001, "{above2}");
        assert_ne!(
            (0..1000u64).map(|id| draw_level(1, id, m)).collect::<Vec<_>>(),
            (0..1000u64).map(|id| draw_level(2, id, m)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn near_orders_like_total_cmp_then_slot_and_keeps_its_distance() {
        let distances = [f32::NEG_INFINITY, -3.5, -1e-30, 0.0, 1e-30, 0.25, 2.0, 1e30, f32::INFINITY];
        for &a in &distances {
            for &b in &distances {
                for (sa, sb) in [(1u32, 2u32), (2, 1), (5, 5)] {
                    let expected = a.total_cmp(&b).then(sa.cmp(&sb));
                    assert_eq!(Near::new(a, sa).cmp(&Near::new(b, sb)), expected, "{a} {sa} vs {b} {sb}");
                }
            }
            let near = Near::new(a, 77);
            assert_eq!((near.distance().to_bits(), near.slot()), (a.to_bits(), 77));
        }
    }

    fn store_of(points: &[[f32; 2]]) -> VectorStore {
        let mut store = VectorStore::new(2);
        for (id, p) in points.iter().enumerate() {
            store.push(id as u64, p);
        }
        store
    }

    #[test]
    fn links_respect_capacities_and_point_at_real_slots() {
        let points: Vec<[f32; 2]> = (0..400).map(|i| [(i % 20) as f32, (i / 20) as f32]).collect();
        let store = store_of(&points);
        let graph = HnswGraph::build(Metric::L2, 4, 32, 7, &store);
        assert_eq!(graph.len(), 400);
        for slot in 0..400u32 {
            for level in 0..=graph.level(slot) {
                let links = graph.neighbours(slot, level);
                assert!(links.len() <= graph.capacity(level));
                assert!(links.iter().all(|&n| n < 400 && n != slot));
                assert!(links.iter().all(|&n| graph.level(n) >= level));
            }
            assert!(!graph.neighbours(slot, 0).is_empty());
        }
        let entry = graph.entry().expect("entry");
        assert_eq!(graph.level(entry), graph.max_level());
    }

    /// Points spread in 24 dimensions, where the heuristic keeps most candidates.
    fn spread_store(count: usize, dim: usize) -> VectorStore {
        let mut store = VectorStore::new(dim);
        let mut state = 0x5EEDu64;
        for id in 0..count as u64 {
            let v: Vec<f32> = (0..dim)
                .map(|_| {
                    state = splitmix64(state);
                    (state >> 40) as f32 / (1u64 << 24) as f32
                })
                .collect();
            store.push(id, &v);
        }
        store
    }

    #[test]
    fn a_new_node_takes_up_to_two_m_links_on_level_zero_and_m_above() {
        let store = spread_store(600, 24);
        let m = 4;
        let mut graph = HnswGraph::new(Metric::L2, m, 64, 7);
        let mut above_m = 0;
        for slot in 0..store.slot_count() as u32 {
            graph.insert(slot, &store);
            // Right after its insertion a node holds only the links it chose itself.
            let own = graph.neighbours(slot, 0).len();
            assert!(own <= 2 * m, "slot {slot}: {own} links");
            above_m += usize::from(own > m);
            for level in 1..=graph.level(slot) {
                assert!(graph.neighbours(slot, level).len() <= m);
            }
        }
        assert!(above_m > 500, "level 0 should take 2·M links where the heuristic allows: {above_m}");
    }

    #[test]
    fn searches_report_the_metric_distance_not_the_rank_distance() {
        let store = spread_store(300, 24);
        for metric in [Metric::L2, Metric::Cosine, Metric::InnerProduct, Metric::L1] {
            let graph = HnswGraph::build(metric, 4, 32, 7, &store);
            let query = store.vector(17).iter().map(|x| x + 0.25).collect::<Vec<f32>>();
            let found = graph.search(&store, &query, 10, &|_| true);
            assert_eq!(found.len(), 10);
            for near in &found {
                let want = metric.distance(&query, store.vector(near.slot()));
                assert_eq!(near.distance().to_bits(), want.to_bits(), "{metric:?}");
            }
            assert!(found.windows(2).all(|w| w[0] <= w[1]), "{metric:?} ascending");
        }
    }

    #[test]
    fn a_grid_answers_its_own_points() {
        let points: Vec<[f32; 2]> = (0..400).map(|i| [(i % 20) as f32, (i / 20) as f32]).collect();
        let store = store_of(&points);
        let graph = HnswGraph::build(Metric::L2, 4, 32, 7, &store);
        for (slot, p) in points.iter().enumerate() {
            let found = graph.search(&store, p, 8, &|_| true);
            assert_eq!(found.first().map(|n| n.slot()), Some(slot as u32));
        }
    }

    #[test]
    fn rejected_slots_are_walked_but_not_reported() {
        let points: Vec<[f32; 2]> = (0..400).map(|i| [(i % 20) as f32, (i / 20) as f32]).collect();
        let store = store_of(&points);
        let graph = HnswGraph::build(Metric::L2, 4, 32, 7, &store);
        let found = graph.search(&store, &[0.0, 0.0], 5, &|slot| slot % 50 == 49);
        assert_eq!(found.len(), 5);
        assert!(found.iter().all(|n| n.slot() % 50 == 49));
        assert_eq!(found[0].slot(), 49);
    }
}
