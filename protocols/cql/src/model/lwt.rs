//! Lightweight transactions (`INSERT ... IF NOT EXISTS`, `UPDATE ... IF`, `DELETE ...
//! IF`): the row a condition names is read and the batch written in one storage
//! transaction, conditional writes serialized among themselves and retried when a plain
//! write of the same cells committed in between. The executor decides the condition;
//! the store hands it the current row (rows, for a conditional BATCH) and answers it
//! with `[applied]`.

use super::read::{Page, RowData, Slice};
use super::store::{partition_of, Store, WriteBatch, CONFLICT_RETRIES};
use super::value::CqlValue;
use crate::error::CqlResult;
use crate::schema::{ColumnKind, TableDef};
use orbit_storage::StorageError;
use std::ops::Bound;

/// The row a condition is about (`clustering` empty for a table without clustering
/// columns, or for conditions on static columns only).
pub struct RowRef<'a> {
    pub table: &'a TableDef,
    pub partition_key: &'a [CqlValue],
    pub clustering: &'a [CqlValue],
}

impl Store {
    /// Writes `batch` when `check` accepts the current row (`None`: no live row) and
    /// the partition's static cells (given when the row is missing); answers whether it
    /// did, the row the condition saw and those static cells.
    pub async fn write_if(
        &self,
        batch: &WriteBatch,
        target: RowRef<'_>,
        check: impl Fn(Option<&RowData>, Option<&RowData>) -> CqlResult<bool> + Send + Sync,
    ) -> CqlResult<(bool, Option<RowData>, Option<RowData>)> {
        let targets = [target.clustering.to_vec()];
        let (applied, mut rows, statics) = self
            .write_if_rows(batch, target.table, target.partition_key, &targets, |rows, statics| {
                check(rows.first().and_then(Option::as_ref), statics)
            })
            .await?;
        Ok((applied, rows.pop().flatten(), statics))
    }

    /// A conditional BATCH: reads the row at each of `targets` (clustering values; empty
    /// for the static row) of one partition and writes `batch` when `check` accepts
    /// them, all in one transaction; answers whether it did and the rows it saw. When a
    /// named row is missing, the partition's static cells are read as well (as a row of
    /// static columns only): a condition on a static column compares with them, as
    /// Cassandra's does.
    pub async fn write_if_rows(
        &self,
        batch: &WriteBatch,
        table: &TableDef,
        partition_key: &[CqlValue],
        targets: &[Vec<CqlValue>],
        check: impl Fn(&[Option<RowData>], Option<&RowData>) -> CqlResult<bool> + Send + Sync,
    ) -> CqlResult<(bool, Vec<Option<RowData>>, Option<RowData>)> {
        let _serial = self.lwt.lock().await;
        let prefix = partition_of(table, partition_key)?;
        let mut attempt = 0;
        loop {
            let mut tx = self.storage.begin().await?;
            let mut current = Vec::with_capacity(targets.len());
            for clustering in targets {
                let slice = if clustering.is_empty() {
                    Slice::all()
                } else {
                    Slice {
                        start: Bound::Included(clustering.clone()),
                        end: Bound::Included(clustering.clone()),
                        reversed: false,
                    }
                };
                let part = self.partition_read(table, prefix.clone())?;
                let mut page = Page::default();
                self.read_rows(tx.as_mut(), &part, &slice, None, 1, batch.now, &mut page).await?;
                current.push(page.rows.into_iter().next());
            }
            let missing = targets.iter().zip(&current).any(|(c, row)| !c.is_empty() && row.is_none());
            let statics = if missing && table.columns.iter().any(|c| c.kind == ColumnKind::Static) {
                let part = self.partition_read(table, prefix.clone())?;
                let mut page = Page::default();
                self.read_rows(tx.as_mut(), &part, &Slice::all(), None, 1, batch.now, &mut page).await?;
                page.rows.into_iter().next().and_then(|mut row| {
                    row.columns.retain(|name, _| table.column(name).is_some_and(|c| c.kind == ColumnKind::Static));
                    row.clustering.clear();
                    (!row.columns.is_empty()).then_some(row)
                })
            } else {
                None
            };
            let applies = match check(&current, statics.as_ref()) {
                Ok(a) => a,
                Err(e) => {
                    tx.rollback().await?;
                    return Err(e);
                }
            };
            if !applies {
                tx.rollback().await?;
                return Ok((false, current, statics));
            }
            for m in &batch.mutations {
                if let Err(e) = self.apply(tx.as_mut(), m, batch.now).await {
                    tx.rollback().await?;
                    return Err(e);
                }
            }
            match tx.commit().await {
                Ok(()) => return Ok((true, current, statics)),
                Err(StorageError::Conflict) if attempt < CONFLICT_RETRIES => attempt += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }
}
