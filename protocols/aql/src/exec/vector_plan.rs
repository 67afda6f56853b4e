//! Planning `APPROX_NEAR_COSINE` / `APPROX_NEAR_L2` / `APPROX_NEAR_INNER_PRODUCT` onto a
//! vector index, as ArangoDB's `use-vector-index` rule does: a collection loop followed
//! (past LETs and FILTERs) by a SORT on one such call — or on a LET variable holding one — in the
//! metric's order (DESC for cosine and inner product, ASC for L2), then a LIMIT, where one
//! argument is an attribute of the loop's documents covered by a vector index of that
//! metric and the other does not depend on the loop. The loop then reads the nearest
//! documents in order (the LIMIT's offset + count first, more while FILTERs between the
//! loop and the SORT drop some — 3.12.6's prefiltering, answered exactly up to the
//! index's approximation) and the SORT is dropped. A call the rule could not place is
//! the query's 1554 (ERROR_QUERY_VECTOR_SEARCH_NOT_APPLIED), as in ArangoDB.

use super::access::{attr_path, CatalogLookup};
use super::plan::*;
use crate::error::{num, AqlError, AqlResult};
use crate::store::{IndexKind, VectorMetric};

/// Places every placeable APPROX_NEAR_* SORT of `ops` onto its vector index.
pub fn place(ops: &mut Vec<PlanOp>, lookup: CatalogLookup<'_>) {
    let mut i = 0;
    while i < ops.len() {
        if let Some(sort_at) = place_at(ops, i, lookup) {
            ops.remove(sort_at);
        }
        i += 1;
    }
}

/// The 1554 error when an APPROX_NEAR_* call is left in `plan` that no vector index
/// answers.
pub fn check_placed(plan: &Plan) -> AqlResult<()> {
    let mut left = None;
    plan.visit_exprs(&mut |e| {
        if let CExpr::Builtin(Builtin::ApproxNear(metric), _) = e {
            left.get_or_insert(*metric);
        }
    });
    match left {
        None => Ok(()),
        Some(metric) => Err(not_applied(metric)),
    }
}

/// ERROR_QUERY_VECTOR_SEARCH_NOT_APPLIED for an APPROX_NEAR_* call of `metric`.
pub fn not_applied(metric: VectorMetric) -> AqlError {
    AqlError::new(
        num::QUERY_VECTOR_SEARCH_NOT_APPLIED,
        format!(
            "failed vector search: {} needs a FOR over a collection with a vector index of metric '{}' on the \
             attribute, then SORT by it {} and LIMIT",
            function_name(metric),
            metric.name(),
            if metric.ascending() { "ASC" } else { "DESC" }
        ),
    )
}

pub fn function_name(metric: VectorMetric) -> &'static str {
    match metric {
        VectorMetric::Cosine => "APPROX_NEAR_COSINE()",
        VectorMetric::L2 => "APPROX_NEAR_L2()",
        VectorMetric::InnerProduct => "APPROX_NEAR_INNER_PRODUCT()",
    }
}

/// The metric and arguments of an APPROX_NEAR_* call.
fn near_call(e: &CExpr) -> Option<(VectorMetric, &[CExpr])> {
    match e {
        CExpr::Builtin(Builtin::ApproxNear(metric), args) => Some((*metric, args.as_slice())),
        _ => None,
    }
}

/// When the loop at `i` qualifies, gives it the vector access, turns the LET it used
/// into an exact score and answers where the SORT to drop is.
fn place_at(ops: &mut [PlanOp], i: usize, lookup: CatalogLookup<'_>) -> Option<usize> {
    let Some(PlanOp::ForCollection { slot, collection, access: Access::Scan, .. }) = ops.get(i) else {
        return None;
    };
    let (slot, collection) = (*slot, collection.clone());
    let sort_at =
        i + 1 + ops.get(i + 1..)?.iter().position(|op| !matches!(op, PlanOp::Let { .. } | PlanOp::Filter(_)))?;
    let Some(PlanOp::Sort(keys)) = ops.get(sort_at) else { return None };
    let [(key, ascending)] = keys.as_slice() else { return None };
    let (let_at, call) = match key {
        CExpr::Var(s) => {
            let at = (i + 1..sort_at)
                .rev()
                .find(|j| matches!(ops.get(*j), Some(PlanOp::Let { slot: ls, .. }) if ls == s))?;
            let Some(PlanOp::Let { expr, .. }) = ops.get(at) else { return None };
            (Some(at), expr)
        }
        other => (None, other),
    };
    let (metric, args) = near_call(call)?;
    if *ascending != metric.ascending() {
        return None;
    }
    let Some(PlanOp::Limit { offset, count, .. }) = ops.get(sort_at + 1) else { return None };
    let (field, query) = match (args.first(), args.get(1)) {
        (Some(a), Some(b)) => match (attr_path(a, slot), attr_path(b, slot)) {
            (Some(f), _) if !b.uses_any(&|s| s >= slot) => (f, b.clone()),
            (_, Some(f)) if !a.uses_any(&|s| s >= slot) => (f, a.clone()),
            _ => return None,
        },
        _ => return None,
    };
    let (_, indexes) = lookup(&collection)?;
    let index = indexes.iter().find(|ix| {
        matches!(&ix.kind, IndexKind::Vector(p) if p.metric == metric) && ix.fields.as_slice() == [field.clone()]
    })?;
    let access =
        Access::Vector { index: index.name.clone(), field, query, offset: offset.clone(), count: count.clone() };
    if let Some(PlanOp::ForCollection { access: a, .. }) = ops.get_mut(i) {
        *a = access;
    }
    if let Some(at) = let_at {
        if let Some(PlanOp::Let { expr: CExpr::Builtin(b, _), .. }) = ops.get_mut(at) {
            *b = Builtin::VectorScore(metric);
        }
    }
    Some(sort_at)
}
