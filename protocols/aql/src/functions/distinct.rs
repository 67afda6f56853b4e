//! Hashing values the way AQL's equality sees them (1 and 1.0 alike, objects whatever
//! their attribute order) and the set of distinct values UNIQUE, UNION_DISTINCT,
//! COUNT_DISTINCT and their aggregates keep; also the number HASH() answers.

use super::text::fnv64;
use crate::value::{compare::compare, Value};
use std::collections::HashMap;

fn feed(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(0),
        Value::Bool(b) => out.extend_from_slice(&[1, u8::from(*b)]),
        Value::Int(i) => {
            out.push(2);
            out.extend_from_slice(&(*i as f64).to_bits().to_le_bytes());
        }
        Value::Double(d) => {
            out.push(2);
            let d = if *d == 0.0 { 0.0 } else { *d };
            out.extend_from_slice(&d.to_bits().to_le_bytes());
        }
        Value::String(s) => {
            out.push(3);
            out.extend_from_slice(&(s.len() as u64).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(items) => {
            out.push(4);
            out.extend_from_slice(&(items.len() as u64).to_le_bytes());
            items.iter().for_each(|item| feed(out, item));
        }
        Value::Object(o) => {
            out.push(5);
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.extend_from_slice(&(keys.len() as u64).to_le_bytes());
            for k in keys {
                out.extend_from_slice(&(k.len() as u64).to_le_bytes());
                out.extend_from_slice(k.as_bytes());
                if let Some(item) = o.get(k) {
                    feed(out, item);
                }
            }
        }
    }
}

/// A 64-bit hash equal for values AQL's `==` finds equal.
pub(super) fn value_hash(v: &Value) -> u64 {
    let mut bytes = Vec::new();
    feed(&mut bytes, v);
    fnv64(&bytes)
}

/// Distinct values in the order they were first seen.
#[derive(Debug, Default, Clone)]
pub(super) struct DistinctSet {
    buckets: HashMap<u64, Vec<usize>>,
    values: Vec<Value>,
}

impl DistinctSet {
    pub fn position(&self, v: &Value) -> Option<usize> {
        let bucket = self.buckets.get(&value_hash(v))?;
        bucket.iter().copied().find(|&i| self.values.get(i).is_some_and(|seen| compare(seen, v).is_eq()))
    }

    pub fn contains(&self, v: &Value) -> bool {
        self.position(v).is_some()
    }

    /// Adds `v`; false when an equal value was there already.
    pub fn insert(&mut self, v: Value) -> bool {
        if self.contains(&v) {
            return false;
        }
        let h = value_hash(&v);
        self.buckets.entry(h).or_default().push(self.values.len());
        self.values.push(v);
        true
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    pub fn into_values(self) -> Vec<Value> {
        self.values
    }
}

impl FromIterator<Value> for DistinctSet {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> DistinctSet {
        let mut set = DistinctSet::default();
        for v in iter {
            set.insert(v);
        }
        set
    }
}
