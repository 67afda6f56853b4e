//! Cypher's three notions of sameness and order:
//!
//! * [`equals`] is `=`: null if either side is (or, inside lists and maps, if an element
//!   pair is null and no pair is unequal); numbers compare exactly across INTEGER and FLOAT
//!   (`1 = 1.0`); NaN equals nothing; graph elements compare by id; values of different
//!   types are unequal.
//! * [`compare`] and [`lt`]/[`le`]/[`gt`]/[`ge`] are `<`, `<=`, `>`, `>=`: only numbers,
//!   strings, booleans, lists (lexicographically) and temporal values of the same type are
//!   comparable; everything else — and null — gives null; NaN makes every comparison false.
//! * [`order`] is the total order ORDER BY, min/max and sorting use (openCypher's
//!   orderability: MAP < NODE < RELATIONSHIP < LIST < PATH < POINT < DATETIME <
//!   LOCALDATETIME < DATE < TIME < LOCALTIME < DURATION < STRING < BOOLEAN < NUMBER < NULL,
//!   NaN the largest number; byte arrays sit between LIST and PATH), and [`GroupKey`] wraps
//!   a value so that equivalence (null = null, NaN = NaN, 1 = 1.0) gives Eq, Ord and Hash
//!   for DISTINCT and grouping.

use super::temporal::duration::SECONDS_PER_AVG_MONTH;
use super::{DateTime, Duration, Map, PathValue, Time, Value, Zone};
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

const NANOS: i128 = 1_000_000_000;
/// 2^63, the first float above every INTEGER.
const TWO_POW_63: f64 = i64::MAX as f64;

/// Cypher `=`.
pub fn equals(a: &Value, b: &Value) -> Option<bool> {
    use Value::*;
    match (a, b) {
        (Null, _) | (_, Null) => None,
        (Int(x), Int(y)) => Some(x == y),
        (Float(x), Float(y)) => Some(x == y),
        (Int(i), Float(f)) | (Float(f), Int(i)) => Some(int_float_cmp(*i, *f) == Some(Ordering::Equal)),
        (Bool(x), Bool(y)) => Some(x == y),
        (String(x), String(y)) => Some(x == y),
        (Bytes(x), Bytes(y)) => Some(x == y),
        (List(x), List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all_equal(x.iter().zip(y.iter()))
        }
        (Map(x), Map(y)) => {
            if x.len() != y.len() || x.keys().zip(y.keys()).any(|(k1, k2)| k1 != k2) {
                return Some(false);
            }
            all_equal(x.values().zip(y.values()))
        }
        (Node(x), Node(y)) => Some(x.id == y.id),
        (Relationship(x), Relationship(y)) => Some(x.id == y.id),
        (Path(x), Path(y)) => Some(path_ids(x) == path_ids(y)),
        (Date(x), Date(y)) => Some(x == y),
        (LocalTime(x), LocalTime(y)) => Some(x == y),
        (Time(x), Time(y)) => Some(x == y),
        (LocalDateTime(x), LocalDateTime(y)) => Some(x == y),
        (DateTime(x), DateTime(y)) => Some(x.seconds == y.seconds && x.nanos == y.nanos && x.zone == y.zone),
        (Duration(x), Duration(y)) => Some(x == y),
        (Point(x), Point(y)) => Some(x.srid == y.srid && x.x == y.x && x.y == y.y && x.z == y.z),
        _ => Some(false),
    }
}

fn all_equal<'a>(pairs: impl Iterator<Item = (&'a Value, &'a Value)>) -> Option<bool> {
    let mut unknown = false;
    for (x, y) in pairs {
        match equals(x, y) {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

fn path_ids(p: &PathValue) -> (Vec<u64>, Vec<u64>) {
    (p.nodes.iter().map(|n| n.id).collect(), p.relationships.iter().map(|r| r.id).collect())
}

/// Exact comparison of an integer with a float; None when the float is NaN.
fn int_float_cmp(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= TWO_POW_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_POW_63 {
        return Some(Ordering::Greater);
    }
    let whole = f.trunc();
    match i.cmp(&(whole as i64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(f - whole)),
        other => Some(other),
    }
}

/// The outcome of comparing two values with `<` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Ordered(Ordering),
    /// NaN took part: every comparison is false.
    Unordered,
    Null,
}

fn cmp_values(a: &Value, b: &Value) -> Cmp {
    use Value::*;
    let ordered = |o: Option<Ordering>| o.map(Cmp::Ordered).unwrap_or(Cmp::Unordered);
    match (a, b) {
        (Null, _) | (_, Null) => Cmp::Null,
        (Int(x), Int(y)) => Cmp::Ordered(x.cmp(y)),
        (Float(x), Float(y)) => ordered(x.partial_cmp(y)),
        (Int(i), Float(f)) => ordered(int_float_cmp(*i, *f)),
        (Float(f), Int(i)) => ordered(int_float_cmp(*i, *f).map(Ordering::reverse)),
        (Bool(x), Bool(y)) => Cmp::Ordered(x.cmp(y)),
        (String(x), String(y)) => Cmp::Ordered(x.cmp(y)),
        (Bytes(x), Bytes(y)) => Cmp::Ordered(x.cmp(y)),
        (List(x), List(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                match cmp_values(p, q) {
                    Cmp::Ordered(Ordering::Equal) => {}
                    other => return other,
                }
            }
            Cmp::Ordered(x.len().cmp(&y.len()))
        }
        (Date(x), Date(y)) => Cmp::Ordered(x.cmp(y)),
        (LocalTime(x), LocalTime(y)) => Cmp::Ordered(x.cmp(y)),
        (Time(x), Time(y)) => Cmp::Ordered(time_utc(x).cmp(&time_utc(y))),
        (LocalDateTime(x), LocalDateTime(y)) => Cmp::Ordered(x.cmp(y)),
        (DateTime(x), DateTime(y)) => Cmp::Ordered((x.seconds, x.nanos).cmp(&(y.seconds, y.nanos))),
        _ => Cmp::Null,
    }
}

fn time_utc(t: &Time) -> i128 {
    i128::from(t.nanos) - i128::from(t.offset_seconds) * NANOS
}

/// The order of two comparable values; None when null, incomparable or NaN took part.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match cmp_values(a, b) {
        Cmp::Ordered(o) => Some(o),
        _ => None,
    }
}

fn test(a: &Value, b: &Value, accept: fn(Ordering) -> bool) -> Option<bool> {
    match cmp_values(a, b) {
        Cmp::Ordered(o) => Some(accept(o)),
        Cmp::Unordered => Some(false),
        Cmp::Null => None,
    }
}

pub fn lt(a: &Value, b: &Value) -> Option<bool> {
    test(a, b, Ordering::is_lt)
}

pub fn le(a: &Value, b: &Value) -> Option<bool> {
    test(a, b, Ordering::is_le)
}

pub fn gt(a: &Value, b: &Value) -> Option<bool> {
    test(a, b, Ordering::is_gt)
}

pub fn ge(a: &Value, b: &Value) -> Option<bool> {
    test(a, b, Ordering::is_ge)
}

fn rank(v: &Value) -> u8 {
    match v {
        Value::Map(_) => 0,
        Value::Node(_) => 1,
        Value::Relationship(_) => 2,
        Value::List(_) => 3,
        Value::Bytes(_) => 4,
        Value::Path(_) => 5,
        Value::Point(_) => 6,
        Value::DateTime(_) => 7,
        Value::LocalDateTime(_) => 8,
        Value::Date(_) => 9,
        Value::Time(_) => 10,
        Value::LocalTime(_) => 11,
        Value::Duration(_) => 12,
        Value::String(_) => 13,
        Value::Bool(_) => 14,
        Value::Int(_) | Value::Float(_) => 15,
        Value::Null => 16,
    }
}

fn number_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        },
        (Value::Int(i), Value::Float(f)) => int_float_cmp(*i, *f).unwrap_or(Ordering::Less),
        (Value::Float(f), Value::Int(i)) => int_float_cmp(*i, *f).map(Ordering::reverse).unwrap_or(Ordering::Greater),
        _ => Ordering::Equal,
    }
}

fn zone_order(a: &Zone, b: &Zone) -> Ordering {
    match (a, b) {
        (Zone::Offset(x), Zone::Offset(y)) => y.cmp(x),
        (Zone::Offset(_), Zone::Named { .. }) => Ordering::Less,
        (Zone::Named { .. }, Zone::Offset(_)) => Ordering::Greater,
        (Zone::Named { name: n1, offset_seconds: o1 }, Zone::Named { name: n2, offset_seconds: o2 }) => {
            n1.cmp(n2).then(o2.cmp(o1))
        }
    }
}

fn datetime_order(a: &DateTime, b: &DateTime) -> Ordering {
    (a.seconds, a.nanos).cmp(&(b.seconds, b.nanos)).then_with(|| zone_order(&a.zone, &b.zone))
}

fn duration_order(a: &Duration, b: &Duration) -> Ordering {
    let avg = |d: &Duration| {
        (i128::from(d.months) * i128::from(SECONDS_PER_AVG_MONTH) + i128::from(d.days) * 86_400 + i128::from(d.seconds))
            * NANOS
            + i128::from(d.nanos)
    };
    avg(a).cmp(&avg(b)).then((a.months, a.days, a.seconds, a.nanos).cmp(&(b.months, b.days, b.seconds, b.nanos)))
}

fn map_order(a: &Map, b: &Map) -> Ordering {
    for ((k1, v1), (k2, v2)) in a.iter().zip(b.iter()) {
        let o = k1.cmp(k2).then_with(|| order(v1, v2));
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

fn list_order(a: &[Value], b: &[Value]) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        let o = order(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// The total orderability order (ascending; null last).
pub fn order(a: &Value, b: &Value) -> Ordering {
    use Value::*;
    let by_rank = rank(a).cmp(&rank(b));
    if by_rank != Ordering::Equal {
        return by_rank;
    }
    match (a, b) {
        (Int(_) | Float(_), Int(_) | Float(_)) => number_order(a, b),
        (Bool(x), Bool(y)) => x.cmp(y),
        (String(x), String(y)) => x.cmp(y),
        (Bytes(x), Bytes(y)) => x.cmp(y),
        (List(x), List(y)) => list_order(x, y),
        (Map(x), Map(y)) => map_order(x, y),
        (Node(x), Node(y)) => x.id.cmp(&y.id),
        (Relationship(x), Relationship(y)) => x.id.cmp(&y.id),
        (Path(x), Path(y)) => path_ids(x).cmp(&path_ids(y)),
        (Point(x), Point(y)) => x
            .srid
            .cmp(&y.srid)
            .then(x.x.total_cmp(&y.x))
            .then(x.y.total_cmp(&y.y))
            .then(x.z.unwrap_or(0.0).total_cmp(&y.z.unwrap_or(0.0))),
        (DateTime(x), DateTime(y)) => datetime_order(x, y),
        (LocalDateTime(x), LocalDateTime(y)) => x.cmp(y),
        (Date(x), Date(y)) => x.cmp(y),
        (Time(x), Time(y)) => time_utc(x).cmp(&time_utc(y)).then(y.offset_seconds.cmp(&x.offset_seconds)),
        (LocalTime(x), LocalTime(y)) => x.cmp(y),
        (Duration(x), Duration(y)) => duration_order(x, y),
        _ => Ordering::Equal,
    }
}

/// A value as a grouping / DISTINCT key: equal when Cypher deems the values equivalent.
#[derive(Debug, Clone)]
pub struct GroupKey(pub Value);

impl PartialEq for GroupKey {
    fn eq(&self, other: &GroupKey) -> bool {
        order(&self.0, &other.0) == Ordering::Equal
    }
}

impl Eq for GroupKey {}

impl PartialOrd for GroupKey {
    fn partial_cmp(&self, other: &GroupKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for GroupKey {
    fn cmp(&self, other: &GroupKey) -> Ordering {
        order(&self.0, &other.0)
    }
}

impl Hash for GroupKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state);
    }
}

fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    rank(v).hash(state);
    match v {
        Value::Null => {}
        Value::Int(i) => i.hash(state),
        Value::Float(f) => {
            if f.is_nan() {
                u64::MAX.hash(state);
            } else if f.fract() == 0.0 && *f >= -TWO_POW_63 && *f < TWO_POW_63 {
                (*f as i64).hash(state);
            } else {
                f.to_bits().hash(state);
            }
        }
        Value::Bool(b) => b.hash(state),
        Value::String(s) => s.hash(state),
        Value::Bytes(b) => b.hash(state),
        Value::List(items) => {
            items.len().hash(state);
            items.iter().for_each(|x| hash_value(x, state));
        }
        Value::Map(m) => {
            m.len().hash(state);
            for (k, x) in m {
                k.hash(state);
                hash_value(x, state);
            }
        }
        Value::Node(n) => n.id.hash(state),
        Value::Relationship(r) => r.id.hash(state),
        Value::Path(p) => path_ids(p).hash(state),
        Value::Date(d) => d.hash(state),
        Value::LocalTime(t) => t.hash(state),
        Value::Time(t) => t.hash(state),
        Value::LocalDateTime(t) => t.hash(state),
        Value::DateTime(t) => t.hash(state),
        Value::Duration(d) => d.hash(state),
        Value::Point(p) => {
            p.srid.hash(state);
            p.x.to_bits().hash(state);
            p.y.to_bits().hash(state);
            p.z.map(f64::to_bits).hash(state);
        }
    }
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
