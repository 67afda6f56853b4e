//! WITH and RETURN: projection, implicit grouping with aggregates (a projection item
//! without an aggregate is a grouping key; aggregates may sit inside larger expressions),
//! DISTINCT, ORDER BY (on projected names, on expressions equal to a projected one, and
//! before DISTINCT or aggregation also on the variables in scope), SKIP and LIMIT.

use super::context::{Cx, Row};
use super::eval::eval;
use super::ops::{count_argument, Distinct, Filter, Limit, Op, Operator, Project, Select, Skip, Sort};
use crate::aggregate::{count_star, is_aggregate, new_aggregator, Aggregator};
use crate::ast::{Expr, Projection};
use crate::error::{CypherError, CypherResult};
use crate::value::compare::GroupKey;
use crate::value::Value;
use async_trait::async_trait;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

#[derive(Debug, Clone)]
struct AggSpec {
    name: Option<String>,
    distinct: bool,
    args: Vec<Expr>,
}

fn placeholder(i: usize) -> String {
    format!("\u{0}agg{i}")
}

pub(crate) fn contains_aggregate(e: &Expr) -> bool {
    let mut specs = Vec::new();
    extract(e, &mut specs);
    !specs.is_empty()
}

fn extract(e: &Expr, out: &mut Vec<AggSpec>) -> Expr {
    let sub = |x: &Expr, out: &mut Vec<AggSpec>| Box::new(extract(x, out));
    match e {
        Expr::CountStar => {
            out.push(AggSpec { name: None, distinct: false, args: Vec::new() });
            Expr::Variable(placeholder(out.len() - 1))
        }
        Expr::Function { name, distinct, args } if is_aggregate(name) => {
            out.push(AggSpec { name: Some(name.clone()), distinct: *distinct, args: args.clone() });
            Expr::Variable(placeholder(out.len() - 1))
        }
        Expr::Function { name, distinct, args } => Expr::Function {
            name: name.clone(),
            distinct: *distinct,
            args: args.iter().map(|a| extract(a, out)).collect(),
        },
        Expr::Binary(op, a, b) => {
            let a = sub(a, out);
            Expr::Binary(*op, a, sub(b, out))
        }
        Expr::Unary(op, a) => Expr::Unary(*op, sub(a, out)),
        Expr::Property(b, k) => Expr::Property(sub(b, out), k.clone()),
        Expr::Index(a, b) => {
            let a = sub(a, out);
            Expr::Index(a, sub(b, out))
        }
        Expr::List(items) => Expr::List(items.iter().map(|i| extract(i, out)).collect()),
        Expr::Map(items) => Expr::Map(items.iter().map(|(k, v)| (k.clone(), extract(v, out))).collect()),
        Expr::Case { operand, whens, otherwise } => Expr::Case {
            operand: operand.as_ref().map(|o| sub(o, out)),
            whens: whens.iter().map(|(w, t)| (extract(w, out), extract(t, out))).collect(),
            otherwise: otherwise.as_ref().map(|o| sub(o, out)),
        },
        Expr::Slice(a, from, to) => {
            let a = sub(a, out);
            let from = from.as_ref().map(|f| sub(f, out));
            Expr::Slice(a, from, to.as_ref().map(|t| sub(t, out)))
        }
        Expr::ListComprehension { variable, list, predicate, map } => Expr::ListComprehension {
            variable: variable.clone(),
            list: sub(list, out),
            predicate: predicate.clone(),
            map: map.clone(),
        },
        Expr::Quantified { quantifier, variable, list, predicate } => Expr::Quantified {
            quantifier: *quantifier,
            variable: variable.clone(),
            list: sub(list, out),
            predicate: predicate.clone(),
        },
        Expr::Reduce { accumulator, init, variable, list, expr } => {
            let init = sub(init, out);
            Expr::Reduce {
                accumulator: accumulator.clone(),
                init,
                variable: variable.clone(),
                list: sub(list, out),
                expr: expr.clone(),
            }
        }
        other => other.clone(),
    }
}

/// `e` with every subexpression equal to a projected expression replaced by its name.
fn substitute(e: &Expr, items: &[(String, Expr)]) -> Expr {
    if let Some((name, _)) = items.iter().find(|(_, x)| x == e) {
        return Expr::Variable(name.clone());
    }
    let sub = |x: &Expr| Box::new(substitute(x, items));
    match e {
        Expr::Binary(op, a, b) => Expr::Binary(*op, sub(a), sub(b)),
        Expr::Unary(op, a) => Expr::Unary(*op, sub(a)),
        Expr::Property(b, k) => Expr::Property(sub(b), k.clone()),
        Expr::Index(a, b) => Expr::Index(sub(a), sub(b)),
        Expr::Function { name, distinct, args } => Expr::Function {
            name: name.clone(),
            distinct: *distinct,
            args: args.iter().map(|a| substitute(a, items)).collect(),
        },
        Expr::List(items_) => Expr::List(items_.iter().map(|i| substitute(i, items)).collect()),
        other => other.clone(),
    }
}

struct Group {
    keys: Vec<Value>,
    first: Row,
    aggs: Vec<Box<dyn Aggregator>>,
}

struct Aggregate {
    input: Op,
    keys: Vec<(String, Expr)>,
    specs: Vec<AggSpec>,
    outputs: Vec<(String, Expr)>,
    result: Option<VecDeque<Row>>,
}

fn aggregators(specs: &[AggSpec]) -> CypherResult<Vec<Box<dyn Aggregator>>> {
    specs
        .iter()
        .map(|s| match &s.name {
            None => Ok(count_star()),
            Some(n) => new_aggregator(n, s.distinct)
                .ok_or_else(|| CypherError::semantic(format!("Unknown aggregating function '{n}'"))),
        })
        .collect()
}

impl Aggregate {
    async fn run(&mut self, cx: &Cx) -> CypherResult<VecDeque<Row>> {
        let mut index: HashMap<Vec<GroupKey>, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        while let Some(row) = self.input.next(cx).await? {
            let mut keys = Vec::with_capacity(self.keys.len());
            for (_, e) in &self.keys {
                keys.push(eval(cx, e, &row).await?);
            }
            let gk: Vec<GroupKey> = keys.iter().cloned().map(GroupKey).collect();
            let at = match index.get(&gk) {
                Some(&i) => i,
                None => {
                    groups.push(Group { keys, first: row.clone(), aggs: aggregators(&self.specs)? });
                    index.insert(gk, groups.len() - 1);
                    groups.len() - 1
                }
            };
            for (i, spec) in self.specs.iter().enumerate() {
                let mut args = Vec::with_capacity(spec.args.len());
                for a in &spec.args {
                    args.push(eval(cx, a, &row).await?);
                }
                if let Some(agg) = groups.get_mut(at).and_then(|g| g.aggs.get_mut(i)) {
                    agg.update(args)?;
                }
            }
        }
        if groups.is_empty() && self.keys.is_empty() {
            groups.push(Group { keys: Vec::new(), first: Row::new(), aggs: aggregators(&self.specs)? });
        }
        let mut out = VecDeque::with_capacity(groups.len());
        for g in groups {
            let mut env = g.first;
            let mut row = Row::new();
            for ((name, _), v) in self.keys.iter().zip(g.keys) {
                env.insert(name.clone(), v.clone());
                row.insert(name.clone(), v);
            }
            for (i, agg) in g.aggs.into_iter().enumerate() {
                env.insert(placeholder(i), agg.finish()?);
            }
            for (name, e) in &self.outputs {
                row.insert(name.clone(), eval(cx, e, &env).await?);
            }
            out.push_back(row);
        }
        Ok(out)
    }
}

#[async_trait]
impl Operator for Aggregate {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        if self.result.is_none() {
            let rows = self.run(cx).await?;
            self.result = Some(rows);
        }
        Ok(self.result.as_mut().and_then(|r| r.pop_front()))
    }
}

/// The projection's items with `*` expanded over `scope`.
pub(crate) fn items_of(p: &Projection, scope: &BTreeSet<String>) -> Vec<(String, Expr)> {
    let mut items: Vec<(String, Expr)> = Vec::new();
    if p.star {
        for v in scope.iter().filter(|v| !v.starts_with('\u{0}')) {
            items.push((v.clone(), Expr::Variable(v.clone())));
        }
    }
    for i in &p.items {
        let name = i.name().to_string();
        items.retain(|(n, _)| *n != name);
        items.push((name, i.expr.clone()));
    }
    items
}

/// Plans a WITH or RETURN over `input`; answers the pipeline and its column names.
pub(crate) async fn plan_projection(
    cx: &Cx,
    input: Op,
    p: &Projection,
    where_: Option<&Expr>,
    scope: &BTreeSet<String>,
) -> CypherResult<(Op, Vec<String>)> {
    let items = items_of(p, scope);
    let columns: Vec<String> = items.iter().map(|(n, _)| n.clone()).collect();
    let mut seen = HashSet::new();
    if let Some(dup) = columns.iter().find(|c| !seen.insert(c.as_str())) {
        return Err(CypherError::semantic(format!(
            "Multiple result columns with the same name are not supported ({dup})"
        )));
    }
    let aggregating = items.iter().any(|(_, e)| contains_aggregate(e));
    // WITH ... WHERE sees the variables before the WITH too, unless it aggregates.
    let where_sees_input = where_.is_some() && !aggregating;
    let mut op: Op = if aggregating {
        let mut specs = Vec::new();
        let mut keys = Vec::new();
        let mut outputs = Vec::new();
        for (name, e) in &items {
            if contains_aggregate(e) {
                outputs.push((name.clone(), extract(e, &mut specs)));
            } else {
                keys.push((name.clone(), e.clone()));
            }
        }
        Box::new(Aggregate { input, keys, specs, outputs, result: None })
    } else {
        let keep_input = (!p.distinct && !p.order_by.is_empty()) || where_sees_input;
        Box::new(Project { input, items: items.clone(), keep_input })
    };
    // After DISTINCT the input's variables are no longer one row's: the WHERE filters
    // first (which changes nothing for a WHERE on projected names only), unless a SKIP or
    // LIMIT must come before it.
    let filter_early = where_sees_input && p.distinct && p.skip.is_none() && p.limit.is_none();
    if let (true, Some(w)) = (filter_early, where_) {
        op = Box::new(Filter { input: op, predicate: w.clone() });
    }
    if p.distinct {
        op = Box::new(Distinct { input: op, columns: columns.clone(), seen: HashSet::new() });
    }
    if !p.order_by.is_empty() {
        let keys = p.order_by.iter().map(|s| (substitute(&s.expr, &items), s.descending)).collect();
        op = Box::new(Sort { input: op, keys, sorted: None });
    }
    if let Some(s) = &p.skip {
        let count = count_argument(cx, s).await?;
        op = Box::new(Skip { input: op, count });
    }
    if let Some(l) = &p.limit {
        let count = count_argument(cx, l).await?;
        op = Box::new(Limit { input: op, count, exhaustive: cx.updating });
    }
    if let (true, false, Some(w)) = (where_sees_input, filter_early, where_) {
        op = Box::new(Filter { input: op, predicate: w.clone() });
    }
    op = Box::new(Select { input: op, columns: columns.clone() });
    if let (false, Some(w)) = (where_sees_input, where_) {
        op = Box::new(Filter { input: op, predicate: w.clone() });
    }
    Ok((op, columns))
}
