//! AQL query tracking (`/_api/query/properties|current|slow`, `DELETE /_api/query/{id}`):
//! the queries running now (a request computing a cursor's first batch, and every
//! registered cursor until it is exhausted or dropped), the slow ones (finished after
//! the threshold, at most `maxSlowQueries` kept), and killing one (its cursor is
//! dropped; a first batch under way ends with 1500 "query killed"). A query's id is
//! its cursor's id. `modificationQuery` says whether the query's own operations (not
//! those of its subqueries) modify data; a slow query's `exitCode` is the errorNum its
//! first batch ended with (0: success, 1500: killed).

use super::params::{bool_attr, Req};
use super::response::{HttpResult, Reply};
use super::SharedState;
use crate::error::{num, AqlError};
use crate::value::{Object, Value};
use axum::http::Method;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// One tracked query.
pub struct QueryInfo {
    pub id: String,
    pub db: String,
    pub user: String,
    pub query: String,
    pub bind_vars: Value,
    pub stream: bool,
    pub modification: bool,
    started_at: f64,
    started: Instant,
    pub killed: AtomicBool,
    exit_code: AtomicU32,
}

#[derive(Clone)]
struct Properties {
    enabled: bool,
    track_slow_queries: bool,
    track_bind_vars: bool,
    max_slow_queries: u64,
    slow_query_threshold: f64,
    slow_streaming_query_threshold: f64,
    max_query_string_length: u64,
}

impl Default for Properties {
    fn default() -> Self {
        Properties {
            enabled: true,
            track_slow_queries: true,
            track_bind_vars: true,
            max_slow_queries: 64,
            slow_query_threshold: 10.0,
            slow_streaming_query_threshold: 10.0,
            max_query_string_length: 4096,
        }
    }
}

/// A query being tracked: finished (and checked for slowness) when dropped, whichever
/// way its request or cursor ends.
pub struct Tracked {
    tracking: Arc<Tracking>,
    pub info: Arc<QueryInfo>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.tracking.finish(&self.info);
    }
}

#[derive(Default)]
pub struct Tracking {
    properties: Mutex<Properties>,
    running: Mutex<HashMap<String, Arc<QueryInfo>>>,
    slow: Mutex<VecDeque<Value>>,
}

/// `2026-08-04T15:28:26Z` for seconds since the epoch.
pub fn iso_date(seconds: f64) -> String {
    let secs = seconds.max(0.0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn now_seconds() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Whether the query's own operations write (INSERT, UPDATE, REPLACE, REMOVE, UPSERT);
/// false for a query that does not parse.
fn modifies(query: &str) -> bool {
    use crate::ast::Op;
    crate::syntax::parse(query).is_ok_and(|q| {
        q.ops
            .iter()
            .any(|op| matches!(op, Op::Insert(_) | Op::Update(_) | Op::Replace(_) | Op::Remove(_) | Op::Upsert(_)))
    })
}

impl QueryInfo {
    /// Notes the error the query ended with (its `exitCode`) and hands it on.
    pub fn failed(&self, e: AqlError) -> AqlError {
        self.exit_code.store(e.num, Ordering::Relaxed);
        e
    }

    fn exit_code(&self) -> u32 {
        if self.killed.load(Ordering::Relaxed) {
            num::QUERY_KILLED
        } else {
            self.exit_code.load(Ordering::Relaxed)
        }
    }

    fn describe(&self, state: &str, track_bind_vars: bool, max_len: u64) -> Value {
        let query: String = self.query.chars().take(max_len as usize).collect();
        let mut o = self.fields(query, track_bind_vars, state);
        if state == "finished" {
            o.insert("exitCode".into(), Value::Int(i64::from(self.exit_code())));
        }
        Value::Object(o)
    }

    fn fields(&self, query: String, track_bind_vars: bool, state: &str) -> Object {
        Object::from_iter(
            [
                ("id", Value::str(&self.id)),
                ("database", Value::str(&self.db)),
                ("user", Value::str(&self.user)),
                ("query", Value::String(query)),
                ("bindVars", if track_bind_vars { self.bind_vars.clone() } else { Value::Object(Object::new()) }),
                ("started", Value::String(iso_date(self.started_at))),
                ("runTime", Value::double(self.started.elapsed().as_secs_f64())),
                ("peakMemoryUsage", Value::Int(0)),
                ("state", Value::str(state)),
                ("stream", Value::Bool(self.stream)),
                ("modificationQuery", Value::Bool(self.modification)),
            ]
            .map(|(k, v)| (k.to_string(), v)),
        )
    }
}

impl Tracking {
    /// Starts tracking a query; it runs until the [`Tracked`] is dropped.
    pub fn start(self: &Arc<Self>, id: &str, req: &Req, query: &str, bind_vars: &Object, stream: bool) -> Tracked {
        let info = Arc::new(QueryInfo {
            id: id.to_string(),
            db: req.db.clone(),
            user: req.user.clone().unwrap_or_default(),
            query: query.to_string(),
            bind_vars: Value::Object(bind_vars.clone()),
            stream,
            modification: modifies(query),
            started_at: now_seconds(),
            started: Instant::now(),
            killed: AtomicBool::new(false),
            exit_code: AtomicU32::new(0),
        });
        if self.properties.lock().enabled {
            self.running.lock().insert(id.to_string(), info.clone());
        }
        Tracked { tracking: self.clone(), info }
    }

    /// The query ended: no longer running, and kept as slow when it took long enough.
    fn finish(&self, info: &QueryInfo) {
        if self.running.lock().remove(&info.id).is_none() {
            return;
        }
        let p = self.properties.lock().clone();
        let threshold = if info.stream { p.slow_streaming_query_threshold } else { p.slow_query_threshold };
        if p.enabled && p.track_slow_queries && info.started.elapsed().as_secs_f64() >= threshold {
            let mut slow = self.slow.lock();
            slow.push_back(info.describe("finished", p.track_bind_vars, p.max_query_string_length));
            while slow.len() as u64 > p.max_slow_queries {
                slow.pop_front();
            }
        }
    }

    fn properties_value(&self) -> Value {
        let p = self.properties.lock().clone();
        Value::object([
            ("enabled", Value::Bool(p.enabled)),
            ("trackSlowQueries", Value::Bool(p.track_slow_queries)),
            ("trackBindVars", Value::Bool(p.track_bind_vars)),
            ("maxSlowQueries", Value::Int(p.max_slow_queries as i64)),
            ("slowQueryThreshold", Value::double(p.slow_query_threshold)),
            ("slowStreamingQueryThreshold", Value::double(p.slow_streaming_query_threshold)),
            ("maxQueryStringLength", Value::Int(p.max_query_string_length as i64)),
        ])
    }

    fn set_properties(&self, body: &Value) {
        let mut p = self.properties.lock();
        p.enabled = bool_attr(body, "enabled", p.enabled);
        p.track_slow_queries = bool_attr(body, "trackSlowQueries", p.track_slow_queries);
        p.track_bind_vars = bool_attr(body, "trackBindVars", p.track_bind_vars);
        let number = |name: &str| body.get(name).and_then(Value::as_f64).filter(|n| *n >= 0.0);
        if let Some(n) = number("maxSlowQueries") {
            p.max_slow_queries = n.min(1e6) as u64;
        }
        if let Some(n) = number("slowQueryThreshold") {
            p.slow_query_threshold = n;
        }
        if let Some(n) = number("slowStreamingQueryThreshold") {
            p.slow_streaming_query_threshold = n;
        }
        if let Some(n) = number("maxQueryStringLength") {
            p.max_query_string_length = n.min(1e9) as u64;
        }
    }
}

/// `/_api/query/{properties,current,slow}` and `DELETE /_api/query/{id}`.
pub async fn handle(state: &SharedState, req: &Req, what: &str) -> HttpResult {
    let tracking = &state.tracking;
    match (what, &req.method) {
        ("properties", &Method::GET) => Ok(Reply::json(200, tracking.properties_value())),
        ("properties", &Method::PUT) => {
            tracking.set_properties(&req.body_object()?);
            Ok(Reply::json(200, tracking.properties_value()))
        }
        ("current", &Method::GET) => {
            let p = tracking.properties.lock().clone();
            let list: Vec<Value> = tracking
                .running
                .lock()
                .values()
                .filter(|q| q.db == req.db)
                .map(|q| q.describe("executing", p.track_bind_vars, p.max_query_string_length))
                .collect();
            Ok(Reply::json(200, Value::Array(list)))
        }
        ("slow", &Method::GET) => {
            let list: Vec<Value> = tracking
                .slow
                .lock()
                .iter()
                .filter(|q| q.get("database").and_then(Value::as_str) == Some(req.db.as_str()))
                .cloned()
                .collect();
            Ok(Reply::json(200, Value::Array(list)))
        }
        ("slow", &Method::DELETE) => {
            tracking.slow.lock().retain(|q| q.get("database").and_then(Value::as_str) != Some(req.db.as_str()));
            Ok(Reply::ok(200, vec![]))
        }
        (id, &Method::DELETE) => {
            let found = tracking.running.lock().get(id).filter(|q| q.db == req.db).cloned();
            let Some(info) = found else {
                return Err(AqlError::with_status(
                    num::QUERY_NOT_FOUND,
                    404,
                    format!("cannot kill query '{id}': not found"),
                ));
            };
            info.killed.store(true, Ordering::Relaxed);
            state.cursors.kill(id);
            tracking.running.lock().remove(id);
            Ok(Reply::ok(200, vec![]))
        }
        ("rules", _) => Err(AqlError::not_supported("/_api/query/rules (Orbit has no optimizer rule list)")),
        _ => Err(super::router::unknown_path(req)),
    }
}

#[cfg(test)]
mod tests {
    use super::iso_date;

    #[test]
    fn dates_are_iso() {
        assert_eq!(iso_date(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_date(1_785_857_306.0), "2026-08-04T15:28:26Z");
        assert_eq!(iso_date(951_782_400.0), "2000-02-29T00:00:00Z");
    }
}
