//! The MySQL session and catalog surface (databases, variables, SET, transactions, SHOW,
//! information_schema, session functions) through a MySQL-dialect session over the
//! in-memory storage. Expected values are MySQL 8.0's (checked against MariaDB 10.11
//! where the two agree; MySQL 8's where they differ, e.g. the version and the
//! information_schema column names).

use crate::{Dialect, Engine, QueryOutput, Session, SqlError};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage, Value};
use std::sync::Arc;

async fn engine() -> Arc<Engine> {
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
    Engine::open_with_dialect(storage, Dialect::MySql).await.unwrap()
}

async fn session() -> Session {
    Session::new(engine().await, "def", "root").unwrap()
}

fn text(v: &Value) -> String {
    crate::mysql_sql::format::text(v).unwrap_or_else(|| "NULL".into())
}

async fn out(s: &mut Session, sql: &str) -> QueryOutput {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(o) => o,
        Err(e) => panic!("{sql}: {e:?}"),
    }
}

async fn rows(s: &mut Session, sql: &str) -> Vec<String> {
    match out(s, sql).await {
        QueryOutput::Rows { rows, .. } => rows.iter().map(|r| r.iter().map(text).collect::<Vec<_>>().join("|")).collect(),
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

async fn names(s: &mut Session, sql: &str) -> Vec<String> {
    match out(s, sql).await {
        QueryOutput::Rows { columns, .. } => columns.into_iter().map(|c| c.name).collect(),
        other => panic!("{sql}: expected rows, got {other:?}"),
    }
}

async fn one(s: &mut Session, sql: &str) -> String {
    let r = rows(s, sql).await;
    assert_eq!(r.len(), 1, "{sql}: {r:?}");
    r[0].clone()
}

async fn ok(s: &mut Session, sql: &str) {
    out(s, sql).await;
}

async fn err(s: &mut Session, sql: &str) -> SqlError {
    match s.execute_batch(sql).await.pop().unwrap() {
        Err(e) => e,
        Ok(o) => panic!("{sql}: expected an error, got {o:?}"),
    }
}

fn errno(e: &SqlError) -> u16 {
    crate::mysql::errors::errno(e)
}

#[tokio::test]
async fn databases() {
    let mut s = session().await;
    assert_eq!(s.current_database(), None);
    assert_eq!(one(&mut s, "SELECT DATABASE()").await, "NULL");
    assert_eq!(rows(&mut s, "SHOW DATABASES").await, ["information_schema", "mysql", "performance_schema", "sys"]);
    let e = err(&mut s, "SELECT * FROM t").await;
    assert_eq!((e.code, errno(&e), e.message.as_str()), ("3D000", 1046, "No database selected"));
    ok(&mut s, "CREATE DATABASE shop").await;
    let e = err(&mut s, "CREATE DATABASE shop").await;
    assert_eq!((e.code, errno(&e), e.message.as_str()), ("HY000", 1007, "Can't create database 'shop'; database exists"));
    ok(&mut s, "CREATE DATABASE IF NOT EXISTS shop").await;
    assert_eq!(s.warning_count(), 1);
    assert_eq!(rows(&mut s, "SHOW WARNINGS").await, ["Note|1007|Can't create database 'shop'; database exists"]);
    ok(&mut s, "CREATE SCHEMA other").await;
    assert_eq!(rows(&mut s, "SHOW DATABASES LIKE 's%'").await, ["shop", "sys"]);
    assert_eq!(names(&mut s, "SHOW DATABASES LIKE 's%'").await, ["Database (s%)"]);
    let e = err(&mut s, "USE nowhere").await;
    assert_eq!((e.code, errno(&e), e.message.as_str()), ("42000", 1049, "Unknown database 'nowhere'"));
    ok(&mut s, "USE shop").await;
    assert_eq!(s.current_database().as_deref(), Some("shop"));
    assert_eq!(one(&mut s, "SELECT DATABASE(), SCHEMA()").await, "shop|shop");
    ok(&mut s, "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))").await;
    ok(&mut s, "INSERT INTO t VALUES (1, 'a')").await;
    ok(&mut s, "CREATE TABLE other.u (x INT)").await;
    ok(&mut s, "INSERT INTO other.u VALUES (7)").await;
    assert_eq!(one(&mut s, "SELECT x FROM other.u").await, "7");
    s.set_current_database("other").unwrap();
    assert_eq!(one(&mut s, "SELECT name FROM shop.t").await, "a");
    assert_eq!(err(&mut s, "SELECT * FROM t").await.code, "42S02");
    ok(&mut s, "DROP DATABASE other").await;
    assert_eq!(s.current_database(), None);
    let e = err(&mut s, "DROP DATABASE other").await;
    assert_eq!((errno(&e), e.message.as_str()), (1008, "Can't drop database 'other'; database doesn't exist"));
    ok(&mut s, "DROP DATABASE IF EXISTS other").await;
    assert_eq!(rows(&mut s, "SHOW DATABASES").await, ["information_schema", "mysql", "performance_schema", "shop", "sys"]);
    assert!(s.set_current_database("information_schema").is_ok());
    assert!(s.set_current_database("nope").is_err());
}

#[tokio::test]
async fn system_variables() {
    let mut s = session().await;
    assert_eq!(one(&mut s, "SELECT @@version_comment LIMIT 1").await, "Orbit");
    assert_eq!(names(&mut s, "SELECT @@version_comment LIMIT 1").await, ["@@version_comment"]);
    assert_eq!(one(&mut s, "SELECT @@version, VERSION()").await, "8.0.36-Orbit|8.0.36-Orbit");
    assert_eq!(
        one(&mut s, "SELECT @@socket, @@max_allowed_packet, @@wait_timeout").await,
        "/tmp/mysql.sock|67108864|28800"
    );
    let sql = "/* mysql-connector-j-8.0.33 */SELECT @@session.auto_increment_increment AS auto_increment_increment, \
        @@character_set_client AS character_set_client, @@character_set_connection AS character_set_connection, \
        @@character_set_results AS character_set_results, @@character_set_server AS character_set_server, \
        @@collation_server AS collation_server, @@collation_connection AS collation_connection, \
        @@init_connect AS init_connect, @@interactive_timeout AS interactive_timeout, @@license AS license, \
        @@lower_case_table_names AS lower_case_table_names, @@max_allowed_packet AS max_allowed_packet, \
        @@net_write_timeout AS net_write_timeout, @@performance_schema AS performance_schema, \
        @@sql_mode AS sql_mode, @@system_time_zone AS system_time_zone, @@time_zone AS time_zone, \
        @@transaction_isolation AS transaction_isolation, @@wait_timeout AS wait_timeout";
    assert_eq!(
        one(&mut s, sql).await,
        "1|utf8mb4|utf8mb4|utf8mb4|utf8mb4|utf8mb4_0900_ai_ci|utf8mb4_0900_ai_ci||28800|GPL|0|67108864|60|0|\
         ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION|\
         UTC|SYSTEM|REPEATABLE-READ|28800"
    );
    assert_eq!(names(&mut s, sql).await[..2], ["auto_increment_increment", "character_set_client"]);
    assert_eq!(one(&mut s, "SELECT @@SESSION.autocommit, @@global.autocommit, @@local.wait_timeout").await, "1|1|28800");
    let e = err(&mut s, "SELECT @@nosuch").await;
    assert_eq!((e.code, errno(&e), e.message.as_str()), ("HY000", 1193, "Unknown system variable 'nosuch'"));
    let e = err(&mut s, "SELECT @@global.warning_count").await;
    assert_eq!((errno(&e), e.message.as_str()), (1238, "Variable 'warning_count' is a SESSION variable"));
    assert_eq!(one(&mut s, "SELECT @@character_set_system, @@default_authentication_plugin").await, "utf8mb3|caching_sha2_password");
}

#[tokio::test]
async fn set_forms() {
    let mut s = session().await;
    ok(&mut s, "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci").await;
    assert_eq!(one(&mut s, "SELECT @@collation_connection, @@character_set_results").await, "utf8mb4_unicode_ci|utf8mb4");
    ok(&mut s, "SET character_set_results = NULL").await;
    assert_eq!(one(&mut s, "SELECT @@character_set_results").await, "NULL");
    ok(&mut s, "SET CHARACTER SET utf8").await;
    assert_eq!(one(&mut s, "SELECT @@character_set_client, @@character_set_connection").await, "utf8mb3|utf8mb4");
    ok(&mut s, "SET sql_mode=(SELECT CONCAT(@@sql_mode, ',PIPES_AS_CONCAT,NO_ENGINE_SUBSTITUTION')),time_zone='+00:00',NAMES utf8mb4 COLLATE utf8mb4_unicode_ci").await;
    assert_eq!(
        one(&mut s, "SELECT @@sql_mode, @@time_zone").await,
        "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT|+00:00"
    );
    ok(&mut s, "SET SESSION sql_mode = 'ANSI_QUOTES', @@session.wait_timeout = 10, SESSION net_write_timeout = 5").await;
    assert_eq!(one(&mut s, "SELECT @@sql_mode, @@wait_timeout, @@net_write_timeout").await, "ANSI_QUOTES|10|5");
    ok(&mut s, "SET @@session.sql_mode = DEFAULT").await;
    assert!(one(&mut s, "SELECT @@sql_mode").await.starts_with("ONLY_FULL_GROUP_BY"));
    ok(&mut s, "SET autocommit=OFF").await;
    assert!(!s.autocommit());
    assert_eq!(one(&mut s, "SELECT @@autocommit").await, "0");
    ok(&mut s, "SET autocommit=1").await;
    assert!(s.autocommit());
    ok(&mut s, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED").await;
    assert_eq!(one(&mut s, "SELECT @@transaction_isolation, @@tx_isolation").await, "READ-COMMITTED|READ-COMMITTED");
    ok(&mut s, "SET TRANSACTION READ ONLY").await;
    assert_eq!(one(&mut s, "SELECT @@transaction_read_only").await, "1");
    ok(&mut s, "SET time_zone = '+00:00'").await;
    let e = err(&mut s, "SET version = 'x'").await;
    assert_eq!((e.code, errno(&e), e.message.as_str()), ("HY000", 1238, "Variable 'version' is a read only variable"));
    let e = err(&mut s, "SET nosuch = 1").await;
    assert_eq!(errno(&e), 1193);
    let e = err(&mut s, "SET max_connections = 1").await;
    assert_eq!(e.message, "Variable 'max_connections' is a GLOBAL variable and should be set with SET GLOBAL");
    let e = err(&mut s, "SET autocommit = 5").await;
    assert_eq!((errno(&e), e.message.as_str()), (1231, "Variable 'autocommit' can't be set to the value of '5'"));
    let e = err(&mut s, "SET sql_mode = 'NOPE'").await;
    assert_eq!(e.message, "Variable 'sql_mode' can't be set to the value of 'NOPE'");
    let e = err(&mut s, "SET max_allowed_packet = 'abc'").await;
    assert_eq!(errno(&e), 1621);
    let e = err(&mut s, "SET NAMES nope").await;
    assert_eq!((errno(&e), e.message.as_str()), (1115, "Unknown character set: 'nope'"));
    let e = err(&mut s, "SET NAMES utf8mb4 COLLATE foo").await;
    assert_eq!((errno(&e), e.message.as_str()), (1273, "Unknown collation: 'foo'"));
    let e = err(&mut s, "SET time_zone = 'Foo/Bar'").await;
    assert_eq!(e.message, "Unknown or incorrect time zone: 'Foo/Bar'");
    let e = err(&mut s, "SET character_set_client = NULL").await;
    assert_eq!(e.message, "Variable 'character_set_client' can't be set to the value of 'NULL'");
    // A failed SET changes nothing.
    let e = err(&mut s, "SET wait_timeout = 99, nosuch = 1").await;
    assert_eq!(errno(&e), 1193);
    assert_eq!(one(&mut s, "SELECT @@wait_timeout").await, "10");
    // GLOBAL is server-wide: new sessions start with it.
    ok(&mut s, "SET GLOBAL wait_timeout = 77").await;
    assert_eq!(one(&mut s, "SELECT @@global.wait_timeout, @@session.wait_timeout").await, "77|10");
    let mut s2 = Session::new(s.engine.clone(), "def", "root").unwrap();
    assert_eq!(one(&mut s2, "SELECT @@wait_timeout").await, "77");
}

#[tokio::test]
async fn user_variables() {
    let mut s = session().await;
    assert_eq!(one(&mut s, "SELECT @x").await, "NULL");
    ok(&mut s, "SET @x = 1, @Y = 'two'").await;
    assert_eq!(one(&mut s, "SELECT @x, @y, @x + 1").await, "1|two|2");
    ok(&mut s, "SET @z = @x + 41").await;
    assert_eq!(one(&mut s, "SELECT @z").await, "42");
    assert_eq!(one(&mut s, "SELECT @w := 5").await, "5");
    assert_eq!(one(&mut s, "SELECT @w").await, "5");
    s.reset().await;
    assert_eq!(one(&mut s, "SELECT @x").await, "NULL");
}

#[tokio::test]
async fn session_functions() {
    let mut s = session().await;
    s.set_connection_id(42);
    s.set_client_host("10.0.0.7");
    assert_eq!(one(&mut s, "SELECT CONNECTION_ID(), USER(), CURRENT_USER(), SESSION_USER(), SYSTEM_USER()").await,
        "42|root@10.0.0.7|root@localhost|root@10.0.0.7|root@10.0.0.7");
    assert_eq!(one(&mut s, "SELECT CURRENT_USER").await, "root@localhost");
    assert_eq!(one(&mut s, "SELECT LAST_INSERT_ID()").await, "0");
    assert_eq!(one(&mut s, "SELECT LAST_INSERT_ID(17)").await, "17");
    assert_eq!(one(&mut s, "SELECT LAST_INSERT_ID(), @@last_insert_id, @@identity").await, "17|17|17");
    s.set_last_insert_id(5);
    assert_eq!(s.last_insert_id(), 5);
    ok(&mut s, "CREATE DATABASE d").await;
    ok(&mut s, "USE d").await;
    ok(&mut s, "CREATE TABLE t (a INT)").await;
    ok(&mut s, "INSERT INTO t VALUES (1), (2), (3)").await;
    assert_eq!(one(&mut s, "SELECT ROW_COUNT()").await, "3");
    assert_eq!(rows(&mut s, "SELECT a FROM t WHERE a > 1").await.len(), 2);
    assert_eq!(one(&mut s, "SELECT ROW_COUNT(), FOUND_ROWS()").await, "-1|2");
}

#[tokio::test]
async fn transactions() {
    let e = engine().await;
    let mut s = Session::new(e.clone(), "def", "root").unwrap();
    let mut other = Session::new(e, "def", "root").unwrap();
    ok(&mut s, "CREATE DATABASE d").await;
    ok(&mut s, "USE d").await;
    other.set_current_database("d").unwrap();
    ok(&mut s, "CREATE TABLE t (id INT PRIMARY KEY)").await;
    // autocommit=1: a multi-statement text is not one transaction.
    let r = s.execute_batch("INSERT INTO t VALUES (1); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)").await;
    assert_eq!(r.len(), 2);
    assert!(r[1].is_err());
    assert_eq!(rows(&mut other, "SELECT id FROM t").await, ["1"]);
    // autocommit=0: the first statement opens a transaction.
    ok(&mut s, "SET autocommit = 0").await;
    assert!(!s.in_transaction());
    ok(&mut s, "INSERT INTO t VALUES (2)").await;
    assert!(s.in_transaction());
    assert_eq!(rows(&mut other, "SELECT id FROM t").await, ["1"]);
    // An error does not abort the transaction; the failed statement's rows are gone.
    let e = err(&mut s, "INSERT INTO t VALUES (3), (1)").await;
    assert_eq!(errno(&e), 1062);
    assert!(s.in_transaction());
    ok(&mut s, "INSERT INTO t VALUES (4)").await;
    assert_eq!(rows(&mut s, "SELECT id FROM t ORDER BY id").await, ["1", "2", "4"]);
    // The replayed statements keep their values (backslash escapes included).
    ok(&mut s, r"INSERT INTO t VALUES (30)").await;
    ok(&mut s, "COMMIT").await;
    ok(&mut s, "CREATE TABLE s (k INT PRIMARY KEY, v TEXT)").await;
    ok(&mut s, r"INSERT INTO s VALUES (1, 'a\\b')").await;
    assert_eq!(errno(&err(&mut s, "INSERT INTO s VALUES (2, 'x'), (1, 'y')").await), 1062);
    assert_eq!(rows(&mut s, "SELECT k, v FROM s").await, [r"1|a\b"]);
    ok(&mut s, "COMMIT").await;
    ok(&mut s, "DELETE FROM t WHERE id = 30").await;
    ok(&mut s, "COMMIT").await;
    ok(&mut s, "COMMIT").await;
    assert!(!s.in_transaction());
    assert_eq!(rows(&mut other, "SELECT id FROM t ORDER BY id").await, ["1", "2", "4"]);
    ok(&mut s, "DELETE FROM t WHERE id = 4").await;
    ok(&mut s, "ROLLBACK").await;
    assert_eq!(rows(&mut s, "SELECT id FROM t ORDER BY id").await, ["1", "2", "4"]);
    ok(&mut s, "ROLLBACK").await;
    ok(&mut s, "SET autocommit = 1").await;
    // BEGIN inside a transaction commits the open one.
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "INSERT INTO t VALUES (5)").await;
    ok(&mut s, "START TRANSACTION WITH CONSISTENT SNAPSHOT").await;
    assert_eq!(rows(&mut other, "SELECT id FROM t WHERE id = 5").await, ["5"]);
    ok(&mut s, "INSERT INTO t VALUES (6)").await;
    // DDL commits implicitly.
    ok(&mut s, "CREATE TABLE u (x INT)").await;
    assert!(!s.in_transaction());
    assert_eq!(rows(&mut other, "SELECT id FROM t WHERE id = 6").await, ["6"]);
    // SET autocommit=1 commits.
    ok(&mut s, "SET autocommit = 0").await;
    ok(&mut s, "INSERT INTO t VALUES (7)").await;
    ok(&mut s, "SET autocommit = 1").await;
    assert!(!s.in_transaction());
    assert_eq!(rows(&mut other, "SELECT id FROM t WHERE id = 7").await, ["7"]);
    // READ ONLY transactions refuse writes.
    ok(&mut s, "START TRANSACTION READ ONLY").await;
    let e = err(&mut s, "INSERT INTO t VALUES (8)").await;
    assert_eq!((errno(&e), e.message.as_str()), (1792, "Cannot execute statement in a READ ONLY transaction"));
    ok(&mut s, "COMMIT").await;
    // Savepoints.
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "INSERT INTO t VALUES (9)").await;
    ok(&mut s, "SAVEPOINT a").await;
    ok(&mut s, "INSERT INTO t VALUES (10)").await;
    ok(&mut s, "ROLLBACK TO SAVEPOINT a").await;
    let e = err(&mut s, "ROLLBACK TO SAVEPOINT nope").await;
    assert_eq!((errno(&e), e.message.as_str()), (1305, "SAVEPOINT nope does not exist"));
    ok(&mut s, "COMMIT").await;
    assert_eq!(rows(&mut other, "SELECT id FROM t WHERE id >= 9").await, ["9"]);
    // COM_RESET_CONNECTION rolls back.
    ok(&mut s, "BEGIN").await;
    ok(&mut s, "INSERT INTO t VALUES (11)").await;
    s.reset().await;
    assert!(!s.in_transaction());
    assert_eq!(rows(&mut other, "SELECT id FROM t WHERE id = 11").await.len(), 0);
}

#[tokio::test]
async fn show_tables_and_columns() {
    let mut s = session().await;
    ok(&mut s, "CREATE DATABASE d1").await;
    ok(&mut s, "USE d1").await;
    ok(&mut s, "CREATE TABLE t1 (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20) UNIQUE, b TEXT, c INT DEFAULT 5, KEY k (c))").await;
    ok(&mut s, "CREATE TABLE t2 (x BIGINT NOT NULL)").await;
    ok(&mut s, "CREATE VIEW v AS SELECT id FROM t1").await;
    assert_eq!(rows(&mut s, "SHOW TABLES").await, ["t1", "t2", "v"]);
    assert_eq!(names(&mut s, "SHOW TABLES").await, ["Tables_in_d1"]);
    assert_eq!(rows(&mut s, "SHOW FULL TABLES").await, ["t1|BASE TABLE", "t2|BASE TABLE", "v|VIEW"]);
    assert_eq!(names(&mut s, "SHOW TABLES LIKE 't%'").await, ["Tables_in_d1 (t%)"]);
    assert_eq!(rows(&mut s, "SHOW TABLES FROM d1 LIKE 't_'").await, ["t1", "t2"]);
    assert_eq!(rows(&mut s, "SHOW TABLES WHERE Tables_in_d1 = 't2'").await, ["t2"]);
    let cols = [
        "id|int|NO|PRI|NULL|auto_increment",
        "name|varchar(20)|YES|UNI|NULL|",
        "b|text|YES||NULL|",
        "c|int|YES|MUL|5|",
    ];
    assert_eq!(rows(&mut s, "SHOW COLUMNS FROM t1").await, cols);
    assert_eq!(rows(&mut s, "DESCRIBE t1").await, cols);
    assert_eq!(rows(&mut s, "DESC d1.t1").await, cols);
    assert_eq!(rows(&mut s, "EXPLAIN t1").await, cols);
    assert_eq!(names(&mut s, "SHOW FIELDS FROM t1").await, ["Field", "Type", "Null", "Key", "Default", "Extra"]);
    assert_eq!(
        rows(&mut s, "SHOW FULL COLUMNS FROM t1 FROM d1 LIKE 'n%'").await,
        ["name|varchar(20)|utf8mb4_0900_ai_ci|YES|UNI|NULL||select,insert,update,references|"]
    );
    assert_eq!(
        rows(&mut s, "SHOW INDEX FROM t1").await,
        [
            "t1|0|PRIMARY|1|id|A|0|NULL|NULL||BTREE|||YES|NULL",
            "t1|0|name|1|name|A|0|NULL|NULL|YES|BTREE|||YES|NULL",
            "t1|1|k|1|c|A|0|NULL|NULL|YES|BTREE|||YES|NULL",
        ]
    );
    assert_eq!(rows(&mut s, "SHOW KEYS FROM t2 FROM d1").await.len(), 0);
    ok(&mut s, "INSERT INTO t1 (name) VALUES ('a'), ('b')").await;
    assert_eq!(
        rows(&mut s, "SHOW CREATE TABLE t1").await,
        ["t1|CREATE TABLE `t1` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `name` varchar(20) DEFAULT NULL,\n  `b` text,\n  \
          `c` int DEFAULT '5',\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `name` (`name`),\n  KEY `k` (`c`)\n) ENGINE=InnoDB \
          AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"]
    );
    assert_eq!(
        rows(&mut s, "SHOW CREATE TABLE t2").await,
        ["t2|CREATE TABLE `t2` (\n  `x` bigint NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"]
    );
    assert_eq!(
        rows(&mut s, "SHOW CREATE DATABASE d1").await,
        ["d1|CREATE DATABASE `d1` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci */ /*!80016 DEFAULT ENCRYPTION='N' */"]
    );
    let v = rows(&mut s, "SHOW CREATE VIEW v").await;
    assert!(v[0].starts_with("v|CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS "), "{v:?}");
    assert_eq!(
        rows(&mut s, "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_NAME = 'v'").await,
        ["id"]
    );
    assert_eq!(rows(&mut s, "SHOW COLUMNS FROM v").await, ["id|int|YES||NULL|"]);
    let e = err(&mut s, "SHOW COLUMNS FROM nope").await;
    assert_eq!((e.code, errno(&e), e.message.as_str()), ("42S02", 1146, "Table 'd1.nope' doesn't exist"));
    let status = rows(&mut s, "SHOW TABLE STATUS LIKE 't1'").await;
    assert_eq!(status.len(), 1);
    assert!(status[0].starts_with("t1|InnoDB|10|Dynamic|"), "{status:?}");
    assert!(status[0].contains("|3|"), "{status:?}");
}

#[tokio::test]
async fn show_server() {
    let mut s = session().await;
    assert_eq!(
        rows(&mut s, "SHOW VARIABLES LIKE 'auto_inc%'").await,
        ["auto_increment_increment|1", "auto_increment_offset|1"]
    );
    assert_eq!(rows(&mut s, "SHOW SESSION VARIABLES LIKE 'AUTOCOMMIT'").await, ["autocommit|ON"]);
    assert_eq!(rows(&mut s, "SHOW GLOBAL VARIABLES WHERE Variable_name = 'version'").await, ["version|8.0.36-Orbit"]);
    assert_eq!(names(&mut s, "SHOW VARIABLES").await, ["Variable_name", "Value"]);
    assert_eq!(rows(&mut s, "SHOW STATUS LIKE 'Threads_connected'").await, ["Threads_connected|1"]);
    assert_eq!(rows(&mut s, "SHOW GLOBAL STATUS LIKE 'Uptime'").await.len(), 1);
    ok(&mut s, "SELECT 1").await;
    let q = rows(&mut s, "SHOW SESSION STATUS LIKE 'Com_select'").await;
    assert_eq!(q, ["Com_select|1"]);
    assert_eq!(rows(&mut s, "SHOW ENGINES").await[0], "InnoDB|DEFAULT|Supports transactions, row-level locking, and foreign keys|YES|YES|YES");
    assert_eq!(rows(&mut s, "SHOW CHARACTER SET LIKE 'utf8mb4'").await, ["utf8mb4|UTF-8 Unicode|utf8mb4_0900_ai_ci|4"]);
    assert_eq!(rows(&mut s, "SHOW COLLATION LIKE 'utf8mb4_bin'").await, ["utf8mb4_bin|utf8mb4|46||Yes|1|PAD SPACE"]);
    assert_eq!(rows(&mut s, "SHOW COLLATION WHERE Collation = 'binary'").await, ["binary|binary|63|Yes|Yes|1|NO PAD"]);
    s.set_connection_id(9);
    let p = rows(&mut s, "SHOW PROCESSLIST").await;
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("9|root|localhost|NULL|Query|"), "{p:?}");
    assert!(p[0].ends_with("|SHOW PROCESSLIST"), "{p:?}");
    assert_eq!(rows(&mut s, "SHOW GRANTS").await, ["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"]);
    assert_eq!(names(&mut s, "SHOW GRANTS").await, ["Grants for root@localhost"]);
    assert_eq!(rows(&mut s, "SHOW MASTER STATUS").await.len(), 0);
    assert_eq!(rows(&mut s, "SHOW PROCEDURE STATUS WHERE Db = 'x'").await.len(), 0);
    assert_eq!(errno(&err(&mut s, "SHOW TRIGGERS").await), 1046);
    assert_eq!(errno(&err(&mut s, "SHOW BINARY LOGS").await), 1381);
    assert_eq!(err(&mut s, "SHOW PRIVILEGES").await.code, "0A000");
    ok(&mut s, "FLUSH PRIVILEGES").await;
    let d = s.describe("SHOW WARNINGS", &[]).await.unwrap();
    assert_eq!(d.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Level", "Code", "Message"]);
    assert!(s.describe("SET @a = 1", &[]).await.unwrap().columns.is_empty());
}

#[tokio::test]
async fn kill() {
    let e = engine().await;
    let mut s = Session::new(e.clone(), "def", "root").unwrap();
    let mut victim = Session::new(e, "def", "root").unwrap();
    victim.set_connection_id(77);
    ok(&mut s, "KILL QUERY 77").await;
    assert!(victim.cancel_flag().load(std::sync::atomic::Ordering::Relaxed));
    assert!(!victim.is_killed());
    ok(&mut s, "KILL 77").await;
    assert!(victim.is_killed());
    let e = err(&mut s, "KILL 12345").await;
    assert_eq!((errno(&e), e.message.as_str()), (1094, "Unknown thread id: 12345"));
}

#[tokio::test]
async fn warnings() {
    let mut s = session().await;
    assert_eq!(s.warning_count(), 0);
    let _ = err(&mut s, "SELECT @@nosuch").await;
    assert_eq!(rows(&mut s, "SHOW WARNINGS").await, ["Error|1193|Unknown system variable 'nosuch'"]);
    assert_eq!(rows(&mut s, "SHOW ERRORS").await, ["Error|1193|Unknown system variable 'nosuch'"]);
    assert_eq!(rows(&mut s, "SHOW COUNT(*) WARNINGS").await, ["1"]);
    assert_eq!(names(&mut s, "SHOW COUNT(*) ERRORS").await, ["@@session.error_count"]);
    assert_eq!(one(&mut s, "SELECT @@warning_count, @@error_count").await, "1|1");
    ok(&mut s, "SELECT 1").await;
    assert_eq!(rows(&mut s, "SHOW WARNINGS").await.len(), 0);
    ok(&mut s, "CREATE DATABASE d").await;
    ok(&mut s, "USE d").await;
    ok(&mut s, "DROP TABLE IF EXISTS nope").await;
    assert_eq!(rows(&mut s, "SHOW WARNINGS").await, ["Note|1051|Unknown table 'd.nope'"]);
    ok(&mut s, "CREATE TABLE t (a INT)").await;
    ok(&mut s, "CREATE TABLE IF NOT EXISTS t (a INT)").await;
    assert_eq!(rows(&mut s, "SHOW WARNINGS").await, ["Note|1050|Table 't' already exists"]);
    let _ = err(&mut s, "SELEC 1").await;
    assert_eq!(s.warning_count(), 1);
    assert!(rows(&mut s, "SHOW WARNINGS").await[0].starts_with("Error|1064|You have an error in your SQL syntax"));
    assert_eq!(names(&mut s, "SHOW WARNINGS").await, ["Level", "Code", "Message"]);
}

#[tokio::test]
async fn information_schema() {
    let mut s = session().await;
    ok(&mut s, "CREATE DATABASE d").await;
    ok(&mut s, "USE d").await;
    ok(&mut s, "CREATE TABLE t (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20) NOT NULL, price DECIMAL(8,2), UNIQUE KEY uq (name))").await;
    assert_eq!(
        rows(&mut s, "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()").await,
        ["def|d|t|BASE TABLE|InnoDB"]
    );
    assert_eq!(
        rows(&mut s, "select table_name from information_schema.tables where table_schema = 'd'").await,
        ["t"]
    );
    assert_eq!(
        rows(&mut s, "SELECT COLUMN_NAME, ORDINAL_POSITION, IS_NULLABLE, DATA_TYPE, COLUMN_TYPE, COLUMN_KEY, EXTRA, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE FROM information_schema.COLUMNS WHERE TABLE_NAME = 't' ORDER BY ORDINAL_POSITION").await,
        [
            "id|1|NO|int|int|PRI|auto_increment|NULL|10|0",
            "name|2|NO|varchar|varchar(20)|UNI||20|NULL|NULL",
            "price|3|YES|decimal|decimal(8,2)|||NULL|8|2",
        ]
    );
    assert_eq!(
        rows(&mut s, "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME").await,
        ["d|utf8mb4", "information_schema|utf8mb3", "mysql|utf8mb4", "performance_schema|utf8mb4", "sys|utf8mb4"]
    );
    assert_eq!(
        rows(&mut s, "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_NAME = 't'").await,
        ["PRIMARY|0|id", "uq|0|name"]
    );
    assert_eq!(
        rows(&mut s, "SELECT CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = 'd'").await,
        ["PRIMARY|PRIMARY KEY", "uq|UNIQUE"]
    );
    assert_eq!(
        rows(&mut s, "SELECT CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_NAME = 't'").await,
        ["PRIMARY|id|1", "uq|name|1"]
    );
    assert_eq!(names(&mut s, "SELECT * FROM information_schema.ENGINES").await[0], "ENGINE");
    assert_eq!(rows(&mut s, "SELECT COLLATION_NAME FROM INFORMATION_SCHEMA.COLLATIONS WHERE ID = 255").await, ["utf8mb4_0900_ai_ci"]);
    let e = err(&mut s, "SELECT * FROM information_schema.nope").await;
    assert_eq!((errno(&e), e.message.as_str()), (1146, "Table 'information_schema.nope' doesn't exist"));
    assert_eq!(
        rows(&mut s, "SELECT VARIABLE_VALUE FROM performance_schema.session_variables WHERE VARIABLE_NAME = 'autocommit'").await,
        ["ON"]
    );
    // pg_catalog is not visible.
    assert!(s.execute_batch("SELECT * FROM pg_catalog.pg_class").await.pop().unwrap().is_err());
    assert!(s.execute_batch("SELECT * FROM pg_class").await.pop().unwrap().is_err());
    // USE information_schema: its relations resolve unqualified.
    ok(&mut s, "USE information_schema").await;
    assert_eq!(rows(&mut s, "SELECT TABLE_NAME FROM TABLES WHERE TABLE_SCHEMA = 'd'").await, ["t"]);
    assert!(rows(&mut s, "SHOW TABLES").await.contains(&"COLUMNS".to_string()));
}

#[tokio::test]
async fn postgres_sessions_are_unchanged() {
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
    let engine = Engine::open(storage).await.unwrap();
    let mut s = Session::new(engine, "postgres", "postgres").unwrap();
    assert!(s.autocommit());
    assert_eq!(s.warning_count(), 0);
    assert_eq!(s.current_database().as_deref(), Some("postgres"));
    assert_eq!(one(&mut s, "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'pg_class'").await, "1");
    let r = s.execute_batch("SELECT @@version").await.pop().unwrap();
    assert!(r.is_err());
}

#[tokio::test]
async fn result_column_names() {
    let mut s = session().await;
    assert_eq!(
        names(&mut s, "SELECT @@session.wait_timeout, @@GLOBAL.wait_timeout, @x, DATABASE(), USER()").await,
        ["@@session.wait_timeout", "@@GLOBAL.wait_timeout", "@x", "DATABASE()", "USER()"]
    );
    assert_eq!(one(&mut s, "SELECT @@sql_select_limit").await, "18446744073709551615");
    let d = s.describe("SELECT @@version_comment LIMIT 1", &[]).await.unwrap();
    assert_eq!(d.columns[0].name, "@@version_comment");
}
