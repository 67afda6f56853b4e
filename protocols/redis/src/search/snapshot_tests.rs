//! FT index snapshots end to end: listeners started and stopped over one in-memory engine
//! (a restart), with the snapshot rows read, put back or damaged in between through a
//! storage opened over the same engine while no listener runs. An older snapshot put back
//! after later writes is exactly what a kill -9 between those writes and the next snapshot
//! leaves behind.

use super::snapshot_rows;
use crate::test_listener::{raw, show, TestListener};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use redis::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Rows = Vec<(u32, Vec<u8>)>;

fn blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn ok(con: &mut redis::Connection, args: &[&[u8]]) -> Value {
    raw(con, args).unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(args[0])))
}

fn words(con: &mut redis::Connection, line: &str) -> Value {
    let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
    ok(con, &args)
}

fn with_storage<T>(engine: &Arc<MemoryEngine>, work: impl AsyncFnOnce(&dyn TableStorage) -> T) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let storage: Arc<dyn TableStorage> = KvTableStorage::open(engine.clone()).await.expect("storage");
        work(storage.as_ref()).await
    })
}

fn rows(engine: &Arc<MemoryEngine>, name: &str) -> Rows {
    with_storage(engine, async |s| snapshot_rows::rows(s, name).await.expect("rows"))
}

fn put_rows(engine: &Arc<MemoryEngine>, name: &str, rows: &Rows) {
    with_storage(engine, async |s| snapshot_rows::replace_rows(s, name, rows).await.expect("replace"))
}

/// A field of FT.INFO (RESP3), or of one of its nested maps (`section.field`).
fn info(server: &TestListener, idx: &str, path: &str) -> Value {
    let mut con = server.resp3();
    let mut value = ok(&mut con, &[b"FT.INFO", idx.as_bytes()]);
    for part in path.split('.') {
        let Value::Map(pairs) = &value else { panic!("{path}: {}", show(&value)) };
        let found = pairs.iter().find(|(k, _)| matches!(k, Value::BulkString(b) if b == part.as_bytes()));
        value = found.map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no {part} in {}", show(&value)));
    }
    value
}

fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        other => show(other),
    }
}

/// The restore figures FT.INFO reports: (source, kept, inserted, removed).
fn restored(server: &TestListener, idx: &str) -> (String, i64, i64, i64) {
    let int = |path: &str| match info(server, idx, path) {
        Value::Int(n) => n,
        other => panic!("{path}: {}", show(&other)),
    };
    (
        text(&info(server, idx, "restore_stats.source")),
        int("restore_stats.kept"),
        int("restore_stats.inserted"),
        int("restore_stats.removed"),
    )
}

/// Waits for the background writer to store a snapshot holding every change.
fn wait_for_snapshot(server: &TestListener, idx: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while info(server, idx, "snapshot_stats.pending_changes") != Value::Int(0)
        || info(server, idx, "snapshot_stats.writes") == Value::Int(0)
    {
        assert!(Instant::now() < deadline, "no snapshot written: {}", show(&info(server, idx, "snapshot_stats")));
        std::thread::sleep(Duration::from_millis(50));
    }
}

const SCHEMA: &str = "ON HASH PREFIX 1 doc: SCHEMA v VECTOR HNSW 10 TYPE FLOAT32 DIM 2 DISTANCE_METRIC L2 M 4 \
                      EF_CONSTRUCTION 16 color TAG";

fn create(con: &mut redis::Connection, idx: &str, schema: &str) {
    assert_eq!(words(con, &format!("FT.CREATE {idx} {schema}")), Value::Okay);
}

fn point(i: usize) -> [f32; 2] {
    [(i % 7) as f32 * 0.5, (i / 7) as f32 * 0.25 - 1.0]
}

fn hset(con: &mut redis::Connection, key: &str, v: &[f32], color: &str) {
    ok(con, &[b"HSET", key.as_bytes(), b"v", &blob(v), b"color", color.as_bytes()]);
}

/// The answers every test compares: KNN over all, KNN under a tag prefilter and a plain
/// tag query, with scores and fields, plus the document and failure counts.
fn answers(server: &TestListener, idx: &str) -> Vec<String> {
    let mut con = server.client();
    let mut out = Vec::new();
    for (query, q) in [("*=>[KNN 8 @v $B]", [0.3f32, -0.2]), ("(@color:{red})=>[KNN 5 @v $B]", [2.0, 1.0])] {
        let reply = ok(
            &mut con,
            &[b"FT.SEARCH", idx.as_bytes(), query.as_bytes(), b"PARAMS", b"2", b"B", &blob(&q), b"DIALECT", b"2"],
        );
        out.push(show(&reply));
    }
    out.push(show(&ok(
        &mut con,
        &[b"FT.SEARCH", idx.as_bytes(), b"@color:{blue}", b"NOCONTENT", b"LIMIT", b"0", b"100"],
    )));
    out.push(show(&info(server, idx, "num_docs")));
    out.push(show(&info(server, idx, "hash_indexing_failures")));
    out
}

#[test]
fn a_stale_snapshot_is_loaded_and_reconciled_with_the_keyspace() {
    let engine = Arc::new(MemoryEngine::new());
    let server = TestListener::start(engine.clone(), None);
    let mut con = server.client();
    create(&mut con, "idx", SCHEMA);
    for i in 1..=20 {
        hset(&mut con, &format!("doc:{i}"), &point(i), if i % 2 == 0 { "red" } else { "blue" });
    }
    drop(con);
    server.stop();
    let old = rows(&engine, "idx");
    assert!(old.len() >= 2, "a clean shutdown writes the snapshot: header and chunks");

    let server = TestListener::start(engine.clone(), None);
    assert_eq!(restored(&server, "idx"), ("snapshot".into(), 20, 0, 0));
    let mut con = server.client();
    hset(&mut con, "doc:1", &[9.0, 9.0], "blue"); // a changed vector
    hset(&mut con, "doc:2", &point(2), "blue"); // the same vector, another tag
    ok(&mut con, &[b"DEL", b"doc:3"]);
    hset(&mut con, "doc:new", &[0.25, -0.75], "red");
    ok(&mut con, &[b"RENAME", b"doc:4", b"doc:renamed"]);
    ok(&mut con, &[b"HSET", b"doc:5", b"v", &[1, 2, 3]]); // no longer parses
    ok(&mut con, &[b"DEL", b"doc:6"]);
    ok(&mut con, &[b"SET", b"doc:6", b"a string now"]);
    ok(&mut con, &[b"HDEL", b"doc:7", b"v"]); // indexed without a vector
    ok(&mut con, &[b"HSET", b"doc:14", b"v", &blob(&[-0.0, point(14)[1]])]); // -0.0 for 0.0: other bytes
    ok(&mut con, &[b"HSET", b"outside:1", b"v", &blob(&[0.0, 0.0])]);
    drop(con);
    let expected = answers(&server, "idx");
    server.stop();

    // As if killed before the snapshot of those writes: the older snapshot is what is stored.
    put_rows(&engine, "idx", &old);
    let server = TestListener::start(engine.clone(), None);
    // Kept: 20 minus doc:1,3,4,5,6,7,14; inserted: doc:1, doc:14, doc:new, doc:renamed;
    // removed: the old vectors of doc:1,3,4,5,6,7,14.
    assert_eq!(restored(&server, "idx"), ("snapshot".into(), 13, 4, 7));
    assert_eq!(answers(&server, "idx"), expected);
    // The same answers as an index built from the keyspace now.
    let mut con = server.client();
    create(&mut con, "fresh", SCHEMA);
    let fresh = answers(&server, "fresh");
    assert_eq!(fresh.len(), expected.len());
    for (a, b) in fresh.iter().zip(&expected) {
        assert_eq!(a, b);
    }
    assert!(expected[0].contains("doc:new") && !expected[0].contains("doc:3\""), "{}", expected[0]);
    assert!(!expected[1].contains("doc:1\"") && !expected[1].contains("doc:2\""), "now blue: {}", expected[1]);
}

#[test]
fn a_damaged_or_foreign_snapshot_is_ignored_and_the_index_rebuilt_with_the_same_answers() {
    let engine = Arc::new(MemoryEngine::new());
    let server = TestListener::start(engine.clone(), None);
    let mut con = server.client();
    create(&mut con, "idx", SCHEMA);
    for i in 1..=30 {
        hset(&mut con, &format!("doc:{i}"), &point(i), if i % 3 == 0 { "red" } else { "blue" });
    }
    drop(con);
    let expected = answers(&server, "idx");
    server.stop();
    let good = rows(&engine, "idx");
    assert!(good.len() >= 2);

    let mut damaged: Vec<(&str, Rows)> = Vec::new();
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    let middle = flipped[last].1.len() / 2;
    flipped[last].1[middle] ^= 0x10;
    damaged.push(("a flipped bit", flipped));
    let mut short = good.clone();
    short[1].1.truncate(10);
    damaged.push(("a truncated chunk", short));
    let mut missing = good.clone();
    missing.pop();
    damaged.push(("a missing chunk", missing));
    let mut old_version = good.clone();
    old_version[0].1[8..12].copy_from_slice(&0u32.to_le_bytes());
    damaged.push(("an older envelope version", old_version));
    let mut foreign = good.clone();
    foreign[0].1[12] ^= 1;
    damaged.push(("another definition's fingerprint", foreign));
    damaged.push(("garbage", vec![(0, b"garbage".to_vec()), (1, vec![0xff; 64])]));

    for (what, rows_now) in damaged {
        put_rows(&engine, "idx", &rows_now);
        let server = TestListener::start(engine.clone(), None);
        assert_eq!(restored(&server, "idx"), ("keyspace".into(), 0, 30, 0), "{what}");
        assert_ne!(text(&info(&server, "idx", "restore_stats.snapshot_refused")), "", "{what}");
        assert_eq!(answers(&server, "idx"), expected, "{what}");
        server.stop();
        // The rebuilt index wrote a good snapshot again at shutdown.
        let server = TestListener::start(engine.clone(), None);
        assert_eq!(restored(&server, "idx").0, "snapshot", "{what}");
        assert_eq!(answers(&server, "idx"), expected, "{what}");
        server.stop();
    }
}

#[test]
fn dropped_indexes_leave_no_snapshot_and_new_definitions_never_load_an_old_one() {
    let engine = Arc::new(MemoryEngine::new());
    let server = TestListener::start(engine.clone(), None);
    let mut con = server.client();
    create(&mut con, "idx", SCHEMA);
    for i in 1..=12 {
        hset(&mut con, &format!("doc:{i}"), &point(i), "red");
    }
    // The background writer stores the snapshot once writes are quiet; then the drop
    // deletes it with the definition.
    wait_for_snapshot(&server, "idx");
    assert!(matches!(info(&server, "idx", "snapshot_stats.last_bytes"), Value::Int(n) if n > 0));
    assert_eq!(words(&mut con, "FT.DROPINDEX idx"), Value::Okay);
    drop(con);
    server.stop();
    assert!(rows(&engine, "idx").is_empty(), "FT.DROPINDEX removes the snapshot");

    let server = TestListener::start(engine.clone(), None);
    let mut con = server.client();
    create(&mut con, "idx", SCHEMA);
    drop(con);
    server.stop();
    let l2 = rows(&engine, "idx");

    // A new definition under the same name is stored with the L2 snapshot left in place
    // (FT.CREATE itself deletes it; put back here as a stray): the next start refuses it.
    let ip = SCHEMA.replace("L2", "IP");
    let server = TestListener::start(engine.clone(), None);
    let mut con = server.client();
    assert_eq!(words(&mut con, "FT.DROPINDEX idx"), Value::Okay);
    create(&mut con, "idx", &ip);
    drop(con);
    let expected = answers(&server, "idx");
    server.stop();
    put_rows(&engine, "idx", &l2);
    let server = TestListener::start(engine.clone(), None);
    assert_eq!(restored(&server, "idx").0, "keyspace");
    assert!(text(&info(&server, "idx", "restore_stats.snapshot_refused")).contains("another index definition"));
    assert_eq!(answers(&server, "idx"), expected);
    assert!(expected[0].contains("\"__v_score\""), "{}", expected[0]);
}

#[test]
fn store_operations_delete_stray_snapshot_rows() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("open");
        let s = storage.as_ref();
        super::store::ensure_table(s).await.expect("tables");
        let args: Vec<Vec<u8>> = SCHEMA.split(' ').map(|a| a.as_bytes().to_vec()).collect();
        let def = super::schema::IndexDef::parse("idx", 0, &args).expect("def");
        snapshot_rows::write(s, "idx", 1, b"stray").await.expect("write");
        super::store::save(s, &def).await.expect("save");
        assert!(snapshot_rows::rows(s, "idx").await.expect("rows").is_empty(), "FT.CREATE's save");
        snapshot_rows::write(s, "idx", 1, b"stray").await.expect("write");
        super::store::delete(s, "idx").await.expect("delete");
        assert!(snapshot_rows::rows(s, "idx").await.expect("rows").is_empty(), "FT.DROPINDEX's delete");
        assert!(super::store::load(s).await.expect("load").is_empty());
    });
}

#[test]
fn hnsw_answers_are_the_same_from_a_snapshot_as_rebuilt() {
    // Above the exact-search threshold (1,000), so the HNSW graph answers; the keys are
    // written in key order, so a rebuild inserts them in the same order as the writes did.
    let engine = Arc::new(MemoryEngine::new());
    let server = TestListener::start(engine.clone(), None);
    let mut con = server.client();
    create(&mut con, "idx", SCHEMA);
    let mut pipe = redis::pipe();
    for i in 0..1_200usize {
        let v = [((i * 37) % 101) as f32 / 10.0, ((i * 53) % 89) as f32 / 10.0];
        pipe.cmd("HSET").arg(format!("doc:{i:05}")).arg("v").arg(blob(&v)).arg("color").arg(["red", "blue"][i % 2]);
    }
    let () = pipe.query(&mut con).expect("HSET");
    drop(con);
    let before = answers(&server, "idx");
    server.stop();

    let server = TestListener::start(engine.clone(), None);
    assert_eq!(restored(&server, "idx"), ("snapshot".into(), 1_200, 0, 0));
    assert_eq!(answers(&server, "idx"), before);
    server.stop();

    put_rows(&engine, "idx", &Vec::new());
    let server = TestListener::start(engine.clone(), None);
    assert_eq!(restored(&server, "idx"), ("keyspace".into(), 0, 1_200, 0));
    assert_eq!(answers(&server, "idx"), before);
}
