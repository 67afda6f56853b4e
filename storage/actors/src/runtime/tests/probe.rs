//! A test actor that says when it served each message and can be held in the middle of
//! one, and "nodes": runtimes over one shared lease directory, each with its own
//! activation log and, optionally, a fence.

use super::*;
use crate::runtime::{ActivationLog, FenceSignal, RuntimeHooks};

pub(super) struct Probe {
    count: u64,
}

pub(super) enum ProbeMsg {
    Incr(oneshot::Sender<Served>),
    /// Says it is holding, then blocks its activation until the other end lets go.
    Hold(oneshot::Sender<()>, std::sync::mpsc::Receiver<()>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Served {
    pub count: u64,
    pub at: std::time::Instant,
}

impl Actor for Probe {
    type Message = ProbeMsg;
    type State = u64;
    const TYPE: &'static str = "test.probe";

    fn activate(_key: &str, saved: Option<u64>) -> Self {
        Probe { count: saved.unwrap_or(0) }
    }

    fn handle(&mut self, msg: ProbeMsg) {
        match msg {
            ProbeMsg::Incr(reply) => {
                self.count += 1;
                let _ = reply.send(Served { count: self.count, at: std::time::Instant::now() });
            }
            ProbeMsg::Hold(holding, release) => {
                let _ = holding.send(());
                let _ = release.recv();
            }
        }
    }

    fn passivate(&mut self) -> u64 {
        self.count
    }
}

pub(super) struct Node {
    pub rt: ActorRuntime<Probe>,
    pub log: Arc<ActivationLog>,
}

pub(super) fn node(
    name: &str,
    directory: &Arc<MemoryDirectory>,
    fence: Option<Arc<dyn FenceSignal>>,
    lease_ms: u64,
) -> Node {
    let config = ActorRuntimeConfig {
        node_id: NodeId::new(name),
        lease_duration: Duration::from_millis(lease_ms),
        idle_timeout: Duration::from_secs(60),
        skew_margin: Duration::from_millis(10),
    };
    let log = Arc::new(ActivationLog::new());
    let hooks = RuntimeHooks { fence, activation_sink: Some(log.clone()) };
    Node { rt: ActorRuntime::with_hooks(config, directory.clone(), hooks), log }
}

/// One increment; a refusal when queuing or when serving is the error either way.
pub(super) async fn incr(rt: &ActorRuntime<Probe>, key: &str) -> Result<Served, ActorError> {
    rt.request(key, ProbeMsg::Incr)?.wait().await
}

pub(super) async fn incr_with_token(rt: &ActorRuntime<Probe>, key: &str, token: u64) -> Result<Served, ActorError> {
    rt.request_with_token(key, token, ProbeMsg::Incr)?.wait().await
}

/// Blocks the actor's activation inside a message; dropping the answer lets it go on.
pub(super) async fn hold(rt: &ActorRuntime<Probe>, key: &str) -> std::sync::mpsc::Sender<()> {
    let (holding_tx, holding_rx) = oneshot::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    rt.send(key, ProbeMsg::Hold(holding_tx, release_rx)).expect("queued");
    holding_rx.await.expect("the actor holds");
    release_tx
}

pub(super) async fn wait_until_inactive(rt: &ActorRuntime<Probe>, key: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while rt.is_active(key) {
        assert!(Instant::now() < deadline, "actor {key} never stopped");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
