//! Orbit's lease directory backends.
//!
//! * [`provider`]: the vocabulary (leases, nodes, errors, health, metrics) and the traits
//!   [`PersistenceProvider`], [`AddressableDirectoryProvider`], [`ClusterNodeProvider`].
//! * [`store`]: [`RecordStore`], the ordered byte store with atomic batches each local
//!   backend provides; the provider traits are implemented once over it.

pub mod provider;
pub mod store;

pub use provider::*;
pub use store::{CacheStats, RecordOp, RecordStore};
