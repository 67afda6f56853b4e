//! Counters of the node RPC: forwards sent and their outcomes, requests served and their
//! refusals, connections accepted, placement cache hits and refreshes, and the forward latency.
//!
//! The forward latency goes to [`orbit_storage::latency::LatencyHistogram`] (percentiles
//! within 25%, relaxed atomics), the histogram the lease directory's metrics use too. [`ClusterMetrics::snapshot`] reads everything at once
//! for /health and /metrics.

use crate::types::ForwardRefusal;
use orbit_storage::latency::LatencyHistogram;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counts of refusals, one per kind.
#[derive(Default)]
struct RefusalCounts {
    not_owner: AtomicU64,
    fenced: AtomicU64,
    failed: AtomicU64,
}

impl RefusalCounts {
    fn record(&self, refusal: &ForwardRefusal) {
        let counter = match refusal {
            ForwardRefusal::NotOwner { .. } => &self.not_owner,
            ForwardRefusal::Fenced { .. } => &self.fenced,
            ForwardRefusal::Failed(_) => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> RefusalSnapshot {
        RefusalSnapshot { not_owner: load(&self.not_owner), fenced: load(&self.fenced), failed: load(&self.failed) }
    }
}

fn load(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Every counter of one node's RPC client, server and placement cache.
#[derive(Default)]
pub struct ClusterMetrics {
    forwarded: AtomicU64,
    forward_replies: AtomicU64,
    forward_refusals: RefusalCounts,
    forward_errors: AtomicU64,
    forward_timeouts: AtomicU64,
    forward_latency: LatencyHistogram,
    served: AtomicU64,
    served_refusals: RefusalCounts,
    served_invalid: AtomicU64,
    connections_accepted: AtomicU64,
    connections_refused: AtomicU64,
    placement_hits: AtomicU64,
    placement_misses: AtomicU64,
    placement_invalidations: AtomicU64,
}

impl ClusterMetrics {
    /// One forward sent, with what came of it and how long it took.
    pub fn record_forward(&self, outcome: ForwardOutcomeKind<'_>, elapsed: Duration) {
        bump(&self.forwarded);
        self.forward_latency.record(elapsed);
        match outcome {
            ForwardOutcomeKind::Reply => bump(&self.forward_replies),
            ForwardOutcomeKind::Refused(refusal) => self.forward_refusals.record(refusal),
            ForwardOutcomeKind::Timeout => bump(&self.forward_timeouts),
            ForwardOutcomeKind::Error => bump(&self.forward_errors),
        }
    }

    /// One forwarded request served by this node's handler (refused when `refusal` is set).
    pub fn record_served(&self, refusal: Option<&ForwardRefusal>) {
        bump(&self.served);
        if let Some(refusal) = refusal {
            self.served_refusals.record(refusal);
        }
    }

    /// A request this node's server refused as malformed before any handler saw it.
    pub fn record_invalid(&self) {
        bump(&self.served_invalid);
    }

    /// A connection the server accepted (`true`) or closed on arrival at its limit.
    pub fn record_connection(&self, accepted: bool) {
        bump(if accepted { &self.connections_accepted } else { &self.connections_refused });
    }

    pub fn record_placement_hit(&self) {
        bump(&self.placement_hits);
    }

    pub fn record_placement_miss(&self) {
        bump(&self.placement_misses);
    }

    pub fn record_placement_invalidation(&self, entries: u64) {
        self.placement_invalidations.fetch_add(entries, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> ClusterMetricsSnapshot {
        ClusterMetricsSnapshot {
            forwarded: load(&self.forwarded),
            forward_replies: load(&self.forward_replies),
            forward_refusals: self.forward_refusals.snapshot(),
            forward_errors: load(&self.forward_errors),
            forward_timeouts: load(&self.forward_timeouts),
            forward_latency_p50_us: self.forward_latency.quantile_us(0.50),
            forward_latency_p95_us: self.forward_latency.quantile_us(0.95),
            served: load(&self.served),
            served_refusals: self.served_refusals.snapshot(),
            served_invalid: load(&self.served_invalid),
            connections_accepted: load(&self.connections_accepted),
            connections_refused: load(&self.connections_refused),
            placement_hits: load(&self.placement_hits),
            placement_misses: load(&self.placement_misses),
            placement_invalidations: load(&self.placement_invalidations),
        }
    }
}

/// What one forward came to, for [`ClusterMetrics::record_forward`].
#[derive(Debug, Clone, Copy)]
pub enum ForwardOutcomeKind<'a> {
    Reply,
    Refused(&'a ForwardRefusal),
    Timeout,
    Error,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RefusalSnapshot {
    pub not_owner: u64,
    pub fenced: u64,
    pub failed: u64,
}

/// The counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClusterMetricsSnapshot {
    /// Forwards this node sent (each attempt counts).
    pub forwarded: u64,
    pub forward_replies: u64,
    pub forward_refusals: RefusalSnapshot,
    /// Connection failures and error statuses.
    pub forward_errors: u64,
    pub forward_timeouts: u64,
    pub forward_latency_p50_us: f64,
    pub forward_latency_p95_us: f64,
    /// Forwarded requests this node's handler answered.
    pub served: u64,
    pub served_refusals: RefusalSnapshot,
    /// Requests this node's server refused as malformed.
    pub served_invalid: u64,
    /// Connections the server accepted, and those it closed at its connection limit.
    pub connections_accepted: u64,
    pub connections_refused: u64,
    pub placement_hits: u64,
    pub placement_misses: u64,
    /// Placement entries dropped (refusals, dead nodes, departed members).
    pub placement_invalidations: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_by_kind_with_percentiles() {
        let metrics = ClusterMetrics::default();
        for _ in 0..90 {
            metrics.record_forward(ForwardOutcomeKind::Reply, Duration::from_micros(100));
        }
        for _ in 0..10 {
            metrics.record_forward(ForwardOutcomeKind::Timeout, Duration::from_micros(10_000));
        }
        metrics
            .record_forward(ForwardOutcomeKind::Refused(&ForwardRefusal::Fenced { current_token: 3 }), Duration::ZERO);
        metrics.record_served(Some(&ForwardRefusal::NotOwner { owner: None }));
        metrics.record_served(None);
        let s = metrics.snapshot();
        assert_eq!((s.forwarded, s.forward_replies, s.forward_timeouts), (101, 90, 10));
        assert_eq!(s.forward_refusals, RefusalSnapshot { not_owner: 0, fenced: 1, failed: 0 });
        assert_eq!((s.served, s.served_refusals.not_owner), (2, 1));
        assert!(s.forward_latency_p50_us >= 100.0 && s.forward_latency_p50_us <= 125.0, "{}", s.forward_latency_p50_us);
        assert!(s.forward_latency_p95_us >= 10_000.0 && s.forward_latency_p95_us <= 12_500.0);
    }
}
