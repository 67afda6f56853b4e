//! Redis test helpers: a raw RESP client that returns each reply's exact bytes, and a
//! real `redis-server` (the Debian package, Redis 7.0) started on a free port with a
//! temporary directory, for differential tests that compare Orbit's replies with
//! Redis's byte for byte.
//!
//! [`RealRedis::start`] returns `None`, after printing a loud notice, when the
//! `redis-server` binary is missing, so such tests skip instead of failing on machines
//! without it (CI installs it: scripts/common.sh).

use crate::server::free_port;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// A connection speaking raw RESP.
pub struct RespConn {
    reader: BufReader<TcpStream>,
}

impl RespConn {
    pub fn connect(port: u16) -> RespConn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the RESP port");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("read timeout");
        stream.set_nodelay(true).expect("nodelay");
        RespConn { reader: BufReader::new(stream) }
    }

    /// Sends raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("write to the server");
    }

    /// Sends one command as a multibulk request.
    pub fn send(&mut self, args: &[&[u8]]) {
        self.send_raw(&encode_command(args));
    }

    /// Reads one complete reply and returns its bytes exactly as received.
    pub fn read_reply(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        read_value(&mut self.reader, &mut out).expect("a complete reply");
        out
    }

    /// Sends one command and returns its reply's bytes.
    pub fn command(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.send(args);
        self.read_reply()
    }

    /// Like [`RespConn::command`] with whitespace-separated words.
    pub fn cmd(&mut self, line: &str) -> String {
        let words: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
        String::from_utf8_lossy(&self.command(&words)).into_owned()
    }

    /// Reads everything until the server closes the connection (or 5 s pass).
    pub fn read_to_close(&mut self) -> (Vec<u8>, bool) {
        self.reader.get_mut().set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let mut out = Vec::new();
        let closed = self.reader.read_to_end(&mut out).is_ok();
        (out, closed)
    }
}

/// One command as a RESP multibulk request.
pub fn encode_command(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn read_line(reader: &mut impl BufRead, out: &mut Vec<u8>) -> std::io::Result<String> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\r\n") {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "truncated reply line"));
    }
    out.extend_from_slice(&line);
    Ok(String::from_utf8_lossy(&line[..line.len() - 2]).into_owned())
}

/// Reads one RESP2/RESP3 value, appending its raw bytes to `out`.
fn read_value(reader: &mut impl BufRead, out: &mut Vec<u8>) -> std::io::Result<()> {
    let line = read_line(reader, out)?;
    let (kind, rest) = line.split_at(1.min(line.len()));
    let n = || rest.parse::<i64>().unwrap_or(-1);
    match kind {
        "+" | "-" | ":" | "_" | "," | "#" | "(" => Ok(()),
        "$" | "=" | "!" => {
            if n() >= 0 {
                let mut body = vec![0; n() as usize + 2];
                reader.read_exact(&mut body)?;
                out.extend_from_slice(&body);
            }
            Ok(())
        }
        "*" | "~" | ">" => {
            for _ in 0..n().max(0) {
                read_value(reader, out)?;
            }
            Ok(())
        }
        "%" | "|" => {
            for _ in 0..n().max(0) * 2 {
                read_value(reader, out)?;
            }
            Ok(())
        }
        _ => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("unknown reply type {line:?}"))),
    }
}

/// A real redis-server for differential tests; stopped when dropped.
pub struct RealRedis {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl RealRedis {
    /// Starts `redis-server` on a free port, or returns `None` (loudly) when the binary
    /// is not installed.
    pub fn start() -> Option<RealRedis> {
        RealRedis::start_with(&[])
    }

    /// Like [`RealRedis::start`] with extra redis-server arguments (e.g.
    /// `["--requirepass", "secret"]`).
    pub fn start_with(extra: &[&str]) -> Option<RealRedis> {
        let binary = which("redis-server")?;
        let dir = tempfile::tempdir().expect("temporary directory for redis-server");
        let port = free_port();
        let child = Command::new(binary)
            .args(["--port", &port.to_string(), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(dir.path())
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start listening on port {port}");
            thread::sleep(Duration::from_millis(20));
        }
        Some(RealRedis { child, port, _dir: dir })
    }
}

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The path of `program` on PATH; prints a loud skip notice when it is missing.
pub fn which(program: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(program)).find(|p| p.is_file()));
    if found.is_none() {
        eprintln!(
            "\n!!!!! SKIPPED: `{program}` is not installed (apt-get install redis-tools redis-server); \
             this test did not run !!!!!\n"
        );
    }
    found
}

/// Sends every command of `cases` (whitespace-separated words; a line starting with
/// `raw:` is sent as is, with `\r\n` written literally as `\r\n`) to both servers over
/// one connection each and returns the mismatches as readable text. A case starting with
/// `ignore:` is sent to both but its replies are not compared (replies carrying client
/// ids, times, ...).
pub fn differences(orbit_port: u16, redis_port: u16, cases: &[&str]) -> Vec<String> {
    let mut orbit = RespConn::connect(orbit_port);
    let mut redis = RespConn::connect(redis_port);
    let mut mismatches = Vec::new();
    for case in cases {
        let (compare, case) = match case.strip_prefix("ignore:") {
            Some(rest) => (false, rest),
            None => (true, *case),
        };
        let (a, b) = match case.strip_prefix("raw:") {
            Some(raw) => {
                let bytes = raw.replace("\\r\\n", "\r\n").into_bytes();
                orbit.send_raw(&bytes);
                redis.send_raw(&bytes);
                (orbit.read_reply(), redis.read_reply())
            }
            None => {
                let words: Vec<&[u8]> = case.split_whitespace().map(str::as_bytes).collect();
                (orbit.command(&words), redis.command(&words))
            }
        };
        if compare && a != b {
            mismatches.push(format!(
                "{case}\n    orbit: {:?}\n    redis: {:?}",
                String::from_utf8_lossy(&a),
                String::from_utf8_lossy(&b)
            ));
        }
    }
    mismatches
}

/// Like [`differences`], but every case is sent in one pipeline before any reply is
/// read (Orbit runs pipelined keyspace commands in shared transactions, so the replies
/// must still be those of commands run one by one). `raw:` cases are not allowed here.
pub fn pipelined_differences(orbit_port: u16, redis_port: u16, cases: &[&str]) -> Vec<String> {
    let mut orbit = RespConn::connect(orbit_port);
    let mut redis = RespConn::connect(redis_port);
    let mut pipeline = Vec::new();
    let mut compared = Vec::new();
    for case in cases {
        let (compare, case) = match case.strip_prefix("ignore:") {
            Some(rest) => (false, rest),
            None => (true, *case),
        };
        assert!(!case.starts_with("raw:"), "raw cases cannot be pipelined: {case}");
        let words: Vec<&[u8]> = case.split_whitespace().map(str::as_bytes).collect();
        pipeline.extend_from_slice(&encode_command(&words));
        compared.push((compare, case));
    }
    orbit.send_raw(&pipeline);
    redis.send_raw(&pipeline);
    let mut mismatches = Vec::new();
    for (compare, case) in compared {
        let (a, b) = (orbit.read_reply(), redis.read_reply());
        if compare && a != b {
            mismatches.push(format!(
                "{case} (pipelined)\n    orbit: {:?}\n    redis: {:?}",
                String::from_utf8_lossy(&a),
                String::from_utf8_lossy(&b)
            ));
        }
    }
    mismatches
}
