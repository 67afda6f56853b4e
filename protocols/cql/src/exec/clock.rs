//! Server-side time: write timestamps in microseconds that never repeat or go back
//! within the process (Cassandra's server timestamps), and "now" in seconds for TTLs.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Default)]
pub struct Clock {
    last: AtomicI64,
}

impl Clock {
    /// A write timestamp greater than every one handed out before.
    pub fn timestamp(&self) -> i64 {
        let now = now_micros();
        let mut prev = self.last.load(Ordering::Relaxed);
        loop {
            let next = now.max(prev.saturating_add(1));
            match self.last.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return next,
                Err(p) => prev = p,
            }
        }
    }
}

pub fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

pub fn now_seconds() -> i64 {
    now_micros() / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_strictly_increase() {
        let clock = Clock::default();
        let a = clock.timestamp();
        let b = clock.timestamp();
        assert!(b > a && a > 1_600_000_000_000_000);
    }
}
