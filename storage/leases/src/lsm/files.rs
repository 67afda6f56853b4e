//! The store's directory: file names, fsync of the directory, atomic replacement of a
//! file (temp file, fsync, rename, fsync of the directory) and I/O error wrapping.
//!
//! Files: `MANIFEST`, `<number>.wal` (one WAL segment per memtable), `<number>.sst`
//! (tables) and `*.tmp` (a write that has not been renamed yet; removed on open).
//! Numbers come from one counter, 20 digits wide so names sort by number.

use crate::provider::{LeaseError, LeaseResult};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub(crate) const MANIFEST: &str = "MANIFEST";
pub(crate) const TEMP_SUFFIX: &str = ".tmp";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Wal(u64),
    Table(u64),
    Temp,
    Manifest,
    Other,
}

pub(crate) fn wal_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{number:020}.wal"))
}

pub(crate) fn table_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{number:020}.sst"))
}

pub(crate) fn classify(name: &str) -> FileKind {
    if name == MANIFEST {
        return FileKind::Manifest;
    }
    if name.ends_with(TEMP_SUFFIX) {
        return FileKind::Temp;
    }
    let number = |stem: &str| stem.parse::<u64>().ok();
    if let Some(n) = name.strip_suffix(".wal").and_then(number) {
        return FileKind::Wal(n);
    }
    if let Some(n) = name.strip_suffix(".sst").and_then(number) {
        return FileKind::Table(n);
    }
    FileKind::Other
}

pub(crate) fn io_error(what: &str, path: &Path, e: std::io::Error) -> LeaseError {
    LeaseError::Backend(format!("lsm_tree: {what} {}: {e}", path.display()))
}

pub(crate) fn corruption(path: &Path, why: &str) -> LeaseError {
    LeaseError::Corruption(format!("lsm_tree file {}: {why}", path.display()))
}

/// Makes creations, renames and deletions of entries in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> LeaseResult<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io_error("fsync directory", dir, e))
}

pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(TEMP_SUFFIX);
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` so that a crash leaves either the old or the new file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> LeaseResult<()> {
    let tmp = temp_path(path);
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(|e| io_error("create", &tmp, e))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| io_error("write", &tmp, e))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| io_error("rename into place", path, e))?;
    match path.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

/// Removes a file that is no longer live; a file already gone is fine.
pub(crate) fn remove_file(path: &Path) -> LeaseResult<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("remove", path, e)),
    }
}
