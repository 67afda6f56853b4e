//! The durable FT index definitions: table `redis_ft_index` of the Redis storage, one row
//! per index (name, database, FT.CREATE's arguments length-prefixed in one blob), read
//! back at start to rebuild the indexes from the keyspace. Creating and dropping an index
//! also deletes any snapshot rows of its name in the same transaction
//! ([`super::snapshot_rows`]), so a new definition never finds an older one's snapshot and a
//! dropped index leaves none.

use super::schema::IndexDef;
use super::snapshot_rows;
use crate::error::{RedisError, RedisResult};
use orbit_storage::{ColumnDef, DataType, ScanOptions, StorageError, TableDef, TableStorage, Value};

const TABLE: &str = "redis_ft_index";
/// Most arguments a stored definition may hold (bounds decoding of stored bytes).
const MAX_ARGS: usize = 1 << 16;

/// Creates the definitions table and the snapshot table when missing.
pub async fn ensure_table(storage: &dyn TableStorage) -> RedisResult<()> {
    snapshot_rows::ensure_table(storage).await?;
    if storage.table_schema(TABLE).await?.is_some() {
        return Ok(());
    }
    let def = TableDef::new(TABLE)
        .column(ColumnDef::new("name", DataType::Text).not_null())
        .column(ColumnDef::new("db", DataType::Int64).not_null())
        .column(ColumnDef::new("args", DataType::Bytes).not_null())
        .primary_key(&["name"]);
    match storage.create_table(&def).await {
        Ok(_) | Err(StorageError::TableExists(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Stores `def`, deleting any snapshot rows of its name in the same transaction.
pub async fn save(storage: &dyn TableStorage, def: &IndexDef) -> RedisResult<()> {
    let row = vec![Value::Text(def.name.clone()), Value::Int(def.db as i64), Value::Bytes(encode_args(&def.args))];
    let mut txn = storage.begin().await?;
    snapshot_rows::delete_in(txn.as_mut(), &def.name).await?;
    txn.upsert(TABLE, row).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes the definition `name` and its snapshot rows in one transaction.
pub async fn delete(storage: &dyn TableStorage, name: &str) -> RedisResult<()> {
    let mut txn = storage.begin().await?;
    snapshot_rows::delete_in(txn.as_mut(), name).await?;
    txn.delete(TABLE, &[Value::Text(name.to_string())]).await?;
    txn.commit().await?;
    Ok(())
}

/// Every stored definition, by name.
pub async fn load(storage: &dyn TableStorage) -> RedisResult<Vec<IndexDef>> {
    let mut defs = Vec::new();
    for row in storage.scan(TABLE, &ScanOptions::all()).await? {
        let mut it = row.into_iter();
        let (Some(Value::Text(name)), Some(Value::Int(db)), Some(Value::Bytes(args))) =
            (it.next(), it.next(), it.next())
        else {
            return Err(corrupt("a row does not have the expected columns"));
        };
        let db =
            usize::try_from(db).ok().filter(|d| *d < crate::keyspace::DATABASES).ok_or_else(|| corrupt("bad db"))?;
        let args = decode_args(&args).ok_or_else(|| corrupt("bad argument list"))?;
        defs.push(IndexDef::parse(&name, db, &args)?);
    }
    Ok(defs)
}

fn corrupt(what: &str) -> RedisError {
    RedisError::Storage(StorageError::corruption(format!("redis FT index definitions: {what}")))
}

pub(super) fn encode_args(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(args.len() as u32).to_le_bytes());
    for arg in args {
        out.extend_from_slice(&(arg.len() as u32).to_le_bytes());
        out.extend_from_slice(arg);
    }
    out
}

fn decode_args(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut rest = bytes;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let count = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
    if count > MAX_ARGS {
        return None;
    }
    let mut args = Vec::with_capacity(count);
    for _ in 0..count {
        let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        args.push(take(len)?.to_vec());
    }
    rest.is_empty().then_some(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_lists_round_trip_and_bad_bytes_are_refused() {
        let args = vec![b"SCHEMA".to_vec(), Vec::new(), vec![0, 255, 13, 10]];
        let bytes = encode_args(&args);
        assert_eq!(decode_args(&bytes), Some(args));
        for cut in 0..bytes.len() {
            assert_eq!(decode_args(&bytes[..cut]), None, "cut at {cut}");
        }
        assert_eq!(decode_args(&[255, 255, 255, 255]), None);
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(decode_args(&trailing), None);
    }
}
