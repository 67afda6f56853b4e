//! The compare-and-swap checks of the lease contract, run on every backend: a race for
//! each key has exactly one winner, every time; an expired lease is taken over by
//! compare-and-swap and the loser's renew and release are refused; a stale version is
//! rejected; renew and release by a non-owner are rejected; fencing tokens only grow
//! across release and re-acquisition; listing by node follows take-overs.

use super::{lease, sorted_refs, FAR};
use crate::provider::{
    acquire_lease, now_millis, AcquireOutcome, AddressableReference, LeaseVersion, NodeId, RenewOutcome, VersionedLease,
};
use crate::registry::LeaseBackend;
use std::collections::BTreeMap;
use std::sync::Arc;

fn acquired(outcome: AcquireOutcome, what: &str) -> VersionedLease {
    match outcome {
        AcquireOutcome::Acquired(granted) => granted,
        AcquireOutcome::HeldBy(holder) => panic!("{what}: expected to acquire, held by {holder:?}"),
    }
}

fn held(outcome: AcquireOutcome, what: &str) -> VersionedLease {
    match outcome {
        AcquireOutcome::HeldBy(holder) => holder,
        AcquireOutcome::Acquired(granted) => panic!("{what}: expected a refusal, acquired {granted:?}"),
    }
}

/// 8 tasks × 30 keys call `try_acquire` at once, five rounds on fresh keys: exactly one
/// winner per key, and every loser is told the winner's lease.
pub async fn acquire_race(b: LeaseBackend) {
    const TASKS: usize = 8;
    const KEYS: usize = 30;
    for round in 0..5 {
        let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
        let mut handles = Vec::new();
        for t in 0..TASKS {
            let d = b.addressable.clone();
            let barrier = barrier.clone();
            handles.push(tokio::spawn(async move {
                barrier.wait().await;
                let mut outcomes = Vec::new();
                for k in 0..KEYS {
                    // Tasks walk the keys in different orders so that they collide.
                    let key = format!("race{round}-{}", (k + t * 7) % KEYS);
                    let mine = lease("race", &key, &format!("n{t}"), FAR);
                    let outcome = d.try_acquire(&mine, None).await.expect("try_acquire");
                    outcomes.push((key, t, outcome));
                }
                outcomes
            }));
        }
        let mut winners: BTreeMap<String, Vec<(usize, VersionedLease)>> = BTreeMap::new();
        let mut losers: Vec<(String, VersionedLease)> = Vec::new();
        for h in handles {
            for (key, t, outcome) in h.await.expect("racing task") {
                match outcome {
                    AcquireOutcome::Acquired(granted) => winners.entry(key).or_default().push((t, granted)),
                    AcquireOutcome::HeldBy(holder) => losers.push((key, holder)),
                }
            }
        }
        assert_eq!(winners.len(), KEYS, "round {round}: every key has a winner");
        for (key, won) in &winners {
            assert_eq!(won.len(), 1, "round {round}: {key} was acquired by {} tasks: {won:?}", won.len());
        }
        assert_eq!(losers.len(), KEYS * (TASKS - 1), "round {round}: every other attempt lost");
        for (key, holder) in &losers {
            let (winner, granted) = &winners[key][0];
            assert_eq!(
                holder.lease.node_id,
                NodeId::new(format!("n{winner}")),
                "round {round}: {key}'s loser saw the winner"
            );
            assert_eq!(holder.version, granted.version, "round {round}: {key}'s loser saw the winner's version");
        }
        for (key, won) in &winners {
            let stored = b.addressable.get_versioned_lease(&AddressableReference::new("race", key.clone())).await;
            let stored = stored.expect("get").expect("the winner's lease is stored");
            assert_eq!(stored, won[0].1, "round {round}: {key} stores the winner's lease");
        }
    }
}

/// An expired lease is taken over by compare-and-swap on its version; the old owner's
/// renew and release are refused afterwards, and the new fencing token is larger.
pub async fn take_over_after_expiry(b: LeaseBackend) {
    let d = b.addressable.as_ref();
    let now = now_millis();
    let first = lease("takeover", "k", "n1", now + 60_000);
    let a = acquired(acquire_lease(d, &first, now, 0).await.expect("acquire"), "first acquisition");
    assert!(a.fencing_token > 0);

    let second = lease("takeover", "k", "n2", now + 120_000);
    let live = held(acquire_lease(d, &second, now, 0).await.expect("acquire"), "a live lease");
    assert_eq!(live.version, a.version);
    assert_eq!(live.lease.node_id, NodeId::new("n1"));

    // n2's clock says n1's lease has expired (plus a skew margin).
    let later = first.expires_at + 5_000;
    let b2 = acquired(acquire_lease(d, &second, later, 1_000).await.expect("take over"), "take-over after expiry");
    assert!(b2.fencing_token > a.fencing_token, "fencing token grows: {} then {}", a.fencing_token, b2.fencing_token);
    assert_ne!(b2.version, a.version);

    let renewed = d.renew_if_owner(&first, &a.version).await.expect("renew");
    match renewed {
        RenewOutcome::NotOwner(Some(holder)) => assert_eq!(holder.lease.node_id, NodeId::new("n2")),
        other => panic!("the old owner's renew must be refused with the new holder, got {other:?}"),
    }
    assert!(!d.release_if_owner(&first.reference, &a.version).await.expect("release"), "old owner's release");
    let stored = d.get_versioned_lease(&first.reference).await.expect("get").expect("still leased");
    assert_eq!(stored, b2, "the new owner's lease is untouched");
}

/// A version that was current once but no longer is does not match.
pub async fn stale_version_rejected(b: LeaseBackend) {
    let d = b.addressable.as_ref();
    let mine = lease("stale", "k", "n1", FAR);
    let v1 = acquired(d.try_acquire(&mine, None).await.expect("acquire"), "first acquisition");
    let v2 = match d.renew_if_owner(&mine, &v1.version).await.expect("renew") {
        RenewOutcome::Renewed(renewed) => renewed,
        other => panic!("the owner's renew must succeed, got {other:?}"),
    };
    assert_ne!(v2.version, v1.version, "a renewal changes the version");
    assert_eq!(v2.fencing_token, v1.fencing_token, "a renewal keeps the fencing token");

    let other = lease("stale", "k", "n2", FAR);
    let holder = held(d.try_acquire(&other, Some(&v1.version)).await.expect("try"), "acquire with a stale version");
    assert_eq!(holder.version, v2.version);
    assert!(matches!(d.renew_if_owner(&mine, &v1.version).await.expect("renew"), RenewOutcome::NotOwner(Some(_))));
    assert!(!d.release_if_owner(&mine.reference, &v1.version).await.expect("release"));
    assert!(matches!(d.try_acquire(&other, None).await.expect("try"), AcquireOutcome::HeldBy(_)));
    let bogus = LeaseVersion("no-such-version".into());
    assert!(matches!(d.try_acquire(&other, Some(&bogus)).await.expect("try"), AcquireOutcome::HeldBy(_)));
    assert_eq!(d.get_versioned_lease(&mine.reference).await.expect("get"), Some(v2));
}

/// Another node naming the owner's current version still cannot renew; the owner can.
pub async fn renew_by_non_owner_rejected(b: LeaseBackend) {
    let d = b.addressable.as_ref();
    let mine = lease("renew", "k", "n1", FAR - 10);
    let granted = acquired(d.try_acquire(&mine, None).await.expect("acquire"), "acquisition");
    let intruder = lease("renew", "k", "n2", FAR);
    match d.renew_if_owner(&intruder, &granted.version).await.expect("renew") {
        RenewOutcome::NotOwner(Some(holder)) => assert_eq!(holder, granted),
        other => panic!("a non-owner's renew must be refused, got {other:?}"),
    }
    assert_eq!(d.get_versioned_lease(&mine.reference).await.expect("get"), Some(granted.clone()));
    let absent = lease("renew", "nobody", "n1", FAR);
    assert_eq!(
        d.renew_if_owner(&absent, &granted.version).await.expect("renew"),
        RenewOutcome::NotOwner(None),
        "renewing a key nobody holds"
    );
    let mut extended = mine.clone();
    extended.expires_at = FAR;
    match d.renew_if_owner(&extended, &granted.version).await.expect("renew") {
        RenewOutcome::Renewed(renewed) => assert_eq!(renewed.lease.expires_at, FAR),
        other => panic!("the owner's renew must succeed, got {other:?}"),
    }
}

/// Release needs the current version; after a release the key is free and its next
/// acquisition gets a larger fencing token.
pub async fn release_by_non_owner_rejected(b: LeaseBackend) {
    let d = b.addressable.as_ref();
    let mine = lease("release", "k", "n1", FAR);
    let granted = acquired(d.try_acquire(&mine, None).await.expect("acquire"), "acquisition");
    let wrong = LeaseVersion(format!("{}x", granted.version));
    assert!(!d.release_if_owner(&mine.reference, &wrong).await.expect("release"), "release with a wrong version");
    assert_eq!(d.get_versioned_lease(&mine.reference).await.expect("get"), Some(granted.clone()));
    assert!(d.release_if_owner(&mine.reference, &granted.version).await.expect("release"), "the owner's release");
    assert_eq!(d.get_versioned_lease(&mine.reference).await.expect("get"), None);
    assert!(!d.release_if_owner(&mine.reference, &granted.version).await.expect("release"), "released twice");

    let again = lease("release", "k", "n2", FAR);
    let next = acquired(d.try_acquire(&again, None).await.expect("acquire"), "acquisition after release");
    assert!(next.fencing_token > granted.fencing_token, "{} then {}", granted.fencing_token, next.fencing_token);
    assert_ne!(next.version, granted.version, "versions never repeat for a key");
    assert!(!d.release_if_owner(&mine.reference, &granted.version).await.expect("release"), "an old version");
}

/// Leases taken over by another node are listed under it and no longer under the first.
pub async fn listing_after_take_over(b: LeaseBackend) {
    let d = b.addressable.as_ref();
    let now = now_millis();
    let mut granted = Vec::new();
    for i in 0..5 {
        let l = lease("moves", &format!("k{i}"), "n1", now + 1_000);
        granted.push(acquired(d.try_acquire(&l, None).await.expect("acquire"), "acquisition"));
    }
    for g in granted.iter().take(2) {
        let l = lease("moves", &g.lease.reference.key, "n2", FAR);
        acquired(acquire_lease(d, &l, now + 10_000, 1_000).await.expect("take over"), "take-over");
    }
    let n1 = sorted_refs(d.list_node_leases(&NodeId::new("n1")).await.expect("n1"));
    let n2 = sorted_refs(d.list_node_leases(&NodeId::new("n2")).await.expect("n2"));
    assert_eq!(n1, ["moves:k2", "moves:k3", "moves:k4"]);
    assert_eq!(n2, ["moves:k0", "moves:k1"]);
}
