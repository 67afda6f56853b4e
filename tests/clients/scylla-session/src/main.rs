//! ScyllaDB's Rust driver (the `scylla` crate, protocol v4) against a CQL server, unchanged.
//!
//! `orbit-scylla-session session HOST:PORT` — one application session the way a Rust
//! service uses the driver: SessionBuilder (the driver reads system.local, system.peers
//! and the system_schema tables on connect), a keyspace and tables (clustering column,
//! collections, a counter table), prepared inserts and selects with bound values, paging
//! with page size 3 (page by page and through execute_iter/query_iter), a logged batch,
//! lightweight transactions checking `[applied]`, USE of a keyspace. Prints "ok" when every
//! check held; exits non-zero with what differed otherwise.
//!
//! `orbit-scylla-session bench HOST:PORT [--rows N] [--concurrency C] [--seconds S]
//! [--scan-rows M] [--connections K]` — the load generator of benches/cql-bench.sh:
//! prepared inserts of N rows (`k bigint PRIMARY KEY, v text`, 100-byte values) with C
//! requests in flight, prepared point reads of random keys for S seconds with C in flight,
//! and a paged scan (default page size) of one partition of M rows. One line per workload:
//! `<name> ops/s=... p50_us=... p99_us=... ...`.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::client::PoolSize;
use scylla::cluster::metadata::Strategy;
use scylla::response::PagingState;
use scylla::statement::batch::{Batch, BatchType};
use scylla::statement::Statement;
use scylla::value::{Counter, CqlTimestamp, CqlValue, Row, Unset};

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn check<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), Failure> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}").into())
    }
}

/// Adds the statement to a driver error, so a failure names what was sent.
fn at<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> Result<T, Failure> {
    result.map_err(|e| format!("{what}: {e}").into())
}

async fn connect(addr: &str, connections: Option<usize>) -> Result<Session, Failure> {
    let mut builder = SessionBuilder::new().known_node(addr).connection_timeout(Duration::from_secs(20));
    if let Some(n) = connections.and_then(NonZeroUsize::new) {
        builder = builder.pool_size(PoolSize::PerHost(n));
    }
    at(&format!("connect to {addr}"), builder.build().await)
}

/// One `orders` row as the session reads it back.
type Order =
    (i32, Option<String>, Option<i64>, Option<Vec<String>>, Option<BTreeMap<String, i32>>, Option<BTreeSet<i32>>);

/// The `[applied]` flag and the other columns of an LWT result row.
fn lwt_result(what: &str, result: scylla::response::query_result::QueryResult) -> Result<(bool, Row), Failure> {
    let rows = at(what, result.into_rows_result())?;
    let first = rows.column_specs().get_by_index(0).map(|c| c.name().to_owned());
    check(&format!("{what}: first column"), first.as_deref(), Some("[applied]"))?;
    let row: Row = at(what, rows.single_row())?;
    match row.columns.first() {
        Some(Some(CqlValue::Boolean(applied))) => Ok((*applied, row)),
        other => Err(format!("{what}: [applied] is {other:?}").into()),
    }
}

async fn session(addr: &str) -> Result<(), Failure> {
    let session = connect(addr, None).await?;
    let run = |cql: &'static str| {
        let session = &session;
        async move { at(cql, session.query_unpaged(cql, ()).await).map(drop) }
    };

    // The server the driver found: one node, release_version of a 4.x Cassandra.
    let local = at("select system.local", session.query_unpaged("SELECT release_version FROM system.local", ()).await)?;
    let (release,): (String,) =
        at("system.local row", at("system.local rows", local.into_rows_result())?.single_row())?;
    if !release.starts_with('4') && !release.starts_with('3') {
        return Err(format!("system.local release_version {release:?}").into());
    }
    check("nodes known to the driver", session.get_cluster_state().get_nodes_info().len(), 1)?;

    run("DROP KEYSPACE IF EXISTS rustapp").await?;
    run("CREATE KEYSPACE rustapp WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").await?;
    run("CREATE TABLE rustapp.orders (customer text, id int, item text, qty bigint, tags list<text>, \
         attrs map<text, int>, sizes set<int>, PRIMARY KEY (customer, id))")
    .await?;
    run("CREATE TABLE rustapp.hits (page text PRIMARY KEY, n counter)").await?;
    run("CREATE TABLE rustapp.kinds (k int PRIMARY KEY, flag boolean, ratio double, data blob, at timestamp)").await?;

    // The driver refreshed its schema metadata (system_schema.*) after each change.
    let state = session.get_cluster_state();
    let keyspace = state.get_keyspace("rustapp").ok_or("the driver's metadata has no keyspace rustapp")?;
    if !matches!(keyspace.strategy, Strategy::SimpleStrategy { replication_factor: 1 }) {
        return Err(format!("rustapp strategy {:?}", keyspace.strategy).into());
    }
    let mut tables: Vec<&str> = keyspace.tables.keys().map(String::as_str).collect();
    tables.sort_unstable();
    check("tables in the driver's metadata", tables, vec!["hits", "kinds", "orders"])?;
    let orders = &keyspace.tables["orders"];
    check("orders partition key", orders.partition_key.clone(), vec!["customer".to_string()])?;
    check("orders clustering key", orders.clustering_key.clone(), vec!["id".to_string()])?;
    check("orders columns", orders.columns.len(), 7)?;
    drop(state);

    // Prepared inserts with bound values, collections included.
    let insert = at(
        "prepare insert",
        session
            .prepare(
                "INSERT INTO rustapp.orders (customer, id, item, qty, tags, attrs, sizes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .await,
    )?;
    check("insert bound values", insert.get_variable_col_specs().len(), 7)?;
    for id in (1..=10).rev() {
        let tags = vec![format!("t{id}"), "all".to_string()];
        let attrs = BTreeMap::from([("w".to_string(), id), ("h".to_string(), id * 2)]);
        let sizes = BTreeSet::from([id, 100]);
        let values = ("ann", id, format!("item-{id}"), i64::from(id) * 1000, tags, attrs, sizes);
        at("execute insert", session.execute_unpaged(&insert, values).await)?;
    }
    // A row with nulls: None binds a null.
    let values = (
        "bob",
        1,
        None::<String>,
        Some(5_i64),
        None::<Vec<String>>,
        None::<BTreeMap<String, i32>>,
        None::<BTreeSet<i32>>,
    );
    at("execute insert with nulls", session.execute_unpaged(&insert, values).await)?;
    // Unset values (protocol v4) leave their columns as they are.
    let values = ("bob", 1, Some("late"), Unset, Unset, Unset, Unset);
    at("execute insert with unset values", session.execute_unpaged(&insert, values).await)?;

    // Prepared select by partition key and clustering column.
    let select_one = at(
        "prepare select",
        session
            .prepare("SELECT id, item, qty, tags, attrs, sizes FROM rustapp.orders WHERE customer = ? AND id = ?")
            .await,
    )?;
    check("select result columns", select_one.get_current_result_set_col_specs().get().len(), 6)?;
    let rows = at("execute select", session.execute_unpaged(&select_one, ("ann", 7)).await)?;
    let row: Order = at("select row", at("select rows", rows.into_rows_result())?.single_row())?;
    let want: Order = (
        7,
        Some("item-7".into()),
        Some(7000),
        Some(vec!["t7".into(), "all".into()]),
        Some(BTreeMap::from([("h".into(), 14), ("w".into(), 7)])),
        Some(BTreeSet::from([7, 100])),
    );
    check("ann 7", row, want)?;
    let rows = at("execute select bob", session.execute_unpaged(&select_one, ("bob", 1)).await)?;
    let row: Order = at("select bob row", at("select bob rows", rows.into_rows_result())?.single_row())?;
    check("bob 1 (nulls; unset left as it was)", row, (1, Some("late".to_string()), Some(5), None, None, None))?;
    let rows = at("execute select missing", session.execute_unpaged(&select_one, ("ann", 99)).await)?;
    check("missing row", at("select missing rows", rows.into_rows_result())?.rows_num(), 0)?;

    // Paging with page size 3 over the 10 rows of one partition: page by page, the paging
    // state of each page handed back for the next one.
    let mut by_partition =
        at("prepare select partition", session.prepare("SELECT id FROM rustapp.orders WHERE customer = ?").await)?;
    by_partition.set_page_size(3);
    let mut pages = Vec::new();
    let mut ids = Vec::new();
    let mut paging_state = PagingState::start();
    loop {
        let (result, response) =
            at("execute_single_page", session.execute_single_page(&by_partition, ("ann",), paging_state).await)?;
        let rows = at("page rows", result.into_rows_result())?;
        pages.push(rows.rows_num());
        for row in at("page rows", rows.rows::<(i32,)>())? {
            ids.push(at("page row", row)?.0);
        }
        match response.into_paging_control_flow() {
            ControlFlow::Break(()) => break,
            ControlFlow::Continue(next) => paging_state = next,
        }
        if pages.len() > 20 {
            return Err(format!("paging does not end: pages {pages:?}").into());
        }
    }
    check("page sizes", pages, vec![3, 3, 3, 1])?;
    check("paged ids in clustering order", ids, (1..=10).collect::<Vec<i32>>())?;
    // The same through the driver's pager (execute_iter) and an unprepared query_iter.
    let pager = at("execute_iter", session.execute_iter(by_partition.clone(), ("ann",)).await)?;
    let ids: Vec<(i32,)> =
        at("execute_iter rows", at("execute_iter type", pager.rows_stream::<(i32,)>())?.try_collect().await)?;
    check("execute_iter ids", ids.into_iter().map(|r| r.0).collect::<Vec<_>>(), (1..=10).collect::<Vec<i32>>())?;
    let statement =
        Statement::new("SELECT id, item FROM rustapp.orders WHERE customer = 'ann' ORDER BY id DESC").with_page_size(3);
    let pager = at("query_iter", session.query_iter(statement, ()).await)?;
    let rows: Vec<(i32, String)> =
        at("query_iter rows", at("query_iter type", pager.rows_stream::<(i32, String)>())?.try_collect().await)?;
    check("query_iter first", rows.first().cloned(), Some((10, "item-10".to_string())))?;
    check("query_iter ids", rows.iter().map(|r| r.0).collect::<Vec<_>>(), (1..=10).rev().collect::<Vec<i32>>())?;

    // A logged batch of prepared and unprepared statements, then count(*).
    let mut batch = Batch::new(BatchType::Logged);
    let insert_short = at(
        "prepare short insert",
        session.prepare("INSERT INTO rustapp.orders (customer, id, item) VALUES (?, ?, ?)").await,
    )?;
    batch.append_statement(insert_short.clone());
    batch.append_statement(insert_short.clone());
    batch.append_statement("INSERT INTO rustapp.orders (customer, id, item) VALUES ('cat', 3, 'literal')");
    batch.append_statement("UPDATE rustapp.orders SET qty = ? WHERE customer = ? AND id = ?");
    at("batch", session.batch(&batch, (("cat", 1, "one"), ("cat", 2, "two"), (), (42_i64, "cat", 2))).await)?;
    let rows =
        at("count", session.query_unpaged("SELECT count(*) FROM rustapp.orders WHERE customer = 'cat'", ()).await)?;
    let (count,): (i64,) = at("count row", at("count rows", rows.into_rows_result())?.single_row())?;
    check("cat count after the batch", count, 3)?;
    let rows = at("execute select cat", session.execute_unpaged(&select_one, ("cat", 2)).await)?;
    let row: Order = at("cat row", at("cat rows", rows.into_rows_result())?.single_row())?;
    check("cat 2", (row.1, row.2), (Some("two".to_string()), Some(42)))?;

    // Counters: prepared increments, read back as Counter.
    let bump = at("prepare counter", session.prepare("UPDATE rustapp.hits SET n = n + ? WHERE page = ?").await)?;
    at("counter +3", session.execute_unpaged(&bump, (Counter(3), "home")).await)?;
    at("counter -1", session.execute_unpaged(&bump, (Counter(-1), "home")).await)?;
    let rows =
        at("select counter", session.query_unpaged("SELECT n FROM rustapp.hits WHERE page = ?", ("home",)).await)?;
    let (n,): (Counter,) = at("counter row", at("counter rows", rows.into_rows_result())?.single_row())?;
    check("counter", n, Counter(2))?;

    // Scalar types round trip through a prepared statement.
    let kinds = at(
        "prepare kinds",
        session.prepare("INSERT INTO rustapp.kinds (k, flag, ratio, data, at) VALUES (?, ?, ?, ?, ?)").await,
    )?;
    let at_ms = CqlTimestamp(1_700_000_000_123);
    at("insert kinds", session.execute_unpaged(&kinds, (1, true, 0.25_f64, vec![0_u8, 1, 255], at_ms)).await)?;
    let rows = at(
        "select kinds",
        session.query_unpaged("SELECT flag, ratio, data, at FROM rustapp.kinds WHERE k = 1", ()).await,
    )?;
    let row: (bool, f64, Vec<u8>, CqlTimestamp) =
        at("kinds row", at("kinds rows", rows.into_rows_result())?.single_row())?;
    check("kinds", row, (true, 0.25, vec![0, 1, 255], at_ms))?;

    // Lightweight transactions: [applied] first, then the existing row when not applied.
    let lwt = at(
        "prepare lwt",
        session.prepare("INSERT INTO rustapp.orders (customer, id, item) VALUES (?, ?, ?) IF NOT EXISTS").await,
    )?;
    let (applied, _) = lwt_result("lwt new", at("lwt new", session.execute_unpaged(&lwt, ("dan", 1, "first")).await)?)?;
    check("lwt insert of a new row applied", applied, true)?;
    let (applied, row) =
        lwt_result("lwt again", at("lwt again", session.execute_unpaged(&lwt, ("dan", 1, "second")).await)?)?;
    check("lwt insert of an existing row applied", applied, false)?;
    if !row.columns.contains(&Some(CqlValue::Text("first".into()))) {
        return Err(format!("lwt not applied: the existing row is not returned: {row:?}").into());
    }
    let lwt_update = at(
        "prepare lwt update",
        session.prepare("UPDATE rustapp.orders SET item = ? WHERE customer = ? AND id = ? IF item = ?").await,
    )?;
    let (applied, _) = lwt_result(
        "lwt update",
        at("lwt update", session.execute_unpaged(&lwt_update, ("third", "dan", 1, "first")).await)?,
    )?;
    check("lwt update with a true condition applied", applied, true)?;
    let (applied, row) = lwt_result(
        "lwt update stale",
        at("lwt update stale", session.execute_unpaged(&lwt_update, ("x", "dan", 1, "first")).await)?,
    )?;
    check("lwt update with a false condition applied", applied, false)?;
    check(
        "lwt stale update returns the current value",
        row.columns.get(1).cloned(),
        Some(Some(CqlValue::Text("third".into()))),
    )?;

    // USE: unqualified statements, prepared and unprepared, on every connection of the pool.
    at("use keyspace", session.use_keyspace("rustapp", false).await)?;
    check("session keyspace", session.get_keyspace().as_deref().map(String::as_str), Some("rustapp"))?;
    let unqualified =
        at("prepare unqualified", session.prepare("SELECT item FROM orders WHERE customer = ? AND id = ?").await)?;
    let rows = at("execute unqualified", session.execute_unpaged(&unqualified, ("dan", 1)).await)?;
    let (item,): (String,) = at("unqualified row", at("unqualified rows", rows.into_rows_result())?.single_row())?;
    check("unqualified select", item, "third".to_string())?;
    let rows = at("unprepared unqualified", session.query_unpaged("SELECT n FROM hits WHERE page = 'home'", ()).await)?;
    check("unqualified counter rows", at("counter rows", rows.into_rows_result())?.rows_num(), 1)?;

    // A statement the server rejects is an error, and the session goes on.
    if session.query_unpaged("SELECT * FROM rustapp.no_such_table", ()).await.is_ok() {
        return Err("select from a missing table succeeded".into());
    }
    if session.prepare("SELEC nonsense").await.is_ok() {
        return Err("preparing a syntax error succeeded".into());
    }
    let rows = at("select after errors", session.execute_unpaged(&select_one, ("ann", 1)).await)?;
    check("rows after errors", at("rows after errors", rows.into_rows_result())?.rows_num(), 1)?;

    run("DROP KEYSPACE rustapp").await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// bench

struct BenchArgs {
    addr: String,
    rows: u64,
    concurrency: usize,
    seconds: u64,
    scan_rows: u64,
    connections: Option<usize>,
}

fn parse_bench(args: &[String]) -> Result<BenchArgs, Failure> {
    let mut it = args.iter();
    let addr = it.next().ok_or("bench needs HOST:PORT")?.clone();
    let mut out =
        BenchArgs { addr, rows: 1_000_000, concurrency: 8, seconds: 30, scan_rows: 100_000, connections: None };
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number: u64 = value.parse().map_err(|_| format!("{flag}: not a number: {value}"))?;
        match flag.as_str() {
            "--rows" => out.rows = number.max(1),
            "--concurrency" => out.concurrency = (number as usize).max(1),
            "--seconds" => out.seconds = number,
            "--scan-rows" => out.scan_rows = number,
            "--connections" => out.connections = Some(number as usize),
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(out)
}

/// Latencies in microseconds, sorted: the p-th percentile (nearest rank).
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(name: &str, ops: u64, elapsed: Duration, mut latencies: Vec<u64>, extra: &str) {
    latencies.sort_unstable();
    let rate = ops as f64 / elapsed.as_secs_f64();
    println!(
        "{name} ops/s={rate:.0} p50_us={} p99_us={} ops={ops} secs={:.2}{extra}",
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        elapsed.as_secs_f64()
    );
}

/// splitmix64: the random keys of the point reads (no dependency for one generator).
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn value_of(k: u64) -> String {
    // ~100 bytes, different per key.
    format!("{k:020}-{}", "v".repeat(79))
}

/// Runs `total` operations numbered 0.. with `concurrency` in flight; per-op latencies (µs).
async fn run_numbered<F, Fut>(concurrency: usize, total: u64, op: F) -> Result<(Duration, Vec<u64>), Failure>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), Failure>> + Send,
{
    let next = Arc::new(AtomicU64::new(0));
    let op = Arc::new(op);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (next, op) = (next.clone(), op.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return Ok::<_, Failure>(latencies);
                }
                let t = Instant::now();
                op(i).await?;
                latencies.push(t.elapsed().as_micros() as u64);
            }
        }));
    }
    let mut all = Vec::with_capacity(total as usize);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok((start.elapsed(), all))
}

async fn bench(args: BenchArgs) -> Result<(), Failure> {
    let session = Arc::new(connect(&args.addr, args.connections).await?);
    let run = |cql: &'static str| {
        let session = session.clone();
        async move { at(cql, session.query_unpaged(cql, ()).await).map(drop) }
    };
    run("DROP KEYSPACE IF EXISTS cqlbench").await?;
    run("CREATE KEYSPACE cqlbench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").await?;
    run("CREATE TABLE cqlbench.kv (k bigint PRIMARY KEY, v text)").await?;
    run("CREATE TABLE cqlbench.wide (p int, c int, v text, PRIMARY KEY (p, c))").await?;
    let c = args.concurrency;
    println!(
        "# scylla driver: {} rows, concurrency {c}, {} s of reads, scan of {} rows, pool {}",
        args.rows,
        args.seconds,
        args.scan_rows,
        args.connections.map_or("default".to_string(), |n| format!("{n} connections"))
    );

    // (a) prepared inserts.
    let insert = Arc::new(at("prepare insert", session.prepare("INSERT INTO cqlbench.kv (k, v) VALUES (?, ?)").await)?);
    let (s, i) = (session.clone(), insert.clone());
    let (elapsed, latencies) = run_numbered(c, args.rows, move |k| {
        let (s, i) = (s.clone(), i.clone());
        async move { at("insert", s.execute_unpaged(&i, (k as i64, value_of(k))).await).map(drop) }
    })
    .await?;
    report("insert", args.rows, elapsed, latencies, "");

    // (b) prepared point reads of random keys for `seconds`.
    let read = Arc::new(at("prepare read", session.prepare("SELECT v FROM cqlbench.kv WHERE k = ?").await)?);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..c {
        let (s, r, rows) = (session.clone(), read.clone(), args.rows);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut seed = 0x5EED_0000 + t as u64;
            while Instant::now() < deadline {
                let k = splitmix(&mut seed) % rows;
                let t = Instant::now();
                let result = at("read", s.execute_unpaged(&r, (k as i64,)).await)?;
                let (v,): (String,) = at("read row", at("read rows", result.into_rows_result())?.single_row())?;
                latencies.push(t.elapsed().as_micros() as u64);
                if v != value_of(k) {
                    return Err(format!("read of key {k}: got {v:?}").into());
                }
            }
            Ok::<_, Failure>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = start.elapsed();
    report("read", latencies.len() as u64, elapsed, latencies, "");

    // (c) one partition of `scan_rows` rows, loaded with prepared inserts, then read back
    // through the driver's paging (default page size, 5000 rows); latencies are per page.
    if args.scan_rows > 0 {
        let wide = Arc::new(at(
            "prepare wide",
            session.prepare("INSERT INTO cqlbench.wide (p, c, v) VALUES (1, ?, ?)").await,
        )?);
        let (s, w) = (session.clone(), wide.clone());
        let (elapsed, latencies) = run_numbered(c, args.scan_rows, move |k| {
            let (s, w) = (s.clone(), w.clone());
            async move { at("wide insert", s.execute_unpaged(&w, (k as i32, value_of(k))).await).map(drop) }
        })
        .await?;
        report("scan-load", args.scan_rows, elapsed, latencies, "");
        let scan = at("prepare scan", session.prepare("SELECT c, v FROM cqlbench.wide WHERE p = 1").await)?;
        let page_size = scan.get_page_size();
        let start = Instant::now();
        let mut latencies = Vec::new();
        let (mut rows, mut expected) = (0_u64, 0_i32);
        let mut paging_state = PagingState::start();
        loop {
            let t = Instant::now();
            let (result, response) = at("scan page", session.execute_single_page(&scan, (), paging_state).await)?;
            let page = at("scan rows", result.into_rows_result())?;
            for row in at("scan rows", page.rows::<(i32, &str)>())? {
                let (c, _v) = at("scan row", row)?;
                if c != expected {
                    return Err(format!("scan: clustering key {c}, want {expected}").into());
                }
                expected += 1;
                rows += 1;
            }
            latencies.push(t.elapsed().as_micros() as u64);
            match response.into_paging_control_flow() {
                ControlFlow::Break(()) => break,
                ControlFlow::Continue(next) => paging_state = next,
            }
        }
        let elapsed = start.elapsed();
        if rows != args.scan_rows {
            return Err(format!("scan: {rows} rows, want {}", args.scan_rows).into());
        }
        let pages = latencies.len();
        report(
            "scan",
            rows,
            elapsed,
            latencies,
            &format!(" pages={pages} page_size={page_size} (ops are rows, latencies per page)"),
        );
    }
    // The keyspace stays: benches/cql-bench.sh runs on a temporary data directory, and a
    // rerun against the same server drops it first.
    Ok(())
}

const USAGE: &str = "usage: orbit-scylla-session session HOST:PORT\n       \
                     orbit-scylla-session bench HOST:PORT [--rows N] [--concurrency C] [--seconds S] [--scan-rows M] [--connections K]";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("session") if args.len() == 2 => session(&args[1]).await.map(|()| println!("ok")),
        Some("bench") if args.len() >= 2 => match parse_bench(&args[1..]) {
            Ok(bench_args) => bench(bench_args).await,
            Err(e) => Err(e),
        },
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("orbit-scylla-session: {e}");
        std::process::exit(1);
    }
}
