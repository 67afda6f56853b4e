//! The storage conformance suite on RocksDB (the memory engine runs it in orbit-storage's
//! unit tests, the actor storage in orbit-actors' with short idle timeouts), plus what
//! only a persistent engine must do: keep everything across a reopen, and lose no
//! acknowledged write (and show no half batch) when its process is killed with SIGKILL.

use orbit_rocksdb::{RocksEngine, RocksOptions};
use orbit_storage::engine::KeyRange;
use orbit_storage::{
    ColumnDef, DataType, IndexDef, KvTableStorage, ScanOptions, TableDef, TableStorage, TxnOptions, Value,
};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn open_rocks(path: &Path) -> Arc<KvTableStorage> {
    let engine = RocksEngine::open(path, &RocksOptions::default()).expect("open rocksdb");
    KvTableStorage::open(Arc::new(engine)).await.expect("open table storage")
}

mod rocksdb {
    use super::*;

    async fn rocks() -> (Arc<dyn TableStorage>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage: Arc<dyn TableStorage> = open_rocks(dir.path()).await;
        (storage, dir)
    }

    orbit_storage::conformance_tests!(rocks());
}

fn int(v: i64) -> Value {
    Value::Int(v)
}

#[tokio::test]
async fn rocksdb_keeps_everything_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let far = orbit_storage::table::now_millis() + 3_600_000;
    {
        let s = open_rocks(dir.path()).await;
        let def = TableDef::new("kv")
            .column(ColumnDef::new("k", DataType::Text))
            .column(ColumnDef::new("v", DataType::Int64))
            .primary_key(&["k"])
            .index(IndexDef::new("kv_v", &["v"], true));
        s.create_table(&def).await.unwrap();
        s.create_table(&TableDef::new("dropped").column(ColumnDef::new("k", DataType::Int64)).primary_key(&["k"]))
            .await
            .unwrap();
        s.insert("dropped", vec![int(1)]).await.unwrap();
        s.drop_table("dropped").await.unwrap();
        let mut t = s.begin().await.unwrap();
        for i in 0..500 {
            t.insert("kv", vec![Value::Text(format!("key{i:04}")), int(1000 - i)]).await.unwrap();
        }
        t.insert_with_expiry("kv", vec![Value::Text("ttl".into()), int(-1)], Some(far)).await.unwrap();
        t.commit().await.unwrap();
        s.create_index("kv", &IndexDef::new("kv_v_plain", &["v"], false)).await.unwrap();
        s.delete("kv", &[Value::Text("key0000".into())]).await.unwrap();
    }
    let s = open_rocks(dir.path()).await;
    assert_eq!(s.list_tables().await.unwrap(), ["kv"]);
    let schema = s.table_schema("kv").await.unwrap().unwrap();
    assert!(schema.index("kv_v").is_some() && schema.index("kv_v_plain").is_some());
    assert_eq!(s.scan("kv", &ScanOptions::all()).await.unwrap().len(), 500);
    assert_eq!(
        s.get("kv", &[Value::Text("key0499".into())]).await.unwrap(),
        Some(vec![Value::Text("key0499".into()), int(501)])
    );
    let lowest = s.index_scan("kv", "kv_v", &ScanOptions::all().limit(2)).await.unwrap();
    assert_eq!(lowest[0][1], int(-1));
    assert_eq!(lowest[1][1], int(501));
    assert!(
        s.index_scan("kv", "kv_v_plain", &ScanOptions::prefix(vec![int(1000)])).await.unwrap().is_empty(),
        "deleted row's entry is gone"
    );
    let mut t = s.begin().await.unwrap();
    assert_eq!(t.get_expiry("kv", &[Value::Text("ttl".into())]).await.unwrap(), Some(Some(far)));
    drop(t);
    let err = s.insert("kv", vec![Value::Text("new".into()), int(600)]).await.unwrap_err();
    assert!(
        matches!(err, orbit_storage::StorageError::UniqueViolation { .. }),
        "unique index survives reopen: {err:?}"
    );
    // A table created after reopen gets a fresh id: it does not see the dropped table's rows.
    s.create_table(&TableDef::new("fresh").column(ColumnDef::new("k", DataType::Int64)).primary_key(&["k"]))
        .await
        .unwrap();
    assert_eq!(s.table_schema("fresh").await.unwrap().unwrap().id, 3);
    assert!(s.scan("fresh", &ScanOptions::all()).await.unwrap().is_empty());
}

#[tokio::test]
async fn rocksdb_keeps_kv_entries_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let s = open_rocks(dir.path()).await;
        let def = TableDef::new("keyspace").column(ColumnDef::new("k", DataType::Bytes)).primary_key(&["k"]);
        s.create_table(&def).await.unwrap();
        let t = s.table_handle("keyspace").await.unwrap();
        let mut tx = s.begin_with(TxnOptions::serialized_writer()).await.unwrap();
        for i in 0..300u32 {
            tx.kv_put(&t, &i.to_be_bytes(), format!("v{i}").into_bytes()).await.unwrap();
        }
        tx.insert("keyspace", vec![Value::Bytes(b"row".to_vec())]).await.unwrap();
        tx.commit().await.unwrap();
        s.kv_delete(&t, &7u32.to_be_bytes(), TxnOptions::serialized_writer()).await.unwrap();
        s.kv_put(&t, &8u32.to_be_bytes(), b"changed".to_vec(), TxnOptions::default()).await.unwrap();
        let mut rolled_back = s.begin().await.unwrap();
        rolled_back.kv_put(&t, b"never", vec![]).await.unwrap();
        rolled_back.rollback().await.unwrap();
        t.id()
    };
    let s = open_rocks(dir.path()).await;
    let t = s.table_handle("keyspace").await.unwrap();
    assert_eq!(t.id(), id);
    assert_eq!(s.kv_get(&t, &7u32.to_be_bytes()).await.unwrap(), None);
    assert_eq!(s.kv_get(&t, &8u32.to_be_bytes()).await.unwrap(), Some(b"changed".to_vec()));
    assert_eq!(s.kv_get(&t, &299u32.to_be_bytes()).await.unwrap(), Some(b"v299".to_vec()));
    assert_eq!(s.kv_get(&t, b"never").await.unwrap(), None);
    let mut tx = s.begin().await.unwrap();
    let all = tx.kv_scan(&t, &KeyRange::all(), false, 1000).await.unwrap();
    assert_eq!(all.len(), 299, "300 numbered keys less the deleted one, nothing rolled back");
    assert_eq!(all[0].0, 0u32.to_be_bytes().to_vec());
    assert_eq!(s.scan("keyspace", &ScanOptions::all()).await.unwrap().len(), 1, "the row beside them");
}

const CRASH_DIR_ENV: &str = "ORBIT_TEST_CRASH_DIR";
const ROWS_PER_BATCH: i64 = 16;

/// The child half of `sigkill_loses_no_acknowledged_batch`: when started by it (the
/// environment variable is set), writes batches forever and acknowledges each one on
/// stdout after its commit returned. Run on its own it does nothing.
#[tokio::test]
async fn crash_child_writer() {
    let Ok(dir) = std::env::var(CRASH_DIR_ENV) else { return };
    use std::io::Write;
    let s = open_rocks(Path::new(&dir)).await;
    let def = TableDef::new("batches")
        .column(ColumnDef::new("batch", DataType::Int64))
        .column(ColumnDef::new("item", DataType::Int64))
        .column(ColumnDef::new("payload", DataType::Text))
        .primary_key(&["batch", "item"])
        .index(IndexDef::new("batches_item", &["item", "batch"], false));
    s.create_table(&def).await.unwrap();
    let raw = s.table_handle("batches").await.unwrap();
    let mut out = std::io::stdout();
    for batch in 0.. {
        let mut t = s.begin().await.unwrap();
        for item in 0..ROWS_PER_BATCH {
            t.insert("batches", vec![int(batch), int(item), Value::Text("x".repeat(200))]).await.unwrap();
        }
        // A raw entry in the same batch as the rows.
        t.kv_put(&raw, &batch.to_be_bytes(), ROWS_PER_BATCH.to_be_bytes().to_vec()).await.unwrap();
        t.commit().await.unwrap();
        writeln!(out, "ACK {batch}").unwrap();
        out.flush().unwrap();
    }
}

#[tokio::test]
async fn sigkill_loses_no_acknowledged_batch() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["--exact", "storage::crash_child_writer", "--nocapture", "--test-threads=1"])
        .env(CRASH_DIR_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the writer");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut last_ack: Option<i64> = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    while let Some(Ok(line)) = lines.next() {
        if let Some(n) = line.strip_prefix("ACK ") {
            last_ack = Some(n.trim().parse().unwrap());
        }
        if last_ack.is_some_and(|n| n >= 300) || Instant::now() > deadline {
            break;
        }
    }
    // Kill in the middle of the stream of writes.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    let status = child.wait().unwrap();
    assert!(!status.success(), "the writer was killed");
    // Acks printed before the kill but not yet read count too.
    for line in lines.map_while(Result::ok) {
        if let Some(n) = line.strip_prefix("ACK ") {
            last_ack = Some(n.trim().parse().unwrap());
        }
    }
    let last_ack = last_ack.expect("the writer acknowledged batches before the kill");
    assert!(last_ack >= 300, "the writer got far enough to be killed mid-stream ({last_ack})");

    let s = open_rocks(dir.path()).await;
    let rows = s.scan("batches", &ScanOptions::all()).await.unwrap();
    let mut per_batch = std::collections::BTreeMap::<i64, i64>::new();
    for row in &rows {
        let Value::Int(b) = row[0] else { panic!("bad row {row:?}") };
        *per_batch.entry(b).or_default() += 1;
    }
    for batch in 0..=last_ack {
        assert_eq!(per_batch.get(&batch).copied(), Some(ROWS_PER_BATCH), "acknowledged batch {batch} is complete");
    }
    for (batch, count) in &per_batch {
        assert_eq!(*count, ROWS_PER_BATCH, "batch {batch} is all or nothing");
    }
    let max = per_batch.keys().max().copied().unwrap();
    assert!(max <= last_ack + 1, "at most the batch in flight went beyond the last ack");
    assert_eq!(per_batch.len() as i64, max + 1, "no gaps");
    // The index agrees with the rows.
    let items = s.index_scan("batches", "batches_item", &ScanOptions::prefix(vec![int(0)])).await.unwrap();
    assert_eq!(items.len(), per_batch.len());
    // The raw entries written with the rows agree with them: one per complete batch.
    let raw = s.table_handle("batches").await.unwrap();
    let mut tx = s.begin().await.unwrap();
    let entries = tx.kv_scan(&raw, &KeyRange::all(), false, usize::MAX).await.unwrap();
    let raw_batches: Vec<i64> =
        entries.iter().map(|(k, _)| i64::from_be_bytes(k.as_slice().try_into().unwrap())).collect();
    assert_eq!(raw_batches, per_batch.keys().copied().collect::<Vec<_>>(), "raw entries went with their rows");
}
