//! Fencing tokens on messages: an older token than the activation's is refused with the
//! current one (the sender refreshes its placement), a newer one as not-owner (and, if the
//! key was indeed acquired since, the activation stops); messages without one are served.

use super::probe::{incr, incr_with_token, node, wait_until_inactive, Probe};
use super::*;

/// An activation whose token is larger than an earlier one of the same key.
async fn active_after_an_earlier_lease(directory: &Arc<MemoryDirectory>) -> (ActorRuntime<Probe>, u64, u64) {
    let earlier = AddressableLease {
        reference: AddressableReference::new(Probe::TYPE, "k"),
        node_id: NodeId::new("node-a"),
        activation_id: 99,
        created_at: now_millis(),
        expires_at: now_millis() + 60_000,
    };
    let old = match directory.try_acquire(&earlier, None).await.unwrap() {
        AcquireOutcome::Acquired(granted) => granted.fencing_token,
        AcquireOutcome::HeldBy(holder) => panic!("held by {holder:?}"),
    };
    let a = node("node-a", directory, None, 30_000);
    assert_eq!(incr(&a.rt, "k").await.unwrap().count, 1);
    let current = a.rt.fencing_token("k").expect("active");
    assert!(current > old);
    (a.rt, old, current)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_token_is_refused_with_the_current_one() {
    let directory = Arc::new(MemoryDirectory::new());
    let (rt, old, current) = active_after_an_earlier_lease(&directory).await;
    match incr_with_token(&rt, "k", old).await {
        Err(ActorError::StaleToken { current: told, sent, .. }) => {
            assert_eq!(told, current);
            assert_eq!(sent, old);
        }
        other => panic!("expected StaleToken, got {other:?}"),
    }
    assert_eq!(incr_with_token(&rt, "k", current).await.unwrap().count, 2, "the current token is served");
    assert_eq!(incr(&rt, "k").await.unwrap().count, 3, "no token: served");
    assert_eq!(rt.refusal_counts().stale_token, 1);
    assert!(rt.is_active("k"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_token_is_refused_as_not_owner() {
    let directory = Arc::new(MemoryDirectory::new());
    let (rt, _, current) = active_after_an_earlier_lease(&directory).await;
    match incr_with_token(&rt, "k", current + 5).await {
        Err(ActorError::NotOwner { node, current: ours, sent, .. }) => {
            assert_eq!((node.as_str(), ours, sent), ("node-a", current, current + 5));
        }
        other => panic!("expected NotOwner, got {other:?}"),
    }
    // The lease is still ours (the token was bogus): the actor keeps serving.
    assert_eq!(incr(&rt, "k").await.unwrap().count, 2);
    assert_eq!(rt.refusal_counts().not_owner, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_token_after_a_take_over_stops_the_activation() {
    let directory = Arc::new(MemoryDirectory::new());
    let (rt, _, current) = active_after_an_earlier_lease(&directory).await;
    let reference = AddressableReference::new(Probe::TYPE, "k");
    let ours = directory.get_versioned_lease(&reference).await.unwrap().expect("leased");
    let thief = AddressableLease {
        reference: reference.clone(),
        node_id: NodeId::new("node-b"),
        activation_id: 7,
        created_at: now_millis(),
        expires_at: now_millis() + 60_000,
    };
    let newer = match directory.try_acquire(&thief, Some(&ours.version)).await.unwrap() {
        AcquireOutcome::Acquired(granted) => granted.fencing_token,
        AcquireOutcome::HeldBy(holder) => panic!("take-over failed: {holder:?}"),
    };
    assert!(newer > current);
    match incr_with_token(&rt, "k", newer).await {
        Err(ActorError::NotOwner { current: ours, sent, .. }) => assert_eq!((ours, sent), (current, newer)),
        other => panic!("expected NotOwner, got {other:?}"),
    }
    wait_until_inactive(&rt, "k").await;
    match incr(&rt, "k").await {
        Err(ActorError::HeldElsewhere { node, .. }) => assert_eq!(node, "node-b"),
        other => panic!("expected HeldElsewhere, got {other:?}"),
    }
}
