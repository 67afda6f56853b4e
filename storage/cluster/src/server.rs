//! The owner's side of the node RPC: a [`ShardHandler`] the node implements, served over
//! gRPC (HTTP/2 without TLS) on a listener the caller binds.
//!
//! Each accepted connection is one hyper HTTP/2 connection task; each request on it is
//! decoded by tonic's unary server half with the configured message size limit (checked
//! on the length prefix, so an oversize request is refused before its body is buffered),
//! validated ([`crate::wire`]) and handed to the handler. Malformed frames or garbage end
//! that one connection; so does bringing no request within `first_request_timeout`, and
//! connections past `max_connections` are closed as they arrive. Dropping the
//! [`RpcServer`] stops accepting and closes every connection at once, as a crashed node
//! would; [`RpcServer::shutdown`] drains instead (requests in flight finish).

use crate::config::RpcConfig;
use crate::metrics::ClusterMetrics;
use crate::types::{ForwardRefusal, ForwardRequest};
use crate::wire::{ForwardRequestMessage, ForwardResponseMessage, FORWARD_PATH};
use async_trait::async_trait;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use prost::Message;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tonic_prost::ProstCodec;
use tracing::Instrument;

/// What a node runs for a request forwarded to it.
#[async_trait]
pub trait ShardHandler: Send + Sync + 'static {
    /// Runs `payload` (the `protocol`'s encoding of a request) on `shard`, or refuses:
    /// [`ForwardRefusal::Fenced`] when `fencing_token` is older than the token this node holds
    /// for the shard, [`ForwardRefusal::NotOwner`] when it does not own the shard (see
    /// [`crate::fencing::check_token`]).
    async fn handle(
        &self,
        shard: &crate::types::ShardRef,
        fencing_token: u64,
        protocol: &str,
        payload: Bytes,
    ) -> Result<Bytes, ForwardRefusal>;
}

/// How often the server pings an idle peer, and how long it waits for the answer before
/// closing the connection (a peer that vanished without closing).
const KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(10);
const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(5);

/// A running RPC server; dropping it stops the server and closes its connections.
pub struct RpcServer {
    local_addr: SocketAddr,
    accept_task: Option<tokio::task::JoinHandle<()>>,
    draining: watch::Sender<bool>,
}

impl RpcServer {
    /// Serves `handler` on `listener` (already bound) until the returned server is dropped.
    pub fn serve(
        listener: TcpListener,
        handler: Arc<dyn ShardHandler>,
        config: RpcConfig,
        metrics: Arc<ClusterMetrics>,
    ) -> std::io::Result<RpcServer> {
        let local_addr = listener.local_addr()?;
        let service = Arc::new(ForwardService { handler, metrics, max_message_size: config.max_message_size });
        let (draining, drain_signal) = watch::channel(false);
        let accept_task = tokio::spawn(accept_loop(listener, service, config, drain_signal));
        Ok(RpcServer { local_addr, accept_task: Some(accept_task), draining })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Closes the listener and every connection at once, as a crash would (what dropping
    /// the server does), and returns once the listener is closed (the connections' tasks
    /// are cancelled and close as the runtime drops them).
    pub async fn abort(mut self) {
        if let Some(accept_task) = self.accept_task.take() {
            accept_task.abort();
            let _ = accept_task.await;
        }
    }

    /// Stops accepting, lets the requests in flight finish (HTTP/2 GOAWAY: the peers open
    /// new connections for anything else, and are refused) and returns when every
    /// connection has closed. Bound it with a timeout; dropping the server instead closes
    /// everything at once.
    pub async fn shutdown(mut self) {
        self.draining.send_replace(true);
        if let Some(accept_task) = self.accept_task.take() {
            let _ = accept_task.await;
        }
    }
}

impl Drop for RpcServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        if let Some(accept_task) = &self.accept_task {
            accept_task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    service: Arc<ForwardService>,
    config: RpcConfig,
    mut drain_signal: watch::Receiver<bool>,
) {
    let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    builder
        .timer(TokioTimer::new())
        .max_concurrent_streams(config.max_concurrent_streams)
        .max_header_list_size(config.max_header_list_size)
        .keep_alive_interval(KEEP_ALIVE_INTERVAL)
        .keep_alive_timeout(KEEP_ALIVE_TIMEOUT);
    let builder = Arc::new(builder);
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let first_request_timeout = config.first_request_timeout;
    let mut connections = JoinSet::new();
    let connection_ids = AtomicU64::new(0);
    let connection_signal = drain_signal.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(%error, "cluster rpc: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    service.metrics.record_connection(false);
                    tracing::warn!(%peer, limit = config.max_connections, "cluster rpc: too many connections, closing");
                    continue;
                };
                service.metrics.record_connection(true);
                let _ = stream.set_nodelay(true);
                let connection_id = connection_ids.fetch_add(1, Ordering::Relaxed);
                // hyper runs each request as its own task: the request span (ForwardService::forward)
                // carries the connection id again.
                let span = tracing::debug_span!("cluster_rpc", connection = connection_id, %peer);
                let connection = serve_connection(
                    builder.clone(),
                    stream,
                    service.clone(),
                    connection_id,
                    first_request_timeout,
                    connection_signal.clone(),
                );
                connections.spawn(
                    async move {
                        connection.await;
                        drop(slot);
                    }
                    .instrument(span),
                );
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = drained(&mut drain_signal) => break,
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Serves one connection; closes it when no request arrived within `first_request_timeout`.
async fn serve_connection(
    builder: Arc<hyper::server::conn::http2::Builder<TokioExecutor>>,
    stream: TcpStream,
    service: Arc<ForwardService>,
    connection_id: u64,
    first_request_timeout: Duration,
    mut drain_signal: watch::Receiver<bool>,
) {
    let requested = Arc::new(AtomicBool::new(false));
    let seen = requested.clone();
    let hyper_service = hyper::service::service_fn(move |request| {
        seen.store(true, Ordering::Relaxed);
        let service = service.clone();
        async move { Ok::<_, Infallible>(service.route(request, connection_id).await) }
    });
    let connection = builder.serve_connection(TokioIo::new(stream), hyper_service);
    tokio::pin!(connection);
    let first = tokio::select! {
        ended = &mut connection => Some(ended),
        _ = tokio::time::sleep(first_request_timeout) => None,
        _ = drained(&mut drain_signal) => None,
    };
    let ended = match first {
        Some(ended) => ended,
        None if !requested.load(Ordering::Relaxed) => {
            tracing::debug!("cluster rpc: no request within {first_request_timeout:?} (or draining), closing");
            return;
        }
        None => {
            let mut draining = false;
            loop {
                tokio::select! {
                    ended = &mut connection => break ended,
                    _ = drained(&mut drain_signal), if !draining => {
                        draining = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        }
    };
    if let Err(error) = ended {
        tracing::debug!(%error, "cluster rpc: connection closed with an error");
    }
}

/// Returns once the server is draining (or gone).
async fn drained(signal: &mut watch::Receiver<bool>) {
    let _ = signal.wait_for(|draining| *draining).await;
}

/// The Forward method: decoding, validation, the handler, encoding.
struct ForwardService {
    handler: Arc<dyn ShardHandler>,
    metrics: Arc<ClusterMetrics>,
    max_message_size: usize,
}

impl ForwardService {
    async fn route(
        self: Arc<Self>,
        request: http::Request<Incoming>,
        connection_id: u64,
    ) -> http::Response<tonic::body::Body> {
        if request.uri().path() != FORWARD_PATH {
            self.metrics.record_invalid();
            return tonic::Status::unimplemented(format!("no method {}", request.uri().path())).into_http();
        }
        let mut grpc = tonic::server::Grpc::new(ProstCodec::<ForwardResponseMessage, ForwardRequestMessage>::default())
            .max_decoding_message_size(self.max_message_size)
            .max_encoding_message_size(self.max_message_size);
        let response = grpc.unary(UnaryForward { service: self.clone(), connection_id }, request).await;
        if response.headers().get("grpc-status").is_some_and(|status| status != "0") {
            // A trailers-only error (decoding failed, oversize, invalid fields).
            self.metrics.record_invalid();
        }
        response
    }

    async fn forward(
        &self,
        message: ForwardRequestMessage,
        connection_id: u64,
    ) -> Result<ForwardResponseMessage, tonic::Status> {
        let request =
            ForwardRequest::try_from(message).map_err(|error| tonic::Status::invalid_argument(error.to_string()))?;
        let span = tracing::debug_span!(
            "forwarded",
            connection = connection_id,
            protocol = %request.protocol,
            shard = %request.shard
        );
        let outcome = self
            .handler
            .handle(&request.shard, request.fencing_token, &request.protocol, request.payload)
            .instrument(span)
            .await;
        // Judged on the encoded reply (payload plus framing), the size tonic's encoder refuses.
        let outcome = match outcome {
            Ok(reply) => match ForwardResponseMessage::from(Ok(reply.clone())).encoded_len() {
                size if size > self.max_message_size => Err(ForwardRefusal::Failed(format!(
                    "reply of {size} bytes exceeds the maximum message size of {} bytes",
                    self.max_message_size
                ))),
                _ => Ok(reply),
            },
            refused => refused,
        };
        self.metrics.record_served(outcome.as_ref().err());
        Ok(ForwardResponseMessage::from(outcome))
    }
}

/// tonic's unary service shape around [`ForwardService::forward`].
struct UnaryForward {
    service: Arc<ForwardService>,
    connection_id: u64,
}

impl tonic::server::UnaryService<ForwardRequestMessage> for UnaryForward {
    type Response = ForwardResponseMessage;
    type Future = Pin<Box<dyn Future<Output = Result<tonic::Response<ForwardResponseMessage>, tonic::Status>> + Send>>;

    fn call(&mut self, request: tonic::Request<ForwardRequestMessage>) -> Self::Future {
        let (service, connection_id) = (self.service.clone(), self.connection_id);
        Box::pin(async move { service.forward(request.into_inner(), connection_id).await.map(tonic::Response::new) })
    }
}
