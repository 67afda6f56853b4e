//! Orbit's actor mode: data held in memory by virtual actors.
//!
//! * [`lease`]: the lease directory ([`AddressableDirectoryProvider`], from
//!   `orbit-leases`) and its in-memory backend [`MemoryDirectory`].
//! * [`runtime`]: the generic virtual-actor runtime ([`ActorRuntime`]): activation on
//!   first message, exactly one activation per key, lease renewal, idle deactivation;
//!   the node's self-fence ([`FenceSignal`]), fencing tokens on messages, the activation
//!   log ([`ActivationSink`]) and [`ActorRuntime::drain`] for the cluster.
//! * [`engine`]: [`ActorEngine`], a `KvEngine` whose keys live in shard actors
//!   ([`shard`]) chosen by [`routing`], with snapshot reads over versions ([`mvcc`]).
//!
//! [`open_actor_table_storage`] puts the table layer on top, which is what a protocol in
//! actor mode gets.

pub mod engine;
pub mod lease;
pub mod mvcc;
pub mod routing;
pub mod runtime;
pub mod shard;

pub use engine::{ActorEngine, DEFAULT_SHARDS_PER_TABLE};
pub use lease::{
    now_millis, AddressableDirectoryProvider, AddressableLease, AddressableReference, ClusterNodeProvider, LeaseError,
    LeaseResult, MemoryDirectory, NodeId, NodeInfo, NodeStatus, PersistenceProvider, ProviderHealth, ProviderMetrics,
};
pub use runtime::{
    overlapping_intervals, ActivationLog, ActivationRecord, ActivationSink, Actor, ActorError, ActorRuntime,
    ActorRuntimeConfig, DeadlineFence, DrainReport, EndReason, FenceSignal, FenceSwitch, HandedOver, RefusalCounts,
    Reply, RuntimeHooks,
};

use orbit_storage::{KvEngine, KvTableStorage, StorageResult};
use std::sync::Arc;

/// Table storage for the protocol `namespace`, held by shard actors placed through
/// `directory`. Must be called within a tokio runtime.
pub async fn open_actor_table_storage(
    config: ActorRuntimeConfig,
    directory: Arc<dyn AddressableDirectoryProvider>,
    namespace: &str,
    shards_per_table: usize,
) -> StorageResult<Arc<KvTableStorage>> {
    let engine: Arc<dyn KvEngine> = Arc::new(ActorEngine::new(config, directory, namespace, shards_per_table));
    KvTableStorage::open(engine).await
}

/// [`open_actor_table_storage`] with the shard actors' runtime given a fence and/or an
/// activation sink; also returns the engine, to drain it (SIGTERM) or ask for its fence.
pub async fn open_actor_table_storage_with_hooks(
    config: ActorRuntimeConfig,
    directory: Arc<dyn AddressableDirectoryProvider>,
    hooks: RuntimeHooks,
    namespace: &str,
    shards_per_table: usize,
) -> StorageResult<(Arc<KvTableStorage>, Arc<ActorEngine>)> {
    let engine = Arc::new(ActorEngine::with_hooks(config, directory, hooks, namespace, shards_per_table));
    let storage = KvTableStorage::open(engine.clone() as Arc<dyn KvEngine>).await?;
    Ok((storage, engine))
}

#[cfg(test)]
mod tests {
    use super::*;
    use orbit_storage::TableStorage;
    use std::time::Duration;

    /// Short idle and lease times, so shards deactivate and leases renew during the checks.
    async fn actor_storage() -> (Arc<dyn TableStorage>, ()) {
        let config = ActorRuntimeConfig {
            node_id: NodeId::new("test"),
            lease_duration: Duration::from_millis(90),
            idle_timeout: Duration::from_millis(20),
            skew_margin: Duration::from_millis(10),
        };
        let storage = open_actor_table_storage(config, Arc::new(MemoryDirectory::new()), "conformance", 4)
            .await
            .expect("open actor storage");
        (storage, ())
    }

    mod conformance {
        use super::actor_storage;
        orbit_storage::conformance_tests!(actor_storage());
    }

    /// Raw entries live in the table's shards like its rows: they outlive the shards'
    /// deactivation and go with the table when it is dropped.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn kv_entries_survive_shard_deactivation() {
        use orbit_storage::engine::KeyRange;
        use orbit_storage::{ColumnDef, DataType, TableDef, TxnOptions};
        let (s, ()) = actor_storage().await;
        let def = TableDef::new("keyspace").column(ColumnDef::new("k", DataType::Bytes)).primary_key(&["k"]);
        s.create_table(&def).await.unwrap();
        let t = s.table_handle("keyspace").await.unwrap();
        let mut tx = s.begin_with(TxnOptions::serialized_writer()).await.unwrap();
        for i in 0..64u32 {
            tx.kv_put(&t, &i.to_be_bytes(), vec![i as u8]).await.unwrap();
        }
        tx.commit().await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await; // past the idle timeout
        assert_eq!(s.kv_get(&t, &5u32.to_be_bytes()).await.unwrap(), Some(vec![5]));
        let mut tx = s.begin().await.unwrap();
        let all = tx.kv_scan(&t, &KeyRange::all(), false, 100).await.unwrap();
        assert_eq!(all.len(), 64);
        assert!(all.windows(2).all(|w| w[0].0 < w[1].0), "merged across shards in key order");
        drop(tx);
        s.drop_table("keyspace").await.unwrap();
        s.create_table(&def).await.unwrap();
        let t = s.table_handle("keyspace").await.unwrap();
        assert_eq!(s.kv_get(&t, &5u32.to_be_bytes()).await.unwrap(), None);
    }
}
