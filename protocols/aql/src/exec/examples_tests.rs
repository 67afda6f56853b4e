//! Every AQL example of ArangoDB 3.12's documentation, recorded against a real server
//! (../shared/arangodb-examples/aql-examples.json), run through [`super::run_query`]
//! over a memory-backed store with the example's dataset loaded, and its result compared
//! structurally with the recording: objects as maps, numbers by value, `_rev` and
//! generated keys/ids ignored, as multisets where the recorded order is unspecified.
//! Examples whose functions are nondeterministic (RAND, UUID, ...) are skipped.
//!
//! `examples_ratchet.txt` beside this file holds the number that must pass at least and
//! the names known to fail; an example outside that list that fails is a regression.
//! `AQL_EXAMPLES_WRITE=1` rewrites the file from the current run.

use super::{run_query, QueryOptions, QueryRequest};
use crate::store::{CollectionSpec, CollectionType, DocStore, TxnOptions, WriteOptions};
use crate::value::{compare::compare, json, Value};
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

fn shared(file: &str) -> String {
    format!("{}/../../../shared/arangodb-examples/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn load(path: &str) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    json::parse(&bytes).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

async fn store_with(dataset: Option<&Value>) -> Result<Arc<DocStore>, String> {
    let storage = orbit_storage::KvTableStorage::open(Arc::new(orbit_storage::MemoryEngine::new()))
        .await
        .map_err(|e| e.to_string())?;
    let store = DocStore::open(storage).await.map_err(|e| e.to_string())?;
    let Some(ds) = dataset else { return Ok(store) };
    let db = "_system";
    let collections = ds.get("collections").and_then(Value::as_array).unwrap_or(&[]);
    for c in collections {
        let name = c.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        let edge = c.get("type").and_then(Value::as_str) == Some("edge");
        let ty = if edge { CollectionType::Edge } else { CollectionType::Document };
        let options = Value::object([("name", Value::str(name.clone())), ("type", Value::Int(ty as i64))]);
        store
            .create_collection(db, CollectionSpec { name: name.clone(), ty, options })
            .await
            .map_err(|e| e.to_string())?;
        for index in c.get("indexes").and_then(Value::as_array).unwrap_or(&[]) {
            store.create_index(db, &name, index).await.map_err(|e| format!("index on {name}: {e}"))?;
        }
    }
    let mut txn = store.begin(db, TxnOptions::default()).await.map_err(|e| e.to_string())?;
    for c in collections {
        let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
        for doc in c.get("documents").and_then(Value::as_array).unwrap_or(&[]) {
            txn.insert(name, doc.clone(), &WriteOptions::default()).await.map_err(|e| format!("{name}: {e}"))?;
        }
    }
    for g in ds.get("graphs").and_then(Value::as_array).unwrap_or(&[]) {
        let mut doc = crate::value::Object::new();
        doc.insert("_key".into(), g.get("name").cloned().unwrap_or_default());
        doc.insert("edgeDefinitions".into(), g.get("edgeDefinitions").cloned().unwrap_or(Value::Array(vec![])));
        doc.insert("orphanCollections".into(), g.get("orphanCollections").cloned().unwrap_or(Value::Array(vec![])));
        txn.insert("_graphs", Value::Object(doc), &WriteOptions::default()).await.map_err(|e| e.to_string())?;
    }
    txn.commit().await.map_err(|e| e.to_string())?;
    Ok(store)
}

/// A recorded generated id such as `connections/70728`.
fn generated_id(s: &str) -> bool {
    s.split_once('/').is_some_and(|(c, k)| !c.is_empty() && !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
}

/// Equality as the recordings allow: `_rev` ignored, generated ids as wildcards.
fn same(expected: &Value, actual: &Value, ids_vary: bool) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let keys: BTreeSet<&String> = e.keys().chain(a.keys()).filter(|k| *k != "_rev").collect();
            keys.into_iter().all(|k| match (e.get(k), a.get(k)) {
                (Some(x), Some(y)) => same(x, y, ids_vary),
                _ => false,
            })
        }
        (Value::Array(e), Value::Array(a)) => e.len() == a.len() && e.iter().zip(a).all(|(x, y)| same(x, y, ids_vary)),
        (Value::String(e), Value::String(a)) if ids_vary && generated_id(e) => {
            a.split_once('/').map(|(c, _)| c) == e.split_once('/').map(|(c, _)| c)
        }
        (Value::Double(_) | Value::Int(_), Value::Double(_) | Value::Int(_)) => {
            let (x, y) = (expected.as_f64().unwrap_or(0.0), actual.as_f64().unwrap_or(0.0));
            x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
        }
        _ => compare(expected, actual) == Ordering::Equal,
    }
}

fn same_multiset(expected: &[Value], actual: &[Value], ids_vary: bool) -> bool {
    if expected.len() != actual.len() {
        return false;
    }
    let mut used = vec![false; actual.len()];
    expected.iter().all(|e| {
        let hit = actual.iter().enumerate().find(|(i, a)| !used[*i] && same(e, a, ids_vary)).map(|(i, _)| i);
        match hit {
            Some(i) => {
                used[i] = true;
                true
            }
            None => false,
        }
    })
}

/// Ok(true) when the rows also came in the recorded order.
async fn run_one(example: &Value, datasets: &mut HashMap<String, Value>) -> Result<bool, String> {
    let dataset = example.get("dataset").and_then(Value::as_str).map(|name| {
        datasets.entry(name.to_string()).or_insert_with(|| load(&shared(&format!("datasets/{name}.json")))).clone()
    });
    let store = store_with(dataset.as_ref()).await.map_err(|e| format!("loading the dataset: {e}"))?;
    let request = QueryRequest {
        database: "_system".into(),
        query: example.get("query").and_then(Value::as_str).unwrap_or_default().to_string(),
        bind_vars: example.get("bindVars").and_then(Value::as_object).cloned().unwrap_or_default(),
        options: QueryOptions { max_runtime: Some(20.0), ..Default::default() },
    };
    let mut stream = run_query(&store, request, None).await.map_err(|e| e.to_string())?;
    let mut actual = Vec::new();
    while let Some(v) = stream.next().await.map_err(|e| e.to_string())? {
        actual.push(v);
        if actual.len() > 100_000 {
            return Err("more than 100000 rows".into());
        }
    }
    let expected = example.get("expected").and_then(Value::as_array).unwrap_or(&[]);
    let volatile = example.get("volatile").and_then(Value::as_array).unwrap_or(&[]);
    let ids_vary = volatile.iter().any(|v| v.as_str().is_some_and(|s| s.starts_with("generated")));
    let ordered = example.get("sorted") == Some(&Value::Bool(true));
    let in_order = same(&Value::Array(expected.to_vec()), &Value::Array(actual.clone()), ids_vary);
    if in_order || (!ordered && same_multiset(expected, &actual, ids_vary)) {
        Ok(in_order)
    } else {
        let got = json::to_json_string(&Value::Array(actual));
        let want = json::to_json_string(&Value::Array(expected.to_vec()));
        Err(format!("got {} want {}", clip(&got), clip(&want)))
    }
}

fn clip(s: &str) -> String {
    s.chars().take(600).collect()
}

fn ratchet_path() -> String {
    format!("{}/src/exec/examples_ratchet.txt", env!("CARGO_MANIFEST_DIR"))
}

/// The committed floor and the names known to fail.
fn ratchet() -> (usize, BTreeSet<String>) {
    let text = std::fs::read_to_string(ratchet_path()).unwrap_or_default();
    let mut floor = 0;
    let mut failing = BTreeSet::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        match line.strip_prefix("passed ") {
            Some(n) => floor = n.trim().parse().unwrap_or(0),
            None => {
                failing.insert(line.to_string());
            }
        }
    }
    (floor, failing)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arangodb_documentation_examples() {
    let examples = load(&shared("aql-examples.json"));
    let examples = examples.as_array().unwrap_or(&[]).to_vec();
    let mut datasets = HashMap::new();
    let (mut passed, mut skipped, mut unordered, mut unordered_in_order) = (0usize, 0usize, 0usize, 0usize);
    let mut failed: Vec<(String, String)> = Vec::new();
    for ex in &examples {
        let name = ex.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        if ex.get("nondeterministic_functions").is_some() || ex.get("server").and_then(Value::as_str) == Some("cluster")
        {
            skipped += 1;
            continue;
        }
        let ordered = ex.get("sorted") == Some(&Value::Bool(true));
        match run_one(ex, &mut datasets).await {
            Ok(in_order) => {
                passed += 1;
                if !ordered {
                    unordered += 1;
                    unordered_in_order += usize::from(in_order);
                    if !in_order {
                        println!("passed as a multiset, not in the recorded order: {name}");
                    }
                }
            }
            Err(e) => failed.push((name, e)),
        }
    }
    let total = examples.len() - skipped;
    println!("AQL documentation examples: {passed}/{total} passed ({skipped} nondeterministic skipped)");
    println!("of the passing ones with unspecified order, {unordered_in_order}/{unordered} came in the recorded order");
    for (name, why) in &failed {
        println!("FAIL {name}: {why}");
    }
    let (floor, known) = ratchet();
    if std::env::var("AQL_EXAMPLES_WRITE").is_ok() {
        let mut text = format!(
            "# AQL documentation examples: the floor of passing ones and the names known to fail\n# (rewritten with AQL_EXAMPLES_WRITE=1; {total} deterministic examples)\npassed {passed}\n"
        );
        for (name, _) in &failed {
            text.push_str(name);
            text.push('\n');
        }
        std::fs::write(ratchet_path(), text).expect("writing the ratchet");
        return;
    }
    let regressions: Vec<&String> = failed.iter().map(|(n, _)| n).filter(|n| !known.contains(*n)).collect();
    assert!(regressions.is_empty(), "examples that passed before fail now: {regressions:?}");
    assert!(passed >= floor, "{passed} examples passed, the ratchet says at least {floor}");
}
