//! `/_api/document`: read (GET/HEAD with If-Match/If-None-Match → 412/304), insert,
//! replace, update and remove, each with a single-document or an array body (batches
//! answer per element, failures as `{error, errorNum, errorMessage}` and counted in
//! `x-arango-error-codes`), `PUT ?onlyget=true` batch reads, overwriteMode,
//! returnNew/returnOld, silent, keepNull, mergeObjects, ignoreRevs, 201 vs 202
//! (waitForSync; a batch with a failed element is always 202), etag and location headers. Calls with `x-arango-trx-id` run in that
//! stream transaction.

use super::params::Req;
use super::response::{element_error, error_body, error_codes_header, HttpResult, Reply};
use super::router::unknown_path;
use super::transaction::open;
use super::SharedState;
use crate::error::{num, AqlError, AqlResult};
use crate::store::{DocTxn, OverwriteMode, WriteOptions, WriteResult};
use crate::value::{Object, Value};
use axum::http::Method;

/// Documents in one batch body at most.
pub const MAX_BATCH: usize = 100_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Insert,
    Replace,
    Update,
    Remove,
}

/// What the query parameters say about a write.
struct Flags {
    options: WriteOptions,
    return_new: bool,
    return_old: bool,
    silent: bool,
}

fn strip_quotes(s: &str) -> String {
    s.trim().trim_matches('"').to_string()
}

fn overwrite_mode(req: &Req) -> AqlResult<OverwriteMode> {
    match req.param("overwriteMode") {
        Some("ignore") => Ok(OverwriteMode::Ignore),
        Some("replace") => Ok(OverwriteMode::Replace),
        Some("update") => Ok(OverwriteMode::Update),
        Some("conflict") => Ok(OverwriteMode::Conflict),
        Some(other) if !other.is_empty() => Err(AqlError::bad_parameter(format!("invalid overwriteMode '{other}'"))),
        _ if req.flag("overwrite", false) => Ok(OverwriteMode::Replace),
        _ => Ok(OverwriteMode::Conflict),
    }
}

fn flags(req: &Req, collection_sync: bool) -> AqlResult<Flags> {
    let expected_rev = req.header("if-match").map(strip_quotes).or_else(|| req.param("rev").map(str::to_string));
    let ignore_revs = req.flag("ignoreRevs", true) && expected_rev.is_none();
    Ok(Flags {
        options: WriteOptions {
            overwrite_mode: overwrite_mode(req)?,
            keep_null: req.flag("keepNull", true),
            merge_objects: req.flag("mergeObjects", true),
            ignore_revs,
            expected_rev,
            wait_for_sync: req.flag("waitForSync", false) || collection_sync,
        },
        return_new: req.flag("returnNew", false),
        return_old: req.flag("returnOld", false),
        silent: req.flag("silent", false),
    })
}

fn meta(r: &WriteResult, flags: &Flags, op: Op) -> Value {
    let mut o = Object::new();
    o.insert("_id".into(), Value::str(&r.id));
    o.insert("_key".into(), Value::str(&r.key));
    o.insert("_rev".into(), Value::str(&r.rev));
    if op != Op::Remove {
        if let Some(old) = &r.old_rev {
            o.insert("_oldRev".into(), Value::str(old));
        }
    }
    if flags.return_new && op != Op::Remove {
        if let Some(new) = &r.new {
            o.insert("new".into(), new.clone());
        }
    }
    if flags.return_old {
        if let Some(old) = &r.old {
            o.insert("old".into(), old.clone());
        }
    }
    Value::Object(o)
}

fn location(req: &Req, collection: &str, key: &str) -> String {
    format!("/_db/{}/_api/document/{collection}/{key}", req.db)
}

/// The key a batch element or a handle names: a key, an `_id` of this collection, or an
/// object's `_key`; 1202 for an `_id` of another collection, 1221 when there is none.
fn element_key(collection: &str, v: &Value) -> AqlResult<String> {
    let handle = match v {
        Value::String(s) => s.as_str(),
        Value::Object(o) => match (o.get("_key"), o.get("_id")) {
            (Some(Value::String(k)), _) => k.as_str(),
            (_, Some(Value::String(id))) => id.as_str(),
            _ => return Err(AqlError::new(num::DOCUMENT_KEY_BAD, "illegal document key")),
        },
        _ => return Err(AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type")),
    };
    match handle.split_once('/') {
        Some((c, k)) if c == collection => Ok(k.to_string()),
        Some(_) => Err(AqlError::new(num::DOCUMENT_NOT_FOUND, "document not found")),
        None => Ok(handle.to_string()),
    }
}

fn not_found() -> AqlError {
    AqlError::new(num::DOCUMENT_NOT_FOUND, "document not found")
}

/// The 412 answer of a revision mismatch: the envelope plus the current `_id`, `_key`,
/// `_rev`, with the current revision as etag.
fn precondition_failed(current: &Value) -> Reply {
    let e = AqlError::with_status(num::CONFLICT, 412, "conflict, _rev values do not match");
    let mut body = error_body(&e);
    let rev = current.get("_rev").and_then(Value::as_str).unwrap_or("").to_string();
    for attr in ["_id", "_key", "_rev"] {
        if let Some(v) = current.get(attr) {
            body.insert(attr.into(), v.clone());
        }
    }
    Reply::json(412, Value::Object(body)).header("etag", format!("\"{rev}\""))
}

async fn write_one(
    txn: &mut DocTxn,
    op: Op,
    collection: &str,
    key: Option<&str>,
    doc: Value,
    options: &WriteOptions,
) -> AqlResult<WriteResult> {
    match (op, key) {
        (Op::Insert, _) => txn.insert(collection, doc, options).await,
        (Op::Replace, Some(k)) => txn.replace(collection, k, doc, options).await,
        (Op::Update, Some(k)) => txn.update(collection, k, doc, options).await,
        (Op::Remove, Some(k)) => txn.remove(collection, k, options).await,
        (_, None) => Err(AqlError::new(num::DOCUMENT_KEY_BAD, "illegal document key")),
    }
}

fn sync_status(op: Op, sync: bool) -> u16 {
    match (op, sync) {
        (_, false) => 202,
        (Op::Remove, true) => 200,
        (_, true) => 201,
    }
}

async fn single(state: &SharedState, req: &Req, op: Op, collection: &str, key: Option<&str>) -> HttpResult {
    let info = state.store.collection(&req.db, collection).await?;
    let flags = flags(req, info.wait_for_sync)?;
    let doc = match op {
        Op::Remove => Value::Null,
        _ => match req.body_json()? {
            Some(v @ Value::Object(_)) => v,
            _ => return Err(AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type")),
        },
    };
    let mut options = flags.options.clone();
    if !req.flag("ignoreRevs", true) && options.expected_rev.is_none() {
        options.expected_rev = doc.get("_rev").and_then(Value::as_str).map(str::to_string);
        options.ignore_revs = options.expected_rev.is_none();
    }
    let checks_rev = options.expected_rev.is_some();
    let mut txn = open(state, req).await?;
    let result = write_one(txn.get(), op, &info.name, key, doc, &options).await;
    match result {
        Ok(r) => {
            txn.finish(true).await?;
            let status = sync_status(op, options.wait_for_sync);
            let body = if flags.silent { Value::Object(Object::new()) } else { meta(&r, &flags, op) };
            Ok(Reply::json(status, body)
                .header("etag", format!("\"{}\"", r.rev))
                .header("location", location(req, &info.name, &r.key)))
        }
        Err(e) if e.num == num::CONFLICT && checks_rev => {
            let current = match key {
                Some(k) => txn.get().get(&info.name, k).await.ok().flatten(),
                None => None,
            };
            txn.finish(false).await?;
            let expected = options.expected_rev.as_deref();
            match current {
                Some(doc) if doc.get("_rev").and_then(Value::as_str) != expected => Ok(precondition_failed(&doc)),
                _ => Err(e),
            }
        }
        Err(e) => {
            txn.finish(false).await?;
            Err(e)
        }
    }
}

async fn batch(state: &SharedState, req: &Req, op: Op, collection: &str, items: Vec<Value>) -> HttpResult {
    if items.len() > MAX_BATCH {
        return Err(AqlError::bad_parameter(format!("a batch holds at most {MAX_BATCH} documents")));
    }
    let info = state.store.collection(&req.db, collection).await?;
    let flags = flags(req, info.wait_for_sync)?;
    let check_revs = !req.flag("ignoreRevs", true);
    let mut txn = open(state, req).await?;
    let mut out = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for item in items {
        let mut options = flags.options.clone();
        let outcome = async {
            if op != Op::Insert && !matches!(item, Value::Object(_)) && op != Op::Remove {
                return Err(AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type"));
            }
            if op == Op::Insert && !matches!(item, Value::Object(_)) {
                return Err(AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type"));
            }
            let key = if op == Op::Insert { None } else { Some(element_key(&info.name, &item)?) };
            if check_revs {
                options.expected_rev = item.get("_rev").and_then(Value::as_str).map(str::to_string);
                options.ignore_revs = options.expected_rev.is_none();
            }
            let doc = if op == Op::Remove { Value::Null } else { item };
            write_one(txn.get(), op, &info.name, key.as_deref(), doc, &options).await
        }
        .await;
        match outcome {
            Ok(r) if !flags.silent => out.push(meta(&r, &flags, op)),
            Ok(_) => {}
            Err(e) if e.status >= 500 => {
                txn.finish(false).await?;
                return Err(e);
            }
            Err(e) => {
                errors.push(e.num);
                out.push(element_error(&e));
            }
        }
    }
    txn.finish(true).await?;
    let status = if errors.is_empty() { sync_status(op, flags.options.wait_for_sync) } else { 202 };
    let mut reply = Reply::json(status, Value::Array(out));
    if let Some(codes) = error_codes_header(&errors) {
        reply = reply.header("x-arango-error-codes", codes);
    }
    Ok(reply)
}

async fn read(state: &SharedState, req: &Req, collection: &str, key: &str) -> HttpResult {
    let info = state.store.collection(&req.db, collection).await?;
    let mut txn = open(state, req).await?;
    let found = txn.get().get(&info.name, key).await;
    txn.finish(true).await?;
    let doc = found?.ok_or_else(not_found)?;
    let rev = doc.get("_rev").and_then(Value::as_str).unwrap_or("").to_string();
    let etag = format!("\"{rev}\"");
    if let Some(none_match) = req.header("if-none-match") {
        if strip_quotes(none_match) == rev {
            return Ok(Reply::empty(304).header("etag", etag));
        }
    }
    let wanted = req.header("if-match").map(strip_quotes).or_else(|| req.param("rev").map(str::to_string));
    if wanted.is_some_and(|w| w != rev) {
        return Ok(precondition_failed(&doc));
    }
    Ok(Reply::json(200, doc).header("etag", etag))
}

async fn read_many(state: &SharedState, req: &Req, collection: &str, items: Vec<Value>) -> HttpResult {
    if items.len() > MAX_BATCH {
        return Err(AqlError::bad_parameter(format!("a batch holds at most {MAX_BATCH} documents")));
    }
    let info = state.store.collection(&req.db, collection).await?;
    let mut txn = open(state, req).await?;
    let mut out = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for item in &items {
        let found = match element_key(&info.name, item) {
            Ok(key) => txn.get().get(&info.name, &key).await.and_then(|d| d.ok_or_else(not_found)),
            Err(e) => Err(e),
        };
        match found {
            Ok(doc) => out.push(doc),
            Err(e) if e.status >= 500 => {
                txn.finish(false).await?;
                return Err(e);
            }
            Err(e) => {
                errors.push(e.num);
                out.push(element_error(&e));
            }
        }
    }
    txn.finish(true).await?;
    let mut reply = Reply::json(200, Value::Array(out));
    if let Some(codes) = error_codes_header(&errors) {
        reply = reply.header("x-arango-error-codes", codes);
    }
    Ok(reply)
}

fn array_body(req: &Req) -> AqlResult<Option<Vec<Value>>> {
    match req.body_json()? {
        Some(Value::Array(items)) => Ok(Some(items)),
        _ => Ok(None),
    }
}

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let rest: Vec<&str> = req.segments.iter().skip(2).map(String::as_str).collect();
    let (collection, key) = match rest.as_slice() {
        [] => match req.param("collection") {
            Some(c) => (c.to_string(), None),
            None => {
                return Err(AqlError::with_status(
                    num::DATA_SOURCE_NOT_FOUND,
                    404,
                    "collection or view not found: (no collection given)",
                ))
            }
        },
        [c] => (c.to_string(), None),
        [c, k] => (c.to_string(), Some(k.to_string())),
        _ => return Err(unknown_path(req)),
    };
    let collection = collection.as_str();
    match (&req.method, key.as_deref()) {
        (&Method::GET, Some(k)) | (&Method::HEAD, Some(k)) => read(state, req, collection, k).await,
        (&Method::POST, None) => match array_body(req)? {
            Some(items) => batch(state, req, Op::Insert, collection, items).await,
            None => single(state, req, Op::Insert, collection, None).await,
        },
        (&Method::PUT, None) if req.flag("onlyget", false) => match array_body(req)? {
            Some(items) => read_many(state, req, collection, items).await,
            None => Err(AqlError::bad_parameter("expecting an array of document keys or objects with _key")),
        },
        (&Method::PUT, None) | (&Method::PATCH, None) | (&Method::DELETE, None) => {
            let op = match req.method {
                Method::PUT => Op::Replace,
                Method::PATCH => Op::Update,
                _ => Op::Remove,
            };
            match array_body(req)? {
                Some(items) => batch(state, req, op, collection, items).await,
                None => Err(AqlError::bad_parameter("expecting an array of documents in the body")),
            }
        }
        (&Method::PUT, Some(k)) => single(state, req, Op::Replace, collection, Some(k)).await,
        (&Method::PATCH, Some(k)) => single(state, req, Op::Update, collection, Some(k)).await,
        (&Method::DELETE, Some(k)) => single(state, req, Op::Remove, collection, Some(k)).await,
        _ => Err(AqlError::with_status(num::HTTP_METHOD_NOT_ALLOWED, 405, "method not supported")),
    }
}
