//! A small client of the Kubernetes API server's REST API over reqwest (rustls with
//! ring): GET, list (by label selector), POST, PUT and DELETE of namespaced ConfigMaps
//! and coordination.k8s.io/v1 Leases, with a bearer token and the cluster's CA.
//!
//! Answers are classified, not interpreted: 404 NotFound and 409 (Conflict on a stale
//! resourceVersion, AlreadyExists on create) are outcomes the caller retries on; every
//! other failure is a [`LeaseError`] naming the backend, the operation and the object.
//! Response bodies are read up to [`MAX_BODY`] bytes.

use super::settings::{Endpoint, TokenSource};
use crate::provider::{LeaseError, LeaseResult};
use parking_lot::Mutex;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The largest response body read (a ConfigMap holds at most 1 MiB of data; a list of
/// many shards more).
pub const MAX_BODY: usize = 64 << 20;

/// How often a token file is read again.
const TOKEN_REFRESH: Duration = Duration::from_secs(60);

/// The two kinds of object the directory keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    ConfigMap,
    Lease,
}

impl Resource {
    fn collection(self, namespace: &str) -> String {
        match self {
            Resource::ConfigMap => format!("/api/v1/namespaces/{namespace}/configmaps"),
            Resource::Lease => format!("/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"),
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Resource::ConfigMap => "ConfigMap",
            Resource::Lease => "Lease",
        }
    }

    pub fn api_version(self) -> &'static str {
        match self {
            Resource::ConfigMap => "v1",
            Resource::Lease => "coordination.k8s.io/v1",
        }
    }
}

/// What a create, replace or delete found.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome {
    /// Written; the object as the server stored it (deletes: the server's answer).
    Done(Value),
    /// 409: the resourceVersion was stale, or the object already exists.
    Conflict,
    /// 404: the object is not there (deleted meanwhile).
    Missing,
}

struct Token {
    source: TokenSource,
    cached: Mutex<Option<(Instant, String)>>,
}

impl Token {
    fn current(&self) -> LeaseResult<Option<String>> {
        match &self.source {
            TokenSource::None => Ok(None),
            TokenSource::Static(t) => Ok(Some(t.clone())),
            TokenSource::File(path) => {
                let mut cached = self.cached.lock();
                if let Some((read_at, token)) = cached.as_ref() {
                    if read_at.elapsed() < TOKEN_REFRESH {
                        return Ok(Some(token.clone()));
                    }
                }
                let token = read_token(path)?;
                *cached = Some((Instant::now(), token.clone()));
                Ok(Some(token))
            }
        }
    }
}

fn read_token(path: &PathBuf) -> LeaseResult<String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        LeaseError::Unavailable(format!("kubernetes: cannot read the token file {}: {e}", path.display()))
    })?;
    Ok(text.trim().to_string())
}

/// The API client of one directory.
pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    namespace: String,
    token: Token,
}

impl ApiClient {
    pub fn new(endpoint: &Endpoint, insecure_skip_tls_verify: bool, timeout: Duration) -> LeaseResult<Self> {
        let mut builder = reqwest::Client::builder().use_rustls_tls().timeout(timeout).connect_timeout(timeout);
        if let Some(ca) = &endpoint.ca_cert {
            let pem = std::fs::read(ca).map_err(|e| {
                LeaseError::Config(format!("kubernetes: cannot read the CA file {}: {e}", ca.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| LeaseError::Config(format!("kubernetes: the CA file {} is not PEM: {e}", ca.display())))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if insecure_skip_tls_verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let http = builder
            .build()
            .map_err(|e| LeaseError::Config(format!("kubernetes: cannot build the HTTP client: {e}")))?;
        Ok(ApiClient {
            http,
            base_url: endpoint.base_url.clone(),
            namespace: endpoint.namespace.clone(),
            token: Token { source: endpoint.token.clone(), cached: Mutex::new(None) },
        })
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    fn url(&self, resource: Resource, name: Option<&str>) -> String {
        let mut url = format!("{}{}", self.base_url, resource.collection(&self.namespace));
        if let Some(name) = name {
            url.push('/');
            url.push_str(name);
        }
        url
    }

    /// Sends a request; answers the status and the parsed body (Null when empty).
    async fn send(&self, request: reqwest::RequestBuilder, what: &str) -> LeaseResult<(u16, Value)> {
        let request = match self.token.current()? {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| LeaseError::Unavailable(format!("kubernetes {what}: {e}")))?;
        let status = response.status().as_u16();
        let body = crate::remote::read_bounded_body(response, MAX_BODY)
            .await
            .map_err(|e| LeaseError::Unavailable(format!("kubernetes {what}: {e}")))?
            .ok_or_else(|| LeaseError::Backend(format!("kubernetes {what}: the answer exceeds {MAX_BODY} bytes")))?;
        let value = if body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(&body) {
                Ok(v) => v,
                Err(_) if !(200..300).contains(&status) => Value::String(String::from_utf8_lossy(&body).into_owned()),
                Err(e) => return Err(LeaseError::Backend(format!("kubernetes {what}: the answer is not JSON: {e}"))),
            }
        };
        Ok((status, value))
    }

    /// GET one object; `None` on 404.
    pub async fn get(&self, resource: Resource, name: &str) -> LeaseResult<Option<Value>> {
        let what = format!("get {} {name}", resource.kind());
        let (status, body) = self.send(self.http.get(self.url(resource, Some(name))), &what).await?;
        match status {
            200 => Ok(Some(body)),
            404 => Ok(None),
            _ => Err(failure(&what, status, &body)),
        }
    }

    /// The objects matching `label_selector` (equality terms joined by ',').
    pub async fn list(&self, resource: Resource, label_selector: &str) -> LeaseResult<Vec<Value>> {
        let what = format!("list {}s", resource.kind());
        let request = self.http.get(self.url(resource, None)).query(&[("labelSelector", label_selector)]);
        let (status, body) = self.send(request, &what).await?;
        if status != 200 {
            return Err(failure(&what, status, &body));
        }
        match body.get("items") {
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(Value::Null) | None => Ok(Vec::new()),
            Some(_) => Err(LeaseError::Backend(format!("kubernetes {what}: items is not a list"))),
        }
    }

    /// POST a new object.
    pub async fn create(&self, resource: Resource, name: &str, object: &Value) -> LeaseResult<WriteOutcome> {
        let what = format!("create {} {name}", resource.kind());
        let (status, body) = self.send(self.http.post(self.url(resource, None)).json(object), &what).await?;
        write_outcome(&what, status, body)
    }

    /// PUT an object; the server refuses it with 409 unless its
    /// metadata.resourceVersion is the stored one.
    pub async fn replace(&self, resource: Resource, name: &str, object: &Value) -> LeaseResult<WriteOutcome> {
        let what = format!("replace {} {name}", resource.kind());
        let (status, body) = self.send(self.http.put(self.url(resource, Some(name))).json(object), &what).await?;
        write_outcome(&what, status, body)
    }

    /// DELETE an object if its resourceVersion is still `resource_version`.
    pub async fn delete(&self, resource: Resource, name: &str, resource_version: &str) -> LeaseResult<WriteOutcome> {
        let what = format!("delete {} {name}", resource.kind());
        let options = serde_json::json!({
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "preconditions": { "resourceVersion": resource_version },
        });
        let (status, body) = self.send(self.http.delete(self.url(resource, Some(name))).json(&options), &what).await?;
        write_outcome(&what, status, body)
    }
}

fn write_outcome(what: &str, status: u16, body: Value) -> LeaseResult<WriteOutcome> {
    match status {
        200..=202 => Ok(WriteOutcome::Done(body)),
        409 => Ok(WriteOutcome::Conflict),
        404 => Ok(WriteOutcome::Missing),
        _ => Err(failure(what, status, &body)),
    }
}

/// The error for an unexpected answer, with the Status object's reason and message.
fn failure(what: &str, status: u16, body: &Value) -> LeaseError {
    let reason = body.get("reason").and_then(Value::as_str).unwrap_or("");
    let message = match body {
        Value::String(s) => s.chars().take(300).collect(),
        other => other.get("message").and_then(Value::as_str).unwrap_or("").chars().take(300).collect::<String>(),
    };
    let text = format!("kubernetes {what}: HTTP {status} {reason}: {message}");
    match status {
        401 | 403 => LeaseError::Unavailable(format!("{text} (check the token and the RBAC Role)")),
        429 | 500..=599 => LeaseError::Unavailable(text),
        _ => LeaseError::Backend(text),
    }
}

/// metadata.resourceVersion of an object.
pub fn resource_version(object: &Value) -> Option<&str> {
    object.get("metadata")?.get("resourceVersion")?.as_str()
}

/// metadata.name of an object.
pub fn object_name(object: &Value) -> Option<&str> {
    object.get("metadata")?.get("name")?.as_str()
}
