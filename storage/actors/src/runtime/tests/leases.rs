//! Single activation through the lease directory's compare-and-swap: an actor leased to
//! another live node is not activated, an expired lease is taken over with a larger
//! fencing token, a lease taken over mid-life stops its activation at the next renewal,
//! and a lease left by this node's earlier life is taken over at once.

use super::*;
use crate::lease::{AcquireOutcome, AddressableLease, AddressableReference, NodeId};

fn foreign_lease(key: &str, node: &str, expires_at: i64) -> AddressableLease {
    AddressableLease {
        reference: AddressableReference::new(Counter::TYPE, key),
        node_id: NodeId::new(node),
        activation_id: 99,
        created_at: now_millis(),
        expires_at,
    }
}

async fn plant(directory: &MemoryDirectory, lease: &AddressableLease) -> u64 {
    match directory.try_acquire(lease, None).await.expect("plant") {
        AcquireOutcome::Acquired(granted) => granted.fencing_token,
        AcquireOutcome::HeldBy(holder) => panic!("the key was already held by {holder:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_leased_to_another_live_node_is_not_activated() {
    let (rt, directory) = runtime(30_000, 60_000);
    let other = foreign_lease("k", "node-b", now_millis() + 400);
    let planted = plant(&directory, &other).await;

    let refused = rt.request("k", Incr).unwrap().wait().await;
    match refused {
        Err(ActorError::HeldElsewhere { node, .. }) => assert_eq!(node, "node-b"),
        other => panic!("expected HeldElsewhere, got {other:?}"),
    }
    assert_eq!(rt.fencing_token("k"), None);
    let stored = directory.get_lease(&other.reference).await.unwrap().expect("untouched");
    assert_eq!(stored.node_id, NodeId::new("node-b"));

    // Once node-b's lease has expired (plus the skew margin) the key is taken over.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(incr(&rt, "k").await.0, 1);
    let token = rt.fencing_token("k").expect("active with a token");
    assert!(token > planted, "take-over token {token} after {planted}");
    let stored = directory.get_lease(&other.reference).await.unwrap().expect("ours now");
    assert_eq!(stored.node_id, NodeId::new("node-a"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_taken_over_stops_the_activation_at_its_next_renewal() {
    let (rt, directory) = runtime(150, 60_000);
    assert_eq!(incr(&rt, "k").await.0, 1);
    let reference = AddressableReference::new(Counter::TYPE, "k");
    let ours = directory.get_versioned_lease(&reference).await.unwrap().expect("leased");
    let thief = foreign_lease("k", "node-b", now_millis() + 60_000);
    match directory.try_acquire(&thief, Some(&ours.version)).await.unwrap() {
        AcquireOutcome::Acquired(granted) => assert!(granted.fencing_token > ours.fencing_token),
        AcquireOutcome::HeldBy(holder) => panic!("take-over failed: {holder:?}"),
    }
    // The renewal (every 50 ms) finds the lease gone and the activation stops serving.
    let deadline = Instant::now() + Duration::from_secs(5);
    while rt.is_active("k") {
        assert!(Instant::now() < deadline, "the activation kept serving without its lease");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    match rt.request("k", Incr).unwrap().wait().await {
        Err(ActorError::HeldElsewhere { node, .. }) => assert_eq!(node, "node-b"),
        other => panic!("expected HeldElsewhere, got {other:?}"),
    }
    let stored = directory.get_lease(&reference).await.unwrap().expect("the thief's lease");
    assert_eq!(stored.node_id, NodeId::new("node-b"), "the stopped activation did not release the new lease");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_left_by_an_earlier_life_of_this_node_is_taken_over_at_once() {
    let (rt, directory) = runtime(30_000, 60_000);
    let stale = foreign_lease("k", "node-a", now_millis() + 60_000);
    let planted = plant(&directory, &stale).await;
    assert_eq!(incr(&rt, "k").await.0, 1);
    assert!(rt.fencing_token("k").expect("token") > planted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fencing_tokens_grow_across_activations() {
    let (rt, directory) = runtime(30_000, 30);
    incr(&rt, "k").await;
    let first = rt.fencing_token("k").expect("token");
    wait_until_inactive(&rt, "k").await;
    assert_eq!(rt.fencing_token("k"), None, "no token while inactive");
    let reference = AddressableReference::new(Counter::TYPE, "k");
    assert_eq!(directory.get_lease(&reference).await.unwrap(), None, "released on deactivation");
    assert_eq!(incr(&rt, "k").await.0, 2, "state kept across activations");
    let second = rt.fencing_token("k").expect("token");
    assert!(second > first, "{first} then {second}");
}
