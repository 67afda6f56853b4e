//! Expression evaluation over one row: Cypher's null semantics (three-valued logic,
//! null-propagating operators), property access that reads an element again when the
//! query changes the graph, list indexing and slicing, comprehensions, quantifiers,
//! CASE; pattern predicates and subquery expressions are evaluated by [`super::subquery`].
//! Equality, comparison and arithmetic are the shared semantics of [`crate::value`]
//! (`compare`, `ops`), components of temporal values and points its accessors.

use super::context::{Cx, Row};
use super::{functions as graph_functions, subquery};
use crate::ast::{BinaryOp, Expr, LabelExpr, Literal, MapProjectionItem, Quantifier, UnaryOp};
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::compare::{equals, ge, gt, le, lt};
use crate::value::temporal::fields::component;
use crate::value::{ops, Map, Value};
use std::future::Future;
use std::pin::Pin;

pub(crate) type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Nesting of comprehensions and subqueries one expression may reach.
const MAX_DEPTH: usize = 256;

pub(crate) fn eval<'a>(cx: &'a Cx, e: &'a Expr, row: &'a Row) -> BoxFut<'a, CypherResult<Value>> {
    Box::pin(eval_inner(cx, e, row))
}

pub(crate) fn truth(v: &Value) -> CypherResult<Option<bool>> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        other => Err(CypherError::type_error(format!("Type mismatch: expected Boolean but was {}", other.type_name()))),
    }
}

/// A predicate's outcome as a filter: only true passes.
pub(crate) async fn holds(cx: &Cx, e: &Expr, row: &Row) -> CypherResult<bool> {
    Ok(truth(&eval(cx, e, row).await?)? == Some(true))
}

fn bool_or_null(b: Option<bool>) -> Value {
    b.map_or(Value::Null, Value::Bool)
}

pub(crate) fn labels_match(labels: &[String], e: &LabelExpr) -> bool {
    match e {
        LabelExpr::Name(n) => labels.iter().any(|l| l == n),
        LabelExpr::And(parts) => parts.iter().all(|p| labels_match(labels, p)),
        LabelExpr::Or(parts) => parts.iter().any(|p| labels_match(labels, p)),
        LabelExpr::Not(inner) => !labels_match(labels, inner),
        LabelExpr::Wildcard => !labels.is_empty(),
    }
}

fn literal(l: &Literal) -> Value {
    match l {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Integer(i) => Value::Int(*i),
        Literal::Float(f) => Value::Float(*f),
        Literal::String(s) => Value::String(s.clone()),
    }
}

pub(crate) fn parameter(cx: &Cx, name: &str) -> CypherResult<Value> {
    cx.params
        .get(name)
        .cloned()
        .ok_or_else(|| CypherError::new(ErrorKind::ParameterMissing, format!("Expected parameter(s): {name}")))
}

/// `base.key` for any base value.
pub(crate) async fn property(cx: &Cx, base: &Value, key: &str) -> CypherResult<Value> {
    match base {
        Value::Null => Ok(Value::Null),
        Value::Map(m) => Ok(m.get(key).cloned().unwrap_or(Value::Null)),
        Value::Node(n) => {
            if cx.updating || cx.any_deleted() {
                if let Value::Node(now) = cx.node_now(n.id).await? {
                    return Ok(now.properties.get(key).cloned().unwrap_or(Value::Null));
                }
            }
            Ok(n.properties.get(key).cloned().unwrap_or(Value::Null))
        }
        Value::Relationship(r) => {
            if cx.updating || cx.any_deleted() {
                if let Value::Relationship(now) = cx.rel_now(r.id).await? {
                    return Ok(now.properties.get(key).cloned().unwrap_or(Value::Null));
                }
            }
            Ok(r.properties.get(key).cloned().unwrap_or(Value::Null))
        }
        other => match component(other, key) {
            Some(found) => found,
            None => {
                Err(CypherError::type_error(format!("Type mismatch: expected a map but was {}", other.type_name())))
            }
        },
    }
}

/// The current properties of an element (read again when the query writes).
pub(crate) async fn element_properties(cx: &Cx, v: &Value) -> CypherResult<Option<Map>> {
    match v {
        Value::Node(n) if cx.updating || cx.any_deleted() => match cx.node_now(n.id).await? {
            Value::Node(now) => Ok(Some(now.properties)),
            _ => Ok(None),
        },
        Value::Relationship(r) if cx.updating || cx.any_deleted() => match cx.rel_now(r.id).await? {
            Value::Relationship(now) => Ok(Some(now.properties)),
            _ => Ok(None),
        },
        Value::Node(n) => Ok(Some(n.properties.clone())),
        Value::Relationship(r) => Ok(Some(r.properties.clone())),
        _ => Ok(None),
    }
}

/// The current labels of a node.
pub(crate) async fn node_labels(cx: &Cx, v: &Value) -> CypherResult<Option<Vec<String>>> {
    match v {
        Value::Node(n) if cx.updating => match cx.node_now(n.id).await {
            Ok(Value::Node(now)) => Ok(Some(now.labels)),
            Ok(_) => Ok(None),
            Err(e) if e.kind == ErrorKind::EntityNotFound => Ok(Some(n.labels.clone())),
            Err(e) => Err(e),
        },
        Value::Node(n) => Ok(Some(n.labels.clone())),
        _ => Ok(None),
    }
}

fn index_int(v: &Value) -> CypherResult<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        Value::Int(i) => Ok(Some(*i)),
        other => Err(CypherError::type_error(format!("Type mismatch: expected Integer but was {}", other.type_name()))),
    }
}

async fn index(cx: &Cx, base: Value, idx: Value) -> CypherResult<Value> {
    match (&base, &idx) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::List(items), _) => {
            let Some(i) = index_int(&idx)? else { return Ok(Value::Null) };
            let len = items.len() as i64;
            let at = if i < 0 { len + i } else { i };
            Ok(usize::try_from(at).ok().and_then(|at| items.get(at)).cloned().unwrap_or(Value::Null))
        }
        (Value::Map(_) | Value::Node(_) | Value::Relationship(_), Value::String(key)) => property(cx, &base, key).await,
        (Value::Map(_) | Value::Node(_) | Value::Relationship(_), other) => {
            Err(CypherError::type_error(format!("Type mismatch: expected String but was {}", other.type_name())))
        }
        (other, _) => {
            Err(CypherError::type_error(format!("Type mismatch: expected List or Map but was {}", other.type_name())))
        }
    }
}

fn slice(base: Value, from: Option<Value>, to: Option<Value>) -> CypherResult<Value> {
    let Value::List(items) = base else {
        return match base {
            Value::Null => Ok(Value::Null),
            other => {
                Err(CypherError::type_error(format!("Type mismatch: expected List but was {}", other.type_name())))
            }
        };
    };
    let len = items.len() as i64;
    let bound = |v: Option<Value>, default: i64| -> CypherResult<Option<i64>> {
        match v {
            None => Ok(Some(default)),
            Some(v) => Ok(index_int(&v)?.map(|i| if i < 0 { (len + i).max(0) } else { i.min(len) })),
        }
    };
    let (Some(a), Some(b)) = (bound(from, 0)?, bound(to, len)?) else { return Ok(Value::Null) };
    if a >= b {
        return Ok(Value::List(Vec::new()));
    }
    Ok(Value::List(items.into_iter().skip(a as usize).take((b - a) as usize).collect()))
}

fn string_op(op: BinaryOp, a: &Value, b: &Value) -> Value {
    let (Value::String(x), Value::String(y)) = (a, b) else { return Value::Null };
    Value::Bool(match op {
        BinaryOp::StartsWith => x.starts_with(y.as_str()),
        BinaryOp::EndsWith => x.ends_with(y.as_str()),
        _ => x.contains(y.as_str()),
    })
}

fn membership(item: &Value, list: &Value) -> CypherResult<Value> {
    match list {
        Value::Null => Ok(Value::Null),
        Value::List(items) => {
            let mut unknown = false;
            for candidate in items {
                match equals(item, candidate) {
                    Some(true) => return Ok(Value::Bool(true)),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            Ok(if unknown { Value::Null } else { Value::Bool(false) })
        }
        other => Err(CypherError::type_error(format!("Type mismatch: expected List but was {}", other.type_name()))),
    }
}

fn comparison(op: BinaryOp, a: &Value, b: &Value) -> Value {
    bool_or_null(match op {
        BinaryOp::Eq => equals(a, b),
        BinaryOp::Ne => equals(a, b).map(|e| !e),
        BinaryOp::Lt => lt(a, b),
        BinaryOp::Le => le(a, b),
        BinaryOp::Gt => gt(a, b),
        _ => ge(a, b),
    })
}

async fn logical(cx: &Cx, op: BinaryOp, l: &Expr, r: &Expr, row: &Row) -> CypherResult<Value> {
    let a = truth(&eval(cx, l, row).await?)?;
    match (op, a) {
        (BinaryOp::And, Some(false)) => return Ok(Value::Bool(false)),
        (BinaryOp::Or, Some(true)) => return Ok(Value::Bool(true)),
        _ => {}
    }
    let b = truth(&eval(cx, r, row).await?)?;
    Ok(bool_or_null(match op {
        BinaryOp::And => match (a, b) {
            (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        BinaryOp::Or => match (a, b) {
            (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        _ => match (a, b) {
            (Some(x), Some(y)) => Some(x != y),
            _ => None,
        },
    }))
}

async fn binary(cx: &Cx, op: BinaryOp, l: &Expr, r: &Expr, row: &Row) -> CypherResult<Value> {
    if matches!(op, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor) {
        return logical(cx, op, l, r, row).await;
    }
    let a = eval(cx, l, row).await?;
    let b = eval(cx, r, row).await?;
    match op {
        BinaryOp::Add => ops::add(&a, &b),
        BinaryOp::Sub => ops::sub(&a, &b),
        BinaryOp::Mul => ops::mul(&a, &b),
        BinaryOp::Div => ops::div(&a, &b),
        BinaryOp::Mod => ops::rem(&a, &b),
        BinaryOp::Pow => ops::pow(&a, &b),
        BinaryOp::In => membership(&a, &b),
        BinaryOp::StartsWith | BinaryOp::EndsWith | BinaryOp::Contains => Ok(string_op(op, &a, &b)),
        BinaryOp::Regex => crate::functions::regex::regex_match(&a, &b),
        _ => Ok(comparison(op, &a, &b)),
    }
}

fn bind(row: &Row, var: &str, v: Value) -> Row {
    let mut inner = row.clone();
    inner.insert(var.to_string(), v);
    inner
}

fn list_of(v: Value) -> CypherResult<Option<Vec<Value>>> {
    match v {
        Value::Null => Ok(None),
        Value::List(items) => Ok(Some(items)),
        other => Err(CypherError::type_error(format!("Type mismatch: expected List but was {}", other.type_name()))),
    }
}

async fn quantified(
    cx: &Cx,
    q: Quantifier,
    var: &str,
    list: &Expr,
    pred: Option<&Expr>,
    row: &Row,
) -> CypherResult<Value> {
    let Some(items) = list_of(eval(cx, list, row).await?)? else { return Ok(Value::Null) };
    let (mut trues, mut nulls) = (0usize, 0usize);
    for item in items {
        let inner = bind(row, var, item);
        let t = match pred {
            Some(p) => truth(&eval(cx, p, &inner).await?)?,
            None => Some(true),
        };
        match t {
            Some(true) => trues += 1,
            None => nulls += 1,
            Some(false) => {
                if q == Quantifier::All {
                    return Ok(Value::Bool(false));
                }
            }
        }
        if q == Quantifier::Any && trues > 0 {
            return Ok(Value::Bool(true));
        }
        if q == Quantifier::None && trues > 0 {
            return Ok(Value::Bool(false));
        }
        if q == Quantifier::Single && trues > 1 {
            return Ok(Value::Bool(false));
        }
    }
    Ok(match q {
        Quantifier::All | Quantifier::None | Quantifier::Any if nulls > 0 => Value::Null,
        Quantifier::All | Quantifier::None => Value::Bool(true),
        Quantifier::Any => Value::Bool(false),
        Quantifier::Single if nulls > 0 => Value::Null,
        Quantifier::Single => Value::Bool(trues == 1),
    })
}

async fn map_projection(cx: &Cx, base: &Expr, items: &[MapProjectionItem], row: &Row) -> CypherResult<Value> {
    let b = eval(cx, base, row).await?;
    if b.is_null() {
        return Ok(Value::Null);
    }
    let mut out = Map::new();
    for item in items {
        match item {
            MapProjectionItem::Literal(k, e) => {
                out.insert(k.clone(), eval(cx, e, row).await?);
            }
            MapProjectionItem::Property(k) => {
                out.insert(k.clone(), property(cx, &b, k).await?);
            }
            MapProjectionItem::Variable(v) => {
                out.insert(v.clone(), row.get(v).cloned().unwrap_or(Value::Null));
            }
            MapProjectionItem::AllProperties => match &b {
                Value::Map(m) => out.extend(m.clone()),
                other => match element_properties(cx, other).await? {
                    Some(p) => out.extend(p),
                    None => {
                        return Err(CypherError::type_error(format!(
                            "Type mismatch: expected Map, Node or Relationship but was {}",
                            other.type_name()
                        )))
                    }
                },
            },
        }
    }
    Ok(Value::Map(out))
}

async fn eval_inner(cx: &Cx, e: &Expr, row: &Row) -> CypherResult<Value> {
    match e {
        Expr::Literal(l) => Ok(literal(l)),
        Expr::Parameter(name) => parameter(cx, name),
        Expr::Variable(name) => Ok(row.get(name).cloned().unwrap_or(Value::Null)),
        Expr::Property(base, key) => {
            let b = eval(cx, base, row).await?;
            property(cx, &b, key).await
        }
        Expr::Index(base, idx) => {
            let b = eval(cx, base, row).await?;
            let i = eval(cx, idx, row).await?;
            index(cx, b, i).await
        }
        Expr::Slice(base, from, to) => {
            let b = eval(cx, base, row).await?;
            let f = match from {
                Some(f) => Some(eval(cx, f, row).await?),
                None => None,
            };
            let t = match to {
                Some(t) => Some(eval(cx, t, row).await?),
                None => None,
            };
            slice(b, f, t)
        }
        Expr::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(eval(cx, i, row).await?);
            }
            Ok(Value::List(out))
        }
        Expr::Map(items) => {
            let mut out = Map::new();
            for (k, v) in items {
                out.insert(k.clone(), eval(cx, v, row).await?);
            }
            Ok(Value::Map(out))
        }
        Expr::MapProjection { base, items } => map_projection(cx, base, items, row).await,
        Expr::Unary(op, inner) => {
            let v = eval(cx, inner, row).await?;
            match op {
                UnaryOp::Not => Ok(bool_or_null(truth(&v)?.map(|b| !b))),
                UnaryOp::Neg => ops::neg(&v),
                UnaryOp::Plus => match v {
                    Value::Null | Value::Int(_) | Value::Float(_) => Ok(v),
                    other => Err(CypherError::type_error(format!(
                        "Type mismatch: expected a number but was {}",
                        other.type_name()
                    ))),
                },
                UnaryOp::IsNull => Ok(Value::Bool(v.is_null())),
                UnaryOp::IsNotNull => Ok(Value::Bool(!v.is_null())),
            }
        }
        Expr::Binary(op, l, r) => binary(cx, *op, l, r, row).await,
        Expr::HasLabels(base, labels) => {
            let b = eval(cx, base, row).await?;
            match node_labels(cx, &b).await? {
                Some(have) => Ok(Value::Bool(labels_match(&have, labels))),
                None if b.is_null() => Ok(Value::Null),
                None => match (&b, labels) {
                    (Value::Relationship(r), LabelExpr::Name(t)) => Ok(Value::Bool(&r.ty == t)),
                    _ => {
                        Err(CypherError::type_error(format!("Type mismatch: expected Node but was {}", b.type_name())))
                    }
                },
            }
        }
        Expr::Function { name, distinct: _, args } => {
            if crate::aggregate::is_aggregate(name) {
                return Err(CypherError::semantic(format!(
                    "Invalid use of aggregating function {name}(...) in this context"
                )));
            }
            if let [pattern @ Expr::PatternPredicate(_)] = args.as_slice() {
                if name.eq_ignore_ascii_case("exists") {
                    return eval(cx, pattern, row).await;
                }
            }
            let mut values = Vec::with_capacity(args.len());
            for a in args {
                values.push(eval(cx, a, row).await?);
            }
            graph_functions::call(cx, name, values).await
        }
        Expr::CountStar => Err(CypherError::semantic("Invalid use of aggregating function count(*) in this context")),
        Expr::Case { operand, whens, otherwise } => {
            let subject = match operand {
                Some(o) => Some(eval(cx, o, row).await?),
                None => None,
            };
            for (when, then) in whens {
                let w = eval(cx, when, row).await?;
                let hit = match &subject {
                    Some(s) => equals(s, &w) == Some(true),
                    None => truth(&w).ok().flatten() == Some(true),
                };
                if hit {
                    return eval(cx, then, row).await;
                }
            }
            match otherwise {
                Some(o) => eval(cx, o, row).await,
                None => Ok(Value::Null),
            }
        }
        Expr::ListComprehension { variable, list, predicate, map } => {
            let Some(items) = list_of(eval(cx, list, row).await?)? else { return Ok(Value::Null) };
            let mut out = Vec::new();
            for item in items {
                let inner = bind(row, variable, item);
                if let Some(p) = predicate {
                    if !holds(cx, p, &inner).await? {
                        continue;
                    }
                }
                out.push(match map {
                    Some(m) => eval(cx, m, &inner).await?,
                    None => inner.get(variable).cloned().unwrap_or(Value::Null),
                });
            }
            Ok(Value::List(out))
        }
        Expr::Quantified { quantifier, variable, list, predicate } => {
            quantified(cx, *quantifier, variable, list, predicate.as_deref(), row).await
        }
        Expr::Reduce { accumulator, init, variable, list, expr } => {
            let mut acc = eval(cx, init, row).await?;
            let Some(items) = list_of(eval(cx, list, row).await?)? else { return Ok(Value::Null) };
            for item in items {
                let mut inner = bind(row, variable, item);
                inner.insert(accumulator.clone(), acc);
                acc = eval(cx, expr, &inner).await?;
            }
            Ok(acc)
        }
        Expr::PatternComprehension { variable, pattern, predicate, map } => {
            subquery::pattern_comprehension(cx, variable.as_deref(), pattern, predicate.as_deref(), map, row).await
        }
        Expr::PatternPredicate(pattern) => subquery::pattern_exists(cx, pattern, row).await.map(Value::Bool),
        Expr::Exists(q) => subquery::exists(cx, q, row).await.map(Value::Bool),
        Expr::CountSubquery(q) => subquery::count(cx, q, row).await.map(Value::Int),
        Expr::CollectSubquery(q) => subquery::collect(cx, q, row).await.map(Value::List),
    }
}

/// Guards recursion through subqueries (each nested pipeline adds one level).
pub(crate) fn check_depth(depth: usize) -> CypherResult<()> {
    if depth > MAX_DEPTH {
        return Err(CypherError::argument("the query nests subqueries too deeply"));
    }
    Ok(())
}
