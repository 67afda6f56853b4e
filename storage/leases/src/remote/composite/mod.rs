//! The Composite backend: a primary and a backup provider.
//!
//! * Strict mode (default): every write is decided by the primary (its compare-and-swap)
//!   and then mirrored to the backup before the call returns, one call at a time per key
//!   in this process; a compare-and-swap is mirrored as a copy of the key's state by
//!   compare-and-swap on the backup ([`mirror`]), so mirrors from several processes never
//!   leave an older state behind a newer one. A write the backup refuses answers that
//!   error, though the primary applied it (the caller never believes a grant the backup
//!   lacks). Safe for single activation while the primary serves, and across a failover
//!   when every node loses the primary (its server down). Under a partition in which
//!   some nodes still reach the primary while others failed over, a node still on the
//!   primary finds the failover record in the shared backup after each primary write,
//!   before mirroring it, and follows (refusing that write's answer); a write whose check
//!   ran just before another node's failover and whose mirror lands after that node's
//!   first grant on the backup is not covered (the members are not written atomically
//!   together), nor is a backup that is not shared (a local one per process).
//! * Fast mode mirrors in the background: the backup may miss recent grants and renewals,
//!   so it is NOT safe for single activation after a failover (a renewal the backup
//!   missed lets another node take the key over while its holder still serves).
//! * Failover and quarantine: [`failover`] (threshold errors within a window, for good,
//!   recorded in the backup so that a restart stays on it). For `max_lease_ttl` +
//!   `skew_margin` after the failover, the backup grants no key it holds no lease for (it
//!   answers Unavailable): a grant the primary made but the backup missed has expired by
//!   then. Every lease TTL must be at most `max_lease_ttl`.
//! * Versions and fencing tokens: [`members`] (versions tagged by member, so holders of a
//!   primary version must re-acquire after a failover; backup tokens above every primary
//!   token).
//! * Health: Degraded when one member is unhealthy or after a failover, Unhealthy when
//!   both are down.

mod failover;
mod members;
mod mirror;
pub mod settings;
#[cfg(test)]
mod tests;
#[cfg(all(test, feature = "redis"))]
mod tests_failover;

use crate::config::{BackendKind, PersistenceConfig};
use crate::provider::now_millis;
use crate::provider::{
    AcquireOutcome, AddressableDirectoryProvider, AddressableLease, AddressableReference, ClusterNodeProvider,
    LeaseError, LeaseResult, LeaseTransaction, LeaseVersion, NodeId, NodeInfo, PersistenceProvider, ProviderHealth,
    ProviderMetrics, RenewOutcome, VersionedLease,
};
use crate::registry::{open_provider, LeaseBackend, LeaseDirectory};
use async_trait::async_trait;
use failover::FailoverState;
use members::Role;
use parking_lot::Mutex;
use serde_json::{Map, Value};
use settings::{CompositeSettings, Member, Mode};
use std::future::Future;
use std::hash::{Hash, Hasher};
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

/// Lock stripes serialising one key's primary write and its mirror.
const KEY_STRIPES: usize = 64;

pub struct CompositeDirectory {
    primary: LeaseBackend,
    backup: LeaseBackend,
    settings: CompositeSettings,
    state: Mutex<FailoverState>,
    /// Set once the backup's failover record was looked for (at the first call).
    marker_read: tokio::sync::OnceCell<()>,
    key_stripes: Vec<tokio::sync::Mutex<()>>,
}

impl CompositeDirectory {
    pub fn new(primary: LeaseBackend, backup: LeaseBackend, settings: &CompositeSettings) -> CompositeDirectory {
        CompositeDirectory {
            primary,
            backup,
            settings: settings.clone(),
            state: Mutex::new(FailoverState::default()),
            marker_read: tokio::sync::OnceCell::new(),
            key_stripes: (0..KEY_STRIPES).map(|_| tokio::sync::Mutex::new(())).collect(),
        }
    }

    /// True once the backup serves.
    pub fn failed_over(&self) -> bool {
        self.state.lock().failed_over_at_ms().is_some()
    }

    /// When the Composite failed over (unix milliseconds), by this process or as
    /// recorded in the backup.
    pub fn failed_over_at_ms(&self) -> Option<i64> {
        self.state.lock().failed_over_at_ms()
    }

    /// True while the backup must not grant keys it does not know.
    fn quarantined(&self) -> bool {
        self.state.lock().quarantined(now_millis(), self.settings.guard)
    }

    /// The member that serves now (reading the backup's failover record at the first call).
    async fn serving(&self) -> LeaseResult<Role> {
        self.marker_read
            .get_or_try_init(|| async {
                if let Some(record) = self.backup.cluster.get_node(&NodeId::new(failover::MARKER_NODE)).await? {
                    tracing::warn!(
                        at_ms = record.started_at,
                        "composite lease directory: the backup records a failover"
                    );
                    self.state.lock().adopt(record.started_at);
                }
                Ok::<(), LeaseError>(())
            })
            .await?;
        Ok(if self.failed_over() { Role::Backup } else { Role::Primary })
    }

    fn member(&self, role: Role) -> LeaseBackend {
        match role {
            Role::Primary => self.primary.clone(),
            Role::Backup => self.backup.clone(),
        }
    }

    /// Holds the stripe of `reference` (the primary write and its mirror of one key).
    async fn lock_key(&self, reference: &AddressableReference) -> tokio::sync::MutexGuard<'_, ()> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        reference.hash(&mut hasher);
        self.key_stripes[(hasher.finish() % KEY_STRIPES as u64) as usize].lock().await
    }

    /// Counts an error of the primary; fails over (and records it in the backup) when it
    /// is the threshold's.
    async fn record(&self, e: &LeaseError) {
        if !matches!(e, LeaseError::Unavailable(_)) {
            return;
        }
        let (threshold, window) = (self.settings.failover_threshold, self.settings.failover_window);
        let due = self.state.lock().failover_due(Instant::now(), threshold, window);
        if due {
            // Recorded in the backup before this process serves from it, so that a process
            // still on the primary finds the record before anything was granted here.
            let at_ms = now_millis();
            tracing::warn!(error = %e, "composite lease directory: failing over to the backup");
            if let Err(e) = self.backup.cluster.store_node(&failover::marker(at_ms)).await {
                tracing::warn!(error = %e, "composite lease directory: the failover is not recorded in the backup");
            }
            self.state.lock().adopt(at_ms);
        }
    }

    /// Runs a read on the serving member.
    async fn read<T, F, Fut>(&self, f: F) -> LeaseResult<T>
    where
        F: FnOnce(LeaseBackend, Role) -> Fut,
        Fut: Future<Output = LeaseResult<T>>,
    {
        let role = self.serving().await?;
        let result = f(self.member(role), role).await;
        if let (Role::Primary, Err(e)) = (role, &result) {
            self.record(e).await;
        }
        result
    }

    /// Runs a write on `role`; on the primary, mirrors its answer with `mirror` (strict:
    /// before returning, fast: in the background). The serving member's answer is the answer.
    async fn write_on<T, F, Fut, M, MFut>(&self, role: Role, f: F, mirror: M) -> LeaseResult<T>
    where
        F: FnOnce(LeaseBackend, Role) -> Fut,
        Fut: Future<Output = LeaseResult<T>>,
        M: FnOnce(LeaseBackend, &T) -> MFut,
        MFut: Future<Output = LeaseResult<()>> + Send + 'static,
    {
        if role == Role::Backup {
            return f(self.backup.clone(), role).await;
        }
        let answer = match f(self.primary.clone(), role).await {
            Ok(answer) => answer,
            Err(e) => {
                self.record(&e).await;
                return Err(e);
            }
        };
        if self.settings.mode == Mode::Strict {
            self.refuse_if_another_failed_over().await?;
        }
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

    /// After a strict-mode write on the primary, before its mirror: when another process
    /// sharing the backup failed over (its record is there), this one follows it to the
    /// backup, the write is not mirrored (it would overwrite what the backup granted
    /// since) and the primary's answer is not used (the caller sees Unavailable).
    async fn refuse_if_another_failed_over(&self) -> LeaseResult<()> {
        let Some(record) = self.backup.cluster.get_node(&NodeId::new(failover::MARKER_NODE)).await? else {
            return Ok(());
        };
        self.state.lock().adopt(record.started_at);
        tracing::warn!(at_ms = record.started_at, "composite lease directory: another process failed over; following");
        Err(LeaseError::Unavailable(format!(
            "composite: a process sharing the backup failed over to it at {} (unix ms); this write's answer from the \
             primary is not used",
            record.started_at
        )))
    }

    /// [`Self::write_on`] the serving member.
    async fn write<T, F, Fut, M, MFut>(&self, f: F, mirror: M) -> LeaseResult<T>
    where
        F: FnOnce(LeaseBackend, Role) -> Fut,
        Fut: Future<Output = LeaseResult<T>>,
        M: FnOnce(LeaseBackend, &T) -> MFut,
        MFut: Future<Output = LeaseResult<()>> + Send + 'static,
    {
        let role = self.serving().await?;
        self.write_on(role, f, mirror).await
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
        // Reads the backup's failover record if no call did yet (an error shows below).
        let _ = self.serving().await;
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
            move |b, _| async move { b.directory.commit_transaction(txn).await },
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
        let _key = self.lock_key(&lease.reference).await;
        let role = self.serving().await?;
        if role == Role::Backup && self.quarantined() {
            let known = self.backup.addressable.get_versioned_lease(&lease.reference).await?;
            if known.is_none() {
                return Err(LeaseError::Unavailable(format!(
                    "composite: after failing over, the backup grants no key it does not know for {:?} ({})",
                    self.settings.guard, lease.reference
                )));
            }
        }
        let (primary, r) = (self.primary.clone(), lease.reference.clone());
        self.write_on(
            role,
            |b, role| async move {
                let expected = expected.map(|v| role.inward(v));
                Ok(role.outward_acquire(b.addressable.try_acquire(lease, expected.as_ref()).await?))
            },
            move |b, _| mirror::copy_key(primary, b, r),
        )
        .await
    }

    async fn renew_if_owner(&self, lease: &AddressableLease, version: &LeaseVersion) -> LeaseResult<RenewOutcome> {
        let _key = self.lock_key(&lease.reference).await;
        let (primary, r) = (self.primary.clone(), lease.reference.clone());
        self.write(
            |b, role| async move {
                Ok(role.outward_renew(b.addressable.renew_if_owner(lease, &role.inward(version)).await?))
            },
            move |b, _| mirror::copy_key(primary, b, r),
        )
        .await
    }

    async fn release_if_owner(&self, reference: &AddressableReference, version: &LeaseVersion) -> LeaseResult<bool> {
        let _key = self.lock_key(reference).await;
        let (primary, r) = (self.primary.clone(), reference.clone());
        self.write(
            |b, role| async move { b.addressable.release_if_owner(reference, &role.inward(version)).await },
            move |b, _| mirror::copy_key(primary, b, r),
        )
        .await
    }

    async fn get_versioned_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        self.read(
            |b, role| async move { Ok(b.addressable.get_versioned_lease(reference).await?.map(|v| role.outward(v))) },
        )
        .await
    }

    async fn store_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        let _key = self.lock_key(&lease.reference).await;
        let l = lease.clone();
        self.write(
            |b, _| async move { b.addressable.store_lease(lease).await },
            move |b, _| async move { b.addressable.store_lease(&l).await },
        )
        .await
    }

    async fn get_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>> {
        self.read(|b, _| async move { b.addressable.get_lease(reference).await }).await
    }

    async fn update_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        let _key = self.lock_key(&lease.reference).await;
        let l = lease.clone();
        self.write(
            |b, _| async move { b.addressable.update_lease(lease).await },
            move |b, _| async move { b.addressable.store_lease(&l).await },
        )
        .await
    }

    async fn remove_lease(&self, reference: &AddressableReference) -> LeaseResult<bool> {
        let _key = self.lock_key(reference).await;
        let r = reference.clone();
        self.write(
            |b, _| async move { b.addressable.remove_lease(reference).await },
            move |b, _| async move { b.addressable.remove_lease(&r).await.map(drop) },
        )
        .await
    }

    async fn list_node_leases(&self, node_id: &NodeId) -> LeaseResult<Vec<AddressableLease>> {
        self.read(|b, _| async move { b.addressable.list_node_leases(node_id).await }).await
    }

    async fn list_all_leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        self.read(|b, _| async move { b.addressable.list_all_leases().await }).await
    }

    async fn cleanup_expired_leases(&self, now: i64) -> LeaseResult<u64> {
        self.write(
            |b, _| async move { b.addressable.cleanup_expired_leases(now).await },
            move |b, _| async move { b.addressable.cleanup_expired_leases(now).await.map(drop) },
        )
        .await
    }

    async fn store_leases_bulk(&self, leases: &[AddressableLease]) -> LeaseResult<()> {
        let copy = leases.to_vec();
        self.write(
            |b, _| async move { b.addressable.store_leases_bulk(leases).await },
            move |b, _| async move { b.addressable.store_leases_bulk(&copy).await },
        )
        .await
    }

    async fn remove_leases_bulk(&self, references: &[AddressableReference]) -> LeaseResult<u64> {
        let copy = references.to_vec();
        self.write(
            |b, _| async move { b.addressable.remove_leases_bulk(references).await },
            move |b, _| async move { b.addressable.remove_leases_bulk(&copy).await.map(drop) },
        )
        .await
    }
}

/// The backup's failover record is not a node of the cluster.
fn without_marker(nodes: Vec<NodeInfo>) -> Vec<NodeInfo> {
    nodes.into_iter().filter(|n| !failover::is_marker(&n.node_id)).collect()
}

#[async_trait]
impl ClusterNodeProvider for CompositeDirectory {
    async fn store_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        let n = node.clone();
        self.write(
            |b, _| async move { b.cluster.store_node(node).await },
            move |b, _| async move { b.cluster.store_node(&n).await },
        )
        .await
    }

    async fn get_node(&self, node_id: &NodeId) -> LeaseResult<Option<NodeInfo>> {
        if failover::is_marker(node_id) {
            return Ok(None);
        }
        self.read(|b, _| async move { b.cluster.get_node(node_id).await }).await
    }

    async fn update_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        let n = node.clone();
        self.write(
            |b, _| async move { b.cluster.update_node(node).await },
            move |b, _| async move { b.cluster.store_node(&n).await },
        )
        .await
    }

    async fn remove_node(&self, node_id: &NodeId) -> LeaseResult<bool> {
        if failover::is_marker(node_id) {
            return Ok(false);
        }
        let n = node_id.clone();
        self.write(
            |b, _| async move { b.cluster.remove_node(node_id).await },
            move |b, _| async move { b.cluster.remove_node(&n).await.map(drop) },
        )
        .await
    }

    async fn list_active_nodes(&self, now: i64) -> LeaseResult<Vec<NodeInfo>> {
        self.read(|b, _| async move { b.cluster.list_active_nodes(now).await.map(without_marker) }).await
    }

    async fn list_all_nodes(&self) -> LeaseResult<Vec<NodeInfo>> {
        self.read(|b, _| async move { b.cluster.list_all_nodes().await.map(without_marker) }).await
    }

    async fn cleanup_expired_nodes(&self, now: i64) -> LeaseResult<u64> {
        self.write(
            |b, _| async move { b.cluster.cleanup_expired_nodes(now).await },
            move |b, _| async move { b.cluster.cleanup_expired_nodes(now).await.map(drop) },
        )
        .await
    }

    async fn renew_node_lease(&self, node_id: &NodeId, lease_expires_at: i64) -> LeaseResult<()> {
        let n = node_id.clone();
        self.write(
            |b, _| async move { b.cluster.renew_node_lease(node_id, lease_expires_at).await },
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
