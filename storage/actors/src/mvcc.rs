//! Sequence numbers for the actor engine's multi-version reads.
//!
//! Every write gets the next sequence number; once all its parts are applied it is
//! published as the visible sequence. A snapshot pins the visible sequence it was taken
//! at until dropped. Reading the visible sequence and pinning it happen under one lock,
//! and so does computing how far back versions must be kept: a write can therefore never
//! prune a version that a snapshot being opened concurrently still needs.

use parking_lot::Mutex;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct SnapshotRegistry {
    state: Mutex<RegistryState>,
}

#[derive(Default)]
struct RegistryState {
    visible: u64,
    /// Open snapshots: sequence -> how many.
    open: BTreeMap<u64, usize>,
}

impl SnapshotRegistry {
    /// Pins and returns the visible sequence.
    pub fn open(&self) -> u64 {
        let mut state = self.state.lock();
        let seq = state.visible;
        *state.open.entry(seq).or_default() += 1;
        seq
    }

    pub fn close(&self, seq: u64) {
        let mut state = self.state.lock();
        if let Some(count) = state.open.get_mut(&seq) {
            *count -= 1;
            if *count == 0 {
                state.open.remove(&seq);
            }
        }
    }

    /// The oldest sequence a read may still use while write `writing` is applied.
    pub fn retain_from(&self, writing: u64) -> u64 {
        let state = self.state.lock();
        let previous = writing.saturating_sub(1);
        state.open.keys().next().map_or(previous, |&oldest| oldest.min(previous))
    }

    pub fn publish(&self, seq: u64) {
        self.state.lock().visible = seq;
    }

    pub fn visible(&self) -> u64 {
        self.state.lock().visible
    }

    pub fn open_count(&self) -> usize {
        self.state.lock().open.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retain_from_follows_the_oldest_open_snapshot() {
        let reg = SnapshotRegistry::default();
        reg.publish(4);
        let a = reg.open();
        let b = reg.open();
        reg.publish(9);
        let c = reg.open();
        assert_eq!((a, b, c), (4, 4, 9));
        assert_eq!(reg.retain_from(10), 4);
        reg.close(a);
        assert_eq!(reg.retain_from(10), 4);
        reg.close(b);
        assert_eq!(reg.retain_from(10), 9);
        reg.close(c);
        assert_eq!(reg.retain_from(12), 11);
        assert_eq!(reg.open_count(), 0);
    }
}
