use crate::{format_text, Engine, QueryOutput, Session, SqlError, TransactionStatus};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::sync::Arc;

pub(crate) async fn session() -> Session {
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
    let engine = Engine::open(storage).await.unwrap();
    Session::new(engine, "postgres", "postgres").unwrap()
}

/// Runs one statement and returns its rows as text (NULL as "NULL").
pub(crate) async fn rows(s: &mut Session, sql: &str) -> Vec<Vec<String>> {
    let mut out = s.execute_batch(sql).await;
    match out.pop().unwrap() {
        Ok(QueryOutput::Rows { columns, rows, .. }) => rows
            .iter()
            .map(|r| {
                r.iter().zip(&columns).map(|(v, c)| format_text(v, &c.ty).unwrap_or_else(|| "NULL".into())).collect()
            })
            .collect(),
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

pub(crate) async fn ok(s: &mut Session, sql: &str) -> String {
    let mut out = s.execute_batch(sql).await;
    match out.pop().unwrap() {
        Ok(o) => o.command_tag(),
        Err(e) => panic!("{sql}: {e:?}"),
    }
}

pub(crate) async fn err(s: &mut Session, sql: &str) -> SqlError {
    let mut out = s.execute_batch(sql).await;
    match out.pop().unwrap() {
        Err(e) => e,
        Ok(o) => panic!("{sql}: expected an error, got {o:?}"),
    }
}

fn flat(r: Vec<Vec<String>>) -> Vec<String> {
    r.into_iter().map(|row| row.join(",")).collect()
}

#[tokio::test]
async fn create_insert_select() {
    let mut s = session().await;
    assert_eq!(ok(&mut s, "CREATE TABLE t(a int primary key, b text)").await, "CREATE TABLE");
    assert_eq!(ok(&mut s, "INSERT INTO t VALUES (1,'x'),(2,'y'),(3,NULL)").await, "INSERT 0 3");
    assert_eq!(flat(rows(&mut s, "SELECT a, b FROM t ORDER BY a").await), vec!["1,x", "2,y", "3,NULL"]);
    assert_eq!(flat(rows(&mut s, "SELECT * FROM t WHERE a = 2").await), vec!["2,y"]);
    assert_eq!(flat(rows(&mut s, "SELECT count(*), sum(a), avg(a) FROM t").await), vec!["3,6,2.0000000000000000"]);
    assert_eq!(err(&mut s, "INSERT INTO t VALUES (1,'dup')").await.code, "23505");
    assert_eq!(err(&mut s, "SELECT nope FROM t").await.code, "42703");
    assert_eq!(err(&mut s, "SELECT * FROM nope").await.code, "42P01");
    assert_eq!(err(&mut s, "SELECT nofunc(1)").await.code, "42883");
    assert_eq!(err(&mut s, "SELEC 1").await.code, "42601");
}

#[tokio::test]
async fn empty_query_and_settings() {
    let mut s = session().await;
    assert_eq!(s.execute_batch("").await, vec![Ok(QueryOutput::Empty)]);
    assert_eq!(flat(rows(&mut s, "SHOW server_version").await), vec!["15.0"]);
    assert_eq!(ok(&mut s, "SET application_name = 'x'").await, "SET");
    assert_eq!(s.setting("application_name").as_deref(), Some("x"));
    assert_eq!(s.setting("DateStyle").as_deref(), Some("ISO, MDY"));
    assert_eq!(err(&mut s, "SET nonsense = 1").await.code, "42704");
    assert_eq!(ok(&mut s, "RESET application_name").await, "RESET");
    assert_eq!(s.setting("application_name").as_deref(), Some(""));
}

#[tokio::test]
async fn transactions_and_failed_state() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t(a int primary key)").await;
    ok(&mut s, "BEGIN").await;
    assert_eq!(s.transaction_status(), TransactionStatus::InBlock);
    ok(&mut s, "INSERT INTO t VALUES (1)").await;
    assert_eq!(err(&mut s, "SELECT 1/0").await.code, "22012");
    assert_eq!(s.transaction_status(), TransactionStatus::Failed);
    assert_eq!(err(&mut s, "SELECT 1").await.code, "25P02");
    assert_eq!(ok(&mut s, "COMMIT").await, "ROLLBACK");
    assert_eq!(s.transaction_status(), TransactionStatus::Idle);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM t").await), vec!["0"]);
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "INSERT INTO t VALUES (1)").await;
    ok(&mut s, "SAVEPOINT sp").await;
    ok(&mut s, "INSERT INTO t VALUES (2)").await;
    ok(&mut s, "ROLLBACK TO SAVEPOINT sp").await;
    ok(&mut s, "INSERT INTO t VALUES (3)").await;
    ok(&mut s, "COMMIT").await;
    assert_eq!(flat(rows(&mut s, "SELECT a FROM t ORDER BY a").await), vec!["1", "3"]);
}

#[test]
fn futures_are_send() {
    fn is_send<T: Send>(_: &T) {}
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut s = session().await;
        let f = s.execute_batch("SELECT 1");
        is_send(&f);
        drop(f);
        let f = s.execute_with_params("SELECT $1", &[], &[]);
        is_send(&f);
    });
}

#[tokio::test]
async fn multi_statement_batch_is_one_implicit_transaction() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t(a int primary key)").await;
    let out = s
        .execute_batch("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); SELECT 1/0; INSERT INTO t VALUES (3)")
        .await;
    assert_eq!(out.len(), 3);
    assert_eq!(out[2].as_ref().unwrap_err().code, "22012");
    assert_eq!(s.transaction_status(), TransactionStatus::Idle);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM t").await), vec!["0"]);
    let out = s.execute_batch("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)").await;
    assert!(out.iter().all(|r| r.is_ok()));
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM t").await), vec!["2"]);
    let out = s.execute_batch("BEGIN; INSERT INTO t VALUES (5); COMMIT").await;
    assert!(out.iter().all(|r| r.is_ok()));
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM t").await), vec!["3"]);
}

#[tokio::test]
async fn savepoint_replay_keeps_serial_values() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t(id serial primary key, v text)").await;
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "INSERT INTO t(v) VALUES ('a'), ('b')").await;
    ok(&mut s, "SAVEPOINT one").await;
    ok(&mut s, "INSERT INTO t(v) VALUES ('c')").await;
    assert_eq!(err(&mut s, "INSERT INTO t(id, v) VALUES (1, 'dup')").await.code, "23505");
    assert_eq!(s.transaction_status(), TransactionStatus::Failed);
    ok(&mut s, "ROLLBACK TO SAVEPOINT one").await;
    assert_eq!(s.transaction_status(), TransactionStatus::InBlock);
    ok(&mut s, "INSERT INTO t(v) VALUES ('d')").await;
    ok(&mut s, "COMMIT").await;
    assert_eq!(flat(rows(&mut s, "SELECT id, v FROM t ORDER BY id").await), vec!["1,a", "2,b", "4,d"]);
    assert_eq!(err(&mut s, "SAVEPOINT x").await.code, "25P01");
}

/// Schema changes take effect at once; rolling back a block that made one says so
/// instead of pretending the schema change was undone.
#[tokio::test]
async fn rollback_of_a_block_with_irreversible_ddl_is_an_explicit_error() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE dropped_in_block (a int PRIMARY KEY)").await;
    ok(&mut s, "CREATE TABLE other (a int PRIMARY KEY)").await;
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "INSERT INTO other VALUES (1)").await;
    ok(&mut s, "DROP TABLE dropped_in_block").await;
    let e = err(&mut s, "ROLLBACK").await;
    assert_eq!(e.code, "0A000", "{e:?}");
    assert!(e.message.contains("DROP TABLE"), "{e:?}");
    assert_eq!(s.transaction_status(), TransactionStatus::Idle);
    assert!(rows(&mut s, "SELECT a FROM other").await.is_empty(), "the row change was rolled back");
    // Committed blocks with DDL are fine.
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "CREATE TABLE kept (a int PRIMARY KEY)").await;
    ok(&mut s, "INSERT INTO kept VALUES (1)").await;
    assert_eq!(ok(&mut s, "COMMIT").await, "COMMIT");
    assert_eq!(rows(&mut s, "SELECT a FROM kept").await, vec![vec!["1".to_string()]]);
}

/// DEALLOCATE is handed to the wire listener, which owns the prepared statements.
#[tokio::test]
async fn deallocate_is_handed_to_the_listener() {
    let mut s = session().await;
    assert_eq!(ok(&mut s, "DEALLOCATE ALL").await, "DEALLOCATE ALL");
    assert_eq!(ok(&mut s, "DEALLOCATE PREPARE stmt1").await, "DEALLOCATE");
    assert_eq!(s.take_deallocations(), vec![None, Some("stmt1".to_string())]);
    assert!(s.take_deallocations().is_empty());
}
