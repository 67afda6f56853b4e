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
    #[error("an index or constraint named {0} already exists")]
    IndexExists(String),
    #[error("there is an index or constraint on :{label}({property}) already: {name}")]
    IndexEquivalent { name: String, label: String, property: String },
    #[error("no index or constraint named {0}")]
    IndexNotFound(String),
    /// A second node with the value a unique index already holds.
    #[error("node({existing}) already exists with label `{label}` and property `{property}` = {value}")]
    ConstraintViolation { label: String, property: String, value: String, existing: u64 },
    /// A stored entry that does not decode: never the client's fault.
    #[error("stored graph entry is malformed: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub type GraphResult<T> = Result<T, GraphError>;
