//! This server as a node of an Orbit cluster (`[cluster] enabled = true`): its
//! membership on the lease directory's etcd provider, and how the banner, `/health` and
//! `/metrics` show it.
//!
//! [`ClusterNode::join`] registers the node (`orbit_leases::registry::NodeMembership`:
//! one etcd lease, kept alive at TTL/3, the record under `<prefix>/nodes/<node id>`)
//! before any actor lease is acquired, so every actor lease the node's runtimes take
//! through the same provider hangs on that etcd lease and vanishes with it. The RPC port
//! is bound at start and held ([`ClusterNode::take_rpc_listener`]) for the node-to-node
//! RPC server, which is not part of this module. [`ClusterNode::leave`] (graceful
//! shutdown) revokes the lease: the record and the node's actor leases go at once.
//!
//! The node is the actor runtimes' [`orbit_actors::FenceSignal`]: they serve nothing from
//! the membership's self-fence deadline on (last acknowledged renewal + TTL - margin), nor
//! once the node has left.
//!
//! `/health` shows [`ClusterNode::health`]: this node (id, RPC address, etcd lease,
//! whether it is self-fenced and how far its fence deadline is), and the members with
//! their RPC addresses; a fenced node must not serve its actors, so it makes `/health`
//! 503. `/metrics` adds [`ClusterNode::metrics`]: `orbit_cluster_members`,
//! `orbit_cluster_fenced` (0/1), `orbit_cluster_self_fence_remaining_seconds` and
//! `orbit_cluster_lease_renewals_total`.

use crate::config::ClusterConfig;
use crate::ServerError;
use orbit_leases::registry::{MemberRegistration, NodeMembership};
use orbit_leases::{LeaseBackend, NodeId};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// This node's registration in the cluster and what describes it.
pub struct ClusterNode {
    pub node_id: NodeId,
    /// Where other nodes reach this node's RPC server.
    pub rpc_address: String,
    /// The RPC port as bound.
    pub rpc_bound: SocketAddr,
    /// The lease-directory provider the cluster runs on.
    pub provider: String,
    pub endpoints: Vec<String>,
    pub prefix: String,
    pub lease_ttl: Duration,
    pub fence_margin: Duration,
    /// `None` once the node has left.
    membership: Mutex<Option<NodeMembership>>,
    /// The reserved RPC socket, until the RPC server takes it.
    rpc_listener: Mutex<Option<TcpListener>>,
}

impl ClusterNode {
    /// Registers this node on `backend` (the lease directory's etcd provider) with the RPC
    /// port `rpc_listener` holds; `metadata` travels with the record.
    pub async fn join(
        config: &ClusterConfig,
        bind: std::net::IpAddr,
        backend: &LeaseBackend,
        rpc_listener: TcpListener,
        metadata: BTreeMap<String, String>,
    ) -> Result<ClusterNode, ServerError> {
        let rpc_bound =
            rpc_listener.local_addr().map_err(|e| ServerError::Runtime(format!("cluster RPC listener: {e}")))?;
        let node_id = config.node_id_for(rpc_bound.port());
        let rpc_address = config.advertise_address_for(bind, rpc_bound.port());
        let (endpoints, prefix) = backend.etcd_endpoints().unwrap_or_default();
        let registration = MemberRegistration {
            node_id: node_id.clone(),
            rpc_address: rpc_address.clone(),
            metadata,
            lease_ttl: config.lease_ttl.value,
            fence_margin: config.fence_margin.value,
        };
        let membership = backend.register_member(registration).await.map_err(|e| {
            ServerError::Runtime(format!(
                "cannot join the cluster as node {node_id} through provider \"{}\" ({}): {e}",
                backend.name, config.enabled.source
            ))
        })?;
        tracing::info!(node = %node_id, rpc = %rpc_address, lease = membership.lease_id(), "joined the cluster");
        Ok(ClusterNode {
            node_id,
            rpc_address,
            rpc_bound,
            provider: backend.name.clone(),
            endpoints,
            prefix,
            lease_ttl: config.lease_ttl.value,
            fence_margin: config.fence_margin.value,
            membership: Mutex::new(Some(membership)),
            rpc_listener: Mutex::new(Some(rpc_listener)),
        })
    }

    /// The reserved RPC socket, for the node-to-node RPC server (once).
    pub fn take_rpc_listener(&self) -> Option<TcpListener> {
        self.rpc_listener.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Runs `read` on the membership while the node is registered.
    fn with_membership<T>(&self, read: impl FnOnce(&NodeMembership) -> T) -> Option<T> {
        self.membership.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(read)
    }

    /// True when the node must not serve its actors (fenced, or left).
    pub fn is_fenced(&self) -> bool {
        self.with_membership(|m| m.is_fenced(Instant::now())).unwrap_or(true)
    }

    /// Leaves the cluster at once (revokes the node's etcd lease); a second call does nothing.
    pub async fn leave(&self) -> Result<(), ServerError> {
        let membership = self.membership.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(membership) = membership else { return Ok(()) };
        drop(self.take_rpc_listener());
        membership
            .deregister()
            .await
            .map_err(|e| ServerError::Runtime(format!("cluster: node {} could not deregister: {e}", self.node_id)))?;
        tracing::info!(node = %self.node_id, "left the cluster");
        Ok(())
    }

    /// The banner's cluster lines.
    pub fn banner_lines(&self, persistent: &[&str]) -> Vec<String> {
        let mut lines = vec![format!(
            "node \"{}\", rpc {} (port {} reserved), etcd {} (provider \"{}\", prefix \"{}\"), lease TTL {}s, \
             fence margin {:?}",
            self.node_id,
            self.rpc_address,
            self.rpc_bound.port(),
            self.endpoints.join(","),
            self.provider,
            self.prefix,
            self.lease_ttl.as_secs(),
            self.fence_margin
        )];
        lines.push(match persistent {
            [] => "every enabled protocol is in actor mode; persistent-mode protocols would stay per node".to_string(),
            names => format!(
                "persistent-mode protocols stay per node (their data is this node's alone): {}",
                names.join(", ")
            ),
        });
        lines
    }

    /// The `cluster` section of `/health`.
    pub fn health(&self) -> Value {
        let now = Instant::now();
        let state = self.with_membership(|m| {
            let (members, revision) = m.members();
            let deadline = m.self_fence_deadline();
            let remaining_ms = match deadline.checked_duration_since(now) {
                Some(left) => i64::try_from(left.as_millis()).unwrap_or(i64::MAX),
                None => -i64::try_from(now.duration_since(deadline).as_millis()).unwrap_or(i64::MAX),
            };
            let members: Vec<Value> = members
                .iter()
                .map(|member| {
                    json!({
                        "node_id": member.node_id.to_string(),
                        "rpc_address": member.rpc_address,
                        "etcd_lease": member.etcd_lease,
                        "metadata": member.metadata,
                        "self": member.node_id == self.node_id,
                    })
                })
                .collect();
            json!({
                "registered": true,
                "etcd_lease": m.lease_id(),
                "fenced": m.is_fenced(now),
                "lease_lost": m.is_lost(),
                "self_fence_deadline_in_ms": remaining_ms,
                "renewals": m.renewals(),
                "revision": revision,
                "members": members,
            })
        });
        let mut section = state.unwrap_or_else(|| json!({ "registered": false, "fenced": true, "members": [] }));
        if let Value::Object(map) = &mut section {
            map.insert("enabled".into(), json!(true));
            map.insert("node_id".into(), json!(self.node_id.to_string()));
            map.insert("rpc_address".into(), json!(self.rpc_address));
            map.insert("provider".into(), json!(self.provider));
            map.insert("endpoints".into(), json!(self.endpoints));
            map.insert("lease_ttl_secs".into(), json!(self.lease_ttl.as_secs()));
            map.insert("fence_margin_secs".into(), json!(self.fence_margin.as_secs_f64()));
        }
        section
    }

    /// The cluster gauges of `/metrics` (Prometheus text format).
    pub fn metrics(&self) -> String {
        let now = Instant::now();
        let (members, fenced, remaining, renewals) = self
            .with_membership(|m| {
                let remaining = m.self_fence_deadline().checked_duration_since(now).unwrap_or_default();
                (m.members().0.len(), m.is_fenced(now), remaining.as_secs_f64(), m.renewals())
            })
            .unwrap_or((0, true, 0.0, 0));
        let node = crate::prometheus::escape(&self.node_id.to_string());
        let mut out = String::new();
        for (name, kind, help, value) in [
            ("orbit_cluster_members", "gauge", "Members of the cluster as this node sees them.", members.to_string()),
            (
                "orbit_cluster_fenced",
                "gauge",
                "1 when this node is self-fenced (must not serve its actors), else 0.",
                u8::from(fenced).to_string(),
            ),
            (
                "orbit_cluster_self_fence_remaining_seconds",
                "gauge",
                "Time left until this node's self-fence deadline (0 when passed).",
                format!("{remaining}"),
            ),
            (
                "orbit_cluster_lease_renewals_total",
                "counter",
                "Renewals of this node's etcd lease that etcd acknowledged.",
                renewals.to_string(),
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name}{{node=\"{node}\"}} {value}");
        }
        out
    }
}

/// The actor runtimes of a cluster node stop serving when its membership says fenced.
impl orbit_actors::FenceSignal for ClusterNode {
    fn is_fenced(&self, now: Instant) -> bool {
        self.with_membership(|m| m.is_fenced(now)).unwrap_or(true)
    }

    fn deadline(&self) -> Option<Instant> {
        self.with_membership(|m| m.self_fence_deadline())
    }
}
