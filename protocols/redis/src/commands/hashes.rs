//! The hashes commands. A hash is a metadata row (`size` = number of fields) plus one
//! sub-row per field holding its value, so reading or writing one field touches one
//! sub-row. Paging and random picks share the sets module's helpers.

use super::args::{is, parse_i64, LongDouble};
use super::flags::*;
use super::sets::{
    all_entries, checked_repeats, empty_scan, parse_random_count, random_members, remove_members, scan_members,
};
use super::{CommandSpec, Ctx, Family};
use crate::error::{RedisError, RedisResult};
use crate::keyspace::{Keyspace, KsTxn, Meta, RedisType};
use crate::resp::Frame;

super::family_spec!(Family::Hashes);

// Arity, flags and key positions as redis-server 7.0.15's COMMAND INFO reports them.
pub const SPECS: &[CommandSpec] = &[
    spec("hset", -4, W_OOM_FAST, 1, 1, 1),
    spec("hsetnx", 4, W_OOM_FAST, 1, 1, 1),
    spec("hget", 3, R_FAST, 1, 1, 1),
    spec("hmset", -4, W_OOM_FAST, 1, 1, 1),
    spec("hmget", -3, R_FAST, 1, 1, 1),
    spec("hgetall", 2, R, 1, 1, 1),
    spec("hdel", -3, W_FAST, 1, 1, 1),
    spec("hexists", 3, R_FAST, 1, 1, 1),
    spec("hlen", 2, R_FAST, 1, 1, 1),
    spec("hkeys", 2, R, 1, 1, 1),
    spec("hvals", 2, R, 1, 1, 1),
    spec("hincrby", 4, W_OOM_FAST, 1, 1, 1),
    spec("hincrbyfloat", 4, W_OOM_FAST, 1, 1, 1),
    spec("hstrlen", 3, R_FAST, 1, 1, 1),
    spec("hscan", -3, R, 1, 1, 1),
    spec("hrandfield", -2, R, 1, 1, 1),
];

/// Redis's MAX_LONG_DOUBLE_CHARS: `string2ld` refuses anything this long or longer.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

pub async fn execute(ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let db = ctx.db();
    let protocol = ctx.client.protocol;
    let keyspace = ctx.shared.keyspace.clone();
    run(&keyspace, ctx.txn, db, protocol, args).await
}

/// Runs one hashes command in `txn` against logical database `db`, for a client
/// speaking RESP `protocol` (2 or 3: HRANDFIELD WITHVALUES's reply shape differs).
pub(crate) async fn run(
    ks: &Keyspace,
    txn: &mut KsTxn,
    db: usize,
    protocol: u8,
    args: &[Vec<u8>],
) -> RedisResult<Frame> {
    let Some(spec) = args.first().and_then(|n| super::lookup(n)) else { return Err(super::unknown_command(args)) };
    if !spec.arity_ok(args.len()) {
        return Err(RedisError::wrong_arity(spec.name));
    }
    let name = spec.name;
    let a = &args[1..];
    let key = a.first().map(|k| k.as_slice()).unwrap_or_default();
    match name {
        "hset" | "hmset" => {
            if a.len().is_multiple_of(2) {
                return Err(RedisError::wrong_arity(name));
            }
            let mut meta = hash_meta_or_new(txn, db, key).await?;
            let mut added = 0;
            for pair in a[1..].chunks_exact(2) {
                if txn.sub_put(meta.version, &pair[0], &pair[1]).await?.is_none() {
                    added += 1;
                }
            }
            meta.size += added;
            txn.put_meta(db, key, &meta).await?;
            Ok(if name == "hset" { Frame::Integer(added) } else { Frame::ok() })
        }
        "hsetnx" => {
            let mut meta = hash_meta_or_new(txn, db, key).await?;
            if txn.sub_get(meta.version, &a[1]).await?.is_some() {
                return Ok(Frame::Integer(0));
            }
            txn.sub_put(meta.version, &a[1], &a[2]).await?;
            meta.size += 1;
            txn.put_meta(db, key, &meta).await?;
            Ok(Frame::Integer(1))
        }
        "hget" => Ok(Frame::bulk_or_null(get_field(txn, db, key, &a[1]).await?)),
        "hmget" => {
            let meta = hash_meta(txn, db, key).await?;
            let mut out = Vec::with_capacity(a.len() - 1);
            for field in &a[1..] {
                let v = match &meta {
                    Some(m) => txn.sub_get(m.version, field).await?,
                    None => None,
                };
                out.push(Frame::bulk_or_null(v));
            }
            Ok(Frame::Array(out))
        }
        "hgetall" | "hkeys" | "hvals" => {
            let entries = match hash_meta(txn, db, key).await? {
                Some(m) => all_entries(txn, m.version).await?,
                None => Vec::new(),
            };
            Ok(match name {
                "hgetall" => Frame::Map(entries.into_iter().map(|(f, v)| (Frame::Bulk(f), Frame::Bulk(v))).collect()),
                "hkeys" => Frame::array_of_bulks(entries.into_iter().map(|(f, _)| f)),
                _ => Frame::array_of_bulks(entries.into_iter().map(|(_, v)| v)),
            })
        }
        "hdel" => {
            let Some(meta) = hash_meta(txn, db, key).await? else { return Ok(Frame::Integer(0)) };
            Ok(Frame::Integer(remove_members(txn, db, key, meta, &a[1..]).await?))
        }
        "hexists" => Ok(Frame::Integer(get_field(txn, db, key, &a[1]).await?.is_some() as i64)),
        "hlen" => Ok(Frame::Integer(hash_meta(txn, db, key).await?.map_or(0, |m| m.size))),
        "hstrlen" => Ok(Frame::Integer(get_field(txn, db, key, &a[1]).await?.map_or(0, |v| v.len() as i64))),
        "hincrby" => {
            let by = parse_i64(&a[2])?;
            let mut meta = hash_meta_or_new(txn, db, key).await?;
            let current = match txn.sub_get(meta.version, &a[1]).await? {
                Some(v) => Some(parse_i64(&v).map_err(|_| RedisError::err("hash value is not an integer"))?),
                None => None,
            };
            let value = current
                .unwrap_or(0)
                .checked_add(by)
                .ok_or_else(|| RedisError::err("increment or decrement would overflow"))?;
            if txn.sub_put(meta.version, &a[1], value.to_string().as_bytes()).await?.is_none() {
                meta.size += 1;
            }
            txn.put_meta(db, key, &meta).await?;
            Ok(Frame::Integer(value))
        }
        "hincrbyfloat" => hincrbyfloat(txn, db, a).await,
        "hscan" => {
            let cursor = super::args::parse_scan_cursor(&a[1])?;
            let Some(meta) = hash_meta(txn, db, key).await? else { return Ok(empty_scan()) };
            scan_members(ks, txn, meta.version, cursor, &a[2..], true).await
        }
        "hrandfield" => hrandfield(txn, db, protocol, a).await,
        _ => Err(super::unknown_command(args)),
    }
}

async fn hash_meta(txn: &mut KsTxn, db: usize, key: &[u8]) -> RedisResult<Option<Meta>> {
    txn.meta_of(db, key, RedisType::Hash).await
}

/// The hash at `key`, or a new empty one (stored by the caller's `put_meta`).
async fn hash_meta_or_new(txn: &mut KsTxn, db: usize, key: &[u8]) -> RedisResult<Meta> {
    match hash_meta(txn, db, key).await? {
        Some(m) => Ok(m),
        None => Ok(txn.new_meta(RedisType::Hash)),
    }
}

async fn get_field(txn: &mut KsTxn, db: usize, key: &[u8], field: &[u8]) -> RedisResult<Option<Vec<u8>>> {
    match hash_meta(txn, db, key).await? {
        Some(m) => txn.sub_get(m.version, field).await,
        None => Ok(None),
    }
}

/// Redis's `string2ld` limits: a long double argument or value of at least
/// MAX_LONG_DOUBLE_CHARS bytes is not a float.
fn parse_long_double(arg: &[u8]) -> RedisResult<Option<LongDouble>> {
    if arg.len() >= MAX_LONG_DOUBLE_CHARS {
        return Err(RedisError::not_float());
    }
    LongDouble::parse(arg)
}

/// HINCRBYFLOAT key field increment: Redis's long double arithmetic and formatting.
async fn hincrbyfloat(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let (key, field) = (&a[0], &a[1]);
    let Some(by) = parse_long_double(&a[2])? else { return Err(RedisError::err("value is NaN or Infinity")) };
    let mut meta = hash_meta_or_new(txn, db, key).await?;
    let nan_or_inf = || RedisError::err("increment would produce NaN or Infinity");
    let old = txn.sub_get(meta.version, field).await?;
    let sum = match &old {
        Some(v) => {
            let current = parse_long_double(v)
                .map_err(|_| RedisError::err("hash value is not a float"))?
                .ok_or_else(nan_or_inf)?;
            current.add(&by).ok_or_else(nan_or_inf)?
        }
        None => by,
    };
    let text = sum.to_redis_string();
    if txn.sub_put(meta.version, field, text.as_bytes()).await?.is_none() {
        meta.size += 1;
    }
    txn.put_meta(db, key, &meta).await?;
    Ok(Frame::Bulk(text.into_bytes()))
}

/// HRANDFIELD key [count [WITHVALUES]]
async fn hrandfield(txn: &mut KsTxn, db: usize, protocol: u8, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let key = &a[0];
    let Some(count_arg) = a.get(1) else {
        let Some(meta) = hash_meta(txn, db, key).await? else { return Ok(Frame::Null) };
        let one = random_members(txn, &meta, 1, true).await?;
        return Ok(one.into_iter().next().map_or(Frame::Null, |(f, _)| Frame::Bulk(f)));
    };
    let count = parse_random_count(count_arg)?;
    let with_values = match a.get(2) {
        None => false,
        Some(opt) if a.len() == 3 && is(opt, "WITHVALUES") => {
            if !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
                return Err(RedisError::err("value is out of range"));
            }
            true
        }
        Some(_) => return Err(RedisError::syntax()),
    };
    let Some(meta) = hash_meta(txn, db, key).await? else { return Ok(Frame::Array(Vec::new())) };
    let picked = if count >= 0 {
        random_members(txn, &meta, count.unsigned_abs(), true).await?
    } else {
        random_members(txn, &meta, checked_repeats(count)?, false).await?
    };
    let mut out = Vec::with_capacity(picked.len() * if with_values { 2 } else { 1 });
    for (field, value) in picked {
        match (with_values, protocol >= 3) {
            (false, _) => out.push(Frame::Bulk(field)),
            (true, false) => {
                out.push(Frame::Bulk(field));
                out.push(Frame::Bulk(value));
            }
            (true, true) => out.push(Frame::Array(vec![Frame::Bulk(field), Frame::Bulk(value)])),
        }
    }
    Ok(Frame::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::keys::tests::show;
    use crate::commands::keys::tests::{words, XorShift};
    use crate::commands::sets::tests::{exec_any, script};
    use crate::keyspace::tests::memory_keyspace;
    use std::ops::Bound;

    const WT: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value";

    // Expected replies are redis-server 7.0.15's answers to the same commands.
    #[tokio::test]
    async fn basic_hash_commands() {
        let ks = memory_keyspace().await;
        script(
            &ks,
            &[
                ("hset h a 1 b 2", ":2"),
                ("hset h a 1 b", "-ERR wrong number of arguments for 'hset' command"),
                ("hset h", "-ERR wrong number of arguments for 'hset' command"),
                ("hmset h a 1 b", "-ERR wrong number of arguments for 'hmset' command"),
                ("hmset h a 10 c 3", "+OK"),
                ("hsetnx h a 5", ":0"),
                ("hsetnx h z 5", ":1"),
                ("hsetnx h z", "-ERR wrong number of arguments for 'hsetnx' command"),
                ("hget h a", "$10"),
                ("hget h nope", "nil"),
                ("hget nokey a", "nil"),
                ("hmget h a nope b", "[$10, nil, $2]"),
                ("hmget nokey a b", "[nil, nil]"),
                ("hgetall h", "{$a: $10, $b: $2, $c: $3, $z: $5}"),
                ("hgetall nokey", "{}"),
                ("hdel h a nope a", ":1"),
                ("hdel nokey a", ":0"),
                ("hexists h b", ":1"),
                ("hexists h a", ":0"),
                ("hlen h", ":3"),
                ("hlen nokey", ":0"),
                ("hkeys h", "[$b, $c, $z]"),
                ("hvals h", "[$2, $3, $5]"),
                ("hkeys nokey", "[]"),
                ("hstrlen h b", ":1"),
                ("hstrlen h nope", ":0"),
                ("hstrlen nokey f", ":0"),
                ("hdel h b c z", ":3"),
                ("exists h", ":0"),
                ("hlen h", ":0"),
                ("set s x", "+OK"),
                ("hset s a 1", WT),
                ("hsetnx s a 1", WT),
                ("hmset s a 1", WT),
                ("hget s a", WT),
                ("hmget s a", WT),
                ("hgetall s", WT),
                ("hkeys s", WT),
                ("hvals s", WT),
                ("hexists s a", WT),
                ("hstrlen s a", WT),
                ("hincrby s a 1", WT),
                ("hincrbyfloat s a 1", WT),
                ("hlen s", WT),
                ("hdel s a", WT),
                ("hrandfield s", WT),
                ("hrandfield s 1", WT),
                ("hscan s 0", WT),
                ("hscan s 0 foo bar", WT),
                ("get s", "$x"),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn counters() {
        let ks = memory_keyspace().await;
        script(
            &ks,
            &[
                ("hset n x abc y 9223372036854775807 z \" 1\" w 10 v 1.5", ":5"),
                ("hincrby n x 1", "-ERR hash value is not an integer"),
                ("hincrby n y 1", "-ERR increment or decrement would overflow"),
                ("hincrby n w abc", "-ERR value is not an integer or out of range"),
                ("hincrby n w 9223372036854775807", "-ERR increment or decrement would overflow"),
                ("hincrby n w -9223372036854775808", ":-9223372036854775798"),
                ("hincrby n z 1", "-ERR hash value is not an integer"),
                ("hincrby n v 1", "-ERR hash value is not an integer"),
                ("hincrby n new 5", ":5"),
                ("hincrby n w 01", "-ERR value is not an integer or out of range"),
                ("hincrby nokey f -3", ":-3"),
                ("hincrbyfloat n v 0.1", "$1.6"),
                ("hincrbyfloat n x 1", "-ERR hash value is not a float"),
                ("hincrbyfloat n w 1.5", "$-9223372036854775796.5"),
                ("hincrbyfloat n w abc", "-ERR value is not a valid float"),
                ("hincrbyfloat n w inf", "-ERR value is NaN or Infinity"),
                ("hincrbyfloat n w nan", "-ERR value is not a valid float"),
                ("hincrbyfloat n new2 1e3", "$1000"),
                ("hincrbyfloat n z 1", "-ERR hash value is not a float"),
                ("hset n sp \"1 \"", ":1"),
                ("hincrbyfloat n sp 1", "-ERR hash value is not a float"),
                ("hset n e \"\"", ":1"),
                ("hincrbyfloat n e 1", "-ERR hash value is not a float"),
                ("hincrby n e 1", "-ERR hash value is not an integer"),
                ("hset n hx 0x10", ":1"),
                ("hincrbyfloat n hx 1", "$17"),
                ("hincrby n y -1", ":9223372036854775806"),
                ("hincrbyfloat n y 1", "$9223372036854775807"),
                ("hset n i inf", ":1"),
                ("hincrbyfloat n i 1", "-ERR increment would produce NaN or Infinity"),
                ("hget n hx", "$17"),
                ("hlen n", ":11"),
                ("hincrbyfloat nokey2 f 0.1", "$0.1"),
                ("hincrbyfloat nokey2 f 0.2", "$0.3"),
            ],
        )
        .await;
        // 1e400 is a long double: Redis answers with its exact %.17Lf digits.
        assert_eq!(exec_any(&ks, 0, "hset n big 1e400", 2).await, ":1");
        let big = exec_any(&ks, 0, "hincrbyfloat n big 1", 2).await;
        assert_eq!((&big[..12], big.len()), ("$10000000000", 402));
        let long = format!("hincrbyfloat n w 1{}", "0".repeat(5200));
        assert_eq!(exec_any(&ks, 0, &long, 2).await, "-ERR value is not a valid float");
    }

    #[tokio::test]
    async fn hrandfield_shapes() {
        let ks = memory_keyspace().await;
        script(
            &ks,
            &[
                ("hset h a 1 b 2 c 3", ":3"),
                ("hrandfield nokey", "nil"),
                ("hrandfield nokey 3", "[]"),
                ("hrandfield nokey 3 withvalues", "[]"),
                ("hrandfield h 0", "[]"),
                ("hrandfield h 0 withvalues", "[]"),
                ("hrandfield h 5", "[$a, $b, $c]"),
                ("hrandfield h 9223372036854775807", "[$a, $b, $c]"),
                ("hrandfield h 2 foo", "-ERR syntax error"),
                ("hrandfield h abc", "-ERR value is not an integer or out of range"),
                ("hrandfield h withvalues", "-ERR value is not an integer or out of range"),
                ("hrandfield h 1 withvalues extra", "-ERR syntax error"),
                (
                    "hrandfield h -9223372036854775808",
                    "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                ),
                ("hrandfield h -4611686018427387904 withvalues", "-ERR value is out of range"),
                ("hrandfield h 9223372036854775807 withvalues", "-ERR value is out of range"),
                ("hrandfield nokey abc", "-ERR value is not an integer or out of range"),
                ("hrandfield nokey 3 foo", "-ERR syntax error"),
                ("hrandfield s abc", "-ERR value is not an integer or out of range"),
            ],
        )
        .await;
        for _ in 0..10 {
            let one = exec_any(&ks, 0, "hrandfield h", 2).await;
            assert!(["$a", "$b", "$c"].contains(&one.as_str()), "{one}");
            let r2 = exec_any(&ks, 0, "hrandfield h -5 withvalues", 2).await;
            assert_eq!(r2.matches('$').count(), 10, "{r2}");
            let r3 = exec_any(&ks, 0, "hrandfield h 2 withvalues", 3).await;
            // RESP3: an array of [field, value] pairs.
            assert_eq!(r3.matches("[$").count(), 2, "{r3}");
            for pair in ["[$a, $1]", "[$b, $2]", "[$c, $3]"] {
                assert!(r3.matches(pair).count() <= 1);
            }
            let r2 = exec_any(&ks, 0, "hrandfield h 2 withvalues", 2).await;
            assert_eq!(r2.matches('[').count(), 1, "{r2}");
        }
        assert_eq!(exec_any(&ks, 0, "hrandfield h 3 withvalues", 3).await, "[[$a, $1], [$b, $2], [$c, $3]]");
        assert_eq!(exec_any(&ks, 0, "hrandfield h 3 withvalues", 2).await, "[$a, $1, $b, $2, $c, $3]");
    }

    #[tokio::test]
    async fn hscan_pages() {
        let ks = memory_keyspace().await;
        script(
            &ks,
            &[
                ("hset h a 1 b 2 c 3", ":3"),
                ("hscan h 0", "[$0, [$a, $1, $b, $2, $c, $3]]"),
                ("hscan h 0 count 0", "-ERR syntax error"),
                ("hscan h 0 count -1", "-ERR syntax error"),
                ("hscan h abc", "-ERR invalid cursor"),
                ("hscan h 0 match", "-ERR syntax error"),
                ("hscan h 0 foo bar", "-ERR syntax error"),
                ("hscan h 0 match a* count 10", "[$0, [$a, $1]]"),
                ("hscan h 0 novalues", "-ERR syntax error"),
                ("hscan nokey 0", "[$0, []]"),
                ("hscan nokey 0 count 0", "[$0, []]"),
                ("hscan nokey abc", "-ERR invalid cursor"),
                ("hscan h 18446744073709551616", "-ERR invalid cursor"),
                ("hscan h 0 count 9223372036854775807", "[$0, [$a, $1, $b, $2, $c, $3]]"),
                ("hscan h 0 count 1 count 5", "[$0, [$a, $1, $b, $2, $c, $3]]"),
                ("hscan h 0 count abc", "-ERR value is not an integer or out of range"),
                ("hscan h 0 MATCH [ab]", "[$0, [$a, $1, $b, $2]]"),
            ],
        )
        .await;
        let fields: Vec<String> = (0..30).map(|i| format!("f{i:02} {i}")).collect();
        exec_any(&ks, 0, &format!("hset big {}", fields.join(" ")), 2).await;
        let mut cursor = "0".to_string();
        let mut seen = 0;
        loop {
            let mut tx = ks.begin().await.unwrap();
            let reply = run(&ks, &mut tx, 0, 2, &words(&format!("hscan big {cursor} count 4"))).await.unwrap();
            drop(tx);
            let Frame::Array(parts) = reply else { panic!() };
            let (Frame::Bulk(c), Frame::Array(items)) = (&parts[0], &parts[1]) else { panic!() };
            seen += items.len();
            cursor = String::from_utf8(c.clone()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen, 60);
        assert!(show(&Frame::Null) == "nil");
    }

    /// HSET / HGET / HDEL of one field of a 10,000-field hash touch that field's
    /// sub-row only: same version (no rewrite), every other sub-row unchanged, size exact.
    #[tokio::test]
    async fn point_writes_on_a_large_hash() {
        let ks = memory_keyspace().await;
        let mut tx = ks.begin().await.unwrap();
        let mut args = vec![b"hset".to_vec(), b"big".to_vec()];
        for i in 0..10_000 {
            args.push(format!("field:{i:05}").into_bytes());
            args.push(format!("value{i}").into_bytes());
        }
        assert_eq!(run(&ks, &mut tx, 0, 2, &args).await.unwrap(), Frame::Integer(10_000));
        tx.commit().await.unwrap();
        let mut tx = ks.begin().await.unwrap();
        let before = tx.meta(0, b"big").await.unwrap().unwrap();
        let rows_before = tx.sub_scan(before.version, Bound::Unbounded, Bound::Unbounded, false, None).await.unwrap();
        drop(tx);
        assert_eq!(exec_any(&ks, 0, "hset big field:05000 changed", 2).await, ":0");
        assert_eq!(exec_any(&ks, 0, "hset big newfield x", 2).await, ":1");
        assert_eq!(exec_any(&ks, 0, "hdel big field:00001", 2).await, ":1");
        assert_eq!(exec_any(&ks, 0, "hincrby big counter 7", 2).await, ":7");
        assert_eq!(exec_any(&ks, 0, "hget big field:05000", 2).await, "$changed");
        assert_eq!(exec_any(&ks, 0, "hlen big", 2).await, ":10001");
        let mut tx = ks.begin().await.unwrap();
        let after = tx.meta(0, b"big").await.unwrap().unwrap();
        assert_eq!(after.version, before.version, "no rewrite under a new version");
        assert_eq!(after.size, 10_001);
        let rows_after = tx.sub_scan(after.version, Bound::Unbounded, Bound::Unbounded, false, None).await.unwrap();
        assert_eq!(rows_after.len(), 10_001);
        let changed: Vec<_> = rows_before.iter().filter(|r| !rows_after.contains(r)).map(|(f, _)| f.clone()).collect();
        assert_eq!(changed, vec![b"field:00001".to_vec(), b"field:05000".to_vec()]);
        drop(tx);
        // Random picks on a large hash come from it.
        for _ in 0..20 {
            let f = exec_any(&ks, 0, "hrandfield big", 2).await;
            assert_eq!(exec_any(&ks, 0, &format!("hexists big {}", &f[1..]), 2).await, ":1", "{f}");
        }
        assert_eq!(exec_any(&ks, 0, "hrandfield big 5 withvalues", 2).await.matches('$').count(), 10);
        assert_eq!(exec_any(&ks, 0, "hrandfield big -7", 2).await.matches('$').count(), 7);
    }

    /// Arbitrary arguments to every hashes command never panic.
    #[tokio::test]
    async fn no_panics_on_odd_arguments() {
        let ks = memory_keyspace().await;
        script(&ks, &[("hset h f 1 g x", ":2"), ("set k v", "+OK"), ("sadd s a", ":1")]).await;
        let pool: &[&[u8]] = &[
            b"",
            b"0",
            b"-1",
            b"1",
            b"2",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"1.5",
            b"inf",
            b"nan",
            b"0x1p3",
            b"withvalues",
            b"count",
            b"match",
            b"*",
            b"h",
            b"k",
            b"s",
            b"f",
            b"g",
        ];
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for spec in SPECS {
            for _ in 0..200 {
                let args = rng.command(spec.name, pool, 6);
                let protocol = (rng.below(2) + 2) as u8;
                let mut tx = ks.begin().await.unwrap();
                if run(&ks, &mut tx, 0, protocol, &args).await.is_ok() {
                    tx.commit().await.unwrap();
                }
            }
        }
    }
}
