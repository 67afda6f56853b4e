//! The sets commands. A set is a metadata row (`size` = number of members) plus one
//! empty-valued sub-row per member, so membership tests, adds and removals touch one
//! sub-row. Also holds the helpers shared with the hashes commands: HSCAN/SSCAN paging
//! ([`parse_scan_cursor`], [`scan_members`]) and random member picking
//! ([`random_members`]) for HRANDFIELD, SRANDMEMBER and SPOP.

use super::args::{is, parse_i64, parse_scan_options, Rng};
use super::flags::*;
use super::{CommandSpec, Ctx, Family};
use crate::error::{RedisError, RedisResult};
use crate::keyspace::{Keyspace, KsTxn, Meta, RedisType};
use crate::resp::Frame;
use std::collections::{BTreeSet, HashSet};
use std::ops::Bound;

super::family_spec!(Family::Sets);

// Arity, flags and key positions as redis-server 7.0.15's COMMAND INFO reports them.
pub const SPECS: &[CommandSpec] = &[
    spec("sadd", -3, W_OOM_FAST, 1, 1, 1),
    spec("srem", -3, W_FAST, 1, 1, 1),
    spec("smembers", 2, R, 1, 1, 1),
    spec("sismember", 3, R_FAST, 1, 1, 1),
    spec("smismember", -3, R_FAST, 1, 1, 1),
    spec("scard", 2, R_FAST, 1, 1, 1),
    spec("spop", -2, W_FAST, 1, 1, 1),
    spec("srandmember", -2, R, 1, 1, 1),
    spec("smove", 4, W_FAST, 1, 2, 1),
    spec("sinter", -2, R, 1, -1, 1),
    spec("sintercard", -3, R_MOVABLE, 0, 0, 0),
    spec("sunion", -2, R, 1, -1, 1),
    spec("sdiff", -2, R, 1, -1, 1),
    spec("sinterstore", -3, W_OOM, 1, -1, 1),
    spec("sunionstore", -3, W_OOM, 1, -1, 1),
    spec("sdiffstore", -3, W_OOM, 1, -1, 1),
    spec("sscan", -3, R, 1, 1, 1),
];

/// Collections up to this size are read whole to pick random members uniformly.
const SMALL: i64 = 1000;
/// Most elements a negative-count SRANDMEMBER / HRANDFIELD builds (Redis would try to
/// build any number and run out of memory; we answer "ERR value is out of range").
pub(crate) const MAX_RANDOM_REPEATS: u64 = 1 << 24;
pub async fn execute(ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let db = ctx.db();
    let keyspace = ctx.shared.keyspace.clone();
    run(&keyspace, ctx.txn, db, args).await
}

/// Runs one sets command in `txn` against logical database `db`.
pub(crate) async fn run(ks: &Keyspace, txn: &mut KsTxn, db: usize, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let Some(spec) = args.first().and_then(|n| super::lookup(n)) else { return Err(super::unknown_command(args)) };
    if !spec.arity_ok(args.len()) {
        return Err(RedisError::wrong_arity(spec.name));
    }
    let name = spec.name;
    let a = &args[1..];
    let key = a.first().map(|k| k.as_slice()).unwrap_or_default();
    match name {
        "sadd" => {
            let mut meta = match set_meta(txn, db, key).await? {
                Some(m) => m,
                None => txn.new_meta(RedisType::Set),
            };
            let mut added = 0;
            for m in &a[1..] {
                if txn.sub_put(meta.version, m, b"").await?.is_none() {
                    added += 1;
                }
            }
            if added > 0 {
                meta.size += added;
                txn.put_meta(db, key, &meta).await?;
            }
            Ok(Frame::Integer(added))
        }
        "srem" => {
            let Some(meta) = set_meta(txn, db, key).await? else { return Ok(Frame::Integer(0)) };
            Ok(Frame::Integer(remove_members(txn, db, key, meta, &a[1..]).await?))
        }
        "smembers" => {
            let members = match set_meta(txn, db, key).await? {
                Some(m) => all_members(txn, m.version).await?,
                None => Vec::new(),
            };
            Ok(Frame::Set(members.into_iter().map(Frame::Bulk).collect()))
        }
        "sismember" => {
            let found = match set_meta(txn, db, key).await? {
                Some(m) => txn.sub_get(m.version, &a[1]).await?.is_some(),
                None => false,
            };
            Ok(Frame::Integer(found as i64))
        }
        "smismember" => {
            let meta = set_meta(txn, db, key).await?;
            let mut out = Vec::with_capacity(a.len() - 1);
            for m in &a[1..] {
                let found = match &meta {
                    Some(meta) => txn.sub_get(meta.version, m).await?.is_some(),
                    None => false,
                };
                out.push(Frame::Integer(found as i64));
            }
            Ok(Frame::Array(out))
        }
        "scard" => Ok(Frame::Integer(set_meta(txn, db, key).await?.map_or(0, |m| m.size))),
        "spop" => spop(txn, db, a).await,
        "srandmember" => srandmember(txn, db, a).await,
        "smove" => smove(txn, db, a).await,
        "sinter" => Ok(set_frame(inter(txn, db, a, 0).await?)),
        "sunion" => Ok(set_frame(union(txn, db, a).await?)),
        "sdiff" => Ok(set_frame(diff(txn, db, a).await?)),
        "sinterstore" => {
            let members = inter(txn, db, &a[1..], 0).await?;
            store(txn, db, key, members).await
        }
        "sunionstore" => {
            let members = union(txn, db, &a[1..]).await?;
            store(txn, db, key, members).await
        }
        "sdiffstore" => {
            let members = diff(txn, db, &a[1..]).await?;
            store(txn, db, key, members).await
        }
        "sintercard" => sintercard(txn, db, a).await,
        "sscan" => {
            let cursor = super::args::parse_scan_cursor(&a[1])?;
            let Some(meta) = set_meta(txn, db, key).await? else { return Ok(empty_scan()) };
            scan_members(ks, txn, meta.version, cursor, &a[2..], false).await
        }
        _ => Err(super::unknown_command(args)),
    }
}

async fn set_meta(txn: &mut KsTxn, db: usize, key: &[u8]) -> RedisResult<Option<Meta>> {
    txn.meta_of(db, key, RedisType::Set).await
}

/// Stores a collection's metadata after removals: deletes the key when it became empty.
pub(crate) async fn store_size(txn: &mut KsTxn, db: usize, key: &[u8], meta: &Meta) -> RedisResult<()> {
    if meta.size <= 0 {
        txn.delete_key(db, key).await?;
    } else {
        txn.put_meta(db, key, meta).await?;
    }
    Ok(())
}

/// Deletes `members` (set members or hash fields) from the collection `meta` of `key`,
/// deleting the key when it empties; returns how many existed.
pub(crate) async fn remove_members(
    txn: &mut KsTxn,
    db: usize,
    key: &[u8],
    mut meta: Meta,
    members: &[Vec<u8>],
) -> RedisResult<i64> {
    let mut removed = 0;
    for member in members {
        if txn.sub_delete(meta.version, member).await?.is_some() {
            removed += 1;
        }
    }
    if removed > 0 {
        meta.size -= removed;
        store_size(txn, db, key, &meta).await?;
    }
    Ok(removed)
}

/// Every member of a collection version, in member byte order.
async fn all_members(txn: &mut KsTxn, version: i64) -> RedisResult<Vec<Vec<u8>>> {
    Ok(all_entries(txn, version).await?.into_iter().map(|(m, _)| m).collect())
}

/// Every (member, value) sub-row of a collection version, in member byte order.
pub(crate) async fn all_entries(txn: &mut KsTxn, version: i64) -> RedisResult<Vec<(Vec<u8>, Vec<u8>)>> {
    txn.sub_scan(version, Bound::Unbounded, Bound::Unbounded, false, None).await
}

fn set_frame(members: BTreeSet<Vec<u8>>) -> Frame {
    Frame::Set(members.into_iter().map(Frame::Bulk).collect())
}

/// The sets named by `keys` (None for a missing key); any other type is WRONGTYPE,
/// checked for every key as Redis does.
async fn metas(txn: &mut KsTxn, db: usize, keys: &[Vec<u8>]) -> RedisResult<Vec<Option<Meta>>> {
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        out.push(set_meta(txn, db, k).await?);
    }
    Ok(out)
}

/// The intersection of the sets at `keys`; with `limit` > 0, stops after that many.
/// The smallest set is scanned, the others probed member by member.
async fn inter(txn: &mut KsTxn, db: usize, keys: &[Vec<u8>], limit: usize) -> RedisResult<BTreeSet<Vec<u8>>> {
    let metas = metas(txn, db, keys).await?;
    let mut sets: Vec<Meta> = Vec::with_capacity(metas.len());
    for m in metas {
        match m {
            Some(m) => sets.push(m),
            None => return Ok(BTreeSet::new()),
        }
    }
    sets.sort_by_key(|m| m.size);
    let mut out = BTreeSet::new();
    let Some((first, rest)) = sets.split_first() else { return Ok(out) };
    for member in all_members(txn, first.version).await? {
        let mut everywhere = true;
        for other in rest {
            if other.version != first.version && txn.sub_get(other.version, &member).await?.is_none() {
                everywhere = false;
                break;
            }
        }
        if everywhere {
            out.insert(member);
            if limit > 0 && out.len() >= limit {
                break;
            }
        }
    }
    Ok(out)
}

async fn union(txn: &mut KsTxn, db: usize, keys: &[Vec<u8>]) -> RedisResult<BTreeSet<Vec<u8>>> {
    let metas = metas(txn, db, keys).await?;
    let mut out = BTreeSet::new();
    for m in metas.into_iter().flatten() {
        out.extend(all_members(txn, m.version).await?);
    }
    Ok(out)
}

async fn diff(txn: &mut KsTxn, db: usize, keys: &[Vec<u8>]) -> RedisResult<BTreeSet<Vec<u8>>> {
    let metas = metas(txn, db, keys).await?;
    let mut it = metas.into_iter();
    let Some(Some(first)) = it.next() else { return Ok(BTreeSet::new()) };
    let others: Vec<Meta> = it.flatten().collect();
    let mut out = BTreeSet::new();
    for member in all_members(txn, first.version).await? {
        let mut elsewhere = false;
        for other in &others {
            if other.version == first.version || txn.sub_get(other.version, &member).await?.is_some() {
                elsewhere = true;
                break;
            }
        }
        if !elsewhere {
            out.insert(member);
        }
    }
    Ok(out)
}

/// *STORE: replaces `dest` (whatever its type) with a new set of `members`; an empty
/// result deletes it. Replies with the new size.
async fn store(txn: &mut KsTxn, db: usize, dest: &[u8], members: BTreeSet<Vec<u8>>) -> RedisResult<Frame> {
    if members.is_empty() {
        txn.delete_key(db, dest).await?;
        return Ok(Frame::Integer(0));
    }
    let mut meta = txn.new_meta(RedisType::Set);
    for m in &members {
        txn.sub_put(meta.version, m, b"").await?;
    }
    meta.size = members.len() as i64;
    txn.put_meta(db, dest, &meta).await?;
    Ok(Frame::Integer(meta.size))
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
async fn sintercard(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let numkeys_error = || RedisError::err("numkeys should be greater than 0");
    let numkeys = parse_i64(&a[0]).map_err(|_| numkeys_error())?;
    if numkeys < 1 {
        return Err(numkeys_error());
    }
    let rest = &a[1..];
    let numkeys = match usize::try_from(numkeys) {
        Ok(n) if n <= rest.len() => n,
        _ => return Err(RedisError::err("Number of keys can't be greater than number of args")),
    };
    let (keys, opts) = rest.split_at(numkeys);
    let mut limit = 0usize;
    let mut i = 0;
    while i < opts.len() {
        if is(&opts[i], "LIMIT") && i + 1 < opts.len() {
            let negative = || RedisError::err("LIMIT can't be negative");
            let l = parse_i64(&opts[i + 1]).map_err(|_| negative())?;
            limit = usize::try_from(l).map_err(|_| negative())?;
            i += 2;
        } else {
            return Err(RedisError::syntax());
        }
    }
    Ok(Frame::Integer(inter(txn, db, keys, limit).await?.len() as i64))
}

/// SMOVE source destination member
async fn smove(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let (src, dst, member) = (&a[0], &a[1], &a[2]);
    let Some(mut src_meta) = txn.meta(db, src).await? else { return Ok(Frame::Integer(0)) };
    let dst_meta = txn.meta(db, dst).await?;
    if src_meta.kind != RedisType::Set || dst_meta.as_ref().is_some_and(|m| m.kind != RedisType::Set) {
        return Err(RedisError::wrong_type());
    }
    if src == dst {
        return Ok(Frame::Integer(txn.sub_get(src_meta.version, member).await?.is_some() as i64));
    }
    if txn.sub_delete(src_meta.version, member).await?.is_none() {
        return Ok(Frame::Integer(0));
    }
    src_meta.size -= 1;
    store_size(txn, db, src, &src_meta).await?;
    let mut dst_meta = match dst_meta {
        Some(m) => m,
        None => txn.new_meta(RedisType::Set),
    };
    if txn.sub_put(dst_meta.version, member, b"").await?.is_none() {
        dst_meta.size += 1;
    }
    txn.put_meta(db, dst, &dst_meta).await?;
    Ok(Frame::Integer(1))
}

/// SPOP key [count]
async fn spop(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let key = &a[0];
    if a.len() > 2 {
        return Err(RedisError::syntax());
    }
    let count = match a.get(1) {
        Some(c) => {
            let positive = || RedisError::err("value is out of range, must be positive");
            let n = parse_i64(c).map_err(|_| positive())?;
            Some(u64::try_from(n).map_err(|_| positive())?)
        }
        None => None,
    };
    let Some(mut meta) = set_meta(txn, db, key).await? else {
        return Ok(if count.is_some() { Frame::Set(Vec::new()) } else { Frame::Null });
    };
    let picked = match count {
        None => random_members(txn, &meta, 1, true).await?,
        Some(0) => return Ok(Frame::Set(Vec::new())),
        Some(n) => random_members(txn, &meta, n, true).await?,
    };
    if picked.len() as i64 >= meta.size {
        txn.delete_key(db, key).await?;
    } else {
        for (m, _) in &picked {
            txn.sub_delete(meta.version, m).await?;
        }
        meta.size -= picked.len() as i64;
        txn.put_meta(db, key, &meta).await?;
    }
    let mut members = picked.into_iter().map(|(m, _)| Frame::Bulk(m));
    Ok(match count {
        None => members.next().unwrap_or(Frame::Null),
        Some(_) => Frame::Set(members.collect()),
    })
}

/// SRANDMEMBER key [count]
async fn srandmember(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let key = &a[0];
    if a.len() > 2 {
        return Err(RedisError::syntax());
    }
    let count = match a.get(1) {
        Some(c) => Some(parse_random_count(c)?),
        None => None,
    };
    let Some(meta) = set_meta(txn, db, key).await? else {
        return Ok(if count.is_some() { Frame::Array(Vec::new()) } else { Frame::Null });
    };
    let picked = match count {
        None => {
            let one = random_members(txn, &meta, 1, true).await?;
            return Ok(one.into_iter().next().map_or(Frame::Null, |(m, _)| Frame::Bulk(m)));
        }
        Some(n) if n >= 0 => random_members(txn, &meta, n.unsigned_abs(), true).await?,
        Some(n) => random_members(txn, &meta, checked_repeats(n)?, false).await?,
    };
    Ok(Frame::Array(picked.into_iter().map(|(m, _)| Frame::Bulk(m)).collect()))
}

/// The count of SRANDMEMBER / HRANDFIELD: any integer in -LONG_MAX..=LONG_MAX.
pub(crate) fn parse_random_count(arg: &[u8]) -> RedisResult<i64> {
    let n = parse_i64(arg)?;
    if n == i64::MIN {
        return Err(RedisError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    Ok(n)
}

/// The number of elements a negative count asks for (bounded by [`MAX_RANDOM_REPEATS`]).
pub(crate) fn checked_repeats(count: i64) -> RedisResult<u64> {
    let n = count.unsigned_abs();
    if n > MAX_RANDOM_REPEATS {
        return Err(RedisError::err("value is out of range"));
    }
    Ok(n)
}

/// Random (member, value) entries of the collection `meta`: `count` distinct ones (all
/// of them when `count` >= size) or, with `distinct` false, `count` picks that may
/// repeat. Small collections are read whole; large ones are probed at random points
/// of the member order, so a few picks from a huge collection stay cheap.
pub(crate) async fn random_members(
    txn: &mut KsTxn,
    meta: &Meta,
    count: u64,
    distinct: bool,
) -> RedisResult<Vec<(Vec<u8>, Vec<u8>)>> {
    let size = u64::try_from(meta.size).unwrap_or(0);
    if count == 0 || size == 0 {
        return Ok(Vec::new());
    }
    let mut rng = Rng::seeded();
    if distinct && count >= size {
        return all_entries(txn, meta.version).await;
    }
    let small = meta.size <= SMALL;
    if small || (distinct && count.saturating_mul(3) > size) {
        let mut all = all_entries(txn, meta.version).await?;
        if all.is_empty() {
            return Ok(all);
        }
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        if distinct {
            let take = count.min(all.len());
            for i in 0..take {
                let j = i + rng.below(all.len() - i);
                all.swap(i, j);
            }
            all.truncate(take);
            return Ok(all);
        }
        return Ok((0..count).map(|_| all[rng.below(all.len())].clone()).collect());
    }
    // Large collection, few picks: probe random points.
    let Some(range) = MemberRange::of(txn, meta.version).await? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    if distinct {
        let want = usize::try_from(count).unwrap_or(usize::MAX);
        let mut seen = HashSet::new();
        let mut attempts = 0u64;
        while out.len() < want && attempts < count.saturating_mul(10) {
            attempts += 1;
            let entry = range.pick(txn, meta.version, &mut rng).await?;
            if seen.insert(entry.0.clone()) {
                out.push(entry);
            }
        }
        if out.len() < want {
            // Unlucky probes: fall back to reading the whole collection.
            let mut all = all_entries(txn, meta.version).await?;
            let take = want.min(all.len());
            for i in 0..take {
                let j = i + rng.below(all.len() - i);
                all.swap(i, j);
            }
            all.truncate(take);
            return Ok(all);
        }
    } else {
        for _ in 0..count {
            out.push(range.pick(txn, meta.version, &mut rng).await?);
        }
    }
    Ok(out)
}

/// The first and last members of a large collection, to probe points between them.
/// A probe keeps their common prefix, then draws its first byte between theirs and
/// the following bytes within the range of bytes they use (so text members such as
/// "item:01234" are probed digit by digit, not through bytes no member has).
struct MemberRange {
    first: (Vec<u8>, Vec<u8>),
    /// The common prefix of the first and last members.
    prefix: Vec<u8>,
    /// Bounds of the first byte after the prefix.
    head: (u8, u8),
    /// Bounds of the later bytes.
    tail: (u8, u8),
    /// Probe length after the prefix.
    len: usize,
}

impl MemberRange {
    async fn of(txn: &mut KsTxn, version: i64) -> RedisResult<Option<MemberRange>> {
        let first = txn.sub_scan(version, Bound::Unbounded, Bound::Unbounded, false, Some(1)).await?;
        let last = txn.sub_scan(version, Bound::Unbounded, Bound::Unbounded, true, Some(1)).await?;
        let (Some(first), Some(last)) = (first.into_iter().next(), last.into_iter().next()) else {
            return Ok(None);
        };
        let p = first.0.iter().zip(&last.0).take_while(|(a, b)| a == b).count();
        let (a, b) = (&first.0[p.min(first.0.len())..], &last.0[p.min(last.0.len())..]);
        let head = (a.first().copied().unwrap_or(0), b.first().copied().unwrap_or(u8::MAX));
        let rest = a.iter().skip(1).chain(b.iter().skip(1));
        let tail = rest.fold(None, |acc: Option<(u8, u8)>, &x| match acc {
            Some((lo, hi)) => Some((lo.min(x), hi.max(x))),
            None => Some((x, x)),
        });
        let len = a.len().max(b.len()).clamp(1, 16);
        let prefix = first.0[..p.min(first.0.len())].to_vec();
        Ok(Some(MemberRange { first, prefix, head, tail: tail.unwrap_or((0, u8::MAX)), len }))
    }

    async fn pick(&self, txn: &mut KsTxn, version: i64, rng: &mut Rng) -> RedisResult<(Vec<u8>, Vec<u8>)> {
        let mut between = |(lo, hi): (u8, u8)| {
            let (lo, hi) = (lo.min(hi), lo.max(hi));
            lo.saturating_add(rng.below(usize::from(hi - lo) + 1) as u8)
        };
        let mut probe = self.prefix.clone();
        probe.push(between(self.head));
        for _ in 1..self.len {
            probe.push(between(self.tail));
        }
        let found = txn.sub_scan(version, Bound::Included(&probe), Bound::Unbounded, false, Some(1)).await?;
        Ok(found.into_iter().next().unwrap_or_else(|| self.first.clone()))
    }
}

/// `[0, []]`: the reply to scanning a missing key.
pub(crate) fn empty_scan() -> Frame {
    Frame::Array(vec![Frame::bulk("0"), Frame::Array(Vec::new())])
}

/// HSCAN/SSCAN over the collection `version`: `opts` are MATCH pattern / COUNT n.
/// Members are visited in byte order; the cursor remembers the last one returned, so
/// a member present for the whole scan is returned exactly once. With `with_values`
/// each member is followed by its value (HSCAN).
pub(crate) async fn scan_members(
    ks: &Keyspace,
    txn: &mut KsTxn,
    version: i64,
    cursor: u64,
    opts: &[Vec<u8>],
    with_values: bool,
) -> RedisResult<Frame> {
    let options = parse_scan_options(opts, false)?;
    let count = options.count;
    let after = if cursor == 0 { None } else { ks.load_cursor(cursor) };
    let lower = match &after {
        Some(m) => Bound::Excluded(m.as_slice()),
        None => Bound::Unbounded,
    };
    let page = txn.sub_scan(version, lower, Bound::Unbounded, false, Some(count)).await?;
    let next = match page.last() {
        Some((last, _)) if page.len() == count => ks.save_cursor(last.clone()),
        _ => 0,
    };
    let mut items = Vec::new();
    for (member, value) in page {
        if options.matches(&member) {
            items.push(Frame::Bulk(member));
            if with_values {
                items.push(Frame::Bulk(value));
            }
        }
    }
    Ok(Frame::Array(vec![Frame::bulk(next.to_string()), Frame::Array(items)]))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::commands::keys::tests::show;
    use crate::commands::{lookup, Family};
    use crate::keyspace::tests::memory_keyspace;
    use std::sync::Arc;

    use crate::commands::keys::tests::{words, XorShift};

    /// Runs one command line of any keyspace family (RESP2 shapes for hashes) in its
    /// own committed transaction; the reply shown as `keys::tests::show` does, or the
    /// error line prefixed with '-'.
    pub(crate) async fn exec_any(ks: &Arc<Keyspace>, db: usize, line: &str, protocol: u8) -> String {
        let args = words(line);
        let Some(spec) = lookup(&args[0]) else { return "-unknown".into() };
        if !spec.arity_ok(args.len()) {
            return format!("-{}", RedisError::wrong_arity(spec.name).reply_line());
        }
        let mut tx = ks.begin().await.expect("begin");
        let result = match spec.family {
            Family::Keys => crate::commands::keys::run(ks, &mut tx, db, &args).await,
            Family::Strings => crate::commands::strings::run(&mut tx, db, &args).await,
            Family::Sets => run(ks, &mut tx, db, &args).await,
            Family::Hashes => crate::commands::hashes::run(ks, &mut tx, db, protocol, &args).await,
            _ => panic!("not supported here: {line}"),
        };
        match result {
            Ok(frame) => {
                tx.commit().await.expect("commit");
                show(&frame)
            }
            Err(e) => format!("-{}", e.reply_line()),
        }
    }

    pub(crate) async fn script(ks: &Arc<Keyspace>, steps: &[(&str, &str)]) {
        for (line, want) in steps {
            assert_eq!(exec_any(ks, 0, line, 2).await, *want, "{line}");
        }
    }

    // Expected replies are redis-server 7.0.15's answers to the same commands (set
    // members sorted: our order is member byte order, Redis's is its hash order).
    #[tokio::test]
    async fn basic_set_commands() {
        let ks = memory_keyspace().await;
        script(
            &ks,
            &[
                ("set str x", "+OK"),
                ("sadd s a b c a", ":3"),
                ("sadd s", "-ERR wrong number of arguments for 'sadd' command"),
                ("sadd str a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("srem s a z a", ":1"),
                ("srem nokey a", ":0"),
                ("srem str a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("smembers s", "[$b, $c]"),
                ("smembers nokey", "[]"),
                ("smembers str", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("sismember s b", ":1"),
                ("sismember s z", ":0"),
                ("sismember nokey z", ":0"),
                ("sismember str z", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("smismember s a b z", "[:0, :1, :0]"),
                ("smismember nokey a", "[:0]"),
                ("smismember str a", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("smismember s", "-ERR wrong number of arguments for 'smismember' command"),
                ("scard s", ":2"),
                ("scard nokey", ":0"),
                ("scard str", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("srem s b c", ":2"),
                ("exists s", ":0"),
                ("scard s", ":0"),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn pop_rand_move() {
        let ks = memory_keyspace().await;
        script(
            &ks,
            &[
                ("set str x", "+OK"),
                ("sadd s a b c", ":3"),
                ("spop nokey", "nil"),
                ("spop nokey 3", "[]"),
                ("spop nokey 0", "[]"),
                ("spop nokey -1", "-ERR value is out of range, must be positive"),
                ("spop s -1", "-ERR value is out of range, must be positive"),
                ("spop s abc", "-ERR value is out of range, must be positive"),
                ("spop s 0", "[]"),
                ("spop str", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("spop str 1", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("spop s 1 2", "-ERR syntax error"),
                ("srandmember nokey", "nil"),
                ("srandmember nokey 5", "[]"),
                ("srandmember nokey -5", "[]"),
                ("srandmember s 0", "[]"),
                (
                    "srandmember s -9223372036854775808",
                    "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                ),
                ("srandmember str", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("srandmember str 1", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("srandmember s abc", "-ERR value is not an integer or out of range"),
                ("srandmember s 1 2", "-ERR syntax error"),
                ("srandmember s 5", "[$a, $b, $c]"),
                ("srandmember s 9223372036854775807", "[$a, $b, $c]"),
                ("sadd t x y", ":2"),
                ("smove s t b", ":1"),
                ("smove s t zz", ":0"),
                ("smove nokey t b", ":0"),
                ("smove nokey str b", ":0"),
                ("smove t str x", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("smove str t x", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("smove t nokey2 x", ":1"),
                ("smembers nokey2", "[$x]"),
                ("smembers t", "[$b, $y]"),
                ("smove t t y", ":1"),
                ("smove t t nope", ":0"),
                ("smove nokey2 t x", ":1"),
                ("exists nokey2", ":0"),
                ("scard t", ":3"),
            ],
        )
        .await;
        // Random picks come from the set; distinct unless the count is negative.
        for _ in 0..20 {
            let one = exec_any(&ks, 0, "srandmember s", 2).await;
            assert!(one == "$a" || one == "$c", "{one}");
            let two = exec_any(&ks, 0, "srandmember s 2", 2).await;
            assert!(two == "[$a, $c]" || two == "[$c, $a]", "{two}");
            let many = exec_any(&ks, 0, "srandmember s -5", 2).await;
            assert_eq!(many.matches('$').count(), 5);
            assert_eq!(many.matches("$a").count() + many.matches("$c").count(), 5);
        }
        let popped = exec_any(&ks, 0, "spop s", 2).await;
        assert!(popped == "$a" || popped == "$c");
        assert_eq!(exec_any(&ks, 0, "scard s", 2).await, ":1");
        assert_eq!(exec_any(&ks, 0, "spop s 5", 2).await.matches('$').count(), 1);
        assert_eq!(exec_any(&ks, 0, "exists s", 2).await, ":0");
        assert_eq!(exec_any(&ks, 0, "spop t 2", 2).await.matches('$').count(), 2);
        assert_eq!(exec_any(&ks, 0, "scard t", 2).await, ":1");
    }

    #[tokio::test]
    async fn algebra() {
        let ks = memory_keyspace().await;
        let wt = "-WRONGTYPE Operation against a key holding the wrong kind of value";
        script(
            &ks,
            &[
                ("set str x", "+OK"),
                ("sadd a 1 2 3 4", ":4"),
                ("sadd b 3 4 5", ":3"),
                ("sadd c 4 5 6", ":3"),
                ("sinter a b", "[$3, $4]"),
                ("sinter a b c", "[$4]"),
                ("sinter a nokey", "[]"),
                ("sinter nokey str", wt),
                ("sinter a nokey str", wt),
                ("sinter str nokey", wt),
                ("sunion a b nokey", "[$1, $2, $3, $4, $5]"),
                ("sunion a str", wt),
                ("sunion nokey", "[]"),
                ("sdiff a b", "[$1, $2]"),
                ("sdiff a nokey", "[$1, $2, $3, $4]"),
                ("sdiff nokey a", "[]"),
                ("sdiff nokey str", wt),
                ("sdiff a str", wt),
                ("sdiff a a", "[]"),
                ("sinter a a", "[$1, $2, $3, $4]"),
                ("sintercard 2 a b", ":2"),
                ("sintercard 2 a b limit 1", ":1"),
                ("sintercard 2 a b limit 0", ":2"),
                ("sintercard 2 a b limit -1", "-ERR LIMIT can't be negative"),
                ("sintercard 2 a b limit abc", "-ERR LIMIT can't be negative"),
                ("sintercard 0 a", "-ERR numkeys should be greater than 0"),
                ("sintercard -1 a", "-ERR numkeys should be greater than 0"),
                ("sintercard abc a", "-ERR numkeys should be greater than 0"),
                ("sintercard 3 a b", "-ERR Number of keys can't be greater than number of args"),
                ("sintercard 1 a foo", "-ERR syntax error"),
                ("sintercard 1 a limit", "-ERR syntax error"),
                ("sintercard 1 a limit 1 limit 2", ":2"),
                ("sintercard 2 a str", wt),
                ("sintercard 2 nokey str", wt),
                ("sintercard 2 str nokey", wt),
                ("sintercard 1 nokey", ":0"),
                ("sintercard 1 a LIMIT 2", ":2"),
                ("sintercard 1", "-ERR wrong number of arguments for 'sintercard' command"),
                ("sintercard 9223372036854775807 a", "-ERR Number of keys can't be greater than number of args"),
                ("sintercard 2147483648 a", "-ERR Number of keys can't be greater than number of args"),
                ("sinterstore d a b", ":2"),
                ("smembers d", "[$3, $4]"),
                ("sinterstore d a nokey", ":0"),
                ("exists d", ":0"),
                ("sinterstore str a b", ":2"),
                ("type str", "+set"),
                ("set str x", "+OK"),
                ("sinterstore d a str", wt),
                ("sunionstore d a b", ":5"),
                ("sunionstore d nokey", ":0"),
                ("exists d", ":0"),
                ("sdiffstore d a b", ":2"),
                ("smembers d", "[$1, $2]"),
                ("sdiffstore d a a", ":0"),
                ("exists d", ":0"),
                ("sunionstore d a", ":4"),
                ("sunionstore a a b", ":5"),
                ("smembers a", "[$1, $2, $3, $4, $5]"),
                ("sinterstore d", "-ERR wrong number of arguments for 'sinterstore' command"),
                ("sdiffstore str nokey", ":0"),
                ("type str", "+none"),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn sscan_pages() {
        let ks = memory_keyspace().await;
        script(
            &ks,
            &[
                ("set str x", "+OK"),
                ("sadd s a b c", ":3"),
                ("sscan s 0", "[$0, [$a, $b, $c]]"),
                ("sscan s 0 count 0", "-ERR syntax error"),
                ("sscan s 0 count -1", "-ERR syntax error"),
                ("sscan s abc", "-ERR invalid cursor"),
                ("sscan s 0 match", "-ERR syntax error"),
                ("sscan s 0 foo bar", "-ERR syntax error"),
                ("sscan s 0 novalues", "-ERR syntax error"),
                ("sscan s 0 match a*", "[$0, [$a]]"),
                ("sscan s 0 count abc", "-ERR value is not an integer or out of range"),
                ("sscan nokey 0", "[$0, []]"),
                ("sscan nokey 0 foo bar", "[$0, []]"),
                ("sscan nokey abc", "-ERR invalid cursor"),
                ("sscan s 18446744073709551616", "-ERR invalid cursor"),
                ("sscan str 0", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
                ("sscan str 0 foo bar", "-WRONGTYPE Operation against a key holding the wrong kind of value"),
            ],
        )
        .await;
        let members: Vec<String> = (0..25).map(|i| format!("m{i:02}")).collect();
        exec_any(&ks, 0, &format!("sadd big {}", members.join(" ")), 2).await;
        let mut cursor = "0".to_string();
        let mut seen = Vec::new();
        loop {
            let reply = {
                let args = words(&format!("sscan big {cursor} count 7"));
                let mut tx = ks.begin().await.unwrap();
                run(&ks, &mut tx, 0, &args).await.unwrap()
            };
            let Frame::Array(parts) = reply else { panic!() };
            let (Frame::Bulk(c), Frame::Array(items)) = (&parts[0], &parts[1]) else { panic!() };
            seen.extend(items.iter().map(show));
            exec_any(&ks, 0, "srem big m00", 2).await;
            cursor = String::from_utf8(c.clone()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), 25);
    }

    #[tokio::test]
    async fn large_set_random_and_point_writes() {
        let ks = memory_keyspace().await;
        let mut tx = ks.begin().await.unwrap();
        let args: Vec<Vec<u8>> = [b"sadd".to_vec(), b"big".to_vec()]
            .into_iter()
            .chain((0..5000).map(|i| format!("member:{i:05}").into_bytes()))
            .collect();
        assert_eq!(run(&ks, &mut tx, 0, &args).await.unwrap(), Frame::Integer(5000));
        tx.commit().await.unwrap();
        let mut distinct = HashSet::new();
        for _ in 0..50 {
            let m = exec_any(&ks, 0, "srandmember big", 2).await;
            assert!(m.starts_with("$member:"), "{m}");
            distinct.insert(m);
        }
        assert!(distinct.len() > 30, "random picks spread: {}", distinct.len());
        let picks = exec_any(&ks, 0, "srandmember big 10", 2).await;
        let set: HashSet<&str> = picks.trim_matches(['[', ']']).split(", ").collect();
        assert_eq!(set.len(), 10);
        assert_eq!(exec_any(&ks, 0, "srandmember big -30", 2).await.matches('$').count(), 30);
        assert_eq!(exec_any(&ks, 0, "spop big 10", 2).await.matches('$').count(), 10);
        assert_eq!(exec_any(&ks, 0, "scard big", 2).await, ":4990");
        assert_eq!(exec_any(&ks, 0, "sadd big member:00001 extra", 2).await.len(), 2);
        let mut tx = ks.begin().await.unwrap();
        let meta = tx.meta(0, b"big").await.unwrap().unwrap();
        let rows = tx.sub_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, None).await.unwrap();
        assert_eq!(rows.len() as i64, meta.size);
        assert_eq!(
            run(&ks, &mut tx, 0, &words("srandmember big -16777217")).await.err().map(|e| e.reply_line()),
            Some("ERR value is out of range".to_string())
        );
    }

    /// Arbitrary arguments to every sets command never panic.
    #[tokio::test]
    async fn no_panics_on_odd_arguments() {
        let ks = memory_keyspace().await;
        script(&ks, &[("sadd s a b c", ":3"), ("set k v", "+OK"), ("hset h f v", ":1")]).await;
        let pool: &[&[u8]] = &[
            b"",
            b"0",
            b"-1",
            b"1",
            b"2",
            b"3",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"limit",
            b"count",
            b"match",
            b"*",
            b"[",
            b"s",
            b"k",
            b"h",
            b"a",
            b"withvalues",
            b"-5",
        ];
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        for spec in SPECS {
            for _ in 0..200 {
                let args = rng.command(spec.name, pool, 6);
                let mut tx = ks.begin().await.unwrap();
                if run(&ks, &mut tx, 0, &args).await.is_ok() {
                    tx.commit().await.unwrap();
                }
            }
        }
    }
}
