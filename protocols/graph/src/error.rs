//! The graph model's one error type; each graph protocol maps it to its own codes once.

use orbit_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("node {0} not found")]
    NodeNotFound(u64),
    #[error("relationship {0} not found")]
    RelationshipNotFound(u64),
    /// A non-DETACH delete of a node that still has relationships.
    #[error("cannot delete node {node}, because it still has {relationships} relationship(s); to delete this node, you must first delete its relationships")]
    NodeHasRelationships { node: u64, relationships: u64 },
    /// A stored entry that does not decode: never the client's fault.
    #[error("stored graph entry is malformed: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub type GraphResult<T> = Result<T, GraphError>;
