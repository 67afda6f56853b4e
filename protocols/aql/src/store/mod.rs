//! The document model: databases, document and edge collections, documents with `_key`,
//! `_id` and `_rev`, key generators, persistent/TTL/geo indexes, and edges kept in the
//! property-graph model's adjacency (orbit-graph), all over one [`TableStorage`].
//!
//! [`DocStore`] holds the catalog (databases, collections, indexes; stored in the same
//! storage and reloaded on open) and begins [`DocTxn`]s. Every read and write of
//! documents goes through a `DocTxn`: one storage transaction, so a document write, its
//! index entries and its adjacency entries are one atomic batch. Catalog changes take
//! effect at once (like the storage's own catalog).
//!
//! Shared by the HTTP API (document endpoints, import, gharial, stream transactions) and
//! the AQL executor (collection scans, index lookups, modifications, traversals).

use crate::ast::EdgeDirection;
use crate::error::{AqlError, AqlResult};
use crate::value::Value;
use orbit_storage::TableStorage;
use std::ops::Bound;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseInfo {
    pub name: String,
    /// Numeric id as a string, as ArangoDB reports it ("1" for `_system`).
    pub id: String,
    pub is_system: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionType {
    Document = 2,
    Edge = 3,
}

#[derive(Debug, Clone, PartialEq)]
pub enum KeyGenerator {
    Traditional,
    Autoincrement { increment: u64, offset: u64 },
    Uuid,
    Padded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeyOptions {
    pub generator: KeyGenerator,
    pub allow_user_keys: bool,
}

/// A collection as the catalog holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionInfo {
    /// Numeric id, unique in the store.
    pub id: u64,
    pub name: String,
    pub ty: CollectionType,
    pub is_system: bool,
    pub key_options: KeyOptions,
    pub wait_for_sync: bool,
    /// `schema` and `computedValues` as given (null when none), round-tripped.
    pub schema: Value,
    pub computed_values: Value,
    /// Extra attributes given at creation we keep and report (cacheEnabled, ...).
    pub extra: crate::value::Object,
}

/// What `POST /_api/collection` (or the executor) asks for; `options` is the request body
/// (name, type, keyOptions, waitForSync, schema, computedValues, isSystem, ...), unknown
/// attributes ignored.
#[derive(Debug, Clone)]
pub struct CollectionSpec {
    pub name: String,
    pub ty: CollectionType,
    pub options: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IndexKind {
    Primary,
    Edge,
    /// persistent; "hash" and "skiplist" are aliases stored as persistent.
    Persistent,
    Ttl {
        expire_after: f64,
    },
    Geo {
        geo_json: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndexInfo {
    /// "collection/N"
    pub id: String,
    /// "primary", "edge", "idx_N" or the name given.
    pub name: String,
    pub kind: IndexKind,
    /// Attribute paths, dotted, with `[*]` for array expansion.
    pub fields: Vec<String>,
    pub unique: bool,
    pub sparse: bool,
    /// Other attributes given at creation we keep and report (deduplicate, estimates,
    /// storedValues, inBackground, ...).
    pub extra: crate::value::Object,
}

/// A bounded lookup on an index over its fields: equality on a prefix of them, then
/// optionally a range on the next one.
#[derive(Debug, Clone)]
pub struct IndexLookup {
    pub equal: Vec<Value>,
    pub lower: Bound<Value>,
    pub upper: Bound<Value>,
}

/// How an insert meets an existing document with the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverwriteMode {
    /// 1210 unique constraint violated (the default).
    Conflict,
    Ignore,
    Replace,
    Update,
}

/// Options of a document write, as the HTTP API and AQL's OPTIONS give them.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub overwrite_mode: OverwriteMode,
    /// Update: attributes set to null are removed when false (keepNull=false).
    pub keep_null: bool,
    /// Update: nested objects are merged (true) or replaced.
    pub merge_objects: bool,
    /// When false, a `_rev` in the given document (or `expected_rev`) must match.
    pub ignore_revs: bool,
    /// If-Match / `rev` query parameter.
    pub expected_rev: Option<String>,
    pub wait_for_sync: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            overwrite_mode: OverwriteMode::Conflict,
            keep_null: true,
            merge_objects: true,
            ignore_revs: true,
            expected_rev: None,
            wait_for_sync: false,
        }
    }
}

/// What a write did: the document's identity, its old and new revision and bodies
/// (callers drop what returnOld/returnNew did not ask for).
#[derive(Debug, Clone)]
pub struct WriteResult {
    pub key: String,
    pub id: String,
    pub rev: String,
    pub old_rev: Option<String>,
    pub new: Option<Value>,
    pub old: Option<Value>,
    /// Insert with overwriteMode ignore that found a document: nothing written.
    pub ignored: bool,
}

/// A page of a scan and where to continue (None: the scan is done). The resume position
/// is opaque.
#[derive(Debug, Clone)]
pub struct ScanPage {
    pub docs: Vec<Value>,
    pub resume: Option<Vec<u8>>,
}

/// One edge seen from a vertex: the edge document and the `_id` of the other end.
#[derive(Debug, Clone)]
pub struct EdgeStep {
    pub edge: Value,
    pub other: String,
}

/// Options of [`DocStore::begin`]: the collections a stream transaction declares (all
/// names are accepted; they bound nothing in Orbit since every transaction sees the
/// whole database at one snapshot).
#[derive(Debug, Clone, Default)]
pub struct TxnOptions {
    pub read: Vec<String>,
    pub write: Vec<String>,
    pub exclusive: Vec<String>,
}

pub struct DocStore {
    #[allow(dead_code)]
    storage: Arc<dyn TableStorage>,
}

fn unbuilt<T>() -> AqlResult<T> {
    Err(AqlError::internal("document store: not built yet"))
}

impl DocStore {
    /// Opens (creating on first use) the store of `storage`: the `_system` database with
    /// its system collections (`_graphs`, `_users`) exists after this.
    pub async fn open(storage: Arc<dyn TableStorage>) -> AqlResult<Arc<DocStore>> {
        Ok(Arc::new(DocStore { storage }))
    }

    // ---- databases ----

    pub async fn databases(&self) -> AqlResult<Vec<DatabaseInfo>> {
        unbuilt()
    }
    /// 1228 when missing.
    pub async fn database(&self, name: &str) -> AqlResult<DatabaseInfo> {
        let _ = name;
        unbuilt()
    }
    /// 1229 for an invalid name, 1207 when it exists.
    pub async fn create_database(&self, name: &str) -> AqlResult<DatabaseInfo> {
        let _ = name;
        unbuilt()
    }
    /// Drops a database and everything in it; 1230 for `_system`, 1228 when missing.
    pub async fn drop_database(&self, name: &str) -> AqlResult<()> {
        let _ = name;
        unbuilt()
    }

    // ---- collections ----

    pub async fn collections(&self, db: &str) -> AqlResult<Vec<Arc<CollectionInfo>>> {
        let _ = db;
        unbuilt()
    }
    /// By name or numeric id; 1203 when missing.
    pub async fn collection(&self, db: &str, name: &str) -> AqlResult<Arc<CollectionInfo>> {
        let _ = (db, name);
        unbuilt()
    }
    /// 1208 illegal name, 1207 duplicate, 1232 invalid key generator.
    pub async fn create_collection(&self, db: &str, spec: CollectionSpec) -> AqlResult<Arc<CollectionInfo>> {
        let _ = (db, spec);
        unbuilt()
    }
    /// `PUT .../properties`: waitForSync, schema, computedValues, cacheEnabled, ...
    pub async fn set_collection_properties(
        &self,
        db: &str,
        name: &str,
        body: &Value,
    ) -> AqlResult<Arc<CollectionInfo>> {
        let _ = (db, name, body);
        unbuilt()
    }
    pub async fn rename_collection(&self, db: &str, name: &str, new_name: &str) -> AqlResult<Arc<CollectionInfo>> {
        let _ = (db, name, new_name);
        unbuilt()
    }
    pub async fn truncate_collection(&self, db: &str, name: &str) -> AqlResult<()> {
        let _ = (db, name);
        unbuilt()
    }
    /// 1217 for a system collection unless `is_system` is passed.
    pub async fn drop_collection(&self, db: &str, name: &str, is_system: bool) -> AqlResult<()> {
        let _ = (db, name, is_system);
        unbuilt()
    }
    /// Documents in the collection (committed state).
    pub async fn count(&self, db: &str, name: &str) -> AqlResult<u64> {
        let _ = (db, name);
        unbuilt()
    }
    /// The collection's revision: the highest `_rev` it has seen (ArangoDB's encoding).
    pub async fn collection_revision(&self, db: &str, name: &str) -> AqlResult<String> {
        let _ = (db, name);
        unbuilt()
    }

    // ---- indexes ----

    /// Primary (and edge for edge collections) first, then the created ones.
    pub async fn indexes(&self, db: &str, collection: &str) -> AqlResult<Vec<IndexInfo>> {
        let _ = (db, collection);
        unbuilt()
    }
    /// Creates the index described by `body` (`POST /_api/index` body: type, fields,
    /// unique, sparse, name, expireAfter, geoJson, ...); answers it and whether it is
    /// new (an equal existing index is answered with false). 1210 when a unique index
    /// meets duplicate values; 10 for a bad definition; 501/9 for unsupported types
    /// (fulltext, inverted, zkd/mdi, vector until GraphRAG).
    pub async fn create_index(&self, db: &str, collection: &str, body: &Value) -> AqlResult<(IndexInfo, bool)> {
        let _ = (db, collection, body);
        unbuilt()
    }
    /// `id` is "collection/N", "N" or the index name; 1212 when missing.
    pub async fn drop_index(&self, db: &str, collection: &str, id: &str) -> AqlResult<()> {
        let _ = (db, collection, id);
        unbuilt()
    }

    // ---- transactions ----

    pub async fn begin(self: &Arc<Self>, db: &str, options: TxnOptions) -> AqlResult<DocTxn> {
        let _ = (db, options);
        unbuilt()
    }
}

/// Reads and writes of one database's documents in one storage transaction.
pub struct DocTxn {
    #[allow(dead_code)]
    store: Arc<DocStore>,
}

/// A transaction shared by a stream transaction's calls and the cursors run in it.
pub type SharedTxn = Arc<tokio::sync::Mutex<DocTxn>>;

impl DocTxn {
    pub fn database(&self) -> &str {
        ""
    }

    pub async fn commit(self) -> AqlResult<()> {
        unbuilt()
    }
    pub async fn rollback(self) -> AqlResult<()> {
        unbuilt()
    }

    /// The document, or None; 1203 for an unknown collection.
    pub async fn get(&mut self, collection: &str, key: &str) -> AqlResult<Option<Value>> {
        let _ = (collection, key);
        unbuilt()
    }
    /// Inserts `doc` (an object; `_key` taken or generated; edges need `_from`/`_to`,
    /// 1233 otherwise); 1221 bad key, 1210 duplicate (per overwrite mode), 1227 not an
    /// object.
    pub async fn insert(&mut self, collection: &str, doc: Value, options: &WriteOptions) -> AqlResult<WriteResult> {
        let _ = (collection, doc, options);
        unbuilt()
    }
    /// Replaces the document `key` with `doc` (system attributes kept); 1202 missing,
    /// 1200 revision mismatch (when revisions are checked).
    pub async fn replace(
        &mut self,
        collection: &str,
        key: &str,
        doc: Value,
        options: &WriteOptions,
    ) -> AqlResult<WriteResult> {
        let _ = (collection, key, doc, options);
        unbuilt()
    }
    /// Merges `patch` into the document `key` (keepNull, mergeObjects as options say).
    pub async fn update(
        &mut self,
        collection: &str,
        key: &str,
        patch: Value,
        options: &WriteOptions,
    ) -> AqlResult<WriteResult> {
        let _ = (collection, key, patch, options);
        unbuilt()
    }
    pub async fn remove(&mut self, collection: &str, key: &str, options: &WriteOptions) -> AqlResult<WriteResult> {
        let _ = (collection, key, options);
        unbuilt()
    }
    /// Up to `limit` documents after `resume`, in the collection's storage order.
    pub async fn scan(&mut self, collection: &str, resume: Option<&[u8]>, limit: usize) -> AqlResult<ScanPage> {
        let _ = (collection, resume, limit);
        unbuilt()
    }
    /// Documents of an index lookup, in index order (descending when `reverse`).
    pub async fn index_scan(
        &mut self,
        collection: &str,
        index: &str,
        lookup: &IndexLookup,
        reverse: bool,
        resume: Option<&[u8]>,
        limit: usize,
    ) -> AqlResult<ScanPage> {
        let _ = (collection, index, lookup, reverse, resume, limit);
        unbuilt()
    }
    /// The edges of `edge_collection` at `vertex` (an `_id`) in `direction`: one prefix
    /// scan of the graph model's adjacency, then the edge documents.
    pub async fn edges(
        &mut self,
        edge_collection: &str,
        vertex: &str,
        direction: EdgeDirection,
    ) -> AqlResult<Vec<EdgeStep>> {
        let _ = (edge_collection, vertex, direction);
        unbuilt()
    }
    /// A document by `_id` ("collection/key"); None when either part is missing.
    pub async fn document(&mut self, id: &str) -> AqlResult<Option<Value>> {
        let _ = id;
        unbuilt()
    }
    /// Documents written (inserted, replaced, updated, removed) by this transaction.
    pub fn writes(&self) -> u64 {
        0
    }
}
