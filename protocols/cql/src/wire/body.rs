//! The notation of the native protocol (spec section 3): a checked reader over a
//! message body and a writer that builds one. Every length read is checked against what
//! is left of the body before anything is allocated, so a forged length is a protocol
//! error, never a panic or a huge allocation.

use crate::engine::{BoundValue, Consistency};
use crate::error::{CqlError, CqlResult};
use bytes::{BufMut, Bytes, BytesMut};

/// Reads the protocol's types from one message body.
pub struct BodyReader {
    body: Bytes,
    pos: usize,
}

fn truncated(what: &str) -> CqlError {
    CqlError::protocol(format!("Not enough bytes to read {what}"))
}

impl BodyReader {
    pub fn new(body: Bytes) -> BodyReader {
        BodyReader { body, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.body.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize, what: &str) -> CqlResult<Bytes> {
        if n > self.remaining() {
            return Err(truncated(what));
        }
        let out = self.body.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &str) -> CqlResult<[u8; N]> {
        let bytes = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&bytes);
        Ok(out)
    }

    pub fn byte(&mut self) -> CqlResult<u8> {
        Ok(self.array::<1>("a byte")?[0])
    }

    pub fn short(&mut self) -> CqlResult<u16> {
        Ok(u16::from_be_bytes(self.array("a short")?))
    }

    pub fn int(&mut self) -> CqlResult<i32> {
        Ok(i32::from_be_bytes(self.array("an int")?))
    }

    pub fn long(&mut self) -> CqlResult<i64> {
        Ok(i64::from_be_bytes(self.array("a long")?))
    }

    /// `[string]`: a short length, then UTF-8.
    pub fn string(&mut self) -> CqlResult<String> {
        let len = usize::from(self.short()?);
        utf8(self.take(len, "a string")?)
    }

    /// `[long string]`: an int length, then UTF-8.
    pub fn long_string(&mut self) -> CqlResult<String> {
        let len = self.int()?;
        let len = usize::try_from(len).map_err(|_| CqlError::protocol(format!("Invalid long string length {len}")))?;
        utf8(self.take(len, "a long string")?)
    }

    /// `[bytes]`: an int length (negative: null), then the bytes.
    pub fn bytes(&mut self) -> CqlResult<Option<Bytes>> {
        let len = self.int()?;
        if len < 0 {
            return Ok(None);
        }
        self.take(len as usize, "bytes").map(Some)
    }

    /// `[short bytes]`.
    pub fn short_bytes(&mut self) -> CqlResult<Bytes> {
        let len = usize::from(self.short()?);
        self.take(len, "short bytes")
    }

    /// `[value]`: -1 null, -2 unset, other negatives invalid.
    pub fn value(&mut self) -> CqlResult<BoundValue> {
        match self.int()? {
            -1 => Ok(BoundValue::Null),
            -2 => Ok(BoundValue::Unset),
            n if n < 0 => Err(CqlError::protocol(format!("Invalid value length {n}"))),
            n => Ok(BoundValue::Bytes(self.take(n as usize, "a value")?)),
        }
    }

    /// `[string list]`.
    pub fn string_list(&mut self) -> CqlResult<Vec<String>> {
        let n = self.short()?;
        let mut out = Vec::with_capacity(usize::from(n).min(self.remaining() / 2));
        for _ in 0..n {
            out.push(self.string()?);
        }
        Ok(out)
    }

    /// `[string map]`.
    pub fn string_map(&mut self) -> CqlResult<Vec<(String, String)>> {
        let n = self.short()?;
        let mut out = Vec::with_capacity(usize::from(n).min(self.remaining() / 4));
        for _ in 0..n {
            let key = self.string()?;
            let value = self.string()?;
            out.push((key, value));
        }
        Ok(out)
    }

    /// `[consistency]`.
    pub fn consistency(&mut self) -> CqlResult<Consistency> {
        let code = self.short()?;
        consistency_from_code(code)
            .ok_or_else(|| CqlError::protocol(format!("Unknown code {code} for a consistency level")))
    }
}

fn utf8(bytes: Bytes) -> CqlResult<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| CqlError::protocol("Invalid UTF-8 in a string"))
}

pub fn consistency_from_code(code: u16) -> Option<Consistency> {
    use Consistency::*;
    Some(match code {
        0x0000 => Any,
        0x0001 => One,
        0x0002 => Two,
        0x0003 => Three,
        0x0004 => Quorum,
        0x0005 => All,
        0x0006 => LocalQuorum,
        0x0007 => EachQuorum,
        0x0008 => Serial,
        0x0009 => LocalSerial,
        0x000A => LocalOne,
        _ => return None,
    })
}

/// Builds a message body.
#[derive(Default)]
pub struct BodyWriter {
    pub buf: BytesMut,
}

impl BodyWriter {
    pub fn new() -> BodyWriter {
        BodyWriter { buf: BytesMut::with_capacity(64) }
    }

    pub fn byte(&mut self, v: u8) -> &mut Self {
        self.buf.put_u8(v);
        self
    }

    pub fn short(&mut self, v: u16) -> &mut Self {
        self.buf.put_u16(v);
        self
    }

    pub fn int(&mut self, v: i32) -> &mut Self {
        self.buf.put_i32(v);
        self
    }

    pub fn long(&mut self, v: i64) -> &mut Self {
        self.buf.put_i64(v);
        self
    }

    /// `[string]`, cut at 65,535 bytes (on a character boundary) rather than mis-framed.
    pub fn string(&mut self, s: &str) -> &mut Self {
        let mut end = s.len().min(usize::from(u16::MAX));
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.buf.put_u16(end as u16);
        self.buf.put_slice(&s.as_bytes()[..end]);
        self
    }

    pub fn long_string(&mut self, s: &str) -> &mut Self {
        self.buf.put_i32(i32::try_from(s.len()).unwrap_or(i32::MAX));
        self.buf.put_slice(s.as_bytes());
        self
    }

    /// `[bytes]`; `None` is null.
    pub fn bytes(&mut self, v: Option<&[u8]>) -> &mut Self {
        match v {
            Some(b) => {
                self.buf.put_i32(i32::try_from(b.len()).unwrap_or(i32::MAX));
                self.buf.put_slice(b);
            }
            None => self.buf.put_i32(-1),
        }
        self
    }

    pub fn short_bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.put_u16(b.len().min(usize::from(u16::MAX)) as u16);
        self.buf.put_slice(&b[..b.len().min(usize::from(u16::MAX))]);
        self
    }

    pub fn string_list(&mut self, items: &[&str]) -> &mut Self {
        self.buf.put_u16(items.len() as u16);
        for item in items {
            self.string(item);
        }
        self
    }

    pub fn string_multimap(&mut self, entries: &[(&str, &[&str])]) -> &mut Self {
        self.buf.put_u16(entries.len() as u16);
        for (key, values) in entries {
            self.string(key);
            self.string_list(values);
        }
        self
    }

    pub fn put(&mut self, raw: &[u8]) -> &mut Self {
        self.buf.put_slice(raw);
        self
    }

    pub fn finish(self) -> Bytes {
        self.buf.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_notation_and_rejects_lengths_beyond_the_body() {
        let mut w = BodyWriter::new();
        w.string("héllo").long_string("x").bytes(Some(b"ab")).bytes(None).int(-2).short(0x0006);
        let mut r = BodyReader::new(w.finish());
        assert_eq!(r.string().unwrap(), "héllo");
        assert_eq!(r.long_string().unwrap(), "x");
        assert_eq!(r.bytes().unwrap().as_deref(), Some(&b"ab"[..]));
        assert_eq!(r.bytes().unwrap(), None);
        assert_eq!(r.value().unwrap(), BoundValue::Unset);
        assert_eq!(r.consistency().unwrap(), Consistency::LocalQuorum);
        assert!(r.byte().is_err());

        // A length of 2 GiB over a 6-byte body: an error, no allocation.
        let mut r = BodyReader::new(Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff, 1, 2]));
        assert!(r.bytes().is_err());
        let mut r = BodyReader::new(Bytes::from_static(&[0xff, 0xff, 0xff, 0xfd]));
        assert!(r.value().is_err(), "-3 is not a valid value length");
        let mut r = BodyReader::new(Bytes::from_static(&[0xff, 0xff]));
        assert!(r.string_list().is_err(), "65,535 strings announced, none present");
        let mut r = BodyReader::new(Bytes::from_static(&[0, 2, 0xff, 0xfe]));
        assert!(r.string().is_err(), "invalid UTF-8");
    }
}
