//! Keyspace unit tests over the in-memory engine.

use super::*;
use orbit_storage::{KvTableStorage, MemoryEngine};

/// A keyspace over a fresh in-memory storage (also used by the command tests).
pub(crate) async fn memory_keyspace() -> Arc<Keyspace> {
    let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("storage");
    Keyspace::open(storage).await.expect("keyspace")
}

/// Stored entries of one kind (an `encoding` tag), live or not.
async fn count(ks: &Keyspace, tag: u8) -> usize {
    ks.count_entries(tag).await
}

async fn put_string(ks: &Keyspace, db: usize, key: &[u8], value: &[u8], expire: Option<i64>) {
    let mut tx = ks.begin().await.unwrap();
    let mut m = tx.new_meta(RedisType::String);
    m.value = value.to_vec();
    m.expire_at_ms = expire;
    tx.put_meta(db, key, &m).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn meta_round_trip_and_wrong_type() {
    let ks = memory_keyspace().await;
    put_string(&ks, 0, b"k", b"v", None).await;
    let mut tx = ks.begin().await.unwrap();
    let m = tx.meta(0, b"k").await.unwrap().unwrap();
    assert_eq!(m.kind, RedisType::String);
    assert_eq!(m.value, b"v");
    assert!(tx.meta(1, b"k").await.unwrap().is_none());
    assert!(tx.meta_of(0, b"k", RedisType::Hash).await.is_err());
    assert!(tx.meta_of(0, b"k", RedisType::String).await.unwrap().is_some());
    assert!(tx.meta(99, b"k").await.is_err());
}

#[tokio::test]
async fn sub_rows_and_zindex() {
    let ks = memory_keyspace().await;
    let mut tx = ks.begin().await.unwrap();
    let mut m = tx.new_meta(RedisType::ZSet);
    for (s, mem) in [(1.0, &b"b"[..]), (1.0, b"a"), (f64::NEG_INFINITY, b"n"), (f64::INFINITY, b"p"), (-0.0, b"z")] {
        tx.zindex_put(m.version, s, mem).await.unwrap();
        tx.sub_put(m.version, mem, &s.to_be_bytes()).await.unwrap();
    }
    m.size = 5;
    tx.put_meta(0, b"z", &m).await.unwrap();
    assert_eq!(tx.sub_put(m.version, b"a", b"x").await.unwrap(), Some(1.0f64.to_be_bytes().to_vec()));
    assert_eq!(tx.sub_get(m.version, b"a").await.unwrap(), Some(b"x".to_vec()));
    let all = tx.zindex_scan(m.version, Bound::Unbounded, Bound::Unbounded, false, None).await.unwrap();
    let names: Vec<_> = all.iter().map(|(_, m)| m.clone()).collect();
    assert_eq!(names, vec![b"n".to_vec(), b"z".to_vec(), b"a".to_vec(), b"b".to_vec(), b"p".to_vec()]);
    // 0 and -0 are the same score.
    tx.zindex_delete(m.version, 0.0, b"z").await.unwrap();
    let ex = tx
        .zindex_scan(m.version, Bound::Excluded((0.0, None)), Bound::Included((1.0, None)), false, None)
        .await
        .unwrap();
    assert_eq!(ex.len(), 2);
    let after_a =
        tx.zindex_scan(m.version, Bound::Excluded((1.0, Some(b"a"))), Bound::Unbounded, true, Some(1)).await.unwrap();
    assert_eq!(after_a, vec![(f64::INFINITY, b"p".to_vec())]);
    let subs = tx.sub_scan(m.version, Bound::Excluded(b"a"), Bound::Included(b"p"), false, None).await.unwrap();
    assert_eq!(
        subs.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        vec![b"b".to_vec(), b"n".to_vec(), b"p".to_vec()]
    );
    assert_eq!(tx.sub_delete(m.version, b"b").await.unwrap(), Some(1.0f64.to_be_bytes().to_vec()));
    assert_eq!(tx.sub_delete(m.version, b"b").await.unwrap(), None);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn lazy_expiry_and_active_sweep() {
    let ks = memory_keyspace().await;
    put_string(&ks, 0, b"gone", b"v", Some(now_ms() - 1)).await;
    put_string(&ks, 0, b"stays", b"v", Some(now_ms() + 100_000)).await;
    let mut tx = ks.begin().await.unwrap();
    assert!(tx.meta(0, b"gone").await.unwrap().is_none());
    assert!(tx.meta(0, b"stays").await.unwrap().is_some());
    assert_eq!(tx.db_size(0).await.unwrap(), 1);
    assert_eq!(tx.scan_keys(0, None, 10).await.unwrap().len(), 1);
    // Deleting an expired key reports it absent.
    assert!(!tx.delete_key(0, b"gone").await.unwrap());
    drop(tx);
    assert_eq!(count(&ks, encoding::META).await, 2);
    ks.background_step(1000).await.unwrap();
    assert_eq!(count(&ks, encoding::META).await, 1);
    assert_eq!(count(&ks, encoding::EXPIRY).await, 1);
}

#[tokio::test]
async fn overwriting_expired_collection_retires_its_rows() {
    let ks = memory_keyspace().await;
    let mut tx = ks.begin().await.unwrap();
    let mut m = tx.new_meta(RedisType::Hash);
    tx.sub_put(m.version, b"f", b"v").await.unwrap();
    m.size = 1;
    m.expire_at_ms = Some(now_ms() - 5);
    tx.put_meta(0, b"h", &m).await.unwrap();
    tx.commit().await.unwrap();
    put_string(&ks, 0, b"h", b"s", None).await;
    assert_eq!(count(&ks, encoding::GARBAGE).await, 1);
    assert_eq!(count(&ks, encoding::EXPIRY).await, 0);
    ks.background_step(1000).await.unwrap();
    assert_eq!(count(&ks, encoding::SUB).await, 0);
    assert_eq!(count(&ks, encoding::GARBAGE).await, 0);
}

#[tokio::test]
async fn delete_is_o1_and_gc_collects_in_chunks() {
    let ks = memory_keyspace().await;
    let mut tx = ks.begin().await.unwrap();
    let mut m = tx.new_meta(RedisType::Set);
    for i in 0..250u32 {
        tx.sub_put(m.version, &i.to_be_bytes(), b"").await.unwrap();
    }
    m.size = 250;
    tx.put_meta(0, b"s", &m).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = ks.begin().await.unwrap();
    assert!(tx.delete_key(0, b"s").await.unwrap());
    assert_eq!(tx.touched(), &[(0, b"s".to_vec())]);
    tx.commit().await.unwrap();
    assert_eq!(count(&ks, encoding::SUB).await, 250);
    assert_eq!(count(&ks, encoding::GARBAGE).await, 1);
    let mut steps = 0;
    while ks.background_step(100).await.unwrap() > 0 {
        steps += 1;
        assert!(steps < 10);
    }
    assert!(steps >= 3);
    assert_eq!(count(&ks, encoding::SUB).await, 0);
    assert_eq!(count(&ks, encoding::GARBAGE).await, 0);
}

#[tokio::test]
async fn versions_unique_and_survive_restart() {
    let engine: Arc<dyn orbit_storage::KvEngine> = Arc::new(MemoryEngine::new());
    let storage = KvTableStorage::open(engine.clone()).await.unwrap();
    let ks = Keyspace::open(storage.clone()).await.unwrap();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..10_000 {
        assert!(seen.insert(ks.next_version()));
    }
    // A sub-row far in the future forces later versions above it after a restart.
    let mut tx = ks.begin().await.unwrap();
    tx.sub_put(i64::MAX - 10, b"m", b"").await.unwrap();
    tx.commit().await.unwrap();
    let ks2 = Keyspace::open(KvTableStorage::open(engine).await.unwrap()).await.unwrap();
    assert!(ks2.next_version() > i64::MAX - 10);
}

#[tokio::test]
async fn flush_and_swap() {
    let ks = memory_keyspace().await;
    put_string(&ks, 0, b"a", b"0", None).await;
    put_string(&ks, 1, b"b", b"1", None).await;
    let mut tx = ks.begin().await.unwrap();
    tx.swap_db(0, 1).await.unwrap();
    assert!(tx.meta(0, b"b").await.unwrap().is_some());
    tx.commit().await.unwrap();
    let mut tx = ks.begin().await.unwrap();
    assert!(tx.meta(0, b"b").await.unwrap().is_some());
    assert!(tx.meta(1, b"a").await.unwrap().is_some());
    tx.flush_db(1).await.unwrap();
    assert_eq!(tx.flushed_dbs(), &[1]);
    tx.commit().await.unwrap();
    let mut tx = ks.begin().await.unwrap();
    assert_eq!(tx.db_size(1).await.unwrap(), 0);
    assert_eq!(tx.db_size(0).await.unwrap(), 1);
    drop(tx);
    // An uncommitted swap changes nothing.
    let mut tx = ks.begin().await.unwrap();
    tx.swap_db(0, 1).await.unwrap();
    drop(tx);
    let mut tx = ks.begin().await.unwrap();
    assert_eq!(tx.db_size(0).await.unwrap(), 1);
    drop(tx);
    assert_eq!(count(&ks, encoding::META).await, 2);
    ks.background_step(1000).await.unwrap();
    assert_eq!(count(&ks, encoding::META).await, 1);
    assert_eq!(ks.storage().scan(DROPPED, &ScanOptions::all()).await.expect("scan").len(), 0);
}

#[tokio::test]
async fn scan_keys_pages() {
    let ks = memory_keyspace().await;
    for i in 0..25u8 {
        put_string(&ks, 3, &[b'k', i], b"v", if i % 5 == 0 { Some(1) } else { None }).await;
    }
    let mut tx = ks.begin().await.unwrap();
    let mut after: Option<Vec<u8>> = None;
    let mut all = Vec::new();
    loop {
        let page = tx.scan_keys(3, after.as_deref(), 7).await.unwrap();
        let done = page.len() < 7;
        after = page.last().map(|(k, _)| k.clone());
        all.extend(page.into_iter().map(|(k, _)| k));
        if done {
            break;
        }
    }
    assert_eq!(all.len(), 20);
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(tx.db_size(3).await.unwrap(), 20);
}

#[tokio::test]
async fn cursors_are_bounded() {
    let ks = memory_keyspace().await;
    let first = ks.save_cursor(b"a".to_vec());
    assert_eq!(ks.load_cursor(first), Some(b"a".to_vec()));
    for _ in 0..MAX_CURSORS {
        ks.save_cursor(b"x".to_vec());
    }
    assert_eq!(ks.load_cursor(first), None);
    assert_eq!(ks.load_cursor(0), None);
}

#[tokio::test]
async fn background_task_stops_when_keyspace_dropped() {
    let ks = memory_keyspace().await;
    put_string(&ks, 0, b"k", b"v", Some(now_ms() + 50)).await;
    let handle = ks.spawn_background(Arc::new(tokio::sync::Mutex::new(())));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(count(&ks, encoding::META).await, 0);
    drop(ks);
    tokio::time::timeout(Duration::from_secs(2), handle).await.expect("stops").expect("no panic");
}
