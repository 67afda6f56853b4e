//! Orbit's lease directory backends.
//!
//! * [`provider`]: the vocabulary (leases, nodes, errors, health, metrics) and the traits
//!   [`PersistenceProvider`], [`AddressableDirectoryProvider`], [`ClusterNodeProvider`].
//! * [`store`]: [`RecordStore`], the ordered byte store with atomic batches each local
//!   backend provides; the provider traits are implemented once over it.
//! * [`directory`]: [`Directory`], the providers over any [`RecordStore`], with the key
//!   layout of [`keys`] and the counters of [`metrics`].
//! * Backends: [`memory`] ([`MemoryStore`]), [`rocks`] ([`RocksStore`]), [`cow_btree`]
//!   ([`CowBTreeStore`]) and [`lsm`] ([`LsmStore`]).
//! * [`config`]: TOML / JSON / environment configuration; [`registry`]: opening backends
//!   ([`open_backend`], [`open_provider`]) and [`PersistenceProviderRegistry`].
//! * [`remote`]: the backends over a server (etcd, Redis, object stores, Kubernetes, each
//!   behind its cargo feature) and the Flash and Composite backends.
//! * [`conformance`]: the checks every backend passes.

pub mod config;
pub mod conformance;
pub mod cow_btree;
pub mod directory;
mod dir_lock;
pub mod keys;
pub mod lsm;
pub mod memory;
pub mod metrics;
pub mod provider;
pub mod registry;
pub mod remote;
pub mod rocks;
pub mod store;

pub use config::{BackendKind, PersistenceConfig, ProviderConfig, ProviderSpec, BACKEND_ENV};
pub use cow_btree::{CowBTreeConfig, CowBTreeStore};
pub use directory::Directory;
pub use lsm::{LsmConfig, LsmStore};
pub use memory::{BackupCompression, BackupConfig, MemoryConfig, MemoryDirectory, MemoryStore};
pub use provider::*;
pub use registry::{open_backend, open_provider, LeaseBackend, LeaseDirectory, PersistenceProviderRegistry};
pub use rocks::{RocksConfig, RocksDirectory, RocksStore};
pub use store::{CacheStats, RecordOp, RecordStore};
