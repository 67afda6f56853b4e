//! A client of etcd's v3 JSON gateway (`POST /v3/...` on the client port): requests are
//! JSON with base64 keys and values, int64 fields answered as strings. Endpoints are
//! tried in order when one cannot be connected to (a request that may have reached a
//! server is never sent again elsewhere); with a username the gateway's auth token is
//! fetched once and again when the server calls it invalid.

use super::settings::EtcdSettings;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The largest answer read from the server.
const MAX_ANSWER_BYTES: usize = 64 << 20;
/// Keys per page of a prefix scan.
const PAGE: i64 = 500;

/// What went wrong talking to etcd.
#[derive(Debug, Clone, PartialEq)]
pub enum GatewayError {
    /// No endpoint could be reached, or the outcome is unknown (a timeout).
    Unreachable(String),
    /// The server answered an error (gRPC code and message).
    Server { code: i64, message: String },
    /// The answer is not what the gateway sends.
    Malformed(String),
}

impl GatewayError {
    /// etcd's "requested lease not found" (a node's etcd lease expired).
    pub fn is_lease_not_found(&self) -> bool {
        matches!(self, GatewayError::Server { message, .. } if message.contains("lease not found"))
    }

    fn is_auth_expired(&self) -> bool {
        matches!(self, GatewayError::Server { code: 16, .. })
            || matches!(self, GatewayError::Server { message, .. } if message.contains("invalid auth token"))
    }
}

impl std::fmt::Display for GatewayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GatewayError::Unreachable(why) => write!(f, "etcd unreachable: {why}"),
            GatewayError::Server { code, message } => write!(f, "etcd answered code {code}: {message}"),
            GatewayError::Malformed(why) => write!(f, "malformed etcd answer: {why}"),
        }
    }
}

pub type GatewayResult<T> = Result<T, GatewayError>;

/// One stored key as the gateway reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kv {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    pub create_revision: i64,
    pub mod_revision: i64,
    pub lease: i64,
}

/// The outcome of a Txn.
#[derive(Debug, Clone)]
pub struct TxnReply {
    pub succeeded: bool,
    /// The store's revision after the Txn (the revision of its writes, if any).
    pub revision: i64,
    pub responses: Vec<Value>,
}

pub struct Gateway {
    client: reqwest::Client,
    /// For watches: the same, without the whole-request timeout (a watch is long-lived).
    stream_client: reqwest::Client,
    endpoints: Vec<String>,
    /// The endpoint that answered last.
    current: AtomicUsize,
    credentials: Option<(String, String)>,
    token: Mutex<Option<String>>,
}

impl Gateway {
    pub fn new(
        settings: &EtcdSettings,
        tls: Option<(Vec<reqwest::Certificate>, Option<reqwest::Identity>)>,
    ) -> Result<Self, String> {
        let build = |whole_request: Option<std::time::Duration>| {
            let mut builder = reqwest::Client::builder().connect_timeout(settings.connection_timeout).use_rustls_tls();
            if let Some(timeout) = whole_request {
                builder = builder.timeout(timeout);
            }
            if let Some((roots, identity)) = &tls {
                for root in roots {
                    builder = builder.add_root_certificate(root.clone());
                }
                if let Some(identity) = identity {
                    builder = builder.identity(identity.clone());
                }
            }
            builder.build().map_err(|e| format!("cannot build the HTTP client: {e}"))
        };
        let client = build(Some(settings.request_timeout))?;
        let stream_client = build(None)?;
        let credentials = settings.username.clone().zip(settings.password.clone());
        Ok(Gateway {
            client,
            stream_client,
            endpoints: settings.endpoints.clone(),
            current: AtomicUsize::new(0),
            credentials,
            token: Mutex::new(None),
        })
    }

    /// POSTs `body` to `path` (e.g. `/v3/kv/range`), authenticating first when needed.
    pub async fn call(&self, path: &str, body: &Value) -> GatewayResult<Value> {
        if self.credentials.is_none() {
            return self.post(path, body, None).await;
        }
        for attempt in 0..2 {
            let token = self.token().await?;
            match self.post(path, body, Some(&token)).await {
                Err(e) if attempt == 0 && e.is_auth_expired() => *self.token.lock() = None,
                other => return other,
            }
        }
        Err(GatewayError::Unreachable("authentication kept failing".into()))
    }

    async fn token(&self) -> GatewayResult<String> {
        if let Some(token) = self.token.lock().clone() {
            return Ok(token);
        }
        let Some((name, password)) = &self.credentials else { return Ok(String::new()) };
        let answer = self.post("/v3/auth/authenticate", &json!({"name": name, "password": password}), None).await?;
        let token = answer
            .get("token")
            .and_then(Value::as_str)
            .ok_or_else(|| GatewayError::Malformed("authenticate answered no token".into()))?
            .to_string();
        *self.token.lock() = Some(token.clone());
        Ok(token)
    }

    async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> GatewayResult<Value> {
        let (index, response) = self.send(&self.client, path, body, token).await?;
        self.current.store(index, Ordering::Relaxed);
        read_answer(&self.endpoints[index], response).await
    }

    /// POSTs `body` to the streaming `path` (`/v3/watch`) and returns the open response,
    /// its status checked; the caller reads it chunk by chunk, with no overall timeout.
    pub async fn open_stream(&self, path: &str, body: &Value) -> GatewayResult<reqwest::Response> {
        let token = match self.credentials {
            Some(_) => Some(self.token().await?),
            None => None,
        };
        let (index, response) = self.send(&self.stream_client, path, body, token.as_deref()).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let endpoint = &self.endpoints[index];
        let error = read_answer(endpoint, response).await.err();
        if error.as_ref().is_some_and(GatewayError::is_auth_expired) {
            *self.token.lock() = None;
        }
        Err(error.unwrap_or_else(|| GatewayError::Malformed(format!("{endpoint}{path} failed"))))
    }

    /// Sends `body` to `path` through `client` at the first endpoint that takes the
    /// connection, from the one that answered last on; that endpoint's index and answer.
    async fn send(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: &Value,
        token: Option<&str>,
    ) -> GatewayResult<(usize, reqwest::Response)> {
        let start = self.current.load(Ordering::Relaxed) % self.endpoints.len().max(1);
        let mut failures = Vec::new();
        for i in 0..self.endpoints.len() {
            let index = (start + i) % self.endpoints.len();
            let endpoint = &self.endpoints[index];
            let mut request = client.post(format!("{endpoint}{path}")).json(body);
            if let Some(token) = token {
                request = request.header("Authorization", token);
            }
            match request.send().await {
                Ok(response) => return Ok((index, response)),
                Err(e) if e.is_connect() => failures.push(format!("{endpoint}: {}", error_chain(&e))),
                Err(e) => return Err(GatewayError::Unreachable(format!("{endpoint}: {}", error_chain(&e)))),
            }
        }
        Err(GatewayError::Unreachable(failures.join("; ")))
    }

    /// `GET /health` of every endpoint: each one's problem, `None` when healthy.
    pub async fn health(&self) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        for endpoint in &self.endpoints {
            let problem = match self.client.get(format!("{endpoint}/health")).send().await {
                Err(e) => Some(error_chain(&e)),
                Ok(response) => match read_answer(endpoint, response).await {
                    Err(e) => Some(e.to_string()),
                    Ok(v) if v.get("health").and_then(Value::as_str) == Some("true") => None,
                    Ok(v) => Some(format!("reports {v}")),
                },
            };
            out.push((endpoint.clone(), problem));
        }
        out
    }

    /// One Txn.
    pub async fn txn(&self, compare: Vec<Value>, success: Vec<Value>, failure: Vec<Value>) -> GatewayResult<TxnReply> {
        let answer =
            self.call("/v3/kv/txn", &json!({"compare": compare, "success": success, "failure": failure})).await?;
        let responses = match answer.get("responses") {
            None => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => return Err(GatewayError::Malformed(format!("txn responses: {other}"))),
        };
        Ok(TxnReply {
            succeeded: answer.get("succeeded").and_then(Value::as_bool).unwrap_or(false),
            revision: header_revision(&answer)?,
            responses,
        })
    }

    /// The key `key`, if stored.
    pub async fn get(&self, key: &str) -> GatewayResult<Option<Kv>> {
        let answer = self.call("/v3/kv/range", &json!({"key": b64(key.as_bytes())})).await?;
        Ok(kvs(&answer)?.into_iter().next())
    }

    /// Every key under `prefix`, read page by page at one revision.
    pub async fn scan(&self, prefix: &str) -> GatewayResult<Vec<Kv>> {
        self.scan_at_revision(prefix).await.map(|(kvs, _)| kvs)
    }

    /// Every key under `prefix` and the store revision they were read at.
    pub async fn scan_at_revision(&self, prefix: &str) -> GatewayResult<(Vec<Kv>, i64)> {
        let end = prefix_end(prefix.as_bytes());
        let mut from = prefix.as_bytes().to_vec();
        let mut revision = 0;
        let mut out = Vec::new();
        loop {
            let mut body = json!({"key": b64(&from), "range_end": b64(&end), "limit": PAGE});
            if revision > 0 {
                body["revision"] = json!(revision.to_string());
            }
            let answer = self.call("/v3/kv/range", &body).await?;
            if revision == 0 {
                revision = header_revision(&answer)?;
            }
            let page = kvs(&answer)?;
            let more = answer.get("more").and_then(Value::as_bool).unwrap_or(false);
            match page.last() {
                Some(last) if more => {
                    from = last.key.clone();
                    from.push(0);
                }
                _ => {
                    out.extend(page);
                    return Ok((out, revision));
                }
            }
            out.extend(page);
        }
    }

    /// Deletes `key`; true when it existed.
    pub async fn delete(&self, key: &str) -> GatewayResult<bool> {
        let answer = self.call("/v3/kv/deleterange", &json!({"key": b64(key.as_bytes())})).await?;
        Ok(int(&answer, "deleted")? > 0)
    }

    /// Grants an etcd lease of `ttl` seconds; its id.
    pub async fn grant(&self, ttl: i64) -> GatewayResult<i64> {
        self.grant_with_ttl(ttl).await.map(|(id, _)| id)
    }

    /// Grants an etcd lease of `ttl` seconds; its id and the TTL the server granted
    /// (etcd raises a TTL below its minimum).
    pub async fn grant_with_ttl(&self, ttl: i64) -> GatewayResult<(i64, i64)> {
        let answer = self.call("/v3/lease/grant", &json!({"TTL": ttl})).await?;
        match int(&answer, "ID")? {
            0 => Err(GatewayError::Malformed(format!("lease grant answered no id: {answer}"))),
            id => Ok((id, int(&answer, "TTL")?)),
        }
    }

    /// Refreshes lease `id`; false when it no longer exists.
    pub async fn keep_alive(&self, id: i64) -> GatewayResult<bool> {
        Ok(self.keep_alive_ttl(id).await? > 0)
    }

    /// Refreshes lease `id`; the TTL it was renewed for, 0 or less when it no longer
    /// exists (the gateway answers one message per request, without a TTL for a lease
    /// it does not know).
    pub async fn keep_alive_ttl(&self, id: i64) -> GatewayResult<i64> {
        let answer = self.call("/v3/lease/keepalive", &json!({"ID": id.to_string()})).await?;
        let result = answer.get("result").unwrap_or(&answer);
        int(result, "TTL")
    }

    pub async fn revoke(&self, id: i64) -> GatewayResult<()> {
        self.call("/v3/lease/revoke", &json!({"ID": id.to_string()})).await.map(drop)
    }
}

async fn read_answer(endpoint: &str, response: reqwest::Response) -> GatewayResult<Value> {
    let status = response.status();
    let bytes = crate::remote::read_bounded_body(response, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| GatewayError::Unreachable(format!("{endpoint}: reading the answer: {}", error_chain(&e))))?
        .ok_or_else(|| GatewayError::Malformed(format!("{endpoint}: an answer over {MAX_ANSWER_BYTES} bytes")))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        GatewayError::Malformed(format!(
            "{endpoint}: HTTP {status}: not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        ))
    })?;
    if status.is_success() && value.get("error").is_none() {
        return Ok(value);
    }
    let code = value.get("code").and_then(Value::as_i64).unwrap_or(-1);
    let message = value
        .get("message")
        .or_else(|| value.get("error"))
        .and_then(Value::as_str)
        .map_or_else(|| format!("HTTP {status}: {value}"), str::to_string);
    // 14 is gRPC's Unavailable (no leader, shutting down): the outcome is unknown.
    if code == 14 {
        return Err(GatewayError::Unreachable(format!("{endpoint}: {message}")));
    }
    Err(GatewayError::Server { code, message })
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// The end of the range of keys starting with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

/// An int64 field (a string or a number; absent is 0, as the gateway omits zeros).
pub fn int(v: &Value, field: &str) -> GatewayResult<i64> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::String(s)) => s.parse().map_err(|_| GatewayError::Malformed(format!("{field} = {s:?}"))),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| GatewayError::Malformed(format!("{field} = {n}"))),
        Some(other) => Err(GatewayError::Malformed(format!("{field} = {other}"))),
    }
}

pub fn header_revision(answer: &Value) -> GatewayResult<i64> {
    answer.get("header").map_or(Ok(0), |h| int(h, "revision"))
}

fn bytes_field(v: &Value, field: &str) -> GatewayResult<Vec<u8>> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => B64.decode(s).map_err(|e| GatewayError::Malformed(format!("{field}: {e}"))),
        Some(other) => Err(GatewayError::Malformed(format!("{field} = {other}"))),
    }
}

/// The keys of a range answer (`kvs`, absent when empty).
pub fn kvs(range: &Value) -> GatewayResult<Vec<Kv>> {
    let items = match range.get("kvs") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(GatewayError::Malformed(format!("kvs = {other}"))),
    };
    items.iter().map(kv).collect()
}

/// One `kv` object of a range answer or a watch event.
pub fn kv(kv: &Value) -> GatewayResult<Kv> {
    Ok(Kv {
        key: bytes_field(kv, "key")?,
        value: bytes_field(kv, "value")?,
        create_revision: int(kv, "create_revision")?,
        mod_revision: int(kv, "mod_revision")?,
        lease: int(kv, "lease")?,
    })
}

/// The first key of the range response at `responses[index]` of a Txn.
pub fn txn_range(reply: &TxnReply, index: usize) -> GatewayResult<Option<Kv>> {
    let range = reply
        .responses
        .get(index)
        .and_then(|r| r.get("response_range"))
        .ok_or_else(|| GatewayError::Malformed(format!("txn response {index} is not a range")))?;
    Ok(kvs(range)?.into_iter().next())
}

/// The `deleted` count of the delete response at `responses[index]` of a Txn.
pub fn txn_deleted(reply: &TxnReply, index: usize) -> GatewayResult<i64> {
    let delete = reply
        .responses
        .get(index)
        .and_then(|r| r.get("response_delete_range"))
        .ok_or_else(|| GatewayError::Malformed(format!("txn response {index} is not a delete")))?;
    int(delete, "deleted")
}

/// Txn operations and comparisons.
pub mod op {
    use super::b64;
    use serde_json::{json, Value};

    pub fn put(key: &str, value: &[u8], lease: Option<i64>) -> Value {
        let mut put = json!({"key": b64(key.as_bytes()), "value": b64(value)});
        if let Some(id) = lease {
            put["lease"] = json!(id.to_string());
        }
        json!({"request_put": put})
    }

    pub fn delete(key: &str) -> Value {
        json!({"request_delete_range": {"key": b64(key.as_bytes())}})
    }

    pub fn range(key: &str) -> Value {
        json!({"request_range": {"key": b64(key.as_bytes())}})
    }

    /// The key does not exist.
    pub fn absent(key: &str) -> Value {
        json!({"target": "CREATE", "result": "EQUAL", "key": b64(key.as_bytes()), "create_revision": "0"})
    }

    /// The key exists.
    pub fn present(key: &str) -> Value {
        json!({"target": "VERSION", "result": "GREATER", "key": b64(key.as_bytes()), "version": "0"})
    }

    /// The key was last written at `revision`.
    pub fn modified_at(key: &str, revision: i64) -> Value {
        json!({"target": "MOD", "result": "EQUAL", "key": b64(key.as_bytes()), "mod_revision": revision.to_string()})
    }

    /// The key is attached to etcd lease `id`.
    pub fn attached_to(key: &str, id: i64) -> Value {
        json!({"target": "LEASE", "result": "EQUAL", "key": b64(key.as_bytes()), "lease": id.to_string()})
    }
}
