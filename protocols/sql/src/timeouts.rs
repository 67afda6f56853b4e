//! The time-limit settings of a session: `statement_timeout` (a statement running longer
//! is cancelled with 57014 "canceling statement due to statement timeout") and
//! `idle_in_transaction_session_timeout` (read by the wire listener, which ends a session
//! left idle inside a transaction block).
//!
//! Values are PostgreSQL's: an integer is milliseconds, or a number with a unit (`us`,
//! `ms`, `s`, `min`, `h`, `d`); 0 turns the limit off. SHOW prints them as PostgreSQL
//! does, in the largest unit that divides the value (`100ms`, `2s`, `5min`).
//!
//! The statement timer is a task that sleeps for the limit and then raises the session's
//! cancel flag, which the executor polls as rows flow; the error it causes is then
//! reworded from "user request" to "statement timeout".

use crate::error::{sqlstate, SqlError};
use crate::Session;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The settings holding durations in milliseconds.
pub const DURATION_SETTINGS: [&str; 3] = ["statement_timeout", "idle_in_transaction_session_timeout", "lock_timeout"];

const MAX_MS: u64 = i32::MAX as u64;

/// Parses a duration setting into milliseconds.
pub fn parse_ms(name: &str, value: &str) -> Result<u64, SqlError> {
    let invalid = || {
        SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, format!("invalid value for parameter \"{name}\": \"{value}\""))
    };
    let v = value.trim();
    let split = v.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')).unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let number: f64 = number.parse().map_err(|_| invalid())?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => {
            return Err(invalid()
                .with_hint("Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\"."))
        }
    };
    let ms = (number * factor).round();
    if !(0.0..=MAX_MS as f64).contains(&ms) {
        return Err(SqlError::new(
            sqlstate::INVALID_PARAMETER_VALUE,
            format!("{} ms is outside the valid range for parameter \"{name}\" (0 .. {MAX_MS})", ms as i64),
        ));
    }
    Ok(ms as u64)
}

/// PostgreSQL's display of a duration setting.
pub fn format_ms(ms: u64) -> String {
    if ms == 0 {
        return "0".into();
    }
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)] {
        if ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

fn setting_duration(session: &Session, name: &str) -> Option<Duration> {
    let ms = parse_ms(name, session.setting_ref(name)?).ok()?;
    (ms > 0).then(|| Duration::from_millis(ms))
}

impl Session {
    /// `statement_timeout`, when one is set.
    pub fn statement_timeout(&self) -> Option<Duration> {
        setting_duration(self, "statement_timeout")
    }

    /// `idle_in_transaction_session_timeout`, when one is set.
    pub fn idle_in_transaction_timeout(&self) -> Option<Duration> {
        setting_duration(self, "idle_in_transaction_session_timeout")
    }
}

/// Cancels the running statement when its time is up; stops when dropped.
///
/// The deadline is watched by one timer thread for the whole process, not by a tokio
/// task: the executor runs a statement on a runtime worker without yielding, and a task
/// spawned from that worker would wait in the worker's own queue until the statement
/// ends.
pub struct StatementTimer {
    armed: Option<(std::time::Instant, u64)>,
    fired: Arc<AtomicBool>,
}

struct Armed {
    fired: Arc<AtomicBool>,
    cancel: Arc<AtomicBool>,
}

#[derive(Default)]
struct Timers {
    next_id: u64,
    armed: std::collections::BTreeMap<(std::time::Instant, u64), Armed>,
}

fn timers() -> &'static (std::sync::Mutex<Timers>, std::sync::Condvar) {
    static TIMERS: std::sync::OnceLock<(std::sync::Mutex<Timers>, std::sync::Condvar)> = std::sync::OnceLock::new();
    TIMERS.get_or_init(|| {
        std::thread::Builder::new()
            .name("orbit-statement-timeout".into())
            .spawn(run_timers)
            .expect("the statement timer thread starts");
        (std::sync::Mutex::new(Timers::default()), std::sync::Condvar::new())
    })
}

fn run_timers() {
    let (lock, wakeup) = timers();
    let mut timers = lock.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = std::time::Instant::now();
        while let Some(entry) = timers.armed.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let armed = entry.remove();
            armed.fired.store(true, Ordering::Relaxed);
            armed.cancel.store(true, Ordering::Relaxed);
        }
        timers = match timers.armed.keys().next().map(|(deadline, _)| *deadline) {
            Some(deadline) => {
                wakeup
                    .wait_timeout(timers, deadline.saturating_duration_since(now))
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
            None => wakeup.wait(timers).unwrap_or_else(|e| e.into_inner()),
        };
    }
}

impl StatementTimer {
    pub fn arm(limit: Option<Duration>, cancel: Arc<AtomicBool>) -> StatementTimer {
        let fired = Arc::new(AtomicBool::new(false));
        let Some(limit) = limit else { return StatementTimer { armed: None, fired } };
        let (lock, wakeup) = timers();
        let mut timers = lock.lock().unwrap_or_else(|e| e.into_inner());
        timers.next_id += 1;
        let key = (std::time::Instant::now() + limit, timers.next_id);
        timers.armed.insert(key, Armed { fired: fired.clone(), cancel });
        drop(timers);
        wakeup.notify_one();
        StatementTimer { armed: Some(key), fired }
    }

    /// `e`, named as a timeout when it is a cancellation the timer caused.
    pub fn describe(&self, mut e: SqlError) -> SqlError {
        if e.code == sqlstate::QUERY_CANCELED && self.fired.load(Ordering::Relaxed) {
            e.message = "canceling statement due to statement timeout".into();
        }
        e
    }

    /// The statement's result, with a cancellation the timer caused named as a timeout.
    pub fn finish<T>(self, result: Result<T, SqlError>) -> Result<T, SqlError> {
        result.map_err(|e| self.describe(e))
    }
}

impl Drop for StatementTimer {
    fn drop(&mut self) {
        if let Some(key) = self.armed.take() {
            let (lock, _) = timers();
            lock.lock().unwrap_or_else(|e| e.into_inner()).armed.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print_like_postgresql() {
        assert_eq!(parse_ms("statement_timeout", "100").unwrap(), 100);
        assert_eq!(parse_ms("statement_timeout", "100ms").unwrap(), 100);
        assert_eq!(parse_ms("statement_timeout", "2s").unwrap(), 2000);
        assert_eq!(parse_ms("statement_timeout", "1.5 s").unwrap(), 1500);
        assert_eq!(parse_ms("statement_timeout", "5min").unwrap(), 300_000);
        assert!(parse_ms("statement_timeout", "soon").is_err());
        assert!(parse_ms("statement_timeout", "5 parsecs").is_err());
        assert!(parse_ms("statement_timeout", "-1").is_err());
        assert_eq!(format_ms(0), "0");
        assert_eq!(format_ms(100), "100ms");
        assert_eq!(format_ms(2000), "2s");
        assert_eq!(format_ms(300_000), "5min");
        assert_eq!(format_ms(3_600_000), "1h");
    }
}
