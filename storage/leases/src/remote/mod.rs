//! The lease-directory backends that are not a [`crate::Directory`] over a local
//! [`crate::RecordStore`]: each keeps leases in a server (etcd, Redis, an object store,
//! a Kubernetes API server) or composes other backends, and implements the provider
//! traits itself on that server's compare-and-swap. Every one but Flash and Composite is
//! behind its cargo feature; a build without it answers [`LeaseError::NotSupported`]
//! naming the feature.
//!
//! Each backend module offers `open(name, settings, data_dir)`: its settings are the
//! provider's table (`[providers.<name>]` without `type`), read field by field with
//! errors naming `providers.<name>.<field>`.

use crate::config::BackendKind;
use crate::provider::{LeaseError, LeaseResult};
use crate::registry::LeaseBackend;
use serde_json::{Map, Value};
use std::path::Path;

pub mod composite;
#[cfg(feature = "etcd")]
pub mod etcd;
pub mod flash;
#[cfg(feature = "kubernetes")]
pub mod kubernetes;
#[cfg(any(feature = "s3", feature = "azure", feature = "gcs"))]
pub mod object;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(any(test, feature = "test-servers"))]
pub mod testing;

/// Opens the remote provider `name` of `kind`; `open_named` opens another configured
/// provider by name (what Composite is made of).
pub fn open(
    name: &str,
    kind: BackendKind,
    settings: &Map<String, Value>,
    data_dir: &Path,
    open_named: &dyn Fn(&str) -> LeaseResult<LeaseBackend>,
) -> LeaseResult<LeaseBackend> {
    let _ = (settings, data_dir);
    match kind {
        #[cfg(feature = "etcd")]
        BackendKind::Etcd => etcd::open(name, settings, data_dir),
        #[cfg(feature = "redis")]
        BackendKind::Redis => redis::open(name, settings, data_dir),
        #[cfg(feature = "s3")]
        BackendKind::S3 | BackendKind::MinIO => object::open(name, kind, settings, data_dir),
        #[cfg(feature = "azure")]
        BackendKind::Azure => object::open(name, kind, settings, data_dir),
        #[cfg(feature = "gcs")]
        BackendKind::GoogleCloud => object::open(name, kind, settings, data_dir),
        #[cfg(feature = "kubernetes")]
        BackendKind::Kubernetes => kubernetes::open(name, settings, data_dir),
        BackendKind::Flash => flash::open(name, settings, data_dir),
        BackendKind::Composite => composite::open(name, settings, data_dir, open_named),
        other => Err(LeaseError::NotSupported(format!(
            "the {} persistence backend in this build: it is compiled with the cargo feature `{}` of orbit-leases \
             (cargo build --release -p orbit-server --features orbit-leases/{})",
            other.name(),
            feature_of(other),
            feature_of(other)
        ))),
    }
}

/// True when this build can open backends of `kind` (local ones always).
pub fn compiled(kind: BackendKind) -> bool {
    match kind {
        BackendKind::Etcd => cfg!(feature = "etcd"),
        BackendKind::Redis => cfg!(feature = "redis"),
        BackendKind::S3 | BackendKind::MinIO => cfg!(feature = "s3"),
        BackendKind::Azure => cfg!(feature = "azure"),
        BackendKind::GoogleCloud => cfg!(feature = "gcs"),
        BackendKind::Kubernetes => cfg!(feature = "kubernetes"),
        _ => true,
    }
}

/// The cargo feature a backend is compiled with.
pub fn feature_of(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Etcd => "etcd",
        BackendKind::Redis => "redis",
        BackendKind::S3 | BackendKind::MinIO => "s3",
        BackendKind::Azure => "azure",
        BackendKind::GoogleCloud => "gcs",
        BackendKind::Kubernetes => "kubernetes",
        _ => "none",
    }
}

/// Reads the body of an HTTP answer chunk by chunk, up to `max` bytes; `Ok(None)` when it
/// is longer (announced or streamed), so no server answer makes a backend allocate
/// without bound.
#[cfg(any(feature = "etcd", feature = "gcs", feature = "kubernetes"))]
pub(crate) async fn read_bounded_body(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > max {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}
