//! The CQL listener: opens the executor over the protocol's storage, then the listener
//! kit's accept loop (connection cap answered with an OVERLOADED error, one task and
//! tracing span per connection, drain on shutdown).

use super::{connection, envelope, responses, CqlWireOptions};
use crate::engine::CqlEngine;
use crate::error::{CqlError, CqlResult, ErrorCode};
use async_trait::async_trait;
use bytes::BytesMut;
use orbit_protocol_api::accept::{serve_connections, AcceptOptions, Accepted};
use orbit_protocol_api::{ConnectionLimit, ListenerContext, ListenerError, Protocol, ProtocolListener};
use orbit_storage::TableStorage;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// Opens the executor over the CQL storage when the listener starts.
pub type EngineOpener = Box<
    dyn FnOnce(
            Arc<dyn TableStorage>,
            std::net::SocketAddr,
        ) -> Pin<Box<dyn Future<Output = CqlResult<Arc<dyn CqlEngine>>> + Send>>
        + Send,
>;

pub struct CqlListener {
    options: CqlWireOptions,
    open_engine: EngineOpener,
}

impl CqlListener {
    pub fn new(options: CqlWireOptions, open_engine: EngineOpener) -> Self {
        CqlListener { options, open_engine }
    }
}

#[async_trait]
impl ProtocolListener for CqlListener {
    fn protocol(&self) -> Protocol {
        Protocol::Cql
    }

    async fn serve(self: Box<Self>, listener: TcpListener, ctx: ListenerContext) -> Result<(), ListenerError> {
        let CqlListener { options, open_engine } = *self;
        let address = listener.local_addr().map_err(|e| ListenerError::Other(format!("CQL listener address: {e}")))?;
        let engine = open_engine(ctx.storage.clone(), address)
            .await
            .map_err(|e| ListenerError::Other(format!("cannot open the CQL engine: {e}")))?;
        let limit = ConnectionLimit::new(options.max_connections);
        let accept = AcceptOptions::new(Protocol::Cql).limit(limit).refuse_with(|mut conn: Accepted| async move {
            // The client's first request gets no answer of its own; an OVERLOADED error on
            // stream 0 tells the driver why the connection closes.
            let err = CqlError::new(ErrorCode::Overloaded, "Too many connections");
            let mut out = BytesMut::new();
            envelope::encode(&mut out, 4, 0, 0, envelope::opcode::ERROR, &responses::error(&err));
            let _ = conn.stream.write_all(&out).await;
        });
        serve_connections(listener, ctx, accept, move |conn: Accepted| {
            connection::serve(conn.stream, conn.peer, engine.clone(), options.clone(), conn.shutdown)
        })
        .await
    }
}
