//! Streaming execution of pipeline plans: a query whose plan is one scan under filters
//! and projections (and reads no other table, subqueries included) produces its rows a
//! page at a time instead of all at once, so `SELECT * FROM big`, `COPY big TO STDOUT`
//! and a portal read with a fetch size keep server memory bounded by one page.
//!
//! [`RowStream`] holds the plan, the scan's [`ScanCursor`] and what the expressions need
//! (parameters, the statement's time, session values); each [`RowStream::next_batch`]
//! reads one page of the scan through the transaction it is given and runs the pipeline
//! over it with the ordinary executor. It holds no transaction itself: the session
//! decides which one each page is read through.

use super::{run, ExecCtx, ScanData, ScanRequest};
use crate::error::{sqlstate, SqlError};
use crate::plan::{Plan, ScanNode};
use orbit_storage::{Row, ScanCursor, Transaction, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Scan rows read per page.
pub const PAGE_ROWS: usize = 1024;

/// The one scan of `plan` when `plan` is a pipeline over it: scans, filters and
/// projections only, and no other scan anywhere (subqueries included).
pub fn pipeline_scan(plan: &Plan) -> Option<&ScanNode> {
    let mut node = plan;
    let scan = loop {
        match node {
            Plan::Scan(scan) if scan.function.is_none() && scan.vector.is_none() => break scan,
            Plan::Filter { input, .. } | Plan::Project { input, .. } => node = input,
            _ => return None,
        }
    };
    let mut scans = 0;
    plan.visit_scans(&mut |_| scans += 1);
    (scans == 1).then_some(scan)
}

/// A pipeline query in progress; see the module notes.
pub struct RowStream {
    plan: Arc<Plan>,
    scan_id: usize,
    cursor: ScanCursor,
    params: Vec<Value>,
    now: i64,
    session_info: HashMap<String, String>,
    /// Output rows produced so far.
    produced: u64,
}

impl RowStream {
    /// A stream over `plan`; `None` when it is not a pipeline (see [`pipeline_scan`]) or
    /// reads one row at most. Decided before anything is copied: every SELECT a listener
    /// could stream asks, point reads included.
    pub fn new(
        plan: &Arc<Plan>,
        params: &[Value],
        now: i64,
        session_info: impl FnOnce() -> HashMap<String, String>,
    ) -> Result<Option<RowStream>, SqlError> {
        let Some(scan) = pipeline_scan(plan) else { return Ok(None) };
        if ScanRequest::is_point(scan) {
            return Ok(None);
        }
        let scan_id = scan.id;
        // An unmeetable key has nothing to stream either.
        let ScanRequest::Range(order, options) = ScanRequest::of(scan, params, now)? else { return Ok(None) };
        let cursor = ScanCursor::new(scan.table.clone(), order, options);
        Ok(Some(RowStream {
            plan: plan.clone(),
            scan_id,
            cursor,
            params: params.to_vec(),
            now,
            session_info: session_info(),
            produced: 0,
        }))
    }

    /// Output rows produced so far.
    pub fn produced(&self) -> u64 {
        self.produced
    }

    pub fn is_done(&self) -> bool {
        self.cursor.is_done()
    }

    /// The next output rows (empty once the stream is done; a page whose scan rows the
    /// filters all reject is skipped, so a batch is empty only at the end). `cancel` is
    /// polled at every page and as rows flow, as in [`run`].
    pub async fn next_batch(
        &mut self,
        tx: &mut dyn Transaction,
        cancel: &Arc<AtomicBool>,
    ) -> Result<Vec<Row>, SqlError> {
        loop {
            if self.cursor.is_done() {
                return Ok(Vec::new());
            }
            if cancel.load(Ordering::Relaxed) {
                return Err(SqlError::new(sqlstate::QUERY_CANCELED, "canceling statement due to user request"));
            }
            let scanned = self.cursor.next_page(tx, PAGE_ROWS).await?;
            let mut data = ScanData::new();
            data.insert(self.scan_id, scanned);
            let ctx = ExecCtx::new(self.params.clone(), data, self.now, cancel.clone(), self.session_info.clone());
            let rows = run(&ctx, &self.plan, &[])?;
            if rows.is_empty() {
                continue; // the filters rejected the whole page
            }
            self.produced += rows.len() as u64;
            return Ok(rows);
        }
    }
}
