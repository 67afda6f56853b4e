//! Catalog changes and the store's opening: loading databases and collections from the
//! catalog table, folding each collection's statistics entries, creating `_system`;
//! then creating and dropping databases, collections and indexes. Each change is made
//! under the store's catalog lock and is durable when the call returns.

use super::catalog::{self, CollState, DbState};
use super::indexes::IndexDef;
use super::keys;
use super::{CollectionInfo, CollectionSpec, CollectionType, DatabaseInfo, DocStore, IndexInfo};
use crate::error::{num, AqlError, AqlResult};
use crate::value::Value;
use orbit_graph::{Graph, PropertyIndex};
use orbit_storage::{ColumnDef, DataType, StorageError, TableDef, TableStorage};
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

/// Graph nodes standing for vertices carry the vertex `_id` under this label/property.
pub const VERTEX_LABEL: &str = "V";
pub const VERTEX_ID: &str = "id";
const VERTEX_INDEX: &str = "aql_vertex_id";
/// Keys one page of a purge or an index build handles.
const PAGE: usize = 1000;

async fn ensure_table(storage: &dyn TableStorage, name: &str) -> AqlResult<()> {
    if storage.table_schema(name).await?.is_none() {
        let def =
            TableDef::new(name).column(ColumnDef::new("entry", DataType::Bytes).not_null()).primary_key(&["entry"]);
        match storage.create_table(&def).await {
            Ok(_) | Err(StorageError::TableExists(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

async fn open_graph(storage: &Arc<dyn TableStorage>, db_id: u64) -> AqlResult<Arc<Graph>> {
    let graph = Graph::open_table(storage.clone(), &keys::graph_table(db_id)).await?;
    let index = PropertyIndex {
        name: VERTEX_INDEX.into(),
        label: VERTEX_LABEL.into(),
        property: VERTEX_ID.into(),
        unique: true,
    };
    graph.create_index(index, true).await?;
    Ok(graph)
}

fn u64_of(bytes: &[u8]) -> u64 {
    keys::trailing_u64(bytes).unwrap_or(0)
}

pub async fn open(storage: Arc<dyn TableStorage>) -> AqlResult<Arc<DocStore>> {
    ensure_table(storage.as_ref(), keys::CATALOG).await?;
    let catalog = storage.table_handle(keys::CATALOG).await?;
    let mut tx = storage.begin().await?;
    let dbs = tx.kv_scan(&catalog, &keys::space(keys::DATABASE), false, usize::MAX).await?;
    let colls = tx.kv_scan(&catalog, &keys::space(keys::COLLECTION), false, usize::MAX).await?;
    let tick = tx.kv_get(&catalog, &[keys::TICK]).await?.map_or(0, |v| u64_of(&v));
    tx.rollback().await?;
    let store = Arc::new(DocStore {
        storage: storage.clone(),
        catalog,
        databases: RwLock::new(BTreeMap::new()),
        clock: super::revision::Clock::default(),
        tick: AtomicU64::new(tick),
        ddl: tokio::sync::Mutex::new(()),
        sweeper: parking_lot::Mutex::new(None),
        vectors: Default::default(),
        graphrag: RwLock::new(None),
    });
    let mut by_id = BTreeMap::new();
    for (key, value) in dbs {
        let id = u64_of(&key);
        let name = catalog::decode_database(&value)?;
        let graph = open_graph(&storage, id).await?;
        let info = DatabaseInfo { name: name.clone(), id: id.to_string(), is_system: name == "_system" };
        by_id.insert(id, Arc::new(DbState { id, info, graph, collections: RwLock::new(Vec::new()) }));
    }
    for (key, value) in colls {
        let db_id = key.get(1..9).map_or(0, u64_of);
        let Some(db) = by_id.get(&db_id) else { continue };
        let record = catalog::decode_collection(&value)?;
        let stale = record.stale_entries;
        let coll = store.load_collection(db_id, record).await?;
        if stale {
            store.rebuild_persistent_indexes(&coll).await?;
        }
        store.tick.fetch_max(coll.key_last.load(Ordering::Relaxed).max(coll.id), Ordering::Relaxed);
        store.clock.advance_past(coll.max_rev.load(Ordering::Relaxed));
        db.collections.write().push(coll);
    }
    {
        let mut map = store.databases.write();
        for db in by_id.into_values() {
            map.insert(db.info.name.clone(), db);
        }
    }
    if store.database_states().iter().all(|d| d.info.name != "_system") {
        store.create_database_now("_system").await?;
    }
    let task = super::ttl::spawn_sweeper(Arc::downgrade(&store));
    *store.sweeper.lock() = task;
    Ok(store)
}

impl DocStore {
    pub(super) fn database_states(&self) -> Vec<Arc<DbState>> {
        self.databases.read().values().cloned().collect()
    }

    pub(super) fn db(&self, name: &str) -> AqlResult<Arc<DbState>> {
        self.databases.read().get(name).cloned().ok_or_else(catalog::database_not_found)
    }

    pub(super) fn next_tick(&self) -> u64 {
        self.tick.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(super) fn clock(&self) -> &super::revision::Clock {
        &self.clock
    }

    /// Writes catalog entries (and the tick) in one transaction.
    pub(super) async fn write_catalog(&self, puts: Vec<(Vec<u8>, Vec<u8>)>, deletes: Vec<Vec<u8>>) -> AqlResult<()> {
        let mut tx = self.storage.begin().await?;
        for (k, v) in puts {
            tx.kv_put(&self.catalog, &k, v).await?;
        }
        for k in deletes {
            tx.kv_delete(&self.catalog, &k).await?;
        }
        let tick = self.tick.load(Ordering::Relaxed);
        tx.kv_put(&self.catalog, &[keys::TICK], tick.to_be_bytes().to_vec()).await?;
        Ok(tx.commit().await?)
    }

    async fn save_collection(&self, coll: &CollState) -> AqlResult<()> {
        self.write_catalog(vec![(keys::collection(coll.db_id, coll.id), coll.record())], Vec::new()).await
    }

    /// A collection's state from its record: its table, and its statistics entries
    /// folded into one (count, highest revision, key generator value).
    async fn load_collection(&self, db_id: u64, record: catalog::CollectionRecord) -> AqlResult<Arc<CollState>> {
        let id = record.info.id;
        let table = keys::collection_table(id);
        ensure_table(self.storage.as_ref(), &table).await?;
        let handle = self.storage.table_handle(&table).await?;
        let totals = super::stats::fold(self.storage.as_ref(), &handle, &self.clock).await?;
        Ok(Arc::new(CollState {
            id,
            db_id,
            table,
            info: RwLock::new(Arc::new(record.info)),
            indexes: RwLock::new(Arc::new(record.indexes)),
            next_index: AtomicU64::new(record.next_index),
            handle: RwLock::new(handle),
            count: AtomicI64::new(totals.count),
            max_rev: AtomicU64::new(totals.max_rev),
            key_last: AtomicU64::new(totals.key_last),
            unfolded: AtomicU64::new(0),
        }))
    }

    // ---- databases ----

    pub(super) async fn create_database_now(&self, name: &str) -> AqlResult<DatabaseInfo> {
        if !catalog::valid_database_name(name) {
            return Err(AqlError::new(num::DATABASE_NAME_INVALID, "database name invalid"));
        }
        let _ddl = self.ddl.lock().await;
        if self.databases.read().contains_key(name) {
            return Err(catalog::duplicate_name());
        }
        let id = if name == "_system" { 1 } else { self.next_tick().max(2) };
        self.tick.fetch_max(id, Ordering::Relaxed);
        let graph = open_graph(&self.storage, id).await?;
        self.write_catalog(vec![(keys::database(id), catalog::database_record(name))], Vec::new()).await?;
        let info = DatabaseInfo { name: name.to_string(), id: id.to_string(), is_system: name == "_system" };
        let db = Arc::new(DbState { id, info: info.clone(), graph, collections: RwLock::new(Vec::new()) });
        self.databases.write().insert(name.to_string(), db.clone());
        let mut system = vec!["_graphs"];
        if name == "_system" {
            system.push("_users");
        }
        for coll in system {
            let spec = CollectionSpec {
                name: coll.into(),
                ty: CollectionType::Document,
                options: Value::object([("isSystem", Value::Bool(true))]),
            };
            self.add_collection(&db, spec).await?;
        }
        Ok(info)
    }

    pub(super) async fn drop_database_now(&self, name: &str) -> AqlResult<()> {
        if name == "_system" {
            return Err(AqlError::new(num::USE_SYSTEM_DATABASE, "operation only allowed in system database"));
        }
        let _ddl = self.ddl.lock().await;
        let db = self.databases.write().remove(name).ok_or_else(catalog::database_not_found)?;
        let colls: Vec<Arc<CollState>> = db.collections.write().drain(..).collect();
        let mut deletes = vec![keys::database(db.id)];
        deletes.extend(colls.iter().map(|c| keys::collection(db.id, c.id)));
        self.write_catalog(Vec::new(), deletes).await?;
        for coll in colls {
            self.vectors.forget(coll.id, None);
            drop_table(self.storage.as_ref(), &coll.table).await?;
        }
        drop_table(self.storage.as_ref(), db.graph.table()).await
    }

    // ---- collections ----

    async fn add_collection(&self, db: &Arc<DbState>, spec: CollectionSpec) -> AqlResult<Arc<CollectionInfo>> {
        let id = self.next_tick();
        let info = catalog::collection_info(id, &spec)?;
        if db.find(&spec.name).is_some() {
            return Err(catalog::duplicate_name());
        }
        let table = keys::collection_table(id);
        ensure_table(self.storage.as_ref(), &table).await?;
        let handle = self.storage.table_handle(&table).await?;
        let info = Arc::new(info);
        let coll = Arc::new(CollState {
            id,
            db_id: db.id,
            table,
            info: RwLock::new(info.clone()),
            indexes: RwLock::new(Arc::new(Vec::new())),
            next_index: AtomicU64::new(2),
            handle: RwLock::new(handle),
            count: AtomicI64::new(0),
            max_rev: AtomicU64::new(0),
            key_last: AtomicU64::new(0),
            unfolded: AtomicU64::new(0),
        });
        self.save_collection(&coll).await?;
        db.collections.write().push(coll);
        Ok(info)
    }

    pub(super) async fn create_collection_now(&self, db: &str, spec: CollectionSpec) -> AqlResult<Arc<CollectionInfo>> {
        let db = self.db(db)?;
        let _ddl = self.ddl.lock().await;
        self.add_collection(&db, spec).await
    }

    pub(super) async fn set_properties_now(
        &self,
        db: &str,
        name: &str,
        body: &Value,
    ) -> AqlResult<Arc<CollectionInfo>> {
        let coll = self.db(db)?.collection(name)?;
        let _ddl = self.ddl.lock().await;
        let next = Arc::new(catalog::with_properties(&coll.info(), body));
        *coll.info.write() = next.clone();
        self.save_collection(&coll).await?;
        Ok(next)
    }

    pub(super) async fn rename_now(&self, db: &str, name: &str, new_name: &str) -> AqlResult<Arc<CollectionInfo>> {
        let db = self.db(db)?;
        let coll = db.collection(name)?;
        let _ddl = self.ddl.lock().await;
        let info = coll.info();
        if !catalog::valid_collection_name(new_name, info.is_system) {
            return Err(catalog::illegal_collection_name());
        }
        if db.find(new_name).is_some_and(|other| other.id != coll.id) {
            return Err(catalog::duplicate_name());
        }
        let next = Arc::new(CollectionInfo { name: new_name.to_string(), ..(*info).clone() });
        *coll.info.write() = next.clone();
        self.save_collection(&coll).await?;
        Ok(next)
    }

    pub(super) async fn truncate_now(&self, db: &str, name: &str) -> AqlResult<()> {
        let db = self.db(db)?;
        let coll = db.collection(name)?;
        let _ddl = self.ddl.lock().await;
        if coll.is_edge() {
            self.unlink_all_edges(&db, &coll).await?;
        }
        self.storage.truncate_table(&coll.table).await?;
        self.vectors.forget(coll.id, None);
        let handle = self.storage.table_handle(&coll.table).await?;
        *coll.handle.write() = handle.clone();
        coll.count.store(0, Ordering::Relaxed);
        // The highest revision and the key generator's value outlive a truncate.
        let (max_rev, key_last) = (coll.max_rev.load(Ordering::Relaxed), coll.key_last.load(Ordering::Relaxed));
        let mut tx = self.storage.begin().await?;
        tx.kv_put(&handle, &keys::stats(self.clock.next()), super::stats::entry(0, max_rev, key_last)).await?;
        Ok(tx.commit().await?)
    }

    pub(super) async fn drop_collection_now(&self, db: &str, name: &str, is_system: bool) -> AqlResult<()> {
        let db = self.db(db)?;
        let coll = db.collection(name)?;
        if coll.info().is_system && !is_system {
            return Err(AqlError::new(num::FORBIDDEN, "forbidden"));
        }
        let _ddl = self.ddl.lock().await;
        if coll.is_edge() {
            self.unlink_all_edges(&db, &coll).await?;
        }
        db.collections.write().retain(|c| c.id != coll.id);
        self.vectors.forget(coll.id, None);
        self.write_catalog(Vec::new(), vec![keys::collection(db.id, coll.id)]).await?;
        drop_table(self.storage.as_ref(), &coll.table).await
    }

    /// Deletes the graph relationships of every edge of `coll`, a page per transaction.
    async fn unlink_all_edges(&self, db: &DbState, coll: &CollState) -> AqlResult<()> {
        let handle = coll.handle();
        let mut range = keys::space(keys::EDGE_REL);
        loop {
            let mut tx = self.storage.begin().await?;
            let page = tx.kv_scan(&handle, &range, false, PAGE).await?;
            let Some((last, _)) = page.last() else {
                tx.rollback().await?;
                return Ok(());
            };
            range.start = std::ops::Bound::Excluded(last.clone());
            let mut g = db.graph.txn_over(tx);
            for (_, rel) in &page {
                match g.delete_relationship(u64_of(rel)).await {
                    Ok(()) | Err(orbit_graph::GraphError::RelationshipNotFound(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let mut tx = g.into_inner();
            for (key, _) in &page {
                tx.kv_delete(&handle, key).await?;
            }
            tx.commit().await?;
        }
    }

    // ---- indexes ----

    pub(super) async fn create_index_now(&self, db: &str, name: &str, body: &Value) -> AqlResult<(IndexInfo, bool)> {
        let coll = self.db(db)?.collection(name)?;
        let _ddl = self.ddl.lock().await;
        let cname = coll.info().name.clone();
        let n = u32::try_from(coll.next_index.load(Ordering::Relaxed))
            .map_err(|_| AqlError::internal("too many indexes created"))?;
        let def = IndexDef::parse(body, n)?;
        let existing = coll.indexes();
        if let Some(same) = existing.iter().find(|i| i.same_as(&def)) {
            if body.get("name").and_then(|v| v.as_str()).is_none_or(|given| given == same.name) {
                return Ok((same.info(&cname), false));
            }
        }
        let ttl = |i: &IndexDef| matches!(i.kind, super::IndexKind::Ttl { .. });
        if ttl(&def) && existing.iter().any(|i| ttl(i)) {
            return Err(AqlError::bad_parameter("there can only be one ttl index per collection"));
        }
        if existing.iter().any(|i| i.name == def.name) || def.name == "primary" || def.name == "edge" {
            return Err(AqlError::new(num::DUPLICATE_NAME, format!("duplicate value: index name '{}'", def.name)));
        }
        let def = Arc::new(def);
        // Writers that start from now on keep the new index's entries while it is built;
        // its number is never handed out again, even when the build fails.
        coll.next_index.store(u64::from(n) + 1, Ordering::Relaxed);
        let mut list = (*existing).clone();
        list.push(def.clone());
        *coll.indexes.write() = Arc::new(list);
        let mut tx = self.storage.begin().await?;
        let built = match super::documents::build_index(tx.as_mut(), &coll, &def).await {
            Ok(()) => tx.commit().await.map_err(AqlError::from),
            Err(e) => {
                tx.rollback().await?;
                Err(e)
            }
        };
        if let Err(e) = built {
            *coll.indexes.write() = existing;
            let prefix = keys::index_prefix(def.n, &[]);
            orbit_storage::purge_kv_prefix(self.storage.as_ref(), &coll.handle(), &prefix, PAGE).await?;
            return Err(e);
        }
        self.save_collection(&coll).await?;
        Ok((def.info(&cname), true))
    }

    /// Writes the entries of the collection's persistent indexes anew (after a change of
    /// their encoding), then its record in the current encoding.
    async fn rebuild_persistent_indexes(&self, coll: &CollState) -> AqlResult<()> {
        let defs: Vec<Arc<IndexDef>> =
            coll.indexes().iter().filter(|d| d.kind == super::IndexKind::Persistent).cloned().collect();
        if defs.is_empty() {
            return Ok(());
        }
        for def in &defs {
            let prefix = keys::index_prefix(def.n, &[]);
            orbit_storage::purge_kv_prefix(self.storage.as_ref(), &coll.handle(), &prefix, PAGE).await?;
            let mut tx = self.storage.begin().await?;
            match super::documents::build_index(tx.as_mut(), coll, def).await {
                Ok(()) => tx.commit().await?,
                Err(e) => {
                    tx.rollback().await?;
                    return Err(e);
                }
            }
        }
        self.save_collection(coll).await
    }

    pub(super) async fn drop_index_now(&self, db: &str, name: &str, id: &str) -> AqlResult<()> {
        let coll = self.db(db)?.collection(name)?;
        let _ddl = self.ddl.lock().await;
        let wanted = id.rsplit_once('/').map_or(id, |(_, n)| n);
        if matches!(wanted, "0" | "primary") || (coll.is_edge() && matches!(wanted, "1" | "edge")) {
            return Err(AqlError::new(num::FORBIDDEN, "cannot drop the primary or edge index"));
        }
        let existing = coll.indexes();
        let def = existing
            .iter()
            .find(|i| i.n.to_string() == wanted || i.name == id || i.name == wanted)
            .cloned()
            .ok_or_else(|| AqlError::new(num::INDEX_NOT_FOUND, "index not found"))?;
        let list: Vec<_> = existing.iter().filter(|i| i.n != def.n).cloned().collect();
        *coll.indexes.write() = Arc::new(list);
        self.vectors.forget(coll.id, Some(def.n));
        self.save_collection(&coll).await?;
        let prefix = keys::index_prefix(def.n, &[]);
        orbit_storage::purge_kv_prefix(self.storage.as_ref(), &coll.handle(), &prefix, PAGE).await?;
        Ok(())
    }
}

async fn drop_table(storage: &dyn TableStorage, name: &str) -> AqlResult<()> {
    match storage.drop_table(name).await {
        Ok(()) | Err(StorageError::TableNotFound(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
