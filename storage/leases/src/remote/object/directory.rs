//! [`ObjectDirectory`]: the lease directory over an object store's conditional writes,
//! one code for S3, MinIO, Azure Blob and Google Cloud Storage.
//!
//! Every acquisition, renewal and release is ONE conditional write on the server: a
//! create-if-absent (`If-None-Match: *`, or generation 0 on GCS) for a key never leased,
//! otherwise a write conditioned on the version read (`If-Match` with the ETag, or the
//! GCS generation). A release writes a tombstone the same way, so the key's fencing
//! counter (kept in the object body) survives and only grows. The unconditional calls
//! for tools read and write with the same preconditions in a retry loop, so they never
//! lower a fencing counter either.
//!
//! Costs: a lease call is one GET and one PUT. Listing (`list_all_leases`,
//! `list_node_leases`, `cleanup_expired_leases`, `index_problems`) lists
//! `<prefix>/leases/` one type at a time and GETs every object found (16 at once), since
//! the owner is in the body: O(keys ever leased) requests, tombstones included. Object
//! stores have no multi-object atomicity; see [`PersistenceProvider::commit_transaction`]
//! below for how a transaction of several ops is applied (a redo journal).

use super::layout::{JournalEntry, Layout, LeaseEnvelope, FORMAT};
use super::store::{Client, Condition, Stored, WriteOutcome};
use crate::metrics::{DirectoryMetrics, OpKind};
use crate::provider::{
    AddressableReference, LeaseError, LeaseOp, LeaseResult, LeaseTransaction, LeaseVersion, PersistenceProvider,
    ProviderHealth, ProviderMetrics, VersionedLease,
};
use crate::registry::LeaseDirectory;
use crate::store::CacheStats;
use async_trait::async_trait;
use object_store::path::Path;
use std::any::Any;
use std::future::Future;
use std::sync::Arc;

/// How many conflicting writes an unconditional (tool) call retries through.
const TOOL_RETRIES: usize = 64;
/// Reads in flight at once while listing.
const LIST_WINDOW: usize = 16;
/// A journal entry older than this is an interrupted commit and is replayed.
pub const JOURNAL_REPLAY_AGE_MS: i64 = 60_000;

/// A lease object as read: its envelope and version.
pub struct LeaseObject {
    pub envelope: LeaseEnvelope,
    pub version: String,
}

impl LeaseObject {
    /// The lease it holds, `None` for a tombstone.
    pub fn versioned(&self) -> Option<VersionedLease> {
        self.envelope.lease.clone().map(|lease| VersionedLease {
            lease,
            version: LeaseVersion(self.version.clone()),
            fencing_token: self.envelope.fencing,
        })
    }
}

/// What a read-modify-write step decides from the current object.
pub enum Change<T> {
    /// Write this envelope (conditioned on the object read), then answer `T`.
    Write(LeaseEnvelope, T),
    /// Write nothing; answer `T`.
    Keep(T),
}

/// The lease directory in one bucket (container) under one prefix.
pub struct ObjectDirectory {
    pub(super) client: Client,
    pub(super) layout: Layout,
    backend: &'static str,
    pub(super) metrics: DirectoryMetrics,
    /// Whatever must live as long as the directory (a test's server process).
    _keep_alive: Option<Arc<dyn Any + Send + Sync>>,
}

impl ObjectDirectory {
    pub fn new(client: Client, prefix: &str, backend: &'static str) -> Self {
        ObjectDirectory {
            client,
            layout: Layout::new(prefix),
            backend,
            metrics: DirectoryMetrics::default(),
            _keep_alive: None,
        }
    }

    /// Keeps `guard` alive with the directory (tests hand it their server).
    pub fn keeping(mut self, guard: Arc<dyn Any + Send + Sync>) -> Self {
        self._keep_alive = Some(guard);
        self
    }

    /// The object-store client (tests use it to try writes behind the directory's back).
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Runs `work`, counting it in this directory's metrics.
    pub(super) async fn measured<T>(
        &self,
        kind: OpKind,
        ops: u64,
        work: impl Future<Output = LeaseResult<T>>,
    ) -> LeaseResult<T> {
        self.metrics.measure(kind, ops, work).await
    }

    fn decode_lease(&self, path: &Path, stored: Stored) -> LeaseResult<LeaseObject> {
        let envelope: LeaseEnvelope = serde_json::from_slice(&stored.body).map_err(|e| {
            LeaseError::Corruption(format!("{}: {path} is not a lease envelope: {e}", self.client.location))
        })?;
        if envelope.format != FORMAT {
            return Err(LeaseError::Corruption(format!(
                "{}: {path} has envelope format {} (this build reads {FORMAT})",
                self.client.location, envelope.format
            )));
        }
        Ok(LeaseObject { envelope, version: stored.version })
    }

    pub(super) async fn read_lease_object(&self, reference: &AddressableReference) -> LeaseResult<Option<LeaseObject>> {
        let path = self.layout.lease(reference);
        match self.client.read(&path).await? {
            Some(stored) => self.decode_lease(&path, stored).map(Some),
            None => Ok(None),
        }
    }

    /// Writes `next` over `current` (create-if-absent when there is none): one
    /// conditional PUT. `Some(version)` when written, `None` when the server refused.
    pub(super) async fn write_lease_object(
        &self,
        reference: &AddressableReference,
        current: Option<&LeaseObject>,
        next: &LeaseEnvelope,
    ) -> LeaseResult<Option<String>> {
        let path = self.layout.lease(reference);
        let body = serde_json::to_vec(next)
            .map_err(|e| LeaseError::Backend(format!("{}: encode {path}: {e}", self.client.location)))?;
        let condition = match current {
            Some(object) => Condition::Version(&object.version),
            None => Condition::Absent,
        };
        match self.client.write(&path, body, condition).await? {
            WriteOutcome::Written(version) => Ok(Some(version)),
            WriteOutcome::Conflict => Ok(None),
        }
    }

    /// Reads the key, lets `decide` choose, and writes conditioned on what was read,
    /// again after every conflict (for the unconditional calls of tools).
    pub(super) async fn modify_lease<T>(
        &self,
        reference: &AddressableReference,
        decide: impl Fn(Option<&LeaseEnvelope>) -> Change<T>,
    ) -> LeaseResult<T> {
        for _ in 0..TOOL_RETRIES {
            let current = self.read_lease_object(reference).await?;
            match decide(current.as_ref().map(|c| &c.envelope)) {
                Change::Keep(answer) => return Ok(answer),
                Change::Write(next, answer) => {
                    if self.write_lease_object(reference, current.as_ref(), &next).await?.is_some() {
                        return Ok(answer);
                    }
                }
            }
        }
        Err(LeaseError::Backend(format!(
            "{}: {reference} changed under {TOOL_RETRIES} writes in a row; try again",
            self.client.location
        )))
    }

    /// Every lease object under `<prefix>/leases/` (tombstones included).
    pub(super) async fn scan_lease_objects(&self) -> LeaseResult<Vec<(AddressableReference, LeaseObject)>> {
        let (types, _) = self.client.list_level(&self.layout.leases_root()).await?;
        let mut paths = Vec::new();
        for ty in types {
            let (_, objects) = self.client.list_level(&ty).await?;
            paths.extend(objects.into_iter().map(|(path, _)| path));
        }
        let mut out = Vec::with_capacity(paths.len());
        for (path, stored) in self.client.read_all(paths, LIST_WINDOW).await? {
            let reference = self.layout.reference_of(&path)?;
            out.push((reference, self.decode_lease(&path, stored)?));
        }
        Ok(out)
    }

    /// Applies one op of a transaction (as the unconditional calls do).
    async fn apply_op(&self, op: &LeaseOp) -> LeaseResult<()> {
        use crate::provider::{AddressableDirectoryProvider, ClusterNodeProvider};
        match op {
            LeaseOp::StoreLease(lease) => self.store_lease(lease).await,
            LeaseOp::RemoveLease(reference) => self.remove_lease(reference).await.map(drop),
            LeaseOp::StoreNode(node) => self.store_node(node).await,
            LeaseOp::RemoveNode(node_id) => self.remove_node(node_id).await.map(drop),
        }
    }

    /// Applies and removes every journal entry older than `min_age_ms` (interrupted
    /// commits); returns how many.
    pub async fn replay_journal(&self, min_age_ms: i64) -> LeaseResult<u64> {
        let (_, entries) = self.client.list_level(&self.layout.journal_root()).await?;
        let now = crate::provider::now_millis();
        let mut replayed = 0;
        for (path, modified) in entries {
            if now.saturating_sub(modified) < min_age_ms {
                continue;
            }
            let Some(stored) = self.client.read(&path).await? else { continue };
            let entry: JournalEntry = serde_json::from_slice(&stored.body).map_err(|e| {
                LeaseError::Corruption(format!("{}: {path} is not a journal entry: {e}", self.client.location))
            })?;
            for op in &entry.ops {
                self.apply_op(op).await?;
            }
            self.client.delete(&path).await?;
            replayed += 1;
        }
        Ok(replayed)
    }
}

#[async_trait]
impl PersistenceProvider for ObjectDirectory {
    /// Checks the bucket answers and replays commits interrupted a minute ago or more.
    async fn initialize(&self) -> LeaseResult<()> {
        self.replay_journal(JOURNAL_REPLAY_AGE_MS).await.map(drop)
    }

    /// Every write was acknowledged by the server when it returned: nothing to flush.
    async fn shutdown(&self) -> LeaseResult<()> {
        Ok(())
    }

    /// One listing of the prefix's top level: Healthy when the bucket answers.
    async fn health_check(&self) -> ProviderHealth {
        match self.client.list_level(&self.layout.prefix()).await {
            Ok(_) => ProviderHealth::Healthy,
            Err(e) => ProviderHealth::Unhealthy { reason: e.to_string() },
        }
    }

    async fn metrics(&self) -> ProviderMetrics {
        self.metrics.snapshot(CacheStats::default())
    }

    /// Object stores cannot write several objects atomically. A transaction of one op
    /// is that op. One of several is first written whole as one journal object
    /// (`<prefix>/journal/<id>`, a single atomic PUT), then applied op by op, then the
    /// journal object is deleted; a commit interrupted after the journal write is
    /// finished by the next `initialize` of any directory on the same prefix (a minute
    /// later, so a commit still running elsewhere is not doubled). So a crash leaves
    /// all or, after recovery, all — but readers may see the ops land one at a time
    /// (no isolation), and the ops are the unconditional tool writes, not
    /// compare-and-swap.
    async fn commit_transaction(&self, txn: LeaseTransaction) -> LeaseResult<()> {
        let ops = txn.ops.len() as u64;
        self.measured(OpKind::Write, ops, async {
            match txn.ops.as_slice() {
                [] => Ok(()),
                [op] => self.apply_op(op).await,
                all => {
                    let path = self.layout.journal(&super::layout::journal_id());
                    let entry = JournalEntry { format: FORMAT, ops: all.to_vec() };
                    let body = serde_json::to_vec(&entry)
                        .map_err(|e| LeaseError::Backend(format!("{}: encode {path}: {e}", self.client.location)))?;
                    if self.client.write(&path, body, Condition::Absent).await? == WriteOutcome::Conflict {
                        return Err(LeaseError::Backend(format!("{}: journal {path} exists", self.client.location)));
                    }
                    for op in all {
                        self.apply_op(op).await?;
                    }
                    self.client.delete(&path).await.map(drop)
                }
            }
        })
        .await
    }
}

impl LeaseDirectory for ObjectDirectory {
    fn backend_name(&self) -> &'static str {
        self.backend
    }

    /// No secondary index: the owner lives in each lease object. Nothing to check
    /// beyond decoding, which every listing does (and reports as corruption).
    fn index_problems(&self) -> LeaseResult<Vec<String>> {
        Ok(Vec::new())
    }

    /// Every write was acknowledged by the server when it returned.
    fn flush(&self) -> LeaseResult<()> {
        Ok(())
    }
}
