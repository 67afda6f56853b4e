//! The activation log: when each activation of an actor held its lease and served.
//!
//! The runtime reports every activation twice to an optional [`ActivationSink`]: when it
//! starts serving (its lease acquired; `ended` is `None`) and when it stops (`ended` and
//! `end` set). An interval runs from `started` (after the lease was granted) to `ended`
//! (before the lease is released, or the instant it could no longer serve: the fence
//! deadline of a fenced node, the local end of validity of a lost lease). Nothing is served
//! outside it, so intervals of one actor taken from every node's log must never overlap:
//! [`overlapping_intervals`] is that global check. Instants are monotonic (`std::time::Instant`),
//! comparable between runtimes of one process and, on Linux, between processes of one boot.

use crate::lease::NodeId;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::time::Instant;

/// Why an activation stopped serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// No message for the idle timeout.
    Idle,
    /// [`crate::ActorRuntime::shutdown`].
    Shutdown,
    /// [`crate::ActorRuntime::drain`]: state passivated, lease released for a survivor.
    Drained,
    /// The node self-fenced.
    Fenced,
    /// The lease was taken over, or could not be renewed before it ran out.
    LeaseLost,
}

/// One activation's interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationRecord {
    /// `type:key`.
    pub actor: String,
    pub node: NodeId,
    pub activation_id: u64,
    pub fencing_token: u64,
    pub started: Instant,
    pub ended: Option<Instant>,
    pub end: Option<EndReason>,
    /// When the last message was admitted (the fence and the lease checked), if any.
    pub last_served: Option<Instant>,
    /// Messages served.
    pub served: u64,
}

/// Where the runtime reports activations. Called on the activation's task: keep it quick.
pub trait ActivationSink: Send + Sync + 'static {
    fn record(&self, record: &ActivationRecord);
}

/// An in-memory [`ActivationSink`] keeping every report.
#[derive(Debug, Default)]
pub struct ActivationLog {
    records: Mutex<Vec<ActivationRecord>>,
}

impl ActivationLog {
    pub fn new() -> ActivationLog {
        ActivationLog::default()
    }

    /// Every report, in the order received.
    pub fn records(&self) -> Vec<ActivationRecord> {
        self.records.lock().clone()
    }

    /// One record per interval: its end report, or its start report while it is open.
    pub fn intervals(&self) -> Vec<ActivationRecord> {
        let mut by_interval: BTreeMap<(u64, u64), ActivationRecord> = BTreeMap::new();
        for record in self.records.lock().iter() {
            let id = (record.activation_id, record.fencing_token);
            match by_interval.get(&id) {
                Some(known) if known.ended.is_some() => {}
                _ => {
                    by_interval.insert(id, record.clone());
                }
            }
        }
        let mut intervals: Vec<_> = by_interval.into_values().collect();
        intervals.sort_by_key(|r| r.started);
        intervals
    }
}

impl ActivationSink for ActivationLog {
    fn record(&self, record: &ActivationRecord) {
        self.records.lock().push(record.clone());
    }
}

/// Pairs of intervals of one actor that overlap (an open interval runs forever).
/// Intervals from several nodes' logs go in together; an empty answer is the global check.
pub fn overlapping_intervals(
    intervals: impl IntoIterator<Item = ActivationRecord>,
) -> Vec<(ActivationRecord, ActivationRecord)> {
    let mut by_actor: BTreeMap<String, Vec<ActivationRecord>> = BTreeMap::new();
    for interval in intervals {
        by_actor.entry(interval.actor.clone()).or_default().push(interval);
    }
    let mut overlaps = Vec::new();
    for (_, mut intervals) in by_actor {
        intervals.sort_by_key(|r| r.started);
        for (i, earlier) in intervals.iter().enumerate() {
            for later in &intervals[i + 1..] {
                let apart = earlier.ended.is_some_and(|end| end <= later.started);
                if !apart {
                    overlaps.push((earlier.clone(), later.clone()));
                }
            }
        }
    }
    overlaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn interval(actor: &str, node: &str, token: u64, start: Instant, end: Option<Instant>) -> ActivationRecord {
        ActivationRecord {
            actor: actor.into(),
            node: NodeId::new(node),
            activation_id: token,
            fencing_token: token,
            started: start,
            ended: end,
            end: end.map(|_| EndReason::Idle),
            last_served: None,
            served: 0,
        }
    }

    #[test]
    fn the_global_check_finds_overlaps_per_actor_only() {
        let t = Instant::now();
        let ms = |n| t + Duration::from_millis(n);
        let apart = [
            interval("a", "n1", 1, ms(0), Some(ms(10))),
            interval("a", "n2", 2, ms(10), Some(ms(20))),
            interval("b", "n1", 1, ms(5), None),
        ];
        assert!(overlapping_intervals(apart.clone()).is_empty());
        let mut overlapping = apart.to_vec();
        overlapping.push(interval("a", "n3", 3, ms(15), None));
        overlapping.push(interval("b", "n2", 2, ms(100), Some(ms(110))));
        let found = overlapping_intervals(overlapping);
        let pairs: Vec<_> = found.iter().map(|(x, y)| (x.actor.as_str(), x.fencing_token, y.fencing_token)).collect();
        assert_eq!(pairs, vec![("a", 2, 3), ("b", 1, 2)]);
    }

    #[test]
    fn the_log_merges_start_and_end_reports() {
        let log = ActivationLog::new();
        let t = Instant::now();
        let open = interval("a", "n1", 1, t, None);
        log.record(&open);
        assert_eq!(log.intervals(), vec![open.clone()]);
        let closed = ActivationRecord { ended: Some(t + Duration::from_millis(1)), ..open };
        log.record(&closed);
        assert_eq!(log.intervals(), vec![closed]);
        assert_eq!(log.records().len(), 2);
    }
}
