//! PostgreSQL authentication, TLS and limits end to end: the real orbit-server with
//! `--postgres-auth-method`, configured users, roles made with CREATE/ALTER ROLE, a
//! self-signed certificate made by the openssl command at test time, and the limits
//! (max_connections, statement_timeout, idle_in_transaction_session_timeout), driven by
//! tokio-postgres and psql.

use orbit_tests::server::TestServer;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

fn pg_port(server: &TestServer) -> u16 {
    server.listener_port("--postgres-port")
}

fn conninfo(server: &TestServer, user: &str, password: &str) -> String {
    format!("host=127.0.0.1 port={} user={user} password='{password}' dbname=postgres", pg_port(server))
}

async fn try_connect(server: &TestServer, user: &str, password: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(&conninfo(server, user, password), NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

async fn connect(server: &TestServer, user: &str, password: &str) -> Client {
    try_connect(server, user, password).await.unwrap_or_else(|e| panic!("login as {user}: {e:?}"))
}

fn code(error: &tokio_postgres::Error) -> SqlState {
    error.code().cloned().unwrap_or_else(|| panic!("error without SQLSTATE: {error:?}"))
}

async fn current_user(client: &Client) -> (String, String) {
    let row = client.query_one("SELECT current_user, session_user", &[]).await.expect("current_user");
    (row.get(0), row.get(1))
}

fn start(method: &str, extra: &[&str]) -> TestServer {
    let mut args = vec!["--postgres-auth-method", method, "--postgres-users", "alice=secret"];
    args.extend_from_slice(extra);
    TestServer::start(&args, &[])
}

fn psql_available() -> bool {
    Command::new("psql").arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
}

/// psql with a connection string; returns (success, stdout, stderr).
fn psql(conninfo: &str, password: Option<&str>, sql: &str) -> (bool, String, String) {
    let mut cmd = Command::new("psql");
    cmd.args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql])
        .env("PGCONNECT_TIMEOUT", "10")
        .env_remove("PGPASSWORD")
        .env_remove("PGSERVICE")
        .env_remove("PGSSLMODE");
    if let Some(password) = password {
        cmd.env("PGPASSWORD", password);
    }
    let out = cmd.output().expect("run psql");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn psql_conninfo(server: &TestServer, user: &str, sslmode: &str) -> String {
    format!("host=127.0.0.1 port={} user={user} dbname=postgres sslmode={sslmode}", pg_port(server))
}

/// A self-signed certificate and key made with the openssl command (None when it is
/// not installed).
fn self_signed(dir: &Path) -> Option<(String, String)> {
    let cert = dir.join("server.crt");
    let key = dir.join("server.key");
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some((cert.display().to_string(), key.display().to_string()))
}

fn any_file_contains(dir: &Path, needle: &[u8]) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            any_file_contains(&path, needle)
        } else {
            std::fs::read(&path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        }
    })
}

#[tokio::test]
async fn every_method_accepts_the_right_password_and_refuses_a_wrong_one() {
    for method in ["password", "md5", "scram-sha-256"] {
        let server = start(method, &[]);
        let alice = connect(&server, "alice", "secret").await;
        assert_eq!(current_user(&alice).await, ("alice".to_string(), "alice".to_string()), "{method}");
        let e =
            try_connect(&server, "alice", "wrong").await.err().unwrap_or_else(|| panic!("{method}: wrong accepted"));
        assert_eq!(code(&e), SqlState::INVALID_PASSWORD, "{method}: {e:?}");
        let db = e.as_db_error().expect("db error");
        assert_eq!(db.message(), "password authentication failed for user \"alice\"");
        assert_eq!(db.severity(), "FATAL");
        let e = try_connect(&server, "mallory", "secret").await.err().expect("unknown user refused");
        assert_eq!(code(&e), SqlState::INVALID_PASSWORD, "{method}: unknown users get the same answer");
        // The bootstrap superuser has no password until one is configured.
        let e = try_connect(&server, "postgres", "").await.err().expect("no password, no login");
        assert!(e.code().is_none() || code(&e) == SqlState::INVALID_PASSWORD, "{method}: {e:?}");
    }
}

#[tokio::test]
async fn trust_stays_the_default() {
    let server = TestServer::start(&[], &[]);
    let client = connect(&server, "anyone", "").await;
    assert_eq!(current_user(&client).await.0, "anyone");
    client.batch_execute("CREATE ROLE nologin_role").await.expect("create role");
    let e = try_connect(&server, "nologin_role", "").await.err().expect("NOLOGIN refused");
    assert_eq!(code(&e), SqlState::INVALID_AUTHORIZATION_SPECIFICATION);
    assert_eq!(e.as_db_error().unwrap().message(), "role \"nologin_role\" is not permitted to log in");
}

#[tokio::test]
async fn roles_from_sql_log_in_change_password_and_survive_a_restart() {
    let mut server = start("scram-sha-256", &[]);
    let alice = connect(&server, "alice", "secret").await;
    alice.batch_execute("CREATE USER bob WITH PASSWORD 'b0b'").await.expect("create user");
    alice.batch_execute("CREATE ROLE carol LOGIN PASSWORD 'c4rol' CREATEDB").await.expect("create role");
    alice.batch_execute("CREATE ROLE dave PASSWORD 'd'").await.expect("create role without login");
    let e = alice.batch_execute("CREATE ROLE bob").await.expect_err("duplicate");
    assert_eq!(code(&e), SqlState::DUPLICATE_OBJECT);

    let bob = connect(&server, "bob", "b0b").await;
    assert_eq!(current_user(&bob).await.0, "bob");
    let e = try_connect(&server, "dave", "d").await.err().expect("NOLOGIN");
    assert_eq!(code(&e), SqlState::INVALID_AUTHORIZATION_SPECIFICATION);

    // A role changes its own password; a non-superuser cannot create roles.
    bob.batch_execute("ALTER USER bob PASSWORD 'n3w'").await.expect("own password");
    let e = bob.batch_execute("CREATE ROLE eve").await.expect_err("no CREATEROLE");
    assert_eq!(code(&e), SqlState::INSUFFICIENT_PRIVILEGE);
    assert_eq!(
        code(&try_connect(&server, "bob", "b0b").await.err().expect("old password")),
        SqlState::INVALID_PASSWORD
    );
    connect(&server, "bob", "n3w").await;

    // Passwords are stored as SCRAM verifiers, never in clear (not even in the WAL).
    alice.batch_execute("CREATE ROLE secretive LOGIN PASSWORD 'Clear-Text-Zq8Kx1'").await.expect("create");
    assert!(!any_file_contains(server.data_dir(), b"Clear-Text-Zq8Kx1"), "a password in clear on disk");
    assert!(any_file_contains(server.data_dir(), b"SCRAM-SHA-256$4096:"), "no verifier on disk");

    alice.batch_execute("ALTER ROLE carol WITH PASSWORD NULL").await.expect("clear password");
    assert_eq!(
        code(&try_connect(&server, "carol", "c4rol").await.err().expect("no password")),
        SqlState::INVALID_PASSWORD
    );
    alice.batch_execute("DROP ROLE IF EXISTS nobody; DROP USER dave").await.expect("drop");
    drop((alice, bob));

    server.restart();
    let bob = connect(&server, "bob", "n3w").await;
    assert_eq!(current_user(&bob).await.0, "bob");
    assert_eq!(code(&try_connect(&server, "dave", "d").await.err().expect("dropped")), SqlState::INVALID_PASSWORD);
    connect(&server, "alice", "secret").await;
}

#[tokio::test]
async fn md5_stores_md5_hashes_and_falls_back_to_scram() {
    let server = start("md5", &[]);
    let alice = connect(&server, "alice", "secret").await;
    let row = alice.query_one("SHOW password_encryption", &[]).await.expect("show");
    assert_eq!(row.get::<_, String>(0), "md5");
    alice.batch_execute("CREATE USER frank PASSWORD 'fr4nk'").await.expect("create");
    // Only a SCRAM verifier given (as psql's \password sends it): SCRAM is used instead.
    let verifier = "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
    alice.batch_execute(&format!("CREATE USER grace PASSWORD '{verifier}'")).await.expect("create with verifier");
    connect(&server, "frank", "fr4nk").await;
    connect(&server, "grace", "pencil").await;
    assert_eq!(code(&try_connect(&server, "grace", "pen").await.err().expect("wrong")), SqlState::INVALID_PASSWORD);
}

#[test]
fn psql_logs_in_with_each_method() {
    if !psql_available() {
        eprintln!("psql is not installed; skipping");
        return;
    }
    for method in ["password", "md5", "scram-sha-256"] {
        let server = start(method, &[]);
        let info = psql_conninfo(&server, "alice", "disable");
        let (ok, out, err) = psql(&info, Some("secret"), "SELECT current_user");
        assert!(ok, "{method}: {err}");
        assert_eq!(out, "alice");
        let (ok, _, err) = psql(&info, Some("nope"), "SELECT 1");
        assert!(!ok);
        assert!(err.contains("FATAL:  password authentication failed for user \"alice\""), "{method}: {err}");
    }
}

#[test]
fn tls_with_psql() {
    if !psql_available() {
        eprintln!("psql is not installed; skipping");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((cert, key)) = self_signed(dir.path()) else {
        eprintln!("openssl is not installed; skipping");
        return;
    };

    // allow (the default with a certificate): TLS when asked, plaintext otherwise.
    let server = start("scram-sha-256", &["--postgres-tls-cert", &cert, "--postgres-tls-key", &key]);
    let (ok, out, err) = psql(&psql_conninfo(&server, "alice", "require"), Some("secret"), "SELECT current_user");
    assert!(ok, "{err}");
    assert_eq!(out, "alice");
    // SCRAM-SHA-256-PLUS: channel binding to the server certificate.
    let (ok, _, err) = psql(
        &format!("{} channel_binding=require", psql_conninfo(&server, "alice", "require")),
        Some("secret"),
        "SELECT 1",
    );
    assert!(ok, "channel binding: {err}");
    let (ok, _, err) = psql(&psql_conninfo(&server, "alice", "disable"), Some("secret"), "SELECT 1");
    assert!(ok, "plaintext under allow: {err}");
    drop(server);

    let server = start(
        "scram-sha-256",
        &["--postgres-tls-cert", &cert, "--postgres-tls-key", &key, "--postgres-tls-mode", "require"],
    );
    let (ok, out, err) = psql(&psql_conninfo(&server, "alice", "require"), Some("secret"), "SELECT current_user");
    assert!(ok, "{err}");
    assert_eq!(out, "alice");
    let (ok, _, err) = psql(&psql_conninfo(&server, "alice", "disable"), Some("secret"), "SELECT 1");
    assert!(!ok);
    assert!(
        err.contains(
            "FATAL:  no pg_hba.conf entry for host \"127.0.0.1\", user \"alice\", database \"postgres\", no encryption"
        ),
        "{err}"
    );
    drop(server);

    // Without a certificate SSLRequest gets 'N': sslmode=require fails, prefer falls back.
    let server = start("scram-sha-256", &[]);
    let (ok, _, err) = psql(&psql_conninfo(&server, "alice", "require"), Some("secret"), "SELECT 1");
    assert!(!ok);
    assert!(err.contains("server does not support SSL"), "{err}");
    let (ok, _, err) = psql(&psql_conninfo(&server, "alice", "prefer"), Some("secret"), "SELECT 1");
    assert!(ok, "{err}");
}

#[tokio::test]
async fn too_many_connections() {
    let server = TestServer::start(&["--postgres-max-connections", "2"], &[]);
    let first = connect(&server, "postgres", "").await;
    let _second = connect(&server, "postgres", "").await;
    let e = try_connect(&server, "postgres", "").await.err().expect("third refused");
    assert_eq!(code(&e), SqlState::TOO_MANY_CONNECTIONS);
    assert_eq!(e.as_db_error().unwrap().message(), "sorry, too many clients already");
    // A slot frees when a client leaves.
    drop(first);
    let mut admitted = false;
    for _ in 0..50 {
        if try_connect(&server, "postgres", "").await.is_ok() {
            admitted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(admitted, "the freed slot was not reused");
}

const SLOW_QUERY: &str =
    "SELECT count(*) FROM generate_series(1, 20000) a, generate_series(1, 20000) b WHERE a + b < 0";

#[tokio::test]
async fn statement_timeout_cancels_a_long_statement() {
    let server = TestServer::start(&[], &[]);
    let client = connect(&server, "postgres", "").await;
    client.batch_execute("SET statement_timeout = '100ms'").await.expect("set");
    let row = client.query_one("SHOW statement_timeout", &[]).await.expect("show");
    assert_eq!(row.get::<_, String>(0), "100ms");
    let started = std::time::Instant::now();
    let e = client.simple_query(SLOW_QUERY).await.expect_err("cancelled");
    assert_eq!(code(&e), SqlState::QUERY_CANCELED);
    assert_eq!(e.as_db_error().unwrap().message(), "canceling statement due to statement timeout");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    // The session goes on; the extended protocol is limited too.
    let e = client.query(SLOW_QUERY, &[]).await.expect_err("cancelled");
    assert_eq!(code(&e), SqlState::QUERY_CANCELED);
    client.batch_execute("RESET statement_timeout").await.expect("reset");
    assert_eq!(client.query_one("SELECT 1", &[]).await.expect("works").get::<_, i32>(0), 1);

    // The configured default and the startup option.
    let server = TestServer::start(&["--postgres-statement-timeout", "150ms"], &[]);
    let client = connect(&server, "postgres", "").await;
    assert_eq!(client.query_one("SHOW statement_timeout", &[]).await.unwrap().get::<_, String>(0), "150ms");
    assert_eq!(code(&client.simple_query(SLOW_QUERY).await.expect_err("cancelled")), SqlState::QUERY_CANCELED);
    let config = format!("{} options='-c statement_timeout=2s'", conninfo(&server, "postgres", ""));
    let (client, connection) = tokio_postgres::connect(&config, NoTls).await.expect("connect with options");
    tokio::spawn(connection);
    assert_eq!(client.query_one("SHOW statement_timeout", &[]).await.unwrap().get::<_, String>(0), "2s");
}

#[tokio::test]
async fn idle_in_transaction_session_timeout_ends_the_session() {
    // A COPY inside a block whose client pauses between rows is not idle.
    {
        use futures::SinkExt;
        let server = TestServer::start(&[], &[]);
        let (mut client, connection) =
            tokio_postgres::connect(&conninfo(&server, "postgres", ""), NoTls).await.expect("connect");
        tokio::spawn(connection);
        client
            .batch_execute("CREATE TABLE slow_copy (n int); SET idle_in_transaction_session_timeout = '200ms'")
            .await
            .expect("setup");
        let txn = client.transaction().await.expect("begin");
        let sink = txn.copy_in("COPY slow_copy FROM STDIN").await.expect("copy in");
        let mut sink = std::pin::pin!(sink);
        for n in 0..3 {
            sink.send(std::io::Cursor::new(format!("{n}\n").into_bytes())).await.expect("row");
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        assert_eq!(sink.as_mut().finish().await.expect("copy done"), 3);
        txn.commit().await.expect("commit after a slow COPY");
        let n: i64 = client.query_one("SELECT count(*) FROM slow_copy", &[]).await.expect("count").get(0);
        assert_eq!(n, 3);
    }

    let server = TestServer::start(&[], &[]);
    let (client, connection) =
        tokio_postgres::connect(&conninfo(&server, "postgres", ""), NoTls).await.expect("connect");
    let connection = tokio::spawn(connection);
    client.batch_execute("SET idle_in_transaction_session_timeout = '200ms'").await.expect("set");
    // Idle outside a transaction: nothing happens.
    tokio::time::sleep(Duration::from_millis(400)).await;
    client.batch_execute("BEGIN").await.expect("begin");
    client.query_one("SELECT 1", &[]).await.expect("in the block");
    let result = tokio::time::timeout(Duration::from_secs(10), connection).await.expect("the server closed it");
    let e = result.expect("task").expect_err("the connection ends with an error");
    assert_eq!(code(&e), SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "{e:?}");
    assert_eq!(e.as_db_error().unwrap().message(), "terminating connection due to idle-in-transaction timeout");
    assert!(client.is_closed() || client.simple_query("SELECT 1").await.is_err());
}
