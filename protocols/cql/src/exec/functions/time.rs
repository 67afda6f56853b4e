//! The time functions: now()/currentTimeUUID() (version 1 uuids with a random clock
//! sequence and node that strictly increase within the process, like Cassandra's),
//! uuid(), currentTimestamp/Date/Time(), minTimeuuid/maxTimeuuid of a timestamp, and the
//! conversions between timeuuid, date, timestamp and Unix milliseconds (toDate,
//! toTimestamp, toUnixTimestamp and the deprecated dateOf/unixTimestampOf).

use super::{Function, Kind};
use crate::error::{CqlError, CqlResult};
use crate::exec::clock::now_micros;
use crate::model::value::uuid_timestamp;
use crate::model::CqlValue;
use crate::types::CqlType;
use std::sync::atomic::{AtomicU64, Ordering};

/// 100 ns intervals between the uuid epoch (1582-10-15) and the Unix epoch.
const UUID_EPOCH_OFFSET: u64 = 0x01B2_1DD2_1381_4000;
/// The largest 60-bit uuid timestamp.
const MAX_TICKS: u64 = (1 << 60) - 1;
const MILLIS_PER_DAY: i64 = 86_400_000;
const DATE_EPOCH: i64 = 1 << 31;

static LAST_TICKS: AtomicU64 = AtomicU64::new(0);

/// The uuid timestamp of Unix milliseconds, saturating at the ends of the 60-bit range
/// (before 1582 and after 5236) so min/max bounds keep their order.
fn ticks_of_millis(ms: i64) -> u64 {
    let ticks = i128::from(ms) * 10_000 + i128::from(UUID_EPOCH_OFFSET);
    ticks.clamp(0, i128::from(MAX_TICKS)) as u64
}

/// Unix milliseconds of a uuid timestamp, negative before 1970 (Cassandra's
/// `UUIDGen.unixTimestamp`).
fn millis_of_ticks(ticks: u64) -> i64 {
    (ticks / 10_000) as i64 - (UUID_EPOCH_OFFSET / 10_000) as i64
}

/// The time fields of a version 1 uuid for `ticks`, followed by `tail` as it is.
fn with_tail(ticks: u64, tail: [u8; 8]) -> [u8; 16] {
    let mut u = [0u8; 16];
    u[0..4].copy_from_slice(&((ticks & 0xffff_ffff) as u32).to_be_bytes());
    u[4..6].copy_from_slice(&(((ticks >> 32) & 0xffff) as u16).to_be_bytes());
    u[6..8].copy_from_slice(&((((ticks >> 48) & 0x0fff) as u16) | 0x1000).to_be_bytes());
    u[8..16].copy_from_slice(&tail);
    u
}

/// `now()`: a new time-based uuid, later than every one made before in this process.
pub fn now_timeuuid() -> [u8; 16] {
    let now = ticks_of_millis(0) + (now_micros().max(0) as u64) * 10;
    let mut prev = LAST_TICKS.load(Ordering::Relaxed);
    let ticks = loop {
        let next = now.max(prev + 1);
        match LAST_TICKS.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(p) => prev = p,
        }
    };
    let random = crate::model::space::random_uuid();
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&random[8..16]);
    let mut u = with_tail(ticks, tail);
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}

/// The smallest and largest timeuuids of a millisecond: Cassandra's clock-and-node bytes
/// 0x80.. and 0x7f.., the extremes of its signed comparison of those bytes.
fn bound_timeuuid(ms: i64, max: bool) -> [u8; 16] {
    let ticks = ticks_of_millis(ms);
    if max {
        with_tail((ticks + 9_999).min(MAX_TICKS), [0x7f; 8])
    } else {
        with_tail(ticks, [0x80; 8])
    }
}

/// The overloads named `name`.
pub(super) fn signatures(name: &str) -> Vec<Function> {
    use CqlType as T;
    let f = |args: &[CqlType], ret: CqlType, kind| Function::new(name, args, ret, kind);
    match name {
        "now" | "currenttimeuuid" => vec![f(&[], T::Timeuuid, Kind::Now)],
        "uuid" => vec![f(&[], T::Uuid, Kind::RandomUuid)],
        "currenttimestamp" => vec![f(&[], T::Timestamp, Kind::CurrentTimestamp)],
        "currentdate" => vec![f(&[], T::Date, Kind::CurrentDate)],
        "currenttime" => vec![f(&[], T::Time, Kind::CurrentTime)],
        "mintimeuuid" => vec![f(&[T::Timestamp], T::Timeuuid, Kind::MinTimeuuid)],
        "maxtimeuuid" => vec![f(&[T::Timestamp], T::Timeuuid, Kind::MaxTimeuuid)],
        "dateof" => vec![f(&[T::Timeuuid], T::Timestamp, Kind::ToTimestamp)],
        "unixtimestampof" => vec![f(&[T::Timeuuid], T::Bigint, Kind::ToUnixTimestamp)],
        "todate" => vec![f(&[T::Timeuuid], T::Date, Kind::ToDate), f(&[T::Timestamp], T::Date, Kind::ToDate)],
        "totimestamp" => {
            vec![f(&[T::Timeuuid], T::Timestamp, Kind::ToTimestamp), f(&[T::Date], T::Timestamp, Kind::ToTimestamp)]
        }
        "tounixtimestamp" => vec![
            f(&[T::Timeuuid], T::Bigint, Kind::ToUnixTimestamp),
            f(&[T::Timestamp], T::Bigint, Kind::ToUnixTimestamp),
            f(&[T::Date], T::Bigint, Kind::ToUnixTimestamp),
        ],
        _ => Vec::new(),
    }
}

/// Unix milliseconds of a timestamp, timeuuid or date; `None` for an empty value.
fn millis(arg: &CqlValue) -> CqlResult<Option<i64>> {
    Ok(Some(match arg {
        CqlValue::Timestamp(ms) => *ms,
        CqlValue::Timeuuid(u) => millis_of_ticks(uuid_timestamp(u)),
        CqlValue::Date(d) => (i64::from(*d) - DATE_EPOCH) * MILLIS_PER_DAY,
        CqlValue::Empty => return Ok(None),
        other => return Err(CqlError::server(format!("a time function called on {other:?}"))),
    }))
}

/// The `date` of Unix milliseconds as Cassandra computes it (`Duration.toDays`, which
/// truncates toward zero), or an error past the date range.
fn date_of_millis(ms: i64) -> CqlResult<CqlValue> {
    u32::try_from(ms / MILLIS_PER_DAY + DATE_EPOCH)
        .map(CqlValue::Date)
        .map_err(|_| CqlError::invalid(format!("Timestamp {ms} is out of the range of the date type")))
}

pub(super) fn call(kind: Kind, arg: Option<&CqlValue>) -> CqlResult<Option<CqlValue>> {
    let now_ms = now_micros() / 1000;
    Ok(Some(match kind {
        Kind::Now => CqlValue::Timeuuid(now_timeuuid()),
        Kind::RandomUuid => CqlValue::Uuid(crate::model::space::random_uuid()),
        Kind::CurrentTimestamp => CqlValue::Timestamp(now_ms),
        Kind::CurrentDate => date_of_millis(now_ms)?,
        Kind::CurrentTime => CqlValue::Time(now_ms.rem_euclid(MILLIS_PER_DAY) * 1_000_000),
        _ => {
            let Some(ms) = arg.map(millis).transpose()?.flatten() else { return Ok(None) };
            match kind {
                Kind::MinTimeuuid => CqlValue::Timeuuid(bound_timeuuid(ms, false)),
                Kind::MaxTimeuuid => CqlValue::Timeuuid(bound_timeuuid(ms, true)),
                Kind::ToTimestamp => CqlValue::Timestamp(ms),
                Kind::ToDate => date_of_millis(ms)?,
                Kind::ToUnixTimestamp => CqlValue::Bigint(ms),
                _ => return Err(CqlError::server("not a time function")),
            }
        }
    }))
}
