//! Merging sorted sources into one sorted stream where the newest source wins.
//!
//! Sources are given newest first (active memtable, immutable memtables, level-0
//! tables newest to oldest, then one run per deeper level). For each key the entry of
//! the newest source holding it is produced, tombstones included; the caller decides
//! whether a tombstone hides the key (reads) or is kept or dropped (compaction).

use super::memtable::Entry;
use crate::provider::LeaseResult;

pub(crate) type Source<'a> = Box<dyn Iterator<Item = LeaseResult<Entry>> + 'a>;

pub(crate) struct MergeIter<'a> {
    sources: Vec<Source<'a>>,
    heads: Vec<Option<Entry>>,
    started: bool,
    failed: bool,
}

impl<'a> MergeIter<'a> {
    pub(crate) fn new(sources: Vec<Source<'a>>) -> Self {
        let heads = sources.iter().map(|_| None).collect();
        MergeIter { sources, heads, started: false, failed: false }
    }

    fn refill(&mut self, i: usize) -> LeaseResult<()> {
        self.heads[i] = self.sources[i].next().transpose()?;
        Ok(())
    }

    fn step(&mut self) -> LeaseResult<Option<Entry>> {
        if !self.started {
            self.started = true;
            for i in 0..self.sources.len() {
                self.refill(i)?;
            }
        }
        // The smallest key; among equal keys the first (newest) source.
        let mut best: Option<usize> = None;
        for (i, head) in self.heads.iter().enumerate() {
            if let Some((k, _)) = head {
                if best.is_none_or(|b| self.heads[b].as_ref().is_some_and(|(bk, _)| k < bk)) {
                    best = Some(i);
                }
            }
        }
        let Some(b) = best else { return Ok(None) };
        let winner = self.heads[b].take();
        self.refill(b)?;
        if let Some((key, _)) = &winner {
            for i in 0..self.heads.len() {
                while self.heads[i].as_ref().is_some_and(|(k, _)| k == key) {
                    self.refill(i)?;
                }
            }
        }
        Ok(winner)
    }
}

impl Iterator for MergeIter<'_> {
    type Item = LeaseResult<Entry>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let r = self.step().transpose();
        if matches!(r, Some(Err(_))) {
            self.failed = true;
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(entries: &[(&str, Option<&str>)]) -> Source<'static> {
        let v: Vec<LeaseResult<Entry>> =
            entries.iter().map(|(k, v)| Ok((k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec())))).collect();
        Box::new(v.into_iter())
    }

    #[test]
    fn merge_prefers_the_newest_source_and_keeps_order() {
        let newest = source(&[("b", None), ("d", Some("d2"))]);
        let older = source(&[("a", Some("a1")), ("b", Some("b1")), ("d", Some("d1")), ("e", Some("e1"))]);
        let oldest = source(&[("a", Some("a0")), ("c", Some("c0"))]);
        let got: Vec<Entry> = MergeIter::new(vec![newest, older, oldest]).collect::<LeaseResult<_>>().unwrap();
        let want: Vec<Entry> =
            [("a", Some("a1")), ("b", None), ("c", Some("c0")), ("d", Some("d2")), ("e", Some("e1"))]
                .iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec())))
                .collect();
        assert_eq!(got, want);
    }
}
