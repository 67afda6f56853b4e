//! The MySQL session and catalog surface of the SQL engine: what a MySQL-dialect
//! [`Session`] adds on top of the shared engine.
//!
//! The model: a MySQL *database* is an engine *schema* inside one fixed engine database
//! named `def` (MySQL's catalog name); `USE d` switches the schema unqualified names
//! resolve to, and with none selected an unqualified table name is error 1046.
//! information_schema, mysql, performance_schema and sys always exist (virtual).
//!
//! * [`variables`]: system variables (MySQL 8.0's defaults, scopes, checks),
//! * [`set`]: the SET forms (system and user variables, NAMES, CHARACTER SET, TRANSACTION),
//! * [`txn`]: MySQL's transactions (autocommit, implicit commits, statement rollback),
//! * [`show`], [`server`] and [`describe`]: SHOW ... and DESCRIBE, SHOW CREATE TABLE,
//! * [`info_schema`]: information_schema with MySQL 8's names and values,
//! * [`origin`] and [`decimals`]: where a result column comes from, how many decimals it shows,
//! * [`bind`]: `@@var`, `@var` and the functions that read session state, for the binder,
//! * [`rewrite`]: token rewrites for statements sqlparser does not parse,
//! * [`errors`]: MySQL error numbers of engine errors.
//!
//! The session hooks are in [`crate::session`] (one call per place, when the engine's
//! dialect is MySQL); PostgreSQL sessions never reach this module.

pub mod bind;
pub mod decimals;
pub mod describe;
pub mod errors;
pub mod info_schema;
pub mod origin;
pub mod rewrite;
pub mod server;
pub mod set;
pub mod show;
pub mod txn;
pub mod variables;

use crate::error::SqlError;
use crate::session::Session;
use orbit_storage::{TableStorage, Value};
use parking_lot::{Mutex, RwLock};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The engine database every MySQL database lives in (as a schema).
pub const CATALOG: &str = "def";

/// The system databases every MySQL server shows.
pub const SYSTEM_DATABASES: &[&str] = &["information_schema", "mysql", "performance_schema", "sys"];

pub fn is_system_database(name: &str) -> bool {
    SYSTEM_DATABASES.iter().any(|d| d.eq_ignore_ascii_case(name))
}

/// A session's cancel flag and its killed flag.
type KillFlags = (Arc<AtomicBool>, Arc<AtomicBool>);

/// Server-wide MySQL state of one engine: global variables, status counters, connections.
pub struct ServerState {
    pub(crate) globals: RwLock<BTreeMap<&'static str, Value>>,
    pub(crate) started: Instant,
    pub(crate) connections: AtomicU64,
    pub(crate) threads_connected: AtomicU64,
    next_connection_id: AtomicU32,
    /// Global status counters (the sum over every session, alive or gone).
    pub(crate) status: Mutex<BTreeMap<String, u64>>,
    /// Open sessions by connection id: their cancel flag and whether KILL closed them.
    sessions: Mutex<HashMap<u32, KillFlags>>,
}

impl Default for ServerState {
    fn default() -> Self {
        let globals = variables::VARIABLES.iter().map(|v| (v.name, variables::default_value(v))).collect();
        ServerState {
            globals: RwLock::new(globals),
            started: Instant::now(),
            connections: AtomicU64::new(0),
            threads_connected: AtomicU64::new(0),
            next_connection_id: AtomicU32::new(1),
            status: Mutex::new(BTreeMap::new()),
            sessions: Mutex::new(HashMap::new()),
        }
    }
}

/// One entry of the diagnostics area (SHOW WARNINGS / SHOW ERRORS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// "Note", "Warning" or "Error".
    pub level: &'static str,
    pub code: u16,
    pub message: String,
}

/// A session change a statement asks for while it is bound (`LAST_INSERT_ID(5)`,
/// `@x := 5`), applied when the statement succeeds.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LastInsertId(u64),
    UserVariable(String, Value),
}

/// The MySQL part of a session.
pub struct MySqlSession {
    pub(crate) database: Option<String>,
    pub(crate) vars: Arc<BTreeMap<&'static str, Value>>,
    pub(crate) user_vars: Arc<HashMap<String, Value>>,
    pub(crate) connection_id: u32,
    pub(crate) host: String,
    pub(crate) last_insert_id: u64,
    /// ROW_COUNT(): rows changed by the last statement, -1 after a SELECT.
    pub(crate) row_count: i64,
    pub(crate) found_rows: u64,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) effects: Arc<Mutex<Vec<Effect>>>,
    /// Session status counters (Questions, Com_select, Bytes_received, ...).
    pub(crate) status: BTreeMap<String, u64>,
    /// The open transaction was started READ ONLY.
    pub(crate) read_only_tx: bool,
    pub(crate) started: Instant,
    /// Set by another session's KILL [CONNECTION] of this one.
    pub(crate) killed: Arc<AtomicBool>,
}

impl MySqlSession {
    pub(crate) fn new(server: &ServerState) -> MySqlSession {
        server.connections.fetch_add(1, Ordering::Relaxed);
        server.threads_connected.fetch_add(1, Ordering::Relaxed);
        MySqlSession {
            database: None,
            vars: Arc::new(session_defaults(server)),
            user_vars: Arc::new(HashMap::new()),
            connection_id: server.next_connection_id.fetch_add(1, Ordering::Relaxed),
            host: "localhost".into(),
            last_insert_id: 0,
            row_count: -1,
            found_rows: 0,
            diagnostics: Vec::new(),
            effects: Arc::new(Mutex::new(Vec::new())),
            status: BTreeMap::new(),
            read_only_tx: false,
            started: Instant::now(),
            killed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The time `SET timestamp = n` fixed for NOW() and friends (micros), if any.
    pub(crate) fn fixed_now(&self) -> Option<i64> {
        match self.vars.get("timestamp") {
            Some(Value::Int(n)) if *n > 0 => Some(n.saturating_mul(1_000_000)),
            _ => None,
        }
    }

    pub(crate) fn autocommit(&self) -> bool {
        !matches!(self.vars.get("autocommit"), Some(Value::Int(0)))
    }

    pub(crate) fn foreign_key_checks(&self) -> bool {
        !matches!(self.vars.get("foreign_key_checks"), Some(Value::Int(0)))
    }

    pub(crate) fn warning_count(&self) -> usize {
        self.diagnostics.len()
    }

    pub(crate) fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.level == "Error").count()
    }

    pub(crate) fn bump(&mut self, counter: &str, n: u64) {
        *self.status.entry(counter.to_string()).or_default() += n;
    }

    /// A session variable's current value (the computed ones included); None if unknown.
    pub(crate) fn variable(&self, var: &variables::Var, user: &str) -> Value {
        match var.name {
            "warning_count" => Value::Int(self.warning_count() as i64),
            "error_count" => Value::Int(self.error_count() as i64),
            "last_insert_id" | "identity" => Value::Int(self.last_insert_id as i64),
            "timestamp" => match self.fixed_now() {
                Some(t) => Value::Int(t / 1_000_000),
                None => Value::Float(crate::expr::functions::now_micros() as f64 / 1e6),
            },
            _ => {
                let _ = user;
                self.vars.get(var.name).cloned().unwrap_or_else(|| variables::default_value(var))
            }
        }
    }
}

fn session_defaults(server: &ServerState) -> BTreeMap<&'static str, Value> {
    server.globals.read().clone()
}

/// Creates the `def` database of a MySQL engine when missing.
pub(crate) async fn ensure_catalog(
    storage: &Arc<dyn TableStorage>,
    state: &mut crate::catalog::CatalogState,
) -> Result<(), SqlError> {
    if !state.databases.contains(CATALOG) {
        storage.upsert(crate::catalog::DATABASES, vec![Value::Text(CATALOG.into())]).await?;
        state.databases.insert(CATALOG.into());
    }
    Ok(())
}

fn unknown_database(name: &str) -> SqlError {
    SqlError::new("42000", format!("Unknown database '{name}'")).with_mysql_errno(1049)
}

pub(crate) fn no_database() -> SqlError {
    SqlError::new("3D000", "No database selected").with_mysql_errno(1046)
}

fn mysql(s: &Session) -> &MySqlSession {
    s.mysql.as_deref().expect("a MySQL session")
}

fn mysql_mut(s: &mut Session) -> &mut MySqlSession {
    s.mysql.as_deref_mut().expect("a MySQL session")
}

/// The public surface the MySQL listener uses (every method is a no-op or neutral on a
/// PostgreSQL session).
impl Session {
    /// Whether the session is in autocommit mode (`@@autocommit`).
    pub fn autocommit(&self) -> bool {
        self.mysql.as_deref().is_none_or(|m| m.autocommit())
    }

    /// Whether a transaction is open (SERVER_STATUS_IN_TRANS).
    pub fn in_transaction(&self) -> bool {
        self.transaction_status() != crate::TransactionStatus::Idle
    }

    /// Warnings of the last statement (the OK and EOF packets' warning count).
    pub fn warning_count(&self) -> u16 {
        self.mysql.as_deref().map_or(0, |m| m.warning_count().min(u16::MAX as usize) as u16)
    }

    /// The last statement's diagnostics (what SHOW WARNINGS lists).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.mysql.as_deref().map(|m| m.diagnostics.clone()).unwrap_or_default()
    }

    /// The connection id CONNECTION_ID() and SHOW PROCESSLIST report (the session has
    /// one from the engine's counter until the listener sets its own).
    pub fn set_connection_id(&mut self, id: u32) {
        let cancel = self.cancel.clone();
        if let Some(m) = self.mysql.as_deref_mut() {
            let mut sessions = self.engine.mysql.sessions.lock();
            sessions.remove(&m.connection_id);
            m.connection_id = id;
            sessions.insert(id, (cancel, m.killed.clone()));
        }
    }

    /// Whether another session's KILL [CONNECTION] ended this one (the listener then
    /// closes the connection).
    pub fn is_killed(&self) -> bool {
        self.mysql.as_deref().is_some_and(|m| m.killed.load(Ordering::Relaxed))
    }

    /// KILL [QUERY | CONNECTION] id: cancels the running statement of session `id` (and,
    /// for CONNECTION, marks it killed). 1094 for an unknown id.
    pub(crate) fn mysql_kill(&self, id: u64, connection: bool) -> Result<(), SqlError> {
        let sessions = self.engine.mysql.sessions.lock();
        let Some((cancel, killed)) = u32::try_from(id).ok().and_then(|id| sessions.get(&id)) else {
            return Err(SqlError::new("HY000", format!("Unknown thread id: {id}")).with_mysql_errno(1094));
        };
        if connection {
            killed.store(true, Ordering::Relaxed);
        }
        cancel.store(true, Ordering::Relaxed);
        Ok(())
    }

    pub fn connection_id(&self) -> u32 {
        self.mysql.as_deref().map_or(0, |m| m.connection_id)
    }

    /// The client's host, for USER() ('user@host'); "localhost" until set.
    pub fn set_client_host(&mut self, host: &str) {
        if let Some(m) = self.mysql.as_deref_mut() {
            m.host = host.to_string();
        }
    }

    /// The selected MySQL database (DATABASE()), None when there is none.
    pub fn current_database(&self) -> Option<String> {
        match self.mysql.as_deref() {
            Some(m) => m.database.clone(),
            None => Some(self.database.clone()),
        }
    }

    /// Selects the MySQL database unqualified names resolve to (USE, COM_INIT_DB, the
    /// handshake's database): 1049 when it does not exist.
    pub fn set_current_database(&mut self, name: &str) -> Result<(), SqlError> {
        let canonical = self.mysql_database_name(name).ok_or_else(|| unknown_database(name))?;
        let m = mysql_mut(self);
        m.database = Some(canonical);
        Ok(())
    }

    /// COM_RESET_CONNECTION: rolls back, clears user variables and the diagnostics,
    /// resets the session variables to the global values; the database stays selected.
    pub async fn reset(&mut self) {
        if self.mysql.is_none() {
            return;
        }
        let _ = self.mysql_end_transaction(false).await;
        let vars = session_defaults(&self.engine.mysql);
        let m = mysql_mut(self);
        m.vars = Arc::new(vars);
        m.user_vars = Arc::new(HashMap::new());
        m.diagnostics.clear();
        m.last_insert_id = 0;
        m.row_count = -1;
        m.found_rows = 0;
        m.read_only_tx = false;
    }

    /// Adds traffic to Bytes_received / Bytes_sent (SHOW STATUS); the listener calls it.
    pub fn record_traffic(&mut self, received: u64, sent: u64) {
        if let Some(m) = self.mysql.as_deref_mut() {
            m.bump("Bytes_received", received);
            m.bump("Bytes_sent", sent);
        }
        let mut g = self.engine.mysql.status.lock();
        *g.entry("Bytes_received".into()).or_default() += received;
        *g.entry("Bytes_sent".into()).or_default() += sent;
    }

    /// The value LAST_INSERT_ID() returns; INSERT sets it to the first generated
    /// AUTO_INCREMENT value of the statement.
    pub(crate) fn set_last_insert_id(&mut self, id: u64) {
        if let Some(m) = self.mysql.as_deref_mut() {
            m.last_insert_id = id;
        }
    }

    pub fn last_insert_id(&self) -> u64 {
        self.mysql.as_deref().map_or(0, |m| m.last_insert_id)
    }

    /// The schema name of MySQL database `name` (system databases in lower case), if
    /// it exists.
    pub(crate) fn mysql_database_name(&self, name: &str) -> Option<String> {
        if is_system_database(name) {
            return Some(name.to_ascii_lowercase());
        }
        let cat = self.engine.catalog();
        let q = format!("{CATALOG}.{name}");
        cat.schemas.contains(&q).then(|| name.to_string())
    }

    /// The user databases (schemas of `def`), sorted.
    pub(crate) fn mysql_user_databases(&self) -> Vec<String> {
        let prefix = format!("{CATALOG}.");
        self.engine.catalog().schemas.iter().filter_map(|s| s.strip_prefix(&prefix).map(str::to_string)).collect()
    }
}

/// The session's schema for the binder: the selected database, or "" (none).
pub(crate) fn current_schema(s: &Session) -> String {
    mysql(s).database.clone().unwrap_or_default()
}

/// The MySQL session values the executor sees (`mysql.database`, `mysql.user`
/// 'user@host', `mysql.connection_id`, `mysql.last_insert_id`, `mysql.version`).
pub(crate) fn session_info(m: &MySqlSession, user: &str, out: &mut HashMap<String, String>) {
    if let Some(db) = &m.database {
        out.insert("mysql.database".into(), db.clone());
    }
    out.insert("mysql.user".into(), format!("{user}@{}", m.host));
    out.insert("mysql.connection_id".into(), m.connection_id.to_string());
    out.insert("mysql.last_insert_id".into(), m.last_insert_id.to_string());
    out.insert("mysql.version".into(), variables::VERSION.to_string());
}

/// Registers a new MySQL session for KILL.
pub(crate) fn on_new(s: &Session) {
    if let Some(m) = s.mysql.as_deref() {
        s.engine.mysql.sessions.lock().insert(m.connection_id, (s.cancel.clone(), m.killed.clone()));
    }
}

/// Releases a MySQL session's server-wide share (Threads_connected, KILL).
pub(crate) fn on_drop(s: &Session) {
    if s.mysql.is_some() {
        s.engine.mysql.threads_connected.fetch_sub(1, Ordering::Relaxed);
        let m = mysql(s);
        s.engine.mysql.sessions.lock().remove(&m.connection_id);
        let mut g = s.engine.mysql.status.lock();
        for (k, v) in &m.status {
            if !k.starts_with("Bytes_") {
                *g.entry(k.clone()).or_default() += v;
            }
        }
    }
}
