//! Writing FT index snapshots in the background, so a restart loads the HNSW graphs
//! instead of re-inserting every vector (see [`super::restore`]).
//!
//! Every index counts its changes ([`ChangeLog`], bumped by each applied key). A task
//! started with the registry looks every [`TICK`] and writes the snapshot of an index that
//! has unsaved changes once its writes have been quiet for [`QUIET`], or once the unsaved
//! changes reach an eighth of its documents (at least [`PENDING_FLOOR`]), or once the
//! oldest unsaved change is [`MAX_AGE`] old — never sooner than [`MIN_GAP`] (or twenty
//! times the last write's duration) after the previous attempt, so snapshots cost at most a
//! few percent of one core however the writes come. [`SearchRegistry::shutdown`] writes
//! whatever is unsaved at a clean shutdown.
//!
//! A write copies the index's vector indexes and keys under its read lock (commands that
//! write the index wait for that copy only, not for the encoding or the storage write),
//! encodes the copy on a blocking thread and stores it in one storage transaction, holding
//! the registry's snapshot lock so FT.CREATE and FT.DROPINDEX (which delete snapshot rows
//! under the same lock) never interleave with it; an index dropped meanwhile is not
//! written. Nothing here is needed for correctness: a missing or stale snapshot only
//! makes the next start slower (the reconcile at start corrects it).
//!
//! [`SearchRegistry::shutdown`]: super::SearchRegistry::shutdown

use super::{snapshot, snapshot_rows, Entry, Indexes};
use crate::error::{RedisError, RedisResult};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often the writer looks for due snapshots.
pub const TICK: Duration = Duration::from_millis(250);
/// Writes to an index quiet for this long make its snapshot due.
pub const QUIET: Duration = Duration::from_secs(1);
/// Unsaved changes that make a snapshot due while writes go on: an eighth of the
/// documents, at least this many (re-inserting them at start after a crash takes about
/// as long as indexing them took).
pub const PENDING_FLOOR: u64 = 10_000;
/// An unsaved change this old makes a snapshot due while writes go on.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Least time between two snapshot attempts of one index...
pub const MIN_GAP: Duration = Duration::from_secs(5);
/// ...or this many times the duration of its last write, if longer.
const GAP_PER_WRITE: u32 = 20;
/// Longest a clean shutdown spends writing snapshots.
pub const SHUTDOWN_BUDGET: Duration = Duration::from_secs(4);

/// An index's changes and what its stored snapshot holds of them.
#[derive(Debug, Clone, Default)]
pub struct ChangeLog {
    total: u64,
    saved: u64,
    last_change: Option<Instant>,
    unsaved_since: Option<Instant>,
    last_attempt: Option<Instant>,
    /// The last successful write: how long the index was read-locked for the copy, the
    /// copy and its encoding, the whole write, and the bytes stored.
    pub last_copy: Option<Duration>,
    pub last_encode: Option<Duration>,
    pub last_write: Option<Duration>,
    pub last_bytes: u64,
    pub writes: u64,
    pub failed_writes: u64,
}

impl ChangeLog {
    pub fn record(&mut self, changes: u64) {
        self.record_at(changes, Instant::now());
    }

    pub fn record_at(&mut self, changes: u64, now: Instant) {
        if changes == 0 {
            return;
        }
        if self.total == self.saved {
            self.unsaved_since = Some(now);
        }
        self.total += changes;
        self.last_change = Some(now);
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Changes the stored snapshot does not hold.
    pub fn pending(&self) -> u64 {
        self.total - self.saved
    }

    /// True when the index's snapshot should be written now (see the module note).
    pub fn due(&self, now: Instant, docs: usize) -> bool {
        let pending = self.pending();
        if pending == 0 {
            return false;
        }
        if let Some(at) = self.last_attempt {
            let gap = MIN_GAP.max(self.last_write.unwrap_or_default().saturating_mul(GAP_PER_WRITE));
            if now.saturating_duration_since(at) < gap {
                return false;
            }
        }
        let quiet = self.last_change.is_none_or(|t| now.saturating_duration_since(t) >= QUIET);
        let many = pending >= PENDING_FLOOR.max(docs as u64 / 8);
        let old = self.unsaved_since.is_some_and(|t| now.saturating_duration_since(t) >= MAX_AGE);
        quiet || many || old
    }

    /// A snapshot holding the first `total` changes was stored.
    fn written(&mut self, total: u64, started: Instant, (copy, encode): (Duration, Duration), bytes: usize) {
        let now = Instant::now();
        self.last_copy = Some(copy);
        self.last_attempt = Some(started);
        self.saved = self.saved.max(total.min(self.total));
        self.unsaved_since = (self.saved < self.total).then_some(started);
        self.last_encode = Some(encode);
        self.last_write = Some(now.saturating_duration_since(started));
        self.last_bytes = bytes as u64;
        self.writes += 1;
    }

    fn failed(&mut self, started: Instant) {
        self.last_attempt = Some(started);
        self.failed_writes += 1;
    }
}

/// The background task writing due snapshots.
pub struct Writer {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Writer {
    /// Starts the task; it ends when stopped or when the registry is gone.
    pub fn spawn(indexes: Weak<Indexes>) -> Writer {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(TICK) => {}
                    _ = stopped.changed() => return,
                }
                let Some(indexes) = indexes.upgrade() else { return };
                indexes.write_due(false).await;
            }
        });
        Writer { stop, task }
    }

    /// Stops the task, after the write it may be doing.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    pub fn abort(&self) {
        self.task.abort();
    }
}

impl Indexes {
    /// Writes the snapshot of every index that is due (`force`: that has unsaved changes).
    pub(super) async fn write_due(&self, force: bool) {
        let entries: Vec<(String, Entry)> =
            self.by_name.read().iter().map(|(name, entry)| (name.clone(), entry.clone())).collect();
        for (name, entry) in entries {
            let due = {
                let index = entry.read();
                if force {
                    index.changes.pending() > 0
                } else {
                    index.changes.due(Instant::now(), index.num_docs())
                }
            };
            if due {
                if let Err(e) = self.write_snapshot(&name, &entry).await {
                    tracing::warn!(index = %name, error = %e, "FT index snapshot not written");
                }
            }
        }
    }

    /// Writes the snapshot of `entry`, if it is still the index called `name`.
    pub(super) async fn write_snapshot(&self, name: &str, entry: &Entry) -> RedisResult<()> {
        let Some(storage) = self.storage.get().cloned() else { return Ok(()) };
        let _guard = self.snapshot_lock.lock().await;
        let current = self.by_name.read().get(name).is_some_and(|e| Arc::ptr_eq(e, entry));
        if !current {
            return Ok(());
        }
        let started = Instant::now();
        let source = entry.clone();
        let (fingerprint, total, copy, payload) = tokio::task::spawn_blocking(move || {
            let copy_started = Instant::now();
            let (image, total, fingerprint) = {
                let index = source.read();
                (index.image(), index.changes.total(), snapshot::fingerprint(&index.def))
            };
            let copy = copy_started.elapsed();
            (fingerprint, total, copy, snapshot::encode_payload(&image))
        })
        .await
        .map_err(|e| RedisError::err(format!("FT index snapshot encoding failed: {e}")))?;
        let encode = started.elapsed();
        let stored = snapshot_rows::write(storage.as_ref(), name, fingerprint, &payload).await;
        drop(payload);
        let mut index = entry.write();
        match stored {
            Ok(bytes) => {
                index.changes.written(total, started, (copy, encode), bytes);
                tracing::debug!(index = %name, bytes, ms = started.elapsed().as_millis() as u64, "FT index snapshot written");
                Ok(())
            }
            Err(e) => {
                index.changes.failed(started);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_fall_due_when_quiet_many_or_old_and_not_too_often() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut log = ChangeLog::default();
        assert!(!log.due(at(10_000), 0), "nothing to save");
        log.record_at(5, at(0));
        assert_eq!(log.pending(), 5);
        assert!(!log.due(at(500), 100), "writes are not quiet yet");
        assert!(log.due(at(1_000), 100), "quiet for a second");

        log.written(5, at(1_000), (Duration::ZERO, Duration::from_millis(1)), 10);
        assert_eq!(log.pending(), 0);
        log.record_at(1, at(1_100));
        assert!(!log.due(at(3_000), 100), "quiet, but within five seconds of the last write");
        assert!(log.due(at(6_000), 100));

        // A write that took a second keeps the next one twenty seconds away.
        log.written(6, at(6_000), (Duration::ZERO, Duration::from_millis(900)), 10);
        log.last_write = Some(Duration::from_secs(1));
        log.record_at(1, at(6_500));
        assert!(!log.due(at(12_000), 100));
        assert!(log.due(at(26_000), 100));

        // Steady writes: due by count (an eighth of the documents, at least 10,000) or age.
        let mut busy = ChangeLog::default();
        for ms in 0..9_999u64 {
            busy.record_at(1, at(ms));
        }
        assert!(!busy.due(at(9_999), 1_000));
        busy.record_at(1, at(9_999));
        assert!(busy.due(at(9_999), 1_000), "10,000 unsaved changes");
        assert!(!busy.due(at(9_999), 100_000), "an eighth of 100,000 is 12,500");
        let mut slow = ChangeLog::default();
        for s in 0..=60u64 {
            slow.record_at(1, at(s * 1_000 + 500));
        }
        assert!(!slow.due(at(59_900), 10), "never quiet, not yet old");
        assert!(slow.due(at(60_600), 10), "the oldest unsaved change is a minute old");
    }

    #[test]
    fn changes_made_while_a_snapshot_was_taken_stay_pending() {
        let t0 = Instant::now();
        let mut log = ChangeLog::default();
        log.record_at(3, t0);
        log.record_at(2, t0);
        log.written(3, t0, (Duration::ZERO, Duration::ZERO), 1);
        assert_eq!(log.pending(), 2);
        log.written(5, t0, (Duration::ZERO, Duration::ZERO), 1);
        assert_eq!(log.pending(), 0);
        log.written(2, t0, (Duration::ZERO, Duration::ZERO), 1);
        assert_eq!(log.pending(), 0, "an older snapshot never takes saved changes back");
    }
}
