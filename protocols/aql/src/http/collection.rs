//! `/_api/collection`: list, create (document/edge, keyOptions, waitForSync, schema and
//! computedValues round-tripped), the short description, properties GET/PUT, count,
//! figures, revision, checksum, rename, truncate, load/unload (no-ops in ArangoDB's
//! RocksDB engine too), loadIndexesIntoMemory, drop.

use super::params::{str_attr, Req};
use super::response::{HttpResult, Reply};
use super::router::unknown_path;
use super::SharedState;
use crate::error::{num, AqlError, AqlResult};
use crate::store::{key_options_value, CollectionInfo, CollectionSpec, CollectionType, TxnOptions};
use crate::value::{json, Object, Value};
use axum::http::Method;

pub fn type_number(ty: CollectionType) -> i64 {
    match ty {
        CollectionType::Document => 2,
        CollectionType::Edge => 3,
    }
}

fn globally_unique_id(c: &CollectionInfo) -> String {
    if c.is_system {
        c.name.clone()
    } else {
        format!("orbit/{}", c.id)
    }
}

/// `{id, name, status, type, isSystem, globallyUniqueId}`.
pub fn short(c: &CollectionInfo) -> Object {
    let mut o = Object::new();
    o.insert("id".into(), Value::String(c.id.to_string()));
    o.insert("name".into(), Value::str(&c.name));
    o.insert("status".into(), Value::Int(3));
    o.insert("type".into(), Value::Int(type_number(c.ty)));
    o.insert("isSystem".into(), Value::Bool(c.is_system));
    o.insert("globallyUniqueId".into(), Value::String(globally_unique_id(c)));
    o
}

/// The full description `/properties` answers; `last_value` is the key generator's.
pub fn properties(c: &CollectionInfo, last_value: u64) -> Object {
    let mut o = short(c);
    o.insert("statusString".into(), Value::str("loaded"));
    o.insert("waitForSync".into(), Value::Bool(c.wait_for_sync));
    o.insert("keyOptions".into(), key_options_value(&c.key_options, last_value));
    o.insert("schema".into(), c.schema.clone());
    o.insert("computedValues".into(), c.computed_values.clone());
    o.insert("writeConcern".into(), Value::Int(1));
    o.insert("cacheEnabled".into(), Value::Bool(false));
    o.insert("usesRevisionsAsDocumentIds".into(), Value::Bool(true));
    o.insert("syncByRevision".into(), Value::Bool(true));
    o.insert("isSmartChild".into(), Value::Bool(false));
    o.insert("supportsRBAC".into(), Value::Bool(true));
    o.insert("internalValidatorType".into(), Value::Int(0));
    for (k, v) in &c.extra {
        o.insert(k.clone(), v.clone());
    }
    o
}

fn collection_type(body: &Value) -> AqlResult<CollectionType> {
    match body.get("type") {
        None | Some(Value::Null) => Ok(CollectionType::Document),
        Some(Value::Int(2)) => Ok(CollectionType::Document),
        Some(Value::Int(3)) => Ok(CollectionType::Edge),
        Some(Value::String(s)) if s == "document" => Ok(CollectionType::Document),
        Some(Value::String(s)) if s == "edge" => Ok(CollectionType::Edge),
        Some(_) => Err(AqlError::with_status(num::COLLECTION_TYPE_INVALID, 400, "collection type invalid")),
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// ArangoDB's checksum idea: an order-independent XOR of per-document hashes over the
/// keys (and revisions, and the data without system attributes, when asked).
async fn checksum(state: &SharedState, req: &Req, name: &str) -> AqlResult<String> {
    let with_revisions = req.flag("withRevisions", false);
    let with_data = req.flag("withData", false);
    let mut txn = state.store.begin(&req.db, TxnOptions::default()).await?;
    let mut total: u64 = 0;
    let mut resume: Option<Vec<u8>> = None;
    loop {
        let page = txn.scan(name, resume.as_deref(), 1000).await?;
        for doc in &page.docs {
            let key = doc.get("_key").and_then(Value::as_str).unwrap_or("");
            let mut h = fnv(key.as_bytes());
            if with_revisions {
                h ^= fnv(doc.get("_rev").and_then(Value::as_str).unwrap_or("").as_bytes()).rotate_left(1);
            }
            if with_data {
                if let Value::Object(o) = doc {
                    let data: Object =
                        o.iter().filter(|(k, _)| !k.starts_with('_')).map(|(k, v)| (k.clone(), v.clone())).collect();
                    h ^= fnv(&json::to_json_bytes(&Value::Object(data))).rotate_left(2);
                }
            }
            total ^= h;
        }
        match page.resume {
            Some(r) => resume = Some(r),
            None => break,
        }
    }
    txn.rollback().await?;
    Ok(total.to_string())
}

/// The collection's document count: committed, or as the stream transaction of
/// `x-arango-trx-id` sees it (counted by a scan of that transaction).
async fn count(state: &SharedState, req: &Req, name: &str) -> AqlResult<u64> {
    let Some(shared) = super::transaction::shared(state, req)? else { return state.store.count(&req.db, name).await };
    let mut txn = shared.lock().await;
    let mut total: u64 = 0;
    let mut resume: Option<Vec<u8>> = None;
    loop {
        let page = txn.scan(name, resume.as_deref(), 1000).await?;
        total += page.docs.len() as u64;
        match page.resume {
            Some(r) => resume = Some(r),
            None => return Ok(total),
        }
    }
}

/// The bytes the collection's documents take in their stored (binary) form.
async fn documents_size(state: &SharedState, req: &Req, name: &str) -> AqlResult<u64> {
    let mut txn = state.store.begin(&req.db, TxnOptions::default()).await?;
    let mut total: u64 = 0;
    let mut resume: Option<Vec<u8>> = None;
    loop {
        let page = txn.scan(name, resume.as_deref(), 1000).await?;
        total += page.docs.iter().map(|d| crate::value::binary::encode(d).len() as u64).sum::<u64>();
        match page.resume {
            Some(r) => resume = Some(r),
            None => break,
        }
    }
    txn.rollback().await?;
    Ok(total)
}

/// [`properties`] with the key generator's current last value.
async fn described(state: &SharedState, db: &str, c: &CollectionInfo) -> AqlResult<Object> {
    Ok(properties(c, state.store.key_generator_last_value(db, &c.name).await?))
}

/// `figures`: the indexes' entry count and bytes, the documents' bytes, the (absent)
/// cache, and with `details=true` the engine's view: documents and each index's entries.
async fn figures(state: &SharedState, req: &Req, name: &str, count: i64) -> AqlResult<Value> {
    let mut txn = state.store.begin(&req.db, TxnOptions::default()).await?;
    let indexes = txn.index_figures(name).await;
    txn.rollback().await?;
    let indexes = indexes?;
    let size: u64 = indexes.iter().map(|i| i.size).sum();
    let int = |n: u64| Value::Int(n.min(i64::MAX as u64) as i64);
    let mut o = Object::new();
    o.insert("indexes".into(), Value::object([("count", Value::Int(indexes.len() as i64)), ("size", int(size))]));
    o.insert("documentsSize".into(), int(documents_size(state, req, name).await?));
    o.insert("cacheInUse".into(), Value::Bool(false));
    o.insert("cacheSize".into(), Value::Int(0));
    o.insert("cacheUsage".into(), Value::Int(0));
    if req.flag("details", false) {
        let list = indexes
            .iter()
            .map(|i| {
                Value::object([("type", Value::str(i.ty)), ("id", Value::Int(i.id as i64)), ("count", int(i.count))])
            })
            .collect();
        o.insert("engine".into(), Value::object([("documents", Value::Int(count)), ("indexes", Value::Array(list))]));
    }
    Ok(Value::Object(o))
}

fn with_location(reply: Reply, req: &Req, name: &str, action: &str) -> Reply {
    reply.header("location", format!("/_db/{}/_api/collection/{name}/{action}", req.db))
}

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let rest: Vec<&str> = req.segments.iter().skip(2).map(String::as_str).collect();
    let store = &state.store;
    let db = req.db.as_str();
    match rest.as_slice() {
        [] => match req.method {
            Method::GET | Method::HEAD => {
                let exclude_system = req.flag("excludeSystem", false);
                let list: Vec<Value> = store
                    .collections(db)
                    .await?
                    .iter()
                    .filter(|c| !(exclude_system && c.is_system))
                    .map(|c| Value::Object(short(c)))
                    .collect();
                Ok(Reply::ok(200, vec![("result", Value::Array(list))]))
            }
            Method::POST => {
                let body = req.body_object()?;
                let name = str_attr(&body, "name").unwrap_or("").to_string();
                let ty = collection_type(&body)?;
                let created = store.create_collection(db, CollectionSpec { name, ty, options: body }).await?;
                Ok(Reply::ok_object(200, described(state, db, &created).await?))
            }
            Method::PUT => Err(AqlError::with_status(
                num::HTTP_BAD_PARAMETER,
                400,
                "expected PUT /_api/collection/<collection-name>/<action>",
            )),
            _ => Err(unknown_path(req)),
        },
        [name] => match req.method {
            Method::GET | Method::HEAD => Ok(Reply::ok_object(200, short(&*store.collection(db, name).await?))),
            Method::DELETE => {
                let c = store.collection(db, name).await?;
                store.drop_collection(db, &c.name, req.flag("isSystem", false)).await?;
                Ok(Reply::ok(200, vec![("id", Value::String(c.id.to_string()))]))
            }
            Method::PUT => Err(AqlError::with_status(
                num::HTTP_BAD_PARAMETER,
                400,
                "expected PUT /_api/collection/<collection-name>/<action>",
            )),
            _ => Err(unknown_path(req)),
        },
        [name, action] => {
            let c = store.collection(db, name).await?;
            let reply = action_reply(state, req, &c, action).await?;
            Ok(with_location(reply, req, name, action))
        }
        _ => super::unsupported::fallback(req),
    }
}

async fn action_reply(state: &SharedState, req: &Req, c: &CollectionInfo, action: &str) -> HttpResult {
    let store = &state.store;
    let db = req.db.as_str();
    let get = req.is(&Method::GET);
    let put = req.method == Method::PUT;
    match action {
        "properties" if get => Ok(Reply::ok_object(200, described(state, db, c).await?)),
        "properties" if put => {
            let updated = store.set_collection_properties(db, &c.name, &req.body_object()?).await?;
            Ok(Reply::ok_object(200, described(state, db, &updated).await?))
        }
        "count" if get => {
            let mut o = described(state, db, c).await?;
            o.insert("count".into(), Value::Int(count(state, req, &c.name).await? as i64));
            Ok(Reply::ok_object(200, o))
        }
        "recalculateCount" if put => {
            let n = store.count(db, &c.name).await? as i64;
            Ok(Reply::ok(200, vec![("result", Value::Bool(true)), ("count", Value::Int(n))]))
        }
        "figures" if get => {
            let mut o = described(state, db, c).await?;
            let count = store.count(db, &c.name).await? as i64;
            o.insert("count".into(), Value::Int(count));
            o.insert("figures".into(), figures(state, req, &c.name, count).await?);
            Ok(Reply::ok_object(200, o))
        }
        "revision" if get => {
            let mut o = described(state, db, c).await?;
            o.insert("revision".into(), Value::String(store.collection_revision(db, &c.name).await?));
            Ok(Reply::ok_object(200, o))
        }
        "checksum" if get => {
            let mut o = short(c);
            o.insert("revision".into(), Value::String(store.collection_revision(db, &c.name).await?));
            o.insert("checksum".into(), Value::String(checksum(state, req, &c.name).await?));
            Ok(Reply::ok_object(200, o))
        }
        "rename" if put => {
            let body = req.body_object()?;
            let new_name =
                str_attr(&body, "name").ok_or_else(|| AqlError::with_status(num::ILLEGAL_NAME, 400, "illegal name"))?;
            let renamed = store.rename_collection(db, &c.name, new_name).await?;
            Ok(Reply::ok_object(200, short(&renamed)))
        }
        "truncate" if put => {
            store.truncate_collection(db, &c.name).await?;
            Ok(Reply::ok_object(200, short(c)))
        }
        "load" if put => {
            let mut o = short(c);
            if req.flag("count", true) {
                o.insert("count".into(), Value::Int(store.count(db, &c.name).await? as i64));
            }
            Ok(Reply::ok_object(200, o))
        }
        "unload" if put => Ok(Reply::ok_object(200, short(c))),
        "loadIndexesIntoMemory" if put => Ok(Reply::ok(200, vec![("result", Value::Bool(true))])),
        _ => super::unsupported::fallback(req),
    }
}
