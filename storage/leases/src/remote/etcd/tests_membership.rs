//! Cluster membership and prefix watches against a real etcd that each test starts on
//! free ports (see [`super::tests`]): members see each other, a silent member vanishes
//! with its actor leases within TTL + 1 s, a deregistration is seen before any expiry
//! could explain it, a member fences itself before etcd can expire its lease while etcd
//! is stopped (SIGSTOP), a watch resumes after a kill -9 and restart without missing a
//! change, and a compacted start revision falls back to a fresh list.

use super::gateway::{op, Gateway};
use super::membership::{membership_changes, EtcdMembership, MemberView, MembershipChange, MembershipSettings};
use super::tests::{endpoint, etcd_bin, launch, settings, start_etcd};
use super::watch::{follow_prefix, watch_from, PrefixChange, WatchEnd, WatchEvent};
use super::EtcdDirectory;
use crate::conformance::{lease, node, ScratchDir};
use crate::provider::{AcquireOutcome, AddressableDirectoryProvider, ClusterNodeProvider, NodeId};
use crate::remote::testing::{skip, ServerProcess};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

const TTL: Duration = Duration::from_secs(2);
const MARGIN: Duration = Duration::from_millis(500);
const FAR: i64 = i64::MAX / 2;
/// How long a test waits for something that has no TTL-derived bound (a liveness wait).
const PATIENCE: Duration = Duration::from_secs(15);

/// A fresh etcd, or `None` after a loud skip when no etcd binary is installed.
fn etcd(dir: &Path) -> Option<(ServerProcess, u16, u16)> {
    if etcd_bin().is_none() {
        skip("etcd membership tests", "no etcd binary: apt-get install -y etcd-server (or set ORBIT_ETCD_BIN)");
        return None;
    }
    Some(launch(dir).expect("etcd starts"))
}

fn directory(port: u16) -> Arc<EtcdDirectory> {
    Arc::new(EtcdDirectory::new("etcd", settings(&[endpoint(port)], 60)).expect("directory"))
}

async fn join(port: u16, node: &str) -> EtcdMembership {
    let mut s = MembershipSettings::new(NodeId::new(node), format!("127.0.0.1:7{}", node.len()));
    s.lease_ttl = TTL;
    s.fence_margin = MARGIN;
    s.metadata.insert("zone".into(), format!("zone-of-{node}"));
    EtcdMembership::register(directory(port), s).await.expect("register")
}

/// Waits until the view satisfies `ready`, failing at `until`.
async fn view_until(
    rx: &mut watch::Receiver<Arc<MemberView>>,
    until: Instant,
    what: &str,
    ready: impl FnMut(&Arc<MemberView>) -> bool,
) -> Arc<MemberView> {
    let outcome = tokio::time::timeout_at(until.into(), rx.wait_for(ready)).await.map(|r| r.map(|v| v.clone()));
    match outcome {
        Ok(Ok(view)) => view,
        Ok(Err(_)) => panic!("{what}: the member list stopped"),
        Err(_) => panic!("{what}: not seen by the deadline; view: {:?}", ids(&rx.borrow())),
    }
}

fn ids(view: &MemberView) -> Vec<String> {
    view.members.keys().map(|id| id.0.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_see_each_other_and_a_silent_one_vanishes_with_its_actor_leases() {
    let dir = ScratchDir::new("etcd-members");
    let Some((_server, port, _)) = etcd(dir.path()) else { return };
    let (m1, m2, m3) = (join(port, "n1").await, join(port, "n2").await, join(port, "n3").await);
    for m in [&m1, &m2, &m3] {
        let view =
            view_until(&mut m.subscribe(), Instant::now() + PATIENCE, "three members", |v| v.members.len() == 3).await;
        assert_eq!(ids(&view), ["n1", "n2", "n3"]);
        for other in [&m1, &m2, &m3] {
            let member = &view.members[other.node_id()];
            assert_eq!(member.etcd_lease, other.lease_id(), "the record is attached to the member's lease");
            assert_eq!(member.rpc_address, format!("127.0.0.1:7{}", other.node_id().0.len()));
            assert_eq!(member.metadata.get("zone"), Some(&format!("zone-of-{}", other.node_id())));
        }
    }
    // The records are the directory's cluster nodes too.
    let nodes = m2.directory().list_all_nodes().await.expect("nodes");
    assert_eq!(nodes.len(), 3);

    // n1's actor leases, acquired through its directory, share its membership lease.
    let d1 = m1.directory().clone();
    let mut granted = Vec::new();
    for key in ["a", "b", "c"] {
        match d1.try_acquire(&lease("actor", key, "n1", FAR), None).await.expect("acquire") {
            AcquireOutcome::Acquired(g) => granted.push(g),
            other => panic!("n1 acquires {key}: {other:?}"),
        }
    }
    let stored = m2.directory().gateway.get(&m2.directory().layout.lease_key(&granted[0].lease.reference)).await;
    assert_eq!(stored.expect("get").expect("stored").lease, m1.lease_id());

    // The keepalive keeps everything past the TTL.
    let registered = m1.last_acknowledged_renewal();
    tokio::time::sleep_until((registered + TTL + Duration::from_millis(500)).into()).await;
    assert!(m1.renewals() >= 2, "renewed about every TTL/3: {}", m1.renewals());
    assert!(m1.last_acknowledged_renewal() > registered);
    assert!(!m1.is_fenced(Instant::now()));
    assert_eq!(ids(&m2.members()), ["n1", "n2", "n3"]);
    for g in &granted {
        assert!(m2.directory().get_lease(&g.lease.reference).await.expect("get").is_some(), "kept alive");
    }

    // n1 stops renewing without deregistering: gone for everyone within TTL + 1 s.
    let (mut seen_by_2, mut seen_by_3) = (m2.subscribe(), m3.subscribe());
    let before = m2.members();
    let stopped_at = Instant::now();
    drop(m1);
    let bound = stopped_at + TTL + Duration::from_secs(1);
    let after =
        view_until(&mut seen_by_2, bound, "n1 gone for n2", |v| !v.members.contains_key(&NodeId::new("n1"))).await;
    view_until(&mut seen_by_3, bound, "n1 gone for n3", |v| !v.members.contains_key(&NodeId::new("n1"))).await;
    assert_eq!(membership_changes(&before, &after), [MembershipChange::Left(NodeId::new("n1"))]);
    for g in &granted {
        assert_eq!(m2.directory().get_lease(&g.lease.reference).await.expect("get"), None, "vanished with n1");
    }
    // n1's directory does not quietly grant a fresh lease behind its dead membership.
    assert!(d1.try_acquire(&lease("actor", "d", "n1", FAR), None).await.is_err(), "n1 is fenced for good");
    match m2.directory().try_acquire(&lease("actor", "a", "n2", FAR), None).await.expect("take over") {
        AcquireOutcome::Acquired(g) => assert!(g.fencing_token > granted[0].fencing_token),
        other => panic!("n2 takes a over: {other:?}"),
    }

    // A graceful deregistration is seen before any expiry of n3's lease could explain it.
    let n3_expires_no_earlier_than = m3.earliest_expiry();
    m3.deregister().await.expect("deregister");
    let view = view_until(&mut seen_by_2, n3_expires_no_earlier_than, "n3 gone for n2", |v| {
        !v.members.contains_key(&NodeId::new("n3"))
    })
    .await;
    assert_eq!(ids(&view), ["n2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_fences_itself_before_its_lease_can_expire_while_etcd_is_stopped() {
    let dir = ScratchDir::new("etcd-fence");
    let Some((server, port, _)) = etcd(dir.path()) else { return };
    let m = Arc::new(join(port, "n1").await);
    let until = Instant::now() + PATIENCE;
    while m.renewals() < 2 {
        assert!(Instant::now() < until, "no renewals");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!m.is_fenced(Instant::now()));

    let fence_signal = {
        let m = m.clone();
        tokio::spawn(async move {
            m.until_fenced().await;
            Instant::now()
        })
    };
    let pid = server.pid() as libc::pid_t;
    // SAFETY: signals our own child process by its pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
    while !is_stopped(pid) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let stopped_at = Instant::now();
    let mut first_fenced = None;
    while Instant::now() < stopped_at + 2 * TTL {
        let (deadline, now) = (m.self_fence_deadline(), Instant::now());
        let fenced = m.is_fenced(now);
        if m.self_fence_deadline() == deadline {
            assert_eq!(fenced, now >= deadline, "fenced exactly from the deadline on");
        }
        if fenced && first_fenced.is_none() {
            first_fenced = Some(now);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Read while etcd is still stopped: no renewal can have been acknowledged since the stop.
    let (last_ack, deadline, earliest_expiry) =
        (m.last_acknowledged_renewal(), m.self_fence_deadline(), m.earliest_expiry());
    let first_fenced = first_fenced.expect("fenced while etcd was stopped for 2 x TTL");
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0);
    let continued_at = Instant::now();
    assert!(last_ack <= stopped_at, "the last acknowledged renewal was sent before the stop");
    assert_eq!(earliest_expiry, last_ack + TTL, "etcd renewed no earlier than the request was sent");
    assert_eq!(deadline, earliest_expiry - MARGIN);
    assert!(deadline < earliest_expiry, "the fence comes before etcd may expire the lease");
    assert!(first_fenced >= deadline && m.is_fenced(deadline) && !m.is_lost());
    assert!(deadline < stopped_at + TTL, "the deadline fell inside the stop");
    let signalled_at = fence_signal.await.expect("the fence waiter");
    assert!(signalled_at >= deadline, "until_fenced returns at the deadline, not before");

    // etcd expires the lease once it runs again: the member learns it is gone for good.
    let until = continued_at + TTL + Duration::from_secs(2);
    while !m.is_lost() {
        assert!(Instant::now() < until, "the lost lease was not reported");
        assert!(m.is_fenced(Instant::now()));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(m.is_fenced(Instant::now()));
    assert_eq!(m.directory().get_node(&NodeId::new("n1")).await.expect("get"), None, "its record expired");
}

/// True when process `pid` is stopped (state `T` in /proc/<pid>/stat).
fn is_stopped(pid: libc::pid_t) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('T'))
}

async fn put(gateway: &Gateway, key: &str, value: &str) -> i64 {
    gateway.txn(vec![], vec![op::put(key, value.as_bytes(), None)], vec![]).await.expect("put").revision
}

async fn delete(gateway: &Gateway, key: &str) -> i64 {
    gateway.txn(vec![], vec![op::delete(key)], vec![]).await.expect("delete").revision
}

async fn next_change(rx: &mut mpsc::UnboundedReceiver<PrefixChange>) -> PrefixChange {
    tokio::time::timeout(PATIENCE, rx.recv()).await.expect("a change in time").expect("the follower runs")
}

/// The events' (key, value or None for a delete).
fn summary(events: &[WatchEvent]) -> Vec<(String, Option<String>)> {
    events
        .iter()
        .map(|e| {
            let key = String::from_utf8_lossy(e.key()).into_owned();
            match e {
                WatchEvent::Put(kv) => (key, Some(String::from_utf8_lossy(&kv.value).into_owned())),
                WatchEvent::Delete { .. } => (key, None),
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_resumes_after_etcd_restarts_without_missing_a_change() {
    let dir = ScratchDir::new("etcd-watch-restart");
    let Some((mut server, port, peer)) = etcd(dir.path()) else { return };
    let d = directory(port);
    let m = join(port, "n1").await;
    put(&d.gateway, "w/before", "0").await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let follower = tokio::spawn(follow_prefix(d.gateway.clone(), "w/".into(), None, Duration::from_secs(5), tx));
    match next_change(&mut rx).await {
        PrefixChange::Snapshot { kvs, .. } => assert_eq!(kvs.len(), 1),
        other => panic!("a snapshot first: {other:?}"),
    }
    put(&d.gateway, "w/a", "1").await;
    let PrefixChange::Events { events, .. } = next_change(&mut rx).await else { panic!("events") };
    assert_eq!(summary(&events), [("w/a".to_string(), Some("1".to_string()))]);

    server.kill();
    let restarted = start_etcd(&dir.path().join("etcd-data"), &dir.path().join("etcd-log-restart"), port, peer)
        .expect("etcd restarts from its data dir");
    let wanted = vec![
        ("w/b".to_string(), Some("2".to_string())),
        ("w/c".to_string(), Some("3".to_string())),
        ("w/a".to_string(), None),
    ];
    let last = {
        put(&d.gateway, "w/b", "2").await;
        put(&d.gateway, "w/c", "3").await;
        delete(&d.gateway, "w/a").await
    };
    let mut seen = Vec::new();
    while seen.len() < wanted.len() {
        match next_change(&mut rx).await {
            PrefixChange::Events { events, revision } => {
                assert!(revision <= last);
                seen.extend(summary(&events));
            }
            other => panic!("the watch resumes from its revision, it does not re-list: {other:?}"),
        }
    }
    assert_eq!(seen, wanted);
    follower.abort();

    // etcd keeps (and extends) leases across a restart: the member renews again, any
    // fence the downtime caused lifts, and the member list comes back through its watch.
    let restarted_at = Instant::now();
    let until = restarted_at + PATIENCE;
    while m.last_acknowledged_renewal() < restarted_at {
        assert!(Instant::now() < until && !m.is_lost(), "no renewal after the restart (lost: {})", m.is_lost());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!m.is_fenced(Instant::now()));
    d.store_node(&node("late", FAR)).await.expect("a node record written after the restart");
    let view = view_until(&mut m.subscribe(), Instant::now() + PATIENCE, "the late node", |v| {
        v.members.contains_key(&NodeId::new("late"))
    })
    .await;
    assert_eq!(view.members[&NodeId::new("n1")].etcd_lease, m.lease_id());
    drop(restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_start_revision_falls_back_to_a_fresh_list() {
    let dir = ScratchDir::new("etcd-watch-compact");
    let Some((_server, port, _)) = etcd(dir.path()) else { return };
    let d = directory(port);
    for key in ["k1", "k2", "k3"] {
        put(&d.gateway, &format!("c/{key}"), key).await;
    }
    let seen_up_to = put(&d.gateway, "other", "x").await;
    put(&d.gateway, "c/k4", "k4").await;
    let now = delete(&d.gateway, "c/k1").await;
    d.gateway.call("/v3/kv/compaction", &serde_json::json!({"revision": now.to_string()})).await.expect("compact");

    let mut next = seen_up_to + 1;
    let end = watch_from(&d.gateway, "c/", &mut next, Duration::from_secs(5), |events, _| {
        panic!("no events from a compacted revision: {events:?}")
    })
    .await;
    assert_eq!(end, WatchEnd::Compacted { compact_revision: now });

    let (tx, mut rx) = mpsc::unbounded_channel();
    let follower =
        tokio::spawn(follow_prefix(d.gateway.clone(), "c/".into(), Some(seen_up_to + 1), Duration::from_secs(5), tx));
    match next_change(&mut rx).await {
        PrefixChange::Snapshot { kvs, revision } => {
            assert!(revision >= now);
            let keys: Vec<String> = kvs.iter().map(|kv| String::from_utf8_lossy(&kv.key).into_owned()).collect();
            assert_eq!(keys, ["c/k2", "c/k3", "c/k4"]);
        }
        other => panic!("a fresh list after the compaction: {other:?}"),
    }
    put(&d.gateway, "c/k5", "k5").await;
    let PrefixChange::Events { events, .. } = next_change(&mut rx).await else { panic!("events after the list") };
    assert_eq!(summary(&events), [("c/k5".to_string(), Some("k5".to_string()))]);
    follower.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_id_registers_once_and_again_after_its_crashed_lease_expires() {
    let dir = ScratchDir::new("etcd-reregister");
    let Some((_server, port, _)) = etcd(dir.path()) else { return };
    let first = join(port, "n1").await;
    let second = {
        let mut s = MembershipSettings::new(NodeId::new("n1"), "127.0.0.1:1");
        s.lease_ttl = TTL;
        EtcdMembership::register(directory(port), s).await
    };
    match second {
        Err(crate::provider::LeaseError::Backend(text)) => assert!(text.contains("registered already"), "{text}"),
        Err(other) => panic!("a second process with n1: {other:?}"),
        Ok(_) => panic!("a second process registered n1 while the first one lives"),
    }
    assert!(!first.is_fenced(Instant::now()), "the first registration is untouched");
    // A crash (no deregistration): the restarted node waits for the old lease to expire.
    let old_lease = first.lease_id();
    let crashed_at = Instant::now();
    drop(first);
    let again = join(port, "n1").await;
    assert_ne!(again.lease_id(), old_lease);
    assert!(Instant::now() <= crashed_at + TTL + Duration::from_secs(2), "waited at most one TTL (+ the retry step)");
    assert_eq!(again.members().members[&NodeId::new("n1")].etcd_lease, again.lease_id());
}
