//! The object-store backend against real servers each test starts on a free 127.0.0.1
//! port ([`servers`]): moto for S3 and for the MinIO kind (the same S3 code with MinIO's
//! path-style default, pointed at moto: no real MinIO runs here), Azurite for Azure Blob,
//! fake-gcs-server for Google Cloud Storage. Each runs the whole conformance suite
//! (`Durability::None`: every opener starts a fresh in-memory server, so a reopen finds
//! nothing), then what only these servers show: the server itself refusing a stale
//! ETag or generation, a precondition conflict answered as the holder, take-over after
//! expiry past the skew margin with the expiry read from the object body, release as a
//! tombstone, a second client, a stopped server, settings and ORBIT_S3_* variables,
//! signed requests (moto checking SigV4 against its IAM users, Azurite the shared key), and
//! that GCS writes never depend on the preconditions fake-gcs-server ignores.
//!
//! A test whose server is not installed prints a loud skip and returns (the conformance
//! tests through the macro's availability check).

mod servers;

use super::layout::LeaseEnvelope;
use super::store::{Condition, WriteOutcome};
use super::{open_directory, ObjectDirectory};
use crate::config::{BackendKind, PersistenceConfig};
use crate::conformance::{lease, node, ScratchDir};
use crate::provider::{
    acquire_lease, now_millis, AcquireOutcome, AddressableDirectoryProvider, ClusterNodeProvider, LeaseError,
    LeaseResult, PersistenceProvider, ProviderHealth, RenewOutcome,
};
use crate::registry::{LeaseBackend, PersistenceProviderRegistry};
use crate::remote::testing::{skip, ServerProcess};
use object_store::path::Path as ObjectPath;
use serde_json::{json, Map, Value};
use servers::Kind;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const FAR: i64 = i64::MAX / 2;

fn no_env(_: &str) -> Option<String> {
    None
}

/// A directory of `kind` over `table` (environment empty), prefix `prefix`.
fn directory_on(kind: Kind, table: &Map<String, Value>, prefix: &str) -> ObjectDirectory {
    let mut table = table.clone();
    table.insert("prefix".into(), json!(prefix));
    open_directory("objects", kind.backend(), &table, &no_env).expect("open the directory")
}

fn backend(kind: Kind, directory: ObjectDirectory) -> LeaseBackend {
    LeaseBackend::from_directory("objects", kind.backend(), Arc::new(directory))
}

/// The conformance opener: a directory holding its own fresh server.
fn open_with_server(kind: Kind, dir: &Path) -> LeaseResult<LeaseBackend> {
    let server = servers::start(kind, dir)?;
    let table = servers::table(kind, server.port);
    let directory = open_directory("objects", kind.backend(), &table, &no_env)?.keeping(Arc::new(server));
    Ok(backend(kind, directory))
}

#[cfg(feature = "s3")]
fn open_s3(dir: &Path) -> LeaseResult<LeaseBackend> {
    open_with_server(Kind::S3, dir)
}

#[cfg(feature = "s3")]
fn open_minio_on_moto(dir: &Path) -> LeaseResult<LeaseBackend> {
    open_with_server(Kind::MinIOOnMoto, dir)
}

#[cfg(feature = "azure")]
fn open_azure(dir: &Path) -> LeaseResult<LeaseBackend> {
    open_with_server(Kind::Azure, dir)
}

#[cfg(feature = "gcs")]
fn open_gcs(dir: &Path) -> LeaseResult<LeaseBackend> {
    open_with_server(Kind::GoogleCloud, dir)
}

/// Whether `kind`'s server is installed (the conformance tests skip loudly when not).
fn installed(kind: Kind) -> Result<(), String> {
    match servers::executable(kind) {
        Some(_) => Ok(()),
        None => Err(format!("{} is not installed: run scripts/install-object-servers.sh", kind.label())),
    }
}

#[cfg(feature = "s3")]
fn installed_s3() -> Result<(), String> {
    installed(Kind::S3)
}

#[cfg(feature = "s3")]
fn installed_minioonmoto() -> Result<(), String> {
    installed(Kind::MinIOOnMoto)
}

#[cfg(feature = "azure")]
fn installed_azure() -> Result<(), String> {
    installed(Kind::Azure)
}

#[cfg(feature = "gcs")]
fn installed_googlecloud() -> Result<(), String> {
    installed(Kind::GoogleCloud)
}

#[cfg(feature = "s3")]
mod conformance_s3_moto {
    crate::lease_conformance_tests!(super::open_s3, crate::conformance::Durability::None, super::installed_s3);
}

/// The MinIO provider type (path-style, endpoint required) against moto, not MinIO.
#[cfg(feature = "s3")]
mod conformance_minio_kind_on_moto {
    crate::lease_conformance_tests!(
        super::open_minio_on_moto,
        crate::conformance::Durability::None,
        super::installed_minioonmoto
    );
}

#[cfg(feature = "azure")]
mod conformance_azure_azurite {
    crate::lease_conformance_tests!(super::open_azure, crate::conformance::Durability::None, super::installed_azure);
}

#[cfg(feature = "gcs")]
mod conformance_gcs_fake_gcs_server {
    crate::lease_conformance_tests!(
        super::open_gcs,
        crate::conformance::Durability::None,
        super::installed_googlecloud
    );
}

/// A running server for one test and the table that reaches it; `None` (after a loud
/// skip) when the server is not installed.
struct Running {
    kind: Kind,
    server: ServerProcess,
    table: Map<String, Value>,
    _dir: ScratchDir,
}

impl Running {
    fn start(kind: Kind, what: &str) -> Option<Running> {
        if servers::executable(kind).is_none() {
            skip(
                &format!("{what} on {}", kind.label()),
                "the server is not installed: run scripts/install-object-servers.sh",
            );
            return None;
        }
        let dir = ScratchDir::new("objects");
        let server = servers::start(kind, dir.path()).expect("start the server");
        let table = servers::table(kind, server.port);
        Some(Running { kind, server, table, _dir: dir })
    }

    fn directory(&self, prefix: &str) -> ObjectDirectory {
        directory_on(self.kind, &self.table, prefix)
    }
}

/// One test per server kind for each check below.
macro_rules! on_every_server {
    ($($check:ident),* $(,)?) => {
        $(
            mod $check {
                use super::Kind;

                #[cfg(feature = "s3")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn s3_moto() {
                    super::$check(Kind::S3).await
                }

                #[cfg(feature = "s3")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn minio_kind_on_moto() {
                    super::$check(Kind::MinIOOnMoto).await
                }

                #[cfg(feature = "azure")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn azure_azurite() {
                    super::$check(Kind::Azure).await
                }

                #[cfg(feature = "gcs")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn gcs_fake_gcs_server() {
                    super::$check(Kind::GoogleCloud).await
                }
            }
        )*
    };
}

on_every_server!(
    the_server_refuses_a_stale_version_and_a_second_create,
    a_precondition_conflict_answers_the_holder,
    take_over_after_expiry_past_the_skew_margin,
    release_writes_a_tombstone_that_keeps_the_fencing_counter,
    a_second_client_shares_the_prefix_and_another_prefix_is_apart,
    a_stopped_server_is_unavailable_and_unhealthy,
);

fn acquired(outcome: AcquireOutcome) -> crate::provider::VersionedLease {
    match outcome {
        AcquireOutcome::Acquired(granted) => granted,
        other => panic!("expected to acquire, got {other:?}"),
    }
}

fn envelope_of(body: &[u8]) -> LeaseEnvelope {
    serde_json::from_slice(body).expect("a lease envelope")
}

/// Behind the directory's back: the server itself refuses a create over an existing
/// object (If-None-Match: * / generation 0) and a write naming a version that is no
/// longer the object's (If-Match / generation match), and nothing is written.
async fn the_server_refuses_a_stale_version_and_a_second_create(kind: Kind) {
    let Some(running) = Running::start(kind, "stale version refused by the server") else { return };
    let d = running.directory("orbit");
    let client = d.client();
    let path = ObjectPath::from("orbit/probe/object");
    let first = match client.write(&path, b"{\"n\":1}".to_vec(), Condition::Absent).await.expect("create") {
        WriteOutcome::Written(version) => version,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        client.write(&path, b"{\"n\":2}".to_vec(), Condition::Absent).await.expect("create again"),
        WriteOutcome::Conflict,
        "{}: a second create must be refused by the server",
        kind.label()
    );
    let second = match client.write(&path, b"{\"n\":3}".to_vec(), Condition::Version(&first)).await.expect("update") {
        WriteOutcome::Written(version) => version,
        other => panic!("{}: the current version must match: {other:?}", kind.label()),
    };
    assert_ne!(first, second);
    assert_eq!(
        client.write(&path, b"{\"n\":4}".to_vec(), Condition::Version(&first)).await.expect("stale update"),
        WriteOutcome::Conflict,
        "{}: a stale version must be refused by the server",
        kind.label()
    );
    let stored = client.read(&path).await.expect("read").expect("stored");
    assert_eq!((stored.body.as_slice(), stored.version.as_str()), (&b"{\"n\":3}"[..], second.as_str()));
    let missing = ObjectPath::from("orbit/probe/missing");
    assert_eq!(
        client.write(&missing, b"{}".to_vec(), Condition::Version(&second)).await.expect("update of nothing"),
        WriteOutcome::Conflict,
        "{}: a version precondition on a missing object",
        kind.label()
    );
    assert!(client.read(&missing).await.expect("read").is_none());
}

/// Two clients: the one that loses the compare-and-swap is answered the holder's lease
/// and version, and a version that went stale is answered the current one.
async fn a_precondition_conflict_answers_the_holder(kind: Kind) {
    let Some(running) = Running::start(kind, "conflict answers the holder") else { return };
    let (d1, d2) = (running.directory("orbit"), running.directory("orbit"));
    let mine = lease("conflict", "k", "n1", FAR - 1);
    let granted = acquired(d1.try_acquire(&mine, None).await.expect("acquire"));
    match d2.try_acquire(&lease("conflict", "k", "n2", FAR), None).await.expect("second acquire") {
        AcquireOutcome::HeldBy(holder) => assert_eq!(holder, granted),
        other => panic!("{}: {other:?}", kind.label()),
    }
    let renewed = match d1.renew_if_owner(&lease("conflict", "k", "n1", FAR), &granted.version).await.expect("renew") {
        RenewOutcome::Renewed(renewed) => renewed,
        other => panic!("{other:?}"),
    };
    match d2.try_acquire(&lease("conflict", "k", "n2", FAR), Some(&granted.version)).await.expect("stale take-over") {
        AcquireOutcome::HeldBy(holder) => assert_eq!(holder, renewed, "the stale version is answered the current"),
        other => panic!("{}: a stale version must not take over: {other:?}", kind.label()),
    }
    // The server-side race: d2 read the object, then d1 renewed it; d2's write,
    // conditioned on what it read, is refused by the server and d2 answers d1's lease.
    let path = d2.layout().lease(&mine.reference);
    let seen = d2.client().read(&path).await.expect("read").expect("stored");
    let again = match d1.renew_if_owner(&lease("conflict", "k", "n1", FAR), &renewed.version).await.expect("renew") {
        RenewOutcome::Renewed(again) => again,
        other => panic!("{other:?}"),
    };
    let mut next = envelope_of(&seen.body);
    next.lease = Some(lease("conflict", "k", "n2", FAR));
    let body = serde_json::to_vec(&next).expect("encode");
    assert_eq!(
        d2.client().write(&path, body, Condition::Version(&seen.version)).await.expect("write"),
        WriteOutcome::Conflict
    );
    assert_eq!(d2.get_versioned_lease(&mine.reference).await.expect("get"), Some(again));
}

/// The expiry is the one written in the object body; another node takes the key over
/// only once its clock is past that expiry plus the skew margin, with a larger fencing
/// token, and the old owner can neither renew nor release.
async fn take_over_after_expiry_past_the_skew_margin(kind: Kind) {
    let Some(running) = Running::start(kind, "take-over past the skew margin") else { return };
    let d = running.directory("orbit");
    let now = now_millis();
    let first = lease("skew", "k", "n1", now + 2_000);
    let a = acquired(acquire_lease(&d, &first, now, 1_000).await.expect("acquire"));
    let stored = d.client().read(&d.layout().lease(&first.reference)).await.expect("read").expect("stored");
    let body = envelope_of(&stored.body);
    assert_eq!(body.lease.as_ref().map(|l| l.expires_at), Some(first.expires_at), "expiry kept in the body");
    assert_eq!(body.fencing, a.fencing_token);

    let second = lease("skew", "k", "n2", now + 60_000);
    let margin = 1_000;
    for clock in [first.expires_at - 1, first.expires_at + 1, first.expires_at + margin - 1] {
        match acquire_lease(&d, &second, clock, margin).await.expect("try") {
            AcquireOutcome::HeldBy(holder) => assert_eq!(holder, a, "clock {clock}: within expiry + margin"),
            other => panic!("{}: taken over at {clock}, within the margin: {other:?}", kind.label()),
        }
    }
    let b = acquired(acquire_lease(&d, &second, first.expires_at + margin, margin).await.expect("take over"));
    assert!(b.fencing_token > a.fencing_token, "{} then {}", a.fencing_token, b.fencing_token);
    assert_ne!(b.version, a.version);
    assert!(matches!(d.renew_if_owner(&first, &a.version).await.expect("renew"), RenewOutcome::NotOwner(Some(_))));
    assert!(!d.release_if_owner(&first.reference, &a.version).await.expect("release"));
    assert_eq!(d.get_versioned_lease(&first.reference).await.expect("get"), Some(b));
}

/// A release writes a tombstone (the object stays, without a lease, with the fencing
/// counter), conditioned on the version; the next acquisition counts on from it. An
/// expired lease cleaned up leaves a tombstone too.
async fn release_writes_a_tombstone_that_keeps_the_fencing_counter(kind: Kind) {
    let Some(running) = Running::start(kind, "release tombstone") else { return };
    let d = running.directory("orbit");
    let mine = lease("tomb", "k", "n1", FAR);
    let granted = acquired(d.try_acquire(&mine, None).await.expect("acquire"));
    assert!(d.release_if_owner(&mine.reference, &granted.version).await.expect("release"));
    let path = d.layout().lease(&mine.reference);
    let stored = d.client().read(&path).await.expect("read").expect("the tombstone stays");
    let tombstone = envelope_of(&stored.body);
    assert_eq!((tombstone.lease, tombstone.fencing), (None, granted.fencing_token));
    assert_ne!(stored.version, granted.version.0);
    assert_eq!(d.get_versioned_lease(&mine.reference).await.expect("get"), None);
    assert!(d.list_all_leases().await.expect("list").is_empty(), "a tombstone is not listed");

    let next = acquired(d.try_acquire(&lease("tomb", "k", "n2", 5_000), None).await.expect("acquire again"));
    assert_eq!(next.fencing_token, granted.fencing_token + 1);
    assert_eq!(d.cleanup_expired_leases(10_000).await.expect("cleanup"), 1);
    let cleaned = envelope_of(&d.client().read(&path).await.expect("read").expect("tombstone").body);
    assert_eq!((cleaned.lease, cleaned.fencing), (None, next.fencing_token));
    let third = acquired(d.try_acquire(&lease("tomb", "k", "n3", FAR), None).await.expect("acquire a third time"));
    assert_eq!(third.fencing_token, next.fencing_token + 1);
}

/// A second client on the same bucket and prefix sees every lease and node; one on
/// another prefix sees none, and every object the directory wrote is under its prefix.
async fn a_second_client_shares_the_prefix_and_another_prefix_is_apart(kind: Kind) {
    let Some(running) = Running::start(kind, "second client") else { return };
    let first = running.directory("orbit/one");
    let granted = acquired(first.try_acquire(&lease("t", "a/b c", "n1", FAR), None).await.expect("acquire"));
    first.store_node(&node("n1", FAR)).await.expect("node");
    let second = running.directory("orbit/one");
    assert_eq!(second.get_versioned_lease(&granted.lease.reference).await.expect("get"), Some(granted.clone()));
    assert_eq!(second.list_node_leases(&granted.lease.node_id).await.expect("list"), vec![granted.lease.clone()]);
    assert_eq!(second.list_all_nodes().await.expect("nodes"), vec![node("n1", FAR)]);
    let other = running.directory("orbit/two");
    assert!(other.list_all_leases().await.expect("list").is_empty());
    assert!(other.list_all_nodes().await.expect("nodes").is_empty());
    assert_eq!(other.get_lease(&granted.lease.reference).await.expect("get"), None);
    let (prefixes, objects) = first.client().list_level(&ObjectPath::from("orbit")).await.expect("list");
    assert!(objects.is_empty(), "{objects:?}");
    assert_eq!(prefixes, vec![ObjectPath::from("orbit/one")]);
    assert_eq!(first.health_check().await, ProviderHealth::Healthy);
}

/// With the server gone every call answers Unavailable naming the backend, health is
/// Unhealthy, the errors are counted, and nothing panics.
async fn a_stopped_server_is_unavailable_and_unhealthy(kind: Kind) {
    let Some(mut running) = Running::start(kind, "stopped server") else { return };
    running.table.insert("retry_count".into(), json!(0));
    running.table.insert("connection_timeout".into(), json!(5));
    let d = running.directory("orbit");
    d.store_lease(&lease("s", "k", "n", FAR)).await.expect("store while up");
    running.server.kill();
    let l = lease("s", "k", "n", FAR);
    let results = vec![
        d.try_acquire(&l, None).await.map(drop),
        d.get_lease(&l.reference).await.map(drop),
        d.list_all_leases().await.map(drop),
        d.cleanup_expired_leases(5).await.map(drop),
        d.store_node(&node("n", FAR)).await.map(drop),
        d.renew_node_lease(&node("n", FAR).node_id, FAR).await.map(drop),
    ];
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Err(LeaseError::Unavailable(text)) => assert!(text.contains("127.0.0.1"), "{text}"),
            other => panic!("{}: call {i}: expected Unavailable, got {other:?}", kind.label()),
        }
    }
    assert!(matches!(d.health_check().await, ProviderHealth::Unhealthy { .. }));
    assert!(d.metrics().await.error_count >= 6);
}

/// On GCS every lease write is a JSON-API multipart upload with `ifGenerationMatch`, and
/// the precondition holds there. The same precondition on a simple upload is ignored by
/// fake-gcs-server (shown here, which is why the backend never uses one).
#[cfg(feature = "gcs")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcs_writes_never_rely_on_simple_upload_preconditions() {
    let Some(running) = Running::start(Kind::GoogleCloud, "GCS multipart preconditions") else { return };
    let d = running.directory("orbit");
    assert!(matches!(d.client().writer, super::store::Writer::GcsMultipart(_)), "GCS writes are multipart uploads");
    let mine = lease("gcs", "k", "n1", FAR);
    let granted = acquired(d.try_acquire(&mine, None).await.expect("acquire"));
    let name = d.layout().lease(&mine.reference).to_string();
    let encoded: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();

    // The server does not enforce generation 0 on a simple upload over the lease ...
    let simple =
        format!("/upload/storage/v1/b/{}/o?uploadType=media&name={encoded}&ifGenerationMatch=0", servers::BUCKET);
    let (status, answer) =
        servers::http(running.server.port, "POST", &simple, &[("Content-Type", "application/json")], b"{}")
            .expect("upload");
    assert_eq!(status, 200, "fake-gcs-server ignores ifGenerationMatch on simple uploads (if it now refuses, fine, but then update this note): {answer}");
    let overwritten = d.client().read(&ObjectPath::from(name.as_str())).await.expect("read").expect("stored");
    assert_eq!(overwritten.body, b"{}", "the simple upload replaced the lease despite its precondition");
    assert_ne!(overwritten.version, granted.version.0);

    // ... but it does on the backend's multipart uploads: a create over it and the
    // lease's old generation are both refused; the current generation is accepted.
    let path = ObjectPath::from(name.as_str());
    assert_eq!(
        d.client().write(&path, b"{}".to_vec(), Condition::Absent).await.expect("create"),
        WriteOutcome::Conflict
    );
    assert_eq!(
        d.client().write(&path, b"{}".to_vec(), Condition::Version(&granted.version.0)).await.expect("stale"),
        WriteOutcome::Conflict
    );
    assert!(matches!(
        d.client().write(&path, b"{}".to_vec(), Condition::Version(&overwritten.version)).await.expect("current"),
        WriteOutcome::Written(_)
    ));
    // Releases and renewals with the lease's old version therefore fail on the server.
    let fresh = lease("gcs", "fresh", "n1", FAR);
    let held = acquired(d.try_acquire(&fresh, None).await.expect("acquire"));
    let fresh_path = d.layout().lease(&fresh.reference);
    let behind = d.client().read(&fresh_path).await.expect("read").expect("stored");
    let mut envelope = envelope_of(&behind.body);
    envelope.revision += 1;
    let bumped = match d
        .client()
        .write(&fresh_path, serde_json::to_vec(&envelope).expect("encode"), Condition::Version(&behind.version))
        .await
        .expect("bump")
    {
        WriteOutcome::Written(version) => version,
        other => panic!("{other:?}"),
    };
    assert!(!d.release_if_owner(&fresh.reference, &held.version).await.expect("release with the old generation"));
    assert_eq!(d.get_versioned_lease(&fresh.reference).await.expect("get").map(|l| l.version.0), Some(bumped));
}

fn settings_error(kind: BackendKind, table: Value, env: &BTreeMap<&str, &str>) -> String {
    let Value::Object(table) = table else { unreachable!() };
    let lookup = |name: &str| env.get(name).map(|v| v.to_string());
    match open_directory("store", kind, &table, &lookup) {
        Ok(_) => panic!("{kind:?} {table:?}: accepted"),
        Err(LeaseError::Config(text)) => text,
        Err(other) => panic!("{kind:?} {table:?}: not a configuration error: {other:?}"),
    }
}

#[test]
fn bad_settings_are_refused_naming_the_provider_field() {
    let none = BTreeMap::new();
    let s3 = |extra: Value| {
        let mut base =
            json!({ "bucket": "b", "endpoint": "http://127.0.0.1:9", "access_key_id": "a", "secret_access_key": "s" });
        base.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        base
    };
    for (kind, table, want) in [
        (BackendKind::S3, json!({}), "providers.store.bucket: missing (or set ORBIT_S3_BUCKET)"),
        (BackendKind::S3, s3(json!({ "endpoint": "127.0.0.1:9000" })), "providers.store.endpoint: expected an http"),
        (
            BackendKind::S3,
            s3(json!({ "enable_ssl": true })),
            "providers.store.enable_ssl: is true but the endpoint is http",
        ),
        (BackendKind::S3, s3(json!({ "enable_ssl": "yes" })), "providers.store.enable_ssl: expected true or false"),
        (
            BackendKind::S3,
            s3(json!({ "connection_timeout": 0 })),
            "providers.store.connection_timeout: must be at least 1",
        ),
        (BackendKind::S3, s3(json!({ "retry_count": 1000 })), "providers.store.retry_count: expected a whole number"),
        (BackendKind::S3, s3(json!({ "retry_count": -1 })), "providers.store.retry_count:"),
        (BackendKind::S3, s3(json!({ "prefix": "a//b" })), "providers.store.prefix: not a valid object path"),
        (BackendKind::S3, s3(json!({ "bucket": "" })), "providers.store.bucket: must not be empty"),
        (BackendKind::S3, s3(json!({ "bucket": 3 })), "providers.store.bucket: expected a string"),
        (BackendKind::S3, s3(json!({ "regoin": "x" })), "providers.store.regoin: unknown field"),
        (BackendKind::S3, json!({ "bucket": "b", "access_key_id": "a" }), "providers.store.secret_access_key: missing"),
        (BackendKind::MinIO, json!({ "bucket": "b" }), "providers.store.endpoint: missing: a MinIO provider"),
        (
            BackendKind::Azure,
            json!({ "account_name": "a", "account_key": "k" }),
            "providers.store.container_name: missing",
        ),
        (
            BackendKind::Azure,
            json!({ "container_name": "c", "account_key": "k" }),
            "providers.store.account_name: missing",
        ),
        (
            BackendKind::Azure,
            json!({ "container_name": "c", "account_name": "a" }),
            "providers.store.account_key: missing",
        ),
        (
            BackendKind::Azure,
            json!({ "container_name": "c", "account_name": "a", "account_key": "k", "endpoint": "ftp://x" }),
            "providers.store.endpoint:",
        ),
        (BackendKind::GoogleCloud, json!({}), "providers.store.bucket_name: missing"),
        (
            BackendKind::GoogleCloud,
            json!({ "bucket_name": "b", "credentials_path": "/nonexistent/key.json" }),
            "providers.store.credentials_path: no file",
        ),
        (
            BackendKind::GoogleCloud,
            json!({ "bucket_name": "b", "credentials_path": "/etc/hostname", "endpoint": "http://127.0.0.1:1" }),
            "providers.store.endpoint: set either",
        ),
        (
            BackendKind::GoogleCloud,
            json!({ "bucket_name": "b", "container_name": "c" }),
            "providers.store.container_name: unknown field",
        ),
    ] {
        if !crate::remote::compiled(kind) {
            continue;
        }
        let text = settings_error(kind, table.clone(), &none);
        assert!(text.contains(want), "{kind:?} {table}: {text}");
    }
}

/// Through the whole configuration path (TOML, the registry): an error names the field.
#[test]
fn a_toml_provider_table_with_a_bad_field_is_refused_by_name() {
    let dir = ScratchDir::new("objects-toml");
    for (body, want) in [
        (
            "type = \"S3\"\nbucket = \"b\"\nendpoint = \"http://127.0.0.1:9\"\nenable_ssl = true",
            "providers.blobs.enable_ssl:",
        ),
        ("type = \"MinIO\"\nbucket = \"b\"", "providers.blobs.endpoint:"),
        ("type = \"Azure\"\naccount_name = \"a\"\naccount_key = \"k\"", "providers.blobs.container_name:"),
        ("type = \"GoogleCloud\"\nbucket_name = \"b\"\nretry_count = \"3\"", "providers.blobs.retry_count:"),
    ] {
        let kind = if body.contains("S3") || body.contains("MinIO") {
            BackendKind::S3
        } else if body.contains("Azure") {
            BackendKind::Azure
        } else {
            BackendKind::GoogleCloud
        };
        if !crate::remote::compiled(kind) {
            continue;
        }
        let text = format!("[server]\npersistence_backend = \"blobs\"\n[providers.blobs]\n{body}\n");
        let config = PersistenceConfig::from_toml_str(&text).expect("parses");
        let e = PersistenceProviderRegistry::open(&config, dir.path()).expect_err("refused");
        assert!(matches!(e, LeaseError::Config(_)), "{e:?}");
        assert!(e.to_string().contains(want), "{body}: {e}");
    }
}

#[cfg(feature = "s3")]
#[test]
fn a_virtual_hosted_endpoint_puts_the_bucket_in_front_of_the_host() {
    use super::settings::virtual_hosted_endpoint;
    assert_eq!(
        virtual_hosted_endpoint("https://s3.amazonaws.com", "orbit-data"),
        "https://orbit-data.s3.amazonaws.com"
    );
    assert_eq!(virtual_hosted_endpoint("http://minio:9000/base", "b"), "http://b.minio:9000/base");
}

/// The documented ORBIT_S3_* variables (read through the EnvLookup, never the process
/// environment) fill the fields a table leaves out; a field in the table wins.
#[cfg(feature = "s3")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orbit_s3_variables_fill_missing_fields() {
    let Some(running) = Running::start(Kind::S3, "ORBIT_S3_* variables") else { return };
    let endpoint = format!("http://127.0.0.1:{}", running.server.port);
    let env: BTreeMap<&str, &str> = [
        ("ORBIT_S3_ENDPOINT", endpoint.as_str()),
        ("ORBIT_S3_REGION", "eu-west-1"),
        ("ORBIT_S3_BUCKET", servers::BUCKET),
        ("ORBIT_S3_ACCESS_KEY_ID", "from-env"),
        ("ORBIT_S3_SECRET_ACCESS_KEY", "from-env-secret"),
    ]
    .into_iter()
    .collect();
    let lookup = |name: &str| env.get(name).map(|v| v.to_string());
    let Value::Object(table) = json!({ "path_style": true, "prefix": "env" }) else { unreachable!() };
    let d = open_directory("envs3", BackendKind::S3, &table, &lookup).expect("open from the environment");
    assert!(d.client().location.contains(&endpoint), "{}", d.client().location);
    let granted = acquired(d.try_acquire(&lease("env", "k", "n1", FAR), None).await.expect("acquire through moto"));
    // A table field wins over its variable: this bucket does not exist on the server.
    let Value::Object(table) = json!({ "path_style": true, "prefix": "env", "bucket": "no-such-bucket" }) else {
        unreachable!()
    };
    let elsewhere = open_directory("envs3", BackendKind::S3, &table, &lookup).expect("open");
    assert!(elsewhere.client().location.contains("no-such-bucket"), "{}", elsewhere.client().location);
    assert_eq!(elsewhere.get_lease(&granted.lease.reference).await.expect("get"), None, "another bucket");
    match elsewhere.try_acquire(&lease("env", "k", "n1", FAR), None).await {
        Err(LeaseError::Backend(text)) => assert!(text.contains("no-such-bucket"), "{text}"),
        other => panic!("a write to a missing bucket: {other:?}"),
    }
    // With the variables gone, the bucket is missing and the error says which variable would do.
    let text = settings_error(BackendKind::S3, json!({ "path_style": true }), &BTreeMap::new());
    assert!(text.contains("providers.store.bucket") && text.contains("ORBIT_S3_BUCKET"), "{text}");
}

/// Requests are SigV4-signed: against a moto that checks signatures, the right key
/// works and a wrong secret is refused (an error, never a lease).
#[cfg(feature = "s3")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_requests_are_signed_and_a_wrong_secret_is_refused() {
    if servers::executable(Kind::S3).is_none() {
        return skip("S3 SigV4 on moto", "moto is not installed: run scripts/install-object-servers.sh");
    }
    let dir = ScratchDir::new("objects-sigv4");
    let (server, id, secret) = servers::start_moto_with_auth(dir.path()).expect("moto with authentication");
    let mut table = servers::table(Kind::S3, server.port);
    table.insert("access_key_id".into(), json!(id));
    table.insert("secret_access_key".into(), json!(secret));
    let signed = directory_on(Kind::S3, &table, "orbit");
    let granted = acquired(signed.try_acquire(&lease("sig", "k", "n1", FAR), None).await.expect("signed acquire"));
    assert_eq!(signed.get_versioned_lease(&granted.lease.reference).await.expect("get"), Some(granted.clone()));
    table.insert("secret_access_key".into(), json!("not-the-secret"));
    let wrong = directory_on(Kind::S3, &table, "orbit");
    for result in [
        wrong.get_versioned_lease(&granted.lease.reference).await.map(drop),
        wrong.try_acquire(&lease("sig", "other", "n2", FAR), None).await.map(drop),
    ] {
        match result {
            Err(LeaseError::Backend(text)) => assert!(text.contains("S3 bucket orbit-leases"), "{text}"),
            other => panic!("a wrong secret must be refused: {other:?}"),
        }
    }
    assert_eq!(signed.get_versioned_lease(&granted.lease.reference).await.expect("get"), Some(granted));
}

/// Azurite checks each request's shared-key signature: a wrong account key is refused.
#[cfg(feature = "azure")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_requests_are_signed_with_the_account_key() {
    let Some(running) = Running::start(Kind::Azure, "Azure shared key") else { return };
    let d = running.directory("orbit");
    let granted = acquired(d.try_acquire(&lease("sig", "k", "n1", FAR), None).await.expect("signed acquire"));
    let mut table = running.table.clone();
    table.insert("account_key".into(), json!("bm90LXRoZS1hY2NvdW50LWtleQ=="));
    let wrong = directory_on(Kind::Azure, &table, "orbit");
    match wrong.get_versioned_lease(&granted.lease.reference).await {
        Err(LeaseError::Backend(text)) => assert!(text.contains("Azure container orbit-leases"), "{text}"),
        other => panic!("a wrong account key must be refused: {other:?}"),
    }
}

/// A MinIO provider written in TOML (its documented fields) opens through the registry
/// and works against the server (moto standing in for MinIO).
#[cfg(feature = "s3")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minio_provider_from_toml_opens_through_the_registry() {
    let Some(running) = Running::start(Kind::MinIOOnMoto, "MinIO from TOML") else { return };
    let dir = ScratchDir::new("objects-registry");
    let text = format!(
        "[server]\npersistence_backend = \"minio\"\n[providers.minio]\ntype = \"MinIO\"\nendpoint = \"http://127.0.0.1:{}\"\n\
         region = \"us-east-1\"\nbucket = \"{}\"\naccess_key_id = \"minioadmin\"\nsecret_access_key = \"minioadmin\"\n\
         enable_ssl = false\nprefix = \"orbit\"\nconnection_timeout = 30\nretry_count = 3\n",
        running.server.port,
        servers::BUCKET
    );
    let config = PersistenceConfig::from_toml_str(&text).expect("parses");
    let registry = PersistenceProviderRegistry::open(&config, dir.path()).expect("opens");
    let b = registry.get("minio").expect("the provider");
    assert_eq!(b.kind, BackendKind::MinIO);
    b.directory.initialize().await.expect("initialize");
    let granted = acquired(b.addressable.try_acquire(&lease("toml", "k", "n1", FAR), None).await.expect("acquire"));
    let reference = crate::provider::AddressableReference::new("toml", "k");
    assert_eq!(b.addressable.get_versioned_lease(&reference).await.expect("get"), Some(granted));
    assert_eq!(b.directory.health_check().await, ProviderHealth::Healthy);
}
