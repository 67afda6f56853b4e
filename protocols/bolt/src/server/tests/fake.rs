//! A small engine for the connection tests (test code only): a few query texts with
//! fixed behaviour, and a log of what the listener asked of it.
//!
//! Queries: `ROWS n` (column `i`, records 1..=n), `RETURN $x` (the parameter back),
//! `SYNTAX` (a compile-time error), `FAIL AT k` (records 1..k-1, then a runtime error),
//! `CREATE` (no records, one node created), `GRAPH` (a node, a relationship and a path),
//! `DATETIME` (a DateTime at +01:00), `DEEP` (a list nested 100 deep), `CONFLICT` (runs,
//! but its transaction fails to commit), `STREAM n` (records 1..=n, then it waits for
//! [`FakeEngine::gate`] before it ends).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use orbit_cypher::engine::TxOptions;
use orbit_cypher::value::{DateTime, Map, NodeValue, PathValue, RelationshipValue, Value, Zone};
use orbit_cypher::{
    CypherEngine, CypherError, CypherResult, CypherTransaction, ErrorKind, QueryKind, QueryStats, QueryStream,
    QuerySummary,
};

#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, entry: impl Into<String>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(entry.into());
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

pub struct FakeEngine {
    pub auth: bool,
    pub log: Log,
    pub gate: Arc<tokio::sync::Notify>,
}

impl FakeEngine {
    pub fn new(auth: bool) -> (Arc<FakeEngine>, Log) {
        let log = Log::default();
        (Arc::new(FakeEngine { auth, log: log.clone(), gate: Arc::default() }), log)
    }
}

#[async_trait]
impl CypherEngine for FakeEngine {
    async fn authenticate(&self, user: &str, password: &str) -> bool {
        user == "neo4j" && password == "secret"
    }

    fn auth_required(&self) -> bool {
        self.auth
    }

    fn default_database(&self) -> &str {
        "neo4j"
    }

    async fn begin(&self, options: TxOptions) -> CypherResult<Box<dyn CypherTransaction>> {
        match options.database.as_deref() {
            None | Some("neo4j") | Some("system") => {}
            Some(other) => {
                return Err(CypherError::new(
                    ErrorKind::DatabaseNotFound,
                    format!("Database does not exist. Database name: '{other}'."),
                ))
            }
        }
        self.log.push(format!("begin {:?} user={:?}", options.mode, options.user));
        Ok(Box::new(FakeTx { log: self.log.clone(), doomed: false, gate: self.gate.clone() }))
    }
}

struct FakeTx {
    log: Log,
    doomed: bool,
    gate: Arc<tokio::sync::Notify>,
}

#[async_trait]
impl CypherTransaction for FakeTx {
    async fn run(&mut self, query: &str, parameters: Map) -> CypherResult<Box<dyn QueryStream>> {
        self.log.push(format!("run {query}"));
        let int = |i: i64| Ok(vec![Value::Int(i)]);
        let mut summary = QuerySummary::default();
        let mut gate = None;
        let (fields, records): (Vec<&str>, Vec<CypherResult<Vec<Value>>>) =
            match query.split_whitespace().collect::<Vec<_>>()[..] {
                ["ROWS", n] => (vec!["i"], (1..=n.parse::<i64>().unwrap_or(0)).map(int).collect()),
                ["RETURN", "$x"] => (vec!["x"], vec![Ok(vec![parameters.get("x").cloned().unwrap_or(Value::Null)])]),
                ["SYNTAX"] => return Err(CypherError::syntax("Invalid input 'SYNTAX'")),
                ["FAIL", "AT", k] => {
                    let k = k.parse::<i64>().unwrap_or(1);
                    let mut records: Vec<_> = (1..k).map(int).collect();
                    records.push(Err(CypherError::new(ErrorKind::Arithmetic, "/ by zero")));
                    (vec!["i"], records)
                }
                ["CREATE"] => {
                    summary.kind = QueryKind::Write;
                    summary.stats = QueryStats { nodes_created: 1, labels_added: 1, ..QueryStats::default() };
                    (vec![], vec![])
                }
                ["GRAPH"] => (vec!["n", "r", "p"], vec![Ok(graph_record())]),
                ["DATETIME"] => {
                    let dt = DateTime { seconds: 1_700_000_000, nanos: 5, zone: Zone::Offset(3600) };
                    (vec!["d"], vec![Ok(vec![Value::DateTime(dt)])])
                }
                ["DEEP"] => {
                    let mut v = Value::Int(1);
                    for _ in 0..100 {
                        v = Value::List(vec![v]);
                    }
                    (vec!["d"], vec![Ok(vec![v])])
                }
                ["STREAM", n] => {
                    gate = Some(self.gate.clone());
                    (vec!["i"], (1..=n.parse::<i64>().unwrap_or(0)).map(int).collect())
                }
                ["CONFLICT"] => {
                    self.doomed = true;
                    (vec![], vec![])
                }
                _ => return Err(CypherError::not_supported(format!("the fake engine does not know {query}"))),
            };
        Ok(Box::new(FakeStream {
            fields: fields.into_iter().map(String::from).collect(),
            records: records.into(),
            summary,
            gate,
        }))
    }

    async fn commit(self: Box<Self>) -> CypherResult<String> {
        if self.doomed {
            self.log.push("commit failed");
            return Err(CypherError::new(ErrorKind::Conflict, "a concurrent transaction wrote the same entry"));
        }
        self.log.push("commit");
        Ok("bm:1".into())
    }

    async fn rollback(self: Box<Self>) -> CypherResult<()> {
        self.log.push("rollback");
        Ok(())
    }
}

struct FakeStream {
    fields: Vec<String>,
    records: VecDeque<CypherResult<Vec<Value>>>,
    summary: QuerySummary,
    gate: Option<Arc<tokio::sync::Notify>>,
}

#[async_trait]
impl QueryStream for FakeStream {
    fn fields(&self) -> &[String] {
        &self.fields
    }

    async fn next(&mut self) -> CypherResult<Option<Vec<Value>>> {
        if self.records.is_empty() {
            if let Some(gate) = self.gate.take() {
                gate.notified().await;
            }
        }
        self.records.pop_front().transpose()
    }

    fn summary(&self) -> QuerySummary {
        self.summary.clone()
    }
}

pub fn node(id: u64, label: &str) -> NodeValue {
    let properties = [("name".to_string(), Value::String(format!("n{id}")))].into_iter().collect();
    NodeValue { id, labels: vec![label.to_string()], properties }
}

pub fn relationship(id: u64, start: u64, end: u64) -> RelationshipValue {
    RelationshipValue { id, ty: "KNOWS".into(), start, end, properties: Map::new() }
}

/// `(1:A)-[7:KNOWS]->(2:B)<-[8:KNOWS]-(3:C)` as a node, a relationship and the path.
fn graph_record() -> Vec<Value> {
    let path = PathValue {
        nodes: vec![node(1, "A"), node(2, "B"), node(3, "C")],
        relationships: vec![relationship(7, 1, 2), relationship(8, 3, 2)],
    };
    vec![Value::Node(node(1, "A")), Value::Relationship(relationship(7, 1, 2)), Value::Path(path)]
}
