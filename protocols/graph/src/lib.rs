//! The property-graph model every graph protocol of Orbit stores through: Cypher (Bolt)
//! now, ArangoDB's edges and traversals and GraphRAG's knowledge graph later, so none of
//! them invents its own encoding.
//!
//! A graph is nodes (a stable id, labels, properties) and relationships (a stable id, a
//! type, a start and an end node, properties), kept in one storage table's raw keyspace
//! ([`keys`] says where each piece lives): the element records, a label index, and
//! adjacency entries in both directions keyed (node, direction, type, other node,
//! relationship id), so an expansion from a node is one prefix scan, and property indexes
//! and uniqueness constraints ([`schema`]) on a label and a property. Every change of a
//! [`GraphTxn`] — the element and the entries that index it — is one storage transaction.
//! Property values are Orbit's storage [`Value`]s and are stored with its order-preserving
//! codec. Deleting a node that still has relationships fails unless it is a DETACH delete.

pub mod error;
pub mod graph;
mod index;
pub mod keys;
pub mod record;
pub mod schema;

pub use error::{GraphError, GraphResult};
pub use graph::{Adjacent, Direction, Graph, GraphTxn};
pub use orbit_storage::Value;
pub use record::{Node, NodeId, Properties, RelId, Relationship};
pub use schema::PropertyIndex;

#[cfg(test)]
mod tests;
