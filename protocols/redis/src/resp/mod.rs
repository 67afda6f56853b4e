//! RESP, the Redis serialization protocol, versions 2 and 3.
//!
//! [`Frame`] is one reply value in RESP3's vocabulary. Command handlers build frames
//! without caring which protocol the client negotiated; [`encode`] writes a frame in the
//! connection's version, downgrading RESP3-only types for RESP2 clients exactly as Redis
//! does (map -> flat array, set -> array, double -> bulk string, boolean -> integer,
//! null -> `$-1`/`*-1`, push -> array). [`parse`] reads client requests: multibulk
//! arrays of bulk strings and inline commands, every length bounded.

pub mod encode;
pub mod parse;

/// One RESP value.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `+OK`
    Simple(String),
    /// `-ERR ...`: the whole line after the `-`.
    Error(String),
    Integer(i64),
    /// A binary-safe bulk string.
    Bulk(Vec<u8>),
    /// RESP2 `$-1`, RESP3 `_`.
    Null,
    /// RESP2 `*-1`, RESP3 `_` (a missing array, e.g. BLPOP timing out).
    NullArray,
    Array(Vec<Frame>),
    /// RESP3 map; RESP2 gets a flat array of key, value, key, value.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 set; RESP2 gets an array.
    Set(Vec<Frame>),
    /// RESP3 double (`,1.5`); RESP2 gets a bulk string in Redis's formatting.
    Double(f64),
    /// RESP3 boolean; RESP2 gets 1 or 0.
    Boolean(bool),
    /// RESP3 verbatim string (`=`, with its 3-letter format, e.g. "txt"); RESP2 gets a bulk string.
    Verbatim(String, Vec<u8>),
    /// RESP3 push (`>`: pub/sub messages); RESP2 gets an array.
    Push(Vec<Frame>),
}

impl Frame {
    pub fn ok() -> Frame {
        Frame::Simple("OK".into())
    }
    pub fn bulk(bytes: impl Into<Vec<u8>>) -> Frame {
        Frame::Bulk(bytes.into())
    }
    /// A bulk string, or Null for `None`.
    pub fn bulk_or_null(bytes: Option<Vec<u8>>) -> Frame {
        bytes.map(Frame::Bulk).unwrap_or(Frame::Null)
    }
    pub fn array_of_bulks<I: IntoIterator<Item = Vec<u8>>>(items: I) -> Frame {
        Frame::Array(items.into_iter().map(Frame::Bulk).collect())
    }
}
