//! The one error type of the GraphRAG engine. Each surface maps [`GraphRagError::kind`]
//! to its own codes in one place (RESP `-ERR`, SQLSTATE, Neo4j status, ArangoDB errorNum).

/// What kind of failure, for the surfaces' error mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No knowledge graph (or document, entity) of that name.
    NotFound,
    /// A knowledge graph of that name exists already.
    AlreadyExists,
    /// A bad argument: unknown mode, negative K, empty text, unknown option.
    InvalidArgument,
    /// The knowledge graph's stored embedder differs from the one asked for.
    EmbedderMismatch,
    /// A feature this build does not offer.
    NotSupported,
    /// An HTTP embedder or LLM endpoint failed or answered something unusable.
    Upstream,
    /// The storage layer failed.
    Storage,
    /// Stored data that does not decode.
    Corrupt,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct GraphRagError {
    pub kind: ErrorKind,
    pub message: String,
}

impl GraphRagError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        GraphRagError { kind, message: message.into() }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }
    pub fn not_supported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotSupported, message)
    }
    pub fn upstream(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Upstream, message)
    }
    pub fn corrupt(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Corrupt, message)
    }
    /// Placeholder of the contract: a part that is not written yet.
    pub fn not_built(what: &str) -> Self {
        Self::new(ErrorKind::NotSupported, format!("{what}: not built yet"))
    }
}

impl From<orbit_storage::StorageError> for GraphRagError {
    fn from(e: orbit_storage::StorageError) -> Self {
        GraphRagError::new(ErrorKind::Storage, e.to_string())
    }
}

impl From<orbit_graph::GraphError> for GraphRagError {
    fn from(e: orbit_graph::GraphError) -> Self {
        GraphRagError::new(ErrorKind::Storage, e.to_string())
    }
}

impl From<orbit_vector::VectorError> for GraphRagError {
    fn from(e: orbit_vector::VectorError) -> Self {
        GraphRagError::new(ErrorKind::InvalidArgument, e.to_string())
    }
}

pub type GraphRagResult<T> = Result<T, GraphRagError>;
