//! The Composite backend: a primary and a backup provider.
//!
//! * Strict mode (default): every write is decided by the primary (its compare-and-swap)
//!   and then mirrored to the backup before the call returns; safe for single activation
//!   while the primary serves. Fast mode mirrors in the background: the backup may miss
//!   recent grants, so it is NOT safe for single activation after a failover.
//! * Failover: `failover_threshold` Unavailable errors of the primary within
//!   `failover_window` switch every call to the backup (for the life of the process).
//!   For `max_lease_ttl` + `skew_margin` after that, the backup grants no key it holds no
//!   lease for (it answers Unavailable): a grant the primary made but the backup missed
//!   has expired by then.
//! * Health: Degraded when one member is unhealthy, Unhealthy when both are.
//!
//! Versions and fencing tokens are the serving member's: after a failover, versions the
//! primary gave out do not match the backup's, so holders must re-acquire (they are
//! refused, never wrongly accepted).

pub mod settings;
#[cfg(test)]
mod tests;

use crate::config::{BackendKind, PersistenceConfig};
use crate::provider::{
    AcquireOutcome, AddressableDirectoryProvider, AddressableLease, AddressableReference, ClusterNodeProvider,
    LeaseError, LeaseResult, LeaseTransaction, LeaseVersion, NodeId, NodeInfo, PersistenceProvider, ProviderHealth,
    ProviderMetrics, RenewOutcome, VersionedLease,
};
use crate::registry::{open_provider, LeaseBackend, LeaseDirectory};
use async_trait::async_trait;
use parking_lot::Mutex;
use serde_json::{Map, Value};
use settings::{CompositeSettings, Member, Mode};
use std::collections::VecDeque;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Opens the Composite provider `name`, its members through `open_named` (or inline).
pub fn open(
    name: &str,
    settings: &Map<String, Value>,
    data_dir: &Path,
    open_named: &dyn Fn(&str) -> LeaseResult<LeaseBackend>,
) -> LeaseResult<LeaseBackend> {
    let settings = CompositeSettings::from_table(name, settings)?;
    let member = |field: &str, m: &Member| -> LeaseResult<LeaseBackend> {
        match m {
            Member::Named(other) => open_named(other),
            Member::Inline(table) => {
                let inner = format!("{name}.{field}");
                let doc = serde_json::json!({ "providers": { inner.clone(): Value::Object(table.clone()) } });
                let config = PersistenceConfig::from_json_value(doc)?;
                let spec = config
                    .providers
                    .get(&inner)
                    .ok_or_else(|| LeaseError::Config(format!("providers.{inner}: missing")))?;
                if spec.kind() == BackendKind::Composite {
                    return Err(LeaseError::Config(format!("providers.{inner}: a Composite inside a Composite")));
                }
                open_provider(&inner, spec, &data_dir.join("composite").join(name).join(field))
            }
        }
    };
    let primary = member("primary", &settings.primary)?;
    let backup = member("backup", &settings.backup)?;
    Ok(LeaseBackend::from_directory(
        name,
        BackendKind::Composite,
        Arc::new(CompositeDirectory::new(primary, backup, &settings)),
    ))
}

struct Failover {
    errors: VecDeque<Instant>,
    failed_over_at: Option<Instant>,
}

pub struct CompositeDirectory {
    primary: LeaseBackend,
    backup: LeaseBackend,
    settings: CompositeSettings,
    state: Mutex<Failover>,
}

impl CompositeDirectory {
    pub fn new(primary: LeaseBackend, backup: LeaseBackend, settings: &CompositeSettings) -> CompositeDirectory {
        CompositeDirectory {
            primary,
            backup,
            settings: settings.clone(),
            state: Mutex::new(Failover { errors: VecDeque::new(), failed_over_at: None }),
        }
    }

    /// True once the backup serves.
    pub fn failed_over(&self) -> bool {
        self.state.lock().failed_over_at.is_some()
    }

    /// True while the backup must not grant keys it does not know.
    fn guarded(&self) -> bool {
        self.state.lock().failed_over_at.is_some_and(|at| at.elapsed() < self.settings.guard)
    }

    fn record(&self, e: &LeaseError) {
        if !matches!(e, LeaseError::Unavailable(_)) {
            return;
        }
        let mut state = self.state.lock();
        let now = Instant::now();
        state.errors.push_back(now);
        while state.errors.front().is_some_and(|t| now.duration_since(*t) > self.settings.failover_window) {
            state.errors.pop_front();
        }
        if state.failed_over_at.is_none() && state.errors.len() >= self.settings.failover_threshold as usize {
            tracing::warn!(error = %e, "composite lease directory: failing over to the backup");
            state.failed_over_at = Some(now);
        }
    }

    /// Runs a read on the serving member.
    async fn read<T, F, Fut>(&self, f: F) -> LeaseResult<T>
    where
        F: Fn(LeaseBackend) -> Fut,
        Fut: Future<Output = LeaseResult<T>>,
    {
        if self.failed_over() {
            return f(self.backup.clone()).await;
        }
        let result = f(self.primary.clone()).await;
        if let Err(e) = &result {
            self.record(e);
        }
        result
    }

    /// Runs a write on the primary and mirrors it with `mirror` (the backup only after a
    /// failover). The primary's answer is the answer.
    async fn write<T, F, Fut, M, MFut>(&self, f: F, mirror: M) -> LeaseResult<T>
    where
        T: Send + 'static,
        F: Fn(LeaseBackend) -> Fut,
        Fut: Future<Output = LeaseResult<T>>,
        M: FnOnce(LeaseBackend, &T) -> MFut,
        MFut: Future<Output = LeaseResult<()>> + Send + 'static,
    {
        if self.failed_over() {
            return f(self.backup.clone()).await;
        }
        let answer = match f(self.primary.clone()).await {
            Ok(answer) => answer,
            Err(e) => {
                self.record(&e);
                return Err(e);
            }
        };
        let mirrored = mirror(self.backup.clone(), &answer);
        match self.settings.mode {
            Mode::Strict => mirrored.await?,
            Mode::Fast => {
                tokio::spawn(async move {
                    if let Err(e) = mirrored.await {
                        tracing::warn!(error = %e, "composite lease directory: the backup missed a write");
                    }
                });
            }
        }
        Ok(answer)
    }
}

/// The lease the backup stores after the primary's outcome (what the key holds now).
fn stored_after(outcome: &AcquireOutcome) -> AddressableLease {
    match outcome {
        AcquireOutcome::Acquired(v) | AcquireOutcome::HeldBy(v) => v.lease.clone(),
    }
}

#[async_trait]
impl PersistenceProvider for CompositeDirectory {
    async fn initialize(&self) -> LeaseResult<()> {
        let p = self.primary.directory.initialize().await;
        let b = self.backup.directory.initialize().await;
        match (p, b) {
            (Err(e), Err(_)) => Err(e),
            _ => Ok(()),
        }
    }

    async fn shutdown(&self) -> LeaseResult<()> {
        let p = self.primary.directory.shutdown().await;
        let b = self.backup.directory.shutdown().await;
        p.and(b)
    }

    async fn health_check(&self) -> ProviderHealth {
        let p = self.primary.directory.health_check().await;
        let b = self.backup.directory.health_check().await;
        match (p, b) {
            (ProviderHealth::Unhealthy { reason: p }, ProviderHealth::Unhealthy { reason: b }) => {
                ProviderHealth::Unhealthy { reason: format!("primary: {p}; backup: {b}") }
            }
            (ProviderHealth::Unhealthy { reason }, _) => {
                ProviderHealth::Degraded { reason: format!("primary {} is down: {reason}", self.primary.name) }
            }
            (_, ProviderHealth::Unhealthy { reason }) => {
                ProviderHealth::Degraded { reason: format!("backup {} is down: {reason}", self.backup.name) }
            }
            _ if self.failed_over() => ProviderHealth::Degraded { reason: "serving from the backup".into() },
            (ProviderHealth::Degraded { reason }, _) | (_, ProviderHealth::Degraded { reason }) => {
                ProviderHealth::Degraded { reason }
            }
            _ => ProviderHealth::Healthy,
        }
    }

    async fn metrics(&self) -> ProviderMetrics {
        if self.failed_over() {
            self.backup.directory.metrics().await
        } else {
            self.primary.directory.metrics().await
        }
    }

    async fn commit_transaction(&self, txn: LeaseTransaction) -> LeaseResult<()> {
        let copy = txn.clone();
        self.write(
            move |b| {
                let txn = txn.clone();
                async move { b.directory.commit_transaction(txn).await }
            },
            move |b, _| async move { b.directory.commit_transaction(copy).await },
        )
        .await
    }
}

#[async_trait]
impl AddressableDirectoryProvider for CompositeDirectory {
    async fn try_acquire(
        &self,
        lease: &AddressableLease,
        expected: Option<&LeaseVersion>,
    ) -> LeaseResult<AcquireOutcome> {
        if self.failed_over() && self.guarded() {
            let known = self.backup.addressable.get_versioned_lease(&lease.reference).await?;
            if known.is_none() {
                return Err(LeaseError::Unavailable(format!(
                    "composite: after failing over, the backup grants no key it does not know for {:?} ({})",
                    self.settings.guard, lease.reference
                )));
            }
        }
        self.write(
            |b| async move { b.addressable.try_acquire(lease, expected).await },
            |b, outcome| {
                let stored = stored_after(outcome);
                async move { b.addressable.store_lease(&stored).await }
            },
        )
        .await
    }

    async fn renew_if_owner(&self, lease: &AddressableLease, version: &LeaseVersion) -> LeaseResult<RenewOutcome> {
        self.write(
            |b| async move { b.addressable.renew_if_owner(lease, version).await },
            |b, outcome| {
                let stored = match outcome {
                    RenewOutcome::Renewed(v) => Some(v.lease.clone()),
                    RenewOutcome::NotOwner(_) => None,
                };
                async move {
                    match stored {
                        Some(l) => b.addressable.store_lease(&l).await,
                        None => Ok(()),
                    }
                }
            },
        )
        .await
    }

    async fn release_if_owner(&self, reference: &AddressableReference, version: &LeaseVersion) -> LeaseResult<bool> {
        let r = reference.clone();
        self.write(
            |b| async move { b.addressable.release_if_owner(reference, version).await },
            move |b, released| {
                let released = *released;
                async move {
                    if released {
                        b.addressable.remove_lease(&r).await?;
                    }
                    Ok(())
                }
            },
        )
        .await
    }

    async fn get_versioned_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        self.read(|b| async move { b.addressable.get_versioned_lease(reference).await }).await
    }

    async fn store_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        let l = lease.clone();
        self.write(
            |b| async move { b.addressable.store_lease(lease).await },
            move |b, _| async move { b.addressable.store_lease(&l).await },
        )
        .await
    }

    async fn get_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>> {
        self.read(|b| async move { b.addressable.get_lease(reference).await }).await
    }

    async fn update_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        let l = lease.clone();
        self.write(
            |b| async move { b.addressable.update_lease(lease).await },
            move |b, _| async move { b.addressable.store_lease(&l).await },
        )
        .await
    }

    async fn remove_lease(&self, reference: &AddressableReference) -> LeaseResult<bool> {
        let r = reference.clone();
        self.write(
            |b| async move { b.addressable.remove_lease(reference).await },
            move |b, _| async move { b.addressable.remove_lease(&r).await.map(drop) },
        )
        .await
    }

    async fn list_node_leases(&self, node_id: &NodeId) -> LeaseResult<Vec<AddressableLease>> {
        self.read(|b| async move { b.addressable.list_node_leases(node_id).await }).await
    }

    async fn list_all_leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        self.read(|b| async move { b.addressable.list_all_leases().await }).await
    }

    async fn cleanup_expired_leases(&self, now: i64) -> LeaseResult<u64> {
        self.write(
            |b| async move { b.addressable.cleanup_expired_leases(now).await },
            move |b, _| async move { b.addressable.cleanup_expired_leases(now).await.map(drop) },
        )
        .await
    }

    async fn store_leases_bulk(&self, leases: &[AddressableLease]) -> LeaseResult<()> {
        let copy = leases.to_vec();
        self.write(
            |b| async move { b.addressable.store_leases_bulk(leases).await },
            move |b, _| async move { b.addressable.store_leases_bulk(&copy).await },
        )
        .await
    }

    async fn remove_leases_bulk(&self, references: &[AddressableReference]) -> LeaseResult<u64> {
        let copy = references.to_vec();
        self.write(
            |b| async move { b.addressable.remove_leases_bulk(references).await },
            move |b, _| async move { b.addressable.remove_leases_bulk(&copy).await.map(drop) },
        )
        .await
    }
}

#[async_trait]
impl ClusterNodeProvider for CompositeDirectory {
    async fn store_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        let n = node.clone();
        self.write(
            |b| async move { b.cluster.store_node(node).await },
            move |b, _| async move { b.cluster.store_node(&n).await },
        )
        .await
    }

    async fn get_node(&self, node_id: &NodeId) -> LeaseResult<Option<NodeInfo>> {
        self.read(|b| async move { b.cluster.get_node(node_id).await }).await
    }

    async fn update_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        let n = node.clone();
        self.write(
            |b| async move { b.cluster.update_node(node).await },
            move |b, _| async move { b.cluster.store_node(&n).await },
        )
        .await
    }

    async fn remove_node(&self, node_id: &NodeId) -> LeaseResult<bool> {
        let n = node_id.clone();
        self.write(
            |b| async move { b.cluster.remove_node(node_id).await },
            move |b, _| async move { b.cluster.remove_node(&n).await.map(drop) },
        )
        .await
    }

    async fn list_active_nodes(&self, now: i64) -> LeaseResult<Vec<NodeInfo>> {
        self.read(|b| async move { b.cluster.list_active_nodes(now).await }).await
    }

    async fn list_all_nodes(&self) -> LeaseResult<Vec<NodeInfo>> {
        self.read(|b| async move { b.cluster.list_all_nodes().await }).await
    }

    async fn cleanup_expired_nodes(&self, now: i64) -> LeaseResult<u64> {
        self.write(
            |b| async move { b.cluster.cleanup_expired_nodes(now).await },
            move |b, _| async move { b.cluster.cleanup_expired_nodes(now).await.map(drop) },
        )
        .await
    }

    async fn renew_node_lease(&self, node_id: &NodeId, lease_expires_at: i64) -> LeaseResult<()> {
        let n = node_id.clone();
        self.write(
            |b| async move { b.cluster.renew_node_lease(node_id, lease_expires_at).await },
            move |b, _| async move {
                match b.cluster.renew_node_lease(&n, lease_expires_at).await {
                    Err(LeaseError::NodeNotFound(_)) => Ok(()),
                    other => other,
                }
            },
        )
        .await
    }
}

impl LeaseDirectory for CompositeDirectory {
    fn backend_name(&self) -> &'static str {
        "composite"
    }

    fn index_problems(&self) -> LeaseResult<Vec<String>> {
        let mut problems = Vec::new();
        for (role, b) in [("primary", &self.primary), ("backup", &self.backup)] {
            match b.directory.index_problems() {
                Ok(found) => problems.extend(found.into_iter().map(|p| format!("{role}: {p}"))),
                Err(e) if role == "backup" || self.failed_over() => return Err(e),
                Err(_) => {}
            }
        }
        Ok(problems)
    }

    fn flush(&self) -> LeaseResult<()> {
        let p = self.primary.directory.flush();
        let b = self.backup.directory.flush();
        if self.failed_over() {
            b
        } else {
            p.and(b)
        }
    }
}
