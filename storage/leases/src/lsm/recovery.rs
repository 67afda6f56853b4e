//! Opening a store: from the directory's files back to a running [`Engine`].
//!
//! 1. create the directory, take its lock, remove leftover `*.tmp` files;
//! 2. read the manifest (a store without one is new; tables without one are corruption)
//!    and open every table it names (footer and checksums are verified);
//! 3. replay the WAL segments not yet flushed (`>= wal_floor`) into a memtable; a torn
//!    final record is truncated away, damage before the end is corruption;
//! 4. write the replayed memtable to a level-0 table, start a new WAL segment and write
//!    a manifest saying all older segments are flushed;
//! 5. only then delete obsolete WAL segments and tables no manifest names.

use super::cache::BlockCache;
use super::config::LsmConfig;
use super::engine::{BgState, Engine, MemState};
use super::files::{classify, corruption, io_error, remove_file, sync_dir, table_path, wal_path, FileKind};
use crate::dir_lock::DirLock;
use super::manifest::Manifest;
use super::memtable::Memtable;
use super::sstable::{Table, TableWriter};
use super::stats::Counters;
use super::version::Version;
use super::wal::{self, WalWriter};
use crate::provider::LeaseResult;
use parking_lot::{Condvar, Mutex, RwLock};
use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

struct DirListing {
    wals: Vec<u64>,
    tables: Vec<u64>,
    has_manifest: bool,
}

fn list(dir: &Path) -> LeaseResult<DirListing> {
    let mut listing = DirListing { wals: Vec::new(), tables: Vec::new(), has_manifest: false };
    for entry in fs::read_dir(dir).map_err(|e| io_error("list", dir, e))? {
        let entry = entry.map_err(|e| io_error("list", dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        match classify(name) {
            FileKind::Wal(n) => listing.wals.push(n),
            FileKind::Table(n) => listing.tables.push(n),
            FileKind::Manifest => listing.has_manifest = true,
            FileKind::Temp => remove_file(&entry.path())?,
            FileKind::Other => {}
        }
    }
    listing.wals.sort_unstable();
    listing.tables.sort_unstable();
    Ok(listing)
}

pub(crate) fn open(config: LsmConfig) -> LeaseResult<Engine> {
    config.validate()?;
    let dir = config.data_dir.clone();
    fs::create_dir_all(&dir).map_err(|e| io_error("create directory", &dir, e))?;
    let lock = DirLock::acquire("lsm_tree", &dir)?;
    let listing = list(&dir)?;
    let manifest = match Manifest::load(&dir)? {
        Some(m) => m,
        None if !listing.tables.is_empty() => {
            return Err(corruption(&dir.join(super::files::MANIFEST), "missing, but the directory holds tables"))
        }
        None => Manifest::default(),
    };

    let nlevels = config.max_levels.max(manifest.levels.len());
    let mut version = Version::empty(nlevels);
    for (level, numbers) in manifest.levels.iter().enumerate() {
        for &n in numbers {
            version.levels[level].push(Arc::new(Table::open(table_path(&dir, n), n)?));
        }
    }
    for level in version.levels.iter_mut().skip(1) {
        level.sort_by(|a, b| a.smallest.cmp(&b.smallest));
    }

    let mut next_file = [manifest.next_file, 1]
        .into_iter()
        .chain(listing.wals.iter().chain(&listing.tables).map(|n| n + 1))
        .max()
        .unwrap_or(1);

    let mut memtable = Memtable::new();
    let live_wals: Vec<u64> = listing.wals.iter().copied().filter(|&n| n >= manifest.wal_floor).collect();
    for &n in &live_wals {
        for batch in wal::replay(&wal_path(&dir, n))?.batches {
            memtable.apply(&batch);
        }
    }
    let options = super::background::table_options_for(&config);
    if !memtable.is_empty() {
        let number = next_file;
        next_file += 1;
        let mut writer = TableWriter::create(table_path(&dir, number), options)?;
        for (key, value) in memtable.iter() {
            writer.add(key, value.as_deref())?;
        }
        let table = writer.finish(number)?;
        version = version.with_level0(Arc::new(table));
        tracing::info!(entries = memtable.len(), segments = live_wals.len(), "lsm_tree: WAL replayed into level 0");
    }
    let wal_number = next_file;
    next_file += 1;
    Manifest { next_file, wal_floor: wal_number, levels: version.manifest_levels() }.store(&dir)?;
    let writer = WalWriter::create(wal_path(&dir, wal_number))?;
    sync_dir(&dir)?;

    for &n in &listing.wals {
        remove_file(&wal_path(&dir, n))?;
    }
    let live: HashSet<u64> = version.numbers();
    for &n in listing.tables.iter().filter(|n| !live.contains(n)) {
        tracing::info!(table = n, "lsm_tree: removing a table no manifest names (interrupted flush or compaction)");
        remove_file(&table_path(&dir, n))?;
    }

    let cache = BlockCache::new(config.block_cache_mb << 20);
    Ok(Engine {
        dir,
        writer: Mutex::new(writer),
        state: RwLock::new(MemState {
            active: Memtable::new(),
            active_wal: wal_number,
            frozen: Vec::new(),
            version: Arc::new(version),
        }),
        counters: Counters::default(),
        cache,
        next_file: AtomicU64::new(next_file),
        bg: Mutex::new(BgState { work: true, ..BgState::default() }),
        bg_cv: Condvar::new(),
        compact_pointers: Mutex::new(Vec::new()),
        _lock: lock,
        config,
    })
}
