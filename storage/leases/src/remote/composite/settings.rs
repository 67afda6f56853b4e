//! The `[providers.<name>] type = "Composite"` table: `primary` and `backup` (a provider
//! name, or an inline provider table as in the persistence documents), `mode`
//! ("strict" | "fast"), `failover_threshold` errors within `failover_window` seconds,
//! `max_lease_ttl` and `skew_margin` seconds (the guard after a failover); the documented
//! `sync_interval` and `health_check_interval` are accepted and not used (strict mode
//! writes through, health is checked on request).

use crate::provider::{LeaseError, LeaseResult};
use serde_json::{Map, Value};
use std::time::Duration;

pub const FIELDS: &[&str] = &[
    "primary",
    "backup",
    "mode",
    "failover_threshold",
    "failover_window",
    "max_lease_ttl",
    "skew_margin",
    "sync_interval",
    "health_check_interval",
];

/// A member: another provider by name, or an inline provider table.
#[derive(Debug, Clone, PartialEq)]
pub enum Member {
    Named(String),
    Inline(Map<String, Value>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every write goes to both members before it returns (safe for single activation).
    Strict,
    /// The backup is written in the background (NOT safe for single activation).
    Fast,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompositeSettings {
    pub primary: Member,
    pub backup: Member,
    pub mode: Mode,
    pub failover_threshold: u32,
    pub failover_window: Duration,
    /// After a failover the backup grants no key it does not know for this long
    /// (`max_lease_ttl` + `skew_margin`).
    pub guard: Duration,
}

fn error(provider: &str, field: &str, message: impl std::fmt::Display) -> LeaseError {
    LeaseError::Config(format!("providers.{provider}.{field}: {message}"))
}

fn seconds(provider: &str, table: &Map<String, Value>, field: &str, default: f64) -> LeaseResult<Duration> {
    match table.get(field) {
        None | Some(Value::Null) => Ok(Duration::from_secs_f64(default)),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(s) if (0.0..=86_400.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
            _ => Err(error(provider, field, format!("expected seconds from 0 to 86400, got {n}"))),
        },
        Some(_) => Err(error(provider, field, "expected a number of seconds")),
    }
}

fn member(provider: &str, table: &Map<String, Value>, field: &str) -> LeaseResult<Member> {
    match table.get(field) {
        Some(Value::String(name)) if !name.is_empty() => Ok(Member::Named(name.clone())),
        Some(Value::Object(inline)) => Ok(Member::Inline(inline.clone())),
        None => Err(error(provider, field, "missing (a provider name, or a table with its type)")),
        Some(_) => Err(error(provider, field, "expected a provider name or a provider table")),
    }
}

impl CompositeSettings {
    pub fn from_table(provider: &str, table: &Map<String, Value>) -> LeaseResult<CompositeSettings> {
        if let Some(unknown) = table.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(error(provider, unknown, format!("unknown field (expected one of: {})", FIELDS.join(", "))));
        }
        let mode = match table.get("mode") {
            None | Some(Value::Null) => Mode::Strict,
            Some(Value::String(m)) if m.eq_ignore_ascii_case("strict") => Mode::Strict,
            Some(Value::String(m)) if m.eq_ignore_ascii_case("fast") => Mode::Fast,
            Some(other) => {
                return Err(error(provider, "mode", format!("expected \"strict\" or \"fast\", got {other}")))
            }
        };
        let failover_threshold = match table.get("failover_threshold") {
            None | Some(Value::Null) => 3,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if (1..=1000).contains(&v) => v as u32,
                _ => return Err(error(provider, "failover_threshold", format!("expected 1 to 1000, got {n}"))),
            },
            Some(_) => return Err(error(provider, "failover_threshold", "expected an integer")),
        };
        for field in ["sync_interval", "health_check_interval"] {
            seconds(provider, table, field, 0.0)?;
        }
        let guard = seconds(provider, table, "max_lease_ttl", 60.0)? + seconds(provider, table, "skew_margin", 5.0)?;
        Ok(CompositeSettings {
            primary: member(provider, table, "primary")?,
            backup: member(provider, table, "backup")?,
            mode,
            failover_threshold,
            failover_window: seconds(provider, table, "failover_window", 30.0)?,
            guard,
        })
    }
}
