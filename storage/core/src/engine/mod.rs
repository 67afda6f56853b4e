//! The ordered key-value engine under [`crate::KvTableStorage`].
//!
//! An engine stores byte keys in byte order. Writes arrive as one [`WriteBatch`] applied
//! atomically; reads go through a [`KvSnapshot`], a consistent point-in-time view.
//! Snapshot reads are async so that engines whose data lives behind actors can serve them.
//!
//! Implementations: [`MemoryEngine`] (here), `RocksEngine` (orbit-rocksdb) and
//! `ActorEngine` (orbit-actors).

mod memory;

pub use memory::MemoryEngine;

use crate::error::StorageResult;
use async_trait::async_trait;
use std::ops::Bound;
use std::sync::Arc;

pub type KvPair = (Vec<u8>, Vec<u8>);

/// One operation of a write batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    Put {
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Delete {
        key: Vec<u8>,
    },
    /// Deletes every key in `[start, end)`.
    DeleteRange {
        start: Vec<u8>,
        end: Vec<u8>,
    },
}

/// Operations applied all together or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    pub ops: Vec<WriteOp>,
}

impl WriteBatch {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn put(&mut self, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.ops.push(WriteOp::Put { key: key.into(), value: value.into() });
    }
    pub fn delete(&mut self, key: impl Into<Vec<u8>>) {
        self.ops.push(WriteOp::Delete { key: key.into() });
    }
    pub fn delete_range(&mut self, start: impl Into<Vec<u8>>, end: impl Into<Vec<u8>>) {
        self.ops.push(WriteOp::DeleteRange { start: start.into(), end: end.into() });
    }
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
    pub fn len(&self) -> usize {
        self.ops.len()
    }
}

/// A key range with owned bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub start: Bound<Vec<u8>>,
    pub end: Bound<Vec<u8>>,
}

impl KeyRange {
    pub fn all() -> Self {
        KeyRange { start: Bound::Unbounded, end: Bound::Unbounded }
    }

    /// Every key that starts with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        KeyRange {
            start: Bound::Included(prefix.to_vec()),
            end: match prefix_end(prefix) {
                Some(end) => Bound::Excluded(end),
                None => Bound::Unbounded,
            },
        }
    }

    /// `[start, end)`.
    pub fn between(start: &[u8], end: &[u8]) -> Self {
        KeyRange { start: Bound::Included(start.to_vec()), end: Bound::Excluded(end.to_vec()) }
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        let above = match &self.start {
            Bound::Included(s) => key >= s.as_slice(),
            Bound::Excluded(s) => key > s.as_slice(),
            Bound::Unbounded => true,
        };
        let below = match &self.end {
            Bound::Included(e) => key <= e.as_slice(),
            Bound::Excluded(e) => key < e.as_slice(),
            Bound::Unbounded => true,
        };
        above && below
    }

    /// True when no key can fall in the range.
    pub fn is_empty(&self) -> bool {
        match (&self.start, &self.end) {
            (Bound::Included(s), Bound::Included(e)) => s > e,
            (Bound::Included(s), Bound::Excluded(e))
            | (Bound::Excluded(s), Bound::Included(e))
            | (Bound::Excluded(s), Bound::Excluded(e)) => s >= e,
            _ => false,
        }
    }
}

/// The smallest key greater than every key that starts with `prefix`; `None` when the
/// prefix is all 0xFF bytes (no such key).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// A consistent, read-only view of an engine at one point in time.
#[async_trait]
pub trait KvSnapshot: Send + Sync {
    async fn get(&self, key: &[u8]) -> StorageResult<Option<Vec<u8>>>;

    /// Up to `limit` pairs of `range` in key order (descending when `reverse`).
    /// Callers page through larger ranges by narrowing the range past the last key.
    async fn scan(&self, range: &KeyRange, reverse: bool, limit: usize) -> StorageResult<Vec<KvPair>>;
}

/// An ordered key-value engine.
#[async_trait]
pub trait KvEngine: Send + Sync + 'static {
    /// A short name for logs and metrics ("rocksdb", "memory", "actor").
    fn name(&self) -> &'static str;

    /// A view of everything written so far; later writes are not visible through it.
    fn snapshot(&self) -> Arc<dyn KvSnapshot>;

    /// Applies the batch atomically. When this returns Ok the batch survives a crash of
    /// the process (for engines that persist at all).
    async fn write(&self, batch: WriteBatch) -> StorageResult<()>;

    /// Makes everything written durable on disk (no-op for engines without a disk).
    async fn flush(&self) -> StorageResult<()>;

    /// Ok when the engine can serve reads and writes; the reason otherwise.
    async fn health(&self) -> Result<(), String>;

    /// Whether a cache above this engine may answer a read without reaching the engine.
    /// False when another node can take the data over (an actor engine in a cluster): only
    /// the engine knows whether this node still owns it, and it refuses reads once not.
    fn read_caches_allowed(&self) -> bool {
        true
    }

    /// Reads the latest value of one key.
    async fn get(&self, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        self.snapshot().get(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_carries_over_ff() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xFF, 0xFF]), None);
        assert_eq!(prefix_end(&[]), None);
    }

    #[test]
    fn key_range_bounds() {
        let r = KeyRange::prefix(b"ab");
        assert!(r.contains(b"ab"));
        assert!(r.contains(b"ab\xff\xff"));
        assert!(!r.contains(b"ac"));
        assert!(!r.contains(b"aa"));
        assert!(KeyRange::between(b"b", b"a").is_empty());
    }
}
