//! The lease calls of [`ObjectDirectory`]: the compare-and-swap ones are one GET and one
//! conditional PUT (the server refuses a stale version, not only our check), the tool
//! ones a read-modify-write retried through conflicts.

use super::directory::{Change, LeaseObject, ObjectDirectory};
use super::layout::LeaseEnvelope;
use crate::metrics::OpKind;
use crate::provider::{
    AcquireOutcome, AddressableDirectoryProvider, AddressableLease, AddressableReference, LeaseError, LeaseResult,
    LeaseVersion, NodeId, RenewOutcome, VersionedLease,
};
use async_trait::async_trait;

/// Conflicts a compare-and-swap call re-reads through before answering what it found.
const CAS_ROUNDS: usize = 8;

fn live(object: &Option<LeaseObject>) -> Option<VersionedLease> {
    object.as_ref().and_then(LeaseObject::versioned)
}

fn is_live(envelope: Option<&LeaseEnvelope>) -> bool {
    envelope.is_some_and(|e| e.lease.is_some())
}

impl ObjectDirectory {
    async fn try_acquire_once(
        &self,
        lease: &AddressableLease,
        expected: Option<&LeaseVersion>,
    ) -> LeaseResult<Option<AcquireOutcome>> {
        let current = self.read_lease_object(&lease.reference).await?;
        if let Some(holder) = live(&current) {
            if Some(&holder.version) != expected {
                return Ok(Some(AcquireOutcome::HeldBy(holder)));
            }
        }
        let next = LeaseEnvelope::next(current.as_ref().map(|c| &c.envelope), Some(lease.clone()), true);
        Ok(self.write_lease_object(&lease.reference, current.as_ref(), &next).await?.map(|version| {
            AcquireOutcome::Acquired(VersionedLease {
                lease: lease.clone(),
                version: LeaseVersion(version),
                fencing_token: next.fencing,
            })
        }))
    }

    async fn list_leases(&self, node: Option<&NodeId>) -> LeaseResult<Vec<AddressableLease>> {
        Ok(self
            .scan_lease_objects()
            .await?
            .into_iter()
            .filter_map(|(_, object)| object.envelope.lease)
            .filter(|lease| node.is_none_or(|n| lease.node_id == *n))
            .collect())
    }

    async fn remove_one(&self, reference: &AddressableReference) -> LeaseResult<bool> {
        self.modify_lease(reference, |current| match current {
            Some(envelope) if envelope.lease.is_some() => {
                Change::Write(LeaseEnvelope::next(Some(envelope), None, false), true)
            }
            _ => Change::Keep(false),
        })
        .await
    }

    async fn store_one(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.modify_lease(&lease.reference, |current| {
            Change::Write(LeaseEnvelope::next(current, Some(lease.clone()), true), ())
        })
        .await
    }
}

#[async_trait]
impl AddressableDirectoryProvider for ObjectDirectory {
    async fn try_acquire(
        &self,
        lease: &AddressableLease,
        expected: Option<&LeaseVersion>,
    ) -> LeaseResult<AcquireOutcome> {
        self.measured(OpKind::Write, 1, async {
            // A refused write means someone wrote the key since our read: read again and
            // answer their lease (or take the key if they released it meanwhile).
            for _ in 0..CAS_ROUNDS {
                if let Some(outcome) = self.try_acquire_once(lease, expected).await? {
                    return Ok(outcome);
                }
            }
            Err(LeaseError::Backend(format!(
                "{}: {} changed under {CAS_ROUNDS} acquisitions in a row",
                self.client.location, lease.reference
            )))
        })
        .await
    }

    async fn renew_if_owner(&self, lease: &AddressableLease, version: &LeaseVersion) -> LeaseResult<RenewOutcome> {
        self.measured(OpKind::Write, 1, async {
            let current = self.read_lease_object(&lease.reference).await?;
            match live(&current) {
                Some(holder) if holder.version == *version && holder.lease.node_id == lease.node_id => {
                    let next = LeaseEnvelope::next(current.as_ref().map(|c| &c.envelope), Some(lease.clone()), false);
                    match self.write_lease_object(&lease.reference, current.as_ref(), &next).await? {
                        Some(version) => Ok(RenewOutcome::Renewed(VersionedLease {
                            lease: lease.clone(),
                            version: LeaseVersion(version),
                            fencing_token: next.fencing,
                        })),
                        None => Ok(RenewOutcome::NotOwner(live(&self.read_lease_object(&lease.reference).await?))),
                    }
                }
                holder => Ok(RenewOutcome::NotOwner(holder)),
            }
        })
        .await
    }

    async fn release_if_owner(&self, reference: &AddressableReference, version: &LeaseVersion) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, async {
            let current = self.read_lease_object(reference).await?;
            match (&current, live(&current)) {
                (Some(object), Some(holder)) if holder.version == *version => {
                    let tombstone = LeaseEnvelope::next(Some(&object.envelope), None, false);
                    Ok(self.write_lease_object(reference, current.as_ref(), &tombstone).await?.is_some())
                }
                _ => Ok(false),
            }
        })
        .await
    }

    async fn get_versioned_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        self.measured(OpKind::Read, 1, async { Ok(live(&self.read_lease_object(reference).await?)) }).await
    }

    async fn store_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, self.store_one(lease)).await
    }

    async fn get_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>> {
        self.measured(OpKind::Read, 1, async {
            Ok(self.read_lease_object(reference).await?.and_then(|object| object.envelope.lease))
        })
        .await
    }

    async fn update_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, async {
            let found = self
                .modify_lease(&lease.reference, |current| {
                    if is_live(current) {
                        Change::Write(LeaseEnvelope::next(current, Some(lease.clone()), false), true)
                    } else {
                        Change::Keep(false)
                    }
                })
                .await?;
            if found {
                Ok(())
            } else {
                Err(LeaseError::NotFound(lease.reference.clone()))
            }
        })
        .await
    }

    async fn remove_lease(&self, reference: &AddressableReference) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, self.remove_one(reference)).await
    }

    async fn list_node_leases(&self, node_id: &NodeId) -> LeaseResult<Vec<AddressableLease>> {
        self.measured(OpKind::Read, 1, self.list_leases(Some(node_id))).await
    }

    async fn list_all_leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        self.measured(OpKind::Read, 1, self.list_leases(None)).await
    }

    /// Tombstones every lease expired at `now`, each conditioned on the object listed
    /// (a lease renewed meanwhile is re-read and kept).
    async fn cleanup_expired_leases(&self, now: i64) -> LeaseResult<u64> {
        self.measured(OpKind::Delete, 1, async {
            let mut removed = 0;
            for (reference, object) in self.scan_lease_objects().await? {
                if !object.envelope.lease.as_ref().is_some_and(|l| l.is_expired(now)) {
                    continue;
                }
                let gone = self
                    .modify_lease(&reference, |current| match current {
                        Some(envelope) if envelope.lease.as_ref().is_some_and(|l| l.is_expired(now)) => {
                            Change::Write(LeaseEnvelope::next(Some(envelope), None, false), true)
                        }
                        _ => Change::Keep(false),
                    })
                    .await?;
                removed += u64::from(gone);
            }
            Ok(removed)
        })
        .await
    }

    /// One write per lease, in order (object stores have no batch write); a failure
    /// leaves the earlier leases stored.
    async fn store_leases_bulk(&self, leases: &[AddressableLease]) -> LeaseResult<()> {
        self.measured(OpKind::Write, leases.len() as u64, async {
            for lease in leases {
                self.store_one(lease).await?;
            }
            Ok(())
        })
        .await
    }

    async fn remove_leases_bulk(&self, references: &[AddressableReference]) -> LeaseResult<u64> {
        self.measured(OpKind::Delete, references.len() as u64, async {
            let mut removed = 0;
            for reference in references {
                removed += u64::from(self.remove_one(reference).await?);
            }
            Ok(removed)
        })
        .await
    }
}
