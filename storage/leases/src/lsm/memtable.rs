//! The in-memory sorted map every write lands in after the WAL.
//!
//! A value of `None` is a tombstone: it hides older versions of the key in older
//! memtables and tables until compaction drops it at the last level. `approx_bytes`
//! counts keys, values and a fixed per-entry overhead; the store freezes the memtable
//! when it passes the configured limit.

use crate::store::RecordOp;
use std::collections::BTreeMap;
use std::ops::Bound;

/// A key's newest state in one source: `Some(value)` or a tombstone (`None`).
pub(crate) type Entry = (Vec<u8>, Option<Vec<u8>>);

const ENTRY_OVERHEAD: usize = 32;

#[derive(Debug, Default)]
pub(crate) struct Memtable {
    map: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    approx_bytes: usize,
}

fn entry_size(key: &[u8], value: &Option<Vec<u8>>) -> usize {
    key.len() + value.as_ref().map_or(0, Vec::len) + ENTRY_OVERHEAD
}

impl Memtable {
    pub(crate) fn new() -> Self {
        Memtable::default()
    }

    pub(crate) fn apply(&mut self, ops: &[RecordOp]) {
        for op in ops {
            match op {
                RecordOp::Put { key, value } => self.insert(key.clone(), Some(value.clone())),
                RecordOp::Delete { key } => self.insert(key.clone(), None),
            }
        }
    }

    fn insert(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        let added = entry_size(&key, &value);
        if let Some(old) = self.map.insert(key.clone(), value) {
            self.approx_bytes -= entry_size(&key, &old);
        }
        self.approx_bytes += added;
    }

    /// `None`: the key is not here; `Some(None)`: deleted here; `Some(Some(v))`: its value.
    pub(crate) fn get(&self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        self.map.get(key).cloned()
    }

    /// Entries (tombstones included) whose key starts with `prefix`, ascending.
    pub(crate) fn scan_prefix(&self, prefix: &[u8]) -> Vec<Entry> {
        self.map
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Option<Vec<u8>>)> {
        self.map.iter()
    }

    pub(crate) fn approx_bytes(&self) -> usize {
        self.approx_bytes
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}
