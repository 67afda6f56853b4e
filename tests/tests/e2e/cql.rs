//! Real CQL clients against Orbit's CQL listener: cqlsh 6.2 (PyPI) driven by `-e`
//! scripts, and cassandra-driver (PyPI) with default protocol negotiation, prepared
//! statements, paging and batches; durability across kill -9. The clients live in the
//! virtualenv the test command makes (`ORBIT_CQL_VENV`, default
//! `~/.cache/orbit-venv-cql`); without it the tests skip loudly.

use std::path::PathBuf;
use std::process::Command;

use orbit_tests::server::TestServer;

fn skip(test: &str, why: &str) {
    eprintln!("\n!!!! SKIPPED {test}: {why}\n");
}

fn venv() -> PathBuf {
    match std::env::var_os("ORBIT_CQL_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/orbit-venv-cql"),
    }
}

fn cqlsh_binary() -> Option<PathBuf> {
    let path = venv().join("bin/cqlsh");
    path.exists().then_some(path)
}

fn cql_port(server: &TestServer) -> u16 {
    server.listener_port("--cql-port")
}

/// Runs `cqlsh 127.0.0.1 PORT -e SCRIPT`; returns (stdout, stderr, success).
fn cqlsh(port: u16, script: &str) -> (String, String, bool) {
    let binary = cqlsh_binary().expect("cqlsh installed");
    let out = Command::new(binary)
        .args(["127.0.0.1", &port.to_string(), "--connect-timeout", "20", "--request-timeout", "20", "-e", script])
        .env("CQLSH_NO_BUNDLED", "TRUE")
        .output()
        .expect("run cqlsh");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

fn scylla_venv() -> PathBuf {
    match std::env::var_os("ORBIT_SCYLLA_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/orbit-venv-scylla"),
    }
}

fn python_client(script: &str, port: u16, extra: &[&str]) -> (String, String, bool) {
    python_in(&venv(), script, port, extra)
}

fn python_in(venv: &std::path::Path, script: &str, port: u16, extra: &[&str]) -> (String, String, bool) {
    let python = venv.join("bin/python");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients").join(script);
    let out =
        Command::new(python).arg(path).args(["127.0.0.1", &port.to_string()]).args(extra).output().expect("run python");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// cqlsh connects (it reads system.local, system.peers and system_schema on connect),
/// creates a keyspace and a table, writes and reads rows and prints them as it prints
/// Cassandra 4.1's answers.
#[test]
fn cqlsh_session_creates_writes_and_reads() {
    if cqlsh_binary().is_none() {
        return skip("cqlsh_session_creates_writes_and_reads", "cqlsh is not installed in the CQL virtualenv");
    }
    let server = TestServer::start(&[], &[]);
    let port = cql_port(&server);
    let (out, err, ok) = cqlsh(
        port,
        "CREATE KEYSPACE shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};\n\
         CREATE TABLE shop.items (cat text, id int, name text, PRIMARY KEY (cat, id));\n\
         INSERT INTO shop.items (cat, id, name) VALUES ('tea', 2, 'green');\n\
         INSERT INTO shop.items (cat, id, name) VALUES ('tea', 1, 'black');\n\
         SELECT cat, id, name FROM shop.items WHERE cat = 'tea';",
    );
    assert!(ok, "cqlsh failed:\n{out}\n{err}");
    // cqlsh's table: a header, a rule, rows in clustering order, the row count. cqlsh 6.2
    // first warns that it was built against 5.0.0, as it does for every 4.1 server.
    assert!(out.starts_with("WARNING: cqlsh was built against 5.0.0, but this server is 4.1."), "{out}");
    let lines: Vec<&str> = out.lines().skip(1).map(str::trim_end).filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines,
        [" cat | id | name", "-----+----+-------", " tea |  1 | black", " tea |  2 | green", "(2 rows)"],
        "{out}"
    );
    // cqlsh 6 sends DESCRIBE to a 4.x server and prints its create_statement; the text
    // has the layout of Cassandra 4.1's DescribeStatementTest expectations.
    let (out, err, ok) = cqlsh(port, "DESCRIBE TABLE shop.items;");
    assert!(ok, "cqlsh DESCRIBE failed:\n{out}\n{err}");
    assert!(
        out.contains(
            "CREATE TABLE shop.items (\n    cat text,\n    id int,\n    name text,\n    PRIMARY KEY (cat, id)\n) WITH CLUSTERING ORDER BY (id ASC)\n    AND additional_write_policy = '99p'\n"
        ) && out.contains("    AND speculative_retry = '99p';"),
        "{out}"
    );
}

/// cassandra-driver negotiates v5, prepares, pages with fetch_size 3 and batches.
#[test]
fn cassandra_driver_session() {
    if cqlsh_binary().is_none() {
        return skip("cassandra_driver_session", "cassandra-driver is not installed in the CQL virtualenv");
    }
    let mut server = TestServer::start(&[], &[]);
    let port = cql_port(&server);
    let (out, err, ok) = python_client("cassandra_session.py", port, &[]);
    assert!(ok, "cassandra-driver session failed:\n{out}\n{err}");
    assert_eq!(out, SESSION_LINES, "stderr:\n{err}");

    // Every acknowledged write survives kill -9.
    server.kill9();
    server.restart();
    let (out, err, ok) = cqlsh(cql_port(&server), "SELECT id, name FROM shop.items WHERE cat = 'cocoa';");
    assert!(ok, "cqlsh after kill -9 failed:\n{out}\n{err}");
    assert!(out.contains("  1 | dark") && out.contains("  2 | milk") && out.contains("(2 rows)"), "{out}");
}

/// scylla-driver (ScyllaDB's fork of the Python driver) runs the same session unchanged.
#[test]
fn scylla_driver_session() {
    let venv = scylla_venv();
    if !venv.join("bin/python").exists() {
        return skip("scylla_driver_session", "scylla-driver is not installed in its virtualenv");
    }
    let server = TestServer::start(&[], &[]);
    let (out, err, ok) = python_in(&venv, "cassandra_session.py", cql_port(&server), &[]);
    assert!(ok, "scylla-driver session failed:\n{out}\n{err}");
    assert_eq!(out, SESSION_LINES, "stderr:\n{err}");
}

/// What cassandra_session.py prints against a Cassandra 4.1 node (Cassandra's semantics
/// for each statement: DESC clustering order, counters, LWT results).
const SESSION_LINES: &str = "protocol_version 5\n\
                    release_version 4\n\
                    tea ids [7, 6, 5, 4, 3, 2, 1] pages 3\n\
                    coffee 1 espresso None\n\
                    cocoa [(2, 'milk'), (1, 'dark')]\n\
                    tea count 6\n\
                    hits 2\n\
                    lwt insert False tea-1\n\
                    lwt update True\n\
                    people ['a', 'b'] [('x', 1), ('y', 2)] Main 7\n";

/// With `--cql-users` the listener asks for PasswordAuthenticator's SASL PLAIN: the
/// right password logs in, a wrong one is refused with AuthenticationFailed (0x0100).
#[test]
fn cassandra_driver_password_authentication() {
    if cqlsh_binary().is_none() {
        return skip(
            "cassandra_driver_password_authentication",
            "cassandra-driver is not installed in the CQL virtualenv",
        );
    }
    let server = TestServer::start(&["--cql-users", "app=s3cret"], &[]);
    let port = cql_port(&server);
    let (out, err, ok) = python_client("cassandra_session.py", port, &["app", "s3cret"]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(out, "logged in local\n", "stderr:\n{err}");
    let (out, err, ok) = python_client("cassandra_session.py", port, &["app", "wrong"]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(out, "refused AuthenticationFailed\n", "stderr:\n{err}");
    // A role made with CREATE ROLE logs in; it is no superuser, so it may not make roles.
    let create = "CREATE ROLE ann WITH PASSWORD = 'pw' AND LOGIN = true";
    let (out, err, ok) = python_client("cassandra_session.py", port, &["app", "s3cret", create]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(out, "logged in local\nran\n", "stderr:\n{err}");
    let (out, err, ok) = python_client("cassandra_session.py", port, &["ann", "pw", "CREATE ROLE eve"]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(out, "logged in local\nerror Unauthorized\n", "stderr:\n{err}");
    let (out, err, ok) = python_client("cassandra_session.py", port, &["ann", "nope"]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(out, "refused AuthenticationFailed\n", "stderr:\n{err}");
}

/// ORBIT_CQL_MODE=actor serves CQL from actor-held memory: no data/cql directory, and
/// the keyspace is gone after a restart.
#[test]
fn actor_mode_serves_cql_in_memory() {
    if cqlsh_binary().is_none() {
        return skip("actor_mode_serves_cql_in_memory", "cqlsh is not installed in the CQL virtualenv");
    }
    let mut server = TestServer::start(&[], &[("ORBIT_CQL_MODE", "actor")]);
    let (out, err, ok) = cqlsh(
        cql_port(&server),
        "CREATE KEYSPACE a WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};\n\
         CREATE TABLE a.t (k int PRIMARY KEY, v int);\n\
         INSERT INTO a.t (k, v) VALUES (1, 10);\n\
         SELECT v FROM a.t WHERE k = 1;",
    );
    assert!(ok, "{out}\n{err}");
    assert!(out.contains(" 10") && out.contains("(1 rows)"), "{out}");
    assert!(!server.data_dir().join("cql").exists(), "actor mode has no directory");
    server.restart();
    let (out, err, _) = cqlsh(cql_port(&server), "SELECT v FROM a.t WHERE k = 1;");
    assert!(err.contains("Keyspace a does not exist") || err.contains("does not exist"), "{out}\n{err}");
}

/// cqlsh `-f` runs a file; cqlsh's own COPY FROM (prepared inserts in batches) loads a
/// CSV and COPY TO (token-range SELECTs) writes it back out.
#[test]
fn cqlsh_file_with_copy_from_and_to() {
    let Some(binary) = cqlsh_binary() else {
        return skip("cqlsh_file_with_copy_from_and_to", "cqlsh is not installed in the CQL virtualenv");
    };
    let server = TestServer::start(&[], &[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.csv");
    let output = dir.path().join("out.csv");
    let rows: String = (1..=250).map(|i| format!("{i},name-{i}\n")).collect();
    std::fs::write(&input, &rows).expect("write csv");
    let script = dir.path().join("load.cql");
    std::fs::write(
        &script,
        format!(
            "CREATE KEYSPACE k WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}};\n\
             CREATE TABLE k.t (id int PRIMARY KEY, v text);\n\
             COPY k.t (id, v) FROM '{}';\n\
             SELECT count(*) FROM k.t;\n\
             COPY k.t (id, v) TO '{}';\n",
            input.display(),
            output.display()
        ),
    )
    .expect("write script");
    let out = Command::new(binary)
        .args(["127.0.0.1", &cql_port(&server).to_string(), "--request-timeout", "30", "-f"])
        .arg(&script)
        .output()
        .expect("run cqlsh");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("250 rows imported from 1 files"), "{stdout}\n{stderr}");
    assert!(stdout.contains("\n   250\n"), "count(*) as cqlsh prints it:\n{stdout}");
    assert!(stdout.contains("250 rows exported to 1 files"), "{stdout}\n{stderr}");
    let mut exported: Vec<String> =
        std::fs::read_to_string(&output).expect("read export").lines().map(String::from).collect();
    exported.sort_by_key(|l| l.split(',').next().and_then(|n| n.parse::<u32>().ok()));
    let expected: Vec<String> = rows.lines().map(String::from).collect();
    assert_eq!(exported, expected);
}

/// ScyllaDB's Rust driver (the `scylla` crate, protocol v4) runs an application session
/// unchanged: SessionBuilder with its schema metadata, prepared statements with bound
/// values and collections, paging with page size 3, a logged batch, counters, LWT
/// `[applied]` results, USE.
#[test]
fn scylla_rust_crate_session() {
    let program = crate::client_programs::client_program("scylla-session", "orbit-scylla-session")
        .unwrap_or_else(|e| panic!("building the scylla client failed: {e}"));
    let server = TestServer::start(&[], &[]);
    let out = Command::new(&program)
        .args(["session", &format!("127.0.0.1:{}", cql_port(&server))])
        .output()
        .expect("run the scylla client");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && stdout.lines().any(|l| l == "ok"),
        "scylla crate session failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
