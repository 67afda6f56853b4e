//! Server information: `/_api/version` (a 4.x version, since Orbit has no V8, Foxx, JS
//! transactions or user-defined functions, like ArangoDB 4; `details=true` adds the
//! build and platform), `/_api/engine` (rocksdb and the index types Orbit creates),
//! `/_api/endpoint`, `/_api/key-generators`, `/_admin/time`, `/_admin/status`,
//! `/_admin/server/{availability,role,mode}` (PUT mode: only "default"),
//! `/_admin/database/target-version`, and `/_admin/metrics[/v2]` with the counters this
//! listener keeps (requests, open cursors, running stream transactions, uptime) in
//! Prometheus' text form; ArangoDB's own metric families are not reproduced.

use super::params::Req;
use super::response::Reply;
use super::SharedState;
use crate::error::{AqlError, AqlResult};
use crate::value::Value;
use axum::http::Method;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

pub const VERSION: &str = "4.0.0";

fn strs(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| Value::str(*s)).collect())
}

fn version(req: &Req) -> Reply {
    let mut fields = vec![
        ("server", Value::str("arango")),
        ("license", Value::str("community")),
        ("version", Value::str(VERSION)),
        ("apiVersions", strs(&["v0"])),
        ("deprecatedApiVersions", strs(&[])),
        ("requestedApiVersion", Value::str("v0")),
    ];
    if req.flag("details", false) {
        fields.push((
            "details",
            Value::object([
                ("architecture", Value::str(if cfg!(target_pointer_width = "64") { "64bit" } else { "32bit" })),
                ("endianness", Value::str(if cfg!(target_endian = "little") { "little" } else { "big" })),
                ("engine", Value::str("rocksdb")),
                ("mode", Value::str("server")),
                ("role", Value::str("SINGLE")),
                ("platform", Value::str(std::env::consts::OS)),
                ("server-version", Value::str(VERSION)),
                ("orbit-version", Value::str(env!("CARGO_PKG_VERSION"))),
                ("v8-version", Value::str("none")),
                ("maintainer-mode", Value::str("false")),
            ]),
        ));
    }
    Reply::json(200, Value::object(fields))
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn status(state: &SharedState) -> Reply {
    Reply::json(
        200,
        Value::object([
            ("server", Value::str("arango")),
            ("version", Value::str(VERSION)),
            ("pid", Value::Int(std::process::id() as i64)),
            ("license", Value::str("community")),
            ("mode", Value::str("server")),
            ("operationMode", Value::str("server")),
            ("foxxApi", Value::Bool(false)),
            ("host", Value::String(state.endpoint.read().clone())),
            ("uptime", Value::double(state.started.elapsed().as_secs_f64())),
            (
                "serverInfo",
                Value::object([
                    ("maintenance", Value::Bool(false)),
                    ("role", Value::str("SINGLE")),
                    ("writeOpsEnabled", Value::Bool(true)),
                    ("readOnly", Value::Bool(false)),
                ]),
            ),
        ]),
    )
}

/// The admin endpoint `req` names, or None when it is not one of these.
/// Prometheus text of what this listener counts.
fn metrics(state: &SharedState) -> Reply {
    let gauges = [
        ("orbit_aql_http_requests_total", "counter", "HTTP requests served", state.requests.load(Ordering::Relaxed)),
        ("orbit_aql_cursors_open", "gauge", "AQL cursors registered", state.cursors.len() as u64),
        ("orbit_aql_stream_transactions_running", "gauge", "stream transactions running", state.transactions.running()),
        ("orbit_aql_uptime_seconds", "gauge", "seconds since the listener started", state.started.elapsed().as_secs()),
    ];
    let mut text = String::new();
    for (name, kind, help, value) in gauges {
        text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"));
    }
    Reply::text(200, text)
}

/// `PUT /_admin/server/mode`: only "default" (Orbit has no read-only mode).
fn set_mode(req: &Req) -> AqlResult<Reply> {
    let body = req.body_object()?;
    match body.get("mode").and_then(Value::as_str) {
        Some("default") => Ok(Reply::json(200, Value::object([("mode", Value::str("default"))]))),
        Some("readonly") => Err(AqlError::not_supported("the read-only server mode")),
        _ => Err(AqlError::bad_parameter("mode must be \"default\" or \"readonly\"")),
    }
}

pub async fn handle(state: &SharedState, req: &Req) -> AqlResult<Option<Reply>> {
    let path: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    if req.method == Method::PUT && path == ["_admin", "server", "mode"] {
        return set_mode(req).map(Some);
    }
    if !req.is(&Method::GET) {
        return Ok(None);
    }
    let reply = match path.as_slice() {
        ["_api", "version"] => version(req),
        ["_api", "engine"] => Reply::json(
            200,
            Value::object([
                ("name", Value::str("rocksdb")),
                (
                    "supports",
                    Value::object([
                        ("indexes", strs(&["primary", "edge", "hash", "skiplist", "ttl", "persistent", "geo"])),
                        (
                            "aliases",
                            Value::object([(
                                "indexes",
                                Value::object([
                                    ("hash", Value::str("persistent")),
                                    ("skiplist", Value::str("persistent")),
                                ]),
                            )]),
                        ),
                    ]),
                ),
            ]),
        ),
        ["_api", "endpoint"] => Reply::json(
            200,
            Value::Array(vec![Value::object([("endpoint", Value::String(state.endpoint.read().clone()))])]),
        ),
        ["_api", "key-generators"] => Reply::json(
            200,
            Value::object([("keyGenerators", strs(&["upgrade", "padded", "uuid", "autoincrement", "traditional"]))]),
        ),
        ["_admin", "metrics"] | ["_admin", "metrics", "v2"] => metrics(state),
        ["_admin", "database", "target-version"] => Reply::ok(200, vec![("version", Value::str(VERSION))]),
        ["_admin", "time"] => Reply::ok(200, vec![("time", Value::double(now()))]),
        ["_admin", "status"] => status(state),
        ["_admin", "server", "availability"] | ["_admin", "server", "mode"] => {
            Reply::ok(200, vec![("mode", Value::str("default"))])
        }
        ["_admin", "server", "role"] => {
            Reply::ok(200, vec![("role", Value::str("SINGLE")), ("mode", Value::str("default"))])
        }
        _ => return Ok(None),
    };
    Ok(Some(reply))
}
