//! The slot format of a Flash log.
//!
//! A log is a preallocated file of fixed-size slots (a multiple of 4096 bytes). One
//! batch of [`RecordOp`]s is encoded into a payload (optionally LZ4-compressed), split
//! over one or more consecutive slots, each slot starting with a header:
//!
//! ```text
//!  0 magic u32 | 4 version u8 | 5 flags u8 (COMMIT, LZ4) | 6 reserved u16
//!  8 generation u64 | 16 sequence u64 | 24 slot index u32 | 28 slot count u32
//! 32 payload bytes in this slot u32 | 36 batch payload bytes u32 | 40 batch crc u32
//! 44 record count u32 | 48 slot crc u32 (of bytes 0..48 and this slot's payload) | 52 payload
//! ```
//!
//! The last slot of a batch carries the COMMIT flag; the batch crc (over the sequence
//! number and the whole payload) is in every slot, so a batch whose slots come from two
//! different writes, or that lacks its commit slot, is discarded whole.

use super::aligned::AlignedBuf;
use crate::provider::{LeaseError, LeaseResult};
use crate::store::RecordOp;

pub const MAGIC: u32 = 0x534C_464F;
pub const VERSION: u8 = 1;
pub const HEADER: usize = 52;
pub const FLAG_COMMIT: u8 = 1;
pub const FLAG_LZ4: u8 = 2;

/// The largest key and value a record may have.
pub const MAX_KEY: usize = 64 * 1024;
pub const MAX_VALUE: usize = 16 * 1024 * 1024;
/// The largest payload of one batch (uncompressed).
pub const MAX_BATCH: usize = 256 * 1024 * 1024;

const TAG_PUT: u8 = 1;
const TAG_DELETE: u8 = 2;

/// A batch encoded into whole slots, ready to be written.
pub struct BatchImage {
    pub buf: AlignedBuf,
    pub slots: u64,
}

/// The header of one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotHeader {
    pub flags: u8,
    pub generation: u64,
    pub seq: u64,
    pub index: u32,
    pub count: u32,
    pub payload_len: u32,
    pub batch_len: u32,
    pub batch_crc: u32,
    pub records: u32,
}

/// The record stream of a batch: per op a tag, the key and (for a put) the value, each
/// length-prefixed (u32, little endian).
pub fn encode_ops(ops: &[RecordOp]) -> LeaseResult<Vec<u8>> {
    let mut out = Vec::new();
    for op in ops {
        let (tag, key, value) = match op {
            RecordOp::Put { key, value } => (TAG_PUT, key, Some(value)),
            RecordOp::Delete { key } => (TAG_DELETE, key, None),
        };
        if key.len() > MAX_KEY || value.is_some_and(|v| v.len() > MAX_VALUE) {
            return Err(LeaseError::Backend(format!(
                "flash: a record of {} key bytes is larger than the limits ({MAX_KEY} key, {MAX_VALUE} value bytes)",
                key.len()
            )));
        }
        out.push(tag);
        out.extend_from_slice(&(key.len() as u32).to_le_bytes());
        out.extend_from_slice(key);
        if let Some(value) = value {
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
            out.extend_from_slice(value);
        }
        if out.len() > MAX_BATCH {
            return Err(LeaseError::Backend(format!("flash: a batch is larger than {MAX_BATCH} bytes")));
        }
    }
    Ok(out)
}

/// Decodes a record stream written by [`encode_ops`]; never panics on bad bytes.
pub fn decode_ops(mut bytes: &[u8]) -> Result<Vec<RecordOp>, String> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], String> {
        if bytes.len() < n {
            return Err(format!("{what}: {n} bytes wanted, {} left", bytes.len()));
        }
        let (head, rest) = bytes.split_at(n);
        *bytes = rest;
        Ok(head)
    }
    fn length(bytes: &mut &[u8], limit: usize, what: &str) -> Result<usize, String> {
        let raw = take(bytes, 4, what)?;
        let n = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
        if n > limit {
            return Err(format!("{what} of {n} bytes is over the limit {limit}"));
        }
        Ok(n)
    }
    let mut ops = Vec::new();
    while !bytes.is_empty() {
        let tag = take(&mut bytes, 1, "record tag")?[0];
        let key_len = length(&mut bytes, MAX_KEY, "key length")?;
        let key = take(&mut bytes, key_len, "key")?.to_vec();
        match tag {
            TAG_PUT => {
                let value_len = length(&mut bytes, MAX_VALUE, "value length")?;
                let value = take(&mut bytes, value_len, "value")?.to_vec();
                ops.push(RecordOp::Put { key, value });
            }
            TAG_DELETE => ops.push(RecordOp::Delete { key }),
            other => return Err(format!("unknown record tag {other}")),
        }
    }
    Ok(ops)
}

fn batch_crc(seq: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&seq.to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// Encodes `ops` as batch `seq` of `generation` into whole slots of `slot_size` bytes.
pub fn build_batch(
    ops: &[RecordOp],
    generation: u64,
    seq: u64,
    slot_size: usize,
    lz4: bool,
) -> LeaseResult<BatchImage> {
    let plain = encode_ops(ops)?;
    let (payload, flags) = match lz4 {
        true => {
            let packed = lz4_flex::block::compress_prepend_size(&plain);
            if packed.len() < plain.len() {
                (packed, FLAG_LZ4)
            } else {
                (plain, 0)
            }
        }
        false => (plain, 0),
    };
    let per_slot = slot_size - HEADER;
    let slots = payload.len().div_ceil(per_slot).max(1);
    let crc = batch_crc(seq, &payload);
    let mut buf = AlignedBuf::zeroed(slots * slot_size)
        .map_err(|e| LeaseError::Backend(format!("flash: a batch buffer of {slots} slots: {e}")))?;
    let bytes = buf.as_mut_slice();
    for index in 0..slots {
        let chunk = payload.get(index * per_slot..((index + 1) * per_slot).min(payload.len())).unwrap_or(&[]);
        let header = SlotHeader {
            flags: flags | if index + 1 == slots { FLAG_COMMIT } else { 0 },
            generation,
            seq,
            index: index as u32,
            count: slots as u32,
            payload_len: chunk.len() as u32,
            batch_len: payload.len() as u32,
            batch_crc: crc,
            records: ops.len() as u32,
        };
        let slot = &mut bytes[index * slot_size..(index + 1) * slot_size];
        write_header(slot, &header);
        slot[HEADER..HEADER + chunk.len()].copy_from_slice(chunk);
        let mut h = crc32fast::Hasher::new();
        h.update(&slot[..48]);
        h.update(chunk);
        let slot_crc = h.finalize();
        slot[48..52].copy_from_slice(&slot_crc.to_le_bytes());
    }
    Ok(BatchImage { buf, slots: slots as u64 })
}

fn write_header(slot: &mut [u8], h: &SlotHeader) {
    slot[0..4].copy_from_slice(&MAGIC.to_le_bytes());
    slot[4] = VERSION;
    slot[5] = h.flags;
    slot[8..16].copy_from_slice(&h.generation.to_le_bytes());
    slot[16..24].copy_from_slice(&h.seq.to_le_bytes());
    slot[24..28].copy_from_slice(&h.index.to_le_bytes());
    slot[28..32].copy_from_slice(&h.count.to_le_bytes());
    slot[32..36].copy_from_slice(&h.payload_len.to_le_bytes());
    slot[36..40].copy_from_slice(&h.batch_len.to_le_bytes());
    slot[40..44].copy_from_slice(&h.batch_crc.to_le_bytes());
    slot[44..48].copy_from_slice(&h.records.to_le_bytes());
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(raw)
}

/// The header and payload of a slot of `generation` whose magic and crc are right;
/// `None` for anything else (a zeroed slot, a torn or stale write).
pub fn parse_slot(slot: &[u8], generation: u64) -> Option<(SlotHeader, &[u8])> {
    if slot.len() < HEADER || u32_at(slot, 0) != MAGIC || slot[4] != VERSION {
        return None;
    }
    let header = SlotHeader {
        flags: slot[5],
        generation: u64_at(slot, 8),
        seq: u64_at(slot, 16),
        index: u32_at(slot, 24),
        count: u32_at(slot, 28),
        payload_len: u32_at(slot, 32),
        batch_len: u32_at(slot, 36),
        batch_crc: u32_at(slot, 40),
        records: u32_at(slot, 44),
    };
    let end = HEADER.checked_add(header.payload_len as usize)?;
    if header.generation != generation || end > slot.len() {
        return None;
    }
    let payload = &slot[HEADER..end];
    let mut h = crc32fast::Hasher::new();
    h.update(&slot[..48]);
    h.update(payload);
    (h.finalize() == u32_at(slot, 48)).then_some((header, payload))
}

/// Checks a reassembled batch payload against its header and decodes its records.
pub fn finish_batch(first: &SlotHeader, payload: &[u8]) -> Result<Vec<RecordOp>, String> {
    if payload.len() != first.batch_len as usize || batch_crc(first.seq, payload) != first.batch_crc {
        return Err("batch checksum mismatch".into());
    }
    let plain;
    let bytes = if first.flags & FLAG_LZ4 != 0 {
        let claimed = payload.get(..4).map(|b| u32_at(b, 0) as usize).unwrap_or(usize::MAX);
        if claimed > MAX_BATCH {
            return Err(format!("an LZ4 batch claims {claimed} bytes"));
        }
        plain = lz4_flex::block::decompress_size_prepended(payload).map_err(|e| format!("LZ4: {e}"))?;
        &plain[..]
    } else {
        payload
    };
    let ops = decode_ops(bytes)?;
    if ops.len() != first.records as usize {
        return Err(format!("{} records decoded, {} announced", ops.len(), first.records));
    }
    Ok(ops)
}
