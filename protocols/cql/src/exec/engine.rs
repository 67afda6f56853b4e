//! [`CqlEngine`] over the parser, the translator and the runner: QUERY, PREPARE,
//! EXECUTE and BATCH (of query strings and prepared ids), and PasswordAuthenticator
//! over the configured users. Prepared statements are cached by the MD5 of their
//! keyspace and text (Cassandra's id, stable across restarts); an id the cache does not
//! hold answers Unprepared so the driver prepares again.

use super::plan::{Plan, SelectPlan, Selection};
use super::result::column_spec;
use super::roles::Roles;
use super::run::{item_specs, Runner};
use super::system_view::{Route, SystemViews};
use super::translate::{plan, plan_with, BindSlot, Binder};
use crate::engine::{
    BatchRequest, BatchStatement, ColumnSpec, CqlEngine, Outcome, Prepared, QueryParams, SchemaChange, SessionState,
};
use crate::error::{CqlError, CqlResult};
use crate::model::Model;
use crate::parse::ast::Parsed;
use crate::parse::parse_statement;
use crate::schema::{ColumnKind, TableDef};
use async_trait::async_trait;
use bytes::Bytes;
use orbit_storage::TableStorage;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Prepared statements kept at most (the driver re-prepares an evicted one on Unprepared).
const PREPARED_CAPACITY: usize = 16_384;

/// A statement PREPARE parsed, with the keyspace it was prepared in.
struct PreparedStatement {
    parsed: Parsed,
    keyspace: Option<String>,
    route: Route,
}

/// What the executor is opened with.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// With users, connections must authenticate as one (PasswordAuthenticator).
    pub users: Vec<(String, String)>,
    /// The listener's address, shown by system.local.
    pub address: SocketAddr,
}

impl Default for ExecutorOptions {
    fn default() -> Self {
        ExecutorOptions { users: Vec::new(), address: SocketAddr::from(([127, 0, 0, 1], 9042)) }
    }
}

pub struct Executor {
    runner: Arc<Runner>,
    system: SystemViews,
    users: Vec<(String, String)>,
    prepared: RwLock<HashMap<[u8; 16], Arc<PreparedStatement>>>,
}

impl Executor {
    /// The executor of `storage`.
    pub async fn open(storage: Arc<dyn TableStorage>, options: ExecutorOptions) -> CqlResult<Arc<Executor>> {
        Ok(Arc::new(Executor {
            runner: Arc::new(Runner::new(Model::open(storage).await?)),
            system: SystemViews::new(options.address)?,
            users: options.users,
            prepared: RwLock::new(HashMap::new()),
        }))
    }

    pub fn model(&self) -> &Model {
        &self.runner.model
    }

    fn roles(&self) -> Roles<'_> {
        Roles { configured: &self.users, catalog: &self.runner.model.catalog }
    }

    /// Runs a plan: role statements here, the others by `runner`.
    async fn run(
        &self,
        runner: &Runner,
        session: &mut SessionState,
        plan: Plan,
        params: &QueryParams,
    ) -> CqlResult<Outcome> {
        match plan {
            Plan::Role(role) => self.roles().run(session, role).await,
            other => runner.run(session, other, params).await,
        }
    }

    /// Server-side DESCRIBE over the user catalog and the system tables.
    fn describe(&self, session: &SessionState, what: &crate::parse::ast::Describe) -> CqlResult<Outcome> {
        let catalog = &self.runner.model.catalog;
        let mut keyspaces = crate::system::system_keyspaces();
        keyspaces.push(crate::schema::KeyspaceDef {
            name: crate::system::VIRTUAL_SCHEMA.to_string(),
            replication: crate::schema::Replication::Local,
            durable_writes: true,
        });
        let user: Vec<_> =
            catalog.keyspaces().into_iter().filter(|k| !crate::model::catalog::is_system_keyspace(&k.name)).collect();
        let mut tables = self.system.defs().to_vec();
        let mut types = Vec::new();
        for ks in &user {
            tables.extend(catalog.tables(&ks.name));
            types.extend(catalog.user_types(&ks.name));
        }
        keyspaces.extend(user);
        let view = crate::describe::SchemaView {
            keyspaces: &keyspaces,
            tables: &tables,
            types: &types,
            session_keyspace: session.keyspace.as_deref(),
            cluster_name: "Orbit Cluster",
            partitioner: crate::system::local::PARTITIONER,
            snitch: "org.apache.cassandra.locator.SimpleSnitch",
        };
        Ok(Outcome::Rows(crate::describe::describe(what, &view)?))
    }

    /// The runner of a route: the user model or the system views as of now.
    async fn runner(&self, route: &Route) -> CqlResult<Arc<Runner>> {
        match route {
            Route::User => Ok(self.runner.clone()),
            Route::System => self.system.runner(&self.runner.model.catalog).await,
        }
    }

    fn keyspace<'a>(session: &'a SessionState, requested: &'a Option<String>) -> Option<&'a str> {
        requested.as_deref().or(session.keyspace.as_deref())
    }

    fn statement(&self, id: &[u8]) -> CqlResult<Arc<PreparedStatement>> {
        let found = <[u8; 16]>::try_from(id).ok().and_then(|key| self.prepared.read().get(&key).cloned());
        found.ok_or_else(|| CqlError::Unprepared {
            message: format!("Prepared query with ID {} not found (either the query was not prepared on this host (maybe the host has been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)", hex(id)),
            id: id.to_vec(),
        })
    }

    async fn plan_prepared(
        &self,
        statement: &PreparedStatement,
        values: &crate::engine::Values,
    ) -> CqlResult<(Arc<Runner>, Plan)> {
        let runner = self.runner(&statement.route).await?;
        let plan = plan(&runner.model.catalog, statement.keyspace.as_deref(), &statement.parsed, values)?;
        Ok((runner, plan))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The table a plan reads or writes, for bind metadata's partition key indexes.
fn plan_table(plan: &Plan) -> Option<&TableDef> {
    match plan {
        Plan::Select(s) => Some(s.table.as_ref()),
        Plan::Write { mutations, .. } => mutations.first().map(|m| m.table.as_ref()),
        _ => None,
    }
}

fn result_columns(select: &SelectPlan) -> Vec<ColumnSpec> {
    let table = select.table.as_ref();
    match &select.selection {
        Selection::Columns => {
            select.columns.iter().filter_map(|i| table.columns.get(*i)).map(|c| column_spec(table, c)).collect()
        }
        Selection::Items(items) => item_specs(table, items),
    }
}

/// Indexes of the bind variables that give the partition key, in key order; empty
/// unless every partition key column is bound by a marker.
fn pk_indexes(table: &TableDef, binds: &[BindSlot]) -> Vec<u16> {
    let mut key: Vec<_> = table.columns.iter().filter(|c| c.kind == ColumnKind::PartitionKey).collect();
    key.sort_by_key(|c| c.position);
    let found: Option<Vec<u16>> = key
        .iter()
        .map(|c| {
            binds
                .iter()
                .position(|b| b.column == c.name && b.table == table.name && b.keyspace == table.keyspace)
                .and_then(|i| u16::try_from(i).ok())
        })
        .collect();
    found.unwrap_or_default()
}

/// Compares without stopping at the first difference.

#[async_trait]
impl CqlEngine for Executor {
    async fn query(&self, session: &mut SessionState, text: &str, params: QueryParams) -> CqlResult<Outcome> {
        let parsed = parse_statement(text)?;
        if let crate::parse::ast::Statement::Describe(what) = &parsed.statement {
            return self.describe(session, what);
        }
        let keyspace = Self::keyspace(session, &params.keyspace).map(str::to_string);
        let runner = self.runner(&SystemViews::route(&parsed.statement, keyspace.as_deref())?).await?;
        let plan = plan(&runner.model.catalog, keyspace.as_deref(), &parsed, &params.values)?;
        self.run(&runner, session, plan, &params).await
    }

    async fn prepare(&self, session: &mut SessionState, text: &str, keyspace: Option<&str>) -> CqlResult<Prepared> {
        let keyspace = keyspace.or(session.keyspace.as_deref()).map(str::to_string);
        let parsed = parse_statement(text)?;
        let route = SystemViews::route(&parsed.statement, keyspace.as_deref())?;
        let runner = self.runner(&route).await?;
        let binder = Binder::default();
        let planned = plan_with(
            &runner.model.catalog,
            keyspace.as_deref(),
            &parsed,
            &crate::engine::Values::None,
            Some(&binder),
        )?;
        let binds = binder.finish(parsed.markers.len())?;
        let pk = plan_table(&planned).map(|t| pk_indexes(t, &binds)).unwrap_or_default();
        let result = match &planned {
            Plan::Select(s) => result_columns(s),
            _ => Vec::new(),
        };
        let digest = md5::compute(format!("{}\0{text}", keyspace.as_deref().unwrap_or("")));
        let result_digest = md5::compute(format!("{result:?}"));
        {
            let mut cache = self.prepared.write();
            if cache.len() >= PREPARED_CAPACITY && !cache.contains_key(&digest.0) {
                if let Some(victim) = cache.keys().next().copied() {
                    cache.remove(&victim);
                }
            }
            cache.insert(digest.0, Arc::new(PreparedStatement { parsed, keyspace, route }));
        }
        Ok(Prepared {
            id: Bytes::copy_from_slice(&digest.0),
            result_metadata_id: Bytes::copy_from_slice(&result_digest.0),
            bind_columns: binds
                .into_iter()
                .map(|b| ColumnSpec { keyspace: b.keyspace, table: b.table, name: b.name, ty: b.ty })
                .collect(),
            pk_indexes: pk,
            result_columns: result,
        })
    }

    async fn execute(&self, session: &mut SessionState, id: &[u8], params: QueryParams) -> CqlResult<Outcome> {
        let statement = self.statement(id)?;
        let (runner, plan) = self.plan_prepared(&statement, &params.values).await?;
        self.run(&runner, session, plan, &params).await
    }

    async fn batch(&self, session: &mut SessionState, batch: BatchRequest) -> CqlResult<Outcome> {
        let keyspace = Self::keyspace(session, &batch.keyspace).map(str::to_string);
        let mut plans = Vec::with_capacity(batch.statements.len());
        for statement in &batch.statements {
            plans.push(match statement {
                BatchStatement::Query { text, values } => {
                    let parsed = parse_statement(text)?;
                    SystemViews::route(&parsed.statement, keyspace.as_deref())?;
                    plan(&self.runner.model.catalog, keyspace.as_deref(), &parsed, values)?
                }
                BatchStatement::Prepared { id, values } => {
                    let statement = self.statement(id)?;
                    if let Route::System = statement.route {
                        return Err(CqlError::invalid(
                            "Only INSERT, UPDATE and DELETE statements are allowed in a BATCH",
                        ));
                    }
                    self.plan_prepared(&statement, values).await?.1
                }
            });
        }
        let params = QueryParams {
            consistency: batch.consistency,
            default_timestamp: batch.default_timestamp,
            now_in_seconds: batch.now_in_seconds,
            ..QueryParams::default()
        };
        self.runner.run_batch(batch.kind, plans, &params, &mut session.warnings).await
    }

    fn requires_authentication(&self) -> bool {
        !self.users.is_empty()
    }

    async fn authenticate(&self, user: &str, password: &str) -> CqlResult<()> {
        self.roles().authenticate(user, password)
    }

    fn schema_events(&self) -> tokio::sync::broadcast::Receiver<SchemaChange> {
        self.runner.events.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BatchKind, BoundValue, Consistency, Values};
    use crate::types::CqlType;
    use bytes::Bytes;
    use orbit_storage::{KvTableStorage, MemoryEngine};

    #[tokio::test]
    async fn queries_and_batches_through_the_engine_contract() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let engine = Executor::open(storage, ExecutorOptions::default()).await.unwrap();
        let mut session = SessionState::default();
        let q = |s: &'static str| (s, QueryParams::default());
        for (text, params) in [
            q("CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"),
            q("USE app"),
            q("CREATE TABLE kv (k text PRIMARY KEY, v bigint)"),
        ] {
            engine.query(&mut session, text, params).await.unwrap();
        }
        let bound = QueryParams {
            values: Values::Positional(vec![
                BoundValue::Bytes(Bytes::from_static(b"x")),
                BoundValue::Bytes(Bytes::from(7i64.to_be_bytes().to_vec())),
            ]),
            ..QueryParams::default()
        };
        engine.query(&mut session, "INSERT INTO kv (k, v) VALUES (?, ?)", bound).await.unwrap();
        let batch = BatchRequest {
            kind: BatchKind::Logged,
            statements: vec![
                BatchStatement::Query { text: "INSERT INTO kv (k, v) VALUES ('y', 1)".into(), values: Values::None },
                BatchStatement::Query { text: "DELETE FROM kv WHERE k = 'x'".into(), values: Values::None },
            ],
            consistency: Consistency::One,
            serial_consistency: None,
            default_timestamp: None,
            keyspace: None,
            now_in_seconds: None,
        };
        engine.batch(&mut session, batch).await.unwrap();
        let Outcome::Rows(rows) =
            engine.query(&mut session, "SELECT k, v FROM kv", QueryParams::default()).await.unwrap()
        else {
            panic!()
        };
        assert_eq!(
            rows.rows,
            vec![vec![Some(Bytes::from_static(b"y")), Some(Bytes::from(1i64.to_be_bytes().to_vec()))]]
        );
    }

    fn rows(outcome: Outcome) -> crate::engine::Rows {
        match outcome {
            Outcome::Rows(rows) => rows,
            other => panic!("expected rows, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn prepared_statements_bind_by_column_and_survive_only_in_the_cache() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let engine = Executor::open(storage, ExecutorOptions::default()).await.unwrap();
        let mut session = SessionState::default();
        for text in [
            "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            "CREATE TABLE app.t (k text, c int, v bigint, PRIMARY KEY (k, c))",
        ] {
            engine.query(&mut session, text, QueryParams::default()).await.unwrap();
        }
        let insert = engine.prepare(&mut session, "INSERT INTO app.t (c, k, v) VALUES (?, ?, ?)", None).await.unwrap();
        let names: Vec<_> = insert.bind_columns.iter().map(|c| (c.name.as_str(), c.ty.clone())).collect();
        assert_eq!(names, [("c", CqlType::Int), ("k", CqlType::Text), ("v", CqlType::Bigint)]);
        assert_eq!(insert.pk_indexes, [1]);
        assert!(insert.result_columns.is_empty());
        let again = engine.prepare(&mut session, "INSERT INTO app.t (c, k, v) VALUES (?, ?, ?)", None).await.unwrap();
        assert_eq!(again.id, insert.id, "the same text prepares to the same id");
        for c in 1..=3i32 {
            let values = Values::Positional(vec![
                BoundValue::Bytes(Bytes::from(c.to_be_bytes().to_vec())),
                BoundValue::Bytes(Bytes::from_static(b"a")),
                BoundValue::Bytes(Bytes::from(i64::from(c * 10).to_be_bytes().to_vec())),
            ]);
            engine.execute(&mut session, &insert.id, QueryParams { values, ..QueryParams::default() }).await.unwrap();
        }
        let select = engine
            .prepare(&mut session, "SELECT v, writetime(v) AS w FROM app.t WHERE k = :key LIMIT ?", None)
            .await
            .unwrap();
        let binds: Vec<_> = select.bind_columns.iter().map(|c| (c.name.as_str(), c.ty.clone())).collect();
        assert_eq!(binds, [("key", CqlType::Text), ("[limit]", CqlType::Int)]);
        let result: Vec<_> = select.result_columns.iter().map(|c| (c.name.as_str(), c.ty.clone())).collect();
        assert_eq!(result, [("v", CqlType::Bigint), ("w", CqlType::Bigint)]);
        let values = Values::Named(vec![
            ("key".into(), BoundValue::Bytes(Bytes::from_static(b"a"))),
            ("[limit]".into(), BoundValue::Bytes(Bytes::from(2i32.to_be_bytes().to_vec()))),
        ]);
        let got = rows(
            engine.execute(&mut session, &select.id, QueryParams { values, ..QueryParams::default() }).await.unwrap(),
        );
        assert_eq!(got.rows.len(), 2);
        assert_eq!(got.rows[1][0], Some(Bytes::from(20i64.to_be_bytes().to_vec())));
        assert!(got.rows[0][1].is_some(), "writetime of a written cell");

        let count = rows(
            engine
                .query(&mut session, "SELECT count(*), max(v), sum(c) FROM app.t WHERE k = 'a'", QueryParams::default())
                .await
                .unwrap(),
        );
        let names: Vec<_> = count.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["count", "system.max(v)", "system.sum(c)"]);
        assert_eq!(
            count.rows,
            vec![vec![
                Some(Bytes::from(3i64.to_be_bytes().to_vec())),
                Some(Bytes::from(30i64.to_be_bytes().to_vec())),
                Some(Bytes::from(6i32.to_be_bytes().to_vec())),
            ]]
        );
        let empty = rows(
            engine
                .query(&mut session, "SELECT count(*) FROM app.t WHERE k = 'none'", QueryParams::default())
                .await
                .unwrap(),
        );
        assert_eq!(empty.rows, vec![vec![Some(Bytes::from(0i64.to_be_bytes().to_vec()))]]);

        let e = engine.execute(&mut session, &[7u8; 16], QueryParams::default()).await.unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::Unprepared);
        let e = engine.prepare(&mut session, "SELECT * FROM app.nope WHERE k = ?", None).await.unwrap_err();
        assert_eq!(e.message(), "unconfigured table nope");
    }

    #[tokio::test]
    async fn password_authentication_checks_the_configured_users() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let open = Executor::open(storage.clone(), ExecutorOptions::default()).await.unwrap();
        assert!(!open.requires_authentication());
        let engine = Executor::open(
            storage,
            ExecutorOptions { users: vec![("cassandra".into(), "secret".into())], ..ExecutorOptions::default() },
        )
        .await
        .unwrap();
        assert!(engine.requires_authentication());
        engine.authenticate("cassandra", "secret").await.unwrap();
        let e = engine.authenticate("cassandra", "secreT").await.unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::BadCredentials);
        assert_eq!(e.message(), "Provided username cassandra and/or password are incorrect");
        assert!(engine.authenticate("nobody", "secret").await.is_err());
    }

    #[tokio::test]
    async fn roles_log_in_persist_and_need_a_superuser() {
        let engine_storage = Arc::new(MemoryEngine::new());
        let options =
            || ExecutorOptions { users: vec![("cassandra".into(), "secret".into())], ..ExecutorOptions::default() };
        let storage = KvTableStorage::open(engine_storage.clone()).await.unwrap();
        let engine = Executor::open(storage, options()).await.unwrap();
        let mut admin = SessionState { user: Some("cassandra".into()), ..SessionState::default() };
        for text in [
            "CREATE ROLE ann WITH PASSWORD = 'pw1' AND LOGIN = true",
            "CREATE USER bob WITH PASSWORD 'pw2' NOSUPERUSER",
            "CREATE ROLE readers",
            "CREATE ROLE IF NOT EXISTS ann",
        ] {
            engine.query(&mut admin, text, QueryParams::default()).await.unwrap_or_else(|e| panic!("{text}: {e:?}"));
        }
        engine.authenticate("ann", "pw1").await.unwrap();
        engine.authenticate("bob", "pw2").await.unwrap();
        assert_eq!(
            engine.authenticate("ann", "pw2").await.unwrap_err().code(),
            crate::error::ErrorCode::BadCredentials
        );
        let e = engine.authenticate("readers", "").await.unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::BadCredentials);
        let listed = text_rows(&engine, &mut admin, "LIST ROLES").await;
        let names: Vec<_> = listed.iter().map(|r| r[0].clone().unwrap()).collect();
        assert_eq!(names, ["ann", "bob", "cassandra", "readers"].map(|n| Bytes::from(n.as_bytes())));
        let users = text_rows(&engine, &mut admin, "LIST USERS").await;
        assert_eq!(users.len(), 3, "readers does not log in");

        // ann is no superuser: she may change her own password, nothing else.
        let mut ann = SessionState { user: Some("ann".into()), ..SessionState::default() };
        let e = engine.query(&mut ann, "CREATE ROLE eve", QueryParams::default()).await.unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::Unauthorized);
        engine.query(&mut ann, "ALTER ROLE ann WITH PASSWORD = 'pw3'", QueryParams::default()).await.unwrap();
        let e = engine.query(&mut ann, "ALTER ROLE bob WITH PASSWORD = 'x'", QueryParams::default()).await.unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::Unauthorized);
        assert_eq!(text_rows(&engine, &mut ann, "LIST ROLES").await.len(), 1, "a non-superuser sees itself");
        let e = engine.query(&mut admin, "CREATE ROLE ann", QueryParams::default()).await.unwrap_err();
        assert_eq!(e.message(), "ann already exists");
        engine.query(&mut admin, "DROP ROLE bob", QueryParams::default()).await.unwrap();
        let e = engine.query(&mut admin, "DROP ROLE bob", QueryParams::default()).await.unwrap_err();
        assert_eq!(e.message(), "bob doesn't exist");
        engine.query(&mut admin, "DROP ROLE IF EXISTS bob", QueryParams::default()).await.unwrap();

        // The roles are stored: a new executor over the same storage knows them.
        drop(engine);
        let storage = KvTableStorage::open(engine_storage).await.unwrap();
        let reopened = Executor::open(storage, options()).await.unwrap();
        reopened.authenticate("ann", "pw3").await.unwrap();
        assert!(reopened.authenticate("ann", "pw1").await.is_err());
        assert!(reopened.authenticate("bob", "pw2").await.is_err());

        // Without configured users (AllowAllAuthenticator) a role has no password.
        let open = Executor::open(
            KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap(),
            ExecutorOptions::default(),
        )
        .await
        .unwrap();
        let mut anyone = SessionState::default();
        let e = open.query(&mut anyone, "CREATE ROLE x WITH PASSWORD = 'p'", QueryParams::default()).await.unwrap_err();
        assert_eq!(e.message(), "org.apache.cassandra.auth.CassandraRoleManager doesn't support PASSWORD");
        open.query(&mut anyone, "CREATE ROLE x WITH LOGIN = true", QueryParams::default()).await.unwrap();
    }

    async fn text_rows(engine: &Executor, session: &mut SessionState, text: &str) -> Vec<Vec<Option<Bytes>>> {
        rows(engine.query(session, text, QueryParams::default()).await.unwrap()).rows
    }

    fn int(n: i32) -> Option<Bytes> {
        Some(Bytes::from(n.to_be_bytes().to_vec()))
    }

    #[tokio::test]
    async fn conditional_batches_apply_together_or_not_at_all() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let engine = Executor::open(storage, ExecutorOptions::default()).await.unwrap();
        let mut s = SessionState::default();
        for text in [
            "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            "USE app",
            "CREATE TABLE t (p int, c int, r int, s int STATIC, PRIMARY KEY (p, c))",
            "INSERT INTO t (p, c, r) VALUES (1, 1, 1)",
        ] {
            engine.query(&mut s, text, QueryParams::default()).await.unwrap_or_else(|e| panic!("{text}: {e:?}"));
        }
        let batch = |body: &str| format!("BEGIN BATCH {body} APPLY BATCH");
        // One condition fails: nothing applies, and the row it saw comes back with its key.
        let out = rows(
            engine
                .query(
                    &mut s,
                    &batch(
                        "UPDATE t SET r = 10 WHERE p = 1 AND c = 1 IF r = 2; INSERT INTO t (p, c, r) VALUES (1, 2, 2);",
                    ),
                    QueryParams::default(),
                )
                .await
                .unwrap(),
        );
        let names: Vec<&str> = out.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["[applied]", "p", "c", "r"]);
        assert_eq!(out.rows, vec![vec![Some(Bytes::from_static(&[0])), int(1), int(1), int(1)]]);
        assert_eq!(text_rows(&engine, &mut s, "SELECT c FROM t WHERE p = 1").await, vec![vec![int(1)]]);
        // Every condition holds: every statement applies.
        let out = rows(
            engine
                .query(
                    &mut s,
                    &batch("UPDATE t SET r = 10 WHERE p = 1 AND c = 1 IF r = 1; INSERT INTO t (p, c, r) VALUES (1, 2, 2) IF NOT EXISTS; UPDATE t SET s = 5 WHERE p = 1;"),
                    QueryParams::default(),
                )
                .await
                .unwrap(),
        );
        assert_eq!(out.rows, vec![vec![Some(Bytes::from_static(&[1]))]]);
        assert_eq!(
            text_rows(&engine, &mut s, "SELECT c, r, s FROM t WHERE p = 1").await,
            vec![vec![int(1), int(10), int(5)], vec![int(2), int(2), int(5)]]
        );
        for (body, message) in [
            ("UPDATE t SET r = 1 WHERE p = 1 AND c = 1 IF EXISTS; INSERT INTO t (p, c, r) VALUES (1, 1, 3) IF NOT EXISTS;", "Cannot mix IF EXISTS and IF NOT EXISTS conditions for the same row"),
            ("UPDATE t SET r = 1 WHERE p = 1 AND c = 1 IF r = 1; UPDATE t SET r = 1 WHERE p = 2 AND c = 1;", "Batch with conditions cannot span multiple partitions"),
        ] {
            let e = engine.query(&mut s, &batch(body), QueryParams::default()).await.unwrap_err();
            assert_eq!(e.message(), message, "{body}");
        }
    }

    #[tokio::test]
    async fn collections_counters_ttl_timestamps_and_lightweight_transactions() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let engine = Executor::open(storage, ExecutorOptions::default()).await.unwrap();
        let mut s = SessionState::default();
        for text in [
            "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            "USE app",
            "CREATE TABLE c (k int PRIMARY KEY, l list<int>, s set<text>, m map<text, int>, v int)",
            "CREATE TABLE n (k int PRIMARY KEY, hits counter)",
        ] {
            engine.query(&mut s, text, QueryParams::default()).await.unwrap();
        }
        let run = |text: &'static str| text;
        for text in [
            run("INSERT INTO c (k, l, s, m) VALUES (1, [1, 2], {'a'}, {'x': 1})"),
            run("UPDATE c SET l = l + [3], s = s + {'b', 'c'}, m['y'] = 2 WHERE k = 1"),
            run("UPDATE c SET l = [0] + l, s = s - {'a'}, m = m - {'x'} WHERE k = 1"),
            run("DELETE l[1] FROM c WHERE k = 1"),
            run("UPDATE n SET hits = hits + 5 WHERE k = 1"),
            run("UPDATE n SET hits = hits - 2 WHERE k = 1"),
        ] {
            engine.query(&mut s, text, QueryParams::default()).await.unwrap();
        }
        let got = text_rows(&engine, &mut s, "SELECT l, s, m FROM c WHERE k = 1").await;
        let list = |items: &[i32]| {
            let mut b = (items.len() as i32).to_be_bytes().to_vec();
            for i in items {
                b.extend(4i32.to_be_bytes());
                b.extend(i.to_be_bytes());
            }
            Some(Bytes::from(b))
        };
        assert_eq!(got[0][0], list(&[0, 2, 3]), "prepend, append, element delete");
        let mut set = 2i32.to_be_bytes().to_vec();
        for e in [b"b", b"c"] {
            set.extend(1i32.to_be_bytes());
            set.extend(e);
        }
        assert_eq!(got[0][1], Some(Bytes::from(set)));
        let mut map = 1i32.to_be_bytes().to_vec();
        map.extend(1i32.to_be_bytes());
        map.extend(b"y");
        map.extend(4i32.to_be_bytes());
        map.extend(2i32.to_be_bytes());
        assert_eq!(got[0][2], Some(Bytes::from(map)));
        let hits = text_rows(&engine, &mut s, "SELECT hits FROM n WHERE k = 1").await;
        assert_eq!(hits, vec![vec![Some(Bytes::from(3i64.to_be_bytes().to_vec()))]]);
        let e = engine.query(&mut s, "UPDATE n SET hits = 1 WHERE k = 1", QueryParams::default()).await.unwrap_err();
        assert!(e.message().starts_with("Cannot set the value of counter column hits"), "{}", e.message());

        engine
            .query(
                &mut s,
                "INSERT INTO c (k, v) VALUES (2, 7) USING TTL 100 AND TIMESTAMP 1234",
                QueryParams::default(),
            )
            .await
            .unwrap();
        let meta = text_rows(&engine, &mut s, "SELECT writetime(v), ttl(v) FROM c WHERE k = 2").await;
        assert_eq!(meta[0][0], Some(Bytes::from(1234i64.to_be_bytes().to_vec())));
        let ttl = i32::from_be_bytes(meta[0][1].as_ref().unwrap()[..4].try_into().unwrap());
        assert!((99..=100).contains(&ttl), "ttl {ttl}");
        engine
            .query(&mut s, "UPDATE c USING TIMESTAMP 1000 SET v = 1 WHERE k = 2", QueryParams::default())
            .await
            .unwrap();
        assert_eq!(
            text_rows(&engine, &mut s, "SELECT v FROM c WHERE k = 2").await,
            vec![vec![int(7)]],
            "older write loses"
        );

        let applied = text_rows(&engine, &mut s, "INSERT INTO c (k, v) VALUES (3, 1) IF NOT EXISTS").await;
        assert_eq!(applied, vec![vec![Some(Bytes::from_static(&[1]))]]);
        let lwt = rows(
            engine
                .query(&mut s, "INSERT INTO c (k, v) VALUES (3, 2) IF NOT EXISTS", QueryParams::default())
                .await
                .unwrap(),
        );
        let names: Vec<_> = lwt.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["[applied]", "k", "l", "m", "s", "v"]);
        assert_eq!(lwt.rows[0][0], Some(Bytes::from_static(&[0])));
        assert_eq!(lwt.rows[0][5], int(1));
        let not = rows(
            engine.query(&mut s, "UPDATE c SET v = 5 WHERE k = 3 IF v = 9", QueryParams::default()).await.unwrap(),
        );
        assert_eq!(not.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["[applied]", "v"]);
        assert_eq!(not.rows, vec![vec![Some(Bytes::from_static(&[0])), int(1)]]);
        let yes = text_rows(&engine, &mut s, "UPDATE c SET v = 5 WHERE k = 3 IF v = 1").await;
        assert_eq!(yes, vec![vec![Some(Bytes::from_static(&[1]))]]);
        let gone = text_rows(&engine, &mut s, "DELETE FROM c WHERE k = 4 IF EXISTS").await;
        assert_eq!(gone, vec![vec![Some(Bytes::from_static(&[0]))]]);
        assert_eq!(text_rows(&engine, &mut s, "SELECT v FROM c WHERE k = 3").await, vec![vec![int(5)]]);
    }

    #[tokio::test]
    async fn in_lists_filtering_and_token_ranges() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let engine = Executor::open(storage, ExecutorOptions::default()).await.unwrap();
        let mut s = SessionState::default();
        for text in [
            "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            "USE app",
            "CREATE TABLE t (k int, c int, v int, tags set<text>, PRIMARY KEY (k, c))",
        ] {
            engine.query(&mut s, text, QueryParams::default()).await.unwrap();
        }
        for k in 0..4 {
            for c in 0..3 {
                let text = format!("INSERT INTO t (k, c, v, tags) VALUES ({k}, {c}, {}, {{'t{c}'}})", k * 10 + c);
                engine.query(&mut s, &text, QueryParams::default()).await.unwrap();
            }
        }
        let ints = |rows: Vec<Vec<Option<Bytes>>>| -> Vec<i32> {
            rows.iter().map(|r| i32::from_be_bytes(r[0].as_ref().unwrap()[..4].try_into().unwrap())).collect()
        };
        let mut seen = Vec::new();
        let mut params = QueryParams { page_size: Some(2), ..QueryParams::default() };
        loop {
            let page = rows(
                engine
                    .query(&mut s, "SELECT v FROM t WHERE k IN (3, 1) AND c IN (0, 2)", params.clone())
                    .await
                    .unwrap(),
            );
            seen.extend(ints(page.rows));
            match page.paging_state {
                Some(state) => params.paging_state = Some(state),
                None => break,
            }
        }
        seen.sort();
        assert_eq!(seen, [10, 12, 30, 32], "IN on partition and clustering keys, paged by 2");
        let e = engine.query(&mut s, "SELECT v FROM t WHERE v = 11", QueryParams::default()).await.unwrap_err();
        assert!(e.message().contains("ALLOW FILTERING"));
        let filtered = text_rows(&engine, &mut s, "SELECT v FROM t WHERE v > 20 AND c = 1 ALLOW FILTERING").await;
        let mut got = ints(filtered);
        got.sort();
        assert_eq!(got, [21, 31]);
        let tagged = text_rows(&engine, &mut s, "SELECT v FROM t WHERE tags CONTAINS 't2' ALLOW FILTERING").await;
        assert_eq!(tagged.len(), 4);
        let tokens = text_rows(&engine, &mut s, "SELECT token(k) FROM t WHERE k = 1 LIMIT 1").await;
        // Murmur3 of int 1 as Cassandra computes it.
        assert_eq!(tokens[0][0], Some(Bytes::from((-4069959284402364209i64).to_be_bytes().to_vec())));
        let scan = text_rows(&engine, &mut s, "SELECT v FROM t WHERE token(k) > -9223372036854775808").await;
        assert_eq!(scan.len(), 12);
        let none = text_rows(&engine, &mut s, "SELECT v FROM t WHERE token(k) < -9223372036854775807").await;
        assert!(none.is_empty());
        let mut keys = Vec::new();
        let mut params = QueryParams { page_size: Some(2), ..QueryParams::default() };
        loop {
            let page = rows(engine.query(&mut s, "SELECT DISTINCT k FROM t", params.clone()).await.unwrap());
            keys.extend(ints(page.rows));
            match page.paging_state {
                Some(state) => params.paging_state = Some(state),
                None => break,
            }
        }
        keys.sort();
        assert_eq!(keys, [0, 1, 2, 3], "DISTINCT over pages of 2 rows");
        let grouped = text_rows(&engine, &mut s, "SELECT k, count(*), max(v) FROM t GROUP BY k LIMIT 3").await;
        assert_eq!(grouped.len(), 3, "LIMIT counts groups");
        for g in &grouped {
            let k = i32::from_be_bytes(g[0].as_ref().unwrap()[..4].try_into().unwrap());
            assert_eq!(g[1], Some(Bytes::from(3i64.to_be_bytes().to_vec())));
            assert_eq!(g[2], int(k * 10 + 2));
        }
        let mut firsts = Vec::new();
        let mut params = QueryParams { page_size: Some(1), ..QueryParams::default() };
        loop {
            let page =
                rows(engine.query(&mut s, "SELECT v FROM t PER PARTITION LIMIT 2", params.clone()).await.unwrap());
            firsts.extend(ints(page.rows));
            match page.paging_state {
                Some(state) => params.paging_state = Some(state),
                None => break,
            }
        }
        firsts.sort();
        assert_eq!(firsts, [0, 1, 10, 11, 20, 21, 30, 31], "two rows per partition over pages of one");
        let total = text_rows(&engine, &mut s, "SELECT count(*) FROM t LIMIT 1").await;
        assert_eq!(total, vec![vec![Some(Bytes::from(12i64.to_be_bytes().to_vec()))]]);
        let e = engine.query(&mut s, "SELECT DISTINCT k, v FROM t", QueryParams::default()).await.unwrap_err();
        assert!(e.message().contains("(not v)"), "{}", e.message());
    }

    #[tokio::test]
    async fn range_deletes_in_lists_and_static_only_inserts() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let engine = Executor::open(storage, ExecutorOptions::default()).await.unwrap();
        let mut s = SessionState::default();
        for text in [
            "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            "USE app",
            "CREATE TABLE t (p int, c int, v int, s int STATIC, PRIMARY KEY (p, c))",
            "INSERT INTO t (p, c, v) VALUES (1, 1, 1)",
            "INSERT INTO t (p, c, v) VALUES (1, 2, 2)",
            "INSERT INTO t (p, c, v) VALUES (1, 3, 3)",
            "INSERT INTO t (p, c, v) VALUES (1, 4, 4)",
            "INSERT INTO t (p, c, v) VALUES (2, 1, 5)",
            // Only the partition key and a static column: the static row alone.
            "INSERT INTO t (p, s) VALUES (3, 30)",
            // A range tombstone over c in [2, 4).
            "DELETE FROM t WHERE p = 1 AND c >= 2 AND c < 4",
            "UPDATE t SET v = 9 WHERE p IN (1, 2) AND c = 1",
        ] {
            engine.query(&mut s, text, QueryParams::default()).await.unwrap_or_else(|e| panic!("{text}: {e:?}"));
        }
        let rows = text_rows(&engine, &mut s, "SELECT p, c, v FROM t WHERE p IN (1, 2)").await;
        assert_eq!(
            rows,
            vec![vec![int(1), int(1), int(9)], vec![int(1), int(4), int(4)], vec![int(2), int(1), int(9)]]
        );
        let statics = text_rows(&engine, &mut s, "SELECT p, c, s FROM t WHERE p = 3").await;
        assert_eq!(statics, vec![vec![int(3), None, int(30)]]);
        // A write older than the range tombstone stays deleted; a newer one comes back.
        engine
            .query(&mut s, "INSERT INTO t (p, c, v) VALUES (1, 2, 7) USING TIMESTAMP 1", QueryParams::default())
            .await
            .unwrap();
        assert_eq!(
            text_rows(&engine, &mut s, "SELECT c FROM t WHERE p = 1 AND c = 2").await,
            Vec::<Vec<Option<Bytes>>>::new()
        );
        engine.query(&mut s, "INSERT INTO t (p, c, v) VALUES (1, 3, 8)", QueryParams::default()).await.unwrap();
        assert_eq!(text_rows(&engine, &mut s, "SELECT v FROM t WHERE p = 1 AND c = 3").await, vec![vec![int(8)]]);
        // An empty IN names no row; deletes over both IN lists.
        engine.query(&mut s, "UPDATE t SET v = 1 WHERE p IN () AND c = 1", QueryParams::default()).await.unwrap();
        engine.query(&mut s, "DELETE FROM t WHERE p IN (1, 2) AND c IN (1, 4)", QueryParams::default()).await.unwrap();
        assert_eq!(text_rows(&engine, &mut s, "SELECT c FROM t WHERE p IN (1, 2)").await, vec![vec![int(3)]]);
        // Multi-column relations over clustering columns (b ASC, c DESC: mixed orders).
        for text in [
            "CREATE TABLE m (p int, b int, c int, v int, PRIMARY KEY (p, b, c)) WITH CLUSTERING ORDER BY (b ASC, c DESC)",
            "INSERT INTO m (p, b, c, v) VALUES (1, 1, 1, 11)",
            "INSERT INTO m (p, b, c, v) VALUES (1, 1, 2, 12)",
            "INSERT INTO m (p, b, c, v) VALUES (1, 2, 1, 21)",
            "INSERT INTO m (p, b, c, v) VALUES (1, 2, 2, 22)",
            "UPDATE m SET v = 0 WHERE p = 1 AND (b, c) = (2, 2)",
            "DELETE FROM m WHERE p = 1 AND (b, c) IN ((1, 1), (3, 3))",
        ] {
            engine.query(&mut s, text, QueryParams::default()).await.unwrap_or_else(|e| panic!("{text}: {e:?}"));
        }
        let rows = text_rows(&engine, &mut s, "SELECT b, c, v FROM m WHERE p = 1 AND (b, c) > (1, 1)").await;
        assert_eq!(
            rows,
            vec![vec![int(1), int(2), int(12)], vec![int(2), int(2), int(0)], vec![int(2), int(1), int(21)]]
        );
        let rows = text_rows(&engine, &mut s, "SELECT v FROM m WHERE p = 1 AND (b, c) IN ((2, 1), (1, 2))").await;
        assert_eq!(rows, vec![vec![int(12)], vec![int(21)]]);
        let rows = text_rows(&engine, &mut s, "SELECT v FROM m WHERE p = 1 AND (b) = (2) AND (c) < (2)").await;
        assert_eq!(rows, vec![vec![int(21)]]);
        let e = engine
            .query(&mut s, "SELECT v FROM m WHERE p = 1 AND (c, b) = (1, 1)", QueryParams::default())
            .await
            .unwrap_err();
        assert_eq!(
            e.message(),
            "Clustering columns must appear in the PRIMARY KEY order in multi-column relations: (c, b)"
        );
        let e = engine
            .query(&mut s, "SELECT v FROM m WHERE p = 1 AND (b, c) = (1, 1, 1)", QueryParams::default())
            .await
            .unwrap_err();
        assert_eq!(e.message(), "Expected 2 elements in value tuple, but got 3");
        for (text, message) in [
            ("UPDATE t SET v = 1 WHERE p = 1 AND c > 1", "Slice restrictions are not supported on the clustering columns in UPDATE statements"),
            ("DELETE v FROM t WHERE p = 1 AND c > 1", "Range deletions are not supported for specific columns"),
            ("DELETE FROM t WHERE p = 1 AND v = 1", "Non PRIMARY KEY columns found in where clause: v "),
            ("DELETE FROM t WHERE p IN (1, 2) AND c = 1 IF v = 1", "IN on the partition key is not supported with conditional deletions"),
            ("DELETE FROM t WHERE p = 1 AND c > 1 IF EXISTS", "DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to use IF conditions"),
        ] {
            let e = engine.query(&mut s, text, QueryParams::default()).await.unwrap_err();
            assert_eq!(e.message(), message, "{text}");
        }
    }

    #[tokio::test]
    async fn text_batches_types_indexes_and_table_changes() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let engine = Executor::open(storage, ExecutorOptions::default()).await.unwrap();
        let mut s = SessionState::default();
        for text in [
            "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            "USE app",
            "CREATE TYPE address (street text, zip int)",
            "CREATE TABLE p (id int PRIMARY KEY, name text, home frozen<address>) WITH default_time_to_live = 3600 AND comment = 'people'",
            "CREATE INDEX ON p (name)",
            "BEGIN BATCH INSERT INTO p (id, name, home) VALUES (1, 'ann', {street: 'Main', zip: 7}); INSERT INTO p (id, name) VALUES (2, 'bob'); APPLY BATCH",
            "ALTER TABLE p ADD age int",
            "UPDATE p SET age = 30 WHERE id = 2",
        ] {
            engine.query(&mut s, text, QueryParams::default()).await.unwrap_or_else(|e| panic!("{text}: {e:?}"));
        }
        engine
            .query(
                &mut s,
                r#"INSERT INTO p JSON '{"id": 3, "name": "cy", "home": {"street": "Elm", "zip": 9}, "age": 41}'"#,
                QueryParams::default(),
            )
            .await
            .unwrap();
        let doc = text_rows(&engine, &mut s, "SELECT JSON id, name, home, age FROM p WHERE id = 3").await;
        assert_eq!(
            doc[0][0].as_deref(),
            Some(br#"{"id": 3, "name": "cy", "home": {"street": "Elm", "zip": 9}, "age": 41}"#.as_slice())
        );
        let t = engine.model().catalog.table("app", "p").unwrap();
        assert_eq!(t.default_ttl, 3600);
        assert_eq!(t.options.get("comment").map(String::as_str), Some("'people'"));
        assert_eq!(t.indexes[0].name, "p_name_idx");
        let by_index = text_rows(&engine, &mut s, "SELECT id, age FROM p WHERE name = 'bob'").await;
        assert_eq!(by_index, vec![vec![int(2), int(30)]]);
        let ttl = text_rows(&engine, &mut s, "SELECT ttl(name) FROM p WHERE id = 1").await;
        assert!(ttl[0][0].is_some(), "the table's default TTL applies");
        let e = engine
            .query(&mut s, "CREATE TABLE q (k int PRIMARY KEY) WITH nonsense = 1", QueryParams::default())
            .await
            .unwrap_err();
        assert_eq!(e.message(), "Unknown property 'nonsense'");
        let e = engine
            .query(&mut s, "INSERT INTO system.local (key) VALUES ('x')", QueryParams::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), crate::error::ErrorCode::Unauthorized);
    }

    #[tokio::test]
    async fn system_tables_answer_like_a_single_cassandra_node() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let engine = Executor::open(storage, ExecutorOptions::default()).await.unwrap();
        let mut s = SessionState::default();
        let version = |rows: Vec<Vec<Option<Bytes>>>| rows[0][0].clone().unwrap();
        let before =
            version(text_rows(&engine, &mut s, "SELECT schema_version FROM system.local WHERE key = 'local'").await);
        engine
            .query(
                &mut s,
                "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
                QueryParams::default(),
            )
            .await
            .unwrap();
        engine
            .query(&mut s, "CREATE TABLE app.t (k int, c text, v int, PRIMARY KEY (k, c))", QueryParams::default())
            .await
            .unwrap();
        let after = version(text_rows(&engine, &mut s, "SELECT schema_version FROM system.local").await);
        assert_ne!(before, after, "schema_version changes on DDL");
        let local = rows(
            engine.query(&mut s, "SELECT * FROM system.local WHERE key='local'", QueryParams::default()).await.unwrap(),
        );
        assert_eq!(local.rows.len(), 1);
        let col = |name: &str| local.columns.iter().position(|c| c.name == name).unwrap();
        assert_eq!(local.rows[0][col("release_version")].as_deref(), Some(b"4.1.3".as_slice()));
        assert_eq!(
            local.rows[0][col("partitioner")].as_deref(),
            Some(b"org.apache.cassandra.dht.Murmur3Partitioner".as_slice())
        );
        assert!(text_rows(&engine, &mut s, "SELECT * FROM system.peers_v2").await.is_empty());
        assert!(text_rows(&engine, &mut s, "SELECT * FROM system.peers").await.is_empty());
        let tables =
            text_rows(&engine, &mut s, "SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'app'").await;
        assert_eq!(tables, vec![vec![Some(Bytes::from_static(b"t"))]]);
        let columns = text_rows(
            &engine,
            &mut s,
            "SELECT column_name, kind FROM system_schema.columns WHERE keyspace_name = 'app' AND table_name = 't'",
        )
        .await;
        assert_eq!(columns.len(), 3);
        let keyspaces = text_rows(&engine, &mut s, "SELECT keyspace_name FROM system_schema.keyspaces").await;
        assert_eq!(keyspaces.len(), 6);
        let prepared =
            engine.prepare(&mut s, "SELECT * FROM system_schema.columns WHERE keyspace_name = ?", None).await.unwrap();
        let values = Values::Positional(vec![BoundValue::Bytes(Bytes::from_static(b"system"))]);
        let got =
            rows(engine.execute(&mut s, &prepared.id, QueryParams { values, ..QueryParams::default() }).await.unwrap());
        assert!(got.rows.len() > 20, "the system tables describe themselves");
        assert!(!text_rows(&engine, &mut s, "SELECT * FROM system_virtual_schema.tables").await.is_empty());
        let described = text_rows(&engine, &mut s, "DESCRIBE TABLE app.t").await;
        let text = String::from_utf8(described[0][3].clone().unwrap().to_vec()).unwrap();
        assert!(
            text.starts_with("CREATE TABLE app.t (\n    k int,\n    c text,\n    v int,\n    PRIMARY KEY (k, c)\n)"),
            "{text}"
        );
        let e = engine.query(&mut s, "SELECT * FROM system.nope", QueryParams::default()).await.unwrap_err();
        assert_eq!(e.message(), "unconfigured table nope");
    }
}

#[cfg(test)]
#[path = "function_tests.rs"]
mod function_tests;
#[cfg(test)]
#[path = "page_tests.rs"]
mod page_tests;
