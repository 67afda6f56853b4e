//! The in-memory engine: one persistent ordered map (`imbl::OrdMap`) behind a lock.
//! A snapshot is an O(1) clone of the map, so it has exactly the semantics of a
//! RocksDB snapshot. Nothing is written to disk.

use super::{KeyRange, KvEngine, KvPair, KvSnapshot, WriteBatch, WriteOp};
use crate::error::StorageResult;
use async_trait::async_trait;
use imbl::OrdMap;
use parking_lot::RwLock;
use std::ops::Bound;
use std::sync::Arc;

type Map = OrdMap<Vec<u8>, Vec<u8>>;

#[derive(Default)]
pub struct MemoryEngine {
    map: RwLock<Map>,
}

impl MemoryEngine {
    pub fn new() -> Self {
        Self::default()
    }
}

struct MemorySnapshot {
    map: Map,
}

/// Applies `batch` to `map`: put, delete, delete `[start, end)`.
fn apply_batch(map: &mut Map, batch: WriteBatch) {
    for op in batch.ops {
        match op {
            WriteOp::Put { key, value } => {
                map.insert(key, value);
            }
            WriteOp::Delete { key } => {
                map.remove(&key);
            }
            WriteOp::DeleteRange { start, end } => {
                if start >= end {
                    continue;
                }
                let doomed: Vec<Vec<u8>> = map
                    .range::<_, Vec<u8>>((Bound::Included(&start), Bound::Excluded(&end)))
                    .map(|(k, _)| k.clone())
                    .collect();
                for key in doomed {
                    map.remove(&key);
                }
            }
        }
    }
}

fn scan_map(map: &Map, range: &KeyRange, reverse: bool, limit: usize) -> Vec<KvPair> {
    if range.is_empty() || limit == 0 {
        return Vec::new();
    }
    let bounds = (range.start.as_ref(), range.end.as_ref());
    let iter = map.range::<_, Vec<u8>>(bounds).map(|(k, v)| (k.clone(), v.clone()));
    if reverse {
        iter.rev().take(limit).collect()
    } else {
        iter.take(limit).collect()
    }
}

#[async_trait]
impl KvSnapshot for MemorySnapshot {
    async fn get(&self, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        Ok(self.map.get(key).cloned())
    }

    async fn scan(&self, range: &KeyRange, reverse: bool, limit: usize) -> StorageResult<Vec<KvPair>> {
        Ok(scan_map(&self.map, range, reverse, limit))
    }
}

#[async_trait]
impl KvEngine for MemoryEngine {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn snapshot(&self) -> Arc<dyn KvSnapshot> {
        Arc::new(MemorySnapshot { map: self.map.read().clone() })
    }

    async fn write(&self, batch: WriteBatch) -> StorageResult<()> {
        // Readers clone under the read lock, so they never see half a batch.
        apply_batch(&mut self.map.write(), batch);
        Ok(())
    }

    async fn flush(&self) -> StorageResult<()> {
        Ok(())
    }

    async fn health(&self) -> Result<(), String> {
        Ok(())
    }

    async fn get(&self, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        Ok(self.map.read().get(key).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn snapshot_is_isolated_from_later_writes() {
        let engine = MemoryEngine::new();
        let mut b = WriteBatch::new();
        b.put(b"a".to_vec(), b"1".to_vec());
        b.put(b"b".to_vec(), b"2".to_vec());
        engine.write(b).await.unwrap();
        let snap = engine.snapshot();
        let mut b = WriteBatch::new();
        b.delete(b"a".to_vec());
        b.put(b"c".to_vec(), b"3".to_vec());
        engine.write(b).await.unwrap();
        assert_eq!(snap.get(b"a").await.unwrap(), Some(b"1".to_vec()));
        assert_eq!(snap.scan(&KeyRange::all(), false, 10).await.unwrap().len(), 2);
        assert_eq!(engine.get(b"a").await.unwrap(), None);
        let rev = engine.snapshot().scan(&KeyRange::all(), true, 10).await.unwrap();
        assert_eq!(rev.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(), vec![b"c".to_vec(), b"b".to_vec()]);
    }

    #[tokio::test]
    async fn delete_range_is_half_open() {
        let engine = MemoryEngine::new();
        let mut b = WriteBatch::new();
        for k in [b"a", b"b", b"c", b"d"] {
            b.put(k.to_vec(), vec![]);
        }
        b.delete_range(b"b".to_vec(), b"d".to_vec());
        engine.write(b).await.unwrap();
        let keys: Vec<_> = engine.snapshot().scan(&KeyRange::all(), false, 10).await.unwrap();
        assert_eq!(keys.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(), vec![b"a".to_vec(), b"d".to_vec()]);
    }
}
