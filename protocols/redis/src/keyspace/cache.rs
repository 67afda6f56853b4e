//! A bounded in-memory cache of committed metadata entries (encoded [`super::Meta`],
//! string values included when small), so that a write (which reads the key's old
//! metadata to retire it) and a single-key read skip the storage engine's lookup.
//!
//! Exactness: the cache only ever holds what is committed.
//! - Writers hold the server's write lock; they apply their metadata writes to the cache
//!   after their storage commit succeeded (and drop the keys on a failed commit), and
//!   bump the generation.
//! - A reader that missed fills the cache only if no commit published since it looked
//!   (the generation is unchanged), so a value it read before a commit can never
//!   overwrite that commit's entry.
//! - Only transactions that read the latest committed state use it (writers under the
//!   lock, and single-key commands that make one metadata read); transactions reading a
//!   snapshot go to the snapshot.
//! When full, an arbitrary eighth of the entries is dropped.

use parking_lot::Mutex;
use std::collections::HashMap;

/// Entries kept at most.
const CAPACITY: usize = 1 << 18;
/// Larger encoded entries (long string values) are not cached.
const MAX_ENTRY: usize = 256;

/// A cached entry: its encoded bytes, or `None` when the key has no metadata.
pub type Cached = Option<Vec<u8>>;

#[derive(Default)]
struct Inner {
    entries: HashMap<Vec<u8>, Cached>,
    generation: u64,
}

#[derive(Default)]
pub struct MetaCache {
    inner: Mutex<Inner>,
}

impl MetaCache {
    /// The cached entry under `key` (outer `None`: not cached), with the generation to
    /// pass to [`MetaCache::fill`] after a miss.
    pub fn get(&self, key: &[u8]) -> (Option<Cached>, u64) {
        let inner = self.inner.lock();
        (inner.entries.get(key).cloned(), inner.generation)
    }

    /// Caches what a reader found in storage, unless a commit published since it asked.
    pub fn fill(&self, key: &[u8], value: &Cached, generation: u64) {
        if value.as_ref().is_some_and(|v| !Self::fits(v.len())) {
            return;
        }
        let mut inner = self.inner.lock();
        if inner.generation == generation {
            insert(&mut inner, key.to_vec(), value.clone());
        }
    }

    /// Whether an entry of `len` bytes is cached.
    pub fn fits(len: usize) -> bool {
        len <= MAX_ENTRY
    }

    /// A commit's metadata writes, applied after the commit succeeded; a write given
    /// as `None` (too long to cache) drops the key.
    pub fn publish(&self, writes: HashMap<Vec<u8>, Option<Cached>>) {
        let mut inner = self.inner.lock();
        inner.generation += 1;
        for (key, value) in writes {
            match value {
                Some(value) => insert(&mut inner, key, value),
                None => {
                    inner.entries.remove(&key);
                }
            }
        }
    }

    /// Forgets `keys` (a commit whose outcome is unknown, or entries removed by the
    /// background task).
    pub fn forget<'k>(&self, keys: impl IntoIterator<Item = &'k Vec<u8>>) {
        let mut inner = self.inner.lock();
        inner.generation += 1;
        for key in keys {
            inner.entries.remove(key);
        }
    }
}

fn insert(inner: &mut Inner, key: Vec<u8>, value: Cached) {
    if inner.entries.len() >= CAPACITY && !inner.entries.contains_key(&key) {
        let victims: Vec<Vec<u8>> = inner.entries.keys().take(CAPACITY / 8).cloned().collect();
        for victim in victims {
            inner.entries.remove(&victim);
        }
    }
    inner.entries.insert(key, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fill_after_a_commit_is_refused() {
        let cache = MetaCache::default();
        let (hit, generation) = cache.get(b"k");
        assert!(hit.is_none());
        // A commit publishes while the reader reads storage.
        cache.publish(HashMap::from([(b"k".to_vec(), Some(Some(b"new".to_vec())))]));
        cache.fill(b"k", &Some(b"old".to_vec()), generation);
        assert_eq!(cache.get(b"k").0, Some(Some(b"new".to_vec())));
        let (_, generation) = cache.get(b"absent");
        cache.fill(b"absent", &None, generation);
        assert_eq!(cache.get(b"absent").0, Some(None));
        cache.forget([&b"k".to_vec()]);
        assert!(cache.get(b"k").0.is_none());
    }

    #[test]
    fn bounded_and_long_values_skipped() {
        let cache = MetaCache::default();
        for i in 0..(CAPACITY + 10) {
            let (_, g) = cache.get(b"");
            cache.fill(&i.to_be_bytes(), &None, g);
        }
        assert!(cache.inner.lock().entries.len() <= CAPACITY);
        let (_, g) = cache.get(b"long");
        cache.fill(b"long", &Some(vec![0; MAX_ENTRY + 1]), g);
        assert!(cache.get(b"long").0.is_none());
    }
}
