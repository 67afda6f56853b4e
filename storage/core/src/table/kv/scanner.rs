//! Merges a transaction's own writes into an ordered scan of its snapshot.
//!
//! The snapshot is read in pages whose size grows as the caller keeps pulling, so a
//! `LIMIT 1` reads one entry while a full scan reads in large pages; a first page as
//! large as the caller's hint (up to 16 Ki entries) covers a paged scan in one read. A
//! pending write (put or tombstone) shadows the snapshot entry with the same key.

use crate::engine::{KeyRange, KvPair, KvSnapshot};
use crate::error::StorageResult;
use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;

const MAX_PAGE: usize = 1024;
/// A first page may be larger than `MAX_PAGE` when the caller says it needs that many (a
/// paged scan's page plus its look-ahead row should cost one engine read, not two).
const MAX_FIRST_PAGE: usize = 16 * 1024;

pub(crate) struct MergedScanner<'a> {
    snapshot: &'a dyn KvSnapshot,
    remaining: KeyRange,
    reverse: bool,
    page: usize,
    buffer: VecDeque<KvPair>,
    snapshot_done: bool,
    local: VecDeque<(&'a Vec<u8>, &'a Option<Vec<u8>>)>,
}

impl<'a> MergedScanner<'a> {
    /// `first_page` is how many entries the caller expects to need (a hint).
    pub fn new(
        snapshot: &'a dyn KvSnapshot,
        writes: &'a BTreeMap<Vec<u8>, Option<Vec<u8>>>,
        range: KeyRange,
        reverse: bool,
        first_page: usize,
    ) -> Self {
        let local: VecDeque<_> = if range.is_empty() {
            VecDeque::new()
        } else {
            let iter = writes.range::<Vec<u8>, _>((range.start.as_ref(), range.end.as_ref()));
            if reverse {
                iter.rev().collect()
            } else {
                iter.collect()
            }
        };
        MergedScanner {
            snapshot,
            snapshot_done: range.is_empty(),
            remaining: range,
            reverse,
            page: first_page.clamp(1, MAX_FIRST_PAGE),
            buffer: VecDeque::new(),
            local,
        }
    }

    async fn refill(&mut self) -> StorageResult<()> {
        let page = self.snapshot.scan(&self.remaining, self.reverse, self.page).await?;
        if page.len() < self.page {
            self.snapshot_done = true;
        }
        if let Some((last, _)) = page.last() {
            if self.reverse {
                self.remaining.end = Bound::Excluded(last.clone());
            } else {
                self.remaining.start = Bound::Excluded(last.clone());
            }
        }
        self.page = (self.page * 4).min(MAX_PAGE.max(self.page));
        self.buffer.extend(page);
        Ok(())
    }

    /// The next visible (key, value) in scan order.
    pub async fn next(&mut self) -> StorageResult<Option<KvPair>> {
        loop {
            if self.buffer.is_empty() && !self.snapshot_done {
                self.refill().await?;
            }
            let take_local = match (self.buffer.front(), self.local.front()) {
                (None, None) => return Ok(None),
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some((stored, _)), Some((pending, _))) => {
                    if self.reverse {
                        *pending >= stored
                    } else {
                        *pending <= stored
                    }
                }
            };
            if !take_local {
                return Ok(self.buffer.pop_front());
            }
            let Some((key, value)) = self.local.pop_front() else { return Ok(None) };
            if self.buffer.front().is_some_and(|(stored, _)| stored == key) {
                self.buffer.pop_front();
            }
            if let Some(value) = value {
                return Ok(Some((key.clone(), value.clone())));
            }
        }
    }
}
