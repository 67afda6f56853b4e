//! Protocol v5 segment framing (native_protocol_v5.spec section 2), in force in both
//! directions once the server has sent READY or AUTHENTICATE. A segment is a
//! little-endian header — payload length (17 bits) and the self-contained flag, or with
//! LZ4 the compressed and uncompressed lengths (17 bits each) and the flag — followed by
//! a CRC24 of the header, the payload (at most 128 KiB − 1) and a CRC32 of the payload.
//! Envelopes travel inside payloads: whole ones in self-contained segments, a large one
//! split over several segments otherwise; the reader treats payloads as one byte stream
//! and hands it to the envelope decoder.

use crate::error::{CqlError, CqlResult};
use bytes::{Buf, BufMut, BytesMut};

pub const MAX_PAYLOAD: usize = (1 << 17) - 1;
const CRC24_INIT: u32 = 0x875060;
const CRC24_POLY: u32 = 0x1974F0B;
/// Cassandra seeds its payload CRC32 with these bytes before the payload.
const CRC32_SEED: [u8; 4] = [0xFA, 0x2D, 0x55, 0xCA];

/// CRC24 of the first `len` bytes of a little-endian header value.
pub fn crc24(header: u64, len: usize) -> u32 {
    let mut crc = CRC24_INIT;
    for i in 0..len {
        crc ^= (((header >> (8 * i)) & 0xff) as u32) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x100_0000 != 0 {
                crc ^= CRC24_POLY;
            }
        }
    }
    crc & 0xff_ffff
}

pub fn crc32(payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&CRC32_SEED);
    hasher.update(payload);
    hasher.finalize()
}

fn read_le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}

fn put_le(out: &mut BytesMut, value: u64, len: usize) {
    for i in 0..len {
        out.put_u8((value >> (8 * i)) as u8);
    }
}

/// Takes the next segment's payload off `buf`; `Ok(None)` until it is all there.
pub fn decode(buf: &mut BytesMut, lz4: bool) -> CqlResult<Option<Vec<u8>>> {
    let header_len = if lz4 { 5 } else { 3 };
    if buf.len() < header_len + 3 {
        return Ok(None);
    }
    let header = read_le(&buf[..header_len]);
    let sent_crc = read_le(&buf[header_len..header_len + 3]) as u32;
    if crc24(header, header_len) != sent_crc {
        return Err(CqlError::protocol("Segment header CRC mismatch"));
    }
    let (wire_len, uncompressed_len) = if lz4 {
        ((header & 0x1ffff) as usize, ((header >> 17) & 0x1ffff) as usize)
    } else {
        ((header & 0x1ffff) as usize, 0)
    };
    let total = header_len + 3 + wire_len + 4;
    if buf.len() < total {
        buf.reserve(total - buf.len());
        return Ok(None);
    }
    buf.advance(header_len + 3);
    let payload = buf.split_to(wire_len);
    let sent_crc = buf.get_u32_le();
    if crc32(&payload) != sent_crc {
        return Err(CqlError::protocol("Segment payload CRC mismatch"));
    }
    if uncompressed_len == 0 {
        return Ok(Some(payload.to_vec()));
    }
    lz4_flex::block::decompress(&payload, uncompressed_len)
        .map(Some)
        .map_err(|e| CqlError::protocol(format!("Cannot decompress a segment: {e}")))
}

/// Appends `envelopes` (whole response envelopes) as segments: one self-contained
/// segment when they fit, else non-self-contained pieces.
pub fn encode(out: &mut BytesMut, envelopes: &[u8], lz4: bool) {
    let self_contained = envelopes.len() <= MAX_PAYLOAD;
    for chunk in envelopes.chunks(MAX_PAYLOAD) {
        encode_one(out, chunk, self_contained, lz4);
    }
    if envelopes.is_empty() {
        encode_one(out, envelopes, true, lz4);
    }
}

fn encode_one(out: &mut BytesMut, payload: &[u8], self_contained: bool, lz4: bool) {
    if lz4 {
        let compressed = lz4_flex::block::compress(payload);
        let (body, uncompressed_len) =
            if compressed.len() < payload.len() { (&compressed[..], payload.len()) } else { (payload, 0) };
        let header = body.len() as u64 | ((uncompressed_len as u64) << 17) | (u64::from(self_contained) << 34);
        put_le(out, header, 5);
        put_le(out, u64::from(crc24(header, 5)), 3);
        out.put_slice(body);
        out.put_u32_le(crc32(body));
    } else {
        let header = payload.len() as u64 | (u64::from(self_contained) << 17);
        put_le(out, header, 3);
        put_le(out, u64::from(crc24(header, 3)), 3);
        out.put_slice(payload);
        out.put_u32_le(crc32(payload));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CRC24 by its definition (polynomial 0x1974F0B, initial value 0x875060, bytes fed
    /// least significant first, most significant bit first within a byte), computed
    /// here independently of the table-free loop above.
    fn crc24_by_definition(bytes: &[u8]) -> u32 {
        let mut reg: u32 = 0x875060;
        for byte in bytes {
            for bit in (0..8).rev() {
                let in_bit = (byte >> bit) & 1;
                let top = (reg >> 23) & 1;
                reg = (reg << 1) & 0xff_ffff;
                if (top ^ u32::from(in_bit)) == 1 {
                    reg ^= 0x1974F0B & 0xff_ffff;
                }
            }
        }
        reg
    }

    #[test]
    fn crcs_follow_their_definitions() {
        for header in [0u64, 1, 0x1ffff, 0x3ffff, 0x12345, 0x2_0000_0042] {
            let bytes = header.to_le_bytes();
            assert_eq!(crc24(header, 3), crc24_by_definition(&bytes[..3]), "{header:x}");
            assert_eq!(crc24(header, 5), crc24_by_definition(&bytes[..5]), "{header:x}");
        }
        // CRC32 is the ordinary CRC-32 over the seed bytes followed by the payload.
        let mut seeded = CRC32_SEED.to_vec();
        seeded.extend_from_slice(b"payload");
        assert_eq!(crc32(b"payload"), crc32fast::hash(&seeded));
    }

    #[test]
    fn segments_round_trip_split_and_byte_by_byte() {
        for lz4 in [false, true] {
            let small = b"an envelope".to_vec();
            let large: Vec<u8> = (0..MAX_PAYLOAD * 2 + 10).map(|i| (i * 7 % 251) as u8).collect();
            for payload in [small, large] {
                let mut wire = BytesMut::new();
                encode(&mut wire, &payload, lz4);
                let mut buf = BytesMut::new();
                let mut got = Vec::new();
                for chunk in wire.chunks(977) {
                    buf.extend_from_slice(chunk);
                    while let Some(p) = decode(&mut buf, lz4).unwrap() {
                        got.extend_from_slice(&p);
                    }
                }
                assert_eq!(got, payload, "lz4 {lz4}");
            }
        }
    }

    #[test]
    fn corrupted_segments_are_refused() {
        let mut wire = BytesMut::new();
        encode(&mut wire, b"hello", false);
        let mut header_flip = wire.clone();
        header_flip[0] ^= 1;
        assert!(decode(&mut header_flip, false).is_err());
        let mut payload_flip = wire.clone();
        payload_flip[7] ^= 1;
        assert!(decode(&mut payload_flip, false).is_err());
    }
}
