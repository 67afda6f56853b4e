//! MySQL's multi-table UPDATE and DELETE: each target row changes once, several tables in
//! one statement, outer joins, and the affected/matched counts (MariaDB 10.11's answers).

use super::mysql_sql::{errno, ok, rows, session};

async fn setup(s: &mut crate::Session) {
    ok(s, "CREATE TABLE custs (id INT PRIMARY KEY, name VARCHAR(10), spent INT DEFAULT 0)").await;
    ok(s, "CREATE TABLE orders (id INT PRIMARY KEY, cust INT, total INT)").await;
    ok(s, "INSERT INTO custs (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')").await;
    ok(s, "INSERT INTO orders VALUES (1, 1, 10), (2, 1, 15), (3, 2, 7), (4, 9, 1)").await;
}

#[tokio::test]
async fn update_of_several_tables_changes_each_row_once() {
    let mut s = session().await;
    setup(&mut s).await;
    // custs 1 joins two orders: it changes once, with the first match.
    let a = ok(&mut s, "UPDATE custs c JOIN orders o ON o.cust = c.id SET c.spent = c.spent + o.total").await;
    assert_eq!((a.rows, a.matched), (2, 2));
    let a = ok(&mut s, "UPDATE custs c, orders o SET c.spent = 0, o.total = o.total * 2 WHERE c.id = o.cust AND c.id = 2").await;
    assert_eq!((a.rows, a.matched), (2, 2));
    assert_eq!(rows(&mut s, "SELECT id, spent FROM custs ORDER BY id").await, [["1", "10"], ["2", "0"], ["3", "0"]]);
    assert_eq!(rows(&mut s, "SELECT total FROM orders ORDER BY id").await, [["10"], ["15"], ["14"], ["1"]]);
    // Unchanged rows are matched, not affected; an outer join's missing row is no target.
    let a = ok(&mut s, "UPDATE custs c LEFT JOIN orders o ON o.cust = c.id + 100 SET c.spent = 0, o.total = 9").await;
    assert_eq!((a.rows, a.matched), (1, 3));
    assert_eq!(rows(&mut s, "SELECT total FROM orders ORDER BY id").await, [["10"], ["15"], ["14"], ["1"]]);
}

#[tokio::test]
async fn update_assignments_resolve_to_their_table() {
    let mut s = session().await;
    setup(&mut s).await;
    ok(&mut s, "CREATE TABLE n (x INT)").await;
    ok(&mut s, "INSERT INTO n VALUES (1), (1), (2)").await;
    // A table without a primary key: every one of its rows counts.
    let a = ok(&mut s, "UPDATE custs JOIN n ON n.x = custs.id SET spent = 100, x = x + 10").await;
    assert_eq!((a.rows, a.matched), (5, 5));
    assert_eq!(rows(&mut s, "SELECT x FROM n ORDER BY x").await, [["11"], ["11"], ["12"]]);
    assert_eq!(errno(&mut s, "UPDATE custs c, orders o SET id = 5 WHERE c.id = o.cust").await.0, 1052);
    assert_eq!(errno(&mut s, "UPDATE custs c, orders o SET q.total = 5").await.0, 1054);
    assert_eq!(errno(&mut s, "UPDATE custs c, orders o SET nosuch = 5").await.0, 1054);
}

#[tokio::test]
async fn delete_from_joins_and_several_tables() {
    let mut s = session().await;
    setup(&mut s).await;
    let a = ok(&mut s, "DELETE o FROM orders o LEFT JOIN custs c ON c.id = o.cust WHERE c.id IS NULL").await;
    assert_eq!(a.rows, 1);
    // custs 1 and its two orders.
    let a = ok(&mut s, "DELETE c, o FROM custs c JOIN orders o ON o.cust = c.id WHERE c.id = 1").await;
    assert_eq!(a.rows, 3);
    assert_eq!(rows(&mut s, "SELECT (SELECT COUNT(*) FROM custs), (SELECT COUNT(*) FROM orders)").await, [["2", "1"]]);
    let a = ok(&mut s, "DELETE FROM c, o USING custs c JOIN orders o ON o.cust = c.id").await;
    assert_eq!(a.rows, 2);
    assert_eq!(rows(&mut s, "SELECT id FROM custs").await, [["3"]]);
    assert_eq!(errno(&mut s, "DELETE q FROM custs c JOIN orders o ON o.cust = c.id").await.0, 1109);
}
