//! `FOR v, e, p IN min..max OUTBOUND|INBOUND|ANY start GRAPH g | edge collections`:
//! depth-first by default, each vertex before its descendants, a vertex's edges followed
//! in reverse storage order (as ArangoDB's stack does); breadth-first with `order: "bfs"`
//! or `bfs: true`; by least path weight with `order: "weighted"` (`weightAttribute`,
//! `defaultWeight`; the path then carries its cumulative `weights`). uniqueVertices none/path/global, uniqueEdges path/none; PRUNE is
//! evaluated at every vertex reached (with v, e, p set) and stops the walk below it.
//! The walk is lazy: each pull visits vertices until one is deep enough to emit.

use super::context::Ctx;
use super::eval::{eval, set};
use super::graph::{self, Edges};
use super::plan::*;
use crate::error::{num, AqlError, AqlResult};
use crate::value::{cast, Value};
use std::collections::{BinaryHeap, HashSet, VecDeque};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unique {
    None,
    Path,
    Global,
}

struct Walk {
    vertices: Vec<Value>,
    ids: Vec<String>,
    edges: Vec<Value>,
    edge_ids: Vec<String>,
    /// Cumulative weights per vertex (weighted order only).
    weights: Vec<f64>,
}

impl Walk {
    fn path(&self, weighted: bool) -> Value {
        let mut items =
            vec![("edges", Value::Array(self.edges.clone())), ("vertices", Value::Array(self.vertices.clone()))];
        if weighted {
            items.push(("weights", Value::Array(self.weights.iter().map(|w| Value::double(*w)).collect())));
        }
        Value::object(items)
    }

    fn weight(&self) -> f64 {
        self.weights.last().copied().unwrap_or(0.0)
    }
}

/// A walk in the weighted order's queue: least weight first, then first queued.
struct Queued(f64, u64, Walk);

impl PartialEq for Queued {
    fn eq(&self, o: &Queued) -> bool {
        self.cmp(o) == std::cmp::Ordering::Equal
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, o: &Queued) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Queued {
    fn cmp(&self, o: &Queued) -> std::cmp::Ordering {
        o.0.partial_cmp(&self.0).unwrap_or(std::cmp::Ordering::Equal).then_with(|| o.1.cmp(&self.1))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    Depth,
    Breadth,
    Weighted,
}

fn unique(options: &Value, name: &str, default: Unique) -> AqlResult<Unique> {
    match options.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) => match s.as_str() {
            "none" => Ok(Unique::None),
            "path" => Ok(Unique::Path),
            "global" => Ok(Unique::Global),
            _ => Err(AqlError::new(num::BAD_PARAMETER, format!("invalid value for {name}: {s}"))),
        },
        Some(_) => Err(AqlError::new(num::BAD_PARAMETER, format!("invalid value for {name}"))),
    }
}

/// Settings of one traversal.
struct Settings {
    min: u64,
    max: u64,
    order: Order,
    vertices: Unique,
    edges: Unique,
    weight_attribute: Option<String>,
    default_weight: f64,
}

impl Settings {
    fn weight(&self, edge: &Value) -> AqlResult<f64> {
        let w = match &self.weight_attribute {
            Some(a) => edge.get(a).and_then(Value::as_f64).unwrap_or(self.default_weight),
            None => self.default_weight,
        };
        if w < 0.0 {
            return Err(AqlError::new(num::BAD_PARAMETER, "negative weights are not allowed"));
        }
        Ok(w)
    }
}

/// A traversal from one start vertex, walked as its rows are pulled.
pub struct Walker {
    settings: Settings,
    edges: Edges,
    /// The input row, also where v, e and p are set for PRUNE.
    row: Row,
    /// Depth-first: the walks still to visit, the next on top.
    stack: Vec<Walk>,
    /// Breadth-first: the walks still to visit, in order.
    queue: VecDeque<Walk>,
    /// Weighted: the walks still to visit, least weight first.
    heap: BinaryHeap<Queued>,
    queued: u64,
    seen: HashSet<String>,
}

/// Sets up the traversal of `t` for one input row; None when the start vertex is not
/// a vertex (a warning) or does not exist.
pub async fn start(t: &TraversalPlan, mut row: Row, ctx: &mut Ctx) -> AqlResult<Option<Walker>> {
    let options = graph::options(&t.options, &mut row, ctx).await?;
    let min = graph::depth(&t.min, 1, &mut row, ctx).await?;
    let max = match (&t.min, &t.max) {
        (_, Some(_)) => graph::depth(&t.max, 1, &mut row, ctx).await?,
        (Some(_), None) => min,
        (None, None) => 1,
    };
    let order = match options.get("order").and_then(Value::as_str) {
        Some("bfs") => Order::Breadth,
        Some("weighted") => Order::Weighted,
        Some("dfs") | None if !cast::to_bool(options.get("bfs").unwrap_or(&Value::Null)) => Order::Depth,
        Some("dfs") | None => Order::Breadth,
        Some(other) => return Err(AqlError::new(num::BAD_PARAMETER, format!("invalid traversal order '{other}'"))),
    };
    let settings = Settings {
        min,
        max,
        order,
        vertices: unique(&options, "uniqueVertices", Unique::None)?,
        edges: unique(&options, "uniqueEdges", Unique::Path)?,
        weight_attribute: options.get("weightAttribute").and_then(Value::as_str).map(str::to_string),
        default_weight: options.get("defaultWeight").and_then(Value::as_f64).unwrap_or(1.0),
    };
    if settings.vertices == Unique::Global && settings.order == Order::Depth {
        return Err(AqlError::new(
            num::BAD_PARAMETER,
            "uniqueVertices: 'global' is only supported with bfs: true due to otherwise unpredictable results.",
        ));
    }
    if settings.edges == Unique::Global {
        return Err(AqlError::new(num::BAD_PARAMETER, "uniqueEdges: 'global' is not supported"));
    }
    let edges = graph::edges(&t.graph, t.direction, &options, &mut row, ctx).await?;
    let start = eval(&t.start, &mut row, ctx).await?;
    let Some(start_id) = graph::vertex_id(&start, ctx)? else { return Ok(None) };
    let Some(start_doc) = ctx.txn().await.document(&start_id).await? else { return Ok(None) };
    let mut seen = HashSet::new();
    if settings.order == Order::Breadth {
        seen.insert(start_id.clone());
    }
    let walk = Walk {
        vertices: vec![start_doc],
        ids: vec![start_id],
        edges: Vec::new(),
        edge_ids: Vec::new(),
        weights: vec![0.0],
    };
    let mut walker = Walker {
        settings,
        edges,
        row,
        stack: Vec::new(),
        queue: VecDeque::new(),
        heap: BinaryHeap::new(),
        queued: 0,
        seen,
    };
    walker.push(walk);
    Ok(Some(walker))
}

impl Walker {
    fn push(&mut self, walk: Walk) {
        match self.settings.order {
            Order::Depth => self.stack.push(walk),
            Order::Breadth => self.queue.push_back(walk),
            Order::Weighted => {
                self.queued += 1;
                self.heap.push(Queued(walk.weight(), self.queued, walk));
            }
        }
    }

    fn pop(&mut self) -> Option<Walk> {
        match self.settings.order {
            Order::Depth => self.stack.pop(),
            Order::Breadth => self.queue.pop_front(),
            Order::Weighted => self.heap.pop().map(|q| q.2),
        }
    }

    /// The next row of the traversal, None when it is done.
    pub async fn next(&mut self, t: &TraversalPlan, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        loop {
            let Some(walk) = self.pop() else { return Ok(None) };
            ctx.check_time()?;
            let Some(id) = walk.ids.last().cloned() else { continue };
            // Weighted: a vertex is settled when it leaves the queue the first time.
            if self.settings.order == Order::Weighted
                && self.settings.vertices == Unique::Global
                && !self.seen.insert(id.clone())
            {
                continue;
            }
            let (emit, go_on) = visit(t, &self.settings, &walk, &mut self.row, ctx).await?;
            if go_on {
                for step in self.edges.at(&id, ctx).await? {
                    if !allowed(&self.settings, &walk, &step) {
                        continue;
                    }
                    if self.settings.order == Order::Breadth
                        && self.settings.vertices == Unique::Global
                        && !self.seen.insert(step.other.clone())
                    {
                        continue;
                    }
                    let w =
                        if self.settings.order == Order::Weighted { self.settings.weight(&step.edge)? } else { 0.0 };
                    let next = extend(&walk, step, w, ctx).await?;
                    self.push(next);
                }
            }
            if emit.is_some() {
                return Ok(emit);
            }
        }
    }
}

/// Visits the walk's last vertex: the row to emit when it is deep enough, and whether
/// to go on below it (PRUNE and the depth limit).
async fn visit(
    t: &TraversalPlan,
    s: &Settings,
    walk: &Walk,
    row: &mut Row,
    ctx: &mut Ctx,
) -> AqlResult<(Option<Row>, bool)> {
    let depth = walk.edges.len() as u64;
    set(row, t.vertex, walk.vertices.last().cloned().unwrap_or(Value::Null));
    set(row, t.edge, walk.edges.last().cloned().unwrap_or(Value::Null));
    if t.wants_path {
        set(row, t.path, walk.path(s.order == Order::Weighted));
    }
    let mut pruned = false;
    if let Some(p) = &t.prune {
        let v = eval(p, row, ctx).await?;
        pruned = cast::to_bool(&v);
        if let Some(slot) = t.prune_var {
            set(row, slot, v);
        }
    }
    let emit = if depth >= s.min { Some(row.clone()) } else { None };
    Ok((emit, !pruned && depth < s.max))
}

fn allowed(s: &Settings, walk: &Walk, step: &graph::Step) -> bool {
    if s.edges == Unique::Path && walk.edge_ids.contains(&step.edge_id) {
        return false;
    }
    if s.vertices == Unique::Path && walk.ids.contains(&step.other) {
        return false;
    }
    true
}

async fn extend(walk: &Walk, step: graph::Step, weight: f64, ctx: &mut Ctx) -> AqlResult<Walk> {
    let doc = ctx.txn().await.document(&step.other).await?.unwrap_or(Value::Null);
    let mut vertices = walk.vertices.clone();
    vertices.push(doc);
    let mut ids = walk.ids.clone();
    ids.push(step.other);
    let mut edges = walk.edges.clone();
    edges.push(step.edge);
    let mut edge_ids = walk.edge_ids.clone();
    edge_ids.push(step.edge_id);
    let mut weights = walk.weights.clone();
    weights.push(walk.weight() + weight);
    Ok(Walk { vertices, ids, edges, edge_ids, weights })
}
