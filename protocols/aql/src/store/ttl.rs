//! TTL indexes: a document expires at its field's time plus `expireAfter` seconds (the
//! field a unix timestamp in seconds or an ISO 8601 date string). The store's sweeper
//! task removes expired documents every [`SWEEP_INTERVAL`] like ArangoDB's TTL thread:
//! each removal is an ordinary document removal (document, index entries, adjacency in
//! one transaction), so no index entry ever points at a missing document.

use super::{DocStore, TxnOptions, WriteOptions};
use crate::error::AqlResult;
use crate::value::Value;
use std::sync::{Arc, Weak};
use std::time::Duration;

pub const SWEEP_INTERVAL: Duration = Duration::from_secs(5);
/// Documents one sweep removes from one collection at most, per transaction.
const SWEEP_BATCH: usize = 1000;

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch of an ISO 8601 date ("2024-01-02", "2024-01-02T03:04:05.678Z",
/// "...+01:00"); None when it is not one.
pub fn parse_date(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if b.len() < 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, m, d) = (digits(b.get(0..4)?)?, digits(b.get(5..7)?)?, digits(b.get(8..10)?)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut seconds = (days_from_civil(y, m, d) * 86_400) as f64;
    let mut rest = b.get(10..)?;
    if let Some((&sep, tail)) = rest.split_first() {
        if sep != b'T' && sep != b' ' {
            return None;
        }
        let (h, mi) = (digits(tail.get(0..2)?)?, digits(tail.get(3..5)?)?);
        if tail.get(2) != Some(&b':') || h > 23 || mi > 59 {
            return None;
        }
        seconds += (h * 3600 + mi * 60) as f64;
        rest = tail.get(5..)?;
        if rest.first() == Some(&b':') {
            let s = digits(rest.get(1..3)?)?;
            if s > 59 {
                return None;
            }
            seconds += s as f64;
            rest = rest.get(3..)?;
            if rest.first() == Some(&b'.') {
                let n = rest.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
                let frac = std::str::from_utf8(rest.get(0..=n)?).ok()?;
                seconds += format!("0{frac}").parse::<f64>().ok()?;
                rest = rest.get(n + 1..)?;
            }
        }
        match rest {
            [] | [b'Z'] => {}
            [sign @ (b'+' | b'-'), zone @ ..] if zone.len() == 5 && zone[2] == b':' => {
                let offset = (digits(&zone[0..2])? * 3600 + digits(&zone[3..5])? * 60) as f64;
                seconds += if *sign == b'+' { -offset } else { offset };
            }
            _ => return None,
        }
    }
    Some(seconds)
}

/// The time a TTL index reads in a field, in unix seconds.
pub fn timestamp_seconds(v: &Value) -> Option<f64> {
    match v {
        Value::Int(_) | Value::Double(_) => v.as_f64().filter(|s| *s >= 0.0),
        Value::String(s) => parse_date(s),
        _ => None,
    }
}

impl DocStore {
    /// Removes the documents whose TTL has passed; answers how many.
    pub async fn purge_expired(self: &Arc<Self>) -> AqlResult<u64> {
        let now = orbit_storage::table::now_millis();
        let mut removed = 0;
        for db in self.database_states() {
            let colls = db.collections.read().clone();
            for coll in colls {
                for index in coll.indexes().iter().filter(|i| matches!(i.kind, super::IndexKind::Ttl { .. })) {
                    loop {
                        let mut txn = self.begin(&db.info.name, TxnOptions::default()).await?;
                        let keys = txn.expired_keys(&coll, index.n, now, SWEEP_BATCH).await?;
                        let n = keys.len();
                        for key in keys {
                            txn.remove(&coll.info().name, &key, &WriteOptions::default()).await?;
                        }
                        txn.commit().await?;
                        removed += n as u64;
                        if n < SWEEP_BATCH {
                            break;
                        }
                    }
                }
            }
        }
        Ok(removed)
    }
}

/// Runs [`DocStore::purge_expired`] every [`SWEEP_INTERVAL`] while the store lives.
pub fn spawn_sweeper(store: Weak<DocStore>) -> Option<tokio::task::JoinHandle<()>> {
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    Some(runtime.spawn(async move {
        let mut ticker = tokio::time::interval(SWEEP_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let Some(store) = store.upgrade() else { return };
            if let Err(e) = store.purge_expired().await {
                tracing::warn!(error = %e, "AQL TTL sweep failed");
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0.0));
        assert_eq!(parse_date("1970-01-02T00:00:01Z"), Some(86_401.0));
        assert_eq!(parse_date("2024-02-29T12:00:00.500Z"), Some(1_709_208_000.5));
        assert_eq!(parse_date("2024-02-29T13:00:00+01:00"), Some(1_709_208_000.0));
        assert_eq!(parse_date("2024-02-29 12:00"), Some(1_709_208_000.0));
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(timestamp_seconds(&Value::Int(-5)), None);
    }
}
