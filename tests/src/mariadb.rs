//! A throwaway real MariaDB 10.11, the reference for Orbit's MySQL listener, and the
//! Debian `mariadb` command-line client.
//!
//! [`RealMariaDb::start`] runs `mariadb-install-db` into a temporary directory, starts
//! `mariadbd` on a free 127.0.0.1 port (root, empty password, no test database), waits
//! until it greets clients and kills it by pid when dropped. Missing binaries are an
//! `Err` naming the Debian packages, so tests can skip loudly.
//!
//! The server runs with the settings Orbit follows (MySQL 8's defaults where MariaDB
//! differs): utf8mb4, time zone UTC and MySQL 8's default `sql_mode` ([`reference_options`]).
//! [`mariadb_cli`] runs the client in batch mode against any host and port.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::server::free_ports;

/// The Debian packages that provide the server, the client and sysbench.
pub const DEBIAN_PACKAGES: &str = "mariadb-server mariadb-client sysbench";

/// A directory holding `mariadbd` and `mariadb-install-db`, tried first.
pub const BIN_DIR_ENV: &str = "ORBIT_MARIADB_BIN_DIR";

/// MySQL 8.0's default `sql_mode` (MariaDB 10.11's lacks ONLY_FULL_GROUP_BY and the zero-date modes).
pub const SQL_MODE: &str =
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

/// Server options for deterministic answers, passed by [`RealMariaDb::start`].
pub fn reference_options() -> Vec<String> {
    vec![
        "--character-set-server=utf8mb4".to_string(),
        "--collation-server=utf8mb4_general_ci".to_string(),
        "--default-time-zone=+00:00".to_string(),
        format!("--sql-mode={SQL_MODE}"),
    ]
}

const START_TIMEOUT: Duration = Duration::from_secs(90);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running MariaDB server in a temporary directory, killed on drop.
pub struct RealMariaDb {
    port: u16,
    child: Option<Child>,
    log_path: PathBuf,
    socket: PathBuf,
    // Dropped last: removes the data directory after the server stopped.
    root: tempfile::TempDir,
}

impl RealMariaDb {
    /// A server with [`reference_options`].
    pub fn start() -> Result<RealMariaDb, String> {
        Self::start_with(&reference_options())
    }

    /// A server with exactly `options` on top of the data directory, port and socket
    /// (`&[]`: MariaDB's own defaults, as the benchmark uses).
    pub fn start_with(options: &[String]) -> Result<RealMariaDb, String> {
        let (mariadbd, install_db) = find_binaries()?;
        let root = tempfile::Builder::new()
            .prefix("orbit-mariadb-")
            .tempdir_in("/tmp")
            .map_err(|e| format!("create a temporary directory: {e}"))?;
        let data_dir = root.path().join("data");
        // A private tmpdir: servers bootstrapping at the same time in /tmp trip over each
        // other's temporary tables.
        let tmp_dir = root.path().join("tmp");
        fs::create_dir(&tmp_dir).map_err(|e| format!("create {}: {e}", tmp_dir.display()))?;
        let tmp_flag = format!("--tmpdir={}", tmp_dir.display());
        let user_flag = as_root().then_some("--user=root");
        let install = Command::new(&install_db)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data_dir.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .args(user_flag)
            // Passed through to the bootstrapping mariadbd.
            .arg(&tmp_flag)
            .current_dir(root.path())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run {}: {e}", install_db.display()))?;
        if !install.status.success() {
            return Err(format!(
                "mariadb-install-db failed ({}):\n{}{}",
                install.status,
                String::from_utf8_lossy(&install.stdout),
                String::from_utf8_lossy(&install.stderr)
            ));
        }

        let log_path = root.path().join("mariadbd.err");
        let socket = root.path().join("mariadbd.sock");
        let mut server = RealMariaDb { port: 0, child: None, log_path, socket, root };
        let mut last_error = String::new();
        for _attempt in 0..3 {
            let port = free_ports(1)[0];
            let child = Command::new(&mariadbd)
                .arg("--no-defaults")
                .arg(format!("--datadir={}", data_dir.display()))
                .arg(format!("--port={port}"))
                .arg("--bind-address=127.0.0.1")
                .arg(format!("--socket={}", server.socket.display()))
                .arg(format!("--pid-file={}", server.root.path().join("mariadbd.pid").display()))
                .arg(format!("--log-error={}", server.log_path.display()))
                .arg(&tmp_flag)
                .args(user_flag)
                .args(options)
                .current_dir(server.root.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("start {}: {e}", mariadbd.display()))?;
            server.port = port;
            server.child = Some(child);
            match server.wait_ready() {
                Ok(()) => return Ok(server),
                Err(e) => {
                    last_error = e;
                    server.stop();
                }
            }
        }
        Err(last_error)
    }

    pub fn host(&self) -> &str {
        "127.0.0.1"
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's Unix socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The server's error log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Runs the `mariadb` client against this server (see [`mariadb_cli`]).
    pub fn cli(&self, args: &[&str], input: &str) -> Result<CliOutput, String> {
        mariadb_cli(self.host(), self.port, args, input)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!("mariadbd exited during start-up ({status}); log:\n{}", self.log()));
                }
            }
            if greets(addr) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("mariadbd was not ready within {START_TIMEOUT:?}; log:\n{}", self.log()));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM by pid (a clean shutdown), then SIGKILL if it takes too long.
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: kill(2) on our own child, not reaped yet.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for RealMariaDb {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `Err` (naming the Debian packages) when the server binaries are missing: the one reason
/// a test that needs MariaDB may skip instead of failing.
pub fn installed() -> Result<(), String> {
    find_binaries().map(|_| ())
}

fn as_root() -> bool {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() == 0 }
}

fn find_binaries() -> Result<(PathBuf, PathBuf), String> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os(BIN_DIR_ENV) {
        dirs.push(PathBuf::from(dir));
    }
    dirs.extend(["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"].map(PathBuf::from));
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    let find = |name: &str| dirs.iter().map(|d| d.join(name)).find(|p| p.is_file());
    match (find("mariadbd"), find("mariadb-install-db")) {
        (Some(server), Some(install)) => Ok((server, install)),
        _ => Err(format!(
            "MariaDB is not installed: no mariadbd and mariadb-install-db in /usr/sbin, /usr/bin or PATH \
             (install the Debian packages `{DEBIAN_PACKAGES}`, or set {BIN_DIR_ENV})"
        )),
    }
}

/// Whether the server sends its initial handshake (protocol 10) rather than an error
/// packet or nothing.
fn greets(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = [0u8; 5];
    if stream.read_exact(&mut head).is_err() {
        return false;
    }
    head[4] == 10
}

/// What one run of the `mariadb` client printed.
#[derive(Debug, Clone)]
pub struct CliOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// The path of the Debian client (`mariadb`, or `mysql` where only that exists).
pub fn client_binary() -> Result<PathBuf, String> {
    let mut dirs: Vec<PathBuf> = ["/usr/bin", "/usr/local/bin"].map(PathBuf::from).to_vec();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    ["mariadb", "mysql"]
        .iter()
        .find_map(|name| dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()))
        .ok_or_else(|| format!("no `mariadb` client (install the Debian package mariadb-client; {DEBIAN_PACKAGES})"))
}

/// Runs `mariadb --no-defaults -h HOST -P PORT -u root --protocol=TCP ARGS...` with
/// `input` on stdin and waits for it (at most ten minutes).
pub fn mariadb_cli(host: &str, port: u16, args: &[&str], input: &str) -> Result<CliOutput, String> {
    let client = client_binary()?;
    let mut child = Command::new(&client)
        .arg("--no-defaults")
        .args(["-h", host, "-P", &port.to_string(), "-u", "root", "--protocol=TCP"])
        .arg("--connect-timeout=10")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("run {}: {e}", client.display()))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_string();
    let writer = thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let stdout = read_all(child.stdout.take().expect("stdout is piped"));
    let stderr = read_all(child.stderr.take().expect("stderr is piped"));
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("wait for the client: {e}"))? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the mariadb client did not finish within 10 minutes".into());
        }
        thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(CliOutput { status, stdout, stderr })
}

fn read_all(mut source: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = source.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
