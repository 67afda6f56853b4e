//! Envelopes (what protocol v4 calls frames): the 9-byte header — version with the
//! response bit, flags, stream id, opcode, body length — and the body. Decoding works
//! on whatever bytes have arrived (`None` until a whole envelope is there) and checks
//! the body length against the configured cap from the header alone, before buffering.
//! Versions 1 and 2 have an 8-byte header with a one-byte stream id; they and every
//! version other than 4 and 5 are decoded only far enough to answer them.

use crate::error::{CqlError, CqlResult};
use bytes::{Buf, BufMut, Bytes, BytesMut};

pub const HEADER_LEN: usize = 9;
const LEGACY_HEADER_LEN: usize = 8;
pub const RESPONSE_BIT: u8 = 0x80;

pub mod flags {
    pub const COMPRESSION: u8 = 0x01;
    pub const TRACING: u8 = 0x02;
    pub const CUSTOM_PAYLOAD: u8 = 0x04;
    pub const WARNING: u8 = 0x08;
    pub const USE_BETA: u8 = 0x10;
}

pub mod opcode {
    pub const ERROR: u8 = 0x00;
    pub const STARTUP: u8 = 0x01;
    pub const READY: u8 = 0x02;
    pub const AUTHENTICATE: u8 = 0x03;
    pub const OPTIONS: u8 = 0x05;
    pub const SUPPORTED: u8 = 0x06;
    pub const QUERY: u8 = 0x07;
    pub const RESULT: u8 = 0x08;
    pub const PREPARE: u8 = 0x09;
    pub const EXECUTE: u8 = 0x0A;
    pub const REGISTER: u8 = 0x0B;
    pub const EVENT: u8 = 0x0C;
    pub const BATCH: u8 = 0x0D;
    pub const AUTH_CHALLENGE: u8 = 0x0E;
    pub const AUTH_RESPONSE: u8 = 0x0F;
    pub const AUTH_SUCCESS: u8 = 0x10;
}

/// One request as it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub version: u8,
    pub flags: u8,
    pub stream: i16,
    pub opcode: u8,
    pub body: Bytes,
}

/// What the decoder found at the front of the buffer.
#[derive(Debug, PartialEq)]
pub enum Decoded {
    Envelope(Envelope),
    /// A whole envelope of a version Orbit does not speak: answered, then skipped.
    Unsupported {
        version: u8,
        stream: i16,
    },
}

/// A failure that ends the connection after its ERROR is sent.
#[derive(Debug, PartialEq)]
pub struct FatalFrame {
    pub version: u8,
    pub stream: i16,
    pub error: CqlError,
}

pub fn is_supported(version: u8) -> bool {
    matches!(version, 4 | 5)
}

/// The version to answer a request of `version` in: its own when the client can read
/// it (v3 to v5), v4 for anything newer, v1/v2 keep theirs (their shorter header).
pub fn answer_version(version: u8) -> u8 {
    match version {
        1..=5 => version,
        _ => 4,
    }
}

pub fn unsupported_version_message(version: u8) -> String {
    format!("Invalid or unsupported protocol version ({version}); supported versions are (4/v4, 5/v5)")
}

/// Decodes the envelope at the front of `buf`, removing it. `Ok(None)`: not all there yet.
pub fn decode(buf: &mut BytesMut, max_body: usize) -> Result<Option<Decoded>, FatalFrame> {
    let Some(&first) = buf.first() else { return Ok(None) };
    let version = first & !RESPONSE_BIT;
    let legacy = matches!(version, 1 | 2);
    let header_len = if legacy { LEGACY_HEADER_LEN } else { HEADER_LEN };
    if buf.len() < header_len {
        return Ok(None);
    }
    let (stream, opcode, length) = if legacy {
        (i16::from(buf[2] as i8), buf[3], u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]))
    } else {
        (i16::from_be_bytes([buf[2], buf[3]]), buf[4], u32::from_be_bytes([buf[5], buf[6], buf[7], buf[8]]))
    };
    let flags = buf[1];
    let fatal = |error| FatalFrame { version: answer_version(version), stream, error };
    if first & RESPONSE_BIT != 0 {
        return Err(fatal(CqlError::protocol("Invalid request direction: the response bit is set")));
    }
    let length = length as usize;
    if length > max_body {
        return Err(fatal(CqlError::protocol(format!(
            "Request is too big: length {length} exceeds maximum allowed length {max_body}."
        ))));
    }
    if buf.len() < header_len + length {
        buf.reserve(header_len + length - buf.len());
        return Ok(None);
    }
    buf.advance(header_len);
    let body = buf.split_to(length).freeze();
    if !is_supported(version) || flags & flags::USE_BETA != 0 {
        return Ok(Some(Decoded::Unsupported { version, stream }));
    }
    Ok(Some(Decoded::Envelope(Envelope { version, flags, stream, opcode, body })))
}

/// Writes a response envelope of `version` (v1/v2 with their 8-byte header).
pub fn encode(out: &mut BytesMut, version: u8, flags: u8, stream: i16, opcode: u8, body: &[u8]) {
    let length = u32::try_from(body.len()).unwrap_or(u32::MAX);
    out.reserve(HEADER_LEN + body.len());
    out.put_u8(version | RESPONSE_BIT);
    out.put_u8(flags);
    if matches!(version, 1 | 2) {
        out.put_i8(stream as i8);
    } else {
        out.put_i16(stream);
    }
    out.put_u8(opcode);
    out.put_u32(length);
    out.put_slice(body);
}

/// Checks a decoded request envelope's opcode is one a client may send.
pub fn check_request_opcode(env: &Envelope) -> CqlResult<()> {
    use opcode::*;
    match env.opcode {
        STARTUP | OPTIONS | QUERY | PREPARE | EXECUTE | REGISTER | BATCH | AUTH_RESPONSE => Ok(()),
        other => Err(CqlError::protocol(format!("Unknown opcode {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(version: u8, stream: i16, opcode: u8, body: &[u8]) -> BytesMut {
        let mut out = BytesMut::new();
        encode(&mut out, version, 0, stream, opcode, body);
        out[0] &= !RESPONSE_BIT;
        out
    }

    #[test]
    fn decodes_byte_by_byte_and_back_to_back() {
        let mut wire = request(4, 7, opcode::OPTIONS, b"");
        wire.extend_from_slice(&request(5, -3, opcode::QUERY, b"abc"));
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for byte in wire.iter() {
            buf.put_u8(*byte);
            while let Some(d) = decode(&mut buf, 1024).unwrap() {
                got.push(d);
            }
        }
        assert_eq!(
            got,
            [
                Decoded::Envelope(Envelope { version: 4, flags: 0, stream: 7, opcode: 5, body: Bytes::new() }),
                Decoded::Envelope(Envelope {
                    version: 5,
                    flags: 0,
                    stream: -3,
                    opcode: 7,
                    body: Bytes::from_static(b"abc")
                }),
            ]
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn refuses_an_oversize_body_from_the_header_alone() {
        let mut buf = BytesMut::from(&[4u8, 0, 0, 9, 7, 0x7f, 0xff, 0xff, 0xff][..]);
        let err = decode(&mut buf, 16 << 20).unwrap_err();
        assert_eq!((err.version, err.stream), (4, 9));
        assert!(err.error.message().contains("exceeds maximum allowed length"), "{:?}", err.error);
    }

    #[test]
    fn other_versions_are_decoded_to_be_answered() {
        for version in [1u8, 2, 3, 6, 0x41, 0x42] {
            let mut buf = request(version, 2, opcode::OPTIONS, b"");
            assert_eq!(
                decode(&mut buf, 1024).unwrap(),
                Some(Decoded::Unsupported { version, stream: 2 }),
                "v{version}"
            );
            assert!(buf.is_empty());
        }
        let mut beta = request(5, 1, opcode::STARTUP, b"");
        beta[1] = flags::USE_BETA;
        assert_eq!(decode(&mut beta, 1024).unwrap(), Some(Decoded::Unsupported { version: 5, stream: 1 }));
        assert_eq!(answer_version(0x42), 4);
        assert_eq!(
            unsupported_version_message(66),
            "Invalid or unsupported protocol version (66); supported versions are (4/v4, 5/v5)"
        );
    }

    #[test]
    fn a_response_sent_as_a_request_is_fatal() {
        let mut buf = BytesMut::new();
        encode(&mut buf, 4, 0, 1, opcode::READY, b"");
        assert!(decode(&mut buf, 1024).is_err());
    }
}
