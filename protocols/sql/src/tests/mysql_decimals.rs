//! MySQL result-column decimals (see [`crate::mysql::decimals`]): known from the
//! expression and the declared types; the values themselves are not rounded.

use super::mysql_sql::session;
use crate::mysql::decimals::NOT_FIXED;
use crate::mysql_sql::format::fixed;
use crate::{QueryOutput, Session, Value};

async fn rows(s: &mut Session, sql: &str) -> (Vec<Option<u8>>, Vec<Vec<Value>>) {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(QueryOutput::Rows { columns, rows, .. }) => (columns.iter().map(|c| c.decimals).collect(), rows),
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

/// Each value of a row as the text protocol shows it.
fn shown(decimals: &[Option<u8>], row: &[Value]) -> Vec<String> {
    row.iter()
        .zip(decimals)
        .map(|(v, d)| {
            super::mysql_sql::shown(v, &crate::Column { decimals: *d, ..crate::Column::new("", crate::SqlType::Text) })
        })
        .collect()
}

async fn setup() -> Session {
    let mut s = session().await;
    for sql in [
        "CREATE TABLE m (id INT PRIMARY KEY, n INT, d DECIMAL(8,2), g DOUBLE, dt3 DATETIME(3), dt DATETIME)",
        "INSERT INTO m VALUES (1, 3, 1.25, 0.5, '2024-01-01 00:00:00.5', '2024-01-01 10:00:00'), \
         (2, 7, 2.50, 1.5, '2024-01-01 00:00:00.123', '2024-01-01 10:00:00')",
    ] {
        assert!(s.execute_batch(sql).await.pop().unwrap().is_ok(), "{sql}");
    }
    s
}

#[tokio::test]
async fn functions_and_aggregates_have_fixed_decimals() {
    let mut s = setup().await;
    let (d, r) =
        rows(&mut s, "SELECT PI(), STDDEV_POP(n), VAR_POP(n), AVG(n), AVG(d), SUM(d), STDDEV_POP(g), COUNT(*) FROM m")
            .await;
    assert_eq!(d, [Some(6), Some(4), Some(4), Some(4), Some(6), Some(2), Some(NOT_FIXED), Some(0)]);
    assert_eq!(shown(&d, &r[0]), ["3.141593", "2.0000", "4.0000", "5.0000", "1.875000", "3.75", "0.5", "2"]);
    // The value is not rounded: PI() keeps every digit.
    assert_eq!(r[0][0], Value::Float(std::f64::consts::PI));
}

#[tokio::test]
async fn division_keeps_intermediate_digits_and_shows_four() {
    let mut s = setup().await;
    let (d, r) = rows(
        &mut s,
        "SELECT 2 / 3 * 3, 1 / 3, 1 / 3 * 3, 10 / 4, n / 3 + 1, 1.5 * 2.25, 2 / 3 / 3, 10 DIV 4 FROM m WHERE id = 1",
    )
    .await;
    assert_eq!(d, [Some(4), Some(4), Some(4), Some(4), Some(4), Some(3), Some(8), Some(0)]);
    assert_eq!(shown(&d, &r[0]), ["2.0000", "0.3333", "1.0000", "2.5000", "2.0000", "3.375", "0.22222222", "2"]);
    // MySQL's intermediate scale: 2 / 3 in 9 digits, truncated.
    assert_eq!(crate::mysql_sql::format::text(&r[0][0]).unwrap(), "1.999999998");
}

#[tokio::test]
async fn temporal_columns_show_their_fractional_digits() {
    let mut s = setup().await;
    let (d, r) = rows(&mut s, "SELECT dt3, dt, dt3 + INTERVAL 500000 MICROSECOND, dt + INTERVAL 1 DAY, MAX(dt3) FROM m WHERE id = 1 GROUP BY dt3, dt").await;
    assert_eq!(d, [Some(3), Some(0), Some(6), Some(0), Some(3)]);
    assert_eq!(
        shown(&d, &r[0]),
        [
            "2024-01-01 00:00:00.500",
            "2024-01-01 10:00:00",
            "2024-01-01 00:00:01.000000",
            "2024-01-02 10:00:00",
            "2024-01-01 00:00:00.500"
        ]
    );
}

#[tokio::test]
async fn unknown_expressions_keep_their_own_form() {
    let mut s = setup().await;
    let (d, r) = rows(&mut s, "SELECT POW(2, 0.5), CONCAT('a', n), ROUND(d, 1), n FROM m WHERE id = 1").await;
    assert_eq!(d, [None, None, None, Some(0)]);
    assert_eq!(shown(&d, &r[0]), ["1.4142135623730951", "a3", "1.3", "3"]);
}

#[test]
fn fixed_formats_by_kind() {
    assert_eq!(fixed(&Value::Float(4.153311931459037), 4).as_deref(), Some("4.1533"));
    assert_eq!(fixed(&Value::Float(0.0), 4).as_deref(), Some("0.0000"));
    assert_eq!(fixed(&Value::Float(2.5), NOT_FIXED), None);
    assert_eq!(fixed(&Value::Decimal("-0.66665".parse().unwrap()), 4).as_deref(), Some("-0.6667"));
    assert_eq!(fixed(&Value::Time(-5_400_500_000), 3).as_deref(), Some("-01:30:00.500"));
    assert_eq!(fixed(&Value::Time(1_000_000), 0).as_deref(), Some("00:00:01"));
    assert_eq!(fixed(&Value::Text("x".into()), 2), None);
}
