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
//! Every message is admitted at the moment it is served, not only when it is queued:
//! the activation's lease must still be valid on the local monotonic clock (renewed
//! inline if it ran out), a fencing token the sender carries must be the activation's
//! ([`ActorError::StaleToken`] for an older one, [`ActorError::NotOwner`] for a newer one),
//! and the node must not be fenced ([`fence`]; [`ActorError::Fenced`]). A fenced node
//! stops every activation and starts none; once the fence lifts, the next message starts
//! a new activation, which takes the lease again by compare-and-swap. [`ActorRuntime::drain`]
//! hands every actor over: passivated, its lease released. Activations are reported to an
//! optional [`ActivationSink`] ([`activation_log`]).
//!
//! Exactly one activation per key exists at a time. The map from key to activation holds
//! the only sender of each activation's channel, and every send happens while holding
//! that map entry's lock, so no sender ever escapes. An idle activation removes its own
//! map entry only if, under the same lock, its channel is empty; otherwise it keeps
//! serving. Hence every message is handled by exactly one activation, and because state
//! is stored before the entry is removed, the next activation always finds it.

pub mod activation_log;
pub mod fence;
mod serving;

pub use activation_log::{overlapping_intervals, ActivationLog, ActivationRecord, ActivationSink, EndReason};
pub use fence::{DeadlineFence, FenceSignal, FenceSwitch};

use crate::lease::{
    acquire_lease, now_millis, AcquireOutcome, AddressableDirectoryProvider, AddressableLease, AddressableReference,
    NodeId, RenewOutcome, VersionedLease,
};
use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;
use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch, Notify};
use tokio::time::Instant;
use tracing::debug;

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
    /// (covers clock skew between nodes). An activation serves only until its lease's
    /// duration minus this margin (half the duration if the margin is not shorter) has
    /// passed since the lease was last granted or renewed.
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

/// What a runtime can be given beyond its configuration.
#[derive(Clone, Default)]
pub struct RuntimeHooks {
    /// The node's self-fence; without one the node is never fenced.
    pub fence: Option<Arc<dyn FenceSignal>>,
    /// Where activations are reported.
    pub activation_sink: Option<Arc<dyn ActivationSink>>,
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
    #[error("node {node} is fenced (its cluster membership lapsed): it serves no actor")]
    Fenced { node: String },
    #[error("node {node} is draining: its actors are handed over to other nodes")]
    Draining { node: String },
    #[error("message to actor {actor} carries fencing token {sent}, older than the current {current}: refresh the placement")]
    StaleToken { actor: String, current: u64, sent: u64 },
    #[error("message to actor {actor} carries fencing token {sent}, newer than node {node}'s {current}: node {node} no longer owns it")]
    NotOwner { actor: String, node: String, current: u64, sent: u64 },
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
    /// Why the message was refused, once it has been.
    refusal: Arc<OnceLock<ActorError>>,
}

impl<R> Reply<R> {
    pub async fn wait(self) -> Result<R, ActorError> {
        let Reply { rx, actor, refusal } = self;
        rx.await.map_err(|_| refusal.get().cloned().unwrap_or(ActorError::NoReply(actor)))
    }
}

/// A queued message: the fencing token its sender believes current, and where to say why
/// it was refused (set before the message, and so its reply sender, is dropped).
struct Envelope<M> {
    msg: M,
    token: Option<u64>,
    refusal: Option<Arc<OnceLock<ActorError>>>,
}

impl<M> Envelope<M> {
    fn refuse(self, error: ActorError) {
        if let Some(cell) = &self.refusal {
            let _ = cell.set(error);
        }
    }
}

struct Handle<M> {
    tx: mpsc::UnboundedSender<Envelope<M>>,
    activation_id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Running,
    Draining,
    ShutDown,
}

/// Refusals counted by the runtime (for metrics and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefusalCounts {
    pub fenced: u64,
    pub stale_token: u64,
    pub not_owner: u64,
}

#[derive(Default)]
struct Counters {
    fenced: AtomicU64,
    stale_token: AtomicU64,
    not_owner: AtomicU64,
}

/// An actor handed over by [`ActorRuntime::drain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandedOver {
    pub key: String,
    /// The fencing token of the lease it released.
    pub fencing_token: u64,
    /// False when the lease could not be released (no longer ours, or the directory failed):
    /// a survivor then waits for its expiry.
    pub released: bool,
}

/// What [`ActorRuntime::drain`] handed over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainReport {
    pub handed_over: Vec<HandedOver>,
}

struct Shared<A: Actor> {
    config: ActorRuntimeConfig,
    directory: Arc<dyn AddressableDirectoryProvider>,
    hooks: RuntimeHooks,
    actors: DashMap<String, Handle<A::Message>>,
    /// Passivated state by key; a `Mutex` only so that `A::State` need not be `Sync`.
    states: DashMap<String, Mutex<A::State>>,
    /// Sends hold the read side; shutdown and drain flip it under the write side.
    mode: RwLock<Mode>,
    shutdown: watch::Sender<bool>,
    /// Flipped by the fence watcher; activations re-check the signal when it changes.
    fenced: watch::Sender<bool>,
    next_activation_id: AtomicU64,
    live_tasks: AtomicUsize,
    tasks_done: Notify,
    /// The fencing token of each active actor's lease.
    tokens: DashMap<String, u64>,
    counters: Counters,
    handed_over: Mutex<Vec<HandedOver>>,
    /// Leases of activations stopped by the fence, left in the directory (a fenced node
    /// does not act on it): taken over by the key's next activation here, or released by
    /// [`ActorRuntime::drain`].
    left_behind: Mutex<HashMap<String, VersionedLease>>,
}

impl<A: Actor> Shared<A> {
    fn fenced_now(&self) -> bool {
        self.fenced_at(std::time::Instant::now())
    }

    fn fenced_at(&self, now: std::time::Instant) -> bool {
        self.hooks.fence.as_ref().is_some_and(|fence| fence.is_fenced(now))
    }

    fn fenced_error(&self) -> ActorError {
        ActorError::Fenced { node: self.config.node_id.to_string() }
    }
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
        Self::with_hooks(config, directory, RuntimeHooks::default())
    }

    /// A runtime with a fence and/or an activation sink. Must be called within a tokio
    /// runtime when a fence is given (its watcher is a task).
    pub fn with_hooks(
        config: ActorRuntimeConfig,
        directory: Arc<dyn AddressableDirectoryProvider>,
        hooks: RuntimeHooks,
    ) -> Self {
        let (shutdown, _) = watch::channel(false);
        let (fenced, _) = watch::channel(false);
        let fence = hooks.fence.clone();
        let runtime = ActorRuntime {
            shared: Arc::new(Shared {
                config,
                directory,
                hooks,
                actors: DashMap::new(),
                states: DashMap::new(),
                mode: RwLock::new(Mode::Running),
                shutdown,
                fenced,
                next_activation_id: AtomicU64::new(0),
                live_tasks: AtomicUsize::new(0),
                tasks_done: Notify::new(),
                tokens: DashMap::new(),
                counters: Counters::default(),
                handed_over: Mutex::new(Vec::new()),
                left_behind: Mutex::new(HashMap::new()),
            }),
        };
        if let Some(fence) = fence {
            tokio::spawn(watch_fence(Arc::downgrade(&runtime.shared), fence));
        }
        runtime
    }

    pub fn config(&self) -> &ActorRuntimeConfig {
        &self.shared.config
    }

    /// True when the runtime was given a fence (the node is a cluster member).
    pub fn has_fence(&self) -> bool {
        self.shared.hooks.fence.is_some()
    }

    /// Delivers `msg` to the actor `key`, activating it if needed. Must be called within
    /// a tokio runtime.
    pub fn send(&self, key: &str, msg: A::Message) -> Result<(), ActorError> {
        self.deliver(key, Envelope { msg, token: None, refusal: None })
    }

    /// [`Self::send`] for a message carrying the fencing token its sender believes current:
    /// the activation refuses it unless that is its own token.
    pub fn send_with_token(&self, key: &str, token: u64, msg: A::Message) -> Result<(), ActorError> {
        self.deliver(key, Envelope { msg, token: Some(token), refusal: None })
    }

    /// Queues the envelope on the actor's activation, starting one if needed.
    fn deliver(&self, key: &str, envelope: Envelope<A::Message>) -> Result<(), ActorError> {
        let mode = self.shared.mode.read();
        match *mode {
            Mode::Running => {}
            Mode::Draining => return Err(ActorError::Draining { node: self.shared.config.node_id.to_string() }),
            Mode::ShutDown => return Err(ActorError::ShutDown),
        }
        if self.shared.fenced_now() {
            self.shared.counters.fenced.fetch_add(1, Ordering::Relaxed);
            return Err(self.shared.fenced_error());
        }
        // Fast path: the actor is active; a read lock on its map shard is enough.
        let envelope = match self.shared.actors.get(key) {
            Some(handle) => match handle.tx.send(envelope) {
                Ok(()) => return Ok(()),
                Err(mpsc::error::SendError(envelope)) => envelope,
            },
            None => envelope,
        };
        match self.shared.actors.entry(key.to_owned()) {
            Entry::Occupied(mut entry) => {
                if let Err(mpsc::error::SendError(envelope)) = entry.get().tx.send(envelope) {
                    // An activation that refused or lost its lease, or panicked, has
                    // closed its channel before leaving the map.
                    debug!(addressable_type = A::TYPE, key, "actor activation ended; starting a new one");
                    entry.insert(self.start_activation(key, envelope));
                }
            }
            Entry::Vacant(entry) => {
                entry.insert(self.start_activation(key, envelope));
            }
        }
        drop(mode);
        Ok(())
    }

    /// Sends the message built by `make` around a fresh reply channel. The message is
    /// sent before this returns, so the order of requests is the order of calls.
    pub fn request<R>(
        &self,
        key: &str,
        make: impl FnOnce(oneshot::Sender<R>) -> A::Message,
    ) -> Result<Reply<R>, ActorError> {
        self.request_inner(key, None, make)
    }

    /// [`Self::request`] for a message carrying the fencing token its sender believes
    /// current: refused with [`ActorError::StaleToken`] (holding the current token) when it
    /// is older than the activation's, [`ActorError::NotOwner`] when it is newer.
    pub fn request_with_token<R>(
        &self,
        key: &str,
        token: u64,
        make: impl FnOnce(oneshot::Sender<R>) -> A::Message,
    ) -> Result<Reply<R>, ActorError> {
        self.request_inner(key, Some(token), make)
    }

    fn request_inner<R>(
        &self,
        key: &str,
        token: Option<u64>,
        make: impl FnOnce(oneshot::Sender<R>) -> A::Message,
    ) -> Result<Reply<R>, ActorError> {
        let (tx, rx) = oneshot::channel();
        let refusal = Arc::new(OnceLock::new());
        self.deliver(key, Envelope { msg: make(tx), token, refusal: Some(refusal.clone()) })?;
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

    /// The keys of the actors active right now (the shards this node owns), sorted.
    pub fn active_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.shared.actors.iter().map(|entry| entry.key().clone()).collect();
        keys.sort();
        keys
    }

    pub fn is_active(&self, key: &str) -> bool {
        self.shared.actors.contains_key(key)
    }

    pub fn is_running(&self) -> bool {
        *self.shared.mode.read() == Mode::Running
    }

    /// Whether the node's fence says it must not serve right now.
    pub fn is_fenced(&self) -> bool {
        self.shared.fenced_now()
    }

    /// Messages refused so far because of the fence or a fencing token.
    pub fn refusal_counts(&self) -> RefusalCounts {
        let c = &self.shared.counters;
        RefusalCounts {
            fenced: c.fenced.load(Ordering::Relaxed),
            stale_token: c.stale_token.load(Ordering::Relaxed),
            not_owner: c.not_owner.load(Ordering::Relaxed),
        }
    }

    /// Stops accepting messages and tells every activation to wind down (as
    /// [`Self::shutdown`] does) without waiting for it.
    pub fn begin_shutdown(&self) {
        {
            let mut mode = self.shared.mode.write();
            if *mode == Mode::Running {
                *mode = Mode::ShutDown;
            }
        }
        self.shared.shutdown.send_replace(true);
    }

    /// Stops accepting messages, lets every activation handle what it already received,
    /// passivate and release its lease, and waits until all of them have ended.
    pub async fn shutdown(&self) {
        self.begin_shutdown();
        self.wait_for_tasks().await;
    }

    /// What SIGTERM does: stops accepting messages and activations (refused with
    /// [`ActorError::Draining`]), lets every activation handle what it already received,
    /// passivate into the state store and release its lease by compare-and-swap
    /// (`release_if_owner`), so that another node can activate it at once; returns the
    /// actors handed over.
    pub async fn drain(&self) -> DrainReport {
        {
            let mut mode = self.shared.mode.write();
            if *mode == Mode::Running {
                *mode = Mode::Draining;
            }
        }
        self.shared.shutdown.send_replace(true);
        self.wait_for_tasks().await;
        self.release_left_behind().await;
        let mut handed_over = std::mem::take(&mut *self.shared.handed_over.lock());
        handed_over.sort_by(|a, b| a.key.cmp(&b.key));
        DrainReport { handed_over }
    }

    /// Releases (by compare-and-swap) the leases that fenced activations left behind,
    /// unless the node is fenced still.
    async fn release_left_behind(&self) {
        if self.shared.fenced_now() {
            return;
        }
        let left: Vec<_> = self.shared.left_behind.lock().drain().collect();
        for (key, lease) in left {
            let reference = AddressableReference::new(A::TYPE, &key);
            let released = matches!(self.shared.directory.release_if_owner(&reference, &lease.version).await, Ok(true));
            self.shared.handed_over.lock().push(HandedOver { key, fencing_token: lease.fencing_token, released });
        }
    }

    async fn wait_for_tasks(&self) {
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
    fn start_activation(&self, key: &str, first: Envelope<A::Message>) -> Handle<A::Message> {
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = tx.send(first);
        debug_assert!(queued.is_ok(), "the receiver is alive");
        let activation_id = self.shared.next_activation_id.fetch_add(1, Ordering::Relaxed) + 1;
        self.shared.live_tasks.fetch_add(1, Ordering::SeqCst);
        let activation = serving::Activation::<A> {
            shared: self.shared.clone(),
            key: key.to_owned(),
            activation_id,
            reference: AddressableReference::new(A::TYPE, key),
            created_at: now_millis(),
            grant: None,
            serve_until: Instant::now(),
            interval: None,
        };
        tokio::spawn(activation.run(rx));
        Handle { tx, activation_id }
    }
}

/// Follows the fence signal and tells the activations when it may have changed: at its
/// deadline, and every [`fence::FENCE_POLL`] otherwise. Ends with the runtime.
async fn watch_fence<A: Actor>(shared: Weak<Shared<A>>, fence: Arc<dyn FenceSignal>) {
    loop {
        let now = std::time::Instant::now();
        let fenced = fence.is_fenced(now);
        let poll = now + fence::FENCE_POLL;
        let wake = match fence.deadline() {
            Some(deadline) if !fenced && deadline > now => deadline.min(poll),
            _ => poll,
        };
        {
            let Some(shared) = shared.upgrade() else { return };
            if *shared.mode.read() != Mode::Running && shared.live_tasks.load(Ordering::SeqCst) == 0 {
                return;
            }
            shared.fenced.send_if_modified(|state| std::mem::replace(state, fenced) != fenced);
        }
        tokio::time::sleep_until(wake.into()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lease::MemoryDirectory;

    mod fencing;
    mod handover;
    mod leases;
    mod probe;
    mod tokens;
    mod validity;

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
