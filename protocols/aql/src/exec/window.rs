//! WINDOW: aggregates over neighbouring rows. Row-based (`WINDOW {preceding: n,
//! following: m}`, "unbounded" allowed) keeps the input order; range-based (`WINDOW
//! value WITH {...}`) orders rows by the value (stably) and takes the rows whose value is
//! within `[v - preceding, v + following]`, where the bounds may be ISO 8601 durations
//! (milliseconds, for timestamps).

use super::context::Ctx;
use super::eval::{eval, set};
use super::grouping::new_aggregate;
use super::plan::*;
use crate::error::{num, AqlError, AqlResult};
use crate::value::{cast, compare::compare, Value};

#[derive(Debug, Clone, Copy)]
enum Extent {
    Unbounded,
    Amount(f64),
}

fn bad(what: &str) -> AqlError {
    AqlError::new(num::BAD_PARAMETER, format!("invalid WINDOW bound: {what}"))
}

/// An ISO 8601 duration (`P1DT2H30M`, `PT0.5S`, `P2W`) in milliseconds; years and
/// months have no fixed length and are refused.
fn duration_ms(s: &str) -> AqlResult<f64> {
    let rest = s.strip_prefix('P').ok_or_else(|| bad(s))?;
    let (mut total, mut in_time, mut number) = (0.0f64, false, String::new());
    for ch in rest.chars() {
        match ch {
            'T' if number.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if ch == ',' { '.' } else { ch }),
            unit => {
                let n: f64 = number.parse().map_err(|_| bad(s))?;
                number.clear();
                let ms = match (unit, in_time) {
                    ('W', false) => 7.0 * 86_400_000.0,
                    ('D', false) => 86_400_000.0,
                    ('H', true) => 3_600_000.0,
                    ('M', true) => 60_000.0,
                    ('S', true) => 1000.0,
                    ('Y', false) | ('M', false) => {
                        return Err(AqlError::not_supported("WINDOW durations in years or months"))
                    }
                    _ => return Err(bad(s)),
                };
                total += n * ms;
            }
        }
    }
    if !number.is_empty() {
        return Err(bad(s));
    }
    Ok(total)
}

fn extent(bounds: &Value, name: &str, range: bool) -> AqlResult<Extent> {
    match bounds.get(name) {
        None | Some(Value::Null) => Ok(Extent::Amount(0.0)),
        Some(Value::String(s)) if s == "unbounded" => Ok(Extent::Unbounded),
        Some(Value::String(s)) if range && s.starts_with('P') => Ok(Extent::Amount(duration_ms(s)?)),
        Some(v @ (Value::Int(_) | Value::Double(_) | Value::String(_))) => {
            let n = cast::to_f64(v);
            if n < 0.0 {
                return Err(bad(name));
            }
            Ok(Extent::Amount(if range { n } else { n.trunc() }))
        }
        Some(_) => Err(bad(name)),
    }
}

/// Running aggregates of one frame.
type Aggregates = Vec<Box<dyn crate::functions::Aggregate>>;

pub async fn window(rows: Vec<Row>, w: &WindowPlan, ctx: &mut Ctx) -> AqlResult<Vec<Row>> {
    let mut empty = Vec::new();
    let bounds = eval(&w.bounds, &mut empty, ctx).await?;
    if !matches!(bounds, Value::Object(_)) {
        return Err(bad("the bounds must be an object"));
    }
    let range = w.range_value.is_some();
    let (pre, fol) = (extent(&bounds, "preceding", range)?, extent(&bounds, "following", range)?);
    let mut rows = rows;
    let mut values = Vec::with_capacity(rows.len());
    for row in rows.iter_mut() {
        let mut args = Vec::with_capacity(w.aggregates.len());
        for a in &w.aggregates {
            args.push(match &a.arg {
                Some(e) => eval(e, row, ctx).await?,
                None => Value::Null,
            });
        }
        let rv = match &w.range_value {
            Some(e) => eval(e, row, ctx).await?,
            None => Value::Null,
        };
        values.push((rv, args));
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    if range {
        order.sort_by(|a, b| match (values.get(*a), values.get(*b)) {
            (Some(x), Some(y)) => compare(&x.0, &y.0),
            _ => std::cmp::Ordering::Equal,
        });
    }
    let n = order.len();
    let keys: Vec<f64> = order.iter().map(|&i| values.get(i).map(|x| cast::to_f64(&x.0)).unwrap_or(0.0)).collect();
    let mut out = Vec::with_capacity(n);
    // The aggregates of the window [lo, hi] (positions in `order`) computed last: a
    // window that only grows to the right (unbounded preceding) adds just its new rows.
    let mut current: Option<(usize, usize, Aggregates)> = None;
    for (pos, &i) in order.iter().enumerate() {
        if pos.is_multiple_of(1024) {
            ctx.check_time()?;
        }
        let (lo, end) = if range {
            let v = keys.get(pos).copied().unwrap_or(0.0);
            let lo = match pre {
                Extent::Unbounded => 0,
                Extent::Amount(p) => keys.partition_point(|k| *k < v - p),
            };
            let end = match fol {
                Extent::Unbounded => n,
                Extent::Amount(f) => keys.partition_point(|k| *k <= v + f),
            };
            (lo, end)
        } else {
            let lo = match pre {
                Extent::Unbounded => 0,
                Extent::Amount(p) => pos.saturating_sub(p as usize),
            };
            let end = match fol {
                Extent::Unbounded => n,
                Extent::Amount(f) => pos.saturating_add(f as usize).saturating_add(1).min(n),
            };
            (lo, end)
        };
        let (from, mut aggs) = match current.take() {
            Some((clo, cend, aggs)) if clo == lo && cend <= end => (cend, aggs),
            _ => (lo, w.aggregates.iter().map(|a| new_aggregate(&a.function)).collect::<AqlResult<Vec<_>>>()?),
        };
        for j in order.get(from..end).unwrap_or(&[]) {
            if let Some((_, args)) = values.get(*j) {
                for (agg, v) in aggs.iter_mut().zip(args.iter()) {
                    agg.add(v, &mut ctx.fns);
                }
            }
        }
        ctx.take_warnings()?;
        let mut row = rows.get(i).cloned().unwrap_or_default();
        for (a, agg) in w.aggregates.iter().zip(aggs.iter()) {
            set(&mut row, a.slot, agg.finish());
        }
        out.push(row);
        current = Some((lo, end.max(from), aggs));
    }
    Ok(out)
}
