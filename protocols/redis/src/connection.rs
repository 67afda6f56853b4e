//! One client connection: read requests, run them, write replies.
//!
//! The read buffer grows only with bytes actually received. Every complete request in
//! it is parsed and run in order and its reply appended to an output buffer, which is
//! written when no complete request remains (a pipeline of any depth is answered with
//! few writes, in order) or when it grows large. Each connection is its own task, so a
//! client that reads slowly only ever blocks itself. Keyspace commands run in one
//! keyspace transaction each, under the server's write lock when they may write;
//! connection-level commands (PING, HELLO, AUTH, SELECT, CLIENT, ...) are handled here.
//! A protocol error is answered and the connection closed, as Redis does.

use crate::client_registry::ClientHandle;
use crate::commands::{self, args, CommandSpec, Ctx, Family};
use crate::error::RedisError;
use crate::resp::encode::encode;
use crate::resp::parse::RequestParser;
use crate::resp::Frame;
use crate::server::{Shared, Stats, REDIS_VERSION};
use bytes::BytesMut;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// Read-buffer growth per read.
const READ_CHUNK: usize = 16 * 1024;
/// Largest single growth while a big bulk is arriving.
const BULK_CHUNK: usize = 1024 * 1024;
/// Output written before more requests are run once it reaches this size.
const OUTPUT_FLUSH: usize = 64 * 1024;

/// Per-connection state the command handlers may read or change.
#[derive(Debug, Clone)]
pub struct ClientState {
    /// CLIENT ID.
    pub id: u64,
    /// The selected logical database (SELECT).
    pub db: usize,
    /// 2 or 3 (HELLO).
    pub protocol: u8,
    /// CLIENT SETNAME / HELLO SETNAME.
    pub name: Option<String>,
    /// True while EXEC runs the queued commands.
    pub in_exec: bool,
    /// AUTH / HELLO AUTH succeeded (only meaningful when a password is required).
    pub authenticated: bool,
}

impl ClientState {
    pub fn new(id: u64) -> Self {
        ClientState { id, db: 0, protocol: 2, name: None, in_exec: false, authenticated: false }
    }
}

/// What the connection does after a command.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    /// Send what is buffered, then close (QUIT, CLIENT KILL of oneself).
    Close,
}

struct Connection {
    shared: Arc<Shared>,
    handle: Arc<ClientHandle>,
    client: ClientState,
}

/// Serves one accepted connection until the client leaves, is killed, breaks the
/// protocol or the server shuts down.
pub async fn serve_connection(
    mut stream: TcpStream,
    shared: Arc<Shared>,
    handle: Arc<ClientHandle>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conn = Connection { client: ClientState::new(handle.id), shared, handle };
    // As in Redis, a client is authenticated from the start while no password is set,
    // and stays so if one is set later.
    conn.client.authenticated = conn.shared.requirepass().is_none();
    let mut parser = RequestParser::new(conn.shared.max_bulk_len());
    let mut input = BytesMut::with_capacity(READ_CHUNK);
    let mut output = BytesMut::new();
    loop {
        // Run every complete request buffered.
        let mut close = false;
        loop {
            match parser.next_request(&mut input, conn.client.authenticated) {
                Ok(Some(request)) => {
                    if conn.run(request, &mut output).await == Flow::Close {
                        close = true;
                        break;
                    }
                    if output.len() >= OUTPUT_FLUSH && !write_out(&mut stream, &mut output, &conn).await {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(error = %e.0, "protocol error");
                    Stats::add(&conn.shared.stats.total_error_replies, 1);
                    encode(&Frame::Error(e.0), conn.client.protocol, &mut output);
                    close = true;
                    break;
                }
            }
        }
        if !write_out(&mut stream, &mut output, &conn).await || close || conn.handle.is_killed() {
            return;
        }
        parser.set_max_bulk_len(conn.shared.max_bulk_len());
        // Give back the memory of a big request or reply once it is done.
        if input.is_empty() && input.capacity() > BULK_CHUNK {
            input = BytesMut::with_capacity(READ_CHUNK);
        }
        if output.capacity() > BULK_CHUNK {
            output = BytesMut::new();
        }

        // Wait for more bytes.
        let wanted = parser.bulk_bytes_wanted(input.len()).clamp(READ_CHUNK, BULK_CHUNK);
        input.reserve(wanted);
        let idle = conn.shared.idle_timeout();
        let read = tokio::select! {
            read = stream.read_buf(&mut input) => read,
            _ = conn.handle.killed() => return,
            _ = shutdown.changed() => return,
            _ = async {
                match idle {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending::<()>().await,
                }
            } => return,
        };
        match read {
            Ok(0) | Err(_) => return,
            Ok(n) => Stats::add(&conn.shared.stats.total_net_input_bytes, n as u64),
        }
    }
}

/// Writes and clears `output`; false when the client is gone or was killed while
/// not reading its replies.
async fn write_out(stream: &mut TcpStream, output: &mut BytesMut, conn: &Connection) -> bool {
    if output.is_empty() {
        return true;
    }
    let ok = tokio::select! {
        // Write first: a client that killed itself still gets its reply.
        biased;
        written = stream.write_all(output) => written.is_ok(),
        _ = conn.handle.killed() => false,
    };
    Stats::add(&conn.shared.stats.total_net_output_bytes, output.len() as u64);
    output.clear();
    ok
}

/// The lowercase name of a command, for replies and CLIENT LIST.
fn lower(name: &[u8]) -> String {
    String::from_utf8_lossy(name).to_ascii_lowercase()
}

impl Connection {
    /// Runs one request and appends its reply.
    async fn run(&mut self, request: Vec<Vec<u8>>, out: &mut BytesMut) -> Flow {
        Stats::add(&self.shared.stats.total_commands_processed, 1);
        let (frame, flow) = self.dispatch(&request).await;
        if matches!(frame, Frame::Error(_)) {
            Stats::add(&self.shared.stats.total_error_replies, 1);
        }
        encode(&frame, self.client.protocol, out);
        {
            let mut d = self.handle.details.lock();
            d.db = self.client.db;
            d.resp = self.client.protocol;
            d.name = self.client.name.clone();
            d.last_active = Some(Instant::now());
        }
        flow
    }

    async fn dispatch(&mut self, request: &[Vec<u8>]) -> (Frame, Flow) {
        let Some(name) = request.first() else { return (Frame::Null, Flow::Continue) };
        let Some(spec) = commands::lookup(name) else {
            return (error(commands::unknown_command(request)), Flow::Continue);
        };
        self.handle.details.lock().last_command = command_label(spec, request);
        if !spec.arity_ok(request.len()) {
            return (error(RedisError::wrong_arity(spec.name)), Flow::Continue);
        }
        if !self.client.authenticated && !spec.has_flag("no_auth") {
            return (Frame::Error("NOAUTH Authentication required.".into()), Flow::Continue);
        }
        // transactions: MULTI/EXEC/DISCARD/WATCH queuing goes here (queue the request
        // instead of running it while the client is in MULTI).
        if spec.family == Family::Connection {
            return self.connection_command(spec, request);
        }
        (self.keyspace_command(spec, request).await, Flow::Continue)
    }

    /// Runs a keyspace command in its own transaction.
    async fn keyspace_command(&mut self, spec: &'static CommandSpec, request: &[Vec<u8>]) -> Frame {
        let shared = self.shared.clone();
        let _guard = if spec.is_write() { Some(shared.write_lock.clone().lock_owned().await) } else { None };
        let mut txn = match shared.keyspace.begin().await {
            Ok(txn) => txn,
            Err(e) => return error(e),
        };
        let result = {
            let mut ctx = Ctx { shared: &shared, client: &mut self.client, txn: &mut txn };
            commands::execute(spec, &mut ctx, request).await
        };
        match result {
            Ok(frame) => {
                let written = txn.touched().len() as u64;
                match txn.commit().await {
                    Ok(()) => {
                        Stats::add(&shared.stats.dirty, written);
                        frame
                    }
                    Err(e) => error(e),
                }
            }
            // blocking: BLPOP & co. should wait for a push to one of `keys` (or the
            // timeout) and run again; until that lands they answer as if timed out.
            Err(RedisError::Block { .. }) => Frame::NullArray,
            Err(e) => error(e),
        }
    }

    fn connection_command(&mut self, spec: &CommandSpec, request: &[Vec<u8>]) -> (Frame, Flow) {
        let arg = |i: usize| request.get(i).map(Vec::as_slice).unwrap_or(b"");
        let frame = match spec.name {
            "ping" => match request.len() {
                1 => Frame::Simple("PONG".into()),
                2 => Frame::Bulk(arg(1).to_vec()),
                _ => error(RedisError::wrong_arity("ping")),
            },
            "echo" => Frame::Bulk(arg(1).to_vec()),
            "quit" => return (Frame::ok(), Flow::Close),
            "select" => match args::parse_i64(arg(1)) {
                Err(e) => error(e),
                Ok(db) if db < 0 || db >= crate::keyspace::DATABASES as i64 => {
                    Frame::Error("ERR DB index is out of range".into())
                }
                Ok(db) => {
                    self.client.db = db as usize;
                    Frame::ok()
                }
            },
            "auth" => self.auth(request),
            "hello" => self.hello(request),
            "reset" => {
                self.client.db = 0;
                self.client.protocol = 2;
                self.client.name = None;
                self.client.in_exec = false;
                self.client.authenticated = self.shared.requirepass().is_none();
                let mut d = self.handle.details.lock();
                d.no_evict = false;
                Frame::Simple("RESET".into())
            }
            "client" => return self.client_command(request),
            _ => Frame::Error(format!("ERR unknown command '{}'", spec.name)),
        };
        (frame, Flow::Continue)
    }

    /// Checks a password for `user` (only "default" exists). Ok: authenticated.
    fn check_password(&self, user: Option<&[u8]>, password: &[u8]) -> Result<(), Frame> {
        let wrongpass = || Frame::Error("WRONGPASS invalid username-password pair or user is disabled.".into());
        if let Some(user) = user {
            if user != b"default" {
                return Err(wrongpass());
            }
        }
        match self.shared.requirepass() {
            None => Ok(()),
            Some(p) if p.as_bytes() == password => Ok(()),
            Some(_) => Err(wrongpass()),
        }
    }

    fn auth(&mut self, request: &[Vec<u8>]) -> Frame {
        match request.len() {
            2 => {
                if self.shared.requirepass().is_none() {
                    return Frame::Error(
                        "ERR AUTH <password> called without any password configured for the default user. \
                         Are you sure your configuration is correct?"
                            .into(),
                    );
                }
                match self.check_password(None, &request[1]) {
                    Ok(()) => {
                        self.client.authenticated = true;
                        Frame::ok()
                    }
                    Err(e) => e,
                }
            }
            3 => match self.check_password(Some(&request[1]), &request[2]) {
                Ok(()) => {
                    self.client.authenticated = true;
                    Frame::ok()
                }
                Err(e) => e,
            },
            _ => Frame::Error("ERR syntax error".into()),
        }
    }

    fn hello(&mut self, request: &[Vec<u8>]) -> Frame {
        let mut protocol = self.client.protocol;
        if let Some(ver) = request.get(1) {
            match args::parse_i64(ver) {
                Err(_) => return Frame::Error("ERR Protocol version is not an integer or out of range".into()),
                Ok(v) if !(2..=3).contains(&v) => return Frame::Error("NOPROTO unsupported protocol version".into()),
                Ok(v) => protocol = v as u8,
            }
        }
        let mut i = 2;
        let mut auth: Option<(&[u8], &[u8])> = None;
        let mut setname: Option<&[u8]> = None;
        while i < request.len() {
            let more = request.len() - i - 1;
            if args::is(&request[i], "AUTH") && more >= 2 {
                auth = Some((&request[i + 1], &request[i + 2]));
                i += 3;
            } else if args::is(&request[i], "SETNAME") && more >= 1 {
                setname = Some(&request[i + 1]);
                i += 2;
            } else {
                return Frame::Error(format!(
                    "ERR Syntax error in HELLO option '{}'",
                    String::from_utf8_lossy(&request[i])
                ));
            }
        }
        if let Some((user, pass)) = auth {
            if let Err(e) = self.check_password(Some(user), pass) {
                return e;
            }
            self.client.authenticated = true;
        }
        if !self.client.authenticated {
            return Frame::Error(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH \
                 <user> <pass> option can be used to authenticate the client and select the RESP protocol version \
                 at the same time"
                    .into(),
            );
        }
        if let Some(name) = setname {
            if let Err(e) = self.set_name(name) {
                return e;
            }
        }
        self.client.protocol = protocol;
        Frame::Map(vec![
            (Frame::bulk("server"), Frame::bulk("redis")),
            (Frame::bulk("version"), Frame::bulk(REDIS_VERSION)),
            (Frame::bulk("proto"), Frame::Integer(protocol as i64)),
            (Frame::bulk("id"), Frame::Integer(self.client.id as i64)),
            (Frame::bulk("mode"), Frame::bulk("standalone")),
            (Frame::bulk("role"), Frame::bulk("master")),
            (Frame::bulk("modules"), Frame::Array(vec![])),
        ])
    }

    fn set_name(&mut self, name: &[u8]) -> Result<(), Frame> {
        if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
            return Err(Frame::Error("ERR Client names cannot contain spaces, newlines or special characters.".into()));
        }
        self.client.name = if name.is_empty() { None } else { Some(String::from_utf8_lossy(name).into_owned()) };
        self.handle.details.lock().name = self.client.name.clone();
        Ok(())
    }

    fn client_command(&mut self, request: &[Vec<u8>]) -> (Frame, Flow) {
        let sub = lower(&request[1]);
        let argc = request.len();
        let arity = |n: i32| if n >= 0 { argc == n as usize } else { argc >= (-n) as usize };
        let wrong = |name: &str| error(RedisError::wrong_arity(&format!("client|{name}")));
        let frame = match sub.as_str() {
            "id" if arity(2) => Frame::Integer(self.client.id as i64),
            "getname" if arity(2) => Frame::bulk_or_null(self.client.name.clone().map(String::into_bytes)),
            "setname" if arity(3) => match self.set_name(&request[2]) {
                Ok(()) => Frame::ok(),
                Err(e) => e,
            },
            "info" if arity(2) => Frame::Verbatim("txt".into(), format!("{}\n", self.handle.info_line()).into_bytes()),
            "list" if arity(-2) => self.client_list(&request[2..]),
            "kill" if arity(-3) => return self.client_kill(&request[2..]),
            "setinfo" if arity(4) => {
                let value = String::from_utf8_lossy(&request[3]).into_owned();
                if value.chars().any(|c| !('!'..='~').contains(&c)) {
                    Frame::Error(format!(
                        "ERR {} cannot contain spaces, newlines or special characters.",
                        String::from_utf8_lossy(&request[2]).to_ascii_lowercase()
                    ))
                } else if args::is(&request[2], "LIB-NAME") {
                    self.handle.details.lock().lib_name = Some(value);
                    Frame::ok()
                } else if args::is(&request[2], "LIB-VER") {
                    self.handle.details.lock().lib_ver = Some(value);
                    Frame::ok()
                } else {
                    Frame::Error(format!("ERR Unrecognized option '{}'", String::from_utf8_lossy(&request[2])))
                }
            }
            "no-evict" if arity(3) => {
                if args::is(&request[2], "ON") {
                    self.handle.details.lock().no_evict = true;
                    Frame::ok()
                } else if args::is(&request[2], "OFF") {
                    self.handle.details.lock().no_evict = false;
                    Frame::ok()
                } else {
                    Frame::Error("ERR syntax error".into())
                }
            }
            "help" if arity(2) => Frame::Array(CLIENT_HELP.iter().map(|l| Frame::Simple(l.to_string())).collect()),
            "id" | "getname" | "setname" | "info" | "list" | "kill" | "setinfo" | "no-evict" | "help" => wrong(&sub),
            _ => Frame::Error(format!(
                "ERR unknown subcommand '{}'. Try CLIENT HELP.",
                String::from_utf8_lossy(&request[1])
            )),
        };
        (frame, Flow::Continue)
    }

    fn client_list(&self, options: &[Vec<u8>]) -> Frame {
        let mut ids: Option<Vec<u64>> = None;
        let mut i = 0;
        while i < options.len() {
            if args::is(&options[i], "TYPE") && i + 1 < options.len() {
                let t = lower(&options[i + 1]);
                match t.as_str() {
                    "normal" => {}
                    "master" | "replica" | "slave" | "pubsub" => ids = Some(vec![]),
                    _ => return Frame::Error(format!("ERR Unknown client type '{}'", t)),
                }
                i += 2;
            } else if args::is(&options[i], "ID") && i + 1 < options.len() {
                let mut wanted = ids.take().unwrap_or_default();
                for raw in &options[i + 1..] {
                    match args::parse_i64(raw) {
                        Ok(id) if id > 0 => wanted.push(id as u64),
                        _ => return Frame::Error("ERR Invalid client ID".into()),
                    }
                }
                ids = Some(wanted);
                i = options.len();
            } else {
                return Frame::Error("ERR syntax error".into());
            }
        }
        let mut text = String::new();
        for c in self.shared.clients.all() {
            if ids.as_ref().is_some_and(|ids| !ids.contains(&c.id)) {
                continue;
            }
            text.push_str(&c.info_line());
            text.push('\n');
        }
        Frame::Verbatim("txt".into(), text.into_bytes())
    }

    fn client_kill(&self, options: &[Vec<u8>]) -> (Frame, Flow) {
        let clients = self.shared.clients.all();
        if options.len() == 1 {
            let addr = String::from_utf8_lossy(&options[0]);
            let Some(target) = clients.iter().find(|c| c.addr.to_string() == addr) else {
                return (Frame::Error("ERR No such client".into()), Flow::Continue);
            };
            target.kill();
            let flow = if target.id == self.client.id {
                Flow::Close
            } else {
                self.shared.clients.unregister(target.id);
                Flow::Continue
            };
            return (Frame::ok(), flow);
        }
        if !options.len().is_multiple_of(2) {
            return (Frame::Error("ERR syntax error".into()), Flow::Continue);
        }
        let mut id: Option<u64> = None;
        let mut addr: Option<String> = None;
        let mut laddr: Option<String> = None;
        let mut user: Option<String> = None;
        let mut skipme = true;
        let mut none_of_type = false;
        for pair in options.chunks(2) {
            let value = &pair[1];
            if args::is(&pair[0], "ID") {
                match args::parse_i64(value) {
                    Ok(n) if n > 0 => id = Some(n as u64),
                    _ => return (Frame::Error("ERR client-id should be greater than 0".into()), Flow::Continue),
                }
            } else if args::is(&pair[0], "ADDR") {
                addr = Some(String::from_utf8_lossy(value).into_owned());
            } else if args::is(&pair[0], "LADDR") {
                laddr = Some(String::from_utf8_lossy(value).into_owned());
            } else if args::is(&pair[0], "USER") {
                user = Some(String::from_utf8_lossy(value).into_owned());
            } else if args::is(&pair[0], "TYPE") {
                match lower(value).as_str() {
                    "normal" => {}
                    "master" | "replica" | "slave" | "pubsub" => none_of_type = true,
                    _ => {
                        return (
                            Frame::Error(format!("ERR Unknown client type '{}'", String::from_utf8_lossy(value))),
                            Flow::Continue,
                        )
                    }
                }
            } else if args::is(&pair[0], "SKIPME") {
                if args::is(value, "YES") {
                    skipme = true;
                } else if args::is(value, "NO") {
                    skipme = false;
                } else {
                    return (Frame::Error("ERR syntax error".into()), Flow::Continue);
                }
            } else {
                return (Frame::Error("ERR syntax error".into()), Flow::Continue);
            }
        }
        if let Some(u) = &user {
            if u != "default" {
                return (Frame::Error(format!("ERR No such user '{u}'")), Flow::Continue);
            }
        }
        let mut killed = 0;
        let mut flow = Flow::Continue;
        for c in clients {
            if none_of_type
                || id.is_some_and(|id| id != c.id)
                || addr.as_ref().is_some_and(|a| *a != c.addr.to_string())
                || laddr.as_ref().is_some_and(|a| *a != c.laddr.to_string())
                || (skipme && c.id == self.client.id)
            {
                continue;
            }
            c.kill();
            killed += 1;
            if c.id == self.client.id {
                flow = Flow::Close;
            } else {
                // Gone from CLIENT LIST at once, as in Redis, even before its task ends.
                self.shared.clients.unregister(c.id);
            }
        }
        (Frame::Integer(killed), flow)
    }
}

fn error(e: impl Into<RedisError>) -> Frame {
    Frame::Error(e.into().reply_line())
}

/// "get", or "client|setname" for a container command, as CLIENT LIST's cmd= shows it.
fn command_label(spec: &CommandSpec, request: &[Vec<u8>]) -> String {
    const CONTAINERS: &[&str] = &["client", "config", "command", "object", "function"];
    match request.get(1) {
        Some(sub) if CONTAINERS.contains(&spec.name) => format!("{}|{}", spec.name, lower(sub)),
        _ => spec.name.to_string(),
    }
}

const CLIENT_HELP: &[&str] = &[
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <LIB-NAME|LIB-VER> <value>",
    "    Set client meta attr. Options are:",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
];
