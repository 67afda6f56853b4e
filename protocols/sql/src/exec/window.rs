//! Window functions: rows are split into partitions, each sorted by the window's
//! ORDER BY; ranking functions (row_number, rank, dense_rank, ntile), offsets (lag, lead,
//! first_value, last_value) and aggregates over frames (default: the partition up to the
//! current row's last peer when ordered, the whole partition otherwise).

use super::aggregate::finish;
use super::compare_keys;
use crate::error::{sqlstate, SqlError};
use crate::expr::compare::{row_key, HashKey};
use crate::expr::eval::Env;
use crate::plan::{AggFunc, FrameBound, WindowCall};
use orbit_storage::{Row, Value};
use std::collections::HashMap;

pub fn window(env: &Env<'_>, mut rows: Vec<Row>, calls: &[WindowCall]) -> Result<Vec<Row>, SqlError> {
    let mut results: Vec<Vec<Value>> = Vec::with_capacity(calls.len());
    for call in calls {
        let mut partitions: Vec<Vec<usize>> = Vec::new();
        let mut index: HashMap<Vec<HashKey>, usize> = HashMap::new();
        let mut order_keys: Vec<Vec<Value>> = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            env.ctx.check_cancel()?;
            let mut pk = Vec::with_capacity(call.partition.len());
            for e in &call.partition {
                pk.push(env.eval(e, row)?);
            }
            let k = row_key(&pk);
            let p = *index.entry(k).or_insert_with(|| {
                partitions.push(Vec::new());
                partitions.len() - 1
            });
            partitions[p].push(i);
            let mut ok = Vec::with_capacity(call.order.len());
            for key in &call.order {
                ok.push(env.eval(&key.expr, row)?);
            }
            order_keys.push(ok);
        }
        let mut out = vec![Value::Null; rows.len()];
        for mut part in partitions {
            part.sort_by(|a, b| compare_keys(&call.order, &order_keys[*a], &order_keys[*b]));
            let n = part.len();
            // Peer groups: rows with equal ORDER BY values.
            let mut peer_end = vec![0usize; n];
            let mut peer_start = vec![0usize; n];
            let mut start = 0;
            for i in 0..n {
                if i > 0 && compare_keys(&call.order, &order_keys[part[i - 1]], &order_keys[part[i]]).is_ne() {
                    start = i;
                }
                peer_start[i] = start;
            }
            let mut end = n - 1;
            for i in (0..n).rev() {
                if i + 1 < n && compare_keys(&call.order, &order_keys[part[i]], &order_keys[part[i + 1]]).is_ne() {
                    end = i;
                }
                peer_end[i] = end;
            }
            let arg = |i: usize, k: usize| -> Result<Value, SqlError> {
                match call.args.get(k) {
                    Some(e) => env.eval(e, &rows[part[i]]),
                    None => Ok(Value::Null),
                }
            };
            let mut dense = 0i64;
            for i in 0..n {
                if peer_start[i] == i {
                    dense += 1;
                }
                let v = match call.func.as_str() {
                    "row_number" => Value::Int(i as i64 + 1),
                    "rank" => Value::Int(peer_start[i] as i64 + 1),
                    "dense_rank" => Value::Int(dense),
                    "percent_rank" => Value::Float(if n > 1 { peer_start[i] as f64 / (n - 1) as f64 } else { 0.0 }),
                    "cume_dist" => Value::Float((peer_end[i] + 1) as f64 / n as f64),
                    "ntile" => {
                        let buckets = match arg(i, 0)? {
                            Value::Int(b) if b > 0 => b as usize,
                            _ => return Err(SqlError::new("22014", "argument of ntile must be greater than zero")),
                        };
                        let size = n / buckets;
                        let extra = n % buckets;
                        let big = extra * (size + 1);
                        Value::Int(if i < big { i / (size + 1) } else { extra + (i - big) / size.max(1) } as i64 + 1)
                    }
                    "lag" | "lead" => {
                        let off = match arg(i, 1)? {
                            Value::Int(o) => o,
                            Value::Null if call.args.len() > 1 => {
                                out[part[i]] = Value::Null;
                                continue;
                            }
                            _ => 1,
                        };
                        let target = if call.func == "lag" {
                            (i as i64).saturating_sub(off)
                        } else {
                            (i as i64).saturating_add(off)
                        };
                        if target >= 0 && (target as usize) < n {
                            arg(target as usize, 0)?
                        } else {
                            arg(i, 2)?
                        }
                    }
                    _ => {
                        let (lo, hi) = frame(call, i, n, &peer_end);
                        match call.func.as_str() {
                            "first_value" => {
                                if lo <= hi {
                                    arg(lo, 0)?
                                } else {
                                    Value::Null
                                }
                            }
                            "last_value" => {
                                if lo <= hi {
                                    arg(hi, 0)?
                                } else {
                                    Value::Null
                                }
                            }
                            _ => {
                                let Some(agg) = &call.agg else {
                                    return Err(SqlError::new(
                                        sqlstate::UNDEFINED_FUNCTION,
                                        format!("function {} is not a window function", call.func),
                                    ));
                                };
                                let mut vals = Vec::new();
                                let mut count = 0i64;
                                if lo <= hi {
                                    for j in lo..=hi {
                                        count += 1;
                                        if agg.func != AggFunc::CountStar {
                                            let v = arg(j, 0)?;
                                            if !v.is_null() {
                                                vals.push(v);
                                            }
                                        }
                                    }
                                }
                                finish(agg, vals, count, None)?
                            }
                        }
                    }
                };
                out[part[i]] = v;
            }
        }
        results.push(out);
    }
    for (i, row) in rows.iter_mut().enumerate() {
        for r in &results {
            row.push(r[i].clone());
        }
    }
    Ok(rows)
}

/// The frame of row `i` as inclusive positions in the sorted partition (lo > hi: empty).
fn frame(call: &WindowCall, i: usize, n: usize, peer_end: &[usize]) -> (usize, usize) {
    let pos = |b: FrameBound, is_start: bool| -> i64 {
        match b {
            FrameBound::Unbounded => {
                if is_start {
                    0
                } else {
                    n as i64 - 1
                }
            }
            FrameBound::Offset(o) => (i as i64).saturating_add(o),
            FrameBound::CurrentPeers => {
                if is_start {
                    i as i64
                } else {
                    peer_end[i] as i64
                }
            }
        }
    };
    let lo = pos(call.frame.0, true).max(0);
    let hi = pos(call.frame.1, false).min(n as i64 - 1);
    if lo > hi {
        (1, 0)
    } else {
        (lo as usize, hi as usize)
    }
}
