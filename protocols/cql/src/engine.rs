//! The contract between the native-protocol connection ([`crate::wire`]) and the CQL
//! executor. The wire decodes QUERY / PREPARE / EXECUTE / BATCH bodies into these
//! types, calls the engine, and encodes what comes back; values travel in their native
//! encoding (`[bytes]` of the protocol), so the wire never interprets a value and the
//! executor never sees a frame.

use crate::error::CqlResult;
use crate::types::CqlType;
use async_trait::async_trait;
use bytes::Bytes;

/// One bound value of a request: `[value]` of the protocol (length -1 null, -2 unset).
#[derive(Debug, Clone, PartialEq)]
pub enum BoundValue {
    Null,
    Unset,
    Bytes(Bytes),
}

/// The values of a QUERY or EXECUTE: positional, or named (flag 0x40).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Values {
    #[default]
    None,
    Positional(Vec<BoundValue>),
    Named(Vec<(String, BoundValue)>),
}

/// Consistency levels (all accepted on one node; kept for LWT's serial level and
/// the error bodies that echo it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u16)]
pub enum Consistency {
    Any = 0x0000,
    #[default]
    One = 0x0001,
    Two = 0x0002,
    Three = 0x0003,
    Quorum = 0x0004,
    All = 0x0005,
    LocalQuorum = 0x0006,
    EachQuorum = 0x0007,
    Serial = 0x0008,
    LocalSerial = 0x0009,
    LocalOne = 0x000A,
}

/// The `<query_parameters>` of QUERY and EXECUTE.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryParams {
    pub consistency: Consistency,
    pub values: Values,
    /// Flag 0x02: the client has the result metadata (from PREPARE) and wants none.
    pub skip_metadata: bool,
    /// Flag 0x04; `None` means the whole result in one page.
    pub page_size: Option<i32>,
    /// Flag 0x08: the opaque state a previous page returned.
    pub paging_state: Option<Bytes>,
    pub serial_consistency: Option<Consistency>,
    /// Flag 0x20: the write timestamp in microseconds since the epoch.
    pub default_timestamp: Option<i64>,
    /// v5 flag 0x80: the keyspace to run this one request in.
    pub keyspace: Option<String>,
    /// v5 flag 0x100: "now" in seconds, for TTL/now() tests.
    pub now_in_seconds: Option<i32>,
}

/// Which statement of a BATCH: query text or a prepared id, with its positional values.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchStatement {
    Query { text: String, values: Values },
    Prepared { id: Bytes, values: Values },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKind {
    Logged,
    Unlogged,
    Counter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchRequest {
    pub kind: BatchKind,
    pub statements: Vec<BatchStatement>,
    pub consistency: Consistency,
    pub serial_consistency: Option<Consistency>,
    pub default_timestamp: Option<i64>,
    pub keyspace: Option<String>,
    pub now_in_seconds: Option<i32>,
}

/// One column of result or bind metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    pub keyspace: String,
    pub table: String,
    pub name: String,
    pub ty: CqlType,
}

/// A page of rows. Cells are native-encoded values, `None` for null.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rows {
    pub columns: Vec<ColumnSpec>,
    pub rows: Vec<Vec<Option<Bytes>>>,
    /// Set when more rows remain: the client sends it back to resume exactly there.
    pub paging_state: Option<Bytes>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaChangeKind {
    Created,
    Updated,
    Dropped,
}

/// What a DDL statement changed; answered as a Schema_change result and pushed as a
/// SCHEMA_CHANGE event to connections that REGISTERed for it.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaChangeTarget {
    Keyspace { keyspace: String },
    Table { keyspace: String, table: String },
    Type { keyspace: String, name: String },
    Function { keyspace: String, name: String, arg_types: Vec<String> },
    Aggregate { keyspace: String, name: String, arg_types: Vec<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaChange {
    pub kind: SchemaChangeKind,
    pub target: SchemaChangeTarget,
}

/// The answer to PREPARE.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// Stable for the same statement text and keyspace (an MD5 of both, like Cassandra).
    pub id: Bytes,
    /// v5: the id of the result metadata, so EXECUTE can say when it changed.
    pub result_metadata_id: Bytes,
    pub bind_columns: Vec<ColumnSpec>,
    /// Indexes into `bind_columns` of the partition key's columns, in key order.
    pub pk_indexes: Vec<u16>,
    /// Empty for statements that return no rows.
    pub result_columns: Vec<ColumnSpec>,
}

/// The RESULT of a QUERY, EXECUTE or BATCH.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Void,
    Rows(Rows),
    SetKeyspace(String),
    SchemaChange(SchemaChange),
}

/// Per-connection state the executor keeps between requests.
#[derive(Debug, Clone, Default)]
pub struct SessionState {
    /// The keyspace of USE.
    pub keyspace: Option<String>,
    /// The authenticated role, when authentication is on.
    pub user: Option<String>,
    /// Client warnings the request being run raised (Cassandra's ClientWarn), answered
    /// in its response envelope.
    pub warnings: Vec<String>,
}

/// The executor as the wire sees it. One instance serves every connection; the wire
/// keeps a [`SessionState`] per connection and passes it in.
#[async_trait]
pub trait CqlEngine: Send + Sync + 'static {
    async fn query(&self, session: &mut SessionState, text: &str, params: QueryParams) -> CqlResult<Outcome>;
    async fn prepare(&self, session: &mut SessionState, text: &str, keyspace: Option<&str>) -> CqlResult<Prepared>;
    /// An unknown `id` fails with `CqlError::Unprepared`.
    async fn execute(&self, session: &mut SessionState, id: &[u8], params: QueryParams) -> CqlResult<Outcome>;
    async fn batch(&self, session: &mut SessionState, batch: BatchRequest) -> CqlResult<Outcome>;

    /// True when STARTUP must be answered with AUTHENTICATE (PasswordAuthenticator).
    fn requires_authentication(&self) -> bool;
    /// Checks a SASL PLAIN user/password; `Ok(())` or `BadCredentials`.
    async fn authenticate(&self, user: &str, password: &str) -> CqlResult<()>;

    /// Schema changes as they commit, for REGISTER'ed connections' SCHEMA_CHANGE events.
    fn schema_events(&self) -> tokio::sync::broadcast::Receiver<SchemaChange>;
}
