//! MySQL's session `time_zone` for fixed offsets ('+HH:MM'; 'SYSTEM', 'UTC' and
//! '+00:00' are the server's UTC). A TIMESTAMP column is stored in UTC and read in the
//! session's zone: the binder puts a [`shift`] over the TIMESTAMP columns of every table
//! a statement reads ([`local_scan`]); DATETIME is never converted. NOW(), CURDATE(),
//! CURTIME() and SYSDATE() are the session's local time, UNIX_TIMESTAMP(x) reads `x` in
//! it and FROM_UNIXTIME gives it (UTC_* and UNIX_TIMESTAMP() stay UTC).
//!
//! Writing a TIMESTAMP column while the zone is not UTC is an explicit "not supported"
//! ([`refuse_write`]): the write paths store what they are given. A named zone
//! ('Europe/Paris') is error 1298, as in a MySQL without the zone tables.

use crate::catalog::TableInfo;
use crate::error::SqlError;
use crate::expr::Expr;
use crate::format::MICROS_PER_SEC;
use crate::plan::bind::Binder;
use crate::plan::Plan;
use crate::types::SqlType;
use orbit_storage::Value;

/// MySQL 8's bounds of a time zone offset, in minutes: '-13:59' .. '+14:00'.
const MIN_OFFSET: i64 = -(13 * 60 + 59);
const MAX_OFFSET: i64 = 14 * 60;

/// The spellings of the server's own zone (UTC).
const UTC_NAMES: [&str; 7] = ["SYSTEM", "UTC", "GMT", "Etc/UTC", "+00:00", "-00:00", "+0:00"];

/// The offset from UTC of a `time_zone` value, in microseconds; None for a value that is
/// neither the server's zone nor a '+HH:MM' offset in MySQL's range.
pub fn offset_micros(zone: &str) -> Option<i64> {
    let zone = zone.trim();
    if UTC_NAMES.iter().any(|z| z.eq_ignore_ascii_case(zone)) {
        return Some(0);
    }
    let (sign, rest) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let number = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
    };
    let (h, m) = (number(h)?, number(m)?);
    if m > 59 {
        return None;
    }
    let minutes = sign * (h * 60 + m);
    (MIN_OFFSET..=MAX_OFFSET).contains(&minutes).then_some(minutes * 60 * MICROS_PER_SEC)
}

/// The offset of the session's `time_zone` among its variables (0: UTC).
pub fn session_offset(vars: &std::collections::BTreeMap<&'static str, Value>) -> i64 {
    let zone = vars.get("time_zone").map(|v| super::types::as_text(v.clone()));
    zone.and_then(|z| offset_micros(&z)).unwrap_or(0)
}

/// The positions of a table's TIMESTAMP columns (by their declared type).
pub(crate) fn timestamp_columns(info: &TableInfo) -> Vec<usize> {
    info.columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            info.schema
                .options
                .get(&format!("{}{}", super::types::OPT_TYPE_PREFIX, c.name))
                .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("timestamp"))
        })
        .map(|(i, _)| i)
        .collect()
}

/// `e` moved by `micros` (a datetime, or a number of seconds).
pub(crate) fn shift(e: Expr, ty: SqlType, micros: i64) -> Expr {
    Expr::Func { name: "__my_tz_shift".into(), args: vec![e, Expr::Literal(Value::Int(micros))], ty }
}

/// A table scan of `width` columns with its TIMESTAMP columns (`positions`) in the
/// session's zone.
pub(crate) fn local_scan(scan: Plan, width: usize, positions: &[usize], micros: i64) -> Plan {
    let exprs = (0..width)
        .map(|i| {
            let column = Expr::Column { level: 0, index: i };
            if positions.contains(&i) {
                shift(column, SqlType::Timestamp, micros)
            } else {
                column
            }
        })
        .collect();
    Plan::Project { input: Box::new(scan), exprs }
}

/// A statement that writes `info`: refused when the table has TIMESTAMP columns and the
/// session's zone is not UTC.
pub(crate) fn refuse_write(b: &Binder<'_>, info: &TableInfo) -> Result<(), SqlError> {
    let Some(env) = &b.mysql else { return Ok(()) };
    if timestamp_columns(info).is_empty() || env.zone_micros() == 0 {
        return Ok(());
    }
    Err(SqlError::not_supported(format!(
        "changing table '{}' (it has TIMESTAMP columns) while time_zone is not UTC",
        info.name
    )))
}

/// `__my_tz_shift(v, micros)`: a datetime (or text that reads as one) moved by `micros`;
/// a number of seconds moved by as many seconds.
pub(crate) fn eval_shift(v: &Value, micros: i64) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Timestamp(t) | Value::TimestampTz(t) => Value::Timestamp(t + micros),
        Value::Int(i) => Value::Int(i + micros / MICROS_PER_SEC),
        Value::Float(f) => Value::Float(f + (micros as f64) / MICROS_PER_SEC as f64),
        Value::Decimal(d) => Value::Decimal(d + bigdecimal::BigDecimal::new(micros.into(), 6)),
        other => match super::datetime::micros(other) {
            Some((t, _)) => Value::Timestamp(t + micros),
            None => Value::Null,
        },
    }
}
