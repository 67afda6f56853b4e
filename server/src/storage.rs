//! Opening each enabled protocol's own storage.
//!
//! Persistent mode: a RocksDB instance at `<data-dir>/<protocol>/rocksdb`, created with
//! `create_dir_all` when missing and never wiped, wrapped in a `KvTableStorage`.
//! Actor mode: an actor-sharded storage whose shards live in memory, their leases kept in
//! the server's one lease directory (namespace = protocol name).
//! Every storage gets a background expiry sweeper.
//!
//! The lease directory ([`LeaseDirectory`], opened by [`open_leases`]) is one set of
//! backends per process, chosen by [`ServerConfig::persistence`] (memory unless
//! configured; local backends keep their files under `<data-dir>/leases/<backend>`).
//! Every protocol in actor mode records its activations in its addressable provider, and
//! the server records itself as a cluster node in its cluster provider, renews that
//! record while it runs and removes it on a graceful shutdown, after which the providers
//! are flushed. With `[cluster] enabled` the node's record belongs to its etcd membership
//! instead ([`crate::cluster::ClusterNode`]): registered before any actor lease is taken,
//! renewed by etcd keepalives, revoked on a graceful shutdown; the actor runtimes then
//! run under the cluster node id, so their leases hang on the node's etcd lease, and
//! take the node's self-fence as their fence.

use crate::cluster::ClusterNode;
use crate::config::{ConfigError, ProtocolConfig, ServerConfig, StorageMode};
use crate::ServerError;
use orbit_actors::{ActorRuntimeConfig, AddressableDirectoryProvider, NodeId, NodeInfo, NodeStatus};
use orbit_leases::PersistenceProviderRegistry;
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
    /// The actor engine under `storage` in actor mode (its shards, drain on shutdown).
    pub actor_engine: Option<Arc<orbit_actors::ActorEngine>>,
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

/// How long the server's cluster node record is valid; it is renewed every third of it.
pub const NODE_LEASE: Duration = Duration::from_secs(30);

/// The server's lease directory: its providers, and its own cluster node record kept
/// alive by a background task.
pub struct LeaseDirectory {
    registry: Arc<PersistenceProviderRegistry>,
    addressable: Arc<dyn AddressableDirectoryProvider>,
    node: NodeInfo,
    /// Renews `node`'s record; `None` in a cluster, whose membership owns the record.
    renewer: Option<JoinHandle<()>>,
    cluster: Option<Arc<ClusterNode>>,
}

impl LeaseDirectory {
    /// The provider actor runtimes record activations in.
    pub fn addressable(&self) -> Arc<dyn AddressableDirectoryProvider> {
        self.addressable.clone()
    }

    pub fn registry(&self) -> &PersistenceProviderRegistry {
        &self.registry
    }

    /// This server as a cluster node.
    pub fn node(&self) -> &NodeInfo {
        &self.node
    }

    /// This node's cluster membership, when `[cluster] enabled`.
    pub fn cluster(&self) -> Option<&Arc<ClusterNode>> {
        self.cluster.as_ref()
    }

    /// "lsm_tree provider \"leases\"", for logs.
    pub fn describe(&self) -> String {
        match self.registry.addressable_backend() {
            Ok(b) => format!("{} provider \"{}\"", b.kind, b.name),
            Err(e) => e.to_string(),
        }
    }

    /// For the banner: `"x" (Etcd) for leases and cluster nodes`, or
    /// `"leases" (LsmTree) for leases, "nodes" (RocksDB) for cluster nodes`; a Composite's
    /// members follow in parentheses.
    pub fn banner_line(&self) -> String {
        let named = |b: &orbit_leases::LeaseBackend| format!("\"{}\" ({})", b.name, b.kind.type_name());
        let mut line = match (self.registry.addressable_backend(), self.registry.cluster_backend()) {
            (Ok(a), Ok(c)) if a.name == c.name => format!("{} for leases and cluster nodes", named(a)),
            (Ok(a), Ok(c)) => format!("{} for leases, {} for cluster nodes", named(a), named(c)),
            (Err(e), _) | (_, Err(e)) => e.to_string(),
        };
        let members: Vec<String> = self
            .registry
            .member_names()
            .filter_map(|name| self.registry.opened().into_iter().find(|b| b.name == name).map(named))
            .collect();
        if !members.is_empty() {
            line.push_str(&format!(" (members: {})", members.join(", ")));
        }
        line
    }

    /// Stops renewing, removes this node's record (in a cluster: leaves it, which drops
    /// the node's actor leases too) and flushes every provider.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        let mut failure = None;
        if let Some(renewer) = self.renewer {
            renewer.abort();
            let _ = renewer.await;
            let cluster = self.registry.cluster().map_err(lease_error)?;
            if let Err(e) = cluster.remove_node(&self.node.node_id).await {
                tracing::warn!(node = %self.node.node_id, error = %e, "could not remove the cluster node record");
            }
        }
        if let Some(node) = &self.cluster {
            if let Err(e) = node.leave().await {
                tracing::error!(error = %e, "during shutdown");
                failure = Some(e);
            }
        }
        self.registry.shutdown_all().await.map_err(lease_error)?;
        if let Some(e) = failure {
            return Err(e);
        }
        tracing::info!(node = %self.node.node_id, "lease directory flushed");
        Ok(())
    }
}

/// A provider's settings that do not read (`providers.<name>.<field>: ...`) are a
/// configuration error of the file they came from (exit code 2); any other failure to
/// open names the setting that chose the backend.
fn open_error(config: &ServerConfig, e: orbit_leases::LeaseError) -> ServerError {
    match (e, &config.config_file) {
        (orbit_leases::LeaseError::Config(message), Some(file)) => {
            ServerError::Config(ConfigError::new(file.display(), message))
        }
        (orbit_leases::LeaseError::Config(message), None) => {
            ServerError::Config(ConfigError::new(&config.persistence_backend.source, message))
        }
        (other, _) => ServerError::Runtime(format!(
            "cannot open the lease directory ({}): {other}",
            config.persistence_backend.source
        )),
    }
}

fn lease_error(e: orbit_leases::LeaseError) -> ServerError {
    ServerError::Runtime(format!("lease directory: {e}"))
}

/// Opens the configured lease directory providers (in a blocking task: files are read
/// and logs replayed) and records this server, reachable at `admin_addr`, as a cluster
/// node; with `[cluster] enabled`, joins the cluster with the RPC port `rpc_listener`
/// reserved instead.
pub async fn open_leases(
    config: &ServerConfig,
    data_dir: &Path,
    admin_addr: std::net::SocketAddr,
    rpc_listener: Option<tokio::net::TcpListener>,
) -> Result<LeaseDirectory, ServerError> {
    let persistence = config.persistence.clone();
    let dir = data_dir.to_path_buf();
    let registry = tokio::task::spawn_blocking(move || PersistenceProviderRegistry::open(&persistence, &dir))
        .await
        .map_err(|e| ServerError::Runtime(format!("opening the lease directory panicked: {e}")))?
        .map_err(|e| open_error(config, e))?;
    let registry = Arc::new(registry);
    registry.initialize_all().await.map_err(lease_error)?;
    let addressable = registry.addressable().map_err(lease_error)?;
    let cluster = registry.cluster().map_err(lease_error)?;

    let now = orbit_actors::now_millis();
    let capabilities: Vec<String> = config
        .enabled_protocols()
        .filter(|p| p.mode.value == StorageMode::Actor)
        .map(|p| format!("{}:actor", p.protocol.name()))
        .collect();
    let mut node = NodeInfo {
        node_id: node_id(admin_addr),
        address: admin_addr.to_string(),
        status: NodeStatus::Active,
        capabilities,
        started_at: now,
        lease_expires_at: now + millis(NODE_LEASE),
    };
    if config.cluster.enabled.value {
        let joined = join_cluster(config, &registry, admin_addr, rpc_listener, &node).await;
        let member = match joined {
            Ok(member) => Arc::new(member),
            Err(e) => {
                let _ = registry.shutdown_all().await;
                return Err(e);
            }
        };
        node.node_id = member.node_id.clone();
        node.address = member.rpc_address.clone();
        node.lease_expires_at = i64::MAX;
        let directory = LeaseDirectory { registry, addressable, node, renewer: None, cluster: Some(member) };
        tracing::info!(node = %directory.node.node_id, leases = %directory.describe(), "lease directory opened");
        return Ok(directory);
    }
    cluster.store_node(&node).await.map_err(lease_error)?;
    let renewer = tokio::spawn({
        let node_id = node.node_id.clone();
        async move {
            let mut tick = tokio::time::interval(NODE_LEASE / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                let now = orbit_actors::now_millis();
                if let Err(e) = cluster.renew_node_lease(&node_id, now + millis(NODE_LEASE)).await {
                    tracing::warn!(node = %node_id, error = %e, "cluster node lease renewal failed");
                }
                if let Err(e) = cluster.cleanup_expired_nodes(now).await {
                    tracing::warn!(error = %e, "expired cluster node cleanup failed");
                }
            }
        }
    });
    let directory = LeaseDirectory { registry, addressable, node, renewer: Some(renewer), cluster: None };
    tracing::info!(node = %directory.node.node_id, leases = %directory.describe(), "lease directory opened");
    Ok(directory)
}

/// Registers this node in the cluster on the lease directory's cluster provider (the
/// configuration checked it is Etcd); the record carries the admin address and the
/// protocols served in actor mode as metadata.
async fn join_cluster(
    config: &ServerConfig,
    registry: &PersistenceProviderRegistry,
    admin_addr: std::net::SocketAddr,
    rpc_listener: Option<tokio::net::TcpListener>,
    node: &NodeInfo,
) -> Result<ClusterNode, ServerError> {
    let backend = registry.cluster_backend().map_err(lease_error)?;
    if !backend.supports_membership() {
        return Err(ServerError::Config(ConfigError::new(
            &config.cluster.enabled.source,
            format!(
                "the cluster uses the etcd provider of the lease directory, and provider \"{}\" ({}) cannot hold \
                 a membership in this build",
                backend.name,
                backend.kind.type_name()
            ),
        )));
    }
    let rpc_listener = rpc_listener
        .ok_or_else(|| ServerError::Runtime("cluster: the RPC port was not reserved before joining".into()))?;
    let mut metadata = std::collections::BTreeMap::new();
    metadata.insert("admin".to_string(), admin_addr.to_string());
    if !node.capabilities.is_empty() {
        metadata.insert("actor_protocols".to_string(), node.capabilities.join(","));
    }
    ClusterNode::join(&config.cluster, config.bind.value, backend, rpc_listener, metadata).await
}

/// This server's node id: `orbit@<admin address>`, unique among the servers of a host.
pub fn node_id(admin_addr: std::net::SocketAddr) -> NodeId {
    NodeId::new(format!("orbit@{admin_addr}"))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Opens the storage of every enabled protocol; actor-mode ones record their activations
/// in `leases` under this server's node id.
pub async fn open_all(
    config: &ServerConfig,
    data_dir: &Path,
    leases: &LeaseDirectory,
) -> Result<Vec<ProtocolStorage>, ServerError> {
    let directory = leases.addressable();
    let node_id = leases.node().node_id.clone();
    let fence = leases.cluster().map(|node| node.clone() as Arc<dyn orbit_actors::FenceSignal>);
    let mut opened = Vec::new();
    for protocol in config.enabled_protocols() {
        let (storage, data_path, actor_engine) = match protocol.mode.value {
            StorageMode::Persistent => {
                let path = rocksdb_path(data_dir, protocol.protocol);
                let storage = open_persistent(config, protocol, &path).await?;
                (storage, Some(path), None)
            }
            StorageMode::Actor => {
                let (storage, engine) =
                    open_actor(config, protocol, directory.clone(), node_id.clone(), fence.clone()).await?;
                (storage, None, Some(engine))
            }
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
            actor_engine,
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
    node_id: NodeId,
    fence: Option<Arc<dyn orbit_actors::FenceSignal>>,
) -> Result<(Arc<dyn TableStorage>, Arc<orbit_actors::ActorEngine>), ServerError> {
    let runtime =
        ActorRuntimeConfig { node_id, idle_timeout: config.actor_idle_timeout.value, ..ActorRuntimeConfig::default() };
    let hooks = orbit_actors::RuntimeHooks { fence, ..orbit_actors::RuntimeHooks::default() };
    let (storage, engine) = orbit_actors::open_actor_table_storage_with_hooks(
        runtime,
        directory,
        hooks,
        protocol.protocol.name(),
        config.actor_shards_per_table.value,
    )
    .await
    .map_err(|e| storage_error(protocol.protocol, format!("cannot start the actor storage: {e}")))?;
    Ok((storage, engine))
}

fn storage_error(protocol: Protocol, message: String) -> ServerError {
    ServerError::Storage { protocol, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orbit_leases::BackendKind;

    fn actor_config(data_dir: &Path, backend: &str) -> ServerConfig {
        let dir = data_dir.to_str().expect("utf-8");
        let mut args =
            vec!["orbit-server", "--data-dir", dir, "--persistence-backend", backend, "--redis-mode", "actor"];
        for p in ["--disable-postgres", "--disable-mysql", "--disable-cql", "--disable-cypher", "--disable-aql"] {
            args.push(p);
        }
        args.push("--disable-graphrag");
        ServerConfig::load(args, |_| None).expect("valid configuration")
    }

    /// With a persistent backend, actor-mode activations and the server's node record go
    /// to `<data-dir>/leases/<backend>`; a graceful shutdown removes the node record.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn actor_mode_uses_the_configured_lease_backend() {
        for backend in [BackendKind::RocksDb, BackendKind::LsmTree, BackendKind::Memory] {
            let dir = tempfile::tempdir().expect("tempdir");
            let config = actor_config(dir.path(), backend.name());
            assert_eq!(config.persistence_backend.value, backend);
            let admin: std::net::SocketAddr = "127.0.0.1:9999".parse().expect("addr");
            let leases = open_leases(&config, dir.path(), admin, None).await.expect("open leases");
            let cluster = leases.registry().cluster().expect("cluster provider");
            let me = cluster.get_node(&node_id(admin)).await.expect("get node").expect("the server is a node");
            assert_eq!(
                (me.address.as_str(), me.capabilities.clone()),
                ("127.0.0.1:9999", vec!["redis:actor".to_string()])
            );

            let mut storages = open_all(&config, dir.path(), &leases).await.expect("open storages");
            let redis = storages.iter().find(|s| s.protocol == Protocol::Redis).expect("redis storage");
            redis.storage.list_tables().await.expect("list tables");
            let mine = leases.addressable().list_node_leases(&node_id(admin)).await.expect("list");
            assert!(!mine.is_empty(), "{backend}: no activation was recorded");
            assert!(mine.iter().all(|l| l.reference.key.starts_with("redis/")), "{mine:?}");

            for s in &mut storages {
                s.stop_sweeper().await;
                s.storage.flush().await.expect("flush");
            }
            drop(storages);
            leases.shutdown().await.expect("shutdown");
            assert_eq!(cluster.get_node(&node_id(admin)).await.expect("get"), None, "node removed on shutdown");
            if backend == BackendKind::Memory {
                assert!(!dir.path().join("leases").exists(), "the default memory backend writes no file");
            } else {
                assert!(dir.path().join("leases").join(backend.name()).is_dir());
            }
        }
    }

    /// A remote provider's unknown field or bad value stops the start-up with a
    /// configuration error (exit code 2) naming the file and `providers.<name>.<field>`;
    /// a build without the backend says so, naming the feature.
    #[tokio::test]
    async fn a_bad_remote_provider_field_is_a_configuration_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("orbit.toml");
        let cases = [
            (
                BackendKind::Etcd,
                "[providers.x]\ntype = \"Etcd\"\nendpoints = [\"http://127.0.0.1:1\"]\ncolour = 1\n",
                "providers.x.colour: unknown field",
            ),
            (BackendKind::Etcd, "[providers.x]\ntype = \"Etcd\"\nendpoints = 5\n", "providers.x.endpoints: "),
            (BackendKind::Redis, "[providers.r]\ntype = \"Redis\"\nport = \"high\"\n", "providers.r.port: "),
            (
                BackendKind::Redis,
                "[providers.r]\ntype = \"Redis\"\ncluster_mode = true\n",
                "providers.r.cluster_mode: ",
            ),
        ];
        for (kind, text, expected) in cases {
            std::fs::write(&file, text).expect("write");
            let args = [
                "orbit-server",
                "--config",
                file.to_str().expect("utf-8"),
                "--data-dir",
                dir.path().to_str().expect("utf-8"),
                "--redis-mode",
                "actor",
            ];
            let config = match ServerConfig::load(args, |_| None) {
                Ok(config) => config,
                Err(crate::config::LoadError::Invalid(e)) => {
                    assert!(!orbit_leases::remote::compiled(kind), "{kind} is built, yet: {e}");
                    assert!(e.message.contains("is not in this build"), "{e}");
                    continue;
                }
                Err(other) => panic!("{other:?}"),
            };
            assert!(orbit_leases::remote::compiled(kind), "{kind}: loaded without its feature");
            let admin: std::net::SocketAddr = "127.0.0.1:9999".parse().expect("addr");
            match open_leases(&config, dir.path(), admin, None).await {
                Err(ServerError::Config(e)) => {
                    assert_eq!(e.setting, file.display().to_string(), "{e}");
                    assert!(e.message.starts_with(expected), "{text:?}\n  gave: {e}\n  want: {expected}");
                    assert_eq!(ServerError::Config(e).exit_code(), 2);
                }
                Err(other) => panic!("{text:?}: expected a configuration error, got {other}"),
                Ok(_) => panic!("{text:?}: opened"),
            }
        }
    }
}
