//! The executor end to end (parse → plan → stream) over the in-memory engine, with
//! expected results from the openCypher TCK scenarios named in each test.

use super::{EngineOptions, GraphEngine};
use crate::engine::{CypherEngine, QueryKind, QueryStats, TxOptions};
use crate::error::ErrorKind;
use crate::value::{Map, Value};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::sync::Arc;

pub(super) async fn storage() -> Arc<dyn TableStorage> {
    KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap()
}

pub(super) async fn engine() -> Arc<GraphEngine> {
    let options = EngineOptions { test_procedures: true, ..EngineOptions::default() };
    GraphEngine::open(storage().await, options).await.unwrap()
}

pub(super) struct Outcome {
    pub(super) fields: Vec<String>,
    pub(super) rows: Vec<Vec<Value>>,
    pub(super) stats: QueryStats,
    pub(super) kind: QueryKind,
}

pub(super) async fn run_with(e: &GraphEngine, q: &str, params: Map) -> Result<Outcome, crate::CypherError> {
    let mut tx = e.begin(TxOptions::default()).await?;
    let result = async {
        let mut s = tx.run(q, params).await?;
        let mut rows = Vec::new();
        while let Some(r) = s.next().await? {
            rows.push(r);
        }
        let summary = s.summary();
        Ok::<_, crate::CypherError>(Outcome {
            fields: s.fields().to_vec(),
            rows,
            stats: summary.stats,
            kind: summary.kind,
        })
    }
    .await;
    match result {
        Ok(o) => {
            tx.commit().await?;
            Ok(o)
        }
        Err(err) => {
            tx.rollback().await?;
            Err(err)
        }
    }
}

pub(super) async fn run(e: &GraphEngine, q: &str) -> Outcome {
    match run_with(e, q, Map::new()).await {
        Ok(o) => o,
        Err(err) => panic!("{q}: {err:?}"),
    }
}

pub(super) async fn fails(e: &GraphEngine, q: &str) -> ErrorKind {
    match run_with(e, q, Map::new()).await {
        Ok(o) => panic!("{q} should fail, gave {:?}", o.rows),
        Err(err) => err.kind,
    }
}

pub(super) fn s(x: &str) -> Value {
    Value::String(x.into())
}

pub(super) fn i(x: i64) -> Value {
    Value::Int(x)
}

pub(super) fn sorted(mut rows: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    rows
}

#[tokio::test]
async fn match1_all_nodes_and_labels() {
    let e = engine().await;
    // Match1 [1] Match non-existent nodes returns empty
    assert!(run(&e, "MATCH (n) RETURN n").await.rows.is_empty());
    // Match1 [3] Matching nodes using multiple labels
    run(&e, "CREATE (:A:B:C), (:A:B), (:A:C), (:B:C)").await;
    let out = run(&e, "MATCH (a:A:B) RETURN a.x IS NULL AS none").await;
    assert_eq!(out.rows.len(), 2);
    // Match1 [4] Simple node inline property predicate
    run(&e, "CREATE ({name: 'bar'}), ({name: 'monkey'}), ({firstname: 'bar'})").await;
    let out = run(&e, "MATCH (n {name: 'bar'}) RETURN n.name AS name").await;
    assert_eq!(out.rows, vec![vec![s("bar")]]);
    // Match1 [5] Use multiple MATCH clauses to do a Cartesian product
    let e = engine().await;
    run(&e, "CREATE ({num: 1}), ({num: 2}), ({num: 3})").await;
    let out = run(&e, "MATCH (n), (m) RETURN n.num AS n, m.num AS m").await;
    assert_eq!(out.rows.len(), 9);
    assert_eq!(out.fields, vec!["n".to_string(), "m".to_string()]);
}

#[tokio::test]
async fn match2_relationships_and_uniqueness() {
    let e = engine().await;
    // Match2 [2] Matching a relationship pattern using a label predicate on both sides
    run(&e, "CREATE (:A)-[:T1]->(:B), (:B)-[:T2]->(:A), (:B)-[:T3]->(:B), (:A)-[:T4]->(:A)").await;
    let out = run(&e, "MATCH (:A)-[r]->(:B) RETURN type(r) AS t").await;
    assert_eq!(out.rows, vec![vec![s("T1")]]);
    // Match2 [3] Matching a self-loop with an undirected relationship pattern
    let e = engine().await;
    run(&e, "CREATE (a) CREATE (a)-[:T]->(a)").await;
    let out = run(&e, "MATCH ()-[r]-() RETURN type(r) AS r").await;
    assert_eq!(out.rows, vec![vec![s("T")]]);
    // Match2 [4] Matching a self-loop with a directed relationship pattern
    let out = run(&e, "MATCH ()-[r]->() RETURN type(r) AS r").await;
    assert_eq!(out.rows, vec![vec![s("T")]]);
    // Match3 [6] Matching a relationship pattern uses relationship uniqueness: a
    // two-hop undirected walk over one relationship finds nothing.
    let e = engine().await;
    run(&e, "CREATE (:A)-[:T]->(:B)").await;
    assert!(run(&e, "MATCH (a)-[r1]-(b)-[r2]-(c) RETURN a").await.rows.is_empty());
}

#[tokio::test]
async fn variable_length_and_paths() {
    let e = engine().await;
    // Match4 [1] Handling fixed-length variable length pattern
    run(&e, "CREATE ()-[:T]->()").await;
    let out = run(&e, "MATCH (a)-[r*1..1]->(b) RETURN size(r) AS n").await;
    assert_eq!(out.rows, vec![vec![i(1)]]);
    // Match4 [3] Zero-length variable length pattern in the middle of the pattern
    let e = engine().await;
    run(&e, "CREATE (a {name: 'A'}), (b {name: 'B'}), (c {name: 'C'}), (a)-[:CONTAINS]->(b), (b)-[:FRIEND]->(c)").await;
    let out =
        run(&e, "MATCH (a {name: 'A'})-[:CONTAINS*0..1]->(b)-[:FRIEND*0..1]->(c) RETURN a.name, b.name, c.name").await;
    assert_eq!(
        sorted(out.rows),
        sorted(vec![vec![s("A"), s("A"), s("A")], vec![s("A"), s("B"), s("B")], vec![s("A"), s("B"), s("C")],])
    );
    // a named path over a variable-length hop has every node on it
    let out = run(&e, "MATCH p = (a {name: 'A'})-[*2]->(c) RETURN length(p), [n IN nodes(p) | n.name]").await;
    assert_eq!(out.rows, vec![vec![i(2), Value::List(vec![s("A"), s("B"), s("C")])]]);
    // shortestPath between two bound nodes
    run(&e, "MATCH (a {name: 'A'}), (c {name: 'C'}) CREATE (a)-[:SHORTCUT]->(c)").await;
    let out = run(&e, "MATCH (a {name: 'A'}), (c {name: 'C'}), p = shortestPath((a)-[*]->(c)) RETURN length(p)").await;
    assert_eq!(out.rows, vec![vec![i(1)]]);
}

#[tokio::test]
async fn optional_match_gives_nulls() {
    let e = engine().await;
    run(&e, "CREATE (:A {num: 1})-[:T]->(:B), (:A {num: 2})").await;
    // OptionalMatch: a node without the relationship keeps its row with null
    let out = run(&e, "MATCH (a:A) OPTIONAL MATCH (a)-[:T]->(b) RETURN a.num, b IS NULL ORDER BY a.num").await;
    assert_eq!(out.rows, vec![vec![i(1), Value::Bool(false)], vec![i(2), Value::Bool(true)]]);
}

#[tokio::test]
async fn return_orderby_skip_limit_distinct_aggregation() {
    let e = engine().await;
    run(&e, "UNWIND [3, 1, 2, 2, 1] AS x CREATE ({num: x})").await;
    // ReturnOrderBy: ORDER BY an alias, descending
    let out = run(&e, "MATCH (n) RETURN DISTINCT n.num AS k ORDER BY k DESC").await;
    assert_eq!(out.rows, vec![vec![i(3)], vec![i(2)], vec![i(1)]]);
    // ReturnSkipLimit: SKIP and LIMIT after ORDER BY
    let out = run(&e, "MATCH (n) RETURN n.num AS k ORDER BY k SKIP 1 LIMIT 2").await;
    assert_eq!(out.rows, vec![vec![i(1)], vec![i(2)]]);
    // Aggregation with implicit grouping keys
    let out = run(&e, "MATCH (n) RETURN n.num AS k, count(*) AS c ORDER BY k").await;
    assert_eq!(out.rows, vec![vec![i(1), i(2)], vec![i(2), i(2)], vec![i(3), i(1)]]);
    // count over no rows is one row with 0
    let out = run(&e, "MATCH (n:Missing) RETURN count(n) AS c, collect(n) AS l").await;
    assert_eq!(out.rows, vec![vec![i(0), Value::List(vec![])]]);
    // ORDER BY a pre-projection variable
    let out = run(&e, "MATCH (n) WITH n, n.num * 10 AS t RETURN t ORDER BY n.num DESC LIMIT 1").await;
    assert_eq!(out.rows, vec![vec![i(30)]]);
    // ReturnSkipLimit: a negative LIMIT fails
    assert!(matches!(fails(&e, "MATCH (n) RETURN n LIMIT -1").await, ErrorKind::Semantic | ErrorKind::Argument));
}

#[tokio::test]
async fn union_unwind_with_and_subqueries() {
    let e = engine().await;
    // Union [1] / [2]
    let out = run(&e, "RETURN 1 AS x UNION RETURN 1 AS x").await;
    assert_eq!(out.rows, vec![vec![i(1)]]);
    let out = run(&e, "RETURN 1 AS x UNION ALL RETURN 1 AS x").await;
    assert_eq!(out.rows.len(), 2);
    // Unwind [1] Unwinding a list
    let out = run(&e, "UNWIND [1, 2, 3] AS x RETURN x").await;
    assert_eq!(out.rows, vec![vec![i(1)], vec![i(2)], vec![i(3)]]);
    // WithWhere: filtering after WITH
    let out = run(&e, "UNWIND range(1, 5) AS x WITH x WHERE x % 2 = 0 RETURN collect(x) AS l").await;
    assert_eq!(out.rows, vec![vec![Value::List(vec![i(2), i(4)])]]);
    // CALL { } with an importing WITH
    let out = run(&e, "UNWIND [1, 2] AS x CALL { WITH x RETURN x * 10 AS y } RETURN x, y").await;
    assert_eq!(out.rows, vec![vec![i(1), i(10)], vec![i(2), i(20)]]);
    // EXISTS { } and COUNT { } and pattern predicates
    run(&e, "CREATE (:P {n: 1})-[:K]->(:P {n: 2}), (:P {n: 3})").await;
    let out = run(&e, "MATCH (p:P) WHERE EXISTS { (p)-[:K]->() } RETURN p.n").await;
    assert_eq!(out.rows, vec![vec![i(1)]]);
    let out = run(&e, "MATCH (p:P) RETURN p.n, COUNT { (p)--() } AS c ORDER BY p.n").await;
    assert_eq!(out.rows, vec![vec![i(1), i(1)], vec![i(2), i(1)], vec![i(3), i(0)]]);
    let out = run(&e, "MATCH (p:P) WHERE NOT (p)--() RETURN p.n").await;
    assert_eq!(out.rows, vec![vec![i(3)]]);
    let out = run(&e, "MATCH (p:P {n: 1}) RETURN [(p)-->(q) | q.n] AS l").await;
    assert_eq!(out.rows, vec![vec![Value::List(vec![i(2)])]]);
}

#[tokio::test]
async fn create_merge_set_remove_delete_with_stats() {
    let e = engine().await;
    // Create1 [1] Create a single node ... [3] with a label and properties
    let out = run(&e, "CREATE (n:Label {id: 1, name: 'x'}) RETURN n.name").await;
    assert_eq!(out.rows, vec![vec![s("x")]]);
    assert_eq!((out.stats.nodes_created, out.stats.labels_added, out.stats.properties_set), (1, 1, 2));
    assert_eq!(out.kind, QueryKind::ReadWrite);
    assert_eq!(run(&e, "CREATE ()").await.kind, QueryKind::Write);
    // Merge1 [1] Merge node when no nodes exist / [2] merge node with label when it exists
    let out = run(&e, "MERGE (n:Label {id: 1}) ON MATCH SET n.seen = true RETURN n.seen").await;
    assert_eq!(out.rows, vec![vec![Value::Bool(true)]]);
    assert_eq!(out.stats.nodes_created, 0);
    let out = run(&e, "MERGE (n:Label {id: 2}) ON CREATE SET n.new = true RETURN n.new").await;
    assert_eq!((out.rows.clone(), out.stats.nodes_created), (vec![vec![Value::Bool(true)]], 1));
    // Merge5: a relationship between bound nodes, created once then matched
    for expected in [1, 0] {
        let out = run(&e, "MATCH (a:Label {id: 1}), (b:Label {id: 2}) MERGE (a)-[:R]->(b)").await;
        assert_eq!(out.stats.relationships_created, expected);
    }
    // Set1: SET a property; SET += ; labels; Remove
    let out = run(&e, "MATCH (n:Label {id: 1}) SET n.name = 'y', n:Extra RETURN n.name, labels(n)").await;
    assert_eq!(out.rows, vec![vec![s("y"), Value::List(vec![s("Extra"), s("Label")])]]);
    assert_eq!((out.stats.properties_set, out.stats.labels_added), (1, 1));
    let out = run(&e, "MATCH (n:Label {id: 1}) SET n += {a: 1, name: null} RETURN n.a, n.name").await;
    assert_eq!(out.rows, vec![vec![i(1), Value::Null]]);
    let out = run(&e, "MATCH (n:Label {id: 1}) REMOVE n:Extra, n.a RETURN labels(n), n.a").await;
    assert_eq!(out.rows, vec![vec![Value::List(vec![s("Label")]), Value::Null]]);
    assert_eq!((out.stats.labels_removed, out.stats.properties_set), (1, 1));
    // Delete1 [3]: deleting a node with relationships without DETACH fails
    let kind = fails(&e, "MATCH (n:Label {id: 1}) DELETE n").await;
    assert_eq!(kind, ErrorKind::ConstraintValidation);
    // Delete: deleting the relationship and the node in one DELETE works
    let out = run(&e, "MATCH (n:Label {id: 1})-[r]->() DELETE n, r").await;
    assert_eq!((out.stats.nodes_deleted, out.stats.relationships_deleted), (1, 1));
    // DETACH DELETE counts both
    run(&e, "MATCH (b:Label {id: 2}) CREATE (b)-[:S]->(:Other)").await;
    let out = run(&e, "MATCH (n:Label {id: 2}) DETACH DELETE n").await;
    assert_eq!((out.stats.nodes_deleted, out.stats.relationships_deleted), (1, 1));
    // Delete4/5: reading a property of a deleted node is an EntityNotFound
    let kind = fails(&e, "MATCH (n:Other) DELETE n RETURN n.x").await;
    assert_eq!(kind, ErrorKind::EntityNotFound);
    // FOREACH creates per element
    let out = run(&e, "FOREACH (x IN [1, 2, 3] | CREATE (:F {x: x}))").await;
    assert_eq!(out.stats.nodes_created, 3);
    assert_eq!(run(&e, "MATCH (f:F) RETURN sum(f.x)").await.rows, vec![vec![i(6)]]);
}

#[tokio::test]
async fn indexes_are_used_and_consistent() {
    let e = engine().await;
    run(&e, "UNWIND range(1, 100) AS x CREATE (:User {id: x, score: x * 1.5})").await;
    let out = run(&e, "CREATE INDEX user_id FOR (u:User) ON (u.id)").await;
    assert_eq!(out.stats.indexes_added, 1);
    let out = run(&e, "MATCH (u:User {id: 42}) RETURN u.score").await;
    assert_eq!(out.rows, vec![vec![Value::Float(63.0)]]);
    let out = run(&e, "MATCH (u:User) WHERE u.id >= 98 RETURN u.id ORDER BY u.id").await;
    assert_eq!(out.rows, vec![vec![i(98)], vec![i(99)], vec![i(100)]]);
    let out = run(&e, "MATCH (u:User) WHERE u.id = 7.0 RETURN u.id").await;
    assert_eq!(out.rows, vec![vec![i(7)]], "an integer property equals a float lookup");
    let out = run(&e, "SHOW INDEXES").await;
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.fields.get(1).map(String::as_str), Some("name"));
    // a unique constraint refuses a duplicate
    run(&e, "CREATE CONSTRAINT email FOR (u:Account) REQUIRE u.email IS UNIQUE").await;
    run(&e, "CREATE (:Account {email: 'a@x'})").await;
    assert_eq!(fails(&e, "CREATE (:Account {email: 'a@x'})").await, ErrorKind::ConstraintValidation);
    run(&e, "DROP INDEX user_id").await;
    assert_eq!(run(&e, "MATCH (u:User {id: 42}) RETURN u.id").await.rows, vec![vec![i(42)]]);
}

#[tokio::test]
async fn procedures_and_parameters() {
    let e = engine().await;
    run(&e, "CREATE (:A {p: 1})-[:T {q: 2}]->(:B)").await;
    let out = run(&e, "CALL db.labels() YIELD label RETURN label ORDER BY label").await;
    assert_eq!(out.rows, vec![vec![s("A")], vec![s("B")]]);
    let out = run(&e, "CALL db.relationshipTypes()").await;
    assert_eq!(out.rows, vec![vec![s("T")]]);
    let out = run(&e, "CALL dbms.components() YIELD name, edition RETURN name, edition").await;
    assert_eq!(out.rows, vec![vec![s("Neo4j Kernel"), s("community")]]);
    // the TCK's test procedure hook: ProcedureCallAcceptance-style lookup by input
    run(
        &e,
        "CALL orbit.tck.defineProcedure('test.my.proc(in :: INTEGER?) :: (out :: STRING?)', ['in', 'out'], [[1, 'one'], [2, 'two']])",
    )
    .await;
    let out = run(&e, "CALL test.my.proc(2) YIELD out RETURN out").await;
    assert_eq!(out.rows, vec![vec![s("two")]]);
    let params: Map = [("in".to_string(), i(1))].into_iter().collect();
    let out = run_with(&e, "CALL test.my.proc", params).await.unwrap();
    assert_eq!(out.rows, vec![vec![s("one")]]);
    assert_eq!(fails(&e, "CALL no.such.proc()").await, ErrorKind::ProcedureNotFound);
    // parameters, and a missing one
    let params: Map = [("x".to_string(), i(5))].into_iter().collect();
    let out = run_with(&e, "RETURN $x + 1 AS y", params).await.unwrap();
    assert_eq!(out.rows, vec![vec![i(6)]]);
    assert_eq!(fails(&e, "RETURN $missing AS y").await, ErrorKind::ParameterMissing);
}

#[tokio::test]
async fn databases_users_and_rollback() {
    let e = engine().await;
    assert!(e.authenticate("neo4j", "password").await);
    assert!(!e.authenticate("neo4j", "wrong").await);
    let missing = e.begin(TxOptions { database: Some("nope".into()), ..TxOptions::default() }).await;
    assert_eq!(missing.err().map(|e| e.kind), Some(ErrorKind::DatabaseNotFound));
    let mut sys = e.begin(TxOptions { database: Some("system".into()), ..TxOptions::default() }).await.unwrap();
    sys.run("CREATE USER alice SET PASSWORD 'secret123' CHANGE NOT REQUIRED", Map::new()).await.unwrap();
    sys.commit().await.unwrap();
    assert!(e.authenticate("alice", "secret123").await);
    // a rolled back transaction leaves nothing
    let mut tx = e.begin(TxOptions::default()).await.unwrap();
    let mut s = tx.run("CREATE (:Gone)", Map::new()).await.unwrap();
    while s.next().await.unwrap().is_some() {}
    tx.rollback().await.unwrap();
    assert_eq!(run(&e, "MATCH (n:Gone) RETURN count(n)").await.rows, vec![vec![i(0)]]);
}

#[tokio::test]
async fn a_label_scan_streams_its_first_row_before_reading_the_whole_label() {
    let store = storage().await;
    let e = GraphEngine::open(store.clone(), EngineOptions::default()).await.unwrap();
    run(&e, "UNWIND range(1, 5000) AS x CREATE (:Many {x: x})").await;
    let mut tx = e.begin(TxOptions::default()).await.unwrap();
    let before = store.metrics().count("scan");
    let gets_before = store.metrics().count("get");
    let mut stream = tx.run("MATCH (n:Many) RETURN n.x", Map::new()).await.unwrap();
    let first = stream.next().await.unwrap();
    assert_eq!(first, Some(vec![i(1)]));
    let scans = store.metrics().count("scan") - before;
    let gets = store.metrics().count("get") - gets_before;
    assert!(scans <= 2, "one page of the label index, not the whole label: {scans} scans");
    assert!(gets <= 2, "only the first node is read: {gets} reads");
    let mut n = 1;
    while stream.next().await.unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 5000);
    assert!(store.metrics().count("scan") - before >= 5000 / super::pattern::SCAN_PAGE as u64);
}
