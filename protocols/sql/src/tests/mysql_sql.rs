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

/// A value of a result column as the MySQL text protocol shows it (NULL as "NULL").
pub(crate) fn shown(v: &Value, column: &crate::Column) -> String {
    column
        .decimals
        .and_then(|d| crate::mysql_sql::format::fixed(v, d))
        .or_else(|| crate::mysql_sql::format::text(v))
        .unwrap_or_else(|| "NULL".into())
}

/// Runs one statement and returns its rows as MySQL text (NULL as "NULL").
pub(crate) async fn rows(s: &mut Session, sql: &str) -> Vec<Vec<String>> {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(QueryOutput::Rows { rows, columns, .. }) => {
            rows.iter().map(|r| r.iter().zip(&columns).map(|(v, c)| shown(v, c)).collect()).collect()
        }
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

pub(crate) async fn one(s: &mut Session, sql: &str) -> String {
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

pub(crate) async fn ok(s: &mut Session, sql: &str) -> crate::Affected {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(o) => o.affected().unwrap_or_default(),
        Err(e) => panic!("{sql}: {e:?}"),
    }
}

pub(crate) async fn err(s: &mut Session, sql: &str) -> SqlError {
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

pub(crate) async fn errno(s: &mut Session, sql: &str) -> (u16, String) {
    let e = err(s, sql).await;
    (crate::mysql_sql::errors::errno_of(&e), e.message)
}

#[tokio::test]
async fn create_table_types_auto_increment_and_insert_forms() {
    let mut s = session().await;
    ok(
        &mut s,
        "CREATE TABLE a (id INT UNSIGNED NOT NULL AUTO_INCREMENT, t TINYINT, c CHAR(3), v VARCHAR(4) NOT NULL DEFAULT '', \
         e ENUM('x','y'), b BOOL, PRIMARY KEY (id), KEY k_v (v), UNIQUE KEY (c)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 AUTO_INCREMENT=5",
    )
    .await;
    let a = ok(&mut s, "INSERT INTO a (t) VALUES (1)").await;
    assert_eq!((a.rows, a.last_insert_id), (1, Some(5)));
    let a = ok(&mut s, "INSERT INTO a (id, t) VALUES (NULL, 2), (20, 3), (0, 4)").await;
    assert_eq!((a.rows, a.last_insert_id), (3, Some(6)));
    assert_eq!(rows(&mut s, "SELECT id, t FROM a").await, [["5", "1"], ["6", "2"], ["20", "3"], ["21", "4"]]);
    assert_eq!(errno(&mut s, "INSERT INTO a (t) VALUES (128)").await, (1264, "Out of range value for column 't' at row 1".into()));
    assert_eq!(errno(&mut s, "INSERT INTO a (v) VALUES ('abcde')").await, (1406, "Data too long for column 'v' at row 1".into()));
    assert_eq!(errno(&mut s, "INSERT INTO a (e) VALUES ('z')").await, (1265, "Data truncated for column 'e' at row 1".into()));
    assert_eq!(errno(&mut s, "INSERT INTO a (t) VALUES ('12abc')").await, (1265, "Data truncated for column 't' at row 1".into()));
    // MariaDB names the column `test`.`a`.`t` (and says 22007); MySQL 8 says 't' (HY000).
    assert_eq!(
        errno(&mut s, "INSERT INTO a (t) VALUES ('abc')").await,
        (1366, "Incorrect integer value: 'abc' for column 't' at row 1".into())
    );
    assert_eq!(ok(&mut s, "INSERT INTO a (id, c) VALUES (1, 'q')").await.rows, 1);
    // MySQL 8 names the key table.index (MariaDB: 'c').
    assert_eq!(errno(&mut s, "INSERT INTO a (id, c) VALUES (2, 'q')").await, (1062, "Duplicate entry 'q' for key 'a.c'".into()));
    assert_eq!(errno(&mut s, "INSERT INTO a (id) VALUES (1)").await, (1062, "Duplicate entry '1' for key 'a.PRIMARY'".into()));
    assert_eq!(ok(&mut s, "INSERT INTO a (id, c) VALUES (3, 'q') ON DUPLICATE KEY UPDATE t = 9").await.rows, 2);
    assert_eq!(ok(&mut s, "INSERT INTO a (id, c) VALUES (3, 'q') ON DUPLICATE KEY UPDATE t = 9").await.rows, 0);
    assert_eq!(ok(&mut s, "INSERT INTO a (id, t) VALUES (1, 5) ON DUPLICATE KEY UPDATE t = VALUES(t) + 1").await.rows, 2);
    assert_eq!(one(&mut s, "SELECT t FROM a WHERE id = 1").await, "6");
    assert_eq!(ok(&mut s, "INSERT INTO a (id, t) VALUES (1, 5) AS new ON DUPLICATE KEY UPDATE t = new.t + 2").await.rows, 2);
    assert_eq!(one(&mut s, "SELECT t FROM a WHERE id = 1").await, "7");
    assert_eq!(ok(&mut s, "REPLACE INTO a (id, c, t) VALUES (1, 'q', 7)").await.rows, 2);
    assert_eq!(ok(&mut s, "INSERT IGNORE INTO a (id) VALUES (1), (100)").await.rows, 1);
    assert_eq!(ok(&mut s, "INSERT INTO a SET id = 200, t = 3, e = 2").await.rows, 1);
    assert_eq!(errno(&mut s, "INSERT INTO a (v) VALUES (NULL)").await, (1048, "Column 'v' cannot be null".into()));
    assert_eq!(
        errno(&mut s, "INSERT INTO a (id) VALUES (1,2)").await,
        (1136, "Column count doesn't match value count at row 1".into())
    );
    assert_eq!(
        rows(&mut s, "SELECT id, t, c, v, e, b FROM a ORDER BY id").await,
        [
            ["1", "7", "q", "", "NULL", "NULL"],
            ["5", "1", "NULL", "", "NULL", "NULL"],
            ["6", "2", "NULL", "", "NULL", "NULL"],
            ["20", "3", "NULL", "", "NULL", "NULL"],
            ["21", "4", "NULL", "", "NULL", "NULL"],
            ["100", "NULL", "NULL", "", "NULL", "NULL"],
            ["200", "3", "NULL", "", "y", "NULL"],
        ]
    );
    ok(&mut s, "CREATE TABLE n (x INT NOT NULL, y INT)").await;
    assert_eq!(errno(&mut s, "CREATE TABLE n (x INT)").await, (1050, "Table 'n' already exists".into()));
    assert_eq!(errno(&mut s, "INSERT INTO n (y) VALUES (1)").await, (1364, "Field 'x' doesn't have a default value".into()));
    let info = s.engine.catalog().tables.values().find(|t| t.name == "a").unwrap().clone();
    let ty = |c: &str| info.schema.options.get(&format!("mysql.type.{c}")).cloned().unwrap_or_default();
    assert_eq!([ty("id"), ty("t"), ty("c"), ty("v"), ty("e"), ty("b")], ["int unsigned", "tinyint", "char(3)", "varchar(4)", "enum('x','y')", "tinyint(1)"]);
}

#[tokio::test]
async fn expressions_and_functions_as_mariadb() {
    let mut s = session().await;
    let cases: &[(&str, &str)] = &[
        ("SELECT 7/2, 7 DIV 2, 1/0, 7 % 0, 7 MOD 3, 1 <=> NULL, NULL <=> NULL, 1 XOR 1, 1 XOR 0, 1 = 1, 1 = 2, '3' + 1, 'abc' = 0, 'A' = 'a', 'abc' < 'ABD', TRUE + 1, 1 || 0, 5.5 / 2, 2 * 3.0, -'2', 10/4*4", "3.5000|3|NULL|NULL|1|0|1|0|1|1|0|4|1|1|1|2|1|2.75000|6.0|-2|10.0000"),
        ("SELECT CONCAT('a', NULL), CONCAT('a', 1, 2.5), CONCAT_WS('-', 'a', NULL, 'b'), SUBSTRING('hello', 2), SUBSTRING('hello', -3, 2), MID('hello', 2, 3), SUBSTRING_INDEX('a.b.c', '.', 2), SUBSTRING_INDEX('a.b.c', '.', -1), LEFT('hello', 2), RIGHT('hello', 2), LENGTH('héllo'), CHAR_LENGTH('héllo'), UPPER('abc'), LCASE('ABC')", "NULL|a12.5|a-b|ello|ll|ell|a.b|c|he|lo|6|5|ABC|abc"),
        ("SELECT TRIM('  x  '), LTRIM('  x'), RTRIM('x  '), LPAD('5', 3, '0'), RPAD('ab', 5, 'xy'), REPLACE('aXbX', 'X', '-'), REVERSE('abc'), REPEAT('ab', 3), LOCATE('b', 'abcb'), LOCATE('b', 'abcb', 3), INSTR('abcb', 'c'), POSITION('c' IN 'abc'), FIELD('b', 'a', 'b'), ELT(2, 'a', 'b'), FIND_IN_SET('b', 'a,b,c')", "x|x|x|005|abxyx|a-b-|cba|ababab|2|4|3|3|2|b|2"),
        ("SELECT IFNULL(NULL, 2), IF(1 > 2, 'y', 'n'), NULLIF(1, 1), COALESCE(NULL, NULL, 3), GREATEST(1, 5, 3), LEAST('b', 'a'), ABS(-3), CEIL(1.2), FLOOR(-1.2), ROUND(2.5), ROUND(1.2345, 2), ROUND(-2.5), TRUNCATE(1.999, 1), POW(2, 10), SQRT(16), MOD(10, 3), SIGN(-5), ROUND(1234.5, -2)", "2|n|NULL|3|5|a|3|2|-2|3|1.23|-3|1.9|1024|4|1|-1|1200"),
        ("SELECT CAST('12abc' AS SIGNED), CAST(-1 AS UNSIGNED), CAST(12 AS CHAR), CAST(1.256 AS DECIMAL(5,2)), CAST('2024-01-02' AS DATE), CAST('2024-01-02 03:04:05' AS DATETIME), CONVERT('5', SIGNED), CAST(3.7 AS SIGNED)", "12|18446744073709551615|12|1.26|2024-01-02|2024-01-02 03:04:05|5|4"),
        ("SELECT DATE_ADD('2024-01-31', INTERVAL 1 MONTH), DATE_SUB('2024-03-01', INTERVAL 1 DAY), ADDDATE('2024-01-01', 10), '2024-01-01' + INTERVAL 1 DAY, DATE('2024-01-01') + INTERVAL 2 HOUR, DATEDIFF('2024-03-01', '2024-01-01'), TIMESTAMPDIFF(MONTH, '2024-01-31', '2024-03-01'), TIMESTAMPDIFF(DAY, '2024-01-01', '2024-01-03 12:00:00')", "2024-02-29|2024-02-29|2024-01-11|2024-01-02|2024-01-01 02:00:00|60|1|2"),
        ("SELECT DATE_FORMAT('2024-03-05 14:07:09', '%Y-%m-%d %H:%i:%s %W %M %D %j %a %b %e %c %p %r %T %y %U %u'), STR_TO_DATE('05/03/2024', '%d/%m/%Y'), STR_TO_DATE('2024-03-05 10:11:12', '%Y-%m-%d %H:%i:%s'), YEAR('2024-03-05'), MONTH('2024-03-05'), DAY('2024-03-05'), HOUR('2024-03-05 14:07:09'), MINUTE('14:07:09'), SECOND('2024-03-05 14:07:09'), DAYOFWEEK('2024-03-05'), DAYOFYEAR('2024-03-05'), WEEKDAY('2024-03-05'), LAST_DAY('2024-02-10'), WEEK('2024-03-05'), QUARTER('2024-03-05')", "2024-03-05 14:07:09 Tuesday March 5th 065 Tue Mar 5 3 PM 02:07:09 PM 14:07:09 24 09 10|2024-03-05|2024-03-05 10:11:12|2024|3|5|14|7|9|3|65|1|2024-02-29|9|1"),
        ("SELECT UNIX_TIMESTAMP('2024-01-01 00:00:00'), FROM_UNIXTIME(1704067200), HEX('abc'), HEX(255), UNHEX('616263'), MD5('a'), SHA1('a'), SHA2('a', 256), JSON_EXTRACT('{\"a\": {\"b\": [1, 2]}}', '$.a.b[1]'), JSON_OBJECT('a', 1, 'b', 'x'), JSON_ARRAY(1, 'a', NULL), JSON_UNQUOTE('\"x\"'), RAND(1)", "1704067200|2024-01-01 00:00:00|616263|FF|abc|0cc175b9c0f1b6a831c399e269772661|86f7e437faa5a7fce15d1ddcb9eaeaea377667b8|ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb|2|{\"a\": 1, \"b\": \"x\"}|[1, \"a\", null]|x|0.40540353712197724"),
        ("SELECT GREATEST('10', 9), 'abc' LIKE 'A%', 1 + '1e2', '1.5' + 0, 0.1 + 0.2, 1e0/3, 2 = '2.0', NOT 5, !0", "10|1|101|1.5|0.3|0.3333333333333333|1|0|1"),
    ];
    let mut failures = Vec::new();
    for (sql, want) in cases {
        let got = match s.execute_batch(sql).await.pop().unwrap() {
            Ok(QueryOutput::Rows { rows, columns, .. }) => {
                rows[0].iter().zip(&columns).map(|(v, c)| shown(v, c)).collect::<Vec<_>>().join("|")
            }
            other => format!("{other:?}"),
        };
        if got != *want {
            failures.push(format!("{sql}\n  want {want}\n  got  {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn update_delete_forms_and_ddl() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE u (id INT PRIMARY KEY, v INT, s VARCHAR(5), KEY iv (v))").await;
    ok(&mut s, "INSERT INTO u VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (4, NULL, 'd')").await;
    let a = ok(&mut s, "UPDATE u SET v = v + 1 ORDER BY id DESC LIMIT 2").await;
    assert_eq!((a.rows, a.matched), (1, 2));
    assert_eq!(rows(&mut s, "SELECT id, v FROM u ORDER BY id").await, [["1", "10"], ["2", "20"], ["3", "31"], ["4", "NULL"]]);
    let a = ok(&mut s, "UPDATE u SET s = 'a' WHERE id <= 2").await;
    assert_eq!((a.rows, a.matched), (1, 2));
    // NULLs sort first in MySQL.
    assert_eq!(ok(&mut s, "DELETE FROM u ORDER BY v LIMIT 1").await.rows, 1);
    assert_eq!(rows(&mut s, "SELECT id, v FROM u ORDER BY v").await, [["1", "10"], ["2", "20"], ["3", "31"]]);
    ok(&mut s, "INSERT INTO u VALUES (4, NULL, 'd')").await;
    assert_eq!(rows(&mut s, "SELECT id FROM u ORDER BY v").await, [["4"], ["1"], ["2"], ["3"]]);
    assert_eq!(rows(&mut s, "SELECT id FROM u ORDER BY v DESC").await, [["3"], ["2"], ["1"], ["4"]]);
    ok(&mut s, "DELETE FROM u WHERE id = 4").await;
    ok(&mut s, "CREATE TABLE w (id INT PRIMARY KEY, x INT)").await;
    ok(&mut s, "INSERT INTO w VALUES (1, 100), (2, 200), (3, 300)").await;
    let a = ok(&mut s, "UPDATE u JOIN w ON u.id = w.id SET u.v = w.x WHERE w.x > 100").await;
    assert_eq!((a.rows, a.matched), (2, 2));
    assert_eq!(rows(&mut s, "SELECT id, v FROM u ORDER BY id").await, [["1", "10"], ["2", "200"], ["3", "300"]]);
    assert_eq!(ok(&mut s, "DELETE u FROM u JOIN w ON u.id = w.id WHERE w.x = 300").await.rows, 1);
    assert_eq!(ok(&mut s, "DELETE FROM w USING w JOIN u ON u.id = w.id").await.rows, 2);
    assert_eq!(one(&mut s, "SELECT COUNT(*) FROM u").await, "2");
    assert_eq!(one(&mut s, "SELECT COUNT(*) FROM w").await, "1");
    ok(&mut s, "RENAME TABLE u TO u2").await;
    assert_eq!(errno(&mut s, "SELECT * FROM u").await.0, 1146);
    assert_eq!(rows(&mut s, "SELECT id FROM u2 ORDER BY id").await, [["1"], ["2"]]);
    ok(&mut s, "ALTER TABLE u2 MODIFY COLUMN s VARCHAR(1)").await;
    assert_eq!(errno(&mut s, "INSERT INTO u2 (id, s) VALUES (5, 'xy')").await.0, 1406);
    ok(&mut s, "ALTER TABLE u2 MODIFY COLUMN s VARCHAR(10) NOT NULL").await;
    ok(&mut s, "ALTER TABLE u2 CHANGE COLUMN v vv BIGINT").await;
    ok(&mut s, "INSERT INTO u2 (id, vv, s) VALUES (9, 9000000000, 'long text')").await;
    assert_eq!(
        rows(&mut s, "SELECT id, vv, s FROM u2 ORDER BY id").await,
        [["1", "10", "a"], ["2", "200", "a"], ["9", "9000000000", "long text"]]
    );
    ok(&mut s, "CREATE TABLE w2 LIKE u2").await;
    assert_eq!(ok(&mut s, "INSERT INTO w2 SELECT * FROM u2").await.rows, 3);
    // MySQL 8 drops nothing when one table is missing (MariaDB drops the others).
    let (n, m) = errno(&mut s, "DROP TABLE nope, w2").await;
    assert_eq!(n, 1051);
    assert!(m.starts_with("Unknown table '") && m.ends_with(".nope'"), "{m}");
    assert_eq!(one(&mut s, "SELECT COUNT(*) FROM w2").await, "3");
    ok(&mut s, "DROP TABLE IF EXISTS nope, w2").await;
    ok(&mut s, "ALTER TABLE u2 ADD INDEX ix (s), ADD UNIQUE KEY (vv)").await;
    assert_eq!(errno(&mut s, "INSERT INTO u2 (id, vv, s) VALUES (10, 10, 'q')").await, (1062, "Duplicate entry '10' for key 'u2.vv'".into()));
    ok(&mut s, "DROP INDEX ix ON u2").await;
    ok(&mut s, "TRUNCATE TABLE u2").await;
    assert_eq!(one(&mut s, "SELECT COUNT(*) FROM u2").await, "0");
}

#[tokio::test]
async fn column_kinds_ignore_group_concat_and_limits() {
    let mut s = session().await;
    ok(
        &mut s,
        "CREATE TABLE m (id INT AUTO_INCREMENT PRIMARY KEY, d DATE, dt DATETIME, ts TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP, \
         y YEAR, st SET('a','b','c'), j JSON, u BIGINT UNSIGNED, dc DECIMAL(6,2), f FLOAT, db DOUBLE, tx TEXT, bl BLOB, t TINYINT)",
    )
    .await;
    ok(
        &mut s,
        "INSERT INTO m (d, dt, y, st, j, u, dc, f, db, tx, bl) VALUES ('2024-01-02', '2024-01-02 03:04:05', 2024, 'b,a', \
         '{\"k\": [1, 2]}', 18446744073709551615, 3.14159, 1.5, 0.1, 'hello', 'bin')",
    )
    .await;
    assert_eq!(
        one(&mut s, "SELECT d, dt, y, st, j, u, dc, f, db, tx, bl, ts IS NOT NULL FROM m").await,
        "2024-01-02|2024-01-02 03:04:05|2024|a,b|{\"k\": [1, 2]}|18446744073709551615|3.14|1.5|0.1|hello|bin|1"
    );
    assert_eq!(ok(&mut s, "INSERT IGNORE INTO m (t) VALUES (300)").await.rows, 1);
    assert_eq!(ok(&mut s, "INSERT IGNORE INTO m (t, tx) VALUES (-300, 'x')").await.rows, 1);
    assert_eq!(rows(&mut s, "SELECT id, t FROM m ORDER BY id").await, [["1", "NULL"], ["2", "127"], ["3", "-128"]]);
    assert_eq!(
        one(&mut s, "SELECT GROUP_CONCAT(id), GROUP_CONCAT(DISTINCT t ORDER BY t DESC SEPARATOR ';') FROM m").await,
        "1,2,3|127;-128"
    );
    assert_eq!(
        columns(&mut s, "SELECT GROUP_CONCAT(id) FROM m").await,
        ["GROUP_CONCAT(id)"]
    );
    assert_eq!(rows(&mut s, "SELECT id FROM m ORDER BY id LIMIT 1, 2").await, [["2"], ["3"]]);
    assert_eq!(rows(&mut s, "SELECT id FROM m ORDER BY id LIMIT 1 OFFSET 2").await, [["3"]]);
    assert_eq!(errno(&mut s, "INSERT INTO m (u) VALUES (-1)").await, (1264, "Out of range value for column 'u' at row 1".into()));
    assert_eq!(errno(&mut s, "INSERT INTO m (dc) VALUES (12345.678)").await, (1264, "Out of range value for column 'dc' at row 1".into()));
    // MySQL 8 (MariaDB has no -> / ->>).
    assert_eq!(one(&mut s, "SELECT j->'$.k[0]', j->>'$.k', JSON_EXTRACT(j, '$.k') FROM m WHERE id = 1").await, "1|[1, 2]|[1, 2]");
    assert_eq!(one(&mut s, "SELECT COUNT(*), SUM(id), MIN(tx), MAX(d) FROM m").await, "3|6|hello|2024-01-02");
}

#[tokio::test]
async fn sysbench_schema_and_statements() {
    let mut s = session().await;
    ok(
        &mut s,
        "CREATE TABLE sbtest1(id INTEGER NOT NULL AUTO_INCREMENT, k INTEGER DEFAULT '0' NOT NULL, c CHAR(120) DEFAULT '' NOT NULL, \
         pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id)) /*! ENGINE = innodb */",
    )
    .await;
    ok(&mut s, "CREATE INDEX k_1 ON sbtest1(k)").await;
    let a = ok(&mut s, "INSERT INTO sbtest1(k, c, pad) VALUES(5, 'c1', 'p1'),(6, 'c2', 'p2'),(5, 'c3', 'p3')").await;
    assert_eq!((a.rows, a.last_insert_id), (3, Some(1)));
    let d = s.describe("SELECT c FROM sbtest1 WHERE id=?", &[]).await.unwrap();
    assert_eq!(d.params.len(), 1);
    for (sql, params, want) in [
        ("SELECT c FROM sbtest1 WHERE id=?", vec![Value::Int(2)], vec![vec!["c2"]]),
        ("SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?", vec![Value::Int(1), Value::Int(2)], vec![vec!["c1"], vec!["c2"]]),
        ("SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?", vec![Value::Int(1), Value::Int(3)], vec![vec!["16"]]),
        ("SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c", vec![Value::Int(1), Value::Int(3)], vec![vec!["c1"], vec!["c2"], vec!["c3"]]),
        ("SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c", vec![Value::Int(2), Value::Int(3)], vec![vec!["c2"], vec!["c3"]]),
    ] {
        let QueryOutput::Rows { rows, columns, .. } = s.execute_with_params(sql, &[], &params).await.unwrap() else { panic!("{sql}") };
        let got: Vec<Vec<String>> = rows.iter().map(|r| r.iter().zip(&columns).map(|(v, c)| shown(v, c)).collect()).collect();
        assert_eq!(got, want, "{sql}");
    }
    let out = s.execute_with_params("UPDATE sbtest1 SET k=k+1 WHERE id=?", &[], &[Value::Int(1)]).await.unwrap();
    assert_eq!(out.affected().unwrap().rows, 1);
    let out = s.execute_with_params("UPDATE sbtest1 SET c=? WHERE id=?", &[], &[Value::Text("c2".into()), Value::Int(2)]).await.unwrap();
    assert_eq!((out.affected().unwrap().rows, out.affected().unwrap().matched), (0, 1));
    let out = s.execute_with_params("DELETE FROM sbtest1 WHERE id=?", &[], &[Value::Int(3)]).await.unwrap();
    assert_eq!(out.affected().unwrap().rows, 1);
    let out = s
        .execute_with_params(
            "INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?)",
            &[],
            &[Value::Int(3), Value::Int(7), Value::Text("c3".into()), Value::Text("p3".into())],
        )
        .await
        .unwrap();
    assert_eq!(out.affected().unwrap().rows, 1);
    assert_eq!(one(&mut s, "SELECT k, c FROM sbtest1 WHERE id = 3").await, "7|c3");
    // In a transaction block (statements are logged and may be replayed).
    ok(&mut s, "BEGIN").await;
    s.execute_with_params("UPDATE sbtest1 SET k=k+1 WHERE id=?", &[], &[Value::Int(3)]).await.unwrap();
    ok(&mut s, "COMMIT").await;
    assert_eq!(one(&mut s, "SELECT k FROM sbtest1 WHERE id = 3").await, "8");
}

#[tokio::test]
async fn names_bit_operators_and_aggregates_as_mariadb() {
    let mut s = session().await;
    assert_eq!(
        columns(&mut s, "SELECT -7 DIV 2, NOT 0, 3 IN (1, 2), 3 BETWEEN 1 AND 5, 1 IS TRUE, SUBSTRING('abc' FROM 2), CEIL(1.2)").await,
        ["-7 DIV 2", "NOT 0", "3 IN (1, 2)", "3 BETWEEN 1 AND 5", "1 IS TRUE", "SUBSTRING('abc' FROM 2)", "CEIL(1.2)"]
    );
    assert_eq!(one(&mut s, "SELECT 5 & 3, 5 | 3, 5 ^ 3, ~0, 1 << 4, 256 >> 2").await, "1|7|6|18446744073709551615|16|64");
    assert_eq!(one(&mut s, "SELECT CAST(18446744073709551615 AS SIGNED)").await, "-1");
    assert_eq!(
        one(&mut s, "SELECT CHAR(65, 66), INSERT('Quadratic', 3, 4, 'What'), MAKE_SET(5, 'a', 'b', 'c'), CONV('ff', 16, 10), BIN(5), OCT(8), CONV(-1, 10, 16)").await,
        "AB|QuWhattic|a,c|255|101|10|FFFFFFFFFFFFFFFF"
    );
    assert_eq!(
        one(&mut s, "SELECT ROUND(2.5e0), ROUND(3.5e0), '1.5' * 2, '3 apples' + 2, 'abc' REGEXP '^A.c$', 'x' RLIKE '[a-c]', CONVERT('abc' USING utf8mb4)").await,
        "2|4|3|5|1|0|abc"
    );
    ok(&mut s, "CREATE TABLE g (id INT PRIMARY KEY, r VARCHAR(5), q INT, p DECIMAL(8,2))").await;
    ok(&mut s, "INSERT INTO g VALUES (1, 'a', 10, 1.50), (2, 'a', 5, 2.00), (3, 'b', NULL, 1.40), (4, 'b', 3, 1.40)").await;
    assert_eq!(one(&mut s, "SELECT AVG(q), AVG(p), COUNT(DISTINCT r, q), COUNT(DISTINCT r, p) FROM g").await, "6.0000|1.575000|3|3");
    assert_eq!(rows(&mut s, "SELECT r, SUM(q) AS t FROM g GROUP BY r HAVING t > 3 ORDER BY t DESC").await, [["a", "15"]]);
    ok(&mut s, "INSERT INTO g VALUES (5, 'c', 1, 1.005)").await;
    assert_eq!(rows(&mut s, "SHOW WARNINGS").await, [["Note", "1265", "Data truncated for column 'p' at row 1"]]);
    ok(&mut s, "DELETE FROM g WHERE id = 5").await;
    let e = err(&mut s, "SELECT r, q FROM g GROUP BY r").await;
    assert_eq!(e.message, "'test.g.q' isn't in GROUP BY");
}
