//! Runs AQL: binds parameters, plans (index use for `_key`, `_id`, `_from`/`_to` and
//! persistent-index equality/ranges/SORT), and executes pull-based, so a cursor over a
//! million documents reads storage a page at a time and never holds the whole result.
//!
//! A query runs in one storage transaction: the stream transaction it is given, or its
//! own. A query with data modifications runs to completion and commits its own
//! transaction before [`run_query`] returns (its results are then buffered, as
//! ArangoDB does); a read-only query streams and its transaction is dropped at the end.
//! A given stream transaction is locked once per storage call and never committed here.
//!
//! - [`compile`] turns the AST into a [`plan`] (scopes, binds, collections, functions)
//!   and [`access`] picks each collection loop's index; [`explain`] describes the plan.
//! - [`pipeline`] builds one pull-based node per operation: [`collection`] loops,
//!   [`grouping`] (SORT, COLLECT) and [`window`], [`modify`] (INSERT/UPDATE/REPLACE/
//!   REMOVE/UPSERT), [`graph`] walks ([`traverse`], [`paths`]).
//! - [`eval`] evaluates expressions over a row ([`builtins`]: the functions that read
//!   documents or know the query); [`context`] is what a running query carries.
//! - [`graphrag`] runs the GRAPHRAG_* functions on the GraphRAG engine; [`vector_plan`]
//!   places APPROX_NEAR_* searches on vector indexes.
//! - [`examples_tests`] runs ArangoDB's recorded documentation examples; `tests` the
//!   unit tests.

mod access;
mod builtins;
mod collection;
mod compile;
mod context;
mod eval;
mod explain;
mod graph;
mod graphrag;
mod grouping;
mod modify;
mod paths;
mod pipeline;
mod plan;
mod projection;
mod traverse;
mod vector_plan;
mod window;

#[cfg(test)]
mod examples_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_graphrag;
#[cfg(test)]
mod tests_projection;
#[cfg(test)]
mod tests_vector;

use crate::error::{num, AqlError, AqlResult, Warning};
use crate::store::{DocStore, SharedTxn, TxnOptions};
use crate::value::{Object, Value};
use context::Ctx;
use pipeline::Returning;
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    /// Count the rows the last top-level LIMIT skipped past (`extra.stats.fullCount`).
    pub full_count: bool,
    /// Seconds; 0 or None is no limit (1500 "query killed" when passed).
    pub max_runtime: Option<f64>,
    pub fail_on_warning: bool,
    /// At most this many warnings are kept (default 10).
    pub max_warning_count: Option<usize>,
    pub profile: bool,
}

#[derive(Debug, Clone)]
pub struct QueryRequest {
    pub database: String,
    pub query: String,
    pub bind_vars: Object,
    pub options: QueryOptions,
}

/// `extra.stats` of a cursor, as far as the query has run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryStats {
    pub writes_executed: u64,
    pub writes_ignored: u64,
    pub scanned_full: u64,
    pub scanned_index: u64,
    pub filtered: u64,
    pub full_count: Option<u64>,
    pub execution_time: f64,
    pub peak_memory_usage: u64,
}

/// The rows of a running query.
#[async_trait::async_trait]
pub trait ResultStream: Send {
    /// The next row, or None when the query is done.
    async fn next(&mut self) -> AqlResult<Option<Value>>;
    fn stats(&self) -> QueryStats;
    fn warnings(&self) -> Vec<Warning>;
    /// Whether the query modified data (then it ran to completion already).
    fn modified(&self) -> bool;
}

/// A compiled query with the collections it names and the variables it declares.
struct Compiled {
    plan: Arc<plan::Plan>,
    warnings: Vec<Warning>,
    collections: BTreeSet<String>,
    written: BTreeSet<String>,
    variables: Vec<(String, plan::Slot)>,
}

/// Parses and compiles `request`, fetching the catalog entries of the collections the
/// query names (1203 for one that does not exist).
async fn prepare(store: &Arc<DocStore>, request: &QueryRequest) -> AqlResult<Compiled> {
    if request.query.trim().is_empty() {
        return Err(AqlError::new(num::QUERY_EMPTY, "query is empty"));
    }
    let query = crate::syntax::parse(&request.query)?;
    let mut catalog = compile::Catalog::default();
    loop {
        let mut c = compile::Compiler::new(&catalog, &request.bind_vars);
        let plan = c.compile(&query, request.options.full_count)?;
        if c.missing.is_empty() {
            if let Some(name) = c.operands.first() {
                return Err(AqlError::new(
                    num::QUERY_COLLECTION_USED_IN_EXPRESSION,
                    format!("collection '{name}' used as expression operand"),
                ));
            }
            return Ok(Compiled {
                plan: Arc::new(plan),
                warnings: std::mem::take(&mut c.warnings),
                collections: c.collections,
                written: c.written,
                variables: c.variables,
            });
        }
        for name in std::mem::take(&mut c.missing) {
            let info = store.collection(&request.database, &name).await.map_err(|e| {
                if e.num == num::DATA_SOURCE_NOT_FOUND {
                    AqlError::new(num::DATA_SOURCE_NOT_FOUND, format!("collection or view not found: {name}"))
                } else {
                    e
                }
            })?;
            let indexes = store.indexes(&request.database, &name).await?;
            catalog.collections.insert(name, (info, indexes));
        }
    }
}

/// Parses, binds and starts `request`. Errors of the query text (1501), binds
/// (1550-1553), unknown collections (1203) and functions (1540) come from here; runtime
/// errors may also come from [`ResultStream::next`].
pub async fn run_query(
    store: &Arc<DocStore>,
    request: QueryRequest,
    txn: Option<SharedTxn>,
) -> AqlResult<Box<dyn ResultStream>> {
    let compiled = prepare(store, &request).await?;
    let (txn, own) = match txn {
        Some(t) => (t, false),
        None => {
            let t = store.begin(&request.database, TxnOptions::default()).await?;
            (Arc::new(tokio::sync::Mutex::new(t)), true)
        }
    };
    let mut ctx = Ctx::new(store.clone(), request.database.clone(), txn);
    if let Some(secs) = request.options.max_runtime.filter(|s| *s > 0.0 && s.is_finite()) {
        ctx.deadline = Instant::now().checked_add(Duration::from_secs_f64(secs.min(1e9)));
    }
    ctx.fail_on_warning = request.options.fail_on_warning;
    ctx.written = Arc::new(compiled.written);
    for w in compiled.warnings {
        ctx.warn(w.code, w.message)?;
    }
    ctx.max_warnings = request.options.max_warning_count.unwrap_or(10);
    let plan = compiled.plan;
    let mut returning = Returning::new(plan.clone(), vec![Value::Null; plan.slots]);
    if !plan.modifies {
        return Ok(Box::new(Streaming {
            returning,
            ctx: Some(ctx),
            stats: QueryStats::default(),
            warnings: Vec::new(),
        }));
    }
    let mut rows = VecDeque::new();
    let mut failure = None;
    loop {
        match returning.next(&mut ctx).await {
            Ok(Some(v)) => rows.push_back(v),
            Ok(None) => break,
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(returning);
    let (txn, stats, warnings) = ctx.finish();
    if own {
        let txn = Arc::try_unwrap(txn).map_err(|_| AqlError::internal("query transaction still shared"))?.into_inner();
        match failure {
            Some(e) => {
                let _ = txn.rollback().await;
                return Err(e);
            }
            None => txn.commit().await?,
        }
    } else if let Some(e) = failure {
        return Err(e);
    }
    Ok(Box::new(Finished { rows, stats, warnings }))
}

/// A read query's rows, pulled from storage as the cursor asks for them.
struct Streaming {
    returning: Returning,
    ctx: Option<Ctx>,
    stats: QueryStats,
    warnings: Vec<Warning>,
}

#[async_trait::async_trait]
impl ResultStream for Streaming {
    async fn next(&mut self) -> AqlResult<Option<Value>> {
        let Some(ctx) = self.ctx.as_mut() else { return Ok(None) };
        match self.returning.next(ctx).await {
            Ok(Some(v)) => Ok(Some(v)),
            other => {
                if let Some(ctx) = self.ctx.take() {
                    let (_, stats, warnings) = ctx.finish();
                    self.stats = stats;
                    self.warnings = warnings;
                }
                other
            }
        }
    }
    fn stats(&self) -> QueryStats {
        match &self.ctx {
            Some(ctx) => {
                let mut s = ctx.stats.clone();
                s.execution_time = ctx.started.elapsed().as_secs_f64();
                s
            }
            None => self.stats.clone(),
        }
    }
    fn warnings(&self) -> Vec<Warning> {
        match &self.ctx {
            Some(ctx) => ctx.warnings(),
            None => self.warnings.clone(),
        }
    }
    fn modified(&self) -> bool {
        false
    }
}

/// A modification query's rows, buffered after it ran and committed.
struct Finished {
    rows: VecDeque<Value>,
    stats: QueryStats,
    warnings: Vec<Warning>,
}

#[async_trait::async_trait]
impl ResultStream for Finished {
    async fn next(&mut self) -> AqlResult<Option<Value>> {
        Ok(self.rows.pop_front())
    }
    fn stats(&self) -> QueryStats {
        self.stats.clone()
    }
    fn warnings(&self) -> Vec<Warning> {
        self.warnings.clone()
    }
    fn modified(&self) -> bool {
        true
    }
}

/// `POST /_api/explain`: the plan as `{plan: {nodes, rules, collections, variables,
/// estimatedCost, estimatedNrItems}, warnings, cacheable}` — minimal but truthful.
pub async fn explain(store: &Arc<DocStore>, request: QueryRequest) -> AqlResult<Value> {
    let compiled = prepare(store, &request).await?;
    Ok(explain::describe(&compiled.plan, &compiled.collections, &compiled.variables, &compiled.warnings))
}
