-- Error codes and SQLSTATEs: duplicate key, unknown table/column/database, syntax, NOT NULL,
-- too long, division by zero under strict mode, and that a failed statement changes nothing.
CREATE DATABASE case_errors;
USE case_errors;
CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(3) NOT NULL, u INT UNIQUE);
INSERT INTO t VALUES (1, 'a', 10);
-- differs: mysql8 names the key with its table: for key 't.PRIMARY'
INSERT INTO t VALUES (1, 'b', 11);
-- differs: mysql8 names the key with its table: for key 't.u'
INSERT INTO t VALUES (2, 'b', 10);
INSERT INTO t VALUES (2, NULL, 12);
INSERT INTO t (id, u) VALUES (3, 13);
INSERT INTO t VALUES (4, 'abcd', 14);
-- differs: mysql8 names the key with its table: for key 't.PRIMARY'
INSERT INTO t VALUES (5, 'ok', 15), (1, 'dup', 16);
SELECT * FROM t ORDER BY id;
UPDATE t SET v = NULL WHERE id = 1;
-- differs: mysql8 names the key with its table: for key 't.PRIMARY'
UPDATE t SET id = 1 WHERE id = 5;
SELECT * FROM nosuch;
SELECT * FROM case_errors.nosuch;
DROP TABLE nosuch;
DROP TABLE IF EXISTS nosuch;
-- differs: mariadb 10.11 says in 'SELECT'; mysql8 says in 'field list'
SELECT nosuch FROM t;
-- differs: mariadb 10.11 says in 'WHERE'; mysql8 says in 'where clause'
SELECT id FROM t WHERE nosuch = 1;
-- differs: mysql8 says in 'order clause'
SELECT id FROM t ORDER BY nosuch;
-- differs: mariadb 10.11 says in 'SELECT'; mysql8 says in 'field list'
SELECT t.id, x.id FROM t;
-- differs: mysql8's message says "your MySQL server version"
SELECT FROM t;
-- differs: mysql8's message says "your MySQL server version"
SELEC 1;
-- differs: mysql8's message says "your MySQL server version"
INSERT INTO t VALUES (;
USE nosuchdb;
CREATE DATABASE case_errors;
CREATE TABLE t (x INT);
CREATE TABLE IF NOT EXISTS t (x INT);
-- differs: mariadb 10.11 says in 'INSERT INTO'; mysql8 says in 'field list'
INSERT INTO t (id, v, nosuch) VALUES (9, 'x', 1);
INSERT INTO t VALUES (9, 'x');
SELECT 1 / 0, 1 DIV 0, 1 % 0;
INSERT INTO t VALUES (10, 'z', 1 / 0);
SELECT COUNT(*) FROM t;
SELECT id FROM t WHERE id = 'abc';
CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE c (id INT PRIMARY KEY, p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));
INSERT INTO c VALUES (1, 7);
INSERT INTO p VALUES (1), (2);
INSERT INTO c VALUES (1, 1), (2, NULL);
INSERT IGNORE INTO c VALUES (3, 1), (4, 9);
UPDATE c SET p_id = 5 WHERE id = 1;
DELETE FROM p WHERE id = 1;
UPDATE p SET id = 3 WHERE id = 1;
DELETE FROM p WHERE id = 2;
SELECT * FROM c ORDER BY id;
SELECT nosuchfn(1);
SELECT ABS(1, 2);
SELECT (SELECT 1 UNION SELECT 2);
SELECT 1 FROM t WHERE id IN (SELECT id, v FROM t);
DROP DATABASE case_errors;
