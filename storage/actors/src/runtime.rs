//! A generic virtual-actor runtime.
//!
//! Actors of one type `A` are addressed by key. The first message to a key activates the
//! actor (restoring the state it passivated last time, if any); an actor that receives
//! nothing for `idle_timeout` passivates its state into the runtime's state store and
//! deactivates. While active, each activation holds a lease in the configured
//! [`AddressableDirectoryProvider`], renewed before it expires.
//!
//! Leases are taken by compare-and-swap ([`acquire_lease`]): an activation that finds
//! the key leased to another node whose lease is live does not activate, and the
//! messages queued for it are answered [`ActorError::HeldElsewhere`]; one whose renewal
//! finds the lease taken over stops serving at once ([`ActorError::LeaseLost`]) and
//! keeps its state for a later activation. Each activation knows its lease's fencing
//! token ([`ActorRuntime::fencing_token`]), which grows with every acquisition of the key.
//!
//! Exactly one activation per key exists at a time. The map from key to activation holds
//! the only sender of each activation's channel, and every send happens while holding
//! that map entry's lock, so no sender ever escapes. An idle activation removes its own
//! map entry only if, under the same lock, its channel is empty; otherwise it keeps
//! serving. Hence every message is handled by exactly one activation, and because state
//! is stored before the entry is removed, the next activation always finds it.

use crate::lease::{
    acquire_lease, now_millis, AcquireOutcome, AddressableDirectoryProvider, AddressableLease, AddressableReference,
    NodeId, RenewOutcome, VersionedLease,
};
use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
use parking_lot::{Mutex, RwLock};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::time::{sleep_until, Instant};
use tracing::{debug, warn};

/// A virtual actor: created on demand from its saved state, handling one message at a
/// time, turned back into state when it goes idle.
pub trait Actor: Send + 'static {
    /// Messages carry their own reply channels (tokio oneshot senders).
    type Message: Send + 'static;
    /// What the actor keeps across deactivation.
    type State: Send + 'static;
    /// The addressable type recorded in leases.
    const TYPE: &'static str;

    fn activate(key: &str, saved: Option<Self::State>) -> Self;
    fn handle(&mut self, msg: Self::Message);
    fn passivate(&mut self) -> Self::State;
}

#[derive(Debug, Clone)]
pub struct ActorRuntimeConfig {
    pub node_id: NodeId,
    /// How long a lease is valid; it is renewed every third of this while the actor lives.
    pub lease_duration: Duration,
    /// An actor with no message for this long deactivates.
    pub idle_timeout: Duration,
    /// How long past its expiry another node's lease must be before it is taken over
    /// (covers clock skew between nodes).
    pub skew_margin: Duration,
}

impl Default for ActorRuntimeConfig {
    fn default() -> Self {
        ActorRuntimeConfig {
            node_id: NodeId::new("local"),
            lease_duration: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            skew_margin: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ActorError {
    #[error("actor runtime is shut down")]
    ShutDown,
    #[error("actor {0} ended without replying")]
    NoReply(String),
    #[error("actor {actor} is active on node {node} (its lease runs until {expires_at})")]
    HeldElsewhere { actor: String, node: String, expires_at: i64 },
    #[error("actor {0} lost its lease to another activation and stopped serving")]
    LeaseLost(String),
    #[error("actor {actor} cannot be activated: lease directory: {reason}")]
    Directory { actor: String, reason: String },
}

impl From<ActorError> for orbit_storage::StorageError {
    fn from(e: ActorError) -> Self {
        orbit_storage::StorageError::Engine(e.to_string())
    }
}

/// The pending reply of [`ActorRuntime::request`].
pub struct Reply<R> {
    rx: oneshot::Receiver<R>,
    actor: String,
    /// Why the activation the request went to refused it, once it has.
    refusal: Arc<OnceLock<ActorError>>,
}

impl<R> Reply<R> {
    pub async fn wait(self) -> Result<R, ActorError> {
        let Reply { rx, actor, refusal } = self;
        rx.await.map_err(|_| refusal.get().cloned().unwrap_or(ActorError::NoReply(actor)))
    }
}

struct Handle<M> {
    tx: mpsc::UnboundedSender<M>,
    activation_id: u64,
    refusal: Arc<OnceLock<ActorError>>,
}

struct Shared<A: Actor> {
    config: ActorRuntimeConfig,
    directory: Arc<dyn AddressableDirectoryProvider>,
    actors: DashMap<String, Handle<A::Message>>,
    /// Passivated state by key; a `Mutex` only so that `A::State` need not be `Sync`.
    states: DashMap<String, Mutex<A::State>>,
    /// Sends hold the read side; shutdown flips it under the write side.
    running: RwLock<bool>,
    shutdown: watch::Sender<bool>,
    next_activation_id: AtomicU64,
    live_tasks: AtomicUsize,
    tasks_done: Notify,
    /// The fencing token of each active actor's lease.
    tokens: DashMap<String, u64>,
}

/// Hosts the actors of type `A`. Cloning gives another handle to the same runtime.
pub struct ActorRuntime<A: Actor> {
    shared: Arc<Shared<A>>,
}

impl<A: Actor> Clone for ActorRuntime<A> {
    fn clone(&self) -> Self {
        ActorRuntime { shared: self.shared.clone() }
    }
}

impl<A: Actor> ActorRuntime<A> {
    pub fn new(config: ActorRuntimeConfig, directory: Arc<dyn AddressableDirectoryProvider>) -> Self {
        let (shutdown, _) = watch::channel(false);
        ActorRuntime {
            shared: Arc::new(Shared {
                config,
                directory,
                actors: DashMap::new(),
                states: DashMap::new(),
                running: RwLock::new(true),
                shutdown,
                next_activation_id: AtomicU64::new(0),
                live_tasks: AtomicUsize::new(0),
                tasks_done: Notify::new(),
                tokens: DashMap::new(),
            }),
        }
    }

    pub fn config(&self) -> &ActorRuntimeConfig {
        &self.shared.config
    }

    /// Delivers `msg` to the actor `key`, activating it if needed. Must be called within
    /// a tokio runtime.
    pub fn send(&self, key: &str, msg: A::Message) -> Result<(), ActorError> {
        self.deliver(key, msg).map(drop)
    }

    /// Queues `msg` on the actor's activation; answers that activation's refusal cell.
    fn deliver(&self, key: &str, msg: A::Message) -> Result<Arc<OnceLock<ActorError>>, ActorError> {
        let running = self.shared.running.read();
        if !*running {
            return Err(ActorError::ShutDown);
        }
        // Fast path: the actor is active; a read lock on its map shard is enough.
        let msg = match self.shared.actors.get(key) {
            Some(handle) => match handle.tx.send(msg) {
                Ok(()) => return Ok(handle.refusal.clone()),
                Err(mpsc::error::SendError(msg)) => msg,
            },
            None => msg,
        };
        let refusal = match self.shared.actors.entry(key.to_owned()) {
            Entry::Occupied(mut entry) => match entry.get().tx.send(msg) {
                Ok(()) => entry.get().refusal.clone(),
                Err(mpsc::error::SendError(msg)) => {
                    // An activation that refused or lost its lease, or panicked, has
                    // closed its channel before leaving the map.
                    debug!(addressable_type = A::TYPE, key, "actor activation ended; starting a new one");
                    let handle = self.start_activation(key, msg);
                    let refusal = handle.refusal.clone();
                    entry.insert(handle);
                    refusal
                }
            },
            Entry::Vacant(entry) => {
                let handle = self.start_activation(key, msg);
                let refusal = handle.refusal.clone();
                entry.insert(handle);
                refusal
            }
        };
        drop(running);
        Ok(refusal)
    }

    /// Sends the message built by `make` around a fresh reply channel. The message is
    /// sent before this returns, so the order of requests is the order of calls.
    pub fn request<R>(
        &self,
        key: &str,
        make: impl FnOnce(oneshot::Sender<R>) -> A::Message,
    ) -> Result<Reply<R>, ActorError> {
        let (tx, rx) = oneshot::channel();
        let refusal = self.deliver(key, make(tx))?;
        Ok(Reply { rx, actor: format!("{}:{}", A::TYPE, key), refusal })
    }

    /// The fencing token of the actor's current lease; `None` while it is not active
    /// (or has not taken its lease yet).
    pub fn fencing_token(&self, key: &str) -> Option<u64> {
        self.shared.tokens.get(key).map(|t| *t)
    }

    /// How many actors are active right now.
    pub fn activation_count(&self) -> usize {
        self.shared.actors.len()
    }

    pub fn is_active(&self, key: &str) -> bool {
        self.shared.actors.contains_key(key)
    }

    pub fn is_running(&self) -> bool {
        *self.shared.running.read()
    }

    /// Stops accepting messages and tells every activation to wind down (as
    /// [`Self::shutdown`] does) without waiting for it.
    pub fn begin_shutdown(&self) {
        *self.shared.running.write() = false;
        self.shared.shutdown.send_replace(true);
    }

    /// Stops accepting messages, lets every activation handle what it already received,
    /// passivate and release its lease, and waits until all of them have ended.
    pub async fn shutdown(&self) {
        self.begin_shutdown();
        loop {
            let notified = self.shared.tasks_done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.shared.live_tasks.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Called with the map entry locked: `first` is queued before the task exists.
    fn start_activation(&self, key: &str, first: A::Message) -> Handle<A::Message> {
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = tx.send(first);
        debug_assert!(queued.is_ok(), "the receiver is alive");
        let activation_id = self.shared.next_activation_id.fetch_add(1, Ordering::Relaxed) + 1;
        self.shared.live_tasks.fetch_add(1, Ordering::SeqCst);
        let refusal = Arc::new(OnceLock::new());
        let activation = Activation::<A> {
            shared: self.shared.clone(),
            key: key.to_owned(),
            activation_id,
            reference: AddressableReference::new(A::TYPE, key),
            created_at: now_millis(),
            grant: None,
            refusal: refusal.clone(),
        };
        tokio::spawn(activation.run(rx));
        Handle { tx, activation_id, refusal }
    }
}

/// Decrements the live-task count however the activation task ends (panics included).
struct TaskGuard<A: Actor>(Arc<Shared<A>>);

impl<A: Actor> Drop for TaskGuard<A> {
    fn drop(&mut self) {
        if self.0.live_tasks.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.tasks_done.notify_waiters();
        }
    }
}

/// One activation: the task that owns the actor and its receiver.
struct Activation<A: Actor> {
    shared: Arc<Shared<A>>,
    key: String,
    activation_id: u64,
    reference: AddressableReference,
    created_at: i64,
    /// The lease this activation holds: its version and fencing token.
    grant: Option<VersionedLease>,
    refusal: Arc<OnceLock<ActorError>>,
}

impl<A: Actor> Activation<A> {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<A::Message>) {
        let _guard = TaskGuard(self.shared.clone());
        let mut shutdown = self.shared.shutdown.subscribe();
        if let Err(refused) = self.take_lease().await {
            self.refuse(refused, rx);
            return;
        }
        let mut actor = A::activate(&self.key, self.take_state());
        debug!(addressable_type = A::TYPE, key = %self.key, activation_id = self.activation_id, "actor activated");

        let renew_every = (self.shared.config.lease_duration / 3).max(Duration::from_millis(1));
        let idle_timeout = self.shared.config.idle_timeout;
        let mut renew_at = Instant::now() + renew_every;
        let mut last_message = Instant::now();
        loop {
            if *shutdown.borrow_and_update() {
                self.stop(actor, rx).await;
                return;
            }
            tokio::select! {
                biased;
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        self.stop(actor, rx).await;
                        return;
                    }
                }
                _ = sleep_until(renew_at) => {
                    if let Err(lost) = self.renew_lease().await {
                        self.store_state(actor.passivate());
                        self.refuse(lost, rx);
                        return;
                    }
                    renew_at = Instant::now() + renew_every;
                }
                msg = rx.recv() => match msg {
                    Some(msg) => {
                        actor.handle(msg);
                        last_message = Instant::now();
                    }
                    // Unreachable while our handle is in the map; end cleanly anyway.
                    None => {
                        self.stop(actor, rx).await;
                        return;
                    }
                },
                _ = sleep_until(last_message + idle_timeout) => {
                    match self.try_deactivate(actor, &rx).await {
                        None => return,
                        Some(still_needed) => {
                            actor = still_needed;
                            last_message = Instant::now();
                            renew_at = Instant::now() + renew_every;
                        }
                    }
                }
            }
        }
    }

    /// Passivates, releases the lease and leaves the map if no message is waiting.
    /// Returns the actor again (restored from its state) when a message arrived meanwhile.
    async fn try_deactivate(&mut self, mut actor: A, rx: &mpsc::UnboundedReceiver<A::Message>) -> Option<A> {
        self.store_state(actor.passivate());
        self.release_lease().await;
        let id = self.activation_id;
        let removed =
            self.shared.actors.remove_if(&self.key, |_, handle| handle.activation_id == id && rx.is_empty()).is_some();
        if removed {
            debug!(addressable_type = A::TYPE, key = %self.key, activation_id = id, "actor deactivated (idle)");
            return None;
        }
        // Still ours (nobody else can take the state while our entry exists), unless
        // another node took the lease meanwhile: then the waiting messages are refused.
        if let Err(refused) = self.take_lease().await {
            return self.leave_refusing(refused);
        }
        let actor = A::activate(&self.key, self.take_state());
        debug!(addressable_type = A::TYPE, key = %self.key, activation_id = id, "actor kept active: message arrived while deactivating");
        Some(actor)
    }

    /// Shutdown: leave the map, handle what is queued, passivate, release the lease.
    async fn stop(&mut self, mut actor: A, mut rx: mpsc::UnboundedReceiver<A::Message>) {
        let id = self.activation_id;
        self.shared.actors.remove_if(&self.key, |_, handle| handle.activation_id == id);
        rx.close();
        while let Ok(msg) = rx.try_recv() {
            actor.handle(msg);
        }
        self.store_state(actor.passivate());
        self.release_lease().await;
        debug!(addressable_type = A::TYPE, key = %self.key, activation_id = id, "actor deactivated (shutdown)");
    }

    fn take_state(&self) -> Option<A::State> {
        self.shared.states.remove(&self.key).map(|(_, state)| state.into_inner())
    }

    fn store_state(&self, state: A::State) {
        self.shared.states.insert(self.key.clone(), Mutex::new(state));
    }

    fn lease(&self) -> AddressableLease {
        let duration = i64::try_from(self.shared.config.lease_duration.as_millis()).unwrap_or(i64::MAX);
        AddressableLease {
            reference: self.reference.clone(),
            node_id: self.shared.config.node_id.clone(),
            activation_id: self.activation_id,
            created_at: self.created_at,
            expires_at: now_millis().saturating_add(duration),
        }
    }

    /// Acquires the lease by compare-and-swap; a live lease of another node (or a
    /// directory that cannot answer) refuses the activation.
    async fn take_lease(&mut self) -> Result<(), ActorError> {
        self.created_at = now_millis();
        let margin = i64::try_from(self.shared.config.skew_margin.as_millis()).unwrap_or(i64::MAX);
        let actor = self.reference.to_string();
        let outcome = acquire_lease(self.shared.directory.as_ref(), &self.lease(), now_millis(), margin).await;
        match outcome {
            Ok(AcquireOutcome::Acquired(granted)) => {
                self.shared.tokens.insert(self.key.clone(), granted.fencing_token);
                self.grant = Some(granted);
                Ok(())
            }
            Ok(AcquireOutcome::HeldBy(holder)) => Err(ActorError::HeldElsewhere {
                actor,
                node: holder.lease.node_id.to_string(),
                expires_at: holder.lease.expires_at,
            }),
            Err(e) => Err(ActorError::Directory { actor, reason: e.to_string() }),
        }
    }

    /// Extends the lease if it is still ours; an error means it was taken over.
    async fn renew_lease(&mut self) -> Result<(), ActorError> {
        let Some(grant) = &self.grant else { return Err(ActorError::LeaseLost(self.reference.to_string())) };
        match self.shared.directory.renew_if_owner(&self.lease(), &grant.version).await {
            Ok(RenewOutcome::Renewed(renewed)) => {
                self.grant = Some(renewed);
                Ok(())
            }
            Ok(RenewOutcome::NotOwner(holder)) => {
                warn!(addressable = %self.reference, holder = ?holder.map(|h| h.lease.node_id), "actor lease taken over; stopping");
                Err(ActorError::LeaseLost(self.reference.to_string()))
            }
            // A directory that does not answer for now: keep serving until the lease
            // itself would have run out, and try again at the next renewal.
            Err(e) => {
                warn!(addressable = %self.reference, error = %e, "could not renew actor lease");
                Ok(())
            }
        }
    }

    async fn release_lease(&mut self) {
        self.shared.tokens.remove_if(&self.key, |_, t| Some(*t) == self.grant.as_ref().map(|g| g.fencing_token));
        let Some(grant) = self.grant.take() else { return };
        match self.shared.directory.release_if_owner(&self.reference, &grant.version).await {
            Ok(true) => {}
            Ok(false) => warn!(addressable = %self.reference, "actor lease was no longer ours at release"),
            Err(e) => warn!(addressable = %self.reference, error = %e, "could not release actor lease"),
        }
    }

    /// Leaves the map and answers every queued message with `error`.
    fn refuse(&mut self, error: ActorError, mut rx: mpsc::UnboundedReceiver<A::Message>) {
        let id = self.activation_id;
        debug!(addressable = %self.reference, activation_id = id, %error, "actor activation refused");
        self.shared.tokens.remove_if(&self.key, |_, t| Some(*t) == self.grant.as_ref().map(|g| g.fencing_token));
        let _ = self.refusal.set(error);
        rx.close();
        self.shared.actors.remove_if(&self.key, |_, handle| handle.activation_id == id);
        // Dropping the messages drops their reply senders: each waiter gets the refusal.
        while rx.try_recv().is_ok() {}
    }

    /// [`Self::refuse`] for an activation that has just passivated and whose receiver
    /// its caller still holds: leaves the map; the messages waiting in the receiver get
    /// the refusal when the task ends and drops it.
    fn leave_refusing(&mut self, error: ActorError) -> Option<A> {
        let id = self.activation_id;
        let _ = self.refusal.set(error);
        self.shared.actors.remove_if(&self.key, |_, handle| handle.activation_id == id);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lease::MemoryDirectory;

    mod leases;

    /// Gives every activation a distinct identity, so tests can tell activations apart.
    static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

    struct Counter {
        count: u64,
        instance: u64,
    }

    /// Replies with (count after the increment, instance that handled it).
    struct Incr(oneshot::Sender<(u64, u64)>);

    impl Actor for Counter {
        type Message = Incr;
        type State = u64;
        const TYPE: &'static str = "test.counter";

        fn activate(_key: &str, saved: Option<u64>) -> Self {
            Counter { count: saved.unwrap_or(0), instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed) }
        }

        fn handle(&mut self, Incr(reply): Incr) {
            self.count += 1;
            let _ = reply.send((self.count, self.instance));
        }

        fn passivate(&mut self) -> u64 {
            self.count
        }
    }

    fn runtime(lease_ms: u64, idle_ms: u64) -> (ActorRuntime<Counter>, Arc<MemoryDirectory>) {
        let directory = Arc::new(MemoryDirectory::new());
        let config = ActorRuntimeConfig {
            node_id: NodeId::new("node-a"),
            lease_duration: Duration::from_millis(lease_ms),
            idle_timeout: Duration::from_millis(idle_ms),
            skew_margin: Duration::from_millis(10),
        };
        (ActorRuntime::new(config, directory.clone()), directory)
    }

    async fn incr(rt: &ActorRuntime<Counter>, key: &str) -> (u64, u64) {
        rt.request(key, Incr).unwrap().wait().await.unwrap()
    }

    async fn wait_until_inactive(rt: &ActorRuntime<Counter>, key: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while rt.is_active(key) {
            assert!(Instant::now() < deadline, "actor {key} never deactivated");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_first_messages_share_one_activation() {
        let (rt, _) = runtime(30_000, 60_000);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let rt = rt.clone();
                tokio::spawn(async move { incr(&rt, "k").await })
            })
            .collect();
        let mut counts = Vec::new();
        let mut instances = std::collections::BTreeSet::new();
        for task in tasks {
            let (count, instance) = task.await.unwrap();
            counts.push(count);
            instances.insert(instance);
        }
        counts.sort();
        assert_eq!(counts, (1..=50).collect::<Vec<u64>>(), "every message handled once, in one sequence");
        assert_eq!(instances.len(), 1, "one activation handled all messages");
        assert_eq!(rt.activation_count(), 1);
    }

    #[tokio::test]
    async fn idle_actor_deactivates_and_reactivates_with_its_state() {
        let (rt, _) = runtime(30_000, 50);
        let mut first = 0;
        for expected in 1..=3 {
            let (count, instance) = incr(&rt, "k").await;
            assert_eq!(count, expected);
            first = instance;
        }
        assert!(rt.is_active("k"));
        wait_until_inactive(&rt, "k").await;
        assert_eq!(rt.activation_count(), 0);
        let (count, instance) = incr(&rt, "k").await;
        assert_eq!(count, 4, "state restored from passivation");
        assert_ne!(instance, first, "a new activation");
        assert_eq!(rt.activation_count(), 1);
    }

    #[tokio::test]
    async fn lease_is_taken_renewed_and_released() {
        let (rt, directory) = runtime(60, 400);
        let reference = AddressableReference::new("test.counter", "k");
        incr(&rt, "k").await;
        let first = directory.get_lease(&reference).await.unwrap().expect("lease recorded on activation");
        assert_eq!(first.node_id, NodeId::new("node-a"));
        assert!(first.activation_id > 0);
        assert!(first.expires_at > first.created_at);

        tokio::time::sleep(Duration::from_millis(120)).await;
        let renewed = directory.get_lease(&reference).await.unwrap().expect("lease kept while active");
        assert!(renewed.expires_at > first.expires_at, "renewal moves the expiry forward");
        assert_eq!(renewed.activation_id, first.activation_id);
        assert_eq!(renewed.created_at, first.created_at);

        wait_until_inactive(&rt, "k").await;
        assert_eq!(directory.get_lease(&reference).await.unwrap(), None, "released on deactivation");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_message_or_state_is_lost_across_rapid_deactivations() {
        // An idle timeout of 1 ms makes activations end between almost every message.
        let (rt, directory) = runtime(30_000, 1);
        let senders = 8;
        let per_sender = 200;
        let tasks: Vec<_> = (0..senders)
            .map(|i| {
                let rt = rt.clone();
                tokio::spawn(async move {
                    let mut last = 0;
                    let mut instances = std::collections::BTreeSet::new();
                    for j in 0..per_sender {
                        let (count, instance) = incr(&rt, "k").await;
                        assert!(count > last, "count only grows");
                        last = count;
                        instances.insert(instance);
                        // Gaps around the idle timeout, so messages race deactivations.
                        match (i + j) % 4 {
                            0 => tokio::task::yield_now().await,
                            gap => tokio::time::sleep(Duration::from_millis(gap)).await,
                        }
                    }
                    instances
                })
            })
            .collect();
        let mut instances = std::collections::BTreeSet::new();
        for task in tasks {
            instances.extend(task.await.unwrap());
        }
        println!("{} activations served {} messages", instances.len(), senders * per_sender);
        wait_until_inactive(&rt, "k").await;
        let (count, instance) = incr(&rt, "k").await;
        assert_eq!(count, senders * per_sender + 1);
        assert!(!instances.contains(&instance), "reactivated after going idle");
        wait_until_inactive(&rt, "k").await;
        assert!(directory.list_all_leases().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn shutdown_passivates_and_releases_everything() {
        let (rt, directory) = runtime(30_000, 60_000);
        for key in ["a", "b", "c"] {
            incr(&rt, key).await;
        }
        // Queued but not yet handled messages are still handled.
        let pending = rt.request("a", Incr).unwrap();
        assert_eq!(directory.list_node_leases(&NodeId::new("node-a")).await.unwrap().len(), 3);
        rt.shutdown().await;
        assert_eq!(pending.wait().await.unwrap().0, 2);
        assert_eq!(rt.activation_count(), 0);
        assert!(directory.list_all_leases().await.unwrap().is_empty());
        assert!(!rt.is_running());
        assert_eq!(rt.request("a", Incr).err(), Some(ActorError::ShutDown));
        assert_eq!(rt.shared.states.get("a").map(|s| *s.lock()), Some(2));
    }
}
