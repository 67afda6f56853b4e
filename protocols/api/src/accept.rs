//! The accept loop every listener runs: [`serve_connections`].
//!
//! It accepts until the server shuts down and gives each connection a connection id
//! (1, 2, 3, ... per listener; small enough for MySQL's 32-bit connection id for the
//! first four billion connections), its own task and a tracing span `connection` with
//! `protocol`, `conn_id` and `peer`. A connection over the cap
//! ([`AcceptOptions::max_connections`] or a shared [`ConnectionLimit`]) is handed to the
//! protocol's refusal callback ([`AcceptOptions::refuse_with`]), which answers in the
//! protocol's own form (PostgreSQL's FATAL 53300 after the startup packet, Redis's
//! `-ERR max number of clients reached`); refused connections do not count against the
//! cap. Accept errors (out of file descriptors, ...) are logged and retried after 100 ms,
//! a panicking connection task is logged with its connection id and never stops the
//! loop. On shutdown the listening socket is closed, open connections (which hold the
//! shutdown receiver and close when idle) get the drain timeout to finish, and the rest
//! are aborted; then `serve_connections` returns.
//!
//! The callbacks run in the accept loop, in connection-id order, inside the
//! connection's span; what they return is spawned. Keep their synchronous part short.

use crate::limit::ConnectionLimit;
use crate::{ListenerContext, ListenerError, Protocol};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{self, JoinError, JoinSet};
use tracing::Instrument;

/// How long stopping waits for open connections unless told otherwise.
pub const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The pause after a failed accept, so that running out of descriptors does not spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// One accepted connection, as the protocol's callbacks get it.
#[derive(Debug)]
pub struct Accepted {
    pub stream: TcpStream,
    pub peer: SocketAddr,
    /// Unique for this listener, starting at 1, never reused.
    pub conn_id: u64,
    /// Flips to `true` when the server shuts down: finish what is under way, then close.
    pub shutdown: watch::Receiver<bool>,
}

type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
type Refuse = Arc<dyn Fn(Accepted) -> Task + Send + Sync>;

/// How [`serve_connections`] admits, refuses and drains connections.
#[derive(Clone)]
pub struct AcceptOptions {
    protocol: Protocol,
    limit: ConnectionLimit,
    drain_timeout: Duration,
    nodelay: bool,
    refuse: Option<Refuse>,
}

impl AcceptOptions {
    /// No cap, a 5 s drain, TCP_NODELAY on, and refused connections simply closed.
    pub fn new(protocol: Protocol) -> AcceptOptions {
        AcceptOptions {
            protocol,
            limit: ConnectionLimit::unlimited(),
            drain_timeout: DEFAULT_DRAIN_TIMEOUT,
            nodelay: true,
            refuse: None,
        }
    }

    /// A fixed cap (`None`: no cap).
    pub fn max_connections(mut self, max: Option<usize>) -> AcceptOptions {
        self.limit = ConnectionLimit::new(max);
        self
    }

    /// A cap the protocol keeps a handle on, to read the open count or change the cap
    /// while the listener runs (Redis `CONFIG SET maxclients`).
    pub fn limit(mut self, limit: ConnectionLimit) -> AcceptOptions {
        self.limit = limit;
        self
    }

    /// How long shutdown waits for open connections before aborting them.
    pub fn drain_timeout(mut self, timeout: Duration) -> AcceptOptions {
        self.drain_timeout = timeout;
        self
    }

    /// Whether accepted sockets get TCP_NODELAY (on by default, as in PostgreSQL, MySQL
    /// and Redis).
    pub fn nodelay(mut self, on: bool) -> AcceptOptions {
        self.nodelay = on;
        self
    }

    /// What a connection over the cap gets, e.g. the protocol's "too many connections"
    /// error. The returned future runs as its own task (drained like the others) and
    /// should end quickly; without a callback the socket is closed at once.
    pub fn refuse_with<R, Fut>(mut self, refuse: R) -> AcceptOptions
    where
        R: Fn(Accepted) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.refuse = Some(Arc::new(move |conn| Box::pin(refuse(conn)) as Task));
        self
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The cap in force (shared with whoever passed it to [`AcceptOptions::limit`]).
    pub fn connection_limit(&self) -> &ConnectionLimit {
        &self.limit
    }
}

impl fmt::Debug for AcceptOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcceptOptions")
            .field("protocol", &self.protocol)
            .field("limit", &self.limit)
            .field("drain_timeout", &self.drain_timeout)
            .field("nodelay", &self.nodelay)
            .field("refuse", &self.refuse.as_ref().map(|_| "callback"))
            .finish()
    }
}

/// Accepts on `listener` until `ctx.shutdown` flips, running `handle` for every
/// admitted connection and the refusal callback for every connection over the cap,
/// then drains (see the module note). Returns `Ok(())` after a requested shutdown.
pub async fn serve_connections<F, Fut>(
    listener: TcpListener,
    mut ctx: ListenerContext,
    options: AcceptOptions,
    mut handle: F,
) -> Result<(), ListenerError>
where
    F: FnMut(Accepted) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let protocol = options.protocol.name();
    let mut tasks = Tasks::new(protocol);
    let mut next_id: u64 = 0;

    loop {
        tokio::select! {
            _ = ctx.shutdown_requested() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    next_id += 1;
                    let conn_id = next_id;
                    if options.nodelay {
                        let _ = stream.set_nodelay(true);
                    }
                    let conn = Accepted { stream, peer, conn_id, shutdown: ctx.shutdown.clone() };
                    let span = tracing::info_span!("connection", protocol = protocol, conn_id = conn_id, %peer);
                    match options.limit.try_acquire() {
                        Some(permit) => {
                            let served = span.in_scope(|| handle(conn));
                            let task = async move {
                                let _permit = permit;
                                tracing::debug!("connection accepted");
                                served.await;
                                tracing::debug!("connection closed");
                            };
                            tasks.spawn(conn_id, peer, task.instrument(span));
                        }
                        None => {
                            let max = options.limit.max();
                            span.in_scope(|| tracing::debug!(?max, "connection refused: too many connections"));
                            if let Some(refuse) = &options.refuse {
                                let refused = span.in_scope(|| refuse(conn));
                                tasks.spawn(conn_id, peer, refused.instrument(span));
                            }
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(protocol = protocol, error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                }
            },
            Some(joined) = tasks.set.join_next_with_id(), if !tasks.set.is_empty() => tasks.finished(joined),
        }
    }

    // New clients now get "connection refused" from the operating system.
    drop(listener);
    let drained = tokio::time::timeout(options.drain_timeout, async {
        while let Some(joined) = tasks.set.join_next_with_id().await {
            tasks.finished(joined);
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(protocol = protocol, open = tasks.set.len(), "closing connections still busy");
        tasks.set.abort_all();
        while let Some(joined) = tasks.set.join_next_with_id().await {
            tasks.finished(joined);
        }
    }
    Ok(())
}

/// The connection tasks and, to name a panicked one in the log, their ids and peers.
struct Tasks {
    protocol: &'static str,
    set: JoinSet<()>,
    conns: HashMap<task::Id, (u64, SocketAddr)>,
}

impl Tasks {
    fn new(protocol: &'static str) -> Tasks {
        Tasks { protocol, set: JoinSet::new(), conns: HashMap::new() }
    }

    fn spawn<T>(&mut self, conn_id: u64, peer: SocketAddr, task: T)
    where
        T: Future<Output = ()> + Send + 'static,
    {
        let handle = self.set.spawn(task);
        self.conns.insert(handle.id(), (conn_id, peer));
    }

    fn finished(&mut self, joined: Result<(task::Id, ()), JoinError>) {
        match joined {
            Ok((id, ())) => {
                self.conns.remove(&id);
            }
            Err(e) => {
                let conn = self.conns.remove(&e.id());
                if e.is_panic() {
                    let (conn_id, peer) = conn.map_or((0, None), |(id, peer)| (id, Some(peer)));
                    tracing::error!(protocol = self.protocol, conn_id, ?peer, error = %e, "connection task panicked");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
