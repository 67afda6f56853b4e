//! The AQL query caches as Orbit has them: no results cache (`/_api/query-cache`
//! reports mode "off", no entries; turning it on answers 501/9) and no plan cache
//! (`/_api/query-plan-cache` lists nothing). Clearing an empty cache succeeds.

use super::params::Req;
use super::response::{HttpResult, Reply};
use super::router::unknown_path;
use crate::error::AqlError;
use crate::value::Value;
use axum::http::Method;

fn properties() -> Value {
    Value::object([
        ("mode", Value::str("off")),
        ("maxResults", Value::Int(128)),
        ("maxResultsSize", Value::Int(268_435_456)),
        ("maxEntrySize", Value::Int(16_777_216)),
        ("includeSystem", Value::Bool(false)),
    ])
}

/// `/_api/query-cache[/properties|/entries]` and `/_api/query-plan-cache`.
pub fn handle(req: &Req) -> HttpResult {
    let rest: Vec<&str> = req.segments.iter().skip(1).map(String::as_str).collect();
    match (rest.as_slice(), &req.method) {
        (["query-cache", "properties"], &Method::GET) => Ok(Reply::json(200, properties())),
        (["query-cache", "properties"], &Method::PUT) => {
            let body = req.body_object()?;
            match body.get("mode").and_then(Value::as_str) {
                None | Some("off") => Ok(Reply::json(200, properties())),
                Some(mode) => Err(AqlError::not_supported(format!("the AQL query results cache (mode \"{mode}\")"))),
            }
        }
        (["query-cache", "entries"], &Method::GET) | (["query-plan-cache"], &Method::GET) => {
            Ok(Reply::json(200, Value::Array(Vec::new())))
        }
        (["query-cache"], &Method::DELETE) | (["query-plan-cache"], &Method::DELETE) => Ok(Reply::ok(200, vec![])),
        _ => Err(unknown_path(req)),
    }
}
