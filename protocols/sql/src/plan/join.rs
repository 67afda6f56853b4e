//! The join planner and access-path chooser.
//!
//! A FROM clause of inner and cross joins arrives as a list of relations (in FROM order,
//! their columns concatenated) plus the conjuncts of its ON and WHERE clauses. Conjuncts
//! on one relation are pushed into that relation's scan; scans pick a primary-key or
//! secondary-index access path from them; the remaining relations are joined greedily,
//! most selective first, preferring relations connected by an equality (hash join) over
//! cross products. The result is projected back to FROM order.

use super::{Access, JoinKind, Plan, ScanNode};
use crate::expr::{BinOp, Expr};

pub struct Rel {
    pub plan: Plan,
    pub width: usize,
}

pub fn has_correlated_subquery(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| match x {
        Expr::InSubquery { subquery, .. } | Expr::Exists { subquery, .. } | Expr::ScalarSubquery(subquery)
            if subquery.correlated =>
        {
            found = true
        }
        _ => {}
    });
    found
}

fn referenced_rels(e: &Expr, offsets: &[usize], widths: &[usize]) -> Vec<usize> {
    let mut cols = Vec::new();
    e.columns(&mut cols);
    let mut rels: Vec<usize> = cols
        .into_iter()
        .filter_map(|c| (0..offsets.len()).find(|&i| c >= offsets[i] && c < offsets[i] + widths[i]))
        .collect();
    rels.sort_unstable();
    rels.dedup();
    rels
}

/// Adds a predicate to a plan: into a scan's filter, or as a Filter node.
pub fn add_filter(plan: Plan, pred: Expr) -> Plan {
    match plan {
        Plan::Scan(mut s) => {
            s.filter = Some(match s.filter.take() {
                Some(f) => Expr::And(Box::new(f), Box::new(pred)),
                None => pred,
            });
            Plan::Scan(s)
        }
        Plan::Filter { input, predicate } => {
            Plan::Filter { input, predicate: Expr::And(Box::new(predicate), Box::new(pred)) }
        }
        other => Plan::Filter { input: Box::new(other), predicate: pred },
    }
}

/// Chooses the scan's access path from its filter's conjuncts.
pub fn choose_access(scan: &mut ScanNode) {
    let Some(filter) = &scan.filter else { return };
    let conjuncts = filter.clone().conjuncts();
    // (column, op, value expression) for `col op const`.
    let mut preds: Vec<(usize, BinOp, Expr)> = Vec::new();
    for c in &conjuncts {
        if let Expr::Binary { op, left, right, .. } = c {
            if !op.is_comparison() || *op == BinOp::NotEq {
                continue;
            }
            match (left.as_ref(), right.as_ref()) {
                (Expr::Column { level: 0, index }, e) if e.is_row_independent() => preds.push((*index, *op, e.clone())),
                (e, Expr::Column { level: 0, index }) if e.is_row_independent() => {
                    preds.push((*index, op.flip(), e.clone()))
                }
                _ => {}
            }
        }
    }
    if preds.is_empty() {
        return;
    }
    let build = |key: &[usize]| -> Access {
        let mut access = Access { key_len: key.len(), ..Access::default() };
        for col in key {
            if let Some((_, _, e)) = preds.iter().find(|(c, op, _)| c == col && *op == BinOp::Eq) {
                access.eq.push(e.clone());
                continue;
            }
            for (c, op, e) in &preds {
                if c != col {
                    continue;
                }
                match op {
                    BinOp::Gt | BinOp::GtEq if access.lower.is_none() => access.lower = Some(e.clone()),
                    BinOp::Lt | BinOp::LtEq if access.upper.is_none() => access.upper = Some(e.clone()),
                    _ => {}
                }
            }
            break;
        }
        access
    };
    let score = |a: &Access| a.eq.len() * 10 + a.lower.is_some() as usize + a.upper.is_some() as usize;
    let mut best = build(&scan.pk);
    let mut best_score = score(&best) * 2 + (best.eq.len() == scan.pk.len()) as usize;
    for (name, cols) in &scan.indexes {
        let mut a = build(cols);
        let s = score(&a) * 2;
        if s > best_score {
            a.index = Some(name.clone());
            best = a;
            best_score = s;
        }
    }
    if best_score > 0 {
        scan.access = best;
    }
}

fn estimate(plan: &Plan) -> usize {
    match plan {
        Plan::Scan(s) => {
            if !s.access.eq.is_empty() && s.access.eq.len() == s.access.key_len && s.access.index.is_none() {
                1
            } else if !s.access.is_full() {
                10
            } else if s.filter.is_some() {
                50
            } else {
                100
            }
        }
        _ => 100,
    }
}

/// Joins `rels` (inner/cross) under `conds` (expressed over the concatenated layout);
/// the output keeps the concatenated layout.
pub fn build_joins(rels: Vec<Rel>, conds: Vec<Expr>) -> Plan {
    let widths: Vec<usize> = rels.iter().map(|r| r.width).collect();
    let mut offsets = Vec::with_capacity(widths.len());
    let mut acc = 0;
    for w in &widths {
        offsets.push(acc);
        acc += w;
    }
    let total = acc;
    let mut plans: Vec<Option<Plan>> = rels.into_iter().map(|r| Some(r.plan)).collect();
    let mut top: Vec<Expr> = Vec::new();
    let mut multi: Vec<(Expr, Vec<usize>)> = Vec::new();
    for c in conds {
        if has_correlated_subquery(&c) {
            top.push(c);
            continue;
        }
        let refs = referenced_rels(&c, &offsets, &widths);
        match refs.len() {
            0 => top.push(c),
            1 => {
                let r = refs[0];
                let off = offsets[r];
                let mut local = c;
                local.remap_columns(&|i| i - off);
                if let Some(p) = plans[r].take() {
                    plans[r] = Some(add_filter(p, local));
                }
            }
            _ => multi.push((c, refs)),
        }
    }
    for p in plans.iter_mut().flatten() {
        if let Plan::Scan(s) = p {
            choose_access(s);
        }
    }
    let n = plans.len();
    if n == 0 {
        return Plan::Values { rows: vec![vec![]], width: 0 };
    }
    let estimates: Vec<usize> = plans.iter().map(|p| p.as_ref().map(estimate).unwrap_or(100)).collect();
    let connected = |joined: &[usize], cand: usize, multi: &[(Expr, Vec<usize>)]| {
        multi.iter().any(|(e, refs)| {
            refs.contains(&cand)
                && refs.iter().all(|r| *r == cand || joined.contains(r))
                && matches!(e, Expr::Binary { op: BinOp::Eq, .. })
        })
    };
    let first = (0..n).min_by_key(|&i| (estimates[i], i)).unwrap_or(0);
    let mut order = vec![first];
    let mut current = plans[first].take().unwrap_or(Plan::Values { rows: vec![vec![]], width: 0 });
    // Position of each global column in the current layout.
    let mut position: Vec<Option<usize>> = vec![None; total];
    for k in 0..widths[first] {
        position[offsets[first] + k] = Some(k);
    }
    let mut current_width = widths[first];
    let mut applied = vec![false; multi.len()];
    while order.len() < n {
        let remaining: Vec<usize> = (0..n).filter(|i| !order.contains(i)).collect();
        let next = remaining
            .iter()
            .copied()
            .filter(|&c| connected(&order, c, &multi))
            .min_by_key(|&i| (estimates[i], i))
            .or_else(|| remaining.iter().copied().min_by_key(|&i| (estimates[i], i)))
            .unwrap_or(remaining[0]);
        let right = plans[next].take().unwrap_or(Plan::Values { rows: vec![vec![]], width: 0 });
        let (roff, rwidth) = (offsets[next], widths[next]);
        let mut left_keys = Vec::new();
        let mut right_keys = Vec::new();
        let mut others = Vec::new();
        for (i, (e, refs)) in multi.iter().enumerate() {
            if applied[i] || !refs.iter().all(|r| *r == next || order.contains(r)) {
                continue;
            }
            applied[i] = true;
            let pos = position.clone();
            let to_left = move |c: usize| pos[c].unwrap_or(0);
            if let Expr::Binary { op: BinOp::Eq, left, right, .. } = e {
                if refs.contains(&next) {
                    let lrefs = referenced_rels(left, &offsets, &widths);
                    let rrefs = referenced_rels(right, &offsets, &widths);
                    let (lside, rside) = if rrefs == vec![next] && !lrefs.contains(&next) && !lrefs.is_empty() {
                        (Some(left.as_ref().clone()), Some(right.as_ref().clone()))
                    } else if lrefs == vec![next] && !rrefs.contains(&next) && !rrefs.is_empty() {
                        (Some(right.as_ref().clone()), Some(left.as_ref().clone()))
                    } else {
                        (None, None)
                    };
                    if let (Some(mut l), Some(mut r)) = (lside, rside) {
                        l.remap_columns(&to_left);
                        r.remap_columns(&|c| c - roff);
                        left_keys.push(l);
                        right_keys.push(r);
                        continue;
                    }
                }
            }
            let mut joined = e.clone();
            let pos = position.clone();
            let cw = current_width;
            joined.remap_columns(&move |c| {
                if c >= roff && c < roff + rwidth {
                    cw + (c - roff)
                } else {
                    pos[c].unwrap_or(0)
                }
            });
            others.push(joined);
        }
        current = Plan::Join {
            kind: JoinKind::Inner,
            left: Box::new(current),
            right: Box::new(right),
            left_keys,
            right_keys,
            condition: Expr::and_all(others),
            left_width: current_width,
            right_width: rwidth,
        };
        for k in 0..rwidth {
            position[roff + k] = Some(current_width + k);
        }
        current_width += rwidth;
        order.push(next);
    }
    let identity = order.iter().enumerate().all(|(i, r)| i == *r);
    if !identity {
        let exprs = (0..total).map(|c| Expr::Column { level: 0, index: position[c].unwrap_or(0) }).collect();
        current = Plan::Project { input: Box::new(current), exprs };
    }
    for c in top {
        current = add_filter(current, c);
    }
    current
}

/// Splits an outer join's ON condition into hash keys (left side = first `left_width`
/// columns) and a residual condition over the joined row.
pub fn split_join_condition(cond: Option<Expr>, left_width: usize) -> (Vec<Expr>, Vec<Expr>, Option<Expr>) {
    let Some(cond) = cond else { return (vec![], vec![], None) };
    let mut lk = Vec::new();
    let mut rk = Vec::new();
    let mut rest = Vec::new();
    for c in cond.conjuncts() {
        if let Expr::Binary { op: BinOp::Eq, left, right, .. } = &c {
            if !c.has_subquery() {
                let side = |e: &Expr| {
                    let mut cols = Vec::new();
                    e.columns(&mut cols);
                    if cols.is_empty() {
                        0
                    } else if cols.iter().all(|&i| i < left_width) {
                        1
                    } else if cols.iter().all(|&i| i >= left_width) {
                        2
                    } else {
                        3
                    }
                };
                let (ls, rs) = (side(left), side(right));
                let pair = match (ls, rs) {
                    (1, 2) => Some((left.as_ref().clone(), right.as_ref().clone())),
                    (2, 1) => Some((right.as_ref().clone(), left.as_ref().clone())),
                    _ => None,
                };
                if let Some((l, mut r)) = pair {
                    r.remap_columns(&|i| i - left_width);
                    lk.push(l);
                    rk.push(r);
                    continue;
                }
            }
        }
        rest.push(c);
    }
    (lk, rk, Expr::and_all(rest))
}
