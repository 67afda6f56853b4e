//! One Bolt connection from its first byte to its close: the handshake (bounded in time;
//! an HTTP request is closed without an answer, anything else that is not the magic or
//! offers no version we speak gets `00 00 00 00` and a close), then the message loop.
//!
//! The loop reads what has arrived, frames every whole message in it ([`ChunkDecoder`],
//! which bounds the message size and survives partial reads), answers the requests in
//! arrival order through the [`Handler`] and writes the answers of a pipelined batch
//! together. A RESET in a batch interrupts the session at once, as Neo4j does, so the
//! requests queued before it are IGNORED. A message that cannot be framed or read gets
//! a FAILURE (Neo.ClientError.Request.Invalid) and the connection closes; requests before
//! it are still answered. A client must have logged on (HELLO, and LOGON from 5.1) within
//! the hello timeout. On shutdown the
//! connection closes between requests; whatever transaction is open is rolled back.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::sync::watch;
use tokio::time::Instant;

use super::failure::Failure;
use super::handler::{Flow, Handler};
use super::outbox::Outbox;
use super::ConnectionSettings;
use crate::chunking::ChunkDecoder;
use crate::error::BoltError;
use crate::handshake::{self, Version, HANDSHAKE_LEN, MAGIC, NO_VERSION};
use crate::messages::{Request, Response};

/// Serves one accepted connection until the client leaves, bad input, or shutdown.
pub async fn serve<S>(stream: S, conn_id: u64, settings: Arc<ConnectionSettings>, mut shutdown: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let (mut reader, writer) = tokio::io::split(stream);
    let mut out = Outbox::new(writer);
    let mut input = BytesMut::with_capacity(8 * 1024);

    let deadline = Instant::now() + settings.handshake_timeout;
    let version = match tokio::time::timeout_at(deadline, handshake(&mut reader, &mut input)).await {
        Ok(Ok(Handshake::Agreed(version))) => version,
        Ok(Ok(Handshake::Refused)) => {
            tracing::debug!("Bolt handshake offers no version we speak");
            let _ = out.send_raw(&NO_VERSION).await;
            out.shutdown().await;
            return;
        }
        Ok(Ok(Handshake::Garbage)) => {
            tracing::debug!("not a Bolt handshake");
            let _ = out.send_raw(&NO_VERSION).await;
            out.shutdown().await;
            return;
        }
        Ok(Ok(Handshake::Http)) => {
            tracing::debug!("HTTP request on the Bolt port closed");
            out.shutdown().await;
            return;
        }
        Ok(Err(_)) | Err(_) => {
            out.shutdown().await;
            return;
        }
    };
    if out.send_raw(&version.to_bytes()).await.is_err() {
        return;
    }
    tracing::debug!(%version, "Bolt version agreed");

    let mut handler = Handler::new(settings.clone(), version, conn_id);
    let mut decoder = ChunkDecoder::new(settings.max_message_bytes);
    let hello_deadline = Instant::now() + settings.hello_timeout;
    let mut queue: VecDeque<Result<Request, BoltError>> = VecDeque::new();
    let mut logged_on = false;
    'connection: loop {
        frame_messages(&mut decoder, &mut input, &mut queue, &mut handler);
        while let Some(item) = queue.pop_front() {
            let request = match item {
                Ok(request) => request,
                Err(e) => {
                    tracing::debug!(error = %e, "unreadable Bolt message");
                    let failure = Failure::request_invalid(e.to_string());
                    let _ = out.send(&Response::Failure(failure.metadata(version))).await;
                    break 'connection;
                }
            };
            match handler.handle(request, &mut out).await {
                Ok(Flow::Continue) => {}
                Ok(Flow::Close) | Err(_) => break 'connection,
            }
        }
        if out.flush().await.is_err() || *shutdown.borrow() {
            break;
        }
        logged_on |= handler.session().authenticated();
        let waiting_for_hello = !logged_on;
        let read = async {
            if waiting_for_hello {
                tokio::time::timeout_at(hello_deadline, reader.read_buf(&mut input)).await.ok()
            } else {
                Some(reader.read_buf(&mut input).await)
            }
        };
        tokio::select! {
            read = read => match read {
                Some(Ok(n)) if n > 0 => {}
                Some(_) => break,
                None => {
                    tracing::debug!("not logged on within the hello timeout");
                    break;
                }
            },
            _ = shutdown.changed() => break,
        }
    }
    handler.close().await;
    out.shutdown().await;
}

/// Moves every whole message of `input` into `queue`, interrupting the session for each
/// RESET; stops at the first message that cannot be framed or read.
fn frame_messages(
    decoder: &mut ChunkDecoder,
    input: &mut BytesMut,
    queue: &mut VecDeque<Result<Request, BoltError>>,
    handler: &mut Handler,
) {
    if matches!(queue.back(), Some(Err(_))) {
        return;
    }
    loop {
        match decoder.decode(input) {
            Ok(Some(body)) => match Request::decode(&body) {
                Ok(request) => {
                    if request == Request::Reset {
                        handler.interrupt();
                    }
                    queue.push_back(Ok(request));
                }
                Err(e) => {
                    queue.push_back(Err(e));
                    return;
                }
            },
            Ok(None) => return,
            Err(e) => {
                queue.push_back(Err(e));
                return;
            }
        }
    }
}

enum Handshake {
    Agreed(Version),
    /// A Bolt handshake offering nothing we speak.
    Refused,
    /// Not the Bolt magic.
    Garbage,
    Http,
}

/// Reads the 20 handshake bytes (or as many as it takes to see they are not Bolt).
async fn handshake<R: AsyncRead + Unpin>(reader: &mut R, input: &mut BytesMut) -> std::io::Result<Handshake> {
    loop {
        match handshake::read_handshake(input) {
            Ok(Some(Some(version))) => {
                let _ = input.split_to(HANDSHAKE_LEN);
                return Ok(Handshake::Agreed(version));
            }
            Ok(Some(None)) => return Ok(Handshake::Refused),
            Ok(None) => {}
            Err(_) => {
                if handshake::looks_like_http(input) {
                    return Ok(Handshake::Http);
                }
                if input.len() >= MAGIC.len() || !could_be_http(input) {
                    return Ok(Handshake::Garbage);
                }
            }
        }
        if reader.read_buf(input).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}

/// True while the bytes so far could still grow into an HTTP request line.
fn could_be_http(input: &[u8]) -> bool {
    ["GET ", "POST", "PUT ", "HEAD", "HTTP", "OPTI"].iter().any(|word| word.as_bytes().starts_with(input))
}
