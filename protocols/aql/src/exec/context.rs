//! What a running query carries from operation to operation: the store, the database,
//! the transaction (locked once per storage call, so a stream transaction's other calls
//! interleave between pulls), warnings, statistics and the maxRuntime deadline.

use super::QueryStats;
use crate::error::{num, AqlError, AqlResult, Warning};
use crate::functions::FnContext;
use crate::store::{DocStore, DocTxn, SharedTxn};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Documents read from storage per page.
pub const PAGE: usize = 1000;

/// A named graph's edge collections and vertex collections.
#[derive(Debug, Clone, Default)]
pub struct GraphDef {
    pub edge_collections: Vec<String>,
}

pub struct Ctx {
    pub store: Arc<DocStore>,
    pub db: String,
    pub txn: SharedTxn,
    pub fns: FnContext,
    pub stats: QueryStats,
    pub started: Instant,
    pub deadline: Option<Instant>,
    pub max_warnings: usize,
    pub fail_on_warning: bool,
    pub graphs: HashMap<String, Arc<GraphDef>>,
    /// The collections the query writes: loops over them read their keys first.
    pub written: Arc<std::collections::BTreeSet<String>>,
    /// Results of independent subqueries of a read-only query, by plan.
    pub subqueries: HashMap<usize, Arc<Vec<crate::value::Value>>>,
    kept: Vec<Warning>,
}

impl Ctx {
    pub fn new(store: Arc<DocStore>, db: String, txn: SharedTxn) -> Ctx {
        Ctx {
            store,
            db,
            txn,
            fns: FnContext::default(),
            stats: QueryStats::default(),
            started: Instant::now(),
            deadline: None,
            max_warnings: 10,
            fail_on_warning: false,
            graphs: HashMap::new(),
            written: Arc::default(),
            subqueries: HashMap::new(),
            kept: Vec::new(),
        }
    }

    pub async fn txn(&self) -> tokio::sync::MutexGuard<'_, DocTxn> {
        self.txn.lock().await
    }

    /// 1500 once maxRuntime has passed.
    pub fn check_time(&self) -> AqlResult<()> {
        match self.deadline {
            Some(d) if Instant::now() >= d => Err(AqlError::new(num::QUERY_KILLED, "query killed")),
            _ => Ok(()),
        }
    }

    /// Moves the function library's warnings into the query's (failOnWarning turns the
    /// first into the query's error).
    pub fn take_warnings(&mut self) -> AqlResult<()> {
        if self.fns.warnings.is_empty() {
            return Ok(());
        }
        for w in self.fns.warnings.drain(..) {
            if self.fail_on_warning {
                return Err(AqlError::new(w.code, w.message));
            }
            if self.kept.len() < self.max_warnings {
                self.kept.push(w);
            }
        }
        Ok(())
    }

    pub fn warn(&mut self, code: u32, message: impl Into<String>) -> AqlResult<()> {
        self.fns.warn(code, message);
        self.take_warnings()
    }

    pub fn warnings(&self) -> Vec<Warning> {
        self.kept.clone()
    }
}

impl Ctx {
    /// The transaction, statistics and warnings once the query is done.
    pub fn finish(self) -> (SharedTxn, QueryStats, Vec<Warning>) {
        let mut stats = self.stats;
        stats.execution_time = self.started.elapsed().as_secs_f64();
        (self.txn, stats, self.kept)
    }
}
