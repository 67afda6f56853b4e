//! Path searches between two vertices: SHORTEST_PATH (breadth-first; Dijkstra with
//! `weightAttribute`/`defaultWeight`), K_SHORTEST_PATHS (Yen's algorithm over the same
//! weights, paths by increasing weight), K_PATHS (every vertex-unique path with a length
//! in min..max, shortest first) and ALL_SHORTEST_PATHS (every path of the least number
//! of edges). K_SHORTEST_PATHS and K_PATHS produce their paths as they are pulled.

use super::context::Ctx;
use super::eval::{eval, set};
use super::graph::{self, Edges, Step};
use super::plan::*;
use crate::ast::PathKind;
use crate::error::{num, AqlError, AqlResult};
use crate::value::{cast, Value};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};

/// A path as vertex ids and the steps between them.
#[derive(Debug, Clone)]
pub struct Path {
    pub ids: Vec<String>,
    pub steps: Vec<Step>,
    pub weight: f64,
}

struct Weights {
    attribute: Option<String>,
    default: f64,
}

impl Weights {
    fn of(&self, step: &Step) -> AqlResult<f64> {
        let w = match &self.attribute {
            Some(a) => step.edge.get(a).and_then(Value::as_f64).unwrap_or(self.default),
            None => 1.0,
        };
        if w < 0.0 {
            return Err(AqlError::new(num::BAD_PARAMETER, "negative weights are not allowed"));
        }
        Ok(w)
    }
}

#[derive(PartialEq)]
struct Entry(f64, u64, String);
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Entry) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Entry) -> Ordering {
        o.0.partial_cmp(&self.0).unwrap_or(Ordering::Equal).then_with(|| o.1.cmp(&self.1))
    }
}

/// The least-weight path from `from` to `to` avoiding `no_vertices` and `no_edges`.
/// Among equal ones, the first found taking each vertex's edges in storage order, or
/// the latest edge first with `latest_first` (which is how ArangoDB's K_SHORTEST_PATHS
/// breaks ties in the recorded examples; its SHORTEST_PATH takes storage order).
#[allow(clippy::too_many_arguments)]
async fn shortest(
    edges: &Edges,
    weights: &Weights,
    from: &str,
    to: &str,
    no_vertices: &HashSet<String>,
    no_edges: &HashSet<String>,
    latest_first: bool,
    ctx: &mut Ctx,
) -> AqlResult<Option<Path>> {
    let mut dist: HashMap<String, f64> = HashMap::from([(from.to_string(), 0.0)]);
    let mut prev: HashMap<String, (String, Step)> = HashMap::new();
    let mut done: HashSet<String> = HashSet::new();
    let mut heap = BinaryHeap::from([Entry(0.0, 0, from.to_string())]);
    let mut seq = 0u64;
    while let Some(Entry(d, _, v)) = heap.pop() {
        ctx.check_time()?;
        if !done.insert(v.clone()) {
            continue;
        }
        if v == to {
            let mut ids = vec![v.clone()];
            let mut steps = Vec::new();
            let mut cur = v;
            while let Some((p, step)) = prev.get(&cur) {
                steps.push(step.clone());
                ids.push(p.clone());
                cur = p.clone();
            }
            ids.reverse();
            steps.reverse();
            return Ok(Some(Path { ids, steps, weight: d }));
        }
        let mut steps = edges.at(&v, ctx).await?;
        if latest_first {
            steps.reverse();
        }
        for step in steps {
            if no_edges.contains(&step.edge_id) || no_vertices.contains(&step.other) || done.contains(&step.other) {
                continue;
            }
            let nd = d + weights.of(&step)?;
            if dist.get(&step.other).is_none_or(|old| nd < *old) {
                dist.insert(step.other.clone(), nd);
                seq += 1;
                heap.push(Entry(nd, seq, step.other.clone()));
                prev.insert(step.other.clone(), (v.clone(), step));
            }
        }
    }
    Ok(None)
}

/// One side of a two-sided search: each vertex reached with the vertex it was reached
/// from and the edge between them.
struct Side {
    reached: HashMap<String, (Option<String>, Option<Step>, usize)>,
    frontier: Vec<String>,
}

impl Side {
    fn new(start: &str) -> Side {
        Side { reached: HashMap::from([(start.to_string(), (None, None, 0))]), frontier: vec![start.to_string()] }
    }

    /// The chain of steps from this side's start to `v`, start first.
    fn chain(&self, v: &str) -> (Vec<String>, Vec<Step>) {
        let (mut ids, mut steps) = (vec![v.to_string()], Vec::new());
        let mut cur = v.to_string();
        while let Some((Some(prev), Some(step), _)) = self.reached.get(&cur) {
            steps.push(step.clone());
            ids.push(prev.clone());
            cur = prev.clone();
        }
        ids.reverse();
        steps.reverse();
        (ids, steps)
    }
}

/// The path of fewest edges from `from` to `to`, searched from both ends a level at a
/// time in turn (forward first), each vertex's edges in storage order; the search meets
/// when the frontier it comes to expand holds vertices the other side has reached (the
/// one of least total depth, the first of those). Among equally short
/// paths this is the one ArangoDB's search finds in the recorded examples.
#[allow(clippy::too_many_arguments)]
async fn two_sided(
    edges: &Edges,
    back: &Edges,
    from: &str,
    to: &str,
    no_vertices: &HashSet<String>,
    no_edges: &HashSet<String>,
    ctx: &mut Ctx,
) -> AqlResult<Option<Path>> {
    if from == to {
        return Ok(Some(Path { ids: vec![from.to_string()], steps: Vec::new(), weight: 0.0 }));
    }
    let (mut fwd, mut bwd) = (Side::new(from), Side::new(to));
    let mut forward = true;
    loop {
        ctx.check_time()?;
        if fwd.frontier.is_empty() && bwd.frontier.is_empty() {
            return Ok(None);
        }
        let (side, other, dir_edges) = if forward { (&mut fwd, &bwd, edges) } else { (&mut bwd, &fwd, back) };
        let mut next = Vec::new();
        let mut meet: Option<(usize, String)> = None;
        let frontier = std::mem::take(&mut side.frontier);
        for v in &frontier {
            if let (Some(a), Some(b)) = (side.reached.get(v), other.reached.get(v)) {
                if meet.as_ref().is_none_or(|(best, _)| a.2 + b.2 < *best) {
                    meet = Some((a.2 + b.2, v.clone()));
                }
            }
        }
        for v in frontier.into_iter().filter(|_| meet.is_none()) {
            let depth = side.reached.get(&v).map(|r| r.2).unwrap_or(0);
            for step in dir_edges.at(&v, ctx).await? {
                if no_edges.contains(&step.edge_id)
                    || no_vertices.contains(&step.other)
                    || side.reached.contains_key(&step.other)
                {
                    continue;
                }
                let other_id = step.other.clone();
                side.reached.insert(other_id.clone(), (Some(v.clone()), Some(step), depth + 1));
                next.push(other_id);
            }
        }
        side.frontier = next;
        if let Some((_, meet)) = meet {
            let (mut ids, mut steps) = fwd.chain(&meet);
            let (back_ids, back_steps) = bwd.chain(&meet);
            ids.extend(back_ids.into_iter().rev().skip(1));
            steps.extend(back_steps.into_iter().rev());
            let weight = steps.len() as f64;
            return Ok(Some(Path { ids, steps, weight }));
        }
        forward = !forward;
    }
}

/// The least-weight path: two-sided breadth-first without weights, Dijkstra with them.
#[allow(clippy::too_many_arguments)]
async fn least(
    edges: &Edges,
    back: &Edges,
    weights: &Weights,
    from: &str,
    to: &str,
    no_vertices: &HashSet<String>,
    no_edges: &HashSet<String>,
    latest_first: bool,
    ctx: &mut Ctx,
) -> AqlResult<Option<Path>> {
    if weights.attribute.is_none() {
        return two_sided(edges, back, from, to, no_vertices, no_edges, ctx).await;
    }
    shortest(edges, weights, from, to, no_vertices, no_edges, latest_first, ctx).await
}

/// Yen's k shortest paths, produced one at a time.
pub struct Yen {
    edges: Edges,
    back: Edges,
    weights: Weights,
    from: String,
    to: String,
    found: Vec<Path>,
    candidates: Vec<Path>,
    started: bool,
}

impl Yen {
    pub async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Path>> {
        if !self.started {
            self.started = true;
            let p = least(
                &self.edges,
                &self.back,
                &self.weights,
                &self.from,
                &self.to,
                &HashSet::new(),
                &HashSet::new(),
                true,
                ctx,
            )
            .await?;
            if let Some(p) = &p {
                self.found.push(p.clone());
            }
            return Ok(p);
        }
        let Some(last) = self.found.last().cloned() else { return Ok(None) };
        // Spur vertices from the end back: among candidates of equal weight the one
        // found first is taken, as ArangoDB orders them.
        for i in (0..last.steps.len()).rev() {
            let spur = match last.ids.get(i) {
                Some(s) => s.clone(),
                None => break,
            };
            let root_ids = &last.ids[..=i];
            let mut no_edges = HashSet::new();
            for p in &self.found {
                if p.ids.len() > i && p.ids[..=i] == *root_ids {
                    if let Some(s) = p.steps.get(i) {
                        no_edges.insert(s.edge_id.clone());
                    }
                }
            }
            let no_vertices: HashSet<String> = root_ids[..i].iter().cloned().collect();
            let Some(tail) =
                least(&self.edges, &self.back, &self.weights, &spur, &self.to, &no_vertices, &no_edges, true, ctx)
                    .await?
            else {
                continue;
            };
            let mut steps: Vec<Step> = last.steps[..i].to_vec();
            let mut weight = 0.0;
            for s in &steps {
                weight += self.weights.of(s)?;
            }
            steps.extend(tail.steps);
            let mut ids: Vec<String> = root_ids[..i].to_vec();
            ids.extend(tail.ids);
            let path = Path { ids, steps, weight: weight + tail.weight };
            let same = |p: &Path| {
                p.steps.len() == path.steps.len()
                    && p.steps.iter().zip(&path.steps).all(|(a, b)| a.edge_id == b.edge_id)
            };
            if !self.found.iter().any(same) && !self.candidates.iter().any(same) {
                self.candidates.push(path);
            }
        }
        let best = self
            .candidates
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.weight.partial_cmp(&b.1.weight).unwrap_or(Ordering::Equal).then(a.0.cmp(&b.0)))
            .map(|(i, _)| i);
        let Some(i) = best else { return Ok(None) };
        let p = self.candidates.remove(i);
        self.found.push(p.clone());
        Ok(Some(p))
    }
}

/// Every vertex-unique path from `from` to `to` with min..max edges, shortest first (as
/// ArangoDB returns them): a depth-first walk bounded to each length in turn, produced
/// one path at a time.
pub struct KPaths {
    edges: Edges,
    from: String,
    to: String,
    len: u64,
    max: u64,
    stack: Vec<Path>,
}

impl KPaths {
    fn new(edges: Edges, from: String, to: String, min: u64, max: u64) -> KPaths {
        let stack = if min <= max {
            vec![Path { ids: vec![from.clone()], steps: Vec::new(), weight: 0.0 }]
        } else {
            Vec::new()
        };
        KPaths { edges, from, to, len: min.min(max), max, stack }
    }

    pub async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Path>> {
        loop {
            let Some(p) = self.stack.pop() else {
                if self.len >= self.max {
                    return Ok(None);
                }
                self.len += 1;
                self.stack.push(Path { ids: vec![self.from.clone()], steps: Vec::new(), weight: 0.0 });
                continue;
            };
            ctx.check_time()?;
            let Some(last) = p.ids.last().cloned() else { continue };
            let len = p.steps.len() as u64;
            if len == self.len {
                if last == self.to {
                    return Ok(Some(p));
                }
                continue;
            }
            if last == self.to {
                continue;
            }
            let mut next = Vec::new();
            for step in self.edges.at(&last, ctx).await? {
                if p.ids.contains(&step.other) {
                    continue;
                }
                let mut q = p.clone();
                q.ids.push(step.other.clone());
                q.steps.push(step);
                q.weight = q.steps.len() as f64;
                next.push(q);
            }
            self.stack.extend(next.into_iter().rev());
        }
    }
}

/// Every path of the least number of edges from `from` to `to`.
async fn all_shortest(edges: &Edges, from: &str, to: &str, ctx: &mut Ctx) -> AqlResult<Vec<Path>> {
    let mut level: HashMap<String, usize> = HashMap::from([(from.to_string(), 0)]);
    let mut preds: HashMap<String, Vec<(String, Step)>> = HashMap::new();
    let mut queue = VecDeque::from([from.to_string()]);
    let mut target_level = None;
    while let Some(v) = queue.pop_front() {
        ctx.check_time()?;
        let d = level.get(&v).copied().unwrap_or(0);
        if target_level.is_some_and(|t| d >= t) {
            break;
        }
        for step in edges.at(&v, ctx).await? {
            match level.get(&step.other).copied() {
                None => {
                    level.insert(step.other.clone(), d + 1);
                    if step.other == to {
                        target_level = Some(d + 1);
                    }
                    queue.push_back(step.other.clone());
                    preds.entry(step.other.clone()).or_default().push((v.clone(), step));
                }
                Some(l) if l == d + 1 => preds.entry(step.other.clone()).or_default().push((v.clone(), step)),
                Some(_) => {}
            }
        }
    }
    if from == to {
        return Ok(vec![Path { ids: vec![from.to_string()], steps: Vec::new(), weight: 0.0 }]);
    }
    if target_level.is_none() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut stack = vec![(to.to_string(), Vec::<String>::new(), Vec::<Step>::new())];
    while let Some((v, mut ids, steps)) = stack.pop() {
        ids.push(v.clone());
        if v == from {
            let mut ids = ids;
            ids.reverse();
            let mut steps = steps;
            steps.reverse();
            let weight = steps.len() as f64;
            out.push(Path { ids, steps, weight });
            continue;
        }
        for (p, step) in preds.get(&v).cloned().unwrap_or_default().into_iter().rev() {
            let mut s = steps.clone();
            s.push(step);
            stack.push((p, ids.clone(), s));
        }
    }
    Ok(out)
}

async fn path_value(p: &Path, with_weight: bool, weighted: bool, ctx: &mut Ctx) -> AqlResult<Value> {
    let mut vertices = Vec::with_capacity(p.ids.len());
    for id in &p.ids {
        vertices.push(ctx.txn().await.document(id).await?.unwrap_or(Value::Null));
    }
    let edges = Value::Array(p.steps.iter().map(|s| s.edge.clone()).collect());
    let mut items = vec![("edges", edges), ("vertices", Value::Array(vertices))];
    if with_weight {
        let w = if weighted { Value::double(p.weight) } else { Value::Int(p.steps.len() as i64) };
        items.push(("weight", w));
    }
    Ok(Value::object(items))
}

/// The state of a path search for one input row.
pub enum Search {
    Done,
    Ready(VecDeque<Row>),
    Yen { row: Row, slot: Slot, yen: Box<Yen>, weighted: bool },
    KPaths { row: Row, slot: Slot, paths: Box<KPaths> },
}

impl Search {
    pub async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        match self {
            Search::Done => Ok(None),
            Search::Ready(rows) => Ok(rows.pop_front()),
            Search::Yen { row, slot, yen, weighted } => match yen.next(ctx).await? {
                Some(p) => {
                    let mut r = row.clone();
                    let v = path_value(&p, true, *weighted, ctx).await?;
                    set(&mut r, *slot, v);
                    Ok(Some(r))
                }
                None => Ok(None),
            },
            Search::KPaths { row, slot, paths } => match paths.next(ctx).await? {
                Some(p) => {
                    let mut r = row.clone();
                    let v = path_value(&p, false, false, ctx).await?;
                    set(&mut r, *slot, v);
                    Ok(Some(r))
                }
                None => Ok(None),
            },
        }
    }
}

pub async fn start(p: &PathPlan, mut row: Row, ctx: &mut Ctx) -> AqlResult<Search> {
    let options = graph::options(&p.options, &mut row, ctx).await?;
    let edges = graph::edges(&p.graph, p.direction, &options, &mut row, ctx).await?;
    let attribute = options.get("weightAttribute").and_then(Value::as_str).filter(|s| !s.is_empty());
    let weights = Weights {
        attribute: attribute.map(str::to_string),
        default: options.get("defaultWeight").map(cast::to_f64).unwrap_or(1.0),
    };
    let weighted = weights.attribute.is_some();
    let from = eval(&p.start, &mut row, ctx).await?;
    let to = eval(&p.target, &mut row, ctx).await?;
    let (Some(from), Some(to)) = (graph::vertex_id(&from, ctx)?, graph::vertex_id(&to, ctx)?) else {
        return Ok(Search::Done);
    };
    if ctx.txn().await.document(&from).await?.is_none() || ctx.txn().await.document(&to).await?.is_none() {
        return Ok(Search::Done);
    }
    let slot = p.vars.first().copied().unwrap_or(0);
    match p.kind {
        PathKind::ShortestPath => {
            let none = HashSet::new();
            let back = edges.reversed();
            let Some(path) = least(&edges, &back, &weights, &from, &to, &none, &none, false, ctx).await? else {
                return Ok(Search::Done);
            };
            let mut rows = VecDeque::new();
            for (i, id) in path.ids.iter().enumerate() {
                let mut r = row.clone();
                set(&mut r, slot, ctx.txn().await.document(id).await?.unwrap_or(Value::Null));
                if let Some(e) = p.vars.get(1) {
                    let edge = i.checked_sub(1).and_then(|j| path.steps.get(j)).map(|s| s.edge.clone());
                    set(&mut r, *e, edge.unwrap_or(Value::Null));
                }
                rows.push_back(r);
            }
            Ok(Search::Ready(rows))
        }
        PathKind::KShortestPaths => Ok(Search::Yen {
            row,
            slot,
            yen: Box::new(Yen {
                back: edges.reversed(),
                edges,
                weights,
                from,
                to,
                found: Vec::new(),
                candidates: Vec::new(),
                started: false,
            }),
            weighted,
        }),
        PathKind::KPaths => {
            let min = graph::depth(&p.min, 1, &mut row, ctx).await?;
            let max = match &p.max {
                Some(_) => graph::depth(&p.max, 1, &mut row, ctx).await?,
                None if p.min.is_some() => min,
                None => 1,
            };
            Ok(Search::KPaths { row, slot, paths: Box::new(KPaths::new(edges, from, to, min, max)) })
        }
        PathKind::AllShortestPaths => {
            if weighted {
                return Err(AqlError::not_supported("ALL_SHORTEST_PATHS with weightAttribute"));
            }
            let paths = all_shortest(&edges, &from, &to, ctx).await?;
            let mut rows = VecDeque::new();
            for path in paths {
                let mut r = row.clone();
                let v = path_value(&path, false, false, ctx).await?;
                set(&mut r, slot, v);
                rows.push_back(r);
            }
            Ok(Search::Ready(rows))
        }
    }
}
