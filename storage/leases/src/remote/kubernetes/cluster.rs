//! [`ClusterNodeProvider`] for [`KubernetesDirectory`]: one Lease object per node
//! ([`super::nodes`]), every change a compare-and-swap on its resourceVersion.

use super::cas::{self, Step};
use super::client::{resource_version, Resource, WriteOutcome};
use super::nodes::{decode_node, node_object, node_object_name};
use super::KubernetesDirectory;
use crate::metrics::OpKind;
use crate::provider::{ClusterNodeProvider, LeaseError, LeaseResult, NodeId, NodeInfo, NodeStatus};
use async_trait::async_trait;

impl KubernetesDirectory {
    /// Inserts or replaces a node's Lease.
    pub(super) async fn put_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        let name = node_object_name(&self.prefix, &node.node_id)?;
        let namespace = self.client.namespace().to_string();
        cas::modify(&self.client, Resource::Lease, &name, |current| {
            Ok(Step::Put(node_object(&name, &namespace, &self.prefix, node, current)?, ()))
        })
        .await
    }

    /// Deletes a node's Lease; false when there is none.
    pub(super) async fn delete_node(&self, node_id: &NodeId) -> LeaseResult<bool> {
        let name = node_object_name(&self.prefix, node_id)?;
        cas::modify(&self.client, Resource::Lease, &name, |current| {
            Ok(if current.is_some() { Step::Delete(true) } else { Step::Keep(false) })
        })
        .await
    }

    /// Replaces an existing node's record by `change`; NodeNotFound when there is none.
    async fn change_node(&self, node_id: &NodeId, change: impl Fn(NodeInfo) -> NodeInfo) -> LeaseResult<()> {
        let name = node_object_name(&self.prefix, node_id)?;
        let namespace = self.client.namespace().to_string();
        cas::modify(&self.client, Resource::Lease, &name, |current| match current {
            None => Err(LeaseError::NodeNotFound(node_id.clone())),
            Some(object) => {
                let node = change(decode_node(object)?);
                Ok(Step::Put(node_object(&name, &namespace, &self.prefix, &node, Some(object))?, ()))
            }
        })
        .await
    }

    async fn read_nodes(&self) -> LeaseResult<Vec<(serde_json::Value, NodeInfo)>> {
        let objects = self.client.list(Resource::Lease, &self.selector("node")).await?;
        let mut nodes = Vec::with_capacity(objects.len());
        for object in objects {
            let node = decode_node(&object)?;
            nodes.push((object, node));
        }
        nodes.sort_by(|a, b| a.1.node_id.cmp(&b.1.node_id));
        Ok(nodes)
    }
}

#[async_trait]
impl ClusterNodeProvider for KubernetesDirectory {
    async fn store_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, self.put_node(node)).await
    }

    async fn get_node(&self, node_id: &NodeId) -> LeaseResult<Option<NodeInfo>> {
        self.measured(OpKind::Read, 1, async {
            let name = node_object_name(&self.prefix, node_id)?;
            match self.client.get(Resource::Lease, &name).await? {
                Some(object) => decode_node(&object).map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    async fn update_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, self.change_node(&node.node_id, |_| node.clone())).await
    }

    async fn remove_node(&self, node_id: &NodeId) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, self.delete_node(node_id)).await
    }

    async fn list_active_nodes(&self, now: i64) -> LeaseResult<Vec<NodeInfo>> {
        let all = self.list_all_nodes().await?;
        Ok(all.into_iter().filter(|n| n.status == NodeStatus::Active && !n.is_expired(now)).collect())
    }

    async fn list_all_nodes(&self) -> LeaseResult<Vec<NodeInfo>> {
        self.measured(OpKind::Read, 1, async { Ok(self.read_nodes().await?.into_iter().map(|(_, n)| n).collect()) })
            .await
    }

    /// Deletes each expired node's Lease only if it is still the version listed: a node
    /// that renewed meanwhile stays.
    async fn cleanup_expired_nodes(&self, now: i64) -> LeaseResult<u64> {
        self.counted(OpKind::Delete, async {
            let mut removed = 0;
            for (object, node) in self.read_nodes().await? {
                if !node.is_expired(now) {
                    continue;
                }
                let (Some(name), Some(rv)) = (super::client::object_name(&object), resource_version(&object)) else {
                    continue;
                };
                if let WriteOutcome::Done(_) = self.client.delete(Resource::Lease, name, rv).await? {
                    removed += 1;
                }
            }
            Ok(removed)
        })
        .await
    }

    async fn renew_node_lease(&self, node_id: &NodeId, lease_expires_at: i64) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, self.change_node(node_id, |node| NodeInfo { lease_expires_at, ..node })).await
    }
}
