//! Turning a statement's clauses into a pipeline of operators: the scope of variables
//! is tracked from clause to clause so each MATCH knows what is bound before it; in an
//! updating query every clause gathers its input first (Neo4j's eager boundaries), so a
//! clause sees all the effects of the one before and a scan never meets nodes created
//! after it started.

use super::context::{Cx, Row};
use super::eval::{check_depth, BoxFut};
use super::ops::{once, Eager, Filter, MatchOp, Op, Union, Unwind};
use super::pattern_plan::plan_match;
use super::project::plan_projection;
use super::update::{pattern_variables, Create, Delete, Foreach, Merge, Remove, Set};
use super::{procedures, subquery};
use crate::ast::{Clause, Query};
use crate::error::{CypherError, CypherResult};
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::sync::Arc;

/// Whether a clause list changes the graph.
pub(crate) fn updates(clauses: &[Clause]) -> bool {
    clauses.iter().any(|c| match c {
        Clause::CallSubquery { query, .. } => query_updates(query),
        Clause::CallProcedure(call) => procedures::writes(&call.name),
        c => c.is_updating(),
    })
}

pub(crate) fn query_updates(q: &Query) -> bool {
    updates(&q.first.clauses) || q.unions.iter().any(|(_, s)| updates(&s.clauses))
}

/// A planned clause list: its pipeline, RETURN columns and the scope after it.
type Planned = (Op, Vec<String>, BTreeSet<String>);

/// `CALL { } IN TRANSACTIONS` commits a batch of rows at a time; one statement runs in
/// one transaction here, so it is refused rather than run unbatched.
fn in_transactions() -> CypherError {
    CypherError::not_supported("CALL { ... } IN TRANSACTIONS is not supported: batches cannot be committed apart")
}

/// Plans the clauses over `input`; answers the pipeline, the RETURN's columns (empty
/// without one) and the scope after the last clause.
pub(crate) fn plan_clauses<'a>(
    cx: &'a Cx,
    clauses: &'a [Clause],
    input: Op,
    scope: BTreeSet<String>,
    depth: usize,
) -> BoxFut<'a, CypherResult<Planned>> {
    Box::pin(async move {
        check_depth(depth)?;
        let mut op = input;
        let mut scope = scope;
        let mut columns = Vec::new();
        let eager = cx.updating;
        for clause in clauses {
            if eager {
                op = Box::new(Eager { input: op, buffer: None });
            }
            op = match clause {
                Clause::Match(m) => {
                    let plan = plan_match(&m.pattern, m.where_.as_ref(), &scope, &cx.graph.indexes())?;
                    let vars = pattern_variables(&m.pattern);
                    let new_vars: Vec<String> = vars.iter().filter(|v| !scope.contains(*v)).cloned().collect();
                    scope.extend(vars);
                    Box::new(MatchOp {
                        input: op,
                        plan: Arc::new(plan),
                        where_: m.where_.clone(),
                        optional: m.optional,
                        new_vars,
                        current: None,
                    })
                }
                Clause::Unwind { expr, variable } => {
                    scope.insert(variable.clone());
                    Box::new(Unwind { input: op, expr: expr.clone(), variable: variable.clone(), current: None })
                }
                Clause::With(w) => {
                    let (next, cols) = plan_projection(cx, op, &w.projection, w.where_.as_ref(), &scope).await?;
                    scope = cols.into_iter().collect();
                    next
                }
                Clause::Return(p) => {
                    let (next, cols) = plan_projection(cx, op, p, None, &scope).await?;
                    columns = cols;
                    next
                }
                Clause::Create(pattern) => {
                    scope.extend(pattern_variables(pattern));
                    Box::new(Create { input: op, pattern: pattern.clone() })
                }
                Clause::Merge(m) => {
                    scope.extend(pattern_variables(std::slice::from_ref(&m.part)));
                    Box::new(Merge {
                        input: op,
                        part: m.part.clone(),
                        on_create: m.on_create.clone(),
                        on_match: m.on_match.clone(),
                        pending: VecDeque::new(),
                    })
                }
                Clause::Set(items) => Box::new(Set { input: op, items: items.clone() }),
                Clause::Remove(items) => Box::new(Remove { input: op, items: items.clone() }),
                Clause::Delete { detach, exprs } => {
                    Box::new(Delete { input: op, detach: *detach, exprs: exprs.clone() })
                }
                Clause::Foreach { variable, list, clauses } => Box::new(Foreach {
                    input: op,
                    variable: variable.clone(),
                    list: list.clone(),
                    clauses: clauses.clone(),
                }),
                Clause::CallProcedure(call) => {
                    let standalone = clauses.len() == 1;
                    let (next, yielded) = procedures::plan_call(cx, op, call, standalone).await?;
                    if standalone {
                        columns = yielded.clone();
                    }
                    scope.extend(yielded);
                    if let Some(w) = &call.where_ {
                        Box::new(Filter { input: next, predicate: w.clone() })
                    } else {
                        next
                    }
                }
                Clause::CallSubquery { in_transactions: Some(_), .. } => return Err(in_transactions()),
                Clause::CallSubquery { query, scope: imports, in_transactions: None } => {
                    let (next, returned) = subquery::plan_call(cx, op, query, imports.clone(), depth).await?;
                    scope.extend(returned);
                    next
                }
                Clause::Unsupported { clause, .. } => {
                    return Err(CypherError::not_supported(format!("The {clause} clause is not supported")))
                }
            };
        }
        Ok((op, columns, scope))
    })
}

/// Plans a whole query (with its UNIONs) starting from `row`.
pub(crate) fn plan_query<'a>(
    cx: &'a Cx,
    q: &'a Query,
    row: Row,
    depth: usize,
) -> BoxFut<'a, CypherResult<(Op, Vec<String>)>> {
    Box::pin(async move {
        let scope: BTreeSet<String> = row.keys().cloned().collect();
        let (first, columns, _) = plan_clauses(cx, &q.first.clauses, once(row.clone()), scope.clone(), depth).await?;
        if q.unions.is_empty() {
            return Ok((first, columns));
        }
        let mut parts = VecDeque::from([first]);
        let mut distinct = false;
        for (all, part) in &q.unions {
            let (op, cols, _) = plan_clauses(cx, &part.clauses, once(row.clone()), scope.clone(), depth).await?;
            if cols != columns {
                return Err(CypherError::semantic(
                    "All sub queries in an UNION must have the same return column names",
                ));
            }
            distinct |= !*all;
            parts.push_back(op);
        }
        Ok((Box::new(Union { parts, columns: columns.clone(), distinct, seen: HashSet::new() }) as Op, columns))
    })
}
