//! TLS (`rediss://`) against a real redis-server started with `--tls-port` only, its
//! certificates made by the `openssl` command-line tool in the test's scratch directory:
//! a CA, a server certificate for 127.0.0.1 and a client certificate. The server's
//! certificate is checked against `ca_cert`; with `tls-auth-clients yes` the client
//! presents `client_cert`/`client_key`.

use super::settings::RedisSettings;
use super::tests::redis_server_binary;
use super::RedisDirectory;
use crate::config::{BackendKind, PersistenceConfig};
use crate::conformance::{lease, ScratchDir};
use crate::provider::{AcquireOutcome, LeaseError, ProviderHealth, RenewOutcome};
use crate::registry::{LeaseBackend, PersistenceProviderRegistry};
use crate::remote::testing::{find_executable, free_port, skip, ServerProcess};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const FAR: i64 = i64::MAX / 2;

/// The CA, server and client files in a directory.
struct Pki {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("run openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Makes a CA and two certificates it signs (EC P-256 keys, two days).
fn make_pki(dir: &Path) -> Pki {
    std::fs::create_dir_all(dir).expect("pki dir");
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=orbit test CA"]);
    ca.extend(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl(dir, &ca);
    for (name, usage, san) in
        [("server", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost"), ("client", "clientAuth", "")]
    {
        let mut req = vec!["req"];
        req.extend(ec);
        let (key, csr, cert, ext) =
            (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"), format!("{name}.ext"));
        let subject = format!("/CN=orbit test {name}");
        req.extend(["-keyout", &key, "-out", &csr, "-subj", &subject]);
        openssl(dir, &req);
        let mut lines = vec!["basicConstraints=CA:FALSE".to_string(), format!("extendedKeyUsage={usage}")];
        if !san.is_empty() {
            lines.push(san.to_string());
        }
        std::fs::write(dir.join(&ext), lines.join("\n") + "\n").expect("extensions file");
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &ext,
                "-out",
                &cert,
            ],
        );
    }
    Pki {
        ca: dir.join("ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
        client_cert: dir.join("client.pem"),
        client_key: dir.join("client.key"),
    }
}

/// A redis-server listening on TLS only; None (after a loud skip) when this build of
/// redis-server has no TLS.
fn start_tls_redis(dir: &Path, pki: &Pki, auth_clients: bool) -> Option<ServerProcess> {
    let binary = redis_server_binary().expect("checked");
    let mut last = String::new();
    for attempt in 0..5 {
        let port = free_port();
        let mut command = Command::new(&binary);
        command
            .args(["--port", "0", "--tls-port", &port.to_string(), "--bind", "127.0.0.1", "--protected-mode", "no"])
            .arg("--tls-cert-file")
            .arg(&pki.server_cert)
            .arg("--tls-key-file")
            .arg(&pki.server_key)
            .arg("--tls-ca-cert-file")
            .arg(&pki.ca)
            .args(["--tls-auth-clients", if auth_clients { "yes" } else { "no" }])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(dir);
        match ServerProcess::start(command, port, &dir.join(format!("run-{attempt}")), Duration::from_secs(20)) {
            Ok(server) => return Some(server),
            // A redis-server built without TLS refuses the TLS options at startup.
            Err(e) if e.contains("not supported") || e.contains("BUILD_TLS") => {
                skip("redis TLS", &format!("this redis-server has no TLS: {e}"));
                return None;
            }
            Err(e) => last = e,
        }
    }
    panic!("redis-server with --tls-port did not start: {last}");
}

fn have_tools(what: &str) -> bool {
    if redis_server_binary().is_none() {
        skip(what, "redis-server is not installed (apt-get install -y redis-server)");
        return false;
    }
    if find_executable("openssl", &["/usr/bin/openssl"]).is_none() {
        skip(what, "the openssl command-line tool is not installed (apt-get install -y openssl)");
        return false;
    }
    true
}

fn tls_client(port: u16, ca: Option<&Path>, client: Option<(&Path, &Path)>) -> LeaseBackend {
    let settings = RedisSettings {
        url: format!("rediss://127.0.0.1:{port}"),
        retry_count: 0,
        connection_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(2),
        ca_cert: ca.map(Path::to_path_buf),
        client_cert: client.map(|c| c.0.to_path_buf()),
        client_key: client.map(|c| c.1.to_path_buf()),
        ..RedisSettings::default()
    };
    let directory = RedisDirectory::new("tls", &settings).expect("tls settings");
    LeaseBackend::from_directory("tls", BackendKind::Redis, Arc::new(directory))
}

/// Acquire, renew, read, list, check the index (a blocking TLS connection) and release.
async fn exercise(b: &LeaseBackend) {
    let granted = match b.addressable.try_acquire(&lease("tls", "k", "n1", FAR), None).await.expect("acquire") {
        AcquireOutcome::Acquired(g) => g,
        other => panic!("{other:?}"),
    };
    let renewed = match b.addressable.renew_if_owner(&lease("tls", "k", "n1", FAR - 1), &granted.version).await {
        Ok(RenewOutcome::Renewed(r)) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(b.addressable.get_versioned_lease(&granted.lease.reference).await.expect("get"), Some(renewed.clone()));
    assert_eq!(b.addressable.list_all_leases().await.expect("list").len(), 1);
    assert!(b.directory.index_problems().expect("index check over TLS").is_empty());
    assert!(b.addressable.release_if_owner(&granted.lease.reference, &renewed.version).await.expect("release"));
    assert_eq!(b.directory.health_check().await, ProviderHealth::Healthy);
}

/// rediss:// configured the documented way (TOML through the registry) with `ca_cert`
/// serves the lease calls; without the CA (the system's roots) the self-signed server is
/// refused, and a plain redis:// client gets nothing from the TLS port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_with_a_ca_file_serves_and_an_unknown_ca_is_refused() {
    if !have_tools("redis TLS") {
        return;
    }
    let dir = ScratchDir::new("redis-tls");
    let pki = make_pki(&dir.path().join("pki"));
    let Some(server) = start_tls_redis(&dir.path().join("server"), &pki, false) else { return };
    let text = format!(
        "[server]\npersistence_backend = \"cache\"\n[providers.cache]\ntype = \"Redis\"\n\
         url = \"rediss://127.0.0.1:{}\"\nca_cert = \"{}\"\n",
        server.port,
        pki.ca.display()
    );
    let config = PersistenceConfig::from_toml_str(&text).expect("parses");
    let registry = PersistenceProviderRegistry::open(&config, dir.path()).expect("opens");
    let backend = registry.get("cache").expect("the provider").clone();
    exercise(&backend).await;

    let untrusted = tls_client(server.port, None, None);
    let e = untrusted.addressable.get_lease(&lease("tls", "k", "n1", FAR).reference).await.expect_err("untrusted");
    assert!(matches!(e, LeaseError::Unavailable(_) | LeaseError::Backend(_)), "{e:?}");
    assert!(matches!(untrusted.directory.health_check().await, ProviderHealth::Unhealthy { .. }));

    let plain = RedisSettings {
        url: format!("redis://127.0.0.1:{}", server.port),
        retry_count: 0,
        connection_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(2),
        ..RedisSettings::default()
    };
    let plain = RedisDirectory::new("plain", &plain).expect("settings");
    let plain = LeaseBackend::from_directory("plain", BackendKind::Redis, Arc::new(plain));
    assert!(plain.addressable.get_lease(&lease("tls", "k", "n1", FAR).reference).await.is_err());
}

/// With `tls-auth-clients yes` the server wants a client certificate: without one the
/// connection is refused, with `client_cert`/`client_key` every call works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_presents_the_client_certificate_when_asked() {
    if !have_tools("redis mutual TLS") {
        return;
    }
    let dir = ScratchDir::new("redis-mtls");
    let pki = make_pki(&dir.path().join("pki"));
    let Some(server) = start_tls_redis(&dir.path().join("server"), &pki, true) else { return };
    let anonymous = tls_client(server.port, Some(&pki.ca), None);
    assert!(matches!(anonymous.directory.health_check().await, ProviderHealth::Unhealthy { .. }));
    let with_cert = tls_client(server.port, Some(&pki.ca), Some((&pki.client_cert, &pki.client_key)));
    exercise(&with_cert).await;
}

#[test]
fn unreadable_or_bad_tls_files_are_named() {
    let dir = ScratchDir::new("redis-tls-files");
    let missing = dir.path().join("missing.pem");
    let settings = RedisSettings { url: "rediss://127.0.0.1:1".into(), ca_cert: Some(missing), ..Default::default() };
    let e = RedisDirectory::new("r", &settings).err().expect("refused");
    assert!(e.to_string().contains("providers.r.ca_cert: cannot read"), "{e}");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n").expect("write");
    let settings = RedisSettings { url: "rediss://127.0.0.1:1".into(), ca_cert: Some(garbage), ..Default::default() };
    let e = RedisDirectory::new("r", &settings).err().expect("refused");
    assert!(matches!(e, LeaseError::Config(_)) && e.to_string().contains("providers.r: the TLS files"), "{e}");
}
