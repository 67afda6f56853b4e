//! [`BoltListener`], Protocol::Cypher's [`ProtocolListener`]: opens the engine with the
//! factory the server gives it (over the protocol's own storage and, when GraphRAG is
//! enabled, the GraphRAG storage the `graphrag.*` procedures use), works out the address
//! routing tables advertise, and runs the listener kit's accept loop (connection cap,
//! one task and tracing span per connection, drain on shutdown).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use orbit_cypher::{CypherEngine, CypherResult};
use orbit_protocol_api::accept::{serve_connections, AcceptOptions, Accepted};
use orbit_protocol_api::{ListenerContext, ListenerError, Protocol, ProtocolListener};
use orbit_storage::TableStorage;
use tokio::net::TcpListener;

use super::{connection, BoltOptions, ConnectionSettings};

/// Opens the Cypher engine when the listener starts, over the Cypher storage and the
/// GraphRAG storage (`None` when GraphRAG is disabled on this server).
pub type EngineOpener = Box<
    dyn FnOnce(
            Arc<dyn TableStorage>,
            Option<Arc<dyn TableStorage>>,
        ) -> Pin<Box<dyn Future<Output = CypherResult<Arc<dyn CypherEngine>>> + Send>>
        + Send,
>;

pub struct BoltListener {
    options: BoltOptions,
    open_engine: EngineOpener,
}

impl BoltListener {
    pub fn new(options: BoltOptions, open_engine: EngineOpener) -> Self {
        BoltListener { options, open_engine }
    }
}

/// The address routing tables name: the configured one, else the bound one (`localhost`
/// when bound to every interface).
pub fn advertised_address(configured: Option<&str>, bound: SocketAddr) -> String {
    match configured {
        Some(address) => address.to_string(),
        None if bound.ip().is_unspecified() => format!("localhost:{}", bound.port()),
        None => bound.to_string(),
    }
}

#[async_trait]
impl ProtocolListener for BoltListener {
    fn protocol(&self) -> Protocol {
        Protocol::Cypher
    }

    async fn serve(self: Box<Self>, listener: TcpListener, ctx: ListenerContext) -> Result<(), ListenerError> {
        let BoltListener { options, open_engine } = *self;
        let engine = open_engine(ctx.storage.clone(), ctx.graphrag_storage.clone())
            .await
            .map_err(|e| ListenerError::Other(format!("cannot open the Cypher engine: {e}")))?;
        let bound = listener.local_addr().map_err(|e| ListenerError::Other(format!("Bolt listener address: {e}")))?;
        let advertised = advertised_address(options.advertised_address.as_deref(), bound);
        let settings = Arc::new(ConnectionSettings::new(engine, &options, advertised));
        let accept = AcceptOptions::new(Protocol::Cypher).max_connections(options.max_connections);
        serve_connections(listener, ctx, accept, move |conn: Accepted| {
            connection::serve(conn.stream, conn.conn_id, settings.clone(), conn.shutdown)
        })
        .await
    }
}
