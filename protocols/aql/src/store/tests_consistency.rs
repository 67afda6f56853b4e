//! A seeded random run of writes (inserts, replaces, updates, removes, some refused by
//! a unique index, some in rolled back transactions) over a collection with unique,
//! array and sparse indexes, then a check of the raw keyspace: every index and primary
//! entry points at a stored document that gives it, every document has all its entries,
//! and the committed count matches.

use super::indexes::IndexDef;
use super::tests::{fresh, json, spec};
use super::*;
use crate::value::binary;
use orbit_storage::engine::KeyRange;
use std::collections::{BTreeMap, BTreeSet};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn random_doc(rng: &mut Lcg) -> Value {
    let tags: Vec<String> = (0..rng.next(4)).map(|_| format!(r#""t{}""#, rng.next(5))).collect();
    let email = if rng.next(3) == 0 { "null".to_string() } else { format!(r#""e{}""#, rng.next(40)) };
    json(&format!(r#"{{"email":{email},"n":{},"tags":[{}]}}"#, rng.next(10), tags.join(",")))
}

async fn check(store: &Arc<DocStore>) -> u64 {
    let coll = store.db("_system").unwrap().collection("c").unwrap();
    let h = coll.handle();
    let mut tx = store.storage().begin().await.unwrap();
    let raw = tx.kv_scan(&h, &KeyRange::all(), false, usize::MAX).await.unwrap();
    let mut docs: BTreeMap<u64, Value> = BTreeMap::new();
    let mut primary: BTreeMap<String, u64> = BTreeMap::new();
    let mut entries: BTreeSet<(Vec<u8>, u64)> = BTreeSet::new();
    for (key, value) in &raw {
        match key.first() {
            Some(&keys::DOC) => {
                docs.insert(keys::trailing_u64(key).unwrap(), binary::decode(value).unwrap());
            }
            Some(&keys::PRIMARY) => {
                primary.insert(String::from_utf8(key[1..].to_vec()).unwrap(), keys::trailing_u64(value).unwrap());
            }
            Some(&keys::INDEX) => {
                entries.insert((key.clone(), keys::entry_rev(key, value).unwrap()));
            }
            _ => {}
        }
    }
    assert_eq!(primary.len(), docs.len(), "one primary entry per document");
    for (key, rev) in &primary {
        let doc = docs.get(rev).unwrap_or_else(|| panic!("primary entry {key} points at nothing"));
        assert_eq!(doc.get("_key").and_then(|k| k.as_str()), Some(key.as_str()));
    }
    let defs: Vec<Arc<IndexDef>> = coll.indexes().iter().cloned().collect();
    let mut expected: BTreeSet<(Vec<u8>, u64)> = BTreeSet::new();
    for (rev, doc) in &docs {
        for def in &defs {
            for values in def.entries(doc).unwrap() {
                expected.insert((keys::index_entry(def.n, &values, def.unique, *rev), *rev));
            }
        }
    }
    assert_eq!(entries, expected, "index entries are exactly those the documents give");
    docs.len() as u64
}

#[tokio::test]
async fn random_writes_keep_indexes_consistent() {
    let (_engine, store) = fresh().await;
    store.create_collection("_system", spec("c", CollectionType::Document, "{}")).await.unwrap();
    for body in [
        r#"{"type":"persistent","fields":["email"],"unique":true,"sparse":true}"#,
        r#"{"type":"persistent","fields":["tags[*]","n"]}"#,
        r#"{"type":"persistent","fields":["n"],"sparse":true}"#,
    ] {
        store.create_index("_system", "c", &json(body)).await.unwrap();
    }
    let mut rng = Lcg(7);
    let opts = WriteOptions::default();
    let (mut refused, mut done) = (0, 0);
    for round in 0..60 {
        let mut txn = store.begin("_system", TxnOptions::default()).await.unwrap();
        for _ in 0..10 {
            let key = format!("k{}", rng.next(30));
            let result = match rng.next(4) {
                0 => {
                    let mut doc = random_doc(&mut rng);
                    if let Value::Object(o) = &mut doc {
                        o.insert("_key".into(), Value::str(key.clone()));
                    }
                    txn.insert("c", doc, &opts).await.map(|_| ())
                }
                1 => txn.replace("c", &key, random_doc(&mut rng), &opts).await.map(|_| ()),
                2 => txn.update("c", &key, random_doc(&mut rng), &opts).await.map(|_| ()),
                _ => txn.remove("c", &key, &opts).await.map(|_| ()),
            };
            match result {
                Ok(()) => done += 1,
                Err(_) => refused += 1,
            }
        }
        if round % 5 == 4 {
            txn.rollback().await.unwrap();
        } else {
            txn.commit().await.unwrap();
        }
    }
    assert!(done > 100 && refused > 50, "a mix of writes and refusals: {done} done, {refused} refused");
    let n = check(&store).await;
    assert_eq!(store.count("_system", "c").await.unwrap(), n);
}
