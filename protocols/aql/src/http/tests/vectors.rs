//! Vector indexes and GRAPHRAG_* over HTTP, through the listener itself (so the GraphRAG
//! storage it is handed reaches the queries): `POST/GET/DELETE /_api/index` with
//! `type: "vector"` as ArangoDB 3.12.4 documents it, APPROX_NEAR_* cursors and explain,
//! the 1554 error, and GRAPHRAG_RETRIEVE answering the engine's own ranking.

use super::client::{basic, call, Resp};
use crate::value::{json, Value};
use orbit_protocol_api::{ListenerContext, ProtocolListener};
use orbit_storage::TableStorage;
use std::net::SocketAddr;
use std::sync::Arc;

async fn memory() -> Arc<dyn TableStorage> {
    orbit_storage::KvTableStorage::open(Arc::new(orbit_storage::MemoryEngine::new())).await.expect("memory storage")
}

/// The listener on a free port over fresh memory storage, with `graphrag` as its
/// GraphRAG storage; answers once it serves.
async fn listen(graphrag: Option<Arc<dyn TableStorage>>) -> (SocketAddr, tokio::sync::watch::Sender<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let ctx = ListenerContext { storage: memory().await, graphrag_storage: graphrag, local_addr: addr, shutdown };
    tokio::spawn(Box::new(crate::http::AqlListener::new(Default::default())).serve(listener, ctx));
    for _ in 0..200 {
        if req(addr, "GET", "/_api/version", None).await.status == 200 {
            return (addr, stop);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the listener did not start");
}

async fn req(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> Resp {
    let auth = basic("root", "");
    match tokio::time::timeout(
        std::time::Duration::from_secs(30),
        call(addr, method, path, &[("authorization", &auth)], body),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => panic!("{method} {path} timed out"),
    }
}

fn parse(text: &str) -> Value {
    json::parse(text.as_bytes()).expect("test JSON")
}

async fn cursor(addr: SocketAddr, query: &str, binds: &str) -> Resp {
    let body = format!(r#"{{"query": {}, "bindVars": {binds}}}"#, json::to_json_string(&Value::str(query)));
    req(addr, "POST", "/_api/cursor", Some(&body)).await
}

fn result(r: &Resp) -> Value {
    r.json().get("result").cloned().unwrap_or_default()
}

const INDEX: &str = r#"{"type": "vector", "name": "emb", "fields": ["embedding"],
    "params": {"metric": "cosine", "dimension": 3, "nLists": 2, "trainingIterations": 10}}"#;

#[tokio::test]
async fn vector_indexes_over_http() {
    let (addr, _stop) = listen(None).await;
    assert_eq!(req(addr, "POST", "/_api/collection", Some(r#"{"name": "docs"}"#)).await.status, 200);
    let docs = r#"[{"_key": "x", "embedding": [1, 0, 0]}, {"_key": "y", "embedding": [0, 1, 0]},
        {"_key": "z", "embedding": [1, 1, 0]}, {"_key": "w", "embedding": [0, 0, 1]}]"#;
    assert_eq!(req(addr, "POST", "/_api/document/docs", Some(docs)).await.status, 202);

    let r = req(addr, "POST", "/_api/index?collection=docs", Some(INDEX)).await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let created = r.json();
    assert_eq!(created.get("type"), Some(&Value::str("vector")));
    assert_eq!(created.get("isNewlyCreated"), Some(&Value::Bool(true)));
    assert_eq!(created.get("fields"), Some(&parse(r#"["embedding"]"#)));
    let params =
        parse(r#"{"metric": "cosine", "dimension": 3, "nLists": 2, "defaultNProbe": 1, "trainingIterations": 10}"#);
    assert_eq!(created.get("params"), Some(&params));
    let id = created.get("id").and_then(|i| i.as_str()).unwrap_or_default().to_string();
    let again = req(addr, "POST", "/_api/index?collection=docs", Some(INDEX)).await;
    assert_eq!((again.status, again.json().get("isNewlyCreated").cloned()), (200, Some(Value::Bool(false))));
    let bad =
        r#"{"type": "vector", "fields": ["embedding"], "params": {"metric": "cosine", "dimension": 2, "nLists": 1}}"#;
    let r = req(addr, "POST", "/_api/index?collection=docs", Some(bad)).await;
    assert_eq!(
        (r.status, r.json().get("errorNum").cloned()),
        (400, Some(Value::Int(17))),
        "dimension 2 over 3-d vectors"
    );

    let listed = req(addr, "GET", "/_api/index?collection=docs", None).await.json();
    let types: Vec<Value> = listed
        .get("indexes")
        .and_then(|l| l.as_array())
        .map(|l| l.iter().filter_map(|i| i.get("type").cloned()).collect())
        .unwrap_or_default();
    assert_eq!(types, vec![Value::str("primary"), Value::str("vector")]);
    let one = req(addr, "GET", &format!("/_api/index/{id}"), None).await.json();
    assert_eq!(one.get("params"), Some(&params));

    let q = "FOR d IN docs SORT APPROX_NEAR_COSINE(d.embedding, @q) DESC LIMIT 3 RETURN d._key";
    let r = cursor(addr, q, r#"{"q": [1, 0.2, 0]}"#).await;
    assert_eq!((r.status, result(&r)), (201, parse(r#"["x", "z", "y"]"#)));
    let explained = req(
        addr,
        "POST",
        "/_api/explain",
        Some(&format!(r#"{{"query": {}, "bindVars": {{"q": [1, 0, 0]}}}}"#, json::to_json_string(&Value::str(q)))),
    )
    .await
    .json();
    let nodes = explained.get("plan").and_then(|p| p.get("nodes")).and_then(|n| n.as_array()).map(|n| n.to_vec());
    assert!(nodes.unwrap_or_default().iter().any(|n| n.get("type") == Some(&Value::str("EnumerateNearVectorNode"))));

    let l2 = "FOR d IN docs SORT APPROX_NEAR_L2(d.embedding, @q) LIMIT 3 RETURN d._key";
    let r = cursor(addr, l2, r#"{"q": [1, 0, 0]}"#).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (400, Some(Value::Int(1554))));
    let r = cursor(addr, q, r#"{"q": [1, 0]}"#).await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (400, Some(Value::Int(1542))));

    assert_eq!(req(addr, "DELETE", &format!("/_api/index/{id}"), None).await.status, 200);
    let r = cursor(addr, q, r#"{"q": [1, 0.2, 0]}"#).await;
    assert_eq!(r.json().get("errorNum"), Some(&Value::Int(1554)));
}

#[tokio::test]
async fn graphrag_disabled_is_a_clear_error() {
    let (addr, _stop) = listen(None).await;
    let r = cursor(addr, r#"RETURN GRAPHRAG_GET_STATS("kg")"#, "{}").await;
    let v = r.json();
    assert_eq!(r.status, 501);
    assert_eq!(
        (v.get("errorNum"), v.get("errorMessage")),
        (Some(&Value::Int(9)), Some(&Value::str("GraphRAG is disabled on this server")))
    );
}

#[tokio::test]
async fn graphrag_retrieve_answers_the_engines_ranking() {
    use orbit_graphrag::types::{RetrieveMode, RetrieveOptions};
    let graphrag = memory().await;
    let (addr, _stop) = listen(Some(graphrag.clone())).await;
    let r =
        cursor(addr, r#"RETURN GRAPHRAG_CREATE("kb", {embedder: "hashing:64", chunkTokens: 24, overlap: 4})"#, "{}")
            .await;
    assert_eq!(r.status, 201, "{:?}", r.json());
    let texts = [
        ("ada", "Ada Lovelace wrote the first program for the Analytical Engine. Charles Babbage designed the Analytical Engine in London."),
        ("alan", "Alan Turing was born in London. Alan Turing worked at Bletchley Park on the Enigma machine."),
        ("grace", "Grace Hopper developed the first compiler. Grace Hopper served in the United States Navy."),
    ];
    for (id, text) in texts {
        let binds = format!(r#"{{"id": "{id}", "text": {}}}"#, json::to_json_string(&Value::str(text)));
        let r = cursor(addr, "RETURN GRAPHRAG_BUILD_KNOWLEDGE('kb', @id, @text)", &binds).await;
        assert_eq!(r.status, 201, "{:?}", r.json());
        let report = result(&r);
        assert!(report.as_array().and_then(|a| a.first()).and_then(|b| b.get("chunks")).is_some(), "{report:?}");
    }
    let engine = orbit_graphrag::GraphRag::attach(graphrag).await.expect("engine");
    let question = "Who designed the Analytical Engine?";
    let options = RetrieveOptions { mode: RetrieveMode::Naive, k: 3, ..RetrieveOptions::default() };
    let direct = engine.retrieve("kb", question, &options).await.expect("retrieve");
    let q = "FOR c IN GRAPHRAG_RETRIEVE('kb', @q, {mode: 'naive', k: 3}) RETURN [c.chunk_id, c.score, c.rank]";
    let r = cursor(addr, q, &format!(r#"{{"q": {}}}"#, json::to_json_string(&Value::str(question)))).await;
    let expected: Vec<Value> = direct
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Value::Array(vec![Value::str(c.chunk_id.clone()), Value::double(c.score), Value::Int(i as i64 + 1)])
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(result(&r), Value::Array(expected));
    let r = cursor(addr, "RETURN GRAPHRAG_GET_STATS('nope')", "{}").await;
    assert_eq!((r.status, r.json().get("errorNum").cloned()), (404, Some(Value::Int(1203))));
}
