//! Cluster membership in an object store: one object per node under `<prefix>/nodes/`.
//! A store is an unconditional PUT; an update or renewal is a PUT conditioned on the
//! version read (retried through conflicts), so it never resurrects a removed node;
//! listing lists `<prefix>/nodes/` and GETs every node object.

use super::directory::ObjectDirectory;
use super::layout::{Layout, NodeEnvelope, FORMAT};
use super::store::{Condition, Stored, WriteOutcome};
use crate::metrics::OpKind;
use crate::provider::{ClusterNodeProvider, LeaseError, LeaseResult, NodeId, NodeInfo, NodeStatus};
use async_trait::async_trait;
use object_store::path::Path;

const NODE_RETRIES: usize = 64;

impl ObjectDirectory {
    fn decode_node(&self, path: &Path, stored: &Stored) -> LeaseResult<NodeInfo> {
        let envelope: NodeEnvelope = serde_json::from_slice(&stored.body).map_err(|e| {
            LeaseError::Corruption(format!("{}: {path} is not a node envelope: {e}", self.client.location))
        })?;
        if envelope.format != FORMAT {
            return Err(LeaseError::Corruption(format!(
                "{}: {path} has envelope format {} (this build reads {FORMAT})",
                self.client.location, envelope.format
            )));
        }
        Ok(envelope.node)
    }

    fn encode_node(&self, node: &NodeInfo) -> LeaseResult<Vec<u8>> {
        serde_json::to_vec(&NodeEnvelope { format: FORMAT, node: node.clone() })
            .map_err(|e| LeaseError::Backend(format!("{}: encode node {}: {e}", self.client.location, node.node_id)))
    }

    async fn read_node(&self, node_id: &NodeId) -> LeaseResult<Option<(NodeInfo, String)>> {
        let path = self.layout.node(node_id);
        match self.client.read(&path).await? {
            Some(stored) => Ok(Some((self.decode_node(&path, &stored)?, stored.version))),
            None => Ok(None),
        }
    }

    /// Rewrites an existing node with `change`, conditioned on the version read.
    async fn modify_node(&self, node_id: &NodeId, change: impl Fn(NodeInfo) -> NodeInfo) -> LeaseResult<()> {
        let path = self.layout.node(node_id);
        for _ in 0..NODE_RETRIES {
            let Some((node, version)) = self.read_node(node_id).await? else {
                return Err(LeaseError::NodeNotFound(node_id.clone()));
            };
            let body = self.encode_node(&change(node))?;
            if let WriteOutcome::Written(_) = self.client.write(&path, body, Condition::Version(&version)).await? {
                return Ok(());
            }
        }
        Err(LeaseError::Backend(format!(
            "{}: node {node_id} changed under {NODE_RETRIES} writes",
            self.client.location
        )))
    }

    async fn scan_nodes(&self) -> LeaseResult<Vec<NodeInfo>> {
        let (_, objects) = self.client.list_level(&self.layout.nodes_root()).await?;
        let paths = objects.into_iter().map(|(path, _)| path).collect();
        let mut nodes = Vec::new();
        for (path, stored) in self.client.read_all(paths, 16).await? {
            let node = self.decode_node(&path, &stored)?;
            let named = Layout::last_segment(&path)?;
            if named != node.node_id.0 {
                return Err(LeaseError::Corruption(format!(
                    "{}: {path} holds node {} instead",
                    self.client.location, node.node_id
                )));
            }
            nodes.push(node);
        }
        nodes.sort_by(|a, b| a.node_id.cmp(&b.node_id));
        Ok(nodes)
    }
}

#[async_trait]
impl ClusterNodeProvider for ObjectDirectory {
    async fn store_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, async {
            let body = self.encode_node(node)?;
            self.client.write(&self.layout.node(&node.node_id), body, Condition::Overwrite).await.map(drop)
        })
        .await
    }

    async fn get_node(&self, node_id: &NodeId) -> LeaseResult<Option<NodeInfo>> {
        self.measured(OpKind::Read, 1, async { Ok(self.read_node(node_id).await?.map(|(node, _)| node)) }).await
    }

    async fn update_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, self.modify_node(&node.node_id, |_| node.clone())).await
    }

    async fn remove_node(&self, node_id: &NodeId) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, async {
            match self.read_node(node_id).await? {
                Some(_) => self.client.delete(&self.layout.node(node_id)).await,
                None => Ok(false),
            }
        })
        .await
    }

    async fn list_active_nodes(&self, now: i64) -> LeaseResult<Vec<NodeInfo>> {
        self.measured(OpKind::Read, 1, async {
            Ok(self
                .scan_nodes()
                .await?
                .into_iter()
                .filter(|n| n.status == NodeStatus::Active && !n.is_expired(now))
                .collect())
        })
        .await
    }

    async fn list_all_nodes(&self) -> LeaseResult<Vec<NodeInfo>> {
        self.measured(OpKind::Read, 1, self.scan_nodes()).await
    }

    async fn cleanup_expired_nodes(&self, now: i64) -> LeaseResult<u64> {
        self.measured(OpKind::Delete, 1, async {
            let mut removed = 0;
            for node in self.scan_nodes().await?.into_iter().filter(|n| n.is_expired(now)) {
                removed += u64::from(self.client.delete(&self.layout.node(&node.node_id)).await?);
            }
            Ok(removed)
        })
        .await
    }

    async fn renew_node_lease(&self, node_id: &NodeId, lease_expires_at: i64) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, self.modify_node(node_id, |node| NodeInfo { lease_expires_at, ..node })).await
    }
}
