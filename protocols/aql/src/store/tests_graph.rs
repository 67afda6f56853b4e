//! Edges over the in-memory engine: `_from`/`_to` validation, adjacency in both
//! directions in write order, adjacency kept on replace/update/remove, the edge index,
//! dangling edges, truncate and drop of an edge collection, edges across a reopen.

use super::tests::{fresh, json, s, spec, storage_of};
use super::*;
use crate::error::num;

fn others(steps: &[EdgeStep]) -> Vec<String> {
    steps.iter().map(|st| format!("{}>{}", s(&st.edge, "_key"), st.other)).collect()
}

#[tokio::test]
async fn edges_both_directions_in_write_order() {
    let (engine, store) = fresh().await;
    store.create_collection("_system", spec("v", CollectionType::Document, "{}")).await.unwrap();
    store.create_collection("_system", spec("e", CollectionType::Edge, "{}")).await.unwrap();
    store.create_collection("_system", spec("f", CollectionType::Edge, "{}")).await.unwrap();
    let opts = WriteOptions::default();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    for key in ["a", "b", "c"] {
        txn.insert("v", json(&format!(r#"{{"_key":"{key}"}}"#)), &opts).await.unwrap();
    }
    for bad in [
        r#"{"_to":"v/a"}"#,
        r#"{"_from":"v/a","_to":"nokey"}"#,
        r#"{"_from":"v/a","_to":"v/a b"}"#,
        r#"{"_from":1,"_to":"v/a"}"#,
    ] {
        assert_eq!(txn.insert("e", json(bad), &opts).await.unwrap_err().num, num::INVALID_EDGE_ATTRIBUTE, "{bad}");
    }
    let first = txn.insert("e", json(r#"{"_key":"ac","_from":"v/a","_to":"v/c","w":1}"#), &opts).await.unwrap();
    let names: Vec<String> = first.new.unwrap().as_object().unwrap().keys().cloned().collect();
    assert_eq!(names, vec!["_key", "_id", "_from", "_to", "_rev", "w"]);
    txn.insert("e", json(r#"{"_key":"ab","_from":"v/a","_to":"v/b"}"#), &opts).await.unwrap();
    txn.insert("e", json(r#"{"_key":"ba","_from":"v/b","_to":"v/a"}"#), &opts).await.unwrap();
    txn.insert("e", json(r#"{"_key":"aa","_from":"v/a","_to":"v/a"}"#), &opts).await.unwrap();
    txn.insert("e", json(r#"{"_key":"ax","_from":"v/a","_to":"gone/x"}"#), &opts).await.unwrap();
    txn.insert("f", json(r#"{"_key":"other","_from":"v/a","_to":"v/b"}"#), &opts).await.unwrap();
    txn.insert("f", json(r#"{"_key":"byid","_from":"123/a","_to":"_sys/b"}"#), &opts).await.unwrap();
    txn.remove("f", "byid", &opts).await.unwrap();
    txn.commit().await.unwrap();

    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let out = txn.edges("e", "v/a", EdgeDirection::Outbound).await.unwrap();
    assert_eq!(
        others(&out),
        vec!["ac>v/c", "ab>v/b", "aa>v/a", "ax>gone/x"],
        "insertion order, other collections apart"
    );
    let inbound = txn.edges("e", "v/a", EdgeDirection::Inbound).await.unwrap();
    assert_eq!(others(&inbound), vec!["ba>v/b", "aa>v/a"]);
    let any = txn.edges("e", "v/b", EdgeDirection::Any).await.unwrap();
    assert_eq!(others(&any), vec!["ba>v/a", "ab>v/a"]);
    assert_eq!(others(&txn.edges("e", "gone/x", EdgeDirection::Inbound).await.unwrap()), vec!["ax>v/a"]);
    assert!(txn.edges("e", "v/nobody", EdgeDirection::Any).await.unwrap().is_empty());
    assert!(txn.edges("v", "v/a", EdgeDirection::Any).await.unwrap().is_empty(), "a document collection has no edges");

    // the written edge moves to the end; a moved edge leaves its old vertex
    txn.update("e", "ac", json(r#"{"w":2}"#), &opts).await.unwrap();
    txn.replace("e", "ab", json(r#"{"_from":"v/c","_to":"v/b"}"#), &opts).await.unwrap();
    let err = txn.replace("e", "ba", json(r#"{"x":1}"#), &opts).await.unwrap_err();
    assert_eq!(err.num, num::INVALID_EDGE_ATTRIBUTE, "a replaced edge needs _from and _to");
    txn.remove("e", "aa", &opts).await.unwrap();
    let out = txn.edges("e", "v/a", EdgeDirection::Outbound).await.unwrap();
    assert_eq!(others(&out), vec!["ax>gone/x", "ac>v/c"]);
    assert_eq!(out[1].edge.get("w"), Some(&Value::Int(2)));
    assert_eq!(others(&txn.edges("e", "v/c", EdgeDirection::Outbound).await.unwrap()), vec!["ab>v/b"]);
    assert_eq!(others(&txn.edges("e", "v/a", EdgeDirection::Inbound).await.unwrap()), vec!["ba>v/b"]);

    let lookup = IndexLookup { equal: vec![Value::str("v/a")], lower: Bound::Unbounded, upper: Bound::Unbounded };
    let by_from = txn.index_scan("e", "edge", &lookup, false, None, 1).await.unwrap();
    assert_eq!(by_from.docs.len(), 1);
    let rest = txn.index_scan("e", "e/1", &lookup, false, by_from.resume.as_deref(), 10).await.unwrap();
    assert_eq!((rest.docs.len(), rest.resume.is_none()), (1, true));
    txn.commit().await.unwrap();
    assert_eq!(store.count("_system", "e").await.unwrap(), 4);

    drop(store);
    let store = DocStore::open(storage_of(&engine).await).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let out = txn.edges("e", "v/a", EdgeDirection::Outbound).await.unwrap();
    assert_eq!(others(&out), vec!["ax>gone/x", "ac>v/c"], "adjacency survives a reopen");
    txn.insert("e", json(r#"{"_key":"ca","_from":"v/c","_to":"v/a"}"#), &opts).await.unwrap();
    assert_eq!(others(&txn.edges("e", "v/a", EdgeDirection::Inbound).await.unwrap()), vec!["ba>v/b", "ca>v/c"]);
    txn.commit().await.unwrap();

    store.rename_collection("_system", "e", "links").await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let renamed = txn.edges("links", "v/a", EdgeDirection::Inbound).await.unwrap();
    assert_eq!(others(&renamed), vec!["ba>v/b", "ca>v/c"], "a renamed edge collection keeps its adjacency");
    assert_eq!(s(&renamed[0].edge, "_id"), "links/ba");
    drop(txn);
    store.rename_collection("_system", "links", "e").await.unwrap();
    store.truncate_collection("_system", "e").await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    assert!(txn.edges("e", "v/a", EdgeDirection::Any).await.unwrap().is_empty(), "truncate clears the adjacency");
    assert_eq!(others(&txn.edges("f", "v/a", EdgeDirection::Outbound).await.unwrap()), vec!["other>v/b"]);
    drop(txn);
    store.drop_collection("_system", "f", false).await.unwrap();
    store.create_collection("_system", spec("f", CollectionType::Edge, "{}")).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    assert!(
        txn.edges("f", "v/a", EdgeDirection::Any).await.unwrap().is_empty(),
        "a dropped collection's edges are gone"
    );
}
