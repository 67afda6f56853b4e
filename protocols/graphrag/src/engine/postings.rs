//! BM25 postings of a knowledge graph as its readers need them: read from storage once per
//! term and generation, then answered from [`PostingsCache`] in its [`KgState`] until a
//! change commits a newer generation (the first reader of that generation empties the
//! cache). A reader of an older generation than the cache's reads storage and caches
//! nothing, so a cached list is always the one its reader's transaction would read.

use super::state::KgState;
use super::GraphRag;
use crate::error::{GraphRagError, GraphRagResult};
use crate::store::keys;
use crate::store::records::{decode_posting, KgRecord};
use orbit_storage::Transaction;
use std::collections::HashMap;
use std::sync::Arc;

/// A term's postings: (chunk number, tf, chunk length), by chunk number.
pub type Postings = Arc<Vec<(u64, u32, u64)>>;

/// Most postings one knowledge graph's cache holds (about 24 bytes each); a term that
/// would pass it empties the cache first.
const MAX_CACHED_POSTINGS: usize = 1 << 21;

/// The postings read at one generation, by term.
#[derive(Default)]
pub struct PostingsCache {
    generation: u64,
    terms: HashMap<String, Postings>,
    entries: usize,
}

impl PostingsCache {
    /// Moves the cache to `generation` when that is newer; true when it is then current.
    fn at(&mut self, generation: u64) -> bool {
        if generation > self.generation {
            self.terms.clear();
            self.entries = 0;
            self.generation = generation;
        }
        generation == self.generation
    }

    /// The cached postings of `term` as of `generation`.
    pub fn get(&mut self, generation: u64, term: &str) -> Option<Postings> {
        if !self.at(generation) {
            return None;
        }
        self.terms.get(term).cloned()
    }

    /// Keeps `postings` of `term` read at `generation` (nothing when the cache is newer).
    pub fn put(&mut self, generation: u64, term: &str, postings: Postings) {
        if !self.at(generation) || postings.len() > MAX_CACHED_POSTINGS {
            return;
        }
        if self.entries + postings.len() > MAX_CACHED_POSTINGS {
            self.terms.clear();
            self.entries = 0;
        }
        self.entries += postings.len();
        if let Some(old) = self.terms.insert(term.to_string(), postings) {
            self.entries -= old.len();
        }
    }

    /// How many terms are cached (tests).
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

impl GraphRag {
    /// BM25 postings of `term` in `rec`'s knowledge graph, as `tx` (which read `rec`) sees them.
    pub(crate) async fn postings(
        &self,
        state: &KgState,
        rec: &KgRecord,
        tx: &mut dyn Transaction,
        term: &str,
    ) -> GraphRagResult<Postings> {
        if let Some(cached) = state.postings.lock().get(rec.generation, term) {
            return Ok(cached);
        }
        let mut read = Vec::new();
        for (key, value) in self.store.scan(tx, keys::postings(rec.id, term)).await? {
            let number = keys::number_at_end(&key).ok_or_else(|| GraphRagError::corrupt("posting key"))?;
            let (tf, len) = decode_posting(&value)?;
            read.push((number, tf, len));
        }
        let read = Arc::new(read);
        state.postings.lock().put(rec.generation, term, read.clone());
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(n: usize) -> Postings {
        Arc::new((0..n as u64).map(|i| (i, 1, 10)).collect())
    }

    #[test]
    fn a_newer_generation_empties_the_cache_and_an_older_one_is_not_cached() {
        let mut cache = PostingsCache::default();
        cache.put(3, "born", list(2));
        assert_eq!(cache.get(3, "born").map(|p| p.len()), Some(2));
        assert!(cache.get(2, "born").is_none(), "a reader of an older generation reads storage");
        cache.put(2, "old", list(1));
        assert!(cache.get(3, "old").is_none(), "nothing read at an older generation is kept");
        assert!(cache.get(4, "born").is_none(), "a newer generation finds nothing of the old one");
        assert!(cache.is_empty());
        cache.put(4, "born", list(3));
        assert_eq!(cache.get(4, "born").map(|p| p.len()), Some(3));
    }

    #[test]
    fn the_cache_stays_bounded() {
        let mut cache = PostingsCache::default();
        cache.put(1, "a", list(MAX_CACHED_POSTINGS / 2 + 1));
        cache.put(1, "b", list(MAX_CACHED_POSTINGS / 2 + 1));
        assert!(cache.get(1, "a").is_none(), "the first was dropped to make room");
        assert!(cache.get(1, "b").is_some());
        cache.put(1, "c", list(MAX_CACHED_POSTINGS + 1));
        assert!(cache.get(1, "c").is_none(), "a list larger than the bound is never kept");
        assert_eq!(cache.len(), 1);
    }
}
