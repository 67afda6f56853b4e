//! [`ClusterNodeProvider`] and [`PersistenceProvider`] for [`EtcdDirectory`]: node
//! records under `<p>/nodes/`, each attached to its node's etcd lease; health from each
//! endpoint's `/health`; a transaction as one Txn.

use super::gateway::{op, Kv};
use super::layout;
use super::EtcdDirectory;
use crate::metrics::OpKind;
use crate::provider::{
    ClusterNodeProvider, LeaseError, LeaseOp, LeaseResult, LeaseTransaction, NodeId, NodeInfo, NodeStatus,
    PersistenceProvider, ProviderHealth, ProviderMetrics,
};
use crate::store::CacheStats;
use async_trait::async_trait;
use std::collections::BTreeMap;

impl EtcdDirectory {
    fn decode_node(&self, op_name: &str, kv: &Kv) -> LeaseResult<NodeInfo> {
        layout::decode_node(&self.layout, &kv.key, &kv.value).map_err(|why| self.corrupt(op_name, why))
    }

    async fn scan_nodes(&self, op_name: &str) -> LeaseResult<Vec<(Kv, NodeInfo)>> {
        let kvs = self.gateway.scan(&self.layout.nodes_prefix()).await.map_err(|e| self.error(op_name, e))?;
        kvs.into_iter()
            .map(|kv| {
                let node = self.decode_node(op_name, &kv)?;
                Ok((kv, node))
            })
            .collect()
    }

    /// Puts `node`, attached to its etcd lease, if `precondition` holds; whether it did.
    async fn put_node(
        &self,
        op_name: &str,
        node: &NodeInfo,
        precondition: Option<serde_json::Value>,
    ) -> LeaseResult<bool> {
        let key = self.layout.node_key(&node.node_id);
        let value = layout::encode_node(node);
        let reply = self
            .with_node_lease(&node.node_id, |id| {
                let compare = precondition.clone().into_iter().collect();
                let success = vec![op::put(&key, &value, Some(id))];
                async move { self.gateway.txn(compare, success, vec![]).await }
            })
            .await
            .map_err(|e| self.error(op_name, e))?;
        Ok(reply.succeeded)
    }
}

/// One key's last change inside a transaction.
enum Planned<'a> {
    PutLease(&'a crate::provider::AddressableLease),
    PutNode(&'a NodeInfo),
    Delete,
}

#[async_trait]
impl PersistenceProvider for EtcdDirectory {
    /// Checks that the cluster answers (and the credentials are good).
    async fn initialize(&self) -> LeaseResult<()> {
        self.gateway
            .get(&self.layout.node_lease_key(&NodeId::new("")))
            .await
            .map_err(|e| self.error("initialize", e))?;
        Ok(())
    }

    async fn shutdown(&self) -> LeaseResult<()> {
        Ok(())
    }

    async fn health_check(&self) -> ProviderHealth {
        let report = self.gateway.health().await;
        let problems: Vec<String> = report
            .iter()
            .filter_map(|(endpoint, problem)| problem.as_ref().map(|p| format!("{endpoint}: {p}")))
            .collect();
        if problems.is_empty() {
            ProviderHealth::Healthy
        } else if problems.len() < report.len() {
            ProviderHealth::Degraded { reason: format!("etcd provider \"{}\": {}", self.name, problems.join("; ")) }
        } else {
            ProviderHealth::Unhealthy { reason: format!("etcd provider \"{}\": {}", self.name, problems.join("; ")) }
        }
    }

    async fn metrics(&self) -> ProviderMetrics {
        self.metrics.snapshot(CacheStats::default())
    }

    async fn commit_transaction(&self, txn: LeaseTransaction) -> LeaseResult<()> {
        self.measured(OpKind::Write, txn.ops.len() as u64, async {
            // etcd refuses a key twice in one Txn: each key's last change is what commits.
            let mut planned: BTreeMap<String, Planned<'_>> = BTreeMap::new();
            for change in &txn.ops {
                let (key, plan) = match change {
                    LeaseOp::StoreLease(l) => (self.layout.lease_key(&l.reference), Planned::PutLease(l)),
                    LeaseOp::RemoveLease(r) => (self.layout.lease_key(r), Planned::Delete),
                    LeaseOp::StoreNode(n) => (self.layout.node_key(&n.node_id), Planned::PutNode(n)),
                    LeaseOp::RemoveNode(id) => (self.layout.node_key(id), Planned::Delete),
                };
                planned.insert(key, plan);
            }
            let etcd_ops: usize = planned.values().map(|p| if matches!(p, Planned::PutLease(_)) { 2 } else { 1 }).sum();
            if etcd_ops > self.settings.max_txn_ops {
                return Err(self.backend(
                    "commit_transaction",
                    format!(
                        "the transaction has {} changes making {etcd_ops} etcd operations, more than the {} one etcd \
                         Txn may hold (the server's --max-txn-ops; setting max_txn_ops); it is refused, not split, \
                         because parts would not commit atomically",
                        txn.ops.len(),
                        self.settings.max_txn_ops
                    ),
                ));
            }
            if planned.is_empty() {
                return Ok(());
            }
            let nodes: Vec<&NodeId> = planned
                .values()
                .filter_map(|p| match p {
                    Planned::PutLease(l) => Some(&l.node_id),
                    Planned::PutNode(n) => Some(&n.node_id),
                    Planned::Delete => None,
                })
                .collect();
            for round in 0..2 {
                let ids = self
                    .node_lease_ids(nodes.iter().copied())
                    .await
                    .map_err(|e| self.error("commit_transaction", e))?;
                let mut success = Vec::with_capacity(etcd_ops);
                for (key, plan) in &planned {
                    match plan {
                        Planned::PutLease(l) => {
                            success.push(op::put(key, &layout::encode_lease(l), ids.get(&l.node_id).copied()));
                            success.push(op::put(&self.layout.fence_key(&l.reference), b"", None));
                        }
                        Planned::PutNode(n) => {
                            success.push(op::put(key, &layout::encode_node(n), ids.get(&n.node_id).copied()))
                        }
                        Planned::Delete => success.push(op::delete(key)),
                    }
                }
                match self.gateway.txn(vec![], success, vec![]).await {
                    Err(e) if round == 0 && e.is_lease_not_found() => {
                        for node in &nodes {
                            self.node_leases.forget(node);
                        }
                    }
                    other => return other.map(drop).map_err(|e| self.error("commit_transaction", e)),
                }
            }
            Err(self.backend("commit_transaction", "the nodes' etcd leases kept expiring".into()))
        })
        .await
    }
}

#[async_trait]
impl ClusterNodeProvider for EtcdDirectory {
    async fn store_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, async { self.put_node("store_node", node, None).await.map(drop) }).await
    }

    async fn get_node(&self, node_id: &NodeId) -> LeaseResult<Option<NodeInfo>> {
        self.measured(OpKind::Read, 1, async {
            match self.gateway.get(&self.layout.node_key(node_id)).await.map_err(|e| self.error("get_node", e))? {
                Some(kv) => self.decode_node("get_node", &kv).map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    async fn update_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, async {
            let present = op::present(&self.layout.node_key(&node.node_id));
            if self.put_node("update_node", node, Some(present)).await? {
                Ok(())
            } else {
                Err(LeaseError::NodeNotFound(node.node_id.clone()))
            }
        })
        .await
    }

    async fn remove_node(&self, node_id: &NodeId) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, async {
            self.gateway.delete(&self.layout.node_key(node_id)).await.map_err(|e| self.error("remove_node", e))
        })
        .await
    }

    async fn list_active_nodes(&self, now: i64) -> LeaseResult<Vec<NodeInfo>> {
        self.measured(OpKind::Read, 1, async {
            Ok(self
                .scan_nodes("list_active_nodes")
                .await?
                .into_iter()
                .map(|(_, n)| n)
                .filter(|n| n.status == NodeStatus::Active && !n.is_expired(now))
                .collect())
        })
        .await
    }

    async fn list_all_nodes(&self) -> LeaseResult<Vec<NodeInfo>> {
        self.measured(OpKind::Read, 1, async {
            Ok(self.scan_nodes("list_all_nodes").await?.into_iter().map(|(_, n)| n).collect())
        })
        .await
    }

    async fn cleanup_expired_nodes(&self, now: i64) -> LeaseResult<u64> {
        let started = std::time::Instant::now();
        let result = async {
            let expired: Vec<(String, i64)> = self
                .scan_nodes("cleanup_expired_nodes")
                .await?
                .into_iter()
                .filter(|(_, n)| n.is_expired(now))
                .map(|(kv, _)| (String::from_utf8_lossy(&kv.key).into_owned(), kv.mod_revision))
                .collect();
            self.delete_if_unchanged("cleanup_expired_nodes", &expired).await
        }
        .await;
        self.finish(OpKind::Delete, started, result)
    }

    async fn renew_node_lease(&self, node_id: &NodeId, lease_expires_at: i64) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, async {
            let key = self.layout.node_key(node_id);
            for _ in 0..5 {
                let Some(kv) = self.gateway.get(&key).await.map_err(|e| self.error("renew_node_lease", e))? else {
                    return Err(LeaseError::NodeNotFound(node_id.clone()));
                };
                let node = NodeInfo { lease_expires_at, ..self.decode_node("renew_node_lease", &kv)? };
                if self.put_node("renew_node_lease", &node, Some(op::modified_at(&key, kv.mod_revision))).await? {
                    return Ok(());
                }
            }
            Err(self.backend("renew_node_lease", format!("node {node_id} kept changing")))
        })
        .await
    }
}
