//! The Kubernetes backend: the lease directory kept in the API server of a cluster,
//! over its REST API (reqwest with rustls/ring; not the kube crate, whose build is too
//! slow for CI here).
//!
//! * Actor leases: ConfigMaps `<config_map_name>-<i>` sharded by a hash of the lease key
//!   ([`shards`]); each change is a GET and a PUT (or POST) with the resourceVersion read
//!   as the compare-and-swap ([`cas`]), so try_acquire / renew / release are atomic per
//!   key and concurrent writers of other keys in a shard all land after 409 retries.
//! * Cluster nodes: coordination.k8s.io/v1 Lease objects, one per node ([`nodes`]).
//! * Settings ([`settings`]): in-cluster service account or `api_server` + token.
//!
//! Limits, said plainly: `commit_transaction` and the bulk calls are atomic per shard
//! ConfigMap and per node Lease, not across them (Kubernetes has no multi-object
//! transaction; a failure midway leaves the earlier objects written and answers the
//! error). A shard holds at most ~1 MiB (the API server's ConfigMap limit): raise
//! `shards` for many leases. Released keys keep a small tombstone record.
//!
//! TESTED ONLY AGAINST A FAKE: no Kubernetes API server runs on the machines this was
//! built on, so the tests run against [`fake`], an in-test API server that implements
//! the subset of semantics used here (the one stated exception to "no mocks"). It is
//! untested against a real cluster.

pub mod cas;
pub mod client;
mod cluster;
#[cfg(any(test, feature = "test-servers"))]
pub mod fake;
mod leases;
pub mod nodes;
pub mod settings;
pub mod shards;
#[cfg(test)]
mod tests;

use crate::config::BackendKind;
use crate::metrics::{DirectoryMetrics, OpKind};
use crate::provider::{LeaseOp, LeaseResult, LeaseTransaction, PersistenceProvider, ProviderHealth, ProviderMetrics};
use crate::registry::{LeaseBackend, LeaseDirectory};
use crate::store::CacheStats;
use async_trait::async_trait;
use client::{ApiClient, Resource};
use serde_json::{Map, Value};
use settings::KubernetesSettings;
use shards::{Shard, DIRECTORY_LABEL, ROLE_LABEL};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A shard fuller than this is reported as Degraded (the API server refuses 1 MiB).
const SHARD_WARN_BYTES: usize = 800 << 10;

/// Opens the provider `name` from its table (see [`settings`]). No request is sent here.
pub fn open(name: &str, settings: &Map<String, Value>, _data_dir: &Path) -> LeaseResult<LeaseBackend> {
    let settings = KubernetesSettings::parse(name, settings)?;
    let directory = KubernetesDirectory::connect(name, &settings)?;
    Ok(LeaseBackend::from_directory(name, BackendKind::Kubernetes, Arc::new(directory)))
}

/// The lease directory in one namespace of a Kubernetes cluster.
pub struct KubernetesDirectory {
    client: ApiClient,
    /// `config_map_name`: the name prefix and label of every object.
    prefix: String,
    shards: u32,
    metrics: DirectoryMetrics,
    /// The fake API server a test started for this directory.
    #[cfg(test)]
    _fake: Option<Arc<fake::FakeApiServer>>,
}

impl KubernetesDirectory {
    pub fn connect(provider: &str, settings: &KubernetesSettings) -> LeaseResult<Self> {
        let endpoint = settings.endpoint(provider)?;
        if settings.secret_name.is_some() {
            tracing::info!(provider, "kubernetes: secret_name is accepted but unused (lease records hold no secret)");
        }
        let client =
            ApiClient::new(&endpoint, settings.insecure_skip_tls_verify, Duration::from_secs(settings.timeout_secs))?;
        Ok(KubernetesDirectory {
            client,
            prefix: settings.config_map_name.clone(),
            shards: settings.shards,
            metrics: DirectoryMetrics::default(),
            #[cfg(test)]
            _fake: None,
        })
    }

    fn selector(&self, role: &str) -> String {
        format!("{DIRECTORY_LABEL}={},{ROLE_LABEL}={role}", self.prefix)
    }

    /// Runs `work`, counting it in this directory's metrics.
    async fn measured<T>(&self, kind: OpKind, ops: u64, work: impl Future<Output = LeaseResult<T>>) -> LeaseResult<T> {
        self.metrics.measure(kind, ops, work).await
    }

    /// Like [`Self::measured`], counting the operations a call answers.
    async fn counted(&self, kind: OpKind, work: impl Future<Output = LeaseResult<u64>>) -> LeaseResult<u64> {
        let started = Instant::now();
        let result = work.await;
        self.metrics.record(kind, *result.as_ref().unwrap_or(&0), started.elapsed());
        if result.is_err() {
            self.metrics.record_error();
        }
        result
    }

    /// Changes shard `index` by `change` (called on a fresh read on every attempt);
    /// writes only when `change` changed something.
    async fn modify_shard<T>(
        &self,
        index: u32,
        mut change: impl FnMut(&mut Shard) -> LeaseResult<T>,
    ) -> LeaseResult<T> {
        let name = shards::shard_name(&self.prefix, index);
        let (namespace, prefix, count) = (self.client.namespace().to_string(), self.prefix.clone(), self.shards);
        cas::modify(&self.client, Resource::ConfigMap, &name, |object| {
            let mut shard = Shard::from_object(&name, object, count)?;
            let answer = change(&mut shard)?;
            Ok(if shard.changed() {
                cas::Step::Put(shard.to_object(&namespace, &prefix, count), answer)
            } else {
                cas::Step::Keep(answer)
            })
        })
        .await
    }

    /// Shard `index` as stored now.
    async fn read_shard(&self, index: u32) -> LeaseResult<Shard> {
        let name = shards::shard_name(&self.prefix, index);
        let object = self.client.get(Resource::ConfigMap, &name).await?;
        Shard::from_object(&name, object.as_ref(), self.shards)
    }

    /// Every shard of this directory that exists, with its index (one list request).
    async fn read_all_shards(&self) -> LeaseResult<Vec<(u32, Shard)>> {
        let mut out = Vec::new();
        for object in self.client.list(Resource::ConfigMap, &self.selector("lease-shard")).await? {
            let Some(name) = client::object_name(&object) else { continue };
            let index = name.strip_prefix(&format!("{}-", self.prefix)).and_then(|i| i.parse::<u32>().ok());
            if let Some(index) = index.filter(|i| *i < self.shards && shards::shard_name(&self.prefix, *i) == name) {
                out.push((index, Shard::from_object(name, Some(&object), self.shards)?));
            }
        }
        Ok(out)
    }

    /// Applies lease ops grouped by shard: one compare-and-swap per shard, in order.
    async fn apply_lease_ops(&self, ops: &[LeaseOp]) -> LeaseResult<u64> {
        let mut by_shard: BTreeMap<u32, Vec<&LeaseOp>> = BTreeMap::new();
        for op in ops {
            let reference = match op {
                LeaseOp::StoreLease(lease) => &lease.reference,
                LeaseOp::RemoveLease(reference) => reference,
                LeaseOp::StoreNode(_) | LeaseOp::RemoveNode(_) => continue,
            };
            by_shard.entry(shards::shard_of(reference, self.shards)).or_default().push(op);
        }
        let mut removed = 0;
        for (index, ops) in by_shard {
            removed += self
                .modify_shard(index, |shard| {
                    let mut removed = 0;
                    for op in &ops {
                        match op {
                            LeaseOp::StoreLease(lease) => {
                                shard.put_lease(lease, true)?;
                            }
                            LeaseOp::RemoveLease(reference) => removed += u64::from(shard.remove_lease(reference)?),
                            LeaseOp::StoreNode(_) | LeaseOp::RemoveNode(_) => {}
                        }
                    }
                    Ok(removed)
                })
                .await?;
        }
        Ok(removed)
    }

    /// Every shard record that does not decode or is misplaced.
    async fn problems(&self) -> LeaseResult<Vec<String>> {
        let mut problems = Vec::new();
        for (index, shard) in self.read_all_shards().await? {
            problems.extend(shard.problems(index, self.shards));
        }
        problems.sort();
        Ok(problems)
    }
}

impl LeaseDirectory for KubernetesDirectory {
    fn backend_name(&self) -> &'static str {
        "kubernetes"
    }

    /// Records that do not decode, or sit under the wrong key or shard (the layout has
    /// no secondary index). Blocks on the API server: call it outside async code, or
    /// from a multi-threaded runtime.
    fn index_problems(&self) -> LeaseResult<Vec<String>> {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| handle.block_on(self.problems()))
            }
            Ok(_) => Err(crate::provider::LeaseError::Unavailable(
                "kubernetes: index_problems needs a multi-threaded runtime".into(),
            )),
            Err(_) => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| crate::provider::LeaseError::Backend(format!("kubernetes: a runtime: {e}")))?
                .block_on(self.problems()),
        }
    }

    /// Nothing to do: the API server acknowledges a write once etcd has it.
    fn flush(&self) -> LeaseResult<()> {
        Ok(())
    }
}

#[async_trait]
impl PersistenceProvider for KubernetesDirectory {
    async fn initialize(&self) -> LeaseResult<()> {
        // Reachable, authorised, and written with this shard count.
        self.measured(OpKind::Read, 1, async { self.read_all_shards().await.map(drop) }).await
    }

    async fn shutdown(&self) -> LeaseResult<()> {
        Ok(())
    }

    /// Healthy when the shards can be listed; Degraded when one nears the ConfigMap
    /// size limit; Unhealthy when the API server cannot be reached or refuses.
    async fn health_check(&self) -> ProviderHealth {
        match self.read_all_shards().await {
            Err(e) => ProviderHealth::Unhealthy { reason: e.to_string() },
            Ok(shards) => match shards.iter().find(|(_, s)| s.data_bytes() > SHARD_WARN_BYTES) {
                Some((_, s)) => ProviderHealth::Degraded {
                    reason: format!(
                        "kubernetes: ConfigMap {} holds {} bytes of the 1 MiB limit; raise shards",
                        s.name,
                        s.data_bytes()
                    ),
                },
                None => ProviderHealth::Healthy,
            },
        }
    }

    async fn metrics(&self) -> ProviderMetrics {
        self.metrics.snapshot(CacheStats::default())
    }

    /// Atomic per shard ConfigMap and per node Lease (see the module note).
    async fn commit_transaction(&self, txn: LeaseTransaction) -> LeaseResult<()> {
        let ops = txn.ops.len() as u64;
        self.measured(OpKind::Write, ops, async {
            self.apply_lease_ops(&txn.ops).await?;
            for op in &txn.ops {
                match op {
                    LeaseOp::StoreNode(node) => self.put_node(node).await?,
                    LeaseOp::RemoveNode(node_id) => {
                        self.delete_node(node_id).await?;
                    }
                    LeaseOp::StoreLease(_) | LeaseOp::RemoveLease(_) => {}
                }
            }
            Ok(())
        })
        .await
    }
}
