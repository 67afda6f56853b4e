//! Tests of vector indexes in AQL: SORT APPROX_NEAR_* LIMIT planned onto the index (the
//! rankings and values ArangoDB's vector functions documentation defines, ties in
//! insertion order), the 1554 and 1542 errors its own test suite expects, explain, and the
//! index kept right after commits (a rolled-back transaction changes nothing) and after
//! reopening the store.

use super::{explain, run_query, QueryOptions, QueryRequest};
use crate::store::{CollectionSpec, CollectionType, DocStore, TxnOptions, WriteOptions};
use crate::value::{json, Object, Value};
use std::sync::Arc;

/// q = [1, 0.1]; by L2: a = f (0.1), c, e, b, d; by cosine: f, a = e, c, b, d; by inner
/// product: e, c, f, a, b, d.
const DOCS: &[&str] = &[
    r#"{"_key": "a", "v": [1, 0], "n": 1}"#,
    r#"{"_key": "b", "v": [0, 1], "n": 2}"#,
    r#"{"_key": "c", "v": [1, 1], "n": 3}"#,
    r#"{"_key": "d", "v": [-1, 0], "n": 4}"#,
    r#"{"_key": "e", "v": [2, 0], "n": 5}"#,
    r#"{"_key": "f", "v": [1, 0.2], "n": 6}"#,
    r#"{"_key": "g", "n": 7}"#,
];

const Q: &str = r#"{"q": [1, 0.1]}"#;

fn j(text: &str) -> Value {
    json::parse(text.as_bytes()).unwrap()
}

async fn store_over(storage: Arc<dyn orbit_storage::TableStorage>) -> Arc<DocStore> {
    DocStore::open(storage).await.unwrap()
}

async fn seeded(metrics: &[&str]) -> (Arc<DocStore>, Arc<dyn orbit_storage::TableStorage>) {
    let storage: Arc<dyn orbit_storage::TableStorage> =
        orbit_storage::KvTableStorage::open(Arc::new(orbit_storage::MemoryEngine::new())).await.unwrap();
    let s = store_over(storage.clone()).await;
    let options = Value::object([("name", Value::str("c"))]);
    s.create_collection("_system", CollectionSpec { name: "c".into(), ty: CollectionType::Document, options })
        .await
        .unwrap();
    let mut txn = s.begin("_system", TxnOptions::default()).await.unwrap();
    for d in DOCS {
        txn.insert("c", j(d), &WriteOptions::default()).await.unwrap();
    }
    txn.commit().await.unwrap();
    for m in metrics {
        let body = format!(
            r#"{{"type": "vector", "name": "v_{m}", "fields": ["v"], "sparse": true, "params": {{"metric": "{m}", "dimension": 2, "nLists": 1}}}}"#
        );
        s.create_index("_system", "c", &j(&body)).await.unwrap();
    }
    (s, storage)
}

fn request(query: &str, binds: &str) -> QueryRequest {
    let bind_vars: Object = j(binds).as_object().cloned().unwrap_or_default();
    QueryRequest { database: "_system".into(), query: query.into(), bind_vars, options: QueryOptions::default() }
}

async fn rows(s: &Arc<DocStore>, query: &str, binds: &str) -> Value {
    let mut stream = run_query(s, request(query, binds), None).await.unwrap();
    let mut out = Vec::new();
    while let Some(v) = stream.next().await.unwrap() {
        out.push(v);
    }
    Value::Array(out)
}

async fn error(s: &Arc<DocStore>, query: &str, binds: &str) -> u32 {
    match run_query(s, request(query, binds), None).await {
        Ok(mut stream) => loop {
            match stream.next().await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("{query} succeeded"),
                Err(e) => return e.num,
            }
        },
        Err(e) => e.num,
    }
}

async fn node_types(s: &Arc<DocStore>, query: &str, binds: &str) -> Vec<String> {
    let plan = explain(s, request(query, binds)).await.unwrap();
    let nodes = plan.get("plan").and_then(|p| p.get("nodes")).and_then(|n| n.as_array()).unwrap().to_vec();
    nodes.iter().filter_map(|n| n.get("type").and_then(|t| t.as_str()).map(str::to_string)).collect()
}

#[tokio::test]
async fn nearest_documents_by_each_metric_in_order() {
    let (s, _) = seeded(&["l2", "cosine", "innerProduct"]).await;
    let l2 = "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) LIMIT 5 RETURN d._key";
    assert_eq!(rows(&s, l2, Q).await, j(r#"["a", "f", "c", "e", "b"]"#));
    let swapped = "FOR d IN c SORT APPROX_NEAR_L2(@q, d.v) LIMIT 5 RETURN d._key";
    assert_eq!(rows(&s, swapped, Q).await, j(r#"["a", "f", "c", "e", "b"]"#));
    let cos = "FOR d IN c SORT APPROX_NEAR_COSINE(d.v, @q) DESC LIMIT 6 RETURN d._key";
    assert_eq!(rows(&s, cos, Q).await, j(r#"["f", "a", "e", "c", "b", "d"]"#));
    let ip = "FOR d IN c SORT APPROX_NEAR_INNER_PRODUCT(d.v, @q) DESC LIMIT 4 RETURN d._key";
    assert_eq!(rows(&s, ip, Q).await, j(r#"["e", "c", "f", "a"]"#));
    let skipped = "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) LIMIT 2, 2 RETURN d._key";
    assert_eq!(rows(&s, skipped, Q).await, j(r#"["c", "e"]"#));
    let all = "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) LIMIT 100 RETURN d._key";
    assert_eq!(rows(&s, all, Q).await.as_array().map(|a| a.len()), Some(6), "g has no vector");
    assert_eq!(rows(&s, "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) LIMIT 0 RETURN d", Q).await, j("[]"));
}

#[tokio::test]
async fn a_let_of_the_similarity_gives_its_value() {
    let (s, _) = seeded(&["cosine", "l2"]).await;
    let q = "FOR d IN c LET sim = APPROX_NEAR_COSINE(d.v, @q, {nProbe: 4}) SORT sim DESC LIMIT 2 \
             RETURN {k: d._key, sim}";
    let got = rows(&s, q, Q).await;
    let items = got.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].get("k"), Some(&Value::str("f")));
    let sim = items[0].get("sim").and_then(|v| v.as_f64()).unwrap();
    assert!((sim - 1.02 / ((1.01f64).sqrt() * (1.04f64).sqrt())).abs() < 1e-12, "{sim}");
    let q = "FOR d IN c LET dist = APPROX_NEAR_L2(d.v, @q) SORT dist LIMIT 3 RETURN dist";
    let dists: Vec<f64> = rows(&s, q, Q).await.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!((dists[0] - 0.1).abs() < 1e-9 && (dists[1] - 0.1).abs() < 1e-9 && (dists[2] - 0.9).abs() < 1e-9);
}

#[tokio::test]
async fn the_query_vector_may_come_from_an_outer_loop() {
    let (s, _) = seeded(&["l2"]).await;
    let q = "FOR o IN c FILTER o._key IN ['b', 'd'] SORT o._key \
             LET near = (FOR i IN c SORT APPROX_NEAR_L2(i.v, o.v) LIMIT 2 RETURN i._key) RETURN near";
    assert_eq!(rows(&s, q, "{}").await, j(r#"[["b", "c"], ["d", "b"]]"#));
}

#[tokio::test]
async fn filters_before_the_sort_prefilter_the_search() {
    let (s, _) = seeded(&["l2"]).await;
    let q = "FOR d IN c FILTER d.n > 2 SORT APPROX_NEAR_L2(d.v, @q) LIMIT 2 RETURN d._key";
    assert_eq!(rows(&s, q, Q).await, j(r#"["f", "c"]"#));
    let farthest = "FOR d IN c FILTER d.n == 4 SORT APPROX_NEAR_L2(d.v, @q) LIMIT 1 RETURN d._key";
    assert_eq!(rows(&s, farthest, Q).await, j(r#"["d"]"#), "found by widening the search");
    let none = "FOR d IN c FILTER d.n > 100 SORT APPROX_NEAR_L2(d.v, @q) LIMIT 3 RETURN d._key";
    assert_eq!(rows(&s, none, Q).await, j("[]"));
    let scored = "FOR d IN c LET dist = APPROX_NEAR_L2(d.v, @q) FILTER dist > 0.5 SORT dist LIMIT 2, 2 RETURN d._key";
    assert_eq!(rows(&s, scored, Q).await, j(r#"["b", "d"]"#));
}

#[tokio::test]
async fn explain_shows_the_vector_index() {
    let (s, _) = seeded(&["l2"]).await;
    let q = "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) LIMIT 3 RETURN d";
    let types = node_types(&s, q, Q).await;
    assert!(types.contains(&"EnumerateNearVectorNode".to_string()), "{types:?}");
    assert!(!types.contains(&"SortNode".to_string()), "{types:?}");
    let plan = explain(&s, request(q, Q)).await.unwrap();
    let rules = plan.get("plan").and_then(|p| p.get("rules")).cloned();
    assert_eq!(rules, Some(j(r#"["use-vector-index"]"#)));
}

#[tokio::test]
async fn searches_no_index_answers_are_1554_and_bad_query_vectors_1542() {
    let (s, _) = seeded(&["l2"]).await;
    for q in [
        "FOR d IN c SORT APPROX_NEAR_L2(d.w, @q) LIMIT 5 RETURN d",
        "FOR d IN c SORT APPROX_NEAR_L2(d.n, @q) LIMIT 5 RETURN d",
        "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) RETURN d",
        "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) DESC LIMIT 5 RETURN d",
        "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q), d.n LIMIT 5 RETURN d",
        "FOR d IN c SORT APPROX_NEAR_COSINE(d.v, @q) DESC LIMIT 5 RETURN d",
        "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) FILTER d.n > 1 LIMIT 5 RETURN d",
        "FOR d IN c RETURN APPROX_NEAR_L2(d.v, @q)",
    ] {
        assert_eq!(error(&s, q, Q).await, 1554, "{q}");
    }
    assert_eq!(error(&s, "RETURN APPROX_NEAR_L2([1])", "{}").await, 1541);
    let q = "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) LIMIT 5 RETURN d";
    assert_eq!(error(&s, q, r#"{"q": [1, 2, 3]}"#).await, 1542);
    assert_eq!(error(&s, q, r#"{"q": "random"}"#).await, 1542);
    let types = node_types(&s, q, r#"{"q": "random"}"#).await;
    assert!(types.contains(&"EnumerateNearVectorNode".to_string()));
}

#[tokio::test]
async fn the_index_follows_commits_and_ignores_rollbacks() {
    let (s, _) = seeded(&["l2"]).await;
    let q = "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) LIMIT 2 RETURN d._key";
    assert_eq!(rows(&s, q, Q).await, j(r#"["a", "f"]"#));
    rows(&s, "INSERT {_key: 'h', v: [1, 0.1]} INTO c", "{}").await;
    assert_eq!(rows(&s, q, Q).await, j(r#"["h", "a"]"#));
    rows(&s, "UPDATE 'a' WITH {v: [50, 50]} IN c", "{}").await;
    assert_eq!(rows(&s, q, Q).await, j(r#"["h", "f"]"#));
    rows(&s, "REPLACE 'f' WITH {n: 0} IN c", "{}").await;
    assert_eq!(rows(&s, q, Q).await, j(r#"["h", "c"]"#));
    rows(&s, "REMOVE 'h' IN c", "{}").await;
    assert_eq!(rows(&s, q, Q).await, j(r#"["c", "e"]"#));

    let mut txn = s.begin("_system", TxnOptions::default()).await.unwrap();
    txn.insert("c", j(r#"{"_key": "x", "v": [1, 0.1]}"#), &WriteOptions::default()).await.unwrap();
    txn.remove("c", "c", &WriteOptions::default()).await.unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(rows(&s, q, Q).await, j(r#"["c", "e"]"#));

    let bad = j(r#"{"_key": "y", "v": [1, 2, 3]}"#);
    let mut txn = s.begin("_system", TxnOptions::default()).await.unwrap();
    assert_eq!(txn.insert("c", bad, &WriteOptions::default()).await.unwrap_err().num, 17);
    txn.rollback().await.unwrap();
    s.truncate_collection("_system", "c").await.unwrap();
    assert_eq!(rows(&s, q, Q).await, j("[]"));
}

#[tokio::test]
async fn the_definition_survives_a_reopen_and_the_index_is_rebuilt() {
    let (s, storage) = seeded(&["l2"]).await;
    drop(s);
    let s = store_over(storage).await;
    let listed = s.indexes("_system", "c").await.unwrap();
    let vector = listed.iter().find(|ix| ix.name == "v_l2").unwrap();
    let crate::store::IndexKind::Vector(params) = &vector.kind else { panic!("{vector:?}") };
    assert_eq!((params.dimension, params.n_lists, params.default_n_probe), (2, 1, 1));
    let q = "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) LIMIT 3 RETURN d._key";
    assert_eq!(rows(&s, q, Q).await, j(r#"["a", "f", "c"]"#));
    s.drop_index("_system", "c", "v_l2").await.unwrap();
    assert_eq!(error(&s, q, Q).await, 1554);
}

#[tokio::test]
async fn index_definitions_are_checked() {
    let (s, _) = seeded(&[]).await;
    for body in [
        r#"{"type": "vector", "fields": ["v"]}"#,
        r#"{"type": "vector", "fields": ["v"], "params": {"metric": "dot", "dimension": 2, "nLists": 1}}"#,
        r#"{"type": "vector", "fields": ["v", "w"], "params": {"metric": "l2", "dimension": 2, "nLists": 1}}"#,
        r#"{"type": "vector", "fields": ["v"], "unique": true, "params": {"metric": "l2", "dimension": 2, "nLists": 1}}"#,
    ] {
        assert_eq!(s.create_index("_system", "c", &j(body)).await.unwrap_err().num, 10, "{body}");
    }
    let three = r#"{"type": "vector", "fields": ["v"], "sparse": true, "params": {"metric": "l2", "dimension": 3, "nLists": 1}}"#;
    assert_eq!(s.create_index("_system", "c", &j(three)).await.unwrap_err().num, 17, "2-d vectors");
    let body = r#"{"type": "vector", "fields": ["v"], "params": {"metric": "l2", "dimension": 2, "nLists": 1}}"#;
    let e = s.create_index("_system", "c", &j(body)).await.unwrap_err();
    assert_eq!((e.num, e.message.as_str()), (10, "vector field not present in document g"), "not sparse");
    assert!(s.indexes("_system", "c").await.unwrap().iter().all(|ix| ix.name == "primary"));
}

#[tokio::test]
async fn a_dense_index_refuses_documents_without_a_vector() {
    let (s, _) = seeded(&[]).await;
    let mut txn = s.begin("_system", TxnOptions::default()).await.unwrap();
    txn.remove("c", "g", &WriteOptions::default()).await.unwrap();
    txn.commit().await.unwrap();
    let body = r#"{"type": "vector", "fields": ["v"], "params": {"metric": "l2", "dimension": 2, "nLists": 1}}"#;
    s.create_index("_system", "c", &j(body)).await.unwrap();
    for (doc, n) in [
        (r#"{"_key": "m"}"#, 10),
        (r#"{"_key": "m", "v": null}"#, 17),
        (r#"{"_key": "m", "v": [1]}"#, 17),
        (r#"{"_key": "m", "v": [1, true]}"#, 17),
    ] {
        let mut txn = s.begin("_system", TxnOptions::default()).await.unwrap();
        assert_eq!(txn.insert("c", j(doc), &WriteOptions::default()).await.unwrap_err().num, n, "{doc}");
        txn.rollback().await.unwrap();
    }
    let q = "FOR d IN c SORT APPROX_NEAR_L2(d.v, @q) LIMIT 10 RETURN d._key";
    assert_eq!(rows(&s, q, Q).await, j(r#"["a", "f", "c", "e", "b", "d"]"#));
}
