//! Operation counters and latency histograms of one storage instance.
//!
//! Recording is lock-free (atomics); [`StorageMetrics::snapshot`] copies the figures out
//! for the admin endpoint, which renders them in Prometheus' text format.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The operations we count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Get,
    Insert,
    Upsert,
    Update,
    Delete,
    Scan,
    IndexScan,
    Commit,
    Rollback,
    Ddl,
    ExpirySweep,
}

impl Operation {
    pub const ALL: [Operation; 11] = [
        Operation::Get,
        Operation::Insert,
        Operation::Upsert,
        Operation::Update,
        Operation::Delete,
        Operation::Scan,
        Operation::IndexScan,
        Operation::Commit,
        Operation::Rollback,
        Operation::Ddl,
        Operation::ExpirySweep,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::Get => "get",
            Operation::Insert => "insert",
            Operation::Upsert => "upsert",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Scan => "scan",
            Operation::IndexScan => "index_scan",
            Operation::Commit => "commit",
            Operation::Rollback => "rollback",
            Operation::Ddl => "ddl",
            Operation::ExpirySweep => "expiry_sweep",
        }
    }

    fn slot(self) -> usize {
        Operation::ALL.iter().position(|o| *o == self).unwrap_or(0)
    }
}

/// Upper bounds (seconds) of the latency histogram buckets; +Inf is implied.
pub const LATENCY_BUCKETS: [f64; 14] =
    [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
struct OpCounters {
    count: AtomicU64,
    errors: AtomicU64,
    sum_nanos: AtomicU64,
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
}

/// Live counters of one storage instance.
#[derive(Default)]
pub struct StorageMetrics {
    ops: [OpCounters; Operation::ALL.len()],
}

impl StorageMetrics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record(&self, op: Operation, elapsed: Duration, ok: bool) {
        let c = &self.ops[op.slot()];
        c.count.fetch_add(1, Ordering::Relaxed);
        if !ok {
            c.errors.fetch_add(1, Ordering::Relaxed);
        }
        let nanos = elapsed.as_nanos().min(u64::MAX as u128) as u64;
        c.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|le| secs <= *le) {
            c.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Times `f` and records it under `op`.
    pub fn measure<T, E>(&self, op: Operation, started: Instant, result: Result<T, E>) -> Result<T, E> {
        self.record(op, started.elapsed(), result.is_ok());
        result
    }

    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            operations: Operation::ALL
                .iter()
                .map(|op| {
                    let c = &self.ops[op.slot()];
                    let mut cumulative = 0;
                    let buckets = LATENCY_BUCKETS
                        .iter()
                        .zip(&c.buckets)
                        .map(|(le, n)| {
                            cumulative += n.load(Ordering::Relaxed);
                            (*le, cumulative)
                        })
                        .collect();
                    OperationMetrics {
                        operation: op.name(),
                        count: c.count.load(Ordering::Relaxed),
                        errors: c.errors.load(Ordering::Relaxed),
                        sum_seconds: c.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
                        buckets,
                    }
                })
                .collect(),
        }
    }
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSnapshot {
    pub operations: Vec<OperationMetrics>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OperationMetrics {
    pub operation: &'static str,
    pub count: u64,
    pub errors: u64,
    pub sum_seconds: f64,
    /// (upper bound in seconds, cumulative count); the +Inf bucket equals `count`.
    pub buckets: Vec<(f64, u64)>,
}

impl MetricsSnapshot {
    pub fn count(&self, operation: &str) -> u64 {
        self.operations.iter().find(|o| o.operation == operation).map_or(0, |o| o.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative() {
        let m = StorageMetrics::new();
        m.record(Operation::Get, Duration::from_micros(10), true);
        m.record(Operation::Get, Duration::from_millis(3), false);
        m.record(Operation::Get, Duration::from_secs(5), true);
        let s = m.snapshot();
        let get = s.operations.iter().find(|o| o.operation == "get").unwrap();
        assert_eq!(get.count, 3);
        assert_eq!(get.errors, 1);
        assert_eq!(get.buckets[0], (0.00005, 1));
        assert_eq!(get.buckets.last().unwrap().1, 2, "5s falls only in +Inf");
        assert_eq!(s.count("insert"), 0);
    }
}
