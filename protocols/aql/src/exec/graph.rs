//! What graph walks share: the pipeline node (per input row, the walk's rows are
//! computed and handed out), named graphs resolved from the `_graphs` system collection,
//! start/target vertices (an `_id` string or a document with `_id`), and a vertex's
//! edges through [`crate::store::DocTxn::edges`] (the graph model's adjacency), in
//! insertion order per collection, outbound before inbound for ANY.

use super::context::{Ctx, GraphDef};
use super::eval::{eval, non_negative};
use super::pipeline::{op, BoxNode, Node};
use super::plan::*;
use super::{paths, traverse};
use crate::ast::EdgeDirection;
use crate::error::{num, AqlError, AqlResult};
use crate::value::Value;
use std::sync::Arc;

/// One edge seen from a vertex.
#[derive(Debug, Clone)]
pub struct Step {
    pub edge: Value,
    pub edge_id: String,
    pub other: String,
}

/// Where a walk finds its edges, resolved.
pub struct Edges {
    pub collections: Vec<(EdgeDirection, String)>,
    /// `vertexCollections`: only vertices of these (empty: all).
    pub vertex_collections: Vec<String>,
}

impl Edges {
    /// The same edges walked the other way (for a search from the target back).
    pub fn reversed(&self) -> Edges {
        let flip = |d: &EdgeDirection| match d {
            EdgeDirection::Outbound => EdgeDirection::Inbound,
            EdgeDirection::Inbound => EdgeDirection::Outbound,
            EdgeDirection::Any => EdgeDirection::Any,
        };
        Edges {
            collections: self.collections.iter().map(|(d, c)| (flip(d), c.clone())).collect(),
            vertex_collections: self.vertex_collections.clone(),
        }
    }

    /// The edges at `vertex`, in storage order (collections in order; OUTBOUND then
    /// INBOUND for ANY).
    pub async fn at(&self, vertex: &str, ctx: &mut Ctx) -> AqlResult<Vec<Step>> {
        let mut out = Vec::new();
        for (dir, coll) in &self.collections {
            let dirs: &[EdgeDirection] = match dir {
                EdgeDirection::Any => &[EdgeDirection::Outbound, EdgeDirection::Inbound],
                EdgeDirection::Outbound => &[EdgeDirection::Outbound],
                EdgeDirection::Inbound => &[EdgeDirection::Inbound],
            };
            for d in dirs {
                let steps = ctx.txn().await.edges(coll, vertex, *d).await?;
                ctx.stats.scanned_index += steps.len() as u64;
                for s in steps {
                    let edge_id = s.edge.get("_id").and_then(Value::as_str).unwrap_or_default().to_string();
                    if !self.vertex_allowed(&s.other) {
                        continue;
                    }
                    out.push(Step { edge: s.edge, edge_id, other: s.other });
                }
            }
        }
        Ok(out)
    }

    pub fn vertex_allowed(&self, id: &str) -> bool {
        self.vertex_collections.is_empty()
            || id.split_once('/').is_some_and(|(c, _)| self.vertex_collections.iter().any(|v| v == c))
    }
}

/// The edge collections of the named graph `name`.
pub async fn named_graph(name: &str, ctx: &mut Ctx) -> AqlResult<Arc<GraphDef>> {
    if let Some(g) = ctx.graphs.get(name) {
        return Ok(g.clone());
    }
    let doc = ctx.txn().await.get("_graphs", name).await?;
    let Some(doc) = doc else {
        return Err(AqlError::new(num::GRAPH_NOT_FOUND, format!("graph '{name}' not found")));
    };
    let mut edge_collections = Vec::new();
    for def in doc.get("edgeDefinitions").and_then(Value::as_array).unwrap_or(&[]) {
        if let Some(c) = def.get("collection").and_then(Value::as_str) {
            if !edge_collections.iter().any(|e: &String| e == c) {
                edge_collections.push(c.to_string());
            }
        }
    }
    let g = Arc::new(GraphDef { edge_collections });
    ctx.graphs.insert(name.to_string(), g.clone());
    Ok(g)
}

fn names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// Resolves a walk's graph with its default direction and OPTIONS.
pub async fn edges(
    graph: &GraphSource,
    direction: EdgeDirection,
    options: &Value,
    row: &mut Row,
    ctx: &mut Ctx,
) -> AqlResult<Edges> {
    let mut collections: Vec<(EdgeDirection, String)> = match graph {
        GraphSource::Named(e) => {
            let name = match eval(e, row, ctx).await? {
                Value::String(s) => s,
                _ => return Err(AqlError::new(num::GRAPH_NOT_FOUND, "graph name must be a string")),
            };
            named_graph(&name, ctx).await?.edge_collections.iter().map(|c| (direction, c.clone())).collect()
        }
        GraphSource::Collections(list) => list.iter().map(|(d, c)| (d.unwrap_or(direction), c.clone())).collect(),
    };
    let only = names(options.get("edgeCollections"));
    if !only.is_empty() {
        collections.retain(|(_, c)| only.contains(c));
    }
    Ok(Edges { collections, vertex_collections: names(options.get("vertexCollections")) })
}

/// A vertex given as an `_id` string or a document with `_id`; None (with a warning)
/// otherwise.
pub fn vertex_id(v: &Value, ctx: &mut Ctx) -> AqlResult<Option<String>> {
    let id = match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("_id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    };
    match id {
        Some(id) if id.contains('/') => Ok(Some(id)),
        _ => {
            ctx.warn(num::QUERY_PARSE, "Invalid input for traversal: Only id strings or objects with _id are allowed")?;
            Ok(None)
        }
    }
}

/// A depth bound: a non-negative integer.
pub async fn depth(e: &Option<CExpr>, default: u64, row: &mut Row, ctx: &mut Ctx) -> AqlResult<u64> {
    match e {
        Some(e) => non_negative(&eval(e, row, ctx).await?, "traversal depth"),
        None => Ok(default),
    }
}

pub async fn options(e: &Option<CExpr>, row: &mut Row, ctx: &mut Ctx) -> AqlResult<Value> {
    match e {
        Some(e) => eval(e, row, ctx).await,
        None => Ok(Value::Null),
    }
}

struct GraphNode {
    input: BoxNode,
    plan: Arc<Plan>,
    idx: usize,
    walker: Option<traverse::Walker>,
    search: Option<paths::Search>,
}

pub fn node(input: BoxNode, plan: Arc<Plan>, idx: usize) -> BoxNode {
    Box::new(GraphNode { input, plan, idx, walker: None, search: None })
}

#[async_trait::async_trait]
impl Node for GraphNode {
    async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        let plan = self.plan.clone();
        loop {
            if let (Some(walker), PlanOp::Traversal(t)) = (&mut self.walker, op(&plan, self.idx)?) {
                match walker.next(t, ctx).await? {
                    Some(r) => return Ok(Some(r)),
                    None => self.walker = None,
                }
            }
            if let Some(search) = &mut self.search {
                match search.next(ctx).await? {
                    Some(r) => return Ok(Some(r)),
                    None => self.search = None,
                }
            }
            let Some(row) = self.input.next(ctx).await? else { return Ok(None) };
            match op(&plan, self.idx)? {
                PlanOp::Traversal(t) => self.walker = traverse::start(t, row, ctx).await?,
                PlanOp::Path(p) => self.search = Some(paths::start(p, row, ctx).await?),
                _ => return Err(AqlError::internal("plan")),
            }
        }
    }
}
