//! Byte encodings of values.
//!
//! * [`key`]: order-preserving ("memcomparable") encoding. Comparing two encodings byte
//!   by byte gives the same answer as comparing the values, and the encoding of a tuple
//!   is the concatenation of its values' encodings, so a composite key sorts exactly as
//!   its values do and a prefix of values encodes to a byte prefix. Used for primary keys
//!   and index entries.
//! * [`row`]: the compact, versioned binary row format (never JSON).

pub mod key;
pub mod row;
