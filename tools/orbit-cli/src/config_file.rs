//! Reading orbit-server's configuration file (TOML, or JSON of the same shape) for the
//! parts that describe the lease directory: `[server] persistence_backend` and
//! `data_dir`, `[providers.<name>]` and `[defaults]`. Every other table and key belongs
//! to the server (protocols, ports, ...) and is ignored here; the provider tables are
//! checked by orbit-leases, field by field, so a bad value names `providers.<name>.<field>`.

use crate::{CliResult, Failure};
use orbit_leases::PersistenceConfig;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The lease-directory part of a configuration file.
pub struct ConfigFile {
    pub path: PathBuf,
    pub persistence: PersistenceConfig,
    /// `[server] data_dir`, resolved against the working directory as the server does.
    pub data_dir: Option<PathBuf>,
}

impl ConfigFile {
    /// Reads `path`: JSON when it ends in `.json` or starts with `{`, TOML otherwise.
    pub fn read(path: &Path) -> CliResult<ConfigFile> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
        let bad = |why: String| Failure(format!("{}: {why}", path.display()));
        let is_json =
            path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) || text.trim_start().starts_with('{');
        let document: Value = if is_json {
            serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?
        } else {
            orbit_leases::registry::toml_document_to_json(&text)
                .map_err(|e| bad(format!("not valid TOML: {}", e.config_message())))?
        };
        let Value::Object(mut top) = document else {
            return Err(bad("the configuration must be a table".into()));
        };
        let mut lease_part = Map::new();
        let mut data_dir = None;
        if let Some(server) = top.remove("server") {
            let Value::Object(mut server) = server else {
                return Err(bad("server: expected a table".into()));
            };
            if let Some(backend) = server.remove("persistence_backend") {
                lease_part
                    .insert("server".into(), Value::Object(Map::from_iter([("persistence_backend".into(), backend)])));
            }
            match server.remove("data_dir") {
                None => {}
                Some(Value::String(dir)) if !dir.is_empty() => data_dir = Some(PathBuf::from(dir)),
                Some(_) => return Err(bad("server.data_dir: expected a non-empty string".into())),
            }
        }
        for table in ["providers", "defaults"] {
            if let Some(value) = top.remove(table) {
                lease_part.insert(table.into(), value);
            }
        }
        let persistence =
            PersistenceConfig::from_json_value(Value::Object(lease_part)).map_err(|e| bad(e.config_message()))?;
        Ok(ConfigFile { path: path.to_path_buf(), persistence, data_dir })
    }
}
