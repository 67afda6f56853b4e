//! Vertex and edge CRUD through a named graph (`/_api/gharial/{g}/vertex/{c}[/{key}]`,
//! `/_api/gharial/{g}/edge/{c}[/{key}]`): the collection must belong to the graph
//! (1926 / 1930), an edge must fit its edge definition (1906) and point at existing
//! vertices, and removing a vertex removes its edges in the graph's edge collections,
//! all in one transaction (the stream transaction of `x-arango-trx-id` when given).

use super::{gnum, load_graph, EdgeDef, Graph};
use crate::ast::EdgeDirection;
use crate::error::{num, AqlError, AqlResult};
use crate::http::params::Req;
use crate::http::response::{HttpResult, Reply};
use crate::http::transaction::open;
use crate::http::SharedState;
use crate::store::{DocTxn, WriteOptions, WriteResult};
use crate::value::{Object, Value};
use axum::http::Method;

fn strip_quotes(s: &str) -> String {
    s.trim().trim_matches('"').to_string()
}

fn check_collection<'g>(graph: &'g Graph, kind: &str, collection: &str) -> AqlResult<Option<&'g EdgeDef>> {
    if kind == "vertex" {
        if graph.vertex_collections().iter().any(|c| c == collection) {
            return Ok(None);
        }
        return Err(AqlError::with_status(
            gnum::VERTEX_COL_DOES_NOT_EXIST,
            404,
            format!("vertex collection does not exist or is not part of the graph: {collection}"),
        ));
    }
    match graph.edge_def(collection) {
        Some(def) => Ok(Some(def)),
        None => Err(AqlError::with_status(
            gnum::EDGE_COLLECTION_NOT_USED,
            404,
            format!("edge collection not used in graph: {collection}"),
        )),
    }
}

/// The `_from`/`_to` of an edge must name vertices of the definition's collections
/// that exist.
async fn check_edge(txn: &mut DocTxn, def: &EdgeDef, doc: &Value) -> AqlResult<()> {
    let end = |attr: &str| -> AqlResult<(String, String)> {
        let id = doc.get(attr).and_then(Value::as_str).unwrap_or("");
        match id.split_once('/') {
            Some((c, k)) if !c.is_empty() && !k.is_empty() => Ok((id.to_string(), c.to_string())),
            _ => Err(AqlError::new(
                num::INVALID_EDGE_ATTRIBUTE,
                "expecting both `_from` and `_to` attributes to be defined in the edge document and have the format \
                 `<collectionName>/<vertexKey>`",
            )),
        }
    };
    let (from, from_c) = end("_from")?;
    let (to, to_c) = end("_to")?;
    if !def.from.contains(&from_c) || !def.to.contains(&to_c) {
        return Err(AqlError::with_status(
            gnum::INVALID_EDGE,
            400,
            format!("invalid edge between {from} and {to}. Doesn't conform to any edge definition"),
        ));
    }
    for id in [&from, &to] {
        if txn.document(id).await?.is_none() {
            return Err(AqlError::with_status(
                num::DOCUMENT_NOT_FOUND,
                404,
                format!("referenced _from/_to vertex not found: {id}"),
            ));
        }
    }
    Ok(())
}

fn options(req: &Req) -> WriteOptions {
    let expected_rev = req.header("if-match").map(strip_quotes).or_else(|| req.param("rev").map(str::to_string));
    WriteOptions {
        keep_null: req.flag("keepNull", true),
        ignore_revs: expected_rev.is_none(),
        expected_rev,
        wait_for_sync: req.flag("waitForSync", false),
        ..WriteOptions::default()
    }
}

fn write_reply(req: &Req, kind: &str, status: u16, r: &WriteResult, removed: bool) -> Reply {
    let mut fields: Vec<(&str, Value)> = Vec::new();
    if removed {
        fields.push(("removed", Value::Bool(true)));
    } else {
        let mut meta = Object::new();
        meta.insert("_id".into(), Value::str(&r.id));
        meta.insert("_key".into(), Value::str(&r.key));
        if let Some(old) = &r.old_rev {
            meta.insert("_oldRev".into(), Value::str(old));
        }
        meta.insert("_rev".into(), Value::str(&r.rev));
        fields.push((kind, Value::Object(meta)));
        if req.flag("returnNew", false) {
            fields.push(("new", r.new.clone().unwrap_or_default()));
        }
    }
    if req.flag("returnOld", false) {
        if let Some(old) = &r.old {
            fields.push(("old", old.clone()));
        }
    }
    let reply = Reply::ok(status, fields);
    if removed {
        reply
    } else {
        reply.header("etag", r.rev.clone())
    }
}

fn status(req: &Req, removal: bool) -> u16 {
    match (req.flag("waitForSync", false), removal) {
        (false, _) => 202,
        (true, true) => 200,
        (true, false) => 201,
    }
}

/// `POST .../vertex/{c}` and `POST .../edge/{c}`.
pub async fn create(state: &SharedState, req: &Req, graph: &str, kind: &str, collection: &str) -> HttpResult {
    let graph = load_graph(state, &req.db, graph).await?;
    let def = check_collection(&graph, kind, collection)?;
    let doc = req.body_object()?;
    let mut txn = open(state, req).await?;
    let outcome = async {
        if let Some(def) = def {
            check_edge(txn.get(), def, &doc).await?;
        }
        txn.get().insert(collection, doc, &options(req)).await
    }
    .await;
    match outcome {
        Ok(r) => {
            txn.finish(true).await?;
            Ok(write_reply(req, kind, status(req, false), &r, false))
        }
        Err(e) => {
            txn.finish(false).await?;
            Err(e)
        }
    }
}

async fn read(txn: &mut DocTxn, req: &Req, kind: &str, collection: &str, key: &str) -> HttpResult {
    let doc =
        txn.get(collection, key).await?.ok_or_else(|| AqlError::new(num::DOCUMENT_NOT_FOUND, "document not found"))?;
    let rev = doc.get("_rev").and_then(Value::as_str).unwrap_or("").to_string();
    if req.header("if-none-match").map(strip_quotes).is_some_and(|r| r == rev) {
        return Ok(Reply::empty(304).header("etag", rev));
    }
    let wanted = req.header("if-match").map(strip_quotes).or_else(|| req.param("rev").map(str::to_string));
    if wanted.is_some_and(|w| w != rev) {
        return Err(AqlError::with_status(num::CONFLICT, 412, "conflict, _rev values do not match"));
    }
    Ok(Reply::ok(200, vec![(kind, doc)]).header("etag", rev))
}

/// Removes the edges of `vertex` in every edge collection of the graph.
async fn remove_edges(txn: &mut DocTxn, graph: &Graph, vertex: &str) -> AqlResult<()> {
    for def in &graph.edge_defs {
        let mut keys: Vec<String> = txn
            .edges(&def.collection, vertex, EdgeDirection::Any)
            .await?
            .into_iter()
            .filter_map(|step| step.edge.get("_key").and_then(Value::as_str).map(str::to_string))
            .collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            match txn.remove(&def.collection, &key, &WriteOptions::default()).await {
                Ok(_) => {}
                Err(e) if e.num == num::DOCUMENT_NOT_FOUND => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

async fn write(
    txn: &mut DocTxn,
    req: &Req,
    graph: &Graph,
    def: Option<&EdgeDef>,
    collection: &str,
    key: &str,
) -> AqlResult<WriteResult> {
    let options = options(req);
    match req.method {
        Method::PUT => {
            let doc = req.body_object()?;
            if let Some(def) = def {
                check_edge(txn, def, &doc).await?;
            }
            txn.replace(collection, key, doc, &options).await
        }
        Method::PATCH => {
            let patch = req.body_object()?;
            if let Some(def) = def {
                if patch.get("_from").is_some() || patch.get("_to").is_some() {
                    let mut merged = txn
                        .get(collection, key)
                        .await?
                        .ok_or_else(|| AqlError::new(num::DOCUMENT_NOT_FOUND, "document not found"))?;
                    if let (Value::Object(m), Value::Object(p)) = (&mut merged, &patch) {
                        for attr in ["_from", "_to"] {
                            if let Some(v) = p.get(attr) {
                                m.insert(attr.into(), v.clone());
                            }
                        }
                    }
                    check_edge(txn, def, &merged).await?;
                }
            }
            txn.update(collection, key, patch, &options).await
        }
        Method::DELETE => {
            let removed = txn.remove(collection, key, &options).await?;
            if def.is_none() {
                remove_edges(txn, graph, &format!("{collection}/{key}")).await?;
            }
            Ok(removed)
        }
        _ => Err(AqlError::with_status(num::HTTP_METHOD_NOT_ALLOWED, 405, "method not supported")),
    }
}

/// `GET|PUT|PATCH|DELETE .../{vertex|edge}/{c}/{key}`.
pub async fn handle(
    state: &SharedState,
    req: &Req,
    graph: &str,
    kind: &str,
    collection: &str,
    key: &str,
) -> HttpResult {
    let graph = load_graph(state, &req.db, graph).await?;
    let def = check_collection(&graph, kind, collection)?;
    let mut txn = open(state, req).await?;
    if matches!(req.method, Method::GET | Method::HEAD) {
        let answer = read(txn.get(), req, kind, collection, key).await;
        txn.finish(true).await?;
        return answer;
    }
    let checks_rev = options(req).expected_rev.is_some();
    match write(txn.get(), req, &graph, def, collection, key).await {
        Err(e) if e.num == num::CONFLICT && checks_rev => {
            txn.finish(false).await?;
            Err(AqlError::with_status(num::CONFLICT, 412, e.message))
        }
        Ok(r) => {
            txn.finish(true).await?;
            let removal = req.method == Method::DELETE;
            Ok(write_reply(req, kind, status(req, removal), &r, removal))
        }
        Err(e) => {
            txn.finish(false).await?;
            Err(e)
        }
    }
}
