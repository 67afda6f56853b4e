//! One client connection: read requests, run them, write replies.
//!
//! The read buffer grows only with bytes actually received. Every complete request in
//! it is parsed and run in order and its reply appended to an output buffer, which is
//! written when no complete request remains (a pipeline of any depth is answered with
//! few writes, in order) or when it grows large. Each connection is its own task, so a
//! client that reads slowly only ever blocks itself. Keyspace commands run in one
//! keyspace transaction each, under the server's write lock when they may write;
//! connection-level commands (PING, HELLO, AUTH, SELECT, CLIENT, ...) are handled here.
//! GRAPHRAG.* and FT.* run outside keyspace transactions ([`commands::graphrag`],
//! [`commands::search`]) and are refused inside MULTI.
//! A protocol error is answered and the connection closed, as Redis does.
//!
//! Transactions: while in MULTI, commands are checked (unknown name, arity, NOAUTH,
//! `no_multi`) and queued; EXEC runs the queue in one keyspace transaction (one atomic
//! commit) under the write lock when any queued command writes or keys are WATCHed,
//! after checking the watched keys' versions ([`crate::transactions`]).
//!
//! Blocking: a command answering [`RedisError::Block`] is rolled back, its client queued
//! on the keys ([`crate::blocking`]) before the write lock is released, and the
//! connection waits (still noticing a closed socket, CLIENT KILL and shutdown) until it
//! is woken by a write to one of the keys, when it runs the command again, or until the
//! timeout, when it answers a null array.
//!
//! Pub/sub: the connection's [`Subscriber`] receives published messages over a bounded
//! channel the task selects on next to the socket ([`crate::pubsub`]). RESP2 clients
//! with subscriptions may only run (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET.

use crate::blocking::WaiterGuard;
use crate::client_registry::ClientHandle;
use crate::commands::{self, args, CommandSpec, Ctx, Family};
use crate::error::RedisError;
use crate::pubsub::{Message, Subscriber};
use crate::resp::encode::encode;
use crate::resp::parse::RequestParser;
use crate::resp::Frame;
use crate::server::{Shared, Stats, REDIS_VERSION};
use crate::transactions::Watched;
use bytes::BytesMut;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

/// Read-buffer growth per read.
const READ_CHUNK: usize = 16 * 1024;
/// Largest single growth while a big bulk is arriving.
const BULK_CHUNK: usize = 1024 * 1024;
/// Output written before more requests are run once it reaches this size.
const OUTPUT_FLUSH: usize = 64 * 1024;
/// Bytes a blocked client may send before the connection stops reading its socket
/// until it is unblocked.
const BLOCKED_INPUT_LIMIT: usize = 1024 * 1024;
/// Pub/sub messages moved to the output buffer before it is written.
const MESSAGES_PER_WRITE: usize = 1024;
/// Most pipelined commands run in one keyspace transaction (see [`Connection::run_group`]).
const MAX_GROUP: usize = 256;
/// The commands a RESP2 client with subscriptions may run.
const SUBSCRIBED_ALLOWED: &[&str] =
    &["subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset"];

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
#[derive(Debug)]
enum Flow {
    Continue,
    /// Send what is buffered, then close (QUIT, CLIENT KILL of oneself).
    Close,
    /// The command blocked: wait, then run it again.
    Block(Blocked),
}

/// A command waiting for a write to one of its keys.
#[derive(Debug)]
struct Blocked {
    spec: &'static CommandSpec,
    request: Vec<Vec<u8>>,
    guard: WaiterGuard,
    /// `None`: forever.
    deadline: Option<tokio::time::Instant>,
}

/// One reply or, for (UN)SUBSCRIBE of several channels, several.
enum Reply {
    One(Frame),
    Many(Vec<Frame>),
}

impl From<Frame> for Reply {
    fn from(frame: Frame) -> Reply {
        Reply::One(frame)
    }
}

/// A keyspace command's outcome.
enum Ran {
    Reply(Frame),
    Blocked(Blocked),
}

/// MULTI's queue.
#[derive(Default)]
struct Multi {
    queue: Vec<(&'static CommandSpec, Vec<Vec<u8>>)>,
    /// A command was rejected while queuing: EXEC answers EXECABORT.
    aborted: bool,
}

struct Connection {
    shared: Arc<Shared>,
    handle: Arc<ClientHandle>,
    client: ClientState,
    multi: Option<Multi>,
    watched: Vec<Watched>,
    subscriber: Arc<Subscriber>,
    channels: BTreeSet<Vec<u8>>,
    patterns: BTreeSet<Vec<u8>>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.unwatch_all();
        self.unsubscribe_everything();
    }
}

/// How a wait for a blocked command ended.
enum Wait {
    Woken,
    TimedOut,
    Gone,
}

/// Serves one accepted connection until the client leaves, is killed, breaks the
/// protocol or the server shuts down.
pub async fn serve_connection(
    mut stream: TcpStream,
    shared: Arc<Shared>,
    handle: Arc<ClientHandle>,
    mut shutdown: watch::Receiver<bool>,
) {
    let (subscriber, mut messages) = Subscriber::new(handle.clone());
    let mut conn = Connection {
        client: ClientState::new(handle.id),
        shared,
        handle,
        multi: None,
        watched: Vec::new(),
        subscriber,
        channels: BTreeSet::new(),
        patterns: BTreeSet::new(),
    };
    // As in Redis, a client is authenticated from the start while no password is set,
    // and stays so if one is set later.
    conn.client.authenticated = conn.shared.requirepass().is_none();
    let mut parser = RequestParser::new(conn.shared.max_bulk_len());
    let mut input = BytesMut::with_capacity(READ_CHUNK);
    let mut output = BytesMut::new();
    loop {
        // Run every complete request buffered.
        let mut close = false;
        let mut group: Vec<(&'static CommandSpec, Vec<Vec<u8>>)> = Vec::new();
        loop {
            let step = match parser.next_request(&mut input, conn.client.authenticated) {
                Ok(Some(request)) => {
                    let spec = lookup(&request);
                    match conn.groupable(spec, &request) {
                        Some(spec) => {
                            group.push((spec, request));
                            if group.len() < MAX_GROUP {
                                continue;
                            }
                            Ok(None)
                        }
                        None => Ok(Some((spec, request))),
                    }
                }
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            };
            if !group.is_empty() {
                conn.run_group(std::mem::take(&mut group), &mut output).await;
                if output.len() >= OUTPUT_FLUSH && !write_out(&mut stream, &mut output, &conn).await {
                    return;
                }
                if step.as_ref().is_ok_and(|r| r.is_none()) && !input.is_empty() {
                    // A full group: more requests may be buffered.
                    continue;
                }
            }
            match step {
                Ok(Some((spec, request))) => {
                    match conn.run(spec, request, &mut output).await {
                        Flow::Continue => {}
                        Flow::Close => {
                            close = true;
                            break;
                        }
                        Flow::Block(blocked) => {
                            // Earlier pipelined replies go out before waiting.
                            if !write_out(&mut stream, &mut output, &conn).await {
                                return;
                            }
                            let Some(frame) = conn.block(blocked, &mut stream, &mut input, &mut shutdown).await else {
                                return;
                            };
                            conn.reply(&frame, &mut output);
                        }
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

        // Wait for more bytes or a published message.
        let wanted = parser.bulk_bytes_wanted(input.len()).clamp(READ_CHUNK, BULK_CHUNK);
        input.reserve(wanted);
        let idle = conn.shared.idle_timeout();
        let subscribed = conn.subscriptions() > 0;
        let read = tokio::select! {
            read = stream.read_buf(&mut input) => read,
            message = messages.recv() => {
                if let Some(message) = message {
                    conn.push_messages(message, &mut messages, &mut output);
                }
                continue;
            }
            _ = conn.handle.killed() => return,
            _ = shutdown.changed() => return,
            _ = async {
                match idle {
                    // Subscribers are never idle-disconnected, as in Redis.
                    Some(d) if !subscribed => tokio::time::sleep(d).await,
                    _ => std::future::pending::<()>().await,
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

/// The command of a request, if it names one we know.
fn lookup(request: &[Vec<u8>]) -> Option<&'static CommandSpec> {
    request.first().and_then(|name| commands::lookup(name))
}

/// The lowercase name of a command, for replies and CLIENT LIST.
fn lower(name: &[u8]) -> String {
    String::from_utf8_lossy(name).to_ascii_lowercase()
}

impl Connection {
    /// Encodes a reply, counting error replies.
    fn reply(&self, frame: &Frame, out: &mut BytesMut) {
        if matches!(frame, Frame::Error(_)) {
            Stats::add(&self.shared.stats.total_error_replies, 1);
        }
        encode(frame, self.client.protocol, out);
    }

    /// Runs one request and appends its reply.
    /// Runs one request (`spec`: its command, looked up by the caller) and appends its
    /// reply.
    async fn run(&mut self, spec: Option<&'static CommandSpec>, request: Vec<Vec<u8>>, out: &mut BytesMut) -> Flow {
        Stats::add(&self.shared.stats.total_commands_processed, 1);
        let (reply, flow) = self.dispatch(spec, request).await;
        match reply {
            Reply::One(frame) => self.reply(&frame, out),
            Reply::Many(frames) => frames.iter().for_each(|f| self.reply(f, out)),
        }
        {
            let mut d = self.handle.details.lock();
            d.db = self.client.db;
            d.resp = self.client.protocol;
            d.name = self.client.name.clone();
            d.last_active = Some(Instant::now());
        }
        flow
    }

    /// The spec of a request that may run in a pipeline group: a known keyspace command
    /// of the data families with a valid arity, that does not block, from an
    /// authenticated client outside MULTI and subscribed mode. Anything else runs alone
    /// through [`Connection::dispatch`], which also produces its refusals.
    fn groupable(&self, spec: Option<&'static CommandSpec>, request: &[Vec<u8>]) -> Option<&'static CommandSpec> {
        if self.multi.is_some() || !self.client.authenticated || self.subscriptions() > 0 {
            return None;
        }
        let spec = spec?;
        let data = matches!(
            spec.family,
            Family::Keys | Family::Strings | Family::Hashes | Family::Lists | Family::Sets | Family::ZSets
        );
        (data && spec.arity_ok(request.len()) && !spec.has_flag("blocking")).then_some(spec)
    }

    /// Runs consecutive pipelined keyspace commands in one keyspace transaction, under
    /// one hold of the write lock when any of them writes, with one commit: each
    /// command sees the effects of those before it, as it would run alone, and the
    /// replies go out once the commit is done. Redis commands are atomic one by one: a
    /// command that fails after writing something would leave its writes in the shared
    /// transaction, so then the group is dropped uncommitted and run again command by
    /// command.
    async fn run_group(&mut self, group: Vec<(&'static CommandSpec, Vec<Vec<u8>>)>, out: &mut BytesMut) {
        if group.len() == 1 {
            for (spec, request) in group {
                let _ = self.run(Some(spec), request, out).await;
            }
            return;
        }
        let shared = self.shared.clone();
        let locked = group.iter().any(|(spec, _)| spec.is_write());
        let guard = if locked { Some(shared.write_lock.clone().lock_owned().await) } else { None };
        // Pipelined commands are not atomic together: single-metadata reads may each
        // read the latest state.
        let single_reads = !locked && group.iter().all(|(spec, request)| spec.reads_one_meta(request));
        let begun = if single_reads {
            shared.keyspace.begin_single_read().await
        } else {
            shared.keyspace.begin_for(locked).await
        };
        let mut txn = match begun {
            Ok(txn) => txn,
            Err(e) => {
                let frame = error(e);
                group.iter().for_each(|_| self.reply(&frame, out));
                return;
            }
        };
        let mut replies = Vec::with_capacity(group.len());
        for (spec, request) in &group {
            let before = txn.mutations();
            let result = {
                let mut ctx = Ctx { shared: &shared, client: &mut self.client, txn: &mut txn };
                commands::execute(spec, &mut ctx, request).await
            };
            match result {
                Ok(frame) => replies.push(frame),
                Err(e) if txn.mutations() == before && !matches!(e, RedisError::Block { .. }) => replies.push(error(e)),
                Err(_) => {
                    drop(txn);
                    drop(guard);
                    for (spec, request) in group {
                        let _ = self.run(Some(spec), request, out).await;
                    }
                    return;
                }
            }
        }
        Stats::add(&shared.stats.total_commands_processed, group.len() as u64);
        match shared.commit(txn).await {
            Ok(()) => {
                replies.iter().for_each(|frame| self.reply(frame, out));
            }
            Err(e) => {
                let frame = error(e);
                replies.iter().for_each(|_| self.reply(&frame, out));
            }
        }
        drop(guard);
        if let Some((spec, request)) = group.last() {
            let label = command_label(spec, request);
            let mut d = self.handle.details.lock();
            d.last_command = label;
            d.last_active = Some(Instant::now());
        }
    }

    /// Answers a command refused before running: inside MULTI the transaction is
    /// flagged (or, for EXEC itself, discarded with EXECABORT), as Redis's rejectCommand.
    fn reject(&mut self, spec: Option<&CommandSpec>, e: RedisError) -> Reply {
        let line = e.reply_line();
        if let Some(multi) = self.multi.as_mut() {
            if spec.is_some_and(|s| s.name == "exec") {
                self.multi = None;
                self.unwatch_all();
                let text = line.strip_prefix("ERR ").unwrap_or(&line);
                return Frame::Error(format!("EXECABORT Transaction discarded because of: {text}")).into();
            }
            multi.aborted = true;
        }
        Frame::Error(line).into()
    }

    async fn dispatch(&mut self, spec: Option<&'static CommandSpec>, request: Vec<Vec<u8>>) -> (Reply, Flow) {
        if request.is_empty() {
            return (Frame::Null.into(), Flow::Continue);
        }
        let Some(spec) = spec else {
            return (self.reject(None, commands::unknown_command(&request)), Flow::Continue);
        };
        let label = command_label(spec, &request);
        self.handle.details.lock().last_command = label.clone();
        if !spec.arity_ok(request.len()) {
            return (self.reject(Some(spec), RedisError::wrong_arity(spec.name)), Flow::Continue);
        }
        if !self.client.authenticated && !spec.has_flag("no_auth") {
            return (
                self.reject(Some(spec), RedisError::Reply("NOAUTH Authentication required.".into())),
                Flow::Continue,
            );
        }
        if self.multi.is_some() && spec.has_flag("no_multi") {
            return (
                self.reject(Some(spec), RedisError::err("Command not allowed inside a transaction")),
                Flow::Continue,
            );
        }
        if self.client.protocol == 2 && self.subscriptions() > 0 && !SUBSCRIBED_ALLOWED.contains(&spec.name) {
            let e = RedisError::err(format!(
                "Can't execute '{label}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed \
                 in this context"
            ));
            return (self.reject(Some(spec), e), Flow::Continue);
        }
        if self.multi.is_some() && matches!(spec.family, Family::GraphRag | Family::Search) {
            let refusal = if spec.family == Family::GraphRag {
                commands::graphrag::NOT_IN_MULTI
            } else {
                commands::search::NOT_IN_MULTI
            };
            return (self.reject(Some(spec), RedisError::Reply(refusal.into())), Flow::Continue);
        }
        // transactions: queue everything but the transaction commands themselves.
        if let Some(multi) = self.multi.as_mut() {
            if !matches!(spec.name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset") {
                multi.queue.push((spec, request));
                return (Frame::Simple("QUEUED".into()).into(), Flow::Continue);
            }
        }
        match spec.name {
            "multi" => {
                if self.multi.is_some() {
                    return (Frame::Error("ERR MULTI calls can not be nested".into()).into(), Flow::Continue);
                }
                self.multi = Some(Multi::default());
                return (Frame::ok().into(), Flow::Continue);
            }
            "exec" => return (self.exec().await.into(), Flow::Continue),
            "discard" => {
                if self.multi.take().is_none() {
                    return (Frame::Error("ERR DISCARD without MULTI".into()).into(), Flow::Continue);
                }
                self.unwatch_all();
                return (Frame::ok().into(), Flow::Continue);
            }
            "watch" => return (self.watch(&request[1..]).await.into(), Flow::Continue),
            _ => {}
        }
        if spec.family == Family::Connection {
            return self.connection_command(spec, &request);
        }
        if spec.family == Family::GraphRag {
            return (commands::graphrag::run(&self.shared.graphrag, &request).await.into(), Flow::Continue);
        }
        if spec.family == Family::Search {
            let shared = self.shared.clone();
            return (commands::search::run(&shared, &self.client, &request).await.into(), Flow::Continue);
        }
        match self.keyspace_command(spec, request, None).await {
            Ran::Reply(frame) => (frame.into(), Flow::Continue),
            Ran::Blocked(blocked) => (Reply::Many(vec![]), Flow::Block(blocked)),
        }
    }

    /// Runs a keyspace command in its own transaction. `retry`: the same command woken
    /// after blocking (it keeps its place in the queues and its deadline).
    async fn keyspace_command(
        &mut self,
        spec: &'static CommandSpec,
        request: Vec<Vec<u8>>,
        retry: Option<(WaiterGuard, Option<tokio::time::Instant>)>,
    ) -> Ran {
        let shared = self.shared.clone();
        if retry.is_none() && spec.is_write() && !spec.has_flag("blocking") && spec.family != Family::Server {
            return Ran::Reply(crate::write_queue::run_queued(&shared, spec, request, &self.client).await);
        }
        let locked = spec.is_write() || spec.has_flag("blocking");
        let _guard = if locked { Some(shared.write_lock.clone().lock_owned().await) } else { None };
        if let Some((guard, _)) = &retry {
            // Under the lock: a write from now on wakes this client again.
            guard.waiter.rearm();
        }
        let begun = if !locked && spec.reads_one_meta(&request) {
            shared.keyspace.begin_single_read().await
        } else {
            shared.keyspace.begin_for(locked).await
        };
        let mut txn = match begun {
            Ok(txn) => txn,
            Err(e) => return Ran::Reply(error(e)),
        };
        let result = {
            let mut ctx = Ctx { shared: &shared, client: &mut self.client, txn: &mut txn };
            commands::execute(spec, &mut ctx, &request).await
        };
        match result {
            Ok(frame) => {
                // Leave the queues first so this client's own write wakes the next one.
                drop(retry);
                match shared.commit(txn).await {
                    Ok(()) => Ran::Reply(frame),
                    Err(e) => Ran::Reply(error(e)),
                }
            }
            Err(RedisError::Block { db, keys, timeout }) => {
                drop(txn);
                if self.client.in_exec {
                    return Ran::Reply(Frame::NullArray);
                }
                let (guard, deadline) = match retry {
                    Some(r) => r,
                    // Registered before the write lock is released: no write can be missed.
                    None => (
                        shared.blocking.register(self.client.id, db, &keys),
                        timeout.map(|t| tokio::time::Instant::now() + t),
                    ),
                };
                Ran::Blocked(Blocked { spec, request, guard, deadline })
            }
            Err(e) => {
                if let Some((guard, _)) = &retry {
                    // Consumed nothing: the next client in line may.
                    shared.blocking.pass_on(&guard.waiter);
                }
                Ran::Reply(error(e))
            }
        }
    }

    /// Waits for a blocked command to be woken (then runs it again, maybe blocking
    /// again) or to time out. `None`: the client went away (or was killed, or the
    /// server is stopping) while blocked.
    async fn block(
        &mut self,
        mut blocked: Blocked,
        stream: &mut TcpStream,
        input: &mut BytesMut,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Option<Frame> {
        loop {
            let wait = loop {
                input.reserve(READ_CHUNK);
                let reading = input.len() < BLOCKED_INPUT_LIMIT;
                let deadline = blocked.deadline;
                tokio::select! {
                    _ = blocked.guard.waiter.woken() => break Wait::Woken,
                    _ = async {
                        match deadline {
                            Some(at) => tokio::time::sleep_until(at).await,
                            None => std::future::pending::<()>().await,
                        }
                    } => break Wait::TimedOut,
                    _ = self.handle.killed() => break Wait::Gone,
                    _ = shutdown.changed() => break Wait::Gone,
                    read = stream.read_buf(input), if reading => match read {
                        Ok(0) | Err(_) => break Wait::Gone,
                        Ok(n) => Stats::add(&self.shared.stats.total_net_input_bytes, n as u64),
                    },
                }
            };
            match wait {
                Wait::Gone => return None,
                Wait::TimedOut => return Some(Frame::NullArray),
                Wait::Woken => {
                    let Blocked { spec, request, guard, deadline } = blocked;
                    match self.keyspace_command(spec, request, Some((guard, deadline))).await {
                        Ran::Reply(frame) => return Some(frame),
                        Ran::Blocked(again) => blocked = again,
                    }
                }
            }
        }
    }

    // ---- transactions --------------------------------------------------------------

    /// WATCH key [key ...].
    async fn watch(&mut self, keys: &[Vec<u8>]) -> Frame {
        if self.multi.is_some() {
            return Frame::Error("ERR WATCH inside MULTI is not allowed".into());
        }
        let shared = self.shared.clone();
        // Under the write lock, so the version read matches the key's stored state.
        let _guard = shared.write_lock.clone().lock_owned().await;
        let mut txn = match shared.keyspace.begin_locked().await {
            Ok(txn) => txn,
            Err(e) => return error(e),
        };
        let db = self.client.db;
        for key in keys {
            if self.watched.iter().any(|w| w.db == db && w.key == *key) {
                continue;
            }
            let live = match txn.meta(db, key).await {
                Ok(meta) => meta.is_some(),
                Err(e) => return error(e),
            };
            self.watched.push(shared.watches.watch(db, key, live));
        }
        Frame::ok()
    }

    fn unwatch_all(&mut self) {
        let watched = std::mem::take(&mut self.watched);
        self.shared.watches.unwatch(&watched);
    }

    /// EXEC: the queued commands in one transaction and one commit.
    async fn exec(&mut self) -> Frame {
        let Some(multi) = self.multi.take() else {
            return Frame::Error("ERR EXEC without MULTI".into());
        };
        if multi.aborted {
            self.unwatch_all();
            return Frame::Error("EXECABORT Transaction discarded because of previous errors.".into());
        }
        let shared = self.shared.clone();
        let locked = !self.watched.is_empty() || multi.queue.iter().any(|(spec, _)| spec.is_write());
        let _guard = if locked { Some(shared.write_lock.clone().lock_owned().await) } else { None };
        let mut txn = match shared.keyspace.begin_for(locked).await {
            Ok(txn) => txn,
            Err(e) => {
                self.unwatch_all();
                return error(e);
            }
        };
        let mut intact = true;
        for w in &self.watched {
            let live_now = match txn.meta(w.db, &w.key).await {
                Ok(meta) => meta.is_some(),
                Err(e) => {
                    intact = false;
                    tracing::debug!(error = %e, "watched key check failed");
                    break;
                }
            };
            if !shared.watches.unchanged(w, live_now) {
                intact = false;
                break;
            }
        }
        self.unwatch_all();
        if !intact {
            return Frame::NullArray;
        }
        self.client.in_exec = true;
        let mut replies = Vec::with_capacity(multi.queue.len());
        for (spec, request) in multi.queue {
            if spec.family == Family::Connection {
                match self.connection_command(spec, &request).0 {
                    Reply::One(frame) => replies.push(frame),
                    Reply::Many(frames) => replies.extend(frames),
                }
                continue;
            }
            let result = {
                let mut ctx = Ctx { shared: &shared, client: &mut self.client, txn: &mut txn };
                commands::execute(spec, &mut ctx, &request).await
            };
            replies.push(match result {
                Ok(frame) => frame,
                Err(RedisError::Block { .. }) => Frame::NullArray,
                Err(e) => error(e),
            });
        }
        self.client.in_exec = false;
        if let Err(e) = shared.commit(txn).await {
            return error(e);
        }
        Frame::Array(replies)
    }

    // ---- pub/sub -------------------------------------------------------------------

    fn subscriptions(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    fn sub_reply(&self, kind: &str, name: Option<&[u8]>) -> Frame {
        Frame::Push(vec![
            Frame::bulk(kind),
            name.map(|n| Frame::Bulk(n.to_vec())).unwrap_or(Frame::Null),
            Frame::Integer(self.subscriptions() as i64),
        ])
    }

    fn subscribe(&mut self, names: &[Vec<u8>], pattern: bool) -> Reply {
        let mut frames = Vec::with_capacity(names.len());
        for name in names {
            if pattern {
                if self.patterns.insert(name.clone()) {
                    self.shared.pubsub.psubscribe(name, &self.subscriber);
                }
            } else if self.channels.insert(name.clone()) {
                self.shared.pubsub.subscribe(name, &self.subscriber);
            }
            frames.push(self.sub_reply(if pattern { "psubscribe" } else { "subscribe" }, Some(name)));
        }
        Reply::Many(frames)
    }

    fn unsubscribe(&mut self, names: &[Vec<u8>], pattern: bool) -> Reply {
        let kind = if pattern { "punsubscribe" } else { "unsubscribe" };
        let names: Vec<Vec<u8>> = if !names.is_empty() {
            names.to_vec()
        } else if pattern {
            self.patterns.iter().cloned().collect()
        } else {
            self.channels.iter().cloned().collect()
        };
        if names.is_empty() {
            return Reply::One(self.sub_reply(kind, None));
        }
        let mut frames = Vec::with_capacity(names.len());
        for name in &names {
            if pattern {
                if self.patterns.remove(name) {
                    self.shared.pubsub.punsubscribe(name, self.client.id);
                }
            } else if self.channels.remove(name) {
                self.shared.pubsub.unsubscribe(name, self.client.id);
            }
            frames.push(self.sub_reply(kind, Some(name)));
        }
        Reply::Many(frames)
    }

    /// Leaves every channel and pattern without replies (RESET, disconnect).
    fn unsubscribe_everything(&mut self) {
        for name in std::mem::take(&mut self.channels) {
            self.shared.pubsub.unsubscribe(&name, self.client.id);
        }
        for name in std::mem::take(&mut self.patterns) {
            self.shared.pubsub.punsubscribe(&name, self.client.id);
        }
    }

    /// Moves `first` and up to [`MESSAGES_PER_WRITE`] more waiting messages to `out`.
    fn push_messages(&self, first: Message, messages: &mut mpsc::Receiver<Message>, out: &mut BytesMut) {
        let mut next = Some(first);
        let mut n = 0;
        while let Some(m) = next {
            self.subscriber.delivered(&m);
            let frame = match &m.pattern {
                Some(p) => Frame::Push(vec![
                    Frame::bulk("pmessage"),
                    Frame::Bulk(p.to_vec()),
                    Frame::Bulk(m.channel.to_vec()),
                    Frame::Bulk(m.payload.to_vec()),
                ]),
                None => Frame::Push(vec![
                    Frame::bulk("message"),
                    Frame::Bulk(m.channel.to_vec()),
                    Frame::Bulk(m.payload.to_vec()),
                ]),
            };
            encode(&frame, self.client.protocol, out);
            n += 1;
            next = if n < MESSAGES_PER_WRITE && out.len() < OUTPUT_FLUSH { messages.try_recv().ok() } else { None };
        }
    }

    fn pubsub_command(&self, request: &[Vec<u8>]) -> Frame {
        let sub = lower(&request[1]);
        let argc = request.len();
        match sub.as_str() {
            "channels" | "shardchannels" if argc <= 3 => {
                if sub == "shardchannels" {
                    return Frame::Array(vec![]);
                }
                Frame::array_of_bulks(self.shared.pubsub.channels(request.get(2).map(Vec::as_slice)))
            }
            "numsub" | "shardnumsub" => {
                let mut items = Vec::with_capacity((argc - 2) * 2);
                for channel in &request[2..] {
                    let n = if sub == "numsub" { self.shared.pubsub.numsub(channel) } else { 0 };
                    items.push(Frame::Bulk(channel.clone()));
                    items.push(Frame::Integer(n as i64));
                }
                Frame::Array(items)
            }
            "numpat" if argc == 2 => Frame::Integer(self.shared.pubsub.numpat() as i64),
            "help" if argc == 2 => Frame::Array(PUBSUB_HELP.iter().map(|l| Frame::Simple(l.to_string())).collect()),
            "numpat" | "help" => error(RedisError::wrong_arity(&format!("pubsub|{sub}"))),
            "channels" | "shardchannels" => Frame::Error(format!(
                "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
                String::from_utf8_lossy(&request[1])
            )),
            _ => Frame::Error(format!(
                "ERR unknown subcommand '{}'. Try PUBSUB HELP.",
                String::from_utf8_lossy(&request[1])
            )),
        }
    }

    /// A connection-level command (also run inside EXEC).
    fn connection_command(&mut self, spec: &CommandSpec, request: &[Vec<u8>]) -> (Reply, Flow) {
        let arg = |i: usize| request.get(i).map(Vec::as_slice).unwrap_or(b"");
        let frame = match spec.name {
            "ping" if self.client.protocol == 2 && self.subscriptions() > 0 => match request.len() {
                1 | 2 => Frame::Array(vec![Frame::bulk("pong"), Frame::Bulk(arg(1).to_vec())]),
                _ => error(RedisError::wrong_arity("ping")),
            },
            "ping" => match request.len() {
                1 => Frame::Simple("PONG".into()),
                2 => Frame::Bulk(arg(1).to_vec()),
                _ => error(RedisError::wrong_arity("ping")),
            },
            "subscribe" => return (self.subscribe(&request[1..], false), Flow::Continue),
            "psubscribe" => return (self.subscribe(&request[1..], true), Flow::Continue),
            "unsubscribe" => return (self.unsubscribe(&request[1..], false), Flow::Continue),
            "punsubscribe" => return (self.unsubscribe(&request[1..], true), Flow::Continue),
            "publish" => Frame::Integer(self.shared.pubsub.publish(arg(1), arg(2))),
            "pubsub" => self.pubsub_command(request),
            "unwatch" => {
                self.unwatch_all();
                Frame::ok()
            }
            "echo" => Frame::Bulk(arg(1).to_vec()),
            "quit" => return (Frame::ok().into(), Flow::Close),
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
                self.multi = None;
                self.unwatch_all();
                self.unsubscribe_everything();
                self.client.db = 0;
                self.client.protocol = 2;
                self.client.name = None;
                self.client.in_exec = false;
                self.client.authenticated = self.shared.requirepass().is_none();
                let mut d = self.handle.details.lock();
                d.no_evict = false;
                Frame::Simple("RESET".into())
            }
            "client" => {
                let (frame, flow) = self.client_command(request);
                return (frame.into(), flow);
            }
            _ => Frame::Error(format!("ERR unknown command '{}'", spec.name)),
        };
        (frame.into(), Flow::Continue)
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
            Some(p) if orbit_protocol_api::secret::plain_password_matches(p.as_bytes(), password) => Ok(()),
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

const PUBSUB_HELP: &[&str] = &[
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
];

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
