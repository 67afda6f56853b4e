//! The executor. Execution has two phases:
//!
//! 1. [`prefetch`] (async): every scan of the plan (subqueries included) reads its rows
//!    from the storage transaction through its access path — a primary-key point read,
//!    a key or index range, or a full scan;
//! 2. [`run`] (sync): the plan is evaluated over those rows in memory (hash joins,
//!    aggregation, sorting, set operations, correlated subqueries).
//!
//! Keeping the second phase synchronous keeps the interpreter simple and fast; the
//! cancel flag is polled as rows flow.

mod aggregate;
pub(crate) mod stream;
mod window;

use crate::error::{sqlstate, SqlError};
use crate::expr::cast::cast_value;
use crate::expr::compare::{compare, hash_key, row_key, sort_cmp, HashKey};
use crate::expr::eval::Env;
use crate::expr::functions::arithmetic;
use crate::expr::{BinOp, Expr};
use crate::plan::{JoinKind, Plan, ScanNode, SetOpKind};
use crate::table_functions::{Args, FunctionHost};
use orbit_storage::{Row, ScanOptions, ScanOrder, Transaction, Value};
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering as AtomicOrdering};
use std::sync::Arc;

/// The result of a subquery, with a hash set of its first column for IN.
pub struct SubResult {
    pub rows: Vec<Row>,
    pub keys: Option<HashSet<HashKey>>,
    pub has_null: bool,
}

impl SubResult {
    pub fn new(rows: Vec<Row>) -> Self {
        let has_null = rows.iter().any(|r| r.first().is_none_or(|v| v.is_null()));
        let keys = if rows.len() > 8 {
            Some(rows.iter().filter_map(|r| r.first()).filter(|v| !v.is_null()).map(hash_key).collect())
        } else {
            None
        };
        SubResult { rows, keys, has_null }
    }
}

/// Rows read by the prefetch phase, by scan id.
pub type ScanData = HashMap<usize, Vec<Row>>;

/// Everything a running statement shares.
pub struct ExecCtx {
    pub params: Vec<Value>,
    pub data: ScanData,
    pub now: i64,
    pub cancel: Arc<AtomicBool>,
    pub session_info: HashMap<String, String>,
    cache: Mutex<HashMap<usize, Arc<SubResult>>>,
    work_tables: Mutex<HashMap<usize, Arc<Vec<Row>>>>,
    ticks: AtomicU32,
}

impl ExecCtx {
    pub fn new(
        params: Vec<Value>,
        data: ScanData,
        now: i64,
        cancel: Arc<AtomicBool>,
        session_info: HashMap<String, String>,
    ) -> Self {
        ExecCtx {
            params,
            data,
            now,
            cancel,
            session_info,
            cache: Mutex::new(HashMap::new()),
            work_tables: Mutex::new(HashMap::new()),
            ticks: AtomicU32::new(0),
        }
    }
    pub fn cached(&self, id: usize) -> Option<Arc<SubResult>> {
        self.cache.lock().get(&id).cloned()
    }
    pub fn store(&self, id: usize, r: Arc<SubResult>) {
        self.cache.lock().insert(id, r);
    }
    pub fn info(&self, key: &str) -> Option<String> {
        self.session_info.get(key).cloned()
    }
    pub fn env(&self) -> Env<'_> {
        Env { ctx: self, outer: &[] }
    }
    /// Fails with 57014 when the statement was cancelled.
    pub fn check_cancel(&self) -> Result<(), SqlError> {
        let t = self.ticks.fetch_add(1, AtomicOrdering::Relaxed).wrapping_add(1);
        if t.is_multiple_of(1024) && self.cancel.load(AtomicOrdering::Relaxed) {
            return Err(SqlError::new(sqlstate::QUERY_CANCELED, "canceling statement due to user request"));
        }
        Ok(())
    }
}

fn eval_const(e: &Expr, params: &[Value], now: i64) -> Result<Value, SqlError> {
    let ctx = ExecCtx::new(params.to_vec(), HashMap::new(), now, Arc::new(AtomicBool::new(false)), HashMap::new());
    ctx.env().eval(e, &[])
}

/// Coerces an access-path value to the key column's type; `None` when it cannot be
/// represented exactly (then an equality matches nothing and a bound is dropped).
fn key_value(v: Value, ty: &crate::types::SqlType) -> Option<Value> {
    if v.is_null() {
        return None;
    }
    let c = cast_value(v.clone(), ty).ok()?;
    (compare(&c, &v) == Some(std::cmp::Ordering::Equal)).then_some(c)
}

fn key_value_loose(v: Value, ty: &crate::types::SqlType) -> Option<Value> {
    if v.is_null() {
        return None;
    }
    cast_value(v, ty).ok()
}

/// How a scan reads its rows from storage, its access path's values evaluated.
pub(crate) enum ScanRequest {
    /// An equality that no key value can meet.
    Nothing,
    /// A primary-key point read.
    Get(Vec<Value>),
    /// A range of the primary key or of an index.
    Range(ScanOrder, ScanOptions),
}

impl ScanRequest {
    /// Whether `scan`'s access path is a primary-key point read (or an unmeetable key),
    /// decided without evaluating its values.
    pub(crate) fn is_point(scan: &ScanNode) -> bool {
        let a = &scan.access;
        a.index.is_none() && !scan.pk.is_empty() && a.eq.len() == scan.pk.len()
    }

    pub(crate) fn of(scan: &ScanNode, params: &[Value], now: i64) -> Result<ScanRequest, SqlError> {
        let a = &scan.access;
        if a.is_full() {
            return Ok(ScanRequest::Range(ScanOrder::PrimaryKey, ScanOptions::all()));
        }
        let key_cols: Vec<usize> = match &a.index {
            Some(name) => scan.indexes.iter().find(|(n, _)| n == name).map(|(_, c)| c.clone()).unwrap_or_default(),
            None => scan.pk.clone(),
        };
        let ty_of = |i: usize| {
            scan.column_types.get(key_cols.get(i).copied().unwrap_or(0)).cloned().unwrap_or(crate::types::SqlType::Text)
        };
        let mut prefix = Vec::new();
        for (i, e) in a.eq.iter().enumerate() {
            match key_value(eval_const(e, params, now)?, &ty_of(i)) {
                Some(v) => prefix.push(v),
                None => return Ok(ScanRequest::Nothing),
            }
        }
        let next_ty = ty_of(a.eq.len());
        let lower = match &a.lower {
            Some(e) => key_value_loose(eval_const(e, params, now)?, &next_ty),
            None => None,
        };
        let upper = match &a.upper {
            Some(e) => key_value_loose(eval_const(e, params, now)?, &next_ty),
            None => None,
        };
        if Self::is_point(scan) {
            return Ok(ScanRequest::Get(prefix));
        }
        let bound = |extra: Option<Value>| -> Bound<Vec<Value>> {
            let mut k = prefix.clone();
            match extra {
                Some(v) => {
                    k.push(v);
                    Bound::Included(k)
                }
                None if k.is_empty() => Bound::Unbounded,
                None => Bound::Included(k),
            }
        };
        let options = ScanOptions::range(bound(lower), bound(upper));
        Ok(match &a.index {
            Some(index) => ScanRequest::Range(ScanOrder::Index(index.clone()), options),
            None => ScanRequest::Range(ScanOrder::PrimaryKey, options),
        })
    }
}

/// What the prefetch phase reaches beyond the transaction: the engine's table functions'
/// services and hnsw indexes, and the session's `hnsw.ef_search`.
pub struct Services<'a> {
    pub functions: &'a FunctionHost,
    pub vectors: &'a crate::vector::hnsw::VectorIndexes,
    pub storage: &'a Arc<dyn orbit_storage::TableStorage>,
    pub ef_search: usize,
}

/// An hnsw index scan: the rows of the keys the index answers, read through `tx`; a full
/// scan when the query vector or the LIMIT is NULL.
async fn vector_scan(
    tx: &mut dyn Transaction,
    scan: &ScanNode,
    v: &crate::vector::plan::VectorScan,
    params: &[Value],
    now: i64,
    services: &Services<'_>,
) -> Result<Vec<Row>, SqlError> {
    let query = crate::vector::hnsw::query_vector(eval_const(&v.query, params, now)?)?;
    let k = match eval_const(&v.k, params, now)? {
        Value::Int(k) => usize::try_from(k).ok(),
        _ => None,
    };
    if let (Some(query), Some(k)) = (query, k) {
        let k = if scan.filter.is_some() { k.max(services.ef_search) } else { k };
        let keys = services.vectors.search(services.storage, &scan.table, &v.index, &query, k, services.ef_search).await?;
        let mut rows = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(row) = tx.get(&scan.table, &key).await? {
                rows.push(row);
            }
        }
        return Ok(rows);
    }
    Ok(tx.scan(&scan.table, &ScanOptions::all()).await?)
}

/// The rows of a table function's call (its future is boxed by the function).
#[inline(never)]
fn function_scan<'a>(
    call: &crate::table_functions::FunctionCall,
    params: &[Value],
    now: i64,
    services: &'a Services<'_>,
) -> crate::table_functions::RowsFuture<'a> {
    let mut values = Vec::with_capacity(call.args.len());
    for e in &call.args {
        match eval_const(e, params, now) {
            Ok(v) => values.push(v),
            Err(e) => return Box::pin(std::future::ready(Err(e))),
        }
    }
    (call.function.call)(services.functions, Args::new(call, values))
}

async fn fetch_scan(
    tx: &mut dyn Transaction,
    scan: &ScanNode,
    params: &[Value],
    now: i64,
    services: &Services<'_>,
) -> Result<Vec<Row>, SqlError> {
    if let Some(call) = &scan.function {
        return function_scan(call, params, now, services).await;
    }
    if let Some(v) = &scan.vector {
        return Box::pin(vector_scan(tx, scan, v, params, now, services)).await; // boxed: keeps scans' futures small
    }
    Ok(match ScanRequest::of(scan, params, now)? {
        ScanRequest::Nothing => Vec::new(),
        ScanRequest::Get(key) => tx.get(&scan.table, &key).await?.into_iter().collect(),
        ScanRequest::Range(ScanOrder::PrimaryKey, options) => tx.scan(&scan.table, &options).await?,
        ScanRequest::Range(ScanOrder::Index(index), options) => tx.index_scan(&scan.table, &index, &options).await?,
    })
}

/// Reads the rows of every scan in `plan` (and in its subqueries); table functions'
/// scans call their function, hnsw index scans search their index (see [`Services`]).
pub async fn prefetch(
    tx: &mut dyn Transaction,
    plan: &Plan,
    params: &[Value],
    now: i64,
    services: &Services<'_>,
) -> Result<ScanData, SqlError> {
    let mut scans: Vec<&ScanNode> = Vec::new();
    plan.visit_scans(&mut |s| scans.push(s));
    let mut data = ScanData::new();
    let mut full: HashMap<String, Vec<Row>> = HashMap::new();
    for scan in scans {
        if data.contains_key(&scan.id) {
            continue;
        }
        let rows = if scan.access.is_full() {
            if let Some(rows) = full.get(&scan.table) {
                rows.clone()
            } else {
                let rows = fetch_scan(tx, scan, params, now, services).await?;
                full.insert(scan.table.clone(), rows.clone());
                rows
            }
        } else {
            fetch_scan(tx, scan, params, now, services).await?
        };
        data.insert(scan.id, rows);
    }
    Ok(data)
}

/// Evaluates `plan` over prefetched rows; `outer` holds the rows of enclosing queries.
pub fn run(ctx: &ExecCtx, plan: &Plan, outer: &[Vec<Value>]) -> Result<Vec<Row>, SqlError> {
    let env = Env { ctx, outer };
    match plan {
        Plan::Scan(scan) => {
            let rows = ctx.data.get(&scan.id).map(|r| r.as_slice()).unwrap_or(&[]);
            let mut out = Vec::new();
            for row in rows {
                ctx.check_cancel()?;
                if let Some(f) = &scan.filter {
                    if !env.test(f, row)? {
                        continue;
                    }
                }
                out.push(row.clone());
            }
            Ok(out)
        }
        Plan::Values { rows, .. } => {
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let mut vals = Vec::with_capacity(r.len());
                for e in r {
                    vals.push(env.eval(e, &[])?);
                }
                out.push(vals);
            }
            Ok(out)
        }
        Plan::Series { args, ty } => {
            let mut vals = Vec::with_capacity(3);
            for e in args {
                vals.push(env.eval(e, &[])?);
            }
            let step = vals.pop().unwrap_or(Value::Null);
            let stop = vals.pop().unwrap_or(Value::Null);
            let start = vals.pop().unwrap_or(Value::Null);
            let mut out = Vec::new();
            if matches!(start, Value::Null) || matches!(stop, Value::Null) || matches!(step, Value::Null) {
                return Ok(out);
            }
            // The step's direction: compare start + step with start.
            let dir = match arithmetic(BinOp::Add, start.clone(), step.clone(), ty) {
                Ok(next) => compare(&next, &start),
                Err(_) => compare(&step, &Value::Int(0)),
            };
            let dir = match dir {
                Some(std::cmp::Ordering::Equal) => {
                    return Err(SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, "step size cannot equal zero"))
                }
                Some(d) => d,
                None => return Ok(out),
            };
            let mut cur = start;
            loop {
                ctx.check_cancel()?;
                match compare(&cur, &stop) {
                    Some(o) if o == dir => break,
                    None => break,
                    _ => {}
                }
                // Overflow past the type's range ends the series, as in PostgreSQL.
                let next = arithmetic(BinOp::Add, cur.clone(), step.clone(), ty);
                out.push(vec![cur]);
                match next {
                    Ok(n) => cur = n,
                    Err(_) => break,
                }
            }
            Ok(out)
        }
        Plan::Filter { input, predicate } => {
            let rows = run(ctx, input, outer)?;
            let mut out = Vec::new();
            for row in rows {
                ctx.check_cancel()?;
                if env.test(predicate, &row)? {
                    out.push(row);
                }
            }
            Ok(out)
        }
        Plan::Project { input, exprs } => {
            let rows = run(ctx, input, outer)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                ctx.check_cancel()?;
                let mut vals = Vec::with_capacity(exprs.len());
                for e in exprs {
                    vals.push(env.eval(e, &row)?);
                }
                out.push(vals);
            }
            Ok(out)
        }
        Plan::Join { kind, left, right, left_keys, right_keys, condition, left_width, right_width } => {
            let l = run(ctx, left, outer)?;
            let r = run(ctx, right, outer)?;
            join(&env, *kind, l, r, left_keys, right_keys, condition.as_ref(), *left_width, *right_width)
        }
        Plan::Lateral { kind, left, right, condition, right_width, .. } => {
            let lefts = run(ctx, left, outer)?;
            let mut out = Vec::new();
            for l in lefts {
                ctx.check_cancel()?;
                let mut inner_outer = Vec::with_capacity(outer.len() + 1);
                inner_outer.push(l.clone());
                inner_outer.extend(outer.iter().cloned());
                let mut matched = false;
                for r in run(ctx, right, &inner_outer)? {
                    let mut joined = l.clone();
                    joined.extend(r);
                    if let Some(c) = condition {
                        if !env.test(c, &joined)? {
                            continue;
                        }
                    }
                    matched = true;
                    out.push(joined);
                }
                if !matched && *kind == JoinKind::Left {
                    let mut joined = l;
                    joined.extend(std::iter::repeat_n(Value::Null, *right_width));
                    out.push(joined);
                }
            }
            Ok(out)
        }
        Plan::Aggregate { input, group, aggs, always_one_row, rollup } => {
            let rows = run(ctx, input, outer)?;
            if *rollup {
                return aggregate::rollup(&env, rows, group, aggs);
            }
            aggregate::aggregate(&env, rows, group, aggs, *always_one_row)
        }
        Plan::Window { input, calls } => {
            let rows = run(ctx, input, outer)?;
            window::window(&env, rows, calls)
        }
        Plan::Sort { input, keys } => {
            let rows = run(ctx, input, outer)?;
            let mut keyed = Vec::with_capacity(rows.len());
            for row in rows {
                ctx.check_cancel()?;
                let mut k = Vec::with_capacity(keys.len());
                for key in keys {
                    k.push(env.eval(&key.expr, &row)?);
                }
                keyed.push((k, row));
            }
            keyed.sort_by(|(a, _), (b, _)| compare_keys(keys, a, b));
            Ok(keyed.into_iter().map(|(_, r)| r).collect())
        }
        Plan::Limit { input, limit, offset } => {
            let rows = run(ctx, input, outer)?;
            limit_rows(&env, rows, limit, offset)
        }
        Plan::Distinct { input } => {
            let rows = run(ctx, input, outer)?;
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for r in rows {
                ctx.check_cancel()?;
                if seen.insert(row_key(&r)) {
                    out.push(r);
                }
            }
            Ok(out)
        }
        Plan::DistinctOn { input, keys } => {
            let rows = run(ctx, input, outer)?;
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for row in rows {
                ctx.check_cancel()?;
                let mut k = Vec::with_capacity(keys.len());
                for e in keys {
                    k.push(env.eval(e, &row)?);
                }
                if seen.insert(row_key(&k)) {
                    out.push(row);
                }
            }
            Ok(out)
        }
        Plan::SetOp { op, all, left, right } => {
            let l = run(ctx, left, outer)?;
            let r = run(ctx, right, outer)?;
            Ok(set_op(*op, *all, l, r))
        }
        Plan::WorkTable { id, .. } => {
            Ok(ctx.work_tables.lock().get(id).map(|r| r.as_ref().clone()).unwrap_or_default())
        }
        Plan::RecursiveUnion { id, base, step, all } => {
            let mut result = run(ctx, base, outer)?;
            let mut seen: HashSet<Vec<HashKey>> = HashSet::new();
            if !all {
                result.retain(|r| seen.insert(row_key(r)));
            }
            let mut working = result.clone();
            let mut iterations = 0;
            while !working.is_empty() {
                iterations += 1;
                if iterations > 100_000 {
                    return Err(SqlError::new(sqlstate::INTERNAL_ERROR, "recursive query did not terminate"));
                }
                ctx.check_cancel()?;
                if ctx.cancel.load(AtomicOrdering::Relaxed) {
                    return Err(SqlError::new(sqlstate::QUERY_CANCELED, "canceling statement due to user request"));
                }
                ctx.work_tables.lock().insert(*id, Arc::new(std::mem::take(&mut working)));
                let mut next = run(ctx, step, outer)?;
                if !all {
                    next.retain(|r| seen.insert(row_key(r)));
                }
                result.extend(next.iter().cloned());
                working = next;
                if result.len() > 10_000_000 {
                    return Err(SqlError::new("54000", "recursive query produced too many rows"));
                }
            }
            Ok(result)
        }
    }
}

/// Compares two sort-key tuples under `keys` (direction and NULL placement).
pub(crate) fn compare_keys(keys: &[crate::plan::SortKey], a: &[Value], b: &[Value]) -> std::cmp::Ordering {
    for (i, key) in keys.iter().enumerate() {
        let (x, y) = (&a[i], &b[i]);
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => {
                if key.nulls_first {
                    std::cmp::Ordering::Less
                } else {
                    std::cmp::Ordering::Greater
                }
            }
            (false, true) => {
                if key.nulls_first {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Less
                }
            }
            _ => {
                let o = sort_cmp(x, y);
                if key.desc {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

fn limit_rows(
    env: &Env<'_>,
    rows: Vec<Row>,
    limit: &Option<Expr>,
    offset: &Option<Expr>,
) -> Result<Vec<Row>, SqlError> {
    let count = |e: &Option<Expr>, what: &str| -> Result<Option<usize>, SqlError> {
        match e {
            None => Ok(None),
            Some(e) => match cast_value(env.eval(e, &[])?, &crate::types::SqlType::Int8)? {
                Value::Null => Ok(None),
                Value::Int(n) if n < 0 => Err(SqlError::new("2201W", format!("{what} must not be negative"))),
                Value::Int(n) => Ok(Some(n as usize)),
                _ => Ok(None),
            },
        }
    };
    let off = count(offset, "OFFSET")?.unwrap_or(0);
    let lim = count(limit, "LIMIT")?;
    Ok(rows.into_iter().skip(off).take(lim.unwrap_or(usize::MAX)).collect())
}

#[allow(clippy::too_many_arguments)]
fn join(
    env: &Env<'_>,
    kind: JoinKind,
    left: Vec<Row>,
    right: Vec<Row>,
    left_keys: &[Expr],
    right_keys: &[Expr],
    condition: Option<&Expr>,
    left_width: usize,
    right_width: usize,
) -> Result<Vec<Row>, SqlError> {
    let mut out = Vec::new();
    let mut right_matched = vec![false; right.len()];
    let combine = |l: &Row, r: &Row| {
        let mut row = Vec::with_capacity(left_width + right_width);
        row.extend_from_slice(l);
        row.extend_from_slice(r);
        row
    };
    // Hash the right side on its keys (rows with a NULL key never match).
    let mut table: HashMap<Vec<HashKey>, Vec<usize>> = HashMap::new();
    if !left_keys.is_empty() {
        for (i, r) in right.iter().enumerate() {
            env.ctx.check_cancel()?;
            let mut k = Vec::with_capacity(right_keys.len());
            let mut null = false;
            for e in right_keys {
                let v = env.eval(e, r)?;
                null |= v.is_null();
                k.push(hash_key(&v));
            }
            if !null {
                table.entry(k).or_default().push(i);
            }
        }
    }
    let all_right: Vec<usize> = (0..right.len()).collect();
    for l in &left {
        env.ctx.check_cancel()?;
        let candidates: &[usize] = if left_keys.is_empty() {
            &all_right
        } else {
            let mut k = Vec::with_capacity(left_keys.len());
            let mut null = false;
            for e in left_keys {
                let v = env.eval(e, l)?;
                null |= v.is_null();
                k.push(hash_key(&v));
            }
            if null {
                &[]
            } else {
                table.get(&k).map(|v| v.as_slice()).unwrap_or(&[])
            }
        };
        let mut matched = false;
        for &ri in candidates {
            env.ctx.check_cancel()?;
            let row = combine(l, &right[ri]);
            if let Some(c) = condition {
                if !env.test(c, &row)? {
                    continue;
                }
            }
            matched = true;
            right_matched[ri] = true;
            out.push(row);
        }
        if !matched && matches!(kind, JoinKind::Left | JoinKind::Full) {
            out.push(combine(l, &vec![Value::Null; right_width]));
        }
    }
    if matches!(kind, JoinKind::Right | JoinKind::Full) {
        for (i, r) in right.iter().enumerate() {
            env.ctx.check_cancel()?;
            if !right_matched[i] {
                out.push(combine(&vec![Value::Null; left_width], r));
            }
        }
    }
    Ok(out)
}

fn set_op(op: SetOpKind, all: bool, left: Vec<Row>, right: Vec<Row>) -> Vec<Row> {
    match op {
        SetOpKind::Union => {
            let mut rows = left;
            rows.extend(right);
            if !all {
                let mut seen = HashSet::new();
                rows.retain(|r| seen.insert(row_key(r)));
            }
            rows
        }
        SetOpKind::Intersect | SetOpKind::Except => {
            let mut counts: HashMap<Vec<HashKey>, usize> = HashMap::new();
            for r in &right {
                *counts.entry(row_key(r)).or_default() += 1;
            }
            let mut out = Vec::new();
            let mut emitted: HashSet<Vec<HashKey>> = HashSet::new();
            for r in left {
                let k = row_key(&r);
                let in_right = counts.get(&k).copied().unwrap_or(0);
                if op == SetOpKind::Intersect {
                    if all {
                        if in_right > 0 {
                            counts.insert(k, in_right - 1);
                            out.push(r);
                        }
                    } else if in_right > 0 && emitted.insert(k) {
                        out.push(r);
                    }
                } else if all {
                    if in_right > 0 {
                        counts.insert(k, in_right - 1);
                    } else {
                        out.push(r);
                    }
                } else if in_right == 0 && emitted.insert(k) {
                    out.push(r);
                }
            }
            out
        }
    }
}
