//! Orbit's Bolt listener, end to end against the built server: the handshake and bad
//! input over raw sockets (bytes written as the Bolt specification lays them out), the
//! Neo4j Python driver 6.x (tests/clients/neo4j_session.py) over bolt:// and neo4j://,
//! durability across a restart and kill -9, and actor mode. The driver lives in the
//! virtualenv the test command makes (`ORBIT_NEO4J_VENV`, default
//! `~/.cache/orbit-venv-neo4j`); without it those tests skip loudly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use orbit_tests::server::TestServer;

const PASSWORD_ARGS: [&str; 2] = ["--cypher-users", "neo4j=secret"];

fn skip(test: &str, why: &str) {
    eprintln!("\n!!!! SKIPPED {test}: {why}\n");
}

fn venv_python() -> Option<PathBuf> {
    let venv = match std::env::var_os("ORBIT_NEO4J_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/orbit-venv-neo4j"),
    };
    let python = venv.join("bin/python");
    python.exists().then_some(python)
}

fn bolt_port(server: &TestServer) -> u16 {
    server.listener_port("--bolt-port")
}

/// Runs the driver script; returns (stdout, stderr, success).
fn driver(port: u16, scheme: &str, args: &[&str]) -> (String, String, bool) {
    let python = venv_python().expect("the neo4j driver is installed");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/neo4j_session.py");
    let out = Command::new(python)
        .arg(script)
        .args(["127.0.0.1", &port.to_string(), scheme])
        .args(args)
        .output()
        .expect("run python");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

// ------------------------------------------------------------ raw Bolt

const MAGIC: [u8; 4] = [0x60, 0x60, 0xB0, 0x17];

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the Bolt port");
    stream.set_read_timeout(Some(Duration::from_secs(15))).expect("read timeout");
    stream
}

/// Sends the magic and four version slots; returns the server's 4-byte answer.
fn handshake(stream: &mut TcpStream, slots: [[u8; 4]; 4]) -> [u8; 4] {
    let mut bytes = MAGIC.to_vec();
    for slot in slots {
        bytes.extend_from_slice(&slot);
    }
    stream.write_all(&bytes).expect("send the handshake");
    let mut answer = [0u8; 4];
    stream.read_exact(&mut answer).expect("the handshake answer");
    answer
}

/// Everything the server sends until it closes; None when it keeps the connection open.
/// A reset counts as a close (a socket closed with unread input resets).
fn until_closed(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut rest = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return Some(rest),
            Ok(n) => rest.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe) => {
                return Some(rest)
            }
            Err(_) => return None,
        }
    }
}

fn closed(stream: &mut TcpStream) -> bool {
    until_closed(stream).is_some()
}

/// PackStream: a string of under 16 bytes or a String8.
fn string(s: &str) -> Vec<u8> {
    let mut out = if s.len() < 16 { vec![0x80 | s.len() as u8] } else { vec![0xD0, s.len() as u8] };
    out.extend_from_slice(s.as_bytes());
    out
}

/// A tiny map of string entries.
fn map(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut out = vec![0xA0 | entries.len() as u8];
    for (k, v) in entries {
        out.extend(string(k));
        out.extend(string(v));
    }
    out
}

/// One message of one chunk.
fn message(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out.extend_from_slice(&[0, 0]);
    out
}

/// A structure of one field: `B1 tag field`.
fn struct1(tag: u8, field: Vec<u8>) -> Vec<u8> {
    let mut out = vec![0xB1, tag];
    out.extend(field);
    out
}

/// Reads one whole response message and returns its body.
fn response(stream: &mut TcpStream) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let mut header = [0u8; 2];
        stream.read_exact(&mut header).expect("a chunk header");
        let len = u16::from_be_bytes(header) as usize;
        if len == 0 {
            if body.is_empty() {
                continue;
            }
            return body;
        }
        let mut chunk = vec![0u8; len];
        stream.read_exact(&mut chunk).expect("a chunk");
        body.extend(chunk);
    }
}

const SUCCESS: [u8; 2] = [0xB1, 0x70];
const FAILURE: [u8; 2] = [0xB1, 0x7F];

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Handshake on 5.8, HELLO and LOGON with `password`; returns LOGON's answer.
fn log_on(stream: &mut TcpStream, password: &str) -> Vec<u8> {
    assert_eq!(handshake(stream, [[0, 8, 8, 5], [0; 4], [0; 4], [0; 4]]), [0, 0, 8, 5]);
    stream.write_all(&message(&struct1(0x01, map(&[("user_agent", "orbit-e2e/1")])))).expect("HELLO");
    let hello = response(stream);
    assert_eq!(hello.get(..2), Some(&SUCCESS[..]), "{hello:02X?}");
    assert!(contains(&hello, "Neo4j/5.26.0") && contains(&hello, "bolt-"), "{hello:02X?}");
    let auth = map(&[("scheme", "basic"), ("principal", "neo4j"), ("credentials", password)]);
    stream.write_all(&message(&struct1(0x6A, auth))).expect("LOGON");
    response(stream)
}

#[test]
fn handshakes_negotiate_and_refuse() {
    let server = TestServer::start(&PASSWORD_ARGS, &[]);
    let port = bolt_port(&server);

    let mut s = connect(port);
    assert_eq!(handshake(&mut s, [[0, 8, 8, 5], [0, 0, 4, 4], [0; 4], [0; 4]]), [0, 0, 8, 5]);

    let mut s = connect(port);
    assert_eq!(handshake(&mut s, [[0, 0, 4, 4], [0; 4], [0; 4], [0; 4]]), [0, 0, 4, 4]);

    // What 5.7+ drivers send first: the manifest slot, which is no version of ours.
    let mut s = connect(port);
    assert_eq!(handshake(&mut s, [[0, 0, 1, 0xFF], [0, 8, 8, 5], [0, 0, 4, 4], [0; 4]]), [0, 0, 8, 5]);

    // 5.5 was withdrawn: nothing to agree on.
    let mut s = connect(port);
    assert_eq!(handshake(&mut s, [[0, 0, 5, 5], [0; 4], [0; 4], [0; 4]]), [0; 4]);
    assert!(closed(&mut s));

    // Not the magic: zeros and a close.
    let mut s = connect(port);
    s.write_all(b"\x01\x02\x03\x04hello, is this a database?").expect("garbage");
    assert_eq!(until_closed(&mut s), Some(vec![0, 0, 0, 0]));

    // An HTTP request: closed without a byte.
    let mut s = connect(port);
    s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("HTTP");
    assert_eq!(until_closed(&mut s), Some(vec![]));
}

#[test]
fn bad_input_closes_only_that_connection() {
    let server = TestServer::start(&["--cypher-users", "neo4j=secret", "--cypher-max-message-bytes", "65536"], &[]);
    let port = bolt_port(&server);

    // A message growing past the maximum: refused when its second chunk is announced.
    let mut s = connect(port);
    assert_eq!(log_on(&mut s, "secret").get(..2), Some(&SUCCESS[..]));
    let mut oversize = vec![0xFF, 0xFF];
    oversize.extend(std::iter::repeat(0x61).take(0xFFFF));
    oversize.extend([0xFF, 0xFF]);
    s.write_all(&oversize).expect("oversize chunks");
    let failure = response(&mut s);
    assert_eq!(failure.get(..2), Some(&FAILURE[..]), "{failure:02X?}");
    assert!(contains(&failure, "Neo.ClientError.Request.Invalid"));
    assert!(closed(&mut s));

    // A RUN whose query string is cut short.
    let mut s = connect(port);
    log_on(&mut s, "secret");
    s.write_all(&message(&[0xB3, 0x10, 0x8A, b'R', b'E', b'T'])).expect("truncated RUN");
    let failure = response(&mut s);
    assert_eq!(failure.get(..2), Some(&FAILURE[..]), "{failure:02X?}");
    assert!(contains(&failure, "Neo.ClientError.Request.Invalid"));
    assert!(closed(&mut s));

    // A parameter with a structure tag Bolt does not define.
    let mut s = connect(port);
    log_on(&mut s, "secret");
    let mut run = vec![0xB3, 0x10];
    run.extend(string("RETURN $x"));
    run.extend([0xA1, 0x81, b'x', 0xB0, 0x01]);
    run.push(0xA0);
    s.write_all(&message(&run)).expect("RUN with an unknown structure");
    let failure = response(&mut s);
    assert_eq!(failure.get(..2), Some(&FAILURE[..]), "{failure:02X?}");
    assert!(closed(&mut s));

    // Lists nested 300 deep.
    let mut s = connect(port);
    log_on(&mut s, "secret");
    let mut run = vec![0xB3, 0x10];
    run.extend(string("RETURN $x"));
    run.extend([0xA1, 0x81, b'x']);
    run.extend(std::iter::repeat(0x91).take(300));
    run.extend([0x01, 0xA0]);
    s.write_all(&message(&run)).expect("deep RUN");
    assert_eq!(response(&mut s).get(..2), Some(&FAILURE[..]));
    assert!(closed(&mut s));

    // The server still serves the next connection.
    let mut s = connect(port);
    assert_eq!(log_on(&mut s, "secret").get(..2), Some(&SUCCESS[..]));
}

#[test]
fn wrong_password_is_unauthorized_and_closes() {
    let server = TestServer::start(&PASSWORD_ARGS, &[]);
    let mut s = connect(bolt_port(&server));
    let failure = log_on(&mut s, "not-the-password");
    assert_eq!(failure.get(..2), Some(&FAILURE[..]), "{failure:02X?}");
    assert!(contains(&failure, "Neo.ClientError.Security.Unauthorized"));
    assert!(contains(&failure, "The client is unauthorized due to authentication failure."));
    assert!(closed(&mut s));

    if venv_python().is_some() {
        let (out, err, ok) = driver(bolt_port(&server), "bolt", &["wrong-password"]);
        assert!(ok, "{out}\n{err}");
        assert_eq!(out, "wrong password AuthError Neo.ClientError.Security.Unauthorized\n", "{err}");
    }
}

// ------------------------------------------------------------ the Python driver

/// What the driver session prints, as Neo4j 5 answers it.
fn session_lines() -> String {
    [
        "agent Neo4j/5.26.0",
        "execute_query ['one', 'two', 'l'] [[1, 'two', [1, 2.5, None]]] neo4j",
        "created 2 1 5 2 True",
        "node ['Person'] Ann True True",
        "relationship KNOWS 2020 True True",
        "path 1 True True True",
        "element ids Ann 2020",
        "rollback 1 0",
        "commit 1 True",
        "syntax CypherSyntaxError Neo.ClientError.Statement.SyntaxError 42001",
        "fetch_size 2 [1, 2, 3, 4, 5, 6, 7] 4",
        "temporal dt True",
        "temporal zoned True",
        "temporal date True",
        "temporal local True",
        "temporal time True",
        "temporal dur True",
        "temporal point True",
        "temporal geo True",
        "temporal fields 2024 13 12 Europe/Paris +02:00",
    ]
    .iter()
    .map(|l| format!("{l}\n"))
    .collect()
}

#[test]
fn python_driver_session_over_bolt_and_neo4j_uris() {
    if venv_python().is_none() {
        return skip("python_driver_session_over_bolt_and_neo4j_uris", "the neo4j driver is not installed");
    }
    let server = TestServer::start(&PASSWORD_ARGS, &[]);
    for scheme in ["bolt", "neo4j"] {
        let (out, err, ok) = driver(bolt_port(&server), scheme, &["session"]);
        assert!(ok, "{scheme}: the driver session failed:\n{out}\n{err}");
        assert_eq!(out, session_lines(), "{scheme}; stderr:\n{err}");
    }
}

#[test]
fn committed_transactions_survive_restart_and_kill_9() {
    if venv_python().is_none() {
        return skip("committed_transactions_survive_restart_and_kill_9", "the neo4j driver is not installed");
    }
    let mut server = TestServer::start(&PASSWORD_ARGS, &[]);
    let (out, err, ok) = driver(bolt_port(&server), "bolt", &["write", "5"]);
    assert!(ok && out == "written\n", "{out}\n{err}");
    server.restart();
    let (out, err, _) = driver(bolt_port(&server), "bolt", &["count"]);
    assert_eq!(out, "count 10\n", "after a restart; stderr:\n{err}");

    let (out, err, ok) = driver(bolt_port(&server), "neo4j", &["write", "3"]);
    assert!(ok && out == "written\n", "{out}\n{err}");
    server.kill9();
    server.restart();
    let (out, err, _) = driver(bolt_port(&server), "bolt", &["count"]);
    assert_eq!(out, "count 16\n", "after kill -9; stderr:\n{err}");
    assert!(server.data_dir().join("cypher/rocksdb").is_dir());
}

#[test]
fn actor_mode_serves_cypher_in_memory() {
    if venv_python().is_none() {
        return skip("actor_mode_serves_cypher_in_memory", "the neo4j driver is not installed");
    }
    let mut server = TestServer::start(&PASSWORD_ARGS, &[("ORBIT_CYPHER_MODE", "actor")]);
    let (out, err, ok) = driver(bolt_port(&server), "bolt", &["write", "2"]);
    assert!(ok && out == "written\n", "{out}\n{err}");
    let (out, err, _) = driver(bolt_port(&server), "neo4j", &["count"]);
    assert_eq!(out, "count 4\n", "{err}");
    assert!(!server.data_dir().join("cypher").exists(), "actor mode has no directory");
    server.restart();
    let (out, err, _) = driver(bolt_port(&server), "bolt", &["count"]);
    assert_eq!(out, "count 0\n", "actor-held data is gone after a restart; stderr:\n{err}");
}
