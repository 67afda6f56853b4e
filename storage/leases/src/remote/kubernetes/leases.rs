//! [`AddressableDirectoryProvider`] for [`KubernetesDirectory`]: every call on one key
//! is one compare-and-swap of its shard ConfigMap, decided on the shard as stored.

use super::shards::shard_of;
use super::KubernetesDirectory;
use crate::metrics::OpKind;
use crate::provider::{
    AcquireOutcome, AddressableDirectoryProvider, AddressableLease, AddressableReference, LeaseError, LeaseOp,
    LeaseResult, LeaseVersion, NodeId, RenewOutcome, VersionedLease,
};
use async_trait::async_trait;

#[async_trait]
impl AddressableDirectoryProvider for KubernetesDirectory {
    async fn try_acquire(
        &self,
        lease: &AddressableLease,
        expected: Option<&LeaseVersion>,
    ) -> LeaseResult<AcquireOutcome> {
        let index = shard_of(&lease.reference, self.shards);
        self.measured(OpKind::Write, 1, async {
            self.modify_shard(index, |shard| match shard.current(&lease.reference)? {
                Some(current) if Some(&current.version) != expected => Ok(AcquireOutcome::HeldBy(current)),
                _ => Ok(AcquireOutcome::Acquired(shard.put_lease(lease, true)?)),
            })
            .await
        })
        .await
    }

    async fn renew_if_owner(&self, lease: &AddressableLease, version: &LeaseVersion) -> LeaseResult<RenewOutcome> {
        let index = shard_of(&lease.reference, self.shards);
        self.measured(OpKind::Write, 1, async {
            self.modify_shard(index, |shard| match shard.current(&lease.reference)? {
                Some(current) if current.version == *version && current.lease.node_id == lease.node_id => {
                    Ok(RenewOutcome::Renewed(shard.put_lease(lease, false)?))
                }
                current => Ok(RenewOutcome::NotOwner(current)),
            })
            .await
        })
        .await
    }

    async fn release_if_owner(&self, reference: &AddressableReference, version: &LeaseVersion) -> LeaseResult<bool> {
        let index = shard_of(reference, self.shards);
        self.measured(OpKind::Delete, 1, async {
            self.modify_shard(index, |shard| match shard.current(reference)? {
                Some(current) if current.version == *version => shard.remove_lease(reference),
                _ => Ok(false),
            })
            .await
        })
        .await
    }

    async fn get_versioned_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        self.measured(OpKind::Read, 1, async {
            self.read_shard(shard_of(reference, self.shards)).await?.current(reference)
        })
        .await
    }

    async fn store_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        let index = shard_of(&lease.reference, self.shards);
        self.measured(OpKind::Write, 1, async {
            self.modify_shard(index, |shard| shard.put_lease(lease, true).map(drop)).await
        })
        .await
    }

    async fn get_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>> {
        Ok(self.get_versioned_lease(reference).await?.map(|v| v.lease))
    }

    async fn update_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        let index = shard_of(&lease.reference, self.shards);
        self.measured(OpKind::Write, 1, async {
            self.modify_shard(index, |shard| match shard.current(&lease.reference)? {
                Some(_) => shard.put_lease(lease, false).map(drop),
                None => Err(LeaseError::NotFound(lease.reference.clone())),
            })
            .await
        })
        .await
    }

    async fn remove_lease(&self, reference: &AddressableReference) -> LeaseResult<bool> {
        let index = shard_of(reference, self.shards);
        self.measured(OpKind::Delete, 1, async {
            self.modify_shard(index, |shard| shard.remove_lease(reference)).await
        })
        .await
    }

    async fn list_node_leases(&self, node_id: &NodeId) -> LeaseResult<Vec<AddressableLease>> {
        let all = self.list_all_leases().await?;
        Ok(all.into_iter().filter(|l| &l.node_id == node_id).collect())
    }

    async fn list_all_leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        self.measured(OpKind::Read, 1, async {
            let mut out = Vec::new();
            for (_, shard) in self.read_all_shards().await? {
                out.extend(shard.leases()?);
            }
            Ok(out)
        })
        .await
    }

    async fn cleanup_expired_leases(&self, now: i64) -> LeaseResult<u64> {
        self.counted(OpKind::Delete, async {
            let mut removed = 0;
            for (index, shard) in self.read_all_shards().await? {
                if !shard.leases()?.iter().any(|l| l.is_expired(now)) {
                    continue;
                }
                // Decided again on the shard as it is at the write.
                removed += self
                    .modify_shard(index, |shard| {
                        let mut removed = 0;
                        for lease in shard.leases()?.into_iter().filter(|l| l.is_expired(now)) {
                            removed += u64::from(shard.remove_lease(&lease.reference)?);
                        }
                        Ok(removed)
                    })
                    .await?;
            }
            Ok(removed)
        })
        .await
    }

    async fn store_leases_bulk(&self, leases: &[AddressableLease]) -> LeaseResult<()> {
        let ops: Vec<LeaseOp> = leases.iter().cloned().map(LeaseOp::StoreLease).collect();
        self.measured(OpKind::Write, leases.len() as u64, async { self.apply_lease_ops(&ops).await.map(drop) }).await
    }

    async fn remove_leases_bulk(&self, references: &[AddressableReference]) -> LeaseResult<u64> {
        let ops: Vec<LeaseOp> = references.iter().cloned().map(LeaseOp::RemoveLease).collect();
        self.counted(OpKind::Delete, self.apply_lease_ops(&ops)).await
    }
}
