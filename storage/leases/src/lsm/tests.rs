//! Store-level tests: a random-operation model check across flushes, compactions and
//! reopens, bloom and compaction counters, WAL tail and table corruption handling,
//! compression, and a SIGKILL crash test run in a child process.

use super::{LsmConfig, LsmStats, LsmStore};
use crate::provider::LeaseError;
use crate::store::{RecordOp, RecordStore};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// A store config with a tiny memtable so flushes and compactions happen constantly.
fn tiny(dir: &Path) -> LsmConfig {
    LsmConfig {
        data_dir: dir.to_path_buf(),
        memtable_size_bytes: Some(4 * 1024),
        block_size: 256,
        compaction_threshold: 2,
        level_size_multiplier: 2,
        max_levels: 4,
        block_cache_mb: 1,
        ..LsmConfig::default()
    }
}

fn put(key: &str, value: &str) -> RecordOp {
    RecordOp::Put { key: key.as_bytes().to_vec(), value: value.as_bytes().to_vec() }
}

fn del(key: &str) -> RecordOp {
    RecordOp::Delete { key: key.as_bytes().to_vec() }
}

fn get(store: &LsmStore, key: &str) -> Option<String> {
    store.get(key.as_bytes()).unwrap().map(|v| String::from_utf8(v).unwrap())
}

fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn total_tables(stats: &LsmStats) -> usize {
    stats.tables_per_level.iter().sum()
}

/// xorshift64*: deterministic, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const PREFIXES: [&str; 4] = ["a/", "ab/", "b/", "c/"];

fn check_against_model(store: &LsmStore, model: &BTreeMap<Vec<u8>, Vec<u8>>, rng: &mut Rng, when: &str) {
    for _ in 0..20 {
        let key = format!("{}{:04}", PREFIXES[rng.below(4) as usize], rng.below(300));
        assert_eq!(store.get(key.as_bytes()).unwrap(), model.get(key.as_bytes()).cloned(), "get {key} {when}");
    }
    for prefix in PREFIXES.iter().chain(&[""]) {
        let want: Vec<(Vec<u8>, Vec<u8>)> = model
            .range(prefix.as_bytes().to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix.as_bytes()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let got = store.scan_prefix(prefix.as_bytes()).unwrap();
        assert_eq!(got.len(), want.len(), "scan {prefix:?} {when}: count");
        assert!(got == want, "scan {prefix:?} {when}: contents differ");
    }
}

fn model_run(compress: bool, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let config = LsmConfig { enable_compression: compress, ..tiny(dir.path()) };
    let mut store = LsmStore::open(config.clone()).unwrap();
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    let mut rng = Rng(seed);
    for i in 0..4000u64 {
        let nops = if rng.below(10) == 0 { 1 + rng.below(6) } else { 1 };
        let mut ops = Vec::new();
        for _ in 0..nops {
            let key = format!("{}{:04}", PREFIXES[rng.below(4) as usize], rng.below(300)).into_bytes();
            if rng.below(4) == 0 {
                ops.push(RecordOp::Delete { key });
            } else {
                let len = rng.below(64) as usize;
                let value: Vec<u8> = (0..len).map(|j| (i as usize + j) as u8).collect();
                ops.push(RecordOp::Put { key, value });
            }
        }
        store.apply(&ops).unwrap();
        for op in ops {
            match op {
                RecordOp::Put { key, value } => model.insert(key, value),
                RecordOp::Delete { key } => model.remove(&key),
            };
        }
        if i % 97 == 0 {
            check_against_model(&store, &model, &mut rng, &format!("after op {i}"));
        }
        if i == 1500 || i == 3000 {
            drop(store);
            store = LsmStore::open(config.clone()).unwrap();
            check_against_model(&store, &model, &mut rng, &format!("after reopen at op {i}"));
        }
    }
    store.wait_for_background().unwrap();
    check_against_model(&store, &model, &mut rng, "at the end");
    let stats = store.stats();
    assert!(stats.memtable_flushes > 10, "{stats:?}");
    assert!(stats.compactions > 3, "{stats:?}");
    assert!(stats.tables_per_level.iter().skip(2).any(|&n| n > 0), "data reached level 2+: {stats:?}");
    drop(store);
    let store = LsmStore::open(config).unwrap();
    check_against_model(&store, &model, &mut rng, "after the final reopen");
}

#[test]
fn random_ops_match_a_btreemap_model_without_compression() {
    model_run(false, 0x9e37_79b9_7f4a_7c15);
}

#[test]
fn random_ops_match_a_btreemap_model_with_compression() {
    model_run(true, 0x1234_5678_9abc_def1);
}

#[test]
fn compression_shrinks_tables_and_reads_back() {
    let mut sizes = Vec::new();
    for compress in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let config = LsmConfig {
            data_dir: dir.path().to_path_buf(),
            enable_compression: compress,
            block_size: 4096,
            ..LsmConfig::default()
        };
        let store = LsmStore::open(config.clone()).unwrap();
        let ops: Vec<RecordOp> =
            (0..2000).map(|i| put(&format!("lease/{i:06}"), &format!("node-7 activation {i} expires soon"))).collect();
        store.apply(&ops).unwrap();
        store.flush_memtable().unwrap();
        sizes.push(store.stats().bytes_per_level[0]);
        drop(store);
        let store = LsmStore::open(config).unwrap();
        assert_eq!(get(&store, "lease/001234").as_deref(), Some("node-7 activation 1234 expires soon"));
        assert_eq!(store.scan_prefix(b"lease/").unwrap().len(), 2000);
    }
    assert!(sizes[1] * 2 < sizes[0], "compressed {} vs plain {}", sizes[1], sizes[0]);
}

#[test]
fn bloom_filters_skip_tables_for_absent_keys() {
    for filters in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let config =
            LsmConfig { data_dir: dir.path().to_path_buf(), enable_bloom_filters: filters, ..LsmConfig::default() };
        let store = LsmStore::open(config).unwrap();
        let ops: Vec<RecordOp> = (0..2000).step_by(2).map(|i| put(&format!("key{i:05}"), "v")).collect();
        store.apply(&ops).unwrap();
        store.flush_memtable().unwrap();
        let before = store.stats();
        // 999 absent keys inside the table's key range.
        for i in (1..1998).step_by(2) {
            assert_eq!(get(&store, &format!("key{i:05}")), None);
        }
        let after = store.stats();
        let skips = after.bloom_skips - before.bloom_skips;
        if filters {
            assert!(skips >= 950, "999 absent keys, {skips} bloom skips");
            assert!(after.tables_read - before.tables_read <= 50);
        } else {
            assert_eq!(skips, 0);
            assert_eq!(after.tables_read - before.tables_read, 999);
        }
        for i in (0..2000).step_by(2) {
            assert_eq!(get(&store, &format!("key{i:05}")).as_deref(), Some("v"), "no false negatives");
        }
        let cache = store.cache_stats();
        assert!(cache.hits > 0 && cache.misses > 0, "{cache:?}");
    }
}

#[test]
fn compaction_merges_level0_and_drops_tombstones_at_the_last_level() {
    let dir = tempfile::tempdir().unwrap();
    // Level 0 piles up while the threshold is high...
    let piling = LsmConfig { compaction_threshold: 100, ..tiny(dir.path()) };
    let store = LsmStore::open(piling.clone()).unwrap();
    store.apply(&(0..100).map(|i| put(&format!("k{i:03}"), "first")).collect::<Vec<_>>()).unwrap();
    store.flush_memtable().unwrap();
    store.apply(&(0..100).step_by(2).map(|i| del(&format!("k{i:03}"))).collect::<Vec<_>>()).unwrap();
    store.flush_memtable().unwrap();
    store.apply(&(1..100).step_by(2).map(|i| put(&format!("k{i:03}"), "second")).collect::<Vec<_>>()).unwrap();
    store.flush_memtable().unwrap();
    let before = store.stats();
    assert_eq!(before.tables_per_level[0], 3, "{before:?}");
    assert_eq!(before.compactions, 0);
    drop(store);
    // ... and is merged into level 1 (the last level holding data) once it is lowered.
    let store = LsmStore::open(LsmConfig { compaction_threshold: 3, ..piling }).unwrap();
    store.wait_for_background().unwrap();
    let after = store.stats();
    assert_eq!(after.tables_per_level[0], 0, "{after:?}");
    assert!(total_tables(&after) < total_tables(&before), "{before:?} -> {after:?}");
    assert!(after.compactions >= 1);
    assert_eq!(after.tombstones_dropped, 50, "{after:?}");
    assert_eq!((before.table_tombstones, after.table_tombstones), (50, 0));
    assert_eq!(after.table_entries, 50);
    for i in 0..100 {
        let want = if i % 2 == 0 { None } else { Some("second") };
        assert_eq!(get(&store, &format!("k{i:03}")).as_deref(), want, "k{i:03}");
    }
    assert_eq!(store.scan_prefix(b"k").unwrap().len(), 50);
}

#[test]
fn tombstones_survive_compaction_while_older_data_lies_below() {
    let dir = tempfile::tempdir().unwrap();
    let config = LsmConfig { compaction_threshold: 1, max_levels: 3, ..tiny(dir.path()) };
    let store = LsmStore::open(config.clone()).unwrap();
    // Enough distinct keys to push tables down to level 2, then delete them from the top.
    let keys: Vec<String> = (0..20).flat_map(|r| (0..100).map(move |i| format!("k/{r:02}/{i:03}"))).collect();
    for chunk in keys.chunks(100) {
        store.apply(&chunk.iter().map(|k| put(k, &format!("{k:0>40}"))).collect::<Vec<_>>()).unwrap();
    }
    store.wait_for_background().unwrap();
    assert!(store.stats().tables_per_level[2] > 0, "{:?}", store.stats());
    store.apply(&keys.iter().map(|k| del(k)).collect::<Vec<_>>()).unwrap();
    store.flush_memtable().unwrap();
    store.wait_for_background().unwrap();
    assert_eq!(store.scan_prefix(b"k/").unwrap(), vec![]);
    assert_eq!(get(&store, "k/05/050"), None);
    drop(store);
    let store = LsmStore::open(config).unwrap();
    assert_eq!(store.scan_prefix(b"k/").unwrap(), vec![]);
    assert!(keys.iter().all(|k| get(&store, k).is_none()));
}

fn newest_wal(dir: &Path) -> PathBuf {
    let wals = files_with_extension(dir, "wal");
    wals.into_iter().rfind(|p| std::fs::metadata(p).unwrap().len() > 0).expect("a non-empty WAL segment")
}

#[test]
fn torn_wal_tail_is_truncated_on_reopen() {
    for tear in ["garbage header", "cut record", "zero fill"] {
        let dir = tempfile::tempdir().unwrap();
        let config = LsmConfig { data_dir: dir.path().to_path_buf(), ..LsmConfig::default() };
        let store = LsmStore::open(config.clone()).unwrap();
        for i in 0..10 {
            store.apply(&[put(&format!("k{i}"), "v"), put(&format!("j{i}"), "w")]).unwrap();
        }
        drop(store);
        let wal = newest_wal(dir.path());
        let len = std::fs::metadata(&wal).unwrap().len();
        let mut f = std::fs::OpenOptions::new().append(true).open(&wal).unwrap();
        match tear {
            "garbage header" => f.write_all(&[200, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]).unwrap(),
            "cut record" => f.set_len(len - 3).unwrap(),
            _ => f.write_all(&[0; 64]).unwrap(),
        }
        drop(f);
        let store = LsmStore::open(config.clone()).unwrap();
        let last = if tear == "cut record" { 9 } else { 10 };
        for i in 0..10 {
            let want = (i < last).then_some("v");
            assert_eq!(get(&store, &format!("k{i}")).as_deref(), want, "{tear}: k{i}");
            assert_eq!(get(&store, &format!("j{i}")).as_deref(), want.map(|_| "w"), "{tear}: j{i}");
        }
        // The store keeps working and the next reopen sees the same.
        store.apply(&[put("after", "tear")]).unwrap();
        drop(store);
        let store = LsmStore::open(config).unwrap();
        assert_eq!(get(&store, "after").as_deref(), Some("tear"));
        assert_eq!(store.scan_prefix(b"k").unwrap().len(), last);
    }
}

#[test]
fn wal_damage_before_the_tail_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let config = LsmConfig { data_dir: dir.path().to_path_buf(), ..LsmConfig::default() };
    let store = LsmStore::open(config.clone()).unwrap();
    for i in 0..10 {
        store.apply(&[put(&format!("k{i}"), "value")]).unwrap();
    }
    drop(store);
    let wal = newest_wal(dir.path());
    let mut bytes = std::fs::read(&wal).unwrap();
    bytes[12] ^= 0xff; // inside the first record's payload
    std::fs::write(&wal, &bytes).unwrap();
    match LsmStore::open(config) {
        Err(LeaseError::Corruption(msg)) => {
            assert!(msg.contains(&wal.file_name().unwrap().to_string_lossy().to_string()), "{msg}")
        }
        Err(e) => panic!("expected Corruption, got {e:?}"),
        Ok(_) => panic!("expected Corruption, the store opened"),
    }
}

fn one_table_store(dir: &Path) -> (LsmConfig, PathBuf) {
    let config = LsmConfig { data_dir: dir.to_path_buf(), block_size: 512, ..LsmConfig::default() };
    let store = LsmStore::open(config.clone()).unwrap();
    store.apply(&(0..500).map(|i| put(&format!("k{i:04}"), "some value")).collect::<Vec<_>>()).unwrap();
    store.flush_memtable().unwrap();
    drop(store);
    let tables = files_with_extension(dir, "sst");
    assert_eq!(tables.len(), 1);
    (config, tables[0].clone())
}

fn assert_corruption_naming(result: Result<impl std::fmt::Debug, LeaseError>, file: &Path) {
    let name = file.file_name().unwrap().to_string_lossy().to_string();
    match result {
        Err(LeaseError::Corruption(msg)) => assert!(msg.contains(&name), "{msg} should name {name}"),
        other => panic!("expected Corruption naming {name}, got {other:?}"),
    }
}

#[test]
fn corrupt_table_footer_is_corruption_naming_the_file() {
    for at_end in [1usize, 10, 30] {
        let dir = tempfile::tempdir().unwrap();
        let (config, table) = one_table_store(dir.path());
        let mut bytes = std::fs::read(&table).unwrap();
        let n = bytes.len();
        bytes[n - at_end] ^= 0x10; // magic, crc or a block handle
        std::fs::write(&table, &bytes).unwrap();
        assert_corruption_naming(LsmStore::open(config), &table);
        assert!(table.exists(), "a damaged table is reported, never deleted");
    }
    let dir = tempfile::tempdir().unwrap();
    let (config, table) = one_table_store(dir.path());
    std::fs::OpenOptions::new().write(true).open(&table).unwrap().set_len(20).unwrap();
    assert_corruption_naming(LsmStore::open(config.clone()), &table);
    std::fs::remove_file(&table).unwrap();
    assert_corruption_naming(LsmStore::open(config), &table);
}

#[test]
fn corrupt_data_block_is_corruption_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let (config, table) = one_table_store(dir.path());
    let mut bytes = std::fs::read(&table).unwrap();
    bytes[20] ^= 0x01; // inside the first data block
    std::fs::write(&table, &bytes).unwrap();
    let store = LsmStore::open(config).unwrap();
    assert_corruption_naming(store.get(b"k0000"), &table);
    assert_corruption_naming(store.scan_prefix(b"k"), &table);
    assert_eq!(get(&store, "k0499").as_deref(), Some("some value"), "other blocks still read");
}

#[test]
fn open_cleans_temp_files_and_orphan_tables_but_keeps_live_data() {
    let dir = tempfile::tempdir().unwrap();
    let (config, table) = one_table_store(dir.path());
    std::fs::write(dir.path().join("00000000000000000099.sst.tmp"), b"half a table").unwrap();
    std::fs::copy(&table, dir.path().join("00000000000000000098.sst")).unwrap();
    let store = LsmStore::open(config).unwrap();
    assert!(table.exists());
    assert!(!dir.path().join("00000000000000000099.sst.tmp").exists());
    assert!(!dir.path().join("00000000000000000098.sst").exists());
    assert_eq!(store.scan_prefix(b"k").unwrap().len(), 500);
}

#[test]
fn tables_without_a_manifest_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (config, table) = one_table_store(dir.path());
    std::fs::remove_file(dir.path().join("MANIFEST")).unwrap();
    assert!(matches!(LsmStore::open(config), Err(LeaseError::Corruption(_))));
    assert!(table.exists());
}

#[test]
fn a_directory_is_opened_by_one_store_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let config = LsmConfig { data_dir: dir.path().join("nested/lsm"), ..LsmConfig::default() };
    let store = LsmStore::open(config.clone()).unwrap();
    assert!(matches!(LsmStore::open(config.clone()), Err(LeaseError::Unavailable(_))));
    drop(store);
    LsmStore::open(config).unwrap();
}

#[test]
fn invalid_config_is_refused_before_touching_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("never");
    let config = LsmConfig { data_dir: data_dir.clone(), bloom_filter_bits_per_key: 0, ..LsmConfig::default() };
    match LsmStore::open(config) {
        Err(LeaseError::Config(msg)) => assert!(msg.contains("bloom_filter_bits_per_key"), "{msg}"),
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("opened"),
    }
    assert!(!data_dir.exists());
}

#[test]
fn readers_see_whole_batches_while_memtables_move() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(LsmStore::open(tiny(dir.path())).unwrap());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (store, stop) = (store.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut checks = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    // Every batch writes the same generation to pair/a and pair/b.
                    let pair = store.scan_prefix(b"pair/").unwrap();
                    if !pair.is_empty() {
                        assert_eq!(pair.len(), 2);
                        assert_eq!(pair[0].1, pair[1].1, "a batch seen half applied");
                    }
                    let a = store.get(b"pair/a").unwrap();
                    let b = store.get(b"pair/b").unwrap();
                    if let (Some(a), Some(b)) = (a, b) {
                        assert!(b >= a, "pair/b older than pair/a read before it");
                    }
                    checks += 1;
                }
                checks
            })
        })
        .collect();
    for generation in 0..3000u32 {
        let g = format!("{generation:08}");
        store
            .apply(&[put("pair/a", &g), put("pair/b", &g), put(&format!("fill/{generation}"), &"x".repeat(40))])
            .unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        assert!(r.join().unwrap() > 0);
    }
    assert!(store.stats().memtable_flushes > 5);
    assert_eq!(get(&store, "pair/a").as_deref(), Some("00002999"));
}

const CRASH_CHILD_ENV: &str = "ORBIT_LSM_CRASH_CHILD_DIR";
const CRASH_START_ENV: &str = "ORBIT_LSM_CRASH_START";
const CRASH_TEST: &str = "lsm::tests::sigkill_keeps_every_acknowledged_batch_whole";

fn crash_config(dir: &Path) -> LsmConfig {
    LsmConfig { memtable_size_bytes: Some(16 * 1024), compaction_threshold: 2, ..tiny(dir) }
}

/// Batch `i`: puts `b/<i>/<j>` for j < 1 + i % 4, moves the marker `m/<i-1>` to `m/<i>`,
/// and sets `last` to i.
fn crash_batch(i: u64) -> Vec<RecordOp> {
    let mut ops: Vec<RecordOp> =
        (0..1 + i % 4).map(|j| put(&format!("b/{i:08}/{j}"), &format!("{i}-{j}-{:0>60}", i))).collect();
    if i > 0 {
        ops.push(del(&format!("m/{:08}", i - 1)));
    }
    ops.push(put(&format!("m/{i:08}"), "marker"));
    ops.push(put("last", &i.to_string()));
    ops
}

/// The child: applies batches from the start index on and acknowledges each on stdout
/// once `apply` has returned, until it is killed (or a minute passes).
fn crash_child(dir: &str) {
    let start: u64 = std::env::var(CRASH_START_ENV).ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let store = LsmStore::open(crash_config(Path::new(dir))).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut out = std::io::stdout();
    let mut i = start;
    while std::time::Instant::now() < deadline {
        store.apply(&crash_batch(i)).unwrap();
        writeln!(out, "ack {i}").unwrap();
        out.flush().unwrap();
        i += 1;
    }
}

#[test]
fn sigkill_keeps_every_acknowledged_batch_whole() {
    if let Ok(dir) = std::env::var(CRASH_CHILD_ENV) {
        crash_child(&dir);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut start = 0u64;
    for round in 0..4u64 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([CRASH_TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env(CRASH_CHILD_ENV, dir.path())
            .env(CRASH_START_ENV, start.to_string())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let target = 300 + 250 * round;
        let mut acked: Option<u64> = None;
        for line in lines.by_ref() {
            if let Some(n) = line.unwrap().strip_prefix("ack ") {
                acked = Some(n.trim().parse().unwrap());
                if acked.is_some_and(|a| a + 1 - start >= target) {
                    break;
                }
            }
        }
        child.kill().unwrap();
        // Acknowledgements already in the pipe count too.
        for line in lines {
            if let Some(n) = line.unwrap().strip_prefix("ack ") {
                acked = Some(n.trim().parse().unwrap());
            }
        }
        child.wait().unwrap();
        let acked = acked.expect("the child acknowledged batches");

        let store = LsmStore::open(crash_config(dir.path())).unwrap();
        let last: u64 = get(&store, "last").expect("last").parse().unwrap();
        assert!(last >= acked, "round {round}: acknowledged batch {acked} lost (last = {last})");
        assert!(last <= acked + 1, "round {round}: more than one unacknowledged batch present");
        for i in 0..=last + 1 {
            let present = (0..1 + i % 4)
                .map(|j| get(&store, &format!("b/{i:08}/{j}")) == Some(format!("{i}-{j}-{:0>60}", i)))
                .collect::<Vec<_>>();
            let want = i <= last;
            assert!(present.iter().all(|&p| p == want), "round {round}: batch {i} present {present:?}, want {want}");
        }
        let markers = store.scan_prefix(b"m/").unwrap();
        assert_eq!(markers.len(), 1, "round {round}: the marker move is atomic");
        assert_eq!(markers[0].0, format!("m/{last:08}").into_bytes());
        assert_eq!(store.scan_prefix(b"b/").unwrap().len() as u64, (0..=last).map(|i| 1 + i % 4).sum::<u64>());
        start = last + 1;
    }
}
