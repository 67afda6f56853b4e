//! [`Cx`]: what the operators of one query share — the transaction's graph (locked for
//! each read or write only, so several streams of a transaction interleave), the
//! parameters, the clocks the function library reads, the update counters, and the
//! elements the query deleted (reading their properties later in the query is an
//! EntityNotFound). Properties are read through [`crate::value::props::from_storage`].

use super::transaction::SharedTxn;
use super::Shared;
use crate::engine::QueryStats;
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::functions::FunctionContext;
use crate::value::props::from_storage;
use crate::value::{Map, NodeValue, RelationshipValue, Value};
use orbit_graph::{Adjacent, Direction, GraphTxn, Node, NodeId, Properties, RelId, Relationship};
use parking_lot::Mutex;
use std::collections::HashSet;
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// A row: the variables in scope and their values.
pub(crate) type Row = std::collections::BTreeMap<String, Value>;

#[derive(Default)]
pub(crate) struct Effects {
    pub stats: QueryStats,
    pub deleted_nodes: HashSet<NodeId>,
    pub deleted_rels: HashSet<RelId>,
    /// Nodes deleted without DETACH: removed at the end of the statement, when their
    /// relationships must be gone.
    pub pending_nodes: Vec<NodeId>,
}

pub(crate) struct Cx {
    pub shared: Arc<Shared>,
    pub txn: SharedTxn,
    pub params: Map,
    pub effects: Mutex<Effects>,
    /// The query changes the graph: elements are read again on property access.
    pub updating: bool,
    /// Storage reads made (for tests of streaming).
    pub reads: AtomicU64,
    /// The statement's and the transaction's start (`timestamp()`, `datetime()`, ...).
    pub functions: FunctionContext,
    /// Set when a runtime error ends one of the transaction's queries: the transaction
    /// cannot run more queries or commit.
    pub failed: Arc<AtomicBool>,
    /// The transaction's written nodes, recorded while vector indexes exist.
    pub touched: super::vector_index::Touched,
    /// The graph the transaction reads (its property indexes plan the matches).
    pub graph: Arc<orbit_graph::Graph>,
    pub database: super::DatabaseKind,
}

fn closed() -> CypherError {
    CypherError::new(ErrorKind::Transaction, "The transaction has been closed.")
}

pub(crate) fn not_found_node(id: NodeId) -> CypherError {
    CypherError::new(ErrorKind::EntityNotFound, format!("Node with id {id} has been deleted in this transaction"))
}

pub(crate) fn not_found_rel(id: RelId) -> CypherError {
    CypherError::new(
        ErrorKind::EntityNotFound,
        format!("Relationship with id {id} has been deleted in this transaction"),
    )
}

pub(crate) fn properties_of(props: Properties) -> CypherResult<Map> {
    props.into_iter().map(|(k, v)| Ok((k, from_storage(v)?))).collect()
}

pub(crate) fn node_value(node: Node) -> CypherResult<Value> {
    Ok(Value::Node(NodeValue { id: node.id, labels: node.labels, properties: properties_of(node.properties)? }))
}

pub(crate) fn rel_value(rel: Relationship) -> CypherResult<Value> {
    Ok(Value::Relationship(RelationshipValue {
        id: rel.id,
        ty: rel.ty,
        start: rel.start,
        end: rel.end,
        properties: properties_of(rel.properties)?,
    }))
}

macro_rules! with_txn {
    ($cx:expr, |$t:ident| $body:expr) => {{
        let mut guard = $cx.txn.lock().await;
        let $t: &mut GraphTxn = guard.as_mut().ok_or_else(closed)?;
        $cx.reads.fetch_add(1, Ordering::Relaxed);
        $body
    }};
}

impl Cx {
    pub fn node_deleted(&self, id: NodeId) -> bool {
        self.effects.lock().deleted_nodes.contains(&id)
    }

    pub fn rel_deleted(&self, id: RelId) -> bool {
        self.effects.lock().deleted_rels.contains(&id)
    }

    pub fn any_deleted(&self) -> bool {
        let e = self.effects.lock();
        !e.deleted_nodes.is_empty() || !e.deleted_rels.is_empty()
    }

    fn touch(&self, id: NodeId) {
        if self.shared.vectors.any() {
            self.touched.lock().insert(id);
        }
    }

    pub fn stat(&self, f: impl FnOnce(&mut QueryStats)) {
        f(&mut self.effects.lock().stats)
    }

    pub async fn node(&self, id: NodeId) -> CypherResult<Option<Node>> {
        Ok(with_txn!(self, |t| t.node(id).await?))
    }

    pub async fn relationship(&self, id: RelId) -> CypherResult<Option<Relationship>> {
        Ok(with_txn!(self, |t| t.relationship(id).await?))
    }

    /// A node as a value, as it is now; EntityNotFound once deleted.
    pub async fn node_now(&self, id: NodeId) -> CypherResult<Value> {
        if self.node_deleted(id) {
            return Err(not_found_node(id));
        }
        match self.node(id).await? {
            Some(n) => node_value(n),
            None => Err(not_found_node(id)),
        }
    }

    pub async fn rel_now(&self, id: RelId) -> CypherResult<Value> {
        if self.rel_deleted(id) {
            return Err(not_found_rel(id));
        }
        match self.relationship(id).await? {
            Some(r) => rel_value(r),
            None => Err(not_found_rel(id)),
        }
    }

    pub async fn node_ids(
        &self,
        label: Option<&str>,
        after: Option<NodeId>,
        limit: usize,
    ) -> CypherResult<Vec<NodeId>> {
        Ok(with_txn!(self, |t| t.node_ids(label, after, limit).await?))
    }

    pub async fn expand(&self, node: NodeId, direction: Direction, types: &[String]) -> CypherResult<Vec<Adjacent>> {
        Ok(with_txn!(self, |t| t.expand(node, direction, types).await?))
    }

    pub async fn nodes_by_value(
        &self,
        label: &str,
        property: &str,
        value: &orbit_storage::Value,
    ) -> CypherResult<Option<Vec<NodeId>>> {
        Ok(with_txn!(self, |t| t.nodes_by_value(label, property, value).await?))
    }

    pub async fn nodes_in_range(
        &self,
        label: &str,
        property: &str,
        lower: Bound<&orbit_storage::Value>,
        upper: Bound<&orbit_storage::Value>,
    ) -> CypherResult<Option<Vec<NodeId>>> {
        Ok(with_txn!(self, |t| t.nodes_in_range(label, property, lower, upper).await?))
    }

    pub async fn create_node(&self, labels: &[String], properties: Properties) -> CypherResult<Node> {
        let node = with_txn!(self, |t| t.create_node(labels, properties).await?);
        self.touch(node.id);
        Ok(node)
    }

    pub async fn create_relationship(
        &self,
        ty: &str,
        start: NodeId,
        end: NodeId,
        properties: Properties,
    ) -> CypherResult<Relationship> {
        Ok(with_txn!(self, |t| t.create_relationship(ty, start, end, properties).await?))
    }

    pub async fn set_node_property(&self, id: NodeId, name: &str, value: orbit_storage::Value) -> CypherResult<Node> {
        self.touch(id);
        Ok(with_txn!(self, |t| t.set_node_property(id, name, value).await?))
    }

    pub async fn set_rel_property(&self, id: RelId, name: &str, value: orbit_storage::Value) -> CypherResult<()> {
        with_txn!(self, |t| t.set_relationship_property(id, name, value).await?);
        Ok(())
    }

    pub async fn add_labels(&self, id: NodeId, labels: &[String]) -> CypherResult<usize> {
        self.touch(id);
        Ok(with_txn!(self, |t| t.add_labels(id, labels).await?))
    }

    pub async fn remove_labels(&self, id: NodeId, labels: &[String]) -> CypherResult<usize> {
        self.touch(id);
        Ok(with_txn!(self, |t| t.remove_labels(id, labels).await?))
    }

    pub async fn delete_relationship(&self, id: RelId) -> CypherResult<()> {
        with_txn!(self, |t| t.delete_relationship(id).await?);
        Ok(())
    }

    pub async fn delete_node(&self, id: NodeId, detach: bool) -> CypherResult<u64> {
        self.touch(id);
        Ok(with_txn!(self, |t| t.delete_node(id, detach).await?))
    }
}
