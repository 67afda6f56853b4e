//! Redis keys and types over [`TableStorage`].
//!
//! Encoding (ours, after Kvrocks' metadata-plus-subkeys design), kept in the raw
//! keyspace of one table through the storage layer's lean key-value path (entry layout
//! in [`encoding`]):
//! - one metadata entry per key: type, version, expiry, size, list head/tail and, for
//!   strings, the value itself;
//! - one sub-entry per member of a hash, set, list or sorted set, keyed by the owning
//!   key's *version* (globally unique, never reused) and the member, so one member is
//!   read or written without touching the rest of the collection;
//! - sorted sets keep a second sub-entry per member ordered by (score, member);
//! - deleting or overwriting a collection writes only its metadata entry; the old
//!   version's sub-entries are queued for background garbage collection, so DEL of a
//!   million-member hash is O(1);
//! - an expiry index ordered by time drives the active expiry sweep; reads treat an
//!   expired key as absent (lazy expiry), so an expired key is never returned. (The
//!   storage layer's row TTL does not fit here: expiring a collection must also queue
//!   its sub-entries for collection, which a storage-level purge knows nothing of.)
//!
//! Logical databases 0..16 map to physical database ids (table `redis_dbmap`), and the
//! metadata entries are keyed by the physical id. SWAPDB exchanges two entries of the map;
//! FLUSHDB points the logical database at a fresh physical id and records the old one in
//! `redis_dropped_db`, whose keys the background task deletes (and whose collections it
//! queues for garbage collection) a chunk at a time. Both are O(1) in the command.
//!
//! Every read and write goes through a [`KsTxn`]: one storage transaction, committed
//! once per command (or once per MULTI/EXEC). All writers hold the server's write lock
//! (see `server::Shared::write_lock`), so write transactions run without conflict
//! tracking and read the latest committed state ([`Keyspace::begin_locked`]); readers
//! without the lock read one snapshot ([`Keyspace::begin`]).

mod cache;
pub(crate) mod encoding;
mod migrate;

use crate::error::{RedisError, RedisResult};
use cache::{Cached, MetaCache};
use orbit_storage::engine::KeyRange;
use orbit_storage::{
    ColumnDef, DataType, ScanOptions, StorageError, TableDef, TableHandle, TableStorage, Transaction, TxnOptions, Value,
};
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::ops::Bound;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The number of logical databases (SELECT 0..15).
pub const DATABASES: usize = 16;

/// The table whose raw keyspace holds every key, member, score and expiry entry.
const KEYSPACE: &str = "redis_keyspace";
const DBMAP: &str = "redis_dbmap";
const DROPPED: &str = "redis_dropped_db";

/// Entries the background task deletes per step before releasing the write lock.
const BACKGROUND_CHUNK: usize = 1000;
/// How often the background task runs.
const BACKGROUND_INTERVAL: Duration = Duration::from_millis(100);
/// SCAN cursors remembered at once; the oldest are forgotten first.
const MAX_CURSORS: usize = 16 * 1024;

/// The type of a key, as TYPE names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisType {
    String,
    List,
    Hash,
    Set,
    ZSet,
}

impl RedisType {
    /// "string", "list", "hash", "set", "zset".
    pub fn name(self) -> &'static str {
        match self {
            RedisType::String => "string",
            RedisType::List => "list",
            RedisType::Hash => "hash",
            RedisType::Set => "set",
            RedisType::ZSet => "zset",
        }
    }

    /// The type named `name` (any case), as SCAN's TYPE option names it.
    pub fn from_name(name: &[u8]) -> Option<RedisType> {
        [RedisType::String, RedisType::List, RedisType::Hash, RedisType::Set, RedisType::ZSet]
            .into_iter()
            .find(|t| name.eq_ignore_ascii_case(t.name().as_bytes()))
    }

    fn code(self) -> i64 {
        match self {
            RedisType::String => 0,
            RedisType::List => 1,
            RedisType::Hash => 2,
            RedisType::Set => 3,
            RedisType::ZSet => 4,
        }
    }

    fn from_code(code: i64) -> RedisResult<RedisType> {
        Ok(match code {
            0 => RedisType::String,
            1 => RedisType::List,
            2 => RedisType::Hash,
            3 => RedisType::Set,
            4 => RedisType::ZSet,
            _ => return Err(corrupt("unknown key type")),
        })
    }
}

/// A key's metadata row.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub kind: RedisType,
    /// Identifies this incarnation's sub-rows; a new key or a type change gets a new one.
    pub version: i64,
    /// Unix milliseconds; `None`: no expiry.
    pub expire_at_ms: Option<i64>,
    /// Members of a collection (strings: 0, the length is `value.len()`).
    pub size: i64,
    /// Lists: index of the first element (elements are at head..tail).
    pub head: i64,
    /// Lists: one past the index of the last element.
    pub tail: i64,
    /// Strings: the value. Empty for the other types.
    pub value: Vec<u8>,
}

impl Meta {
    /// True when the key has expired at `now_ms`.
    pub fn is_expired(&self, now_ms: i64) -> bool {
        self.expire_at_ms.is_some_and(|at| at <= now_ms)
    }
}

fn corrupt(what: &str) -> RedisError {
    RedisError::Storage(StorageError::corruption(format!("redis keyspace: {what}")))
}

fn int(v: Option<Value>) -> RedisResult<i64> {
    match v {
        Some(Value::Int(i)) => Ok(i),
        _ => Err(corrupt("expected an integer column")),
    }
}

/// The current time in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A pseudo-random number (RANDOMKEY); not for anything that needs real randomness.
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(now_ns());
    h.finish()
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Bounded memory of SCAN-style cursors: id -> the position to resume after.
#[derive(Default)]
struct Cursors {
    map: HashMap<u64, Vec<u8>>,
    order: VecDeque<u64>,
}

fn table_defs() -> Vec<TableDef> {
    let col = |n: &str, t: DataType| ColumnDef::new(n, t).not_null();
    vec![
        // Its rows stay empty: everything lives in its raw keyspace.
        TableDef::new(KEYSPACE).column(col("entry", DataType::Bytes)).primary_key(&["entry"]),
        TableDef::new(DBMAP)
            .column(col("logical", DataType::Int64))
            .column(col("physical", DataType::Int64))
            .primary_key(&["logical"]),
        TableDef::new(DROPPED).column(col("physical", DataType::Int64)).primary_key(&["physical"]),
    ]
}

/// State transactions share with their keyspace.
struct Counters {
    /// Logical database -> physical id, as last committed.
    dbmap: Mutex<[i64; DATABASES]>,
    /// The last physical database id handed out.
    last_physical: AtomicI64,
    /// The last version handed out.
    last_version: AtomicI64,
}

impl Counters {
    fn next_version(&self) -> i64 {
        let now = now_ns();
        let mut prev = self.last_version.load(Ordering::Relaxed);
        loop {
            let next = now.max(prev.saturating_add(1));
            match self.last_version.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return next,
                Err(p) => prev = p,
            }
        }
    }
}

/// The Redis keyspace of one protocol storage.
pub struct Keyspace {
    storage: Arc<dyn TableStorage>,
    /// The table whose raw keyspace holds the entries, resolved once.
    table: TableHandle,
    /// Committed metadata entries, for transactions reading the latest state.
    cache: Arc<MetaCache>,
    counters: Arc<Counters>,
    cursors: Mutex<Cursors>,
    next_cursor: AtomicU64,
}

impl Keyspace {
    /// Creates the keyspace's tables when missing, converts a keyspace stored in the
    /// earlier row format, and loads the database mapping.
    pub async fn open(storage: Arc<dyn TableStorage>) -> RedisResult<Arc<Keyspace>> {
        for def in table_defs() {
            if storage.table_schema(&def.name).await?.is_none() {
                match storage.create_table(&def).await {
                    Ok(_) | Err(StorageError::TableExists(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let table = storage.table_handle(KEYSPACE).await?;
        migrate::from_rows(storage.as_ref(), &table).await?;
        let mut tx = storage.begin().await?;
        let mut dbmap = [0i64; DATABASES];
        let mut found = [false; DATABASES];
        let mut last_physical = DATABASES as i64 - 1;
        for row in tx.scan(DBMAP, &ScanOptions::all()).await? {
            let mut it = row.into_iter();
            let logical = int(it.next())?;
            let physical = int(it.next())?;
            if let Some(slot) = usize::try_from(logical).ok().filter(|l| *l < DATABASES) {
                dbmap[slot] = physical;
                found[slot] = true;
                last_physical = last_physical.max(physical);
            }
        }
        if let Some(row) = tx.scan(DROPPED, &ScanOptions::all().reverse().limit(1)).await?.into_iter().next() {
            last_physical = last_physical.max(int(row.into_iter().next())?);
        }
        let mut wrote = false;
        for (i, slot) in dbmap.iter_mut().enumerate() {
            if !found[i] {
                *slot = i as i64;
                tx.upsert(DBMAP, vec![Value::Int(i as i64), Value::Int(i as i64)]).await?;
                wrote = true;
            }
        }
        // Versions come from the clock in nanoseconds; never below one already used.
        let mut last_version = 0i64;
        for tag in [encoding::SUB, encoding::ZSCORE, encoding::GARBAGE] {
            let range = encoding::prefix_range(&[tag])?;
            if let Some((entry, _)) = tx.kv_scan(&table, &range, true, 1).await?.into_iter().next() {
                last_version = last_version.max(encoding::version_of_entry(&entry)?);
            }
        }
        if wrote {
            tx.commit().await?;
        }
        Ok(Arc::new(Keyspace {
            storage,
            table,
            cache: Arc::new(MetaCache::default()),
            counters: Arc::new(Counters {
                dbmap: Mutex::new(dbmap),
                last_physical: AtomicI64::new(last_physical),
                last_version: AtomicI64::new(last_version),
            }),
            cursors: Mutex::new(Cursors::default()),
            // Cursor ids from a previous run are never mistaken for this run's.
            next_cursor: AtomicU64::new(u64::try_from(now_ms()).unwrap_or(1).max(1) << 10),
        }))
    }

    /// A transaction that reads one snapshot (for commands run without the write lock).
    pub async fn begin(&self) -> RedisResult<KsTxn> {
        self.begin_with(TxnOptions { conflict_tracking: false, latest_reads: false }).await
    }

    /// A transaction for a caller holding the server's write lock: no other writer can
    /// commit before it does, so it reads the latest committed state (no snapshot, and
    /// metadata through the cache) and its commit needs no conflict check.
    pub async fn begin_locked(&self) -> RedisResult<KsTxn> {
        self.begin_with(TxnOptions::serialized_writer()).await
    }

    /// A read-only transaction without the lock that reads the latest committed state,
    /// metadata through the cache: only for commands that make a single metadata read
    /// (see `commands::reads_one_meta`), which is then atomic by itself.
    pub async fn begin_single_read(&self) -> RedisResult<KsTxn> {
        self.begin_with(TxnOptions { conflict_tracking: false, latest_reads: true }).await
    }

    /// [`Keyspace::begin_locked`] when the caller holds the write lock, else
    /// [`Keyspace::begin`].
    pub async fn begin_for(&self, locked: bool) -> RedisResult<KsTxn> {
        if locked {
            self.begin_locked().await
        } else {
            self.begin().await
        }
    }

    async fn begin_with(&self, options: TxnOptions) -> RedisResult<KsTxn> {
        let dbmap = *self.counters.dbmap.lock();
        let tx = self.storage.begin_with(options).await?;
        Ok(KsTxn {
            ks: self.counters.clone(),
            table: self.table.clone(),
            cache: self.cache.clone(),
            // An actor storage in a cluster may lose its shards: the cache must not answer
            // for a node that no longer owns them.
            cached_reads: options.latest_reads && self.storage.read_caches_allowed(),
            meta_writes: HashMap::new(),
            tx,
            dbmap,
            dbmap_changed: false,
            touched: Vec::new(),
            touched_set: std::collections::HashSet::new(),
            flushed: Vec::new(),
            mutations: 0,
        })
    }

    /// How many entries of one kind (an `encoding` tag) are stored, live or not.
    #[cfg(test)]
    pub(crate) async fn count_entries(&self, tag: u8) -> usize {
        let mut tx = self.storage.begin().await.expect("begin");
        let range = encoding::prefix_range(&[tag]).expect("range");
        tx.kv_scan(&self.table, &range, false, usize::MAX).await.expect("scan").len()
    }

    /// Every stored member entry as (version, member, value), live or not.
    #[cfg(test)]
    pub(crate) async fn sub_entries(&self) -> Vec<(i64, Vec<u8>, Vec<u8>)> {
        let mut tx = self.storage.begin().await.expect("begin");
        let range = encoding::prefix_range(&[encoding::SUB]).expect("range");
        let entries = tx.kv_scan(&self.table, &range, false, usize::MAX).await.expect("scan");
        entries
            .into_iter()
            .map(|(entry, value)| {
                let version = encoding::version_of_entry(&entry).expect("version");
                (version, encoding::member_of_sub_entry(&entry).expect("member").to_vec(), value)
            })
            .collect()
    }

    /// The storage underneath.
    pub fn storage(&self) -> &Arc<dyn TableStorage> {
        &self.storage
    }

    /// A fresh version: greater than every version handed out before, across restarts.
    pub fn next_version(&self) -> i64 {
        self.counters.next_version()
    }

    /// Remembers a scan position and returns the (non-zero) cursor id that resumes it.
    pub fn save_cursor(&self, position: Vec<u8>) -> u64 {
        let mut id = self.next_cursor.fetch_add(1, Ordering::Relaxed);
        if id == 0 {
            id = self.next_cursor.fetch_add(1, Ordering::Relaxed);
        }
        let mut cursors = self.cursors.lock();
        cursors.map.insert(id, position);
        cursors.order.push_back(id);
        while cursors.order.len() > MAX_CURSORS {
            if let Some(old) = cursors.order.pop_front() {
                cursors.map.remove(&old);
            }
        }
        id
    }

    /// The position saved under `cursor`; `None` when unknown (never issued, or forgotten).
    pub fn load_cursor(&self, cursor: u64) -> Option<Vec<u8>> {
        self.cursors.lock().map.get(&cursor).cloned()
    }

    /// Starts the active expiry and garbage collection task: every ~100 ms, under
    /// `write_lock`, it deletes due keys and the sub-rows of deleted collections in
    /// chunks of bounded size, releasing the lock between chunks. It stops once the
    /// keyspace has been dropped everywhere else.
    pub fn spawn_background(self: &Arc<Self>, write_lock: Arc<tokio::sync::Mutex<()>>) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Keyspace> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(BACKGROUND_INTERVAL);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Some(ks) = weak.upgrade() else { return };
                // Bounded work per tick; each step takes and releases the lock.
                for _ in 0..16 {
                    let guard = write_lock.lock().await;
                    let result = ks.background_step(BACKGROUND_CHUNK).await;
                    drop(guard);
                    match result {
                        Ok(0) => break,
                        Ok(_) => tokio::task::yield_now().await,
                        Err(e) => {
                            tracing::warn!(error = %e, "redis keyspace background step failed");
                            break;
                        }
                    }
                }
            }
        })
    }

    /// One bounded step of background work (the caller holds the write lock): expires
    /// due keys, collects garbage versions' rows, deletes keys of flushed databases.
    /// Returns how many rows it removed (0: nothing left to do right now).
    pub async fn background_step(&self, budget: usize) -> RedisResult<usize> {
        let mut tx = self.storage.begin_with(TxnOptions::serialized_writer()).await?;
        let table = &self.table;
        let mut done = 0usize;
        let mut removed_meta: Vec<Vec<u8>> = Vec::new();
        let now = now_ms();
        // Active expiry.
        let due = tx.kv_scan(table, &encoding::expiry_due(now)?, false, budget).await?;
        for (entry, _) in due {
            let (at, physical, key) = encoding::parse_expiry_entry(&entry)?;
            tx.kv_delete(table, &entry).await?;
            done += 1;
            let meta_key = encoding::meta_key(physical, &key);
            if let Some(bytes) = tx.kv_get(table, &meta_key).await? {
                let meta = encoding::decode_meta(&bytes)?;
                if meta.expire_at_ms == Some(at) && meta.is_expired(now) {
                    tx.kv_delete(table, &meta_key).await?;
                    removed_meta.push(meta_key);
                    if meta.kind != RedisType::String {
                        tx.kv_put(table, &encoding::garbage_key(meta.version), Vec::new()).await?;
                    }
                    done += 1;
                }
            }
        }
        // Garbage versions.
        if done < budget {
            let garbage = encoding::prefix_range(&[encoding::GARBAGE])?;
            let versions = tx.kv_scan(table, &garbage, false, budget - done).await?;
            for (entry, _) in versions {
                if done >= budget {
                    break;
                }
                let version = encoding::version_of_entry(&entry)?;
                let mut finished = true;
                for prefix in [encoding::sub_prefix(version), encoding::zscore_prefix(version)] {
                    let want = budget.saturating_sub(done).max(1);
                    let entries = tx.kv_scan(table, &encoding::prefix_range(&prefix)?, false, want).await?;
                    if entries.len() == want {
                        finished = false;
                    }
                    for (key, _) in entries {
                        tx.kv_delete(table, &key).await?;
                        done += 1;
                    }
                }
                if finished {
                    tx.kv_delete(table, &entry).await?;
                    done += 1;
                }
            }
        }
        // Flushed databases.
        if done < budget {
            let dropped = tx.scan(DROPPED, &ScanOptions::all().limit(1)).await?;
            for row in dropped {
                let physical = int(row.into_iter().next())?;
                let want = budget - done;
                let range = encoding::prefix_range(&encoding::meta_prefix(physical))?;
                let entries = tx.kv_scan(table, &range, false, want).await?;
                let finished = entries.len() < want;
                for (entry, bytes) in entries {
                    let meta = encoding::decode_meta(&bytes)?;
                    retire(&mut *tx, table, physical, encoding::key_of_meta_entry(&entry)?, &meta).await?;
                    tx.kv_delete(table, &entry).await?;
                    removed_meta.push(entry);
                    done += 1;
                }
                if finished {
                    tx.delete(DROPPED, &[Value::Int(physical)]).await?;
                    done += 1;
                }
            }
        }
        let committed = tx.commit().await;
        if !removed_meta.is_empty() {
            self.cache.forget(&removed_meta);
        }
        committed?;
        Ok(done)
    }
}

/// Removes what hangs off a metadata entry that is going away or being replaced: its
/// expiry index entry and (for collections) its sub-entries, queued as garbage.
async fn retire(
    tx: &mut dyn Transaction,
    table: &TableHandle,
    physical: i64,
    key: &[u8],
    meta: &Meta,
) -> RedisResult<()> {
    if let Some(at) = meta.expire_at_ms {
        tx.kv_delete(table, &encoding::expiry_key(at, physical, key)).await?;
    }
    if meta.kind != RedisType::String {
        tx.kv_put(table, &encoding::garbage_key(meta.version), Vec::new()).await?;
    }
    Ok(())
}

/// `(start, end)` of entry keys for the `lower`/`upper` bounds on the bytes that follow
/// `prefix`; an unbounded side covers the whole prefix.
fn suffix_range(prefix: &[u8], lower: Bound<&[u8]>, upper: Bound<&[u8]>) -> RedisResult<KeyRange> {
    let with = |suffix: &[u8]| [prefix, suffix].concat();
    let start = match lower {
        Bound::Included(m) => Bound::Included(with(m)),
        Bound::Excluded(m) => Bound::Excluded(with(m)),
        Bound::Unbounded => Bound::Included(prefix.to_vec()),
    };
    let end = match upper {
        Bound::Included(m) => Bound::Included(with(m)),
        Bound::Excluded(m) => Bound::Excluded(with(m)),
        Bound::Unbounded => Bound::Excluded(encoding::end_of(prefix)?),
    };
    Ok(KeyRange { start, end })
}

/// One transaction over the keyspace. Dropping it without [`KsTxn::commit`] discards
/// its writes.
pub struct KsTxn {
    ks: Arc<Counters>,
    table: TableHandle,
    cache: Arc<MetaCache>,
    /// Metadata reads go through the cache (the transaction reads the latest state).
    cached_reads: bool,
    /// Metadata entries written so far, published to the cache at commit (`None`: too
    /// long to cache).
    meta_writes: HashMap<Vec<u8>, Option<Cached>>,
    tx: Box<dyn Transaction>,
    dbmap: [i64; DATABASES],
    dbmap_changed: bool,
    touched: Vec<(usize, Vec<u8>)>,
    /// The same keys, for O(1) de-duplication (MSET or EXEC may touch many keys).
    touched_set: std::collections::HashSet<(usize, Vec<u8>)>,
    flushed: Vec<usize>,
    /// How many writing calls were made: a command that fails after writing cannot share
    /// its transaction with other commands (see the connection's pipeline groups).
    mutations: u64,
}

impl KsTxn {
    /// Writing calls made so far (see [`KsTxn::mutations`] field note).
    pub fn mutations(&self) -> u64 {
        self.mutations
    }

    fn physical(&self, db: usize) -> RedisResult<i64> {
        self.dbmap.get(db).copied().ok_or_else(|| RedisError::err("DB index is out of range"))
    }

    /// A fresh version (for a collection copied under a new identity).
    pub fn next_version(&self) -> i64 {
        self.ks.next_version()
    }

    async fn get(&mut self, entry: &[u8]) -> RedisResult<Option<Vec<u8>>> {
        Ok(self.tx.kv_get(&self.table, entry).await?)
    }

    async fn put(&mut self, entry: &[u8], value: Vec<u8>) -> RedisResult<()> {
        Ok(self.tx.kv_put(&self.table, entry, value).await?)
    }

    async fn remove(&mut self, entry: &[u8]) -> RedisResult<()> {
        Ok(self.tx.kv_delete(&self.table, entry).await?)
    }

    async fn scan(
        &mut self,
        range: &KeyRange,
        reverse: bool,
        limit: Option<usize>,
    ) -> RedisResult<Vec<(Vec<u8>, Vec<u8>)>> {
        Ok(self.tx.kv_scan(&self.table, range, reverse, limit.unwrap_or(usize::MAX)).await?)
    }

    /// The metadata entry under `entry`: this transaction's own write, else the cache
    /// when the transaction may use it, else storage.
    async fn meta_entry(&mut self, entry: &[u8]) -> RedisResult<Cached> {
        if let Some(Some(written)) = self.meta_writes.get(entry) {
            return Ok(written.clone());
        }
        if !self.cached_reads || self.meta_writes.contains_key(entry) {
            return self.get(entry).await;
        }
        let (hit, generation) = self.cache.get(entry);
        if let Some(hit) = hit {
            return Ok(hit);
        }
        let found = self.get(entry).await?;
        self.cache.fill(entry, &found, generation);
        Ok(found)
    }

    async fn put_meta_entry(&mut self, entry: Vec<u8>, bytes: Vec<u8>) -> RedisResult<()> {
        let cached = MetaCache::fits(bytes.len()).then(|| Some(bytes.clone()));
        self.put(&entry, bytes).await?;
        self.meta_writes.insert(entry, cached);
        Ok(())
    }

    async fn remove_meta_entry(&mut self, entry: Vec<u8>) -> RedisResult<()> {
        self.remove(&entry).await?;
        self.meta_writes.insert(entry, Some(None));
        Ok(())
    }

    /// The stored metadata, expired or not.
    async fn raw_meta(&mut self, db: usize, key: &[u8]) -> RedisResult<Option<Meta>> {
        let entry = encoding::meta_key(self.physical(db)?, key);
        match self.meta_entry(&entry).await? {
            Some(bytes) => Ok(Some(encoding::decode_meta(&bytes)?)),
            None => Ok(None),
        }
    }

    /// The key's metadata; `None` when the key does not exist or has expired.
    pub async fn meta(&mut self, db: usize, key: &[u8]) -> RedisResult<Option<Meta>> {
        Ok(self.raw_meta(db, key).await?.filter(|m| !m.is_expired(now_ms())))
    }

    /// Like [`KsTxn::meta`], but a key of another type is `RedisError::wrong_type()`.
    pub async fn meta_of(&mut self, db: usize, key: &[u8], kind: RedisType) -> RedisResult<Option<Meta>> {
        match self.meta(db, key).await? {
            Some(m) if m.kind != kind => Err(RedisError::wrong_type()),
            other => Ok(other),
        }
    }

    /// Metadata for a new key of `kind` with a fresh version (not stored until
    /// [`KsTxn::put_meta`]). Overwriting an existing key with it retires the old one's
    /// sub-entries.
    pub fn new_meta(&mut self, kind: RedisType) -> Meta {
        Meta { kind, version: self.ks.next_version(), expire_at_ms: None, size: 0, head: 0, tail: 0, value: Vec::new() }
    }

    /// Stores the metadata (keeping the expiry index in step). A collection whose
    /// `size` drops to 0 must be deleted with [`KsTxn::delete_key`] instead.
    pub async fn put_meta(&mut self, db: usize, key: &[u8], meta: &Meta) -> RedisResult<()> {
        self.mutations += 1;
        let physical = self.physical(db)?;
        let entry = encoding::meta_key(physical, key);
        let old = match self.meta_entry(&entry).await? {
            Some(bytes) => Some(encoding::decode_meta(&bytes)?),
            None => None,
        };
        self.put_meta_entry(entry, encoding::encode_meta(meta)).await?;
        let old_expiry = old.as_ref().and_then(|o| o.expire_at_ms);
        if let Some(old) = &old {
            if let Some(at) = old_expiry.filter(|at| Some(*at) != meta.expire_at_ms) {
                self.remove(&encoding::expiry_key(at, physical, key)).await?;
            }
            if old.version != meta.version && old.kind != RedisType::String {
                self.put(&encoding::garbage_key(old.version), Vec::new()).await?;
            }
        }
        if let Some(at) = meta.expire_at_ms.filter(|at| Some(*at) != old_expiry) {
            self.put(&encoding::expiry_key(at, physical, key), Vec::new()).await?;
        }
        self.touch(db, key);
        Ok(())
    }

    fn touch(&mut self, db: usize, key: &[u8]) {
        let entry = (db, key.to_vec());
        if self.touched_set.insert(entry.clone()) {
            self.touched.push(entry);
        }
    }

    /// Deletes the key (its sub-entries are collected in the background). False when it
    /// did not exist.
    pub async fn delete_key(&mut self, db: usize, key: &[u8]) -> RedisResult<bool> {
        self.mutations += 1;
        let physical = self.physical(db)?;
        let entry = encoding::meta_key(physical, key);
        let Some(bytes) = self.meta_entry(&entry).await? else {
            return Ok(false);
        };
        let old = encoding::decode_meta(&bytes)?;
        self.remove_meta_entry(entry).await?;
        retire(&mut *self.tx, &self.table, physical, key, &old).await?;
        let live = !old.is_expired(now_ms());
        if live {
            self.touch(db, key);
        }
        Ok(live)
    }

    /// Moves a live key to `(to_db, to)` with its type, version (so its sub-entries stay
    /// where they are) and expiry, replacing whatever was there. False when `from` does
    /// not exist. The caller checks that source and destination differ.
    pub async fn move_key(&mut self, from_db: usize, from: &[u8], to_db: usize, to: &[u8]) -> RedisResult<bool> {
        self.mutations += 1;
        let physical = self.physical(from_db)?;
        self.physical(to_db)?;
        let Some(meta) = self.meta(from_db, from).await? else { return Ok(false) };
        if let Some(at) = meta.expire_at_ms {
            self.remove(&encoding::expiry_key(at, physical, from)).await?;
        }
        self.remove_meta_entry(encoding::meta_key(physical, from)).await?;
        self.touch(from_db, from);
        self.put_meta(to_db, to, &meta).await?;
        Ok(true)
    }

    /// A live key of `db` picked at random (`None` when the database is empty).
    pub async fn random_key(&mut self, db: usize) -> RedisResult<Option<Vec<u8>>> {
        let range = encoding::prefix_range(&encoding::meta_prefix(self.physical(db)?))?;
        let first = self.scan(&range, false, Some(1)).await?;
        let last = self.scan(&range, true, Some(1)).await?;
        let (Some((first, _)), Some((last, _))) = (first.into_iter().next(), last.into_iter().next()) else {
            return Ok(None);
        };
        let head = |entry: &[u8]| -> RedisResult<u64> {
            let mut buf = [0u8; 8];
            for (slot, b) in buf.iter_mut().zip(encoding::key_of_meta_entry(entry)?) {
                *slot = *b;
            }
            Ok(u64::from_be_bytes(buf))
        };
        let (lo, hi) = (head(&first)?, head(&last)?);
        let span = hi.saturating_sub(lo).saturating_add(1);
        let pick = lo.saturating_add(random_u64() % span.max(1));
        let start = pick.to_be_bytes();
        // A key at or after the random point, else the first key; skip expired ones.
        let mut found = self.scan_keys_from(db, Bound::Included(&start[..]), 1).await?;
        if found.is_empty() {
            found = self.scan_keys(db, None, 1).await?;
        }
        Ok(found.into_iter().next().map(|(k, _)| k))
    }

    async fn scan_keys_from(
        &mut self,
        db: usize,
        lower: Bound<&[u8]>,
        limit: usize,
    ) -> RedisResult<Vec<(Vec<u8>, Meta)>> {
        match lower {
            Bound::Included(k) => {
                let mut out = Vec::new();
                if let Some(m) = self.meta(db, k).await? {
                    out.push((k.to_vec(), m));
                }
                if out.len() < limit {
                    out.extend(self.scan_keys(db, Some(k), limit - out.len()).await?);
                }
                Ok(out)
            }
            Bound::Excluded(k) => self.scan_keys(db, Some(k), limit).await,
            Bound::Unbounded => self.scan_keys(db, None, limit).await,
        }
    }

    /// One member's value.
    pub async fn sub_get(&mut self, version: i64, member: &[u8]) -> RedisResult<Option<Vec<u8>>> {
        self.get(&encoding::sub_key(version, member)).await
    }

    /// Writes one member's value; returns the previous value.
    pub async fn sub_put(&mut self, version: i64, member: &[u8], value: &[u8]) -> RedisResult<Option<Vec<u8>>> {
        self.mutations += 1;
        let entry = encoding::sub_key(version, member);
        let old = self.get(&entry).await?;
        self.put(&entry, value.to_vec()).await?;
        Ok(old)
    }

    /// Deletes one member; returns the previous value.
    pub async fn sub_delete(&mut self, version: i64, member: &[u8]) -> RedisResult<Option<Vec<u8>>> {
        self.mutations += 1;
        let entry = encoding::sub_key(version, member);
        let old = self.get(&entry).await?;
        if old.is_some() {
            self.remove(&entry).await?;
        }
        Ok(old)
    }

    /// Members of `version` in the bounds with their values, in member byte order
    /// (reverse when asked), at most `limit` (None: all).
    pub async fn sub_scan(
        &mut self,
        version: i64,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
        limit: Option<usize>,
    ) -> RedisResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let range = suffix_range(&encoding::sub_prefix(version), lower, upper)?;
        let entries = self.scan(&range, reverse, limit).await?;
        entries.into_iter().map(|(entry, value)| Ok((encoding::member_of_sub_entry(&entry)?.to_vec(), value))).collect()
    }

    /// Sorted sets: adds (score, member) to the score order of `version`.
    pub async fn zindex_put(&mut self, version: i64, score: f64, member: &[u8]) -> RedisResult<()> {
        self.mutations += 1;
        self.put(&encoding::zscore_key(version, score, Some(member)), Vec::new()).await
    }

    /// Sorted sets: removes (score, member) from the score order.
    pub async fn zindex_delete(&mut self, version: i64, score: f64, member: &[u8]) -> RedisResult<()> {
        self.mutations += 1;
        self.remove(&encoding::zscore_key(version, score, Some(member))).await
    }

    /// Sorted sets: (score, member) pairs in score order, ties by member bytes; bounds
    /// on (score, member) (a bound's member `None` means "any member at that score",
    /// inclusive or exclusive of the score as the bound says); reverse when asked.
    pub async fn zindex_scan(
        &mut self,
        version: i64,
        lower: Bound<(f64, Option<&[u8]>)>,
        upper: Bound<(f64, Option<&[u8]>)>,
        reverse: bool,
        limit: Option<usize>,
    ) -> RedisResult<Vec<(f64, Vec<u8>)>> {
        let key = |score: f64, member: Option<&[u8]>| encoding::zscore_key(version, score, member);
        let start = match lower {
            Bound::Included((s, m)) => Bound::Included(key(s, m)),
            Bound::Excluded((s, Some(m))) => Bound::Excluded(key(s, Some(m))),
            // After every member at that score.
            Bound::Excluded((s, None)) => Bound::Included(encoding::end_of(&key(s, None))?),
            Bound::Unbounded => Bound::Included(encoding::zscore_prefix(version)),
        };
        let end = match upper {
            Bound::Included((s, Some(m))) => Bound::Included(key(s, Some(m))),
            // Up to and including every member at that score.
            Bound::Included((s, None)) => Bound::Excluded(encoding::end_of(&key(s, None))?),
            Bound::Excluded((s, m)) => Bound::Excluded(key(s, m)),
            Bound::Unbounded => Bound::Excluded(encoding::end_of(&encoding::zscore_prefix(version))?),
        };
        let entries = self.scan(&KeyRange { start, end }, reverse, limit).await?;
        entries.into_iter().map(|(entry, _)| encoding::parse_zscore_entry(&entry)).collect()
    }

    /// Live keys of `db` after `after` (exclusive) in key byte order, at most `limit`.
    pub async fn scan_keys(
        &mut self,
        db: usize,
        after: Option<&[u8]>,
        limit: usize,
    ) -> RedisResult<Vec<(Vec<u8>, Meta)>> {
        let prefix = encoding::meta_prefix(self.physical(db)?);
        let now = now_ms();
        let mut out = Vec::new();
        let mut range = suffix_range(&prefix, after.map_or(Bound::Unbounded, Bound::Excluded), Bound::Unbounded)?;
        while out.len() < limit {
            let want = limit - out.len();
            let entries = self.scan(&range, false, Some(want)).await?;
            let exhausted = entries.len() < want;
            for (entry, bytes) in entries {
                let meta = encoding::decode_meta(&bytes)?;
                let key = encoding::key_of_meta_entry(&entry)?.to_vec();
                range.start = Bound::Excluded(entry);
                if !meta.is_expired(now) {
                    out.push((key, meta));
                }
            }
            if exhausted {
                break;
            }
        }
        Ok(out)
    }

    /// Number of live keys in `db`.
    pub async fn db_size(&mut self, db: usize) -> RedisResult<u64> {
        const PAGE: usize = 4096;
        let mut range = encoding::prefix_range(&encoding::meta_prefix(self.physical(db)?))?;
        let now = now_ms();
        let mut n = 0u64;
        loop {
            let entries = self.scan(&range, false, Some(PAGE)).await?;
            let exhausted = entries.len() < PAGE;
            for (_, bytes) in &entries {
                if !encoding::expiry_of_meta(bytes)?.is_some_and(|at| at <= now) {
                    n += 1;
                }
            }
            match entries.into_iter().last() {
                Some((entry, _)) if !exhausted => range.start = Bound::Excluded(entry),
                _ => return Ok(n),
            }
        }
    }

    /// Removes every key of `db`.
    pub async fn flush_db(&mut self, db: usize) -> RedisResult<()> {
        self.mutations += 1;
        let old = self.physical(db)?;
        let fresh = self.ks.last_physical.fetch_add(1, Ordering::Relaxed) + 1;
        self.tx.upsert(DROPPED, vec![Value::Int(old)]).await?;
        self.tx.upsert(DBMAP, vec![Value::Int(db as i64), Value::Int(fresh)]).await?;
        self.dbmap[db] = fresh;
        self.dbmap_changed = true;
        self.flushed.push(db);
        Ok(())
    }

    /// Exchanges the contents of two databases.
    pub async fn swap_db(&mut self, a: usize, b: usize) -> RedisResult<()> {
        self.mutations += 1;
        let (pa, pb) = (self.physical(a)?, self.physical(b)?);
        self.tx.upsert(DBMAP, vec![Value::Int(a as i64), Value::Int(pb)]).await?;
        self.tx.upsert(DBMAP, vec![Value::Int(b as i64), Value::Int(pa)]).await?;
        self.dbmap.swap(a, b);
        self.dbmap_changed = true;
        self.flushed.push(a);
        self.flushed.push(b);
        Ok(())
    }

    /// (db, key) of every key written in this transaction so far (for WATCH and for
    /// waking blocked clients after commit).
    pub fn touched(&self) -> &[(usize, Vec<u8>)] {
        &self.touched
    }

    /// Logical databases whose whole content changed in this transaction (FLUSHDB,
    /// FLUSHALL, SWAPDB): every key in them counts as touched.
    pub fn flushed_dbs(&self) -> &[usize] {
        &self.flushed
    }

    /// Commits every write atomically.
    pub async fn commit(self) -> RedisResult<()> {
        let KsTxn { ks, tx, dbmap, dbmap_changed, cache, meta_writes, .. } = self;
        if let Err(e) = tx.commit().await {
            // Whether the batch reached storage is unknown: forget what it wrote.
            cache.forget(meta_writes.keys());
            return Err(e.into());
        }
        if !meta_writes.is_empty() {
            cache.publish(meta_writes);
        }
        if dbmap_changed {
            *ks.dbmap.lock() = dbmap;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests;
