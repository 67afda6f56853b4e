//! Where the document model lives in storage. Every key below is in the raw keyspace of
//! a storage table (the lean key-value path) and starts with a space byte; revisions
//! and ids are 8 bytes big-endian, so key order is number order.
//!
//! The catalog table [`CATALOG`]:
//!
//! | space | key after the space byte | value |
//! |---|---|---|
//! | [`DATABASE`] | database id | `{name}` ([`crate::value::binary`]) |
//! | [`COLLECTION`] | database id · collection id | the collection's definition and indexes |
//! | [`TICK`] | — | the highest tick handed out (ids, traditional keys), u64 |
//!
//! One table per collection, `aql_c_<collection id>`:
//!
//! | space | key after the space byte | value |
//! |---|---|---|
//! | [`DOC`] | revision | the document, compact binary form |
//! | [`PRIMARY`] | `_key` bytes | revision |
//! | [`INDEX`] | index number (u32) · values ([`push_value`]) · revision | empty |
//! | [`INDEX`] (unique) | index number (u32) · values | revision |
//! | [`EDGE_REL`] | revision of an edge | the graph relationship id of that edge |
//! | [`STATS`] | a fresh tick per committing transaction | `[count delta, highest revision, key generator value]` |
//!
//! A document's revision is its place: scans in [`DOC`] order are ArangoDB's order (each
//! write gives a document a new revision and moves it to the end). [`STATS`] entries
//! never conflict between writers (each writes its own key); opening the store folds
//! them into one. One graph per database, in table `aql_g_<database id>` (orbit-graph).

use crate::value::Value;
use orbit_storage::engine::KeyRange;

pub const CATALOG: &str = "aql_catalog";
pub const DATABASE: u8 = 0x01;
pub const COLLECTION: u8 = 0x02;
pub const TICK: u8 = 0x03;

pub const DOC: u8 = 0x01;
pub const PRIMARY: u8 = 0x02;
pub const INDEX: u8 = 0x03;
pub const EDGE_REL: u8 = 0x04;
pub const STATS: u8 = 0x05;

pub fn collection_table(id: u64) -> String {
    format!("aql_c_{id}")
}

pub fn graph_table(db_id: u64) -> String {
    format!("aql_g_{db_id}")
}

fn with_u64(space: u8, n: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(space);
    k.extend_from_slice(&n.to_be_bytes());
    k
}

pub fn database(id: u64) -> Vec<u8> {
    with_u64(DATABASE, id)
}

pub fn collection(db: u64, id: u64) -> Vec<u8> {
    let mut k = with_u64(COLLECTION, db);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

pub fn doc(rev: u64) -> Vec<u8> {
    with_u64(DOC, rev)
}

pub fn primary(key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 1);
    k.push(PRIMARY);
    k.extend_from_slice(key.as_bytes());
    k
}

pub fn edge_rel(rev: u64) -> Vec<u8> {
    with_u64(EDGE_REL, rev)
}

pub fn stats(tick: u64) -> Vec<u8> {
    with_u64(STATS, tick)
}

pub fn space(space: u8) -> KeyRange {
    KeyRange::prefix(&[space])
}

/// The entries of index `n`, with the values of its first fields when given.
pub fn index_prefix(n: u32, values: &[Value]) -> Vec<u8> {
    let mut k = vec![INDEX];
    k.extend_from_slice(&n.to_be_bytes());
    for v in values {
        push_value(&mut k, v);
    }
    k
}

pub fn index_entry(n: u32, values: &[Value], unique: bool, rev: u64) -> Vec<u8> {
    let mut k = index_prefix(n, values);
    if !unique {
        k.extend_from_slice(&rev.to_be_bytes());
    }
    k
}

/// The number in the last 8 bytes of a key, or of a value.
pub fn trailing_u64(bytes: &[u8]) -> Option<u64> {
    bytes.last_chunk::<8>().map(|b| u64::from_be_bytes(*b))
}

/// The revision an index entry points at: its value (unique) or its key's end.
pub fn entry_rev(key: &[u8], value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        trailing_u64(key)
    } else {
        trailing_u64(value)
    }
}

const T_NULL: u8 = 0x01;
const T_FALSE: u8 = 0x02;
const T_TRUE: u8 = 0x03;
const T_NUMBER: u8 = 0x04;
const T_STRING: u8 = 0x05;
const T_ARRAY: u8 = 0x06;
const T_OBJECT: u8 = 0x07;
const END: u8 = 0x00;

fn push_text(out: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        out.push(b);
        if b == 0 {
            out.push(0xff);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// Appends `v` so that byte order is AQL's order of values (null < bool < number <
/// string < array < object; numbers by value, 1 and 1.0 alike; strings by ArangoDB's
/// collation: its sort key, then the string itself). Integers beyond 2^53 order by
/// their nearest double.
pub fn push_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(T_NULL),
        Value::Bool(false) => out.push(T_FALSE),
        Value::Bool(true) => out.push(T_TRUE),
        Value::Int(_) | Value::Double(_) => {
            out.push(T_NUMBER);
            let f = v.as_f64().unwrap_or(0.0);
            let f = if f == 0.0 { 0.0 } else { f };
            let bits = f.to_bits();
            let ordered = if bits >> 63 == 1 { !bits } else { bits | (1 << 63) };
            out.extend_from_slice(&ordered.to_be_bytes());
        }
        Value::String(s) => {
            out.push(T_STRING);
            crate::value::compare::collation::sort_key(s, out);
            push_text(out, s);
        }
        Value::Array(items) => {
            out.push(T_ARRAY);
            for item in items {
                push_value(out, item);
            }
            out.push(END);
        }
        Value::Object(o) => {
            out.push(T_OBJECT);
            let mut names: Vec<&String> = o.keys().collect();
            names.sort();
            for name in names {
                out.push(T_STRING);
                push_text(out, name);
                push_value(out, o.get(name.as_str()).unwrap_or(&Value::Null));
            }
            out.push(END);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::compare::compare;
    use std::cmp::Ordering;

    #[test]
    fn value_bytes_follow_aql_order() {
        let values = [
            Value::Null,
            Value::Bool(false),
            Value::Bool(true),
            Value::Double(-1.5),
            Value::Int(-1),
            Value::Int(0),
            Value::Double(0.25),
            Value::Int(2),
            Value::Int(10),
            Value::str(""),
            Value::str("~"),
            Value::str("A"),
            Value::str("a"),
            Value::str("á"),
            Value::str("aB"),
            Value::str("a\u{0}b"),
            Value::str("ab"),
            Value::str("B"),
            Value::str("b"),
            Value::Array(vec![]),
            Value::Array(vec![Value::Int(1)]),
            Value::Array(vec![Value::Int(1), Value::Int(2)]),
            Value::Array(vec![Value::Int(2)]),
            Value::object([("a", Value::Int(1))]),
        ];
        for w in values.windows(2) {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            push_value(&mut a, &w[0]);
            push_value(&mut b, &w[1]);
            assert_eq!(compare(&w[0], &w[1]), Ordering::Less);
            assert!(a < b, "{:?} < {:?}", w[0], w[1]);
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        push_value(&mut a, &Value::Int(1));
        push_value(&mut b, &Value::Double(1.0));
        assert_eq!(a, b, "1 and 1.0 are one index value");
    }
}
