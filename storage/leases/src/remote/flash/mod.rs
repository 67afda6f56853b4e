//! The Flash backend: preallocated O_DIRECT slot files (being built for issue 17).

use crate::provider::{LeaseError, LeaseResult};
use crate::registry::LeaseBackend;
use serde_json::{Map, Value};
use std::path::Path;

pub fn open(name: &str, _settings: &Map<String, Value>, _data_dir: &Path) -> LeaseResult<LeaseBackend> {
    Err(LeaseError::NotSupported(format!("the flash persistence backend (provider \"{name}\")")))
}
