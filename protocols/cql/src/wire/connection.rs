//! One client connection: the handshake (OPTIONS, STARTUP with compression, SASL PLAIN
//! for PasswordAuthenticator), then requests handed to the engine in arrival order and
//! answered on their own stream ids, SCHEMA_CHANGE events pushed on stream -1 after
//! REGISTER, v5 segment framing from READY/AUTHENTICATE on. A malformed envelope ends
//! only this connection, after an ERROR on its stream.

use super::compression::Compression;
use super::envelope::{self, flags, opcode, Decoded, Envelope};
use super::requests::{self, Request};
use super::{responses, segment, CqlWireOptions};
use crate::engine::{CqlEngine, SchemaChange, SessionState};
use crate::error::{CqlError, ErrorCode};
use bytes::{Bytes, BytesMut};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, watch};

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
        tokio::select! {
            read = stream.read_buf(&mut conn.input) => match read {
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
    let _ = stream.shutdown().await;
    tracing::debug!(%peer, "CQL connection closed");
}

impl Connection {
    /// Handles every whole request that has arrived.
    async fn process_input(&mut self) {
        while !self.closing {
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
        let mut frame_flags = 0;
        let mut body = body;
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

    async fn request(&mut self, version: u8, stream: i16, request: Request) {
        let engine = self.engine.clone();
        let answer = match request {
            Request::Query { text, params } => {
                let skip = params.skip_metadata;
                engine.query(&mut self.session, &text, params).await.map(|o| responses::result(&o, version, skip))
            }
            Request::Prepare { text, keyspace } => engine
                .prepare(&mut self.session, &text, keyspace.as_deref())
                .await
                .map(|p| responses::prepared(&p, version)),
            Request::Execute { id, params } => {
                let skip = params.skip_metadata;
                engine.execute(&mut self.session, &id, params).await.map(|o| responses::result(&o, version, skip))
            }
            Request::Batch(batch) => {
                engine.batch(&mut self.session, batch).await.map(|o| responses::result(&o, version, false))
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
