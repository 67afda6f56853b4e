//! The keys commands: existence, deletion, expiry, renaming, copying between databases,
//! KEYS and SCAN. [`glob_match`] is Redis's `stringmatchlen`, shared with the other
//! SCAN-style commands.

use super::args::{self, is, parse_i64, ExpireUnit};
use super::flags::*;
use super::{CommandSpec, Ctx, Family};
use crate::error::{RedisError, RedisResult};
use crate::keyspace::{now_ms, Keyspace, KsTxn, RedisType, DATABASES};
use crate::resp::Frame;
use std::ops::Bound;

super::family_spec!(Family::Keys);

pub const SPECS: &[CommandSpec] = &[
    spec("del", -2, W, 1, -1, 1),
    spec("unlink", -2, W_FAST, 1, -1, 1),
    spec("exists", -2, R_FAST, 1, -1, 1),
    spec("type", 2, R_FAST, 1, 1, 1),
    spec("expire", -3, W_FAST, 1, 1, 1),
    spec("pexpire", -3, W_FAST, 1, 1, 1),
    spec("expireat", -3, W_FAST, 1, 1, 1),
    spec("pexpireat", -3, W_FAST, 1, 1, 1),
    spec("ttl", 2, R_FAST, 1, 1, 1),
    spec("pttl", 2, R_FAST, 1, 1, 1),
    spec("expiretime", 2, R_FAST, 1, 1, 1),
    spec("pexpiretime", 2, R_FAST, 1, 1, 1),
    spec("persist", 2, W_FAST, 1, 1, 1),
    spec("keys", 2, R, 0, 0, 0),
    spec("scan", -2, R, 0, 0, 0),
    spec("rename", 3, W, 1, 2, 1),
    spec("renamenx", 3, W_FAST, 1, 2, 1),
    spec("randomkey", 1, R, 0, 0, 0),
    spec("copy", -3, W_OOM, 1, 2, 1),
    spec("move", 3, W_FAST, 1, 1, 1),
    spec("touch", -2, R_FAST, 1, -1, 1),
];

/// Keys read per storage scan by KEYS.
const KEYS_PAGE: usize = 1024;

pub async fn execute(ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let db = ctx.db();
    let keyspace = ctx.shared.keyspace.clone();
    run(&keyspace, ctx.txn, db, args).await
}

/// Runs one keys command in `txn` against logical database `db`.
pub(crate) async fn run(ks: &Keyspace, txn: &mut KsTxn, db: usize, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let Some(spec) = args.first().and_then(|n| super::lookup(n)) else { return Err(super::unknown_command(args)) };
    if !spec.arity_ok(args.len()) {
        return Err(RedisError::wrong_arity(spec.name));
    }
    let name = spec.name.to_string();
    let a = &args[1..];
    let key = a.first().map(|k| k.as_slice()).unwrap_or_default();
    match name.as_str() {
        "del" | "unlink" => {
            let mut n = 0;
            for k in a {
                if txn.delete_key(db, k).await? {
                    n += 1;
                }
            }
            Ok(Frame::Integer(n))
        }
        "exists" | "touch" => {
            let mut n = 0;
            for k in a {
                if txn.meta(db, k).await?.is_some() {
                    n += 1;
                }
            }
            Ok(Frame::Integer(n))
        }
        "type" => Ok(Frame::Simple(txn.meta(db, key).await?.map_or("none", |m| m.kind.name()).to_string())),
        "expire" | "pexpire" | "expireat" | "pexpireat" => expire(txn, db, &name, a).await,
        "ttl" | "pttl" | "expiretime" | "pexpiretime" => {
            let Some(meta) = txn.meta(db, key).await? else { return Ok(Frame::Integer(-2)) };
            let Some(at) = meta.expire_at_ms else { return Ok(Frame::Integer(-1)) };
            let ttl = (at - now_ms()).max(0);
            Ok(Frame::Integer(match name.as_str() {
                "ttl" => ttl.saturating_add(500) / 1000,
                "pttl" => ttl,
                "expiretime" => at / 1000,
                _ => at,
            }))
        }
        "persist" => match txn.meta(db, key).await? {
            Some(mut meta) if meta.expire_at_ms.is_some() => {
                meta.expire_at_ms = None;
                txn.put_meta(db, key, &meta).await?;
                Ok(Frame::Integer(1))
            }
            _ => Ok(Frame::Integer(0)),
        },
        "keys" => {
            let all = key == b"*";
            let mut out = Vec::new();
            let mut after: Option<Vec<u8>> = None;
            loop {
                let page = txn.scan_keys(db, after.as_deref(), KEYS_PAGE).await?;
                let done = page.len() < KEYS_PAGE;
                after = page.last().map(|(k, _)| k.clone());
                out.extend(page.into_iter().map(|(k, _)| k).filter(|k| all || glob_match(key, k, false)));
                if done {
                    break;
                }
            }
            Ok(Frame::array_of_bulks(out))
        }
        "scan" => scan(ks, txn, db, a).await,
        "rename" | "renamenx" => {
            let nx = name == "renamenx";
            let (from, to) = (&a[0], &a[1]);
            if txn.meta(db, from).await?.is_none() {
                return Err(RedisError::no_such_key());
            }
            if from == to {
                return Ok(if nx { Frame::Integer(0) } else { Frame::ok() });
            }
            if nx && txn.meta(db, to).await?.is_some() {
                return Ok(Frame::Integer(0));
            }
            txn.move_key(db, from, db, to).await?;
            Ok(if nx { Frame::Integer(1) } else { Frame::ok() })
        }
        "randomkey" => Ok(Frame::bulk_or_null(txn.random_key(db).await?)),
        "copy" => copy(txn, db, a).await,
        "move" => {
            let to_db = parse_db(&a[1])?;
            if to_db == db {
                return Err(RedisError::err("source and destination objects are the same"));
            }
            if txn.meta(db, key).await?.is_none() || txn.meta(to_db, key).await?.is_some() {
                return Ok(Frame::Integer(0));
            }
            txn.move_key(db, key, to_db, key).await?;
            Ok(Frame::Integer(1))
        }
        _ => Err(super::unknown_command(args)),
    }
}

/// A database index argument ("ERR DB index is out of range" beyond 0..16).
fn parse_db(arg: &[u8]) -> RedisResult<usize> {
    let v = parse_i64(arg)?;
    usize::try_from(v).ok().filter(|d| *d < DATABASES).ok_or_else(|| RedisError::err("DB index is out of range"))
}

async fn expire(txn: &mut KsTxn, db: usize, name: &str, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let key = &a[0];
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &a[2..] {
        if is(opt, "NX") {
            nx = true;
        } else if is(opt, "XX") {
            xx = true;
        } else if is(opt, "GT") {
            gt = true;
        } else if is(opt, "LT") {
            lt = true;
        } else {
            return Err(RedisError::err(format!("Unsupported option {}", String::from_utf8_lossy(opt))));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(RedisError::err("NX and XX, GT or LT options at the same time are not compatible"));
    }
    if gt && lt {
        return Err(RedisError::err("GT and LT options at the same time are not compatible"));
    }
    let unit = match name {
        "expire" => ExpireUnit::Seconds,
        "pexpire" => ExpireUnit::Millis,
        "expireat" => ExpireUnit::UnixSeconds,
        _ => ExpireUnit::UnixMillis,
    };
    let now = now_ms();
    let at = args::parse_expire_time(&a[1], unit, now, name)?;
    let Some(mut meta) = txn.meta(db, key).await? else { return Ok(Frame::Integer(0)) };
    let current = meta.expire_at_ms;
    let refused = match current {
        Some(cur) => nx || (gt && at <= cur) || (lt && at >= cur),
        None => xx || gt,
    };
    if refused {
        return Ok(Frame::Integer(0));
    }
    if at <= now {
        txn.delete_key(db, key).await?;
    } else {
        meta.expire_at_ms = Some(at);
        txn.put_meta(db, key, &meta).await?;
    }
    Ok(Frame::Integer(1))
}

/// SCAN cursor MATCH pattern COUNT n TYPE t.
///
/// A cursor is an id in the keyspace's cursor table, which remembers the last key
/// returned; the next call resumes strictly after it in key order. Keys are visited in
/// byte order, so a key present for the whole scan is returned exactly once whatever
/// else is written meanwhile. A cursor the table no longer knows restarts the scan.
async fn scan(ks: &Keyspace, txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let cursor = super::args::parse_scan_cursor(&a[0])?;
    let options = super::args::parse_scan_options(&a[1..], true)?;
    let count = options.count;
    let after = if cursor == 0 { None } else { ks.load_cursor(cursor) };
    let page = txn.scan_keys(db, after.as_deref(), count).await?;
    let next = match page.last() {
        Some((last, _)) if page.len() == count => ks.save_cursor(last.clone()),
        _ => 0,
    };
    let want_type = options.kind.map(RedisType::from_name);
    let keys = page
        .into_iter()
        .filter(|(k, m)| options.matches(k) && want_type.is_none_or(|t| t == Some(m.kind)))
        .map(|(k, _)| Frame::Bulk(k))
        .collect();
    Ok(Frame::Array(vec![Frame::bulk(next.to_string()), Frame::Array(keys)]))
}

async fn copy(txn: &mut KsTxn, db: usize, a: &[Vec<u8>]) -> RedisResult<Frame> {
    let (from, to) = (&a[0], &a[1]);
    let (mut to_db, mut replace) = (db, false);
    let mut i = 2;
    while i < a.len() {
        if is(&a[i], "REPLACE") {
            replace = true;
        } else if is(&a[i], "DB") && i + 1 < a.len() {
            to_db = parse_db(&a[i + 1])?;
            i += 1;
        } else {
            return Err(RedisError::syntax());
        }
        i += 1;
    }
    if from == to && to_db == db {
        return Err(RedisError::err("source and destination objects are the same"));
    }
    let Some(meta) = txn.meta(db, from).await? else { return Ok(Frame::Integer(0)) };
    if txn.meta(to_db, to).await?.is_some() && !replace {
        return Ok(Frame::Integer(0));
    }
    let mut copy = meta.clone();
    if meta.kind != RedisType::String {
        copy.version = txn.next_version();
        for (member, value) in txn.sub_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, None).await? {
            txn.sub_put(copy.version, &member, &value).await?;
        }
        if meta.kind == RedisType::ZSet {
            for (score, member) in
                txn.zindex_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, None).await?
            {
                txn.zindex_put(copy.version, score, &member).await?;
            }
        }
    }
    txn.put_meta(to_db, to, &copy).await?;
    Ok(Frame::Integer(1))
}

/// Redis's `stringmatchlen`: glob matching with `*`, `?`, `[...]` (ranges, `^`
/// negation, `\` escapes) and `\` escapes, byte for byte as Redis 7.0 matches
/// (including its handling of malformed patterns). Iterative, so no pattern can
/// exhaust the stack.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    if string.is_empty() {
        return pattern.is_empty();
    }
    let (mut p, mut s) = (0usize, 0usize);
    // Where to resume after the last '*': (pattern index after it, string index).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if s == string.len() {
            while pattern.get(p) == Some(&b'*') {
                p += 1;
            }
            return p >= pattern.len();
        }
        if pattern.get(p) == Some(&b'*') {
            while pattern.get(p + 1) == Some(&b'*') {
                p += 1;
            }
            if p + 1 == pattern.len() {
                return true;
            }
            star = Some((p + 1, s));
            p += 1;
            continue;
        }
        if p < pattern.len() {
            if let Some(next) = match_one(pattern, p, string[s], nocase) {
                p = next;
                s += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) if ss + 1 < string.len() => {
                star = Some((sp, ss + 1));
                p = sp;
                s = ss + 1;
            }
            _ => return false,
        }
    }
}

/// Matches the one-character token at `pattern[p]` (not `*`) against `c`; the index
/// after the token when it matches.
fn match_one(pattern: &[u8], mut p: usize, c: u8, nocase: bool) -> Option<usize> {
    let at = |i: usize| pattern.get(i).copied().unwrap_or(0);
    let eq = |x: u8, y: u8| if nocase { x.eq_ignore_ascii_case(&y) } else { x == y };
    match pattern[p] {
        b'?' => Some(p + 1),
        b'[' => {
            p += 1;
            let not = at(p) == b'^';
            if not {
                p += 1;
            }
            let mut matched = false;
            loop {
                let left = pattern.len().saturating_sub(p);
                if at(p) == b'\\' && left >= 2 {
                    p += 1;
                    if at(p) == c {
                        matched = true;
                    }
                } else if at(p) == b']' {
                    break;
                } else if left == 0 {
                    p -= 1;
                    break;
                } else if left >= 3 && at(p + 1) == b'-' {
                    // C compares (signed) chars.
                    let (mut start, mut end, mut ch) = (at(p) as i8, at(p + 2) as i8, c as i8);
                    if start > end {
                        std::mem::swap(&mut start, &mut end);
                    }
                    if nocase {
                        start = (start as u8).to_ascii_lowercase() as i8;
                        end = (end as u8).to_ascii_lowercase() as i8;
                        ch = (ch as u8).to_ascii_lowercase() as i8;
                    }
                    p += 2;
                    if ch >= start && ch <= end {
                        matched = true;
                    }
                } else if eq(at(p), c) {
                    matched = true;
                }
                p += 1;
            }
            if not {
                matched = !matched;
            }
            matched.then_some(p + 1)
        }
        b'\\' => {
            if pattern.len() - p >= 2 {
                p += 1;
            }
            eq(pattern[p], c).then_some(p + 1)
        }
        other => eq(other, c).then_some(p + 1),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::commands::{lookup, Family};
    use crate::keyspace::tests::memory_keyspace;
    use std::sync::Arc;

    /// A seeded xorshift64 sequence for the families' deterministic random tests.
    pub(crate) struct XorShift(pub(crate) u64);

    impl XorShift {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        /// A value in `0..n` (0 when `n` is 0).
        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }

        /// Command `name` with fewer than `max_extra` arguments drawn from `pool`.
        pub(crate) fn command(&mut self, name: &str, pool: &[&[u8]], max_extra: u64) -> Vec<Vec<u8>> {
            let mut args = vec![name.as_bytes().to_vec()];
            for _ in 0..self.below(max_extra) {
                args.push(pool[self.below(pool.len() as u64) as usize].to_vec());
            }
            args
        }
    }

    /// Splits a command line on spaces; "..." groups (no escapes inside). Shared by the
    /// command families' tests.
    pub(crate) fn words(line: &str) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let (mut quoted, mut any) = (false, false);
        for ch in line.chars() {
            match ch {
                '"' => {
                    quoted = !quoted;
                    any = true;
                }
                ' ' if !quoted => {
                    if any || !cur.is_empty() {
                        out.push(std::mem::take(&mut cur).into_bytes());
                    }
                    any = false;
                }
                c => cur.push(c),
            }
        }
        if any || !cur.is_empty() {
            out.push(cur.into_bytes());
        }
        out
    }

    pub(crate) fn show(frame: &Frame) -> String {
        match frame {
            Frame::Simple(s) => format!("+{s}"),
            Frame::Error(e) => format!("-{e}"),
            Frame::Integer(i) => format!(":{i}"),
            Frame::Bulk(b) => format!("${}", String::from_utf8_lossy(b)),
            Frame::Null | Frame::NullArray => "nil".into(),
            Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
                format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", "))
            }
            Frame::Map(pairs) => format!(
                "{{{}}}",
                pairs.iter().map(|(k, v)| format!("{}: {}", show(k), show(v))).collect::<Vec<_>>().join(", ")
            ),
            other => format!("{other:?}"),
        }
    }

    /// Runs one command line (arity checked as the connection does) in its own
    /// committed transaction; the reply, or the error line prefixed with '-'.
    pub(crate) async fn exec(ks: &Arc<Keyspace>, db: usize, line: &str) -> String {
        let args = words(line);
        let Some(spec) = lookup(&args[0]) else { return "-unknown".into() };
        if !spec.arity_ok(args.len()) {
            return format!("-{}", RedisError::wrong_arity(spec.name).reply_line());
        }
        let mut tx = ks.begin().await.expect("begin");
        let result = match spec.family {
            Family::Keys => run(ks, &mut tx, db, &args).await,
            Family::Strings => crate::commands::strings::run(&mut tx, db, &args).await,
            _ => panic!("not a keys or strings command: {line}"),
        };
        match result {
            Ok(frame) => {
                tx.commit().await.expect("commit");
                show(&frame)
            }
            Err(e) => format!("-{}", e.reply_line()),
        }
    }

    /// Runs the lines in order on a fresh keyspace (db 0), checking each reply.
    pub(crate) async fn run_script(steps: &[(&str, &str)]) -> Arc<Keyspace> {
        let ks = memory_keyspace().await;
        for (line, want) in steps {
            assert_eq!(exec(&ks, 0, line).await, *want, "{line}");
        }
        ks
    }

    // Expected replies are redis-server 7.0.15's answers to the same commands.
    #[tokio::test]
    async fn expire_family() {
        run_script(&[
            ("set k v", "+OK"),
            ("expire k 100 nx xx", "-ERR NX and XX, GT or LT options at the same time are not compatible"),
            ("expire k 100 gt lt", "-ERR GT and LT options at the same time are not compatible"),
            ("expire k 100 nx gt", "-ERR NX and XX, GT or LT options at the same time are not compatible"),
            ("expire k 100 foo", "-ERR Unsupported option foo"),
            ("expire k abc", "-ERR value is not an integer or out of range"),
            ("expire k 9223372036854775807", "-ERR invalid expire time in 'expire' command"),
            ("pexpire k 9223372036854775807", "-ERR invalid expire time in 'pexpire' command"),
            ("expireat k 9223372036854775807", "-ERR invalid expire time in 'expireat' command"),
            ("expire k 92233720368547758", "-ERR invalid expire time in 'expire' command"),
            ("expire nokey 10", ":0"),
            ("expire k 100 xx", ":0"),
            ("expire k 100 nx", ":1"),
            ("expire k 200 nx", ":0"),
            ("expire k 50 gt", ":0"),
            ("expire k 150 gt", ":1"),
            ("expire k 500 lt", ":0"),
            ("ttl k", ":150"),
            ("persist k", ":1"),
            ("persist k", ":0"),
            ("expire k 100 gt", ":0"),
            ("expire k 100 lt", ":1"),
            ("ttl k", ":100"),
            ("expiretime nokey", ":-2"),
            ("pttl nokey", ":-2"),
            ("ttl nokey", ":-2"),
            ("persist nokey", ":0"),
            ("pexpireat k 4102444800123", ":1"),
            ("expiretime k", ":4102444800"),
            ("pexpiretime k", ":4102444800123"),
            ("expire k -1", ":1"),
            ("exists k", ":0"),
            ("set k v", "+OK"),
            ("ttl k", ":-1"),
            ("pexpiretime k", ":-1"),
            ("pexpireat k 0", ":1"),
            ("exists k", ":0"),
            ("set k v", "+OK"),
            ("pexpireat k 9223372036854775807", ":1"),
        ])
        .await;
    }

    #[tokio::test]
    async fn rename_copy_move() {
        let ks = run_script(&[
            ("set a 1", "+OK"),
            ("rename nokey b", "-ERR no such key"),
            ("renamenx nokey b", "-ERR no such key"),
            ("rename a a", "+OK"),
            ("renamenx a a", ":0"),
            ("expire a 100", ":1"),
            ("rename a b", "+OK"),
            ("ttl b", ":100"),
            ("exists a", ":0"),
            ("renamenx b b", ":0"),
            ("set c 2", "+OK"),
            ("renamenx b c", ":0"),
            ("copy b c", ":0"),
            ("copy b c replace", ":1"),
            ("get c", "$1"),
            ("ttl c", ":100"),
            ("copy b b", "-ERR source and destination objects are the same"),
            ("copy b x db 16", "-ERR DB index is out of range"),
            ("copy b x db abc", "-ERR value is not an integer or out of range"),
            ("copy b x db -1", "-ERR DB index is out of range"),
            ("copy b x db 1 foo", "-ERR syntax error"),
            ("copy nokey x", ":0"),
            ("copy b b db 1", ":1"),
            ("move b 0", "-ERR source and destination objects are the same"),
            ("move b 16", "-ERR DB index is out of range"),
            ("move b abc", "-ERR value is not an integer or out of range"),
            ("move nokey 1", ":0"),
            ("move b 1", ":0"),
            ("move c 1", ":1"),
            ("set b 5", "+OK"),
            ("type nokey", "+none"),
            ("type b", "+string"),
            ("exists b b nokey", ":2"),
            ("touch b b nokey", ":2"),
            ("del b nokey b", ":1"),
            ("unlink c nokey", ":0"),
        ])
        .await;
        assert_eq!(exec(&ks, 1, "get b").await, "$1");
        assert_eq!(exec(&ks, 1, "get c").await, "$1");
        assert_eq!(exec(&ks, 1, "ttl c").await, ":100");
    }

    #[tokio::test]
    async fn collections_rename_and_copy_keep_members() {
        let ks = memory_keyspace().await;
        let mut tx = ks.begin().await.unwrap();
        let mut m = tx.new_meta(RedisType::ZSet);
        tx.sub_put(m.version, b"x", b"1").await.unwrap();
        tx.zindex_put(m.version, 1.0, b"x").await.unwrap();
        m.size = 1;
        tx.put_meta(0, b"z", &m).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(exec(&ks, 0, "rename z z2").await, "+OK");
        assert_eq!(exec(&ks, 0, "copy z2 z3").await, ":1");
        assert_eq!(exec(&ks, 0, "del z2").await, ":1");
        while ks.background_step(1000).await.unwrap() > 0 {}
        let mut tx = ks.begin().await.unwrap();
        let copy = tx.meta(0, b"z3").await.unwrap().unwrap();
        assert_ne!(copy.version, m.version);
        assert_eq!(tx.sub_get(copy.version, b"x").await.unwrap(), Some(b"1".to_vec()));
        let z = tx.zindex_scan(copy.version, Bound::Unbounded, Bound::Unbounded, false, None).await.unwrap();
        assert_eq!(z, vec![(1.0, b"x".to_vec())]);
        assert_eq!(tx.sub_get(m.version, b"x").await.unwrap(), None);
        assert_eq!(exec(&ks, 0, "type z3").await, "+zset");
    }

    #[tokio::test]
    async fn keys_scan_randomkey() {
        let ks = memory_keyspace().await;
        assert_eq!(exec(&ks, 0, "randomkey").await, "nil");
        for k in ["one", "two", "three", "four", "hello", "hallo", "hxllo", "hllo", "heeeello"] {
            assert_eq!(exec(&ks, 0, &format!("set {k} 1")).await, "+OK");
        }
        assert_eq!(exec(&ks, 0, "keys h?llo").await, "[$hallo, $hello, $hxllo]");
        assert_eq!(exec(&ks, 0, "keys h*llo").await, "[$hallo, $heeeello, $hello, $hllo, $hxllo]");
        assert_eq!(exec(&ks, 0, "keys h[ae]llo").await, "[$hallo, $hello]");
        assert_eq!(exec(&ks, 0, "keys h[^e]llo").await, "[$hallo, $hxllo]");
        assert_eq!(exec(&ks, 0, "keys h[a-b]llo").await, "[$hallo]");
        assert_eq!(exec(&ks, 0, "keys *o").await, "[$hallo, $heeeello, $hello, $hllo, $hxllo, $two]");
        assert_eq!(exec(&ks, 0, "keys *").await.matches('$').count(), 9);
        for _ in 0..20 {
            let k = exec(&ks, 0, "randomkey").await;
            assert!(k.starts_with('$') && exec(&ks, 0, &format!("exists {}", &k[1..])).await == ":1");
        }
        assert_eq!(exec(&ks, 0, "scan 0 count 0").await, "-ERR syntax error");
        assert_eq!(exec(&ks, 0, "scan abc").await, "-ERR invalid cursor");
        assert_eq!(exec(&ks, 0, "scan 0 match").await, "-ERR syntax error");
        assert_eq!(exec(&ks, 0, "scan 0 foo bar").await, "-ERR syntax error");
        assert_eq!(exec(&ks, 0, "scan 18446744073709551616").await, "-ERR invalid cursor");
        assert_eq!(exec(&ks, 0, "scan 0 count -1").await, "-ERR syntax error");
        assert_eq!(exec(&ks, 0, "scan 0 type nosuchtype").await, "[$0, []]");
        assert_eq!(exec(&ks, 0, "scan 0 match h*llo count 100 type string").await.matches('$').count(), 6);
        // Paging with concurrent writes: every key present throughout is returned once.
        let mut cursor = "0".to_string();
        let mut seen = Vec::new();
        let mut round = 0;
        loop {
            let reply = {
                let args = vec![b"scan".to_vec(), cursor.clone().into_bytes(), b"count".to_vec(), b"2".to_vec()];
                let mut tx = ks.begin().await.unwrap();
                run(&ks, &mut tx, 0, &args).await.unwrap()
            };
            let Frame::Array(parts) = reply else { panic!() };
            let (Frame::Bulk(c), Frame::Array(keys)) = (&parts[0], &parts[1]) else { panic!() };
            seen.extend(keys.iter().map(show));
            round += 1;
            exec(&ks, 0, &format!("set new{round} 1")).await;
            exec(&ks, 0, "del three").await;
            cursor = String::from_utf8(c.clone()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        for k in ["one", "two", "four", "hello", "hallo", "hxllo", "hllo", "heeeello"] {
            assert_eq!(seen.iter().filter(|s| s[1..] == *k).count(), 1, "{k}");
        }
        // An unknown cursor restarts the scan.
        assert!(exec(&ks, 0, "scan 12345678 count 1000").await.contains("$hallo"));
    }

    // Redis's own stringmatchlen cases (src/util.c tests and keyspace.tcl) plus
    // malformed patterns checked against redis-server 7.0.15 with KEYS.
    #[test]
    fn glob_matches_like_redis() {
        let yes = [
            ("*", "anything"),
            ("a*", "a"),
            ("a*b", "acccb"),
            ("a?c", "abc"),
            ("[abc]", "b"),
            ("[^abc]", "d"),
            ("[a-c]x", "bx"),
            ("[c-a]x", "bx"),
            ("\\*", "*"),
            ("a\\", "a\\"),
            ("[\\]]", "]"),
            ("*a*b*c*", "xxaxxbxxcxx"),
            ("[abc", "a"),
            ("h*l?o", "hello"),
        ];
        for (p, s) in yes {
            assert!(glob_match(p.as_bytes(), s.as_bytes(), false), "{p} ~ {s}");
        }
        let no = [
            ("a*", "b"),
            ("a?c", "ac"),
            ("[abc]", "d"),
            ("[^abc]", "a"),
            ("\\*", "a"),
            ("**", ""),
            ("*a*b*c*", "xxaxxcxxbxx"),
            ("a", "ab"),
            ("ab", "a"),
        ];
        for (p, s) in no {
            assert!(!glob_match(p.as_bytes(), s.as_bytes(), false), "{p} !~ {s}");
        }
        assert!(glob_match(b"HELLO", b"hello", true));
        // KEYS <pattern> over {"a", "a\\", "]", "", "bx"} in redis-server 7.0.15.
        let keys: [&[u8]; 5] = [b"a", b"a\\", b"]", b"", b"bx"];
        for (p, want) in [
            ("[abc", vec![&b"a"[..]]),
            ("a\\", vec![b"a\\"]),
            ("[\\]]", vec![b"]"]),
            ("**", vec![b"a", b"a\\", b"]", b"bx"]),
            ("[c-a]x", vec![b"bx"]),
            ("[a-]", vec![b"a", b"]"]),
            ("a[", vec![]),
            ("[^]", vec![b"a", b"]"]),
            ("\\", vec![]),
        ] {
            let got: Vec<&[u8]> = keys.iter().copied().filter(|k| glob_match(p.as_bytes(), k, false)).collect();
            assert_eq!(got, want, "{p}");
        }
        // Deep patterns neither recurse nor take long.
        let pattern = "*a".repeat(10_000);
        assert!(!glob_match(pattern.as_bytes(), "a".repeat(5_000).as_bytes(), false));
    }

    /// Arbitrary arguments to every keys and strings command never panic.
    #[tokio::test]
    async fn no_panics_on_odd_arguments() {
        let ks = memory_keyspace().await;
        let mut tx = ks.begin().await.unwrap();
        let mut m = tx.new_meta(RedisType::Hash);
        tx.sub_put(m.version, b"f", b"v").await.unwrap();
        m.size = 1;
        tx.put_meta(0, b"h", &m).await.unwrap();
        tx.commit().await.unwrap();
        let pool: &[&[u8]] = &[
            b"",
            b"0",
            b"-1",
            b"1",
            b"2",
            b"9223372036854775807",
            b"-9223372036854775808",
            "\u{e9}".as_bytes(),
            b"[",
            b"\\",
            b"ex",
            b"px",
            b"exat",
            b"nx",
            b"xx",
            b"gt",
            b"get",
            b"keepttl",
            b"persist",
            b"bit",
            b"byte",
            b"idx",
            b"len",
            b"withmatchlen",
            b"minmatchlen",
            b"db",
            b"replace",
            b"count",
            b"match",
            b"type",
            b"*",
            b"k",
            b"h",
            b"s",
            b"not",
            b"and",
            b"inf",
            b"-inf",
            b"1.5",
            b"nan",
            b"0x1p3",
        ];
        let names: Vec<&str> = SPECS.iter().chain(crate::commands::strings::SPECS).map(|s| s.name).collect();
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        for name in names {
            for _ in 0..300 {
                let args = rng.command(name, pool, 6);
                let mut tx = ks.begin().await.unwrap();
                let spec = lookup(&args[0]).unwrap();
                let result = match spec.family {
                    Family::Keys => run(&ks, &mut tx, 0, &args).await,
                    _ => crate::commands::strings::run(&mut tx, 0, &args).await,
                };
                if result.is_ok() {
                    tx.commit().await.unwrap();
                }
            }
        }
    }

    #[test]
    fn cursors_parse_like_strtoul() {
        assert_eq!(crate::commands::args::parse_scan_cursor(b"0").ok(), Some(0));
        assert_eq!(crate::commands::args::parse_scan_cursor(b"").ok(), Some(0));
        assert_eq!(crate::commands::args::parse_scan_cursor(b"-1").ok(), Some(u64::MAX));
        assert_eq!(crate::commands::args::parse_scan_cursor(b"18446744073709551615").ok(), Some(u64::MAX));
        for bad in [&b"abc"[..], b"18446744073709551616", b" 1", b"1 ", b"+"] {
            assert!(crate::commands::args::parse_scan_cursor(bad).is_err());
        }
    }
}
