//! TableStorage micro-benchmarks: point get, insert, update and a 100-row range scan,
//! and beside them the lean key-value path through a table handle (raw get, put with and
//! without conflict tracking, a 100-entry raw scan), on RocksDB (persistent mode), the actor storage (actor mode) and, as a reference
//! point, the plain in-memory engine. See benches/README.md for figures.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use orbit_actors::{ActorRuntimeConfig, MemoryDirectory};
use orbit_rocksdb::{RocksEngine, RocksOptions};
use orbit_storage::engine::KeyRange;
use orbit_storage::{
    ColumnDef, DataType, KvTableStorage, MemoryEngine, ScanOptions, TableDef, TableHandle, TableStorage, TxnOptions,
    Value,
};
use std::ops::Bound;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const PRELOADED: i64 = 20_000;

struct Backend {
    name: &'static str,
    storage: Arc<dyn TableStorage>,
    /// The raw keyspace, preloaded with the same keys as the rows (8-byte big-endian).
    raw: Option<TableHandle>,
    _dir: Option<tempfile::TempDir>,
}

fn row(k: i64) -> Vec<Value> {
    vec![Value::Int(k), Value::Text(format!("value-{k:08}")), Value::Int(k * 7)]
}

async fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("tempdir");
    let rocks = RocksEngine::open(dir.path(), &RocksOptions::default()).expect("rocksdb");
    let mut out = vec![
        Backend {
            name: "rocksdb",
            storage: KvTableStorage::open(Arc::new(rocks)).await.expect("open"),
            raw: None,
            _dir: Some(dir),
        },
        Backend {
            name: "actor",
            storage: orbit_actors::open_actor_table_storage(
                ActorRuntimeConfig::default(),
                Arc::new(MemoryDirectory::new()),
                "bench",
                8,
            )
            .await
            .expect("actor storage"),
            raw: None,
            _dir: None,
        },
        Backend {
            name: "memory",
            storage: KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("open"),
            raw: None,
            _dir: None,
        },
    ];
    for b in &mut out {
        let def = TableDef::new("kv")
            .column(ColumnDef::new("k", DataType::Int64))
            .column(ColumnDef::new("v", DataType::Text))
            .column(ColumnDef::new("n", DataType::Int64))
            .primary_key(&["k"]);
        b.storage.create_table(&def).await.expect("create");
        for chunk in (0..PRELOADED).collect::<Vec<_>>().chunks(1000) {
            let mut t = b.storage.begin().await.expect("begin");
            for k in chunk {
                t.insert("kv", row(*k)).await.expect("insert");
            }
            t.commit().await.expect("commit");
        }
        let raw_def = TableDef::new("raw").column(ColumnDef::new("k", DataType::Bytes)).primary_key(&["k"]);
        b.storage.create_table(&raw_def).await.expect("create raw");
        let raw = b.storage.table_handle("raw").await.expect("handle");
        for chunk in (0..PRELOADED).collect::<Vec<_>>().chunks(1000) {
            let mut t = b.storage.begin_with(TxnOptions::serialized_writer()).await.expect("begin");
            for k in chunk {
                t.kv_put(&raw, &raw_key(*k), raw_value(*k)).await.expect("kv_put");
            }
            t.commit().await.expect("commit");
        }
        b.raw = Some(raw);
    }
    out
}

fn raw_key(k: i64) -> [u8; 8] {
    k.to_be_bytes()
}

/// The same bytes a row of `row(k)` carries, as the model would encode them itself.
fn raw_value(k: i64) -> Vec<u8> {
    format!("value-{k:08}:{}", k * 7).into_bytes()
}

/// A cheap deterministic spread of keys over the preloaded range.
fn key(i: i64) -> i64 {
    (i.wrapping_mul(2_654_435_761)).rem_euclid(PRELOADED)
}

fn table_storage(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let backends = rt.block_on(backends());
    let mut group = c.benchmark_group("table_storage");
    for b in &backends {
        let counter = AtomicI64::new(0);
        group.bench_function(BenchmarkId::new("point_get", b.name), |bench| {
            bench.to_async(&rt).iter(|| async {
                let k = key(counter.fetch_add(1, Ordering::Relaxed));
                let r = b.storage.get("kv", &[Value::Int(k)]).await.expect("get");
                assert!(r.is_some());
            })
        });
        let next = AtomicI64::new(PRELOADED);
        group.bench_function(BenchmarkId::new("insert", b.name), |bench| {
            bench.to_async(&rt).iter(|| async {
                let k = next.fetch_add(1, Ordering::Relaxed);
                b.storage.insert("kv", row(k)).await.expect("insert");
            })
        });
        group.bench_function(BenchmarkId::new("update", b.name), |bench| {
            bench.to_async(&rt).iter(|| async {
                let k = key(counter.fetch_add(1, Ordering::Relaxed));
                let mut r = row(k);
                r[2] = Value::Int(-k);
                assert!(b.storage.update("kv", &[Value::Int(k)], r).await.expect("update"));
            })
        });
        group.bench_function(BenchmarkId::new("range_scan_100", b.name), |bench| {
            bench.to_async(&rt).iter(|| async {
                let k = key(counter.fetch_add(1, Ordering::Relaxed)).min(PRELOADED - 100);
                let opts = ScanOptions::range(Bound::Included(vec![Value::Int(k)]), Bound::Unbounded).limit(100);
                let rows = b.storage.scan("kv", &opts).await.expect("scan");
                assert_eq!(rows.len(), 100);
            })
        });
        let Some(raw) = &b.raw else { continue };
        group.bench_function(BenchmarkId::new("kv_get", b.name), |bench| {
            bench.to_async(&rt).iter(|| async {
                let k = key(counter.fetch_add(1, Ordering::Relaxed));
                let v = b.storage.kv_get(raw, &raw_key(k)).await.expect("kv_get");
                assert!(v.is_some());
            })
        });
        for (label, options) in
            [("kv_put", TxnOptions::default()), ("kv_put_untracked", TxnOptions::serialized_writer())]
        {
            group.bench_function(BenchmarkId::new(label, b.name), |bench| {
                bench.to_async(&rt).iter(|| async {
                    let k = key(counter.fetch_add(1, Ordering::Relaxed));
                    b.storage.kv_put(raw, &raw_key(k), raw_value(-k), options).await.expect("kv_put");
                })
            });
        }
        group.bench_function(BenchmarkId::new("kv_scan_100", b.name), |bench| {
            bench.to_async(&rt).iter(|| async {
                let k = key(counter.fetch_add(1, Ordering::Relaxed)).min(PRELOADED - 100);
                let range = KeyRange { start: Bound::Included(raw_key(k).to_vec()), end: Bound::Unbounded };
                let mut t = b.storage.begin_with(TxnOptions::serialized_writer()).await.expect("begin");
                let pairs = t.kv_scan(raw, &range, false, 100).await.expect("kv_scan");
                assert_eq!(pairs.len(), 100);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, table_storage);
criterion_main!(benches);
