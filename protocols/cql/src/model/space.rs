//! The one storage table whose raw keyspace holds everything CQL stores: catalog entries
//! under [`CATALOG`], cells under [`DATA`] followed by the CQL table's 16-byte id,
//! secondary index entries under [`INDEX`] (see [`super::index`]).
//!
//! One storage table for all CQL tables (rather than one per CQL table) keeps DDL a
//! catalog write in one transaction with the schema version, keeps the handle resolved
//! once for the life of the process (a storage-level drop or truncate would make it stale
//! for every writer), and lets one BATCH over several CQL tables be one transaction on one
//! handle. A dropped table's cells are unreachable at once (a re-created table gets a new
//! id) and are purged in pages afterwards.

use crate::error::CqlResult;
use orbit_storage::{ColumnDef, DataType, StorageError, TableDef, TableHandle, TableStorage};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

pub const TABLE: &str = "cql_space";
pub const CATALOG: u8 = 0x00;
pub const DATA: u8 = 0x01;
pub const INDEX: u8 = 0x02;

/// Creates the storage table when missing and resolves its handle.
pub async fn open(storage: &dyn TableStorage) -> CqlResult<TableHandle> {
    if storage.table_schema(TABLE).await?.is_none() {
        let def =
            TableDef::new(TABLE).column(ColumnDef::new("entry", DataType::Bytes).not_null()).primary_key(&["entry"]);
        match storage.create_table(&def).await {
            Ok(_) | Err(StorageError::TableExists(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(storage.table_handle(TABLE).await?)
}

/// A random (version 4) uuid from the process's randomly keyed hasher.
pub fn random_uuid() -> [u8; 16] {
    let mut u = [0u8; 16];
    for (i, half) in u.chunks_mut(8).enumerate() {
        let mut h = RandomState::new().build_hasher();
        h.write_usize(i);
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        half.copy_from_slice(&h.finish().to_be_bytes());
    }
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}
