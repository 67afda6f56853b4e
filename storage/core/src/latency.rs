//! [`LatencyHistogram`]: call latencies in fixed log-linear buckets (four sub-buckets per
//! power of two of nanoseconds, so a percentile is within 25% of the true value), updated
//! with relaxed atomics and never locked; percentiles read from the buckets, the average
//! from a sum. Shared by the lease directory's and the node RPC's metrics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Sub-buckets per power of two.
const SUB_BITS: u32 = 2;
const SUB_BUCKETS: usize = 1 << SUB_BITS;
const BUCKETS: usize = 64 * SUB_BUCKETS;

/// Latencies of one kind of call, and how many operations those calls carried.
pub struct LatencyHistogram {
    operations: AtomicU64,
    sum_ns: AtomicU64,
    buckets: Box<[AtomicU64]>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            operations: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl LatencyHistogram {
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

    /// One call of one operation that took `elapsed`.
    pub fn record(&self, elapsed: Duration) {
        self.record_ops(1, elapsed);
    }

    /// One call carrying `ops` operations (a bulk call) that took `elapsed`.
    pub fn record_ops(&self, ops: u64, elapsed: Duration) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.operations.fetch_add(ops, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
        self.buckets[Self::bucket_of(ns)].fetch_add(1, Ordering::Relaxed);
    }

    /// Operations recorded (a bulk call counts its operations).
    pub fn operations(&self) -> u64 {
        self.operations.load(Ordering::Relaxed)
    }

    /// Average latency per call in microseconds; 0 when nothing was recorded.
    pub fn average_us(&self) -> f64 {
        let calls: u64 = self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum();
        if calls == 0 {
            return 0.0;
        }
        self.sum_ns.load(Ordering::Relaxed) as f64 / calls as f64 / 1000.0
    }

    /// The `q` quantile (0..=1) of the per-call latency in microseconds; 0 when nothing
    /// was recorded.
    pub fn quantile_us(&self, q: f64) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_tight() {
        let mut last = 0;
        for ns in [1u64, 2, 3, 4, 5, 7, 8, 9, 15, 16, 100, 1_000, 123_456, 10_000_000_000, u64::MAX] {
            let bucket = LatencyHistogram::bucket_of(ns);
            assert!(bucket >= last, "bucket of {ns}");
            last = bucket;
            let upper = LatencyHistogram::bucket_upper_ns(bucket);
            assert!(upper > ns as f64 * 0.999_999, "{ns} above its bucket's end {upper}");
            assert!(upper <= (ns as f64) * 1.25 + 1.0, "{ns}: bucket end {upper} too loose");
        }
    }

    #[test]
    fn average_quantiles_and_operations() {
        let h = LatencyHistogram::default();
        assert_eq!((h.quantile_us(0.5), h.average_us(), h.operations()), (0.0, 0.0, 0));
        for _ in 0..90 {
            h.record(Duration::from_micros(10));
        }
        for _ in 0..9 {
            h.record(Duration::from_micros(1000));
        }
        h.record_ops(5, Duration::from_micros(1000));
        assert_eq!(h.operations(), 104);
        let p50 = h.quantile_us(0.5);
        assert!((10.0..=12.5).contains(&p50), "p50 {p50}");
        let p95 = h.quantile_us(0.95);
        assert!((1000.0..=1250.0).contains(&p95), "p95 {p95}");
        let average = h.average_us();
        assert!((average - 109.0).abs() < 1.0, "average {average}");
    }
}
