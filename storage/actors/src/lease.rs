//! The lease directory: which node currently hosts which addressable (actor), and until
//! when.
//!
//! The actor runtime records a lease when it activates an actor, renews it while the
//! actor lives and removes it on deactivation. Leases are stored through the
//! [`AddressableDirectoryProvider`] trait so that the backend (memory here; cow_btree,
//! lsm_tree, rocksdb and remote ones later) can be chosen by configuration. The trait
//! says nothing about how a backend keeps its data. [`MemoryDirectory`] is the DashMap
//! backend.

pub use orbit_leases::provider::*;

use async_trait::async_trait;
use dashmap::DashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// The in-memory lease directory (nothing survives the process).
#[derive(Default)]
pub struct MemoryDirectory {
    leases: DashMap<AddressableReference, AddressableLease>,
    reads: AtomicU64,
    writes: AtomicU64,
    deletes: AtomicU64,
    errors: AtomicU64,
}

impl MemoryDirectory {
    pub fn new() -> Self {
        Self::default()
    }

    fn count(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

#[async_trait]
impl PersistenceProvider for MemoryDirectory {
    async fn initialize(&self) -> LeaseResult<()> {
        Ok(())
    }

    async fn shutdown(&self) -> LeaseResult<()> {
        Ok(())
    }

    async fn health_check(&self) -> ProviderHealth {
        ProviderHealth::Healthy
    }

    async fn metrics(&self) -> ProviderMetrics {
        ProviderMetrics {
            read_operations: self.reads.load(Ordering::Relaxed),
            write_operations: self.writes.load(Ordering::Relaxed),
            delete_operations: self.deletes.load(Ordering::Relaxed),
            error_count: self.errors.load(Ordering::Relaxed),
            ..ProviderMetrics::default()
        }
    }

    async fn commit_transaction(&self, txn: LeaseTransaction) -> LeaseResult<()> {
        for op in txn.ops {
            match op {
                LeaseOp::StoreLease(lease) => self.store_lease(&lease).await?,
                LeaseOp::RemoveLease(reference) => {
                    self.remove_lease(&reference).await?;
                }
                LeaseOp::StoreNode(_) | LeaseOp::RemoveNode(_) => {
                    return Err(LeaseError::NotSupported("cluster nodes in MemoryDirectory".into()))
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl AddressableDirectoryProvider for MemoryDirectory {
    async fn store_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        Self::count(&self.writes, 1);
        self.leases.insert(lease.reference.clone(), lease.clone());
        Ok(())
    }

    async fn get_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>> {
        Self::count(&self.reads, 1);
        Ok(self.leases.get(reference).map(|l| l.clone()))
    }

    async fn update_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        Self::count(&self.writes, 1);
        match self.leases.get_mut(&lease.reference) {
            Some(mut existing) => {
                *existing = lease.clone();
                Ok(())
            }
            None => {
                Self::count(&self.errors, 1);
                Err(LeaseError::NotFound(lease.reference.clone()))
            }
        }
    }

    async fn remove_lease(&self, reference: &AddressableReference) -> LeaseResult<bool> {
        Self::count(&self.deletes, 1);
        Ok(self.leases.remove(reference).is_some())
    }

    async fn list_node_leases(&self, node_id: &NodeId) -> LeaseResult<Vec<AddressableLease>> {
        Self::count(&self.reads, 1);
        Ok(self.leases.iter().filter(|l| &l.node_id == node_id).map(|l| l.clone()).collect())
    }

    async fn list_all_leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        Self::count(&self.reads, 1);
        Ok(self.leases.iter().map(|l| l.clone()).collect())
    }

    async fn cleanup_expired_leases(&self, now: i64) -> LeaseResult<u64> {
        let before = self.leases.len();
        self.leases.retain(|_, lease| !lease.is_expired(now));
        let removed = before.saturating_sub(self.leases.len()) as u64;
        Self::count(&self.deletes, removed);
        Ok(removed)
    }

    async fn store_leases_bulk(&self, leases: &[AddressableLease]) -> LeaseResult<()> {
        Self::count(&self.writes, leases.len() as u64);
        for lease in leases {
            self.leases.insert(lease.reference.clone(), lease.clone());
        }
        Ok(())
    }

    async fn remove_leases_bulk(&self, references: &[AddressableReference]) -> LeaseResult<u64> {
        Self::count(&self.deletes, references.len() as u64);
        Ok(references.iter().filter(|r| self.leases.remove(*r).is_some()).count() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(ty: &str, key: &str, node: &str, expires_at: i64) -> AddressableLease {
        AddressableLease {
            reference: AddressableReference::new(ty, key),
            node_id: NodeId::new(node),
            activation_id: 1,
            created_at: 0,
            expires_at,
        }
    }

    #[tokio::test]
    async fn store_get_update_remove() {
        let dir = MemoryDirectory::new();
        let l = lease("shard", "a", "n1", 100);
        assert_eq!(dir.get_lease(&l.reference).await.unwrap(), None);
        dir.store_lease(&l).await.unwrap();
        assert_eq!(dir.get_lease(&l.reference).await.unwrap(), Some(l.clone()));

        let renewed = AddressableLease { expires_at: 200, ..l.clone() };
        dir.update_lease(&renewed).await.unwrap();
        assert_eq!(dir.get_lease(&l.reference).await.unwrap().unwrap().expires_at, 200);

        assert!(dir.remove_lease(&l.reference).await.unwrap());
        assert!(!dir.remove_lease(&l.reference).await.unwrap());
        assert_eq!(dir.update_lease(&renewed).await, Err(LeaseError::NotFound(l.reference.clone())));
        let m = dir.metrics().await;
        assert_eq!(m.error_count, 1);
        assert_eq!(m.delete_operations, 2);
        assert!(m.write_operations >= 2 && m.read_operations >= 3);
    }

    #[tokio::test]
    async fn lists_by_node_and_all() {
        let dir = MemoryDirectory::new();
        dir.store_leases_bulk(&[
            lease("shard", "a", "n1", 100),
            lease("shard", "b", "n2", 100),
            lease("sys", "a", "n1", 100),
        ])
        .await
        .unwrap();
        let mut n1: Vec<_> =
            dir.list_node_leases(&NodeId::new("n1")).await.unwrap().into_iter().map(|l| l.reference).collect();
        n1.sort();
        assert_eq!(n1, vec![AddressableReference::new("shard", "a"), AddressableReference::new("sys", "a")]);
        assert_eq!(dir.list_node_leases(&NodeId::new("n3")).await.unwrap(), vec![]);
        assert_eq!(dir.list_all_leases().await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn cleanup_removes_only_expired() {
        let dir = MemoryDirectory::new();
        dir.store_leases_bulk(&[lease("t", "old", "n", 10), lease("t", "edge", "n", 50), lease("t", "new", "n", 51)])
            .await
            .unwrap();
        assert_eq!(dir.cleanup_expired_leases(50).await.unwrap(), 2);
        let left = dir.list_all_leases().await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].reference.key, "new");
        assert_eq!(dir.cleanup_expired_leases(50).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn bulk_remove_counts_existing_only() {
        let dir = MemoryDirectory::new();
        dir.store_leases_bulk(&[lease("t", "a", "n", 10), lease("t", "b", "n", 10)]).await.unwrap();
        let removed = dir
            .remove_leases_bulk(&[
                AddressableReference::new("t", "a"),
                AddressableReference::new("t", "missing"),
                AddressableReference::new("t", "b"),
            ])
            .await
            .unwrap();
        assert_eq!(removed, 2);
        assert!(dir.list_all_leases().await.unwrap().is_empty());
    }
}
