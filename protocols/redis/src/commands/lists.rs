//! The lists commands: pushes and pops at both ends (blocking forms included), ranges,
//! point reads and writes, LINSERT / LREM / LTRIM / LPOS and the moves between lists.
//!
//! Encoding: a list key's metadata row (kind `List`) holds `head` and `tail`; its
//! elements are the sub-rows `(version, index)` for `head <= index < tail`, the index
//! encoded by [`index_key`] so that byte order is numeric order. LPUSH decrements
//! `head`, RPUSH increments `tail`: one sub-row written per element, nothing else moved.
//! LINDEX / LSET are point reads / writes and LRANGE one bounded scan. LINSERT and LREM
//! shift the elements on the cheaper side of the change; LTRIM deletes only the trimmed
//! elements. An emptied list is deleted (its sub-rows, if any remain, are collected in
//! the background).
//!
//! Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) act at once when a key
//! has elements. Otherwise, inside EXEC they answer as a timeout would (NullArray, or
//! Null for BLMOVE / BRPOPLPUSH, as Redis 7.0 does), and outside EXEC they return
//! [`RedisError::Block`] with the keys to wait on: the connection waits for a write to
//! one of them (or the timeout) and runs the whole command again, which re-checks
//! everything (a source emptied again by another client blocks again).

use super::args::{self, is, parse_i64};
use super::flags::*;
use super::{CommandSpec, Ctx, Family};
use crate::error::{RedisError, RedisResult};
use crate::keyspace::{now_ms, KsTxn, Meta, RedisType};
use crate::resp::Frame;
use std::ops::Bound;
use std::time::Duration;

super::family_spec!(Family::Lists);

/// As `COMMAND INFO` of redis-server 7.0.15 reports them.
pub const SPECS: &[CommandSpec] = &[
    spec("lpush", -3, W_OOM_FAST, 1, 1, 1),
    spec("rpush", -3, W_OOM_FAST, 1, 1, 1),
    spec("lpushx", -3, W_OOM_FAST, 1, 1, 1),
    spec("rpushx", -3, W_OOM_FAST, 1, 1, 1),
    spec("lpop", -2, W_FAST, 1, 1, 1),
    spec("rpop", -2, W_FAST, 1, 1, 1),
    spec("llen", 2, R_FAST, 1, 1, 1),
    spec("lrange", 4, R, 1, 1, 1),
    spec("lindex", 3, R, 1, 1, 1),
    spec("lset", 4, W_OOM, 1, 1, 1),
    spec("linsert", 5, W_OOM, 1, 1, 1),
    spec("lrem", 4, W, 1, 1, 1),
    spec("ltrim", 4, W, 1, 1, 1),
    spec("lpos", -3, R, 1, 1, 1),
    spec("lmove", 5, W_OOM, 1, 2, 1),
    spec("rpoplpush", 3, W_OOM, 1, 2, 1),
    spec("lmpop", -4, W_MOVABLE, 0, 0, 0),
    spec("blpop", -3, W_BLOCK, 1, -2, 1),
    spec("brpop", -3, W_BLOCK, 1, -2, 1),
    spec("blmove", 6, W_OOM_BLOCK, 1, 2, 1),
    spec("brpoplpush", 4, W_OOM_BLOCK, 1, 2, 1),
    spec("blmpop", -5, W_BLOCK_MOVABLE, 0, 0, 0),
];

/// Elements read per storage scan by the commands that walk a list (LPOS, LINSERT).
const SCAN_CHUNK: usize = 512;

pub async fn execute(ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let db = ctx.db();
    let in_exec = ctx.in_exec();
    run(ctx.txn, db, in_exec, args).await
}

/// Runs one lists command in `txn` against logical database `db`; `in_exec`: blocking
/// commands answer as timed out instead of returning [`RedisError::Block`].
pub(crate) async fn run(txn: &mut KsTxn, db: usize, in_exec: bool, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let Some(spec) = args.first().and_then(|n| super::lookup(n)) else { return Err(super::unknown_command(args)) };
    if !spec.arity_ok(args.len()) {
        return Err(RedisError::wrong_arity(spec.name));
    }
    let name = spec.name;
    let a = &args[1..];
    let key = a.first().map(|k| k.as_slice()).unwrap_or_default();
    match name {
        "lpush" | "rpush" | "lpushx" | "rpushx" => {
            let left = name.starts_with('l');
            let mut meta = match txn.meta_of(db, key, RedisType::List).await? {
                Some(m) => m,
                None if name.ends_with('x') => return Ok(Frame::Integer(0)),
                None => txn.new_meta(RedisType::List),
            };
            push(txn, &mut meta, &a[1..], left).await?;
            save(txn, db, key, &meta).await?;
            Ok(Frame::Integer(meta.size))
        }
        "lpop" | "rpop" => {
            if a.len() > 2 {
                return Err(RedisError::wrong_arity(name));
            }
            let count = match a.get(1) {
                Some(c) => Some(positive_count(c)?),
                None => None,
            };
            let Some(mut meta) = txn.meta_of(db, key, RedisType::List).await? else {
                return Ok(if count.is_some() { Frame::NullArray } else { Frame::Null });
            };
            let left = name == "lpop";
            match count {
                None => {
                    let mut popped = pop(txn, &mut meta, left, 1).await?;
                    save(txn, db, key, &meta).await?;
                    Ok(Frame::bulk_or_null(popped.pop()))
                }
                Some(0) => Ok(Frame::Array(Vec::new())),
                Some(n) => {
                    let popped = pop(txn, &mut meta, left, n).await?;
                    save(txn, db, key, &meta).await?;
                    Ok(Frame::array_of_bulks(popped))
                }
            }
        }
        "llen" => Ok(Frame::Integer(txn.meta_of(db, key, RedisType::List).await?.map_or(0, |m| m.size))),
        "lrange" => {
            let (start, end) = (parse_i64(&a[1])?, parse_i64(&a[2])?);
            let Some(meta) = txn.meta_of(db, key, RedisType::List).await? else { return Ok(Frame::Array(Vec::new())) };
            let items = match clamp_range(start, end, meta.size) {
                Some((s, e)) => read_range(txn, &meta, s, e).await?,
                None => Vec::new(),
            };
            Ok(Frame::array_of_bulks(items))
        }
        "lindex" => {
            let Some(meta) = txn.meta_of(db, key, RedisType::List).await? else { return Ok(Frame::Null) };
            let index = parse_i64(&a[1])?;
            match position(index, meta.size) {
                Some(p) => Ok(Frame::bulk_or_null(txn.sub_get(meta.version, &element_key(&meta, p)?).await?)),
                None => Ok(Frame::Null),
            }
        }
        "lset" => {
            let Some(meta) = txn.meta_of(db, key, RedisType::List).await? else {
                return Err(RedisError::no_such_key());
            };
            let index = parse_i64(&a[1])?;
            let p = position(index, meta.size).ok_or_else(RedisError::index_out_of_range)?;
            txn.sub_put(meta.version, &element_key(&meta, p)?, &a[2]).await?;
            // The metadata is unchanged; storing it marks the key as written (WATCH).
            txn.put_meta(db, key, &meta).await?;
            Ok(Frame::ok())
        }
        "linsert" => linsert(txn, db, a).await,
        "lrem" => lrem(txn, db, a).await,
        "ltrim" => ltrim(txn, db, a).await,
        "lpos" => lpos(txn, db, a).await,
        "lmove" => {
            let from = side(&a[2])?;
            let to = side(&a[3])?;
            Ok(lmove(txn, db, key, &a[1], from, to).await?.map_or(Frame::Null, Frame::Bulk))
        }
        "rpoplpush" => Ok(lmove(txn, db, key, &a[1], false, true).await?.map_or(Frame::Null, Frame::Bulk)),
        "lmpop" => {
            let (keys, left, count) = parse_mpop(a)?;
            Ok(mpop(txn, db, keys, left, count).await?.unwrap_or(Frame::NullArray))
        }
        "blpop" | "brpop" => {
            let (keys, timeout) = a.split_at(a.len() - 1);
            let timeout = parse_timeout(&timeout[0])?;
            let left = name == "blpop";
            for k in keys {
                if let Some(mut meta) = txn.meta_of(db, k, RedisType::List).await? {
                    let mut popped = pop(txn, &mut meta, left, 1).await?;
                    save(txn, db, k, &meta).await?;
                    let Some(value) = popped.pop() else { continue };
                    return Ok(Frame::Array(vec![Frame::Bulk(k.clone()), Frame::Bulk(value)]));
                }
            }
            block(db, keys, timeout, in_exec, Frame::NullArray)
        }
        "blmove" | "brpoplpush" => {
            let (from, to, timeout) =
                if name == "blmove" { (side(&a[2])?, side(&a[3])?, &a[4]) } else { (false, true, &a[2]) };
            let timeout = parse_timeout(timeout)?;
            match lmove(txn, db, key, &a[1], from, to).await? {
                Some(value) => Ok(Frame::Bulk(value)),
                None => block(db, &a[..1], timeout, in_exec, Frame::Null),
            }
        }
        "blmpop" => {
            let (keys, left, count) = parse_mpop(&a[1..])?;
            let timeout = parse_timeout(&a[0])?;
            match mpop(txn, db, keys, left, count).await? {
                Some(frame) => Ok(frame),
                None => block(db, keys, timeout, in_exec, Frame::NullArray),
            }
        }
        _ => Err(super::unknown_command(args)),
    }
}

/// The outcome of a blocking command that found nothing: `in_exec` answers `timed_out`
/// (what Redis replies to a blocking command inside MULTI/EXEC), otherwise Block.
fn block(
    db: usize,
    keys: &[Vec<u8>],
    timeout: Option<Duration>,
    in_exec: bool,
    timed_out: Frame,
) -> RedisResult<Frame> {
    if in_exec {
        Ok(timed_out)
    } else {
        Err(RedisError::Block { db, keys: keys.to_vec(), timeout })
    }
}

/// A blocking command's timeout argument in seconds, as Redis 7.0 reads it (a long
/// double, times 1000, rounded up to whole milliseconds): `None` means forever (0, and
/// anything that rounds to 0 ms, e.g. -0.0005), "ERR timeout is negative" below that
/// and for values whose milliseconds overflow 64 bits (inf, 1e16: Redis's conversion
/// turns them negative), "ERR timeout is not a float or out of range" for non-numbers.
/// A deadline beyond what a unix-milliseconds clock can hold is forever as well.
pub(crate) fn parse_timeout(arg: &[u8]) -> RedisResult<Option<Duration>> {
    let not_float = || RedisError::err("timeout is not a float or out of range");
    let negative = || RedisError::err("timeout is negative");
    let seconds = match args::parse_f64(arg) {
        Ok(v) => v,
        // Valid as a long double but not as a double: beyond a double's range, either
        // far too large (negative after Redis's conversion) or a tiny non-zero value.
        Err(_) => match args::LongDouble::parse(arg) {
            Ok(Some(ld)) if ld.to_redis_string() == "0" => {
                if arg.first() == Some(&b'-') {
                    return Ok(None);
                }
                return Ok(Some(Duration::from_millis(1)));
            }
            Ok(_) => return Err(negative()),
            Err(_) => return Err(not_float()),
        },
    };
    let ms = (seconds * 1000.0).ceil();
    // 2^63: the first value that no longer fits a signed 64-bit integer.
    if !(0.0..9_223_372_036_854_775_808.0).contains(&ms) {
        return Err(negative());
    }
    if ms == 0.0 {
        return Ok(None);
    }
    let ms = ms as i64;
    if ms > i64::MAX - now_ms().max(0) {
        return Ok(None);
    }
    Ok(Some(Duration::from_millis(ms as u64)))
}

/// LEFT (true) or RIGHT (false), any case; "ERR syntax error" otherwise.
fn side(arg: &[u8]) -> RedisResult<bool> {
    if is(arg, "LEFT") {
        Ok(true)
    } else if is(arg, "RIGHT") {
        Ok(false)
    } else {
        Err(RedisError::syntax())
    }
}

/// LPOP / RPOP's count: a non-negative integer.
fn positive_count(arg: &[u8]) -> RedisResult<usize> {
    match parse_i64(arg) {
        Ok(n) if n >= 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => Err(RedisError::err("value is out of range, must be positive")),
    }
}

/// `numkeys key... LEFT|RIGHT [COUNT n]` (LMPOP's arguments, BLMPOP's after the
/// timeout): the keys, the side and the count (1 by default), with Redis's errors.
fn parse_mpop(a: &[Vec<u8>]) -> RedisResult<(&[Vec<u8>], bool, usize)> {
    let numkeys = match a.first().map(|n| parse_i64(n)) {
        Some(Ok(n)) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
        _ => return Err(RedisError::err("numkeys should be greater than 0")),
    };
    let where_idx = numkeys.checked_add(1).filter(|i| *i < a.len()).ok_or_else(RedisError::syntax)?;
    let left = side(&a[where_idx])?;
    let mut count = None;
    let mut i = where_idx + 1;
    while i < a.len() {
        match a.get(i + 1) {
            Some(n) if count.is_none() && is(&a[i], "COUNT") => {
                count = Some(match parse_i64(n) {
                    Ok(c) if c > 0 => usize::try_from(c).unwrap_or(usize::MAX),
                    _ => return Err(RedisError::err("count should be greater than 0")),
                });
                i += 2;
            }
            _ => return Err(RedisError::syntax()),
        }
    }
    Ok((&a[1..where_idx], left, count.unwrap_or(1)))
}

/// LMPOP / BLMPOP's work: pops up to `count` from the first non-empty list of `keys`
/// (WRONGTYPE for a key of another type met before it); `None` when all are empty.
async fn mpop(txn: &mut KsTxn, db: usize, keys: &[Vec<u8>], left: bool, count: usize) -> RedisResult<Option<Frame>> {
    for k in keys {
        if let Some(mut meta) = txn.meta_of(db, k, RedisType::List).await? {
            let popped = pop(txn, &mut meta, left, count).await?;
            save(txn, db, k, &meta).await?;
            return Ok(Some(Frame::Array(vec![Frame::Bulk(k.clone()), Frame::array_of_bulks(popped)])));
        }
    }
    Ok(None)
}

/// LMOVE's work: pops from `from` side of `source`, pushes on `to` side of
/// `destination`; `None` when the source does not exist. The destination's type is
/// checked before anything changes; source == destination rotates in place.
async fn lmove(
    txn: &mut KsTxn,
    db: usize,
    source: &[u8],
    destination: &[u8],
    from_left: bool,
    to_left: bool,
) -> RedisResult<Option<Vec<u8>>> {
    let Some(mut src) = txn.meta_of(db, source, RedisType::List).await? else { return Ok(None) };
    let same = source == destination;
    let dst = if same { None } else { txn.meta_of(db, destination, RedisType::List).await? };
    let Some(value) = pop(txn, &mut src, from_left, 1).await?.pop() else { return Ok(None) };
    let single = std::slice::from_ref(&value);
    if same {
        push(txn, &mut src, single, to_left).await?;
        save(txn, db, source, &src).await?;
    } else {
        save(txn, db, source, &src).await?;
        let mut dst = match dst {
            Some(m) => m,
            None => txn.new_meta(RedisType::List),
        };
        push(txn, &mut dst, single, to_left).await?;
        save(txn, db, destination, &dst).await?;
    }
    Ok(Some(value))
}

/// An element index as a sub-row member: big-endian with the sign bit flipped, so that
/// byte order is numeric order.
pub(crate) fn index_key(index: i64) -> [u8; 8] {
    ((index as u64) ^ (1u64 << 63)).to_be_bytes()
}

fn overflow() -> RedisError {
    RedisError::err("list index overflow")
}

/// The sub-row member of the element at 0-based position `p` (0 <= p < size).
fn element_key(meta: &Meta, p: i64) -> RedisResult<[u8; 8]> {
    Ok(index_key(meta.head.checked_add(p).ok_or_else(overflow)?))
}

/// The 0-based position of a possibly negative Redis index, when inside the list.
fn position(index: i64, size: i64) -> Option<i64> {
    let p = if index < 0 { size.checked_add(index)? } else { index };
    (0..size).contains(&p).then_some(p)
}

/// LRANGE / LTRIM's clamping of start and end: `None` for an empty range.
fn clamp_range(start: i64, end: i64, size: i64) -> Option<(i64, i64)> {
    let start = if start < 0 { size.saturating_add(start) } else { start }.max(0);
    let end = if end < 0 { size.saturating_add(end) } else { end };
    if start > end || start >= size {
        return None;
    }
    Some((start, end.min(size - 1)))
}

/// A storage inconsistency: a sub-row the metadata says exists is missing.
fn missing_element() -> RedisError {
    RedisError::Storage(orbit_storage::StorageError::corruption("redis list: missing element"))
}

/// Elements at positions start..=end (clamped, non-empty range), in order.
async fn read_range(txn: &mut KsTxn, meta: &Meta, start: i64, end: i64) -> RedisResult<Vec<Vec<u8>>> {
    let (lo, hi) = (element_key(meta, start)?, element_key(meta, end)?);
    let limit = usize::try_from(end - start + 1).ok();
    let rows = txn.sub_scan(meta.version, Bound::Included(&lo), Bound::Included(&hi), false, limit).await?;
    Ok(rows.into_iter().map(|(_, v)| v).collect())
}

/// Up to `n` elements starting `skip` elements from the head (or, `reverse`, from the
/// tail, walking towards the head).
async fn read_chunk(txn: &mut KsTxn, meta: &Meta, skip: i64, n: usize, reverse: bool) -> RedisResult<Vec<Vec<u8>>> {
    if skip >= meta.size {
        return Ok(Vec::new());
    }
    let rows = if reverse {
        let (lo, hi) = (element_key(meta, 0)?, element_key(meta, meta.size - 1 - skip)?);
        txn.sub_scan(meta.version, Bound::Included(&lo), Bound::Included(&hi), true, Some(n)).await?
    } else {
        let (lo, hi) = (element_key(meta, skip)?, element_key(meta, meta.size - 1)?);
        txn.sub_scan(meta.version, Bound::Included(&lo), Bound::Included(&hi), false, Some(n)).await?
    };
    Ok(rows.into_iter().map(|(_, v)| v).collect())
}

/// Adds `values` one after the other at the head (`left`: each becomes the first) or
/// the tail, one sub-row each. The caller saves the metadata.
async fn push(txn: &mut KsTxn, meta: &mut Meta, values: &[Vec<u8>], left: bool) -> RedisResult<()> {
    for v in values {
        let index = if left {
            meta.head = meta.head.checked_sub(1).ok_or_else(overflow)?;
            meta.head
        } else {
            let index = meta.tail;
            meta.tail = meta.tail.checked_add(1).ok_or_else(overflow)?;
            index
        };
        txn.sub_put(meta.version, &index_key(index), v).await?;
        meta.size += 1;
    }
    Ok(())
}

/// Removes up to `n` elements from the head (`left`) or the tail, returning them in
/// pop order. The caller saves the metadata.
async fn pop(txn: &mut KsTxn, meta: &mut Meta, left: bool, n: usize) -> RedisResult<Vec<Vec<u8>>> {
    let n = usize::try_from(meta.size).unwrap_or(0).min(n);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let index = if left { meta.head } else { meta.tail - 1 };
        let value = txn.sub_delete(meta.version, &index_key(index)).await?.ok_or_else(missing_element)?;
        if left {
            meta.head += 1;
        } else {
            meta.tail -= 1;
        }
        meta.size -= 1;
        out.push(value);
    }
    Ok(out)
}

/// Stores the list's metadata, or deletes the key when the list is empty.
async fn save(txn: &mut KsTxn, db: usize, key: &[u8], meta: &Meta) -> RedisResult<()> {
    if meta.size <= 0 {
        txn.delete_key(db, key).await?;
        Ok(())
    } else {
        txn.put_meta(db, key, meta).await
    }
}

/// LINSERT key BEFORE|AFTER pivot element.
async fn linsert(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let (key, pivot, value) = (&a[0], &a[2], &a[3]);
    let after = if is(&a[1], "AFTER") {
        true
    } else if is(&a[1], "BEFORE") {
        false
    } else {
        return Err(RedisError::syntax());
    };
    let Some(mut meta) = txn.meta_of(db, key, RedisType::List).await? else { return Ok(Frame::Integer(0)) };
    let Some(p) = find(txn, &meta, pivot).await? else { return Ok(Frame::Integer(-1)) };
    // The new element's position once inserted.
    let q = if after { p + 1 } else { p };
    if q <= meta.size - q {
        // Shift positions 0..q one towards the head.
        if q > 0 {
            let moved = read_range(txn, &meta, 0, q - 1).await?;
            for (i, v) in moved.iter().enumerate() {
                txn.sub_put(meta.version, &element_key(&meta, i as i64 - 1)?, v).await?;
            }
        }
        txn.sub_put(meta.version, &element_key(&meta, q - 1)?, value).await?;
        meta.head = meta.head.checked_sub(1).ok_or_else(overflow)?;
    } else {
        // Shift positions q..size one towards the tail, the last first.
        let moved = read_range(txn, &meta, q, meta.size - 1).await?;
        for (i, v) in moved.iter().enumerate().rev() {
            txn.sub_put(meta.version, &element_key(&meta, q + i as i64 + 1)?, v).await?;
        }
        txn.sub_put(meta.version, &element_key(&meta, q)?, value).await?;
        meta.tail = meta.tail.checked_add(1).ok_or_else(overflow)?;
    }
    meta.size += 1;
    txn.put_meta(db, key, &meta).await?;
    Ok(Frame::Integer(meta.size))
}

/// The position of the first element equal to `wanted`, scanning from the head.
async fn find(txn: &mut KsTxn, meta: &Meta, wanted: &[u8]) -> RedisResult<Option<i64>> {
    let mut pos = 0i64;
    while pos < meta.size {
        let chunk = read_chunk(txn, meta, pos, SCAN_CHUNK, false).await?;
        if chunk.is_empty() {
            return Err(missing_element());
        }
        for v in &chunk {
            if v.as_slice() == wanted {
                return Ok(Some(pos));
            }
            pos += 1;
        }
    }
    Ok(None)
}

/// LREM key count element.
async fn lrem(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let (key, wanted) = (&a[0], &a[2]);
    let count = parse_i64(&a[1])?;
    let Some(mut meta) = txn.meta_of(db, key, RedisType::List).await? else { return Ok(Frame::Integer(0)) };
    let all = read_range(txn, &meta, 0, meta.size - 1).await?;
    if all.len() as i64 != meta.size {
        return Err(missing_element());
    }
    let limit = if count == 0 { usize::MAX } else { usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX) };
    let matches = all.iter().enumerate().filter(|(_, v)| v.as_slice() == wanted.as_slice()).map(|(i, _)| i);
    let mut removed: Vec<usize> =
        if count < 0 { matches.rev().take(limit).collect() } else { matches.take(limit).collect() };
    if removed.is_empty() {
        return Ok(Frame::Integer(0));
    }
    removed.sort_unstable();
    let n = removed.len();
    if n == all.len() {
        txn.delete_key(db, key).await?;
        return Ok(Frame::Integer(n as i64));
    }
    let (first, last) = (removed[0], removed[n - 1]);
    let is_removed = |i: usize| removed.binary_search(&i).is_ok();
    if all.len() - first <= last + 1 {
        // Compact towards the head: positions from `first` on move down.
        let mut to = first;
        for (i, v) in all.iter().enumerate().skip(first) {
            if !is_removed(i) {
                txn.sub_put(meta.version, &element_key(&meta, to as i64)?, v).await?;
                to += 1;
            }
        }
        for i in to..all.len() {
            txn.sub_delete(meta.version, &element_key(&meta, i as i64)?).await?;
        }
        meta.tail -= n as i64;
    } else {
        // Compact towards the tail: positions up to `last` move up.
        let mut to = last as i64;
        for (i, v) in all.iter().enumerate().take(last + 1).rev() {
            if !is_removed(i) {
                txn.sub_put(meta.version, &element_key(&meta, to)?, v).await?;
                to -= 1;
            }
        }
        for i in 0..=to {
            txn.sub_delete(meta.version, &element_key(&meta, i)?).await?;
        }
        meta.head += n as i64;
    }
    meta.size -= n as i64;
    txn.put_meta(db, key, &meta).await?;
    Ok(Frame::Integer(n as i64))
}

/// LTRIM key start stop: deletes only the elements outside the range.
async fn ltrim(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let key = &a[0];
    let (start, end) = (parse_i64(&a[1])?, parse_i64(&a[2])?);
    let Some(mut meta) = txn.meta_of(db, key, RedisType::List).await? else { return Ok(Frame::ok()) };
    let Some((s, e)) = clamp_range(start, end, meta.size) else {
        txn.delete_key(db, key).await?;
        return Ok(Frame::ok());
    };
    if s == 0 && e == meta.size - 1 {
        return Ok(Frame::ok());
    }
    for p in (0..s).chain(e + 1..meta.size) {
        txn.sub_delete(meta.version, &element_key(&meta, p)?).await?;
    }
    meta.tail = meta.head + e + 1;
    meta.head += s;
    meta.size = e - s + 1;
    txn.put_meta(db, key, &meta).await?;
    Ok(Frame::ok())
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
async fn lpos(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let (key, wanted) = (&a[0], &a[1]);
    let mut rank: i64 = 1;
    let mut count: Option<u64> = None;
    let mut maxlen: u64 = 0;
    let mut i = 2;
    while i < a.len() {
        let (opt, value) = (&a[i], a.get(i + 1));
        match value {
            Some(v) if is(opt, "RANK") => {
                rank = parse_i64(v)?;
                if rank == 0 {
                    return Err(RedisError::err(
                        "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use \
                         negative to start from the end of the list",
                    ));
                }
            }
            Some(v) if is(opt, "COUNT") => {
                count = Some(non_negative(v, "COUNT can't be negative")?);
            }
            Some(v) if is(opt, "MAXLEN") => {
                maxlen = non_negative(v, "MAXLEN can't be negative")?;
            }
            _ => return Err(RedisError::syntax()),
        }
        i += 2;
    }
    let Some(meta) = txn.meta_of(db, key, RedisType::List).await? else {
        return Ok(if count.is_some() { Frame::Array(Vec::new()) } else { Frame::Null });
    };
    let reverse = rank < 0;
    // Redis negates i64::MIN into itself, which then matches from the first match on.
    let skip_matches = if rank == i64::MIN { 0 } else { rank.unsigned_abs() - 1 };
    let limit = if maxlen == 0 { meta.size } else { meta.size.min(i64::try_from(maxlen).unwrap_or(i64::MAX)) };
    let wanted_count = match count {
        Some(0) => u64::MAX,
        Some(n) => n,
        None => 1,
    };
    let mut found = Vec::new();
    let mut matches = 0u64;
    let mut scanned = 0i64;
    'scan: while scanned < limit {
        let chunk_len = usize::try_from(limit - scanned).unwrap_or(usize::MAX).min(SCAN_CHUNK);
        let chunk = read_chunk(txn, &meta, scanned, chunk_len, reverse).await?;
        if chunk.is_empty() {
            return Err(missing_element());
        }
        for v in &chunk {
            if v.as_slice() == wanted.as_slice() {
                matches += 1;
                if matches > skip_matches {
                    found.push(if reverse { meta.size - scanned - 1 } else { scanned });
                    if found.len() as u64 >= wanted_count {
                        break 'scan;
                    }
                }
            }
            scanned += 1;
        }
    }
    Ok(match count {
        Some(_) => Frame::Array(found.into_iter().map(Frame::Integer).collect()),
        None => found.first().map_or(Frame::Null, |p| Frame::Integer(*p)),
    })
}

/// LPOS's COUNT / MAXLEN: a non-negative integer, `message` otherwise.
fn non_negative(arg: &[u8], message: &str) -> RedisResult<u64> {
    match parse_i64(arg) {
        Ok(n) if n >= 0 => Ok(n as u64),
        _ => Err(RedisError::err(message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::keys::tests::show;
    use crate::keyspace::tests::memory_keyspace;
    use crate::keyspace::Keyspace;
    use std::sync::Arc;

    use crate::commands::keys::tests::{words, XorShift};

    /// Like `keys::tests::show`, but a null array (RESP2 `*-1`) is "*nil" and a null
    /// bulk (`$-1`) "nil", as the two differ on the wire.
    fn render(frame: &Frame) -> String {
        match frame {
            Frame::NullArray => "*nil".into(),
            other => show(other),
        }
    }

    /// Runs one command (lists, keys or strings) in its own committed transaction.
    async fn run_args(ks: &Arc<Keyspace>, db: usize, in_exec: bool, args: &[Vec<u8>]) -> RedisResult<Frame> {
        let spec = crate::commands::lookup(&args[0]).expect("known command");
        if !spec.arity_ok(args.len()) {
            return Err(RedisError::wrong_arity(spec.name));
        }
        let mut tx = ks.begin().await.expect("begin");
        let result = match spec.family {
            Family::Lists => run(&mut tx, db, in_exec, args).await,
            Family::Keys => crate::commands::keys::run(ks, &mut tx, db, args).await,
            Family::Strings => crate::commands::strings::run(&mut tx, db, args).await,
            other => panic!("not a lists, keys or strings command: {other:?}"),
        };
        if result.is_ok() {
            tx.commit().await.expect("commit");
        }
        result
    }

    /// The reply to one command line, or the error line prefixed with '-'.
    async fn exec(ks: &Arc<Keyspace>, line: &str) -> String {
        match run_args(ks, 0, false, &words(line)).await {
            Ok(frame) => render(&frame),
            Err(e) => format!("-{}", e.reply_line()),
        }
    }

    /// Runs the lines in order on a fresh keyspace (db 0), checking each reply.
    async fn script(steps: &[(&str, &str)]) -> Arc<Keyspace> {
        let ks = memory_keyspace().await;
        for (line, want) in steps {
            assert_eq!(exec(&ks, line).await, *want, "{line}");
        }
        ks
    }

    /// The stored member entries (version, member, value).
    async fn sub_rows(ks: &Keyspace) -> Vec<(i64, Vec<u8>, Vec<u8>)> {
        ks.sub_entries().await
    }

    // Expected replies in the scripts below are redis-server 7.0.15's answers to the
    // same command sequences (sent over RESP2; "*nil" is `*-1`, "nil" is `$-1`).

    #[tokio::test]
    async fn pops_counts_and_wrongtype() {
        script(&[
            ("rpush l a b c d e", ":5"),
            ("lpop l 0", "[]"),
            ("lpop l -1", "-ERR value is out of range, must be positive"),
            ("lpop l abc", "-ERR value is out of range, must be positive"),
            ("lpop l 1 2", "-ERR wrong number of arguments for 'lpop' command"),
            ("lpop nokey", "nil"),
            ("lpop nokey 1", "*nil"),
            ("lpop nokey 0", "*nil"),
            ("lpop nokey -1", "-ERR value is out of range, must be positive"),
            ("rpop nokey 5", "*nil"),
            ("lpop l", "$a"),
            ("rpop l", "$e"),
            ("lpop l 2", "[$b, $c]"),
            ("rpop l 5", "[$d]"),
            ("exists l", ":0"),
            ("rpop l", "nil"),
            ("lpop l 1", "*nil"),
            ("set s x", "+OK"),
            ("lpop s", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lpop s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lpop s -1", "-ERR value is out of range, must be positive"),
            ("rpush s a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lpush s a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lpushx s a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("llen s", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lrange s 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lindex s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lset s 0 a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("linsert s before a b", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lrem s 0 a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("ltrim s 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lpos s a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lmove s l left left", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lmpop 1 s left", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("blpop s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
        ])
        .await;
    }

    #[tokio::test]
    async fn ranges_indexes_and_pushx() {
        script(&[
            ("rpush l a b c d e", ":5"),
            ("lrange l 0 -1", "[$a, $b, $c, $d, $e]"),
            ("lrange l -100 100", "[$a, $b, $c, $d, $e]"),
            ("lrange l 3 1", "[]"),
            ("lrange l 5 10", "[]"),
            ("lrange l -1 -1", "[$e]"),
            ("lrange l -2 -3", "[]"),
            ("lrange l 0 0", "[$a]"),
            ("lrange l 1 -2", "[$b, $c, $d]"),
            ("lrange l -9223372036854775808 9223372036854775807", "[$a, $b, $c, $d, $e]"),
            ("lrange l a 1", "-ERR value is not an integer or out of range"),
            ("lrange l 1 a", "-ERR value is not an integer or out of range"),
            ("lrange nokey 0 -1", "[]"),
            ("lrange nokey a 1", "-ERR value is not an integer or out of range"),
            ("lindex l 0", "$a"),
            ("lindex l -1", "$e"),
            ("lindex l -5", "$a"),
            ("lindex l -6", "nil"),
            ("lindex l 5", "nil"),
            ("lindex l x", "-ERR value is not an integer or out of range"),
            ("lindex nokey 0", "nil"),
            ("lindex nokey x", "nil"),
            ("lset l 0 A", "+OK"),
            ("lset l -1 E", "+OK"),
            ("lset l 5 x", "-ERR index out of range"),
            ("lset l -6 x", "-ERR index out of range"),
            ("lset l x x", "-ERR value is not an integer or out of range"),
            ("lset nokey 0 x", "-ERR no such key"),
            ("lset nokey x x", "-ERR no such key"),
            ("lrange l 0 -1", "[$A, $b, $c, $d, $E]"),
            ("llen l", ":5"),
            ("llen nokey", ":0"),
            ("lpushx nokey a", ":0"),
            ("rpushx nokey a", ":0"),
            ("exists nokey", ":0"),
            ("lpushx l 1 2", ":7"),
            ("rpushx l 8 9", ":9"),
            ("lrange l 0 -1", "[$2, $1, $A, $b, $c, $d, $E, $8, $9]"),
            ("lpush n 1 2 3", ":3"),
            ("rpush n 4 5", ":5"),
            ("lrange n 0 -1", "[$3, $2, $1, $4, $5]"),
        ])
        .await;
    }

    #[tokio::test]
    async fn linsert_lrem_ltrim() {
        script(&[
            ("set s x", "+OK"),
            ("lindex s x", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lset s x x", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("rpush l a b c b a", ":5"),
            ("linsert l before b X", ":6"),
            ("linsert l after b Y", ":7"),
            ("linsert l BEFORE a Z", ":8"),
            ("linsert l after a W", ":9"),
            ("lrange l 0 -1", "[$Z, $a, $W, $X, $b, $Y, $c, $b, $a]"),
            ("linsert l middle a Q", "-ERR syntax error"),
            ("linsert l before nope Q", ":-1"),
            ("linsert nokey before a b", ":0"),
            ("linsert nokey middle a b", "-ERR syntax error"),
            ("linsert s middle a b", "-ERR syntax error"),
            ("exists nokey", ":0"),
            ("lrem l 0 nope", ":0"),
            ("lrem l 1 b", ":1"),
            ("lrange l 0 -1", "[$Z, $a, $W, $X, $Y, $c, $b, $a]"),
            ("lrem l -1 a", ":1"),
            ("lrange l 0 -1", "[$Z, $a, $W, $X, $Y, $c, $b]"),
            ("lrem l 0 Y", ":1"),
            ("lrange l 0 -1", "[$Z, $a, $W, $X, $c, $b]"),
            ("lrem l x a", "-ERR value is not an integer or out of range"),
            ("lrem nokey 0 a", ":0"),
            ("lrem nokey x a", "-ERR value is not an integer or out of range"),
            ("lrem l 0 Z", ":1"),
            ("lrem l 0 X", ":1"),
            ("lrem l 0 c", ":1"),
            ("lrem l 0 b", ":1"),
            ("lrange l 0 -1", "[$a, $W]"),
            ("exists l", ":1"),
            ("rpush t 1 2 3 4 5 6 7", ":7"),
            ("ltrim t 1 -2", "+OK"),
            ("lrange t 0 -1", "[$2, $3, $4, $5, $6]"),
            ("ltrim t -100 100", "+OK"),
            ("lrange t 0 -1", "[$2, $3, $4, $5, $6]"),
            ("ltrim t x 1", "-ERR value is not an integer or out of range"),
            ("ltrim nokey 0 1", "+OK"),
            ("ltrim nokey x 1", "-ERR value is not an integer or out of range"),
            ("ltrim t 2 1", "+OK"),
            ("exists t", ":0"),
            ("rpush t 1 2 3", ":3"),
            ("ltrim t 5 10", "+OK"),
            ("exists t", ":0"),
            ("rpush t 1 2 3", ":3"),
            ("ltrim t -1 -1", "+OK"),
            ("lrange t 0 -1", "[$3]"),
            ("ltrim t 0 0", "+OK"),
            ("lrange t 0 -1", "[$3]"),
        ])
        .await;
    }

    #[tokio::test]
    async fn lpos_options() {
        script(&[
            ("rpush l a b c 1 2 3 c c", ":8"),
            ("lpos l c", ":2"),
            ("lpos l c rank 2", ":6"),
            ("lpos l c rank -1", ":7"),
            ("lpos l c rank -3", ":2"),
            ("lpos l c rank 4", "nil"),
            ("lpos l c count 0", "[:2, :6, :7]"),
            ("lpos l c count 2", "[:2, :6]"),
            ("lpos l c count 10", "[:2, :6, :7]"),
            ("lpos l c rank -1 count 2", "[:7, :6]"),
            ("lpos l c rank 2 count 0", "[:6, :7]"),
            ("lpos l c maxlen 3", ":2"),
            ("lpos l c maxlen 2", "nil"),
            ("lpos l c maxlen 2 count 0", "[]"),
            ("lpos l c rank -1 maxlen 2 count 0", "[:7, :6]"),
            ("lpos l c rank -1 maxlen 1 count 0", "[:7]"),
            ("lpos l x", "nil"),
            ("lpos l x count 0", "[]"),
            ("lpos l c rank 0", "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"),
            ("lpos l c rank x", "-ERR value is not an integer or out of range"),
            ("lpos l c count -1", "-ERR COUNT can't be negative"),
            ("lpos l c count x", "-ERR COUNT can't be negative"),
            ("lpos l c maxlen -1", "-ERR MAXLEN can't be negative"),
            ("lpos l c maxlen x", "-ERR MAXLEN can't be negative"),
            ("lpos l c foo", "-ERR syntax error"),
            ("lpos l c rank", "-ERR syntax error"),
            ("lpos l c count", "-ERR syntax error"),
            ("lpos l c rank -9223372036854775808", ":7"),
            ("lpos l c rank 9223372036854775807", "nil"),
            ("lpos l c rank 1 rank 2", ":6"),
            ("lpos nokey c", "nil"),
            ("lpos nokey c count 1", "[]"),
            ("lpos nokey c rank 0", "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"),
            ("lpos nokey c foo 1", "-ERR syntax error"),
            ("lpos l c RANK 1 COUNT 1 MAXLEN 0", "[:2]"),
            ("set s x", "+OK"),
            ("lpos s c rank 0", "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"),
            ("lpos s c count 1", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
        ])
        .await;
    }

    #[tokio::test]
    async fn lmove_and_rpoplpush() {
        script(&[
            ("rpush l a b c", ":3"),
            ("lmove l l left right", "$a"),
            ("lrange l 0 -1", "[$b, $c, $a]"),
            ("lmove l l right left", "$a"),
            ("lrange l 0 -1", "[$a, $b, $c]"),
            ("lmove l l left left", "$a"),
            ("lrange l 0 -1", "[$a, $b, $c]"),
            ("lmove l d left left", "$a"),
            ("lmove l d right right", "$c"),
            ("lrange d 0 -1", "[$a, $c]"),
            ("lmove l d up left", "-ERR syntax error"),
            ("lmove l d left up", "-ERR syntax error"),
            ("lmove nokey d up left", "-ERR syntax error"),
            ("lmove nokey d left left", "nil"),
            ("set s x", "+OK"),
            ("lmove l s left left", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lrange l 0 -1", "[$b]"),
            ("lmove s l left left", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lmove nokey s left left", "nil"),
            ("rpoplpush l d", "$b"),
            ("rpoplpush l d", "nil"),
            ("lrange d 0 -1", "[$b, $a, $c]"),
            ("exists l", ":0"),
            ("rpoplpush l d", "nil"),
            ("rpoplpush nokey s", "nil"),
            ("rpush m x", ":1"),
            ("rpoplpush m m", "$x"),
            ("lrange m 0 -1", "[$x]"),
            ("rpush one z", ":1"),
            ("lmove one one left right", "$z"),
            ("lrange one 0 -1", "[$z]"),
            ("lmove one two left right", "$z"),
            ("exists one", ":0"),
            ("lrange two 0 -1", "[$z]"),
        ])
        .await;
    }

    #[tokio::test]
    async fn lmpop() {
        script(&[
            ("rpush a 1 2 3", ":3"),
            ("rpush b 4 5", ":2"),
            ("lmpop 2 nokey a left", "[$a, [$1]]"),
            ("lmpop 2 nokey a right count 5", "[$a, [$3, $2]]"),
            ("lmpop 2 a b left count 1", "[$b, [$4]]"),
            ("lmpop 2 a b right count 10", "[$b, [$5]]"),
            ("exists b", ":0"),
            ("lmpop 1 nokey left", "*nil"),
            ("lmpop 1 nokey left count 3", "*nil"),
            ("lmpop 0 a left", "-ERR numkeys should be greater than 0"),
            ("lmpop -1 a left", "-ERR numkeys should be greater than 0"),
            ("lmpop x a left", "-ERR numkeys should be greater than 0"),
            ("lmpop 3 a b left", "-ERR syntax error"),
            ("lmpop 2 a b", "-ERR syntax error"),
            ("lmpop 1 a up", "-ERR syntax error"),
            ("lmpop 1 a left count 0", "-ERR count should be greater than 0"),
            ("lmpop 1 a left count -1", "-ERR count should be greater than 0"),
            ("lmpop 1 a left count x", "-ERR count should be greater than 0"),
            ("lmpop 1 a left count", "-ERR syntax error"),
            ("lmpop 1 a left count 1 count 2", "-ERR syntax error"),
            ("lmpop 1 a left foo", "-ERR syntax error"),
            ("lmpop 1 a left count 1 foo", "-ERR syntax error"),
            ("lmpop 9223372036854775807 a left", "-ERR syntax error"),
            ("lmpop 2147483648 a left", "-ERR syntax error"),
            ("lmpop 1 a left count 9223372036854775807", "*nil"),
            ("set s x", "+OK"),
            ("lmpop 2 nokey s left", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lmpop 2 s nokey left", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("rpush c 1", ":1"),
            ("lmpop 2 c s left", "[$c, [$1]]"),
            ("lmpop 2 nokey2 s left count 0", "-ERR count should be greater than 0"),
        ])
        .await;
    }

    #[tokio::test]
    async fn blocking_forms_with_elements() {
        script(&[
            ("rpush a 1 2 3", ":3"),
            ("rpush b 4", ":1"),
            ("blpop nokey a b 0", "[$a, $1]"),
            ("brpop nokey a b 0", "[$a, $3]"),
            ("blpop b a 0", "[$b, $4]"),
            ("exists b", ":0"),
            ("blmove a d right left 0", "$2"),
            ("blmove a d right up 0", "-ERR syntax error"),
            ("blmove a d up right 0", "-ERR syntax error"),
            ("blmove a d left left x", "-ERR timeout is not a float or out of range"),
            ("blmove a d left left -1", "-ERR timeout is negative"),
            ("brpoplpush a d x", "-ERR timeout is not a float or out of range"),
            ("brpoplpush a d -1", "-ERR timeout is negative"),
            ("lrange d 0 -1", "[$2]"),
            ("blmpop x 1 a left", "-ERR timeout is not a float or out of range"),
            ("blmpop -1 1 a left", "-ERR timeout is negative"),
            ("blmpop 0 1 a up", "-ERR syntax error"),
            ("blmpop x 1 a up", "-ERR syntax error"),
            ("blmpop -1 1 a left count 0", "-ERR count should be greater than 0"),
            ("blmpop x 0 a left", "-ERR numkeys should be greater than 0"),
            ("blpop a x", "-ERR timeout is not a float or out of range"),
            ("blpop a -1", "-ERR timeout is negative"),
            ("set s x", "+OK"),
            ("blmove s d left left 0", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("rpush e 1", ":1"),
            ("blmove e s left left 0", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("lrange e 0 -1", "[$1]"),
            ("blpop a s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("blpop a s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("blmpop 0 2 a s left count 3", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("blmpop 0 2 nokey s left count 3", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
        ])
        .await;
    }

    #[tokio::test]
    async fn lrem_linsert_shifts() {
        script(&[
            ("rpush l a b c d e f g h", ":8"),
            ("lrem l 2 z", ":0"),
            ("rpush r x a x b x c x", ":7"),
            ("lrem r 2 x", ":2"),
            ("lrange r 0 -1", "[$a, $b, $x, $c, $x]"),
            ("lrem r -1 x", ":1"),
            ("lrange r 0 -1", "[$a, $b, $x, $c]"),
            ("rpush q a a a", ":3"),
            ("lrem q 0 a", ":3"),
            ("exists q", ":0"),
            ("rpush q a b a", ":3"),
            ("lrem q -5 a", ":2"),
            ("lrange q 0 -1", "[$b]"),
            ("rpush i a", ":1"),
            ("linsert i after a b", ":2"),
            ("linsert i before a z", ":3"),
            ("lrange i 0 -1", "[$z, $a, $b]"),
            ("lpush x", "-ERR wrong number of arguments for 'lpush' command"),
            ("rpush big 1 2 3 4 5 6 7 8 9 10", ":10"),
            ("linsert big before 9 X", ":11"),
            ("linsert big after 2 Y", ":12"),
            ("lrange big 0 -1", "[$1, $2, $Y, $3, $4, $5, $6, $7, $8, $X, $9, $10]"),
            ("lpos big X", ":9"),
            ("lpos big Y", ":2"),
            ("lpush big \"\"", ":13"),
            ("lpos big \"\"", ":0"),
        ])
        .await;
    }

    #[tokio::test]
    async fn index_keys_order_numerically() {
        let values = [i64::MIN, -1_000_000, -2, -1, 0, 1, 2, 255, 256, 1_000_000, i64::MAX];
        for w in values.windows(2) {
            assert!(index_key(w[0]) < index_key(w[1]), "{} < {}", w[0], w[1]);
        }
    }

    #[tokio::test]
    async fn specs_match_redis() {
        // (name, arity, flags, first, last, step) from COMMAND INFO on redis-server 7.0.15.
        let want: &[(&str, i32, &str, i32, i32, i32)] = &[
            ("lpush", -3, "write denyoom fast", 1, 1, 1),
            ("lpop", -2, "write fast", 1, 1, 1),
            ("llen", 2, "readonly fast", 1, 1, 1),
            ("lrange", 4, "readonly", 1, 1, 1),
            ("lmove", 5, "write denyoom", 1, 2, 1),
            ("lmpop", -4, "write movablekeys", 0, 0, 0),
            ("blpop", -3, "write noscript blocking", 1, -2, 1),
            ("blmove", 6, "write denyoom noscript blocking", 1, 2, 1),
            ("brpoplpush", 4, "write denyoom noscript blocking", 1, 2, 1),
            ("blmpop", -5, "write blocking movablekeys", 0, 0, 0),
        ];
        for (name, arity, flags, first, last, step) in want {
            let s = crate::commands::lookup(name.as_bytes()).expect(name);
            assert_eq!(
                (s.arity, s.flags.join(" "), s.first_key, s.last_key, s.step),
                (*arity, flags.to_string(), *first, *last, *step),
                "{name}"
            );
            assert_eq!(s.family, Family::Lists);
        }
        assert_eq!(SPECS.len(), 22);
    }

    #[test]
    fn timeouts_parse_like_redis() {
        let ms = |v: u64| Ok(Some(Duration::from_millis(v)));
        let neg = || Err("ERR timeout is negative".to_string());
        let nf = || Err("ERR timeout is not a float or out of range".to_string());
        let cases: Vec<(&str, Result<Option<Duration>, String>)> = vec![
            ("0", Ok(None)),
            ("-0", Ok(None)),
            ("0.5", ms(500)),
            (".5", ms(500)),
            ("5.", ms(5000)),
            ("1", ms(1000)),
            ("0x10", ms(16000)),
            ("0.0009", ms(1)),
            ("1e-400", ms(1)),
            ("-0.0001", Ok(None)),
            ("-0.0005", Ok(None)),
            ("-1e-4000", Ok(None)),
            ("-1", neg()),
            ("-0.0015", neg()),
            ("inf", neg()),
            ("-inf", neg()),
            ("1e300", neg()),
            ("1e400", neg()),
            ("1e16", neg()),
            ("9223372036854775807", neg()),
            ("abc", nf()),
            (" 1", nf()),
            ("nan", nf()),
            ("", nf()),
        ];
        for (arg, want) in cases {
            let got = parse_timeout(arg.as_bytes()).map_err(|e| e.reply_line());
            assert_eq!(got, want, "{arg}");
        }
        // Redis blocks forever when the deadline overflows its clock.
        assert_eq!(parse_timeout(b"9223372036854774").ok(), Some(None));
        assert!(parse_timeout(b"1e15").is_ok_and(|t| t.is_some()));
    }

    #[tokio::test]
    async fn blocking_on_empty_keys() {
        let ks = script(&[("set s x", "+OK"), ("rpush other v", ":1")]).await;
        let block = |line: &str| words(line);
        // Nothing to pop: Block with every key and the timeout.
        match run_args(&ks, 0, false, &block("blpop k1 k2 1.5")).await {
            Err(RedisError::Block { db, keys, timeout }) => {
                assert_eq!(db, 0);
                assert_eq!(keys, vec![b"k1".to_vec(), b"k2".to_vec()]);
                assert_eq!(timeout, Some(Duration::from_millis(1500)));
            }
            other => panic!("{other:?}"),
        }
        match run_args(&ks, 3, false, &block("brpop k 0")).await {
            Err(RedisError::Block { db: 3, keys, timeout: None }) => assert_eq!(keys, vec![b"k".to_vec()]),
            other => panic!("{other:?}"),
        }
        match run_args(&ks, 0, false, &block("blmove src other left right 0")).await {
            Err(RedisError::Block { keys, timeout: None, .. }) => assert_eq!(keys, vec![b"src".to_vec()]),
            other => panic!("{other:?}"),
        }
        match run_args(&ks, 0, false, &block("brpoplpush src other 2")).await {
            Err(RedisError::Block { keys, timeout, .. }) => {
                assert_eq!(keys, vec![b"src".to_vec()]);
                assert_eq!(timeout, Some(Duration::from_secs(2)));
            }
            other => panic!("{other:?}"),
        }
        match run_args(&ks, 0, false, &block("blmpop 0.25 2 a b right count 3")).await {
            Err(RedisError::Block { keys, timeout, .. }) => {
                assert_eq!(keys, vec![b"a".to_vec(), b"b".to_vec()]);
                assert_eq!(timeout, Some(Duration::from_millis(250)));
            }
            other => panic!("{other:?}"),
        }
        // Inside EXEC: answered as a timeout at once (Redis 7.0: `*-1`, but `$-1` for
        // BLMOVE / BRPOPLPUSH).
        let in_exec = |line: &str| {
            let ks = ks.clone();
            let args = words(line);
            async move { run_args(&ks, 0, true, &args).await.map(|f| render(&f)).map_err(|e| e.reply_line()) }
        };
        assert_eq!(in_exec("blpop k1 k2 0").await, Ok("*nil".into()));
        assert_eq!(in_exec("brpop k1 0").await, Ok("*nil".into()));
        assert_eq!(in_exec("blmpop 0 1 k1 left").await, Ok("*nil".into()));
        assert_eq!(in_exec("blmove k1 d left left 0").await, Ok("nil".into()));
        assert_eq!(in_exec("brpoplpush k1 d 0").await, Ok("nil".into()));
        assert_eq!(in_exec("blpop k1 other 0").await, Ok("[$other, $v]".into()));
        // Argument errors and WRONGTYPE come before blocking.
        assert_eq!(
            exec(&ks, "blpop k1 s 0").await,
            "-WRONGTYPE Operation against a key holding the wrong kind of value"
        );
        assert_eq!(exec(&ks, "blpop k1 -1").await, "-ERR timeout is negative");
        assert_eq!(exec(&ks, "blmove k1 d up left 0").await, "-ERR syntax error");
    }

    /// What the connection does after Block: re-run the command once a key is written.
    #[tokio::test]
    async fn blocked_command_rerun() {
        let ks = script(&[]).await;
        let blmove = words("blmove src dst right left 0");
        assert!(matches!(run_args(&ks, 0, false, &blmove).await, Err(RedisError::Block { .. })));
        assert_eq!(exec(&ks, "rpush src a b").await, ":2");
        assert_eq!(run_args(&ks, 0, false, &blmove).await.map(|f| render(&f)).ok(), Some("$b".into()));
        // Another client empties the source before the next re-run: blocks again.
        assert_eq!(exec(&ks, "lpop src").await, "$a");
        assert!(matches!(run_args(&ks, 0, false, &blmove).await, Err(RedisError::Block { .. })));
        assert_eq!(exec(&ks, "lrange dst 0 -1").await, "[$b]");
        let blpop = words("blpop x y 0");
        assert!(matches!(run_args(&ks, 0, false, &blpop).await, Err(RedisError::Block { .. })));
        assert_eq!(exec(&ks, "rpush y 1 2").await, ":2");
        assert_eq!(run_args(&ks, 0, false, &blpop).await.map(|f| render(&f)).ok(), Some("[$y, $1]".into()));
        let blmpop = words("blmpop 0 2 x y left count 5");
        assert_eq!(run_args(&ks, 0, false, &blmpop).await.map(|f| render(&f)).ok(), Some("[$y, [$2]]".into()));
        assert_eq!(exec(&ks, "exists y").await, ":0");
        assert!(matches!(run_args(&ks, 0, false, &blmpop).await, Err(RedisError::Block { .. })));
    }

    #[tokio::test]
    async fn emptied_lists_are_deleted() {
        let ks = script(&[
            ("rpush l a b c", ":3"),
            ("lpop l 2", "[$a, $b]"),
            ("rpop l", "$c"),
            ("exists l", ":0"),
            ("type l", "+none"),
            ("rpush l a", ":1"),
            ("lrem l 0 a", ":1"),
            ("exists l", ":0"),
            ("rpush l a b", ":2"),
            ("ltrim l 3 4", "+OK"),
            ("exists l", ":0"),
            ("rpush l a", ":1"),
            ("lmove l m left left", "$a"),
            ("exists l", ":0"),
            ("lmpop 1 m right count 10", "[$m, [$a]]"),
            ("exists m", ":0"),
            ("rpush l x", ":1"),
            ("blpop l 0", "[$l, $x]"),
            ("llen l", ":0"),
        ])
        .await;
        // A list created again starts from scratch.
        assert_eq!(exec(&ks, "lpush l 1").await, ":1");
        assert_eq!(exec(&ks, "lrange l 0 -1").await, "[$1]");
    }

    #[tokio::test]
    async fn push_keeps_ttl_and_pushx() {
        script(&[
            ("rpush l a", ":1"),
            ("expire l 100", ":1"),
            ("lpush l b", ":2"),
            ("ttl l", ":100"),
            ("lset l 0 c", "+OK"),
            ("ttl l", ":100"),
            ("lmove l n left right", "$c"),
            ("ttl n", ":-1"),
        ])
        .await;
    }

    #[tokio::test]
    async fn lpush_onto_a_large_list_writes_one_sub_row() {
        let ks = memory_keyspace().await;
        let mut args = vec![b"rpush".to_vec(), b"big".to_vec()];
        args.extend((0..10_000).map(|i: i32| i.to_string().into_bytes()));
        assert_eq!(run_args(&ks, 0, false, &args).await.ok(), Some(Frame::Integer(10_000)));
        let before = sub_rows(&ks).await;
        assert_eq!(before.len(), 10_000);
        assert_eq!(exec(&ks, "lpush big new").await, ":10001");
        let after = sub_rows(&ks).await;
        let added: Vec<_> = after.iter().filter(|r| !before.contains(r)).collect();
        assert_eq!(added.len(), 1, "exactly one new sub-row");
        assert!(before.iter().all(|r| after.contains(r)), "no existing sub-row changed");
        assert_eq!(exec(&ks, "lindex big 0").await, "$new");
        assert_eq!(exec(&ks, "lindex big -1").await, "$9999");
        assert_eq!(exec(&ks, "lindex big 5000").await, "$4999");
        assert_eq!(exec(&ks, "lrange big 4999 5001").await, "[$4998, $4999, $5000]");
        // RPOP touches one row as well; LTRIM deletes only what it trims.
        assert_eq!(exec(&ks, "rpop big").await, "$9999");
        assert_eq!(sub_rows(&ks).await.len(), 10_000);
        assert_eq!(exec(&ks, "ltrim big 0 -11").await, "+OK");
        assert_eq!(sub_rows(&ks).await.len(), 9_990);
        assert_eq!(exec(&ks, "llen big").await, ":9990");
        assert_eq!(exec(&ks, "lpos big 9988").await, ":9989");
        assert_eq!(exec(&ks, "lpos big new rank -1").await, ":0");
    }

    /// A deterministic pseudo-random sequence of edits, checked against a Vec model.
    #[tokio::test]
    async fn edits_match_a_model() {
        let ks = memory_keyspace().await;
        let mut model: std::collections::VecDeque<String> = Default::default();
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        let mut next = |n: u64| rng.below(n);
        for step in 0..600 {
            let v = format!("v{}", next(6));
            let len = model.len() as i64;
            let line = match next(9) {
                0 => {
                    model.push_front(v.clone());
                    format!("lpush l {v}")
                }
                1 => {
                    model.push_back(v.clone());
                    format!("rpush l {v}")
                }
                2 => {
                    let after = next(2) == 0;
                    let pivot = format!("v{}", next(6));
                    if let Some(p) = model.iter().position(|x| *x == pivot) {
                        model.insert(if after { p + 1 } else { p }, v.clone());
                    }
                    format!("linsert l {} {pivot} {v}", if after { "after" } else { "before" })
                }
                3 => {
                    let count = next(5) as i64 - 2;
                    let mut left = if count == 0 { usize::MAX } else { count.unsigned_abs() as usize };
                    let mut kept: Vec<String> = model.iter().cloned().collect();
                    if count >= 0 {
                        kept.retain(|x| {
                            if *x == v && left > 0 {
                                left -= 1;
                                false
                            } else {
                                true
                            }
                        });
                    } else {
                        kept.reverse();
                        kept.retain(|x| {
                            if *x == v && left > 0 {
                                left -= 1;
                                false
                            } else {
                                true
                            }
                        });
                        kept.reverse();
                    }
                    model = kept.into();
                    format!("lrem l {count} {v}")
                }
                4 => {
                    let (s, e) = (next(8) as i64 - 2, len - next(4) as i64 - 1);
                    if let Some((s, e)) = clamp_range(s, e, len) {
                        model = model.iter().skip(s as usize).take((e - s + 1) as usize).cloned().collect();
                    } else {
                        model.clear();
                    }
                    format!("ltrim l {s} {e}")
                }
                5 => {
                    model.pop_front();
                    "lpop l".to_string()
                }
                6 => {
                    model.pop_back();
                    "rpop l".to_string()
                }
                7 => {
                    if let Some(x) = model.pop_back() {
                        model.push_front(x);
                    }
                    "rpoplpush l l".to_string()
                }
                _ => {
                    let i = next(len as u64 + 2) as i64 - 1;
                    if let Some(p) = position(i, len) {
                        model[p as usize] = v.clone();
                    }
                    format!("lset l {i} {v}")
                }
            };
            exec(&ks, &line).await;
            let want = format!("[{}]", model.iter().map(|x| format!("${x}")).collect::<Vec<_>>().join(", "));
            assert_eq!(exec(&ks, "lrange l 0 -1").await, want, "step {step}: {line}");
            assert_eq!(exec(&ks, "llen l").await, format!(":{}", model.len()), "step {step}: {line}");
            // Exactly the elements' sub-rows exist: nothing left behind by the shifts.
            let mut tx = ks.begin().await.expect("begin");
            if let Some(m) = tx.meta(0, b"l").await.expect("meta") {
                assert_eq!(m.size, m.tail - m.head);
                let rows = sub_rows(&ks).await.into_iter().filter(|r| r.0 == m.version).count();
                assert_eq!(rows as i64, m.size, "step {step}: {line}");
            }
        }
    }
}
