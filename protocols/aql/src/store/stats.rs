//! A collection's committed statistics: document count, highest revision and key
//! generator value. Every committing transaction writes its own entry under
//! [`keys::STATS`] (so writers of one collection never conflict on a counter); the
//! entries are folded into one when the store opens and after every [`FOLD_EVERY`]
//! commits. Two folds at once delete the same entries, so the second fails with a
//! conflict and counts nothing twice.

use super::catalog::CollState;
use super::keys;
use super::revision::Clock;
use crate::error::{AqlError, AqlResult};
use crate::value::{binary, Value};
use orbit_storage::{StorageError, TableHandle, TableStorage};
use std::sync::atomic::Ordering;

pub const FOLD_EVERY: u64 = 1024;

/// Totals of a collection's entries.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Totals {
    pub count: i64,
    pub max_rev: u64,
    pub key_last: u64,
}

pub fn entry(count: i64, max_rev: u64, key_last: u64) -> Vec<u8> {
    let n = |x: u64| Value::Int(x.min(i64::MAX as u64) as i64);
    binary::encode(&Value::Array(vec![Value::Int(count), n(max_rev), n(key_last)]))
}

fn add(totals: &mut Totals, bytes: &[u8]) -> AqlResult<()> {
    let v = binary::decode(bytes).map_err(AqlError::internal)?;
    let n = |i: usize| match v.as_array().and_then(|a| a.get(i)) {
        Some(Value::Int(x)) => *x,
        _ => 0,
    };
    totals.count += n(0);
    totals.max_rev = totals.max_rev.max(n(1).max(0) as u64);
    totals.key_last = totals.key_last.max(n(2).max(0) as u64);
    Ok(())
}

/// Reads every entry of the collection in `handle`'s table and replaces them by one
/// holding their totals; answers the totals.
pub async fn fold(storage: &dyn TableStorage, handle: &TableHandle, clock: &Clock) -> AqlResult<Totals> {
    let mut tx = storage.begin().await?;
    let entries = tx.kv_scan(handle, &keys::space(keys::STATS), false, usize::MAX).await?;
    let mut totals = Totals::default();
    for (_, value) in &entries {
        add(&mut totals, value)?;
    }
    if entries.len() <= 1 {
        tx.rollback().await?;
        return Ok(totals);
    }
    for (key, _) in &entries {
        tx.kv_delete(handle, key).await?;
    }
    tx.kv_put(handle, &keys::stats(clock.next()), entry(totals.count, totals.max_rev, totals.key_last)).await?;
    match tx.commit().await {
        Ok(()) | Err(StorageError::Conflict) => Ok(totals),
        Err(e) => Err(e.into()),
    }
}

/// Counts one commit of `coll`; folds its entries when enough have gathered.
pub async fn committed(storage: &dyn TableStorage, coll: &CollState, clock: &Clock) -> AqlResult<()> {
    if coll.unfolded.fetch_add(1, Ordering::Relaxed) + 1 < FOLD_EVERY {
        return Ok(());
    }
    coll.unfolded.store(0, Ordering::Relaxed);
    fold(storage, &coll.handle(), clock).await.map(|_| ())
}
