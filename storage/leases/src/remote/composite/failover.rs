//! When the Composite stops using its primary, and for how long the backup is quarantined.
//!
//! `failover_threshold` Unavailable errors of the primary within `failover_window` switch
//! every call to the backup, for good: there is no automatic failback. The moment is
//! recorded in the backup as a reserved node record ([`MARKER_NODE`], status Stopped,
//! never expiring, the moment in `started_at`), so a restarted process reads it at its
//! first call and serves from the backup too, with the quarantine counted from the
//! recorded moment. A process still on the primary reads it after each strict-mode write
//! and follows (see the module note of `composite`). The record is hidden from node
//! listings and reads.
//!
//! Going back to the primary is an operator's step with every node stopped: copy the
//! backup's leases to the primary (orbit-cli export / import), then remove the record
//! through the backup provider itself. Fencing tokens then come from the primary again,
//! below the ones the backup served ([`super::members::BACKUP_FENCING_BASE`]).

use crate::provider::{NodeId, NodeInfo, NodeStatus};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The node id of the failover record in the backup.
pub const MARKER_NODE: &str = "orbit.composite.failed-over";

pub fn is_marker(node_id: &NodeId) -> bool {
    node_id.0 == MARKER_NODE
}

/// The failover record for a failover at `at_ms` (unix milliseconds).
pub fn marker(at_ms: i64) -> NodeInfo {
    NodeInfo {
        node_id: NodeId::new(MARKER_NODE),
        address: String::new(),
        status: NodeStatus::Stopped,
        capabilities: vec!["composite-failover".into()],
        started_at: at_ms,
        lease_expires_at: i64::MAX,
    }
}

/// Recent errors of the primary and the failover moment.
#[derive(Debug, Default)]
pub struct FailoverState {
    errors: VecDeque<Instant>,
    /// The failover is being recorded in the backup.
    failing_over: bool,
    failed_over_at_ms: Option<i64>,
}

impl FailoverState {
    /// Counts an Unavailable error at `now`; true when it makes the Composite fail over
    /// (once: until the failover is [`Self::adopt`]ed, further errors answer false).
    pub fn failover_due(&mut self, now: Instant, threshold: u32, window: Duration) -> bool {
        self.errors.push_back(now);
        while self.errors.front().is_some_and(|t| now.duration_since(*t) > window) {
            self.errors.pop_front();
        }
        if self.failed_over_at_ms.is_none() && !self.failing_over && self.errors.len() >= threshold as usize {
            self.failing_over = true;
            return true;
        }
        false
    }

    /// Takes the failover recorded in the backup (by this process before a restart, or
    /// by another one).
    pub fn adopt(&mut self, at_ms: i64) {
        self.failed_over_at_ms = Some(self.failed_over_at_ms.map_or(at_ms, |own| own.min(at_ms)));
    }

    pub fn failed_over_at_ms(&self) -> Option<i64> {
        self.failed_over_at_ms
    }

    /// True while the backup must not grant keys it does not know.
    pub fn quarantined(&self, now_ms: i64, guard: Duration) -> bool {
        let guard_ms = i64::try_from(guard.as_millis()).unwrap_or(i64::MAX);
        self.failed_over_at_ms.is_some_and(|at| now_ms < at.saturating_add(guard_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_errors_within_the_window_fail_over_once() {
        let mut s = FailoverState::default();
        let t0 = Instant::now();
        let window = Duration::from_secs(10);
        assert!(!s.failover_due(t0, 3, window));
        // Two errors more than the window later: the first one no longer counts.
        assert!(!s.failover_due(t0 + Duration::from_secs(11), 3, window));
        assert!(!s.failover_due(t0 + Duration::from_secs(12), 3, window));
        assert!(s.failover_due(t0 + Duration::from_secs(13), 3, window));
        assert!(!s.failover_due(t0 + Duration::from_secs(14), 3, window), "once");
        assert_eq!(s.failed_over_at_ms(), None, "until it is recorded");
        s.adopt(14_000);
        assert!(s.quarantined(14_999, Duration::from_secs(1)));
        assert!(!s.quarantined(15_000, Duration::from_secs(1)));
        s.adopt(10_000);
        assert_eq!(s.failed_over_at_ms(), Some(10_000), "the earlier recorded moment wins");
    }
}
