//! MySQL's ALTER TABLE column positions: ADD / MODIFY / CHANGE COLUMN ... FIRST | AFTER c
//! (MariaDB 10.11's answers).

use super::mysql_sql::{errno, ok, rows, session};

#[tokio::test]
async fn columns_go_first_or_after_another() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE people (name VARCHAR(20) PRIMARY KEY, born DATE, note TEXT)").await;
    ok(&mut s, "INSERT INTO people VALUES ('a', '2000-01-01', 'x'), ('b', NULL, 'y')").await;
    ok(&mut s, "ALTER TABLE people ADD COLUMN city VARCHAR(15) AFTER born").await;
    let cols: Vec<String> = rows(&mut s, "SHOW COLUMNS FROM people").await.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(cols, ["name", "born", "city", "note"]);
    ok(&mut s, "ALTER TABLE people ADD COLUMN id INT FIRST").await;
    ok(&mut s, "ALTER TABLE people MODIFY COLUMN note TEXT AFTER name").await;
    ok(&mut s, "ALTER TABLE people CHANGE COLUMN born birth DATE FIRST").await;
    assert_eq!(
        rows(&mut s, "SELECT * FROM people ORDER BY name").await,
        [["2000-01-01", "NULL", "a", "x", "NULL"], ["NULL", "NULL", "b", "y", "NULL"]]
    );
    // An unknown AFTER column changes nothing.
    assert_eq!(errno(&mut s, "ALTER TABLE people ADD COLUMN z INT AFTER nosuch").await.0, 1054);
    assert_eq!(rows(&mut s, "SHOW COLUMNS FROM people").await.len(), 5);
    // A table without a primary key keeps its hidden row id.
    ok(&mut s, "CREATE TABLE nopk (a INT, b INT)").await;
    ok(&mut s, "INSERT INTO nopk VALUES (1, 2)").await;
    ok(&mut s, "ALTER TABLE nopk ADD COLUMN c INT FIRST").await;
    ok(&mut s, "INSERT INTO nopk VALUES (0, 3, 4)").await;
    assert_eq!(rows(&mut s, "SELECT * FROM nopk ORDER BY a").await, [["NULL", "1", "2"], ["0", "3", "4"]]);
}
