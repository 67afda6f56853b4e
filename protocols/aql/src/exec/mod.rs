//! Runs AQL: binds parameters, plans (index use for `_key`, `_id`, `_from`/`_to` and
//! persistent-index equality/ranges/SORT), and executes pull-based, so a cursor over a
//! million documents reads storage a page at a time and never holds the whole result.
//!
//! A query runs in one storage transaction: the stream transaction it is given, or its
//! own. A query with data modifications runs to completion and commits its own
//! transaction before [`run_query`] returns (its results are then buffered, as
//! ArangoDB does); a read-only query streams and its transaction is dropped at the end.

use crate::error::{AqlError, AqlResult, Warning};
use crate::store::{DocStore, SharedTxn};
use crate::value::{Object, Value};
use std::sync::Arc;

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

/// Parses, binds and starts `request`. Errors of the query text (1501), binds
/// (1550-1553), unknown collections (1203) and functions (1540) come from here; runtime
/// errors may also come from [`ResultStream::next`].
pub async fn run_query(
    store: &Arc<DocStore>,
    request: QueryRequest,
    txn: Option<SharedTxn>,
) -> AqlResult<Box<dyn ResultStream>> {
    let _ = (store, request, txn);
    Err(AqlError::internal("AQL executor: not built yet"))
}

/// `POST /_api/explain`: the plan as `{plan: {nodes, rules, collections, variables,
/// estimatedCost, estimatedNrItems}, warnings, cacheable}` — minimal but truthful.
pub async fn explain(store: &Arc<DocStore>, request: QueryRequest) -> AqlResult<Value> {
    let _ = (store, request);
    Err(AqlError::internal("AQL explain: not built yet"))
}
