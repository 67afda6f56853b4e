//! The read side of the cell store: a partition slice (clustering bounds, forward or
//! reverse, a row limit) and a full-table scan in token order, both resumable from a
//! [`Position`] the executor keeps in its paging state. Rows are merged from their cells
//! with the deletions that shadow them (partition, range, row, collection; a cell written
//! at or before a deletion is dead) and expiry at "now"; a row exists when its marker or
//! one of its regular cells is live.

use super::cells::{
    decode_deletion, partition_prefix_len, table_prefix, Cell, RANGE_TOMBSTONE, ROWS, ROW_CELL, ROW_DELETION,
    ROW_MARKER, STATIC,
};
use super::codec::{Reader, Writer};
use super::keys::{parse_partition_key, read_clustering, read_ordered, token_bytes, token_from_bytes, KeyReader};
use super::store::{clustering_columns, partition_key_types, partition_of, slice_bytes, Store};
use super::value::CqlValue;
use crate::error::{CqlError, CqlResult};
use crate::schema::{ClusteringOrder, ColumnKind, TableDef};
use crate::types::CqlType;
use orbit_storage::engine::{prefix_end, KeyRange};
use orbit_storage::{Transaction, TxnOptions};
use std::collections::BTreeMap;
use std::ops::Bound;

const BATCH: usize = 256;

/// Clustering bounds in clustering order (a DESC column's `c > x` is an end bound).
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub start: Bound<Vec<CqlValue>>,
    pub end: Bound<Vec<CqlValue>>,
    /// Rows in reverse clustering order.
    pub reversed: bool,
}

impl Slice {
    pub fn all() -> Slice {
        Slice { start: Bound::Unbounded, end: Bound::Unbounded, reversed: false }
    }
    fn is_unbounded(&self) -> bool {
        matches!((&self.start, &self.end), (Bound::Unbounded, Bound::Unbounded))
    }
}

/// A column of a row as read: one cell, or the live elements of a non-frozen collection
/// (element key as stored, cell).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    Cell(Cell),
    Elements(Vec<(Vec<u8>, Cell)>),
}

impl ColumnData {
    /// The column's value as a [`CqlValue`] of `ty`.
    pub fn to_value(&self, ty: &CqlType) -> CqlResult<CqlValue> {
        match self {
            ColumnData::Cell(cell) => CqlValue::decode_native(ty, cell.value.as_deref().unwrap_or(&[])),
            ColumnData::Elements(elements) => {
                let element_key = |k: &[u8], t: &CqlType| read_ordered(&mut KeyReader::new(k), t, ClusteringOrder::Asc);
                let value = |c: &Cell, t: &CqlType| CqlValue::decode_native(t, c.value.as_deref().unwrap_or(&[]));
                Ok(match ty.unfrozen() {
                    CqlType::Set(e) => {
                        CqlValue::Set(elements.iter().map(|(k, _)| element_key(k, e)).collect::<CqlResult<_>>()?)
                    }
                    CqlType::Map(kt, vt) => CqlValue::Map(
                        elements
                            .iter()
                            .map(|(k, c)| Ok((element_key(k, kt)?, value(c, vt)?)))
                            .collect::<CqlResult<_>>()?,
                    ),
                    CqlType::List(e) => {
                        CqlValue::List(elements.iter().map(|(_, c)| value(c, e)).collect::<CqlResult<_>>()?)
                    }
                    _ => return Err(CqlError::server(format!("stored elements for a column of type {ty}"))),
                })
            }
        }
    }

    /// The column's value in its native encoding.
    pub fn to_native(&self, ty: &CqlType) -> CqlResult<Vec<u8>> {
        match self {
            ColumnData::Cell(cell) => Ok(cell.value.clone().unwrap_or_default()),
            ColumnData::Elements(_) => Ok(self.to_value(ty)?.to_native()),
        }
    }

    /// The cell of a single-cell column (for WRITETIME and TTL).
    pub fn cell(&self) -> Option<&Cell> {
        match self {
            ColumnData::Cell(c) => Some(c),
            ColumnData::Elements(_) => None,
        }
    }
}

/// One live row. `clustering` is empty for a table without clustering columns and for
/// the static-only row of a partition that has static cells but no rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RowData {
    pub partition_key: Vec<CqlValue>,
    pub clustering: Vec<CqlValue>,
    /// Live regular and static columns by name.
    pub columns: BTreeMap<String, ColumnData>,
}

impl RowData {
    pub fn value(&self, table: &TableDef, column: &str) -> CqlResult<Option<CqlValue>> {
        let Some(def) = table.column(column) else { return Ok(None) };
        match def.kind {
            ColumnKind::PartitionKey => Ok(self.partition_key.get(def.position as usize).cloned()),
            ColumnKind::Clustering => Ok(self.clustering.get(def.position as usize).cloned()),
            _ => self.columns.get(column).map(|c| c.to_value(&def.ty)).transpose(),
        }
    }
}

/// Where a read stopped: the partition (token and serialized key) and the clustering
/// key bytes of the last row returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub token: i64,
    pub partition_key: Vec<u8>,
    pub clustering: Vec<u8>,
}

impl Position {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(1);
        w.raw(&self.token.to_be_bytes());
        w.bytes(&self.partition_key);
        w.bytes(&self.clustering);
        w.finish()
    }

    /// Parses paging-state bytes from a client; anything malformed is a protocol error.
    pub fn from_bytes(b: &[u8]) -> CqlResult<Position> {
        let parse = || -> CqlResult<Position> {
            let mut r = Reader::new(b, "paging state");
            if r.u8()? != 1 {
                return Err(CqlError::server("paging state"));
            }
            let token = i64::from_be_bytes(r.array()?);
            let partition_key = r.bytes()?.to_vec();
            let clustering = r.bytes()?.to_vec();
            if !r.is_empty() {
                return Err(CqlError::server("paging state"));
            }
            Ok(Position { token, partition_key, clustering })
        };
        parse().map_err(|_| CqlError::protocol("Invalid value for the paging state"))
    }

    fn partition(&self, table: &TableDef) -> Vec<u8> {
        super::cells::partition_prefix(&table.id, self.token, &self.partition_key)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub rows: Vec<RowData>,
    /// Set when the page is full: resume from here.
    pub next: Option<Position>,
}

/// One row's entries as scanned: clustering bytes, clustering values and the
/// `(suffix, value)` of each of its keys.
type RowCells = (Vec<u8>, Vec<CqlValue>, Vec<(Vec<u8>, Vec<u8>)>);

/// The entries of one storage read, and whether it reached the end of its range.
type ScanBatch = (Vec<(Vec<u8>, Vec<u8>)>, bool);

/// What shadows the rows of one partition, and its static cells.
#[derive(Default)]
struct Header {
    deletion: i64,
    ranges: Vec<(Vec<u8>, Option<Vec<u8>>, i64)>,
    statics: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Header {
    fn row_deletion(&self, clustering: &[u8]) -> i64 {
        self.ranges
            .iter()
            .filter(|(lower, upper, _)| {
                clustering >= lower.as_slice() && upper.as_ref().is_none_or(|u| clustering < u.as_slice())
            })
            .map(|(_, _, ts)| *ts)
            .fold(self.deletion, i64::max)
    }
}

/// Live columns from `(column escaped · element, value)` entries shadowed by `deletion`.
fn merge_columns(
    table: &TableDef,
    entries: &[(Vec<u8>, Vec<u8>)],
    deletion: i64,
    now: i64,
    into: &mut BTreeMap<String, ColumnData>,
) -> CqlResult<bool> {
    let mut any_live = false;
    let mut collection_deletion: BTreeMap<String, i64> = BTreeMap::new();
    let mut elements: BTreeMap<String, Vec<(Vec<u8>, Cell)>> = BTreeMap::new();
    for (suffix, value) in entries {
        let mut r = KeyReader::new(suffix);
        let name = String::from_utf8(r.escaped()?).map_err(|_| CqlError::server("stored column name"))?;
        let Some(def) = table.column(&name) else { continue };
        let cell = Cell::decode(value)?;
        let element = r.rest();
        if def.ty.is_multi_cell() {
            if element.is_empty() {
                collection_deletion.insert(name, cell.timestamp);
            } else {
                elements.entry(name).or_default().push((element.to_vec(), cell));
            }
        } else if cell.is_live(now) && cell.timestamp > deletion {
            any_live = true;
            into.insert(name, ColumnData::Cell(cell));
        }
    }
    for (name, mut cells) in elements {
        let shadow = collection_deletion.get(&name).copied().unwrap_or(i64::MIN).max(deletion);
        cells.retain(|(_, c)| c.is_live(now) && c.timestamp > shadow);
        if !cells.is_empty() {
            cells.sort_by(|a, b| a.0.cmp(&b.0));
            any_live = true;
            into.insert(name, ColumnData::Elements(cells));
        }
    }
    Ok(any_live)
}

pub(super) struct PartitionRead<'a> {
    table: &'a TableDef,
    prefix: Vec<u8>,
    partition_key: Vec<CqlValue>,
    token: i64,
    serialized_key: Vec<u8>,
}

impl Store {
    async fn read_tx(&self) -> CqlResult<Box<dyn Transaction>> {
        Ok(self.storage.begin_with(TxnOptions { conflict_tracking: false, latest_reads: false }).await?)
    }

    /// Up to `limit` live rows of one partition within `slice`, after `resume` when given.
    pub async fn read_partition(
        &self,
        table: &TableDef,
        partition_key: &[CqlValue],
        slice: &Slice,
        limit: usize,
        resume: Option<&Position>,
        now: i64,
    ) -> CqlResult<Page> {
        let prefix = partition_of(table, partition_key)?;
        let part = self.partition_read(table, prefix)?;
        let after = resume.map(|p| p.clustering.as_slice());
        let mut tx = self.read_tx().await?;
        let mut page = Page::default();
        let result = self.read_rows(tx.as_mut(), &part, slice, after, limit, now, &mut page).await;
        tx.rollback().await?;
        result.map(|()| page)
    }

    /// Up to `limit` live rows of the table in token order, from the partitions whose
    /// token is within the bounds, after `resume` when given.
    pub async fn scan(
        &self,
        table: &TableDef,
        start: Bound<i64>,
        end: Bound<i64>,
        limit: usize,
        resume: Option<&Position>,
        now: i64,
    ) -> CqlResult<Page> {
        let base = table_prefix(&table.id);
        let token_key = |t: i64| {
            let mut k = base.clone();
            k.extend_from_slice(&token_bytes(t));
            k
        };
        let upper = match end {
            Bound::Unbounded => prefix_end(&base).map(Bound::Excluded).unwrap_or(Bound::Unbounded),
            Bound::Included(t) => prefix_end(&token_key(t)).map(Bound::Excluded).unwrap_or(Bound::Unbounded),
            Bound::Excluded(t) => Bound::Excluded(token_key(t)),
        };
        let mut lower = match start {
            Bound::Unbounded => base.clone(),
            Bound::Included(t) => token_key(t),
            Bound::Excluded(t) => prefix_end(&token_key(t)).unwrap_or_else(|| token_key(t)),
        };
        let mut resume_at = None;
        if let Some(pos) = resume {
            let p = pos.partition(table);
            if p > lower {
                lower = p.clone();
            }
            resume_at = Some((p, pos.clustering.clone()));
        }
        let mut tx = self.read_tx().await?;
        let mut page = Page::default();
        let result = async {
            while page.rows.len() < limit {
                let range = KeyRange { start: Bound::Included(lower.clone()), end: upper.clone() };
                let Some((key, _)) = tx.kv_scan(&self.handle, &range, false, 1).await?.into_iter().next() else {
                    break;
                };
                let len = partition_prefix_len(&key)?;
                let prefix = key.get(..len).unwrap_or(&[]).to_vec();
                let part = self.partition_read(table, prefix.clone())?;
                let after = match &resume_at {
                    Some((p, c)) if *p == prefix => Some(c.as_slice()),
                    _ => None,
                };
                let want = limit - page.rows.len();
                self.read_rows(tx.as_mut(), &part, &Slice::all(), after, want, now, &mut page).await?;
                if page.next.is_some() {
                    break;
                }
                match prefix_end(&prefix) {
                    Some(next) => lower = next,
                    None => break,
                }
            }
            Ok::<(), CqlError>(())
        }
        .await;
        tx.rollback().await?;
        result.map(|()| page)
    }

    pub(super) fn partition_read<'a>(&self, table: &'a TableDef, prefix: Vec<u8>) -> CqlResult<PartitionRead<'a>> {
        let token_raw: [u8; 8] = prefix
            .get(17..25)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .ok_or_else(|| CqlError::server("stored key is malformed"))?;
        let mut r = KeyReader::new(prefix.get(25..).unwrap_or(&[]));
        let serialized_key = r.escaped()?;
        let partition_key = parse_partition_key(&partition_key_types(table), &serialized_key)?;
        Ok(PartitionRead { table, prefix, partition_key, token: token_from_bytes(token_raw), serialized_key })
    }

    /// The partition's header (deletions, range tombstones, static cells): the entries
    /// before its rows. With `rows_end`, the scan goes on into the rows up to it, and the
    /// rows the header's last read also returned come back with it (with whether that read
    /// reached `rows_end`), so that a read from the first row needs no second seek.
    async fn header(
        &self,
        tx: &mut dyn Transaction,
        prefix: &[u8],
        rows_end: Option<&Bound<Vec<u8>>>,
    ) -> CqlResult<(Header, Option<ScanBatch>)> {
        let mut rows = prefix.to_vec();
        rows.push(ROWS);
        let end = match rows_end {
            Some(end) => end.clone(),
            None => Bound::Excluded(rows.clone()),
        };
        let mut range = KeyRange { start: Bound::Included(prefix.to_vec()), end };
        let mut header = Header { deletion: i64::MIN, ..Header::default() };
        loop {
            let batch = tx.kv_scan(&self.handle, &range, false, BATCH).await?;
            let exhausted = batch.len() < BATCH;
            let Some((last, _)) = batch.last() else { return Ok((header, rows_end.map(|_| (Vec::new(), true)))) };
            range.start = Bound::Excluded(last.clone());
            let mut entries = batch.into_iter();
            while let Some((k, v)) = entries.next() {
                if k.starts_with(&rows) {
                    let mut pending = vec![(k, v)];
                    pending.extend(entries);
                    return Ok((header, Some((pending, exhausted))));
                }
                let suffix = k.get(prefix.len()..).unwrap_or(&[]);
                match suffix.split_first() {
                    Some((&STATIC, rest)) => header.statics.push((rest.to_vec(), v)),
                    Some((&RANGE_TOMBSTONE, rest)) => {
                        let mut r = KeyReader::new(rest);
                        let lower = r.escaped()?;
                        let upper = if r.byte()? == 1 { Some(r.escaped()?) } else { None };
                        header.ranges.push((lower, upper, decode_deletion(&v)?));
                    }
                    Some((_, _)) => header.deletion = header.deletion.max(decode_deletion(&v)?),
                    None => {}
                }
            }
            if exhausted {
                return Ok((header, rows_end.map(|_| (Vec::new(), true))));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn read_rows(
        &self,
        tx: &mut dyn Transaction,
        part: &PartitionRead<'_>,
        slice: &Slice,
        after: Option<&[u8]>,
        limit: usize,
        now: i64,
        page: &mut Page,
    ) -> CqlResult<()> {
        if limit == 0 {
            return Ok(());
        }
        let table = part.table;

        let mut rows_prefix = part.prefix.clone();
        rows_prefix.push(ROWS);
        let with = |b: &[u8]| {
            let mut k = rows_prefix.clone();
            k.extend_from_slice(b);
            k
        };
        let (lower, upper) = slice_bytes(table, &slice.start, &slice.end)?;
        let mut start = Bound::Included(with(&lower));
        let mut end = match &upper {
            Some(u) => Bound::Excluded(with(u)),
            None => prefix_end(&rows_prefix).map(Bound::Excluded).unwrap_or(Bound::Unbounded),
        };
        if let Some(after) = after {
            if slice.reversed {
                let candidate = with(after);
                if bound_below(&end, &candidate) {
                    end = Bound::Excluded(candidate);
                }
            } else if let Some(candidate) = prefix_end(&with(after)) {
                if bound_above(&start, &candidate) {
                    start = Bound::Included(candidate);
                }
            } else {
                return Ok(());
            }
        }

        // A forward read from the partition's first row continues the header's scan.
        let from_first_row = !slice.reversed && start == Bound::Included(rows_prefix.clone());
        let (header, mut pending) = self.header(tx, &part.prefix, from_first_row.then_some(&end)).await?;
        let mut statics = BTreeMap::new();
        merge_columns(table, &header.statics, header.deletion, now, &mut statics)?;

        let cols = clustering_columns(table);
        let emitted_before = page.rows.len();
        let mut current: Option<RowCells> = None;
        let mut range = KeyRange { start, end };
        'scan: loop {
            let (batch, exhausted) = match pending.take() {
                Some(read) => read,
                None => {
                    let batch = tx.kv_scan(&self.handle, &range, slice.reversed, BATCH).await?;
                    let exhausted = batch.len() < BATCH;
                    (batch, exhausted)
                }
            };
            let Some((last, _)) = batch.last() else { break };
            if slice.reversed {
                range.end = Bound::Excluded(last.clone());
            } else {
                range.start = Bound::Excluded(last.clone());
            }
            for (k, v) in batch {
                let rest = k.get(rows_prefix.len()..).unwrap_or(&[]);
                let mut r = KeyReader::new(rest);
                let clustering = read_clustering(&mut r, &cols)?;
                let split = r.position();
                let clustering_bytes = rest.get(..split).unwrap_or(&[]);
                let suffix = rest.get(split..).unwrap_or(&[]).to_vec();
                if current.as_ref().is_none_or(|(c, _, _)| c.as_slice() != clustering_bytes) {
                    if let Some(done) = current.take() {
                        self.finish_row(part, &header, &statics, done, now, page)?;
                        if page.rows.len() - emitted_before >= limit {
                            break 'scan;
                        }
                    }
                    current = Some((clustering_bytes.to_vec(), clustering, Vec::new()));
                }
                if let Some((_, _, entries)) = current.as_mut() {
                    entries.push((suffix, v));
                }
            }
            if exhausted {
                break;
            }
        }
        if let Some(done) = current.take() {
            if page.rows.len() - emitted_before < limit {
                self.finish_row(part, &header, &statics, done, now, page)?;
            }
        }
        let mut emitted = page.rows.len() - emitted_before;
        if emitted == 0 && after.is_none() && slice.is_unbounded() && !statics.is_empty() {
            page.rows.push(RowData {
                partition_key: part.partition_key.clone(),
                clustering: Vec::new(),
                columns: statics,
            });
            page.next = Some(self.position(part, Vec::new()));
            emitted = 1;
        }
        if emitted < limit {
            page.next = None;
        }
        Ok(())
    }

    fn position(&self, part: &PartitionRead<'_>, clustering: Vec<u8>) -> Position {
        Position { token: part.token, partition_key: part.serialized_key.clone(), clustering }
    }

    fn finish_row(
        &self,
        part: &PartitionRead<'_>,
        header: &Header,
        statics: &BTreeMap<String, ColumnData>,
        (clustering_bytes, clustering, entries): RowCells,
        now: i64,
        page: &mut Page,
    ) -> CqlResult<()> {
        let mut deletion = header.row_deletion(&clustering_bytes);
        let mut marker = None;
        let mut cells = Vec::new();
        for (suffix, value) in entries {
            match suffix.split_first() {
                Some((&ROW_DELETION, _)) => deletion = deletion.max(decode_deletion(&value)?),
                Some((&ROW_MARKER, _)) => marker = Some(Cell::decode(&value)?),
                Some((&ROW_CELL, rest)) => cells.push((rest.to_vec(), value)),
                _ => return Err(CqlError::server("stored key is malformed")),
            }
        }
        let mut columns = statics.clone();
        let marker_live = marker.is_some_and(|m| m.is_live(now) && m.timestamp > deletion);
        let any_cell = merge_columns(part.table, &cells, deletion, now, &mut columns)?;
        if marker_live || any_cell {
            page.rows.push(RowData { partition_key: part.partition_key.clone(), clustering, columns });
            // Kept by `read_rows` only when the page ends with this row.
            page.next = Some(self.position(part, clustering_bytes));
        }
        Ok(())
    }
}

/// `candidate` is a tighter exclusive upper bound than `end`.
fn bound_below(end: &Bound<Vec<u8>>, candidate: &[u8]) -> bool {
    match end {
        Bound::Unbounded => true,
        Bound::Included(e) | Bound::Excluded(e) => candidate < e.as_slice(),
    }
}

/// `candidate` is a tighter inclusive lower bound than `start`.
fn bound_above(start: &Bound<Vec<u8>>, candidate: &[u8]) -> bool {
    match start {
        Bound::Unbounded => true,
        Bound::Included(s) | Bound::Excluded(s) => candidate > s.as_slice(),
    }
}
