//! The Redis listener and the server-wide state its connections share (filled in by the
//! connection work).

use crate::keyspace::Keyspace;
use async_trait::async_trait;
use orbit_protocol_api::{ListenerContext, ListenerError, Protocol, ProtocolListener};
use std::sync::Arc;
use tokio::net::TcpListener;

/// State shared by every connection.
pub struct Shared {
    pub keyspace: Arc<Keyspace>,
    /// Held by every command that may write (and by the background expiry and garbage
    /// collection): writes run one at a time, as in Redis, so they never conflict.
    pub write_lock: tokio::sync::Mutex<()>,
}

/// Serves RESP2/RESP3 over the keyspace.
#[derive(Debug, Default)]
pub struct RedisListener;

impl RedisListener {
    pub fn new() -> Self {
        RedisListener
    }
}

#[async_trait]
impl ProtocolListener for RedisListener {
    fn protocol(&self) -> Protocol {
        Protocol::Redis
    }

    async fn serve(self: Box<Self>, _listener: TcpListener, _ctx: ListenerContext) -> Result<(), ListenerError> {
        Err(ListenerError::Other("the Redis listener is not finished".into()))
    }
}
