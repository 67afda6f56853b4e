//! Where FT index snapshots are kept: table `redis_ft_snapshot` of the Redis storage (the
//! instance of the keyspace and of the `redis_ft_index` definitions), key (index name,
//! part). Part 0 holds the [`Header`], parts 1..=n the payload in chunks of
//! [`CHUNK_LEN`] bytes, so no row grows with the index (a 100,000×64 HNSW index is about
//! 40 MB: 40 rows). A snapshot is written in one storage transaction — header, chunks and
//! the deletion of an older snapshot's surplus chunks together — so a crash leaves the old
//! snapshot or the new one, never a mix; reading checks the header's fingerprint, every
//! chunk's length and the payload's checksum, and answers `None` for anything else.
//!
//! The functions taking a [`Transaction`] let the definitions table change in the same
//! transaction as the snapshot rows (FT.CREATE and FT.DROPINDEX, see [`super::store`]).

use super::snapshot::{self, Header};
use crate::error::RedisResult;
use orbit_storage::{ColumnDef, DataType, ScanOptions, StorageError, TableDef, TableStorage, Transaction, Value};

pub const TABLE: &str = "redis_ft_snapshot";
/// Payload bytes per row.
pub const CHUNK_LEN: u32 = 1 << 20;

pub async fn ensure_table(storage: &dyn TableStorage) -> RedisResult<()> {
    if storage.table_schema(TABLE).await?.is_some() {
        return Ok(());
    }
    let def = TableDef::new(TABLE)
        .column(ColumnDef::new("name", DataType::Text).not_null())
        .column(ColumnDef::new("part", DataType::Int64).not_null())
        .column(ColumnDef::new("bytes", DataType::Bytes).not_null())
        .primary_key(&["name", "part"]);
    match storage.create_table(&def).await {
        Ok(_) | Err(StorageError::TableExists(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn key(name: &str, part: u32) -> Vec<Value> {
    vec![Value::Text(name.to_string()), Value::Int(i64::from(part))]
}

fn bytes_of(row: Option<Vec<Value>>) -> Option<Vec<u8>> {
    match row?.into_iter().nth(2)? {
        Value::Bytes(bytes) => Some(bytes),
        _ => None,
    }
}

/// Stores `payload` as the snapshot of index `name` (replacing any older one); returns
/// the bytes written.
pub async fn write(storage: &dyn TableStorage, name: &str, fingerprint: u64, payload: &[u8]) -> RedisResult<usize> {
    write_chunked(storage, name, fingerprint, payload, CHUNK_LEN).await
}

pub(super) async fn write_chunked(
    storage: &dyn TableStorage,
    name: &str,
    fingerprint: u64,
    payload: &[u8],
    chunk_len: u32,
) -> RedisResult<usize> {
    let chunk_len = chunk_len.max(1);
    let header = Header::of(fingerprint, payload, chunk_len);
    let mut txn = storage.begin().await?;
    let old_parts = stored_parts(txn.as_mut(), name).await?;
    let header_bytes = header.encode();
    let written = header_bytes.len() + payload.len();
    txn.upsert(TABLE, row(name, 0, header_bytes)).await?;
    for (i, chunk) in payload.chunks(chunk_len as usize).enumerate() {
        txn.upsert(TABLE, row(name, i as u32 + 1, chunk.to_vec())).await?;
    }
    for part in old_parts.into_iter().filter(|p| *p > header.chunks) {
        txn.delete(TABLE, &key(name, part)).await?;
    }
    txn.commit().await?;
    Ok(written)
}

fn row(name: &str, part: u32, bytes: Vec<u8>) -> Vec<Value> {
    vec![Value::Text(name.to_string()), Value::Int(i64::from(part)), Value::Bytes(bytes)]
}

/// The parts stored for `name`: 0..=n from a readable header, else whatever rows exist.
async fn stored_parts(txn: &mut dyn Transaction, name: &str) -> RedisResult<Vec<u32>> {
    if let Some(bytes) = bytes_of(txn.get(TABLE, &key(name, 0)).await?) {
        if let Ok(header) = Header::decode(&bytes) {
            return Ok((0..=header.chunks).collect());
        }
    }
    let rows = txn.scan(TABLE, &ScanOptions::prefix(vec![Value::Text(name.to_string())])).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.get(1) {
            Some(Value::Int(part)) => u32::try_from(*part).ok(),
            _ => None,
        })
        .collect())
}

/// Deletes every row of `name`'s snapshot inside `txn`.
pub async fn delete_in(txn: &mut dyn Transaction, name: &str) -> RedisResult<()> {
    for part in stored_parts(txn, name).await? {
        txn.delete(TABLE, &key(name, part)).await?;
    }
    Ok(())
}

/// Deletes every row of `name`'s snapshot.
pub async fn delete(storage: &dyn TableStorage, name: &str) -> RedisResult<()> {
    let mut txn = storage.begin().await?;
    delete_in(txn.as_mut(), name).await?;
    txn.commit().await?;
    Ok(())
}

/// What reading a snapshot found.
#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    /// No snapshot of that name.
    Absent,
    /// A snapshot that cannot be used, and why.
    Refused(String),
    /// The payload of a snapshot of the expected definition, checksum verified.
    Payload(Vec<u8>),
}

/// The payload of `name`'s snapshot when it was taken of the definition `fingerprint`.
pub async fn read(storage: &dyn TableStorage, name: &str, fingerprint: u64) -> RedisResult<Stored> {
    let mut txn = storage.begin().await?;
    let Some(header_bytes) = bytes_of(txn.get(TABLE, &key(name, 0)).await?) else { return Ok(Stored::Absent) };
    let header = match Header::decode(&header_bytes) {
        Ok(header) => header,
        Err(e) => return Ok(Stored::Refused(e.0)),
    };
    if header.fingerprint != fingerprint {
        return Ok(Stored::Refused("taken of another index definition".into()));
    }
    let mut payload = Vec::new();
    for part in 1..=header.chunks {
        let Some(chunk) = bytes_of(txn.get(TABLE, &key(name, part)).await?) else {
            return Ok(Stored::Refused(format!("chunk {part} of {} is missing", header.chunks)));
        };
        if Some(chunk.len()) != header.chunk_len_of(part) {
            return Ok(Stored::Refused(format!("chunk {part} has {} bytes", chunk.len())));
        }
        payload.extend_from_slice(&chunk);
    }
    if snapshot::checksum(&payload) != header.checksum {
        return Ok(Stored::Refused("payload checksum mismatch".into()));
    }
    Ok(Stored::Payload(payload))
}

/// Every (part, bytes) row stored for `name`, in part order (tests and tools).
pub async fn rows(storage: &dyn TableStorage, name: &str) -> RedisResult<Vec<(u32, Vec<u8>)>> {
    let rows = storage.scan(TABLE, &ScanOptions::prefix(vec![Value::Text(name.to_string())])).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let mut it = row.into_iter().skip(1);
            match (it.next(), it.next()) {
                (Some(Value::Int(part)), Some(Value::Bytes(bytes))) => Some((u32::try_from(part).ok()?, bytes)),
                _ => None,
            }
        })
        .collect())
}

/// Stores `rows` as `name`'s snapshot rows exactly, replacing what is there (tests and
/// tools: puts back an older snapshot, or damaged bytes).
pub async fn replace_rows(storage: &dyn TableStorage, name: &str, rows: &[(u32, Vec<u8>)]) -> RedisResult<()> {
    let mut txn = storage.begin().await?;
    delete_in(txn.as_mut(), name).await?;
    for (part, bytes) in rows {
        txn.upsert(TABLE, row(name, *part, bytes.clone())).await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use orbit_storage::{KvTableStorage, MemoryEngine};
    use std::sync::Arc;

    async fn storage() -> Arc<dyn TableStorage> {
        let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("open");
        ensure_table(storage.as_ref()).await.expect("table");
        storage
    }

    #[tokio::test]
    async fn chunked_snapshots_round_trip_and_shrink_without_leftovers() {
        let storage = storage().await;
        let s = storage.as_ref();
        assert_eq!(read(s, "idx", 7).await.expect("read"), Stored::Absent);
        let big: Vec<u8> = (0..2500u32).map(|i| (i % 251) as u8).collect();
        write_chunked(s, "idx", 7, &big, 1000).await.expect("write");
        write_chunked(s, "other", 8, b"x", 1000).await.expect("write");
        assert_eq!(rows(s, "idx").await.expect("rows").len(), 4, "header and three chunks");
        assert_eq!(read(s, "idx", 7).await.expect("read"), Stored::Payload(big.clone()));
        assert!(matches!(read(s, "idx", 8).await.expect("read"), Stored::Refused(why) if why.contains("definition")));

        write_chunked(s, "idx", 7, &big[..1500], 1000).await.expect("write");
        assert_eq!(rows(s, "idx").await.expect("rows").len(), 3, "the surplus chunk is gone");
        assert_eq!(read(s, "idx", 7).await.expect("read"), Stored::Payload(big[..1500].to_vec()));

        delete(s, "idx").await.expect("delete");
        assert!(rows(s, "idx").await.expect("rows").is_empty());
        assert_eq!(read(s, "other", 8).await.expect("read"), Stored::Payload(b"x".to_vec()));
    }

    #[tokio::test]
    async fn damaged_rows_are_refused() {
        let storage = storage().await;
        let s = storage.as_ref();
        let payload: Vec<u8> = (0..2500u32).map(|i| (i % 13) as u8).collect();
        write_chunked(s, "idx", 1, &payload, 1000).await.expect("write");
        let good = rows(s, "idx").await.expect("rows");
        let refused = |why: Stored| matches!(why, Stored::Refused(_));

        let mut flipped = good.clone();
        flipped[2].1[10] ^= 4;
        replace_rows(s, "idx", &flipped).await.expect("replace");
        assert!(refused(read(s, "idx", 1).await.expect("read")), "a flipped bit");

        let mut missing = good.clone();
        missing.remove(3);
        replace_rows(s, "idx", &missing).await.expect("replace");
        assert!(refused(read(s, "idx", 1).await.expect("read")), "a missing chunk");

        let mut short = good.clone();
        short[1].1.pop();
        replace_rows(s, "idx", &short).await.expect("replace");
        assert!(refused(read(s, "idx", 1).await.expect("read")), "a short chunk");

        let mut garbage = good.clone();
        garbage[0].1 = b"garbage".to_vec();
        replace_rows(s, "idx", &garbage).await.expect("replace");
        assert!(refused(read(s, "idx", 1).await.expect("read")), "a bad header");
        // Rows under a bad header are still found and removed.
        delete(s, "idx").await.expect("delete");
        assert!(rows(s, "idx").await.expect("rows").is_empty());

        replace_rows(s, "idx", &good).await.expect("replace");
        assert_eq!(read(s, "idx", 1).await.expect("read"), Stored::Payload(payload));
    }
}
