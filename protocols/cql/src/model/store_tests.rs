//! Cell store tests over the in-memory engine: Cassandra's write and read semantics.

use super::catalog::Catalog;
use super::read::{ColumnData, Page, Position, RowData, Slice};
use super::space;
use super::store::{ColumnOp, ColumnWrite, Mutation, MutationOp, Store, WriteBatch};
use super::value::CqlValue;
use crate::schema::{ClusteringOrder, ColumnDef, ColumnKind, TableDef};
use crate::types::CqlType;
use orbit_storage::{KvTableStorage, MemoryEngine};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

const NOW: i64 = 1_000_000;

async fn store() -> Store {
    let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
    let catalog = Catalog::open(storage.clone()).await.unwrap();
    Store::new(storage, catalog.handle().clone())
}

fn col(name: &str, ty: CqlType, kind: ColumnKind, order: ClusteringOrder) -> ColumnDef {
    ColumnDef { name: name.into(), ty, kind, position: 0, order }
}

fn table(order: ClusteringOrder) -> Arc<TableDef> {
    let asc = ClusteringOrder::Asc;
    Arc::new(TableDef {
        keyspace: "ks".into(),
        name: "t".into(),
        columns: vec![
            col("k", CqlType::Int, ColumnKind::PartitionKey, asc),
            col("c", CqlType::Int, ColumnKind::Clustering, order),
            col("l", CqlType::List(Box::new(CqlType::Int)), ColumnKind::Regular, asc),
            col("m", CqlType::Map(Box::new(CqlType::Text), Box::new(CqlType::Int)), ColumnKind::Regular, asc),
            col("s", CqlType::Int, ColumnKind::Static, asc),
            col("st", CqlType::Set(Box::new(CqlType::Text)), ColumnKind::Regular, asc),
            col("v", CqlType::Text, ColumnKind::Regular, asc),
        ],
        id: space::random_uuid(),
        default_ttl: 0,
        options: BTreeMap::new(),
        indexes: vec![],
        is_counter: false,
    })
}

fn text(s: &str) -> CqlValue {
    CqlValue::Text(s.into())
}

fn write(t: &Arc<TableDef>, k: i32, c: i32, ts: i64, marker: bool, columns: Vec<(&str, ColumnOp)>) -> Mutation {
    Mutation {
        table: t.clone(),
        partition_key: vec![CqlValue::Int(k)],
        timestamp: ts,
        ttl: None,
        op: MutationOp::Write {
            clustering: vec![CqlValue::Int(c)],
            marker,
            columns: columns.into_iter().map(|(n, op)| ColumnWrite { column: n.into(), op }).collect(),
        },
    }
}

fn op(t: &Arc<TableDef>, k: i32, ts: i64, op: MutationOp) -> Mutation {
    Mutation { table: t.clone(), partition_key: vec![CqlValue::Int(k)], timestamp: ts, ttl: None, op }
}

async fn apply(store: &Store, mutations: Vec<Mutation>) {
    store.write(&WriteBatch { mutations, now: NOW }).await.unwrap();
}

async fn rows_at(store: &Store, t: &TableDef, k: i32, now: i64) -> Vec<RowData> {
    store.read_partition(t, &[CqlValue::Int(k)], &Slice::all(), usize::MAX, None, now).await.unwrap().rows
}

async fn rows(store: &Store, t: &TableDef, k: i32) -> Vec<RowData> {
    rows_at(store, t, k, NOW).await
}

fn clusterings(rows: &[RowData]) -> Vec<i32> {
    rows.iter()
        .map(|r| match r.clustering.first() {
            Some(CqlValue::Int(c)) => *c,
            _ => -1,
        })
        .collect()
}

fn v(row: &RowData, t: &TableDef, column: &str) -> Option<CqlValue> {
    row.value(t, column).unwrap()
}

#[tokio::test]
async fn insert_makes_a_row_marker_and_update_does_not() {
    let (s, t) = (store().await, table(ClusteringOrder::Asc));
    apply(&s, vec![write(&t, 1, 1, 10, true, vec![])]).await;
    apply(&s, vec![write(&t, 1, 2, 10, false, vec![("v", ColumnOp::Set(text("x")))])]).await;
    assert_eq!(clusterings(&rows(&s, &t, 1).await), [1, 2]);
    // Deleting the only cell of an UPDATEd row removes the row; an INSERTed row stays.
    apply(&s, vec![write(&t, 1, 2, 11, false, vec![("v", ColumnOp::Delete)])]).await;
    apply(&s, vec![write(&t, 1, 1, 11, false, vec![("v", ColumnOp::Delete)])]).await;
    let r = rows(&s, &t, 1).await;
    assert_eq!(clusterings(&r), [1]);
    assert_eq!(v(&r[0], &t, "k"), Some(CqlValue::Int(1)));
    assert_eq!(v(&r[0], &t, "v"), None);
}

#[tokio::test]
async fn last_write_wins_with_cassandras_tie_rules() {
    let (s, t) = (store().await, table(ClusteringOrder::Asc));
    let set = |ts, val: &str| write(&t, 1, 1, ts, true, vec![("v", ColumnOp::Set(text(val)))]);
    apply(&s, vec![set(10, "new")]).await;
    apply(&s, vec![set(5, "old")]).await;
    assert_eq!(v(&rows(&s, &t, 1).await[0], &t, "v"), Some(text("new")));
    // Equal timestamps: the greater value wins, whatever the order of arrival.
    apply(&s, vec![set(10, "b")]).await;
    apply(&s, vec![set(10, "a")]).await;
    assert_eq!(v(&rows(&s, &t, 1).await[0], &t, "v"), Some(text("new")));
    apply(&s, vec![set(10, "zzz")]).await;
    assert_eq!(v(&rows(&s, &t, 1).await[0], &t, "v"), Some(text("zzz")));
    // Equal timestamps: the tombstone wins.
    apply(&s, vec![write(&t, 1, 1, 10, false, vec![("v", ColumnOp::Delete)])]).await;
    assert_eq!(v(&rows(&s, &t, 1).await[0], &t, "v"), None);
    let cell = rows(&s, &t, 1).await;
    assert!(cell[0].columns.is_empty());
}

#[tokio::test]
async fn row_range_and_partition_deletions_shadow_older_writes() {
    let (s, t) = (store().await, table(ClusteringOrder::Asc));
    apply(&s, (1..=6).map(|c| write(&t, 1, c, 10, true, vec![("v", ColumnOp::Set(text("x")))])).collect()).await;
    apply(&s, vec![op(&t, 1, 20, MutationOp::DeleteRow { clustering: vec![CqlValue::Int(1)] })]).await;
    let range = MutationOp::DeleteRange {
        start: Bound::Included(vec![CqlValue::Int(3)]),
        end: Bound::Excluded(vec![CqlValue::Int(5)]),
    };
    apply(&s, vec![op(&t, 1, 20, range)]).await;
    assert_eq!(clusterings(&rows(&s, &t, 1).await), [2, 5, 6]);
    // Older writes stay shadowed; newer ones come back.
    apply(&s, vec![write(&t, 1, 1, 15, true, vec![]), write(&t, 1, 3, 20, true, vec![])]).await;
    assert_eq!(clusterings(&rows(&s, &t, 1).await), [2, 5, 6]);
    apply(&s, vec![write(&t, 1, 1, 21, true, vec![]), write(&t, 1, 4, 21, true, vec![])]).await;
    assert_eq!(clusterings(&rows(&s, &t, 1).await), [1, 2, 4, 5, 6]);
    // A row revived by a newer marker does not revive its older cells.
    assert_eq!(v(&rows(&s, &t, 1).await[0], &t, "v"), None);
    apply(&s, vec![op(&t, 1, 30, MutationOp::DeletePartition)]).await;
    assert!(rows(&s, &t, 1).await.is_empty());
    apply(&s, vec![write(&t, 1, 9, 31, true, vec![])]).await;
    assert_eq!(clusterings(&rows(&s, &t, 1).await), [9]);
}

#[tokio::test]
async fn ttl_expires_cells_and_markers_on_read() {
    let (s, t) = (store().await, table(ClusteringOrder::Asc));
    let mut m = write(&t, 1, 1, 10, true, vec![("v", ColumnOp::Set(text("x")))]);
    m.ttl = Some(10);
    apply(&s, vec![m, write(&t, 1, 2, 10, true, vec![])]).await;
    let r = rows_at(&s, &t, 1, NOW + 9).await;
    assert_eq!(clusterings(&r), [1, 2]);
    let cell = r[0].columns.get("v").and_then(ColumnData::cell).unwrap();
    assert_eq!((cell.timestamp, cell.expiry.map(|e| e.ttl)), (10, Some(10)));
    assert_eq!(clusterings(&rows_at(&s, &t, 1, NOW + 10).await), [2]);
}

#[tokio::test]
async fn statics_belong_to_the_partition() {
    let (s, t) = (store().await, table(ClusteringOrder::Asc));
    apply(&s, vec![write(&t, 1, 0, 10, false, vec![("s", ColumnOp::Set(CqlValue::Int(7)))])]).await;
    // A partition with statics and no rows reads as one row without clustering values.
    let r = rows(&s, &t, 1).await;
    assert_eq!(r.len(), 1);
    assert!(r[0].clustering.is_empty());
    assert_eq!(v(&r[0], &t, "s"), Some(CqlValue::Int(7)));
    apply(&s, vec![write(&t, 1, 1, 10, true, vec![]), write(&t, 1, 2, 10, true, vec![])]).await;
    let r = rows(&s, &t, 1).await;
    assert_eq!(clusterings(&r), [1, 2]);
    assert!(r.iter().all(|row| v(row, &t, "s") == Some(CqlValue::Int(7))));
    // Row deletions leave statics alone.
    apply(&s, vec![op(&t, 1, 20, MutationOp::DeleteRow { clustering: vec![CqlValue::Int(1)] })]).await;
    assert_eq!(v(&rows(&s, &t, 1).await[0], &t, "s"), Some(CqlValue::Int(7)));
}

#[tokio::test]
async fn collections_are_cells_per_element() {
    let (s, t) = (store().await, table(ClusteringOrder::Asc));
    let list = |items: &[i32]| CqlValue::List(items.iter().map(|i| CqlValue::Int(*i)).collect());
    apply(
        &s,
        vec![write(
            &t,
            1,
            1,
            10,
            true,
            vec![
                ("l", ColumnOp::Set(list(&[1, 2]))),
                ("st", ColumnOp::Set(CqlValue::set(vec![text("b"), text("a")]))),
                ("m", ColumnOp::Set(CqlValue::map(vec![(text("x"), CqlValue::Int(1))]))),
            ],
        )],
    )
    .await;
    apply(
        &s,
        vec![write(
            &t,
            1,
            1,
            11,
            false,
            vec![
                ("l", ColumnOp::Append(vec![CqlValue::Int(3)])),
                ("l", ColumnOp::Prepend(vec![CqlValue::Int(-1), CqlValue::Int(0)])),
                ("st", ColumnOp::AddElements(vec![text("c")])),
                ("st", ColumnOp::RemoveKeys(vec![text("a")])),
                ("m", ColumnOp::PutEntries(vec![(text("y"), CqlValue::Int(2))])),
            ],
        )],
    )
    .await;
    let r = &rows(&s, &t, 1).await[0];
    assert_eq!(v(r, &t, "l"), Some(list(&[-1, 0, 1, 2, 3])));
    assert_eq!(v(r, &t, "st"), Some(CqlValue::Set(vec![text("b"), text("c")])));
    assert_eq!(v(r, &t, "m"), Some(CqlValue::Map(vec![(text("x"), CqlValue::Int(1)), (text("y"), CqlValue::Int(2))])));
    apply(
        &s,
        vec![write(
            &t,
            1,
            1,
            12,
            false,
            vec![("l", ColumnOp::SetIndex(1, Some(CqlValue::Int(100)))), ("m", ColumnOp::RemoveKeys(vec![text("x")]))],
        )],
    )
    .await;
    apply(&s, vec![write(&t, 1, 1, 13, false, vec![("l", ColumnOp::RemoveValues(vec![CqlValue::Int(2)]))])]).await;
    let r = &rows(&s, &t, 1).await[0];
    assert_eq!(v(r, &t, "l"), Some(list(&[-1, 100, 1, 3])));
    assert_eq!(v(r, &t, "m"), Some(CqlValue::Map(vec![(text("y"), CqlValue::Int(2))])));
    let e = s
        .write(&WriteBatch {
            mutations: vec![write(&t, 1, 1, 14, false, vec![("l", ColumnOp::SetIndex(9, None))])],
            now: NOW,
        })
        .await
        .unwrap_err();
    assert_eq!(e.message(), "List index 9 out of bound, list has size 4");
    // Overwriting replaces every element; the native encoding is the whole collection.
    apply(&s, vec![write(&t, 1, 1, 15, false, vec![("st", ColumnOp::Set(CqlValue::set(vec![text("z")])))])]).await;
    let r = &rows(&s, &t, 1).await[0];
    assert_eq!(v(r, &t, "st"), Some(CqlValue::Set(vec![text("z")])));
    let native = r.columns["st"].to_native(&t.column("st").unwrap().ty).unwrap();
    assert_eq!(native, [0, 0, 0, 1, 0, 0, 0, 1, b'z']);
}

#[tokio::test]
async fn counters_add_up() {
    let s = store().await;
    let asc = ClusteringOrder::Asc;
    let t = Arc::new(TableDef {
        keyspace: "ks".into(),
        name: "hits".into(),
        columns: vec![
            col("k", CqlType::Text, ColumnKind::PartitionKey, asc),
            col("n", CqlType::Counter, ColumnKind::Regular, asc),
        ],
        id: space::random_uuid(),
        default_ttl: 0,
        options: BTreeMap::new(),
        indexes: vec![],
        is_counter: true,
    });
    let add = |ts, d| Mutation {
        table: t.clone(),
        partition_key: vec![text("page")],
        timestamp: ts,
        ttl: None,
        op: MutationOp::Write {
            clustering: vec![],
            marker: false,
            columns: vec![ColumnWrite { column: "n".into(), op: ColumnOp::CounterAdd(d) }],
        },
    };
    apply(&s, vec![add(1, 5), add(2, -2)]).await;
    apply(&s, vec![add(1, 10)]).await;
    let page = s.read_partition(&t, &[text("page")], &Slice::all(), 10, None, NOW).await.unwrap();
    assert_eq!(page.rows[0].value(&t, "n").unwrap(), Some(CqlValue::Counter(13)));
    let mut set = add(3, 0);
    if let MutationOp::Write { columns, .. } = &mut set.op {
        columns[0].op = ColumnOp::Set(CqlValue::Counter(1));
    }
    assert!(s.write(&WriteBatch { mutations: vec![set], now: NOW }).await.is_err());
}

#[tokio::test]
async fn a_batch_is_atomic() {
    let (s, t) = (store().await, table(ClusteringOrder::Asc));
    let bad = write(&t, 2, 1, 10, true, vec![("nope", ColumnOp::Set(text("x")))]);
    let e = s.write(&WriteBatch { mutations: vec![write(&t, 1, 1, 10, true, vec![]), bad], now: NOW }).await;
    assert_eq!(e.unwrap_err().message(), "Undefined column name nope");
    assert!(rows(&s, &t, 1).await.is_empty());
}

#[tokio::test]
async fn slices_reverse_and_pages_resume_exactly() {
    for order in [ClusteringOrder::Asc, ClusteringOrder::Desc] {
        let (s, t) = (store().await, table(order));
        apply(&s, (0..10).map(|c| write(&t, 1, c, 10, true, vec![])).collect()).await;
        let all = clusterings(&rows(&s, &t, 1).await);
        let expected: Vec<i32> =
            if order == ClusteringOrder::Asc { (0..10).collect() } else { (0..10).rev().collect() };
        assert_eq!(all, expected);
        for reversed in [false, true] {
            let slice = Slice { reversed, ..Slice::all() };
            let mut seen = Vec::new();
            let mut resume: Option<Position> = None;
            let mut pages = 0;
            loop {
                let page: Page =
                    s.read_partition(&t, &[CqlValue::Int(1)], &slice, 3, resume.as_ref(), NOW).await.unwrap();
                pages += 1;
                seen.extend(clusterings(&page.rows));
                match page.next {
                    Some(p) => resume = Some(Position::from_bytes(&p.to_bytes()).unwrap()),
                    None => break,
                }
            }
            let mut want = expected.clone();
            if reversed {
                want.reverse();
            }
            assert_eq!(seen, want, "{order:?} reversed={reversed}");
            assert!(pages >= 4);
        }
        // A slice in clustering order: from the 3rd row to before the 6th.
        let (a, b) = (expected[2], expected[5]);
        let slice = Slice {
            start: Bound::Included(vec![CqlValue::Int(a)]),
            end: Bound::Excluded(vec![CqlValue::Int(b)]),
            reversed: false,
        };
        let page = s.read_partition(&t, &[CqlValue::Int(1)], &slice, 100, None, NOW).await.unwrap();
        assert_eq!(clusterings(&page.rows), expected[2..5].to_vec());
    }
    assert!(Position::from_bytes(&[9, 9]).is_err());
}

#[tokio::test]
async fn a_full_scan_walks_partitions_in_token_order_and_resumes() {
    let (s, t) = (store().await, table(ClusteringOrder::Asc));
    apply(
        &s,
        (0..20).flat_map(|k| (0..3).map(move |c| (k, c))).map(|(k, c)| write(&t, k, c, 10, true, vec![])).collect(),
    )
    .await;
    apply(&s, vec![op(&t, 5, 20, MutationOp::DeletePartition)]).await;
    let mut seen: Vec<(i32, i32)> = Vec::new();
    let mut resume: Option<Position> = None;
    loop {
        let page = s.scan(&t, Bound::Unbounded, Bound::Unbounded, 4, resume.as_ref(), NOW).await.unwrap();
        for r in &page.rows {
            let k = match r.partition_key.first() {
                Some(CqlValue::Int(k)) => *k,
                _ => -1,
            };
            seen.push((k, clusterings(std::slice::from_ref(r))[0]));
        }
        match page.next {
            Some(p) => resume = Some(p),
            None => break,
        }
    }
    assert_eq!(seen.len(), 19 * 3);
    let token = |k: i32| super::keys::token_of(&k.to_be_bytes());
    let tokens: Vec<i64> = seen.iter().map(|(k, _)| token(*k)).collect();
    assert!(tokens.windows(2).all(|w| w[0] <= w[1]), "token order");
    assert!(!seen.iter().any(|(k, _)| *k == 5));
    // A token range: only partitions whose token is inside.
    let pivot = token(7);
    let page = s.scan(&t, Bound::Excluded(pivot), Bound::Unbounded, 1000, None, NOW).await.unwrap();
    assert!(page.rows.iter().all(|r| match r.partition_key.first() {
        Some(CqlValue::Int(k)) => token(*k) > pivot,
        _ => false,
    }));
    assert_eq!(page.rows.len(), tokens.iter().filter(|t| **t > pivot).count());
    // Dropping the table's data leaves nothing to scan.
    assert!(s.purge_table(&t.id).await.unwrap() > 0);
    assert!(s.scan(&t, Bound::Unbounded, Bound::Unbounded, 10, None, NOW).await.unwrap().rows.is_empty());
}

#[tokio::test]
async fn purging_a_table_larger_than_a_page_removes_every_entry_and_only_its_own() {
    let (s, t, other) = (store().await, table(ClusteringOrder::Asc), table(ClusteringOrder::Asc));
    // 2,500 rows with a marker and a value cell each: several purge pages.
    let writes: Vec<Mutation> = (0..50)
        .flat_map(|k| (0..50).map(move |c| (k, c)))
        .map(|(k, c)| write(&t, k, c, 10, true, vec![("v", ColumnOp::Set(text("x")))]))
        .collect();
    for chunk in writes.chunks(500) {
        apply(&s, chunk.to_vec()).await;
    }
    apply(&s, vec![write(&other, 1, 1, 10, true, vec![])]).await;
    assert_eq!(s.purge_table(&t.id).await.unwrap(), 5_000);
    assert!(s.scan(&t, Bound::Unbounded, Bound::Unbounded, 10, None, NOW).await.unwrap().rows.is_empty());
    assert_eq!(rows(&s, &other, 1).await.len(), 1);
}

#[tokio::test]
async fn composite_keys_and_clustering_prefix_deletes() {
    let s = store().await;
    let asc = ClusteringOrder::Asc;
    let mut c2 = col("c2", CqlType::Text, ColumnKind::Clustering, ClusteringOrder::Desc);
    c2.position = 1;
    let mut k2 = col("k2", CqlType::Text, ColumnKind::PartitionKey, asc);
    k2.position = 1;
    let t = Arc::new(TableDef {
        keyspace: "ks".into(),
        name: "wide".into(),
        columns: vec![
            col("k1", CqlType::Int, ColumnKind::PartitionKey, asc),
            k2,
            col("c1", CqlType::Int, ColumnKind::Clustering, asc),
            c2,
            col("v", CqlType::Int, ColumnKind::Regular, asc),
        ],
        id: space::random_uuid(),
        default_ttl: 0,
        options: BTreeMap::new(),
        indexes: vec![],
        is_counter: false,
    });
    let pk = vec![CqlValue::Int(1), text("a")];
    let row = |c1: i32, c2: &str| Mutation {
        table: t.clone(),
        partition_key: pk.clone(),
        timestamp: 10,
        ttl: None,
        op: MutationOp::Write {
            clustering: vec![CqlValue::Int(c1), text(c2)],
            marker: true,
            columns: vec![ColumnWrite { column: "v".into(), op: ColumnOp::Set(CqlValue::Int(c1)) }],
        },
    };
    apply(&s, vec![row(1, "x"), row(1, "y"), row(2, "x"), row(2, "y"), row(3, "x")]).await;
    let read = |slice: Slice| {
        let (s, t, pk) = (&s, t.clone(), pk.clone());
        async move {
            let page = s.read_partition(&t, &pk, &slice, 100, None, NOW).await.unwrap();
            page.rows
                .iter()
                .map(|r| match (&r.clustering[0], &r.clustering[1]) {
                    (CqlValue::Int(a), CqlValue::Text(b)) => format!("{a}{b}"),
                    _ => String::new(),
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(read(Slice::all()).await, ["1y", "1x", "2y", "2x", "3x"]);
    // DELETE ... WHERE c1 = 2 is a range tombstone over the clustering prefix (2).
    let prefix = vec![CqlValue::Int(2)];
    let delete = MutationOp::DeleteRange { start: Bound::Included(prefix.clone()), end: Bound::Included(prefix) };
    apply(&s, vec![Mutation { table: t.clone(), partition_key: pk.clone(), timestamp: 11, ttl: None, op: delete }])
        .await;
    assert_eq!(read(Slice::all()).await, ["1y", "1x", "3x"]);
    let slice =
        Slice { start: Bound::Excluded(vec![CqlValue::Int(1), text("y")]), end: Bound::Unbounded, reversed: true };
    assert_eq!(read(slice).await, ["3x", "1x"]);
    // Another partition of the same first component is a different partition.
    let other = s.read_partition(&t, &[CqlValue::Int(1), text("b")], &Slice::all(), 10, None, NOW).await.unwrap();
    assert!(other.rows.is_empty());
    let wrong = s.read_partition(&t, &[CqlValue::Int(1)], &Slice::all(), 10, None, NOW).await;
    assert!(wrong.is_err());
}

#[tokio::test]
async fn a_static_only_partition_pages_as_one_row() {
    let (s, t) = (store().await, table(ClusteringOrder::Asc));
    apply(&s, vec![write(&t, 1, 0, 10, false, vec![("s", ColumnOp::Set(CqlValue::Int(1)))])]).await;
    apply(&s, vec![write(&t, 2, 0, 10, true, vec![])]).await;
    let mut total = 0;
    let mut resume = None;
    loop {
        let page = s.scan(&t, Bound::Unbounded, Bound::Unbounded, 1, resume.as_ref(), NOW).await.unwrap();
        total += page.rows.len();
        match page.next {
            Some(p) => resume = Some(p),
            None => break,
        }
        assert!(total <= 2, "no row twice");
    }
    assert_eq!(total, 2);
}

#[tokio::test]
async fn conditional_writes_see_the_current_row() {
    use super::lwt::RowRef;
    let (s, t) = (Arc::new(store().await), table(ClusteringOrder::Asc));
    let insert = |val: &str| WriteBatch {
        mutations: vec![write(&t, 1, 1, 10, true, vec![("v", ColumnOp::Set(text(val)))])],
        now: NOW,
    };
    let key = [CqlValue::Int(1)];
    let ck = [CqlValue::Int(1)];
    let target = || RowRef { table: &t, partition_key: &key, clustering: &ck };
    let (applied, seen, _) = s.write_if(&insert("first"), target(), |row, _| Ok(row.is_none())).await.unwrap();
    assert!(applied && seen.is_none());
    let (applied, seen, _) = s.write_if(&insert("second"), target(), |row, _| Ok(row.is_none())).await.unwrap();
    assert!(!applied);
    assert_eq!(seen.unwrap().value(&t, "v").unwrap(), Some(text("first")));
    assert_eq!(v(&rows(&s, &t, 1).await[0], &t, "v"), Some(text("first")));
    // Concurrent INSERT ... IF NOT EXISTS on one row: exactly one applies.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (s, t) = (s.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            let batch = WriteBatch {
                mutations: vec![write(&t, 2, 2, 10 + i, true, vec![("v", ColumnOp::Set(text("x")))])],
                now: NOW,
            };
            let (pk, ck) = ([CqlValue::Int(2)], [CqlValue::Int(2)]);
            let target = RowRef { table: &t, partition_key: &pk, clustering: &ck };
            s.write_if(&batch, target, |row, _| Ok(row.is_none())).await.unwrap().0
        }));
    }
    let mut applied = 0;
    for t in tasks {
        if t.await.unwrap() {
            applied += 1;
        }
    }
    assert_eq!(applied, 1);
}

#[tokio::test]
async fn index_lookups_answer_only_rows_that_still_match() {
    use crate::schema::{IndexDef, IndexTarget};
    let s = store().await;
    let mut def = (*table(ClusteringOrder::Asc)).clone();
    def.indexes.push(IndexDef { name: "t_v".into(), column: "v".into(), target: IndexTarget::Values });
    let t = Arc::new(def);
    let index = t.indexes[0].clone();
    let set = |k, c, ts, val: &str| write(&t, k, c, ts, true, vec![("v", ColumnOp::Set(text(val)))]);
    apply(&s, vec![set(1, 1, 10, "red"), set(1, 2, 10, "blue"), set(2, 1, 10, "red"), set(3, 5, 10, "red")]).await;
    // Overwritten and deleted rows drop out although their entries stay.
    apply(&s, vec![set(3, 5, 11, "green"), op(&t, 2, 11, MutationOp::DeletePartition)]).await;
    let page = s.index_lookup(&t, &index, &text("red"), 10, None, NOW).await.unwrap();
    assert_eq!(clusterings(&page.rows), [1]);
    assert_eq!(page.rows[0].partition_key, vec![CqlValue::Int(1)]);
    apply(&s, vec![set(4, 1, 12, "red"), set(5, 1, 12, "red"), set(6, 1, 12, "red")]).await;
    let mut seen = 0;
    let mut resume = None;
    loop {
        let page = s.index_lookup(&t, &index, &text("red"), 2, resume.as_ref(), NOW).await.unwrap();
        seen += page.rows.len();
        match page.next {
            Some(p) => resume = Some(p),
            None => break,
        }
    }
    assert_eq!(seen, 4);
}

#[tokio::test]
async fn concurrent_counter_increments_all_count() {
    let s = Arc::new(store().await);
    let asc = ClusteringOrder::Asc;
    let t = Arc::new(TableDef {
        keyspace: "ks".into(),
        name: "hits".into(),
        columns: vec![
            col("k", CqlType::Int, ColumnKind::PartitionKey, asc),
            col("n", CqlType::Counter, ColumnKind::Regular, asc),
        ],
        id: space::random_uuid(),
        default_ttl: 0,
        options: BTreeMap::new(),
        indexes: vec![],
        is_counter: true,
    });
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (s, t) = (s.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            let m = Mutation {
                table: t.clone(),
                partition_key: vec![CqlValue::Int(1)],
                timestamp: i,
                ttl: None,
                op: MutationOp::Write {
                    clustering: vec![],
                    marker: false,
                    columns: vec![ColumnWrite { column: "n".into(), op: ColumnOp::CounterAdd(1) }],
                },
            };
            s.write(&WriteBatch { mutations: vec![m], now: NOW }).await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let page = s.read_partition(&t, &[CqlValue::Int(1)], &Slice::all(), 1, None, NOW).await.unwrap();
    assert_eq!(page.rows[0].value(&t, "n").unwrap(), Some(CqlValue::Counter(8)));
}

#[tokio::test]
async fn a_partition_deletion_removes_the_shadowed_entries() {
    use orbit_storage::engine::KeyRange;
    let (s, t) = (store().await, table(ClusteringOrder::Asc));
    apply(&s, (0..50).map(|c| write(&t, 1, c, 10, true, vec![("v", ColumnOp::Set(text("x")))])).collect()).await;
    apply(&s, vec![write(&t, 1, 99, 30, true, vec![])]).await;
    apply(&s, vec![op(&t, 1, 20, MutationOp::DeletePartition)]).await;
    let mut tx = s.storage.begin().await.unwrap();
    let prefix = super::cells::table_prefix(&t.id);
    let left = tx.kv_scan(&s.handle, &KeyRange::prefix(&prefix), false, 1000).await.unwrap();
    // The deletion itself and the newer row's marker stay.
    assert_eq!(left.len(), 2);
    assert_eq!(clusterings(&rows(&s, &t, 1).await), [99]);
}
