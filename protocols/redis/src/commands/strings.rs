//! The strings commands: GET/SET and friends, counters, ranges, LCS and the bit
//! commands. A string lives entirely in its key's metadata row (`Meta::value`).

use super::args::{self, is, parse_i64, ExpireUnit};
use super::flags::*;
use super::{CommandSpec, Ctx, Family};
use crate::error::{RedisError, RedisResult};
use crate::keyspace::{now_ms, KsTxn, Meta, RedisType};
use crate::resp::Frame;

/// Redis's proto-max-bulk-len default: the longest string SETRANGE, APPEND and SETBIT build.
pub const MAX_STRING_LEN: usize = 512 * 1024 * 1024;

super::family_spec!(Family::Strings);

pub const SPECS: &[CommandSpec] = &[
    spec("get", 2, R_FAST, 1, 1, 1),
    spec("set", -3, W_OOM, 1, 1, 1),
    spec("setnx", 3, W_OOM_FAST, 1, 1, 1),
    spec("setex", 4, W_OOM, 1, 1, 1),
    spec("psetex", 4, W_OOM, 1, 1, 1),
    spec("getset", 3, W_OOM_FAST, 1, 1, 1),
    spec("getdel", 2, W_FAST, 1, 1, 1),
    spec("getex", -2, W_FAST, 1, 1, 1),
    spec("mget", -2, R_FAST, 1, -1, 1),
    spec("mset", -3, W_OOM, 1, -1, 2),
    spec("msetnx", -3, W_OOM, 1, -1, 2),
    spec("incr", 2, W_OOM_FAST, 1, 1, 1),
    spec("decr", 2, W_OOM_FAST, 1, 1, 1),
    spec("incrby", 3, W_OOM_FAST, 1, 1, 1),
    spec("decrby", 3, W_OOM_FAST, 1, 1, 1),
    spec("incrbyfloat", 3, W_OOM_FAST, 1, 1, 1),
    spec("append", 3, W_OOM_FAST, 1, 1, 1),
    spec("strlen", 2, R_FAST, 1, 1, 1),
    spec("getrange", 4, R, 1, 1, 1),
    spec("setrange", 4, W_OOM, 1, 1, 1),
    spec("substr", 4, R, 1, 1, 1),
    spec("lcs", -3, R, 1, 2, 1),
    spec("setbit", 4, W_OOM, 1, 1, 1),
    spec("getbit", 3, R_FAST, 1, 1, 1),
    spec("bitcount", -2, R, 1, 1, 1),
    spec("bitpos", -3, R, 1, 1, 1),
    spec("bitop", -4, W_OOM, 2, -1, 1),
];

pub async fn execute(ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let db = ctx.db();
    run(ctx.txn, db, args).await
}

/// Runs one strings command in `txn` against logical database `db`.
pub(crate) async fn run(txn: &mut KsTxn, db: usize, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let Some(spec) = args.first().and_then(|n| super::lookup(n)) else { return Err(super::unknown_command(args)) };
    if !spec.arity_ok(args.len()) {
        return Err(RedisError::wrong_arity(spec.name));
    }
    let name = spec.name.to_string();
    let a = &args[1..];
    let key = a.first().map(|k| k.as_slice()).unwrap_or_default();
    match name.as_str() {
        "get" => Ok(Frame::bulk_or_null(get(txn, db, key).await?)),
        "set" => set(txn, db, a).await,
        "setnx" => {
            if txn.meta(db, key).await?.is_some() {
                return Ok(Frame::Integer(0));
            }
            put_new(txn, db, key, a[1].clone(), None).await?;
            Ok(Frame::Integer(1))
        }
        "setex" | "psetex" => {
            let unit = if name == "setex" { ExpireUnit::Seconds } else { ExpireUnit::Millis };
            let at = args::parse_set_expire(&a[1], unit, now_ms(), &name)?;
            put_new(txn, db, key, a[2].clone(), Some(at)).await?;
            Ok(Frame::ok())
        }
        "getset" => {
            let old = get(txn, db, key).await?;
            put_new(txn, db, key, a[1].clone(), None).await?;
            Ok(Frame::bulk_or_null(old))
        }
        "getdel" => {
            let old = get(txn, db, key).await?;
            if old.is_some() {
                txn.delete_key(db, key).await?;
            }
            Ok(Frame::bulk_or_null(old))
        }
        "getex" => getex(txn, db, a).await,
        "mget" => {
            let mut out = Vec::with_capacity(a.len());
            for k in a {
                let v = match txn.meta(db, k).await? {
                    Some(m) if m.kind == RedisType::String => Frame::Bulk(m.value),
                    _ => Frame::Null,
                };
                out.push(v);
            }
            Ok(Frame::Array(out))
        }
        "mset" | "msetnx" => {
            if !a.len().is_multiple_of(2) {
                return Err(RedisError::wrong_arity(&name));
            }
            if name == "msetnx" {
                for pair in a.chunks(2) {
                    if txn.meta(db, &pair[0]).await?.is_some() {
                        return Ok(Frame::Integer(0));
                    }
                }
            }
            for pair in a.chunks(2) {
                put_new(txn, db, &pair[0], pair[1].clone(), None).await?;
            }
            Ok(if name == "mset" { Frame::ok() } else { Frame::Integer(1) })
        }
        "incr" => incr_by(txn, db, key, 1).await,
        "decr" => incr_by(txn, db, key, -1).await,
        "incrby" => incr_by(txn, db, key, parse_i64(&a[1])?).await,
        "decrby" => {
            let by = parse_i64(&a[1])?;
            if by == i64::MIN {
                return Err(RedisError::err("decrement would overflow"));
            }
            incr_by(txn, db, key, -by).await
        }
        "incrbyfloat" => incr_by_float(txn, db, key, &a[1]).await,
        "append" => {
            let mut meta = existing_or_new(txn, db, key).await?;
            if meta.value.len().saturating_add(a[1].len()) > MAX_STRING_LEN {
                return Err(too_long());
            }
            meta.value.extend_from_slice(&a[1]);
            txn.put_meta(db, key, &meta).await?;
            Ok(Frame::Integer(meta.value.len() as i64))
        }
        "strlen" => Ok(Frame::Integer(get(txn, db, key).await?.map_or(0, |v| v.len() as i64))),
        "getrange" | "substr" => {
            let (start, end) = (parse_i64(&a[1])?, parse_i64(&a[2])?);
            let value = get(txn, db, key).await?.unwrap_or_default();
            Ok(Frame::Bulk(match range(start, end, value.len() as i64) {
                Some((s, e)) => value[s..=e].to_vec(),
                None => Vec::new(),
            }))
        }
        "setrange" => setrange(txn, db, key, &a[1], &a[2]).await,
        "lcs" => lcs(txn, db, a).await,
        "setbit" => setbit(txn, db, key, &a[1], &a[2]).await,
        "getbit" => {
            let offset = bit_offset(&a[1])?;
            let value = get(txn, db, key).await?.unwrap_or_default();
            let byte = value.get(offset / 8).copied().unwrap_or(0);
            Ok(Frame::Integer(i64::from((byte >> (7 - (offset % 8))) & 1)))
        }
        "bitcount" => bitcount(txn, db, a).await,
        "bitpos" => bitpos(txn, db, a).await,
        "bitop" => bitop(txn, db, a).await,
        _ => Err(super::unknown_command(args)),
    }
}

fn too_long() -> RedisError {
    RedisError::err("string exceeds maximum allowed size (proto-max-bulk-len)")
}

/// The string value of `key`; `None` when missing; WRONGTYPE for other types.
async fn get(txn: &mut KsTxn, db: usize, key: &[u8]) -> RedisResult<Option<Vec<u8>>> {
    Ok(txn.meta_of(db, key, RedisType::String).await?.map(|m| m.value))
}

/// The key's string metadata (keeping its TTL), or a new empty string.
async fn existing_or_new(txn: &mut KsTxn, db: usize, key: &[u8]) -> RedisResult<Meta> {
    match txn.meta_of(db, key, RedisType::String).await? {
        Some(m) => Ok(m),
        None => Ok(txn.new_meta(RedisType::String)),
    }
}

/// Stores `value` as a new string (replacing any key, whatever its type).
async fn put_new(txn: &mut KsTxn, db: usize, key: &[u8], value: Vec<u8>, expire_at: Option<i64>) -> RedisResult<()> {
    let mut meta = txn.new_meta(RedisType::String);
    meta.value = value;
    meta.expire_at_ms = expire_at;
    if expire_at.is_some_and(|at| at <= now_ms()) {
        txn.delete_key(db, key).await?;
        return Ok(());
    }
    txn.put_meta(db, key, &meta).await
}

/// Options shared by SET and GETEX.
#[derive(Default)]
struct StringOptions {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<(ExpireUnit, Vec<u8>)>,
}

/// Redis's parseExtendedStringArgumentsOrReply: `opts` follow the key (and value).
fn parse_string_options(opts: &[Vec<u8>], for_set: bool) -> RedisResult<StringOptions> {
    let mut o = StringOptions::default();
    let mut i = 0;
    while i < opts.len() {
        let opt = &opts[i];
        let next = opts.get(i + 1);
        if for_set && is(opt, "NX") && !o.xx {
            o.nx = true;
        } else if for_set && is(opt, "XX") && !o.nx {
            o.xx = true;
        } else if for_set && is(opt, "GET") {
            o.get = true;
        } else if for_set && is(opt, "KEEPTTL") && !o.persist && o.expire.is_none() {
            o.keepttl = true;
        } else if !for_set && is(opt, "PERSIST") && o.expire.is_none() && !o.keepttl {
            o.persist = true;
        } else if let Some(unit) = expire_unit(opt) {
            let other = o.expire.as_ref().is_some_and(|(u, _)| *u != unit);
            match next {
                Some(v) if !o.keepttl && !o.persist && !other => {
                    o.expire = Some((unit, v.clone()));
                    i += 1;
                }
                _ => return Err(RedisError::syntax()),
            }
        } else {
            return Err(RedisError::syntax());
        }
        i += 1;
    }
    Ok(o)
}

fn expire_unit(opt: &[u8]) -> Option<ExpireUnit> {
    if is(opt, "EX") {
        Some(ExpireUnit::Seconds)
    } else if is(opt, "PX") {
        Some(ExpireUnit::Millis)
    } else if is(opt, "EXAT") {
        Some(ExpireUnit::UnixSeconds)
    } else if is(opt, "PXAT") {
        Some(ExpireUnit::UnixMillis)
    } else {
        None
    }
}

async fn set(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let (key, value) = (&a[0], &a[1]);
    let o = parse_string_options(&a[2..], true)?;
    let expire_at = match &o.expire {
        Some((unit, arg)) => Some(args::parse_set_expire(arg, *unit, now_ms(), "set")?),
        None => None,
    };
    if !(o.nx || o.xx || o.get || o.keepttl) {
        put_new(txn, db, key, value.clone(), expire_at).await?;
        return Ok(Frame::ok());
    }
    let existing = txn.meta(db, key).await?;
    let old_value = match &existing {
        Some(m) if o.get && m.kind != RedisType::String => return Err(RedisError::wrong_type()),
        Some(m) => Some(m.value.clone()),
        None => None,
    };
    let found = existing.is_some();
    if (o.nx && found) || (o.xx && !found) {
        return Ok(if o.get { Frame::bulk_or_null(old_value) } else { Frame::Null });
    }
    let keep = if o.keepttl { existing.and_then(|m| m.expire_at_ms) } else { None };
    put_new(txn, db, key, value.clone(), expire_at.or(keep)).await?;
    Ok(if o.get { Frame::bulk_or_null(old_value) } else { Frame::ok() })
}

async fn getex(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let key = &a[0];
    let o = parse_string_options(&a[1..], false)?;
    let Some(mut meta) = txn.meta_of(db, key, RedisType::String).await? else { return Ok(Frame::Null) };
    let value = meta.value.clone();
    if let Some((unit, arg)) = &o.expire {
        let at = args::parse_set_expire(arg, *unit, now_ms(), "getex")?;
        if at <= now_ms() {
            txn.delete_key(db, key).await?;
        } else {
            meta.expire_at_ms = Some(at);
            txn.put_meta(db, key, &meta).await?;
        }
    } else if o.persist && meta.expire_at_ms.is_some() {
        meta.expire_at_ms = None;
        txn.put_meta(db, key, &meta).await?;
    }
    Ok(Frame::Bulk(value))
}

async fn incr_by(txn: &mut KsTxn, db: usize, key: &[u8], by: i64) -> RedisResult<Frame> {
    let (mut meta, current) = match txn.meta_of(db, key, RedisType::String).await? {
        Some(m) => {
            let current = parse_i64(&m.value)?;
            (m, current)
        }
        None => (txn.new_meta(RedisType::String), 0),
    };
    let next = current.checked_add(by).ok_or_else(|| RedisError::err("increment or decrement would overflow"))?;
    meta.value = next.to_string().into_bytes();
    txn.put_meta(db, key, &meta).await?;
    Ok(Frame::Integer(next))
}

async fn incr_by_float(txn: &mut KsTxn, db: usize, key: &[u8], by: &[u8]) -> RedisResult<Frame> {
    let existing = txn.meta_of(db, key, RedisType::String).await?;
    let text = args::incr_long_double(existing.as_ref().map(|m| m.value.as_slice()), by)?.into_bytes();
    let mut meta = match existing {
        Some(m) => m,
        None => txn.new_meta(RedisType::String),
    };
    meta.value = text.clone();
    txn.put_meta(db, key, &meta).await?;
    Ok(Frame::Bulk(text))
}

/// GETRANGE's normalisation of [start, end] over a string of `len` bytes; `None`: empty.
fn range(start: i64, end: i64, len: i64) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let mut start = if start < 0 { len.saturating_add(start) } else { start };
    let mut end = if end < 0 { len.saturating_add(end) } else { end };
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

async fn setrange(txn: &mut KsTxn, db: usize, key: &[u8], offset: &[u8], value: &[u8]) -> RedisResult<Frame> {
    let offset = parse_i64(offset)?;
    if offset < 0 {
        return Err(RedisError::err("offset is out of range"));
    }
    let existing = txn.meta_of(db, key, RedisType::String).await?;
    if value.is_empty() {
        return Ok(Frame::Integer(existing.map_or(0, |m| m.value.len() as i64)));
    }
    let offset = usize::try_from(offset).map_err(|_| too_long())?;
    if offset.saturating_add(value.len()) > MAX_STRING_LEN {
        return Err(too_long());
    }
    let mut meta = match existing {
        Some(m) => m,
        None => txn.new_meta(RedisType::String),
    };
    if meta.value.len() < offset + value.len() {
        meta.value.resize(offset + value.len(), 0);
    }
    meta.value[offset..offset + value.len()].copy_from_slice(value);
    txn.put_meta(db, key, &meta).await?;
    Ok(Frame::Integer(meta.value.len() as i64))
}

/// A SETBIT/GETBIT offset: 0 .. 2^32 - 1.
fn bit_offset(arg: &[u8]) -> RedisResult<usize> {
    let err = || RedisError::err("bit offset is not an integer or out of range");
    let v = parse_i64(arg).map_err(|_| err())?;
    if !(0..(MAX_STRING_LEN as i64) * 8).contains(&v) {
        return Err(err());
    }
    usize::try_from(v).map_err(|_| err())
}

async fn setbit(txn: &mut KsTxn, db: usize, key: &[u8], offset: &[u8], bit: &[u8]) -> RedisResult<Frame> {
    let offset = bit_offset(offset)?;
    let bit = match bit {
        b"0" => 0u8,
        b"1" => 1u8,
        _ => return Err(RedisError::err("bit is not an integer or out of range")),
    };
    let mut meta = existing_or_new(txn, db, key).await?;
    let byte = offset / 8;
    if meta.value.len() <= byte {
        meta.value.resize(byte + 1, 0);
    }
    let mask = 1u8 << (7 - (offset % 8));
    let old = (meta.value[byte] & mask != 0) as i64;
    if bit == 1 {
        meta.value[byte] |= mask;
    } else {
        meta.value[byte] &= !mask;
    }
    txn.put_meta(db, key, &meta).await?;
    Ok(Frame::Integer(old))
}

/// BYTE / BIT for BITCOUNT and BITPOS; true for BIT.
fn bit_unit(arg: &[u8]) -> RedisResult<bool> {
    if is(arg, "BIT") {
        Ok(true)
    } else if is(arg, "BYTE") {
        Ok(false)
    } else {
        Err(RedisError::syntax())
    }
}

/// Normalises a BITCOUNT/BITPOS [start, end] over `total` units; `None`: empty range.
fn unit_range(start: i64, end: i64, total: i64) -> Option<(i64, i64)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let start = if start < 0 { (total + start).max(0) } else { start };
    let mut end = if end < 0 { (total + end).max(0) } else { end };
    if end >= total {
        end = total - 1;
    }
    (start <= end && total > 0).then_some((start, end))
}

fn bit_at(value: &[u8], bit: i64) -> u8 {
    let byte = value.get((bit / 8) as usize).copied().unwrap_or(0);
    (byte >> (7 - (bit % 8))) & 1
}

async fn bitcount(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let Some(value) = get(txn, db, &a[0]).await? else { return Ok(Frame::Integer(0)) };
    let (first_bit, last_bit) = match a.len() {
        1 => (0, value.len() as i64 * 8 - 1),
        3 | 4 => {
            let (start, end) = (parse_i64(&a[1])?, parse_i64(&a[2])?);
            let bits = match a.get(3) {
                Some(u) => bit_unit(u)?,
                None => false,
            };
            let total = if bits { value.len() as i64 * 8 } else { value.len() as i64 };
            match unit_range(start, end, total) {
                None => return Ok(Frame::Integer(0)),
                Some((s, e)) if bits => (s, e),
                Some((s, e)) => (s * 8, e * 8 + 7),
            }
        }
        _ => return Err(RedisError::syntax()),
    };
    if last_bit < first_bit {
        return Ok(Frame::Integer(0));
    }
    let mut count = 0i64;
    let (first_byte, last_byte) = (first_bit / 8, last_bit / 8);
    for byte in first_byte..=last_byte {
        let mut b = value[byte as usize];
        if byte == first_byte {
            b &= 0xffu8 >> (first_bit % 8);
        }
        if byte == last_byte {
            b &= 0xffu8 << (7 - (last_bit % 8));
        }
        count += i64::from(b.count_ones());
    }
    Ok(Frame::Integer(count))
}

async fn bitpos(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let bit = match parse_i64(&a[1])? {
        0 => 0u8,
        1 => 1u8,
        _ => return Err(RedisError::err("The bit argument must be 1 or 0.")),
    };
    let Some(value) = get(txn, db, &a[0]).await? else {
        return Ok(Frame::Integer(if bit == 1 { -1 } else { 0 }));
    };
    let len = value.len() as i64;
    let start = match a.get(2) {
        Some(s) => parse_i64(s)?,
        None => 0,
    };
    let end_given = a.len() >= 4;
    let end = match a.get(3) {
        Some(e) => parse_i64(e)?,
        None => -1,
    };
    let bits = match a.len() {
        2..=4 => false,
        5 => bit_unit(&a[4])?,
        _ => return Err(RedisError::syntax()),
    };
    let total = if bits { len * 8 } else { len };
    let Some((s, e)) = unit_range(start, end, total) else { return Ok(Frame::Integer(-1)) };
    let (first_bit, last_bit) = if bits { (s, e) } else { (s * 8, e * 8 + 7) };
    let skip = if bit == 1 { 0x00u8 } else { 0xffu8 };
    let mut pos = first_bit;
    while pos <= last_bit {
        if pos % 8 == 0 && pos + 7 <= last_bit && value[(pos / 8) as usize] == skip {
            pos += 8;
            continue;
        }
        if bit_at(&value, pos) == bit {
            return Ok(Frame::Integer(pos));
        }
        pos += 1;
    }
    if bit == 0 && !end_given {
        // Without an explicit end the string counts as padded with zeros on the right.
        return Ok(Frame::Integer(last_bit + 1));
    }
    Ok(Frame::Integer(-1))
}

async fn bitop(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let op = &a[0];
    let dest = &a[1];
    let sources = &a[2..];
    let op = if is(op, "AND") {
        b'&'
    } else if is(op, "OR") {
        b'|'
    } else if is(op, "XOR") {
        b'^'
    } else if is(op, "NOT") {
        b'!'
    } else {
        return Err(RedisError::syntax());
    };
    if op == b'!' && sources.len() != 1 {
        return Err(RedisError::err("BITOP NOT must be called with a single source key."));
    }
    let mut values = Vec::with_capacity(sources.len());
    for k in sources {
        values.push(get(txn, db, k).await?.unwrap_or_default());
    }
    let max = values.iter().map(|v| v.len()).max().unwrap_or(0);
    if max == 0 {
        txn.delete_key(db, dest).await?;
        return Ok(Frame::Integer(0));
    }
    let mut out = vec![0u8; max];
    for (i, slot) in out.iter_mut().enumerate() {
        let byte = |v: &Vec<u8>| v.get(i).copied().unwrap_or(0);
        *slot = match op {
            b'!' => !byte(&values[0]),
            _ => values.iter().skip(1).fold(byte(&values[0]), |acc, v| match op {
                b'&' => acc & byte(v),
                b'|' => acc | byte(v),
                _ => acc ^ byte(v),
            }),
        };
    }
    put_new(txn, db, dest, out, None).await?;
    Ok(Frame::Integer(max as i64))
}

async fn lcs(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let not_strings = || RedisError::err("The specified keys must contain string values");
    let mut strings = Vec::with_capacity(2);
    for k in &a[..2] {
        match txn.meta(db, k).await? {
            Some(m) if m.kind != RedisType::String => return Err(not_strings()),
            Some(m) => strings.push(m.value),
            None => strings.push(Vec::new()),
        }
    }
    let (mut idx, mut len_only, mut with_len, mut min_len) = (false, false, false, 0i64);
    let mut i = 2;
    while i < a.len() {
        let opt = &a[i];
        if is(opt, "IDX") {
            idx = true;
        } else if is(opt, "LEN") {
            len_only = true;
        } else if is(opt, "WITHMATCHLEN") {
            with_len = true;
        } else if is(opt, "MINMATCHLEN") && i + 1 < a.len() {
            min_len = parse_i64(&a[i + 1])?.max(0);
            i += 1;
        } else {
            return Err(RedisError::syntax());
        }
        i += 1;
    }
    if idx && len_only {
        return Err(RedisError::err("If you want both the length and indexes, please just use IDX."));
    }
    let (sa, sb) = (&strings[0], &strings[1]);
    let (alen, blen) = (sa.len(), sb.len());
    let cells = (alen + 1).checked_mul(blen + 1).filter(|c| c.saturating_mul(4) <= MAX_STRING_LEN);
    let Some(cells) = cells else {
        return Err(RedisError::err("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
    };
    let mut dp = vec![0u32; cells];
    let at = |i: usize, j: usize| j * (alen + 1) + i;
    for j in 1..=blen {
        for i in 1..=alen {
            dp[at(i, j)] =
                if sa[i - 1] == sb[j - 1] { dp[at(i - 1, j - 1)] + 1 } else { dp[at(i - 1, j)].max(dp[at(i, j - 1)]) };
        }
    }
    let total = dp[at(alen, blen)] as usize;
    if len_only {
        return Ok(Frame::Integer(total as i64));
    }
    let mut result = vec![0u8; total];
    let mut matches = Vec::new();
    let (mut i, mut j, mut k) = (alen, blen, total);
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (alen, 0usize, 0usize, 0usize);
    while i > 0 && j > 0 {
        let mut emit = false;
        if sa[i - 1] == sb[j - 1] {
            result[k - 1] = sa[i - 1];
            if a_start == alen {
                (a_start, a_end, b_start, b_end) = (i - 1, i - 1, j - 1, j - 1);
            } else if a_start == i && b_start == j {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            k -= 1;
            i -= 1;
            j -= 1;
        } else {
            if dp[at(i - 1, j)] > dp[at(i, j - 1)] {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != alen {
                emit = true;
            }
        }
        if emit {
            let match_len = (a_end - a_start + 1) as i64;
            if min_len == 0 || match_len >= min_len {
                let mut m = vec![
                    Frame::Array(vec![Frame::Integer(a_start as i64), Frame::Integer(a_end as i64)]),
                    Frame::Array(vec![Frame::Integer(b_start as i64), Frame::Integer(b_end as i64)]),
                ];
                if with_len {
                    m.push(Frame::Integer(match_len));
                }
                matches.push(Frame::Array(m));
            }
            a_start = alen;
        }
    }
    if idx {
        return Ok(Frame::Map(vec![
            (Frame::bulk("matches"), Frame::Array(matches)),
            (Frame::bulk("len"), Frame::Integer(total as i64)),
        ]));
    }
    Ok(Frame::Bulk(result))
}

#[cfg(test)]
mod tests {
    use super::super::keys::tests::{exec, run_script};
    use crate::keyspace::tests::memory_keyspace;
    use crate::resp::Frame;

    // Every expected reply below is what redis-server 7.0.15 answered to the same command.
    #[tokio::test]
    async fn set_options_and_errors() {
        run_script(&[
            ("set k v ex 0", "-ERR invalid expire time in 'set' command"),
            ("set k v ex -1", "-ERR invalid expire time in 'set' command"),
            ("set k v px 0", "-ERR invalid expire time in 'set' command"),
            ("set k v exat 0", "-ERR invalid expire time in 'set' command"),
            ("set k v ex abc", "-ERR value is not an integer or out of range"),
            ("set k v ex 10 px 10", "-ERR syntax error"),
            ("set k v nx xx", "-ERR syntax error"),
            ("set k v keepttl ex 10", "-ERR syntax error"),
            ("set k v ex", "-ERR syntax error"),
            ("set k v get nx", "nil"),
            ("set k v foo", "-ERR syntax error"),
            ("set k v ex 9223372036854775807", "-ERR invalid expire time in 'set' command"),
            ("set k v px 9223372036854775807", "-ERR invalid expire time in 'set' command"),
            ("set k v exat 9223372036854775807", "-ERR invalid expire time in 'set' command"),
            ("set k v ex 9223372036854775", "-ERR invalid expire time in 'set' command"),
            ("set k v get", "$v"),
            ("set k v2 get xx", "$v"),
            ("set k v3 nx get", "$v2"),
            ("set k v3 nx", "nil"),
            ("set nok v xx", "nil"),
            ("exists nok", ":0"),
            ("setex k 0 v", "-ERR invalid expire time in 'setex' command"),
            ("setex k -5 v", "-ERR invalid expire time in 'setex' command"),
            ("setex k abc v", "-ERR value is not an integer or out of range"),
            ("psetex k 0 v", "-ERR invalid expire time in 'psetex' command"),
            ("set k v ex 100", "+OK"),
            ("set k v2 keepttl", "+OK"),
            ("ttl k", ":100"),
            ("set k v3", "+OK"),
            ("ttl k", ":-1"),
            ("set k v exat 1", "+OK"),
            ("exists k", ":0"),
            ("setnx k a", ":1"),
            ("setnx k b", ":0"),
            ("getset k c", "$a"),
            ("getset nokey c", "nil"),
            ("getdel k", "$c"),
            ("getdel k", "nil"),
        ])
        .await;
    }

    #[tokio::test]
    async fn getex_and_wrong_types() {
        run_script(&[
            ("set k v2", "+OK"),
            ("getex k ex 0", "-ERR invalid expire time in 'getex' command"),
            ("getex k foo", "-ERR syntax error"),
            ("getex k persist ex 10", "-ERR syntax error"),
            ("getex k ex 10 px 10", "-ERR syntax error"),
            ("getex nokey ex 10", "nil"),
            ("getex nokey ex 0", "nil"),
            ("getex k ex 100", "$v2"),
            ("ttl k", ":100"),
            ("getex k persist", "$v2"),
            ("ttl k", ":-1"),
            ("getex k", "$v2"),
            ("getex k exat 1", "$v2"),
            ("exists k", ":0"),
            ("mset a 1 b 2", "+OK"),
            ("mset a", "-ERR wrong number of arguments for 'mset' command"),
            ("msetnx a 1 b", "-ERR wrong number of arguments for 'msetnx' command"),
            ("msetnx c 3 a 5", ":0"),
            ("exists c", ":0"),
            ("msetnx c 3 d 4", ":1"),
        ])
        .await;
        let ks = memory_keyspace().await;
        let mut tx = ks.begin().await.unwrap();
        let mut m = tx.new_meta(crate::keyspace::RedisType::List);
        m.size = 1;
        tx.put_meta(0, b"l", &m).await.unwrap();
        tx.commit().await.unwrap();
        let wrong = "-WRONGTYPE Operation against a key holding the wrong kind of value";
        for c in [
            "get l",
            "set l v get",
            "incr l",
            "incrbyfloat l 1",
            "append l x",
            "strlen l",
            "getdel l",
            "getrange l 0 1",
            "setbit l 1 1",
            "getbit l 1",
            "bitcount l",
            "getset l x",
        ] {
            assert_eq!(exec(&ks, 0, c).await, wrong, "{c}");
        }
        assert_eq!(exec(&ks, 0, "set a 1").await, "+OK");
        assert_eq!(exec(&ks, 0, "mget a l nokey").await, "[$1, nil, nil]");
        assert_eq!(exec(&ks, 0, "lcs a l").await, "-ERR The specified keys must contain string values");
        assert_eq!(exec(&ks, 0, "bitop and d l").await, wrong);
        // SET without GET overwrites any type.
        assert_eq!(exec(&ks, 0, "set l v").await, "+OK");
        assert_eq!(exec(&ks, 0, "get l").await, "$v");
    }

    #[tokio::test]
    async fn counters() {
        run_script(&[
            ("set n 9223372036854775807", "+OK"),
            ("incr n", "-ERR increment or decrement would overflow"),
            ("set n -9223372036854775808", "+OK"),
            ("decr n", "-ERR increment or decrement would overflow"),
            ("decrby n 9223372036854775807", "-ERR increment or decrement would overflow"),
            ("decrby x -9223372036854775808", "-ERR decrement would overflow"),
            ("incrby x abc", "-ERR value is not an integer or out of range"),
            ("set s \" 1\"", "+OK"),
            ("incr s", "-ERR value is not an integer or out of range"),
            ("set s 1.0", "+OK"),
            ("incr s", "-ERR value is not an integer or out of range"),
            ("set s 01", "+OK"),
            ("incr s", "-ERR value is not an integer or out of range"),
            ("set s +5", "+OK"),
            ("incr s", "-ERR value is not an integer or out of range"),
            ("set e \"\"", "+OK"),
            ("incr e", "-ERR value is not an integer or out of range"),
            ("incrbyfloat e 1", "-ERR value is not a valid float"),
            ("incr c", ":1"),
            ("incrby c 10", ":11"),
            ("decrby c 20", ":-9"),
            ("decr c", ":-10"),
            ("set t 5 ex 100", "+OK"),
            ("incr t", ":6"),
            ("ttl t", ":100"),
            ("set f 10.5", "+OK"),
            ("incrbyfloat f 0.1", "$10.6"),
            ("set g 3.0e3", "+OK"),
            ("incrbyfloat g 0", "$3000"),
            ("incrbyfloat g 5.0e3", "$8000"),
            ("incrbyfloat h 1e20", "$100000000000000000000"),
            ("incrbyfloat h2 1.5e-7", "$0.00000015"),
            ("incrbyfloat h3 0.1", "$0.1"),
            ("incrbyfloat h3 0.2", "$0.3"),
            ("incrbyfloat i inf", "-ERR increment would produce NaN or Infinity"),
            ("incrbyfloat i nan", "-ERR value is not a valid float"),
            ("incrbyfloat i \" 1\"", "-ERR value is not a valid float"),
            ("incrbyfloat i \"1 \"", "-ERR value is not a valid float"),
            ("incrbyfloat k -1e-20", "$0"),
            ("set s 0x10", "+OK"),
            ("incrbyfloat s 1", "$17"),
            ("incrbyfloat s4 .5", "$0.5"),
            ("incrbyfloat s5 5.", "$5"),
            ("incrbyfloat s6 1e5", "$100000"),
            ("get s6", "$100000"),
        ])
        .await;
    }

    #[tokio::test]
    async fn ranges_and_append() {
        run_script(&[
            ("set k foobar", "+OK"),
            ("getrange k -3 -1", "$bar"),
            ("getrange k 5 1", "$"),
            ("getrange k -100 100", "$foobar"),
            ("getrange k 0 -100", "$f"),
            ("getrange k abc 1", "-ERR value is not an integer or out of range"),
            ("substr k 0 2", "$foo"),
            ("getrange nokey 0 -1", "$"),
            ("setrange k 10 x", ":11"),
            ("get k", "$foobar\0\0\0\0x"),
            ("setrange k 536870912 x", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
            ("setrange k -1 x", "-ERR offset is out of range"),
            ("setrange newk 0 \"\"", ":0"),
            ("exists newk", ":0"),
            ("setrange newk 5 \"\"", ":0"),
            ("setrange k 0 \"\"", ":11"),
            ("setrange k 0 F", ":11"),
            ("getrange k 0 2", "$Foo"),
            ("append k2 abc", ":3"),
            ("append k2 de", ":5"),
            ("strlen k2", ":5"),
            ("strlen nokey", ":0"),
        ])
        .await;
    }

    #[tokio::test]
    async fn bits() {
        run_script(&[
            ("setbit b 0 2", "-ERR bit is not an integer or out of range"),
            ("setbit b -1 1", "-ERR bit offset is not an integer or out of range"),
            ("setbit b 4294967296 1", "-ERR bit offset is not an integer or out of range"),
            ("getbit b -1", "-ERR bit offset is not an integer or out of range"),
            ("getbit b 4294967296", "-ERR bit offset is not an integer or out of range"),
            ("set k foobar", "+OK"),
            ("bitcount k", ":26"),
            ("bitcount k 0", "-ERR syntax error"),
            ("bitcount k 0 1 bit foo", "-ERR syntax error"),
            ("bitcount k 1 1 foo", "-ERR syntax error"),
            ("bitcount k 0 -1 bit", ":26"),
            ("bitcount k 5 30 BIT", ":17"),
            ("bitcount k -100 -1", ":26"),
            ("bitcount k 1 1", ":6"),
            ("bitcount nokey 0", ":0"),
            ("bitpos k 1 0 -1 bit", ":1"),
            ("bitpos k 0 2", ":16"),
            ("bitpos k 1 2 -1 byte", ":17"),
            ("bitpos k 0 0 -1", ":0"),
            ("bitpos nokey 0", ":0"),
            ("bitpos nokey 1", ":-1"),
            ("bitpos k 1 0 -1 foo", "-ERR syntax error"),
            ("bitpos k 1 abc", "-ERR value is not an integer or out of range"),
            ("bitpos k 2", "-ERR The bit argument must be 1 or 0."),
            ("setbit k 200 1", ":0"),
            ("getbit k 200", ":1"),
            ("setbit k 200 0", ":1"),
            ("strlen k", ":26"),
            ("setbit ff 0 1", ":0"),
            ("setbit ff 1 1", ":0"),
            ("setbit ff 2 1", ":0"),
            ("setbit ff 3 1", ":0"),
            ("setbit ff 4 1", ":0"),
            ("setbit ff 5 1", ":0"),
            ("setbit ff 6 1", ":0"),
            ("setbit ff 7 1", ":0"),
            ("bitpos ff 0", ":8"),
            ("bitpos ff 0 0 -1", ":-1"),
            ("bitpos ff 1", ":0"),
            ("set a ohmytext", "+OK"),
            ("set b mynewtext", "+OK"),
            ("bitop and dest a b", ":9"),
            ("get dest", "$mhlatd`p\0"),
            ("bitop or dest a nokey", ":8"),
            ("get dest", "$ohmytext"),
            ("bitop not dest a", ":8"),
            ("bitop and dest nokey", ":0"),
            ("exists dest", ":0"),
            ("bitop foo d a", "-ERR syntax error"),
            ("bitop not d a b", "-ERR BITOP NOT must be called with a single source key."),
        ])
        .await;
    }

    #[tokio::test]
    async fn lcs() {
        run_script(&[
            ("set a ohmytext", "+OK"),
            ("set b mynewtext", "+OK"),
            ("lcs a b", "$mytext"),
            ("lcs a b len", ":6"),
            ("lcs a b idx", "{$matches: [[[:4, :7], [:5, :8]], [[:2, :3], [:0, :1]]], $len: :6}"),
            ("lcs a b idx minmatchlen 4 withmatchlen", "{$matches: [[[:4, :7], [:5, :8], :4]], $len: :6}"),
            ("lcs a b idx withmatchlen", "{$matches: [[[:4, :7], [:5, :8], :4], [[:2, :3], [:0, :1], :2]], $len: :6}"),
            ("lcs a b foo", "-ERR syntax error"),
            ("lcs a b idx len", "-ERR If you want both the length and indexes, please just use IDX."),
            ("lcs a b minmatchlen x", "-ERR value is not an integer or out of range"),
            ("lcs a nokey", "$"),
        ])
        .await;
        let _ = Frame::Null;
    }
}
