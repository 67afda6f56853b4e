//! The schema catalog: keyspaces, tables (with their secondary indexes) and user types,
//! persisted as catalog entries of the CQL storage ([`super::space`]) in the binary form
//! of [`super::schema_codec`], reloaded on start, and kept in memory for lookups. Every
//! DDL writes its entries and a new schema version uuid in one storage transaction; DDL
//! statements are serialized by one lock. The system keyspaces always exist and refuse
//! user changes.

use super::keys::push_escaped;
use super::roles::{decode_role, encode_role, RoleDef};
use super::schema_codec::{decode_keyspace, decode_table, decode_type, encode_keyspace, encode_table, encode_type};
use super::space::{self, CATALOG};
use crate::error::{CqlError, CqlResult};
use crate::schema::{IndexDef, KeyspaceDef, Replication, TableDef, UserTypeDef};
use crate::types::CqlType;
use orbit_storage::engine::KeyRange;
use orbit_storage::{TableHandle, TableStorage};
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::sync::Arc;

pub const SYSTEM_KEYSPACES: [&str; 6] =
    ["system", "system_schema", "system_auth", "system_distributed", "system_traces", "system_virtual_schema"];

const VERSION: u8 = b'v';
const KEYSPACE: u8 = b'k';
const TABLE: u8 = b't';
const TYPE: u8 = b'u';
const ROLE: u8 = b'r';

pub fn is_system_keyspace(name: &str) -> bool {
    SYSTEM_KEYSPACES.contains(&name)
}

#[derive(Default, Clone)]
struct State {
    keyspaces: BTreeMap<String, KeyspaceDef>,
    tables: BTreeMap<(String, String), Arc<TableDef>>,
    types: BTreeMap<(String, String), Arc<UserTypeDef>>,
    roles: BTreeMap<String, RoleDef>,
    version: [u8; 16],
}

pub struct Catalog {
    storage: Arc<dyn TableStorage>,
    handle: TableHandle,
    state: RwLock<State>,
    ddl: tokio::sync::Mutex<()>,
}

fn entry_key(kind: u8, names: &[&str]) -> Vec<u8> {
    let mut key = vec![CATALOG, kind];
    for n in names {
        push_escaped(&mut key, n.as_bytes());
    }
    key
}

fn not_modifiable(ks: &str) -> CqlError {
    CqlError::unauthorized(format!("{ks} keyspace is not user-modifiable."))
}

fn no_keyspace(ks: &str) -> CqlError {
    CqlError::invalid(format!("Keyspace '{ks}' does not exist"))
}

fn system_keyspace(name: &str) -> KeyspaceDef {
    let replication = if name == "system_auth" || name == "system_distributed" || name == "system_traces" {
        Replication::Simple {
            replication_factor: match name {
                "system_distributed" => 3,
                "system_traces" => 2,
                _ => 1,
            },
        }
    } else {
        Replication::Local
    };
    KeyspaceDef { name: name.to_string(), replication, durable_writes: true }
}

/// One catalog change: entries to write or delete, applied with a new version.
#[derive(Default)]
struct Change {
    put: Vec<(Vec<u8>, Vec<u8>)>,
    delete: Vec<Vec<u8>>,
}

impl Catalog {
    /// Opens the catalog of `storage`, creating the CQL storage table when missing.
    pub async fn open(storage: Arc<dyn TableStorage>) -> CqlResult<Arc<Catalog>> {
        let handle = space::open(storage.as_ref()).await?;
        let mut state = State::default();
        let mut tx = storage.begin().await?;
        let mut range = KeyRange::prefix(&[CATALOG]);
        loop {
            let batch = tx.kv_scan(&handle, &range, false, 512).await?;
            let Some((last, _)) = batch.last() else { break };
            range.start = std::ops::Bound::Excluded(last.clone());
            for (key, value) in &batch {
                match key.get(1) {
                    Some(&VERSION) => {
                        state.version = <[u8; 16]>::try_from(value.as_slice())
                            .map_err(|_| CqlError::server("stored schema version is malformed"))?
                    }
                    Some(&KEYSPACE) => {
                        let ks = decode_keyspace(value)?;
                        state.keyspaces.insert(ks.name.clone(), ks);
                    }
                    Some(&TABLE) => {
                        let t = decode_table(value)?;
                        state.tables.insert((t.keyspace.clone(), t.name.clone()), Arc::new(t));
                    }
                    Some(&TYPE) => {
                        let t = decode_type(value)?;
                        state.types.insert((t.keyspace.clone(), t.name.clone()), Arc::new(t));
                    }
                    Some(&ROLE) => {
                        let r = decode_role(value)?;
                        state.roles.insert(r.name.clone(), r);
                    }
                    _ => return Err(CqlError::server("unknown catalog entry")),
                }
            }
        }
        tx.rollback().await?;
        if state.version == [0; 16] {
            state.version = space::random_uuid();
        }
        Ok(Arc::new(Catalog { storage, handle, state: RwLock::new(state), ddl: tokio::sync::Mutex::new(()) }))
    }

    pub fn storage(&self) -> &Arc<dyn TableStorage> {
        &self.storage
    }
    pub fn handle(&self) -> &TableHandle {
        &self.handle
    }

    /// The schema version uuid (changes on every DDL).
    pub fn version(&self) -> [u8; 16] {
        self.state.read().version
    }

    /// User keyspaces and the system keyspaces, by name.
    pub fn keyspaces(&self) -> Vec<KeyspaceDef> {
        let state = self.state.read();
        let mut all: Vec<KeyspaceDef> = SYSTEM_KEYSPACES.iter().map(|n| system_keyspace(n)).collect();
        all.extend(state.keyspaces.values().cloned());
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    pub fn keyspace(&self, name: &str) -> Option<KeyspaceDef> {
        if is_system_keyspace(name) {
            return Some(system_keyspace(name));
        }
        self.state.read().keyspaces.get(name).cloned()
    }

    pub fn table(&self, keyspace: &str, name: &str) -> Option<Arc<TableDef>> {
        self.state.read().tables.get(&(keyspace.to_string(), name.to_string())).cloned()
    }

    /// The user tables of a keyspace, by name.
    pub fn tables(&self, keyspace: &str) -> Vec<Arc<TableDef>> {
        self.state.read().tables.values().filter(|t| t.keyspace == keyspace).cloned().collect()
    }

    pub fn user_type(&self, keyspace: &str, name: &str) -> Option<Arc<UserTypeDef>> {
        self.state.read().types.get(&(keyspace.to_string(), name.to_string())).cloned()
    }

    pub fn user_types(&self, keyspace: &str) -> Vec<Arc<UserTypeDef>> {
        self.state.read().types.values().filter(|t| t.keyspace == keyspace).cloned().collect()
    }

    /// Registers a read-only view table (the system keyspaces' tables, answered from an
    /// in-memory model): kept in memory only, never persisted, no schema version change.
    pub fn install_view(&self, def: TableDef) {
        self.state.write().tables.insert((def.keyspace.clone(), def.name.clone()), Arc::new(def));
    }

    /// Replaces `UdtRef`s by the keyspace's resolved `Udt`s.
    pub fn resolve_type(&self, keyspace: &str, ty: &CqlType) -> CqlResult<CqlType> {
        Ok(match ty {
            CqlType::UdtRef { keyspace: ks, name } => {
                let ks = ks.as_deref().unwrap_or(keyspace);
                let def =
                    self.user_type(ks, name).ok_or_else(|| CqlError::invalid(format!("Unknown type {ks}.{name}")))?;
                CqlType::Udt { keyspace: def.keyspace.clone(), name: def.name.clone(), fields: def.fields.clone() }
            }
            CqlType::List(e) => CqlType::List(Box::new(self.resolve_type(keyspace, e)?)),
            CqlType::Set(e) => CqlType::Set(Box::new(self.resolve_type(keyspace, e)?)),
            CqlType::Map(k, v) => {
                CqlType::Map(Box::new(self.resolve_type(keyspace, k)?), Box::new(self.resolve_type(keyspace, v)?))
            }
            CqlType::Tuple(items) => {
                CqlType::Tuple(items.iter().map(|t| self.resolve_type(keyspace, t)).collect::<CqlResult<_>>()?)
            }
            CqlType::Frozen(inner) => CqlType::Frozen(Box::new(self.resolve_type(keyspace, inner)?)),
            other => other.clone(),
        })
    }

    /// The roles of CREATE ROLE, by name.
    pub fn roles(&self) -> Vec<RoleDef> {
        self.state.read().roles.values().cloned().collect()
    }

    pub fn role(&self, name: &str) -> Option<RoleDef> {
        self.state.read().roles.get(name).cloned()
    }

    /// Stores (creates or replaces) a role; the schema version stays.
    pub async fn put_role(&self, role: RoleDef) -> CqlResult<()> {
        let _ddl = self.ddl.lock().await;
        let mut tx = self.storage.begin().await?;
        tx.kv_put(&self.handle, &entry_key(ROLE, &[&role.name]), encode_role(&role)).await?;
        tx.commit().await?;
        self.state.write().roles.insert(role.name.clone(), role);
        Ok(())
    }

    /// Removes a role; false when there was none.
    pub async fn drop_role(&self, name: &str) -> CqlResult<bool> {
        let _ddl = self.ddl.lock().await;
        if !self.state.read().roles.contains_key(name) {
            return Ok(false);
        }
        let mut tx = self.storage.begin().await?;
        tx.kv_delete(&self.handle, &entry_key(ROLE, &[name])).await?;
        tx.commit().await?;
        self.state.write().roles.remove(name);
        Ok(true)
    }

    async fn apply(&self, change: Change, update: impl FnOnce(&mut State)) -> CqlResult<()> {
        let version = space::random_uuid();
        let mut tx = self.storage.begin().await?;
        for (k, v) in change.put {
            tx.kv_put(&self.handle, &k, v).await?;
        }
        for k in change.delete {
            tx.kv_delete(&self.handle, &k).await?;
        }
        tx.kv_put(&self.handle, &[CATALOG, VERSION], version.to_vec()).await?;
        tx.commit().await?;
        let mut state = self.state.write();
        update(&mut state);
        state.version = version;
        Ok(())
    }

    fn user_keyspace(&self, name: &str) -> CqlResult<()> {
        if is_system_keyspace(name) {
            return Err(not_modifiable(name));
        }
        if !self.state.read().keyspaces.contains_key(name) {
            return Err(no_keyspace(name));
        }
        Ok(())
    }

    /// CREATE KEYSPACE; `Ok(false)` when it existed and `if_not_exists` was given.
    pub async fn create_keyspace(&self, def: KeyspaceDef, if_not_exists: bool) -> CqlResult<bool> {
        let _ddl = self.ddl.lock().await;
        if self.keyspace(&def.name).is_some() {
            if if_not_exists {
                return Ok(false);
            }
            return Err(CqlError::AlreadyExists {
                message: format!("Keyspace {} already exists", def.name),
                keyspace: def.name,
                table: String::new(),
            });
        }
        let change = Change { put: vec![(entry_key(KEYSPACE, &[&def.name]), encode_keyspace(&def))], delete: vec![] };
        self.apply(change, |s| {
            s.keyspaces.insert(def.name.clone(), def);
        })
        .await?;
        Ok(true)
    }

    pub async fn alter_keyspace(&self, def: KeyspaceDef) -> CqlResult<()> {
        let _ddl = self.ddl.lock().await;
        self.user_keyspace(&def.name)?;
        let change = Change { put: vec![(entry_key(KEYSPACE, &[&def.name]), encode_keyspace(&def))], delete: vec![] };
        self.apply(change, |s| {
            s.keyspaces.insert(def.name.clone(), def);
        })
        .await
    }

    /// DROP KEYSPACE with its tables and types; answers the dropped tables (whose cells
    /// the store purges), or `None` when it did not exist and `if_exists` was given.
    pub async fn drop_keyspace(&self, name: &str, if_exists: bool) -> CqlResult<Option<Vec<Arc<TableDef>>>> {
        let _ddl = self.ddl.lock().await;
        if is_system_keyspace(name) {
            return Err(not_modifiable(name));
        }
        if !self.state.read().keyspaces.contains_key(name) {
            if if_exists {
                return Ok(None);
            }
            return Err(CqlError::invalid(format!("Cannot drop non existing keyspace '{name}'.")));
        }
        let tables = self.tables(name);
        let types = self.user_types(name);
        let mut change = Change { put: vec![], delete: vec![entry_key(KEYSPACE, &[name])] };
        change.delete.extend(tables.iter().map(|t| entry_key(TABLE, &[name, &t.name])));
        change.delete.extend(types.iter().map(|t| entry_key(TYPE, &[name, &t.name])));
        self.apply(change, |s| {
            s.keyspaces.remove(name);
            s.tables.retain(|(ks, _), _| ks != name);
            s.types.retain(|(ks, _), _| ks != name);
        })
        .await?;
        Ok(Some(tables))
    }

    /// CREATE TABLE (the definition's types already resolved); `Ok(false)` when it
    /// existed and `if_not_exists` was given.
    pub async fn create_table(&self, def: TableDef, if_not_exists: bool) -> CqlResult<bool> {
        let _ddl = self.ddl.lock().await;
        self.user_keyspace(&def.keyspace)?;
        if self.table(&def.keyspace, &def.name).is_some() {
            if if_not_exists {
                return Ok(false);
            }
            return Err(CqlError::AlreadyExists {
                message: format!("Cannot add already existing table \"{}\" to keyspace \"{}\"", def.name, def.keyspace),
                keyspace: def.keyspace,
                table: def.name,
            });
        }
        self.put_table(def).await?;
        Ok(true)
    }

    async fn put_table(&self, def: TableDef) -> CqlResult<()> {
        let change =
            Change { put: vec![(entry_key(TABLE, &[&def.keyspace, &def.name]), encode_table(&def))], delete: vec![] };
        self.apply(change, |s| {
            s.tables.insert((def.keyspace.clone(), def.name.clone()), Arc::new(def));
        })
        .await
    }

    fn existing_table(&self, keyspace: &str, name: &str) -> CqlResult<Arc<TableDef>> {
        self.user_keyspace(keyspace)?;
        self.table(keyspace, name).ok_or_else(|| CqlError::invalid(format!("Table '{keyspace}.{name}' doesn't exist")))
    }

    /// ALTER TABLE: `change` edits a copy of the definition, which replaces it.
    pub async fn alter_table(
        &self,
        keyspace: &str,
        name: &str,
        change: impl FnOnce(&mut TableDef) -> CqlResult<()>,
    ) -> CqlResult<Arc<TableDef>> {
        let _ddl = self.ddl.lock().await;
        let mut def = (*self.existing_table(keyspace, name)?).clone();
        change(&mut def)?;
        def.keyspace = keyspace.to_string();
        def.name = name.to_string();
        self.put_table(def).await?;
        self.existing_table(keyspace, name)
    }

    /// DROP TABLE; answers the dropped table, or `None` when it did not exist and
    /// `if_exists` was given.
    pub async fn drop_table(&self, keyspace: &str, name: &str, if_exists: bool) -> CqlResult<Option<Arc<TableDef>>> {
        let _ddl = self.ddl.lock().await;
        if is_system_keyspace(keyspace) {
            return Err(not_modifiable(keyspace));
        }
        let table = match self.existing_table(keyspace, name) {
            Ok(t) => t,
            Err(_) if if_exists => return Ok(None),
            Err(e) => return Err(e),
        };
        let change = Change { put: vec![], delete: vec![entry_key(TABLE, &[keyspace, name])] };
        self.apply(change, |s| {
            s.tables.remove(&(keyspace.to_string(), name.to_string()));
        })
        .await?;
        Ok(Some(table))
    }

    pub async fn create_type(&self, def: UserTypeDef, if_not_exists: bool) -> CqlResult<bool> {
        let _ddl = self.ddl.lock().await;
        self.user_keyspace(&def.keyspace)?;
        if self.user_type(&def.keyspace, &def.name).is_some() {
            if if_not_exists {
                return Ok(false);
            }
            return Err(CqlError::invalid(format!("A user type with name '{}' already exists", def.name)));
        }
        let change =
            Change { put: vec![(entry_key(TYPE, &[&def.keyspace, &def.name]), encode_type(&def))], delete: vec![] };
        self.apply(change, |s| {
            s.types.insert((def.keyspace.clone(), def.name.clone()), Arc::new(def));
        })
        .await?;
        Ok(true)
    }

    pub async fn drop_type(&self, keyspace: &str, name: &str, if_exists: bool) -> CqlResult<bool> {
        let _ddl = self.ddl.lock().await;
        self.user_keyspace(keyspace)?;
        if self.user_type(keyspace, name).is_none() {
            if if_exists {
                return Ok(false);
            }
            return Err(CqlError::invalid(format!("Type '{keyspace}.{name}' doesn't exist")));
        }
        let uses = |ty: &CqlType| type_mentions(ty, keyspace, name);
        if let Some(t) = self.tables(keyspace).iter().find(|t| t.columns.iter().any(|c| uses(&c.ty))) {
            return Err(CqlError::invalid(format!(
                "Cannot drop user type {keyspace}.{name} as it is still used by table {keyspace}.{}",
                t.name
            )));
        }
        if let Some(t) = self.user_types(keyspace).iter().find(|t| t.fields.iter().any(|(_, f)| uses(f))) {
            return Err(CqlError::invalid(format!(
                "Cannot drop user type {keyspace}.{name} as it is still used by user type {}",
                t.name
            )));
        }
        let change = Change { put: vec![], delete: vec![entry_key(TYPE, &[keyspace, name])] };
        self.apply(change, |s| {
            s.types.remove(&(keyspace.to_string(), name.to_string()));
        })
        .await?;
        Ok(true)
    }

    /// ALTER TYPE: `change` edits a copy of the type (fields may only be added or
    /// renamed, which the caller checks); the tables and types that embed it get the new
    /// definition in the same change.
    pub async fn alter_type(
        &self,
        keyspace: &str,
        name: &str,
        change: impl FnOnce(&mut UserTypeDef) -> CqlResult<()>,
    ) -> CqlResult<()> {
        let _ddl = self.ddl.lock().await;
        self.user_keyspace(keyspace)?;
        let mut def = (*self
            .user_type(keyspace, name)
            .ok_or_else(|| CqlError::invalid(format!("Unknown type {keyspace}.{name}")))?)
        .clone();
        change(&mut def)?;
        def.keyspace = keyspace.to_string();
        def.name = name.to_string();
        let mut tables = Vec::new();
        for t in self.tables(keyspace) {
            let mut t = (*t).clone();
            let mut touched = false;
            for c in &mut t.columns {
                touched |= replace_udt(&mut c.ty, &def);
            }
            if touched {
                tables.push(t);
            }
        }
        let mut types = vec![def.clone()];
        for other in self.user_types(keyspace) {
            let mut other = (*other).clone();
            let mut touched = false;
            for (_, f) in &mut other.fields {
                touched |= replace_udt(f, &def);
            }
            if touched && other.name != def.name {
                types.push(other);
            }
        }
        let mut change = Change::default();
        change.put.extend(types.iter().map(|t| (entry_key(TYPE, &[&t.keyspace, &t.name]), encode_type(t))));
        change.put.extend(tables.iter().map(|t| (entry_key(TABLE, &[&t.keyspace, &t.name]), encode_table(t))));
        self.apply(change, |s| {
            for t in types {
                s.types.insert((t.keyspace.clone(), t.name.clone()), Arc::new(t));
            }
            for t in tables {
                s.tables.insert((t.keyspace.clone(), t.name.clone()), Arc::new(t));
            }
        })
        .await
    }

    /// CREATE INDEX on `table`; index names are unique within the keyspace.
    pub async fn create_index(
        &self,
        keyspace: &str,
        table: &str,
        index: IndexDef,
        if_not_exists: bool,
    ) -> CqlResult<bool> {
        let _ddl = self.ddl.lock().await;
        let mut def = (*self.existing_table(keyspace, table)?).clone();
        if self.tables(keyspace).iter().any(|t| t.indexes.iter().any(|i| i.name == index.name)) {
            if if_not_exists {
                return Ok(false);
            }
            return Err(CqlError::invalid(format!("Index '{}' already exists", index.name)));
        }
        if def.column(&index.column).is_none() {
            return Err(CqlError::invalid(format!("No column definition found for column {}", index.column)));
        }
        if let Some(same) = def.indexes.iter().find(|i| i.column == index.column && i.target == index.target) {
            if if_not_exists {
                return Ok(false);
            }
            return Err(CqlError::invalid(format!(
                "Index {} is a duplicate of existing index {}",
                index.name, same.name
            )));
        }
        def.indexes.push(index);
        self.put_table(def).await?;
        Ok(true)
    }

    pub async fn drop_index(&self, keyspace: &str, name: &str, if_exists: bool) -> CqlResult<bool> {
        let _ddl = self.ddl.lock().await;
        self.user_keyspace(keyspace)?;
        let Some(table) = self.tables(keyspace).into_iter().find(|t| t.indexes.iter().any(|i| i.name == name)) else {
            if if_exists {
                return Ok(false);
            }
            return Err(CqlError::invalid(format!(
                "Index '{name}' could not be found in any of the tables of keyspace '{keyspace}'"
            )));
        };
        let mut def = (*table).clone();
        def.indexes.retain(|i| i.name != name);
        self.put_table(def).await?;
        Ok(true)
    }
}

/// Puts `def`'s fields into every resolved use of it inside `ty`; true when any.
fn replace_udt(ty: &mut CqlType, def: &UserTypeDef) -> bool {
    match ty {
        CqlType::Udt { keyspace, name, fields } => {
            let mut touched = false;
            for (_, f) in fields.iter_mut() {
                touched |= replace_udt(f, def);
            }
            if *keyspace == def.keyspace && *name == def.name {
                *fields = def.fields.clone();
                touched = true;
            }
            touched
        }
        CqlType::List(e) | CqlType::Set(e) | CqlType::Frozen(e) => replace_udt(e, def),
        CqlType::Map(k, v) => replace_udt(k, def) | replace_udt(v, def),
        CqlType::Tuple(items) => items.iter_mut().fold(false, |acc, t| replace_udt(t, def) | acc),
        _ => false,
    }
}

fn type_mentions(ty: &CqlType, keyspace: &str, name: &str) -> bool {
    match ty {
        CqlType::Udt { keyspace: ks, name: n, fields } => {
            (ks == keyspace && n == name) || fields.iter().any(|(_, f)| type_mentions(f, keyspace, name))
        }
        CqlType::UdtRef { name: n, .. } => n == name,
        CqlType::List(e) | CqlType::Set(e) | CqlType::Frozen(e) => type_mentions(e, keyspace, name),
        CqlType::Map(k, v) => type_mentions(k, keyspace, name) || type_mentions(v, keyspace, name),
        CqlType::Tuple(items) => items.iter().any(|t| type_mentions(t, keyspace, name)),
        _ => false,
    }
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
