//! The store's shared state and its read and write paths.
//!
//! Writes are serialized by the WAL writer's lock: the batch goes to the WAL, then into
//! the active memtable under the state lock, so readers see a batch entirely or not at
//! all. A full memtable is frozen (its WAL segment closed and fsynced, a new segment
//! started) and handed to the background worker ([`super::background`]); writers wait
//! only when `max_memtables` are already in memory.
//!
//! Readers take the state lock just long enough to look at the active memtable and to
//! clone the frozen memtables and the current [`Version`]; the tables are read without
//! any lock, so compaction never blocks them. A frozen memtable leaves the state in the
//! same critical section that installs the version holding its table.

use super::cache::BlockCache;
use super::compaction;
use super::config::LsmConfig;
use super::files::{table_path, wal_path};
use super::memtable::{Entry, Memtable};
use super::merge::{MergeIter, Source};
use super::sstable::{Lookup, ReadContext, RunIter};
use super::stats::{Counters, LsmStats};
use super::version::Version;
use super::wal::{encode_batch, WalWriter};
use crate::provider::{LeaseError, LeaseResult, ProviderHealth};
use crate::store::RecordOp;
use parking_lot::{Condvar, Mutex, RwLock};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A memtable waiting to be written to level 0, and the WAL segment holding its batches.
pub(crate) struct Frozen {
    pub memtable: Arc<Memtable>,
    pub wal: u64,
}

pub(crate) struct MemState {
    pub active: Memtable,
    pub active_wal: u64,
    /// Oldest first.
    pub frozen: Vec<Frozen>,
    pub version: Arc<Version>,
}

/// What the background worker is doing; guarded by `Engine::bg`, signalled by `bg_cv`.
#[derive(Default)]
pub(crate) struct BgState {
    pub work: bool,
    pub busy: bool,
    pub shutdown: bool,
    pub error: Option<LeaseError>,
}

pub(crate) struct Engine {
    pub config: LsmConfig,
    pub dir: PathBuf,
    pub writer: Mutex<WalWriter>,
    pub state: RwLock<MemState>,
    pub counters: Counters,
    pub cache: BlockCache,
    pub next_file: AtomicU64,
    pub bg: Mutex<BgState>,
    pub bg_cv: Condvar,
    /// Round-robin positions of level n -> n+1 compactions; background worker only.
    pub compact_pointers: Mutex<Vec<Vec<u8>>>,
    /// Held for the store's lifetime so a second process cannot open the directory.
    pub _lock: crate::dir_lock::DirLock,
}

const WAIT_SLICE: Duration = Duration::from_millis(50);

impl Engine {
    pub(crate) fn allocate_file_number(&self) -> u64 {
        self.next_file.fetch_add(1, Ordering::SeqCst)
    }

    pub(crate) fn read_context(&self) -> ReadContext<'_> {
        ReadContext { counters: &self.counters, cache: &self.cache }
    }

    /// Frozen memtables allowed besides the active one.
    fn max_frozen(&self) -> usize {
        self.config.max_memtables.saturating_sub(1).max(1)
    }

    fn background_error(&self) -> Option<LeaseError> {
        self.bg.lock().error.clone()
    }

    pub(crate) fn signal_background(&self) {
        let mut bg = self.bg.lock();
        bg.work = true;
        self.bg_cv.notify_all();
    }

    pub(crate) fn apply(&self, ops: &[RecordOp]) -> LeaseResult<()> {
        if ops.is_empty() {
            return Ok(());
        }
        let payload = encode_batch(ops)?;
        let mut writer = self.writer.lock();
        if let Some(e) = self.background_error() {
            return Err(LeaseError::Unavailable(format!("lsm_tree: background flush or compaction failed: {e}")));
        }
        if self.state.read().active.approx_bytes() >= self.config.memtable_bytes() {
            self.freeze_active(&mut writer)?;
        }
        writer.append(&payload, self.config.sync_writes)?;
        self.state.write().active.apply(ops);
        Ok(())
    }

    /// Closes the active memtable and its WAL segment and starts new ones; waits while
    /// the frozen memtables are at their limit.
    pub(crate) fn freeze_active(&self, writer: &mut WalWriter) -> LeaseResult<()> {
        loop {
            if self.state.read().frozen.len() < self.max_frozen() {
                break;
            }
            let mut bg = self.bg.lock();
            if let Some(e) = &bg.error {
                return Err(LeaseError::Unavailable(format!("lsm_tree: background flush failed: {e}")));
            }
            bg.work = true;
            self.bg_cv.notify_all();
            self.bg_cv.wait_for(&mut bg, WAIT_SLICE);
        }
        writer.sync()?;
        let number = self.allocate_file_number();
        let next = WalWriter::create(wal_path(&self.dir, number))?;
        super::files::sync_dir(&self.dir)?;
        {
            let mut st = self.state.write();
            let memtable = std::mem::take(&mut st.active);
            let wal = std::mem::replace(&mut st.active_wal, number);
            st.frozen.push(Frozen { memtable: Arc::new(memtable), wal });
        }
        *writer = next;
        self.signal_background();
        Ok(())
    }

    /// Freezes the active memtable when it holds anything, then waits until every
    /// frozen memtable is in a level-0 table.
    pub(crate) fn flush_memtable(&self) -> LeaseResult<()> {
        {
            let mut writer = self.writer.lock();
            if !self.state.read().active.is_empty() {
                self.freeze_active(&mut writer)?;
            }
        }
        self.wait_until(|engine| engine.state.read().frozen.is_empty())
    }

    /// Waits until no flush or compaction is pending or running.
    pub(crate) fn wait_for_background(&self) -> LeaseResult<()> {
        self.wait_until(|engine| {
            let st = engine.state.read();
            st.frozen.is_empty() && !compaction::needs_compaction(&st.version, &engine.config)
        })
    }

    fn wait_until(&self, done: impl Fn(&Engine) -> bool) -> LeaseResult<()> {
        loop {
            let mut bg = self.bg.lock();
            if let Some(e) = &bg.error {
                return Err(e.clone());
            }
            if !bg.busy && !bg.work && done(self) {
                return Ok(());
            }
            if !bg.busy {
                bg.work = true;
                self.bg_cv.notify_all();
            }
            self.bg_cv.wait_for(&mut bg, WAIT_SLICE);
        }
    }

    pub(crate) fn get(&self, key: &[u8]) -> LeaseResult<Option<Vec<u8>>> {
        let (frozen, version) = {
            let st = self.state.read();
            if let Some(v) = st.active.get(key) {
                return Ok(v);
            }
            let frozen: Vec<Arc<Memtable>> = st.frozen.iter().rev().map(|f| f.memtable.clone()).collect();
            (frozen, st.version.clone())
        };
        for m in &frozen {
            if let Some(v) = m.get(key) {
                return Ok(v);
            }
        }
        let ctx = self.read_context();
        for table in version.levels[0].iter().rev() {
            if let Lookup::Found(v) = table.get(key, &ctx)? {
                return Ok(v);
            }
        }
        for level in &version.levels[1..] {
            let i = level.partition_point(|t| t.largest.as_slice() < key);
            if let Some(table) = level.get(i) {
                if let Lookup::Found(v) = table.get(key, &ctx)? {
                    return Ok(v);
                }
            }
        }
        Ok(None)
    }

    pub(crate) fn scan_prefix(&self, prefix: &[u8]) -> LeaseResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let (active, frozen, version) = {
            let st = self.state.read();
            let frozen: Vec<Arc<Memtable>> = st.frozen.iter().rev().map(|f| f.memtable.clone()).collect();
            (st.active.scan_prefix(prefix), frozen, st.version.clone())
        };
        let ctx = self.read_context();
        let in_memory = |entries: Vec<Entry>| -> Source<'_> { Box::new(entries.into_iter().map(Ok)) };
        let mut sources: Vec<Source<'_>> = vec![in_memory(active)];
        sources.extend(frozen.iter().map(|m| in_memory(m.scan_prefix(prefix))));
        for table in version.levels[0].iter().rev() {
            sources.push(Box::new(RunIter::new(vec![table.clone()], prefix, ctx)));
        }
        for level in &version.levels[1..] {
            sources.push(Box::new(RunIter::new(level.clone(), prefix, ctx)));
        }
        let mut out = Vec::new();
        for entry in MergeIter::new(sources) {
            if let (key, Some(value)) = entry? {
                out.push((key, value));
            }
        }
        Ok(out)
    }

    pub(crate) fn sync_wal(&self) -> LeaseResult<()> {
        self.writer.lock().sync()
    }

    pub(crate) fn stats(&self) -> LsmStats {
        let c = &self.counters;
        let st = self.state.read();
        LsmStats {
            bloom_skips: Counters::load(&c.bloom_skips),
            tables_read: Counters::load(&c.tables_read),
            block_reads: Counters::load(&c.block_reads),
            cache_hits: Counters::load(&c.cache_hits),
            cache_misses: Counters::load(&c.cache_misses),
            memtable_flushes: Counters::load(&c.memtable_flushes),
            compactions: Counters::load(&c.compactions),
            tombstones_dropped: Counters::load(&c.tombstones_dropped),
            immutable_memtables: st.frozen.len(),
            tables_per_level: st.version.levels.iter().map(Vec::len).collect(),
            bytes_per_level: (0..st.version.levels.len()).map(|l| st.version.level_bytes(l)).collect(),
            table_entries: st.version.levels.iter().flatten().map(|t| t.entries).sum(),
            table_tombstones: st.version.levels.iter().flatten().map(|t| t.tombstones).sum(),
        }
    }

    pub(crate) fn health(&self) -> ProviderHealth {
        if let Some(e) = self.background_error() {
            return ProviderHealth::Unhealthy { reason: format!("lsm_tree background work failed: {e}") };
        }
        let st = self.state.read();
        if st.frozen.len() >= self.max_frozen() {
            return ProviderHealth::Degraded { reason: "lsm_tree: writes wait for a memtable flush".into() };
        }
        let l0 = st.version.levels[0].len();
        if l0 >= 2 * self.config.compaction_threshold {
            return ProviderHealth::Degraded { reason: format!("lsm_tree: compaction backlog ({l0} level-0 tables)") };
        }
        ProviderHealth::Healthy
    }

    /// Where table `number` lives.
    pub(crate) fn table_path(&self, number: u64) -> PathBuf {
        table_path(&self.dir, number)
    }
}
