//! Gharial against the transcripts of the `social` graph examples (HttpGharial*).

use super::client::{basic, call, Resp};
use super::server::start;
use crate::value::{json, Value};
use std::net::SocketAddr;

async fn req(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> Resp {
    call(addr, method, path, &[("authorization", &basic("root", ""))], body).await
}

fn parse(text: &str) -> Value {
    json::parse(text.as_bytes()).expect("test JSON")
}

fn field(r: &Resp, name: &str) -> Value {
    r.json().get(name).cloned().unwrap_or_default()
}

/// The graph object without its revision.
fn graph(r: &Resp) -> Value {
    match field(r, "graph") {
        Value::Object(mut o) => {
            assert!(o.shift_remove("_rev").is_some_and(|rev| rev.as_str().is_some_and(|s| !s.is_empty())));
            Value::Object(o)
        }
        other => other,
    }
}

const SOCIAL: &str = r#"{"name":"social","edgeDefinitions":[{"collection":"relation","from":["female","male"],"to":["female","male"]}]}"#;

#[tokio::test]
async fn graph_definitions() {
    let addr = start(Default::default()).await;
    // HttpGharialCreate
    let body =
        r#"{"name":"myGraph","edgeDefinitions":[{"collection":"edges","from":["startNodes"],"to":["endNodes"]}]}"#;
    let r = req(addr, "POST", "/_api/gharial", Some(body)).await;
    assert_eq!(r.status, 202);
    assert_eq!(
        graph(&r),
        parse(
            r#"{"_key":"myGraph","edgeDefinitions":[{"collection":"edges","from":["startNodes"],"to":["endNodes"]}],"orphanCollections":[],"_id":"_graphs/myGraph","name":"myGraph"}"#
        )
    );
    assert!(r.header("etag").is_some());
    let r = req(addr, "GET", "/_api/collection/edges", None).await;
    assert_eq!(field(&r, "type"), Value::Int(3), "the edge collection was created");
    let r = req(addr, "POST", "/_api/gharial", Some(body)).await;
    assert_eq!((r.status, field(&r, "errorNum")), (409, Value::Int(1925)));
    // HttpGharialGetGraph, HttpGharialList
    let r = req(addr, "GET", "/_api/gharial/myGraph", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(graph(&r).get("name"), Some(&Value::str("myGraph")));
    let r = req(addr, "GET", "/_api/gharial", None).await;
    assert_eq!(field(&r, "graphs").as_array().map(|a| a.len()), Some(1));
    let r = req(addr, "GET", "/_api/gharial/nothere", None).await;
    assert_eq!((r.status, field(&r, "errorNum")), (404, Value::Int(1924)));
    // HttpGharialCreateSmart
    let smart =
        r#"{"name":"smartGraph","edgeDefinitions":[],"isSmart":true,"options":{"smartGraphAttribute":"region"}}"#;
    let r = req(addr, "POST", "/_api/gharial", Some(smart)).await;
    assert_eq!((r.status, field(&r, "errorNum")), (501, Value::Int(9)));

    assert_eq!(req(addr, "POST", "/_api/gharial", Some(SOCIAL)).await.status, 202);
    // HttpGharialAddVertexCol, HttpGharialRemoveVertexCollection(Failed)
    let r = req(addr, "POST", "/_api/gharial/social/vertex", Some(r#"{"collection":"otherNodes"}"#)).await;
    assert_eq!(graph(&r).get("orphanCollections"), Some(&parse(r#"["otherNodes"]"#)));
    let r = req(addr, "GET", "/_api/gharial/social/vertex", None).await;
    assert_eq!(field(&r, "collections"), parse(r#"["female","male","otherNodes"]"#));
    let r = req(addr, "DELETE", "/_api/gharial/social/vertex/male", None).await;
    assert_eq!(
        r.json(),
        parse(
            r#"{"code":400,"error":true,"errorMessage":"collection is not in list of orphan collections","errorNum":1928}"#
        )
    );
    let r = req(addr, "DELETE", "/_api/gharial/social/vertex/otherNodes", None).await;
    assert_eq!(graph(&r).get("orphanCollections"), Some(&parse("[]")));
    // HttpGharialAddEdgeCol, HttpGharialListEdge
    let def = r#"{"collection":"works_in","from":["female","male"],"to":["city"]}"#;
    let r = req(addr, "POST", "/_api/gharial/social/edge", Some(def)).await;
    assert_eq!(r.status, 202);
    let r = req(addr, "POST", "/_api/gharial/social/edge", Some(def)).await;
    assert_eq!(field(&r, "errorNum"), Value::Int(1920));
    let r = req(addr, "GET", "/_api/gharial/social/edge", None).await;
    assert_eq!(field(&r, "collections"), parse(r#"["relation","works_in"]"#));
    // HttpGharialReplaceEdgeCol: from/to come back sorted
    let def = r#"{"collection":"relation","from":["female","male","animal"],"to":["female","male","animal"]}"#;
    let r = req(addr, "PUT", "/_api/gharial/social/edge/relation", Some(def)).await;
    let defs = graph(&r).get("edgeDefinitions").cloned().unwrap_or_default();
    assert_eq!(
        defs.as_array().and_then(|d| d.first()).cloned(),
        Some(parse(r#"{"collection":"relation","from":["animal","female","male"],"to":["animal","female","male"]}"#))
    );
    let r =
        req(addr, "PUT", "/_api/gharial/social/edge/nothere", Some(r#"{"collection":"nothere","from":[],"to":[]}"#))
            .await;
    assert_eq!((r.status, field(&r, "errorNum")), (404, Value::Int(1930)));
    // HttpGharialEdgeDefinitionRemove: unused vertex collections become orphans
    req(addr, "DELETE", "/_api/gharial/social/edge/works_in?dropCollections=true", None).await;
    assert_eq!(req(addr, "GET", "/_api/collection/works_in", None).await.status, 404);
    let r = req(addr, "DELETE", "/_api/gharial/social/edge/relation", None).await;
    assert_eq!(graph(&r).get("edgeDefinitions"), Some(&parse("[]")));
    let mut orphans: Vec<String> = graph(&r)
        .get("orphanCollections")
        .and_then(Value::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    orphans.sort();
    assert_eq!(orphans, ["animal", "city", "female", "male"]);
    // HttpGharialDrop
    let r = req(addr, "DELETE", "/_api/gharial/myGraph?dropCollections=true", None).await;
    assert_eq!(r.json(), parse(r#"{"error":false,"code":202,"removed":true}"#));
    assert_eq!(req(addr, "GET", "/_api/collection/startNodes", None).await.status, 404);
}

#[tokio::test]
async fn vertices_and_edges_through_a_graph() {
    let addr = start(Default::default()).await;
    assert_eq!(req(addr, "POST", "/_api/gharial", Some(SOCIAL)).await.status, 202);
    req(addr, "POST", "/_api/collection", Some(r#"{"name":"otherNodes"}"#)).await;
    // HttpGharialAddVertex
    let r = req(addr, "POST", "/_api/gharial/social/vertex/female", Some(r#"{"_key":"alice","name":"Alice"}"#)).await;
    assert_eq!(r.status, 202);
    let v = field(&r, "vertex");
    assert_eq!(v.get("_id"), Some(&Value::str("female/alice")));
    assert_eq!(r.header("etag"), v.get("_rev").and_then(Value::as_str));
    req(addr, "POST", "/_api/gharial/social/vertex/male", Some(r#"{"_key":"bob","name":"Bob"}"#)).await;
    let r = req(addr, "POST", "/_api/gharial/social/vertex/otherNodes", Some("{}")).await;
    assert_eq!((r.status, field(&r, "errorNum")), (404, Value::Int(1926)));
    // HttpGharialGetVertex, HttpGharialModifyVertex
    let r = req(addr, "GET", "/_api/gharial/social/vertex/female/alice", None).await;
    assert_eq!(field(&r, "vertex").get("name"), Some(&Value::str("Alice")));
    let stale = [("authorization", basic("root", "")), ("if-match", "\"_zzzzzzzzz--\"".to_string())];
    let stale: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = call(addr, "PATCH", "/_api/gharial/social/vertex/female/alice", &stale, Some(r#"{"age":1}"#)).await;
    assert_eq!((r.status, field(&r, "errorNum")), (412, Value::Int(1200)));
    let r = req(addr, "PATCH", "/_api/gharial/social/vertex/female/alice", Some(r#"{"age":26}"#)).await;
    assert_eq!(r.status, 202);
    assert!(field(&r, "vertex").get("_oldRev").is_some());
    // HttpGharialAddEdge and the edge definition check
    let edge = r#"{"type":"friend","_from":"female/alice","_to":"male/bob"}"#;
    let r = req(addr, "POST", "/_api/gharial/social/edge/relation", Some(edge)).await;
    assert_eq!(r.status, 202);
    let key = field(&r, "edge").get("_key").and_then(Value::as_str).unwrap_or_default().to_string();
    let bad = r#"{"_from":"female/alice","_to":"otherNodes/x"}"#;
    let r = req(addr, "POST", "/_api/gharial/social/edge/relation", Some(bad)).await;
    assert_eq!((r.status, field(&r, "errorNum")), (400, Value::Int(1906)));
    let r = req(addr, "POST", "/_api/gharial/social/edge/nothere", Some(edge)).await;
    assert_eq!((r.status, field(&r, "errorNum")), (404, Value::Int(1930)));
    // HttpGharialGetEdge, HttpGharialPutEdge
    let r = req(addr, "GET", &format!("/_api/gharial/social/edge/relation/{key}"), None).await;
    assert_eq!(field(&r, "edge").get("type"), Some(&Value::str("friend")));
    let put = r#"{"type":"divorced","_from":"female/alice","_to":"male/bob"}"#;
    let r = req(addr, "PUT", &format!("/_api/gharial/social/edge/relation/{key}"), Some(put)).await;
    assert_eq!(r.status, 202);
    // HttpGharialDeleteVertex removes the vertex's edges
    let r = req(addr, "DELETE", "/_api/gharial/social/vertex/female/alice", None).await;
    assert_eq!(r.json(), parse(r#"{"error":false,"code":202,"removed":true}"#));
    assert_eq!(req(addr, "GET", &format!("/_api/document/relation/{key}"), None).await.status, 404);
    // HttpGharialDeleteEdge
    req(addr, "POST", "/_api/gharial/social/vertex/female", Some(r#"{"_key":"diana"}"#)).await;
    let r =
        req(addr, "POST", "/_api/gharial/social/edge/relation", Some(r#"{"_from":"male/bob","_to":"female/diana"}"#))
            .await;
    let key = field(&r, "edge").get("_key").and_then(Value::as_str).unwrap_or_default().to_string();
    let r = req(addr, "DELETE", &format!("/_api/gharial/social/edge/relation/{key}"), None).await;
    assert_eq!(r.json(), parse(r#"{"error":false,"code":202,"removed":true}"#));
    let r = req(addr, "GET", &format!("/_api/gharial/social/edge/relation/{key}"), None).await;
    assert_eq!((r.status, field(&r, "errorNum")), (404, Value::Int(1202)));
}
