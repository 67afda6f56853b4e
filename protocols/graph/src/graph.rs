//! [`Graph`]: one graph over one storage table, and [`GraphTxn`]: reads and changes of
//! that graph inside one storage transaction (an element and every entry that indexes it
//! are written together, so a crash never leaves a relationship without its adjacency).
//!
//! Ids are allocated from counters that start past the highest stored id, found with one
//! reverse seek when the graph opens; an id is never handed out twice, even when the
//! transaction that took it rolls back.

use crate::error::{GraphError, GraphResult};
use crate::keys::{self, AdjacencyEntry, IN, OUT};
use crate::record::{Node, NodeId, Properties, RelId, Relationship};
use crate::schema::PropertyIndex;
use orbit_storage::codec::key::decode_value;
use orbit_storage::engine::KeyRange;
use orbit_storage::{ColumnDef, DataType, StorageError, TableDef, TableHandle, TableStorage, Transaction, Value};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Entries one scan reads at a time.
const SCAN_BATCH: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Outgoing,
    Incoming,
    Both,
}

impl Direction {
    fn bytes(self) -> &'static [u8] {
        match self {
            Direction::Outgoing => &[OUT],
            Direction::Incoming => &[IN],
            Direction::Both => &[OUT, IN],
        }
    }
}

/// One relationship seen from a node: the relationship, its type, the node at its other
/// end and whether it leaves (`Outgoing`) or enters (`Incoming`) the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjacent {
    pub rel: RelId,
    pub ty: String,
    pub other: NodeId,
    pub direction: Direction,
}

pub struct Graph {
    pub(crate) storage: Arc<dyn TableStorage>,
    pub(crate) handle: TableHandle,
    next_node: AtomicU64,
    next_rel: AtomicU64,
    /// Property indexes and constraints, as stored.
    pub(crate) schema: RwLock<Vec<Arc<PropertyIndex>>>,
}

impl Graph {
    /// Opens the graph of `storage`, creating its table when missing.
    pub async fn open(storage: Arc<dyn TableStorage>) -> GraphResult<Arc<Graph>> {
        Graph::open_table(storage, keys::TABLE).await
    }

    /// Opens the graph kept in the storage table `table` (created when missing), so one
    /// storage can hold several graphs (AQL keeps one per database).
    pub async fn open_table(storage: Arc<dyn TableStorage>, table: &str) -> GraphResult<Arc<Graph>> {
        if storage.table_schema(table).await?.is_none() {
            let def = TableDef::new(table)
                .column(ColumnDef::new("entry", DataType::Bytes).not_null())
                .primary_key(&["entry"]);
            match storage.create_table(&def).await {
                Ok(_) | Err(StorageError::TableExists(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let handle = storage.table_handle(table).await?;
        let mut tx = storage.begin().await?;
        let mut counters = [0u64; 2];
        for (slot, space) in [keys::NODE, keys::REL].into_iter().enumerate() {
            let last = tx.kv_scan(&handle, &keys::space(space), true, 1).await?;
            if let Some((key, _)) = last.first() {
                counters[slot] = keys::id_of_record(key)? + 1;
            }
        }
        let mut schema = Vec::new();
        for (key, value) in tx.kv_scan(&handle, &keys::space(keys::SCHEMA), false, usize::MAX).await? {
            let mut name = key.get(1..).unwrap_or(&[]);
            let Value::Text(name) = decode_value(&mut name)? else {
                return Err(GraphError::Corrupt("index name".into()));
            };
            schema.push(Arc::new(PropertyIndex::decode(name, &value)?));
        }
        tx.rollback().await?;
        Ok(Arc::new(Graph {
            storage,
            handle,
            next_node: AtomicU64::new(counters[0]),
            next_rel: AtomicU64::new(counters[1]),
            schema: RwLock::new(schema),
        }))
    }

    pub async fn begin(self: &Arc<Self>) -> GraphResult<GraphTxn> {
        Ok(GraphTxn { graph: self.clone(), tx: self.storage.begin().await? })
    }

    /// A graph transaction inside the caller's storage transaction `tx`, so the graph's
    /// changes commit in one batch with the caller's other writes; take `tx` back with
    /// [`GraphTxn::into_inner`].
    pub fn txn_over(self: &Arc<Self>, tx: Box<dyn Transaction>) -> GraphTxn {
        GraphTxn { graph: self.clone(), tx }
    }

    /// The name of the storage table the graph lives in.
    pub fn table(&self) -> &str {
        self.handle.name()
    }
}

/// Reads and changes of the graph, applied atomically by [`GraphTxn::commit`].
pub struct GraphTxn {
    pub(crate) graph: Arc<Graph>,
    pub(crate) tx: Box<dyn Transaction>,
}

fn sorted_labels(labels: &[String]) -> Vec<String> {
    let mut labels = labels.to_vec();
    labels.sort();
    labels.dedup();
    labels
}

fn without_nulls(properties: Properties) -> Properties {
    properties.into_iter().filter(|(_, v)| !v.is_null()).collect()
}

impl GraphTxn {
    /// The storage transaction, with the graph's changes so far (uncommitted).
    pub fn into_inner(self) -> Box<dyn Transaction> {
        self.tx
    }

    pub async fn commit(self) -> GraphResult<()> {
        Ok(self.tx.commit().await?)
    }

    pub async fn rollback(self) -> GraphResult<()> {
        Ok(self.tx.rollback().await?)
    }

    // ---- nodes ----

    pub async fn create_node(&mut self, labels: &[String], properties: Properties) -> GraphResult<Node> {
        let id = self.graph.next_node.fetch_add(1, Ordering::Relaxed);
        let node = Node { id, labels: sorted_labels(labels), properties: without_nulls(properties) };
        for label in &node.labels {
            let entry = keys::label_entry(label, id)?;
            self.tx.kv_put(&self.graph.handle, &entry, Vec::new()).await?;
        }
        self.reindex(None, Some(&node)).await?;
        let record = node.encode()?;
        self.tx.kv_put(&self.graph.handle, &keys::node(node.id), record).await?;
        Ok(node)
    }

    /// Stores `node`, which was `before`, with its property index entries.
    async fn store_node(&mut self, before: &Node, node: &Node) -> GraphResult<()> {
        self.reindex(Some(before), Some(node)).await?;
        let record = node.encode()?;
        self.tx.kv_put(&self.graph.handle, &keys::node(node.id), record).await?;
        Ok(())
    }

    pub async fn node(&mut self, id: NodeId) -> GraphResult<Option<Node>> {
        match self.tx.kv_get(&self.graph.handle, &keys::node(id)).await? {
            Some(bytes) => Ok(Some(Node::decode(id, &bytes)?)),
            None => Ok(None),
        }
    }

    async fn existing_node(&mut self, id: NodeId) -> GraphResult<Node> {
        self.node(id).await?.ok_or(GraphError::NodeNotFound(id))
    }

    /// Sets (or, with null, removes) one property of a node.
    pub async fn set_node_property(&mut self, id: NodeId, name: &str, value: Value) -> GraphResult<Node> {
        let before = self.existing_node(id).await?;
        let mut node = before.clone();
        if value.is_null() {
            node.properties.remove(name);
        } else {
            node.properties.insert(name.to_string(), value);
        }
        self.store_node(&before, &node).await?;
        Ok(node)
    }

    /// Replaces every property of a node.
    pub async fn replace_node_properties(&mut self, id: NodeId, properties: Properties) -> GraphResult<Node> {
        let before = self.existing_node(id).await?;
        let node = Node { properties: without_nulls(properties), ..before.clone() };
        self.store_node(&before, &node).await?;
        Ok(node)
    }

    /// Adds labels to a node; answers how many it did not have.
    pub async fn add_labels(&mut self, id: NodeId, labels: &[String]) -> GraphResult<usize> {
        let before = self.existing_node(id).await?;
        let mut node = before.clone();
        let mut added = 0;
        for label in sorted_labels(labels) {
            if !node.has_label(&label) {
                let entry = keys::label_entry(&label, id)?;
                self.tx.kv_put(&self.graph.handle, &entry, Vec::new()).await?;
                node.labels.push(label);
                added += 1;
            }
        }
        if added > 0 {
            node.labels.sort();
            self.store_node(&before, &node).await?;
        }
        Ok(added)
    }

    /// Removes labels from a node; answers how many it had.
    pub async fn remove_labels(&mut self, id: NodeId, labels: &[String]) -> GraphResult<usize> {
        let before = self.existing_node(id).await?;
        let mut node = before.clone();
        for label in sorted_labels(labels) {
            if node.has_label(&label) {
                let entry = keys::label_entry(&label, id)?;
                self.tx.kv_delete(&self.graph.handle, &entry).await?;
                node.labels.retain(|l| *l != label);
            }
        }
        let removed = before.labels.len() - node.labels.len();
        if removed > 0 {
            self.store_node(&before, &node).await?;
        }
        Ok(removed)
    }

    /// Deletes a node; with `detach` its relationships first (answering how many), else a
    /// node with relationships is refused.
    pub async fn delete_node(&mut self, id: NodeId, detach: bool) -> GraphResult<u64> {
        let node = self.existing_node(id).await?;
        let adjacent = self.scan_adjacency(KeyRange::prefix(&keys::adjacency_of(id))).await?;
        let mut rels: Vec<RelId> = adjacent.iter().map(|a| a.rel).collect();
        rels.sort_unstable();
        rels.dedup();
        if !rels.is_empty() && !detach {
            return Err(GraphError::NodeHasRelationships { node: id, relationships: rels.len() as u64 });
        }
        for rel in &rels {
            self.delete_relationship(*rel).await?;
        }
        for label in &node.labels {
            let entry = keys::label_entry(label, id)?;
            self.tx.kv_delete(&self.graph.handle, &entry).await?;
        }
        self.reindex(Some(&node), None).await?;
        self.tx.kv_delete(&self.graph.handle, &keys::node(id)).await?;
        Ok(rels.len() as u64)
    }

    /// Up to `limit` node ids after `after`, in id order: every node, or those with `label`.
    pub async fn node_ids(
        &mut self,
        label: Option<&str>,
        after: Option<NodeId>,
        limit: usize,
    ) -> GraphResult<Vec<NodeId>> {
        let (prefix, position) = match label {
            Some(label) => {
                let prefix = keys::label_prefix(label)?;
                let position = after.map(|id| keys::label_entry(label, id)).transpose()?;
                (prefix, position)
            }
            None => (vec![keys::NODE], after.map(keys::node)),
        };
        let mut range = KeyRange::prefix(&prefix);
        if let Some(p) = position {
            range.start = Bound::Excluded(p);
        }
        let entries = self.tx.kv_scan(&self.graph.handle, &range, false, limit).await?;
        entries
            .iter()
            .map(|(k, _)| if label.is_some() { keys::node_of_label_entry(k) } else { keys::id_of_record(k) })
            .collect()
    }

    // ---- relationships ----

    pub async fn create_relationship(
        &mut self,
        ty: &str,
        start: NodeId,
        end: NodeId,
        properties: Properties,
    ) -> GraphResult<Relationship> {
        self.existing_node(start).await?;
        self.existing_node(end).await?;
        let id = self.graph.next_rel.fetch_add(1, Ordering::Relaxed);
        let rel = Relationship { id, ty: ty.to_string(), start, end, properties: without_nulls(properties) };
        self.tx.kv_put(&self.graph.handle, &keys::relationship(id), rel.encode()?).await?;
        let out = keys::adjacency_entry(start, OUT, ty, end, id)?;
        let inc = keys::adjacency_entry(end, IN, ty, start, id)?;
        self.tx.kv_put(&self.graph.handle, &out, Vec::new()).await?;
        self.tx.kv_put(&self.graph.handle, &inc, Vec::new()).await?;
        Ok(rel)
    }

    pub async fn relationship(&mut self, id: RelId) -> GraphResult<Option<Relationship>> {
        match self.tx.kv_get(&self.graph.handle, &keys::relationship(id)).await? {
            Some(bytes) => Ok(Some(Relationship::decode(id, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Sets (or, with null, removes) one property of a relationship.
    pub async fn set_relationship_property(
        &mut self,
        id: RelId,
        name: &str,
        value: Value,
    ) -> GraphResult<Relationship> {
        let mut rel = self.relationship(id).await?.ok_or(GraphError::RelationshipNotFound(id))?;
        if value.is_null() {
            rel.properties.remove(name);
        } else {
            rel.properties.insert(name.to_string(), value);
        }
        self.tx.kv_put(&self.graph.handle, &keys::relationship(id), rel.encode()?).await?;
        Ok(rel)
    }

    /// Deletes a relationship and both its adjacency entries.
    pub async fn delete_relationship(&mut self, id: RelId) -> GraphResult<()> {
        let rel = self.relationship(id).await?.ok_or(GraphError::RelationshipNotFound(id))?;
        let out = keys::adjacency_entry(rel.start, OUT, &rel.ty, rel.end, id)?;
        let inc = keys::adjacency_entry(rel.end, IN, &rel.ty, rel.start, id)?;
        self.tx.kv_delete(&self.graph.handle, &out).await?;
        self.tx.kv_delete(&self.graph.handle, &inc).await?;
        self.tx.kv_delete(&self.graph.handle, &keys::relationship(id)).await?;
        Ok(())
    }

    /// The relationships of `node` in `direction`, of the given types (every type when
    /// empty): outgoing ones first, each direction by type, other node and id. One prefix
    /// scan per direction and type; a relationship from a node to itself is seen once
    /// per direction.
    pub async fn expand(&mut self, node: NodeId, direction: Direction, types: &[String]) -> GraphResult<Vec<Adjacent>> {
        let mut types = types.to_vec();
        types.sort();
        types.dedup();
        let mut out = Vec::new();
        for &dir in direction.bytes() {
            if types.is_empty() {
                out.extend(self.scan_adjacency(KeyRange::prefix(&keys::adjacency_prefix(node, dir, None)?)).await?);
            }
            for ty in &types {
                let range = KeyRange::prefix(&keys::adjacency_prefix(node, dir, Some(ty))?);
                out.extend(self.scan_adjacency(range).await?);
            }
        }
        Ok(out)
    }

    /// How many relationships `expand` would answer.
    pub async fn degree(&mut self, node: NodeId, direction: Direction, types: &[String]) -> GraphResult<u64> {
        Ok(self.expand(node, direction, types).await?.len() as u64)
    }

    async fn scan_adjacency(&mut self, mut range: KeyRange) -> GraphResult<Vec<Adjacent>> {
        let mut out = Vec::new();
        loop {
            let batch = self.tx.kv_scan(&self.graph.handle, &range, false, SCAN_BATCH).await?;
            let exhausted = batch.len() < SCAN_BATCH;
            let Some((last, _)) = batch.last() else { break };
            range.start = Bound::Excluded(last.clone());
            for (key, _) in &batch {
                let AdjacencyEntry { direction, ty, other, rel, .. } = keys::parse_adjacency(key)?;
                let direction = if direction == OUT { Direction::Outgoing } else { Direction::Incoming };
                out.push(Adjacent { rel, ty, other, direction });
            }
            if exhausted {
                break;
            }
        }
        Ok(out)
    }
}
