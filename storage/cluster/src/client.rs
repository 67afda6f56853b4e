//! The sender's side of the node RPC: one HTTP/2 connection per node RPC address, cached
//! and multiplexed, and [`RpcClient::forward`] with the request timeout.
//!
//! A cached connection is reused until hyper reports it closed; a forward that fails or
//! times out drops it, so the next forward to that address connects again (a node that
//! restarted on the same address is reached; a dead one answers "connection refused"
//! within the connect timeout). Requests are checked against the message size limit
//! before anything is sent, and replies are decoded with the same limit.

use crate::config::RpcConfig;
use crate::error::{ClusterError, ClusterResult};
use crate::metrics::{ClusterMetrics, ForwardOutcomeKind};
use crate::types::{ForwardRefusal, ForwardRequest};
use crate::wire::{validate_request, ForwardRequestMessage, ForwardResponseMessage, FORWARD_PATH};
use bytes::Bytes;
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use parking_lot::Mutex;
use prost::Message;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tonic_prost::ProstCodec;

/// What a forward came back with: the owner's reply, or its refusal.
pub type ForwardOutcome = Result<Bytes, ForwardRefusal>;

type Sender = SendRequest<tonic::body::Body>;

/// How often the client pings a connection, and how long it waits for the answer.
const KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(10);
const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The node RPC client with its connection cache.
pub struct RpcClient {
    config: RpcConfig,
    metrics: Arc<ClusterMetrics>,
    /// One slot per address; the slot's async lock serialises connecting to that address.
    connections: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Sender>>>>>,
}

impl RpcClient {
    pub fn new(config: RpcConfig, metrics: Arc<ClusterMetrics>) -> Self {
        RpcClient { config, metrics, connections: Mutex::new(HashMap::new()) }
    }

    pub fn config(&self) -> &RpcConfig {
        &self.config
    }

    /// Sends `request` to the node RPC server at `address` (`host:port`) and waits for its
    /// answer, at most the request timeout.
    pub async fn forward(&self, address: &str, request: &ForwardRequest) -> ClusterResult<ForwardOutcome> {
        validate_request(request)?;
        let message = ForwardRequestMessage::from(request);
        let size = message.encoded_len();
        if size > self.config.max_message_size {
            return Err(ClusterError::MessageTooLarge { size, limit: self.config.max_message_size });
        }
        let started = Instant::now();
        let after = self.config.request_timeout;
        let result = match tokio::time::timeout(after, self.send(address, message)).await {
            Ok(result) => result,
            Err(_) => Err(ClusterError::Timeout { address: address.to_string(), after }),
        };
        let kind = match &result {
            Ok(Ok(_)) => ForwardOutcomeKind::Reply,
            Ok(Err(refusal)) => ForwardOutcomeKind::Refused(refusal),
            Err(ClusterError::Timeout { .. }) => ForwardOutcomeKind::Timeout,
            Err(_) => ForwardOutcomeKind::Error,
        };
        self.metrics.record_forward(kind, started.elapsed());
        if result.is_err() {
            self.disconnect(address);
        }
        result
    }

    /// Forgets the cached connection to `address` (the next forward connects again).
    pub fn disconnect(&self, address: &str) {
        self.connections.lock().remove(address);
    }

    /// The addresses with a cached connection slot.
    pub fn cached_addresses(&self) -> Vec<String> {
        self.connections.lock().keys().cloned().collect()
    }

    async fn send(&self, address: &str, message: ForwardRequestMessage) -> ClusterResult<ForwardOutcome> {
        let transport = |reason: String| ClusterError::Transport { address: address.to_string(), reason };
        let origin: http::Uri = format!("http://{address}")
            .parse()
            .map_err(|error| ClusterError::Connect { address: address.to_string(), reason: format!("{error}") })?;
        let sender = self.connection(address).await?;
        let limit = self.config.max_message_size;
        let mut grpc = tonic::client::Grpc::with_origin(Channel(sender), origin)
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit);
        grpc.ready().await.map_err(|error| transport(error.to_string()))?;
        let codec = ProstCodec::<ForwardRequestMessage, ForwardResponseMessage>::default();
        let path = http::uri::PathAndQuery::from_static(FORWARD_PATH);
        let response = grpc
            .unary(tonic::Request::new(message), path, codec)
            .await
            .map_err(|status| transport(format!("{:?}: {}", status.code(), status.message())))?;
        response.into_inner().try_into()
    }

    async fn connection(&self, address: &str) -> ClusterResult<Sender> {
        let slot = self.connections.lock().entry(address.to_string()).or_default().clone();
        let mut cached = slot.lock().await;
        if let Some(sender) = cached.as_ref().filter(|sender| !sender.is_closed()) {
            return Ok(sender.clone());
        }
        *cached = None;
        let sender = self.connect(address).await?;
        *cached = Some(sender.clone());
        Ok(sender)
    }

    async fn connect(&self, address: &str) -> ClusterResult<Sender> {
        let failed = |reason: String| ClusterError::Connect { address: address.to_string(), reason };
        let stream = match tokio::time::timeout(self.config.connect_timeout, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Err(failed(error.to_string())),
            Err(_) => return Err(failed(format!("timed out after {:?}", self.config.connect_timeout))),
        };
        let _ = stream.set_nodelay(true);
        let mut builder = hyper::client::conn::http2::Builder::new(TokioExecutor::new());
        builder
            .timer(TokioTimer::new())
            .max_header_list_size(self.config.max_header_list_size)
            .keep_alive_interval(KEEP_ALIVE_INTERVAL)
            .keep_alive_timeout(KEEP_ALIVE_TIMEOUT);
        let handshake = builder.handshake(TokioIo::new(stream));
        let (sender, connection) = match tokio::time::timeout(self.config.connect_timeout, handshake).await {
            Ok(Ok(pair)) => pair,
            Ok(Err(error)) => return Err(failed(error.to_string())),
            Err(_) => return Err(failed(format!("handshake timed out after {:?}", self.config.connect_timeout))),
        };
        let address = address.to_string();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %address, "cluster rpc: client connection closed");
            }
        });
        Ok(sender)
    }
}

/// One cached HTTP/2 connection as the tower service tonic's client half drives.
struct Channel(Sender);

impl tower_service::Service<http::Request<tonic::body::Body>> for Channel {
    type Response = http::Response<hyper::body::Incoming>;
    type Error = hyper::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, hyper::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), hyper::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(self.0.send_request(request))
    }
}
