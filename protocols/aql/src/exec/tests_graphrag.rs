//! Tests of the GRAPHRAG_* functions: a server without GraphRAG, argument counts and
//! types (1541, 1542), the error mapping, write functions making a modification query,
//! and results passed through from the engine unchanged (the same ranked chunk ids and
//! scores the engine answers directly).

use super::graphrag::{aql_error, GraphRagFn, FUNCTIONS};
use super::{explain, run_query, QueryOptions, QueryRequest};
use crate::error::num;
use crate::store::DocStore;
use crate::value::{json, Object, Value};
use orbit_graphrag::error::{ErrorKind, GraphRagError};
use orbit_graphrag::types::{RetrieveMode, RetrieveOptions};
use orbit_graphrag::GraphRag;
use orbit_storage::TableStorage;
use std::sync::Arc;

async fn memory() -> Arc<dyn TableStorage> {
    orbit_storage::KvTableStorage::open(Arc::new(orbit_storage::MemoryEngine::new())).await.unwrap()
}

async fn store(graphrag: Option<Arc<dyn TableStorage>>) -> Arc<DocStore> {
    let s = DocStore::open(memory().await).await.unwrap();
    s.set_graphrag_storage(graphrag);
    s
}

fn j(text: &str) -> Value {
    json::parse(text.as_bytes()).unwrap()
}

fn request(query: &str, binds: &str) -> QueryRequest {
    let bind_vars: Object = j(binds).as_object().cloned().unwrap_or_default();
    QueryRequest { database: "_system".into(), query: query.into(), bind_vars, options: QueryOptions::default() }
}

async fn run(s: &Arc<DocStore>, query: &str, binds: &str) -> Result<Vec<Value>, (u32, u16, String)> {
    let mut stream = run_query(s, request(query, binds), None).await.map_err(|e| (e.num, e.status, e.message))?;
    let mut out = Vec::new();
    loop {
        match stream.next().await {
            Ok(Some(v)) => out.push(v),
            Ok(None) => return Ok(out),
            Err(e) => return Err((e.num, e.status, e.message)),
        }
    }
}

async fn error_num(s: &Arc<DocStore>, query: &str) -> u32 {
    run(s, query, "{}").await.expect_err(query).0
}

#[tokio::test]
async fn a_server_without_graphrag_says_so() {
    let s = store(None).await;
    let (n, status, message) = run(&s, r#"RETURN GRAPHRAG_GET_STATS("kg")"#, "{}").await.unwrap_err();
    assert_eq!((n, status, message.as_str()), (9, 501, "GraphRAG is disabled on this server"));
    assert_eq!(error_num(&s, r#"FOR c IN GRAPHRAG_RETRIEVE("kg", "q") RETURN c"#).await, 9);
}

#[tokio::test]
async fn argument_counts_and_types_are_checked() {
    let s = store(Some(memory().await)).await;
    for (_, name, min, max) in FUNCTIONS {
        let too_many = vec!["'x'"; max + 1].join(", ");
        assert_eq!(error_num(&s, &format!("RETURN {name}({too_many})")).await, 1541, "{name}");
        if *min > 0 {
            let too_few = vec!["'x'"; min - 1].join(", ");
            assert_eq!(error_num(&s, &format!("RETURN {name}({too_few})")).await, 1541, "{name}");
        }
    }
    for q in [
        r#"RETURN GRAPHRAG_RETRIEVE(1, "q")"#,
        r#"RETURN GRAPHRAG_RETRIEVE("kg", ["q"])"#,
        r#"RETURN GRAPHRAG_RETRIEVE("kg", "q", {mode: "telepathy"})"#,
        r#"RETURN GRAPHRAG_RETRIEVE("kg", "q", {k: 0})"#,
        r#"RETURN GRAPHRAG_RETRIEVE("kg", "q", {k: 2.5})"#,
        r#"RETURN GRAPHRAG_RETRIEVE("kg", "q", {depth: 2})"#,
        r#"RETURN GRAPHRAG_RETRIEVE("kg", "q", "hybrid")"#,
        r#"RETURN GRAPHRAG_QUERY("kg", "q", {includeExplanation: "yes"})"#,
        r#"RETURN GRAPHRAG_QUERY("kg", "q", {contextSize: -1})"#,
        r#"RETURN GRAPHRAG_BUILD_KNOWLEDGE("kg", "d1", "text", "meta")"#,
        r#"RETURN GRAPHRAG_FIND_PATHS("kg", "a", "b", 99)"#,
        r#"RETURN GRAPHRAG_FIND_SIMILAR("kg", "a", 5, 2)"#,
        r#"RETURN GRAPHRAG_CREATE("kg", {extractor: "magic"})"#,
        r#"RETURN GRAPHRAG_CREATE("kg", {embedder: "nonesuch"})"#,
        r#"RETURN GRAPHRAG_CREATE("kg", {chunkTokens: 8})"#,
        r#"RETURN GRAPHRAG_LIST_ENTITIES("kg", {limit: "all"})"#,
    ] {
        assert_eq!(error_num(&s, q).await, 1542, "{q}");
    }
    assert_eq!(error_num(&s, "RETURN CALL('GRAPHRAG_GET_STATS', 'kg')").await, 1578);
}

#[test]
fn engine_errors_map_to_arangodb_numbers() {
    let cases = [
        (ErrorKind::NotFound, num::DATA_SOURCE_NOT_FOUND, 404),
        (ErrorKind::AlreadyExists, num::DUPLICATE_NAME, 409),
        (ErrorKind::InvalidArgument, num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH, 400),
        (ErrorKind::EmbedderMismatch, num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH, 400),
        (ErrorKind::NotSupported, num::NOT_IMPLEMENTED, 501),
        (ErrorKind::Upstream, num::QUERY_SCRIPT, 502),
        (ErrorKind::Storage, num::INTERNAL, 500),
        (ErrorKind::Corrupt, num::INTERNAL, 500),
    ];
    for (kind, n, status) in cases {
        let e = aql_error(GraphRagError::new(kind, "boom"));
        assert_eq!((e.num, e.status, e.message.as_str()), (n, status, "GraphRAG: boom"), "{kind:?}");
    }
    assert!(GraphRagFn::BuildKnowledge.writes() && !GraphRagFn::Retrieve.writes());
}

#[tokio::test]
async fn write_functions_make_a_modification_query() {
    let s = store(Some(memory().await)).await;
    let explained = |q: &str| explain(&s, request(q, "{}"));
    let build = explained(r#"RETURN GRAPHRAG_BUILD_KNOWLEDGE("kg", "d", "Some text.")"#).await.unwrap();
    assert_eq!(build.get("plan").and_then(|p| p.get("isModificationQuery")), Some(&Value::Bool(true)));
    let read = explained(r#"RETURN GRAPHRAG_GET_STATS("kg")"#).await.unwrap();
    assert_eq!(read.get("plan").and_then(|p| p.get("isModificationQuery")), Some(&Value::Bool(false)));
}

const DOC_A: &str = "Marie Curie was born in Warsaw. Marie Curie worked at the University of Paris. \
                     She won the Nobel Prize in Physics with Pierre Curie.";
const DOC_B: &str = "Pierre Curie was born in Paris. The University of Paris is in France. \
                     Warsaw is the capital of Poland.";

#[tokio::test]
async fn results_are_the_engines_unchanged() {
    let graphrag = memory().await;
    let s = store(Some(graphrag.clone())).await;
    let created =
        run(&s, r#"RETURN GRAPHRAG_CREATE("kg", {embedder: "hashing:64", chunkTokens: 32, overlap: 4})"#, "{}")
            .await
            .unwrap();
    assert_eq!(created, vec![j(r#"{"name": "kg", "created": true}"#)]);
    assert_eq!(error_num(&s, r#"RETURN GRAPHRAG_CREATE("kg")"#).await, num::DUPLICATE_NAME);
    let binds = format!(
        r#"{{"a": {}, "b": {}}}"#,
        json::to_json_string(&Value::str(DOC_A)),
        json::to_json_string(&Value::str(DOC_B))
    );
    let reports = run(
        &s,
        r#"FOR d IN [{id: "a", text: @a}, {id: "b", text: @b}] RETURN GRAPHRAG_BUILD_KNOWLEDGE("kg", d.id, d.text, {source: d.id})"#,
        &binds,
    )
    .await
    .unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports[0].get("chunks").and_then(|c| c.as_f64()).is_some_and(|c| c >= 1.0), "{:?}", reports[0]);
    let stats = run(&s, r#"RETURN GRAPHRAG_GET_STATS("kg")"#, "{}").await.unwrap();
    assert_eq!(stats[0].get("documents"), Some(&Value::Int(2)));

    let engine = GraphRag::attach(graphrag).await.unwrap();
    for mode in [RetrieveMode::Bm25, RetrieveMode::Naive, RetrieveMode::Hybrid] {
        let options = RetrieveOptions { mode, k: 3, ..RetrieveOptions::default() };
        let direct = engine.retrieve("kg", "Where was Marie Curie born?", &options).await.unwrap();
        let q = format!(
            r#"FOR c IN GRAPHRAG_RETRIEVE("kg", "Where was Marie Curie born?", {{mode: "{}", k: 3}}) RETURN c"#,
            mode.name()
        );
        let rows = run(&s, &q, "{}").await.unwrap();
        assert_eq!(rows.len(), direct.len(), "{mode:?}");
        for (i, (row, chunk)) in rows.iter().zip(&direct).enumerate() {
            assert_eq!(row.get("chunk_id"), Some(&Value::str(chunk.chunk_id.clone())));
            assert_eq!(row.get("doc_id"), Some(&Value::str(chunk.doc_id.clone())));
            assert_eq!(row.get("score").and_then(|v| v.as_f64()), Some(chunk.score));
            assert_eq!(row.get("rank"), Some(&Value::Int(i as i64 + 1)));
        }
    }
    let answer =
        run(&s, r#"RETURN GRAPHRAG_QUERY("kg", "Where was Marie Curie born?", {contextSize: 2})"#, "{}").await.unwrap();
    assert!(answer[0].get("citations").and_then(|c| c.as_array()).is_some(), "{:?}", answer[0]);
    let entities = run(&s, r#"RETURN GRAPHRAG_LIST_ENTITIES("kg", {limit: 50})"#, "{}").await.unwrap();
    assert!(entities[0].as_array().is_some_and(|e| !e.is_empty()), "{:?}", entities[0]);
    let extracted = run(&s, r#"RETURN GRAPHRAG_EXTRACT_ENTITIES("Ada Lovelace met Charles Babbage in London.")"#, "{}")
        .await
        .unwrap();
    assert!(extracted[0].get("entities").and_then(|e| e.as_array()).is_some(), "{:?}", extracted[0]);
    assert_eq!(run(&s, r#"RETURN GRAPHRAG_DELETE_DOCUMENT("kg", "b")"#, "{}").await.unwrap(), vec![Value::Bool(true)]);
    let stats = run(&s, r#"RETURN GRAPHRAG_GET_STATS("kg").documents"#, "{}").await.unwrap();
    assert_eq!(stats, vec![Value::Int(1)]);
    assert_eq!(run(&s, r#"RETURN GRAPHRAG_DROP("kg")"#, "{}").await.unwrap(), vec![Value::Bool(true)]);
    assert_eq!(error_num(&s, r#"RETURN GRAPHRAG_GET_STATS("kg")"#).await, num::DATA_SOURCE_NOT_FOUND);
}
