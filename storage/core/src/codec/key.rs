//! Order-preserving ("memcomparable") key encoding of [`Value`]s.
//!
//! Primary keys and index entries are stored as the concatenation of their values'
//! encodings, so the engine's byte-wise key order is the tuple order of the values and a
//! prefix of the values encodes to a byte prefix (prefix and range scans are one seek).
//!
//! Every value starts with a tag byte naming its kind, so keys decode without a schema.
//! Every encoding is either fixed-width or self-terminated, so no encoding is a prefix of
//! another. Within one kind, byte order is value order, with PostgreSQL's rules: NULL
//! sorts after every value (NULLS LAST), floats order `-0.0 == 0.0` and NaN above
//! `+inf`, numerics order by value (`1.50` and `1.5` encode identically). Order across
//! kinds follows the tags: consistent, but not meaningful.
//!
//! [`encode_value_desc`] inverts every byte of the ascending encoding, which reverses the
//! order for descending index columns (and puts NULL first, as PostgreSQL's `DESC` does).
//!
//! Layout after the tag:
//! * integers, dates, times, timestamps: big-endian with the sign bit flipped;
//! * floats: the IEEE bits, sign bit flipped for positives, all bits inverted for negatives;
//! * numerics: a sign class byte, then for non-zero values an exponent and base-100 digit
//!   pairs (see [`put_decimal`]), inverted for negatives;
//! * text, bytes, json: the bytes with `0x00` escaped as `0x00 0xFF`, ended by `0x00 0x01`;
//! * intervals: total microseconds (i128), then months, days, microseconds;
//! * arrays: each element preceded by `0x01`, the list ended by `0x00`.

use crate::error::{StorageError, StorageResult};
use crate::value::{Interval, Value};
use bigdecimal::num_bigint::BigInt;
use bigdecimal::{BigDecimal, Zero};

/// Tag bytes, one per kind. NULL has the highest tag so it sorts last.
mod tag {
    pub const BOOL: u8 = 0x10;
    pub const INT: u8 = 0x20;
    pub const FLOAT: u8 = 0x28;
    pub const DECIMAL: u8 = 0x30;
    pub const TEXT: u8 = 0x40;
    pub const BYTES: u8 = 0x48;
    pub const DATE: u8 = 0x50;
    pub const TIME: u8 = 0x58;
    pub const TIMESTAMP: u8 = 0x60;
    pub const TIMESTAMP_TZ: u8 = 0x68;
    pub const INTERVAL: u8 = 0x70;
    pub const UUID: u8 = 0x78;
    pub const JSON: u8 = 0x80;
    pub const ARRAY: u8 = 0x90;
    pub const NULL: u8 = 0xF0;
}

/// Escaping of byte strings: `0x00` is written `ESCAPE ESCAPED_ZERO`, the end `ESCAPE END`.
const ESCAPE: u8 = 0x00;
const ESCAPED_ZERO: u8 = 0xFF;
const STRING_END: u8 = 0x01;

/// Array framing: every element is preceded by `ARRAY_ELEMENT`, the list ends with `ARRAY_END`.
const ARRAY_ELEMENT: u8 = 0x01;
const ARRAY_END: u8 = 0x00;

/// Numeric sign classes, in value order.
const DECIMAL_NEGATIVE: u8 = 0x01;
const DECIMAL_ZERO: u8 = 0x02;
const DECIMAL_POSITIVE: u8 = 0x03;
/// Ends the digit pairs of a numeric; a pair `p` (0..=99) is written as `p + 1`.
const DIGITS_END: u8 = 0x00;

/// The one NaN every NaN is normalized to.
const CANONICAL_NAN_BITS: u64 = 0x7FF8_0000_0000_0000;
const SIGN_BIT_64: u64 = 1 << 63;

/// Deepest array nesting accepted, when encoding and when decoding.
const MAX_ARRAY_DEPTH: usize = 64;

/// Appends the ascending encoding of `value` to `out`. On error `out` is left unchanged.
pub fn encode_value(out: &mut Vec<u8>, value: &Value) -> StorageResult<()> {
    let start = out.len();
    put_value(out, value, 0).inspect_err(|_| out.truncate(start))
}

/// Appends the descending encoding of `value`: every byte of the ascending one inverted.
pub fn encode_value_desc(out: &mut Vec<u8>, value: &Value) -> StorageResult<()> {
    let start = out.len();
    encode_value(out, value)?;
    out[start..].iter_mut().for_each(|b| *b = !*b);
    Ok(())
}

/// The ascending encoding of a tuple: its values' encodings concatenated.
pub fn encode_values(values: &[Value]) -> StorageResult<Vec<u8>> {
    let mut out = Vec::new();
    for value in values {
        encode_value(&mut out, value)?;
    }
    Ok(out)
}

/// Decodes one ascending-encoded value from the front of `input` and advances past it.
pub fn decode_value(input: &mut &[u8]) -> StorageResult<Value> {
    take_value(input, 0)
}

/// Decodes ascending-encoded values until `bytes` is used up.
pub fn decode_values(bytes: &[u8]) -> StorageResult<Vec<Value>> {
    let mut input = bytes;
    let mut values = Vec::new();
    while !input.is_empty() {
        values.push(decode_value(&mut input)?);
    }
    Ok(values)
}

// ---------------------------------------------------------------------------------------
// Encoding

fn put_value(out: &mut Vec<u8>, value: &Value, depth: usize) -> StorageResult<()> {
    match value {
        Value::Null => out.push(tag::NULL),
        Value::Bool(b) => out.extend_from_slice(&[tag::BOOL, u8::from(*b)]),
        Value::Int(v) => put_tagged_i64(out, tag::INT, *v),
        Value::Float(f) => {
            out.push(tag::FLOAT);
            out.extend_from_slice(&float_key_bits(*f).to_be_bytes());
        }
        Value::Decimal(d) => {
            out.push(tag::DECIMAL);
            put_decimal(out, d)?;
        }
        Value::Text(s) => put_tagged_string(out, tag::TEXT, s.as_bytes()),
        Value::Bytes(b) => put_tagged_string(out, tag::BYTES, b),
        Value::Date(d) => {
            out.push(tag::DATE);
            out.extend_from_slice(&flip_i32(*d));
        }
        Value::Time(t) => put_tagged_i64(out, tag::TIME, *t),
        Value::Timestamp(t) => put_tagged_i64(out, tag::TIMESTAMP, *t),
        Value::TimestampTz(t) => put_tagged_i64(out, tag::TIMESTAMP_TZ, *t),
        Value::Interval(i) => put_interval(out, i),
        Value::Uuid(u) => {
            out.push(tag::UUID);
            out.extend_from_slice(u);
        }
        Value::Json(s) => put_tagged_string(out, tag::JSON, s.as_bytes()),
        Value::Array(items) => put_array(out, items, depth)?,
    }
    Ok(())
}

fn put_tagged_i64(out: &mut Vec<u8>, tag: u8, v: i64) {
    out.push(tag);
    out.extend_from_slice(&flip_i64(v));
}

fn put_tagged_string(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    for (i, chunk) in bytes.split(|&b| b == 0).enumerate() {
        if i > 0 {
            out.extend_from_slice(&[ESCAPE, ESCAPED_ZERO]);
        }
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&[ESCAPE, STRING_END]);
}

fn put_interval(out: &mut Vec<u8>, interval: &Interval) {
    out.push(tag::INTERVAL);
    out.extend_from_slice(&flip_i128(interval.total_micros()));
    out.extend_from_slice(&flip_i32(interval.months));
    out.extend_from_slice(&flip_i32(interval.days));
    out.extend_from_slice(&flip_i64(interval.micros));
}

fn put_array(out: &mut Vec<u8>, items: &[Value], depth: usize) -> StorageResult<()> {
    if depth >= MAX_ARRAY_DEPTH {
        return Err(StorageError::InvalidArgument(format!(
            "arrays nested deeper than {MAX_ARRAY_DEPTH} levels cannot be used in a key"
        )));
    }
    out.push(tag::ARRAY);
    for item in items {
        out.push(ARRAY_ELEMENT);
        put_value(out, item, depth + 1)?;
    }
    out.push(ARRAY_END);
    Ok(())
}

/// A non-zero numeric is written as `0.d1 d2 … dn × 10^exponent` with `d1` and `dn`
/// non-zero (so `1.5` and `1.50` are the same digits): the exponent as an order-preserving
/// i64, then the digits two per byte (an odd last digit padded with 0), then
/// `DIGITS_END`, which sorts below every digit pair so a shorter digit string sorts
/// first. Negative values write that body with every byte inverted.
fn put_decimal(out: &mut Vec<u8>, value: &BigDecimal) -> StorageResult<()> {
    let (int_val, scale) = value.as_bigint_and_scale();
    let all_digits = int_val.magnitude().to_string();
    let digits = all_digits.trim_end_matches('0');
    if digits.is_empty() {
        out.push(DECIMAL_ZERO);
        return Ok(());
    }
    let exponent = i64::try_from(all_digits.len() as i128 - i128::from(scale))
        .map_err(|_| StorageError::InvalidArgument(format!("numeric {value} is out of range for a key")))?;
    let negative = value.sign() == bigdecimal::num_bigint::Sign::Minus;
    out.push(if negative { DECIMAL_NEGATIVE } else { DECIMAL_POSITIVE });
    let start = out.len();
    out.extend_from_slice(&flip_i64(exponent));
    out.extend(digits.as_bytes().chunks(2).map(digit_pair_byte));
    out.push(DIGITS_END);
    if negative {
        out[start..].iter_mut().for_each(|b| *b = !*b);
    }
    Ok(())
}

/// One or two ASCII digits as one byte above `DIGITS_END`.
fn digit_pair_byte(pair: &[u8]) -> u8 {
    let high = pair[0] - b'0';
    let low = pair.get(1).map_or(0, |d| d - b'0');
    high * 10 + low + 1
}

/// Float bits in an order-preserving form: `-0.0` is `0.0`, every NaN one NaN above `+inf`.
fn float_key_bits(f: f64) -> u64 {
    let bits = if f.is_nan() {
        CANONICAL_NAN_BITS
    } else if f == 0.0 {
        0
    } else {
        f.to_bits()
    };
    if bits & SIGN_BIT_64 != 0 {
        !bits
    } else {
        bits | SIGN_BIT_64
    }
}

fn float_from_key_bits(key: u64) -> f64 {
    let bits = if key & SIGN_BIT_64 != 0 { key & !SIGN_BIT_64 } else { !key };
    f64::from_bits(bits)
}

fn flip_i32(v: i32) -> [u8; 4] {
    ((v as u32) ^ (1 << 31)).to_be_bytes()
}

fn flip_i64(v: i64) -> [u8; 8] {
    ((v as u64) ^ SIGN_BIT_64).to_be_bytes()
}

fn flip_i128(v: i128) -> [u8; 16] {
    ((v as u128) ^ (1 << 127)).to_be_bytes()
}

// ---------------------------------------------------------------------------------------
// Decoding

fn corrupt(what: impl Into<String>) -> StorageError {
    StorageError::Corruption(format!("key: {}", what.into()))
}

fn truncated() -> StorageError {
    corrupt("truncated value")
}

fn take_value(input: &mut &[u8], depth: usize) -> StorageResult<Value> {
    let value = match take_byte(input)? {
        tag::NULL => Value::Null,
        tag::BOOL => Value::Bool(take_bool(input)?),
        tag::INT => Value::Int(take_i64(input)?),
        tag::FLOAT => Value::Float(float_from_key_bits(u64::from_be_bytes(take_fixed(input)?))),
        tag::DECIMAL => Value::Decimal(take_decimal(input)?),
        tag::TEXT => Value::Text(take_utf8(input)?),
        tag::BYTES => Value::Bytes(take_escaped(input)?),
        tag::DATE => Value::Date(take_i32(input)?),
        tag::TIME => Value::Time(take_i64(input)?),
        tag::TIMESTAMP => Value::Timestamp(take_i64(input)?),
        tag::TIMESTAMP_TZ => Value::TimestampTz(take_i64(input)?),
        tag::INTERVAL => Value::Interval(take_interval(input)?),
        tag::UUID => Value::Uuid(take_fixed(input)?),
        tag::JSON => Value::Json(take_utf8(input)?),
        tag::ARRAY => Value::Array(take_array(input, depth)?),
        other => return Err(corrupt(format!("unknown tag 0x{other:02x}"))),
    };
    Ok(value)
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

fn take_bool(input: &mut &[u8]) -> StorageResult<bool> {
    match take_byte(input)? {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(corrupt(format!("invalid boolean byte 0x{other:02x}"))),
    }
}

fn take_i32(input: &mut &[u8]) -> StorageResult<i32> {
    Ok((u32::from_be_bytes(take_fixed(input)?) ^ (1 << 31)) as i32)
}

fn take_i64(input: &mut &[u8]) -> StorageResult<i64> {
    Ok((u64::from_be_bytes(take_fixed(input)?) ^ SIGN_BIT_64) as i64)
}

fn take_i128(input: &mut &[u8]) -> StorageResult<i128> {
    Ok((u128::from_be_bytes(take_fixed(input)?) ^ (1 << 127)) as i128)
}

/// Reads an escaped byte string up to and including its terminator.
fn take_escaped(input: &mut &[u8]) -> StorageResult<Vec<u8>> {
    let mut bytes = Vec::new();
    loop {
        let escape_at = input.iter().position(|&b| b == ESCAPE).ok_or_else(truncated)?;
        let (plain, rest) = input.split_at(escape_at);
        bytes.extend_from_slice(plain);
        let (&marker, rest) = rest[1..].split_first().ok_or_else(truncated)?;
        *input = rest;
        match marker {
            ESCAPED_ZERO => bytes.push(0),
            STRING_END => return Ok(bytes),
            other => return Err(corrupt(format!("invalid escape 0x00 0x{other:02x}"))),
        }
    }
}

fn take_utf8(input: &mut &[u8]) -> StorageResult<String> {
    String::from_utf8(take_escaped(input)?).map_err(|_| corrupt("text is not valid UTF-8"))
}

fn take_interval(input: &mut &[u8]) -> StorageResult<Interval> {
    let total = take_i128(input)?;
    let interval = Interval { months: take_i32(input)?, days: take_i32(input)?, micros: take_i64(input)? };
    if interval.total_micros() != total {
        return Err(corrupt("interval total does not match its parts"));
    }
    Ok(interval)
}

fn take_array(input: &mut &[u8], depth: usize) -> StorageResult<Vec<Value>> {
    if depth >= MAX_ARRAY_DEPTH {
        return Err(corrupt(format!("arrays nested deeper than {MAX_ARRAY_DEPTH} levels")));
    }
    let mut items = Vec::new();
    loop {
        match take_byte(input)? {
            ARRAY_END => return Ok(items),
            ARRAY_ELEMENT => items.push(take_value(input, depth + 1)?),
            other => return Err(corrupt(format!("invalid array marker 0x{other:02x}"))),
        }
    }
}

fn take_decimal(input: &mut &[u8]) -> StorageResult<BigDecimal> {
    match take_byte(input)? {
        DECIMAL_ZERO => Ok(BigDecimal::zero()),
        DECIMAL_POSITIVE => take_decimal_body(input, 0x00),
        DECIMAL_NEGATIVE => take_decimal_body(input, 0xFF).map(|d| -d),
        other => Err(corrupt(format!("invalid numeric sign byte 0x{other:02x}"))),
    }
}

/// Reads the exponent and digits written by [`put_decimal`]; `mask` undoes the inversion
/// of negative values. Returns the magnitude.
fn take_decimal_body(input: &mut &[u8], mask: u8) -> StorageResult<BigDecimal> {
    let exponent = (u64::from_be_bytes(take_fixed::<8>(input)?.map(|b| b ^ mask)) ^ SIGN_BIT_64) as i64;
    let digits = take_digit_pairs(input, mask)?;
    let scale = (digits.len() as i64).checked_sub(exponent).ok_or_else(|| corrupt("numeric exponent out of range"))?;
    let int_val = BigInt::parse_bytes(digits.as_bytes(), 10).ok_or_else(|| corrupt("invalid numeric digits"))?;
    Ok(BigDecimal::new(int_val, scale))
}

/// Reads digit pairs up to `DIGITS_END`; the digits must have no leading or trailing zero.
fn take_digit_pairs(input: &mut &[u8], mask: u8) -> StorageResult<String> {
    let mut digits = String::new();
    loop {
        let byte = take_byte(input)? ^ mask;
        if byte == DIGITS_END {
            break;
        }
        let pair = byte - 1;
        if pair > 99 {
            return Err(corrupt(format!("invalid numeric digit pair 0x{byte:02x}")));
        }
        digits.push(char::from(b'0' + pair / 10));
        digits.push(char::from(b'0' + pair % 10));
    }
    if digits.ends_with('0') {
        digits.pop();
    }
    if digits.is_empty() || digits.starts_with('0') || digits.ends_with('0') {
        return Err(corrupt("non-canonical numeric digits"));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;
    use std::str::FromStr;

    fn enc(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value(&mut out, value).expect("encodable");
        out
    }

    fn enc_desc(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value_desc(&mut out, value).expect("encodable");
        out
    }

    fn dec(s: &str) -> Value {
        Value::Decimal(BigDecimal::from_str(s).expect("decimal literal"))
    }

    fn round_trip(value: &Value) -> Value {
        let bytes = enc(value);
        let mut input = bytes.as_slice();
        let decoded = decode_value(&mut input).expect("decodes");
        assert!(input.is_empty(), "decode of {value:?} left bytes");
        decoded
    }

    /// Asserts the encodings of `values` are strictly increasing.
    fn assert_strictly_sorted(values: &[Value]) {
        for pair in values.windows(2) {
            assert!(enc(&pair[0]) < enc(&pair[1]), "expected {:?} < {:?}", pair[0], pair[1]);
        }
    }

    fn sample_values() -> Vec<Value> {
        vec![
            Value::Null,
            Value::Bool(false),
            Value::Bool(true),
            Value::Int(i64::MIN),
            Value::Int(-1),
            Value::Int(0),
            Value::Int(i64::MAX),
            Value::Float(-1.5),
            Value::Float(f64::INFINITY),
            Value::Float(f64::MIN_POSITIVE),
            dec("-123.456"),
            dec("0"),
            dec("1e30"),
            dec("1e-30"),
            dec("98765432109876543210.0123456789"),
            Value::Text(String::new()),
            Value::Text("a\0b é".into()),
            Value::Bytes(vec![0, 0xFF, 0, 1, 0]),
            Value::Bytes(Vec::new()),
            Value::Date(-719_528),
            Value::Date(i32::MAX),
            Value::Time(86_399_999_999),
            Value::Timestamp(i64::MIN),
            Value::TimestampTz(1_700_000_000_000_000),
            Value::Interval(Interval { months: -3, days: 40, micros: -5 }),
            Value::Interval(Interval { months: i32::MIN, days: i32::MIN, micros: i64::MIN }),
            Value::Uuid([0xAB; 16]),
            Value::Json(r#"{"a":[1,null]}"#.into()),
            Value::Array(vec![]),
            Value::Array(vec![Value::Int(1), Value::Null, Value::Array(vec![Value::Text("x".into())])]),
        ]
    }

    #[test]
    fn round_trips_every_kind() {
        for value in sample_values() {
            assert_eq!(round_trip(&value), value);
        }
    }

    #[test]
    fn round_trip_normalizes_floats_and_decimals() {
        assert_eq!(round_trip(&Value::Float(-0.0)), Value::Float(0.0));
        assert!(round_trip(&Value::Float(-0.0)) == Value::Float(0.0));
        let Value::Float(nan) = round_trip(&Value::Float(-f64::NAN)) else { panic!("not a float") };
        assert_eq!(nan.to_bits(), CANONICAL_NAN_BITS);
        let Value::Decimal(d) = round_trip(&dec("1.500")) else { panic!("not a decimal") };
        assert_eq!(d, BigDecimal::from_str("1.5").expect("literal"));
        assert_eq!(d.fractional_digit_count(), 1);
    }

    #[test]
    fn integers_sort() {
        let values: Vec<Value> =
            [i64::MIN, i64::MIN + 1, -1000, -1, 0, 1, 255, 256, i64::MAX].into_iter().map(Value::Int).collect();
        assert_strictly_sorted(&values);
    }

    #[test]
    fn floats_sort_with_nan_last_and_zeros_equal() {
        let values: Vec<Value> =
            [f64::NEG_INFINITY, -1e300, -1.5, -1e-300, 0.0, 1e-300, 1.5, 1e300, f64::INFINITY, f64::NAN]
                .into_iter()
                .map(Value::Float)
                .collect();
        assert_strictly_sorted(&values);
        assert_eq!(enc(&Value::Float(-0.0)), enc(&Value::Float(0.0)));
        assert_eq!(enc(&Value::Float(f64::NAN)), enc(&Value::Float(-f64::NAN)));
        assert_eq!(enc(&Value::Float(f64::NAN)), enc(&Value::Float(f64::from_bits(0x7FF0_0000_0000_0001))));
    }

    #[test]
    fn decimals_sort_by_value() {
        let sorted = "-1e30 -1000 -100.5 -10 -2 -1.5 -1.25 -1 -0.001 -1e-300 0 1e-300 0.001 0.0011 0.01 \
                      1 1.25 1.5 2 10 100.5 1000 1e30 1.0000000000000000000000000000001e30";
        let values: Vec<Value> = sorted.split_whitespace().map(dec).collect();
        assert_strictly_sorted(&values);
    }

    #[test]
    fn decimals_equal_by_value_encode_identically() {
        assert_eq!(enc(&dec("1.5")), enc(&dec("1.50")));
        assert_eq!(enc(&dec("-1.5")), enc(&dec("-1.5000")));
        assert_eq!(enc(&dec("100")), enc(&dec("1e2")));
        assert_eq!(enc(&dec("0")), enc(&dec("0.000")));
        assert_eq!(enc(&dec("0")), enc(&dec("-0.0")));
    }

    #[test]
    fn decimals_with_extreme_exponents() {
        for s in ["1e1000000", "-1e1000000", "1e-1000000", "-7e-1000000", "123456789e-999999999"] {
            assert_eq!(round_trip(&dec(s)), dec(s));
        }
        assert_strictly_sorted(&[dec("-1e1000000"), dec("-7e-1000000"), dec("1e-1000000"), dec("1e1000000")]);
        let unbounded = BigDecimal::new(BigInt::from(1), i64::MIN);
        let err = encode_value(&mut Vec::new(), &Value::Decimal(unbounded)).expect_err("out of range");
        assert!(matches!(err, StorageError::InvalidArgument(_)));
        let tiny = Value::Decimal(BigDecimal::new(BigInt::from(7), i64::MAX));
        assert_eq!(round_trip(&tiny), tiny);
    }

    #[test]
    fn text_sorts_bytewise_with_escaped_zero() {
        let values: Vec<Value> =
            ["", "\0", "a", "a\0", "a\0\0", "a\0b", "ab", "b", "z", "é"].into_iter().map(Value::from).collect();
        assert_strictly_sorted(&values);
    }

    #[test]
    fn bytes_sort_with_zero_and_ff() {
        let values: Vec<Value> = [&[][..], &[0], &[0, 0], &[0, 0xFF], &[1], &[0xFF], &[0xFF, 0], &[0xFF, 0xFF]]
            .into_iter()
            .map(|b| Value::Bytes(b.to_vec()))
            .collect();
        assert_strictly_sorted(&values);
    }

    #[test]
    fn time_kinds_sort() {
        assert_strictly_sorted(&[Value::Date(i32::MIN), Value::Date(-1), Value::Date(0), Value::Date(i32::MAX)]);
        for make in [Value::Time, Value::Timestamp, Value::TimestampTz] {
            assert_strictly_sorted(&[make(i64::MIN), make(-1), make(0), make(1), make(i64::MAX)]);
        }
    }

    #[test]
    fn intervals_sort_by_total_then_parts() {
        let iv = |months, days, micros| Value::Interval(Interval { months, days, micros });
        assert_strictly_sorted(&[
            iv(-1, 0, 0),
            iv(0, -1, 0),
            iv(0, 0, -1),
            iv(0, 0, 0),
            iv(0, 0, 86_400_000_000),
            iv(0, 1, 0),
            iv(0, 30, 0),
            iv(1, 0, 0),
            iv(0, 31, 0),
        ]);
    }

    #[test]
    fn uuids_and_bools_sort() {
        assert_strictly_sorted(&[Value::Bool(false), Value::Bool(true)]);
        let mut last_low = [0xFF; 16];
        last_low[15] = 0;
        let mut first_one = [0; 16];
        first_one[0] = 1;
        assert_strictly_sorted(&[
            Value::Uuid([0; 16]),
            Value::Uuid(first_one),
            Value::Uuid(last_low),
            Value::Uuid([0xFF; 16]),
        ]);
    }

    #[test]
    fn arrays_sort_elementwise() {
        let arr = |items: &[i64]| Value::Array(items.iter().copied().map(Value::Int).collect());
        assert_strictly_sorted(&[arr(&[]), arr(&[1]), arr(&[1, 2]), arr(&[1, 3]), arr(&[2])]);
        assert!(enc(&Value::Array(vec![Value::Int(i64::MAX)])) < enc(&Value::Array(vec![Value::Null])));
    }

    #[test]
    fn null_sorts_after_every_kind() {
        for value in sample_values().into_iter().filter(|v| !v.is_null()) {
            assert!(enc(&value) < enc(&Value::Null), "{value:?} should sort before NULL");
        }
    }

    #[test]
    fn descending_reverses_order() {
        let values =
            [Value::Int(-5), Value::Int(3), Value::Text("a".into()), Value::Text("ab".into()), dec("-2"), dec("0.5")];
        for a in &values {
            for b in &values {
                assert_eq!(enc_desc(a).cmp(&enc_desc(b)), enc(b).cmp(&enc(a)), "{a:?} vs {b:?}");
            }
        }
        assert!(enc_desc(&Value::Null) < enc_desc(&Value::Int(i64::MIN)));
        assert!(enc_desc(&Value::Text("a".into())) > enc_desc(&Value::Text("a\0".into())));
        let mut tuple = enc_desc(&Value::Text("ab".into()));
        tuple.extend(enc(&Value::Int(1)));
        let mut other = enc_desc(&Value::Text("a".into()));
        other.extend(enc(&Value::Int(9)));
        assert!(tuple < other);
    }

    #[test]
    fn composite_tuples_sort_lexicographically() {
        let tuples: Vec<(i64, &str)> = vec![(-1, "zzz"), (0, ""), (0, "a"), (0, "a\0"), (0, "ab"), (1, ""), (1, "b")];
        let keys: Vec<Vec<u8>> =
            tuples.iter().map(|(i, s)| encode_values(&[Value::Int(*i), Value::from(*s)]).expect("encodable")).collect();
        for pair in keys.windows(2) {
            assert!(pair[0] < pair[1]);
        }
        let decoded = decode_values(&keys[3]).expect("decodes");
        assert_eq!(decoded, vec![Value::Int(0), Value::from("a\0")]);
    }

    #[test]
    fn tuple_prefix_is_byte_prefix() {
        let tuple = vec![Value::Int(7), Value::from("key\0x"), dec("-2.5"), Value::Null, Value::Float(2.0)];
        let full = encode_values(&tuple).expect("encodable");
        for n in 0..=tuple.len() {
            let prefix = encode_values(&tuple[..n]).expect("encodable");
            assert!(full.starts_with(&prefix));
            assert_eq!(decode_values(&prefix).expect("decodes"), tuple[..n].to_vec());
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        for value in sample_values().into_iter().filter(|v| !v.is_null()) {
            let bytes = enc(&value);
            for len in 0..bytes.len() {
                let err = decode_value(&mut &bytes[..len]).expect_err("truncated input must fail");
                assert!(matches!(err, StorageError::Corruption(_)), "{value:?} cut at {len}: {err:?}");
                if len > 0 {
                    assert!(decode_values(&bytes[..len]).is_err());
                }
            }
        }
    }

    #[test]
    fn garbage_is_an_error() {
        let cases: Vec<Vec<u8>> = vec![
            vec![0x00],
            vec![0xFF],
            vec![tag::BOOL, 2],
            vec![tag::TEXT, b'a', 0x00, 0x02],
            vec![tag::TEXT, 0xC3, 0x28, 0x00, 0x01],
            vec![tag::DECIMAL, 0x07],
            vec![tag::DECIMAL, DECIMAL_POSITIVE, 0, 0, 0, 0, 0, 0, 0, 0, 0x70, DIGITS_END],
            vec![tag::DECIMAL, DECIMAL_POSITIVE, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, DIGITS_END],
            vec![tag::DECIMAL, DECIMAL_POSITIVE, 0x80, 0, 0, 0, 0, 0, 0, 0, DIGITS_END],
            vec![tag::ARRAY, 0x05],
            [&[tag::INTERVAL][..], &[0x80; 16], &[0x80, 0, 0, 1], &[0x80, 0, 0, 0], &[0x80, 0, 0, 0, 0, 0, 0, 0]]
                .concat(),
            [tag::ARRAY, ARRAY_ELEMENT].repeat(100),
        ];
        for bytes in cases {
            let err = decode_values(&bytes).expect_err("garbage must fail");
            assert!(matches!(err, StorageError::Corruption(_)), "{bytes:?}: {err:?}");
        }
    }

    #[test]
    fn nesting_limit_applies_to_encoding() {
        let mut deep = Value::Int(1);
        for _ in 0..MAX_ARRAY_DEPTH {
            deep = Value::Array(vec![deep]);
        }
        assert_eq!(round_trip(&deep), deep);
        let too_deep = Value::Array(vec![deep]);
        let mut out = vec![0xAA];
        let err = encode_value(&mut out, &too_deep).expect_err("too deep");
        assert!(matches!(err, StorageError::InvalidArgument(_)));
        assert_eq!(out, vec![0xAA]);
    }

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// PostgreSQL's float order: NaN equals NaN and is above everything, -0 equals 0.
    fn pg_float_cmp(a: f64, b: f64) -> Ordering {
        match (a.is_nan(), b.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => a.partial_cmp(&b).expect("not NaN"),
        }
    }

    fn random_float(rng: &mut XorShift) -> f64 {
        match rng.below(4) {
            0 => f64::from_bits(rng.next()),
            1 => (rng.next() as i64 % 1000) as f64 / 8.0,
            2 => [0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -f64::NAN][rng.below(6) as usize],
            _ => f64::from_bits(rng.next() & 0x800F_FFFF_FFFF_FFFF),
        }
    }

    fn random_string(rng: &mut XorShift) -> String {
        const ALPHABET: [char; 8] = ['\0', '\u{1}', 'a', 'b', '\u{7F}', 'é', '\u{FFFF}', '\u{10FFFF}'];
        (0..rng.below(5)).map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize]).collect()
    }

    fn random_decimal(rng: &mut XorShift) -> BigDecimal {
        let digits = (rng.next() as i64) >> rng.below(64);
        let scale = rng.below(41) as i64 - 20;
        BigDecimal::new(BigInt::from(digits), scale)
    }

    fn assert_order_matches(a: &Value, b: &Value, expected: Ordering) {
        assert_eq!(enc(a).cmp(&enc(b)), expected, "{a:?} vs {b:?}");
    }

    #[test]
    fn random_values_encode_in_value_order() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..5000 {
            let (a, b) = (rng.next() as i64 >> rng.below(64), rng.next() as i64 >> rng.below(64));
            assert_order_matches(&Value::Int(a), &Value::Int(b), a.cmp(&b));

            let (a, b) = (random_float(&mut rng), random_float(&mut rng));
            assert_order_matches(&Value::Float(a), &Value::Float(b), pg_float_cmp(a, b));

            let (a, b) = (random_string(&mut rng), random_string(&mut rng));
            assert_order_matches(&Value::Text(a.clone()), &Value::Text(b.clone()), a.cmp(&b));
            let (ab, bb) = (a.clone().into_bytes(), b.clone().into_bytes());
            assert_order_matches(&Value::Bytes(ab.clone()), &Value::Bytes(bb.clone()), ab.cmp(&bb));

            let (a, b) = (random_decimal(&mut rng), random_decimal(&mut rng));
            assert_order_matches(&Value::Decimal(a.clone()), &Value::Decimal(b.clone()), a.cmp(&b));
            assert_eq!(round_trip(&Value::Decimal(a.clone())), Value::Decimal(a));
        }
    }

    #[test]
    fn random_tuples_encode_in_tuple_order() {
        let mut rng = XorShift(0xDEAD_BEEF_CAFE_F00D);
        for _ in 0..3000 {
            let a = (rng.below(5) as i64 - 2, random_string(&mut rng));
            let b = (rng.below(5) as i64 - 2, random_string(&mut rng));
            let key =
                |t: &(i64, String)| encode_values(&[Value::Int(t.0), Value::Text(t.1.clone())]).expect("encodable");
            assert_eq!(key(&a).cmp(&key(&b)), a.cmp(&b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = XorShift(0x0123_4567_89AB_CDEF);
        let tags = [tag::BOOL, tag::INT, tag::DECIMAL, tag::TEXT, tag::INTERVAL, tag::ARRAY, tag::NULL];
        for _ in 0..20_000 {
            let len = rng.below(40) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if let Some(first) = bytes.first_mut() {
                *first = tags[rng.below(tags.len() as u64) as usize];
            }
            let _ = decode_values(&bytes);
        }
    }
}
