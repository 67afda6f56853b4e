//! WITH and RETURN: item aliases and column names, the scope they leave, aggregation
//! with implicit grouping keys (AmbiguousAggregationExpression), what ORDER BY may see
//! (everything before the projection unless it aggregates or is DISTINCT, then only the
//! projected columns), and SKIP/LIMIT arguments.

use super::expr::{check, contains_aggregate, Agg, Ctx};
use super::types::type_of;
use super::{err, Scope};
use crate::ast::*;
use crate::error::CypherResult;
use std::collections::HashSet;

/// Checks a projection over `scope`; returns the scope after it and its column names.
/// `where_` is the WHERE of a WITH, which sees what its ORDER BY sees.
pub fn check_projection(
    p: &Projection,
    where_: Option<&Expr>,
    scope: &Scope,
    is_return: bool,
) -> CypherResult<(Scope, Vec<String>)> {
    if is_return && p.star && scope.is_empty() {
        return Err(err("NoVariablesInScope", "RETURN * is not allowed when there are no variables in scope"));
    }
    let mut names: Vec<String> = if p.star { scope.keys().cloned().collect() } else { Vec::new() };
    let mut item_names = HashSet::new();
    for item in &p.items {
        check(&item.expr, Ctx::new(scope, Agg::Allowed))?;
        if !is_return && item.alias.is_none() && !matches!(item.expr, Expr::Variable(_)) {
            return Err(err(
                "NoExpressionAlias",
                format!("Expression in WITH must be aliased (use AS): {}", item.text),
            ));
        }
        let name = item.name().to_string();
        if !item_names.insert(name.clone()) {
            return Err(err(
                "ColumnNameConflict",
                format!("Multiple result columns with the same name `{name}` are not supported"),
            ));
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let aggregating = p.items.iter().any(|i| contains_aggregate(&i.expr));
    if aggregating {
        check_grouping(p)?;
    }
    let mut out = if p.star { scope.clone() } else { Scope::new() };
    for item in &p.items {
        out.insert(item.name().to_string(), type_of(&item.expr, scope));
    }
    let sorts: Vec<&Expr> = p.order_by.iter().map(|s| &s.expr).collect();
    check_after_projection(p, &sorts, scope, &out, aggregating, "ORDER BY")?;
    if let Some(w) = where_ {
        check_after_projection(p, &[w], scope, &out, aggregating, "WHERE")?;
        let t = type_of(w, &out);
        if t.not_boolean() {
            return Err(err("InvalidArgumentType", format!("Type mismatch: expected Boolean but was {}", t.name())));
        }
    }
    for (what, e) in [("SKIP", &p.skip), ("LIMIT", &p.limit)] {
        if let Some(e) = e {
            check_skip_limit(what, e)?;
        }
    }
    Ok((out, names))
}

/// In an item with an aggregate, what lies outside the aggregates must be a grouping key
/// variable, a grouping key property `v.p` (or one of a grouping key variable), or
/// constant.
fn check_grouping(p: &Projection) -> CypherResult<()> {
    let keys: Vec<&Expr> = p.items.iter().filter(|i| !contains_aggregate(&i.expr)).map(|i| &i.expr).collect();
    let key_vars: HashSet<&str> =
        keys.iter().filter_map(|e| if let Expr::Variable(v) = e { Some(v.as_str()) } else { None }).collect();
    for item in p.items.iter().filter(|i| contains_aggregate(&i.expr)) {
        if !grouped(&item.expr, &keys, &key_vars) {
            return Err(err(
                "AmbiguousAggregationExpression",
                format!(
                    "Aggregation column contains implicit grouping expressions: {} (project them as grouping keys first)",
                    item.text
                ),
            ));
        }
    }
    Ok(())
}

fn grouped(e: &Expr, keys: &[&Expr], key_vars: &HashSet<&str>) -> bool {
    match e {
        Expr::CountStar => true,
        Expr::Function { name, .. } if super::functions::is_aggregate(name) => true,
        Expr::Variable(v) => key_vars.contains(v.as_str()),
        Expr::Property(base, _) => match base.as_ref() {
            Expr::Variable(v) => key_vars.contains(v.as_str()) || keys.contains(&e),
            other => grouped(other, keys, key_vars),
        },
        Expr::Literal(_) | Expr::Parameter(_) => true,
        Expr::Unary(_, a) | Expr::HasLabels(a, _) => grouped(a, keys, key_vars),
        Expr::Binary(_, a, b) | Expr::Index(a, b) => grouped(a, keys, key_vars) && grouped(b, keys, key_vars),
        Expr::Function { args, .. } => args.iter().all(|x| grouped(x, keys, key_vars)),
        Expr::List(items) => items.iter().all(|x| grouped(x, keys, key_vars)),
        Expr::Map(entries) => entries.iter().all(|(_, x)| grouped(x, keys, key_vars)),
        Expr::Case { operand, whens, otherwise } => {
            operand.as_deref().is_none_or(|o| grouped(o, keys, key_vars))
                && whens.iter().all(|(w, t)| grouped(w, keys, key_vars) && grouped(t, keys, key_vars))
                && otherwise.as_deref().is_none_or(|o| grouped(o, keys, key_vars))
        }
        _ => true,
    }
}

/// ORDER BY items and the WHERE of a WITH: they see the projected columns, and what the
/// projection saw unless it aggregates or is DISTINCT (then only expressions equal to
/// projected ones, and in an aggregating item only simple grouping keys).
fn check_after_projection(
    p: &Projection,
    exprs: &[&Expr],
    before: &Scope,
    after: &Scope,
    aggregating: bool,
    what: &str,
) -> CypherResult<()> {
    if exprs.is_empty() {
        return Ok(());
    }
    let restricted = aggregating || p.distinct;
    let mut visible = if restricted { Scope::new() } else { before.clone() };
    for (k, t) in after {
        visible.insert(k.clone(), t.clone());
    }
    for expr in exprs {
        let has_agg = contains_aggregate(expr);
        if has_agg && (!aggregating || what == "WHERE") {
            return Err(err(
                "InvalidAggregation",
                format!("Cannot use aggregation in {what} if there are no aggregate expressions in the preceding RETURN or WITH"),
            ));
        }
        let replaceable: Vec<(&Expr, &str)> = p
            .items
            .iter()
            .filter(|i| !has_agg || contains_aggregate(&i.expr) || simple_key(&i.expr))
            .map(|i| (&i.expr, i.name()))
            .collect();
        let e = substitute(expr, &replaceable);
        let mut cx = Ctx::new(&visible, if has_agg { Agg::Allowed } else { Agg::Forbidden });
        cx.pred = what == "WHERE";
        check(&e, cx)?;
    }
    Ok(())
}

fn simple_key(e: &Expr) -> bool {
    match e {
        Expr::Variable(_) => true,
        Expr::Property(b, _) => matches!(b.as_ref(), Expr::Variable(_)),
        _ => false,
    }
}

/// `e` with every sub-expression equal to a projected expression replaced by its column.
fn substitute(e: &Expr, items: &[(&Expr, &str)]) -> Expr {
    if let Some((_, name)) = items.iter().find(|(x, _)| *x == e) {
        return Expr::Variable(name.to_string());
    }
    let s = |x: &Expr| Box::new(substitute(x, items));
    match e {
        Expr::Property(b, k) => Expr::Property(s(b), k.clone()),
        Expr::Unary(op, a) => Expr::Unary(*op, s(a)),
        Expr::Binary(op, a, b) => Expr::Binary(*op, s(a), s(b)),
        Expr::Index(a, b) => Expr::Index(s(a), s(b)),
        Expr::HasLabels(a, l) => Expr::HasLabels(s(a), l.clone()),
        Expr::Function { name, distinct, args } => Expr::Function {
            name: name.clone(),
            distinct: *distinct,
            args: args.iter().map(|a| substitute(a, items)).collect(),
        },
        Expr::List(xs) => Expr::List(xs.iter().map(|a| substitute(a, items)).collect()),
        other => other.clone(),
    }
}

fn check_skip_limit(what: &str, e: &Expr) -> CypherResult<()> {
    let mut dependent = false;
    super::expr::visit(e, &mut |x| {
        if matches!(x, Expr::Variable(_) | Expr::PatternPredicate(_) | Expr::Exists(_) | Expr::CountSubquery(_)) {
            dependent = true;
        }
    });
    if dependent {
        return Err(err(
            "NonConstantExpression",
            format!("It is not allowed to refer to variables in {what}, so that the value for {what} can be statically calculated"),
        ));
    }
    match e {
        Expr::Literal(Literal::Integer(n)) if *n < 0 => Err(err(
            "NegativeIntegerArgument",
            format!("Invalid input. '{n}' is not a valid value. Must be a non-negative integer."),
        )),
        Expr::Literal(Literal::Integer(_)) | Expr::Literal(Literal::Null) => Ok(()),
        Expr::Literal(_) | Expr::List(_) | Expr::Map(_) => {
            Err(err("InvalidArgumentType", format!("Invalid input for {what}: it must be a non-negative integer")))
        }
        _ => check(e, Ctx::new(&Scope::new(), Agg::Forbidden)),
    }
}
