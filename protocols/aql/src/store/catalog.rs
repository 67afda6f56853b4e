//! The catalog: databases and collections (with their index definitions), held in memory
//! and persisted in the catalog table ([`super::keys::CATALOG`]); reloaded by
//! [`super::DocStore::open`]. Names follow ArangoDB's extended naming (the 3.12
//! default): Unicode allowed; no `/` and no control characters; not starting with a
//! digit, `.` or a space, not ending with a space; only system names start with `_`.
//! Databases also exclude `:` and have at most 128 bytes, collections and indexes 256.

use super::indexes::IndexDef;
use super::keygen;
use super::{CollectionInfo, CollectionSpec, CollectionType, DatabaseInfo};
use crate::error::{num, AqlError, AqlResult};
use crate::value::{binary, Object, Value};
use orbit_graph::Graph;
use orbit_storage::TableHandle;
use parking_lot::RwLock;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

fn extended_name_ok(name: &str, max: usize, system: bool) -> bool {
    (1..=max).contains(&name.len())
        && !name.chars().any(|c| c == '/' || (c as u32) < 32)
        && !name.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
        && !name.ends_with(' ')
        && name.starts_with('_') == system
}

pub fn valid_database_name(name: &str) -> bool {
    name == "_system" || (!name.contains(':') && extended_name_ok(name, 128, false))
}

/// Valid for a collection; `system` names must start with `_`, others must not.
pub fn valid_collection_name(name: &str, system: bool) -> bool {
    extended_name_ok(name, 256, system)
}

pub fn valid_index_name(name: &str) -> bool {
    extended_name_ok(name, 256, name.starts_with('_'))
}

pub fn illegal_collection_name() -> AqlError {
    AqlError::new(num::ILLEGAL_NAME, "illegal name: collection name invalid")
}

pub fn database_not_found() -> AqlError {
    AqlError::new(num::DATABASE_NOT_FOUND, "database not found")
}

pub fn collection_not_found(name: &str) -> AqlError {
    AqlError::new(num::DATA_SOURCE_NOT_FOUND, format!("collection or view not found: {name}"))
}

pub fn duplicate_name() -> AqlError {
    AqlError::new(num::DUPLICATE_NAME, "duplicate name")
}

/// A database as the store holds it.
pub struct DbState {
    pub id: u64,
    pub info: DatabaseInfo,
    pub graph: Arc<Graph>,
    pub collections: RwLock<Vec<Arc<CollState>>>,
}

impl DbState {
    pub fn find(&self, name: &str) -> Option<Arc<CollState>> {
        let colls = self.collections.read();
        colls
            .iter()
            .find(|c| c.info().name == name)
            .or_else(|| colls.iter().find(|c| c.id.to_string() == name))
            .cloned()
    }

    pub fn collection(&self, name: &str) -> AqlResult<Arc<CollState>> {
        self.find(name).ok_or_else(|| collection_not_found(name))
    }
}

/// A collection as the store holds it: its definition, indexes, table and the counts
/// committed transactions have added up.
pub struct CollState {
    pub id: u64,
    pub db_id: u64,
    pub table: String,
    pub info: RwLock<Arc<CollectionInfo>>,
    pub indexes: RwLock<Arc<Vec<Arc<IndexDef>>>>,
    pub next_index: AtomicU64,
    pub handle: RwLock<TableHandle>,
    pub count: AtomicI64,
    pub max_rev: AtomicU64,
    pub key_last: AtomicU64,
    /// Commits since the statistics entries were last folded ([`super::stats`]).
    pub unfolded: AtomicU64,
}

impl CollState {
    pub fn info(&self) -> Arc<CollectionInfo> {
        self.info.read().clone()
    }
    pub fn indexes(&self) -> Arc<Vec<Arc<IndexDef>>> {
        self.indexes.read().clone()
    }
    pub fn handle(&self) -> TableHandle {
        self.handle.read().clone()
    }
    pub fn is_edge(&self) -> bool {
        self.info.read().ty == CollectionType::Edge
    }

    /// The catalog record: the definition, the indexes and the next index number.
    pub fn record(&self) -> Vec<u8> {
        let info = self.info();
        let mut o = Object::new();
        o.insert("id".into(), Value::Int(self.id as i64));
        o.insert("name".into(), Value::str(info.name.clone()));
        o.insert("type".into(), Value::Int(info.ty as i64));
        o.insert("isSystem".into(), Value::Bool(info.is_system));
        o.insert("keyOptions".into(), keygen::options_value(&info.key_options, 0));
        o.insert("waitForSync".into(), Value::Bool(info.wait_for_sync));
        o.insert("schema".into(), info.schema.clone());
        o.insert("computedValues".into(), info.computed_values.clone());
        o.insert("extra".into(), Value::Object(info.extra.clone()));
        o.insert("nextIndex".into(), Value::Int(self.next_index.load(Ordering::Relaxed) as i64));
        o.insert("keyEncoding".into(), Value::Int(KEY_ENCODING as i64));
        let indexes = self.indexes().iter().map(|i| i.to_record()).collect();
        o.insert("indexes".into(), Value::Array(indexes));
        binary::encode(&Value::Object(o))
    }

    pub fn note_committed(&self, count: i64, max_rev: u64, key_last: u64) {
        self.count.fetch_add(count, Ordering::Relaxed);
        self.max_rev.fetch_max(max_rev, Ordering::Relaxed);
        self.key_last.fetch_max(key_last, Ordering::Relaxed);
    }
}

fn corrupt(what: &str) -> AqlError {
    AqlError::internal(format!("stored catalog entry is malformed: {what}"))
}

fn int(v: Option<&Value>) -> u64 {
    v.and_then(|v| v.as_f64()).map_or(0, |f| f.max(0.0) as u64)
}

fn flag(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

/// The encoding of index entries' values ([`super::keys::push_value`]) records are
/// written with: 2 since strings are stored as their collation sort key (before, their
/// bytes; such persistent indexes are rebuilt when the store opens).
pub const KEY_ENCODING: u64 = 2;

/// What a collection record says: the definition, indexes and next index number, and
/// whether its persistent indexes' entries are in an older encoding.
pub struct CollectionRecord {
    pub info: CollectionInfo,
    pub indexes: Vec<Arc<IndexDef>>,
    pub next_index: u64,
    pub stale_entries: bool,
}

pub fn decode_collection(bytes: &[u8]) -> AqlResult<CollectionRecord> {
    let v = binary::decode(bytes).map_err(|e| corrupt(&e))?;
    let name = v.get("name").and_then(|n| n.as_str()).ok_or_else(|| corrupt("collection name"))?.to_string();
    let ty = if int(v.get("type")) == 3 { CollectionType::Edge } else { CollectionType::Document };
    let key_options = keygen::parse_options(v.get("keyOptions")).map_err(|_| corrupt("key options"))?;
    let mut indexes = Vec::new();
    for record in v.get("indexes").and_then(|i| i.as_array()).unwrap_or(&[]) {
        indexes.push(Arc::new(IndexDef::from_record(record).ok_or_else(|| corrupt("index"))?));
    }
    let info = CollectionInfo {
        id: int(v.get("id")),
        name,
        ty,
        is_system: flag(v.get("isSystem")),
        key_options,
        wait_for_sync: flag(v.get("waitForSync")),
        schema: v.get("schema").cloned().unwrap_or_default(),
        computed_values: v.get("computedValues").cloned().unwrap_or_default(),
        extra: v.get("extra").and_then(|e| e.as_object()).cloned().unwrap_or_default(),
    };
    let stale_entries = int(v.get("keyEncoding")) < KEY_ENCODING;
    Ok(CollectionRecord { info, indexes, next_index: int(v.get("nextIndex")).max(2), stale_entries })
}

pub fn database_record(name: &str) -> Vec<u8> {
    binary::encode(&Value::object([("name", Value::str(name))]))
}

pub fn decode_database(bytes: &[u8]) -> AqlResult<String> {
    let v = binary::decode(bytes).map_err(|e| corrupt(&e))?;
    v.get("name").and_then(|n| n.as_str()).map(str::to_string).ok_or_else(|| corrupt("database name"))
}

/// Attributes of a collection request that are kept and reported as given.
const KEPT: &[&str] = &["cacheEnabled", "replicationFactor", "writeConcern", "numberOfShards", "shardKeys"];

/// The definition a create request asks for; 1208 for an illegal name, 1232 for bad key
/// options.
pub fn collection_info(id: u64, spec: &CollectionSpec) -> AqlResult<CollectionInfo> {
    let options = &spec.options;
    let is_system = spec.name.starts_with('_');
    let declared_system = flag(options.get("isSystem"));
    if !valid_collection_name(&spec.name, is_system) || (is_system && !declared_system) {
        return Err(illegal_collection_name());
    }
    let key_options = keygen::parse_options(options.get("keyOptions"))?;
    let mut extra = Object::new();
    for name in KEPT {
        if let Some(v) = options.get(name) {
            extra.insert((*name).to_string(), v.clone());
        }
    }
    Ok(CollectionInfo {
        id,
        name: spec.name.clone(),
        ty: spec.ty,
        is_system,
        key_options,
        wait_for_sync: flag(options.get("waitForSync")),
        schema: options.get("schema").cloned().unwrap_or_default(),
        computed_values: options.get("computedValues").cloned().unwrap_or_default(),
        extra,
    })
}

/// The definition after `PUT .../properties` with `body`.
pub fn with_properties(info: &CollectionInfo, body: &Value) -> CollectionInfo {
    let mut next = info.clone();
    if let Some(Value::Bool(b)) = body.get("waitForSync") {
        next.wait_for_sync = *b;
    }
    if let Some(schema) = body.get("schema") {
        next.schema = schema.clone();
    }
    if let Some(cv) = body.get("computedValues") {
        next.computed_values = cv.clone();
    }
    for name in KEPT {
        if let Some(v) = body.get(name) {
            next.extra.insert((*name).to_string(), v.clone());
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_database_name("_system"));
        assert!(valid_database_name("mydb"));
        assert!(valid_database_name("Ünïcödé-db"));
        assert!(!valid_database_name("_mine"));
        assert!(!valid_database_name("1db"));
        assert!(!valid_database_name(""));
        assert!(valid_database_name(&"a".repeat(128)));
        assert!(!valid_database_name(&"a".repeat(129)));
        assert!(!valid_database_name("a:b"));
        assert!(!valid_database_name(" a"));
        assert!(!valid_database_name(".a"));
        assert!(!valid_database_name("a\u{1}"));
        assert!(!valid_database_name("a/b"));
        assert!(valid_collection_name("users", false));
        assert!(valid_collection_name("_graphs", true));
        assert!(!valid_collection_name("_graphs", false));
        assert!(!valid_collection_name("9lives", false));
        assert!(!valid_collection_name(&"c".repeat(257), false));
        assert!(valid_collection_name("café", false));
        assert!(valid_collection_name("a:b", false));
        assert!(valid_collection_name("-dash", false));
        assert!(!valid_collection_name("trailing ", false));
        assert!(valid_index_name("my index"));
        assert!(!valid_index_name("1st"));
    }
}
