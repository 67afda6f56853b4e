//! One activation: the task that owns an actor and its receiver, takes and renews its
//! lease, admits each message at the moment it serves it (lease still valid on the local
//! clock, fencing token, fence) and reports its interval to the activation sink.

use super::*;
use crate::runtime::activation_log::{ActivationRecord, EndReason};
use tokio::time::sleep_until;
use tracing::warn;

type Receiver<M> = mpsc::UnboundedReceiver<Envelope<M>>;

/// Decrements the live-task count however the activation task ends (panics included).
struct TaskGuard<A: Actor>(Arc<Shared<A>>);

impl<A: Actor> Drop for TaskGuard<A> {
    fn drop(&mut self) {
        if self.0.live_tasks.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.tasks_done.notify_waiters();
        }
    }
}

/// Why a message is not served.
enum Refusal {
    /// This message only.
    Message(ActorError),
    /// The activation stops: this message gets `this`, every queued one `rest`.
    Activation { this: ActorError, rest: ActorError, reason: EndReason },
}

impl Refusal {
    fn stop(error: ActorError, reason: EndReason) -> Refusal {
        Refusal::Activation { this: error.clone(), rest: error, reason }
    }
}

pub(super) struct Activation<A: Actor> {
    pub(super) shared: Arc<Shared<A>>,
    pub(super) key: String,
    pub(super) activation_id: u64,
    pub(super) reference: AddressableReference,
    pub(super) created_at: i64,
    /// The lease this activation holds: its version and fencing token.
    pub(super) grant: Option<VersionedLease>,
    /// When the lease stops being valid on the local monotonic clock: the moment its last
    /// grant or renewal was requested, plus its duration minus the skew margin.
    pub(super) serve_until: Instant,
    /// The interval being served, as reported to the sink.
    pub(super) interval: Option<ActivationRecord>,
}

impl<A: Actor> Activation<A> {
    pub(super) async fn run(mut self, mut rx: Receiver<A::Message>) {
        let _guard = TaskGuard(self.shared.clone());
        let mut shutdown = self.shared.shutdown.subscribe();
        let mut fenced = self.shared.fenced.subscribe();
        if self.shared.fenced_now() {
            self.refuse_queued(self.shared.fenced_error(), &mut rx);
            return;
        }
        if let Err(refused) = self.take_lease().await {
            self.refuse_queued(refused, &mut rx);
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
                // The sender lives in `shared`, which this task holds: never closed.
                _ = fenced.changed() => {
                    if self.shared.fenced_now() {
                        self.end_refusing(actor, rx, self.shared.fenced_error(), EndReason::Fenced);
                        return;
                    }
                }
                _ = sleep_until(renew_at) => {
                    let renewed = self.renew_lease().await;
                    let lost = match renewed {
                        Err(lost) => Some(lost),
                        // Renewals kept failing until the lease ran out.
                        Ok(false) if Instant::now() >= self.serve_until => Some(self.lease_lost()),
                        Ok(_) => None,
                    };
                    if let Some(lost) = lost {
                        self.end_refusing(actor, rx, lost, EndReason::LeaseLost);
                        return;
                    }
                    renew_at = Instant::now() + renew_every;
                }
                msg = rx.recv() => match msg {
                    Some(envelope) => match self.admit(envelope.token).await {
                        Ok(()) => {
                            actor.handle(envelope.msg);
                            last_message = Instant::now();
                        }
                        Err(Refusal::Message(error)) => envelope.refuse(error),
                        Err(Refusal::Activation { this, rest, reason }) => {
                            envelope.refuse(this);
                            self.end_refusing(actor, rx, rest, reason);
                            return;
                        }
                    },
                    // Unreachable while our handle is in the map; end cleanly anyway.
                    None => {
                        self.stop(actor, rx).await;
                        return;
                    }
                },
                _ = sleep_until(last_message + idle_timeout) => {
                    match self.try_deactivate(actor, &mut rx).await {
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

    /// Whether the message may be served now: the sender's fencing token this activation's,
    /// the node not fenced, the lease valid on the local clock (renewed first when it ran
    /// out). The fence and the lease are judged at one instant, just before serving.
    async fn admit(&mut self, token: Option<u64>) -> Result<(), Refusal> {
        let mut now = std::time::Instant::now();
        if self.shared.fenced_at(now) {
            return Err(self.fenced_refusal());
        }
        let current = self.grant.as_ref().map_or(0, |g| g.fencing_token);
        match token {
            Some(sent) if sent < current => {
                self.shared.counters.stale_token.fetch_add(1, Ordering::Relaxed);
                return Err(Refusal::Message(ActorError::StaleToken {
                    actor: self.reference.to_string(),
                    current,
                    sent,
                }));
            }
            Some(sent) if sent > current => {
                self.shared.counters.not_owner.fetch_add(1, Ordering::Relaxed);
                let this = ActorError::NotOwner {
                    actor: self.reference.to_string(),
                    node: self.shared.config.node_id.to_string(),
                    current,
                    sent,
                };
                // Someone acquired the key after this activation did: look at the lease now.
                return Err(match self.renew_lease().await {
                    Ok(_) => Refusal::Message(this),
                    Err(lost) => Refusal::Activation { this, rest: lost, reason: EndReason::LeaseLost },
                });
            }
            _ => {}
        }
        // A renewal that succeeds makes the lease valid again; a few tries cover a task
        // that was descheduled right after renewing.
        for attempt in 0..3 {
            // The first try judges the lease at the instant the fence was judged above.
            if attempt > 0 {
                now = std::time::Instant::now();
                if self.shared.fenced_at(now) {
                    return Err(self.fenced_refusal());
                }
            }
            if Instant::from_std(now) < self.serve_until {
                if let Some(interval) = &mut self.interval {
                    interval.served += 1;
                    interval.last_served = Some(now);
                }
                return Ok(());
            }
            match self.renew_lease().await {
                Ok(true) => {}
                // The directory does not answer and the lease ran out here.
                Ok(false) => break,
                Err(lost) => return Err(Refusal::stop(lost, EndReason::LeaseLost)),
            }
        }
        Err(Refusal::stop(self.lease_lost(), EndReason::LeaseLost))
    }

    fn fenced_refusal(&self) -> Refusal {
        self.shared.counters.fenced.fetch_add(1, Ordering::Relaxed);
        Refusal::stop(self.shared.fenced_error(), EndReason::Fenced)
    }

    fn lease_lost(&self) -> ActorError {
        ActorError::LeaseLost(self.reference.to_string())
    }

    /// Passivates, releases the lease and leaves the map if no message is waiting.
    /// Returns the actor again (restored from its state) when a message arrived meanwhile.
    async fn try_deactivate(&mut self, mut actor: A, rx: &mut Receiver<A::Message>) -> Option<A> {
        self.store_state(actor.passivate());
        self.end_interval(EndReason::Idle, std::time::Instant::now());
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
        if self.shared.fenced_now() {
            self.refuse_queued(self.shared.fenced_error(), rx);
            return None;
        }
        if let Err(refused) = self.take_lease().await {
            self.refuse_queued(refused, rx);
            return None;
        }
        let actor = A::activate(&self.key, self.take_state());
        debug!(addressable_type = A::TYPE, key = %self.key, activation_id = id, "actor kept active: message arrived while deactivating");
        Some(actor)
    }

    /// Shutdown or drain: leave the map, handle what is queued, passivate, release the lease.
    async fn stop(&mut self, mut actor: A, mut rx: Receiver<A::Message>) {
        let id = self.activation_id;
        self.shared.actors.remove_if(&self.key, |_, handle| handle.activation_id == id);
        rx.close();
        while let Ok(envelope) = rx.try_recv() {
            match self.admit(envelope.token).await {
                Ok(()) => actor.handle(envelope.msg),
                Err(Refusal::Message(error)) => envelope.refuse(error),
                Err(Refusal::Activation { this, rest, reason }) => {
                    envelope.refuse(this);
                    self.end_refusing(actor, rx, rest, reason);
                    return;
                }
            }
        }
        self.store_state(actor.passivate());
        let draining = *self.shared.mode.read() == Mode::Draining;
        let reason = if draining { EndReason::Drained } else { EndReason::Shutdown };
        self.end_interval(reason, std::time::Instant::now());
        let token = self.grant.as_ref().map(|g| g.fencing_token);
        let released = self.release_lease().await;
        if let (true, Some(fencing_token)) = (draining, token) {
            self.shared.handed_over.lock().push(HandedOver { key: self.key.clone(), fencing_token, released });
        }
        debug!(addressable_type = A::TYPE, key = %self.key, activation_id = id, ?reason, "actor deactivated");
    }

    /// Stops serving for `reason`: keeps the state, closes the interval (at the instant
    /// the activation could no longer serve), refuses what is queued with `error`. The
    /// lease is left alone: it is lost, or the node is fenced and must not act on the directory.
    fn end_refusing(&mut self, mut actor: A, mut rx: Receiver<A::Message>, error: ActorError, reason: EndReason) {
        let now = std::time::Instant::now();
        let ended = match reason {
            EndReason::Fenced => {
                self.shared.hooks.fence.as_ref().and_then(|f| f.deadline()).map_or(now, |d| d.min(now))
            }
            EndReason::LeaseLost => self.serve_until.into_std().min(now),
            _ => now,
        };
        self.store_state(actor.passivate());
        self.end_interval(reason, ended);
        if let (EndReason::Fenced, Some(grant)) = (reason, &self.grant) {
            self.shared.left_behind.lock().insert(self.key.clone(), grant.clone());
        }
        self.refuse_queued(error, &mut rx);
    }

    fn take_state(&self) -> Option<A::State> {
        self.shared.states.remove(&self.key).map(|(_, state)| state.into_inner())
    }

    fn store_state(&self, state: A::State) {
        self.shared.states.insert(self.key.clone(), Mutex::new(state));
    }

    fn report(&self, record: &ActivationRecord) {
        if let Some(sink) = &self.shared.hooks.activation_sink {
            sink.record(record);
        }
    }

    fn start_interval(&mut self, fencing_token: u64) {
        let record = ActivationRecord {
            actor: self.reference.to_string(),
            node: self.shared.config.node_id.clone(),
            activation_id: self.activation_id,
            fencing_token,
            started: std::time::Instant::now(),
            ended: None,
            end: None,
            last_served: None,
            served: 0,
        };
        self.report(&record);
        self.interval = Some(record);
    }

    fn end_interval(&mut self, reason: EndReason, ended: std::time::Instant) {
        if let Some(mut record) = self.interval.take() {
            record.ended = Some(ended.max(record.started));
            record.end = Some(reason);
            self.report(&record);
        }
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

    /// How long a granted lease may be served on: its duration minus the skew margin, or
    /// half its duration when the margin is not shorter than the lease.
    fn validity(&self) -> Duration {
        let config = &self.shared.config;
        match config.lease_duration.checked_sub(config.skew_margin) {
            Some(validity) if !validity.is_zero() => validity,
            _ => config.lease_duration / 2,
        }
    }

    /// Acquires the lease by compare-and-swap; a live lease of another node (or a
    /// directory that cannot answer) refuses the activation.
    async fn take_lease(&mut self) -> Result<(), ActorError> {
        self.created_at = now_millis();
        let margin = i64::try_from(self.shared.config.skew_margin.as_millis()).unwrap_or(i64::MAX);
        let actor = self.reference.to_string();
        let sent = Instant::now();
        let outcome = acquire_lease(self.shared.directory.as_ref(), &self.lease(), now_millis(), margin).await;
        match outcome {
            Ok(AcquireOutcome::Acquired(granted)) => {
                self.shared.tokens.insert(self.key.clone(), granted.fencing_token);
                self.shared.left_behind.lock().remove(&self.key);
                self.serve_until = sent + self.validity();
                self.start_interval(granted.fencing_token);
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

    /// Extends the lease if it is still ours (true); an error means it was taken over. A
    /// directory that does not answer (false) leaves the lease as it was: the activation
    /// serves until its local validity ends, and tries again at the next renewal.
    async fn renew_lease(&mut self) -> Result<bool, ActorError> {
        let Some(grant) = &self.grant else { return Err(self.lease_lost()) };
        let sent = Instant::now();
        match self.shared.directory.renew_if_owner(&self.lease(), &grant.version).await {
            Ok(RenewOutcome::Renewed(renewed)) => {
                self.grant = Some(renewed);
                self.serve_until = sent + self.validity();
                Ok(true)
            }
            Ok(RenewOutcome::NotOwner(holder)) => {
                warn!(addressable = %self.reference, holder = ?holder.map(|h| h.lease.node_id), "actor lease taken over; stopping");
                Err(self.lease_lost())
            }
            Err(e) => {
                warn!(addressable = %self.reference, error = %e, "could not renew actor lease");
                Ok(false)
            }
        }
    }

    /// Releases the lease by compare-and-swap; true when it was ours and is gone.
    async fn release_lease(&mut self) -> bool {
        self.shared.tokens.remove_if(&self.key, |_, t| Some(*t) == self.grant.as_ref().map(|g| g.fencing_token));
        let Some(grant) = self.grant.take() else { return false };
        match self.shared.directory.release_if_owner(&self.reference, &grant.version).await {
            Ok(true) => true,
            Ok(false) => {
                warn!(addressable = %self.reference, "actor lease was no longer ours at release");
                false
            }
            Err(e) => {
                warn!(addressable = %self.reference, error = %e, "could not release actor lease");
                false
            }
        }
    }

    /// Leaves the map and answers every queued message with `error`.
    fn refuse_queued(&mut self, error: ActorError, rx: &mut Receiver<A::Message>) {
        let id = self.activation_id;
        debug!(addressable = %self.reference, activation_id = id, %error, "actor activation refused");
        self.shared.tokens.remove_if(&self.key, |_, t| Some(*t) == self.grant.as_ref().map(|g| g.fencing_token));
        self.grant = None;
        rx.close();
        self.shared.actors.remove_if(&self.key, |_, handle| handle.activation_id == id);
        let fenced = matches!(error, ActorError::Fenced { .. });
        while let Ok(envelope) = rx.try_recv() {
            if fenced {
                self.shared.counters.fenced.fetch_add(1, Ordering::Relaxed);
            }
            envelope.refuse(error.clone());
        }
    }
}
