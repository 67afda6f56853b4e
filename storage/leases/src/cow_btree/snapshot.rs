//! Snapshot files: the whole tree as of one batch, so recovery starts from it and
//! replays only the log records after it.
//!
//! Format: `"ORBCOWS1" | seq: u64 | entry count: u64 | entries | crc32: u32`, an entry
//! a `u32`-length-prefixed key and value, keys strictly ascending, the checksum over
//! everything before it. A snapshot is written to a temporary file, fsynced and renamed
//! into place, so a snapshot file is always complete; a damaged one is corruption.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::codec::{put_bytes, Reader};
use super::files::{corruption, io_error, snapshot_path, snapshot_temp_path, sync_dir};
use super::node::Bytes;
use super::tree::Tree;
use crate::provider::LeaseResult;

const MAGIC: &[u8; 8] = b"ORBCOWS1";
const WRITE_BUFFER: usize = 256 * 1024;

/// Writes the snapshot of `tree` (the state after batch `seq`) durably; returns its path.
pub(crate) fn write_snapshot(dir: &Path, seq: u64, tree: &Tree) -> LeaseResult<PathBuf> {
    let temp = snapshot_temp_path(dir, seq);
    let result = write_file(&temp, seq, tree);
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result?;
    let path = snapshot_path(dir, seq);
    fs::rename(&temp, &path).map_err(|e| io_error("cannot rename snapshot to", &path, e))?;
    sync_dir(dir)?;
    Ok(path)
}

/// Writes through a checksum: every byte goes to the file and into the crc.
struct Checksummed<W> {
    inner: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn write_file(temp: &Path, seq: u64, tree: &Tree) -> LeaseResult<()> {
    let file = File::create(temp).map_err(|e| io_error("cannot create snapshot", temp, e))?;
    let mut out = Checksummed { inner: BufWriter::with_capacity(WRITE_BUFFER, file), crc: crc32fast::Hasher::new() };
    let mut entry = Vec::new();
    let written = out
        .write_all(MAGIC)
        .and_then(|()| out.write_all(&seq.to_le_bytes()))
        .and_then(|()| out.write_all(&(tree.len() as u64).to_le_bytes()))
        .and_then(|()| {
            tree.try_for_each(|key, value| {
                entry.clear();
                put_bytes(&mut entry, key);
                put_bytes(&mut entry, value);
                out.write_all(&entry)
            })
        });
    written.map_err(|e| io_error("cannot write snapshot", temp, e))?;
    let crc = out.crc.finalize();
    let mut file = out.inner;
    file.write_all(&crc.to_le_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| io_error("cannot write snapshot", temp, e))?;
    let file = file.into_inner().map_err(|e| io_error("cannot write snapshot", temp, e.into_error()))?;
    file.sync_all().map_err(|e| io_error("cannot sync snapshot", temp, e))
}

/// Reads the snapshot at `path`: the batch it covers and the tree.
pub(crate) fn read_snapshot(path: &Path, max_keys_per_node: usize) -> LeaseResult<(u64, Tree)> {
    let data = fs::read(path).map_err(|e| io_error("cannot read snapshot", path, e))?;
    let body_len = data
        .len()
        .checked_sub(4)
        .filter(|&len| len >= MAGIC.len() + 16)
        .ok_or_else(|| corruption(path, format!("snapshot too short ({} bytes)", data.len())))?;
    let (body, trailer) = data.split_at(body_len);
    let stored_crc = trailer.try_into().map(u32::from_le_bytes).map_err(|_| corruption(path, "no checksum"))?;
    if crc32fast::hash(body) != stored_crc {
        return Err(corruption(path, "snapshot checksum mismatch"));
    }
    let mut reader = Reader::new(body);
    if reader.take(MAGIC.len()) != Some(MAGIC.as_slice()) {
        return Err(corruption(path, "not a cow_btree snapshot (bad magic)"));
    }
    let header = reader.u64().zip(reader.u64());
    let (seq, count) = header.ok_or_else(|| corruption(path, "snapshot header cut short"))?;
    let mut entries: Vec<(Bytes, Bytes)> = Vec::new();
    while !reader.is_empty() {
        let (key, value) =
            reader.bytes().zip(reader.bytes()).ok_or_else(|| corruption(path, "snapshot entry cut short"))?;
        if entries.last().is_some_and(|(last, _)| last.as_ref() >= key) {
            return Err(corruption(path, format!("snapshot keys out of order at entry {}", entries.len())));
        }
        entries.push((Bytes::from(key), Bytes::from(value)));
    }
    if entries.len() as u64 != count {
        return Err(corruption(path, format!("snapshot holds {} entries, header says {count}", entries.len())));
    }
    Ok((seq, Tree::from_sorted(entries, max_keys_per_node)))
}
