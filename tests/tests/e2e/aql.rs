//! Orbit's ArangoDB listener, end to end against the built server: raw HTTP/1.1 over a
//! socket (version, authentication, the error envelope, unknown paths, malformed and
//! oversize bodies, deep nesting, invalid UTF-8, a stalled client, HEAD), python-arango
//! 8.x (tests/clients/arango_session.py) and arangojs 10.x (tests/clients/arango_session.cjs)
//! sessions, durability across a restart and kill -9, actor mode, and the replay of the
//! ArangoDB documentation's HTTP transcripts (tests/arango/rest_examples.py) against the
//! committed baseline. The drivers live outside the clone (`ORBIT_ARANGO_VENV`, default
//! `~/.cache/orbit-venv-arango`; `ORBIT_ARANGO_JS`, default `~/.cache/orbit-node-arango`,
//! both installed by scripts/test.sh); without them those tests skip loudly. Expected
//! answers are ArangoDB's (its documentation and the recorded transcripts).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use orbit_tests::server::{parse_response, HttpResponse, TestServer};
use serde_json::Value;

const PASSWORD: &str = "orbit-pw";
const SECRET: &str = "e2e-secret";
const ARGS: [&str; 4] = ["--aql-users", "root=orbit-pw", "--aql-jwt-secret", "e2e-secret"];
/// `root:orbit-pw`
const BASIC: &str = "Basic cm9vdDpvcmJpdC1wdw==";
/// `root:wrong`
const BASIC_WRONG: &str = "Basic cm9vdDp3cm9uZw==";

fn skip(test: &str, why: &str) {
    eprintln!("\n!!!! SKIPPED {test}: {why}\n");
}

fn home_cache(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache").join(default),
    }
}

fn venv_python() -> Option<PathBuf> {
    let python = home_cache("ORBIT_ARANGO_VENV", "orbit-venv-arango").join("bin/python");
    let ok = python.exists()
        && Command::new(&python).args(["-c", "import arango"]).output().map(|o| o.status.success()).unwrap_or(false);
    ok.then_some(python)
}

fn http_port(server: &TestServer) -> u16 {
    server.listener_port("--http-port")
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the HTTP port");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("read timeout");
    stream.set_write_timeout(Some(Duration::from_secs(30))).expect("write timeout");
    stream
}

/// One request with `Connection: close`; `headers` are whole lines without CRLF.
fn request(port: u16, method: &str, path: &str, headers: &[&str], body: &[u8]) -> HttpResponse {
    let mut stream = connect(port);
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    let has_length = headers.iter().any(|h| h.to_ascii_lowercase().starts_with("content-length:"));
    if !has_length && (!body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH")) {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).expect("send the request");
    read_response(&mut stream)
}

fn read_response(stream: &mut TcpStream) -> HttpResponse {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(e) if !raw.is_empty() && e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the response: {e} (read so far: {:?})", String::from_utf8_lossy(&raw)),
        }
    }
    parse_response(&raw).unwrap_or_else(|e| panic!("not an HTTP response: {e}"))
}

fn get(port: u16, path: &str) -> HttpResponse {
    request(port, "GET", path, &[&format!("Authorization: {BASIC}")], b"")
}

fn send_json(port: u16, method: &str, path: &str, body: &str) -> HttpResponse {
    request(
        port,
        method,
        path,
        &[&format!("Authorization: {BASIC}"), "Content-Type: application/json"],
        body.as_bytes(),
    )
}

/// The error envelope exactly: `{code, error: true, errorMessage, errorNum}` with `code`
/// the HTTP status.
fn assert_error(response: &HttpResponse, status: u16, error_num: u64) -> Value {
    assert_eq!(response.status, status, "{}", response.body);
    let body = response.json();
    let mut keys: Vec<&str> = body.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "error", "errorMessage", "errorNum"], "{body}");
    assert_eq!(body["code"], status, "{body}");
    assert_eq!(body["error"], true, "{body}");
    assert_eq!(body["errorNum"], error_num, "{body}");
    assert!(body["errorMessage"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert!(response.header("content-type").is_some_and(|t| t.starts_with("application/json")), "{response:?}");
    body
}

fn still_serves(port: u16) {
    let version = get(port, "/_api/version");
    assert_eq!(version.status, 200, "{}", version.body);
    assert_eq!(version.json()["server"], "arango");
}

// ------------------------------------------------------------ raw HTTP

#[test]
fn version_authentication_and_the_error_envelope() {
    let server = TestServer::start(&ARGS, &[]);
    let port = http_port(&server);

    let version = get(port, "/_api/version");
    assert_eq!(version.status, 200, "{}", version.body);
    assert!(version.header("content-type").is_some_and(|t| t.starts_with("application/json")));
    let body = version.json();
    assert_eq!(body["server"], "arango");
    assert!(body["version"].as_str().is_some_and(|v| v.starts_with("4.")), "{body}");
    assert!(body["license"].is_string() && body.get("details").is_none() && body.get("errorNum").is_none(), "{body}");
    let details = get(port, "/_api/version?details=true").json();
    assert!(details["details"].is_object(), "{details}");
    let details = get(port, "/_db/_system/_api/version?details=1").json();
    assert!(details["details"].is_object(), "{details}");
    assert_eq!(get(port, "/_api/engine").json()["name"], "rocksdb");

    // No credentials, wrong ones, a forged token: 401 with errorNum 11.
    assert_error(&request(port, "GET", "/_api/version", &[], b""), 401, 11);
    assert_error(&request(port, "GET", "/_api/collection", &[&format!("Authorization: {BASIC_WRONG}")], b""), 401, 11);
    let forged = "Authorization: bearer eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhcmFuZ29kYiJ9.c2lnbmF0dXJl";
    assert_error(&request(port, "GET", "/_api/database", &[forged], b""), 401, 11);

    // A JWT from /_open/auth authenticates; a wrong password gets none.
    let login = request(
        port,
        "POST",
        "/_open/auth",
        &["Content-Type: application/json"],
        format!(r#"{{"username":"root","password":"{PASSWORD}"}}"#).as_bytes(),
    );
    assert_eq!(login.status, 200, "{}", login.body);
    let jwt = login.json()["jwt"].as_str().map(str::to_string).expect("a jwt");
    assert_eq!(jwt.split('.').count(), 3, "{jwt}");
    let with_token = request(port, "GET", "/_api/database/current", &[&format!("Authorization: bearer {jwt}")], b"");
    assert_eq!(with_token.status, 200, "{}", with_token.body);
    assert_eq!(with_token.json()["result"]["name"], "_system");
    let refused = request(port, "POST", "/_open/auth", &[], br#"{"username":"root","password":"nope"}"#);
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.json()["error"], true);

    // The envelope for a missing collection, and never errorNum in a success body.
    let missing = assert_error(&get(port, "/_api/collection/no_such_collection"), 404, 1203);
    assert!(missing["errorMessage"].as_str().is_some_and(|m| m.contains("not found")), "{missing}");
    let created = send_json(port, "POST", "/_api/collection", r#"{"name":"envelope"}"#);
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.json().get("errorNum").is_none(), "{}", created.body);
    assert_error(&send_json(port, "POST", "/_api/collection", r#"{"name":"envelope"}"#), 409, 1207);

    // Unknown paths: 404 with errorNum 404.
    let unknown = assert_error(&get(port, "/_api/no-such-endpoint"), 404, 404);
    assert!(unknown["errorMessage"].as_str().is_some_and(|m| m.contains("unknown path")), "{unknown}");
    assert_error(&get(port, "/definitely/not/arango"), 404, 404);
}

#[test]
fn bad_bodies_answer_errors_and_never_disturb_the_server() {
    let server = TestServer::start(&["--aql-users", "root=orbit-pw", "--aql-max-body-bytes", "65536"], &[]);
    let port = http_port(&server);
    assert_eq!(send_json(port, "POST", "/_api/collection", r#"{"name":"bodies"}"#).status, 200);

    // Malformed JSON: 400 with errorNum 600 (ArangoDB's RestDocumentHandlerPostBadJson1).
    assert_error(&send_json(port, "POST", "/_api/document/bodies", r#"{ 1: "World" }"#), 400, 600);
    assert_error(&send_json(port, "POST", "/_api/cursor", r#"{"query": "RETURN 1""#), 400, 600);
    // A cursor without a query (RestCursorCreateCursorMissingBody): 400 with 1502.
    assert_error(&send_json(port, "POST", "/_api/cursor", ""), 400, 1502);

    // Invalid UTF-8 inside a JSON string.
    let mut invalid = br#"{"name": ""#.to_vec();
    invalid.extend_from_slice(&[0xC3, 0x28, 0xFF, 0xFE]);
    invalid.extend_from_slice(br#""}"#);
    let response = request(
        port,
        "POST",
        "/_api/document/bodies",
        &[&format!("Authorization: {BASIC}"), "Content-Type: application/json"],
        &invalid,
    );
    assert_error(&response, 400, 600);

    // Bodies over the limit: 413, whether announced or sent.
    let huge = request(
        port,
        "POST",
        "/_api/document/bodies",
        &[&format!("Authorization: {BASIC}"), "Content-Length: 10000000000"],
        b"",
    );
    assert_eq!(huge.status, 413, "{}", huge.body);
    let mut big = br#"{"pad":""#.to_vec();
    big.extend(std::iter::repeat(b'x').take(70_000));
    big.extend_from_slice(br#""}"#);
    let big = request(port, "POST", "/_api/document/bodies", &[&format!("Authorization: {BASIC}")], &big);
    assert_eq!(big.status, 413, "{}", big.body);

    // Nesting far deeper than any stack: an error envelope (or a stored document), never a crash.
    let depth = 10_000;
    let mut deep = "{\"a\":".repeat(depth);
    deep.push('1');
    deep.push_str(&"}".repeat(depth));
    let response = send_json(port, "POST", "/_api/document/bodies", &deep);
    assert!(matches!(response.status, 201 | 202 | 400), "{} {}", response.status, response.body);
    if response.status == 400 {
        assert_error(&response, 400, 600);
    }
    let deep_array = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let response =
        send_json(port, "POST", "/_api/cursor", &format!(r#"{{"query":"RETURN @v","bindVars":{{"v":{deep_array}}}}}"#));
    assert!(matches!(response.status, 201 | 400), "{} {}", response.status, response.body);

    // Not HTTP at all: the server answers 400 or closes, and keeps serving.
    let mut garbage = connect(port);
    garbage.write_all(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n").expect("garbage");
    let mut sink = Vec::new();
    let _ = garbage.read_to_end(&mut sink);
    still_serves(port);
    let count = get(port, "/_api/collection/bodies/count").json();
    assert!(count["count"].as_u64().is_some_and(|n| n <= 1), "{count}");
}

#[test]
fn a_stalled_client_does_not_hold_up_another() {
    let server = TestServer::start(&ARGS, &[]);
    let port = http_port(&server);
    // Half a request: headers announcing a body that never comes, and half a request line.
    let mut stalled = connect(port);
    stalled
        .write_all(
            format!("POST /_api/cursor HTTP/1.1\r\nHost: x\r\nAuthorization: {BASIC}\r\nContent-Length: 100\r\n\r\n{{\"query\"")
                .as_bytes(),
        )
        .expect("half a request");
    let mut half_line = connect(port);
    half_line.write_all(b"GET /_api/vers").expect("half a request line");

    let started = Instant::now();
    for _ in 0..5 {
        still_serves(port);
    }
    let cursor = send_json(port, "POST", "/_api/cursor", r#"{"query":"FOR i IN 1..3 RETURN i * 2"}"#);
    assert_eq!(cursor.status, 201, "{}", cursor.body);
    assert_eq!(cursor.json()["result"], serde_json::json!([2, 4, 6]));
    assert!(started.elapsed() < Duration::from_secs(10), "other connections waited {:?}", started.elapsed());
    drop(stalled);
    drop(half_line);
    still_serves(port);
}

/// `--aql-max-connections` caps the listener: a connection over the cap is closed
/// unanswered, and a freed slot serves again. `--aql-auth false` (ArangoDB's
/// `--server.authentication false`) serves requests without credentials.
#[test]
fn connection_cap_and_authentication_off() {
    let server = TestServer::start(&["--aql-max-connections", "2", "--aql-auth", "false"], &[]);
    let port = http_port(&server);
    let version = request(port, "GET", "/_api/version", &[], b"");
    assert_eq!(version.status, 200, "{}", version.body);
    assert_eq!(version.json()["server"], "arango");
    assert_error(&request(port, "GET", "/_db/no_such_db/_api/version", &[], b""), 404, 1228);

    // Two kept-alive connections that were served hold both slots. The connections of the
    // requests above release theirs when the server sees them close, which may take a
    // moment: until then a new connection is closed unanswered, and is tried again.
    let mut held: Vec<TcpStream> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while held.len() < 2 {
        let mut stream = connect(port);
        let _ = stream.write_all(b"GET /_api/version HTTP/1.1\r\nHost: x\r\n\r\n");
        if one_kept_alive_response(&mut stream) {
            held.push(stream);
        } else {
            assert!(Instant::now() < deadline, "two connections were never both served");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let mut over = connect(port);
    let _ = over.write_all(b"GET /_api/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut answer = Vec::new();
    let _ = over.read_to_end(&mut answer);
    assert!(answer.is_empty(), "a third connection was served: {}", String::from_utf8_lossy(&answer));

    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut stream = connect(port);
        let _ = stream.write_all(b"GET /_api/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        if !raw.is_empty() {
            let response = parse_response(&raw).expect("an HTTP response");
            assert_eq!(response.status, 200, "{}", response.body);
            break;
        }
        assert!(Instant::now() < deadline, "the freed slot never served");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Reads one response of a kept-alive connection (headers, then Content-Length bytes);
/// false when the server closed it without answering.
fn one_kept_alive_response(stream: &mut TcpStream) -> bool {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if raw.len() >= end + 4 + length {
                return head.starts_with("http/1.1 200");
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
        }
    }
}

#[test]
fn head_answers_headers_without_a_body() {
    let server = TestServer::start(&ARGS, &[]);
    let port = http_port(&server);
    assert_eq!(send_json(port, "POST", "/_api/collection", r#"{"name":"products"}"#).status, 200);
    let created = send_json(port, "POST", "/_api/document/products", r#"{"_key":"p1","hello":"world"}"#);
    assert!(matches!(created.status, 201 | 202), "{}", created.body);
    let rev = created.json()["_rev"].as_str().map(str::to_string).expect("a _rev");

    let auth = format!("Authorization: {BASIC}");
    let head = request(port, "HEAD", "/_api/document/products/p1", &[&auth], b"");
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "", "HEAD sent a body");
    assert_eq!(head.header("etag"), Some(format!("\"{rev}\"").as_str()), "{head:?}");
    let head = request(port, "HEAD", "/_api/document/products/nope", &[&auth], b"");
    assert_eq!((head.status, head.body.as_str()), (404, ""));

    // If-None-Match with the current revision: 304; If-Match with another: 412 naming the
    // current revision (RestDocumentHandlerReadDocumentIfNoneMatch, ...UpdateDocumentIfMatchOther).
    let not_modified =
        request(port, "GET", "/_api/document/products/p1", &[&auth, &format!("If-None-Match: \"{rev}\"")], b"");
    assert_eq!((not_modified.status, not_modified.body.as_str()), (304, ""));
    let stale = request(
        port,
        "PUT",
        "/_api/document/products/p1",
        &[&auth, "If-Match: \"_aaaaaaaaaa\"", "Content-Type: application/json"],
        br#"{"other":"content"}"#,
    );
    assert_eq!(stale.status, 412, "{}", stale.body);
    let body = stale.json();
    assert_eq!(
        (body["error"].as_bool(), body["code"].as_u64(), body["errorNum"].as_u64()),
        (Some(true), Some(412), Some(1200))
    );
    assert_eq!((body["_key"].as_str(), body["_rev"].as_str()), (Some("p1"), Some(rev.as_str())), "{body}");
    let doc = get(port, "/_api/document/products/p1");
    assert_eq!(doc.status, 200);
    let body = doc.json();
    assert_eq!(
        (body["_id"].as_str(), body["_key"].as_str(), body["hello"].as_str()),
        (Some("products/p1"), Some("p1"), Some("world"))
    );
    assert_eq!(doc.header("etag"), Some(format!("\"{rev}\"").as_str()));
}

// ------------------------------------------------------------ python-arango

fn py_session(port: u16, mode: &[&str]) -> (String, String, bool) {
    let python = venv_python().expect("python-arango is installed");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/arango_session.py");
    let out = Command::new(python)
        .arg(script)
        .args(["127.0.0.1", &port.to_string(), PASSWORD, SECRET])
        .args(mode)
        .output()
        .expect("run python");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// What the python-arango session prints, as ArangoDB answers it.
fn python_session_lines() -> String {
    [
        "version 4",
        "create_database True",
        "has_database True True",
        "alice database e2e_db rw",
        "carol True ro",
        "collection people False True",
        "insert people/ann ann True",
        "insert_many bob cy DocumentInsertError:1210 dee eve",
        "count 5",
        "get Ann 31 True None",
        "stale revision DocumentRevisionError 412 1200",
        "update 32 Ann True",
        "replace Cy ['nick']",
        "get_many ['bob', 'eve']",
        "delete cy False 4",
        "index persistent ['age'] by_age True False",
        "index again False True",
        "indexes ['persistent', 'persistent', 'primary']",
        "unique violation 409 1210",
        "cursor first batch ['bob', 'ann'] True 4",
        "cursor all ['bob', 'ann', 'cy', 'eve']",
        "collection bind [5]",
        "expressions [[('n', 3), ('sum', 3.5), ('up', 'ORBIT')]]",
        "bad query 400 1501",
        "bad query 400 1551",
        "graph social ['people'] ['knows'] True",
        "traversal ['bob', 'cy', 'dee']",
        "paths [['ann', 'bob', 'dee', 'eve']]",
        "edges ['people/bob', 'people/cy']",
        "vertex Bob",
        "txn running False True",
        "commit True True",
        "abort True False False",
        "jwt session 6",
        "superuser token True",
        "drop True True False",
    ]
    .iter()
    .map(|l| format!("{l}\n"))
    .collect()
}

#[test]
fn python_arango_session() {
    if venv_python().is_none() {
        return skip("python_arango_session", "python-arango is not installed (ORBIT_ARANGO_VENV)");
    }
    let server = TestServer::start(&ARGS, &[]);
    let (out, err, ok) = py_session(http_port(&server), &["session"]);
    assert!(ok, "the python-arango session failed:\n{out}\n{err}\nserver log:\n{}", server.stderr());
    assert_eq!(out, python_session_lines(), "stderr:\n{err}");

    let (out, err, ok) = py_session(http_port(&server), &["wrong-password"]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(out, "basic ServerConnectionError\njwt JWTAuthError 401\n", "{err}");
}

// ------------------------------------------------------------ arangojs

fn js_driver_dir() -> PathBuf {
    home_cache("ORBIT_ARANGO_JS", "orbit-node-arango")
}

fn js_session_lines() -> String {
    [
        "version arango 4",
        "databases true",
        "access rw",
        "collection items 2",
        "save items/a string",
        "saveAll [\"b\",\"error:1210\",\"c\",\"d\"]",
        "count 4",
        "document 1 [\"x\"] true null",
        "stale ArangoError 412 1200",
        "update 5 [\"v\"]",
        "remove 4 false",
        "index persistent [\"v\"] true",
        "indexes [\"persistent\",\"primary\"]",
        "cursor 3 true [\"b\",\"c\",\"a\"]",
        "batches [[10,20],[30,40],[50]]",
        "syntax ArangoError 400 1501",
        "unknown collection ArangoError 404 1203",
        "traversal [\"b\",\"c\"]",
        "shortest [\"a\",\"b\",\"c\"]",
        "edges [\"items/b\"]",
        "trx running false",
        "commit committed true",
        "abort aborted false",
        "login string 3 4",
        "wrong password ArangoError 401 11",
        "drop true",
        "arangojs session ok",
    ]
    .iter()
    .map(|l| format!("{l}\n"))
    .collect()
}

#[test]
fn arangojs_session() {
    if !js_driver_dir().join("node_modules/arangojs/package.json").is_file() {
        return skip("arangojs_session", "npm arangojs is not installed (ORBIT_ARANGO_JS)");
    }
    if Command::new("node").arg("--version").output().is_err() {
        return skip("arangojs_session", "node is not installed");
    }
    let server = TestServer::start(&ARGS, &[]);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/arango_session.cjs");
    let out = Command::new("node")
        .arg(script)
        .arg(js_driver_dir())
        .args([&format!("http://127.0.0.1:{}", http_port(&server)), PASSWORD])
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "the arangojs session failed:\n{stdout}\n{stderr}\nserver log:\n{}", server.stderr());
    assert_eq!(stdout, js_session_lines(), "stderr:\n{stderr}");
}

// ------------------------------------------------------------ durability and actor mode

#[test]
fn acknowledged_writes_survive_restart_and_kill_9() {
    if venv_python().is_none() {
        return skip("acknowledged_writes_survive_restart_and_kill_9", "python-arango is not installed");
    }
    let mut server = TestServer::start(&ARGS, &[]);
    let (out, err, ok) = py_session(http_port(&server), &["write", "5"]);
    assert!(ok && out == "written\n", "{out}\n{err}");
    server.restart();
    let (out, err, _) = py_session(http_port(&server), &["check"]);
    assert_eq!(out, "count 5 indexes ['by_n', 'primary'] graph True reachable 4\n", "after a restart; stderr:\n{err}");

    let (out, err, ok) = py_session(http_port(&server), &["write", "3"]);
    assert!(ok && out == "written\n", "{out}\n{err}");
    server.kill9();
    server.restart();
    let (out, err, _) = py_session(http_port(&server), &["check"]);
    assert_eq!(out, "count 8 indexes ['by_n', 'primary'] graph True reachable 7\n", "after kill -9; stderr:\n{err}");
    assert!(server.data_dir().join("aql/rocksdb").is_dir());
}

#[test]
fn actor_mode_serves_a_session_in_memory() {
    if venv_python().is_none() {
        return skip("actor_mode_serves_a_session_in_memory", "python-arango is not installed");
    }
    let mut server = TestServer::start(&ARGS, &[("ORBIT_AQL_MODE", "actor")]);
    let (out, err, ok) = py_session(http_port(&server), &["session"]);
    assert!(ok, "the session in actor mode failed:\n{out}\n{err}\nserver log:\n{}", server.stderr());
    assert_eq!(out, python_session_lines(), "stderr:\n{err}");
    let (out, err, ok) = py_session(http_port(&server), &["write", "2"]);
    assert!(ok && out == "written\n", "{out}\n{err}");
    let (out, err, _) = py_session(http_port(&server), &["check"]);
    assert_eq!(out, "count 2 indexes ['by_n', 'primary'] graph True reachable 1\n", "{err}");
    assert!(!server.data_dir().join("aql").exists(), "actor mode has no directory");
    server.restart();
    let collection = get(http_port(&server), "/_api/collection/durable");
    assert_error(&collection, 404, 1203);
}

// ------------------------------------------------------------ the documentation's transcripts

/// Every single-server HTTP transcript of the ArangoDB 3.12 documentation replayed against a
/// fresh server; the names that pass are committed in tests/arango/rest-passing.txt and
/// each of them must still pass.
#[test]
fn rest_examples_replay_keeps_the_baseline() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let examples = root.join("../../shared/arangodb-examples/rest-examples.json");
    if !examples.is_file() {
        return skip("rest_examples_replay_keeps_the_baseline", "../shared/arangodb-examples is not present");
    }
    let server = TestServer::start(&ARGS, &[]);
    let out = Command::new("python3")
        .arg(root.join("arango/rest_examples.py"))
        .args(["--port", &http_port(&server).to_string(), "--password", PASSWORD])
        .arg("--examples")
        .arg(&examples)
        .arg("--baseline")
        .arg(root.join("arango/rest-passing.txt"))
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "transcripts of the baseline fail now:\n{stdout}\n{stderr}\nserver log:\n{}",
        server.stderr()
    );
}
