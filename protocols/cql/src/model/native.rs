//! The native encoding of CQL values (native_protocol_v4.spec, section 6 "Data Type
//! Serialization Formats"): what bound values arrive as, what Rows cells carry, and what
//! the model stores as a cell's value. Decoding validates like Cassandra's serializers
//! and answers `CqlError::invalid` with their messages; it never panics on bytes.

use super::value::{CqlValue, NANOS_PER_DAY};
use crate::error::{CqlError, CqlResult};
use crate::types::CqlType;
use num_bigint::BigInt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

impl CqlValue {
    /// Appends the value's native encoding (without the `[bytes]` length of the
    /// enclosing frame).
    pub fn encode_native(&self, out: &mut Vec<u8>) {
        use CqlValue as V;
        match self {
            V::Empty => {}
            V::Ascii(s) | V::Text(s) => out.extend_from_slice(s.as_bytes()),
            V::Int(v) => out.extend_from_slice(&v.to_be_bytes()),
            V::Bigint(v) | V::Counter(v) | V::Timestamp(v) | V::Time(v) => out.extend_from_slice(&v.to_be_bytes()),
            V::Smallint(v) => out.extend_from_slice(&v.to_be_bytes()),
            V::Tinyint(v) => out.extend_from_slice(&v.to_be_bytes()),
            V::Varint(v) => out.extend_from_slice(&v.to_signed_bytes_be()),
            V::Decimal { unscaled, scale } => {
                out.extend_from_slice(&scale.to_be_bytes());
                out.extend_from_slice(&unscaled.to_signed_bytes_be());
            }
            V::Float(v) => out.extend_from_slice(&v.to_bits().to_be_bytes()),
            V::Double(v) => out.extend_from_slice(&v.to_bits().to_be_bytes()),
            V::Boolean(v) => out.push(u8::from(*v)),
            V::Blob(b) => out.extend_from_slice(b),
            V::Uuid(u) | V::Timeuuid(u) => out.extend_from_slice(u),
            V::Date(d) => out.extend_from_slice(&d.to_be_bytes()),
            V::Duration { months, days, nanos } => {
                write_vint(out, i64::from(*months));
                write_vint(out, i64::from(*days));
                write_vint(out, *nanos);
            }
            V::Inet(IpAddr::V4(a)) => out.extend_from_slice(&a.octets()),
            V::Inet(IpAddr::V6(a)) => out.extend_from_slice(&a.octets()),
            V::List(items) | V::Set(items) => {
                push_count(out, items.len());
                for item in items {
                    push_element(out, Some(item));
                }
            }
            V::Map(entries) => {
                push_count(out, entries.len());
                for (k, v) in entries {
                    push_element(out, Some(k));
                    push_element(out, Some(v));
                }
            }
            V::Tuple(items) => {
                for item in items {
                    push_element(out, item.as_ref());
                }
            }
            V::Udt(fields) => {
                for (_, value) in fields {
                    push_element(out, value.as_ref());
                }
            }
        }
    }

    /// The native encoding as a new buffer.
    pub fn to_native(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_native(&mut out);
        out
    }

    /// Decodes and validates a non-null value of `ty`.
    pub fn decode_native(ty: &CqlType, bytes: &[u8]) -> CqlResult<CqlValue> {
        decode(ty, bytes)
    }
}

fn push_count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&i32::try_from(n).unwrap_or(i32::MAX).to_be_bytes());
}

/// An `[int]`-length element; `None` is a null (length -1).
fn push_element(out: &mut Vec<u8>, value: Option<&CqlValue>) {
    match value {
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        Some(v) => {
            let at = out.len();
            out.extend_from_slice(&[0; 4]);
            v.encode_native(out);
            let len = i32::try_from(out.len() - at - 4).unwrap_or(i32::MAX);
            if let Some(slot) = out.get_mut(at..at + 4) {
                slot.copy_from_slice(&len.to_be_bytes());
            }
        }
    }
}

fn decode(ty: &CqlType, b: &[u8]) -> CqlResult<CqlValue> {
    use CqlValue as V;
    let ty = ty.unfrozen();
    if b.is_empty() && allows_empty(ty) {
        return Ok(V::Empty);
    }
    Ok(match ty {
        CqlType::Ascii => {
            if let Some(bad) = b.iter().find(|c| **c >= 0x80) {
                return Err(CqlError::invalid(format!("Invalid byte for ascii: {bad}")));
            }
            V::Ascii(String::from_utf8_lossy(b).into_owned())
        }
        CqlType::Text => match std::str::from_utf8(b) {
            Ok(s) => V::Text(s.to_owned()),
            Err(_) => return Err(CqlError::invalid("String didn't validate.")),
        },
        CqlType::Int => V::Int(i32::from_be_bytes(fixed(b, "Expected 4 or 0 byte int")?)),
        CqlType::Bigint => V::Bigint(i64::from_be_bytes(fixed(b, "Expected 8 or 0 byte long")?)),
        CqlType::Counter => V::Counter(i64::from_be_bytes(fixed(b, "Expected 8 or 0 byte long")?)),
        CqlType::Smallint => V::Smallint(i16::from_be_bytes(fixed(b, "Expected 2 bytes for a smallint")?)),
        CqlType::Tinyint => V::Tinyint(i8::from_be_bytes(fixed(b, "Expected 1 byte for a tinyint")?)),
        CqlType::Varint => V::Varint(BigInt::from_signed_bytes_be(b)),
        CqlType::Decimal => {
            let scale_bytes = b.get(..4).ok_or_else(|| {
                CqlError::invalid(format!("Expected 0 or at least 4 bytes for a decimal ({})", b.len()))
            })?;
            let scale = i32::from_be_bytes(fixed(scale_bytes, "decimal scale")?);
            V::Decimal { unscaled: BigInt::from_signed_bytes_be(b.get(4..).unwrap_or(&[])), scale }
        }
        CqlType::Float => V::Float(f32::from_be_bytes(fixed(b, "Expected 4 or 0 byte value for a float")?)),
        CqlType::Double => V::Double(f64::from_be_bytes(fixed(b, "Expected 8 or 0 byte value for a double")?)),
        CqlType::Boolean => V::Boolean(u8::from_be_bytes(fixed(b, "Expected 1 or 0 byte value")?) != 0),
        CqlType::Blob => V::Blob(b.to_vec()),
        CqlType::Uuid => V::Uuid(fixed(b, "UUID should be 16 or 0 bytes")?),
        CqlType::Timeuuid => {
            let u: [u8; 16] = fixed(b, "UUID should be 16 or 0 bytes")?;
            if u[6] >> 4 != 1 {
                return Err(CqlError::invalid("Invalid version for TimeUUID type."));
            }
            V::Timeuuid(u)
        }
        CqlType::Timestamp => V::Timestamp(i64::from_be_bytes(fixed(b, "Expected 8 or 0 byte long for date")?)),
        CqlType::Date => V::Date(u32::from_be_bytes(fixed(b, "Expected 4 byte long for date")?)),
        CqlType::Time => {
            let nanos = i64::from_be_bytes(fixed(b, "Expected 8 byte long for time")?);
            if !(0..NANOS_PER_DAY).contains(&nanos) {
                return Err(CqlError::invalid(format!(
                    "Time value must be between 0 and {} nanoseconds ({nanos})",
                    NANOS_PER_DAY - 1
                )));
            }
            V::Time(nanos)
        }
        CqlType::Duration => decode_duration(b)?,
        CqlType::Inet => match b.len() {
            4 => V::Inet(IpAddr::V4(Ipv4Addr::from(fixed::<4>(b, "inet")?))),
            16 => V::Inet(IpAddr::V6(Ipv6Addr::from(fixed::<16>(b, "inet")?))),
            n => return Err(CqlError::invalid(format!("Invalid inet address of {n} bytes"))),
        },
        CqlType::List(e) => {
            let mut r = Reader::new(b);
            let n = r.count()?;
            let mut items = Vec::with_capacity(n.min(b.len()));
            for _ in 0..n {
                items.push(r.element(e)?);
            }
            r.finish("list")?;
            V::List(items)
        }
        CqlType::Set(e) => {
            let mut r = Reader::new(b);
            let n = r.count()?;
            let mut items = Vec::with_capacity(n.min(b.len()));
            for _ in 0..n {
                items.push(r.element(e)?);
            }
            r.finish("set")?;
            CqlValue::set(items)
        }
        CqlType::Map(k, v) => {
            let mut r = Reader::new(b);
            let n = r.count()?;
            let mut entries = Vec::with_capacity(n.min(b.len()));
            for _ in 0..n {
                let key = r.element(k)?;
                entries.push((key, r.element(v)?));
            }
            r.finish("map")?;
            CqlValue::map(entries)
        }
        CqlType::Tuple(types) => {
            let mut r = Reader::new(b);
            let mut items = Vec::with_capacity(types.len());
            for t in types {
                items.push(if r.at_end() { None } else { r.nullable(t)? });
            }
            r.finish("tuple")?;
            V::Tuple(items)
        }
        CqlType::Udt { fields, name, .. } => {
            let mut r = Reader::new(b);
            let mut values = Vec::with_capacity(fields.len());
            for (fname, t) in fields {
                if r.at_end() {
                    break;
                }
                values.push((fname.clone(), r.nullable(t)?));
            }
            if !r.at_end() {
                return Err(CqlError::invalid(format!(
                    "Invalid remaining data after end of UDT value for type {name}"
                )));
            }
            V::Udt(values)
        }
        CqlType::UdtRef { name, .. } => {
            return Err(CqlError::server(format!("type {name} was not resolved before decoding")));
        }
        CqlType::Frozen(inner) => decode(inner, b)?,
    })
}

/// Cassandra accepts a zero-length value for the fixed and numeric types; collections,
/// text and blob simply decode it as empty.
fn allows_empty(ty: &CqlType) -> bool {
    !matches!(
        ty,
        CqlType::Ascii
            | CqlType::Text
            | CqlType::Blob
            | CqlType::List(_)
            | CqlType::Set(_)
            | CqlType::Map(..)
            | CqlType::Duration
            | CqlType::Frozen(_)
    )
}

/// Exactly `N` bytes, or `"<message> (<len>)"`.
fn fixed<const N: usize>(b: &[u8], message: &str) -> CqlResult<[u8; N]> {
    <[u8; N]>::try_from(b).map_err(|_| CqlError::invalid(format!("{message} ({})", b.len())))
}

fn decode_duration(b: &[u8]) -> CqlResult<CqlValue> {
    let mut at = 0usize;
    let bad = || CqlError::invalid("Invalid duration: expected three variable-length integers");
    let months = read_vint(b, &mut at).ok_or_else(bad)?;
    let days = read_vint(b, &mut at).ok_or_else(bad)?;
    let nanos = read_vint(b, &mut at).ok_or_else(bad)?;
    if at != b.len() {
        return Err(bad());
    }
    let (months, days) = match (i32::try_from(months), i32::try_from(days)) {
        (Ok(m), Ok(d)) => (m, d),
        _ => return Err(CqlError::invalid("Invalid duration: months and days must fit in an int")),
    };
    let signs = [i64::from(months).signum(), i64::from(days).signum(), nanos.signum()];
    if signs.contains(&1) && signs.contains(&-1) {
        return Err(CqlError::invalid("The duration months, days and nanoseconds must be all of the same sign"));
    }
    Ok(CqlValue::Duration { months, days, nanos })
}

/// Cassandra's signed vint: zig-zag, then the unsigned vint whose first byte's leading
/// one bits count the bytes that follow (big-endian).
pub fn write_vint(out: &mut Vec<u8>, value: i64) {
    write_unsigned_vint(out, ((value << 1) ^ (value >> 63)) as u64);
}

pub fn write_unsigned_vint(out: &mut Vec<u8>, value: u64) {
    let bits = 64 - (value | 1).leading_zeros() as usize;
    let size = if bits > 56 { 9 } else { bits.div_ceil(7) };
    let extra = size - 1;
    let bytes = value.to_be_bytes();
    if size == 9 {
        out.push(0xff);
        out.extend_from_slice(&bytes);
        return;
    }
    let start = 8 - size;
    let mut first = bytes.get(start).copied().unwrap_or(0);
    first |= !(0xffu8 >> extra);
    out.push(first);
    out.extend_from_slice(bytes.get(start + 1..).unwrap_or(&[]));
}

pub fn read_vint(b: &[u8], at: &mut usize) -> Option<i64> {
    let u = read_unsigned_vint(b, at)?;
    Some(((u >> 1) as i64) ^ -((u & 1) as i64))
}

pub fn read_unsigned_vint(b: &[u8], at: &mut usize) -> Option<u64> {
    let first = *b.get(*at)?;
    let extra = first.leading_ones() as usize;
    let rest = b.get(*at + 1..*at + 1 + extra)?;
    let mut value = u64::from(first & (0xffu8.checked_shr(extra as u32).unwrap_or(0)));
    for byte in rest {
        value = (value << 8) | u64::from(*byte);
    }
    *at += 1 + extra;
    Some(value)
}

/// A checked cursor over the elements of a collection, tuple or UDT value.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8]) -> Self {
        Reader { b, at: 0 }
    }
    fn at_end(&self) -> bool {
        self.at >= self.b.len()
    }
    fn int(&mut self) -> CqlResult<i32> {
        let bytes =
            self.b.get(self.at..self.at + 4).ok_or_else(|| CqlError::invalid("Not enough bytes to read a length"))?;
        self.at += 4;
        Ok(i32::from_be_bytes(fixed(bytes, "length")?))
    }
    fn count(&mut self) -> CqlResult<usize> {
        let n = self.int()?;
        usize::try_from(n).map_err(|_| CqlError::invalid(format!("Invalid negative collection size {n}")))
    }
    fn bytes(&mut self) -> CqlResult<Option<&'a [u8]>> {
        let len = self.int()?;
        if len < 0 {
            return Ok(None);
        }
        let end = self
            .at
            .checked_add(len as usize)
            .filter(|e| *e <= self.b.len())
            .ok_or_else(|| CqlError::invalid(format!("Not enough bytes to read an element of {len} bytes")))?;
        let slice = self.b.get(self.at..end).unwrap_or(&[]);
        self.at = end;
        Ok(Some(slice))
    }
    fn element(&mut self, ty: &CqlType) -> CqlResult<CqlValue> {
        match self.bytes()? {
            Some(b) => decode(ty, b),
            None => Err(CqlError::invalid("null is not supported inside collections")),
        }
    }
    fn nullable(&mut self, ty: &CqlType) -> CqlResult<Option<CqlValue>> {
        self.bytes()?.map(|b| decode(ty, b)).transpose()
    }
    fn finish(&self, what: &str) -> CqlResult<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(CqlError::invalid(format!("Unexpected extraneous bytes after {what} value")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(ty: &CqlType, v: &CqlValue) -> Vec<u8> {
        let bytes = v.to_native();
        assert_eq!(&CqlValue::decode_native(ty, &bytes).unwrap(), v, "{ty}");
        bytes
    }

    #[test]
    fn fixed_width_types_are_big_endian() {
        assert_eq!(round_trip(&CqlType::Int, &CqlValue::Int(-2)), [0xff, 0xff, 0xff, 0xfe]);
        assert_eq!(round_trip(&CqlType::Smallint, &CqlValue::Smallint(258)), [1, 2]);
        assert_eq!(round_trip(&CqlType::Double, &CqlValue::Double(1.0)), 1.0f64.to_be_bytes());
        assert_eq!(round_trip(&CqlType::Boolean, &CqlValue::Boolean(true)), [1]);
        assert_eq!(round_trip(&CqlType::Date, &CqlValue::Date(1 << 31)), [0x80, 0, 0, 0]);
        assert_eq!(round_trip(&CqlType::Inet, &CqlValue::Inet("127.0.0.1".parse().unwrap())), [127, 0, 0, 1]);
    }

    #[test]
    fn wrong_lengths_answer_cassandras_messages() {
        let e = CqlValue::decode_native(&CqlType::Int, &[1, 2, 3]).unwrap_err();
        assert_eq!(e.message(), "Expected 4 or 0 byte int (3)");
        let e = CqlValue::decode_native(&CqlType::Bigint, &[1]).unwrap_err();
        assert_eq!(e.message(), "Expected 8 or 0 byte long (1)");
        let e = CqlValue::decode_native(&CqlType::Uuid, &[0; 15]).unwrap_err();
        assert_eq!(e.message(), "UUID should be 16 or 0 bytes (15)");
        assert_eq!(CqlValue::decode_native(&CqlType::Int, &[]).unwrap(), CqlValue::Empty);
        let e = CqlValue::decode_native(&CqlType::Ascii, b"caf\xc3\xa9").unwrap_err();
        assert_eq!(e.message(), "Invalid byte for ascii: 195");
        let e = CqlValue::decode_native(&CqlType::Text, &[0xff]).unwrap_err();
        assert_eq!(e.message(), "String didn't validate.");
        assert!(CqlValue::decode_native(&CqlType::Timeuuid, &[0; 16]).is_err());
        assert!(CqlValue::decode_native(&CqlType::Time, &NANOS_PER_DAY.to_be_bytes()).is_err());
    }

    #[test]
    fn varint_is_minimal_twos_complement() {
        // Spec section 6.24: 0 = 0x00, 1 = 0x01, 127 = 0x7F, 128 = 0x0080, 129 = 0x0081,
        // -1 = 0xFF, -128 = 0x80, -129 = 0xFF7F.
        for (n, bytes) in [
            (0i64, vec![0x00]),
            (1, vec![0x01]),
            (127, vec![0x7f]),
            (128, vec![0x00, 0x80]),
            (129, vec![0x00, 0x81]),
            (-1, vec![0xff]),
            (-128, vec![0x80]),
            (-129, vec![0xff, 0x7f]),
        ] {
            assert_eq!(round_trip(&CqlType::Varint, &CqlValue::Varint(BigInt::from(n))), bytes, "{n}");
        }
    }

    #[test]
    fn decimal_is_scale_then_varint() {
        // 12.34 = 1234 × 10^-2.
        let v = CqlValue::Decimal { unscaled: BigInt::from(1234), scale: 2 };
        assert_eq!(round_trip(&CqlType::Decimal, &v), [0, 0, 0, 2, 0x04, 0xd2]);
        assert!(CqlValue::decode_native(&CqlType::Decimal, &[0, 1]).is_err());
    }

    #[test]
    fn duration_vints_are_zigzag_with_length_in_leading_ones() {
        // 1mo -1d would mix signs; 1mo2d3ns: zig-zag 2, 4, 6, one byte each.
        let v = CqlValue::Duration { months: 1, days: 2, nanos: 3 };
        assert_eq!(round_trip(&CqlType::Duration, &v), [2, 4, 6]);
        // -1 → zig-zag 1; 100 → 200 = 0b1100_1000 needs two bytes: 0x80 | 0, 0xc8.
        let v = CqlValue::Duration { months: -1, days: 0, nanos: 0 };
        assert_eq!(round_trip(&CqlType::Duration, &v), [1, 0, 0]);
        let v = CqlValue::Duration { months: 0, days: 100, nanos: i64::MAX };
        let bytes = round_trip(&CqlType::Duration, &v);
        assert_eq!(&bytes[..3], &[0, 0x80, 0xc8]);
        assert_eq!(bytes.len(), 3 + 9);
        let e = CqlValue::decode_native(&CqlType::Duration, &[2, 1, 0]).unwrap_err();
        assert!(e.message().contains("same sign"));
        assert!(CqlValue::decode_native(&CqlType::Duration, &[0xff, 1]).is_err());
    }

    #[test]
    fn collections_have_int_count_and_int_lengths() {
        let ty = CqlType::List(Box::new(CqlType::Int));
        let v = CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)]);
        assert_eq!(round_trip(&ty, &v), [0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2]);
        // Decoded sets come back sorted.
        let set = CqlType::Set(Box::new(CqlType::Int));
        let unsorted = [0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 9, 0, 0, 0, 4, 0, 0, 0, 1];
        assert_eq!(
            CqlValue::decode_native(&set, &unsorted).unwrap(),
            CqlValue::Set(vec![CqlValue::Int(1), CqlValue::Int(9)])
        );
        // Truncated, oversized and negative lengths are errors, not panics.
        assert!(CqlValue::decode_native(&ty, &[0, 0, 0, 1, 0, 0, 0, 4, 0]).is_err());
        assert!(CqlValue::decode_native(&ty, &[0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff]).is_err());
        assert!(CqlValue::decode_native(&ty, &[0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(CqlValue::decode_native(&ty, &[0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(CqlValue::decode_native(&ty, &[0, 0, 0, 0, 1]).is_err());
    }

    #[test]
    fn tuples_and_udts_allow_nulls_and_missing_trailing_fields() {
        let ty = CqlType::Tuple(vec![CqlType::Int, CqlType::Text]);
        let v = CqlValue::Tuple(vec![None, Some(CqlValue::Text("a".into()))]);
        assert_eq!(round_trip(&ty, &v), [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, b'a']);
        let udt = CqlType::Udt {
            keyspace: "ks".into(),
            name: "address".into(),
            fields: vec![("street".into(), CqlType::Text), ("zip".into(), CqlType::Int)],
        };
        let short = CqlValue::decode_native(&udt, &[0, 0, 0, 1, b's']).unwrap();
        assert_eq!(short, CqlValue::Udt(vec![("street".into(), Some(CqlValue::Text("s".into())))]));
        assert!(short.is_of(&udt));
    }
}

#[cfg(test)]
mod robustness {
    use super::*;

    /// Every prefix and byte-flip of valid encodings decodes or errors, never panics.
    #[test]
    fn garbage_never_panics() {
        let types = [
            CqlType::Int,
            CqlType::Text,
            CqlType::Decimal,
            CqlType::Duration,
            CqlType::Inet,
            CqlType::List(Box::new(CqlType::Map(Box::new(CqlType::Text), Box::new(CqlType::Varint)))),
            CqlType::Tuple(vec![CqlType::Int, CqlType::Set(Box::new(CqlType::Timeuuid))]),
        ];
        let seed: Vec<u8> = (0u8..=255).cycle().take(300).collect();
        for ty in &types {
            for cut in 0..64 {
                let _ = CqlValue::decode_native(ty, &seed[..cut]);
                let mut flipped = seed[..cut].to_vec();
                for b in flipped.iter_mut().step_by(3) {
                    *b = !*b;
                }
                let _ = CqlValue::decode_native(ty, &flipped);
            }
        }
    }
}
