//! Starting the real `orbit-server` binary for end-to-end tests.
//!
//! [`TestServer::start`] runs the binary on free ports with a fresh temporary data
//! directory, waits for its `orbit-server ready` line and reads the admin address from
//! its banner. The binary comes from `ORBIT_SERVER_BIN` or from next to the test
//! executable (`<target>/debug/orbit-server`); build it first with
//! `cargo build -p orbit-server`. [`http_get`] is a tiny blocking HTTP/1.1 client for the
//! admin endpoint; [`run_to_exit`] runs the binary expecting it to stop by itself (invalid
//! configuration).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long start-up may take before the test fails.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The line the server prints once it serves.
pub const READY_LINE: &str = "orbit-server ready";

/// Port flags the harness always passes, so tests never touch the standard ports.
pub const LISTENER_PORT_FLAGS: [&str; 6] =
    ["--postgres-port", "--mysql-port", "--cql-port", "--redis-port", "--bolt-port", "--http-port"];

/// The seven protocols, which are also the data directory names.
pub const PROTOCOLS: [&str; 7] = ["postgresql", "mysql", "cql", "redis", "cypher", "aql", "graphrag"];

/// The path of the orbit-server binary.
pub fn server_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("ORBIT_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("the test executable's path");
    // <target>/debug/deps/e2e-<hash> -> <target>/debug/orbit-server
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("orbit-server"))
        .expect("the test executable has no parent directory");
    if !bin.is_file() {
        panic!(
            "orbit-server binary not found at {}; run `cargo build -p orbit-server` first (or set ORBIT_SERVER_BIN)",
            bin.display()
        );
    }
    bin
}

/// `n` distinct ports that were free a moment ago (all held while choosing them).
///
/// They come from 20000-32767, below Linux's ephemeral range (32768-60999): the client
/// sockets the tests open get their local ports from that range, and one of them taking
/// a port between this choice and the server's bind made the server fail to start.
pub fn free_ports(n: usize) -> Vec<u16> {
    let mut held: Vec<TcpListener> = Vec::with_capacity(n);
    let mut seed = (std::process::id() as u64) ^ Instant::now().elapsed().as_nanos() as u64;
    seed ^=
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let mut attempts = 0;
    while held.len() < n && attempts < 10_000 {
        attempts += 1;
        // xorshift: a different sequence per call, no extra dependency.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let port = 20_000 + (seed % 12_768) as u16;
        if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
            held.push(l);
        }
    }
    while held.len() < n {
        held.push(TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port"));
    }
    held.iter().map(|l| l.local_addr().expect("local address").port()).collect()
}

pub fn free_port() -> u16 {
    free_ports(1)[0]
}

/// A command for the server binary with an environment free of the caller's ORBIT_*
/// settings (so a developer's shell does not change test outcomes).
fn server_command(args: &[String], env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(server_binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ORBIT_") {
            cmd.env_remove(&key);
        }
    }
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// How a server that stopped by itself ended.
#[derive(Debug)]
pub struct Exited {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary with exactly `args` and `env` and waits (at most 60 s) for it to exit
/// on its own, e.g. on invalid configuration. Panics if it is still running then.
pub fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> Exited {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut child = server_command(&args, &env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn orbit-server");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let deadline = Instant::now() + READY_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for orbit-server") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("orbit-server did not exit within {READY_TIMEOUT:?}; stderr:\n{}", text(&stderr));
        }
        thread::sleep(Duration::from_millis(20));
    };
    // Give the reader threads a moment to see EOF.
    thread::sleep(Duration::from_millis(50));
    Exited { status, stdout: text(&stdout), stderr: text(&stderr) }
}

type Captured = Arc<Mutex<Vec<u8>>>;

fn drain(mut source: impl Read + Send + 'static) -> Captured {
    let buffer: Captured = Arc::default();
    let sink = buffer.clone();
    thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        loop {
            match source.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => sink.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&chunk[..n]),
            }
        }
    });
    buffer
}

fn text(captured: &Captured) -> String {
    String::from_utf8_lossy(&captured.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

/// How to start a [`TestServer`].
#[derive(Debug, Clone)]
pub struct TestServerBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    pass_admin_port: bool,
    pass_data_dir: bool,
}

impl TestServerBuilder {
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Do not pass `--admin-port`: the test sets the admin port itself (flag, variable
    /// or file); the harness reads it from the banner.
    pub fn without_admin_port_flag(mut self) -> Self {
        self.pass_admin_port = false;
        self
    }

    /// Do not pass `--data-dir`: the test sets the data directory itself.
    pub fn without_data_dir_flag(mut self) -> Self {
        self.pass_data_dir = false;
        self
    }

    pub fn start(self) -> TestServer {
        // Another process may take one of the chosen ports before the server binds it:
        // then the server exits at once naming the port, and we try again with new ones.
        for _ in 0..4 {
            let mut server = self.prepare();
            match server.try_spawn() {
                Ok(()) => return server,
                Err(message) if message.contains("is already in use") => continue,
                Err(message) => panic!("{message}"),
            }
        }
        let mut server = self.prepare();
        server.spawn();
        server
    }

    fn prepare(&self) -> TestServer {
        let data_dir = tempfile::TempDir::new().expect("temporary data directory");
        let ports = free_ports(LISTENER_PORT_FLAGS.len() + 1);
        let mut args = Vec::new();
        if self.pass_data_dir {
            args.push("--data-dir".to_string());
            args.push(data_dir.path().display().to_string());
        }
        if self.pass_admin_port {
            args.push("--admin-port".to_string());
            args.push(ports[0].to_string());
        }
        let mut listener_ports = HashMap::new();
        for (flag, port) in LISTENER_PORT_FLAGS.iter().zip(&ports[1..]) {
            args.push(flag.to_string());
            args.push(port.to_string());
            listener_ports.insert(*flag, *port);
        }
        args.extend(self.args.iter().cloned());
        TestServer {
            data_dir,
            args,
            env: self.env.clone(),
            listener_ports,
            child: None,
            admin_addr: None,
            stdout: Arc::default(),
            stderr: Arc::default(),
        }
    }
}

/// A running orbit-server child process. Dropping it kills the process.
pub struct TestServer {
    data_dir: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
    listener_ports: HashMap<&'static str, u16>,
    child: Option<Child>,
    admin_addr: Option<SocketAddr>,
    stdout: Captured,
    stderr: Captured,
}

impl TestServer {
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder { args: Vec::new(), env: Vec::new(), pass_admin_port: true, pass_data_dir: true }
    }

    /// Starts the server on free ports with a fresh data directory plus `extra_args` and
    /// `extra_env`, and waits until it is ready.
    pub fn start(extra_args: &[&str], extra_env: &[(&str, &str)]) -> TestServer {
        let mut builder = Self::builder().args(extra_args.iter().copied());
        for (k, v) in extra_env {
            builder = builder.env(*k, *v);
        }
        builder.start()
    }

    fn spawn(&mut self) {
        if let Err(message) = self.try_spawn() {
            panic!("{message}");
        }
    }

    /// Starts the process and waits for its ready line; the error describes why not.
    fn try_spawn(&mut self) -> Result<(), String> {
        let mut child = server_command(&self.args, &self.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn orbit-server");
        self.stderr = drain(child.stderr.take().expect("stderr"));
        self.stdout = Arc::default();

        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("stdout");
        let captured = self.stdout.clone();
        thread::spawn(move || {
            // Keeps reading after ready so the server never blocks on a full pipe.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                {
                    let mut buf = captured.lock().unwrap_or_else(|e| e.into_inner());
                    buf.extend_from_slice(line.as_bytes());
                    buf.push(b'\n');
                }
                let _ = lines_tx.send(line);
            }
        });
        self.child = Some(child);

        let deadline = Instant::now() + READY_TIMEOUT;
        let mut admin_addr = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) if line.trim() == READY_LINE => break,
                Ok(line) => {
                    if let Some(addr) = parse_admin_line(&line) {
                        admin_addr = Some(addr);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let stderr = self.stop_and_collect_stderr();
                    return Err(format!("orbit-server was not ready within {READY_TIMEOUT:?}; stderr:\n{stderr}"));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = self.child.as_mut().and_then(|c| c.wait().ok());
                    thread::sleep(Duration::from_millis(50));
                    self.child = None;
                    return Err(format!(
                        "orbit-server exited before it was ready ({status:?}); stdout:\n{}\nstderr:\n{}",
                        text(&self.stdout),
                        text(&self.stderr)
                    ));
                }
            }
        }
        match admin_addr {
            Some(addr) => {
                self.admin_addr = Some(addr);
                Ok(())
            }
            None => Err(format!("the banner names no admin address; stdout:\n{}", text(&self.stdout))),
        }
    }

    fn stop_and_collect_stderr(&mut self) -> String {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        thread::sleep(Duration::from_millis(50));
        text(&self.stderr)
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// The admin endpoint's address as printed in the banner.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr.expect("the server is not running")
    }

    pub fn admin_url(&self) -> String {
        format!("http://{}", self.admin_addr())
    }

    /// The port passed for a listener flag such as `--redis-port`.
    pub fn listener_port(&self, flag: &str) -> u16 {
        *self.listener_ports.get(flag).unwrap_or_else(|| panic!("no port chosen for {flag}"))
    }

    /// GET on the admin endpoint.
    pub fn get(&self, path: &str) -> HttpResponse {
        http_get(self.admin_addr(), path)
    }

    /// Everything printed on stdout so far (the banner and the ready line).
    pub fn stdout(&self) -> String {
        text(&self.stdout)
    }

    /// Everything logged on stderr so far.
    pub fn stderr(&self) -> String {
        text(&self.stderr)
    }

    /// Sends SIGTERM and waits (at most 60 s) for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        self.signal_and_wait(libc::SIGTERM)
    }

    /// Sends SIGINT and waits for the process to exit.
    pub fn interrupt(&mut self) -> ExitStatus {
        self.signal_and_wait(libc::SIGINT)
    }

    /// Kills the process with SIGKILL (no shutdown at all) and reaps it.
    pub fn kill9(&mut self) -> ExitStatus {
        self.signal_and_wait(libc::SIGKILL)
    }

    fn signal_and_wait(&mut self, signal: libc::c_int) -> ExitStatus {
        let mut child = self.child.take().expect("the server is not running");
        let pid = libc::pid_t::try_from(child.id()).expect("pid fits pid_t");
        // SAFETY: kill(2) on our own child's pid, which we have not reaped yet.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({pid}, {signal}) failed: {}", std::io::Error::last_os_error());
        let deadline = Instant::now() + READY_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for orbit-server") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "orbit-server did not exit within {READY_TIMEOUT:?} of signal {signal}; stderr:\n{}",
                    self.stderr()
                );
            }
            thread::sleep(Duration::from_millis(20));
        };
        self.admin_addr = None;
        thread::sleep(Duration::from_millis(50));
        status
    }

    /// Starts the server again with the same arguments, environment, ports and data
    /// directory (stopping it with SIGTERM first if it still runs).
    pub fn restart(&mut self) {
        if self.child.is_some() {
            let status = self.terminate();
            assert!(status.success(), "orbit-server exited with {status} on SIGTERM; stderr:\n{}", self.stderr());
        }
        self.spawn();
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `  admin       http://127.0.0.1:9090  (...)` -> the address.
fn parse_admin_line(line: &str) -> Option<SocketAddr> {
    let rest = line.trim_start().strip_prefix("admin")?;
    let url = rest.split_whitespace().find(|w| w.starts_with("http://"))?;
    url.trim_start_matches("http://").trim_end_matches('/').parse().ok()
}

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }
}

/// A blocking `GET path` over HTTP/1.1 with `Connection: close`.
pub fn http_get(addr: SocketAddr, path: &str) -> HttpResponse {
    try_http_get(addr, path).unwrap_or_else(|e| panic!("GET http://{addr}{path} failed: {e}"))
}

/// Like [`http_get`], returning connection errors instead of panicking.
pub fn try_http_get(addr: SocketAddr, path: &str) -> std::io::Result<HttpResponse> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: */*\r\n\r\n")?;
    stream.flush()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Parses one whole HTTP/1.1 response (headers and a plain or chunked body).
pub fn parse_response(raw: &[u8]) -> Result<HttpResponse, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {:?}", String::from_utf8_lossy(raw)))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|e| format!("headers are not UTF-8: {e}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        body = dechunk(&body)?;
    }
    Ok(HttpResponse { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n").ok_or("truncated chunk size")?;
        let size_text = std::str::from_utf8(&data[..eol]).map_err(|_| "bad chunk size")?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| format!("bad chunk size {size_text:?}"))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size + 2 {
            return Err("truncated chunk".into());
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
