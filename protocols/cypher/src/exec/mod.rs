//! The executor: [`GraphEngine`], the real [`CypherEngine`] over the property-graph model
//! (`orbit-graph`), the transactions it opens and the streams their queries return.
//!
//! A statement is parsed and checked, then planned clause by clause into a pipeline of
//! pull-based operators ([`ops`]) that read the graph through the transaction's one
//! [`orbit_graph::GraphTxn`]: label scans page through the label index, an expansion
//! reads one node's adjacency, an equality or range on an indexed label and property is
//! an index lookup ([`pattern`]). Read-only queries stream one row per
//! [`crate::engine::QueryStream::next`]; updating queries run to their end when they are
//! started, as Neo4j's updates see the effects of the clauses before them.
//!
//! Value semantics are not the executor's own: equality, order, grouping, arithmetic and
//! the property storage form come from [`crate::value`], scalar functions from
//! [`crate::functions`] (the executor answers only those that read the graph,
//! [`functions`]), aggregates from [`crate::aggregate`].

mod auth;
mod context;
mod eval;
mod functions;
mod graphrag;
mod kg_database;
mod ops;
mod paths;
mod pattern;
mod pattern_plan;
#[cfg(test)]
mod phase_tests;
mod plan;
mod procedures;
mod project;
mod schema;
mod statement;
mod stream;
mod subquery;
#[cfg(test)]
mod tests;
mod transaction;
mod update;
#[cfg(test)]
mod value_tests;
mod vector_index;

pub use auth::UserStore;

use crate::engine::{CypherEngine, CypherTransaction, TxOptions};
use crate::error::{CypherError, CypherResult, ErrorKind};
use async_trait::async_trait;
use orbit_graph::Graph;
use orbit_graphrag::GraphRag;
use orbit_storage::TableStorage;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How the server configures the engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Configured users, name to password; empty means the single user `neo4j` with the
    /// password `password`.
    pub users: BTreeMap<String, String>,
    pub auth_enabled: bool,
    /// The one user database's name.
    pub database: String,
    /// Registers the TCK's `orbit.tck.*` procedures.
    pub test_procedures: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { users: BTreeMap::new(), auth_enabled: true, database: "neo4j".into(), test_procedures: false }
    }
}

/// The Cypher engine of one server: one graph, its users, its test procedures.
pub struct GraphEngine {
    shared: Arc<Shared>,
}

/// What every transaction of one engine shares.
pub(crate) struct Shared {
    pub(crate) graph: Arc<Graph>,
    pub(crate) users: UserStore,
    pub(crate) options: EngineOptions,
    /// The TCK's test procedures, by lower-case name.
    pub(crate) procedures: parking_lot::Mutex<BTreeMap<String, procedures::TestProcedure>>,
    /// The GraphRAG engine the `graphrag.*` procedures call; None when GraphRAG is
    /// disabled on this server.
    pub(crate) graphrag: Option<Arc<GraphRag>>,
    /// The vector indexes on the graph's nodes.
    pub(crate) vectors: vector_index::VectorIndexes,
    /// The knowledge graphs' graphs opened for `graphrag.<kg>` sessions.
    pub(crate) kg_graphs: kg_database::KgGraphs,
}

/// Which database a transaction runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DatabaseKind {
    User,
    System,
    /// A knowledge graph of the GraphRAG engine, read-only ([`kg_database`]).
    Knowledge,
}

impl GraphEngine {
    /// The engine over the Cypher storage, without GraphRAG (its procedures answer that
    /// GraphRAG is disabled).
    pub async fn open(storage: Arc<dyn TableStorage>, options: EngineOptions) -> CypherResult<Arc<GraphEngine>> {
        GraphEngine::open_with_graphrag(storage, None, options).await
    }

    /// The engine over the Cypher storage with the GraphRAG engine of `graphrag_storage`
    /// (the one every protocol of the server shares, [`GraphRag::attach`]).
    pub async fn open_with_graphrag(
        storage: Arc<dyn TableStorage>,
        graphrag_storage: Option<Arc<dyn TableStorage>>,
        options: EngineOptions,
    ) -> CypherResult<Arc<GraphEngine>> {
        let graph = Graph::open(storage.clone()).await?;
        let users = UserStore::open(storage.clone(), &options.users).await?;
        let vectors = vector_index::VectorIndexes::open(storage, graph.clone()).await?;
        let graphrag =
            match graphrag_storage {
                Some(s) => Some(GraphRag::attach(s).await.map_err(|e| {
                    CypherError::new(ErrorKind::Database, format!("cannot open the GraphRAG engine: {e}"))
                })?),
                None => None,
            };
        let shared = Shared {
            graph,
            users,
            options,
            procedures: Default::default(),
            graphrag,
            vectors,
            kg_graphs: Default::default(),
        };
        Ok(Arc::new(GraphEngine { shared: Arc::new(shared) }))
    }

    pub fn graph(&self) -> &Arc<Graph> {
        &self.shared.graph
    }
}

impl Shared {
    fn database_kind(&self, name: Option<&str>) -> CypherResult<DatabaseKind> {
        match name {
            None => Ok(DatabaseKind::User),
            Some(n) if n.is_empty() || n.eq_ignore_ascii_case(&self.options.database) => Ok(DatabaseKind::User),
            Some(n) if n.eq_ignore_ascii_case("system") => Ok(DatabaseKind::System),
            Some(n) => Err(CypherError::new(
                ErrorKind::DatabaseNotFound,
                format!("Database does not exist. Database name: '{n}'."),
            )),
        }
    }
}

#[async_trait]
impl CypherEngine for GraphEngine {
    async fn authenticate(&self, user: &str, password: &str) -> bool {
        self.shared.users.verify(user, password).await
    }

    fn auth_required(&self) -> bool {
        self.shared.options.auth_enabled
    }

    fn default_database(&self) -> &str {
        &self.shared.options.database
    }

    async fn begin(&self, options: TxOptions) -> CypherResult<Box<dyn CypherTransaction>> {
        let database = options.database.clone().unwrap_or_default();
        if let Some(kg) = kg_database::requested(&database) {
            let (kg, graph) = kg_database::open(&self.shared, &database, kg).await?;
            let txn = graph.begin().await?;
            let tx =
                transaction::GraphTransaction::new(self.shared.clone(), DatabaseKind::Knowledge, graph, txn, options);
            return Ok(Box::new(tx.of_knowledge_graph(kg)));
        }
        let kind = self.shared.database_kind(options.database.as_deref())?;
        let graph = self.shared.graph.clone();
        let txn = graph.begin().await?;
        Ok(Box::new(transaction::GraphTransaction::new(self.shared.clone(), kind, graph, txn, options)))
    }
}
