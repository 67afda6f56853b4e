//! Real MySQL clients against Orbit's MySQL listener: the Debian `mariadb` CLI (batch and
//! an interactive session on a pseudo-terminal), PyMySQL and mysql-connector-python (the
//! same program passes on MariaDB 10.11, run here too when it installs), mysql_async and sqlx
//! (binary protocol), logins, durability across restart and kill -9, actor mode, and bad
//! input that must close only its own connection.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use orbit_tests::mariadb::{mariadb_cli, RealMariaDb};
use orbit_tests::server::TestServer;

fn mysql_port(server: &TestServer) -> u16 {
    server.listener_port("--mysql-port")
}

fn skip(test: &str, why: &str) {
    eprintln!("\n!!!! SKIPPED {test}: {why}\n");
}

fn has_cli() -> bool {
    orbit_tests::mariadb::client_binary().is_ok()
}

/// Runs SQL through `mariadb` in batch mode; returns (stdout, stderr, success).
fn cli(port: u16, args: &[&str], sql: &str) -> (String, String, bool) {
    let out = mariadb_cli("127.0.0.1", port, args, sql).unwrap_or_else(|e| panic!("mariadb client: {e}"));
    (out.stdout.clone(), out.stderr.clone(), out.status.success())
}

const BATCH_SESSION: &str = "\
CREATE DATABASE shop;
USE shop;
CREATE TABLE products (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(30) NOT NULL, price DECIMAL(8,2), stock INT UNSIGNED DEFAULT 0);
INSERT INTO products (name, price, stock) VALUES ('tea', 3.50, 10), ('coffee', 7.25, 4), ('cocoa', NULL, 0);
SELECT LAST_INSERT_ID();
SELECT id, name, price, stock FROM products ORDER BY id;
UPDATE products SET stock = stock + 5 WHERE price IS NOT NULL;
SELECT name, stock FROM products WHERE stock > 5 ORDER BY name;
SELECT COUNT(*), SUM(stock) FROM products;
SHOW TABLES;
DELETE FROM products WHERE name = 'cocoa';
SELECT COUNT(*) FROM products;
DROP DATABASE shop;
";

/// The `mariadb` CLI in batch mode prints what it prints against MariaDB 10.11.
#[test]
fn mariadb_cli_batch_session_matches_mariadb() {
    if !has_cli() {
        return skip("mariadb_cli_batch_session_matches_mariadb", "the mariadb client is not installed");
    }
    let server = TestServer::start(&[], &[]);
    let (orbit_out, orbit_err, ok) = cli(mysql_port(&server), &[], BATCH_SESSION);
    assert!(ok, "batch session failed on Orbit:\n{orbit_out}\n{orbit_err}");
    match RealMariaDb::start() {
        Ok(maria) => {
            let (maria_out, maria_err, ok) = cli(maria.port(), &[], BATCH_SESSION);
            assert!(ok, "batch session failed on MariaDB:\n{maria_out}\n{maria_err}");
            assert_eq!(orbit_out, maria_out, "Orbit and MariaDB print different results");
        }
        Err(e) => skip("comparison with MariaDB", &e),
    }
    assert!(orbit_out.contains("Tables_in_shop\nproducts\n"), "{orbit_out}");
}

/// An interactive `mariadb` session on a pseudo-terminal (`script`): the prompt, `status`,
/// `use` with auto-rehash (which reads table and column names), SHOW TABLES, a query.
#[test]
fn mariadb_cli_interactive_session() {
    if !has_cli() || Command::new("script").arg("--version").output().is_err() {
        return skip("mariadb_cli_interactive_session", "the mariadb client or script(1) is not installed");
    }
    let server = TestServer::start(&[], &[]);
    let port = mysql_port(&server);
    let (_, err, ok) = cli(port, &[], "CREATE DATABASE app; CREATE TABLE app.users (id INT PRIMARY KEY, login VARCHAR(20));\nINSERT INTO app.users VALUES (1, 'ada'), (2, 'bob');\n");
    assert!(ok, "{err}");
    let client = orbit_tests::mariadb::client_binary().expect("client");
    let command = format!("{} -h 127.0.0.1 -P {port} -u root --auto-rehash", client.display());
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script");
    let mut stdin = child.stdin.take().expect("stdin");
    for line in ["status", "use app", "show tables;", "select login from users order by id;", "quit"] {
        stdin.write_all(line.as_bytes()).expect("type");
        stdin.write_all(b"\n").expect("type");
        std::thread::sleep(Duration::from_millis(400));
    }
    drop(stdin);
    let out = child.wait_with_output().expect("session ends");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert!(!text.contains("ERROR"), "{text}");
    assert!(text.contains("Server version:") && text.contains("8.0.36-Orbit"), "{text}");
    assert!(text.contains("Database changed"), "{text}");
    assert!(text.contains("Tables_in_app") && text.contains("users"), "{text}");
    assert!(text.contains("ada") && text.contains("bob"), "{text}");
    assert!(text.contains("Protocol version:"), "status output missing:\n{text}");
}

fn python_has(module: &str) -> bool {
    Command::new("python3").args(["-c", &format!("import {module}")]).status().is_ok_and(|s| s.success())
}

fn run_python_session(driver: &str, port: u16) -> Result<(), String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/mysql_session.py");
    let out = Command::new("python3").arg(&script).args([driver, "127.0.0.1", &port.to_string()]).output().expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stdout.contains("mysql session ok") {
        Ok(())
    } else {
        Err(format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// PyMySQL and mysql-connector-python (pure Python, prepared cursor) run the same
/// application session on Orbit as on MariaDB.
#[test]
fn python_drivers_run_a_session() {
    let server = TestServer::start(&[], &[]);
    let maria = RealMariaDb::start();
    for (driver, module) in [("pymysql", "pymysql"), ("connector", "mysql.connector")] {
        if !python_has(module) {
            skip("python_drivers_run_a_session", &format!("python3 cannot import {module} (pip install PyMySQL mysql-connector-python)"));
            continue;
        }
        if let Ok(maria) = &maria {
            run_python_session(driver, maria.port()).unwrap_or_else(|e| panic!("{driver} on MariaDB:\n{e}"));
        }
        run_python_session(driver, mysql_port(&server)).unwrap_or_else(|e| panic!("{driver} on Orbit:\n{e}"));
    }
}

/// mysql_async: text queries, server-side prepared statements with typed parameters and
/// binary rows, a transaction, error numbers.
#[tokio::test]
async fn mysql_async_prepared_statements_and_errors() {
    use mysql_async::prelude::*;
    let server = TestServer::start(&[], &[]);
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname("127.0.0.1")
        .tcp_port(mysql_port(&server))
        .user(Some("root"))
        .prefer_socket(false);
    let mut conn = mysql_async::Conn::new(opts).await.expect("connect");
    conn.query_drop("CREATE DATABASE rs").await.expect("create database");
    conn.query_drop("USE rs").await.expect("use");
    conn.query_drop("CREATE TABLE kv (k VARCHAR(20) PRIMARY KEY, v BIGINT, d DOUBLE, at DATETIME)").await.expect("create");
    let insert = conn.prep("INSERT INTO kv (k, v, d, at) VALUES (?, ?, ?, ?)").await.expect("prepare");
    for i in 0..5i64 {
        conn.exec_drop(&insert, (format!("key{i}"), i * 10, i as f64 / 2.0, "2024-05-06 07:08:09")).await.expect("insert");
    }
    let rows: Vec<(String, i64, f64)> =
        conn.exec("SELECT k, v, d FROM kv WHERE v >= ? ORDER BY k", (20,)).await.expect("select");
    assert_eq!(rows, vec![("key2".into(), 20, 1.0), ("key3".into(), 30, 1.5), ("key4".into(), 40, 2.0)]);
    let at: Option<String> = conn.exec_first("SELECT CAST(at AS CHAR) FROM kv WHERE k = ?", ("key1",)).await.expect("at");
    assert_eq!(at.as_deref(), Some("2024-05-06 07:08:09"));
    let count: Option<i64> = conn.query_first("SELECT COUNT(*) FROM kv").await.expect("count");
    assert_eq!(count, Some(5));
    let err = conn.exec_drop(&insert, ("key1", 1, 1.0, "2024-01-01 00:00:00")).await.expect_err("duplicate");
    match err {
        mysql_async::Error::Server(e) => assert_eq!((e.code, e.state.as_str()), (1062, "23000"), "{e:?}"),
        other => panic!("expected a server error, got {other:?}"),
    }
    let err = conn.query_drop("SELEC 1").await.expect_err("syntax");
    assert!(matches!(&err, mysql_async::Error::Server(e) if e.code == 1064), "{err:?}");
    let mut tx = conn.start_transaction(Default::default()).await.expect("begin");
    tx.exec_drop("DELETE FROM kv WHERE k = ?", ("key0",)).await.expect("delete");
    tx.rollback().await.expect("rollback");
    let count: Option<i64> = conn.query_first("SELECT COUNT(*) FROM kv").await.expect("count");
    assert_eq!(count, Some(5), "the rolled-back delete is undone");
    conn.disconnect().await.expect("disconnect");
}

/// Configured accounts and CREATE USER log in with their password (also after a
/// restart); a wrong one is ERR 1045 with MySQL's text.
#[test]
fn logins_check_passwords() {
    if !has_cli() {
        return skip("logins_check_passwords", "the mariadb client is not installed");
    }
    let mut server = TestServer::start(&["--mysql-users", "alice=s3cret"], &[]);
    let port = mysql_port(&server);
    let (out, err, ok) = cli(port, &["-u", "alice", "-ps3cret"], "SELECT 1 + 1;");
    assert!(ok && out.contains('2'), "{out}{err}");
    let (_, err, ok) = cli(port, &["-u", "alice", "-pwrong"], "SELECT 1;");
    assert!(!ok, "a wrong password logged in");
    assert!(err.contains("ERROR 1045 (28000): Access denied for user 'alice'@'localhost' (using password: YES)"), "{err}");
    let (_, err, ok) = cli(port, &["-u", "root"], "SELECT 1;");
    assert!(!ok && err.contains("ERROR 1045"), "root without password must fail once accounts exist: {err}");
    let (_, err, ok) = cli(port, &["-u", "alice", "-ps3cret"], "CREATE USER 'bob'@'%' IDENTIFIED BY 'pw2';");
    assert!(ok, "{err}");
    server.restart();
    let port = mysql_port(&server);
    let (out, err, ok) = cli(port, &["-u", "bob", "-ppw2"], "SELECT 'bob in';");
    assert!(ok && out.contains("bob in"), "{out}{err}");
    let (_, err, ok) = cli(port, &["-u", "bob", "-pnope"], "SELECT 1;");
    assert!(!ok && err.contains("ERROR 1045"), "{err}");
}

/// Every acknowledged write is there after a restart and after kill -9.
#[test]
fn data_survives_restart_and_kill9() {
    if !has_cli() {
        return skip("data_survives_restart_and_kill9", "the mariadb client is not installed");
    }
    let mut server = TestServer::start(&[], &[]);
    let (_, err, ok) = cli(
        mysql_port(&server),
        &[],
        "CREATE DATABASE durable; CREATE TABLE durable.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10));\n\
         INSERT INTO durable.t (v) VALUES ('a'), ('b');",
    );
    assert!(ok, "{err}");
    server.restart();
    let (_, err, ok) = cli(mysql_port(&server), &[], "INSERT INTO durable.t (v) VALUES ('c');");
    assert!(ok, "{err}");
    let status = server.kill9();
    assert!(!status.success());
    server.restart();
    let (out, err, ok) = cli(mysql_port(&server), &["-N"], "SELECT id, v FROM durable.t ORDER BY id;");
    assert!(ok, "{err}");
    assert_eq!(out, "1\ta\n2\tb\n3\tc\n");
    let (out, _, _) = cli(mysql_port(&server), &["-N"], "INSERT INTO durable.t (v) VALUES ('d'); SELECT LAST_INSERT_ID();");
    assert_eq!(out, "4\n", "AUTO_INCREMENT continues after kill -9");
}

/// ORBIT_MYSQL_MODE=actor serves SQL from actor-held memory: gone after a restart.
#[test]
fn actor_mode_serves_mysql_in_memory() {
    if !has_cli() {
        return skip("actor_mode_serves_mysql_in_memory", "the mariadb client is not installed");
    }
    let mut server = TestServer::start(&[], &[("ORBIT_MYSQL_MODE", "actor")]);
    let (out, err, ok) =
        cli(mysql_port(&server), &["-N"], "CREATE DATABASE a; CREATE TABLE a.t (x INT PRIMARY KEY); INSERT INTO a.t VALUES (1),(2); SELECT SUM(x) FROM a.t;");
    assert!(ok, "{err}");
    assert_eq!(out, "3\n");
    assert!(!server.data_dir().join("mysql").exists(), "actor mode has no directory");
    server.restart();
    let (_, err, ok) = cli(mysql_port(&server), &[], "SELECT * FROM a.t;");
    assert!(!ok && err.contains("ERROR 1049") || err.contains("ERROR 1146"), "{err}");
}

fn read_packet(stream: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).ok()?;
    let len = usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).ok()?;
    Some((header[3], body))
}

fn closed(stream: &mut TcpStream) -> bool {
    stream.set_read_timeout(Some(Duration::from_secs(15))).expect("timeout");
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
}

/// Garbage, an oversize packet length, a truncated packet and a handshake that never
/// finishes each end only their own connection; hostile prepared-statement parameters
/// are refused on a connection that goes on; the stored data is untouched.
#[test]
fn bad_input_closes_only_that_connection() {
    if !has_cli() {
        return skip("bad_input_closes_only_that_connection", "the mariadb client is not installed");
    }
    let server = TestServer::start(&["--mysql-max-allowed-packet", "1048576"], &[]);
    let port = mysql_port(&server);
    let (_, err, ok) = cli(port, &[], "CREATE DATABASE safe; CREATE TABLE safe.t (a INT PRIMARY KEY); INSERT INTO safe.t VALUES (1);");
    assert!(ok, "{err}");

    // Garbage instead of a handshake response.
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let (_, greeting) = read_packet(&mut s).expect("greeting");
    assert_eq!(greeting[0], 10, "protocol version 10");
    s.write_all(&[0x05, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 0x00]).expect("write");
    assert!(closed(&mut s), "garbage handshake left the connection open");

    // A packet header declaring more than max_allowed_packet: ERR 1153, then closed.
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    read_packet(&mut s).expect("greeting");
    s.write_all(&[0xff, 0xff, 0x7f, 1]).expect("write");
    let (_, err_packet) = read_packet(&mut s).expect("an ERR packet");
    assert_eq!(err_packet[0], 0xff, "{err_packet:?}");
    assert_eq!(u16::from_le_bytes([err_packet[1], err_packet[2]]), 1153);
    assert!(closed(&mut s));

    // A truncated packet, then the client goes away.
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    read_packet(&mut s).expect("greeting");
    s.write_all(&[100, 0, 0, 1, 1, 2, 3]).expect("write");
    drop(s);

    // A handshake that never finishes is closed by the server.
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    read_packet(&mut s).expect("greeting");
    assert!(closed(&mut s), "an idle handshake was never closed");

    // Prepared-statement input at its limits, on a logged-in connection that survives it:
    // a TIME parameter of u32::MAX days, long data past max_allowed_packet, a truncated
    // COM_STMT_CLOSE.
    let mut s = login_as_root(port);
    s.write_all(&packet(0, b"\x16SELECT ?")).expect("write");
    let (_, ok) = read_packet(&mut s).expect("COM_STMT_PREPARE answer");
    assert_eq!(ok[0], 0x00, "{ok:?}");
    let id = [ok[1], ok[2], ok[3], ok[4]];
    for _ in 0..2 {
        read_packet(&mut s).expect("parameter and column definitions");
    }
    let execute = |types: &[u8], value: &[u8]| {
        let mut p = vec![0x17, id[0], id[1], id[2], id[3], 0, 1, 0, 0, 0, 0x00, 0x01];
        p.extend(types);
        p.extend(value);
        packet(0, &p)
    };
    s.write_all(&execute(&[11, 0], &[8, 0, 0xFF, 0xFF, 0xFF, 0xFF, 23, 0, 0])).expect("write");
    let (_, answer) = read_packet(&mut s).expect("the connection survived a TIME of u32::MAX days");
    if answer[0] != 0xFF {
        for _ in 0..3 {
            read_packet(&mut s).expect("column, row, end of result set");
        }
    }
    let mut long_data = vec![0x18, id[0], id[1], id[2], id[3], 0, 0];
    long_data.extend(vec![b'x'; 600 * 1024]);
    let long_data = packet(0, &long_data);
    s.write_all(&long_data).expect("write");
    s.write_all(&long_data).expect("write");
    s.write_all(&execute(&[252, 0], &[])).expect("write");
    let (_, err_packet) = read_packet(&mut s).expect("an ERR packet");
    assert_eq!(err_packet[0], 0xff, "{err_packet:?}");
    assert_eq!(u16::from_le_bytes([err_packet[1], err_packet[2]]), 1105);
    // A command whose arguments are cut short: ERR 1835, and the session goes on.
    s.write_all(&packet(0, &[0x19, 1, 0])).expect("write");
    let (_, err_packet) = read_packet(&mut s).expect("an ERR packet");
    assert_eq!(err_packet[0], 0xff, "{err_packet:?}");
    assert_eq!(u16::from_le_bytes([err_packet[1], err_packet[2]]), 1835);
    s.write_all(&packet(0, &[0x0e])).expect("write");
    let (_, pong) = read_packet(&mut s).expect("COM_PING answer");
    assert_eq!(pong[0], 0x00, "{pong:?}");

    let (out, err, ok) = cli(port, &["-N"], "SELECT a FROM safe.t;");
    assert!(ok, "{err}");
    assert_eq!(out, "1\n");
}

/// One packet: three bytes of length, the sequence id, the payload.
fn packet(seq: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = (payload.len() as u32).to_le_bytes()[..3].to_vec();
    out.push(seq);
    out.extend(payload);
    out
}

/// A raw connection logged in as root without a password (CLIENT_PROTOCOL_41,
/// SECURE_CONNECTION, PLUGIN_AUTH, DEPRECATE_EOF).
fn login_as_root(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    read_packet(&mut s).expect("greeting");
    let caps: u32 = 0x200 | 0x8000 | 0x8_0000 | 0x100_0000;
    let mut hello = caps.to_le_bytes().to_vec();
    hello.extend((1u32 << 24).to_le_bytes());
    hello.push(45);
    hello.extend([0; 23]);
    hello.extend(b"root\0\0mysql_native_password\0");
    s.write_all(&packet(1, &hello)).expect("write");
    let (_, ok) = read_packet(&mut s).expect("login answer");
    assert_eq!(ok[0], 0x00, "login refused: {ok:?}");
    s
}

/// sqlx (MySQL driver): the same Rust application session passes on MariaDB 10.11 and on
/// Orbit — connect with sqlx's own session SET, prepared statements with binary rows,
/// typed decoding (INT UNSIGNED as u32, BOOLEAN as bool, DATETIME as chrono), error
/// numbers, transactions.
#[test]
fn sqlx_runs_a_session() {
    let program = crate::client_programs::client_program("sqlx-session", "orbit-sqlx-session")
        .unwrap_or_else(|e| panic!("building the sqlx client failed: {e}"));
    let run = |port: u16| {
        let out = Command::new(&program).arg(port.to_string()).output().expect("run the sqlx client");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success() && stdout.contains("sqlx session ok"),
            "sqlx session failed on port {port}:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    match RealMariaDb::start() {
        Ok(maria) => run(maria.port()),
        Err(e) => skip("sqlx_runs_a_session (MariaDB part)", &e),
    }
    let server = TestServer::start(&[], &[]);
    run(mysql_port(&server));
}

/// MariaDB Connector/J (Debian's libmariadb-java) with server-side prepared statements:
/// the same JDBC program passes on MariaDB 10.11 (run here too when it installs).
#[test]
fn jdbc_runs_a_session() {
    let jar = Path::new("/usr/share/java/mariadb-java-client.jar");
    let javac = Command::new("javac").arg("-version").output().is_ok_and(|o| o.status.success());
    if !jar.is_file() || !javac {
        return skip("jdbc_runs_a_session", "needs javac and /usr/share/java/mariadb-java-client.jar (apt-get install libmariadb-java)");
    }
    let classes = tempfile::tempdir().expect("temp dir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/MysqlJdbcSession.java");
    let out = Command::new("javac").arg("-d").arg(classes.path()).arg(&source).output().expect("run javac");
    assert!(out.status.success(), "javac: {}", String::from_utf8_lossy(&out.stderr));
    let classpath = format!("{}:{}", classes.path().display(), jar.display());
    let run = |port: u16| {
        let out = Command::new("java").args(["-cp", &classpath, "MysqlJdbcSession", &port.to_string()]).output().expect("java");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success() && stdout.contains("jdbc session ok"),
            "JDBC session failed on port {port}:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    if let Ok(maria) = RealMariaDb::start() {
        run(maria.port());
    }
    let server = TestServer::start(&[], &[]);
    run(mysql_port(&server));
}
