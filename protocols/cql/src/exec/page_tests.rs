//! Pages of filtered, per-partition-limited and index-answered SELECTs: every page but
//! the last holds `page_size` rows that pass, and the pages together hold each such row
//! once (what ScyllaDB's cqlpy checks of Cassandra: drivers stop at a short page).

use super::*;
use crate::engine::Rows;
use orbit_storage::{KvTableStorage, MemoryEngine};

async fn engine() -> (Arc<Executor>, SessionState) {
    let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
    let engine = Executor::open(storage, ExecutorOptions::default()).await.unwrap();
    let mut session = SessionState::default();
    for text in [
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "USE ks",
        "CREATE TABLE t (p int, c int, x int, PRIMARY KEY (p, c))",
    ] {
        engine.query(&mut session, text, QueryParams::default()).await.unwrap();
    }
    // 10 partitions of 4 rows; x = 1 on rows with an even c.
    for p in 0..10 {
        for c in 0..4 {
            let text = format!("INSERT INTO t (p, c, x) VALUES ({p}, {c}, {})", (c + 1) % 2);
            engine.query(&mut session, &text, QueryParams::default()).await.unwrap();
        }
    }
    (engine, session)
}

/// Every page of `text` at `page_size`: the rows' first column as ints.
async fn pages(engine: &Executor, session: &mut SessionState, text: &str, page_size: i32) -> Vec<Vec<i32>> {
    let mut out = Vec::new();
    let mut paging_state = None;
    loop {
        let params =
            QueryParams { page_size: Some(page_size), paging_state: paging_state.take(), ..QueryParams::default() };
        let Ok(Outcome::Rows(Rows { rows, paging_state: next, .. })) = engine.query(session, text, params).await else {
            panic!("{text} did not answer rows");
        };
        let ints = rows
            .iter()
            .map(|r| {
                let cell = r[0].as_ref().expect("a value");
                i32::from_be_bytes(cell[..4].try_into().expect("an int"))
            })
            .collect();
        out.push(ints);
        match next {
            Some(state) => paging_state = Some(state),
            None => return out,
        }
    }
}

fn assert_full_pages(pages: &[Vec<i32>], page_size: usize, total: usize) {
    let (last, full) = pages.split_last().expect("a page");
    assert!(full.iter().all(|p| p.len() == page_size), "short page before the last: {pages:?}");
    assert!(last.len() <= page_size);
    assert_eq!(pages.iter().map(Vec::len).sum::<usize>(), total, "{pages:?}");
}

#[tokio::test]
async fn filtered_pages_are_full() {
    let (engine, mut session) = engine().await;
    for page_size in [1, 3, 7, 100] {
        let got = pages(&engine, &mut session, "SELECT c FROM t WHERE x = 1 ALLOW FILTERING", page_size).await;
        assert_full_pages(&got, page_size as usize, 20);
        assert!(got.iter().flatten().all(|c| c % 2 == 0));
    }
}

#[tokio::test]
async fn per_partition_limit_pages_are_full() {
    let (engine, mut session) = engine().await;
    for page_size in [1, 3, 4] {
        let got = pages(&engine, &mut session, "SELECT c FROM t PER PARTITION LIMIT 1", page_size).await;
        assert_full_pages(&got, page_size as usize, 10);
        assert!(got.iter().flatten().all(|c| *c == 0));
    }
}

#[tokio::test]
async fn an_index_created_on_existing_rows_answers_every_row_in_full_pages() {
    let (engine, mut session) = engine().await;
    engine.query(&mut session, "CREATE INDEX ON t (x)", QueryParams::default()).await.unwrap();
    // A later write adds its own entry; an overwrite leaves a stale one that must not answer.
    engine.query(&mut session, "INSERT INTO t (p, c, x) VALUES (20, 0, 1)", QueryParams::default()).await.unwrap();
    engine.query(&mut session, "UPDATE t SET x = 5 WHERE p = 0 AND c = 0", QueryParams::default()).await.unwrap();
    for page_size in [1, 3, 100] {
        let got = pages(&engine, &mut session, "SELECT p FROM t WHERE x = 1", page_size).await;
        assert_full_pages(&got, page_size as usize, 20);
        let mut partitions: Vec<i32> = got.into_iter().flatten().collect();
        partitions.sort_unstable();
        let mut expected: Vec<i32> = (0..10).flat_map(|p| [p, p]).chain([20]).collect();
        expected.remove(0); // p = 0, c = 0 no longer has x = 1
        assert_eq!(partitions, expected);
    }
    // Default names: Cassandra's `<table>_<column>_idx`, a duplicate index refused.
    let err = engine.query(&mut session, "CREATE INDEX ON t (x)", QueryParams::default()).await.unwrap_err();
    assert!(err.message().contains("is a duplicate of existing index t_x_idx"), "{}", err.message());
    engine.query(&mut session, "CREATE INDEX IF NOT EXISTS ON t (x)", QueryParams::default()).await.unwrap();
    engine.query(&mut session, "DROP INDEX t_x_idx", QueryParams::default()).await.unwrap();
    let got = pages(&engine, &mut session, "SELECT p FROM t WHERE x = 1 ALLOW FILTERING", 100).await;
    assert_eq!(got.concat().len(), 20);
}
