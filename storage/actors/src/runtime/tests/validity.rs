//! An activation serves only while its lease is valid on the local clock: when the
//! directory stops answering renewals, the activation stops once the lease's duration
//! minus the skew margin has passed since its last renewal, before another node may take
//! the key over; when the directory answers again, the next message activates it anew.

use super::probe::{incr, node, wait_until_inactive};
use super::*;
use crate::lease::{
    LeaseError, LeaseResult, LeaseTransaction, LeaseVersion, PersistenceProvider, ProviderHealth, ProviderMetrics,
};
use crate::runtime::EndReason;
use async_trait::async_trait;
use std::sync::atomic::AtomicBool;

/// A memory directory whose renewals fail while `unreachable` is set.
struct FlakyRenewals {
    inner: MemoryDirectory,
    unreachable: AtomicBool,
}

#[async_trait]
impl PersistenceProvider for FlakyRenewals {
    async fn initialize(&self) -> LeaseResult<()> {
        self.inner.initialize().await
    }
    async fn shutdown(&self) -> LeaseResult<()> {
        self.inner.shutdown().await
    }
    async fn health_check(&self) -> ProviderHealth {
        self.inner.health_check().await
    }
    async fn metrics(&self) -> ProviderMetrics {
        self.inner.metrics().await
    }
    async fn commit_transaction(&self, txn: LeaseTransaction) -> LeaseResult<()> {
        self.inner.commit_transaction(txn).await
    }
}

#[async_trait]
impl AddressableDirectoryProvider for FlakyRenewals {
    async fn try_acquire(
        &self,
        lease: &AddressableLease,
        expected: Option<&LeaseVersion>,
    ) -> LeaseResult<AcquireOutcome> {
        self.inner.try_acquire(lease, expected).await
    }
    async fn renew_if_owner(&self, lease: &AddressableLease, version: &LeaseVersion) -> LeaseResult<RenewOutcome> {
        if self.unreachable.load(Ordering::SeqCst) {
            return Err(LeaseError::Unavailable("test: renewals fail".into()));
        }
        self.inner.renew_if_owner(lease, version).await
    }
    async fn release_if_owner(&self, reference: &AddressableReference, version: &LeaseVersion) -> LeaseResult<bool> {
        self.inner.release_if_owner(reference, version).await
    }
    async fn get_versioned_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        self.inner.get_versioned_lease(reference).await
    }
    async fn store_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.inner.store_lease(lease).await
    }
    async fn get_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>> {
        self.inner.get_lease(reference).await
    }
    async fn update_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.inner.update_lease(lease).await
    }
    async fn remove_lease(&self, reference: &AddressableReference) -> LeaseResult<bool> {
        self.inner.remove_lease(reference).await
    }
    async fn list_node_leases(&self, node_id: &NodeId) -> LeaseResult<Vec<AddressableLease>> {
        self.inner.list_node_leases(node_id).await
    }
    async fn list_all_leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        self.inner.list_all_leases().await
    }
    async fn cleanup_expired_leases(&self, now: i64) -> LeaseResult<u64> {
        self.inner.cleanup_expired_leases(now).await
    }
    async fn store_leases_bulk(&self, leases: &[AddressableLease]) -> LeaseResult<()> {
        self.inner.store_leases_bulk(leases).await
    }
    async fn remove_leases_bulk(&self, references: &[AddressableReference]) -> LeaseResult<u64> {
        self.inner.remove_leases_bulk(references).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activation_whose_renewals_fail_stops_when_its_lease_runs_out_locally() {
    let directory = Arc::new(FlakyRenewals { inner: MemoryDirectory::new(), unreachable: AtomicBool::new(false) });
    let config = ActorRuntimeConfig {
        node_id: NodeId::new("node-a"),
        lease_duration: Duration::from_millis(150),
        idle_timeout: Duration::from_secs(60),
        skew_margin: Duration::from_millis(10),
    };
    let log = Arc::new(crate::runtime::ActivationLog::new());
    let hooks = crate::runtime::RuntimeHooks { fence: None, activation_sink: Some(log.clone()) };
    let rt: ActorRuntime<super::probe::Probe> = ActorRuntime::with_hooks(config, directory.clone(), hooks);
    assert_eq!(incr(&rt, "k").await.unwrap().count, 1);
    let reference = AddressableReference::new("test.probe", "k");
    let lease = directory.get_lease(&reference).await.unwrap().expect("leased");

    directory.unreachable.store(true, Ordering::SeqCst);
    wait_until_inactive(&rt, "k").await;
    let intervals = log.intervals();
    assert_eq!(intervals.len(), 1);
    assert_eq!(intervals[0].end, Some(EndReason::LeaseLost));
    let stored = directory.get_lease(&reference).await.unwrap().expect("not released by a node that lost touch");
    assert!(stored.expires_at >= lease.expires_at);

    directory.unreachable.store(false, Ordering::SeqCst);
    assert_eq!(incr(&rt, "k").await.unwrap().count, 2, "activated anew with its state");
    assert_eq!(log.intervals().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_renewals_succeed_late_messages_are_still_served() {
    // A lease shorter than the skew margin is valid for half its duration only: messages
    // renew it inline first, and are served.
    let directory = Arc::new(MemoryDirectory::new());
    let a = node("node-a", &directory, None, 5);
    for expected in 1..=20 {
        assert_eq!(incr(&a.rt, "k").await.unwrap().count, expected);
    }
    assert!(a.rt.is_active("k"));
}
