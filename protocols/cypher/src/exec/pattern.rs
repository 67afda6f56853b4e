//! Matching a planned pattern ([`super::pattern_plan`]) against the graph for one input
//! row, one match at a time: a depth-first walk whose levels are each part's start node
//! and then its hops. A label or all-node scan pages through the label index in batches;
//! a hop reads only the adjacency of the node it leaves; a relationship is bound at
//! most once per pattern (openCypher's relationship isomorphism).

use super::context::{Cx, Row};
use super::eval::{eval, holds, labels_match};
use super::paths;
use super::pattern_plan::{MatchPlan, NodeSpec, PartPlan, RelSpec, Start};
use crate::ast::{PathKind, RelDirection};
use crate::error::{CypherError, CypherResult};
use crate::value::compare::equals;
use crate::value::props::to_storage;
use crate::value::{NodeValue, PathValue, RelationshipValue, Value};
use orbit_graph::{Direction, NodeId, RelId};
use std::collections::VecDeque;
use std::ops::Bound;
use std::sync::Arc;

/// Node ids a scan reads from the label index at a time.
pub(crate) const SCAN_PAGE: usize = 256;

/// The relationships of a walk, each with its value once read.
pub(crate) type Walk = Vec<(RelId, Option<Value>)>;

/// One way to take a hop: the relationships walked (one, or several for a
/// variable-length hop) and the node reached.
#[derive(Debug, Clone)]
pub(crate) struct Hop {
    pub rels: Walk,
    pub node: NodeId,
}

enum Candidates {
    Scan { label: Option<String>, after: Option<NodeId>, buffer: VecDeque<NodeId>, done: bool },
    Nodes(VecDeque<NodeId>),
    Hops(VecDeque<Hop>),
}

impl Candidates {
    /// A label scan (every node when `label` is None) from its beginning.
    fn scan(label: Option<String>) -> Candidates {
        Candidates::Scan { label, after: None, buffer: VecDeque::new(), done: false }
    }
}

struct Frame {
    part: usize,
    /// 0 is the part's start node, `h + 1` its hop `h`.
    level: usize,
    candidates: Candidates,
    bound: Vec<String>,
    used_before: usize,
    node: Option<NodeId>,
    node_value: Option<Value>,
    rel_values: Vec<Value>,
}

pub(crate) struct Matcher {
    plan: Arc<MatchPlan>,
    row: Row,
    used: Vec<RelId>,
    frames: Vec<Frame>,
    started: bool,
}

pub(crate) fn direction_of(d: RelDirection) -> Direction {
    match d {
        RelDirection::Outgoing => Direction::Outgoing,
        RelDirection::Incoming => Direction::Incoming,
        RelDirection::Either => Direction::Both,
    }
}

fn node_of(v: &Value) -> CypherResult<Option<NodeId>> {
    match v {
        Value::Null => Ok(None),
        Value::Node(n) => Ok(Some(n.id)),
        other => Err(CypherError::type_error(format!("Type mismatch: expected Node but was {}", other.type_name()))),
    }
}

/// Whether an element's properties match a pattern's property map.
pub(crate) async fn props_match(
    cx: &Cx,
    props: &crate::value::Map,
    expected: &crate::ast::Expr,
    row: &Row,
) -> CypherResult<bool> {
    let want = eval(cx, expected, row).await?;
    match want {
        Value::Map(m) => Ok(m.iter().all(|(k, v)| props.get(k).is_some_and(|p| equals(p, v) == Some(true)))),
        Value::Null => Ok(true),
        other => Err(CypherError::type_error(format!("Type mismatch: expected Map but was {}", other.type_name()))),
    }
}

/// Whether equal stored forms are exactly the values Cypher deems equal to `v` (numbers
/// are not: `1 = 1.0` and `0.0 = -0.0` across different stored forms).
fn stored_equality_exact(v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Map(_) => false,
        Value::Point(p) => [p.x, p.y, p.z.unwrap_or(1.0)].iter().all(|c| *c != 0.0 && !c.is_nan()),
        Value::List(items) => items.iter().all(stored_equality_exact),
        _ => true,
    }
}

/// The nodes an index on `label`.`property` holds for values equal to `v` (a superset
/// may come back; the pattern's own checks run on each). None: no such index, or no
/// lookup gives exactly the equal values, so the label is scanned.
async fn lookup_values(cx: &Cx, label: &str, property: &str, v: &Value) -> CypherResult<Option<Vec<NodeId>>> {
    let keys = match v {
        Value::Null => return Ok(Some(Vec::new())),
        Value::Int(i) => vec![Value::Int(*i), Value::Float(*i as f64)],
        Value::Float(f) if f.is_nan() => return Ok(Some(Vec::new())),
        Value::Float(f) => {
            let mut keys = vec![Value::Float(*f)];
            if *f == 0.0 {
                keys.push(Value::Float(-*f));
            }
            if f.fract() == 0.0 && f.abs() < 9.0e18 {
                keys.push(Value::Int(*f as i64));
            }
            keys
        }
        other if stored_equality_exact(other) => vec![other.clone()],
        Value::List(_) | Value::Point(_) => return Ok(None),
        _ => return Ok(Some(Vec::new())),
    };
    let mut out = Vec::new();
    for k in keys {
        let Ok(s) = to_storage(&k) else { return Ok(Some(Vec::new())) };
        match cx.nodes_by_value(label, property, &s).await? {
            Some(ids) => out.extend(ids),
            None => return Ok(None),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(Some(out))
}

/// A range bound in the form one numeric kind is stored in: the same value when it is of
/// that kind, otherwise widened to an inclusive bound of that kind (a superset; the
/// predicate itself is checked on each node found).
fn numeric_bound(v: &Value, inclusive: bool, as_float: bool, lower: bool) -> (Value, bool) {
    match (v, as_float) {
        (Value::Int(i), true) => (Value::Float(*i as f64), true),
        (Value::Float(f), false) => {
            let whole = if lower { f.floor() } else { f.ceil() };
            (Value::Int(whole.clamp(i64::MIN as f64, i64::MAX as f64) as i64), true)
        }
        (other, _) => (other.clone(), inclusive),
    }
}

/// The nodes an index on `label`.`property` holds within the bounds (a superset may come
/// back). None: no such index, or bounds whose order the stored forms do not keep
/// (only numbers and strings do), so the label is scanned.
async fn lookup_range(
    cx: &Cx,
    label: &str,
    property: &str,
    lower: Option<(Value, bool)>,
    upper: Option<(Value, bool)>,
) -> CypherResult<Option<Vec<NodeId>>> {
    if lower.as_ref().is_some_and(|l| l.0.is_null()) || upper.as_ref().is_some_and(|u| u.0.is_null()) {
        return Ok(Some(Vec::new()));
    }
    let kind = |b: &Option<(Value, bool)>| match b {
        None => Some(None),
        Some((Value::Int(_), _)) => Some(Some(true)),
        Some((Value::Float(f), _)) if !f.is_nan() => Some(Some(true)),
        Some((Value::String(_), _)) => Some(Some(false)),
        _ => None,
    };
    let (Some(lk), Some(uk)) = (kind(&lower), kind(&upper)) else { return Ok(None) };
    let numeric = lk == Some(true) || uk == Some(true);
    let mut out = Vec::new();
    for as_float in if numeric { vec![Some(true), Some(false)] } else { vec![None] } {
        let convert =
            |b: &Option<(Value, bool)>, is_lower: bool| -> CypherResult<Option<(orbit_storage::Value, bool)>> {
                let Some((v, inc)) = b else { return Ok(None) };
                let (v, inc) = match as_float {
                    Some(f) => numeric_bound(v, *inc, f, is_lower),
                    None => (v.clone(), *inc),
                };
                Ok(Some((to_storage(&v)?, inc)))
            };
        let (lo, hi) = (convert(&lower, true)?, convert(&upper, false)?);
        let bound = |b: &Option<(orbit_storage::Value, bool)>| match b {
            None => Bound::Unbounded,
            Some((s, true)) => Bound::Included(s.clone()),
            Some((s, false)) => Bound::Excluded(s.clone()),
        };
        let (lb, ub) = (bound(&lo), bound(&hi));
        match cx.nodes_in_range(label, property, lb.as_ref(), ub.as_ref()).await? {
            Some(ids) => out.extend(ids),
            None => return Ok(None),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(Some(out))
}

impl Matcher {
    pub fn new(plan: Arc<MatchPlan>, row: Row) -> Matcher {
        Matcher { plan, row, used: Vec::new(), frames: Vec::new(), started: false }
    }

    fn part(&self, i: usize) -> &PartPlan {
        &self.plan.parts[i]
    }

    fn levels_of(&self, part: usize) -> usize {
        1 + self.part(part).hops.len()
    }

    async fn start_candidates(&self, cx: &Cx, part: usize) -> CypherResult<Candidates> {
        let p = self.part(part);
        Ok(match &p.start {
            Start::Bound(v) => {
                let id = node_of(self.row.get(v).unwrap_or(&Value::Null))?;
                Candidates::Nodes(id.into_iter().collect())
            }
            Start::Scan(label) => Candidates::scan(label.clone()),
            Start::IndexEq { label, property, value } => {
                let v = eval(cx, value, &self.row).await?;
                match lookup_values(cx, label, property, &v).await? {
                    Some(ids) => Candidates::Nodes(ids.into()),
                    None => Candidates::scan(Some(label.clone())),
                }
            }
            Start::IndexRange { label, property, lower, upper } => {
                let lo = match lower {
                    Some((e, inc)) => Some((eval(cx, e, &self.row).await?, *inc)),
                    None => None,
                };
                let hi = match upper {
                    Some((e, inc)) => Some((eval(cx, e, &self.row).await?, *inc)),
                    None => None,
                };
                match lookup_range(cx, label, property, lo, hi).await? {
                    Some(ids) => Candidates::Nodes(ids.into()),
                    None => Candidates::scan(Some(label.clone())),
                }
            }
        })
    }

    async fn hop_candidates(&self, cx: &Cx, part: usize, hop: usize, from: NodeId) -> CypherResult<Candidates> {
        let p = self.part(part);
        let Some((rel, node)) = p.hops.get(hop) else { return Ok(Candidates::Hops(VecDeque::new())) };
        if p.kind != PathKind::Plain {
            let target = node.var.as_ref().and_then(|v| self.row.get(v)).map(node_of).transpose()?.flatten();
            let Some(target) = target else { return Ok(Candidates::Hops(VecDeque::new())) };
            let all = p.kind == PathKind::AllShortestPaths;
            let hops = paths::shortest(cx, from, target, rel, all, &self.used, &self.row).await?;
            return Ok(Candidates::Hops(hops.into()));
        }
        let need_value = rel.var.is_some() || rel.props.is_some() || rel.where_.is_some() || p.path_var.is_some();
        let hops = match rel.length {
            None => {
                let mut out = VecDeque::new();
                for a in cx.expand(from, direction_of(rel.direction), &rel.types).await? {
                    if a.direction == Direction::Incoming && a.other == from && rel.direction == RelDirection::Either {
                        continue;
                    }
                    if self.used.contains(&a.rel) || cx.rel_deleted(a.rel) {
                        continue;
                    }
                    out.push_back(Hop { rels: vec![(a.rel, None)], node: a.other });
                }
                let _ = need_value;
                out
            }
            Some((min, max)) => paths::variable_length(cx, from, rel, min, max, &self.used, &self.row).await?.into(),
        };
        Ok(Candidates::Hops(hops))
    }

    async fn next_candidate(&mut self, cx: &Cx) -> CypherResult<Option<Hop>> {
        let Some(frame) = self.frames.last_mut() else { return Ok(None) };
        match &mut frame.candidates {
            Candidates::Nodes(ids) => Ok(ids.pop_front().map(|node| Hop { rels: vec![], node })),
            Candidates::Hops(hops) => Ok(hops.pop_front()),
            Candidates::Scan { label, after, buffer, done } => {
                if buffer.is_empty() && !*done {
                    let page = cx.node_ids(label.as_deref(), *after, SCAN_PAGE).await?;
                    *done = page.len() < SCAN_PAGE;
                    *after = page.last().copied().or(*after);
                    buffer.extend(page);
                }
                Ok(buffer.pop_front().map(|node| Hop { rels: vec![], node }))
            }
        }
    }

    fn undo_top(&mut self) {
        if let Some(frame) = self.frames.last_mut() {
            for v in frame.bound.drain(..) {
                self.row.remove(&v);
            }
            self.used.truncate(frame.used_before);
            frame.node = None;
            frame.node_value = None;
            frame.rel_values.clear();
        }
    }

    /// Binds the candidate at the top frame; false when it does not satisfy the pattern.
    async fn bind(&mut self, cx: &Cx, hop: Hop) -> CypherResult<bool> {
        let Some(frame) = self.frames.last() else { return Ok(false) };
        let (part, level) = (frame.part, frame.level);
        let p = self.plan.parts[part].clone();
        let (node_spec, rel_spec): (&NodeSpec, Option<&RelSpec>) = if level == 0 {
            (&p.first, None)
        } else {
            let (r, n) = &p.hops[level - 1];
            (n, Some(r))
        };
        let mut bound = Vec::new();
        let mut rel_values = Vec::new();
        if let Some(rs) = rel_spec {
            let ok = self.bind_rels(cx, rs, &hop, &p, &mut bound, &mut rel_values).await?;
            if !ok {
                self.unbind(bound);
                return Ok(false);
            }
        }
        let need = node_spec.needs_record() || p.path_var.is_some();
        let node_value = match self.bind_node(cx, node_spec, hop.node, need, &mut bound).await? {
            Some(v) => v,
            None => {
                self.unbind(bound);
                return Ok(false);
            }
        };
        if let Some(frame) = self.frames.last_mut() {
            frame.bound = bound;
            frame.node = Some(hop.node);
            frame.node_value = node_value;
            frame.rel_values = rel_values;
        }
        Ok(true)
    }

    fn unbind(&mut self, bound: Vec<String>) {
        for v in bound {
            self.row.remove(&v);
        }
        if let Some(frame) = self.frames.last() {
            self.used.truncate(frame.used_before);
        }
    }

    async fn bind_rels(
        &mut self,
        cx: &Cx,
        rs: &RelSpec,
        hop: &Hop,
        p: &PartPlan,
        bound: &mut Vec<String>,
        values: &mut Vec<Value>,
    ) -> CypherResult<bool> {
        let need = rs.var.is_some() || rs.props.is_some() || rs.where_.is_some() || p.path_var.is_some();
        for (id, known) in &hop.rels {
            if self.used.contains(id) {
                return Ok(false);
            }
            self.used.push(*id);
            if need {
                let v = match known {
                    Some(v) => v.clone(),
                    None => match cx.relationship(*id).await? {
                        Some(r) => super::context::rel_value(r)?,
                        None => return Ok(false),
                    },
                };
                values.push(v);
            }
        }
        if rs.length.is_none() {
            if let Some(Value::Relationship(r)) = values.first() {
                if let Some(expected) = &rs.props {
                    if !props_match(cx, &r.properties, expected, &self.row).await? {
                        return Ok(false);
                    }
                }
            }
        }
        if let Some(var) = &rs.var {
            let value = if rs.length.is_some() {
                let mut list = values.clone();
                if p.reversed {
                    list.reverse();
                }
                Value::List(list)
            } else {
                values.first().cloned().unwrap_or(Value::Null)
            };
            match self.row.get(var) {
                Some(existing) => {
                    if equals(existing, &value) != Some(true) {
                        return Ok(false);
                    }
                }
                None => {
                    self.row.insert(var.clone(), value);
                    bound.push(var.clone());
                }
            }
        }
        if let Some(w) = &rs.where_ {
            if !holds(cx, w, &self.row).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn bind_node(
        &mut self,
        cx: &Cx,
        spec: &NodeSpec,
        id: NodeId,
        need: bool,
        bound: &mut Vec<String>,
    ) -> CypherResult<Option<Option<Value>>> {
        if cx.node_deleted(id) {
            return Ok(None);
        }
        if let Some(var) = &spec.var {
            if let Some(existing) = self.row.get(var) {
                if node_of(existing)? != Some(id) {
                    return Ok(None);
                }
            }
        }
        let value = if need {
            match cx.node(id).await? {
                Some(n) => Some(super::context::node_value(n)?),
                None => return Ok(None),
            }
        } else {
            None
        };
        if let Some(Value::Node(n)) = &value {
            if let Some(l) = &spec.labels {
                if !labels_match(&n.labels, l) {
                    return Ok(None);
                }
            }
            if let Some(expected) = &spec.props {
                if !props_match(cx, &n.properties, expected, &self.row).await? {
                    return Ok(None);
                }
            }
        }
        if let (Some(var), Some(v)) = (&spec.var, &value) {
            if !self.row.contains_key(var) {
                self.row.insert(var.clone(), v.clone());
                bound.push(var.clone());
            }
        }
        if let Some(w) = &spec.where_ {
            if !holds(cx, w, &self.row).await? {
                return Ok(None);
            }
        }
        Ok(Some(value))
    }

    async fn push_frame(&mut self, cx: &Cx, part: usize, level: usize) -> CypherResult<()> {
        let candidates = if level == 0 {
            self.start_candidates(cx, part).await?
        } else {
            let from = self.frames.last().and_then(|f| f.node).unwrap_or(0);
            self.hop_candidates(cx, part, level - 1, from).await?
        };
        self.frames.push(Frame {
            part,
            level,
            candidates,
            bound: Vec::new(),
            used_before: self.used.len(),
            node: None,
            node_value: None,
            rel_values: Vec::new(),
        });
        Ok(())
    }

    async fn complete_paths(&self, cx: &Cx) -> CypherResult<Vec<(String, Value)>> {
        let mut out = Vec::new();
        for (i, p) in self.plan.parts.iter().enumerate() {
            let Some(var) = &p.path_var else { continue };
            let mut nodes: Vec<NodeValue> = Vec::new();
            let mut rels: Vec<RelationshipValue> = Vec::new();
            for f in self.frames.iter().filter(|f| f.part == i) {
                let mut hop_rels: Vec<RelationshipValue> = f
                    .rel_values
                    .iter()
                    .filter_map(|v| match v {
                        Value::Relationship(r) => Some(r.clone()),
                        _ => None,
                    })
                    .collect();
                if f.level > 0 && hop_rels.len() > 1 {
                    let mut at = nodes.last().map(|n| n.id).unwrap_or(0);
                    for r in &hop_rels {
                        let next = if r.start == at { r.end } else { r.start };
                        at = next;
                        match cx.node(next).await? {
                            Some(n) => {
                                if let Value::Node(n) = super::context::node_value(n)? {
                                    nodes.push(n);
                                }
                            }
                            None => return Err(super::context::not_found_node(next)),
                        }
                    }
                    nodes.pop();
                }
                let same_node = f.level > 0 && hop_rels.is_empty();
                rels.append(&mut hop_rels);
                if let (false, Some(Value::Node(n))) = (same_node, &f.node_value) {
                    nodes.push(n.clone());
                }
            }
            if p.reversed {
                nodes.reverse();
                rels.reverse();
            }
            out.push((var.clone(), Value::Path(PathValue { nodes, relationships: rels })));
        }
        Ok(out)
    }

    /// The next match of the pattern, as the input row extended with its variables.
    pub async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        let total = self.plan.parts.len();
        if !self.started {
            self.started = true;
            if total == 0 {
                return Ok(Some(self.row.clone()));
            }
            self.push_frame(cx, 0, 0).await?;
        }
        loop {
            let Some(top) = self.frames.last() else { return Ok(None) };
            let (part, level) = (top.part, top.level);
            self.undo_top();
            let Some(hop) = self.next_candidate(cx).await? else {
                self.frames.pop();
                continue;
            };
            if !self.bind(cx, hop).await? {
                continue;
            }
            if level + 1 < self.levels_of(part) {
                self.push_frame(cx, part, level + 1).await?;
            } else if part + 1 < total {
                self.push_frame(cx, part + 1, 0).await?;
            } else {
                let mut row = self.row.clone();
                for (k, v) in self.complete_paths(cx).await? {
                    row.insert(k, v);
                }
                return Ok(Some(row));
            }
        }
    }
}
