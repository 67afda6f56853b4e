//! The stored form of a term's posting list: (chunk number, term frequency) pairs in
//! ascending chunk order, as a format byte, a varint count, then per posting the varint
//! gap from the previous chunk number and the varint frequency. Decoding checks every
//! length and answers [`ErrorKind::Corrupt`](crate::error::ErrorKind::Corrupt) on bad bytes.

use crate::error::{GraphRagError, GraphRagResult};

const FORMAT_V1: u8 = 1;

/// One document chunk containing the term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Posting {
    pub chunk: u64,
    pub tf: u32,
}

/// Encodes postings in any order; postings of the same chunk are merged (frequencies
/// added, saturating).
pub fn encode(postings: &[Posting]) -> Vec<u8> {
    let mut sorted = postings.to_vec();
    sorted.sort_unstable();
    let mut merged: Vec<Posting> = Vec::with_capacity(sorted.len());
    for p in sorted {
        match merged.last_mut() {
            Some(last) if last.chunk == p.chunk => last.tf = last.tf.saturating_add(p.tf),
            _ => merged.push(p),
        }
    }
    let mut out = Vec::with_capacity(2 + merged.len() * 3);
    out.push(FORMAT_V1);
    put_varint(&mut out, merged.len() as u64);
    let mut previous = 0u64;
    for p in &merged {
        put_varint(&mut out, p.chunk - previous);
        put_varint(&mut out, u64::from(p.tf));
        previous = p.chunk;
    }
    out
}

/// Decodes what [`encode`] wrote.
pub fn decode(bytes: &[u8]) -> GraphRagResult<Vec<Posting>> {
    let mut cursor = Cursor { bytes, at: 0 };
    let format = cursor.byte()?;
    if format != FORMAT_V1 {
        return Err(GraphRagError::corrupt(format!("posting list: unknown format {format}")));
    }
    let count = cursor.varint()?;
    // Every posting takes at least two bytes, so a larger count cannot be genuine.
    if count > (bytes.len() - cursor.at) as u64 / 2 {
        return Err(GraphRagError::corrupt(format!("posting list: count {count} exceeds its {} bytes", bytes.len())));
    }
    let mut postings = Vec::with_capacity(count as usize);
    let mut chunk = 0u64;
    for i in 0..count {
        let gap = cursor.varint()?;
        if i > 0 && gap == 0 {
            return Err(GraphRagError::corrupt("posting list: chunk numbers not ascending"));
        }
        chunk = chunk.checked_add(gap).ok_or_else(|| GraphRagError::corrupt("posting list: chunk number overflows"))?;
        let tf = u32::try_from(cursor.varint()?)
            .map_err(|_| GraphRagError::corrupt("posting list: term frequency overflows"))?;
        postings.push(Posting { chunk, tf });
    }
    if cursor.at != bytes.len() {
        return Err(GraphRagError::corrupt("posting list: trailing bytes"));
    }
    Ok(postings)
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn byte(&mut self) -> GraphRagResult<u8> {
        let b = *self.bytes.get(self.at).ok_or_else(|| GraphRagError::corrupt("posting list: truncated"))?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> GraphRagResult<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7F);
            if shift == 63 && bits > 1 {
                return Err(GraphRagError::corrupt("posting list: varint overflows"));
            }
            value |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(GraphRagError::corrupt("posting list: varint too long"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn p(chunk: u64, tf: u32) -> Posting {
        Posting { chunk, tf }
    }

    #[test]
    fn round_trips_sorted_and_merged() {
        let postings = [p(300, 2), p(5, 1), p(u64::MAX, u32::MAX), p(0, 7), p(5, 3)];
        let decoded = decode(&encode(&postings)).unwrap();
        assert_eq!(decoded, [p(0, 7), p(5, 4), p(300, 2), p(u64::MAX, u32::MAX)]);
        assert_eq!(decode(&encode(&[])).unwrap(), []);
    }

    #[test]
    fn small_gaps_take_two_bytes_each() {
        let postings: Vec<Posting> = (0..100).map(|i| p(i * 3, 1)).collect();
        assert_eq!(encode(&postings).len(), 1 + 1 + 200);
    }

    #[test]
    fn bad_bytes_are_corrupt_never_a_panic() {
        let good = encode(&[p(1, 1), p(200, 5), p(70_000, 300)]);
        for cut in 0..good.len() {
            assert_eq!(decode(&good[..cut]).unwrap_err().kind, ErrorKind::Corrupt, "cut at {cut}");
        }
        let cases: [&[u8]; 6] = [
            &[2, 0],
            &[1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
            &[1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 1],
            &[1, 2, 1, 1, 0, 1],
            &[1, 1, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
            &[1, 1, 1, 1, 9],
        ];
        for bytes in cases {
            assert_eq!(decode(bytes).unwrap_err().kind, ErrorKind::Corrupt, "{bytes:?}");
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2000 {
            let len = (state % 24) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let _ = decode(&bytes);
        }
    }
}
