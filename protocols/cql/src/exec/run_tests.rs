//! Runner tests over the in-memory engine: plans as the translator will produce them.

use super::*;
use crate::exec::table_def::{build, DeclaredColumn};
use crate::model::{ColumnOp, ColumnWrite, CqlValue, Mutation, MutationOp, Slice};
use crate::schema::{ClusteringOrder, KeyspaceDef, Replication};
use crate::types::CqlType;
use orbit_storage::{KvTableStorage, MemoryEngine};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

async fn runner() -> Runner {
    let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
    Runner::new(Model::open(storage).await.unwrap())
}

#[tokio::test]
async fn ddl_writes_and_paged_selects() {
    let r = runner().await;
    let mut session = SessionState::default();
    let params = QueryParams::default();
    let mut events = r.events.subscribe();
    let ks = KeyspaceDef {
        name: "app".into(),
        replication: Replication::Simple { replication_factor: 1 },
        durable_writes: true,
    };
    let out = r.run(&mut session, Plan::CreateKeyspace { def: ks, if_not_exists: false }, &params).await.unwrap();
    assert!(matches!(out, Outcome::SchemaChange(SchemaChange { kind: SchemaChangeKind::Created, .. })));
    assert!(events.try_recv().is_ok());
    let out = r.run(&mut session, Plan::Use("app".into()), &params).await.unwrap();
    assert_eq!(out, Outcome::SetKeyspace("app".into()));
    assert_eq!(session.keyspace.as_deref(), Some("app"));
    assert!(r.run(&mut session, Plan::Use("nope".into()), &params).await.is_err());

    let decl = |n: &str, ty| DeclaredColumn { name: n.into(), ty, is_static: false };
    let def = build(
        "app",
        "t",
        vec![decl("k", CqlType::Int), decl("c", CqlType::Int), decl("v", CqlType::Text)],
        &["k".into()],
        &[("c".into(), ClusteringOrder::Asc)],
        BTreeMap::new(),
        0,
    )
    .unwrap();
    r.run(&mut session, Plan::CreateTable { def, if_not_exists: false }, &params).await.unwrap();
    let table = r.model.catalog.table("app", "t").unwrap();
    let mutations = (0..5)
        .map(|c| Mutation {
            table: table.clone(),
            partition_key: vec![CqlValue::Int(1)],
            timestamp: 0,
            ttl: None,
            op: MutationOp::Write {
                clustering: vec![CqlValue::Int(c)],
                marker: true,
                columns: vec![ColumnWrite { column: "v".into(), op: ColumnOp::Set(CqlValue::Text(format!("v{c}"))) }],
            },
        })
        .collect();
    r.run(&mut session, Plan::Write { mutations, timestamp: None }, &params).await.unwrap();

    let select = |limit| {
        Plan::Select(SelectPlan {
            table: table.clone(),
            columns: vec![1, 2],
            partition: Some(vec![CqlValue::Int(1)]),
            slice: Slice::all(),
            limit,
            selection: crate::exec::plan::Selection::Columns,
            in_partitions: Vec::new(),
            tokens: (Bound::Unbounded, Bound::Unbounded),
            filters: Vec::new(),
            distinct: false,
            group_by: 0,
            per_partition_limit: None,
            json: false,
        })
    };
    let mut paged = QueryParams { page_size: Some(2), ..QueryParams::default() };
    let mut seen = Vec::new();
    loop {
        let Outcome::Rows(rows) = r.run(&mut session, select(Some(4)), &paged).await.unwrap() else { panic!() };
        assert_eq!(rows.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["c", "v"]);
        for row in &rows.rows {
            seen.push(row[1].clone().unwrap());
        }
        match rows.paging_state {
            Some(state) => paged.paging_state = Some(state),
            None => break,
        }
    }
    let texts: Vec<&[u8]> = seen.iter().map(|b| b.as_ref()).collect();
    assert_eq!(texts, [b"v0".as_ref(), b"v1", b"v2", b"v3"], "LIMIT 4 across pages of 2");

    let Outcome::Rows(all) = r.run(&mut session, select(None), &params).await.unwrap() else { panic!() };
    assert_eq!(all.rows.len(), 5);
    assert!(all.paging_state.is_none());

    let out =
        r.run(&mut session, Plan::DropTable { keyspace: "app".into(), name: "t".into(), if_exists: false }, &params);
    assert!(matches!(out.await.unwrap(), Outcome::SchemaChange(_)));
    let out =
        r.run(&mut session, Plan::DropTable { keyspace: "app".into(), name: "t".into(), if_exists: true }, &params);
    assert_eq!(out.await.unwrap(), Outcome::Void);
}

#[tokio::test]
async fn batches_are_atomic_and_counter_batches_take_only_counters() {
    let r = runner().await;
    let mut session = SessionState::default();
    let params = QueryParams::default();
    let ks = KeyspaceDef {
        name: "app".into(),
        replication: Replication::Simple { replication_factor: 1 },
        durable_writes: true,
    };
    r.run(&mut session, Plan::CreateKeyspace { def: ks, if_not_exists: false }, &params).await.unwrap();
    let decl = |n: &str, ty| DeclaredColumn { name: n.into(), ty, is_static: false };
    let def = build(
        "app",
        "t",
        vec![decl("k", CqlType::Int), decl("v", CqlType::Int)],
        &["k".into()],
        &[],
        BTreeMap::new(),
        0,
    )
    .unwrap();
    r.run(&mut session, Plan::CreateTable { def, if_not_exists: false }, &params).await.unwrap();
    let table = r.model.catalog.table("app", "t").unwrap();
    let insert = |k: i32| {
        let values = vec![
            ("k".to_string(), crate::exec::bind::Bound::Value(CqlValue::Int(k))),
            ("v".to_string(), crate::exec::bind::Bound::Value(CqlValue::Int(k))),
        ];
        Plan::Write { mutations: vec![crate::exec::write::insert(&table, &values, None).unwrap()], timestamp: None }
    };
    r.run_batch(crate::engine::BatchKind::Logged, vec![insert(1), insert(2)], &params, &mut Vec::new()).await.unwrap();
    let e =
        r.run_batch(crate::engine::BatchKind::Counter, vec![insert(3)], &params, &mut Vec::new()).await.unwrap_err();
    assert_eq!(e.message(), "Cannot include non-counter statement in a counter batch");
    let select = Plan::Select(SelectPlan {
        table: table.clone(),
        columns: vec![0, 1],
        partition: None,
        slice: Slice::all(),
        limit: None,
        selection: crate::exec::plan::Selection::Columns,
        in_partitions: Vec::new(),
        tokens: (Bound::Unbounded, Bound::Unbounded),
        filters: Vec::new(),
        distinct: false,
        group_by: 0,
        per_partition_limit: None,
        json: false,
    });
    let Outcome::Rows(rows) = r.run(&mut session, select, &params).await.unwrap() else { panic!() };
    assert_eq!(rows.rows.len(), 2);
}

/// A 100,000-row partition read through with pages of 5,000: every page resumes from the
/// storage position of the last, each row comes back once and in clustering order.
#[tokio::test]
async fn a_hundred_thousand_row_partition_pages_through() {
    let r = runner().await;
    let mut session = SessionState::default();
    let params = QueryParams::default();
    let ks = KeyspaceDef {
        name: "big".into(),
        replication: Replication::Simple { replication_factor: 1 },
        durable_writes: true,
    };
    r.run(&mut session, Plan::CreateKeyspace { def: ks, if_not_exists: false }, &params).await.unwrap();
    let decl = |n: &str, ty| DeclaredColumn { name: n.into(), ty, is_static: false };
    let def = build(
        "big",
        "p",
        vec![decl("k", CqlType::Int), decl("c", CqlType::Int), decl("v", CqlType::Bigint)],
        &["k".into()],
        &[("c".into(), ClusteringOrder::Asc)],
        BTreeMap::new(),
        0,
    )
    .unwrap();
    r.run(&mut session, Plan::CreateTable { def, if_not_exists: false }, &params).await.unwrap();
    let table = r.model.catalog.table("big", "p").unwrap();
    const ROWS: i32 = 100_000;
    for chunk in 0..(ROWS / 10_000) {
        let mutations = (chunk * 10_000..(chunk + 1) * 10_000)
            .map(|c| Mutation {
                table: table.clone(),
                partition_key: vec![CqlValue::Int(7)],
                timestamp: 0,
                ttl: None,
                op: MutationOp::Write {
                    clustering: vec![CqlValue::Int(c)],
                    marker: true,
                    columns: vec![ColumnWrite {
                        column: "v".into(),
                        op: ColumnOp::Set(CqlValue::Bigint(i64::from(c))),
                    }],
                },
            })
            .collect();
        r.run(&mut session, Plan::Write { mutations, timestamp: None }, &params).await.unwrap();
    }
    let plan = || {
        let mut p = crate::exec::select::plan(&table, &["c".into()], &[], &[], None).unwrap();
        p.partition = Some(vec![CqlValue::Int(7)]);
        Plan::Select(p)
    };
    let mut paged = QueryParams { page_size: Some(5_000), ..QueryParams::default() };
    let (mut next, mut pages) = (0i32, 0);
    loop {
        let Outcome::Rows(rows) = r.run(&mut session, plan(), &paged).await.unwrap() else { panic!() };
        assert!(rows.rows.len() <= 5_000);
        for row in &rows.rows {
            let c = i32::from_be_bytes(row[0].as_ref().unwrap()[..4].try_into().unwrap());
            assert_eq!(c, next, "rows in clustering order, none skipped or repeated");
            next += 1;
        }
        pages += 1;
        match rows.paging_state {
            Some(state) => paged.paging_state = Some(state),
            None => break,
        }
    }
    // A page that ends exactly at the partition's end still carries a paging state (the
    // store does not read ahead), so the 21st page is empty, as Cassandra's can be.
    assert_eq!((next, pages), (ROWS, 21));
}
