//! Configuration of the lease directory: which backends exist, with which settings, and
//! which one holds addressable (lease) data and which cluster data.
//!
//! The shape follows the Orbit persistence documents, in TOML or JSON alike:
//!
//! ```toml
//! [server]
//! persistence_backend = "lsm_tree"     # or ORBIT_PERSISTENCE_BACKEND
//!
//! [providers.leases]
//! type = "LsmTree"                      # Memory | CowBTree | LsmTree | RocksDB | remote types
//! memtable_size_limit_mb = 8
//!
//! [defaults]
//! addressable = "leases"
//! cluster = "leases"
//! ```
//!
//! Parsing goes through one JSON value, so TOML and JSON give the same errors. Each
//! provider table is checked field by field: an unknown field, a wrong type or an
//! out-of-range value is ONE [`LeaseError::Config`] naming `providers.<name>.<field>`.
//! Remote types (S3, Azure, GoogleCloud, Etcd, Redis, Kubernetes, MinIO, Flash,
//! Composite) parse, and opening them answers [`LeaseError::NotSupported`].
//!
//! Which provider serves what ([`PersistenceConfig::selection`]): the backend named by
//! `persistence_backend` (a provider name, or a backend kind whose provider is the one
//! configured with that type or else one with default settings) is the default; `[defaults]`
//! picks the addressable and cluster providers, except when the backend was chosen by
//! the environment or a flag ([`PersistenceConfig::override_backend`]), which wins over the
//! file. With nothing configured, everything is in memory.

use crate::cow_btree::CowBTreeConfig;
use crate::lsm::LsmConfig;
use crate::memory::MemoryConfig;
use crate::provider::{LeaseError, LeaseResult};
use crate::rocks::RocksConfig;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that chooses the backend.
pub const BACKEND_ENV: &str = "ORBIT_PERSISTENCE_BACKEND";

/// Every kind of backend the documents name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackendKind {
    Memory,
    CowBTree,
    LsmTree,
    RocksDb,
    S3,
    Azure,
    GoogleCloud,
    Etcd,
    Redis,
    Kubernetes,
    MinIO,
    Flash,
    Composite,
}

impl BackendKind {
    pub const ALL: [BackendKind; 13] = [
        BackendKind::Memory,
        BackendKind::CowBTree,
        BackendKind::LsmTree,
        BackendKind::RocksDb,
        BackendKind::S3,
        BackendKind::Azure,
        BackendKind::GoogleCloud,
        BackendKind::Etcd,
        BackendKind::Redis,
        BackendKind::Kubernetes,
        BackendKind::MinIO,
        BackendKind::Flash,
        BackendKind::Composite,
    ];

    /// The local backends, which keep their files under `<data-dir>/leases/<name>`.
    pub const LOCAL: [BackendKind; 4] =
        [BackendKind::Memory, BackendKind::CowBTree, BackendKind::LsmTree, BackendKind::RocksDb];

    /// The name used by `persistence_backend`, the environment and the directory:
    /// memory, cow_btree, lsm_tree, rocksdb, s3, azure, gcp, etcd, redis, kubernetes,
    /// minio, flash, composite.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Memory => "memory",
            BackendKind::CowBTree => "cow_btree",
            BackendKind::LsmTree => "lsm_tree",
            BackendKind::RocksDb => "rocksdb",
            BackendKind::S3 => "s3",
            BackendKind::Azure => "azure",
            BackendKind::GoogleCloud => "gcp",
            BackendKind::Etcd => "etcd",
            BackendKind::Redis => "redis",
            BackendKind::Kubernetes => "kubernetes",
            BackendKind::MinIO => "minio",
            BackendKind::Flash => "flash",
            BackendKind::Composite => "composite",
        }
    }

    /// The `type = "..."` of a provider table.
    pub fn type_name(self) -> &'static str {
        match self {
            BackendKind::Memory => "Memory",
            BackendKind::CowBTree => "CowBTree",
            BackendKind::LsmTree => "LsmTree",
            BackendKind::RocksDb => "RocksDB",
            BackendKind::S3 => "S3",
            BackendKind::Azure => "Azure",
            BackendKind::GoogleCloud => "GoogleCloud",
            BackendKind::Etcd => "Etcd",
            BackendKind::Redis => "Redis",
            BackendKind::Kubernetes => "Kubernetes",
            BackendKind::MinIO => "MinIO",
            BackendKind::Flash => "Flash",
            BackendKind::Composite => "Composite",
        }
    }

    pub fn is_local(self) -> bool {
        BackendKind::LOCAL.contains(&self)
    }

    /// Parses a backend name (`persistence_backend`, the environment, a CLI flag):
    /// the names of [`BackendKind::name`], the short names `cow` and `lsm`, and the
    /// type names, case-insensitively.
    pub fn parse(s: &str) -> LeaseResult<BackendKind> {
        let wanted = s.trim().to_ascii_lowercase();
        let found = match wanted.as_str() {
            "cow" | "cowbtree" => Some(BackendKind::CowBTree),
            "lsm" | "lsmtree" => Some(BackendKind::LsmTree),
            "googlecloud" | "gcs" => Some(BackendKind::GoogleCloud),
            _ => BackendKind::ALL
                .into_iter()
                .find(|k| k.name() == wanted || k.type_name().to_ascii_lowercase() == wanted),
        };
        found.ok_or_else(|| {
            LeaseError::Config(format!(
                "unknown persistence backend \"{s}\" (expected one of: {})",
                BackendKind::ALL.map(|k| k.name()).join(", ")
            ))
        })
    }

    /// Parses a `type = "..."` value (exact type names, or any name [`parse`] takes).
    ///
    /// [`parse`]: BackendKind::parse
    fn parse_type(s: &str) -> Option<BackendKind> {
        BackendKind::ALL.into_iter().find(|k| k.type_name() == s).or_else(|| BackendKind::parse(s).ok())
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The settings of one provider.
#[derive(Debug, Clone)]
pub enum ProviderConfig {
    Memory(MemoryConfig),
    CowBTree(CowBTreeConfig),
    LsmTree(LsmConfig),
    RocksDb(RocksConfig),
    /// A remote backend: parsed, kept, not supported yet.
    Remote {
        kind: BackendKind,
        settings: Map<String, Value>,
    },
}

/// One named provider: its settings and whether its files' place was configured (when
/// not, they go to `<data-dir>/leases/<backend>`).
#[derive(Debug, Clone)]
pub struct ProviderSpec {
    pub config: ProviderConfig,
    pub path_configured: bool,
}

impl ProviderSpec {
    pub fn kind(&self) -> BackendKind {
        match &self.config {
            ProviderConfig::Memory(_) => BackendKind::Memory,
            ProviderConfig::CowBTree(_) => BackendKind::CowBTree,
            ProviderConfig::LsmTree(_) => BackendKind::LsmTree,
            ProviderConfig::RocksDb(_) => BackendKind::RocksDb,
            ProviderConfig::Remote { kind, .. } => *kind,
        }
    }

    /// The provider of `kind` with default settings.
    pub fn default_for(kind: BackendKind) -> ProviderSpec {
        let config = match kind {
            BackendKind::Memory => ProviderConfig::Memory(MemoryConfig::default()),
            BackendKind::CowBTree => ProviderConfig::CowBTree(CowBTreeConfig::default()),
            BackendKind::LsmTree => ProviderConfig::LsmTree(LsmConfig::default()),
            BackendKind::RocksDb => ProviderConfig::RocksDb(RocksConfig::default()),
            remote => ProviderConfig::Remote { kind: remote, settings: Map::new() },
        };
        ProviderSpec { config, path_configured: false }
    }

    /// Resolves paths: a local backend whose place was not configured gets
    /// `<data_dir>/leases/<backend>` (the memory backup: `.../memory/backup.bin`).
    pub fn with_data_dir(&self, data_dir: &Path) -> ProviderSpec {
        let mut spec = self.clone();
        let dir = backend_dir(data_dir, self.kind());
        if !self.path_configured {
            match &mut spec.config {
                ProviderConfig::Memory(c) => {
                    if let Some(b) = &mut c.backup {
                        b.path = Some(dir.join("backup.bin"));
                    }
                }
                ProviderConfig::CowBTree(c) => c.data_dir = dir,
                ProviderConfig::LsmTree(c) => c.data_dir = dir,
                ProviderConfig::RocksDb(c) => c.data_dir = Some(dir),
                ProviderConfig::Remote { .. } => {}
            }
        }
        spec.path_configured = true;
        spec
    }
}

/// `<data_dir>/leases/<backend>`.
pub fn backend_dir(data_dir: &Path, kind: BackendKind) -> PathBuf {
    data_dir.join("leases").join(kind.name())
}

/// The `[defaults]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DefaultsConfig {
    pub addressable: Option<String>,
    pub cluster: Option<String>,
}

/// Where the chosen backend came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendOrigin {
    /// `[server] persistence_backend` of the configuration file.
    File,
    /// The environment or a command-line flag: wins over `[defaults]`.
    Override,
}

/// The whole lease directory configuration.
#[derive(Debug, Clone, Default)]
pub struct PersistenceConfig {
    /// `persistence_backend`: a provider name or a backend name, and where it came from.
    pub persistence_backend: Option<(String, BackendOrigin)>,
    pub providers: BTreeMap<String, ProviderSpec>,
    pub defaults: DefaultsConfig,
}

/// Which provider serves what, after [`PersistenceConfig::selection`].
#[derive(Debug, Clone)]
pub struct Selection {
    /// Every provider to open, by name (configured ones plus the one
    /// `persistence_backend` created with default settings).
    pub providers: BTreeMap<String, ProviderSpec>,
    pub default: String,
    pub addressable: String,
    pub cluster: String,
}

impl PersistenceConfig {
    /// Parses a TOML document with the tables `[server]`, `[providers.*]`, `[defaults]`.
    pub fn from_toml_str(text: &str) -> LeaseResult<PersistenceConfig> {
        let value: toml::Table = toml::from_str(text).map_err(|e| LeaseError::Config(one_line(e.message())))?;
        Self::from_json_value(toml_to_json(toml::Value::Table(value)))
    }

    /// Parses a JSON document of the same shape.
    pub fn from_json_str(text: &str) -> LeaseResult<PersistenceConfig> {
        let value: Value = serde_json::from_str(text).map_err(|e| LeaseError::Config(e.to_string()))?;
        Self::from_json_value(value)
    }

    /// Parses a TOML value (the server's configuration hands over its tables this way).
    pub fn from_toml_value(value: toml::Value) -> LeaseResult<PersistenceConfig> {
        Self::from_json_value(toml_to_json(value))
    }

    /// Parses the document as a JSON value: `server`, `providers`, `defaults`.
    pub fn from_json_value(value: Value) -> LeaseResult<PersistenceConfig> {
        let Value::Object(mut top) = value else {
            return Err(LeaseError::Config("the configuration must be a table".into()));
        };
        let mut config = PersistenceConfig::default();
        if let Some(server) = top.remove("server") {
            let mut server = into_table(server, "server")?;
            if let Some(backend) = server.remove("persistence_backend") {
                let Value::String(name) = backend else {
                    return Err(field_error("server.persistence_backend", "expected a string"));
                };
                config.persistence_backend = Some((name, BackendOrigin::File));
            }
            if let Some(other) = server.keys().next() {
                return Err(field_error(&format!("server.{other}"), "unknown field"));
            }
        }
        if let Some(providers) = top.remove("providers") {
            for (name, table) in into_table(providers, "providers")? {
                let spec = parse_provider(&format!("providers.{name}"), table)?;
                config.providers.insert(name, spec);
            }
        }
        if let Some(defaults) = top.remove("defaults") {
            let mut defaults = into_table(defaults, "defaults")?;
            for (field, slot) in
                [("addressable", &mut config.defaults.addressable), ("cluster", &mut config.defaults.cluster)]
            {
                match defaults.remove(field) {
                    None => {}
                    Some(Value::String(name)) => *slot = Some(name),
                    Some(_) => return Err(field_error(&format!("defaults.{field}"), "expected a provider name")),
                }
            }
            if let Some(other) = defaults.keys().next() {
                return Err(field_error(&format!("defaults.{other}"), "unknown field"));
            }
        }
        if let Some(other) = top.keys().next() {
            return Err(field_error(other, "unknown table"));
        }
        config.validate()?;
        Ok(config)
    }

    /// The configuration with only `persistence_backend` set (e.g. from a CLI flag).
    pub fn for_backend(backend: &str) -> LeaseResult<PersistenceConfig> {
        let mut config = PersistenceConfig::default();
        config.override_backend(backend)?;
        Ok(config)
    }

    /// Sets the backend from the environment or a flag; it wins over the file's
    /// `persistence_backend` and `[defaults]`.
    pub fn override_backend(&mut self, backend: &str) -> LeaseResult<()> {
        self.persistence_backend = Some((backend.to_string(), BackendOrigin::Override));
        self.validate()
    }

    /// Applies [`BACKEND_ENV`] as seen through `env` (unset or empty: no change).
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> LeaseResult<()> {
        match env(BACKEND_ENV) {
            Some(v) if !v.trim().is_empty() => {
                self.override_backend(&v).map_err(|e| LeaseError::Config(format!("{BACKEND_ENV}: {}", strip(&e))))
            }
            _ => Ok(()),
        }
    }

    /// Checks that every name resolves; the error names the field.
    pub fn validate(&self) -> LeaseResult<()> {
        self.selection().map(|_| ())
    }

    /// The backend kind that holds addressable data (for banners and logs).
    pub fn addressable_kind(&self) -> LeaseResult<BackendKind> {
        let selection = self.selection()?;
        selection
            .providers
            .get(&selection.addressable)
            .map(ProviderSpec::kind)
            .ok_or_else(|| LeaseError::Config("defaults.addressable: no such provider".into()))
    }

    /// Resolves `persistence_backend` and `[defaults]` to provider names.
    pub fn selection(&self) -> LeaseResult<Selection> {
        let mut providers = self.providers.clone();
        let default = match &self.persistence_backend {
            Some((name, origin)) => {
                let field = match origin {
                    BackendOrigin::File => "server.persistence_backend",
                    BackendOrigin::Override => BACKEND_ENV,
                };
                resolve_backend(&mut providers, name).map_err(|m| field_error(field, &m))?
            }
            None => match (&self.defaults.addressable, providers.len()) {
                (Some(name), _) => name.clone(),
                (None, 1) => providers.keys().next().cloned().unwrap_or_default(),
                (None, _) => resolve_backend(&mut providers, BackendKind::Memory.name())
                    .map_err(|m| field_error("server.persistence_backend", &m))?,
            },
        };
        let overridden = matches!(self.persistence_backend, Some((_, BackendOrigin::Override)));
        let pick = |field: &str, chosen: &Option<String>| -> LeaseResult<String> {
            match chosen {
                Some(name) if !overridden => {
                    if providers.contains_key(name) {
                        Ok(name.clone())
                    } else {
                        Err(field_error(
                            &format!("defaults.{field}"),
                            &format!("no provider named \"{name}\" (configured: {})", names(&providers)),
                        ))
                    }
                }
                _ => Ok(default.clone()),
            }
        };
        let addressable = pick("addressable", &self.defaults.addressable)?;
        let cluster = pick("cluster", &self.defaults.cluster)?;
        if !providers.contains_key(&default) {
            return Err(field_error(
                "defaults.addressable",
                &format!("no provider named \"{default}\" (configured: {})", names(&providers)),
            ));
        }
        Ok(Selection { providers, default, addressable, cluster })
    }
}

/// The provider that `persistence_backend = name` means: a provider of that name, else
/// the one provider of that kind, else a new one of that kind with default settings
/// (added to `providers` under the kind's name).
fn resolve_backend(providers: &mut BTreeMap<String, ProviderSpec>, name: &str) -> Result<String, String> {
    if providers.contains_key(name) {
        return Ok(name.to_string());
    }
    let kind = BackendKind::parse(name).map_err(|e| strip(&e))?;
    let of_kind: Vec<&String> = providers.iter().filter(|(_, s)| s.kind() == kind).map(|(n, _)| n).collect();
    match of_kind.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            providers.insert(kind.name().to_string(), ProviderSpec::default_for(kind));
            Ok(kind.name().to_string())
        }
        several => Err(format!(
            "\"{name}\" is ambiguous: providers {} are all of type {}; name one of them",
            several.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "),
            kind.type_name()
        )),
    }
}

fn names(providers: &BTreeMap<String, ProviderSpec>) -> String {
    if providers.is_empty() {
        "none".into()
    } else {
        providers.keys().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
    }
}

/// A message without the "invalid lease directory configuration: " lead.
fn strip(e: &LeaseError) -> String {
    match e {
        LeaseError::Config(m) => m.clone(),
        other => other.to_string(),
    }
}

fn field_error(field: &str, message: &str) -> LeaseError {
    LeaseError::Config(format!("{field}: {message}"))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn into_table(value: Value, field: &str) -> LeaseResult<Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(field_error(field, "expected a table")),
    }
}

fn parse_provider(field: &str, value: Value) -> LeaseResult<ProviderSpec> {
    let mut table = into_table(value, field)?;
    let kind = match table.remove("type") {
        Some(Value::String(t)) => BackendKind::parse_type(&t).ok_or_else(|| {
            field_error(
                &format!("{field}.type"),
                &format!(
                    "unknown provider type \"{t}\" (expected one of: {})",
                    BackendKind::ALL.map(|k| k.type_name()).join(", ")
                ),
            )
        })?,
        Some(_) => return Err(field_error(&format!("{field}.type"), "expected a string")),
        None => return Err(field_error(&format!("{field}.type"), "missing (e.g. type = \"Memory\")")),
    };
    if !kind.is_local() {
        return Ok(ProviderSpec { config: ProviderConfig::Remote { kind, settings: table }, path_configured: true });
    }
    let path_configured = match kind {
        BackendKind::Memory => ["backup", "disk_backup"]
            .iter()
            .filter_map(|k| table.get(*k).and_then(Value::as_object))
            .any(|b| b.get("path").is_some_and(|p| !p.is_null())),
        _ => ["data_dir", "data_path"].iter().any(|k| table.contains_key(*k)),
    };
    let config = match kind {
        BackendKind::Memory => {
            let c: MemoryConfig = deserialize_fields(field, table)?;
            c.validate().map_err(|m| validation_error(field, &m))?;
            ProviderConfig::Memory(c)
        }
        BackendKind::CowBTree => {
            let c: CowBTreeConfig = deserialize_fields(field, table)?;
            if c.max_keys_per_node < 4 {
                return Err(field_error(&format!("{field}.max_keys_per_node"), "must be at least 4"));
            }
            c.validate().map_err(|e| validation_error(field, &strip(&e)))?;
            ProviderConfig::CowBTree(c)
        }
        BackendKind::LsmTree => {
            let c: LsmConfig = deserialize_fields(field, table)?;
            c.validate().map_err(|e| validation_error(field, &strip(&e)))?;
            ProviderConfig::LsmTree(c)
        }
        BackendKind::RocksDb => {
            let c: RocksConfig = deserialize_fields(field, table)?;
            c.validate().map_err(|m| validation_error(field, &m))?;
            ProviderConfig::RocksDb(c)
        }
        _ => return Err(field_error(field, "a remote type reached the local parser")),
    };
    Ok(ProviderSpec { config, path_configured })
}

/// Deserializes a provider table; an unknown field, a wrong type or a bad value is an
/// error naming the field (`providers.<name>.<field>`).
fn deserialize_fields<T: DeserializeOwned>(field: &str, table: Map<String, Value>) -> LeaseResult<T> {
    let known = struct_fields::<T>();
    if let Some(unknown) = table.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(field_error(
            &format!("{field}.{unknown}"),
            &format!("unknown field (expected one of: {})", known.join(", ")),
        ));
    }
    serde_path_to_error::deserialize::<_, T>(Value::Object(table)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if path.is_empty() || path == "." {
            field_error(field, &inner)
        } else {
            field_error(&format!("{field}.{path}"), &inner)
        }
    })
}

/// A validation message "field: what is wrong", "field what is wrong" or
/// "backend: field what is wrong" as `providers.<name>.field: what is wrong`.
fn validation_error(field: &str, message: &str) -> LeaseError {
    let message = match message.split_once(": ") {
        Some((lead, rest)) if BackendKind::parse(lead).is_ok() => rest,
        _ => message,
    };
    match message.split_once([' ', ':']) {
        Some((name, rest)) => field_error(&format!("{field}.{name}"), rest.trim_start_matches(':').trim()),
        None => field_error(field, message),
    }
}

/// The field names (aliases included) a derived `Deserialize` struct accepts: the list
/// serde hands to `deserialize_struct`, captured by a deserializer that reads nothing.
fn struct_fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Capture<'a>(&'a mut &'static [&'static str]);

    #[derive(Debug)]
    struct Captured;

    impl fmt::Display for Captured {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("field list captured")
        }
    }

    impl std::error::Error for Captured {}

    impl serde::de::Error for Captured {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Captured
        }
    }

    impl<'de> serde::Deserializer<'de> for Capture<'_> {
        type Error = Captured;

        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
            Err(Captured)
        }

        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Captured> {
            *self.0 = fields;
            Err(Captured)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Capture(&mut fields));
    fields
}

/// TOML values as JSON values (datetimes become strings).
fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_error(result: LeaseResult<PersistenceConfig>) -> String {
        match result {
            Err(LeaseError::Config(message)) => message,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn backend_names_and_short_names() {
        for kind in BackendKind::ALL {
            assert_eq!(BackendKind::parse(kind.name()).expect("name"), kind);
            assert_eq!(BackendKind::parse(kind.type_name()).expect("type name"), kind);
        }
        assert_eq!(BackendKind::parse("cow").expect("cow"), BackendKind::CowBTree);
        assert_eq!(BackendKind::parse("lsm").expect("lsm"), BackendKind::LsmTree);
        assert_eq!(BackendKind::parse(" RocksDB ").expect("rocks"), BackendKind::RocksDb);
        let e = BackendKind::parse("floppy").expect_err("unknown");
        assert!(e.to_string().contains("unknown persistence backend \"floppy\""), "{e}");
    }

    #[test]
    fn nothing_configured_means_memory() {
        let s = PersistenceConfig::default().selection().expect("selection");
        assert_eq!((s.default.as_str(), s.addressable.as_str(), s.cluster.as_str()), ("memory", "memory", "memory"));
        assert_eq!(s.providers["memory"].kind(), BackendKind::Memory);
    }

    const DOCUMENT_TOML: &str = r#"
[server]
persistence_backend = "leases"

[providers.leases]
type = "LsmTree"
memtable_size_mb = 8
bloom_filter_bits_per_key = 12

[providers.nodes]
type = "RocksDB"
block_cache_mb = 16
sync_writes = true

[providers.mem]
type = "Memory"
max_entries = 100000
disk_backup = { path = "/tmp/orbit-backup.bin", sync_interval = 300, compression = "Gzip" }

[providers.s3]
type = "S3"
endpoint = "https://s3.amazonaws.com"
region = "us-west-2"
bucket = "orbit-data"

[defaults]
addressable = "leases"
cluster = "nodes"
"#;

    #[test]
    fn toml_and_json_of_the_same_shape_agree() {
        let toml = PersistenceConfig::from_toml_str(DOCUMENT_TOML).expect("toml");
        let json = PersistenceConfig::from_json_str(
            r#"{
              "server": { "persistence_backend": "leases" },
              "providers": {
                "leases": { "type": "LsmTree", "memtable_size_mb": 8, "bloom_filter_bits_per_key": 12 },
                "nodes": { "type": "RocksDB", "block_cache_mb": 16, "sync_writes": true },
                "mem": { "type": "Memory", "max_entries": 100000,
                         "disk_backup": { "path": "/tmp/orbit-backup.bin", "sync_interval": 300, "compression": "Gzip" } },
                "s3": { "type": "S3", "endpoint": "https://s3.amazonaws.com", "region": "us-west-2", "bucket": "orbit-data" }
              },
              "defaults": { "addressable": "leases", "cluster": "nodes" }
            }"#,
        )
        .expect("json");
        assert_eq!(format!("{toml:?}"), format!("{json:?}"));
        let s = toml.selection().expect("selection");
        assert_eq!((s.default.as_str(), s.addressable.as_str(), s.cluster.as_str()), ("leases", "leases", "nodes"));
        match &toml.providers["leases"].config {
            ProviderConfig::LsmTree(c) => {
                assert_eq!((c.memtable_size_limit_mb, c.bloom_filter_bits_per_key), (8, 12));
            }
            other => panic!("{other:?}"),
        }
        match &toml.providers["nodes"].config {
            ProviderConfig::RocksDb(c) => assert!(c.sync_writes && c.block_cache_size_mb == 16),
            other => panic!("{other:?}"),
        }
        match &toml.providers["mem"].config {
            ProviderConfig::Memory(c) => {
                let b = c.backup.as_ref().expect("backup");
                assert_eq!((b.sync_interval_secs, b.compression), (300, crate::memory::BackupCompression::Gzip));
            }
            other => panic!("{other:?}"),
        }
        assert!(toml.providers["mem"].path_configured && !toml.providers["leases"].path_configured);
        assert_eq!(toml.providers["s3"].kind(), BackendKind::S3);
    }

    #[test]
    fn environment_wins_over_the_file_and_its_defaults() {
        let mut c = PersistenceConfig::from_toml_str(DOCUMENT_TOML).expect("toml");
        c.apply_env(|v| (v == BACKEND_ENV).then(|| "rocksdb".to_string())).expect("env");
        let s = c.selection().expect("selection");
        assert_eq!((s.default.as_str(), s.addressable.as_str(), s.cluster.as_str()), ("nodes", "nodes", "nodes"));
        let mut c = PersistenceConfig::default();
        c.apply_env(|_| Some("cow".to_string())).expect("env");
        let s = c.selection().expect("selection");
        assert_eq!(s.addressable, "cow_btree");
        assert_eq!(s.providers["cow_btree"].kind(), BackendKind::CowBTree);
        c.apply_env(|_| Some(String::new())).expect("empty means unset");
        let e = PersistenceConfig::default().apply_env(|_| Some("floppy".into())).expect_err("bad env");
        assert!(e.to_string().contains("ORBIT_PERSISTENCE_BACKEND: unknown persistence backend"), "{e}");
    }

    #[test]
    fn file_backend_by_kind_uses_the_configured_provider_of_that_type() {
        let c = PersistenceConfig::from_toml_str(
            "[server]\npersistence_backend = \"lsm\"\n[providers.fast]\ntype = \"LsmTree\"\nblock_size = 8192\n",
        )
        .expect("toml");
        assert_eq!(c.selection().expect("selection").addressable, "fast");
        let two = "[server]\npersistence_backend = \"rocksdb\"\n[providers.a]\ntype = \"RocksDB\"\n[providers.b]\ntype = \"RocksDB\"\n";
        let e = config_error(PersistenceConfig::from_toml_str(two));
        assert!(e.starts_with("server.persistence_backend: \"rocksdb\" is ambiguous"), "{e}");
    }

    #[test]
    fn invalid_configurations_name_the_field() {
        let cases = [
            (
                "[providers.leases]\ntype = \"CowBTree\"\nmax_keys_per_node = 2\n",
                "providers.leases.max_keys_per_node: must be at least 4",
            ),
            ("[providers.leases]\ntype = \"Floppy\"\n", "providers.leases.type: unknown provider type \"Floppy\""),
            ("[providers.leases]\nmax_entries = 3\n", "providers.leases.type: missing"),
            ("[providers.leases]\ntype = \"Memory\"\nmax_entrys = 3\n", "providers.leases.max_entrys: unknown field"),
            (
                "[providers.leases]\ntype = \"Memory\"\nmax_entries = \"many\"\n",
                "providers.leases.max_entries: invalid type",
            ),
            (
                "[providers.leases]\ntype = \"Memory\"\nmax_entries = 0\n",
                "providers.leases.max_entries: must be at least 1",
            ),
            (
                "[providers.m]\ntype = \"Memory\"\nbackup = { compression = \"rar\" }\n",
                "providers.m.backup.compression: unknown variant",
            ),
            (
                "[providers.m]\ntype = \"Memory\"\nbackup = { sync_interval_secs = 0 }\n",
                "providers.m.backup.sync_interval_secs: must be at least 1",
            ),
            ("[providers.l]\ntype = \"LsmTree\"\nmax_memtables = 0\n", "providers.l.max_memtables: must be at least 1"),
            (
                "[providers.r]\ntype = \"RocksDB\"\nwrite_buffer_mb = 0\n",
                "providers.r.write_buffer_size_mb: must be at least 1",
            ),
            (
                "[providers.a]\ntype = \"Memory\"\n[defaults]\naddressable = \"nope\"\n",
                "defaults.addressable: no provider named \"nope\"",
            ),
            (
                "[providers.a]\ntype = \"Memory\"\n[defaults]\ncluster = \"nope\"\n",
                "defaults.cluster: no provider named \"nope\"",
            ),
            ("[defaults]\nprimary = \"a\"\n", "defaults.primary: unknown field"),
            ("[server]\npersistence_backend = \"floppy\"\n", "server.persistence_backend: unknown persistence backend"),
            ("[server]\nport = 1\n", "server.port: unknown field"),
            ("[persistence]\n", "persistence: unknown table"),
        ];
        for (text, expected) in cases {
            let e = config_error(PersistenceConfig::from_toml_str(text));
            assert!(e.starts_with(expected), "{text:?}\n  gave: {e}\n  want: {expected}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn local_files_default_under_the_data_dir() {
        let data = Path::new("/srv/orbit");
        for kind in BackendKind::LOCAL {
            let spec = ProviderSpec::default_for(kind).with_data_dir(data);
            let dir = data.join("leases").join(kind.name());
            match spec.config {
                ProviderConfig::CowBTree(c) => assert_eq!(c.data_dir, dir),
                ProviderConfig::LsmTree(c) => assert_eq!(c.data_dir, dir),
                ProviderConfig::RocksDb(c) => assert_eq!(c.data_dir, Some(dir)),
                ProviderConfig::Memory(c) => assert_eq!(c.backup, None, "no backup unless configured"),
                ProviderConfig::Remote { .. } => panic!("local"),
            }
        }
        let c =
            PersistenceConfig::from_toml_str("[providers.m]\ntype = \"Memory\"\nbackup = { compression = \"lz4\" }\n")
                .expect("toml");
        match &c.providers["m"].with_data_dir(data).config {
            ProviderConfig::Memory(m) => {
                assert_eq!(m.backup.as_ref().and_then(|b| b.path.clone()), Some(data.join("leases/memory/backup.bin")))
            }
            other => panic!("{other:?}"),
        }
        let c = PersistenceConfig::from_toml_str("[providers.r]\ntype = \"RocksDB\"\ndata_dir = \"/elsewhere\"\n")
            .expect("toml");
        match &c.providers["r"].with_data_dir(data).config {
            ProviderConfig::RocksDb(r) => assert_eq!(r.data_dir.as_deref(), Some(Path::new("/elsewhere"))),
            other => panic!("{other:?}"),
        }
    }
}
