//! Unit tests of the executor over a memory-backed store: scoping, bind parameters,
//! COLLECT forms, LIMIT with fullCount, streaming a large scan in pages, index access,
//! modification statistics and stream-transaction use. Expected values are what
//! ArangoDB answers (its documentation's semantics).

use super::{explain, run_query, QueryOptions, QueryRequest, ResultStream};
use crate::error::num;
use crate::store::{CollectionSpec, CollectionType, DocStore, TxnOptions, WriteOptions};
use crate::value::{json, Object, Value};
use std::sync::Arc;

async fn store() -> Arc<DocStore> {
    let storage = orbit_storage::KvTableStorage::open(Arc::new(orbit_storage::MemoryEngine::new())).await.unwrap();
    DocStore::open(storage).await.unwrap()
}

async fn collection(store: &Arc<DocStore>, name: &str, ty: CollectionType, docs: &[&str]) {
    let options = Value::object([("name", Value::str(name)), ("type", Value::Int(ty as i64))]);
    store.create_collection("_system", CollectionSpec { name: name.into(), ty, options }).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    for d in docs {
        txn.insert(name, j(d), &WriteOptions::default()).await.unwrap();
    }
    txn.commit().await.unwrap();
}

fn j(text: &str) -> Value {
    json::parse(text.as_bytes()).unwrap()
}

fn request(query: &str, binds: &str, options: QueryOptions) -> QueryRequest {
    let bind_vars: Object = j(binds).as_object().cloned().unwrap_or_default();
    QueryRequest { database: "_system".into(), query: query.into(), bind_vars, options }
}

async fn all(stream: &mut Box<dyn ResultStream>) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(v) = stream.next().await.unwrap() {
        out.push(v);
    }
    out
}

async fn rows(store: &Arc<DocStore>, query: &str) -> Value {
    let mut s = run_query(store, request(query, "{}", QueryOptions::default()), None).await.unwrap();
    Value::Array(all(&mut s).await)
}

async fn error(store: &Arc<DocStore>, query: &str, binds: &str) -> (u32, String) {
    match run_query(store, request(query, binds, QueryOptions::default()), None).await {
        Ok(mut s) => loop {
            match s.next().await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("{query} succeeded"),
                Err(e) => return (e.num, e.message),
            }
        },
        Err(e) => (e.num, e.message),
    }
}

#[tokio::test]
async fn variables_lets_and_correlated_subqueries() {
    let s = store().await;
    assert_eq!(rows(&s, "FOR x IN [1, 2, 3] LET y = x * 2 FILTER y > 2 RETURN y").await, j("[4, 6]"));
    assert_eq!(rows(&s, "FOR x IN [1, 2] RETURN (FOR y IN [10, 20] RETURN x + y)").await, j("[[11, 21], [12, 22]]"));
    assert_eq!(rows(&s, "RETURN [1, null, 0] ANY == null").await, j("[true]"));
    assert_eq!(rows(&s, "LET a = {b: [{c: 1}, {c: 2}]} RETURN a.b[*].c").await, j("[[1, 2]]"));
    assert_eq!(rows(&s, "RETURN [[1, 2], [3]][**]").await, j("[[1, 2, 3]]"));
    assert_eq!(
        rows(&s, "RETURN [1, 2, 3, 4][* FILTER CURRENT > 1 LIMIT 2 RETURN CURRENT * 10]").await,
        j("[[20, 30]]")
    );
    assert_eq!(rows(&s, "RETURN 'abc'.x").await, j("[null]"));
    assert_eq!(rows(&s, "RETURN 3..1").await, j("[[3, 2, 1]]"));
    assert_eq!(error(&s, "RETURN -9223372036854775807..9223372036854775807", "{}").await.0, 32);
    let q = "FOR i IN 9223372036854775806..9223372036854775807 RETURN i";
    assert_eq!(rows(&s, q).await, j("[9223372036854775806, 9223372036854775807]"));
    assert_eq!(rows(&s, "RETURN 0 ?: 'other'").await, j("[\"other\"]"));
    let distinct = rows(&s, "FOR x IN [1, 1.0, {a: 1, b: 2}, {b: 2, a: 1}, -0, 0, 'a', 'a'] RETURN DISTINCT x").await;
    assert_eq!(distinct.as_array().map(<[Value]>::len), Some(4), "{distinct:?}");
}

#[tokio::test]
async fn and_or_answer_the_deciding_operand() {
    let s = store().await;
    assert_eq!(rows(&s, "RETURN [0 || 'a', 1 && 2, null && 1, 'x' || 1]").await, j("[[\"a\", 2, null, \"x\"]]"));
}

#[tokio::test]
async fn names_binds_and_their_errors() {
    let s = store().await;
    let (n, m) = error(&s, "FOR x IN nowhere RETURN x", "{}").await;
    assert_eq!((n, m.as_str()), (num::DATA_SOURCE_NOT_FOUND, "collection or view not found: nowhere"));
    let (n, m) = error(&s, "RETURN @x", "{}").await;
    assert_eq!(
        (n, m.as_str()),
        (num::QUERY_BIND_PARAMETER_MISSING, "no value specified for declared bind parameter 'x' (while parsing)")
    );
    let (n, m) = error(&s, "RETURN 1", r#"{"x": 1}"#).await;
    assert_eq!(
        (n, m.as_str()),
        (num::QUERY_BIND_PARAMETER_UNDECLARED, "bind parameter 'x' was not declared in the query (while parsing)")
    );
    let (n, _) = error(&s, "FOR x IN @@c RETURN x", r#"{"@c": 12}"#).await;
    assert_eq!(n, num::QUERY_BIND_PARAMETER_TYPE);
    let (n, _) = error(&s, "FOR x IN [1] LET x = 2 RETURN x", "{}").await;
    assert_eq!(n, num::QUERY_VARIABLE_REDECLARED);
    let (n, _) = error(&s, "FOR x IN 12 RETURN x", "{}").await;
    assert_eq!(n, num::QUERY_ARRAY_EXPECTED);
    let mut st = run_query(&s, request("RETURN @v + 1", r#"{"v": 41}"#, QueryOptions::default()), None).await.unwrap();
    assert_eq!(all(&mut st).await, vec![Value::Int(42)]);
    let (n, _) = error(&s, "RETURN MYNS::FN(1)", "{}").await;
    assert_eq!(n, num::NOT_IMPLEMENTED);
}

#[tokio::test]
async fn collect_forms() {
    let s = store().await;
    let data = r#"[{"g": "b", "v": 1}, {"g": "a", "v": 2}, {"g": "b", "v": 3}]"#;
    let q = |body: &str| format!("FOR d IN {data} {body}");
    assert_eq!(rows(&s, &q("COLLECT g = d.g RETURN g")).await, j(r#"["a", "b"]"#));
    assert_eq!(rows(&s, &q("COLLECT g = d.g WITH COUNT INTO n RETURN [g, n]")).await, j(r#"[["a", 1], ["b", 2]]"#));
    assert_eq!(
        rows(&s, &q("COLLECT g = d.g AGGREGATE t = SUM(d.v), m = MAX(d.v) RETURN {g, t, m}")).await,
        j(r#"[{"g": "a", "t": 2, "m": 2}, {"g": "b", "t": 4, "m": 3}]"#)
    );
    assert_eq!(
        rows(&s, &q("COLLECT g = d.g INTO vs = d.v RETURN {g, vs}")).await,
        j(r#"[{"g": "a", "vs": [2]}, {"g": "b", "vs": [1, 3]}]"#)
    );
    assert_eq!(
        rows(&s, &q("LET w = d.v * 2 COLLECT g = d.g INTO grp KEEP w RETURN grp")).await,
        j(r#"[[{"w": 4}], [{"w": 2}, {"w": 6}]]"#)
    );
    assert_eq!(rows(&s, &q("COLLECT g = d.g INTO grp RETURN grp[0].d.v")).await, j("[2, 1]"));
    assert_eq!(rows(&s, "FOR d IN [] COLLECT WITH COUNT INTO n RETURN n").await, j("[0]"));
    assert_eq!(rows(&s, "FOR d IN [] COLLECT AGGREGATE m = MAX(d) RETURN m").await, j("[null]"));
    assert_eq!(rows(&s, "FOR d IN [] COLLECT g = d RETURN g").await, j("[]"));
}

#[tokio::test]
async fn sort_is_stable_and_limit_counts_full() {
    let s = store().await;
    assert_eq!(
        rows(&s, r#"FOR d IN [{"k": 2, "i": 1}, {"k": 1, "i": 2}, {"k": 2, "i": 3}] SORT d.k DESC RETURN d.i"#).await,
        j("[1, 3, 2]")
    );
    let opts = QueryOptions { full_count: true, ..Default::default() };
    let mut st = run_query(&s, request("FOR i IN 1..10 LIMIT 2, 3 RETURN i", "{}", opts), None).await.unwrap();
    assert_eq!(all(&mut st).await, vec![Value::Int(3), Value::Int(4), Value::Int(5)]);
    assert_eq!(st.stats().full_count, Some(10));
    assert_eq!(rows(&s, "FOR i IN 1..5 LIMIT 3, null RETURN i").await, j("[4, 5]"));
    // SORT + LIMIT keeps only the first rows, stably.
    let q = "FOR i IN 1..50000 SORT i % 1000 DESC, i LIMIT 3, 4 RETURN i";
    assert_eq!(rows(&s, q).await, j("[3999, 4999, 5999, 6999]"));
    assert_eq!(rows(&s, "FOR i IN 1..5000 SORT i % 2 LIMIT 2 RETURN i").await, j("[2, 4]"));
}

#[tokio::test]
async fn a_large_scan_is_read_a_page_at_a_time() {
    let s = store().await;
    let options = Value::object([("name", Value::str("big"))]);
    s.create_collection("_system", CollectionSpec { name: "big".into(), ty: CollectionType::Document, options })
        .await
        .unwrap();
    let mut txn = s.begin("_system", TxnOptions::default()).await.unwrap();
    for i in 0..5000 {
        txn.insert("big", Value::object([("n", Value::Int(i))]), &WriteOptions::default()).await.unwrap();
    }
    txn.commit().await.unwrap();
    let txn = Arc::new(tokio::sync::Mutex::new(s.begin("_system", TxnOptions::default()).await.unwrap()));
    let q = request("FOR d IN big RETURN d.n", "{}", QueryOptions::default());
    let mut st = run_query(&s, q, Some(txn.clone())).await.unwrap();
    for _ in 0..10 {
        assert!(st.next().await.unwrap().is_some());
    }
    assert_eq!(st.stats().scanned_full, 10);
    // A document written after the first page was read shows up in a later page: the
    // scan did not read the collection up front.
    txn.lock().await.insert("big", Value::object([("n", Value::Int(5000))]), &WriteOptions::default()).await.unwrap();
    let mut n = 10;
    let mut last = Value::Null;
    while let Some(v) = st.next().await.unwrap() {
        n += 1;
        last = v;
    }
    assert_eq!((n, last), (5001, Value::Int(5000)));
    assert_eq!(st.stats().scanned_full, 5001);
    assert_eq!(rows(&s, "RETURN LENGTH(big)").await, j("[5000]"));
    let mut st =
        run_query(&s, request("FOR d IN big LIMIT 2 RETURN d", "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!(all(&mut st).await.len(), 2);
    assert_eq!(st.stats().scanned_full, 2, "as ArangoDB counts it: the documents the loop produced");
}

#[tokio::test]
async fn modifications_count_their_writes() {
    let s = store().await;
    collection(&s, "users", CollectionType::Document, &[]).await;
    let mut st = run_query(
        &s,
        request("FOR i IN 1..3 INSERT {_key: TO_STRING(i), i} INTO users RETURN NEW.i", "{}", QueryOptions::default()),
        None,
    )
    .await
    .unwrap();
    assert!(st.modified());
    assert_eq!(all(&mut st).await, vec![Value::Int(1), Value::Int(2), Value::Int(3)]);
    assert_eq!((st.stats().writes_executed, st.stats().writes_ignored), (3, 0));
    let q = "FOR i IN 2..4 INSERT {_key: TO_STRING(i)} INTO users OPTIONS {ignoreErrors: true}";
    let st = run_query(&s, request(q, "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!((st.stats().writes_executed, st.stats().writes_ignored), (1, 2));
    let (n, _) = error(&s, "INSERT {_key: '1'} INTO users", "{}").await;
    assert_eq!(n, num::UNIQUE_CONSTRAINT_VIOLATED);
    assert_eq!(rows(&s, "UPDATE '1' WITH {x: 5} IN users RETURN [OLD.x, NEW.x]").await, j("[[null, 5]]"));
    assert_eq!(rows(&s, "REPLACE {_key: '1', y: 1} IN users RETURN [NEW.x, NEW.y]").await, j("[[null, 1]]"));
    assert_eq!(rows(&s, "REMOVE '4' IN users RETURN OLD._key").await, j(r#"["4"]"#));
    assert_eq!(
        rows(&s, "UPSERT {_key: '9'} INSERT {_key: '9', n: 1} UPDATE {n: OLD.n + 1} IN users RETURN NEW.n").await,
        j("[1]")
    );
    assert_eq!(
        rows(&s, "UPSERT {_key: '9'} INSERT {_key: '9', n: 1} UPDATE {n: OLD.n + 1} IN users RETURN NEW.n").await,
        j("[2]")
    );
    assert_eq!(rows(&s, "FOR u IN users SORT u._key RETURN u._key").await, j(r#"["1", "2", "3", "9"]"#));
}

#[tokio::test]
async fn key_and_edge_lookups_use_indexes() {
    let s = store().await;
    collection(&s, "v", CollectionType::Document, &[r#"{"_key": "a"}"#, r#"{"_key": "b"}"#, r#"{"_key": "c"}"#]).await;
    collection(
        &s,
        "e",
        CollectionType::Edge,
        &[r#"{"_from": "v/a", "_to": "v/b"}"#, r#"{"_from": "v/b", "_to": "v/c"}"#],
    )
    .await;
    let q = "FOR d IN v FILTER d._key == 'b' RETURN d._key";
    let mut st = run_query(&s, request(q, "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!(all(&mut st).await, vec![Value::str("b")]);
    assert_eq!(st.stats().scanned_full, 0);
    assert_eq!(rows(&s, "FOR d IN v FILTER d._key IN ['c', 'a'] RETURN d._key").await, j(r#"["c", "a"]"#));
    for odd in ["'a/b'", "''", "'%%% x'", "1", "null", "['a']", "'x'"] {
        let q = format!("FOR d IN v FILTER d._key == {odd} RETURN d._key");
        assert_eq!(rows(&s, &q).await, j("[]"), "{q}");
        let q = format!("FOR d IN v FILTER d._id == {odd} RETURN d._key");
        assert_eq!(rows(&s, &q).await, j("[]"), "{q}");
    }
    assert_eq!(rows(&s, "FOR d IN v FILTER d._id == 'v/a' RETURN d._key").await, j(r#"["a"]"#));
    assert_eq!(rows(&s, "FOR d IN v FILTER d._key IN ['a', 'a', 'zz/z', 3] RETURN d._key").await, j(r#"["a"]"#));
    assert_eq!(rows(&s, "FOR x IN e FILTER x._from == 'v/b' RETURN x._to").await, j(r#"["v/c"]"#));
    let plan = explain(&s, request(q, "{}", QueryOptions::default())).await.unwrap();
    let types: Vec<String> = plan
        .get("plan")
        .and_then(|p| p.get("nodes"))
        .and_then(Value::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(|n| n.get("type").and_then(Value::as_str).map(str::to_string))
        .collect();
    assert_eq!(types.first().map(String::as_str), Some("SingletonNode"));
    assert!(types.iter().any(|t| t == "IndexNode"), "{types:?}");
    assert_eq!(types.last().map(String::as_str), Some("ReturnNode"));
    assert_eq!(rows(&s, "FOR x IN 1..2 OUTBOUND 'v/a' e RETURN x._key").await, j(r#"["b", "c"]"#));
}

#[tokio::test]
async fn a_query_in_a_stream_transaction_sees_its_writes_and_leaves_it_open() {
    let s = store().await;
    collection(&s, "t", CollectionType::Document, &[]).await;
    let txn = Arc::new(tokio::sync::Mutex::new(s.begin("_system", TxnOptions::default()).await.unwrap()));
    let q = request("INSERT {_key: 'k'} INTO t", "{}", QueryOptions::default());
    run_query(&s, q, Some(txn.clone())).await.unwrap();
    let q = request("FOR d IN t RETURN d._key", "{}", QueryOptions::default());
    let mut st = run_query(&s, q, Some(txn.clone())).await.unwrap();
    assert_eq!(all(&mut st).await, vec![Value::str("k")]);
    drop(st);
    assert_eq!(rows(&s, "FOR d IN t RETURN d._key").await, j("[]"));
    let txn = Arc::try_unwrap(txn).ok().unwrap().into_inner();
    txn.commit().await.unwrap();
    assert_eq!(rows(&s, "FOR d IN t RETURN d._key").await, j(r#"["k"]"#));
}

#[tokio::test]
async fn max_runtime_kills_the_query() {
    let s = store().await;
    let opts = QueryOptions { max_runtime: Some(0.05), ..Default::default() };
    let q = request("FOR a IN 1..100000000 FILTER a < 0 RETURN a", "{}", opts);
    let mut st = run_query(&s, q, None).await.unwrap();
    let e = st.next().await.unwrap_err();
    assert_eq!(e.num, num::QUERY_KILLED);
}

#[tokio::test]
async fn persistent_indexes_serve_equality_ranges_and_sort() {
    let s = store().await;
    let docs = [
        r#"{"_key": "1", "a": 3, "b": "x"}"#,
        r#"{"_key": "2", "a": "text", "b": "y"}"#,
        r#"{"_key": "3", "a": null, "b": "x"}"#,
        r#"{"_key": "4", "b": "z"}"#,
        r#"{"_key": "5", "a": [1], "b": "x"}"#,
        r#"{"_key": "6", "a": -2.5, "b": "y"}"#,
        r#"{"_key": "7", "a": true, "b": "x"}"#,
        r#"{"_key": "8", "a": {"o": 1}, "b": "y"}"#,
        r#"{"_key": "9", "a": 10, "b": "x"}"#,
    ];
    collection(&s, "p", CollectionType::Document, &docs).await;
    s.create_index("_system", "p", &j(r#"{"type": "persistent", "fields": ["a"]}"#)).await.unwrap();
    s.create_index("_system", "p", &j(r#"{"type": "persistent", "fields": ["b", "a"]}"#)).await.unwrap();
    let by_sort = rows(&s, "FOR d IN (FOR x IN p RETURN x) SORT d.a RETURN d._key").await;
    let mut st =
        run_query(&s, request("FOR d IN p SORT d.a RETURN d._key", "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!(Value::Array(all(&mut st).await), by_sort, "an index-served SORT keeps AQL's value order");
    assert_eq!((st.stats().scanned_full, st.stats().scanned_index), (0, 9));
    let desc = rows(&s, "FOR d IN p SORT d.a DESC LIMIT 2 RETURN d._key").await;
    assert_eq!(desc, j(r#"["8", "5"]"#));
    let q = "FOR d IN p FILTER d.b == 'x' AND d.a > 2 SORT d.a RETURN d._key";
    let mut st = run_query(&s, request(q, "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!(Value::Array(all(&mut st).await), j(r#"["1", "9", "5"]"#));
    assert_eq!(st.stats().scanned_full, 0);
    let plan = explain(&s, request(q, "{}", QueryOptions::default())).await.unwrap();
    let text = json::to_json_string(&plan);
    assert!(text.contains("\"persistent\"") && !text.contains("SortNode"), "{text}");
    let q = "FOR d IN p FILTER d.a IN [10, 'text', 10, 99] RETURN d._key";
    let mut st = run_query(&s, request(q, "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!(Value::Array(all(&mut st).await), j(r#"["9", "2"]"#));
    assert_eq!((st.stats().scanned_full, st.stats().scanned_index), (0, 2));
}

#[tokio::test]
async fn dynamic_calls_and_refused_functions() {
    let s = store().await;
    assert_eq!(rows(&s, r#"RETURN CALL("SUBSTRING", "this is a test", 0, 4)"#).await, j(r#"["this"]"#));
    assert_eq!(rows(&s, r#"RETURN APPLY("substring", ["this is a test", 0, 7])"#).await, j(r#"["this is"]"#));
    let (n, m) = error(&s, r#"RETURN CALL("DOCUMENT", "x/y")"#, "{}").await;
    assert_eq!((n, m.as_str()), (1578, "disallowed dynamic call to 'DOCUMENT'"));
    for q in ["RETURN TOKENS('a b', 'text_en')", "RETURN V8(1)", "FOR d IN FULLTEXT(x, 'a', 'b') RETURN d"] {
        assert_eq!(error(&s, q, "{}").await.0, num::NOT_IMPLEMENTED, "{q}");
    }
    assert_eq!(rows(&s, "RETURN [CURRENT_DATABASE(), CURRENT_USER()]").await, j(r#"[["_system", null]]"#));
}

#[tokio::test]
async fn upsert_finds_its_document_through_a_persistent_index() {
    let s = store().await;
    collection(&s, "u", CollectionType::Document, &[r#"{"name": "a", "n": 1}"#, r#"{"name": "b", "n": 1}"#]).await;
    s.create_index("_system", "u", &j(r#"{"type": "persistent", "fields": ["name"]}"#)).await.unwrap();
    let q = "FOR x IN ['b', 'c'] UPSERT {name: x} INSERT {name: x, n: 1} UPDATE {n: OLD.n + 1} IN u RETURN [x, NEW.n]";
    let mut st = run_query(&s, request(q, "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!(Value::Array(all(&mut st).await), j(r#"[["b", 2], ["c", 1]]"#));
    assert_eq!((st.stats().scanned_full, st.stats().writes_executed), (0, 2));
    assert_eq!(rows(&s, "FOR x IN u SORT x.name RETURN [x.name, x.n]").await, j(r#"[["a", 1], ["b", 2], ["c", 1]]"#));
}

#[tokio::test]
async fn traversal_options_are_checked() {
    let s = store().await;
    collection(&s, "v", CollectionType::Document, &[r#"{"_key": "a"}"#, r#"{"_key": "b"}"#]).await;
    collection(
        &s,
        "e",
        CollectionType::Edge,
        &[r#"{"_from": "v/a", "_to": "v/b"}"#, r#"{"_from": "v/b", "_to": "v/a"}"#],
    )
    .await;
    let q = "FOR x IN 1..5 OUTBOUND 'v/a' e OPTIONS {uniqueVertices: 'global'} RETURN x._key";
    assert_eq!(error(&s, q, "{}").await.0, num::BAD_PARAMETER);
    let q = "FOR x IN 1..5 OUTBOUND 'v/a' e OPTIONS {uniqueVertices: 'global', order: 'bfs'} RETURN x._key";
    assert_eq!(rows(&s, q).await, j(r#"["b"]"#));
    let q = "FOR x IN 1..5 OUTBOUND 'v/a' e OPTIONS {uniqueVertices: 'path'} RETURN x._key";
    assert_eq!(rows(&s, q).await, j(r#"["b"]"#));
    let q = "FOR x, y, p IN 1..4 OUTBOUND 'v/a' e RETURN LENGTH(p.edges)";
    assert_eq!(rows(&s, q).await, j("[1, 2]"), "edges are unique per path by default");
}

#[tokio::test]
async fn a_collection_where_a_value_is_expected_is_refused() {
    let s = store().await;
    collection(&s, "c", CollectionType::Document, &[r#"{"_key": "a"}"#]).await;
    let (n, m) = error(&s, "FOR d IN c RETURN c", "{}").await;
    assert_eq!(
        (n, m.as_str()),
        (num::QUERY_COLLECTION_USED_IN_EXPRESSION, "collection 'c' used as expression operand")
    );
    assert_eq!(error(&s, "RETURN nope", "{}").await.0, num::DATA_SOURCE_NOT_FOUND);
    assert_eq!(
        rows(&s, "RETURN [LENGTH(c), COUNT(c), COLLECTION_COUNT(c), DOCUMENT(c, 'a')._key]").await,
        j(r#"[[1, 1, 1, "a"]]"#)
    );
}

#[tokio::test]
async fn write_errors_name_their_node() {
    let s = store().await;
    collection(&s, "products", CollectionType::Document, &[]).await;
    let (n, m) = error(&s, "REMOVE 'foo' IN products", "{}").await;
    assert_eq!(
        (n, m.as_str()),
        (num::DOCUMENT_NOT_FOUND, "AQL: document not found [node #3: RemoveNode] (while executing)")
    );
}

#[test]
fn deeply_nested_queries_run_within_a_worker_stack() {
    // A tokio worker thread's default stack is 2 MiB.
    let worker = std::thread::Builder::new().stack_size(2 * 1024 * 1024);
    let handle = worker
        .spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let s = store().await;
                let sum = |d: usize| format!("RETURN {}1{}", "(1 + ".repeat(d), ")".repeat(d));
                let arrays = |d: usize| format!("RETURN LENGTH({}1{})", "[".repeat(d), "]".repeat(d));
                let sub = |d: usize| format!("{}RETURN 1{}", "FOR x IN (".repeat(d), ") RETURN x".repeat(d));
                let n = super::compile::MAX_NESTING;
                assert_eq!(rows(&s, &sum(n - 4)).await, Value::Array(vec![Value::Int(n as i64 - 3)]));
                assert_eq!(rows(&s, &arrays(n - 4)).await, j("[1]"));
                assert_eq!(rows(&s, &sub(n / 2 - 1)).await, j("[1]"));
                // Deeper than the executor runs, as deep as the parser accepts: refused, not a crash.
                for deep in [sum(95), arrays(150), sub(90)] {
                    if crate::syntax::parse(&deep).is_ok() {
                        assert_eq!(error(&s, &deep, "{}").await.0, 1524);
                    }
                }
            })
        })
        .unwrap();
    handle.join().expect("the nested queries ran without overflowing the stack");
}

#[tokio::test]
async fn a_loop_over_the_collection_it_writes_meets_each_document_once() {
    let s = store().await;
    collection(&s, "w", CollectionType::Document, &[]).await;
    s.create_index("_system", "w", &j(r#"{"type": "persistent", "fields": ["n"]}"#)).await.unwrap();
    // More documents than one storage page, so the loop reads pages after its writes.
    let opts = QueryOptions { max_runtime: Some(20.0), ..Default::default() };
    let st = run_query(&s, request("FOR i IN 1..1500 INSERT {n: i} INTO w", "{}", opts.clone()), None).await.unwrap();
    assert_eq!(st.stats().writes_executed, 1500);
    let st = run_query(&s, request("FOR d IN w UPDATE d WITH {n: d.n + 10000} IN w", "{}", opts.clone()), None)
        .await
        .unwrap();
    assert_eq!(st.stats().writes_executed, 1500);
    let q = "FOR d IN w FILTER d.n > 5 UPDATE d WITH {n: d.n + 10000} IN w";
    let st = run_query(&s, request(q, "{}", opts.clone()), None).await.unwrap();
    assert_eq!(st.stats().writes_executed, 1500);
    let st = run_query(&s, request("FOR d IN w INSERT {n: d.n} INTO w", "{}", opts), None).await.unwrap();
    assert_eq!(st.stats().writes_executed, 1500);
    assert_eq!(
        rows(&s, "FOR d IN w COLLECT AGGREGATE lo = MIN(d.n), hi = MAX(d.n), n = COUNT(1) RETURN [lo, hi, n]").await,
        j("[[20001, 21500, 3000]]")
    );
}

#[tokio::test]
async fn path_searches_find_the_shortest_paths() {
    let s = store().await;
    let keys = ["a", "b", "c", "d", "e", "t", "x"];
    let docs: Vec<String> = keys.iter().map(|k| format!(r#"{{"_key": "{k}"}}"#)).collect();
    collection(&s, "v", CollectionType::Document, &docs.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let edges =
        [("a", "b", 1), ("b", "c", 1), ("c", "d", 1), ("d", "e", 1), ("e", "t", 1), ("a", "x", 10), ("x", "t", 10)];
    let docs: Vec<String> =
        edges.iter().map(|(f, t, w)| format!(r#"{{"_from": "v/{f}", "_to": "v/{t}", "w": {w}}}"#)).collect();
    collection(&s, "e", CollectionType::Edge, &docs.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let q = "FOR v IN OUTBOUND SHORTEST_PATH 'v/a' TO 'v/t' e RETURN v._key";
    assert_eq!(rows(&s, q).await, j(r#"["a", "x", "t"]"#));
    let q = "FOR v IN OUTBOUND SHORTEST_PATH 'v/a' TO 'v/t' e OPTIONS {weightAttribute: 'w'} RETURN v._key";
    assert_eq!(rows(&s, q).await, j(r#"["a", "b", "c", "d", "e", "t"]"#));
    let q = "FOR p IN OUTBOUND K_SHORTEST_PATHS 'v/a' TO 'v/t' e RETURN [LENGTH(p.edges), p.weight]";
    assert_eq!(rows(&s, q).await, j("[[2, 2], [5, 5]]"));
    let q = "FOR p IN OUTBOUND K_SHORTEST_PATHS 'v/a' TO 'v/t' e OPTIONS {weightAttribute: 'w'} RETURN p.weight";
    assert_eq!(rows(&s, q).await, j("[5, 20]"));
    let q = "FOR p IN 1..10 OUTBOUND K_PATHS 'v/a' TO 'v/t' e RETURN LENGTH(p.edges)";
    assert_eq!(rows(&s, q).await, j("[2, 5]"));
    let q = "FOR p IN 3..10 OUTBOUND K_PATHS 'v/a' TO 'v/t' e RETURN LENGTH(p.edges)";
    assert_eq!(rows(&s, q).await, j("[5]"));
    let q = "FOR p IN 4..2 OUTBOUND K_PATHS 'v/a' TO 'v/t' e RETURN LENGTH(p.edges)";
    assert_eq!(rows(&s, q).await, j("[]"));
    let q = "FOR p IN 0..3 ANY K_PATHS 'v/a' TO 'v/a' e RETURN LENGTH(p.edges)";
    assert_eq!(rows(&s, q).await, j("[0]"));
    let q = "FOR p IN INBOUND ALL_SHORTEST_PATHS 'v/t' TO 'v/a' e RETURN p.vertices[*]._key";
    assert_eq!(rows(&s, q).await, j(r#"[["t", "x", "a"]]"#));
    let q = "FOR v IN ANY SHORTEST_PATH 'v/t' TO 'v/c' e RETURN v._key";
    assert_eq!(rows(&s, q).await, j(r#"["t", "e", "d", "c"]"#));
    assert_eq!(rows(&s, "FOR v IN OUTBOUND SHORTEST_PATH 'v/t' TO 'v/a' e RETURN v").await, j("[]"));
    let q = "FOR v, x, p IN 1..10 OUTBOUND 'v/a' e OPTIONS {order: 'weighted', weightAttribute: 'w', uniqueVertices: 'global'} RETURN [v._key, p.weights[-1]]";
    assert_eq!(rows(&s, q).await, j(r#"[["b", 1], ["c", 2], ["d", 3], ["e", 4], ["t", 5], ["x", 10]]"#));
}

#[tokio::test]
async fn a_traversal_streams_so_limit_stops_it() {
    let s = store().await;
    collection(&s, "v", CollectionType::Document, &[r#"{"_key": "a"}"#, r#"{"_key": "b"}"#, r#"{"_key": "c"}"#]).await;
    let edges = [
        r#"{"_from": "v/a", "_to": "v/b"}"#,
        r#"{"_from": "v/b", "_to": "v/c"}"#,
        r#"{"_from": "v/c", "_to": "v/a"}"#,
        r#"{"_from": "v/a", "_to": "v/c"}"#,
    ];
    collection(&s, "e", CollectionType::Edge, &edges).await;
    // Billions of walks; the first five come at once.
    let q = "FOR x IN 1..40 ANY 'v/a' e OPTIONS {uniqueEdges: 'none'} LIMIT 5 RETURN x._key";
    let opts = QueryOptions { max_runtime: Some(10.0), ..Default::default() };
    let mut st = run_query(&s, request(q, "{}", opts), None).await.unwrap();
    assert_eq!(all(&mut st).await.len(), 5);
}

#[tokio::test]
async fn warnings_are_reported_or_fail_the_query() {
    let s = store().await;
    let mut st =
        run_query(&s, request("FOR i IN 1..3 RETURN i / 0", "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!(Value::Array(all(&mut st).await), j("[null, null, null]"));
    let w = st.warnings();
    assert_eq!(
        (w.len(), w[0].code, w[0].message.as_str()),
        (3, num::QUERY_DIVISION_BY_ZERO, "in operator /: division by zero")
    );
    let opts = QueryOptions { max_warning_count: Some(1), ..Default::default() };
    let mut st = run_query(&s, request("FOR i IN 1..3 RETURN i / 0", "{}", opts), None).await.unwrap();
    all(&mut st).await;
    assert_eq!(st.warnings().len(), 1);
    let opts = QueryOptions { fail_on_warning: true, ..Default::default() };
    let mut st = run_query(&s, request("FOR i IN 1..2 RETURN i / 0", "{}", opts.clone()), None).await.unwrap();
    assert_eq!(st.next().await.unwrap_err().num, num::QUERY_DIVISION_BY_ZERO);
    // A constant division is folded when the query is compiled, with the optimizer's text.
    let e = run_query(&s, request("RETURN 1 / 0", "{}", opts), None).await.err().map(|e| (e.num, e.message));
    assert_eq!(e, Some((num::QUERY_DIVISION_BY_ZERO, "division by zero".to_string())));
    let plan = explain(&s, request("FOR i IN 1..10 RETURN 1 / 0", "{}", QueryOptions::default())).await.unwrap();
    assert_eq!(plan.get("warnings"), Some(&j(r#"[{"code": 1562, "message": "division by zero"}]"#)));
}

#[tokio::test]
async fn windows_over_many_rows() {
    let s = store().await;
    let q = "FOR i IN 1..20000 WINDOW {preceding: 'unbounded', following: 0} AGGREGATE s = SUM(i) FILTER i == 20000 RETURN s";
    assert_eq!(rows(&s, q).await, j("[200010000]"));
    let q = "FOR i IN 1..10 WINDOW i WITH {preceding: 2, following: 1} AGGREGATE s = SUM(i) RETURN s";
    assert_eq!(rows(&s, q).await, j("[3, 6, 10, 14, 18, 22, 26, 30, 34, 27]"));
    let q = "FOR i IN [3, 1, 2] WINDOW {preceding: 1, following: 'unbounded'} AGGREGATE v = PUSH(i) RETURN v";
    assert_eq!(rows(&s, q).await, j("[[3, 1, 2], [3, 1, 2], [1, 2]]"));
}

#[tokio::test]
async fn an_independent_subquery_runs_once() {
    let s = store().await;
    collection(&s, "c", CollectionType::Document, &[r#"{"_key": "a"}"#, r#"{"_key": "b"}"#]).await;
    let q = "FOR x IN 1..3 LET s = (FOR d IN c RETURN d._key) RETURN [x, s]";
    let mut st = run_query(&s, request(q, "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!(Value::Array(all(&mut st).await), j(r#"[[1, ["a", "b"]], [2, ["a", "b"]], [3, ["a", "b"]]]"#));
    assert_eq!(st.stats().scanned_full, 2);
    let q = "FOR x IN 1..3 LET s = (FOR d IN c FILTER x > 1 RETURN d._key) RETURN LENGTH(s)";
    let mut st = run_query(&s, request(q, "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!(Value::Array(all(&mut st).await), j("[0, 2, 2]"));
    assert_eq!(st.stats().scanned_full, 6, "a correlated subquery runs for every row");
}

#[tokio::test]
async fn a_subquery_may_not_write_what_its_outer_query_reads() {
    let s = store().await;
    collection(&s, "c", CollectionType::Document, &[r#"{"_key": "a"}"#]).await;
    collection(&s, "o", CollectionType::Document, &[]).await;
    let (n, m) = error(&s, "FOR d IN c LET x = (INSERT {} INTO c) RETURN d", "{}").await;
    assert_eq!(
        (n, m.as_str()),
        (num::QUERY_ACCESS_AFTER_MODIFICATION, "access after data-modification by collection 'c'")
    );
    let st = run_query(
        &s,
        request("FOR d IN c LET x = (INSERT {k: d._key} INTO o) RETURN d", "{}", QueryOptions::default()),
        None,
    )
    .await
    .unwrap();
    assert_eq!(st.stats().writes_executed, 1);
    let st = run_query(&s, request("WITH c INSERT {} INTO c", "{}", QueryOptions::default()), None).await.unwrap();
    assert_eq!(st.stats().writes_executed, 1);
}

#[tokio::test]
async fn odd_queries_answer_without_panicking() {
    let s = store().await;
    collection(&s, "v", CollectionType::Document, &[r#"{"_key": "a", "x": [1, {"y": 2}]}"#]).await;
    collection(&s, "e", CollectionType::Edge, &[r#"{"_from": "v/a", "_to": "v/zz"}"#]).await;
    let queries = [
        "RETURN [][-1]",
        "RETURN [1, 2][-3]",
        "RETURN [1, 2][9223372036854775807]",
        "RETURN [1, 2][-9223372036854775807]",
        "RETURN {a: 1}[1]",
        "RETURN null[*].a",
        "RETURN [[1]][***]",
        "RETURN [1, 2][* LIMIT -1, -5]",
        "RETURN [1, 2][* LIMIT 1e30]",
        "FOR i IN 1..3 LIMIT -1 RETURN i",
        "FOR i IN 1..3 LIMIT 1e300 RETURN i",
        "FOR i IN 1..3 LIMIT 'x' RETURN i",
        "FOR i IN 1..3 SORT {} RETURN i",
        "FOR i IN 1..3 COLLECT a = i INTO g = g RETURN a",
        "FOR i IN 1..3 WINDOW {preceding: -1} AGGREGATE s = SUM(i) RETURN s",
        "FOR i IN 1..3 WINDOW {preceding: 'P1Y'} AGGREGATE s = SUM(i) RETURN s",
        "FOR i IN 1..3 WINDOW i WITH {preceding: 'PT'} AGGREGATE s = SUM(i) RETURN s",
        "FOR i IN 1..3 WINDOW i WITH {preceding: 1e308, following: 1e308} AGGREGATE s = SUM(i) RETURN s",
        "FOR x IN -5..-1 OUTBOUND 'v/a' e RETURN x",
        "FOR x IN 1..99999999999 OUTBOUND 'v/a' e RETURN x",
        "FOR x IN 1..2 OUTBOUND 'nope' e RETURN x",
        "FOR x IN 1..2 OUTBOUND 12 e RETURN x",
        "FOR x IN 1..2 OUTBOUND 'v/a' GRAPH 'none' RETURN x",
        "FOR x IN 1..2 OUTBOUND 'v/a' GRAPH 12 RETURN x",
        "FOR x IN 1..2 OUTBOUND 'v/a' e OPTIONS {uniqueVertices: 12} RETURN x",
        "FOR x IN OUTBOUND SHORTEST_PATH 'v/a' TO 'v/zz' e RETURN x",
        "FOR x IN OUTBOUND SHORTEST_PATH 'v/a' TO 'v/a' e OPTIONS {weightAttribute: 'w', defaultWeight: -1} RETURN x",
        "FOR p IN OUTBOUND K_SHORTEST_PATHS 'v/a' TO 'v/a' e RETURN p",
        "FOR p IN 0..0 OUTBOUND K_PATHS 'v/a' TO 'v/a' e RETURN p",
        "FOR p IN ANY ALL_SHORTEST_PATHS 'v/a' TO 'v/zz' e RETURN p",
        "INSERT 12 INTO v",
        "INSERT {_key: ''} INTO v",
        "UPDATE 12 WITH {} IN v",
        "UPDATE {} WITH {} IN v",
        "REMOVE [] IN v",
        "REPLACE 'a' WITH 12 IN v",
        "UPSERT {_key: 12} INSERT {} UPDATE {} IN v",
        "INSERT {} INTO v OPTIONS {overwriteMode: 'sometimes'}",
        "INSERT {} INTO v OPTIONS 12",
        "FOR d IN v FILTER d._key IN 'a' RETURN d",
        "FOR d IN e FILTER d._from == {} RETURN d",
        "RETURN DOCUMENT()",
        "RETURN DOCUMENT(12)",
        "RETURN DOCUMENT(v, [12, null, 'v/a', 'a'])",
        "RETURN DOCUMENT('/')",
        "RETURN CALL()",
        "RETURN APPLY('CONCAT', 12)",
        "RETURN LENGTH(v) + COUNT(e)",
        "RETURN COLLECTION_COUNT('nope')",
        "RETURN SCHEMA_GET('v')",
        "RETURN 1 < 2 < 3 ? 'a' : 'b'",
        "RETURN -(-9223372036854775807 - 1)",
        "RETURN [1, 2] AT LEAST (-1) == 1",
        "RETURN [1, 2] AT LEAST (1e40) IN [1]",
    ];
    for q in queries {
        let _ =
            match run_query(&s, request(q, "{}", QueryOptions { max_runtime: Some(5.0), ..Default::default() }), None)
                .await
            {
                Ok(mut st) => {
                    let mut n = 0;
                    while let Ok(Some(_)) = st.next().await {
                        n += 1;
                    }
                    Ok(n)
                }
                Err(e) => Err(e),
            };
    }
}

#[tokio::test]
async fn update_with_push_appends_once_as_the_cursor_transcript_shows() {
    let s = store().await;
    let docs = [r#"{"_key": "test", "arr": [1, 2, 3]}"#, r#"{"_key": "other", "arr": []}"#];
    collection(&s, "documents", CollectionType::Document, &docs).await;
    let q = "FOR doc IN documents FILTER doc._key == @myKey UPDATE doc._key WITH { arr: PUSH(doc.arr, @value) } \
             IN documents RETURN NEW";
    let mut st =
        run_query(&s, request(q, r#"{"myKey": "test", "value": 42}"#, QueryOptions::default()), None).await.unwrap();
    let got = all(&mut st).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].get("arr"), Some(&j("[1, 2, 3, 42]")));
    assert_eq!(got[0].get("_id"), Some(&Value::str("documents/test")));
    let stats = st.stats();
    assert_eq!((stats.writes_executed, stats.scanned_full, stats.scanned_index, stats.filtered), (1, 0, 1, 0));
    assert_eq!(rows(&s, "FOR d IN documents SORT d._key RETURN d.arr").await, j("[[], [1, 2, 3, 42]]"));
}

#[tokio::test]
async fn a_loop_that_removes_what_it_reads_filters_nothing() {
    let s = store().await;
    collection(&s, "products", CollectionType::Document, &[r#"{"_key": "a"}"#, r#"{"_key": "b"}"#]).await;
    let st = run_query(&s, request("FOR p IN products REMOVE p IN products", "{}", QueryOptions::default()), None)
        .await
        .unwrap();
    let stats = st.stats();
    assert_eq!((stats.writes_executed, stats.filtered), (2, 0));
    assert_eq!(rows(&s, "FOR p IN products RETURN p").await, j("[]"));
}

#[tokio::test]
async fn limits_after_filters_read_across_growing_pages() {
    let s = store().await;
    collection(&s, "c", CollectionType::Document, &[]).await;
    s.create_index("_system", "c", &j(r#"{"type": "persistent", "fields": ["grp"]}"#)).await.unwrap();
    rows(&s, "FOR i IN 0..2999 INSERT {n: i, grp: i % 2, pad: {x: [i, 'y']}} INTO c").await;
    let q = "FOR d IN c FILTER d.grp == 1 FILTER d.n % 7 == 0 LIMIT 3, 50 RETURN d";
    let mut st = run_query(&s, request(q, "{}", QueryOptions::default()), None).await.unwrap();
    let got = all(&mut st).await;
    assert_eq!(got.len(), 50);
    let mut ns: Vec<i64> = got
        .iter()
        .filter_map(|d| match d.get("n") {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        })
        .collect();
    assert!(ns.iter().all(|n| n % 2 == 1 && n % 7 == 0));
    assert!(got.iter().all(|d| d.get("pad").and_then(|p| p.get("x")).is_some()), "whole documents returned");
    ns.sort_unstable();
    ns.dedup();
    assert_eq!(ns.len(), 50);
    assert_eq!(st.stats().scanned_full, 0);
    let q = "FOR d IN c LIMIT 1500 RETURN d.pad.x[1]";
    let mut st = run_query(&s, request(q, "{}", QueryOptions::default()), None).await.unwrap();
    let got = all(&mut st).await;
    assert_eq!((got.len(), st.stats().scanned_full), (1500, 1500));
    assert!(got.iter().all(|v| *v == Value::str("y")));
    let q = "FOR d IN c FILTER d.n >= 2990 SORT d.n RETURN DISTINCT d.grp";
    assert_eq!(rows(&s, q).await, j("[0, 1]"));
    assert_eq!(rows(&s, "FOR d IN c FILTER d.n == 5 RETURN d.pad.x").await, j(r#"[[5, "y"]]"#));
    assert_eq!(rows(&s, "FOR d IN c FILTER d.n == 5 RETURN d.nothing.deeper").await, j("[null]"));
}
