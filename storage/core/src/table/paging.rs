//! Resumable scans: a scan read one page at a time, each page ending at a
//! [`ScanPosition`] that the next page continues after.
//!
//! A position is the encoded key of the last row (or index entry) a page returned,
//! relative to the scanned table's keyspace, so it stays valid across transactions and
//! across a change of the table's internal id (a bulk load publishes under a new id). It
//! is plain bytes: a protocol may hand it to its client (CQL's paging state, an ArangoDB
//! cursor) and take it back; a forged position can only move the start of the scan
//! within the scanned range, never outside it.
//!
//! [`ScanCursor`] is the stream a caller keeps: the scan's definition, where it stands,
//! and whether it is done. It holds no transaction, so one cursor can be driven by the
//! transaction of each request (a cursor inside a transaction block, a portal), or by one
//! snapshot kept for the whole scan (COPY TO).

use super::{Row, ScanOptions, Transaction};
use crate::error::StorageResult;

/// Where a paged scan stopped; see the module notes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScanPosition(Vec<u8>);

impl ScanPosition {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        ScanPosition(bytes)
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// One page of a scan: its rows, and the position to continue after when more rows
/// follow (`None` when the scan is exhausted).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScanPage {
    pub rows: Vec<Row>,
    pub next: Option<ScanPosition>,
}

/// What a [`ScanCursor`] walks: the primary key or a named index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanOrder {
    PrimaryKey,
    Index(String),
}

/// A scan in progress; see the module notes.
#[derive(Debug, Clone)]
pub struct ScanCursor {
    table: String,
    order: ScanOrder,
    options: ScanOptions,
    position: Option<ScanPosition>,
    done: bool,
}

impl ScanCursor {
    /// A scan of `table` in `order`; `options.limit` is ignored (pages bound the reads).
    pub fn new(table: impl Into<String>, order: ScanOrder, options: ScanOptions) -> Self {
        ScanCursor { table: table.into(), order, options, position: None, done: false }
    }

    /// The same scan, continuing after `position`.
    pub fn resume(mut self, position: Option<ScanPosition>) -> Self {
        self.position = position;
        self
    }

    /// Where the scan stands: `None` before the first page (or when it ended).
    pub fn position(&self) -> Option<&ScanPosition> {
        self.position.as_ref()
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next up to `max_rows` rows (at least one unless the scan is done), read
    /// through `tx`.
    pub async fn next_page(&mut self, tx: &mut dyn Transaction, max_rows: usize) -> StorageResult<Vec<Row>> {
        if self.done {
            return Ok(Vec::new());
        }
        let after = self.position.as_ref();
        let page = match &self.order {
            ScanOrder::PrimaryKey => tx.scan_page(&self.table, &self.options, after, max_rows).await?,
            ScanOrder::Index(index) => tx.index_scan_page(&self.table, index, &self.options, after, max_rows).await?,
        };
        self.done = page.next.is_none();
        self.position = page.next;
        Ok(page.rows)
    }
}
