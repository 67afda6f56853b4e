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

#[tokio::test]
async fn timestamp_columns_read_in_the_session_time_zone() {
    let mut s = session().await;
    for sql in [
        "CREATE TABLE z (id INT PRIMARY KEY, ts TIMESTAMP NULL, dt DATETIME)",
        "INSERT INTO z VALUES (1, '2024-02-29 23:59:59', '2024-02-29 23:59:59')",
        "CREATE TABLE plain (id INT PRIMARY KEY, dt DATETIME)",
        "SET timestamp = 1704067200",
    ] {
        s.execute_batch(sql).await.pop().unwrap().unwrap();
    }
    s.execute_batch("SET time_zone = '+02:00'").await.pop().unwrap().unwrap();
    // TIMESTAMP is converted from UTC, DATETIME is not.
    assert_eq!(one(&mut s, "SELECT id, ts, dt FROM z WHERE id = 1").await, "1|2024-03-01 01:59:59|2024-02-29 23:59:59");
    assert_eq!(one(&mut s, "SELECT z.* FROM z").await, "1|2024-03-01 01:59:59|2024-02-29 23:59:59");
    assert_eq!(one(&mut s, "SELECT COUNT(*) FROM z WHERE ts = '2024-03-01 01:59:59'").await, "1");
    assert_eq!(one(&mut s, "SELECT UNIX_TIMESTAMP(ts), UNIX_TIMESTAMP(dt) FROM z").await, "1709251199|1709243999");
    // NOW() and its kin are local; UTC_TIMESTAMP() and UNIX_TIMESTAMP() are not.
    assert_eq!(
        one(&mut s, "SELECT NOW(), CURRENT_TIMESTAMP, CURDATE(), CURTIME(), UTC_TIMESTAMP(), UNIX_TIMESTAMP(), FROM_UNIXTIME(0)").await,
        "2024-01-01 02:00:00|2024-01-01 02:00:00|2024-01-01|02:00:00|2024-01-01 00:00:00|1704067200|1970-01-01 02:00:00"
    );
    // A DATETIME gets the local time; writing a TIMESTAMP column is not supported here.
    s.execute_batch("INSERT INTO plain VALUES (1, NOW())").await.pop().unwrap().unwrap();
    assert_eq!(one(&mut s, "SELECT dt FROM plain").await, "2024-01-01 02:00:00");
    let e = s.execute_batch("UPDATE z SET dt = NOW()").await.pop().unwrap().unwrap_err();
    assert_eq!(errno(&e), 1235, "{e:?}");
    let e = s.execute_batch("INSERT INTO z (id) VALUES (2)").await.pop().unwrap().unwrap_err();
    assert_eq!(errno(&e), 1235, "{e:?}");
    s.execute_batch("SET time_zone = '-05:30'").await.pop().unwrap().unwrap();
    assert_eq!(one(&mut s, "SELECT ts, @@time_zone FROM z").await, "2024-02-29 18:29:59|-05:30");
    s.execute_batch("SET time_zone = 'SYSTEM'").await.pop().unwrap().unwrap();
    assert_eq!(one(&mut s, "SELECT ts FROM z").await, "2024-02-29 23:59:59");
    s.execute_batch("INSERT INTO z (id) VALUES (2)").await.pop().unwrap().unwrap();
    for bad in ["+14:01", "+02:60", "Europe/Paris", "+2"] {
        let e = s.execute_batch(&format!("SET time_zone = '{bad}'")).await.pop().unwrap().unwrap_err();
        assert_eq!(errno(&e), 1298, "{bad}: {e:?}");
    }
}

#[test]
fn time_zone_offsets() {
    use crate::mysql_sql::time_zone::offset_micros;
    assert_eq!(offset_micros("+02:00"), Some(7_200_000_000));
    assert_eq!(offset_micros("-13:59"), Some(-(13 * 3600 + 59 * 60) * 1_000_000));
    assert_eq!(offset_micros("+14:00"), Some(14 * 3_600_000_000));
    assert_eq!(offset_micros("utc"), Some(0));
    assert_eq!(offset_micros("-14:00"), None);
    assert_eq!(offset_micros("+1:5x"), None);
}

#[tokio::test]
async fn a_key_looked_up_with_a_non_number_gives_no_warning() {
    let mut s = session().await;
    for sql in ["CREATE TABLE kw (id INT PRIMARY KEY, u INT UNIQUE, n INT)", "INSERT INTO kw VALUES (1, 10, 5), (0, 0, 0)"] {
        s.execute_batch(sql).await.pop().unwrap().unwrap();
    }
    // As MariaDB: the key lookup converts silently; a plain column compares with a warning.
    for (sql, want, warnings) in [
        ("SELECT id FROM kw WHERE id = 'abc'", vec![vec!["0"]], false),
        ("SELECT id FROM kw WHERE u = 'abc'", vec![vec!["0"]], false),
        ("SELECT id FROM kw WHERE n = 'abc'", vec![vec!["0"]], true),
        ("SELECT id FROM kw WHERE 'abc' = id", vec![vec!["0"]], true),
        ("SELECT id FROM kw WHERE id = '1'", vec![vec!["1"]], false),
    ] {
        assert_eq!(rows(&mut s, sql).await, want, "{sql}");
        assert_eq!(s.warning_count() > 0, warnings, "{sql}");
    }
}

#[tokio::test]
async fn on_update_current_timestamp_of_a_datetime_is_local() {
    let mut s = session().await;
    for sql in [
        "CREATE TABLE ou (id INT PRIMARY KEY, v INT, dt DATETIME ON UPDATE CURRENT_TIMESTAMP)",
        "INSERT INTO ou VALUES (1, 1, NULL)",
        "SET time_zone = '+02:00'",
        "UPDATE ou SET v = 2",
    ] {
        s.execute_batch(sql).await.pop().unwrap().unwrap();
    }
    assert_eq!(one(&mut s, "SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), dt) BETWEEN 119 AND 120 FROM ou").await, "1");
}
