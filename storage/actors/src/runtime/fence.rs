//! The node's self-fence as the actor runtime sees it.
//!
//! A node whose membership could not be renewed in time must stop serving its actors even
//! if it is only paused or partitioned: another node may take their leases over. The
//! runtime asks a [`FenceSignal`] before it serves each message and before it starts an
//! activation, and a watcher task stops every activation once the signal says fenced.
//! The cluster membership (storage/leases' `EtcdMembership::is_fenced` /
//! `self_fence_deadline`) is the real signal; [`FenceSwitch`] and [`DeadlineFence`] are
//! simple ones for tests and for feeding the runtime from elsewhere.

use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often the watcher looks at the signal when no deadline tells it when to look.
pub(crate) const FENCE_POLL: Duration = Duration::from_millis(50);

/// Tells whether this node may serve its actors.
pub trait FenceSignal: Send + Sync + 'static {
    /// True when the node must not serve at `now` (monotonic clock).
    fn is_fenced(&self, now: Instant) -> bool;
    /// The instant from which the node is fenced unless a renewal moves it; `None` when
    /// there is no such deadline (only [`FenceSignal::is_fenced`] tells).
    fn deadline(&self) -> Option<Instant> {
        None
    }
}

/// A fence set and lifted by hand.
#[derive(Debug, Default)]
pub struct FenceSwitch {
    fenced: AtomicBool,
}

impl FenceSwitch {
    pub fn new() -> FenceSwitch {
        FenceSwitch::default()
    }

    /// From now on the node serves nothing.
    pub fn fence(&self) {
        self.fenced.store(true, Ordering::SeqCst);
    }

    pub fn lift(&self) {
        self.fenced.store(false, Ordering::SeqCst);
    }
}

impl FenceSignal for FenceSwitch {
    fn is_fenced(&self, _now: Instant) -> bool {
        self.fenced.load(Ordering::SeqCst)
    }
}

/// A flag kept by someone else: `true` means fenced.
impl FenceSignal for watch::Receiver<bool> {
    fn is_fenced(&self, _now: Instant) -> bool {
        *self.borrow()
    }
}

/// A fence at a deadline that renewals move forward, like the membership's
/// `last acknowledged renewal + TTL - margin`; [`DeadlineFence::lose`] fences for good.
#[derive(Debug)]
pub struct DeadlineFence {
    state: Mutex<(Instant, bool)>,
}

impl DeadlineFence {
    /// Fenced from `deadline` on.
    pub fn new(deadline: Instant) -> DeadlineFence {
        DeadlineFence { state: Mutex::new((deadline, false)) }
    }

    /// A renewal was acknowledged: fenced from `deadline` on (which may lift the fence).
    pub fn renewed_until(&self, deadline: Instant) {
        let mut state = self.state.lock();
        if !state.1 {
            state.0 = deadline;
        }
    }

    /// The membership is gone: fenced from now on, whatever renews.
    pub fn lose(&self) {
        self.state.lock().1 = true;
    }
}

impl FenceSignal for DeadlineFence {
    fn is_fenced(&self, now: Instant) -> bool {
        let (deadline, lost) = *self.state.lock();
        lost || now >= deadline
    }

    fn deadline(&self) -> Option<Instant> {
        Some(self.state.lock().0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_fence_moves_with_renewals_until_lost() {
        let t = Instant::now();
        let fence = DeadlineFence::new(t + Duration::from_millis(10));
        assert!(!fence.is_fenced(t));
        assert!(fence.is_fenced(t + Duration::from_millis(10)));
        fence.renewed_until(t + Duration::from_millis(20));
        assert!(!fence.is_fenced(t + Duration::from_millis(10)), "a renewal lifts the fence");
        assert_eq!(fence.deadline(), Some(t + Duration::from_millis(20)));
        fence.lose();
        assert!(fence.is_fenced(t));
        fence.renewed_until(t + Duration::from_millis(30));
        assert!(fence.is_fenced(t), "lost for good");
    }

    #[test]
    fn a_watched_flag_and_a_switch_fence_while_set() {
        let (tx, rx) = watch::channel(false);
        let now = Instant::now();
        assert!(!rx.is_fenced(now));
        tx.send_replace(true);
        assert!(rx.is_fenced(now));
        let switch = FenceSwitch::new();
        switch.fence();
        assert!(switch.is_fenced(now));
        switch.lift();
        assert!(!switch.is_fenced(now));
    }
}
