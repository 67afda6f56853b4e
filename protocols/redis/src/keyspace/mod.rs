//! Redis keys and types over [`TableStorage`].
//!
//! Encoding (ours, after Kvrocks' metadata-plus-subkeys design):
//! - one metadata row per key: logical database, key, type, version, expiry, size, list
//!   head/tail and, for strings, the value itself;
//! - one sub-row per member of a hash, set, list or sorted set, keyed by the owning
//!   key's *version* (globally unique, never reused) and the member, so one member is
//!   read or written without touching the rest of the collection;
//! - sorted sets keep a second sub-row per member ordered by (score, member);
//! - deleting or overwriting a collection writes only its metadata row; the old
//!   version's sub-rows are queued for background garbage collection, so DEL of a
//!   million-member hash is O(1);
//! - an expiry index ordered by time drives the active expiry sweep; reads treat an
//!   expired key as absent (lazy expiry), so an expired key is never returned.
//!
//! Logical databases 0..16 map to physical database ids (table `redis_dbmap`), and the
//! metadata rows are keyed by the physical id. SWAPDB exchanges two entries of the map;
//! FLUSHDB points the logical database at a fresh physical id and records the old one in
//! `redis_dropped_db`, whose keys the background task deletes (and whose collections it
//! queues for garbage collection) a chunk at a time. Both are O(1) in the command.
//!
//! Every read and write goes through a [`KsTxn`]: one storage transaction, committed
//! once per command (or once per MULTI/EXEC). All writers hold the server's write lock
//! (see `server::Shared::write_lock`), so write transactions never conflict.

use crate::error::{RedisError, RedisResult};
use orbit_storage::{ColumnDef, DataType, Row, ScanOptions, StorageError, TableDef, TableStorage, Transaction, Value};
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::ops::Bound;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The number of logical databases (SELECT 0..15).
pub const DATABASES: usize = 16;

const META: &str = "redis_meta";
const SUB: &str = "redis_sub";
const ZSCORE: &str = "redis_zscore";
const EXPIRY: &str = "redis_expiry";
const GARBAGE: &str = "redis_garbage";
const DBMAP: &str = "redis_dbmap";
const DROPPED: &str = "redis_dropped_db";

/// Rows the background task deletes per step before releasing the write lock.
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

    fn to_row(&self, physical_db: i64, key: &[u8]) -> Row {
        vec![
            Value::Int(physical_db),
            Value::Bytes(key.to_vec()),
            Value::Int(self.kind.code()),
            Value::Int(self.version),
            self.expire_at_ms.map(Value::Int).unwrap_or(Value::Null),
            Value::Int(self.size),
            Value::Int(self.head),
            Value::Int(self.tail),
            Value::Bytes(self.value.clone()),
        ]
    }

    fn from_row(row: Row) -> RedisResult<(Vec<u8>, Meta)> {
        let mut it = row.into_iter().skip(1);
        let key = bytes(it.next())?;
        let kind = RedisType::from_code(int(it.next())?)?;
        let version = int(it.next())?;
        let expire_at_ms = match it.next() {
            Some(Value::Null) | None => None,
            Some(Value::Int(v)) => Some(v),
            Some(_) => return Err(corrupt("bad expiry")),
        };
        let size = int(it.next())?;
        let head = int(it.next())?;
        let tail = int(it.next())?;
        let value = bytes(it.next())?;
        Ok((key, Meta { kind, version, expire_at_ms, size, head, tail, value }))
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

fn float(v: Option<Value>) -> RedisResult<f64> {
    match v {
        Some(Value::Float(f)) => Ok(f),
        _ => Err(corrupt("expected a float column")),
    }
}

fn bytes(v: Option<Value>) -> RedisResult<Vec<u8>> {
    match v {
        Some(Value::Bytes(b)) => Ok(b),
        _ => Err(corrupt("expected a bytes column")),
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
        TableDef::new(META)
            .column(col("db", DataType::Int64))
            .column(col("key", DataType::Bytes))
            .column(col("type", DataType::Int64))
            .column(col("version", DataType::Int64))
            .column(ColumnDef::new("expire_at", DataType::Int64))
            .column(col("size", DataType::Int64))
            .column(col("head", DataType::Int64))
            .column(col("tail", DataType::Int64))
            .column(col("value", DataType::Bytes))
            .primary_key(&["db", "key"]),
        TableDef::new(SUB)
            .column(col("version", DataType::Int64))
            .column(col("member", DataType::Bytes))
            .column(col("value", DataType::Bytes))
            .primary_key(&["version", "member"]),
        TableDef::new(ZSCORE)
            .column(col("version", DataType::Int64))
            .column(col("score", DataType::Float64))
            .column(col("member", DataType::Bytes))
            .primary_key(&["version", "score", "member"]),
        TableDef::new(EXPIRY)
            .column(col("expire_at", DataType::Int64))
            .column(col("db", DataType::Int64))
            .column(col("key", DataType::Bytes))
            .primary_key(&["expire_at", "db", "key"]),
        TableDef::new(GARBAGE).column(col("version", DataType::Int64)).primary_key(&["version"]),
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
    counters: Arc<Counters>,
    cursors: Mutex<Cursors>,
    next_cursor: AtomicU64,
}

impl Keyspace {
    /// Creates the keyspace's tables when missing and loads the database mapping.
    pub async fn open(storage: Arc<dyn TableStorage>) -> RedisResult<Arc<Keyspace>> {
        for def in table_defs() {
            if storage.table_schema(&def.name).await?.is_none() {
                match storage.create_table(&def).await {
                    Ok(_) | Err(StorageError::TableExists(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
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
        for table in [SUB, ZSCORE, GARBAGE] {
            if let Some(row) = tx.scan(table, &ScanOptions::all().reverse().limit(1)).await?.into_iter().next() {
                last_version = last_version.max(int(row.into_iter().next())?);
            }
        }
        if wrote {
            tx.commit().await?;
        }
        Ok(Arc::new(Keyspace {
            storage,
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

    /// A transaction over the keyspace.
    pub async fn begin(&self) -> RedisResult<KsTxn> {
        let dbmap = *self.counters.dbmap.lock();
        let tx = self.storage.begin().await?;
        Ok(KsTxn {
            ks: self.counters.clone(),
            tx,
            dbmap,
            dbmap_changed: false,
            touched: Vec::new(),
            touched_set: std::collections::HashSet::new(),
            flushed: Vec::new(),
            mutations: 0,
        })
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
        let mut tx = self.storage.begin().await?;
        let mut done = 0usize;
        let now = now_ms();
        // Active expiry.
        let due = tx
            .scan(EXPIRY, &ScanOptions::range(Bound::Unbounded, Bound::Included(vec![Value::Int(now)])).limit(budget))
            .await?;
        for row in due {
            let key_values = row.clone();
            let mut it = row.into_iter();
            let at = int(it.next())?;
            let db = int(it.next())?;
            let key = bytes(it.next())?;
            tx.delete(EXPIRY, &key_values).await?;
            done += 1;
            let meta_key = [Value::Int(db), Value::Bytes(key)];
            if let Some(row) = tx.get(META, &meta_key).await? {
                let (_, meta) = Meta::from_row(row)?;
                if meta.expire_at_ms == Some(at) && meta.is_expired(now) {
                    tx.delete(META, &meta_key).await?;
                    if meta.kind != RedisType::String {
                        tx.upsert(GARBAGE, vec![Value::Int(meta.version)]).await?;
                    }
                    done += 1;
                }
            }
        }
        // Garbage versions.
        if done < budget {
            let versions = tx.scan(GARBAGE, &ScanOptions::all().limit(budget - done)).await?;
            for row in versions {
                if done >= budget {
                    break;
                }
                let version = int(row.into_iter().next())?;
                let mut finished = true;
                for table in [SUB, ZSCORE] {
                    let want = budget.saturating_sub(done).max(1);
                    let rows = tx.scan(table, &ScanOptions::prefix(vec![Value::Int(version)]).limit(want)).await?;
                    if rows.len() == want {
                        finished = false;
                    }
                    for row in rows {
                        let pk: Vec<Value> = if table == SUB { row.into_iter().take(2).collect() } else { row };
                        tx.delete(table, &pk).await?;
                        done += 1;
                    }
                }
                if finished {
                    tx.delete(GARBAGE, &[Value::Int(version)]).await?;
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
                let rows = tx.scan(META, &ScanOptions::prefix(vec![Value::Int(physical)]).limit(want)).await?;
                let finished = rows.len() < want;
                for row in rows {
                    let (key, meta) = Meta::from_row(row)?;
                    retire(&mut *tx, physical, &key, &meta).await?;
                    tx.delete(META, &[Value::Int(physical), Value::Bytes(key)]).await?;
                    done += 1;
                }
                if finished {
                    tx.delete(DROPPED, &[Value::Int(physical)]).await?;
                    done += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(done)
    }
}

/// Removes what hangs off a metadata row that is going away or being replaced: its
/// expiry index entry and (for collections) its sub-rows, queued as garbage.
async fn retire(tx: &mut dyn Transaction, physical: i64, key: &[u8], meta: &Meta) -> RedisResult<()> {
    if let Some(at) = meta.expire_at_ms {
        tx.delete(EXPIRY, &[Value::Int(at), Value::Int(physical), Value::Bytes(key.to_vec())]).await?;
    }
    if meta.kind != RedisType::String {
        tx.upsert(GARBAGE, vec![Value::Int(meta.version)]).await?;
    }
    Ok(())
}

fn zkey(version: i64, score: f64, member: Option<&[u8]>) -> Vec<Value> {
    // The key codec orders -0.0 as 0.0; store one zero so (score, member) is one row.
    let score = if score == 0.0 { 0.0 } else { score };
    let mut key = vec![Value::Int(version), Value::Float(score)];
    if let Some(m) = member {
        key.push(Value::Bytes(m.to_vec()));
    }
    key
}

/// One transaction over the keyspace. Dropping it without [`KsTxn::commit`] discards
/// its writes.
pub struct KsTxn {
    ks: Arc<Counters>,
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

    /// The stored metadata row, expired or not.
    async fn raw_meta(&mut self, db: usize, key: &[u8]) -> RedisResult<Option<Meta>> {
        let physical = self.physical(db)?;
        match self.tx.get(META, &[Value::Int(physical), Value::Bytes(key.to_vec())]).await? {
            Some(row) => Ok(Some(Meta::from_row(row)?.1)),
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
    /// sub-rows.
    pub fn new_meta(&mut self, kind: RedisType) -> Meta {
        Meta { kind, version: self.ks.next_version(), expire_at_ms: None, size: 0, head: 0, tail: 0, value: Vec::new() }
    }

    /// Stores the metadata row (keeping the expiry index in step). A collection whose
    /// `size` drops to 0 must be deleted with [`KsTxn::delete_key`] instead.
    pub async fn put_meta(&mut self, db: usize, key: &[u8], meta: &Meta) -> RedisResult<()> {
        self.mutations += 1;
        let physical = self.physical(db)?;
        // The upsert hands back the row it replaced: no separate read.
        let old = match self.tx.upsert(META, meta.to_row(physical, key)).await? {
            Some(row) => Some(Meta::from_row(row)?.1),
            None => None,
        };
        let old_expiry = old.as_ref().and_then(|o| o.expire_at_ms);
        if let Some(old) = &old {
            if let Some(at) = old_expiry.filter(|at| Some(*at) != meta.expire_at_ms) {
                self.tx.delete(EXPIRY, &[Value::Int(at), Value::Int(physical), Value::Bytes(key.to_vec())]).await?;
            }
            if old.version != meta.version && old.kind != RedisType::String {
                self.tx.upsert(GARBAGE, vec![Value::Int(old.version)]).await?;
            }
        }
        if let Some(at) = meta.expire_at_ms.filter(|at| Some(*at) != old_expiry) {
            self.tx.upsert(EXPIRY, vec![Value::Int(at), Value::Int(physical), Value::Bytes(key.to_vec())]).await?;
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

    /// Deletes the key (its sub-rows are collected in the background). False when it
    /// did not exist.
    pub async fn delete_key(&mut self, db: usize, key: &[u8]) -> RedisResult<bool> {
        self.mutations += 1;
        let physical = self.physical(db)?;
        let Some(row) = self.tx.delete(META, &[Value::Int(physical), Value::Bytes(key.to_vec())]).await? else {
            return Ok(false);
        };
        let old = Meta::from_row(row)?.1;
        retire(&mut *self.tx, physical, key, &old).await?;
        let live = !old.is_expired(now_ms());
        if live {
            self.touch(db, key);
        }
        Ok(live)
    }

    /// Moves a live key to `(to_db, to)` with its type, version (so its sub-rows stay
    /// where they are) and expiry, replacing whatever was there. False when `from` does
    /// not exist. The caller checks that source and destination differ.
    pub async fn move_key(&mut self, from_db: usize, from: &[u8], to_db: usize, to: &[u8]) -> RedisResult<bool> {
        self.mutations += 1;
        let physical = self.physical(from_db)?;
        self.physical(to_db)?;
        let Some(meta) = self.meta(from_db, from).await? else { return Ok(false) };
        if let Some(at) = meta.expire_at_ms {
            self.tx.delete(EXPIRY, &[Value::Int(at), Value::Int(physical), Value::Bytes(from.to_vec())]).await?;
        }
        self.tx.delete(META, &[Value::Int(physical), Value::Bytes(from.to_vec())]).await?;
        self.touch(from_db, from);
        self.put_meta(to_db, to, &meta).await?;
        Ok(true)
    }

    /// A live key of `db` picked at random (`None` when the database is empty).
    pub async fn random_key(&mut self, db: usize) -> RedisResult<Option<Vec<u8>>> {
        let physical = self.physical(db)?;
        let prefix = |reverse: bool| {
            let options = ScanOptions::prefix(vec![Value::Int(physical)]).limit(1);
            if reverse {
                options.reverse()
            } else {
                options
            }
        };
        let first = self.tx.scan(META, &prefix(false)).await?;
        let last = self.tx.scan(META, &prefix(true)).await?;
        let (Some(first), Some(last)) = (first.into_iter().next(), last.into_iter().next()) else {
            return Ok(None);
        };
        let head = |row: Row| -> RedisResult<u64> {
            let key = Meta::from_row(row)?.0;
            let mut buf = [0u8; 8];
            for (slot, b) in buf.iter_mut().zip(key) {
                *slot = b;
            }
            Ok(u64::from_be_bytes(buf))
        };
        let (lo, hi) = (head(first)?, head(last)?);
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

    /// One member's sub-row value.
    pub async fn sub_get(&mut self, version: i64, member: &[u8]) -> RedisResult<Option<Vec<u8>>> {
        match self.tx.get(SUB, &[Value::Int(version), Value::Bytes(member.to_vec())]).await? {
            Some(row) => Ok(Some(bytes(row.into_iter().nth(2))?)),
            None => Ok(None),
        }
    }

    /// Writes one member's sub-row; returns the previous value.
    pub async fn sub_put(&mut self, version: i64, member: &[u8], value: &[u8]) -> RedisResult<Option<Vec<u8>>> {
        self.mutations += 1;
        let row = vec![Value::Int(version), Value::Bytes(member.to_vec()), Value::Bytes(value.to_vec())];
        match self.tx.upsert(SUB, row).await? {
            Some(old) => Ok(Some(bytes(old.into_iter().nth(2))?)),
            None => Ok(None),
        }
    }

    /// Deletes one member's sub-row; returns the previous value.
    pub async fn sub_delete(&mut self, version: i64, member: &[u8]) -> RedisResult<Option<Vec<u8>>> {
        self.mutations += 1;
        match self.tx.delete(SUB, &[Value::Int(version), Value::Bytes(member.to_vec())]).await? {
            Some(old) => Ok(Some(bytes(old.into_iter().nth(2))?)),
            None => Ok(None),
        }
    }

    /// Sub-rows of `version` with members in the bounds, in member byte order (reverse
    /// when asked), at most `limit` (None: all).
    pub async fn sub_scan(
        &mut self,
        version: i64,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
        limit: Option<usize>,
    ) -> RedisResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let v = Value::Int(version);
        let bound = |b: Bound<&[u8]>| match b {
            Bound::Included(m) => Bound::Included(vec![v.clone(), Value::Bytes(m.to_vec())]),
            Bound::Excluded(m) => Bound::Excluded(vec![v.clone(), Value::Bytes(m.to_vec())]),
            Bound::Unbounded => Bound::Included(vec![v.clone()]),
        };
        let options = ScanOptions { lower: bound(lower), upper: bound(upper), reverse, limit };
        let rows = self.tx.scan(SUB, &options).await?;
        rows.into_iter()
            .map(|row| {
                let mut it = row.into_iter().skip(1);
                Ok((bytes(it.next())?, bytes(it.next())?))
            })
            .collect()
    }

    /// Sorted sets: adds (score, member) to the score order of `version`.
    pub async fn zindex_put(&mut self, version: i64, score: f64, member: &[u8]) -> RedisResult<()> {
        self.mutations += 1;
        self.tx.upsert(ZSCORE, zkey(version, score, Some(member))).await?;
        Ok(())
    }

    /// Sorted sets: removes (score, member) from the score order.
    pub async fn zindex_delete(&mut self, version: i64, score: f64, member: &[u8]) -> RedisResult<()> {
        self.mutations += 1;
        self.tx.delete(ZSCORE, &zkey(version, score, Some(member))).await?;
        Ok(())
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
        let bound = |b: Bound<(f64, Option<&[u8]>)>| match b {
            Bound::Included((s, m)) => Bound::Included(zkey(version, s, m)),
            Bound::Excluded((s, m)) => Bound::Excluded(zkey(version, s, m)),
            Bound::Unbounded => Bound::Included(vec![Value::Int(version)]),
        };
        let options = ScanOptions { lower: bound(lower), upper: bound(upper), reverse, limit };
        let rows = self.tx.scan(ZSCORE, &options).await?;
        rows.into_iter()
            .map(|row| {
                let mut it = row.into_iter().skip(1);
                Ok((float(it.next())?, bytes(it.next())?))
            })
            .collect()
    }

    /// Live keys of `db` after `after` (exclusive) in key byte order, at most `limit`.
    pub async fn scan_keys(
        &mut self,
        db: usize,
        after: Option<&[u8]>,
        limit: usize,
    ) -> RedisResult<Vec<(Vec<u8>, Meta)>> {
        let physical = self.physical(db)?;
        let now = now_ms();
        let mut out = Vec::new();
        let mut lower = match after {
            Some(k) => Bound::Excluded(vec![Value::Int(physical), Value::Bytes(k.to_vec())]),
            None => Bound::Included(vec![Value::Int(physical)]),
        };
        while out.len() < limit {
            let want = limit - out.len();
            let options = ScanOptions::range(lower.clone(), Bound::Included(vec![Value::Int(physical)])).limit(want);
            let rows = self.tx.scan(META, &options).await?;
            let exhausted = rows.len() < want;
            for row in rows {
                let (key, meta) = Meta::from_row(row)?;
                lower = Bound::Excluded(vec![Value::Int(physical), Value::Bytes(key.clone())]);
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
        let physical = self.physical(db)?;
        let now = now_ms();
        let rows = self.tx.scan(META, &ScanOptions::prefix(vec![Value::Int(physical)])).await?;
        let mut n = 0u64;
        for row in rows {
            if !matches!(row.get(4), Some(Value::Int(at)) if *at <= now) {
                n += 1;
            }
        }
        Ok(n)
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
        let KsTxn { ks, tx, dbmap, dbmap_changed, .. } = self;
        tx.commit().await?;
        if dbmap_changed {
            *ks.dbmap.lock() = dbmap;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests;
