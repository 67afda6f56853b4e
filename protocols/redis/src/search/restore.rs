//! An FT index at start. With a stored snapshot of the same definition
//! ([`super::snapshot_rows`]), its vector indexes are loaded as they were and reconciled
//! with the keyspace, which is the truth: every covered hash is scanned, as for a rebuild,
//! and only hashes whose vectors differ from the snapshot's are inserted again
//! ([`Restoring`]). Without one — none stored, another definition's, an old envelope
//! version, a bad checksum, vector fields that do not fit — the index is rebuilt from the
//! keyspace as before snapshots existed. Either way the index then holds exactly the
//! covered hashes, and a [`RestoreReport`] says which way it went and what it cost.

use super::index::reconcile::{RestoreReport, Restoring};
use super::index::SearchIndex;
use super::schema::IndexDef;
use super::snapshot_rows::Stored;
use super::{for_each_covered, snapshot, snapshot_rows};
use crate::error::RedisResult;
use crate::keyspace::KsTxn;
use orbit_storage::TableStorage;
use std::time::{Duration, Instant};

/// The index of `def` from its snapshot and the keyspace `txn` sees, or from the keyspace.
pub async fn restore(storage: &dyn TableStorage, txn: &mut KsTxn, def: IndexDef) -> RedisResult<SearchIndex> {
    let name = def.name.clone();
    let started = Instant::now();
    let opened = open_snapshot(storage, &def).await?;
    let snapshot_read = started.elapsed();
    let scan_started = Instant::now();
    let (mut index, mut report) = match opened {
        Ok(mut restoring) => {
            for_each_covered(txn, &def, |key, state| restoring.offer(&key, &state)).await?;
            restoring.finish()
        }
        Err(refused) => {
            if let Some(why) = &refused {
                tracing::warn!(index = %name, reason = %why, "FT index snapshot not used; rebuilding from the keyspace");
            }
            let index = super::build(txn, def).await?;
            let inserted = index.vector_counts().iter().map(|(_, n)| *n as u64).sum();
            let report = RestoreReport {
                from_snapshot: false,
                refused,
                snapshot_read: Duration::ZERO,
                scan: Duration::ZERO,
                kept: 0,
                inserted,
                removed: 0,
            };
            (index, report)
        }
    };
    report.snapshot_read = snapshot_read;
    report.scan = scan_started.elapsed();
    tracing::info!(
        index = %name,
        from_snapshot = report.from_snapshot,
        snapshot_read_ms = report.snapshot_read.as_millis() as u64,
        scan_ms = report.scan.as_millis() as u64,
        kept = report.kept,
        inserted = report.inserted,
        removed = report.removed,
        "FT index ready"
    );
    index.restored = Some(report);
    Ok(index)
}

/// The stored snapshot of `def` ready to reconcile; `Err(None)` when there is none,
/// `Err(Some(why))` when the stored one cannot be used.
async fn open_snapshot(storage: &dyn TableStorage, def: &IndexDef) -> RedisResult<Result<Restoring, Option<String>>> {
    let payload = match snapshot_rows::read(storage, &def.name, snapshot::fingerprint(def)).await {
        Ok(Stored::Payload(payload)) => payload,
        Ok(Stored::Absent) => return Ok(Err(None)),
        Ok(Stored::Refused(why)) => return Ok(Err(Some(why))),
        Err(e) => return Ok(Err(Some(format!("reading it failed: {e}")))),
    };
    let image = match snapshot::decode_payload(&payload) {
        Ok(image) => image,
        Err(e) => return Ok(Err(Some(e.0))),
    };
    drop(payload);
    Ok(Restoring::new(def.clone(), image)?.map_err(Some))
}
