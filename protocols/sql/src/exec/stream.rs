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
            Plan::Scan(scan) => break scan,
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
    /// A stream over `plan`; `None` when it is not a pipeline (see [`pipeline_scan`]).
    pub fn new(
        plan: Arc<Plan>,
        params: Vec<Value>,
        now: i64,
        session_info: HashMap<String, String>,
    ) -> Result<Option<RowStream>, SqlError> {
        let Some(scan) = pipeline_scan(&plan) else { return Ok(None) };
        let scan_id = scan.id;
        // A point read (one row at most) or an unmeetable key has nothing to stream.
        let ScanRequest::Range(order, options) = ScanRequest::of(scan, &params, now)? else { return Ok(None) };
        let cursor = ScanCursor::new(scan.table.clone(), order, options);
        Ok(Some(RowStream { plan, scan_id, cursor, params, now, session_info, produced: 0 }))
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
