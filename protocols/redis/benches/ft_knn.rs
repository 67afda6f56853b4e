//! FT.SEARCH KNN over RESP, printed figures (no assertions): a Redis listener in this
//! process over in-memory storage, driven by the `redis` crate on one connection.
//!
//! Loads `FT_N` hashes (default 100,000) with `FT_DIM`-dimensional (default 64) random
//! FLOAT32 vectors and a tag under an HNSW index and a FLAT one, then measures FT.SEARCH
//! `*=>[KNN 10 @v $B]` latency (p50/p95/p99) and queries per second on each, HNSW recall@10
//! against FLAT, a tag-prefiltered KNN, and restarts:
//!
//! - waits for the background snapshots of both indexes and prints what writing them took;
//! - restarts over the same storage and times it until both indexes answer (wall and CPU
//!   seconds of this process, which runs the listener), with how each index came back
//!   (FT.INFO `restore_stats`: snapshot read, keyspace scan and reconcile) and whether the
//!   answers are the ones given before the restart;
//! - unless `FT_REBUILD_RESTART=0`, deletes the snapshots and restarts again: the rebuild
//!   from the keyspace that every start did before snapshots existed.
//!
//! Run: `cargo bench -p orbit-redis --bench ft_knn` (FT_N=10000 for a quick run).

use orbit_protocol_api::{ListenerContext, ProtocolListener};
use orbit_redis::search::snapshot_rows as snapshots;
use orbit_redis::RedisListener;
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Listener {
    port: u16,
    stop: tokio::sync::watch::Sender<bool>,
    thread: std::thread::JoinHandle<()>,
}

fn start(engine: Arc<MemoryEngine>) -> Listener {
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let storage: Arc<dyn TableStorage> = KvTableStorage::open(engine).await.expect("storage");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let local_addr = listener.local_addr().expect("addr");
            let ctx = ListenerContext { storage, graphrag_storage: None, local_addr, shutdown };
            let serving = tokio::spawn(Box::new(RedisListener::default()).serve(listener, ctx));
            // `serve` binds its keyspace and rebuilds the FT indexes before it accepts.
            port_tx.send(local_addr.port()).expect("port");
            serving.await.expect("serve task").expect("serve");
        });
    });
    let port = port_rx.recv().expect("port");
    Listener { port, stop, thread }
}

fn connect(port: u16) -> redis::Connection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).expect("client");
    for _ in 0..6000 {
        if let Ok(con) = client.get_connection() {
            return con;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("listener did not answer");
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    fn vector(&mut self, dim: usize) -> Vec<u8> {
        (0..dim).flat_map(|_| self.next().to_le_bytes()).collect()
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn knn_keys(con: &mut redis::Connection, index: &str, query: &str, vector: &[u8]) -> Vec<Vec<u8>> {
    let reply: redis::Value = redis::cmd("FT.SEARCH")
        .arg(index)
        .arg(query)
        .arg("PARAMS")
        .arg(2)
        .arg("B")
        .arg(vector)
        .arg("NOCONTENT")
        .arg("DIALECT")
        .arg(2)
        .query(con)
        .expect("FT.SEARCH");
    let redis::Value::Array(items) = reply else { panic!("reply") };
    items
        .into_iter()
        .skip(1)
        .filter_map(|v| match v {
            redis::Value::BulkString(b) => Some(b),
            _ => None,
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

/// Latencies of `queries` KNN searches, printed; returns the hits of each.
fn measure(
    con: &mut redis::Connection,
    label: &str,
    index: &str,
    query: &str,
    vectors: &[Vec<u8>],
) -> Vec<Vec<Vec<u8>>> {
    let mut times = Vec::with_capacity(vectors.len());
    let mut hits = Vec::with_capacity(vectors.len());
    let started = Instant::now();
    for v in vectors {
        let t = Instant::now();
        hits.push(knn_keys(con, index, query, v));
        times.push(t.elapsed());
    }
    let total = started.elapsed();
    times.sort();
    println!(
        "{label:<34} p50 {:>8.3} ms  p95 {:>8.3} ms  p99 {:>8.3} ms  {:>8.0} queries/s",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        vectors.len() as f64 / total.as_secs_f64()
    );
    hits
}

fn main() {
    let n = env("FT_N", 100_000);
    let dim = env("FT_DIM", 64);
    let queries = env("FT_QUERIES", 1_000);
    println!("FT.SEARCH KNN over RESP: {n} hashes, {dim} dimensions, {queries} queries, one connection");
    let engine = Arc::new(MemoryEngine::new());
    let server = start(engine.clone());
    let mut con = connect(server.port);
    let schema = |kind: &str, nargs: usize, extra: &str| {
        format!("ON HASH PREFIX 1 v: SCHEMA vec VECTOR {kind} {nargs} TYPE FLOAT32 DIM {dim} DISTANCE_METRIC L2{extra} tag TAG")
    };
    let create = |con: &mut redis::Connection, name: &str, args: String| {
        let mut cmd = redis::cmd("FT.CREATE");
        cmd.arg(name);
        for a in args.split(' ') {
            cmd.arg(a);
        }
        let () = cmd.query(con).expect("FT.CREATE");
    };
    create(&mut con, "hnsw", schema("HNSW", 10, " M 16 EF_CONSTRUCTION 200"));
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let started = Instant::now();
    for batch in 0..n.div_ceil(1000) {
        let mut pipe = redis::pipe();
        for i in batch * 1000..((batch + 1) * 1000).min(n) {
            pipe.cmd("HSET").arg(format!("v:{i}")).arg("vec").arg(rng.vector(dim)).arg("tag").arg(i % 10).ignore();
        }
        let () = pipe.query(&mut con).expect("HSET");
    }
    let load = started.elapsed();
    println!(
        "HSET with HNSW indexing                {:>8.2} s  ({:.0} hashes/s)",
        load.as_secs_f64(),
        n as f64 / load.as_secs_f64()
    );
    let started = Instant::now();
    create(&mut con, "flat", schema("FLAT", 6, ""));
    println!("FT.CREATE FLAT over the loaded hashes  {:>8.2} s", started.elapsed().as_secs_f64());
    await_snapshots(&mut con, "after FT.CREATE FLAT");

    let vectors: Vec<Vec<u8>> = (0..queries).map(|_| rng.vector(dim)).collect();
    let exact = measure(&mut con, "FLAT   *=>[KNN 10 @vec $B]", "flat", "*=>[KNN 10 @vec $B]", &vectors);
    let approx = measure(&mut con, "HNSW   *=>[KNN 10 @vec $B]", "hnsw", "*=>[KNN 10 @vec $B]", &vectors);
    let wide = measure(&mut con, "HNSW   EF_RUNTIME 100", "hnsw", "*=>[KNN 10 @vec $B EF_RUNTIME 100]", &vectors);
    measure(&mut con, "HNSW   (@tag:{3})=>[KNN 10 ...]", "hnsw", "(@tag:{3})=>[KNN 10 @vec $B]", &vectors);
    let recall = |found: &[Vec<Vec<u8>>]| -> f64 {
        let mut hit = 0usize;
        let mut all = 0usize;
        for (f, e) in found.iter().zip(&exact) {
            all += e.len();
            hit += f.iter().filter(|k| e.contains(k)).count();
        }
        hit as f64 / all.max(1) as f64
    };
    println!(
        "HNSW recall@10 against FLAT: {:.4} (EF_RUNTIME 10), {:.4} (EF_RUNTIME 100)",
        recall(&approx),
        recall(&wide)
    );

    let sample: Vec<Vec<u8>> = vectors.iter().take(100).cloned().collect();
    let answers = |con: &mut redis::Connection| -> Vec<Vec<Vec<u8>>> {
        ["hnsw", "flat"]
            .iter()
            .flat_map(|index| sample.iter().map(|v| knn_keys(con, index, "*=>[KNN 10 @vec $B]", v)).collect::<Vec<_>>())
            .collect()
    };
    let before = answers(&mut con);
    drop(con);
    stop(server);

    let server = timed_restart("restart from the snapshots", &engine);
    let mut con = connect(server.port);
    print_restore(&mut con);
    println!("  same answers as before the restart: {}", if answers(&mut con) == before { "yes" } else { "NO" });
    drop(con);
    stop(server);

    // A kill -9 after writes the snapshots do not hold yet: the snapshots of now are kept
    // aside, FT_STALE hashes get new vectors, and after the (clean) stop the older
    // snapshots are put back. The keys are written in key order, the order the reconcile
    // re-inserts them in, so both indexes must answer exactly as before the stop.
    let stale = env("FT_STALE", 10_000).min(n);
    if stale > 0 {
        let kept = snapshot_rows(&engine);
        let server = start(engine.clone());
        let mut con = connect(server.port);
        let mut keys: Vec<String> = (0..stale).map(|i| format!("v:{i}")).collect();
        keys.sort();
        for batch in keys.chunks(1000) {
            let mut pipe = redis::pipe();
            for key in batch {
                pipe.cmd("HSET").arg(key).arg("vec").arg(rng.vector(dim)).ignore();
            }
            let () = pipe.query(&mut con).expect("HSET");
        }
        let before = answers(&mut con);
        drop(con);
        stop(server);
        put_snapshot_rows(&engine, &kept);
        let server = timed_restart(&format!("restart, snapshots {stale} changes old"), &engine);
        let mut con = connect(server.port);
        print_restore(&mut con);
        println!("  same answers as before the stop: {}", if answers(&mut con) == before { "yes" } else { "NO" });
        drop(con);
        stop(server);
    }

    if env("FT_REBUILD_RESTART", 1) != 0 {
        delete_snapshots(&engine);
        let server = timed_restart("restart without snapshots (rebuild)", &engine);
        let mut con = connect(server.port);
        print_restore(&mut con);
        drop(con);
        stop(server);
    }
}

/// Waits until both indexes' snapshots hold every change; prints what writing them took.
fn await_snapshots(con: &mut redis::Connection, since: &str) {
    let cpu = cpu_seconds();
    let started = Instant::now();
    for index in ["hnsw", "flat"] {
        wait_for_snapshot(con, index);
    }
    println!(
        "snapshots stored {:.2} s {since} ({:.2} s CPU)",
        started.elapsed().as_secs_f64(),
        cpu_seconds() - cpu
    );
    for index in ["hnsw", "flat"] {
        let mut stats = |field: &str| info_field(con, index, "snapshot_stats", field);
        let (bytes, copy, encode, write) =
            (stats("last_bytes"), stats("last_copy_ms"), stats("last_encode_ms"), stats("last_write_ms"));
        println!(
            "  {index:<5} snapshot: {bytes} bytes, index locked {copy} ms, copy+encode {encode} ms, whole write \
             {write} ms"
        );
    }
}

/// Stops the listener (its clean shutdown writes any unsaved snapshot).
fn stop(server: Listener) {
    let asked = Instant::now();
    let _ = server.stop.send(true);
    server.thread.join().expect("listener thread");
    println!("shutdown                               {:>8.2} s", asked.elapsed().as_secs_f64());
}

/// Starts a listener over `engine` and waits until both indexes answer; prints the wall
/// and CPU time that took.
fn timed_restart(label: &str, engine: &Arc<MemoryEngine>) -> Listener {
    let cpu = cpu_seconds();
    let started = Instant::now();
    let server = start(engine.clone());
    let mut con = connect(server.port);
    let probe = vec![0u8; 4 * env("FT_DIM", 64)];
    knn_keys(&mut con, "hnsw", "*=>[KNN 10 @vec $B]", &probe);
    knn_keys(&mut con, "flat", "*=>[KNN 10 @vec $B]", &probe);
    println!("{label:<38} {:>8.2} s  ({:.2} s CPU)", started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    server
}

fn print_restore(con: &mut redis::Connection) {
    for index in ["hnsw", "flat"] {
        let mut stat = |field: &str| info_field(con, index, "restore_stats", field);
        let (source, read, scan) = (stat("source"), stat("snapshot_read_ms"), stat("scan_ms"));
        let (kept, inserted, removed) = (stat("kept"), stat("inserted"), stat("removed"));
        println!(
            "  {index:<5} from {source}: snapshot read {read} ms, scan+reconcile {scan} ms, kept {kept}, \
             inserted {inserted}, removed {removed}"
        );
    }
}

/// One field of a nested FT.INFO section, as text.
fn info_field(con: &mut redis::Connection, index: &str, section: &str, field: &str) -> String {
    let reply: redis::Value = redis::cmd("FT.INFO").arg(index).query(con).expect("FT.INFO");
    let as_text = |v: &redis::Value| match v {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        redis::Value::SimpleString(s) => s.clone(),
        redis::Value::Int(n) => n.to_string(),
        other => format!("{other:?}"),
    };
    let pairs = |v: &redis::Value| -> Vec<(String, redis::Value)> {
        match v {
            redis::Value::Array(items) => items.chunks(2).map(|p| (as_text(&p[0]), p[1].clone())).collect(),
            redis::Value::Map(items) => items.iter().map(|(k, v)| (as_text(k), v.clone())).collect(),
            _ => Vec::new(),
        }
    };
    let section = pairs(&reply).into_iter().find(|(k, _)| k == section).map(|(_, v)| v);
    let value = section.and_then(|s| pairs(&s).into_iter().find(|(k, _)| k == field).map(|(_, v)| v));
    value.map(|v| as_text(&v)).unwrap_or_default()
}

/// Waits until the index's snapshot holds every change.
fn wait_for_snapshot(con: &mut redis::Connection, index: &str) {
    while info_field(con, index, "snapshot_stats", "pending_changes") != "0"
        || info_field(con, index, "snapshot_stats", "writes") == "0"
    {
        std::thread::sleep(Duration::from_millis(100));
    }
}

type Rows = Vec<(u32, Vec<u8>)>;

/// Runs `work` on a storage opened over `engine` (no listener runs).
fn with_storage<T>(engine: &Arc<MemoryEngine>, work: impl AsyncFnOnce(&dyn TableStorage) -> T) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let storage: Arc<dyn TableStorage> = KvTableStorage::open(engine.clone()).await.expect("storage");
        work(storage.as_ref()).await
    })
}

/// Deletes the stored snapshots: the next start rebuilds.
fn delete_snapshots(engine: &Arc<MemoryEngine>) {
    with_storage(engine, async |s| {
        for index in ["hnsw", "flat"] {
            snapshots::delete(s, index).await.expect("delete snapshot");
        }
    });
}

/// Both indexes' stored snapshot rows.
fn snapshot_rows(engine: &Arc<MemoryEngine>) -> Vec<Rows> {
    with_storage(engine, async |s| {
        let mut out = Vec::new();
        for index in ["hnsw", "flat"] {
            out.push(snapshots::rows(s, index).await.expect("rows"));
        }
        out
    })
}

fn put_snapshot_rows(engine: &Arc<MemoryEngine>, rows: &[Rows]) {
    with_storage(engine, async |s| {
        for (index, rows) in ["hnsw", "flat"].iter().zip(rows) {
            snapshots::replace_rows(s, index, rows).await.expect("replace rows");
        }
    });
}

/// User plus system CPU seconds of this process so far (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name in parentheses; utime and stime are the 12th and 13th.
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // /proc reports clock ticks of USER_HZ, 100 on Linux.
    (ticks(11) + ticks(12)) / 100.0
}
