//! The protocol's basic data types: fixed-length little-endian integers,
//! length-encoded integers and strings, NUL-terminated strings.
//!
//! Writers append to a `Vec<u8>`. [`Cursor`] reads a payload field by field; every read
//! is checked and returns [`WireError::Truncated`] when the payload ends first, so no
//! parser ever indexes network input directly.

use super::error::WireError;

/// First byte of a length-encoded integer that stands for SQL NULL (in text rows).
pub const LENENC_NULL: u8 = 0xFB;

/// Appends `v` as a length-encoded integer.
pub fn put_lenenc_int(out: &mut Vec<u8>, v: u64) {
    if v < 0xFB {
        out.push(v as u8);
    } else if v <= 0xFFFF {
        out.push(0xFC);
        out.extend_from_slice(&(v as u16).to_le_bytes());
    } else if v <= 0xFF_FFFF {
        out.push(0xFD);
        put_u24(out, v as u32);
    } else {
        out.push(0xFE);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// How many bytes `put_lenenc_int(v)` writes.
pub fn lenenc_int_len(v: u64) -> usize {
    match v {
        0..=0xFA => 1,
        0xFB..=0xFFFF => 3,
        0x1_0000..=0xFF_FFFF => 4,
        _ => 9,
    }
}

/// Appends a length-encoded string (its length as a length-encoded integer, then the bytes).
pub fn put_lenenc_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_lenenc_int(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends `bytes` and a NUL terminator (the caller ensures `bytes` holds no NUL).
pub fn put_nul_str(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(bytes);
    out.push(0);
}

pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends the low three bytes of `v`.
pub fn put_u24(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes()[..3]);
}

pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A checked reader over one payload.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The next byte, not consumed.
    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).ok_or(WireError::Truncated)?;
        let bytes = self.buf.get(self.pos..end).ok_or(WireError::Truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    pub fn skip(&mut self, n: usize) -> Result<(), WireError> {
        self.take(n).map(|_| ())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Everything not yet read (string<EOF>).
    pub fn rest(&mut self) -> &'a [u8] {
        let bytes = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos = self.buf.len();
        bytes
    }

    pub fn u8(&mut self) -> Result<u8, WireError> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }

    pub fn u16(&mut self) -> Result<u16, WireError> {
        self.array().map(u16::from_le_bytes)
    }

    pub fn u24(&mut self) -> Result<u32, WireError> {
        let [a, b, c] = self.array::<3>()?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }

    pub fn u32(&mut self) -> Result<u32, WireError> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Result<u64, WireError> {
        self.array().map(u64::from_le_bytes)
    }

    pub fn f32(&mut self) -> Result<f32, WireError> {
        self.array().map(f32::from_le_bytes)
    }

    pub fn f64(&mut self) -> Result<f64, WireError> {
        self.array().map(f64::from_le_bytes)
    }

    /// A length-encoded integer; `None` for the 0xFB NULL marker. 0xFF (the first byte of
    /// an ERR packet, never an integer) is malformed.
    pub fn lenenc_int_or_null(&mut self) -> Result<Option<u64>, WireError> {
        match self.u8()? {
            LENENC_NULL => Ok(None),
            0xFC => Ok(Some(u64::from(self.u16()?))),
            0xFD => Ok(Some(u64::from(self.u24()?))),
            0xFE => Ok(Some(self.u64()?)),
            0xFF => Err(WireError::malformed("0xFF is not a length-encoded integer")),
            b => Ok(Some(u64::from(b))),
        }
    }

    /// A length-encoded integer where NULL is not allowed.
    pub fn lenenc_int(&mut self) -> Result<u64, WireError> {
        self.lenenc_int_or_null()?.ok_or_else(|| WireError::malformed("unexpected NULL length"))
    }

    /// A length-encoded string. A declared length beyond the end of the payload is
    /// `Truncated` (checked before anything is sliced or allocated).
    pub fn lenenc_bytes(&mut self) -> Result<&'a [u8], WireError> {
        let len = self.lenenc_int()?;
        self.take_declared(len)
    }

    /// A length-encoded string, or `None` for the NULL marker.
    pub fn lenenc_bytes_or_null(&mut self) -> Result<Option<&'a [u8]>, WireError> {
        match self.lenenc_int_or_null()? {
            None => Ok(None),
            Some(len) => self.take_declared(len).map(Some),
        }
    }

    fn take_declared(&mut self, len: u64) -> Result<&'a [u8], WireError> {
        match usize::try_from(len) {
            Ok(n) if n <= self.remaining() => self.take(n),
            _ => Err(WireError::Truncated),
        }
    }

    /// A NUL-terminated string (the NUL consumed, not returned).
    pub fn nul_str(&mut self) -> Result<&'a [u8], WireError> {
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        let n = rest.iter().position(|&b| b == 0).ok_or(WireError::Truncated)?;
        let bytes = self.take(n)?;
        self.skip(1)?;
        Ok(bytes)
    }

    /// A NUL-terminated string that may also end at the end of the payload without its NUL
    /// (clients are lax about the last field of a packet).
    pub fn nul_str_or_rest(&mut self) -> &'a [u8] {
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        match rest.iter().position(|&b| b == 0) {
            Some(n) => {
                self.pos += n + 1;
                rest.get(..n).unwrap_or(&[])
            }
            None => self.rest(),
        }
    }
}

/// `bytes` as UTF-8, or a `Malformed` error naming the field.
pub fn utf8(bytes: &[u8], field: &'static str) -> Result<String, WireError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| WireError::malformed(format!("{field} is not valid UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenenc(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        put_lenenc_int(&mut out, v);
        out
    }

    #[test]
    fn lenenc_int_documented_vectors() {
        // The examples of the MySQL documentation's "Length-Encoded Integer" section.
        assert_eq!(lenenc(0x0A), [0x0A]);
        assert_eq!(lenenc(1000), [0xFC, 0xE8, 0x03]);
        assert_eq!(lenenc(0xFB), [0xFC, 0xFB, 0x00]);
        assert_eq!(lenenc(0x01_0000), [0xFD, 0x00, 0x00, 0x01]);
        assert_eq!(lenenc(0x0100_0000), [0xFE, 0, 0, 0, 1, 0, 0, 0, 0]);
        assert_eq!(Cursor::new(&[0xFC, 0xE8, 0x03]).lenenc_int(), Ok(1000));
    }

    #[test]
    fn lenenc_int_round_trips_at_every_boundary() {
        for v in [0, 1, 0xFA, 0xFB, 0xFC, 0xFFFF, 0x1_0000, 0xFF_FFFF, 0x100_0000, u64::MAX] {
            let bytes = lenenc(v);
            assert_eq!(bytes.len(), lenenc_int_len(v));
            let mut c = Cursor::new(&bytes);
            assert_eq!(c.lenenc_int(), Ok(v));
            assert!(c.is_empty());
        }
    }

    #[test]
    fn lenenc_null_and_invalid_markers() {
        assert_eq!(Cursor::new(&[0xFB]).lenenc_int_or_null(), Ok(None));
        assert!(Cursor::new(&[0xFB]).lenenc_int().is_err());
        assert!(matches!(Cursor::new(&[0xFF]).lenenc_int(), Err(WireError::Malformed(_))));
        assert_eq!(Cursor::new(&[0xFC, 1]).lenenc_int(), Err(WireError::Truncated));
        assert_eq!(Cursor::new(&[0xFE, 1, 2, 3]).lenenc_int(), Err(WireError::Truncated));
        assert_eq!(Cursor::new(&[]).lenenc_int(), Err(WireError::Truncated));
    }

    #[test]
    fn lenenc_strings() {
        let mut out = Vec::new();
        put_lenenc_bytes(&mut out, b"def");
        assert_eq!(out, b"\x03def");
        let mut c = Cursor::new(&out);
        assert_eq!(c.lenenc_bytes(), Ok(&b"def"[..]));
        // A declared length far past the end (and past usize on 32-bit) is Truncated.
        let huge = [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, b'x'];
        assert_eq!(Cursor::new(&huge).lenenc_bytes(), Err(WireError::Truncated));
        assert_eq!(Cursor::new(b"\x05abc").lenenc_bytes(), Err(WireError::Truncated));
        assert_eq!(Cursor::new(&[0xFB]).lenenc_bytes_or_null(), Ok(None));
    }

    #[test]
    fn nul_terminated_strings() {
        let mut c = Cursor::new(b"root\0rest");
        assert_eq!(c.nul_str(), Ok(&b"root"[..]));
        assert_eq!(c.nul_str(), Err(WireError::Truncated));
        assert_eq!(c.nul_str_or_rest(), b"rest");
        assert!(c.is_empty());
        assert_eq!(c.nul_str_or_rest(), b"");
        let mut out = Vec::new();
        put_nul_str(&mut out, b"x");
        assert_eq!(out, b"x\0");
    }

    #[test]
    fn fixed_integers() {
        let mut out = Vec::new();
        put_u16(&mut out, 0x0201);
        put_u24(&mut out, 0x050403);
        put_u32(&mut out, 0x09080706);
        put_u64(&mut out, 0x1110_0F0E_0D0C_0B0A);
        let mut c = Cursor::new(&out);
        assert_eq!(c.u16(), Ok(0x0201));
        assert_eq!(c.u24(), Ok(0x050403));
        assert_eq!(c.u32(), Ok(0x09080706));
        assert_eq!(c.u64(), Ok(0x1110_0F0E_0D0C_0B0A));
        assert_eq!(c.u8(), Err(WireError::Truncated));
        assert_eq!(c.take(usize::MAX), Err(WireError::Truncated));
        assert_eq!(c.position(), 17);
    }
}
