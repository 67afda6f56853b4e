//! [`Directory`]: the lease directory over any [`RecordStore`].
//!
//! It implements [`PersistenceProvider`], [`AddressableDirectoryProvider`] and
//! [`ClusterNodeProvider`] once for every local backend, over the key layout of
//! [`crate::keys`]. Every change is one atomic `apply` of the store, including the
//! maintenance of the lease-by-node index, so a crash never leaves a lease without its
//! index entry or the other way round.
//!
//! Changes that depend on what is stored (moving an index entry when a lease changes
//! node, update-if-present, cleanup, bulk removal) read and write under one mutex per
//! directory, so concurrent writers never leave a stale index entry. Reads take no lock.
//! Store calls are synchronous and short (a map update or a write-ahead-log append); they
//! run on the calling task.

use crate::keys::{self, LeaseStamp};
use crate::metrics::{DirectoryMetrics, OpKind};
use crate::provider::{
    AcquireOutcome, AddressableDirectoryProvider, AddressableLease, AddressableReference, ClusterNodeProvider,
    LeaseError, LeaseOp, LeaseResult, LeaseTransaction, LeaseVersion, NodeId, NodeInfo, NodeStatus,
    PersistenceProvider, ProviderHealth, ProviderMetrics, RenewOutcome, VersionedLease,
};
use crate::store::{RecordOp, RecordStore};
use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::Instant;

/// The lease directory over the record store `S`.
pub struct Directory<S: RecordStore> {
    store: S,
    /// Serialises read-then-write changes.
    write_lock: Mutex<()>,
    metrics: DirectoryMetrics,
}

impl<S: RecordStore> Directory<S> {
    pub fn new_with_store(store: S) -> Self {
        Directory { store, write_lock: Mutex::new(()), metrics: DirectoryMetrics::default() }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// The backend's configuration name ("memory", "rocksdb", ...).
    pub fn backend_name(&self) -> &'static str {
        self.store.backend_name()
    }

    /// Runs `f`, counting it as `ops` operations of `kind` (and as an error when it fails).
    fn measured<T>(&self, kind: OpKind, ops: u64, f: impl FnOnce() -> LeaseResult<T>) -> LeaseResult<T> {
        let started = Instant::now();
        let result = f();
        self.metrics.record(kind, ops, started.elapsed());
        if result.is_err() {
            self.metrics.record_error();
        }
        result
    }

    fn read_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>> {
        let key = keys::lease_key(reference);
        match self.store.get(&key)? {
            Some(value) => keys::decode_lease(&key, &value).map(Some),
            None => Ok(None),
        }
    }

    fn read_stamp(&self, reference: &AddressableReference) -> LeaseResult<LeaseStamp> {
        let key = keys::stamp_key(reference);
        match self.store.get(&key)? {
            Some(value) => keys::decode_stamp(&key, &value),
            None => Ok(LeaseStamp::default()),
        }
    }

    fn read_versioned(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        let Some(lease) = self.read_lease(reference)? else { return Ok(None) };
        Ok(Some(versioned(lease, self.read_stamp(reference)?)))
    }

    fn read_node(&self, node_id: &NodeId) -> LeaseResult<Option<NodeInfo>> {
        let key = keys::cluster_node_key(node_id);
        match self.store.get(&key)? {
            Some(value) => keys::decode_node(&key, &value).map(Some),
            None => Ok(None),
        }
    }

    fn scan_leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        self.store.scan_prefix(&keys::all_leases_prefix())?.iter().map(|(k, v)| keys::decode_lease(k, v)).collect()
    }

    fn scan_nodes(&self) -> LeaseResult<Vec<NodeInfo>> {
        self.store.scan_prefix(&keys::all_nodes_prefix())?.iter().map(|(k, v)| keys::decode_node(k, v)).collect()
    }

    /// Builds and applies one batch under the write lock.
    fn write<T>(&self, build: impl FnOnce(&mut Batch<'_, S>) -> LeaseResult<T>) -> LeaseResult<T> {
        let _guard = self.write_lock.lock();
        let mut batch = Batch::new(&self.store);
        let out = build(&mut batch)?;
        if !batch.ops.is_empty() {
            self.store.apply(&batch.ops)?;
        }
        Ok(out)
    }

    /// Every index entry that does not match its lease, and every lease without its
    /// entry; empty when the index is consistent. For checks (conformance, validate).
    pub fn index_problems(&self) -> LeaseResult<Vec<String>> {
        let leases = self.scan_leases()?;
        let mut by_ref: HashMap<AddressableReference, NodeId> =
            leases.into_iter().map(|l| (l.reference, l.node_id)).collect();
        let mut problems = Vec::new();
        for (key, _) in self.store.scan_prefix(&keys::all_index_prefix())? {
            let (node, reference) = keys::decode_index_key(&key)?;
            match by_ref.get(&reference) {
                Some(owner) if *owner == node => {
                    by_ref.remove(&reference);
                }
                Some(owner) => problems.push(format!("{reference} is indexed under {node} but leased to {owner}")),
                None => problems.push(format!("{reference} is indexed under {node} but has no lease")),
            }
        }
        for (reference, node) in by_ref {
            problems.push(format!("{reference} (leased to {node}) has no index entry"));
        }
        problems.sort();
        Ok(problems)
    }
}

fn version_of(stamp: LeaseStamp) -> LeaseVersion {
    LeaseVersion(stamp.version.to_string())
}

fn versioned(lease: AddressableLease, stamp: LeaseStamp) -> VersionedLease {
    VersionedLease { lease, version: version_of(stamp), fencing_token: stamp.fencing_token }
}

/// One batch being built: the ops so far and the leases they leave, so several changes
/// to the same lease in one batch keep the index and the stamps right.
struct Batch<'a, S: RecordStore> {
    store: &'a S,
    ops: Vec<RecordOp>,
    /// The node of each lease touched so far (`None`: removed).
    pending: HashMap<AddressableReference, Option<NodeId>>,
    pending_nodes: HashMap<NodeId, bool>,
    pending_stamps: HashMap<AddressableReference, LeaseStamp>,
}

impl<'a, S: RecordStore> Batch<'a, S> {
    fn new(store: &'a S) -> Self {
        Batch {
            store,
            ops: Vec::new(),
            pending: HashMap::new(),
            pending_nodes: HashMap::new(),
            pending_stamps: HashMap::new(),
        }
    }

    /// Advances the stamp of `reference`: a new version, and a new fencing token when
    /// the write is an acquisition.
    fn bump_stamp(&mut self, reference: &AddressableReference, acquisition: bool) -> LeaseResult<LeaseStamp> {
        let key = keys::stamp_key(reference);
        let mut stamp = match self.pending_stamps.get(reference) {
            Some(stamp) => *stamp,
            None => match self.store.get(&key)? {
                Some(value) => keys::decode_stamp(&key, &value)?,
                None => LeaseStamp::default(),
            },
        };
        stamp.version += 1;
        if acquisition {
            stamp.fencing_token += 1;
        }
        self.ops.push(RecordOp::Put { key, value: keys::encode_stamp(&stamp)? });
        self.pending_stamps.insert(reference.clone(), stamp);
        Ok(stamp)
    }

    /// The node currently holding `reference`, counting this batch's changes.
    fn current_node(&mut self, reference: &AddressableReference) -> LeaseResult<Option<NodeId>> {
        if let Some(node) = self.pending.get(reference) {
            return Ok(node.clone());
        }
        let key = keys::lease_key(reference);
        let node = match self.store.get(&key)? {
            Some(value) => Some(keys::decode_lease(&key, &value)?.node_id),
            None => None,
        };
        self.pending.insert(reference.clone(), node.clone());
        Ok(node)
    }

    fn node_exists(&mut self, node_id: &NodeId) -> LeaseResult<bool> {
        if let Some(exists) = self.pending_nodes.get(node_id) {
            return Ok(*exists);
        }
        let exists = self.store.get(&keys::cluster_node_key(node_id))?.is_some();
        self.pending_nodes.insert(node_id.clone(), exists);
        Ok(exists)
    }

    /// Stores `lease`; an `acquisition` gets a new fencing token, a renewal keeps it.
    fn put_lease(&mut self, lease: &AddressableLease, acquisition: bool) -> LeaseResult<LeaseStamp> {
        let value = keys::encode_lease(lease)?;
        match self.current_node(&lease.reference)? {
            Some(old) if old == lease.node_id => {}
            Some(old) => {
                self.ops.push(RecordOp::Delete { key: keys::node_index_key(&old, &lease.reference) });
                self.ops
                    .push(RecordOp::Put { key: keys::node_index_key(&lease.node_id, &lease.reference), value: vec![] });
            }
            None => {
                self.ops
                    .push(RecordOp::Put { key: keys::node_index_key(&lease.node_id, &lease.reference), value: vec![] });
            }
        }
        self.ops.push(RecordOp::Put { key: keys::lease_key(&lease.reference), value });
        self.pending.insert(lease.reference.clone(), Some(lease.node_id.clone()));
        self.bump_stamp(&lease.reference, acquisition)
    }

    /// Removes the lease; false when there was none.
    fn delete_lease(&mut self, reference: &AddressableReference) -> LeaseResult<bool> {
        match self.current_node(reference)? {
            Some(node) => {
                self.ops.push(RecordOp::Delete { key: keys::node_index_key(&node, reference) });
                self.ops.push(RecordOp::Delete { key: keys::lease_key(reference) });
                self.pending.insert(reference.clone(), None);
                self.bump_stamp(reference, false)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn put_node(&mut self, node: &NodeInfo) -> LeaseResult<()> {
        self.ops.push(RecordOp::Put { key: keys::cluster_node_key(&node.node_id), value: keys::encode_node(node)? });
        self.pending_nodes.insert(node.node_id.clone(), true);
        Ok(())
    }

    fn delete_node(&mut self, node_id: &NodeId) -> LeaseResult<bool> {
        if !self.node_exists(node_id)? {
            return Ok(false);
        }
        self.ops.push(RecordOp::Delete { key: keys::cluster_node_key(node_id) });
        self.pending_nodes.insert(node_id.clone(), false);
        Ok(true)
    }
}

#[async_trait]
impl<S: RecordStore> PersistenceProvider for Directory<S> {
    async fn initialize(&self) -> LeaseResult<()> {
        Ok(())
    }

    async fn shutdown(&self) -> LeaseResult<()> {
        let result = self.store.flush();
        if result.is_err() {
            self.metrics.record_error();
        }
        result
    }

    async fn health_check(&self) -> ProviderHealth {
        self.store.health()
    }

    async fn metrics(&self) -> ProviderMetrics {
        self.metrics.snapshot(self.store.cache_stats())
    }

    async fn commit_transaction(&self, txn: LeaseTransaction) -> LeaseResult<()> {
        let ops = txn.ops.len() as u64;
        self.measured(OpKind::Write, ops, || {
            self.write(|batch| {
                for op in &txn.ops {
                    match op {
                        LeaseOp::StoreLease(lease) => {
                            batch.put_lease(lease, true)?;
                        }
                        LeaseOp::RemoveLease(reference) => {
                            batch.delete_lease(reference)?;
                        }
                        LeaseOp::StoreNode(node) => batch.put_node(node)?,
                        LeaseOp::RemoveNode(node_id) => {
                            batch.delete_node(node_id)?;
                        }
                    }
                }
                Ok(())
            })
        })
    }
}

#[async_trait]
impl<S: RecordStore> AddressableDirectoryProvider for Directory<S> {
    async fn try_acquire(
        &self,
        lease: &AddressableLease,
        expected: Option<&LeaseVersion>,
    ) -> LeaseResult<AcquireOutcome> {
        self.measured(OpKind::Write, 1, || {
            self.write(|batch| match self.read_versioned(&lease.reference)? {
                Some(current) if Some(&current.version) != expected => Ok(AcquireOutcome::HeldBy(current)),
                _ => Ok(AcquireOutcome::Acquired(versioned(lease.clone(), batch.put_lease(lease, true)?))),
            })
        })
    }

    async fn renew_if_owner(&self, lease: &AddressableLease, version: &LeaseVersion) -> LeaseResult<RenewOutcome> {
        self.measured(OpKind::Write, 1, || {
            self.write(|batch| match self.read_versioned(&lease.reference)? {
                Some(current) if current.version == *version && current.lease.node_id == lease.node_id => {
                    Ok(RenewOutcome::Renewed(versioned(lease.clone(), batch.put_lease(lease, false)?)))
                }
                current => Ok(RenewOutcome::NotOwner(current)),
            })
        })
    }

    async fn release_if_owner(&self, reference: &AddressableReference, version: &LeaseVersion) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, || {
            self.write(|batch| match self.read_versioned(reference)? {
                Some(current) if current.version == *version => batch.delete_lease(reference),
                _ => Ok(false),
            })
        })
    }

    async fn get_versioned_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        self.measured(OpKind::Read, 1, || self.read_versioned(reference))
    }

    async fn store_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, || self.write(|batch| batch.put_lease(lease, true).map(drop)))
    }

    async fn get_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>> {
        self.measured(OpKind::Read, 1, || self.read_lease(reference))
    }

    async fn update_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, || {
            self.write(|batch| match batch.current_node(&lease.reference)? {
                Some(_) => batch.put_lease(lease, false).map(drop),
                None => Err(LeaseError::NotFound(lease.reference.clone())),
            })
        })
    }

    async fn remove_lease(&self, reference: &AddressableReference) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, || self.write(|batch| batch.delete_lease(reference)))
    }

    async fn list_node_leases(&self, node_id: &NodeId) -> LeaseResult<Vec<AddressableLease>> {
        self.measured(OpKind::Read, 1, || {
            let prefix = keys::node_index_prefix(node_id);
            let mut leases = Vec::new();
            for (key, _) in self.store.scan_prefix(&prefix)? {
                let reference = keys::reference_from_index_key(&key, prefix.len())?;
                // An entry whose lease changed node or vanished between the scan and this
                // read is skipped: the lease is no longer this node's.
                if let Some(lease) = self.read_lease(&reference)? {
                    if lease.node_id == *node_id {
                        leases.push(lease);
                    }
                }
            }
            Ok(leases)
        })
    }

    async fn list_all_leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        self.measured(OpKind::Read, 1, || self.scan_leases())
    }

    async fn cleanup_expired_leases(&self, now: i64) -> LeaseResult<u64> {
        let started = Instant::now();
        let result = self.write(|batch| {
            let expired: Vec<AddressableReference> =
                self.scan_leases()?.into_iter().filter(|l| l.is_expired(now)).map(|l| l.reference).collect();
            let mut removed = 0;
            for reference in &expired {
                if batch.delete_lease(reference)? {
                    removed += 1;
                }
            }
            Ok(removed)
        });
        self.finish(OpKind::Delete, started, result)
    }

    async fn store_leases_bulk(&self, leases: &[AddressableLease]) -> LeaseResult<()> {
        self.measured(OpKind::Write, leases.len() as u64, || {
            self.write(|batch| leases.iter().try_for_each(|lease| batch.put_lease(lease, true).map(drop)))
        })
    }

    async fn remove_leases_bulk(&self, references: &[AddressableReference]) -> LeaseResult<u64> {
        let started = Instant::now();
        let result = self.write(|batch| {
            let mut removed = 0;
            for reference in references {
                if batch.delete_lease(reference)? {
                    removed += 1;
                }
            }
            Ok(removed)
        });
        self.finish(OpKind::Delete, started, result)
    }
}

impl<S: RecordStore> Directory<S> {
    /// Records a call whose operation count is its result.
    fn finish(&self, kind: OpKind, started: Instant, result: LeaseResult<u64>) -> LeaseResult<u64> {
        let ops = *result.as_ref().unwrap_or(&0);
        self.metrics.record(kind, ops, started.elapsed());
        if result.is_err() {
            self.metrics.record_error();
        }
        result
    }
}

#[async_trait]
impl<S: RecordStore> ClusterNodeProvider for Directory<S> {
    async fn store_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, || self.write(|batch| batch.put_node(node)))
    }

    async fn get_node(&self, node_id: &NodeId) -> LeaseResult<Option<NodeInfo>> {
        self.measured(OpKind::Read, 1, || self.read_node(node_id))
    }

    async fn update_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, || {
            self.write(|batch| {
                if batch.node_exists(&node.node_id)? {
                    batch.put_node(node)
                } else {
                    Err(LeaseError::NodeNotFound(node.node_id.clone()))
                }
            })
        })
    }

    async fn remove_node(&self, node_id: &NodeId) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, || self.write(|batch| batch.delete_node(node_id)))
    }

    async fn list_active_nodes(&self, now: i64) -> LeaseResult<Vec<NodeInfo>> {
        self.measured(OpKind::Read, 1, || {
            Ok(self
                .scan_nodes()?
                .into_iter()
                .filter(|n| n.status == NodeStatus::Active && !n.is_expired(now))
                .collect())
        })
    }

    async fn list_all_nodes(&self) -> LeaseResult<Vec<NodeInfo>> {
        self.measured(OpKind::Read, 1, || self.scan_nodes())
    }

    async fn cleanup_expired_nodes(&self, now: i64) -> LeaseResult<u64> {
        let started = Instant::now();
        let result = self.write(|batch| {
            let mut removed = 0;
            for node in self.scan_nodes()?.into_iter().filter(|n| n.is_expired(now)) {
                if batch.delete_node(&node.node_id)? {
                    removed += 1;
                }
            }
            Ok(removed)
        });
        self.finish(OpKind::Delete, started, result)
    }

    async fn renew_node_lease(&self, node_id: &NodeId, lease_expires_at: i64) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, || {
            self.write(|batch| match self.read_node(node_id)? {
                Some(node) => batch.put_node(&NodeInfo { lease_expires_at, ..node }),
                None => Err(LeaseError::NodeNotFound(node_id.clone())),
            })
        })
    }
}
