//! The admin HTTP endpoint: `GET /health` and `GET /metrics`.
//!
//! `/health` answers JSON with every enabled protocol's mode, engine, data path, listener
//! and storage health, and a `lease_directory` section with every opened lease provider's
//! name, type, roles and health (see [`crate::lease_status`]). HTTP 200 when every storage
//! is healthy and no lease provider is Unhealthy (a Degraded provider shows, with a top
//! `"status": "degraded"`, but answers 200); 503 otherwise.
//! With `[cluster] enabled`, `/health` has a `cluster` section (this node, whether it is
//! self-fenced, the members; a fenced node answers 503) and `/metrics` the cluster gauges
//! (see [`crate::cluster`]) with `owned_shards`, the shard actors active here by protocol;
//! otherwise `"cluster": {"enabled": false}`.
//! `/metrics` answers the storages' counters and latency histograms and every lease
//! provider's counters and latencies in Prometheus' text format (see [`crate::prometheus`]).

use crate::cluster::ClusterNode;
use crate::config::StorageMode;
use crate::lease_status::{HealthLevel, LeaseDirectoryStatus};
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

/// How long one storage's or lease provider's health check may take before it counts as
/// unhealthy.
const HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// What the admin endpoint reports about one enabled protocol.
pub struct ProtocolStatus {
    pub protocol: Protocol,
    pub mode: StorageMode,
    pub data_path: Option<PathBuf>,
    /// The listener's address; `None` when the protocol has no listener (yet).
    pub listener: Option<SocketAddr>,
    pub storage: Arc<dyn TableStorage>,
    /// The actor engine in actor mode: the shards this node owns.
    pub actor_engine: Option<Arc<orbit_actors::ActorEngine>>,
}

/// Shared state of the admin routes.
pub struct AdminState {
    pub protocols: Vec<ProtocolStatus>,
    pub lease_directory: LeaseDirectoryStatus,
    /// This node's cluster membership, when `[cluster] enabled`.
    pub cluster: Option<Arc<ClusterNode>>,
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
    let (leases, lease_directory) = state.lease_directory.health(HEALTH_CHECK_TIMEOUT).await;
    let fenced = state.cluster.as_ref().is_some_and(|c| c.is_fenced());
    let overall = match (all_healthy && !fenced, leases) {
        (false, _) | (_, HealthLevel::Unhealthy) => HealthLevel::Unhealthy,
        (true, level) => level,
    };
    let cluster = match &state.cluster {
        Some(node) => {
            let mut section = node.health();
            let owned: Map<String, Value> = state
                .protocols
                .iter()
                .filter_map(|p| {
                    p.actor_engine.as_ref().map(|e| (p.protocol.name().to_string(), json!(e.active_shards())))
                })
                .collect();
            section["owned_shards"] = Value::Object(owned);
            section
        }
        None => json!({ "enabled": false }),
    };
    let code = if overall == HealthLevel::Unhealthy { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    let body = json!({
        "status": overall.name(),
        "protocols": protocols,
        "lease_directory": lease_directory,
        "cluster": cluster,
    });
    (code, Json(body))
}

async fn metrics(State(state): State<Arc<AdminState>>) -> impl IntoResponse {
    let snapshots: Vec<(&str, _)> = state.protocols.iter().map(|p| (p.protocol.name(), p.storage.metrics())).collect();
    let mut text = prometheus::render(&snapshots);
    text.push_str(&prometheus::render_lease_providers(&state.lease_directory.metrics(HEALTH_CHECK_TIMEOUT).await));
    if let Some(node) = &state.cluster {
        text.push_str(&node.metrics());
    }
    ([(header::CONTENT_TYPE, prometheus::CONTENT_TYPE)], text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lease_status::LeaseProviderStatus;
    use async_trait::async_trait;
    use orbit_leases::{
        AddressableLease, AddressableReference, BackendKind, Directory, LeaseBackend, LeaseResult, MemoryStore, NodeId,
        ProviderHealth, RecordOp, RecordStore,
    };
    use orbit_storage::{KvEngine, KvSnapshot, KvTableStorage, MemoryEngine, StorageResult, WriteBatch};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A memory record store that reports the health it is given.
    struct StoreWithHealth(MemoryStore, ProviderHealth);

    impl RecordStore for StoreWithHealth {
        fn backend_name(&self) -> &'static str {
            "memory"
        }
        fn get(&self, key: &[u8]) -> LeaseResult<Option<Vec<u8>>> {
            self.0.get(key)
        }
        fn scan_prefix(&self, prefix: &[u8]) -> LeaseResult<Vec<(Vec<u8>, Vec<u8>)>> {
            self.0.scan_prefix(prefix)
        }
        fn apply(&self, ops: &[RecordOp]) -> LeaseResult<()> {
            self.0.apply(ops)
        }
        fn flush(&self) -> LeaseResult<()> {
            Ok(())
        }
        fn health(&self) -> ProviderHealth {
            self.1.clone()
        }
    }

    fn provider(name: &str, kind: BackendKind, health: ProviderHealth) -> LeaseProviderStatus {
        let backend =
            LeaseBackend::new(name, kind, Directory::new_with_store(StoreWithHealth(MemoryStore::new(), health)));
        LeaseProviderStatus {
            name: name.to_string(),
            kind,
            roles: vec!["addressable", "cluster", "default"],
            directory: backend.directory,
        }
    }

    fn leases(providers: Vec<LeaseProviderStatus>) -> LeaseDirectoryStatus {
        LeaseDirectoryStatus { providers }
    }

    fn body(response: &str) -> Value {
        serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap_or("")).expect("json")
    }

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
            actor_engine: None,
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
            lease_directory: LeaseDirectoryStatus::default(),
            cluster: None,
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
        let state = AdminState {
            protocols: vec![status(Protocol::Redis, Arc::new(MemoryEngine::new())).await],
            lease_directory: leases(vec![provider("local", BackendKind::CowBTree, ProviderHealth::Healthy)]),
            cluster: None,
        };
        let response = get(state, "/health").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        let health = body(&response);
        assert_eq!(health["status"], "healthy");
        assert_eq!(health["cluster"], json!({"enabled": false}));
        assert_eq!(
            health["lease_directory"],
            json!({
                "status": "healthy",
                "addressable": "local",
                "cluster": "local",
                "providers": {"local": {
                    "type": "CowBTree", "backend": "cow_btree",
                    "roles": ["addressable", "cluster", "default"],
                    "health": {"status": "healthy"},
                }},
            })
        );

        let state = AdminState {
            protocols: vec![status(Protocol::Redis, Arc::new(MemoryEngine::new())).await],
            lease_directory: LeaseDirectoryStatus::default(),
            cluster: None,
        };
        let response = get(state, "/metrics").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.to_ascii_lowercase().contains("content-type: text/plain; version=0.0.4"), "{response}");
        assert!(response.contains("orbit_storage_operations_total{protocol=\"redis\",operation=\"get\"} 0"));
    }

    /// A Degraded provider shows with its reason and a "degraded" top status but answers
    /// 200; an Unhealthy one answers 503.
    #[tokio::test]
    async fn lease_providers_decide_between_200_degraded_and_503() {
        let degraded = ProviderHealth::Degraded { reason: "backup member down".into() };
        let state = AdminState {
            protocols: vec![status(Protocol::Redis, Arc::new(MemoryEngine::new())).await],
            lease_directory: leases(vec![
                provider("ok", BackendKind::RocksDb, ProviderHealth::Healthy),
                provider("pair", BackendKind::Composite, degraded),
            ]),
            cluster: None,
        };
        let response = get(state, "/health").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        let health = body(&response);
        assert_eq!(health["status"], "degraded");
        assert_eq!(health["lease_directory"]["status"], "degraded");
        assert_eq!(health["lease_directory"]["providers"]["ok"]["health"]["status"], "healthy");
        assert_eq!(
            health["lease_directory"]["providers"]["pair"]["health"],
            json!({"status": "degraded", "reason": "backup member down"})
        );
        assert_eq!(health["lease_directory"]["providers"]["pair"]["type"], "Composite");

        let unhealthy = ProviderHealth::Unhealthy { reason: "etcd: connection refused".into() };
        let state = AdminState {
            protocols: vec![status(Protocol::Redis, Arc::new(MemoryEngine::new())).await],
            lease_directory: leases(vec![
                provider("pair", BackendKind::Composite, ProviderHealth::Degraded { reason: "one down".into() }),
                provider("x", BackendKind::Etcd, unhealthy),
            ]),
            cluster: None,
        };
        let response = get(state, "/health").await;
        assert!(response.starts_with("HTTP/1.1 503"), "{response}");
        let health = body(&response);
        assert_eq!(health["status"], "unhealthy");
        assert_eq!(health["lease_directory"]["status"], "unhealthy");
        assert_eq!(
            health["lease_directory"]["providers"]["x"],
            json!({
                "type": "Etcd", "backend": "etcd", "roles": ["addressable", "cluster", "default"],
                "health": {"status": "unhealthy", "reason": "etcd: connection refused"},
            })
        );
        assert_eq!(health["protocols"]["redis"]["health"]["status"], "healthy", "the storages are still shown");
    }

    /// Each provider's counters appear in /metrics labelled by its name and type.
    #[tokio::test]
    async fn metrics_show_every_lease_provider() {
        let a = provider("a", BackendKind::LsmTree, ProviderHealth::Healthy);
        let lease = AddressableLease {
            reference: AddressableReference::new("t", "k"),
            node_id: NodeId::new("n"),
            activation_id: 1,
            created_at: 0,
            expires_at: i64::MAX / 2,
        };
        a.directory.store_lease(&lease).await.expect("store");
        a.directory.get_lease(&lease.reference).await.expect("get");
        a.directory.get_lease(&lease.reference).await.expect("get");
        let state = AdminState {
            protocols: vec![],
            lease_directory: leases(vec![a, provider("b", BackendKind::Redis, ProviderHealth::Healthy)]),
            cluster: None,
        };
        let response = get(state, "/metrics").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        for line in [
            "orbit_lease_provider_operations_total{provider=\"a\",type=\"LsmTree\",operation=\"write\"} 1",
            "orbit_lease_provider_operations_total{provider=\"a\",type=\"LsmTree\",operation=\"read\"} 2",
            "orbit_lease_provider_operations_total{provider=\"b\",type=\"Redis\",operation=\"read\"} 0",
            "orbit_lease_provider_errors_total{provider=\"b\",type=\"Redis\"} 0",
        ] {
            assert!(response.lines().any(|l| l == line), "missing {line:?} in\n{response}");
        }
    }

    /// A Composite's member that is down makes the directory Degraded, not Unhealthy:
    /// the Composite serves from the other one.
    #[tokio::test]
    async fn a_member_down_under_a_composite_is_degraded_not_503() {
        let mut member = provider("x", BackendKind::Etcd, ProviderHealth::Unhealthy { reason: "gone".into() });
        member.roles = vec!["member"];
        let mut backup = provider("local", BackendKind::CowBTree, ProviderHealth::Healthy);
        backup.roles = vec!["member"];
        let pair = provider("pair", BackendKind::Composite, ProviderHealth::Degraded { reason: "primary down".into() });
        let state = AdminState {
            protocols: vec![status(Protocol::Redis, Arc::new(MemoryEngine::new())).await],
            lease_directory: leases(vec![pair, member, backup]),
            cluster: None,
        };
        let response = get(state, "/health").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        let health = body(&response);
        assert_eq!(health["status"], "degraded");
        assert_eq!(health["lease_directory"]["providers"]["x"]["health"]["status"], "unhealthy", "shown as it is");
        assert_eq!(health["lease_directory"]["providers"]["x"]["roles"], json!(["member"]));
    }
}
