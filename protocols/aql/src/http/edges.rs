//! `GET /_api/edges/{collection}?vertex=&direction=in|out|any`: the edges of one vertex
//! in an edge collection, read from the graph model's adjacency.

use super::params::Req;
use super::response::{HttpResult, Reply};
use super::router::unknown_path;
use super::transaction::open;
use super::SharedState;
use crate::ast::EdgeDirection;
use crate::error::{num, AqlError};
use crate::value::Value;
use axum::http::Method;

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let rest: Vec<&str> = req.segments.iter().skip(2).map(String::as_str).collect();
    let [collection] = rest.as_slice() else { return Err(unknown_path(req)) };
    if !req.is(&Method::GET) {
        return Err(AqlError::with_status(num::HTTP_METHOD_NOT_ALLOWED, 405, "method not supported"));
    }
    let vertex = req
        .param("vertex")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AqlError::with_status(num::DOCUMENT_HANDLE_BAD, 400, "illegal document handle"))?;
    let direction = match req.param("direction").unwrap_or("any") {
        "out" | "outbound" => EdgeDirection::Outbound,
        "in" | "inbound" => EdgeDirection::Inbound,
        "any" | "" => EdgeDirection::Any,
        other => return Err(AqlError::bad_parameter(format!("invalid direction '{other}'"))),
    };
    let info = state.store.collection(&req.db, collection).await?;
    let mut txn = open(state, req).await?;
    let found = txn.get().edges(&info.name, vertex, direction).await;
    txn.finish(true).await?;
    let edges: Vec<Value> = found?.into_iter().map(|step| step.edge).collect();
    let n = edges.len() as i64;
    Ok(Reply::ok(
        200,
        vec![
            ("edges", Value::Array(edges)),
            (
                "stats",
                Value::object([
                    ("writesExecuted", Value::Int(0)),
                    ("writesIgnored", Value::Int(0)),
                    ("scannedFull", Value::Int(0)),
                    ("scannedIndex", Value::Int(n)),
                    ("filtered", Value::Int(0)),
                    ("httpRequests", Value::Int(0)),
                ]),
            ),
        ],
    ))
}
