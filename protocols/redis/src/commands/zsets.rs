//! The sorted set commands.
//!
//! Encoding: a zset key's metadata row has kind [`RedisType::ZSet`] and `size` = the
//! number of members; each member has a sub-row `(version, member) -> score` (8 bytes,
//! big-endian f64) and an entry `(version, score, member)` in the score index. One
//! member is read or written without touching the others; ranks are counted by
//! scanning the score index (O(rank)). BYLEX ranges scan the member sub-rows in byte
//! order, which is Redis's order when all scores are equal (the only case Redis
//! defines). Scores are normalized so that -0 is stored as 0.
//!
//! Replies carry scores as [`Frame::Double`] (a bulk string in Redis's `%.17g` format
//! for RESP2 clients). WITHSCORES replies are flat `member, score, ...` arrays in
//! RESP2 and arrays of `[member, score]` pairs in RESP3, as Redis 7.0 answers.

use super::args::{is, parse_f64, parse_i64, LongDouble, Rng};
use super::flags::*;
use super::{CommandSpec, Ctx, Family};
use crate::error::{RedisError, RedisResult};
use crate::keyspace::{Keyspace, KsTxn, Meta, RedisType};
use crate::resp::Frame;
use std::collections::HashMap;
use std::ops::Bound;
use std::time::Duration;

super::family_spec!(Family::ZSets);

/// Arity, flags and key positions as `COMMAND INFO` reports them in redis-server 7.0.15.
pub const SPECS: &[CommandSpec] = &[
    spec("zadd", -4, W_OOM_FAST, 1, 1, 1),
    spec("zincrby", 4, W_OOM_FAST, 1, 1, 1),
    spec("zrem", -3, W_FAST, 1, 1, 1),
    spec("zscore", 3, R_FAST, 1, 1, 1),
    spec("zmscore", -3, R_FAST, 1, 1, 1),
    spec("zcard", 2, R_FAST, 1, 1, 1),
    spec("zcount", 4, R_FAST, 1, 1, 1),
    spec("zlexcount", 4, R_FAST, 1, 1, 1),
    spec("zrange", -4, R, 1, 1, 1),
    spec("zrangestore", -5, W_OOM, 1, 2, 1),
    spec("zrangebyscore", -4, R, 1, 1, 1),
    spec("zrevrangebyscore", -4, R, 1, 1, 1),
    spec("zrangebylex", -4, R, 1, 1, 1),
    spec("zrevrangebylex", -4, R, 1, 1, 1),
    spec("zrevrange", -4, R, 1, 1, 1),
    spec("zrank", 3, R_FAST, 1, 1, 1),
    spec("zrevrank", 3, R_FAST, 1, 1, 1),
    spec("zpopmin", -2, W_FAST, 1, 1, 1),
    spec("zpopmax", -2, W_FAST, 1, 1, 1),
    spec("zmpop", -4, W_MOVABLE, 0, 0, 0),
    spec("bzpopmin", -3, W_BLOCK_FAST, 1, -2, 1),
    spec("bzpopmax", -3, W_BLOCK_FAST, 1, -2, 1),
    spec("bzmpop", -5, W_BLOCK_MOVABLE, 0, 0, 0),
    spec("zremrangebyrank", 4, W, 1, 1, 1),
    spec("zremrangebyscore", 4, W, 1, 1, 1),
    spec("zremrangebylex", 4, W, 1, 1, 1),
    spec("zunion", -3, R_MOVABLE, 0, 0, 0),
    spec("zinter", -3, R_MOVABLE, 0, 0, 0),
    spec("zdiff", -3, R_MOVABLE, 0, 0, 0),
    spec("zunionstore", -4, W_OOM_MOVABLE, 1, 1, 1),
    spec("zinterstore", -4, W_OOM_MOVABLE, 1, 1, 1),
    spec("zdiffstore", -4, W_OOM_MOVABLE, 1, 1, 1),
    spec("zintercard", -3, R_MOVABLE, 0, 0, 0),
    spec("zrandmember", -2, R, 1, 1, 1),
    spec("zscan", -3, R, 1, 1, 1),
];

/// Redis's zset-max-listpack-entries default: ZSCAN returns smaller zsets whole (in
/// score order) with cursor 0, as Redis does for its listpack encoding.
const SMALL_ZSET: i64 = 128;
/// The longest reply ZRANDMEMBER with a negative count builds (Redis has no limit but
/// memory; we refuse absurd counts instead of exhausting the server).
const MAX_RANDOM_REPLY: i64 = 1 << 24;

/// How the connection runs a command: protocol and whether inside EXEC.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Mode {
    pub resp3: bool,
    pub in_exec: bool,
}

pub async fn execute(ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let db = ctx.db();
    let mode = Mode { resp3: ctx.client.protocol >= 3, in_exec: ctx.in_exec() };
    let keyspace = ctx.shared.keyspace.clone();
    run(&keyspace, ctx.txn, db, mode, args).await
}

/// Runs one sorted set command in `txn` against logical database `db`.
pub(crate) async fn run(ks: &Keyspace, txn: &mut KsTxn, db: usize, mode: Mode, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let Some(spec) = args.first().and_then(|n| super::lookup(n)) else { return Err(super::unknown_command(args)) };
    if spec.family != Family::ZSets {
        return Err(super::unknown_command(args));
    }
    if !spec.arity_ok(args.len()) {
        return Err(RedisError::wrong_arity(spec.name));
    }
    let name = spec.name;
    let a = &args[1..];
    let key = a.first().map(|k| k.as_slice()).unwrap_or_default();
    match name {
        "zadd" => zadd(txn, db, a).await,
        "zincrby" => {
            let by = parse_f64(&a[1])?;
            let flags = AddFlags { incr: true, ..AddFlags::default() };
            let out = add_members(txn, db, key, flags, vec![(by, a[2].clone())]).await?;
            Ok(out.incr_score.map_or(Frame::Null, Frame::Double))
        }
        "zrem" => {
            let Some(mut meta) = zmeta(txn, db, key).await? else { return Ok(Frame::Integer(0)) };
            let mut removed = 0;
            for member in &a[1..] {
                if let Some(old) = txn.sub_delete(meta.version, member).await? {
                    txn.zindex_delete(meta.version, decode_score(&old)?, member).await?;
                    meta.size -= 1;
                    removed += 1;
                }
            }
            if removed > 0 {
                save(txn, db, key, &meta).await?;
            }
            Ok(Frame::Integer(removed))
        }
        "zscore" => {
            let Some(meta) = zmeta(txn, db, key).await? else { return Ok(Frame::Null) };
            Ok(score_of(txn, &meta, &a[1]).await?.map_or(Frame::Null, Frame::Double))
        }
        "zmscore" => {
            let meta = zmeta(txn, db, key).await?;
            let mut out = Vec::with_capacity(a.len() - 1);
            for member in &a[1..] {
                let score = match &meta {
                    Some(m) => score_of(txn, m, member).await?,
                    None => None,
                };
                out.push(score.map_or(Frame::Null, Frame::Double));
            }
            Ok(Frame::Array(out))
        }
        "zcard" => Ok(Frame::Integer(zmeta(txn, db, key).await?.map_or(0, |m| m.size))),
        "zcount" => {
            let range = Range::Score(ScoreRange::parse(&a[1], &a[2])?);
            let Some(meta) = zmeta(txn, db, key).await? else { return Ok(Frame::Integer(0)) };
            Ok(Frame::Integer(range_items(txn, &meta, &range, false, None).await?.len() as i64))
        }
        "zlexcount" => {
            let range = Range::Lex(LexRange::parse(&a[1], &a[2])?);
            let Some(meta) = zmeta(txn, db, key).await? else { return Ok(Frame::Integer(0)) };
            Ok(Frame::Integer(range_items(txn, &meta, &range, false, None).await?.len() as i64))
        }
        "zrange" => zrange(txn, db, mode, a, RangeBy::Auto, Direction::Auto, false).await,
        "zrangestore" => zrange(txn, db, mode, a, RangeBy::Auto, Direction::Auto, true).await,
        "zrangebyscore" => zrange(txn, db, mode, a, RangeBy::Score, Direction::Forward, false).await,
        "zrevrangebyscore" => zrange(txn, db, mode, a, RangeBy::Score, Direction::Reverse, false).await,
        "zrangebylex" => zrange(txn, db, mode, a, RangeBy::Lex, Direction::Forward, false).await,
        "zrevrangebylex" => zrange(txn, db, mode, a, RangeBy::Lex, Direction::Reverse, false).await,
        "zrevrange" => zrange(txn, db, mode, a, RangeBy::Rank, Direction::Reverse, false).await,
        "zrank" | "zrevrank" => {
            let Some(meta) = zmeta(txn, db, key).await? else { return Ok(Frame::Null) };
            let Some(score) = score_of(txn, &meta, &a[1]).await? else { return Ok(Frame::Null) };
            let below = txn
                .zindex_scan(
                    meta.version,
                    Bound::Unbounded,
                    Bound::Excluded((score, Some(a[1].as_slice()))),
                    false,
                    None,
                )
                .await?
                .len() as i64;
            Ok(Frame::Integer(if name == "zrank" { below } else { meta.size - 1 - below }))
        }
        "zpopmin" | "zpopmax" => {
            let count = match a.len() {
                1 => None,
                2 => Some(
                    parse_i64(&a[1])
                        .ok()
                        .filter(|c| *c >= 0)
                        .ok_or_else(|| RedisError::err("value is out of range, must be positive"))?,
                ),
                _ => return Err(RedisError::syntax()),
            };
            let Some(meta) = zmeta(txn, db, key).await? else { return Ok(Frame::Array(vec![])) };
            let popped = pop(txn, db, key, meta, name == "zpopmax", count.unwrap_or(1)).await?;
            Ok(match count {
                None => {
                    Frame::Array(popped.into_iter().flat_map(|(m, s)| [Frame::Bulk(m), Frame::Double(s)]).collect())
                }
                Some(_) => items_reply(popped, true, mode.resp3),
            })
        }
        "zmpop" => zmpop(txn, db, mode, a, None).await,
        "bzmpop" => {
            let timeout = parse_timeout(&a[0])?;
            zmpop(txn, db, mode, &a[1..], Some(timeout)).await
        }
        "bzpopmin" | "bzpopmax" => {
            let (keys, timeout) = a.split_at(a.len() - 1);
            let timeout = parse_timeout(&timeout[0])?;
            for k in keys {
                if let Some(meta) = zmeta(txn, db, k).await? {
                    let popped = pop(txn, db, k, meta, name == "bzpopmax", 1).await?;
                    if let Some((member, score)) = popped.into_iter().next() {
                        return Ok(Frame::Array(vec![
                            Frame::Bulk(k.clone()),
                            Frame::Bulk(member),
                            Frame::Double(score),
                        ]));
                    }
                }
            }
            block(db, mode, keys, timeout)
        }
        "zremrangebyrank" | "zremrangebyscore" | "zremrangebylex" => {
            let range = match name {
                "zremrangebyrank" => Range::Rank(parse_i64(&a[1])?, parse_i64(&a[2])?),
                "zremrangebyscore" => Range::Score(ScoreRange::parse(&a[1], &a[2])?),
                _ => Range::Lex(LexRange::parse(&a[1], &a[2])?),
            };
            let Some(mut meta) = zmeta(txn, db, key).await? else { return Ok(Frame::Integer(0)) };
            let items = range_items(txn, &meta, &range, false, None).await?;
            for (member, score) in &items {
                txn.sub_delete(meta.version, member).await?;
                txn.zindex_delete(meta.version, *score, member).await?;
            }
            meta.size -= items.len() as i64;
            if !items.is_empty() {
                save(txn, db, key, &meta).await?;
            }
            Ok(Frame::Integer(items.len() as i64))
        }
        "zunion" => set_op(txn, db, mode, name, a, SetOp::Union, false, false).await,
        "zinter" => set_op(txn, db, mode, name, a, SetOp::Inter, false, false).await,
        "zdiff" => set_op(txn, db, mode, name, a, SetOp::Diff, false, false).await,
        "zunionstore" => set_op(txn, db, mode, name, a, SetOp::Union, true, false).await,
        "zinterstore" => set_op(txn, db, mode, name, a, SetOp::Inter, true, false).await,
        "zdiffstore" => set_op(txn, db, mode, name, a, SetOp::Diff, true, false).await,
        "zintercard" => set_op(txn, db, mode, name, a, SetOp::Inter, false, true).await,
        "zrandmember" => zrandmember(txn, db, mode, a).await,
        "zscan" => zscan(ks, txn, db, a).await,
        _ => Err(super::unknown_command(args)),
    }
}

// ---- encoding helpers -------------------------------------------------------------

/// -0 and 0 are one score (the index stores one zero).
fn norm(score: f64) -> f64 {
    if score == 0.0 {
        0.0
    } else {
        score
    }
}

/// A member's sub-row value.
pub(crate) fn encode_score(score: f64) -> [u8; 8] {
    norm(score).to_be_bytes()
}

pub(crate) fn decode_score(value: &[u8]) -> RedisResult<f64> {
    let bytes: [u8; 8] = value.try_into().map_err(|_| {
        RedisError::Storage(orbit_storage::StorageError::corruption("redis keyspace: bad zset score".to_string()))
    })?;
    Ok(f64::from_be_bytes(bytes))
}

/// The zset at `key` (WRONGTYPE for other types).
async fn zmeta(txn: &mut KsTxn, db: usize, key: &[u8]) -> RedisResult<Option<Meta>> {
    txn.meta_of(db, key, RedisType::ZSet).await
}

async fn score_of(txn: &mut KsTxn, meta: &Meta, member: &[u8]) -> RedisResult<Option<f64>> {
    match txn.sub_get(meta.version, member).await? {
        Some(v) => Ok(Some(decode_score(&v)?)),
        None => Ok(None),
    }
}

/// Writes one member's score (`old`: its current score, `None` for a new member).
async fn put_member(txn: &mut KsTxn, meta: &mut Meta, member: &[u8], old: Option<f64>, score: f64) -> RedisResult<()> {
    let score = norm(score);
    txn.sub_put(meta.version, member, &encode_score(score)).await?;
    match old {
        Some(o) => txn.zindex_delete(meta.version, o, member).await?,
        None => meta.size += 1,
    }
    txn.zindex_put(meta.version, score, member).await
}

/// Stores the metadata; an emptied zset is deleted.
async fn save(txn: &mut KsTxn, db: usize, key: &[u8], meta: &Meta) -> RedisResult<()> {
    if meta.size <= 0 {
        txn.delete_key(db, key).await?;
        Ok(())
    } else {
        txn.put_meta(db, key, meta).await
    }
}

/// Replaces `key` with a new zset holding `items` (distinct members); deletes it when
/// `items` is empty. Returns the new cardinality.
async fn store(txn: &mut KsTxn, db: usize, key: &[u8], items: &[(Vec<u8>, f64)]) -> RedisResult<i64> {
    if items.is_empty() {
        txn.delete_key(db, key).await?;
        return Ok(0);
    }
    let mut meta = txn.new_meta(RedisType::ZSet);
    for (member, score) in items {
        put_member(txn, &mut meta, member, None, *score).await?;
    }
    txn.put_meta(db, key, &meta).await?;
    Ok(meta.size)
}

/// Members (and scores) as a reply: bare members, or with scores flat (RESP2) or as
/// `[member, score]` pairs (RESP3).
fn items_reply(items: Vec<(Vec<u8>, f64)>, withscores: bool, resp3: bool) -> Frame {
    if !withscores {
        return Frame::Array(items.into_iter().map(|(m, _)| Frame::Bulk(m)).collect());
    }
    if resp3 {
        Frame::Array(items.into_iter().map(|(m, s)| Frame::Array(vec![Frame::Bulk(m), Frame::Double(s)])).collect())
    } else {
        Frame::Array(items.into_iter().flat_map(|(m, s)| [Frame::Bulk(m), Frame::Double(s)]).collect())
    }
}

/// Orders by (score, member bytes), as a zset does.
fn sort_items(items: &mut [(Vec<u8>, f64)]) {
    items.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
}

// ---- ranges -----------------------------------------------------------------------

/// A score interval (Redis's zrangespec).
#[derive(Debug, Clone, Copy)]
struct ScoreRange {
    min: f64,
    minex: bool,
    max: f64,
    maxex: bool,
}

impl ScoreRange {
    /// Redis's zslParseRange: `(` for exclusive, then C `strtod` over the rest.
    fn parse(min: &[u8], max: &[u8]) -> RedisResult<ScoreRange> {
        let err = || RedisError::err("min or max is not a float");
        let (min, minex) = parse_score_bound(min).ok_or_else(err)?;
        let (max, maxex) = parse_score_bound(max).ok_or_else(err)?;
        Ok(ScoreRange { min, minex, max, maxex })
    }

    fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

fn parse_score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    match arg.strip_prefix(b"(") {
        Some(rest) => Some((norm(strtod_whole(rest)?), true)),
        None => Some((norm(strtod_whole(arg)?), false)),
    }
}

/// C's `strtod(s, &end)` with `*end == '\0'` required and NaN refused, as Redis's
/// range parsing does: leading whitespace is skipped, an empty string is 0, overflow
/// is infinity and underflow zero.
fn strtod_whole(s: &[u8]) -> Option<f64> {
    if s.is_empty() {
        return Some(0.0);
    }
    let start = s.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let body = &s[start..];
    let (negative, rest) = match body.first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    let value = if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        f64::INFINITY
    } else if rest.len() > 2 && rest[..2].eq_ignore_ascii_case(b"0x") {
        parse_f64(rest).ok()?
    } else {
        let mut i = 0;
        let mut digits = 0;
        while i < rest.len() && rest[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
        if i < rest.len() && rest[i] == b'.' {
            i += 1;
            while i < rest.len() && rest[i].is_ascii_digit() {
                i += 1;
                digits += 1;
            }
        }
        if digits == 0 {
            return None;
        }
        if i < rest.len() && (rest[i] == b'e' || rest[i] == b'E') {
            i += 1;
            if i < rest.len() && (rest[i] == b'+' || rest[i] == b'-') {
                i += 1;
            }
            let exp_start = i;
            while i < rest.len() && rest[i].is_ascii_digit() {
                i += 1;
            }
            if i == exp_start {
                return None;
            }
        }
        if i != rest.len() {
            return None;
        }
        std::str::from_utf8(rest).ok()?.parse::<f64>().ok()?
    };
    if value.is_nan() {
        return None;
    }
    Some(if negative { -value } else { value })
}

/// One end of a lex range.
#[derive(Debug, Clone, PartialEq)]
enum LexItem {
    /// `-`
    Min,
    /// `+`
    Max,
    /// `[member`
    Incl(Vec<u8>),
    /// `(member`
    Excl(Vec<u8>),
}

#[derive(Debug, Clone)]
struct LexRange {
    min: LexItem,
    max: LexItem,
}

impl LexRange {
    /// Redis's zslParseLexRange.
    fn parse(min: &[u8], max: &[u8]) -> RedisResult<LexRange> {
        let item = |a: &[u8]| match a.first() {
            Some(b'+') if a.len() == 1 => Some(LexItem::Max),
            Some(b'-') if a.len() == 1 => Some(LexItem::Min),
            Some(b'[') => Some(LexItem::Incl(a[1..].to_vec())),
            Some(b'(') => Some(LexItem::Excl(a[1..].to_vec())),
            _ => None,
        };
        let err = || RedisError::err("min or max not valid string range item");
        Ok(LexRange { min: item(min).ok_or_else(err)?, max: item(max).ok_or_else(err)? })
    }

    fn is_empty(&self) -> bool {
        match (&self.min, &self.max) {
            (LexItem::Max, _) | (_, LexItem::Min) => true,
            (LexItem::Min, _) | (_, LexItem::Max) => false,
            (LexItem::Incl(a) | LexItem::Excl(a), LexItem::Incl(b) | LexItem::Excl(b)) => match a.cmp(b) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Equal => {
                    matches!(self.min, LexItem::Excl(_)) || matches!(self.max, LexItem::Excl(_))
                }
                std::cmp::Ordering::Less => false,
            },
        }
    }

    fn bound(item: &LexItem) -> Bound<&[u8]> {
        match item {
            LexItem::Incl(m) => Bound::Included(m),
            LexItem::Excl(m) => Bound::Excluded(m),
            LexItem::Min | LexItem::Max => Bound::Unbounded,
        }
    }
}

#[derive(Debug, Clone)]
enum Range {
    /// start, end (inclusive, negative from the end).
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// The members of `meta` in `range`, in score order (reverse when `rev`; for ranks,
/// ranks counted from the top), after LIMIT `(offset, count)` (count < 0: all).
async fn range_items(
    txn: &mut KsTxn,
    meta: &Meta,
    range: &Range,
    rev: bool,
    limit: Option<(i64, i64)>,
) -> RedisResult<Vec<(Vec<u8>, f64)>> {
    let (offset, take) = match limit {
        None => (0usize, None),
        Some((offset, count)) => {
            if offset < 0 || count == 0 || offset >= meta.size {
                return Ok(Vec::new());
            }
            let offset = offset as usize;
            let take = usize::try_from(count).ok().map(|c| offset.saturating_add(c));
            (offset, take)
        }
    };
    match range {
        Range::Rank(start, end) => {
            let n = meta.size;
            let (mut start, mut end) = (*start, *end);
            if start < 0 {
                start = start.saturating_add(n);
            }
            if end < 0 {
                end = end.saturating_add(n);
            }
            start = start.max(0);
            if start > end || start >= n {
                return Ok(Vec::new());
            }
            end = end.min(n - 1);
            let rows =
                txn.zindex_scan(meta.version, Bound::Unbounded, Bound::Unbounded, rev, Some(end as usize + 1)).await?;
            Ok(rows.into_iter().skip(start as usize).map(|(s, m)| (m, s)).collect())
        }
        Range::Score(r) => {
            if r.is_empty() {
                return Ok(Vec::new());
            }
            let lower = if r.minex { Bound::Excluded((r.min, None)) } else { Bound::Included((r.min, None)) };
            let upper = if r.maxex { Bound::Excluded((r.max, None)) } else { Bound::Included((r.max, None)) };
            let rows = txn.zindex_scan(meta.version, lower, upper, rev, take).await?;
            Ok(rows.into_iter().skip(offset).map(|(s, m)| (m, s)).collect())
        }
        Range::Lex(r) => {
            if r.is_empty() {
                return Ok(Vec::new());
            }
            let rows = txn.sub_scan(meta.version, LexRange::bound(&r.min), LexRange::bound(&r.max), rev, take).await?;
            rows.into_iter().skip(offset).map(|(m, v)| Ok((m, decode_score(&v)?))).collect()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RangeBy {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// Redis's zrangeGenericCommand: ZRANGE, ZRANGESTORE and the legacy range commands.
/// `a` starts at the key (ZRANGESTORE: at the destination).
async fn zrange(
    txn: &mut KsTxn,
    db: usize,
    mode: Mode,
    a: &[Vec<u8>],
    mut by: RangeBy,
    mut dir: Direction,
    store: bool,
) -> RedisResult<Frame> {
    let (dst, a) = if store { (Some(a[0].as_slice()), &a[1..]) } else { (None, a) };
    let key = a[0].as_slice();
    let (mut withscores, mut limit) = (false, None);
    let mut j = 3;
    while j < a.len() {
        let left = a.len() - j - 1;
        let opt = &a[j];
        if !store && is(opt, "WITHSCORES") {
            withscores = true;
        } else if is(opt, "LIMIT") && left >= 2 {
            limit = Some((parse_i64(&a[j + 1])?, parse_i64(&a[j + 2])?));
            j += 2;
        } else if dir == Direction::Auto && is(opt, "REV") {
            dir = Direction::Reverse;
        } else if by == RangeBy::Auto && is(opt, "BYLEX") {
            by = RangeBy::Lex;
        } else if by == RangeBy::Auto && is(opt, "BYSCORE") {
            by = RangeBy::Score;
        } else {
            return Err(RedisError::syntax());
        }
        j += 1;
    }
    let rev = dir == Direction::Reverse;
    if by == RangeBy::Auto {
        by = RangeBy::Rank;
    }
    if limit.is_some() && by == RangeBy::Rank {
        return Err(RedisError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && by == RangeBy::Lex {
        return Err(RedisError::err("syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    let (min, max) = if rev && by != RangeBy::Rank { (&a[2], &a[1]) } else { (&a[1], &a[2]) };
    let range = match by {
        RangeBy::Score => Range::Score(ScoreRange::parse(min, max)?),
        RangeBy::Lex => Range::Lex(LexRange::parse(min, max)?),
        _ => Range::Rank(parse_i64(min)?, parse_i64(max)?),
    };
    let items = match zmeta(txn, db, key).await? {
        Some(meta) => range_items(txn, &meta, &range, rev, limit).await?,
        None => Vec::new(),
    };
    match dst {
        Some(dst) => Ok(Frame::Integer(store_items(txn, db, dst, items).await?)),
        None => Ok(items_reply(items, withscores, mode.resp3)),
    }
}

async fn store_items(txn: &mut KsTxn, db: usize, dst: &[u8], items: Vec<(Vec<u8>, f64)>) -> RedisResult<i64> {
    store(txn, db, dst, &items).await
}

// ---- ZADD -------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

#[derive(Debug, Default)]
struct AddOutcome {
    added: i64,
    updated: i64,
    /// INCR: the member's new score; `None` when the update was refused (NX/XX/GT/LT).
    incr_score: Option<f64>,
}

async fn zadd(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let key = a[0].as_slice();
    let mut flags = AddFlags::default();
    let mut i = 1;
    while i < a.len() {
        let opt = &a[i];
        if is(opt, "NX") {
            flags.nx = true;
        } else if is(opt, "XX") {
            flags.xx = true;
        } else if is(opt, "GT") {
            flags.gt = true;
        } else if is(opt, "LT") {
            flags.lt = true;
        } else if is(opt, "CH") {
            flags.ch = true;
        } else if is(opt, "INCR") {
            flags.incr = true;
        } else {
            break;
        }
        i += 1;
    }
    let elements = &a[i..];
    if elements.is_empty() || !elements.len().is_multiple_of(2) {
        return Err(RedisError::syntax());
    }
    if flags.nx && flags.xx {
        return Err(RedisError::err("XX and NX options at the same time are not compatible"));
    }
    if ((flags.gt || flags.lt) && flags.nx) || (flags.gt && flags.lt) {
        return Err(RedisError::err("GT, LT, and/or NX options at the same time are not compatible"));
    }
    if flags.incr && elements.len() > 2 {
        return Err(RedisError::err("INCR option supports a single increment-element pair"));
    }
    let mut pairs = Vec::with_capacity(elements.len() / 2);
    for pair in elements.chunks(2) {
        pairs.push((parse_f64(&pair[0])?, pair[1].clone()));
    }
    let out = add_members(txn, db, key, flags, pairs).await?;
    if flags.incr {
        return Ok(out.incr_score.map_or(Frame::Null, Frame::Double));
    }
    Ok(Frame::Integer(if flags.ch { out.added + out.updated } else { out.added }))
}

/// Redis's zsetAdd over each (score, member): reads and writes only those members.
async fn add_members(
    txn: &mut KsTxn,
    db: usize,
    key: &[u8],
    flags: AddFlags,
    pairs: Vec<(f64, Vec<u8>)>,
) -> RedisResult<AddOutcome> {
    let mut out = AddOutcome::default();
    let existing = zmeta(txn, db, key).await?;
    if existing.is_none() && flags.xx {
        return Ok(out);
    }
    let mut meta = match existing {
        Some(m) => m,
        None => txn.new_meta(RedisType::ZSet),
    };
    let mut changed = false;
    for (score, member) in pairs {
        let current = score_of(txn, &meta, &member).await?;
        match current {
            Some(cur) => {
                if flags.nx {
                    continue;
                }
                let new = if flags.incr {
                    let sum = cur + score;
                    if sum.is_nan() {
                        return Err(RedisError::err("resulting score is not a number (NaN)"));
                    }
                    sum
                } else {
                    score
                };
                if (flags.gt && new <= cur) || (flags.lt && new >= cur) {
                    continue;
                }
                out.incr_score = Some(norm(new));
                if norm(new) != cur {
                    put_member(txn, &mut meta, &member, Some(cur), new).await?;
                    out.updated += 1;
                    changed = true;
                }
            }
            None => {
                if flags.xx {
                    continue;
                }
                put_member(txn, &mut meta, &member, None, score).await?;
                out.incr_score = Some(norm(score));
                out.added += 1;
                changed = true;
            }
        }
    }
    if changed {
        txn.put_meta(db, key, &meta).await?;
    }
    Ok(out)
}

// ---- pops -------------------------------------------------------------------------

/// Removes and returns up to `count` lowest (highest when `max`) members of the zset.
async fn pop(
    txn: &mut KsTxn,
    db: usize,
    key: &[u8],
    mut meta: Meta,
    max: bool,
    count: i64,
) -> RedisResult<Vec<(Vec<u8>, f64)>> {
    let limit = count.clamp(0, meta.size.max(0));
    if limit == 0 {
        return Ok(Vec::new());
    }
    let rows = txn.zindex_scan(meta.version, Bound::Unbounded, Bound::Unbounded, max, Some(limit as usize)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (score, member) in rows {
        txn.sub_delete(meta.version, &member).await?;
        txn.zindex_delete(meta.version, score, &member).await?;
        meta.size -= 1;
        out.push((member, score));
    }
    save(txn, db, key, &meta).await?;
    Ok(out)
}

/// Nothing to pop: block (the connection waits and re-runs) or, inside EXEC, answer
/// as timed out.
fn block(db: usize, mode: Mode, keys: &[Vec<u8>], timeout: Option<Duration>) -> RedisResult<Frame> {
    if mode.in_exec {
        return Ok(Frame::NullArray);
    }
    Err(RedisError::Block { db, keys: keys.to_vec(), timeout })
}

/// Redis's getTimeoutFromObjectOrReply in seconds: a long double, truncated to whole
/// milliseconds; `None` (0) waits forever.
fn parse_timeout(arg: &[u8]) -> RedisResult<Option<Duration>> {
    let negative = || RedisError::err("timeout is negative");
    match LongDouble::parse(arg) {
        Err(_) => return Err(RedisError::err("timeout is not a float or out of range")),
        // An infinity: C's (long long) cast of it is LLONG_MIN.
        Ok(None) => return Err(negative()),
        Ok(Some(_)) => {}
    }
    // A valid long double: read it as f64 (overflow is infinity, underflow zero).
    let seconds = parse_f64(arg)
        .ok()
        .or_else(|| std::str::from_utf8(arg).ok().and_then(|s| s.parse::<f64>().ok()))
        .unwrap_or(f64::INFINITY);
    let ms = (seconds * 1000.0).trunc();
    // C's (long long) cast of an out-of-range value gives LLONG_MIN: negative.
    // NaN cannot occur; 2^63 ms or more (or any negative) is LLONG_MIN or below zero.
    if !(0.0..9_223_372_036_854_775_808f64).contains(&ms) {
        return Err(negative());
    }
    let ms = ms as u64;
    Ok(if ms == 0 { None } else { Some(Duration::from_millis(ms)) })
}

/// ZMPOP / BZMPOP (`a` starts at numkeys; `timeout` set for BZMPOP).
async fn zmpop(
    txn: &mut KsTxn,
    db: usize,
    mode: Mode,
    a: &[Vec<u8>],
    timeout: Option<Option<Duration>>,
) -> RedisResult<Frame> {
    let numkeys =
        parse_i64(&a[0]).ok().filter(|n| *n >= 1).ok_or_else(|| RedisError::err("numkeys should be greater than 0"))?;
    let where_idx = usize::try_from(numkeys).ok().and_then(|n| n.checked_add(1)).filter(|w| *w < a.len());
    let Some(where_idx) = where_idx else { return Err(RedisError::syntax()) };
    let max = if is(&a[where_idx], "MIN") {
        false
    } else if is(&a[where_idx], "MAX") {
        true
    } else {
        return Err(RedisError::syntax());
    };
    let mut count = None;
    let mut j = where_idx + 1;
    while j < a.len() {
        if count.is_none() && is(&a[j], "COUNT") && j + 1 < a.len() {
            count = Some(
                parse_i64(&a[j + 1])
                    .ok()
                    .filter(|c| *c >= 1)
                    .ok_or_else(|| RedisError::err("count should be greater than 0"))?,
            );
            j += 2;
        } else {
            return Err(RedisError::syntax());
        }
    }
    let count = count.unwrap_or(1);
    let keys = &a[1..where_idx];
    for k in keys {
        if let Some(meta) = zmeta(txn, db, k).await? {
            let popped = pop(txn, db, k, meta, max, count).await?;
            if !popped.is_empty() {
                return Ok(Frame::Array(vec![Frame::Bulk(k.clone()), items_reply(popped, true, true)]));
            }
        }
    }
    match timeout {
        Some(timeout) => block(db, mode, keys, timeout),
        None => Ok(Frame::NullArray),
    }
}

// ---- ZUNION / ZINTER / ZDIFF ------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(agg: Aggregate, target: &mut f64, value: f64) {
    match agg {
        Aggregate::Sum => {
            *target += value;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if value < *target {
                *target = value;
            }
        }
        Aggregate::Max => {
            if value > *target {
                *target = value;
            }
        }
    }
}

/// `weight * score`, with Redis's NaN (0 * inf) as 0.
fn weighted(weight: f64, score: f64) -> f64 {
    let v = weight * score;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

/// One input of a set operation: a zset, a plain set (every score 1) or missing.
struct Source {
    meta: Option<Meta>,
    weight: f64,
}

impl Source {
    fn size(&self) -> i64 {
        self.meta.as_ref().map_or(0, |m| m.size)
    }

    async fn members(&self, txn: &mut KsTxn) -> RedisResult<Vec<(Vec<u8>, f64)>> {
        let Some(meta) = &self.meta else { return Ok(Vec::new()) };
        let rows = txn.sub_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, None).await?;
        if meta.kind == RedisType::ZSet {
            rows.into_iter().map(|(m, v)| Ok((m, decode_score(&v)?))).collect()
        } else {
            Ok(rows.into_iter().map(|(m, _)| (m, 1.0)).collect())
        }
    }

    async fn score(&self, txn: &mut KsTxn, member: &[u8]) -> RedisResult<Option<f64>> {
        let Some(meta) = &self.meta else { return Ok(None) };
        match txn.sub_get(meta.version, member).await? {
            Some(v) if meta.kind == RedisType::ZSet => Ok(Some(decode_score(&v)?)),
            Some(_) => Ok(Some(1.0)),
            None => Ok(None),
        }
    }
}

/// Redis's zunionInterDiffGenericCommand. `a` starts at numkeys (store variants: at
/// the destination).
#[allow(clippy::too_many_arguments)]
async fn set_op(
    txn: &mut KsTxn,
    db: usize,
    mode: Mode,
    name: &str,
    a: &[Vec<u8>],
    op: SetOp,
    to_key: bool,
    cardinality_only: bool,
) -> RedisResult<Frame> {
    let (dst, a) = if to_key { (Some(a[0].as_slice()), &a[1..]) } else { (None, a) };
    let numkeys = parse_i64(&a[0])?;
    if numkeys < 1 {
        return Err(RedisError::err(format!("at least 1 input key is needed for '{name}' command")));
    }
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > a.len() - 1 {
        return Err(RedisError::syntax());
    }
    let mut sources = Vec::with_capacity(numkeys);
    for k in &a[1..=numkeys] {
        let meta = txn.meta(db, k).await?;
        if meta.as_ref().is_some_and(|m| m.kind != RedisType::ZSet && m.kind != RedisType::Set) {
            return Err(RedisError::wrong_type());
        }
        sources.push(Source { meta, weight: 1.0 });
    }
    let (mut agg, mut withscores, mut limit) = (Aggregate::Sum, false, 0i64);
    let mut j = numkeys + 1;
    while j < a.len() {
        let remaining = a.len() - j;
        let opt = &a[j];
        let scored = op != SetOp::Diff && !cardinality_only;
        if scored && remaining > numkeys && is(opt, "WEIGHTS") {
            for (i, src) in sources.iter_mut().enumerate() {
                src.weight = parse_f64(&a[j + 1 + i]).map_err(|_| RedisError::err("weight value is not a float"))?;
            }
            j += 1 + numkeys;
        } else if scored && remaining >= 2 && is(opt, "AGGREGATE") {
            let v = &a[j + 1];
            agg = if is(v, "SUM") {
                Aggregate::Sum
            } else if is(v, "MIN") {
                Aggregate::Min
            } else if is(v, "MAX") {
                Aggregate::Max
            } else {
                return Err(RedisError::syntax());
            };
            j += 2;
        } else if dst.is_none() && !cardinality_only && is(opt, "WITHSCORES") {
            withscores = true;
            j += 1;
        } else if cardinality_only && remaining >= 2 && is(opt, "LIMIT") {
            limit = parse_i64(&a[j + 1])
                .ok()
                .filter(|l| *l >= 0)
                .ok_or_else(|| RedisError::err("LIMIT can't be negative"))?;
            j += 2;
        } else {
            return Err(RedisError::syntax());
        }
    }
    if op != SetOp::Diff {
        // Smallest first, as Redis does (fewer lookups for ZINTER).
        sources.sort_by_key(Source::size);
    }
    let mut items: Vec<(Vec<u8>, f64)> = Vec::new();
    match op {
        SetOp::Inter => {
            if sources.iter().all(|s| s.size() > 0) {
                let first = sources[0].members(txn).await?;
                'members: for (member, score) in first {
                    let mut total = weighted(sources[0].weight, score);
                    for src in &sources[1..] {
                        match src.score(txn, &member).await? {
                            Some(s) => aggregate(agg, &mut total, weighted(src.weight, s)),
                            None => continue 'members,
                        }
                    }
                    items.push((member, norm(total)));
                    if cardinality_only && limit > 0 && items.len() as i64 >= limit {
                        break;
                    }
                }
            }
        }
        SetOp::Union => {
            let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
            for src in &sources {
                for (member, score) in src.members(txn).await? {
                    let v = weighted(src.weight, score);
                    match index.get(&member) {
                        Some(&i) => aggregate(agg, &mut items[i].1, v),
                        None => {
                            index.insert(member.clone(), items.len());
                            items.push((member, v));
                        }
                    }
                }
            }
            for item in &mut items {
                item.1 = norm(item.1);
            }
        }
        SetOp::Diff => {
            'base: for (member, score) in sources[0].members(txn).await? {
                for src in &sources[1..] {
                    if src.score(txn, &member).await?.is_some() {
                        continue 'base;
                    }
                }
                items.push((member, score));
            }
        }
    }
    if cardinality_only {
        return Ok(Frame::Integer(items.len() as i64));
    }
    sort_items(&mut items);
    match dst {
        Some(dst) => Ok(Frame::Integer(store(txn, db, dst, &items).await?)),
        None => Ok(items_reply(items, withscores, mode.resp3)),
    }
}

// ---- ZRANDMEMBER / ZSCAN ----------------------------------------------------------

async fn zrandmember(txn: &mut KsTxn, db: usize, mode: Mode, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let key = a[0].as_slice();
    let mut rng = Rng::seeded();
    if a.len() == 1 {
        let Some(meta) = zmeta(txn, db, key).await? else { return Ok(Frame::Null) };
        let pick = rng.below(usize::try_from(meta.size).unwrap_or(0));
        let rows = txn.zindex_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, Some(pick + 1)).await?;
        return Ok(Frame::bulk_or_null(rows.into_iter().last().map(|(_, m)| m)));
    }
    let count = parse_i64(&a[1])?;
    if count == i64::MIN {
        return Err(RedisError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let withscores = match a.get(2) {
        None => false,
        Some(opt) if a.len() == 3 && is(opt, "WITHSCORES") => true,
        Some(_) => return Err(RedisError::syntax()),
    };
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(RedisError::err("value is out of range"));
    }
    let Some(meta) = zmeta(txn, db, key).await? else { return Ok(Frame::Array(vec![])) };
    if count == 0 {
        return Ok(Frame::Array(vec![]));
    }
    let mut all = txn.zindex_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, None).await?;
    let picked: Vec<(Vec<u8>, f64)> = if count < 0 {
        if count < -MAX_RANDOM_REPLY {
            return Err(RedisError::err("value is out of range"));
        }
        (0..count.unsigned_abs()).filter_map(|_| all.get(rng.below(all.len())).map(|(s, m)| (m.clone(), *s))).collect()
    } else {
        // Distinct members: a partial Fisher-Yates shuffle.
        let want = usize::try_from(count).unwrap_or(usize::MAX).min(all.len());
        for i in 0..want {
            let j = i + rng.below(all.len() - i);
            all.swap(i, j);
        }
        all.truncate(want);
        all.into_iter().map(|(s, m)| (m, s)).collect()
    };
    Ok(items_reply(picked, withscores, mode.resp3))
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]. Zsets of up to 128 members come
/// back whole in score order (like Redis's listpack encoding); larger ones page in
/// member order, the cursor remembering the last member returned, so a member present
/// for the whole scan is returned exactly once.
async fn zscan(ks: &Keyspace, txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let key = a[0].as_slice();
    let cursor = super::args::parse_scan_cursor(&a[1])?;
    let empty = || Frame::Array(vec![Frame::bulk("0"), Frame::Array(vec![])]);
    let Some(meta) = zmeta(txn, db, key).await? else { return Ok(empty()) };
    let options = super::args::parse_scan_options(&a[2..], false)?;
    let count = options.count;
    let (items, next) = if meta.size <= SMALL_ZSET {
        let rows = txn.zindex_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, None).await?;
        (rows.into_iter().map(|(s, m)| (m, s)).collect::<Vec<_>>(), 0)
    } else {
        let after = if cursor == 0 { None } else { ks.load_cursor(cursor) };
        let lower = after.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        let rows = txn.sub_scan(meta.version, lower, Bound::Unbounded, false, Some(count)).await?;
        let next = match rows.last() {
            Some((last, _)) if rows.len() == count => ks.save_cursor(last.clone()),
            _ => 0,
        };
        let items = rows.into_iter().map(|(m, v)| Ok((m, decode_score(&v)?))).collect::<RedisResult<Vec<_>>>()?;
        (items, next)
    };
    let mut out = Vec::new();
    for (member, score) in items {
        if options.matches(&member) {
            out.push(Frame::Bulk(member));
            out.push(Frame::bulk(super::args::format_double_reply(score)));
        }
    }
    Ok(Frame::Array(vec![Frame::bulk(next.to_string()), Frame::Array(out)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::lookup;
    use crate::keyspace::tests::memory_keyspace;
    use crate::resp::encode::to_bytes;
    use std::sync::Arc;

    use crate::commands::keys::tests::{words, XorShift};

    /// Runs one command line in its own committed transaction and renders the reply as
    /// it goes on the wire (CRLF as spaces), errors prefixed with '-'. `sadd` builds a
    /// plain set directly (the sets family is not needed here).
    async fn exec_mode(ks: &Arc<Keyspace>, db: usize, mode: Mode, line: &str) -> String {
        let args = words(line);
        let mut tx = ks.begin().await.expect("begin");
        if args[0] == b"sadd" {
            let mut meta = tx.new_meta(RedisType::Set);
            for m in &args[2..] {
                tx.sub_put(meta.version, m, b"").await.expect("sub_put");
                meta.size += 1;
            }
            tx.put_meta(db, &args[1], &meta).await.expect("put_meta");
            tx.commit().await.expect("commit");
            return format!(":{}", meta.size);
        }
        let Some(spec) = lookup(&args[0]) else { return "-unknown".into() };
        if !spec.arity_ok(args.len()) {
            return format!("-{}", RedisError::wrong_arity(spec.name).reply_line());
        }
        let result = match spec.family {
            Family::ZSets => run(ks, &mut tx, db, mode, &args).await,
            Family::Keys => crate::commands::keys::run(ks, &mut tx, db, &args).await,
            Family::Strings => crate::commands::strings::run(&mut tx, db, &args).await,
            _ => panic!("unexpected family: {line}"),
        };
        match result {
            Ok(frame) => {
                tx.commit().await.expect("commit");
                let bytes = to_bytes(&frame, if mode.resp3 { 3 } else { 2 });
                String::from_utf8_lossy(&bytes).replace("\r\n", " ").trim_end().to_string()
            }
            Err(RedisError::Block { db, keys, timeout }) => {
                let keys: Vec<String> = keys.iter().map(|k| String::from_utf8_lossy(k).into_owned()).collect();
                format!("BLOCK db={db} keys={} timeout={timeout:?}", keys.join(","))
            }
            Err(e) => format!("-{}", e.reply_line()),
        }
    }

    async fn exec(ks: &Arc<Keyspace>, line: &str) -> String {
        exec_mode(ks, 0, Mode::default(), line).await
    }

    async fn script(mode: Mode, steps: &[(&str, &str)]) -> Arc<Keyspace> {
        let ks = memory_keyspace().await;
        for (line, want) in steps {
            assert_eq!(exec_mode(&ks, 0, mode, line).await, *want, "{line}");
        }
        ks
    }

    const RESP2: Mode = Mode { resp3: false, in_exec: false };
    const RESP3: Mode = Mode { resp3: true, in_exec: false };

    // Every expected reply below is redis-server 7.0.15's answer to the same command
    // sequence (RESP2 unless said otherwise), byte for byte with CRLF shown as spaces.

    #[tokio::test]
    async fn zadd_flags_scores_and_wrongtype() {
        script(
            RESP2,
            &[
            ("zadd z xx nx 1 a", "-ERR XX and NX options at the same time are not compatible"),
            ("zadd z gt lt 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible"),
            ("zadd z gt nx 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible"),
            ("zadd z incr 1 a 2 b", "-ERR INCR option supports a single increment-element pair"),
            ("zadd z 1 a 2", "-ERR syntax error"),
            ("zadd z foo 1 a", "-ERR syntax error"),
            ("zadd z abc a", "-ERR value is not a valid float"),
            ("zadd z nan a", "-ERR value is not a valid float"),
            ("zadd z 1e400 a", "-ERR value is not a valid float"),
            ("zadd z xx 1 a", ":0"),
            ("exists z", ":0"),
            ("zadd z xx incr 1 a", "$-1"),
            ("zadd z incr inf a", "$3 inf"),
            ("zadd z incr -inf a", "-ERR resulting score is not a number (NaN)"),
            ("del z", ":1"),
            ("zadd z 1 a 1 b 1 c 2 aa", ":4"),
            ("zadd z ch gt 0 a 3 b 5 new", ":2"),
            ("zadd z xx 10 nonexist", ":0"),
            ("zadd z xx incr 1 nonexist", "$-1"),
            ("zadd z nx 2 a", ":0"),
            ("zadd z nx 2 a 7 fresh", ":1"),
            ("zadd z lt ch 0 a 1 c", ":1"),
            ("zadd z gt incr -1 c", "$-1"),
            ("zadd z lt incr -1 c", "$1 0"),
            ("zadd z nx incr 1 c", "$-1"),
            ("zadd z ch 0 a 0 c", ":0"),
            ("zadd z ch INCR 0 a", "$1 0"),
            ("zadd z CH XX 9 a 9 zz", ":1"),
            ("zrange z 0 -1 withscores", "*12 $1 c $1 0 $2 aa $1 2 $1 b $1 3 $3 new $1 5 $5 fresh $1 7 $1 a $1 9"),
            ("zincrby z abc a", "-ERR value is not a valid float"),
            ("zincrby z 1 x", "$1 1"),
            ("zincrby nz 1 x", "$1 1"),
            ("zincrby z inf x", "$3 inf"),
            ("zincrby z -inf x", "-ERR resulting score is not a number (NaN)"),
            ("zadd z -0 m0 -0.0 m1 0x10 hex +.5 half", ":4"),
            ("zrange z -inf +inf byscore withscores", "*22 $1 c $1 0 $2 m0 $1 0 $2 m1 $1 0 $4 half $3 0.5 $2 aa $1 2 $1 b $1 3 $3 new $1 5 $5 fresh $1 7 $1 a $1 9 $3 hex $2 16 $1 x $3 inf"),
            ("zadd z 1.1 r 0.1 t 1e20 u 1e-7 v 3.0e3 w", ":5"),
            ("zscore z r", "$18 1.1000000000000001"),
            ("zscore z v", "$22 9.9999999999999995e-08"),
            ("zscore z nope", "$-1"),
            ("zmscore z r nope u", "*3 $18 1.1000000000000001 $-1 $5 1e+20"),
            ("zmscore nokey a b", "*2 $-1 $-1"),
            ("zscore nokey a", "$-1"),
            ("zcard z", ":16"),
            ("zcard nokey", ":0"),
            ("zrem z a nope x", ":2"),
            ("zrem nokey a", ":0"),
            ("set s 1", "+OK"),
            ("zadd s 1 a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zincrby s 1 a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zscore s a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zmscore s a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zcard s", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zrem s a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zrange s 0 -1", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zcount s 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zrank s a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zpopmin s", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zrandmember s", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zscan s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zremrangebyrank s 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zunion 1 s", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ("zrangestore d s 0 -1", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn ranges_ranks_and_removals() {
        script(
            RESP2,
            &[
            ("zadd z 1 b 1 a 1 c 0 zero -1 neg 2 d 2 e -inf ninf inf pinf", ":9"),
            ("zrange z 0 -1 withscores", "*18 $4 ninf $4 -inf $3 neg $2 -1 $4 zero $1 0 $1 a $1 1 $1 b $1 1 $1 c $1 1 $1 d $1 2 $1 e $1 2 $4 pinf $3 inf"),
            ("zrange z 0 -1 rev withscores", "*18 $4 pinf $3 inf $1 e $1 2 $1 d $1 2 $1 c $1 1 $1 b $1 1 $1 a $1 1 $4 zero $1 0 $3 neg $2 -1 $4 ninf $4 -inf"),
            ("zrange z (1 2 byscore withscores", "*4 $1 d $1 2 $1 e $1 2"),
            ("zrange z 1 (2 byscore", "*3 $1 a $1 b $1 c"),
            ("zrange z (1 (2 byscore", "*0"),
            ("zrange z (1 (1 byscore", "*0"),
            ("zrange z 1 1 byscore", "*3 $1 a $1 b $1 c"),
            ("zrange z -inf +inf byscore limit 2 3", "*3 $4 zero $1 a $1 b"),
            ("zrange z +inf -inf byscore rev limit 2 3 withscores", "*6 $1 d $1 2 $1 c $1 1 $1 b $1 1"),
            ("zrange z (2 (-1 byscore rev", "*4 $1 c $1 b $1 a $4 zero"),
            ("zrange z 2 -1 byscore rev limit 1 -1", "*6 $1 d $1 c $1 b $1 a $4 zero $3 neg"),
            ("zrange z 1 5 byscore limit -1 2", "*0"),
            ("zrange z 1 5 byscore limit 1 0", "*0"),
            ("zrange z 1 5 byscore limit 100 1", "*0"),
            ("zrange z -0 0 byscore withscores", "*2 $4 zero $1 0"),
            ("zrange z 0 -0 byscore", "*1 $4 zero"),
            ("zrangebyscore z (0 +inf withscores limit 1 2", "*4 $1 b $1 1 $1 c $1 1"),
            ("zrangebyscore z \" 1\" \"(2\"", "*3 $1 a $1 b $1 c"),
            ("zrangebyscore z ( (1", "*0"),
            ("zrangebyscore z \"\" 0", "*1 $4 zero"),
            ("zrangebyscore z 1e400 inf", "*1 $4 pinf"),
            ("zrangebyscore z -1e400 -1e400", "*1 $4 ninf"),
            ("zrangebyscore z 0x1 0x2", "*5 $1 a $1 b $1 c $1 d $1 e"),
            ("zrangebyscore z abc 1", "-ERR min or max is not a float"),
            ("zrangebyscore z 1 \"1 \"", "-ERR min or max is not a float"),
            ("zrangebyscore z nan 1", "-ERR min or max is not a float"),
            ("zrangebyscore z 1 2 rev", "-ERR syntax error"),
            ("zrevrangebyscore z 2 1 withscores", "*10 $1 e $1 2 $1 d $1 2 $1 c $1 1 $1 b $1 1 $1 a $1 1"),
            ("zrevrangebyscore z 2 1 limit 1 1", "*1 $1 d"),
            ("zrevrangebyscore z 1 2", "*0"),
            ("zrange z 0 -1 limit 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"),
            ("zrange z - + bylex withscores", "-ERR syntax error, WITHSCORES not supported in combination with BYLEX"),
            ("zrange z 0 -1 foo", "-ERR syntax error"),
            ("zrange z 0 -1 rev rev", "-ERR syntax error"),
            ("zrange z 0 -1 withscores withscores", "*18 $4 ninf $4 -inf $3 neg $2 -1 $4 zero $1 0 $1 a $1 1 $1 b $1 1 $1 c $1 1 $1 d $1 2 $1 e $1 2 $4 pinf $3 inf"),
            ("zrange z 0 -1 byscore bylex", "-ERR syntax error"),
            ("zrange z 1 5 byscore limit 1", "-ERR syntax error"),
            ("zrange z 1 5 byscore limit abc 1", "-ERR value is not an integer or out of range"),
            ("zrange z abc 1", "-ERR value is not an integer or out of range"),
            ("zrange z -100 100", "*9 $4 ninf $3 neg $4 zero $1 a $1 b $1 c $1 d $1 e $4 pinf"),
            ("zrange z 3 1", "*0"),
            ("zrange z -2 -1 rev", "*2 $3 neg $4 ninf"),
            ("zrange z 7 100", "*2 $1 e $4 pinf"),
            ("zrange z 0 0", "*1 $4 ninf"),
            ("zrevrange z 0 1 withscores", "*4 $4 pinf $3 inf $1 e $1 2"),
            ("zrevrange z 0 1 limit 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"),
            ("zrank z a", ":3"),
            ("zrank z ninf", ":0"),
            ("zrank z pinf", ":8"),
            ("zrevrank z a", ":5"),
            ("zrevrank z pinf", ":0"),
            ("zrank z nope", "$-1"),
            ("zrank nokey a", "$-1"),
            ("zcount z -inf +inf", ":9"),
            ("zcount z (1 2", ":2"),
            ("zcount z abc 2", "-ERR min or max is not a float"),
            ("zcount z ( 5", ":5"),
            ("zcount z 5 1", ":0"),
            ("zcount nokey 0 1", ":0"),
            ("del z", ":1"),
            ("zadd z 0 a 0 b 0 c 0 d 0 e 0 f 0 g", ":7"),
            ("zrange z [b (e bylex", "*3 $1 b $1 c $1 d"),
            ("zrange z (b [e bylex rev", "*0"),
            ("zrange z [e (b bylex rev limit 1 2", "*2 $1 d $1 c"),
            ("zrange z - + bylex limit 2 -1", "*5 $1 c $1 d $1 e $1 f $1 g"),
            ("zrangebylex z - +", "*7 $1 a $1 b $1 c $1 d $1 e $1 f $1 g"),
            ("zrangebylex z + -", "*0"),
            ("zrangebylex z - -", "*0"),
            ("zrangebylex z [c [c", "*1 $1 c"),
            ("zrangebylex z (c [c", "*0"),
            ("zrangebylex z [d [c", "*0"),
            ("zrangebylex z a c", "-ERR min or max not valid string range item"),
            ("zrangebylex z [a \"\"", "-ERR min or max not valid string range item"),
            ("zrangebylex z - + withscores", "-ERR syntax error, WITHSCORES not supported in combination with BYLEX"),
            ("zrangebylex z - + limit 1 2", "*2 $1 b $1 c"),
            ("zrevrangebylex z + - limit 1 2", "*2 $1 f $1 e"),
            ("zrevrangebylex z [d - limit 0 10", "*4 $1 d $1 c $1 b $1 a"),
            ("zlexcount z - +", ":7"),
            ("zlexcount z [b (d", ":2"),
            ("zlexcount z +b -", "-ERR min or max not valid string range item"),
            ("zlexcount nokey - +", ":0"),
            ("zremrangebylex z [b (d", ":2"),
            ("zrange z 0 -1", "*5 $1 a $1 d $1 e $1 f $1 g"),
            ("zremrangebylex z a b", "-ERR min or max not valid string range item"),
            ("zremrangebyrank z 1 -2", ":3"),
            ("zrange z 0 -1", "*2 $1 a $1 g"),
            ("zremrangebyrank z 10 20", ":0"),
            ("zremrangebyrank z abc 1", "-ERR value is not an integer or out of range"),
            ("zremrangebyscore z (0 1", ":0"),
            ("zremrangebyscore z abc 1", "-ERR min or max is not a float"),
            ("zremrangebyscore z -inf +inf", ":2"),
            ("exists z", ":0"),
            ("zremrangebyrank nokey 0 -1", ":0"),
            ("zremrangebyscore nokey 0 1", ":0"),
            ("zremrangebylex nokey - +", ":0"),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn union_inter_diff_and_store() {
        script(
            RESP2,
            &[
                ("zadd z 1 a 2 b 3 c 4 d 5 e", ":5"),
                ("zadd y 10 b 20 c 30 x", ":3"),
                ("sadd s b c q", ":3"),
                ("set str v", "+OK"),
                ("zunion 0 z", "-ERR at least 1 input key is needed for 'zunion' command"),
                ("zunion -1 z", "-ERR at least 1 input key is needed for 'zunion' command"),
                ("zunion abc z", "-ERR value is not an integer or out of range"),
                ("zunion 2 z", "-ERR syntax error"),
                ("zunion 2 z y withscores", "*12 $1 a $1 1 $1 d $1 4 $1 e $1 5 $1 b $2 12 $1 c $2 23 $1 x $2 30"),
                ("zunion 2 z y weights 1", "-ERR syntax error"),
                ("zunion 2 z y weights 1 abc", "-ERR weight value is not a float"),
                ("zunion 2 z y weights 1 nan", "-ERR weight value is not a float"),
                (
                    "zunion 2 z y weights 1 2 withscores",
                    "*12 $1 a $1 1 $1 d $1 4 $1 e $1 5 $1 b $2 22 $1 c $2 43 $1 x $2 60",
                ),
                (
                    "zunion 2 z y weights 1 2 weights 2 1 withscores",
                    "*12 $1 a $1 2 $1 d $1 8 $1 e $2 10 $1 b $2 14 $1 c $2 26 $1 x $2 30",
                ),
                ("zunion 2 z y aggregate foo", "-ERR syntax error"),
                (
                    "zunion 2 z y aggregate min withscores",
                    "*12 $1 a $1 1 $1 b $1 2 $1 c $1 3 $1 d $1 4 $1 e $1 5 $1 x $2 30",
                ),
                (
                    "zunion 2 z y aggregate max withscores",
                    "*12 $1 a $1 1 $1 d $1 4 $1 e $1 5 $1 b $2 10 $1 c $2 20 $1 x $2 30",
                ),
                (
                    "zunion 2 z y AGGREGATE sum WITHSCORES",
                    "*12 $1 a $1 1 $1 d $1 4 $1 e $1 5 $1 b $2 12 $1 c $2 23 $1 x $2 30",
                ),
                ("zunion 2 z s withscores", "*12 $1 a $1 1 $1 q $1 1 $1 b $1 3 $1 c $1 4 $1 d $1 4 $1 e $1 5"),
                ("zunion 2 z y withscores foo", "-ERR syntax error"),
                ("zunion 2 z str", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("zunion 2 nokey str", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("zunion 2 nokey nokey2 withscores", "*0"),
                ("zinter 2 z y withscores", "*4 $1 b $2 12 $1 c $2 23"),
                ("zinter 2 z s withscores", "*4 $1 b $1 3 $1 c $1 4"),
                ("zinter 3 z y s withscores aggregate max weights 1 2 3", "*4 $1 b $2 20 $1 c $2 40"),
                ("zinter 2 z nokey", "*0"),
                ("zinter 1 z weights 0.5 withscores", "*10 $1 a $3 0.5 $1 b $1 1 $1 c $3 1.5 $1 d $1 2 $1 e $3 2.5"),
                ("zdiff 2 z y withscores", "*6 $1 a $1 1 $1 d $1 4 $1 e $1 5"),
                ("zdiff 2 z s withscores", "*6 $1 a $1 1 $1 d $1 4 $1 e $1 5"),
                ("zdiff 2 z y weights 1 2", "-ERR syntax error"),
                ("zdiff 2 z y aggregate min", "-ERR syntax error"),
                ("zdiff 2 nokey z", "*0"),
                ("zdiff 1 s withscores", "*6 $1 b $1 1 $1 c $1 1 $1 q $1 1"),
                ("zdiff 3 z y s", "*3 $1 a $1 d $1 e"),
                ("zunionstore out 2 z y weights 2 3", ":6"),
                ("zrange out 0 -1 withscores", "*12 $1 a $1 2 $1 d $1 8 $1 e $2 10 $1 b $2 34 $1 c $2 66 $1 x $2 90"),
                ("zunionstore out 2 z y withscores", "-ERR syntax error"),
                ("zinterstore out 2 z y", ":2"),
                ("zrange out 0 -1 withscores", "*4 $1 b $2 12 $1 c $2 23"),
                ("zinterstore out 2 z nokey", ":0"),
                ("exists out", ":0"),
                ("zdiffstore out 2 z y", ":3"),
                ("zrange out 0 -1", "*3 $1 a $1 d $1 e"),
                ("zdiffstore str 2 z z", ":0"),
                ("exists str", ":0"),
                ("zunionstore str 1 s", ":3"),
                ("type str", "+zset"),
                ("zrange str 0 -1 withscores", "*6 $1 b $1 1 $1 c $1 1 $1 q $1 1"),
                ("zunionstore z 2 z y", ":6"),
                ("zrange z 0 -1 withscores", "*12 $1 a $1 1 $1 d $1 4 $1 e $1 5 $1 b $2 12 $1 c $2 23 $1 x $2 30"),
                ("zunionstore out 0 z", "-ERR at least 1 input key is needed for 'zunionstore' command"),
                ("zinterstore out -1 z", "-ERR at least 1 input key is needed for 'zinterstore' command"),
                ("zadd inf1 inf a", ":1"),
                ("zadd ninf -inf a", ":1"),
                ("zunion 2 inf1 ninf withscores", "*2 $1 a $1 0"),
                ("zinter 2 inf1 ninf withscores", "*2 $1 a $1 0"),
                ("zunion 2 inf1 ninf weights 0 1 withscores", "*2 $1 a $4 -inf"),
                (
                    "zunion 2 z y weights inf -inf withscores",
                    "*12 $1 b $1 0 $1 c $1 0 $1 x $1 0 $1 a $3 inf $1 d $3 inf $1 e $3 inf",
                ),
                ("zintercard 2 z y", ":3"),
                ("zintercard 2 z y limit 1", ":1"),
                ("zintercard 2 z y limit 0", ":3"),
                ("zintercard 2 z y limit -1", "-ERR LIMIT can't be negative"),
                ("zintercard 2 z y limit abc", "-ERR LIMIT can't be negative"),
                ("zintercard abc z", "-ERR value is not an integer or out of range"),
                ("zintercard 0 z", "-ERR at least 1 input key is needed for 'zintercard' command"),
                ("zintercard 2 z", "-ERR syntax error"),
                ("zintercard 2 z s", ":2"),
                ("zintercard 2 z y foo", "-ERR syntax error"),
                ("zintercard 2 z y withscores", "-ERR syntax error"),
                ("zintercard 2 z y weights 1 2", "-ERR syntax error"),
                ("set str2 v", "+OK"),
                ("zintercard 2 z str2", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("zintercard 2 nokey z", ":0"),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn pops_and_blocking_pops_with_data() {
        script(
            RESP2,
            &[
                ("zadd z 1 a 2 b 3 c 4 d 5 e", ":5"),
                ("zpopmin z", "*2 $1 a $1 1"),
                ("zpopmax z", "*2 $1 e $1 5"),
                ("zpopmin z 0", "*0"),
                ("zpopmin z -1", "-ERR value is out of range, must be positive"),
                ("zpopmin z abc", "-ERR value is out of range, must be positive"),
                ("zpopmin z 1 2", "-ERR syntax error"),
                ("zpopmin z 1", "*2 $1 b $1 2"),
                ("zpopmax nokey", "*0"),
                ("zpopmax nokey 2", "*0"),
                ("zpopmax z 100", "*4 $1 d $1 4 $1 c $1 3"),
                ("exists z", ":0"),
                ("zadd z 1 a 2 b 3 c 4 d 5 e", ":5"),
                ("zadd z2 1 x", ":1"),
                ("zmpop 0 z min", "-ERR numkeys should be greater than 0"),
                ("zmpop -1 z min", "-ERR numkeys should be greater than 0"),
                ("zmpop abc z min", "-ERR numkeys should be greater than 0"),
                ("zmpop 1 z min count 0", "-ERR count should be greater than 0"),
                ("zmpop 1 z min count -1", "-ERR count should be greater than 0"),
                ("zmpop 1 z min count abc", "-ERR count should be greater than 0"),
                ("zmpop 1 z min count 1 count 2", "-ERR syntax error"),
                ("zmpop 1 z min foo", "-ERR syntax error"),
                ("zmpop 1 z foo", "-ERR syntax error"),
                ("zmpop 3 z min", "-ERR syntax error"),
                ("zmpop 1 z min count", "-ERR syntax error"),
                ("zmpop 9999999999999 z min", "-ERR syntax error"),
                ("zmpop 9223372036854775807 z min", "-ERR syntax error"),
                ("zmpop 1 z MIN", "*2 $1 z *1 *2 $1 a $1 1"),
                ("zmpop 2 nokey z max count 2", "*2 $1 z *2 *2 $1 e $1 5 *2 $1 d $1 4"),
                ("zmpop 2 nokey z2 min count 10", "*2 $2 z2 *1 *2 $1 x $1 1"),
                ("exists z2", ":0"),
                ("zmpop 1 nokey min", "*-1"),
                ("bzpopmin z 0", "*3 $1 z $1 b $1 2"),
                ("bzpopmax nokey z 0", "*3 $1 z $1 c $1 3"),
                ("zadd z 7 q 8 r", ":2"),
                ("bzmpop 0 2 nokey z min count 10", "*2 $1 z *2 *2 $1 q $1 7 *2 $1 r $1 8"),
                ("exists z", ":0"),
                ("bzpopmin z abc", "-ERR timeout is not a float or out of range"),
                ("bzpopmin z -1", "-ERR timeout is negative"),
                ("bzpopmin z inf", "-ERR timeout is negative"),
                ("bzpopmin z nan", "-ERR timeout is not a float or out of range"),
                ("bzpopmin z \" 1\"", "-ERR timeout is not a float or out of range"),
                ("bzmpop abc 1 z min", "-ERR timeout is not a float or out of range"),
                ("bzmpop -1 1 z min", "-ERR timeout is negative"),
                ("bzmpop 0 0 z min", "-ERR numkeys should be greater than 0"),
                ("bzmpop 0 1 z foo", "-ERR syntax error"),
                ("bzmpop 0 2 z min", "-ERR syntax error"),
                ("set s 1", "+OK"),
                ("zmpop 1 s min", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("zmpop 2 nokey s min", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("bzpopmin nokey s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("bzmpop 1 2 nokey s min", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn resp3_replies() {
        script(
            RESP3,
            &[
                ("zadd z 1 a 2 b 3 c -0 d inf e", ":5"),
                ("zrange z 0 -1 withscores", "*5 *2 $1 d ,0 *2 $1 a ,1 *2 $1 b ,2 *2 $1 c ,3 *2 $1 e ,inf"),
                ("zrange z 0 -1", "*5 $1 d $1 a $1 b $1 c $1 e"),
                ("zrangebyscore z 1 2 withscores", "*2 *2 $1 a ,1 *2 $1 b ,2"),
                ("zpopmin z", "*2 $1 d ,0"),
                ("zpopmin z 1", "*1 *2 $1 a ,1"),
                ("zpopmax z 2", "*2 *2 $1 e ,inf *2 $1 c ,3"),
                ("zmpop 1 z min count 2", "*2 $1 z *1 *2 $1 b ,2"),
                ("zadd z 5 x 6 y", ":2"),
                ("bzpopmin z 0", "*3 $1 z $1 x ,5"),
                ("bzmpop 0 1 z max", "*2 $1 z *1 *2 $1 y ,6"),
                ("zscore z nope", "_"),
                ("zadd z 1.5 q 2 r", ":2"),
                ("zscore z q", ",1.5"),
                ("zmscore z q nope", "*2 ,1.5 _"),
                ("zincrby z 1 q", ",2.5"),
                ("zadd z incr 1 q", ",3.5"),
                ("zadd z nx incr 1 q", "_"),
                ("zunion 1 z withscores", "*2 *2 $1 r ,2 *2 $1 q ,3.5"),
                ("zinter 1 z withscores", "*2 *2 $1 r ,2 *2 $1 q ,3.5"),
                ("zdiff 1 z withscores", "*2 *2 $1 r ,2 *2 $1 q ,3.5"),
                ("zrank z q", ":1"),
                ("zscan z 0", "*2 $1 0 *4 $1 r $1 2 $1 q $3 3.5"),
                ("zmpop 1 nokey min", "_"),
                ("zpopmin nokey", "*0"),
                ("zrandmember nokey", "_"),
                ("zrandmember z 0 withscores", "*0"),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn randmember_scan_rangestore() {
        script(
            RESP2,
            &[
                ("zadd z 1 a 2 b 3 c 4 d 5 e", ":5"),
                ("set str v", "+OK"),
                ("zrandmember z abc", "-ERR value is not an integer or out of range"),
                ("zrandmember z 1 foo", "-ERR syntax error"),
                ("zrandmember z 1 withscores foo", "-ERR syntax error"),
                ("zrandmember nokey", "$-1"),
                ("zrandmember nokey 5", "*0"),
                ("zrandmember nokey 5 withscores", "*0"),
                ("zrandmember z 0", "*0"),
                (
                    "zrandmember z -9223372036854775808",
                    "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                ),
                ("zrandmember z -9223372036854775807 withscores", "-ERR value is out of range"),
                ("zrandmember z 9223372036854775807 withscores", "-ERR value is out of range"),
                ("zscan z abc", "-ERR invalid cursor"),
                ("zscan z 0 count 0", "-ERR syntax error"),
                ("zscan z 0 count 1", "*2 $1 0 *10 $1 a $1 1 $1 b $1 2 $1 c $1 3 $1 d $1 4 $1 e $1 5"),
                ("zscan z 0 match *c*", "*2 $1 0 *2 $1 c $1 3"),
                ("zscan z 0 foo", "-ERR syntax error"),
                ("zscan z 0 match", "-ERR syntax error"),
                ("zscan z 0 type zset", "-ERR syntax error"),
                ("zscan nokey 0", "*2 $1 0 *0"),
                ("zscan nokey 0 foo", "*2 $1 0 *0"),
                ("zrangestore dst z 0 -1 withscores", "-ERR syntax error"),
                ("zrangestore dst z 0 1 rev", ":2"),
                ("zrange dst 0 -1 withscores", "*4 $1 d $1 4 $1 e $1 5"),
                ("zrangestore dst z 10 20", ":0"),
                ("exists dst", ":0"),
                ("zrangestore dst z 0 1", ":2"),
                ("zrangestore dst nokey 0 -1", ":0"),
                ("exists dst", ":0"),
                ("zrangestore str z (1 3 byscore limit 0 1", ":1"),
                ("type str", "+zset"),
                ("zrange str 0 -1 withscores", "*2 $1 b $1 2"),
                ("zrangestore z z 1 -2", ":3"),
                ("zrange z 0 -1", "*3 $1 b $1 c $1 d"),
                ("zrangestore dst z - + bylex", ":3"),
                ("zrangestore dst z [b [c bylex rev", ":0"),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn blocking_pops_block_or_time_out_in_exec() {
        let ks = memory_keyspace().await;
        let in_exec = Mode { resp3: false, in_exec: true };
        assert_eq!(exec(&ks, "bzpopmin a b 0").await, "BLOCK db=0 keys=a,b timeout=None");
        assert_eq!(exec(&ks, "bzpopmax a 1.5").await, "BLOCK db=0 keys=a timeout=Some(1.5s)");
        assert_eq!(exec(&ks, "bzpopmax a 0.0001").await, "BLOCK db=0 keys=a timeout=None");
        assert_eq!(exec(&ks, "bzmpop 0x10 2 a b min").await, "BLOCK db=0 keys=a,b timeout=Some(16s)");
        assert_eq!(exec_mode(&ks, 3, RESP2, "bzmpop 2 1 a max count 3").await, "BLOCK db=3 keys=a timeout=Some(2s)");
        assert_eq!(exec(&ks, "bzpopmin a 9.3e15").await, "-ERR timeout is negative");
        assert_eq!(exec(&ks, "bzpopmin a 1e400").await, "-ERR timeout is negative");
        assert_eq!(exec_mode(&ks, 0, in_exec, "bzpopmin a b 0").await, "*-1");
        assert_eq!(exec_mode(&ks, 0, in_exec, "bzmpop 0 1 a min").await, "*-1");
        let in_exec3 = Mode { resp3: true, in_exec: true };
        assert_eq!(exec_mode(&ks, 0, in_exec3, "bzpopmax a 0").await, "_");
        assert_eq!(exec(&ks, "zadd b 1 x").await, ":1");
        assert_eq!(exec_mode(&ks, 0, in_exec, "bzpopmin a b 0").await, "*3 $1 b $1 x $1 1");
        assert_eq!(exec(&ks, "exists b").await, ":0");
        assert_eq!(exec(&ks, "set s v").await, "+OK");
        assert_eq!(
            exec(&ks, "bzpopmin a s 0").await,
            "-WRONGTYPE Operation against a key holding the wrong kind of value"
        );
    }

    #[tokio::test]
    async fn emptied_zsets_are_deleted() {
        let ks = memory_keyspace().await;
        for (fill, empty) in [
            ("zadd z 1 a 2 b", "zrem z a b"),
            ("zadd z 1 a 2 b", "zpopmin z 5"),
            ("zadd z 1 a 2 b", "zmpop 1 z max count 2"),
            ("zadd z 1 a 2 b", "zremrangebyrank z 0 -1"),
            ("zadd z 1 a 2 b", "zremrangebyscore z -inf inf"),
            ("zadd z 0 a 0 b", "zremrangebylex z - +"),
            ("zadd z 1 a", "bzpopmax z 0"),
        ] {
            assert!(exec(&ks, fill).await.starts_with(':'), "{fill}");
            exec(&ks, empty).await;
            assert_eq!(exec(&ks, "exists z").await, ":0", "{empty}");
            assert_eq!(exec(&ks, "type z").await, "+none", "{empty}");
        }
    }

    #[tokio::test]
    async fn zadd_on_a_large_zset_writes_only_that_member() {
        let ks = memory_keyspace().await;
        let mut tx = ks.begin().await.unwrap();
        let mut meta = tx.new_meta(RedisType::ZSet);
        for i in 0..10_000u32 {
            let member = format!("m{i:05}");
            put_member(&mut tx, &mut meta, member.as_bytes(), None, f64::from(i)).await.unwrap();
        }
        tx.put_meta(0, b"big", &meta).await.unwrap();
        tx.commit().await.unwrap();
        let rows = |tag: u8| {
            let ks = ks.clone();
            async move { ks.count_entries(tag).await }
        };
        assert_eq!(rows(crate::keyspace::encoding::SUB).await, 10_000);
        assert_eq!(rows(crate::keyspace::encoding::ZSCORE).await, 10_000);
        // The command's transaction: only the new member's two rows and the metadata row.
        let mut tx = ks.begin().await.unwrap();
        let args = words("zadd big 5000.5 new");
        assert_eq!(run(&ks, &mut tx, 0, RESP2, &args).await.unwrap(), Frame::Integer(1));
        assert_eq!(tx.touched().len(), 1);
        tx.commit().await.unwrap();
        assert_eq!(rows(crate::keyspace::encoding::SUB).await, 10_001);
        assert_eq!(rows(crate::keyspace::encoding::ZSCORE).await, 10_001);
        let mut tx = ks.begin().await.unwrap();
        let after = tx.meta(0, b"big").await.unwrap().unwrap();
        assert_eq!((after.version, after.size), (meta.version, 10_001));
        drop(tx);
        assert_eq!(exec(&ks, "zrank big new").await, ":5001");
        assert_eq!(exec(&ks, "zadd big xx 1e9 m00000").await, ":0");
        assert_eq!(exec(&ks, "zrevrank big m00000").await, ":0");
        assert_eq!(exec(&ks, "zscore big m00000").await, "$10 1000000000");
        assert_eq!(exec(&ks, "zrange big 0 1").await, "*2 $6 m00001 $6 m00002");
        assert_eq!(exec(&ks, "zcard big").await, ":10001");
    }

    #[tokio::test]
    async fn randmember_counts() {
        let ks = memory_keyspace().await;
        exec(&ks, "zadd z 1 a 2 b 3 c 4 d 5 e").await;
        for _ in 0..20 {
            let one = exec(&ks, "zrandmember z").await;
            assert!(["$1 a", "$1 b", "$1 c", "$1 d", "$1 e"].contains(&one.as_str()), "{one}");
            let three = exec(&ks, "zrandmember z 3").await;
            let members: Vec<&str> = three.split(' ').skip(1).filter(|w| !w.starts_with('$')).collect();
            let mut distinct = members.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!((members.len(), distinct.len()), (3, 3), "{three}");
            let many = exec(&ks, "zrandmember z -7 withscores").await;
            assert!(many.starts_with("*14 "), "{many}");
            assert!(exec(&ks, "zrandmember z 10").await.starts_with("*5 "));
        }
        let pairs = exec_mode(&ks, 0, RESP3, "zrandmember z 2 withscores").await;
        assert!(pairs.starts_with("*2 *2 $1 ") && pairs.contains(" ,"), "{pairs}");
    }

    #[tokio::test]
    async fn zscan_pages_large_zsets() {
        let ks = memory_keyspace().await;
        let members: Vec<String> = (0..300).map(|i| format!("m{i:03}")).collect();
        exec(&ks, &format!("zadd z {}", members.iter().map(|m| format!("1 {m}")).collect::<Vec<_>>().join(" "))).await;
        let mut cursor = "0".to_string();
        let mut seen = Vec::new();
        loop {
            let mut tx = ks.begin().await.unwrap();
            let args = words(&format!("zscan z {cursor} count 50"));
            let Frame::Array(parts) = run(&ks, &mut tx, 0, RESP2, &args).await.unwrap() else { panic!() };
            let (Frame::Bulk(c), Frame::Array(items)) = (&parts[0], &parts[1]) else { panic!() };
            for pair in items.chunks(2) {
                let (Frame::Bulk(m), Frame::Bulk(s)) = (&pair[0], &pair[1]) else { panic!() };
                assert_eq!(s, b"1");
                seen.push(String::from_utf8(m.clone()).unwrap());
            }
            cursor = String::from_utf8(c.clone()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen, members);
        assert_eq!(exec(&ks, "zscan z 0 match m29* count 1000").await.matches("$4 m29").count(), 10);
    }

    #[test]
    fn specs_match_redis() {
        assert_eq!(SPECS.len(), 35);
        let bz = lookup(b"BZPOPMIN").unwrap();
        assert_eq!((bz.arity, bz.first_key, bz.last_key, bz.step), (-3, 1, -2, 1));
        assert!(bz.has_flag("blocking") && bz.is_write());
        assert!(lookup(b"zunionstore").unwrap().has_flag("movablekeys"));
    }

    #[test]
    fn strtod_like_redis_ranges() {
        for (s, want) in
            [("", Some(0.0)), (" 1", Some(1.0)), ("1e400", Some(f64::INFINITY)), ("-inf", Some(f64::NEG_INFINITY))]
        {
            assert_eq!(strtod_whole(s.as_bytes()), want, "{s}");
        }
        for bad in [" ", "1 ", "nan", "1e", ".", "-", "abc", "1x"] {
            assert_eq!(strtod_whole(bad.as_bytes()), None, "{bad}");
        }
    }

    /// Arbitrary arguments to every sorted set command never panic.
    #[tokio::test]
    async fn no_panics_on_odd_arguments() {
        let ks = memory_keyspace().await;
        exec(&ks, "zadd z 1 a 2 b 3 c").await;
        exec(&ks, "set s v").await;
        let pool: &[&[u8]] = &[
            b"",
            b"0",
            b"-1",
            b"1",
            b"2",
            b"9223372036854775807",
            b"-9223372036854775808",
            "\u{e9}".as_bytes(),
            b"(",
            b"[",
            b"[a",
            b"(a",
            b"-",
            b"+",
            b"(1",
            b"inf",
            b"-inf",
            b"nan",
            b"1e400",
            b"0x1p3",
            b"z",
            b"s",
            b"nokey",
            b"nx",
            b"xx",
            b"gt",
            b"lt",
            b"ch",
            b"incr",
            b"withscores",
            b"limit",
            b"rev",
            b"byscore",
            b"bylex",
            b"weights",
            b"aggregate",
            b"min",
            b"max",
            b"sum",
            b"count",
            b"match",
            b"*",
        ];
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        for spec in SPECS {
            for _ in 0..300 {
                let args = rng.command(spec.name, pool, 7);
                let mut tx = ks.begin().await.unwrap();
                if run(&ks, &mut tx, 0, RESP2, &args).await.is_ok() {
                    tx.commit().await.unwrap();
                }
                if exec(&ks, "exists z").await == ":0" {
                    exec(&ks, "zadd z 1 a 2 b 3 c").await;
                }
            }
        }
    }
}
