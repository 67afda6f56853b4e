//! Operation counters and latency histograms of a [`Directory`](crate::Directory).
//!
//! Each kind of operation (read, write, delete) has a count, a latency sum and a
//! fixed-bucket histogram: log-linear buckets with four sub-buckets per power of two of
//! nanoseconds (so a percentile is within 25% of the true value), updated with relaxed
//! atomics and never locked. Percentiles are read from the histogram; averages from the
//! sum.

use crate::provider::ProviderMetrics;
use crate::store::CacheStats;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Sub-buckets per power of two.
const SUB_BITS: u32 = 2;
const SUB_BUCKETS: usize = 1 << SUB_BITS;
const BUCKETS: usize = 64 * SUB_BUCKETS;

/// The kinds of operation counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Read,
    Write,
    Delete,
}

/// Counts and latencies of one kind of operation.
struct LatencyHistogram {
    count: AtomicU64,
    sum_ns: AtomicU64,
    buckets: Box<[AtomicU64]>,
}

impl LatencyHistogram {
    fn new() -> Self {
        LatencyHistogram {
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn bucket_of(ns: u64) -> usize {
        let v = ns.max(1);
        let log = 63 - v.leading_zeros();
        if log < SUB_BITS {
            return v as usize;
        }
        let sub = (v >> (log - SUB_BITS)) as usize & (SUB_BUCKETS - 1);
        log as usize * SUB_BUCKETS + sub
    }

    /// The upper end (exclusive) of a bucket, in nanoseconds.
    fn bucket_upper_ns(index: usize) -> f64 {
        let log = (index / SUB_BUCKETS) as u32;
        let sub = (index % SUB_BUCKETS) as u64;
        if log < SUB_BITS {
            return (index + 1) as f64;
        }
        (((SUB_BUCKETS as u64 + sub + 1) as f64) * 2f64.powi((log - SUB_BITS) as i32)).max(1.0)
    }

    fn record(&self, ops: u64, elapsed: Duration) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.count.fetch_add(ops, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
        self.buckets[Self::bucket_of(ns)].fetch_add(1, Ordering::Relaxed);
    }

    fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Average latency per call in microseconds.
    fn average_us(&self) -> f64 {
        let calls: u64 = self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum();
        if calls == 0 {
            return 0.0;
        }
        self.sum_ns.load(Ordering::Relaxed) as f64 / calls as f64 / 1000.0
    }

    /// The `q` quantile (0..=1) of the per-call latency in microseconds.
    fn quantile_us(&self, q: f64) -> f64 {
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return 0.0;
        }
        let rank = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (index, n) in counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Self::bucket_upper_ns(index) / 1000.0;
            }
        }
        Self::bucket_upper_ns(BUCKETS - 1) / 1000.0
    }
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
            read: LatencyHistogram::new(),
            write: LatencyHistogram::new(),
            delete: LatencyHistogram::new(),
            errors: AtomicU64::new(0),
        }
    }
}

impl DirectoryMetrics {
    /// Records one call that did `ops` operations of `kind` in `elapsed`.
    pub fn record(&self, kind: OpKind, ops: u64, elapsed: Duration) {
        self.histogram(kind).record(ops, elapsed);
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
            read_operations: self.read.count(),
            write_operations: self.write.count(),
            delete_operations: self.delete.count(),
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
    fn buckets_are_monotonic_and_tight() {
        let mut last = 0;
        for ns in [1u64, 2, 3, 4, 5, 7, 8, 9, 15, 16, 100, 1_000, 123_456, 10_000_000_000, u64::MAX] {
            let b = LatencyHistogram::bucket_of(ns);
            assert!(b >= last, "bucket of {ns}");
            last = b;
            let upper = LatencyHistogram::bucket_upper_ns(b);
            assert!(upper > ns as f64 * 0.999_999, "{ns} above its bucket's end {upper}");
            assert!(upper <= (ns as f64) * 1.25 + 1.0, "{ns}: bucket end {upper} too loose");
        }
    }

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
