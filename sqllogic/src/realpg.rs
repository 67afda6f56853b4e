//! A throwaway real PostgreSQL server for producing and checking expected results.
//!
//! [`RealPostgres::start`] finds the Debian PostgreSQL binaries (15 preferred), runs
//! `initdb` into a temporary directory, starts `postgres` on a free port on 127.0.0.1
//! with trust authentication, waits until it accepts connections and stops it when
//! dropped. PostgreSQL refuses to run as root, so when we are root both `initdb` and
//! `postgres` run as the `postgres` system user (created by the Debian package) with a
//! data directory owned by it.
//!
//! The cluster uses the C locale (byte-order text comparison), UTF8 encoding, TimeZone
//! UTC and DateStyle ISO, MDY, so its answers do not depend on the host's settings.

use std::ffi::CString;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Environment variable naming a directory with `initdb` and `postgres`, tried first.
pub const BIN_DIR_ENV: &str = "ORBIT_PG_BIN_DIR";

/// The Debian packages that provide the binaries.
pub const DEBIAN_PACKAGES: &str = "postgresql-15 postgresql-client";

/// The superuser of the cluster (initdb -U).
pub const SUPERUSER: &str = "postgres";

const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// A running PostgreSQL server in a temporary directory, stopped on drop.
pub struct RealPostgres {
    port: u16,
    bin_dir: PathBuf,
    child: Option<Child>,
    log_path: PathBuf,
    // Dropped last: removes the cluster's files after the server stopped.
    root: tempfile::TempDir,
}

/// Which OS user runs PostgreSQL: ourselves, or `postgres` when we are root.
#[derive(Clone, Copy)]
struct RunAs {
    uid: u32,
    gid: u32,
    switch: bool,
}

impl RealPostgres {
    /// Finds the binaries, creates a cluster and starts it. `Err` says why not
    /// (e.g. PostgreSQL is not installed).
    pub fn start() -> Result<RealPostgres, String> {
        let bin_dir = find_bin_dir()?;
        let run_as = run_as()?;
        let mut root = make_root(run_as)?;
        let data_dir = root.path().join("data");
        let socket_dir = root.path().join("sock");
        let log_path = root.path().join("postgres.log");
        fs::create_dir(&socket_dir).map_err(|e| format!("create {}: {e}", socket_dir.display()))?;
        chown(&socket_dir, run_as)?;

        let initdb = Command::new(bin_dir.join("initdb"))
            .arg("-D")
            .arg(&data_dir)
            .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
            .env_remove("PGDATA")
            .env("LC_ALL", "C")
            .current_dir(root.path())
            .as_user(run_as)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run {}: {e}", bin_dir.join("initdb").display()))?;
        if !initdb.status.success() {
            return Err(format!(
                "initdb failed ({}):\n{}{}",
                initdb.status,
                String::from_utf8_lossy(&initdb.stdout),
                String::from_utf8_lossy(&initdb.stderr)
            ));
        }

        let mut last_error = String::new();
        for _attempt in 0..3 {
            let port = free_port()?;
            let log = fs::File::create(&log_path).map_err(|e| format!("create {}: {e}", log_path.display()))?;
            chown(&log_path, run_as)?;
            let log_err = log.try_clone().map_err(|e| e.to_string())?;
            let child = Command::new(bin_dir.join("postgres"))
                .arg("-D")
                .arg(&data_dir)
                .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
                .arg("-c")
                .arg(format!("unix_socket_directories={}", socket_dir.display()))
                .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
                .args(["-c", "TimeZone=UTC", "-c", "DateStyle=ISO, MDY", "-c", "lc_messages=C"])
                .args(["-c", "max_connections=200", "-c", "shared_buffers=32MB"])
                .env("LC_ALL", "C")
                .current_dir(root.path())
                .as_user(run_as)
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(log_err)
                .spawn()
                .map_err(|e| format!("start {}: {e}", bin_dir.join("postgres").display()))?;
            let mut server =
                RealPostgres { port, bin_dir: bin_dir.clone(), child: Some(child), log_path: log_path.clone(), root };
            match server.wait_ready() {
                Ok(()) => return Ok(server),
                Err(e) => {
                    last_error = e;
                    server.stop();
                    // Take the directory back to retry on another port.
                    root = std::mem::replace(&mut server.root, tempfile::TempDir::new().map_err(|e| e.to_string())?);
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

    /// The directory holding the binaries in use.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!("postgres exited during start-up ({status}); log:\n{}", self.log()));
                }
            }
            if accepts_connections(addr) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("postgres was not ready within {START_TIMEOUT:?}; log:\n{}", self.log()));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Fast shutdown (SIGINT), then SIGKILL if it takes too long.
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: kill(2) on our own child, not reaped yet.
            unsafe { libc::kill(pid, libc::SIGINT) };
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

impl Drop for RealPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

trait AsUser {
    fn as_user(&mut self, run_as: RunAs) -> &mut Self;
}

impl AsUser for Command {
    fn as_user(&mut self, run_as: RunAs) -> &mut Self {
        if run_as.switch {
            // std drops the supplementary groups when it switches user as root.
            self.gid(run_as.gid).uid(run_as.uid);
            self.env("HOME", "/tmp").env("USER", SUPERUSER).env("LOGNAME", SUPERUSER);
        }
        self
    }
}

fn find_bin_dir() -> Result<PathBuf, String> {
    let has_binaries = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os(BIN_DIR_ENV) {
        let dir = PathBuf::from(dir);
        return if has_binaries(&dir) {
            Ok(dir)
        } else {
            Err(format!("{BIN_DIR_ENV}={} holds no initdb and postgres", dir.display()))
        };
    }
    let preferred = PathBuf::from("/usr/lib/postgresql/15/bin");
    if has_binaries(&preferred) {
        return Ok(preferred);
    }
    // Another Debian major version >= 15, newest first.
    let mut others: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (version >= 15 && has_binaries(&bin)).then_some((version, bin))
        })
        .collect();
    others.sort();
    others.pop().map(|(_, dir)| dir).ok_or_else(|| {
        format!(
            "PostgreSQL is not installed: no initdb/postgres in /usr/lib/postgresql/15/bin \
             (install the Debian packages `{DEBIAN_PACKAGES}`, or set {BIN_DIR_ENV})"
        )
    })
}

fn run_as() -> Result<RunAs, String> {
    // SAFETY: getuid/getgid cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    if uid != 0 {
        return Ok(RunAs { uid, gid, switch: false });
    }
    let name = CString::new(SUPERUSER).expect("no NUL in the user name");
    // SAFETY: getpwnam returns NULL or a pointer to a static passwd record that we read
    // at once; nothing else in this process calls getpwnam concurrently in a way that
    // matters for two integer fields.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return Err(format!(
            "running as root and there is no `{SUPERUSER}` system user to run PostgreSQL as \
             (the Debian package postgresql-15 creates it)"
        ));
    }
    // SAFETY: pw is non-null and points to a valid passwd record.
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok(RunAs { uid, gid, switch: true })
}

/// A temporary directory the PostgreSQL user can write (under /tmp when we are root,
/// so the `postgres` user can reach it).
fn make_root(run_as: RunAs) -> Result<tempfile::TempDir, String> {
    let builder = {
        let mut b = tempfile::Builder::new();
        b.prefix("orbit-realpg-");
        b
    };
    let root = if run_as.switch { builder.tempdir_in("/tmp") } else { builder.tempdir() }
        .map_err(|e| format!("create a temporary directory: {e}"))?;
    chown(root.path(), run_as)?;
    Ok(root)
}

fn chown(path: &Path, run_as: RunAs) -> Result<(), String> {
    if !run_as.switch {
        return Ok(());
    }
    std::os::unix::fs::chown(path, Some(run_as.uid), Some(run_as.gid))
        .map_err(|e| format!("chown {} to {SUPERUSER}: {e}", path.display()))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind an ephemeral port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Sends a protocol 3.0 StartupMessage and checks the answer is AuthenticationOk
/// (the server says 'E' while it is still starting up).
fn accepts_connections(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut body = Vec::new();
    body.extend_from_slice(&196_608i32.to_be_bytes());
    for part in ["user", SUPERUSER, "database", "postgres"] {
        body.extend_from_slice(part.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut message = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    message.extend_from_slice(&body);
    if stream.write_all(&message).is_err() {
        return false;
    }
    let mut reply = [0u8; 9];
    if stream.read_exact(&mut reply).is_err() {
        return false;
    }
    let ok = reply[0] == b'R' && reply[5..9] == [0, 0, 0, 0];
    // Terminate.
    let _ = stream.write_all(&[b'X', 0, 0, 0, 4]);
    ok
}
