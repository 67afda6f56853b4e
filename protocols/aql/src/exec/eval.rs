//! Expression evaluation over a row: attribute access (null on non-objects), indexing
//! (negative indexes from the end), array expansion with its inline FILTER/LIMIT/RETURN,
//! short-circuit AND/OR answering the deciding operand, ternaries, ranges, the function
//! library, the executor's own functions and correlated subqueries. Operators are
//! [`crate::value::ops`]. Paths from a variable are read by reference, so `doc.a.b` does
//! not copy `doc`.

use super::builtins;
use super::context::Ctx;
use super::pipeline;
use super::plan::*;
use crate::ast::BinaryOp;
use crate::error::{num, AqlError, AqlResult};
use crate::functions;
use crate::value::{cast, ops, Object, Value};
use futures::future::BoxFuture;
use std::sync::Arc;

static NULL: Value = Value::Null;

/// The largest array a range expression may build outside a FOR loop.
pub const MAX_RANGE: i64 = 2_000_000;

/// `base[index]`: an array element (negative from the end) or an object attribute.
pub fn index_value<'v>(base: &'v Value, index: &Value) -> &'v Value {
    match (base, index) {
        (Value::Array(items), Value::Int(_) | Value::Double(_)) => {
            let i = index.as_f64().unwrap_or(0.0).trunc() as i64;
            let len = items.len() as i64;
            let i = if i < 0 { len + i } else { i };
            if i < 0 {
                return &NULL;
            }
            items.get(i as usize).unwrap_or(&NULL)
        }
        (Value::Array(items), Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(i) if !items.is_empty() => index_value(base, &Value::Int(i)),
            Ok(_) => &NULL,
            Err(_) => &NULL,
        },
        (Value::Object(o), Value::String(s)) => o.get(s).unwrap_or(&NULL),
        (Value::Object(o), Value::Int(_) | Value::Double(_)) => o.get(&cast::to_string(index)).unwrap_or(&NULL),
        _ => &NULL,
    }
}

/// The value a pure path (`var`, `var.a`, `var[0]`, `var["a"].b`) reads, without copying.
pub fn path_ref<'r>(e: &CExpr, row: &'r Row) -> Option<&'r Value> {
    match e {
        CExpr::Var(s) => Some(row.get(*s).unwrap_or(&NULL)),
        CExpr::Attr(base, name) => Some(path_ref(base, row)?.get(name).unwrap_or(&NULL)),
        CExpr::Index(base, idx) => match idx.as_ref() {
            CExpr::Lit(i) => Some(index_value(path_ref(base, row)?, i)),
            _ => None,
        },
        _ => None,
    }
}

pub fn set(row: &mut Row, slot: Slot, v: Value) {
    if slot >= row.len() {
        row.resize(slot + 1, Value::Null);
    }
    if let Some(cell) = row.get_mut(slot) {
        *cell = v;
    }
}

/// A literal or a pure path, by reference.
fn operand<'r>(e: &'r CExpr, row: &'r Row) -> Option<&'r Value> {
    match e {
        CExpr::Lit(v) => Some(v),
        _ => path_ref(e, row),
    }
}

/// The expressions answered without suspending (so without a boxed future): literals,
/// paths, operators over those, and objects or arrays of them — what FILTER, COLLECT and
/// RETURN mostly compute per row. None for anything else.
fn immediate(e: &CExpr, row: &Row, ctx: &mut Ctx) -> Option<AqlResult<Value>> {
    if let Some(v) = operand(e, row) {
        return Some(Ok(v.clone()));
    }
    match e {
        CExpr::Binary(op, a, b) => {
            let (a, b) = (operand(a, row)?, operand(b, row)?);
            Some(match op {
                BinaryOp::And => Ok(if cast::to_bool(a) { b.clone() } else { a.clone() }),
                BinaryOp::Or => Ok(if cast::to_bool(a) { a.clone() } else { b.clone() }),
                _ => {
                    let v = ops::binary(*op, a, b, &mut ctx.fns);
                    ctx.take_warnings().map(|_| v)
                }
            })
        }
        CExpr::Object(items) => {
            let mut out = Object::with_capacity(items.len());
            for (k, v) in items {
                let CKey::Static(k) = k else { return None };
                out.insert(k.clone(), operand(v, row)?.clone());
            }
            Some(Ok(Value::Object(out)))
        }
        CExpr::Array(items) => {
            let out: Option<Vec<Value>> = items.iter().map(|v| operand(v, row).cloned()).collect();
            Some(Ok(Value::Array(out?)))
        }
        _ => None,
    }
}

/// [`eval`]'s future: ready at once for what [`immediate`] answers, boxed otherwise.
pub enum Eval<'a> {
    Ready(Option<AqlResult<Value>>),
    Pending(BoxFuture<'a, AqlResult<Value>>),
}

impl std::future::Future for Eval<'_> {
    type Output = AqlResult<Value>;
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        match self.get_mut() {
            Eval::Ready(v) => {
                std::task::Poll::Ready(v.take().unwrap_or_else(|| Err(AqlError::internal("polled twice"))))
            }
            Eval::Pending(f) => f.as_mut().poll(cx),
        }
    }
}

/// Evaluates `e` over `row` (which it may use as scratch for `CURRENT`, restoring it).
pub fn eval<'a>(e: &'a CExpr, row: &'a mut Row, ctx: &'a mut Ctx) -> Eval<'a> {
    match immediate(e, row, ctx) {
        Some(v) => Eval::Ready(Some(v)),
        None => Eval::Pending(evaluate(e, row, ctx)),
    }
}

fn evaluate<'a>(e: &'a CExpr, row: &'a mut Row, ctx: &'a mut Ctx) -> BoxFuture<'a, AqlResult<Value>> {
    Box::pin(async move {
        if let Some(v) = path_ref(e, row) {
            return Ok(v.clone());
        }
        Ok(match e {
            CExpr::Lit(v) => v.clone(),
            CExpr::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(eval(item, row, ctx).await?);
                }
                Value::Array(out)
            }
            CExpr::Object(items) => {
                let mut out = Object::with_capacity(items.len());
                for (k, v) in items {
                    let key = match k {
                        CKey::Static(s) => s.clone(),
                        CKey::Computed(k) => cast::to_string(&eval(k, row, ctx).await?),
                    };
                    let value = eval(v, row, ctx).await?;
                    out.insert(key, value);
                }
                Value::Object(out)
            }
            CExpr::Var(s) => row.get(*s).cloned().unwrap_or(Value::Null),
            CExpr::Attr(base, name) => {
                let b = eval(base, row, ctx).await?;
                match b {
                    Value::Object(mut o) => o.swap_remove(name).unwrap_or(Value::Null),
                    _ => Value::Null,
                }
            }
            CExpr::Index(base, idx) => {
                let b = eval(base, row, ctx).await?;
                let i = eval(idx, row, ctx).await?;
                index_value(&b, &i).clone()
            }
            CExpr::Expand(x) => expand(x, row, ctx).await?,
            CExpr::Unary(op, v) => {
                let v = eval(v, row, ctx).await?;
                ops::unary(*op, &v)
            }
            CExpr::Binary(BinaryOp::And, a, b) => {
                let a = eval(a, row, ctx).await?;
                if cast::to_bool(&a) {
                    eval(b, row, ctx).await?
                } else {
                    a
                }
            }
            CExpr::Binary(BinaryOp::Or, a, b) => {
                let a = eval(a, row, ctx).await?;
                if cast::to_bool(&a) {
                    a
                } else {
                    eval(b, row, ctx).await?
                }
            }
            CExpr::Binary(op, a, b) => {
                let a = eval(a, row, ctx).await?;
                let b = eval(b, row, ctx).await?;
                let v = ops::binary(*op, &a, &b, &mut ctx.fns);
                ctx.take_warnings()?;
                v
            }
            CExpr::Quantified { quantifier, at_least, op, lhs, rhs } => {
                let n = match at_least {
                    Some(n) => cast::to_f64(&eval(n, row, ctx).await?).max(0.0) as usize,
                    None => 0,
                };
                let l = eval(lhs, row, ctx).await?;
                let r = eval(rhs, row, ctx).await?;
                let v = ops::quantified(quantifier, n, *op, &l, &r, &mut ctx.fns);
                ctx.take_warnings()?;
                v
            }
            CExpr::Ternary { cond, then, otherwise } => {
                let c = eval(cond, row, ctx).await?;
                if cast::to_bool(&c) {
                    match then {
                        Some(t) => eval(t, row, ctx).await?,
                        None => c,
                    }
                } else {
                    eval(otherwise, row, ctx).await?
                }
            }
            CExpr::Range(a, b) => {
                let from = range_bound(&eval(a, row, ctx).await?);
                let to = range_bound(&eval(b, row, ctx).await?);
                if (i128::from(to) - i128::from(from)).abs() >= i128::from(MAX_RANGE) {
                    return Err(AqlError::new(
                        32,
                        format!("resource limit exceeded: a range of more than {MAX_RANGE} values"),
                    ));
                }
                let items: Vec<Value> = if from <= to {
                    (from..=to).map(Value::Int).collect()
                } else {
                    (to..=from).rev().map(Value::Int).collect()
                };
                Value::Array(items)
            }
            CExpr::Call { name, args } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(eval(a, row, ctx).await?);
                }
                let v = functions::call(name, values, &mut ctx.fns);
                ctx.take_warnings()?;
                v?
            }
            CExpr::Builtin(b, args) => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(eval(a, row, ctx).await?);
                }
                builtins::call(*b, values, ctx).await?
            }
            CExpr::Subquery(plan) if plan.independent && ctx.written.is_empty() => {
                let key = Arc::as_ptr(plan) as usize;
                let cached = match ctx.subqueries.get(&key) {
                    Some(v) => v.clone(),
                    None => {
                        let v = Arc::new(pipeline::run_subquery(plan, row, ctx).await?);
                        ctx.subqueries.insert(key, v.clone());
                        v
                    }
                };
                Value::Array(cached.as_ref().clone())
            }
            CExpr::Subquery(plan) => Value::Array(pipeline::run_subquery(plan, row, ctx).await?),
        })
    })
}

/// A range end: TO_NUMBER, truncated to an integer.
pub fn range_bound(v: &Value) -> i64 {
    if let Value::Int(i) = cast::to_number(v) {
        return i;
    }
    let f = cast::to_f64(v);
    if f.is_finite() {
        f.trunc().clamp(i64::MIN as f64, i64::MAX as f64) as i64
    } else {
        0
    }
}

async fn expand(x: &CExpansion, row: &mut Row, ctx: &mut Ctx) -> AqlResult<Value> {
    let base = eval(&x.base, row, ctx).await?;
    let Value::Array(items) = base else { return Ok(Value::Array(Vec::new())) };
    let mut items = items;
    for _ in 1..x.depth {
        let mut flat = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::Array(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        items = flat;
    }
    let (offset, count) = match &x.limit {
        Some((o, c)) => {
            let o = match o {
                Some(o) => cast::to_f64(&eval(o, row, ctx).await?).max(0.0) as usize,
                None => 0,
            };
            (o, Some(cast::to_f64(&eval(c, row, ctx).await?).max(0.0) as usize))
        }
        None => (0, None),
    };
    let saved = row.get(x.current).cloned().unwrap_or(Value::Null);
    let result = expand_items(x, items, offset, count, row, ctx).await;
    set(row, x.current, saved);
    result
}

async fn expand_items(
    x: &CExpansion,
    items: Vec<Value>,
    offset: usize,
    count: Option<usize>,
    row: &mut Row,
    ctx: &mut Ctx,
) -> AqlResult<Value> {
    let mut out = Vec::new();
    let mut skipped = 0usize;
    for item in items {
        if count.is_some_and(|c| out.len() >= c) {
            break;
        }
        set(row, x.current, item);
        if let Some(f) = &x.filter {
            if !cast::to_bool(&eval(f, row, ctx).await?) {
                continue;
            }
        }
        if skipped < offset {
            skipped += 1;
            continue;
        }
        let mut v = match &x.ret {
            Some(r) => eval(r, row, ctx).await?,
            None => row.get(x.current).cloned().unwrap_or(Value::Null),
        };
        if let Some(rest) = &x.rest {
            set(row, x.current, v);
            v = eval(rest, row, ctx).await?;
        }
        out.push(v);
    }
    Ok(Value::Array(out))
}

/// A number argument that must be a non-negative integer (LIMIT and friends).
pub fn non_negative(v: &Value, what: &str) -> AqlResult<u64> {
    match v {
        Value::Int(i) if *i >= 0 => Ok(*i as u64),
        Value::Double(d) if *d >= 0.0 && d.is_finite() => Ok(d.trunc() as u64),
        _ => {
            Err(AqlError::new(num::QUERY_NUMBER_OUT_OF_RANGE, format!("invalid value for {what}: number out of range")))
        }
    }
}
