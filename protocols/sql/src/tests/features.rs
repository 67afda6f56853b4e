//! Feature tests: DDL, DML, constraints, queries, the optimizer and the extended protocol.

use super::basics::{err, ok, rows, session};
use crate::{QueryOutput, SqlType, Value};

fn flat(r: Vec<Vec<String>>) -> Vec<String> {
    r.into_iter().map(|row| row.join(",")).collect()
}

#[tokio::test]
async fn constraints_and_defaults() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t(id serial PRIMARY KEY, name varchar(5) NOT NULL, n int DEFAULT 7 CHECK (n > 0), u text UNIQUE, at timestamptz DEFAULT now())").await;
    assert_eq!(ok(&mut s, "INSERT INTO t(name) VALUES ('a'), ('b')").await, "INSERT 0 2");
    assert_eq!(flat(rows(&mut s, "SELECT id, name, n FROM t ORDER BY id").await), vec!["1,a,7", "2,b,7"]);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM t WHERE at IS NOT NULL").await), vec!["2"]);
    assert_eq!(err(&mut s, "INSERT INTO t(name) VALUES ('toolong')").await.code, "22001");
    assert_eq!(err(&mut s, "INSERT INTO t(name) VALUES (NULL)").await.code, "23502");
    assert_eq!(err(&mut s, "INSERT INTO t(name, n) VALUES ('c', -1)").await.code, "23514");
    ok(&mut s, "INSERT INTO t(name, u) VALUES ('c', 'x')").await;
    assert_eq!(err(&mut s, "INSERT INTO t(name, u) VALUES ('d', 'x')").await.code, "23505");
    assert_eq!(err(&mut s, "UPDATE t SET n = 0 WHERE name = 'a'").await.code, "23514");
    assert_eq!(err(&mut s, "INSERT INTO t(name, n) VALUES ('e', 3000000000)").await.code, "22003");
    assert_eq!(ok(&mut s, "INSERT INTO t(name, n) VALUES ('f', DEFAULT)").await, "INSERT 0 1");
    assert_eq!(flat(rows(&mut s, "SELECT n FROM t WHERE name = 'f'").await), vec!["7"]);
    // Identity columns and hidden row ids.
    ok(&mut s, "CREATE TABLE g(id bigint GENERATED ALWAYS AS IDENTITY, v int)").await;
    ok(&mut s, "INSERT INTO g(v) VALUES (10), (20)").await;
    assert_eq!(flat(rows(&mut s, "SELECT * FROM g ORDER BY id").await), vec!["1,10", "2,20"]);
    assert_eq!(err(&mut s, "INSERT INTO g(id, v) VALUES (5, 1)").await.code, "428C9");
    ok(&mut s, "INSERT INTO g(id, v) VALUES (DEFAULT, 30)").await;
    ok(&mut s, "CREATE TABLE nokey(a int, b int)").await;
    ok(&mut s, "INSERT INTO nokey VALUES (1, 1), (1, 1)").await;
    assert_eq!(flat(rows(&mut s, "SELECT * FROM nokey").await), vec!["1,1", "1,1"]);
    assert_eq!(ok(&mut s, "DELETE FROM nokey WHERE a = 1").await, "DELETE 2");
}

#[tokio::test]
async fn on_conflict_and_returning() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE kv(k text PRIMARY KEY, v int)").await;
    ok(&mut s, "INSERT INTO kv VALUES ('a', 1)").await;
    assert_eq!(ok(&mut s, "INSERT INTO kv VALUES ('a', 2) ON CONFLICT DO NOTHING").await, "INSERT 0 0");
    ok(&mut s, "INSERT INTO kv VALUES ('a', 5), ('b', 6) ON CONFLICT (k) DO UPDATE SET v = kv.v + EXCLUDED.v").await;
    assert_eq!(flat(rows(&mut s, "SELECT * FROM kv ORDER BY k").await), vec!["a,6", "b,6"]);
    let out = s.execute_batch("INSERT INTO kv VALUES ('c', 9) RETURNING k, v * 2 AS dbl").await.pop().unwrap().unwrap();
    assert_eq!(out.command_tag(), "INSERT 0 1");
    match out {
        QueryOutput::Rows { columns, rows, .. } => {
            assert_eq!(columns[1].name, "dbl");
            assert_eq!(rows, vec![vec![Value::Text("c".into()), Value::Int(18)]]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(flat(rows(&mut s, "UPDATE kv SET v = v + 1 WHERE k <> 'c' RETURNING k, v").await).len(), 2);
    assert_eq!(flat(rows(&mut s, "DELETE FROM kv WHERE k = 'a' RETURNING *").await), vec!["a,7"]);
}

#[tokio::test]
async fn update_from_and_delete_using() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE a(id int PRIMARY KEY, v int)").await;
    ok(&mut s, "CREATE TABLE b(id int PRIMARY KEY, w int)").await;
    ok(&mut s, "INSERT INTO a VALUES (1, 0), (2, 0), (3, 0)").await;
    ok(&mut s, "INSERT INTO b VALUES (1, 10), (2, 20)").await;
    assert_eq!(ok(&mut s, "UPDATE a SET v = b.w FROM b WHERE a.id = b.id").await, "UPDATE 2");
    assert_eq!(flat(rows(&mut s, "SELECT * FROM a ORDER BY id").await), vec!["1,10", "2,20", "3,0"]);
    assert_eq!(ok(&mut s, "DELETE FROM a USING b WHERE a.id = b.id AND b.w > 15").await, "DELETE 1");
    assert_eq!(flat(rows(&mut s, "SELECT id FROM a ORDER BY id").await), vec!["1", "3"]);
}

#[tokio::test]
async fn joins_and_grouping() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE l(id int PRIMARY KEY, x text)").await;
    ok(&mut s, "CREATE TABLE r(id int PRIMARY KEY, lid int, y int)").await;
    ok(&mut s, "INSERT INTO l VALUES (1,'a'),(2,'b'),(3,'c')").await;
    ok(&mut s, "INSERT INTO r VALUES (10,1,5),(11,1,7),(12,4,9)").await;
    assert_eq!(
        flat(rows(&mut s, "SELECT l.x, r.y FROM l LEFT JOIN r ON l.id = r.lid ORDER BY l.x, r.y").await),
        vec!["a,5", "a,7", "b,NULL", "c,NULL"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT l.x, r.y FROM l RIGHT JOIN r ON l.id = r.lid ORDER BY r.y").await),
        vec!["a,5", "a,7", "NULL,9"]
    );
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM l FULL JOIN r ON l.id = r.lid").await), vec!["5"]);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM l CROSS JOIN r").await), vec!["9"]);
    assert_eq!(
        flat(rows(&mut s, "SELECT lid, count(*), sum(y), max(y) FROM r GROUP BY lid HAVING count(*) > 1").await),
        vec!["1,2,12,7"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT count(DISTINCT lid), count(*) FILTER (WHERE y > 5) FROM r").await),
        vec!["2,2"]
    );
    assert_eq!(err(&mut s, "SELECT lid, y FROM r GROUP BY lid").await.code, "42803");
    assert_eq!(
        flat(rows(&mut s, "SELECT string_agg(x, '-' ORDER BY id DESC), array_agg(id ORDER BY x DESC) FROM l").await),
        vec!["c-b-a,{3,2,1}"]
    );
    assert_eq!(flat(rows(&mut s, "SELECT x FROM l WHERE id IN (SELECT lid FROM r) ORDER BY 1").await), vec!["a"]);
    assert_eq!(
        flat(
            rows(&mut s, "SELECT x, (SELECT count(*) FROM r WHERE r.lid = l.id) AS n FROM l ORDER BY n DESC, x").await
        ),
        vec!["a,2", "b,0", "c,0"]
    );
    assert_eq!(flat(rows(&mut s, "SELECT x FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.lid = l.id) ORDER BY x DESC LIMIT 1 OFFSET 0").await), vec!["c"]);
    assert_eq!(
        flat(rows(&mut s, "SELECT id FROM l UNION SELECT lid FROM r ORDER BY 1").await),
        vec!["1", "2", "3", "4"]
    );
    assert_eq!(flat(rows(&mut s, "SELECT id FROM l INTERSECT SELECT lid FROM r").await), vec!["1"]);
    assert_eq!(flat(rows(&mut s, "SELECT id FROM l EXCEPT ALL SELECT lid FROM r ORDER BY 1").await), vec!["2", "3"]);
    assert_eq!(flat(rows(&mut s, "SELECT DISTINCT lid FROM r ORDER BY lid NULLS FIRST").await), vec!["1", "4"]);
    assert_eq!(flat(rows(&mut s, "SELECT y FROM r ORDER BY y DESC LIMIT 2").await), vec!["9", "7"]);
}

#[tokio::test]
async fn expressions_and_types() {
    let mut s = session().await;
    let one = |sql: &'static str| sql;
    let cases: Vec<(&str, &str)> = vec![
        (one("SELECT 7 / 2, 7 % 3, -7 / 2"), "3,1,-3"),
        ("SELECT 1.5 + 1, 10 / 4.0", "2.5,2.5000000000000000"),
        ("SELECT 1::float8 / 3", "0.3333333333333333"),
        ("SELECT NULL = NULL, NULL IS NULL, 1 IS DISTINCT FROM NULL, NULL IS NOT DISTINCT FROM NULL", "NULL,t,t,t"),
        ("SELECT true AND NULL, false AND NULL, true OR NULL", "NULL,f,t"),
        ("SELECT CASE WHEN 1 > 2 THEN 'a' ELSE 'b' END, coalesce(NULL, 3), nullif(1, 1), greatest(1, 5, 3), least(2.5, 1)", "b,3,NULL,5,1"),
        ("SELECT 'abc' LIKE 'a%', 'ABC' ILIKE 'a_c', 'abc' NOT LIKE '%d'", "t,t,t"),
        ("SELECT 5 BETWEEN 1 AND 10, 5 NOT BETWEEN 1 AND 3, 3 IN (1, 2, NULL)", "t,t,NULL"),
        ("SELECT length('héllo'), upper('x'), lower('Y'), substr('hello', 2, 3), trim('  x  '), 'a' || 'b' || 1", "5,X,y,ell,x,ab1"),
        ("SELECT substring('hello' FROM 2 FOR 2), position('l' IN 'hello'), concat('a', NULL, 'b')", "el,3,ab"),
        ("SELECT abs(-3), round(2.567, 2), round(2.5), ceil(1.2), floor(-1.2)", "3,2.57,3,2,-2"),
        ("SELECT CAST('42' AS int) + 1, '3'::numeric(5,2), 3::text || 'x', '2024-01-31'::date + 1", "43,3.00,3x,2024-02-01"),
        ("SELECT '2024-01-31'::date + interval '1 month', '1 day'::interval * 2", "2024-02-29 00:00:00,2 days"),
        ("SELECT 1e3::float8, 0.1::float4, '1.50'::numeric", "1000,0.1,1.50"),
        ("SELECT '{\"a\": {\"b\": 2}}'::jsonb -> 'a' ->> 'b', ARRAY[1,2,3]", "2,{1,2,3}"),
        ("SELECT 'a' < 'B', 'Z' < 'a'", "f,t"),
        ("SELECT x FROM (VALUES (3), (1), (2)) AS v(x) ORDER BY x", "1"),
        ("SELECT sum(x), avg(x) FROM (VALUES (1), (2)) AS v(x)", "3,1.5000000000000000"),
        ("SELECT '\\xdeadbeef'::bytea, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "\\xdeadbeef,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        ("SELECT extract(year FROM '2024-05-06'::date), date_trunc('month', '2024-05-06 10:00:00'::timestamp)", "2024,2024-05-01 00:00:00"),
    ];
    for (sql, want) in cases {
        let got = flat(rows(&mut s, sql).await);
        assert_eq!(got.first().map(|s| s.as_str()), Some(want), "{sql}");
    }
    assert_eq!(err(&mut s, "SELECT 2147483647 + 1").await.code, "22003");
    assert_eq!(err(&mut s, "SELECT 1 / 0").await.code, "22012");
    assert_eq!(err(&mut s, "SELECT 1e1000000000").await.code, "22003");
    assert_eq!(err(&mut s, "SELECT '1e1000000000'::numeric").await.code, "22003");
    assert_eq!(err(&mut s, "SELECT '99999999-01-01'::date").await.code, "22007");
    assert_eq!(err(&mut s, "SELECT '200000-12-31 00:00:00'::timestamp + interval '100000 years'").await.code, "22008");
    assert_eq!(err(&mut s, "SELECT 1.0 / 0").await.code, "22012");
    assert_eq!(err(&mut s, "SELECT 'abc'::int").await.code, "22P02");
    assert_eq!(err(&mut s, "SELECT 1 + 'a'::text").await.code, "42883");
    assert_eq!(err(&mut s, "SELECT (SELECT 1 UNION SELECT 2)").await.code, "21000");
    assert_eq!(err(&mut s, "SELECT * FROM t WHERE 1").await.code, "42P01");
    assert_eq!(err(&mut s, "SELECT 1 WHERE row_number() OVER () > 1").await.code, "42P20");
    assert_eq!(err(&mut s, "SELECT sum(1) OVER w FROM (SELECT 1) x WINDOW v AS ()").await.code, "42704");
    assert_eq!(err(&mut s, "SELECT * FROM pg_catalog.pg_no_such_relation").await.code, "42P01");
    let g = rows(&mut s, "SELECT gen_random_uuid()").await;
    assert_eq!(g[0][0].len(), 36);
}

#[tokio::test]
async fn ctes_views_schemas_databases() {
    let mut s = session().await;
    assert_eq!(
        flat(
            rows(
                &mut s,
                "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) SELECT sum(n) FROM c"
            )
            .await
        ),
        vec!["15"]
    );
    assert_eq!(
        flat(rows(&mut s, "WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT y FROM b").await),
        vec!["2"]
    );
    ok(&mut s, "CREATE TABLE t(a int PRIMARY KEY, b int)").await;
    ok(&mut s, "INSERT INTO t VALUES (1, 10), (2, 20)").await;
    ok(&mut s, "CREATE VIEW v AS SELECT a, b * 2 AS b2 FROM t WHERE a > 1").await;
    assert_eq!(flat(rows(&mut s, "SELECT * FROM v").await), vec!["2,40"]);
    assert_eq!(err(&mut s, "CREATE VIEW v AS SELECT 1").await.code, "42P07");
    assert_eq!(err(&mut s, "DROP TABLE v").await.code, "42809");
    ok(&mut s, "DROP VIEW v").await;
    assert_eq!(err(&mut s, "SELECT * FROM v").await.code, "42P01");
    ok(&mut s, "CREATE SCHEMA app").await;
    ok(&mut s, "CREATE TABLE app.t(x int)").await;
    ok(&mut s, "INSERT INTO app.t VALUES (5)").await;
    assert_eq!(flat(rows(&mut s, "SELECT x FROM app.t").await), vec!["5"]);
    assert_eq!(err(&mut s, "DROP SCHEMA app").await.code, "2BP01");
    ok(&mut s, "DROP SCHEMA app CASCADE").await;
    assert_eq!(err(&mut s, "CREATE TABLE nope.t(x int)").await.code, "3F000");
    ok(&mut s, "CREATE DATABASE other").await;
    assert_eq!(err(&mut s, "CREATE DATABASE other").await.code, "42P04");
    let engine = s.engine.clone();
    let mut o = crate::Session::new(engine.clone(), "other", "postgres").unwrap();
    assert_eq!(err(&mut o, "SELECT * FROM t").await.code, "42P01");
    ok(&mut o, "CREATE TABLE t(z text)").await;
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM t").await), vec!["2"]);
    assert_eq!(crate::Session::new(engine.clone(), "missing", "u").err().map(|e| e.code), Some("3D000"));
    ok(&mut s, "DROP DATABASE other").await;
    assert!(crate::Session::new(engine, "other", "u").is_err());
}

#[tokio::test]
async fn alter_truncate_drop() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t(a int PRIMARY KEY, b int)").await;
    ok(&mut s, "INSERT INTO t VALUES (1, 2)").await;
    ok(&mut s, "ALTER TABLE t ADD COLUMN c text DEFAULT 'z'").await;
    assert_eq!(flat(rows(&mut s, "SELECT * FROM t").await), vec!["1,2,z"]);
    ok(&mut s, "ALTER TABLE t RENAME COLUMN b TO bb").await;
    ok(&mut s, "ALTER TABLE t DROP COLUMN c").await;
    assert_eq!(flat(rows(&mut s, "SELECT a, bb FROM t").await), vec!["1,2"]);
    ok(&mut s, "ALTER TABLE t RENAME TO u").await;
    assert_eq!(err(&mut s, "SELECT * FROM t").await.code, "42P01");
    assert_eq!(ok(&mut s, "TRUNCATE u").await, "TRUNCATE TABLE");
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM u").await), vec!["0"]);
    ok(&mut s, "DROP TABLE u").await;
    assert_eq!(err(&mut s, "DROP TABLE u").await.code, "42P01");
    ok(&mut s, "DROP TABLE IF EXISTS u").await;
    ok(&mut s, "CREATE TABLE IF NOT EXISTS w(a int)").await;
    ok(&mut s, "CREATE TABLE IF NOT EXISTS w(a int)").await;
    assert_eq!(err(&mut s, "CREATE TABLE w(a int)").await.code, "42P07");
    assert_eq!(err(&mut s, "CREATE TABLE fk(a int REFERENCES w(a))").await.code, "0A000");
}

#[tokio::test]
async fn access_paths_in_explain() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t(a int, b int, c text, PRIMARY KEY (a, b))").await;
    ok(&mut s, "CREATE INDEX t_c ON t(c)").await;
    for i in 0..50 {
        ok(&mut s, &format!("INSERT INTO t VALUES ({}, {}, 'v{}')", i % 10, i, i % 7)).await;
    }
    let plan = flat(rows(&mut s, "EXPLAIN SELECT * FROM t WHERE a = 3 AND b = 13").await).join("\n");
    assert!(plan.contains("Primary Key Lookup"), "{plan}");
    let plan = flat(rows(&mut s, "EXPLAIN SELECT * FROM t WHERE a = 3").await).join("\n");
    assert!(plan.contains("Primary Key Range Scan"), "{plan}");
    let plan = flat(rows(&mut s, "EXPLAIN SELECT * FROM t WHERE c = 'v3'").await).join("\n");
    assert!(plan.contains("Index Scan using t_c"), "{plan}");
    let plan = flat(rows(&mut s, "EXPLAIN SELECT * FROM t x, t y WHERE x.a = y.b").await).join("\n");
    assert!(plan.contains("Hash Join"), "{plan}");
    assert_eq!(flat(rows(&mut s, "SELECT b FROM t WHERE a = 3 AND b = 13").await), vec!["13"]);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM t WHERE a = 3").await), vec!["5"]);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM t WHERE a >= 3 AND a < 5").await), vec!["10"]);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM t WHERE c = 'v3'").await), vec!["7"]);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM t WHERE a = 3.5").await), vec!["0"]);
    ok(&mut s, "DROP INDEX t_c").await;
    assert_eq!(err(&mut s, "DROP INDEX t_c").await.code, "42704");
    ok(&mut s, "CREATE UNIQUE INDEX t_b ON t(b)").await;
    assert_eq!(err(&mut s, "INSERT INTO t VALUES (99, 1, 'x')").await.code, "23505");
}

#[tokio::test]
async fn extended_protocol() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t(a int PRIMARY KEY, b text)").await;
    let d = s.describe("SELECT b FROM t WHERE a = $1", &[]).await.unwrap();
    assert_eq!(d.params, vec![SqlType::Int4]);
    assert_eq!(d.columns[0].ty, SqlType::Text);
    let d =
        s.describe("INSERT INTO t VALUES ($1, $2) RETURNING a", &[SqlType::Unknown, SqlType::Unknown]).await.unwrap();
    assert_eq!(d.params, vec![SqlType::Int4, SqlType::Text]);
    assert_eq!(d.columns.len(), 1);
    let out = s
        .execute_with_params(
            "INSERT INTO t VALUES ($1, $2)",
            &[SqlType::Int4, SqlType::Text],
            &[Value::Int(1), Value::Text("x".into())],
        )
        .await
        .unwrap();
    assert_eq!(out.command_tag(), "INSERT 0 1");
    let out = s.execute_with_params("SELECT b FROM t WHERE a = $1", &[SqlType::Int4], &[Value::Int(1)]).await.unwrap();
    assert_eq!(out.command_tag(), "SELECT 1");
    assert_eq!(s.describe("SELECT 1; SELECT 2", &[]).await.unwrap_err().code, "42601");
    let d = s.describe("SELECT $1::int8 + 1", &[]).await.unwrap();
    assert_eq!(d.params, vec![SqlType::Int8]);
}

#[tokio::test]
async fn cancel_flag_is_reset_per_statement() {
    let mut s = session().await;
    s.cancel_flag().store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(flat(rows(&mut s, "SELECT 1").await), vec!["1"]);
}

#[tokio::test]
async fn window_functions() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE w(g text, v int)").await;
    ok(&mut s, "INSERT INTO w VALUES ('a', 1), ('a', 2), ('a', 2), ('b', 5), ('b', 7)").await;
    assert_eq!(
        flat(rows(&mut s, "SELECT g, v, row_number() OVER (PARTITION BY g ORDER BY v), rank() OVER (PARTITION BY g ORDER BY v), dense_rank() OVER (PARTITION BY g ORDER BY v) FROM w ORDER BY g, v, 3").await),
        vec!["a,1,1,1,1", "a,2,2,2,2", "a,2,3,2,2", "b,5,1,1,1", "b,7,2,2,2"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT v, sum(v) OVER (ORDER BY v), count(*) OVER (), lag(v) OVER (ORDER BY v), lead(v, 1, 0) OVER (ORDER BY v) FROM w ORDER BY v, 4").await),
        vec!["1,1,5,NULL,2", "2,5,5,1,2", "2,5,5,2,5", "5,10,5,2,7", "7,17,5,5,0"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT v, sum(v) OVER (ORDER BY v ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w WHERE g = 'b' ORDER BY v").await),
        vec!["5,5", "7,12"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT g, sum(v), rank() OVER (ORDER BY sum(v) DESC) FROM w GROUP BY g ORDER BY g").await),
        vec!["a,5,2", "b,12,1"]
    );
    assert_eq!(
        flat(
            rows(&mut s, "SELECT first_value(v) OVER (PARTITION BY g ORDER BY v DESC) FROM w WHERE g = 'a' LIMIT 1")
                .await
        ),
        vec!["2"]
    );
    assert_eq!(
        flat(
            rows(
                &mut s,
                "SELECT v, rank() OVER w, row_number() OVER w FROM w WHERE g = 'a' WINDOW w AS (ORDER BY v) ORDER BY 3"
            )
            .await
        ),
        vec!["1,1,1", "2,2,2", "2,2,3"]
    );
}

#[tokio::test]
async fn character_columns_pad_and_compare_without_blanks() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE c(k char(4) PRIMARY KEY)").await;
    ok(&mut s, "INSERT INTO c VALUES ('ab')").await;
    assert_eq!(flat(rows(&mut s, "SELECT k || '|', k, length(k) FROM c").await), vec!["ab|,ab  ,2"]);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM c WHERE k = 'ab'").await), vec!["1"]);
    assert_eq!(err(&mut s, "INSERT INTO c VALUES ('abcde')").await.code, "22001");
}

#[tokio::test]
async fn more_postgres_forms() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE n(id int PRIMARY KEY, v int, s text)").await;
    ok(&mut s, "INSERT INTO n VALUES (1, 1, 'b'), (2, 1, 'a'), (3, 2, 'c')").await;
    assert_eq!(flat(rows(&mut s, "SELECT DISTINCT ON (v) v, s FROM n ORDER BY v, s").await), vec!["1,a", "2,c"]);
    assert_eq!(flat(rows(&mut s, "SELECT id FROM n ORDER BY id FETCH FIRST 2 ROWS ONLY").await), vec!["1", "2"]);
    assert_eq!(
        flat(rows(&mut s, "SELECT id FROM n WHERE id = ANY (SELECT v FROM n) ORDER BY id").await),
        vec!["1", "2"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT 2 = ANY (ARRAY[1, 2]), 3 > ALL (ARRAY[1, 2]), (ARRAY[5, 6])[2]").await),
        vec!["t,t,6"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT 5 & 3, 5 | 3, 1 << 4, 2 ^ 10, 'a%b' LIKE 'a!%b' ESCAPE '!'").await),
        vec!["1,7,16,1024,t"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT true::text, pg_typeof(1.5::real * 2), '10:00'::time - '08:15'::time").await),
        vec!["true,double precision,01:45:00"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT '{\"b\": 1, \"a\": [1,2]}'::jsonb, 'abcdef'::varchar(3)").await),
        vec!["{\"a\": [1, 2], \"b\": 1},abc"]
    );
    ok(&mut s, "CREATE TABLE a(k int, va text)").await;
    ok(&mut s, "CREATE TABLE b(k int, vb text)").await;
    ok(&mut s, "INSERT INTO a VALUES (1, 'a1'), (2, 'a2')").await;
    ok(&mut s, "INSERT INTO b VALUES (2, 'b2'), (3, 'b3')").await;
    assert_eq!(
        flat(rows(&mut s, "SELECT k, va, vb FROM a FULL JOIN b USING (k) ORDER BY k").await),
        vec!["1,a1,NULL", "2,a2,b2", "3,NULL,b3"]
    );
    assert_eq!(
        flat(
            rows(
                &mut s,
                "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT x.n + 1 FROM r x WHERE x.n < 3) SELECT n FROM r"
            )
            .await
        ),
        vec!["1", "2", "3"]
    );
}

#[tokio::test]
async fn datetime_field_out_of_range_is_22008() {
    let mut s = session().await;
    let e = err(&mut s, "SELECT '2023-02-29'::date").await;
    assert_eq!(e.code, "22008");
    assert_eq!(e.message, "date/time field value out of range: \"2023-02-29\"");
    assert_eq!(err(&mut s, "SELECT '2024-01-01 25:00'::timestamp").await.code, "22008");
    assert_eq!(err(&mut s, "SELECT '2024-13-01'::date").await.code, "22008");
    assert_eq!(err(&mut s, "SELECT '2024-01-01 10:61'::timestamptz").await.code, "22008");
    let e = err(&mut s, "SELECT 'garbage'::date").await;
    assert_eq!(e.code, "22007");
    assert_eq!(e.message, "invalid input syntax for type date: \"garbage\"");
    assert_eq!(err(&mut s, "SELECT '2024-xx-01'::date").await.code, "22007");
    assert_eq!(flat(rows(&mut s, "SELECT '2024-02-29'::date").await), vec!["2024-02-29"]);
}

#[tokio::test]
async fn impossible_casts_are_42846() {
    let mut s = session().await;
    let e = err(&mut s, "SELECT 1::date").await;
    assert_eq!(e.code, "42846");
    assert_eq!(e.message, "cannot cast type integer to date");
    assert_eq!(err(&mut s, "SELECT current_date::int").await.code, "42846");
    assert_eq!(err(&mut s, "SELECT true::date").await.code, "42846");
    assert_eq!(err(&mut s, "SELECT 1.5::timestamp").await.code, "42846");
    assert_eq!(err(&mut s, "SELECT now()::uuid").await.code, "42846");
    ok(&mut s, "CREATE TABLE c(i int, d date)").await;
    assert_eq!(err(&mut s, "SELECT i::date FROM c").await.code, "42846");
    assert_eq!(err(&mut s, "SELECT d::int FROM c").await.code, "42846");
    assert_eq!(flat(rows(&mut s, "SELECT 1::bool, '5'::int::text, 2::numeric::float8").await), vec!["t,5,2"]);
}

#[tokio::test]
async fn special_datetime_values() {
    let mut s = session().await;
    assert_eq!(
        flat(rows(&mut s, "SELECT 'epoch'::timestamp, 'epoch'::date").await),
        vec!["1970-01-01 00:00:00,1970-01-01"]
    );
    assert_eq!(
        flat(
            rows(&mut s, "SELECT 'infinity'::date, '-infinity'::date, 'infinity'::timestamp, '-infinity'::timestamptz")
                .await
        ),
        vec!["infinity,-infinity,infinity,-infinity"]
    );
    assert_eq!(
        flat(
            rows(
                &mut s,
                "SELECT 'infinity'::date > '2024-01-01'::date, '-infinity'::timestamp < 'epoch'::timestamp, \
                 'infinity'::date = 'infinity'::timestamp, ('infinity'::date)::timestamp, \
                 'infinity'::timestamp + interval '1 day'"
            )
            .await
        ),
        vec!["t,t,t,infinity,infinity"]
    );
    assert_eq!(
        flat(
            rows(
                &mut s,
                "SELECT 'today'::date = current_date, 'tomorrow'::date - 'yesterday'::date, \
                 'now'::timestamptz <= now() + interval '1 minute'"
            )
            .await
        ),
        vec!["t,2,t"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT 'infinity'::date + 1, '-infinity'::date - 1").await),
        vec!["infinity,-infinity"]
    );
    assert_eq!(err(&mut s, "SELECT 'infinity'::date - '2024-01-01'::date").await.code, "22008");
    ok(&mut s, "CREATE TABLE sp(d date)").await;
    ok(&mut s, "INSERT INTO sp VALUES ('infinity'), ('2024-05-01'), ('-infinity')").await;
    assert_eq!(flat(rows(&mut s, "SELECT d FROM sp ORDER BY d").await), vec!["-infinity", "2024-05-01", "infinity"]);
}

#[tokio::test]
async fn power_operator_types_and_scale() {
    let mut s = session().await;
    assert_eq!(
        flat(rows(&mut s, "SELECT 2 ^ 0.5, 10 ^ 2, pg_typeof(10 ^ 2), pg_typeof(2 ^ 0.5)").await),
        vec!["1.4142135623730950,100,double precision,numeric"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT power(2, 0.5), pg_typeof(power(2::numeric, 2)), power(2.0, 10), 2.5 ^ 2").await),
        vec!["1.4142135623730950,numeric,1024.0000000000000000,6.2500000000000000"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT 9 ^ 0.5, 2 ^ 0.5::float8").await),
        vec!["3.0000000000000000,1.4142135623730951"]
    );
    assert_eq!(flat(rows(&mut s, "SELECT 2 ^ 10 = 1024, power(2, 3)::integer").await), vec!["t,8"]);
    assert_eq!(err(&mut s, "SELECT 10::double precision ^ 400").await.code, "22003");
    assert_eq!(err(&mut s, "SELECT (-8.0) ^ 0.5").await.code, "2201F");
    assert_eq!(err(&mut s, "SELECT 0.0 ^ -1").await.code, "2201F");
}

#[tokio::test]
async fn to_char_and_age() {
    let mut s = session().await;
    assert_eq!(
        flat(
            rows(
                &mut s,
                "SELECT to_char('2024-03-05 14:07:09.123456'::timestamp, 'YYYY-MM-DD HH24:MI:SS.MS US'), \
                 to_char('2024-03-05 14:07:09'::timestamp, 'HH12 PM am \"at\" Dy Mon DD')"
            )
            .await
        ),
        vec!["2024-03-05 14:07:09.123 123456,02 PM pm at Tue Mar 05"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT to_char('2024-03-05'::date, 'Month|FMMonth|Day|FMDay|MONTH|day')").await),
        vec!["March    |March|Tuesday  |Tuesday|MARCH    |tuesday  "]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT to_char('2024-03-05 00:30:00+00'::timestamptz, 'HH12:MI AM')").await),
        vec!["12:30 AM"]
    );
    assert_eq!(
        flat(rows(&mut s, "SELECT to_char(1234.5, '99999.99'), to_char(42, 'FM999'), to_char(-7, '000')").await),
        vec!["  1234.50,42,-007"]
    );
    assert_eq!(
        flat(
            rows(
                &mut s,
                "SELECT age('2024-03-15'::timestamp, '2023-01-20'::timestamp), \
                 age('2023-01-20'::timestamp, '2024-03-15 12:00'::timestamp), \
                 age('2024-03-01'::timestamp, '2024-01-31'::timestamp), pg_typeof(age(now()::timestamp)), \
                 age('2024-03-01'::timestamp, '2023-01-15'::timestamp)"
            )
            .await
        ),
        vec!["1 year 1 mon 26 days,-1 years -1 mons -26 days -12:00:00,1 mon 1 day,interval,1 year 1 mon 17 days"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_flag_stops_a_long_cross_join() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE big(x int)").await;
    ok(
        &mut s,
        "INSERT INTO big WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3000) SELECT n FROM r",
    )
    .await;
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM big").await), vec!["3000"]);
    let flag = s.cancel_flag();
    let setter = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let started = std::time::Instant::now();
    // 9 million pairs, none of which qualifies: far longer than 100ms unless cancelled.
    let e = err(&mut s, "SELECT count(*) FROM big a CROSS JOIN big b WHERE a.x + b.x < 0").await;
    setter.await.unwrap();
    assert_eq!(e.code, "57014");
    assert_eq!(e.message, "canceling statement due to user request");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "not cancelled promptly: {:?}", started.elapsed());
    // The next statement runs normally.
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM big a JOIN big b ON a.x = b.x").await), vec!["3000"]);
}

async fn columns_of(s: &mut crate::Session, sql: &str) -> Vec<(String, SqlType)> {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(QueryOutput::Rows { columns, .. }) => columns.into_iter().map(|c| (c.name, c.ty)).collect(),
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

#[tokio::test]
async fn generate_series_in_from() {
    let mut s = session().await;
    assert_eq!(flat(rows(&mut s, "SELECT * FROM generate_series(1, 5)").await), vec!["1", "2", "3", "4", "5"]);
    assert_eq!(
        columns_of(&mut s, "SELECT * FROM generate_series(1, 5)").await,
        vec![("generate_series".to_string(), SqlType::Int4)]
    );
    assert_eq!(columns_of(&mut s, "SELECT * FROM generate_series(1::int8, 2)").await[0].1, SqlType::Int8);
    assert_eq!(columns_of(&mut s, "SELECT * FROM generate_series(1.5, 3)").await[0].1, SqlType::Numeric);
    assert_eq!(flat(rows(&mut s, "SELECT * FROM generate_series(1.5, 3)").await), vec!["1.5", "2.5"]);
    assert_eq!(flat(rows(&mut s, "SELECT * FROM generate_series(10, 1, -3)").await), vec!["10", "7", "4", "1"]);
    assert!(rows(&mut s, "SELECT * FROM generate_series(5, 1)").await.is_empty());
    assert!(rows(&mut s, "SELECT * FROM generate_series(1, NULL)").await.is_empty());
    let e = err(&mut s, "SELECT * FROM generate_series(1, 5, 0)").await;
    assert_eq!((e.code, e.message.as_str()), ("22023", "step size cannot equal zero"));
    // Reaching the end of the type's range ends the series without an overflow error.
    assert_eq!(
        flat(rows(&mut s, "SELECT * FROM generate_series(2147483646, 2147483647)").await),
        vec!["2147483646", "2147483647"]
    );
    // Aliases: a column alias names the column; a bare table alias names it too.
    assert_eq!(flat(rows(&mut s, "SELECT x * 2 FROM generate_series(1, 3) AS g(x)").await), vec!["2", "4", "6"]);
    assert_eq!(flat(rows(&mut s, "SELECT g.x FROM generate_series(1, 2) AS g(x)").await), vec!["1", "2"]);
    assert_eq!(flat(rows(&mut s, "SELECT g FROM generate_series(1, 3) AS g WHERE g > 1").await), vec!["2", "3"]);
    assert_eq!(columns_of(&mut s, "SELECT * FROM generate_series(1, 3) g").await[0].0, "g");
    assert_eq!(err(&mut s, "SELECT * FROM generate_series(1, 3) AS g(a, b)").await.code, "42601");
    assert_eq!(err(&mut s, "SELECT * FROM no_such_fn(1, 3)").await.code, "42883");
    assert_eq!(err(&mut s, "SELECT * FROM generate_series('a'::text, 'b'::text)").await.code, "42883");
    // Joins, aggregates and INSERT ... SELECT.
    assert_eq!(
        flat(
            rows(&mut s, "SELECT a, b FROM generate_series(1, 2) a CROSS JOIN generate_series(1, 2) b ORDER BY a, b")
                .await
        ),
        vec!["1,1", "1,2", "2,1", "2,2"]
    );
    ok(&mut s, "CREATE TABLE t(id int PRIMARY KEY, v text)").await;
    assert_eq!(ok(&mut s, "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 1000) g").await, "INSERT 0 1000");
    assert_eq!(flat(rows(&mut s, "SELECT count(*), max(v) FROM t").await), vec!["1000,v999"]);
    assert_eq!(
        flat(rows(&mut s, "SELECT t.v FROM generate_series(3, 1, -1) AS g(n) JOIN t ON t.id = g.n").await),
        vec!["v3", "v2", "v1"]
    );
    assert_eq!(flat(rows(&mut s, "SELECT sum(x) FROM generate_series(1, 100) x").await), vec!["5050"]);
    // In WHERE it is not allowed.
    assert_eq!(err(&mut s, "SELECT 1 WHERE generate_series(1, 3) > 1").await.code, "0A000");
    // Timestamp series with an interval step.
    assert_eq!(
        flat(
            rows(
                &mut s,
                "SELECT * FROM generate_series('2024-01-30 00:00'::timestamp, '2024-01-31 12:00', '12 hours'::interval)"
            )
            .await
        ),
        vec!["2024-01-30 00:00:00", "2024-01-30 12:00:00", "2024-01-31 00:00:00", "2024-01-31 12:00:00"]
    );
    assert_eq!(
        columns_of(&mut s, "SELECT * FROM generate_series(now(), now() + interval '1 day', interval '1 hour')").await
            [0]
        .1,
        SqlType::TimestampTz
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_flag_stops_a_huge_generate_series() {
    let mut s = session().await;
    let flag = s.cancel_flag();
    let setter = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let started = std::time::Instant::now();
    let e = err(&mut s, "SELECT count(*) FROM generate_series(1, 9000000000000)").await;
    setter.await.unwrap();
    assert_eq!(e.code, "57014");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "not cancelled promptly: {:?}", started.elapsed());
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM generate_series(1, 10)").await), vec!["10"]);
}

#[tokio::test]
async fn lateral_and_between_symmetric() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE dept(id int PRIMARY KEY, title text)").await;
    ok(&mut s, "CREATE TABLE emp(id int PRIMARY KEY, dept_id int, name text)").await;
    ok(&mut s, "INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty')").await;
    ok(&mut s, "INSERT INTO emp VALUES (1, 1, 'cat'), (2, 1, 'ann'), (3, 2, 'bob')").await;
    let q = "SELECT d.title, l.name FROM dept d CROSS JOIN LATERAL \
             (SELECT name FROM emp WHERE dept_id = d.id ORDER BY name LIMIT 1) l ORDER BY d.title";
    assert_eq!(flat(rows(&mut s, q).await), vec!["eng,ann", "ops,bob"]);
    let q = "SELECT d.title, l.n FROM dept d LEFT JOIN LATERAL \
             (SELECT count(*) AS n FROM emp WHERE dept_id = d.id HAVING count(*) > 1) l ON true ORDER BY d.id";
    assert_eq!(flat(rows(&mut s, q).await), vec!["eng,2", "ops,NULL", "empty,NULL"]);
    let q = "SELECT d.id, x.name FROM dept d, LATERAL (SELECT name FROM emp e WHERE e.dept_id = d.id) x ORDER BY 2";
    assert_eq!(flat(rows(&mut s, q).await), vec!["1,ann", "2,bob", "1,cat"]);
    assert_eq!(
        flat(rows(&mut s, "SELECT id FROM emp WHERE id BETWEEN SYMMETRIC 3 AND 2 ORDER BY id").await),
        vec!["2", "3"]
    );
    assert_eq!(flat(rows(&mut s, "SELECT id FROM emp WHERE id NOT BETWEEN SYMMETRIC 3 AND 2").await), vec!["1"]);
}

#[tokio::test]
async fn row_valued_in_subquery() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE c(id int PRIMARY KEY, name text)").await;
    ok(&mut s, "INSERT INTO c VALUES (1, 'ann'), (2, 'bob'), (3, NULL)").await;
    let q = "SELECT name FROM c WHERE (id, name) IN (SELECT 1, 'ann' UNION SELECT 2, 'zed')";
    assert_eq!(flat(rows(&mut s, q).await), vec!["ann"]);
    let q = "SELECT id, (id, name) NOT IN (SELECT 3, 'x' UNION ALL SELECT 2, NULL) FROM c ORDER BY id";
    assert_eq!(flat(rows(&mut s, q).await), vec!["1,t", "2,NULL", "3,NULL"]);
    assert_eq!(err(&mut s, "SELECT (1, 2) IN (SELECT 1)").await.code, "42601");
}

#[tokio::test]
async fn data_modifying_ctes() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE src(id int PRIMARY KEY)").await;
    ok(&mut s, "CREATE TABLE log(id int)").await;
    ok(&mut s, "INSERT INTO src VALUES (1), (2), (3)").await;
    let q = "WITH moved AS (INSERT INTO log SELECT id FROM src WHERE id < 3 RETURNING id) SELECT count(*) FROM moved";
    assert_eq!(flat(rows(&mut s, q).await), vec!["2"]);
    assert_eq!(flat(rows(&mut s, "SELECT id FROM log ORDER BY id").await), vec!["1", "2"]);
    // Runs even when the query does not read it; column aliases apply.
    let q = "WITH gone(k) AS (DELETE FROM src WHERE id = 3 RETURNING id), unused AS (DELETE FROM log WHERE id = 1) \
             SELECT k * 10 FROM gone";
    assert_eq!(flat(rows(&mut s, q).await), vec!["30"]);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM log").await), vec!["1"]);
    assert_eq!(flat(rows(&mut s, "SELECT count(*) FROM src").await), vec!["2"]);
}

#[tokio::test]
async fn rolling_back_schema_changes() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE keep(id int PRIMARY KEY, v int)").await;
    ok(&mut s, "INSERT INTO keep VALUES (1, 1)").await;
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "CREATE SCHEMA tmp").await;
    ok(&mut s, "CREATE TABLE tmp.t(id serial PRIMARY KEY, x int)").await;
    ok(&mut s, "CREATE INDEX keep_v ON keep(v)").await;
    ok(&mut s, "ALTER TABLE keep ADD COLUMN extra text").await;
    ok(&mut s, "CREATE VIEW kv AS SELECT id FROM keep").await;
    ok(&mut s, "INSERT INTO keep VALUES (2, 2, 'x')").await;
    ok(&mut s, "ROLLBACK").await;
    assert_eq!(err(&mut s, "SELECT * FROM tmp.t").await.code, "42P01");
    assert_eq!(err(&mut s, "SELECT * FROM kv").await.code, "42P01");
    assert_eq!(err(&mut s, "SELECT extra FROM keep").await.code, "42703");
    assert_eq!(flat(rows(&mut s, "SELECT * FROM keep").await), vec!["1,1"]);
    // The names are free again.
    ok(&mut s, "CREATE SCHEMA tmp").await;
    ok(&mut s, "CREATE INDEX keep_v ON keep(v)").await;
    // Savepoints take back what came after them.
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "CREATE TABLE a(x int)").await;
    ok(&mut s, "SAVEPOINT sp").await;
    ok(&mut s, "CREATE TABLE b(x int)").await;
    ok(&mut s, "ROLLBACK TO SAVEPOINT sp").await;
    ok(&mut s, "INSERT INTO a VALUES (1)").await;
    assert_eq!(err(&mut s, "SELECT * FROM b").await.code, "42P01");
    ok(&mut s, "ROLLBACK").await;
    assert_eq!(err(&mut s, "SELECT * FROM a").await.code, "42P01");
    // Commit keeps them; DROP inside a rolled-back block still cannot be undone.
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "CREATE TABLE c(x int)").await;
    ok(&mut s, "COMMIT").await;
    ok(&mut s, "SELECT * FROM c").await;
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "DROP TABLE c").await;
    assert_eq!(err(&mut s, "ROLLBACK").await.code, "0A000");
}

/// Executes between two Syncs form one implicit transaction (extended protocol).
#[tokio::test]
async fn extended_protocol_implicit_transaction() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE t(id int PRIMARY KEY)").await;
    s.execute_extended("INSERT INTO t VALUES (1)", &[], &[]).await.expect("first insert");
    assert_eq!(s.transaction_status(), crate::TransactionStatus::Idle, "an implicit transaction reports idle");
    let e = s.execute_extended("INSERT INTO t VALUES (1)", &[], &[]).await.expect_err("duplicate");
    assert_eq!(e.code, "23505");
    s.sync().await.expect("sync");
    assert!(rows(&mut s, "SELECT id FROM t").await.is_empty(), "the error rolled back the whole implicit transaction");
    s.execute_extended("INSERT INTO t VALUES (2)", &[], &[]).await.expect("insert");
    s.execute_extended("INSERT INTO t VALUES (3)", &[], &[]).await.expect("insert");
    s.sync().await.expect("sync commits");
    assert_eq!(flat(rows(&mut s, "SELECT id FROM t ORDER BY id").await), vec!["2", "3"]);
    // BEGIN turns it into an ordinary block that outlives Sync.
    s.execute_extended("INSERT INTO t VALUES (4)", &[], &[]).await.expect("insert");
    s.execute_extended("BEGIN", &[], &[]).await.expect("begin");
    s.sync().await.expect("sync");
    assert_eq!(s.transaction_status(), crate::TransactionStatus::InBlock);
    s.execute_extended("ROLLBACK", &[], &[]).await.expect("rollback");
    s.sync().await.expect("sync");
    assert_eq!(flat(rows(&mut s, "SELECT id FROM t ORDER BY id").await), vec!["2", "3"]);
}

#[tokio::test]
async fn notices_for_skipped_statements() {
    let mut s = session().await;
    let results = s
        .execute_batch(
            "DROP TABLE IF EXISTS nothing; CREATE TABLE t(a int); CREATE TABLE IF NOT EXISTS t(a int); COMMIT",
        )
        .await;
    assert!(results.iter().all(|r| r.is_ok()));
    let notices: Vec<(usize, &str, &str, String)> =
        s.take_notices().into_iter().map(|n| (n.statement, n.severity, n.code, n.message)).collect();
    assert_eq!(
        notices,
        vec![
            (0, "NOTICE", "00000", "table \"nothing\" does not exist, skipping".to_string()),
            (2, "NOTICE", "42P07", "relation \"t\" already exists, skipping".to_string()),
            (3, "WARNING", "25P01", "there is no transaction in progress".to_string()),
        ]
    );
    assert!(s.take_notices().is_empty());
}

#[tokio::test]
async fn set_returning_functions_in_select_list_and_lateral_functions() {
    let mut s = session().await;
    assert_eq!(flat(rows(&mut s, "SELECT generate_series(1, 3)").await), vec!["1", "2", "3"]);
    let out = s.execute_batch("SELECT generate_series(1, 2)").await;
    match &out[0] {
        Ok(QueryOutput::Rows { columns, .. }) => assert_eq!(columns[0].name, "generate_series"),
        other => panic!("{other:?}"),
    }
    ok(&mut s, "CREATE TABLE t(id int PRIMARY KEY, n int)").await;
    ok(&mut s, "INSERT INTO t VALUES (1, 2), (2, 0), (3, 1)").await;
    let q = "SELECT id, generate_series(1, n) * 10 AS g FROM t ORDER BY id, g";
    assert_eq!(flat(rows(&mut s, q).await), vec!["1,10", "1,20", "3,10"]);
    let q = "SELECT t.id, g FROM t, generate_series(1, t.n) AS g ORDER BY 1, 2";
    assert_eq!(flat(rows(&mut s, q).await), vec!["1,1", "1,2", "3,1"]);
    let q = "SELECT t.id, g FROM t LEFT JOIN generate_series(1, t.n) AS g ON true ORDER BY 1, 2";
    assert_eq!(flat(rows(&mut s, q).await), vec!["1,1", "1,2", "2,NULL", "3,1"]);
    assert_eq!(err(&mut s, "SELECT count(*), generate_series(1, 2) FROM t").await.code, "0A000");
}
