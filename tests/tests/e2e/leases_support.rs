//! What the remote lease-directory end-to-end tests share: running orbit-cli, a real
//! etcd server (Debian's `/usr/bin/etcd`, or `ORBIT_ETCD_BIN`) started on free 127.0.0.1
//! ports with a temporary data directory and killed by its pid, a real redis-server (from
//! [`orbit_tests::redis::RealRedis`]), and loud skips when a server is not installed or
//! the binaries were built without the backend ("is not in this build").

use orbit_tests::server::{free_ports, http_get, server_binary};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn cli_binary() -> PathBuf {
    let bin = server_binary().with_file_name("orbit-cli");
    assert!(bin.is_file(), "orbit-cli not found at {}; run `cargo build -p orbit-cli` first", bin.display());
    bin
}

/// What one orbit-cli run gave.
pub struct CliRun {
    pub ok: bool,
    pub json: Value,
    pub stderr: String,
}

/// Runs orbit-cli without the caller's ORBIT_* variables.
pub fn cli(args: &[&str]) -> CliRun {
    cli_with_env(args, &[])
}

/// Runs orbit-cli with exactly the ORBIT_* variables of `env`.
pub fn cli_with_env(args: &[&str], env: &[(&str, &str)]) -> CliRun {
    let mut command = Command::new(cli_binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ORBIT_") {
            command.env_remove(&key);
        }
    }
    command.envs(env.iter().copied());
    let out = command.args(args).output().expect("run orbit-cli");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    CliRun {
        ok: out.status.success(),
        json: serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// A scratch directory holding `orbit.toml` with `text`; the directory is removed when
/// the returned guard drops, so keep it for the test's length.
pub fn config_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let scratch = tempfile::tempdir().expect("scratch");
    let config = scratch.path().join("orbit.toml");
    std::fs::write(&config, text).expect("write config");
    (scratch, config)
}

/// Prints the loud skip line of a test that could not run here.
pub fn skip(test: &str, why: &str) {
    eprintln!("\n!!!!! SKIPPED: {test}: {why}; this test did not run !!!!!\n");
}

/// True (after a loud skip) when a run failed because the binary lacks the backend.
pub fn lacks_backend(test: &str, binary: &str, message: &str) -> bool {
    if message.contains("is not in this build") {
        skip(
            test,
            &format!(
                "{binary} was built without this backend (build with --features orbit-leases/remote): {}",
                message.trim()
            ),
        );
        return true;
    }
    false
}

/// True when orbit-server opens providers of `type_name`: its --help marks the types it
/// was built without with the feature that adds them.
pub fn server_builds_type(type_name: &str) -> bool {
    let out = Command::new(server_binary()).arg("--help").output().expect("orbit-server --help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains(&format!("\"{type_name}\"")), "orbit-server --help names no type {type_name}:\n{help}");
    !help.contains(&format!("\"{type_name}\" (needs --features"))
}

/// True (after a loud skip) when orbit-server was built without `type_name`.
pub fn server_lacks_type(test: &str, type_name: &str) -> bool {
    if server_builds_type(type_name) {
        return false;
    }
    lacks_backend(test, "orbit-server", &format!("persistence backend {type_name} is not in this build"))
}

/// An etcd server of its own: client and peer ports, a data directory; SIGKILLed by pid
/// when dropped.
pub struct Etcd {
    child: Option<Child>,
    pub port: u16,
    peer: u16,
    dir: tempfile::TempDir,
}

fn etcd_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ORBIT_ETCD_BIN") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("etcd")).find(|p| p.is_file()));
    on_path.or_else(|| Some(PathBuf::from("/usr/bin/etcd")).filter(|p| p.is_file()))
}

impl Etcd {
    /// Starts etcd and waits until it answers `/health` with a leader; `None` (after a
    /// loud skip) when no etcd binary is installed.
    pub fn start(test: &str) -> Option<Etcd> {
        let Some(binary) = etcd_binary() else {
            skip(test, "no etcd binary (apt-get install -y etcd-server, or set ORBIT_ETCD_BIN)");
            return None;
        };
        let mut last = String::new();
        // A chosen port may be taken before etcd binds it: then try new ones.
        for _ in 0..4 {
            let ports = free_ports(2);
            let dir = tempfile::tempdir().expect("etcd temp dir");
            let mut etcd = Etcd { child: None, port: ports[0], peer: ports[1], dir };
            match etcd.spawn(&binary) {
                Ok(()) => return Some(etcd),
                Err(e) => last = e,
            }
        }
        panic!("etcd did not start: {last}");
    }

    fn spawn(&mut self, binary: &Path) -> Result<(), String> {
        let client = format!("http://127.0.0.1:{}", self.port);
        let peer = format!("http://127.0.0.1:{}", self.peer);
        let log = std::fs::File::create(self.dir.path().join("etcd.log")).map_err(|e| e.to_string())?;
        let child = Command::new(binary)
            .arg("--data-dir")
            .arg(self.dir.path().join("data"))
            .args(["--name", "default", "--logger", "zap", "--log-level", "warn"])
            .args(["--listen-client-urls", &client, "--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer, "--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &format!("default={peer}")])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = orbit_tests::server::try_http_get(([127, 0, 0, 1], self.port).into(), "/health") {
                if response.body.contains("\"health\":\"true\"") {
                    return Ok(());
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                return Err(format!("etcd exited ({status}): {}", self.log()));
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(format!("etcd on {} was not healthy within 30 s: {}", self.port, self.log()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default()
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGKILL by pid, and reap.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the killed server again on the same ports from the same data.
    pub fn restart(&mut self) {
        self.kill();
        let binary = etcd_binary().expect("etcd binary");
        self.spawn(&binary).expect("etcd restarts");
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `/health` of a server at `addr`: (HTTP status, body).
pub fn health(addr: std::net::SocketAddr) -> (u16, Value) {
    let response = http_get(addr, "/health");
    let body = response.json();
    (response.status, body)
}
