//! Removing every key under a prefix of a table's raw keyspace (the lean key-value path),
//! for models that keep their own keys: a dropped CQL table's cells, a dropped graph
//! index's entries. A page of keys per transaction, so a large purge never holds one huge
//! batch; each page's scan resumes after the last key the previous page removed, since
//! starting again at the prefix would step over every tombstone left so far and make the
//! purge quadratic in its size.

use super::{TableHandle, TableStorage};
use crate::engine::KeyRange;
use crate::error::StorageResult;
use std::ops::Bound;

/// Removes every key of `table` that starts with `prefix`, `page` keys per transaction;
/// answers how many it removed.
pub async fn purge_kv_prefix(
    storage: &dyn TableStorage,
    table: &TableHandle,
    prefix: &[u8],
    page: usize,
) -> StorageResult<u64> {
    let mut range = KeyRange::prefix(prefix);
    let mut removed = 0u64;
    loop {
        let mut tx = storage.begin().await?;
        let keys = tx.kv_scan(table, &range, false, page.max(1)).await?;
        let Some((last, _)) = keys.last() else {
            tx.rollback().await?;
            return Ok(removed);
        };
        let resume_after = last.clone();
        for (key, _) in &keys {
            tx.kv_delete(table, key).await?;
        }
        tx.commit().await?;
        removed += keys.len() as u64;
        range.start = Bound::Excluded(resume_after);
    }
}
