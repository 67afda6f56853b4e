//! Sessions: one per connection. A session holds the current database, the settings
//! (SET/SHOW/RESET), and the transaction state: autocommit (each statement in its own
//! storage transaction, committed when it succeeds and rolled back when it fails) or an
//! explicit block (BEGIN … COMMIT on one storage transaction; an error puts the block
//! in the failed state, where everything but ROLLBACK/COMMIT gets 25P02).
//!
//! Savepoints are kept as a log: every statement executed in a block is recorded, and
//! ROLLBACK TO SAVEPOINT rolls the storage transaction back and replays the statements
//! that precede the savepoint in a fresh one.

use crate::error::{sqlstate, SqlError};
use crate::exec::{self, ExecCtx};
use crate::plan::bind::Binder;
use crate::types::SqlType;
use crate::{Column, Engine, QueryOutput, StatementDescription, TransactionStatus};
use orbit_storage::{Transaction, Value};
use sqlparser::ast::{self, Statement};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const SETTINGS: &[(&str, &str)] = &[
    ("application_name", ""),
    ("bytea_output", "hex"),
    ("client_encoding", "UTF8"),
    ("client_min_messages", "notice"),
    ("datestyle", "ISO, MDY"),
    ("default_transaction_isolation", "read committed"),
    ("default_transaction_read_only", "off"),
    ("escape_string_warning", "on"),
    ("extra_float_digits", "1"),
    ("idle_in_transaction_session_timeout", "0"),
    ("integer_datetimes", "on"),
    ("intervalstyle", "postgres"),
    ("is_superuser", "on"),
    ("lc_collate", "C"),
    ("lc_ctype", "C"),
    ("lc_messages", "C"),
    ("lc_monetary", "C"),
    ("lc_numeric", "C"),
    ("lc_time", "C"),
    ("lock_timeout", "0"),
    ("max_identifier_length", "63"),
    ("password_encryption", "scram-sha-256"),
    ("search_path", "\"$user\", public"),
    ("server_encoding", "UTF8"),
    ("server_version", "15.0"),
    ("server_version_num", "150000"),
    ("standard_conforming_strings", "on"),
    ("statement_timeout", "0"),
    ("synchronous_commit", "on"),
    ("timezone", "UTC"),
    ("transaction_isolation", "read committed"),
    ("transaction_read_only", "off"),
    ("work_mem", "4MB"),
    ("jit", "off"),
    ("row_security", "on"),
    ("enable_seqscan", "on"),
];

/// Settings a client may not change.
const READ_ONLY: &[&str] = &[
    "server_version",
    "server_version_num",
    "server_encoding",
    "integer_datetimes",
    "max_identifier_length",
    "lc_collate",
    "lc_ctype",
    "is_superuser",
];

/// PostgreSQL's spelling of setting names (SHOW prints the name as given, this is for SHOW ALL).
fn display_name(name: &str) -> &str {
    match name {
        "datestyle" => "DateStyle",
        "intervalstyle" => "IntervalStyle",
        "timezone" => "TimeZone",
        other => other,
    }
}

/// A statement of an open block, kept for replay after ROLLBACK TO SAVEPOINT.
#[derive(Clone)]
struct LoggedStatement {
    sql: String,
    param_types: Vec<SqlType>,
    params: Vec<Value>,
    seq_draws: Vec<i64>,
}

pub struct Session {
    pub(crate) engine: Arc<Engine>,
    pub(crate) database: String,
    pub(crate) user: String,
    settings: crate::settings::Settings,
    pub(crate) tx: Option<Box<dyn Transaction>>,
    pub(crate) status: TransactionStatus,
    pub(crate) cancel: Arc<AtomicBool>,
    /// Statements of the open block (for savepoint replay) and the savepoints' positions.
    block_log: Vec<LoggedStatement>,
    /// Schema changes made inside the current block: they took effect at once (the
    /// storage catalog is not transactional); rolling back runs their undo statements.
    block_ddl: Vec<crate::ddl_undo::SchemaChange>,
    /// Tables a COPY of the open block wrote: their storage schema may change at commit
    /// (a bulk load's publish), so the catalog re-reads them then.
    pub(crate) block_copies: Vec<String>,
    /// Tables with hnsw indexes the open transaction wrote: their in-memory indexes are
    /// marked for a rebuild when it commits (see [`crate::vector::hnsw`]).
    pub(crate) vector_writes: std::collections::BTreeSet<String>,
    /// Sequence values the running statement drew (first value of each block, in order);
    /// replayed statements take theirs from `replay_draws` instead of drawing new ones.
    pub(crate) seq_draws: Vec<i64>,
    pub(crate) replay_draws: Option<std::collections::VecDeque<i64>>,
    /// Savepoints: name, length of `block_log` and of `block_ddl` when it was set.
    savepoints: Vec<(String, usize, usize)>,
    replaying: bool,
    /// The block's transaction was begun for the statement now running, so its snapshot
    /// is already that statement's (no refresh needed).
    fresh_snapshot: bool,
    /// The current schema as last resolved, with the settings version and the catalog
    /// snapshot it was resolved under (search_path names schemas that may come and go).
    schema_cache: parking_lot::Mutex<Option<(u64, Arc<crate::catalog::CatalogState>, String)>>,
    /// The open block is the extended protocol's implicit transaction (from the first
    /// Execute after a Sync up to the next Sync), not a BEGIN block.
    implicit: bool,
    /// Notices of the running query string, and the index of its statement being run.
    notices: Vec<crate::error::Notice>,
    statement_index: usize,
    /// Prepared statements the client asked to DEALLOCATE (None = ALL); the wire
    /// listener, which owns the prepared statements, takes and applies them.
    deallocations: Vec<Option<String>>,
    /// This session's identity in the engine's row locks (see [`crate::locks`]).
    pub(crate) lock_owner: u64,
    /// The plan slot of the prepared statement being executed (see [`crate::prepared`]).
    pub(crate) plan_slot: Option<crate::prepared::PlanSlot>,
    /// The MySQL session state (MySQL-dialect engines only; see [`crate::mysql`]).
    pub(crate) mysql: Option<Box<crate::mysql::MySqlSession>>,
    /// Streaming (see [`crate::streaming`]): whether the listener asked for it for the
    /// next statement, the stream that statement left, and a counter of ended blocks
    /// (a stream reading in a block is tied to it).
    pub(crate) stream_requested: bool,
    pub(crate) open_stream: Option<crate::streaming::QueryStream>,
    pub(crate) block_generation: u64,
    /// The block's open cursors (see [`crate::cursors`]).
    pub(crate) cursors: HashMap<String, crate::cursors::Cursor>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.engine.locks.release(self.lock_owner);
        crate::mysql::on_drop(self);
    }
}

impl Session {
    /// Fails with 3D000 when the database does not exist; "postgres" always exists.
    /// A MySQL-dialect session opens the engine database `def` (see [`crate::mysql`]).
    pub fn new(engine: Arc<Engine>, database: &str, user: &str) -> Result<Session, SqlError> {
        let mysql = engine.dialect.is_mysql().then(|| Box::new(crate::mysql::MySqlSession::new(&engine.mysql)));
        if mysql.is_some() && database != crate::mysql::CATALOG {
            return Err(SqlError::new(sqlstate::INVALID_CATALOG_NAME, format!("MySQL sessions open database \"{}\"", crate::mysql::CATALOG)));
        }
        if database != "postgres" && !engine.catalog().databases.contains(database) {
            return Err(SqlError::new(
                sqlstate::INVALID_CATALOG_NAME,
                format!("database \"{database}\" does not exist"),
            ));
        }
        let settings = SETTINGS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let lock_owner = engine.locks.new_owner();
        let session = Session {
            engine,
            database: database.to_string(),
            user: user.to_string(),
            settings,
            tx: None,
            status: TransactionStatus::Idle,
            cancel: Arc::new(AtomicBool::new(false)),
            block_log: Vec::new(),
            block_ddl: Vec::new(),
            block_copies: Vec::new(),
            vector_writes: Default::default(),
            seq_draws: Vec::new(),
            replay_draws: None,
            savepoints: Vec::new(),
            replaying: false,
            fresh_snapshot: false,
            schema_cache: parking_lot::Mutex::new(None),
            implicit: false,
            notices: Vec::new(),
            statement_index: 0,
            deallocations: Vec::new(),
            lock_owner,
            plan_slot: None,
            mysql,
            stream_requested: false,
            open_stream: None,
            block_generation: 0,
            cursors: HashMap::new(),
        };
        crate::mysql::on_new(&session);
        Ok(session)
    }

    /// How many notices the running query string has raised so far.
    pub(crate) fn notice_count(&self) -> usize {
        self.notices.len()
    }

    /// Takes the notices raised since there were `from`.
    pub(crate) fn drain_notices_from(&mut self, from: usize) -> Vec<crate::error::Notice> {
        if from >= self.notices.len() {
            return Vec::new();
        }
        self.notices.split_off(from)
    }

    /// The notices the last query string raised, each tagged with its statement.
    pub fn take_notices(&mut self) -> Vec<crate::error::Notice> {
        std::mem::take(&mut self.notices)
    }

    /// Tells the client something at NOTICE level.
    pub(crate) fn notice(&mut self, code: &'static str, message: impl Into<String>) {
        let statement = self.statement_index;
        self.notices.push(crate::error::Notice { statement, severity: "NOTICE", code, message: message.into() });
    }

    /// Tells the client something at WARNING level.
    pub(crate) fn warning(&mut self, code: &'static str, message: impl Into<String>) {
        let statement = self.statement_index;
        self.notices.push(crate::error::Notice { statement, severity: "WARNING", code, message: message.into() });
    }

    pub fn transaction_status(&self) -> TransactionStatus {
        if self.implicit {
            return TransactionStatus::Idle;
        }
        self.status
    }

    /// Extended protocol Execute: the statements executed between two Syncs form one
    /// implicit transaction, as in PostgreSQL: it commits at [`Session::sync`], and an
    /// error rolls all of them back (the listener then skips messages until Sync). A
    /// BEGIN among them turns the implicit transaction into an ordinary block.
    pub async fn execute_extended(
        &mut self,
        sql: &str,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        self.statement_index = 0;
        let stmt = match single_statement(self.engine.dialect, sql) {
            Ok(Some(stmt)) => stmt,
            Ok(None) => return Ok(QueryOutput::Empty),
            Err(e) => {
                self.fail_extended().await;
                return Err(e);
            }
        };
        self.execute_extended_statement(&stmt, param_types, params).await
    }

    /// [`Session::execute_extended`] of a parsed statement.
    pub(crate) async fn execute_extended_statement(
        &mut self,
        stmt: &Statement,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        self.statement_index = 0;
        let own_transaction = matches!(
            stmt,
            Statement::CreateDatabase { .. } | Statement::Drop { object_type: ast::ObjectType::Database, .. }
        );
        if self.status == TransactionStatus::Idle && !own_transaction && !is_transaction_control(&stmt) {
            self.tx = Some(self.engine.storage.begin().await?);
            self.status = TransactionStatus::InBlock;
            self.implicit = true;
            self.fresh_snapshot = true;
        }
        match &stmt {
            Statement::StartTransaction { .. } if self.implicit => {
                self.implicit = false;
                return Ok(cmd("BEGIN"));
            }
            Statement::Commit { .. } | Statement::Rollback { savepoint: None, .. } if self.implicit => {
                self.implicit = false;
            }
            _ => {}
        }
        let result = self.execute_statement(&stmt, param_types, params).await;
        self.fresh_snapshot = false;
        if result.is_err() {
            self.fail_extended().await;
        }
        result
    }

    /// COPY FROM STDIN holds its transaction across the client's messages: the open
    /// block's (for the extended protocol, its implicit one, begun here) or its own.
    /// Returns the transaction and whether it belongs to a block.
    pub(crate) async fn begin_copy_in(&mut self, extended: bool) -> Result<(Box<dyn Transaction>, bool), SqlError> {
        self.statement_index = 0;
        if !extended {
            self.sync().await?;
        }
        if self.status == TransactionStatus::Failed {
            return Err(SqlError::new(
                sqlstate::IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block",
            ));
        }
        if extended && self.status == TransactionStatus::Idle {
            self.tx = Some(self.engine.storage.begin().await?);
            self.status = TransactionStatus::InBlock;
            self.implicit = true;
        }
        if self.status == TransactionStatus::InBlock {
            let tx = match self.tx.take() {
                Some(tx) => tx,
                None => self.engine.storage.begin().await?,
            };
            return Ok((tx, true));
        }
        Ok((self.engine.storage.begin().await?, false))
    }

    /// Ends a COPY FROM STDIN begun with [`Session::begin_copy_in`]: its own transaction
    /// commits (or rolls back); a block's goes back to the block, which fails with it.
    pub(crate) async fn end_copy_in(
        &mut self,
        tx: Box<dyn Transaction>,
        in_block: bool,
        ok: bool,
    ) -> Result<(), SqlError> {
        if !in_block {
            return if ok {
                let committed = tx.commit().await;
                if committed.is_ok() {
                    self.engine.vectors.mark_all_changed();
                }
                committed.map_err(Into::into)
            } else {
                let _ = tx.rollback().await;
                Ok(())
            };
        }
        self.tx = Some(tx);
        if ok {
            // Savepoint replay cannot re-run a COPY: an empty entry marks it.
            self.block_log.push(LoggedStatement {
                sql: String::new(),
                param_types: Vec::new(),
                params: Vec::new(),
                seq_draws: Vec::new(),
            });
        } else {
            self.fail_extended().await;
        }
        Ok(())
    }

    /// A statement that failed outside `execute_statement` (COPY).
    pub(crate) async fn copy_statement_failed(&mut self) {
        self.fail_extended().await;
    }

    /// An error in the implicit transaction rolls it back.
    pub(crate) async fn fail_extended(&mut self) {
        if self.implicit {
            self.implicit = false;
            let _ = self.end_block(false).await;
        } else {
            self.fail_block();
        }
    }

    /// Extended protocol Sync: commits the implicit transaction, if one is open.
    pub async fn sync(&mut self) -> Result<(), SqlError> {
        if !self.implicit {
            return Ok(());
        }
        self.implicit = false;
        self.end_block(true).await
    }

    /// Current value of a setting (case-insensitive name).
    pub fn setting(&self, name: &str) -> Option<String> {
        self.setting_ref(name).map(str::to_string)
    }

    /// [`Session::setting`] without copying the value.
    pub(crate) fn setting_ref(&self, name: &str) -> Option<&str> {
        let n: std::borrow::Cow<'_, str> =
            if name.bytes().any(|b| b.is_ascii_uppercase()) { name.to_ascii_lowercase().into() } else { name.into() };
        if n == "session_authorization" {
            return Some(&self.user);
        }
        self.settings.get(&n).map(String::as_str)
    }

    /// Changes whenever a setting does (SET, RESET, SET TRANSACTION): what a listener
    /// derived from the settings stays valid while this stays the same.
    pub fn settings_version(&self) -> u64 {
        self.settings.version()
    }

    /// The DEALLOCATE requests run since the last call (None = DEALLOCATE ALL).
    pub fn take_deallocations(&mut self) -> Vec<Option<String>> {
        std::mem::take(&mut self.deallocations)
    }

    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// The schema unqualified names resolve to (the first existing schema of search_path).
    pub(crate) fn current_schema(&self) -> String {
        if self.mysql.is_some() {
            return crate::mysql::current_schema(self);
        }
        let cat = self.engine.catalog();
        let version = self.settings.version();
        let mut cached = self.schema_cache.lock();
        if let Some((v, c, schema)) = cached.as_ref() {
            if *v == version && Arc::ptr_eq(c, &cat) {
                return schema.clone();
            }
        }
        let path = self.settings.get("search_path").cloned().unwrap_or_default();
        let mut schema = "public".to_string();
        for part in path.split(',') {
            let p = part.trim().trim_matches('"').to_string();
            let p = if p == "$user" { self.user.clone() } else { p };
            if cat.schemas.contains(&format!("{}.{}", self.database, p)) {
                schema = p;
                break;
            }
        }
        *cached = Some((version, cat, schema.clone()));
        schema
    }

    pub(crate) fn binder<'a>(&self, cat: &'a crate::catalog::CatalogState, params: &[SqlType]) -> Binder<'a> {
        let mut b = Binder::new(cat, &self.database, &self.current_schema(), params);
        b.dialect = self.engine.dialect;
        b.mysql = self.mysql_bind_env();
        b
    }

    pub(crate) fn session_info(&self) -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert("current_database".into(), self.database.clone());
        m.insert("current_schema".into(), self.current_schema());
        for k in ["current_user", "session_user", "user"] {
            m.insert(k.into(), self.user.clone());
        }
        if let Some(my) = self.mysql.as_deref() {
            crate::mysql::session_info(my, &self.user, &mut m);
        }
        m
    }

    /// Simple query protocol: every statement in order, stopping after the first error.
    pub async fn execute_batch(&mut self, sql: &str) -> Vec<Result<QueryOutput, SqlError>> {
        self.statement_index = 0;
        // A simple Query ends an extended-protocol implicit transaction left open without Sync.
        if let Err(e) = self.sync().await {
            return vec![Err(e)];
        }
        let stmts = match crate::parse::parse(self.engine.dialect, sql) {
            Ok(s) => s,
            Err(e) => {
                self.fail_block();
                self.mysql_statement_failed(&e);
                return vec![Err(e)];
            }
        };
        if stmts.is_empty() {
            return vec![Ok(QueryOutput::Empty)];
        }
        if stmts.len() > 1 {
            self.stream_requested = false; // the listener sends results after the last statement ran
        }
        // Several statements outside a block run in one implicit transaction, as in
        // PostgreSQL (unless the string itself controls transactions).
        let implicit = stmts.len() > 1
            && self.mysql.is_none()
            && self.status == TransactionStatus::Idle
            && !stmts.iter().any(|s| {
                matches!(
                    s,
                    Statement::StartTransaction { .. }
                        | Statement::Commit { .. }
                        | Statement::Rollback { .. }
                        | Statement::Savepoint { .. }
                        | Statement::ReleaseSavepoint { .. }
                        | Statement::CreateDatabase { .. }
                        | Statement::Drop { object_type: ast::ObjectType::Database, .. }
                )
            });
        if implicit {
            match self.engine.storage.begin().await {
                Ok(tx) => {
                    self.tx = Some(tx);
                    self.status = TransactionStatus::InBlock;
                }
                Err(e) => return vec![Err(e.into())],
            }
        }
        let mut out = Vec::with_capacity(stmts.len());
        let mut failed = false;
        for (i, stmt) in stmts.iter().enumerate() {
            self.statement_index = i;
            let r = Box::pin(self.execute_statement(stmt, &[], &[])).await; // boxed: callers' futures stay small
            failed = r.is_err();
            out.push(r);
            if failed {
                break;
            }
        }
        if implicit {
            if let Err(e) = self.end_block(!failed).await {
                if !failed {
                    out.push(Err(e));
                }
            }
        }
        out
    }

    /// Extended protocol Parse/Describe of exactly one statement.
    pub async fn describe(&mut self, sql: &str, param_types: &[SqlType]) -> Result<StatementDescription, SqlError> {
        let stmt = single_statement(self.engine.dialect, sql)?;
        let Some(stmt) = stmt else { return Ok(StatementDescription { params: vec![], columns: vec![] }) };
        if self.mysql.is_some() {
            if let Some(columns) = self.mysql_describe(&stmt).await? {
                return Ok(StatementDescription { params: vec![], columns });
            }
        }
        let cat = self.engine.catalog();
        match &stmt {
            Statement::Query(q) => {
                let mut dml_ctes = HashMap::new();
                for cte in q.with.iter().flat_map(|w| &w.cte_tables) {
                    let Some(dml) = crate::plan::bind::dml_cte_statement(&cte.query) else { continue };
                    let (_, columns) = self.describe_dml(&cat, dml, param_types)?;
                    let mut bound =
                        crate::plan::bind::materialized(columns.into_iter().map(|c| (c.name, c.ty)).collect(), vec![]);
                    for (col, alias) in bound.cols.iter_mut().zip(&cte.alias.columns) {
                        col.0 = crate::plan::bind::ident(&alias.name);
                    }
                    dml_ctes.insert(crate::plan::bind::ident(&cte.alias.name), bound);
                }
                let mut b = self.binder(&cat, param_types);
                b.dml_ctes = dml_ctes;
                let bound = b.bind_query(q)?;
                let mut columns: Vec<Column> = bound.cols.into_iter().map(|(name, ty)| Column::new(name, ty)).collect();
                if self.mysql.is_some() {
                    self.attach_origins(q, &mut columns);
                }
                Ok(StatementDescription { params: b.param_types(), columns })
            }
            Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => {
                let (params, columns) = self.describe_dml(&cat, &stmt, param_types)?;
                Ok(StatementDescription { params, columns })
            }
            Statement::Explain { .. } => Ok(StatementDescription {
                params: param_types
                    .iter()
                    .map(|t| if *t == SqlType::Unknown { SqlType::Text } else { t.clone() })
                    .collect(),
                columns: vec![Column::new("QUERY PLAN", SqlType::Text)],
            }),
            Statement::ShowVariable { variable } => {
                let name = variable.iter().map(|i| i.value.to_lowercase()).collect::<Vec<_>>().join(".");
                Ok(StatementDescription { params: vec![], columns: vec![Column::new(name, SqlType::Text)] })
            }
            _ => Ok(StatementDescription {
                params: param_types
                    .iter()
                    .map(|t| if *t == SqlType::Unknown { SqlType::Text } else { t.clone() })
                    .collect(),
                columns: vec![],
            }),
        }
    }

    /// Extended protocol Execute of one statement with bound parameters.
    pub async fn execute_with_params(
        &mut self,
        sql: &str,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        let stmt = match single_statement(self.engine.dialect, sql) {
            Ok(s) => s,
            Err(e) => {
                self.fail_block();
                self.mysql_statement_failed(&e);
                return Err(e);
            }
        };
        match stmt {
            None => Ok(QueryOutput::Empty),
            Some(stmt) => self.execute_statement(&stmt, param_types, params).await,
        }
    }

    /// One statement of `sql` in the session's dialect (none for an empty text).
    pub(crate) fn parse_single(&self, sql: &str) -> Result<Option<Statement>, SqlError> {
        single_statement(self.engine.dialect, sql)
    }

    /// An error in a block puts it in the failed state (never in MySQL, where the
    /// transaction goes on).
    pub(crate) fn fail_block(&mut self) {
        if self.status == TransactionStatus::InBlock && self.mysql.is_none() {
            self.status = TransactionStatus::Failed;
        }
    }

    pub(crate) async fn end_block(&mut self, commit: bool) -> Result<(), SqlError> {
        self.status = TransactionStatus::Idle;
        self.block_generation += 1;
        self.cursors.clear();
        self.block_log.clear();
        self.savepoints.clear();
        let ddl = std::mem::take(&mut self.block_ddl);
        let copies = std::mem::take(&mut self.block_copies);
        if let Some(tx) = self.tx.take() {
            let ended = if commit { tx.commit().await } else { tx.rollback().await };
            self.engine.locks.release(self.lock_owner);
            self.vector_writes_ended(commit && ended.is_ok());
            ended?;
        }
        self.vector_writes.clear();
        if commit && !copies.is_empty() {
            self.engine.vectors.mark_all_changed();
        }
        for table in copies {
            self.engine.refresh_table(&table).await?;
        }
        if !commit {
            self.undo_schema_changes(ddl, "rolling back").await?;
        }
        Ok(())
    }

    /// Takes back `changes` (newest first). When one of them cannot be undone, nothing is
    /// undone and the answer is 0A000 naming them.
    async fn undo_schema_changes(
        &mut self,
        changes: Vec<crate::ddl_undo::SchemaChange>,
        what: &str,
    ) -> Result<(), SqlError> {
        let irreversible: Vec<&str> = changes.iter().filter(|c| c.undo.is_none()).map(|c| c.label.as_str()).collect();
        if !irreversible.is_empty() {
            return Err(SqlError::not_supported(format!(
                "{what} schema changes that destroy or rename data ({}) made in a transaction block: the row \
                 changes were rolled back, the schema changes remain; transactional DROP/TRUNCATE/RENAME",
                irreversible.join(", ")
            )));
        }
        for change in changes.into_iter().rev() {
            for sql in change.undo.unwrap_or_default() {
                for stmt in crate::parse::parse(self.engine.dialect, &sql)? {
                    self.execute_ddl(&stmt).await?;
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn execute_statement(
        &mut self,
        stmt: &Statement,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        if self.mysql.is_some() {
            return self.mysql_execute(stmt, param_types, params).await;
        }
        self.cancel.store(false, Ordering::Relaxed);
        self.open_stream = None; // one the listener did not take is abandoned
        let timer = crate::timeouts::StatementTimer::arm(self.statement_timeout(), self.cancel.clone());
        let result = self.execute_statement_untimed(stmt, param_types, params).await;
        self.stream_requested = false;
        let result = match self.open_stream.as_mut() {
            Some(stream) if result.is_ok() => {
                stream.timer = Some(timer);
                result
            }
            _ => {
                self.open_stream = None;
                timer.finish(result)
            }
        };
        if self.engine.dialect.is_mysql() {
            return result.map_err(|e| crate::mysql_sql::errors::translate(e, &self.current_schema()));
        }
        result
    }

    pub(crate) async fn execute_statement_untimed(
        &mut self,
        stmt: &Statement,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        let is_end = matches!(stmt, Statement::Commit { .. } | Statement::Rollback { .. });
        if self.status == TransactionStatus::Failed && !is_end {
            return Err(SqlError::new(
                sqlstate::IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block",
            ));
        }
        match stmt {
            Statement::StartTransaction { .. } => {
                if self.status == TransactionStatus::Idle {
                    self.tx = Some(self.engine.storage.begin().await?);
                    self.status = TransactionStatus::InBlock;
                } else {
                    self.warning("25001", "there is already a transaction in progress");
                }
                return Ok(cmd("BEGIN"));
            }
            Statement::Commit { chain, .. } => {
                if *chain {
                    return Err(SqlError::not_supported("COMMIT AND CHAIN"));
                }
                return match self.status {
                    TransactionStatus::Failed => {
                        self.end_block(false).await?;
                        Ok(cmd("ROLLBACK"))
                    }
                    TransactionStatus::InBlock => {
                        self.end_block(true).await?;
                        Ok(cmd("COMMIT"))
                    }
                    TransactionStatus::Idle => {
                        self.warning("25P01", "there is no transaction in progress");
                        Ok(cmd("COMMIT"))
                    }
                };
            }
            Statement::Rollback { chain, savepoint } => {
                if *chain {
                    return Err(SqlError::not_supported("ROLLBACK AND CHAIN"));
                }
                return match savepoint {
                    None => {
                        if self.status == TransactionStatus::Idle {
                            self.warning("25P01", "there is no transaction in progress");
                        }
                        self.end_block(false).await?;
                        Ok(cmd("ROLLBACK"))
                    }
                    Some(name) => self.rollback_to(&crate::plan::bind::ident(name)).await,
                };
            }
            Statement::Declare { stmts } if self.mysql.is_none() => {
                let result = match stmts.as_slice() {
                    // Boxed: the declaration runs a whole statement inside this one's future.
                    [declare] => Box::pin(self.declare_cursor(declare, param_types, params)).await,
                    _ => Err(SqlError::not_supported("DECLARE of several cursors at once")),
                };
                if result.is_err() {
                    self.fail_block();
                }
                return result;
            }
            Statement::Fetch { name, direction, into, .. } if self.mysql.is_none() => {
                let result = match into {
                    None => Box::pin(self.fetch_cursor(name, direction)).await,
                    Some(_) => Err(SqlError::not_supported("FETCH ... INTO")),
                };
                if result.is_err() {
                    self.fail_block();
                }
                return result;
            }
            Statement::Close { cursor } if self.mysql.is_none() => {
                let result = Box::pin(self.close_cursor(cursor)).await;
                if result.is_err() {
                    self.fail_block();
                }
                return result;
            }
            Statement::Savepoint { name } => {
                if self.status != TransactionStatus::InBlock {
                    return Err(SqlError::new(
                        sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                        "SAVEPOINT can only be used in transaction blocks",
                    ));
                }
                self.savepoints.push((crate::plan::bind::ident(name), self.block_log.len(), self.block_ddl.len()));
                return Ok(cmd("SAVEPOINT"));
            }
            Statement::ReleaseSavepoint { name } => {
                let n = crate::plan::bind::ident(name);
                if self.status != TransactionStatus::InBlock {
                    return Err(SqlError::new(
                        sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                        "RELEASE SAVEPOINT can only be used in transaction blocks",
                    ));
                }
                match self.savepoints.iter().rposition(|(s, _, _)| *s == n) {
                    Some(i) => self.savepoints.truncate(i),
                    None => {
                        self.fail_block();
                        return Err(SqlError::new(sqlstate::NO_SAVEPOINT, format!("savepoint \"{n}\" does not exist")));
                    }
                }
                return Ok(cmd("RELEASE"));
            }
            _ => {}
        }
        self.seq_draws.clear();
        let tracked =
            self.status == TransactionStatus::InBlock && changes_schema(stmt) && !crate::roles::is_role_statement(stmt);
        let before = if tracked { Some(self.engine.catalog()) } else { None };
        let result = if let Some(r) = self.execute_utility(stmt).await {
            r
        } else {
            self.execute_in_transaction(stmt, param_types, params).await
        };
        if let (Some(before), true) = (before, result.is_ok()) {
            let after = self.engine.catalog();
            let undo = crate::ddl_undo::undo_for(&before, &after, &self.database, stmt);
            self.block_ddl.push(crate::ddl_undo::SchemaChange { label: schema_change_name(stmt), undo });
        }
        if result.is_err() {
            self.fail_block();
        } else if self.status == TransactionStatus::InBlock && !self.replaying && writes(stmt) {
            self.block_log.push(LoggedStatement {
                sql: if self.mysql.is_some() { crate::mysql::txn::replay_text(stmt) } else { stmt.to_string() },
                param_types: param_types.to_vec(),
                params: params.to_vec(),
                seq_draws: std::mem::take(&mut self.seq_draws),
            });
        }
        result
    }

    async fn rollback_to(&mut self, name: &str) -> Result<QueryOutput, SqlError> {
        if self.status == TransactionStatus::Idle {
            return Err(SqlError::new(
                sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                "ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
            ));
        }
        let Some(i) = self.savepoints.iter().rposition(|(s, _, _)| s == name) else {
            self.status = TransactionStatus::Failed;
            return Err(SqlError::new(sqlstate::NO_SAVEPOINT, format!("savepoint \"{name}\" does not exist")));
        };
        if self.block_log[..self.savepoints[i].1].iter().any(|entry| entry.sql.is_empty()) {
            self.status = TransactionStatus::Failed;
            return Err(SqlError::not_supported(
                "ROLLBACK TO SAVEPOINT set after a COPY FROM in the same transaction block",
            ));
        }
        let ddl_keep = self.savepoints[i].2;
        let undone = self.block_ddl[ddl_keep..].to_vec();
        if let Err(e) = self.undo_schema_changes(undone, "ROLLBACK TO SAVEPOINT after").await {
            self.status = TransactionStatus::Failed;
            return Err(e);
        }
        self.block_ddl.truncate(ddl_keep);
        let keep = self.savepoints[i].1;
        self.savepoints.truncate(i + 1);
        if let Some(tx) = self.tx.take() {
            tx.rollback().await?;
        }
        self.tx = Some(self.engine.storage.begin().await?);
        self.status = TransactionStatus::InBlock;
        self.block_log.truncate(keep);
        let log = self.block_log.clone();
        self.replaying = true;
        for entry in log {
            let stmts = crate::parse::parse(self.engine.dialect, &entry.sql)?;
            self.replay_draws = Some(entry.seq_draws.iter().copied().collect());
            for s in &stmts {
                if let Err(e) = self.execute_in_transaction(s, &entry.param_types, &entry.params).await {
                    self.replaying = false;
                    self.replay_draws = None;
                    self.status = TransactionStatus::Failed;
                    return Err(e);
                }
            }
        }
        self.replay_draws = None;
        self.replaying = false;
        Ok(cmd("ROLLBACK"))
    }

    /// Takes back the writes of a statement that failed in the open block: the block's
    /// transaction restarts and replays the statements logged before it (MySQL's
    /// statement rollback; the block goes on).
    pub(crate) async fn restart_block(&mut self) -> Result<(), SqlError> {
        if self.block_log.iter().any(|entry| entry.sql.is_empty()) {
            return Err(SqlError::not_supported("rolling back a failed statement after a LOAD DATA/COPY in the same transaction"));
        }
        if let Some(tx) = self.tx.take() {
            tx.rollback().await?;
        }
        self.tx = Some(self.engine.storage.begin().await?);
        self.status = TransactionStatus::InBlock;
        let log = self.block_log.clone();
        self.replaying = true;
        let mut result = Ok(());
        'replay: for entry in log {
            let stmts = match crate::parse::parse(self.engine.dialect, &entry.sql) {
                Ok(s) => s,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            self.replay_draws = Some(entry.seq_draws.iter().copied().collect());
            for st in &stmts {
                if let Err(e) = self.execute_in_transaction(st, &entry.param_types, &entry.params).await {
                    result = Err(e);
                    break 'replay;
                }
            }
        }
        self.replay_draws = None;
        self.replaying = false;
        result
    }

    /// Runs a statement that reads or writes rows in the block's transaction or in its own.
    pub(crate) async fn execute_in_transaction(
        &mut self,
        stmt: &Statement,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        if self.status == TransactionStatus::InBlock {
            let mut tx = match self.tx.take() {
                Some(tx) => tx,
                None => self.engine.storage.begin().await?,
            };
            // READ COMMITTED: each statement of a block sees every commit made before it
            // (a transaction begun for this very statement already does).
            let fresh = std::mem::take(&mut self.fresh_snapshot);
            if let Err(e) = if fresh { Ok(()) } else { tx.refresh_snapshot().await } {
                self.tx = Some(tx);
                return Err(e.into());
            }
            let r = Box::pin(self.execute_rows(tx.as_mut(), stmt, param_types, params)).await;
            self.tx = Some(tx);
            r
        } else {
            let mut tx = self.engine.storage.begin().await?;
            let result = match Box::pin(self.execute_rows(tx.as_mut(), stmt, param_types, params)).await {
                Ok(out) => match self.open_stream.as_mut() {
                    // The stream reads on in the statement's snapshot and commits at its end.
                    Some(stream) => {
                        stream.own_tx = Some(tx);
                        Ok(out)
                    }
                    None => {
                        let committed = tx.commit().await;
                        self.vector_writes_ended(committed.is_ok());
                        committed.map(|()| out).map_err(Into::into)
                    }
                },
                Err(e) => {
                    let _ = tx.rollback().await;
                    self.vector_writes_ended(false);
                    Err(e)
                }
            };
            self.engine.locks.release(self.lock_owner);
            result
        }
    }

    async fn execute_rows(
        &mut self,
        tx: &mut dyn Transaction,
        stmt: &Statement,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        let mut output = self.execute_rows_inner(tx, stmt, param_types, params).await?;
        if let (Some(_), Statement::Query(q), QueryOutput::Rows { columns, .. }) = (&self.mysql, stmt, &mut output) {
            match self.cached_mysql_columns(param_types) {
                Some(cached) => columns.clone_from(&cached),
                None => {
                    self.attach_origins(q, columns);
                    self.store_mysql_columns(param_types, columns);
                }
            }
        }
        Ok(output)
    }

    /// MySQL result columns: where each comes from (see [`crate::mysql::origin`]) and its
    /// decimals ([`crate::mysql::decimals`]).
    fn attach_origins(&self, q: &ast::Query, columns: &mut [Column]) {
        let cat = self.engine.catalog();
        let mut b = Binder::new(&cat, &self.database, &self.current_schema(), &[]);
        b.dialect = self.engine.dialect;
        crate::mysql::origin::attach(&b, q, columns);
        crate::mysql::decimals::attach(&b, q, columns);
    }

    async fn execute_rows_inner(
        &mut self,
        tx: &mut dyn Transaction,
        stmt: &Statement,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        match stmt {
            Statement::Query(q) => {
                if let Some((plan, cols)) = self.cached_plan(param_types) {
                    let rows = self.run_query_plan(tx, q, &plan, params).await?;
                    return Ok(QueryOutput::Rows {
                        columns: cols.iter().map(|(name, ty)| Column::new(name.clone(), ty.clone())).collect(),
                        rows,
                        affected: None,
                    });
                }
                let dml_ctes = self.run_dml_ctes(tx, q, param_types, params).await?;
                let cacheable = dml_ctes.is_empty() && self.plan_slot.is_some();
                let cat = self.engine.catalog();
                let (bound, reads_session) = {
                    let mut b = self.binder(&cat, param_types);
                    b.dml_ctes = dml_ctes;
                    let bound = b.bind_query(q)?;
                    (bound, b.mysql.as_ref().is_some_and(|env| env.volatile()))
                };
                if cacheable && !reads_session {
                    let plan = Arc::new(bound.plan);
                    let cols = Arc::new(bound.cols);
                    self.store_plan(cat, param_types, plan.clone(), cols.clone());
                    let rows = self.run_query_plan(tx, q, &plan, params).await?;
                    return Ok(QueryOutput::Rows {
                        columns: cols.iter().map(|(name, ty)| Column::new(name.clone(), ty.clone())).collect(),
                        rows,
                        affected: None,
                    });
                }
                let plan = Arc::new(bound.plan);
                let rows = self.run_query_plan(tx, q, &plan, params).await?; // never streams a WITH
                Ok(QueryOutput::Rows {
                    columns: bound.cols.into_iter().map(|(name, ty)| Column::new(name, ty)).collect(),
                    rows,
                    affected: None,
                })
            }
            Statement::Explain { statement, analyze, .. } => {
                if *analyze {
                    return Err(SqlError::not_supported("EXPLAIN ANALYZE"));
                }
                let lines = match statement.as_ref() {
                    Statement::Query(q) => {
                        let cat = self.engine.catalog();
                        let mut b = self.binder(&cat, param_types);
                        crate::plan::explain(&b.bind_query(q)?.plan)
                    }
                    other => self.explain_dml(other, param_types)?,
                };
                Ok(QueryOutput::Rows {
                    columns: vec![Column::new("QUERY PLAN", SqlType::Text)],
                    rows: lines.into_iter().map(|l| vec![Value::Text(l)]).collect(),
                    affected: None,
                })
            }
            Statement::Insert(ins) => self.execute_insert(tx, ins, param_types, params).await,
            Statement::Update(up) => self.execute_update(tx, up, param_types, params).await,
            Statement::Delete(del) => self.execute_delete(tx, del, param_types, params).await,
            other => self.execute_ddl(other).await,
        }
    }

    /// Runs the data-modifying CTEs of `q`'s WITH (`x AS (INSERT ... RETURNING ...)`),
    /// each exactly once and in order, whether or not the query reads them; their
    /// RETURNING rows become the CTEs' contents.
    async fn run_dml_ctes(
        &mut self,
        tx: &mut dyn Transaction,
        q: &sqlparser::ast::Query,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<HashMap<String, crate::plan::bind::Bound>, SqlError> {
        let mut out = HashMap::new();
        let Some(with) = &q.with else { return Ok(out) };
        for cte in &with.cte_tables {
            let Some(stmt) = crate::plan::bind::dml_cte_statement(&cte.query) else { continue };
            let name = crate::plan::bind::ident(&cte.alias.name);
            let result = match stmt {
                Statement::Insert(ins) => self.execute_insert(tx, ins, param_types, params).await?,
                Statement::Update(up) => self.execute_update(tx, up, param_types, params).await?,
                Statement::Delete(del) => self.execute_delete(tx, del, param_types, params).await?,
                _ => return Err(SqlError::not_supported("this statement in WITH")),
            };
            let (columns, rows) = match result {
                QueryOutput::Rows { columns, rows, .. } => {
                    (columns.into_iter().map(|c| (c.name, c.ty)).collect::<Vec<_>>(), rows)
                }
                _ => (Vec::new(), Vec::new()),
            };
            let mut bound = crate::plan::bind::materialized(columns, rows);
            for (col, alias) in bound.cols.iter_mut().zip(&cte.alias.columns) {
                col.0 = crate::plan::bind::ident(&alias.name);
            }
            out.insert(name, bound);
        }
        Ok(out)
    }

    /// The statement's current time: now, or the MySQL session's `SET timestamp`.
    pub(crate) fn statement_now(&self) -> i64 {
        self.mysql.as_ref().and_then(|m| m.fixed_now()).unwrap_or_else(crate::expr::functions::now_micros)
    }

    /// Runs the plan of query `q`: as a stream when the listener asked for one and the
    /// plan is a pipeline (the first batch returned, the rest left in `open_stream`;
    /// see [`crate::streaming`]), else at once.
    async fn run_query_plan(
        &mut self,
        tx: &mut dyn Transaction,
        q: &ast::Query,
        plan: &Arc<crate::plan::Plan>,
        params: &[Value],
    ) -> Result<Vec<Vec<Value>>, SqlError> {
        if self.take_stream_permission() && q.with.is_none() {
            let now = self.statement_now();
            if let Some(mut rows) = exec::stream::RowStream::new(plan, params, now, || self.session_info())? {
                let first = Box::pin(rows.next_batch(tx, &self.cancel)).await?; // boxed: keeps this future small
                if !rows.is_done() {
                    let block = self.block_generation;
                    self.open_stream = Some(crate::streaming::QueryStream { rows, own_tx: None, block, timer: None });
                }
                return Ok(first);
            }
        }
        self.run_plan(tx, plan, params).await
    }

    /// Prefetches and runs a plan.
    pub(crate) async fn run_plan(
        &mut self,
        tx: &mut dyn Transaction,
        plan: &crate::plan::Plan,
        params: &[Value],
    ) -> Result<Vec<Vec<Value>>, SqlError> {
        let now = self.statement_now();
        let data = exec::prefetch(tx, plan, params, now, &self.services()).await?;
        if self.cancel.load(Ordering::Relaxed) {
            return Err(SqlError::new(sqlstate::QUERY_CANCELED, "canceling statement due to user request"));
        }
        let ctx = ExecCtx::new(params.to_vec(), data, now, self.cancel.clone(), self.session_info());
        if self.mysql.is_none() {
            return exec::run(&ctx, plan, &[]);
        }
        crate::mysql_sql::functions::take_divisions_by_zero();
        crate::mysql_sql::functions::take_truncations();
        let rows = exec::run(&ctx, plan, &[]);
        for t in crate::mysql_sql::functions::take_truncations() {
            self.warning("22007", format!("Truncated incorrect DOUBLE value: '{t}'"));
        }
        for _ in 0..crate::mysql_sql::functions::take_divisions_by_zero() {
            self.warning(crate::error::sqlstate::DIVISION_BY_ZERO, "Division by 0");
        }
        rows
    }

    /// SET / SHOW / RESET and other statements that need no transaction.
    async fn execute_utility(&mut self, stmt: &Statement) -> Option<Result<QueryOutput, SqlError>> {
        Some(match stmt {
            Statement::Set(set) => self.execute_set(set),
            Statement::Vacuum(_) if crate::maintenance::decode(stmt).is_some() => {
                let m = crate::maintenance::decode(stmt).expect("checked");
                let in_block = self.status != TransactionStatus::Idle && !self.implicit;
                self.maintenance(&m, in_block).await
            }
            stmt if crate::roles::is_role_statement(stmt) => crate::roles::execute(self, stmt).await,
            Statement::ShowVariable { variable } => {
                let name = variable.iter().map(|i| i.value.to_lowercase()).collect::<Vec<_>>().join(".");
                if name == "all" {
                    let rows = self
                        .settings
                        .iter()
                        .map(|(k, v)| {
                            vec![
                                Value::Text(display_name(k).to_string()),
                                Value::Text(v.clone()),
                                Value::Text(String::new()),
                            ]
                        })
                        .collect();
                    return Some(Ok(QueryOutput::Rows {
                        columns: ["name", "setting", "description"]
                            .iter()
                            .map(|n| Column::new(n.to_string(), SqlType::Text))
                            .collect(),
                        rows,
                        affected: None,
                    }));
                }
                let name = match name.as_str() {
                    "time.zone" => "timezone".to_string(),
                    "transaction.isolation.level" => "transaction_isolation".to_string(),
                    _ => name,
                };
                match self.setting(&name) {
                    Some(v) => Ok(QueryOutput::Rows {
                        columns: vec![Column::new(name.clone(), SqlType::Text)],
                        rows: vec![vec![Value::Text(v)]],
                        affected: None,
                    }),
                    None => Err(unknown_setting(&name)),
                }
            }
            Statement::Reset(r) => match &r.reset {
                ast::Reset::ALL => {
                    for (k, v) in SETTINGS {
                        if !READ_ONLY.contains(k) {
                            self.settings.insert(k.to_string(), v.to_string());
                        }
                    }
                    Ok(cmd("RESET"))
                }
                ast::Reset::ConfigurationParameter(n) => {
                    let name = n.to_string().to_lowercase();
                    match SETTINGS.iter().find(|(k, _)| *k == name) {
                        Some((k, v)) => {
                            self.settings.insert(k.to_string(), v.to_string());
                            Ok(cmd("RESET"))
                        }
                        None if name.contains('.') => {
                            self.settings.remove(&name);
                            Ok(cmd("RESET"))
                        }
                        None => Err(unknown_setting(&name)),
                    }
                }
                ast::Reset::SessionAuthorization => Ok(cmd("RESET")),
            },
            Statement::Deallocate { name, .. } => {
                if name.quote_style.is_none() && name.value.eq_ignore_ascii_case("all") {
                    self.deallocations.push(None);
                    Ok(cmd("DEALLOCATE ALL"))
                } else {
                    self.deallocations.push(Some(crate::plan::bind::ident(name)));
                    Ok(cmd("DEALLOCATE"))
                }
            }
            Statement::Discard { .. } => {
                if self.status != TransactionStatus::Idle {
                    return Some(Err(SqlError::new(
                        sqlstate::ACTIVE_SQL_TRANSACTION,
                        "DISCARD ALL cannot run inside a transaction block",
                    )));
                }
                Ok(cmd("DISCARD ALL"))
            }
            _ => return None,
        })
    }

    fn execute_set(&mut self, set: &ast::Set) -> Result<QueryOutput, SqlError> {
        match set {
            ast::Set::SingleAssignment { variable, values, .. } => {
                let name = variable.to_string().to_lowercase();
                let value = values.iter().map(setting_value).collect::<Vec<_>>().join(", ");
                self.set_setting(&name, value)
            }
            ast::Set::SetTimeZone { value, .. } => {
                let v = setting_value(value);
                self.set_setting("timezone", v)
            }
            ast::Set::SetNames { charset_name, .. } => self.set_setting("client_encoding", charset_name.value.clone()),
            ast::Set::SetNamesDefault {} => self.set_setting("client_encoding", "UTF8".into()),
            ast::Set::SetTransaction { modes, .. } => {
                for m in modes {
                    if let ast::TransactionMode::IsolationLevel(l) = m {
                        self.settings.insert("transaction_isolation".into(), l.to_string().to_lowercase());
                    }
                }
                Ok(cmd("SET"))
            }
            ast::Set::SetSessionParam(_) | ast::Set::SetRole { .. } | ast::Set::SetSessionAuthorization(_) => {
                Err(SqlError::not_supported("this SET command"))
            }
            _ => Err(SqlError::not_supported("this SET command")),
        }
    }

    fn set_setting(&mut self, name: &str, value: String) -> Result<QueryOutput, SqlError> {
        let name = if name == "time zone" { "timezone" } else { name };
        if READ_ONLY.contains(&name) {
            return Err(SqlError::new("55P02", format!("parameter \"{name}\" cannot be changed")));
        }
        let known = SETTINGS.iter().any(|(k, _)| *k == name);
        if !known && !name.contains('.') {
            return Err(unknown_setting(name));
        }
        let value = if value.eq_ignore_ascii_case("default") {
            SETTINGS.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()).unwrap_or_default()
        } else {
            value
        };
        match name {
            "hnsw.ef_search" => {
                let value = if value.is_empty() { crate::vector::hnsw::DEFAULT_EF_SEARCH.to_string() } else { value };
                let n = crate::vector::hnsw::ef_search(&value)?;
                self.settings.insert(name.into(), n.to_string());
            }
            "client_encoding" => {
                let v = value.to_ascii_uppercase().replace('-', "");
                if v != "UTF8" && v != "UNICODE" {
                    return Err(SqlError::not_supported(format!("client_encoding {value}")));
                }
                self.settings.insert(name.into(), "UTF8".into());
            }
            "timezone" => {
                let v = value.trim_matches('\'');
                if !(v.eq_ignore_ascii_case("utc")
                    || v.eq_ignore_ascii_case("gmt")
                    || v == "0"
                    || v == "+00"
                    || v.eq_ignore_ascii_case("etc/utc")
                    || v.eq_ignore_ascii_case("zulu"))
                {
                    return Err(SqlError::not_supported(format!("time zone \"{v}\" (only UTC)")));
                }
                self.settings.insert(name.into(), "UTC".into());
            }
            "datestyle" => {
                if !value.to_ascii_uppercase().contains("ISO") {
                    return Err(SqlError::not_supported(format!("DateStyle {value}")));
                }
                self.settings.insert(name.into(), "ISO, MDY".into());
            }
            "extra_float_digits" => {
                let n: i32 = value.parse().map_err(|_| {
                    SqlError::new(
                        sqlstate::INVALID_PARAMETER_VALUE,
                        format!("invalid value for parameter \"extra_float_digits\": \"{value}\""),
                    )
                })?;
                if !(-15..=3).contains(&n) {
                    return Err(SqlError::new(
                        sqlstate::INVALID_PARAMETER_VALUE,
                        format!("{n} is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)"),
                    ));
                }
                self.settings.insert(name.into(), value);
            }
            name if crate::timeouts::DURATION_SETTINGS.contains(&name) => {
                let ms = crate::timeouts::parse_ms(name, &value)?;
                self.settings.insert(name.into(), crate::timeouts::format_ms(ms));
            }
            "password_encryption" => {
                let v = value.to_ascii_lowercase();
                if v != "md5" && v != "scram-sha-256" {
                    return Err(SqlError::new(
                        sqlstate::INVALID_PARAMETER_VALUE,
                        format!("invalid value for parameter \"password_encryption\": \"{value}\""),
                    )
                    .with_hint("Available values: md5, scram-sha-256."));
                }
                self.settings.insert(name.into(), v);
            }
            "standard_conforming_strings" => {
                if !matches!(value.to_ascii_lowercase().as_str(), "on" | "true" | "1") {
                    return Err(SqlError::not_supported("standard_conforming_strings = off"));
                }
                self.settings.insert(name.into(), "on".into());
            }
            _ => {
                self.settings.insert(name.into(), value);
            }
        }
        Ok(cmd("SET"))
    }
}

fn setting_value(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            ast::Value::Number(n, _) => n.clone(),
            ast::Value::Boolean(b) => if *b { "on" } else { "off" }.into(),
            other => other.to_string(),
        },
        ast::Expr::Identifier(i) => i.value.clone(),
        ast::Expr::UnaryOp { op: ast::UnaryOperator::Minus, expr } => format!("-{}", setting_value(expr)),
        other => other.to_string(),
    }
}

fn unknown_setting(name: &str) -> SqlError {
    SqlError::new(sqlstate::UNDEFINED_OBJECT, format!("unrecognized configuration parameter \"{name}\""))
}

pub(crate) fn cmd(tag: &str) -> QueryOutput {
    QueryOutput::Command { command: tag.to_string(), affected: None }
}

/// Whether a statement changes rows (and so must be replayed after ROLLBACK TO SAVEPOINT).
fn is_transaction_control(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::ReleaseSavepoint { .. }
    )
}

fn writes(stmt: &Statement) -> bool {
    matches!(stmt, Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_))
}

fn single_statement(dialect: crate::Dialect, sql: &str) -> Result<Option<Statement>, SqlError> {
    let mut stmts = crate::parse::parse(dialect, sql)?;
    match stmts.len() {
        0 => Ok(None),
        1 => Ok(stmts.pop()),
        _ => Err(SqlError::new(sqlstate::SYNTAX_ERROR, "cannot insert multiple commands into a prepared statement")),
    }
}

/// Statements that change the storage catalog, which takes effect at once.
fn changes_schema(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::CreateTable(_)
            | Statement::AlterTable { .. }
            | Statement::Drop { .. }
            | Statement::CreateIndex(_)
            | Statement::CreateView { .. }
            | Statement::CreateSchema { .. }
            | Statement::Truncate { .. }
    )
}

fn schema_change_name(stmt: &Statement) -> String {
    let text = stmt.to_string();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
