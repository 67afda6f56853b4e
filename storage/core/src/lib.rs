//! Orbit's storage layer, free of any engine dependency.
//!
//! * [`engine`]: the ordered key-value engine trait ([`KvEngine`]) and the in-memory engine.
//!   The RocksDB engine lives in the `orbit-rocksdb` crate, the actor-sharded engine in
//!   `orbit-actors`; both implement the same trait.
//! * [`codec`]: the order-preserving key codec and the compact, versioned row codec.
//! * [`table`]: the [`TableStorage`] trait every protocol model talks to, and
//!   [`KvTableStorage`], its one implementation over any [`KvEngine`] (catalog, rows,
//!   secondary indexes, snapshot transactions with write-write conflict detection, TTL).
//! * [`metrics`] and [`health`]: what the admin endpoint reports per protocol.
//! * [`conformance`]: the shared test suite every storage must pass.

pub mod codec;
pub mod conformance;
pub mod engine;
pub mod error;
pub mod health;
pub mod latency;
pub mod metrics;
pub mod schema;
pub mod table;
pub mod value;

pub use engine::{KvEngine, KvSnapshot, MemoryEngine, WriteBatch, WriteOp};
pub use error::{StorageError, StorageResult};
pub use health::HealthStatus;
pub use metrics::{MetricsSnapshot, StorageMetrics};
pub use schema::{AlterTable, ColumnDef, ColumnDefault, IndexDef, TableDef, TableSchema};
pub use table::{
    purge_kv_prefix, BulkLoad, KvBulkLoad, KvTableStorage, Row, ScanCursor, ScanOptions, ScanOrder, ScanPage,
    ScanPosition, TableHandle, TableStorage, Transaction, TxnOptions,
};
pub use value::{DataType, Interval, Value};
