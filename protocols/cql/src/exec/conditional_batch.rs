//! A BATCH with conditions (lightweight transactions in a batch), as Cassandra runs one:
//! every statement writes one partition of one table; the conditions are grouped by the
//! row they name (the static row for conditions on static columns only) and all must
//! hold for any statement to apply; a row may not mix IF EXISTS, IF NOT EXISTS and
//! column conditions. The result is `[applied]` alone when the batch applied, else
//! `[applied] = false` with the primary key and the conditions' columns (every column
//! when an IF [NOT] EXISTS is among them) of each row the conditions found.

use super::condition::WriteCondition;
use super::plan::Plan;
use super::result::{cell, column_spec};
use crate::engine::Rows;
use crate::error::{CqlError, CqlResult};
use crate::model::{CqlValue, Mutation, RowData};
use crate::schema::{ColumnDef, ColumnKind, TableDef};
use std::sync::Arc;

/// The statements of a conditional BATCH, checked and grouped.
pub struct ConditionalBatch {
    pub table: Arc<TableDef>,
    pub partition_key: Vec<CqlValue>,
    pub mutations: Vec<Mutation>,
    /// Per row (clustering values; empty for the static row), its conditions.
    pub rows: Vec<(Vec<CqlValue>, Vec<WriteCondition>)>,
}

impl ConditionalBatch {
    /// Groups `plans` (the translated statements of the batch).
    pub fn build(plans: Vec<Plan>) -> CqlResult<ConditionalBatch> {
        let mut mutations: Vec<Mutation> = Vec::new();
        let mut rows: Vec<(Vec<CqlValue>, Vec<WriteCondition>)> = Vec::new();
        for plan in plans {
            match plan {
                Plan::Write { mutations: ms, timestamp } => {
                    if timestamp.is_some() {
                        return Err(CqlError::invalid("Cannot provide custom timestamp for conditional BATCH"));
                    }
                    mutations.extend(ms);
                }
                Plan::Conditional { mutation, clustering, condition } => {
                    mutations.push(mutation);
                    match rows.iter_mut().find(|(c, _)| *c == clustering) {
                        Some((_, conditions)) => {
                            refuse_mix(conditions, &condition)?;
                            conditions.push(condition);
                        }
                        None => rows.push((clustering, vec![condition])),
                    }
                }
                _ => return Err(CqlError::invalid("Only INSERT, UPDATE and DELETE statements are allowed in a BATCH")),
            }
        }
        let Some(first) = mutations.first() else {
            return Err(CqlError::invalid("A conditional BATCH needs at least one statement"));
        };
        let (table, partition_key) = (first.table.clone(), first.partition_key.clone());
        for m in &mutations {
            if m.table.keyspace != table.keyspace || m.table.name != table.name {
                return Err(CqlError::invalid("Batch with conditions cannot span multiple tables"));
            }
            if m.partition_key != partition_key {
                return Err(CqlError::invalid("Batch with conditions cannot span multiple partitions"));
            }
        }
        if table.is_counter {
            return Err(CqlError::invalid("Conditional updates are not supported on counter tables"));
        }
        Ok(ConditionalBatch { table, partition_key, mutations, rows })
    }

    /// The clustering values of the rows the conditions name, in the order of `rows`.
    pub fn targets(&self) -> Vec<Vec<CqlValue>> {
        self.rows.iter().map(|(c, _)| c.clone()).collect()
    }

    /// Whether every condition holds over the rows read for [`Self::targets`].
    pub fn holds(&self, current: &[Option<RowData>], statics: Option<&RowData>) -> CqlResult<bool> {
        for ((_, conditions), row) in self.rows.iter().zip(current) {
            for c in conditions {
                if !c.holds(&self.table, row.as_ref(), statics)? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// The `[applied]` result over the rows read.
    pub fn result(&self, applied: bool, current: &[Option<RowData>]) -> CqlResult<Rows> {
        let table = self.table.as_ref();
        let (applied_spec, flag) = super::condition::applied_column(table, applied);
        let mut seen: Vec<&RowData> = Vec::new();
        for row in current.iter().flatten() {
            if !seen.iter().any(|r| r.clustering == row.clustering) {
                seen.push(row);
            }
        }
        if applied || seen.is_empty() {
            return Ok(Rows { columns: vec![applied_spec], rows: vec![vec![flag]], paging_state: None });
        }
        let columns = self.shown_columns();
        let mut specs = vec![applied_spec];
        specs.extend(columns.iter().map(|c| column_spec(table, c)));
        let mut out = Vec::with_capacity(seen.len());
        for row in seen {
            let mut cells = vec![flag.clone()];
            for c in &columns {
                cells.push(cell(row, c)?);
            }
            out.push(cells);
        }
        Ok(Rows { columns: specs, rows: out, paging_state: None })
    }

    /// The primary key, then the conditions' columns (every column when a row has an
    /// IF EXISTS or IF NOT EXISTS), in the table's order.
    fn shown_columns(&self) -> Vec<&ColumnDef> {
        let table = self.table.as_ref();
        let all = self.rows.iter().flat_map(|(_, cs)| cs).any(|c| !matches!(c, WriteCondition::Columns(_)));
        let conditioned = |name: &str| {
            self.rows.iter().flat_map(|(_, cs)| cs).any(|c| match c {
                WriteCondition::Columns(list) => list.iter().any(|(n, _, _)| n == name),
                _ => false,
            })
        };
        let mut keys: Vec<&ColumnDef> = table
            .columns
            .iter()
            .filter(|c| matches!(c.kind, ColumnKind::PartitionKey | ColumnKind::Clustering))
            .collect();
        keys.sort_by_key(|c| (c.kind != ColumnKind::PartitionKey, c.position));
        let others = table
            .columns
            .iter()
            .filter(|c| matches!(c.kind, ColumnKind::Regular | ColumnKind::Static) && (all || conditioned(&c.name)));
        keys.into_iter().chain(others).collect()
    }
}

/// Cassandra's refusals of conditions that cannot share a row.
fn refuse_mix(existing: &[WriteCondition], new: &WriteCondition) -> CqlResult<()> {
    for old in existing {
        let message = match (old, new) {
            (WriteCondition::Exists, WriteCondition::NotExists)
            | (WriteCondition::NotExists, WriteCondition::Exists) => {
                "Cannot mix IF EXISTS and IF NOT EXISTS conditions for the same row"
            }
            (WriteCondition::Columns(_), WriteCondition::Exists)
            | (WriteCondition::Exists, WriteCondition::Columns(_)) => {
                "Cannot mix IF conditions and IF EXISTS for the same row"
            }
            (WriteCondition::Columns(_), WriteCondition::NotExists)
            | (WriteCondition::NotExists, WriteCondition::Columns(_)) => {
                "Cannot mix IF conditions and IF NOT EXISTS for the same row"
            }
            _ => continue,
        };
        return Err(CqlError::invalid(message));
    }
    Ok(())
}
