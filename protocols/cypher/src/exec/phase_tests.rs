//! When a query's outcome arrives: which errors come from `run` (compile time) and which
//! from the stream's `next` (runtime), what a failed query leaves of its transaction, and
//! that queries without RETURN give no records. Expectations from the openCypher TCK
//! scenarios named in each test.

use super::tests::{engine, i, run, s};
use super::GraphEngine;
use crate::engine::{CypherEngine, QueryStream, TxOptions};
use crate::error::{CypherError, ErrorKind};
use crate::value::{Map, Value};

/// Where a query failed.
#[derive(Debug, PartialEq)]
enum Phase {
    Compile(ErrorKind),
    Runtime(ErrorKind),
}

async fn drain(s: &mut Box<dyn QueryStream>) -> Result<Vec<Vec<Value>>, CypherError> {
    let mut rows = Vec::new();
    while let Some(r) = s.next().await? {
        rows.push(r);
    }
    Ok(rows)
}

/// Runs `q` in its own transaction (rolled back) and tells where it failed.
async fn phase(e: &GraphEngine, q: &str, params: Map) -> Phase {
    let mut tx = e.begin(TxOptions::default()).await.unwrap();
    let outcome = match tx.run(q, params).await {
        Err(err) => Phase::Compile(err.kind),
        Ok(mut stream) => match drain(&mut stream).await {
            Err(err) => Phase::Runtime(err.kind),
            Ok(rows) => panic!("{q} should fail, gave {rows:?}"),
        },
    };
    tx.rollback().await.unwrap();
    outcome
}

fn params(pairs: &[(&str, Value)]) -> Map {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

// Create1 [1], Delete1, Merge1, Call1 [1]: "the result should be empty" — no columns,
// no rows.
#[tokio::test]
async fn queries_without_return_give_no_records() {
    let e = engine().await;
    for q in [
        "CREATE ()",
        "UNWIND [1, 2, 3] AS x CREATE (:N {x: x})",
        "MATCH (n:N) SET n.y = 1",
        "MATCH (n:N {x: 1}) REMOVE n.y",
        "MERGE (:M)",
        "MATCH (n:N {x: 3}) DELETE n",
        "CALL orbit.tck.defineProcedure('test.doNothing() :: ()', [], [])",
        "CALL test.doNothing()",
        "CALL test.doNothing",
    ] {
        let out = run(&e, q).await;
        assert!(out.fields.is_empty() && out.rows.is_empty(), "{q}: {:?} {:?}", out.fields, out.rows);
    }
    assert_eq!(run(&e, "MATCH (n:N) RETURN count(n)").await.rows, vec![vec![i(2)]]);
}

// Create6 [1], Set6 [1], Delete6 [1]: the updates before LIMIT 0 all happen.
#[tokio::test]
async fn updates_before_limit_zero_happen() {
    let e = engine().await;
    let out = run(&e, "UNWIND [1, 2] AS x CREATE (n:N {num: x}) RETURN n LIMIT 0").await;
    assert!(out.rows.is_empty());
    assert_eq!(out.stats.nodes_created, 2);
    let out = run(&e, "MATCH (n:N) SET n.num = 43 WITH n LIMIT 0 RETURN n").await;
    assert_eq!(out.stats.properties_set, 2);
    assert_eq!(run(&e, "MATCH (n:N) RETURN n.num").await.rows, vec![vec![i(43)], vec![i(43)]]);
    let out = run(&e, "MATCH (n:N) DELETE n RETURN 42 AS num LIMIT 0").await;
    assert_eq!(out.stats.nodes_deleted, 2);
}

// ReturnSkipLimit1 [6], [8], ReturnSkipLimit2 [10], [14]: SyntaxError at runtime for a bad
// parameter; [7]: at compile time for a literal.
#[tokio::test]
async fn skip_and_limit_by_parameter_fail_at_runtime() {
    let e = engine().await;
    run(&e, "CREATE (:Person {name: 'Steven'}), (:Person {name: 'Craig'})").await;
    let q = "MATCH (p:Person) RETURN p.name AS name SKIP $n";
    assert_eq!(phase(&e, q, params(&[("n", i(-1))])).await, Phase::Runtime(ErrorKind::Semantic));
    assert_eq!(phase(&e, q, params(&[("n", Value::Float(1.5))])).await, Phase::Runtime(ErrorKind::Semantic));
    let q = "MATCH (p:Person) RETURN p.name AS name ORDER BY name LIMIT $n";
    assert_eq!(phase(&e, q, params(&[("n", i(-1))])).await, Phase::Runtime(ErrorKind::Semantic));
    let q = "MATCH (p:Person) RETURN p.name AS name SKIP -1";
    assert!(matches!(phase(&e, q, Map::new()).await, Phase::Compile(ErrorKind::Semantic | ErrorKind::Syntax)));
    let out = super::tests::run_with(
        &e,
        "MATCH (p:Person) RETURN p.name AS n ORDER BY n SKIP $s LIMIT $l",
        params(&[("s", i(1)), ("l", i(5))]),
    )
    .await
    .unwrap();
    assert_eq!(out.rows, vec![vec![s("Steven")]]);
}

// Call1 [7]-[11], Call2 [5]: argument checks against the signature at compile time;
// Call4 [1]: a null argument matches a null input cell.
#[tokio::test]
async fn procedure_arguments_are_checked_at_compile_time() {
    let e = engine().await;
    run(
        &e,
        "CALL orbit.tck.defineProcedure('test.my.proc(name :: STRING?, in :: INTEGER?) :: (out :: STRING?)', ['name', 'in', 'out'], [['a', null, 'nix'], ['a', 1, 'one']])",
    )
    .await;
    assert_eq!(phase(&e, "CALL test.my.proc('a')", Map::new()).await, Phase::Compile(ErrorKind::Semantic));
    assert_eq!(
        phase(&e, "CALL test.my.proc('a', 1, 2) YIELD out RETURN out", Map::new()).await,
        Phase::Compile(ErrorKind::Semantic)
    );
    assert_eq!(phase(&e, "CALL test.my.proc('a', true)", Map::new()).await, Phase::Compile(ErrorKind::Semantic));
    assert_eq!(
        phase(&e, "CALL test.my.proc", params(&[("name", s("a"))])).await,
        Phase::Compile(ErrorKind::ParameterMissing)
    );
    assert_eq!(phase(&e, "RETURN $nope AS x", Map::new()).await, Phase::Compile(ErrorKind::ParameterMissing));
    assert_eq!(run(&e, "CALL test.my.proc('a', null)").await.rows, vec![vec![s("nix")]]);
    assert_eq!(run(&e, "CALL test.my.proc('a', null) YIELD out AS o RETURN o").await.rows, vec![vec![s("nix")]]);
    let out = run(&e, "EXPLAIN RETURN $nope AS x").await;
    assert_eq!(out.fields, vec!["x".to_string()]);
}

// Return2 [15]-[17], Delete1 (DeleteConnectedNode), Set1 [10], Merge1 [17]: runtime errors
// of updating queries come from the stream, with the kinds Neo4j reports.
#[tokio::test]
async fn runtime_errors_of_updating_queries_come_from_next() {
    let e = engine().await;
    run(&e, "CREATE (:A {num: 0})-[:T {num: 1}]->(:B)").await;
    let none = Map::new;
    assert_eq!(
        phase(&e, "MATCH (n:A) DETACH DELETE n RETURN n.num", none()).await,
        Phase::Runtime(ErrorKind::EntityNotFound)
    );
    assert_eq!(
        phase(&e, "MATCH (n:A) DETACH DELETE n RETURN labels(n)", none()).await,
        Phase::Runtime(ErrorKind::EntityNotFound)
    );
    assert_eq!(
        phase(&e, "MATCH ()-[r]->() DELETE r RETURN r.num", none()).await,
        Phase::Runtime(ErrorKind::EntityNotFound)
    );
    assert_eq!(phase(&e, "MATCH (n:A) DELETE n", none()).await, Phase::Runtime(ErrorKind::ConstraintValidation));
    assert_eq!(phase(&e, "MATCH (n:A) SET n.x = [{a: 1}]", none()).await, Phase::Runtime(ErrorKind::Type));
    let merge = phase(&e, "MERGE (n:X {num: null})", none()).await;
    assert_eq!(merge, Phase::Runtime(ErrorKind::SemanticRuntime));
    assert_eq!(
        crate::CypherError::new(ErrorKind::SemanticRuntime, "x").neo4j_code(),
        "Neo.ClientError.Statement.SemanticError"
    );
    assert_eq!(phase(&e, "CREATE (n) RETURN m", none()).await, Phase::Compile(ErrorKind::Semantic));
    assert_eq!(run(&e, "MATCH (n) RETURN count(n)").await.rows, vec![vec![i(2)]], "nothing was changed");
}

// Neo4j: a statement that fails fails its transaction.
#[tokio::test]
async fn a_runtime_failure_fails_the_transaction() {
    let e = engine().await;
    run(&e, "CREATE (:A)-[:T]->(:B)").await;
    let mut tx = e.begin(TxOptions::default()).await.unwrap();
    drain(&mut tx.run("CREATE (:C)", Map::new()).await.unwrap()).await.unwrap();
    let mut failing = tx.run("MATCH (n:A) DELETE n", Map::new()).await.unwrap();
    assert_eq!(drain(&mut failing).await.unwrap_err().kind, ErrorKind::ConstraintValidation);
    drop(failing);
    assert_eq!(tx.run("RETURN 1", Map::new()).await.err().map(|e| e.kind), Some(ErrorKind::Transaction));
    assert_eq!(tx.commit().await.err().map(|e| e.kind), Some(ErrorKind::Transaction));
    assert_eq!(run(&e, "MATCH (c:C) RETURN count(c)").await.rows, vec![vec![i(0)]], "rolled back");
    // also when the failed update's error is never pulled
    let mut tx = e.begin(TxOptions::default()).await.unwrap();
    drain(&mut tx.run("CREATE (:C)", Map::new()).await.unwrap()).await.unwrap();
    drop(tx.run("MATCH (n:A) DELETE n", Map::new()).await.unwrap());
    assert_eq!(tx.commit().await.err().map(|e| e.kind), Some(ErrorKind::Transaction));
    assert_eq!(run(&e, "MATCH (c:C) RETURN count(c)").await.rows, vec![vec![i(0)]], "rolled back");
    // a read query's runtime error (Neo4j: ArithmeticError on PULL) fails it the same way
    let mut tx = e.begin(TxOptions::default()).await.unwrap();
    let mut failing = tx.run("UNWIND [1, 0] AS x RETURN 1 / x AS y", Map::new()).await.unwrap();
    assert_eq!(failing.next().await.unwrap(), Some(vec![i(1)]));
    assert_eq!(failing.next().await.unwrap_err().kind, ErrorKind::Arithmetic);
    assert!(tx.run("RETURN 1", Map::new()).await.is_err());
    tx.rollback().await.unwrap();
}

// WithWhere1 [2]-[4], WithWhere7 [1], TriadicSelection1 [2]: WHERE after WITH sees the
// variables bound before it.
#[tokio::test]
async fn with_where_sees_the_variables_before_the_with() {
    let e = engine().await;
    run(&e, "CREATE ({name2: 'A'}), ({name2: 'A'}), ({name2: 'B'})").await;
    let q = "MATCH (a) WITH a.name2 AS name WHERE a.name2 = 'B' RETURN *";
    assert_eq!(run(&e, q).await.rows, vec![vec![s("B")]]);
    let q = "MATCH (a) WITH DISTINCT a.name2 AS name WHERE a.name2 = 'B' RETURN *";
    assert_eq!(run(&e, q).await.rows, vec![vec![s("B")]]);
    let q = "MATCH (a) WITH a.name2 AS name ORDER BY name LIMIT 2 WHERE a.name2 = 'B' RETURN *";
    assert!(run(&e, q).await.rows.is_empty(), "the WHERE comes after the LIMIT");
    let e = engine().await;
    run(&e, "CREATE (a:A), (b:B {id: 1}), (:B {id: 2}) CREATE (a)-[:T]->(b)").await;
    let q = "MATCH (a:A), (other:B) OPTIONAL MATCH (a)-[r]->(other) WITH other WHERE r IS NULL RETURN other.id";
    assert_eq!(run(&e, q).await.rows, vec![vec![i(2)]]);
    // List12 [3]-[5]: aggregates inside a list comprehension
    let q = "MATCH p = (n:A)-->() WITH [x IN collect(p) | head(nodes(x))] AS p, count(n) AS c RETURN size(p), c";
    assert_eq!(run(&e, q).await.rows, vec![vec![i(1), i(1)]]);
    let q = "MATCH (n:Nope) OPTIONAL MATCH (n)-[r]->(m) RETURN size([x IN collect(r) WHERE x <> null]) AS cn";
    assert_eq!(run(&e, q).await.rows, vec![vec![i(0)]]);
}
