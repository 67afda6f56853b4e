//! AQL cursors: `POST /_api/cursor` runs a query ([`crate::exec::run_query`], in the
//! stream transaction of `x-arango-trx-id` when given) and answers the first batch;
//! while rows remain the cursor is registered under an id with its
//! [`ResultStream`], which it pulls `batchSize` rows at a time (so a large result
//! streams from storage; `count: true` drains it to count). `POST|PUT
//! /_api/cursor/{id}` answers the next batch, `POST /_api/cursor/{id}/{batchId}` the
//! latest one again (or the next), `DELETE` drops it (202); unknown ids are 404/1600.
//! A cursor unused for its ttl (30 s by default) is dropped. With `options.profile`,
//! `extra.profile` has two phases Orbit measures: `parsing` (parse, compile, plan and
//! start) and `executing` (pulling rows so far), and with `profile: 2` `extra.plan` is
//! the executor's plan; per-node statistics are not reported.

use super::params::{bool_attr, Req};
use super::response::{HttpResult, Reply};
use super::router::unknown_path;
use super::tracking::Tracked;
use super::transaction::shared;
use super::SharedState;
use crate::error::{num, AqlError, AqlResult, Warning};
use crate::exec::{explain, run_query, QueryOptions, QueryRequest, QueryStats, ResultStream};
use crate::value::{cast, Object, Value};
use axum::http::Method;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const DEFAULT_BATCH_SIZE: usize = 1000;
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);
const MAX_BATCH_SIZE: usize = 1_000_000;
const MAX_TTL_SECONDS: f64 = 86_400.0;
/// Registered cursors at most; the oldest-expiring one goes when a new one needs room.
const MAX_CURSORS: usize = 16_384;

struct Cursor {
    id: String,
    stream: Option<Box<dyn ResultStream>>,
    rows: VecDeque<Value>,
    count: Option<u64>,
    batch_size: usize,
    stats: QueryStats,
    warnings: Vec<Warning>,
    next_batch_id: u64,
    last_batch: Option<(u64, Value)>,
    allow_retry: bool,
    started: Instant,
    /// With `options.profile`: the seconds run_query took (parse, compile, plan, start).
    profile: Option<f64>,
    /// With `options.profile` 2 or more: the executor's plan of the query.
    plan: Option<Value>,
}

struct Entry {
    cursor: Arc<tokio::sync::Mutex<Cursor>>,
    /// Its query, tracked until the entry goes.
    _tracked: Tracked,
    db: String,
    user: Option<String>,
    trx: Option<String>,
    ttl: Duration,
    expires: Mutex<Instant>,
}

pub struct Cursors {
    next_id: AtomicU64,
    map: Mutex<HashMap<String, Arc<Entry>>>,
}

impl Default for Cursors {
    fn default() -> Self {
        let start = super::auth::now_seconds().unsigned_abs() % 1_000_000 * 1000 + 7;
        Cursors { next_id: AtomicU64::new(start), map: Mutex::new(HashMap::new()) }
    }
}

impl Cursors {
    fn sweep(&self) {
        let now = Instant::now();
        self.map.lock().retain(|_, e| *e.expires.lock() > now);
    }

    fn insert(&self, entry: Arc<Entry>, id: String) {
        self.sweep();
        let mut map = self.map.lock();
        if map.len() >= MAX_CURSORS {
            if let Some(oldest) = map.iter().min_by_key(|(_, e)| *e.expires.lock()).map(|(k, _)| k.clone()) {
                map.remove(&oldest);
            }
        }
        map.insert(id, entry);
    }

    fn get(&self, id: &str, req: &Req) -> AqlResult<Arc<Entry>> {
        self.sweep();
        match self.map.lock().get(id) {
            Some(e) if e.db == req.db && (e.user.is_none() || e.user == req.user) => {
                *e.expires.lock() = Instant::now() + e.ttl;
                Ok(e.clone())
            }
            _ => Err(AqlError::new(num::CURSOR_NOT_FOUND, "cursor not found")),
        }
    }

    fn remove(&self, id: &str) -> bool {
        self.map.lock().remove(id).is_some()
    }

    /// Drops the cursor `id` (its query was killed).
    pub fn kill(&self, id: &str) {
        self.map.lock().remove(id);
    }

    /// Drops the cursors running in stream transaction `trx` (it is ending).
    pub fn drop_for_transaction(&self, trx: &str) {
        self.map.lock().retain(|_, e| e.trx.as_deref() != Some(trx));
    }

    pub fn len(&self) -> usize {
        self.sweep();
        self.map.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Cursor {
    /// Pulls until `want` rows are buffered or the stream ends.
    async fn fill(&mut self, want: usize) -> AqlResult<()> {
        while self.rows.len() < want {
            let Some(stream) = self.stream.as_mut() else { break };
            match stream.next().await? {
                Some(row) => self.rows.push_back(row),
                None => {
                    self.stats = stream.stats();
                    self.warnings = stream.warnings();
                    self.stream = None;
                }
            }
        }
        if let Some(stream) = &self.stream {
            self.stats = stream.stats();
            self.warnings = stream.warnings();
        }
        Ok(())
    }

    /// The next batch's body (without error/code), and whether rows remain.
    async fn batch(&mut self) -> AqlResult<(Object, bool)> {
        self.fill(self.batch_size + 1).await?;
        let take = self.batch_size.min(self.rows.len());
        let result: Vec<Value> = self.rows.drain(..take).collect();
        let has_more = !self.rows.is_empty() || self.stream.is_some();
        let mut o = Object::new();
        o.insert("result".into(), Value::Array(result));
        o.insert("hasMore".into(), Value::Bool(has_more));
        if has_more {
            o.insert("id".into(), Value::str(&self.id));
        }
        if let Some(c) = self.count {
            o.insert("count".into(), Value::Int(c as i64));
        }
        o.insert("extra".into(), self.extra());
        o.insert("cached".into(), Value::Bool(false));
        self.next_batch_id += 1;
        if has_more {
            o.insert("nextBatchId".into(), Value::String(self.next_batch_id.to_string()));
        }
        Ok((o, has_more))
    }

    fn extra(&self) -> Value {
        let s = &self.stats;
        let mut stats = Object::new();
        stats.insert("writesExecuted".into(), Value::Int(s.writes_executed as i64));
        stats.insert("writesIgnored".into(), Value::Int(s.writes_ignored as i64));
        stats.insert("scannedFull".into(), Value::Int(s.scanned_full as i64));
        stats.insert("scannedIndex".into(), Value::Int(s.scanned_index as i64));
        stats.insert("filtered".into(), Value::Int(s.filtered as i64));
        stats.insert("httpRequests".into(), Value::Int(0));
        if let Some(fc) = s.full_count {
            stats.insert("fullCount".into(), Value::Int(fc as i64));
        }
        let elapsed = if s.execution_time > 0.0 { s.execution_time } else { self.started.elapsed().as_secs_f64() };
        stats.insert("executionTime".into(), Value::double(elapsed));
        stats.insert("peakMemoryUsage".into(), Value::Int(s.peak_memory_usage as i64));
        stats.insert("intermediateCommits".into(), Value::Int(0));
        let warnings: Vec<Value> = self
            .warnings
            .iter()
            .map(|w| Value::object([("code", Value::Int(w.code as i64)), ("message", Value::str(&w.message))]))
            .collect();
        let mut extra = Object::new();
        extra.insert("warnings".into(), Value::Array(warnings));
        extra.insert("stats".into(), Value::Object(stats));
        if let Some(started) = self.profile {
            let executing = (self.started.elapsed().as_secs_f64() - started).max(0.0);
            extra.insert(
                "profile".into(),
                Value::object([("parsing", Value::double(started)), ("executing", Value::double(executing))]),
            );
        }
        if let Some(plan) = &self.plan {
            extra.insert("plan".into(), plan.clone());
        }
        Value::Object(extra)
    }
}

fn option_f64(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn query_options(options: &Value) -> QueryOptions {
    QueryOptions {
        full_count: bool_attr(options, "fullCount", false),
        max_runtime: option_f64(options.get("maxRuntime")).filter(|t| *t > 0.0),
        fail_on_warning: bool_attr(options, "failOnWarning", false),
        max_warning_count: option_f64(options.get("maxWarningCount")).map(|n| n.clamp(0.0, 1e6) as usize),
        profile: options.get("profile").is_some_and(cast::to_bool),
    }
}

/// Parses a cursor request body into the query and its cursor settings.
pub fn query_request(req: &Req, body: &Value) -> AqlResult<(QueryRequest, Value)> {
    let query = body.get("query").and_then(Value::as_str).unwrap_or("");
    if query.trim().is_empty() {
        return Err(AqlError::new(num::QUERY_EMPTY, "query is empty"));
    }
    let bind_vars = match body.get("bindVars") {
        None | Some(Value::Null) => Object::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return Err(AqlError::new(num::QUERY_BIND_PARAMETERS_INVALID, "bind parameters must be an object")),
    };
    let options = body.get("options").cloned().unwrap_or_else(|| Value::Object(Object::new()));
    let request = QueryRequest {
        database: req.db.clone(),
        query: query.to_string(),
        bind_vars,
        options: query_options(&options),
    };
    Ok((request, options))
}

async fn create(state: &SharedState, req: &Req) -> HttpResult {
    let body = req.body_object()?;
    let (request, options) = query_request(req, &body)?;
    let batch_size = match body.get("batchSize") {
        None | Some(Value::Null) => DEFAULT_BATCH_SIZE,
        Some(v) => match v.as_f64() {
            Some(n) if n >= 1.0 => (n as usize).min(MAX_BATCH_SIZE),
            _ => return Err(AqlError::bad_parameter("batchSize must be greater than zero")),
        },
    };
    let ttl = match option_f64(body.get("ttl")) {
        Some(t) if t > 0.0 => Duration::from_secs_f64(t.min(MAX_TTL_SECONDS)),
        _ => DEFAULT_TTL,
    };
    // A streaming cursor (options.stream) has no count, as in ArangoDB.
    let want_count = bool_attr(&body, "count", false) && !bool_attr(&options, "stream", false);
    let allow_retry = bool_attr(&options, "allowRetry", false);
    let txn = shared(state, req)?;
    let started = Instant::now();
    let profile = request.options.profile;
    let id = state.cursors.next_id.fetch_add(1, Ordering::Relaxed).to_string();
    let tracked =
        state.tracking.start(&id, req, &request.query, &request.bind_vars, bool_attr(&options, "stream", false));
    let wants_plan = options.get("profile").and_then(Value::as_f64).is_some_and(|level| level >= 2.0);
    let failed = |e| tracked.info.failed(e);
    let plan = if wants_plan {
        explain(&state.store, request.clone()).await.map_err(failed)?.get("plan").cloned()
    } else {
        None
    };
    let stream = run_query(&state.store, request, txn).await.map_err(failed)?;
    let mut cursor = Cursor {
        id: id.clone(),
        stream: Some(stream),
        rows: VecDeque::new(),
        count: None,
        batch_size,
        stats: QueryStats::default(),
        warnings: Vec::new(),
        next_batch_id: 1,
        last_batch: None,
        allow_retry,
        started,
        profile: profile.then(|| started.elapsed().as_secs_f64()),
        plan,
    };
    if want_count {
        cursor.fill(usize::MAX).await.map_err(failed)?;
        cursor.count = Some(cursor.rows.len() as u64);
    }
    let (body, has_more) = cursor.batch().await.map_err(failed)?;
    if tracked.info.killed.load(Ordering::Relaxed) {
        return Err(AqlError::new(num::QUERY_KILLED, "query killed"));
    }
    let reply = Reply::ok_object(201, body.clone());
    if has_more {
        cursor.last_batch = Some((cursor.next_batch_id - 1, Value::Object(body)));
        let entry = Entry {
            cursor: Arc::new(tokio::sync::Mutex::new(cursor)),
            _tracked: tracked,
            db: req.db.clone(),
            user: req.user.clone(),
            trx: req.trx_id().map(str::to_string),
            ttl,
            expires: Mutex::new(Instant::now() + ttl),
        };
        state.cursors.insert(Arc::new(entry), id);
    }
    Ok(reply)
}

async fn next(state: &SharedState, req: &Req, id: &str, batch_id: Option<&str>) -> HttpResult {
    let entry = state.cursors.get(id, req)?;
    let mut cursor = entry.cursor.lock().await;
    if let Some(wanted) = batch_id {
        let wanted: u64 =
            wanted.parse().map_err(|_| AqlError::bad_parameter(format!("invalid batch id '{wanted}'")))?;
        if let Some((last, body)) = &cursor.last_batch {
            if *last == wanted {
                let Value::Object(o) = body.clone() else {
                    return Err(AqlError::internal("stored batch is no object"));
                };
                return Ok(Reply::ok_object(200, o));
            }
        }
        if wanted != cursor.next_batch_id {
            return Err(AqlError::bad_parameter(format!("batch with id {wanted} is not available")));
        }
    }
    let (body, has_more) = match cursor.batch().await {
        Ok(b) => b,
        Err(e) => {
            drop(cursor);
            state.cursors.remove(id);
            return Err(e);
        }
    };
    cursor.last_batch = Some((cursor.next_batch_id - 1, Value::Object(body.clone())));
    if !has_more && !cursor.allow_retry {
        drop(cursor);
        state.cursors.remove(id);
    }
    Ok(Reply::ok_object(200, body))
}

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let rest: Vec<&str> = req.segments.iter().skip(2).map(String::as_str).collect();
    match (rest.as_slice(), &req.method) {
        ([], &Method::POST) => create(state, req).await,
        ([], &Method::PUT) => {
            Err(AqlError::with_status(num::HTTP_BAD_PARAMETER, 400, "expecting POST /_api/cursor/<cursor-id>"))
        }
        ([id], &Method::POST) | ([id], &Method::PUT) => next(state, req, id, None).await,
        ([id, batch], &Method::POST) => next(state, req, id, Some(batch)).await,
        ([id], &Method::DELETE) => {
            state.cursors.get(id, req)?;
            state.cursors.remove(id);
            Ok(Reply::ok(202, vec![("id", Value::str(*id))]))
        }
        _ => Err(unknown_path(req)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows 1..=n, counting how many were pulled.
    struct Counting {
        next: i64,
        last: i64,
        pulled: Arc<AtomicU64>,
    }

    #[async_trait::async_trait]
    impl ResultStream for Counting {
        async fn next(&mut self) -> AqlResult<Option<Value>> {
            if self.next > self.last {
                return Ok(None);
            }
            self.pulled.fetch_add(1, Ordering::Relaxed);
            self.next += 1;
            Ok(Some(Value::Int(self.next - 1)))
        }
        fn stats(&self) -> QueryStats {
            QueryStats { scanned_full: self.next as u64 - 1, ..Default::default() }
        }
        fn warnings(&self) -> Vec<Warning> {
            vec![Warning { code: 1562, message: "division by zero".into() }]
        }
        fn modified(&self) -> bool {
            false
        }
    }

    fn cursor(n: i64, batch_size: usize) -> (Cursor, Arc<AtomicU64>) {
        let pulled = Arc::new(AtomicU64::new(0));
        let stream = Counting { next: 1, last: n, pulled: pulled.clone() };
        let c = Cursor {
            id: "77".into(),
            stream: Some(Box::new(stream)),
            rows: VecDeque::new(),
            count: None,
            batch_size,
            stats: QueryStats::default(),
            warnings: Vec::new(),
            next_batch_id: 1,
            last_batch: None,
            allow_retry: false,
            started: Instant::now(),
            profile: None,
            plan: None,
        };
        (c, pulled)
    }

    fn ints(o: &Object) -> Vec<i64> {
        o.get("result")
            .and_then(Value::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_f64())
            .map(|f| f as i64)
            .collect()
    }

    #[tokio::test]
    async fn batches_pull_only_what_they_answer() {
        // RestCursorPostBatch: FOR i IN 1..5 RETURN i, batchSize 2
        let (mut c, pulled) = cursor(5, 2);
        let (b, more) = c.batch().await.unwrap();
        assert_eq!((ints(&b), more), (vec![1, 2], true));
        assert_eq!(b.get("id"), Some(&Value::str("77")));
        assert_eq!(b.get("nextBatchId"), Some(&Value::str("2")));
        assert!(b.get("count").is_none());
        assert_eq!(pulled.load(Ordering::Relaxed), 3, "one row of look-ahead, not the whole result");
        let (b, _) = c.batch().await.unwrap();
        assert_eq!((ints(&b), b.get("nextBatchId").cloned()), (vec![3, 4], Some(Value::str("3"))));
        let (b, more) = c.batch().await.unwrap();
        assert_eq!((ints(&b), more), (vec![5], false));
        assert!(b.get("nextBatchId").is_none());
        let extra = b.get("extra").cloned().unwrap_or_default();
        assert_eq!(extra.get("stats").and_then(|s| s.get("scannedFull")), Some(&Value::Int(5)));
        assert_eq!(
            extra.get("warnings"),
            Some(&Value::Array(vec![Value::object([
                ("code", Value::Int(1562)),
                ("message", Value::str("division by zero"))
            ])]))
        );
    }

    #[tokio::test]
    async fn a_single_batch_has_no_id_and_count_drains() {
        let (mut c, _) = cursor(2, 2);
        let (b, more) = c.batch().await.unwrap();
        assert_eq!((ints(&b), more), (vec![1, 2], false));
        assert!(b.get("id").is_none());
        let (mut c, pulled) = cursor(1000, 10);
        c.fill(usize::MAX).await.unwrap();
        c.count = Some(c.rows.len() as u64);
        assert_eq!(pulled.load(Ordering::Relaxed), 1000);
        let (b, _) = c.batch().await.unwrap();
        assert_eq!(b.get("count"), Some(&Value::Int(1000)));
        assert_eq!(ints(&b).len(), 10);
    }
}
