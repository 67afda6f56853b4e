//! The MySQL listener: a MySQL-dialect SQL engine over the protocol's storage, the
//! account store, TLS when a certificate is configured, and the listener kit's accept
//! loop (connection cap answered with ERR 1040, one task and tracing span per
//! connection, drain on shutdown).

use crate::accounts::{Account, Accounts};
use crate::options::MysqlOptions;
use crate::wire::{ErrPacket, PacketWriter};
use async_trait::async_trait;
use orbit_protocol_api::accept::{serve_connections, AcceptOptions, Accepted};
use orbit_protocol_api::tls::TlsAcceptor;
use orbit_protocol_api::{ConnectionLimit, ListenerContext, ListenerError, Protocol, ProtocolListener};
use orbit_sql::{Dialect, Engine};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;

/// The engine database MySQL sessions live in; a MySQL database is a schema of it.
pub const ENGINE_DATABASE: &str = "def";

/// What every connection shares.
pub(crate) struct Shared {
    pub engine: Arc<Engine>,
    pub accounts: Accounts,
    pub options: MysqlOptions,
    pub tls: Option<TlsAcceptor>,
    pub started: Instant,
    pub questions: AtomicU64,
    /// Open connections (the accept loop's cap), for COM_STATISTICS.
    pub connections: ConnectionLimit,
}

/// COM_STATISTICS's line.
pub(crate) fn statistics(shared: &Shared) -> String {
    let uptime = shared.started.elapsed().as_secs_f64();
    let questions = shared.questions.load(Ordering::Relaxed);
    format!(
        "Uptime: {}  Threads: {}  Questions: {questions}  Slow queries: 0  Opens: 0  Flush tables: 1  Open tables: 0  \
         Queries per second avg: {:.3}",
        uptime as u64,
        shared.connections.open(),
        if uptime > 0.0 { questions as f64 / uptime } else { 0.0 }
    )
}

/// Serves the MySQL client/server protocol over Orbit's SQL engine.
#[derive(Debug, Default)]
pub struct MysqlListener {
    options: MysqlOptions,
}

impl MysqlListener {
    pub fn new(options: MysqlOptions) -> Self {
        MysqlListener { options }
    }
}

#[async_trait]
impl ProtocolListener for MysqlListener {
    fn protocol(&self) -> Protocol {
        Protocol::Mysql
    }

    async fn serve(self: Box<Self>, listener: TcpListener, ctx: ListenerContext) -> Result<(), ListenerError> {
        let engine = Engine::open_with_dialect(ctx.storage.clone(), Dialect::MySql)
            .await
            .map_err(|e| ListenerError::Other(format!("cannot open the SQL engine: {e}")))?;
        engine.set_graphrag_storage(ctx.graphrag_storage.clone());
        let accounts = Accounts::open(ctx.storage.clone())
            .await
            .map_err(|e| ListenerError::Other(format!("cannot open the MySQL accounts: {e}")))?;
        for (user, password) in &self.options.users {
            accounts
                .put(&Account::with_password(user, password))
                .await
                .map_err(|e| ListenerError::Other(format!("cannot create configured user \"{user}\": {e}")))?;
        }
        let tls = match &self.options.tls {
            Some(settings) => Some(
                orbit_protocol_api::tls::load(settings, &[])
                    .map_err(|e| ListenerError::Other(e.to_string()))?
                    .acceptor(),
            ),
            None => None,
        };
        let shared = Arc::new(Shared {
            engine,
            accounts,
            options: self.options.clone(),
            tls,
            started: Instant::now(),
            questions: AtomicU64::new(0),
            connections: ConnectionLimit::new(self.options.max_connections),
        });
        let accept = AcceptOptions::new(Protocol::Mysql).limit(shared.connections.clone()).refuse_with(
            |conn: Accepted| async move {
                // MySQL sends ER_CON_COUNT_ERROR as the first packet instead of a greeting.
                let mut writer = PacketWriter::new(conn.stream);
                let err = ErrPacket::new(1040, "08004", "Too many connections");
                writer.write(0, &err.encode(crate::handshake::server_capabilities(false)));
                let _ = writer.flush().await;
            },
        );
        serve_connections(listener, ctx, accept, move |conn: Accepted| {
            let shared = shared.clone();
            let conn_id = u32::try_from(conn.conn_id).unwrap_or(u32::MAX);
            crate::connection::serve(conn.stream, conn.peer, conn_id, shared, conn.shutdown)
        })
        .await
    }
}
