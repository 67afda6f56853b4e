//! Running a [`Plan`]: DDL through the catalog (answering schema changes and pushing
//! them to REGISTERed connections), writes as one storage transaction, SELECT as one
//! page of a partition slice or a token-order scan with a paging state.

use super::clock::{now_seconds, Clock};
use super::conditional_batch::ConditionalBatch;
use super::page::PartitionCount;
use super::plan::{Plan, SelectExpr, SelectItem, SelectPlan, Selection};
use super::result::{rows, PagingState};
use super::selection::{item_cell, Fold};
use crate::engine::{
    BatchKind, ColumnSpec, Outcome, QueryParams, Rows, SchemaChange, SchemaChangeKind, SchemaChangeTarget, SessionState,
};
use crate::error::{CqlError, CqlResult};
use crate::model::lwt::RowRef;
use crate::model::CqlValue;
use crate::model::{Model, WriteBatch};
use crate::schema::ColumnDef;
use tokio::sync::broadcast;

/// The state every connection shares: the model, the clock and the schema events.
pub struct Runner {
    pub model: Model,
    pub clock: Clock,
    pub events: broadcast::Sender<SchemaChange>,
}

impl Runner {
    pub fn new(model: Model) -> Runner {
        Runner { model, clock: Clock::default(), events: broadcast::channel(256).0 }
    }

    fn changed(&self, kind: SchemaChangeKind, target: SchemaChangeTarget) -> Outcome {
        let change = SchemaChange { kind, target };
        let _ = self.events.send(change.clone());
        Outcome::SchemaChange(change)
    }

    /// "Now" for TTLs: the request's v5 `now_in_seconds`, else the clock.
    pub fn now(params: &QueryParams) -> i64 {
        params.now_in_seconds.map_or_else(now_seconds, i64::from)
    }

    pub async fn run(&self, session: &mut SessionState, plan: Plan, params: &QueryParams) -> CqlResult<Outcome> {
        match plan {
            Plan::Use(keyspace) => {
                if self.model.catalog.keyspace(&keyspace).is_none() {
                    return Err(CqlError::invalid(format!("Keyspace '{keyspace}' does not exist")));
                }
                session.keyspace = Some(keyspace.clone());
                Ok(Outcome::SetKeyspace(keyspace))
            }
            Plan::CreateKeyspace { def, if_not_exists } => {
                let keyspace = def.name.clone();
                if self.model.catalog.create_keyspace(def, if_not_exists).await? {
                    Ok(self.changed(SchemaChangeKind::Created, SchemaChangeTarget::Keyspace { keyspace }))
                } else {
                    Ok(Outcome::Void)
                }
            }
            Plan::AlterKeyspace(def) => {
                let keyspace = def.name.clone();
                self.model.catalog.alter_keyspace(def).await?;
                Ok(self.changed(SchemaChangeKind::Updated, SchemaChangeTarget::Keyspace { keyspace }))
            }
            Plan::DropKeyspace { name, if_exists } => {
                if self.model.drop_keyspace(&name, if_exists).await? {
                    Ok(self.changed(SchemaChangeKind::Dropped, SchemaChangeTarget::Keyspace { keyspace: name }))
                } else {
                    Ok(Outcome::Void)
                }
            }
            Plan::CreateTable { def, if_not_exists } => {
                let (keyspace, table) = (def.keyspace.clone(), def.name.clone());
                if self.model.catalog.create_table(def, if_not_exists).await? {
                    Ok(self.changed(SchemaChangeKind::Created, SchemaChangeTarget::Table { keyspace, table }))
                } else {
                    Ok(Outcome::Void)
                }
            }
            Plan::DropTable { keyspace, name, if_exists } => {
                if self.model.drop_table(&keyspace, &name, if_exists).await? {
                    Ok(self.changed(SchemaChangeKind::Dropped, SchemaChangeTarget::Table { keyspace, table: name }))
                } else {
                    Ok(Outcome::Void)
                }
            }
            Plan::Truncate { keyspace, name } => {
                self.model.truncate(&keyspace, &name).await?;
                Ok(Outcome::Void)
            }
            Plan::Write { mutations, timestamp } => {
                let batch = self.batch(vec![(mutations, timestamp)], params);
                self.model.store.write(&batch).await?;
                Ok(Outcome::Void)
            }
            Plan::Conditional { mutation, clustering, condition } => {
                let table = mutation.table.clone();
                let partition_key = mutation.partition_key.clone();
                let batch = self.batch(vec![(vec![mutation], None)], params);
                let target = RowRef { table: &table, partition_key: &partition_key, clustering: &clustering };
                let (applied, row, statics) = self
                    .model
                    .store
                    .write_if(&batch, target, |row, statics| condition.holds(&table, row, statics))
                    .await?;
                Ok(Outcome::Rows(condition.result(&table, applied, row.as_ref(), statics.as_ref())?))
            }
            Plan::Select(select) => self.select(select, params).await,
            Plan::Role(_) => Err(CqlError::server("role statements are run by the executor")),
            Plan::Batch { kind, plans, timestamp } => {
                let params =
                    QueryParams { default_timestamp: timestamp.or(params.default_timestamp), ..params.clone() };
                self.run_batch(kind, plans, &params, &mut session.warnings).await
            }
            Plan::CreateType { def, if_not_exists } => {
                let (keyspace, name) = (def.keyspace.clone(), def.name.clone());
                if self.model.catalog.create_type(def, if_not_exists).await? {
                    Ok(self.changed(SchemaChangeKind::Created, SchemaChangeTarget::Type { keyspace, name }))
                } else {
                    Ok(Outcome::Void)
                }
            }
            Plan::DropType { keyspace, name, if_exists } => {
                if self.model.catalog.drop_type(&keyspace, &name, if_exists).await? {
                    Ok(self.changed(SchemaChangeKind::Dropped, SchemaChangeTarget::Type { keyspace, name }))
                } else {
                    Ok(Outcome::Void)
                }
            }
            Plan::CreateIndex { keyspace, table, index, if_not_exists } => {
                let name = index.name.clone();
                if self.model.catalog.create_index(&keyspace, &table, index, if_not_exists).await? {
                    if let Some(def) = self.model.catalog.table(&keyspace, &table) {
                        if let Some(index) = def.indexes.iter().find(|i| i.name == name) {
                            self.model.store.build_index(&def, index, now_seconds()).await?;
                        }
                    }
                    Ok(self.changed(SchemaChangeKind::Updated, SchemaChangeTarget::Table { keyspace, table }))
                } else {
                    Ok(Outcome::Void)
                }
            }
            Plan::DropIndex { keyspace, name, if_exists } => {
                let table =
                    self.model.catalog.tables(&keyspace).into_iter().find(|t| t.indexes.iter().any(|i| i.name == name));
                if self.model.catalog.drop_index(&keyspace, &name, if_exists).await? {
                    if let Some(table) = &table {
                        self.model.store.purge_index(table, &name).await?;
                    }
                    let table = table.map(|t| t.name.clone()).unwrap_or_default();
                    Ok(self.changed(SchemaChangeKind::Updated, SchemaChangeTarget::Table { keyspace, table }))
                } else {
                    Ok(Outcome::Void)
                }
            }
            Plan::AlterTable { keyspace, name, change } => {
                self.model.catalog.alter_table(&keyspace, &name, |def| super::table_def::alter(def, change)).await?;
                Ok(self.changed(SchemaChangeKind::Updated, SchemaChangeTarget::Table { keyspace, table: name }))
            }
        }
    }

    /// One write batch: statements without `USING TIMESTAMP` take the request's default
    /// timestamp or one server timestamp for the whole batch.
    pub fn batch(
        &self,
        statements: Vec<(Vec<crate::model::Mutation>, Option<i64>)>,
        params: &QueryParams,
    ) -> WriteBatch {
        let default = params.default_timestamp.unwrap_or_else(|| self.clock.timestamp());
        let mut mutations = Vec::new();
        for (ms, ts) in statements {
            for mut m in ms {
                m.timestamp = ts.unwrap_or(default);
                mutations.push(m);
            }
        }
        WriteBatch { mutations, now: Self::now(params) }
    }

    /// A BATCH: every statement's mutations in one storage transaction. A counter batch
    /// takes only counter updates and the other kinds none.
    /// A BATCH; a warning Cassandra would give (its size) goes to `warnings`.
    pub async fn run_batch(
        &self,
        kind: BatchKind,
        plans: Vec<Plan>,
        params: &QueryParams,
        warnings: &mut Vec<String>,
    ) -> CqlResult<Outcome> {
        if plans.iter().any(|p| matches!(p, Plan::Conditional { .. })) {
            if kind == BatchKind::Counter {
                return Err(CqlError::invalid("Conditional updates are not supported on counter tables"));
            }
            let conditional = ConditionalBatch::build(plans)?;
            let batch = self.batch(vec![(conditional.mutations.clone(), None)], params);
            let targets = conditional.targets();
            let (applied, rows, _) = self
                .model
                .store
                .write_if_rows(&batch, &conditional.table, &conditional.partition_key, &targets, |rows, statics| {
                    conditional.holds(rows, statics)
                })
                .await?;
            return Ok(Outcome::Rows(conditional.result(applied, &rows)?));
        }
        let mut statements = Vec::with_capacity(plans.len());
        for plan in plans {
            let (mutations, timestamp) = match plan {
                Plan::Write { mutations, timestamp } => (mutations, timestamp),
                _ => return Err(CqlError::invalid("Only INSERT, UPDATE and DELETE statements are allowed in a BATCH")),
            };
            for m in &mutations {
                match (kind, m.table.is_counter) {
                    (BatchKind::Counter, false) => {
                        return Err(CqlError::invalid("Cannot include non-counter statement in a counter batch"))
                    }
                    (BatchKind::Logged, true) => {
                        return Err(CqlError::invalid("Cannot include a counter statement in a logged batch"))
                    }
                    _ => {}
                }
            }
            statements.push((mutations, timestamp));
        }
        if let Some(warning) = super::batch_size::check(statements.iter().flat_map(|(m, _)| m.iter()))? {
            warnings.push(warning);
        }
        let batch = self.batch(statements, params);
        self.model.store.write(&batch).await?;
        Ok(Outcome::Void)
    }

    async fn select(&self, plan: SelectPlan, params: &QueryParams) -> CqlResult<Outcome> {
        if plan.json {
            let table = plan.table.clone();
            return match self.select_rows(plan, params).await? {
                Outcome::Rows(rows) => Ok(Outcome::Rows(json_rows(&table, rows)?)),
                other => Ok(other),
            };
        }
        self.select_rows(plan, params).await
    }

    async fn select_rows(&self, plan: SelectPlan, params: &QueryParams) -> CqlResult<Outcome> {
        if plan.is_aggregate() || plan.group_by > 0 {
            return self.aggregate(plan, params).await;
        }
        let table = plan.table.as_ref();
        let resume = params.paging_state.as_deref().map(PagingState::from_bytes).transpose()?;
        let remaining = resume.as_ref().map_or(plan.limit.unwrap_or(u64::MAX), |s| s.remaining);
        let page_size = params.page_size.filter(|n| *n > 0).map_or(u64::MAX, |n| n as u64);
        let want = usize::try_from(remaining.min(page_size)).unwrap_or(usize::MAX);
        let now = Self::now(params);
        let position = resume.as_ref().map(|s| &s.position);
        let mut per_partition = plan.per_partition_limit.map(|limit| PartitionCount {
            limit,
            // The count carries over when this page resumes inside the same partition.
            partition: position.map(|p| p.partition_key.clone()),
            count: resume.as_ref().map_or(0, |s| s.partition_rows),
        });
        let page = self.read_page(&plan, want, position, now, per_partition.as_mut()).await?;
        let partition_rows = match (&page.next, &per_partition) {
            (Some(next), Some(c)) if c.partition.as_ref() == Some(&next.partition_key) => c.count,
            _ => 0,
        };
        let left = remaining.saturating_sub(page.rows.len() as u64);
        let paging_state = match &page.next {
            Some(next) if left > 0 => {
                Some(PagingState { position: next.clone(), remaining: left, partition_rows }.to_bytes())
            }
            _ => None,
        };
        match &plan.selection {
            Selection::Columns => {
                let columns: Vec<&ColumnDef> = plan.columns.iter().filter_map(|i| table.columns.get(*i)).collect();
                Ok(Outcome::Rows(rows(table, &columns, &page, paging_state)?))
            }
            Selection::Items(items) => {
                let mut out = Vec::with_capacity(page.rows.len());
                for row in &page.rows {
                    out.push(items.iter().map(|i| item_cell(table, row, i, now)).collect::<CqlResult<Vec<_>>>()?);
                }
                Ok(Outcome::Rows(Rows { columns: item_specs(table, items), rows: out, paging_state }))
            }
        }
    }

    /// An aggregate SELECT: every selected row folded (read a page at a time, so memory
    /// stays bounded) into the one row Cassandra answers.
    async fn aggregate(&self, plan: SelectPlan, params: &QueryParams) -> CqlResult<Outcome> {
        let all;
        let items: &[SelectItem] = match &plan.selection {
            Selection::Items(items) => items,
            Selection::Columns => {
                all = plan
                    .columns
                    .iter()
                    .filter_map(|i| plan.table.columns.get(*i).map(|c| (i, c)))
                    .map(|(i, c)| SelectItem { name: c.name.clone(), ty: c.ty.clone(), expr: SelectExpr::Column(*i) })
                    .collect::<Vec<_>>();
                &all
            }
        };
        let table = plan.table.as_ref();
        let now = Self::now(params);
        // LIMIT counts result rows (groups), not the rows folded.
        let limit = usize::try_from(plan.limit.unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
        let mut out = Vec::new();
        let mut fold = Fold::new(table, items);
        let mut group: Option<Vec<CqlValue>> = None;
        // PER PARTITION LIMIT counts groups: the groups of a partition past it are skipped.
        let per_partition = plan.per_partition_limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let mut partition: Option<Vec<CqlValue>> = None;
        let mut groups_in_partition = 0usize;
        let mut skipping = false;
        let mut position = None;
        'read: loop {
            let page = self.read_page(&plan, AGGREGATE_PAGE as usize, position.as_ref(), now, None).await?;
            for row in &page.rows {
                if plan.group_by > 0 {
                    let key: Vec<CqlValue> =
                        row.partition_key.iter().chain(row.clustering.iter()).take(plan.group_by).cloned().collect();
                    if group.as_ref() != Some(&key) {
                        if group.is_some() && !skipping {
                            out.push(std::mem::replace(&mut fold, Fold::new(table, items)).finish()?);
                            if out.len() >= limit {
                                break 'read;
                            }
                        }
                        fold = Fold::new(table, items);
                        if partition.as_ref() != Some(&row.partition_key) {
                            partition = Some(row.partition_key.clone());
                            groups_in_partition = 0;
                        }
                        groups_in_partition += 1;
                        skipping = per_partition.is_some_and(|n| groups_in_partition > n);
                        group = Some(key);
                    }
                }
                if !skipping {
                    fold.add(row, now)?;
                }
            }
            match page.next {
                Some(next) => position = Some(next),
                None => break,
            }
        }
        if out.len() < limit && (plan.group_by == 0 || (group.is_some() && !skipping)) {
            out.push(fold.finish()?);
        }
        Ok(Outcome::Rows(Rows { columns: item_specs(table, items), rows: out, paging_state: None }))
    }
}

/// SELECT JSON's rows: one `[json]` column holding an object of the selected columns.
fn json_rows(table: &crate::schema::TableDef, rows: Rows) -> CqlResult<Rows> {
    let mut out = Vec::with_capacity(rows.rows.len());
    for row in &rows.rows {
        let mut entries = Vec::with_capacity(row.len());
        for (spec, cell) in rows.columns.iter().zip(row) {
            let value = match cell {
                None => "null".to_string(),
                Some(bytes) => super::json::to_json(&CqlValue::decode_native(&spec.ty, bytes)?, &spec.ty),
            };
            entries.push((spec.name.clone(), value));
        }
        out.push(vec![Some(bytes::Bytes::from(super::json::object(&entries)))]);
    }
    let spec = ColumnSpec {
        keyspace: table.keyspace.clone(),
        table: table.name.clone(),
        name: "[json]".into(),
        ty: crate::types::CqlType::Text,
    };
    Ok(Rows { columns: vec![spec], rows: out, paging_state: rows.paging_state })
}

/// Rows an aggregate reads per storage page.
const AGGREGATE_PAGE: u64 = 1000;

/// The result metadata of selectors.
pub fn item_specs(table: &crate::schema::TableDef, items: &[SelectItem]) -> Vec<ColumnSpec> {
    items
        .iter()
        .map(|i| ColumnSpec {
            keyspace: table.keyspace.clone(),
            table: table.name.clone(),
            name: i.name.clone(),
            ty: i.ty.clone(),
        })
        .collect()
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
