//! The seam between a Cypher front end (the Bolt listener) and the engine: what a
//! connection asks of it, with no wire types on either side.
//!
//! Every query runs in a [`CypherTransaction`]: an explicit one (Bolt BEGIN ... COMMIT)
//! or one the listener opens for an auto-commit RUN and commits when the result has been
//! pulled or discarded to its end. [`CypherTransaction::run`] parses, checks and plans
//! the query (compile-time errors come back from it) and returns a [`QueryStream`] that
//! the listener pulls records from; runtime errors come back from
//! [`QueryStream::next`]. Several streams of one transaction may be open at once (Bolt
//! `qid`s); they share the transaction.

use crate::error::CypherResult;
use crate::value::{Map, Value};
use async_trait::async_trait;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessMode {
    #[default]
    Write,
    Read,
}

/// What a new transaction is for.
#[derive(Debug, Clone, Default)]
pub struct TxOptions {
    /// The database asked for (`db` in HELLO/BEGIN/RUN); None is the default database.
    pub database: Option<String>,
    pub mode: AccessMode,
    /// The authenticated user, for `SHOW CURRENT USER` and password changes.
    pub user: Option<String>,
    /// `tx_metadata` from the driver, as given.
    pub metadata: Map,
    /// `tx_timeout` in milliseconds, if any.
    pub timeout_ms: Option<i64>,
}

#[async_trait]
pub trait CypherEngine: Send + Sync + 'static {
    /// True when `user` may log in with `password`.
    async fn authenticate(&self, user: &str, password: &str) -> bool;

    /// Whether authentication is required at all (a setting turns it off).
    fn auth_required(&self) -> bool;

    /// The default database's name (what SUCCESS `db` says).
    fn default_database(&self) -> &str;

    /// Opens a transaction; DatabaseNotFound for a database this server does not have.
    async fn begin(&self, options: TxOptions) -> CypherResult<Box<dyn CypherTransaction>>;
}

#[async_trait]
pub trait CypherTransaction: Send {
    /// Parses, checks and plans `query` and starts it. Errors from here are compile-time
    /// errors (or the query's eager updates failing, which Neo4j also reports on RUN).
    async fn run(&mut self, query: &str, parameters: Map) -> CypherResult<Box<dyn QueryStream>>;

    /// Makes every change durable; returns the bookmark of the commit.
    async fn commit(self: Box<Self>) -> CypherResult<String>;

    async fn rollback(self: Box<Self>) -> CypherResult<()>;
}

#[async_trait]
pub trait QueryStream: Send {
    /// The result's column names, known before the first record.
    fn fields(&self) -> &[String];

    /// The next record, one value per field; None when the result is exhausted. A runtime
    /// error ends the stream.
    async fn next(&mut self) -> CypherResult<Option<Vec<Value>>>;

    /// What the query did so far; complete once [`QueryStream::next`] returned None.
    fn summary(&self) -> QuerySummary;
}

/// The kind of query, as Bolt's `type` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryKind {
    /// `r`
    #[default]
    Read,
    /// `w`
    Write,
    /// `rw`
    ReadWrite,
    /// `s`: schema changes
    Schema,
}

impl QueryKind {
    pub fn code(self) -> &'static str {
        match self {
            QueryKind::Read => "r",
            QueryKind::Write => "w",
            QueryKind::ReadWrite => "rw",
            QueryKind::Schema => "s",
        }
    }
}

/// The update counters Neo4j reports in `stats` (only the non-zero ones are sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryStats {
    pub nodes_created: u64,
    pub nodes_deleted: u64,
    pub relationships_created: u64,
    pub relationships_deleted: u64,
    pub properties_set: u64,
    pub labels_added: u64,
    pub labels_removed: u64,
    pub indexes_added: u64,
    pub indexes_removed: u64,
    pub constraints_added: u64,
    pub constraints_removed: u64,
    pub system_updates: u64,
}

impl QueryStats {
    pub fn contains_updates(&self) -> bool {
        self.nodes_created
            + self.nodes_deleted
            + self.relationships_created
            + self.relationships_deleted
            + self.properties_set
            + self.labels_added
            + self.labels_removed
            + self.indexes_added
            + self.indexes_removed
            + self.constraints_added
            + self.constraints_removed
            > 0
    }

    /// The counters under the names Bolt uses, non-zero ones only.
    pub fn named(&self) -> Vec<(&'static str, u64)> {
        [
            ("nodes-created", self.nodes_created),
            ("nodes-deleted", self.nodes_deleted),
            ("relationships-created", self.relationships_created),
            ("relationships-deleted", self.relationships_deleted),
            ("properties-set", self.properties_set),
            ("labels-added", self.labels_added),
            ("labels-removed", self.labels_removed),
            ("indexes-added", self.indexes_added),
            ("indexes-removed", self.indexes_removed),
            ("constraints-added", self.constraints_added),
            ("constraints-removed", self.constraints_removed),
            ("system-updates", self.system_updates),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct QuerySummary {
    pub kind: QueryKind,
    pub stats: QueryStats,
    /// A plan description for EXPLAIN/PROFILE (Bolt's `plan` / `profile`), if any.
    pub plan: Option<Value>,
    pub profiled: bool,
    /// Notifications (deprecations, hints) as Neo4j sends them: code, title, description.
    pub notifications: Vec<(String, String, String)>,
}

/// The parameters of a query, by name.
pub type Parameters = Map;

impl Value {
    /// A convenience for tests and the listener: a map value from pairs.
    pub fn map<I: IntoIterator<Item = (String, Value)>>(items: I) -> Value {
        Value::Map(items.into_iter().collect())
    }
}
