//! Index selection: for each collection loop, the FILTER conditions that follow it (up
//! to the next operation that changes which rows exist: COLLECT, SORT, LIMIT, WINDOW, a
//! modification) are split at AND, and a condition `doc.attr <op> value` whose value does
//! not depend on the loop itself picks the access path: `_key`/`_id` equality, `_key IN`,
//! `_from`/`_to` equality on an edge collection, then the persistent index with the most
//! equality fields (and a range on the next field). The FILTERs stay in place, so an
//! index only narrows what is read.

use super::plan::*;
use crate::ast::{BinaryOp, EdgeDirection};
use crate::store::{CollectionInfo, CollectionType, IndexInfo, IndexKind};
use std::sync::Arc;

pub type CatalogLookup<'a> = &'a dyn Fn(&str) -> Option<&'a (Arc<CollectionInfo>, Vec<IndexInfo>)>;

/// Picks the access path of every full-scan collection loop in `ops`, and drops a SORT
/// the chosen (or an otherwise unused) persistent index already gives in order.
pub fn choose(ops: &mut Vec<PlanOp>, lookup: CatalogLookup<'_>) {
    super::vector_plan::place(ops, lookup);
    let mut i = 0;
    while i < ops.len() {
        choose_at(ops, i, lookup);
        if let Some(j) = sorted_by_index(ops, i, lookup) {
            ops.remove(j);
        }
        i += 1;
    }
}

fn choose_at(ops: &mut [PlanOp], i: usize, lookup: CatalogLookup<'_>) {
    {
        let (slot, collection) = match ops.get(i) {
            Some(PlanOp::ForCollection { slot, collection, access: Access::Scan, .. }) => (*slot, collection.clone()),
            _ => return,
        };
        let mut conds: Vec<(BinaryOp, String, CExpr)> = Vec::new();
        for op in &ops[i + 1..] {
            match op {
                PlanOp::Filter(e) => conjuncts(e, &mut |c| {
                    if let Some(cond) = condition(c, slot) {
                        conds.push(cond);
                    }
                }),
                PlanOp::Let { .. }
                | PlanOp::ForExpr { .. }
                | PlanOp::ForRange { .. }
                | PlanOp::ForCollection { .. }
                | PlanOp::Traversal(_)
                | PlanOp::Path(_) => {}
                _ => break,
            }
        }
        let Some(info) = lookup(&collection) else { return };
        if let Some(access) = pick(&conds, &info.0, &info.1) {
            if let Some(PlanOp::ForCollection { access: a, .. }) = ops.get_mut(i) {
                *a = access;
            }
        }
    }
}

fn usable(index: &IndexInfo) -> bool {
    index.kind == IndexKind::Persistent && !index.sparse && !index.fields.iter().any(|f| f.contains("[*]"))
}

/// When the loop at `i` is followed (past FILTERs and LETs only) by a SORT on attributes
/// of its documents, all one direction, that a persistent index answers in order: makes
/// the loop read that index (in reverse for DESC) and answers the SORT's position.
fn sorted_by_index(ops: &mut [PlanOp], i: usize, lookup: CatalogLookup<'_>) -> Option<usize> {
    let (slot, collection) = match ops.get(i) {
        Some(PlanOp::ForCollection { slot, collection, .. }) => (*slot, collection.clone()),
        _ => return None,
    };
    let j = i + 1 + ops.get(i + 1..)?.iter().position(|op| !matches!(op, PlanOp::Filter(_) | PlanOp::Let { .. }))?;
    let Some(PlanOp::Sort(keys)) = ops.get(j) else { return None };
    let ascending = keys.first()?.1;
    if keys.iter().any(|(_, asc)| *asc != ascending) {
        return None;
    }
    let paths: Vec<String> = keys.iter().map(|(e, _)| attr_path(e, slot)).collect::<Option<_>>()?;
    let info = lookup(&collection)?;
    let new_access = match ops.get(i) {
        Some(PlanOp::ForCollection { access: Access::Scan, .. }) => {
            let index = info.1.iter().find(|ix| usable(ix) && ix.fields.starts_with(&paths))?;
            Access::Index {
                index: index.name.clone(),
                fields: index.fields.clone(),
                equal: Vec::new(),
                lower: None,
                upper: None,
                reverse: !ascending,
            }
        }
        Some(PlanOp::ForCollection { access: Access::Index { index, fields, equal, lower, upper, .. }, .. }) => {
            if !fields.get(equal.len()..)?.starts_with(&paths) {
                return None;
            }
            Access::Index {
                index: index.clone(),
                fields: fields.clone(),
                equal: equal.clone(),
                lower: lower.clone(),
                upper: upper.clone(),
                reverse: !ascending,
            }
        }
        _ => return None,
    };
    if let Some(PlanOp::ForCollection { access, .. }) = ops.get_mut(i) {
        *access = new_access;
    }
    Some(j)
}

fn conjuncts<'e>(e: &'e CExpr, f: &mut dyn FnMut(&'e CExpr)) {
    match e {
        CExpr::Binary(BinaryOp::And, a, b) => {
            conjuncts(a, f);
            conjuncts(b, f);
        }
        other => f(other),
    }
}

/// The dotted attribute path `e` reads from the loop variable, if it is one.
pub(super) fn attr_path(e: &CExpr, slot: Slot) -> Option<String> {
    match e {
        CExpr::Attr(base, name) => match base.as_ref() {
            CExpr::Var(s) if *s == slot => Some(name.clone()),
            other => attr_path(other, slot).map(|p| format!("{p}.{name}")),
        },
        CExpr::Index(base, idx) => match idx.as_ref() {
            CExpr::Lit(crate::value::Value::String(name)) => match base.as_ref() {
                CExpr::Var(s) if *s == slot => Some(name.clone()),
                other => attr_path(other, slot).map(|p| format!("{p}.{name}")),
            },
            _ => None,
        },
        _ => None,
    }
}

fn independent(e: &CExpr, slot: Slot) -> bool {
    !e.uses_any(&|s| s >= slot)
}

fn flip(op: BinaryOp) -> Option<BinaryOp> {
    Some(match op {
        BinaryOp::Eq => BinaryOp::Eq,
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Le => BinaryOp::Ge,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Ge => BinaryOp::Le,
        _ => return None,
    })
}

/// `doc.path <op> value` (either way round) as (op, path, value).
fn condition(e: &CExpr, slot: Slot) -> Option<(BinaryOp, String, CExpr)> {
    let CExpr::Binary(op, a, b) = e else { return None };
    if !matches!(op, BinaryOp::Eq | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::In) {
        return None;
    }
    if let Some(path) = attr_path(a, slot) {
        if independent(b, slot) {
            return Some((*op, path, (**b).clone()));
        }
    }
    if *op != BinaryOp::In {
        if let Some(path) = attr_path(b, slot) {
            if independent(a, slot) {
                return Some((flip(*op)?, path, (**a).clone()));
            }
        }
    }
    None
}

fn find<'c>(conds: &'c [(BinaryOp, String, CExpr)], op: BinaryOp, path: &str) -> Option<&'c CExpr> {
    conds.iter().find(|(o, p, _)| *o == op && p == path).map(|(_, _, v)| v)
}

fn pick(conds: &[(BinaryOp, String, CExpr)], info: &CollectionInfo, indexes: &[IndexInfo]) -> Option<Access> {
    if let Some(v) = find(conds, BinaryOp::Eq, "_key") {
        return Some(Access::Key(v.clone()));
    }
    if let Some(v) = find(conds, BinaryOp::Eq, "_id") {
        return Some(Access::Id(v.clone()));
    }
    if let Some(v) = find(conds, BinaryOp::In, "_key") {
        return Some(Access::Keys(v.clone()));
    }
    if info.ty == CollectionType::Edge {
        if let Some(v) = find(conds, BinaryOp::Eq, "_from") {
            return Some(Access::Edges(EdgeDirection::Outbound, v.clone()));
        }
        if let Some(v) = find(conds, BinaryOp::Eq, "_to") {
            return Some(Access::Edges(EdgeDirection::Inbound, v.clone()));
        }
    }
    let mut best: Option<(usize, Access)> = None;
    for index in indexes {
        if !usable(index) {
            continue;
        }
        let mut equal = Vec::new();
        for field in &index.fields {
            match find(conds, BinaryOp::Eq, field) {
                Some(v) => equal.push(v.clone()),
                None => break,
            }
        }
        let (mut lower, mut upper) = (None, None);
        if let Some(next) = index.fields.get(equal.len()) {
            for (op, path, v) in conds {
                if path != next {
                    continue;
                }
                match op {
                    BinaryOp::Gt if lower.is_none() => lower = Some((v.clone(), false)),
                    BinaryOp::Ge if lower.is_none() => lower = Some((v.clone(), true)),
                    BinaryOp::Lt if upper.is_none() => upper = Some((v.clone(), false)),
                    BinaryOp::Le if upper.is_none() => upper = Some((v.clone(), true)),
                    _ => {}
                }
            }
        }
        let score = equal.len() * 2 + usize::from(lower.is_some() || upper.is_some());
        if score == 0 || best.as_ref().is_some_and(|(s, _)| *s >= score) {
            continue;
        }
        best = Some((
            score,
            Access::Index {
                index: index.name.clone(),
                fields: index.fields.clone(),
                equal,
                lower,
                upper,
                reverse: false,
            },
        ));
    }
    if best.is_none() {
        for index in indexes.iter().filter(|ix| usable(ix)) {
            if let Some(values) = index.fields.first().and_then(|f| find(conds, BinaryOp::In, f)) {
                return Some(Access::IndexIn {
                    index: index.name.clone(),
                    fields: index.fields.clone(),
                    values: values.clone(),
                });
            }
        }
    }
    best.map(|(_, a)| a)
}

/// The persistent index an UPSERT's search object can look its document up with: one
/// whose fields are all plain attributes the object names.
pub fn upsert_index(items: &[(CKey, CExpr)], indexes: &[IndexInfo]) -> Option<(String, Vec<String>)> {
    let names: Vec<&str> = items
        .iter()
        .filter_map(|(k, _)| match k {
            CKey::Static(s) => Some(s.as_str()),
            CKey::Computed(_) => None,
        })
        .collect();
    indexes
        .iter()
        .filter(|ix| usable(ix) && ix.fields.iter().all(|f| !f.contains('.') && names.contains(&f.as_str())))
        .max_by_key(|ix| ix.fields.len())
        .map(|ix| (ix.name.clone(), ix.fields.clone()))
}
