//! Queries inside a query: pattern predicates and pattern comprehensions, EXISTS { },
//! COUNT { } and COLLECT { } (which see the outer row), and CALL { } subqueries (which
//! see only what they import), each planned for the row it is evaluated on.

use super::context::{Cx, Row};
use super::eval::{eval, holds};
use super::ops::{Op, Operator};
use super::pattern::Matcher;
use super::pattern_plan::plan_match;
use super::plan::plan_query;
use crate::ast::{Clause, Expr, PathKind, PatternElement, PatternPart, Query};
use crate::error::{CypherError, CypherResult};
use crate::value::Value;
use async_trait::async_trait;
use std::collections::BTreeSet;
use std::sync::Arc;

fn matcher_for(cx: &Cx, variable: Option<&str>, pattern: &PatternElement, row: &Row) -> CypherResult<Matcher> {
    let part = PatternPart { variable: variable.map(str::to_string), kind: PathKind::Plain, element: pattern.clone() };
    let scope: BTreeSet<String> = row.keys().cloned().collect();
    let plan = plan_match(&[part], None, &scope, &cx.graph.indexes())?;
    Ok(Matcher::new(Arc::new(plan), row.clone()))
}

pub(crate) async fn pattern_exists(cx: &Cx, pattern: &PatternElement, row: &Row) -> CypherResult<bool> {
    let mut m = matcher_for(cx, None, pattern, row)?;
    Ok(m.next(cx).await?.is_some())
}

pub(crate) async fn pattern_comprehension(
    cx: &Cx,
    variable: Option<&str>,
    pattern: &PatternElement,
    predicate: Option<&Expr>,
    map: &Expr,
    row: &Row,
) -> CypherResult<Value> {
    let mut m = matcher_for(cx, variable, pattern, row)?;
    let mut out = Vec::new();
    while let Some(r) = m.next(cx).await? {
        if let Some(p) = predicate {
            if !holds(cx, p, &r).await? {
                continue;
            }
        }
        out.push(eval(cx, map, &r).await?);
    }
    Ok(Value::List(out))
}

async fn open(cx: &Cx, q: &Query, row: &Row) -> CypherResult<(Op, Vec<String>)> {
    plan_query(cx, q, row.clone(), 1).await
}

pub(crate) async fn exists(cx: &Cx, q: &Query, row: &Row) -> CypherResult<bool> {
    let (mut op, _) = open(cx, q, row).await?;
    Ok(op.next(cx).await?.is_some())
}

pub(crate) async fn count(cx: &Cx, q: &Query, row: &Row) -> CypherResult<i64> {
    let (mut op, _) = open(cx, q, row).await?;
    let mut n = 0;
    while op.next(cx).await?.is_some() {
        n += 1;
    }
    Ok(n)
}

pub(crate) async fn collect(cx: &Cx, q: &Query, row: &Row) -> CypherResult<Vec<Value>> {
    let (mut op, columns) = open(cx, q, row).await?;
    let [column] = columns.as_slice() else {
        return Err(CypherError::semantic("A COLLECT subquery must end with a RETURN of a single column"));
    };
    let mut out = Vec::new();
    while let Some(mut r) = op.next(cx).await? {
        out.push(r.remove(column).unwrap_or(Value::Null));
    }
    Ok(out)
}

/// The variables a CALL { } subquery imports: its scope list, or the simple variables of
/// a leading WITH.
fn imports(q: &Query, scope: Option<Vec<String>>) -> Vec<String> {
    if let Some(s) = scope {
        return s;
    }
    match q.first.clauses.first() {
        Some(Clause::With(w)) if w.projection.items.iter().all(|i| matches!(&i.expr, Expr::Variable(_))) => w
            .projection
            .items
            .iter()
            .filter_map(|i| match &i.expr {
                Expr::Variable(v) => Some(v.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

struct CallSubquery {
    input: Op,
    query: Query,
    imports: Vec<String>,
    columns: Vec<String>,
    current: Option<(Row, Op)>,
}

#[async_trait]
impl Operator for CallSubquery {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        loop {
            if let Some((outer, inner)) = &mut self.current {
                match inner.next(cx).await? {
                    Some(r) if !self.columns.is_empty() => {
                        let mut out = outer.clone();
                        for c in &self.columns {
                            out.insert(c.clone(), r.get(c).cloned().unwrap_or(Value::Null));
                        }
                        return Ok(Some(out));
                    }
                    Some(_) => continue,
                    None => {
                        let outer = std::mem::take(outer);
                        self.current = None;
                        if self.columns.is_empty() {
                            return Ok(Some(outer));
                        }
                        continue;
                    }
                }
            }
            let Some(row) = self.input.next(cx).await? else { return Ok(None) };
            let seed: Row = self.imports.iter().filter_map(|v| row.get(v).map(|x| (v.clone(), x.clone()))).collect();
            let (op, _) = plan_query(cx, &self.query, seed, 1).await?;
            self.current = Some((row, op));
        }
    }
}

pub(crate) async fn plan_call(
    cx: &Cx,
    input: Op,
    query: &Query,
    scope: Option<Vec<String>>,
    depth: usize,
) -> CypherResult<(Op, Vec<String>)> {
    let imports = imports(query, scope);
    let seed: Row = imports.iter().map(|v| (v.clone(), Value::Null)).collect();
    let (_, columns) = plan_query(cx, query, seed, depth + 1).await?;
    let op = CallSubquery { input, query: query.clone(), imports, columns: columns.clone(), current: None };
    Ok((Box::new(op), columns))
}
