//! The compact, versioned binary row format (never JSON).
//!
//! A stored row is its physical column slots in order, without column names; the schema
//! in the catalog says what each slot means. A row written before columns were added has
//! fewer slots than the current schema: [`decode_row`] returns what is stored and the
//! caller fills in the missing columns.
//!
//! Layout:
//! ```text
//! version: u8 (ROW_FORMAT_VERSION)
//! flags:   u8 (bit 0: an expiry follows; other bits must be zero)
//! expiry:  i64 little-endian unix milliseconds, only when flagged
//! count:   LEB128 varint number of values
//! values:  tag byte + payload each
//! ```
//! Payloads: integers, dates, times and timestamps as zigzag varints; floats as 8 bytes
//! little-endian (exact bits, NaN payloads included); booleans in the tag; text, bytes and
//! json as varint length + bytes; numerics as zigzag varint scale + varint length +
//! two's-complement little-endian digits (exact, so `1.50` keeps scale 2); intervals as
//! three zigzag varints; uuids as 16 bytes; arrays as varint count + values.
//!
//! Decoding bounds every length by the remaining input before allocating, rejects unknown
//! versions, flags and tags, trailing bytes and arrays nested deeper than 64 levels, and
//! never panics; all failures are [`StorageError::Corruption`].

use crate::error::{StorageError, StorageResult};
use crate::value::{Interval, Value};
use bigdecimal::num_bigint::BigInt;
use bigdecimal::BigDecimal;

pub const ROW_FORMAT_VERSION: u8 = 1;

const FLAG_EXPIRY: u8 = 0b0000_0001;

/// Deepest array nesting accepted when decoding.
const MAX_ARRAY_DEPTH: usize = 64;

mod tag {
    pub const NULL: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    pub const INT: u8 = 3;
    pub const FLOAT: u8 = 4;
    pub const DECIMAL: u8 = 5;
    pub const TEXT: u8 = 6;
    pub const BYTES: u8 = 7;
    pub const DATE: u8 = 8;
    pub const TIME: u8 = 9;
    pub const TIMESTAMP: u8 = 10;
    pub const TIMESTAMP_TZ: u8 = 11;
    pub const INTERVAL: u8 = 12;
    pub const UUID: u8 = 13;
    pub const JSON: u8 = 14;
    pub const ARRAY: u8 = 15;
}

/// A row as stored: its column slots and its expiry (unix milliseconds), if any.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedRow {
    pub values: Vec<Value>,
    pub expires_at: Option<i64>,
}

/// Encodes the column slots of a row and its optional expiry (unix milliseconds).
pub fn encode_row(values: &[Value], expires_at: Option<i64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(11 + values.len() * 9);
    out.push(ROW_FORMAT_VERSION);
    match expires_at {
        Some(millis) => {
            out.push(FLAG_EXPIRY);
            out.extend_from_slice(&millis.to_le_bytes());
        }
        None => out.push(0),
    }
    put_varint(&mut out, values.len() as u64);
    for value in values {
        put_value(&mut out, value);
    }
    out
}

/// Decodes a whole row.
pub fn decode_row(bytes: &[u8]) -> StorageResult<DecodedRow> {
    let mut input = bytes;
    let expires_at = take_header(&mut input)?;
    let values = take_values(&mut input, 0)?;
    if !input.is_empty() {
        return Err(corrupt(format!("{} trailing bytes", input.len())));
    }
    Ok(DecodedRow { values, expires_at })
}

/// Reads only a row's header and returns its expiry, for TTL checks and sweeps.
pub fn decode_expiry(bytes: &[u8]) -> StorageResult<Option<i64>> {
    take_header(&mut &bytes[..])
}

// ---------------------------------------------------------------------------------------
// Encoding

fn put_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.push(tag::NULL),
        Value::Bool(false) => out.push(tag::FALSE),
        Value::Bool(true) => out.push(tag::TRUE),
        Value::Int(v) => put_tagged_signed(out, tag::INT, *v),
        Value::Float(f) => {
            out.push(tag::FLOAT);
            out.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Value::Decimal(d) => put_decimal(out, d),
        Value::Text(s) => put_tagged_bytes(out, tag::TEXT, s.as_bytes()),
        Value::Bytes(b) => put_tagged_bytes(out, tag::BYTES, b),
        Value::Date(d) => put_tagged_signed(out, tag::DATE, i64::from(*d)),
        Value::Time(t) => put_tagged_signed(out, tag::TIME, *t),
        Value::Timestamp(t) => put_tagged_signed(out, tag::TIMESTAMP, *t),
        Value::TimestampTz(t) => put_tagged_signed(out, tag::TIMESTAMP_TZ, *t),
        Value::Interval(i) => {
            out.push(tag::INTERVAL);
            put_signed(out, i64::from(i.months));
            put_signed(out, i64::from(i.days));
            put_signed(out, i.micros);
        }
        Value::Uuid(u) => {
            out.push(tag::UUID);
            out.extend_from_slice(u);
        }
        Value::Json(s) => put_tagged_bytes(out, tag::JSON, s.as_bytes()),
        Value::Array(items) => {
            out.push(tag::ARRAY);
            put_varint(out, items.len() as u64);
            items.iter().for_each(|item| put_value(out, item));
        }
    }
}

fn put_decimal(out: &mut Vec<u8>, value: &BigDecimal) {
    let (int_val, scale) = value.as_bigint_and_scale();
    out.push(tag::DECIMAL);
    put_signed(out, scale);
    put_bytes(out, &int_val.to_signed_bytes_le());
}

fn put_tagged_signed(out: &mut Vec<u8>, tag: u8, v: i64) {
    out.push(tag);
    put_signed(out, v);
}

fn put_tagged_bytes(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    put_bytes(out, bytes);
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_signed(out: &mut Vec<u8>, v: i64) {
    put_varint(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

// ---------------------------------------------------------------------------------------
// Decoding

fn corrupt(what: impl Into<String>) -> StorageError {
    StorageError::Corruption(format!("row: {}", what.into()))
}

fn truncated() -> StorageError {
    corrupt("truncated")
}

fn take_header(input: &mut &[u8]) -> StorageResult<Option<i64>> {
    let version = take_byte(input)?;
    if version != ROW_FORMAT_VERSION {
        return Err(corrupt(format!("unknown format version {version}")));
    }
    match take_byte(input)? {
        0 => Ok(None),
        FLAG_EXPIRY => Ok(Some(i64::from_le_bytes(take_fixed(input)?))),
        flags => Err(corrupt(format!("unknown flags 0x{flags:02x}"))),
    }
}

/// Reads a value count and that many values.
fn take_values(input: &mut &[u8], depth: usize) -> StorageResult<Vec<Value>> {
    // Every value takes at least its tag byte, so the count is bounded by the input.
    let count = take_length(input)?;
    let mut values = Vec::with_capacity(count);
    for _ in 0..count {
        values.push(take_value(input, depth)?);
    }
    Ok(values)
}

fn take_value(input: &mut &[u8], depth: usize) -> StorageResult<Value> {
    let value = match take_byte(input)? {
        tag::NULL => Value::Null,
        tag::FALSE => Value::Bool(false),
        tag::TRUE => Value::Bool(true),
        tag::INT => Value::Int(take_signed(input)?),
        tag::FLOAT => Value::Float(f64::from_bits(u64::from_le_bytes(take_fixed(input)?))),
        tag::DECIMAL => Value::Decimal(take_decimal(input)?),
        tag::TEXT => Value::Text(take_utf8(input)?),
        tag::BYTES => Value::Bytes(take_bytes(input)?.to_vec()),
        tag::DATE => Value::Date(take_i32(input)?),
        tag::TIME => Value::Time(take_signed(input)?),
        tag::TIMESTAMP => Value::Timestamp(take_signed(input)?),
        tag::TIMESTAMP_TZ => Value::TimestampTz(take_signed(input)?),
        tag::INTERVAL => Value::Interval(take_interval(input)?),
        tag::UUID => Value::Uuid(take_fixed(input)?),
        tag::JSON => Value::Json(take_utf8(input)?),
        tag::ARRAY => Value::Array(take_array(input, depth)?),
        other => return Err(corrupt(format!("unknown value tag {other}"))),
    };
    Ok(value)
}

fn take_array(input: &mut &[u8], depth: usize) -> StorageResult<Vec<Value>> {
    if depth >= MAX_ARRAY_DEPTH {
        return Err(corrupt(format!("arrays nested deeper than {MAX_ARRAY_DEPTH} levels")));
    }
    take_values(input, depth + 1)
}

fn take_decimal(input: &mut &[u8]) -> StorageResult<BigDecimal> {
    let scale = take_signed(input)?;
    let digits = BigInt::from_signed_bytes_le(take_bytes(input)?);
    Ok(BigDecimal::new(digits, scale))
}

fn take_interval(input: &mut &[u8]) -> StorageResult<Interval> {
    Ok(Interval { months: take_i32(input)?, days: take_i32(input)?, micros: take_signed(input)? })
}

fn take_utf8(input: &mut &[u8]) -> StorageResult<String> {
    let bytes = take_bytes(input)?;
    String::from_utf8(bytes.to_vec()).map_err(|_| corrupt("text is not valid UTF-8"))
}

/// Reads a varint length and that many bytes.
fn take_bytes<'a>(input: &mut &'a [u8]) -> StorageResult<&'a [u8]> {
    let len = take_length(input)?;
    let (bytes, rest) = input.split_at(len);
    *input = rest;
    Ok(bytes)
}

/// Reads a varint that counts bytes or values still to come, so it cannot exceed the
/// remaining input.
fn take_length(input: &mut &[u8]) -> StorageResult<usize> {
    let len = take_varint(input)?;
    match usize::try_from(len) {
        Ok(len) if len <= input.len() => Ok(len),
        _ => Err(corrupt(format!("length {len} exceeds the remaining {} bytes", input.len()))),
    }
}

fn take_i32(input: &mut &[u8]) -> StorageResult<i32> {
    let v = take_signed(input)?;
    i32::try_from(v).map_err(|_| corrupt(format!("{v} out of range for a 32-bit field")))
}

fn take_signed(input: &mut &[u8]) -> StorageResult<i64> {
    let zigzag = take_varint(input)?;
    Ok((zigzag >> 1) as i64 ^ -((zigzag & 1) as i64))
}

fn take_varint(input: &mut &[u8]) -> StorageResult<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = take_byte(input)?;
        let bits = u64::from(byte & 0x7F);
        if shift == 63 && bits > 1 {
            return Err(corrupt("varint overflows 64 bits"));
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(corrupt("varint longer than 10 bytes"))
}

fn take_byte(input: &mut &[u8]) -> StorageResult<u8> {
    let (&first, rest) = input.split_first().ok_or_else(truncated)?;
    *input = rest;
    Ok(first)
}

fn take_fixed<const N: usize>(input: &mut &[u8]) -> StorageResult<[u8; N]> {
    let (head, rest) = input.split_first_chunk::<N>().ok_or_else(truncated)?;
    *input = rest;
    Ok(*head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Value {
        Value::Decimal(BigDecimal::from_str(s).expect("decimal literal"))
    }

    fn every_kind() -> Vec<Value> {
        vec![
            Value::Null,
            Value::Bool(false),
            Value::Bool(true),
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Int(-1),
            Value::Int(0),
            Value::Float(-0.0),
            Value::Float(f64::NEG_INFINITY),
            Value::Float(1e-300),
            dec("1.50"),
            dec("-0.000"),
            dec("-123456789012345678901234567890.123456789"),
            dec("1e-400"),
            dec("7e400"),
            Value::Text(String::new()),
            Value::Text("héllo\0world".into()),
            Value::Bytes(Vec::new()),
            Value::Bytes(vec![0, 0xFF, 0x80]),
            Value::Date(i32::MIN),
            Value::Date(19_000),
            Value::Time(86_399_999_999),
            Value::Timestamp(i64::MIN),
            Value::TimestampTz(1_700_000_000_000_000),
            Value::Interval(Interval { months: i32::MIN, days: i32::MAX, micros: i64::MIN }),
            Value::Interval(Interval { months: 1, days: -2, micros: 3 }),
            Value::Uuid([0x5A; 16]),
            Value::Json(String::new()),
            Value::Json(r#"{"k":[1,2]}"#.into()),
            Value::Array(Vec::new()),
            Value::Array(vec![Value::Int(1), Value::Null, Value::Array(vec![Value::from("x"), Value::Array(vec![])])]),
        ]
    }

    fn assert_same_values(decoded: &[Value], expected: &[Value]) {
        assert_eq!(decoded.len(), expected.len());
        for (d, e) in decoded.iter().zip(expected) {
            match (d, e) {
                (Value::Float(d), Value::Float(e)) => assert_eq!(d.to_bits(), e.to_bits()),
                (Value::Decimal(d), Value::Decimal(e)) => {
                    assert_eq!(d.as_bigint_and_scale(), e.as_bigint_and_scale())
                }
                _ => assert_eq!(d, e),
            }
        }
    }

    #[test]
    fn round_trips_every_kind_with_and_without_expiry() {
        let values = every_kind();
        for expires_at in [None, Some(0), Some(1_700_000_000_123), Some(i64::MIN), Some(-1)] {
            let bytes = encode_row(&values, expires_at);
            assert_eq!(bytes[0], ROW_FORMAT_VERSION);
            let row = decode_row(&bytes).expect("decodes");
            assert_eq!(row.expires_at, expires_at);
            assert_same_values(&row.values, &values);
            assert_eq!(decode_expiry(&bytes).expect("header decodes"), expires_at);
        }
    }

    #[test]
    fn preserves_exact_float_bits() {
        let floats = [-0.0, f64::NAN, -f64::NAN, f64::from_bits(0x7FF0_0000_0000_0001), f64::MIN_POSITIVE / 2.0];
        let values: Vec<Value> = floats.iter().copied().map(Value::Float).collect();
        let row = decode_row(&encode_row(&values, None)).expect("decodes");
        assert_same_values(&row.values, &values);
    }

    #[test]
    fn preserves_decimal_scale() {
        let values = vec![dec("1.50"), dec("1.5"), dec("0.00"), dec("1e3"), dec("-12.3400")];
        let row = decode_row(&encode_row(&values, None)).expect("decodes");
        assert_same_values(&row.values, &values);
        let Value::Decimal(d) = &row.values[0] else { panic!("not a decimal") };
        assert_eq!(d.fractional_digit_count(), 2);
        assert_eq!(d.to_string(), "1.50");
    }

    #[test]
    fn empty_row_and_short_rows() {
        let bytes = encode_row(&[], None);
        assert_eq!(bytes, vec![ROW_FORMAT_VERSION, 0, 0]);
        assert_eq!(decode_row(&bytes).expect("decodes"), DecodedRow { values: vec![], expires_at: None });
        let row = decode_row(&encode_row(&[Value::Int(1)], Some(5))).expect("decodes");
        assert_eq!(row, DecodedRow { values: vec![Value::Int(1)], expires_at: Some(5) });
    }

    #[test]
    fn is_compact() {
        let bytes = encode_row(&[Value::Int(1), Value::Bool(true), Value::Null, Value::from("ab")], None);
        assert_eq!(bytes, vec![1, 0, 4, tag::INT, 2, tag::TRUE, tag::NULL, tag::TEXT, 2, b'a', b'b']);
    }

    #[test]
    fn every_truncation_is_an_error() {
        for expires_at in [None, Some(42)] {
            let bytes = encode_row(&every_kind(), expires_at);
            for len in 0..bytes.len() {
                let err = decode_row(&bytes[..len]).expect_err("truncated row must fail");
                assert!(matches!(err, StorageError::Corruption(_)), "cut at {len}: {err:?}");
            }
            let header_len = if expires_at.is_some() { 10 } else { 2 };
            for len in 0..header_len {
                assert!(decode_expiry(&bytes[..len]).is_err());
            }
        }
    }

    #[test]
    fn rejects_bad_headers_tags_and_trailing_bytes() {
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0, 0, 0],
            vec![2, 0, 0],
            vec![1, 0b10, 0],
            vec![1, 0, 1, 99],
            vec![1, 0, 0, 0],
            vec![1, 0, 1, tag::TEXT, 2, 0xC3, 0x28],
            vec![1, 0, 1, tag::DATE, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F],
            vec![1, 0, 1, tag::INT, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02],
            vec![1, 0, 1, tag::INT, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        ];
        for bytes in cases {
            let err = decode_row(&bytes).expect_err("must fail");
            assert!(matches!(err, StorageError::Corruption(_)), "{bytes:?}: {err:?}");
        }
        assert!(decode_expiry(&[2, 0]).is_err());
        assert!(decode_expiry(&[1, 4]).is_err());
    }

    #[test]
    fn huge_declared_lengths_are_corruption() {
        let mut huge = Vec::new();
        put_varint(&mut huge, 1 << 60);
        let max = {
            let mut v = Vec::new();
            put_varint(&mut v, u64::MAX);
            v
        };
        for len in [&huge, &max] {
            for prefix in [
                &[1u8, 0][..],
                &[1, 0, 1, tag::TEXT],
                &[1, 0, 1, tag::BYTES],
                &[1, 0, 1, tag::ARRAY],
                &[1, 0, 1, tag::DECIMAL, 0],
            ] {
                let bytes = [prefix, len.as_slice(), b"abc"].concat();
                let err = decode_row(&bytes).expect_err("huge length");
                assert!(matches!(err, StorageError::Corruption(_)), "{bytes:?}: {err:?}");
            }
        }
    }

    #[test]
    fn nesting_depth_is_limited() {
        let nested = |levels: usize| [vec![1, 0, 1], [tag::ARRAY, 1].repeat(levels), vec![tag::NULL]].concat();
        assert!(decode_row(&nested(MAX_ARRAY_DEPTH)).is_ok());
        let err = decode_row(&nested(MAX_ARRAY_DEPTH + 1)).expect_err("too deep");
        assert!(matches!(err, StorageError::Corruption(_)));
        assert!(decode_row(&nested(100_000)).is_err());
    }

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
        for round in 0..50_000 {
            let len = (rng.next() % 48) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| (rng.next() % 20) as u8).collect();
            if round % 2 == 0 && len >= 2 {
                bytes[0] = ROW_FORMAT_VERSION;
                bytes[1] = 0;
            }
            let _ = decode_row(&bytes);
            let _ = decode_expiry(&bytes);
        }
    }

    #[test]
    fn random_corruptions_of_valid_rows_never_panic() {
        let valid = encode_row(&every_kind(), Some(7));
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let mut bytes = valid.clone();
            for _ in 0..1 + rng.next() % 3 {
                let at = (rng.next() % bytes.len() as u64) as usize;
                bytes[at] = rng.next() as u8;
            }
            let _ = decode_row(&bytes);
        }
    }
}
