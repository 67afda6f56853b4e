//! Splitting the client's byte stream into whole, structurally valid messages.
//!
//! pgwire's decoders trust the bytes they are given (a short body makes them panic), so
//! the connection never lets them read the socket. [`FrameReader`] buffers what arrives,
//! bounds every length it reads (PostgreSQL's own limits), and hands out one complete
//! frame at a time; [`check_structure`] then verifies that a frame's body has exactly the
//! shape of its message type before pgwire decodes it from a buffer holding only that frame.

/// The largest startup-phase packet (PostgreSQL's MAX_STARTUP_PACKET_LENGTH).
pub const MAX_STARTUP_PACKET: usize = 10_000;
/// The largest Query, Parse, Bind, CopyData or FunctionCall message (PostgreSQL's
/// PQ_LARGE_MESSAGE_LIMIT).
pub const MAX_LARGE_MESSAGE: usize = (1 << 30) - 1;
/// The largest message of any other type (PostgreSQL's PQ_SMALL_MESSAGE_LIMIT).
pub const MAX_SMALL_MESSAGE: usize = 10_000;

/// The request codes of the untyped startup-phase packets.
pub const SSL_REQUEST_CODE: i32 = 80_877_103;
pub const GSSENC_REQUEST_CODE: i32 = 80_877_104;
pub const CANCEL_REQUEST_CODE: i32 = 80_877_102;

/// One complete message as it came off the wire, length field included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A startup-phase packet (no type byte): SSLRequest, GSSENCRequest, CancelRequest
    /// or StartupMessage, told apart by `code`.
    Initial { code: i32, packet: Vec<u8> },
    /// A regular message: type byte, length, body.
    Typed { tag: u8, packet: Vec<u8> },
}

impl Frame {
    /// The bytes after the length field (and after the request code for startup packets).
    pub fn body(&self) -> &[u8] {
        match self {
            Frame::Initial { packet, .. } => &packet[8..],
            Frame::Typed { packet, .. } => &packet[5..],
        }
    }

    pub fn packet(&self) -> &[u8] {
        match self {
            Frame::Initial { packet, .. } | Frame::Typed { packet, .. } => packet,
        }
    }
}

/// Why the stream cannot be framed; the connection is closed after reporting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramingError {
    /// A length below the minimum or above the limit for its message type.
    InvalidLength { tag: Option<u8>, length: i64 },
}

impl std::fmt::Display for FramingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FramingError::InvalidLength { tag: None, length } => {
                write!(f, "invalid length of startup packet ({length})")
            }
            FramingError::InvalidLength { tag: Some(tag), length } => {
                write!(f, "invalid message length {length} for message type {}", describe_tag(*tag))
            }
        }
    }
}

/// `'Q'` or `0x07` for messages.
pub fn describe_tag(tag: u8) -> String {
    if tag.is_ascii_graphic() {
        format!("\"{}\"", tag as char)
    } else {
        format!("0x{tag:02x}")
    }
}

/// Buffers received bytes and cuts them into frames.
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: Vec<u8>,
    /// Bytes of `buf` already handed out as frames.
    consumed: usize,
}

impl FrameReader {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, data: &[u8]) {
        if self.consumed > 0 && self.consumed == self.buf.len() {
            self.buf.clear();
            self.consumed = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// True when buffered bytes are waiting (part of a frame).
    pub fn has_partial(&self) -> bool {
        self.consumed < self.buf.len()
    }

    /// The next complete frame, `None` if more bytes are needed. `startup_phase` selects
    /// untyped startup packets over typed messages.
    pub fn next_frame(&mut self, startup_phase: bool) -> Result<Option<Frame>, FramingError> {
        let pending = &self.buf[self.consumed..];
        let (offset, tag) = if startup_phase {
            (0, None)
        } else {
            match pending.first() {
                Some(tag) => (1, Some(*tag)),
                None => return Ok(None),
            }
        };
        let Some(len_bytes) = pending.get(offset..offset + 4) else { return Ok(None) };
        let length = i32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        let (min, max) = match tag {
            None => (8, MAX_STARTUP_PACKET),
            Some(b'Q' | b'P' | b'B' | b'd' | b'F') => (4, MAX_LARGE_MESSAGE),
            Some(_) => (4, MAX_SMALL_MESSAGE),
        };
        let valid = usize::try_from(length).ok().filter(|l| (min..=max).contains(l));
        let Some(length) = valid else {
            return Err(FramingError::InvalidLength { tag, length: i64::from(length) });
        };
        let total = offset + length;
        if pending.len() < total {
            return Ok(None);
        }
        let packet = pending[..total].to_vec();
        self.consumed += total;
        if self.consumed == self.buf.len() {
            self.buf.clear();
            self.consumed = 0;
        } else if self.consumed > 64 * 1024 {
            self.buf.drain(..self.consumed);
            self.consumed = 0;
        }
        Ok(Some(match tag {
            None => {
                let code = i32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
                Frame::Initial { code, packet }
            }
            Some(tag) => Frame::Typed { tag, packet },
        }))
    }
}

/// A cursor over a message body that fails instead of reading past the end.
struct Body<'a> {
    rest: &'a [u8],
}

impl<'a> Body<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Option<i32> {
        self.take(4).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A NUL-terminated string, without the NUL.
    fn cstring(&mut self) -> Option<&'a [u8]> {
        let end = self.rest.iter().position(|b| *b == 0)?;
        let s = &self.rest[..end];
        self.rest = &self.rest[end + 1..];
        Some(s)
    }

    fn end(&self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }
}

/// Checks that `frame`'s body has exactly the layout of its message type, so decoding it
/// cannot read past its end. Text fields must also be valid UTF-8. Message types the
/// connection does not decode are not checked here.
pub fn check_structure(frame: &Frame) -> Result<(), &'static str> {
    let mut b = Body { rest: frame.body() };
    let utf8 = |s: &[u8]| std::str::from_utf8(s).map(|_| ()).map_err(|_| "invalid byte sequence for encoding \"UTF8\"");
    match frame {
        Frame::Initial { code, .. } => match *code {
            SSL_REQUEST_CODE | GSSENC_REQUEST_CODE => b.end().ok_or("invalid length of startup packet"),
            CANCEL_REQUEST_CODE => {
                b.i32().ok_or("invalid length of cancel request packet")?;
                let key_len = b.rest.len();
                if (4..=256).contains(&key_len) {
                    Ok(())
                } else {
                    Err("invalid length of cancel request packet")
                }
            }
            _ => loop {
                let name = b.cstring().ok_or("invalid startup packet layout: expected terminator as last byte")?;
                if name.is_empty() {
                    break b.end().ok_or("invalid startup packet layout: expected terminator as last byte");
                }
                utf8(name)?;
                let value = b.cstring().ok_or("invalid startup packet layout: expected terminator as last byte")?;
                utf8(value)?;
            },
        },
        Frame::Typed { tag, .. } => {
            const FORMAT: &str = "invalid message format";
            match tag {
                b'Q' => {
                    let query = b.cstring().ok_or(FORMAT)?;
                    b.end().ok_or(FORMAT)?;
                    utf8(query)
                }
                b'P' => {
                    let name = b.cstring().ok_or(FORMAT)?;
                    let query = b.cstring().ok_or(FORMAT)?;
                    let n = b.u16().ok_or(FORMAT)?;
                    b.take(usize::from(n) * 4).ok_or(FORMAT)?;
                    b.end().ok_or(FORMAT)?;
                    utf8(name)?;
                    utf8(query)
                }
                b'B' => {
                    let portal = b.cstring().ok_or(FORMAT)?;
                    let statement = b.cstring().ok_or(FORMAT)?;
                    let formats = b.u16().ok_or(FORMAT)?;
                    b.take(usize::from(formats) * 2).ok_or(FORMAT)?;
                    let params = b.u16().ok_or(FORMAT)?;
                    for _ in 0..params {
                        let len = b.i32().ok_or(FORMAT)?;
                        if len >= 0 {
                            b.take(len as usize).ok_or(FORMAT)?;
                        } else if len != -1 {
                            return Err(FORMAT);
                        }
                    }
                    let results = b.u16().ok_or(FORMAT)?;
                    b.take(usize::from(results) * 2).ok_or(FORMAT)?;
                    b.end().ok_or(FORMAT)?;
                    utf8(portal)?;
                    utf8(statement)
                }
                b'D' | b'C' => {
                    let target = b.u8().ok_or(FORMAT)?;
                    let name = b.cstring().ok_or(FORMAT)?;
                    b.end().ok_or(FORMAT)?;
                    if target != b'S' && target != b'P' {
                        return Err(if *tag == b'D' {
                            "invalid DESCRIBE message subtype"
                        } else {
                            "invalid CLOSE message subtype"
                        });
                    }
                    utf8(name)
                }
                b'E' => {
                    let name = b.cstring().ok_or(FORMAT)?;
                    b.i32().ok_or(FORMAT)?;
                    b.end().ok_or(FORMAT)?;
                    utf8(name)
                }
                b'H' | b'S' | b'X' => b.end().ok_or(FORMAT),
                _ => Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn frames_survive_partial_reads() {
        let bytes = [typed(b'Q', b"select 1\0"), typed(b'S', b"")].concat();
        let mut reader = FrameReader::new();
        let mut frames = Vec::new();
        for byte in bytes {
            reader.push(&[byte]);
            while let Some(frame) = reader.next_frame(false).expect("valid") {
                frames.push(frame);
            }
        }
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].body(), b"select 1\0");
        assert!(check_structure(&frames[0]).is_ok());
        assert!(!reader.has_partial());
    }

    #[test]
    fn absurd_and_short_lengths_are_rejected() {
        let mut reader = FrameReader::new();
        reader.push(b"Q\xff\xff\xff\xff");
        assert!(reader.next_frame(false).is_err());
        let mut reader = FrameReader::new();
        reader.push(b"S\0\0\0\x02");
        assert!(reader.next_frame(false).is_err());
        let mut reader = FrameReader::new();
        reader.push(b"\0\0\0\x04\0\x03\0\0");
        assert!(reader.next_frame(true).is_err());
        let mut reader = FrameReader::new();
        reader.push(b"H\x7f\0\0\0");
        assert!(reader.next_frame(false).is_err(), "small messages are bounded");
    }

    #[test]
    fn malformed_bodies_are_rejected() {
        let check = |tag: u8, body: &[u8]| {
            let mut reader = FrameReader::new();
            reader.push(&typed(tag, body));
            let frame = reader.next_frame(false).expect("framed").expect("complete");
            check_structure(&frame)
        };
        assert!(check(b'Q', b"select 1").is_err(), "missing NUL");
        assert!(check(b'Q', b"select 1\0extra").is_err());
        assert!(check(b'P', b"\0select $1\0\0\x01").is_err(), "truncated type list");
        assert!(check(b'P', b"\0select $1\0\0\x01\0\0\0\x17").is_ok());
        assert!(check(b'B', b"\0\0\0\0\0\x01\0\0\0\x09ab\0\0").is_err(), "parameter longer than message");
        assert!(check(b'B', b"\0\0\0\0\0\x01\0\0\0\x02ab\0\0").is_ok());
        assert!(check(b'B', b"\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0").is_err(), "negative length");
        assert!(check(b'E', b"\0\0\0").is_err());
        assert!(check(b'D', b"X\0").is_err());
        assert!(check(b'S', b"x").is_err());
        assert!(check(b'Q', b"\xff\xfe\0").is_err(), "not UTF-8");
    }

    #[test]
    fn startup_packets() {
        let mut packet = Vec::new();
        let body = b"\0\x03\0\0user\0postgres\0\0";
        packet.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        packet.extend_from_slice(body);
        let mut reader = FrameReader::new();
        reader.push(&packet);
        let frame = reader.next_frame(true).expect("framed").expect("complete");
        assert!(matches!(frame, Frame::Initial { code: 196_608, .. }));
        assert!(check_structure(&frame).is_ok());

        let mut reader = FrameReader::new();
        reader.push(b"\0\0\0\x0c\0\x03\0\0user");
        let frame = reader.next_frame(true).expect("framed").expect("complete");
        assert!(check_structure(&frame).is_err());
    }
}
