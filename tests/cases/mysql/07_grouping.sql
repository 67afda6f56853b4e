-- GROUP BY, HAVING, ORDER BY, LIMIT offset,n, DISTINCT, GROUP_CONCAT and aggregates.
CREATE DATABASE case_grouping;
USE case_grouping;
CREATE TABLE sales (id INT PRIMARY KEY, region VARCHAR(10), product VARCHAR(10), qty INT, price DECIMAL(8,2));
INSERT INTO sales VALUES (1, 'north', 'apple', 10, 1.50), (2, 'north', 'pear', 5, 2.00), (3, 'south', 'apple', 7, 1.40),
  (4, 'south', 'plum', 3, 3.10), (5, 'east', 'apple', 12, 1.55), (6, 'east', 'pear', NULL, 2.10), (7, 'north', 'apple', 1, 1.60);
SELECT region, COUNT(*), SUM(qty), AVG(qty), MIN(price), MAX(price) FROM sales GROUP BY region ORDER BY region;
SELECT region, SUM(qty * price) AS revenue FROM sales GROUP BY region HAVING revenue > 15 ORDER BY revenue DESC;
SELECT product, COUNT(*) AS n FROM sales GROUP BY product HAVING COUNT(*) >= 2 ORDER BY n DESC, product;
SELECT region, product, SUM(qty) FROM sales GROUP BY region, product ORDER BY region, product;
SELECT COUNT(DISTINCT product), COUNT(DISTINCT region, product), SUM(DISTINCT qty) FROM sales;
SELECT region, GROUP_CONCAT(product ORDER BY product) AS products FROM sales GROUP BY region ORDER BY region;
SELECT region, GROUP_CONCAT(DISTINCT product ORDER BY product DESC SEPARATOR '|') AS p, GROUP_CONCAT(qty) AS q FROM sales GROUP BY region ORDER BY region;
SELECT GROUP_CONCAT(id ORDER BY id) FROM sales WHERE id > 100;
SELECT id, qty FROM sales ORDER BY qty DESC, id LIMIT 3;
SELECT id FROM sales ORDER BY id LIMIT 2, 3;
SELECT id FROM sales ORDER BY id LIMIT 3 OFFSET 5;
SELECT id FROM sales ORDER BY id LIMIT 0;
SELECT id, region FROM sales ORDER BY region DESC, id ASC;
SELECT id, qty FROM sales ORDER BY qty IS NULL, qty, id;
SELECT region AS r, COUNT(*) FROM sales GROUP BY r ORDER BY 2 DESC, 1;
SELECT DISTINCT region FROM sales ORDER BY region;
SELECT product, MAX(qty) - MIN(qty) AS spread, STDDEV_POP(qty) AS sd, VAR_POP(qty) AS v FROM sales GROUP BY product ORDER BY product;
SELECT BIT_AND(qty), BIT_OR(qty), BIT_XOR(qty) FROM sales;
SELECT region, COUNT(*) FROM sales GROUP BY region WITH ROLLUP;
SELECT region, product, SUM(qty) FROM sales WHERE region <> 'east' GROUP BY region, product WITH ROLLUP;
SELECT BIT_AND(qty), BIT_OR(qty), BIT_XOR(qty) FROM sales WHERE id > 100;
SELECT product, VAR_SAMP(qty), STDDEV_SAMP(qty) FROM sales WHERE product = 'plum' GROUP BY product;
-- differs: mysql8's 1055 message is "Expression #2 of SELECT list is not in GROUP BY clause and contains nonaggregated column ..."
SELECT region, product FROM sales GROUP BY region;
SELECT COUNT(*) FROM sales HAVING COUNT(*) > 100;
DROP DATABASE case_grouping;
