//! Choosing and running compactions.
//!
//! * Level 0 -> 1 when level 0 holds `compaction_threshold` tables: every level-0
//!   table and the level-1 tables they overlap are merged.
//! * Level n -> n+1 (n >= 1) when level n exceeds its budget (memtable size *
//!   multiplier^n): one level-n table, taken round robin through the key space, and
//!   the level-(n+1) tables it overlaps are merged.
//!
//! The output goes to level n+1 in tables of about one memtable's size. Tombstones are
//! dropped when nothing older can lie below: the output level is the last level, or
//! every deeper level is empty.

use super::config::LsmConfig;
use super::memtable::Entry;
use super::merge::{MergeIter, Source};
use super::sstable::{ReadContext, RunIter, Table, TableWriter};
use super::version::Version;
use crate::provider::LeaseResult;
use std::path::PathBuf;
use std::sync::Arc;

/// One compaction: `upper` from `level` (newest first for level 0) merged with the
/// overlapping `lower` tables of `level + 1`.
#[derive(Debug)]
pub(crate) struct Job {
    pub level: usize,
    pub upper: Vec<Arc<Table>>,
    pub lower: Vec<Arc<Table>>,
}

impl Job {
    pub(crate) fn inputs(&self) -> impl Iterator<Item = &Arc<Table>> {
        self.upper.iter().chain(self.lower.iter())
    }
}

/// The most urgent level to compact and how far over its limit it is (score > 1).
fn most_urgent(version: &Version, config: &LsmConfig) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    let l0 = version.levels.first().map_or(0, Vec::len);
    if l0 >= config.compaction_threshold && version.last_level() >= 1 {
        best = Some((0, l0 as f64 / config.compaction_threshold as f64));
    }
    for level in 1..version.last_level() {
        let score = version.level_bytes(level) as f64 / config.level_budget(level) as f64;
        if score > 1.0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((level, score));
        }
    }
    best.map(|(level, _)| level)
}

pub(crate) fn needs_compaction(version: &Version, config: &LsmConfig) -> bool {
    most_urgent(version, config).is_some()
}

/// The next job, if any level is over its limit. `pointers[n]` is the largest key of
/// the last level-n table compacted; the next starts after it.
pub(crate) fn pick(version: &Version, config: &LsmConfig, pointers: &mut Vec<Vec<u8>>) -> Option<Job> {
    let level = most_urgent(version, config)?;
    let upper: Vec<Arc<Table>> = if level == 0 {
        version.levels[0].iter().rev().cloned().collect()
    } else {
        pointers.resize(version.levels.len(), Vec::new());
        let tables = &version.levels[level];
        let after = tables.iter().position(|t| t.smallest > pointers[level]).unwrap_or(0);
        let table = tables.get(after)?.clone();
        pointers[level] = table.largest.clone();
        vec![table]
    };
    let lo = upper.iter().map(|t| t.smallest.as_slice()).min()?.to_vec();
    let hi = upper.iter().map(|t| t.largest.as_slice()).max()?.to_vec();
    let lower = version.levels[level + 1].iter().filter(|t| t.overlaps(&lo, &hi)).cloned().collect();
    Some(Job { level, upper, lower })
}

/// What a job wrote.
pub(crate) struct Output {
    pub tables: Vec<Arc<Table>>,
    pub tombstones_dropped: u64,
}

/// Merges the job's inputs into new tables numbered by `next_number`.
pub(crate) fn run(
    job: &Job,
    version: &Version,
    config: &LsmConfig,
    ctx: ReadContext<'_>,
    dir: PathBuf,
    mut next_number: impl FnMut() -> u64,
) -> LeaseResult<Output> {
    let output_level = job.level + 1;
    let drop_tombstones =
        output_level == version.last_level() || version.levels[output_level + 1..].iter().all(Vec::is_empty);
    let mut sources: Vec<Source<'_>> = Vec::new();
    if job.level == 0 {
        for t in &job.upper {
            sources.push(Box::new(RunIter::new(vec![t.clone()], b"", ctx)));
        }
    } else {
        sources.push(Box::new(RunIter::new(job.upper.clone(), b"", ctx)));
    }
    sources.push(Box::new(RunIter::new(job.lower.clone(), b"", ctx)));
    let options = super::background::table_options_for(config);
    let target = config.memtable_bytes() as u64;
    let mut out = Output { tables: Vec::new(), tombstones_dropped: 0 };
    let mut writer: Option<(TableWriter, u64)> = None;
    let result = (|| -> LeaseResult<()> {
        for entry in MergeIter::new(sources) {
            let (key, value): Entry = entry?;
            if value.is_none() && drop_tombstones {
                out.tombstones_dropped += 1;
                continue;
            }
            if writer.is_none() {
                let number = next_number();
                writer = Some((TableWriter::create(super::files::table_path(&dir, number), options)?, number));
            }
            if let Some((w, _)) = writer.as_mut() {
                w.add(&key, value.as_deref())?;
                if w.approx_size() >= target {
                    if let Some((w, number)) = writer.take() {
                        out.tables.push(Arc::new(w.finish(number)?));
                    }
                }
            }
        }
        if let Some((w, number)) = writer.take() {
            if w.entries() > 0 {
                out.tables.push(Arc::new(w.finish(number)?));
            } else {
                w.abandon();
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(out),
        Err(e) => {
            if let Some((w, _)) = writer.take() {
                w.abandon();
            }
            for t in &out.tables {
                let _ = std::fs::remove_file(&t.path);
            }
            Err(e)
        }
    }
}
