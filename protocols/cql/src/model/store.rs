//! The cell store: Cassandra's write semantics over the raw key-value path of the CQL
//! storage ([`super::cells`] says where each piece lives). One [`WriteBatch`] — a
//! statement or a BATCH — is one storage transaction. Reads are in [`super::read`].
//!
//! Writes reconcile at write time: a cell replaces the stored one only when it wins
//! (last write wins by timestamp, Cassandra's tie rules), so one key holds one version.
//! Deletions (partition, row, range, collection) are stored as timestamps and applied on
//! read to every cell written at or before them; a row or collection deletion also
//! removes the cells it shadows at once. Expiry is checked on read against "now".

use super::cells::{
    column_key, decode_deletion, encode_deletion, partition_prefix, table_prefix, Cell, Expiry, PARTITION_DELETION,
    RANGE_TOMBSTONE, ROWS, ROW_CELL, ROW_DELETION, ROW_MARKER, STATIC,
};
use super::keys::{clustering_key, push_escaped, push_ordered, serialize_partition_key, token_of};
use super::value::CqlValue;
use crate::error::{CqlError, CqlResult};
use crate::schema::{ClusteringOrder, ColumnDef, ColumnKind, TableDef};
use crate::types::CqlType;
use orbit_storage::engine::{prefix_end, KeyRange};
use orbit_storage::{StorageError, TableHandle, TableStorage, Transaction};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What one column of a write does.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnOp {
    /// `c = v` (for a non-frozen collection: replaces every element).
    Set(CqlValue),
    /// `c = null` or `DELETE c`.
    Delete,
    /// `s = s + {..}` for sets.
    AddElements(Vec<CqlValue>),
    /// `m = m + {k: v}` or `m[k] = v`.
    PutEntries(Vec<(CqlValue, CqlValue)>),
    /// `s = s - {..}`, `m = m - {k}`, `DELETE m[k]`.
    RemoveKeys(Vec<CqlValue>),
    /// `l = l + [..]`.
    Append(Vec<CqlValue>),
    /// `l = [..] + l`.
    Prepend(Vec<CqlValue>),
    /// `l[i] = v`, or `DELETE l[i]` with `None`.
    SetIndex(usize, Option<CqlValue>),
    /// `l = l - [..]`: removes every element equal to one of these.
    RemoveValues(Vec<CqlValue>),
    /// `c = c + n` on a counter.
    CounterAdd(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnWrite {
    pub column: String,
    pub op: ColumnOp,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MutationOp {
    /// INSERT (`marker`: the row exists even with no other cell) or UPDATE of the row at
    /// `clustering` (empty for a table without clustering columns); static columns among
    /// `columns` go to the partition's static row.
    Write { clustering: Vec<CqlValue>, marker: bool, columns: Vec<ColumnWrite> },
    /// DELETE of a whole row (a full clustering key).
    DeleteRow { clustering: Vec<CqlValue> },
    /// DELETE of a clustering prefix or slice, bounds in clustering order.
    DeleteRange { start: Bound<Vec<CqlValue>>, end: Bound<Vec<CqlValue>> },
    /// DELETE of the partition.
    DeletePartition,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    pub table: Arc<TableDef>,
    pub partition_key: Vec<CqlValue>,
    /// Write timestamp, microseconds since the epoch.
    pub timestamp: i64,
    /// `USING TTL` in seconds; `None` takes the table's default; `Some(0)` none.
    pub ttl: Option<u32>,
    pub op: MutationOp,
}

/// The mutations of one statement or one BATCH, applied atomically.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WriteBatch {
    pub mutations: Vec<Mutation>,
    /// "Now" in seconds since the epoch, for TTLs.
    pub now: i64,
}

/// The table's clustering columns with their order, in position order.
pub(crate) fn clustering_columns(table: &TableDef) -> Vec<(&CqlType, ClusteringOrder)> {
    let mut cols: Vec<&ColumnDef> = table.clustering().collect();
    cols.sort_by_key(|c| c.position);
    cols.into_iter().map(|c| (&c.ty, c.order)).collect()
}

pub(crate) fn partition_key_types(table: &TableDef) -> Vec<&CqlType> {
    let mut cols: Vec<&ColumnDef> = table.partition_key().collect();
    cols.sort_by_key(|c| c.position);
    cols.into_iter().map(|c| &c.ty).collect()
}

/// The partition prefix of `values` in `table`.
pub(crate) fn partition_of(table: &TableDef, values: &[CqlValue]) -> CqlResult<Vec<u8>> {
    let types = partition_key_types(table);
    if types.len() != values.len() {
        return Err(CqlError::invalid("Missing mandatory PRIMARY KEY part"));
    }
    for (ty, v) in types.iter().zip(values) {
        if !v.is_of(ty) {
            return Err(CqlError::invalid(format!("Invalid value for partition key of type {ty}")));
        }
    }
    let serialized = serialize_partition_key(values)?;
    Ok(partition_prefix(&table.id, token_of(&serialized), &serialized))
}

/// A clustering slice bound as clustering-key bytes: `(lower inclusive, upper exclusive)`.
pub(crate) fn slice_bytes(
    table: &TableDef,
    start: &Bound<Vec<CqlValue>>,
    end: &Bound<Vec<CqlValue>>,
) -> CqlResult<(Vec<u8>, Option<Vec<u8>>)> {
    let cols = clustering_columns(table);
    let lower = match start {
        Bound::Unbounded => Vec::new(),
        Bound::Included(p) => clustering_key(&cols, p)?,
        Bound::Excluded(p) => match prefix_end(&clustering_key(&cols, p)?) {
            Some(e) => e,
            None => vec![0xff; 1],
        },
    };
    let upper = match end {
        Bound::Unbounded => None,
        Bound::Included(p) => prefix_end(&clustering_key(&cols, p)?),
        Bound::Excluded(p) => Some(clustering_key(&cols, p)?),
    };
    Ok((lower, upper))
}

static LIST_SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A list element key: appends sort by (timestamp, sequence), prepends before them.
fn list_key(time: i64, seq: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&((time as u64) ^ (1 << 63)).to_be_bytes());
    k[8..].copy_from_slice(&seq.to_be_bytes());
    k
}

/// Cassandra's cell storage over one orbit-storage table.
pub struct Store {
    pub(crate) storage: Arc<dyn TableStorage>,
    pub(crate) handle: TableHandle,
    /// Serializes conditional writes (lightweight transactions) among themselves.
    pub(crate) lwt: tokio::sync::Mutex<()>,
}

pub(super) const CONFLICT_RETRIES: usize = 64;
/// Entries one partition deletion removes in its own transaction.
const PURGE_BUDGET: usize = 10_000;

impl Store {
    pub fn new(storage: Arc<dyn TableStorage>, handle: TableHandle) -> Store {
        Store { storage, handle, lwt: tokio::sync::Mutex::new(()) }
    }

    /// Applies every mutation of `batch` in one storage transaction (retried when a
    /// concurrent writer touched the same cells).
    pub async fn write(&self, batch: &WriteBatch) -> CqlResult<()> {
        let mut attempt = 0;
        loop {
            let mut tx = self.storage.begin().await?;
            let mut result = Ok(());
            for m in &batch.mutations {
                result = self.apply(tx.as_mut(), m, batch.now).await;
                if result.is_err() {
                    break;
                }
            }
            if let Err(e) = result {
                tx.rollback().await?;
                return Err(e);
            }
            match tx.commit().await {
                Ok(()) => return Ok(()),
                Err(StorageError::Conflict) if attempt < CONFLICT_RETRIES => attempt += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Removes every cell and index entry of a dropped or truncated table, a page per
    /// transaction.
    pub async fn purge_table(&self, table_id: &[u8; 16]) -> CqlResult<u64> {
        let mut index_prefix = vec![super::space::INDEX];
        index_prefix.extend_from_slice(table_id);
        let mut removed = self.purge_prefix(&table_prefix(table_id)).await?;
        removed += self.purge_prefix(&index_prefix).await?;
        Ok(removed)
    }

    pub(super) async fn purge_prefix(&self, prefix: &[u8]) -> CqlResult<u64> {
        Ok(orbit_storage::purge_kv_prefix(self.storage.as_ref(), &self.handle, prefix, 1024).await?)
    }

    pub(super) async fn apply(&self, tx: &mut dyn Transaction, m: &Mutation, now: i64) -> CqlResult<()> {
        let table = m.table.as_ref();
        let partition = partition_of(table, &m.partition_key)?;
        let ttl = m.ttl.unwrap_or(table.default_ttl);
        let expiry = (ttl > 0).then(|| Expiry { at: now.saturating_add(i64::from(ttl)), ttl });
        match &m.op {
            MutationOp::DeletePartition => {
                let mut key = partition.clone();
                key.push(PARTITION_DELETION);
                self.put_deletion(tx, &key, m.timestamp).await?;
                self.remove_partition_entries(tx, &partition, m.timestamp).await
            }
            MutationOp::DeleteRange { start, end } => {
                let (lower, upper) = slice_bytes(table, start, end)?;
                let mut key = partition;
                key.push(RANGE_TOMBSTONE);
                push_escaped(&mut key, &lower);
                match &upper {
                    Some(u) => {
                        key.push(1);
                        push_escaped(&mut key, u);
                    }
                    None => key.push(0),
                }
                self.put_deletion(tx, &key, m.timestamp).await
            }
            MutationOp::DeleteRow { clustering } => {
                let row = self.row_prefix(table, partition, clustering, true)?;
                let mut key = row.clone();
                key.push(ROW_DELETION);
                self.put_deletion(tx, &key, m.timestamp).await?;
                self.remove_shadowed(tx, &row, m.timestamp).await
            }
            MutationOp::Write { clustering, marker, columns } => {
                let has_regular =
                    columns.iter().any(|c| table.column(&c.column).is_some_and(|d| d.kind == ColumnKind::Regular));
                let row = if has_regular || *marker {
                    Some(self.row_prefix(table, partition.clone(), clustering, true)?)
                } else {
                    None
                };
                if *marker {
                    if let Some(row) = &row {
                        let mut key = row.clone();
                        key.push(ROW_MARKER);
                        self.put_cell(tx, &key, Cell::live(m.timestamp, expiry, Vec::new())).await?;
                    }
                }
                let mut statics = partition;
                statics.push(STATIC);
                for write in columns {
                    let def = table
                        .column(&write.column)
                        .ok_or_else(|| CqlError::invalid(format!("Undefined column name {}", write.column)))?;
                    let prefix = match (def.kind, &row) {
                        (ColumnKind::Static, _) => statics.clone(),
                        (ColumnKind::Regular, Some(row)) => {
                            let mut p = row.clone();
                            p.push(ROW_CELL);
                            p
                        }
                        _ => {
                            return Err(CqlError::invalid(format!(
                                "PRIMARY KEY part {} found in SET part",
                                write.column
                            )))
                        }
                    };
                    let key = column_key(&prefix, &def.name);
                    self.write_column(tx, def, &key, &write.op, m.timestamp, expiry, now).await?;
                    if let (ColumnOp::Set(value), Some(row), false) = (&write.op, &row, def.ty.is_multi_cell()) {
                        if def.kind == ColumnKind::Regular {
                            self.index_value(tx, table, &def.name, value, row).await?;
                        }
                    }
                }
                Ok(())
            }
        }
    }

    fn row_prefix(
        &self,
        table: &TableDef,
        partition: Vec<u8>,
        clustering: &[CqlValue],
        full: bool,
    ) -> CqlResult<Vec<u8>> {
        let cols = clustering_columns(table);
        if full && clustering.len() != cols.len() {
            return Err(CqlError::invalid("Missing mandatory PRIMARY KEY part"));
        }
        let mut key = partition;
        key.push(ROWS);
        key.extend_from_slice(&clustering_key(&cols, clustering)?);
        Ok(key)
    }

    /// Stores a deletion timestamp unless a later one is there.
    async fn put_deletion(&self, tx: &mut dyn Transaction, key: &[u8], timestamp: i64) -> CqlResult<()> {
        if let Some(old) = tx.kv_get(&self.handle, key).await? {
            if decode_deletion(&old)? >= timestamp {
                return Ok(());
            }
        }
        tx.kv_put(&self.handle, key, encode_deletion(timestamp)).await?;
        Ok(())
    }

    /// Stores `cell` unless the stored cell wins over it.
    async fn put_cell(&self, tx: &mut dyn Transaction, key: &[u8], cell: Cell) -> CqlResult<()> {
        if let Some(old) = tx.kv_get(&self.handle, key).await? {
            if Cell::decode(&old)?.wins_over(&cell) {
                return Ok(());
            }
        }
        tx.kv_put(&self.handle, key, cell.encode()).await?;
        Ok(())
    }

    /// Deletes the cells under `prefix` (a row or a collection) written at or before
    /// `timestamp`; deletion entries stay.
    async fn remove_shadowed(&self, tx: &mut dyn Transaction, prefix: &[u8], timestamp: i64) -> CqlResult<()> {
        let mut range = KeyRange::prefix(prefix);
        loop {
            let page = tx.kv_scan(&self.handle, &range, false, 512).await?;
            let Some((last, _)) = page.last() else { return Ok(()) };
            range.start = Bound::Excluded(last.clone());
            for (k, v) in &page {
                // The prefix's own entry (a collection's deletion) and deletion entries
                // (8-byte timestamps; cells are longer) stay.
                if k.as_slice() == prefix || v.len() == 8 {
                    continue;
                }
                if Cell::decode(v)?.timestamp <= timestamp {
                    tx.kv_delete(&self.handle, k).await?;
                }
            }
        }
    }

    /// Deletes (up to [`PURGE_BUDGET`] of) the partition's cells and deletions written at
    /// or before a partition deletion at `timestamp`; what the budget leaves stays
    /// shadowed on read.
    async fn remove_partition_entries(
        &self,
        tx: &mut dyn Transaction,
        partition: &[u8],
        timestamp: i64,
    ) -> CqlResult<()> {
        let mut start = partition.to_vec();
        start.push(STATIC);
        let mut range = KeyRange::prefix(partition);
        range.start = Bound::Included(start);
        let mut budget = PURGE_BUDGET;
        while budget > 0 {
            let page = tx.kv_scan(&self.handle, &range, false, budget.min(512)).await?;
            let Some((last, _)) = page.last() else { break };
            range.start = Bound::Excluded(last.clone());
            budget = budget.saturating_sub(page.len());
            for (k, v) in &page {
                let written = if v.len() == 8 { decode_deletion(v)? } else { Cell::decode(v)?.timestamp };
                if written <= timestamp {
                    tx.kv_delete(&self.handle, k).await?;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_column(
        &self,
        tx: &mut dyn Transaction,
        def: &ColumnDef,
        key: &[u8],
        op: &ColumnOp,
        ts: i64,
        expiry: Option<Expiry>,
        now: i64,
    ) -> CqlResult<()> {
        let ty = &def.ty;
        let element_key = |k: &CqlValue, elem_ty: &CqlType| -> CqlResult<Vec<u8>> {
            let mut out = key.to_vec();
            push_ordered(&mut out, elem_ty, k, ClusteringOrder::Asc)?;
            Ok(out)
        };
        let wrong = || CqlError::invalid(format!("Invalid operation for column {} of type {ty}", def.name));
        match op {
            ColumnOp::CounterAdd(delta) => {
                if *ty != CqlType::Counter {
                    return Err(CqlError::invalid(format!(
                        "Invalid operation (counter update) for non counter column {}",
                        def.name
                    )));
                }
                let old = match tx.kv_get(&self.handle, key).await? {
                    Some(b) => Cell::decode(&b)?,
                    None => Cell::tombstone(i64::MIN),
                };
                let base = match (&old.value, old.is_live(now)) {
                    (Some(v), true) => <[u8; 8]>::try_from(v.as_slice()).map(i64::from_be_bytes).unwrap_or(0),
                    _ => 0,
                };
                let sum = base.wrapping_add(*delta);
                let cell = Cell::live(old.timestamp.max(ts), None, sum.to_be_bytes().to_vec());
                tx.kv_put(&self.handle, key, cell.encode()).await?;
                Ok(())
            }
            _ if *ty == CqlType::Counter && !matches!(op, ColumnOp::Delete) => Err(CqlError::invalid(format!(
                "Cannot set the value of counter column {} (counters can only be incremented/decremented, not set)",
                def.name
            ))),
            ColumnOp::Delete if ty.is_multi_cell() => {
                self.put_deletion_cell(tx, key, ts).await?;
                self.remove_shadowed(tx, key, ts).await
            }
            ColumnOp::Delete => self.put_cell(tx, key, Cell::tombstone(ts)).await,
            ColumnOp::Set(value) if !ty.is_multi_cell() => {
                if !value.is_of(ty) {
                    return Err(CqlError::invalid(format!("Invalid value for column {} of type {ty}", def.name)));
                }
                self.put_cell(tx, key, Cell::live(ts, expiry, value.to_native())).await
            }
            ColumnOp::Set(value) => {
                self.put_deletion_cell(tx, key, ts.saturating_sub(1)).await?;
                self.remove_shadowed(tx, key, ts.saturating_sub(1)).await?;
                match (ty, value) {
                    (CqlType::Set(_), CqlValue::Set(items)) => {
                        Box::pin(self.write_column(
                            tx,
                            def,
                            key,
                            &ColumnOp::AddElements(items.clone()),
                            ts,
                            expiry,
                            now,
                        ))
                        .await
                    }
                    (CqlType::Map(..), CqlValue::Map(entries)) => {
                        Box::pin(self.write_column(
                            tx,
                            def,
                            key,
                            &ColumnOp::PutEntries(entries.clone()),
                            ts,
                            expiry,
                            now,
                        ))
                        .await
                    }
                    (CqlType::List(_), CqlValue::List(items)) => {
                        Box::pin(self.write_column(tx, def, key, &ColumnOp::Append(items.clone()), ts, expiry, now))
                            .await
                    }
                    (_, CqlValue::Empty) => Ok(()),
                    _ => Err(wrong()),
                }
            }
            ColumnOp::AddElements(items) => {
                let CqlType::Set(elem) = ty else { return Err(wrong()) };
                for item in items {
                    self.put_cell(tx, &element_key(item, elem)?, Cell::live(ts, expiry, Vec::new())).await?;
                }
                Ok(())
            }
            ColumnOp::PutEntries(entries) => {
                let CqlType::Map(kt, vt) = ty else { return Err(wrong()) };
                for (k, v) in entries {
                    if !v.is_of(vt) {
                        return Err(wrong());
                    }
                    self.put_cell(tx, &element_key(k, kt)?, Cell::live(ts, expiry, v.to_native())).await?;
                }
                Ok(())
            }
            ColumnOp::RemoveKeys(keys) => {
                let (CqlType::Set(kt) | CqlType::Map(kt, _)) = ty else { return Err(wrong()) };
                for k in keys {
                    self.put_cell(tx, &element_key(k, kt)?, Cell::tombstone(ts)).await?;
                }
                Ok(())
            }
            ColumnOp::Append(items) | ColumnOp::Prepend(items) => {
                let CqlType::List(elem) = ty else { return Err(wrong()) };
                let prepend = matches!(op, ColumnOp::Prepend(_));
                let ordered: Vec<&CqlValue> =
                    if prepend { items.iter().rev().collect() } else { items.iter().collect() };
                for item in ordered {
                    if !item.is_of(elem) {
                        return Err(wrong());
                    }
                    let seq = LIST_SEQUENCE.fetch_add(1, Ordering::Relaxed);
                    let element =
                        if prepend { list_key(ts.saturating_neg(), u64::MAX - seq) } else { list_key(ts, seq) };
                    let mut k = key.to_vec();
                    k.extend_from_slice(&element);
                    self.put_cell(tx, &k, Cell::live(ts, expiry, item.to_native())).await?;
                }
                Ok(())
            }
            ColumnOp::SetIndex(index, value) => {
                let CqlType::List(elem) = ty else { return Err(wrong()) };
                let elements = self.live_list(tx, key, now).await?;
                let Some((element_key, _)) = elements.get(*index) else {
                    return Err(CqlError::invalid(format!(
                        "List index {index} out of bound, list has size {}",
                        elements.len()
                    )));
                };
                let cell = match value {
                    Some(v) if v.is_of(elem) => Cell::live(ts, expiry, v.to_native()),
                    Some(_) => return Err(wrong()),
                    None => Cell::tombstone(ts),
                };
                self.put_cell(tx, element_key, cell).await
            }
            ColumnOp::RemoveValues(values) => {
                if !matches!(ty, CqlType::List(_)) {
                    return Err(wrong());
                }
                let remove: Vec<Vec<u8>> = values.iter().map(CqlValue::to_native).collect();
                for (element_key, value) in self.live_list(tx, key, now).await? {
                    if remove.contains(&value) {
                        self.put_cell(tx, &element_key, Cell::tombstone(ts)).await?;
                    }
                }
                Ok(())
            }
        }
    }

    /// A collection's deletion lives in the bare column key, as a tombstone cell.
    async fn put_deletion_cell(&self, tx: &mut dyn Transaction, key: &[u8], ts: i64) -> CqlResult<()> {
        self.put_cell(tx, key, Cell::tombstone(ts)).await
    }

    /// The live elements of a list column (key, native value), in list order.
    async fn live_list(&self, tx: &mut dyn Transaction, key: &[u8], now: i64) -> CqlResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let deleted = match tx.kv_get(&self.handle, key).await? {
            Some(b) => Cell::decode(&b)?.timestamp,
            None => i64::MIN,
        };
        let mut range = KeyRange::prefix(key);
        range.start = Bound::Excluded(key.to_vec());
        let mut out = Vec::new();
        loop {
            let page = tx.kv_scan(&self.handle, &range, false, 512).await?;
            let Some((last, _)) = page.last() else { return Ok(out) };
            range.start = Bound::Excluded(last.clone());
            for (k, v) in page {
                let cell = Cell::decode(&v)?;
                if cell.is_live(now) && cell.timestamp > deleted {
                    if let Some(value) = cell.value {
                        out.push((k, value));
                    }
                }
            }
        }
    }
}
