//! Body compression that STARTUP's COMPRESSION option turns on. In v4 a compressed
//! envelope body is LZ4 (a 4-byte big-endian uncompressed length, then an LZ4 block) or
//! raw Snappy; in v5 only LZ4 exists and it applies to whole segments (see
//! [`super::segment`]). Decompression is bounded by the frame cap.

use crate::error::{CqlError, CqlResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Lz4,
    Snappy,
}

impl Compression {
    pub fn from_option(name: &str) -> Option<Compression> {
        match name.to_ascii_lowercase().as_str() {
            "lz4" => Some(Compression::Lz4),
            "snappy" => Some(Compression::Snappy),
            _ => None,
        }
    }

    /// A v4 envelope body.
    pub fn compress_body(self, body: &[u8]) -> Vec<u8> {
        match self {
            Compression::Lz4 => {
                let mut out = Vec::with_capacity(4 + body.len() / 2);
                out.extend_from_slice(&(body.len() as u32).to_be_bytes());
                out.extend_from_slice(&lz4_flex::block::compress(body));
                out
            }
            Compression::Snappy => snap::raw::Encoder::new().compress_vec(body).unwrap_or_else(|_| body.to_vec()),
        }
    }

    /// A v4 envelope body; refuses to inflate beyond `max`.
    pub fn decompress_body(self, body: &[u8], max: usize) -> CqlResult<Vec<u8>> {
        let bad = |what: &str| CqlError::protocol(format!("Cannot decompress the body: {what}"));
        match self {
            Compression::Lz4 => {
                let (len, block) = body.split_first_chunk::<4>().ok_or_else(|| bad("no length"))?;
                let len = u32::from_be_bytes(*len) as usize;
                if len > max {
                    return Err(bad("the uncompressed length exceeds the frame limit"));
                }
                lz4_flex::block::decompress(block, len).map_err(|e| bad(&e.to_string()))
            }
            Compression::Snappy => {
                let len = snap::raw::decompress_len(body).map_err(|e| bad(&e.to_string()))?;
                if len > max {
                    return Err(bad("the uncompressed length exceeds the frame limit"));
                }
                snap::raw::Decoder::new().decompress_vec(body).map_err(|e| bad(&e.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_and_bombs_are_refused() {
        let body = b"SELECT * FROM system.local WHERE key='local'".repeat(20);
        for c in [Compression::Lz4, Compression::Snappy] {
            let packed = c.compress_body(&body);
            assert!(packed.len() < body.len());
            assert_eq!(c.decompress_body(&packed, 1 << 20).unwrap(), body);
            assert!(c.decompress_body(&packed, 100).is_err(), "{c:?} inflates past the cap");
            assert!(c.decompress_body(&[0xff; 7], 1 << 20).is_err(), "{c:?} garbage");
        }
        // The v4 LZ4 layout: the uncompressed length first, big-endian.
        assert_eq!(&Compression::Lz4.compress_body(&body)[..4], &(body.len() as u32).to_be_bytes());
    }
}
