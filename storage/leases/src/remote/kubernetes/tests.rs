//! The Kubernetes backend's tests, all against the FAKE API server of [`super::fake`]
//! (no real cluster here): the whole conformance suite, the fake's refusal of a stale
//! resourceVersion, concurrent writers of one shard, a second client, nodes as Lease
//! objects, health, metrics, settings through the configuration.

use super::client::{resource_version, ApiClient, Resource, WriteOutcome};
use super::fake::FakeApiServer;
use super::settings::{KubernetesSettings, TokenSource};
use super::KubernetesDirectory;
use crate::config::{BackendKind, PersistenceConfig};
use crate::conformance::{lease, node, ScratchDir};
use crate::provider::{AddressableLease, LeaseError, LeaseResult, NodeId, ProviderHealth};
use crate::registry::{LeaseBackend, PersistenceProviderRegistry};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "test-token";

fn settings(fake: &FakeApiServer, shards: u32) -> KubernetesSettings {
    KubernetesSettings {
        namespace: Some("orbit".into()),
        in_cluster: false,
        api_server: Some(fake.base_url.clone()),
        token: TokenSource::Static(fake.token.clone()),
        shards,
        ..KubernetesSettings::default()
    }
}

fn directory_on(fake: &Arc<FakeApiServer>, settings: &KubernetesSettings) -> LeaseResult<LeaseBackend> {
    let mut directory = KubernetesDirectory::connect("k8s", settings)?;
    directory._fake = Some(fake.clone());
    Ok(LeaseBackend::from_directory("k8s", BackendKind::Kubernetes, Arc::new(directory)))
}

/// A fresh fake API server per test, held by the directory.
fn open(_: &Path) -> LeaseResult<LeaseBackend> {
    let fake = FakeApiServer::start(TOKEN).map_err(|e| LeaseError::Unavailable(format!("fake API server: {e}")))?;
    directory_on(&fake, &settings(&fake, 4))
}

mod conformance_against_the_fake {
    use super::open;
    crate::lease_conformance_tests!(open, crate::conformance::Durability::None);
}

fn far(ty: &str, key: &str, node: &str) -> AddressableLease {
    lease(ty, key, node, i64::MAX / 2)
}

fn api(fake: &FakeApiServer) -> ApiClient {
    let s = settings(fake, 1);
    ApiClient::new(&s.endpoint("k8s").expect("endpoint"), false, Duration::from_secs(5)).expect("client")
}

#[tokio::test]
async fn the_fake_refuses_a_stale_resource_version_and_a_second_create() {
    let fake = FakeApiServer::start(TOKEN).expect("fake");
    let client = api(&fake);
    let object = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "orbit"}, "data": {"a": "1"}});
    assert!(matches!(client.create(Resource::ConfigMap, "cm", &object).await.expect("create"), WriteOutcome::Done(_)));
    assert_eq!(client.create(Resource::ConfigMap, "cm", &object).await.expect("create"), WriteOutcome::Conflict);
    let read = client.get(Resource::ConfigMap, "cm").await.expect("get").expect("exists");
    let rv = resource_version(&read).expect("rv").to_string();
    let mut first = read.clone();
    first["data"]["a"] = "2".into();
    let WriteOutcome::Done(written) = client.replace(Resource::ConfigMap, "cm", &first).await.expect("put") else {
        panic!("the first PUT with the current resourceVersion lands");
    };
    assert_ne!(resource_version(&written), Some(rv.as_str()), "a write moves the resourceVersion");
    let mut stale = read.clone();
    stale["data"]["a"] = "3".into();
    assert_eq!(client.replace(Resource::ConfigMap, "cm", &stale).await.expect("put"), WriteOutcome::Conflict);
    assert_eq!(client.delete(Resource::ConfigMap, "cm", &rv).await.expect("delete"), WriteOutcome::Conflict);
    let now = client.get(Resource::ConfigMap, "cm").await.expect("get").expect("exists");
    assert_eq!(now["data"]["a"], "2", "the stale write changed nothing");
    assert_eq!(client.get(Resource::ConfigMap, "nothing").await.expect("get"), None);
    assert_eq!(fake.counters.conflicts.load(Ordering::Relaxed), 2);
    assert_eq!(fake.counters.already_exists.load(Ordering::Relaxed), 1);
    // A wrong token is refused, and the error says so.
    let mut wrong = settings(&fake, 1);
    wrong.token = TokenSource::Static("nope".into());
    let bad = ApiClient::new(&wrong.endpoint("k8s").expect("endpoint"), false, Duration::from_secs(5)).expect("client");
    let e = bad.get(Resource::ConfigMap, "cm").await.expect_err("401");
    assert!(matches!(&e, LeaseError::Unavailable(m) if m.contains("401")), "{e}");
}

/// Eight writers on a directory of ONE shard: every write lands, through 409 retries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_to_one_shard_all_land() {
    let fake = FakeApiServer::start(TOKEN).expect("fake");
    let b = directory_on(&fake, &settings(&fake, 1)).expect("open");
    let mut handles = Vec::new();
    for t in 0..8 {
        let d = b.addressable.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..25 {
                d.store_lease(&far("one", &format!("t{t}-k{i}"), &format!("n{t}"))).await.expect("store");
            }
        }));
    }
    for h in handles {
        h.await.expect("writer");
    }
    let all = b.addressable.list_all_leases().await.expect("list");
    assert_eq!(all.len(), 200, "every write landed");
    for t in 0..8 {
        assert_eq!(b.addressable.list_node_leases(&NodeId::new(format!("n{t}"))).await.expect("node").len(), 25);
    }
    assert!(fake.counters.conflicts.load(Ordering::Relaxed) > 0, "the writers collided and retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_client_sees_everything_and_versions_match() {
    let fake = FakeApiServer::start(TOKEN).expect("fake");
    let first = directory_on(&fake, &settings(&fake, 4)).expect("first");
    let second = directory_on(&fake, &settings(&fake, 4)).expect("second");
    let mine = far("t", "k", "n1");
    let granted = match first.addressable.try_acquire(&mine, None).await.expect("acquire") {
        crate::provider::AcquireOutcome::Acquired(g) => g,
        other => panic!("{other:?}"),
    };
    first.cluster.store_node(&node("n1", i64::MAX / 2)).await.expect("node");
    assert_eq!(second.addressable.get_versioned_lease(&mine.reference).await.expect("get"), Some(granted.clone()));
    assert_eq!(second.cluster.list_all_nodes().await.expect("nodes"), vec![node("n1", i64::MAX / 2)]);
    let theirs = far("t", "k", "n2");
    assert!(matches!(
        second.addressable.try_acquire(&theirs, None).await.expect("try"),
        crate::provider::AcquireOutcome::HeldBy(h) if h == granted
    ));
    // A directory with another shard count refuses the shards it finds.
    let other = directory_on(&fake, &settings(&fake, 8)).expect("open");
    let e = other.directory.initialize().await.expect_err("shard count");
    assert!(matches!(&e, LeaseError::Config(m) if m.contains("shards = 4")), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_are_lease_objects_with_a_holder() {
    let fake = FakeApiServer::start(TOKEN).expect("fake");
    let b = directory_on(&fake, &settings(&fake, 2)).expect("open");
    let soon = crate::provider::now_millis() + 30_000;
    b.cluster.store_node(&node("Node-A", soon)).await.expect("store");
    let client = api(&fake);
    let object = client.get(Resource::Lease, "orbit-data-node--4eode-2d-41").await.expect("get");
    let object = object.expect("the node's Lease object");
    assert_eq!(object["spec"]["holderIdentity"], "Node-A");
    let secs = object["spec"]["leaseDurationSeconds"].as_i64().expect("duration");
    assert!((29..=31).contains(&secs), "{secs}");
    assert!(object["spec"]["renewTime"].as_str().is_some_and(|t| t.ends_with('Z')));
    b.cluster.renew_node_lease(&NodeId::new("Node-A"), 5).await.expect("renew into the past");
    let object = client.get(Resource::Lease, "orbit-data-node--4eode-2d-41").await.expect("get").expect("exists");
    assert_eq!(object["spec"]["leaseDurationSeconds"], 1, "the API server refuses 0: the shortest is 1");
    assert_eq!(b.cluster.cleanup_expired_nodes(10).await.expect("cleanup"), 1);
    assert_eq!(client.get(Resource::Lease, "orbit-data-node--4eode-2d-41").await.expect("get"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics() {
    let fake = FakeApiServer::start(TOKEN).expect("fake");
    let b = directory_on(&fake, &settings(&fake, 1)).expect("open");
    assert_eq!(b.directory.health_check().await, ProviderHealth::Healthy);
    // A shard near the 1 MiB ConfigMap limit is Degraded; past it the API server refuses.
    let big: Vec<AddressableLease> =
        (0..900).map(|i| far("big", &format!("k{i}"), &format!("node-{i}-{}", "x".repeat(800)))).collect();
    b.addressable.store_leases_bulk(&big).await.expect("bulk under the limit");
    assert!(matches!(b.directory.health_check().await, ProviderHealth::Degraded { .. }));
    let more: Vec<AddressableLease> =
        (900..1300).map(|i| far("big", &format!("k{i}"), &format!("node-{i}-{}", "x".repeat(800)))).collect();
    let e = b.addressable.store_leases_bulk(&more).await.expect_err("over 1 MiB");
    assert!(e.to_string().contains("422"), "{e}");
    let m = b.directory.metrics().await;
    assert!(m.write_operations >= 900 && m.error_count >= 1, "{m:?}");
    // Unreachable or unauthorised: Unhealthy, with the reason.
    let mut wrong = settings(&fake, 1);
    wrong.token = TokenSource::Static("nope".into());
    let denied = directory_on(&fake, &wrong).expect("open");
    assert!(
        matches!(denied.directory.health_check().await, ProviderHealth::Unhealthy { reason } if reason.contains("401"))
    );
    drop(b);
    drop(denied);
    let gone = {
        let base = fake.base_url.clone();
        drop(fake);
        KubernetesSettings { api_server: Some(base), ..settings_for_nothing() }
    };
    let d = KubernetesDirectory::connect("k8s", &gone).expect("connect");
    use crate::provider::PersistenceProvider;
    assert!(matches!(d.health_check().await, ProviderHealth::Unhealthy { .. }), "the server stopped");
}

fn settings_for_nothing() -> KubernetesSettings {
    KubernetesSettings {
        in_cluster: false,
        token: TokenSource::Static("t".into()),
        timeout_secs: 2,
        ..Default::default()
    }
}

/// The provider opens from the documents' TOML, with a token file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opened_from_the_configuration_with_a_token_file() {
    let fake = FakeApiServer::start(TOKEN).expect("fake");
    let dir = ScratchDir::new("k8s-config");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("token file");
    let toml = format!(
        "[server]\npersistence_backend = \"k8s\"\n[providers.k8s]\ntype = \"Kubernetes\"\nnamespace = \"orbit\"\n\
         config_map_name = \"orbit-data\"\nsecret_name = \"orbit-secrets\"\nin_cluster = false\napi_server = \"{}\"\n\
         token_file = \"{}\"\nshards = 3\n",
        fake.base_url,
        token_file.display()
    );
    let config = PersistenceConfig::from_toml_str(&toml).expect("config");
    let registry = PersistenceProviderRegistry::open(&config, dir.path()).expect("open");
    let b = registry.addressable_backend().expect("backend");
    assert_eq!(b.kind, BackendKind::Kubernetes);
    assert_eq!(b.directory.backend_name(), "kubernetes");
    registry.initialize_all().await.expect("initialize");
    b.addressable.store_lease(&far("cfg", "k", "n")).await.expect("store");
    let shard = super::shards::shard_of(&far("cfg", "k", "n").reference, 3);
    let cm = api(&fake).get(Resource::ConfigMap, &format!("orbit-data-{shard}")).await.expect("get").expect("shard");
    assert_eq!(cm["metadata"]["annotations"]["orbit.io/shard-count"], "3");
    assert!(cm["data"]["l.cfg.k"].as_str().is_some_and(|r| r.contains("\"f\":1")), "{cm}");
    let bad = PersistenceConfig::from_toml_str(
        "[server]\npersistence_backend = \"k8s\"\n[providers.k8s]\ntype = \"Kubernetes\"\nshards = 0\n",
    )
    .expect("parses");
    let e = PersistenceProviderRegistry::open(&bad, dir.path()).expect_err("bad shards");
    assert!(e.to_string().contains("providers.k8s.shards"), "{e}");
}
