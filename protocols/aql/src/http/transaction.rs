//! Stream transactions: `POST /_api/transaction/begin` registers a [`SharedTxn`] under a
//! numeric id, `GET /_api/transaction[/{id}]` lists or reports, `PUT .../{id}` commits,
//! `DELETE .../{id}` aborts; a transaction idle for longer than the idle timeout is
//! aborted. Document, cursor and import calls with `x-arango-trx-id` run in it through
//! [`open`], which also gives calls without the header their own transaction.
//! JavaScript transactions (`POST /_api/transaction` with `action`) answer 501/9.

use super::params::Req;
use super::response::{HttpResult, Reply};
use super::router::unknown_path;
use super::SharedState;
use crate::error::{num, AqlError, AqlResult};
use crate::store::{DocTxn, SharedTxn, TxnOptions};
use crate::value::Value;
use axum::http::Method;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::OwnedMutexGuard;

/// ArangoDB's --transaction.streaming-idle-timeout default.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Finished transactions whose final status is still reported.
const FINISHED_KEPT: usize = 1024;
/// Running stream transactions at most.
const MAX_RUNNING: usize = 4096;

struct Running {
    db: String,
    txn: SharedTxn,
    last_used: Instant,
}

pub struct Transactions {
    next_id: AtomicU64,
    running: Mutex<HashMap<String, Running>>,
    finished: Mutex<VecDeque<(String, &'static str)>>,
}

impl Default for Transactions {
    fn default() -> Self {
        let start = super::auth::now_seconds().unsigned_abs() % 1_000_000 * 1000 + 1;
        Transactions {
            next_id: AtomicU64::new(start),
            running: Mutex::new(HashMap::new()),
            finished: Mutex::new(VecDeque::new()),
        }
    }
}

fn not_found(id: &str) -> AqlError {
    AqlError::with_status(num::BAD_PARAMETER, 404, format!("transaction '{id}' not found"))
}

impl Transactions {
    /// Drops transactions idle past the timeout (their storage transaction is rolled
    /// back when the last handle goes).
    fn expire(&self) {
        let now = Instant::now();
        let expired: Vec<String> = self
            .running
            .lock()
            .iter()
            .filter(|(_, r)| now.duration_since(r.last_used) > IDLE_TIMEOUT)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.running.lock().remove(&id);
            self.finish(&id, "aborted");
        }
    }

    fn finish(&self, id: &str, status: &'static str) {
        let mut finished = self.finished.lock();
        finished.push_back((id.to_string(), status));
        while finished.len() > FINISHED_KEPT {
            finished.pop_front();
        }
    }

    /// The running transaction `id` of database `db`.
    pub fn get(&self, id: &str, db: &str) -> AqlResult<SharedTxn> {
        self.expire();
        let mut running = self.running.lock();
        match running.get_mut(id) {
            Some(r) if r.db == db => {
                r.last_used = Instant::now();
                Ok(r.txn.clone())
            }
            _ => {
                drop(running);
                match self.status(id) {
                    Some(status) => Err(AqlError::with_status(
                        num::TRANSACTION_ABORTED,
                        410,
                        format!("transaction '{id}' is not running (status {status})"),
                    )),
                    None => Err(not_found(id)),
                }
            }
        }
    }

    /// Stream transactions running now.
    pub fn running(&self) -> u64 {
        self.expire();
        self.running.lock().len() as u64
    }

    fn status(&self, id: &str) -> Option<&'static str> {
        if self.running.lock().contains_key(id) {
            return Some("running");
        }
        self.finished.lock().iter().rev().find(|(i, _)| i == id).map(|(_, s)| *s)
    }

    fn register(&self, db: &str, txn: DocTxn) -> AqlResult<String> {
        self.expire();
        let mut running = self.running.lock();
        if running.len() >= MAX_RUNNING {
            return Err(AqlError::with_status(num::TRANSACTION_INTERNAL, 500, "too many running stream transactions"));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).to_string();
        running.insert(
            id.clone(),
            Running { db: db.to_string(), txn: Arc::new(tokio::sync::Mutex::new(txn)), last_used: Instant::now() },
        );
        Ok(id)
    }

    fn take(&self, id: &str, db: &str) -> AqlResult<SharedTxn> {
        let mut running = self.running.lock();
        match running.get(id) {
            Some(r) if r.db == db => Ok(running.remove(id).map(|r| r.txn).ok_or_else(|| not_found(id))?),
            _ => {
                drop(running);
                match self.status(id) {
                    Some(status) => Err(AqlError::with_status(
                        num::TRANSACTION_DISALLOWED_OPERATION,
                        400,
                        format!("transaction '{id}' is already {status}"),
                    )),
                    None => Err(not_found(id)),
                }
            }
        }
    }
}

/// The transaction a request's work runs in.
pub enum Txn {
    Own(DocTxn),
    Shared(OwnedMutexGuard<DocTxn>),
}

impl Txn {
    pub fn get(&mut self) -> &mut DocTxn {
        match self {
            Txn::Own(t) => t,
            Txn::Shared(g) => g,
        }
    }

    /// Commits (own, `ok`) or rolls back (own, not `ok`); a stream transaction goes on.
    pub async fn finish(self, ok: bool) -> AqlResult<()> {
        match self {
            Txn::Own(t) if ok => t.commit().await,
            Txn::Own(t) => t.rollback().await,
            Txn::Shared(_) => Ok(()),
        }
    }

    pub fn is_stream(&self) -> bool {
        matches!(self, Txn::Shared(_))
    }
}

/// The stream transaction of `x-arango-trx-id` when the request names one.
pub fn shared(state: &SharedState, req: &Req) -> AqlResult<Option<SharedTxn>> {
    match req.trx_id() {
        Some(id) => state.transactions.get(id, &req.db).map(Some),
        None => Ok(None),
    }
}

/// The request's stream transaction (`x-arango-trx-id`), or a new one of its own.
pub async fn open(state: &SharedState, req: &Req) -> AqlResult<Txn> {
    match shared(state, req)? {
        Some(t) => Ok(Txn::Shared(t.lock_owned().await)),
        None => Ok(Txn::Own(state.store.begin(&req.db, TxnOptions::default()).await?)),
    }
}

fn names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

fn status_reply(status: u16, id: &str, state_name: &str) -> Reply {
    Reply::ok(status, vec![("result", Value::object([("id", Value::str(id)), ("status", Value::str(state_name))]))])
}

async fn begin(state: &SharedState, req: &Req) -> HttpResult {
    let body = req.body_object()?;
    let collections = body.get("collections").cloned().unwrap_or_default();
    let options = TxnOptions {
        read: names(collections.get("read")),
        write: names(collections.get("write")),
        exclusive: names(collections.get("exclusive")),
    };
    for name in options.read.iter().chain(&options.write).chain(&options.exclusive) {
        state.store.collection(&req.db, name).await?;
    }
    let txn = state.store.begin(&req.db, options).await?;
    let id = state.transactions.register(&req.db, txn)?;
    Ok(status_reply(201, &id, "running"))
}

/// The transaction once no request or cursor holds it any more (waiting up to 5 s).
async fn exclusive(mut shared: SharedTxn) -> Option<DocTxn> {
    for _ in 0..500 {
        match Arc::try_unwrap(shared) {
            Ok(m) => return Some(m.into_inner()),
            Err(back) => {
                drop(back.lock().await);
                shared = back;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    None
}

/// Ends `id`: commit or abort. The transaction must not be in use by another request.
async fn end(state: &SharedState, req: &Req, id: &str, commit: bool) -> HttpResult {
    state.cursors.drop_for_transaction(id);
    let shared = state.transactions.take(id, &req.db)?;
    let txn = match exclusive(shared).await {
        Some(txn) => txn,
        None => {
            state.transactions.finish(id, "aborted");
            return Err(AqlError::with_status(
                num::TRANSACTION_INTERNAL,
                409,
                format!("transaction '{id}' stayed in use by another request; it was aborted"),
            ));
        }
    };
    if commit {
        if let Err(e) = txn.commit().await {
            state.transactions.finish(id, "aborted");
            return Err(e);
        }
        state.transactions.finish(id, "committed");
        Ok(status_reply(200, id, "committed"))
    } else {
        txn.rollback().await?;
        state.transactions.finish(id, "aborted");
        Ok(status_reply(200, id, "aborted"))
    }
}

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let rest: Vec<&str> = req.segments.iter().skip(2).map(String::as_str).collect();
    match (rest.as_slice(), &req.method) {
        ([], &Method::POST) => {
            Err(AqlError::not_supported("JavaScript transactions (POST /_api/transaction with action)"))
        }
        ([], &Method::GET) | ([], &Method::HEAD) => {
            state.transactions.expire();
            let list: Vec<Value> = state
                .transactions
                .running
                .lock()
                .iter()
                .filter(|(_, r)| r.db == req.db)
                .map(|(id, _)| Value::object([("id", Value::str(id)), ("state", Value::str("running"))]))
                .collect();
            Ok(Reply::json(200, Value::object([("transactions", Value::Array(list))])))
        }
        (["begin"], &Method::POST) => begin(state, req).await,
        ([id], &Method::GET) | ([id], &Method::HEAD) => {
            state.transactions.expire();
            match state.transactions.status(id) {
                Some(status) => Ok(status_reply(200, id, status)),
                None => Err(not_found(id)),
            }
        }
        ([id], &Method::PUT) => end(state, req, id, true).await,
        ([id], &Method::DELETE) => end(state, req, id, false).await,
        _ => Err(unknown_path(req)),
    }
}
