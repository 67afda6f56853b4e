//! MySQL's aggregates beyond the shared ones (statistical and bit aggregates) and GROUP BY
//! ... WITH ROLLUP, with MariaDB 10.11's answers.

use super::mysql_sql::{ok, rows, session};

async fn sales(s: &mut crate::Session) {
    ok(s, "CREATE TABLE sales (id INT PRIMARY KEY, region VARCHAR(10), product VARCHAR(10), qty INT)").await;
    ok(
        s,
        "INSERT INTO sales VALUES (1, 'north', 'apple', 10), (2, 'north', 'pear', 5), (3, 'south', 'apple', 7), \
         (4, 'south', 'plum', 3), (5, 'east', 'apple', 12), (6, 'east', 'pear', NULL), (7, 'north', 'apple', 1)",
    )
    .await;
}

#[tokio::test]
async fn statistical_and_bit_aggregates() {
    let mut s = session().await;
    sales(&mut s).await;
    // Shown with the argument's decimals + 4, as MariaDB prints them.
    let r = rows(&mut s, "SELECT product, VAR_POP(qty), VARIANCE(qty), VAR_SAMP(qty), STD(qty) FROM sales GROUP BY product ORDER BY product").await;
    assert_eq!(r[0], ["apple", "17.2500", "17.2500", "23.0000", "4.1533"]);
    assert_eq!(r[1], ["pear", "0.0000", "0.0000", "NULL", "0.0000"]);
    assert_eq!(rows(&mut s, "SELECT STDDEV_SAMP(qty), STDDEV(qty) FROM sales WHERE product = 'plum'").await, [["NULL", "0.0000"]]);
    assert_eq!(rows(&mut s, "SELECT BIT_AND(qty), BIT_OR(qty), BIT_XOR(qty) FROM sales").await, [["0", "15", "6"]]);
    // Empty input: the identities, not NULL.
    assert_eq!(
        rows(&mut s, "SELECT BIT_AND(qty), BIT_OR(qty), BIT_XOR(qty), VAR_POP(qty) FROM sales WHERE id > 100").await,
        [["18446744073709551615", "0", "0", "NULL"]]
    );
    assert_eq!(rows(&mut s, "SELECT BIT_AND(-2), BIT_OR(-1)").await, [["18446744073709551614", "18446744073709551615"]]);
}

#[tokio::test]
async fn group_by_with_rollup() {
    let mut s = session().await;
    sales(&mut s).await;
    assert_eq!(
        rows(&mut s, "SELECT region, COUNT(*) FROM sales GROUP BY region WITH ROLLUP").await,
        [["east", "2"], ["north", "3"], ["south", "2"], ["NULL", "7"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT region, product, SUM(qty) FROM sales WHERE region <> 'east' GROUP BY region, product WITH ROLLUP").await,
        [
            ["north", "apple", "11"],
            ["north", "pear", "5"],
            ["north", "NULL", "16"],
            ["south", "apple", "7"],
            ["south", "plum", "3"],
            ["south", "NULL", "10"],
            ["NULL", "NULL", "26"]
        ]
    );
    // MySQL 8 (not MariaDB 10.11, error 1221) allows ORDER BY with ROLLUP.
    assert_eq!(
        rows(&mut s, "SELECT region, SUM(qty) AS t FROM sales GROUP BY region WITH ROLLUP HAVING t > 12 ORDER BY t DESC").await,
        [["NULL", "38"], ["north", "16"]]
    );
    assert!(rows(&mut s, "SELECT region, COUNT(*) FROM sales WHERE id > 100 GROUP BY region WITH ROLLUP").await.is_empty());
}

#[tokio::test]
async fn sum_of_float_is_a_double() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE n (id INT PRIMARY KEY, f FLOAT)").await;
    ok(&mut s, "INSERT INTO n VALUES (1, 1.5), (2, -3.25), (3, 0.1)").await;
    assert_eq!(rows(&mut s, "SELECT SUM(f) FROM n").await, [["-1.6499999985098839"]]);
}

#[tokio::test]
async fn enum_columns_sort_and_compute_by_position() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE s (id INT PRIMARY KEY, e ENUM('small', 'medium', 'large'))").await;
    ok(&mut s, "INSERT INTO s VALUES (1, 'small'), (2, 'large'), (3, NULL), (4, 'medium'), (14, 'medium')").await;
    assert_eq!(
        rows(&mut s, "SELECT id, e, e + 0 FROM s WHERE e IS NOT NULL ORDER BY e").await,
        [["1", "small", "1"], ["4", "medium", "2"], ["14", "medium", "2"], ["2", "large", "3"]]
    );
    let ids = |r: Vec<Vec<String>>| r.into_iter().map(|r| r[0].clone()).collect::<Vec<_>>();
    assert_eq!(ids(rows(&mut s, "SELECT id FROM s ORDER BY s.e DESC, id").await), ["2", "4", "14", "1", "3"]);
    assert_eq!(
        rows(&mut s, "SELECT e, COUNT(*) FROM s GROUP BY e ORDER BY e").await,
        [["NULL", "1"], ["small", "1"], ["medium", "2"], ["large", "1"]]
    );
    // An output alias of the same name is what ORDER BY means.
    assert_eq!(ids(rows(&mut s, "SELECT id AS e FROM s ORDER BY e").await), ["1", "2", "3", "4", "14"]);
    assert_eq!(rows(&mut s, "SELECT x.e * 10, e + 0 FROM s x WHERE x.id IN (2, 3) ORDER BY id").await, [["30", "3"], ["NULL", "NULL"]]);
}
