//! The write side of a connection: responses are encoded into one buffer and written
//! when the batch of pipelined requests has been answered, or as soon as the buffer
//! passes [`FLUSH_AT`] — so a long PULL streams its records instead of holding them.

use bytes::BytesMut;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::chunking;
use crate::error::BoltError;
use crate::messages::{tag, Response};
use crate::packstream::{self, PackValue};

/// Buffered response bytes written out once there are this many.
pub const FLUSH_AT: usize = 64 * 1024;

/// Why a response did not go out.
#[derive(Debug)]
pub enum SendError {
    /// The connection is gone.
    Io(std::io::Error),
    /// The response cannot be encoded (nothing was buffered); answer a FAILURE instead.
    Encode(BoltError),
}

impl From<std::io::Error> for SendError {
    fn from(e: std::io::Error) -> Self {
        SendError::Io(e)
    }
}

pub struct Outbox<W> {
    writer: W,
    buf: BytesMut,
    /// Scratch space for one message body.
    body: BytesMut,
}

impl<W: AsyncWrite + Unpin + Send> Outbox<W> {
    pub fn new(writer: W) -> Self {
        Outbox { writer, buf: BytesMut::with_capacity(8 * 1024), body: BytesMut::new() }
    }

    /// Buffers `response`, writing the buffer out once it is large.
    pub async fn send(&mut self, response: &Response) -> Result<(), SendError> {
        response.write_message(&mut self.buf).map_err(SendError::Encode)?;
        if self.buf.len() >= FLUSH_AT {
            self.flush().await?;
        }
        Ok(())
    }

    /// Buffers a RECORD, its fields moved into the message rather than copied.
    pub async fn send_record(&mut self, fields: Vec<PackValue>) -> Result<(), SendError> {
        let record = PackValue::Structure { tag: tag::RECORD, fields: vec![PackValue::List(fields)] };
        self.body.clear();
        packstream::encode(&record, &mut self.body).map_err(SendError::Encode)?;
        chunking::encode_message(&self.body, &mut self.buf);
        if self.buf.len() >= FLUSH_AT {
            self.flush().await?;
        }
        Ok(())
    }

    /// Raw bytes (the handshake answer).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(bytes);
        self.flush().await
    }

    pub async fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.writer.write_all(&self.buf).await?;
            self.buf.clear();
        }
        self.writer.flush().await
    }

    pub async fn shutdown(&mut self) {
        let _ = self.flush().await;
        let _ = self.writer.shutdown().await;
    }
}
