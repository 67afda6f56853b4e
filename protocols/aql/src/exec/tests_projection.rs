//! Tests of projected collection loops: which uses of a loop variable let the loop
//! decode only some attributes, and that a projected loop answers what a whole-document
//! one does (ArangoDB's answers for the same queries).

use super::compile::{Catalog, Compiler};
use super::plan::{Plan, PlanOp};
use super::{run_query, QueryOptions, QueryRequest};
use crate::store::{CollectionSpec, CollectionType, DocStore, TxnOptions, WriteOptions};
use crate::value::{json, Object, Value};
use std::sync::Arc;

fn plan(query: &str) -> Plan {
    let catalog = Catalog::default();
    let binds = Object::new();
    let parsed = crate::syntax::parse(query).unwrap();
    Compiler::new(&catalog, &binds).compile(&parsed, false).unwrap()
}

/// The projection of the query's first collection loop (searching subqueries too).
fn projection(query: &str) -> Option<Vec<String>> {
    fn first(p: &Plan) -> Option<Option<Vec<String>>> {
        for op in &p.ops {
            if let PlanOp::ForCollection { project, .. } = op {
                return Some(project.as_ref().map(|f| f.to_vec()));
            }
        }
        let mut found = None;
        p.visit_exprs(&mut |e| {
            if let (None, super::plan::CExpr::Subquery(s)) = (&found, e) {
                found = first(s);
            }
        });
        found
    }
    first(&plan(query)).expect("a collection loop")
}

fn names(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|s| s.to_string()).collect())
}

#[test]
fn attribute_uses_project_and_whole_uses_do_not() {
    assert_eq!(projection("FOR d IN c COLLECT g = d.grp WITH COUNT INTO n RETURN {g, n}"), names(&["grp"]));
    assert_eq!(projection("FOR d IN c FILTER d['v'] > 1 SORT d.w RETURN d.x.y"), names(&["v", "w", "x"]));
    assert_eq!(projection("FOR d IN c COLLECT WITH COUNT INTO n RETURN n"), names(&[]));
    assert_eq!(projection("FOR d IN c RETURN (FOR e IN [1] RETURN d.a + e)"), names(&["a"]));
    assert_eq!(projection("FOR x IN [1] RETURN (FOR e IN c2 RETURN e.z)"), names(&["z"]));
    for whole in [
        "FOR d IN c RETURN d",
        "FOR d IN c RETURN MERGE(d, {a: 1})",
        "FOR d IN c FILTER d.a == 1 RETURN HAS(d, 'b')",
        "FOR d IN c LET k = 'a' RETURN d[k]",
        "FOR d IN c COLLECT g = d.grp INTO rows RETURN rows",
        "FOR d IN c COLLECT g = d.grp INTO rows KEEP d RETURN rows",
        "FOR d IN c RETURN (RETURN d)",
        "FOR d IN c RETURN (FOR x IN [1] COLLECT y = x INTO rows KEEP d RETURN rows)",
        "FOR d IN c REMOVE d IN c",
        "FOR d IN c FOR v IN 1..2 OUTBOUND d e RETURN v",
        "FOR d IN c RETURN d[0]",
    ] {
        assert_eq!(projection(whole), None, "{whole}");
    }
}

async fn store() -> Arc<DocStore> {
    let storage = orbit_storage::KvTableStorage::open(Arc::new(orbit_storage::MemoryEngine::new())).await.unwrap();
    let store = DocStore::open(storage).await.unwrap();
    let ty = CollectionType::Document;
    let options = Value::object([("name", Value::str("c")), ("type", Value::Int(ty as i64))]);
    store.create_collection("_system", CollectionSpec { name: "c".into(), ty, options }).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    for d in [
        r#"{"_key": "a", "grp": "x", "v": 1, "big": {"n": [1, 2, 3]}}"#,
        r#"{"_key": "b", "grp": "y", "v": 2, "big": "text"}"#,
        r#"{"_key": "c", "grp": "x", "v": 3}"#,
    ] {
        txn.insert("c", json::parse(d.as_bytes()).unwrap(), &WriteOptions::default()).await.unwrap();
    }
    txn.commit().await.unwrap();
    store
}

async fn rows(store: &Arc<DocStore>, query: &str) -> Value {
    let request = QueryRequest {
        database: "_system".into(),
        query: query.into(),
        bind_vars: Object::new(),
        options: QueryOptions::default(),
    };
    let mut s = run_query(store, request, None).await.unwrap();
    let mut out = Vec::new();
    while let Some(v) = s.next().await.unwrap() {
        out.push(v);
    }
    Value::Array(out)
}

fn j(text: &str) -> Value {
    json::parse(text.as_bytes()).unwrap()
}

#[tokio::test]
async fn projected_loops_answer_as_whole_ones() {
    let s = store().await;
    let grouped = j(r#"[{"g": "x", "n": 2}, {"g": "y", "n": 1}]"#);
    assert_eq!(rows(&s, "FOR d IN c COLLECT g = d.grp WITH COUNT INTO n RETURN {g, n}").await, grouped);
    assert_eq!(rows(&s, "FOR d IN c COLLECT g = d['grp'] WITH COUNT INTO n RETURN {g, n}").await, grouped);
    assert_eq!(
        rows(&s, "FOR d IN c FILTER d.v >= 2 SORT d.v DESC RETURN [d._key, d._id, d.big, d.missing]").await,
        j(r#"[["c", "c/c", null, null], ["b", "c/b", "text", null]]"#)
    );
    assert_eq!(rows(&s, "FOR d IN c FILTER d.v == 1 RETURN d.big.n[1]").await, j("[2]"));
    assert_eq!(rows(&s, "FOR d IN c COLLECT WITH COUNT INTO n RETURN n").await, j("[3]"));
    let sum = "FOR d IN c COLLECT g = d.grp AGGREGATE t = SUM(d.v) SORT g RETURN [g, t]";
    assert_eq!(rows(&s, sum).await, j(r#"[["x", 4], ["y", 2]]"#));
}

#[tokio::test]
async fn whole_document_uses_read_every_attribute() {
    let s = store().await;
    let whole = rows(&s, "FOR d IN c FILTER d.v == 1 RETURN d").await;
    let Value::Array(docs) = &whole else { panic!("{whole:?}") };
    let doc = docs.first().and_then(|d| d.as_object()).cloned().unwrap_or_default();
    let keys: Vec<&str> = doc.keys().map(String::as_str).collect();
    assert_eq!(keys, ["_key", "_id", "_rev", "grp", "v", "big"]);
    assert_eq!(rows(&s, "FOR d IN c FILTER d.v == 2 RETURN HAS(d, 'big')").await, j("[true]"));
    assert_eq!(rows(&s, "FOR d IN c FILTER d.v == 2 RETURN MERGE(d, {v: 9}).big").await, j(r#"["text"]"#));
    assert_eq!(
        rows(&s, "FOR d IN c COLLECT g = d.grp INTO rows SORT g RETURN rows[*].d.big").await,
        j(r#"[[{"n": [1, 2, 3]}, null], ["text"]]"#)
    );
    assert_eq!(rows(&s, "FOR d IN c FILTER d.v == 2 RETURN (RETURN d.big)[0]").await, j(r#"["text"]"#));
    assert_eq!(rows(&s, "FOR d IN c FILTER d.v == 2 LET k = 'big' RETURN d[k]").await, j(r#"["text"]"#));
}
