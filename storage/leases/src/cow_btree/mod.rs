//! The copy-on-write B+ tree lease backend ("cow_btree"): a [`RecordStore`] keeping an
//! immutable, persistent B+ tree in memory, made durable by a write-ahead log and
//! periodic snapshots of the whole tree.
//!
//! * `node` / `tree`: the nodes and the persistent tree (an update copies one
//!   root-to-leaf path and publishes a new root; old roots stay readable).
//! * `range` / `tree_snapshot`: ordered iteration and point-in-time views.
//! * `wal` / `snapshot` / `files` / `codec`: the on-disk formats.
//! * `recovery`: opening a directory (locked while open, `crate::dir_lock`) after a clean
//!   shutdown or a crash.
//!
//! Writers are serialised by a mutex: a batch is logged (written to the OS, fsynced with
//! `sync_writes`), applied to a copy of the current root and the new root published.
//! Readers only clone the current root `Arc` under a lock held for that copy, so they
//! never wait for a writer's log write or tree update. Every `snapshot_interval` batches
//! the writer starts a new log and a background thread writes the tree as of the last
//! batch to a snapshot file, then removes the logs the snapshot covers.

mod codec;
mod config;
mod files;
mod node;
mod range;
mod recovery;
mod snapshot;
mod tree;
mod tree_snapshot;
mod wal;

#[cfg(test)]
mod tests;

use std::ops::RangeBounds;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::{Mutex, RwLock};

use crate::provider::{LeaseError, LeaseResult, ProviderHealth};
use crate::store::{RecordOp, RecordStore};

pub use config::CowBTreeConfig;
pub use range::RangeIter;
pub use tree_snapshot::TreeSnapshot;

use codec::MAX_FIELD_LEN;
use tree::Tree;
use wal::WalWriter;

pub struct CowBTreeStore {
    config: CowBTreeConfig,
    /// The published version: what readers see.
    current: RwLock<TreeSnapshot>,
    writer: Mutex<Writer>,
    shared: Arc<Shared>,
    /// The thread writing the last periodic snapshot.
    snapshot_thread: Mutex<Option<JoinHandle<()>>>,
    _lock: crate::dir_lock::DirLock,
}

/// What the store shares with its snapshot thread.
struct Shared {
    data_dir: PathBuf,
    /// The batch the newest snapshot file covers; held while a snapshot is written.
    snapshot_seq: Mutex<u64>,
    failures: Mutex<Failures>,
}

struct Writer {
    wal: WalWriter,
    next_seq: u64,
    batches_since_snapshot: u64,
}

/// The last failures of background work, reported by `health`.
#[derive(Default)]
struct Failures {
    wal: Option<String>,
    snapshot: Option<String>,
    /// The log cannot take more records (a failed write could not be undone).
    broken_log: Option<String>,
}

impl CowBTreeStore {
    /// Opens (creating when missing) the store in `config.data_dir` and recovers what a
    /// previous process left there.
    pub fn open(config: CowBTreeConfig) -> LeaseResult<Self> {
        config.validate()?;
        let recovered = recovery::recover(&config)?;
        tracing::info!(
            dir = %config.data_dir.display(),
            entries = recovered.tree.len(),
            snapshot_seq = recovered.snapshot_seq,
            last_seq = recovered.last_seq,
            "cow_btree: opened"
        );
        let writer = Writer {
            wal: recovered.wal,
            next_seq: recovered.last_seq + 1,
            batches_since_snapshot: recovered.last_seq - recovered.snapshot_seq,
        };
        Ok(Self {
            current: RwLock::new(TreeSnapshot { tree: recovered.tree, sequence: recovered.last_seq }),
            writer: Mutex::new(writer),
            shared: Arc::new(Shared {
                data_dir: config.data_dir.clone(),
                snapshot_seq: Mutex::new(recovered.snapshot_seq),
                failures: Mutex::new(Failures::default()),
            }),
            snapshot_thread: Mutex::new(None),
            _lock: recovered.lock,
            config,
        })
    }

    pub fn config(&self) -> &CowBTreeConfig {
        &self.config
    }

    /// A point-in-time view of every batch applied so far, unaffected by later writes.
    pub fn snapshot(&self) -> TreeSnapshot {
        self.current.read().clone()
    }

    /// Entries with keys in `range` as of now, ascending.
    pub fn range<K: AsRef<[u8]> + ?Sized, R: RangeBounds<K>>(&self, range: R) -> RangeIter {
        self.snapshot().range(range)
    }

    pub fn len(&self) -> usize {
        self.current.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the B+ tree invariants of the current version (for tests and debugging).
    pub fn check_invariants(&self) -> Result<(), String> {
        self.snapshot().check_invariants()
    }

    /// Writes a snapshot of everything applied so far and starts a new log, unless no
    /// batch was applied since the last snapshot.
    pub fn checkpoint(&self) -> LeaseResult<()> {
        let pending = {
            let mut writer = self.writer.lock();
            if writer.batches_since_snapshot == 0 {
                return Ok(());
            }
            self.start_new_log(&mut writer)?
        };
        self.shared.write_snapshot(pending)
    }

    /// Syncs the current log, starts a new one and returns the version a snapshot should
    /// now be written of. Called with the writer lock held.
    fn start_new_log(&self, writer: &mut Writer) -> LeaseResult<TreeSnapshot> {
        writer.wal.sync()?;
        writer.wal = WalWriter::create(&self.config.data_dir, writer.next_seq, self.config.wal_buffer_size)?;
        writer.batches_since_snapshot = 0;
        Ok(self.snapshot())
    }

    /// Writes the snapshot of `version` on a thread of its own, after the previous one
    /// finished (so snapshots never pile up); on this thread if none can be started.
    fn spawn_snapshot(&self, version: TreeSnapshot) {
        let mut thread = self.snapshot_thread.lock();
        if let Some(previous) = thread.take() {
            let _ = previous.join();
        }
        let shared = self.shared.clone();
        let pending = version.clone();
        let spawned = std::thread::Builder::new().name("cow-btree-snapshot".into()).spawn(move || {
            if let Err(e) = shared.write_snapshot(pending) {
                tracing::warn!(error = %e, "cow_btree: snapshot failed; the log keeps every batch");
            }
        });
        match spawned {
            Ok(handle) => *thread = Some(handle),
            Err(e) => {
                tracing::warn!(error = %e, "cow_btree: cannot start a snapshot thread; writing it here");
                if let Err(e) = self.shared.write_snapshot(version) {
                    tracing::warn!(error = %e, "cow_btree: snapshot failed; the log keeps every batch");
                }
            }
        }
    }
}

impl Shared {
    fn write_snapshot(&self, version: TreeSnapshot) -> LeaseResult<()> {
        let mut newest = self.snapshot_seq.lock();
        if version.sequence <= *newest {
            return Ok(());
        }
        let result = snapshot::write_snapshot(&self.data_dir, version.sequence, &version.tree)
            .and_then(|_| files::remove_obsolete(&self.data_dir, version.sequence).map(|()| version.sequence));
        match result {
            Ok(seq) => {
                *newest = seq;
                self.failures.lock().snapshot = None;
                Ok(())
            }
            Err(e) => {
                self.failures.lock().snapshot = Some(e.to_string());
                Err(e)
            }
        }
    }
}

/// Applies a logged batch to `tree`.
pub(crate) fn apply_ops(tree: &mut Tree, ops: &[RecordOp]) {
    for op in ops {
        match op {
            RecordOp::Put { key, value } => tree.insert(key, value),
            RecordOp::Delete { key } => {
                tree.remove(key);
            }
        }
    }
}

fn check_batch(ops: &[RecordOp]) -> LeaseResult<()> {
    let too_long = |bytes: &[u8]| bytes.len() > MAX_FIELD_LEN;
    if u32::try_from(ops.len()).is_err() {
        return Err(LeaseError::Backend(format!("cow_btree: batch of {} ops is too large", ops.len())));
    }
    for op in ops {
        let oversized = match op {
            RecordOp::Put { key, value } => too_long(key) || too_long(value),
            RecordOp::Delete { key } => too_long(key),
        };
        if oversized {
            return Err(LeaseError::Backend("cow_btree: key or value longer than 4 GiB".into()));
        }
    }
    Ok(())
}

impl RecordStore for CowBTreeStore {
    fn backend_name(&self) -> &'static str {
        "cow_btree"
    }

    fn get(&self, key: &[u8]) -> LeaseResult<Option<Vec<u8>>> {
        Ok(self.snapshot().get(key))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> LeaseResult<Vec<(Vec<u8>, Vec<u8>)>> {
        Ok(self.snapshot().scan_prefix(prefix))
    }

    fn apply(&self, ops: &[RecordOp]) -> LeaseResult<()> {
        if ops.is_empty() {
            return Ok(());
        }
        check_batch(ops)?;
        let pending_snapshot = {
            let mut writer = self.writer.lock();
            let seq = writer.next_seq;
            if let Err(e) = writer.wal.append(seq, ops, self.config.sync_writes) {
                let mut failures = self.shared.failures.lock();
                failures.wal = Some(e.to_string());
                failures.broken_log = writer.wal.broken().map(str::to_owned);
                return Err(e);
            }
            self.shared.failures.lock().wal = None;
            let mut tree = self.current.read().tree.clone();
            apply_ops(&mut tree, ops);
            *self.current.write() = TreeSnapshot { tree, sequence: seq };
            writer.next_seq += 1;
            writer.batches_since_snapshot += 1;
            let interval = self.config.snapshot_interval;
            if interval > 0 && writer.batches_since_snapshot >= interval {
                match self.start_new_log(&mut writer) {
                    Ok(version) => Some(version),
                    Err(e) => {
                        // The batch is logged; retry the snapshot after the next interval.
                        writer.batches_since_snapshot = 0;
                        tracing::warn!(error = %e, "cow_btree: cannot start a new log for a snapshot");
                        self.shared.failures.lock().snapshot = Some(e.to_string());
                        None
                    }
                }
            } else {
                None
            }
        };
        if let Some(version) = pending_snapshot {
            self.spawn_snapshot(version);
        }
        Ok(())
    }

    /// fsyncs the log and writes a snapshot of everything applied since the last one.
    fn flush(&self) -> LeaseResult<()> {
        self.writer.lock().wal.sync()?;
        self.checkpoint()
    }

    fn health(&self) -> ProviderHealth {
        let failures = self.shared.failures.lock();
        if let Some(reason) = &failures.broken_log {
            return ProviderHealth::Unhealthy { reason: format!("cow_btree log unusable: {reason}") };
        }
        match (&failures.wal, &failures.snapshot) {
            (Some(e), _) => ProviderHealth::Degraded { reason: format!("last log write failed: {e}") },
            (None, Some(e)) => ProviderHealth::Degraded { reason: format!("last snapshot failed: {e}") },
            (None, None) => ProviderHealth::Healthy,
        }
    }
}

impl Drop for CowBTreeStore {
    /// Waits for a snapshot being written, so the directory is quiet once the store is
    /// gone (and its lock released).
    fn drop(&mut self) {
        if let Some(thread) = self.snapshot_thread.get_mut().take() {
            let _ = thread.join();
        }
    }
}
