//! Operation counters and latency histograms of a [`Directory`](crate::Directory).
//!
//! Each kind of operation (read, write, delete) has an operation count and a latency
//! histogram ([`orbit_storage::latency::LatencyHistogram`]: percentiles within 25%,
//! relaxed atomics, never locked).

use crate::provider::ProviderMetrics;
use crate::store::CacheStats;
use orbit_storage::latency::LatencyHistogram;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The kinds of operation counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Read,
    Write,
    Delete,
}

/// Every counter of one directory.
pub struct DirectoryMetrics {
    read: LatencyHistogram,
    write: LatencyHistogram,
    delete: LatencyHistogram,
    errors: AtomicU64,
}

impl Default for DirectoryMetrics {
    fn default() -> Self {
        DirectoryMetrics {
            read: LatencyHistogram::default(),
            write: LatencyHistogram::default(),
            delete: LatencyHistogram::default(),
            errors: AtomicU64::new(0),
        }
    }
}

impl DirectoryMetrics {
    /// Records one call that did `ops` operations of `kind` in `elapsed`.
    pub fn record(&self, kind: OpKind, ops: u64, elapsed: Duration) {
        self.histogram(kind).record_ops(ops, elapsed);
    }

    pub fn record_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs `work`, counting it as `ops` operations of `kind` (and as an error when it
    /// fails): the one measurement of the backends whose calls are futures.
    pub async fn measure<T, E>(
        &self,
        kind: OpKind,
        ops: u64,
        work: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let started = std::time::Instant::now();
        let result = work.await;
        self.record(kind, ops, started.elapsed());
        if result.is_err() {
            self.record_error();
        }
        result
    }

    fn histogram(&self, kind: OpKind) -> &LatencyHistogram {
        match kind {
            OpKind::Read => &self.read,
            OpKind::Write => &self.write,
            OpKind::Delete => &self.delete,
        }
    }

    pub fn snapshot(&self, cache: CacheStats) -> ProviderMetrics {
        ProviderMetrics {
            read_operations: self.read.operations(),
            write_operations: self.write.operations(),
            delete_operations: self.delete.operations(),
            error_count: self.errors.load(Ordering::Relaxed),
            read_latency_avg_us: self.read.average_us(),
            read_latency_p95_us: self.read.quantile_us(0.95),
            write_latency_avg_us: self.write.average_us(),
            write_latency_p95_us: self.write.quantile_us(0.95),
            delete_latency_avg_us: self.delete.average_us(),
            delete_latency_p95_us: self.delete.quantile_us(0.95),
            cache_hits: cache.hits,
            cache_misses: cache.misses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_and_p95() {
        let m = DirectoryMetrics::default();
        for _ in 0..90 {
            m.record(OpKind::Read, 1, Duration::from_micros(10));
        }
        for _ in 0..10 {
            m.record(OpKind::Read, 1, Duration::from_micros(1000));
        }
        m.record(OpKind::Write, 5, Duration::from_micros(50));
        m.record_error();
        let s = m.snapshot(CacheStats { hits: 3, misses: 4 });
        assert_eq!(s.read_operations, 100);
        assert_eq!(s.write_operations, 5);
        assert!((s.read_latency_avg_us - 109.0).abs() < 0.01, "{}", s.read_latency_avg_us);
        assert!(s.read_latency_p95_us >= 1000.0 && s.read_latency_p95_us <= 1250.0, "{}", s.read_latency_p95_us);
        assert!(s.write_latency_p95_us >= 50.0 && s.write_latency_p95_us <= 62.5);
        assert_eq!((s.error_count, s.cache_hits, s.cache_misses), (1, 3, 4));
        assert_eq!(s.delete_latency_p95_us, 0.0);
    }
}
