//! One client connection: the handshake (OPTIONS, STARTUP with compression, SASL PLAIN
//! for PasswordAuthenticator), then requests run concurrently (at most
//! [`MAX_IN_FLIGHT`] at once; reading pauses beyond that) and answered on their own
//! stream ids as each finishes, SCHEMA_CHANGE events pushed on stream -1 after REGISTER,
//! v5 segment framing from READY/AUTHENTICATE on. A request sees the session (USE's
//! keyspace) as it was when it arrived; a USE changes it when it finishes. A malformed
//! envelope ends only this connection, after an ERROR on its stream.

use super::body::BodyWriter;
use super::compression::Compression;
use super::envelope::{self, flags, opcode, Decoded, Envelope};
use super::requests::{self, Request};
use super::{responses, segment, CqlWireOptions};
use crate::engine::{CqlEngine, SchemaChange, SessionState};
use crate::error::{CqlError, ErrorCode};
use bytes::{Bytes, BytesMut};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, watch};
use tokio::task::{Id, JoinSet};
use tracing::Instrument;

/// Requests of one connection run at once, at most (the protocol allows 32768 streams).
pub const MAX_IN_FLIGHT: usize = 256;

/// A finished request: its answer and the session as the request left it.
struct Answer {
    version: u8,
    stream: i16,
    body: Result<Bytes, CqlError>,
    keyspace_before: Option<String>,
    session: SessionState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before STARTUP: OPTIONS and STARTUP only.
    Handshake,
    /// AUTHENTICATE sent: AUTH_RESPONSE expected.
    Authenticating,
    Ready,
}

struct Connection {
    engine: Arc<dyn CqlEngine>,
    options: CqlWireOptions,
    session: SessionState,
    phase: Phase,
    /// The version of the first supported request; every later one must match.
    version: Option<u8>,
    compression: Option<Compression>,
    /// v5 segment framing is in force (both directions).
    segments: bool,
    /// Raw bytes from the socket.
    input: BytesMut,
    /// Envelope bytes taken out of v5 segments.
    unframed: BytesMut,
    output: BytesMut,
    events: Option<broadcast::Receiver<SchemaChange>>,
    /// Set when the connection must close once `output` is written.
    closing: bool,
    /// Requests running, and the version and stream each answers on (for a task that
    /// ends without an answer).
    in_flight: JoinSet<Answer>,
    streams: HashMap<Id, (u8, i16)>,
}

/// Serves one connection until the client leaves, a fatal frame, or shutdown.
pub async fn serve(
    mut stream: TcpStream,
    peer: SocketAddr,
    engine: Arc<dyn CqlEngine>,
    options: CqlWireOptions,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conn = Connection {
        engine,
        options,
        session: SessionState::default(),
        phase: Phase::Handshake,
        version: None,
        compression: None,
        segments: false,
        input: BytesMut::with_capacity(8 * 1024),
        unframed: BytesMut::new(),
        output: BytesMut::with_capacity(8 * 1024),
        events: None,
        closing: false,
        in_flight: JoinSet::new(),
        streams: HashMap::new(),
    };
    tracing::debug!(%peer, "CQL connection opened");
    loop {
        conn.process_input().await;
        if !conn.output.is_empty() {
            if stream.write_all(&conn.output).await.is_err() {
                break;
            }
            conn.output.clear();
        }
        if conn.closing || *shutdown.borrow() {
            break;
        }
        let event = async {
            match conn.events.as_mut() {
                Some(events) => events.recv().await,
                None => std::future::pending().await,
            }
        };
        let room = conn.in_flight.len() < MAX_IN_FLIGHT;
        let running = !conn.in_flight.is_empty();
        tokio::select! {
            done = conn.in_flight.join_next_with_id(), if running => {
                if let Some(done) = done {
                    conn.finish(done);
                }
                while let Some(done) = conn.in_flight.try_join_next_with_id() {
                    conn.finish(done);
                }
            }
            read = stream.read_buf(&mut conn.input), if room => match read {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            },
            event = event => match event {
                Ok(change) => conn.push_event(&change),
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => conn.events = None,
            },
            _ = shutdown.changed() => break,
        }
    }
    conn.in_flight.abort_all();
    let _ = stream.shutdown().await;
    tracing::debug!(%peer, "CQL connection closed");
}

impl Connection {
    /// Handles every whole request that has arrived (up to the in-flight bound).
    async fn process_input(&mut self) {
        while !self.closing && self.in_flight.len() < MAX_IN_FLIGHT {
            if self.segments {
                match segment::decode(&mut self.input, self.compression == Some(Compression::Lz4)) {
                    Ok(Some(payload)) => self.unframed.extend_from_slice(&payload),
                    Ok(None) => {}
                    Err(e) => return self.fatal(self.version.unwrap_or(5), 0, e),
                }
            }
            let source = if self.segments { &mut self.unframed } else { &mut self.input };
            match envelope::decode(source, self.options.max_frame_bytes) {
                Ok(Some(Decoded::Envelope(env))) => self.handle(env).await,
                Ok(Some(Decoded::Unsupported { version, stream })) => {
                    let err = CqlError::protocol(envelope::unsupported_version_message(version));
                    self.send(envelope::answer_version(version), stream, opcode::ERROR, responses::error(&err));
                }
                Ok(None) => return,
                Err(fatal) => return self.fatal(fatal.version, fatal.stream, fatal.error),
            }
        }
    }

    fn fatal(&mut self, version: u8, stream: i16, error: CqlError) {
        tracing::debug!(error = %error, "closing the CQL connection");
        self.send(version, stream, opcode::ERROR, responses::error(&error));
        self.closing = true;
    }

    fn push_event(&mut self, change: &SchemaChange) {
        let version = self.version.unwrap_or(4);
        self.send(version, -1, opcode::EVENT, responses::schema_change_event(change));
    }

    /// Writes one response envelope, compressed and segmented as negotiated.
    fn send(&mut self, version: u8, stream: i16, op: u8, body: Bytes) {
        self.send_warned(version, stream, op, body, &[]);
    }

    /// [`Self::send`] with the request's client warnings (the WARNING flag and a
    /// [string list] before the body).
    fn send_warned(&mut self, version: u8, stream: i16, op: u8, body: Bytes, warnings: &[String]) {
        let mut frame_flags = 0;
        let mut body = body;
        if !warnings.is_empty() {
            let mut w = BodyWriter::new();
            w.string_list(&warnings.iter().map(String::as_str).collect::<Vec<_>>());
            let mut warned = BytesMut::from(&w.finish()[..]);
            warned.extend_from_slice(&body);
            body = warned.freeze();
            frame_flags |= flags::WARNING;
        }
        if let (Some(c), false, true) = (self.compression, self.segments, !body.is_empty()) {
            if self.phase == Phase::Ready {
                body = Bytes::from(c.compress_body(&body));
                frame_flags |= flags::COMPRESSION;
            }
        }
        if self.segments {
            let mut env = BytesMut::new();
            envelope::encode(&mut env, version, frame_flags, stream, op, &body);
            segment::encode(&mut self.output, &env, self.compression == Some(Compression::Lz4));
        } else {
            envelope::encode(&mut self.output, version, frame_flags, stream, op, &body);
        }
    }

    async fn handle(&mut self, env: Envelope) {
        let version = env.version;
        match self.version {
            None => self.version = Some(version),
            Some(established) if established != version => {
                return self.fatal(
                    established,
                    env.stream,
                    CqlError::protocol(format!(
                        "Invalid message version. Got {version} but previous messages on this connection had version {established}"
                    )),
                );
            }
            Some(_) => {}
        }
        let stream = env.stream;
        let body = if env.flags & flags::COMPRESSION != 0 && !self.segments {
            match self.compression {
                Some(c) => match c.decompress_body(&env.body, self.options.max_frame_bytes) {
                    Ok(b) => Bytes::from(b),
                    Err(e) => return self.fatal(version, stream, e),
                },
                None => {
                    return self.fatal(
                        version,
                        stream,
                        CqlError::protocol("Compressed frame received but no compression was negotiated"),
                    )
                }
            }
        } else {
            env.body
        };
        let request = match requests::decode(version, env.opcode, body) {
            Ok(r) => r,
            Err(e) => return self.fatal(version, stream, e),
        };
        match (self.phase, request) {
            (_, Request::Options) => self.send(version, stream, opcode::SUPPORTED, responses::supported()),
            (Phase::Handshake, Request::Startup(options)) => self.startup(version, stream, options),
            (Phase::Authenticating, Request::AuthResponse(token)) => self.authenticate(version, stream, token).await,
            (Phase::Ready, request) => self.request(version, stream, request).await,
            (Phase::Handshake, _) => self.send(
                version,
                stream,
                opcode::ERROR,
                responses::error(&CqlError::protocol("Unexpected message, expecting STARTUP or OPTIONS")),
            ),
            (Phase::Authenticating, _) => self.send(
                version,
                stream,
                opcode::ERROR,
                responses::error(&CqlError::protocol("Unexpected message, expecting SASL response")),
            ),
        }
    }

    fn startup(&mut self, version: u8, stream: i16, options: Vec<(String, String)>) {
        for (key, value) in &options {
            if key.eq_ignore_ascii_case("COMPRESSION") {
                match Compression::from_option(value) {
                    Some(Compression::Snappy) if version >= 5 => {
                        let err = CqlError::protocol("Snappy compression is not supported in protocol V5; use lz4");
                        return self.send(version, stream, opcode::ERROR, responses::error(&err));
                    }
                    Some(c) => self.compression = Some(c),
                    None => {
                        let err = CqlError::protocol(format!("Unknown compression algorithm: {value}"));
                        return self.send(version, stream, opcode::ERROR, responses::error(&err));
                    }
                }
            }
        }
        if self.engine.requires_authentication() {
            self.phase = Phase::Authenticating;
            self.send(version, stream, opcode::AUTHENTICATE, responses::authenticate());
        } else {
            self.phase = Phase::Ready;
            self.send(version, stream, opcode::READY, Bytes::new());
        }
        self.segments = version >= 5;
    }

    async fn authenticate(&mut self, version: u8, stream: i16, token: Option<Bytes>) {
        let token = token.unwrap_or_default();
        // SASL PLAIN: [authzid] NUL authcid NUL password.
        let mut parts = token.split(|b| *b == 0);
        let (_, user, password) = (parts.next(), parts.next(), parts.next());
        let (Some(user), Some(password)) = (user, password) else {
            let err = CqlError::new(ErrorCode::BadCredentials, "Authentication failed: malformed SASL PLAIN response");
            return self.send(version, stream, opcode::ERROR, responses::error(&err));
        };
        let user = String::from_utf8_lossy(user).into_owned();
        let password = String::from_utf8_lossy(password).into_owned();
        match self.engine.authenticate(&user, &password).await {
            Ok(()) => {
                self.session.user = Some(user);
                self.phase = Phase::Ready;
                self.send(version, stream, opcode::AUTH_SUCCESS, responses::auth_success());
            }
            Err(err) => self.send(version, stream, opcode::ERROR, responses::error(&err)),
        }
    }

    /// A finished request task: its answer goes out on its stream; a USE's keyspace
    /// becomes the connection's.
    fn finish(&mut self, done: Result<(Id, Answer), tokio::task::JoinError>) {
        match done {
            Ok((id, answer)) => {
                self.streams.remove(&id);
                if answer.session.keyspace != answer.keyspace_before {
                    self.session.keyspace = answer.session.keyspace;
                }
                match answer.body {
                    Ok(body) => {
                        self.send_warned(answer.version, answer.stream, opcode::RESULT, body, &answer.session.warnings)
                    }
                    Err(err) => self.send(answer.version, answer.stream, opcode::ERROR, responses::error(&err)),
                }
            }
            Err(e) => {
                if let Some((version, stream)) = self.streams.remove(&e.id()) {
                    tracing::error!(error = %e, "a CQL request task ended without an answer");
                    let err = CqlError::server("the request failed inside the server");
                    self.send(version, stream, opcode::ERROR, responses::error(&err));
                }
            }
        }
    }

    async fn request(&mut self, version: u8, stream: i16, request: Request) {
        let engine = self.engine.clone();
        let answer = match request {
            request @ (Request::Query { .. }
            | Request::Prepare { .. }
            | Request::Execute { .. }
            | Request::Batch(_)) => {
                let mut session = self.session.clone();
                let keyspace_before = session.keyspace.clone();
                let span = tracing::debug_span!("cql_request", stream);
                let task = self.in_flight.spawn(
                    async move {
                        let body = match request {
                            Request::Query { text, params } => {
                                let skip = params.skip_metadata;
                                let out = engine.query(&mut session, &text, params).await;
                                out.map(|o| responses::result(&o, version, skip))
                            }
                            Request::Prepare { text, keyspace } => engine
                                .prepare(&mut session, &text, keyspace.as_deref())
                                .await
                                .map(|p| responses::prepared(&p, version)),
                            Request::Execute { id, params } => {
                                let skip = params.skip_metadata;
                                let out = engine.execute(&mut session, &id, params).await;
                                out.map(|o| responses::result(&o, version, skip))
                            }
                            Request::Batch(batch) => {
                                engine.batch(&mut session, batch).await.map(|o| responses::result(&o, version, false))
                            }
                            _ => Err(CqlError::server("not a request the engine runs")),
                        };
                        Answer { version, stream, body, keyspace_before, session }
                    }
                    .instrument(span),
                );
                self.streams.insert(task.id(), (version, stream));
                return;
            }
            Request::Register(types) => {
                if types.iter().any(|t| t == "SCHEMA_CHANGE") {
                    self.events = Some(engine.schema_events());
                }
                return self.send(version, stream, opcode::READY, Bytes::new());
            }
            Request::Startup(_) => {
                Err(CqlError::protocol("Unexpected message STARTUP, the connection is already started"))
            }
            Request::AuthResponse(_) => {
                Err(CqlError::protocol("Unexpected message AUTH_RESPONSE, the connection is already authenticated"))
            }
            Request::Options => return self.send(version, stream, opcode::SUPPORTED, responses::supported()),
        };
        match answer {
            Ok(body) => self.send(version, stream, opcode::RESULT, body),
            Err(err) => self.send(version, stream, opcode::ERROR, responses::error(&err)),
        }
    }
}
