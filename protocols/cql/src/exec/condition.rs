//! Lightweight transactions' conditions (`IF NOT EXISTS`, `IF EXISTS`, `IF col op v`)
//! decided against the row the store reads inside the conditional write, and the
//! `[applied]` result Cassandra answers: `[applied]` alone when the write applied, else
//! `[applied] = false` with the existing row (IF NOT EXISTS) or the condition columns'
//! current values; `[applied] = false` alone when there is no row.

use super::result::column_spec;
use super::select::Op;
use crate::engine::{ColumnSpec, Rows};
use crate::error::{CqlError, CqlResult};
use crate::model::value::cql_cmp;
use crate::model::{CqlValue, RowData};
use crate::schema::TableDef;
use crate::types::CqlType;
use bytes::Bytes;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq)]
pub enum WriteCondition {
    NotExists,
    Exists,
    /// `IF c op v AND ...`; `None` compares with null.
    Columns(Vec<(String, CondOp, Option<CqlValue>)>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum CondOp {
    Cmp(Op),
    Ne,
    /// `IF c IN (...)`: equal to one of the candidates (`None`: null).
    In(Vec<Option<CqlValue>>),
}

impl WriteCondition {
    /// Whether the write applies over `row` (`None`: no live row; then a static column
    /// compares with the partition's `statics`).
    pub fn holds(&self, table: &TableDef, row: Option<&RowData>, statics: Option<&RowData>) -> CqlResult<bool> {
        match self {
            WriteCondition::NotExists => Ok(row.is_none()),
            WriteCondition::Exists => Ok(row.is_some()),
            WriteCondition::Columns(conditions) => {
                for (column, op, expected) in conditions {
                    let current = match (row, statics) {
                        (Some(r), _) => r.value(table, column)?,
                        (None, Some(s)) if is_static(table, column) => s.value(table, column)?,
                        (None, _) => None,
                    };
                    if !compare(current.as_ref(), op, expected.as_ref())? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
        }
    }

    /// The `[applied]` result; over a missing row, conditions on static columns show the
    /// partition's `statics` (and null for the row's columns), as Cassandra's do.
    pub fn result(
        &self,
        table: &TableDef,
        applied: bool,
        row: Option<&RowData>,
        statics: Option<&RowData>,
    ) -> CqlResult<Rows> {
        let (applied_spec, flag) = applied_column(table, applied);
        let mut columns = vec![applied_spec];
        let mut cells = vec![flag];
        if !applied {
            let shown: Vec<&str> = match self {
                WriteCondition::Exists => Vec::new(),
                WriteCondition::NotExists => table.columns.iter().map(|c| c.name.as_str()).collect(),
                WriteCondition::Columns(conditions) => {
                    let mut names: Vec<&str> = Vec::new();
                    for (c, _, _) in conditions {
                        if !names.contains(&c.as_str()) {
                            names.push(c);
                        }
                    }
                    names
                }
            };
            let on_statics = matches!(self, WriteCondition::Columns(_)) && shown.iter().any(|c| is_static(table, c));
            let row = row.or(statics.filter(|_| on_statics));
            if let Some(row) = row.filter(|_| !shown.is_empty()) {
                for name in shown {
                    let def =
                        table.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
                    columns.push(column_spec(table, def));
                    cells.push(super::result::cell(row, def)?);
                }
            }
        }
        Ok(Rows { columns, rows: vec![cells], paging_state: None })
    }
}

fn is_static(table: &TableDef, column: &str) -> bool {
    table.column(column).is_some_and(|c| c.kind == crate::schema::ColumnKind::Static)
}

/// The `[applied]` column of a conditional write's result, and its cell.
pub(super) fn applied_column(table: &TableDef, applied: bool) -> (ColumnSpec, Option<Bytes>) {
    let spec = ColumnSpec {
        keyspace: table.keyspace.clone(),
        table: table.name.clone(),
        name: "[applied]".into(),
        ty: CqlType::Boolean,
    };
    (spec, Some(Bytes::from_static(if applied { &[1] } else { &[0] })))
}

fn compare(current: Option<&CqlValue>, op: &CondOp, expected: Option<&CqlValue>) -> CqlResult<bool> {
    Ok(match (op, current, expected) {
        (CondOp::In(candidates), a, _) => {
            for candidate in candidates {
                if compare(a, &CondOp::Cmp(Op::Eq), candidate.as_ref())? {
                    return Ok(true);
                }
            }
            false
        }
        (CondOp::Cmp(Op::Eq), a, b) => match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => cql_cmp(a, b) == Ordering::Equal,
            _ => false,
        },
        (CondOp::Ne, a, b) => match (a, b) {
            (None, None) => false,
            (Some(a), Some(b)) => cql_cmp(a, b) != Ordering::Equal,
            _ => true,
        },
        (CondOp::Cmp(_), _, None) => {
            return Err(CqlError::invalid("Invalid comparison with null for operator other than = and !="))
        }
        (CondOp::Cmp(_), None, Some(_)) => false,
        (CondOp::Cmp(op), Some(a), Some(b)) => {
            let ord = cql_cmp(a, b);
            match op {
                Op::Lt => ord == Ordering::Less,
                Op::Le => ord != Ordering::Greater,
                Op::Gt => ord == Ordering::Greater,
                Op::Ge => ord != Ordering::Less,
                Op::Eq => ord == Ordering::Equal,
                Op::In | Op::Contains | Op::ContainsKey => false,
            }
        }
    })
}
