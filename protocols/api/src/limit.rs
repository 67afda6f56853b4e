//! The connection cap a listener enforces at accept time (PostgreSQL's max_connections,
//! Redis's maxclients, MySQL's max_connections).
//!
//! A [`ConnectionLimit`] counts the connections holding a [`ConnectionPermit`]; the
//! accept loop ([`crate::accept`]) takes a permit for every connection it admits and
//! the permit goes back when the connection's task ends, however it ends (return,
//! panic, abort at the end of the drain). The cap can change while the listener runs
//! (Redis `CONFIG SET maxclients`): lowering it below the open count keeps the open
//! connections and refuses new ones until enough have left, as Redis does.
//!
//! Cloning a limit gives another handle on the same counter.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// No cap.
const UNLIMITED: usize = usize::MAX;

/// A shared, adjustable cap on open connections.
#[derive(Clone)]
pub struct ConnectionLimit {
    inner: Arc<Counter>,
}

struct Counter {
    /// The cap; [`UNLIMITED`] for none.
    max: AtomicUsize,
    open: AtomicUsize,
}

impl ConnectionLimit {
    /// A limit of `max` connections (`None`: unlimited).
    pub fn new(max: Option<usize>) -> ConnectionLimit {
        ConnectionLimit {
            inner: Arc::new(Counter { max: AtomicUsize::new(max.unwrap_or(UNLIMITED)), open: AtomicUsize::new(0) }),
        }
    }

    /// No cap; connections are still counted.
    pub fn unlimited() -> ConnectionLimit {
        ConnectionLimit::new(None)
    }

    /// The cap now in force.
    pub fn max(&self) -> Option<usize> {
        match self.inner.max.load(Ordering::Relaxed) {
            UNLIMITED => None,
            n => Some(n),
        }
    }

    /// Changes the cap; open connections are kept even when there are more of them.
    pub fn set_max(&self, max: Option<usize>) {
        self.inner.max.store(max.unwrap_or(UNLIMITED), Ordering::Relaxed);
    }

    /// Connections holding a permit now.
    pub fn open(&self) -> usize {
        self.inner.open.load(Ordering::Acquire)
    }

    /// A permit, or `None` when the cap is reached.
    pub fn try_acquire(&self) -> Option<ConnectionPermit> {
        let mut open = self.inner.open.load(Ordering::Acquire);
        loop {
            if open >= self.inner.max.load(Ordering::Relaxed) {
                return None;
            }
            match self.inner.open.compare_exchange_weak(open, open + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(ConnectionPermit { limit: self.clone() }),
                Err(now) => open = now,
            }
        }
    }
}

impl Default for ConnectionLimit {
    fn default() -> Self {
        ConnectionLimit::unlimited()
    }
}

impl fmt::Debug for ConnectionLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionLimit").field("max", &self.max()).field("open", &self.open()).finish()
    }
}

/// One admitted connection's slot; dropping it frees the slot.
#[derive(Debug)]
pub struct ConnectionPermit {
    limit: ConnectionLimit,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        self.limit.inner.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_count_and_free() {
        let limit = ConnectionLimit::new(Some(2));
        let a = limit.try_acquire().expect("first");
        let b = limit.try_acquire().expect("second");
        assert!(limit.try_acquire().is_none());
        assert_eq!(limit.open(), 2);
        drop(a);
        let c = limit.try_acquire().expect("freed slot");
        // Lowering the cap keeps open connections and refuses new ones.
        limit.set_max(Some(1));
        assert!(limit.try_acquire().is_none());
        drop(b);
        assert!(limit.try_acquire().is_none(), "still one open");
        drop(c);
        assert!(limit.try_acquire().is_some());
        limit.set_max(None);
        let many: Vec<_> = (0..100).map(|_| limit.try_acquire().expect("unlimited")).collect();
        assert_eq!((limit.open(), limit.max()), (100, None));
        drop(many);
        assert_eq!(limit.open(), 0);
    }
}
