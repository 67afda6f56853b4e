//! Projected collection loops: a loop variable whose every use is a direct attribute
//! access (`doc.x`, `doc["x"]`) needs only those top-level attributes, so the loop asks
//! the store to decode just them. Any other use — the document whole in an expression
//! (RETURN doc, MERGE(doc), a traversal start, a modification), or copied whole by
//! COLLECT ... INTO — keeps the whole document.

use super::plan::*;
use crate::value::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Sets the projection of every collection loop of `plan` (not of its subqueries, whose
/// own compilation did that).
pub fn apply(plan: &mut Plan) {
    let found: Vec<(usize, Option<Arc<[String]>>)> = plan
        .ops
        .iter()
        .enumerate()
        .filter_map(|(i, op)| match op {
            PlanOp::ForCollection { slot, .. } => Some((i, fields(plan, *slot))),
            _ => None,
        })
        .collect();
    for (i, fields) in found {
        if let Some(PlanOp::ForCollection { project, .. }) = plan.ops.get_mut(i) {
            *project = fields;
        }
    }
}

/// The attributes `slot` is read through when every use of it in `plan` is a direct
/// attribute access; None when it is used whole anywhere.
pub fn fields(plan: &Plan, slot: Slot) -> Option<Arc<[String]>> {
    if copied_whole(plan, slot) {
        return None;
    }
    let (mut all, mut direct) = (0usize, 0usize);
    let mut names = BTreeSet::new();
    let mut whole = false;
    plan.visit_exprs(&mut |e| match e {
        CExpr::Var(s) if *s == slot => all += 1,
        CExpr::Attr(base, name) if matches!(**base, CExpr::Var(s) if s == slot) => {
            direct += 1;
            names.insert(name.clone());
        }
        CExpr::Index(base, at) if matches!(**base, CExpr::Var(s) if s == slot) => match &**at {
            CExpr::Lit(Value::String(name)) => {
                direct += 1;
                names.insert(name.clone());
            }
            _ => whole = true,
        },
        CExpr::Subquery(p) if copied_whole(p, slot) => whole = true,
        _ => {}
    });
    if whole || all != direct {
        return None;
    }
    Some(names.into_iter().collect())
}

/// Whether an operation of `plan` itself copies the row's `slot` (COLLECT ... INTO
/// without a projection, KEEP).
fn copied_whole(plan: &Plan, slot: Slot) -> bool {
    plan.ops.iter().any(|op| match op {
        PlanOp::Collect(c) => {
            matches!(&c.into, Some((_, IntoPlan::Vars(vars))) if vars.iter().any(|(_, s)| *s == slot))
        }
        _ => false,
    })
}
