//! Prepared statements: parsed and described once, executed many times, with the bound
//! plan of a query kept while the catalog and the session's schema stay the same.
//!
//! [`Session::prepare`] parses one statement and describes it (parameter types, result
//! columns). [`Session::execute_prepared`] (autocommit or the open block) and
//! [`Session::execute_prepared_extended`] (PostgreSQL's extended protocol, with its
//! implicit transaction up to Sync) run it without parsing again. For a query, the
//! first execution stores its bound plan in the statement's slot; later executions
//! reuse it as long as the catalog snapshot is the same one (any DDL replaces it) and
//! the current schema and parameter types are unchanged. Text that reads session
//! variables (`@x`, `@@x`) is bound every time, since binding may fold their values.

use crate::catalog::CatalogState;
use crate::plan::Plan;
use crate::session::Session;
use crate::types::SqlType;
use crate::{Column, QueryOutput, SqlError, StatementDescription};
use orbit_storage::Value;
use parking_lot::Mutex;
use sqlparser::ast::Statement;
use std::sync::Arc;

/// A bound query plan and what it was bound against.
pub(crate) struct CachedPlan {
    pub catalog: Arc<CatalogState>,
    pub schema: String,
    pub param_types: Vec<SqlType>,
    pub plan: Arc<Plan>,
    pub cols: Arc<Vec<(String, SqlType)>>,
    /// A MySQL session's result columns with their origins and decimals attached, kept
    /// after the first execution so later ones skip that resolution.
    pub mysql_columns: Option<Arc<Vec<Column>>>,
}

/// Where an executing prepared statement keeps its plan.
pub(crate) type PlanSlot = Arc<Mutex<Option<CachedPlan>>>;

/// One parsed statement with its description.
pub struct PreparedStatement {
    pub sql: String,
    pub description: StatementDescription,
    pub(crate) statement: Option<Arc<Statement>>,
    pub(crate) plan: Option<PlanSlot>,
}

impl std::fmt::Debug for PreparedStatement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedStatement").field("sql", &self.sql).field("description", &self.description).finish()
    }
}

impl PreparedStatement {
    /// Parameter types as described (an unknown type stays `Unknown`).
    pub fn param_types(&self) -> &[SqlType] {
        &self.description.params
    }
}

impl Session {
    /// Parses and describes one statement (an empty text prepares to nothing).
    pub async fn prepare(&mut self, sql: &str, param_types: &[SqlType]) -> Result<PreparedStatement, SqlError> {
        let description = self.describe(sql, param_types).await?;
        let statement = self.parse_single(sql)?.map(Arc::new);
        let cacheable = matches!(statement.as_deref(), Some(Statement::Query(_))) && !sql.contains('@');
        Ok(PreparedStatement {
            sql: sql.to_string(),
            description,
            statement,
            plan: cacheable.then(|| Arc::new(Mutex::new(None))),
        })
    }

    /// Runs a prepared statement in autocommit mode or in the open block.
    pub async fn execute_prepared(
        &mut self,
        prepared: &PreparedStatement,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        let Some(statement) = &prepared.statement else { return Ok(QueryOutput::Empty) };
        self.plan_slot = prepared.plan.clone();
        let result = self.execute_statement(statement, param_types, params).await;
        self.plan_slot = None;
        result
    }

    /// Runs a prepared statement as a PostgreSQL extended-protocol Execute.
    pub async fn execute_prepared_extended(
        &mut self,
        prepared: &PreparedStatement,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        let Some(statement) = &prepared.statement else { return Ok(QueryOutput::Empty) };
        self.plan_slot = prepared.plan.clone();
        let result = self.execute_extended_statement(statement, param_types, params).await;
        self.plan_slot = None;
        result
    }

    /// The plan of `q` from the running prepared statement's slot, if still valid.
    pub(crate) fn cached_plan(&self, param_types: &[SqlType]) -> Option<(Arc<Plan>, Arc<Vec<(String, SqlType)>>)> {
        let slot = self.plan_slot.as_ref()?.lock();
        let cached = slot.as_ref()?;
        self.is_current(cached, param_types).then(|| (cached.plan.clone(), cached.cols.clone()))
    }

    /// Whether a cached plan was bound against the catalog, schema and parameter types
    /// in force now.
    fn is_current(&self, cached: &CachedPlan, param_types: &[SqlType]) -> bool {
        Arc::ptr_eq(&cached.catalog, &self.engine.catalog())
            && cached.schema == self.current_schema()
            && cached.param_types == param_types
    }

    /// The MySQL result columns kept with the running prepared statement's current plan.
    pub(crate) fn cached_mysql_columns(&self, param_types: &[SqlType]) -> Option<Arc<Vec<Column>>> {
        let slot = self.plan_slot.as_ref()?.lock();
        let cached = slot.as_ref()?;
        if self.is_current(cached, param_types) {
            cached.mysql_columns.clone()
        } else {
            None
        }
    }

    /// Keeps MySQL result columns with the running prepared statement's plan, if that
    /// plan is current (a statement whose plan is not cached keeps nothing).
    pub(crate) fn store_mysql_columns(&self, param_types: &[SqlType], columns: &[Column]) {
        let Some(slot) = &self.plan_slot else { return };
        let mut slot = slot.lock();
        if let Some(cached) = slot.as_mut() {
            if self.is_current(cached, param_types) {
                cached.mysql_columns = Some(Arc::new(columns.to_vec()));
            }
        }
    }

    /// Keeps a freshly bound plan in the running prepared statement's slot.
    pub(crate) fn store_plan(&self, catalog: Arc<CatalogState>, param_types: &[SqlType], plan: Arc<Plan>, cols: Arc<Vec<(String, SqlType)>>) {
        if let Some(slot) = &self.plan_slot {
            *slot.lock() = Some(CachedPlan {
                catalog,
                schema: self.current_schema(),
                param_types: param_types.to_vec(),
                plan,
                cols,
                mysql_columns: None,
            });
        }
    }
}
