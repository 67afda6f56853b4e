//! For the remote backends' tests: a real server process started on a free 127.0.0.1
//! port with its own temporary directory, stopped (SIGKILL, by pid) when the guard is
//! dropped, and a loud skip when the server cannot be found or installed.
//!
//! Each test opens its own server through its opener, and the backend it returns holds
//! the guard, so the server lives exactly as long as the test's backend and tests run in
//! parallel on separate ports.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (free a moment ago).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A server process and its scratch directory.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts `command` (its output to `<dir>/server.log`) and waits up to `within` for
    /// it to accept TCP connections on `port`.
    pub fn start(mut command: Command, port: u16, dir: &Path, within: Duration) -> Result<ServerProcess, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let log = dir.join("server.log");
        let out = std::fs::File::create(&log).map_err(|e| format!("create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
        let mut server = ServerProcess { child, port, dir: dir.to_path_buf(), log };
        let deadline = Instant::now() + within;
        loop {
            if TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok() {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("the server exited ({status}) before listening: {}", server.log_tail()));
            }
            if Instant::now() > deadline {
                return Err(format!("the server did not listen on {port} within {within:?}: {}", server.log_tail()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines of the server's output.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// SIGKILL now (the guard's drop does it too).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An executable on PATH or at one of `candidates`.
pub fn find_executable(name: &str, candidates: &[&str]) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path.into_iter().chain(candidates.iter().map(PathBuf::from)).find(|p| p.is_file())
}

/// Prints a loud skip line (and returns, for `return skip(...)` in a test). A skip is
/// allowed only where the server cannot be installed here; CI installs every one.
pub fn skip(what: &str, why: &str) {
    eprintln!("\n*** SKIPPED: {what}: {why} ***\n");
}
