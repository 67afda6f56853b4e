//! The operations that read all their input before answering: SORT (stable, AQL's
//! value order per key), COLLECT (groups in the order of their group values, as
//! ArangoDB's sorted COLLECT gives them; AGGREGATE, INTO with the scope's variables or a
//! projection, KEEP, WITH COUNT INTO; one group for empty input when nothing is grouped)
//! and WINDOW (in [`super::window`]).

use super::context::Ctx;
use super::eval::{eval, set};
use super::pipeline::{op, BoxNode, Node};
use super::plan::*;
use crate::error::{AqlError, AqlResult};
use crate::functions::{self, Aggregate};
use crate::value::{compare::compare, Object, Value};
use std::cmp::Ordering;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// Values ordered by AQL's order, element by element.
#[derive(Debug, Clone)]
pub struct Key(pub Vec<Value>);

impl PartialEq for Key {
    fn eq(&self, o: &Key) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Key) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key {
    fn cmp(&self, o: &Key) -> Ordering {
        for (a, b) in self.0.iter().zip(o.0.iter()) {
            let c = compare(a, b);
            if c != Ordering::Equal {
                return c;
            }
        }
        self.0.len().cmp(&o.0.len())
    }
}

/// Rows already computed, handed out one by one.
pub struct Buffered {
    input: Option<BoxNode>,
    plan: Arc<Plan>,
    idx: usize,
    rows: VecDeque<Row>,
    base: Row,
    /// SORT followed by a constant LIMIT: only this many first rows are kept.
    keep: Option<usize>,
}

/// The rows a SORT must keep when a LIMIT with constant values (and no fullCount)
/// follows it: offset + count.
fn top(plan: &Plan, idx: usize) -> Option<usize> {
    let Some(PlanOp::Limit { offset: CExpr::Lit(o), count: CExpr::Lit(c), full_count: false }) = plan.ops.get(idx + 1)
    else {
        return None;
    };
    let (Value::Int(o), Value::Int(c)) = (o, c) else { return None };
    usize::try_from(*o).ok()?.checked_add(usize::try_from(*c).ok()?)
}

pub fn sort_node(input: BoxNode, plan: Arc<Plan>, idx: usize) -> BoxNode {
    let keep = top(&plan, idx);
    Box::new(Buffered { input: Some(input), plan, idx, rows: VecDeque::new(), base: Vec::new(), keep })
}

pub fn collect_node(input: BoxNode, plan: Arc<Plan>, idx: usize, base: Row) -> BoxNode {
    Box::new(Buffered { input: Some(input), plan, idx, rows: VecDeque::new(), base, keep: None })
}

pub fn window_node(input: BoxNode, plan: Arc<Plan>, idx: usize) -> BoxNode {
    Box::new(Buffered { input: Some(input), plan, idx, rows: VecDeque::new(), base: Vec::new(), keep: None })
}

pub async fn drain(input: &mut BoxNode, ctx: &mut Ctx) -> AqlResult<Vec<Row>> {
    let mut rows = Vec::new();
    while let Some(r) = input.next(ctx).await? {
        rows.push(r);
        if rows.len().is_multiple_of(1024) {
            ctx.check_time()?;
        }
    }
    Ok(rows)
}

#[async_trait::async_trait]
impl Node for Buffered {
    async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        if let Some(mut input) = self.input.take() {
            let plan = self.plan.clone();
            self.rows = match op(&plan, self.idx)? {
                PlanOp::Sort(keys) => sort(&mut input, keys, self.keep, ctx).await?,
                PlanOp::Collect(c) => collect(&mut input, c, std::mem::take(&mut self.base), ctx).await?,
                PlanOp::Window(w) => super::window::window(drain(&mut input, ctx).await?, w, ctx).await?,
                _ => return Err(AqlError::internal("plan")),
            }
            .into();
        }
        Ok(self.rows.pop_front())
    }
}

/// Sorts the input stably by `keys`; with `keep`, only the first `keep` rows are held
/// (the buffer is cut back whenever it doubles).
async fn sort(input: &mut BoxNode, keys: &[(CExpr, bool)], keep: Option<usize>, ctx: &mut Ctx) -> AqlResult<Vec<Row>> {
    let order = |a: &(Vec<Value>, u64, Row), b: &(Vec<Value>, u64, Row)| {
        for (i, (_, asc)) in keys.iter().enumerate() {
            let c = match (a.0.get(i), b.0.get(i)) {
                (Some(x), Some(y)) => compare(x, y),
                _ => Ordering::Equal,
            };
            if c != Ordering::Equal {
                return if *asc { c } else { c.reverse() };
            }
        }
        a.1.cmp(&b.1)
    };
    let mut keyed: Vec<(Vec<Value>, u64, Row)> = Vec::new();
    let mut seq = 0u64;
    while let Some(mut row) = input.next(ctx).await? {
        let mut k = Vec::with_capacity(keys.len());
        for (e, _) in keys {
            k.push(eval(e, &mut row, ctx).await?);
        }
        keyed.push((k, seq, row));
        seq += 1;
        if seq.is_multiple_of(1024) {
            ctx.check_time()?;
        }
        if let Some(n) = keep {
            if keyed.len() >= n.saturating_mul(2).max(1024) {
                keyed.sort_by(order);
                keyed.truncate(n);
            }
        }
    }
    keyed.sort_by(order);
    if let Some(n) = keep {
        keyed.truncate(n);
    }
    Ok(keyed.into_iter().map(|(_, _, r)| r).collect())
}

/// A fresh running aggregate of `function`.
pub fn new_aggregate(function: &str) -> AqlResult<Box<dyn Aggregate>> {
    functions::aggregate(function)
        .ok_or_else(|| AqlError::internal(format!("aggregate function {function}() is not available")))
}

/// A group's output row starts from the pipeline's first row: what is visible after a
/// COLLECT is the outer query's variables (the same in every row) and the COLLECT's own.
struct Group {
    template: Row,
    aggregates: Vec<Box<dyn Aggregate>>,
    into: Vec<Value>,
    count: i64,
}

/// Adds one row's aggregate arguments and INTO value to its group.
fn fold(g: &mut Group, values: &[Value], into: Option<Value>, ctx: &mut Ctx) -> AqlResult<()> {
    for (agg, v) in g.aggregates.iter_mut().zip(values.iter()) {
        agg.add(v, &mut ctx.fns);
    }
    ctx.take_warnings()?;
    if let Some(v) = into {
        g.into.push(v);
    }
    g.count += 1;
    Ok(())
}

/// Groups the input as it is pulled: only the groups (and what INTO keeps) are held.
async fn collect(input: &mut BoxNode, c: &CollectPlan, base: Row, ctx: &mut Ctx) -> AqlResult<Vec<Row>> {
    let mut groups: BTreeMap<Key, Group> = BTreeMap::new();
    let new_group = |template: Row| -> AqlResult<Group> {
        let aggregates = c.aggregates.iter().map(|a| new_aggregate(&a.function)).collect::<AqlResult<_>>()?;
        Ok(Group { template, aggregates, into: Vec::new(), count: 0 })
    };
    if c.groups.is_empty() {
        groups.insert(Key(Vec::new()), new_group(base.clone())?);
    }
    let mut pulled = 0u64;
    // the group values of the last row that joined an existing group, reused
    let mut scratch: Vec<Value> = Vec::new();
    while let Some(mut row) = input.next(ctx).await? {
        pulled += 1;
        if pulled.is_multiple_of(1024) {
            ctx.check_time()?;
        }
        let mut key = std::mem::take(&mut scratch);
        key.clear();
        for (_, e) in &c.groups {
            key.push(eval(e, &mut row, ctx).await?);
        }
        let mut values = Vec::with_capacity(c.aggregates.len());
        for a in &c.aggregates {
            values.push(match &a.arg {
                Some(e) => eval(e, &mut row, ctx).await?,
                None => Value::Null,
            });
        }
        let into = match &c.into {
            Some((_, IntoPlan::Projection(e))) => Some(eval(e, &mut row, ctx).await?),
            Some((_, IntoPlan::Vars(vars))) => {
                let mut o = Object::with_capacity(vars.len());
                for (name, slot) in vars {
                    o.insert(name.clone(), row.get(*slot).cloned().unwrap_or(Value::Null));
                }
                Some(Value::Object(o))
            }
            None => None,
        };
        let key = Key(key);
        match groups.get_mut(&key) {
            Some(g) => {
                fold(g, &values, into, ctx)?;
                scratch = key.0;
            }
            None => {
                let mut g = new_group(base.clone())?;
                fold(&mut g, &values, into, ctx)?;
                groups.insert(key, g);
            }
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for (key, g) in groups {
        let mut row = g.template;
        for ((slot, _), v) in c.groups.iter().zip(key.0) {
            set(&mut row, *slot, v);
        }
        for (a, agg) in c.aggregates.iter().zip(g.aggregates.iter()) {
            set(&mut row, a.slot, agg.finish());
        }
        if let Some((slot, _)) = &c.into {
            set(&mut row, *slot, Value::Array(g.into));
        }
        if let Some(slot) = c.count_into {
            set(&mut row, slot, Value::Int(g.count));
        }
        out.push(row);
    }
    Ok(out)
}
