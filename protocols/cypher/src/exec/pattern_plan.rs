//! Planning one MATCH pattern: the order its parts are matched in and where each part
//! starts — a node bound already, an index lookup (an equality or range on a label and
//! property with an index, from the inline property map or the WHERE), a label scan or
//! a scan of every node — and which way its chain is walked (a part whose last node is
//! bound or indexed is walked from that end).

use crate::ast::{BinaryOp, Expr, LabelExpr, NodePattern, PathKind, RelDirection, RelPattern};
use crate::error::{CypherError, CypherResult};
use orbit_graph::PropertyIndex;
use std::collections::BTreeSet;
use std::sync::Arc;

/// An index range being gathered: label, property, lower and upper bound.
type RangeStart = (String, String, Option<(Expr, bool)>, Option<(Expr, bool)>);

#[derive(Debug, Clone)]
pub(crate) struct NodeSpec {
    pub var: Option<String>,
    pub labels: Option<LabelExpr>,
    pub props: Option<Expr>,
    pub where_: Option<Expr>,
}

impl NodeSpec {
    fn of(n: &NodePattern) -> NodeSpec {
        NodeSpec {
            var: n.variable.clone(),
            labels: n.labels.clone(),
            props: n.properties.clone(),
            where_: n.where_.clone(),
        }
    }

    pub fn needs_record(&self) -> bool {
        self.var.is_some() || self.labels.is_some() || self.props.is_some() || self.where_.is_some()
    }

    fn conjunction(&self) -> Vec<String> {
        self.labels.as_ref().and_then(|l| l.conjunction()).unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RelSpec {
    pub var: Option<String>,
    pub direction: RelDirection,
    pub types: Vec<String>,
    /// `(min, max)` of a variable-length relationship.
    pub length: Option<(u64, Option<u64>)>,
    pub props: Option<Expr>,
    pub where_: Option<Expr>,
}

impl RelSpec {
    fn of(r: &RelPattern) -> RelSpec {
        RelSpec {
            var: r.variable.clone(),
            direction: r.direction,
            types: r.types.clone(),
            length: r.length.map(|(min, max)| (min.unwrap_or(1), max)),
            props: r.properties.clone(),
            where_: r.where_.clone(),
        }
    }

    fn reversed(&self) -> RelSpec {
        let direction = match self.direction {
            RelDirection::Outgoing => RelDirection::Incoming,
            RelDirection::Incoming => RelDirection::Outgoing,
            RelDirection::Either => RelDirection::Either,
        };
        RelSpec { direction, ..self.clone() }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Start {
    Bound(String),
    Scan(Option<String>),
    IndexEq { label: String, property: String, value: Expr },
    IndexRange { label: String, property: String, lower: Option<(Expr, bool)>, upper: Option<(Expr, bool)> },
}

#[derive(Debug, Clone)]
pub(crate) struct PartPlan {
    pub path_var: Option<String>,
    pub kind: PathKind,
    pub start: Start,
    pub first: NodeSpec,
    pub hops: Vec<(RelSpec, NodeSpec)>,
    /// Walked from its last node: paths and relationship lists are turned back.
    pub reversed: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct MatchPlan {
    pub parts: Vec<PartPlan>,
}

/// Whether `e` can be evaluated before the part binds anything: it names only
/// variables in `scope`.
pub(crate) fn independent(e: &Expr, scope: &BTreeSet<String>) -> bool {
    match e {
        Expr::Literal(_) | Expr::Parameter(_) => true,
        Expr::Variable(v) => scope.contains(v),
        Expr::Property(b, _) => independent(b, scope),
        Expr::List(items) => items.iter().all(|i| independent(i, scope)),
        Expr::Map(items) => items.iter().all(|(_, i)| independent(i, scope)),
        Expr::Unary(_, i) => independent(i, scope),
        Expr::Binary(_, a, b) | Expr::Index(a, b) => independent(a, scope) && independent(b, scope),
        Expr::Function { name, args, .. } => {
            !crate::aggregate::is_aggregate(name) && args.iter().all(|a| independent(a, scope))
        }
        _ => false,
    }
}

pub(crate) fn conjuncts(e: &Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Binary(BinaryOp::And, a, b) => {
            conjuncts(a, out);
            conjuncts(b, out);
        }
        other => out.push(other.clone()),
    }
}

fn flip(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Le => BinaryOp::Ge,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Ge => BinaryOp::Le,
        other => other,
    }
}

/// `var.prop op value` with value independent, in either order.
fn property_predicate(e: &Expr, var: &str, scope: &BTreeSet<String>) -> Option<(String, BinaryOp, Expr)> {
    let Expr::Binary(op, l, r) = e else { return None };
    if !matches!(op, BinaryOp::Eq | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge) {
        return None;
    }
    let on_var = |x: &Expr| match x {
        Expr::Property(b, p) if matches!(b.as_ref(), Expr::Variable(v) if v == var) => Some(p.clone()),
        _ => None,
    };
    if let Some(p) = on_var(l) {
        if independent(r, scope) {
            return Some((p, *op, (**r).clone()));
        }
    }
    if let Some(p) = on_var(r) {
        if independent(l, scope) {
            return Some((p, flip(*op), (**l).clone()));
        }
    }
    None
}

fn index_start(
    node: &NodeSpec,
    where_: &[Expr],
    scope: &BTreeSet<String>,
    indexes: &[Arc<PropertyIndex>],
) -> Option<Start> {
    let labels = node.conjunction();
    let has = |p: &str| indexes.iter().find(|i| labels.contains(&i.label) && i.property == p).map(|i| i.label.clone());
    if let Some(Expr::Map(items)) = &node.props {
        for (k, v) in items {
            if let Some(label) = has(k) {
                if independent(v, scope) {
                    return Some(Start::IndexEq { label, property: k.clone(), value: v.clone() });
                }
            }
        }
    }
    let var = node.var.as_deref()?;
    let mut range: Option<RangeStart> = None;
    for c in where_ {
        let Some((prop, op, value)) = property_predicate(c, var, scope) else { continue };
        let Some(label) = has(&prop) else { continue };
        if op == BinaryOp::Eq {
            return Some(Start::IndexEq { label, property: prop, value });
        }
        let entry = range.get_or_insert_with(|| (label.clone(), prop.clone(), None, None));
        if entry.1 != prop {
            continue;
        }
        match op {
            BinaryOp::Gt => entry.2 = Some((value, false)),
            BinaryOp::Ge => entry.2 = Some((value, true)),
            BinaryOp::Lt => entry.3 = Some((value, false)),
            _ => entry.3 = Some((value, true)),
        }
    }
    range.map(|(label, property, lower, upper)| Start::IndexRange { label, property, lower, upper })
}

fn bound(node: &NodeSpec, scope: &BTreeSet<String>) -> bool {
    node.var.as_ref().is_some_and(|v| scope.contains(v))
}

fn label_of(node: &NodeSpec) -> Option<String> {
    node.conjunction().into_iter().next()
}

fn chain_of(part: &crate::ast::PatternPart) -> (NodeSpec, Vec<(RelSpec, NodeSpec)>) {
    let first = NodeSpec::of(&part.element.start);
    let hops = part.element.chain.iter().map(|(r, n)| (RelSpec::of(r), NodeSpec::of(n))).collect();
    (first, hops)
}

fn reverse_chain(first: NodeSpec, hops: Vec<(RelSpec, NodeSpec)>) -> (NodeSpec, Vec<(RelSpec, NodeSpec)>) {
    let mut nodes = vec![first];
    let mut rels = Vec::new();
    for (r, n) in hops {
        rels.push(r.reversed());
        nodes.push(n);
    }
    nodes.reverse();
    rels.reverse();
    let mut nodes = nodes.into_iter();
    let first = nodes.next().unwrap_or(NodeSpec { var: None, labels: None, props: None, where_: None });
    (first, rels.into_iter().zip(nodes).collect())
}

pub(crate) fn part_variables(part: &crate::ast::PatternPart, out: &mut BTreeSet<String>) {
    out.extend(part.variable.clone());
    out.extend(part.element.start.variable.clone());
    for (r, n) in &part.element.chain {
        out.extend(r.variable.clone());
        out.extend(n.variable.clone());
    }
}

/// Plans `pattern`, given the variables bound before it and its WHERE.
pub(crate) fn plan_match(
    pattern: &[crate::ast::PatternPart],
    where_: Option<&Expr>,
    scope: &BTreeSet<String>,
    indexes: &[Arc<PropertyIndex>],
) -> CypherResult<MatchPlan> {
    let mut preds = Vec::new();
    if let Some(w) = where_ {
        conjuncts(w, &mut preds);
    }
    let mut scope = scope.clone();
    let mut remaining: Vec<&crate::ast::PatternPart> = pattern.iter().collect();
    let mut parts = Vec::new();
    while !remaining.is_empty() {
        let ready = |p: &crate::ast::PatternPart, scope: &BTreeSet<String>| {
            let (first, hops) = chain_of(p);
            let last = hops.last().map(|h| &h.1).unwrap_or(&first);
            match p.kind {
                PathKind::Plain => 0,
                _ if bound(&first, scope) && bound(last, scope) => 0,
                _ => 1,
            }
        };
        let choose = remaining
            .iter()
            .position(|p| {
                let (first, hops) = chain_of(p);
                let last = hops.last().map(|h| &h.1).unwrap_or(&first);
                ready(p, &scope) == 0 && (bound(&first, &scope) || bound(last, &scope))
            })
            .or_else(|| {
                remaining.iter().position(|p| {
                    let (first, _) = chain_of(p);
                    ready(p, &scope) == 0 && index_start(&first, &preds, &scope, indexes).is_some()
                })
            })
            .or_else(|| remaining.iter().position(|p| ready(p, &scope) == 0))
            .unwrap_or(0);
        let part = remaining.remove(choose);
        let (first, hops) = chain_of(part);
        let last = hops.last().map(|h| h.1.clone()).unwrap_or_else(|| first.clone());
        if part.kind != PathKind::Plain {
            if hops.len() != 1 || !bound(&first, &scope) || !bound(&last, &scope) {
                return Err(CypherError::not_supported(
                    "shortestPath/allShortestPaths other than one relationship between two nodes bound before it",
                ));
            }
            parts.push(PartPlan {
                path_var: part.variable.clone(),
                kind: part.kind,
                start: Start::Bound(first.var.clone().unwrap_or_default()),
                first,
                hops,
                reversed: false,
            });
            part_variables(part, &mut scope);
            continue;
        }
        let plan = if bound(&first, &scope) {
            let v = first.var.clone().unwrap_or_default();
            PartPlan { path_var: None, kind: part.kind, start: Start::Bound(v), first, hops, reversed: false }
        } else if !hops.is_empty() && bound(&last, &scope) {
            let v = last.var.clone().unwrap_or_default();
            let (first, hops) = reverse_chain(first, hops);
            PartPlan { path_var: None, kind: part.kind, start: Start::Bound(v), first, hops, reversed: true }
        } else if let Some(start) = index_start(&first, &preds, &scope, indexes) {
            PartPlan { path_var: None, kind: part.kind, start, first, hops, reversed: false }
        } else if let Some(start) = (!hops.is_empty()).then(|| index_start(&last, &preds, &scope, indexes)).flatten() {
            let (first, hops) = reverse_chain(first, hops);
            PartPlan { path_var: None, kind: part.kind, start, first, hops, reversed: true }
        } else if label_of(&first).is_none() && !hops.is_empty() && label_of(&last).is_some() {
            let (first, hops) = reverse_chain(first, hops);
            PartPlan {
                path_var: None,
                kind: part.kind,
                start: Start::Scan(label_of(&first)),
                first,
                hops,
                reversed: true,
            }
        } else {
            PartPlan {
                path_var: None,
                kind: part.kind,
                start: Start::Scan(label_of(&first)),
                first,
                hops,
                reversed: false,
            }
        };
        parts.push(PartPlan { path_var: part.variable.clone(), ..plan });
        part_variables(part, &mut scope);
    }
    Ok(MatchPlan { parts })
}
