//! CancelRequest: the BackendKeyData a connection announced (process id + secret key)
//! maps to its session's cancel flag; a CancelRequest on a separate short connection
//! that names a live pair sets the flag, and the engine stops the running statement
//! with 57014. Unknown pairs are ignored silently, as PostgreSQL does.

use async_trait::async_trait;
use pgwire::api::cancel::CancelHandler;
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::startup::SecretKey;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

type Key = (i32, Vec<u8>);

/// The live connections' cancel flags, keyed by (process id, secret key bytes).
#[derive(Debug)]
pub struct CancelRegistry {
    flags: Mutex<HashMap<Key, Arc<AtomicBool>>>,
    next_pid: AtomicI32,
    entropy: RandomState,
    counter: AtomicU64,
}

impl Default for CancelRegistry {
    fn default() -> Self {
        CancelRegistry {
            flags: Mutex::default(),
            next_pid: AtomicI32::new(10_000),
            entropy: RandomState::new(),
            counter: AtomicU64::new(0),
        }
    }
}

impl CancelRegistry {
    fn flags(&self) -> MutexGuard<'_, HashMap<Key, Arc<AtomicBool>>> {
        self.flags.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An unpredictable 64-bit number (SipHash over a per-process random key, a counter
    /// and the clock).
    fn random_u64(&self) -> u64 {
        let mut hasher = self.entropy.build_hasher();
        hasher.write_u64(self.counter.fetch_add(1, Ordering::Relaxed));
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
        hasher.write_u128(nanos);
        hasher.finish()
    }

    /// A fresh process id and secret key; `long_key` for protocol 3.2, whose keys are
    /// variable-length (32 bytes here) instead of one int32.
    pub fn new_key(&self, long_key: bool) -> (i32, SecretKey) {
        let pid = self.next_pid.fetch_add(1, Ordering::Relaxed);
        let key = if long_key {
            let bytes: Vec<u8> = (0..4).flat_map(|_| self.random_u64().to_be_bytes()).collect();
            SecretKey::Bytes(bytes.into())
        } else {
            SecretKey::I32(self.random_u64() as i32)
        };
        (pid, key)
    }

    /// Registers a connection's cancel flag until the guard is dropped.
    pub fn register(self: &Arc<Self>, pid: i32, key: &SecretKey, flag: Arc<AtomicBool>) -> CancelGuard {
        let key = (pid, key.to_bytes().to_vec());
        self.flags().insert(key.clone(), flag);
        CancelGuard { registry: Arc::clone(self), key }
    }

    /// Sets the flag of the connection named by `pid` and `key`; false if there is none.
    pub fn cancel(&self, pid: i32, key: &SecretKey) -> bool {
        let flag = self.flags().get(&(pid, key.to_bytes().to_vec())).cloned();
        match flag {
            Some(flag) => {
                flag.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.flags().len()
    }
}

/// Removes a connection's entry from the registry when the connection ends.
#[derive(Debug)]
pub struct CancelGuard {
    registry: Arc<CancelRegistry>,
    key: Key,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        self.registry.flags().remove(&self.key);
    }
}

/// pgwire's CancelHandler over the registry.
#[derive(Debug, Clone)]
pub struct CancelDispatch(pub Arc<CancelRegistry>);

#[async_trait]
impl CancelHandler for CancelDispatch {
    async fn on_cancel_request(&self, request: CancelRequest) {
        let found = self.0.cancel(request.pid, &request.secret_key);
        tracing::debug!(pid = request.pid, found, "cancel request");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_sets_only_the_matching_flag() {
        let registry = Arc::new(CancelRegistry::default());
        let (pid, key) = registry.new_key(false);
        let flag = Arc::new(AtomicBool::new(false));
        let guard = registry.register(pid, &key, flag.clone());
        assert!(!registry.cancel(pid, &SecretKey::I32(0x1234_5678)) || matches!(key, SecretKey::I32(0x1234_5678)));
        assert!(!registry.cancel(pid + 1, &key));
        assert!(!flag.load(Ordering::SeqCst));
        // A 3.0 cancel arrives with the key as four bytes: the same key.
        let as_bytes = SecretKey::Bytes(key.to_bytes());
        assert!(registry.cancel(pid, &as_bytes));
        assert!(flag.load(Ordering::SeqCst));
        drop(guard);
        assert_eq!(registry.len(), 0);
        assert!(!registry.cancel(pid, &key));
    }

    #[test]
    fn keys_differ() {
        let registry = CancelRegistry::default();
        let (a_pid, a) = registry.new_key(true);
        let (b_pid, b) = registry.new_key(true);
        assert_ne!(a_pid, b_pid);
        assert_ne!(a.to_bytes(), b.to_bytes());
        assert_eq!(a.to_bytes().len(), 32);
    }
}
