//! Server information: `/_api/version` (a 4.x version, since Orbit has no V8, Foxx, JS
//! transactions or user-defined functions, like ArangoDB 4; `details=true` adds the
//! build and platform), `/_api/engine` (rocksdb and the index types Orbit creates),
//! `/_api/endpoint`, `/_api/key-generators`, `/_admin/time`, `/_admin/status`,
//! `/_admin/server/{availability,role,mode}`.

use super::params::Req;
use super::response::Reply;
use super::SharedState;
use crate::error::AqlResult;
use crate::value::Value;
use axum::http::Method;
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
pub async fn handle(state: &SharedState, req: &Req) -> AqlResult<Option<Reply>> {
    if !req.is(&Method::GET) {
        return Ok(None);
    }
    let path: Vec<&str> = req.segments.iter().map(String::as_str).collect();
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
            Value::object([("keyGenerators", strs(&["padded", "uuid", "autoincrement", "traditional"]))]),
        ),
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
