//! The background worker: writes frozen memtables to level-0 tables (oldest first) and
//! runs compactions while a level is over its limit.
//!
//! Each step writes its new tables (durably), then the manifest, then swaps the new
//! [`Version`] in, and only then deletes the files it made obsolete (the flushed WAL
//! segment, the compacted tables). A crash anywhere leaves either the old or the new
//! manifest, and every file the surviving manifest names.

use super::compaction;
use super::config::LsmConfig;
use super::engine::Engine;
use super::files::{remove_file, wal_path};
use super::manifest::Manifest;
use super::sstable::{ReadContext, TableOptions, TableWriter};
use super::stats::Counters;
use super::version::Version;
use crate::provider::LeaseResult;
use std::collections::HashSet;
use std::sync::Arc;

/// The worker's loop; returns when the store shuts down.
pub(crate) fn run(engine: Arc<Engine>) {
    loop {
        {
            let mut bg = engine.bg.lock();
            while !bg.work && !bg.shutdown {
                engine.bg_cv.wait(&mut bg);
            }
            if bg.shutdown {
                return;
            }
            bg.work = false;
            bg.busy = true;
        }
        let result = work(&engine);
        let mut bg = engine.bg.lock();
        bg.busy = false;
        if let Err(e) = result {
            tracing::error!(error = %e, "lsm_tree: background flush or compaction failed");
            bg.error.get_or_insert(e);
        }
        engine.bg_cv.notify_all();
    }
}

fn shutting_down(engine: &Engine) -> bool {
    engine.bg.lock().shutdown
}

fn work(engine: &Engine) -> LeaseResult<()> {
    while !shutting_down(engine) {
        if flush_oldest(engine)? {
            engine.bg_cv.notify_all();
            continue;
        }
        if !compact_once(engine)? {
            break;
        }
    }
    Ok(())
}

pub(crate) fn table_options_for(config: &LsmConfig) -> TableOptions {
    TableOptions {
        block_size: config.block_size,
        bloom_bits_per_key: config.bloom_bits(),
        compress: config.enable_compression,
    }
}

fn write_manifest(engine: &Engine, version: &Version, wal_floor: u64) -> LeaseResult<()> {
    Manifest {
        next_file: engine.next_file.load(std::sync::atomic::Ordering::SeqCst),
        wal_floor,
        levels: version.manifest_levels(),
    }
    .store(&engine.dir)
}

/// Writes the oldest frozen memtable to level 0; false when there is none.
fn flush_oldest(engine: &Engine) -> LeaseResult<bool> {
    let (memtable, wal, version, wal_floor) = {
        let st = engine.state.read();
        let Some(oldest) = st.frozen.first() else { return Ok(false) };
        // Every segment before the next memtable's is flushed once this one is.
        let floor = st.frozen.get(1).map_or(st.active_wal, |f| f.wal);
        (oldest.memtable.clone(), oldest.wal, st.version.clone(), floor)
    };
    let next = if memtable.is_empty() {
        Version::clone(&version)
    } else {
        let number = engine.allocate_file_number();
        let mut writer = TableWriter::create(engine.table_path(number), table_options_for(&engine.config))?;
        for (key, value) in memtable.iter() {
            if let Err(e) = writer.add(key, value.as_deref()) {
                writer.abandon();
                return Err(e);
            }
        }
        version.with_level0(Arc::new(writer.finish(number)?))
    };
    write_manifest(engine, &next, wal_floor)?;
    {
        let mut st = engine.state.write();
        st.version = Arc::new(next);
        if st.frozen.first().is_some_and(|f| f.wal == wal) {
            st.frozen.remove(0);
        }
    }
    remove_file(&wal_path(&engine.dir, wal))?;
    Counters::bump(&engine.counters.memtable_flushes, 1);
    tracing::debug!(entries = memtable.len(), wal, "lsm_tree: memtable flushed to level 0");
    Ok(true)
}

/// Runs one compaction if a level needs it; false when none does.
fn compact_once(engine: &Engine) -> LeaseResult<bool> {
    let (version, wal_floor) = {
        let st = engine.state.read();
        let floor = st.frozen.first().map_or(st.active_wal, |f| f.wal);
        (st.version.clone(), floor)
    };
    let job = {
        let mut pointers = engine.compact_pointers.lock();
        compaction::pick(&version, &engine.config, &mut pointers)
    };
    let Some(job) = job else { return Ok(false) };
    // Compaction reads bypass the block cache and the read counters.
    let scratch = Counters::default();
    let no_cache = super::cache::BlockCache::new(0);
    let ctx = ReadContext { counters: &scratch, cache: &no_cache };
    let output =
        compaction::run(&job, &version, &engine.config, ctx, engine.dir.clone(), || engine.allocate_file_number())?;
    let removed: HashSet<u64> = job.inputs().map(|t| t.number).collect();
    let next = version.with_compaction(job.level, &removed, output.tables);
    write_manifest(engine, &next, wal_floor)?;
    engine.state.write().version = Arc::new(next);
    for table in job.inputs() {
        engine.cache.evict_table(table.number);
        remove_file(&table.path)?;
    }
    Counters::bump(&engine.counters.compactions, 1);
    Counters::bump(&engine.counters.tombstones_dropped, output.tombstones_dropped);
    tracing::debug!(level = job.level, inputs = removed.len(), "lsm_tree: compaction done");
    Ok(true)
}
