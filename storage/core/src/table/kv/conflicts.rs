//! Write-write conflict detection for snapshot isolation.
//!
//! Every commit gets the next sequence number and records, per key it wrote, that
//! number. A transaction that began at sequence `s` may commit only if none of its keys
//! was written by a commit numbered above `s`. Entries are forgotten once no active
//! transaction began before them.

use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub(crate) struct CommitLog {
    /// Sequence number of the last commit whose writes are in the engine.
    committed: AtomicU64,
    /// Start sequences of active transactions (with multiplicity).
    active: Mutex<BTreeMap<u64, usize>>,
}

/// The part of the commit state held under the commit lock.
#[derive(Default)]
pub(crate) struct WriteLog {
    last_write: HashMap<Vec<u8>, u64>,
}

impl CommitLog {
    /// Registers a new transaction and returns its start sequence. The snapshot must be
    /// taken after this call, so that it contains every commit up to the sequence.
    pub fn begin(&self) -> u64 {
        let mut active = self.active.lock();
        let start = self.committed.load(Ordering::Acquire);
        *active.entry(start).or_default() += 1;
        start
    }

    pub fn end(&self, start: u64) {
        let mut active = self.active.lock();
        if let Some(n) = active.get_mut(&start) {
            *n -= 1;
            if *n == 0 {
                active.remove(&start);
            }
        }
    }

    /// Whether any of `keys` was written by a commit after `start`. Call under the commit lock.
    #[cfg(test)]
    pub fn conflicts<'k>(&self, log: &WriteLog, start: u64, keys: impl Iterator<Item = &'k Vec<u8>>) -> bool {
        self.conflicts_since(log, keys, |_| start)
    }

    /// Whether any of `keys` was written by a commit after the sequence `base(key)` its
    /// write was based on. Call under the commit lock.
    pub fn conflicts_since<'k>(
        &self,
        log: &WriteLog,
        mut keys: impl Iterator<Item = &'k Vec<u8>>,
        base: impl Fn(&[u8]) -> u64,
    ) -> bool {
        keys.any(|k| log.last_write.get(k).is_some_and(|seq| *seq > base(k)))
    }

    /// The start sequence of the oldest active transaction.
    pub fn oldest_active(&self) -> Option<u64> {
        self.active.lock().keys().next().copied()
    }

    /// Sequence number of the last published commit.
    pub fn current(&self) -> u64 {
        self.committed.load(Ordering::Acquire)
    }

    /// Records a commit whose writes are now in the engine. Call under the commit lock.
    pub fn record<'k>(&self, log: &mut WriteLog, keys: impl Iterator<Item = &'k Vec<u8>>) {
        let seq = self.committed.load(Ordering::Acquire) + 1;
        for k in keys {
            log.last_write.insert(k.clone(), seq);
        }
        self.committed.store(seq, Ordering::Release);
    }

    /// Forgets writes no active transaction can conflict with. Call under the commit lock.
    pub fn prune(&self, log: &mut WriteLog) {
        if log.last_write.is_empty() {
            return;
        }
        let active = self.active.lock();
        match active.keys().next() {
            None => log.last_write.clear(),
            Some(oldest) if log.last_write.len() > 4096 => {
                let oldest = *oldest;
                log.last_write.retain(|_, seq| *seq > oldest);
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_commit_conflicts_earlier_does_not() {
        let log = CommitLog::default();
        let mut w = WriteLog::default();
        let t1 = log.begin();
        let k = b"k".to_vec();
        log.record(&mut w, [&k].into_iter());
        let t2 = log.begin();
        assert!(log.conflicts(&w, t1, [&k].into_iter()));
        assert!(!log.conflicts(&w, t2, [&k].into_iter()));
        log.end(t1);
        log.end(t2);
        log.prune(&mut w);
        assert!(w.last_write.is_empty());
    }
}
