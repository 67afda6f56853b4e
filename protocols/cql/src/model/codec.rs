//! The compact binary encoding of what the model stores besides values: catalog entries
//! (keyspaces, tables, types) and cell headers. Lengths are LEB128 varints; every read is
//! checked and a short or malformed buffer is a `CqlError::server`, never a panic.

use crate::error::{CqlError, CqlResult};

fn corrupt(what: &str) -> CqlError {
    CqlError::server(format!("stored {what} is malformed"))
}

#[derive(Default)]
pub struct Writer {
    pub out: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Writer::default()
    }
    pub fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    pub fn uvar(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.out.push(byte);
                return;
            }
            self.out.push(byte | 0x80);
        }
    }
    pub fn ivar(&mut self, v: i64) {
        self.uvar(((v << 1) ^ (v >> 63)) as u64);
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.uvar(b.len() as u64);
        self.out.extend_from_slice(b);
    }
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    pub fn raw(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }
    pub fn finish(self) -> Vec<u8> {
        self.out
    }
}

pub struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// `what` names the entry in errors ("table definition", "cell").
    pub fn new(b: &'a [u8], what: &'static str) -> Self {
        Reader { b, at: 0, what }
    }
    fn err(&self) -> CqlError {
        corrupt(self.what)
    }
    pub fn is_empty(&self) -> bool {
        self.at >= self.b.len()
    }
    pub fn u8(&mut self) -> CqlResult<u8> {
        let v = *self.b.get(self.at).ok_or_else(|| self.err())?;
        self.at += 1;
        Ok(v)
    }
    pub fn uvar(&mut self) -> CqlResult<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err())
    }
    pub fn ivar(&mut self) -> CqlResult<i64> {
        let u = self.uvar()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
    pub fn u32(&mut self) -> CqlResult<u32> {
        u32::try_from(self.uvar()?).map_err(|_| self.err())
    }
    pub fn len(&mut self) -> CqlResult<usize> {
        let n = usize::try_from(self.uvar()?).map_err(|_| self.err())?;
        if n > self.b.len().saturating_sub(self.at) {
            return Err(self.err());
        }
        Ok(n)
    }
    pub fn raw(&mut self, n: usize) -> CqlResult<&'a [u8]> {
        let end = self.at.checked_add(n).ok_or_else(|| self.err())?;
        let slice = self.b.get(self.at..end).ok_or_else(|| self.err())?;
        self.at = end;
        Ok(slice)
    }
    pub fn array<const N: usize>(&mut self) -> CqlResult<[u8; N]> {
        let slice = self.raw(N)?;
        <[u8; N]>::try_from(slice).map_err(|_| self.err())
    }
    pub fn bytes(&mut self) -> CqlResult<&'a [u8]> {
        let n = self.len()?;
        self.raw(n)
    }
    pub fn string(&mut self) -> CqlResult<String> {
        let b = self.bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| self.err())
    }
    pub fn rest(&mut self) -> &'a [u8] {
        let rest = self.b.get(self.at..).unwrap_or(&[]);
        self.at = self.b.len();
        rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_strings_round_trip_and_truncation_is_an_error() {
        let mut w = Writer::new();
        w.uvar(300);
        w.ivar(-3);
        w.str("héllo");
        let bytes = w.finish();
        assert_eq!(&bytes[..2], &[0xac, 0x02]);
        let mut r = Reader::new(&bytes, "test");
        assert_eq!(r.uvar().unwrap(), 300);
        assert_eq!(r.ivar().unwrap(), -3);
        assert_eq!(r.string().unwrap(), "héllo");
        assert!(r.is_empty());
        let mut short = Reader::new(&bytes[..4], "test");
        short.uvar().unwrap();
        short.ivar().unwrap();
        assert!(short.string().is_err());
        assert!(Reader::new(&[0xff; 11], "test").uvar().is_err());
    }
}
