//! The self-fence: a fenced node refuses every message (also those queued before the
//! fence, judged when served), starts no activation and stops the ones it has; once the
//! fence lifts, an actor takes its lease again by compare-and-swap before serving, and
//! does not serve when another node took the key meanwhile.

use super::probe::{hold, incr, node, wait_until_inactive};
use super::*;
use crate::runtime::{EndReason, FenceSwitch};

fn fenced_node(directory: &Arc<MemoryDirectory>) -> (super::probe::Node, Arc<FenceSwitch>) {
    let switch = Arc::new(FenceSwitch::new());
    (node("node-a", directory, Some(switch.clone()), 30_000), switch)
}

fn is_fenced(result: &Result<super::probe::Served, ActorError>) -> bool {
    matches!(result, Err(ActorError::Fenced { node }) if node == "node-a")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fenced_node_refuses_messages_and_stops_and_starts_no_activation() {
    let directory = Arc::new(MemoryDirectory::new());
    let (a, switch) = fenced_node(&directory);
    assert_eq!(incr(&a.rt, "k").await.unwrap().count, 1);
    assert!(!a.rt.is_fenced());

    switch.fence();
    assert!(a.rt.is_fenced());
    let refused = incr(&a.rt, "k").await;
    assert!(is_fenced(&refused), "{refused:?}");
    wait_until_inactive(&a.rt, "k").await;
    let refused = incr(&a.rt, "other").await;
    assert!(is_fenced(&refused), "{refused:?}");
    assert!(!a.rt.is_active("other"), "no activation starts while fenced");
    assert_eq!(a.rt.activation_count(), 0);
    assert!(a.rt.refusal_counts().fenced >= 2);

    let intervals = a.log.intervals();
    assert_eq!(intervals.len(), 1, "{intervals:?}");
    assert_eq!(intervals[0].end, Some(EndReason::Fenced));
    assert_eq!(intervals[0].served, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_queued_before_the_fence_are_refused_when_their_turn_comes() {
    let directory = Arc::new(MemoryDirectory::new());
    let (a, switch) = fenced_node(&directory);
    assert_eq!(incr(&a.rt, "k").await.unwrap().count, 1);
    let release = hold(&a.rt, "k").await;
    let queued: Vec<_> = (0..5).map(|_| a.rt.request("k", super::probe::ProbeMsg::Incr).unwrap()).collect();
    switch.fence();
    drop(release);
    for reply in queued {
        let refused = reply.wait().await;
        assert!(is_fenced(&refused), "a message queued before the fence was served after it: {refused:?}");
    }
    wait_until_inactive(&a.rt, "k").await;
    switch.lift();
    assert_eq!(incr(&a.rt, "k").await.unwrap().count, 2, "none of the queued messages was served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_fence_lifts_the_lease_is_taken_again_by_compare_and_swap() {
    let directory = Arc::new(MemoryDirectory::new());
    let (a, switch) = fenced_node(&directory);
    let reference = AddressableReference::new("test.probe", "k");
    assert_eq!(incr(&a.rt, "k").await.unwrap().count, 1);
    let before = directory.get_versioned_lease(&reference).await.unwrap().expect("leased");

    switch.fence();
    wait_until_inactive(&a.rt, "k").await;
    let while_fenced = directory.get_versioned_lease(&reference).await.unwrap().expect("left alone while fenced");
    assert_eq!(while_fenced, before, "a fenced node does not act on the directory");
    assert_eq!(a.rt.fencing_token("k"), None);

    switch.lift();
    assert_eq!(incr(&a.rt, "k").await.unwrap().count, 2);
    let after = directory.get_versioned_lease(&reference).await.unwrap().expect("leased again");
    assert!(after.fencing_token > before.fencing_token, "{} then {}", before.fencing_token, after.fencing_token);
    assert_ne!(after.version, before.version);
    assert_eq!(a.rt.fencing_token("k"), Some(after.fencing_token));
    let tokens: Vec<_> = a.log.intervals().iter().map(|i| i.fencing_token).collect();
    assert_eq!(tokens, vec![before.fencing_token, after.fencing_token]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_fence_lifts_a_key_taken_over_meanwhile_is_not_served() {
    let directory = Arc::new(MemoryDirectory::new());
    let (a, switch) = fenced_node(&directory);
    let reference = AddressableReference::new("test.probe", "k");
    incr(&a.rt, "k").await.unwrap();
    let ours = directory.get_versioned_lease(&reference).await.unwrap().expect("leased");
    switch.fence();
    wait_until_inactive(&a.rt, "k").await;
    // Another node takes the key over (as it may once the fenced node's lease expired).
    let theirs = AddressableLease {
        reference: reference.clone(),
        node_id: NodeId::new("node-b"),
        activation_id: 7,
        created_at: now_millis(),
        expires_at: now_millis() + 60_000,
    };
    match directory.try_acquire(&theirs, Some(&ours.version)).await.unwrap() {
        AcquireOutcome::Acquired(granted) => assert!(granted.fencing_token > ours.fencing_token),
        AcquireOutcome::HeldBy(holder) => panic!("take-over failed: {holder:?}"),
    }
    switch.lift();
    match incr(&a.rt, "k").await {
        Err(ActorError::HeldElsewhere { node, .. }) => assert_eq!(node, "node-b"),
        other => panic!("expected HeldElsewhere, got {other:?}"),
    }
    let stored = directory.get_lease(&reference).await.unwrap().expect("node-b's");
    assert_eq!(stored.node_id, NodeId::new("node-b"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_releases_the_leases_fenced_activations_left_once_the_fence_lifted() {
    let directory = Arc::new(MemoryDirectory::new());
    let (a, switch) = fenced_node(&directory);
    let b = node("node-b", &directory, None, 30_000);
    for key in ["k", "still-fenced"] {
        incr(&a.rt, key).await.unwrap();
    }
    let token = a.rt.fencing_token("k").expect("active");
    switch.fence();
    wait_until_inactive(&a.rt, "k").await;
    wait_until_inactive(&a.rt, "still-fenced").await;
    switch.lift();
    let report = a.rt.drain().await;
    let handed: Vec<_> = report.handed_over.iter().map(|h| (h.key.as_str(), h.released)).collect();
    assert_eq!(handed, vec![("k", true), ("still-fenced", true)]);
    assert_eq!(report.handed_over[0].fencing_token, token);
    assert_eq!(incr(&b.rt, "k").await.unwrap().count, 1, "node-b takes the key at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_while_fenced_leaves_the_directory_alone() {
    let directory = Arc::new(MemoryDirectory::new());
    let (a, switch) = fenced_node(&directory);
    incr(&a.rt, "k").await.unwrap();
    switch.fence();
    wait_until_inactive(&a.rt, "k").await;
    let report = a.rt.drain().await;
    assert!(report.handed_over.is_empty(), "{report:?}");
    let lease = directory.get_lease(&AddressableReference::new("test.probe", "k")).await.unwrap();
    assert_eq!(lease.map(|l| l.node_id), Some(NodeId::new("node-a")), "left to expire");
}
