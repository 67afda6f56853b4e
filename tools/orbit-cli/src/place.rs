//! Where a command reads or writes: either a local backend by name under a data
//! directory (`--backend cow_btree --data-dir DIR`, where orbit-server keeps it), or any
//! provider of a configuration file (`--config FILE [--provider NAME]`, the file in
//! orbit-server's format), remote ones (etcd, Redis, S3, ...) and Composite included.
//!
//! With `--config` and no `--provider`, leases come from the provider the server would
//! use for them (`[server] persistence_backend` or `ORBIT_PERSISTENCE_BACKEND`, then
//! `[defaults] addressable`) and cluster nodes from its cluster provider. `--provider`
//! names a configured provider or a backend kind; both kinds of data then go to it.
//!
//! Reading commands refuse a local store that is not there (opening would create an
//! empty one and hide a wrong path), and every command refuses a memory provider
//! without a backup file (another process could never see its data).

use crate::config_file::ConfigFile;
use crate::{CliResult, Failure};
use clap::Args;
use orbit_leases::config::backend_dir;
use orbit_leases::{
    open_backend, BackendKind, LeaseBackend, LeaseError, PersistenceConfig, PersistenceProviderRegistry,
    ProviderConfig, ProviderSpec,
};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The options naming a place (shared by every command).
#[derive(Args, Debug, Clone)]
pub struct PlaceArgs {
    /// A local backend under --data-dir: memory, cow_btree (cow), lsm_tree (lsm) or rocksdb.
    #[arg(long, conflicts_with_all = ["config", "provider"])]
    pub backend: Option<String>,
    /// The server's data directory (local backends keep their files under DIR/leases/<backend>);
    /// with --config it defaults to the file's [server] data_dir, else ./data.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// orbit-server's configuration file (TOML, or JSON of the same shape): its
    /// [providers.<name>], [defaults] and [server] persistence_backend / data_dir.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A provider of --config by name (or a backend kind, e.g. etcd); default: the
    /// server's own choice for leases and for cluster nodes.
    #[arg(long, value_name = "NAME", requires = "config")]
    pub provider: Option<String>,
}

/// What a command opened: the backend holding leases and the one holding cluster nodes
/// (often the same), and what the summary says about it.
pub struct Opened {
    pub leases: LeaseBackend,
    pub nodes: LeaseBackend,
    registry: Option<PersistenceProviderRegistry>,
    pub description: Map<String, Value>,
}

impl Opened {
    /// Makes every write durable and closes the backends.
    pub async fn close(self) -> CliResult<()> {
        match self.registry {
            Some(registry) => registry.shutdown_all().await.map_err(Failure::from),
            None => self.leases.directory.flush().map_err(Failure::from),
        }
    }

    /// `"cow_btree"` or `"provider \"x\" (Etcd)"`, for messages.
    pub fn label(&self) -> String {
        if self.registry.is_none() {
            self.leases.kind.name().to_string()
        } else if self.leases.name == self.nodes.name {
            format!("provider \"{}\" ({})", self.leases.name, self.leases.kind.type_name())
        } else {
            format!(
                "providers \"{}\" ({}) and \"{}\" ({})",
                self.leases.name,
                self.leases.kind.type_name(),
                self.nodes.name,
                self.nodes.kind.type_name()
            )
        }
    }
}

/// Opens the place `args` names; `must_exist` for reading commands.
pub async fn open(args: &PlaceArgs, must_exist: bool) -> CliResult<Opened> {
    match (&args.backend, &args.config) {
        (Some(backend), None) => open_local(backend, args.data_dir.as_deref(), must_exist),
        (None, Some(file)) => open_configured(file, args, must_exist).await,
        _ => Err(Failure(
            "say where: --backend NAME --data-dir DIR (a local backend), or --config FILE [--provider NAME]".into(),
        )),
    }
}

/// A local backend by name where orbit-server keeps it.
fn open_local(backend: &str, data_dir: Option<&Path>, must_exist: bool) -> CliResult<Opened> {
    let kind = BackendKind::parse(backend)?;
    if !kind.is_local() {
        return Err(LeaseError::NotSupported(format!(
            "the {} persistence backend by --backend alone (give its settings with --config FILE --provider NAME)",
            kind.name()
        ))
        .into());
    }
    let data_dir = data_dir.ok_or_else(|| Failure("--backend needs --data-dir".into()))?;
    if !data_dir.is_dir() {
        return Err(Failure(format!("data directory {} does not exist", data_dir.display())));
    }
    let files = backend_dir(data_dir, kind);
    if must_exist && !files.exists() {
        return Err(Failure(format!(
            "no {} store under {} (looked for {})",
            kind.name(),
            data_dir.display(),
            files.display()
        )));
    }
    let backend = open_backend(kind, data_dir)
        .map_err(|e| Failure(format!("cannot open the {} store under {}: {e}", kind.name(), data_dir.display())))?;
    let description =
        Map::from_iter([("backend".to_string(), json!(kind.name())), ("data_dir".to_string(), json!(data_dir))]);
    Ok(Opened { leases: backend.clone(), nodes: backend, registry: None, description })
}

/// The providers of a configuration file.
async fn open_configured(file: &Path, args: &PlaceArgs, must_exist: bool) -> CliResult<Opened> {
    let ConfigFile { path, mut persistence, data_dir: file_data_dir } = ConfigFile::read(file)?;
    let data_dir = args.data_dir.clone().or(file_data_dir).unwrap_or_else(|| PathBuf::from("./data"));
    let data_dir = std::path::absolute(&data_dir).unwrap_or(data_dir);
    match &args.provider {
        Some(name) => choose_provider(&mut persistence, name, &path)?,
        None => persistence
            .apply_env(|key| std::env::var(key).ok())
            .map_err(|e| Failure(format!("{}: {}", path.display(), e.config_message())))?,
    }
    let selection =
        persistence.selection().map_err(|e| Failure(format!("{}: {}", path.display(), e.config_message())))?;
    for name in [&selection.addressable, &selection.cluster] {
        if let Some(spec) = selection.providers.get(name) {
            let kind = spec.kind();
            if !orbit_leases::remote::compiled(kind) {
                return Err(Failure(format!(
                    "persistence backend \"{}\" (provider \"{name}\") is not in this build (build orbit-cli with --features {})",
                    kind.name(),
                    orbit_leases::remote::feature_of(kind)
                )));
            }
            check_place(name, spec, &data_dir, must_exist)?;
        }
    }

    let opening = persistence.clone();
    let dir = data_dir.clone();
    let registry = tokio::task::spawn_blocking(move || PersistenceProviderRegistry::open(&opening, &dir))
        .await
        .map_err(|e| Failure(format!("opening the lease directory panicked: {e}")))?
        .map_err(|e| match e {
            LeaseError::Config(message) => Failure(format!("{}: {message}", path.display())),
            other => Failure(format!("cannot open the lease directory of {}: {other}", path.display())),
        })?;
    registry.initialize_all().await?;
    let leases = registry.addressable_backend()?.clone();
    let nodes = registry.cluster_backend()?.clone();
    let mut description = Map::from_iter([
        ("config".to_string(), json!(path)),
        ("provider".to_string(), json!(leases.name)),
        ("type".to_string(), json!(leases.kind.type_name())),
        ("backend".to_string(), json!(leases.kind.name())),
        ("data_dir".to_string(), json!(data_dir)),
    ]);
    if nodes.name != leases.name {
        description.insert("nodes_provider".into(), json!(nodes.name));
        description.insert("nodes_type".into(), json!(nodes.kind.type_name()));
    }
    Ok(Opened { leases, nodes, registry: Some(registry), description })
}

/// `--provider NAME`: a configured provider, or a backend kind (the one provider of that
/// kind, or one with default settings); it then serves leases and nodes alike.
fn choose_provider(persistence: &mut PersistenceConfig, name: &str, path: &Path) -> CliResult<()> {
    if !persistence.providers.contains_key(name) && BackendKind::parse(name).is_err() {
        let configured: Vec<String> = persistence.providers.keys().map(|n| format!("\"{n}\"")).collect();
        return Err(Failure(format!(
            "--provider: no provider named \"{name}\" in {} (configured: {})",
            path.display(),
            if configured.is_empty() { "none".to_string() } else { configured.join(", ") }
        )));
    }
    persistence.override_backend(name).map_err(|e| {
        Failure(format!(
            "--provider: {}",
            e.config_message().trim_start_matches(&format!("{}: ", orbit_leases::BACKEND_ENV))
        ))
    })
}

/// A local provider's files must exist for a reading command; a memory provider must
/// keep a backup file, or nothing it holds would outlive this process.
fn check_place(name: &str, spec: &ProviderSpec, data_dir: &Path, must_exist: bool) -> CliResult<()> {
    let spec = spec.with_data_dir(data_dir);
    let place = match &spec.config {
        ProviderConfig::Memory(config) => match config.backup.as_ref().and_then(|b| b.path.clone()) {
            Some(path) => path,
            None => {
                return Err(Failure(format!(
                    "provider \"{name}\" is a Memory provider without a backup file: its data lives only inside \
                     the server process (give it [providers.{name}.backup])"
                )))
            }
        },
        ProviderConfig::CowBTree(config) => config.data_dir.clone(),
        ProviderConfig::LsmTree(config) => config.data_dir.clone(),
        ProviderConfig::RocksDb(config) => {
            config.data_dir.clone().unwrap_or_else(|| backend_dir(data_dir, spec.kind()))
        }
        ProviderConfig::Remote { .. } => return Ok(()),
    };
    if must_exist && !place.exists() {
        return Err(Failure(format!(
            "no {} store for provider \"{name}\" (looked for {})",
            spec.kind().name(),
            place.display()
        )));
    }
    Ok(())
}
