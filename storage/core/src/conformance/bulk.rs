//! Conformance checks of bulk loading ([`crate::TableStorage::bulk_load`]): rows are
//! invisible until the publish and all visible after it, an abort or a dropped load
//! leaves nothing, uniqueness is enforced among the loaded rows, index entries are
//! built, and writers of the table are held off while the load runs.

use super::{create_users, ids, int, text, user, Storage};
use crate::error::StorageError;
use crate::table::ScanOptions;

async fn count(s: &Storage) -> usize {
    s.scan("users", &ScanOptions::all()).await.unwrap().len()
}

pub async fn bulk_load_visible_only_after_publish(s: Storage) {
    create_users(s.as_ref()).await;
    let mut load = s.bulk_load("users").await.unwrap().expect("an empty table loads in bulk");
    let n = 3000;
    for id in 0..n {
        let email = format!("u{id}@x");
        load.insert(user(id, Some(&email), Some(id % 10), "n")).await.unwrap();
    }
    assert_eq!(load.rows(), n as u64);
    assert_eq!(count(&s).await, 0, "nothing is visible before the publish");
    assert!(s.get("users", &[int(5)]).await.unwrap().is_none());
    assert!(s.index_scan("users", "users_age", &ScanOptions::all()).await.unwrap().is_empty());
    let mut before = s.begin().await.unwrap();
    assert!(before.get("users", &[int(1)]).await.unwrap().is_none());
    load.publish().await.unwrap();
    assert_eq!(count(&s).await, n as usize);
    assert_eq!(s.get("users", &[int(7)]).await.unwrap(), Some(user(7, Some("u7@x"), Some(7), "n")));
    // A snapshot older than the publish keeps seeing the table as it was.
    assert!(before.scan("users", &ScanOptions::all()).await.unwrap().is_empty());
    assert!(before.get("users", &[int(7)]).await.unwrap().is_none());
    before.rollback().await.unwrap();
    // Index entries were built with the rows.
    let age3 = s.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(3)])).await.unwrap();
    assert_eq!(age3.len(), n as usize / 10);
    assert!(ids(&age3).iter().all(|id| id % 10 == 3));
    let by_email = s.index_scan("users", "users_email", &ScanOptions::prefix(vec![text("u42@x")])).await.unwrap();
    assert_eq!(ids(&by_email), [42]);
    // The loaded table behaves as any other: its unique values are taken, rows update.
    let err = s.insert("users", user(n + 1, Some("u1@x"), None, "n")).await.unwrap_err();
    assert!(matches!(err, StorageError::UniqueViolation { .. }), "{err:?}");
    assert!(matches!(s.insert("users", user(1, None, None, "n")).await, Err(StorageError::DuplicateKey { .. })));
    assert!(s.update("users", &[int(2)], user(2, Some("u2@x"), Some(99), "m")).await.unwrap());
    assert_eq!(ids(&s.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(99)])).await.unwrap()), [2]);
    // A table with rows takes the transactional path.
    assert!(s.bulk_load("users").await.unwrap().is_none());
}

pub async fn bulk_load_abort_leaves_nothing(s: Storage) {
    create_users(s.as_ref()).await;
    let mut load = s.bulk_load("users").await.unwrap().expect("bulk load");
    for id in 0..100 {
        load.insert(user(id, None, Some(1), "n")).await.unwrap();
    }
    load.abort().await.unwrap();
    assert_eq!(count(&s).await, 0);
    assert!(s.index_scan("users", "users_age", &ScanOptions::all()).await.unwrap().is_empty());
    // A dropped load is aborted too, and the table can be loaded again at once.
    {
        let mut load = s.bulk_load("users").await.unwrap().expect("bulk load");
        load.insert(user(1, None, None, "dropped")).await.unwrap();
    }
    assert_eq!(count(&s).await, 0);
    let mut load = s.bulk_load("users").await.unwrap().expect("a dropped load releases the table");
    load.insert(user(5, None, Some(2), "kept")).await.unwrap();
    load.publish().await.unwrap();
    assert_eq!(ids(&s.scan("users", &ScanOptions::all()).await.unwrap()), [5]);
    assert_eq!(ids(&s.index_scan("users", "users_age", &ScanOptions::all()).await.unwrap()), [5]);
}

pub async fn bulk_load_unique_violations(s: Storage) {
    create_users(s.as_ref()).await;
    // A key below the greatest one loaded, already loaded.
    let mut load = s.bulk_load("users").await.unwrap().expect("bulk load");
    for id in [10, 20, 30] {
        load.insert(user(id, None, None, "n")).await.unwrap();
    }
    load.insert(user(15, None, None, "out of order")).await.unwrap();
    let err = load.insert(user(20, None, None, "again")).await.unwrap_err();
    assert!(matches!(err, StorageError::DuplicateKey { .. }), "{err:?}");
    load.abort().await.unwrap();
    assert_eq!(count(&s).await, 0);
    // The same key twice in a row, and a unique value again; NULLs are not values.
    let mut load = s.bulk_load("users").await.unwrap().expect("bulk load");
    load.insert(user(1, Some("a@x"), None, "n")).await.unwrap();
    let err = load.insert(user(1, Some("b@x"), None, "n")).await.unwrap_err();
    assert!(matches!(err, StorageError::DuplicateKey { .. }), "{err:?}");
    load.insert(user(2, None, None, "n")).await.unwrap();
    load.insert(user(3, None, None, "n")).await.unwrap();
    let err = load.insert(user(4, Some("a@x"), None, "n")).await.unwrap_err();
    assert!(matches!(err, StorageError::UniqueViolation { ref index, .. } if index == "users_email"), "{err:?}");
    // Type and NOT NULL checks are those of insert.
    let err = load.insert(vec![text("x"), text("a"), int(1), text("n")]).await.unwrap_err();
    assert!(matches!(err, StorageError::TypeMismatch { .. }), "{err:?}");
    let err = load.insert(user(9, None, None, "n").into_iter().take(3).chain([crate::Value::Null]).collect()).await;
    assert!(matches!(err, Err(StorageError::NotNullViolation { .. })), "{err:?}");
    load.abort().await.unwrap();
    assert_eq!(count(&s).await, 0);
    assert!(s.index_scan("users", "users_email", &ScanOptions::all()).await.unwrap().is_empty());
}

pub async fn bulk_load_holds_off_writers(s: Storage) {
    create_users(s.as_ref()).await;
    let mut load = s.bulk_load("users").await.unwrap().expect("bulk load");
    assert!(s.bulk_load("users").await.unwrap().is_none(), "one load of a table at a time");
    load.insert(user(1, None, None, "loaded")).await.unwrap();
    // A writer of the table fails while the load runs; reads go on.
    let err = s.insert("users", user(2, None, None, "concurrent")).await.unwrap_err();
    assert_eq!(err, StorageError::Conflict);
    assert_eq!(count(&s).await, 0);
    // A writer that began before the publish and commits after it fails too.
    let mut late = s.begin().await.unwrap();
    late.insert("users", user(3, None, None, "late")).await.unwrap();
    load.publish().await.unwrap();
    assert_eq!(late.commit().await.unwrap_err(), StorageError::Conflict);
    assert_eq!(ids(&s.scan("users", &ScanOptions::all()).await.unwrap()), [1]);
    s.insert("users", user(4, None, None, "after")).await.unwrap();
    // A schema change during a load fails its publish and leaves nothing of it.
    s.create_table(
        &crate::TableDef::new("other").column(crate::ColumnDef::new("k", crate::DataType::Int64)).primary_key(&["k"]),
    )
    .await
    .unwrap();
    let mut load = s.bulk_load("other").await.unwrap().expect("bulk load");
    load.insert(vec![int(1)]).await.unwrap();
    s.truncate_table("other").await.unwrap();
    assert_eq!(load.publish().await.unwrap_err(), StorageError::Conflict);
    assert!(s.scan("other", &ScanOptions::all()).await.unwrap().is_empty());
    s.insert("other", vec![int(2)]).await.unwrap();
}

pub async fn bulk_load_in_transaction(s: Storage) {
    create_users(s.as_ref()).await;
    s.create_table(
        &crate::TableDef::new("other").column(crate::ColumnDef::new("k", crate::DataType::Int64)).primary_key(&["k"]),
    )
    .await
    .unwrap();
    let mut t = s.begin().await.unwrap();
    t.insert("other", vec![int(1)]).await.unwrap();
    assert!(t.bulk_load("users").await.unwrap(), "an empty table loads in bulk inside a transaction");
    for id in (0..500).rev() {
        t.bulk_insert("users", user(id, Some(&format!("u{id}@x")), Some(id % 5), "n")).await.unwrap();
    }
    let err = t.bulk_insert("users", user(7, None, None, "dup")).await.unwrap_err();
    assert!(matches!(err, StorageError::DuplicateKey { .. }), "{err:?}");
    t.bulk_flush("users").await.unwrap();
    // The transaction sees its load; nobody else does.
    assert_eq!(t.scan("users", &ScanOptions::all()).await.unwrap().len(), 500);
    assert_eq!(t.get("users", &[int(9)]).await.unwrap(), Some(user(9, Some("u9@x"), Some(4), "n")));
    assert_eq!(t.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(2)])).await.unwrap().len(), 100);
    assert!(t.update("users", &[int(9)], user(9, Some("u9@x"), Some(77), "m")).await.unwrap());
    // After its own changes, more rows are checked against them too.
    assert!(t.update("users", &[int(8)], user(1000, Some("u8@x"), Some(3), "moved")).await.unwrap());
    let err = t.bulk_insert("users", user(1000, None, None, "dup")).await.unwrap_err();
    assert!(matches!(err, StorageError::DuplicateKey { .. }), "{err:?}");
    t.bulk_insert("users", user(8, None, None, "again")).await.unwrap();
    assert_eq!(count(&s).await, 0);
    assert!(s.get("other", &[int(1)]).await.unwrap().is_none());
    t.commit().await.unwrap();
    // The load and the transaction's other writes appear together.
    assert_eq!(count(&s).await, 501);
    assert_eq!(s.get("users", &[int(1000)]).await.unwrap().unwrap()[3], text("moved"));
    assert!(s.get("other", &[int(1)]).await.unwrap().is_some());
    assert_eq!(ids(&s.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(77)])).await.unwrap()), [9]);
    // A rollback discards the load.
    s.truncate_table("users").await.unwrap();
    let mut t = s.begin().await.unwrap();
    assert!(t.bulk_load("users").await.unwrap());
    t.bulk_insert("users", user(1, None, None, "n")).await.unwrap();
    t.rollback().await.unwrap();
    assert_eq!(count(&s).await, 0);
    // A transaction that wrote the table, or a table with rows, inserts as usual.
    let mut t = s.begin().await.unwrap();
    t.insert("users", user(1, None, None, "n")).await.unwrap();
    assert!(!t.bulk_load("users").await.unwrap());
    t.bulk_insert("users", user(2, None, None, "n")).await.unwrap();
    t.commit().await.unwrap();
    let mut t = s.begin().await.unwrap();
    assert!(!t.bulk_load("users").await.unwrap());
    t.rollback().await.unwrap();
    assert_eq!(ids(&s.scan("users", &ScanOptions::all()).await.unwrap()), [1, 2]);
}
