//! The JavaScript driver (npm `neo4j-driver` 6.x) and the Rust `neo4rs` crate (Bolt 4.4)
//! run application sessions unchanged against Orbit's Bolt listener (the Python driver's
//! session is in cypher.rs). The JavaScript driver is installed by the test command under
//! `ORBIT_NEO4J_JS` (default `~/.cache/orbit-node-neo4j`); without it, or without node,
//! the test skips loudly. neo4rs is the client program tests/clients/neo4rs-session.

use std::path::PathBuf;
use std::process::Command;

use orbit_tests::server::TestServer;

fn skip(test: &str, why: &str) {
    eprintln!("\n!!!! SKIPPED {test}: {why}\n");
}

fn js_driver_dir() -> PathBuf {
    match std::env::var_os("ORBIT_NEO4J_JS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/orbit-node-neo4j"),
    }
}

fn run_js_session(uri: &str) -> (bool, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/neo4j_session.cjs");
    let out = Command::new("node")
        .arg(script)
        .arg(js_driver_dir())
        .args([uri, "neo4j", "password"])
        .output()
        .expect("run node");
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success() && text.lines().any(|l| l == "neo4j-driver session ok"), text)
}

/// neo4j-driver 6.x over `bolt://` and over `neo4j://` (routing through ROUTE to the one
/// server): counters, graph structures with element ids, transactions, fetch size 2,
/// temporal parameters, a syntax error.
#[test]
fn javascript_driver_session() {
    if !js_driver_dir().join("node_modules/neo4j-driver").is_dir() {
        return skip("javascript_driver_session", "npm neo4j-driver is not installed (ORBIT_NEO4J_JS)");
    }
    if Command::new("node").arg("--version").output().is_err() {
        return skip("javascript_driver_session", "node is not installed");
    }
    let server = TestServer::start(&[], &[]);
    let port = server.listener_port("--bolt-port");
    for uri in [format!("bolt://127.0.0.1:{port}"), format!("neo4j://127.0.0.1:{port}")] {
        let (ok, out) = run_js_session(&uri);
        assert!(ok, "neo4j-driver session over {uri} failed:\n{out}\nserver log:\n{}", server.stderr());
    }
}

/// neo4rs (Bolt 4.4): parameters, Node/Relation/Path values, commit and rollback,
/// streaming past the fetch size, a syntax error's code.
#[test]
fn neo4rs_session() {
    let program = crate::client_programs::client_program("neo4rs-session", "orbit-neo4rs-session")
        .unwrap_or_else(|e| panic!("building the neo4rs client failed: {e}"));
    let server = TestServer::start(&[], &[]);
    let out = Command::new(&program)
        .arg(server.listener_port("--bolt-port").to_string())
        .output()
        .expect("run the neo4rs client");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && stdout.lines().any(|l| l == "neo4rs session ok"),
        "neo4rs session failed:\n{stdout}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.stderr()
    );
}
