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
use crate::runtime::{ActorError, ActorRuntime, ActorRuntimeConfig, Reply};
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
        ActorEngine {
            inner: Arc::new(EngineInner {
                runtime: ActorRuntime::new(runtime_config, directory),
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
            pending.push(
                self.inner.runtime.request(&actor, |reply| ShardMsg::Scan { seq, range, reverse, limit, reply })?,
            );
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

    async fn health(&self) -> Result<(), String> {
        if self.inner.runtime.is_running() {
            Ok(())
        } else {
            Err(ActorError::ShutDown.to_string())
        }
    }
}
