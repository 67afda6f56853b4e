//! Keeping the logs usable: compaction and resilvering.
//!
//! * Compaction (the log is full): the live records are written as batches into a new
//!   generation's log file on every usable path, then each path's superblock is switched
//!   to the new generation (one O_DSYNC slot write, checksummed), then the old log files
//!   are removed. A crash before a superblock switch leaves the old generation current;
//!   after it the new one, which holds every acknowledged record.
//! * Resilvering (mirror mode): a degraded path whose directory is present again gets a
//!   copy of a healthy path's current log (the slots up to the tail) and superblock, then
//!   counts as healthy again. It runs at open, from writes every `resilver_interval_secs`,
//!   and on request ([`FlashStore::resilver_degraded`]).

use super::aligned::{self, AlignedBuf};
use super::settings::Mode;
use super::slot;
use super::store::{FlashStore, Inner};
use super::superblock::{self, Superblock};
use crate::dir_lock::DirLock;
use crate::provider::LeaseResult;
use crate::store::RecordOp;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Uncompressed payload bytes per batch written by a compaction.
const COMPACT_BATCH_BYTES: usize = 1 << 20;
/// Slots copied per read-write when resilvering.
const COPY_SLOTS: u64 = 256;

/// Creates (replacing) the log file of `generation` in `dir`, preallocated to `bytes`.
pub(super) fn create_log(dir: &Path, generation: u64, bytes: u64) -> std::io::Result<Arc<File>> {
    let path = superblock::log_path(dir, generation);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let file = aligned::open_direct(&path, true)?;
    aligned::preallocate(&file, bytes)?;
    aligned::sync_dir(dir)?;
    Ok(Arc::new(file))
}

/// Removes the log files of `dir` other than `keep`'s.
pub(super) fn remove_other_logs(dir: &Path, keep: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if superblock::log_generation(&name.to_string_lossy()).is_some_and(|g| g != keep) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let _ = aligned::sync_dir(dir);
}

impl FlashStore {
    pub(super) fn superblock_for(&self, inner: &Inner, path_index: usize) -> Superblock {
        Superblock {
            generation: inner.generation,
            slot_size: self.settings.slot_size as u32,
            mode: self.settings.mode.code(),
            path_count: inner.paths.len() as u32,
            path_index: path_index as u32,
            capacity_slots: inner.capacity_slots,
        }
    }

    /// Rewrites the live records into a new generation and switches to it.
    pub(super) fn compact(&self, inner: &mut Inner) -> LeaseResult<()> {
        inner.drain();
        let started = Instant::now();
        let old = (inner.generation, inner.capacity_slots, inner.next_slot, inner.next_seq);
        let new_generation = old.0 + 1;
        let capacity = self.settings.capacity_slots;
        let bytes = capacity * self.settings.slot_size as u64;
        let mut old_logs = Vec::with_capacity(inner.paths.len());
        for p in inner.paths.iter_mut() {
            let new_log = match (p.state.degraded(), &p.log) {
                (None, Some(_)) => match create_log(&p.state.dir, new_generation, bytes) {
                    Ok(file) => Some(file),
                    Err(e) => {
                        p.state.mark_degraded(format!("cannot create the log of generation {new_generation}: {e}"));
                        None
                    }
                },
                _ => None,
            };
            old_logs.push(std::mem::replace(&mut p.log, new_log));
        }
        inner.generation = new_generation;
        inner.capacity_slots = capacity;
        inner.next_slot = 0;
        let result = self.write_live_set(inner);
        if let Err(e) = result {
            for (p, old_log) in inner.paths.iter_mut().zip(old_logs) {
                if p.log.take().is_some() {
                    let _ = std::fs::remove_file(superblock::log_path(&p.state.dir, new_generation));
                }
                p.log = old_log;
            }
            (inner.generation, inner.capacity_slots, inner.next_slot, inner.next_seq) = old;
            return Err(e);
        }
        for p in inner.paths.iter().filter(|p| p.log.is_some() && p.state.degraded().is_none()) {
            remove_other_logs(&p.state.dir, new_generation);
        }
        tracing::info!(
            provider = %self.name, generation = new_generation, live_slots = inner.next_slot,
            elapsed_ms = started.elapsed().as_millis() as u64, "flash log compacted"
        );
        Ok(())
    }

    /// Writes every live record into the (new, empty) current logs, then the superblocks.
    fn write_live_set(&self, inner: &mut Inner) -> LeaseResult<()> {
        let (slot_size, lz4, mode) = (self.settings.slot_size, self.settings.lz4, self.settings.mode);
        let index = self.index.read();
        let mut iter = index.iter().peekable();
        while iter.peek().is_some() {
            let mut ops = Vec::new();
            let mut bytes = 0;
            while let Some((key, value)) = iter.next_if(|_| bytes < COMPACT_BATCH_BYTES) {
                bytes += key.len() + value.len() + 9;
                ops.push(RecordOp::Put { key: key.clone(), value: value.clone() });
            }
            let image = slot::build_batch(&ops, inner.generation, inner.next_seq, slot_size, lz4)?;
            if inner.next_slot + image.slots > inner.logical_capacity(mode) {
                return Err(self.error(&format!(
                    "the live records do not fit a log of {} slots (raise capacity_mb)",
                    inner.logical_capacity(mode)
                )));
            }
            let (first, slots) = (inner.next_slot, image.slots);
            self.write_image(inner, image, first)?;
            inner.next_slot += slots;
            inner.next_seq += 1;
        }
        drop(index);
        inner.drain();
        for (i, p) in inner.paths.iter().enumerate() {
            if p.log.is_none() || p.state.degraded().is_some() {
                continue;
            }
            let sb = self.superblock_for(inner, i);
            if let Err(e) = aligned::sync_dir(&p.state.dir).and_then(|()| superblock::write(&p.state.dir, &sb)) {
                p.state.mark_degraded(format!("cannot switch its superblock to generation {}: {e}", sb.generation));
            }
        }
        let usable = inner.paths.iter().filter(|p| p.log.is_some() && p.state.degraded().is_none()).count();
        let needed = if mode == Mode::Mirror { self.settings.write_quorum } else { inner.paths.len() };
        if usable < needed {
            return Err(self.error(&format!("compaction reached {usable} of the {needed} paths needed")));
        }
        Ok(())
    }

    /// Restores every degraded mirror path whose directory is present; answers how many
    /// were restored.
    pub fn resilver_degraded(&self) -> usize {
        let mut inner = self.inner.lock();
        self.resilver_locked(&mut inner)
    }

    /// From a write: resilvers when a path is degraded and the interval has passed.
    pub(super) fn maybe_resilver(&self, inner: &mut Inner) {
        let Some(interval) = self.settings.resilver_interval else { return };
        if inner.last_resilver.elapsed() >= interval && self.states.iter().any(|s| s.degraded().is_some()) {
            self.resilver_locked(inner);
        }
    }

    pub(super) fn resilver_locked(&self, inner: &mut Inner) -> usize {
        inner.last_resilver = Instant::now();
        if self.settings.mode != Mode::Mirror {
            return 0;
        }
        let Some(source) = inner.paths.iter().position(|p| p.log.is_some() && p.state.degraded().is_none()) else {
            return 0;
        };
        inner.drain();
        let mut restored = 0;
        for target in 0..inner.paths.len() {
            if inner.paths[target].state.degraded().is_none() {
                continue;
            }
            match self.resilver_path(inner, source, target) {
                Ok(()) => {
                    inner.paths[target].state.mark_healthy();
                    tracing::info!(provider = %self.name, path = %inner.paths[target].state.dir.display(), "flash path resilvered");
                    restored += 1;
                }
                Err(e) => tracing::debug!(
                    provider = %self.name, path = %inner.paths[target].state.dir.display(), error = %e,
                    "flash path not resilvered yet"
                ),
            }
        }
        restored
    }

    /// Copies the current log of path `source` to path `target`.
    fn resilver_path(&self, inner: &mut Inner, source: usize, target: usize) -> Result<(), String> {
        let dir = inner.paths[target].state.dir.clone();
        if !dir.is_dir() {
            return Err(format!("{} is not there", dir.display()));
        }
        let src = inner.paths[source].log.clone().ok_or("the source path has no log")?;
        inner.paths[target].log = None;
        inner.paths[target].lock = None;
        let lock = DirLock::acquire("flash", &dir).map_err(|e| e.to_string())?;
        remove_other_logs(&dir, inner.generation);
        let slot_size = self.settings.slot_size as u64;
        let dst = create_log(&dir, inner.generation, inner.capacity_slots * slot_size).map_err(|e| e.to_string())?;
        let mut buf = AlignedBuf::zeroed((COPY_SLOTS * slot_size) as usize).map_err(|e| e.to_string())?;
        let mut at = 0;
        while at < inner.next_slot {
            let n = COPY_SLOTS.min(inner.next_slot - at);
            let part = &mut buf.as_mut_slice()[..(n * slot_size) as usize];
            aligned::read_at(&src, part, at * slot_size).map_err(|e| format!("reading the source log: {e}"))?;
            aligned::write_at(&dst, part, at * slot_size).map_err(|e| format!("writing the copy: {e}"))?;
            at += n;
        }
        superblock::write(&dir, &self.superblock_for(inner, target)).map_err(|e| format!("superblock: {e}"))?;
        inner.paths[target].log = Some(dst);
        inner.paths[target].lock = Some(lock);
        Ok(())
    }
}
