//! Indexes over the in-memory engine: listing, identical re-creation, unique, sparse and
//! array indexes with their lookups (equality prefix, ranges, reverse, paging), 1210 and
//! 1212, index entries kept on writes, TTL expiry.

use super::tests::{fresh, json, s, spec};
use super::*;
use crate::error::num;

fn keys(page: &ScanPage) -> Vec<String> {
    page.docs.iter().map(|d| s(d, "_key").to_string()).collect()
}

fn eq(values: Vec<Value>) -> IndexLookup {
    IndexLookup { equal: values, lower: Bound::Unbounded, upper: Bound::Unbounded }
}

#[tokio::test]
async fn listing_and_identical_indexes() {
    let (_engine, store) = fresh().await;
    store.create_collection("_system", spec("e", CollectionType::Edge, "{}")).await.unwrap();
    let listed = store.indexes("_system", "e").await.unwrap();
    let names: Vec<(&str, &str)> = listed.iter().map(|i| (i.id.as_str(), i.name.as_str())).collect();
    assert_eq!(names, vec![("e/0", "primary"), ("e/1", "edge")]);
    assert_eq!(listed[0].fields, vec!["_key"]);
    assert!(listed[0].unique);
    assert_eq!(listed[1].fields, vec!["_from", "_to"]);

    let (idx, new) = store.create_index("_system", "e", &json(r#"{"type":"hash","fields":["a","b"]}"#)).await.unwrap();
    assert!(new);
    assert_eq!((idx.id.as_str(), idx.name.as_str(), &idx.kind), ("e/2", "idx_2", &IndexKind::Persistent));
    let (again, new) =
        store.create_index("_system", "e", &json(r#"{"type":"persistent","fields":["a","b"]}"#)).await.unwrap();
    assert!(!new);
    assert_eq!(again.id, "e/2");
    let (ttl, _) =
        store.create_index("_system", "e", &json(r#"{"type":"ttl","fields":["t"],"expireAfter":5}"#)).await.unwrap();
    assert_eq!((ttl.id.as_str(), &ttl.kind), ("e/3", &IndexKind::Ttl { expire_after: 5.0 }));
    let second = store.create_index("_system", "e", &json(r#"{"type":"ttl","fields":["u"],"expireAfter":5}"#)).await;
    assert_eq!(second.unwrap_err().num, num::BAD_PARAMETER, "one ttl index per collection");
    let (geo, _) = store
        .create_index("_system", "e", &json(r#"{"type":"geo","fields":["loc"],"geoJson":true,"name":"where"}"#))
        .await
        .unwrap();
    assert_eq!((geo.id.as_str(), geo.name.as_str(), &geo.kind), ("e/4", "where", &IndexKind::Geo { geo_json: true }));
    let bad = store.create_index("_system", "e", &json(r#"{"type":"inverted","fields":["a"]}"#)).await.unwrap_err();
    assert_eq!((bad.num, bad.status), (num::NOT_IMPLEMENTED, 501));
    assert_eq!(store.create_index("_system", "e", &json(r#"{"type":"x"}"#)).await.unwrap_err().num, num::BAD_PARAMETER);
    store.drop_index("_system", "e", "e/2").await.unwrap();
    assert_eq!(store.drop_index("_system", "e", "e/2").await.unwrap_err().num, num::INDEX_NOT_FOUND);
    store.drop_index("_system", "e", "where").await.unwrap();
    let after: Vec<String> = store.indexes("_system", "e").await.unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(after, vec!["e/0", "e/1", "e/3"]);
    let (next, _) = store.create_index("_system", "e", &json(r#"{"type":"persistent","fields":["z"]}"#)).await.unwrap();
    assert_eq!(next.id, "e/5", "index numbers are never reused");
}

#[tokio::test]
async fn unique_sparse_and_array_indexes() {
    let (engine, store) = fresh().await;
    store.create_collection("_system", spec("c", CollectionType::Document, "{}")).await.unwrap();
    let opts = WriteOptions::default();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    for doc in [
        r#"{"_key":"a","email":"a@x","age":30,"tags":["x","y","x"]}"#,
        r#"{"_key":"b","email":"b@x","age":20,"tags":["y"]}"#,
        r#"{"_key":"c","age":40}"#,
        r#"{"_key":"d","email":"a@x","age":25}"#,
    ] {
        txn.insert("c", json(doc), &opts).await.unwrap();
    }
    txn.commit().await.unwrap();
    let unique = json(r#"{"type":"persistent","fields":["email"],"unique":true,"sparse":true}"#);
    let err = store.create_index("_system", "c", &unique).await.unwrap_err();
    assert_eq!(err.num, num::UNIQUE_CONSTRAINT_VIOLATED);
    assert_eq!(store.indexes("_system", "c").await.unwrap().len(), 1, "a failed build leaves no index");
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    txn.remove("c", "d", &opts).await.unwrap();
    txn.commit().await.unwrap();
    let (email, _) = store.create_index("_system", "c", &unique).await.unwrap();
    let (age, _) =
        store.create_index("_system", "c", &json(r#"{"type":"persistent","fields":["age"]}"#)).await.unwrap();
    let tags = json(r#"{"type":"persistent","fields":["tags[*]"],"name":"by_tag"}"#);
    let (tag, _) = store.create_index("_system", "c", &tags).await.unwrap();

    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let dup = txn.insert("c", json(r#"{"_key":"e","email":"b@x"}"#), &opts).await.unwrap_err();
    assert_eq!(
        dup.message,
        format!(
            "unique constraint violated - in index {} of type persistent over 'email'; conflicting key: b",
            email.name
        )
    );
    txn.insert("c", json(r#"{"_key":"f","age":30}"#), &opts).await.unwrap();
    txn.insert("c", json(r#"{"_key":"g","age":30}"#), &opts).await.unwrap();
    assert!(txn.get("c", "e").await.unwrap().is_none(), "a refused insert writes nothing");

    let by_email = txn.index_scan("c", &email.id, &eq(vec![Value::str("a@x")]), false, None, 10).await.unwrap();
    assert_eq!(keys(&by_email), vec!["a"]);
    let sparse = txn.index_scan("c", &email.name, &eq(vec![Value::Null]), false, None, 10).await.unwrap();
    assert!(sparse.docs.is_empty(), "a sparse index has no entry for a missing field");
    let by_tag = txn.index_scan("c", "by_tag", &eq(vec![Value::str("y")]), false, None, 10).await.unwrap();
    assert_eq!(keys(&by_tag), vec!["a", "b"]);
    let x = txn.index_scan("c", &tag.id, &eq(vec![Value::str("x")]), false, None, 10).await.unwrap();
    assert_eq!(keys(&x), vec!["a"], "deduplicated array entries");

    let range =
        IndexLookup { equal: vec![], lower: Bound::Excluded(Value::Int(20)), upper: Bound::Included(Value::Int(40)) };
    let up = txn.index_scan("c", &age.id, &range, false, None, 10).await.unwrap();
    assert_eq!(keys(&up), vec!["a", "f", "g", "c"]);
    let down = txn.index_scan("c", &age.id, &range, true, None, 10).await.unwrap();
    assert_eq!(keys(&down), vec!["c", "g", "f", "a"]);
    let first = txn.index_scan("c", &age.id, &range, false, None, 3).await.unwrap();
    assert_eq!(keys(&first), vec!["a", "f", "g"]);
    let rest = txn.index_scan("c", &age.id, &range, false, first.resume.as_deref(), 3).await.unwrap();
    assert_eq!((keys(&rest), rest.resume), (vec!["c".to_string()], None));
    let thirty = txn.index_scan("c", &age.id, &eq(vec![Value::Double(30.0)]), false, None, 10).await.unwrap();
    assert_eq!(keys(&thirty), vec!["a", "f", "g"]);

    // entries follow the documents' writes
    txn.update("c", "a", json(r#"{"age":99,"tags":["z"]}"#), &opts).await.unwrap();
    let thirty = txn.index_scan("c", &age.id, &eq(vec![Value::Int(30)]), false, None, 10).await.unwrap();
    assert_eq!(keys(&thirty), vec!["f", "g"]);
    let y = txn.index_scan("c", &tag.id, &eq(vec![Value::str("y")]), false, None, 10).await.unwrap();
    assert_eq!(keys(&y), vec!["b"]);
    txn.remove("c", "b", &opts).await.unwrap();
    txn.insert("c", json(r#"{"_key":"h","email":"b@x"}"#), &opts).await.unwrap();
    assert_eq!(txn.index_scan("c", "nope", &eq(vec![]), false, None, 1).await.unwrap_err().num, num::INDEX_NOT_FOUND);

    let keyed =
        IndexLookup { equal: vec![], lower: Bound::Included(Value::str("c")), upper: Bound::Excluded(Value::str("g")) };
    // Strings compare by collation but keys are stored by their bytes: a string range
    // reads the whole primary index, in key order (the query's FILTER applies it).
    let primary = keys(&txn.index_scan("c", "primary", &keyed, false, None, 10).await.unwrap());
    assert!(primary.contains(&"c".to_string()) && primary.contains(&"f".to_string()), "{primary:?}");
    assert!(primary.windows(2).all(|w| w[0] < w[1]), "{primary:?}");
    let numeric = IndexLookup { equal: vec![], lower: Bound::Excluded(Value::Int(5)), upper: Bound::Unbounded };
    assert_eq!(txn.index_scan("c", "c/0", &numeric, false, None, 10).await.unwrap().docs.len(), 5);
    txn.commit().await.unwrap();

    drop(store);
    let store = DocStore::open(super::tests::storage_of(&engine).await).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let reloaded = txn.index_scan("c", "by_tag", &eq(vec![Value::str("z")]), false, None, 10).await.unwrap();
    assert_eq!(keys(&reloaded), vec!["a"], "index definitions and entries survive a reopen");
    let dup = txn.insert("c", json(r#"{"email":"h@x"}"#), &opts).await;
    assert!(dup.is_ok());
    assert_eq!(txn.insert("c", json(r#"{"email":"h@x"}"#), &opts).await.unwrap_err().num, 1210);
}

#[tokio::test]
async fn ttl_removes_expired_documents() {
    let (_engine, store) = fresh().await;
    store.create_collection("_system", spec("s", CollectionType::Document, "{}")).await.unwrap();
    store.create_index("_system", "s", &json(r#"{"type":"ttl","fields":["at"],"expireAfter":60}"#)).await.unwrap();
    let now = orbit_storage::table::now_millis() / 1000;
    let opts = WriteOptions::default();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    txn.insert("s", json(&format!(r#"{{"_key":"old","at":{}}}"#, now - 120)), &opts).await.unwrap();
    txn.insert("s", json(r#"{"_key":"date","at":"2001-01-01T00:00:00Z"}"#), &opts).await.unwrap();
    txn.insert("s", json(&format!(r#"{{"_key":"fresh","at":{now}}}"#)), &opts).await.unwrap();
    txn.insert("s", json(r#"{"_key":"never","at":"soon"}"#), &opts).await.unwrap();
    txn.insert("s", json(r#"{"_key":"none"}"#), &opts).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(store.purge_expired().await.unwrap(), 2);
    assert_eq!(super::tests::keys_in(&store, "_system", "s").await, vec!["fresh", "never", "none"]);
    assert_eq!(store.count("_system", "s").await.unwrap(), 3);
    assert_eq!(store.purge_expired().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_removes_expired_documents_in_the_background() {
    let (engine, store) = fresh().await;
    store.create_collection("_system", spec("s", CollectionType::Document, "{}")).await.unwrap();
    store.create_index("_system", "s", &json(r#"{"type":"ttl","fields":["at"],"expireAfter":0}"#)).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    txn.insert("s", json(r#"{"_key":"x","at":1}"#), &WriteOptions::default()).await.unwrap();
    txn.commit().await.unwrap();
    drop(store);
    // a store's sweeper sweeps when it starts, then every few seconds
    let store = DocStore::open(super::tests::storage_of(&engine).await).await.unwrap();
    let mut gone = false;
    for _ in 0..100 {
        if store.count("_system", "s").await.unwrap() == 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(gone, "the expired document is still there");
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    assert!(txn.get("s", "x").await.unwrap().is_none());
}

#[tokio::test]
async fn equality_prefix_then_range() {
    let (_engine, store) = fresh().await;
    store.create_collection("_system", spec("c", CollectionType::Document, "{}")).await.unwrap();
    let body = json(r#"{"type":"persistent","fields":["city","age"],"unique":true}"#);
    let (idx, _) = store.create_index("_system", "c", &body).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    for (key, city, age) in [("a", "x", 5), ("b", "y", 7), ("c", "x", 9), ("d", "x", 1), ("e", "x", 7), ("f", "w", 7)] {
        let doc = json(&format!(r#"{{"_key":"{key}","city":"{city}","age":{age}}}"#));
        txn.insert("c", doc, &WriteOptions::default()).await.unwrap();
    }
    let dup = txn.insert("c", json(r#"{"city":"x","age":9}"#), &WriteOptions::default()).await.unwrap_err();
    assert_eq!(dup.num, num::UNIQUE_CONSTRAINT_VIOLATED);
    assert!(dup.message.ends_with("over 'city, age'; conflicting key: c"), "{}", dup.message);
    let lookup = IndexLookup {
        equal: vec![Value::str("x")],
        lower: Bound::Included(Value::Int(5)),
        upper: Bound::Excluded(Value::Int(9)),
    };
    assert_eq!(keys(&txn.index_scan("c", &idx.name, &lookup, false, None, 10).await.unwrap()), vec!["a", "e"]);
    assert_eq!(keys(&txn.index_scan("c", &idx.name, &lookup, true, None, 10).await.unwrap()), vec!["e", "a"]);
    let all_x = txn.index_scan("c", &idx.id, &eq(vec![Value::str("x")]), true, None, 2).await.unwrap();
    assert_eq!(keys(&all_x), vec!["c", "e"]);
    let rest = txn.index_scan("c", &idx.id, &eq(vec![Value::str("x")]), true, all_x.resume.as_deref(), 2).await;
    assert_eq!(keys(&rest.unwrap()), vec!["a", "d"]);
    let exact = eq(vec![Value::str("x"), Value::Int(7)]);
    assert_eq!(keys(&txn.index_scan("c", &idx.id, &exact, false, None, 10).await.unwrap()), vec!["e"]);
    let too_many = eq(vec![Value::str("x"), Value::Int(7), Value::Int(1)]);
    assert!(txn.index_scan("c", &idx.id, &too_many, false, None, 10).await.is_err());
}

/// Persistent index order is AQL's string order (ArangoDB's ICU collation, upper case
/// first), so ranges and index-answered SORTs agree with comparisons; entries written
/// in the older byte encoding are rebuilt when the store opens.
#[tokio::test]
async fn string_entries_follow_collation_and_old_entries_are_rebuilt() {
    let (engine, store) = fresh().await;
    store.create_collection("_system", spec("c", CollectionType::Document, "{}")).await.unwrap();
    let (idx, _) = store.create_index("_system", "c", &json(r#"{"type":"persistent","fields":["n"]}"#)).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    for (key, n) in [("1", "b"), ("2", "B"), ("3", "a"), ("4", "A"), ("5", "á"), ("6", "~x"), ("7", "ab")] {
        txn.insert("c", json(&format!(r#"{{"_key":"{key}","n":"{n}"}}"#)), &WriteOptions::default()).await.unwrap();
    }
    txn.commit().await.unwrap();
    let all = eq(vec![]);
    let in_order = |page: &ScanPage| page.docs.iter().map(|d| s(d, "n").to_string()).collect::<Vec<_>>();
    let expected = vec!["~x", "A", "a", "á", "ab", "B", "b"];
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    assert_eq!(in_order(&txn.index_scan("c", &idx.name, &all, false, None, 10).await.unwrap()), expected);
    let range =
        IndexLookup { equal: vec![], lower: Bound::Included(Value::str("a")), upper: Bound::Excluded(Value::str("b")) };
    let ranged = in_order(&txn.index_scan("c", &idx.name, &range, false, None, 10).await.unwrap());
    assert_eq!(ranged, vec!["a", "á", "ab", "B"]);
    txn.rollback().await.unwrap();

    // A record of the older encoding: its entries are dropped and written anew on open.
    let coll = store.db("_system").unwrap().collection("c").unwrap();
    let prefix = keys::index_prefix(2, &[]);
    orbit_storage::purge_kv_prefix(store.storage().as_ref(), &coll.handle(), &prefix, 100).await.unwrap();
    let Value::Object(mut record) = crate::value::binary::decode(&coll.record()).unwrap() else { panic!() };
    record.shift_remove("keyEncoding");
    let record = crate::value::binary::encode(&Value::Object(record));
    store.write_catalog(vec![(keys::collection(coll.db_id, coll.id), record)], Vec::new()).await.unwrap();
    drop((coll, store));
    let store = DocStore::open(super::tests::storage_of(&engine).await).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    assert_eq!(in_order(&txn.index_scan("c", &idx.name, &all, false, None, 10).await.unwrap()), expected);
}
