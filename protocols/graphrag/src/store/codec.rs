//! The compact binary form of the engine's own rows: LEB128 varints, length-prefixed
//! strings and byte strings, little-endian f64/f32. [`Reader`] checks every length against
//! what is left, so stored bytes that do not decode give `Corrupt`, never a panic.

use crate::error::{GraphRagError, GraphRagResult};

/// The most elements any stored list may claim (a bound against corrupt lengths).
const MAX_LIST: u64 = 1 << 28;

#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Writer::default()
    }

    pub fn u64(&mut self, mut n: u64) -> &mut Self {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.buf.push(byte);
                return self;
            }
            self.buf.push(byte | 0x80);
        }
    }

    pub fn usize(&mut self, n: usize) -> &mut Self {
        self.u64(n as u64)
    }

    pub fn f64(&mut self, x: f64) -> &mut Self {
        self.buf.extend_from_slice(&x.to_le_bytes());
        self
    }

    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.usize(b.len());
        self.buf.extend_from_slice(b);
        self
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

pub struct Reader<'a> {
    rest: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader of the record `what` (named in errors).
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader { rest: bytes, what }
    }

    fn corrupt(&self) -> GraphRagError {
        GraphRagError::corrupt(format!("stored {} does not decode", self.what))
    }

    pub fn u64(&mut self) -> GraphRagResult<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.rest.split_first().ok_or_else(|| self.corrupt())?;
            self.rest = rest;
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.corrupt())
    }

    pub fn u32(&mut self) -> GraphRagResult<u32> {
        u32::try_from(self.u64()?).map_err(|_| self.corrupt())
    }

    /// A list length, bounded.
    pub fn len(&mut self) -> GraphRagResult<usize> {
        let n = self.u64()?;
        if n > MAX_LIST || n as usize > self.rest.len() {
            return Err(self.corrupt());
        }
        Ok(n as usize)
    }

    pub fn f64(&mut self) -> GraphRagResult<f64> {
        let (head, rest) = self.rest.split_first_chunk::<8>().ok_or_else(|| self.corrupt())?;
        self.rest = rest;
        Ok(f64::from_le_bytes(*head))
    }

    pub fn bytes(&mut self) -> GraphRagResult<&'a [u8]> {
        let n = self.u64()?;
        if n > self.rest.len() as u64 {
            return Err(self.corrupt());
        }
        let (head, rest) = self.rest.split_at(n as usize);
        self.rest = rest;
        Ok(head)
    }

    pub fn string(&mut self) -> GraphRagResult<String> {
        let bytes = self.bytes()?;
        String::from_utf8(bytes.to_vec()).map_err(|_| self.corrupt())
    }

    /// Fails unless every byte was read.
    pub fn end(&self) -> GraphRagResult<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.corrupt())
        }
    }
}

/// f32 vectors as little-endian bytes.
pub fn encode_f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn decode_f32s(bytes: &[u8]) -> GraphRagResult<Vec<f32>> {
    if bytes.len() % 4 != 0 {
        return Err(GraphRagError::corrupt("stored embedding length is not a multiple of 4"));
    }
    Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let mut w = Writer::new();
        w.u64(0).u64(300).u64(u64::MAX).f64(-1.5).str("héllo").bytes(&[1, 2, 3]);
        let bytes = w.finish();
        let mut r = Reader::new(&bytes, "test");
        assert_eq!(r.u64().unwrap(), 0);
        assert_eq!(r.u64().unwrap(), 300);
        assert_eq!(r.u64().unwrap(), u64::MAX);
        assert_eq!(r.f64().unwrap(), -1.5);
        assert_eq!(r.string().unwrap(), "héllo");
        assert_eq!(r.bytes().unwrap(), &[1, 2, 3]);
        r.end().unwrap();
        for cut in 0..bytes.len() {
            let mut r = Reader::new(&bytes[..cut], "test");
            let all = (|| -> GraphRagResult<()> {
                r.u64()?;
                r.u64()?;
                r.u64()?;
                r.f64()?;
                r.string()?;
                r.bytes()?;
                r.end()
            })();
            assert!(all.is_err(), "a record cut at {cut} must not decode");
        }
        assert!(Reader::new(&[0xff; 11], "test").u64().is_err());
        assert!(decode_f32s(&[0, 0, 0]).is_err());
        assert_eq!(decode_f32s(&encode_f32s(&[1.0, -2.5])).unwrap(), vec![1.0, -2.5]);
    }
}
