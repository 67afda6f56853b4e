//! The Composite backend: a primary and a backup provider (being built for issue 17).

use crate::provider::{LeaseError, LeaseResult};
use crate::registry::LeaseBackend;
use serde_json::{Map, Value};
use std::path::Path;

pub fn open(
    name: &str,
    _settings: &Map<String, Value>,
    _data_dir: &Path,
    _open_named: &dyn Fn(&str) -> LeaseResult<LeaseBackend>,
) -> LeaseResult<LeaseBackend> {
    Err(LeaseError::NotSupported(format!("the composite persistence backend (provider \"{name}\")")))
}
