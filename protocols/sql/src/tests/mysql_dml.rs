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
    // A duplicate key in MySQL 8's words.
    let (n, m) = errno(&mut s, "UPDATE custs c JOIN orders o ON o.cust = c.id SET c.id = 3 WHERE c.id = 1").await;
    assert_eq!((n, m.as_str()), (1062, "Duplicate entry '3' for key 'custs.PRIMARY'"));
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

#[tokio::test]
async fn foreign_keys_restrict_children_and_parents() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE p (id INT PRIMARY KEY, u INT UNIQUE, n INT)").await;
    ok(&mut s, "CREATE TABLE c (id INT PRIMARY KEY, p_id INT, FOREIGN KEY (p_id) REFERENCES p (id))").await;
    ok(&mut s, "CREATE TABLE c2 (id INT PRIMARY KEY, pu INT, CONSTRAINT fk_u FOREIGN KEY (pu) REFERENCES p (u))").await;
    let show = rows(&mut s, "SHOW CREATE TABLE c").await[0][1].clone();
    assert!(show.contains("  KEY `p_id` (`p_id`),\n  CONSTRAINT `c_ibfk_1` FOREIGN KEY (`p_id`) REFERENCES `p` (`id`)\n"), "{show}");
    assert!(rows(&mut s, "SHOW CREATE TABLE c2").await[0][1].contains("KEY `fk_u` (`pu`)"));
    ok(&mut s, "INSERT INTO p VALUES (1, 10, 0), (2, 20, 0)").await;
    let (n, m) = errno(&mut s, "INSERT INTO c VALUES (1, 7)").await;
    assert_eq!(n, 1452);
    assert_eq!(
        m,
        "Cannot add or update a child row: a foreign key constraint fails (`test`.`c`, CONSTRAINT `c_ibfk_1` FOREIGN KEY (`p_id`) REFERENCES `p` (`id`))"
    );
    ok(&mut s, "INSERT INTO c VALUES (1, 1), (2, NULL), (3, 1)").await;
    // INSERT IGNORE skips a row without its parent (counted with the duplicates).
    let a = ok(&mut s, "INSERT IGNORE INTO c VALUES (4, 1), (5, 5), (6, 2)").await;
    assert_eq!((a.rows, a.records, a.duplicates), (2, 3, 1));
    ok(&mut s, "DELETE FROM c WHERE id > 3").await;
    ok(&mut s, "INSERT INTO c2 VALUES (1, 20)").await;
    assert_eq!(errno(&mut s, "UPDATE c SET p_id = 9 WHERE id = 1").await.0, 1452);
    assert_eq!(ok(&mut s, "UPDATE c SET p_id = 2 WHERE id = 1").await.rows, 1);
    let (n, m) = errno(&mut s, "DELETE FROM p WHERE id = 1").await;
    assert_eq!(n, 1451);
    assert!(m.starts_with("Cannot delete or update a parent row: a foreign key constraint fails (`test`.`c`"), "{m}");
    assert_eq!(errno(&mut s, "UPDATE p SET id = 5 WHERE id = 1").await.0, 1451);
    assert_eq!(errno(&mut s, "UPDATE p SET u = 5 WHERE id = 2").await.0, 1451);
    assert_eq!(ok(&mut s, "UPDATE p SET n = 6").await.rows, 2);
    assert_eq!(errno(&mut s, "DROP TABLE p").await.0, 3730);
    assert_eq!(errno(&mut s, "TRUNCATE TABLE p").await.0, 1701);
    ok(&mut s, "SET foreign_key_checks = 0").await;
    ok(&mut s, "INSERT INTO c VALUES (9, 99)").await;
    ok(&mut s, "SET foreign_key_checks = 1").await;
    assert_eq!(rows(&mut s, "SELECT COUNT(*) FROM c").await, [["4"]]);
    // Creation: the parent must exist and be indexed on the referenced columns.
    assert_eq!(errno(&mut s, "CREATE TABLE c3 (id INT PRIMARY KEY, pn INT, FOREIGN KEY (pn) REFERENCES p (n))").await.0, 1822);
    assert_eq!(errno(&mut s, "CREATE TABLE c4 (id INT PRIMARY KEY, x INT, FOREIGN KEY (x) REFERENCES nosuch (id))").await.0, 1824);
    // Integer types must match in size and sign; string lengths need not.
    assert_eq!(errno(&mut s, "CREATE TABLE c6 (id INT PRIMARY KEY, x BIGINT, FOREIGN KEY (x) REFERENCES p (id))").await.0, 3780);
    assert_eq!(errno(&mut s, "CREATE TABLE c6 (id INT PRIMARY KEY, x INT UNSIGNED, FOREIGN KEY (x) REFERENCES p (id))").await.0, 3780);
    assert_eq!(
        errno(&mut s, "CREATE TABLE c5 (id INT PRIMARY KEY, x INT, FOREIGN KEY (x) REFERENCES p (id) ON DELETE SET DEFAULT)").await.0,
        1235
    );
    // Dropping the children first, or with the parent in one statement, works.
    ok(&mut s, "DROP TABLE c2").await;
    ok(&mut s, "DROP TABLE p, c").await;
}

#[tokio::test]
async fn foreign_keys_of_a_self_referring_table() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE s (id INT PRIMARY KEY, parent INT REFERENCES s (id))").await;
    ok(&mut s, "INSERT INTO s VALUES (1, NULL), (2, 1), (3, 3)").await;
    assert_eq!(errno(&mut s, "INSERT INTO s VALUES (4, 5)").await.0, 1452);
    assert_eq!(errno(&mut s, "DELETE FROM s WHERE id = 1").await.0, 1451);
    assert_eq!(ok(&mut s, "DELETE FROM s WHERE id = 3").await.rows, 1);
    assert_eq!(ok(&mut s, "DELETE FROM s WHERE id = 2").await.rows, 1);
    assert_eq!(ok(&mut s, "DELETE FROM s").await.rows, 1);
}

#[tokio::test]
async fn foreign_keys_follow_a_renamed_parent_and_like_copies_none() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE p (id INT PRIMARY KEY)").await;
    ok(&mut s, "CREATE TABLE c (id INT PRIMARY KEY, p_id INT, FOREIGN KEY (p_id) REFERENCES p (id))").await;
    ok(&mut s, "INSERT INTO p VALUES (1)").await;
    ok(&mut s, "RENAME TABLE p TO p2").await;
    ok(&mut s, "INSERT INTO c VALUES (1, 1)").await;
    assert_eq!(errno(&mut s, "INSERT INTO c VALUES (2, 2)").await.0, 1452);
    assert!(rows(&mut s, "SHOW CREATE TABLE c").await[0][1].contains("REFERENCES `p2` (`id`)"));
    ok(&mut s, "CREATE TABLE c3 LIKE c").await;
    ok(&mut s, "INSERT INTO c3 VALUES (2, 2)").await;
}

#[tokio::test]
async fn foreign_keys_cascade_and_set_null() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE p (id INT PRIMARY KEY)").await;
    ok(&mut s, "CREATE TABLE c (id INT PRIMARY KEY, p_id INT, FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE ON UPDATE CASCADE)").await;
    ok(&mut s, "CREATE TABLE n (id INT PRIMARY KEY, p_id INT, FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL ON UPDATE RESTRICT)").await;
    ok(&mut s, "CREATE TABLE g (id INT PRIMARY KEY, c_id INT, FOREIGN KEY (c_id) REFERENCES c (id) ON DELETE CASCADE)").await;
    assert_eq!(
        errno(&mut s, "CREATE TABLE bad (id INT PRIMARY KEY, p_id INT NOT NULL, FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL)").await.0,
        1830
    );
    let show = rows(&mut s, "SHOW CREATE TABLE n").await[0][1].clone();
    assert!(show.contains("REFERENCES `p` (`id`) ON DELETE SET NULL\n"), "{show}");
    ok(&mut s, "INSERT INTO p VALUES (1), (2), (3)").await;
    ok(&mut s, "INSERT INTO c VALUES (10, 1), (11, 1), (12, 2)").await;
    ok(&mut s, "INSERT INTO n VALUES (20, 1), (21, 2)").await;
    ok(&mut s, "INSERT INTO g VALUES (30, 10), (31, 12)").await;
    // The direct row counts, not the cascaded ones.
    assert_eq!(ok(&mut s, "DELETE FROM p WHERE id = 1").await.rows, 1);
    assert_eq!(rows(&mut s, "SELECT * FROM c").await, [["12", "2"]]);
    assert_eq!(rows(&mut s, "SELECT * FROM n ORDER BY id").await, [["20", "NULL"], ["21", "2"]]);
    assert_eq!(rows(&mut s, "SELECT * FROM g").await, [["31", "12"]]);
    assert_eq!(ok(&mut s, "UPDATE p SET id = 5 WHERE id = 3").await.rows, 1);
    let (n, m) = errno(&mut s, "UPDATE p SET id = 6 WHERE id = 2").await;
    assert_eq!(n, 1451);
    assert!(m.ends_with("FOREIGN KEY (`p_id`) REFERENCES `p` (`id`) ON DELETE SET NULL)"), "{m}");
    ok(&mut s, "DELETE FROM n").await;
    ok(&mut s, "UPDATE p SET id = 6 WHERE id = 2").await;
    assert_eq!(rows(&mut s, "SELECT * FROM c").await, [["12", "6"]]);
    assert_eq!(rows(&mut s, "SELECT * FROM g").await, [["31", "12"]]);
}

#[tokio::test]
async fn foreign_key_cascades_stop_at_mysqls_depth() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE tree (id INT PRIMARY KEY, up INT, FOREIGN KEY (up) REFERENCES tree (id) ON DELETE CASCADE)").await;
    ok(&mut s, "INSERT INTO tree VALUES (1, NULL), (2, 1), (3, 2), (4, 2), (5, 4)").await;
    assert_eq!(ok(&mut s, "DELETE FROM tree WHERE id = 2").await.rows, 1);
    assert_eq!(rows(&mut s, "SELECT id FROM tree").await, [["1"]]);
    let mut values = vec!["(100, NULL)".to_string()];
    values.extend((101..=120).map(|i| format!("({i}, {})", i - 1)));
    ok(&mut s, &format!("INSERT INTO tree VALUES {}", values.join(", "))).await;
    assert_eq!(errno(&mut s, "DELETE FROM tree WHERE id = 100").await.0, 3008);
}

#[tokio::test]
async fn alter_table_keeps_foreign_keys_whole() {
    let mut s = session().await;
    ok(&mut s, "CREATE TABLE p (id INT PRIMARY KEY, x INT)").await;
    ok(&mut s, "CREATE TABLE c (id INT PRIMARY KEY, p_id INT, FOREIGN KEY (p_id) REFERENCES p (id))").await;
    assert_eq!(errno(&mut s, "ALTER TABLE c DROP COLUMN p_id").await.0, 1828);
    assert_eq!(errno(&mut s, "ALTER TABLE p DROP COLUMN id").await.0, 1829);
    assert_eq!(errno(&mut s, "ALTER TABLE c DROP INDEX p_id").await.0, 1553);
    assert_eq!(errno(&mut s, "DROP INDEX p_id ON c").await.0, 1553);
    assert_eq!(errno(&mut s, "ALTER TABLE c RENAME COLUMN p_id TO q").await.0, 1235);
    assert_eq!(errno(&mut s, "ALTER TABLE c ADD FOREIGN KEY (id) REFERENCES p (id)").await.0, 1235);
    assert_eq!(errno(&mut s, "ALTER TABLE c DROP FOREIGN KEY nosuch").await.0, 1091);
    ok(&mut s, "ALTER TABLE p DROP COLUMN x").await;
    // Dropping the constraint keeps its index and lets any value in.
    ok(&mut s, "ALTER TABLE c DROP FOREIGN KEY c_ibfk_1").await;
    ok(&mut s, "INSERT INTO c VALUES (5, 99)").await;
    let show = rows(&mut s, "SHOW CREATE TABLE c").await[0][1].clone();
    assert!(show.contains("KEY `p_id` (`p_id`)") && !show.contains("CONSTRAINT"), "{show}");
    ok(&mut s, "DROP TABLE p").await;
}
