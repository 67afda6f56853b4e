-- SHOW TABLES / SHOW COLUMNS / DESCRIBE / SHOW DATABASES LIKE and information_schema queries.
CREATE DATABASE case_schema;
USE case_schema;
CREATE TABLE people (name VARCHAR(20) NOT NULL, born DATE, note TEXT, score DECIMAL(5,2) DEFAULT 1.50, PRIMARY KEY (name));
CREATE TABLE counters (id INT AUTO_INCREMENT PRIMARY KEY, n BIGINT UNSIGNED NOT NULL DEFAULT 0, flag BOOLEAN, UNIQUE KEY n_flag (n, flag));
CREATE VIEW adults AS SELECT name FROM people WHERE born < '2006-01-01';
SHOW TABLES;
SHOW FULL TABLES;
SHOW TABLES LIKE 'p%';
SHOW DATABASES LIKE 'case_sch%';
SELECT DATABASE();
DESCRIBE people;
SHOW COLUMNS FROM people;
SHOW COLUMNS FROM people LIKE 'b%';
-- differs: mysql8 shows int and bigint unsigned without display widths; mariadb int(11), bigint(20) unsigned
DESCRIBE counters;
-- differs: mysql8 shows int and bigint unsigned without display widths
SHOW COLUMNS FROM counters;
DESC people name;
SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'case_schema' ORDER BY TABLE_NAME;
SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'case_schema' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME;
SELECT COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, IS_NULLABLE, COLUMN_KEY, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'case_schema' AND TABLE_NAME = 'people' ORDER BY ORDINAL_POSITION;
-- differs: mysql8's COLUMN_TYPE has no display widths (int, bigint unsigned); EXTRA is auto_increment in both
SELECT COLUMN_NAME, COLUMN_TYPE, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'case_schema' AND TABLE_NAME = 'counters' ORDER BY ORDINAL_POSITION;
-- differs: mariadb quotes string defaults and writes NULL as the text 'NULL' in COLUMN_DEFAULT; mysql8 gives 1.50 and NULL
SELECT COLUMN_NAME, COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'case_schema' AND TABLE_NAME = 'people' ORDER BY ORDINAL_POSITION;
-- differs: mysql8 returns information_schema column names in upper case (TABLE_NAME) whatever the query's case
SELECT table_name FROM information_schema.tables WHERE table_schema = 'case_schema' ORDER BY table_name;
SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'case_schema';
SELECT INDEX_NAME, COLUMN_NAME, SEQ_IN_INDEX, NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'case_schema' AND TABLE_NAME = 'counters' ORDER BY INDEX_NAME, SEQ_IN_INDEX;
SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'case_schema';
ALTER TABLE people ADD COLUMN city VARCHAR(15) AFTER born;
SHOW COLUMNS FROM people;
ALTER TABLE people ADD COLUMN tag VARCHAR(5) FIRST;
ALTER TABLE people MODIFY COLUMN note TEXT AFTER tag;
SHOW COLUMNS FROM people;
DROP VIEW adults;
DROP TABLE counters;
SHOW TABLES;
SHOW TABLES FROM case_schema;
DROP DATABASE case_schema;
SHOW DATABASES LIKE 'case_sch%';
