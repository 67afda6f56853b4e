-- Integer types, UNSIGNED, BOOLEAN, range errors (1264, 1690) and integer arithmetic.
CREATE DATABASE case_integers;
USE case_integers;
CREATE TABLE ints (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, si SMALLINT, mi MEDIUMINT, i INT, bi BIGINT,
  tu TINYINT UNSIGNED, su SMALLINT UNSIGNED, iu INT UNSIGNED, bu BIGINT UNSIGNED,
  b BOOLEAN
);
INSERT INTO ints VALUES (1, -128, -32768, -8388608, -2147483648, -9223372036854775808, 0, 0, 0, 0, FALSE);
INSERT INTO ints VALUES (2, 127, 32767, 8388607, 2147483647, 9223372036854775807, 255, 65535, 4294967295, 18446744073709551615, TRUE);
INSERT INTO ints VALUES (3, 0, 1, 2, 3, 4, 5, 6, 7, 8, NULL);
SELECT * FROM ints ORDER BY id;
SELECT id, bi + 0, bu + 0, tu * 2, b, b IS TRUE, NOT b FROM ints ORDER BY id;
INSERT INTO ints (id, ti) VALUES (10, 128);
INSERT INTO ints (id, ti) VALUES (11, -129);
INSERT INTO ints (id, tu) VALUES (12, -1);
INSERT INTO ints (id, tu) VALUES (13, 256);
INSERT INTO ints (id, iu) VALUES (14, 4294967296);
INSERT INTO ints (id, bu) VALUES (15, -1);
INSERT INTO ints (id, i) VALUES (16, '12abc');
SELECT COUNT(*) FROM ints;
-- differs: mysql8 parenthesizes the expression in the 1690 message: '(`case_integers`.`ints`.`tu` - 10)'
UPDATE ints SET tu = tu - 10 WHERE id = 3;
SELECT tu FROM ints WHERE id = 3;
-- differs: mysql8 writes '(9223372036854775807 + 1)' in the 1690 message
SELECT 9223372036854775807 + 1;
-- differs: mysql8 writes '(cast(0 as unsigned) - 1)' in the 1690 message
SELECT CAST(0 AS UNSIGNED) - 1;
SELECT 18446744073709551615 + 0, -9223372036854775808 + 0;
-- differs: mariadb adds Note 1105 "Cast to unsigned converted negative integer to it's positive complement"
SELECT CAST(-1 AS UNSIGNED) AS u;
SELECT CAST(18446744073709551615 AS SIGNED) AS s;
SELECT 7 + 3, 7 - 10, 7 * -3, 7 / 2, 7 DIV 2, -7 DIV 2, 7 % 3, -7 % 3, 7 MOD -3, MOD(-7, -3);
SELECT 10 / 4 AS q, 10 DIV 4 AS d, 1 / 3 AS third, 2 / 3 * 3 AS back, 10 / 0 AS z, 10 DIV 0 AS dz, 10 % 0 AS mz;
SELECT 5 & 3, 5 | 3, 5 ^ 3, ~0, 1 << 4, 256 >> 2;
SELECT ABS(-3), SIGN(-8), GREATEST(3, 9, 1), LEAST(3, 9, 1), 3 BETWEEN 1 AND 5, 3 IN (1, 2), 3 NOT IN (1, 2);
SELECT TRUE, FALSE, TRUE + TRUE, 1 = 1, 1 <> 1, 2 > 1 AND 1 > 2, 2 > 1 OR 1 > 2, NOT 0, 1 XOR 1;
SELECT CAST('42' AS SIGNED) + 1 AS n, CAST(3.7 AS SIGNED) AS r, CAST(-3.5 AS SIGNED) AS rn, CONVERT('7', UNSIGNED) AS c;
SELECT SUM(bi), SUM(bu), AVG(i), MIN(tu), MAX(bu), COUNT(b) FROM ints;
DROP DATABASE case_integers;
