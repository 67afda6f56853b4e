//! Ordered iteration over one version of the tree between two bounds.
//!
//! The iterator holds the root-to-leaf path of `Arc`s it is walking, so it keeps that
//! version alive and never sees later writes.

use std::ops::Bound;
use std::sync::Arc;

use super::node::Node;

/// Entries of a tree version in ascending key order, within a key range.
pub struct RangeIter {
    /// (node, next index): for a leaf the next entry, for an inner node the next child.
    stack: Vec<(Arc<Node>, usize)>,
    end: Bound<Vec<u8>>,
}

impl RangeIter {
    pub(crate) fn new(root: Arc<Node>, start: Bound<&[u8]>, end: Bound<&[u8]>) -> Self {
        let mut stack = Vec::new();
        let mut node = root;
        loop {
            match node.as_ref() {
                Node::Inner(inner) => {
                    let idx = match start {
                        Bound::Included(key) | Bound::Excluded(key) => inner.child_index(key),
                        Bound::Unbounded => 0,
                    };
                    let child = inner.children[idx].clone();
                    stack.push((node, idx + 1));
                    node = child;
                }
                Node::Leaf(leaf) => {
                    let idx = match start {
                        Bound::Included(key) => leaf.keys.partition_point(|k| k.as_ref() < key),
                        Bound::Excluded(key) => leaf.keys.partition_point(|k| k.as_ref() <= key),
                        Bound::Unbounded => 0,
                    };
                    stack.push((node, idx));
                    break;
                }
            }
        }
        Self { stack, end: end.map(<[u8]>::to_vec) }
    }
}

fn before_end(end: &Bound<Vec<u8>>, key: &[u8]) -> bool {
    match end {
        Bound::Included(end) => key <= end.as_slice(),
        Bound::Excluded(end) => key < end.as_slice(),
        Bound::Unbounded => true,
    }
}

impl Iterator for RangeIter {
    type Item = (Vec<u8>, Vec<u8>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (node, idx) = self.stack.last_mut()?;
            match node.as_ref() {
                Node::Leaf(leaf) => {
                    if let (Some(key), Some(value)) = (leaf.keys.get(*idx), leaf.values.get(*idx)) {
                        *idx += 1;
                        if !before_end(&self.end, key) {
                            self.stack.clear();
                            return None;
                        }
                        return Some((key.to_vec(), value.to_vec()));
                    }
                    self.stack.pop();
                }
                Node::Inner(inner) => match inner.children.get(*idx).cloned() {
                    Some(child) => {
                        *idx += 1;
                        let mut node = child;
                        while let Node::Inner(inner) = node.as_ref() {
                            let first = inner.children[0].clone();
                            self.stack.push((node, 1));
                            node = first;
                        }
                        self.stack.push((node, 0));
                    }
                    None => {
                        self.stack.pop();
                    }
                },
            }
        }
    }
}
