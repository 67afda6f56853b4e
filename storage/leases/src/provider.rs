//! The lease directory's vocabulary: addressables, nodes, leases, the provider traits
//! every backend implements, their one error type, health and metrics.
//!
//! The actor runtime records a lease when it activates an actor, renews it while the
//! actor lives and removes it on deactivation ([`AddressableDirectoryProvider`]); cluster
//! membership goes through [`ClusterNodeProvider`]. The traits say nothing about how a
//! backend keeps its data.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};
use thiserror::Error;

/// The identity of an addressable: its type and its key within that type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AddressableReference {
    pub addressable_type: String,
    pub key: String,
}

impl AddressableReference {
    pub fn new(addressable_type: impl Into<String>, key: impl Into<String>) -> Self {
        AddressableReference { addressable_type: addressable_type.into(), key: key.into() }
    }
}

impl fmt::Display for AddressableReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.addressable_type, self.key)
    }
}

/// The identity of a server node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeId(pub String);

impl NodeId {
    pub fn new(id: impl Into<String>) -> Self {
        NodeId(id.into())
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One activation of one addressable on one node. Times are unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressableLease {
    pub reference: AddressableReference,
    pub node_id: NodeId,
    pub activation_id: u64,
    pub created_at: i64,
    pub expires_at: i64,
}

impl AddressableLease {
    /// True when the lease is no longer valid at `now` (unix milliseconds).
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at <= now
    }
}

/// A stored lease's version: the compare-and-swap token of its backend (a counter, an
/// etcd mod_revision, an ETag, a Kubernetes resourceVersion). Opaque to callers: only
/// compared for equality, and it changes on every write of the lease.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LeaseVersion(pub String);

impl fmt::Display for LeaseVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A lease as stored, with its version and fencing token.
///
/// The fencing token is given out by every successful [`AddressableDirectoryProvider::try_acquire`]
/// and only grows for a key, across releases, expiries and take-overs: whoever holds a
/// larger token for a key acquired it later. Renewals keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionedLease {
    pub lease: AddressableLease,
    pub version: LeaseVersion,
    pub fencing_token: u64,
}

/// What [`AddressableDirectoryProvider::try_acquire`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcquireOutcome {
    /// The caller's lease is stored, with this version and a new fencing token.
    Acquired(VersionedLease),
    /// Another lease is stored under a version other than the one expected: nothing was
    /// written. It may be expired; taking it over is a new `try_acquire` that expects its
    /// version.
    HeldBy(VersionedLease),
}

/// What [`AddressableDirectoryProvider::renew_if_owner`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewOutcome {
    /// The lease is stored with its new expiry; the version is new, the token the same.
    Renewed(VersionedLease),
    /// The stored lease has another version (or there is none): the caller no longer
    /// owns it and must stop serving. Nothing was written.
    NotOwner(Option<VersionedLease>),
}

/// The current time in unix milliseconds.
pub fn now_millis() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderHealth {
    Healthy,
    Degraded { reason: String },
    Unhealthy { reason: String },
}

/// Operation counters and latencies of a provider since it was created. Latencies are
/// in microseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderMetrics {
    pub read_operations: u64,
    pub write_operations: u64,
    pub delete_operations: u64,
    pub error_count: u64,
    pub read_latency_avg_us: f64,
    pub read_latency_p95_us: f64,
    pub write_latency_avg_us: f64,
    pub write_latency_p95_us: f64,
    pub delete_latency_avg_us: f64,
    pub delete_latency_p95_us: f64,
    pub cache_hits: u64,
    pub cache_misses: u64,
}

/// A cluster node's state as recorded in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeStatus {
    Active,
    Draining,
    Stopped,
}

/// One cluster node: where it listens and until when its membership lease runs.
/// Times are unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    pub node_id: NodeId,
    pub address: String,
    pub status: NodeStatus,
    pub capabilities: Vec<String>,
    pub started_at: i64,
    pub lease_expires_at: i64,
}

impl NodeInfo {
    /// True when the node's lease is no longer valid at `now` (unix milliseconds).
    pub fn is_expired(&self, now: i64) -> bool {
        self.lease_expires_at <= now
    }
}

/// One change inside a [`LeaseTransaction`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaseOp {
    StoreLease(AddressableLease),
    RemoveLease(AddressableReference),
    StoreNode(NodeInfo),
    RemoveNode(NodeId),
}

/// Changes collected between `begin_transaction` and `commit_transaction`; a commit
/// applies all of them atomically (a crash leaves all or none), a rollback none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaseTransaction {
    pub ops: Vec<LeaseOp>,
}

impl LeaseTransaction {
    pub fn store_lease(&mut self, lease: AddressableLease) -> &mut Self {
        self.ops.push(LeaseOp::StoreLease(lease));
        self
    }

    pub fn remove_lease(&mut self, reference: AddressableReference) -> &mut Self {
        self.ops.push(LeaseOp::RemoveLease(reference));
        self
    }

    pub fn store_node(&mut self, node: NodeInfo) -> &mut Self {
        self.ops.push(LeaseOp::StoreNode(node));
        self
    }

    pub fn remove_node(&mut self, node_id: NodeId) -> &mut Self {
        self.ops.push(LeaseOp::RemoveNode(node_id));
        self
    }
}

/// The lease directory's one error type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LeaseError {
    #[error("no lease for {0}")]
    NotFound(AddressableReference),
    #[error("lease directory is not available: {0}")]
    Unavailable(String),
    #[error("lease directory backend error: {0}")]
    Backend(String),
    #[error("lease directory data is corrupt: {0}")]
    Corruption(String),
    #[error("no cluster node {0}")]
    NodeNotFound(NodeId),
    #[error("invalid lease directory configuration: {0}")]
    Config(String),
    #[error("{0} is not supported yet")]
    NotSupported(String),
}

pub type LeaseResult<T> = Result<T, LeaseError>;

impl LeaseError {
    /// The text for a configuration report: a configuration error's own message (it
    /// already names the field), any other error's display.
    pub fn config_message(&self) -> String {
        match self {
            LeaseError::Config(message) => message.clone(),
            other => other.to_string(),
        }
    }
}

impl From<LeaseError> for orbit_storage::StorageError {
    fn from(e: LeaseError) -> Self {
        orbit_storage::StorageError::Engine(e.to_string())
    }
}

/// Lifecycle, health and metrics shared by every persistence backend.
#[async_trait]
pub trait PersistenceProvider: Send + Sync {
    async fn initialize(&self) -> LeaseResult<()>;
    async fn shutdown(&self) -> LeaseResult<()>;
    async fn health_check(&self) -> ProviderHealth;
    async fn metrics(&self) -> ProviderMetrics;

    async fn begin_transaction(&self) -> LeaseResult<LeaseTransaction> {
        Ok(LeaseTransaction::default())
    }

    /// Applies every change of `txn` atomically and durably.
    async fn commit_transaction(&self, txn: LeaseTransaction) -> LeaseResult<()>;

    async fn rollback_transaction(&self, txn: LeaseTransaction) -> LeaseResult<()> {
        drop(txn);
        Ok(())
    }
}

/// Storage of addressable leases.
///
/// Single activation rests on the compare-and-swap calls ([`Self::try_acquire`],
/// [`Self::renew_if_owner`], [`Self::release_if_owner`]): each is atomic on its key and
/// writes only when the stored version is the one the caller names. The unconditional
/// calls (`store_lease`, `update_lease`, `remove_lease`, the bulk ones) are for tools
/// (import, cleanup) and never for deciding who owns a key; they change the version too.
#[async_trait]
pub trait AddressableDirectoryProvider: PersistenceProvider {
    /// Stores `lease` if the key holds no lease, or holds one whose version is
    /// `expected`; otherwise writes nothing and answers the stored lease. `expected` is
    /// the version the caller last saw, `None` when it saw none. Expiry is the caller's
    /// decision (see [`acquire_lease`]): a stored lease is returned even when expired.
    async fn try_acquire(
        &self,
        lease: &AddressableLease,
        expected: Option<&LeaseVersion>,
    ) -> LeaseResult<AcquireOutcome>;

    /// Stores `lease` (a new expiry) if the stored lease of its key has `version` and
    /// belongs to `lease.node_id`.
    async fn renew_if_owner(&self, lease: &AddressableLease, version: &LeaseVersion) -> LeaseResult<RenewOutcome>;

    /// Removes the lease of `reference` if its stored version is `version`; false (and
    /// nothing removed) otherwise.
    async fn release_if_owner(&self, reference: &AddressableReference, version: &LeaseVersion) -> LeaseResult<bool>;

    /// The stored lease with its version and fencing token.
    async fn get_versioned_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>>;

    /// Inserts or replaces the lease of `lease.reference`.
    async fn store_lease(&self, lease: &AddressableLease) -> LeaseResult<()>;

    async fn get_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>>;

    /// Replaces an existing lease; [`LeaseError::NotFound`] when there is none.
    async fn update_lease(&self, lease: &AddressableLease) -> LeaseResult<()>;

    /// Removes the lease; false when there was none.
    async fn remove_lease(&self, reference: &AddressableReference) -> LeaseResult<bool>;

    async fn list_node_leases(&self, node_id: &NodeId) -> LeaseResult<Vec<AddressableLease>>;

    async fn list_all_leases(&self) -> LeaseResult<Vec<AddressableLease>>;

    /// Removes every lease with `expires_at <= now` (unix milliseconds); returns how many.
    async fn cleanup_expired_leases(&self, now: i64) -> LeaseResult<u64>;

    /// Inserts or replaces every lease.
    async fn store_leases_bulk(&self, leases: &[AddressableLease]) -> LeaseResult<()>;

    /// Removes the leases that exist; returns how many were removed.
    async fn remove_leases_bulk(&self, references: &[AddressableReference]) -> LeaseResult<u64>;
}

/// Storage of cluster membership.
#[async_trait]
pub trait ClusterNodeProvider: PersistenceProvider {
    /// Inserts or replaces the node `node.node_id`.
    async fn store_node(&self, node: &NodeInfo) -> LeaseResult<()>;

    async fn get_node(&self, node_id: &NodeId) -> LeaseResult<Option<NodeInfo>>;

    /// Replaces an existing node; [`LeaseError::NodeNotFound`] when there is none.
    async fn update_node(&self, node: &NodeInfo) -> LeaseResult<()>;

    /// Removes the node; false when there was none.
    async fn remove_node(&self, node_id: &NodeId) -> LeaseResult<bool>;

    /// Nodes with status Active whose lease runs past `now`.
    async fn list_active_nodes(&self, now: i64) -> LeaseResult<Vec<NodeInfo>>;

    async fn list_all_nodes(&self) -> LeaseResult<Vec<NodeInfo>>;

    /// Removes every node with `lease_expires_at <= now`; returns how many.
    async fn cleanup_expired_nodes(&self, now: i64) -> LeaseResult<u64>;

    /// Sets the node's lease expiry; [`LeaseError::NodeNotFound`] when there is none.
    async fn renew_node_lease(&self, node_id: &NodeId, lease_expires_at: i64) -> LeaseResult<()>;
}

/// Acquires `lease` the standard way: take the key if it is free; take it over (by
/// compare-and-swap on the version seen) if the stored lease expired more than
/// `skew_margin_ms` before `now`, or belongs to `lease.node_id` itself (an earlier life
/// of this node: node ids are unique among live processes); otherwise answer the live
/// holder. Losing a race to another acquirer answers that acquirer's lease.
pub async fn acquire_lease(
    provider: &dyn AddressableDirectoryProvider,
    lease: &AddressableLease,
    now: i64,
    skew_margin_ms: i64,
) -> LeaseResult<AcquireOutcome> {
    let mut expected: Option<LeaseVersion> = None;
    // A few rounds at most: each conflict means someone else wrote the key meanwhile,
    // and after the last one their lease is the answer.
    let mut round = 0;
    loop {
        round += 1;
        match provider.try_acquire(lease, expected.as_ref()).await? {
            AcquireOutcome::Acquired(granted) => return Ok(AcquireOutcome::Acquired(granted)),
            AcquireOutcome::HeldBy(current) => {
                let own = current.lease.node_id == lease.node_id;
                let expired = current.lease.expires_at.saturating_add(skew_margin_ms) <= now;
                if round < 3 && (own || expired) && expected.as_ref() != Some(&current.version) {
                    expected = Some(current.version);
                    continue;
                }
                return Ok(AcquireOutcome::HeldBy(current));
            }
        }
    }
}
