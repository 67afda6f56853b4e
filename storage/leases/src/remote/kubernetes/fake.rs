//! A FAKE Kubernetes API server for this backend's tests — the one stated exception to
//! "real servers in tests": no API server runs on the machines this is built on.
//!
//! It serves (HTTP/1.1 on 127.0.0.1, tokio + hyper, on its own thread) exactly the
//! semantics the backend uses, the way the real API server answers them:
//! * `/api/v1/namespaces/{ns}/configmaps[/{name}]` and
//!   `/apis/coordination.k8s.io/v1/namespaces/{ns}/leases[/{name}]`;
//! * GET of an object (404 NotFound Status), list with an equality `labelSelector`;
//! * POST: 201, or 409 AlreadyExists; a resourceVersion in the body is refused;
//! * PUT: 404 when missing, 409 Conflict when metadata.resourceVersion is not the stored
//!   one (an empty one is an unconditional update, as for real ConfigMaps and Leases);
//! * DELETE with DeleteOptions preconditions.resourceVersion: 409 Conflict on mismatch;
//! * one resourceVersion counter for every write (like etcd's revision);
//! * validation the real server does: DNS names, ConfigMap keys, 1 MiB of ConfigMap
//!   data, leaseDurationSeconds > 0 (422 Invalid); a bearer token (401).
//!
//! Watches, patches, field selectors, pagination and admission are not implemented.

use parking_lot::Mutex;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};

const MAX_CONFIG_MAP_DATA: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    ConfigMap,
    Lease,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::ConfigMap => "ConfigMap",
            Kind::Lease => "Lease",
        }
    }

    fn api_version(self) -> &'static str {
        match self {
            Kind::ConfigMap => "v1",
            Kind::Lease => "coordination.k8s.io/v1",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Kind::ConfigMap => "configmaps",
            Kind::Lease => "leases",
        }
    }
}

#[derive(Default)]
struct State {
    revision: u64,
    objects: BTreeMap<(Kind, String, String), Value>,
}

/// What the fake has seen, for tests to check.
#[derive(Default)]
pub struct Counters {
    pub conflicts: AtomicU64,
    pub already_exists: AtomicU64,
    pub writes: AtomicU64,
}

/// A running fake API server; stopped when dropped.
pub struct FakeApiServer {
    pub base_url: String,
    pub token: String,
    pub counters: Arc<Counters>,
    shutdown: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl FakeApiServer {
    /// Starts a fake on a free 127.0.0.1 port that accepts `Bearer <token>`.
    pub fn start(token: &str) -> std::io::Result<Arc<FakeApiServer>> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let state = Arc::new(Mutex::new(State::default()));
        let counters = Arc::new(Counters::default());
        let (token_owned, counters_thread) = (token.to_string(), counters.clone());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                loop {
                    let accepted = tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => accepted,
                    };
                    let Ok((stream, _)) = accepted else { continue };
                    let (state, token, counters) = (state.clone(), token_owned.clone(), counters_thread.clone());
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |request| {
                            let (state, token, counters) = (state.clone(), token.clone(), counters.clone());
                            async move { Ok::<_, std::convert::Infallible>(serve(request, &state, &token, &counters).await) }
                        });
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                    });
                }
            });
        });
        Ok(Arc::new(FakeApiServer {
            base_url: format!("http://127.0.0.1:{port}"),
            token: token.to_string(),
            counters,
            shutdown: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        }))
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.lock().take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.lock().take() {
            let _ = thread.join();
        }
    }
}

type Answer = Response<Full<Bytes>>;

fn answer(status: u16, body: &Value) -> Answer {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    response
}

fn status(code: u16, reason: &str, message: String, kind: Option<Kind>, name: Option<&str>) -> Answer {
    let mut details = Map::new();
    if let Some(name) = name {
        details.insert("name".into(), json!(name));
    }
    if let Some(kind) = kind {
        details.insert("kind".into(), json!(kind.plural()));
    }
    answer(
        code,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": reason, "details": details, "code": code}),
    )
}

/// The kind, namespace and (for an item) name a path names.
fn route(path: &str) -> Option<(Kind, String, Option<String>)> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (kind, rest) = match parts.as_slice() {
        ["api", "v1", "namespaces", rest @ ..] => (Kind::ConfigMap, rest),
        ["apis", "coordination.k8s.io", "v1", "namespaces", rest @ ..] => (Kind::Lease, rest),
        _ => return None,
    };
    match rest {
        [ns, plural] if *plural == kind.plural() => Some((kind, ns.to_string(), None)),
        [ns, plural, name] if *plural == kind.plural() => Some((kind, ns.to_string(), Some(name.to_string()))),
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The equality terms of a labelSelector; None when it uses anything else.
fn selector_terms(query: &str) -> Option<Vec<(String, String)>> {
    let mut terms = Vec::new();
    for pair in query.split('&') {
        let Some(("labelSelector", value)) = pair.split_once('=') else { continue };
        for term in percent_decode(value).split(',').filter(|t| !t.is_empty()) {
            let (k, v) = term.split_once("==").or_else(|| term.split_once('='))?;
            if k.ends_with('!') {
                return None;
            }
            terms.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    Some(terms)
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && label.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
                && label.as_bytes().last().is_some_and(u8::is_ascii_alphanumeric)
        })
}

fn is_config_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s != "."
        && s != ".."
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
}

/// The validation errors of an object of `kind` (empty when valid).
fn invalid(kind: Kind, object: &Value) -> Option<String> {
    let name = object.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("");
    if !is_dns_subdomain(name) {
        return Some(format!("metadata.name: Invalid value: {name:?}: a lowercase RFC 1123 subdomain"));
    }
    match kind {
        Kind::ConfigMap => match object.get("data") {
            None | Some(Value::Null) => None,
            Some(Value::Object(data)) => {
                let mut size = 0;
                for (key, value) in data {
                    if !is_config_key(key) {
                        return Some(format!("data[{key}]: Invalid value: a valid config key"));
                    }
                    let Some(text) = value.as_str() else { return Some(format!("data[{key}]: must be a string")) };
                    size += key.len() + text.len();
                }
                (size > MAX_CONFIG_MAP_DATA)
                    .then(|| format!("[]: Too long: must have at most {MAX_CONFIG_MAP_DATA} bytes"))
            }
            Some(_) => Some("data: must be a map of strings".into()),
        },
        Kind::Lease => match object.get("spec").and_then(|s| s.get("leaseDurationSeconds")) {
            None | Some(Value::Null) => None,
            Some(v) if v.as_i64().is_some_and(|n| n > 0 && n <= i64::from(i32::MAX)) => None,
            Some(v) => Some(format!("spec.leaseDurationSeconds: Invalid value: {v}: must be greater than 0")),
        },
    }
}

async fn serve(request: Request<Incoming>, state: &Mutex<State>, token: &str, counters: &Counters) -> Answer {
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {token}"));
    if !authorized {
        return status(401, "Unauthorized", "Unauthorized".into(), None, None);
    }
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
    let Some((kind, namespace, name)) = route(&path) else {
        return status(404, "NotFound", "the server could not find the requested resource".into(), None, None);
    };
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return status(400, "BadRequest", format!("body: {e}"), Some(kind), None),
    };
    let parsed: Option<Value> = if body.is_empty() { None } else { serde_json::from_slice(&body).ok() };
    if !body.is_empty() && parsed.is_none() {
        return status(400, "BadRequest", "the body is not JSON".into(), Some(kind), None);
    }
    let mut state = state.lock();
    match (method.as_str(), name) {
        ("GET", None) => {
            let Some(terms) = selector_terms(&query) else {
                return status(400, "BadRequest", "only equality label selectors are served".into(), Some(kind), None);
            };
            let items: Vec<Value> = state
                .objects
                .iter()
                .filter(|((k, ns, _), _)| *k == kind && *ns == namespace)
                .map(|(_, object)| object)
                .filter(|object| {
                    let labels = object.get("metadata").and_then(|m| m.get("labels"));
                    terms.iter().all(|(k, v)| labels.and_then(|l| l.get(k)).and_then(Value::as_str) == Some(v))
                })
                .cloned()
                .collect();
            let list = json!({"kind": format!("{}List", kind.name()), "apiVersion": kind.api_version(),
                              "metadata": {"resourceVersion": state.revision.to_string()}, "items": items});
            answer(200, &list)
        }
        ("GET", Some(name)) => match state.objects.get(&(kind, namespace, name.clone())) {
            Some(object) => answer(200, object),
            None => not_found(kind, &name),
        },
        ("POST", None) => {
            let Some(mut object) = parsed else { return status(400, "BadRequest", "no body".into(), Some(kind), None) };
            if let Some(problem) = check_envelope(kind, &namespace, &object).or_else(|| invalid(kind, &object)) {
                return status(422, "Invalid", problem, Some(kind), None);
            }
            if object["metadata"].get("resourceVersion").is_some_and(|rv| rv.as_str().is_some_and(|s| !s.is_empty())) {
                return status(
                    400,
                    "BadRequest",
                    "resourceVersion should not be set on objects to be created".into(),
                    Some(kind),
                    None,
                );
            }
            let name = object["metadata"]["name"].as_str().unwrap_or("").to_string();
            let key = (kind, namespace.clone(), name.clone());
            if state.objects.contains_key(&key) {
                counters.already_exists.fetch_add(1, Ordering::Relaxed);
                let message = format!("{} \"{name}\" already exists", kind.plural());
                return status(409, "AlreadyExists", message, Some(kind), Some(&name));
            }
            state.revision += 1;
            let revision = state.revision;
            stamp(&mut object, &namespace, revision, Some(json!(format!("uid-{revision}"))));
            counters.writes.fetch_add(1, Ordering::Relaxed);
            state.objects.insert(key, object.clone());
            answer(201, &object)
        }
        ("PUT", Some(name)) => {
            let Some(mut object) = parsed else { return status(400, "BadRequest", "no body".into(), Some(kind), None) };
            if let Some(problem) = check_envelope(kind, &namespace, &object).or_else(|| invalid(kind, &object)) {
                return status(422, "Invalid", problem, Some(kind), Some(&name));
            }
            if object["metadata"]["name"].as_str() != Some(name.as_str()) {
                return status(
                    400,
                    "BadRequest",
                    "the name of the object does not match the URL".into(),
                    Some(kind),
                    Some(&name),
                );
            }
            let key = (kind, namespace.clone(), name.clone());
            let Some(stored) = state.objects.get(&key) else { return not_found(kind, &name) };
            let stored_rv = stored["metadata"]["resourceVersion"].as_str().unwrap_or("").to_string();
            let uid = stored["metadata"].get("uid").cloned();
            let given = object["metadata"].get("resourceVersion").and_then(Value::as_str).unwrap_or("").to_string();
            if !given.is_empty() && given != stored_rv {
                return conflict(kind, &name, counters);
            }
            state.revision += 1;
            let revision = state.revision;
            stamp(&mut object, &namespace, revision, uid);
            counters.writes.fetch_add(1, Ordering::Relaxed);
            state.objects.insert(key, object.clone());
            answer(200, &object)
        }
        ("DELETE", Some(name)) => {
            let key = (kind, namespace.clone(), name.clone());
            let Some(stored) = state.objects.get(&key) else { return not_found(kind, &name) };
            let precondition =
                parsed.as_ref().and_then(|o| o.get("preconditions")).and_then(|p| p.get("resourceVersion"));
            if let Some(rv) = precondition.and_then(Value::as_str) {
                if stored["metadata"]["resourceVersion"].as_str() != Some(rv) {
                    return conflict(kind, &name, counters);
                }
            }
            state.revision += 1;
            counters.writes.fetch_add(1, Ordering::Relaxed);
            state.objects.remove(&key);
            answer(
                200,
                &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                "details": {"name": name, "kind": kind.plural()}}),
            )
        }
        _ => status(405, "MethodNotAllowed", format!("{method} is not served here"), Some(kind), None),
    }
}

fn not_found(kind: Kind, name: &str) -> Answer {
    status(404, "NotFound", format!("{} \"{name}\" not found", kind.plural()), Some(kind), Some(name))
}

fn conflict(kind: Kind, name: &str, counters: &Counters) -> Answer {
    counters.conflicts.fetch_add(1, Ordering::Relaxed);
    let message = format!(
        "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
        kind.plural()
    );
    status(409, "Conflict", message, Some(kind), Some(name))
}

/// kind / apiVersion / namespace as the URL says.
fn check_envelope(kind: Kind, namespace: &str, object: &Value) -> Option<String> {
    if object.get("kind").and_then(Value::as_str) != Some(kind.name()) {
        return Some(format!("kind: must be {}", kind.name()));
    }
    if object.get("apiVersion").and_then(Value::as_str) != Some(kind.api_version()) {
        return Some(format!("apiVersion: must be {}", kind.api_version()));
    }
    if !object.get("metadata").is_some_and(Value::is_object) {
        return Some("metadata: Required value".into());
    }
    match object["metadata"].get("namespace").and_then(Value::as_str) {
        Some(ns) if ns != namespace => Some("metadata.namespace: does not match the namespace of the URL".into()),
        _ => None,
    }
}

fn stamp(object: &mut Value, namespace: &str, revision: u64, uid: Option<Value>) {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.insert("namespace".into(), json!(namespace));
        metadata.insert("resourceVersion".into(), json!(revision.to_string()));
        if let Some(uid) = uid {
            metadata.insert("uid".into(), uid);
        }
    }
}
