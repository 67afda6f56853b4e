//! The Redis backend (`type = "Redis"`, cargo feature `redis`): the lease directory in a
//! Redis server, every change one Lua script ([`scripts`]) so that a compare-and-swap,
//! its fencing counter and the by-node index change atomically.
//!
//! * `try_acquire`: the lease is written when its key holds none or one of the expected
//!   version, with a new fencing token (`HINCRBY` of the key's counter hash, which
//!   outlives releases); `renew_if_owner` and `release_if_owner` check version and owner
//!   inside their script.
//! * Versions are the key's write counter (opaque text); no lease key has a Redis TTL:
//!   expiry is the caller's decision and an expired lease stays visible (with its
//!   version, for a take-over by compare-and-swap) until `cleanup_expired_leases`.
//! * Durability is the server's: run it with `appendonly yes` and `appendfsync always`
//!   for acknowledged writes to survive a server restart.
//! * TLS: `rediss://` through rustls with ring ([`connection`]), the CA in `ca_cert`.
//!
//! Settings: [`settings::RedisSettings`].

mod connection;
mod reply;
mod scripts;
pub mod settings;
#[cfg(test)]
pub mod tests;
#[cfg(test)]
mod tests_tls;

use crate::config::BackendKind;
use crate::metrics::{DirectoryMetrics, OpKind};
use crate::provider::{
    AcquireOutcome, AddressableDirectoryProvider, AddressableLease, AddressableReference, ClusterNodeProvider,
    LeaseError, LeaseOp, LeaseResult, LeaseTransaction, LeaseVersion, NodeId, NodeInfo, NodeStatus,
    PersistenceProvider, ProviderHealth, ProviderMetrics, RenewOutcome, VersionedLease,
};
use crate::registry::{LeaseBackend, LeaseDirectory};
use crate::{keys, store::CacheStats};
use async_trait::async_trait;
use connection::Pool;
use redis::Value;
use reply::{corrupt, reference_id};
use scripts::*;
use serde_json::Map;
use settings::RedisSettings;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;

/// Leases per script when storing or removing in bulk (each chunk is atomic).
const BULK_CHUNK: usize = 500;

/// Opens the Redis provider `name` (nothing connects until the first call).
pub fn open(name: &str, settings: &Map<String, serde_json::Value>, _data_dir: &Path) -> LeaseResult<LeaseBackend> {
    let settings = RedisSettings::from_table(name, settings)?;
    Ok(LeaseBackend::from_directory(name, BackendKind::Redis, Arc::new(RedisDirectory::new(name, &settings)?)))
}

/// The lease directory in one Redis database under one key prefix.
pub struct RedisDirectory {
    pool: Pool,
    prefix: Vec<u8>,
    metrics: DirectoryMetrics,
    /// A test's own redis-server, stopped with the directory.
    #[cfg(test)]
    _server: Option<Arc<crate::remote::testing::ServerProcess>>,
}

/// An argument list of byte strings.
struct Args(Vec<Vec<u8>>);

impl Args {
    fn new(prefix: &[u8]) -> Args {
        Args(vec![prefix.to_vec()])
    }

    fn push(&mut self, arg: impl AsRef<[u8]>) -> &mut Args {
        self.0.push(arg.as_ref().to_vec());
        self
    }

    fn lease(&mut self, lease: &AddressableLease) -> LeaseResult<&mut Args> {
        let blob = keys::encode_lease(lease)?;
        self.push(reference_id(&lease.reference)).push(&lease.node_id.0).push(lease.expires_at.to_string()).push(blob);
        Ok(self)
    }

    fn slices(&self) -> Vec<&[u8]> {
        self.0.iter().map(Vec::as_slice).collect()
    }
}

impl RedisDirectory {
    pub fn new(name: &str, settings: &RedisSettings) -> LeaseResult<RedisDirectory> {
        Ok(RedisDirectory {
            pool: Pool::new(name, settings)?,
            prefix: settings.prefix.clone().into_bytes(),
            metrics: DirectoryMetrics::default(),
            #[cfg(test)]
            _server: None,
        })
    }

    /// The directory with a test's server guard.
    #[cfg(test)]
    pub fn with_server(mut self, server: Arc<crate::remote::testing::ServerProcess>) -> RedisDirectory {
        self._server = Some(server);
        self
    }

    fn args(&self) -> Args {
        Args::new(&self.prefix)
    }

    /// Runs `work`, counting it in this directory's metrics.
    async fn measured<T>(&self, kind: OpKind, ops: u64, work: impl Future<Output = LeaseResult<T>>) -> LeaseResult<T> {
        self.metrics.measure(kind, ops, work).await
    }

    async fn eval(&self, op: &str, script: &redis::Script, args: &Args) -> LeaseResult<Value> {
        self.pool.eval(op, script, &args.slices()).await
    }

    async fn eval_int(&self, op: &str, script: &redis::Script, args: &Args) -> LeaseResult<i64> {
        reply::integer(op, self.eval(op, script, args).await?)
    }

    async fn read_versioned(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        let op = "get lease";
        let mut key = self.prefix.clone();
        key.extend_from_slice(b":lease:");
        key.extend_from_slice(reference_id(reference).as_bytes());
        let mut command = redis::cmd("HMGET");
        command.arg(key).arg("lease").arg("ver").arg("fence");
        let items = reply::array(op, self.pool.command(op, &command).await?)?;
        reply::optional_versioned(op, reference, items.into_iter())
    }

    /// `{flag, ...}`: the flag and the rest.
    fn flagged(op: &str, value: Value) -> LeaseResult<(i64, std::vec::IntoIter<Value>)> {
        let mut items = reply::array(op, value)?.into_iter();
        let flag = reply::integer(op, items.next().ok_or_else(|| corrupt(op, "an empty reply"))?)?;
        Ok((flag, items))
    }

    /// The `{ver, fence}` after a write, with the lease written.
    fn written(
        op: &str,
        lease: &AddressableLease,
        mut items: std::vec::IntoIter<Value>,
    ) -> LeaseResult<VersionedLease> {
        let (Some(version), Some(fence)) = (items.next(), items.next()) else {
            return Err(corrupt(op, "a short reply"));
        };
        let version = reply::integer(op, version)?;
        Ok(VersionedLease {
            lease: lease.clone(),
            version: LeaseVersion(version.to_string()),
            fencing_token: reply::counter(op, fence)?,
        })
    }

    async fn store_chunked(&self, leases: &[AddressableLease]) -> LeaseResult<()> {
        for chunk in leases.chunks(BULK_CHUNK) {
            let mut args = self.args();
            for lease in chunk {
                args.lease(lease)?;
            }
            self.eval("store leases", &STORE_SCRIPT, &args).await?;
        }
        Ok(())
    }

    async fn remove_chunked(&self, references: &[AddressableReference]) -> LeaseResult<u64> {
        let mut removed = 0;
        for chunk in references.chunks(BULK_CHUNK) {
            let mut args = self.args();
            for reference in chunk {
                args.push(reference_id(reference));
            }
            removed += self.eval_int("remove leases", &REMOVE_SCRIPT, &args).await?.max(0) as u64;
        }
        Ok(removed)
    }

    async fn list(&self, node: Option<&NodeId>) -> LeaseResult<Vec<AddressableLease>> {
        let mut args = self.args();
        if let Some(node) = node {
            args.push(&node.0);
        }
        let mut leases = reply::lease_list("list leases", self.eval("list leases", &LIST_SCRIPT, &args).await?)?;
        leases.sort_by(|a, b| a.reference.cmp(&b.reference));
        Ok(leases)
    }

    async fn read_node(&self, node_id: &NodeId) -> LeaseResult<Option<NodeInfo>> {
        let op = "get node";
        let mut key = self.prefix.clone();
        key.extend_from_slice(b":node:");
        key.extend_from_slice(node_id.0.as_bytes());
        let mut command = redis::cmd("HMGET");
        command.arg(key).arg("info").arg("exp");
        let mut items = reply::array(op, self.pool.command(op, &command).await?)?.into_iter();
        let (Some(info), Some(exp)) = (items.next(), items.next()) else {
            return Err(corrupt(op, "a short reply"));
        };
        match reply::bytes(op, info)? {
            None => Ok(None),
            Some(info) => reply::node(op, &node_id.0, info, exp).map(Some),
        }
    }

    async fn list_nodes(&self) -> LeaseResult<Vec<NodeInfo>> {
        reply::node_list("list nodes", self.eval("list nodes", &NODE_LIST_SCRIPT, &self.args()).await?)
    }

    async fn put_node(&self, node: &NodeInfo, mode: &str) -> LeaseResult<bool> {
        let mut args = self.args();
        args.push(&node.node_id.0).push(keys::encode_node(node)?).push(node.lease_expires_at.to_string()).push(mode);
        Ok(self.eval_int("store node", &NODE_PUT_SCRIPT, &args).await? == 1)
    }
}

#[async_trait]
impl PersistenceProvider for RedisDirectory {
    async fn initialize(&self) -> LeaseResult<()> {
        match self.health_check().await {
            ProviderHealth::Unhealthy { reason } => Err(LeaseError::Unavailable(reason)),
            _ => Ok(()),
        }
    }

    async fn shutdown(&self) -> LeaseResult<()> {
        self.pool.close().await;
        Ok(())
    }

    async fn health_check(&self) -> ProviderHealth {
        match self.pool.command("ping", &redis::cmd("PING")).await {
            Ok(_) => ProviderHealth::Healthy,
            Err(e) => ProviderHealth::Unhealthy { reason: e.to_string() },
        }
    }

    async fn metrics(&self) -> ProviderMetrics {
        self.metrics.snapshot(CacheStats::default())
    }

    async fn commit_transaction(&self, txn: LeaseTransaction) -> LeaseResult<()> {
        if txn.ops.is_empty() {
            return Ok(());
        }
        let ops = txn.ops.len() as u64;
        self.measured(OpKind::Write, ops, async {
            let mut args = self.args();
            for op in &txn.ops {
                match op {
                    LeaseOp::StoreLease(lease) => {
                        args.push("SL").lease(lease)?;
                    }
                    LeaseOp::RemoveLease(reference) => {
                        args.push("RL").push(reference_id(reference));
                    }
                    LeaseOp::StoreNode(node) => {
                        args.push("SN")
                            .push(&node.node_id.0)
                            .push(keys::encode_node(node)?)
                            .push(node.lease_expires_at.to_string());
                    }
                    LeaseOp::RemoveNode(node_id) => {
                        args.push("RN").push(&node_id.0);
                    }
                }
            }
            self.eval("commit transaction", &COMMIT_SCRIPT, &args).await.map(drop)
        })
        .await
    }
}

#[async_trait]
impl AddressableDirectoryProvider for RedisDirectory {
    async fn try_acquire(
        &self,
        lease: &AddressableLease,
        expected: Option<&LeaseVersion>,
    ) -> LeaseResult<AcquireOutcome> {
        self.measured(OpKind::Write, 1, async {
            let op = "try_acquire";
            let mut args = self.args();
            args.lease(lease)?;
            if let Some(expected) = expected {
                args.push(&expected.0);
            }
            let (flag, mut items) = Self::flagged(op, self.eval(op, &ACQUIRE_SCRIPT, &args).await?)?;
            if flag == 1 {
                return Ok(AcquireOutcome::Acquired(Self::written(op, lease, items)?));
            }
            let blob = reply::bytes(op, items.next().unwrap_or_default())?
                .ok_or_else(|| corrupt(op, "a refusal without the holder"))?;
            let (Some(version), Some(fence)) = (items.next(), items.next()) else {
                return Err(corrupt(op, "a short reply"));
            };
            Ok(AcquireOutcome::HeldBy(reply::versioned_lease(op, &lease.reference, blob, version, fence)?))
        })
        .await
    }

    async fn renew_if_owner(&self, lease: &AddressableLease, version: &LeaseVersion) -> LeaseResult<RenewOutcome> {
        self.measured(OpKind::Write, 1, async {
            let op = "renew_if_owner";
            let mut args = self.args();
            args.lease(lease)?.push(&version.0);
            let (flag, items) = Self::flagged(op, self.eval(op, &RENEW_SCRIPT, &args).await?)?;
            if flag == 1 {
                Ok(RenewOutcome::Renewed(Self::written(op, lease, items)?))
            } else {
                Ok(RenewOutcome::NotOwner(reply::optional_versioned(op, &lease.reference, items)?))
            }
        })
        .await
    }

    async fn release_if_owner(&self, reference: &AddressableReference, version: &LeaseVersion) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, async {
            let mut args = self.args();
            args.push(reference_id(reference)).push(&version.0);
            Ok(self.eval_int("release_if_owner", &RELEASE_SCRIPT, &args).await? == 1)
        })
        .await
    }

    async fn get_versioned_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        self.measured(OpKind::Read, 1, self.read_versioned(reference)).await
    }

    async fn store_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, self.store_chunked(std::slice::from_ref(lease))).await
    }

    async fn get_lease(&self, reference: &AddressableReference) -> LeaseResult<Option<AddressableLease>> {
        self.measured(OpKind::Read, 1, async { Ok(self.read_versioned(reference).await?.map(|v| v.lease)) }).await
    }

    async fn update_lease(&self, lease: &AddressableLease) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, async {
            let mut args = self.args();
            args.lease(lease)?;
            match self.eval_int("update lease", &UPDATE_SCRIPT, &args).await? {
                1 => Ok(()),
                _ => Err(LeaseError::NotFound(lease.reference.clone())),
            }
        })
        .await
    }

    async fn remove_lease(&self, reference: &AddressableReference) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, async { Ok(self.remove_chunked(std::slice::from_ref(reference)).await? == 1) })
            .await
    }

    async fn list_node_leases(&self, node_id: &NodeId) -> LeaseResult<Vec<AddressableLease>> {
        self.measured(OpKind::Read, 1, self.list(Some(node_id))).await
    }

    async fn list_all_leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        self.measured(OpKind::Read, 1, self.list(None)).await
    }

    async fn cleanup_expired_leases(&self, now: i64) -> LeaseResult<u64> {
        self.measured(OpKind::Delete, 1, async {
            let mut args = self.args();
            args.push(now.to_string());
            Ok(self.eval_int("cleanup expired leases", &CLEANUP_SCRIPT, &args).await?.max(0) as u64)
        })
        .await
    }

    async fn store_leases_bulk(&self, leases: &[AddressableLease]) -> LeaseResult<()> {
        self.measured(OpKind::Write, leases.len() as u64, self.store_chunked(leases)).await
    }

    async fn remove_leases_bulk(&self, references: &[AddressableReference]) -> LeaseResult<u64> {
        self.measured(OpKind::Delete, references.len() as u64, self.remove_chunked(references)).await
    }
}

#[async_trait]
impl ClusterNodeProvider for RedisDirectory {
    async fn store_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, async { self.put_node(node, "store").await.map(drop) }).await
    }

    async fn get_node(&self, node_id: &NodeId) -> LeaseResult<Option<NodeInfo>> {
        self.measured(OpKind::Read, 1, self.read_node(node_id)).await
    }

    async fn update_node(&self, node: &NodeInfo) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, async {
            if self.put_node(node, "update").await? {
                Ok(())
            } else {
                Err(LeaseError::NodeNotFound(node.node_id.clone()))
            }
        })
        .await
    }

    async fn remove_node(&self, node_id: &NodeId) -> LeaseResult<bool> {
        self.measured(OpKind::Delete, 1, async {
            let mut args = self.args();
            args.push(&node_id.0);
            Ok(self.eval_int("remove node", &NODE_REMOVE_SCRIPT, &args).await? == 1)
        })
        .await
    }

    async fn list_active_nodes(&self, now: i64) -> LeaseResult<Vec<NodeInfo>> {
        self.measured(OpKind::Read, 1, async {
            let nodes = self.list_nodes().await?;
            Ok(nodes.into_iter().filter(|n| n.status == NodeStatus::Active && !n.is_expired(now)).collect())
        })
        .await
    }

    async fn list_all_nodes(&self) -> LeaseResult<Vec<NodeInfo>> {
        self.measured(OpKind::Read, 1, self.list_nodes()).await
    }

    async fn cleanup_expired_nodes(&self, now: i64) -> LeaseResult<u64> {
        self.measured(OpKind::Delete, 1, async {
            let mut args = self.args();
            args.push(now.to_string());
            Ok(self.eval_int("cleanup expired nodes", &NODE_CLEANUP_SCRIPT, &args).await?.max(0) as u64)
        })
        .await
    }

    async fn renew_node_lease(&self, node_id: &NodeId, lease_expires_at: i64) -> LeaseResult<()> {
        self.measured(OpKind::Write, 1, async {
            let mut args = self.args();
            args.push(&node_id.0).push(lease_expires_at.to_string());
            match self.eval_int("renew node lease", &NODE_RENEW_SCRIPT, &args).await? {
                1 => Ok(()),
                _ => Err(LeaseError::NodeNotFound(node_id.clone())),
            }
        })
        .await
    }
}

impl LeaseDirectory for RedisDirectory {
    fn backend_name(&self) -> &'static str {
        "redis"
    }

    fn index_problems(&self) -> LeaseResult<Vec<String>> {
        let op = "index check";
        let args = self.args();
        let value = self.pool.eval_blocking(op, &INDEX_CHECK_SCRIPT, &args.slices())?;
        let mut problems = Vec::new();
        for item in reply::array(op, value)? {
            let text = reply::bytes(op, item)?.unwrap_or_default();
            problems.push(String::from_utf8_lossy(&text).into_owned());
        }
        problems.sort();
        Ok(problems)
    }

    /// Every acknowledged write is already the server's: durability is its `appendfsync`.
    fn flush(&self) -> LeaseResult<()> {
        Ok(())
    }
}
