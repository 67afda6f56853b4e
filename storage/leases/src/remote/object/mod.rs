//! The object-store lease directory: S3, MinIO, Azure Blob and Google Cloud Storage
//! through object_store's conditional writes. The four kinds differ only in how their
//! client is built ([`settings`]); the directory over it ([`ObjectDirectory`]) is one.
//!
//! * [`layout`]: object paths and the envelopes they hold (lease, expiry, fencing counter).
//! * [`store`]: the client calls, mapped onto [`LeaseError`] (conflict = the server
//!   refused a precondition); on GCS the writes are multipart uploads (`gcs_upload`).
//! * [`directory`], [`leases`], [`nodes`]: the provider traits.
//!
//! Nothing is kept in the data directory: the bucket is the directory.

use crate::config::BackendKind;
use crate::provider::LeaseResult;
use crate::registry::LeaseBackend;
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;

pub mod directory;
#[cfg(feature = "gcs")]
pub mod gcs_upload;
pub mod layout;
pub mod leases;
pub mod nodes;
pub mod settings;
pub mod store;
#[cfg(test)]
mod tests;

pub use directory::ObjectDirectory;

/// Opens the provider `name` of `kind` (S3, MinIO, Azure or GoogleCloud) from its table.
pub fn open(name: &str, kind: BackendKind, table: &Map<String, Value>, _data_dir: &Path) -> LeaseResult<LeaseBackend> {
    let directory = open_directory(name, kind, table, &settings::process_env)?;
    Ok(LeaseBackend::from_directory(name, kind, Arc::new(directory)))
}

/// The directory itself, with the environment read through `env`.
pub fn open_directory(
    name: &str,
    kind: BackendKind,
    table: &Map<String, Value>,
    env: settings::EnvLookup<'_>,
) -> LeaseResult<ObjectDirectory> {
    let opened = settings::read(name, kind, table, env)?;
    let client = store::Client {
        store: opened.store,
        versioning: opened.versioning,
        writer: opened.writer,
        location: opened.location.into(),
    };
    Ok(ObjectDirectory::new(client, &opened.prefix, kind.name()))
}
