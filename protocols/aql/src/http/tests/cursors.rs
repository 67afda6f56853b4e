//! Cursors, explain and parse over HTTP with the executor behind them, against the
//! RestCursor*/RestExplain*/RestQuery* transcripts.

use super::client::{basic, call, Resp};
use super::server::start;
use crate::value::{json, Value};
use std::net::SocketAddr;

async fn req(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Resp {
    let auth = basic("root", "");
    let mut all = vec![("authorization", auth.as_str())];
    all.extend_from_slice(headers);
    call(addr, method, path, &all, body).await
}

fn parse(text: &str) -> Value {
    json::parse(text.as_bytes()).expect("test JSON")
}

fn at(v: &Value, name: &str) -> Value {
    v.get(name).cloned().unwrap_or_default()
}

#[tokio::test]
async fn batches_continue_and_retry() {
    let addr = start(Default::default()).await;
    // RestCursorPostBatch
    let body = r#"{"query":"FOR i IN 1..5 RETURN i","count":true,"batchSize":2,"options":{"allowRetry":true}}"#;
    let r = req(addr, "POST", "/_api/cursor", &[], Some(body)).await;
    assert_eq!(r.status, 201);
    let v = r.json();
    assert_eq!(
        (at(&v, "result"), at(&v, "hasMore"), at(&v, "count")),
        (parse("[1,2]"), Value::Bool(true), Value::Int(5))
    );
    assert_eq!(
        (at(&v, "nextBatchId"), at(&v, "cached"), at(&v, "code")),
        (Value::str("2"), Value::Bool(false), Value::Int(201))
    );
    assert!(at(&v, "extra").get("stats").is_some() && at(&v, "extra").get("warnings").is_some());
    assert!(v.get("errorNum").is_none());
    let id = at(&v, "id").as_str().unwrap_or_default().to_string();
    let v = req(addr, "POST", &format!("/_api/cursor/{id}"), &[], None).await.json();
    assert_eq!(
        (at(&v, "result"), at(&v, "nextBatchId"), at(&v, "code")),
        (parse("[3,4]"), Value::str("3"), Value::Int(200))
    );
    let v = req(addr, "POST", &format!("/_api/cursor/{id}/2"), &[], None).await.json();
    assert_eq!(at(&v, "result"), parse("[3,4]"), "the latest batch again");
    // RestCursorForLimitReturnCont: the old PUT form
    let v = req(addr, "PUT", &format!("/_api/cursor/{id}"), &[], None).await.json();
    assert_eq!((at(&v, "result"), at(&v, "hasMore")), (parse("[5]"), Value::Bool(false)));
    assert!(v.get("nextBatchId").is_none());
    let v = req(addr, "POST", &format!("/_api/cursor/{id}/3"), &[], None).await.json();
    assert_eq!(at(&v, "result"), parse("[5]"));
    // RestCursorDelete
    let r = req(addr, "DELETE", &format!("/_api/cursor/{id}"), &[], None).await;
    assert_eq!((r.status, r.json()), (202, parse(&format!(r#"{{"id":"{id}","error":false,"code":202}}"#))));
    assert_eq!(req(addr, "POST", &format!("/_api/cursor/{id}"), &[], None).await.status, 404);
    // without allowRetry an exhausted cursor is gone
    let v = req(addr, "POST", "/_api/cursor", &[], Some(r#"{"query":"FOR i IN 1..3 RETURN i","batchSize":2}"#))
        .await
        .json();
    assert!(v.get("count").is_none());
    let id = at(&v, "id").as_str().unwrap_or_default().to_string();
    let v = req(addr, "PUT", &format!("/_api/cursor/{id}"), &[], None).await.json();
    assert_eq!(at(&v, "result"), parse("[3]"));
    let r = req(addr, "PUT", &format!("/_api/cursor/{id}"), &[], None).await;
    assert_eq!((r.status, at(&r.json(), "errorNum")), (404, Value::Int(1600)));
    // a streaming cursor answers no count
    let body = r#"{"query":"FOR i IN 1..3 RETURN i","count":true,"batchSize":5,"options":{"stream":true}}"#;
    let v = req(addr, "POST", "/_api/cursor", &[], Some(body)).await.json();
    assert_eq!((at(&v, "result"), v.get("count").is_none()), (parse("[1,2,3]"), true));
    // RestCursorCreateCursorForLimitReturnSingle: one batch, no id
    let v =
        req(addr, "POST", "/_api/cursor", &[], Some(r#"{"query":"RETURN 1","count":true,"batchSize":2}"#)).await.json();
    assert_eq!((at(&v, "hasMore"), v.get("id").is_none()), (Value::Bool(false), true));
}

#[tokio::test]
async fn options_and_errors() {
    let addr = start(Default::default()).await;
    // RestCursorCreateCursorOption
    let body =
        r#"{"query":"FOR i IN 1..1000 FILTER i > 500 LIMIT 10 RETURN i","count":true,"options":{"fullCount":true}}"#;
    let v = req(addr, "POST", "/_api/cursor", &[], Some(body)).await.json();
    assert_eq!(at(&v, "result"), parse("[501,502,503,504,505,506,507,508,509,510]"));
    assert_eq!(at(&v, "count"), Value::Int(10));
    assert_eq!(at(&at(&v, "extra"), "stats").get("fullCount"), Some(&Value::Int(500)));
    // RestCursorCreateCursorUnknownCollection
    let r = req(addr, "POST", "/_api/cursor", &[], Some(r#"{"query":"FOR u IN unknowncoll LIMIT 2 RETURN u"}"#)).await;
    assert_eq!((r.status, at(&r.json(), "errorNum")), (404, Value::Int(1203)));
    // RestQueryInvalid as a cursor: 400/1501 with the position
    let r = req(
        addr,
        "POST",
        "/_api/cursor",
        &[],
        Some(r#"{"query":"FOR i IN 1..100 FILTER i = 1 LIMIT 2 RETURN i * 3"}"#),
    )
    .await;
    assert_eq!((r.status, at(&r.json(), "errorNum")), (400, Value::Int(1501)));
    assert!(at(&r.json(), "errorMessage").as_str().is_some_and(|m| m.contains("at position 1:26")));
    let r = req(addr, "POST", "/_api/cursor", &[], Some(r#"{"query":"RETURN @x"}"#)).await;
    assert_eq!((r.status, at(&r.json(), "errorNum")), (400, Value::Int(1551)));
    let r = req(addr, "POST", "/_api/cursor", &[], Some(r#"{"query":"RETURN @x","bindVars":{"x":[1,"a"]}}"#)).await;
    assert_eq!(at(&r.json(), "result"), parse(r#"[[1,"a"]]"#));
    let r = req(addr, "POST", "/_api/cursor", &[], Some(r#"{"query":"RETURN 1","batchSize":0}"#)).await;
    assert_eq!(r.status, 400);
    // RestCursorProfileQuery: profile 2 adds the plan
    let body = r#"{"query":"FOR i IN 1..3 RETURN i","options":{"profile":2}}"#;
    let extra = at(&req(addr, "POST", "/_api/cursor", &[], Some(body)).await.json(), "extra");
    assert!(at(&extra, "plan").get("nodes").is_some() && extra.get("profile").is_some());
    // a cursor whose ttl passed is gone
    let v = req(addr, "POST", "/_api/cursor", &[], Some(r#"{"query":"FOR i IN 1..3 RETURN i","batchSize":1,"ttl":1}"#))
        .await
        .json();
    let id = at(&v, "id").as_str().unwrap_or_default().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    assert_eq!(req(addr, "PUT", &format!("/_api/cursor/{id}"), &[], None).await.status, 404);
}

#[tokio::test]
async fn cursors_in_stream_transactions_and_modifications() {
    let addr = start(Default::default()).await;
    req(addr, "POST", "/_api/collection", &[], Some(r#"{"name":"products"}"#)).await;
    // RestCursorDeleteIgnore
    let r = req(
        addr,
        "POST",
        "/_api/cursor",
        &[],
        Some(r#"{"query":"REMOVE 'bar' IN products OPTIONS { ignoreErrors: true }"}"#),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(at(&at(&r.json(), "extra"), "stats").get("writesIgnored"), Some(&Value::Int(1)));
    // RestCursorDeleteQueryFail
    let r = req(addr, "POST", "/_api/cursor", &[], Some(r#"{"query":"REMOVE 'foo' IN products"}"#)).await;
    assert_eq!((r.status, at(&r.json(), "errorNum")), (404, Value::Int(1202)));
    let begin =
        req(addr, "POST", "/_api/transaction/begin", &[], Some(r#"{"collections":{"write":"products"}}"#)).await;
    let id = at(&at(&begin.json(), "result"), "id").as_str().unwrap_or_default().to_string();
    let trx = [("x-arango-trx-id", id.as_str())];
    let r = req(
        addr,
        "POST",
        "/_api/cursor",
        &trx,
        Some(r#"{"query":"INSERT {_key: 'in'} INTO products RETURN NEW._key"}"#),
    )
    .await;
    assert_eq!((r.status, at(&r.json(), "result")), (201, parse(r#"["in"]"#)));
    let count = r#"{"query":"RETURN LENGTH(FOR p IN products RETURN 1)"}"#;
    assert_eq!(at(&req(addr, "POST", "/_api/cursor", &trx, Some(count)).await.json(), "result"), parse("[1]"));
    assert_eq!(at(&req(addr, "POST", "/_api/cursor", &[], Some(count)).await.json(), "result"), parse("[0]"));
    assert_eq!(req(addr, "PUT", &format!("/_api/transaction/{id}"), &[], None).await.status, 200);
    assert_eq!(at(&req(addr, "POST", "/_api/cursor", &[], Some(count)).await.json(), "result"), parse("[1]"));
    let r = req(addr, "POST", "/_api/cursor", &trx, Some(count)).await;
    assert!(r.status >= 400, "the committed transaction is gone");
}

#[tokio::test]
async fn explain_and_parse() {
    let addr = start(Default::default()).await;
    req(addr, "POST", "/_api/collection", &[], Some(r#"{"name":"products"}"#)).await;
    // RestExplainValid, RestExplainAllPlans
    let r = req(addr, "POST", "/_api/explain", &[], Some(r#"{"query":"FOR p IN products RETURN p"}"#)).await;
    assert_eq!(r.status, 200);
    assert!(at(&r.json(), "plan").get("nodes").is_some());
    assert_eq!(at(&at(&r.json(), "stats"), "plansCreated"), Value::Int(1));
    let body = r#"{"query":"FOR p IN products FILTER p.id == 25 RETURN p","options":{"allPlans":true}}"#;
    let v = req(addr, "POST", "/_api/explain", &[], Some(body)).await.json();
    assert_eq!(at(&v, "plans").as_array().map(|p| p.len()), Some(1));
    assert!(v.get("plan").is_none());
    // RestExplainInvalid
    let r = req(
        addr,
        "POST",
        "/_api/explain",
        &[],
        Some(r#"{"query":"FOR p IN products FILTER p.id == @id LIMIT 2 RETURN p.n"}"#),
    )
    .await;
    assert_eq!((r.status, at(&r.json(), "errorNum")), (400, Value::Int(1551)));
    // RestExplainWarning, then with failOnWarning the warning is the error (1562)
    let r = req(addr, "POST", "/_api/explain", &[], Some(r#"{"query":"FOR i IN 1..10 RETURN 1 / 0"}"#)).await;
    let warnings = at(&r.json(), "warnings");
    assert_eq!(at(&r.json(), "cacheable"), Value::Bool(false));
    assert_eq!(at(warnings.as_array().and_then(|w| w.first()).unwrap_or(&Value::Null), "code"), Value::Int(1562));
    let body = r#"{"query":"FOR i IN 1..10 RETURN 1 / 0","options":{"failOnWarning":true}}"#;
    let r = req(addr, "POST", "/_api/explain", &[], Some(body)).await;
    assert_eq!((r.status, at(&r.json(), "errorNum")), (400, Value::Int(1562)));
    // RestQueryValid, RestQueryInvalid
    let r =
        req(addr, "POST", "/_api/query", &[], Some(r#"{"query":"FOR p IN products FILTER p.x > @x RETURN p"}"#)).await;
    let v = r.json();
    assert_eq!((r.status, at(&v, "parsed")), (200, Value::Bool(true)));
    assert_eq!((at(&v, "collections"), at(&v, "bindVars")), (parse(r#"["products"]"#), parse(r#"["x"]"#)));
    let ast = at(&v, "ast");
    let root = ast.as_array().and_then(|a| a.first()).cloned().unwrap_or_default();
    let for_node = at(&root, "subNodes").as_array().and_then(|a| a.first()).cloned().unwrap_or_default();
    let source = at(&for_node, "subNodes").as_array().and_then(|a| a.get(1)).cloned().unwrap_or_default();
    assert_eq!(source, parse(r#"{"type":"collection","name":"products"}"#));
    // RestQueryValid: the AST in ArangoDB's form
    let body = r#"{"query":"FOR i IN 1..100 FILTER i > 10 LIMIT 2 RETURN i * 3"}"#;
    let r = req(addr, "POST", "/_api/query", &[], Some(body)).await;
    let expected = r#"[{"type":"root","subNodes":[{"type":"for","subNodes":[{"type":"variable","name":"i","id":0},{"type":"range","subNodes":[{"type":"value","value":1},{"type":"value","value":100}]},{"type":"no-op"}]},{"type":"filter","subNodes":[{"type":"compare >","subNodes":[{"type":"reference","name":"i","id":0,"subqueryReference":false},{"type":"value","value":10}]}]},{"type":"limit","subNodes":[{"type":"value","value":0},{"type":"value","value":2}]},{"type":"return","subNodes":[{"type":"times","subNodes":[{"type":"reference","name":"i","id":0,"subqueryReference":false},{"type":"value","value":3}]}]}]}]"#;
    assert_eq!(at(&r.json(), "ast"), parse(expected));
    // a construct not rendered in ArangoDB's form is answered in Orbit's own
    let r = req(addr, "POST", "/_api/query", &[], Some(r#"{"query":"FOR i IN 1..3 SORT i RETURN i"}"#)).await;
    let orbit = at(&r.json(), "ast").as_array().and_then(|a| a.first()).cloned().unwrap_or_default();
    assert!(at(&orbit, "orbit").as_str().is_some());
    let r =
        req(addr, "POST", "/_api/query", &[], Some(r#"{"query":"FOR i IN 1..100 FILTER i = 1 LIMIT 2 RETURN i * 3"}"#))
            .await;
    assert_eq!(
        r.json(),
        parse(
            r#"{"code":400,"error":true,"errorMessage":"syntax error, unexpected assignment near '= 1 LIMIT 2 RETURN i * 3' at position 1:26","errorNum":1501}"#
        )
    );
}

#[tokio::test]
async fn query_tracking_lists_kills_and_keeps_slow_queries() {
    let addr = start(Default::default()).await;
    let v = req(addr, "GET", "/_api/query/properties", &[], None).await.json();
    assert_eq!((at(&v, "enabled"), at(&v, "maxSlowQueries")), (Value::Bool(true), Value::Int(64)));
    let v = req(addr, "PUT", "/_api/query/properties", &[], Some(r#"{"slowQueryThreshold":0,"maxSlowQueries":5}"#))
        .await
        .json();
    assert_eq!((at(&v, "slowQueryThreshold"), at(&v, "maxSlowQueries")), (Value::Int(0), Value::Int(5)));
    // an open cursor is a running query until it is killed
    let v = req(addr, "POST", "/_api/cursor", &[], Some(r#"{"query":"FOR i IN 1..10 RETURN i","batchSize":2}"#))
        .await
        .json();
    let id = at(&v, "id").as_str().unwrap_or_default().to_string();
    let current = req(addr, "GET", "/_api/query/current", &[], None).await.json();
    let running = current.as_array().unwrap_or_default().to_vec();
    assert_eq!(running.len(), 1);
    assert_eq!(
        (at(&running[0], "id"), at(&running[0], "query")),
        (Value::str(&id), Value::str("FOR i IN 1..10 RETURN i"))
    );
    assert_eq!(at(&running[0], "state"), Value::str("executing"));
    // ArangoDB 3.12: modificationQuery on running and slow queries, exitCode on slow ones
    assert_eq!(at(&running[0], "modificationQuery"), Value::Bool(false));
    assert!(running[0].get("exitCode").is_none());
    assert_eq!(req(addr, "DELETE", &format!("/_api/query/{id}"), &[], None).await.status, 200);
    assert_eq!(
        req(addr, "PUT", &format!("/_api/cursor/{id}"), &[], None).await.status,
        404,
        "the killed cursor is gone"
    );
    assert_eq!(req(addr, "GET", "/_api/query/current", &[], None).await.json(), parse("[]"));
    let r = req(addr, "DELETE", &format!("/_api/query/{id}"), &[], None).await;
    assert_eq!((r.status, at(&r.json(), "errorNum")), (404, Value::Int(1591)));
    // with a zero threshold every finished query is slow
    req(addr, "POST", "/_api/cursor", &[], Some(r#"{"query":"RETURN 42"}"#)).await;
    let slow = req(addr, "GET", "/_api/query/slow", &[], None).await.json();
    let queries: Vec<Value> = slow.as_array().unwrap_or_default().iter().map(|q| at(q, "query")).collect();
    assert!(queries.contains(&Value::str("RETURN 42")), "{slow:?}");
    let body = r#"{"query":"INSERT {} INTO nosuchcollection"}"#;
    assert_eq!(req(addr, "POST", "/_api/cursor", &[], Some(body)).await.status, 404);
    let slow = req(addr, "GET", "/_api/query/slow", &[], None).await.json();
    let list = slow.as_array().unwrap_or_default().to_vec();
    let of = |text: &str| list.iter().find(|q| at(q, "query") == Value::str(text)).cloned().unwrap_or_default();
    assert_eq!(
        (at(&of("RETURN 42"), "exitCode"), at(&of("RETURN 42"), "modificationQuery")),
        (Value::Int(0), Value::Bool(false))
    );
    let failed = of("INSERT {} INTO nosuchcollection");
    assert_eq!((at(&failed, "exitCode"), at(&failed, "modificationQuery")), (Value::Int(1203), Value::Bool(true)));
    assert_eq!(req(addr, "DELETE", "/_api/query/slow", &[], None).await.status, 200);
    assert_eq!(req(addr, "GET", "/_api/query/slow", &[], None).await.json(), parse("[]"));
    let r = req(addr, "GET", "/_api/query/rules", &[], None).await;
    assert_eq!(r.status, 501);
}
