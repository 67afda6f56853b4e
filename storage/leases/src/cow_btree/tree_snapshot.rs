//! [`TreeSnapshot`]: a point-in-time, read-only view of the store.

use std::ops::{Bound, RangeBounds};

use super::range::RangeIter;
use super::tree::Tree;

/// The store as of one batch. Holding it keeps that version's nodes alive; later writes
/// copy the nodes they change and never affect it.
#[derive(Debug, Clone)]
pub struct TreeSnapshot {
    pub(crate) tree: Tree,
    pub(crate) sequence: u64,
}

impl TreeSnapshot {
    /// The sequence number of the last batch this view includes (0 for none).
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    pub fn len(&self) -> usize {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.len() == 0
    }

    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.tree.get(key).map(|value| value.to_vec())
    }

    /// Entries with keys in `range`, ascending, e.g. `range(b"a".as_slice()..b"m".as_slice())`.
    pub fn range<K: AsRef<[u8]> + ?Sized, R: RangeBounds<K>>(&self, range: R) -> RangeIter {
        let start = range.start_bound().map(|k| k.as_ref());
        let end = range.end_bound().map(|k| k.as_ref());
        RangeIter::new(self.tree.root().clone(), start, end)
    }

    /// Every entry, ascending.
    pub fn iter(&self) -> RangeIter {
        RangeIter::new(self.tree.root().clone(), Bound::Unbounded, Bound::Unbounded)
    }

    /// Entries whose key starts with `prefix`, ascending.
    pub fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        RangeIter::new(self.tree.root().clone(), Bound::Included(prefix), Bound::Unbounded)
            .take_while(|(key, _)| key.starts_with(prefix))
            .collect()
    }

    /// Checks the B+ tree invariants (sorted keys, fill factors, equal leaf depth); a
    /// description of the first violation otherwise. For tests and debugging.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.tree.check_invariants()
    }
}
