//! Vector indexes end to end over the in-memory engine: Neo4j's scores against values
//! worked out by hand, which nodes are indexed, maintenance after commit (and none after a
//! rollback), durability of the definition, SHOW / DROP, and the errors.

use super::super::tests::{engine, fails, run, run_with, s, storage};
use super::super::{EngineOptions, GraphEngine};
use crate::engine::{CypherEngine, TxOptions};
use crate::error::ErrorKind;
use crate::value::{Map, Value};

const COSINE: &str = "CREATE VECTOR INDEX emb FOR (n:Doc) ON (n.embedding) \
    OPTIONS {indexConfig: {`vector.dimensions`: 2, `vector.similarity_function`: 'cosine'}}";

fn f(v: &Value) -> f64 {
    match v {
        Value::Float(x) => *x,
        other => panic!("not a float: {other:?}"),
    }
}

/// (name property, score) of a queryNodes call.
async fn nearest(e: &GraphEngine, index: &str, k: i64, query: &str) -> Vec<(String, f64)> {
    let q = format!(
        "CALL db.index.vector.queryNodes('{index}', {k}, {query}) YIELD node, score RETURN node.name AS name, score"
    );
    run(e, &q)
        .await
        .rows
        .into_iter()
        .map(|r| match r.as_slice() {
            [Value::String(n), score] => (n.clone(), f(score)),
            other => panic!("unexpected row {other:?}"),
        })
        .collect()
}

fn names(hits: &[(String, f64)]) -> Vec<&str> {
    hits.iter().map(|(n, _)| n.as_str()).collect()
}

#[tokio::test]
async fn cosine_scores_are_one_plus_cos_over_two() {
    let e = engine().await;
    run(&e, COSINE).await;
    run(&e, "CREATE (:Doc {name: 'a', embedding: [1.0, 0.0]}), (:Doc {name: 'b', embedding: [0.0, 1.0]}), (:Doc {name: 'c', embedding: [1, 1]})").await;
    let hits = nearest(&e, "emb", 3, "[2.0, 0.0]").await;
    assert_eq!(names(&hits), ["a", "c", "b"]);
    // cos 1 → 1; cos 45° = 1/√2 → (1 + 1/√2)/2; cos 90° = 0 → 0.5.
    let expected = [1.0, (1.0 + 1.0 / 2f64.sqrt()) / 2.0, 0.5];
    for ((_, got), want) in hits.iter().zip(expected) {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
    assert_eq!(names(&nearest(&e, "emb", 1, "[0.0, 3.0]").await), ["b"]);
}

#[tokio::test]
async fn euclidean_scores_are_one_over_one_plus_squared_distance() {
    let e = engine().await;
    run(&e, "CREATE VECTOR INDEX pos IF NOT EXISTS FOR (p:Place) ON p.xy OPTIONS {indexConfig: {`vector.dimensions`: 2, `vector.similarity_function`: 'EUCLIDEAN'}}").await;
    run(&e, "CREATE (:Place {name: 'o', xy: [0, 0]}), (:Place {name: 'x', xy: [1.0, 0.0]}), (:Place {name: 'far', xy: [3.0, 4.0]})").await;
    let hits = nearest(&e, "pos", 10, "[0.0, 0.0]").await;
    assert_eq!(names(&hits), ["o", "x", "far"]);
    // d² = 0, 1, 25.
    for ((_, got), want) in hits.iter().zip([1.0, 0.5, 1.0 / 26.0]) {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
}

#[tokio::test]
async fn only_lists_of_numbers_of_the_right_length_are_indexed() {
    let e = engine().await;
    run(&e, COSINE).await;
    run(
        &e,
        "CREATE (:Doc {name: 'ok', embedding: [1.0, 0.5]}), (:Doc {name: 'long', embedding: [1.0, 0.5, 0.1]}), \
         (:Doc {name: 'text', embedding: 'one'}), (:Doc {name: 'strings', embedding: ['a', 'b']}), \
         (:Doc {name: 'zero', embedding: [0.0, 0.0]}), (:Doc {name: 'none'}), (:Other {name: 'other', embedding: [1.0, 0.5]})",
    )
    .await;
    assert_eq!(names(&nearest(&e, "emb", 10, "[1.0, 0.5]").await), ["ok"]);
}

#[tokio::test]
async fn writes_reach_the_index_after_commit_and_rollbacks_change_nothing() {
    let e = engine().await;
    run(&e, COSINE).await;
    run(&e, "CREATE (:Doc {name: 'a', embedding: [1.0, 0.0]}), (:Doc {name: 'b', embedding: [0.0, 1.0]})").await;
    assert_eq!(names(&nearest(&e, "emb", 1, "[1.0, 0.1]").await), ["a"]);
    run(&e, "MATCH (d:Doc {name: 'b'}) SET d.embedding = [1.0, 0.1]").await;
    assert_eq!(names(&nearest(&e, "emb", 1, "[1.0, 0.1]").await), ["b"]);
    run(&e, "CREATE (:Doc {name: 'c', embedding: [1.0, 0.2]})").await;
    assert_eq!(names(&nearest(&e, "emb", 3, "[1.0, 0.2]").await), ["c", "b", "a"]);
    run(&e, "MATCH (d:Doc {name: 'c'}) REMOVE d.embedding").await;
    assert_eq!(names(&nearest(&e, "emb", 3, "[1.0, 0.2]").await), ["b", "a"]);
    run(&e, "MATCH (d:Doc {name: 'b'}) REMOVE d:Doc").await;
    assert_eq!(names(&nearest(&e, "emb", 3, "[1.0, 0.2]").await), ["a"]);
    run(&e, "MATCH (d {name: 'b'}) SET d:Doc").await;
    assert_eq!(names(&nearest(&e, "emb", 3, "[1.0, 0.2]").await), ["b", "a"]);
    run(&e, "MATCH (d:Doc {name: 'a'}) DETACH DELETE d").await;
    assert_eq!(names(&nearest(&e, "emb", 3, "[1.0, 0.2]").await), ["b"]);

    let mut tx = e.begin(TxOptions::default()).await.unwrap();
    for q in [
        "CREATE (:Doc {name: 'lost', embedding: [1.0, 0.2]})",
        "MATCH (d:Doc {name: 'b'}) SET d.embedding = [0.0, 1.0]",
    ] {
        let mut s = tx.run(q, Map::new()).await.unwrap();
        while s.next().await.unwrap().is_some() {}
    }
    tx.rollback().await.unwrap();
    let hits = nearest(&e, "emb", 3, "[1.0, 0.1]").await;
    assert_eq!(names(&hits), ["b"]);
    assert!((hits[0].1 - 1.0).abs() < 1e-6);
}

#[tokio::test]
async fn the_definition_survives_a_restart_and_the_index_is_rebuilt() {
    let storage = storage().await;
    let e = GraphEngine::open(storage.clone(), EngineOptions::default()).await.unwrap();
    run(&e, COSINE).await;
    run(&e, "CREATE (:Doc {name: 'a', embedding: [1.0, 0.0]}), (:Doc {name: 'b', embedding: [0.0, 1.0]})").await;
    drop(e);
    let e = GraphEngine::open(storage, EngineOptions::default()).await.unwrap();
    assert_eq!(names(&nearest(&e, "emb", 2, "[0.1, 1.0]").await), ["b", "a"]);
    let out = run(&e, "SHOW INDEXES").await;
    let row = out.rows.iter().find(|r| r.get(1) == Some(&s("emb"))).expect("emb listed");
    let col = |name: &str| out.fields.iter().position(|f| f == name).unwrap();
    assert_eq!(row[col("type")], s("VECTOR"));
    assert_eq!(row[col("entityType")], s("NODE"));
    assert_eq!(row[col("labelsOrTypes")], Value::List(vec![s("Doc")]));
    assert_eq!(row[col("properties")], Value::List(vec![s("embedding")]));
    assert_eq!(row[col("indexProvider")], s("vector-2.0"));
    run(&e, "CREATE INDEX by_name FOR (d:Doc) ON (d.name)").await;
    let listed = |q: &'static str| {
        let e = e.clone();
        async move { run(&e, q).await.rows.iter().map(|r| r[1].clone()).collect::<Vec<_>>() }
    };
    assert_eq!(listed("SHOW INDEXES").await, [s("by_name"), s("emb")]);
    assert_eq!(listed("SHOW VECTOR INDEXES").await, [s("emb")]);
    assert_eq!(listed("SHOW RANGE INDEXES").await, [s("by_name")]);
    assert_eq!(listed("SHOW ALL INDEXES").await, [s("by_name"), s("emb")]);
}

#[tokio::test]
async fn create_and_drop_follow_neo4j() {
    let e = engine().await;
    let out = run(&e, COSINE).await;
    assert_eq!(out.stats.indexes_added, 1);
    assert_eq!(fails(&e, COSINE).await, ErrorKind::SchemaRuleExists);
    let again = COSINE.replace("emb FOR", "emb IF NOT EXISTS FOR");
    assert_eq!(run(&e, &again).await.stats.indexes_added, 0);
    let same_schema = COSINE.replace("emb FOR", "other FOR");
    assert_eq!(fails(&e, &same_schema).await, ErrorKind::SchemaRuleExists);
    assert_eq!(fails(&e, "CREATE INDEX emb FOR (n:Doc) ON (n.title)").await, ErrorKind::SchemaRuleExists);
    let out = run(&e, "DROP INDEX emb").await;
    assert_eq!(out.stats.indexes_removed, 1);
    assert_eq!(
        fails(&e, "CALL db.index.vector.queryNodes('emb', 1, [1.0, 0.0]) YIELD node RETURN node").await,
        ErrorKind::ProcedureCallFailed
    );
    assert_eq!(fails(&e, "DROP INDEX emb").await, ErrorKind::SchemaRuleNotFound);
    run(&e, "DROP INDEX emb IF EXISTS").await;
}

#[tokio::test]
async fn the_procedure_form_creates_an_index() {
    let e = engine().await;
    run(&e, "CALL db.index.vector.createNodeIndex('byVec', 'Doc', 'v', 3, 'euclidean')").await;
    run(&e, "CREATE (:Doc {name: 'a', v: [1, 2, 3]}), (:Doc {name: 'b', v: [4, 6, 3]})").await;
    let hits = nearest(&e, "byVec", 2, "[1, 2, 3]").await;
    assert_eq!(names(&hits), ["a", "b"]);
    assert!((hits[1].1 - 1.0 / 26.0).abs() < 1e-6);
    let out = run(&e, "CALL db.index.vector.queryNodes('byVec', 1, [4.0, 6.0, 3.0])").await;
    assert_eq!(out.fields, ["node", "score"]);
}

#[tokio::test]
async fn bad_options_and_queries_are_errors() {
    let e = engine().await;
    let with =
        |config: &str| format!("CREATE VECTOR INDEX v FOR (n:Doc) ON (n.e) OPTIONS {{indexConfig: {{{config}}}}}");
    assert_eq!(fails(&e, &with("`vector.dimensions`: 0")).await, ErrorKind::Argument);
    assert_eq!(fails(&e, &with("`vector.dimensions`: 5000")).await, ErrorKind::Argument);
    assert_eq!(fails(&e, &with("`vector.dimensions`: '3'")).await, ErrorKind::Argument);
    assert_eq!(
        fails(&e, &with("`vector.dimensions`: 3, `vector.similarity_function`: 'dot'")).await,
        ErrorKind::Argument
    );
    assert_eq!(fails(&e, &with("`vector.similarity_function`: 'cosine'")).await, ErrorKind::NotSupported);
    assert_eq!(fails(&e, &with("`vector.dimensions`: 3, colour: 'blue'")).await, ErrorKind::Argument);
    let rel = "CREATE VECTOR INDEX r FOR ()-[r:R]-() ON (r.e) OPTIONS {indexConfig: {`vector.dimensions`: 3}}";
    assert_eq!(fails(&e, rel).await, ErrorKind::NotSupported);
    run(&e, COSINE).await;
    let q = |args: &str| format!("CALL db.index.vector.queryNodes({args}) YIELD node RETURN node");
    assert_eq!(fails(&e, &q("'emb', 1, [1.0, 2.0, 3.0]")).await, ErrorKind::Argument);
    assert_eq!(fails(&e, &q("'emb', 0, [1.0, 2.0]")).await, ErrorKind::Argument);
    assert_eq!(fails(&e, &q("'emb', 1, [0.0, 0.0]")).await, ErrorKind::Argument);
    assert_eq!(fails(&e, &q("'emb', 1, 'text'")).await, ErrorKind::Type);
    assert_eq!(fails(&e, &q("'emb', '1', [1.0, 0.0]")).await, ErrorKind::Type);
    let err = run_with(&e, &q("'nope', 1, [1.0, 0.0]"), Map::new()).await.err().expect("fails");
    assert_eq!(err.neo4j_code(), "Neo.ClientError.Procedure.ProcedureCallFailed");
    assert!(err.message.contains("There is no such vector schema index: nope"), "{}", err.message);
}

#[tokio::test]
async fn similarity_functions_are_callable_from_cypher() {
    let e = engine().await;
    let out = run(&e, "RETURN vector.similarity.cosine([1, 0], [0, 1]) AS c, vector.similarity.euclidean([1.0, 2.0, 3.0], [4.0, 6.0, 3.0]) AS d, vector.similarity.cosine(null, [1]) AS n").await;
    assert_eq!(out.rows.len(), 1);
    assert!((f(&out.rows[0][0]) - 0.5).abs() < 1e-12);
    assert!((f(&out.rows[0][1]) - 1.0 / 26.0).abs() < 1e-12);
    assert_eq!(out.rows[0][2], Value::Null);
    assert_eq!(fails(&e, "RETURN vector.similarity.cosine([1, 2], [1]) AS x").await, ErrorKind::Argument);
}
