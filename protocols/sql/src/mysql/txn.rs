//! How a MySQL session runs a statement: MySQL's transactions and diagnostics.
//!
//! * autocommit=1: every statement commits on its own; a multi-statement text is not one
//!   implicit transaction. autocommit=0: the first statement opens a transaction, which
//!   COMMIT or ROLLBACK ends (SET autocommit=1 commits it).
//! * BEGIN / START TRANSACTION [READ ONLY | READ WRITE | WITH CONSISTENT SNAPSHOT]
//!   commits an open transaction first; DDL and the database statements commit
//!   implicitly before they run.
//! * An error does not abort the transaction: the failing statement's changes are taken
//!   back (the transaction restarts and replays its earlier statements, the savepoint
//!   mechanism of [`crate::session`]) and the transaction goes on.
//! * Diagnostics: every statement but SHOW WARNINGS / SHOW ERRORS / SHOW COUNT(*) and
//!   reads of `@@warning_count` / `@@error_count` clears them; the notices a statement
//!   raises become its warnings, and a failing statement's error is recorded too.

use super::{errors, Diagnostic, Effect};
use crate::error::SqlError;
use crate::session::{cmd, Session};
use crate::types::SqlType;
use crate::{QueryOutput, TransactionStatus};
use orbit_storage::Value;
use sqlparser::ast::{self, Statement};
use std::sync::Arc;

impl Session {
    /// Runs one statement of a MySQL session (the hook in `execute_statement`).
    pub(crate) async fn mysql_execute(
        &mut self,
        stmt: &Statement,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        let diagnostic = is_diagnostic(stmt);
        {
            let m = self.mysql.as_deref_mut().expect("mysql");
            if !diagnostic {
                m.diagnostics.clear();
            }
            m.effects.lock().clear();
            m.bump("Questions", 1);
            m.bump(&format!("Com_{}", com_name(stmt)), 1);
        }
        let notices_before = self.notice_count();
        self.cancel.store(false, std::sync::atomic::Ordering::Relaxed);
        let timer = crate::timeouts::StatementTimer::arm(self.mysql_timeout(stmt), self.cancel.clone());
        let result = self.mysql_dispatch(stmt, param_types, params).await;
        let result = timer.finish(result).map_err(|e| match e.code {
            crate::error::sqlstate::QUERY_CANCELED if e.message.contains("timeout") => SqlError::new(
                "HY000",
                "Query execution was interrupted, maximum statement execution time exceeded",
            )
            .with_mysql_errno(3024),
            crate::error::sqlstate::QUERY_CANCELED => {
                SqlError::new("70100", "Query execution was interrupted").with_mysql_errno(1317)
            }
            _ => crate::mysql_sql::errors::translate(e, &self.current_schema()),
        });
        // The session never stays in PostgreSQL's failed-transaction state.
        if self.status == TransactionStatus::Failed {
            self.status = TransactionStatus::InBlock;
        }
        let notices = self.drain_notices_from(notices_before);
        let db = self.current_schema();
        let m = self.mysql.as_deref_mut().expect("mysql");
        for n in notices {
            m.diagnostics.push(errors::notice_diagnostic(&n, &db));
        }
        match &result {
            Ok(out) => {
                let effects: Vec<Effect> = std::mem::take(&mut *m.effects.lock());
                for e in effects {
                    match e {
                        Effect::LastInsertId(id) => m.last_insert_id = id,
                        Effect::UserVariable(n, v) => {
                            Arc::make_mut(&mut m.user_vars).insert(n, v);
                        }
                    }
                }
                match out {
                    QueryOutput::Rows { rows, affected: None, .. } => {
                        m.row_count = -1;
                        m.found_rows = rows.len() as u64;
                    }
                    other => {
                        let a = other.affected();
                        m.row_count = a.map_or(0, |a| a.rows as i64);
                        if let Some(id) = a.and_then(|a| a.last_insert_id) {
                            m.last_insert_id = id;
                        }
                    }
                }
            }
            Err(e) => {
                m.row_count = -1;
                m.diagnostics.push(Diagnostic { level: "Error", code: errors::errno(e), message: e.message.clone() });
            }
        }
        result
    }

    async fn mysql_dispatch(
        &mut self,
        stmt: &Statement,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        match stmt {
            Statement::StartTransaction { modes, .. } => {
                self.mysql_end_transaction(true).await?;
                let read_only = modes.iter().any(|m| {
                    matches!(m, ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadOnly))
                });
                self.mysql_begin().await?;
                self.mysql.as_deref_mut().expect("mysql").read_only_tx = read_only;
                return Ok(cmd("BEGIN"));
            }
            Statement::Commit { chain, .. } | Statement::Rollback { chain, savepoint: None, .. } => {
                if *chain {
                    return Err(SqlError::not_supported("AND CHAIN"));
                }
                let commit = matches!(stmt, Statement::Commit { .. });
                self.mysql_end_transaction(commit).await?;
                return Ok(cmd(if commit { "COMMIT" } else { "ROLLBACK" }));
            }
            Statement::Savepoint { .. } | Statement::ReleaseSavepoint { .. } | Statement::Rollback { .. } => {
                if self.status == TransactionStatus::Idle {
                    if let Statement::Savepoint { .. } = stmt {
                        // Outside a transaction MySQL accepts SAVEPOINT and forgets it.
                        return Ok(cmd("SAVEPOINT"));
                    }
                    let name = match stmt {
                        Statement::ReleaseSavepoint { name } => name.value.clone(),
                        Statement::Rollback { savepoint: Some(n), .. } => n.value.clone(),
                        _ => String::new(),
                    };
                    return Err(SqlError::new("42000", format!("SAVEPOINT {name} does not exist")).with_mysql_errno(1305));
                }
                return self.execute_statement_untimed(stmt, param_types, params).await.map_err(|e| match e.code {
                    crate::error::sqlstate::NO_SAVEPOINT => {
                        let name = e.message.split('"').nth(1).unwrap_or("").to_string();
                        SqlError::new("42000", format!("SAVEPOINT {name} does not exist")).with_mysql_errno(1305)
                    }
                    _ => e,
                });
            }
            _ => {}
        }
        if let Some(r) = self.mysql_session_statement(stmt).await {
            return r;
        }
        if implicitly_commits(stmt) {
            self.mysql_end_transaction(true).await?;
            return self.execute_statement_untimed(stmt, param_types, params).await;
        }
        if self.status == TransactionStatus::Idle && !self.autocommit() {
            self.mysql_begin().await?;
        }
        let read_only = self.mysql.as_deref().is_some_and(|m| m.read_only_tx) && self.status != TransactionStatus::Idle;
        if read_only && matches!(stmt, Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_)) {
            return Err(SqlError::new("25006", "Cannot execute statement in a READ ONLY transaction").with_mysql_errno(1792));
        }
        let in_block = self.status == TransactionStatus::InBlock;
        let result = self.execute_statement_untimed(stmt, param_types, params).await;
        if result.is_err() && in_block && matches!(stmt, Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_)) {
            // Take back what the failed statement wrote; the transaction goes on.
            if let Err(e) = self.restart_block().await {
                let _ = self.mysql_end_transaction(false).await;
                return Err(e);
            }
        }
        result
    }

    /// USE, SET, SHOW, DESCRIBE and the database statements; None for the rest.
    async fn mysql_session_statement(&mut self, stmt: &Statement) -> Option<Result<QueryOutput, SqlError>> {
        Some(match stmt {
            Statement::Use(u) => match u {
                ast::Use::Object(n) | ast::Use::Database(n) | ast::Use::Schema(n) => {
                    let name = n.0.last().map(super::show::part_name).unwrap_or_default();
                    self.set_current_database(&name).map(|()| cmd("USE"))
                }
                _ => Err(SqlError::not_supported("this USE form")),
            },
            Statement::Set(set) => self.mysql_set(set).await,
            // Privileges are always current and tables have nothing to flush.
            Statement::Flush { object_type: ast::FlushType::Privileges | ast::FlushType::Tables, read_lock: false, tables, .. }
                if tables.is_empty() =>
            {
                Ok(cmd("FLUSH"))
            }
            Statement::Kill { modifier, id } => {
                let connection = !matches!(modifier, Some(ast::KillType::Query));
                self.mysql_kill(*id, connection).map(|()| cmd("KILL"))
            }
            Statement::CreateDatabase { db_name, if_not_exists, .. } => {
                let name = db_name.0.last().map(super::show::part_name).unwrap_or_default();
                if let Err(e) = self.mysql_end_transaction(true).await {
                    return Some(Err(e));
                }
                self.mysql_create_database(&name, *if_not_exists).await
            }
            Statement::CreateSchema { schema_name: ast::SchemaName::Simple(n), if_not_exists, .. } => {
                let name = n.0.last().map(super::show::part_name).unwrap_or_default();
                if let Err(e) = self.mysql_end_transaction(true).await {
                    return Some(Err(e));
                }
                self.mysql_create_database(&name, *if_not_exists).await
            }
            Statement::Drop { object_type: ast::ObjectType::Database | ast::ObjectType::Schema, names, if_exists, .. } => {
                if let Err(e) = self.mysql_end_transaction(true).await {
                    return Some(Err(e));
                }
                let mut out = Ok(cmd("DROP DATABASE"));
                for n in names {
                    let name = n.0.last().map(super::show::part_name).unwrap_or_default();
                    out = self.mysql_drop_database(&name, *if_exists).await;
                    if out.is_err() {
                        break;
                    }
                }
                out
            }
            other => return self.mysql_show(other).await,
        })
    }

    pub(crate) async fn mysql_begin(&mut self) -> Result<(), SqlError> {
        if self.status == TransactionStatus::Idle {
            self.tx = Some(self.engine.storage.begin().await?);
            self.status = TransactionStatus::InBlock;
        }
        Ok(())
    }

    /// Commits (or rolls back) the open transaction, if any.
    pub(crate) async fn mysql_end_transaction(&mut self, commit: bool) -> Result<(), SqlError> {
        if let Some(m) = self.mysql.as_deref_mut() {
            m.read_only_tx = false;
        }
        if self.status == TransactionStatus::Idle {
            return Ok(());
        }
        self.end_block(commit).await
    }

    async fn mysql_create_database(&mut self, name: &str, if_not_exists: bool) -> Result<QueryOutput, SqlError> {
        let engine = self.engine.clone();
        let _guard = engine.ddl_lock.lock().await;
        if self.mysql_database_name(name).is_some() {
            if if_not_exists {
                self.mysql_diagnostic("Note", 1007, format!("Can't create database '{name}'; database exists"));
                return Ok(QueryOutput::counted(crate::Verb::Insert, Default::default()));
            }
            return Err(SqlError::new("HY000", format!("Can't create database '{name}'; database exists"))
                .with_mysql_errno(1007));
        }
        if name.is_empty() || name.contains('.') || name.len() > 64 {
            return Err(SqlError::new("42000", format!("Incorrect database name '{name}'")).with_mysql_errno(1102));
        }
        let q = format!("{}.{name}", super::CATALOG);
        self.engine.storage.upsert(crate::catalog::SCHEMAS, vec![Value::Text(q.clone())]).await?;
        self.engine.update_catalog(|c| {
            c.schemas.insert(q);
        });
        Ok(QueryOutput::counted(crate::Verb::Insert, crate::Affected { rows: 1, ..Default::default() }))
    }

    async fn mysql_drop_database(&mut self, name: &str, if_exists: bool) -> Result<QueryOutput, SqlError> {
        let engine = self.engine.clone();
        let _guard = engine.ddl_lock.lock().await;
        if super::is_system_database(name) {
            return Err(SqlError::new(
                "42000",
                format!("Access denied for user '{}'@'{}' to database '{}'", self.user, self.mysql_host(), name.to_ascii_lowercase()),
            )
            .with_mysql_errno(1044));
        }
        let Some(name) = self.mysql_database_name(name) else {
            if if_exists {
                self.mysql_diagnostic("Note", 1008, format!("Can't drop database '{name}'; database doesn't exist"));
                return Ok(QueryOutput::counted(crate::Verb::Delete, Default::default()));
            }
            return Err(SqlError::new("HY000", format!("Can't drop database '{name}'; database doesn't exist"))
                .with_mysql_errno(1008));
        };
        let q = format!("{}.{name}", super::CATALOG);
        let cat = self.engine.catalog();
        let tables: Vec<String> = cat.tables_in(&q).map(|t| t.storage_name.clone()).collect();
        let views: Vec<String> = cat.views.keys().filter(|v| v.starts_with(&format!("{q}."))).cloned().collect();
        for t in &tables {
            self.engine.storage.drop_table(t).await?;
            crate::catalog::drop_sequences_with_prefix(&self.engine.storage, &format!("{t}.")).await?;
            self.engine.refresh_table(t).await?;
        }
        for v in &views {
            self.engine.storage.delete(crate::catalog::VIEWS, &[Value::Text(v.clone())]).await?;
        }
        self.engine.storage.delete(crate::catalog::SCHEMAS, &[Value::Text(q.clone())]).await?;
        self.engine.update_catalog(|c| {
            for v in &views {
                c.views.remove(v);
            }
            c.schemas.remove(&q);
        });
        let m = self.mysql.as_deref_mut().expect("mysql");
        if m.database.as_deref() == Some(name.as_str()) {
            m.database = None;
        }
        Ok(QueryOutput::counted(crate::Verb::Delete, crate::Affected { rows: tables.len() as u64, ..Default::default() }))
    }

    /// A statement that failed before it could run (a syntax error): its error becomes
    /// the diagnostics.
    pub(crate) fn mysql_statement_failed(&mut self, e: &SqlError) {
        if let Some(m) = self.mysql.as_deref_mut() {
            m.diagnostics.clear();
            m.diagnostics.push(Diagnostic { level: "Error", code: errors::errno(e), message: e.message.clone() });
            m.bump("Questions", 1);
        }
    }

    /// max_execution_time (milliseconds, SELECT only; 0 = none).
    fn mysql_timeout(&self, stmt: &Statement) -> Option<std::time::Duration> {
        if !matches!(stmt, Statement::Query(_)) {
            return None;
        }
        match self.mysql.as_deref()?.vars.get("max_execution_time") {
            Some(Value::Int(ms)) if *ms > 0 => Some(std::time::Duration::from_millis(*ms as u64)),
            _ => None,
        }
    }

    /// Adds an entry to the statement's diagnostics (SHOW WARNINGS).
    pub(crate) fn mysql_diagnostic(&mut self, level: &'static str, code: u16, message: impl Into<String>) {
        if let Some(m) = self.mysql.as_deref_mut() {
            m.diagnostics.push(Diagnostic { level, code, message: message.into() });
        }
    }

    pub(crate) fn mysql_host(&self) -> String {
        self.mysql.as_deref().map(|m| m.host.clone()).unwrap_or_else(|| "localhost".into())
    }
}

/// A statement's text for replay (statement rollback, ROLLBACK TO SAVEPOINT): sqlparser
/// prints string literals without MySQL's backslash escapes, so they are doubled here
/// for the text to parse back to the same values.
pub(crate) fn replay_text(stmt: &Statement) -> String {
    use sqlparser::ast::{VisitMut, VisitorMut};
    use std::ops::ControlFlow;
    struct Escape;
    impl VisitorMut for Escape {
        type Break = ();
        fn pre_visit_value(&mut self, v: &mut ast::ValueWithSpan) -> ControlFlow<()> {
            if let ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) = &mut v.value {
                if s.contains('\\') {
                    *s = s.replace('\\', "\\\\");
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut copy = stmt.clone();
    let _ = copy.visit(&mut Escape);
    copy.to_string()
}

/// Statements that read the diagnostics area and so keep it.
fn is_diagnostic(stmt: &Statement) -> bool {
    match stmt {
        Statement::ShowVariable { variable } => variable.first().is_some_and(|v| {
            let v = v.value.to_ascii_lowercase();
            v == "warnings" || v == "errors" || v == "count"
        }),
        // SELECT @@warning_count, @@error_count (a SELECT list without FROM).
        Statement::Query(q) => match q.body.as_ref() {
            ast::SetExpr::Select(s) if s.from.is_empty() => s.projection.iter().any(|item| match item {
                ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                    let t = e.to_string().to_ascii_lowercase();
                    t.contains("warning_count") || t.contains("error_count")
                }
                _ => false,
            }),
            _ => false,
        },
        _ => false,
    }
}

/// Statements that commit the open transaction before they run (DDL).
fn implicitly_commits(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::CreateTable(_)
            | Statement::AlterTable { .. }
            | Statement::Drop { .. }
            | Statement::CreateIndex(_)
            | Statement::CreateView { .. }
            | Statement::Truncate { .. }
            | Statement::RenameTable(_)
            | Statement::CreateUser(_)
            | Statement::Grant { .. }
            | Statement::Revoke { .. }
    )
}

/// The Com_xxx status counter a statement counts in.
fn com_name(stmt: &Statement) -> &'static str {
    match stmt {
        Statement::Query(_) => "select",
        Statement::Insert(i) if i.replace_into => "replace",
        Statement::Insert(_) => "insert",
        Statement::Update(_) => "update",
        Statement::Delete(_) => "delete",
        Statement::Set(_) => "set_option",
        Statement::StartTransaction { .. } => "begin",
        Statement::Commit { .. } => "commit",
        Statement::Rollback { .. } => "rollback",
        Statement::CreateTable(_) => "create_table",
        Statement::Drop { object_type: ast::ObjectType::Table, .. } => "drop_table",
        Statement::CreateDatabase { .. } => "create_db",
        Statement::Use(_) => "change_db",
        Statement::ShowTables { .. } => "show_tables",
        Statement::ShowVariables { .. } => "show_variables",
        Statement::ShowStatus { .. } => "show_status",
        Statement::ShowDatabases { .. } => "show_databases",
        Statement::ShowColumns { .. } | Statement::ExplainTable { .. } => "show_fields",
        _ => "other",
    }
}
