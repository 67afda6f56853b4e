//! One page of a SELECT's rows: the storage read (a partition slice, the partitions of
//! `pk IN (...)`, a secondary-index lookup or a token-order scan), then ALLOW FILTERING's
//! restrictions, DISTINCT and PER PARTITION LIMIT. Like Cassandra, a page counts the rows
//! that pass them: a page whose read lost rows to them reads on until it holds
//! `page_size` rows or the data ends, so drivers that stop at a short page see every row.

use super::plan::{SelectExpr, SelectPlan, Selection};
use super::run::Runner;
use super::select::{self, Op, Restriction};
use crate::error::CqlResult;
use crate::model::keys::{clustering_key, serialize_partition_key, token_of};
use crate::model::store::clustering_columns;
use crate::model::value::cql_cmp;
use crate::model::{CqlValue, Page, Position, RowData};
use crate::schema::{ColumnKind, IndexDef, IndexTarget, TableDef};
use std::ops::Bound;

/// The most rows a further storage read of a filling page asks for: after the first
/// (the whole page), each asks for what the page still needs, doubling up to this.
const FILL_READ_MAX: usize = 1_000;

/// PER PARTITION LIMIT's count, carried across the reads of a page and (through the
/// paging state) across pages.
pub(super) struct PartitionCount {
    pub limit: u64,
    /// The serialized key of the partition being counted.
    pub partition: Option<Vec<u8>>,
    pub count: u64,
}

impl Runner {
    /// Up to `want` rows after `position` that pass the plan's filters, DISTINCT and (given
    /// `per_partition`) PER PARTITION LIMIT; `next` is where the following page starts,
    /// `None` once the read reached the end.
    pub(super) async fn read_page(
        &self,
        plan: &SelectPlan,
        want: usize,
        position: Option<&Position>,
        now: i64,
        mut per_partition: Option<&mut PartitionCount>,
    ) -> CqlResult<Page> {
        let index = indexed_equality(plan);
        let skip_static_only = !selects_static(plan);
        if plan.filters.is_empty() && !plan.distinct && per_partition.is_none() && !skip_static_only {
            return self.read_stored(plan, index, want, position, now).await;
        }
        let table = plan.table.as_ref();
        let mut out = Page::default();
        let mut at = position.cloned();
        let mut last_distinct = position.map(|p| p.partition_key.clone());
        // The first read asks for the whole page, as an unfiltered read would.
        let mut read_size = want.max(1);
        loop {
            let read = self.read_stored(plan, index, read_size, at.as_ref(), now).await?;
            let count = read.rows.len();
            for (i, row) in read.rows.into_iter().enumerate() {
                if skip_static_only && row.clustering.is_empty() {
                    continue;
                }
                if !keeps(plan, &row, &mut last_distinct, per_partition.as_deref_mut())? {
                    continue;
                }
                out.rows.push(row);
                if out.rows.len() >= want {
                    let at_end = i + 1 == count && read.next.is_none();
                    out.next = match (at_end, out.rows.last()) {
                        (false, Some(last)) => Some(position_of(table, last)?),
                        _ => None,
                    };
                    return Ok(out);
                }
            }
            match read.next {
                Some(next) => at = Some(next),
                None => return Ok(out),
            }
            let needed = want.saturating_sub(out.rows.len()).min(FILL_READ_MAX);
            read_size = read_size.saturating_mul(2).clamp(needed, FILL_READ_MAX);
        }
    }

    /// Rows as stored, before filters: `want` of them after `position`.
    async fn read_stored(
        &self,
        plan: &SelectPlan,
        index: Option<(&IndexDef, &CqlValue)>,
        want: usize,
        position: Option<&Position>,
        now: i64,
    ) -> CqlResult<Page> {
        let table = plan.table.as_ref();
        let store = &self.model.store;
        match (&plan.partition, index) {
            (Some(pk), _) => store.read_partition(table, pk, &plan.slice, want, position, now).await,
            (None, _) if !plan.in_partitions.is_empty() => self.read_in(plan, want, position, now).await,
            (None, Some((index, value))) => store.index_lookup(table, index, value, want, position, now).await,
            (None, None) => {
                let (start, end) = plan.tokens;
                store.scan(table, start, end, want, position, now).await
            }
        }
    }

    /// `pk IN (...)`: the partitions in the order of their key values (as Cassandra
    /// answers an IN, not in token order), resuming inside the one the position names.
    async fn read_in(&self, plan: &SelectPlan, want: usize, position: Option<&Position>, now: i64) -> CqlResult<Page> {
        let table = plan.table.as_ref();
        let mut keys = Vec::with_capacity(plan.in_partitions.len());
        for key in &plan.in_partitions {
            keys.push((serialize_partition_key(key)?, key));
        }
        let value_order = |a: &[CqlValue], b: &[CqlValue]| {
            a.iter().zip(b).map(|(x, y)| cql_cmp(x, y)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
        };
        keys.sort_by(|a, b| value_order(a.1, b.1));
        keys.dedup_by(|a, b| a.0 == b.0);
        let has_clustering = table.clustering().next().is_some();
        // Where the previous page stopped: that partition again (past its last row), or
        // the next one for a table without clustering columns.
        let start = match position {
            None => 0,
            Some(p) => match keys.iter().position(|(serialized, _)| *serialized == p.partition_key) {
                Some(i) if has_clustering => i,
                Some(i) => i + 1,
                None => keys.len(),
            },
        };
        let mut out = Page::default();
        for (serialized, key) in keys.into_iter().skip(start) {
            let resume = position.filter(|p| p.partition_key == serialized);
            let left = want.saturating_sub(out.rows.len());
            let page = self.model.store.read_partition(table, key, &plan.slice, left, resume, now).await?;
            out.rows.extend(page.rows);
            out.next = page.next;
            if out.rows.len() >= want {
                break;
            }
        }
        if out.rows.len() < want {
            out.next = None;
        }
        Ok(out)
    }
}

/// The secondary index a scan can read instead of every row: one on a regular,
/// single-cell column that a filter restricts by equality (index entries are kept for
/// exactly those columns; the filter is still checked on every row the index names).
fn indexed_equality(plan: &SelectPlan) -> Option<(&IndexDef, &CqlValue)> {
    if plan.partition.is_some() || !plan.in_partitions.is_empty() || plan.tokens != (Bound::Unbounded, Bound::Unbounded)
    {
        return None;
    }
    let table = plan.table.as_ref();
    plan.filters.iter().find_map(|f: &Restriction| {
        if f.op != Op::Eq || !f.with.is_empty() {
            return None;
        }
        let def = table.column(&f.column)?;
        if def.kind != ColumnKind::Regular || def.ty.is_multi_cell() {
            return None;
        }
        let index = table
            .indexes
            .iter()
            .find(|i| i.column == f.column && matches!(i.target, IndexTarget::Values | IndexTarget::Full))?;
        Some((index, &f.value))
    })
}

/// Whether the row Cassandra answers for a partition that holds only static cells (its
/// clustering columns null) belongs in this result: unless the selection reads regular
/// columns and no static one (`SELECT r` of such a partition is empty; `SELECT s`,
/// `SELECT pk, ck` and `count(*)` see the row), or a filter reads a static column.
/// Always true for a table without clustering columns, whose rows never lack one.
fn selects_static(plan: &SelectPlan) -> bool {
    let table = plan.table.as_ref();
    if table.clustering().next().is_none() {
        return true;
    }
    let kind_of = |i: &usize| table.columns.get(*i).map(|c| c.kind);
    let (columns, counts) = match &plan.selection {
        Selection::Columns => (plan.columns.clone(), false),
        Selection::Items(items) => {
            let (mut columns, mut counts) = (Vec::new(), false);
            for item in items {
                referenced(&item.expr, &mut columns, &mut counts);
            }
            (columns, counts)
        }
    };
    let filters_static =
        plan.filters.iter().any(|f| table.column(&f.column).is_some_and(|c| c.kind == ColumnKind::Static));
    counts
        || filters_static
        || columns.iter().any(|i| kind_of(i) == Some(ColumnKind::Static))
        || !columns.iter().any(|i| kind_of(i) == Some(ColumnKind::Regular))
}

/// The columns `expr` reads; `counts` set when it counts rows.
fn referenced(expr: &SelectExpr, columns: &mut Vec<usize>, counts: &mut bool) {
    match expr {
        SelectExpr::Column(i) | SelectExpr::WriteTime(i) | SelectExpr::Ttl(i) | SelectExpr::Element(i, _) => {
            columns.push(*i)
        }
        SelectExpr::CountRows => *counts = true,
        SelectExpr::Token | SelectExpr::Value(_) => {}
        SelectExpr::Aggregate(_, inner, _) | SelectExpr::Field(inner, _) => referenced(inner, columns, counts),
        SelectExpr::Call(_, args) => args.iter().for_each(|a| referenced(a, columns, counts)),
    }
}

/// Whether `row` belongs in the result: it passes the filters, is the first row of its
/// partition under DISTINCT, and is within PER PARTITION LIMIT.
fn keeps(
    plan: &SelectPlan,
    row: &RowData,
    last_distinct: &mut Option<Vec<u8>>,
    per_partition: Option<&mut PartitionCount>,
) -> CqlResult<bool> {
    if plan.distinct {
        let key = serialize_partition_key(&row.partition_key)?;
        if last_distinct.as_ref() == Some(&key) {
            return Ok(false);
        }
        *last_distinct = Some(key);
    }
    if !plan.filters.is_empty() && !select::matches(&plan.table, row, &plan.filters)? {
        return Ok(false);
    }
    if let Some(counter) = per_partition {
        let key = serialize_partition_key(&row.partition_key)?;
        if counter.partition.as_ref() != Some(&key) {
            counter.partition = Some(key);
            counter.count = 0;
        }
        if counter.count >= counter.limit {
            return Ok(false);
        }
        counter.count += 1;
    }
    Ok(true)
}

/// The storage position just past `row`, as the store's own reads give it.
fn position_of(table: &TableDef, row: &RowData) -> CqlResult<Position> {
    let partition_key = serialize_partition_key(&row.partition_key)?;
    Ok(Position {
        token: token_of(&partition_key),
        partition_key,
        clustering: clustering_key(&clustering_columns(table), &row.clustering)?,
    })
}
