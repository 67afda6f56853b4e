//! `SELECT .. FROM t ORDER BY col <-> $1 LIMIT k` planned onto an hnsw index of `t.col`
//! whose operator class orders by that distance (`<#>` for vector_ip_ops, `<=>` for
//! vector_cosine_ops, `<+>` for vector_l1_ops): the table's scan becomes an index scan
//! that reads the nearest rows only ([`VectorScan`]); the sort above it orders them by
//! their exact distance and the limit cuts them, as before. Like pgvector's HNSW scan,
//! a filter applies to the `max(k, hnsw.ef_search)` candidates the index returns. Any
//! other ordering (descending, another distance, an expression, a join) stays exact.

use super::hnsw::{self, HnswDef};
use crate::catalog::CatalogState;
use crate::expr::{BinOp, Expr};
use crate::plan::{Plan, ScanNode};

/// An index scan reading the `k` rows nearest `query`.
#[derive(Debug, Clone)]
pub struct VectorScan {
    pub index: HnswDef,
    /// Position of the indexed column in the scanned rows.
    pub column: usize,
    /// The query vector (row-independent).
    pub query: Expr,
    /// How many rows: the LIMIT plus the OFFSET.
    pub k: Expr,
}

/// Marks the scan under `plan` (a LIMIT just bound) as an hnsw index scan when its ORDER
/// BY is one an index answers.
pub fn use_index(plan: &mut Plan, cat: &CatalogState) {
    let Plan::Limit { input, limit: Some(limit), offset } = plan else { return };
    let k = match offset {
        Some(o) => Expr::Binary {
            op: BinOp::Add,
            left: Box::new(limit.clone()),
            right: Box::new(o.clone()),
            ty: crate::SqlType::Int8,
        },
        None => limit.clone(),
    };
    let mut node = input.as_mut();
    // The projection that drops ORDER BY-only columns sits above the sort.
    if let Plan::Project { input, .. } = node {
        node = input.as_mut();
    }
    let Plan::Sort { input, keys } = node else { return };
    let [key] = keys.as_slice() else { return };
    if key.desc {
        return;
    }
    let (exprs, below) = match input.as_mut() {
        Plan::Project { input, exprs } => (Some(exprs.clone()), input.as_mut()),
        other => (None, other),
    };
    let order = match (&key.expr, &exprs) {
        (Expr::Column { level: 0, index }, Some(exprs)) => match exprs.get(*index) {
            Some(e) => e.clone(),
            None => return,
        },
        (e, _) => e.clone(),
    };
    let Expr::Func { name, args, .. } = order else { return };
    let [Expr::Column { level: 0, index: column }, query] = args.as_slice() else { return };
    if !query.is_row_independent() {
        return;
    }
    let Plan::Scan(scan) = below else { return };
    if scan.function.is_some() || scan.vector.is_some() {
        return;
    }
    let Some(info) = cat.tables.get(&scan.table) else { return };
    let Some(column_name) = scan.column_names.get(*column) else { return };
    let Some(index) = hnsw::defs(&info.schema)
        .into_iter()
        .filter(|d| d.column == *column_name && d.opclass.function() == name)
        .min_by(|a, b| a.name.cmp(&b.name))
    else {
        return;
    };
    scan.vector = Some(Box::new(VectorScan { index, column: *column, query: query.clone(), k }));
}

/// EXPLAIN's lines of an index scan.
pub fn explain(scan: &ScanNode, v: &VectorScan, names: &dyn Fn(usize) -> String) -> (String, String) {
    (
        format!("Index Scan using {} on {}", v.index.name, scan.label),
        format!("Order By: ({} {} {})", names(v.column), v.index.opclass.operator(), v.query.describe(names)),
    )
}
