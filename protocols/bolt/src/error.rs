//! The one error type of the Bolt codec. Every variant means "this connection sent
//! something we cannot read"; the listener answers or closes that connection only.

/// Result of a Bolt codec operation.
pub type BoltResult<T> = Result<T, BoltError>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoltError {
    #[error("handshake does not start with the Bolt magic 60 60 B0 17 (got {0:02X?})")]
    BadMagic(Vec<u8>),
    #[error("message of at least {size} bytes exceeds the maximum of {max}")]
    MessageTooLarge { size: usize, max: usize },
    #[error("PackStream value truncated at byte {0}")]
    Truncated(usize),
    #[error("unknown PackStream marker 0x{marker:02X} at byte {at}")]
    UnknownMarker { marker: u8, at: usize },
    #[error("PackStream dictionary key at byte {0} is not a string")]
    NonStringKey(usize),
    #[error("PackStream string at byte {0} is not valid UTF-8")]
    InvalidUtf8(usize),
    #[error("PackStream values nested deeper than {0}")]
    TooDeep(usize),
    #[error("{0} bytes left over after the PackStream value")]
    TrailingBytes(usize),
    #[error("{what} of {len} cannot be encoded in PackStream")]
    TooLongToEncode { what: &'static str, len: usize },
    #[error("message is not a PackStream structure")]
    NotAStructure,
    #[error("unknown request message tag 0x{0:02X}")]
    UnknownMessage(u8),
    #[error("{message} expects {expected} field(s), got {got}")]
    WrongFieldCount { message: &'static str, expected: usize, got: usize },
    #[error("{message}: field {field} must be {expected}")]
    WrongFieldType { message: &'static str, field: &'static str, expected: &'static str },
    #[error("{message}: missing field {field}")]
    MissingField { message: &'static str, field: &'static str },
    #[error("unknown PackStream structure tag 0x{0:02X}")]
    UnknownStructure(u8),
    #[error("DateTime in zone {0} needs the zone's offset to be sent in the other clock (UTC or local)")]
    ZoneOffsetUnknown(String),
}
