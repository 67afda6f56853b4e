//! The settings of an object-store provider (`[providers.<name>]` with type S3, MinIO,
//! Azure or GoogleCloud), read field by field, and the object_store client they build.
//! Only the client differs between the four kinds; the directory over it is one.
//!
//! * S3 / MinIO: `endpoint`, `region`, `bucket`, `access_key_id`, `secret_access_key`,
//!   `session_token`, `prefix`, `enable_ssl`, `path_style`, `connection_timeout` (s),
//!   `retry_count`. A field missing from the table falls back to the documented
//!   environment variables `ORBIT_S3_ENDPOINT`, `ORBIT_S3_REGION`, `ORBIT_S3_BUCKET`,
//!   `ORBIT_S3_ACCESS_KEY_ID`, `ORBIT_S3_SECRET_ACCESS_KEY`. MinIO defaults to path-style
//!   requests and needs an endpoint.
//! * Azure: `account_name`, `account_key`, `container_name`, `endpoint` (the account URL,
//!   e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1`), `use_emulator`,
//!   `prefix`, `connection_timeout`, `retry_count`.
//! * GoogleCloud: `project_id` (informational: buckets are global), `bucket_name`,
//!   `credentials_path` (a service-account JSON file), `endpoint` (a GCS-compatible
//!   server such as fake-gcs-server, used without OAuth), `prefix`, `connection_timeout`,
//!   `retry_count`.
//!
//! Unknown fields are refused; every error names `providers.<name>.<field>`.

use super::store::Writer;
use crate::config::BackendKind;
use crate::provider::{LeaseError, LeaseResult};
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStore, RetryConfig};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// How a stored object's compare-and-swap version is named by its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioning {
    /// The ETag (S3, MinIO, Azure): `If-Match` / `If-None-Match: *`.
    ETag,
    /// The object generation (GCS): `x-goog-if-generation-match`.
    Generation,
}

/// An opened client and where the directory lives in it.
pub struct ObjectSettings {
    pub store: Arc<dyn ObjectStore>,
    pub prefix: String,
    pub versioning: Versioning,
    pub writer: Writer,
    /// "S3 bucket b at http://..." — for messages.
    pub location: String,
}

/// The environment, read through a function so tests need not change the process's.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Reads the process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The fields of one provider table, each read once; the rest are refused at the end.
struct Fields<'a> {
    name: &'a str,
    table: &'a Map<String, Value>,
    read: BTreeSet<&'static str>,
}

impl<'a> Fields<'a> {
    fn new(name: &'a str, table: &'a Map<String, Value>) -> Self {
        Fields { name, table, read: BTreeSet::new() }
    }

    fn error(&self, field: &str, what: &str) -> LeaseError {
        LeaseError::Config(format!("providers.{}.{field}: {what}", self.name))
    }

    fn string(&mut self, field: &'static str) -> LeaseResult<Option<String>> {
        self.read.insert(field);
        match self.table.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Err(self.error(field, "must not be empty")),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.error(field, &format!("expected a string, found {other}"))),
        }
    }

    #[cfg_attr(not(any(feature = "s3", feature = "azure")), allow(dead_code))]
    fn boolean(&mut self, field: &'static str) -> LeaseResult<Option<bool>> {
        self.read.insert(field);
        match self.table.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.error(field, &format!("expected true or false, found {other}"))),
        }
    }

    fn number(&mut self, field: &'static str, max: u64) -> LeaseResult<Option<u64>> {
        self.read.insert(field);
        match self.table.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if v <= max => Ok(Some(v)),
                _ => Err(self.error(field, &format!("expected a whole number from 0 to {max}, found {n}"))),
            },
            Some(other) => Err(self.error(field, &format!("expected a number, found {other}"))),
        }
    }

    fn finish(self) -> LeaseResult<()> {
        let unknown: Vec<&String> = self.table.keys().filter(|k| !self.read.contains(k.as_str())).collect();
        match unknown.first() {
            None => Ok(()),
            Some(field) => {
                let known: Vec<&str> = self.read.iter().copied().collect();
                Err(self.error(field, &format!("unknown field (known: {})", known.join(", "))))
            }
        }
    }
}

/// Settings every kind shares: prefix, timeouts, retries.
struct Common {
    prefix: String,
    #[cfg_attr(not(feature = "gcs"), allow(dead_code))]
    timeout: Duration,
    options: ClientOptions,
    retry: RetryConfig,
}

fn common(fields: &mut Fields<'_>) -> LeaseResult<Common> {
    let prefix = fields.string("prefix")?.unwrap_or_else(|| "orbit".into());
    let trimmed = prefix.trim_matches('/').to_string();
    if !trimmed.is_empty() {
        Path::parse(&trimmed).map_err(|e| fields.error("prefix", &format!("not a valid object path: {e}")))?;
    }
    let timeout = fields.number("connection_timeout", 3_600)?.unwrap_or(30);
    if timeout == 0 {
        return Err(fields.error("connection_timeout", "must be at least 1 (seconds)"));
    }
    let retries = fields.number("retry_count", 100)?.unwrap_or(3);
    let options = ClientOptions::new()
        .with_timeout(Duration::from_secs(timeout))
        .with_connect_timeout(Duration::from_secs(timeout.min(10)));
    let retry = RetryConfig {
        max_retries: retries as usize,
        retry_timeout: Duration::from_secs(timeout),
        ..RetryConfig::default()
    };
    Ok(Common { prefix: trimmed, timeout: Duration::from_secs(timeout), options, retry })
}

/// Whether `endpoint` is plain HTTP, checked against `enable_ssl`.
fn check_scheme(fields: &Fields<'_>, endpoint: &str, enable_ssl: Option<bool>) -> LeaseResult<bool> {
    let http = if let Some(rest) = endpoint.strip_prefix("http://") {
        !rest.is_empty()
    } else if endpoint.strip_prefix("https://").is_some_and(|rest| !rest.is_empty()) {
        false
    } else {
        return Err(fields.error("endpoint", &format!("expected an http:// or https:// URL, found \"{endpoint}\"")));
    };
    match enable_ssl {
        Some(true) if http => Err(fields.error("enable_ssl", "is true but the endpoint is http://")),
        Some(false) if !http => Err(fields.error("enable_ssl", "is false but the endpoint is https://")),
        _ => Ok(http),
    }
}

fn build_error(name: &str, kind: BackendKind, e: object_store::Error) -> LeaseError {
    LeaseError::Config(format!("providers.{name}: the {} client cannot be built: {e}", kind.type_name()))
}

/// Reads `table` for a provider of `kind` and builds its client.
pub fn read(
    name: &str,
    kind: BackendKind,
    table: &Map<String, Value>,
    env: EnvLookup<'_>,
) -> LeaseResult<ObjectSettings> {
    let mut fields = Fields::new(name, table);
    let settings = match kind {
        BackendKind::S3 | BackendKind::MinIO => s3(name, kind, &mut fields, env)?,
        BackendKind::Azure => azure(name, &mut fields)?,
        BackendKind::GoogleCloud => gcs(name, &mut fields)?,
        other => {
            return Err(LeaseError::Config(format!("providers.{name}: {} is not an object store", other.type_name())))
        }
    };
    fields.finish()?;
    Ok(settings)
}

#[cfg(feature = "s3")]
fn s3(name: &str, kind: BackendKind, fields: &mut Fields<'_>, env: EnvLookup<'_>) -> LeaseResult<ObjectSettings> {
    use object_store::aws::AmazonS3Builder;
    let field_or_env = |fields: &mut Fields<'_>, field: &'static str, var: &str| -> LeaseResult<Option<String>> {
        Ok(fields.string(field)?.or_else(|| env(var)))
    };
    let endpoint = field_or_env(fields, "endpoint", "ORBIT_S3_ENDPOINT")?;
    let region = field_or_env(fields, "region", "ORBIT_S3_REGION")?.unwrap_or_else(|| "us-east-1".into());
    let bucket = field_or_env(fields, "bucket", "ORBIT_S3_BUCKET")?
        .ok_or_else(|| fields.error("bucket", "missing (or set ORBIT_S3_BUCKET)"))?;
    let access_key = field_or_env(fields, "access_key_id", "ORBIT_S3_ACCESS_KEY_ID")?;
    let secret_key = field_or_env(fields, "secret_access_key", "ORBIT_S3_SECRET_ACCESS_KEY")?;
    let token = fields.string("session_token")?;
    let enable_ssl = fields.boolean("enable_ssl")?;
    let path_style = fields.boolean("path_style")?.unwrap_or(kind == BackendKind::MinIO);
    let common = common(fields)?;
    let mut builder = AmazonS3Builder::new()
        .with_region(&region)
        .with_bucket_name(&bucket)
        .with_virtual_hosted_style_request(!path_style)
        .with_retry(common.retry);
    let mut options = common.options;
    match &endpoint {
        Some(endpoint) => {
            let http = check_scheme(fields, endpoint, enable_ssl)?;
            options = options.with_allow_http(http);
            // object_store takes a virtual-hosted endpoint as the bucket's own URL, so
            // the bucket goes in front of the host here (path style appends it itself).
            let endpoint = endpoint.trim_end_matches('/');
            builder = if path_style {
                builder.with_endpoint(endpoint)
            } else {
                builder.with_endpoint(virtual_hosted_endpoint(endpoint, &bucket))
            };
        }
        None if kind == BackendKind::MinIO => {
            return Err(fields.error("endpoint", "missing: a MinIO provider needs its server's URL"))
        }
        None if enable_ssl == Some(false) => {
            return Err(fields.error("enable_ssl", "is false but AWS S3 is only reached over https"))
        }
        None => {}
    }
    match (access_key, secret_key) {
        (Some(id), Some(secret)) => {
            builder = builder.with_access_key_id(id).with_secret_access_key(secret);
            if let Some(token) = token {
                builder = builder.with_token(token);
            }
        }
        (Some(_), None) => return Err(fields.error("secret_access_key", "missing while access_key_id is set")),
        (None, Some(_)) => return Err(fields.error("access_key_id", "missing while secret_access_key is set")),
        (None, None) => {}
    }
    let store = builder.with_client_options(options).build().map_err(|e| build_error(name, kind, e))?;
    let at = endpoint.unwrap_or_else(|| format!("AWS region {region}"));
    Ok(ObjectSettings {
        store: Arc::new(store),
        prefix: common.prefix,
        versioning: Versioning::ETag,
        writer: Writer::ObjectStore,
        location: format!("{} bucket {bucket} at {at}", kind.type_name()),
    })
}

#[cfg(not(feature = "s3"))]
fn s3(name: &str, kind: BackendKind, _: &mut Fields<'_>, _: EnvLookup<'_>) -> LeaseResult<ObjectSettings> {
    Err(not_built(name, kind, "s3"))
}

#[cfg(feature = "azure")]
fn azure(name: &str, fields: &mut Fields<'_>) -> LeaseResult<ObjectSettings> {
    use object_store::azure::MicrosoftAzureBuilder;
    let account = fields.string("account_name")?;
    let key = fields.string("account_key")?;
    let container = fields.string("container_name")?.ok_or_else(|| fields.error("container_name", "missing"))?;
    let endpoint = fields.string("endpoint")?;
    let use_emulator = fields.boolean("use_emulator")?.unwrap_or(false);
    let common = common(fields)?;
    let mut builder = MicrosoftAzureBuilder::new().with_container_name(&container).with_retry(common.retry);
    let mut options = common.options;
    if use_emulator && endpoint.is_none() {
        // object_store's emulator mode: Azurite at AZURITE_BLOB_STORAGE_URL or
        // 127.0.0.1:10000, its well-known account and key unless others are given.
        builder = builder.with_use_emulator(true);
    } else {
        let account = account.clone().ok_or_else(|| fields.error("account_name", "missing"))?;
        builder = builder.with_account(account);
        if let Some(endpoint) = &endpoint {
            let http = check_scheme(fields, endpoint, None)?;
            options = options.with_allow_http(http);
            builder = builder.with_endpoint(endpoint.trim_end_matches('/').to_string());
        }
    }
    if let Some(account) = &account {
        builder = builder.with_account(account);
    }
    match key {
        Some(key) => builder = builder.with_access_key(key),
        None if use_emulator => {}
        None => return Err(fields.error("account_key", "missing")),
    }
    let store = builder.with_client_options(options).build().map_err(|e| build_error(name, BackendKind::Azure, e))?;
    let at = endpoint.unwrap_or_else(|| match &account {
        Some(account) if !use_emulator => format!("https://{account}.blob.core.windows.net"),
        _ => "the Azurite emulator".into(),
    });
    Ok(ObjectSettings {
        store: Arc::new(store),
        prefix: common.prefix,
        versioning: Versioning::ETag,
        writer: Writer::ObjectStore,
        location: format!("Azure container {container} at {at}"),
    })
}

#[cfg(not(feature = "azure"))]
fn azure(name: &str, _: &mut Fields<'_>) -> LeaseResult<ObjectSettings> {
    Err(not_built(name, BackendKind::Azure, "azure"))
}

#[cfg(feature = "gcs")]
fn gcs(name: &str, fields: &mut Fields<'_>) -> LeaseResult<ObjectSettings> {
    use object_store::gcp::GoogleCloudStorageBuilder;
    let _project = fields.string("project_id")?;
    let bucket = fields.string("bucket_name")?.ok_or_else(|| fields.error("bucket_name", "missing"))?;
    let credentials = fields.string("credentials_path")?;
    let endpoint = fields.string("endpoint")?;
    let common = common(fields)?;
    let mut builder = GoogleCloudStorageBuilder::new().with_bucket_name(&bucket).with_retry(common.retry);
    let mut options = common.options;
    match (&credentials, &endpoint) {
        (Some(path), None) => {
            if !std::path::Path::new(path).is_file() {
                return Err(fields.error("credentials_path", &format!("no file at {path}")));
            }
            builder = builder.with_service_account_path(path);
        }
        (None, Some(endpoint)) => {
            // A GCS-compatible server without OAuth: object_store takes its URL from a
            // service-account document with `gcs_base_url` and `disable_oauth`.
            let http = check_scheme(fields, endpoint, None)?;
            options = options.with_allow_http(http);
            let key = serde_json::json!({
                "private_key": "",
                "private_key_id": "",
                "client_email": "",
                "gcs_base_url": endpoint.trim_end_matches('/'),
                "disable_oauth": true,
            });
            builder = builder.with_service_account_key(key.to_string());
        }
        (Some(_), Some(_)) => {
            return Err(fields.error("endpoint", "set either endpoint (a server without OAuth) or credentials_path"))
        }
        // Application default credentials (GOOGLE_APPLICATION_CREDENTIALS, metadata server).
        (None, None) => {}
    }
    let store =
        builder.with_client_options(options).build().map_err(|e| build_error(name, BackendKind::GoogleCloud, e))?;
    let base_url = endpoint.clone().unwrap_or_else(|| "https://storage.googleapis.com".into());
    let uploader = super::gcs_upload::GcsUploader::new(&base_url, &bucket, store.credentials().clone(), common.timeout)
        .map_err(|e| LeaseError::Config(format!("providers.{name}: {e}")))?;
    Ok(ObjectSettings {
        store: Arc::new(store),
        prefix: common.prefix,
        versioning: Versioning::Generation,
        writer: Writer::GcsMultipart(uploader),
        location: format!("GCS bucket {bucket} at {}", base_url.trim_end_matches('/')),
    })
}

#[cfg(not(feature = "gcs"))]
fn gcs(name: &str, _: &mut Fields<'_>) -> LeaseResult<ObjectSettings> {
    Err(not_built(name, BackendKind::GoogleCloud, "gcs"))
}

/// `scheme://bucket.host[:port][/path]` for a virtual-hosted request to `endpoint`.
#[cfg(feature = "s3")]
pub fn virtual_hosted_endpoint(endpoint: &str, bucket: &str) -> String {
    match endpoint.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{bucket}.{rest}"),
        None => format!("{bucket}.{endpoint}"),
    }
}

#[allow(dead_code)]
fn not_built(name: &str, kind: BackendKind, feature: &str) -> LeaseError {
    LeaseError::NotSupported(format!(
        "the {} persistence backend (provider \"{name}\") in this build: it is compiled with the cargo feature `{feature}`",
        kind.type_name()
    ))
}
