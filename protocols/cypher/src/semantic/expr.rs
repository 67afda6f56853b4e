//! Checks of one expression: variables in scope, where aggregation may appear (and not
//! nested), known functions and their arity, pattern predicates only where a predicate
//! is expected and without new variables, and evident argument type errors.

use super::clauses::{check_query, QueryRole};
use super::types::{type_of, Ty};
use super::{err, functions, Scope};
use crate::ast::*;
use crate::error::{CypherError, CypherResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    /// Aggregation is not allowed here (WHERE, patterns, SET, ...).
    Forbidden,
    /// A projection item: aggregation allowed.
    Allowed,
    /// Inside an aggregate's arguments.
    Inside,
}

#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub scope: &'a Scope,
    pub agg: Agg,
    /// A pattern may stand here as a predicate.
    pub pred: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(scope: &'a Scope, agg: Agg) -> Ctx<'a> {
        Ctx { scope, agg, pred: false }
    }

    pub fn predicate(scope: &'a Scope) -> Ctx<'a> {
        Ctx { scope, agg: Agg::Forbidden, pred: true }
    }

    fn value(self) -> Ctx<'a> {
        Ctx { pred: false, ..self }
    }

    fn pred_ctx(self) -> Ctx<'a> {
        Ctx { pred: true, ..self }
    }

    fn with_scope<'b>(self, scope: &'b Scope) -> Ctx<'b> {
        Ctx { scope, agg: if self.agg == Agg::Allowed { Agg::Forbidden } else { self.agg }, pred: self.pred }
    }
}

fn type_error(msg: String) -> CypherError {
    err("InvalidArgumentType", msg)
}

pub fn undefined(v: &str) -> CypherError {
    err("UndefinedVariable", format!("Variable `{v}` not defined"))
}

/// A WHERE predicate: checks it and refuses a value that cannot be a boolean.
pub fn check_predicate(e: &Expr, scope: &Scope) -> CypherResult<()> {
    check(e, Ctx::predicate(scope))?;
    let t = type_of(e, scope);
    if t.not_boolean() {
        return Err(type_error(format!("Type mismatch: expected Boolean but was {}", t.name())));
    }
    Ok(())
}

pub fn check(e: &Expr, cx: Ctx) -> CypherResult<()> {
    let v = cx.value();
    match e {
        Expr::Literal(_) | Expr::Parameter(_) => Ok(()),
        Expr::Variable(name) => {
            if cx.scope.contains_key(name) {
                Ok(())
            } else {
                Err(undefined(name))
            }
        }
        Expr::Property(base, key) => {
            check(base, v)?;
            let t = type_of(base, cx.scope);
            if t.no_properties() {
                let msg = format!(
                    "Type mismatch: expected Map, Node or Relationship but was {} (property `{key}`)",
                    t.name()
                );
                // The TCK: a SyntaxError for a path, a TypeError at compile time for a scalar or a list.
                if t == Ty::Path {
                    return Err(type_error(msg));
                }
                return Err(CypherError::type_error(format!("{msg} (InvalidArgumentType)")).at_compile_time(true));
            }
            Ok(())
        }
        Expr::Index(base, idx) => {
            check(base, v)?;
            check(idx, v)
        }
        Expr::Slice(base, from, to) => {
            check(base, v)?;
            for e in [from, to].into_iter().flatten() {
                check(e, v)?;
            }
            Ok(())
        }
        Expr::List(items) => items.iter().try_for_each(|i| check(i, v)),
        Expr::Map(entries) => entries.iter().try_for_each(|(_, e)| check(e, v)),
        Expr::MapProjection { base, items } => {
            check(base, v)?;
            for item in items {
                match item {
                    MapProjectionItem::Literal(_, e) => check(e, v)?,
                    MapProjectionItem::Variable(name) if !cx.scope.contains_key(name) => return Err(undefined(name)),
                    _ => {}
                }
            }
            Ok(())
        }
        Expr::Unary(op, inner) => match op {
            UnaryOp::Not => {
                check(inner, cx.pred_ctx())?;
                boolean_operand(inner, cx.scope, "NOT")
            }
            _ => check(inner, v),
        },
        Expr::Binary(op, l, r) => check_binary(*op, l, r, cx),
        Expr::HasLabels(base, _) => check(base, v),
        Expr::Function { name, distinct: _, args } => check_function(name, args, cx),
        Expr::CountStar => aggregate_here(cx, "count(*)"),
        Expr::Case { operand, whens, otherwise } => {
            if let Some(o) = operand {
                check(o, v)?;
            }
            for (w, t) in whens {
                check(w, if operand.is_some() { v } else { v.pred_ctx() })?;
                check(t, v)?;
            }
            otherwise.as_ref().map_or(Ok(()), |o| check(o, v))
        }
        Expr::ListComprehension { variable, list, predicate, map } => {
            check(list, v)?;
            let inner = bind_iteration(variable, list, cx.scope)?;
            let icx = v.with_scope(&inner);
            if let Some(p) = predicate {
                check(p, icx.pred_ctx())?;
            }
            map.as_ref().map_or(Ok(()), |m| check(m, icx))
        }
        Expr::Quantified { variable, list, predicate, .. } => {
            check(list, v)?;
            let inner = bind_iteration(variable, list, cx.scope)?;
            match predicate {
                Some(p) => {
                    check(p, v.with_scope(&inner).pred_ctx())?;
                    boolean_operand(p, &inner, "a quantifier predicate")
                }
                None => Ok(()),
            }
        }
        Expr::Reduce { accumulator, init, variable, list, expr } => {
            check(init, v)?;
            check(list, v)?;
            let mut inner = bind_iteration(variable, list, cx.scope)?;
            inner.insert(accumulator.clone(), type_of(init, cx.scope));
            check(expr, v.with_scope(&inner))
        }
        Expr::PatternComprehension { variable, pattern, predicate, map } => {
            let mut inner = cx.scope.clone();
            super::patterns::bind_comprehension(pattern, &mut inner)?;
            if let Some(p) = variable {
                inner.insert(p.clone(), Ty::Path);
            }
            let icx = v.with_scope(&inner);
            super::patterns::check_element_exprs(pattern, icx.with_scope(&inner))?;
            if let Some(p) = predicate {
                check(p, icx.pred_ctx())?;
            }
            check(map, icx)
        }
        Expr::PatternPredicate(element) => {
            if !cx.pred {
                return Err(err(
                    "UnexpectedSyntax",
                    "A pattern expression should only be used in order to test the existence of a pattern",
                ));
            }
            super::patterns::check_predicate_pattern(element, cx.scope)?;
            super::patterns::check_element_exprs(element, v.with_scope(cx.scope))
        }
        Expr::Exists(q) => check_query(q, cx.scope, QueryRole::Exists).map(|_| ()),
        Expr::CountSubquery(q) => check_query(q, cx.scope, QueryRole::Exists).map(|_| ()),
        Expr::CollectSubquery(q) => check_query(q, cx.scope, QueryRole::Collect).map(|_| ()),
    }
}

fn bind_iteration(variable: &str, list: &Expr, scope: &Scope) -> CypherResult<Scope> {
    let elem = match type_of(list, scope) {
        Ty::List(e) => *e,
        t if t.not_list() => {
            return Err(type_error(format!("Type mismatch: expected List but was {}", t.name())));
        }
        _ => Ty::Any,
    };
    let mut inner = scope.clone();
    inner.insert(variable.to_string(), elem);
    Ok(inner)
}

fn boolean_operand(e: &Expr, scope: &Scope, what: &str) -> CypherResult<()> {
    let t = type_of(e, scope);
    if t.not_boolean() {
        return Err(type_error(format!("Type mismatch: {what} expects Boolean but was {}", t.name())));
    }
    Ok(())
}

fn check_binary(op: BinaryOp, l: &Expr, r: &Expr, cx: Ctx) -> CypherResult<()> {
    let logical = matches!(op, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor);
    let sub = if logical { cx.pred_ctx() } else { cx.value() };
    check(l, sub)?;
    check(r, sub)?;
    let (lt, rt) = (type_of(l, cx.scope), type_of(r, cx.scope));
    let mismatch = |t: &Ty, expected: &str| {
        Err(type_error(format!("Type mismatch: {op} expects {expected} but was {}", t.name())))
    };
    match op {
        BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => {
            for t in [&lt, &rt] {
                if t.not_boolean() {
                    return mismatch(t, "Boolean");
                }
            }
        }
        BinaryOp::In if rt.not_list() => return mismatch(&rt, "a List"),
        BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod | BinaryOp::Pow => {
            for t in [&lt, &rt] {
                if matches!(t, Ty::Str | Ty::Bool | Ty::Map | Ty::Node | Ty::Rel | Ty::Path) {
                    return mismatch(t, "numbers");
                }
            }
        }
        BinaryOp::Add if !matches!(lt, Ty::List(_)) && !matches!(rt, Ty::List(_)) => {
            for t in [&lt, &rt] {
                if matches!(t, Ty::Bool | Ty::Map | Ty::Node | Ty::Rel | Ty::Path) {
                    return mismatch(t, "numbers, strings or lists");
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn aggregate_here(cx: Ctx, what: &str) -> CypherResult<()> {
    match cx.agg {
        Agg::Allowed => Ok(()),
        Agg::Inside => Err(err(
            "NestedAggregation",
            format!("Can't use aggregating expressions inside of aggregating expressions ({what})"),
        )),
        Agg::Forbidden => {
            Err(err("InvalidAggregation", format!("Invalid use of aggregating function {what} in this context")))
        }
    }
}

fn check_function(name: &str, args: &[Expr], cx: Ctx) -> CypherResult<()> {
    if name.eq_ignore_ascii_case("shortestPath") || name.eq_ignore_ascii_case("allShortestPaths") {
        return Err(CypherError::not_supported(format!(
            "{name}() as an expression is not supported; bind it in a MATCH: MATCH p = {name}(...)"
        )));
    }
    let Some((min, max)) = functions::arity(name) else {
        return Err(err("UnknownFunction", format!("Unknown function '{name}'")));
    };
    if args.len() < min || args.len() > max {
        return Err(err(
            "InvalidNumberOfArguments",
            format!("Function {name}() called with {} arguments, which is not a valid number", args.len()),
        ));
    }
    let aggregate = functions::is_aggregate(name);
    if aggregate {
        aggregate_here(cx, &format!("{name}(...)"))?;
    }
    if cx.agg == Agg::Inside && functions::is_nondeterministic(name) {
        return Err(err(
            "NonConstantExpression",
            format!("Can't use non-deterministic function {name}() in an aggregation"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    let inner_agg = if aggregate { Agg::Inside } else { cx.agg };
    let acx = Ctx { scope: cx.scope, agg: inner_agg, pred: lower == "exists" };
    for a in args {
        if matches!(a, Expr::PatternPredicate(_)) && lower != "exists" {
            return Err(err(
                "UnexpectedSyntax",
                format!("A pattern expression should only be used in order to test the existence of a pattern, not as an argument of {name}()"),
            ));
        }
        check(a, acx)?;
    }
    let Some(first) = args.first() else { return Ok(()) };
    let t = type_of(first, cx.scope);
    let bad = match lower.as_str() {
        "labels" => !matches!(t, Ty::Any | Ty::Null | Ty::Node),
        "type" | "startnode" | "endnode" => !matches!(t, Ty::Any | Ty::Null | Ty::Rel),
        "length" => !matches!(t, Ty::Any | Ty::Null | Ty::Path | Ty::Str),
        "size" => matches!(t, Ty::Path | Ty::Node | Ty::Rel | Ty::Map | Ty::Int | Ty::Float | Ty::Bool),
        "nodes" | "relationships" => !matches!(t, Ty::Any | Ty::Null | Ty::Path),
        "properties" => !matches!(t, Ty::Any | Ty::Null | Ty::Node | Ty::Rel | Ty::Map),
        _ => false,
    };
    if bad {
        return Err(type_error(format!("Type mismatch: {name}() does not take a {} argument", t.name())));
    }
    Ok(())
}

/// Whether `e` contains an aggregate (not looking into subqueries or nested scopes'
/// own aggregation rules).
pub fn contains_aggregate(e: &Expr) -> bool {
    let mut found = false;
    visit(e, &mut |x| {
        if matches!(x, Expr::CountStar) || matches!(x, Expr::Function { name, .. } if functions::is_aggregate(name)) {
            found = true;
        }
    });
    found
}

/// Calls `f` on `e` and every sub-expression (not entering subqueries).
pub fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Property(b, _) | Expr::HasLabels(b, _) | Expr::Unary(_, b) => visit(b, f),
        Expr::Index(a, b) | Expr::Binary(_, a, b) => {
            visit(a, f);
            visit(b, f);
        }
        Expr::Slice(a, b, c) => {
            visit(a, f);
            for x in [b, c].into_iter().flatten() {
                visit(x, f);
            }
        }
        Expr::List(items) => items.iter().for_each(|i| visit(i, f)),
        Expr::Map(entries) => entries.iter().for_each(|(_, x)| visit(x, f)),
        Expr::MapProjection { base, items } => {
            visit(base, f);
            for i in items {
                if let MapProjectionItem::Literal(_, x) = i {
                    visit(x, f);
                }
            }
        }
        Expr::Function { args, .. } => args.iter().for_each(|a| visit(a, f)),
        Expr::Case { operand, whens, otherwise } => {
            if let Some(o) = operand {
                visit(o, f);
            }
            for (w, t) in whens {
                visit(w, f);
                visit(t, f);
            }
            if let Some(o) = otherwise {
                visit(o, f);
            }
        }
        Expr::ListComprehension { list, predicate, map, .. } => {
            visit(list, f);
            for x in [predicate, map].into_iter().flatten() {
                visit(x, f);
            }
        }
        Expr::Quantified { list, predicate, .. } => {
            visit(list, f);
            if let Some(p) = predicate {
                visit(p, f);
            }
        }
        Expr::Reduce { init, list, expr, .. } => {
            visit(init, f);
            visit(list, f);
            visit(expr, f);
        }
        Expr::PatternComprehension { predicate, map, .. } => {
            if let Some(p) = predicate {
                visit(p, f);
            }
            visit(map, f);
        }
        _ => {}
    }
}
