//! Opening each enabled protocol's own storage.
//!
//! Persistent mode: a RocksDB instance at `<data-dir>/<protocol>/rocksdb`, created with
//! `create_dir_all` when missing and never wiped, wrapped in a `KvTableStorage`.
//! Actor mode: an actor-sharded storage whose shards live in memory, their leases kept in
//! the server's one lease directory (namespace = protocol name).
//! Every storage gets a background expiry sweeper.

use crate::config::{ConfigError, PersistenceBackend, ProtocolConfig, ServerConfig, StorageMode};
use crate::ServerError;
use orbit_actors::{ActorRuntimeConfig, AddressableDirectoryProvider, MemoryDirectory};
use orbit_protocol_api::Protocol;
use orbit_rocksdb::{RocksEngine, RocksOptions};
use orbit_storage::{KvTableStorage, TableStorage};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often expired rows are purged.
pub const EXPIRY_SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// One protocol's open storage.
pub struct ProtocolStorage {
    pub protocol: Protocol,
    pub mode: StorageMode,
    /// The RocksDB directory; `None` in actor mode (nothing is persisted).
    pub data_path: Option<PathBuf>,
    pub storage: Arc<dyn TableStorage>,
    sweeper: JoinHandle<()>,
}

impl ProtocolStorage {
    /// "rocksdb at /path" or "in memory (actor mode, not persisted)".
    pub fn describe(&self) -> String {
        match &self.data_path {
            Some(path) => format!("{} at {}", self.storage.engine_name(), path.display()),
            None => "in memory (actor mode, not persisted)".to_string(),
        }
    }

    /// Stops the expiry sweeper; call before the final flush.
    pub async fn stop_sweeper(&mut self) {
        self.sweeper.abort();
        let _ = (&mut self.sweeper).await;
    }
}

/// The absolute form of the data directory (for the banner, logs and /health).
pub fn absolute_data_dir(config: &ServerConfig) -> PathBuf {
    std::path::absolute(&config.data_dir.value).unwrap_or_else(|_| config.data_dir.value.clone())
}

/// Creates the data directory when missing and checks that it is writable.
pub fn prepare_data_dir(config: &ServerConfig) -> Result<PathBuf, ConfigError> {
    let dir = absolute_data_dir(config);
    let setting = &config.data_dir.source;
    std::fs::create_dir_all(&dir)
        .map_err(|e| ConfigError::new(setting, format!("cannot create {}: {e}", dir.display())))?;
    if !dir.is_dir() {
        return Err(ConfigError::new(setting, format!("{} is not a directory", dir.display())));
    }
    let probe = dir.join(format!(".orbit-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .map_err(|e| ConfigError::new(setting, format!("{} is not writable: {e}", dir.display())))?;
    let _ = std::fs::remove_file(&probe);
    Ok(dir)
}

/// Opens the storage of every enabled protocol.
pub async fn open_all(config: &ServerConfig, data_dir: &Path) -> Result<Vec<ProtocolStorage>, ServerError> {
    let directory: Arc<dyn AddressableDirectoryProvider> = match config.persistence_backend.value {
        PersistenceBackend::Memory => Arc::new(MemoryDirectory::new()),
    };
    let mut opened = Vec::new();
    for protocol in config.enabled_protocols() {
        let (storage, data_path) = match protocol.mode.value {
            StorageMode::Persistent => {
                let path = rocksdb_path(data_dir, protocol.protocol);
                let storage = open_persistent(config, protocol, &path).await?;
                (storage, Some(path))
            }
            StorageMode::Actor => (open_actor(config, protocol, directory.clone()).await?, None),
        };
        let sweeper = orbit_storage::table::spawn_expiry_sweeper(storage.clone(), EXPIRY_SWEEP_INTERVAL);
        tracing::info!(
            protocol = protocol.protocol.name(),
            mode = protocol.mode.value.name(),
            engine = storage.engine_name(),
            path = data_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
            "storage opened"
        );
        opened.push(ProtocolStorage {
            protocol: protocol.protocol,
            mode: protocol.mode.value,
            data_path,
            storage,
            sweeper,
        });
    }
    Ok(opened)
}

/// `<data-dir>/<protocol>/rocksdb`.
pub fn rocksdb_path(data_dir: &Path, protocol: Protocol) -> PathBuf {
    data_dir.join(protocol.name()).join("rocksdb")
}

async fn open_persistent(
    config: &ServerConfig,
    protocol: &ProtocolConfig,
    path: &Path,
) -> Result<Arc<dyn TableStorage>, ServerError> {
    std::fs::create_dir_all(path).map_err(|e| {
        ServerError::Config(ConfigError::new(&config.data_dir.source, format!("cannot create {}: {e}", path.display())))
    })?;
    let options = RocksOptions { sync_writes: config.sync_writes.value, ..RocksOptions::default() };
    let owned = path.to_path_buf();
    let engine = tokio::task::spawn_blocking(move || RocksEngine::open(&owned, &options))
        .await
        .map_err(|e| storage_error(protocol.protocol, format!("opening RocksDB panicked: {e}")))?
        .map_err(|e| storage_error(protocol.protocol, format!("cannot open RocksDB at {}: {e}", path.display())))?;
    let storage = KvTableStorage::open(Arc::new(engine))
        .await
        .map_err(|e| storage_error(protocol.protocol, format!("cannot load the catalog at {}: {e}", path.display())))?;
    Ok(storage)
}

async fn open_actor(
    config: &ServerConfig,
    protocol: &ProtocolConfig,
    directory: Arc<dyn AddressableDirectoryProvider>,
) -> Result<Arc<dyn TableStorage>, ServerError> {
    let runtime = ActorRuntimeConfig { idle_timeout: config.actor_idle_timeout.value, ..ActorRuntimeConfig::default() };
    let storage = orbit_actors::open_actor_table_storage(
        runtime,
        directory,
        protocol.protocol.name(),
        config.actor_shards_per_table.value,
    )
    .await
    .map_err(|e| storage_error(protocol.protocol, format!("cannot start the actor storage: {e}")))?;
    Ok(storage)
}

fn storage_error(protocol: Protocol, message: String) -> ServerError {
    ServerError::Storage { protocol, message }
}
