//! The PostgreSQL listener: one SQL engine over the protocol's storage, served through
//! the listener kit's accept loop ([`orbit_protocol_api::accept`]: one task and one
//! tracing span with protocol and connection id per connection, max_connections, drain
//! on shutdown). At start it creates or updates the users the configuration names and
//! loads the TLS certificate.
//!
//! A connection over max_connections is served like any other up to its startup
//! packet (SSLRequest and TLS, or a CancelRequest, which works at the cap as in
//! PostgreSQL), and then gets FATAL 53300 "sorry, too many clients already"
//! ([`crate::auth::Security::refusing`]).

use crate::cancel::{CancelDispatch, CancelRegistry};
use crate::connection::serve_connection;
use crate::handler::{ConnectionHandler, PostgresHandlers, Shared};
use crate::options::{AuthMethod, PostgresOptions};
use async_trait::async_trait;
use orbit_protocol_api::{
    serve_connections, AcceptOptions, Accepted, ListenerContext, ListenerError, Protocol, ProtocolListener,
};
use orbit_sql::Engine;
use std::future::Future;
use std::sync::Arc;

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

/// What a connection task is started with.
#[derive(Clone)]
struct Serve {
    shared: Arc<Shared>,
    cancel: Arc<CancelDispatch>,
    tls: Option<pgwire::tokio::TlsAcceptor>,
}

impl Serve {
    fn connection(&self, conn: Accepted) -> impl Future<Output = ()> + Send + 'static {
        let handlers = PostgresHandlers {
            connection: Arc::new(ConnectionHandler::new(self.shared.clone())),
            cancel: self.cancel.clone(),
        };
        serve_connection(conn.stream, handlers, conn.shutdown, self.tls.clone())
    }
}

#[async_trait]
impl ProtocolListener for PostgresListener {
    fn protocol(&self) -> Protocol {
        Protocol::Postgresql
    }

    async fn serve(
        self: Box<Self>,
        listener: tokio::net::TcpListener,
        ctx: ListenerContext,
    ) -> Result<(), ListenerError> {
        let engine = Engine::open(ctx.storage.clone())
            .await
            .map_err(|e| ListenerError::Other(format!("cannot open the SQL engine: {e}")))?;
        engine.set_graphrag_storage(ctx.graphrag_storage.clone());
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
        let cancel = Arc::new(CancelDispatch(cancels.clone()));
        let refusing = security.refusing();
        let admitted = Serve {
            shared: Arc::new(Shared { engine: engine.clone(), cancels: cancels.clone(), security: Arc::new(security) }),
            cancel: cancel.clone(),
            tls: tls.clone(),
        };
        let over_cap =
            Serve { shared: Arc::new(Shared { engine, cancels, security: Arc::new(refusing) }), cancel, tls };
        let options = AcceptOptions::new(Protocol::Postgresql)
            .max_connections(Some(self.options.max_connections))
            .refuse_with(move |conn| over_cap.connection(conn));
        serve_connections(listener, ctx, options, move |conn| admitted.connection(conn)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orbit_storage::{KvTableStorage, MemoryEngine};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    const WAIT: Duration = Duration::from_secs(10);

    /// Sends a protocol 3.0 startup packet for user postgres and returns the type and
    /// body of the messages up to ReadyForQuery or an ErrorResponse.
    async fn login(addr: std::net::SocketAddr) -> (TcpStream, Vec<(u8, Vec<u8>)>) {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let params = b"user\0postgres\0\0";
        let mut startup = ((8 + params.len()) as u32).to_be_bytes().to_vec();
        startup.extend_from_slice(&196608u32.to_be_bytes());
        startup.extend_from_slice(params);
        stream.write_all(&startup).await.expect("startup");
        let mut messages = Vec::new();
        loop {
            let mut header = [0u8; 5];
            tokio::time::timeout(WAIT, stream.read_exact(&mut header)).await.expect("answer").expect("header");
            let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
            let mut body = vec![0u8; len.saturating_sub(4)];
            tokio::time::timeout(WAIT, stream.read_exact(&mut body)).await.expect("answer").expect("body");
            messages.push((header[0], body));
            if matches!(header[0], b'Z' | b'E') {
                return (stream, messages);
            }
        }
    }

    #[tokio::test]
    async fn over_max_connections_the_startup_gets_fatal_53300() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("storage");
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let ctx = ListenerContext { storage, graphrag_storage: None, local_addr: addr, shutdown };
        let options = PostgresOptions { max_connections: 1, ..Default::default() };
        let server = tokio::spawn(Box::new(PostgresListener::with_options(options)).serve(listener, ctx));

        let (first, messages) = login(addr).await;
        assert_eq!(messages.last().map(|m| m.0), Some(b'Z'), "first login completes");
        let (_, messages) = login(addr).await;
        let (kind, body) = messages.last().expect("a message");
        assert_eq!(*kind, b'E');
        let fields: Vec<&[u8]> = body.split(|b| *b == 0).collect();
        assert!(fields.contains(&&b"SFATAL"[..]), "{:?}", String::from_utf8_lossy(body));
        assert!(fields.contains(&&b"C53300"[..]), "{:?}", String::from_utf8_lossy(body));
        assert!(fields.contains(&&b"Msorry, too many clients already"[..]), "{:?}", String::from_utf8_lossy(body));

        // The slot frees when the first client leaves.
        drop(first);
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let (_, messages) = login(addr).await;
            if messages.last().map(|m| m.0) == Some(b'Z') {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "the freed slot was not reused");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.send(true).expect("listener alive");
        tokio::time::timeout(WAIT, server).await.expect("serve returns").expect("no panic").expect("ok");
    }
}
