//! The working memory of graph searches, kept per thread and reused: the visited set (an
//! array of epochs, so starting a search costs nothing proportional to the graph's size),
//! the candidate and result heaps and the batch of fresh neighbours. A search allocates
//! nothing but its answer once the scratch has grown to the graph's size.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::hnsw::Near;

/// Slots seen by the current search: a slot is visited when its mark is the epoch. Marks
/// are `u16` so the array of a 100,000-slot graph (200 KB) stays in the L2 cache; every
/// 65,535th search clears it.
#[derive(Default)]
pub(crate) struct Visited {
    marks: Vec<u16>,
    epoch: u16,
}

impl Visited {
    /// Forgets every mark (by moving to the next epoch) and makes room for `slots` slots.
    fn reset(&mut self, slots: usize) {
        if self.marks.len() < slots {
            self.marks.resize(slots, 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.marks.fill(0);
            self.epoch = 1;
        }
    }

    /// Hints the CPU to load the mark of `slot`.
    #[inline]
    pub fn prefetch(&self, slot: u32) {
        if let Some(mark) = self.marks.get(slot as usize..) {
            crate::kernels::prefetch(mark);
        }
    }

    /// Marks `slot`; true when it was not visited yet (a slot out of range counts as seen).
    #[inline]
    pub fn insert(&mut self, slot: u32) -> bool {
        match self.marks.get_mut(slot as usize) {
            Some(mark) if *mark != self.epoch => {
                *mark = self.epoch;
                true
            }
            _ => false,
        }
    }
}

/// Everything one layer search works in.
#[derive(Default)]
pub(crate) struct Scratch {
    pub visited: Visited,
    /// Slots to expand, nearest first.
    pub candidates: BinaryHeap<Reverse<Near>>,
    /// The best accepted slots so far, farthest on top.
    pub results: BinaryHeap<Near>,
    /// The not yet visited neighbours of the slot being expanded.
    pub fresh: Vec<u32>,
}

impl Scratch {
    fn reset(&mut self, slots: usize) {
        self.visited.reset(slots);
        self.candidates.clear();
        self.results.clear();
        self.fresh.clear();
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch, reset for a graph of `slots` slots (or with a fresh
/// one when it is in use, as when a caller's filter itself searches an index).
pub(crate) fn with_scratch<R>(slots: usize, mut f: impl FnMut(&mut Scratch) -> R) -> R {
    let pooled = SCRATCH.try_with(|cell| {
        cell.try_borrow_mut().ok().map(|mut scratch| {
            scratch.reset(slots);
            f(&mut scratch)
        })
    });
    match pooled {
        Ok(Some(result)) => result,
        _ => {
            let mut scratch = Scratch::default();
            scratch.reset(slots);
            f(&mut scratch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_search_forgets_the_marks_of_the_last() {
        let mut visited = Visited::default();
        visited.reset(4);
        assert!(visited.insert(2));
        assert!(!visited.insert(2));
        assert!(!visited.insert(9), "out of range counts as seen");
        visited.reset(10);
        assert!(visited.insert(2));
        assert!(visited.insert(9));
    }

    #[test]
    fn the_epoch_wrapping_round_clears_every_mark() {
        let mut visited = Visited::default();
        visited.reset(3);
        visited.insert(1);
        visited.epoch = u16::MAX;
        visited.marks[0] = 1;
        visited.reset(3);
        assert_eq!(visited.epoch, 1);
        assert!(visited.insert(0) && visited.insert(1) && visited.insert(2));
    }

    #[test]
    fn nested_searches_get_their_own_scratch() {
        let outer = with_scratch(8, |scratch| {
            assert!(scratch.visited.insert(3));
            scratch.results.push(Near::new(1.0, 3));
            let inner = with_scratch(8, |inner| {
                assert!(inner.results.is_empty());
                inner.visited.insert(3)
            });
            (inner, scratch.visited.insert(3), scratch.results.len())
        });
        assert_eq!(outer, (true, false, 1));
        with_scratch(8, |scratch| assert!(scratch.results.is_empty() && scratch.visited.insert(3)));
    }
}
