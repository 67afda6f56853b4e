//! The pull-based operators a query's pipeline is made of: each `next` produces one row
//! from the rows its input produces, reading the graph only as far as that row needs
//! (scans page, expansions read one node's adjacency). Blocking operators (sort,
//! aggregation, eager) gather their input first.

use super::context::{Cx, Row};
use super::eval::{eval, holds};
use super::pattern::Matcher;
use super::pattern_plan::MatchPlan;
use crate::ast::Expr;
use crate::error::{CypherError, CypherResult};
use crate::value::compare::{order, GroupKey};
use crate::value::format::{format_float, to_cypher_string};
use crate::value::Value;
use async_trait::async_trait;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

#[async_trait]
pub(crate) trait Operator: Send {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>>;
}

pub(crate) type Op = Box<dyn Operator>;

/// Rows given up front (one empty row to start a query, a subquery's imported row).
pub(crate) struct Rows(pub VecDeque<Row>);

#[async_trait]
impl Operator for Rows {
    async fn next(&mut self, _cx: &Cx) -> CypherResult<Option<Row>> {
        Ok(self.0.pop_front())
    }
}

pub(crate) fn once(row: Row) -> Op {
    Box::new(Rows(VecDeque::from([row])))
}

/// Gathers every input row before giving the first: the boundary between the clauses
/// of an updating query.
pub(crate) struct Eager {
    pub input: Op,
    pub buffer: Option<VecDeque<Row>>,
}

#[async_trait]
impl Operator for Eager {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        if self.buffer.is_none() {
            let mut all = VecDeque::new();
            while let Some(r) = self.input.next(cx).await? {
                all.push_back(r);
            }
            self.buffer = Some(all);
        }
        Ok(self.buffer.as_mut().and_then(|b| b.pop_front()))
    }
}

pub(crate) struct MatchOp {
    pub input: Op,
    pub plan: Arc<MatchPlan>,
    pub where_: Option<Expr>,
    pub optional: bool,
    /// Variables the pattern binds (null in an OPTIONAL MATCH that found nothing).
    pub new_vars: Vec<String>,
    pub current: Option<(Row, Matcher, bool)>,
}

#[async_trait]
impl Operator for MatchOp {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        loop {
            if self.current.is_none() {
                let Some(row) = self.input.next(cx).await? else { return Ok(None) };
                let matcher = Matcher::new(self.plan.clone(), row.clone());
                self.current = Some((row, matcher, false));
            }
            let Some((input, matcher, found)) = self.current.as_mut() else { continue };
            match matcher.next(cx).await? {
                Some(row) => {
                    if let Some(w) = &self.where_ {
                        if !holds(cx, w, &row).await? {
                            continue;
                        }
                    }
                    *found = true;
                    return Ok(Some(row));
                }
                None => {
                    let (mut input, found) = (std::mem::take(input), *found);
                    self.current = None;
                    if self.optional && !found {
                        for v in &self.new_vars {
                            input.entry(v.clone()).or_insert(Value::Null);
                        }
                        return Ok(Some(input));
                    }
                }
            }
        }
    }
}

pub(crate) struct Filter {
    pub input: Op,
    pub predicate: Expr,
}

#[async_trait]
impl Operator for Filter {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        while let Some(row) = self.input.next(cx).await? {
            if holds(cx, &self.predicate, &row).await? {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

pub(crate) struct Unwind {
    pub input: Op,
    pub expr: Expr,
    pub variable: String,
    pub current: Option<(Row, VecDeque<Value>)>,
}

#[async_trait]
impl Operator for Unwind {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        loop {
            if let Some((row, items)) = &mut self.current {
                if let Some(v) = items.pop_front() {
                    let mut out = row.clone();
                    out.insert(self.variable.clone(), v);
                    return Ok(Some(out));
                }
                self.current = None;
            }
            let Some(row) = self.input.next(cx).await? else { return Ok(None) };
            let items: VecDeque<Value> = match eval(cx, &self.expr, &row).await? {
                Value::Null => VecDeque::new(),
                Value::List(l) => l.into(),
                other => VecDeque::from([other]),
            };
            self.current = Some((row, items));
        }
    }
}

/// Adds projected columns to each row (keeping the input's variables when ORDER BY may
/// still need them).
pub(crate) struct Project {
    pub input: Op,
    pub items: Vec<(String, Expr)>,
    pub keep_input: bool,
}

#[async_trait]
impl Operator for Project {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        let Some(row) = self.input.next(cx).await? else { return Ok(None) };
        let mut values = Vec::with_capacity(self.items.len());
        for (_, e) in &self.items {
            values.push(eval(cx, e, &row).await?);
        }
        let mut out = if self.keep_input { row } else { Row::new() };
        for ((name, _), v) in self.items.iter().zip(values) {
            out.insert(name.clone(), v);
        }
        Ok(Some(out))
    }
}

/// Keeps only the named columns.
pub(crate) struct Select {
    pub input: Op,
    pub columns: Vec<String>,
}

#[async_trait]
impl Operator for Select {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        let Some(mut row) = self.input.next(cx).await? else { return Ok(None) };
        let mut out = Row::new();
        for c in &self.columns {
            out.insert(c.clone(), row.remove(c).unwrap_or(Value::Null));
        }
        Ok(Some(out))
    }
}

pub(crate) struct Distinct {
    pub input: Op,
    pub columns: Vec<String>,
    pub seen: HashSet<Vec<GroupKey>>,
}

#[async_trait]
impl Operator for Distinct {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        while let Some(row) = self.input.next(cx).await? {
            let key: Vec<GroupKey> =
                self.columns.iter().map(|c| GroupKey(row.get(c).cloned().unwrap_or(Value::Null))).collect();
            if self.seen.insert(key) {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

pub(crate) struct Sort {
    pub input: Op,
    pub keys: Vec<(Expr, bool)>,
    pub sorted: Option<VecDeque<Row>>,
}

#[async_trait]
impl Operator for Sort {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        if self.sorted.is_none() {
            let mut keyed = Vec::new();
            while let Some(row) = self.input.next(cx).await? {
                let mut k = Vec::with_capacity(self.keys.len());
                for (e, _) in &self.keys {
                    k.push(eval(cx, e, &row).await?);
                }
                keyed.push((k, row));
            }
            let dirs: Vec<bool> = self.keys.iter().map(|(_, d)| *d).collect();
            keyed.sort_by(|(a, _), (b, _)| {
                for ((x, y), desc) in a.iter().zip(b).zip(&dirs) {
                    let o = order(x, y);
                    let o = if *desc { o.reverse() } else { o };
                    if o.is_ne() {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            });
            self.sorted = Some(keyed.into_iter().map(|(_, r)| r).collect());
        }
        Ok(self.sorted.as_mut().and_then(|s| s.pop_front()))
    }
}

/// A SKIP or LIMIT count: known when planned, or (given by a parameter) evaluated when
/// first needed, so that a bad parameter is a runtime error as in Neo4j.
pub(crate) enum Count {
    Known(u64),
    Later(Expr),
}

impl Count {
    async fn get(&mut self, cx: &Cx) -> CypherResult<u64> {
        let n = match self {
            Count::Known(n) => return Ok(*n),
            Count::Later(e) => count_value(cx, e, false).await?,
        };
        *self = Count::Known(n);
        Ok(n)
    }
}

pub(crate) struct Skip {
    pub input: Op,
    pub count: Count,
}

#[async_trait]
impl Operator for Skip {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        let mut remaining = self.count.get(cx).await?;
        while remaining > 0 {
            if self.input.next(cx).await?.is_none() {
                self.count = Count::Known(0);
                return Ok(None);
            }
            remaining -= 1;
        }
        self.count = Count::Known(0);
        self.input.next(cx).await
    }
}

/// LIMIT; in an updating query the rows past the limit are still produced (and thrown
/// away), so that the updates before the LIMIT all happen, as Neo4j's exhaustive limit.
pub(crate) struct Limit {
    pub input: Op,
    pub count: Count,
    pub exhaustive: bool,
}

#[async_trait]
impl Operator for Limit {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        let remaining = self.count.get(cx).await?;
        if remaining == 0 {
            if self.exhaustive {
                while self.input.next(cx).await?.is_some() {}
                self.exhaustive = false;
            }
            return Ok(None);
        }
        self.count = Count::Known(remaining - 1);
        self.input.next(cx).await
    }
}

/// UNION: the parts one after the other, without duplicates unless UNION ALL.
pub(crate) struct Union {
    pub parts: VecDeque<Op>,
    pub columns: Vec<String>,
    pub distinct: bool,
    pub seen: HashSet<Vec<GroupKey>>,
}

#[async_trait]
impl Operator for Union {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        loop {
            let Some(part) = self.parts.front_mut() else { return Ok(None) };
            match part.next(cx).await? {
                Some(row) => {
                    if self.distinct {
                        let key: Vec<GroupKey> =
                            self.columns.iter().map(|c| GroupKey(row.get(c).cloned().unwrap_or(Value::Null))).collect();
                        if !self.seen.insert(key) {
                            continue;
                        }
                    }
                    return Ok(Some(row));
                }
                None => {
                    self.parts.pop_front();
                }
            }
        }
    }
}

/// Plans a SKIP / LIMIT argument: one naming a parameter is evaluated at runtime, any
/// other now (a bad one is a compile-time error).
pub(crate) async fn count_argument(cx: &Cx, e: &Expr) -> CypherResult<Count> {
    let mut parameter = false;
    crate::semantic::visit(e, &mut |x| parameter |= matches!(x, Expr::Parameter(_)));
    if parameter {
        return Ok(Count::Later(e.clone()));
    }
    Ok(Count::Known(count_value(cx, e, true).await?))
}

/// Evaluates a SKIP / LIMIT argument: a non-negative integer. Neo4j reports a bad one as
/// a SyntaxError, at compile time or (from a parameter) at runtime.
async fn count_value(cx: &Cx, e: &Expr, compile_time: bool) -> CypherResult<u64> {
    let v = eval(cx, e, &Row::new()).await?;
    let err = |text: String| {
        CypherError::semantic(format!("Invalid input. '{text}' is not a valid value. Must be a non-negative integer."))
            .at_compile_time(compile_time)
    };
    match v {
        Value::Int(i) if i >= 0 => Ok(i as u64),
        Value::Int(i) => Err(err(i.to_string())),
        Value::Float(f) => Err(err(format_float(f))),
        other => Err(err(to_cypher_string(&other))),
    }
}
