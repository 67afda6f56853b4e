//! The write-ahead log: one record per batch, appended and written to the OS before the
//! batch is applied to the tree, so an applied batch survives the process being killed.
//!
//! Record framing: `len: u32 | crc32(payload): u32 | payload`, payload
//! `seq: u64 | op count: u32 | ops`, an op `0 | key` (put, followed by `value`) or
//! `1 | key` (delete), keys and values `u32`-length-prefixed. A record that is short or
//! fails its checksum at the end of the last log is a write torn by a crash and is cut
//! off; one followed by a valid record is corruption.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::codec::{put_bytes, Reader};
use super::files::{corruption, io_error, log_path, sync_dir};
use crate::provider::{LeaseError, LeaseResult};
use crate::store::RecordOp;

const HEADER_LEN: usize = 8;
/// seq + op count: the shortest payload.
const MIN_PAYLOAD_LEN: usize = 12;
const OP_PUT: u8 = 0;
const OP_DELETE: u8 = 1;

/// Appends records to one log file.
pub(crate) struct WalWriter {
    file: File,
    path: PathBuf,
    /// Bytes of complete records; the file is cut back to this after a failed write.
    len: u64,
    buf: Vec<u8>,
    buffer_size: usize,
    /// Set when a failed write could not be undone: appending more would put a torn
    /// record in the middle of the log.
    broken: Option<String>,
}

impl WalWriter {
    /// Starts a new, empty log whose first record will be `first_seq`.
    pub fn create(dir: &Path, first_seq: u64, buffer_size: usize) -> LeaseResult<Self> {
        let path = log_path(dir, first_seq);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error("cannot create log", &path, e))?;
        sync_dir(dir)?;
        Ok(Self::new(file, path, 0, buffer_size))
    }

    /// Continues the log at `path` after its `len` bytes of complete records.
    pub fn reopen(path: &Path, len: u64, buffer_size: usize) -> LeaseResult<Self> {
        let mut file = OpenOptions::new().write(true).open(path).map_err(|e| io_error("cannot open log", path, e))?;
        file.seek(SeekFrom::Start(len)).map_err(|e| io_error("cannot seek in log", path, e))?;
        Ok(Self::new(file, path.to_path_buf(), len, buffer_size))
    }

    fn new(file: File, path: PathBuf, len: u64, buffer_size: usize) -> Self {
        Self { file, path, len, buf: Vec::with_capacity(buffer_size), buffer_size, broken: None }
    }

    pub fn broken(&self) -> Option<&str> {
        self.broken.as_deref()
    }

    /// Writes the record of batch `seq` to the OS (and to disk with `sync`). On failure
    /// the file is cut back to its last complete record.
    pub fn append(&mut self, seq: u64, ops: &[RecordOp], sync: bool) -> LeaseResult<()> {
        if let Some(reason) = &self.broken {
            return Err(LeaseError::Backend(format!("cow_btree: log {} unusable: {reason}", self.path.display())));
        }
        self.buf.clear();
        encode_record(&mut self.buf, seq, ops);
        let written = self.file.write_all(&self.buf).and_then(|()| if sync { self.file.sync_data() } else { Ok(()) });
        let record_len = self.buf.len() as u64;
        if self.buf.capacity() > self.buffer_size {
            self.buf = Vec::with_capacity(self.buffer_size);
        }
        match written {
            Ok(()) => {
                self.len += record_len;
                Ok(())
            }
            Err(e) => {
                let error = io_error("cannot write log", &self.path, e);
                let undone = self.file.set_len(self.len).and_then(|()| self.file.seek(SeekFrom::Start(self.len)));
                if let Err(undo) = undone {
                    self.broken = Some(format!("a failed write could not be cut off: {undo}"));
                }
                Err(error)
            }
        }
    }

    /// fsyncs the log.
    pub fn sync(&mut self) -> LeaseResult<()> {
        self.file.sync_data().map_err(|e| io_error("cannot sync log", &self.path, e))
    }
}

fn encode_record(out: &mut Vec<u8>, seq: u64, ops: &[RecordOp]) {
    out.extend_from_slice(&[0; HEADER_LEN]);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&(ops.len() as u32).to_le_bytes());
    for op in ops {
        match op {
            RecordOp::Put { key, value } => {
                out.push(OP_PUT);
                put_bytes(out, key);
                put_bytes(out, value);
            }
            RecordOp::Delete { key } => {
                out.push(OP_DELETE);
                put_bytes(out, key);
            }
        }
    }
    let payload_len = (out.len() - HEADER_LEN) as u32;
    let crc = crc32fast::hash(&out[HEADER_LEN..]);
    out[..4].copy_from_slice(&payload_len.to_le_bytes());
    out[4..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
}

/// Where reading a log stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LogEnd {
    /// Bytes of complete records.
    pub valid_len: u64,
    /// Bytes after them: a torn final record (and whatever followed it).
    pub torn_len: u64,
}

/// Calls `apply(seq, ops)` for every complete record of the log at `path`, in order.
pub(crate) fn read_log(
    path: &Path,
    mut apply: impl FnMut(u64, Vec<RecordOp>) -> LeaseResult<()>,
) -> LeaseResult<LogEnd> {
    let data = std::fs::read(path).map_err(|e| io_error("cannot read log", path, e))?;
    let mut offset = 0;
    let mut last_seq = None;
    while offset < data.len() {
        let Some((seq, payload)) = frame_at(&data, offset) else {
            if let Some(later) = valid_record_after(&data, offset, last_seq) {
                return Err(corruption(
                    path,
                    format!("damaged log record at byte {offset} followed by a valid record at byte {later}"),
                ));
            }
            return Ok(LogEnd { valid_len: offset as u64, torn_len: (data.len() - offset) as u64 });
        };
        let ops = decode_ops(payload).ok_or_else(|| {
            corruption(path, format!("log record at byte {offset} has a valid checksum but bad contents"))
        })?;
        apply(seq, ops)?;
        last_seq = Some(seq);
        offset += HEADER_LEN + payload.len();
    }
    Ok(LogEnd { valid_len: offset as u64, torn_len: 0 })
}

/// The sequence number and payload of a complete record with a valid checksum at `offset`.
fn frame_at(data: &[u8], offset: usize) -> Option<(u64, &[u8])> {
    let mut reader = Reader::new(data.get(offset..)?);
    let len = usize::try_from(reader.u32()?).ok()?;
    let crc = reader.u32()?;
    if len < MIN_PAYLOAD_LEN {
        return None;
    }
    let payload = reader.take(len)?;
    if crc32fast::hash(payload) != crc {
        return None;
    }
    let seq = Reader::new(payload).u64()?;
    Some((seq, payload))
}

/// The offset of a valid record after the damaged one at `offset`, if any: a torn write
/// is the last thing in a log, so such a record means the damage is corruption. Only
/// positions whose sequence number could follow `last_seq` are checksummed.
fn valid_record_after(data: &[u8], offset: usize, last_seq: Option<u64>) -> Option<usize> {
    let min_record = (HEADER_LEN + MIN_PAYLOAD_LEN) as u64;
    let after = last_seq.unwrap_or(0);
    let limit = after.saturating_add(data.len() as u64 / min_record + 1);
    (offset + 1..data.len().saturating_sub(HEADER_LEN + MIN_PAYLOAD_LEN - 1)).find(|&pos| {
        let seq_bytes = data.get(pos + HEADER_LEN..pos + HEADER_LEN + 8).and_then(|b| b.try_into().ok());
        let plausible = seq_bytes.map(u64::from_le_bytes).is_some_and(|seq| seq > after && seq <= limit);
        plausible && frame_at(data, pos).is_some()
    })
}

fn decode_ops(payload: &[u8]) -> Option<Vec<RecordOp>> {
    let mut reader = Reader::new(payload);
    reader.u64()?;
    let count = reader.u32()?;
    let mut ops = Vec::new();
    for _ in 0..count {
        let op = match reader.u8()? {
            OP_PUT => {
                let key = reader.bytes()?.to_vec();
                RecordOp::Put { key, value: reader.bytes()?.to_vec() }
            }
            OP_DELETE => RecordOp::Delete { key: reader.bytes()?.to_vec() },
            _ => return None,
        };
        ops.push(op);
    }
    reader.is_empty().then_some(ops)
}

#[cfg(test)]
pub(crate) fn encode_for_test(seq: u64, ops: &[RecordOp]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_record(&mut out, seq, ops);
    out
}
