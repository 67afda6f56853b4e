//! The write-ahead log: one segment file per memtable, one framed record per batch.
//!
//! Record: `len u32 | crc32(len, payload) u32 | payload`, payload = the batch's ops.
//! `append` hands the whole record to the OS with one write(2) before the batch goes
//! into the memtable, so an applied batch survives SIGKILL; it is fsynced per batch only
//! with `sync_writes`, and always by `sync` (the store's `flush`).
//!
//! On replay a record that runs past the end of the file, or a checksum failure in the
//! file's last record, is a torn tail: it is truncated away. A bad record followed by
//! more data is corruption.

use super::codec::{crc32, put_bytes, put_u32, DecodeError, DecodeResult, Reader};
use super::files::{corruption, io_error};
use crate::provider::{LeaseError, LeaseResult};
use crate::store::RecordOp;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const HEADER: usize = 8;
const TAG_DELETE: u8 = 0;
const TAG_PUT: u8 = 1;

pub(crate) fn encode_batch(ops: &[RecordOp]) -> LeaseResult<Vec<u8>> {
    let mut out = Vec::with_capacity(16);
    put_u32(&mut out, ops.len() as u32);
    for op in ops {
        match op {
            RecordOp::Put { key, value } => {
                check_len(key)?;
                check_len(value)?;
                out.push(TAG_PUT);
                put_bytes(&mut out, key);
                put_bytes(&mut out, value);
            }
            RecordOp::Delete { key } => {
                check_len(key)?;
                out.push(TAG_DELETE);
                put_bytes(&mut out, key);
            }
        }
    }
    if out.len() > u32::MAX as usize {
        return Err(LeaseError::Backend("lsm_tree: batch larger than 4 GiB".into()));
    }
    Ok(out)
}

fn check_len(b: &[u8]) -> LeaseResult<()> {
    if b.len() > u32::MAX as usize / 2 {
        return Err(LeaseError::Backend("lsm_tree: key or value larger than 2 GiB".into()));
    }
    Ok(())
}

pub(crate) fn decode_batch(payload: &[u8]) -> DecodeResult<Vec<RecordOp>> {
    let mut r = Reader::new(payload);
    let n = r.count(5)?;
    let mut ops = Vec::with_capacity(n);
    for _ in 0..n {
        let op = match r.u8()? {
            TAG_PUT => RecordOp::Put { key: r.bytes()?.to_vec(), value: r.bytes()?.to_vec() },
            TAG_DELETE => RecordOp::Delete { key: r.bytes()?.to_vec() },
            _ => return Err(DecodeError("unknown op tag")),
        };
        ops.push(op);
    }
    if !r.is_empty() {
        return Err(DecodeError("trailing bytes after the batch"));
    }
    Ok(ops)
}

/// The open segment the store appends to.
pub(crate) struct WalWriter {
    file: File,
    path: PathBuf,
    len: u64,
    /// A failed write may have left part of a record; nothing more is appended then.
    broken: bool,
}

impl WalWriter {
    /// Creates a new, empty segment (the number must not exist yet).
    pub(crate) fn create(path: PathBuf) -> LeaseResult<Self> {
        let file =
            OpenOptions::new().append(true).create_new(true).open(&path).map_err(|e| io_error("create", &path, e))?;
        Ok(WalWriter { file, path, len: 0, broken: false })
    }

    pub(crate) fn append(&mut self, payload: &[u8], sync: bool) -> LeaseResult<()> {
        if self.broken {
            return Err(LeaseError::Unavailable(format!(
                "lsm_tree: an earlier write to {} failed; reopen the store",
                self.path.display()
            )));
        }
        let mut record = Vec::with_capacity(HEADER + payload.len());
        let len = (payload.len() as u32).to_le_bytes();
        record.extend_from_slice(&len);
        record.extend_from_slice(&crc32(&[&len, payload]).to_le_bytes());
        record.extend_from_slice(payload);
        if let Err(e) = self.file.write_all(&record) {
            // Cut off whatever part of the record reached the file; if even that fails
            // recovery sees a torn tail, or refuses a torn middle.
            self.broken = self.file.set_len(self.len).is_err();
            return Err(io_error("append to", &self.path, e));
        }
        self.len += record.len() as u64;
        if sync {
            self.sync()?;
        }
        Ok(())
    }

    pub(crate) fn sync(&self) -> LeaseResult<()> {
        self.file.sync_data().map_err(|e| io_error("fsync", &self.path, e))
    }
}

/// What a segment held: its complete batches, in order.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    pub batches: Vec<Vec<RecordOp>>,
    /// Bytes of a torn final record that were cut off.
    pub truncated_bytes: u64,
}

/// Reads a segment; truncates a torn tail away (see the module notes).
pub(crate) fn replay(path: &Path) -> LeaseResult<Replay> {
    let mut buf = Vec::new();
    File::open(path).and_then(|mut f| f.read_to_end(&mut buf)).map_err(|e| io_error("read", path, e))?;
    let mut replay = Replay::default();
    let mut pos = 0usize;
    let mut torn = false;
    while pos < buf.len() {
        let rest = &buf[pos..];
        if rest.len() < HEADER {
            torn = true;
            break;
        }
        let len_bytes = [rest[0], rest[1], rest[2], rest[3]];
        let len = u32::from_le_bytes(len_bytes) as usize;
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if len == 0 {
            // Space the file system extended with zeros before the data reached it.
            if rest.iter().all(|&b| b == 0) {
                torn = true;
                break;
            }
            return Err(corruption(path, &format!("empty WAL record at offset {pos}")));
        }
        if len > rest.len() - HEADER {
            torn = true;
            break;
        }
        let payload = &rest[HEADER..HEADER + len];
        if crc32(&[&len_bytes, payload]) != crc {
            if HEADER + len == rest.len() {
                torn = true;
                break;
            }
            return Err(corruption(path, &format!("WAL record checksum mismatch at offset {pos}")));
        }
        let ops = decode_batch(payload)
            .map_err(|DecodeError(why)| corruption(path, &format!("WAL record at offset {pos}: {why}")))?;
        replay.batches.push(ops);
        pos += HEADER + len;
    }
    if torn {
        replay.truncated_bytes = (buf.len() - pos) as u64;
        OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|f| f.set_len(pos as u64).and_then(|()| f.sync_all()))
            .map_err(|e| io_error("truncate the torn tail of", path, e))?;
        tracing::warn!(file = %path.display(), bytes = replay.truncated_bytes, "lsm_tree: torn WAL tail truncated");
    }
    Ok(replay)
}
