//! Result rows as the wire sends them: the selected columns' specs and native-encoded
//! cells of a page, and the paging state (where the page stopped and how many rows a
//! LIMIT still allows) that the client sends back to resume exactly there.

use crate::engine::{ColumnSpec, Rows};
use crate::error::{CqlError, CqlResult};
use crate::model::codec::{Reader, Writer};
use crate::model::{Page, Position, RowData};
use crate::schema::{ColumnDef, ColumnKind, TableDef};
use bytes::Bytes;

pub fn column_spec(table: &TableDef, column: &ColumnDef) -> ColumnSpec {
    ColumnSpec {
        keyspace: table.keyspace.clone(),
        table: table.name.clone(),
        name: column.name.clone(),
        ty: column.ty.clone(),
    }
}

/// One cell of `row` for `column`, native-encoded; `None` for null.
pub fn cell(row: &RowData, column: &ColumnDef) -> CqlResult<Option<Bytes>> {
    let value = match column.kind {
        ColumnKind::PartitionKey => row.partition_key.get(column.position as usize).map(|v| v.to_native()),
        ColumnKind::Clustering => row.clustering.get(column.position as usize).map(|v| v.to_native()),
        ColumnKind::Regular | ColumnKind::Static => {
            row.columns.get(&column.name).map(|c| c.to_native(&column.ty)).transpose()?
        }
    };
    Ok(value.map(Bytes::from))
}

/// The wire rows of `page` for `columns`.
pub fn rows(table: &TableDef, columns: &[&ColumnDef], page: &Page, paging_state: Option<Bytes>) -> CqlResult<Rows> {
    let mut out = Vec::with_capacity(page.rows.len());
    for row in &page.rows {
        out.push(columns.iter().map(|c| cell(row, c)).collect::<CqlResult<Vec<_>>>()?);
    }
    Ok(Rows { columns: columns.iter().map(|c| column_spec(table, c)).collect(), rows: out, paging_state })
}

/// What the paging state carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingState {
    pub position: Position,
    /// Rows a LIMIT still allows after this page (`u64::MAX` without a LIMIT).
    pub remaining: u64,
    /// Rows already returned from the position's partition (PER PARTITION LIMIT).
    pub partition_rows: u64,
}

impl PagingState {
    pub fn to_bytes(&self) -> Bytes {
        let mut w = Writer::new();
        w.bytes(&self.position.to_bytes());
        w.uvar(self.remaining);
        w.uvar(self.partition_rows);
        Bytes::from(w.finish())
    }

    pub fn from_bytes(b: &[u8]) -> CqlResult<PagingState> {
        let bad = |_| CqlError::protocol("Invalid value for the paging state");
        let mut r = Reader::new(b, "paging state");
        let position = Position::from_bytes(r.bytes().map_err(bad)?)?;
        let remaining = r.uvar().map_err(bad)?;
        let partition_rows = r.uvar().map_err(bad)?;
        if !r.is_empty() {
            return Err(CqlError::protocol("Invalid value for the paging state"));
        }
        Ok(PagingState { position, remaining, partition_rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_state_round_trips_and_rejects_garbage() {
        let state = PagingState {
            position: Position { token: -7, partition_key: vec![0, 0, 0, 1], clustering: vec![2, 0x80] },
            remaining: 42,
            partition_rows: 3,
        };
        assert_eq!(PagingState::from_bytes(&state.to_bytes()).unwrap(), state);
        assert!(PagingState::from_bytes(&[5, 1, 2]).is_err());
        assert!(PagingState::from_bytes(&[]).is_err());
    }
}
