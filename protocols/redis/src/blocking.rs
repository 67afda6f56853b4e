//! Clients blocked in BLPOP & co., queued per (db, key) in arrival order.
//!
//! A connection whose command answered [`crate::error::RedisError::Block`] registers a
//! [`Waiter`] on each key while it still holds the write lock (so no write can slip in
//! between the command's read and the registration), releases its locks and waits.
//! After every successful write commit [`BlockRegistry::notify`] wakes, for each
//! touched key, the earliest waiter on it that is not already awake: the first blocked
//! client is served first, as in Redis. A woken client re-runs its command; when that
//! consumes the data, its own commit touches the key again and wakes the next waiter;
//! when it fails with an error (so consumed nothing) it passes the wake-up on with
//! [`BlockRegistry::pass_on`]. A waiter stays in its queues (keeping its place) until it
//! is served, times out, or its connection goes away ([`WaiterGuard`] removes it on drop).

use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// One blocked client.
#[derive(Debug)]
pub struct Waiter {
    pub client_id: u64,
    pub keys: Vec<(usize, Vec<u8>)>,
    woken: AtomicBool,
    notify: Notify,
}

impl Waiter {
    /// Completes once the waiter has been woken (a wake-up before the call is kept).
    pub async fn woken(&self) {
        self.notify.notified().await;
    }

    /// Marks the waiter as waiting again after a re-run that blocked once more.
    pub fn rearm(&self) {
        self.woken.store(false, Ordering::Release);
    }

    fn wake(&self) -> bool {
        if self.woken.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.notify.notify_one();
        true
    }
}

/// The waiters of each (db, key), earliest first.
type Queues = HashMap<(usize, Vec<u8>), VecDeque<Arc<Waiter>>>;

/// The queues of blocked clients.
#[derive(Debug, Default)]
pub struct BlockRegistry {
    queues: Mutex<Queues>,
    waiters: AtomicUsize,
}

impl BlockRegistry {
    /// True while any client is blocked.
    pub fn is_active(&self) -> bool {
        self.waiters.load(Ordering::Acquire) > 0
    }

    /// How many clients are blocked (INFO blocked_clients).
    pub fn blocked_clients(&self) -> usize {
        self.waiters.load(Ordering::Acquire)
    }

    /// Queues `client_id` behind every earlier waiter of each of `keys` in `db`.
    pub fn register(self: &Arc<Self>, client_id: u64, db: usize, keys: &[Vec<u8>]) -> WaiterGuard {
        let mut unique: Vec<(usize, Vec<u8>)> = Vec::with_capacity(keys.len());
        for k in keys {
            if !unique.iter().any(|(_, u)| u == k) {
                unique.push((db, k.clone()));
            }
        }
        let waiter = Arc::new(Waiter { client_id, keys: unique, woken: AtomicBool::new(false), notify: Notify::new() });
        let mut queues = self.queues.lock();
        for key in &waiter.keys {
            queues.entry(key.clone()).or_default().push_back(waiter.clone());
        }
        self.waiters.fetch_add(1, Ordering::AcqRel);
        WaiterGuard { registry: self.clone(), waiter }
    }

    /// Wakes the earliest sleeping waiter of each touched key.
    pub fn notify(&self, touched: &[(usize, Vec<u8>)]) {
        if touched.is_empty() || !self.is_active() {
            return;
        }
        let queues = self.queues.lock();
        for key in touched {
            if let Some(queue) = queues.get(key) {
                for w in queue {
                    if w.wake() {
                        break;
                    }
                }
            }
        }
    }

    /// Wakes the earliest sleeping waiter of every key of the databases in `dbs` (after
    /// FLUSHDB/FLUSHALL/SWAPDB, whose keys are not listed one by one).
    pub fn notify_dbs(&self, dbs: &[usize]) {
        if dbs.is_empty() || !self.is_active() {
            return;
        }
        let queues = self.queues.lock();
        for ((db, _), queue) in queues.iter() {
            if dbs.contains(db) {
                for w in queue {
                    if w.wake() {
                        break;
                    }
                }
            }
        }
    }

    /// Wakes, on each of `waiter`'s keys, the first sleeping waiter queued after it.
    pub fn pass_on(&self, waiter: &Waiter) {
        let queues = self.queues.lock();
        for key in &waiter.keys {
            if let Some(queue) = queues.get(key) {
                let behind = queue.iter().skip_while(|w| !std::ptr::eq(w.as_ref(), waiter)).skip(1);
                for w in behind {
                    if w.wake() {
                        break;
                    }
                }
            }
        }
    }

    fn remove(&self, waiter: &Arc<Waiter>) {
        let mut queues = self.queues.lock();
        for key in &waiter.keys {
            if let Some(queue) = queues.get_mut(key) {
                queue.retain(|w| !Arc::ptr_eq(w, waiter));
                if queue.is_empty() {
                    queues.remove(key);
                }
            }
        }
        self.waiters.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A registered waiter; dropping it leaves every queue.
#[derive(Debug)]
pub struct WaiterGuard {
    registry: Arc<BlockRegistry>,
    pub waiter: Arc<Waiter>,
}

impl Drop for WaiterGuard {
    fn drop(&mut self) {
        self.registry.remove(&self.waiter);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Whether `w` has been woken, without waiting.
    fn woken_soon(w: &Waiter) -> bool {
        w.woken.load(Ordering::Acquire)
    }

    #[tokio::test]
    async fn fifo_wakeups_pass_on_and_cleanup() {
        let reg = Arc::new(BlockRegistry::default());
        let a = reg.register(1, 0, &[b"k".to_vec(), b"k".to_vec(), b"other".to_vec()]);
        let b = reg.register(2, 0, &[b"k".to_vec()]);
        let c = reg.register(3, 1, &[b"k".to_vec()]);
        assert_eq!(reg.blocked_clients(), 3);
        assert_eq!(a.waiter.keys.len(), 2, "duplicate keys are queued once");
        // One push wakes only the first waiter of that (db, key).
        reg.notify(&[(0, b"k".to_vec())]);
        assert!(woken_soon(&a.waiter) && !woken_soon(&b.waiter) && !woken_soon(&c.waiter));
        tokio::time::timeout(Duration::from_secs(1), a.waiter.woken()).await.expect("a woken");
        // A second push while a has not run yet wakes b.
        reg.notify(&[(0, b"k".to_vec())]);
        assert!(woken_soon(&b.waiter));
        // b fails: it passes on to nobody behind it on db 0; c (db 1) stays asleep.
        reg.pass_on(&b.waiter);
        assert!(!woken_soon(&c.waiter));
        drop(a);
        drop(b);
        assert_eq!(reg.blocked_clients(), 1);
        reg.notify(&[(1, b"k".to_vec())]);
        tokio::time::timeout(Duration::from_secs(1), c.waiter.woken()).await.expect("c woken");
        c.waiter.rearm();
        assert!(!woken_soon(&c.waiter));
        drop(c);
        assert!(!reg.is_active());
        assert!(reg.queues.lock().is_empty());
    }

    #[tokio::test]
    async fn pass_on_wakes_the_next_in_line() {
        let reg = Arc::new(BlockRegistry::default());
        let a = reg.register(1, 0, &[b"k".to_vec()]);
        let b = reg.register(2, 0, &[b"k".to_vec()]);
        reg.notify(&[(0, b"k".to_vec())]);
        reg.pass_on(&a.waiter);
        tokio::time::timeout(Duration::from_secs(1), b.waiter.woken()).await.expect("b woken");
    }
}
