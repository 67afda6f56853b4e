//! The admin HTTP endpoint: `GET /health` and `GET /metrics`.
//!
//! `/health` answers JSON with every enabled protocol's mode, engine, data path, listener
//! and storage health; HTTP 200 when every storage is healthy, 503 otherwise.
//! `/metrics` answers the storages' counters and latency histograms in Prometheus' text
//! format (see [`crate::prometheus`]).

use crate::config::StorageMode;
use crate::prometheus;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use orbit_protocol_api::Protocol;
use orbit_storage::{HealthStatus, TableStorage};
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long one storage's health check may take before it counts as unhealthy.
const HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// What the admin endpoint reports about one enabled protocol.
pub struct ProtocolStatus {
    pub protocol: Protocol,
    pub mode: StorageMode,
    pub data_path: Option<PathBuf>,
    /// The listener's address; `None` when the protocol has no listener (yet).
    pub listener: Option<SocketAddr>,
    pub storage: Arc<dyn TableStorage>,
}

/// Shared state of the admin routes.
pub struct AdminState {
    pub protocols: Vec<ProtocolStatus>,
}

pub fn router(state: Arc<AdminState>) -> Router {
    Router::new().route("/health", get(health)).route("/metrics", get(metrics)).with_state(state)
}

async fn health(State(state): State<Arc<AdminState>>) -> (StatusCode, Json<Value>) {
    let mut all_healthy = true;
    let mut protocols = Map::new();
    // At most seven checks, each bounded by the timeout; run one after another.
    for p in &state.protocols {
        let status = match tokio::time::timeout(HEALTH_CHECK_TIMEOUT, p.storage.health()).await {
            Ok(status) => status,
            Err(_) => {
                HealthStatus::Unhealthy(format!("health check timed out after {}s", HEALTH_CHECK_TIMEOUT.as_secs()))
            }
        };
        all_healthy &= status.is_healthy();
        let health =
            serde_json::to_value(&status).unwrap_or_else(|e| json!({ "status": "unhealthy", "reason": e.to_string() }));
        protocols.insert(
            p.protocol.name().to_string(),
            json!({
                "mode": p.mode.name(),
                "engine": p.storage.engine_name(),
                "data_path": p.data_path.as_ref().map(|d| d.display().to_string()),
                "listener": p.listener.map(|a| a.to_string()),
                "health": health,
            }),
        );
    }
    let code = if all_healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({
        "status": if all_healthy { "healthy" } else { "unhealthy" },
        "protocols": protocols,
    });
    (code, Json(body))
}

async fn metrics(State(state): State<Arc<AdminState>>) -> impl IntoResponse {
    let snapshots: Vec<(&str, _)> = state.protocols.iter().map(|p| (p.protocol.name(), p.storage.metrics())).collect();
    ([(header::CONTENT_TYPE, prometheus::CONTENT_TYPE)], prometheus::render(&snapshots))
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use orbit_storage::{KvEngine, KvSnapshot, KvTableStorage, MemoryEngine, StorageResult, WriteBatch};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A memory engine whose health check fails.
    struct SickEngine(MemoryEngine);

    #[async_trait]
    impl KvEngine for SickEngine {
        fn name(&self) -> &'static str {
            "memory"
        }
        fn snapshot(&self) -> Arc<dyn KvSnapshot> {
            self.0.snapshot()
        }
        async fn write(&self, batch: WriteBatch) -> StorageResult<()> {
            self.0.write(batch).await
        }
        async fn flush(&self) -> StorageResult<()> {
            Ok(())
        }
        async fn health(&self) -> Result<(), String> {
            Err("disk on fire".into())
        }
    }

    async fn status(protocol: Protocol, engine: Arc<dyn KvEngine>) -> ProtocolStatus {
        ProtocolStatus {
            protocol,
            mode: StorageMode::Persistent,
            data_path: Some(PathBuf::from(format!("/data/{protocol}/rocksdb"))),
            listener: None,
            storage: KvTableStorage::open(engine).await.expect("open"),
        }
    }

    async fn get(state: AdminState, path: &str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move { axum::serve(listener, router(Arc::new(state))).await });
        let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        socket.write_all(request.as_bytes()).await.expect("write");
        let mut response = String::new();
        socket.read_to_string(&mut response).await.expect("read");
        server.abort();
        response
    }

    #[tokio::test]
    async fn health_is_503_when_one_storage_is_unhealthy() {
        let state = AdminState {
            protocols: vec![
                status(Protocol::Redis, Arc::new(MemoryEngine::new())).await,
                status(Protocol::Cql, Arc::new(SickEngine(MemoryEngine::new()))).await,
            ],
        };
        let response = get(state, "/health").await;
        assert!(response.starts_with("HTTP/1.1 503"), "{response}");
        let body: Value = serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap_or("")).expect("json");
        assert_eq!(body["status"], "unhealthy");
        assert_eq!(body["protocols"]["redis"]["health"]["status"], "healthy");
        assert_eq!(body["protocols"]["cql"]["health"], json!({"status": "unhealthy", "reason": "disk on fire"}));
        assert_eq!(body["protocols"]["cql"]["data_path"], "/data/cql/rocksdb");
    }

    #[tokio::test]
    async fn health_is_200_and_metrics_are_text_when_all_is_well() {
        let state = AdminState { protocols: vec![status(Protocol::Redis, Arc::new(MemoryEngine::new())).await] };
        let response = get(state, "/health").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");

        let state = AdminState { protocols: vec![status(Protocol::Redis, Arc::new(MemoryEngine::new())).await] };
        let response = get(state, "/metrics").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.to_ascii_lowercase().contains("content-type: text/plain; version=0.0.4"), "{response}");
        assert!(response.contains("orbit_storage_operations_total{protocol=\"redis\",operation=\"get\"} 0"));
    }
}
