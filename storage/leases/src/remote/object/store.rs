//! The object-store calls the directory makes, each mapped onto [`LeaseError`]: a read
//! with its version, a conditional or unconditional write, a delete, and a listing of
//! one level under a prefix. A write whose precondition fails answers
//! [`WriteOutcome::Conflict`]: the server refused it, nothing was written.
//!
//! Writes go through object_store's conditional puts (S3 and MinIO: `If-None-Match: *`
//! and `If-Match`; Azure: the same headers on Put Blob), except on Google Cloud Storage,
//! where they are JSON-API multipart uploads with `ifGenerationMatch`
//! ([`super::gcs_upload`]).

use super::layout::MAX_OBJECT_BYTES;
use super::settings::Versioning;
use crate::provider::{LeaseError, LeaseResult};
use object_store::path::Path;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload, UpdateVersion};
use std::sync::Arc;

/// How writes reach the server.
#[derive(Clone)]
pub enum Writer {
    /// object_store's `put_opts` with its [`PutMode`].
    ObjectStore,
    /// GCS JSON-API multipart uploads with generation preconditions.
    #[cfg(feature = "gcs")]
    GcsMultipart(super::gcs_upload::GcsUploader),
}

/// One object-store client with what the messages and versions need.
#[derive(Clone)]
pub struct Client {
    pub store: Arc<dyn ObjectStore>,
    pub versioning: Versioning,
    pub writer: Writer,
    /// "S3 bucket b at http://...": names the backend in every message.
    pub location: Arc<str>,
}

/// True when `e` says the server could not be reached or answered 5xx: the HTTP
/// error's kind somewhere in its chain, else its text.
fn out_of_reach(e: &object_store::Error, text: &str) -> bool {
    use object_store::client::{HttpError, HttpErrorKind};
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(inner) = source {
        if let Some(http) = inner.downcast_ref::<HttpError>() {
            return matches!(
                http.kind(),
                HttpErrorKind::Connect | HttpErrorKind::Request | HttpErrorKind::Timeout | HttpErrorKind::Interrupted
            );
        }
        source = inner.source();
    }
    let lower = text.to_ascii_lowercase();
    ["http error:", "error sending request", "connection refused", "connection reset", "timed out", "broken pipe"]
        .iter()
        .any(|m| lower.contains(m))
        || [" 500 ", " 502 ", " 503 ", " 504 "].iter().any(|m| lower.contains(m))
}

/// A stored object's body and version.
pub struct Stored {
    pub body: Vec<u8>,
    pub version: String,
}

/// What a write found.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Written; the object's new version.
    Written(String),
    /// The precondition failed on the server.
    Conflict,
}

/// How a write is conditioned.
pub enum Condition<'a> {
    /// Only if no object exists (If-None-Match: *, or generation 0).
    Absent,
    /// Only if the object has this version (If-Match, or generation match).
    Version(&'a str),
    /// Unconditional (node records and the journal only).
    Overwrite,
}

impl Client {
    /// Maps a store error; a server out of reach (no connection, a timeout, a cut-off
    /// answer, or a 5xx after the retries) is [`LeaseError::Unavailable`].
    pub fn error(&self, op: &str, e: object_store::Error) -> LeaseError {
        let text = e.to_string();
        match e {
            object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
                LeaseError::Backend(format!("{}: {op}: access denied: {text}", self.location))
            }
            _ if out_of_reach(&e, &text) => LeaseError::Unavailable(format!("{}: {op}: {text}", self.location)),
            _ => LeaseError::Backend(format!("{}: {op}: {text}", self.location)),
        }
    }

    fn version_of(&self, e_tag: Option<String>, version: Option<String>, path: &Path) -> LeaseResult<String> {
        let found = match self.versioning {
            Versioning::ETag => e_tag,
            Versioning::Generation => version,
        };
        found.filter(|v| !v.is_empty()).ok_or_else(|| {
            LeaseError::Backend(format!(
                "{}: {path}: the server answered no {}",
                self.location,
                match self.versioning {
                    Versioning::ETag => "ETag",
                    Versioning::Generation => "generation",
                }
            ))
        })
    }

    /// The object at `path` with its version, `None` when there is none.
    pub async fn read(&self, path: &Path) -> LeaseResult<Option<Stored>> {
        let result = match self.store.get(path).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.error(&format!("read {path}"), e)),
        };
        if result.meta.size > MAX_OBJECT_BYTES as u64 {
            return Err(LeaseError::Corruption(format!(
                "{}: {path} holds {} bytes, more than a lease object ever does ({MAX_OBJECT_BYTES})",
                self.location, result.meta.size
            )));
        }
        let version = self.version_of(result.meta.e_tag.clone(), result.meta.version.clone(), path)?;
        let body = match result.bytes().await {
            Ok(body) => body,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.error(&format!("read {path}"), e)),
        };
        if body.len() > MAX_OBJECT_BYTES {
            return Err(LeaseError::Corruption(format!("{}: {path} is larger than {MAX_OBJECT_BYTES}", self.location)));
        }
        Ok(Some(Stored { body: body.to_vec(), version }))
    }

    /// Writes `body` to `path` under `condition`.
    pub async fn write(&self, path: &Path, body: Vec<u8>, condition: Condition<'_>) -> LeaseResult<WriteOutcome> {
        match &self.writer {
            Writer::ObjectStore => self.put(path, body, condition).await,
            #[cfg(feature = "gcs")]
            Writer::GcsMultipart(uploader) => uploader.upload(&self.location, path, body, condition).await,
        }
    }

    async fn put(&self, path: &Path, body: Vec<u8>, condition: Condition<'_>) -> LeaseResult<WriteOutcome> {
        let versioned = matches!(condition, Condition::Version(_));
        let mode = match condition {
            Condition::Absent => PutMode::Create,
            Condition::Version(v) => PutMode::Update(match self.versioning {
                Versioning::ETag => UpdateVersion { e_tag: Some(v.to_string()), version: None },
                Versioning::Generation => UpdateVersion { e_tag: None, version: Some(v.to_string()) },
            }),
            Condition::Overwrite => PutMode::Overwrite,
        };
        let options = PutOptions { mode, ..PutOptions::default() };
        match self.store.put_opts(path, PutPayload::from(body), options).await {
            Ok(result) => Ok(WriteOutcome::Written(self.version_of(result.e_tag, result.version, path)?)),
            Err(object_store::Error::AlreadyExists { .. }) | Err(object_store::Error::Precondition { .. }) => {
                Ok(WriteOutcome::Conflict)
            }
            // An If-Match on an object that vanished meanwhile (otherwise a NotFound
            // means the bucket or container is missing: an error below).
            Err(object_store::Error::NotFound { .. }) if versioned => Ok(WriteOutcome::Conflict),
            Err(e) => Err(self.error(&format!("write {path}"), e)),
        }
    }

    /// Deletes `path`; false when it was not there.
    pub async fn delete(&self, path: &Path) -> LeaseResult<bool> {
        match self.store.delete(path).await {
            Ok(()) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.error(&format!("delete {path}"), e)),
        }
    }

    /// One level under `prefix`: the sub-prefixes and the objects (with their ages in
    /// milliseconds since the epoch), every page of the listing.
    pub async fn list_level(&self, prefix: &Path) -> LeaseResult<(Vec<Path>, Vec<(Path, i64)>)> {
        match self.store.list_with_delimiter(Some(prefix)).await {
            Ok(listing) => Ok((
                listing.common_prefixes,
                listing.objects.into_iter().map(|o| (o.location, o.last_modified.timestamp_millis())).collect(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok((Vec::new(), Vec::new())),
            Err(e) => Err(self.error(&format!("list {prefix}/"), e)),
        }
    }

    /// Reads every path, at most `window` at once; paths that vanished are left out.
    pub async fn read_all(&self, paths: Vec<Path>, window: usize) -> LeaseResult<Vec<(Path, Stored)>> {
        let mut out = Vec::with_capacity(paths.len());
        let mut pending = tokio::task::JoinSet::new();
        let mut queue = paths.into_iter();
        loop {
            while pending.len() < window.max(1) {
                let Some(path) = queue.next() else { break };
                let client = self.clone();
                pending.spawn(async move {
                    let stored = client.read(&path).await;
                    (path, stored)
                });
            }
            let Some(joined) = pending.join_next().await else { break };
            let (path, stored) =
                joined.map_err(|e| LeaseError::Backend(format!("{}: a read task: {e}", self.location)))?;
            if let Some(stored) = stored? {
                out.push((path, stored));
            }
        }
        Ok(out)
    }
}
