//! The shard actor: holds one slice of an [`crate::ActorEngine`]'s key space in memory
//! as a short list of versions.
//!
//! Each version is an immutable `imbl::OrdMap` tagged with the write sequence number
//! from which it is valid. A write at seq W clones the newest map (O(1)), applies its
//! operations and appends it; a read at seq S uses the newest version valid at S. Old
//! versions are dropped once no open snapshot can read them (`retain_from`, computed by
//! the engine and passed with each write).

use crate::runtime::Actor;
use imbl::OrdMap;
use orbit_storage::engine::{KeyRange, KvPair};
use orbit_storage::WriteOp;
use std::collections::VecDeque;
use std::ops::Bound;
use tokio::sync::oneshot;

pub type ShardMap = OrdMap<Vec<u8>, Vec<u8>>;

/// The shard's data as of write `valid_from` (until the next version).
#[derive(Debug, Clone)]
pub struct Version {
    pub valid_from: u64,
    pub data: ShardMap,
}

/// Versions, oldest first. This is also the shard's passivated state.
pub type Versions = VecDeque<Version>;

pub enum ShardMsg {
    /// Applies `ops` as the version valid from `seq`, then drops every version that no
    /// read at `retain_from` or later can use.
    Apply {
        seq: u64,
        retain_from: u64,
        ops: Vec<WriteOp>,
        reply: oneshot::Sender<()>,
    },
    /// Forgets the version written at `seq` (a write that failed elsewhere).
    Discard {
        seq: u64,
    },
    Get {
        seq: u64,
        key: Vec<u8>,
        reply: oneshot::Sender<Option<Vec<u8>>>,
    },
    Scan {
        seq: u64,
        range: KeyRange,
        reverse: bool,
        limit: usize,
        reply: oneshot::Sender<Vec<KvPair>>,
    },
}

pub struct ShardActor {
    versions: Versions,
}

impl ShardActor {
    fn at(&self, seq: u64) -> Option<&ShardMap> {
        self.versions.iter().rev().find(|v| v.valid_from <= seq).map(|v| &v.data)
    }

    fn apply(&mut self, seq: u64, ops: Vec<WriteOp>) {
        let mut data = self.versions.back().map(|v| v.data.clone()).unwrap_or_default();
        for op in ops {
            match op {
                WriteOp::Put { key, value } => {
                    data.insert(key, value);
                }
                WriteOp::Delete { key } => {
                    data.remove(&key);
                }
                WriteOp::DeleteRange { start, end } => {
                    if start >= end {
                        continue;
                    }
                    let doomed: Vec<Vec<u8>> = data
                        .range::<_, Vec<u8>>((Bound::Included(&start), Bound::Excluded(&end)))
                        .map(|(k, _)| k.clone())
                        .collect();
                    for key in doomed {
                        data.remove(&key);
                    }
                }
            }
        }
        match self.versions.back_mut() {
            Some(newest) if newest.valid_from == seq => newest.data = data,
            _ => self.versions.push_back(Version { valid_from: seq, data }),
        }
    }

    fn prune(&mut self, retain_from: u64) {
        while self.versions.len() >= 2 && self.versions[1].valid_from <= retain_from {
            self.versions.pop_front();
        }
    }

    fn scan(&self, seq: u64, range: &KeyRange, reverse: bool, limit: usize) -> Vec<KvPair> {
        let Some(data) = self.at(seq) else { return Vec::new() };
        if range.is_empty() || limit == 0 {
            return Vec::new();
        }
        let iter =
            data.range::<_, Vec<u8>>((range.start.as_ref(), range.end.as_ref())).map(|(k, v)| (k.clone(), v.clone()));
        if reverse {
            iter.rev().take(limit).collect()
        } else {
            iter.take(limit).collect()
        }
    }

    #[cfg(test)]
    pub(crate) fn version_count(&self) -> usize {
        self.versions.len()
    }
}

impl Actor for ShardActor {
    type Message = ShardMsg;
    type State = Versions;
    const TYPE: &'static str = "orbit.kv.shard";

    fn activate(_key: &str, saved: Option<Versions>) -> Self {
        ShardActor { versions: saved.unwrap_or_default() }
    }

    fn handle(&mut self, msg: ShardMsg) {
        // A requester that went away no longer wants the reply; that is not an error.
        match msg {
            ShardMsg::Apply { seq, retain_from, ops, reply } => {
                self.apply(seq, ops);
                self.prune(retain_from);
                let _ = reply.send(());
            }
            ShardMsg::Discard { seq } => self.versions.retain(|v| v.valid_from != seq),
            ShardMsg::Get { seq, key, reply } => {
                let _ = reply.send(self.at(seq).and_then(|data| data.get(&key).cloned()));
            }
            ShardMsg::Scan { seq, range, reverse, limit, reply } => {
                let _ = reply.send(self.scan(seq, &range, reverse, limit));
            }
        }
    }

    fn passivate(&mut self) -> Versions {
        std::mem::take(&mut self.versions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(k: &[u8], v: &[u8]) -> WriteOp {
        WriteOp::Put { key: k.to_vec(), value: v.to_vec() }
    }

    #[test]
    fn reads_use_the_newest_version_at_their_seq() {
        let mut shard = ShardActor::activate("s", None);
        shard.apply(2, vec![put(b"a", b"1")]);
        shard.apply(5, vec![put(b"a", b"2"), put(b"b", b"x")]);
        assert_eq!(shard.at(1), None);
        assert_eq!(shard.at(3).and_then(|d| d.get(b"a".as_slice()).cloned()), Some(b"1".to_vec()));
        assert_eq!(shard.at(5).and_then(|d| d.get(b"a".as_slice()).cloned()), Some(b"2".to_vec()));
        assert_eq!(shard.scan(4, &KeyRange::all(), false, 10).len(), 1);
        assert_eq!(shard.scan(9, &KeyRange::all(), true, 10)[0].0, b"b".to_vec());
    }

    #[test]
    fn prune_keeps_the_version_readable_at_retain_from() {
        let mut shard = ShardActor::activate("s", None);
        for seq in [1, 3, 7, 9] {
            shard.apply(seq, vec![put(b"k", seq.to_string().as_bytes())]);
        }
        shard.prune(8);
        assert_eq!(shard.version_count(), 2);
        assert_eq!(shard.at(8).and_then(|d| d.get(b"k".as_slice()).cloned()), Some(b"7".to_vec()));
        shard.prune(9);
        assert_eq!(shard.version_count(), 1);
    }

    #[test]
    fn delete_range_is_half_open() {
        let mut shard = ShardActor::activate("s", None);
        shard.apply(1, vec![put(b"a", b""), put(b"b", b""), put(b"c", b""), put(b"d", b"")]);
        shard.apply(2, vec![WriteOp::DeleteRange { start: b"b".to_vec(), end: b"d".to_vec() }]);
        let keys: Vec<_> = shard.scan(2, &KeyRange::all(), false, 10).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![b"a".to_vec(), b"d".to_vec()]);
        assert_eq!(shard.scan(1, &KeyRange::all(), false, 10).len(), 4);
    }
}
