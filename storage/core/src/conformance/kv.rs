//! Conformance checks of table handles and the lean key-value path: raw get, put, delete
//! and scans in a table's keyspace, atomic with row writes, with and without conflict
//! tracking and snapshots.

use super::{create_users, user, Storage};
use crate::engine::{KeyRange, KvPair};
use crate::error::StorageError;
use crate::schema::{ColumnDef, TableDef};
use crate::table::{ScanOptions, TableHandle, TxnOptions};
use crate::value::{DataType, Value};
use std::ops::Bound;

fn keys(pairs: &[KvPair]) -> Vec<Vec<u8>> {
    pairs.iter().map(|(k, _)| k.clone()).collect()
}

async fn raw_table(s: &Storage, name: &str) -> TableHandle {
    let def = TableDef::new(name).column(ColumnDef::new("k", DataType::Bytes)).primary_key(&["k"]);
    s.create_table(&def).await.expect("create raw table");
    s.table_handle(name).await.expect("handle")
}

async fn committed(s: &Storage, t: &TableHandle, key: &[u8]) -> Option<Vec<u8>> {
    s.kv_get(t, key).await.expect("kv_get")
}

/// Put, get, overwrite, delete; own writes visible, others' only after commit; rollback
/// and a dropped transaction leave nothing; rows and raw entries do not see each other.
pub async fn kv_basics(s: Storage) {
    assert!(matches!(s.table_handle("missing").await, Err(StorageError::TableNotFound(_))));
    create_users(s.as_ref()).await;
    let users = s.table_handle("users").await.unwrap();
    assert_eq!(users.name(), "users");
    let before = s.metrics();

    let mut t = s.begin().await.unwrap();
    t.kv_put(&users, b"a", b"1".to_vec()).await.unwrap();
    t.kv_put(&users, b"", b"empty key".to_vec()).await.unwrap();
    assert_eq!(t.kv_get(&users, b"a").await.unwrap(), Some(b"1".to_vec()), "own write");
    assert_eq!(committed(&s, &users, b"a").await, None, "uncommitted put is invisible");
    t.kv_put(&users, b"a", b"2".to_vec()).await.unwrap();
    t.commit().await.unwrap();
    assert_eq!(committed(&s, &users, b"a").await, Some(b"2".to_vec()));
    assert_eq!(committed(&s, &users, b"").await, Some(b"empty key".to_vec()));

    let mut t = s.begin().await.unwrap();
    t.kv_delete(&users, b"a").await.unwrap();
    t.kv_delete(&users, b"never there").await.unwrap();
    assert_eq!(t.kv_get(&users, b"a").await.unwrap(), None, "own delete");
    t.rollback().await.unwrap();
    assert_eq!(committed(&s, &users, b"a").await, Some(b"2".to_vec()), "rolled back");
    {
        let mut t = s.begin().await.unwrap();
        t.kv_put(&users, b"dropped", vec![1]).await.unwrap();
    }
    assert_eq!(committed(&s, &users, b"dropped").await, None, "a dropped transaction is rolled back");

    // Rows and raw entries share the table but not their keyspaces.
    s.insert("users", user(1, None, None, "row")).await.unwrap();
    assert_eq!(s.scan("users", &ScanOptions::all()).await.unwrap().len(), 1);
    let mut t = s.begin().await.unwrap();
    assert_eq!(keys(&t.kv_scan(&users, &KeyRange::all(), false, 100).await.unwrap()), [b"".to_vec(), b"a".to_vec()]);
    drop(t);

    // Autocommit helpers, with and without conflict tracking.
    s.kv_put(&users, b"b", b"x".to_vec(), TxnOptions::default()).await.unwrap();
    s.kv_put(&users, b"c", b"y".to_vec(), TxnOptions::serialized_writer()).await.unwrap();
    s.kv_delete(&users, b"b", TxnOptions::serialized_writer()).await.unwrap();
    assert_eq!(committed(&s, &users, b"b").await, None);
    assert_eq!(committed(&s, &users, b"c").await, Some(b"y".to_vec()));

    // Counted in the same metrics as row operations.
    let after = s.metrics();
    assert!(after.count("upsert") >= before.count("upsert") + 5);
    assert!(after.count("get") >= before.count("get") + 7);
    assert!(after.count("delete") >= before.count("delete") + 3);
    assert!(after.count("scan") > before.count("scan"));
    assert!(after.count("commit") >= before.count("commit") + 5);
}

/// Raw writes and row writes of one transaction commit together or not at all.
pub async fn kv_atomic_with_rows(s: Storage) {
    create_users(s.as_ref()).await;
    let users = s.table_handle("users").await.unwrap();
    let mut t = s.begin().await.unwrap();
    t.insert("users", user(1, Some("a@x"), None, "one")).await.unwrap();
    t.kv_put(&users, b"meta:1", b"m".to_vec()).await.unwrap();
    t.commit().await.unwrap();
    assert!(s.get("users", &[Value::Int(1)]).await.unwrap().is_some());
    assert_eq!(committed(&s, &users, b"meta:1").await, Some(b"m".to_vec()));

    // A failed commit (write-write conflict on the row) leaves neither the row change
    // nor the raw write.
    let mut t1 = s.begin().await.unwrap();
    let mut t2 = s.begin().await.unwrap();
    t1.update("users", &[Value::Int(1)], user(1, Some("a@x"), Some(1), "t1")).await.unwrap();
    t2.update("users", &[Value::Int(1)], user(1, Some("a@x"), Some(2), "t2")).await.unwrap();
    t2.kv_put(&users, b"meta:1", b"t2".to_vec()).await.unwrap();
    t2.kv_put(&users, b"meta:2", b"t2".to_vec()).await.unwrap();
    t1.commit().await.unwrap();
    assert_eq!(t2.commit().await.unwrap_err(), StorageError::Conflict);
    assert_eq!(committed(&s, &users, b"meta:1").await, Some(b"m".to_vec()));
    assert_eq!(committed(&s, &users, b"meta:2").await, None);
    assert_eq!(s.get("users", &[Value::Int(1)]).await.unwrap().unwrap()[3], Value::Text("t1".into()));

    // A raw write conflicts with a raw write like a row write with a row write.
    let mut t1 = s.begin().await.unwrap();
    let mut t2 = s.begin().await.unwrap();
    t1.kv_put(&users, b"k", b"1".to_vec()).await.unwrap();
    t2.kv_put(&users, b"k", b"2".to_vec()).await.unwrap();
    t2.insert("users", user(9, None, None, "t2")).await.unwrap();
    t1.commit().await.unwrap();
    assert_eq!(t2.commit().await.unwrap_err(), StorageError::Conflict);
    assert!(s.get("users", &[Value::Int(9)]).await.unwrap().is_none(), "the row went with the raw write");
    assert_eq!(committed(&s, &users, b"k").await, Some(b"1".to_vec()));

    // Rolled back together too.
    let mut t = s.begin().await.unwrap();
    t.insert("users", user(10, None, None, "gone")).await.unwrap();
    t.kv_put(&users, b"gone", vec![]).await.unwrap();
    t.rollback().await.unwrap();
    assert!(s.get("users", &[Value::Int(10)]).await.unwrap().is_none());
    assert_eq!(committed(&s, &users, b"gone").await, None);
}

/// Raw scans: byte order, every bound kind, reverse, limits, paging by the last key,
/// pending writes and deletes merged in, and one table's keyspace only.
pub async fn kv_scan_order_and_bounds(s: Storage) {
    let a = raw_table(&s, "raw_a").await;
    let b = raw_table(&s, "raw_b").await;
    let stored: [&[u8]; 7] = [b"", b"\x00", b"a", b"a\x00", b"ab", b"a\xff", b"\xff\xff"];
    let mut t = s.begin().await.unwrap();
    // Written out of order: the scan sorts.
    for k in stored.iter().rev() {
        t.kv_put(&a, k, [b"v-".as_slice(), k].concat()).await.unwrap();
    }
    t.kv_put(&b, b"a", b"other table".to_vec()).await.unwrap();
    t.commit().await.unwrap();
    let all: Vec<Vec<u8>> = stored.iter().map(|k| k.to_vec()).collect();

    let mut t = s.begin().await.unwrap();
    let got = t.kv_scan(&a, &KeyRange::all(), false, 100).await.unwrap();
    assert_eq!(keys(&got), all);
    assert_eq!(got[2].1, b"v-a".to_vec());
    let mut rev = all.clone();
    rev.reverse();
    assert_eq!(keys(&t.kv_scan(&a, &KeyRange::all(), true, 100).await.unwrap()), rev);
    assert_eq!(keys(&t.kv_scan(&b, &KeyRange::all(), false, 100).await.unwrap()), [b"a".to_vec()]);

    let prefix = t.kv_scan(&a, &KeyRange::prefix(b"a"), false, 100).await.unwrap();
    assert_eq!(keys(&prefix), [b"a".to_vec(), b"a\x00".to_vec(), b"ab".to_vec(), b"a\xff".to_vec()]);
    let between = t.kv_scan(&a, &KeyRange::between(b"\x00", b"a\xff"), false, 100).await.unwrap();
    assert_eq!(keys(&between), [b"\x00".to_vec(), b"a".to_vec(), b"a\x00".to_vec(), b"ab".to_vec()]);
    let open = KeyRange { start: Bound::Excluded(b"a".to_vec()), end: Bound::Included(b"ab".to_vec()) };
    assert_eq!(keys(&t.kv_scan(&a, &open, false, 100).await.unwrap()), [b"a\x00".to_vec(), b"ab".to_vec()]);
    assert_eq!(keys(&t.kv_scan(&a, &open, true, 1).await.unwrap()), [b"ab".to_vec()]);
    let to_end = KeyRange { start: Bound::Excluded(b"ab".to_vec()), end: Bound::Unbounded };
    assert_eq!(keys(&t.kv_scan(&a, &to_end, false, 100).await.unwrap()), [b"a\xff".to_vec(), b"\xff\xff".to_vec()]);
    let empty = KeyRange::between(b"b", b"a");
    assert!(t.kv_scan(&a, &empty, false, 100).await.unwrap().is_empty());
    assert!(t.kv_scan(&a, &KeyRange::all(), false, 0).await.unwrap().is_empty());

    // Paging: resume after the last key returned, forwards and backwards.
    for reverse in [false, true] {
        let mut range = KeyRange::all();
        let mut seen = Vec::new();
        loop {
            let page = t.kv_scan(&a, &range, reverse, 3).await.unwrap();
            let Some((last, _)) = page.last() else { break };
            if reverse {
                range.end = Bound::Excluded(last.clone());
            } else {
                range.start = Bound::Excluded(last.clone());
            }
            seen.extend(keys(&page));
        }
        assert_eq!(seen, if reverse { rev.clone() } else { all.clone() });
    }

    // Pending writes and deletes are merged in.
    t.kv_delete(&a, b"a").await.unwrap();
    t.kv_put(&a, b"aa", b"new".to_vec()).await.unwrap();
    t.kv_put(&a, b"ab", b"changed".to_vec()).await.unwrap();
    let merged = t.kv_scan(&a, &KeyRange::prefix(b"a"), false, 100).await.unwrap();
    assert_eq!(keys(&merged), [b"a\x00".to_vec(), b"aa".to_vec(), b"ab".to_vec(), b"a\xff".to_vec()]);
    assert_eq!(merged[2].1, b"changed".to_vec());
    let merged = t.kv_scan(&a, &KeyRange::prefix(b"a"), true, 2).await.unwrap();
    assert_eq!(keys(&merged), [b"a\xff".to_vec(), b"ab".to_vec()]);
    t.commit().await.unwrap();
    let mut t = s.begin().await.unwrap();
    assert_eq!(t.kv_scan(&a, &KeyRange::all(), false, 100).await.unwrap().len(), all.len());
}

/// Without conflict tracking the last committer wins; tracking transactions still see
/// conflicts with untracked writers; latest reads see commits made after begin.
pub async fn kv_conflict_tracking_and_latest_reads(s: Storage) {
    let t = raw_table(&s, "raw").await;
    s.kv_put(&t, b"k", b"0".to_vec(), TxnOptions::default()).await.unwrap();

    let mut t1 = s.begin_with(TxnOptions::serialized_writer()).await.unwrap();
    let mut t2 = s.begin_with(TxnOptions::serialized_writer()).await.unwrap();
    t1.kv_put(&t, b"k", b"1".to_vec()).await.unwrap();
    t2.kv_put(&t, b"k", b"2".to_vec()).await.unwrap();
    t1.commit().await.unwrap();
    t2.commit().await.unwrap();
    assert_eq!(committed(&s, &t, b"k").await, Some(b"2".to_vec()), "the last committer wins");

    let mut tracked = s.begin().await.unwrap();
    let mut untracked = s.begin_with(TxnOptions { conflict_tracking: false, latest_reads: false }).await.unwrap();
    tracked.kv_put(&t, b"k", b"tracked".to_vec()).await.unwrap();
    untracked.kv_put(&t, b"k", b"untracked".to_vec()).await.unwrap();
    untracked.commit().await.unwrap();
    assert_eq!(tracked.commit().await.unwrap_err(), StorageError::Conflict, "untracked writes are still recorded");
    assert_eq!(committed(&s, &t, b"k").await, Some(b"untracked".to_vec()));

    // Snapshot reads keep the state at begin; latest reads see later commits.
    let mut snap = s.begin().await.unwrap();
    let mut latest = s.begin_with(TxnOptions::serialized_writer()).await.unwrap();
    assert_eq!(snap.kv_get(&t, b"k").await.unwrap(), Some(b"untracked".to_vec()));
    s.kv_put(&t, b"k", b"later".to_vec(), TxnOptions::default()).await.unwrap();
    s.kv_put(&t, b"k2", b"later".to_vec(), TxnOptions::default()).await.unwrap();
    assert_eq!(snap.kv_get(&t, b"k").await.unwrap(), Some(b"untracked".to_vec()), "snapshot");
    assert_eq!(snap.kv_scan(&t, &KeyRange::all(), false, 10).await.unwrap().len(), 1);
    assert_eq!(latest.kv_get(&t, b"k").await.unwrap(), Some(b"later".to_vec()), "latest");
    assert_eq!(latest.kv_scan(&t, &KeyRange::all(), false, 10).await.unwrap().len(), 2);
    latest.kv_put(&t, b"k3", b"own".to_vec()).await.unwrap();
    assert_eq!(latest.kv_get(&t, b"k3").await.unwrap(), Some(b"own".to_vec()), "own writes first");
    latest.commit().await.unwrap();
    drop(snap);
    assert_eq!(committed(&s, &t, b"k3").await, Some(b"own".to_vec()));

    // Row operations in a latest-reads transaction read the latest state too.
    create_users(s.as_ref()).await;
    let mut latest = s.begin_with(TxnOptions::serialized_writer()).await.unwrap();
    s.insert("users", user(1, None, None, "after begin")).await.unwrap();
    assert!(latest.get("users", &[Value::Int(1)]).await.unwrap().is_some());
    assert_eq!(latest.scan("users", &ScanOptions::all()).await.unwrap().len(), 1);
    latest.rollback().await.unwrap();
}

/// Handles survive commits but not schema changes: truncate and drop clear the raw
/// keyspace, and writes through a stale handle fail their commit.
pub async fn kv_handles_and_ddl(s: Storage) {
    let t = raw_table(&s, "raw").await;
    s.kv_put(&t, b"k", b"v".to_vec(), TxnOptions::default()).await.unwrap();
    assert_eq!(s.table_handle("raw").await.unwrap(), t, "resolving again gives the same handle");

    s.truncate_table("raw").await.unwrap();
    assert_eq!(committed(&s, &t, b"k").await, None, "truncate clears raw entries");
    let mut tx = s.begin().await.unwrap();
    tx.kv_put(&t, b"k", b"stale".to_vec()).await.unwrap();
    assert_eq!(tx.commit().await.unwrap_err(), StorageError::Conflict, "stale handle");
    let fresh = s.table_handle("raw").await.unwrap();
    assert_ne!(fresh, t);
    s.kv_put(&fresh, b"k", b"fresh".to_vec(), TxnOptions::serialized_writer()).await.unwrap();
    assert_eq!(committed(&s, &fresh, b"k").await, Some(b"fresh".to_vec()));

    // A transaction that began with the old handle and the new one cannot mix them.
    let mut tx = s.begin().await.unwrap();
    tx.kv_put(&fresh, b"a", vec![]).await.unwrap();
    assert_eq!(tx.kv_put(&t, b"b", vec![]).await.unwrap_err(), StorageError::Conflict);
    tx.rollback().await.unwrap();

    s.drop_table("raw").await.unwrap();
    assert_eq!(committed(&s, &fresh, b"k").await, None, "drop clears raw entries");
    let mut tx = s.begin_with(TxnOptions::serialized_writer()).await.unwrap();
    tx.kv_put(&fresh, b"k", b"dropped".to_vec()).await.unwrap();
    assert_eq!(tx.commit().await.unwrap_err(), StorageError::Conflict, "handle of a dropped table");
    let again = raw_table(&s, "raw").await;
    assert_ne!(again.id(), fresh.id());
    let mut tx = s.begin().await.unwrap();
    assert!(tx.kv_scan(&again, &KeyRange::all(), false, 10).await.unwrap().is_empty());
}

/// Many tasks read-modify-write one raw counter in untracked transactions, serialized
/// by a lock of their own (as a model serializing its writers does): no update is lost.
pub async fn kv_serialized_writers(s: Storage) {
    let t = raw_table(&s, "counter").await;
    let lock = std::sync::Arc::new(tokio::sync::Mutex::new(()));
    let mut handles = Vec::new();
    for _ in 0..4 {
        let (s, t, lock) = (s.clone(), t.clone(), lock.clone());
        handles.push(tokio::spawn(async move {
            for _ in 0..25 {
                let _serialized = lock.lock().await;
                let mut tx = s.begin_with(TxnOptions::serialized_writer()).await.unwrap();
                let n = match tx.kv_get(&t, b"n").await.unwrap() {
                    Some(v) => u64::from_be_bytes(v.try_into().unwrap()),
                    None => 0,
                };
                tokio::task::yield_now().await;
                tx.kv_put(&t, b"n", (n + 1).to_be_bytes().to_vec()).await.unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(committed(&s, &t, b"n").await, Some(100u64.to_be_bytes().to_vec()));
}
