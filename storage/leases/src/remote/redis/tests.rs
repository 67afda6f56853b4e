//! Tests of the Redis backend against a real redis-server each test starts (the binary
//! from `ORBIT_REDIS_SERVER_BIN`, PATH or /usr/bin; Debian package `redis-server`), on a
//! free port with its own data directory, appendonly with fsync on every write.

use super::settings::RedisSettings;
use super::RedisDirectory;
use crate::config::{BackendKind, PersistenceConfig};
use crate::conformance::{lease, node, ScratchDir};
use crate::provider::{AcquireOutcome, LeaseError, LeaseResult, ProviderHealth, RenewOutcome};
use crate::registry::{LeaseBackend, PersistenceProviderRegistry};
use crate::remote::testing::{find_executable, free_port, skip, ServerProcess};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

pub fn redis_server_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ORBIT_REDIS_SERVER_BIN") {
        return Some(PathBuf::from(path));
    }
    find_executable("redis-server", &["/usr/bin/redis-server", "/usr/local/bin/redis-server"])
}

/// Starts redis-server on `port` with its data (the append-only file) in `data`; the
/// guard's own directory (its log) is `run`.
pub fn start_redis_on(port: u16, data: &Path, run: &Path) -> Result<ServerProcess, String> {
    let binary = redis_server_binary().ok_or("redis-server not found (apt-get install -y redis-server)")?;
    std::fs::create_dir_all(data).map_err(|e| e.to_string())?;
    let mut command = Command::new(binary);
    command
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--protected-mode", "no"])
        .arg("--dir")
        .arg(data)
        .args(["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"]);
    ServerProcess::start(command, port, run, Duration::from_secs(20))
}

/// Starts a redis-server with its data under `dir` on a free port (a few tries, in case
/// another test took the port meanwhile).
pub fn start_redis(dir: &Path) -> LeaseResult<ServerProcess> {
    let mut last = String::new();
    for attempt in 0..5 {
        let port = free_port();
        match start_redis_on(port, &dir.join("redis-data"), &dir.join(format!("redis-run-{attempt}"))) {
            Ok(server) => return Ok(server),
            Err(e) if e.contains("not found") => return Err(LeaseError::Unavailable(e)),
            Err(e) => last = e,
        }
    }
    Err(LeaseError::Unavailable(format!("redis-server did not start: {last}")))
}

pub fn settings_for(port: u16) -> RedisSettings {
    RedisSettings {
        url: format!("redis://127.0.0.1:{port}"),
        retry_count: 1,
        connection_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(5),
        ..RedisSettings::default()
    }
}

/// A Redis backend over its own server (stopped with the backend).
pub fn open_redis(dir: &Path) -> LeaseResult<LeaseBackend> {
    let server = Arc::new(start_redis(dir)?);
    let directory = RedisDirectory::new("redis", &settings_for(server.port))?.with_server(server);
    Ok(LeaseBackend::from_directory("redis", BackendKind::Redis, Arc::new(directory)))
}

fn client(port: u16, prefix: &str) -> LeaseBackend {
    let settings = RedisSettings { prefix: prefix.into(), ..settings_for(port) };
    let directory = RedisDirectory::new("redis", &settings).expect("settings");
    LeaseBackend::from_directory("redis", BackendKind::Redis, Arc::new(directory))
}

mod conformance {
    crate::lease_conformance_tests!(super::open_redis, crate::conformance::Durability::None);
}

fn have_server(what: &str) -> bool {
    if redis_server_binary().is_none() {
        skip(what, "redis-server is not installed (apt-get install -y redis-server)");
        return false;
    }
    true
}

const FAR: i64 = i64::MAX / 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_client_sees_everything_and_another_prefix_nothing() {
    if !have_server("redis second client") {
        return;
    }
    let dir = ScratchDir::new("redis-clients");
    let server = start_redis(dir.path()).expect("server");
    let first = client(server.port, "orbit");
    let granted = match first.addressable.try_acquire(&lease("t", "k", "n1", FAR), None).await.expect("acquire") {
        AcquireOutcome::Acquired(g) => g,
        other => panic!("{other:?}"),
    };
    first.cluster.store_node(&node("n1", FAR)).await.expect("node");
    let second = client(server.port, "orbit");
    assert_eq!(second.addressable.get_versioned_lease(&granted.lease.reference).await.expect("get"), Some(granted));
    assert_eq!(second.cluster.list_all_nodes().await.expect("nodes"), vec![node("n1", FAR)]);
    let other = client(server.port, "other*[prefix]");
    assert!(other.addressable.list_all_leases().await.expect("list").is_empty());
    assert!(other.cluster.list_all_nodes().await.expect("nodes").is_empty());
    assert!(other.directory.index_problems().expect("check").is_empty());
    // Every key the directory wrote is under its prefix.
    let keys: Vec<String> = {
        let c = redis::Client::open(format!("redis://127.0.0.1:{}", server.port)).expect("client");
        let mut con = c.get_multiplexed_async_connection().await.expect("connect");
        redis::cmd("KEYS").arg("*").query_async(&mut con).await.expect("keys")
    };
    assert!(!keys.is_empty() && keys.iter().all(|k| k.starts_with("orbit:")), "{keys:?}");
}

/// Leases acknowledged before a SIGKILL of the server are there after it restarts from
/// its directory (appendonly, fsync always), with their versions and fencing tokens;
/// the client reconnects by itself and tokens keep growing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_keeps_acknowledged_leases() {
    if !have_server("redis restart") {
        return;
    }
    let dir = ScratchDir::new("redis-restart");
    let data = dir.path().join("data");
    let port = free_port();
    let mut server = start_redis_on(port, &data, &dir.path().join("run-1")).expect("server");
    let b = client(port, "orbit");
    let mut granted = Vec::new();
    for i in 0..50 {
        match b.addressable.try_acquire(&lease("r", &format!("k{i}"), "n1", FAR), None).await.expect("acquire") {
            AcquireOutcome::Acquired(g) => granted.push(g),
            other => panic!("{other:?}"),
        }
    }
    let renewed = match b.addressable.renew_if_owner(&lease("r", "k0", "n1", FAR - 1), &granted[0].version).await {
        Ok(RenewOutcome::Renewed(r)) => r,
        other => panic!("{other:?}"),
    };
    granted[0] = renewed;
    assert!(b.addressable.release_if_owner(&granted[1].lease.reference, &granted[1].version).await.expect("release"));
    b.cluster.store_node(&node("n1", FAR)).await.expect("node");
    let pid = server.pid();
    server.kill();
    assert!(matches!(b.directory.health_check().await, ProviderHealth::Unhealthy { .. }), "server {pid} is dead");

    let _server = start_redis_on(port, &data, &dir.path().join("run-2")).expect("restart");
    for g in granted.iter().filter(|g| g.lease.reference.key != "k1") {
        let stored = b.addressable.get_versioned_lease(&g.lease.reference).await.expect("get after restart");
        assert_eq!(stored.as_ref(), Some(g), "{} after restart", g.lease.reference);
    }
    assert_eq!(b.addressable.get_lease(&granted[1].lease.reference).await.expect("get"), None, "released stays so");
    assert_eq!(b.cluster.get_node(&node("n1", FAR).node_id).await.expect("node"), Some(node("n1", FAR)));
    match b.addressable.try_acquire(&lease("r", "k1", "n2", FAR), None).await.expect("acquire") {
        AcquireOutcome::Acquired(g) => {
            assert!(g.fencing_token > granted[1].fencing_token, "fencing survives the restart");
            assert_ne!(g.version, granted[1].version);
        }
        other => panic!("{other:?}"),
    }
    assert!(b.directory.index_problems().expect("check").is_empty());
    assert_eq!(b.directory.health_check().await, ProviderHealth::Healthy);
}

/// With the server gone every call answers Unavailable naming the backend and the
/// operation, health is Unhealthy, and nothing panics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_server_means_unavailable_and_unhealthy() {
    if !have_server("redis stopped") {
        return;
    }
    let dir = ScratchDir::new("redis-stopped");
    let mut server = start_redis(dir.path()).expect("server");
    let b = client(server.port, "orbit");
    b.addressable.store_lease(&lease("s", "k", "n", FAR)).await.expect("store while up");
    server.kill();
    let l = lease("s", "k", "n", FAR);
    let errors = vec![
        b.addressable.try_acquire(&l, None).await.map(drop),
        b.addressable.get_lease(&l.reference).await.map(drop),
        b.addressable.list_all_leases().await.map(drop),
        b.addressable.cleanup_expired_leases(5).await.map(drop),
        b.cluster.store_node(&node("n", FAR)).await.map(drop),
        b.directory.commit_transaction(Default::default()).await.map(drop),
    ];
    for (i, e) in errors.into_iter().enumerate() {
        match e {
            Err(LeaseError::Unavailable(text)) => assert!(text.contains("redis provider \"redis\""), "{text}"),
            Ok(()) if i == 5 => {} // an empty transaction touches nothing
            other => panic!("call {i}: expected Unavailable, got {other:?}"),
        }
    }
    assert!(b.directory.index_problems().is_err());
    match b.directory.health_check().await {
        ProviderHealth::Unhealthy { reason } => assert!(reason.contains("ping"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(b.directory.initialize().await.is_err());
    assert!(b.directory.metrics().await.error_count >= 5);
}

#[test]
fn bad_settings_are_refused_naming_the_field() {
    let dir = ScratchDir::new("redis-settings");
    for (toml, want) in [
        ("url = \"http://x\"", "providers.cache.url:"),
        ("pool_size = 1000", "providers.cache.pool_size:"),
        ("databse = 1", "providers.cache.databse: unknown field"),
        ("cluster_mode = true", "providers.cache.cluster_mode:"),
    ] {
        let text = format!("[server]\npersistence_backend = \"cache\"\n[providers.cache]\ntype = \"Redis\"\n{toml}\n");
        let config = PersistenceConfig::from_toml_str(&text).expect("parses");
        let e = PersistenceProviderRegistry::open(&config, dir.path()).expect_err("refused");
        assert!(matches!(e, LeaseError::Config(_)), "{e:?}");
        assert!(e.to_string().contains(want), "{toml}: {e}");
    }
}
