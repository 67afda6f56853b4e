//! A query clause by clause: the scope each clause sees and leaves, how a query may end
//! (RETURN, or an updating clause or call), UNION rules, subqueries (EXISTS / COUNT see
//! the outer scope and may not update; COLLECT returns one column; CALL { } imports
//! through its leading WITH or its scope list), FOREACH and procedure calls.

use super::expr::{check, check_predicate, undefined, Agg, Ctx};
use super::patterns::{bind_pattern, Use};
use super::projection::check_projection;
use super::types::type_of;
use super::{err, Scope, Ty};
use crate::ast::*;
use crate::error::{CypherError, CypherResult};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryRole {
    Top,
    /// EXISTS { } and COUNT { }.
    Exists,
    Collect,
    /// CALL { }: with a scope list the given scope is what it imports; without, only a
    /// leading WITH sees the outer scope.
    Call {
        scoped: bool,
    },
}

fn composition(msg: impl AsRef<str>) -> CypherError {
    err("InvalidClauseComposition", msg)
}

/// Checks a query; returns its columns (empty for a query without RETURN).
pub fn check_query(q: &Query, outer: &Scope, role: QueryRole) -> CypherResult<Vec<String>> {
    if let Some((first_all, _)) = q.unions.first() {
        if q.unions.iter().any(|(all, _)| all != first_all) {
            return Err(composition("Invalid combination of UNION and UNION ALL"));
        }
    }
    let cols = check_single(&q.first, outer, role)?;
    for (_, part) in &q.unions {
        let other = check_single(part, outer, role)?;
        let a: HashSet<&String> = cols.iter().collect();
        let b: HashSet<&String> = other.iter().collect();
        if a != b {
            return Err(err(
                "DifferentColumnsInUnion",
                "All sub queries in a UNION must have the same return column names",
            ));
        }
    }
    Ok(cols)
}

struct State {
    scope: Scope,
    columns: Option<Vec<String>>,
    updating: bool,
    standalone_call: bool,
}

fn check_single(sq: &SingleQuery, outer: &Scope, role: QueryRole) -> CypherResult<Vec<String>> {
    let scope = match role {
        QueryRole::Call { scoped: false } if !matches!(sq.clauses.first(), Some(Clause::With(_))) => Scope::new(),
        _ => outer.clone(),
    };
    let standalone_call =
        role == QueryRole::Top && sq.clauses.len() == 1 && matches!(sq.clauses[0], Clause::CallProcedure(_));
    let mut st = State { scope, columns: None, updating: false, standalone_call };
    for c in &sq.clauses {
        if st.columns.is_some() {
            return Err(composition("RETURN can only be used at the end of the query"));
        }
        clause(c, &mut st)?;
    }
    let ends_well = st.columns.is_some()
        || sq
            .clauses
            .last()
            .is_some_and(|c| c.is_updating() || matches!(c, Clause::CallProcedure(_) | Clause::CallSubquery { .. }));
    match role {
        QueryRole::Exists if st.updating => {
            return Err(composition("An EXISTS or COUNT subquery cannot contain an updating clause"));
        }
        QueryRole::Collect => {
            if st.updating {
                return Err(composition("A COLLECT subquery cannot contain an updating clause"));
            }
            match &st.columns {
                Some(c) if c.len() == 1 => {}
                _ => return Err(composition("A COLLECT subquery must end with a RETURN of exactly one column")),
            }
        }
        QueryRole::Top | QueryRole::Call { .. } if !ends_well => {
            let last = sq.clauses.last().map_or("nothing", clause_name);
            return Err(composition(format!(
                "Query cannot conclude with {last} (must be a RETURN clause, an update clause, a unit subquery call, or a procedure call)"
            )));
        }
        _ => {}
    }
    Ok(st.columns.unwrap_or_default())
}

fn clause_name(c: &Clause) -> &'static str {
    match c {
        Clause::Match(m) if m.optional => "OPTIONAL MATCH",
        Clause::Match(_) => "MATCH",
        Clause::Unwind { .. } => "UNWIND",
        Clause::With(_) => "WITH",
        Clause::Return(_) => "RETURN",
        Clause::Create(_) => "CREATE",
        Clause::Merge(_) => "MERGE",
        Clause::Set(_) => "SET",
        Clause::Remove(_) => "REMOVE",
        Clause::Delete { .. } => "DELETE",
        Clause::Foreach { .. } => "FOREACH",
        Clause::CallProcedure(_) | Clause::CallSubquery { .. } => "CALL",
        Clause::Unsupported { .. } => "an unsupported clause",
    }
}

fn value(scope: &Scope) -> Ctx<'_> {
    Ctx::new(scope, Agg::Forbidden)
}

fn clause(c: &Clause, st: &mut State) -> CypherResult<()> {
    match c {
        Clause::Match(m) => {
            bind_pattern(&m.pattern, &mut st.scope, Use::Match)?;
            if let Some(w) = &m.where_ {
                check_predicate(w, &st.scope)?;
            }
        }
        Clause::Unwind { expr, variable } => {
            check(expr, value(&st.scope))?;
            if st.scope.contains_key(variable) {
                return Err(err("VariableAlreadyBound", format!("Variable `{variable}` already declared")));
            }
            let elem = match type_of(expr, &st.scope) {
                Ty::List(e) => *e,
                _ => Ty::Any,
            };
            st.scope.insert(variable.clone(), elem);
        }
        Clause::With(w) => {
            let (scope, _) = check_projection(&w.projection, w.where_.as_ref(), &st.scope, false)?;
            st.scope = scope;
        }
        Clause::Return(p) => {
            let (scope, cols) = check_projection(p, None, &st.scope, true)?;
            st.scope = scope;
            st.columns = Some(cols);
        }
        Clause::Create(p) => {
            st.updating = true;
            bind_pattern(p, &mut st.scope, Use::Create)?;
        }
        Clause::Merge(m) => {
            st.updating = true;
            bind_pattern(&vec![m.part.clone()], &mut st.scope, Use::Merge)?;
            for item in m.on_create.iter().chain(&m.on_match) {
                set_item(item, &st.scope)?;
            }
        }
        Clause::Set(items) => {
            st.updating = true;
            for item in items {
                set_item(item, &st.scope)?;
            }
        }
        Clause::Remove(items) => {
            st.updating = true;
            for item in items {
                match item {
                    RemoveItem::Property { target, .. } => check(target, value(&st.scope))?,
                    RemoveItem::Labels { variable, .. } => defined(variable, &st.scope)?,
                }
            }
        }
        Clause::Delete { exprs, .. } => {
            st.updating = true;
            for e in exprs {
                delete_target(e, &st.scope)?;
            }
        }
        Clause::Foreach { variable, list, clauses } => {
            st.updating = true;
            check(list, value(&st.scope))?;
            let mut inner = State { scope: st.scope.clone(), columns: None, updating: true, standalone_call: false };
            inner.scope.insert(variable.clone(), Ty::Any);
            for c in clauses {
                if !c.is_updating() {
                    return Err(composition(format!("Invalid use of {} inside FOREACH", clause_name(c))));
                }
                clause(c, &mut inner)?;
            }
        }
        Clause::CallProcedure(call) => procedure_call(call, st)?,
        Clause::CallSubquery { query, scope, .. } => {
            let (imported, scoped) = match scope {
                Some(vars) => {
                    let mut s = Scope::new();
                    for v in vars {
                        let t = st.scope.get(v).cloned().ok_or_else(|| undefined(v))?;
                        s.insert(v.clone(), t);
                    }
                    (s, true)
                }
                None => (st.scope.clone(), false),
            };
            let cols = check_query(query, &imported, QueryRole::Call { scoped })?;
            for c in cols {
                if st.scope.contains_key(&c) {
                    return Err(err("VariableAlreadyBound", format!("Variable `{c}` already declared in outer scope")));
                }
                st.scope.insert(c, Ty::Any);
            }
            st.updating |= query_updates(query);
        }
        Clause::Unsupported { clause, position } => {
            return Err(CypherError::not_supported(format!(
                "{clause} is not supported (line {}, column {} (offset: {}))",
                position.line, position.column, position.offset
            )));
        }
    }
    Ok(())
}

fn query_updates(q: &Query) -> bool {
    std::iter::once(&q.first).chain(q.unions.iter().map(|(_, s)| s)).any(|s| s.clauses.iter().any(Clause::is_updating))
}

fn defined(v: &str, scope: &Scope) -> CypherResult<()> {
    if scope.contains_key(v) {
        Ok(())
    } else {
        Err(undefined(v))
    }
}

fn set_item(item: &SetItem, scope: &Scope) -> CypherResult<()> {
    match item {
        SetItem::Property { target, value: v, .. } => {
            check(target, value(scope))?;
            check(v, value(scope))
        }
        SetItem::Replace { variable, value: v } | SetItem::Merge { variable, value: v } => {
            defined(variable, scope)?;
            check(v, value(scope))
        }
        SetItem::Labels { variable, .. } => defined(variable, scope),
    }
}

fn delete_target(e: &Expr, scope: &Scope) -> CypherResult<()> {
    if matches!(e, Expr::HasLabels(..)) {
        return Err(err("InvalidDelete", "DELETE doesn't support removing labels from a node; use REMOVE"));
    }
    check(e, value(scope))?;
    let t = type_of(e, scope);
    if matches!(t, Ty::Bool | Ty::Int | Ty::Float | Ty::Str | Ty::Map) {
        return Err(err(
            "InvalidArgumentType",
            format!("Type mismatch: DELETE expects a node, relationship or path but was {}", t.name()),
        ));
    }
    Ok(())
}

fn procedure_call(call: &ProcedureCall, st: &mut State) -> CypherResult<()> {
    match &call.args {
        Some(args) => {
            for a in args {
                check(a, value(&st.scope))?;
            }
        }
        None if !st.standalone_call => {
            return Err(err(
                "InvalidArgumentPassingMode",
                format!("Procedure call inside a query does not support passing arguments implicitly (pass them explicitly: CALL {}(...))", call.name),
            ));
        }
        None => {}
    }
    if call.yield_star && !st.standalone_call {
        return Err(err("UnexpectedSyntax", "YIELD * is only allowed in a standalone procedure call"));
    }
    let mut yielded = HashSet::new();
    for y in call.yields.iter().flatten() {
        let name = y.alias.as_ref().unwrap_or(&y.field);
        if st.scope.contains_key(name) || !yielded.insert(name.clone()) {
            return Err(err("VariableAlreadyBound", format!("Variable `{name}` already declared")));
        }
    }
    for name in yielded {
        st.scope.insert(name, Ty::Any);
    }
    if let Some(w) = &call.where_ {
        check_predicate(w, &st.scope)?;
    }
    Ok(())
}
