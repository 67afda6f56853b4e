//! WATCH bookkeeping for MULTI/EXEC.
//!
//! Only watched keys cost anything: [`WatchRegistry`] keeps a version per watched
//! (db, key), created by the first WATCH of that key and removed with its last watcher.
//! After every successful write commit (under the write lock) the connection calls
//! [`WatchRegistry::touch`] with the transaction's touched keys and flushed databases:
//! a touched key that someone watches gets its version bumped, a flushed database (FLUSHDB,
//! FLUSHALL, SWAPDB) its epoch. EXEC compares what each WATCH recorded with the current
//! values; keys that expired since WATCH are caught by the connection re-reading them
//! (as Redis 7.0 aborts EXEC when a watched key expired after WATCH).

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::keyspace::DATABASES;

#[derive(Debug, Default)]
struct Entry {
    version: u64,
    watchers: usize,
}

/// The versions of watched keys and the flush epochs of the databases.
#[derive(Debug)]
pub struct WatchRegistry {
    keys: Mutex<HashMap<(usize, Vec<u8>), Entry>>,
    /// How many (db, key) entries exist, read without the lock by [`WatchRegistry::is_active`].
    active: AtomicUsize,
    epochs: [AtomicU64; DATABASES],
}

impl Default for WatchRegistry {
    fn default() -> Self {
        WatchRegistry {
            keys: Mutex::new(HashMap::new()),
            active: AtomicUsize::new(0),
            epochs: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

/// What one WATCH of one key recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub db: usize,
    pub key: Vec<u8>,
    pub version: u64,
    pub epoch: u64,
    /// The key existed (and had not expired) at WATCH time.
    pub live: bool,
}

impl WatchRegistry {
    /// True while any key is watched (commits skip the bookkeeping otherwise).
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire) > 0
    }

    /// Starts watching (db, key); returns its current version and db epoch.
    pub fn watch(&self, db: usize, key: &[u8], live: bool) -> Watched {
        let mut keys = self.keys.lock();
        let entry = keys.entry((db, key.to_vec())).or_default();
        entry.watchers += 1;
        let version = entry.version;
        self.active.store(keys.len(), Ordering::Release);
        Watched { db, key: key.to_vec(), version, epoch: self.epoch(db), live }
    }

    /// Stops one watcher of each of `watched`.
    pub fn unwatch(&self, watched: &[Watched]) {
        if watched.is_empty() {
            return;
        }
        let mut keys = self.keys.lock();
        for w in watched {
            let id = (w.db, w.key.clone());
            if let Some(entry) = keys.get_mut(&id) {
                entry.watchers = entry.watchers.saturating_sub(1);
                if entry.watchers == 0 {
                    keys.remove(&id);
                }
            }
        }
        self.active.store(keys.len(), Ordering::Release);
    }

    fn epoch(&self, db: usize) -> u64 {
        self.epochs.get(db).map(|e| e.load(Ordering::Acquire)).unwrap_or(0)
    }

    /// Records a commit: bumps the watched keys among `touched` and the epochs of `flushed`.
    pub fn touch(&self, touched: &[(usize, Vec<u8>)], flushed: &[usize]) {
        for &db in flushed {
            if let Some(e) = self.epochs.get(db) {
                e.fetch_add(1, Ordering::AcqRel);
            }
        }
        if touched.is_empty() || !self.is_active() {
            return;
        }
        let mut keys = self.keys.lock();
        for (db, key) in touched {
            // Look up by a borrowed pair without allocating when nobody watches it.
            if let Some(entry) = keys.get_mut(&(*db, key.clone())) {
                entry.version += 1;
            }
        }
    }

    /// True when `w` still holds: the key was not written since WATCH, and its database
    /// was not flushed or swapped since then while the key existed (`live_now`: whether
    /// it exists now). Expiry since WATCH is the caller's check (`w.live && !live_now`).
    pub fn unchanged(&self, w: &Watched, live_now: bool) -> bool {
        let version = self.keys.lock().get(&(w.db, w.key.clone())).map(|e| e.version).unwrap_or(u64::MAX);
        if version != w.version {
            return false;
        }
        if self.epoch(w.db) != w.epoch && (w.live || live_now) {
            return false;
        }
        !w.live || live_now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_epochs_and_cleanup() {
        let reg = WatchRegistry::default();
        assert!(!reg.is_active());
        let a = reg.watch(0, b"a", true);
        let b = reg.watch(0, b"b", false);
        assert!(reg.is_active());
        assert!(reg.unchanged(&a, true) && reg.unchanged(&b, false));
        // An unwatched key, another db's key: no effect.
        reg.touch(&[(0, b"c".to_vec()), (1, b"a".to_vec())], &[]);
        assert!(reg.unchanged(&a, true));
        reg.touch(&[(0, b"a".to_vec())], &[]);
        assert!(!reg.unchanged(&a, true));
        // Expired since WATCH.
        assert!(!reg.unchanged(&b, false) || !b.live);
        let a2 = reg.watch(0, b"a", true);
        assert!(!reg.unchanged(&a2, false), "expired since WATCH");
        // A flush of the db counts only for keys that existed.
        reg.touch(&[], &[0]);
        assert!(reg.unchanged(&b, false));
        assert!(!reg.unchanged(&a2, true));
        reg.unwatch(&[a, b, a2]);
        assert!(!reg.is_active());
        assert!(reg.keys.lock().is_empty());
    }
}
