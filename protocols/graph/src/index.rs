//! Keeping and reading property indexes ([`crate::schema`]): creating one builds its
//! entries from the nodes that have its label; every change of a node then rewrites the
//! entries whose value changed, in the same transaction ([`GraphTxn::reindex`]); a unique
//! index also writes a claim key per value, so two transactions that give two nodes one
//! value both write that key and the second to commit fails with a conflict.

use crate::error::{GraphError, GraphResult};
use crate::graph::{Graph, GraphTxn};
use crate::keys;
use crate::record::{Node, NodeId};
use crate::schema::PropertyIndex;
use orbit_storage::engine::{prefix_end, KeyRange};
use orbit_storage::Value;
use std::ops::Bound;
use std::sync::Arc;

/// Nodes one build reads at a time.
const BUILD_BATCH: usize = 512;

impl Graph {
    pub fn indexes(&self) -> Vec<Arc<PropertyIndex>> {
        self.schema.read().map(|s| s.clone()).unwrap_or_default()
    }

    fn index_on(&self, label: &str, property: &str) -> Option<Arc<PropertyIndex>> {
        self.indexes().into_iter().find(|i| i.label == label && i.property == property)
    }

    /// Creates an index (or constraint) and its entries for the nodes already there;
    /// `false` when `if_not_exists` and one of that name or on that label and property
    /// exists. A unique index over duplicate values fails and leaves nothing behind.
    pub async fn create_index(self: &Arc<Self>, index: PropertyIndex, if_not_exists: bool) -> GraphResult<bool> {
        let existing = self.indexes();
        if let Some(same) =
            existing.iter().find(|i| i.name == index.name || (i.label == index.label && i.property == index.property))
        {
            if if_not_exists {
                return Ok(false);
            }
            if same.name == index.name {
                return Err(GraphError::IndexExists(index.name));
            }
            return Err(GraphError::IndexEquivalent {
                name: same.name.clone(),
                label: same.label.clone(),
                property: same.property.clone(),
            });
        }
        let index = Arc::new(index);
        let mut txn = self.begin().await?;
        let result = txn.build(&index).await;
        if let Err(e) = result {
            txn.rollback().await?;
            return Err(e);
        }
        txn.commit().await?;
        if let Ok(mut schema) = self.schema.write() {
            schema.push(index);
        }
        Ok(true)
    }

    /// Drops an index (or constraint) and its entries; `false` when `if_exists` and there
    /// is none of that name.
    pub async fn drop_index(self: &Arc<Self>, name: &str, if_exists: bool) -> GraphResult<bool> {
        if !self.indexes().iter().any(|i| i.name == name) {
            if if_exists {
                return Ok(false);
            }
            return Err(GraphError::IndexNotFound(name.to_string()));
        }
        if let Ok(mut schema) = self.schema.write() {
            schema.retain(|i| i.name != name);
        }
        let mut txn = self.begin().await?;
        txn.tx.kv_delete(&self.handle, &keys::schema_entry(name)?).await?;
        txn.commit().await?;
        for space in [keys::PROP, keys::UNIQUE] {
            let prefix = keys::index_space(space, name)?;
            orbit_storage::purge_kv_prefix(self.storage.as_ref(), &self.handle, &prefix, BUILD_BATCH).await?;
        }
        Ok(true)
    }
}

/// The index entries `node` has: one per index on one of its labels whose property it has.
fn entries(schema: &[Arc<PropertyIndex>], node: &Node) -> Vec<(Arc<PropertyIndex>, Value)> {
    schema
        .iter()
        .filter(|i| node.has_label(&i.label))
        .filter_map(|i| node.properties.get(&i.property).map(|v| (i.clone(), v.clone())))
        .collect()
}

fn shown(value: &Value) -> String {
    match value {
        Value::Text(s) => format!("'{s}'"),
        Value::Int(n) => n.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

impl GraphTxn {
    /// Writes the schema entry of `index` and the entries of every node with its label.
    async fn build(&mut self, index: &Arc<PropertyIndex>) -> GraphResult<()> {
        self.tx.kv_put(&self.graph.handle, &keys::schema_entry(&index.name)?, index.encode()?).await?;
        let schema = [index.clone()];
        let mut after = None;
        loop {
            let ids = self.node_ids(Some(&index.label), after, BUILD_BATCH).await?;
            let Some(&last) = ids.last() else { return Ok(()) };
            after = Some(last);
            for id in ids {
                if let Some(node) = self.node(id).await? {
                    self.write_entries(&entries(&schema, &node), id).await?;
                }
            }
        }
    }

    /// Rewrites the index entries of a node that was `old` and is `new` (`None`: created
    /// or deleted).
    pub(crate) async fn reindex(&mut self, old: Option<&Node>, new: Option<&Node>) -> GraphResult<()> {
        let schema = self.graph.indexes();
        if schema.is_empty() {
            return Ok(());
        }
        let id = new.or(old).map_or(0, |n| n.id);
        let before = old.map(|n| entries(&schema, n)).unwrap_or_default();
        let after = new.map(|n| entries(&schema, n)).unwrap_or_default();
        let same =
            |a: &(Arc<PropertyIndex>, Value), b: &(Arc<PropertyIndex>, Value)| a.0.name == b.0.name && a.1 == b.1;
        for gone in before.iter().filter(|e| !after.iter().any(|a| same(a, e))) {
            let (index, value) = gone;
            self.tx.kv_delete(&self.graph.handle, &keys::property_entry(&index.name, value, id)?).await?;
            if index.unique {
                let claim = keys::unique_claim(&index.name, value)?;
                if self.tx.kv_get(&self.graph.handle, &claim).await?.as_deref() == Some(&id.to_be_bytes()[..]) {
                    self.tx.kv_delete(&self.graph.handle, &claim).await?;
                }
            }
        }
        let added: Vec<_> = after.iter().filter(|e| !before.iter().any(|b| same(b, e))).cloned().collect();
        self.write_entries(&added, id).await
    }

    async fn write_entries(&mut self, entries: &[(Arc<PropertyIndex>, Value)], id: NodeId) -> GraphResult<()> {
        for (index, value) in entries {
            if index.unique {
                let claim = keys::unique_claim(&index.name, value)?;
                if let Some(holder) = self.tx.kv_get(&self.graph.handle, &claim).await? {
                    let existing = holder.as_slice().try_into().map(u64::from_be_bytes).unwrap_or(u64::MAX);
                    if existing != id {
                        return Err(GraphError::ConstraintViolation {
                            label: index.label.clone(),
                            property: index.property.clone(),
                            value: shown(value),
                            existing,
                        });
                    }
                }
                self.tx.kv_put(&self.graph.handle, &claim, id.to_be_bytes().to_vec()).await?;
            }
            self.tx.kv_put(&self.graph.handle, &keys::property_entry(&index.name, value, id)?, Vec::new()).await?;
        }
        Ok(())
    }

    /// The nodes with `label` whose `property` equals `value`, in id order, from the
    /// index on them; `None` when there is no such index.
    pub async fn nodes_by_value(
        &mut self,
        label: &str,
        property: &str,
        value: &Value,
    ) -> GraphResult<Option<Vec<NodeId>>> {
        let Some(index) = self.graph.index_on(label, property) else { return Ok(None) };
        let range = KeyRange::prefix(&keys::property_prefix(&index.name, Some(value))?);
        self.index_scan(range).await.map(Some)
    }

    /// The nodes with `label` whose `property` is within the bounds, in value order, from
    /// the index on them; `None` when there is no such index. Values of other kinds than
    /// the bounds' sort apart from them (the caller filters by type when it mixes kinds).
    pub async fn nodes_in_range(
        &mut self,
        label: &str,
        property: &str,
        lower: Bound<&Value>,
        upper: Bound<&Value>,
    ) -> GraphResult<Option<Vec<NodeId>>> {
        let Some(index) = self.graph.index_on(label, property) else { return Ok(None) };
        let all = keys::property_prefix(&index.name, None)?;
        let at = |v: &Value| keys::property_prefix(&index.name, Some(v));
        let start = match lower {
            Bound::Unbounded => Bound::Included(all.clone()),
            Bound::Included(v) => Bound::Included(at(v)?),
            Bound::Excluded(v) => match prefix_end(&at(v)?) {
                Some(end) => Bound::Included(end),
                None => return Ok(Some(Vec::new())),
            },
        };
        let end = match upper {
            Bound::Unbounded => prefix_end(&all).map_or(Bound::Unbounded, Bound::Excluded),
            Bound::Included(v) => prefix_end(&at(v)?).map_or(Bound::Unbounded, Bound::Excluded),
            Bound::Excluded(v) => Bound::Excluded(at(v)?),
        };
        self.index_scan(KeyRange { start, end }).await.map(Some)
    }

    async fn index_scan(&mut self, mut range: KeyRange) -> GraphResult<Vec<NodeId>> {
        let mut out = Vec::new();
        loop {
            let batch = self.tx.kv_scan(&self.graph.handle, &range, false, BUILD_BATCH).await?;
            let exhausted = batch.len() < BUILD_BATCH;
            let Some((last, _)) = batch.last() else { break };
            range.start = Bound::Excluded(last.clone());
            for (key, _) in &batch {
                out.push(keys::node_of_property_entry(key)?);
            }
            if exhausted {
                break;
            }
        }
        Ok(out)
    }
}
