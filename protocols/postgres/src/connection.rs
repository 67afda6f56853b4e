//! One client connection, from the first byte to the last.
//!
//! pgwire negotiates SSL (accepted when TLS is configured, see [`crate::tls`]) and owns
//! the connection's output side and protocol state (startup, ready, awaiting Sync). Input does not go
//! through pgwire's codec: this loop reads the socket itself, cuts the bytes into bounded
//! frames ([`crate::framing`]), checks each frame's layout, decodes it with pgwire from a
//! buffer holding exactly that frame, and dispatches it with pgwire's `process_message` to
//! the connection's handlers. Message types pgwire would ignore silently are answered
//! here: FunctionCall with 0A000, unknown types with a FATAL protocol violation.

use crate::error::{fatal, pg_error, sqlstate};
use crate::framing::{
    check_structure, describe_tag, Frame, FrameReader, CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, SSL_REQUEST_CODE,
};
use crate::handler::PostgresHandlers;
use futures::{Sink, SinkExt};
use pgwire::api::cancel::CancelHandler;
use pgwire::api::{ClientInfo, NoopHandler};
use pgwire::error::{ErrorInfo, PgWireError};
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::response::{GssEncResponse, ReadyForQuery, SslResponse};
use pgwire::messages::startup::SecretKey;
use pgwire::messages::{DecodeContext, PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::server::{negotiate_tls, process_error, process_message};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

/// A client must finish startup within this time.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

const READ_CHUNK: usize = 64 * 1024;

enum Event {
    Read(std::io::Result<usize>),
    Shutdown,
    StartupTimeout,
    IdleInTransactionTimeout,
}

/// Sends a FATAL (or any) error; the caller closes the connection afterwards.
async fn send_error<S>(socket: &mut S, error: PgWireError)
where
    S: Sink<PgWireBackendMessage> + Unpin,
{
    let info: ErrorInfo = error.into();
    let _ = socket.send(PgWireBackendMessage::ErrorResponse(info.into())).await;
}

/// Completes once the server shuts down.
async fn shutdown_requested(shutdown: &mut watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow_and_update() {
            return;
        }
        if shutdown.changed().await.is_err() {
            // The server is gone without saying so; treat it as a shutdown.
            return;
        }
    }
}

/// Copies `bytes` into a decode buffer of the type pgwire's decoders take.
fn fill<B: Extend<u8>>(buffer: &mut B, bytes: &[u8]) {
    buffer.extend(bytes.iter().copied());
}

fn decode(frame: &Frame, context: &DecodeContext) -> Result<PgWireFrontendMessage, PgWireError> {
    let mut buffer = Default::default();
    fill(&mut buffer, frame.packet());
    match PgWireFrontendMessage::decode(&mut buffer, context)? {
        Some(message) => Ok(message),
        None => Err(fatal(sqlstate::PROTOCOL_VIOLATION, "incomplete message")),
    }
}

/// Serves one connection until the client leaves, a fatal error, or shutdown.
pub async fn serve_connection(
    tcp: TcpStream,
    handlers: PostgresHandlers,
    mut shutdown: watch::Receiver<bool>,
    tls: Option<pgwire::tokio::TlsAcceptor>,
) {
    let negotiated = tokio::time::timeout(STARTUP_TIMEOUT, negotiate_tls::<String>(tcp, tls)).await;
    let mut socket = match negotiated {
        Ok(Ok(Some(socket))) => socket,
        Ok(Ok(None)) => {
            tracing::debug!("direct TLS connection refused: TLS is not configured");
            return;
        }
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "connection failed during SSL negotiation");
            return;
        }
        Err(_) => {
            tracing::debug!("startup timed out during SSL negotiation");
            return;
        }
    };

    // COPY runs in crate::copy; pgwire's copy handler is never reached.
    let copy_handler = Arc::new(NoopHandler);
    let cancel_handler = handlers.cancel;
    let connection = handlers.connection;

    let mut reader = FrameReader::new();
    // Bytes pgwire read while looking for an SSLRequest belong to the next frame.
    let leftover = socket.read_buffer_mut().split();
    reader.push(&leftover);
    let startup_deadline = Instant::now() + STARTUP_TIMEOUT;
    let mut chunk = vec![0u8; READ_CHUNK];

    loop {
        let state = socket.state();
        let in_startup = matches!(
            state,
            pgwire::api::PgWireConnectionState::AwaitingStartup
                | pgwire::api::PgWireConnectionState::AuthenticationInProgress
        );
        let startup_phase = matches!(state, pgwire::api::PgWireConnectionState::AwaitingStartup);
        let frame = match reader.next_frame(startup_phase) {
            Ok(Some(frame)) => frame,
            Ok(None) => {
                let idle_limit =
                    if in_startup { None } else { crate::limits::idle_in_transaction_limit(&connection).await };
                let event = tokio::select! {
                    read = socket.get_mut().read(&mut chunk) => Event::Read(read),
                    _ = shutdown_requested(&mut shutdown) => Event::Shutdown,
                    _ = tokio::time::sleep_until(startup_deadline), if in_startup => Event::StartupTimeout,
                    _ = tokio::time::sleep(idle_limit.unwrap_or_default()), if idle_limit.is_some() => {
                        Event::IdleInTransactionTimeout
                    }
                };
                match event {
                    Event::Read(Ok(0)) => {
                        if reader.has_partial() {
                            tracing::debug!("connection closed in the middle of a message");
                        }
                        break;
                    }
                    Event::Read(Ok(n)) => {
                        reader.push(&chunk[..n]);
                        continue;
                    }
                    Event::Read(Err(e)) => {
                        tracing::debug!(error = %e, "read failed");
                        break;
                    }
                    Event::Shutdown => {
                        let message = "terminating connection due to administrator command";
                        send_error(&mut socket, fatal(sqlstate::ADMIN_SHUTDOWN, message)).await;
                        break;
                    }
                    Event::StartupTimeout => {
                        tracing::debug!("startup timed out");
                        break;
                    }
                    Event::IdleInTransactionTimeout => {
                        send_error(&mut socket, crate::limits::idle_in_transaction_error()).await;
                        break;
                    }
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "unframeable input; closing");
                send_error(&mut socket, fatal(sqlstate::PROTOCOL_VIOLATION, e.to_string())).await;
                break;
            }
        };

        let mut context = DecodeContext::new(socket.protocol_version());
        context.awaiting_frontend_ssl = false;
        context.awaiting_frontend_startup = startup_phase;

        let (message, extended) = match &frame {
            Frame::Initial { code, packet } => match *code {
                SSL_REQUEST_CODE | GSSENC_REQUEST_CODE => {
                    if check_structure(&frame).is_err() {
                        send_error(
                            &mut socket,
                            fatal(sqlstate::PROTOCOL_VIOLATION, "invalid length of startup packet"),
                        )
                        .await;
                        break;
                    }
                    let refusal = if *code == SSL_REQUEST_CODE {
                        PgWireBackendMessage::SslResponse(SslResponse::Refuse)
                    } else {
                        PgWireBackendMessage::GssEncResponse(GssEncResponse::Refuse)
                    };
                    if socket.send(refusal).await.is_err() {
                        break;
                    }
                    continue;
                }
                CANCEL_REQUEST_CODE => {
                    if check_structure(&frame).is_ok() {
                        let pid = i32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]);
                        let key = &packet[12..];
                        let secret_key = match <[u8; 4]>::try_from(key) {
                            Ok(four) => SecretKey::I32(i32::from_be_bytes(four)),
                            Err(_) => SecretKey::Bytes(key.to_vec().into()),
                        };
                        cancel_handler.on_cancel_request(CancelRequest::new(pid, secret_key)).await;
                    }
                    // A cancel connection gets no answer; it is closed.
                    break;
                }
                code if (code >> 16) != 3 => {
                    let message = format!(
                        "unsupported frontend protocol {}.{}: server supports 3.0 to 3.2",
                        code >> 16,
                        code & 0xffff
                    );
                    send_error(&mut socket, fatal(sqlstate::FEATURE_NOT_SUPPORTED, message)).await;
                    break;
                }
                _ => {
                    if let Err(reason) = check_structure(&frame) {
                        send_error(&mut socket, fatal(sqlstate::PROTOCOL_VIOLATION, reason)).await;
                        break;
                    }
                    match decode(&frame, &context) {
                        Ok(message) => (message, false),
                        Err(_) => {
                            send_error(&mut socket, fatal(sqlstate::PROTOCOL_VIOLATION, "invalid startup packet"))
                                .await;
                            break;
                        }
                    }
                }
            },
            Frame::Typed { tag, .. } => {
                let tag = *tag;
                if crate::copy::copy_in_active(&connection).await {
                    match crate::copy::on_frame(&mut socket, &connection, tag, frame.body()).await {
                        Ok(true) => continue,
                        Ok(false) => break,
                        Err(error) => {
                            send_error(&mut socket, error).await;
                            break;
                        }
                    }
                }
                let awaiting_sync = matches!(state, pgwire::api::PgWireConnectionState::AwaitingSync);
                match tag {
                    b'X' => break,
                    // PasswordMessage, SASLInitialResponse, SASLResponse: only while
                    // authenticating (startup.rs checks the exchange).
                    b'p' if matches!(state, pgwire::api::PgWireConnectionState::AuthenticationInProgress) => {
                        match decode(&frame, &context) {
                            Ok(message) => (message, false),
                            Err(e) => {
                                send_error(&mut socket, e).await;
                                break;
                            }
                        }
                    }
                    b'Q' | b'P' | b'B' | b'D' | b'E' | b'C' | b'H' | b'S' => {
                        let extended = tag != b'Q';
                        if awaiting_sync && tag != b'S' {
                            // Skipping until Sync after an error, as PostgreSQL does.
                            continue;
                        }
                        if let Err(reason) = check_structure(&frame) {
                            let code = if reason.contains("UTF8") {
                                sqlstate::CHARACTER_NOT_IN_REPERTOIRE
                            } else {
                                sqlstate::PROTOCOL_VIOLATION
                            };
                            if process_error(&mut socket, pg_error(code, reason), extended).await.is_err() {
                                break;
                            }
                            continue;
                        }
                        match decode(&frame, &context) {
                            Ok(message) => (message, extended),
                            Err(e) => {
                                send_error(&mut socket, e).await;
                                break;
                            }
                        }
                    }
                    b'F' => {
                        if awaiting_sync {
                            continue;
                        }
                        let error =
                            pg_error(sqlstate::FEATURE_NOT_SUPPORTED, "fastpath function calls are not supported");
                        let status = socket.transaction_status();
                        send_error(&mut socket, error).await;
                        if socket.send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(status))).await.is_err() {
                            break;
                        }
                        continue;
                    }
                    // CopyData, CopyDone and CopyFail outside COPY are ignored, as in
                    // PostgreSQL (they are what a client still sends after a failed COPY).
                    b'd' | b'c' | b'f' => continue,
                    other => {
                        let message = format!("invalid frontend message type {}", describe_tag(other));
                        send_error(&mut socket, fatal(sqlstate::PROTOCOL_VIOLATION, message)).await;
                        break;
                    }
                }
            }
        };

        let result = process_message(
            message,
            &mut socket,
            connection.clone(),
            connection.clone(),
            connection.clone(),
            copy_handler.clone(),
            cancel_handler.clone(),
        )
        .await;
        if let Err(error) = result {
            if error.is_fatal() {
                tracing::debug!(error = %error, "closing connection after a fatal error");
                send_error(&mut socket, error).await;
                break;
            }
            if process_error(&mut socket, error, extended).await.is_err() {
                break;
            }
        }
    }
    let _ = socket.close().await;
}
