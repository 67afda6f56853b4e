//! A node's membership in an Orbit cluster, kept in etcd: registration, keepalive,
//! self-fence and the live member list.
//!
//! * [`EtcdMembership::register`] grants ONE etcd lease for the node (TTL
//!   `lease_ttl`, 5 s by default) and, in one Txn on the absence of the node's
//!   `<p>/node-lease/<node>` key, publishes its id there and writes the node's record
//!   ([`NodeInfo`], as the directory's [`ClusterNodeProvider`] reads it) under
//!   `<p>/nodes/<node>`, both attached to it. The lease is then pinned in the directory's
//!   [`super::node_leases`], so every actor lease the node acquires through the same
//!   [`EtcdDirectory`] is attached to it too: when the node dies, etcd deletes its record
//!   and all its actor leases together. A node id still registered (another process, or a
//!   previous run whose lease has not expired yet) is waited for up to one TTL, then refused.
//! * A keepalive loop renews the lease every `TTL/3` through `/v3/lease/keepalive` (the
//!   gateway answers one message per request) and records, on the monotonic clock, when
//!   the last renewal that etcd ACKNOWLEDGED was SENT: etcd renewed it no earlier than
//!   that, so the lease lives at least until `sent + TTL`. The node is self-fenced from
//!   [`EtcdMembership::self_fence_deadline`] = `last_ack_sent + TTL - margin` on, a moment
//!   before any other node can acquire its actors, even if the node is only paused or cut
//!   off; an answer with TTL <= 0 (the lease is gone) fences it for good (register anew).
//!   A fence by the deadline lifts when a renewal sent later is still acknowledged (etcd
//!   kept the lease, so no other node can have taken its actors): after an etcd restart,
//!   say, which extends every lease.
//! * The member list follows `<p>/nodes/` by list + watch ([`super::watch`]) and is
//!   published through a `tokio::sync::watch` channel ([`EtcdMembership::subscribe`]);
//!   [`membership_changes`] tells who joined and left between two views.
//!
//! Member metadata travels in [`NodeInfo::capabilities`] as `key=value` entries (keys
//! without `=`); the record's `lease_expires_at` is `i64::MAX` because etcd's lease, not
//! a timestamp, bounds its life.

use super::gateway::{op, txn_range, Gateway, GatewayError};
use super::layout;
use super::watch::{follow_prefix, PrefixChange, WatchEvent};
use super::EtcdDirectory;
use crate::provider::{LeaseError, LeaseResult, NodeId, NodeInfo, NodeStatus};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How a node registers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipSettings {
    pub node_id: NodeId,
    /// Where other nodes reach this node's RPC server (`host:port`).
    pub rpc_address: String,
    pub metadata: BTreeMap<String, String>,
    /// The TTL of the node's etcd lease (whole seconds, at least 1).
    pub lease_ttl: Duration,
    /// How long before the earliest possible expiry of its lease the node fences itself.
    pub fence_margin: Duration,
    /// The member-list watch reconnects after this long without a message.
    pub watch_idle: Duration,
}

impl MembershipSettings {
    pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(5);
    pub const DEFAULT_FENCE_MARGIN: Duration = Duration::from_secs(1);

    pub fn new(node_id: NodeId, rpc_address: impl Into<String>) -> MembershipSettings {
        MembershipSettings {
            node_id,
            rpc_address: rpc_address.into(),
            metadata: BTreeMap::new(),
            lease_ttl: Self::DEFAULT_LEASE_TTL,
            fence_margin: Self::DEFAULT_FENCE_MARGIN,
            watch_idle: Duration::from_secs(30),
        }
    }

    fn check(&self) -> LeaseResult<i64> {
        let secs = self.lease_ttl.as_secs();
        if secs == 0 || self.lease_ttl.subsec_nanos() != 0 {
            return Err(LeaseError::Config(format!(
                "cluster lease_ttl: whole seconds, 1 or more, not {:?}",
                self.lease_ttl
            )));
        }
        if self.fence_margin >= self.lease_ttl {
            return Err(LeaseError::Config(format!(
                "cluster fence margin {:?} must be shorter than lease_ttl {:?}",
                self.fence_margin, self.lease_ttl
            )));
        }
        if let Some(key) = self.metadata.keys().find(|k| k.contains('=') || k.is_empty()) {
            return Err(LeaseError::Config(format!("cluster metadata key {key:?}: non-empty, without '='")));
        }
        Ok(secs as i64)
    }
}

/// A registered node as the member list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub node_id: NodeId,
    pub rpc_address: String,
    pub metadata: BTreeMap<String, String>,
    /// The node's etcd lease (its actor leases are attached to it too).
    pub etcd_lease: i64,
    /// The revision of the record's last write.
    pub mod_revision: i64,
}

/// The member list at one etcd revision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberView {
    pub members: BTreeMap<NodeId, Member>,
    /// The revision the view reflects (0 before the first list).
    pub revision: i64,
}

/// What changed between two views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MembershipChange {
    Joined(Member),
    /// The same node id with a new record (a re-registration or new address).
    Changed(Member),
    Left(NodeId),
}

/// The changes from `before` to `after`, by node id.
pub fn membership_changes(before: &MemberView, after: &MemberView) -> Vec<MembershipChange> {
    let mut out = Vec::new();
    for (id, member) in &after.members {
        match before.members.get(id) {
            None => out.push(MembershipChange::Joined(member.clone())),
            Some(old) if old != member => out.push(MembershipChange::Changed(member.clone())),
            Some(_) => {}
        }
    }
    for id in before.members.keys() {
        if !after.members.contains_key(id) {
            out.push(MembershipChange::Left(id.clone()));
        }
    }
    out
}

/// The renewal state behind the self-fence.
#[derive(Debug, Clone, Copy)]
struct FenceState {
    /// When the last renewal etcd acknowledged was sent (or the grant, at first).
    last_ack_sent: Instant,
    /// The TTL etcd answered with it.
    ttl: Duration,
    /// etcd said the lease is gone: fenced for good.
    lost: bool,
    renewals: u64,
}

/// This node's membership; dropping it stops renewing without deregistering (as a crash
/// would), [`EtcdMembership::deregister`] leaves at once.
pub struct EtcdMembership {
    directory: Arc<EtcdDirectory>,
    node_id: NodeId,
    lease_id: i64,
    margin: Duration,
    fence: Arc<Mutex<FenceState>>,
    view: watch::Receiver<Arc<MemberView>>,
    tasks: Vec<JoinHandle<()>>,
}

impl EtcdMembership {
    /// Registers the node (see the module note) and returns once the member list
    /// includes it.
    pub async fn register(directory: Arc<EtcdDirectory>, settings: MembershipSettings) -> LeaseResult<EtcdMembership> {
        let ttl_secs = settings.check()?;
        let op_name = "register";
        let gateway = directory.gateway.clone();
        let layout = directory.layout.clone();
        let node = &settings.node_id;
        let (lease_key, node_key) = (layout.node_lease_key(node), layout.node_key(node));
        let record = layout::encode_node(&NodeInfo {
            node_id: node.clone(),
            address: settings.rpc_address.clone(),
            status: NodeStatus::Active,
            capabilities: settings.metadata.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            started_at: unix_millis(),
            lease_expires_at: i64::MAX,
        });
        let give_up = Instant::now() + settings.lease_ttl + Duration::from_secs(1);
        let (lease_id, granted_ttl, sent, revision) = loop {
            let sent = Instant::now();
            let (id, granted) = gateway.grant_with_ttl(ttl_secs).await.map_err(|e| directory.error(op_name, e))?;
            let reply = gateway
                .txn(
                    vec![op::absent(&lease_key)],
                    vec![
                        op::put(&lease_key, id.to_string().as_bytes(), Some(id)),
                        op::put(&node_key, &record, Some(id)),
                    ],
                    vec![op::range(&lease_key)],
                )
                .await;
            match reply {
                Ok(reply) if reply.succeeded => break (id, granted, sent, reply.revision),
                Ok(reply) => {
                    let _ = gateway.revoke(id).await;
                    let holder =
                        txn_range(&reply, 0).ok().flatten().map(|kv| String::from_utf8_lossy(&kv.value).into_owned());
                    if Instant::now() > give_up {
                        return Err(directory.backend(
                            op_name,
                            format!(
                                "node {node} is registered already (etcd lease {}) and stayed so for longer than its \
                                 TTL: another process runs with this node id",
                                holder.unwrap_or_default()
                            ),
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => {
                    let _ = gateway.revoke(id).await;
                    return Err(directory.error(op_name, e));
                }
            }
        };
        directory.node_leases.pin(node, lease_id);
        let fence = Arc::new(Mutex::new(FenceState {
            last_ack_sent: sent,
            ttl: ttl_of(granted_ttl),
            lost: false,
            renewals: 0,
        }));
        let every = settings.lease_ttl / 3;
        let mut tasks = vec![tokio::spawn(keep_alive(gateway.clone(), lease_id, every, fence.clone()))];

        let (changes_tx, changes_rx) = tokio::sync::mpsc::unbounded_channel();
        let (view_tx, mut view) = watch::channel(Arc::new(MemberView::default()));
        tasks.push(tokio::spawn(follow_prefix(gateway, layout.nodes_prefix(), None, settings.watch_idle, changes_tx)));
        tasks.push(tokio::spawn(maintain_view(layout, changes_rx, view_tx)));
        let membership = EtcdMembership {
            directory: directory.clone(),
            node_id: node.clone(),
            lease_id,
            margin: settings.fence_margin,
            fence,
            view: view.clone(),
            tasks,
        };
        let within = directory.settings.request_timeout;
        let reached =
            matches!(tokio::time::timeout(within, view.wait_for(|v| v.revision >= revision)).await, Ok(Ok(_)));
        match reached {
            true => Ok(membership),
            false => Err(directory.error(
                op_name,
                GatewayError::Unreachable(format!(
                    "the member list did not reach revision {revision} within {within:?}"
                )),
            )),
        }
    }

    pub fn node_id(&self) -> &NodeId {
        &self.node_id
    }

    /// The node's etcd lease: its record and actor leases are attached to it.
    pub fn lease_id(&self) -> i64 {
        self.lease_id
    }

    pub fn directory(&self) -> &Arc<EtcdDirectory> {
        &self.directory
    }

    /// When the last acknowledged renewal (or the grant) was sent, on the monotonic clock.
    pub fn last_acknowledged_renewal(&self) -> Instant {
        self.fence.lock().last_ack_sent
    }

    /// The earliest moment etcd may expire the lease, as far as this node knows:
    /// `last_ack_sent + TTL`.
    pub fn earliest_expiry(&self) -> Instant {
        let f = *self.fence.lock();
        f.last_ack_sent + f.ttl
    }

    /// From when on the node must not serve its actors: `last_ack_sent + TTL - margin`.
    pub fn self_fence_deadline(&self) -> Instant {
        let f = *self.fence.lock();
        // etcd may answer a TTL shorter than the margin: then the fence is due already.
        (f.last_ack_sent + f.ttl).checked_sub(self.margin).unwrap_or(f.last_ack_sent)
    }

    /// True when the node must not serve its actors at `now`.
    pub fn is_fenced(&self, now: Instant) -> bool {
        self.is_lost() || now >= self.self_fence_deadline()
    }

    /// Returns once the node is fenced: at the deadline unless a renewal moved it, or
    /// when the lease is reported gone (a fence may lift again when a late renewal is
    /// acknowledged; [`EtcdMembership::is_fenced`] tells).
    pub async fn until_fenced(&self) {
        loop {
            let deadline = self.self_fence_deadline();
            if self.is_fenced(Instant::now()) {
                return;
            }
            // The lease may be reported gone before the deadline: look again now and then.
            let wake = deadline.min(Instant::now() + Duration::from_millis(100));
            tokio::time::sleep_until(wake.into()).await;
        }
    }

    /// etcd said the lease is gone: fenced for good, the node must register anew.
    pub fn is_lost(&self) -> bool {
        self.fence.lock().lost
    }

    /// Renewals acknowledged so far.
    pub fn renewals(&self) -> u64 {
        self.fence.lock().renewals
    }

    /// The member list now.
    pub fn members(&self) -> Arc<MemberView> {
        self.view.borrow().clone()
    }

    /// The member list, notified on every change.
    pub fn subscribe(&self) -> watch::Receiver<Arc<MemberView>> {
        self.view.clone()
    }

    /// Leaves the cluster at once: the lease is revoked, so etcd deletes the node's record
    /// and every actor lease attached to it in one step.
    pub async fn deregister(mut self) -> LeaseResult<()> {
        if let Some(keepalive) = self.tasks.first() {
            keepalive.abort();
        }
        self.fence.lock().lost = true;
        let result = self.directory.gateway.revoke(self.lease_id).await;
        for task in self.tasks.drain(..) {
            task.abort();
        }
        match result {
            Err(e) if !e.is_lease_not_found() => Err(self.directory.error("deregister", e)),
            _ => Ok(()),
        }
    }
}

impl Drop for EtcdMembership {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn keep_alive(gateway: Arc<Gateway>, lease_id: i64, every: Duration, fence: Arc<Mutex<FenceState>>) {
    let every = every.max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        let sent = Instant::now();
        // A renewal is given up after one interval; the next one is sent then.
        match tokio::time::timeout(every, gateway.keep_alive_ttl(lease_id)).await {
            Ok(Ok(ttl)) if ttl > 0 => {
                let mut f = fence.lock();
                if sent > f.last_ack_sent {
                    f.last_ack_sent = sent;
                    f.ttl = ttl_of(ttl);
                }
                f.renewals += 1;
            }
            Ok(Ok(_)) => {
                fence.lock().lost = true;
                tracing::warn!(lease_id, "etcd membership: the node's lease is gone; fenced until it registers again");
                return;
            }
            Ok(Err(e)) if e.is_lease_not_found() => {
                fence.lock().lost = true;
                tracing::warn!(lease_id, "etcd membership: the node's lease is gone; fenced until it registers again");
                return;
            }
            Ok(Err(e)) => tracing::warn!(lease_id, error = %e, "etcd membership: renewal failed"),
            Err(_) => tracing::warn!(lease_id, "etcd membership: renewal unanswered within {every:?}"),
        }
    }
}

/// Applies the followed changes of `<p>/nodes/` to the published view.
async fn maintain_view(
    layout: layout::Layout,
    mut changes: tokio::sync::mpsc::UnboundedReceiver<PrefixChange>,
    view: watch::Sender<Arc<MemberView>>,
) {
    let mut by_key: BTreeMap<Vec<u8>, Member> = BTreeMap::new();
    while let Some(change) = changes.recv().await {
        let revision = match change {
            PrefixChange::Snapshot { kvs, revision } => {
                by_key = kvs.iter().filter_map(|kv| decode_member(&layout, kv).map(|m| (kv.key.clone(), m))).collect();
                revision
            }
            PrefixChange::Events { events, revision } => {
                for event in events {
                    match event {
                        WatchEvent::Put(kv) => match decode_member(&layout, &kv) {
                            Some(member) => by_key.insert(kv.key, member),
                            None => by_key.remove(&kv.key),
                        },
                        WatchEvent::Delete { key, .. } => by_key.remove(&key),
                    };
                }
                revision
            }
        };
        let members = by_key.values().map(|m| (m.node_id.clone(), m.clone())).collect();
        view.send_replace(Arc::new(MemberView { members, revision }));
    }
}

fn decode_member(layout: &layout::Layout, kv: &super::gateway::Kv) -> Option<Member> {
    match layout::decode_node(layout, &kv.key, &kv.value) {
        Ok(node) => Some(Member {
            node_id: node.node_id,
            rpc_address: node.address,
            metadata: node
                .capabilities
                .iter()
                .map(|c| match c.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (c.clone(), String::new()),
                })
                .collect(),
            etcd_lease: kv.lease,
            mod_revision: kv.mod_revision,
        }),
        Err(why) => {
            tracing::warn!(why, "etcd membership: an unreadable node record is left out of the member list");
            None
        }
    }
}

/// The longest TTL etcd grants (its `MaxLeaseTTL`); a larger answer is taken as this, so
/// `Instant + TTL` cannot overflow on a server's answer.
const MAX_LEASE_TTL_SECS: i64 = 9_000_000_000;

/// A TTL etcd answered (positive), as a duration of 1 s to [`MAX_LEASE_TTL_SECS`].
fn ttl_of(secs: i64) -> Duration {
    Duration::from_secs(secs.clamp(1, MAX_LEASE_TTL_SECS) as u64)
}

fn unix_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
