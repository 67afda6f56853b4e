//! The two error types of the codec: [`WireError`] for a payload that does not parse (or a
//! value that cannot be encoded), [`PacketError`] for the framing layer underneath.
//!
//! A `WireError` from a command is answered with an ERR packet and the connection goes on;
//! a `PacketError` means the stream is no longer in sync and the connection must close
//! (after an ER_NET_PACKET_TOO_LARGE error for [`PacketError::TooLarge`]).

use std::borrow::Cow;

/// A payload that ended early or does not follow the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The payload ended before a field it must contain.
    #[error("packet truncated")]
    Truncated,
    /// A field holds a value the protocol does not allow here.
    #[error("malformed packet: {0}")]
    Malformed(Cow<'static, str>),
    /// A declared length, or a value to encode, exceeds what the field can hold.
    #[error("value too large")]
    TooLarge,
    /// A command packet without even a command byte.
    #[error("empty packet")]
    Empty,
}

impl WireError {
    pub fn malformed(what: impl Into<Cow<'static, str>>) -> Self {
        WireError::Malformed(what.into())
    }
}

/// The packet stream failed: the connection cannot continue.
#[derive(Debug, thiserror::Error)]
pub enum PacketError {
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The logical payload (all of its continuation packets together) would exceed
    /// max_allowed_packet; `seq` is the sequence id of the packet that crossed it.
    #[error("packet larger than max_allowed_packet")]
    TooLarge { seq: u8 },
    /// The stream ended inside a packet (or between the packets of one payload).
    #[error("connection closed in the middle of a packet")]
    Truncated,
    /// A continuation packet whose sequence id does not follow its predecessor's.
    #[error("got packets out of order (expected sequence {expected}, got {got})")]
    OutOfOrder { expected: u8, got: u8 },
}
