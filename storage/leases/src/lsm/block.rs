//! The block: the unit an SSTable is read in.
//!
//! Raw data block: entries `key (u32 len + bytes) | kind u8 (0 tombstone, 1 value) |
//! value (u32 len + bytes, values only)`, in ascending key order. Stored block: the raw
//! bytes, LZ4-compressed (size-prepended) when compression is on, then `codec u8 |
//! crc32 u32` over the stored bytes and codec. Index, bloom and property blocks use the
//! same stored form, never compressed.

use super::codec::{crc32, put_bytes, DecodeError, DecodeResult, Reader};
use super::memtable::Entry;

const CODEC_NONE: u8 = 0;
const CODEC_LZ4: u8 = 1;
const TRAILER: usize = 5;
/// Upper bound on a decompressed block, whatever its (checksummed) header claims.
const MAX_RAW_BLOCK: usize = 1 << 30;

/// Appends one entry to a raw data block.
pub(crate) fn put_entry(out: &mut Vec<u8>, key: &[u8], value: Option<&[u8]>) {
    put_bytes(out, key);
    match value {
        Some(v) => {
            out.push(1);
            put_bytes(out, v);
        }
        None => out.push(0),
    }
}

pub(crate) fn decode_entries(raw: &[u8]) -> DecodeResult<Vec<Entry>> {
    let mut r = Reader::new(raw);
    let mut entries = Vec::new();
    while !r.is_empty() {
        let key = r.bytes()?.to_vec();
        let value = match r.u8()? {
            0 => None,
            1 => Some(r.bytes()?.to_vec()),
            _ => return Err(DecodeError("unknown entry kind in data block")),
        };
        entries.push((key, value));
    }
    Ok(entries)
}

/// The stored form of `raw`.
pub(crate) fn seal(raw: &[u8], compress: bool) -> Vec<u8> {
    let (mut out, codec) =
        if compress { (lz4_flex::compress_prepend_size(raw), CODEC_LZ4) } else { (raw.to_vec(), CODEC_NONE) };
    out.push(codec);
    let crc = crc32(&[&out]);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The raw bytes of a stored block, after checking its checksum.
pub(crate) fn unseal(stored: &[u8]) -> DecodeResult<Vec<u8>> {
    if stored.len() < TRAILER {
        return Err(DecodeError("block shorter than its trailer"));
    }
    let (body, crc) = stored.split_at(stored.len() - 4);
    if crc32(&[body]).to_le_bytes() != crc {
        return Err(DecodeError("block checksum mismatch"));
    }
    let (data, codec) = body.split_at(body.len() - 1);
    match codec[0] {
        CODEC_NONE => Ok(data.to_vec()),
        CODEC_LZ4 => {
            let claimed = Reader::new(data).u32()? as usize;
            if claimed > MAX_RAW_BLOCK {
                return Err(DecodeError("compressed block claims an impossible size"));
            }
            lz4_flex::decompress_size_prepended(data).map_err(|_| DecodeError("LZ4 block does not decompress"))
        }
        _ => Err(DecodeError("unknown block codec")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_round_trips_with_and_without_compression() {
        let mut raw = Vec::new();
        for i in 0..100u32 {
            let key = format!("key{i:05}");
            let value = if i % 7 == 0 { None } else { Some(vec![b'x'; (i % 30) as usize]) };
            put_entry(&mut raw, key.as_bytes(), value.as_deref());
        }
        for compress in [false, true] {
            let stored = seal(&raw, compress);
            if compress {
                assert!(stored.len() < raw.len(), "repetitive data compresses");
            }
            let back = unseal(&stored).unwrap();
            assert_eq!(back, raw);
            let entries = decode_entries(&back).unwrap();
            assert_eq!(entries.len(), 100);
            assert_eq!(entries[7], (b"key00007".to_vec(), None));
            let mut damaged = stored.clone();
            damaged[3] ^= 0x40;
            assert!(unseal(&damaged).is_err());
        }
    }
}
