//! Writes to Google Cloud Storage as JSON-API multipart uploads
//! (`POST <base>/upload/storage/v1/b/<bucket>/o?uploadType=multipart`), with the
//! precondition as `ifGenerationMatch` (0: only if absent; N: only if the live
//! generation is N).
//!
//! Why not object_store's own put: it writes through the XML API (`PUT <bucket>/<object>`
//! with `x-goog-if-generation-match`), which fake-gcs-server does not serve, and
//! fake-gcs-server also ignores `ifGenerationMatch` on simple (`uploadType=media`)
//! uploads and on deletes. Multipart uploads are served by GCS and by fake-gcs-server
//! alike, and both refuse a failed generation precondition with 412, so every lease
//! write goes this way and nothing relies on a simple-upload or delete precondition.
//! Reads, listings and deletes still go through object_store (their results are not
//! conditional). The OAuth token is object_store's, so credentials work as for reads.

use super::store::{Condition, WriteOutcome};
use crate::provider::{LeaseError, LeaseResult};
use object_store::gcp::GcpCredentialProvider;
use object_store::path::Path;
use serde::Deserialize;
use std::time::Duration;

/// The longest upload answer read (the uploaded object's metadata, a few hundred bytes).
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// The JSON API's upload client for one bucket.
#[derive(Clone)]
pub struct GcsUploader {
    http: reqwest::Client,
    /// `https://storage.googleapis.com` or a compatible server's URL, without a trailing `/`.
    base_url: String,
    bucket: String,
    credentials: GcpCredentialProvider,
}

#[derive(Deserialize)]
struct UploadedObject {
    generation: String,
}

/// `text` with every byte outside the URL-unreserved set percent-encoded.
fn url_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `multipart/related` body: the object's metadata (its name), then its bytes.
fn multipart_body(boundary: &str, name: &str, body: &[u8]) -> LeaseResult<Vec<u8>> {
    let metadata = serde_json::to_string(&serde_json::json!({ "name": name }))
        .map_err(|e| LeaseError::Backend(format!("encode the metadata of {name}: {e}")))?;
    let mut out = Vec::with_capacity(body.len() + metadata.len() + 3 * boundary.len() + 128);
    out.extend_from_slice(format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n").as_bytes());
    out.extend_from_slice(metadata.as_bytes());
    out.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Type: application/json\r\n\r\n").as_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Ok(out)
}

/// A boundary that does not occur in `body`.
fn boundary_for(body: &[u8]) -> String {
    let mut n: u64 = 0x6f72_6269_745f_6c73;
    loop {
        let boundary = format!("orbit-lease-{n:016x}");
        if !body.windows(boundary.len()).any(|w| w == boundary.as_bytes()) {
            return boundary;
        }
        n = n.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
    }
}

impl GcsUploader {
    pub fn new(
        base_url: &str,
        bucket: &str,
        credentials: GcpCredentialProvider,
        timeout: Duration,
    ) -> LeaseResult<GcsUploader> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| LeaseError::Config(format!("the GCS upload client cannot be built: {e}")))?;
        Ok(GcsUploader {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            bucket: bucket.into(),
            credentials,
        })
    }

    /// The upload URL for `condition` (the object's name goes in the metadata part).
    pub fn upload_url(&self, condition: &Condition<'_>) -> String {
        let mut url =
            format!("{}/upload/storage/v1/b/{}/o?uploadType=multipart", self.base_url, url_component(&self.bucket));
        match condition {
            Condition::Absent => url.push_str("&ifGenerationMatch=0"),
            Condition::Version(generation) => {
                url.push_str("&ifGenerationMatch=");
                url.push_str(&url_component(generation));
            }
            Condition::Overwrite => {}
        }
        url
    }

    /// Uploads `body` as `path` under `condition`; `location` names the backend in errors.
    pub async fn upload(
        &self,
        location: &str,
        path: &Path,
        body: Vec<u8>,
        condition: Condition<'_>,
    ) -> LeaseResult<WriteOutcome> {
        let failed = |what: String| LeaseError::Backend(format!("{location}: write {path}: {what}"));
        if let Condition::Version(generation) = condition {
            if generation.is_empty() || !generation.bytes().all(|b| b.is_ascii_digit()) {
                // Not a generation GCS ever answered: it cannot match the live object.
                return Ok(WriteOutcome::Conflict);
            }
        }
        let boundary = boundary_for(&body);
        let payload = multipart_body(&boundary, path.as_ref(), &body).map_err(|e| failed(e.to_string()))?;
        let token = self
            .credentials
            .get_credential()
            .await
            .map_err(|e| LeaseError::Backend(format!("{location}: write {path}: no OAuth token: {e}")))?;
        let mut request = self
            .http
            .post(self.upload_url(&condition))
            .header(reqwest::header::CONTENT_TYPE, format!("multipart/related; boundary={boundary}"))
            .body(payload);
        if !token.bearer.is_empty() {
            request = request.bearer_auth(&token.bearer);
        }
        let response = request.send().await.map_err(|e| {
            if e.is_connect() || e.is_timeout() || e.is_request() {
                LeaseError::Unavailable(format!("{location}: write {path}: {e}"))
            } else {
                failed(e.to_string())
            }
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::PRECONDITION_FAILED {
            return Ok(WriteOutcome::Conflict);
        }
        let body = crate::remote::read_bounded_body(response, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| LeaseError::Unavailable(format!("{location}: write {path}: {e}")))?
            .ok_or_else(|| failed(format!("{status}: an answer over {MAX_ANSWER_BYTES} bytes")))?;
        let text = String::from_utf8_lossy(&body);
        if !status.is_success() {
            let shown: String = text.chars().take(300).collect();
            return Err(match status.as_u16() {
                401 | 403 => failed(format!("access denied ({status}): {shown}")),
                500..=599 => LeaseError::Unavailable(format!("{location}: write {path}: {status}: {shown}")),
                _ => failed(format!("{status}: {shown}")),
            });
        }
        let uploaded: UploadedObject = serde_json::from_str(&text)
            .map_err(|e| failed(format!("the server's answer has no generation ({e}): {text:.200}")))?;
        if uploaded.generation.is_empty() {
            return Err(failed("the server answered an empty generation".into()));
        }
        Ok(WriteOutcome::Written(uploaded.generation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_metadata_then_bytes_and_the_boundary_is_not_in_them() {
        let boundary = boundary_for(b"{\"a\":1}");
        let body = multipart_body(&boundary, "orbit/leases/t/k", b"{\"a\":1}").expect("body");
        let text = String::from_utf8(body).expect("utf-8");
        assert!(text.starts_with(&format!("--{boundary}\r\n")), "{text}");
        assert!(text.contains("{\"name\":\"orbit/leases/t/k\"}"), "{text}");
        assert!(text.ends_with(&format!("\r\n{{\"a\":1}}\r\n--{boundary}--\r\n")), "{text}");
        let tricky = format!("x{}y", boundary_for(b""));
        assert!(!tricky.contains(&boundary_for(tricky.as_bytes())));
    }

    #[test]
    fn urls_escape_the_bucket_and_carry_the_precondition() {
        assert_eq!(url_component("a b/c=d"), "a%20b%2Fc%3Dd");
        let credentials: GcpCredentialProvider =
            std::sync::Arc::new(object_store::StaticCredentialProvider::new(object_store::gcp::GcpCredential {
                bearer: String::new(),
            }));
        let uploader = GcsUploader::new("http://h:1/", "b", credentials, Duration::from_secs(1)).expect("client");
        assert_eq!(
            uploader.upload_url(&Condition::Absent),
            "http://h:1/upload/storage/v1/b/b/o?uploadType=multipart&ifGenerationMatch=0"
        );
        assert!(uploader.upload_url(&Condition::Version("17")).ends_with("&ifGenerationMatch=17"));
        assert!(!uploader.upload_url(&Condition::Overwrite).contains("ifGeneration"));
    }
}
