//! Secondary indexes on regular columns (`CREATE INDEX ON t (v)`): each write of an
//! indexed value adds an entry `[INDEX][table id][index name][value][token][partition
//! key][ROWS][clustering]` in the same transaction. Entries are never rewritten on
//! overwrite or deletion; a lookup reads the row each entry names and keeps it only when
//! the row still holds the value (Cassandra also resolves stale entries on read), so an
//! index can never answer a row that does not match.

use super::cells::{partition_prefix, ROWS};
use super::keys::{
    clustering_key, push_escaped, push_ordered, read_clustering, token_bytes, token_from_bytes, KeyReader,
};
use super::read::{Page, Position, Slice};
use super::space::INDEX;
use super::store::{clustering_columns, partition_of, Store};
use super::value::{cql_cmp, CqlValue};
use crate::error::{CqlError, CqlResult};
use crate::schema::{ClusteringOrder, ColumnKind, IndexDef, TableDef};
use orbit_storage::engine::KeyRange;
use orbit_storage::Transaction;
use std::cmp::Ordering;
use std::ops::Bound;

fn entries_prefix(table: &TableDef, index: &IndexDef, value: &CqlValue) -> CqlResult<Vec<u8>> {
    let def =
        table.column(&index.column).ok_or_else(|| CqlError::server(format!("index {} names no column", index.name)))?;
    let mut key = vec![INDEX];
    key.extend_from_slice(&table.id);
    push_escaped(&mut key, index.name.as_bytes());
    push_ordered(&mut key, &def.ty, value, ClusteringOrder::Asc)?;
    Ok(key)
}

impl Store {
    /// Adds the entries of `value` written to `column` of the row at `row_key` (the
    /// row's key prefix) for every index on that column.
    pub(super) async fn index_value(
        &self,
        tx: &mut dyn Transaction,
        table: &TableDef,
        column: &str,
        value: &CqlValue,
        row_key: &[u8],
    ) -> CqlResult<()> {
        for index in table.indexes.iter().filter(|i| i.column == column) {
            let mut key = entries_prefix(table, index, value)?;
            key.extend_from_slice(row_key.get(17..).unwrap_or(&[]));
            tx.kv_put(&self.handle, &key, Vec::new()).await?;
        }
        Ok(())
    }

    /// Removes the entries of a dropped index.
    pub async fn purge_index(&self, table: &TableDef, name: &str) -> CqlResult<u64> {
        let mut prefix = vec![INDEX];
        prefix.extend_from_slice(&table.id);
        push_escaped(&mut prefix, name.as_bytes());
        self.purge_prefix(&prefix).await
    }

    /// The entries of an index created on a table that already holds rows: every live
    /// row's value of the indexed column, a page of rows per transaction (writes made
    /// once the index exists add their own). Only regular single-cell columns have
    /// entries; other indexes are answered by filtering.
    pub async fn build_index(&self, table: &TableDef, index: &IndexDef, now: i64) -> CqlResult<u64> {
        let Some(def) = table.column(&index.column) else { return Ok(0) };
        if def.kind != ColumnKind::Regular || def.ty.is_multi_cell() {
            return Ok(0);
        }
        let cols = clustering_columns(table);
        let (mut resume, mut built) = (None, 0u64);
        loop {
            let page = self.scan(table, Bound::Unbounded, Bound::Unbounded, 512, resume.as_ref(), now).await?;
            let mut tx = self.storage.begin().await?;
            let result: CqlResult<()> = async {
                for row in &page.rows {
                    let Some(value) = row.value(table, &index.column)? else { continue };
                    let mut row_key = partition_of(table, &row.partition_key)?;
                    row_key.push(ROWS);
                    row_key.extend_from_slice(&clustering_key(&cols, &row.clustering)?);
                    let mut key = entries_prefix(table, index, &value)?;
                    key.extend_from_slice(row_key.get(17..).unwrap_or(&[]));
                    tx.kv_put(&self.handle, &key, Vec::new()).await?;
                    built += 1;
                }
                Ok(())
            }
            .await;
            if let Err(e) = result {
                tx.rollback().await?;
                return Err(e);
            }
            tx.commit().await?;
            match page.next {
                Some(next) => resume = Some(next),
                None => return Ok(built),
            }
        }
    }

    /// Up to `limit` live rows whose `index`ed column equals `value`, in token order,
    /// after `resume` when given.
    pub async fn index_lookup(
        &self,
        table: &TableDef,
        index: &IndexDef,
        value: &CqlValue,
        limit: usize,
        resume: Option<&Position>,
        now: i64,
    ) -> CqlResult<Page> {
        let prefix = entries_prefix(table, index, value)?;
        let mut range = KeyRange::prefix(&prefix);
        if let Some(p) = resume {
            let mut after = prefix.clone();
            after.extend_from_slice(&token_bytes(p.token));
            push_escaped(&mut after, &p.partition_key);
            after.push(ROWS);
            after.extend_from_slice(&p.clustering);
            range.start = Bound::Excluded(after);
        }
        let cols = clustering_columns(table);
        let mut tx = self.storage.begin().await?;
        let mut page = Page::default();
        let result: CqlResult<()> = async {
            'entries: loop {
                let batch = tx.kv_scan(&self.handle, &range, false, 256).await?;
                let Some((last, _)) = batch.last() else { break };
                range.start = Bound::Excluded(last.clone());
                for (key, _) in batch {
                    let rest = key.get(prefix.len()..).unwrap_or(&[]);
                    let mut r = KeyReader::new(rest);
                    let token = token_from_bytes(r.array()?);
                    let partition_key = r.escaped()?;
                    if r.byte()? != ROWS {
                        return Err(CqlError::server("stored index entry is malformed"));
                    }
                    let clustering_bytes = r.rest().to_vec();
                    let clustering = read_clustering(&mut KeyReader::new(&clustering_bytes), &cols)?;
                    let part = self.partition_read(table, partition_prefix(&table.id, token, &partition_key))?;
                    let slice = Slice {
                        start: Bound::Included(clustering.clone()),
                        end: Bound::Included(clustering),
                        reversed: false,
                    };
                    let mut one = Page::default();
                    self.read_rows(tx.as_mut(), &part, &slice, None, 1, now, &mut one).await?;
                    let Some(row) = one.rows.into_iter().next() else { continue };
                    let matches = row
                        .value(table, &index.column)?
                        .is_some_and(|current| cql_cmp(&current, value) == Ordering::Equal);
                    if matches {
                        page.rows.push(row);
                        if page.rows.len() >= limit {
                            page.next = Some(Position { token, partition_key, clustering: clustering_bytes });
                            break 'entries;
                        }
                    }
                }
            }
            Ok(())
        }
        .await;
        tx.rollback().await?;
        result.map(|()| page)
    }
}
