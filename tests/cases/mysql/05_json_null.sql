-- JSON values and functions; NULL handling in expressions, comparisons, aggregates, ordering.
CREATE DATABASE case_json_null;
USE case_json_null;
CREATE TABLE j (id INT PRIMARY KEY, doc JSON);
INSERT INTO j VALUES (1, '{"a": 1, "b": [1, 2, 3], "c": {"d": "x"}}'), (2, '[1, "two", null]'), (3, NULL);
-- differs: mysql8: ERROR 3140 (22032) Invalid JSON text; mariadb's JSON is LONGTEXT with a CHECK: ERROR 4025 (23000) CONSTRAINT failed, plus Note 4038
INSERT INTO j VALUES (4, '{not json');
-- differs: mysql8 re-serializes stored JSON ({"a": 1, ...} in key order); mariadb returns the text as inserted
SELECT id, doc FROM j ORDER BY id;
SELECT JSON_EXTRACT(doc, '$.a') AS a, JSON_EXTRACT(doc, '$.b[1]') AS b1, JSON_UNQUOTE(JSON_EXTRACT(doc, '$.c.d')) AS d FROM j WHERE id = 1;
SELECT JSON_LENGTH(doc), JSON_TYPE(doc), JSON_VALID(doc) FROM j ORDER BY id;
SELECT JSON_OBJECT('k', 1, 'l', 'v') AS o, JSON_ARRAY(1, 'x', NULL, TRUE) AS a, JSON_QUOTE('q"') AS q;
SELECT JSON_CONTAINS('[1, 2, 3]', '2') AS c, JSON_SEARCH('["a", "b"]', 'one', 'b') AS s, JSON_KEYS('{"x": 1, "y": 2}') AS k;
-- differs: mariadb 10.11 has no -> / ->> operators (syntax error 1064); mysql8 returns 1 and x
SELECT doc->'$.a', doc->>'$.c.d' FROM j WHERE id = 1;
SELECT JSON_SET('{"a": 1}', '$.b', 2) AS s, JSON_REMOVE('{"a": 1, "b": 2}', '$.a') AS r, JSON_MERGE_PATCH('{"a": 1}', '{"a": null, "c": 3}') AS m;
CREATE TABLE n (id INT PRIMARY KEY, x INT, s VARCHAR(10));
INSERT INTO n VALUES (1, 10, 'a'), (2, NULL, NULL), (3, 30, ''), (4, NULL, 'd');
SELECT NULL = NULL, NULL <=> NULL, NULL IS NULL, 1 + NULL, CONCAT('a', NULL), NULL AND 0, NULL OR 1, NOT NULL;
SELECT id FROM n WHERE x = NULL;
SELECT id FROM n WHERE x IS NULL ORDER BY id;
SELECT id FROM n WHERE x <> 10 ORDER BY id;
SELECT id FROM n WHERE x NOT IN (10, NULL);
SELECT COUNT(*), COUNT(x), COUNT(s), SUM(x), AVG(x), MIN(s), MAX(s) FROM n;
SELECT id, x FROM n ORDER BY x, id;
SELECT id, x FROM n ORDER BY x DESC, id;
SELECT id, IFNULL(x, -1), COALESCE(x, s, 'none'), NULLIF(s, ''), IF(x IS NULL, 'no', 'yes'), ISNULL(x) FROM n ORDER BY id;
SELECT SUM(x) FROM n WHERE id > 100;
SELECT COUNT(*) FROM n WHERE id > 100;
SELECT DISTINCT x FROM n ORDER BY x;
SELECT x, COUNT(*) FROM n GROUP BY x ORDER BY x;
INSERT INTO n (id) VALUES (5);
SELECT * FROM n WHERE id = 5;
DROP DATABASE case_json_null;
