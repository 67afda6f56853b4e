//! Tests of the cow_btree store: the tree against a `BTreeMap` model, point-in-time
//! views, recovery (reopen, snapshot + log, torn tails, corruption, interrupted log
//! rotation) and a kill -9 of a writing child process.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::files::{log_path, snapshot_path, DataFiles};
use super::node::Bytes;
use super::tree::Tree;
use super::*;

/// A seeded xorshift generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn config(dir: &Path) -> CowBTreeConfig {
    CowBTreeConfig { max_keys_per_node: 4, ..CowBTreeConfig::with_data_dir(dir) }
}

fn put(key: &str, value: &str) -> RecordOp {
    RecordOp::Put { key: key.as_bytes().to_vec(), value: value.as_bytes().to_vec() }
}

fn delete(key: &str) -> RecordOp {
    RecordOp::Delete { key: key.as_bytes().to_vec() }
}

fn contents(store: &CowBTreeStore) -> BTreeMap<Vec<u8>, Vec<u8>> {
    store.snapshot().iter().collect()
}

fn model_apply(model: &mut BTreeMap<Vec<u8>, Vec<u8>>, ops: &[RecordOp]) {
    for op in ops {
        match op {
            RecordOp::Put { key, value } => {
                model.insert(key.clone(), value.clone());
            }
            RecordOp::Delete { key } => {
                model.remove(key);
            }
        }
    }
}

fn random_batch(rng: &mut Rng, key_space: u64, max_len: u64) -> Vec<RecordOp> {
    (0..1 + rng.below(max_len))
        .map(|_| {
            let key = format!("k{:05}", rng.below(key_space));
            if rng.below(3) == 0 {
                delete(&key)
            } else {
                put(&key, &format!("v{}", rng.next()))
            }
        })
        .collect()
}

fn log_files(dir: &Path) -> Vec<PathBuf> {
    DataFiles::list(dir).unwrap().logs.into_iter().map(|(_, path)| path).collect()
}

fn append_bytes(path: &Path, bytes: &[u8]) {
    OpenOptions::new().append(true).open(path).unwrap().write_all(bytes).unwrap();
}

fn truncate_by(path: &Path, bytes: u64) {
    let len = fs::metadata(path).unwrap().len();
    OpenOptions::new().write(true).open(path).unwrap().set_len(len - bytes).unwrap();
}

#[test]
fn config_defaults_aliases_and_validation() {
    let default = CowBTreeConfig::default();
    assert_eq!(default.data_dir, PathBuf::from("data/leases/cow_btree"));
    assert_eq!((default.max_keys_per_node, default.wal_buffer_size, default.snapshot_interval), (64, 65536, 10_000));
    assert!(!default.sync_writes);

    let parsed: CowBTreeConfig =
        serde_json::from_str(r#"{"data_path": "/tmp/x", "max_keys_per_node": 8, "snapshot_interval": 5}"#).unwrap();
    assert_eq!(parsed.data_dir, PathBuf::from("/tmp/x"));
    assert_eq!((parsed.max_keys_per_node, parsed.wal_buffer_size, parsed.snapshot_interval), (8, 65536, 5));

    let dir = tempfile::tempdir().unwrap();
    let small = CowBTreeConfig { max_keys_per_node: 3, ..config(dir.path()) };
    match CowBTreeStore::open(small) {
        Err(LeaseError::Config(message)) => assert!(message.contains("max_keys_per_node"), "{message}"),
        other => panic!("expected a Config error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn tree_matches_model_over_random_ops() {
    for max_keys in [4, 5, 7, 64] {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ max_keys as u64);
        let mut tree = Tree::new(max_keys);
        let mut model = BTreeMap::new();
        for step in 0..6000 {
            let key = format!("{:04}", rng.below(700)).into_bytes();
            // Phases that grow, shrink and churn the tree, so merges cascade to the root.
            let delete_odds = match (step / 1500) % 3 {
                0 => 4,
                1 => 1,
                _ => 2,
            };
            if rng.below(delete_odds + 1) == 0 || delete_odds == 1 && rng.below(4) != 0 {
                assert_eq!(tree.remove(&key), model.remove(&key).is_some());
            } else {
                let value = rng.next().to_le_bytes().to_vec();
                tree.insert(&key, &value);
                model.insert(key, value);
            }
            if step % 50 == 0 {
                tree.check_invariants().unwrap_or_else(|e| panic!("max_keys {max_keys}, step {step}: {e}"));
            }
        }
        tree.check_invariants().unwrap();
        let snapshot = TreeSnapshot { tree: tree.clone(), sequence: 0 };
        assert_eq!(snapshot.iter().collect::<Vec<_>>(), model.clone().into_iter().collect::<Vec<_>>());
        for key in model.keys().take(50) {
            assert_eq!(snapshot.get(key).as_ref(), model.get(key));
        }
        // Remove everything: the tree shrinks back to an empty root leaf.
        for key in model.keys() {
            assert!(tree.remove(key));
        }
        tree.check_invariants().unwrap();
        assert_eq!(tree.len(), 0);
    }
}

#[test]
fn store_matches_model_over_random_batches() {
    let dir = tempfile::tempdir().unwrap();
    let store = CowBTreeStore::open(CowBTreeConfig { snapshot_interval: 97, ..config(dir.path()) }).unwrap();
    let mut rng = Rng(42);
    let mut model = BTreeMap::new();
    for step in 0..3000 {
        let batch = random_batch(&mut rng, 400, 6);
        store.apply(&batch).unwrap();
        model_apply(&mut model, &batch);
        if step % 100 == 0 {
            store.check_invariants().unwrap();
            let start = format!("k{:05}", rng.below(400));
            let end = format!("k{:05}", rng.below(400));
            let got: Vec<_> = store.range(start.as_bytes()..end.as_bytes()).collect();
            let want: Vec<_> = if start <= end {
                model.range(start.clone().into_bytes()..end.into_bytes()).map(|(k, v)| (k.clone(), v.clone())).collect()
            } else {
                Vec::new()
            };
            assert_eq!(got, want, "range from {start}");
        }
    }
    assert_eq!(contents(&store), model);
    drop(store);
    let store = CowBTreeStore::open(config(dir.path())).unwrap();
    store.check_invariants().unwrap();
    assert_eq!(contents(&store), model);
}

#[test]
fn bulk_loaded_trees_are_balanced() {
    for max_keys in [4, 5, 6, 9, 64] {
        for len in (0..400).chain([1000, 4097]) {
            let entries: Vec<(Bytes, Bytes)> =
                (0..len).map(|i| (Bytes::from(format!("{i:06}").as_bytes()), Bytes::from(&b"v"[..]))).collect();
            let tree = Tree::from_sorted(entries, max_keys);
            tree.check_invariants().unwrap_or_else(|e| panic!("max_keys {max_keys}, len {len}: {e}"));
        }
    }
}

#[test]
fn ranges_and_prefix_scans_respect_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let store = CowBTreeStore::open(config(dir.path())).unwrap();
    let ops: Vec<_> = (0..100).map(|i| put(&format!("{}/{i:03}", ["a", "b", "c"][i % 3]), "x")).collect();
    store.apply(&ops).unwrap();
    assert_eq!(store.scan_prefix(b"b/").unwrap().len(), 33);
    assert!(store.scan_prefix(b"b/").unwrap().windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(store.scan_prefix(b"").unwrap().len(), 100);
    assert!(store.scan_prefix(b"d").unwrap().is_empty());

    let keys = |iter: RangeIter| iter.map(|(k, _)| String::from_utf8(k).unwrap()).collect::<Vec<_>>();
    assert_eq!(keys(store.range(b"a/003".as_slice()..=b"a/009".as_slice())), ["a/003", "a/006", "a/009"]);
    assert_eq!(keys(store.range(b"a/003".as_slice()..b"a/009".as_slice())), ["a/003", "a/006"]);
    assert_eq!(keys(store.range(b"c/095".as_slice()..)), ["c/095", "c/098"]);
    assert_eq!(keys(store.range(..b"a/006".as_slice())), ["a/000", "a/003"]);
    let after = (std::ops::Bound::Excluded(b"a/003".as_slice()), std::ops::Bound::Included(b"a/009".as_slice()));
    assert_eq!(keys(store.range::<[u8], _>(after)), ["a/006", "a/009"]);
    assert_eq!(keys(store.range(b"a/0031".as_slice()..b"a/0032".as_slice())), Vec::<String>::new());
}

#[test]
fn snapshots_are_isolated_from_later_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = CowBTreeStore::open(config(dir.path())).unwrap();
    let ops: Vec<_> = (0..200).map(|i| put(&format!("k{i:03}"), "old")).collect();
    store.apply(&ops).unwrap();
    let before = store.snapshot();
    let iter_before = store.range(b"k000".as_slice()..);

    let changes: Vec<_> = (0..200)
        .map(|i| if i % 2 == 0 { delete(&format!("k{i:03}")) } else { put(&format!("k{i:03}"), "new") })
        .collect();
    store.apply(&changes).unwrap();
    store.apply(&[put("k999", "added")]).unwrap();

    assert_eq!(before.len(), 200);
    assert_eq!(before.sequence(), 1);
    assert!(before.iter().all(|(_, v)| v == b"old"));
    assert_eq!(iter_before.count(), 200);
    assert_eq!(before.get(b"k000"), Some(b"old".to_vec()));
    assert_eq!(before.get(b"k999"), None);
    before.check_invariants().unwrap();

    let after = store.snapshot();
    assert_eq!(after.len(), 101);
    assert_eq!(after.sequence(), 3);
    assert_eq!(after.get(b"k000"), None);
    assert_eq!(after.get(b"k001"), Some(b"new".to_vec()));
    assert_eq!(after.scan_prefix(b"k9"), vec![(b"k999".to_vec(), b"added".to_vec())]);
}

#[test]
fn readers_see_whole_batches_while_a_writer_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(CowBTreeStore::open(CowBTreeConfig { snapshot_interval: 50, ..config(dir.path()) }).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (store, done) = (store.clone(), done.clone());
            std::thread::spawn(move || {
                let mut views = 0;
                while !done.load(Ordering::Relaxed) {
                    // Every batch writes the same value under all 20 keys.
                    let entries = store.scan_prefix(b"pair/").unwrap();
                    assert!(entries.len() == 20 || entries.is_empty());
                    assert!(entries.windows(2).all(|w| w[0].1 == w[1].1), "torn batch visible");
                    views += 1;
                }
                views
            })
        })
        .collect();
    for round in 0..500 {
        let batch: Vec<_> = (0..20).map(|i| put(&format!("pair/{i:02}"), &round.to_string())).collect();
        store.apply(&batch).unwrap();
    }
    done.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }
}

#[test]
fn reopen_after_drop_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = BTreeMap::new();
    let mut rng = Rng(7);
    for _ in 0..4 {
        let store = CowBTreeStore::open(config(dir.path())).unwrap();
        assert_eq!(contents(&store), model);
        for _ in 0..100 {
            let batch = random_batch(&mut rng, 300, 5);
            store.apply(&batch).unwrap();
            model_apply(&mut model, &batch);
        }
    }
    let store = CowBTreeStore::open(config(dir.path())).unwrap();
    assert!(matches!(CowBTreeStore::open(config(dir.path())), Err(LeaseError::Unavailable(_))), "directory locked");
    assert_eq!(contents(&store), model);
    assert_eq!(store.snapshot().sequence(), 400);
    assert_eq!(store.backend_name(), "cow_btree");
    assert_eq!(store.health(), ProviderHealth::Healthy);
    assert_eq!(store.cache_stats(), crate::store::CacheStats::default());
}

#[test]
fn recovery_combines_snapshot_and_log() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = CowBTreeConfig { snapshot_interval: 10, ..config(dir.path()) };
    let mut model = BTreeMap::new();
    let mut rng = Rng(11);
    {
        let store = CowBTreeStore::open(cfg.clone()).unwrap();
        for _ in 0..25 {
            let batch = random_batch(&mut rng, 100, 4);
            store.apply(&batch).unwrap();
            model_apply(&mut model, &batch);
        }
    }
    let files = DataFiles::list(dir.path()).unwrap();
    let snapshots: Vec<u64> = files.snapshots.iter().map(|(seq, _)| *seq).collect();
    let logs: Vec<u64> = files.logs.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(snapshots, [20], "older snapshots are removed");
    assert_eq!(logs, [21], "logs covered by the snapshot are removed");

    let store = CowBTreeStore::open(cfg.clone()).unwrap();
    assert_eq!(contents(&store), model);
    assert_eq!(store.snapshot().sequence(), 25);
    store.flush().unwrap();
    drop(store);
    let files = DataFiles::list(dir.path()).unwrap();
    assert_eq!(files.snapshots.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), [25]);
    assert_eq!(contents(&CowBTreeStore::open(cfg).unwrap()), model);
}

#[test]
fn interrupted_log_rotation_recovers_everything() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = CowBTreeConfig { snapshot_interval: 0, ..config(dir.path()) };
    let mut model = BTreeMap::new();
    let mut rng = Rng(13);
    {
        let store = CowBTreeStore::open(cfg.clone()).unwrap();
        for _ in 0..30 {
            let batch = random_batch(&mut rng, 100, 4);
            store.apply(&batch).unwrap();
            model_apply(&mut model, &batch);
        }
    }
    let old_log = log_path(dir.path(), 1);
    // Killed after starting the new log, before the snapshot was renamed into place.
    fs::write(snapshot_path(dir.path(), 30).with_extension("snap.tmp"), b"half a snapshot").unwrap();
    fs::write(log_path(dir.path(), 31), b"").unwrap();
    let store = CowBTreeStore::open(cfg.clone()).unwrap();
    assert_eq!(contents(&store), model);
    assert!(DataFiles::list(dir.path()).unwrap().temps.is_empty(), "the unfinished snapshot is removed");
    // Killed after the snapshot was written, before the old log was removed.
    super::snapshot::write_snapshot(dir.path(), 30, &store.snapshot().tree).unwrap();
    drop(store);
    assert!(old_log.exists());
    let store = CowBTreeStore::open(cfg.clone()).unwrap();
    assert_eq!(contents(&store), model);
    assert!(!old_log.exists(), "the covered log is removed on open");
    let batch = [put("after", "rotation")];
    store.apply(&batch).unwrap();
    model_apply(&mut model, &batch);
    drop(store);
    assert_eq!(contents(&CowBTreeStore::open(cfg).unwrap()), model);
}

#[test]
fn torn_log_tail_keeps_every_complete_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = BTreeMap::new();
    let mut rng = Rng(17);
    {
        let store = CowBTreeStore::open(config(dir.path())).unwrap();
        for _ in 0..50 {
            let batch = random_batch(&mut rng, 100, 5);
            store.apply(&batch).unwrap();
            model_apply(&mut model, &batch);
        }
        store.apply(&[put("last", "torn"), put("last2", "torn")]).unwrap();
    }
    let log = log_files(dir.path()).pop().unwrap();
    truncate_by(&log, 3);
    append_bytes(&log, &[0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
    let torn_len = fs::metadata(&log).unwrap().len();

    let store = CowBTreeStore::open(config(dir.path())).unwrap();
    assert_eq!(contents(&store), model, "every complete batch, nothing of the torn one");
    assert!(fs::metadata(&log).unwrap().len() < torn_len, "the torn record is cut off");
    // New batches after the cut are recovered too.
    store.apply(&[put("later", "ok")]).unwrap();
    model_apply(&mut model, &[put("later", "ok")]);
    drop(store);
    assert_eq!(contents(&CowBTreeStore::open(config(dir.path())).unwrap()), model);
}

#[test]
fn torn_batch_is_applied_entirely_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = CowBTreeStore::open(config(dir.path())).unwrap();
        store.apply(&[put("a", "1"), put("b", "1")]).unwrap();
        let big: Vec<_> = (0..50).map(|i| put(&format!("big{i:02}"), "2")).chain([delete("a")]).collect();
        store.apply(&big).unwrap();
    }
    let log = log_files(dir.path()).pop().unwrap();
    let full = fs::read(&log).unwrap();
    for cut in [1, 10, 100, 300] {
        fs::write(&log, &full[..full.len() - cut]).unwrap();
        let store = CowBTreeStore::open(config(dir.path())).unwrap();
        let got = contents(&store);
        assert_eq!(got.len(), 2, "cut {cut}: {got:?}");
        assert_eq!(store.get(b"a").unwrap(), Some(b"1".to_vec()));
        drop(store);
        fs::write(&log, &full).unwrap();
    }
    let store = CowBTreeStore::open(config(dir.path())).unwrap();
    assert_eq!(store.len(), 51);
    assert_eq!(store.get(b"a").unwrap(), None);
}

#[test]
fn corrupt_snapshot_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = CowBTreeStore::open(config(dir.path())).unwrap();
        store.apply(&(0..100).map(|i| put(&format!("k{i}"), "v")).collect::<Vec<_>>()).unwrap();
        store.flush().unwrap();
    }
    let (_, snapshot) = DataFiles::list(dir.path()).unwrap().snapshots.pop().unwrap();
    let mut bytes = fs::read(&snapshot).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    fs::write(&snapshot, &bytes).unwrap();
    match CowBTreeStore::open(config(dir.path())) {
        Err(LeaseError::Corruption(message)) => {
            assert!(message.contains("snapshot-00000000000000000001.snap"), "{message}")
        }
        other => panic!("expected Corruption, got {:?}", other.map(|_| ())),
    }
    fs::write(&snapshot, &bytes[..10]).unwrap();
    assert!(matches!(CowBTreeStore::open(config(dir.path())), Err(LeaseError::Corruption(_))));
}

#[test]
fn corruption_inside_the_log_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = CowBTreeStore::open(config(dir.path())).unwrap();
        for i in 0..20 {
            store.apply(&[put(&format!("k{i:02}"), "value")]).unwrap();
        }
    }
    let log = log_files(dir.path()).pop().unwrap();
    let mut bytes = fs::read(&log).unwrap();
    let record_len = wal::encode_for_test(1, &[put("k00", "value")]).len();
    bytes[record_len * 5 + 10] ^= 0xff;
    fs::write(&log, &bytes).unwrap();
    match CowBTreeStore::open(config(dir.path())) {
        Err(LeaseError::Corruption(message)) => assert!(message.contains("wal-00000000000000000001.log"), "{message}"),
        other => panic!("expected Corruption, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn missing_batches_between_logs_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = CowBTreeStore::open(config(dir.path())).unwrap();
        store.apply(&[put("a", "1")]).unwrap();
    }
    fs::write(log_path(dir.path(), 5), wal::encode_for_test(5, &[put("b", "2")])).unwrap();
    assert!(matches!(CowBTreeStore::open(config(dir.path())), Err(LeaseError::Corruption(_))));
}

const CRASH_DIR_ENV: &str = "ORBIT_COW_BTREE_CRASH_DIR";
const BATCH_KEYS: usize = 5;

/// The child side of `acknowledged_batches_survive_kill_9` (does nothing unless that
/// test started this process): applies numbered batches forever, printing
/// `ACK <n>` after each `apply` returns.
#[test]
fn crash_child_process() {
    let Some(dir) = std::env::var_os(CRASH_DIR_ENV) else { return };
    let cfg = CowBTreeConfig { snapshot_interval: 37, ..config(Path::new(&dir)) };
    let store = CowBTreeStore::open(cfg).unwrap();
    let mut next = store.get(b"last").unwrap().map_or(0, |v| String::from_utf8(v).unwrap().parse::<u64>().unwrap() + 1);
    let mut stdout = std::io::stdout();
    // Bounded, in case the parent died without killing this process.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let mut batch: Vec<_> =
            (0..BATCH_KEYS).map(|j| put(&format!("batch/{next:08}/{j}"), &format!("value-{next}"))).collect();
        batch.push(put("last", &next.to_string()));
        if next >= 3 {
            batch.push(delete(&format!("batch/{:08}/0", next - 3)));
        }
        store.apply(&batch).unwrap();
        writeln!(stdout, "ACK {next}").unwrap();
        stdout.flush().unwrap();
        next += 1;
    }
}

#[test]
fn acknowledged_batches_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let test_name = format!("{}::crash_child_process", module_path!().split_once("::").map_or("", |(_, rest)| rest));
    let mut acknowledged: Option<u64> = None;
    for round in 0..4u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", &test_name, "--nocapture", "--test-threads=1"])
            .env(CRASH_DIR_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ACK ").and_then(|n| n.parse::<u64>().ok()) {
                    if sender.send(n).is_err() {
                        break;
                    }
                }
            }
        });
        // Kill after a varying number of acknowledgements, in the middle of writing.
        let target = 40 + round * 37;
        let mut seen = 0;
        while seen < target {
            match receiver.recv_timeout(Duration::from_secs(60)) {
                Ok(n) => {
                    acknowledged = Some(n);
                    seen += 1;
                }
                Err(e) => {
                    let _ = child.kill();
                    panic!("child stopped acknowledging after {seen} batches: {e}");
                }
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        // Acknowledgements already in the pipe when the child died count too.
        acknowledged = receiver.try_iter().last().or(acknowledged);
        let acked = acknowledged.unwrap();

        let store = CowBTreeStore::open(config(dir.path())).unwrap();
        store.check_invariants().unwrap();
        let last: u64 = String::from_utf8(store.get(b"last").unwrap().unwrap()).unwrap().parse().unwrap();
        assert!(last == acked || last == acked + 1, "round {round}: acknowledged {acked}, recovered up to {last}");
        for n in 0..=last + 1 {
            let present: Vec<bool> =
                (0..BATCH_KEYS).map(|j| store.get(format!("batch/{n:08}/{j}").as_bytes()).unwrap().is_some()).collect();
            let deleted_first = n + 3 <= last;
            let expected = n <= last;
            assert_eq!(present[0], expected && !deleted_first, "round {round}, batch {n} key 0 of {present:?}");
            assert!(present[1..].iter().all(|&p| p == expected), "round {round}, batch {n}: {present:?} (last {last})");
        }
    }
}

#[test]
fn a_failed_log_write_applies_nothing_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let store = CowBTreeStore::open(config(dir.path())).unwrap();
    store.apply(&[put("kept", "1")]).unwrap();
    // Writes to /dev/full fail with ENOSPC and it cannot be truncated either.
    store.writer.lock().wal = wal::WalWriter::reopen(Path::new("/dev/full"), 0, 1024).unwrap();
    assert!(matches!(store.apply(&[put("lost", "2"), delete("kept")]), Err(LeaseError::Backend(_))));
    assert_eq!(contents(&store), BTreeMap::from([(b"kept".to_vec(), b"1".to_vec())]));
    assert_eq!(store.snapshot().sequence(), 1);
    assert!(matches!(store.health(), ProviderHealth::Unhealthy { .. }), "{:?}", store.health());
    assert!(store.apply(&[put("lost", "3")]).is_err(), "a log with a torn record takes no more records");
}
