//! Hash aggregation: groups rows by the GROUP BY values and computes count, sum, avg,
//! min, max, bool_and/or, string_agg and array_agg (with DISTINCT and FILTER) with
//! PostgreSQL's result types (sum(int) is bigint, sum(bigint) and avg(int) numeric).

use crate::error::{sqlstate, SqlError};
use crate::expr::cast::cast_value;
use crate::expr::compare::{hash_key, row_key, sort_cmp, HashKey};
use crate::expr::eval::Env;
use crate::expr::functions::{arithmetic, numeric_div};
use crate::expr::{BinOp, Expr};
use crate::plan::{AggCall, AggFunc};
use crate::types::SqlType;
use bigdecimal::BigDecimal;
use orbit_storage::{Row, Value};
use std::collections::{HashMap, HashSet};

struct Group {
    key_values: Vec<Value>,
    /// Per aggregate: the argument values (first argument; string_agg also keeps the separator).
    inputs: Vec<Vec<Value>>,
    seps: Vec<Option<Value>>,
    counts: Vec<i64>,
    /// Per aggregate with ORDER BY: the sort keys of each input value.
    order_keys: Vec<Vec<Vec<Value>>>,
}

pub fn aggregate(
    env: &Env<'_>,
    rows: Vec<Row>,
    group: &[Expr],
    aggs: &[AggCall],
    always_one_row: bool,
) -> Result<Vec<Row>, SqlError> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<Vec<HashKey>, usize> = HashMap::new();
    for row in &rows {
        env.ctx.check_cancel()?;
        let mut key_values = Vec::with_capacity(group.len());
        for g in group {
            key_values.push(env.eval(g, row)?);
        }
        let k = row_key(&key_values);
        let gi = match index.get(&k) {
            Some(i) => *i,
            None => {
                groups.push(Group {
                    key_values,
                    inputs: vec![Vec::new(); aggs.len()],
                    seps: vec![None; aggs.len()],
                    counts: vec![0; aggs.len()],
                    order_keys: vec![Vec::new(); aggs.len()],
                });
                index.insert(k, groups.len() - 1);
                groups.len() - 1
            }
        };
        let g = &mut groups[gi];
        for (ai, agg) in aggs.iter().enumerate() {
            if let Some(f) = &agg.filter {
                if !env.test(f, row)? {
                    continue;
                }
            }
            if agg.func == AggFunc::CountStar {
                g.counts[ai] += 1;
                continue;
            }
            let v = match agg.args.first() {
                Some(e) => env.eval(e, row)?,
                None => Value::Null,
            };
            if agg.func == AggFunc::StringAgg {
                if v.is_null() {
                    continue;
                }
                // The last non-null separator is used (PostgreSQL uses each one).
                g.seps[ai] = Some(match agg.args.get(1) {
                    Some(e) => env.eval(e, row)?,
                    None => Value::Null,
                });
            } else if v.is_null() && agg.func != AggFunc::ArrayAgg {
                continue;
            }
            if !agg.order.is_empty() {
                let mut k = Vec::with_capacity(agg.order.len());
                for o in &agg.order {
                    k.push(env.eval(&o.expr, row)?);
                }
                g.order_keys[ai].push(k);
            }
            g.inputs[ai].push(v);
        }
    }
    if groups.is_empty() && (group.is_empty() || always_one_row) {
        groups.push(Group {
            key_values: vec![Value::Null; group.len()],
            inputs: vec![Vec::new(); aggs.len()],
            seps: vec![None; aggs.len()],
            counts: vec![0; aggs.len()],
            order_keys: vec![Vec::new(); aggs.len()],
        });
    }
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        env.ctx.check_cancel()?;
        let mut row = g.key_values;
        for (ai, agg) in aggs.iter().enumerate() {
            let mut vals = g.inputs[ai].clone();
            if !agg.order.is_empty() && g.order_keys[ai].len() == vals.len() {
                let keys = &g.order_keys[ai];
                let mut idx: Vec<usize> = (0..vals.len()).collect();
                idx.sort_by(|a, b| super::compare_keys(&agg.order, &keys[*a], &keys[*b]));
                vals = idx.into_iter().map(|i| vals[i].clone()).collect();
            }
            if agg.distinct {
                let mut seen: HashSet<HashKey> = HashSet::new();
                vals.retain(|v| seen.insert(hash_key(v)));
            }
            row.push(finish(agg, vals, g.counts[ai], g.seps[ai].clone())?);
        }
        out.push(row);
    }
    Ok(out)
}

/// MySQL's GROUP BY ... WITH ROLLUP: the groups sorted by their values; after the last
/// group of each prefix of the group values (longest first) a row for the prefix, the
/// rest NULL, aggregating all its groups; the grand total last.
pub fn rollup(env: &Env<'_>, rows: Vec<Row>, group: &[Expr], aggs: &[AggCall]) -> Result<Vec<Row>, SqlError> {
    let n = group.len();
    // One group per row first (its key values, then the row), then merged by prefix.
    let mut keyed: Vec<(Vec<Value>, Row)> = Vec::with_capacity(rows.len());
    for row in rows {
        env.ctx.check_cancel()?;
        let mut k = Vec::with_capacity(n);
        for g in group {
            k.push(env.eval(g, &row)?);
        }
        keyed.push((k, row));
    }
    // MySQL's order: NULL first.
    let cmp = |x: &Value, y: &Value| match (x.is_null(), y.is_null()) {
        (false, false) => sort_cmp(x, y),
        (a, b) => b.cmp(&a),
    };
    keyed.sort_by(|a, b| a.0.iter().zip(&b.0).map(|(x, y)| cmp(x, y)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal));
    let mut out = Vec::new();
    let mut start = 0;
    // Rows of the open group of each prefix length: keyed[open[k]..i].
    let mut open = vec![0usize; n + 1];
    let same = |a: &[Value], b: &[Value], k: usize| a[..k].iter().zip(&b[..k]).all(|(x, y)| sort_cmp(x, y).is_eq());
    while start < keyed.len() {
        let mut end = start + 1;
        while end < keyed.len() && same(&keyed[start].0, &keyed[end].0, n) {
            end += 1;
        }
        let next = keyed.get(end).map(|k| k.0.clone());
        for k in (0..=n).rev() {
            if k < n && next.as_ref().is_some_and(|nx| same(&keyed[start].0, nx, k)) {
                break;
            }
            let from = if k == n { start } else { open[k] };
            let members: Vec<Row> = keyed[from..end].iter().map(|(_, r)| r.clone()).collect();
            let mut agg_rows = aggregate(env, members, &[], aggs, true)?;
            let mut row: Vec<Value> = keyed[start].0[..k].to_vec();
            row.extend(std::iter::repeat_n(Value::Null, n - k));
            row.extend(agg_rows.pop().unwrap_or_default());
            out.push(row);
        }
        for (k, o) in open.iter_mut().enumerate().take(n) {
            if next.as_ref().is_none_or(|nx| !same(&keyed[start].0, nx, k)) {
                *o = end;
            }
        }
        start = end;
    }
    Ok(out)
}

pub(crate) fn finish(agg: &AggCall, vals: Vec<Value>, count_star: i64, sep: Option<Value>) -> Result<Value, SqlError> {
    Ok(match agg.func {
        AggFunc::CountStar => Value::Int(count_star),
        AggFunc::Count => Value::Int(vals.len() as i64),
        AggFunc::Sum | AggFunc::Avg => {
            if vals.is_empty() {
                return Ok(Value::Null);
            }
            let n = vals.len() as i64;
            let all_int = vals.iter().all(|v| matches!(v, Value::Int(_)));
            let total = if all_int {
                let s: i128 = vals.iter().map(|v| if let Value::Int(i) = v { *i as i128 } else { 0 }).sum();
                match agg.ty {
                    SqlType::Int8 if agg.func == AggFunc::Sum => Value::Int(
                        i64::try_from(s)
                            .map_err(|_| SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range"))?,
                    ),
                    _ => Value::Decimal(s.to_string().parse::<BigDecimal>().unwrap_or_default()),
                }
            } else {
                let mut acc = Value::Null;
                for v in vals {
                    acc = if acc.is_null() { v } else { arithmetic(BinOp::Add, acc, v, &agg.ty)? };
                }
                acc
            };
            if agg.func == AggFunc::Sum {
                cast_value(total, &agg.ty)?
            } else {
                match (total, &agg.ty) {
                    (Value::Decimal(d), SqlType::Numeric) => Value::Decimal(numeric_div(&d, &BigDecimal::from(n))?),
                    (Value::Int(i), SqlType::Numeric) => {
                        Value::Decimal(numeric_div(&BigDecimal::from(i), &BigDecimal::from(n))?)
                    }
                    (Value::Float(f), _) => Value::Float(f / n as f64),
                    (Value::Interval(iv), _) => arithmetic(BinOp::Div, Value::Interval(iv), Value::Int(n), &agg.ty)?,
                    (other, ty) => cast_value(arithmetic(BinOp::Div, other, Value::Int(n), ty)?, ty)?,
                }
            }
        }
        AggFunc::Min | AggFunc::Max => {
            let mut best: Option<Value> = None;
            for v in vals {
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let o = sort_cmp(&v, &b);
                        if (agg.func == AggFunc::Min && o.is_lt()) || (agg.func == AggFunc::Max && o.is_gt()) {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            best.unwrap_or(Value::Null)
        }
        AggFunc::BoolAnd | AggFunc::BoolOr => {
            if vals.is_empty() {
                Value::Null
            } else {
                let bools = vals.iter().map(|v| matches!(v, Value::Bool(true)));
                Value::Bool(if agg.func == AggFunc::BoolAnd {
                    bools.into_iter().all(|b| b)
                } else {
                    bools.into_iter().any(|b| b)
                })
            }
        }
        AggFunc::StringAgg => {
            if vals.is_empty() {
                Value::Null
            } else {
                let sep = match sep {
                    Some(Value::Text(s)) => s,
                    _ => String::new(),
                };
                let parts: Vec<String> =
                    vals.iter().map(|v| crate::format::format_text(v, &SqlType::Text).unwrap_or_default()).collect();
                Value::Text(parts.join(&sep))
            }
        }
        AggFunc::ArrayAgg => {
            if vals.is_empty() {
                Value::Null
            } else {
                Value::Array(vals)
            }
        }
        AggFunc::Variance { sample, root } => {
            let xs: Vec<f64> = vals.iter().map(crate::mysql_sql::functions::num).collect();
            let n = xs.len() as f64;
            if xs.is_empty() || (sample && xs.len() < 2) {
                return Ok(Value::Null);
            }
            let mean = xs.iter().sum::<f64>() / n;
            let squares: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
            let v = squares / if sample { n - 1.0 } else { n };
            Value::Float(if root { v.sqrt() } else { v })
        }
        AggFunc::BitAnd | AggFunc::BitOr | AggFunc::BitXor => {
            let bits = vals.iter().map(crate::mysql_sql::functions::bits);
            let r = match agg.func {
                AggFunc::BitAnd => bits.fold(u64::MAX, |a, b| a & b),
                AggFunc::BitOr => bits.fold(0, |a, b| a | b),
                _ => bits.fold(0, |a, b| a ^ b),
            };
            Value::Decimal(BigDecimal::from(r))
        }
    })
}
