//! The etcd backend of the lease directory, over etcd's v3 JSON gateway (etcd 3.4 serves
//! it at `/v3/` on the client port) with reqwest: no gRPC stack, no protoc.
//!
//! * Every lease key is attached to its node's etcd lease ([`node_leases`]): one etcd
//!   lease per node id, granted with `lease_ttl` and kept alive by the node's writes;
//!   when a node stops renewing, etcd deletes its leases and its node record together.
//! * Acquisition is one Txn: the key is absent (create_revision = 0) or, for a take-over,
//!   was last written at the expected revision (mod_revision); renewal is a Txn on
//!   mod_revision and on the key's etcd lease being the renewing node's; release a Txn on
//!   mod_revision. A lease's version is its mod_revision.
//! * Fencing: each acquisition also writes `<p>/fence/<type>/<key>` in the same Txn, and
//!   the token is that key's mod_revision, i.e. the revision of the acquiring Txn. etcd
//!   revisions only grow, the fence key is never deleted or attached to a lease, and only
//!   acquisitions write it, so the token grows with every acquisition of a key — fresh
//!   creation, re-creation after release or expiry, and take-over by mod_revision alike
//!   (create_revision alone would not: a take-over keeps it) — and renewals keep it.
//! * Listing by node scans the lease prefix and filters (there is no secondary index to
//!   keep consistent). `commit_transaction` is one Txn; one needing more operations than
//!   the server's `--max-txn-ops` (`max_txn_ops`, 128 by default) is refused, never split.
//!
//! Modules: [`settings`] (the provider table), [`gateway`] (HTTP, endpoints, auth),
//! [`layout`] (keys and envelopes), [`node_leases`], [`leases`] and [`nodes`] (the
//! provider traits); for a cluster of nodes, [`watch`] (following a prefix) and
//! [`membership`] (a node's registration, keepalive, self-fence and member list).

pub mod gateway;
pub mod layout;
mod leases;
pub mod membership;
pub mod node_leases;
mod nodes;
pub mod settings;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_membership;
pub mod watch;

use crate::metrics::{DirectoryMetrics, OpKind};
use crate::provider::{AddressableLease, LeaseError, LeaseResult, NodeId, VersionedLease};
use crate::registry::{LeaseBackend, LeaseDirectory};
use gateway::{Gateway, GatewayError, GatewayResult, Kv};
use layout::Layout;
use node_leases::NodeLeases;
use serde_json::{Map, Value};
use settings::EtcdSettings;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;

/// Opens the etcd provider `name` from its settings table. Nothing is contacted yet.
pub fn open(name: &str, settings: &Map<String, Value>, _data_dir: &Path) -> LeaseResult<LeaseBackend> {
    let settings = EtcdSettings::parse(name, settings)?;
    Ok(LeaseBackend::from_etcd(name, Arc::new(EtcdDirectory::new(name, settings)?)))
}

/// The lease directory in an etcd cluster.
pub struct EtcdDirectory {
    name: String,
    settings: EtcdSettings,
    gateway: Arc<Gateway>,
    layout: Layout,
    node_leases: NodeLeases,
    metrics: DirectoryMetrics,
    /// The test's own etcd server, which lives as long as the directory.
    #[cfg(test)]
    pub(crate) server: Option<Arc<crate::remote::testing::ServerProcess>>,
}

impl EtcdDirectory {
    pub fn new(name: &str, settings: EtcdSettings) -> LeaseResult<EtcdDirectory> {
        let tls = tls_material(name, &settings)?;
        let gateway = Gateway::new(&settings, tls).map_err(|e| LeaseError::Config(format!("providers.{name}: {e}")))?;
        Ok(EtcdDirectory {
            name: name.to_string(),
            layout: Layout::new(&settings.prefix),
            node_leases: NodeLeases::new(settings.lease_ttl_secs),
            gateway: Arc::new(gateway),
            settings,
            metrics: DirectoryMetrics::default(),
            #[cfg(test)]
            server: None,
        })
    }

    pub fn settings(&self) -> &EtcdSettings {
        &self.settings
    }

    /// A gateway error as the lease directory's error, naming the provider and `op`.
    fn error(&self, op: &str, e: GatewayError) -> LeaseError {
        let text = format!("etcd provider \"{}\": {op}: {e}", self.name);
        match e {
            GatewayError::Unreachable(_) => LeaseError::Unavailable(text),
            GatewayError::Server { .. } | GatewayError::Malformed(_) => LeaseError::Backend(text),
        }
    }

    fn corrupt(&self, op: &str, why: String) -> LeaseError {
        LeaseError::Corruption(format!("etcd provider \"{}\": {op}: {why}", self.name))
    }

    fn backend(&self, op: &str, why: String) -> LeaseError {
        LeaseError::Backend(format!("etcd provider \"{}\": {op}: {why}", self.name))
    }

    /// Runs `work`, counting it in this directory's metrics.
    async fn measured<T>(&self, kind: OpKind, ops: u64, work: impl Future<Output = LeaseResult<T>>) -> LeaseResult<T> {
        self.metrics.measure(kind, ops, work).await
    }

    /// Runs `write` with the live etcd lease of `node`; when etcd says that lease is gone
    /// (it expired since this client last saw it), once more with a fresh one.
    async fn with_node_lease<T, F, Fut>(&self, node: &NodeId, write: F) -> GatewayResult<T>
    where
        F: Fn(i64) -> Fut,
        Fut: Future<Output = GatewayResult<T>>,
    {
        let id = self.node_leases.lease_for(&self.gateway, &self.layout, node).await?;
        match write(id).await {
            Err(e) if e.is_lease_not_found() => {
                self.node_leases.forget(node);
                let id = self.node_leases.lease_for(&self.gateway, &self.layout, node).await?;
                write(id).await
            }
            other => other,
        }
    }

    fn decode_lease(&self, op: &str, kv: &Kv) -> LeaseResult<AddressableLease> {
        layout::decode_lease(&self.layout, &kv.key, &kv.value).map_err(|why| self.corrupt(op, why))
    }

    /// The lease in `lease_kv` with its version (mod_revision) and fencing token (the
    /// fence key's mod_revision).
    fn versioned(&self, op: &str, lease_kv: Option<Kv>, fence: Option<Kv>) -> LeaseResult<Option<VersionedLease>> {
        let Some(kv) = lease_kv else { return Ok(None) };
        Ok(Some(VersionedLease {
            lease: self.decode_lease(op, &kv)?,
            version: crate::provider::LeaseVersion(kv.mod_revision.to_string()),
            fencing_token: fence.map_or(0, |f| f.mod_revision.max(0) as u64),
        }))
    }
}

/// The CA roots and client identity of the TLS settings, read from their files.
fn tls_material(
    name: &str,
    s: &EtcdSettings,
) -> LeaseResult<Option<(Vec<reqwest::Certificate>, Option<reqwest::Identity>)>> {
    if s.ca_cert.is_none() && s.client_cert.is_none() {
        return Ok(None);
    }
    let read = |field: &str, path: &Path| {
        std::fs::read(path)
            .map_err(|e| LeaseError::Config(format!("providers.{name}.{field}: {}: {e}", path.display())))
    };
    let mut roots = Vec::new();
    if let Some(path) = &s.ca_cert {
        let pem = read("ca_cert", path)?;
        roots = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| LeaseError::Config(format!("providers.{name}.ca_cert: {}: {e}", path.display())))?;
    }
    let identity =
        match (&s.client_cert, &s.client_key) {
            (Some(cert), Some(key)) => {
                let mut pem = read("client_cert", cert)?;
                pem.push(b'\n');
                pem.extend(read("client_key", key)?);
                Some(reqwest::Identity::from_pem(&pem).map_err(|e| {
                    LeaseError::Config(format!("providers.{name}.client_cert: {}: {e}", cert.display()))
                })?)
            }
            _ => None,
        };
    Ok(Some((roots, identity)))
}

impl LeaseDirectory for EtcdDirectory {
    fn backend_name(&self) -> &'static str {
        "etcd"
    }

    /// The layout has no secondary index (listing by node filters a scan).
    fn index_problems(&self) -> LeaseResult<Vec<String>> {
        Ok(Vec::new())
    }

    /// etcd acknowledges a write once its cluster has committed it to disk.
    fn flush(&self) -> LeaseResult<()> {
        Ok(())
    }
}
