//! Tests of the Flash backend on one path: the whole conformance suite (reopen and
//! SIGKILL crash recovery included), O_DIRECT alignment, torn-tail recovery, compaction,
//! compression and settings.

use super::*;
use crate::conformance::{lease, Durability};
use crate::provider::LeaseError;
use crate::store::{RecordOp, RecordStore};
use std::path::PathBuf;

const TMPFS_MAGIC: i64 = 0x0102_1994;
const EXT4_MAGIC: i64 = 0xEF53;
const XFS_MAGIC: i64 = 0x5846_5342;

/// The filesystem type of `path` (statfs f_type).
pub(super) fn fs_type(path: &Path) -> i64 {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path without NUL");
    // SAFETY: statfs writes into the zeroed struct; `c` is a valid C string.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statfs(c.as_ptr(), &mut st) };
    assert_eq!(rc, 0, "statfs {}: {}", path.display(), std::io::Error::last_os_error());
    st.f_type as i64
}

/// A scratch directory under /var/tmp (a disk filesystem: O_DIRECT fails on tmpfs),
/// removed when dropped.
pub(super) struct DiskDir(PathBuf);

impl DiskDir {
    pub fn new(label: &str) -> DiskDir {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = PathBuf::from("/var/tmp").join(format!("orbit-flash-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a scratch directory");
        assert_ne!(fs_type(&path), TMPFS_MAGIC, "{} is tmpfs: O_DIRECT cannot be tested there", path.display());
        DiskDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for DiskDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(super) fn settings_of(json: serde_json::Value) -> Map<String, Value> {
    match json {
        Value::Object(map) => map,
        other => panic!("settings must be an object: {other}"),
    }
}

pub(super) fn store_in(dir: &Path, json: serde_json::Value) -> FlashStore {
    let parsed = settings::parse("flash", &settings_of(json), dir).expect("settings");
    open_store("flash", parsed).expect("open the flash store")
}

fn put(key: &str, value: &[u8]) -> RecordOp {
    RecordOp::Put { key: key.as_bytes().to_vec(), value: value.to_vec() }
}

mod conformance_suite {
    use super::*;

    fn open(dir: &Path) -> LeaseResult<LeaseBackend> {
        assert_ne!(fs_type(dir), TMPFS_MAGIC, "{} is tmpfs; run the tests with TMPDIR=/var/tmp", dir.display());
        super::super::open("flash", &Map::new(), dir)
    }

    crate::lease_conformance_tests!(open, Durability::Applied);
}

mod conformance_lz4_large_slots {
    use super::*;

    fn open(dir: &Path) -> LeaseResult<LeaseBackend> {
        let settings = settings_of(serde_json::json!({"block_size": 8192, "compression": "Lz4", "capacity_mb": 2}));
        super::super::open("flash", &settings, dir)
    }

    crate::lease_conformance_tests!(open, Durability::Applied);
}

#[test]
fn a_misaligned_o_direct_write_is_refused_with_einval() {
    let dir = DiskDir::new("align");
    let fs = fs_type(dir.path());
    assert!(fs == EXT4_MAGIC || fs == XFS_MAGIC, "the scratch filesystem (type {fs:#x}) is neither ext4 nor xfs");
    let file = aligned::open_direct(&dir.path().join("probe"), true).expect("open O_DIRECT");
    aligned::preallocate(&file, 3 * 4096).expect("fallocate");
    let buf = aligned::AlignedBuf::zeroed(2 * 4096).expect("buffer");
    let einval = |r: std::io::Result<()>| r.expect_err("a misaligned write must fail").raw_os_error();
    assert_eq!(einval(aligned::write_at(&file, &buf.as_slice()[1..4097], 0)), Some(libc::EINVAL), "misaligned memory");
    assert_eq!(einval(aligned::write_at(&file, &buf.as_slice()[..4096], 100)), Some(libc::EINVAL), "misaligned offset");
    assert_eq!(einval(aligned::write_at(&file, &buf.as_slice()[..1000], 0)), Some(libc::EINVAL), "misaligned length");
    aligned::write_at(&file, &buf.as_slice()[..4096], 4096).expect("an aligned write succeeds");
}

#[test]
fn a_torn_batch_at_the_tail_is_discarded_whole_and_earlier_batches_survive() {
    let dir = DiskDir::new("torn");
    let big = vec![7u8; 5000];
    let tails = {
        let store = store_in(dir.path(), serde_json::json!({}));
        let mut tails = Vec::new();
        store.apply(&[put("a", b"one")]).expect("batch a");
        tails.push(store.inner.lock().next_slot);
        store.apply(&[put("b1", &big), put("b2", &big), put("b3", &big)]).expect("batch b");
        tails.push(store.inner.lock().next_slot);
        store
            .apply(&[put("c1", &big), put("c2", &big), put("c3", &big), RecordOp::Delete { key: b"a".to_vec() }])
            .expect("batch c");
        tails.push(store.inner.lock().next_slot);
        tails
    };
    assert_eq!(tails[0], 1);
    assert!(tails[2] - tails[1] >= 3, "batch c spans several slots: {tails:?}");
    // Corrupt the last (commit) slot of batch c: a write torn at the end.
    let log = dir.path().join("leases/flash").join("log-0000000000000001.slots");
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::OpenOptions::new().write(true).open(&log).expect("open the log");
        file.write_all_at(&[0xA5; 700], (tails[2] - 1) * 4096 + 100).expect("corrupt");
        file.sync_all().expect("sync");
    }
    let store = store_in(dir.path(), serde_json::json!({}));
    assert_eq!(store.get(b"a").expect("get"), Some(b"one".to_vec()), "batch c (which deleted a) is gone whole");
    assert_eq!(store.get(b"b3").expect("get"), Some(big.clone()));
    for key in ["c1", "c2", "c3"] {
        assert_eq!(store.get(key.as_bytes()).expect("get"), None, "{key} of the torn batch");
    }
    assert_eq!(store.inner.lock().next_slot, tails[1], "the next write goes where the torn batch began");
    // A write over the torn tail, then a reopen: the new batch is there, the old slots are not.
    store.apply(&[put("d", b"after")]).expect("batch d");
    drop(store);
    let store = store_in(dir.path(), serde_json::json!({}));
    assert_eq!(store.get(b"d").expect("get"), Some(b"after".to_vec()));
    assert_eq!(store.get(b"c2").expect("get"), None);
    assert_eq!(store.scan_prefix(b"").expect("scan").len(), 5, "a, b1, b2, b3, d");
}

#[test]
fn a_batch_missing_a_middle_slot_is_discarded() {
    let dir = DiskDir::new("torn-middle");
    let big = vec![3u8; 9000];
    let before = {
        let store = store_in(dir.path(), serde_json::json!({}));
        store.apply(&[put("keep", b"k")]).expect("first");
        let before = store.inner.lock().next_slot;
        store.apply(&[put("x", &big), put("y", &big)]).expect("second");
        before
    };
    let log = dir.path().join("leases/flash").join("log-0000000000000001.slots");
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::OpenOptions::new().write(true).open(&log).expect("open the log");
        file.write_all_at(&[0u8; 4096], (before + 1) * 4096).expect("zero a middle slot");
        file.sync_all().expect("sync");
    }
    let store = store_in(dir.path(), serde_json::json!({}));
    assert_eq!(store.get(b"keep").expect("get"), Some(b"k".to_vec()));
    assert_eq!(store.get(b"x").expect("get"), None);
    assert_eq!(store.get(b"y").expect("get"), None);
}

#[test]
fn a_superblock_naming_an_impossible_log_size_is_refused_as_corruption() {
    let dir = DiskDir::new("superblock-size");
    drop(store_in(dir.path(), serde_json::json!({})));
    let path = dir.path().join("leases/flash");
    let sb = superblock::read(&path).expect("read the superblock").expect("a superblock");
    superblock::write(&path, &superblock::Superblock { capacity_slots: u64::MAX, ..sb }).expect("rewrite it");
    let parsed = settings::parse("flash", &settings_of(serde_json::json!({})), dir.path()).expect("settings");
    match open_store("flash", parsed) {
        Err(LeaseError::Corruption(message)) => assert!(message.contains("slots"), "{message}"),
        Err(other) => panic!("expected a corruption error, got {other:?}"),
        Ok(_) => panic!("a superblock naming {} slots was accepted", u64::MAX),
    }
}

#[test]
fn a_full_log_is_compacted_into_a_new_generation() {
    let dir = DiskDir::new("compact");
    let json = serde_json::json!({"capacity_mb": 1, "compression": "lz4"});
    {
        let store = store_in(dir.path(), json.clone());
        for round in 0..700u32 {
            let value = format!("value-{round}-{}", "v".repeat(200));
            let ops: Vec<RecordOp> = (0..10).map(|k| put(&format!("key{k}"), value.as_bytes())).collect();
            store.apply(&ops).expect("apply");
        }
        assert!(store.generation() > 2, "256 slots were filled more than once (generation {})", store.generation());
    }
    let logs: Vec<String> = std::fs::read_dir(dir.path().join("leases/flash"))
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("log-"))
        .collect();
    assert_eq!(logs.len(), 1, "older generations are removed: {logs:?}");
    let store = store_in(dir.path(), json);
    let want = format!("value-699-{}", "v".repeat(200));
    for k in 0..10 {
        assert_eq!(store.get(format!("key{k}").as_bytes()).expect("get"), Some(want.clone().into_bytes()));
    }
    assert_eq!(store.scan_prefix(b"key").expect("scan").len(), 10);
}

#[test]
fn live_records_larger_than_the_log_are_refused_not_lost() {
    let dir = DiskDir::new("full");
    let store = store_in(dir.path(), serde_json::json!({"capacity_mb": 1}));
    let value = vec![1u8; 60_000];
    let mut stored = 0;
    let err = loop {
        match store.apply(&[put(&format!("k{stored:04}"), &value)]) {
            Ok(()) => stored += 1,
            Err(e) => break e,
        }
        assert!(stored < 100, "a 1 MiB log cannot hold 100 x 60 kB");
    };
    assert!(matches!(err, LeaseError::Unavailable(_)) && err.to_string().contains("capacity_mb"), "{err}");
    drop(store);
    let store = store_in(dir.path(), serde_json::json!({"capacity_mb": 1}));
    assert_eq!(store.scan_prefix(b"k").expect("scan").len(), stored, "every acknowledged record survives");
}

#[test]
fn settings_errors_name_the_field() {
    let dir = Path::new("/var/tmp");
    let err = |json: serde_json::Value| match settings::parse("fast", &settings_of(json), dir) {
        Err(LeaseError::Config(m)) => m,
        other => panic!("expected a config error, got {other:?}"),
    };
    assert!(err(serde_json::json!({"blok_size": 4096})).starts_with("providers.fast.blok_size: unknown field"));
    assert!(err(serde_json::json!({"block_size": 1000})).starts_with("providers.fast.block_size:"));
    assert!(err(serde_json::json!({"block_size": 6144})).contains("multiple of 4096"));
    assert!(
        err(serde_json::json!({"paths": ["/a", "/b"], "write_quorum": 3})).starts_with("providers.fast.write_quorum:")
    );
    assert!(err(serde_json::json!({"paths": ["/a", "/b"], "mode": "raid5"})).starts_with("providers.fast.mode:"));
    assert!(err(serde_json::json!({"paths": ["/a", "/b"], "enable_multipathing": false}))
        .starts_with("providers.fast.enable_multipathing:"));
    assert!(err(serde_json::json!({"paths": ["/a", 7]})).starts_with("providers.fast.paths[1]:"));
    assert!(err(serde_json::json!({"paths": ["/a", "/a"]})).starts_with("providers.fast.paths[1]:"));
    assert!(err(serde_json::json!({"paths": []})).starts_with("providers.fast.paths:"));
    assert!(err(serde_json::json!({"compression": "zip"})).starts_with("providers.fast.compression:"));
    assert!(err(serde_json::json!({"io_depth": 0})).starts_with("providers.fast.io_depth:"));
    assert!(err(serde_json::json!({"capacity_mb": "big"})).starts_with("providers.fast.capacity_mb:"));
    assert!(err(serde_json::json!({"paths": ["/a", "/b"], "mode": "stripe", "write_quorum": 1}))
        .starts_with("providers.fast.write_quorum:"));
    let s = settings::parse("fast", &Map::new(), Path::new("/data")).expect("defaults");
    assert_eq!(s.paths, vec![PathBuf::from("/data/leases/flash")]);
    assert_eq!((s.mode, s.write_quorum, s.slot_size, s.io_depth, s.lz4), (Mode::Mirror, 1, 4096, 32, false));
    let documented = serde_json::json!({
        "data_dir": "/nvme/orbit", "enable_multipathing": true, "io_depth": 32, "block_size": 4096,
        "cache_size": 1_073_741_824u64, "compression": "Lz4", "paths": ["/nvme0/orbit", "/nvme1/orbit", "/nvme2/orbit"]
    });
    let s = settings::parse("flash", &settings_of(documented), dir).expect("the documented example parses");
    assert_eq!((s.paths.len(), s.write_quorum, s.lz4, s.cache_size), (3, 3, true, 1 << 30));
}

#[tokio::test]
async fn a_flash_provider_opens_from_the_configuration() {
    let dir = DiskDir::new("config");
    let toml = format!(
        "[server]\npersistence_backend = \"fast\"\n[providers.fast]\ntype = \"Flash\"\npaths = [\"{0}/p0\", \"{0}/p1\"]\nwrite_quorum = 1\n",
        dir.path().display()
    );
    let config = crate::PersistenceConfig::from_toml_str(&toml).expect("config");
    let registry = crate::PersistenceProviderRegistry::open(&config, dir.path()).expect("open");
    let backend = registry.addressable_backend().expect("addressable");
    assert_eq!(backend.kind, BackendKind::Flash);
    assert_eq!(backend.directory.backend_name(), "flash");
    backend.addressable.store_lease(&lease("t", "k", "n", i64::MAX / 2)).await.expect("store");
    assert!(dir.path().join("p0/superblock").is_file() && dir.path().join("p1/superblock").is_file());
    let bad = crate::PersistenceConfig::from_toml_str(
        "[server]\npersistence_backend = \"f\"\n[providers.f]\ntype = \"Flash\"\nblock_size = 100\n",
    )
    .expect("parses");
    let e = crate::PersistenceProviderRegistry::open(&bad, dir.path()).expect_err("bad block size");
    assert!(e.to_string().contains("providers.f.block_size"), "{e}");
}
