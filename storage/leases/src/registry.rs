//! Opening backends, and [`PersistenceProviderRegistry`]: the named backends of one
//! process, its default, and the defaults for addressable and for cluster data.
//!
//! Every opened backend is a [`LeaseBackend`]: one directory object seen as both an
//! [`AddressableDirectoryProvider`] and a [`ClusterNodeProvider`] (and as a
//! [`LeaseDirectory`] for checks). Opening is synchronous and may block (files are read,
//! logs replayed); call it from `spawn_blocking` inside a runtime if that matters.
//!
//! * [`open_backend`]: one local backend with its default settings, its files under
//!   `<data-dir>/leases/<backend>` (what orbit-cli and a server started with
//!   `ORBIT_PERSISTENCE_BACKEND` use).
//! * [`open_provider`]: one configured provider.
//! * [`PersistenceProviderRegistry::open`]: everything a [`PersistenceConfig`] selects.
//!
//! A backend of type Etcd also keeps its [`crate::remote::etcd::EtcdDirectory`]
//! ([`LeaseBackend::etcd`]), and [`LeaseBackend::register_member`] registers a cluster
//! node on it ([`NodeMembership`]) whether or not this build has the `etcd` feature: the
//! server compiles the same code either way, and a build without etcd answers
//! [`LeaseError::NotSupported`].

use crate::config::{BackendKind, PersistenceConfig, ProviderConfig, ProviderSpec};
use crate::cow_btree::CowBTreeStore;
use crate::directory::Directory;
use crate::lsm::LsmStore;
use crate::memory::{BackupConfig, MemoryConfig, MemoryStore};
use crate::provider::{AddressableDirectoryProvider, ClusterNodeProvider, LeaseError, LeaseResult};
use crate::rocks::RocksStore;
use crate::store::RecordStore;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What every opened directory offers beyond the provider traits.
pub trait LeaseDirectory: AddressableDirectoryProvider + ClusterNodeProvider {
    /// "memory", "cow_btree", "lsm_tree" or "rocksdb".
    fn backend_name(&self) -> &'static str;

    /// Index entries that disagree with their lease and leases without an entry; empty
    /// when the directory is consistent.
    fn index_problems(&self) -> LeaseResult<Vec<String>>;

    /// Makes everything written so far durable (see [`RecordStore::flush`]).
    fn flush(&self) -> LeaseResult<()>;
}

impl<S: RecordStore> LeaseDirectory for Directory<S> {
    fn backend_name(&self) -> &'static str {
        Directory::backend_name(self)
    }

    fn index_problems(&self) -> LeaseResult<Vec<String>> {
        Directory::index_problems(self)
    }

    fn flush(&self) -> LeaseResult<()> {
        self.store().flush()
    }
}

/// One opened backend.
#[derive(Clone)]
pub struct LeaseBackend {
    /// The provider's name in the configuration (the backend name for [`open_backend`]).
    pub name: String,
    pub kind: BackendKind,
    pub directory: Arc<dyn LeaseDirectory>,
    /// The same object as `directory`, as the lease provider.
    pub addressable: Arc<dyn AddressableDirectoryProvider>,
    /// The same object as `directory`, as the cluster provider.
    pub cluster: Arc<dyn ClusterNodeProvider>,
    /// The same object as `directory` when it is an etcd directory.
    #[cfg(feature = "etcd")]
    etcd: Option<Arc<crate::remote::etcd::EtcdDirectory>>,
}

impl std::fmt::Debug for LeaseBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseBackend").field("name", &self.name).field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl LeaseBackend {
    /// Wraps a directory; `name` is how the registry knows it.
    pub fn new<S: RecordStore>(name: impl Into<String>, kind: BackendKind, directory: Directory<S>) -> Self {
        Self::from_directory(name, kind, Arc::new(directory))
    }

    /// Wraps any directory (the remote backends, which are not a [`Directory`] over a
    /// [`RecordStore`]).
    pub fn from_directory<D: LeaseDirectory + 'static>(
        name: impl Into<String>,
        kind: BackendKind,
        directory: Arc<D>,
    ) -> Self {
        LeaseBackend {
            name: name.into(),
            kind,
            addressable: directory.clone(),
            cluster: directory.clone(),
            directory,
            #[cfg(feature = "etcd")]
            etcd: None,
        }
    }

    /// Wraps an etcd directory, which [`LeaseBackend::etcd`] hands out again.
    #[cfg(feature = "etcd")]
    pub fn from_etcd(name: impl Into<String>, directory: Arc<crate::remote::etcd::EtcdDirectory>) -> Self {
        let mut backend = Self::from_directory(name, BackendKind::Etcd, directory.clone());
        backend.etcd = Some(directory);
        backend
    }

    /// The etcd directory behind this backend (`None` for every other type).
    #[cfg(feature = "etcd")]
    pub fn etcd(&self) -> Option<&Arc<crate::remote::etcd::EtcdDirectory>> {
        self.etcd.as_ref()
    }

    /// True when [`LeaseBackend::register_member`] can register a node here: an etcd
    /// backend in a build with the `etcd` feature.
    pub fn supports_membership(&self) -> bool {
        #[cfg(feature = "etcd")]
        return self.etcd.is_some();
        #[cfg(not(feature = "etcd"))]
        return false;
    }

    /// The etcd client URLs and key prefix of an etcd backend.
    pub fn etcd_endpoints(&self) -> Option<(Vec<String>, String)> {
        #[cfg(feature = "etcd")]
        return self.etcd.as_ref().map(|d| (d.settings().endpoints.clone(), d.settings().prefix.clone()));
        #[cfg(not(feature = "etcd"))]
        return None;
    }

    /// Registers this node as a cluster member on this backend's etcd directory (see
    /// `remote::etcd::membership`): its record and every actor lease acquired through
    /// this backend hang on one etcd lease. Other backends, and builds without `etcd`,
    /// answer [`LeaseError::NotSupported`].
    pub async fn register_member(&self, registration: MemberRegistration) -> LeaseResult<NodeMembership> {
        #[cfg(feature = "etcd")]
        if let Some(directory) = &self.etcd {
            use crate::remote::etcd::membership::{EtcdMembership, MembershipSettings};
            let mut settings = MembershipSettings::new(registration.node_id, registration.rpc_address);
            settings.metadata = registration.metadata;
            settings.lease_ttl = registration.lease_ttl;
            settings.fence_margin = registration.fence_margin;
            let inner = EtcdMembership::register(directory.clone(), settings).await?;
            return Ok(NodeMembership { inner });
        }
        let _ = registration;
        Err(LeaseError::NotSupported(format!(
            "cluster membership on provider \"{}\" ({}): it needs an Etcd provider{}",
            self.name,
            self.kind.type_name(),
            if crate::remote::compiled(BackendKind::Etcd) { "" } else { " and a build with the etcd feature" }
        )))
    }
}

/// How a node joins the cluster ([`LeaseBackend::register_member`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRegistration {
    pub node_id: crate::provider::NodeId,
    /// Where other nodes reach this node's RPC server (`host:port`).
    pub rpc_address: String,
    /// `key = value` pairs published with the record (keys non-empty, without `=`).
    pub metadata: BTreeMap<String, String>,
    /// The TTL of the node's etcd lease (whole seconds).
    pub lease_ttl: Duration,
    /// How long before its lease may expire the node fences itself.
    pub fence_margin: Duration,
}

/// A member of the cluster as the member list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterMember {
    pub node_id: crate::provider::NodeId,
    pub rpc_address: String,
    pub metadata: BTreeMap<String, String>,
    /// The etcd lease the member's record (and its actor leases) are attached to.
    pub etcd_lease: i64,
}

/// This node's registration; dropping it stops renewing without leaving (as a crash
/// would), [`NodeMembership::deregister`] leaves at once. Only an etcd build makes one.
pub struct NodeMembership {
    #[cfg(feature = "etcd")]
    inner: crate::remote::etcd::membership::EtcdMembership,
    #[cfg(not(feature = "etcd"))]
    inner: std::convert::Infallible,
}

#[cfg(feature = "etcd")]
impl NodeMembership {
    /// The etcd membership itself (renewal state, the member list's watch channel).
    pub fn etcd(&self) -> &crate::remote::etcd::membership::EtcdMembership {
        &self.inner
    }

    pub fn node_id(&self) -> &crate::provider::NodeId {
        self.inner.node_id()
    }

    /// The node's etcd lease.
    pub fn lease_id(&self) -> i64 {
        self.inner.lease_id()
    }

    /// From when on the node must not serve its actors (monotonic clock).
    pub fn self_fence_deadline(&self) -> Instant {
        self.inner.self_fence_deadline()
    }

    pub fn is_fenced(&self, now: Instant) -> bool {
        self.inner.is_fenced(now)
    }

    /// etcd said the node's lease is gone: fenced until the node registers again.
    pub fn is_lost(&self) -> bool {
        self.inner.is_lost()
    }

    pub fn renewals(&self) -> u64 {
        self.inner.renewals()
    }

    /// The members now, by node id, and the etcd revision the list reflects.
    pub fn members(&self) -> (Vec<ClusterMember>, i64) {
        let view = self.inner.members();
        let members = view
            .members
            .values()
            .map(|m| ClusterMember {
                node_id: m.node_id.clone(),
                rpc_address: m.rpc_address.clone(),
                metadata: m.metadata.clone(),
                etcd_lease: m.etcd_lease,
            })
            .collect();
        (members, view.revision)
    }

    /// Leaves the cluster: the lease is revoked, the record and the node's actor leases
    /// go with it.
    pub async fn deregister(self) -> LeaseResult<()> {
        self.inner.deregister().await
    }
}

#[cfg(not(feature = "etcd"))]
impl NodeMembership {
    pub fn node_id(&self) -> &crate::provider::NodeId {
        match self.inner {}
    }

    pub fn lease_id(&self) -> i64 {
        match self.inner {}
    }

    pub fn self_fence_deadline(&self) -> Instant {
        match self.inner {}
    }

    pub fn is_fenced(&self, _now: Instant) -> bool {
        match self.inner {}
    }

    pub fn is_lost(&self) -> bool {
        match self.inner {}
    }

    pub fn renewals(&self) -> u64 {
        match self.inner {}
    }

    pub fn members(&self) -> (Vec<ClusterMember>, i64) {
        match self.inner {}
    }

    pub async fn deregister(self) -> LeaseResult<()> {
        match self.inner {}
    }
}

/// Parses a TOML document into the JSON value a [`PersistenceConfig`] is read from
/// ([`PersistenceConfig::from_json_value`]), for tools that read a larger file (such as
/// orbit-server's) and keep only its lease-directory tables. The error names the line.
pub fn toml_document_to_json(text: &str) -> LeaseResult<serde_json::Value> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| text.bytes().take(span.start).filter(|b| *b == b'\n').count() + 1);
        let message = e.message().trim().replace('\n', " ");
        LeaseError::Config(match line {
            Some(line) => format!("line {line}: {message}"),
            None => message,
        })
    })?;
    serde_json::to_value(table).map_err(|e| LeaseError::Config(e.to_string()))
}

/// Opens the local backend `kind` with its default settings, its files under
/// `<data_dir>/leases/<kind>`. For memory that is the backup file
/// `<data_dir>/leases/memory/backup.bin`, loaded when present and written on flush and
/// shutdown, so that a memory directory can be exported, imported and validated.
pub fn open_backend(kind: BackendKind, data_dir: &Path) -> LeaseResult<LeaseBackend> {
    let spec = match kind {
        BackendKind::Memory => ProviderSpec {
            config: ProviderConfig::Memory(MemoryConfig {
                backup: Some(BackupConfig::default()),
                ..MemoryConfig::default()
            }),
            path_configured: false,
        },
        other => ProviderSpec::default_for(other),
    };
    open_provider(kind.name(), &spec, data_dir)
}

/// Opens one provider; local backends whose place was not configured keep their files
/// under `<data_dir>/leases/<backend>`. Remote types answer [`LeaseError::NotSupported`].
pub fn open_provider(name: &str, spec: &ProviderSpec, data_dir: &Path) -> LeaseResult<LeaseBackend> {
    let refuse = |other: &str| -> LeaseResult<LeaseBackend> {
        Err(LeaseError::Config(format!(
            "provider \"{name}\" refers to provider \"{other}\", which cannot be opened from here"
        )))
    };
    open_provider_with(name, spec, data_dir, &refuse)
}

/// Opens one provider; a Composite opens its members through `open_named`.
fn open_provider_with(
    name: &str,
    spec: &ProviderSpec,
    data_dir: &Path,
    open_named: &dyn Fn(&str) -> LeaseResult<LeaseBackend>,
) -> LeaseResult<LeaseBackend> {
    let spec = spec.with_data_dir(data_dir);
    let kind = spec.kind();
    let opened = match spec.config {
        ProviderConfig::Memory(config) => {
            let default_backup = crate::config::backend_dir(data_dir, kind).join("backup.bin");
            LeaseBackend::new(name, kind, Directory::new_with_store(MemoryStore::open(&config, &default_backup)?))
        }
        ProviderConfig::CowBTree(config) => {
            LeaseBackend::new(name, kind, Directory::new_with_store(CowBTreeStore::open(config)?))
        }
        ProviderConfig::LsmTree(config) => {
            LeaseBackend::new(name, kind, Directory::new_with_store(LsmStore::open(config)?))
        }
        ProviderConfig::RocksDb(config) => {
            let default_dir = crate::config::backend_dir(data_dir, kind);
            LeaseBackend::new(name, kind, Directory::new_with_store(RocksStore::open(&config, &default_dir)?))
        }
        ProviderConfig::Remote { kind, settings } => crate::remote::open(name, kind, &settings, data_dir, open_named)?,
    };
    Ok(opened)
}

/// Opens the providers of one configuration by name, each once (a Composite's member
/// that is also a default is the same backend), refusing reference cycles.
struct NamedOpener<'a> {
    providers: &'a BTreeMap<String, ProviderSpec>,
    data_dir: &'a Path,
    opened: std::cell::RefCell<BTreeMap<String, LeaseBackend>>,
    opening: std::cell::RefCell<Vec<String>>,
}

impl NamedOpener<'_> {
    fn open(&self, name: &str) -> LeaseResult<LeaseBackend> {
        if let Some(backend) = self.opened.borrow().get(name) {
            return Ok(backend.clone());
        }
        if self.opening.borrow().iter().any(|n| n == name) {
            let mut chain = self.opening.borrow().clone();
            chain.push(name.to_string());
            return Err(LeaseError::Config(format!(
                "providers.{}: providers refer to each other in a cycle ({})",
                chain[0],
                chain.join(" -> ")
            )));
        }
        let spec =
            self.providers.get(name).ok_or_else(|| LeaseError::Config(format!("no provider named \"{name}\"")))?;
        self.opening.borrow_mut().push(name.to_string());
        let result = open_provider_with(name, spec, self.data_dir, &|other| self.open(other));
        self.opening.borrow_mut().pop();
        let backend = result?;
        self.opened.borrow_mut().insert(name.to_string(), backend.clone());
        Ok(backend)
    }
}

/// The named backends of one process and which serve what.
#[derive(Debug, Default)]
pub struct PersistenceProviderRegistry {
    backends: BTreeMap<String, LeaseBackend>,
    /// Providers opened only as members of a Composite (not defaults), by name.
    members: BTreeMap<String, LeaseBackend>,
    default: Option<String>,
    addressable: Option<String>,
    cluster: Option<String>,
}

impl PersistenceProviderRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens the providers `config` selects (the default, the addressable and the
    /// cluster one; configured providers nothing refers to are not opened).
    pub fn open(config: &PersistenceConfig, data_dir: &Path) -> LeaseResult<Self> {
        let selection = config.selection()?;
        let mut registry = PersistenceProviderRegistry::new();
        let opener = NamedOpener {
            providers: &selection.providers,
            data_dir,
            opened: Default::default(),
            opening: Default::default(),
        };
        for name in [&selection.default, &selection.addressable, &selection.cluster] {
            if registry.backends.contains_key(name) {
                continue;
            }
            let backend = opener.open(name).map_err(|e| match e {
                LeaseError::NotSupported(what) => LeaseError::NotSupported(format!("{what} (provider \"{name}\")")),
                other => other,
            })?;
            registry.register(backend)?;
        }
        for (name, backend) in opener.opened.into_inner() {
            if !registry.backends.contains_key(&name) {
                registry.members.insert(name, backend);
            }
        }
        registry.set_default(&selection.default)?;
        registry.set_default_addressable(&selection.addressable)?;
        registry.set_default_cluster(&selection.cluster)?;
        Ok(registry)
    }

    /// Adds a backend under its name; the first one becomes every default.
    pub fn register(&mut self, backend: LeaseBackend) -> LeaseResult<()> {
        if self.backends.contains_key(&backend.name) {
            return Err(LeaseError::Config(format!("provider \"{}\" is registered twice", backend.name)));
        }
        let name = backend.name.clone();
        self.backends.insert(name.clone(), backend);
        for slot in [&mut self.default, &mut self.addressable, &mut self.cluster] {
            slot.get_or_insert_with(|| name.clone());
        }
        Ok(())
    }

    fn known(&self, name: &str) -> LeaseResult<String> {
        if self.backends.contains_key(name) {
            Ok(name.to_string())
        } else {
            Err(LeaseError::Config(format!("no provider named \"{name}\" is registered")))
        }
    }

    pub fn set_default(&mut self, name: &str) -> LeaseResult<()> {
        self.default = Some(self.known(name)?);
        Ok(())
    }

    pub fn set_default_addressable(&mut self, name: &str) -> LeaseResult<()> {
        self.addressable = Some(self.known(name)?);
        Ok(())
    }

    pub fn set_default_cluster(&mut self, name: &str) -> LeaseResult<()> {
        self.cluster = Some(self.known(name)?);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&LeaseBackend> {
        self.backends.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.backends.keys().map(String::as_str)
    }

    /// Every opened backend by name: the registered ones and the members of a Composite
    /// that serve only through it (for health and metrics per provider).
    pub fn opened(&self) -> Vec<&LeaseBackend> {
        let mut all: Vec<&LeaseBackend> = self.backends.values().chain(self.members.values()).collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// The names of the Composite members among [`Self::opened`].
    pub fn member_names(&self) -> impl Iterator<Item = &str> {
        self.members.keys().map(String::as_str)
    }

    fn named(&self, slot: &Option<String>) -> LeaseResult<&LeaseBackend> {
        slot.as_ref()
            .and_then(|name| self.backends.get(name))
            .ok_or_else(|| LeaseError::Config("no persistence provider is registered".into()))
    }

    pub fn default_backend(&self) -> LeaseResult<&LeaseBackend> {
        self.named(&self.default)
    }

    /// The backend holding addressable leases.
    pub fn addressable_backend(&self) -> LeaseResult<&LeaseBackend> {
        self.named(&self.addressable)
    }

    /// The backend holding cluster nodes.
    pub fn cluster_backend(&self) -> LeaseResult<&LeaseBackend> {
        self.named(&self.cluster)
    }

    pub fn addressable(&self) -> LeaseResult<Arc<dyn AddressableDirectoryProvider>> {
        Ok(self.addressable_backend()?.addressable.clone())
    }

    pub fn cluster(&self) -> LeaseResult<Arc<dyn ClusterNodeProvider>> {
        Ok(self.cluster_backend()?.cluster.clone())
    }

    /// Initializes every backend.
    pub async fn initialize_all(&self) -> LeaseResult<()> {
        for backend in self.backends.values() {
            backend.directory.initialize().await?;
        }
        Ok(())
    }

    /// Shuts every backend down (flushing it); reports the first failure after trying
    /// all of them.
    pub async fn shutdown_all(&self) -> LeaseResult<()> {
        let mut first = None;
        for backend in self.backends.values() {
            if let Err(e) = backend.directory.shutdown().await {
                tracing::error!(provider = %backend.name, error = %e, "lease directory shutdown failed");
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::{lease, node, ScratchDir};

    #[tokio::test]
    async fn a_registry_serves_addressable_and_cluster_data_from_their_providers() {
        let dir = ScratchDir::new("registry");
        let config = PersistenceConfig::from_toml_str(
            "[providers.leases]\ntype = \"RocksDB\"\n[providers.nodes]\ntype = \"Memory\"\n[providers.unused]\ntype = \"S3\"\n\
             [defaults]\naddressable = \"leases\"\ncluster = \"nodes\"\n",
        )
        .expect("config");
        let registry = PersistenceProviderRegistry::open(&config, dir.path()).expect("open");
        assert_eq!(registry.names().collect::<Vec<_>>(), vec!["leases", "nodes"], "unreferenced providers stay closed");
        assert_eq!(registry.addressable_backend().expect("addressable").kind, BackendKind::RocksDb);
        assert_eq!(registry.cluster_backend().expect("cluster").kind, BackendKind::Memory);
        registry.initialize_all().await.expect("initialize");
        registry.addressable().expect("addressable").store_lease(&lease("t", "k", "n", 10)).await.expect("store");
        registry.cluster().expect("cluster").store_node(&node("n", 10)).await.expect("node");
        assert_eq!(registry.get("nodes").expect("nodes").addressable.list_all_leases().await.expect("list"), vec![]);
        assert!(dir.path().join("leases/rocksdb").is_dir());
        registry.shutdown_all().await.expect("shutdown");
    }

    /// A remote backend compiled out answers "not supported" naming the cargo feature
    /// that builds it.
    #[cfg(not(feature = "etcd"))]
    #[test]
    fn a_remote_backend_without_its_feature_names_the_feature() {
        let dir = ScratchDir::new("remote");
        let config = PersistenceConfig::from_toml_str(
            "[server]\npersistence_backend = \"store\"\n[providers.store]\ntype = \"Etcd\"\nendpoints = [\"http://localhost:2379\"]\n",
        )
        .expect("remote types parse");
        let e = PersistenceProviderRegistry::open(&config, dir.path()).expect_err("not supported");
        assert!(matches!(e, LeaseError::NotSupported(_)), "{e:?}");
        let text = e.to_string();
        assert!(text.contains("cargo feature `etcd`") && text.contains("(provider \"store\")"), "{text}");
    }

    /// A Composite opens its members by name from the same configuration; a member that
    /// is also a default is the same backend; a cycle is refused naming it.
    #[tokio::test]
    async fn a_composite_opens_its_members_by_name_and_refuses_cycles() {
        let dir = ScratchDir::new("registry-composite");
        let config = PersistenceConfig::from_toml_str(
            "[providers.both]\ntype = \"Composite\"\nprimary = \"main\"\nbackup = \"spare\"\n\
             [providers.main]\ntype = \"Memory\"\n[providers.spare]\ntype = \"CowBTree\"\n\
             [defaults]\naddressable = \"both\"\ncluster = \"main\"\n",
        )
        .expect("config");
        let registry = PersistenceProviderRegistry::open(&config, dir.path()).expect("open");
        registry.addressable().expect("addressable").store_lease(&lease("t", "k", "n", 10)).await.expect("store");
        let main = registry.get("main").expect("main");
        assert_eq!(main.addressable.list_all_leases().await.expect("list").len(), 1, "the member is the same backend");
        let opened: Vec<&str> = registry.opened().iter().map(|b| b.name.as_str()).collect();
        assert_eq!(opened, vec!["both", "main", "spare"], "a member that is no default is still listed");
        assert_eq!(registry.member_names().collect::<Vec<_>>(), vec!["spare"]);
        let cyclic = PersistenceConfig::from_toml_str(
            "[providers.a]\ntype = \"Composite\"\nprimary = \"b\"\nbackup = \"m\"\n\
             [providers.b]\ntype = \"Composite\"\nprimary = \"a\"\nbackup = \"m\"\n[providers.m]\ntype = \"Memory\"\n\
             [defaults]\naddressable = \"a\"\n",
        )
        .expect("config");
        let e = PersistenceProviderRegistry::open(&cyclic, dir.path()).expect_err("a cycle");
        assert!(e.to_string().contains("cycle (a -> b -> a)"), "{e}");
    }

    #[test]
    fn a_toml_document_becomes_json_and_errors_name_the_line() {
        let value =
            toml_document_to_json("[server]\nbind = \"0.0.0.0\"\n[providers.x]\ntype = \"Memory\"\n").expect("toml");
        assert_eq!(value["providers"]["x"]["type"], "Memory");
        assert_eq!(value["server"]["bind"], "0.0.0.0");
        let e = toml_document_to_json("[server]\n\nbind = = 1\n").expect_err("bad toml");
        assert!(e.to_string().contains("line 3"), "{e}");
        let e = toml_document_to_json("[server]\n\n= 1\n").expect_err("an error at the start of a line");
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn registering_and_defaults() {
        let mut registry = PersistenceProviderRegistry::new();
        assert!(registry.addressable().is_err());
        registry
            .register(LeaseBackend::new("a", BackendKind::Memory, Directory::new_with_store(MemoryStore::new())))
            .expect("a");
        registry
            .register(LeaseBackend::new("b", BackendKind::Memory, Directory::new_with_store(MemoryStore::new())))
            .expect("b");
        assert_eq!(registry.default_backend().expect("default").name, "a", "the first one is the default");
        registry.set_default_cluster("b").expect("b exists");
        assert_eq!(registry.cluster_backend().expect("cluster").name, "b");
        assert!(registry.set_default("c").is_err());
        assert!(registry
            .register(LeaseBackend::new("a", BackendKind::Memory, Directory::new_with_store(MemoryStore::new())))
            .is_err());
    }

    #[tokio::test]
    async fn open_backend_keeps_a_memory_directory_in_its_backup_file() {
        let dir = ScratchDir::new("memory-backend");
        {
            let b = open_backend(BackendKind::Memory, dir.path()).expect("open");
            b.addressable.store_lease(&lease("t", "k", "n", 10)).await.expect("store");
            b.directory.shutdown().await.expect("shutdown");
        }
        assert!(dir.path().join("leases/memory/backup.bin").is_file());
        let b = open_backend(BackendKind::Memory, dir.path()).expect("reopen");
        assert_eq!(b.addressable.list_all_leases().await.expect("list").len(), 1);
    }
}
