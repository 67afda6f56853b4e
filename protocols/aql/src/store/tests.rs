//! The document store over the in-memory engine: catalog across a reopen (the same
//! engine opened twice), CRUD with keys, revisions and overwrite modes, scans in
//! ArangoDB's order, and a rolled back transaction leaving nothing. Indexes, TTL and
//! edges are in [`super::tests_graph`] and [`super::tests_index`].

use super::*;
use crate::error::num;
use crate::value::json::parse;
use orbit_storage::{KvTableStorage, MemoryEngine};

pub(super) async fn storage_of(engine: &Arc<MemoryEngine>) -> Arc<dyn TableStorage> {
    KvTableStorage::open(engine.clone()).await.unwrap()
}

pub(super) async fn fresh() -> (Arc<MemoryEngine>, Arc<DocStore>) {
    let engine = Arc::new(MemoryEngine::new());
    let store = DocStore::open(storage_of(&engine).await).await.unwrap();
    (engine, store)
}

pub(super) fn json(text: &str) -> Value {
    parse(text.as_bytes()).unwrap()
}

pub(super) fn spec(name: &str, ty: CollectionType, options: &str) -> CollectionSpec {
    CollectionSpec { name: name.into(), ty, options: json(options) }
}

pub(super) fn s<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name).and_then(|x| x.as_str()).unwrap_or("")
}

pub(super) async fn keys_in(store: &Arc<DocStore>, db: &str, coll: &str) -> Vec<String> {
    let mut txn = store.begin(db, TxnOptions::default()).await.unwrap();
    let page = txn.scan(coll, None, 1000).await.unwrap();
    page.docs.iter().map(|d| s(d, "_key").to_string()).collect()
}

#[tokio::test]
async fn catalog_survives_reopen() {
    let (engine, store) = fresh().await;
    let names: Vec<String> = store.databases().await.unwrap().into_iter().map(|d| d.name).collect();
    assert_eq!(names, vec!["_system"]);
    assert_eq!(store.database("_system").await.unwrap().id, "1");
    let system: Vec<String> = store.collections("_system").await.unwrap().iter().map(|c| c.name.clone()).collect();
    assert_eq!(system, vec!["_graphs", "_users"]);

    assert_eq!(store.create_database("1bad").await.unwrap_err().num, num::DATABASE_NAME_INVALID);
    assert_eq!(store.create_database("_mine").await.unwrap_err().num, num::DATABASE_NAME_INVALID);
    let db = store.create_database("Ünïcode db").await.unwrap();
    assert!(!db.is_system);
    assert_eq!(store.create_database("Ünïcode db").await.unwrap_err().num, num::DUPLICATE_NAME);
    assert_eq!(store.drop_database("_system").await.unwrap_err().num, num::USE_SYSTEM_DATABASE);
    assert_eq!(store.drop_database("nope").await.unwrap_err().num, num::DATABASE_NOT_FOUND);
    let in_db: Vec<String> = store.collections("Ünïcode db").await.unwrap().iter().map(|c| c.name.clone()).collect();
    assert_eq!(in_db, vec!["_graphs"]);

    let options = r#"{"waitForSync":true,"schema":{"rule":{"type":"object"}},"computedValues":[{"name":"x"}],
        "keyOptions":{"type":"autoincrement","increment":10,"offset":5},"cacheEnabled":true}"#;
    let users = store.create_collection("Ünïcode db", spec("users", CollectionType::Document, options)).await.unwrap();
    assert!(users.wait_for_sync);
    assert_eq!(users.key_options.generator, KeyGenerator::Autoincrement { increment: 10, offset: 5 });
    let dup = store.create_collection("Ünïcode db", spec("users", CollectionType::Document, "{}")).await;
    assert_eq!(dup.unwrap_err().num, num::DUPLICATE_NAME);
    let bad = store.create_collection("Ünïcode db", spec("9x", CollectionType::Document, "{}")).await;
    assert_eq!(bad.unwrap_err().num, num::ILLEGAL_NAME);
    let bad = store.create_collection("_system", spec("k", CollectionType::Document, r#"{"keyOptions":{"type":"x"}}"#));
    assert_eq!(bad.await.unwrap_err().num, num::INVALID_KEY_GENERATOR);
    store.create_collection("Ünïcode db", spec("knows", CollectionType::Edge, "{}")).await.unwrap();
    store.create_collection("Ünïcode db", spec("gone", CollectionType::Document, "{}")).await.unwrap();
    store.drop_collection("Ünïcode db", "gone", false).await.unwrap();
    let refused = store.drop_collection("Ünïcode db", "_graphs", false).await.unwrap_err();
    assert_eq!((refused.num, refused.status), (num::FORBIDDEN, 403), "ArangoDB 3.12 answers forbidden");
    assert_eq!(store.collection("Ünïcode db", "gone").await.unwrap_err().num, num::DATA_SOURCE_NOT_FOUND);
    let by_id = store.collection("Ünïcode db", &users.id.to_string()).await.unwrap();
    assert_eq!(by_id.name, "users");
    let props = store.set_collection_properties("Ünïcode db", "users", &json(r#"{"waitForSync":false}"#)).await;
    assert!(!props.unwrap().wait_for_sync);

    let mut txn = store.begin("Ünïcode db", TxnOptions::default()).await.unwrap();
    txn.insert("users", json(r#"{"name":"a"}"#), &WriteOptions::default()).await.unwrap();
    txn.insert("users", json(r#"{"name":"b"}"#), &WriteOptions::default()).await.unwrap();
    txn.commit().await.unwrap();
    let rev_before = store.collection_revision("Ünïcode db", "users").await.unwrap();
    drop(store);

    let store = DocStore::open(storage_of(&engine).await).await.unwrap();
    let names: Vec<String> = store.databases().await.unwrap().into_iter().map(|d| d.name).collect();
    assert_eq!(names, vec!["_system", "Ünïcode db"]);
    let users = store.collection("Ünïcode db", "users").await.unwrap();
    assert_eq!(users.schema.get("rule").and_then(|r| r.get("type")), Some(&Value::str("object")));
    assert_eq!(users.computed_values.as_array().map(|a| a.len()), Some(1));
    assert_eq!(users.extra.get("cacheEnabled"), Some(&Value::Bool(true)));
    assert!(!users.wait_for_sync);
    assert_eq!(store.count("Ünïcode db", "users").await.unwrap(), 2);
    assert_eq!(store.collection_revision("Ünïcode db", "users").await.unwrap(), rev_before);
    assert_eq!(store.collection("Ünïcode db", "knows").await.unwrap().ty, CollectionType::Edge);
    assert!(store.collection("Ünïcode db", "gone").await.is_err());
    let mut txn = store.begin("Ünïcode db", TxnOptions::default()).await.unwrap();
    let third = txn.insert("users", json(r#"{"name":"c"}"#), &WriteOptions::default()).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(third.key, "25", "autoincrement goes on after a reopen: 5, 15, 25");
    assert_eq!(keys_in(&store, "Ünïcode db", "users").await, vec!["5", "15", "25"]);

    store.drop_database("Ünïcode db").await.unwrap();
    drop(store);
    let store = DocStore::open(storage_of(&engine).await).await.unwrap();
    assert_eq!(store.databases().await.unwrap().len(), 1);
    assert_eq!(store.database("Ünïcode db").await.unwrap_err().num, num::DATABASE_NOT_FOUND);
}

#[tokio::test]
async fn crud_keys_and_revisions() {
    let (_engine, store) = fresh().await;
    store.create_collection("_system", spec("c", CollectionType::Document, "{}")).await.unwrap();
    let opts = WriteOptions::default();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let a = txn.insert("c", json(r#"{"_key":"a","v":1,"_id":"x/y","_rev":"zzz"}"#), &opts).await.unwrap();
    assert_eq!((a.key.as_str(), a.id.as_str()), ("a", "c/a"));
    let doc = a.new.clone().unwrap();
    let names: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(names, vec!["_key", "_id", "_rev", "v"], "system attributes first, given _id/_rev ignored");
    assert_eq!(s(&doc, "_rev"), a.rev);
    assert_eq!(a.rev.len(), 11);
    let gen = txn.insert("c", json(r#"{"v":2}"#), &opts).await.unwrap();
    assert!(gen.key.parse::<u64>().is_ok(), "traditional keys are numeric: {}", gen.key);
    let gen2 = txn.insert("c", json(r#"{"v":3}"#), &opts).await.unwrap();
    assert!(gen2.key.parse::<u64>().unwrap() > gen.key.parse::<u64>().unwrap());

    assert_eq!(
        txn.insert("c", json(r#"{"_key":"a"}"#), &opts).await.unwrap_err().message,
        "unique constraint violated - in index primary of type primary over '_key'; conflicting key: a"
    );
    assert_eq!(txn.insert("c", json(r#"{"_key":"a b"}"#), &opts).await.unwrap_err().num, num::DOCUMENT_KEY_BAD);
    assert_eq!(txn.insert("c", json(r#"{"_key":12}"#), &opts).await.unwrap_err().num, num::DOCUMENT_KEY_BAD);
    assert_eq!(txn.insert("c", json("[1]"), &opts).await.unwrap_err().num, num::DOCUMENT_TYPE_INVALID);
    assert_eq!(txn.insert("nope", json("{}"), &opts).await.unwrap_err().num, num::DATA_SOURCE_NOT_FOUND);

    let got = txn.get("c", "a").await.unwrap().unwrap();
    assert_eq!(got.get("v"), Some(&Value::Int(1)));
    assert!(txn.get("c", "zz").await.unwrap().is_none());
    assert_eq!(txn.document("c/a").await.unwrap().map(|d| s(&d, "_key").to_string()), Some("a".into()));
    assert!(txn.document("nope/a").await.unwrap().is_none());

    let replaced = txn.replace("c", "a", json(r#"{"w":true}"#), &opts).await.unwrap();
    assert_eq!(replaced.old_rev.as_deref(), Some(a.rev.as_str()));
    assert!(decode_revision(&replaced.rev).unwrap() > decode_revision(&a.rev).unwrap(), "revisions grow");
    assert_eq!(replaced.new.as_ref().unwrap().get("v"), None);
    let stale = WriteOptions { ignore_revs: false, ..WriteOptions::default() };
    let err = txn.replace("c", "a", json(&format!(r#"{{"_rev":"{}"}}"#, a.rev)), &stale).await.unwrap_err();
    assert_eq!((err.num, err.message.as_str()), (num::CONFLICT, "conflict, _rev values do not match"));
    let if_match = WriteOptions { expected_rev: Some(a.rev.clone()), ..WriteOptions::default() };
    assert_eq!(txn.remove("c", "a", &if_match).await.unwrap_err().num, num::CONFLICT);
    let ok = WriteOptions { ignore_revs: false, ..WriteOptions::default() };
    let body = json(&format!(r#"{{"_rev":"{}","o":{{"x":1,"y":2}},"n":1}}"#, replaced.rev));
    let updated = txn.update("c", "a", body, &ok).await.unwrap();
    let patch = json(r#"{"o":{"y":null,"z":3},"n":null}"#);
    let drop_nulls = WriteOptions { keep_null: false, ..WriteOptions::default() };
    let merged = txn.update("c", "a", patch.clone(), &drop_nulls).await.unwrap().new.unwrap();
    assert_eq!(
        crate::value::json::to_json_string(&merged).split_once(r#""w""#).unwrap().1,
        r#":true,"o":{"x":1,"z":3}}"#
    );
    let no_merge = WriteOptions { merge_objects: false, ..WriteOptions::default() };
    let replaced_obj = txn.update("c", "a", patch, &no_merge).await.unwrap().new.unwrap();
    assert_eq!(replaced_obj.get("o"), Some(&json(r#"{"y":null,"z":3}"#)));
    assert_eq!(replaced_obj.get("n"), Some(&Value::Null));
    assert!(updated.old.is_some());
    assert_eq!(txn.update("c", "zz", json("{}"), &opts).await.unwrap_err().num, num::DOCUMENT_NOT_FOUND);
    assert_eq!(txn.remove("c", "zz", &opts).await.unwrap_err().num, num::DOCUMENT_NOT_FOUND);
    let removed = txn.remove("c", &gen.key, &opts).await.unwrap();
    assert_eq!(removed.old.unwrap().get("v"), Some(&Value::Int(2)));
    assert_eq!(txn.writes(), 8);
    txn.commit().await.unwrap();
    assert_eq!(store.count("_system", "c").await.unwrap(), 2);
    // a written document moves to the end of the storage order, as in ArangoDB
    assert_eq!(keys_in(&store, "_system", "c").await, vec![gen2.key.clone(), "a".to_string()]);
}

#[tokio::test]
async fn overwrite_modes() {
    let (_engine, store) = fresh().await;
    store.create_collection("_system", spec("c", CollectionType::Document, "{}")).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let first = txn.insert("c", json(r#"{"_key":"k","a":1,"b":1}"#), &WriteOptions::default()).await.unwrap();
    let mode = |m| WriteOptions { overwrite_mode: m, ..WriteOptions::default() };
    let ignored = txn.insert("c", json(r#"{"_key":"k","a":2}"#), &mode(OverwriteMode::Ignore)).await.unwrap();
    assert!(ignored.ignored);
    assert_eq!(ignored.rev, first.rev);
    let upd = txn.insert("c", json(r#"{"_key":"k","a":3}"#), &mode(OverwriteMode::Update)).await.unwrap();
    assert_eq!(upd.old_rev.as_deref(), Some(first.rev.as_str()));
    assert_eq!(upd.new.as_ref().unwrap().get("b"), Some(&Value::Int(1)));
    let rep = txn.insert("c", json(r#"{"_key":"k","a":4}"#), &mode(OverwriteMode::Replace)).await.unwrap();
    assert_eq!(rep.new.as_ref().unwrap().get("b"), None);
    assert_eq!(rep.new.as_ref().unwrap().get("a"), Some(&Value::Int(4)));
    let conflict = txn.insert("c", json(r#"{"_key":"k"}"#), &mode(OverwriteMode::Conflict)).await;
    assert_eq!(conflict.unwrap_err().num, num::UNIQUE_CONSTRAINT_VIOLATED);
    txn.commit().await.unwrap();
    assert_eq!(store.count("_system", "c").await.unwrap(), 1);
}

#[tokio::test]
async fn key_generators() {
    let (engine, store) = fresh().await;
    let make = |name: &str, opts: &str| spec(name, CollectionType::Document, opts);
    store.create_collection("_system", make("p", r#"{"keyOptions":{"type":"padded"}}"#)).await.unwrap();
    store.create_collection("_system", make("u", r#"{"keyOptions":{"type":"uuid"}}"#)).await.unwrap();
    store.create_collection("_system", make("a", r#"{"keyOptions":{"type":"autoincrement"}}"#)).await.unwrap();
    store.create_collection("_system", make("t", "{}")).await.unwrap();
    store.create_collection("_system", make("n", r#"{"keyOptions":{"allowUserKeys":false}}"#)).await.unwrap();
    let opts = WriteOptions::default();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let mut padded = Vec::new();
    for _ in 0..3 {
        padded.push(txn.insert("p", json("{}"), &opts).await.unwrap().key);
    }
    assert_eq!(padded, vec!["0000000000000001", "0000000000000002", "0000000000000003"]);
    let u = txn.insert("u", json("{}"), &opts).await.unwrap().key;
    assert_eq!((u.len(), &u[8..9], &u[14..15]), (36, "-", "4"));
    assert_eq!(txn.insert("a", json("{}"), &opts).await.unwrap().key, "1");
    assert_eq!(txn.insert("a", json(r#"{"_key":"10"}"#), &opts).await.unwrap().key, "10");
    assert_eq!(txn.insert("a", json("{}"), &opts).await.unwrap().key, "11", "a user key moves the generator on");
    let t1: u64 = txn.insert("t", json("{}"), &opts).await.unwrap().key.parse().unwrap();
    txn.insert("t", json(r#"{"_key":"999999999"}"#), &opts).await.unwrap();
    let t2: u64 = txn.insert("t", json("{}"), &opts).await.unwrap().key.parse().unwrap();
    assert!(t2 > 999_999_999 && t2 > t1);
    let refused = txn.insert("n", json(r#"{"_key":"mine"}"#), &opts).await.unwrap_err();
    assert_eq!(refused.num, num::DOCUMENT_KEY_UNEXPECTED);
    txn.insert("n", json("{}"), &opts).await.unwrap();
    txn.commit().await.unwrap();
    drop(store);
    let store = DocStore::open(storage_of(&engine).await).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    assert_eq!(txn.insert("p", json("{}"), &opts).await.unwrap().key, "0000000000000004");
    assert_eq!(txn.insert("a", json("{}"), &opts).await.unwrap().key, "12");
    let t3: u64 = txn.insert("t", json("{}"), &opts).await.unwrap().key.parse().unwrap();
    assert!(t3 > t2, "traditional keys keep growing after a reopen");
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn scans_page_in_insertion_order() {
    let (_engine, store) = fresh().await;
    store.create_collection("_system", spec("c", CollectionType::Document, "{}")).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    for key in ["m", "b", "z", "a", "q"] {
        txn.insert("c", json(&format!(r#"{{"_key":"{key}"}}"#)), &WriteOptions::default()).await.unwrap();
    }
    txn.commit().await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let mut seen = Vec::new();
    let mut resume: Option<Vec<u8>> = None;
    let mut pages = 0;
    loop {
        let page = txn.scan("c", resume.as_deref(), 2).await.unwrap();
        pages += 1;
        seen.extend(page.docs.iter().map(|d| s(d, "_key").to_string()));
        match page.resume {
            Some(r) => resume = Some(r),
            None => break,
        }
    }
    assert_eq!(seen, vec!["m", "b", "z", "a", "q"]);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn rolled_back_transaction_leaves_nothing() {
    let (engine, store) = fresh().await;
    store.create_collection("_system", spec("v", CollectionType::Document, "{}")).await.unwrap();
    store.create_collection("_system", spec("e", CollectionType::Edge, "{}")).await.unwrap();
    store.create_index("_system", "v", &json(r#"{"type":"persistent","fields":["x"],"unique":true}"#)).await.unwrap();
    let opts = WriteOptions::default();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    txn.insert("v", json(r#"{"_key":"a","x":1}"#), &opts).await.unwrap();
    txn.insert("e", json(r#"{"_key":"ab","_from":"v/a","_to":"v/b"}"#), &opts).await.unwrap();
    assert_eq!(txn.edges("e", "v/a", EdgeDirection::Outbound).await.unwrap().len(), 1, "own writes are seen");
    txn.rollback().await.unwrap();
    // an uncommitted transaction dropped, as a crash would leave it
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    txn.insert("v", json(r#"{"_key":"c","x":1}"#), &opts).await.unwrap();
    drop(txn);
    drop(store);

    let store = DocStore::open(storage_of(&engine).await).await.unwrap();
    assert_eq!(store.count("_system", "v").await.unwrap(), 0);
    assert_eq!(store.count("_system", "e").await.unwrap(), 0);
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    assert!(txn.get("v", "a").await.unwrap().is_none());
    assert!(txn.edges("e", "v/a", EdgeDirection::Outbound).await.unwrap().is_empty());
    assert!(txn.edges("e", "v/b", EdgeDirection::Inbound).await.unwrap().is_empty());
    let lookup = IndexLookup { equal: vec![Value::Int(1)], lower: Bound::Unbounded, upper: Bound::Unbounded };
    assert!(txn.index_scan("v", "idx_2", &lookup, false, None, 10).await.unwrap().docs.is_empty());
    // the unique value is free: no entry was left behind
    txn.insert("v", json(r#"{"_key":"d","x":1}"#), &opts).await.unwrap();
    txn.commit().await.unwrap();
    let storage = storage_of(&engine).await;
    let coll = store.db("_system").unwrap().collection("e").unwrap();
    let mut raw = storage.begin().await.unwrap();
    let left = raw.kv_scan(&coll.handle(), &orbit_storage::engine::KeyRange::all(), false, 10).await.unwrap();
    assert!(left.is_empty(), "the edge collection's table holds nothing: {left:?}");
}

#[tokio::test]
async fn declared_collections_must_exist() {
    let (_engine, store) = fresh().await;
    let options = TxnOptions { read: vec!["_graphs".into()], write: vec!["nope".into()], exclusive: vec![] };
    assert_eq!(store.begin("_system", options).await.err().map(|e| e.num), Some(num::DATA_SOURCE_NOT_FOUND));
    assert_eq!(store.begin("nodb", TxnOptions::default()).await.err().map(|e| e.num), Some(num::DATABASE_NOT_FOUND));
}

#[tokio::test]
async fn rename_and_truncate() {
    let (engine, store) = fresh().await;
    store.create_collection("_system", spec("old", CollectionType::Document, "{}")).await.unwrap();
    store.create_collection("_system", spec("other", CollectionType::Document, "{}")).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    txn.insert("old", json(r#"{"_key":"k"}"#), &WriteOptions::default()).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(store.rename_collection("_system", "old", "other").await.unwrap_err().num, num::DUPLICATE_NAME);
    assert_eq!(store.rename_collection("_system", "old", "_x").await.unwrap_err().num, num::ILLEGAL_NAME);
    store.rename_collection("_system", "old", "new").await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let doc = txn.get("new", "k").await.unwrap().unwrap();
    assert_eq!(s(&doc, "_id"), "new/k");
    assert!(txn.get("old", "k").await.is_err());
    drop(txn);
    store.truncate_collection("_system", "new").await.unwrap();
    assert_eq!(store.count("_system", "new").await.unwrap(), 0);
    store
        .create_collection(
            "_system",
            spec("auto", CollectionType::Document, r#"{"keyOptions":{"type":"autoincrement"}}"#),
        )
        .await
        .unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    txn.insert("auto", json("{}"), &WriteOptions::default()).await.unwrap();
    txn.commit().await.unwrap();
    store.truncate_collection("_system", "auto").await.unwrap();
    drop(store);
    let store = DocStore::open(storage_of(&engine).await).await.unwrap();
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    let key = txn.insert("auto", json("{}"), &WriteOptions::default()).await.unwrap().key;
    assert_eq!(key, "2", "the key generator's value outlives a truncate and a reopen");
    drop(txn);
    let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
    assert!(txn.get("new", "k").await.unwrap().is_none());
    txn.insert("new", json(r#"{"_key":"k"}"#), &WriteOptions::default()).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(store.count("_system", "new").await.unwrap(), 1);
}

#[tokio::test]
async fn concurrent_writers_of_one_collection_both_commit() {
    let (engine, store) = fresh().await;
    store.create_collection("_system", spec("c", CollectionType::Document, "{}")).await.unwrap();
    let mut first = store.begin("_system", TxnOptions::default()).await.unwrap();
    let mut second = store.begin("_system", TxnOptions::default()).await.unwrap();
    first.insert("c", json(r#"{"n":1}"#), &WriteOptions::default()).await.unwrap();
    second.insert("c", json(r#"{"n":2}"#), &WriteOptions::default()).await.unwrap();
    second.insert("c", json(r#"{"n":3}"#), &WriteOptions::default()).await.unwrap();
    first.commit().await.unwrap();
    second.commit().await.unwrap();
    assert_eq!(store.count("_system", "c").await.unwrap(), 3);
    // the same key from two transactions: the second to commit fails
    let mut first = store.begin("_system", TxnOptions::default()).await.unwrap();
    let mut second = store.begin("_system", TxnOptions::default()).await.unwrap();
    first.insert("c", json(r#"{"_key":"same"}"#), &WriteOptions::default()).await.unwrap();
    second.insert("c", json(r#"{"_key":"same"}"#), &WriteOptions::default()).await.unwrap();
    first.commit().await.unwrap();
    assert!(second.commit().await.is_err());
    assert_eq!(store.count("_system", "c").await.unwrap(), 4);
    drop(store);
    let store = DocStore::open(storage_of(&engine).await).await.unwrap();
    assert_eq!(store.count("_system", "c").await.unwrap(), 4, "counts are folded from every commit on reopen");
    let bad = store.create_collection("_system", spec("_mine", CollectionType::Document, "{}")).await;
    assert_eq!(bad.unwrap_err().num, num::ILLEGAL_NAME, "a name starting with _ needs isSystem");
    store.create_collection("_system", spec("_mine", CollectionType::Document, r#"{"isSystem":true}"#)).await.unwrap();
    assert!(store.collection("_system", "_mine").await.unwrap().is_system);
}

#[tokio::test]
async fn statistics_entries_are_folded() {
    let (engine, store) = fresh().await;
    store.create_collection("_system", spec("c", CollectionType::Document, "{}")).await.unwrap();
    let commits = super::stats::FOLD_EVERY + 10;
    for i in 0..commits {
        let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
        txn.insert("c", json(&format!(r#"{{"i":{i}}}"#)), &WriteOptions::default()).await.unwrap();
        txn.commit().await.unwrap();
    }
    let coll = store.db("_system").unwrap().collection("c").unwrap();
    let storage = storage_of(&engine).await;
    let mut raw = storage.begin().await.unwrap();
    let entries = raw.kv_scan(&coll.handle(), &keys::space(keys::STATS), false, usize::MAX).await.unwrap();
    assert!(entries.len() < 20, "{} statistics entries left unfolded", entries.len());
    drop(store);
    let store = DocStore::open(storage_of(&engine).await).await.unwrap();
    assert_eq!(store.count("_system", "c").await.unwrap(), commits);
}
