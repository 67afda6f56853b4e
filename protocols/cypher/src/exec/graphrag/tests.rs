//! The `graphrag.*` procedures over the in-memory engine: their YIELD columns, argument
//! checking, the error mapping, write procedures in read sessions, SHOW PROCEDURES, and
//! real results from the GraphRAG engine over an in-memory GraphRAG storage.

use super::super::tests::{engine, run, run_with, s, storage};
use super::super::{EngineOptions, GraphEngine};
use super::{engine_error, spec};
use crate::engine::{AccessMode, CypherEngine, TxOptions};
use crate::error::ErrorKind;
use crate::value::{Map, Value};
use orbit_graphrag::error::ErrorKind as Rag;
use orbit_graphrag::GraphRagError;
use std::sync::Arc;

async fn with_graphrag() -> Arc<GraphEngine> {
    GraphEngine::open_with_graphrag(storage().await, Some(storage().await), EngineOptions::default()).await.unwrap()
}

async fn error(e: &GraphEngine, q: &str) -> crate::CypherError {
    match run_with(e, q, Map::new()).await {
        Ok(o) => panic!("{q} should fail, gave {:?}", o.rows),
        Err(err) => err,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn yield_columns_are_the_documented_ones() {
    let e = engine().await;
    let cases: [(&str, &[&str]); 6] = [
        ("graphrag.retrieve('kg', 'q')", &["chunkId", "docId", "score", "text", "rank"]),
        (
            "graphrag.query('kg', 'q')",
            &[
                "response",
                "confidence",
                "entities",
                "citations",
                "reasoningPaths",
                "mode",
                "llmProvider",
                "explanation",
            ],
        ),
        ("graphrag.extractEntities('Ada Lovelace met Charles Babbage.')", &["name", "type", "key", "mentions"]),
        ("graphrag.findPaths('kg', 'a', 'b')", &["entities", "relationships", "score"]),
        ("graphrag.detectCommunities('kg')", &["id", "level", "size", "entities", "summary"]),
        ("orbit.graphrag.listEntities('kg')", &["key", "name", "type", "mentions", "degree", "nodeId"]),
    ];
    for (call, columns) in cases {
        let out = run(&e, &format!("EXPLAIN CALL {call}")).await;
        assert_eq!(out.fields, strings(columns), "{call}");
    }
    let out = run(&e, "EXPLAIN CALL graphrag.retrieve('kg', 'q') YIELD chunkId, score AS s RETURN chunkId, s").await;
    assert_eq!(out.fields, strings(&["chunkId", "s"]));
    let err = error(&e, "CALL graphrag.retrieve('kg', 'q') YIELD nope RETURN nope").await;
    assert_eq!(err.kind, ErrorKind::Semantic);
}

#[tokio::test]
async fn a_server_without_graphrag_says_so() {
    let e = engine().await;
    let err = error(&e, "CALL graphrag.retrieve('kg', 'what?') YIELD chunkId RETURN chunkId").await;
    assert_eq!(err.neo4j_code(), "Neo.ClientError.Procedure.ProcedureCallFailed");
    assert!(err.message.contains("GraphRAG is disabled on this server"), "{}", err.message);
    let err = error(&e, "CALL orbit.graphrag.getStats('kg')").await;
    assert_eq!(err.kind, ErrorKind::ProcedureCallFailed);
}

#[tokio::test]
async fn arguments_are_checked() {
    let e = engine().await;
    assert_eq!(error(&e, "CALL graphrag.retrieve('kg')").await.kind, ErrorKind::Semantic);
    assert_eq!(error(&e, "CALL graphrag.getStats('kg', 1, 2)").await.kind, ErrorKind::Semantic);
    assert_eq!(error(&e, "CALL graphrag.retrieve(1, 'q')").await.kind, ErrorKind::Type);
    assert_eq!(error(&e, "CALL graphrag.retrieve(null, 'q')").await.kind, ErrorKind::Argument);
    let bad_options = ["{mode: 'psychic'}", "{k: 0}", "{k: 100000}", "{colour: 'red'}"];
    for o in bad_options {
        let err = error(&e, &format!("CALL graphrag.retrieve('kg', 'q', {o})")).await;
        assert_eq!(err.neo4j_code(), "Neo.ClientError.Statement.ArgumentError", "{o}: {}", err.message);
    }
    assert_eq!(error(&e, "CALL graphrag.retrieve('kg', 'q', {k: 'five'})").await.kind, ErrorKind::Type);
    assert_eq!(error(&e, "CALL graphrag.retrieve('kg', 'q', 5)").await.kind, ErrorKind::Type);
    assert_eq!(error(&e, "CALL graphrag.findSimilar('kg', 'x', -1)").await.kind, ErrorKind::Argument);
    assert_eq!(error(&e, "CALL graphrag.findSimilar('kg', 'x', 5, 1.5)").await.kind, ErrorKind::Argument);
    assert_eq!(error(&e, "CALL graphrag.no_such_thing('kg')").await.kind, ErrorKind::ProcedureNotFound);
}

#[tokio::test]
async fn write_procedures_are_refused_in_read_sessions() {
    let e = with_graphrag().await;
    let options = TxOptions { mode: AccessMode::Read, ..TxOptions::default() };
    let mut tx = e.begin(options).await.unwrap();
    let err = match tx.run("CALL graphrag.build('kg', 'd1', 'Some text.')", Map::new()).await {
        Ok(_) => panic!("a write procedure ran in a read session"),
        Err(err) => err,
    };
    assert_eq!(err.kind, ErrorKind::Forbidden);
    tx.rollback().await.unwrap();
    assert!(super::super::procedures::writes("ORBIT.GRAPHRAG.DROP"));
    assert!(!super::super::procedures::writes("graphrag.retrieve"));
}

#[tokio::test]
async fn show_procedures_lists_both_names() {
    let e = engine().await;
    let out = run(&e, "SHOW PROCEDURES").await;
    assert_eq!(out.fields, strings(&["name", "description", "mode", "worksOnSystem"]));
    let find = |name: &str| out.rows.iter().find(|r| r.first() == Some(&s(name))).cloned();
    assert_eq!(find("graphrag.build").map(|r| r[2].clone()), Some(s("WRITE")));
    assert_eq!(find("orbit.graphrag.retrieve").map(|r| r[2].clone()), Some(s("READ")));
    assert!(find("db.index.vector.queryNodes").is_some());
    let names: Vec<&Value> = out.rows.iter().map(|r| &r[0]).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(names, sorted);
}

#[test]
fn engine_errors_map_to_neo4j_codes_once() {
    let code = |kind| engine_error("graphrag.retrieve", GraphRagError::new(kind, "why")).neo4j_code();
    assert_eq!(code(Rag::NotFound), "Neo.ClientError.Procedure.ProcedureCallFailed");
    assert_eq!(code(Rag::AlreadyExists), "Neo.ClientError.Procedure.ProcedureCallFailed");
    assert_eq!(code(Rag::Upstream), "Neo.ClientError.Procedure.ProcedureCallFailed");
    assert_eq!(code(Rag::InvalidArgument), "Neo.ClientError.Statement.ArgumentError");
    assert_eq!(code(Rag::EmbedderMismatch), "Neo.ClientError.Statement.ArgumentError");
    assert_eq!(code(Rag::NotSupported), "Neo.ClientError.Statement.UnsupportedOperationError");
    assert_eq!(code(Rag::Storage), "Neo.DatabaseError.General.UnknownError");
    assert_eq!(code(Rag::Corrupt), "Neo.DatabaseError.General.UnknownError");
    let e = engine_error("graphrag.getStats", GraphRagError::not_found("no knowledge graph 'x'"));
    assert_eq!(e.message, "Failed to invoke procedure `graphrag.getStats`: Caused by: no knowledge graph 'x'");
    assert!(spec("Orbit.GraphRag.Retrieve").is_some());
    assert!(spec("graphrag").is_none());
    assert!(spec("db.labels").is_none());
}

const CORPUS: [(&str, &str); 3] = [
    ("marie", "Marie Curie was born in Warsaw. Marie Curie worked at the University of Paris on radioactivity."),
    ("pierre", "Pierre Curie married Marie Curie in 1895. Pierre Curie was a physicist in Paris."),
    ("ada", "Ada Lovelace wrote the first program for the Analytical Engine designed by Charles Babbage in London."),
];

async fn loaded() -> Arc<GraphEngine> {
    let e = with_graphrag().await;
    let out = run(&e, "CALL graphrag.create('sci', {embedder: 'hashing:64', chunkTokens: 64, overlap: 8})").await;
    assert_eq!(out.rows, vec![vec![s("sci"), s("hashing:64"), Value::Int(64), Value::Int(8)]]);
    for (doc, text) in CORPUS {
        let q = format!("CALL graphrag.build('sci', '{doc}', '{text}', {{source: 'test'}}) YIELD chunks RETURN chunks");
        let out = run(&e, &q).await;
        assert_eq!(out.rows, vec![vec![Value::Int(1)]], "{doc}");
    }
    e
}

#[tokio::test]
async fn retrieve_ranks_chunks_with_one_based_ranks() {
    let e = loaded().await;
    let q = "CALL graphrag.retrieve('sci', 'Who wrote the first program?', {mode: 'bm25', k: 2}) \
             YIELD chunkId, docId, score, text, rank RETURN chunkId, docId, score, text, rank";
    let out = run(&e, q).await;
    assert!(!out.rows.is_empty() && out.rows.len() <= 2, "{:?}", out.rows);
    assert_eq!(out.rows[0][0], s("ada#0"));
    assert_eq!(out.rows[0][1], s("ada"));
    assert!(matches!(out.rows[0][2], Value::Float(x) if x > 0.0));
    for (i, row) in out.rows.iter().enumerate() {
        assert_eq!(row[4], Value::Int(i as i64 + 1));
    }
    let again = run(&e, q).await;
    assert_eq!(again.rows, out.rows);
    let other_name = run(&e, &q.replace("CALL graphrag.", "CALL orbit.graphrag.")).await;
    assert_eq!(other_name.rows, out.rows);
}

#[tokio::test]
async fn stats_entities_query_and_delete() {
    let e = loaded().await;
    let q = "CALL graphrag.getStats('sci') YIELD name, documents, chunks, embedder, embeddingDim RETURN *";
    let out = run(&e, q).await;
    assert_eq!(out.fields, strings(&["chunks", "documents", "embedder", "embeddingDim", "name"]));
    let row = &out.rows[0];
    assert_eq!((&row[0], &row[1], &row[3], &row[4]), (&Value::Int(3), &Value::Int(3), &Value::Int(64), &s("sci")));
    assert!(matches!(&row[2], Value::String(e) if e.starts_with("hashing")), "{row:?}");
    let out = run(&e, "CALL graphrag.listEntities('sci', {limit: 100}) YIELD name RETURN collect(name) AS names").await;
    let Value::List(names) = &out.rows[0][0] else { panic!("{:?}", out.rows) };
    assert!(names.contains(&s("Marie Curie")), "{names:?}");
    let out = run(&e, "CALL graphrag.query('sci', 'Where was Marie Curie born?', {mode: 'bm25'}) YIELD response, citations RETURN response, citations").await;
    let Value::List(citations) = &out.rows[0][1] else { panic!("{:?}", out.rows) };
    let Some(Value::Map(first)) = citations.first() else { panic!("no citation: {:?}", out.rows) };
    assert_eq!(first.get("docId"), Some(&s("marie")));
    let out = run(&e, "CALL graphrag.deleteDocument('sci', 'ada')").await;
    assert_eq!(out.rows, vec![vec![s("ada"), Value::Bool(true)]]);
    let out = run(&e, "CALL graphrag.getStats('sci') YIELD documents RETURN documents").await;
    assert_eq!(out.rows, vec![vec![Value::Int(2)]]);
    let err = error(&e, "CALL graphrag.getStats('nothing')").await;
    assert_eq!(err.kind, ErrorKind::ProcedureCallFailed);
    let out = run(&e, "CALL graphrag.drop('sci')").await;
    assert_eq!(out.rows, vec![vec![s("sci"), Value::Bool(true)]]);
}

#[tokio::test]
async fn extraction_needs_no_knowledge_graph() {
    let e = with_graphrag().await;
    let q = "CALL graphrag.extractEntities('Ada Lovelace worked with Charles Babbage in London.') \
             YIELD name, type, key, mentions RETURN name, type, key, mentions ORDER BY key";
    let out = run(&e, q).await;
    let keys: Vec<&Value> = out.rows.iter().map(|r| &r[2]).collect();
    assert!(keys.contains(&&s("ada lovelace")), "{:?}", out.rows);
    for row in &out.rows {
        assert!(matches!((&row[0], &row[1], &row[3]), (Value::String(_), Value::String(_), Value::Int(n)) if *n >= 1));
    }
    let out = run(&e, "EXPLAIN CALL graphrag.extractRelations('x')").await;
    assert_eq!(out.fields, strings(&["source", "target", "type", "confidence"]));
}

async fn on_database(e: &GraphEngine, database: &str, q: &str) -> Result<Vec<Vec<Value>>, crate::CypherError> {
    let options = TxOptions { database: Some(database.to_string()), ..TxOptions::default() };
    let mut tx = e.begin(options).await?;
    let mut stream = match tx.run(q, Map::new()).await {
        Ok(s) => s,
        Err(err) => {
            tx.rollback().await?;
            return Err(err);
        }
    };
    let mut rows = Vec::new();
    while let Some(r) = stream.next().await? {
        rows.push(r);
    }
    drop(stream);
    tx.commit().await?;
    Ok(rows)
}

#[tokio::test]
async fn knowledge_graph_databases_need_graphrag() {
    let e = engine().await;
    let err = e.begin(TxOptions { database: Some("graphrag.sci".into()), ..TxOptions::default() }).await.err();
    assert_eq!(err.map(|e| e.kind), Some(ErrorKind::DatabaseNotFound));
}

#[tokio::test]
async fn a_knowledge_graph_is_a_read_only_database() {
    let e = loaded().await;
    let count = |label: &str| format!("MATCH (n:{label}) RETURN count(n) AS n");
    assert_eq!(on_database(&e, "graphrag.sci", &count("Document")).await.unwrap(), vec![vec![Value::Int(3)]]);
    assert_eq!(on_database(&e, "graphrag", &count("Document")).await.unwrap(), vec![vec![Value::Int(3)]]);
    let q = "MATCH (:Document {doc_id: 'ada'})-[:HAS_CHUNK]->(c:Chunk)-[:MENTIONS]->(x:Entity) RETURN count(DISTINCT c) AS c";
    assert_eq!(on_database(&e, "graphrag.sci", q).await.unwrap(), vec![vec![Value::Int(1)]]);
    assert_eq!(on_database(&e, "neo4j", &count("Document")).await.unwrap(), vec![vec![Value::Int(0)]]);
    let err = on_database(&e, "graphrag.sci", "CREATE (:Document {doc_id: 'x'})").await.err().expect("refused");
    assert_eq!(err.neo4j_code(), "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase");
    let err =
        on_database(&e, "graphrag.sci", "CREATE INDEX FOR (d:Document) ON (d.title)").await.err().expect("refused");
    assert_eq!(err.kind, ErrorKind::ReadOnlyDatabase);
    let databases = run(&e, "SHOW DATABASES").await;
    let kg = databases.rows.iter().find(|r| r[0] == s("graphrag.sci")).expect("listed");
    assert_eq!((&kg[3], &kg[6]), (&s("read-only"), &Value::Bool(false)));
    let err = on_database(&e, "graphrag.nothing", &count("Document")).await.err().expect("no such kg");
    assert_eq!(err.kind, ErrorKind::DatabaseNotFound);
}

fn is_strings(v: &Value) -> bool {
    matches!(v, Value::List(items) if items.iter().all(|i| matches!(i, Value::String(_))))
}

#[tokio::test]
async fn paths_similar_entities_and_communities_have_typed_columns() {
    let e = loaded().await;
    let q = "CALL graphrag.findPaths('sci', 'Marie Curie', 'Pierre Curie', 2) YIELD entities, relationships, score \
             RETURN entities, relationships, score";
    let out = run(&e, q).await;
    assert!(!out.rows.is_empty(), "Marie and Pierre Curie share a passage");
    for row in &out.rows {
        assert!(is_strings(&row[0]) && is_strings(&row[1]), "{row:?}");
        let (Value::List(entities), Value::List(rels)) = (&row[0], &row[1]) else { unreachable!() };
        assert_eq!(entities.len(), rels.len() + 1);
        assert!(matches!(row[2], Value::Float(x) if (0.0..=1.0).contains(&x)), "{row:?}");
    }
    let out = run(&e, "CALL graphrag.findSimilar('sci', 'Marie Curie', 3, -1.0)").await;
    assert!(out.rows.len() <= 3);
    for row in &out.rows {
        assert!(matches!(row[3], Value::Float(x) if (-1.0..=1.0).contains(&x)), "{row:?}");
        assert_ne!(row[1], s("Marie Curie"));
    }
    let out = run(&e, "CALL graphrag.detectCommunities('sci')").await;
    for row in &out.rows {
        assert!(
            matches!((&row[0], &row[1], &row[2], &row[4]), (Value::String(_), Value::Int(_), Value::Int(n), Value::String(_)) if *n >= 1)
        );
        assert!(is_strings(&row[3]));
    }
    let q = "CALL graphrag.query('sci', 'Who married Marie Curie?', {mode: 'bm25', includeExplanation: true})";
    let out = run(&e, q).await;
    let row = &out.rows[0];
    assert!(matches!(&row[0], Value::String(r) if !r.is_empty()), "{row:?}");
    assert!(matches!(row[1], Value::Float(c) if (0.0..=1.0).contains(&c)), "{row:?}");
    assert!(is_strings(&row[2]));
    assert_eq!((&row[5], &row[6]), (&s("bm25"), &Value::Null));
    assert!(matches!(&row[7], Value::String(_)), "an explanation was asked for: {row:?}");
    let out =
        run(&e, "CALL graphrag.query('sci', 'Who married Marie Curie?') YIELD explanation RETURN explanation").await;
    assert_eq!(out.rows, vec![vec![Value::Null]]);
}
