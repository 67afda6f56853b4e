//! FT.* end to end: a listener on a free port driven by the `redis` crate. Expected
//! scores are computed here by hand with RediSearch's definitions (L2: squared Euclidean
//! distance; IP: 1 − inner product; COSINE: 1 − cosine similarity).

use crate::test_listener::{raw, show, TestListener};
use orbit_storage::MemoryEngine;
use redis::Value;
use std::sync::Arc;

fn blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn ok(con: &mut redis::Connection, args: &[&[u8]]) -> Value {
    raw(con, args)
        .unwrap_or_else(|e| panic!("{:?}: {e}", args.iter().map(|a| String::from_utf8_lossy(a)).collect::<Vec<_>>()))
}

fn err(con: &mut redis::Connection, args: &[&[u8]]) -> String {
    match raw(con, args) {
        Ok(v) => panic!("expected an error, got {}", show(&v)),
        Err(e) => e.to_string(),
    }
}

fn bulk(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        other => panic!("not a string: {}", show(other)),
    }
}

/// RESP2 FT.SEARCH reply as (total, [(key, [(field, value)])]).
type Parsed = (i64, Vec<(String, Vec<(String, Vec<u8>)>)>);

fn parse_reply(v: &Value, with_content: bool) -> Parsed {
    let Value::Array(items) = v else { panic!("not an array: {}", show(v)) };
    let Some(Value::Int(total)) = items.first() else { panic!("no total: {}", show(v)) };
    let mut docs = Vec::new();
    let mut rest = items[1..].iter();
    while let Some(key) = rest.next() {
        let mut fields = Vec::new();
        if with_content {
            let Some(Value::Array(pairs)) = rest.next() else { panic!("no fields: {}", show(v)) };
            for pair in pairs.chunks(2) {
                let Value::BulkString(value) = &pair[1] else { panic!("value: {}", show(v)) };
                fields.push((bulk(&pair[0]), value.clone()));
            }
        }
        docs.push((bulk(key), fields));
    }
    (*total, docs)
}

fn field<'a>(fields: &'a [(String, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
    fields.iter().find(|(f, _)| f == name).map(|(_, v)| v.as_slice())
}

fn score(fields: &[(String, Vec<u8>)], name: &str) -> f64 {
    let text = String::from_utf8(field(fields, name).expect("score field").to_vec()).expect("utf8");
    text.parse().unwrap_or_else(|_| panic!("score {text}"))
}

fn knn_keys(con: &mut redis::Connection, idx: &str, query: &str, vector: &[f32]) -> Vec<String> {
    let reply = ok(
        con,
        &[
            b"FT.SEARCH",
            idx.as_bytes(),
            query.as_bytes(),
            b"PARAMS",
            b"2",
            b"B",
            &blob(vector),
            b"NOCONTENT",
            b"DIALECT",
            b"2",
        ],
    );
    parse_reply(&reply, false).1.into_iter().map(|(k, _)| k).collect()
}

const POINTS: [(&str, [f32; 2], &str, &str, &str); 4] = [
    ("doc:a", [1.0, 0.0], "red,small", "10", "the quick brown fox"),
    ("doc:b", [0.0, 2.0], "blue", "20", "lazy dogs sleep"),
    ("doc:c", [3.0, 4.0], "red", "30", "quick dogs run"),
    ("doc:d", [-1.0, -1.0], "green", "40", "slow brown turtle"),
];

fn load(con: &mut redis::Connection, metric: &str, idx: &str) {
    let create = format!(
        "FT.CREATE {idx} ON HASH PREFIX 1 doc: SCHEMA v VECTOR FLAT 6 TYPE FLOAT32 DIM 2 DISTANCE_METRIC {metric} \
         color TAG price NUMERIC SORTABLE body TEXT"
    );
    let args: Vec<&[u8]> = create.split(' ').map(str::as_bytes).collect();
    assert_eq!(ok(con, &args), Value::Okay);
    for (key, v, color, price, body) in POINTS {
        let reply = ok(
            con,
            &[
                b"HSET",
                key.as_bytes(),
                b"v",
                &blob(&v),
                b"color",
                color.as_bytes(),
                b"price",
                price.as_bytes(),
                b"body",
                body.as_bytes(),
            ],
        );
        assert_eq!(reply, Value::Int(4));
    }
}

#[test]
fn knn_scores_follow_redisearch_for_every_metric() {
    let server = TestListener::start(Arc::new(MemoryEngine::new()), None);
    let mut con = server.client();
    let q = [1.0f32, 1.0];
    for (metric, idx) in [("L2", "l2"), ("IP", "ip"), ("COSINE", "cos")] {
        if metric == "L2" {
            load(&mut con, metric, idx);
        } else {
            let create = format!(
                "FT.CREATE {idx} ON HASH PREFIX 1 doc: SCHEMA v VECTOR HNSW 6 TYPE FLOAT32 DIM 2 DISTANCE_METRIC {metric}"
            );
            let args: Vec<&[u8]> = create.split(' ').map(str::as_bytes).collect();
            assert_eq!(ok(&mut con, &args), Value::Okay);
        }
        let expected = |v: [f32; 2]| -> f64 {
            let (a, b) = (v.map(f64::from), q.map(f64::from));
            let dot = a[0] * b[0] + a[1] * b[1];
            match metric {
                "L2" => (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2),
                "IP" => 1.0 - dot,
                _ => 1.0 - dot / ((a[0] * a[0] + a[1] * a[1]).sqrt() * (b[0] * b[0] + b[1] * b[1]).sqrt()),
            }
        };
        let mut want: Vec<(f64, &str)> = POINTS.iter().map(|(k, v, ..)| (expected(*v), *k)).collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        let reply = ok(
            &mut con,
            &[
                b"FT.SEARCH",
                idx.as_bytes(),
                b"*=>[KNN 3 @v $B AS dist]",
                b"PARAMS",
                b"2",
                b"B",
                &blob(&q),
                b"DIALECT",
                b"2",
            ],
        );
        let (total, docs) = parse_reply(&reply, true);
        assert_eq!(total, 3, "{metric}: {}", show(&reply));
        let keys: Vec<&str> = docs.iter().map(|(k, _)| k.as_str()).collect();
        let want_keys: Vec<&str> = want.iter().take(3).map(|(_, k)| *k).collect();
        assert_eq!(keys, want_keys, "{metric}");
        for ((_, fields), (distance, _)) in docs.iter().zip(&want) {
            assert_eq!(fields[0].0, "dist", "the score comes first");
            let got = score(fields, "dist");
            assert!((got - distance).abs() < 1e-9, "{metric}: {got} vs {distance}");
            assert!(field(fields, "color").is_some(), "the hash's fields follow");
        }
    }
    // The default score name, exact integers printed as integers.
    let reply = ok(
        &mut con,
        &[b"FT.SEARCH", b"l2", b"*=>[KNN 1 @v $B]", b"PARAMS", b"2", b"B", &blob(&[1.0, 2.0]), b"DIALECT", b"2"],
    );
    let (_, docs) = parse_reply(&reply, true);
    assert_eq!(docs[0].0, "doc:b");
    assert_eq!(field(&docs[0].1, "__v_score"), Some(&b"1"[..]));
}

#[test]
fn prefilters_narrow_knn_and_plain_queries() {
    let server = TestListener::start(Arc::new(MemoryEngine::new()), None);
    let mut con = server.client();
    load(&mut con, "L2", "idx");
    let q = [0.0f32, 0.0];
    assert_eq!(knn_keys(&mut con, "idx", "(@color:{red})=>[KNN 10 @v $B]", &q), ["doc:a", "doc:c"]);
    assert_eq!(knn_keys(&mut con, "idx", "(@price:[(10 30])=>[KNN 10 @v $B]", &q), ["doc:b", "doc:c"]);
    assert_eq!(knn_keys(&mut con, "idx", "(-@color:{red | green})=>[KNN 10 @v $B]", &q), ["doc:b"]);
    assert_eq!(knn_keys(&mut con, "idx", "(quick | turtle)=>[KNN 2 @v $B]", &q), ["doc:a", "doc:d"]);
    assert_eq!(knn_keys(&mut con, "idx", "(@body:brown @price:[-inf 15])=>[KNN 5 @v $B]", &q), ["doc:a"]);
    let plain = |con: &mut redis::Connection, query: &str| -> Vec<String> {
        parse_reply(&ok(con, &[b"FT.SEARCH", b"idx", query.as_bytes(), b"NOCONTENT"]), false)
            .1
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    assert_eq!(plain(&mut con, "*"), ["doc:a", "doc:b", "doc:c", "doc:d"]);
    assert_eq!(plain(&mut con, "@color:{RED}"), ["doc:a", "doc:c"]);
    assert_eq!(plain(&mut con, "@price:[20 +inf] -dogs"), ["doc:d"]);
    assert_eq!(plain(&mut con, "(@color:{blue} | @color:{green}) | fox"), ["doc:a", "doc:b", "doc:d"]);
    assert_eq!(plain(&mut con, "@price:[(40 inf]"), Vec::<String>::new());

    // SORTBY, LIMIT, RETURN and the total before paging.
    let reply = ok(
        &mut con,
        &[
            b"FT.SEARCH",
            b"idx",
            b"*",
            b"SORTBY",
            b"price",
            b"DESC",
            b"LIMIT",
            b"1",
            b"2",
            b"RETURN",
            b"2",
            b"price",
            b"color",
        ],
    );
    let (total, docs) = parse_reply(&reply, true);
    assert_eq!(total, 4);
    assert_eq!(docs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["doc:c", "doc:b"]);
    assert_eq!(docs[0].1, vec![("price".to_string(), b"30".to_vec()), ("color".to_string(), b"red".to_vec())]);
    let keys_only = ok(&mut con, &[b"FT.SEARCH", b"idx", b"@color:{blue}", b"RETURN", b"0"]);
    assert_eq!(keys_only, Value::Array(vec![Value::Int(1), Value::BulkString(b"doc:b".to_vec())]));
    let reply = ok(&mut con, &[b"FT.SEARCH", b"idx", b"*", b"LIMIT", b"0", b"0"]);
    assert_eq!(reply, Value::Array(vec![Value::Int(4)]));
    // KNN k limits the total; LIMIT pages within it; RETURN of the score alias.
    let reply = ok(
        &mut con,
        &[
            b"FT.SEARCH",
            b"idx",
            b"*=>[KNN 3 @v $B AS d]",
            b"PARAMS",
            b"2",
            b"B",
            &blob(&q),
            b"RETURN",
            b"1",
            b"d",
            b"LIMIT",
            b"1",
            b"5",
            b"DIALECT",
            b"2",
        ],
    );
    let (total, docs) = parse_reply(&reply, true);
    assert_eq!(total, 3);
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].1.len(), 1);
    assert_eq!(docs[0].1[0].0, "d");
}

#[test]
fn resp3_replies_are_redisearch_maps() {
    let server = TestListener::start(Arc::new(MemoryEngine::new()), None);
    let mut con = server.resp3();
    load(&mut con, "L2", "idx");
    let reply = ok(
        &mut con,
        &[
            b"FT.SEARCH",
            b"idx",
            b"*=>[KNN 1 @v $B AS d]",
            b"PARAMS",
            b"2",
            b"B",
            &blob(&[3.0, 4.0]),
            b"RETURN",
            b"1",
            b"d",
            b"DIALECT",
            b"2",
        ],
    );
    assert_eq!(
        show(&reply),
        "{\"attributes\": [], \"format\": \"STRING\", \"results\": [{\"id\": \"doc:c\", \"extra_attributes\": {\"d\": \
         \"0\"}, \"values\": []}], \"total_results\": 1, \"warning\": []}"
    );
    let info = ok(&mut con, &[b"FT.INFO", b"idx"]);
    let Value::Map(pairs) = &info else { panic!("{}", show(&info)) };
    let get = |name: &str| pairs.iter().find(|(k, _)| bulk(k) == name).map(|(_, v)| v.clone());
    assert_eq!(get("num_docs"), Some(Value::Int(4)));
    assert_eq!(get("hash_indexing_failures"), Some(Value::Int(0)));
    assert_eq!(get("index_name").map(|v| bulk(&v)), Some("idx".to_string()));
    assert!(show(&get("attributes").expect("attributes")).contains("\"distance_metric\", \"L2\""));
    assert!(matches!(ok(&mut con, &[b"FT._LIST"]), Value::Set(names) if names.len() == 1));
}

#[test]
fn writes_keep_the_index_right() {
    let server = TestListener::start(Arc::new(MemoryEngine::new()), None);
    let mut con = server.client();
    load(&mut con, "L2", "idx");
    let q = [0.0f32, 0.0];
    let all = |con: &mut redis::Connection| knn_keys(con, "idx", "*=>[KNN 10 @v $B]", &q);
    assert_eq!(all(&mut con), ["doc:a", "doc:d", "doc:b", "doc:c"]);

    // A vector of the wrong length is not indexed and counts as a failure.
    ok(&mut con, &[b"HSET", b"doc:e", b"v", &[1, 2, 3]]);
    let info = ok(&mut con, &[b"FT.INFO", b"idx"]);
    let text = show(&info);
    assert!(text.contains("\"hash_indexing_failures\", 1") && text.contains("\"num_docs\", 4"), "{text}");
    // Fixing it indexes it; keys outside the prefix never are.
    ok(&mut con, &[b"HSET", b"doc:e", b"v", &blob(&[0.1, 0.1])]);
    ok(&mut con, &[b"HSET", b"other:x", b"v", &blob(&[0.0, 0.0])]);
    assert_eq!(all(&mut con)[0], "doc:e");

    ok(&mut con, &[b"HDEL", b"doc:e", b"v"]);
    assert!(!all(&mut con).contains(&"doc:e".to_string()), "HDEL of the vector");
    ok(&mut con, &[b"DEL", b"doc:a"]);
    ok(&mut con, &[b"UNLINK", b"doc:b"]);
    assert_eq!(all(&mut con), ["doc:d", "doc:c"]);
    ok(&mut con, &[b"RENAME", b"doc:c", b"gone:c"]);
    assert_eq!(all(&mut con), ["doc:d"]);
    ok(&mut con, &[b"RENAME", b"gone:c", b"doc:z"]);
    assert_eq!(all(&mut con), ["doc:d", "doc:z"]);

    // MULTI/EXEC writes are seen after EXEC; FT commands are refused inside MULTI.
    ok(&mut con, &[b"MULTI"]);
    ok(&mut con, &[b"HSET", b"doc:m", b"v", &blob(&[0.0, 0.5])]);
    let refused = err(&mut con, &[b"FT.SEARCH", b"idx", b"*"]);
    assert!(refused.contains("not allowed inside a transaction"), "{refused}");
    let aborted = err(&mut con, &[b"EXEC"]);
    assert!(aborted.contains("Transaction discarded"), "{aborted}");
    ok(&mut con, &[b"MULTI"]);
    ok(&mut con, &[b"HSET", b"doc:m", b"v", &blob(&[0.0, 0.5])]);
    ok(&mut con, &[b"DEL", b"doc:d"]);
    ok(&mut con, &[b"EXEC"]);
    assert_eq!(all(&mut con), ["doc:m", "doc:z"]);

    // Expiry: gone from results once the key expires.
    ok(&mut con, &[b"PEXPIRE", b"doc:m", b"100"]);
    assert_eq!(all(&mut con), ["doc:m", "doc:z"]);
    std::thread::sleep(std::time::Duration::from_millis(250));
    assert_eq!(all(&mut con), ["doc:z"]);

    // Another database is not indexed; FLUSHALL empties the index, new writes refill it.
    ok(&mut con, &[b"SELECT", b"1"]);
    ok(&mut con, &[b"HSET", b"doc:one", b"v", &blob(&[0.0, 0.0])]);
    ok(&mut con, &[b"SELECT", b"0"]);
    assert_eq!(all(&mut con), ["doc:z"]);
    ok(&mut con, &[b"SWAPDB", b"0", b"1"]);
    assert_eq!(all(&mut con), ["doc:one"], "SWAPDB brings database 1's hashes into the index");
    ok(&mut con, &[b"FLUSHALL"]);
    assert_eq!(all(&mut con), Vec::<String>::new());
    ok(&mut con, &[b"HSET", b"doc:new", b"v", &blob(&[1.0, 1.0])]);
    assert_eq!(all(&mut con), ["doc:new"]);

    // DROPINDEX DD deletes the indexed hashes.
    ok(&mut con, &[b"HSET", b"other:keep", b"f", b"1"]);
    assert_eq!(ok(&mut con, &[b"FT.DROPINDEX", b"idx", b"DD"]), Value::Okay);
    assert_eq!(ok(&mut con, &[b"EXISTS", b"doc:new", b"other:keep"]), Value::Int(1));
    assert!(err(&mut con, &[b"FT.SEARCH", b"idx", b"*"]).contains("no such index"));
    assert!(err(&mut con, &[b"FT.DROPINDEX", b"idx"]).contains("Unknown Index name"));
}

#[test]
fn indexes_are_rebuilt_after_a_restart() {
    let engine = Arc::new(MemoryEngine::new());
    let server = TestListener::start(engine.clone(), None);
    let mut con = server.client();
    load(&mut con, "COSINE", "idx");
    let q = [0.5f32, 0.25];
    let before = ok(
        &mut con,
        &[
            b"FT.SEARCH",
            b"idx",
            b"(@color:{red | blue})=>[KNN 3 @v $B]",
            b"PARAMS",
            b"2",
            b"B",
            &blob(&q),
            b"DIALECT",
            b"2",
        ],
    );
    drop(con);
    server.stop();
    let server = TestListener::start(engine, None);
    let mut con = server.client();
    let after = ok(
        &mut con,
        &[
            b"FT.SEARCH",
            b"idx",
            b"(@color:{red | blue})=>[KNN 3 @v $B]",
            b"PARAMS",
            b"2",
            b"B",
            &blob(&q),
            b"DIALECT",
            b"2",
        ],
    );
    assert_eq!(show(&before), show(&after));
    assert_eq!(parse_reply(&after, true).0, 3);
    assert_eq!(ok(&mut con, &[b"FT._LIST"]), Value::Array(vec![Value::BulkString(b"idx".to_vec())]));
    assert!(err(&mut con, &[b"FT.CREATE", b"idx", b"SCHEMA", b"f", b"TAG"]).contains("Index already exists"));
}

#[test]
fn errors_and_garbage_never_break_the_connection() {
    let server = TestListener::start(Arc::new(MemoryEngine::new()), None);
    let mut con = server.client();
    load(&mut con, "L2", "idx");
    let cases: &[(&[&[u8]], &str)] = &[
        (&[b"FT.SEARCH", b"idx"], "wrong number of arguments for 'ft.search' command"),
        (&[b"FT.CREATE"], "wrong number of arguments for 'ft.create' command"),
        (&[b"FT.SEARCH", b"nope", b"*"], "no such index"),
        (
            &[b"FT.SEARCH", b"idx", b"*=>[KNN 2 @v $B]", b"PARAMS", b"2", b"B", b"short", b"DIALECT", b"2"],
            "does not match",
        ),
        (&[b"FT.SEARCH", b"idx", b"*=>[KNN 2 @v $B]", b"DIALECT", b"2"], "No such parameter"),
        (&[b"FT.SEARCH", b"idx", b"*", b"LIMIT", b"x", b"1"], "value is not an integer"),
        (&[b"FT.SEARCH", b"idx", b"*", b"PARAMS", b"3", b"a", b"b"], "name value pairs"),
        (&[b"FT.SEARCH", b"idx", b"*", b"PARAMS", b"4", b"a", b"b"], "Bad arguments for PARAMS"),
        (&[b"FT.SEARCH", b"idx", b"*", b"WITHSCORES"], "not supported"),
        (&[b"FT.SEARCH", b"idx", b"*", b"BOGUS"], "Unknown argument"),
        (&[b"FT.SEARCH", b"idx", b"*", b"SORTBY", b"nofield"], "not loaded nor in schema"),
        (&[b"FT.SEARCH", b"idx", b"@color:{"], "Syntax error"),
        (&[b"FT.SEARCH", b"idx", b"\xff\xfe"], "Syntax error"),
        (&[b"FT.AGGREGATE", b"idx", b"*"], "not supported"),
        (&[b"FT.NOSUCH", b"idx"], "unknown command"),
        (&[b"FT.CREATE", b"x", b"ON", b"JSON", b"SCHEMA", b"f", b"TAG"], "not supported"),
        (&[b"FT.DROPINDEX", b"idx", b"XX"], "syntax error"),
        (&[b"FT.INFO", b"nope"], "Unknown index name"),
    ];
    for (args, expected) in cases {
        let e = err(&mut con, args);
        assert!(e.contains(expected), "{:?}: {e}", args.iter().map(|a| String::from_utf8_lossy(a)).collect::<Vec<_>>());
    }
    // Pseudo-random garbage queries: errors or answers, never a dropped connection.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let alphabet = b"@:{}[]()|-*=>$KNN 12 v B\\\"%~abc,.+inf";
    for _ in 0..500 {
        let len = (state % 24) as usize;
        let mut query = Vec::with_capacity(len);
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            query.push(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        let _ =
            raw(&mut con, &[b"FT.SEARCH", b"idx", &query, b"PARAMS", b"2", b"B", &blob(&[0.0, 0.0]), b"DIALECT", b"2"]);
    }
    assert_eq!(ok(&mut con, &[b"PING"]), Value::SimpleString("PONG".into()));
}

#[test]
fn commands_are_in_the_command_table() {
    let server = TestListener::start(Arc::new(MemoryEngine::new()), None);
    let mut con = server.client();
    let info = ok(&mut con, &[b"COMMAND", b"INFO", b"ft.search", b"graphrag.build"]);
    let text = show(&info);
    assert!(text.starts_with("[[\"ft.search\", -3,") && text.contains("[\"graphrag.build\", -4,"), "{text}");
    let docs = show(&ok(&mut con, &[b"COMMAND", b"DOCS", b"ft.create"]));
    assert!(docs.contains("\"module\""), "{docs}");
}
