//! Rebuilding the in-memory index from a log at open.
//!
//! The log is read slot by slot from the start ([`LogReader`] maps a logical slot to its
//! path and place: on a mirror path slot `i` is at `i`; over `N` striped paths slot `i`
//! is at `i / N` of path `i % N`). Each batch must start at slot index 0 with the next
//! sequence number, have all its slots valid (magic, generation, crc) and agreeing, end
//! with a commit slot and match its batch crc. The first batch that does not is the torn
//! tail: it and everything after it are ignored, and the next write goes there.

use super::aligned::{self, AlignedBuf};
use super::slot::{self, SlotHeader, FLAG_COMMIT};
use crate::provider::{LeaseError, LeaseResult};
use crate::store::RecordOp;
use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::sync::Arc;

/// Physical slots read at once from each path.
const CHUNK: u64 = 256;

/// Reads logical slots of a log kept in one file or striped over several.
pub struct LogReader<'a> {
    files: &'a [Arc<File>],
    slot_size: usize,
    per_path: u64,
    chunk: Option<(u64, Vec<AlignedBuf>)>,
}

impl<'a> LogReader<'a> {
    pub fn new(files: &'a [Arc<File>], slot_size: usize, per_path: u64) -> Self {
        LogReader { files, slot_size, per_path, chunk: None }
    }

    /// Logical slots in the log.
    pub fn capacity(&self) -> u64 {
        self.per_path * self.files.len() as u64
    }

    pub fn slot(&mut self, logical: u64) -> io::Result<&[u8]> {
        let n = self.files.len() as u64;
        let (path, phys) = ((logical % n) as usize, logical / n);
        let base = phys / CHUNK * CHUNK;
        if self.chunk.as_ref().is_none_or(|(b, _)| *b != base) {
            let slots = CHUNK.min(self.per_path.saturating_sub(base)) as usize;
            let mut bufs = Vec::with_capacity(self.files.len());
            for file in self.files {
                let mut buf = AlignedBuf::zeroed(slots * self.slot_size)?;
                aligned::read_at(file, buf.as_mut_slice(), base * self.slot_size as u64)?;
                bufs.push(buf);
            }
            self.chunk = Some((base, bufs));
        }
        let (_, bufs) = self.chunk.as_ref().ok_or_else(|| io::Error::other("no chunk read"))?;
        let offset = (phys - base) as usize * self.slot_size;
        bufs.get(path)
            .and_then(|b| b.as_slice().get(offset..offset + self.slot_size))
            .ok_or_else(|| io::Error::other(format!("slot {logical} is past the end of the log")))
    }
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct Recovered {
    pub records: BTreeMap<Vec<u8>, Vec<u8>>,
    /// The first free logical slot (where the torn tail, if any, began).
    pub tail: u64,
    /// The sequence number of the next batch.
    pub next_seq: u64,
    /// Batches replayed.
    pub batches: u64,
    /// Whether a partially written batch was found (and ignored) at the tail.
    pub torn_tail: bool,
}

/// Replays the log of `generation` read through `reader`.
pub fn scan(reader: &mut LogReader<'_>, generation: u64, what: &str) -> LeaseResult<Recovered> {
    let io_error = |e: io::Error| LeaseError::Backend(format!("flash: reading the log of {what}: {e}"));
    let mut found = Recovered { next_seq: 1, ..Recovered::default() };
    let capacity = reader.capacity();
    let mut expected: Option<u64> = None;
    while found.tail < capacity {
        let start = found.tail;
        let Some((first, payload)) = slot::parse_slot(reader.slot(start).map_err(io_error)?, generation) else {
            found.torn_tail = reader.slot(start).map_err(io_error)?.iter().any(|b| *b != 0);
            break;
        };
        let plausible = first.index == 0
            && first.count >= 1
            && start + first.count as u64 <= capacity
            && expected.is_none_or(|seq| seq == first.seq);
        if !plausible {
            found.torn_tail = true;
            break;
        }
        let mut whole = payload.to_vec();
        let mut complete = first.count == 1 && first.flags & FLAG_COMMIT != 0;
        for i in 1..first.count {
            match slot::parse_slot(reader.slot(start + i as u64).map_err(io_error)?, generation) {
                Some((h, part)) if belongs(&first, &h, i) => {
                    whole.extend_from_slice(part);
                    complete = i + 1 == first.count && h.flags & FLAG_COMMIT != 0;
                }
                _ => break,
            }
            if whole.len() > first.batch_len as usize {
                break;
            }
        }
        let ops = match complete {
            true => slot::finish_batch(&first, &whole).ok(),
            false => None,
        };
        let Some(ops) = ops else {
            found.torn_tail = true;
            break;
        };
        for op in ops {
            match op {
                RecordOp::Put { key, value } => {
                    found.records.insert(key, value);
                }
                RecordOp::Delete { key } => {
                    found.records.remove(&key);
                }
            }
        }
        found.tail = start + first.count as u64;
        found.next_seq = first.seq + 1;
        found.batches += 1;
        expected = Some(first.seq + 1);
    }
    Ok(found)
}

/// Whether slot `index` with header `h` is part of the batch that `first` starts.
fn belongs(first: &SlotHeader, h: &SlotHeader, index: u32) -> bool {
    h.index == index
        && h.seq == first.seq
        && h.count == first.count
        && h.batch_len == first.batch_len
        && h.batch_crc == first.batch_crc
        && h.records == first.records
        && (h.flags & !FLAG_COMMIT) == (first.flags & !FLAG_COMMIT)
}
