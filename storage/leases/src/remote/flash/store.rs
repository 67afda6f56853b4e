//! [`FlashStore`]: the [`RecordStore`] over Flash logs.
//!
//! Reads are answered from an in-memory ordered map (the whole live set, rebuilt by a
//! scan at open, bounded by `cache_size`). A write encodes its batch into slots, appends
//! it at the log's tail on the paths ([`super::worker`]) and, once the paths answered
//! (all of them, or W of N in mirror mode; every one in stripe mode), applies it to the
//! map and returns: an acknowledged batch is on the device (O_DIRECT | O_DSYNC). When the
//! log is full, [`super::maintenance`] compacts it into a new generation first.

use super::aligned::AlignedBuf;
use super::settings::{FlashSettings, Mode};
use super::slot::{self, BatchImage};
use super::worker::{PathState, PathWorker, WriteReply};
use crate::dir_lock::DirLock;
use crate::provider::{LeaseError, LeaseResult, ProviderHealth};
use crate::store::{RecordOp, RecordStore};
use parking_lot::{Mutex, RwLock};
use std::collections::BTreeMap;
use std::fs::File;
use std::sync::{mpsc, Arc};
use std::time::Instant;

/// One path as the writer sees it.
pub(super) struct PathSlot {
    pub state: Arc<PathState>,
    pub worker: PathWorker,
    /// The current generation's log file; `None` while the path is unusable.
    pub log: Option<Arc<File>>,
    pub lock: Option<DirLock>,
}

/// The writer's state, under one mutex.
pub(super) struct Inner {
    pub generation: u64,
    /// Slots of each path's current log file.
    pub capacity_slots: u64,
    /// The next free logical slot.
    pub next_slot: u64,
    pub next_seq: u64,
    /// Bytes of keys and values in the map.
    pub live_bytes: u64,
    pub paths: Vec<PathSlot>,
    pub last_resilver: Instant,
}

impl Inner {
    pub fn logical_capacity(&self, mode: Mode) -> u64 {
        match mode {
            Mode::Mirror => self.capacity_slots,
            Mode::Stripe => self.capacity_slots * self.paths.len() as u64,
        }
    }

    pub fn drain(&self) {
        for p in &self.paths {
            p.worker.drain();
        }
    }
}

/// The Flash backend's record store.
pub struct FlashStore {
    pub(super) name: String,
    pub(super) settings: FlashSettings,
    pub(super) index: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
    pub(super) inner: Mutex<Inner>,
    pub(super) states: Vec<Arc<PathState>>,
}

impl FlashStore {
    pub(super) fn error(&self, what: &str) -> LeaseError {
        LeaseError::Unavailable(format!("flash provider \"{}\": {what}", self.name))
    }

    /// The path directories and why each degraded one is (`None`: healthy).
    pub fn path_states(&self) -> Vec<(std::path::PathBuf, Option<String>)> {
        self.states.iter().map(|s| (s.dir.clone(), s.degraded())).collect()
    }

    /// The generation of the current log (grows with each compaction).
    pub fn generation(&self) -> u64 {
        self.inner.lock().generation
    }

    /// Writes `image` at logical slot `first` of the current logs and waits for the quorum.
    pub(super) fn write_image(&self, inner: &Inner, image: BatchImage, first: u64) -> LeaseResult<()> {
        let slot_size = self.settings.slot_size;
        let (tx, rx) = mpsc::channel::<WriteReply>();
        let usable: Vec<&PathSlot> = inner.paths.iter().filter(|p| p.state.degraded().is_none()).collect();
        let usable: Vec<(&PathSlot, Arc<File>)> =
            usable.into_iter().filter_map(|p| p.log.clone().map(|log| (p, log))).collect();
        let needed = match self.settings.mode {
            Mode::Mirror => self.settings.write_quorum,
            Mode::Stripe => inner.paths.len(),
        };
        if usable.len() < needed {
            return Err(self.error(&format!(
                "{} of {} paths are usable, {needed} are needed to write ({})",
                usable.len(),
                inner.paths.len(),
                self.degraded_reasons().join("; ")
            )));
        }
        let sent = usable.len();
        match self.settings.mode {
            Mode::Mirror => {
                let buf = Arc::new(image.buf);
                for (p, log) in &usable {
                    p.worker.write(log.clone(), buf.clone(), first * slot_size as u64, tx.clone());
                }
            }
            Mode::Stripe => {
                let n = inner.paths.len() as u64;
                let end = first + image.slots;
                for (p, log) in &usable {
                    let j = p.state.index as u64;
                    let i0 = first + (j + n - first % n) % n;
                    let count = if i0 < end { (end - i0).div_ceil(n) } else { 0 };
                    if count == 0 {
                        let _ = tx.send((p.state.index, Ok(())));
                        continue;
                    }
                    let mut piece = AlignedBuf::zeroed(count as usize * slot_size)
                        .map_err(|e| self.error(&format!("a stripe buffer: {e}")))?;
                    let src = image.buf.as_slice();
                    for k in 0..count {
                        let logical = (i0 + k * n - first) as usize;
                        piece.as_mut_slice()[k as usize * slot_size..(k as usize + 1) * slot_size]
                            .copy_from_slice(&src[logical * slot_size..(logical + 1) * slot_size]);
                    }
                    p.worker.write(log.clone(), Arc::new(piece), (i0 / n) * slot_size as u64, tx.clone());
                }
            }
        }
        drop(tx);
        let (mut ok, mut answered, mut failures) = (0, 0, Vec::new());
        while ok < needed && answered < sent {
            match rx.recv() {
                Ok((_, Ok(()))) => ok += 1,
                Ok((i, Err(e))) => failures.push(format!("{}: {e}", self.states[i].dir.display())),
                Err(_) => break,
            }
            answered += 1;
        }
        if ok >= needed {
            Ok(())
        } else {
            Err(self.error(&format!("a batch reached {ok} of the {needed} paths needed ({})", failures.join("; "))))
        }
    }

    fn degraded_reasons(&self) -> Vec<String> {
        self.states.iter().filter_map(|s| s.degraded().map(|r| format!("{}: {r}", s.dir.display()))).collect()
    }

    /// The change `ops` would make to the bytes kept in memory (an estimate when a batch
    /// touches a key twice).
    fn growth(&self, ops: &[RecordOp]) -> i64 {
        let index = self.index.read();
        ops.iter()
            .map(|op| {
                let (key, new) = match op {
                    RecordOp::Put { key, value } => (key, (key.len() + value.len()) as i64),
                    RecordOp::Delete { key } => (key, 0),
                };
                new - index.get(key).map_or(0, |v| (key.len() + v.len()) as i64)
            })
            .sum()
    }
}

impl RecordStore for FlashStore {
    fn backend_name(&self) -> &'static str {
        "flash"
    }

    fn get(&self, key: &[u8]) -> LeaseResult<Option<Vec<u8>>> {
        Ok(self.index.read().get(key).cloned())
    }

    fn scan_prefix(&self, prefix: &[u8]) -> LeaseResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let index = self.index.read();
        Ok(index
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn apply(&self, ops: &[RecordOp]) -> LeaseResult<()> {
        if ops.is_empty() {
            return Ok(());
        }
        let mut inner = self.inner.lock();
        self.maybe_resilver(&mut inner);
        let growth = self.growth(ops);
        if inner.live_bytes as i64 + growth > self.settings.cache_size as i64 {
            return Err(self.error(&format!(
                "the records would take more than cache_size = {} bytes of memory",
                self.settings.cache_size
            )));
        }
        let (slot_size, lz4, mode) = (self.settings.slot_size, self.settings.lz4, self.settings.mode);
        let mut image = slot::build_batch(ops, inner.generation, inner.next_seq, slot_size, lz4)?;
        if inner.next_slot + image.slots > inner.logical_capacity(mode) {
            self.compact(&mut inner)?;
            image = slot::build_batch(ops, inner.generation, inner.next_seq, slot_size, lz4)?;
            if inner.next_slot + image.slots > inner.logical_capacity(mode) {
                return Err(self.error(&format!(
                    "the log is full: {} of {} slots are live records, and the batch needs {} (raise capacity_mb)",
                    inner.next_slot,
                    inner.logical_capacity(mode),
                    image.slots
                )));
            }
        }
        let slots = image.slots;
        let first = inner.next_slot;
        self.write_image(&inner, image, first)?;
        inner.next_slot += slots;
        inner.next_seq += 1;
        let mut index = self.index.write();
        let mut live = inner.live_bytes as i64;
        for op in ops {
            match op {
                RecordOp::Put { key, value } => {
                    live += (key.len() + value.len()) as i64;
                    if let Some(old) = index.insert(key.clone(), value.clone()) {
                        live -= (key.len() + old.len()) as i64;
                    }
                }
                RecordOp::Delete { key } => {
                    if let Some(old) = index.remove(key) {
                        live -= (key.len() + old.len()) as i64;
                    }
                }
            }
        }
        inner.live_bytes = live.max(0) as u64;
        Ok(())
    }

    fn flush(&self) -> LeaseResult<()> {
        let inner = self.inner.lock();
        inner.drain();
        for p in inner.paths.iter().filter(|p| p.state.degraded().is_none()) {
            if let Some(log) = &p.log {
                if let Err(e) = log.sync_data() {
                    p.state.mark_degraded(format!("fdatasync: {e}"));
                }
            }
        }
        Ok(())
    }

    fn health(&self) -> ProviderHealth {
        let degraded = self.degraded_reasons();
        let healthy = self.states.len() - degraded.len();
        let needed = match self.settings.mode {
            Mode::Mirror => self.settings.write_quorum,
            Mode::Stripe => self.states.len(),
        };
        if degraded.is_empty() {
            ProviderHealth::Healthy
        } else if healthy < needed {
            ProviderHealth::Unhealthy {
                reason: format!(
                    "flash: {healthy} of {} paths healthy, {needed} needed to write: {}",
                    self.states.len(),
                    degraded.join("; ")
                ),
            }
        } else {
            ProviderHealth::Degraded {
                reason: format!(
                    "flash: {healthy} of {} paths healthy (writes acknowledged by {needed}): {}",
                    self.states.len(),
                    degraded.join("; ")
                ),
            }
        }
    }
}
