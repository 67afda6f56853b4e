//! The pull-based pipeline: each operation of a plan is a [`Node`] pulling rows from the
//! one before it, starting from a single row (empty at the top, the outer row for a
//! subquery). FOR over arrays and ranges, FILTER, LET and LIMIT live here; collection
//! loops, SORT/COLLECT/WINDOW, modifications and graph walks have their own modules.

use super::context::Ctx;
use super::eval::{eval, non_negative, range_bound, set};
use super::plan::*;
use super::{collection, graph, grouping, modify};
use crate::error::{num, AqlError, AqlResult};
use crate::value::{binary, cast, Value};
use std::collections::HashSet;
use std::sync::Arc;

#[async_trait::async_trait]
pub trait Node: Send {
    async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>>;
}

pub type BoxNode = Box<dyn Node>;

/// The operation `idx` of `plan` (the pipeline only builds nodes for ops that exist).
pub fn op(plan: &Plan, idx: usize) -> AqlResult<&PlanOp> {
    plan.ops.get(idx).ok_or_else(|| AqlError::internal("plan operation missing"))
}

struct Singleton(Option<Row>);

#[async_trait::async_trait]
impl Node for Singleton {
    async fn next(&mut self, _ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        Ok(self.0.take())
    }
}

/// The nodes of `plan` over a single `initial` row.
pub fn build(plan: &Arc<Plan>, initial: Row) -> BoxNode {
    let mut node: BoxNode = Box::new(Singleton(Some(initial.clone())));
    for (idx, op) in plan.ops.iter().enumerate() {
        let p = plan.clone();
        node = match op {
            PlanOp::ForExpr { .. } => Box::new(ForExpr { input: node, plan: p, idx, cur: None }),
            PlanOp::ForRange { .. } => Box::new(ForRange { input: node, plan: p, idx, cur: None }),
            PlanOp::ForCollection { .. } => collection::node(node, p, idx),
            PlanOp::Filter(_) => Box::new(Filter { input: node, plan: p, idx }),
            PlanOp::Let { .. } => Box::new(Let { input: node, plan: p, idx }),
            PlanOp::Limit { .. } => Box::new(Limit { input: node, plan: p, idx, state: None }),
            PlanOp::Sort(_) => grouping::sort_node(node, p, idx),
            PlanOp::Collect(_) => grouping::collect_node(node, p, idx, initial.clone()),
            PlanOp::Window(_) => grouping::window_node(node, p, idx),
            PlanOp::Modify(_) | PlanOp::Upsert(_) => modify::node(node, p, idx),
            PlanOp::Traversal(_) | PlanOp::Path(_) => graph::node(node, p, idx),
        };
    }
    node
}

/// The rows a plan returns: its RETURN evaluated per row (DISTINCT removing repeats).
pub struct Returning {
    pub node: BoxNode,
    pub plan: Arc<Plan>,
    seen: Option<HashSet<Vec<u8>>>,
}

impl Returning {
    pub fn new(plan: Arc<Plan>, initial: Row) -> Returning {
        let node = build(&plan, initial);
        let seen = match plan.ret {
            Some((true, _)) => Some(HashSet::new()),
            _ => None,
        };
        Returning { node, plan, seen }
    }

    /// The next returned value; a plan without RETURN runs its rows and returns none.
    pub async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Value>> {
        let plan = self.plan.clone();
        loop {
            ctx.check_time()?;
            let Some(mut row) = self.node.next(ctx).await? else { return Ok(None) };
            let Some((_, expr)) = &plan.ret else { continue };
            let v = match take_path(expr, &mut row) {
                Some(v) => v,
                None => eval(expr, &mut row, ctx).await?,
            };
            if let Some(seen) = &mut self.seen {
                if !seen.insert(canonical(&v)) {
                    continue;
                }
            }
            return Ok(Some(v));
        }
    }
}

/// What `RETURN var` or `RETURN var.a.b` answers, moved out of a row that is dropped
/// next (so a returned document is not copied); None for other expressions.
fn take_path(e: &CExpr, row: &mut Row) -> Option<Value> {
    match e {
        CExpr::Var(s) => Some(row.get_mut(*s).map(std::mem::take).unwrap_or(Value::Null)),
        CExpr::Attr(base, name) => match take_path(base, row)? {
            Value::Object(mut o) => Some(o.swap_remove(name).unwrap_or(Value::Null)),
            _ => Some(Value::Null),
        },
        _ => None,
    }
}

/// A byte form equal for values AQL's `==` calls equal (objects sorted by name, numbers
/// as doubles), for DISTINCT.
pub fn canonical(v: &Value) -> Vec<u8> {
    fn norm(v: &Value) -> Value {
        match v {
            Value::Int(i) if (*i as f64) as i64 == *i => Value::Double(*i as f64),
            Value::Double(d) => Value::Double(d + 0.0),
            Value::Array(a) => Value::Array(a.iter().map(norm).collect()),
            Value::Object(o) => {
                let mut items: Vec<(&String, &Value)> = o.iter().collect();
                items.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(items.into_iter().map(|(k, v)| (k.clone(), norm(v))).collect())
            }
            other => other.clone(),
        }
    }
    binary::encode(&norm(v))
}

/// Runs a subquery to the end from a copy of its outer row.
pub async fn run_subquery(plan: &Arc<Plan>, row: &Row, ctx: &mut Ctx) -> AqlResult<Vec<Value>> {
    let mut r = Returning::new(plan.clone(), row.clone());
    let mut out = Vec::new();
    while let Some(v) = r.next(ctx).await? {
        out.push(v);
    }
    Ok(out)
}

struct ForExpr {
    input: BoxNode,
    plan: Arc<Plan>,
    idx: usize,
    cur: Option<(Row, std::vec::IntoIter<Value>)>,
}

#[async_trait::async_trait]
impl Node for ForExpr {
    async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        let plan = self.plan.clone();
        let PlanOp::ForExpr { slot, expr } = op(&plan, self.idx)? else { return Err(AqlError::internal("plan")) };
        loop {
            if let Some((row, items)) = &mut self.cur {
                if let Some(v) = items.next() {
                    let mut r = row.clone();
                    set(&mut r, *slot, v);
                    return Ok(Some(r));
                }
                self.cur = None;
            }
            let Some(mut row) = self.input.next(ctx).await? else { return Ok(None) };
            match eval(expr, &mut row, ctx).await? {
                Value::Array(items) => self.cur = Some((row, items.into_iter())),
                other => {
                    return Err(AqlError::new(
                        num::QUERY_ARRAY_EXPECTED,
                        format!(
                            "collection or array expected as operand to FOR loop; you provided a value of type '{}'",
                            other.type_name()
                        ),
                    ))
                }
            }
        }
    }
}

struct ForRange {
    input: BoxNode,
    plan: Arc<Plan>,
    idx: usize,
    /// The row, the next value, the last value and the step.
    cur: Option<(Row, i64, i64, i64)>,
}

#[async_trait::async_trait]
impl Node for ForRange {
    async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        let plan = self.plan.clone();
        let PlanOp::ForRange { slot, from, to } = op(&plan, self.idx)? else { return Err(AqlError::internal("plan")) };
        loop {
            if let Some((row, next, last, step)) = &mut self.cur {
                let done = if *step > 0 { *next > *last } else { *next < *last };
                if !done {
                    let mut r = row.clone();
                    set(&mut r, *slot, Value::Int(*next));
                    match next.checked_add(*step) {
                        Some(n) => *next = n,
                        None => self.cur = None,
                    }
                    return Ok(Some(r));
                }
                self.cur = None;
            }
            let Some(mut row) = self.input.next(ctx).await? else { return Ok(None) };
            let a = range_bound(&eval(from, &mut row, ctx).await?);
            let b = range_bound(&eval(to, &mut row, ctx).await?);
            self.cur = Some((row, a, b, if a <= b { 1 } else { -1 }));
        }
    }
}

struct Filter {
    input: BoxNode,
    plan: Arc<Plan>,
    idx: usize,
}

#[async_trait::async_trait]
impl Node for Filter {
    async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        let plan = self.plan.clone();
        let PlanOp::Filter(cond) = op(&plan, self.idx)? else { return Err(AqlError::internal("plan")) };
        loop {
            let Some(mut row) = self.input.next(ctx).await? else { return Ok(None) };
            if cast::to_bool(&eval(cond, &mut row, ctx).await?) {
                return Ok(Some(row));
            }
            ctx.stats.filtered += 1;
            ctx.check_time()?;
        }
    }
}

struct Let {
    input: BoxNode,
    plan: Arc<Plan>,
    idx: usize,
}

#[async_trait::async_trait]
impl Node for Let {
    async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        let plan = self.plan.clone();
        let PlanOp::Let { slot, expr } = op(&plan, self.idx)? else { return Err(AqlError::internal("plan")) };
        let Some(mut row) = self.input.next(ctx).await? else { return Ok(None) };
        let v = eval(expr, &mut row, ctx).await?;
        set(&mut row, *slot, v);
        Ok(Some(row))
    }
}

struct LimitState {
    skip: u64,
    left: Option<u64>,
    seen: u64,
    done: bool,
}

struct Limit {
    input: BoxNode,
    plan: Arc<Plan>,
    idx: usize,
    state: Option<LimitState>,
}

#[async_trait::async_trait]
impl Node for Limit {
    async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        let plan = self.plan.clone();
        let PlanOp::Limit { offset, count, full_count } = op(&plan, self.idx)? else {
            return Err(AqlError::internal("plan"));
        };
        let mut pending = None;
        if self.state.is_none() {
            // Constant values (the usual case) need no row; others are read in the first.
            let mut first = Vec::new();
            if offset.uses_any(&|_| true) || count.uses_any(&|_| true) {
                match self.input.next(ctx).await? {
                    Some(r) => first = r,
                    None => {
                        if *full_count {
                            ctx.stats.full_count = Some(0);
                        }
                        return Ok(None);
                    }
                }
                pending = Some(first.clone());
            }
            let skip = non_negative(&eval(offset, &mut first, ctx).await?, "LIMIT offset")?;
            let left = match eval(count, &mut first, ctx).await? {
                Value::Null => None,
                c => Some(non_negative(&c, "LIMIT count")?),
            };
            self.state = Some(LimitState { skip, left, seen: 0, done: false });
        }
        let Some(s) = &mut self.state else { return Ok(None) };
        loop {
            if s.done {
                return Ok(None);
            }
            if s.left == Some(0) {
                s.done = true;
                if *full_count {
                    while self.input.next(ctx).await?.is_some() {
                        s.seen += 1;
                        ctx.check_time()?;
                    }
                    ctx.stats.full_count = Some(s.seen);
                }
                return Ok(None);
            }
            let next = match pending.take() {
                Some(r) => Some(r),
                None => self.input.next(ctx).await?,
            };
            let Some(row) = next else {
                s.done = true;
                if *full_count {
                    ctx.stats.full_count = Some(s.seen);
                }
                return Ok(None);
            };
            s.seen += 1;
            if s.skip > 0 {
                s.skip -= 1;
                continue;
            }
            if let Some(n) = &mut s.left {
                *n -= 1;
            }
            return Ok(Some(row));
        }
    }
}
