//! The system keyspaces (system.local, system.peers*, system_schema.*) as read-only
//! views: their rows ([`crate::system`]) are written into an in-memory model of their
//! own, rebuilt whenever the schema version changes, so every SELECT feature (WHERE on
//! keys, projections, paging, aggregates, prepared statements) works on them exactly as
//! on user tables. Writes to them answer Unauthorized, like Cassandra's.

use super::bind::Bound;
use super::run::Runner;
use super::write;
use crate::engine::QueryParams;
use crate::error::{CqlError, CqlResult};
use crate::model::catalog::is_system_keyspace;
use crate::model::{Catalog, Model};
use crate::parse::ast::Statement;
use crate::schema::{KeyspaceDef, TableDef};
use crate::system::{local_rows, schema_rows, system_keyspaces, system_table_defs, LocalNode};

/// The data center of this node (system.local, and the one NetworkTopologyStrategy knows).
pub const DATA_CENTER: &str = "datacenter1";
use orbit_storage::{KvTableStorage, MemoryEngine};
use std::net::SocketAddr;
use std::sync::Arc;

/// Tokens the node owns (Cassandra 4.1's default num_tokens is 16), spread evenly.
const TOKENS: i64 = 16;

pub struct SystemViews {
    address: SocketAddr,
    defs: Vec<Arc<TableDef>>,
    current: tokio::sync::Mutex<Option<([u8; 16], Arc<Runner>)>>,
}

/// Where a statement goes: the user model, or the system views.
pub enum Route {
    User,
    System,
}

impl SystemViews {
    pub fn new(address: SocketAddr) -> CqlResult<SystemViews> {
        let defs = system_table_defs()?.into_iter().map(Arc::new).collect();
        Ok(SystemViews { address, defs, current: tokio::sync::Mutex::new(None) })
    }

    /// The system tables' definitions.
    pub fn defs(&self) -> &[Arc<TableDef>] {
        &self.defs
    }

    /// The route of `statement` run in `keyspace` (the session's or the request's).
    pub fn route(statement: &Statement, keyspace: Option<&str>) -> CqlResult<Route> {
        let target = |name: &crate::parse::ast::QualifiedName| {
            name.keyspace.clone().or_else(|| keyspace.map(str::to_string)).filter(|k| is_system_keyspace(k))
        };
        let written = match statement {
            Statement::Select(sel) => {
                return Ok(if target(&sel.table).is_some() { Route::System } else { Route::User });
            }
            Statement::Insert(ins) => target(&ins.table),
            Statement::Update(up) => target(&up.table),
            Statement::Delete(del) => target(&del.table),
            Statement::Truncate(name) => target(name),
            _ => None,
        };
        match written {
            Some(ks) => Err(CqlError::unauthorized(format!("{ks} keyspace is not user-modifiable."))),
            None => Ok(Route::User),
        }
    }

    /// The views as of the user catalog's current schema version.
    pub async fn runner(&self, catalog: &Catalog) -> CqlResult<Arc<Runner>> {
        let version = catalog.version();
        let mut current = self.current.lock().await;
        if let Some((built, runner)) = current.as_ref() {
            if *built == version {
                return Ok(runner.clone());
            }
        }
        let runner = Arc::new(self.build(catalog, version).await?);
        *current = Some((version, runner.clone()));
        Ok(runner)
    }

    fn node(&self, schema_version: [u8; 16]) -> LocalNode {
        let step = (u64::MAX / TOKENS as u64) as i128;
        let tokens = (0..i128::from(TOKENS)).map(|i| (i128::from(i64::MIN) + 1 + i * step).to_string()).collect();
        let host_id = md5::compute(format!("orbit-cql-host {}", self.address)).0;
        let mut host_id = host_id;
        host_id[6] = (host_id[6] & 0x0f) | 0x40;
        host_id[8] = (host_id[8] & 0x3f) | 0x80;
        LocalNode {
            address: self.address.ip(),
            native_port: self.address.port(),
            storage_port: 7000,
            host_id,
            schema_version,
            tokens,
            cluster_name: "Orbit Cluster".into(),
            data_center: DATA_CENTER.into(),
            rack: "rack1".into(),
        }
    }

    async fn build(&self, catalog: &Catalog, version: [u8; 16]) -> CqlResult<Runner> {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await?;
        let runner = Runner::new(Model::open(storage).await?);
        for def in &self.defs {
            runner.model.catalog.install_view(def.as_ref().clone());
        }
        let mut keyspaces: Vec<KeyspaceDef> = system_keyspaces();
        keyspaces.extend(catalog.keyspaces().into_iter().filter(|k| !is_system_keyspace(&k.name)));
        let mut tables = self.defs.clone();
        let mut types = Vec::new();
        for ks in keyspaces.iter().filter(|k| !is_system_keyspace(&k.name)) {
            tables.extend(catalog.tables(&ks.name));
            types.extend(catalog.user_types(&ks.name));
        }
        let mut rows = local_rows(&self.node(version));
        rows.extend(schema_rows(&keyspaces, &tables, &types));
        let mut mutations = Vec::with_capacity(rows.len());
        for row in rows {
            let def = runner
                .model
                .catalog
                .table(row.keyspace, row.table)
                .ok_or_else(|| CqlError::server(format!("no system table {}.{}", row.keyspace, row.table)))?;
            let values: Vec<(String, Bound)> =
                row.cells.into_iter().map(|(name, value)| (name.to_string(), Bound::Value(value))).collect();
            mutations.push(write::insert(&def, &values, None)?);
        }
        let batch = runner.batch(vec![(mutations, None)], &QueryParams::default());
        runner.model.store.write(&batch).await?;
        Ok(runner)
    }
}
