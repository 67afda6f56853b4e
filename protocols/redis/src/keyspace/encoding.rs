//! The byte encoding of the Redis keyspace in its table's raw keyspace (the storage
//! layer's lean key-value path: no rows, no schema checks, no index maintenance).
//!
//! Every entry key starts with a one-byte tag naming its kind, then fixed-width,
//! order-preserving components, then (last, so it needs no terminator) the variable
//! bytes of a Redis key or member:
//!
//! | tag | key                                   | value                         |
//! |-----|---------------------------------------|-------------------------------|
//! | `m` | physical db · key                     | [`Meta`] (see `encode_meta`)  |
//! | `s` | version · member                      | the member's value            |
//! | `z` | version · score · member              | empty                         |
//! | `e` | expire-at ms · physical db · key      | empty                         |
//! | `g` | version                               | empty                         |
//!
//! Integers are big-endian with the sign bit flipped, scores are IEEE bits flipped so
//! that byte order is numeric order (-0.0 stored as 0.0), so a range of keys, members,
//! scores or expiry times is one contiguous range of entry keys.

use super::{corrupt, Meta, RedisType};
use crate::error::RedisResult;
use orbit_storage::engine::{prefix_end, KeyRange};
use std::ops::Bound;

pub const META: u8 = b'm';
pub const SUB: u8 = b's';
pub const ZSCORE: u8 = b'z';
pub const EXPIRY: u8 = b'e';
pub const GARBAGE: u8 = b'g';

/// Width of an encoded integer or score.
const WORD: usize = 8;

fn push_int(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&((v as u64) ^ (1 << 63)).to_be_bytes());
}

fn read_int(bytes: &[u8]) -> Option<i64> {
    let word: [u8; WORD] = bytes.get(..WORD)?.try_into().ok()?;
    Some((u64::from_be_bytes(word) ^ (1 << 63)) as i64)
}

fn push_score(out: &mut Vec<u8>, score: f64) {
    // One zero, so (score, member) is one entry.
    let score = if score == 0.0 { 0.0 } else { score };
    let bits = score.to_bits();
    let ordered = if bits >> 63 == 1 { !bits } else { bits | (1 << 63) };
    out.extend_from_slice(&ordered.to_be_bytes());
}

fn read_score(bytes: &[u8]) -> Option<f64> {
    let word: [u8; WORD] = bytes.get(..WORD)?.try_into().ok()?;
    let ordered = u64::from_be_bytes(word);
    let bits = if ordered >> 63 == 1 { ordered & !(1 << 63) } else { !ordered };
    Some(f64::from_bits(bits))
}

fn tagged(tag: u8, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + capacity);
    out.push(tag);
    out
}

/// `m` · db: every key of one physical database.
pub fn meta_prefix(physical: i64) -> Vec<u8> {
    meta_key(physical, b"")
}

pub fn meta_key(physical: i64, key: &[u8]) -> Vec<u8> {
    word_then(META, physical, key)
}

/// `tag` · `word` · `rest`.
fn word_then(tag: u8, word: i64, rest: &[u8]) -> Vec<u8> {
    let mut out = tagged(tag, WORD + rest.len());
    push_int(&mut out, word);
    out.extend_from_slice(rest);
    out
}

/// The Redis key of a metadata entry key under `meta_prefix`.
pub fn key_of_meta_entry(entry: &[u8]) -> RedisResult<&[u8]> {
    entry.get(1 + WORD..).ok_or_else(|| corrupt("short metadata key"))
}

/// `s` · version: every member of one collection incarnation.
pub fn sub_prefix(version: i64) -> Vec<u8> {
    sub_key(version, b"")
}

pub fn sub_key(version: i64, member: &[u8]) -> Vec<u8> {
    word_then(SUB, version, member)
}

/// The member of a sub-entry key.
pub fn member_of_sub_entry(entry: &[u8]) -> RedisResult<&[u8]> {
    entry.get(1 + WORD..).ok_or_else(|| corrupt("short member key"))
}

/// `z` · version: the score order of one sorted set incarnation.
pub fn zscore_prefix(version: i64) -> Vec<u8> {
    word_then(ZSCORE, version, b"")
}

/// `z` · version · score, then the member when given.
pub fn zscore_key(version: i64, score: f64, member: Option<&[u8]>) -> Vec<u8> {
    let member = member.unwrap_or_default();
    let mut out = tagged(ZSCORE, 2 * WORD + member.len());
    push_int(&mut out, version);
    push_score(&mut out, score);
    out.extend_from_slice(member);
    out
}

/// (score, member) of a score-order entry key.
pub fn parse_zscore_entry(entry: &[u8]) -> RedisResult<(f64, Vec<u8>)> {
    let score = entry.get(1 + WORD..).and_then(read_score).ok_or_else(|| corrupt("short score key"))?;
    Ok((score, entry[1 + 2 * WORD..].to_vec()))
}

pub fn expiry_key(at_ms: i64, physical: i64, key: &[u8]) -> Vec<u8> {
    let mut out = tagged(EXPIRY, 2 * WORD + key.len());
    push_int(&mut out, at_ms);
    push_int(&mut out, physical);
    out.extend_from_slice(key);
    out
}

/// Every expiry entry due at or before `now_ms`.
pub fn expiry_due(now_ms: i64) -> RedisResult<KeyRange> {
    let mut upto = tagged(EXPIRY, WORD);
    push_int(&mut upto, now_ms);
    Ok(KeyRange { start: Bound::Included(vec![EXPIRY]), end: Bound::Excluded(end_of(&upto)?) })
}

/// (expire-at, physical db, key) of an expiry entry key.
pub fn parse_expiry_entry(entry: &[u8]) -> RedisResult<(i64, i64, Vec<u8>)> {
    let bad = || corrupt("short expiry key");
    let at = entry.get(1..).and_then(read_int).ok_or_else(bad)?;
    let physical = entry.get(1 + WORD..).and_then(read_int).ok_or_else(bad)?;
    Ok((at, physical, entry[1 + 2 * WORD..].to_vec()))
}

pub fn garbage_key(version: i64) -> Vec<u8> {
    word_then(GARBAGE, version, b"")
}

/// The version in a `s`, `z` or `g` entry key (they all start with it).
pub fn version_of_entry(entry: &[u8]) -> RedisResult<i64> {
    entry.get(1..).and_then(read_int).ok_or_else(|| corrupt("short versioned key"))
}

/// The first key after every key that starts with `prefix`.
pub fn end_of(prefix: &[u8]) -> RedisResult<Vec<u8>> {
    prefix_end(prefix).ok_or_else(|| corrupt("unbounded prefix"))
}

/// Every entry key that starts with `prefix`.
pub fn prefix_range(prefix: &[u8]) -> RedisResult<KeyRange> {
    Ok(KeyRange { start: Bound::Included(prefix.to_vec()), end: Bound::Excluded(end_of(prefix)?) })
}

const HAS_EXPIRY: u8 = 1;

/// [`Meta`] as bytes: type code, flags, version, then the expiry when there is one,
/// then for strings the value, for collections size, head and tail.
pub fn encode_meta(meta: &Meta) -> Vec<u8> {
    let strings = meta.kind == RedisType::String;
    let mut out = Vec::with_capacity(2 + 2 * WORD + if strings { meta.value.len() } else { 3 * WORD });
    out.push(meta.kind.code() as u8);
    out.push(if meta.expire_at_ms.is_some() { HAS_EXPIRY } else { 0 });
    out.extend_from_slice(&meta.version.to_le_bytes());
    if let Some(at) = meta.expire_at_ms {
        out.extend_from_slice(&at.to_le_bytes());
    }
    if strings {
        out.extend_from_slice(&meta.value);
    } else {
        for n in [meta.size, meta.head, meta.tail] {
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
    out
}

/// The inverse of [`encode_meta`].
pub fn decode_meta(bytes: &[u8]) -> RedisResult<Meta> {
    let mut reader = Reader(bytes);
    let kind = RedisType::from_code(i64::from(reader.byte()?))?;
    let flags = reader.byte()?;
    let version = reader.le()?;
    let expire_at_ms = if flags & HAS_EXPIRY != 0 { Some(reader.le()?) } else { None };
    let mut meta = Meta { kind, version, expire_at_ms, size: 0, head: 0, tail: 0, value: Vec::new() };
    if kind == RedisType::String {
        meta.value = reader.0.to_vec();
    } else {
        meta.size = reader.le()?;
        meta.head = reader.le()?;
        meta.tail = reader.le()?;
    }
    Ok(meta)
}

/// Only the expiry of an encoded [`Meta`] (DBSIZE counts without decoding values).
pub fn expiry_of_meta(bytes: &[u8]) -> RedisResult<Option<i64>> {
    let mut reader = Reader(bytes);
    reader.byte()?;
    let flags = reader.byte()?;
    reader.le()?;
    Ok(if flags & HAS_EXPIRY != 0 { Some(reader.le()?) } else { None })
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> RedisResult<u8> {
        let (&b, rest) = self.0.split_first().ok_or_else(|| corrupt("short metadata"))?;
        self.0 = rest;
        Ok(b)
    }

    fn le(&mut self) -> RedisResult<i64> {
        let word: [u8; WORD] =
            self.0.get(..WORD).and_then(|w| w.try_into().ok()).ok_or_else(|| corrupt("short metadata"))?;
        self.0 = &self.0[WORD..];
        Ok(i64::from_le_bytes(word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_scores_sort_as_numbers() {
        let ints = [i64::MIN, -5, -1, 0, 1, 7, i64::MAX];
        let encoded: Vec<Vec<u8>> = ints.iter().map(|&v| sub_prefix(v)).collect();
        assert!(encoded.windows(2).all(|w| w[0] < w[1]));
        for (v, e) in ints.iter().zip(&encoded) {
            assert_eq!(version_of_entry(e).unwrap(), *v);
        }
        let scores =
            [f64::NEG_INFINITY, -1e300, -2.5, -f64::MIN_POSITIVE, 0.0, f64::MIN_POSITIVE, 1.0, 3e10, f64::INFINITY];
        let encoded: Vec<Vec<u8>> = scores.iter().map(|&s| zscore_key(1, s, Some(b"m"))).collect();
        assert!(encoded.windows(2).all(|w| w[0] < w[1]));
        for (s, e) in scores.iter().zip(&encoded) {
            assert_eq!(parse_zscore_entry(e).unwrap(), (*s, b"m".to_vec()));
        }
        assert_eq!(zscore_key(1, -0.0, None), zscore_key(1, 0.0, None));
    }

    #[test]
    fn meta_round_trips_and_rejects_truncation() {
        let string = Meta {
            kind: RedisType::String,
            version: 42,
            expire_at_ms: Some(1_700_000_000_000),
            size: 0,
            head: 0,
            tail: 0,
            value: b"hello".to_vec(),
        };
        let list =
            Meta { kind: RedisType::List, version: -3, expire_at_ms: None, size: 2, head: -1, tail: 1, value: vec![] };
        for meta in [string, list] {
            let bytes = encode_meta(&meta);
            assert_eq!(decode_meta(&bytes).unwrap(), meta);
            assert_eq!(expiry_of_meta(&bytes).unwrap(), meta.expire_at_ms);
            if meta.kind != RedisType::String {
                assert!(decode_meta(&bytes[..bytes.len() - 1]).is_err());
            }
        }
        assert!(decode_meta(&[]).is_err());
        assert!(decode_meta(&[9, 0]).is_err());
    }

    #[test]
    fn expiry_entries_parse_and_due_range_is_inclusive() {
        let entry = expiry_key(100, 3, b"key");
        assert_eq!(parse_expiry_entry(&entry).unwrap(), (100, 3, b"key".to_vec()));
        let due = expiry_due(100).unwrap();
        assert!(due.contains(&entry));
        assert!(!due.contains(&expiry_key(101, 0, b"")));
        assert!(due.contains(&expiry_key(-5, 0, b"")));
    }
}
