//! Result column origins in a MySQL session (see [`crate::mysql::origin`]): column
//! references carry their table, alias and keys; computed columns and sources the
//! resolution cannot be sure of carry none.

use super::mysql_sql::session;
use crate::{Column, QueryOutput, Session};

async fn columns(s: &mut Session, sql: &str) -> Vec<Column> {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(QueryOutput::Rows { columns, .. }) => columns,
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

/// (name, table, org_table, org_name, type) of each column; "-" for no origin.
fn summary(cols: &[Column]) -> Vec<String> {
    cols.iter()
        .map(|c| match &c.origin {
            Some(o) => format!("{} {}.{} {}.{} {}", c.name, o.schema, o.table, o.org_table, o.org_name, o.mysql_type),
            None => format!("{} -", c.name),
        })
        .collect()
}

async fn setup() -> Session {
    let mut s = session().await;
    for sql in [
        "CREATE TABLE p (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(8) NOT NULL, grp TINYINT UNSIGNED, \
         UNIQUE KEY (code), KEY (grp))",
        "CREATE TABLE q (k INT PRIMARY KEY, pid INT NOT NULL)",
    ] {
        assert!(s.execute_batch(sql).await.pop().unwrap().is_ok(), "{sql}");
    }
    s
}

#[tokio::test]
async fn column_references_carry_their_table_and_keys() {
    let mut s = setup().await;
    let cols = columns(&mut s, "SELECT P.id AS x, code, (P.grp), id + 1 FROM p AS P").await;
    assert_eq!(
        summary(&cols),
        ["x test.P p.id int", "code test.P p.code varchar(8)", "grp test.P p.grp tinyint unsigned", "id + 1 -"]
    );
    let id = cols[0].origin.as_deref().unwrap();
    assert!(id.not_null && id.primary_key && id.auto_increment && id.part_key && !id.no_default);
    let code = cols[1].origin.as_deref().unwrap();
    assert!(code.not_null && code.unique_key && code.no_default && !code.primary_key);
    assert!(cols[2].origin.as_deref().unwrap().multiple_key);
    let cols = columns(&mut s, "SELECT * FROM test.p").await;
    assert_eq!(summary(&cols).len(), 3);
    assert!(cols.iter().all(|c| c.origin.as_ref().is_some_and(|o| o.table == "p")));
}

#[tokio::test]
async fn outer_joins_make_columns_nullable() {
    let mut s = setup().await;
    let cols = columns(&mut s, "SELECT p.id, q.k, q.pid FROM p LEFT JOIN q ON q.pid = p.id").await;
    let not_null: Vec<bool> = cols.iter().map(|c| c.origin.as_deref().unwrap().not_null).collect();
    assert_eq!(not_null, [true, false, false]);
    assert!(cols[1].origin.as_deref().unwrap().primary_key);
    let cols = columns(&mut s, "SELECT p.id, q.k FROM p RIGHT JOIN q ON q.pid = p.id").await;
    let not_null: Vec<bool> = cols.iter().map(|c| c.origin.as_deref().unwrap().not_null).collect();
    assert_eq!(not_null, [false, true]);
    let cols = columns(&mut s, "SELECT q.*, p.code FROM q, p").await;
    assert_eq!(summary(&cols), ["k test.q q.k int", "pid test.q q.pid int", "code test.p p.code varchar(8)"]);
}

#[tokio::test]
async fn computed_and_unsure_columns_have_none() {
    let mut s = setup().await;
    for sql in [
        "SELECT COUNT(*), MAX(code || 'x'), SUM(grp) FROM p",
        "SELECT id FROM p UNION SELECT k FROM q",
        "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
        "WITH c (x) AS (SELECT id FROM p) SELECT * FROM c",
        "SELECT * FROM p JOIN q USING (id)",
        "SELECT 1",
    ] {
        let Some(Ok(QueryOutput::Rows { columns, .. })) = s.execute_batch(sql).await.pop() else { continue };
        assert!(columns.iter().all(|c| c.origin.is_none()), "{sql}: {:?}", summary(&columns));
    }
    let prepared = s.prepare("SELECT p.code AS c FROM p WHERE id = ?", &[]).await.unwrap();
    assert_eq!(summary(&prepared.description.columns), ["c test.p p.code varchar(8)"]);
}

/// As MariaDB: a column read through a derived table or a CTE keeps the inner column's
/// type and flags and is named after the derived table.
#[tokio::test]
async fn derived_tables_and_ctes_name_their_columns() {
    let mut s = setup().await;
    let cols = columns(&mut s, "SELECT d.x, d.id, d.n FROM (SELECT code AS x, id, id + 1 AS n FROM p) AS d").await;
    assert_eq!(summary(&cols), ["x test.d d.x varchar(8)", "id test.d d.id int", "n .d d.n "]);
    assert!(cols[1].origin.as_deref().is_some_and(|o| o.primary_key && o.auto_increment));
    let cols = columns(&mut s, "WITH c AS (SELECT id, code FROM p), e AS (SELECT code FROM c) SELECT * FROM e").await;
    assert_eq!(summary(&cols), ["code test.e e.code varchar(8)"]);
    let cols = columns(&mut s, "SELECT * FROM (SELECT q.k FROM q LEFT JOIN p ON p.id = q.pid) AS j").await;
    assert!(cols[0].origin.as_deref().is_some_and(|o| o.not_null && o.table == "j"));
}

#[tokio::test]
async fn views_name_their_columns() {
    let mut s = setup().await;
    for sql in ["CREATE VIEW v AS SELECT id, code AS c, id * 2 AS dbl FROM p", "CREATE VIEW w (a) AS SELECT grp FROM p"]
    {
        assert!(s.execute_batch(sql).await.pop().unwrap().is_ok(), "{sql}");
    }
    let cols = columns(&mut s, "SELECT * FROM v").await;
    assert_eq!(summary(&cols), ["id test.v v.id int", "c test.v v.c varchar(8)", "dbl .v v.dbl "]);
    let cols = columns(&mut s, "SELECT x.a FROM w AS x").await;
    assert_eq!(summary(&cols), ["a test.x x.a tinyint unsigned"]);
}

/// MIN / MAX of a column have its type (no names, no keys).
#[tokio::test]
async fn min_and_max_keep_the_column_type() {
    let mut s = setup().await;
    let cols = columns(&mut s, "SELECT MAX(grp) AS g, MIN(p.code), COUNT(id) FROM p").await;
    assert_eq!(summary(&cols), ["g . . tinyint unsigned", "MIN(p.code) . . varchar(8)", "COUNT(id) -"]);
    let min = cols[1].origin.as_deref().unwrap();
    assert!(min.computed && !min.not_null && !min.unique_key);
    let cols = columns(&mut s, "SELECT d.m FROM (SELECT MAX(id) AS m FROM p) AS d").await;
    assert_eq!(summary(&cols), ["m .d d.m int"]);
}

/// A prepared query keeps its resolved columns with its plan: every execution reports
/// the same origins, and DDL that changes the table gives the new ones.
#[tokio::test]
async fn prepared_executions_reuse_then_refresh_their_columns() {
    let mut s = setup().await;
    let prepared = s.prepare("SELECT code, grp FROM p WHERE id = ?", &[]).await.unwrap();
    let types = prepared.param_types().to_vec();
    let mut run = async |s: &mut Session| match s.execute_prepared(&prepared, &types, &[orbit_storage::Value::Int(1)]).await {
        Ok(QueryOutput::Rows { columns, .. }) => summary(&columns),
        other => panic!("expected rows, got {other:?}"),
    };
    let first = run(&mut s).await;
    assert_eq!(first, ["code test.p p.code varchar(8)", "grp test.p p.grp tinyint unsigned"]);
    assert_eq!(run(&mut s).await, first);
    assert!(s.execute_batch("ALTER TABLE p MODIFY grp SMALLINT").await.pop().unwrap().is_ok());
    assert_eq!(run(&mut s).await, ["code test.p p.code varchar(8)", "grp test.p p.grp smallint"]);
}
