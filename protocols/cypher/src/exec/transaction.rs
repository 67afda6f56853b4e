//! [`GraphTransaction`]: one Cypher transaction over one [`GraphTxn`], shared by the
//! streams of the queries it runs (Bolt may keep several open at once). As in Neo4j, a
//! query that fails at runtime fails its transaction: it runs nothing more, and a commit
//! rolls it back and says so.

use super::vector_index::Touched;
use super::{DatabaseKind, Shared};
use crate::engine::{CypherTransaction, QueryStream, TxOptions};
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::{DateTime, Map};
use async_trait::async_trait;
use orbit_graph::{Graph, GraphTxn};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::Mutex;

static COMMITS: AtomicU64 = AtomicU64::new(0);

pub(crate) type SharedTxn = Arc<Mutex<Option<GraphTxn>>>;

pub struct GraphTransaction {
    pub(crate) shared: Arc<Shared>,
    pub(crate) database: DatabaseKind,
    /// The graph the transaction reads: the Cypher graph, or a knowledge graph's.
    pub(crate) graph: Arc<Graph>,
    /// The knowledge graph's name on a `graphrag.<kg>` database.
    pub(crate) knowledge_graph: Option<String>,
    pub(crate) txn: SharedTxn,
    pub(crate) options: TxOptions,
    /// When the transaction began: the clock of `datetime.transaction()` and friends.
    pub(crate) started: DateTime,
    /// A query of this transaction failed at runtime.
    pub(crate) failed: Arc<AtomicBool>,
    /// The nodes it wrote, for the vector indexes to take after the commit.
    pub(crate) touched: Touched,
}

impl GraphTransaction {
    pub(crate) fn new(
        shared: Arc<Shared>,
        database: DatabaseKind,
        graph: Arc<Graph>,
        txn: GraphTxn,
        options: TxOptions,
    ) -> Self {
        GraphTransaction {
            shared,
            database,
            graph,
            knowledge_graph: None,
            txn: Arc::new(Mutex::new(Some(txn))),
            options,
            started: crate::functions::temporal::realtime(),
            failed: Arc::new(AtomicBool::new(false)),
            touched: Touched::default(),
        }
    }

    pub(crate) fn of_knowledge_graph(mut self, kg: String) -> Self {
        self.knowledge_graph = Some(kg);
        self
    }

    async fn take(&self) -> CypherResult<GraphTxn> {
        self.txn
            .lock()
            .await
            .take()
            .ok_or_else(|| CypherError::new(ErrorKind::Transaction, "The transaction has been closed."))
    }
}

fn failed() -> CypherError {
    CypherError::new(
        ErrorKind::Transaction,
        "The transaction has been terminated: a query in it failed. Roll it back and retry.",
    )
}

#[async_trait]
impl CypherTransaction for GraphTransaction {
    async fn run(&mut self, query: &str, parameters: Map) -> CypherResult<Box<dyn QueryStream>> {
        if self.failed.load(Ordering::Relaxed) {
            return Err(failed());
        }
        super::statement::run(self, query, parameters).await
    }

    async fn commit(self: Box<Self>) -> CypherResult<String> {
        let txn = self.take().await?;
        if self.failed.load(Ordering::Relaxed) {
            txn.rollback().await?;
            return Err(CypherError::new(
                ErrorKind::Transaction,
                "The transaction was rolled back: a query in it failed, so it cannot be committed.",
            ));
        }
        txn.commit().await?;
        let touched = std::mem::take(&mut *self.touched.lock());
        self.shared.vectors.refresh(&touched).await;
        let n = COMMITS.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(format!("orbit:{n}"))
    }

    async fn rollback(self: Box<Self>) -> CypherResult<()> {
        let txn = self.take().await?;
        txn.rollback().await?;
        Ok(())
    }
}
