//! Converts a keyspace stored in the earlier row format (tables `redis_meta`,
//! `redis_sub`, `redis_zscore`, `redis_expiry`, `redis_garbage`) into the raw entries of
//! [`super::encoding`], at open, before any client is served.
//!
//! Each page of rows is converted and committed on its own, so memory stays bounded;
//! the conversion is idempotent (the same row always gives the same entry), so a crash
//! part way is finished by the next open. The old tables are dropped only once every
//! row of them has been converted.

use super::{corrupt, encoding, int, Meta, RedisType};
use crate::error::RedisResult;
use orbit_storage::{Row, ScanOptions, TableHandle, TableStorage, Value};
use std::ops::Bound;

const OLD_META: &str = "redis_meta";
const OLD_SUB: &str = "redis_sub";
const OLD_ZSCORE: &str = "redis_zscore";
const OLD_EXPIRY: &str = "redis_expiry";
const OLD_GARBAGE: &str = "redis_garbage";

/// Rows converted per committed step.
const PAGE: usize = 10_000;

/// Converts and drops whichever old tables exist.
pub async fn from_rows(storage: &dyn TableStorage, table: &TableHandle) -> RedisResult<()> {
    for (name, key_len) in [(OLD_META, 2), (OLD_SUB, 2), (OLD_ZSCORE, 3), (OLD_GARBAGE, 1)] {
        if storage.table_schema(name).await?.is_none() {
            continue;
        }
        let mut converted = 0usize;
        let mut lower = Bound::Unbounded;
        loop {
            let mut tx = storage.begin().await?;
            let rows = tx.scan(name, &ScanOptions::range(lower.clone(), Bound::Unbounded).limit(PAGE)).await?;
            let done = rows.len() < PAGE;
            for row in rows {
                lower = Bound::Excluded(row.iter().take(key_len).cloned().collect());
                for (entry, value) in entries_of(name, row)? {
                    tx.kv_put(table, &entry, value).await?;
                }
                converted += 1;
            }
            tx.commit().await?;
            if done {
                break;
            }
        }
        tracing::info!(table = name, rows = converted, "redis keyspace converted to the key-value encoding");
    }
    // The expiry index is rebuilt from the metadata, so the old one is not read.
    for name in [OLD_META, OLD_SUB, OLD_ZSCORE, OLD_EXPIRY, OLD_GARBAGE] {
        if storage.table_schema(name).await?.is_some() {
            storage.drop_table(name).await?;
        }
    }
    Ok(())
}

/// The entries one old row becomes.
fn entries_of(table: &str, row: Row) -> RedisResult<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut it = row.into_iter();
    Ok(match table {
        OLD_META => {
            let physical = int(it.next())?;
            let key = bytes(it.next())?;
            let kind = RedisType::from_code(int(it.next())?)?;
            let version = int(it.next())?;
            let expire_at_ms = match it.next() {
                Some(Value::Null) | None => None,
                Some(Value::Int(v)) => Some(v),
                Some(_) => return Err(corrupt("bad expiry")),
            };
            let (size, head, tail) = (int(it.next())?, int(it.next())?, int(it.next())?);
            let value = bytes(it.next())?;
            let meta = Meta { kind, version, expire_at_ms, size, head, tail, value };
            let mut out = vec![(encoding::meta_key(physical, &key), encoding::encode_meta(&meta))];
            if let Some(at) = expire_at_ms {
                out.push((encoding::expiry_key(at, physical, &key), Vec::new()));
            }
            out
        }
        OLD_SUB => {
            let version = int(it.next())?;
            let member = bytes(it.next())?;
            vec![(encoding::sub_key(version, &member), bytes(it.next())?)]
        }
        OLD_ZSCORE => {
            let version = int(it.next())?;
            let score = match it.next() {
                Some(Value::Float(f)) => f,
                _ => return Err(corrupt("expected a float column")),
            };
            let member = bytes(it.next())?;
            vec![(encoding::zscore_key(version, score, Some(&member)), Vec::new())]
        }
        _ => vec![(encoding::garbage_key(int(it.next())?), Vec::new())],
    })
}

fn bytes(v: Option<Value>) -> RedisResult<Vec<u8>> {
    match v {
        Some(Value::Bytes(b)) => Ok(b),
        _ => Err(corrupt("expected a bytes column")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyspace::Keyspace;
    use orbit_storage::{ColumnDef, DataType, KvTableStorage, MemoryEngine, TableDef};
    use std::sync::Arc;

    /// An old-format keyspace: a string with an expiry in db 0, a hash in db 1.
    async fn old_format() -> Arc<KvTableStorage> {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let col = |n: &str, t: DataType| ColumnDef::new(n, t).not_null();
        let meta = TableDef::new(OLD_META)
            .column(col("db", DataType::Int64))
            .column(col("key", DataType::Bytes))
            .column(col("type", DataType::Int64))
            .column(col("version", DataType::Int64))
            .column(ColumnDef::new("expire_at", DataType::Int64))
            .column(col("size", DataType::Int64))
            .column(col("head", DataType::Int64))
            .column(col("tail", DataType::Int64))
            .column(col("value", DataType::Bytes))
            .primary_key(&["db", "key"]);
        let sub = TableDef::new(OLD_SUB)
            .column(col("version", DataType::Int64))
            .column(col("member", DataType::Bytes))
            .column(col("value", DataType::Bytes))
            .primary_key(&["version", "member"]);
        storage.create_table(&meta).await.unwrap();
        storage.create_table(&sub).await.unwrap();
        let far = super::super::now_ms() + 3_600_000;
        let (i, b) = (Value::Int, |s: &[u8]| Value::Bytes(s.to_vec()));
        let string = vec![i(0), b(b"s"), i(0), i(5), i(far), i(0), i(0), i(0), b(b"value")];
        let hash = vec![i(1), b(b"h"), i(2), i(7), Value::Null, i(2), i(0), i(0), b(b"")];
        storage.insert(OLD_META, string).await.unwrap();
        storage.insert(OLD_META, hash).await.unwrap();
        for (m, v) in [(b"f1", b"v1"), (b"f2", b"v2")] {
            storage.insert(OLD_SUB, vec![i(7), b(m), b(v)]).await.unwrap();
        }
        storage
    }

    #[tokio::test]
    async fn old_rows_become_entries_and_old_tables_go() {
        let storage = old_format().await;
        let ks = Keyspace::open(storage.clone()).await.unwrap();
        let mut tx = ks.begin().await.unwrap();
        let s = tx.meta(0, b"s").await.unwrap().expect("string kept");
        assert_eq!((s.kind, s.value.as_slice()), (RedisType::String, &b"value"[..]));
        assert!(s.expire_at_ms.is_some());
        let h = tx.meta_of(1, b"h", RedisType::Hash).await.unwrap().expect("hash kept");
        let fields = tx.sub_scan(h.version, Bound::Unbounded, Bound::Unbounded, false, None).await.unwrap();
        assert_eq!(fields, vec![(b"f1".to_vec(), b"v1".to_vec()), (b"f2".to_vec(), b"v2".to_vec())]);
        drop(tx);
        assert_eq!(ks.count_entries(encoding::EXPIRY).await, 1);
        assert!(storage.table_schema(OLD_META).await.unwrap().is_none());
        assert!(storage.table_schema(OLD_SUB).await.unwrap().is_none());
        // New versions stay above the converted ones.
        assert!(ks.next_version() > 7);
    }
}
