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
//! Logical databases 0..16 map to physical database ids, so SWAPDB and FLUSHDB are O(1).
//!
//! Every read and write goes through a [`KsTxn`]: one storage transaction, committed
//! once per command (or once per MULTI/EXEC). All writers hold the server's write lock
//! (see `server::Shared::write_lock`), so write transactions never conflict.

use crate::error::RedisResult;
use orbit_storage::TableStorage;
use std::ops::Bound;
use std::sync::Arc;

/// The number of logical databases (SELECT 0..15).
pub const DATABASES: usize = 16;

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

/// The Redis keyspace of one protocol storage.
pub struct Keyspace {
    storage: Arc<dyn TableStorage>,
}

impl Keyspace {
    /// Creates the keyspace's tables when missing and loads the database mapping.
    pub async fn open(storage: Arc<dyn TableStorage>) -> RedisResult<Arc<Keyspace>> {
        let _ = &storage;
        todo!("keyspace work")
    }

    /// A transaction over the keyspace.
    pub async fn begin(&self) -> RedisResult<KsTxn> {
        let _ = &self.storage;
        todo!("keyspace work")
    }
}

/// One transaction over the keyspace. Dropping it without [`KsTxn::commit`] discards
/// its writes.
pub struct KsTxn {
    _private: (),
}

impl KsTxn {
    /// The key's metadata; `None` when the key does not exist or has expired.
    pub async fn meta(&mut self, db: usize, key: &[u8]) -> RedisResult<Option<Meta>> {
        let _ = (db, key);
        todo!()
    }

    /// Like [`KsTxn::meta`], but a key of another type is `RedisError::wrong_type()`.
    pub async fn meta_of(&mut self, db: usize, key: &[u8], kind: RedisType) -> RedisResult<Option<Meta>> {
        let _ = (db, key, kind);
        todo!()
    }

    /// Metadata for a new key of `kind` with a fresh version (not stored until
    /// [`KsTxn::put_meta`]). Overwriting an existing key with it retires the old one's
    /// sub-rows.
    pub fn new_meta(&mut self, kind: RedisType) -> Meta {
        let _ = kind;
        todo!()
    }

    /// Stores the metadata row (keeping the expiry index in step). A collection whose
    /// `size` drops to 0 must be deleted with [`KsTxn::delete_key`] instead.
    pub async fn put_meta(&mut self, db: usize, key: &[u8], meta: &Meta) -> RedisResult<()> {
        let _ = (db, key, meta);
        todo!()
    }

    /// Deletes the key (its sub-rows are collected in the background). False when it
    /// did not exist.
    pub async fn delete_key(&mut self, db: usize, key: &[u8]) -> RedisResult<bool> {
        let _ = (db, key);
        todo!()
    }

    /// One member's sub-row value.
    pub async fn sub_get(&mut self, version: i64, member: &[u8]) -> RedisResult<Option<Vec<u8>>> {
        let _ = (version, member);
        todo!()
    }

    /// Writes one member's sub-row; returns the previous value.
    pub async fn sub_put(&mut self, version: i64, member: &[u8], value: &[u8]) -> RedisResult<Option<Vec<u8>>> {
        let _ = (version, member, value);
        todo!()
    }

    /// Deletes one member's sub-row; returns the previous value.
    pub async fn sub_delete(&mut self, version: i64, member: &[u8]) -> RedisResult<Option<Vec<u8>>> {
        let _ = (version, member);
        todo!()
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
        let _ = (version, lower, upper, reverse, limit);
        todo!()
    }

    /// Sorted sets: adds (score, member) to the score order of `version`.
    pub async fn zindex_put(&mut self, version: i64, score: f64, member: &[u8]) -> RedisResult<()> {
        let _ = (version, score, member);
        todo!()
    }

    /// Sorted sets: removes (score, member) from the score order.
    pub async fn zindex_delete(&mut self, version: i64, score: f64, member: &[u8]) -> RedisResult<()> {
        let _ = (version, score, member);
        todo!()
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
        let _ = (version, lower, upper, reverse, limit);
        todo!()
    }

    /// Live keys of `db` after `after` (exclusive) in key byte order, at most `limit`.
    pub async fn scan_keys(
        &mut self,
        db: usize,
        after: Option<&[u8]>,
        limit: usize,
    ) -> RedisResult<Vec<(Vec<u8>, Meta)>> {
        let _ = (db, after, limit);
        todo!()
    }

    /// Number of live keys in `db`.
    pub async fn db_size(&mut self, db: usize) -> RedisResult<u64> {
        let _ = db;
        todo!()
    }

    /// Removes every key of `db`.
    pub async fn flush_db(&mut self, db: usize) -> RedisResult<()> {
        let _ = db;
        todo!()
    }

    /// Exchanges the contents of two databases.
    pub async fn swap_db(&mut self, a: usize, b: usize) -> RedisResult<()> {
        let _ = (a, b);
        todo!()
    }

    /// (db, key) of every key written in this transaction so far (for WATCH and for
    /// waking blocked clients after commit).
    pub fn touched(&self) -> &[(usize, Vec<u8>)] {
        todo!()
    }

    /// Commits every write atomically.
    pub async fn commit(self) -> RedisResult<()> {
        todo!()
    }
}
