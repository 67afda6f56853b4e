//! The PostgreSQL listener: one SQL engine over the protocol's storage, one task (and
//! one tracing span with protocol and connection id) per accepted connection, and a
//! graceful stop when the server shuts down. At start it creates or updates the users
//! the configuration names and loads the TLS certificate.

use crate::cancel::{CancelDispatch, CancelRegistry};
use crate::connection::serve_connection;
use crate::handler::{ConnectionHandler, PostgresHandlers, Shared};
use crate::options::{AuthMethod, PostgresOptions};
use async_trait::async_trait;
use orbit_protocol_api::{ListenerContext, ListenerError, Protocol, ProtocolListener};
use orbit_sql::Engine;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tracing::Instrument;

/// How long stopping waits for open connections (they are told to close when idle).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves the PostgreSQL wire protocol (simple and extended query) over Orbit's SQL engine.
#[derive(Debug, Default)]
pub struct PostgresListener {
    options: PostgresOptions,
}

impl PostgresListener {
    /// Trust authentication, no TLS, default limits.
    pub fn new() -> Self {
        PostgresListener::default()
    }

    pub fn with_options(options: PostgresOptions) -> Self {
        PostgresListener { options }
    }
}

#[async_trait]
impl ProtocolListener for PostgresListener {
    fn protocol(&self) -> Protocol {
        Protocol::Postgresql
    }

    async fn serve(self: Box<Self>, listener: TcpListener, mut ctx: ListenerContext) -> Result<(), ListenerError> {
        let engine = Engine::open(ctx.storage.clone())
            .await
            .map_err(|e| ListenerError::Other(format!("cannot open the SQL engine: {e}")))?;
        let security = crate::auth::Security::new(&self.options).map_err(ListenerError::Other)?;
        let with_md5 = self.options.auth_method == AuthMethod::Md5;
        for (user, password) in &self.options.users {
            engine
                .ensure_configured_user(user, password, with_md5)
                .await
                .map_err(|e| ListenerError::Other(format!("cannot create configured user \"{user}\": {e}")))?;
        }
        let tls = security.tls.as_ref().map(|tls| tls.acceptor.clone());
        let cancels = Arc::new(CancelRegistry::default());
        let shared = Arc::new(Shared { engine, cancels: cancels.clone(), security: Arc::new(security) });
        let cancel = Arc::new(CancelDispatch(cancels));
        let mut connections = JoinSet::new();
        let mut next_id: u64 = 0;

        loop {
            tokio::select! {
                _ = ctx.shutdown_requested() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        next_id += 1;
                        let span = tracing::info_span!("connection", protocol = "postgresql", conn_id = next_id, %peer);
                        let handlers = PostgresHandlers {
                            connection: Arc::new(ConnectionHandler::new(shared.clone())),
                            cancel: cancel.clone(),
                        };
                        let shutdown = ctx.shutdown.clone();
                        let tls = tls.clone();
                        connections.spawn(
                            async move {
                                tracing::debug!("connection accepted");
                                serve_connection(stream, handlers, shutdown, tls).await;
                                tracing::debug!("connection closed");
                            }
                            .instrument(span),
                        );
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(protocol = "postgresql", error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                Some(joined) = connections.join_next(), if !connections.is_empty() => {
                    if let Err(e) = joined {
                        if e.is_panic() {
                            tracing::error!(protocol = "postgresql", error = %e, "connection task panicked");
                        }
                    }
                }
            }
        }

        let drained =
            tokio::time::timeout(DRAIN_TIMEOUT, async { while connections.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!(protocol = "postgresql", open = connections.len(), "closing connections still busy");
            connections.abort_all();
            while connections.join_next().await.is_some() {}
        }
        Ok(())
    }
}
