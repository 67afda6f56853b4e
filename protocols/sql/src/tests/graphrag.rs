//! The `graphrag_*` set-returning functions through PostgreSQL- and MySQL-dialect
//! sessions: argument binding and errors, typed columns, EXPLAIN, and that every answer is
//! the engine's own (the same ranked chunk ids as a direct `GraphRag` call, or the same
//! error mapped to its SQLSTATE).

use super::basics::{err, rows};
use crate::table_functions::graphrag::sql_error;
use crate::types::SqlType;
use crate::{Dialect, Engine, QueryOutput, Session, SqlError};
use orbit_graphrag::{GraphRag, RetrieveMode, RetrieveOptions};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage, Value};
use std::sync::Arc;

async fn memory() -> Arc<dyn TableStorage> {
    KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap()
}

/// A PostgreSQL session whose engine has its own GraphRAG storage (returned too).
async fn pg_session() -> (Session, Arc<dyn TableStorage>) {
    let engine = Engine::open(memory().await).await.unwrap();
    let graphrag = memory().await;
    engine.set_graphrag_storage(Some(graphrag.clone()));
    (Session::new(engine, "postgres", "postgres").unwrap(), graphrag)
}

/// The result columns a prepared statement describes (the call does not run).
async fn columns(s: &mut Session, sql: &str) -> Vec<(String, SqlType)> {
    let prepared = s.prepare(sql, &[]).await.unwrap();
    prepared.description.columns.into_iter().map(|c| (c.name, c.ty)).collect()
}

async fn result(s: &mut Session, sql: &str) -> Result<Vec<Vec<Value>>, SqlError> {
    match s.execute_batch(sql).await.pop().unwrap() {
        Ok(QueryOutput::Rows { rows, .. }) => Ok(rows),
        Ok(other) => panic!("{sql}: expected rows, got {other:?}"),
        Err(e) => Err(e),
    }
}

fn same_error(sql: &SqlError, engine: orbit_graphrag::GraphRagError) {
    let expected = sql_error(engine);
    assert_eq!((sql.code, &sql.message), (expected.code, &expected.message));
}

const DOCS: [(&str, &str); 3] = [
    ("curie", "Marie Curie was born in Warsaw. Marie Curie founded the Radium Institute in Paris."),
    ("einstein", "Albert Einstein was born in Ulm. Albert Einstein worked at the Institute for Advanced Study."),
    ("warsaw", "Warsaw is the capital of Poland. The Vistula river flows through Warsaw."),
];

#[tokio::test]
async fn without_graphrag_storage_the_functions_say_graphrag_is_disabled() {
    let mut s = super::basics::session().await;
    let e = err(&mut s, "SELECT * FROM graphrag_retrieve('kg', 'who')").await;
    assert_eq!((e.code, e.message.as_str()), ("0A000", "GraphRAG is disabled on this server"));
    let e = err(&mut s, "SELECT * FROM graphrag_stats('kg')").await;
    assert_eq!(e.code, "0A000");
}

#[tokio::test]
async fn arguments_are_counted_typed_and_checked() {
    let (mut s, _) = pg_session().await;
    let e = err(&mut s, "SELECT * FROM graphrag_retrieve('kg')").await;
    assert_eq!(e.code, "42883", "{e:?}");
    assert!(e.message.contains("graphrag_retrieve(unknown)"), "{}", e.message);
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_retrieve('kg', 'q', 'ppr', 5, 6)").await.code, "42883");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_retrieve('kg', 'q', 'ppr', 'five')").await.code, "22P02");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_retrieve('kg', 'q', 'ppr', ARRAY[1])").await.code, "42883");
    let e = err(&mut s, "SELECT * FROM graphrag_retrieve('kg', 'q', 'sideways')").await;
    assert_eq!(e.code, "22023");
    assert!(e.message.contains("unknown GraphRAG mode \"sideways\""), "{}", e.message);
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_retrieve('kg', 'q', 'bm25', 0)").await.code, "22023");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_retrieve('kg', 'q', 'bm25', -1)").await.code, "22023");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_retrieve('kg', 'q', 'bm25', 10001)").await.code, "22023");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_retrieve(NULL, 'q')").await.code, "22004");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_create('kg', '{not json')").await.code, "22P02");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_create('kg', '[1]')").await.code, "22023");
    let e = err(&mut s, "SELECT * FROM graphrag_create('kg', '{\"colour\": 1}')").await;
    assert!(e.code == "22023" && e.message.contains("\"colour\""), "{e:?}");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_create('kg', '{\"chunk_tokens\": 4}')").await.code, "22023");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_create('kg', '{\"embedder\": \"nope\"}')").await.code, "22023");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_paths('kg', 'a', 'b', 0)").await.code, "22023");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_similar('kg', 'a', 5, 2.5)").await.code, "22023");
    let e = err(&mut s, "CREATE TABLE t AS SELECT 1 AS a; SELECT * FROM t, LATERAL graphrag_retrieve('kg', t.a::text)")
        .await;
    assert_eq!(e.code, "0A000", "a call whose arguments read another FROM item's columns: {e:?}");
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_nothing('kg')").await.code, "42883");
    assert_eq!(err(&mut s, "SELECT * FROM public.graphrag_retrieve('kg', 'q')").await.code, "42883");
}

#[tokio::test]
async fn columns_are_typed_per_dialect() {
    let (mut s, _) = pg_session().await;
    let text_array = SqlType::Array(Box::new(SqlType::Text));
    let named = |cols: &[(&str, SqlType)]| cols.iter().map(|(n, t)| (n.to_string(), t.clone())).collect::<Vec<_>>();
    assert_eq!(
        columns(&mut s, "SELECT * FROM graphrag_retrieve('kg', 'q') LIMIT 0").await,
        named(&[
            ("rank", SqlType::Int4),
            ("chunk_id", SqlType::Text),
            ("doc_id", SqlType::Text),
            ("score", SqlType::Float8),
            ("text", SqlType::Text)
        ])
    );
    let q = columns(&mut s, "SELECT * FROM graphrag_query('kg', 'q') LIMIT 0").await;
    assert_eq!(q[2], ("entities_involved".to_string(), text_array.clone()));
    assert_eq!(q[3].1, SqlType::Json);
    let b = columns(&mut s, "SELECT * FROM graphrag_build('kg', 'd', 't') AS b(e, r) LIMIT 0").await;
    assert_eq!(b.len(), 6);
    assert_eq!(b[0], ("e".to_string(), SqlType::Int8));
    assert_eq!(b[2], ("graph_nodes_created".to_string(), SqlType::Int8));

    let storage = memory().await;
    let engine = Engine::open_with_dialect(storage, Dialect::MySql).await.unwrap();
    engine.set_graphrag_storage(Some(memory().await));
    let mut my = Session::new(engine, "def", "root").unwrap();
    let q = columns(&mut my, "SELECT * FROM graphrag_query('kg', 'q') LIMIT 0").await;
    assert_eq!(q[2], ("entities_involved".to_string(), SqlType::Json));
}

#[tokio::test]
async fn explain_shows_a_function_scan() {
    let (mut s, _) = pg_session().await;
    let plan: Vec<String> = rows(&mut s, "EXPLAIN SELECT chunk_id FROM graphrag_retrieve('kg', 'q') WHERE score > 0.5")
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(plan.first().map(String::as_str), Some("Function Scan on graphrag_retrieve"), "{plan:?}");
}

/// Everything the SQL functions answer is what the engine answers for the same call.
#[tokio::test]
async fn answers_are_the_engines() {
    let (mut s, storage) = pg_session().await;
    let engine = GraphRag::attach(storage).await.unwrap();
    if let Err(engine_error) = engine.create("probe", orbit_graphrag::KgConfig::default()).await {
        // The engine is not built yet: the functions must pass its errors through.
        let e = err(&mut s, "SELECT * FROM graphrag_create('people')").await;
        same_error(&e, engine_error);
        let sql = result(&mut s, "SELECT * FROM graphrag_retrieve('people', 'Where was Marie Curie born?')").await;
        let direct = engine.retrieve("people", "Where was Marie Curie born?", &RetrieveOptions::default()).await;
        same_error(&sql.expect_err("the engine failed"), direct.expect_err("the engine failed"));
        return;
    }
    let created = result(
        &mut s,
        "SELECT * FROM graphrag_create('people', '{\"embedder\": \"hashing:64\", \"chunk_tokens\": 64, \"overlap\": 8}'::jsonb)",
    )
    .await
    .unwrap();
    assert_eq!(created, vec![vec![Value::Text("people".into()), Value::Bool(true)]]);
    let config = engine.config("people").await.unwrap();
    assert_eq!((config.chunk_tokens, config.overlap), (64, 8));
    assert_eq!(config.embedder, orbit_graphrag::EmbedderSpec::Hashing { dim: 64 });
    for (doc, text) in DOCS {
        let built = result(&mut s, &format!("SELECT chunks, entities_extracted FROM graphrag_build('people', '{doc}', '{text}', '{{\"source\": \"test\"}}')")).await.unwrap();
        assert_eq!(built.len(), 1);
        assert!(matches!(built[0][0], Value::Int(n) if n >= 1), "{built:?}");
    }
    assert_eq!(
        err(&mut s, "SELECT * FROM graphrag_create('people')").await.code,
        "42710",
        "a knowledge graph that exists already"
    );
    for mode in [RetrieveMode::Bm25, RetrieveMode::Vector, RetrieveMode::Naive, RetrieveMode::Ppr, RetrieveMode::Hybrid]
    {
        let question = "Where was Marie Curie born?";
        let direct = engine
            .retrieve("people", question, &RetrieveOptions { mode, k: 3, ..RetrieveOptions::default() })
            .await
            .unwrap();
        let sql = result(
            &mut s,
            &format!(
                "SELECT rank, chunk_id, doc_id, score, text FROM graphrag_retrieve('people', '{question}', '{}', 3)",
                mode.name()
            ),
        )
        .await
        .unwrap();
        let expected: Vec<Vec<Value>> = direct
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    Value::Int(i as i64 + 1),
                    Value::Text(c.chunk_id.clone()),
                    Value::Text(c.doc_id.clone()),
                    Value::Float(c.score),
                    Value::Text(c.text.clone()),
                ]
            })
            .collect();
        assert_eq!(sql, expected, "mode {}", mode.name());
    }
    let stats = engine.stats("people").await.unwrap();
    let sql = rows(&mut s, "SELECT documents, chunks, embedder, embedding_dim FROM graphrag_stats('people')").await;
    assert_eq!(
        sql,
        vec![vec![stats.documents.to_string(), stats.chunks.to_string(), stats.embedder, "64".to_string()]]
    );
    assert_eq!(stats.documents, 3);
    let entities = engine.entities("people", None, 100, 0).await.unwrap();
    let sql = rows(&mut s, "SELECT key FROM graphrag_entities('people')").await;
    assert_eq!(sql, entities.iter().map(|e| vec![e.key.clone()]).collect::<Vec<_>>());
    assert_eq!(rows(&mut s, "SELECT deleted FROM graphrag_delete('people', 'warsaw')").await, vec![vec!["t"]]);
    assert_eq!(rows(&mut s, "SELECT deleted FROM graphrag_delete('people', 'warsaw')").await, vec![vec!["f"]]);
    assert_eq!(rows(&mut s, "SELECT documents FROM graphrag_stats('people')").await, vec![vec!["2"]]);
    assert_eq!(rows(&mut s, "SELECT dropped FROM graphrag_drop('people')").await, vec![vec!["t"]]);
    assert_eq!(err(&mut s, "SELECT * FROM graphrag_stats('people')").await.code, "42704");
}

/// Bound parameters ($1, $2 ...) are typed by the function's parameters.
#[tokio::test]
async fn parameters_bind_to_the_function_parameters() {
    let (mut s, storage) = pg_session().await;
    let prepared = s.prepare("SELECT chunk_id FROM graphrag_retrieve($1, $2, $3, $4)", &[]).await.unwrap();
    assert_eq!(prepared.param_types().to_vec(), vec![SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Int8]);
    let params = [Value::Text("none".into()), Value::Text("q".into()), Value::Text("bm25".into()), Value::Int(2)];
    let sql = s
        .execute_with_params(
            "SELECT chunk_id FROM graphrag_retrieve($1, $2, $3, $4)",
            &prepared.param_types().to_vec(),
            &params,
        )
        .await;
    let engine = GraphRag::attach(storage).await.unwrap();
    let direct = engine
        .retrieve("none", "q", &RetrieveOptions { mode: RetrieveMode::Bm25, k: 2, ..RetrieveOptions::default() })
        .await;
    match (sql, direct) {
        (Err(e), Err(engine_error)) => same_error(&e, engine_error),
        (sql, direct) => panic!("a retrieval of a knowledge graph that does not exist: SQL {sql:?}, engine {direct:?}"),
    }
}

#[tokio::test]
async fn mysql_sessions_call_the_same_functions() {
    let storage = memory().await;
    let engine = Engine::open_with_dialect(storage, Dialect::MySql).await.unwrap();
    let mut my = Session::new(engine, "def", "root").unwrap();
    let e = match my.execute_batch("SELECT * FROM graphrag_retrieve('kg', 'q')").await.pop().unwrap() {
        Err(e) => e,
        Ok(o) => panic!("expected an error, got {o:?}"),
    };
    // MySQL words its ER_NOT_SUPPORTED_YET (1235) "This version of MySQL doesn't yet support '...'".
    assert!(e.message.contains("GraphRAG is disabled on this server"), "{}", e.message);
    assert_eq!(crate::mysql::errors::errno(&e), 1235);
}
