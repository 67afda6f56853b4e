//! The storage conformance suite: one set of behavioural checks that every
//! [`TableStorage`] must pass, whatever engine is underneath.
//!
//! Each check is an async function taking a fresh storage. The
//! [`conformance_tests!`](crate::conformance_tests) macro expands to one `#[tokio::test]`
//! per check for a given factory expression, so the memory engine (in this crate's unit
//! tests), RocksDB and the actor storage (in `tests/`) run exactly the same suite.
//! Checks panic on failure, as tests do. The checks of table handles and the lean
//! key-value path are in [`kv`], those of bulk loading in [`bulk`], those of resumable
//! scans in [`paging`].

mod bulk;
mod kv;
mod paging;

pub use bulk::*;
pub use kv::*;
pub use paging::*;

use crate::error::StorageError;
use crate::schema::{AlterTable, ColumnDef, IndexDef, TableDef};
use crate::table::{now_millis, ScanOptions, TableStorage};
use crate::value::{DataType, Value};
use std::ops::Bound;
use std::sync::Arc;

pub type Storage = Arc<dyn TableStorage>;

pub(crate) fn int(v: i64) -> Value {
    Value::Int(v)
}
pub(crate) fn text(v: &str) -> Value {
    Value::Text(v.to_string())
}

/// `users(id bigint pk, email text unique, age int, name text not null default 'anon')`
/// with a non-unique index on age.
pub async fn create_users(s: &dyn TableStorage) {
    let def = TableDef::new("users")
        .column(ColumnDef::new("id", DataType::Int64))
        .column(ColumnDef::new("email", DataType::Text))
        .column(ColumnDef::new("age", DataType::Int32))
        .column(ColumnDef::new("name", DataType::Text).not_null().default_value(text("anon")))
        .primary_key(&["id"])
        .index(IndexDef::new("users_email", &["email"], true))
        .index(IndexDef::new("users_age", &["age"], false));
    s.create_table(&def).await.expect("create users");
}

pub(crate) fn user(id: i64, email: Option<&str>, age: Option<i64>, name: &str) -> Vec<Value> {
    vec![int(id), email.map_or(Value::Null, text), age.map_or(Value::Null, int), text(name)]
}

pub(crate) fn ids(rows: &[Vec<Value>]) -> Vec<i64> {
    rows.iter()
        .map(|r| match &r[0] {
            Value::Int(v) => *v,
            other => panic!("expected an integer id, got {other:?}"),
        })
        .collect()
}

pub async fn catalog_lifecycle(s: Storage) {
    create_users(s.as_ref()).await;
    assert!(matches!(create_users_again(s.as_ref()).await, Err(StorageError::TableExists(_))));
    assert_eq!(s.list_tables().await.unwrap(), vec!["users".to_string()]);
    let schema = s.table_schema("users").await.unwrap().expect("schema");
    assert_eq!(schema.columns().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "email", "age", "name"]);
    assert_eq!(schema.primary_key_names(), ["id"]);
    assert!(!schema.columns().next().unwrap().nullable, "primary-key columns are NOT NULL");
    let no_pk = TableDef::new("bad").column(ColumnDef::new("a", DataType::Int64));
    assert!(matches!(s.create_table(&no_pk).await, Err(StorageError::InvalidSchema(_))));
    s.drop_table("users").await.unwrap();
    assert!(s.table_schema("users").await.unwrap().is_none());
    assert!(matches!(s.drop_table("users").await, Err(StorageError::TableNotFound(_))));
    assert!(matches!(s.get("users", &[int(1)]).await, Err(StorageError::TableNotFound(_))));
    // A table created again under the same name starts empty.
    create_users(s.as_ref()).await;
    s.insert("users", user(1, None, None, "a")).await.unwrap();
    s.drop_table("users").await.unwrap();
    create_users(s.as_ref()).await;
    assert!(s.scan("users", &ScanOptions::all()).await.unwrap().is_empty());
}

async fn create_users_again(s: &dyn TableStorage) -> Result<(), StorageError> {
    let def = TableDef::new("users").column(ColumnDef::new("id", DataType::Int64)).primary_key(&["id"]);
    s.create_table(&def).await.map(|_| ())
}

pub async fn duplicate_keys_and_upsert(s: Storage) {
    create_users(s.as_ref()).await;
    s.insert("users", user(1, Some("a@x"), Some(30), "ann")).await.unwrap();
    let err = s.insert("users", user(1, Some("b@x"), Some(31), "bob")).await.unwrap_err();
    assert!(matches!(err, StorageError::DuplicateKey { .. }), "{err:?}");
    assert_eq!(s.get("users", &[int(1)]).await.unwrap(), Some(user(1, Some("a@x"), Some(30), "ann")));
    let old = s.upsert("users", user(1, Some("b@x"), Some(31), "bob")).await.unwrap();
    assert_eq!(old, Some(user(1, Some("a@x"), Some(30), "ann")));
    assert_eq!(s.get("users", &[int(1)]).await.unwrap(), Some(user(1, Some("b@x"), Some(31), "bob")));
    assert_eq!(s.upsert("users", user(2, None, None, "c")).await.unwrap(), None);
    assert_eq!(s.delete("users", &[int(1)]).await.unwrap().map(|r| r[3].clone()), Some(text("bob")));
    assert_eq!(s.delete("users", &[int(1)]).await.unwrap(), None);
    s.insert("users", user(1, Some("a@x"), None, "again")).await.unwrap();
    assert!(matches!(s.get("users", &[int(1), int(2)]).await, Err(StorageError::InvalidArgument(_))));
}

pub async fn nulls_and_types(s: Storage) {
    create_users(s.as_ref()).await;
    let err = s.insert("users", vec![int(1), Value::Null, Value::Null, Value::Null]).await.unwrap_err();
    assert!(matches!(err, StorageError::NotNullViolation { ref column, .. } if column == "name"), "{err:?}");
    let err = s
        .insert(
            "users",
            user(0, None, None, "x")
                .into_iter()
                .enumerate()
                .map(|(i, v)| if i == 0 { Value::Null } else { v })
                .collect(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::NotNullViolation { ref column, .. } if column == "id"), "{err:?}");
    let err = s.insert("users", vec![text("1"), Value::Null, Value::Null, text("x")]).await.unwrap_err();
    assert!(matches!(err, StorageError::TypeMismatch { .. }), "{err:?}");
    let err = s.insert("users", vec![int(1), Value::Null, int(1 << 40), text("x")]).await.unwrap_err();
    assert!(matches!(err, StorageError::OutOfRange { .. }), "{err:?}");
    assert!(matches!(s.insert("users", vec![int(1)]).await, Err(StorageError::InvalidArgument(_))));
    // NULLs are stored as NULL, and a unique index admits any number of them.
    s.insert("users", user(1, None, None, "a")).await.unwrap();
    s.insert("users", user(2, None, None, "b")).await.unwrap();
    assert_eq!(s.get("users", &[int(2)]).await.unwrap(), Some(user(2, None, None, "b")));
    let nulls = s.index_scan("users", "users_email", &ScanOptions::prefix(vec![Value::Null])).await.unwrap();
    assert_eq!(ids(&nulls), [1, 2]);
    let schema = s.table_schema("users").await.unwrap().unwrap();
    let row = schema.row_from_named(&[("id", int(3))]).unwrap();
    assert_eq!(row, user(3, None, None, "anon"), "constant defaults fill missing columns");
}

/// Values of each kind, in ascending order.
fn ordered_values() -> Vec<(DataType, Vec<Value>)> {
    vec![
        (DataType::Int64, [i64::MIN, -1_000_000, -2, -1, 0, 1, 2, 255, 256, 1_000_000, i64::MAX].map(int).to_vec()),
        (
            DataType::Float64,
            [f64::NEG_INFINITY, -1e300, -2.5, -1.0, -1e-300, 0.0, 1e-300, 0.5, 1.0, 1e300, f64::INFINITY]
                .map(Value::Float)
                .to_vec(),
        ),
        (DataType::Text, ["", "A", "Z", "a", "a\u{0}", "aa", "ab", "b", "é", "中"].map(text).to_vec()),
        (
            DataType::Bytes,
            [vec![], vec![0u8], vec![0, 0], vec![0, 1], vec![1], vec![0xFE], vec![0xFF], vec![0xFF, 0]]
                .map(Value::Bytes)
                .to_vec(),
        ),
        (DataType::Bool, vec![Value::Bool(false), Value::Bool(true)]),
        (DataType::Timestamp, [-86_400_000_000i64, -1, 0, 1, 1_700_000_000_000_000].map(Value::Timestamp).to_vec()),
        (DataType::Date, [-1000, -1, 0, 1, 20000].map(Value::Date).to_vec()),
    ]
}

pub async fn key_ordering(s: Storage) {
    for (i, (data_type, values)) in ordered_values().into_iter().enumerate() {
        let name = format!("ord{i}");
        let def = TableDef::new(&name)
            .column(ColumnDef::new("k", data_type.clone()))
            .column(ColumnDef::new("v", DataType::Int64))
            .primary_key(&["k"])
            .index(IndexDef::new(format!("{name}_v"), &["v"], false));
        s.create_table(&def).await.unwrap();
        // Insert in a scrambled order; v is the position in sorted order.
        let n = values.len();
        for j in (0..n).map(|j| (j * 7 + 3) % n) {
            s.insert(&name, vec![values[j].clone(), int(j as i64)]).await.unwrap();
        }
        let rows = s.scan(&name, &ScanOptions::all()).await.unwrap();
        let got: Vec<Value> = rows.iter().map(|r| r[0].clone()).collect();
        assert_eq!(got, values, "{data_type} keys must come back in value order");
        let rev = s.scan(&name, &ScanOptions::all().reverse()).await.unwrap();
        let mut expected = values.clone();
        expected.reverse();
        assert_eq!(rev.iter().map(|r| r[0].clone()).collect::<Vec<_>>(), expected);
        for (j, v) in values.iter().enumerate() {
            assert_eq!(s.get(&name, std::slice::from_ref(v)).await.unwrap(), Some(vec![v.clone(), int(j as i64)]));
        }
    }
    // -0.0 and 0.0 are one key.
    let err = s.insert("ord1", vec![Value::Float(-0.0), int(99)]).await.unwrap_err();
    assert!(matches!(err, StorageError::DuplicateKey { .. }), "{err:?}");
}

/// `events(tenant text, seq bigint, payload bytes)` keyed by (tenant, seq).
pub(crate) async fn create_events(s: &dyn TableStorage) {
    let def = TableDef::new("events")
        .column(ColumnDef::new("tenant", DataType::Text))
        .column(ColumnDef::new("seq", DataType::Int64))
        .column(ColumnDef::new("payload", DataType::Bytes))
        .primary_key(&["tenant", "seq"]);
    s.create_table(&def).await.unwrap();
    for tenant in ["a", "b", "c"] {
        for seq in [-2, -1, 0, 1, 2, 3] {
            s.insert("events", vec![text(tenant), int(seq), Value::Bytes(vec![seq as u8])]).await.unwrap();
        }
    }
}

pub(crate) fn seqs(rows: &[Vec<Value>]) -> Vec<(String, i64)> {
    rows.iter()
        .map(|r| match (&r[0], &r[1]) {
            (Value::Text(t), Value::Int(s)) => (t.clone(), *s),
            other => panic!("unexpected row {other:?}"),
        })
        .collect()
}

pub async fn bounded_scans(s: Storage) {
    create_events(s.as_ref()).await;
    let all = s.scan("events", &ScanOptions::all()).await.unwrap();
    assert_eq!(all.len(), 18);
    let b = s.scan("events", &ScanOptions::prefix(vec![text("b")])).await.unwrap();
    assert_eq!(seqs(&b), [-2, -1, 0, 1, 2, 3].map(|q| ("b".to_string(), q)));
    let opts = ScanOptions::range(Bound::Included(vec![text("b"), int(0)]), Bound::Excluded(vec![text("b"), int(2)]));
    assert_eq!(seqs(&s.scan("events", &opts).await.unwrap()), [("b".into(), 0), ("b".into(), 1)]);
    let opts = ScanOptions::range(Bound::Excluded(vec![text("a")]), Bound::Included(vec![text("b"), int(-1)]));
    assert_eq!(seqs(&s.scan("events", &opts).await.unwrap()), [("b".into(), -2), ("b".into(), -1)]);
    let opts = ScanOptions::range(Bound::Excluded(vec![text("a"), int(2)]), Bound::Excluded(vec![text("b")]));
    assert_eq!(seqs(&s.scan("events", &opts).await.unwrap()), [("a".into(), 3)]);
    let last_two = s.scan("events", &ScanOptions::prefix(vec![text("c")]).reverse().limit(2)).await.unwrap();
    assert_eq!(seqs(&last_two), [("c".into(), 3), ("c".into(), 2)]);
    let first = s.scan("events", &ScanOptions::all().limit(1)).await.unwrap();
    assert_eq!(seqs(&first), [("a".into(), -2)]);
    let none = s.scan("events", &ScanOptions::prefix(vec![text("bb")])).await.unwrap();
    assert!(none.is_empty());
    let empty = ScanOptions::range(Bound::Included(vec![text("c")]), Bound::Excluded(vec![text("a")]));
    assert!(s.scan("events", &empty).await.unwrap().is_empty());
    let zero = s.scan("events", &ScanOptions::all().limit(0)).await.unwrap();
    assert!(zero.is_empty());
}

pub async fn index_consistency(s: Storage) {
    create_users(s.as_ref()).await;
    for (id, age) in [(1, 40), (2, 20), (3, 30), (4, 20), (5, 50)] {
        s.insert("users", user(id, Some(&format!("u{id}@x")), Some(age), "n")).await.unwrap();
    }
    let by_age = s.index_scan("users", "users_age", &ScanOptions::all()).await.unwrap();
    assert_eq!(ids(&by_age), [2, 4, 3, 1, 5]);
    let twenties = s.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(20)])).await.unwrap();
    assert_eq!(ids(&twenties), [2, 4]);
    let range = ScanOptions::range(Bound::Excluded(vec![int(20)]), Bound::Included(vec![int(40)]));
    assert_eq!(ids(&s.index_scan("users", "users_age", &range).await.unwrap()), [3, 1]);
    assert_eq!(ids(&s.index_scan("users", "users_age", &ScanOptions::all().reverse().limit(2)).await.unwrap()), [5, 1]);
    // Update moves the entry; delete removes it.
    assert!(s.update("users", &[int(2)], user(2, Some("u2@x"), Some(60), "n")).await.unwrap());
    assert_eq!(ids(&s.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(20)])).await.unwrap()), [4]);
    assert_eq!(ids(&s.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(60)])).await.unwrap()), [2]);
    assert!(s.delete("users", &[int(4)]).await.unwrap().is_some());
    assert!(s.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(20)])).await.unwrap().is_empty());
    assert!(!s.update("users", &[int(4)], user(4, None, None, "n")).await.unwrap(), "no row to update");
    // Unique index: insert and update into a taken value fail; the freed value is reusable.
    let err = s.insert("users", user(9, Some("u1@x"), None, "n")).await.unwrap_err();
    assert!(matches!(err, StorageError::UniqueViolation { ref index, .. } if index == "users_email"), "{err:?}");
    let err = s.update("users", &[int(3)], user(3, Some("u1@x"), Some(30), "n")).await.unwrap_err();
    assert!(matches!(err, StorageError::UniqueViolation { .. }), "{err:?}");
    assert_eq!(s.get("users", &[int(3)]).await.unwrap().unwrap()[1], text("u3@x"), "failed update changed nothing");
    assert!(s.update("users", &[int(1)], user(1, Some("new@x"), Some(40), "n")).await.unwrap());
    s.insert("users", user(9, Some("u1@x"), None, "n")).await.unwrap();
    let by_email = s.index_scan("users", "users_email", &ScanOptions::prefix(vec![text("u1@x")])).await.unwrap();
    assert_eq!(ids(&by_email), [9]);
    // Updating the primary key moves the row and its entries.
    assert!(s.update("users", &[int(9)], user(10, Some("u1@x"), Some(70), "n")).await.unwrap());
    assert!(s.get("users", &[int(9)]).await.unwrap().is_none());
    assert_eq!(ids(&s.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(70)])).await.unwrap()), [10]);
    let err = s.update("users", &[int(10)], user(3, Some("u1@x"), Some(70), "n")).await.unwrap_err();
    assert!(matches!(err, StorageError::DuplicateKey { .. }), "{err:?}");
    // Indexes created over existing rows; unique over duplicates fails and leaves nothing.
    s.create_index("users", &IndexDef::new("users_name", &["name"], false)).await.unwrap();
    assert_eq!(s.index_scan("users", "users_name", &ScanOptions::prefix(vec![text("n")])).await.unwrap().len(), 5);
    let err = s.create_index("users", &IndexDef::new("users_name_u", &["name"], true)).await.unwrap_err();
    assert!(matches!(err, StorageError::UniqueViolation { .. }), "{err:?}");
    assert!(s.table_schema("users").await.unwrap().unwrap().index("users_name_u").is_none());
    assert!(matches!(
        s.create_index("users", &IndexDef::new("users_name", &["age"], false)).await,
        Err(StorageError::IndexExists(_))
    ));
    s.drop_index("users", "users_name").await.unwrap();
    assert!(matches!(
        s.index_scan("users", "users_name", &ScanOptions::all()).await,
        Err(StorageError::IndexNotFound(_))
    ));
    assert!(matches!(s.drop_index("users", "users_name").await, Err(StorageError::IndexNotFound(_))));
    // A composite index orders by both columns.
    s.create_index("users", &IndexDef::new("users_age_email", &["age", "email"], false)).await.unwrap();
    let all = s.index_scan("users", "users_age_email", &ScanOptions::all()).await.unwrap();
    assert_eq!(ids(&all), [3, 1, 5, 2, 10]);
}

pub async fn transaction_isolation(s: Storage) {
    create_users(s.as_ref()).await;
    s.insert("users", user(1, None, Some(1), "v1")).await.unwrap();
    let mut t1 = s.begin().await.unwrap();
    assert_eq!(t1.get("users", &[int(1)]).await.unwrap().unwrap()[3], text("v1"));
    // Another transaction commits a change and a new row.
    let mut t2 = s.begin().await.unwrap();
    t2.update("users", &[int(1)], user(1, None, Some(1), "v2")).await.unwrap();
    t2.insert("users", user(2, None, Some(2), "new")).await.unwrap();
    assert!(s.get("users", &[int(2)]).await.unwrap().is_none(), "uncommitted writes are invisible");
    t2.commit().await.unwrap();
    assert_eq!(t1.get("users", &[int(1)]).await.unwrap().unwrap()[3], text("v1"), "t1 keeps its snapshot");
    assert_eq!(ids(&t1.scan("users", &ScanOptions::all()).await.unwrap()), [1]);
    assert!(t1.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(2)])).await.unwrap().is_empty());
    // Its own writes are visible to it, merged into scans.
    t1.insert("users", user(3, None, Some(3), "mine")).await.unwrap();
    t1.insert("users", user(0, None, Some(0), "mine0")).await.unwrap();
    t1.delete("users", &[int(1)]).await.unwrap();
    assert_eq!(ids(&t1.scan("users", &ScanOptions::all()).await.unwrap()), [0, 3]);
    assert_eq!(ids(&t1.scan("users", &ScanOptions::all().reverse().limit(1)).await.unwrap()), [3]);
    assert_eq!(ids(&t1.index_scan("users", "users_age", &ScanOptions::all()).await.unwrap()), [0, 3]);
    t1.rollback().await.unwrap();
    assert_eq!(ids(&s.scan("users", &ScanOptions::all()).await.unwrap()), [1, 2]);
    assert_eq!(s.get("users", &[int(1)]).await.unwrap().unwrap()[3], text("v2"));
    // A dropped transaction is rolled back.
    {
        let mut t = s.begin().await.unwrap();
        t.insert("users", user(7, None, None, "gone")).await.unwrap();
    }
    assert!(s.get("users", &[int(7)]).await.unwrap().is_none());
    // A committed transaction's writes appear together.
    let mut t = s.begin().await.unwrap();
    for id in 10..20 {
        t.insert("users", user(id, None, None, "batch")).await.unwrap();
    }
    t.commit().await.unwrap();
    assert_eq!(s.scan("users", &ScanOptions::prefix(vec![])).await.unwrap().len(), 12);
}

pub async fn transaction_conflicts(s: Storage) {
    create_users(s.as_ref()).await;
    s.insert("users", user(1, None, Some(0), "x")).await.unwrap();
    s.insert("users", user(2, None, Some(0), "y")).await.unwrap();
    // Write-write on one key: the second committer fails.
    let mut t1 = s.begin().await.unwrap();
    let mut t2 = s.begin().await.unwrap();
    t1.update("users", &[int(1)], user(1, None, Some(1), "t1")).await.unwrap();
    t2.update("users", &[int(1)], user(1, None, Some(2), "t2")).await.unwrap();
    t1.commit().await.unwrap();
    assert_eq!(t2.commit().await.unwrap_err(), StorageError::Conflict);
    assert_eq!(s.get("users", &[int(1)]).await.unwrap().unwrap()[3], text("t1"));
    // Disjoint keys do not conflict; nor do read-only transactions.
    let mut t1 = s.begin().await.unwrap();
    let mut t2 = s.begin().await.unwrap();
    let mut reader = s.begin().await.unwrap();
    reader.get("users", &[int(1)]).await.unwrap();
    t1.update("users", &[int(1)], user(1, None, Some(3), "a")).await.unwrap();
    t2.update("users", &[int(2)], user(2, None, Some(3), "b")).await.unwrap();
    t1.commit().await.unwrap();
    t2.commit().await.unwrap();
    reader.commit().await.unwrap();
    // Two concurrent inserts of one unique value: one wins.
    let mut t1 = s.begin().await.unwrap();
    let mut t2 = s.begin().await.unwrap();
    t1.insert("users", user(5, Some("same@x"), None, "a")).await.unwrap();
    t2.insert("users", user(6, Some("same@x"), None, "b")).await.unwrap();
    t1.commit().await.unwrap();
    assert_eq!(t2.commit().await.unwrap_err(), StorageError::Conflict);
    // Two concurrent inserts of one key: one wins.
    let mut t1 = s.begin().await.unwrap();
    let mut t2 = s.begin().await.unwrap();
    t1.insert("users", user(8, None, None, "a")).await.unwrap();
    t2.insert("users", user(8, None, None, "b")).await.unwrap();
    t2.commit().await.unwrap();
    assert_eq!(t1.commit().await.unwrap_err(), StorageError::Conflict);
    assert_eq!(s.get("users", &[int(8)]).await.unwrap().unwrap()[3], text("b"));
    // A schema change under an open writer fails its commit instead of leaving rows
    // without the new index's entries.
    let mut t = s.begin().await.unwrap();
    t.insert("users", user(30, None, Some(30), "late")).await.unwrap();
    s.create_index("users", &IndexDef::new("users_name", &["name"], false)).await.unwrap();
    assert_eq!(t.commit().await.unwrap_err(), StorageError::Conflict);
    // A transaction that wrote nothing commits whatever happened meanwhile.
    let t = s.begin().await.unwrap();
    s.insert("users", user(31, None, None, "meanwhile")).await.unwrap();
    t.commit().await.unwrap();
}

/// Many tasks increment one counter with retries on conflict: no update is lost.
pub async fn concurrent_increments(s: Storage) {
    let def = TableDef::new("counter")
        .column(ColumnDef::new("k", DataType::Int64))
        .column(ColumnDef::new("n", DataType::Int64))
        .primary_key(&["k"]);
    s.create_table(&def).await.unwrap();
    s.insert("counter", vec![int(1), int(0)]).await.unwrap();
    let tasks = 8;
    let per_task = 25;
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            let mut conflicts = 0;
            for _ in 0..per_task {
                loop {
                    let mut t = s.begin().await.unwrap();
                    let row = t.get("counter", &[int(1)]).await.unwrap().unwrap();
                    let Value::Int(n) = row[1] else { panic!("not an int") };
                    tokio::task::yield_now().await;
                    t.update("counter", &[int(1)], vec![int(1), int(n + 1)]).await.unwrap();
                    match t.commit().await {
                        Ok(()) => break,
                        Err(StorageError::Conflict) => conflicts += 1,
                        Err(e) => panic!("{e}"),
                    }
                }
            }
            conflicts
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let row = s.get("counter", &[int(1)]).await.unwrap().unwrap();
    assert_eq!(row[1], int(tasks * per_task));
}

pub async fn ttl_expiry(s: Storage) {
    create_users(s.as_ref()).await;
    let now = now_millis();
    let mut t = s.begin().await.unwrap();
    t.insert_with_expiry("users", user(1, Some("gone@x"), Some(10), "past"), Some(now - 1)).await.unwrap();
    t.insert_with_expiry("users", user(2, Some("soon@x"), Some(10), "future"), Some(now + 3_600_000)).await.unwrap();
    t.insert("users", user(3, None, Some(10), "forever")).await.unwrap();
    t.commit().await.unwrap();
    // Expired at once: invisible to get, scans and index scans.
    assert!(s.get("users", &[int(1)]).await.unwrap().is_none());
    assert_eq!(ids(&s.scan("users", &ScanOptions::all()).await.unwrap()), [2, 3]);
    assert_eq!(ids(&s.index_scan("users", "users_age", &ScanOptions::prefix(vec![int(10)])).await.unwrap()), [2, 3]);
    assert_eq!(ids(&s.index_scan("users", "users_age", &ScanOptions::all().limit(1)).await.unwrap()), [2]);
    let mut t = s.begin().await.unwrap();
    assert_eq!(t.get_expiry("users", &[int(1)]).await.unwrap(), None);
    assert_eq!(t.get_expiry("users", &[int(2)]).await.unwrap(), Some(Some(now + 3_600_000)));
    assert_eq!(t.get_expiry("users", &[int(3)]).await.unwrap(), Some(None));
    // Expire row 3 now, and clear row 2's expiry.
    assert!(t.set_expiry("users", &[int(3)], Some(now - 1)).await.unwrap());
    assert!(t.set_expiry("users", &[int(2)], None).await.unwrap());
    assert!(!t.set_expiry("users", &[int(1)], None).await.unwrap(), "an expired row cannot be revived");
    t.commit().await.unwrap();
    assert!(s.get("users", &[int(3)]).await.unwrap().is_none());
    // The key and unique value of an expired row can be taken by a new row.
    s.insert("users", user(1, Some("gone@x"), Some(11), "reborn")).await.unwrap();
    assert_eq!(s.get("users", &[int(1)]).await.unwrap().unwrap()[3], text("reborn"));
    s.insert_expiring_row_with_taken_value().await;
    // The sweep removes what expired (row 3 and row 4 below), nothing else.
    let purged = s.purge_expired(100).await.unwrap();
    assert_eq!(purged, 2, "rows 3 and 4 were expired");
    assert_eq!(s.purge_expired(100).await.unwrap(), 0);
    assert_eq!(ids(&s.scan("users", &ScanOptions::all()).await.unwrap()), [1, 2, 5]);
    let by_email = s.index_scan("users", "users_email", &ScanOptions::prefix(vec![text("dup@x")])).await.unwrap();
    assert_eq!(ids(&by_email), [5], "the sweep kept the entry the new row took over");
    // Upsert without expiry clears it.
    let mut t = s.begin().await.unwrap();
    t.upsert_with_expiry("users", user(9, None, None, "ttl"), Some(now + 60_000)).await.unwrap();
    t.commit().await.unwrap();
    s.upsert("users", user(9, None, None, "kept")).await.unwrap();
    let mut t = s.begin().await.unwrap();
    assert_eq!(t.get_expiry("users", &[int(9)]).await.unwrap(), Some(None));
}

/// Extension used by `ttl_expiry`: an expired row whose unique value a new row takes.
#[async_trait::async_trait]
trait TtlScenario {
    async fn insert_expiring_row_with_taken_value(&self);
}

#[async_trait::async_trait]
impl TtlScenario for Arc<dyn TableStorage> {
    async fn insert_expiring_row_with_taken_value(&self) {
        let mut t = self.begin().await.unwrap();
        t.insert_with_expiry("users", user(4, Some("dup@x"), None, "old"), Some(now_millis() - 1)).await.unwrap();
        t.commit().await.unwrap();
        self.insert("users", user(5, Some("dup@x"), None, "new")).await.unwrap();
    }
}

pub async fn alter_and_truncate(s: Storage) {
    create_users(s.as_ref()).await;
    s.insert("users", user(1, Some("a@x"), Some(30), "ann")).await.unwrap();
    let added = ColumnDef::new("score", DataType::Float64).default_value(Value::Float(1.5));
    s.alter_table("users", AlterTable::AddColumn(added)).await.unwrap();
    assert_eq!(
        s.get("users", &[int(1)]).await.unwrap().unwrap(),
        [int(1), text("a@x"), int(30), text("ann"), Value::Float(1.5)]
    );
    s.insert("users", vec![int(2), Value::Null, Value::Null, text("bo"), Value::Float(9.0)]).await.unwrap();
    // Dropping an indexed column drops its index; the row shrinks.
    s.alter_table("users", AlterTable::DropColumn("age".into())).await.unwrap();
    let schema = s.table_schema("users").await.unwrap().unwrap();
    assert!(schema.index("users_age").is_none());
    assert_eq!(s.get("users", &[int(2)]).await.unwrap().unwrap(), [int(2), Value::Null, text("bo"), Value::Float(9.0)]);
    assert!(matches!(
        s.alter_table("users", AlterTable::DropColumn("id".into())).await,
        Err(StorageError::InvalidSchema(_))
    ));
    assert!(matches!(
        s.alter_table("users", AlterTable::DropColumn("nope".into())).await,
        Err(StorageError::ColumnNotFound { .. })
    ));
    // A column added again under a dropped name starts from its own default.
    s.alter_table("users", AlterTable::AddColumn(ColumnDef::new("age", DataType::Int32))).await.unwrap();
    assert_eq!(s.get("users", &[int(1)]).await.unwrap().unwrap()[4], Value::Null);
    s.alter_table("users", AlterTable::RenameColumn { from: "name".into(), to: "full_name".into() }).await.unwrap();
    assert!(s.table_schema("users").await.unwrap().unwrap().column_position("full_name").is_some());
    s.create_table(&TableDef::new("other").column(ColumnDef::new("k", DataType::Int64)).primary_key(&["k"]))
        .await
        .unwrap();
    assert!(matches!(
        s.alter_table("users", AlterTable::RenameTable("other".into())).await,
        Err(StorageError::TableExists(_))
    ));
    s.alter_table("users", AlterTable::RenameTable("people".into())).await.unwrap();
    assert!(s.table_schema("users").await.unwrap().is_none());
    assert_eq!(ids(&s.scan("people", &ScanOptions::all()).await.unwrap()), [1, 2]);
    assert_eq!(
        ids(&s.index_scan("people", "users_email", &ScanOptions::prefix(vec![text("a@x")])).await.unwrap()),
        [1]
    );
    s.truncate_table("people").await.unwrap();
    assert!(s.scan("people", &ScanOptions::all()).await.unwrap().is_empty());
    assert!(s.index_scan("people", "users_email", &ScanOptions::all()).await.unwrap().is_empty());
    s.insert("people", vec![int(3), text("a@x"), text("c"), Value::Float(0.0), Value::Null]).await.unwrap();
    assert_eq!(s.list_tables().await.unwrap(), ["other", "people"]);
}

/// `SetPrimaryKey` moves rows under a new key (dropping a generated row id), keeps
/// indexes consistent, and refuses NULL or duplicated key values without changing anything.
pub async fn set_primary_key(s: Storage) {
    let def = TableDef::new("acc")
        .column(ColumnDef::new("aid", DataType::Int64))
        .column(ColumnDef::new("bal", DataType::Int64))
        .column(ColumnDef::new("rowid", DataType::Int64).not_null())
        .primary_key(&["rowid"])
        .index(IndexDef::new("acc_bal", &["bal"], false));
    s.create_table(&def).await.unwrap();
    for (rowid, aid) in [(1, 30), (2, 10), (3, 20)] {
        s.insert("acc", vec![int(aid), int(aid * 2), int(rowid)]).await.unwrap();
    }
    let rekey = || AlterTable::SetPrimaryKey { columns: vec!["aid".into()], drop_old_key: true };
    s.insert("acc", vec![int(10), int(0), int(4)]).await.unwrap();
    s.insert("acc", vec![Value::Null, int(0), int(5)]).await.unwrap();
    // A NULL is reported before a duplicate, wherever they are.
    assert!(matches!(s.alter_table("acc", rekey()).await, Err(StorageError::NotNullViolation { .. })));
    s.delete("acc", &[int(5)]).await.unwrap();
    assert!(matches!(s.alter_table("acc", rekey()).await, Err(StorageError::UniqueViolation { .. })));
    assert_eq!(s.scan("acc", &ScanOptions::all()).await.unwrap().len(), 4);
    s.delete("acc", &[int(4)]).await.unwrap();
    let schema = s.alter_table("acc", rekey()).await.unwrap();
    assert_eq!(schema.primary_key_names(), ["aid"]);
    assert!(!schema.columns().next().unwrap().nullable);
    assert_eq!(schema.column_count(), 2);
    assert_eq!(s.get("acc", &[int(20)]).await.unwrap().unwrap(), [int(20), int(40)]);
    assert_eq!(ids(&s.scan("acc", &ScanOptions::all()).await.unwrap()), [10, 20, 30]);
    assert_eq!(ids(&s.index_scan("acc", "acc_bal", &ScanOptions::prefix(vec![int(60)])).await.unwrap()), [30]);
    assert!(matches!(s.insert("acc", vec![int(10), int(1)]).await, Err(StorageError::DuplicateKey { .. })));
    s.insert("acc", vec![int(40), int(1)]).await.unwrap();
    assert_eq!(s.scan("acc", &ScanOptions::all()).await.unwrap().len(), 4);
}

pub async fn metrics_and_health(s: Storage) {
    create_users(s.as_ref()).await;
    s.insert("users", user(1, None, None, "a")).await.unwrap();
    s.get("users", &[int(1)]).await.unwrap();
    s.get("users", &[int(2)]).await.unwrap();
    let _ = s.insert("users", user(1, None, None, "a")).await;
    let m = s.metrics();
    assert!(m.count("insert") >= 2);
    assert!(m.count("get") >= 2);
    assert!(m.count("commit") >= 1);
    let insert = m.operations.iter().find(|o| o.operation == "insert").unwrap();
    assert!(insert.errors >= 1, "the duplicate insert is counted as an error");
    assert!(s.health().await.is_healthy());
    s.flush().await.unwrap();
}

/// Expands to one `#[tokio::test]` per conformance check, each on a storage made by
/// `$factory` (an async expression yielding `Arc<dyn TableStorage>`; it may use
/// `tempfile` or anything the calling crate has).
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr) => {
        $crate::conformance_tests!(@each $factory;
            catalog_lifecycle, duplicate_keys_and_upsert, nulls_and_types, key_ordering,
            bounded_scans, index_consistency, transaction_isolation, transaction_conflicts,
            concurrent_increments, ttl_expiry, alter_and_truncate, set_primary_key, metrics_and_health,
            kv_basics, kv_atomic_with_rows, kv_scan_order_and_bounds, kv_conflict_tracking_and_latest_reads,
            kv_handles_and_ddl, kv_serialized_writers,
            bulk_load_visible_only_after_publish, bulk_load_abort_leaves_nothing, bulk_load_unique_violations,
            bulk_load_holds_off_writers, bulk_load_in_transaction,
            paged_scans_resume_exactly, paged_scans_across_transactions, paged_index_scans);
    };
    (@each $factory:expr; $($check:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let (storage, _guard) = $factory.await;
                $crate::conformance::$check(storage).await;
            }
        )*
    };
}

#[cfg(test)]
mod memory_engine {
    use crate::{KvTableStorage, MemoryEngine, TableStorage};
    use std::sync::Arc;

    async fn memory() -> (Arc<dyn TableStorage>, ()) {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("open");
        (storage, ())
    }

    crate::conformance_tests!(memory());
}
