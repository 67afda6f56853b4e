//! B+ tree nodes and the edits on one level of the tree: search, insert with split,
//! and borrow / merge of an underfull child.
//!
//! Nodes are immutable once shared: an edit goes through [`Arc::make_mut`], which copies
//! a node that another root (a published tree, a [`super::TreeSnapshot`]) still refers
//! to and edits in place a node only the writer holds. Keys and values are `Arc<[u8]>`,
//! so copying a node copies reference counts, not bytes.

use std::sync::Arc;

pub(crate) type Bytes = Arc<[u8]>;

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Leaf(Leaf),
    Inner(Inner),
}

/// Sorted keys and their values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Leaf {
    pub keys: Vec<Bytes>,
    pub values: Vec<Bytes>,
}

/// `children.len() == keys.len() + 1`; every key under `children[i]` is `>= keys[i - 1]`
/// and `< keys[i]`.
#[derive(Debug, Clone)]
pub(crate) struct Inner {
    pub keys: Vec<Bytes>,
    pub children: Vec<Arc<Node>>,
}

/// Fill limits derived from `max_keys_per_node`: a node other than the root holds
/// between `min` and `max` keys.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fill {
    pub max: usize,
    pub min: usize,
}

impl Fill {
    pub fn new(max_keys_per_node: usize) -> Self {
        Self { max: max_keys_per_node, min: max_keys_per_node / 2 }
    }
}

impl Node {
    pub fn empty_leaf() -> Self {
        Node::Leaf(Leaf::default())
    }

    pub fn key_count(&self) -> usize {
        match self {
            Node::Leaf(leaf) => leaf.keys.len(),
            Node::Inner(inner) => inner.keys.len(),
        }
    }
}

impl Inner {
    /// Index of the child whose key range holds `key`.
    pub fn child_index(&self, key: &[u8]) -> usize {
        self.keys.partition_point(|sep| sep.as_ref() <= key)
    }
}

/// A node that overflowed: the separator to insert into its parent and the new right
/// sibling.
pub(crate) struct Split {
    pub separator: Bytes,
    pub right: Arc<Node>,
}

/// Splits a leaf holding more than `fill.max` keys in two.
pub(crate) fn split_leaf(leaf: &mut Leaf) -> Split {
    let mid = leaf.keys.len() / 2;
    let keys = leaf.keys.split_off(mid);
    let values = leaf.values.split_off(mid);
    let separator = keys[0].clone();
    Split { separator, right: Arc::new(Node::Leaf(Leaf { keys, values })) }
}

/// Splits an inner node holding more than `fill.max` keys in two, moving the middle key
/// up to the parent.
pub(crate) fn split_inner(inner: &mut Inner) -> Split {
    let mid = inner.keys.len() / 2;
    let mut keys = inner.keys.split_off(mid);
    let separator = keys.remove(0);
    let children = inner.children.split_off(mid + 1);
    Split { separator, right: Arc::new(Node::Inner(Inner { keys, children })) }
}

/// Restores the fill of `parent.children[idx]` after a delete left it with fewer than
/// `fill.min` keys: borrows a key from a sibling that can spare one, otherwise merges
/// the child with a sibling (removing one separator from `parent`).
pub(crate) fn rebalance_child(parent: &mut Inner, idx: usize, fill: Fill) {
    if idx > 0 && parent.children[idx - 1].key_count() > fill.min {
        borrow_from_left(parent, idx);
    } else if idx + 1 < parent.children.len() && parent.children[idx + 1].key_count() > fill.min {
        borrow_from_right(parent, idx);
    } else if idx > 0 {
        merge_with_right(parent, idx - 1);
    } else if idx + 1 < parent.children.len() {
        merge_with_right(parent, idx);
    }
}

fn borrow_from_left(parent: &mut Inner, idx: usize) {
    let (before, after) = parent.children.split_at_mut(idx);
    let left = Arc::make_mut(&mut before[idx - 1]);
    let right = Arc::make_mut(&mut after[0]);
    let separator = &mut parent.keys[idx - 1];
    match (left, right) {
        (Node::Leaf(left), Node::Leaf(right)) => {
            if let (Some(key), Some(value)) = (left.keys.pop(), left.values.pop()) {
                *separator = key.clone();
                right.keys.insert(0, key);
                right.values.insert(0, value);
            }
        }
        (Node::Inner(left), Node::Inner(right)) => {
            if let (Some(key), Some(child)) = (left.keys.pop(), left.children.pop()) {
                let down = std::mem::replace(separator, key);
                right.keys.insert(0, down);
                right.children.insert(0, child);
            }
        }
        _ => unreachable!("siblings are at the same depth"),
    }
}

fn borrow_from_right(parent: &mut Inner, idx: usize) {
    let (before, after) = parent.children.split_at_mut(idx + 1);
    let left = Arc::make_mut(&mut before[idx]);
    let right = Arc::make_mut(&mut after[0]);
    let separator = &mut parent.keys[idx];
    match (left, right) {
        (Node::Leaf(left), Node::Leaf(right)) => {
            left.keys.push(right.keys.remove(0));
            left.values.push(right.values.remove(0));
            *separator = right.keys[0].clone();
        }
        (Node::Inner(left), Node::Inner(right)) => {
            let up = right.keys.remove(0);
            left.keys.push(std::mem::replace(separator, up));
            left.children.push(right.children.remove(0));
        }
        _ => unreachable!("siblings are at the same depth"),
    }
}

/// Moves everything of `children[idx + 1]` into `children[idx]` and drops the separator
/// between them.
fn merge_with_right(parent: &mut Inner, idx: usize) {
    let separator = parent.keys.remove(idx);
    let right = parent.children.remove(idx + 1);
    let right = Arc::try_unwrap(right).unwrap_or_else(|shared| (*shared).clone());
    match (Arc::make_mut(&mut parent.children[idx]), right) {
        (Node::Leaf(left), Node::Leaf(right)) => {
            left.keys.extend(right.keys);
            left.values.extend(right.values);
        }
        (Node::Inner(left), Node::Inner(right)) => {
            left.keys.push(separator);
            left.keys.extend(right.keys);
            left.children.extend(right.children);
        }
        _ => unreachable!("siblings are at the same depth"),
    }
}
