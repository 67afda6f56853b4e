//! PackStream, Bolt's binary value format: the [`PackValue`] model, [`encode`] (always
//! the smallest marker for a value) and [`decode`] (any valid marker, bounded).
//!
//! Decoding reads through a checked [`Cursor`], so truncated input, an unknown marker, a
//! dictionary key that is not a string, invalid UTF-8 or values nested deeper than
//! [`MAX_DEPTH`] containers are errors, never panics. A declared size larger than the
//! bytes left is refused before anything is allocated. Structures are decoded with any
//! tag; what a tag means (a request, a Node, a Date ...) is for the layers above.

use bytes::{BufMut, BytesMut};

use crate::error::{BoltError, BoltResult};

/// Most containers (lists, dictionaries, structures) one value may nest.
pub const MAX_DEPTH: usize = 64;
/// Most fields a structure can carry (its size lives in the marker's low nibble).
pub const MAX_STRUCT_FIELDS: usize = 15;

/// An ordered dictionary, as it came off the wire (duplicate keys kept in order).
pub type Dictionary = Vec<(String, PackValue)>;

/// One PackStream value.
#[derive(Debug, Clone, PartialEq)]
pub enum PackValue {
    Null,
    Boolean(bool),
    Integer(i64),
    Float(f64),
    Bytes(Vec<u8>),
    String(String),
    List(Vec<PackValue>),
    Dictionary(Dictionary),
    Structure { tag: u8, fields: Vec<PackValue> },
}

impl PackValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PackValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            PackValue::Integer(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_dict(&self) -> Option<&Dictionary> {
        match self {
            PackValue::Dictionary(d) => Some(d),
            _ => None,
        }
    }
}

impl From<&str> for PackValue {
    fn from(s: &str) -> Self {
        PackValue::String(s.to_owned())
    }
}

impl From<String> for PackValue {
    fn from(s: String) -> Self {
        PackValue::String(s)
    }
}

impl From<i64> for PackValue {
    fn from(i: i64) -> Self {
        PackValue::Integer(i)
    }
}

impl From<bool> for PackValue {
    fn from(b: bool) -> Self {
        PackValue::Boolean(b)
    }
}

/// The value of `key` in a dictionary (the last one when the key is repeated).
pub fn dict_get<'a>(dict: &'a Dictionary, key: &str) -> Option<&'a PackValue> {
    dict.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

// ---------------------------------------------------------------- markers

pub mod marker {
    pub const NULL: u8 = 0xC0;
    pub const FLOAT_64: u8 = 0xC1;
    pub const FALSE: u8 = 0xC2;
    pub const TRUE: u8 = 0xC3;
    pub const INT_8: u8 = 0xC8;
    pub const INT_16: u8 = 0xC9;
    pub const INT_32: u8 = 0xCA;
    pub const INT_64: u8 = 0xCB;
    pub const BYTES_8: u8 = 0xCC;
    pub const BYTES_16: u8 = 0xCD;
    pub const BYTES_32: u8 = 0xCE;
    pub const TINY_STRING: u8 = 0x80;
    pub const STRING_8: u8 = 0xD0;
    pub const STRING_16: u8 = 0xD1;
    pub const STRING_32: u8 = 0xD2;
    pub const TINY_LIST: u8 = 0x90;
    pub const LIST_8: u8 = 0xD4;
    pub const LIST_16: u8 = 0xD5;
    pub const LIST_32: u8 = 0xD6;
    pub const TINY_MAP: u8 = 0xA0;
    pub const MAP_8: u8 = 0xD8;
    pub const MAP_16: u8 = 0xD9;
    pub const MAP_32: u8 = 0xDA;
    pub const TINY_STRUCT: u8 = 0xB0;
}

// ---------------------------------------------------------------- encoding

/// Appends `value` to `dst`. Fails (leaving `dst` with a partial value the caller must
/// discard) only for a structure of more than 15 fields, a size beyond `u32::MAX`, or
/// nesting deeper than [`MAX_DEPTH`].
pub fn encode(value: &PackValue, dst: &mut BytesMut) -> BoltResult<()> {
    encode_at(value, dst, 0)
}

/// `value` encoded into a fresh buffer.
pub fn to_bytes(value: &PackValue) -> BoltResult<BytesMut> {
    let mut dst = BytesMut::new();
    encode(value, &mut dst)?;
    Ok(dst)
}

fn encode_at(value: &PackValue, dst: &mut BytesMut, depth: usize) -> BoltResult<()> {
    match value {
        PackValue::Null => dst.put_u8(marker::NULL),
        PackValue::Boolean(false) => dst.put_u8(marker::FALSE),
        PackValue::Boolean(true) => dst.put_u8(marker::TRUE),
        PackValue::Integer(i) => encode_int(*i, dst),
        PackValue::Float(f) => {
            dst.put_u8(marker::FLOAT_64);
            dst.put_f64(*f);
        }
        PackValue::Bytes(b) => {
            encode_size(b.len(), None, [marker::BYTES_8, marker::BYTES_16, marker::BYTES_32], "byte array", dst)?;
            dst.put_slice(b);
        }
        PackValue::String(s) => {
            let sizes = [marker::STRING_8, marker::STRING_16, marker::STRING_32];
            encode_size(s.len(), Some(marker::TINY_STRING), sizes, "string", dst)?;
            dst.put_slice(s.as_bytes());
        }
        PackValue::List(items) => {
            enter(depth)?;
            let sizes = [marker::LIST_8, marker::LIST_16, marker::LIST_32];
            encode_size(items.len(), Some(marker::TINY_LIST), sizes, "list", dst)?;
            for item in items {
                encode_at(item, dst, depth + 1)?;
            }
        }
        PackValue::Dictionary(entries) => {
            enter(depth)?;
            let sizes = [marker::MAP_8, marker::MAP_16, marker::MAP_32];
            encode_size(entries.len(), Some(marker::TINY_MAP), sizes, "dictionary", dst)?;
            for (key, item) in entries {
                let sizes = [marker::STRING_8, marker::STRING_16, marker::STRING_32];
                encode_size(key.len(), Some(marker::TINY_STRING), sizes, "string", dst)?;
                dst.put_slice(key.as_bytes());
                encode_at(item, dst, depth + 1)?;
            }
        }
        PackValue::Structure { tag, fields } => {
            enter(depth)?;
            if fields.len() > MAX_STRUCT_FIELDS {
                return Err(BoltError::TooLongToEncode { what: "structure", len: fields.len() });
            }
            dst.put_u8(marker::TINY_STRUCT | fields.len() as u8);
            dst.put_u8(*tag);
            for field in fields {
                encode_at(field, dst, depth + 1)?;
            }
        }
    }
    Ok(())
}

fn enter(depth: usize) -> BoltResult<()> {
    if depth >= MAX_DEPTH {
        return Err(BoltError::TooDeep(MAX_DEPTH));
    }
    Ok(())
}

fn encode_int(i: i64, dst: &mut BytesMut) {
    if (-16..=127).contains(&i) {
        dst.put_i8(i as i8);
    } else if let Ok(v) = i8::try_from(i) {
        dst.put_u8(marker::INT_8);
        dst.put_i8(v);
    } else if let Ok(v) = i16::try_from(i) {
        dst.put_u8(marker::INT_16);
        dst.put_i16(v);
    } else if let Ok(v) = i32::try_from(i) {
        dst.put_u8(marker::INT_32);
        dst.put_i32(v);
    } else {
        dst.put_u8(marker::INT_64);
        dst.put_i64(i);
    }
}

/// The marker (and size bytes) of a sized value: the tiny form below 16 when there is
/// one, else 8-, 16- or 32-bit sizes.
fn encode_size(len: usize, tiny: Option<u8>, sized: [u8; 3], what: &'static str, dst: &mut BytesMut) -> BoltResult<()> {
    let [m8, m16, m32] = sized;
    match tiny {
        Some(tiny) if len < 16 => dst.put_u8(tiny | len as u8),
        _ => {
            if let Ok(n) = u8::try_from(len) {
                dst.put_u8(m8);
                dst.put_u8(n);
            } else if let Ok(n) = u16::try_from(len) {
                dst.put_u8(m16);
                dst.put_u16(n);
            } else if let Ok(n) = u32::try_from(len) {
                dst.put_u8(m32);
                dst.put_u32(n);
            } else {
                return Err(BoltError::TooLongToEncode { what, len });
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- decoding

/// Reads one value from the start of `input`: the value and how many bytes it took.
pub fn decode(input: &[u8]) -> BoltResult<(PackValue, usize)> {
    let mut cursor = Cursor::new(input);
    let value = decode_at(&mut cursor, 0)?;
    Ok((value, cursor.position()))
}

/// Reads `input` as exactly one value (a message body): trailing bytes are an error.
pub fn decode_exact(input: &[u8]) -> BoltResult<PackValue> {
    let (value, used) = decode(input)?;
    match input.len().saturating_sub(used) {
        0 => Ok(value),
        left => Err(BoltError::TrailingBytes(left)),
    }
}

/// A bounds-checked reader over network bytes.
pub struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Cursor { input, pos: 0 }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    /// The next `n` bytes, or `Truncated` when fewer are left.
    pub fn take(&mut self, n: usize) -> BoltResult<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(BoltError::Truncated(self.pos))?;
        let bytes = self.input.get(self.pos..end).ok_or(BoltError::Truncated(self.input.len()))?;
        self.pos = end;
        Ok(bytes)
    }

    pub fn array<const N: usize>(&mut self) -> BoltResult<[u8; N]> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub fn u8(&mut self) -> BoltResult<u8> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    pub fn u16(&mut self) -> BoltResult<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub fn u32(&mut self) -> BoltResult<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }
}

fn decode_at(cursor: &mut Cursor<'_>, depth: usize) -> BoltResult<PackValue> {
    let at = cursor.position();
    let m = cursor.u8()?;
    let value = match m {
        0x00..=0x7F => PackValue::Integer(i64::from(m)),
        0xF0..=0xFF => PackValue::Integer(i64::from(m as i8)),
        marker::NULL => PackValue::Null,
        marker::FALSE => PackValue::Boolean(false),
        marker::TRUE => PackValue::Boolean(true),
        marker::FLOAT_64 => PackValue::Float(f64::from_be_bytes(cursor.array()?)),
        marker::INT_8 => PackValue::Integer(i64::from(i8::from_be_bytes(cursor.array()?))),
        marker::INT_16 => PackValue::Integer(i64::from(i16::from_be_bytes(cursor.array()?))),
        marker::INT_32 => PackValue::Integer(i64::from(i32::from_be_bytes(cursor.array()?))),
        marker::INT_64 => PackValue::Integer(i64::from_be_bytes(cursor.array()?)),
        marker::BYTES_8 | marker::BYTES_16 | marker::BYTES_32 => {
            let len = sized_len(cursor, m - marker::BYTES_8)?;
            PackValue::Bytes(cursor.take(len)?.to_vec())
        }
        0x80..=0x8F => PackValue::String(read_str(cursor, usize::from(m & 0x0F))?),
        marker::STRING_8 | marker::STRING_16 | marker::STRING_32 => {
            let len = sized_len(cursor, m - marker::STRING_8)?;
            PackValue::String(read_str(cursor, len)?)
        }
        0x90..=0x9F => read_list(cursor, usize::from(m & 0x0F), depth)?,
        marker::LIST_8 | marker::LIST_16 | marker::LIST_32 => {
            let len = sized_len(cursor, m - marker::LIST_8)?;
            read_list(cursor, len, depth)?
        }
        0xA0..=0xAF => read_dict(cursor, usize::from(m & 0x0F), depth)?,
        marker::MAP_8 | marker::MAP_16 | marker::MAP_32 => {
            let len = sized_len(cursor, m - marker::MAP_8)?;
            read_dict(cursor, len, depth)?
        }
        0xB0..=0xBF => {
            enter(depth)?;
            let tag = cursor.u8()?;
            let len = usize::from(m & 0x0F);
            let mut fields = Vec::with_capacity(len);
            for _ in 0..len {
                fields.push(decode_at(cursor, depth + 1)?);
            }
            PackValue::Structure { tag, fields }
        }
        _ => return Err(BoltError::UnknownMarker { marker: m, at }),
    };
    Ok(value)
}

/// The size after an 8/16/32-bit sized marker (`width` 0, 1, 2 for 8, 16, 32 bits).
fn sized_len(cursor: &mut Cursor<'_>, width: u8) -> BoltResult<usize> {
    let len = match width {
        0 => u32::from(cursor.u8()?),
        1 => u32::from(cursor.u16()?),
        _ => cursor.u32()?,
    };
    usize::try_from(len).map_err(|_| BoltError::Truncated(cursor.position()))
}

fn read_str(cursor: &mut Cursor<'_>, len: usize) -> BoltResult<String> {
    let at = cursor.position();
    let bytes = cursor.take(len)?;
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| BoltError::InvalidUtf8(at))
}

/// Every element takes at least one byte, so a count beyond the bytes left is truncated
/// input; checking first keeps a forged count from allocating.
fn check_count(cursor: &Cursor<'_>, count: usize, bytes_per_element: usize) -> BoltResult<()> {
    if count.saturating_mul(bytes_per_element) > cursor.remaining() {
        return Err(BoltError::Truncated(cursor.input.len()));
    }
    Ok(())
}

fn read_list(cursor: &mut Cursor<'_>, len: usize, depth: usize) -> BoltResult<PackValue> {
    enter(depth)?;
    check_count(cursor, len, 1)?;
    let mut items = Vec::with_capacity(len);
    for _ in 0..len {
        items.push(decode_at(cursor, depth + 1)?);
    }
    Ok(PackValue::List(items))
}

fn read_dict(cursor: &mut Cursor<'_>, len: usize, depth: usize) -> BoltResult<PackValue> {
    enter(depth)?;
    check_count(cursor, len, 2)?;
    let mut entries = Vec::with_capacity(len);
    for _ in 0..len {
        let at = cursor.position();
        let key = match decode_at(cursor, depth + 1)? {
            PackValue::String(key) => key,
            _ => return Err(BoltError::NonStringKey(at)),
        };
        entries.push((key, decode_at(cursor, depth + 1)?));
    }
    Ok(PackValue::Dictionary(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(value: &PackValue) -> Vec<u8> {
        to_bytes(value).expect("encodable").to_vec()
    }

    fn round_trip(value: PackValue) -> Vec<u8> {
        let encoded = bytes(&value);
        let (decoded, used) = decode(&encoded).expect("decodes");
        assert_eq!(used, encoded.len());
        assert_eq!(decoded, value);
        encoded
    }

    fn marker_of(value: PackValue) -> u8 {
        round_trip(value).first().copied().expect("non-empty")
    }

    #[test]
    fn scalars() {
        assert_eq!(round_trip(PackValue::Null), [0xC0]);
        assert_eq!(round_trip(PackValue::Boolean(false)), [0xC2]);
        assert_eq!(round_trip(PackValue::Boolean(true)), [0xC3]);
        assert_eq!(round_trip(PackValue::Float(1.5)), [0xC1, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]);
        round_trip(PackValue::Float(f64::INFINITY));
        round_trip(PackValue::Float(-0.0));
        let (nan, _) = decode(&bytes(&PackValue::Float(f64::NAN))).expect("decodes");
        assert!(matches!(nan, PackValue::Float(f) if f.is_nan()));
    }

    #[test]
    fn integers_use_the_smallest_marker() {
        let cases: &[(i64, &[u8])] = &[
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7F]),
            (-1, &[0xFF]),
            (-16, &[0xF0]),
            (-17, &[0xC8, 0xEF]),
            (-128, &[0xC8, 0x80]),
            (128, &[0xC9, 0x00, 0x80]),
            (-129, &[0xC9, 0xFF, 0x7F]),
            (32767, &[0xC9, 0x7F, 0xFF]),
            (-32768, &[0xC9, 0x80, 0x00]),
            (32768, &[0xCA, 0x00, 0x00, 0x80, 0x00]),
            (-32769, &[0xCA, 0xFF, 0xFF, 0x7F, 0xFF]),
            (i64::from(i32::MAX), &[0xCA, 0x7F, 0xFF, 0xFF, 0xFF]),
            (i64::from(i32::MIN), &[0xCA, 0x80, 0x00, 0x00, 0x00]),
            (i64::from(i32::MAX) + 1, &[0xCB, 0, 0, 0, 0, 0x80, 0, 0, 0]),
            (i64::MAX, &[0xCB, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
            (i64::MIN, &[0xCB, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        ];
        for (i, expected) in cases {
            assert_eq!(round_trip(PackValue::Integer(*i)), *expected, "{i}");
        }
    }

    #[test]
    fn non_minimal_integers_decode() {
        assert_eq!(decode(&[0xC8, 0x01]), Ok((PackValue::Integer(1), 2)));
        assert_eq!(decode(&[0xCB, 0, 0, 0, 0, 0, 0, 0, 5]), Ok((PackValue::Integer(5), 9)));
    }

    #[test]
    fn strings_at_every_size_boundary() {
        assert_eq!(round_trip("".into()), [0x80]);
        assert_eq!(round_trip("A".into()), [0x81, 0x41]);
        assert_eq!(round_trip("é".into()), [0x82, 0xC3, 0xA9]);
        for (len, m) in [(15, 0x8F), (16, 0xD0), (255, 0xD0), (256, 0xD1), (65535, 0xD1), (65536, 0xD2)] {
            assert_eq!(marker_of(PackValue::String("x".repeat(len))), m, "{len}");
        }
    }

    #[test]
    fn bytes_at_every_size_boundary() {
        assert_eq!(round_trip(PackValue::Bytes(vec![])), [0xCC, 0x00]);
        for (len, m) in [(15, 0xCC), (16, 0xCC), (255, 0xCC), (256, 0xCD), (65535, 0xCD), (65536, 0xCE)] {
            assert_eq!(marker_of(PackValue::Bytes(vec![7; len])), m, "{len}");
        }
    }

    #[test]
    fn lists_at_every_size_boundary() {
        assert_eq!(round_trip(PackValue::List(vec![])), [0x90]);
        assert_eq!(round_trip(PackValue::List(vec![1.into(), 2.into()])), [0x92, 0x01, 0x02]);
        for (len, m) in [(15, 0x9F), (16, 0xD4), (255, 0xD4), (256, 0xD5), (65535, 0xD5), (65536, 0xD6)] {
            assert_eq!(marker_of(PackValue::List(vec![PackValue::Null; len])), m, "{len}");
        }
    }

    #[test]
    fn dictionaries_at_every_size_boundary() {
        assert_eq!(round_trip(PackValue::Dictionary(vec![])), [0xA0]);
        assert_eq!(round_trip(PackValue::Dictionary(vec![("a".into(), 1.into())])), [0xA1, 0x81, 0x61, 0x01]);
        for (len, m) in [(15, 0xAF), (16, 0xD8), (255, 0xD8), (256, 0xD9), (65535, 0xD9), (65536, 0xDA)] {
            let dict = (0..len).map(|i| (format!("k{i}"), PackValue::Integer(i as i64))).collect();
            assert_eq!(marker_of(PackValue::Dictionary(dict)), m, "{len}");
        }
    }

    #[test]
    fn dictionaries_keep_order_and_the_last_duplicate_wins_lookup() {
        let dict = vec![("b".into(), 1.into()), ("a".into(), 2.into()), ("b".into(), 3.into())];
        round_trip(PackValue::Dictionary(dict.clone()));
        assert_eq!(dict_get(&dict, "b"), Some(&PackValue::Integer(3)));
        assert_eq!(dict_get(&dict, "c"), None);
    }

    #[test]
    fn structures() {
        let s = PackValue::Structure { tag: 0x4E, fields: vec![1.into(), PackValue::List(vec![]), "x".into()] };
        assert_eq!(round_trip(s), [0xB3, 0x4E, 0x01, 0x90, 0x81, 0x78]);
        assert_eq!(round_trip(PackValue::Structure { tag: 0x0E, fields: vec![] }), [0xB0, 0x0E]);
        let full = PackValue::Structure { tag: 1, fields: vec![PackValue::Null; 15] };
        assert_eq!(marker_of(full), 0xBF);
        let too_many = PackValue::Structure { tag: 1, fields: vec![PackValue::Null; 16] };
        assert_eq!(to_bytes(&too_many), Err(BoltError::TooLongToEncode { what: "structure", len: 16 }));
    }

    #[test]
    fn nested_values() {
        let inner = PackValue::Dictionary(vec![
            ("list".into(), PackValue::List(vec![PackValue::Float(2.5), PackValue::Bytes(vec![1, 2])])),
            ("s".into(), PackValue::Structure { tag: 0x44, fields: vec![19000.into()] }),
        ]);
        round_trip(PackValue::List(vec![inner.clone(), inner, PackValue::Null]));
    }

    fn nested_lists(levels: usize) -> Vec<u8> {
        let mut out = vec![0x91; levels - 1];
        out.push(0x90);
        out
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = nested_lists(MAX_DEPTH);
        assert_eq!(decode(&ok).map(|(_, used)| used), Ok(MAX_DEPTH));
        assert_eq!(decode(&nested_lists(MAX_DEPTH + 1)), Err(BoltError::TooDeep(MAX_DEPTH)));
        // 100,000 levels would blow the stack without the bound.
        assert_eq!(decode(&nested_lists(100_000)), Err(BoltError::TooDeep(MAX_DEPTH)));
        let mut structs = [0xB1, 0x01].repeat(MAX_DEPTH + 1);
        structs.push(0xC0);
        assert_eq!(decode(&structs), Err(BoltError::TooDeep(MAX_DEPTH)));

        let mut deep = PackValue::Null;
        for _ in 0..=MAX_DEPTH {
            deep = PackValue::List(vec![deep]);
        }
        assert_eq!(to_bytes(&deep), Err(BoltError::TooDeep(MAX_DEPTH)));
    }

    #[test]
    fn truncated_input_is_refused_at_every_cut() {
        let value = PackValue::Dictionary(vec![
            ("name".into(), "x".repeat(300).into()),
            ("n".into(), PackValue::Integer(i64::MAX)),
            ("f".into(), PackValue::Float(0.25)),
            ("b".into(), PackValue::Bytes(vec![9; 20])),
            ("l".into(), PackValue::List(vec![1.into(), PackValue::Structure { tag: 0x58, fields: vec![2.into()] }])),
        ]);
        let encoded = bytes(&value);
        for cut in 0..encoded.len() {
            let prefix = encoded.get(..cut).expect("in range");
            assert!(matches!(decode(prefix), Err(BoltError::Truncated(_))), "cut at {cut}");
        }
    }

    #[test]
    fn forged_sizes_do_not_allocate() {
        for input in [
            &[0xD6, 0xFF, 0xFF, 0xFF, 0xFF][..],
            &[0xDA, 0xFF, 0xFF, 0xFF, 0xFF],
            &[0xD2, 0xFF, 0xFF, 0xFF, 0xFF, 0x41],
            &[0xCE, 0xFF, 0xFF, 0xFF, 0xFF],
            &[0xD5, 0xFF, 0xFF, 0x00],
        ] {
            assert!(matches!(decode(input), Err(BoltError::Truncated(_))), "{input:02X?}");
        }
    }

    #[test]
    fn garbage_is_refused() {
        for m in [0xC4, 0xC5, 0xC6, 0xC7, 0xCF, 0xD3, 0xD7, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xE0, 0xEF] {
            assert_eq!(decode(&[m]), Err(BoltError::UnknownMarker { marker: m, at: 0 }));
        }
        assert_eq!(decode(&[0x91, 0xE5]), Err(BoltError::UnknownMarker { marker: 0xE5, at: 1 }));
        assert_eq!(decode(&[0xA1, 0x01, 0x01]), Err(BoltError::NonStringKey(1)));
        assert_eq!(decode(&[0xA1, 0xC0, 0x01]), Err(BoltError::NonStringKey(1)));
        assert_eq!(decode(&[0x82, 0xC3, 0x28]), Err(BoltError::InvalidUtf8(1)));
        assert!(matches!(decode(&[]), Err(BoltError::Truncated(0))));
        assert_eq!(decode_exact(&[0x01, 0x02]), Err(BoltError::TrailingBytes(1)));
        assert_eq!(decode(&[0x01, 0x02]), Ok((PackValue::Integer(1), 1)));
    }

    #[test]
    fn decode_never_panics_on_pseudo_random_input() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let len = (state % 24) as usize;
            let mut input = Vec::with_capacity(len);
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                input.push((state >> 24) as u8);
            }
            if let Ok((value, used)) = decode(&input) {
                assert!(used <= input.len());
                // Whatever decodes encodes again and reads back the same.
                let again = bytes(&value);
                let (back, _) = decode(&again).expect("re-decodes");
                assert_eq!(bytes(&back), again);
            }
        }
    }
}
