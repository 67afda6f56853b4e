//! AQL's array functions: adding and removing elements, positions and slices,
//! flattening, the set operations (UNIQUE, UNION_DISTINCT, INTERSECTION, OUTERSECTION,
//! MINUS, JACCARD), sorting, INTERLEAVE, REVERSE and LENGTH/COUNT.
//! Where ArangoDB leaves the order of a set operation's result undefined, the
//! intersection family answers newest-first (as ArangoDB's hash table iterates).

use super::distinct::DistinctSet;
use super::{def, Args, Def, VARIADIC};
use crate::error::{num, AqlError, AqlResult};
use crate::value::{cast, compare::compare, Value};

pub(super) const DEFS: &[Def] = &[
    def("LENGTH", 1, 1, length),
    def("COUNT", 1, 1, length),
    def("APPEND", 2, 3, append),
    def("PUSH", 2, 3, push),
    def("UNSHIFT", 2, 3, unshift),
    def("POP", 1, 1, pop),
    def("SHIFT", 1, 1, shift),
    def("FIRST", 1, 1, |a| pick(a, |items| items.first())),
    def("LAST", 1, 1, |a| pick(a, |items| items.last())),
    def("NTH", 2, 2, nth),
    def("POSITION", 2, 3, position),
    def("CONTAINS_ARRAY", 2, 3, position),
    def("SLICE", 2, 3, slice),
    def("FLATTEN", 1, 2, flatten_fn),
    def("UNIQUE", 1, 1, unique),
    def("SORTED", 1, 1, sorted),
    def("SORTED_UNIQUE", 1, 1, sorted_unique),
    def("COUNT_DISTINCT", 1, 1, count_distinct),
    def("COUNT_UNIQUE", 1, 1, count_distinct),
    def("UNION", 2, VARIADIC, union),
    def("UNION_DISTINCT", 2, VARIADIC, union_distinct),
    def("INTERSECTION", 2, VARIADIC, intersection),
    def("OUTERSECTION", 2, VARIADIC, outersection),
    def("MINUS", 2, VARIADIC, minus),
    def("INTERLEAVE", 2, VARIADIC, interleave),
    def("JACCARD", 2, 2, jaccard),
    def("REMOVE_VALUE", 2, 3, remove_value),
    def("REMOVE_VALUES", 2, 2, remove_values),
    def("REMOVE_NTH", 2, 2, remove_nth),
    def("REPLACE_NTH", 3, 4, replace_nth),
    def("REVERSE", 1, 1, reverse),
];

fn length(args: &mut Args) -> AqlResult<Value> {
    let n = match args.get(0) {
        Value::Null => 0,
        Value::Bool(b) => usize::from(*b),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        Value::String(s) => s.chars().count(),
        number => cast::to_string(number).chars().count(),
    };
    Ok(Value::Int(n as i64))
}

/// The array argument `i`; None (after warning 1542) for anything else. A null reads
/// as an empty array when `null_ok`.
fn array_arg(args: &mut Args, i: usize, null_ok: bool) -> Option<Vec<Value>> {
    match args.take(i) {
        Value::Array(items) => Some(items),
        Value::Null if null_ok => Some(Vec::new()),
        _ => {
            args.type_error();
            None
        }
    }
}

/// The array argument `i`; None (after warning 1563 "array expected") otherwise.
fn expect_array(args: &mut Args, i: usize) -> Option<Vec<Value>> {
    match args.take(i) {
        Value::Array(items) => Some(items),
        _ => {
            args.array_expected();
            None
        }
    }
}

/// Every argument as an array; `strict` warns 1563 for a non-array, otherwise 1542.
fn all_arrays(args: &mut Args, strict: bool) -> Option<Vec<Vec<Value>>> {
    (0..args.len()).map(|i| if strict { expect_array(args, i) } else { array_arg(args, i, false) }).collect()
}

fn contains(items: &[Value], v: &Value) -> bool {
    items.iter().any(|item| compare(item, v).is_eq())
}

fn append(args: &mut Args) -> AqlResult<Value> {
    let unique = args.flag(2, false);
    let more = args.take(1);
    if more.is_null() || matches!(&more, Value::Array(a) if a.is_empty()) {
        return Ok(args.take(0));
    }
    let list = match args.take(0) {
        Value::Null => return Ok(more),
        Value::Array(items) => items,
        _ => return Ok(args.type_error()),
    };
    let mut seen = DistinctSet::default();
    let mut out: Vec<Value> = list.into_iter().filter(|v| !unique || seen.insert(v.clone())).collect();
    match more {
        Value::Array(items) => out.extend(items.into_iter().filter(|v| !unique || seen.insert(v.clone()))),
        one => {
            if !(unique && seen.contains(&one)) {
                out.push(one);
            }
        }
    }
    Ok(Value::Array(out))
}

fn push(args: &mut Args) -> AqlResult<Value> {
    let (value, unique) = (args.take(1), args.flag(2, false));
    let Some(mut items) = array_arg(args, 0, true) else { return Ok(Value::Null) };
    if !(unique && contains(&items, &value)) {
        items.push(value);
    }
    Ok(Value::Array(items))
}

fn unshift(args: &mut Args) -> AqlResult<Value> {
    let (value, unique) = (args.take(1), args.flag(2, false));
    let Some(mut items) = array_arg(args, 0, true) else { return Ok(Value::Null) };
    if !(unique && contains(&items, &value)) {
        items.insert(0, value);
    }
    Ok(Value::Array(items))
}

fn pop(args: &mut Args) -> AqlResult<Value> {
    if args.get(0).is_null() {
        return Ok(Value::Null);
    }
    let Some(mut items) = array_arg(args, 0, false) else { return Ok(Value::Null) };
    items.pop();
    Ok(Value::Array(items))
}

fn shift(args: &mut Args) -> AqlResult<Value> {
    if args.get(0).is_null() {
        return Ok(Value::Null);
    }
    let Some(items) = array_arg(args, 0, false) else { return Ok(Value::Null) };
    Ok(Value::Array(items.into_iter().skip(1).collect()))
}

fn pick(args: &mut Args, f: fn(&[Value]) -> Option<&Value>) -> AqlResult<Value> {
    match args.get(0) {
        Value::Array(items) => Ok(f(items).cloned().unwrap_or(Value::Null)),
        _ => Ok(args.array_expected()),
    }
}

fn nth(args: &mut Args) -> AqlResult<Value> {
    let pos = args.int(1);
    match args.get(0) {
        Value::Array(items) => Ok(usize::try_from(pos).ok().and_then(|p| items.get(p)).cloned().unwrap_or(Value::Null)),
        _ => Ok(args.array_expected()),
    }
}

fn position(args: &mut Args) -> AqlResult<Value> {
    let return_index = args.flag(2, false);
    let Value::Array(items) = args.get(0) else { return Ok(args.array_expected()) };
    let found = items.iter().position(|item| compare(item, args.get(1)).is_eq());
    if return_index {
        return Ok(Value::Int(found.map(|p| p as i64).unwrap_or(-1)));
    }
    Ok(Value::Bool(found.is_some()))
}

/// `[from, to)` of a `len`-element array for SLICE's start and length (negative start
/// from the end, negative length an end counted from the end).
fn slice_window(len: usize, start: i64, length: Option<i64>) -> (usize, usize) {
    let n = len as i64;
    let from = if start < 0 { (n + start).max(0) } else { start.min(n) };
    let to = match length {
        None => n,
        Some(l) if l < 0 => (n + l).max(0),
        Some(l) => from.saturating_add(l).min(n),
    };
    (from as usize, to.max(from) as usize)
}

fn slice(args: &mut Args) -> AqlResult<Value> {
    let start = args.int(1);
    let length = if args.get(2).is_null() { None } else { Some(args.int(2)) };
    let Some(items) = array_arg(args, 0, false) else { return Ok(Value::Null) };
    let (from, to) = slice_window(items.len(), start, length);
    Ok(Value::Array(items.into_iter().skip(from).take(to - from).collect()))
}

pub(super) fn flatten(items: Vec<Value>, depth: i64, out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::Array(inner) if depth > 0 => flatten(inner, depth - 1, out),
            other => out.push(other),
        }
    }
}

fn flatten_fn(args: &mut Args) -> AqlResult<Value> {
    let depth = if args.get(1).is_null() { 1 } else { args.int(1).max(1) };
    let Some(items) = expect_array(args, 0) else { return Ok(Value::Null) };
    let mut out = Vec::with_capacity(items.len());
    flatten(items, depth, &mut out);
    Ok(Value::Array(out))
}

fn unique(args: &mut Args) -> AqlResult<Value> {
    let Some(items) = expect_array(args, 0) else { return Ok(Value::Null) };
    Ok(Value::Array(items.into_iter().collect::<DistinctSet>().into_values()))
}

pub(super) fn sort_values(items: &mut [Value]) {
    items.sort_by(compare);
}

fn sorted(args: &mut Args) -> AqlResult<Value> {
    let Some(mut items) = expect_array(args, 0) else { return Ok(Value::Null) };
    sort_values(&mut items);
    Ok(Value::Array(items))
}

fn sorted_unique(args: &mut Args) -> AqlResult<Value> {
    let Some(mut items) = expect_array(args, 0) else { return Ok(Value::Null) };
    sort_values(&mut items);
    items.dedup_by(|a, b| compare(a, b).is_eq());
    Ok(Value::Array(items))
}

fn count_distinct(args: &mut Args) -> AqlResult<Value> {
    let Some(items) = expect_array(args, 0) else { return Ok(Value::Null) };
    Ok(Value::Int(items.into_iter().collect::<DistinctSet>().len() as i64))
}

fn union(args: &mut Args) -> AqlResult<Value> {
    let Some(arrays) = all_arrays(args, false) else { return Ok(Value::Null) };
    Ok(Value::Array(arrays.into_iter().flatten().collect()))
}

fn union_distinct(args: &mut Args) -> AqlResult<Value> {
    let Some(arrays) = all_arrays(args, false) else { return Ok(Value::Null) };
    Ok(Value::Array(arrays.into_iter().flatten().collect::<DistinctSet>().into_values()))
}

/// For every distinct value: the value and in how many of the arrays it occurs.
fn occurrences(arrays: Vec<Vec<Value>>) -> Vec<(Value, usize)> {
    let mut seen = DistinctSet::default();
    let mut counts: Vec<usize> = Vec::new();
    for array in arrays {
        let mut this = DistinctSet::default();
        for v in array {
            if !this.insert(v.clone()) {
                continue;
            }
            match seen.position(&v) {
                Some(i) => {
                    if let Some(c) = counts.get_mut(i) {
                        *c += 1;
                    }
                }
                None => {
                    seen.insert(v);
                    counts.push(1);
                }
            }
        }
    }
    seen.into_values().into_iter().zip(counts).rev().collect()
}

fn intersection(args: &mut Args) -> AqlResult<Value> {
    let Some(arrays) = all_arrays(args, true) else { return Ok(Value::Null) };
    let n = arrays.len();
    let first: DistinctSet = arrays.first().cloned().unwrap_or_default().into_iter().collect();
    let hits = occurrences(arrays);
    Ok(Value::Array(hits.into_iter().filter(|(v, c)| *c == n && first.contains(v)).map(|(v, _)| v).collect()))
}

fn outersection(args: &mut Args) -> AqlResult<Value> {
    let Some(arrays) = all_arrays(args, true) else { return Ok(Value::Null) };
    let mut seen = DistinctSet::default();
    let mut counts: Vec<usize> = Vec::new();
    for v in arrays.into_iter().flatten() {
        match seen.position(&v) {
            Some(i) => {
                if let Some(c) = counts.get_mut(i) {
                    *c += 1;
                }
            }
            None => {
                seen.insert(v);
                counts.push(1);
            }
        }
    }
    let once = seen.into_values().into_iter().zip(counts).filter(|(_, c)| *c == 1).map(|(v, _)| v);
    Ok(Value::Array(once.rev().collect()))
}

fn minus(args: &mut Args) -> AqlResult<Value> {
    let Some(mut arrays) = all_arrays(args, false) else { return Ok(Value::Null) };
    if arrays.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    let first: DistinctSet = arrays.remove(0).into_iter().collect();
    let others: DistinctSet = arrays.into_iter().flatten().collect();
    let mut out: Vec<Value> = first.into_values().into_iter().filter(|v| !others.contains(v)).collect();
    out.reverse();
    Ok(Value::Array(out))
}

fn interleave(args: &mut Args) -> AqlResult<Value> {
    let Some(arrays) = all_arrays(args, true) else { return Ok(Value::Null) };
    let longest = arrays.iter().map(Vec::len).max().unwrap_or(0);
    let mut iters: Vec<_> = arrays.into_iter().map(|a| a.into_iter()).collect();
    let mut out = Vec::new();
    for _ in 0..longest {
        for it in iters.iter_mut() {
            if let Some(v) = it.next() {
                out.push(v);
            }
        }
    }
    Ok(Value::Array(out))
}

fn jaccard(args: &mut Args) -> AqlResult<Value> {
    let Some(arrays) = all_arrays(args, true) else { return Ok(Value::Null) };
    let mut it = arrays.into_iter();
    let a: DistinctSet = it.next().unwrap_or_default().into_iter().collect();
    let b: DistinctSet = it.next().unwrap_or_default().into_iter().collect();
    let common = a.values().iter().filter(|v| b.contains(v)).count();
    let all = a.len() + b.len() - common;
    if all == 0 {
        return Ok(Value::Int(1));
    }
    Ok(Value::double(common as f64 / all as f64))
}

fn remove_value(args: &mut Args) -> AqlResult<Value> {
    let value = args.take(1);
    let limit = args.int(2);
    let mut left = if args.get(2).is_null() || limit < 0 { usize::MAX } else { limit as usize };
    if args.get(0).is_null() {
        return Ok(Value::Array(Vec::new()));
    }
    let Some(items) = array_arg(args, 0, false) else { return Ok(Value::Null) };
    let out = items
        .into_iter()
        .filter(|item| {
            if left > 0 && compare(item, &value).is_eq() {
                left -= 1;
                false
            } else {
                true
            }
        })
        .collect();
    Ok(Value::Array(out))
}

fn remove_values(args: &mut Args) -> AqlResult<Value> {
    let drop: DistinctSet = match (args.take(1), args.get(0)) {
        (Value::Null, _) => return Ok(args.take(0)),
        (_, Value::Null) => return Ok(Value::Array(Vec::new())),
        (Value::Array(items), _) => items.into_iter().collect(),
        _ => return Ok(args.type_error()),
    };
    let Some(items) = array_arg(args, 0, false) else { return Ok(Value::Null) };
    Ok(Value::Array(items.into_iter().filter(|v| !drop.contains(v)).collect()))
}

fn remove_nth(args: &mut Args) -> AqlResult<Value> {
    let pos = args.int(1);
    if args.get(0).is_null() {
        return Ok(Value::Array(Vec::new()));
    }
    let Some(mut items) = array_arg(args, 0, false) else { return Ok(Value::Null) };
    let n = items.len() as i64;
    let at = if pos < 0 { n + pos } else { pos };
    if (0..n).contains(&at) {
        items.remove(at as usize);
    }
    Ok(Value::Array(items))
}

/// Longest array REPLACE_NTH pads to.
const MAX_PAD: i64 = 10_000_000;

fn replace_nth(args: &mut Args) -> AqlResult<Value> {
    let (pos, has_pad) = (args.int(1), args.has(3));
    let offset_missing = args.get(1).is_null();
    let (value, pad) = (args.take(2), args.take(3));
    let Some(mut items) = array_arg(args, 0, false) else { return Ok(Value::Null) };
    let type_mismatch = || {
        AqlError::new(
            num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH,
            "invalid argument type in call to function 'REPLACE_NTH()'",
        )
    };
    if offset_missing {
        return Err(type_mismatch());
    }
    let n = items.len() as i64;
    let at = if pos < 0 { (n + pos).max(0) } else { pos };
    if at > n && !has_pad {
        return Err(type_mismatch());
    }
    if at > MAX_PAD {
        return Ok(args.range_error());
    }
    let at = at as usize;
    while items.len() < at {
        items.push(pad.clone());
    }
    match items.get_mut(at) {
        Some(slot) => *slot = value,
        None => items.push(value),
    }
    Ok(Value::Array(items))
}

fn reverse(args: &mut Args) -> AqlResult<Value> {
    match args.take(0) {
        Value::Array(mut items) => {
            items.reverse();
            Ok(Value::Array(items))
        }
        Value::String(s) => Ok(Value::String(s.chars().rev().collect())),
        _ => Ok(args.array_expected()),
    }
}
