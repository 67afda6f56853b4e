//! Streamed queries (crate::streaming): a pipeline SELECT's rows arrive in batches,
//! exactly the rows of the query, read in the right transaction; other queries are not
//! streamed; a stream tied to a block ends with it.

use crate::exec::stream::PAGE_ROWS;
use crate::{Engine, QueryOutput, Session, TransactionStatus, Value};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::sync::Arc;

const ROWS: i64 = 5000;

async fn engine_with_rows() -> Arc<Engine> {
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
    let engine = Engine::open(storage).await.unwrap();
    let mut s = Session::new(engine.clone(), "postgres", "postgres").unwrap();
    ok(&mut s, "CREATE TABLE t (a int PRIMARY KEY, b text)").await;
    ok(&mut s, &format!("INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, {ROWS}) AS g")).await;
    engine
}

async fn ok(s: &mut Session, sql: &str) {
    for r in s.execute_batch(sql).await {
        r.unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
}

fn ints(rows: &[Vec<Value>]) -> Vec<i64> {
    rows.iter()
        .map(|r| match r.first() {
            Some(Value::Int(v)) => *v,
            other => panic!("expected an integer, got {other:?}"),
        })
        .collect()
}

/// Runs `sql` asking for a stream: the first batch, then every later batch.
async fn streamed(s: &mut Session, sql: &str) -> (Vec<Vec<Vec<Value>>>, Option<String>) {
    s.request_streaming();
    let first = match s.execute_batch(sql).await.pop().expect("one result") {
        Ok(QueryOutput::Rows { rows, .. }) => rows,
        other => panic!("{sql}: {other:?}"),
    };
    let mut batches = vec![first];
    let Some(mut stream) = s.take_stream() else { return (batches, None) };
    loop {
        let batch = s.next_rows(&mut stream).await.unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        if batch.is_empty() {
            break;
        }
        batches.push(batch);
    }
    assert!(s.next_rows(&mut stream).await.unwrap().is_empty(), "a finished stream stays finished");
    (batches, Some(stream.tag()))
}

#[tokio::test]
async fn pipeline_selects_stream_in_pages_with_every_row() {
    let mut s = Session::new(engine_with_rows().await, "postgres", "postgres").unwrap();
    let (batches, tag) = streamed(&mut s, "SELECT a, b FROM t").await;
    assert_eq!(tag.as_deref(), Some("SELECT 5000"));
    assert!(batches.len() >= 5, "5000 rows in pages of {PAGE_ROWS}: {} batches", batches.len());
    assert!(batches.iter().all(|b| b.len() <= PAGE_ROWS));
    let all: Vec<_> = batches.concat();
    assert_eq!(ints(&all), (1..=ROWS).collect::<Vec<_>>());
    assert_eq!(all[41][1], Value::Text("row 42".into()));
    // Filters and projections run on every page; pages the filter rejects are skipped.
    let (batches, tag) = streamed(&mut s, "SELECT a * 2 FROM t WHERE a % 1000 = 7 OR a > 4990").await;
    let expected: Vec<i64> = (1..=ROWS).filter(|a| a % 1000 == 7 || *a > 4990).map(|a| a * 2).collect();
    assert_eq!(ints(&batches.concat()), expected);
    assert_eq!(tag, Some(format!("SELECT {}", expected.len())));
    assert!(batches.iter().all(|b| !b.is_empty()));
    // A key range is streamed too.
    let (batches, _) = streamed(&mut s, "SELECT a FROM t WHERE a BETWEEN 100 AND 3100").await;
    assert_eq!(ints(&batches.concat()), (100..=3100).collect::<Vec<_>>());
    assert_eq!(s.transaction_status(), TransactionStatus::Idle);
}

#[tokio::test]
async fn other_queries_are_not_streamed() {
    let mut s = Session::new(engine_with_rows().await, "postgres", "postgres").unwrap();
    for sql in [
        "SELECT a FROM t ORDER BY a DESC",
        "SELECT count(*) FROM t",
        "SELECT a FROM t WHERE a = 5",
        "SELECT t.a FROM t JOIN t AS u ON u.a = t.a",
        "SELECT a FROM t WHERE a IN (SELECT a FROM t WHERE a < 10)",
        "SELECT a FROM t LIMIT 3000",
        "SELECT 1; SELECT a FROM t",
    ] {
        let (batches, tag) = streamed(&mut s, sql).await;
        assert!(tag.is_none(), "{sql} was streamed");
        assert_eq!(batches.len(), 1);
    }
    // Without a request nothing streams, and the request lasts for one statement.
    s.request_streaming();
    ok(&mut s, "SELECT 1").await;
    let out = s.execute_batch("SELECT a FROM t").await.pop().unwrap().unwrap();
    assert!(matches!(out, QueryOutput::Rows { ref rows, .. } if rows.len() == ROWS as usize));
    assert!(s.take_stream().is_none());
}

#[tokio::test]
async fn a_stream_outside_a_block_reads_its_own_snapshot() {
    let engine = engine_with_rows().await;
    let mut reader = Session::new(engine.clone(), "postgres", "postgres").unwrap();
    let mut writer = Session::new(engine, "postgres", "postgres").unwrap();
    reader.request_streaming();
    let first = match reader.execute_batch("SELECT a FROM t").await.pop().unwrap() {
        Ok(QueryOutput::Rows { rows, .. }) => rows,
        other => panic!("{other:?}"),
    };
    let mut stream = reader.take_stream().expect("streamed");
    assert_eq!(reader.transaction_status(), TransactionStatus::Idle);
    ok(&mut writer, "DELETE FROM t WHERE a > 4000; INSERT INTO t VALUES (9999, 'late')").await;
    let mut all = first;
    loop {
        let batch = reader.next_rows(&mut stream).await.unwrap();
        if batch.is_empty() {
            break;
        }
        all.extend(batch);
    }
    assert_eq!(ints(&all), (1..=ROWS).collect::<Vec<_>>(), "commits after the query began are not seen");
}

#[tokio::test]
async fn a_stream_in_a_block_sees_its_writes_and_ends_with_the_block() {
    let mut s = Session::new(engine_with_rows().await, "postgres", "postgres").unwrap();
    ok(&mut s, "BEGIN; DELETE FROM t WHERE a <= 2000; INSERT INTO t VALUES (6000, 'mine')").await;
    let (batches, tag) = streamed(&mut s, "SELECT a FROM t").await;
    let expected: Vec<i64> = (2001..=ROWS).chain([6000]).collect();
    assert_eq!(ints(&batches.concat()), expected);
    assert_eq!(tag, Some(format!("SELECT {}", expected.len())));
    // A stream left open when its block ends fails with 34000 on its next read.
    s.request_streaming();
    s.execute_batch("SELECT a FROM t").await.pop().unwrap().unwrap();
    let mut stream = s.take_stream().expect("streamed");
    ok(&mut s, "COMMIT").await;
    let e = s.next_rows(&mut stream).await.unwrap_err();
    assert_eq!(e.code, "34000", "{e:?}");
    assert_eq!(s.transaction_status(), TransactionStatus::Idle);
}

#[tokio::test]
async fn a_cancelled_stream_stops_with_57014() {
    let mut s = Session::new(engine_with_rows().await, "postgres", "postgres").unwrap();
    s.request_streaming();
    s.execute_batch("SELECT a FROM t").await.pop().unwrap().unwrap();
    let mut stream = s.take_stream().expect("streamed");
    s.cancel_flag().store(true, std::sync::atomic::Ordering::SeqCst);
    let e = s.next_rows(&mut stream).await.unwrap_err();
    assert_eq!(e.code, "57014", "{e:?}");
}

fn tag_and_ints(out: Result<QueryOutput, crate::SqlError>) -> (String, Vec<i64>) {
    match out {
        Ok(out @ QueryOutput::Rows { .. }) => {
            let tag = out.command_tag();
            let QueryOutput::Rows { rows, .. } = out else { unreachable!() };
            (tag, ints(&rows))
        }
        other => panic!("{other:?}"),
    }
}

async fn one(s: &mut Session, sql: &str) -> Result<QueryOutput, crate::SqlError> {
    s.execute_batch(sql).await.pop().expect("one result")
}

#[tokio::test]
async fn cursors_fetch_forward_in_their_block() {
    let mut s = Session::new(engine_with_rows().await, "postgres", "postgres").unwrap();
    let e = one(&mut s, "DECLARE c CURSOR FOR SELECT a FROM t").await.unwrap_err();
    assert_eq!((&*e.code, e.message.as_str()), ("25P01", "DECLARE CURSOR can only be used in transaction blocks"));
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "DECLARE c NO SCROLL CURSOR FOR SELECT a FROM t WHERE a % 2 = 0").await;
    ok(&mut s, "DECLARE sorted CURSOR FOR SELECT a FROM t ORDER BY a DESC").await;
    let e = one(&mut s, "DECLARE c CURSOR FOR SELECT 1").await.unwrap_err();
    assert_eq!((&*e.code, e.message.as_str()), ("42P03", "cursor \"c\" already exists"));
    ok(&mut s, "ROLLBACK; BEGIN").await;
    ok(&mut s, "DECLARE c NO SCROLL CURSOR FOR SELECT a FROM t WHERE a % 2 = 0").await;
    ok(&mut s, "DECLARE sorted CURSOR FOR SELECT a FROM t ORDER BY a DESC").await;
    assert_eq!(tag_and_ints(one(&mut s, "FETCH 3 FROM c").await), ("FETCH 3".into(), vec![2, 4, 6]));
    assert_eq!(tag_and_ints(one(&mut s, "FETCH NEXT FROM c").await), ("FETCH 1".into(), vec![8]));
    assert_eq!(tag_and_ints(one(&mut s, "FETCH NEXT FROM sorted").await), ("FETCH 1".into(), vec![5000]));
    let (tag, rows) = tag_and_ints(one(&mut s, "FETCH FORWARD 1500 IN c").await);
    assert_eq!((tag.as_str(), rows), ("FETCH 1500", (5..1505).map(|i| i * 2).collect::<Vec<_>>()));
    let (tag, rows) = tag_and_ints(one(&mut s, "FETCH ALL FROM c").await);
    assert_eq!((tag.as_str(), rows), ("FETCH 996", (1505..=2500).map(|i| i * 2).collect::<Vec<_>>()));
    assert_eq!(tag_and_ints(one(&mut s, "FETCH 10 FROM c").await), ("FETCH 0".into(), vec![]));
    ok(&mut s, "CLOSE c").await;
    let e = one(&mut s, "FETCH 1 FROM c").await.unwrap_err();
    assert_eq!((&*e.code, e.message.as_str()), ("34000", "cursor \"c\" does not exist"));
    assert_eq!(s.transaction_status(), TransactionStatus::Failed, "a failed FETCH fails the block, as in PostgreSQL");
    ok(&mut s, "ROLLBACK; BEGIN; DECLARE c CURSOR FOR SELECT a FROM t").await;
    let e = one(&mut s, "FETCH BACKWARD 1 FROM c").await.unwrap_err();
    assert_eq!((&*e.code, e.message.as_str()), ("55000", "cursor can only scan forward"));
    ok(&mut s, "ROLLBACK; BEGIN; DECLARE c CURSOR FOR SELECT a FROM t").await;
    assert_eq!(tag_and_ints(one(&mut s, "FETCH 2 FROM c").await).1, vec![1, 2]);
    ok(&mut s, "COMMIT").await;
    let e = one(&mut s, "FETCH 1 FROM c").await.unwrap_err();
    assert_eq!(e.code, "34000", "cursors end with their block");
    for unsupported in ["DECLARE h CURSOR WITH HOLD FOR SELECT 1", "DECLARE s SCROLL CURSOR FOR SELECT 1"] {
        ok(&mut s, "BEGIN").await;
        let e = one(&mut s, unsupported).await.unwrap_err();
        assert_eq!(e.code, "0A000", "{unsupported}: {e:?}");
        ok(&mut s, "ROLLBACK").await;
    }
}
