//! The memory backend: [`MemoryStore`], and [`MemoryDirectory`], the lease directory over
//! it.
//!
//! Records live in a `BTreeMap` under a read-write lock rather than a DashMap: the lease
//! directory lists a node's leases with a prefix scan of its index, which needs ordered
//! keys (a DashMap would turn it into a full scan). Reads share the lock; a batch takes it
//! once, so it is atomic.
//!
//! `max_entries` bounds the leases plus cluster nodes held (index entries are not
//! counted): health turns Degraded at 90% of it, and a batch that would go beyond it is
//! refused with an error naming the limit.
//!
//! With a [`BackupConfig`] the whole map is written to one file, compressed (none, gzip,
//! lz4 or zstd, all pure Rust: flate2 over miniz_oxide, lz4_flex, ruzstd), every
//! `sync_interval_secs` when something changed, on `flush()` / shutdown and when the
//! store is dropped; the file is replaced atomically (temporary file, fsync, rename) and
//! loaded on open. Durability is what the last backup holds: a crash loses the changes
//! made since the last backup.
//!
//! Backup file: `ORBITMEM`, format version (1 byte), codec (1 byte), CRC-32 of the
//! compressed body (4 bytes LE), body length (8 bytes LE), body; the body decompresses to
//! the postcard encoding of the record list.

use crate::directory::Directory;
use crate::keys;
use crate::provider::{LeaseError, LeaseResult, ProviderHealth};
use crate::store::{RecordOp, RecordStore};
use parking_lot::{Condvar, Mutex, RwLock};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The lease directory kept in memory (optionally backed up to disk).
pub type MemoryDirectory = Directory<MemoryStore>;

impl Directory<MemoryStore> {
    /// An in-memory directory without limit or backup.
    pub fn new() -> Self {
        Directory::new_with_store(MemoryStore::new())
    }
}

impl Default for Directory<MemoryStore> {
    fn default() -> Self {
        Self::new()
    }
}

/// Default `max_entries`.
pub const DEFAULT_MAX_ENTRIES: u64 = 1_000_000;
/// Health turns Degraded at this share of `max_entries`.
pub const DEGRADED_FILL: f64 = 0.9;

/// Configuration of the memory backend (`type = "Memory"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryConfig {
    /// The most leases plus cluster nodes held.
    pub max_entries: u64,
    /// Periodic disk backup; `None`: nothing survives the process.
    #[serde(alias = "disk_backup")]
    pub backup: Option<BackupConfig>,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        MemoryConfig { max_entries: DEFAULT_MAX_ENTRIES, backup: None }
    }
}

impl MemoryConfig {
    /// The first invalid field, as `field: what is wrong`.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_entries == 0 {
            return Err("max_entries: must be at least 1".into());
        }
        match &self.backup {
            Some(b) if b.sync_interval_secs == 0 => Err("backup.sync_interval_secs: must be at least 1".into()),
            _ => Ok(()),
        }
    }
}

/// Where and how often the memory backend writes its backup.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// The backup file; `None`: `<data-dir>/leases/memory/backup.bin`.
    pub path: Option<PathBuf>,
    #[serde(alias = "sync_interval")]
    pub sync_interval_secs: u64,
    pub compression: BackupCompression,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig { path: None, sync_interval_secs: 60, compression: BackupCompression::None }
    }
}

/// The codec of the backup file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum BackupCompression {
    #[default]
    #[serde(alias = "none", alias = "NONE")]
    None,
    #[serde(alias = "gzip", alias = "GZIP")]
    Gzip,
    #[serde(alias = "lz4", alias = "LZ4")]
    Lz4,
    #[serde(alias = "zstd", alias = "ZSTD")]
    Zstd,
}

impl BackupCompression {
    fn code(self) -> u8 {
        match self {
            BackupCompression::None => 0,
            BackupCompression::Gzip => 1,
            BackupCompression::Lz4 => 2,
            BackupCompression::Zstd => 3,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => BackupCompression::None,
            1 => BackupCompression::Gzip,
            2 => BackupCompression::Lz4,
            3 => BackupCompression::Zstd,
            _ => return None,
        })
    }

    fn compress(self, data: &[u8]) -> LeaseResult<Vec<u8>> {
        let io = |e: std::io::Error| LeaseError::Backend(format!("cannot compress the backup: {e}"));
        Ok(match self {
            BackupCompression::None => data.to_vec(),
            BackupCompression::Gzip => {
                let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                enc.write_all(data).map_err(io)?;
                enc.finish().map_err(io)?
            }
            BackupCompression::Lz4 => lz4_flex::compress_prepend_size(data),
            BackupCompression::Zstd => {
                ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
            }
        })
    }

    fn decompress(self, data: &[u8], path: &Path) -> LeaseResult<Vec<u8>> {
        let corrupt = |e: String| LeaseError::Corruption(format!("backup {}: {e}", path.display()));
        match self {
            BackupCompression::None => Ok(data.to_vec()),
            BackupCompression::Gzip => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(data).read_to_end(&mut out).map_err(|e| corrupt(e.to_string()))?;
                Ok(out)
            }
            BackupCompression::Lz4 => {
                // The size prefix is checked against lz4's largest ratio before allocating.
                let declared = data.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
                match declared {
                    Some(n) if n <= data.len().saturating_mul(255) + 16 => {
                        lz4_flex::decompress_size_prepended(data).map_err(|e| corrupt(e.to_string()))
                    }
                    _ => Err(corrupt("bad lz4 size".into())),
                }
            }
            BackupCompression::Zstd => {
                let mut out = Vec::new();
                let mut dec = ruzstd::decoding::StreamingDecoder::new(data).map_err(|e| corrupt(e.to_string()))?;
                dec.read_to_end(&mut out).map_err(|e| corrupt(e.to_string()))?;
                Ok(out)
            }
        }
    }
}

const BACKUP_MAGIC: &[u8; 8] = b"ORBITMEM";
const BACKUP_FORMAT: u8 = 1;
const BACKUP_HEADER: usize = 8 + 1 + 1 + 4 + 8;

/// The in-memory record store.
pub struct MemoryStore {
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
}

struct Shared {
    records: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
    /// Leases plus nodes held (index entries excluded).
    entries: AtomicU64,
    max_entries: u64,
    backup: Option<ResolvedBackup>,
    /// Bumped by every batch; the backup is written when it moved.
    generation: AtomicU64,
    /// The generation the last backup holds; the lock also serialises backup writes.
    backed_up: Mutex<u64>,
    stop: Mutex<bool>,
    wake: Condvar,
}

#[derive(Debug, Clone)]
struct ResolvedBackup {
    path: PathBuf,
    interval: Duration,
    compression: BackupCompression,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// A store without entry limit or backup.
    pub fn new() -> Self {
        Self::build(u64::MAX, None, BTreeMap::new())
    }

    /// Opens a store with `config`; the backup file (when configured) is
    /// `config.backup.path` or else `default_backup_path`, and is loaded when it exists.
    pub fn open(config: &MemoryConfig, default_backup_path: &Path) -> LeaseResult<Self> {
        config.validate().map_err(LeaseError::Config)?;
        let backup = config.backup.as_ref().map(|b| ResolvedBackup {
            path: b.path.clone().unwrap_or_else(|| default_backup_path.to_path_buf()),
            interval: Duration::from_secs(b.sync_interval_secs),
            compression: b.compression,
        });
        let records = match &backup {
            Some(b) => load_backup(&b.path)?,
            None => BTreeMap::new(),
        };
        Ok(Self::build(config.max_entries, backup, records))
    }

    fn build(max_entries: u64, backup: Option<ResolvedBackup>, records: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        let entries = records.keys().filter(|k| keys::is_entry_key(k)).count() as u64;
        let shared = Arc::new(Shared {
            records: RwLock::new(records),
            entries: AtomicU64::new(entries),
            max_entries,
            backup,
            generation: AtomicU64::new(0),
            backed_up: Mutex::new(0),
            stop: Mutex::new(false),
            wake: Condvar::new(),
        });
        let worker = shared.backup.as_ref().map(|b| {
            let shared = shared.clone();
            let interval = b.interval;
            std::thread::Builder::new()
                .name("orbit-lease-backup".into())
                .spawn(move || backup_loop(&shared, interval))
                .ok()
        });
        MemoryStore { shared, worker: worker.flatten() }
    }

    /// Leases plus cluster nodes held.
    pub fn entries(&self) -> u64 {
        self.shared.entries.load(Ordering::Relaxed)
    }

    /// The backup file, when there is one.
    pub fn backup_path(&self) -> Option<&Path> {
        self.shared.backup.as_ref().map(|b| b.path.as_path())
    }
}

fn backup_loop(shared: &Shared, interval: Duration) {
    loop {
        {
            let mut stop = shared.stop.lock();
            if !*stop {
                shared.wake.wait_for(&mut stop, interval);
            }
            if *stop {
                return;
            }
        }
        if let Err(e) = shared.write_backup() {
            tracing::error!(error = %e, "lease directory: memory backup failed");
        }
    }
}

impl Shared {
    /// Writes the backup when something changed since the last one.
    fn write_backup(&self) -> LeaseResult<()> {
        let Some(backup) = &self.backup else { return Ok(()) };
        let mut backed_up = self.backed_up.lock();
        let (generation, body) = {
            let records = self.records.read();
            let generation = self.generation.load(Ordering::Acquire);
            if generation == *backed_up && backup.path.exists() {
                return Ok(());
            }
            let list: Vec<(&Vec<u8>, &Vec<u8>)> = records.iter().collect();
            let body = postcard::to_allocvec(&list)
                .map_err(|e| LeaseError::Backend(format!("cannot encode the backup: {e}")))?;
            (generation, body)
        };
        let compressed = backup.compression.compress(&body)?;
        let mut file = Vec::with_capacity(BACKUP_HEADER + compressed.len());
        file.extend_from_slice(BACKUP_MAGIC);
        file.push(BACKUP_FORMAT);
        file.push(backup.compression.code());
        file.extend_from_slice(&crc32fast::hash(&compressed).to_le_bytes());
        file.extend_from_slice(&(compressed.len() as u64).to_le_bytes());
        file.extend_from_slice(&compressed);
        write_atomically(&backup.path, &file)?;
        *backed_up = generation;
        Ok(())
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory, fsynced and
/// renamed over the target, then fsyncs the directory.
fn write_atomically(path: &Path, bytes: &[u8]) -> LeaseResult<()> {
    let io = |what: &str, e: std::io::Error| LeaseError::Backend(format!("backup {}: {what}: {e}", path.display()));
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io("cannot create its directory", e))?;
    let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    let mut file = std::fs::File::create(&tmp).map_err(|e| io("cannot create the temporary file", e))?;
    file.write_all(bytes).map_err(|e| io("cannot write", e))?;
    file.sync_all().map_err(|e| io("cannot sync", e))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| io("cannot rename the temporary file", e))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn load_backup(path: &Path) -> LeaseResult<BTreeMap<Vec<u8>, Vec<u8>>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(LeaseError::Backend(format!("cannot read backup {}: {e}", path.display()))),
    };
    let corrupt = |what: &str| LeaseError::Corruption(format!("backup {}: {what}", path.display()));
    if bytes.len() < BACKUP_HEADER || &bytes[..8] != BACKUP_MAGIC {
        return Err(corrupt("not an Orbit memory backup"));
    }
    if bytes[8] != BACKUP_FORMAT {
        return Err(corrupt(&format!("unknown format version {}", bytes[8])));
    }
    let compression = BackupCompression::from_code(bytes[9]).ok_or_else(|| corrupt("unknown codec"))?;
    let crc = u32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]);
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[14..22]);
    let body = &bytes[BACKUP_HEADER..];
    if u64::from_le_bytes(len) != body.len() as u64 {
        return Err(corrupt("truncated"));
    }
    if crc32fast::hash(body) != crc {
        return Err(corrupt("checksum mismatch"));
    }
    let raw = compression.decompress(body, path)?;
    let list: Vec<(Vec<u8>, Vec<u8>)> =
        postcard::from_bytes(&raw).map_err(|e| corrupt(&format!("records do not decode: {e}")))?;
    Ok(list.into_iter().collect())
}

impl RecordStore for MemoryStore {
    fn backend_name(&self) -> &'static str {
        "memory"
    }

    fn get(&self, key: &[u8]) -> LeaseResult<Option<Vec<u8>>> {
        Ok(self.shared.records.read().get(key).cloned())
    }

    fn scan_prefix(&self, prefix: &[u8]) -> LeaseResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let records = self.shared.records.read();
        Ok(records
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn apply(&self, ops: &[RecordOp]) -> LeaseResult<()> {
        let shared = &self.shared;
        let mut records = shared.records.write();
        // The entry count after the batch, checked before anything changes.
        let mut delta: i64 = 0;
        let mut seen: BTreeMap<&[u8], bool> = BTreeMap::new();
        for op in ops {
            let (key, present_after) = match op {
                RecordOp::Put { key, .. } => (key.as_slice(), true),
                RecordOp::Delete { key } => (key.as_slice(), false),
            };
            if !keys::is_entry_key(key) {
                continue;
            }
            let present_before = match seen.get(key) {
                Some(p) => *p,
                None => records.contains_key(key),
            };
            delta += i64::from(present_after) - i64::from(present_before);
            seen.insert(key, present_after);
        }
        let entries = shared.entries.load(Ordering::Relaxed);
        let after = entries.saturating_add_signed(delta);
        if delta > 0 && after > shared.max_entries {
            return Err(LeaseError::Unavailable(format!(
                "the memory backend is full: {entries} of max_entries = {} held, the write adds {delta}",
                shared.max_entries
            )));
        }
        for op in ops {
            match op {
                RecordOp::Put { key, value } => {
                    records.insert(key.clone(), value.clone());
                }
                RecordOp::Delete { key } => {
                    records.remove(key);
                }
            }
        }
        shared.entries.store(after, Ordering::Relaxed);
        shared.generation.fetch_add(1, Ordering::Release);
        Ok(())
    }

    fn flush(&self) -> LeaseResult<()> {
        self.shared.write_backup()
    }

    fn health(&self) -> ProviderHealth {
        let max = self.shared.max_entries;
        let entries = self.entries();
        if max != u64::MAX && entries as f64 >= max as f64 * DEGRADED_FILL {
            ProviderHealth::Degraded { reason: format!("{entries} of max_entries = {max} entries held") }
        } else {
            ProviderHealth::Healthy
        }
    }
}

impl Drop for MemoryStore {
    fn drop(&mut self) {
        *self.shared.stop.lock() = true;
        self.shared.wake.notify_all();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
        if let Err(e) = self.shared.write_backup() {
            tracing::error!(error = %e, "lease directory: final memory backup failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &[u8]) -> RecordOp {
        RecordOp::Put { key: key.to_vec(), value: b"v".to_vec() }
    }

    #[test]
    fn entry_limit_degrades_then_refuses() {
        let store =
            MemoryStore::open(&MemoryConfig { max_entries: 10, backup: None }, Path::new("unused")).expect("open");
        for i in 0..8u8 {
            store.apply(&[put(&[b'L', i]), put(&[b'N', i])]).expect("under the limit");
        }
        assert_eq!(store.health(), ProviderHealth::Healthy);
        store.apply(&[put(&[b'L', 8])]).expect("9 of 10");
        assert!(matches!(store.health(), ProviderHealth::Degraded { .. }));
        store.apply(&[put(&[b'L', 8]), put(&[b'C', 1])]).expect("rewriting a key adds nothing; 10 of 10");
        let e = store.apply(&[put(&[b'L', 9])]).expect_err("beyond the limit");
        assert!(e.to_string().contains("max_entries = 10"), "{e}");
        assert_eq!(store.get(&[b'L', 9]).expect("get"), None, "a refused batch changes nothing");
        store.apply(&[RecordOp::Delete { key: vec![b'L', 0] }, put(&[b'L', 9])]).expect("one out, one in");
    }

    #[test]
    fn every_codec_round_trips_a_backup() {
        for compression in
            [BackupCompression::None, BackupCompression::Gzip, BackupCompression::Lz4, BackupCompression::Zstd]
        {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("backup.bin");
            let config = MemoryConfig {
                max_entries: 1000,
                backup: Some(BackupConfig { path: Some(path.clone()), sync_interval_secs: 3600, compression }),
            };
            let store = MemoryStore::open(&config, Path::new("unused")).expect("open");
            let ops: Vec<RecordOp> = (0..200u32).map(|i| put(format!("Lkey-{i:05}").as_bytes())).collect();
            store.apply(&ops).expect("apply");
            store.flush().expect("flush");
            assert!(path.exists() && !dir.path().join("backup.bin.tmp").exists());
            let reopened = MemoryStore::open(&config, Path::new("unused")).expect("reopen");
            assert_eq!(reopened.entries(), 200, "{compression:?}");
            assert_eq!(reopened.scan_prefix(b"L").expect("scan").len(), 200);
            drop(reopened);
            drop(store);
        }
    }

    #[test]
    fn the_backup_thread_writes_changes_and_drop_writes_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("b.bin");
        let config = MemoryConfig {
            max_entries: 100,
            backup: Some(BackupConfig {
                path: Some(path.clone()),
                sync_interval_secs: 1,
                compression: BackupCompression::Lz4,
            }),
        };
        let store = MemoryStore::open(&config, Path::new("unused")).expect("open");
        store.apply(&[put(b"La")]).expect("apply");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !path.exists() {
            assert!(std::time::Instant::now() < deadline, "no periodic backup");
            std::thread::sleep(Duration::from_millis(50));
        }
        store.apply(&[put(b"Lb")]).expect("apply");
        drop(store);
        let reopened = MemoryStore::open(&config, Path::new("unused")).expect("reopen");
        assert_eq!(reopened.entries(), 2);
    }

    #[test]
    fn a_damaged_backup_is_an_error_not_an_empty_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("b.bin");
        let config = MemoryConfig {
            max_entries: 100,
            backup: Some(BackupConfig {
                path: Some(path.clone()),
                sync_interval_secs: 60,
                compression: BackupCompression::Gzip,
            }),
        };
        let store = MemoryStore::open(&config, Path::new("unused")).expect("open");
        store.apply(&[put(b"La")]).expect("apply");
        store.flush().expect("flush");
        drop(store);
        let mut bytes = std::fs::read(&path).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        std::fs::write(&path, &bytes).expect("write");
        assert!(matches!(MemoryStore::open(&config, Path::new("unused")), Err(LeaseError::Corruption(_))));
        std::fs::write(&path, b"garbage").expect("write");
        assert!(matches!(MemoryStore::open(&config, Path::new("unused")), Err(LeaseError::Corruption(_))));
    }
}
