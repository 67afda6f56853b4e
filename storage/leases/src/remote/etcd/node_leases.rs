//! One etcd lease per node id, shared by every client of the directory: its id is kept
//! under `<p>/node-lease/<node>` (a key attached to the lease itself, so it vanishes with
//! it). The first client to need a node's lease grants one and publishes it by a Txn on
//! the key's absence; a client that loses that race revokes its own grant and uses the
//! published one. Every write for a node keeps its lease alive (at most every quarter of
//! the TTL per client); when the node's process stops writing, the lease expires after
//! the TTL and etcd deletes the node's record and all its leases at once.
//!
//! A node registered through [`super::membership`] *pins* its lease here: the
//! membership granted and published it and keeps it alive, so for that node this client
//! never grants another one nor renews it; once that lease is gone, the node's writes fail
//! (etcd's "lease not found") until the node registers again — a fenced node cannot
//! acquire under a fresh lease behind its membership's back.

use super::gateway::{op, txn_range, Gateway, GatewayError, GatewayResult};
use super::layout::Layout;
use crate::provider::NodeId;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub struct NodeLeases {
    ttl_secs: i64,
    cache: Mutex<HashMap<NodeId, Known>>,
    /// Nodes whose lease a membership owns (granted and kept alive there).
    pinned: Mutex<HashMap<NodeId, i64>>,
}

#[derive(Clone, Copy)]
struct Known {
    id: i64,
    refreshed: Instant,
}

impl NodeLeases {
    pub fn new(ttl_secs: i64) -> NodeLeases {
        NodeLeases { ttl_secs, cache: Mutex::new(HashMap::new()), pinned: Mutex::new(HashMap::new()) }
    }

    /// From now on `node`'s writes use etcd lease `id`, which the caller keeps alive.
    pub fn pin(&self, node: &NodeId, id: i64) {
        self.pinned.lock().insert(node.clone(), id);
        self.cache.lock().remove(node);
    }

    /// The pinned lease of `node`, if a membership owns it.
    pub fn pinned(&self, node: &NodeId) -> Option<i64> {
        self.pinned.lock().get(node).copied()
    }

    fn refresh_every(&self) -> Duration {
        Duration::from_millis((self.ttl_secs.max(1) as u64) * 250)
    }

    /// Forgets what this client knows of `node`'s lease (after etcd said it is gone).
    pub fn forget(&self, node: &NodeId) {
        self.cache.lock().remove(node);
    }

    /// The node's live lease, granted when it has none, kept alive when due.
    pub async fn lease_for(&self, gateway: &Gateway, layout: &Layout, node: &NodeId) -> GatewayResult<i64> {
        if let Some(id) = self.pinned(node) {
            return Ok(id);
        }
        for _ in 0..4 {
            if let Some(id) = self.alive(gateway, layout, node).await? {
                return Ok(id);
            }
            let granted = gateway.grant(self.ttl_secs).await?;
            let key = layout.node_lease_key(node);
            let reply = gateway
                .txn(
                    vec![op::absent(&key)],
                    vec![op::put(&key, granted.to_string().as_bytes(), Some(granted))],
                    vec![op::range(&key)],
                )
                .await?;
            if reply.succeeded {
                self.remember(node, granted);
                return Ok(granted);
            }
            // Another client published the node's lease first: use that one.
            let _ = gateway.revoke(granted).await;
            if let Some(kv) = txn_range(&reply, 0)? {
                let id = parse_id(&kv.value)?;
                self.remember(node, id);
                return Ok(id);
            }
        }
        Err(GatewayError::Unreachable(format!("the etcd lease of node {node} kept vanishing while it was granted")))
    }

    /// The node's lease if one exists (nothing is granted), kept alive when due.
    pub async fn existing(&self, gateway: &Gateway, layout: &Layout, node: &NodeId) -> GatewayResult<Option<i64>> {
        self.alive(gateway, layout, node).await
    }

    /// The known or published lease of `node`, refreshed if due; `None` when there is none
    /// or it has expired.
    async fn alive(&self, gateway: &Gateway, layout: &Layout, node: &NodeId) -> GatewayResult<Option<i64>> {
        if let Some(id) = self.pinned(node) {
            return Ok(Some(id));
        }
        let known = self.cache.lock().get(node).copied();
        let id = match known {
            Some(k) if k.refreshed.elapsed() < self.refresh_every() => return Ok(Some(k.id)),
            Some(k) => k.id,
            None => match gateway.get(&layout.node_lease_key(node)).await? {
                Some(kv) => parse_id(&kv.value)?,
                None => return Ok(None),
            },
        };
        if gateway.keep_alive(id).await? {
            self.remember(node, id);
            Ok(Some(id))
        } else {
            self.forget(node);
            Ok(None)
        }
    }

    fn remember(&self, node: &NodeId, id: i64) {
        self.cache.lock().insert(node.clone(), Known { id, refreshed: Instant::now() });
    }
}

fn parse_id(value: &[u8]) -> GatewayResult<i64> {
    std::str::from_utf8(value).ok().and_then(|s| s.parse().ok()).ok_or_else(|| {
        GatewayError::Malformed(format!("a node-lease record holds {:?}", String::from_utf8_lossy(value)))
    })
}
