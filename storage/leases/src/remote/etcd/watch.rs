//! Watching a key prefix through the gateway's streaming `POST /v3/watch`: the answer is
//! newline-delimited JSON, one `{"result": ...}` per line (the creation, then batches of
//! events), read chunk by chunk with every line's length bounded.
//!
//! * [`watch_from`] runs one stream from a revision until it ends: the server cancels it
//!   (a compacted start revision answers `canceled` with `compact_revision`), the
//!   connection fails, or nothing arrives for `idle` (a stopped or unreachable server
//!   keeps the TCP connection open). It advances the caller's next revision past each
//!   batch it hands on, so a reconnection resumes exactly where the last one stopped.
//! * [`follow_prefix`] keeps a view of a prefix: a list (one [`PrefixChange::Snapshot`]
//!   at its revision), then a watch from the next revision, reconnected from the last seen
//!   revision after an error (the server restarted, a timeout) and re-listed when that
//!   revision has been compacted away.

use super::gateway::{b64, kv, prefix_end, Gateway, GatewayError, Kv};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// The longest line (one watch answer) read from the server.
const MAX_LINE_BYTES: usize = 16 << 20;
/// How long the follower waits before reconnecting, at most.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// One change to a watched key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    Put(Kv),
    Delete { key: Vec<u8>, mod_revision: i64 },
}

impl WatchEvent {
    pub fn key(&self) -> &[u8] {
        match self {
            WatchEvent::Put(kv) => &kv.key,
            WatchEvent::Delete { key, .. } => key,
        }
    }

    pub fn mod_revision(&self) -> i64 {
        match self {
            WatchEvent::Put(kv) => kv.mod_revision,
            WatchEvent::Delete { mod_revision, .. } => *mod_revision,
        }
    }
}

/// What a follower reports, in revision order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefixChange {
    /// Every key under the prefix at `revision` (first, and again after a compaction).
    Snapshot { kvs: Vec<Kv>, revision: i64 },
    /// The changes of one watch answer; `revision` is the last one's.
    Events { events: Vec<WatchEvent>, revision: i64 },
}

/// How one watch stream ended.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEnd {
    /// The start revision is compacted: the server keeps history from after `compact_revision`.
    Compacted { compact_revision: i64 },
    /// The stream could not be opened, broke, or stayed silent for the idle time.
    Failed(GatewayError),
    /// The receiver of the events is gone.
    Closed,
}

/// Watches the keys under `prefix` from `*next_revision`, handing each batch of events to
/// `deliver` (false stops the watch) and moving `*next_revision` past it.
pub async fn watch_from(
    gateway: &Gateway,
    prefix: &str,
    next_revision: &mut i64,
    idle: Duration,
    mut deliver: impl FnMut(Vec<WatchEvent>, i64) -> bool,
) -> WatchEnd {
    let body = json!({"create_request": {
        "key": b64(prefix.as_bytes()),
        "range_end": b64(&prefix_end(prefix.as_bytes())),
        "start_revision": next_revision.to_string(),
    }});
    let mut response = match gateway.open_stream("/v3/watch", &body).await {
        Ok(response) => response,
        Err(e) => return WatchEnd::Failed(e),
    };
    let mut pending: Vec<u8> = Vec::new();
    // How much of `pending` is known to hold no newline (a long line is scanned once).
    let mut scanned = 0;
    loop {
        let chunk = match tokio::time::timeout(idle, response.chunk()).await {
            Err(_) => return WatchEnd::Failed(GatewayError::Unreachable(format!("the watch was silent for {idle:?}"))),
            Ok(Err(e)) => return WatchEnd::Failed(GatewayError::Unreachable(format!("the watch broke: {e}"))),
            Ok(Ok(None)) => return WatchEnd::Failed(GatewayError::Unreachable("the server ended the watch".into())),
            Ok(Ok(Some(chunk))) => chunk,
        };
        pending.extend_from_slice(&chunk);
        while let Some(end) = pending[scanned..].iter().position(|&b| b == b'\n').map(|at| scanned + at) {
            scanned = 0;
            let line: Vec<u8> = pending.drain(..=end).collect();
            match parse_line(&line) {
                Ok(Answer::Nothing) => {}
                Ok(Answer::Events(events)) => {
                    let Some(last) = events.iter().map(WatchEvent::mod_revision).max() else { continue };
                    *next_revision = (*next_revision).max(last.saturating_add(1));
                    if !deliver(events, last) {
                        return WatchEnd::Closed;
                    }
                }
                Ok(Answer::Compacted(compact_revision)) => return WatchEnd::Compacted { compact_revision },
                Err(e) => return WatchEnd::Failed(e),
            }
        }
        scanned = pending.len();
        if pending.len() > MAX_LINE_BYTES {
            return WatchEnd::Failed(GatewayError::Malformed(format!("a watch answer over {MAX_LINE_BYTES} bytes")));
        }
    }
}

enum Answer {
    Nothing,
    Events(Vec<WatchEvent>),
    Compacted(i64),
}

fn parse_line(line: &[u8]) -> Result<Answer, GatewayError> {
    let text = line.strip_suffix(b"\n").unwrap_or(line);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(Answer::Nothing);
    }
    let value: Value = serde_json::from_slice(text).map_err(|e| {
        GatewayError::Malformed(format!("a watch answer is not JSON ({e}): {}", String::from_utf8_lossy(text)))
    })?;
    if let Some(error) = value.get("error") {
        let code = error.get("code").and_then(Value::as_i64).unwrap_or(-1);
        let message = error.get("message").and_then(Value::as_str).map_or_else(|| error.to_string(), str::to_string);
        return Err(if code == 14 {
            GatewayError::Unreachable(message)
        } else {
            GatewayError::Server { code, message }
        });
    }
    let result = value.get("result").ok_or_else(|| GatewayError::Malformed(format!("a watch answer: {value}")))?;
    if result.get("canceled").and_then(Value::as_bool).unwrap_or(false) {
        let compact_revision = super::gateway::int(result, "compact_revision")?;
        if compact_revision > 0 {
            return Ok(Answer::Compacted(compact_revision));
        }
        let reason = result.get("cancel_reason").and_then(Value::as_str).unwrap_or("no reason given");
        return Err(GatewayError::Server { code: -1, message: format!("the watch was canceled: {reason}") });
    }
    let events = match result.get("events") {
        None | Some(Value::Null) => return Ok(Answer::Nothing),
        Some(Value::Array(events)) => events,
        Some(other) => return Err(GatewayError::Malformed(format!("watch events = {other}"))),
    };
    events
        .iter()
        .map(|event| {
            let kv = kv(event.get("kv").ok_or_else(|| GatewayError::Malformed(format!("a watch event: {event}")))?)?;
            match event.get("type").and_then(Value::as_str) {
                None | Some("PUT") => Ok(WatchEvent::Put(kv)),
                Some("DELETE") => Ok(WatchEvent::Delete { key: kv.key, mod_revision: kv.mod_revision }),
                Some(other) => Err(GatewayError::Malformed(format!("watch event type {other:?}"))),
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Answer::Events)
}

/// Follows the keys under `prefix` into `sink` until the sink is dropped: a snapshot
/// first (or, with `from_revision`, the changes from that revision on, falling back to a
/// snapshot when it is compacted), then every change, across reconnections.
pub async fn follow_prefix(
    gateway: Arc<Gateway>,
    prefix: String,
    from_revision: Option<i64>,
    idle: Duration,
    sink: UnboundedSender<PrefixChange>,
) {
    // 0: list first.
    let mut next_revision = from_revision.unwrap_or(0).max(0);
    let mut backoff = Duration::from_millis(50);
    while !sink.is_closed() {
        if next_revision == 0 {
            match gateway.scan_at_revision(&prefix).await {
                Ok((kvs, revision)) => {
                    if sink.send(PrefixChange::Snapshot { kvs, revision }).is_err() {
                        return;
                    }
                    next_revision = revision.saturating_add(1);
                    backoff = Duration::from_millis(50);
                }
                Err(e) => {
                    tracing::warn!(prefix, error = %e, "etcd watch: listing failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            }
        }
        let started_at = next_revision;
        let end = watch_from(&gateway, &prefix, &mut next_revision, idle, |events, revision| {
            sink.send(PrefixChange::Events { events, revision }).is_ok()
        })
        .await;
        if next_revision > started_at {
            backoff = Duration::from_millis(50);
        }
        match end {
            WatchEnd::Closed => return,
            WatchEnd::Compacted { compact_revision } => {
                tracing::info!(prefix, compact_revision, next_revision, "etcd watch: history compacted; re-listing");
                next_revision = 0;
            }
            WatchEnd::Failed(e) => {
                tracing::debug!(prefix, error = %e, next_revision, "etcd watch: reconnecting");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
