//! The etcd backend against a real etcd (Debian's etcd-server 3.4; `ORBIT_ETCD_BIN`
//! names another binary) that each test starts on free 127.0.0.1 ports with its own data
//! directory: the whole conformance suite, and what only a server shows — node leases
//! expiring, a second client, a restart, the Txn size limit, settings, a stopped server.

use super::settings::EtcdSettings;
use super::EtcdDirectory;
use crate::config::{BackendKind, PersistenceConfig};
use crate::conformance::{lease, node, ScratchDir};
use crate::provider::{
    AcquireOutcome, AddressableDirectoryProvider, AddressableReference, ClusterNodeProvider, LeaseError, LeaseResult,
    LeaseTransaction, NodeId, ProviderHealth, RenewOutcome,
};
use crate::registry::{LeaseBackend, PersistenceProviderRegistry};
use crate::remote::testing::{find_executable, free_port, ServerProcess};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FAR: i64 = i64::MAX / 2;

pub(super) fn etcd_bin() -> Option<PathBuf> {
    match std::env::var_os("ORBIT_ETCD_BIN") {
        Some(path) => Some(PathBuf::from(path)),
        None => find_executable("etcd", &["/usr/bin/etcd"]),
    }
}

fn not_installed() -> LeaseError {
    LeaseError::Unavailable("no etcd binary: apt-get install -y etcd-server (or set ORBIT_ETCD_BIN)".into())
}

/// True when etcd on `port` answers `/health` with `"health":"true"` (it has a leader).
fn healthy(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.contains("\"health\":\"true\"")
}

/// Starts etcd with its data in `data` on `port` (peer port `peer`), logging under `log`;
/// returns once it is healthy.
pub(super) fn start_etcd(data: &Path, log: &Path, port: u16, peer: u16) -> Result<ServerProcess, String> {
    let bin = etcd_bin().ok_or_else(|| not_installed().to_string())?;
    let client = format!("http://127.0.0.1:{port}");
    let peer_url = format!("http://127.0.0.1:{peer}");
    let mut command = Command::new(bin);
    command
        .arg("--data-dir")
        .arg(data)
        .args(["--name", "default", "--logger", "zap", "--log-level", "warn"])
        .args(["--listen-client-urls", &client, "--advertise-client-urls", &client])
        .args(["--listen-peer-urls", &peer_url, "--initial-advertise-peer-urls", &peer_url])
        .args(["--initial-cluster", &format!("default={peer_url}")]);
    let server = ServerProcess::start(command, port, log, Duration::from_secs(30))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !healthy(port) {
        if Instant::now() > deadline {
            return Err(format!("etcd on {port} did not become healthy: {}", server.log_tail()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(server)
}

/// A fresh etcd in `dir` (retrying when a free port was taken meanwhile): the server,
/// its client port and its peer port.
pub(super) fn launch(dir: &Path) -> LeaseResult<(ServerProcess, u16, u16)> {
    etcd_bin().ok_or_else(not_installed)?;
    let mut last = String::new();
    for attempt in 0..4 {
        let (port, peer) = (free_port(), free_port());
        match start_etcd(&dir.join("etcd-data"), &dir.join(format!("etcd-log-{attempt}")), port, peer) {
            Ok(server) => return Ok((server, port, peer)),
            Err(e) => last = e,
        }
    }
    Err(LeaseError::Unavailable(format!("cannot start etcd: {last}")))
}

pub(super) fn settings(endpoints: &[String], ttl: i64) -> EtcdSettings {
    EtcdSettings { endpoints: endpoints.to_vec(), lease_ttl_secs: ttl, ..EtcdSettings::default() }
}

pub(super) fn endpoint(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn backend(directory: EtcdDirectory) -> LeaseBackend {
    LeaseBackend::from_directory("etcd", BackendKind::Etcd, Arc::new(directory))
}

/// The conformance opener: a directory holding its own etcd server.
fn open(dir: &Path) -> LeaseResult<LeaseBackend> {
    let (server, port, _) = launch(dir)?;
    let mut directory = EtcdDirectory::new("etcd", settings(&[endpoint(port)], 60))?;
    directory.server = Some(Arc::new(server));
    Ok(backend(directory))
}

/// The suite's availability check: a loud skip when no etcd binary is installed.
fn etcd_available() -> Result<(), String> {
    etcd_bin().map(drop).ok_or_else(|| not_installed().to_string())
}

mod conformance {
    use super::{etcd_available, open};

    crate::lease_conformance_tests!(open, crate::conformance::Durability::None, etcd_available);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_vanish_within_ttl_plus_one_second_after_their_node_stops_renewing() {
    let dir = ScratchDir::new("etcd-ttl");
    let (_server, port, _) = launch(dir.path()).expect("etcd");
    let d = EtcdDirectory::new("etcd", settings(&[endpoint(port)], 3)).expect("directory");
    let mut mine = Vec::new();
    for k in ["a", "b", "c"] {
        let l = lease("ttl", k, "n1", FAR);
        match d.try_acquire(&l, None).await.expect("acquire") {
            AcquireOutcome::Acquired(granted) => mine.push(granted),
            other => panic!("acquire {k}: {other:?}"),
        }
    }
    d.store_node(&node("n1", FAR)).await.expect("node");
    let other = lease("ttl", "other", "n2", FAR);
    let AcquireOutcome::Acquired(mut theirs) = d.try_acquire(&other, None).await.expect("acquire") else {
        panic!("n2's acquisition")
    };

    // While n1 renews, its keys outlive the TTL.
    let mut last_renewal = Instant::now();
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(900)).await;
        for granted in &mut mine {
            match d.renew_if_owner(&granted.lease, &granted.version).await.expect("renew") {
                RenewOutcome::Renewed(renewed) => *granted = renewed,
                other => panic!("n1's renewal: {other:?}"),
            }
        }
        last_renewal = Instant::now();
        match d.renew_if_owner(&theirs.lease, &theirs.version).await.expect("renew n2") {
            RenewOutcome::Renewed(renewed) => theirs = renewed,
            other => panic!("n2's renewal: {other:?}"),
        }
    }
    for granted in &mine {
        assert!(d.get_lease(&granted.lease.reference).await.expect("get").is_some(), "renewed past the TTL");
    }

    // n1 stops; n2 keeps renewing. n1's leases and node record vanish together.
    let deadline = last_renewal + Duration::from_secs(3 + 1);
    loop {
        match d.renew_if_owner(&theirs.lease, &theirs.version).await.expect("renew n2") {
            RenewOutcome::Renewed(renewed) => theirs = renewed,
            other => panic!("n2's renewal: {other:?}"),
        }
        let mut left = 0;
        for granted in &mine {
            left += usize::from(d.get_lease(&granted.lease.reference).await.expect("get").is_some());
        }
        let node_left = d.get_node(&NodeId::new("n1")).await.expect("node");
        if left == 0 && node_left.is_none() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{left} of n1's leases (node record kept: {}) still there {:?} after its last renewal (TTL 3 s)",
            node_left.is_some(),
            last_renewal.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(d.get_lease(&other.reference).await.expect("get").is_some(), "n2's renewed lease stays");
    // The key is free again and its next acquisition fences the old holder out.
    let again = lease("ttl", "a", "n3", FAR);
    match d.try_acquire(&again, None).await.expect("acquire") {
        AcquireOutcome::Acquired(granted) => assert!(granted.fencing_token > mine[0].fencing_token),
        other => panic!("after expiry: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_client_sees_what_another_wrote_and_shares_the_node_lease() {
    let dir = ScratchDir::new("etcd-clients");
    let (_server, port, _) = launch(dir.path()).expect("etcd");
    let a = backend(EtcdDirectory::new("a", settings(&[endpoint(port)], 60)).expect("a"));
    let leases: Vec<_> = (0..20).map(|i| lease("shared", &format!("k{i}"), &format!("n{}", i % 2), FAR)).collect();
    a.addressable.store_leases_bulk(&leases).await.expect("bulk");
    a.cluster.store_node(&node("n0", FAR)).await.expect("node");
    let mine = lease("shared", "owned", "n0", FAR);
    let AcquireOutcome::Acquired(granted) = a.addressable.try_acquire(&mine, None).await.expect("acquire") else {
        panic!("a's acquisition")
    };

    let b_dir = EtcdDirectory::new("b", settings(&[endpoint(port)], 60)).expect("b");
    let b = backend(EtcdDirectory::new("b", settings(&[endpoint(port)], 60)).expect("b"));
    assert_eq!(b.addressable.list_all_leases().await.expect("all").len(), 21);
    assert_eq!(b.addressable.list_node_leases(&NodeId::new("n1")).await.expect("n1").len(), 10);
    assert_eq!(b.cluster.get_node(&NodeId::new("n0")).await.expect("node"), Some(node("n0", FAR)));
    assert_eq!(b.addressable.get_versioned_lease(&mine.reference).await.expect("get"), Some(granted.clone()));
    let intruder = lease("shared", "owned", "n1", FAR);
    assert_eq!(
        b.addressable.try_acquire(&intruder, None).await.expect("try"),
        AcquireOutcome::HeldBy(granted.clone()),
        "the second client sees the first one's holder"
    );
    // Both clients use the one etcd lease of node n0.
    let id_a = a_lease_id(&b_dir, "n0").await;
    let AcquireOutcome::Acquired(_) =
        b.addressable.try_acquire(&lease("shared", "by-b", "n0", FAR), None).await.expect("b acquires")
    else {
        panic!("b's acquisition")
    };
    assert_eq!(a_lease_id(&b_dir, "n0").await, id_a);
    let n0: Vec<String> = a
        .addressable
        .list_node_leases(&NodeId::new("n0"))
        .await
        .expect("n0")
        .into_iter()
        .map(|l| l.reference.key)
        .collect();
    assert!(n0.contains(&"by-b".to_string()), "{n0:?}");
    // The first client renews what it acquired; the second sees the new version.
    let RenewOutcome::Renewed(renewed) = a.addressable.renew_if_owner(&mine, &granted.version).await.expect("renew")
    else {
        panic!("renewal")
    };
    assert_eq!(b.addressable.get_versioned_lease(&mine.reference).await.expect("get"), Some(renewed));
}

async fn a_lease_id(d: &EtcdDirectory, node: &str) -> i64 {
    d.node_leases.lease_for(&d.gateway, &d.layout, &NodeId::new(node)).await.expect("node lease")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_from_the_data_dir_keeps_acknowledged_leases() {
    let dir = ScratchDir::new("etcd-restart");
    let (mut server, port, peer) = launch(dir.path()).expect("etcd");
    let b = backend(EtcdDirectory::new("etcd", settings(&[endpoint(port)], 60)).expect("directory"));
    let leases: Vec<_> = (0..150).map(|i| lease("re", &format!("k{i:03}"), &format!("n{}", i % 3), FAR - i)).collect();
    b.addressable.store_leases_bulk(&leases[..100]).await.expect("bulk");
    for l in &leases[100..] {
        b.addressable.store_lease(l).await.expect("store");
    }
    let owned = lease("re", "owned", "n1", FAR);
    let AcquireOutcome::Acquired(granted) = b.addressable.try_acquire(&owned, None).await.expect("acquire") else {
        panic!("acquisition")
    };
    b.addressable.remove_lease(&leases[0].reference).await.expect("remove");
    b.cluster.store_node(&node("n1", FAR)).await.expect("node");

    server.kill();
    let restarted = start_etcd(&dir.path().join("etcd-data"), &dir.path().join("etcd-log-restart"), port, peer)
        .expect("etcd restarts from its data dir");
    for client in [b.clone(), backend(EtcdDirectory::new("fresh", settings(&[endpoint(port)], 60)).expect("fresh"))] {
        let all = client.addressable.list_all_leases().await.expect("all after restart");
        assert_eq!(all.len(), 150, "149 stored + the acquired one");
        assert_eq!(client.addressable.get_lease(&leases[0].reference).await.expect("get"), None);
        assert_eq!(client.addressable.get_lease(&leases[149].reference).await.expect("get"), Some(leases[149].clone()));
        assert_eq!(client.addressable.get_versioned_lease(&owned.reference).await.expect("get"), Some(granted.clone()));
        assert_eq!(client.cluster.get_node(&NodeId::new("n1")).await.expect("node"), Some(node("n1", FAR)));
    }
    // The old client keeps working: its renewal and a release and re-acquisition.
    let RenewOutcome::Renewed(renewed) = b.addressable.renew_if_owner(&owned, &granted.version).await.expect("renew")
    else {
        panic!("renewal after restart")
    };
    assert!(b.addressable.release_if_owner(&owned.reference, &renewed.version).await.expect("release"));
    let AcquireOutcome::Acquired(next) = b.addressable.try_acquire(&owned, None).await.expect("acquire") else {
        panic!("re-acquisition")
    };
    assert!(next.fencing_token > granted.fencing_token);
    drop(restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_over_the_txn_limit_is_refused_whole() {
    let b = open(ScratchDir::new("etcd-txn").path()).expect("open");
    // 65 stored leases make 130 etcd operations (each also bumps its fence key).
    let mut big = LeaseTransaction::default();
    for i in 0..65 {
        big.store_lease(lease("txn", &format!("k{i}"), "n1", FAR));
    }
    match b.directory.commit_transaction(big).await {
        Err(LeaseError::Backend(text)) => {
            assert!(text.contains("130 etcd operations") && text.contains("max_txn_ops"), "{text}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(b.addressable.list_all_leases().await.expect("all").is_empty(), "nothing of it was written");
    let mut fits = LeaseTransaction::default();
    for i in 0..63 {
        fits.store_lease(lease("txn", &format!("k{i}"), "n1", FAR));
    }
    fits.store_node(node("n1", FAR)).remove_lease(AddressableReference::new("txn", "absent"));
    b.directory.commit_transaction(fits).await.expect("128 operations fit");
    assert_eq!(b.addressable.list_all_leases().await.expect("all").len(), 63);
}

#[test]
fn bad_settings_are_named() {
    let dir = ScratchDir::new("etcd-settings");
    let cases = [
        ("lease_ttl = 0", "providers.store.lease_ttl"),
        ("endpoint = \"http://127.0.0.1:2379\"", "providers.store.endpoint"),
        ("endpoints = [\"127.0.0.1:2379\"]", "providers.store.endpoints"),
        ("ca_cert = \"/nonexistent/ca.pem\"", "providers.store.ca_cert"),
    ];
    for (line, field) in cases {
        let text = format!("[server]\npersistence_backend = \"store\"\n[providers.store]\ntype = \"Etcd\"\n{line}\n");
        let config = PersistenceConfig::from_toml_str(&text).expect("the file parses");
        match PersistenceProviderRegistry::open(&config, dir.path()) {
            Err(LeaseError::Config(text)) => assert!(text.contains(field), "{line}: {text}"),
            other => panic!("{line}: expected a Config error naming {field}, got {other:?}"),
        }
    }
    let good = "[server]\npersistence_backend = \"store\"\n[providers.store]\ntype = \"Etcd\"\n\
                endpoints = [\"http://127.0.0.1:1\"]\nprefix = \"orbit\"\nlease_ttl = 300\n";
    let registry =
        PersistenceProviderRegistry::open(&PersistenceConfig::from_toml_str(good).expect("parses"), dir.path());
    assert_eq!(
        registry.expect("opens without contacting etcd").default_backend().expect("default").kind,
        BackendKind::Etcd
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_server_is_unhealthy_and_operations_answer_unavailable() {
    let dir = ScratchDir::new("etcd-stopped");
    let (mut server, port, _) = launch(dir.path()).expect("etcd");
    let dead = endpoint(free_port());
    // The first endpoint refuses connections: the second one serves, health is Degraded.
    let b = backend(EtcdDirectory::new("etcd", settings(&[dead.clone(), endpoint(port)], 60)).expect("directory"));
    b.addressable.store_lease(&lease("s", "k", "n1", FAR)).await.expect("store through the second endpoint");
    match b.directory.health_check().await {
        ProviderHealth::Degraded { reason } => assert!(reason.contains(&dead), "{reason}"),
        other => panic!("one endpoint down: {other:?}"),
    }

    server.kill();
    match b.directory.health_check().await {
        ProviderHealth::Unhealthy { reason } => assert!(reason.contains(&endpoint(port)), "{reason}"),
        other => panic!("the server is stopped: {other:?}"),
    }
    let reference = AddressableReference::new("s", "k");
    let results = [
        b.addressable.get_lease(&reference).await.map(drop),
        b.addressable.store_lease(&lease("s", "k2", "n1", FAR)).await,
        b.addressable.try_acquire(&lease("s", "k3", "n1", FAR), None).await.map(drop),
        b.addressable.list_all_leases().await.map(drop),
        b.cluster.store_node(&node("n1", FAR)).await,
        b.directory.initialize().await,
    ];
    for result in results {
        match result {
            Err(LeaseError::Unavailable(text)) => assert!(text.contains("etcd provider \"etcd\""), "{text}"),
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }
    assert!(b.directory.metrics().await.error_count >= 5, "the five measured calls counted as errors");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn username_and_password_authenticate_through_the_gateway() {
    let dir = ScratchDir::new("etcd-auth");
    let (_server, port, _) = launch(dir.path()).expect("etcd");
    let admin = EtcdDirectory::new("admin", settings(&[endpoint(port)], 60)).expect("admin");
    for (path, body) in [
        ("/v3/auth/role/add", serde_json::json!({"name": "root"})),
        ("/v3/auth/user/add", serde_json::json!({"name": "root", "password": "pw"})),
        ("/v3/auth/user/grant", serde_json::json!({"user": "root", "role": "root"})),
        ("/v3/auth/enable", serde_json::json!({})),
    ] {
        admin.gateway.call(path, &body).await.unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let with = |user: Option<(&str, &str)>| {
        let mut s = settings(&[endpoint(port)], 60);
        s.username = user.map(|u| u.0.to_string());
        s.password = user.map(|u| u.1.to_string());
        backend(EtcdDirectory::new("auth", s).expect("directory"))
    };
    let good = with(Some(("root", "pw")));
    let mine = lease("auth", "k", "n1", FAR);
    assert!(matches!(good.addressable.try_acquire(&mine, None).await.expect("acquire"), AcquireOutcome::Acquired(_)));
    assert_eq!(good.addressable.list_all_leases().await.expect("list"), vec![mine.clone()]);
    for (what, client) in [("no credentials", with(None)), ("a wrong password", with(Some(("root", "bad"))))] {
        match client.addressable.get_lease(&mine.reference).await {
            Err(LeaseError::Backend(text)) => {
                assert!(text.contains("etcd provider \"auth\": get_lease"), "{what}: {text}")
            }
            other => panic!("{what}: expected a refusal, got {other:?}"),
        }
    }
}
