//! [`AddressableDirectoryProvider`] for [`EtcdDirectory`]: each compare-and-swap call is
//! one Txn (see the module note of [`super`]); the unconditional calls are Txns without
//! a precondition, bulk ones in Txns of at most `max_txn_ops` operations each.

use super::gateway::{op, txn_deleted, txn_range, GatewayResult, TxnReply};
use super::layout;
use super::EtcdDirectory;
use crate::metrics::OpKind;
use crate::provider::{
    AcquireOutcome, AddressableDirectoryProvider, AddressableLease, AddressableReference, LeaseError, LeaseResult,
    LeaseVersion, NodeId, RenewOutcome, VersionedLease,
};
use async_trait::async_trait;
use std::collections::{BTreeMap, BTreeSet};

/// A version that names no revision never matches (etcd revisions are positive).
fn revision_of(version: &LeaseVersion) -> i64 {
    version.0.parse::<i64>().ok().filter(|r| *r > 0).unwrap_or(-1)
}

impl EtcdDirectory {
    async fn read_versioned(
        &self,
        op_name: &str,
        reference: &AddressableReference,
    ) -> LeaseResult<Option<VersionedLease>> {
        let (key, fence) = (self.layout.lease_key(reference), self.layout.fence_key(reference));
        let reply = self
            .gateway
            .txn(vec![], vec![op::range(&key), op::range(&fence)], vec![])
            .await
            .map_err(|e| self.error(op_name, e))?;
        self.versioned_in(op_name, &reply)
    }

    /// The lease and fence read by the first two responses of `reply`.
    fn versioned_in(&self, op_name: &str, reply: &TxnReply) -> LeaseResult<Option<VersionedLease>> {
        let lease = txn_range(reply, 0).map_err(|e| self.error(op_name, e))?;
        let fence = txn_range(reply, 1).map_err(|e| self.error(op_name, e))?;
        self.versioned(op_name, lease, fence)
    }

    async fn scan_leases(&self, op_name: &str) -> LeaseResult<Vec<AddressableLease>> {
        let kvs = self.gateway.scan(&self.layout.leases_prefix()).await.map_err(|e| self.error(op_name, e))?;
        kvs.iter().map(|kv| self.decode_lease(op_name, kv)).collect()
    }

    /// Deletes each key if still at its revision; how many were deleted.
    pub(super) async fn delete_if_unchanged(&self, op_name: &str, keys: &[(String, i64)]) -> LeaseResult<u64> {
        let mut removed = 0;
        for chunk in keys.chunks(self.settings.max_txn_ops) {
            let compare = chunk.iter().map(|(k, r)| op::modified_at(k, *r)).collect();
            let deletes = chunk.iter().map(|(k, _)| op::delete(k)).collect();
            let reply = self.gateway.txn(compare, deletes, vec![]).await.map_err(|e| self.error(op_name, e))?;
            if reply.succeeded {
                removed += chunk.len() as u64;
                continue;
            }
            // Something in the chunk changed meanwhile: one key at a time.
            for (key, revision) in chunk {
                let reply = self
                    .gateway
                    .txn(vec![op::modified_at(key, *revision)], vec![op::delete(key)], vec![])
                    .await
                    .map_err(|e| self.error(op_name, e))?;
                removed += u64::from(reply.succeeded);
            }
        }
        Ok(removed)
    }

    /// Puts leases (with their fence bump) in Txns of at most `max_txn_ops` operations.
    async fn put_leases(&self, op_name: &str, leases: &[AddressableLease]) -> LeaseResult<()> {
        // The same key twice in one Txn is refused by etcd: the later lease wins.
        let mut last: BTreeMap<String, &AddressableLease> = BTreeMap::new();
        for lease in leases {
            last.insert(self.layout.lease_key(&lease.reference), lease);
        }
        let unique: Vec<&AddressableLease> = last.into_values().collect();
        for chunk in unique.chunks((self.settings.max_txn_ops / 2).max(1)) {
            let nodes: BTreeSet<&NodeId> = chunk.iter().map(|l| &l.node_id).collect();
            let attempt = |ids: BTreeMap<NodeId, i64>| {
                let puts: Vec<_> = chunk
                    .iter()
                    .flat_map(|l| {
                        let id = ids.get(&l.node_id).copied();
                        [
                            op::put(&self.layout.lease_key(&l.reference), &layout::encode_lease(l), id),
                            op::put(&self.layout.fence_key(&l.reference), b"", None),
                        ]
                    })
                    .collect();
                async move { self.gateway.txn(vec![], puts, vec![]).await }
            };
            let mut result =
                attempt(self.node_lease_ids(nodes.iter().copied()).await.map_err(|e| self.error(op_name, e))?).await;
            if matches!(&result, Err(e) if e.is_lease_not_found()) {
                for node in &nodes {
                    self.node_leases.forget(node);
                }
                result = attempt(self.node_lease_ids(nodes.iter().copied()).await.map_err(|e| self.error(op_name, e))?)
                    .await;
            }
            result.map_err(|e| self.error(op_name, e))?;
        }
        Ok(())
    }

    /// The live etcd lease of each node.
    pub(super) async fn node_lease_ids<'a>(
        &self,
        nodes: impl Iterator<Item = &'a NodeId>,
    ) -> GatewayResult<BTreeMap<NodeId, i64>> {
        let mut ids = BTreeMap::new();
        for node in nodes {
            ids.insert(node.clone(), self.node_leases.lease_for(&self.gateway, &self.layout, node).await?);
        }
        Ok(ids)
    }
}

#[async_trait]
impl AddressableDirectoryProvider for EtcdDirectory {
    async fn try_acquire(
        &self,
        lease: &AddressableLease,
        expected: Option<&LeaseVersion>,
    ) -> LeaseResult<AcquireOutcome> {
        self.measured(OpKind::Write, 1, async {
            let (key, fence) = (self.layout.lease_key(&lease.reference), self.layout.fence_key(&lease.reference));
            let value = layout::encode_lease(lease);
            let mut expected = expected.map(revision_of);
            for _ in 0..3 {
                let compare = match expected {
                    None => op::absent(&key),
                    Some(revision) => op::modified_at(&key, revision),
                };
                let reply = self
                    .with_node_lease(&lease.node_id, |id| {
                        let compare = compare.clone();
                        let success = vec![op::put(&key, &value, Some(id)), op::put(&fence, b"", None)];
                        let failure = vec![op::range(&key), op::range(&fence)];
                        async move { self.gateway.txn(vec![compare], success, failure).await }
                    })
                    .await
                    .map_err(|e| self.error("try_acquire", e))?;
                if reply.succeeded {
                    let token = reply.revision.max(0) as u64;
                    return Ok(AcquireOutcome::Acquired(VersionedLease {
                        lease: lease.clone(),
                        version: LeaseVersion(reply.revision.to_string()),
                        fencing_token: token,
                    }));
                }
                match self.versioned_in("try_acquire", &reply)? {
                    Some(current) => return Ok(AcquireOutcome::HeldBy(current)),
                    // The key is free (the expected version was of a lease since removed).
                    None => expected = None,
                }
            }
            Err(self.backend("try_acquire", format!("{} kept changing", lease.reference)))
        })
        .await
    }

    async fn renew_if_owner(&self, lease: &AddressableLease, version: &LeaseVersion) -> LeaseResult<RenewOutcome> {
        self.measured(OpKind::Write, 1, async {
            let reference = &lease.reference;
            let Some(id) = self
                .node_leases
                .existing(&self.gateway, &self.layout, &lease.node_id)
                .await
                .map_err(|e| self.error("renew_if_owner", e))?
            else {
                // The node has no live etcd lease, so no key is attached to it.
                return Ok(RenewOutcome::NotOwner(self.read_versioned("renew_if_owner", reference).await?));
            };
            let (key, fence) = (self.layout.lease_key(reference), self.layout.fence_key(reference));
            let compare = vec![op::modified_at(&key, revision_of(version)), op::attached_to(&key, id)];
            let success = vec![op::put(&key, &layout::encode_lease(lease), Some(id)), op::range(&fence)];
            let reply = match self.gateway.txn(compare, success, vec![op::range(&key), op::range(&fence)]).await {
                Err(e) if e.is_lease_not_found() => {
                    self.node_leases.forget(&lease.node_id);
                    return Ok(RenewOutcome::NotOwner(self.read_versioned("renew_if_owner", reference).await?));
                }
                other => other.map_err(|e| self.error("renew_if_owner", e))?,
            };
            if !reply.succeeded {
                return Ok(RenewOutcome::NotOwner(self.versioned_in("renew_if_owner", &reply)?));
            }
            let fence = txn_range(&reply, 1).map_err(|e| self.error("renew_if_owner", e))?;
            Ok(RenewOutcome::Renewed(VersionedLease {
                lease: lease.clone(),
                version: LeaseVersion(reply.revision.to_string()),
                fencing_token: fence.map_or(0, |f| f.mod_revision.max(0) as u64),
            }))
        })
        .await
    }

    async fn release_if_owner(&self, reference: &AddressableReference, version: &LeaseVersion) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, async {
            let key = self.layout.lease_key(reference);
            let reply = self
                .gateway
                .txn(vec![op::modified_at(&key, revision_of(version))], vec![op::delete(&key)], vec![])
                .await
                .map_err(|e| self.error("release_if_owner", e))?;
            Ok(reply.succeeded)
        })
        .await
    }

    async fn get_versioned_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        self.measured(OpKind::Read, 1, self.read_versioned("get_versioned_lease", reference)).await
    }

    async fn store_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, self.put_leases("store_lease", std::slice::from_ref(lease))).await
    }

    async fn get_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>> {
        self.measured(OpKind::Read, 1, async {
            match self.gateway.get(&self.layout.lease_key(reference)).await.map_err(|e| self.error("get_lease", e))? {
                Some(kv) => self.decode_lease("get_lease", &kv).map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    async fn update_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, async {
            let key = self.layout.lease_key(&lease.reference);
            let value = layout::encode_lease(lease);
            let reply = self
                .with_node_lease(&lease.node_id, |id| {
                    let success = vec![op::put(&key, &value, Some(id))];
                    let compare = vec![op::present(&key)];
                    async move { self.gateway.txn(compare, success, vec![]).await }
                })
                .await
                .map_err(|e| self.error("update_lease", e))?;
            if reply.succeeded {
                Ok(())
            } else {
                Err(LeaseError::NotFound(lease.reference.clone()))
            }
        })
        .await
    }

    async fn remove_lease(&self, reference: &AddressableReference) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, async {
            self.gateway.delete(&self.layout.lease_key(reference)).await.map_err(|e| self.error("remove_lease", e))
        })
        .await
    }

    async fn list_node_leases(&self, node_id: &NodeId) -> LeaseResult<Vec<AddressableLease>> {
        self.measured(OpKind::Read, 1, async {
            let all = self.scan_leases("list_node_leases").await?;
            Ok(all.into_iter().filter(|l| l.node_id == *node_id).collect())
        })
        .await
    }

    async fn list_all_leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        self.measured(OpKind::Read, 1, self.scan_leases("list_all_leases")).await
    }

    async fn cleanup_expired_leases(&self, now: i64) -> LeaseResult<u64> {
        let started = std::time::Instant::now();
        let result = async {
            let kvs = self
                .gateway
                .scan(&self.layout.leases_prefix())
                .await
                .map_err(|e| self.error("cleanup_expired_leases", e))?;
            let mut expired = Vec::new();
            for kv in &kvs {
                if self.decode_lease("cleanup_expired_leases", kv)?.is_expired(now) {
                    expired.push((String::from_utf8_lossy(&kv.key).into_owned(), kv.mod_revision));
                }
            }
            self.delete_if_unchanged("cleanup_expired_leases", &expired).await
        }
        .await;
        self.finish(OpKind::Delete, started, result)
    }

    async fn store_leases_bulk(&self, leases: &[AddressableLease]) -> LeaseResult<()> {
        self.measured(OpKind::Write, leases.len() as u64, self.put_leases("store_leases_bulk", leases)).await
    }

    async fn remove_leases_bulk(&self, references: &[AddressableReference]) -> LeaseResult<u64> {
        let started = std::time::Instant::now();
        let result = async {
            let keys: BTreeSet<String> = references.iter().map(|r| self.layout.lease_key(r)).collect();
            let keys: Vec<String> = keys.into_iter().collect();
            let mut removed = 0u64;
            for chunk in keys.chunks(self.settings.max_txn_ops) {
                let deletes = chunk.iter().map(|k| op::delete(k)).collect();
                let reply =
                    self.gateway.txn(vec![], deletes, vec![]).await.map_err(|e| self.error("remove_leases_bulk", e))?;
                for i in 0..chunk.len() {
                    removed += txn_deleted(&reply, i).map_err(|e| self.error("remove_leases_bulk", e))?.max(0) as u64;
                }
            }
            Ok(removed)
        }
        .await;
        self.finish(OpKind::Delete, started, result)
    }
}

impl EtcdDirectory {
    /// Records a call whose operation count is its result.
    pub(super) fn finish(
        &self,
        kind: OpKind,
        started: std::time::Instant,
        result: LeaseResult<u64>,
    ) -> LeaseResult<u64> {
        let ops = *result.as_ref().unwrap_or(&0);
        self.metrics.record(kind, ops, started.elapsed());
        if result.is_err() {
            self.metrics.record_error();
        }
        result
    }
}
