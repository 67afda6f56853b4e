//! MySQL temporal and DML details, expected values from MariaDB 10.11: TIME values past
//! 24 hours and below zero, composite interval units, TIMEDIFF/ADDTIME, SET timestamp,
//! 1292 for a bad DATE, division by zero as a warning (SELECT) or an error (INSERT).

use super::mysql_sql::{rows, session};

async fn one(s: &mut crate::Session, sql: &str) -> String {
    let r = rows(s, sql).await;
    assert_eq!(r.len(), 1, "{sql}: {r:?}");
    r[0].join("|")
}

fn errno(e: &crate::SqlError) -> u16 {
    crate::mysql::errors::errno(e)
}

#[tokio::test]
async fn time_values_and_units() {
    let mut s = session().await;
    s.execute_batch("CREATE TABLE ev (id INT PRIMARY KEY, d DATE, tm TIME)").await.pop().unwrap().unwrap();
    s.execute_batch("INSERT INTO ev VALUES (1, '1999-12-31', '-01:30:00'), (2, NULL, '838:59:59')").await.pop().unwrap().unwrap();
    assert_eq!(rows(&mut s, "SELECT tm FROM ev ORDER BY id").await, [["-01:30:00"], ["838:59:59"]]);
    let e = s.execute_batch("INSERT INTO ev (id, d) VALUES (10, '2023-02-30')").await.pop().unwrap().unwrap_err();
    assert_eq!((errno(&e), e.message.as_str()), (1292, "Incorrect date value: '2023-02-30' for column 'd' at row 1"));
    assert_eq!(
        one(&mut s, "SELECT DATE_ADD('2024-01-01 10:00:00', INTERVAL '1:30' HOUR_MINUTE), EXTRACT(YEAR_MONTH FROM '2024-03-05')").await,
        "2024-01-01 11:30:00|202403"
    );
    assert_eq!(
        one(&mut s, "SELECT TIMEDIFF('12:00:00', '13:30:00'), ADDTIME('23:00:00', '02:00:00'), SEC_TO_TIME(3661)").await,
        "-01:30:00|25:00:00|01:01:01"
    );
}

#[tokio::test]
async fn set_timestamp_fixes_now() {
    let mut s = session().await;
    s.execute_batch("SET timestamp = 1700000000").await.pop().unwrap().unwrap();
    assert_eq!(one(&mut s, "SELECT NOW(), CURDATE(), UNIX_TIMESTAMP()").await, "2023-11-14 22:13:20|2023-11-14|1700000000");
    s.execute_batch("SET timestamp = DEFAULT").await.pop().unwrap().unwrap();
    assert_ne!(one(&mut s, "SELECT CURDATE()").await, "2023-11-14");
}

#[tokio::test]
async fn division_by_zero() {
    let mut s = session().await;
    assert_eq!(one(&mut s, "SELECT 1 / 0, 1 DIV 0, 1 % 0").await, "NULL|NULL|NULL");
    assert_eq!(s.warning_count(), 3);
    s.execute_batch("CREATE TABLE t (id INT PRIMARY KEY, v INT)").await.pop().unwrap().unwrap();
    let e = s.execute_batch("INSERT INTO t VALUES (1, 1 / 0)").await.pop().unwrap().unwrap_err();
    assert_eq!((errno(&e), e.message.as_str()), (1365, "Division by 0"));
    assert_eq!(one(&mut s, "SELECT LAST_INSERT_ID(42), LAST_INSERT_ID()").await, "42|42");
}

#[tokio::test]
async fn json_changes_and_string_comparisons() {
    let mut s = session().await;
    assert_eq!(
        one(&mut s, "SELECT JSON_SET('{\"a\": 1}', '$.b', 2), JSON_REMOVE('{\"a\": 1, \"b\": 2}', '$.a'), JSON_MERGE_PATCH('{\"a\": 1}', '{\"a\": null, \"c\": 3}')").await,
        "{\"a\": 1, \"b\": 2}|{\"b\": 2}|{\"c\": 3}"
    );
    assert_eq!(one(&mut s, "SELECT JSON_SEARCH('[\"a\", \"b\"]', 'one', 'b')").await, "\"$[1]\"");
    assert_eq!(one(&mut s, "SELECT 'a' = 'A', 'a' = 'a ', BINARY 'a' = 'A', 'b' > 'A'").await, "1|1|0|1");
    s.execute_batch("CREATE TABLE p (name VARCHAR(20) PRIMARY KEY, born INT)").await.pop().unwrap().unwrap();
    assert_eq!(rows(&mut s, "DESC p name").await, [["name", "varchar(20)", "NO", "PRI", "NULL", ""]]);
}

#[tokio::test]
async fn strings_order_case_insensitively() {
    let mut s = session().await;
    s.execute_batch("CREATE TABLE o (id INT PRIMARY KEY, s VARCHAR(5))").await.pop().unwrap().unwrap();
    s.execute_batch("INSERT INTO o VALUES (1, 'b'), (2, 'A'), (3, 'a'), (4, 'B'), (5, 'c')").await.pop().unwrap().unwrap();
    assert_eq!(rows(&mut s, "SELECT id FROM o ORDER BY s, id").await, [["2"], ["3"], ["1"], ["4"], ["5"]]);
}
