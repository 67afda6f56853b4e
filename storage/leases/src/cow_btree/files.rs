//! The files of a data directory and their names: `snapshot-<seq>.snap` (the tree after
//! batch `seq`), `wal-<seq>.log` (log records from batch `seq` on), and `*.tmp` (a
//! snapshot being written; never read). Sequence numbers are zero-padded to 20 digits.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::provider::{LeaseError, LeaseResult};

const SNAPSHOT_PREFIX: &str = "snapshot-";
const SNAPSHOT_SUFFIX: &str = ".snap";
const LOG_PREFIX: &str = "wal-";
const LOG_SUFFIX: &str = ".log";
const TEMP_SUFFIX: &str = ".tmp";

pub(crate) fn snapshot_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{SNAPSHOT_PREFIX}{seq:020}{SNAPSHOT_SUFFIX}"))
}

pub(crate) fn snapshot_temp_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{SNAPSHOT_PREFIX}{seq:020}{SNAPSHOT_SUFFIX}{TEMP_SUFFIX}"))
}

pub(crate) fn log_path(dir: &Path, first_seq: u64) -> PathBuf {
    dir.join(format!("{LOG_PREFIX}{first_seq:020}{LOG_SUFFIX}"))
}

/// The recognised files of a data directory, snapshots and logs in ascending sequence.
#[derive(Debug, Default)]
pub(crate) struct DataFiles {
    pub snapshots: Vec<(u64, PathBuf)>,
    pub logs: Vec<(u64, PathBuf)>,
    pub temps: Vec<PathBuf>,
}

impl DataFiles {
    pub fn list(dir: &Path) -> LeaseResult<Self> {
        let mut files = DataFiles::default();
        let entries = fs::read_dir(dir).map_err(|e| io_error("cannot list", dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error("cannot list", dir, e))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
            let path = entry.path();
            if name.ends_with(TEMP_SUFFIX) {
                files.temps.push(path);
            } else if let Some(seq) = parse_seq(&name, SNAPSHOT_PREFIX, SNAPSHOT_SUFFIX) {
                files.snapshots.push((seq, path));
            } else if let Some(seq) = parse_seq(&name, LOG_PREFIX, LOG_SUFFIX) {
                files.logs.push((seq, path));
            }
        }
        files.snapshots.sort();
        files.logs.sort();
        Ok(files)
    }

    /// Snapshots older than the one of `snapshot_seq`, and logs holding only batches it
    /// covers: a log is covered when the next log starts at or before `snapshot_seq + 1`.
    pub fn obsolete(&self, snapshot_seq: u64) -> Vec<&Path> {
        let snapshots = self.snapshots.iter().filter(|(seq, _)| *seq < snapshot_seq).map(|(_, p)| p.as_path());
        let logs = self
            .logs
            .windows(2)
            .filter(|pair| pair[1].0 <= snapshot_seq.saturating_add(1))
            .map(|pair| pair[0].1.as_path());
        snapshots.chain(logs).collect()
    }
}

/// Removes the files a snapshot of `snapshot_seq` made obsolete.
pub(crate) fn remove_obsolete(dir: &Path, snapshot_seq: u64) -> LeaseResult<()> {
    let files = DataFiles::list(dir)?;
    for path in files.obsolete(snapshot_seq) {
        fs::remove_file(path).map_err(|e| io_error("cannot remove", path, e))?;
    }
    sync_dir(dir)
}

fn parse_seq(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Makes the creation, renaming and removal of files in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> LeaseResult<()> {
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io_error("cannot sync directory", dir, e))
}

pub(crate) fn io_error(what: &str, path: &Path, error: io::Error) -> LeaseError {
    LeaseError::Backend(format!("cow_btree: {what} {}: {error}", path.display()))
}

pub(crate) fn corruption(path: &Path, what: impl std::fmt::Display) -> LeaseError {
    LeaseError::Corruption(format!("cow_btree: {}: {what}", path.display()))
}
