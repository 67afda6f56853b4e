//! The document model: databases, document and edge collections, documents with `_key`,
//! `_id` and `_rev`, key generators, persistent/TTL/geo/vector indexes, and edges kept in the
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
//!
//! Where things are: `keys` (the storage layout), `catalog` and `ddl` (names, catalog
//! state, catalog changes, opening), `documents` (writes), `lookup` (scans and index
//! lookups), `indexes` (definitions and entries), `edges` (adjacency), `keygen`,
//! `revision`, `stats` (counts), `figures` (index sizes), `ttl` (expiry), `vector_params`
//! (vector index definitions) and `vector_index` (their in-memory search side).

mod catalog;
mod ddl;
mod documents;
mod edges;
mod figures;
mod indexes;
mod keygen;
mod keys;
mod lookup;
mod revision;
mod stats;
mod ttl;
mod vector_index;
mod vector_params;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_consistency;
#[cfg(test)]
mod tests_graph;
#[cfg(test)]
mod tests_index;

use crate::ast::EdgeDirection;
use crate::error::AqlResult;
use crate::value::Value;
use catalog::{CollState, DbState};
use orbit_storage::{TableHandle, TableStorage, Transaction};
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

pub use figures::IndexFigures;
pub use keygen::{options_value as key_options_value, valid_key};
pub use revision::{decode as decode_revision, encode as encode_revision};
pub use ttl::parse_date;
pub use vector_index::VectorHit;
pub use vector_params::{VectorMetric, VectorParams};

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
    /// ArangoDB 3.12.4's vector index (answered by an in-memory HNSW).
    Vector(VectorParams),
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
    /// The transaction's commit syncs the storage to disk (as it does when the
    /// collection has waitForSync).
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
    storage: Arc<dyn TableStorage>,
    catalog: TableHandle,
    databases: parking_lot::RwLock<BTreeMap<String, Arc<DbState>>>,
    clock: revision::Clock,
    /// The last tick handed out: database and collection ids, traditional keys.
    tick: AtomicU64,
    /// Serializes catalog changes.
    ddl: tokio::sync::Mutex<()>,
    sweeper: parking_lot::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The in-memory vector indexes.
    vectors: vector_index::VectorIndexes,
    /// The GraphRAG engine's storage (None: GraphRAG is disabled on this server).
    graphrag: parking_lot::RwLock<Option<Arc<dyn TableStorage>>>,
}

impl Drop for DocStore {
    fn drop(&mut self) {
        if let Some(task) = self.sweeper.lock().take() {
            task.abort();
        }
    }
}

impl DocStore {
    /// Opens (creating on first use) the store of `storage`: the `_system` database with
    /// its system collections (`_graphs`, `_users`) exists after this. Starts the TTL
    /// sweeper when called inside a tokio runtime.
    pub async fn open(storage: Arc<dyn TableStorage>) -> AqlResult<Arc<DocStore>> {
        ddl::open(storage).await
    }

    /// The storage the store keeps everything in.
    pub fn storage(&self) -> &Arc<dyn TableStorage> {
        &self.storage
    }

    /// Gives AQL's GRAPHRAG_* functions the GraphRAG engine's storage.
    pub fn set_graphrag_storage(&self, storage: Option<Arc<dyn TableStorage>>) {
        *self.graphrag.write() = storage;
    }

    /// The GraphRAG engine's storage; None when GraphRAG is disabled on this server.
    pub fn graphrag_storage(&self) -> Option<Arc<dyn TableStorage>> {
        self.graphrag.read().clone()
    }

    // ---- databases ----

    pub async fn databases(&self) -> AqlResult<Vec<DatabaseInfo>> {
        Ok(self.database_states().iter().map(|d| d.info.clone()).collect())
    }
    /// 1228 when missing.
    pub async fn database(&self, name: &str) -> AqlResult<DatabaseInfo> {
        Ok(self.db(name)?.info.clone())
    }
    /// 1229 for an invalid name, 1207 when it exists.
    pub async fn create_database(&self, name: &str) -> AqlResult<DatabaseInfo> {
        self.create_database_now(name).await
    }
    /// Drops a database and everything in it; 1230 for `_system`, 1228 when missing.
    pub async fn drop_database(&self, name: &str) -> AqlResult<()> {
        self.drop_database_now(name).await
    }

    // ---- collections ----

    pub async fn collections(&self, db: &str) -> AqlResult<Vec<Arc<CollectionInfo>>> {
        Ok(self.db(db)?.collections.read().iter().map(|c| c.info()).collect())
    }
    /// By name or numeric id; 1203 when missing.
    pub async fn collection(&self, db: &str, name: &str) -> AqlResult<Arc<CollectionInfo>> {
        Ok(self.db(db)?.collection(name)?.info())
    }
    /// 1208 illegal name, 1207 duplicate, 1232 invalid key generator.
    pub async fn create_collection(&self, db: &str, spec: CollectionSpec) -> AqlResult<Arc<CollectionInfo>> {
        self.create_collection_now(db, spec).await
    }
    /// `PUT .../properties`: waitForSync, schema, computedValues, cacheEnabled, ...
    pub async fn set_collection_properties(
        &self,
        db: &str,
        name: &str,
        body: &Value,
    ) -> AqlResult<Arc<CollectionInfo>> {
        self.set_properties_now(db, name, body).await
    }
    pub async fn rename_collection(&self, db: &str, name: &str, new_name: &str) -> AqlResult<Arc<CollectionInfo>> {
        self.rename_now(db, name, new_name).await
    }
    pub async fn truncate_collection(&self, db: &str, name: &str) -> AqlResult<()> {
        self.truncate_now(db, name).await
    }
    /// 403/11 "forbidden" for a system collection unless `is_system` is passed (as
    /// ArangoDB 3.12 answers; its error list has no 1217 any more).
    pub async fn drop_collection(&self, db: &str, name: &str, is_system: bool) -> AqlResult<()> {
        self.drop_collection_now(db, name, is_system).await
    }
    /// Documents in the collection (committed state).
    pub async fn count(&self, db: &str, name: &str) -> AqlResult<u64> {
        let coll = self.db(db)?.collection(name)?;
        Ok(coll.count.load(std::sync::atomic::Ordering::Relaxed).max(0) as u64)
    }
    /// The collection's revision: the highest `_rev` it has seen (ArangoDB's encoding),
    /// "0" before its first write.
    pub async fn collection_revision(&self, db: &str, name: &str) -> AqlResult<String> {
        let coll = self.db(db)?.collection(name)?;
        let rev = coll.max_rev.load(std::sync::atomic::Ordering::Relaxed);
        Ok(if rev == 0 { "0".to_string() } else { revision::encode(rev) })
    }
    /// The key generator's last value (the `lastValue` of `keyOptions`).
    pub async fn key_generator_last_value(&self, db: &str, name: &str) -> AqlResult<u64> {
        let coll = self.db(db)?.collection(name)?;
        Ok(coll.key_last.load(std::sync::atomic::Ordering::Relaxed))
    }

    // ---- indexes ----

    /// Primary (and edge for edge collections) first, then the created ones.
    pub async fn indexes(&self, db: &str, collection: &str) -> AqlResult<Vec<IndexInfo>> {
        let coll = self.db(db)?.collection(collection)?;
        let name = coll.info().name.clone();
        let mut out = indexes::builtin(&name, coll.is_edge());
        out.extend(coll.indexes().iter().map(|i| i.info(&name)));
        Ok(out)
    }
    /// Creates the index described by `body` (`POST /_api/index` body: type, fields,
    /// unique, sparse, name, expireAfter, geoJson, ...); answers it and whether it is
    /// new (an equal existing index is answered with false). 1210 when a unique index
    /// meets duplicate values; 10 for a bad definition; 501/9 for unsupported types
    /// (fulltext, inverted, zkd/mdi).
    pub async fn create_index(&self, db: &str, collection: &str, body: &Value) -> AqlResult<(IndexInfo, bool)> {
        self.create_index_now(db, collection, body).await
    }
    /// `id` is "collection/N", "N" or the index name; 1212 when missing.
    pub async fn drop_index(&self, db: &str, collection: &str, id: &str) -> AqlResult<()> {
        self.drop_index_now(db, collection, id).await
    }

    // ---- transactions ----

    /// 1228 for an unknown database, 1203 when a declared collection is missing.
    pub async fn begin(self: &Arc<Self>, db: &str, options: TxnOptions) -> AqlResult<DocTxn> {
        let state = self.db(db)?;
        for name in options.read.iter().chain(&options.write).chain(&options.exclusive) {
            state.collection(name)?;
        }
        let tx = self.storage.begin().await?;
        Ok(DocTxn {
            store: self.clone(),
            db: state,
            tx: Some(tx),
            writes: 0,
            pending: HashMap::new(),
            sync: false,
            vector_changes: Vec::new(),
        })
    }
}

/// What a transaction changed in one collection, applied to the collection's counts
/// when it commits.
struct Pending {
    coll: Arc<CollState>,
    count: i64,
    max_rev: u64,
    key_last: u64,
}

/// Reads and writes of one database's documents in one storage transaction.
pub struct DocTxn {
    store: Arc<DocStore>,
    db: Arc<DbState>,
    /// None only while a graph transaction borrows it (see `edges`).
    tx: Option<Box<dyn Transaction>>,
    writes: u64,
    pending: HashMap<u64, Pending>,
    /// A write asked for waitForSync (or its collection has it): the commit syncs.
    sync: bool,
    /// Vector index changes, applied when the transaction commits.
    vector_changes: Vec<vector_index::VectorChange>,
}

/// A transaction shared by a stream transaction's calls and the cursors run in it.
pub type SharedTxn = Arc<tokio::sync::Mutex<DocTxn>>;

impl DocTxn {
    pub fn database(&self) -> &str {
        &self.db.info.name
    }

    pub async fn commit(self) -> AqlResult<()> {
        self.commit_now().await
    }
    pub async fn rollback(mut self) -> AqlResult<()> {
        match self.tx.take() {
            Some(tx) => Ok(tx.rollback().await?),
            None => Ok(()),
        }
    }

    /// The document, or None; 1203 for an unknown collection.
    pub async fn get(&mut self, collection: &str, key: &str) -> AqlResult<Option<Value>> {
        let coll = self.db.collection(collection)?;
        Ok(self.lookup(&coll, key).await?.map(|(_, doc)| doc))
    }
    /// Inserts `doc` (an object; `_key` taken or generated; edges need `_from`/`_to`,
    /// 1233 otherwise); 1221 bad key, 1210 duplicate (per overwrite mode), 1227 not an
    /// object.
    pub async fn insert(&mut self, collection: &str, doc: Value, options: &WriteOptions) -> AqlResult<WriteResult> {
        let coll = self.db.collection(collection)?;
        self.insert_doc(&coll, doc, options).await
    }
    /// Replaces the document `key` with `doc` (system attributes kept); 1202 missing,
    /// 1200 revision mismatch (`expected_rev` always; the document's `_rev` unless
    /// `ignore_revs`).
    pub async fn replace(
        &mut self,
        collection: &str,
        key: &str,
        doc: Value,
        options: &WriteOptions,
    ) -> AqlResult<WriteResult> {
        let coll = self.db.collection(collection)?;
        self.modify_doc(&coll, key, doc, options, false).await
    }
    /// Merges `patch` into the document `key` (keepNull, mergeObjects as options say).
    pub async fn update(
        &mut self,
        collection: &str,
        key: &str,
        patch: Value,
        options: &WriteOptions,
    ) -> AqlResult<WriteResult> {
        let coll = self.db.collection(collection)?;
        self.modify_doc(&coll, key, patch, options, true).await
    }
    pub async fn remove(&mut self, collection: &str, key: &str, options: &WriteOptions) -> AqlResult<WriteResult> {
        let coll = self.db.collection(collection)?;
        self.remove_doc(&coll, key, options).await
    }
    /// Up to `limit` documents after `resume`, in the collection's storage order.
    pub async fn scan(&mut self, collection: &str, resume: Option<&[u8]>, limit: usize) -> AqlResult<ScanPage> {
        self.scan_projected(collection, resume, limit, None).await
    }
    /// [`DocTxn::scan`] decoding only the top-level attributes in `fields` (and `_key`,
    /// `_id`) when it is given.
    pub async fn scan_projected(
        &mut self,
        collection: &str,
        resume: Option<&[u8]>,
        limit: usize,
        fields: Option<&[String]>,
    ) -> AqlResult<ScanPage> {
        let coll = self.db.collection(collection)?;
        self.scan_docs(&coll, resume, limit, fields).await
    }
    /// Documents of an index lookup, in index order (descending when `reverse`).
    /// `index` is a name, "collection/N" or "N"; "primary" looks up `_key`, "edge"
    /// `_from` (then `_to`). 1212 for an unknown index.
    pub async fn index_scan(
        &mut self,
        collection: &str,
        index: &str,
        lookup: &IndexLookup,
        reverse: bool,
        resume: Option<&[u8]>,
        limit: usize,
    ) -> AqlResult<ScanPage> {
        self.index_scan_projected(collection, index, lookup, reverse, resume, limit, None).await
    }
    /// [`DocTxn::index_scan`] decoding only the top-level attributes in `fields` (and
    /// `_key`, `_id`) when it is given; edge-index lookups return whole edges.
    #[allow(clippy::too_many_arguments)]
    pub async fn index_scan_projected(
        &mut self,
        collection: &str,
        index: &str,
        lookup: &IndexLookup,
        reverse: bool,
        resume: Option<&[u8]>,
        limit: usize,
        fields: Option<&[String]>,
    ) -> AqlResult<ScanPage> {
        let coll = self.db.collection(collection)?;
        self.index_scan_docs(&coll, index, lookup, reverse, resume, limit, fields).await
    }
    /// The edges of `edge_collection` at `vertex` (an `_id`) in `direction`: one prefix
    /// scan of the graph model's adjacency, then the edge documents, in the order the
    /// edges were written (outbound ones first for `Any`).
    pub async fn edges(
        &mut self,
        edge_collection: &str,
        vertex: &str,
        direction: EdgeDirection,
    ) -> AqlResult<Vec<EdgeStep>> {
        let coll = self.db.collection(edge_collection)?;
        self.edges_at(&coll, vertex, direction).await
    }
    /// A document by `_id` ("collection/key"); None when either part is missing.
    pub async fn document(&mut self, id: &str) -> AqlResult<Option<Value>> {
        let Some((collection, key)) = id.split_once('/') else { return Ok(None) };
        let Some(coll) = self.db.find(collection) else { return Ok(None) };
        Ok(self.lookup(&coll, key).await?.map(|(_, doc)| doc))
    }
    /// Documents written (inserted, replaced, updated, removed) by this transaction.
    pub fn writes(&self) -> u64 {
        self.writes
    }
}
