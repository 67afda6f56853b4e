//! The persistent copy-on-write B+ tree: an update copies the path from the root to the
//! leaf it changes and yields a new root; every other node is shared with the previous
//! version, which stays readable for as long as someone holds its root.

use std::sync::Arc;

use super::node::{rebalance_child, split_inner, split_leaf, Bytes, Fill, Inner, Leaf, Node, Split};

/// One version of the tree. Cloning it is cheap (the root's reference count) and the
/// clone is unaffected by later edits of the original.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    root: Arc<Node>,
    len: usize,
    fill: Fill,
}

impl Tree {
    pub fn new(max_keys_per_node: usize) -> Self {
        Self { root: Arc::new(Node::empty_leaf()), len: 0, fill: Fill::new(max_keys_per_node) }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn root(&self) -> &Arc<Node> {
        &self.root
    }

    pub fn get(&self, key: &[u8]) -> Option<&Bytes> {
        let mut node = self.root.as_ref();
        loop {
            match node {
                Node::Inner(inner) => node = inner.children[inner.child_index(key)].as_ref(),
                Node::Leaf(leaf) => {
                    return leaf.keys.binary_search_by(|k| k.as_ref().cmp(key)).ok().map(|i| &leaf.values[i]);
                }
            }
        }
    }

    pub fn insert(&mut self, key: &[u8], value: &[u8]) {
        let (split, added) = insert_into(&mut self.root, key, Bytes::from(value), self.fill);
        if added {
            self.len += 1;
        }
        if let Some(Split { separator, right }) = split {
            let left = std::mem::replace(&mut self.root, right.clone());
            self.root = Arc::new(Node::Inner(Inner { keys: vec![separator], children: vec![left, right] }));
        }
    }

    /// Removes `key`; false (and nothing copied) when it is absent.
    pub fn remove(&mut self, key: &[u8]) -> bool {
        if self.get(key).is_none() {
            return false;
        }
        remove_from(&mut self.root, key, self.fill);
        self.len -= 1;
        let collapsed = match self.root.as_ref() {
            Node::Inner(inner) if inner.keys.is_empty() => Some(inner.children[0].clone()),
            _ => None,
        };
        if let Some(child) = collapsed {
            self.root = child;
        }
        true
    }

    /// Calls `f` with every entry in ascending key order, stopping at the first error.
    pub fn try_for_each<E>(&self, mut f: impl FnMut(&[u8], &[u8]) -> Result<(), E>) -> Result<(), E> {
        fn walk<E>(node: &Node, f: &mut impl FnMut(&[u8], &[u8]) -> Result<(), E>) -> Result<(), E> {
            match node {
                Node::Leaf(leaf) => leaf.keys.iter().zip(&leaf.values).try_for_each(|(k, v)| f(k, v)),
                Node::Inner(inner) => inner.children.iter().try_for_each(|child| walk(child, f)),
            }
        }
        walk(&self.root, &mut f)
    }

    /// Builds a tree from strictly ascending entries, bottom up, with nodes filled as
    /// evenly as the fill limits allow.
    pub fn from_sorted(entries: Vec<(Bytes, Bytes)>, max_keys_per_node: usize) -> Self {
        let fill = Fill::new(max_keys_per_node);
        let len = entries.len();
        if len == 0 {
            return Self::new(max_keys_per_node);
        }
        let mut entries = entries.into_iter();
        let mut level: Vec<(Bytes, Arc<Node>)> = Vec::new();
        for size in group_sizes(len, fill.max) {
            let (keys, values): (Vec<Bytes>, Vec<Bytes>) = entries.by_ref().take(size).unzip();
            level.push((keys[0].clone(), Arc::new(Node::Leaf(Leaf { keys, values }))));
        }
        while level.len() > 1 {
            let mut nodes = level.into_iter();
            let mut parents = Vec::new();
            for size in group_sizes(nodes.len(), fill.max + 1) {
                let group: Vec<(Bytes, Arc<Node>)> = nodes.by_ref().take(size).collect();
                let first = group[0].0.clone();
                let keys = group[1..].iter().map(|(key, _)| key.clone()).collect();
                let children = group.into_iter().map(|(_, node)| node).collect();
                parents.push((first, Arc::new(Node::Inner(Inner { keys, children }))));
            }
            level = parents;
        }
        let root = level.pop().map(|(_, node)| node).unwrap_or_else(|| Arc::new(Node::empty_leaf()));
        Self { root, len, fill }
    }

    /// Checks the B+ tree invariants: keys strictly ascending and within the bounds set
    /// by the parent's separators, every node but the root between the minimum and
    /// maximum fill, every leaf at the same depth, `len` equal to the number of entries.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut leaf_depth = None;
        let count = check_node(&self.root, None, None, true, 0, self.fill, &mut leaf_depth)?;
        if count != self.len {
            return Err(format!("tree holds {count} entries but records len {}", self.len));
        }
        Ok(())
    }
}

/// Sizes of `ceil(count / max)` groups holding `count` items, differing by at most one.
fn group_sizes(count: usize, max: usize) -> impl Iterator<Item = usize> {
    let groups = count.div_ceil(max).max(1);
    let (base, extra) = (count / groups, count % groups);
    (0..groups).map(move |i| base + usize::from(i < extra))
}

fn insert_into(node: &mut Arc<Node>, key: &[u8], value: Bytes, fill: Fill) -> (Option<Split>, bool) {
    match Arc::make_mut(node) {
        Node::Leaf(leaf) => match leaf.keys.binary_search_by(|k| k.as_ref().cmp(key)) {
            Ok(i) => {
                leaf.values[i] = value;
                (None, false)
            }
            Err(i) => {
                leaf.keys.insert(i, Bytes::from(key));
                leaf.values.insert(i, value);
                let split = (leaf.keys.len() > fill.max).then(|| split_leaf(leaf));
                (split, true)
            }
        },
        Node::Inner(inner) => {
            let idx = inner.child_index(key);
            let (split, added) = insert_into(&mut inner.children[idx], key, value, fill);
            if let Some(Split { separator, right }) = split {
                inner.keys.insert(idx, separator);
                inner.children.insert(idx + 1, right);
            }
            let split = (inner.keys.len() > fill.max).then(|| split_inner(inner));
            (split, added)
        }
    }
}

/// Removes `key`, known to be present, from the subtree of `node`.
fn remove_from(node: &mut Arc<Node>, key: &[u8], fill: Fill) {
    match Arc::make_mut(node) {
        Node::Leaf(leaf) => {
            if let Ok(i) = leaf.keys.binary_search_by(|k| k.as_ref().cmp(key)) {
                leaf.keys.remove(i);
                leaf.values.remove(i);
            }
        }
        Node::Inner(inner) => {
            let idx = inner.child_index(key);
            remove_from(&mut inner.children[idx], key, fill);
            if inner.children[idx].key_count() < fill.min {
                rebalance_child(inner, idx, fill);
            }
        }
    }
}

fn check_node(
    node: &Node,
    lower: Option<&[u8]>,
    upper: Option<&[u8]>,
    is_root: bool,
    depth: usize,
    fill: Fill,
    leaf_depth: &mut Option<usize>,
) -> Result<usize, String> {
    let keys = match node {
        Node::Leaf(leaf) => &leaf.keys,
        Node::Inner(inner) => &inner.keys,
    };
    if keys.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(format!("keys not strictly ascending at depth {depth}"));
    }
    if let (Some(lower), Some(first)) = (lower, keys.first()) {
        if first.as_ref() < lower {
            return Err(format!("key below its separator at depth {depth}"));
        }
    }
    if let (Some(upper), Some(last)) = (upper, keys.last()) {
        if last.as_ref() >= upper {
            return Err(format!("key at or above its separator at depth {depth}"));
        }
    }
    if keys.len() > fill.max {
        return Err(format!("node at depth {depth} holds {} keys, more than {}", keys.len(), fill.max));
    }
    if !is_root && keys.len() < fill.min {
        return Err(format!("node at depth {depth} holds {} keys, fewer than {}", keys.len(), fill.min));
    }
    match node {
        Node::Leaf(leaf) => {
            if leaf.values.len() != leaf.keys.len() {
                return Err(format!(
                    "leaf at depth {depth} has {} keys and {} values",
                    leaf.keys.len(),
                    leaf.values.len()
                ));
            }
            match *leaf_depth {
                Some(expected) if expected != depth => {
                    Err(format!("leaves at depths {expected} and {depth}: tree not balanced"))
                }
                _ => {
                    *leaf_depth = Some(depth);
                    Ok(leaf.keys.len())
                }
            }
        }
        Node::Inner(inner) => {
            if inner.children.len() != inner.keys.len() + 1 {
                return Err(format!(
                    "inner node at depth {depth} has {} keys and {} children",
                    inner.keys.len(),
                    inner.children.len()
                ));
            }
            if is_root && inner.keys.is_empty() {
                return Err("inner root without separators".into());
            }
            let mut count = 0;
            for (i, child) in inner.children.iter().enumerate() {
                let low = if i == 0 { lower } else { Some(inner.keys[i - 1].as_ref()) };
                let high = inner.keys.get(i).map(|k| k.as_ref()).or(upper);
                count += check_node(child, low, high, false, depth + 1, fill, leaf_depth)?;
            }
            Ok(count)
        }
    }
}
