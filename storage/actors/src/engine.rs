//! `ActorEngine`: a [`KvEngine`] whose keys are held in memory by shard actors.
//!
//! Keys are spread over actors by [`Router`]. Writes are serialized: each batch gets the
//! next sequence number, is split by actor, applied by every actor involved as a new
//! version, and only when all of them acknowledged is the sequence published. A snapshot
//! reads at the sequence it pinned, so it never sees half a batch nor anything later
//! (see [`crate::shard`] and [`crate::mvcc`]).

use crate::lease::AddressableDirectoryProvider;
use crate::mvcc::SnapshotRegistry;
use crate::routing::Router;
use crate::runtime::{ActorError, ActorRuntime, ActorRuntimeConfig, DrainReport, RefusalCounts, Reply, RuntimeHooks};
use crate::shard::{ShardActor, ShardMsg};
use async_trait::async_trait;
use orbit_storage::engine::{KeyRange, KvPair};
use orbit_storage::{KvEngine, KvSnapshot, StorageError, StorageResult, WriteBatch, WriteOp};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const DEFAULT_SHARDS_PER_TABLE: usize = 8;

pub struct ActorEngine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    runtime: ActorRuntime<ShardActor>,
    router: Router,
    snapshots: SnapshotRegistry,
    /// The last sequence number handed to a write; held for the whole write.
    last_seq: tokio::sync::Mutex<u64>,
}

impl ActorEngine {
    /// `namespace` is the protocol whose data this engine holds (it prefixes actor keys).
    /// Must be called within a tokio runtime.
    pub fn new(
        runtime_config: ActorRuntimeConfig,
        directory: Arc<dyn AddressableDirectoryProvider>,
        namespace: &str,
        shards_per_table: usize,
    ) -> ActorEngine {
        Self::with_hooks(runtime_config, directory, RuntimeHooks::default(), namespace, shards_per_table)
    }

    /// [`Self::new`] with the shard actors' runtime given a fence and/or an activation sink.
    pub fn with_hooks(
        runtime_config: ActorRuntimeConfig,
        directory: Arc<dyn AddressableDirectoryProvider>,
        hooks: RuntimeHooks,
        namespace: &str,
        shards_per_table: usize,
    ) -> ActorEngine {
        ActorEngine {
            inner: Arc::new(EngineInner {
                runtime: ActorRuntime::with_hooks(runtime_config, directory, hooks),
                router: Router::new(namespace, shards_per_table),
                snapshots: SnapshotRegistry::default(),
                last_seq: tokio::sync::Mutex::new(0),
            }),
        }
    }

    /// Shard actors active right now.
    pub fn activation_count(&self) -> usize {
        self.inner.runtime.activation_count()
    }

    /// Snapshots not yet dropped.
    pub fn open_snapshot_count(&self) -> usize {
        self.inner.snapshots.open_count()
    }

    /// Deactivates every shard actor; the engine refuses reads and writes afterwards.
    pub async fn shutdown(&self) {
        self.inner.runtime.shutdown().await;
    }

    /// Hands every shard actor over (see [`ActorRuntime::drain`]); the engine refuses
    /// reads and writes afterwards.
    pub async fn drain(&self) -> DrainReport {
        self.inner.runtime.drain().await
    }

    /// Whether the node's fence says it must not serve right now.
    pub fn is_fenced(&self) -> bool {
        self.inner.runtime.is_fenced()
    }

    /// The shard actors active on this node (their keys), sorted.
    pub fn active_shards(&self) -> Vec<String> {
        self.inner.runtime.active_keys()
    }

    /// Messages to shard actors refused because of the fence or a fencing token.
    pub fn refusal_counts(&self) -> RefusalCounts {
        self.inner.runtime.refusal_counts()
    }
}

/// The engine's data lives only in its actors: once nothing can read it, let them go.
impl Drop for EngineInner {
    fn drop(&mut self) {
        self.runtime.begin_shutdown();
    }
}

impl EngineInner {
    async fn write(&self, batch: WriteBatch) -> StorageResult<()> {
        let mut last_seq = self.last_seq.lock().await;
        // A sequence is never reused, even by a write that fails below.
        let seq = *last_seq + 1;
        *last_seq = seq;
        let retain_from = self.snapshots.retain_from(seq);

        let mut sent = Vec::new();
        let mut pending: Vec<Reply<()>> = Vec::new();
        let mut failure: Option<ActorError> = None;
        for (actor, ops) in self.split(batch) {
            match self.runtime.request(&actor, |reply| ShardMsg::Apply { seq, retain_from, ops, reply }) {
                Ok(reply) => {
                    pending.push(reply);
                    sent.push(actor);
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if failure.is_none() {
            for reply in pending {
                if let Err(e) = reply.wait().await {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = failure {
            // Each actor handles its messages in order, so the discard follows the apply.
            for actor in &sent {
                let _ = self.runtime.send(actor, ShardMsg::Discard { seq });
            }
            return Err(e.into());
        }
        self.snapshots.publish(seq);
        Ok(())
    }

    /// The batch's operations grouped by the actor that applies them, in batch order.
    fn split(&self, batch: WriteBatch) -> BTreeMap<String, Vec<WriteOp>> {
        // Register tables first so that a delete-range reaches puts of the same batch.
        for op in &batch.ops {
            if let WriteOp::Put { key, .. } = op {
                self.router.note_key(key);
            }
        }
        let mut parts: BTreeMap<String, Vec<WriteOp>> = BTreeMap::new();
        for op in batch.ops {
            match &op {
                WriteOp::Put { key, .. } => {
                    parts.entry(self.router.actor_for_key(key)).or_default().push(op);
                }
                WriteOp::Delete { key } => {
                    // A table never written holds nothing to delete.
                    if let Some(actor) = self.router.actor_for_read(key) {
                        parts.entry(actor).or_default().push(op);
                    }
                }
                WriteOp::DeleteRange { start, end } => {
                    for actor in self.router.actors_for_range(&KeyRange::between(start, end)) {
                        parts.entry(actor).or_default().push(op.clone());
                    }
                }
            }
        }
        parts
    }
}

/// A read view pinned at one sequence number; unpinned when dropped.
struct ActorSnapshot {
    inner: Arc<EngineInner>,
    seq: u64,
}

impl Drop for ActorSnapshot {
    fn drop(&mut self) {
        self.inner.snapshots.close(self.seq);
    }
}

/// Merges per-actor results (each sorted, disjoint) into the first `limit` pairs.
fn merge(parts: Vec<Vec<KvPair>>, reverse: bool, limit: usize) -> Vec<KvPair> {
    let mut all: Vec<KvPair> = parts.into_iter().flatten().collect();
    if reverse {
        all.sort_by(|a, b| b.0.cmp(&a.0));
    } else {
        all.sort_by(|a, b| a.0.cmp(&b.0));
    }
    all.truncate(limit);
    all
}

#[async_trait]
impl KvSnapshot for ActorSnapshot {
    async fn get(&self, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        let Some(actor) = self.inner.router.actor_for_read(key) else { return Ok(None) };
        let seq = self.seq;
        let key = key.to_vec();
        let reply = self.inner.runtime.request(&actor, |reply| ShardMsg::Get { seq, key, reply })?;
        Ok(reply.wait().await?)
    }

    async fn scan(&self, range: &KeyRange, reverse: bool, limit: usize) -> StorageResult<Vec<KvPair>> {
        if limit == 0 || range.is_empty() {
            return Ok(Vec::new());
        }
        let seq = self.seq;
        let mut pending = Vec::new();
        for actor in self.inner.router.actors_for_range(range) {
            let range = range.clone();
            pending.push(self.inner.runtime.request(&actor, |reply| ShardMsg::Scan {
                seq,
                range,
                reverse,
                limit,
                reply,
            })?);
        }
        let mut parts = Vec::with_capacity(pending.len());
        for reply in pending {
            parts.push(reply.wait().await?);
        }
        if parts.len() == 1 {
            return Ok(parts.pop().unwrap_or_default());
        }
        Ok(merge(parts, reverse, limit))
    }
}

#[async_trait]
impl KvEngine for ActorEngine {
    fn name(&self) -> &'static str {
        "actor"
    }

    fn snapshot(&self) -> Arc<dyn KvSnapshot> {
        let seq = self.inner.snapshots.open();
        Arc::new(ActorSnapshot { inner: self.inner.clone(), seq })
    }

    async fn write(&self, batch: WriteBatch) -> StorageResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        // Run to completion even if the caller stops waiting, so that no write is left
        // applied by some actors but never published.
        let inner = self.inner.clone();
        tokio::spawn(async move { inner.write(batch).await })
            .await
            .map_err(|e| StorageError::Engine(format!("actor engine write task failed: {e}")))?
    }

    async fn flush(&self) -> StorageResult<()> {
        Ok(())
    }

    /// A node with a fence (a cluster member) can lose its shards to another node: every
    /// read must reach the shard actor, which refuses once fenced or no longer the owner.
    fn read_caches_allowed(&self) -> bool {
        !self.inner.runtime.has_fence()
    }

    async fn health(&self) -> Result<(), String> {
        if self.inner.runtime.is_fenced() {
            Err(ActorError::Fenced { node: self.inner.runtime.config().node_id.to_string() }.to_string())
        } else if self.inner.runtime.is_running() {
            Ok(())
        } else {
            Err(ActorError::ShutDown.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lease::{MemoryDirectory, NodeId};
    use orbit_storage::MemoryEngine;
    use std::time::Duration;

    fn engine_with_idle(idle: Duration) -> ActorEngine {
        let config = ActorRuntimeConfig {
            node_id: NodeId::new("test"),
            lease_duration: Duration::from_secs(30),
            idle_timeout: idle,
            skew_margin: Duration::from_secs(1),
        };
        ActorEngine::new(config, Arc::new(MemoryDirectory::new()), "test", DEFAULT_SHARDS_PER_TABLE)
    }

    fn engine() -> ActorEngine {
        engine_with_idle(Duration::from_secs(60))
    }

    fn row(table: u32, n: u32) -> Vec<u8> {
        let mut k = vec![0x10];
        k.extend_from_slice(&table.to_be_bytes());
        k.push(0x01);
        k.extend_from_slice(&n.to_be_bytes());
        k
    }

    fn table_range(table: u32) -> KeyRange {
        let mut p = vec![0x10];
        p.extend_from_slice(&table.to_be_bytes());
        KeyRange::prefix(&p)
    }

    fn keys(pairs: &[KvPair]) -> Vec<Vec<u8>> {
        pairs.iter().map(|(k, _)| k.clone()).collect()
    }

    async fn put_all(engine: &dyn KvEngine, pairs: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>) {
        let mut batch = WriteBatch::new();
        for (k, v) in pairs {
            batch.put(k, v);
        }
        engine.write(batch).await.unwrap();
    }

    #[tokio::test]
    async fn put_get_delete() {
        let engine = engine();
        let mut b = WriteBatch::new();
        b.put(row(1, 1), b"one".to_vec());
        b.put(vec![0x01, b'c'], b"catalog".to_vec());
        engine.write(b).await.unwrap();
        assert_eq!(engine.get(&row(1, 1)).await.unwrap(), Some(b"one".to_vec()));
        assert_eq!(engine.get(&[0x01, b'c']).await.unwrap(), Some(b"catalog".to_vec()));
        assert_eq!(engine.get(&row(1, 2)).await.unwrap(), None);
        assert_eq!(engine.get(&row(9, 1)).await.unwrap(), None);

        let mut b = WriteBatch::new();
        b.delete(row(1, 1));
        b.put(vec![0x01, b'c'], b"changed".to_vec());
        engine.write(b).await.unwrap();
        assert_eq!(engine.get(&row(1, 1)).await.unwrap(), None);
        assert_eq!(engine.get(&[0x01, b'c']).await.unwrap(), Some(b"changed".to_vec()));
        assert_eq!(engine.name(), "actor");
        assert_eq!(engine.flush().await, Ok(()));
        assert_eq!(engine.health().await, Ok(()));
        assert_eq!(engine.open_snapshot_count(), 0, "get's snapshots are released");
    }

    #[tokio::test]
    async fn a_batch_over_many_shards_is_all_or_nothing() {
        let engine = engine();
        let before = engine.snapshot();
        put_all(&engine, (0..200).map(|n| (row(1, n), b"v".to_vec())).chain([(vec![0x02, 1], b"m".to_vec())])).await;
        let after = engine.snapshot();
        assert!(engine.activation_count() > DEFAULT_SHARDS_PER_TABLE / 2, "the batch spans shards");
        assert!(before.scan(&KeyRange::all(), false, usize::MAX).await.unwrap().is_empty());
        assert_eq!(before.get(&row(1, 7)).await.unwrap(), None);
        assert_eq!(before.get(&[0x02, 1]).await.unwrap(), None);
        assert_eq!(after.scan(&KeyRange::all(), false, usize::MAX).await.unwrap().len(), 201);
        assert_eq!(after.scan(&table_range(1), false, usize::MAX).await.unwrap().len(), 200);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_readers_never_see_half_a_batch() {
        let engine = Arc::new(engine());
        let writer = {
            let engine = engine.clone();
            tokio::spawn(async move {
                for round in 0..60u32 {
                    let mut b = WriteBatch::new();
                    for n in 0..40 {
                        b.put(row(3, n), round.to_be_bytes().to_vec());
                    }
                    b.put(vec![0x02, b'r'], round.to_be_bytes().to_vec());
                    engine.write(b).await.unwrap();
                }
            })
        };
        let mut observed = 0;
        while !writer.is_finished() {
            let snap = engine.snapshot();
            let rows = snap.scan(&KeyRange::all(), false, usize::MAX).await.unwrap();
            if rows.is_empty() {
                continue;
            }
            assert_eq!(rows.len(), 41);
            let first = &rows[0].1;
            assert!(rows.iter().all(|(_, v)| v == first), "one snapshot, one round");
            assert_eq!(snap.get(&row(3, 17)).await.unwrap().as_ref(), Some(first));
            observed += 1;
        }
        writer.await.unwrap();
        assert!(observed > 0);
    }

    #[tokio::test]
    async fn old_snapshots_keep_reading_old_values() {
        let engine = engine();
        put_all(&engine, (0..20).map(|n| (row(1, n), b"v1".to_vec()))).await;
        let v1 = engine.snapshot();
        put_all(&engine, (0..20).map(|n| (row(1, n), b"v2".to_vec()))).await;
        let v2 = engine.snapshot();
        for round in 0..5 {
            let mut b = WriteBatch::new();
            b.delete_range(row(1, 0), row(1, 10));
            b.put(row(1, 15), format!("v3.{round}").into_bytes());
            engine.write(b).await.unwrap();
        }
        let now = engine.snapshot();

        assert_eq!(v1.get(&row(1, 3)).await.unwrap(), Some(b"v1".to_vec()));
        assert_eq!(v2.get(&row(1, 3)).await.unwrap(), Some(b"v2".to_vec()));
        assert_eq!(now.get(&row(1, 3)).await.unwrap(), None);
        assert_eq!(now.get(&row(1, 15)).await.unwrap(), Some(b"v3.4".to_vec()));
        let old = v1.scan(&table_range(1), false, 100).await.unwrap();
        assert_eq!(old.len(), 20);
        assert!(old.iter().all(|(_, v)| v == b"v1"));
        assert_eq!(now.scan(&table_range(1), false, 100).await.unwrap().len(), 10);
        assert_eq!(engine.open_snapshot_count(), 3);
        drop((v1, v2, now));
        assert_eq!(engine.open_snapshot_count(), 0);
    }

    /// A tiny deterministic generator, so the comparison below is reproducible.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, below: u32) -> u32 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 33) % u64::from(below)) as u32
        }
    }

    #[tokio::test]
    async fn scans_and_delete_ranges_match_the_memory_engine() {
        let actor = engine();
        let memory = MemoryEngine::new();
        let mut rng = Lcg(7);
        let random_key = |rng: &mut Lcg| match rng.next(6) {
            0 => vec![0x01, rng.next(50) as u8],
            1 => vec![0x03, rng.next(50) as u8, 0],
            2 => vec![0x10, 0, 0],
            t => row(t, rng.next(300)),
        };
        for batch_no in 0..40 {
            let mut b = WriteBatch::new();
            for _ in 0..30 {
                let key = random_key(&mut rng);
                match rng.next(10) {
                    0 => b.delete(key),
                    1 if batch_no < 25 && rng.next(8) == 0 => {
                        let end = random_key(&mut rng);
                        b.delete_range(key, end);
                    }
                    1 => {
                        let t = 3 + rng.next(3);
                        let n = rng.next(300);
                        b.delete_range(row(t, n), row(t, n + rng.next(30)));
                    }
                    _ => b.put(key, rng.next(1000).to_be_bytes().to_vec()),
                }
            }
            actor.write(b.clone()).await.unwrap();
            memory.write(b).await.unwrap();
        }
        let (a, m) = (actor.snapshot(), memory.snapshot());
        let mut ranges =
            vec![KeyRange::all(), table_range(3), table_range(4), table_range(9), KeyRange::prefix(&[0x01])];
        ranges.push(KeyRange::between(&row(3, 40), &row(3, 200)));
        ranges.push(KeyRange::between(&row(3, 250), &row(5, 20)));
        ranges.push(KeyRange::between(&[0x02], &row(4, 100)));
        ranges.push(KeyRange::between(&[0x10], &[0x10, 0, 0, 0, 4]));
        ranges.push(KeyRange {
            start: std::ops::Bound::Excluded(row(4, 10)),
            end: std::ops::Bound::Included(row(4, 90)),
        });
        ranges.push(KeyRange { start: std::ops::Bound::Unbounded, end: std::ops::Bound::Included(row(3, 5)) });
        for range in &ranges {
            for reverse in [false, true] {
                for limit in [0, 1, 7, 50, usize::MAX] {
                    assert_eq!(
                        a.scan(range, reverse, limit).await.unwrap(),
                        m.scan(range, reverse, limit).await.unwrap(),
                        "range {range:?} reverse {reverse} limit {limit}"
                    );
                }
            }
        }
        for t in 3..=5 {
            let n = m.scan(&table_range(t), false, usize::MAX).await.unwrap().len();
            assert!(n > 20, "the data of table {t} is not trivial: {n} rows");
        }
        assert!(!m.scan(&KeyRange::prefix(&[0x01]), false, usize::MAX).await.unwrap().is_empty());
        for _ in 0..100 {
            let key = random_key(&mut rng);
            assert_eq!(a.get(&key).await.unwrap(), m.get(&key).await.unwrap());
        }
    }

    #[tokio::test]
    async fn delete_range_spans_shards_tables_and_sys() {
        let engine = engine();
        put_all(
            &engine,
            (0..50).flat_map(|n| [(row(1, n), vec![]), (row(2, n), vec![])]).chain([(vec![0x20], vec![])]),
        )
        .await;
        let mut b = WriteBatch::new();
        b.delete_range(row(1, 10), row(2, 5));
        engine.write(b).await.unwrap();
        let snap = engine.snapshot();
        let t1 = snap.scan(&table_range(1), false, usize::MAX).await.unwrap();
        assert_eq!(keys(&t1), (0..10).map(|n| row(1, n)).collect::<Vec<_>>());
        let t2 = snap.scan(&table_range(2), true, 3).await.unwrap();
        assert_eq!(keys(&t2), vec![row(2, 49), row(2, 48), row(2, 47)]);
        assert_eq!(snap.scan(&table_range(2), false, usize::MAX).await.unwrap().len(), 45);

        let mut b = WriteBatch::new();
        b.delete_range(vec![0x10], vec![0x21]);
        engine.write(b).await.unwrap();
        assert!(engine.snapshot().scan(&KeyRange::all(), false, usize::MAX).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn data_survives_idle_deactivation() {
        let engine = engine_with_idle(Duration::from_millis(50));
        put_all(&engine, (0..64).map(|n| (row(5, n), n.to_be_bytes().to_vec()))).await;
        put_all(&engine, [(vec![0x01, b't'], b"schema".to_vec())]).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while engine.activation_count() > 0 {
            assert!(tokio::time::Instant::now() < deadline, "shards never went idle");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let rows = engine.snapshot().scan(&table_range(5), false, usize::MAX).await.unwrap();
        assert_eq!(keys(&rows), (0..64).map(|n| row(5, n)).collect::<Vec<_>>());
        assert_eq!(engine.get(&row(5, 9)).await.unwrap(), Some(9u32.to_be_bytes().to_vec()));
        assert_eq!(engine.get(&[0x01, b't']).await.unwrap(), Some(b"schema".to_vec()));
    }

    #[tokio::test]
    async fn a_shut_down_engine_errors_instead_of_panicking() {
        let engine = engine();
        put_all(&engine, [(row(1, 1), b"x".to_vec())]).await;
        let snap = engine.snapshot();
        engine.shutdown().await;
        assert!(engine.health().await.is_err());
        assert!(matches!(snap.get(&row(1, 1)).await, Err(StorageError::Engine(_))));
        let mut b = WriteBatch::new();
        b.put(row(1, 2), vec![]);
        assert!(matches!(engine.write(b).await, Err(StorageError::Engine(_))));
    }

    #[tokio::test]
    async fn dropping_the_engine_deactivates_its_shards() {
        let directory = Arc::new(MemoryDirectory::new());
        let engine = ActorEngine::new(ActorRuntimeConfig::default(), directory.clone(), "drop", 4);
        put_all(&engine, (0..20).map(|n| (row(1, n), vec![]))).await;
        let leases = directory.list_all_leases().await.unwrap();
        assert_eq!(leases.len(), engine.activation_count());
        assert!(leases
            .iter()
            .all(|l| l.reference.key.starts_with("drop/") && l.reference.addressable_type == "orbit.kv.shard"));
        let snap = engine.snapshot();
        drop(engine);
        assert_eq!(snap.get(&row(1, 3)).await.unwrap(), Some(vec![]), "a snapshot keeps the engine alive");
        drop(snap);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !directory.list_all_leases().await.unwrap().is_empty() {
            assert!(tokio::time::Instant::now() < deadline, "shards kept their leases");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Every activation is recorded in the configured provider: here a RocksDB lease
    /// directory, whose leases are on disk while the shards live and gone after they
    /// deactivate.
    #[tokio::test]
    async fn activations_are_recorded_in_a_persistent_provider() {
        let dir = orbit_leases::conformance::ScratchDir::new("actor-engine");
        let backend = orbit_leases::open_backend(orbit_leases::BackendKind::RocksDb, dir.path()).unwrap();
        let config = ActorRuntimeConfig { node_id: NodeId::new("node-a"), ..ActorRuntimeConfig::default() };
        let engine = ActorEngine::new(config, backend.addressable.clone(), "persist", 4);
        put_all(&engine, (0..20).map(|n| (row(1, n), vec![]))).await;
        let on_node = backend.addressable.list_node_leases(&NodeId::new("node-a")).await.unwrap();
        assert_eq!(on_node.len(), engine.activation_count());
        assert!(on_node.iter().all(|l| l.reference.key.starts_with("persist/")));
        drop(engine);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !backend.addressable.list_all_leases().await.unwrap().is_empty() {
            assert!(tokio::time::Instant::now() < deadline, "shards kept their leases");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(backend.directory.index_problems().unwrap().is_empty());
    }

    /// A cow_btree lease directory shared by two engines ("nodes"): node-a fenced refuses
    /// reads and writes and says so in its health; lifted, it serves again; drained, it
    /// releases every shard's lease, so node-b's engine activates the same shards at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_fenced_engine_refuses_work_and_a_drained_one_hands_its_shards_over() {
        use crate::runtime::FenceSwitch;
        let dir = orbit_leases::conformance::ScratchDir::new("actor-engine-drain");
        let backend = orbit_leases::open_backend(orbit_leases::BackendKind::CowBTree, dir.path()).unwrap();
        let config = |node: &str| ActorRuntimeConfig { node_id: NodeId::new(node), ..ActorRuntimeConfig::default() };
        let switch = Arc::new(FenceSwitch::new());
        let hooks = RuntimeHooks { fence: Some(switch.clone()), activation_sink: None };
        let a = ActorEngine::with_hooks(config("node-a"), backend.addressable.clone(), hooks, "cluster", 4);
        assert!(!a.read_caches_allowed(), "a cluster member's reads must reach its shards");
        assert!(engine().read_caches_allowed(), "a node without a fence cannot lose its shards");
        put_all(&a, (0..20).map(|n| (row(1, n), vec![1]))).await;
        let owned = a.active_shards();
        assert_eq!(owned.len(), a.activation_count());
        assert!(!owned.is_empty());

        switch.fence();
        assert!(a.snapshot().get(&row(1, 3)).await.is_err(), "a fenced node serves no read");
        let mut batch = WriteBatch::new();
        batch.put(row(1, 3), vec![2]);
        assert!(a.write(batch).await.is_err(), "a fenced node serves no write");
        assert!(a.health().await.unwrap_err().contains("fenced"));
        assert!(a.refusal_counts().fenced >= 2);
        switch.lift();
        assert_eq!(a.snapshot().get(&row(1, 3)).await.unwrap(), Some(vec![1]), "served again, state kept");
        assert_eq!(a.health().await, Ok(()));

        let report = a.drain().await;
        assert!(report.handed_over.iter().all(|h| h.released));
        assert!(report.handed_over.len() >= owned.len());
        assert!(backend.addressable.list_node_leases(&NodeId::new("node-a")).await.unwrap().is_empty());
        assert!(a.health().await.is_err());
        let b = ActorEngine::new(config("node-b"), backend.addressable.clone(), "cluster", 4);
        put_all(&b, (0..20).map(|n| (row(1, n), vec![3]))).await;
        assert_eq!(b.active_shards(), owned, "node-b activated the same shards without waiting");
    }
}
