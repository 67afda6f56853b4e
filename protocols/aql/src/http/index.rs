//! `/_api/index`: list a collection's indexes (`?collection=`, with `identifiers`),
//! create (201 new / 200 existing, `isNewlyCreated`), read and drop one by `c/N` or
//! name.

use super::params::Req;
use super::response::{HttpResult, Reply};
use super::router::unknown_path;
use super::SharedState;
use crate::error::{num, AqlError, AqlResult};
use crate::store::{IndexInfo, IndexKind};
use crate::value::{Object, Value};
use axum::http::Method;

/// The index as ArangoDB describes it.
pub fn describe(ix: &IndexInfo) -> Object {
    let mut o = Object::new();
    o.insert("fields".into(), Value::Array(ix.fields.iter().map(Value::str).collect()));
    o.insert("id".into(), Value::str(&ix.id));
    o.insert("name".into(), Value::str(&ix.name));
    o.insert("sparse".into(), Value::Bool(ix.sparse));
    o.insert("unique".into(), Value::Bool(ix.unique));
    let ty = match &ix.kind {
        IndexKind::Primary => {
            o.insert("selectivityEstimate".into(), Value::Int(1));
            "primary"
        }
        IndexKind::Edge => "edge",
        IndexKind::Persistent => "persistent",
        IndexKind::Ttl { expire_after } => {
            o.insert("expireAfter".into(), Value::double(*expire_after));
            "ttl"
        }
        IndexKind::Geo { geo_json } => {
            o.insert("geoJson".into(), Value::Bool(*geo_json));
            "geo"
        }
        IndexKind::Vector(params) => {
            o.insert("params".into(), params.to_value());
            "vector"
        }
    };
    o.insert("type".into(), Value::str(ty));
    for (k, v) in &ix.extra {
        o.entry(k.clone()).or_insert_with(|| v.clone());
    }
    o
}

fn collection_param(req: &Req) -> AqlResult<&str> {
    req.param("collection").filter(|c| !c.is_empty()).ok_or_else(|| {
        AqlError::with_status(num::DATA_SOURCE_NOT_FOUND, 404, "collection or view not found: (no collection given)")
    })
}

fn not_found() -> AqlError {
    AqlError::with_status(num::INDEX_NOT_FOUND, 404, "index not found")
}

async fn find(state: &SharedState, db: &str, collection: &str, handle: &str) -> AqlResult<IndexInfo> {
    let full = format!("{collection}/{handle}");
    state
        .store
        .indexes(db, collection)
        .await?
        .into_iter()
        .find(|ix| ix.id == full || ix.id == handle || ix.name == handle)
        .ok_or_else(not_found)
}

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let rest: Vec<&str> = req.segments.iter().skip(2).map(String::as_str).collect();
    match (rest.as_slice(), &req.method) {
        ([], &Method::GET) | ([], &Method::HEAD) => {
            let collection = collection_param(req)?;
            let info = state.store.collection(&req.db, collection).await?;
            let indexes = state.store.indexes(&req.db, &info.name).await?;
            let mut identifiers = Object::new();
            let list: Vec<Value> = indexes
                .iter()
                .map(|ix| {
                    let d = Value::Object(describe(ix));
                    identifiers.insert(ix.id.clone(), d.clone());
                    d
                })
                .collect();
            Ok(Reply::ok(200, vec![("indexes", Value::Array(list)), ("identifiers", Value::Object(identifiers))]))
        }
        ([], &Method::POST) => {
            let collection = collection_param(req)?;
            let info = state.store.collection(&req.db, collection).await?;
            let body = req.body_object()?;
            let (ix, created) = state.store.create_index(&req.db, &info.name, &body).await?;
            let mut o = describe(&ix);
            o.insert("isNewlyCreated".into(), Value::Bool(created));
            Ok(Reply::ok_object(if created { 201 } else { 200 }, o))
        }
        ([collection, handle], &Method::GET) | ([collection, handle], &Method::HEAD) => {
            let info = state.store.collection(&req.db, collection).await?;
            Ok(Reply::ok_object(200, describe(&find(state, &req.db, &info.name, handle).await?)))
        }
        ([collection, handle], &Method::DELETE) => {
            let info = state.store.collection(&req.db, collection).await?;
            let ix = find(state, &req.db, &info.name, handle).await?;
            if matches!(ix.kind, IndexKind::Primary | IndexKind::Edge) {
                return Err(AqlError::with_status(num::FORBIDDEN, 403, "cannot drop a primary or edge index"));
            }
            state.store.drop_index(&req.db, &info.name, &ix.id).await?;
            Ok(Reply::ok(200, vec![("id", Value::String(ix.id))]))
        }
        _ => Err(unknown_path(req)),
    }
}
