//! Where each shard is active: a cache of shard → (owner node, its RPC address, the
//! owner's fencing token), filled from an owner lookup the caller supplies (the lease
//! directory's `get_versioned_lease`) and the cluster's member list (which gives the
//! addresses).
//!
//! An entry is looked up again on a miss and when the router finds it stale (a NotOwner or
//! Fenced refusal, a dead owner); concurrent callers of one shard share one lookup. The member list is a `tokio::sync::watch` of
//! [`Member`]s, fed by whatever runs the membership (storage/leases' `EtcdMembership`):
//! when it changes, entries whose owner left (or moved to another address) are dropped
//! before the next lookup. An owner that is not a member is no placement at all.

use crate::error::{ClusterError, ClusterResult};
use crate::metrics::ClusterMetrics;
use crate::types::{Member, ShardRef};
use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

/// The cluster's members as the membership publishes them.
pub type MembershipReceiver = tokio::sync::watch::Receiver<Vec<Member>>;

/// A shard's owner according to the lease directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRecord {
    pub node_id: String,
    pub fencing_token: u64,
}

/// A shard's owner with the address to forward to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub node_id: String,
    pub rpc_address: String,
    pub fencing_token: u64,
}

/// Finds the current owner of a shard (`None`: no node holds it).
#[async_trait]
pub trait OwnerLookup: Send + Sync + 'static {
    async fn owner_of(&self, shard: &ShardRef) -> ClusterResult<Option<OwnerRecord>>;
}

/// An [`OwnerLookup`] from an async closure.
pub struct LookupFn<F>(pub F);

#[async_trait]
impl<F, Fut> OwnerLookup for LookupFn<F>
where
    F: Fn(ShardRef) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ClusterResult<Option<OwnerRecord>>> + Send + 'static,
{
    async fn owner_of(&self, shard: &ShardRef) -> ClusterResult<Option<OwnerRecord>> {
        (self.0)(shard.clone()).await
    }
}

pub struct PlacementCache {
    lookup: Arc<dyn OwnerLookup>,
    members: Mutex<MembershipReceiver>,
    entries: Mutex<HashMap<ShardRef, Placement>>,
    /// One lookup per shard at a time: the others wait for its answer.
    lookups: Mutex<HashMap<ShardRef, Arc<tokio::sync::Mutex<()>>>>,
    metrics: Arc<ClusterMetrics>,
}

impl PlacementCache {
    pub fn new(lookup: Arc<dyn OwnerLookup>, members: MembershipReceiver, metrics: Arc<ClusterMetrics>) -> Self {
        PlacementCache {
            lookup,
            members: Mutex::new(members),
            entries: Mutex::new(HashMap::new()),
            lookups: Mutex::new(HashMap::new()),
            metrics,
        }
    }

    /// The shard's placement, from the cache or (on a miss) from the lookup.
    pub async fn get(&self, shard: &ShardRef) -> ClusterResult<Placement> {
        self.drop_departed();
        if let Some(placement) = self.cached(shard) {
            self.metrics.record_placement_hit();
            return Ok(placement);
        }
        self.single_flight(shard, |cached| cached.is_some()).await
    }

    /// Looks the shard's owner up again and caches the answer.
    pub async fn refresh(&self, shard: &ShardRef) -> ClusterResult<Placement> {
        self.single_flight(shard, |_| false).await
    }

    /// Looks the shard's owner up again after `stale` was refused or unreachable, unless a
    /// concurrent lookup has already replaced it.
    pub async fn refresh_after(&self, shard: &ShardRef, stale: &Placement) -> ClusterResult<Placement> {
        self.single_flight(shard, |cached| cached.is_some_and(|cached| cached != stale)).await
    }

    /// Runs one lookup of `shard` at a time; a caller that waited takes the cached entry
    /// instead when `reuse` accepts it.
    async fn single_flight(
        &self,
        shard: &ShardRef,
        reuse: impl Fn(Option<&Placement>) -> bool,
    ) -> ClusterResult<Placement> {
        let gate = self.lookups.lock().entry(shard.clone()).or_default().clone();
        let result = {
            let _turn = gate.lock().await;
            match self.cached(shard) {
                Some(placement) if reuse(Some(&placement)) => {
                    self.metrics.record_placement_hit();
                    Ok(placement)
                }
                _ => self.look_up(shard).await,
            }
        };
        let mut lookups = self.lookups.lock();
        if Arc::strong_count(&gate) == 2 {
            // Only the map and this caller hold the gate: nobody is waiting.
            lookups.remove(shard);
        }
        result
    }

    async fn look_up(&self, shard: &ShardRef) -> ClusterResult<Placement> {
        self.metrics.record_placement_miss();
        let owner = self.lookup.owner_of(shard).await?;
        let placement = owner.and_then(|owner| {
            let members = self.members.lock();
            let members = members.borrow();
            members.iter().find(|member| member.node_id == owner.node_id).map(|member| Placement {
                node_id: owner.node_id,
                rpc_address: member.rpc_address.clone(),
                fencing_token: owner.fencing_token,
            })
        });
        let mut entries = self.entries.lock();
        let Some(placement) = placement else {
            entries.remove(shard);
            return Err(ClusterError::NoOwner(shard.clone()));
        };
        // Tokens only grow per shard: a slower lookup racing this one must not bring back
        // an older owner.
        match entries.get(shard) {
            Some(newer) if newer.fencing_token > placement.fencing_token => Ok(newer.clone()),
            _ => {
                entries.insert(shard.clone(), placement.clone());
                Ok(placement)
            }
        }
    }

    pub fn cached(&self, shard: &ShardRef) -> Option<Placement> {
        self.entries.lock().get(shard).cloned()
    }

    /// Drops the shard's entry; the next [`get`](Self::get) looks it up.
    pub fn invalidate(&self, shard: &ShardRef) {
        if self.entries.lock().remove(shard).is_some() {
            self.metrics.record_placement_invalidation(1);
        }
    }

    /// Drops the shard's entry if it is still `placement` (not one a concurrent lookup put
    /// in its place).
    pub fn invalidate_placement(&self, shard: &ShardRef, placement: &Placement) {
        let mut entries = self.entries.lock();
        if entries.get(shard) == Some(placement) {
            entries.remove(shard);
            self.metrics.record_placement_invalidation(1);
        }
    }

    /// Drops every entry owned by `node_id`.
    pub fn invalidate_node(&self, node_id: &str) {
        self.retain(|placement| placement.node_id != node_id);
    }

    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// When the member list changed since the last look, drops the entries whose owner is
    /// no longer a member at the cached address.
    fn drop_departed(&self) {
        let live: Vec<Member> = {
            let mut members = self.members.lock();
            if !members.has_changed().unwrap_or(false) {
                return;
            }
            let live = members.borrow_and_update().clone();
            live
        };
        self.retain(|placement| {
            live.iter().any(|member| member.node_id == placement.node_id && member.rpc_address == placement.rpc_address)
        });
    }

    fn retain(&self, keep: impl Fn(&Placement) -> bool) {
        let mut entries = self.entries.lock();
        let before = entries.len();
        entries.retain(|_, placement| keep(placement));
        self.metrics.record_placement_invalidation((before - entries.len()) as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn shard() -> ShardRef {
        ShardRef::new("redis", "s1")
    }

    /// A lookup that answers node "b" with a growing token and counts its calls.
    fn counting_lookup(calls: Arc<AtomicU64>) -> Arc<dyn OwnerLookup> {
        Arc::new(LookupFn(move |_shard: ShardRef| {
            let calls = calls.clone();
            async move {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                Ok(Some(OwnerRecord { node_id: "b".into(), fencing_token: n }))
            }
        }))
    }

    #[tokio::test]
    async fn a_miss_looks_up_and_a_hit_does_not() {
        let calls = Arc::new(AtomicU64::new(0));
        let (_tx, rx) = tokio::sync::watch::channel(vec![Member::new("b", "127.0.0.1:1")]);
        let cache = PlacementCache::new(counting_lookup(calls.clone()), rx, Arc::default());
        let first = cache.get(&shard()).await.expect("placement");
        assert_eq!(first, Placement { node_id: "b".into(), rpc_address: "127.0.0.1:1".into(), fencing_token: 1 });
        assert_eq!(cache.get(&shard()).await.expect("cached"), first);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache.invalidate(&shard());
        assert_eq!(cache.get(&shard()).await.expect("refreshed").fencing_token, 2);
    }

    #[tokio::test]
    async fn an_owner_leaving_the_membership_drops_its_entries() {
        let calls = Arc::new(AtomicU64::new(0));
        let (tx, rx) = tokio::sync::watch::channel(vec![Member::new("b", "127.0.0.1:1")]);
        let cache = PlacementCache::new(counting_lookup(calls.clone()), rx, Arc::default());
        cache.get(&shard()).await.expect("placement");
        tx.send_replace(vec![Member::new("c", "127.0.0.1:2")]);
        assert!(matches!(cache.get(&shard()).await, Err(ClusterError::NoOwner(_))), "b is no member");
        assert!(cache.is_empty());
        tx.send_replace(vec![Member::new("b", "127.0.0.1:3")]);
        assert_eq!(cache.get(&shard()).await.expect("back").rpc_address, "127.0.0.1:3");
    }

    #[tokio::test]
    async fn a_refresh_never_goes_back_to_an_older_token() {
        let (_tx, rx) = tokio::sync::watch::channel(vec![Member::new("b", "h:1")]);
        let stale: Arc<dyn OwnerLookup> = Arc::new(LookupFn(|_shard: ShardRef| async {
            Ok(Some(OwnerRecord { node_id: "b".into(), fencing_token: 3 }))
        }));
        let cache = PlacementCache::new(stale, rx, Arc::default());
        cache
            .entries
            .lock()
            .insert(shard(), Placement { node_id: "b".into(), rpc_address: "h:1".into(), fencing_token: 5 });
        assert_eq!(cache.refresh(&shard()).await.expect("kept").fencing_token, 5);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_share_one_lookup() {
        let calls = Arc::new(AtomicU64::new(0));
        let (_tx, rx) = tokio::sync::watch::channel(vec![Member::new("b", "h:1")]);
        let slow_calls = calls.clone();
        let slow: Arc<dyn OwnerLookup> = Arc::new(LookupFn(move |_shard: ShardRef| {
            let calls = slow_calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Ok(Some(OwnerRecord { node_id: "b".into(), fencing_token: 1 }))
            }
        }));
        let cache = Arc::new(PlacementCache::new(slow, rx, Arc::default()));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let cache = cache.clone();
            tasks.spawn(async move { cache.get(&shard()).await });
        }
        while let Some(done) = tasks.join_next().await {
            assert_eq!(done.expect("task").expect("placement").fencing_token, 1);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(cache.lookups.lock().is_empty(), "no gate is left behind");
        let stale = cache.cached(&shard()).expect("cached");
        cache.entries.lock().insert(shard(), Placement { fencing_token: 2, ..stale.clone() });
        assert_eq!(cache.refresh_after(&shard(), &stale).await.expect("newer").fencing_token, 2, "already replaced");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn no_owner_is_an_error_and_is_not_cached() {
        let (_tx, rx) = tokio::sync::watch::channel(Vec::new());
        let none: Arc<dyn OwnerLookup> = Arc::new(LookupFn(|_shard: ShardRef| async { Ok(None) }));
        let cache = PlacementCache::new(none, rx, Arc::default());
        assert!(matches!(cache.get(&shard()).await, Err(ClusterError::NoOwner(_))));
        assert!(cache.is_empty());
    }
}
