//! Two runtimes ("nodes") over one lease directory: a drained node hands its actors over
//! at once (the other activates them with larger fencing tokens, without waiting for any
//! lease to expire), and a node fenced at its deadline serves nothing after it while the
//! other takes its actors over once their leases expired. In both, the activation
//! intervals of each actor in the two nodes' logs never overlap.

use super::probe::{incr, node, Node, Served};
use super::*;
use crate::runtime::{overlapping_intervals, ActivationRecord, DeadlineFence, EndReason, FenceSignal};

const KEYS: [&str; 6] = ["k0", "k1", "k2", "k3", "k4", "k5"];

fn all_intervals(nodes: &[&Node]) -> Vec<ActivationRecord> {
    nodes.iter().flat_map(|n| n.log.intervals()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drained_node_hands_its_actors_over_at_once() {
    let directory = Arc::new(MemoryDirectory::new());
    // Leases of a minute: the other node could not take them over by waiting.
    let a = node("node-a", &directory, None, 60_000);
    let b = node("node-b", &directory, None, 60_000);
    for key in KEYS {
        incr(&a.rt, key).await.unwrap();
        incr(&a.rt, key).await.unwrap();
    }
    let tokens_a: Vec<u64> = KEYS.iter().map(|k| a.rt.fencing_token(k).expect("active on a")).collect();
    match incr(&b.rt, "k0").await {
        Err(ActorError::HeldElsewhere { node, .. }) => assert_eq!(node, "node-a"),
        other => panic!("expected HeldElsewhere before the drain, got {other:?}"),
    }

    assert_eq!(a.rt.active_keys(), KEYS.to_vec());
    let report = a.rt.drain().await;
    let handed: Vec<_> = report.handed_over.iter().map(|h| (h.key.as_str(), h.fencing_token, h.released)).collect();
    let expected: Vec<_> = KEYS.iter().zip(&tokens_a).map(|(k, t)| (*k, *t, true)).collect();
    assert_eq!(handed, expected);
    assert_eq!(a.rt.activation_count(), 0);
    assert!(directory.list_node_leases(&NodeId::new("node-a")).await.unwrap().is_empty());
    assert_eq!(incr(&a.rt, "k0").await, Err(ActorError::Draining { node: "node-a".into() }));

    for (key, token_a) in KEYS.iter().zip(&tokens_a) {
        // Actor state lives in its node's state store: node-b starts from none.
        assert_eq!(incr(&b.rt, key).await.unwrap().count, 1);
        let token_b = b.rt.fencing_token(key).expect("active on b");
        assert!(token_b > *token_a, "{key}: {token_a} on node-a, then {token_b} on node-b");
    }
    let intervals = all_intervals(&[&a, &b]);
    assert_eq!(intervals.len(), 2 * KEYS.len());
    assert!(a.log.intervals().iter().all(|i| i.end == Some(EndReason::Drained) && i.served == 2));
    let overlaps = overlapping_intervals(intervals);
    assert!(overlaps.is_empty(), "overlapping activations: {overlaps:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fenced_node_serves_nothing_after_its_deadline_and_its_actors_move() {
    const FENCE_AFTER_MS: u64 = 120;
    let directory = Arc::new(MemoryDirectory::new());
    let fence = Arc::new(DeadlineFence::new(std::time::Instant::now() + Duration::from_millis(FENCE_AFTER_MS)));
    let a = node("node-a", &directory, Some(fence.clone() as Arc<dyn FenceSignal>), 300);
    let b = node("node-b", &directory, None, 300);
    for key in KEYS {
        incr(&a.rt, key).await.unwrap();
    }
    let tokens_a: Vec<u64> = KEYS.iter().map(|k| a.rt.fencing_token(k).expect("active on a")).collect();

    // The membership renews (each acknowledgement moves the deadline) until the node is
    // cut off; a client keeps sending meanwhile and past the deadline.
    let renewer = {
        let fence = fence.clone();
        tokio::spawn(async move {
            loop {
                fence.renewed_until(std::time::Instant::now() + Duration::from_millis(FENCE_AFTER_MS));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let client = {
        let rt = a.rt.clone();
        let fence = fence.clone();
        tokio::spawn(async move {
            let mut answers: Vec<(std::time::Instant, Result<Served, ActorError>)> = Vec::new();
            let mut stop_at = None;
            for i in 0.. {
                let now = std::time::Instant::now();
                if stop_at.is_none() && rt.is_fenced() {
                    stop_at = Some(now + Duration::from_millis(60));
                }
                if stop_at.is_some_and(|at| now >= at) {
                    break;
                }
                let sent_at = std::time::Instant::now();
                answers.push((sent_at, incr(&rt, KEYS[i % KEYS.len()]).await));
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            drop(fence);
            answers
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    renewer.abort();
    let _ = renewer.await;
    let deadline = fence.deadline().expect("a deadline");
    let answers = client.await.unwrap();

    let served_before = answers.iter().filter(|(_, r)| r.is_ok()).count();
    assert!(served_before > 0, "the node served while its membership renewed");
    for (sent_at, answer) in &answers {
        if *sent_at >= deadline {
            assert!(
                matches!(answer, Err(ActorError::Fenced { .. })),
                "sent {:?} after the fence deadline and answered {answer:?}",
                *sent_at - deadline
            );
        }
    }
    let fenced_answers = answers.iter().filter(|(_, r)| matches!(r, Err(ActorError::Fenced { .. }))).count() as u64;
    assert!(fenced_answers > 0);
    assert!(a.rt.refusal_counts().fenced >= fenced_answers, "every fenced refusal is counted");
    let a_intervals = a.log.intervals();
    assert_eq!(a_intervals.iter().map(|i| i.served).sum::<u64>() as usize, KEYS.len() + served_before);
    for interval in &a_intervals {
        assert_eq!(interval.end, Some(EndReason::Fenced), "{interval:?}");
        assert!(interval.ended.expect("closed") <= deadline, "{interval:?} ends after the fence deadline");
        assert!(interval.last_served.is_none_or(|t| t < deadline), "{interval:?} served after the deadline");
    }

    // node-b takes every actor over once node-a's leases expired.
    for (key, token_a) in KEYS.iter().zip(&tokens_a) {
        let give_up = Instant::now() + Duration::from_secs(5);
        loop {
            match incr(&b.rt, key).await {
                Ok(_) => break,
                Err(ActorError::HeldElsewhere { node, .. }) => {
                    assert_eq!(node, "node-a");
                    assert!(Instant::now() < give_up, "{key} was never taken over");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(other) => panic!("{key}: {other:?}"),
            }
        }
        let token_b = b.rt.fencing_token(key).expect("active on b");
        assert!(token_b > *token_a, "{key}: {token_a} on node-a, then {token_b} on node-b");
    }
    let b_intervals = b.log.intervals();
    assert!(b_intervals.iter().all(|i| i.started > deadline), "taken over only after the fence deadline");
    let overlaps = overlapping_intervals(all_intervals(&[&a, &b]));
    assert!(overlaps.is_empty(), "overlapping activations: {overlaps:#?}");
}
