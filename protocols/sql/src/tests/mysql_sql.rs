//! MySQL SQL semantics (types, DDL, DML, expressions, functions, error texts) through a
//! MySQL-dialect session over the in-memory storage. Expected values are MariaDB 10.11's
//! or, where MySQL 8 differs, MySQL 8's (said at the test).

use crate::{Dialect, Engine, QueryOutput, Session, SqlError};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage, Value};
use std::sync::Arc;

pub(crate) async fn session() -> Session {
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
    let _ = Engine::open_with_dialect(storage.clone(), Dialect::MySql).await.unwrap();
    for (table, name) in [
        (crate::catalog::DATABASES, "def"),
        (crate::catalog::SCHEMAS, "def.public"),
        (crate::catalog::SCHEMAS, "def.test"),
    ] {
        storage.upsert(table, vec![Value::Text(name.into())]).await.unwrap();
    }
    let engine = Engine::open_with_dialect(storage, Dialect::MySql).await.unwrap();
    let mut s = Session::new(engine, "def", "root").unwrap();
    let _ = s.execute_batch("USE test").await;
    s
}

fn text(v: &Value) -> String {
    crate::mysql_sql::format::text(v).unwrap_or_else(|| "NULL".into())
}

/// Runs one statement and returns its rows as MySQL text (NULL as "NULL").
pub(crate) async fn rows(s: &mut Session, sql: &str) -> Vec<Vec<String>> {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(QueryOutput::Rows { rows, .. }) => rows.iter().map(|r| r.iter().map(text).collect()).collect(),
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

async fn one(s: &mut Session, sql: &str) -> String {
    let r = rows(s, sql).await;
    assert_eq!(r.len(), 1, "{sql}: {r:?}");
    r[0].join("|")
}

async fn columns(s: &mut Session, sql: &str) -> Vec<String> {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(QueryOutput::Rows { columns, .. }) => columns.into_iter().map(|c| c.name).collect(),
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

async fn ok(s: &mut Session, sql: &str) -> crate::Affected {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(o) => o.affected().unwrap_or_default(),
        Err(e) => panic!("{sql}: {e:?}"),
    }
}

async fn err(s: &mut Session, sql: &str) -> SqlError {
    match s.execute_batch(sql).await.pop().unwrap() {
        Err(e) => e,
        Ok(o) => panic!("{sql}: expected an error, got {o:?}"),
    }
}

#[tokio::test]
async fn question_mark_parameters_are_numbered_left_to_right() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))").await;
    let d = s.describe("INSERT INTO t (id, v) VALUES (?, ?)", &[]).await.unwrap();
    assert_eq!(d.params.len(), 2);
    let out = s
        .execute_with_params("INSERT INTO t (id, v) VALUES (?, ?)", &[], &[Value::Int(1), Value::Text("a".into())])
        .await
        .unwrap();
    assert_eq!(out.affected().unwrap().rows, 1);
    let out = s.execute_with_params("SELECT v FROM t WHERE id = ? LIMIT ?", &[], &[Value::Int(1), Value::Int(5)]).await.unwrap();
    let QueryOutput::Rows { rows, .. } = out else { panic!() };
    assert_eq!(rows, vec![vec![Value::Text("a".into())]]);
}

#[tokio::test]
async fn identifiers_tables_keep_case_columns_do_not() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE Users (Id INT PRIMARY KEY, `Name` VARCHAR(20))").await;
    ok(&mut s, "INSERT INTO Users (ID, name) VALUES (1, 'x')").await;
    assert_eq!(one(&mut s, "SELECT NAME FROM Users WHERE id = 1").await, "x");
    assert_eq!(columns(&mut s, "SELECT NAME, u.iD, COUNT(*), 1+1 FROM Users u GROUP BY name, id").await, ["NAME", "iD", "COUNT(*)", "1+1"]);
    let e = err(&mut s, "SELECT * FROM users").await;
    assert!(e.message.starts_with("Table '") && e.message.ends_with(".users' doesn't exist"), "{}", e.message);
    assert_eq!((e.code, e.mysql_errno), ("42S02", Some(1146)));
    // "x" is a string in MySQL.
    assert_eq!(one(&mut s, "SELECT \"x\"").await, "x");
}
