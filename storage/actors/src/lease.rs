//! The lease directory as the actor runtime sees it: which node currently hosts which
//! addressable (actor), and until when.
//!
//! The runtime records a lease when it activates an actor, renews it while the actor
//! lives and removes it on deactivation, through an `Arc<dyn AddressableDirectoryProvider>`
//! chosen by configuration. The providers live in `orbit-leases` (re-exported here):
//! memory, cow_btree, lsm_tree and rocksdb backends over one [`Directory`]
//! implementation. [`MemoryDirectory`] (`MemoryDirectory::new()`) is the in-memory one,
//! used when nothing else is configured and by tests.

pub use orbit_leases::provider::*;
pub use orbit_leases::{Directory, MemoryDirectory, MemoryStore};

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn memory_directory_serves_as_the_runtime_provider() {
        let provider: Arc<dyn AddressableDirectoryProvider> = Arc::new(MemoryDirectory::new());
        let lease = AddressableLease {
            reference: AddressableReference::new("shard", "a"),
            node_id: NodeId::new("n1"),
            activation_id: 1,
            created_at: 0,
            expires_at: 100,
        };
        provider.store_lease(&lease).await.expect("store");
        assert_eq!(provider.list_node_leases(&NodeId::new("n1")).await.expect("list"), vec![lease.clone()]);
        assert_eq!(provider.cleanup_expired_leases(100).await.expect("cleanup"), 1);
        assert_eq!(provider.get_lease(&lease.reference).await.expect("get"), None);
    }
}
