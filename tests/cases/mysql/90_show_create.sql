-- orbit-diff: informational
-- SHOW CREATE TABLE / DATABASE / VIEW: the text legitimately differs between servers
-- (display widths, charset and collation clauses, engine options), so mismatches are
-- reported but never fail.
CREATE DATABASE case_show_create;
USE case_show_create;
CREATE TABLE t1 (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'x', price DECIMAL(8,2), created DATETIME, UNIQUE KEY name_u (name));
CREATE TABLE t2 (a BIGINT UNSIGNED NOT NULL, b ENUM('x', 'y') DEFAULT 'y', c TEXT, d BOOLEAN, KEY a_idx (a));
CREATE VIEW v1 AS SELECT id, name FROM t1;
SHOW CREATE TABLE t1;
SHOW CREATE TABLE t2;
SHOW CREATE DATABASE case_show_create;
SHOW CREATE VIEW v1;
SHOW TABLE STATUS LIKE 'nosuch';
SHOW INDEX FROM t1;
DROP DATABASE case_show_create;
