//! The PostgreSQL listener end to end: the real orbit-server binary, driven by
//! tokio-postgres, by psql, and by a small raw-protocol client for what drivers hide
//! (ReadyForQuery status bytes, ParameterStatus, skip-until-Sync, garbage input).

use orbit_tests::server::TestServer;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

fn pg_port(server: &TestServer) -> u16 {
    server.listener_port("--postgres-port")
}

async fn connect(server: &TestServer) -> Client {
    let config = format!("host=127.0.0.1 port={} user=postgres dbname=postgres", pg_port(server));
    let (client, connection) = tokio_postgres::connect(&config, NoTls).await.expect("connect with tokio-postgres");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// The command tags and rows (as text) of a simple query.
fn simple_results(messages: &[SimpleQueryMessage]) -> (Vec<u64>, Vec<Vec<Option<String>>>) {
    let mut completions = Vec::new();
    let mut rows = Vec::new();
    for message in messages {
        match message {
            SimpleQueryMessage::CommandComplete(n) => completions.push(*n),
            SimpleQueryMessage::Row(row) => {
                rows.push((0..row.len()).map(|i| row.get(i).map(str::to_string)).collect());
            }
            _ => {}
        }
    }
    (completions, rows)
}

fn sqlstate(error: &tokio_postgres::Error) -> SqlState {
    error.code().cloned().unwrap_or_else(|| panic!("error without SQLSTATE: {error:?}"))
}

// ---------------------------------------------------------------------------------------
// A minimal raw-protocol client.

struct RawClient {
    stream: TcpStream,
}

/// One backend message: type byte and body.
#[derive(Debug, Clone)]
struct Msg {
    tag: u8,
    body: Vec<u8>,
}

impl Msg {
    /// The SQLSTATE of an ErrorResponse.
    fn error_code(&self) -> Option<String> {
        if self.tag != b'E' {
            return None;
        }
        let mut fields = self.body.split(|b| *b == 0);
        fields.find(|f| f.first() == Some(&b'C')).map(|f| String::from_utf8_lossy(&f[1..]).into_owned())
    }
}

fn message(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn cstr(s: &str) -> Vec<u8> {
    let mut out = s.as_bytes().to_vec();
    out.push(0);
    out
}

fn startup_packet(user: &str, database: &str) -> Vec<u8> {
    let mut body = 196_608i32.to_be_bytes().to_vec();
    for s in ["user", user, "database", database, "application_name", "raw-test"] {
        body.extend(cstr(s));
    }
    body.push(0);
    let mut out = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    out.extend(body);
    out
}

impl RawClient {
    fn open(port: u16) -> RawClient {
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        RawClient { stream }
    }

    /// Connects and completes startup; returns the startup messages up to ReadyForQuery.
    fn connect(port: u16) -> (RawClient, Vec<Msg>) {
        let mut client = RawClient::open(port);
        client.send(&startup_packet("postgres", "postgres"));
        let messages = client.until_ready();
        (client, messages)
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    fn read_message(&mut self) -> Option<Msg> {
        let mut head = [0u8; 5];
        self.stream.read_exact(&mut head).ok()?;
        let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len - 4];
        self.stream.read_exact(&mut body).ok()?;
        Some(Msg { tag: head[0], body })
    }

    /// Messages up to and including ReadyForQuery.
    fn until_ready(&mut self) -> Vec<Msg> {
        let mut out = Vec::new();
        loop {
            let msg = self.read_message().unwrap_or_else(|| panic!("connection ended; got so far: {out:?}"));
            let done = msg.tag == b'Z';
            out.push(msg);
            if done {
                return out;
            }
        }
    }

    /// A simple query; returns the ReadyForQuery status byte and all messages.
    fn query(&mut self, sql: &str) -> (u8, Vec<Msg>) {
        self.send(&message(b'Q', &cstr(sql)));
        let messages = self.until_ready();
        let status = messages.last().map(|m| m.body[0]).unwrap_or(0);
        (status, messages)
    }

    /// True once the server has closed the connection (EOF or reset), after reading
    /// whatever it sent before closing.
    fn closed_by_server(&mut self) -> (bool, Vec<u8>) {
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return (true, received),
                Ok(n) => received.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                    return (false, received)
                }
                Err(_) => return (true, received),
            }
        }
    }
}

fn tags(messages: &[Msg]) -> String {
    messages.iter().map(|m| m.tag as char).collect()
}

// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn simple_query_runs_several_statements() {
    let server = TestServer::start(&[], &[]);
    let client = connect(&server).await;
    let messages = client
        .simple_query(
            "CREATE TABLE people (id INT PRIMARY KEY, name TEXT); \
             INSERT INTO people VALUES (1, 'ada'), (2, 'grace'), (3, NULL); \
             SELECT id, name FROM people ORDER BY id",
        )
        .await
        .expect("batch");
    let (completions, rows) = simple_results(&messages);
    assert_eq!(completions, vec![0, 3, 3], "{messages:?}");
    assert_eq!(
        rows,
        vec![
            vec![Some("1".into()), Some("ada".into())],
            vec![Some("2".into()), Some("grace".into())],
            vec![Some("3".into()), None],
        ]
    );

    let messages = client
        .simple_query("UPDATE people SET name = 'x' WHERE id >= 2; DELETE FROM people WHERE id = 1")
        .await
        .expect("dml");
    assert_eq!(simple_results(&messages).0, vec![2, 1]);
    let messages = client.simple_query("SELECT count(*) FROM people").await.expect("count");
    assert_eq!(simple_results(&messages).1, vec![vec![Some("2".into())]]);

    // An empty query string is not an error (tokio-postgres reports EmptyQueryResponse
    // as a completion of 0 rows; the raw-protocol test checks the message itself).
    let messages = client.simple_query("").await.expect("empty query");
    assert_eq!(simple_results(&messages), (vec![0], vec![]));
}

#[tokio::test]
async fn extended_query_binds_parameters_and_reads_binary_results() {
    let server = TestServer::start(&[], &[]);
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE samples (id INT PRIMARY KEY, big BIGINT, ratio DOUBLE PRECISION, label TEXT, \
             flag BOOLEAN, payload BYTEA)",
        )
        .await
        .expect("create");

    let insert = client.prepare("INSERT INTO samples VALUES ($1, $2, $3, $4, $5, $6)").await.expect("prepare insert");
    let payload: Vec<u8> = vec![0, 1, 2, 254, 255];
    let inserted = client
        .execute(&insert, &[&7i32, &9_000_000_000i64, &0.25f64, &"seven", &true, &payload])
        .await
        .expect("insert");
    assert_eq!(inserted, 1);
    client.execute(&insert, &[&8i32, &-1i64, &-1.5f64, &"eight", &false, &Vec::<u8>::new()]).await.expect("insert");

    let rows = client
        .query("SELECT id, big, ratio, label, flag, payload FROM samples WHERE id = $1", &[&7i32])
        .await
        .expect("select");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.get::<_, i32>(0), 7);
    assert_eq!(row.get::<_, i64>(1), 9_000_000_000);
    assert_eq!(row.get::<_, f64>(2), 0.25);
    assert_eq!(row.get::<_, String>(3), "seven");
    assert!(row.get::<_, bool>(4));
    assert_eq!(row.get::<_, Vec<u8>>(5), payload);

    let rows = client.query("SELECT id, label FROM samples ORDER BY id", &[]).await.expect("select all");
    let ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, vec![7, 8]);

    // NULL parameters and NULL results.
    client
        .execute(&insert, &[&9i32, &None::<i64>, &None::<f64>, &None::<String>, &None::<bool>, &None::<Vec<u8>>])
        .await
        .expect("nulls");
    let row = client.query_one("SELECT big, label FROM samples WHERE id = $1", &[&9i32]).await.expect("row");
    assert_eq!(row.get::<_, Option<i64>>(0), None);
    assert_eq!(row.get::<_, Option<String>>(1), None);
}

#[tokio::test]
async fn prepared_statements_are_reused_and_describe_their_types() {
    let server = TestServer::start(&[], &[]);
    let client = connect(&server).await;
    client.batch_execute("CREATE TABLE kv (k INT PRIMARY KEY, v TEXT)").await.expect("create");
    let insert = client.prepare("INSERT INTO kv VALUES ($1, $2)").await.expect("prepare");
    assert_eq!(insert.params(), &[tokio_postgres::types::Type::INT4, tokio_postgres::types::Type::TEXT]);
    assert!(insert.columns().is_empty());
    for k in 0..20i32 {
        client.execute(&insert, &[&k, &format!("value {k}")]).await.expect("insert");
    }
    let select = client.prepare("SELECT k, v FROM kv WHERE k = $1").await.expect("prepare select");
    let columns: Vec<(&str, tokio_postgres::types::Type)> =
        select.columns().iter().map(|c| (c.name(), c.type_().clone())).collect();
    assert_eq!(columns, vec![("k", tokio_postgres::types::Type::INT4), ("v", tokio_postgres::types::Type::TEXT)]);
    for k in [3i32, 11, 19] {
        let row = client.query_one(&select, &[&k]).await.expect("select");
        assert_eq!(row.get::<_, String>(1), format!("value {k}"));
    }
    assert!(client.query_opt(&select, &[&99i32]).await.expect("no row").is_none());
}

#[tokio::test]
async fn portals_return_rows_in_batches() {
    let server = TestServer::start(&[], &[]);
    let mut client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE nums (n INT PRIMARY KEY); INSERT INTO nums VALUES (1), (2), (3), (4), (5)")
        .await
        .expect("setup");
    let tx = client.transaction().await.expect("begin");
    let statement = tx.prepare("SELECT n FROM nums ORDER BY n").await.expect("prepare");
    let portal = tx.bind(&statement, &[]).await.expect("bind");
    let mut seen = Vec::new();
    for expected in [2usize, 2, 1, 0] {
        let rows = tx.query_portal(&portal, 2).await.expect("fetch");
        assert_eq!(rows.len(), expected);
        seen.extend(rows.iter().map(|r| r.get::<_, i32>(0)));
    }
    assert_eq!(seen, vec![1, 2, 3, 4, 5]);
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn transactions_commit_and_roll_back() {
    let server = TestServer::start(&[], &[]);
    let mut client = connect(&server).await;
    client.batch_execute("CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT)").await.expect("create");

    let tx = client.transaction().await.expect("begin");
    tx.execute("INSERT INTO accounts VALUES (1, 100)", &[]).await.expect("insert");
    tx.commit().await.expect("commit");

    let tx = client.transaction().await.expect("begin");
    tx.execute("INSERT INTO accounts VALUES (2, 200)", &[]).await.expect("insert");
    tx.rollback().await.expect("rollback");

    client.batch_execute("BEGIN; UPDATE accounts SET balance = 150 WHERE id = 1; COMMIT").await.expect("batch tx");

    let rows = client.query("SELECT id, balance FROM accounts ORDER BY id", &[]).await.expect("select");
    let seen: Vec<(i32, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(seen, vec![(1, 150)]);
}

#[test]
fn ready_for_query_reports_the_transaction_status() {
    let server = TestServer::start(&[], &[]);
    let (mut raw, _) = RawClient::connect(pg_port(&server));
    assert_eq!(raw.query("CREATE TABLE t (id INT PRIMARY KEY)").0, b'I');
    assert_eq!(raw.query("BEGIN").0, b'T');
    assert_eq!(raw.query("INSERT INTO t VALUES (1)").0, b'T');
    let (status, messages) = raw.query("SELECT * FROM missing_table");
    assert_eq!(status, b'E', "{}", tags(&messages));
    assert_eq!(messages.iter().find_map(Msg::error_code).as_deref(), Some("42P01"));
    assert_eq!(raw.query("ROLLBACK").0, b'I');
    let (status, messages) = raw.query("SELECT count(*) FROM t");
    assert_eq!(status, b'I');
    let data_row = messages.iter().find(|m| m.tag == b'D').expect("a row");
    assert!(data_row.body.ends_with(b"0"), "rolled back: {data_row:?}");
    assert_eq!(raw.query("BEGIN; INSERT INTO t VALUES (2); COMMIT").0, b'I');
    // EmptyQueryResponse for an empty query string, inside a block too.
    assert_eq!(tags(&raw.query(" ; ").1), "IZ");
    assert_eq!(raw.query("BEGIN").0, b'T');
    let (status, messages) = raw.query("");
    assert_eq!((status, tags(&messages).as_str()), (b'T', "IZ"));
    assert_eq!(raw.query("COMMIT").0, b'I');
}

#[tokio::test]
async fn errors_carry_their_sqlstate_and_the_connection_stays_usable() {
    let server = TestServer::start(&[], &[]);
    let client = connect(&server).await;
    let error = client.simple_query("SELECT * FROM no_such_table").await.expect_err("undefined table");
    assert_eq!(sqlstate(&error), SqlState::UNDEFINED_TABLE);
    let error = client.query("SELECT * FROM no_such_table WHERE id = $1", &[&1i32]).await.expect_err("extended");
    assert_eq!(sqlstate(&error), SqlState::UNDEFINED_TABLE);

    client.batch_execute("CREATE TABLE u (id INT PRIMARY KEY)").await.expect("create");
    client.execute("INSERT INTO u VALUES (1)", &[]).await.expect("insert");
    let error = client.execute("INSERT INTO u VALUES (1)", &[]).await.expect_err("duplicate");
    assert_eq!(sqlstate(&error), SqlState::UNIQUE_VIOLATION);
    let error = client.simple_query("INSERT INTO u VALUES (1)").await.expect_err("duplicate (simple)");
    assert_eq!(sqlstate(&error), SqlState::UNIQUE_VIOLATION);

    let error = client.simple_query("SELEC 1").await.expect_err("syntax");
    assert_eq!(sqlstate(&error), SqlState::SYNTAX_ERROR);

    let row = client.query_one("SELECT count(*) FROM u", &[]).await.expect("still usable");
    assert_eq!(row.get::<_, i64>(0), 1);
}

#[test]
fn startup_reports_parameters_and_backend_key() {
    let server = TestServer::start(&[], &[]);
    let (_raw, messages) = RawClient::connect(pg_port(&server));
    assert_eq!(messages.first().map(|m| m.tag), Some(b'R'), "{}", tags(&messages));
    let parameters: std::collections::HashMap<String, String> = messages
        .iter()
        .filter(|m| m.tag == b'S')
        .map(|m| {
            let mut parts = m.body.split(|b| *b == 0);
            let name = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
            let value = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
            (name, value)
        })
        .collect();
    let version = parameters.get("server_version").expect("server_version");
    let major: u32 = version.split('.').next().and_then(|m| m.parse().ok()).expect("numeric version");
    assert!(major >= 15, "{version}");
    for (name, value) in [
        ("server_encoding", "UTF8"),
        ("client_encoding", "UTF8"),
        ("DateStyle", "ISO, MDY"),
        ("integer_datetimes", "on"),
        ("standard_conforming_strings", "on"),
        ("application_name", "raw-test"),
        ("session_authorization", "postgres"),
    ] {
        assert_eq!(parameters.get(name).map(String::as_str), Some(value), "{name}: {parameters:?}");
    }
    for name in ["TimeZone", "IntervalStyle", "is_superuser"] {
        assert!(parameters.contains_key(name), "{name} missing: {parameters:?}");
    }
    assert!(messages.iter().any(|m| m.tag == b'K' && m.body.len() == 8), "BackendKeyData: {}", tags(&messages));
    assert_eq!(messages.last().map(|m| (m.tag, m.body.clone())), Some((b'Z', vec![b'I'])));
}

#[test]
fn unknown_database_is_a_fatal_3d000() {
    let server = TestServer::start(&[], &[]);
    let mut raw = RawClient::open(pg_port(&server));
    raw.send(&startup_packet("postgres", "no_such_database"));
    let error = raw.read_message().expect("an error");
    assert_eq!(error.error_code().as_deref(), Some("3D000"), "{error:?}");
    assert!(raw.closed_by_server().0);
}

#[test]
fn extended_protocol_skips_to_sync_after_an_error() {
    let server = TestServer::start(&[], &[]);
    let (mut raw, _) = RawClient::connect(pg_port(&server));
    let mut batch = Vec::new();
    batch.extend(message(b'P', &[cstr(""), cstr("SELECT * FROM missing_table"), vec![0, 0]].concat()));
    batch.extend(message(b'B', &[cstr(""), cstr(""), vec![0, 0, 0, 0, 0, 0]].concat()));
    batch.extend(message(b'E', &[cstr(""), vec![0, 0, 0, 0]].concat()));
    batch.extend(message(b'S', &[]));
    raw.send(&batch);
    let messages = raw.until_ready();
    assert_eq!(tags(&messages), "EZ", "{messages:?}");
    assert_eq!(messages[0].error_code().as_deref(), Some("42P01"));

    // A fastpath FunctionCall is answered with "not supported", not ignored.
    raw.send(&message(b'F', &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
    let messages = raw.until_ready();
    assert_eq!(tags(&messages), "EZ");
    assert_eq!(messages[0].error_code().as_deref(), Some("0A000"));

    // Still in business.
    let (status, messages) = raw.query("SELECT 1");
    assert_eq!(status, b'I');
    assert_eq!(tags(&messages), "TDCZ");
}

#[test]
fn binary_results_use_postgres_encodings() {
    let server = TestServer::start(&[], &[]);
    let (mut raw, _) = RawClient::connect(pg_port(&server));
    let sql = "SELECT 12345.678::numeric, DATE '2000-01-02', TIMESTAMP '2000-01-01 00:00:01', 1.5::float4, \
               'x'::text, 7::int2";
    let mut batch = message(b'P', &[cstr(""), cstr(sql), vec![0, 0]].concat());
    // No parameters, one result format code: binary for every column.
    batch.extend(message(b'B', &[cstr(""), cstr(""), vec![0, 0, 0, 0, 0, 1, 0, 1]].concat()));
    batch.extend(message(b'D', &[b"P".to_vec(), cstr("")].concat()));
    batch.extend(message(b'E', &[cstr(""), vec![0, 0, 0, 0]].concat()));
    batch.extend(message(b'S', &[]));
    raw.send(&batch);
    let messages = raw.until_ready();
    assert_eq!(tags(&messages), "12TDCZ", "{messages:?}");
    let mut fields = Vec::new();
    let body = &messages[3].body;
    let mut at = 2;
    while at < body.len() {
        let len = i32::from_be_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]) as usize;
        fields.push(body[at + 4..at + 4 + len].to_vec());
        at += 4 + len;
    }
    assert_eq!(
        fields,
        vec![
            // numeric_send(12345.678): 3 digits, weight 1, positive, dscale 3, 1 2345 6780
            vec![0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c],
            1i32.to_be_bytes().to_vec(),
            1_000_000i64.to_be_bytes().to_vec(),
            1.5f32.to_be_bytes().to_vec(),
            b"x".to_vec(),
            7i16.to_be_bytes().to_vec(),
        ]
    );
}

#[test]
fn garbage_input_closes_that_connection_only() {
    let server = TestServer::start(&[], &[]);
    let port = pg_port(&server);

    // Not PostgreSQL at all.
    let mut raw = RawClient::open(port);
    raw.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(raw.closed_by_server().0, "HTTP request");

    // Random bytes, before and after startup.
    let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let mut raw = RawClient::open(port);
    raw.send(&[&[0xff, 0xff, 0xff, 0xf0][..], &noise].concat());
    assert!(raw.closed_by_server().0, "noise instead of a startup packet");
    let (mut raw, _) = RawClient::connect(port);
    raw.send(&[&[0x01][..], &noise].concat());
    assert!(raw.closed_by_server().0, "noise after startup");

    // An absurd length after a good startup.
    let (mut raw, _) = RawClient::connect(port);
    raw.send(b"Q\x7f\xff\xff\xff select");
    let (closed, bytes) = raw.closed_by_server();
    assert!(closed, "absurd length");
    assert_eq!(bytes.first(), Some(&b'E'), "an ErrorResponse before closing");

    // A length smaller than the length field itself.
    let (mut raw, _) = RawClient::connect(port);
    raw.send(b"p\0\0\0\x01");
    assert!(raw.closed_by_server().0, "short length");

    // An unknown message type.
    let (mut raw, _) = RawClient::connect(port);
    raw.send(&message(b'~', b"hello"));
    let (closed, bytes) = raw.closed_by_server();
    assert!(closed && bytes.first() == Some(&b'E'), "unknown type");

    // A malformed Bind (parameter longer than the message): an error, the connection
    // survives.
    let (mut raw, _) = RawClient::connect(port);
    raw.send(&message(b'B', b"\0\0\0\0\0\x01\0\0\0\x09ab\0\0"));
    raw.send(&message(b'S', &[]));
    let messages = raw.until_ready();
    assert_eq!(messages[0].error_code().as_deref(), Some("08P01"), "{messages:?}");
    assert_eq!(raw.query("SELECT 1").0, b'I');

    // A truncated message, then the client goes away.
    let (mut raw, _) = RawClient::connect(port);
    raw.send(b"Q\0\0\0\x20SELE");
    drop(raw);

    // Everyone else is still served.
    let (mut raw, _) = RawClient::connect(port);
    let (status, messages) = raw.query("SELECT 1");
    assert_eq!((status, tags(&messages).as_str()), (b'I', "TDCZ"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let client = connect(&server).await;
        let row = client.query_one("SELECT 1", &[]).await.expect("tokio-postgres still works");
        assert_eq!(row.get::<_, i32>(0), 1);
    });
    assert!(!server.stderr().contains("panicked"), "the server panicked:\n{}", server.stderr());
}

#[tokio::test]
async fn cancel_requests_are_accepted() {
    let server = TestServer::start(&[], &[]);
    let client = connect(&server).await;
    // Nothing runs: the cancel is a no-op, and the connection carries on.
    client.cancel_token().cancel_query(NoTls).await.expect("cancel request");
    // The client does not wait for the server to act on the cancel connection (nor does
    // PostgreSQL tell it); give the request time to land while the session is idle, or it
    // may cancel the next statement instead, as it may on PostgreSQL.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let row = client.query_one("SELECT 1", &[]).await.expect("after cancel");
    assert_eq!(row.get::<_, i32>(0), 1);
}

#[tokio::test]
async fn data_survives_restart_and_kill9() {
    let mut server = TestServer::start(&[], &[]);
    {
        let client = connect(&server).await;
        client
            .batch_execute(
                "CREATE TABLE durable (id INT PRIMARY KEY, note TEXT); INSERT INTO durable VALUES (1, 'one')",
            )
            .await
            .expect("write");
    }
    server.restart();
    {
        let client = connect(&server).await;
        let rows = client.query("SELECT note FROM durable WHERE id = 1", &[]).await.expect("after restart");
        assert_eq!(rows[0].get::<_, String>(0), "one");
        client.execute("INSERT INTO durable VALUES (2, 'two')", &[]).await.expect("write");
    }
    assert!(!server.kill9().success());
    server.restart();
    let client = connect(&server).await;
    let rows = client.query("SELECT id, note FROM durable ORDER BY id", &[]).await.expect("after kill -9");
    let seen: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(seen, vec![(1, "one".into()), (2, "two".into())]);
}

#[tokio::test]
async fn actor_mode_serves_sql_in_memory() {
    let mut server = TestServer::start(&[], &[("ORBIT_POSTGRES_MODE", "actor")]);
    {
        let client = connect(&server).await;
        client
            .batch_execute(
                "CREATE TABLE volatile (id INT PRIMARY KEY, v TEXT); INSERT INTO volatile VALUES (1, 'a'), (2, 'b')",
            )
            .await
            .expect("write");
        let rows = client.query("SELECT v FROM volatile WHERE id = $1", &[&2i32]).await.expect("read");
        assert_eq!(rows[0].get::<_, String>(0), "b");
        let tx_rows = client.simple_query("BEGIN; UPDATE volatile SET v = 'c' WHERE id = 1; COMMIT").await.expect("tx");
        assert_eq!(simple_results(&tx_rows).0, vec![0, 1, 0]);
    }
    server.restart();
    let client = connect(&server).await;
    let error = client.simple_query("SELECT * FROM volatile").await.expect_err("gone after restart");
    assert_eq!(sqlstate(&error), SqlState::UNDEFINED_TABLE);
}

fn psql_available() -> bool {
    Command::new("psql").arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
}

fn psql(port: u16, args: &[&str]) -> std::process::Output {
    Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres", "-d", "postgres"])
        .args(["-X", "-v", "ON_ERROR_STOP=1", "-A", "-t"])
        .args(args)
        .env("PGCONNECT_TIMEOUT", "10")
        .env_remove("PGPASSWORD")
        .env_remove("PGSERVICE")
        .output()
        .expect("run psql")
}

#[test]
fn psql_runs_a_scripted_session() {
    if !psql_available() {
        eprintln!("psql is not installed; skipping (apt-get install -y postgresql-client)");
        return;
    }
    let server = TestServer::start(&[], &[]);
    let port = pg_port(&server);

    let out = psql(port, &["-c", "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)"]);
    assert!(out.status.success(), "psql -c: {}", String::from_utf8_lossy(&out.stderr));

    let script = tempfile::NamedTempFile::new().expect("script file");
    std::fs::write(
        script.path(),
        "INSERT INTO notes VALUES (1, 'first'), (2, 'second');\n\
         BEGIN;\n\
         UPDATE notes SET body = 'changed' WHERE id = 2;\n\
         COMMIT;\n\
         SELECT id, body FROM notes ORDER BY id;\n",
    )
    .expect("write script");
    let out = psql(port, &["-f", script.path().to_str().expect("utf-8 path")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "psql -f: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1|first\n2|changed"), "{stdout}");

    // An error: psql exits non-zero with the server's message.
    let out = psql(port, &["-c", "SELECT * FROM nowhere"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ERROR") && stderr.contains("nowhere"), "{stderr}");

    // Notices reach psql (it prints them on stderr) and the statement still succeeds.
    let out = psql(port, &["-c", "DROP TABLE IF EXISTS nowhere"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NOTICE:  table \"nowhere\" does not exist, skipping"), "{stderr}");
    // A rolled-back block takes its CREATE TABLE with it.
    let out = psql(port, &["-c", "BEGIN; CREATE TABLE scratch (a int); ROLLBACK;", "-c", "SELECT * FROM scratch"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("relation \"scratch\" does not exist"), "{stderr}");
}

/// psycopg 3 (from PyPI): parameters, executemany, server-side prepared statements,
/// binary results, SQLSTATE-typed exceptions and rollback (which sends DEALLOCATE ALL).
#[test]
fn psycopg_runs_a_session() {
    let has_psycopg = Command::new("python3").args(["-c", "import psycopg"]).status().is_ok_and(|s| s.success());
    if !has_psycopg {
        eprintln!(
            "\n!!!! SKIPPED psycopg_runs_a_session: python3 with psycopg is not available (pip install psycopg)\n"
        );
        return;
    }
    let server = TestServer::start(&[], &[]);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/psycopg_session.py");
    let out = Command::new("python3").arg(&script).arg(pg_port(&server).to_string()).output().expect("run python3");
    assert!(
        out.status.success(),
        "psycopg session failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("psycopg session ok"));
}

/// pgjdbc (Debian's libpostgresql-jdbc-java): batches pipelined up to one Sync (and rolled
/// back together when one fails), server-side prepared statements, dates, timestamps,
/// numeric, bytea, transactions and SQLSTATEs. The same program passes on PostgreSQL 15.
#[test]
fn jdbc_runs_a_session() {
    let jar = std::path::Path::new("/usr/share/java/postgresql.jar");
    let javac = Command::new("javac").arg("-version").output().is_ok_and(|o| o.status.success());
    if !jar.is_file() || !javac {
        eprintln!(
            "\n!!!! SKIPPED jdbc_runs_a_session: needs javac and {} (apt-get install -y default-jdk-headless \
             libpostgresql-jdbc-java)\n",
            jar.display()
        );
        return;
    }
    let classes = tempfile::tempdir().expect("temp dir");
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/JdbcSession.java");
    let out = Command::new("javac").arg("-d").arg(classes.path()).arg(&source).output().expect("run javac");
    assert!(out.status.success(), "javac: {}", String::from_utf8_lossy(&out.stderr));
    let server = TestServer::start(&[], &[]);
    let classpath = format!("{}:{}", classes.path().display(), jar.display());
    let out = Command::new("java")
        .args(["-cp", &classpath, "JdbcSession", &pg_port(&server).to_string()])
        .output()
        .expect("run java");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "JDBC session failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("jdbc session ok"), "{stdout}");
}

// ---------------------------------------------------------------------------------------
// COPY

/// Runs `psql` with `stdin` as its standard input.
fn psql_stdin(port: u16, args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::process::Stdio;
    let mut child = Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres", "-d", "postgres"])
        .args(["-X", "-v", "ON_ERROR_STOP=1", "-A", "-t"])
        .args(args)
        .env("PGCONNECT_TIMEOUT", "10")
        .env_remove("PGPASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run psql");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write psql stdin");
    child.wait_with_output().expect("psql output")
}

/// A table with every type Orbit supports, and rows with NULLs, quotes, tabs, newlines,
/// backslashes, unicode, bytea, numeric and timestamps.
const COPY_TYPES_DDL: &str = "CREATE TABLE copy_types (id int PRIMARY KEY, b bool, i2 smallint, i8 bigint, \
    f4 real, f8 double precision, n numeric(20,5), t text, vc varchar(12), ch char(3), by bytea, d date, \
    tm time, ts timestamp, tz timestamptz, iv interval, u uuid, j json, jb jsonb, ia int[], ta text[])";

const COPY_TYPES_INSERT: &str = "INSERT INTO copy_types VALUES \
    (1, true, -32768, 9223372036854775807, 1.5, -2.25e-10, 12345.6789, E'tab\\there\\nnew \\\\ \"q\" ''s'' \u{e9}\u{1f600}', \
     'short', 'ab', '\\x00ff10'::bytea, '2024-02-29', '23:59:59.999999', '2024-01-02 03:04:05.123456', \
     '2024-01-02 03:04:05+00', '1 year 2 mons 3 days 04:05:06', '123e4567-e89b-12d3-a456-426614174000', \
     '{\"a\": [1, 2]}', '{\"b\": 1, \"a\": null}', '{1,NULL,3}', '{\"x y\",\"q\\\\\\\"\",NULL,\"a,b\"}'), \
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), \
    (3, false, 0, 0, 'NaN', '-Infinity', 0, '', '', '', '', 'infinity', '00:00:00', '-infinity', 'infinity', \
     '0 seconds', '00000000-0000-0000-0000-000000000000', '\"\"', '[]', '{}', '{}'), \
    (4, true, 1, -1, 3.25, 1e300, -0.00001, E'\\\\N', ',', 'x', '\\x5c4e'::bytea, '1999-12-31', '12:00', \
     '1999-12-31 23:59:59', '2000-01-01 00:00:00+00', '-1 days', 'ffffffff-ffff-ffff-ffff-ffffffffffff', \
     'null', '{\"k\": \"v\\\\nw\"}', '{-1}', '{\"\\\\\\\\.\"}')";

/// COPY TO STDOUT of `sql` through tokio-postgres: the bytes.
async fn copy_out_bytes(client: &Client, sql: &str) -> Vec<u8> {
    use futures::TryStreamExt;
    let stream = client.copy_out(sql).await.unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    let chunks: Vec<_> = stream.try_collect().await.unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    chunks.iter().flat_map(|c| c.iter().copied()).collect()
}

/// COPY FROM STDIN of `data` through tokio-postgres, in pieces of `piece` bytes.
async fn copy_in_bytes(client: &Client, sql: &str, data: &[u8], piece: usize) -> Result<u64, tokio_postgres::Error> {
    use futures::SinkExt;
    let sink = client.copy_in(sql).await?;
    let mut sink = std::pin::pin!(sink);
    for chunk in data.chunks(piece.max(1)) {
        sink.send(bytes_of(chunk)).await?;
    }
    sink.as_mut().finish().await
}

fn bytes_of(chunk: &[u8]) -> std::io::Cursor<Vec<u8>> {
    std::io::Cursor::new(chunk.to_vec())
}

#[tokio::test]
async fn copy_through_tokio_postgres_extended_protocol() {
    let server = TestServer::start(&[], &[]);
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, qty int DEFAULT 7)")
        .await
        .unwrap();
    let n = copy_in_bytes(&client, "COPY items (name, qty) FROM STDIN", b"apple\t1\nbanana\t\\N\ncherry\t3\n", 5)
        .await
        .expect("copy in");
    assert_eq!(n, 3);
    let n =
        copy_in_bytes(&client, "COPY items (name) FROM STDIN (FORMAT csv)", b"\"date, dried\"\n", 100).await.unwrap();
    assert_eq!(n, 1);
    let out = copy_out_bytes(&client, "COPY items TO STDOUT").await;
    assert_eq!(String::from_utf8(out).unwrap(), "1\tapple\t1\n2\tbanana\t\\N\n3\tcherry\t3\n4\tdate, dried\t7\n");
    let out =
        copy_out_bytes(&client, "COPY (SELECT name FROM items WHERE id > 2 ORDER BY id) TO STDOUT WITH CSV HEADER")
            .await;
    assert_eq!(String::from_utf8(out).unwrap(), "name\ncherry\n\"date, dried\"\n");

    // A bad row on line 3: the error names it, and nothing of the COPY stays.
    let error =
        copy_in_bytes(&client, "COPY items (name, qty) FROM STDIN", b"x\t1\ny\t2\nz\tzz\n", 4).await.unwrap_err();
    let db = error.as_db_error().expect("server error");
    assert_eq!(db.code(), &SqlState::INVALID_TEXT_REPRESENTATION);
    assert_eq!(db.message(), "invalid input syntax for type integer: \"zz\"");
    assert_eq!(db.where_(), Some("COPY items, line 3, column qty: \"zz\""));
    let count: i64 = client.query_one("SELECT count(*) FROM items", &[]).await.unwrap().get(0);
    assert_eq!(count, 4);

    // Inside a transaction block: the rows are the block's.
    client.batch_execute("BEGIN").await.unwrap();
    copy_in_bytes(&client, "COPY items (name) FROM STDIN", b"in block\n", 100).await.unwrap();
    client.batch_execute("ROLLBACK").await.unwrap();
    let count: i64 = client.query_one("SELECT count(*) FROM items", &[]).await.unwrap().get(0);
    assert_eq!(count, 4);
    // The connection is fine after all that.
    let name: String = client.query_one("SELECT name FROM items WHERE id = 4", &[]).await.unwrap().get(0);
    assert_eq!(name, "date, dried");
    // (Last: after an error at Execute, tokio-postgres still sends CopyFail and a second
    // Sync, whose ReadyForQuery it then takes for the next request's; PostgreSQL answers
    // the same way, so the connection is not used afterwards.)
    let Err(error) = client.copy_in::<_, std::io::Cursor<Vec<u8>>>("COPY nowhere FROM STDIN").await else {
        panic!("COPY into a missing table started");
    };
    assert_eq!(sqlstate(&error), SqlState::UNDEFINED_TABLE);
}

#[test]
fn copy_through_psql_and_backslash_copy() {
    if !psql_available() {
        eprintln!("psql is not installed; skipping");
        return;
    }
    let server = TestServer::start(&[], &[]);
    let port = pg_port(&server);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = psql(port, &["-c", "CREATE TABLE people (id int PRIMARY KEY, name text, city text)"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // COPY FROM STDIN with inline data in a script, then more statements.
    let script = "COPY people FROM STDIN;\n1\tAda\tLondon\n2\tGrace\t\\N\n\\.\nSELECT count(*) FROM people;\n";
    let out = psql_stdin(port, &[], script.as_bytes());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("COPY 2\n2\n"), "{}", String::from_utf8_lossy(&out.stdout));

    // \copy from a CSV file with a header, delimiter, null and quote.
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "id;name;city\n3;'Lin; Jr';NULL\n4;Kim;'Seoul'\n").unwrap();
    let cmd = format!(
        "\\copy people FROM '{}' WITH (FORMAT csv, HEADER true, DELIMITER ';', NULL 'NULL', QUOTE '''')",
        csv.display()
    );
    let out = psql(port, &["-c", &cmd]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // \copy to a file, both formats, and COPY TO STDOUT.
    let text = dir.path().join("out.txt");
    let out = psql(port, &["-c", &format!("\\copy people TO '{}'", text.display())]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "1\tAda\tLondon\n2\tGrace\t\\N\n3\tLin; Jr\t\\N\n4\tKim\tSeoul\n"
    );
    let out = psql(port, &["-c", "COPY people (name, city) TO STDOUT WITH CSV HEADER FORCE QUOTE city"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "name,city\nAda,\"London\"\nGrace,\nLin; Jr,\nKim,\"Seoul\"\n");

    // A bad row: psql reports the error with its line, and nothing was inserted.
    let out = psql_stdin(port, &["-v", "VERBOSITY=verbose", "-c", "COPY people FROM STDIN"], b"5\tx\ty\n5\tdup\tz\n");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ERROR:  23505: duplicate key value violates unique constraint \"people_pkey\""),
        "{stderr}"
    );
    assert!(stderr.contains("CONTEXT:  COPY people, line 2"), "{stderr}");
    let out = psql(port, &["-c", "SELECT count(*) FROM people"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "4\n");

    // Unsupported forms answer 0A000.
    let out = psql(port, &["-v", "VERBOSITY=verbose", "-c", "COPY people TO '/tmp/people.txt'"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("0A000"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = psql(port, &["-v", "VERBOSITY=verbose", "-c", "COPY people TO STDOUT (FORMAT binary)"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("0A000"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The same table on Orbit and on a real PostgreSQL 15: COPY TO STDOUT (text and CSV)
/// gives the same bytes, and those bytes COPY back in and out unchanged.
#[tokio::test]
async fn copy_round_trips_every_type_like_postgres() {
    let server = TestServer::start(&[], &[]);
    let orbit = connect(&server).await;
    orbit.batch_execute(COPY_TYPES_DDL).await.unwrap();
    orbit.batch_execute(COPY_TYPES_INSERT).await.unwrap();
    let forms = [
        "COPY copy_types TO STDOUT",
        "COPY copy_types TO STDOUT (FORMAT csv, HEADER)",
        "COPY copy_types TO STDOUT (FORMAT csv, FORCE_QUOTE *, DELIMITER '|', NULL 'NULL')",
        "COPY (SELECT id, t, by FROM copy_types ORDER BY id DESC) TO STDOUT (DELIMITER ',')",
    ];
    let mut outputs = Vec::new();
    for form in forms {
        outputs.push(copy_out_bytes(&orbit, form).await);
    }

    // Byte-identical round trip through Orbit, text and CSV.
    let text = outputs[0].clone();
    orbit.batch_execute(&COPY_TYPES_DDL.replace("copy_types", "copy_back2")).await.unwrap();
    copy_in_bytes(&orbit, "COPY copy_back2 FROM STDIN", &text, 7).await.unwrap();
    assert_eq!(copy_out_bytes(&orbit, "COPY copy_back2 TO STDOUT").await, text);
    orbit.batch_execute("TRUNCATE copy_back2").await.unwrap();
    copy_in_bytes(&orbit, "COPY copy_back2 FROM STDIN (FORMAT csv, HEADER match)", &outputs[1], 11).await.unwrap();
    assert_eq!(copy_out_bytes(&orbit, "COPY copy_back2 TO STDOUT").await, text);

    let real = match orbit_sqllogic::RealPostgres::start() {
        Ok(real) => real,
        Err(e) => {
            eprintln!("\n!!!! comparison with PostgreSQL 15 SKIPPED: {e}\n");
            return;
        }
    };
    let config = format!("host=127.0.0.1 port={} user=postgres dbname=postgres", real.port());
    let (pg, connection) = tokio_postgres::connect(&config, NoTls).await.expect("connect to PostgreSQL");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    pg.batch_execute(COPY_TYPES_DDL).await.unwrap();
    pg.batch_execute(COPY_TYPES_INSERT).await.unwrap();
    for (form, ours) in forms.iter().zip(&outputs) {
        let theirs = copy_out_bytes(&pg, form).await;
        assert_eq!(
            String::from_utf8_lossy(ours),
            String::from_utf8_lossy(&theirs),
            "{form}: Orbit (left) and PostgreSQL 15 (right) differ"
        );
    }
    // PostgreSQL reads Orbit's output back to the same bytes.
    pg.batch_execute(&COPY_TYPES_DDL.replace("copy_types", "copy_back2")).await.unwrap();
    copy_in_bytes(&pg, "COPY copy_back2 FROM STDIN", &text, 4096).await.unwrap();
    assert_eq!(copy_out_bytes(&pg, "COPY copy_back2 TO STDOUT").await, text);
}

/// Bad input gives PostgreSQL 15's SQLSTATE, message and CONTEXT line, and leaves nothing.
#[tokio::test]
async fn copy_errors_match_postgres() {
    let server = TestServer::start(&[], &[]);
    let orbit = connect(&server).await;
    let real = orbit_sqllogic::RealPostgres::start().ok();
    let pg = match &real {
        Some(real) => {
            let config = format!("host=127.0.0.1 port={} user=postgres dbname=postgres", real.port());
            let (pg, connection) = tokio_postgres::connect(&config, NoTls).await.expect("connect to PostgreSQL");
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Some(pg)
        }
        None => {
            eprintln!("\n!!!! comparison with PostgreSQL 15 SKIPPED (not installed); checking Orbit alone\n");
            None
        }
    };
    let ddl = "CREATE TABLE t (a int PRIMARY KEY, b int NOT NULL, c varchar(5) CHECK (c <> 'bad'))";
    orbit.batch_execute(ddl).await.unwrap();
    if let Some(pg) = &pg {
        pg.batch_execute(ddl).await.unwrap();
    }
    let cases: &[(&str, &[u8], &str)] = &[
        ("COPY t FROM STDIN", b"1\t2\tx\n2\tx\ty\n", "22P02"),
        ("COPY t FROM STDIN", b"1\t2\tx\n2\t3\n", "22P04"),
        ("COPY t FROM STDIN", b"1\t2\tx\t5\n", "22P04"),
        ("COPY t FROM STDIN", b"1\t2\tx\n1\t3\ty\n", "23505"),
        ("COPY t FROM STDIN", b"1\t2\tx\n2\t\\N\ty\n", "23502"),
        ("COPY t FROM STDIN", b"1\t2\tx\n2\t3\tbad\n", "23514"),
        ("COPY t FROM STDIN", b"1\t2\ttoo long\n", "22001"),
        ("COPY t FROM STDIN", b"1\t2\tx\r\n2\t3\ty\n", "22P04"),
        ("COPY t FROM STDIN", b"1\t99999999999\tx\n", "22003"),
        ("COPY t FROM STDIN (FORMAT csv)", b"1,2,x\n\"2,3,y\n", "22P04"),
        ("COPY t FROM STDIN (FORMAT csv, HEADER match)", b"a,c,b\n", "22P04"),
        ("COPY t (a, b) FROM STDIN (FORMAT csv)", b"1,2\n2,\n", "23502"),
    ];
    for (sql, data, code) in cases {
        let ours = copy_in_bytes(&orbit, sql, data, 3).await.expect_err("bad input fails");
        let ours = ours.as_db_error().expect("server error");
        assert_eq!(ours.code().code(), *code, "{sql} {:?}: {}", String::from_utf8_lossy(data), ours.message());
        let count: i64 = orbit.query_one("SELECT count(*) FROM t", &[]).await.unwrap().get(0);
        assert_eq!(count, 0, "nothing of a failed COPY stays");
        if let Some(pg) = &pg {
            let theirs = copy_in_bytes(pg, sql, data, 4096).await.expect_err("fails on PostgreSQL too");
            let theirs = theirs.as_db_error().expect("server error");
            assert_eq!(
                (ours.code(), ours.message(), ours.where_()),
                (theirs.code(), theirs.message(), theirs.where_()),
                "{sql} {:?}: Orbit (left) and PostgreSQL 15 (right) differ",
                String::from_utf8_lossy(data)
            );
        }
    }
}

/// pgbench unchanged: `pgbench -i -s 1` (CREATE TABLE WITH (fillfactor), COPY FREEZE,
/// VACUUM, ALTER TABLE ADD PRIMARY KEY), then the built-in tpcb-like, simple-update and
/// select-only scripts in simple, extended and prepared mode with 4 clients and 2 threads:
/// pgbench exits 0 with no failed transaction, and the money adds up (every account,
/// teller and branch balance change is in pgbench_history). Also VACUUM/ANALYZE forms and
/// their errors, and ADD PRIMARY KEY's checks.
#[test]
fn pgbench_runs_unchanged() {
    if Command::new("pgbench").arg("--version").output().is_err() {
        eprintln!("\n!!!! pgbench_runs_unchanged SKIPPED: pgbench is not installed (postgresql-client-15)\n");
        return;
    }
    let server = TestServer::start(&[], &[]);
    let port = pg_port(&server).to_string();
    let conn = ["-h", "127.0.0.1", "-p", port.as_str(), "-U", "postgres"];
    let pgbench = |args: &[&str]| -> String {
        let out = Command::new("pgbench").args(conn).args(args).arg("postgres").output().expect("run pgbench");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "pgbench {args:?} failed:\n{text}");
        text
    };
    let psql = |sql: &str| -> String {
        let out = Command::new("psql")
            .args(conn)
            .args(["-d", "postgres", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("run psql");
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    };
    let init = pgbench(&["-i", "-s", "1"]);
    assert!(init.contains("creating primary keys...") && init.contains("done in"), "{init}");
    assert_eq!(psql("SELECT count(*) FROM pgbench_accounts").trim(), "100000");
    let d =
        psql("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'pgbench_accounts_pkey'");
    assert_eq!(d.trim(), "pgbench_accounts_pkey|PRIMARY KEY (aid)");
    let mut first = true;
    for mode in ["simple", "extended", "prepared"] {
        for script in [&[][..], &["-N"][..], &["-S"][..]] {
            // -n after the first run: pgbench's vacuum step would truncate pgbench_history.
            let mut args = vec!["-c", "4", "-j", "2", "-t", "40", "--verbose-errors", "-M", mode];
            if !first {
                args.push("-n");
            }
            first = false;
            args.extend_from_slice(script);
            let out = pgbench(&args);
            assert!(out.contains("number of failed transactions: 0 "), "pgbench {args:?}:\n{out}");
            assert!(out.contains("number of transactions actually processed: 160/160"), "pgbench {args:?}:\n{out}");
        }
    }
    let sums = psql(
        "SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT sum(delta) FROM pgbench_history), \
         (SELECT sum(tbalance) FROM pgbench_tellers) = (SELECT sum(bbalance) FROM pgbench_branches), \
         (SELECT count(*) FROM pgbench_history)",
    );
    assert_eq!(sums.trim(), "t|t|960", "accounts vs history, tellers vs branches, history rows");

    // VACUUM / ANALYZE in PostgreSQL's grammar.
    for ok in [
        "VACUUM",
        "VACUUM FULL FREEZE VERBOSE ANALYZE pgbench_branches",
        "VACUUM (VERBOSE, ANALYZE, PARALLEL 2) pgbench_tellers (tid, bid), public.pgbench_branches",
        "ANALYZE",
        "ANALYSE VERBOSE pgbench_accounts (aid)",
    ] {
        assert_eq!(psql(ok).trim(), "", "{ok}");
    }
    assert!(psql("VACUUM nosuch").contains("ERROR:  relation \"nosuch\" does not exist"));
    assert!(psql("ANALYZE pgbench_accounts (nosuch)")
        .contains("ERROR:  column \"nosuch\" of relation \"pgbench_accounts\" does not exist"));
    assert!(psql("VACUUM (BOGUS) pgbench_accounts").contains("ERROR:  unrecognized VACUUM option \"bogus\""));
    assert!(psql("BEGIN; VACUUM").contains("ERROR:  VACUUM cannot run inside a transaction block"));

    // ADD PRIMARY KEY checks NULLs and duplicates, then the key is the lookup path.
    psql("CREATE TABLE pk_t (a int, b text); INSERT INTO pk_t VALUES (1, 'x'), (1, 'y'), (NULL, 'z')");
    assert!(psql("ALTER TABLE pk_t ADD PRIMARY KEY (a)")
        .contains("ERROR:  column \"a\" of relation \"pk_t\" contains null values"));
    psql("DELETE FROM pk_t WHERE a IS NULL");
    assert!(
        psql("ALTER TABLE pk_t ADD PRIMARY KEY (a)").contains("ERROR:  could not create unique index \"pk_t_pkey\"")
    );
    psql("DELETE FROM pk_t WHERE b = 'y'");
    assert_eq!(psql("ALTER TABLE pk_t ADD CONSTRAINT pk_t_main PRIMARY KEY (a)").trim(), "");
    assert!(psql("ALTER TABLE pk_t ADD PRIMARY KEY (b)")
        .contains("ERROR:  multiple primary keys for table \"pk_t\" are not allowed"));
    assert_eq!(
        psql("SELECT conname FROM pg_constraint WHERE contype = 'p' AND conname LIKE 'pk_t%'").trim(),
        "pk_t_main"
    );
    assert!(psql("INSERT INTO pk_t VALUES (1, 'again')").contains("ERROR:  duplicate key value"));
    assert_eq!(psql("SELECT b FROM pk_t WHERE a = 1").trim(), "x");
}

/// Results larger than one page are streamed by the server (`orbit_sql::streaming`):
/// every client path gets every row, in order, with the right command tags, through a
/// simple query, the extended protocol, a portal read with a fetch size, COPY TO STDOUT
/// and psql's \copy.
#[tokio::test]
async fn large_results_stream_through_every_client_path() {
    const ROWS: i32 = 20_000;
    let server = TestServer::start(&[], &[]);
    let mut client = connect(&server).await;
    client
        .batch_execute(&format!(
            "CREATE TABLE big (a int PRIMARY KEY, b text); \
             INSERT INTO big SELECT g, 'row ' || g FROM generate_series(1, {ROWS}) AS g"
        ))
        .await
        .expect("setup");
    let expected: Vec<i32> = (1..=ROWS).collect();

    // Simple query: text rows and "SELECT n".
    let messages = client.simple_query("SELECT a, b FROM big").await.expect("simple select");
    let (tags, rows) = simple_results(&messages);
    assert_eq!(tags, vec![ROWS as u64]);
    let got: Vec<i32> = rows.iter().map(|r| r[0].as_deref().expect("a").parse().expect("int")).collect();
    assert_eq!(got, expected);
    assert_eq!(rows[ROWS as usize - 1][1].as_deref(), Some("row 20000"));

    // Extended protocol with a parameter and a filter that rejects whole pages.
    let rows = client.query("SELECT a FROM big WHERE a > $1 AND a % 3 = 0", &[&10_000i32]).await.expect("query");
    let got: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(got, (10_001..=ROWS).filter(|a| a % 3 == 0).collect::<Vec<_>>());

    // A portal with a fetch size, in a transaction that also wrote.
    let tx = client.transaction().await.expect("begin");
    tx.execute("DELETE FROM big WHERE a <= 500", &[]).await.expect("delete in the block");
    let statement = tx.prepare("SELECT a FROM big").await.expect("prepare");
    let portal = tx.bind(&statement, &[]).await.expect("bind");
    let mut sizes = Vec::new();
    let mut seen = Vec::new();
    loop {
        let rows = tx.query_portal(&portal, 3000).await.expect("fetch");
        sizes.push(rows.len());
        seen.extend(rows.iter().map(|r| r.get::<_, i32>(0)));
        if rows.len() < 3000 {
            break;
        }
    }
    assert_eq!(seen, (501..=ROWS).collect::<Vec<_>>(), "the block's own delete is seen");
    assert_eq!(sizes, vec![3000, 3000, 3000, 3000, 3000, 3000, 1500]);
    tx.rollback().await.expect("rollback");

    // COPY TO STDOUT of the table and of a filtered query.
    let text: String = (1..=ROWS).map(|a| format!("{a}\trow {a}\n")).collect();
    assert_eq!(String::from_utf8(copy_out_bytes(&client, "COPY big TO STDOUT").await).unwrap(), text);
    let csv: String = (1..=ROWS).filter(|a| a % 1000 == 0).map(|a| format!("{},row {a}\n", a * 2)).collect();
    let sql = "COPY (SELECT a * 2, b FROM big WHERE a % 1000 = 0) TO STDOUT (FORMAT csv)";
    assert_eq!(String::from_utf8(copy_out_bytes(&client, sql).await).unwrap(), csv);

    if !psql_available() {
        eprintln!("psql is not installed; skipping its \\copy");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("big.txt");
    let out = psql(pg_port(&server), &["-c", &format!("\\copy big TO '{}'", file.display())]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("COPY {ROWS}"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    // FETCH_COUNT: psql reads through DECLARE ... CURSOR and FETCH FORWARD in a block.
    let out = psql(pg_port(&server), &["-At", "-v", "FETCH_COUNT=700", "-c", "SELECT a, b FROM big WHERE a > 100"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: String = (101..=ROWS).map(|a| format!("{a}|row {a}\n")).collect();
    assert_eq!(String::from_utf8_lossy(&out.stdout), lines);
}
