//! The ArangoDB HTTP API over axum: routing (bare and `/_db/{name}/`), authentication
//! (Basic and JWT HS256), the error envelope, and one module per endpoint family
//! (databases, collections, documents, indexes, import, cursors, transactions, gharial,
//! users, admin), with everything Orbit does not do answering 501/9.
//!
//! [`build_state`] opens the document store and the user registry; [`router`] gives the
//! axum router over that state (one fallback handler, [`router::handle`], does the
//! routing so every path form, HEAD and the 404 envelope are handled in one place);
//! [`AqlListener`] serves it on the listener's socket until shutdown.

pub mod admin;
pub mod ast_json;
pub mod auth;
pub mod caches;
pub mod collection;
pub mod cursor;
pub mod database;
pub mod document;
pub mod edges;
pub mod gharial;
pub mod import;
pub mod index;
pub mod params;
pub mod query;
pub mod response;
pub mod router;
pub mod token;
pub mod tracking;
pub mod transaction;
pub mod unsupported;
pub mod user;

#[cfg(test)]
mod tests;

use crate::error::AqlResult;
use crate::store::DocStore;
use async_trait::async_trait;
use orbit_protocol_api::{
    ConnectionLimit, ConnectionPermit, ListenerContext, ListenerError, Protocol, ProtocolListener,
};
use orbit_storage::TableStorage;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The listener's settings.
#[derive(Debug, Clone)]
pub struct AqlOptions {
    /// Users from configuration (`[aql.users]`: name = password); empty: `root` with an
    /// empty password.
    pub users: Vec<(String, String)>,
    /// Whether requests must authenticate (ArangoDB's --server.authentication).
    pub authentication: bool,
    /// The HS256 secret JWTs are signed and checked with; None: a random one per start.
    pub jwt_secret: Option<String>,
    /// The largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    pub max_connections: Option<usize>,
}

impl Default for AqlOptions {
    fn default() -> Self {
        AqlOptions {
            users: Vec::new(),
            authentication: true,
            jwt_secret: None,
            max_body_bytes: 512 * 1024 * 1024,
            max_connections: Some(1024),
        }
    }
}

/// Everything a request handler reaches: the store, the registries and the settings.
pub struct AqlState {
    pub store: Arc<DocStore>,
    pub options: AqlOptions,
    pub auth: auth::Auth,
    pub users: user::Users,
    pub cursors: cursor::Cursors,
    pub transactions: transaction::Transactions,
    pub tracking: Arc<tracking::Tracking>,
    pub started: Instant,
    /// Requests served (for `/_admin/metrics`).
    pub requests: std::sync::atomic::AtomicU64,
    /// The address `/_api/endpoint` reports (the listener sets the bound one).
    pub endpoint: parking_lot::RwLock<String>,
}

pub type SharedState = Arc<AqlState>;

/// Opens the document store over `storage`, loads the users of `_system`'s `_users`
/// collection and seeds the configured ones (`root` with an empty password when none
/// is configured and none is stored).
pub async fn build_state(storage: Arc<dyn TableStorage>, options: AqlOptions) -> AqlResult<SharedState> {
    let store = DocStore::open(storage).await?;
    let users = user::Users::load(store.clone(), &options.users).await?;
    Ok(state_with(store, users, options))
}

pub(crate) fn state_with(store: Arc<DocStore>, users: user::Users, options: AqlOptions) -> SharedState {
    let auth = auth::Auth::new(options.jwt_secret.as_deref());
    Arc::new(AqlState {
        store,
        auth,
        users,
        cursors: cursor::Cursors::default(),
        transactions: transaction::Transactions::default(),
        tracking: Arc::new(tracking::Tracking::default()),
        started: Instant::now(),
        requests: std::sync::atomic::AtomicU64::new(0),
        endpoint: parking_lot::RwLock::new("http://127.0.0.1:8529".into()),
        options,
    })
}

/// The axum router of the whole API over `state`.
pub fn router(state: SharedState) -> axum::Router {
    axum::Router::new().fallback(router::handle).with_state(state)
}

/// The ArangoDB listener: registered in the server's listener registry.
pub struct AqlListener {
    pub options: AqlOptions,
}

impl AqlListener {
    pub fn new(options: AqlOptions) -> AqlListener {
        AqlListener { options }
    }
}

/// How long shutdown waits for requests under way.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

#[async_trait]
impl ProtocolListener for AqlListener {
    fn protocol(&self) -> Protocol {
        Protocol::Aql
    }

    async fn serve(self: Box<Self>, listener: TcpListener, mut ctx: ListenerContext) -> Result<(), ListenerError> {
        let state = build_state(ctx.storage.clone(), self.options.clone())
            .await
            .map_err(|e| ListenerError::Other(format!("cannot open the ArangoDB document store: {e}")))?;
        *state.endpoint.write() = format!("http://{}", ctx.local_addr);
        state.store.set_graphrag_storage(ctx.graphrag_storage.clone());
        let capped = CappedListener { inner: listener, limit: ConnectionLimit::new(self.options.max_connections) };
        let mut stop = ctx.clone();
        let server = axum::serve(capped, router(state)).with_graceful_shutdown(async move {
            stop.shutdown_requested().await;
        });
        let serving = server.into_future();
        tokio::pin!(serving);
        tokio::select! {
            done = &mut serving => return done.map_err(ListenerError::Io),
            _ = ctx.shutdown_requested() => {}
        }
        match tokio::time::timeout(DRAIN_TIMEOUT, serving).await {
            Ok(done) => done.map_err(ListenerError::Io),
            Err(_) => Ok(()),
        }
    }
}

use std::future::IntoFuture;

/// The listening socket with the connection cap: a connection over the cap is closed at
/// once (ArangoDB has no refusal message of its own).
struct CappedListener {
    inner: TcpListener,
    limit: ConnectionLimit,
}

impl axum::serve::Listener for CappedListener {
    type Io = CappedStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (CappedStream, std::net::SocketAddr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, peer)) => match self.limit.try_acquire() {
                    Some(permit) => {
                        let _ = stream.set_nodelay(true);
                        return (CappedStream { inner: stream, _permit: permit }, peer);
                    }
                    None => {
                        tracing::debug!(protocol = "aql", %peer, "connection refused: too many connections");
                        drop(stream);
                    }
                },
                Err(e) => {
                    tracing::warn!(protocol = "aql", error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.inner.local_addr()
    }
}

/// A connection holding its permit until it closes.
struct CappedStream {
    inner: TcpStream,
    _permit: ConnectionPermit,
}

impl AsyncRead for CappedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CappedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
