//! The expression interpreter: evaluates a bound [`Expr`] against a row (and the rows
//! of enclosing queries for correlated subqueries) with SQL's three-valued logic.

use super::cast::cast_value;
use super::compare::{compare, hash_key};
use super::functions::{arithmetic, call, like_match, negate};
use super::{BinOp, Expr, SubPlan};
use crate::error::{sqlstate, SqlError};
use crate::exec::{ExecCtx, SubResult};
use crate::types::SqlType;
use orbit_storage::Value;
use std::cmp::Ordering;
use std::sync::Arc;

/// The rows a correlated expression can see: the current row and the enclosing ones.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub ctx: &'a ExecCtx,
    pub outer: &'a [Vec<Value>],
}

fn truth(v: &Value) -> Result<Option<bool>, SqlError> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        // Only MySQL-dialect plans test numbers (the PostgreSQL binder admits booleans only).
        Value::Int(i) => Ok(Some(*i != 0)),
        Value::Float(f) => Ok(Some(*f != 0.0)),
        Value::Decimal(d) => Ok(Some(!bigdecimal::Zero::is_zero(d))),
        other => Err(SqlError::new(
            sqlstate::DATATYPE_MISMATCH,
            format!("argument of boolean expression must be type boolean, not {}", other.kind_name()),
        )),
    }
}

fn bool_val(b: Option<bool>) -> Value {
    b.map(Value::Bool).unwrap_or(Value::Null)
}

/// `a op b` for comparisons (NULL when either side is NULL).
pub fn compare_op(op: BinOp, a: &Value, b: &Value) -> Result<Value, SqlError> {
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    let ord = compare(a, b).ok_or_else(|| {
        SqlError::new(
            sqlstate::UNDEFINED_FUNCTION,
            format!("operator does not exist: {} {} {}", a.kind_name(), op.symbol(), b.kind_name()),
        )
    })?;
    Ok(Value::Bool(match op {
        BinOp::Eq => ord == Ordering::Equal,
        BinOp::NotEq => ord != Ordering::Equal,
        BinOp::Lt => ord == Ordering::Less,
        BinOp::LtEq => ord != Ordering::Greater,
        BinOp::Gt => ord == Ordering::Greater,
        BinOp::GtEq => ord != Ordering::Less,
        _ => return Err(SqlError::new(sqlstate::INTERNAL_ERROR, "not a comparison")),
    }))
}

fn json_get(doc: &Value, key: &Value, as_text: bool) -> Result<Value, SqlError> {
    let Value::Json(s) = doc else { return Ok(Value::Null) };
    let parsed: serde_json::Value = serde_json::from_str(s)
        .map_err(|_| SqlError::new(sqlstate::INVALID_TEXT_REPRESENTATION, "invalid input syntax for type json"))?;
    let found = match key {
        Value::Int(i) => match &parsed {
            serde_json::Value::Array(a) => {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                if idx >= 0 {
                    a.get(idx as usize)
                } else {
                    None
                }
            }
            _ => None,
        },
        Value::Text(k) => parsed.get(k.as_str()),
        _ => None,
    };
    Ok(match found {
        None => Value::Null,
        Some(serde_json::Value::Null) if as_text => Value::Null,
        Some(serde_json::Value::String(s)) if as_text => Value::Text(s.clone()),
        Some(v) if as_text => Value::Text(crate::format::jsonb_text(v)),
        Some(v) => Value::Json(crate::format::jsonb_text(v)),
    })
}

impl<'a> Env<'a> {
    pub fn eval(&self, e: &Expr, row: &[Value]) -> Result<Value, SqlError> {
        Ok(match e {
            Expr::Literal(v) => v.clone(),
            Expr::Column { level: 0, index } => row.get(*index).cloned().unwrap_or(Value::Null),
            Expr::Column { level, index } => {
                self.outer.get(level - 1).and_then(|r| r.get(*index)).cloned().unwrap_or(Value::Null)
            }
            Expr::Param(i, ty) => {
                let v = self.ctx.params.get(*i).cloned().ok_or_else(|| {
                    SqlError::new(sqlstate::UNDEFINED_PARAMETER, format!("there is no parameter ${}", i + 1))
                })?;
                match (&v, ty) {
                    (Value::Text(_), t) if *t != SqlType::Unknown => cast_value(v, t)?,
                    _ => v,
                }
            }
            Expr::Not(x) => bool_val(truth(&self.eval(x, row)?)?.map(|b| !b)),
            Expr::Neg(x, ty) => negate(self.eval(x, row)?, ty)?,
            Expr::And(..) | Expr::Or(..) => self.eval_logic(e, row)?,
            Expr::Binary { op, left, right, ty } => {
                let l = self.eval(left, row)?;
                let r = self.eval(right, row)?;
                match op {
                    o if o.is_comparison() => compare_op(*o, &l, &r)?,
                    BinOp::Concat => {
                        if l.is_null() || r.is_null() {
                            Value::Null
                        } else {
                            match (l, r) {
                                (Value::Array(mut a), Value::Array(b)) => {
                                    a.extend(b);
                                    Value::Array(a)
                                }
                                (Value::Array(mut a), v) => {
                                    a.push(v);
                                    Value::Array(a)
                                }
                                (l, r) => {
                                    let s = |v: Value| match cast_value(v, &SqlType::Text) {
                                        Ok(Value::Text(s)) => Ok(s),
                                        Ok(_) => Ok(String::new()),
                                        Err(e) => Err(e),
                                    };
                                    Value::Text(s(l)? + &s(r)?)
                                }
                            }
                        }
                    }
                    BinOp::JsonGet | BinOp::JsonGetText => json_get(&l, &r, *op == BinOp::JsonGetText)?,
                    _ => arithmetic(*op, l, r, ty)?,
                }
            }
            Expr::IsNull { expr, negated } => Value::Bool(self.eval(expr, row)?.is_null() != *negated),
            Expr::IsBool { expr, value, negated } => {
                let t = truth(&self.eval(expr, row)?)?;
                Value::Bool((t == Some(*value)) != *negated)
            }
            Expr::IsDistinct { left, right, negated } => {
                let l = self.eval(left, row)?;
                let r = self.eval(right, row)?;
                let distinct = match (l.is_null(), r.is_null()) {
                    (true, true) => false,
                    (true, false) | (false, true) => true,
                    _ => compare(&l, &r) != Some(Ordering::Equal),
                };
                Value::Bool(distinct != *negated)
            }
            Expr::InList { expr, list, negated } => {
                let v = self.eval(expr, row)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                for item in list {
                    let x = self.eval(item, row)?;
                    match compare_op(BinOp::Eq, &v, &x)? {
                        Value::Bool(true) => return Ok(Value::Bool(!negated)),
                        Value::Null => saw_null = true,
                        _ => {}
                    }
                }
                if saw_null {
                    Value::Null
                } else {
                    Value::Bool(*negated)
                }
            }
            Expr::InSubquery { expr, subquery, negated } if is_row_marker(expr) => {
                let Expr::Func { args, .. } = expr.as_ref() else { unreachable!("checked by is_row_marker") };
                let mut left = Vec::with_capacity(args.len());
                for a in args {
                    left.push(self.eval(a, row)?);
                }
                let res = self.subquery(subquery, row)?;
                // TRUE when some row equals in every column; NULL when none does but some
                // row has no unequal column (a NULL comparison); FALSE otherwise.
                let mut unknown = false;
                for r in &res.rows {
                    let mut all_true = true;
                    let mut any_false = false;
                    for (l, v) in left.iter().zip(r) {
                        match compare_op(BinOp::Eq, l, v)? {
                            Value::Bool(true) => {}
                            Value::Bool(false) => {
                                any_false = true;
                                break;
                            }
                            _ => all_true = false,
                        }
                    }
                    if any_false {
                        continue;
                    }
                    if all_true {
                        return Ok(Value::Bool(!negated));
                    }
                    unknown = true;
                }
                if unknown {
                    Value::Null
                } else {
                    Value::Bool(*negated)
                }
            }
            Expr::InSubquery { expr, subquery, negated } => {
                let v = self.eval(expr, row)?;
                let res = self.subquery(subquery, row)?;
                if res.rows.is_empty() {
                    return Ok(Value::Bool(*negated));
                }
                if v.is_null() {
                    return Ok(Value::Null);
                }
                let found = match &res.keys {
                    Some(keys) => keys.contains(&hash_key(&v)),
                    None => res.rows.iter().any(|r| {
                        matches!(compare_op(BinOp::Eq, &v, r.first().unwrap_or(&Value::Null)), Ok(Value::Bool(true)))
                    }),
                };
                if found {
                    Value::Bool(!negated)
                } else if res.has_null {
                    Value::Null
                } else {
                    Value::Bool(*negated)
                }
            }
            Expr::Exists { subquery, negated } => {
                let res = self.subquery(subquery, row)?;
                Value::Bool(res.rows.is_empty() == *negated)
            }
            Expr::ScalarSubquery(sub) => {
                let res = self.subquery(sub, row)?;
                if res.rows.len() > 1 {
                    return Err(SqlError::new(
                        sqlstate::CARDINALITY_VIOLATION,
                        "more than one row returned by a subquery used as an expression",
                    ));
                }
                res.rows.first().and_then(|r| r.first()).cloned().unwrap_or(Value::Null)
            }
            Expr::Like { expr, pattern, negated, case_insensitive } => {
                let v = self.eval(expr, row)?;
                let p = self.eval(pattern, row)?;
                match (v, p) {
                    (Value::Null, _) | (_, Value::Null) => Value::Null,
                    (Value::Text(t), Value::Text(p)) => Value::Bool(like_match(&t, &p, *case_insensitive) != *negated),
                    (t, p) => {
                        let t = crate::format::format_text(&t, &SqlType::Text).unwrap_or_default();
                        let p = crate::format::format_text(&p, &SqlType::Text).unwrap_or_default();
                        Value::Bool(like_match(&t, &p, *case_insensitive) != *negated)
                    }
                }
            }
            Expr::Case { operand, whens, otherwise } => {
                let op = match operand {
                    Some(o) => Some(self.eval(o, row)?),
                    None => None,
                };
                for (w, then) in whens {
                    let hit = match &op {
                        Some(v) => {
                            let wv = self.eval(w, row)?;
                            matches!(compare_op(BinOp::Eq, v, &wv)?, Value::Bool(true))
                        }
                        None => truth(&self.eval(w, row)?)? == Some(true),
                    };
                    if hit {
                        return self.eval(then, row);
                    }
                }
                match otherwise {
                    Some(o) => self.eval(o, row)?,
                    None => Value::Null,
                }
            }
            Expr::Cast { expr, to, typmod } => {
                let v = cast_value(self.eval(expr, row)?, to)?;
                match typmod {
                    Some(dt) => super::cast::apply_typmod(super::cast::truncate_for(v, dt), dt)?,
                    None => v,
                }
            }
            Expr::Func { name, args, ty } => {
                if name == "__case_coalesce" {
                    // internal: not used
                }
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, row)?);
                }
                call(name, vals, ty, self.ctx.now, &|k| self.ctx.info(k))?
            }
            Expr::Quantified { expr, op, all, source } => {
                let v = self.eval(expr, row)?;
                let items: Vec<Value> = match source.as_ref() {
                    super::QuantSource::Subquery(sub) => self
                        .subquery(sub, row)?
                        .rows
                        .iter()
                        .map(|r| r.first().cloned().unwrap_or(Value::Null))
                        .collect(),
                    super::QuantSource::Array(a) => match self.eval(a, row)? {
                        Value::Array(items) => items,
                        Value::Null => return Ok(Value::Null),
                        _ => return Err(SqlError::new(sqlstate::DATATYPE_MISMATCH, "ANY/ALL requires an array")),
                    },
                };
                let mut saw_null = false;
                for item in &items {
                    match compare_op(*op, &v, item)? {
                        Value::Bool(b) if b != *all => return Ok(Value::Bool(b)),
                        Value::Null => saw_null = true,
                        _ => {}
                    }
                }
                if saw_null {
                    Value::Null
                } else {
                    Value::Bool(*all)
                }
            }
            Expr::Array(items) => {
                let mut vals = Vec::with_capacity(items.len());
                for a in items {
                    vals.push(self.eval(a, row)?);
                }
                Value::Array(vals)
            }
        })
    }

    /// AND/OR chains, evaluated iteratively (long WHERE clauses would otherwise recurse deeply).
    #[inline(never)]
    fn eval_logic(&self, e: &Expr, row: &[Value]) -> Result<Value, SqlError> {
        let is_and = matches!(e, Expr::And(..));
        let mut operands: Vec<&Expr> = Vec::new();
        let mut stack: Vec<&Expr> = vec![e];
        while let Some(x) = stack.pop() {
            match (x, is_and) {
                (Expr::And(a, b), true) | (Expr::Or(a, b), false) => {
                    stack.push(b);
                    stack.push(a);
                }
                (other, _) => operands.push(other),
            }
        }
        let mut saw_null = false;
        for x in operands {
            match truth(&self.eval(x, row)?)? {
                Some(v) if v != is_and => return Ok(Value::Bool(v)),
                None => saw_null = true,
                _ => {}
            }
        }
        Ok(if saw_null { Value::Null } else { Value::Bool(is_and) })
    }

    /// Evaluates a predicate: true only when the value is TRUE.
    pub fn test(&self, e: &Expr, row: &[Value]) -> Result<bool, SqlError> {
        Ok(truth(&self.eval(e, row)?)? == Some(true))
    }

    fn subquery(&self, sub: &SubPlan, row: &[Value]) -> Result<Arc<SubResult>, SqlError> {
        if !sub.correlated {
            if let Some(r) = self.ctx.cached(sub.id) {
                return Ok(r);
            }
        }
        let mut outer = Vec::with_capacity(self.outer.len() + 1);
        outer.push(row.to_vec());
        outer.extend(self.outer.iter().cloned());
        let rows = crate::exec::run(self.ctx, &sub.plan, &outer)?;
        let res = Arc::new(SubResult::new(rows));
        if !sub.correlated {
            self.ctx.store(sub.id, res.clone());
        }
        Ok(res)
    }
}

fn is_row_marker(e: &Expr) -> bool {
    matches!(e, Expr::Func { name, .. } if name == crate::expr::ROW_MARKER)
}
