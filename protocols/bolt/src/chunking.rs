//! Bolt's message framing: a message is a run of chunks, each a big-endian `u16` length
//! and that many bytes, ended by an empty chunk (`00 00`). An empty chunk between
//! messages is a NOOP (a keep-alive) and is skipped.
//!
//! [`ChunkDecoder`] is fed the connection's read buffer again and again: it moves each
//! whole chunk out of the buffer as soon as it has arrived, so a partial read costs
//! nothing and a chunk is never scanned twice, and returns a message once its end marker
//! is there. A message growing past the configured maximum fails as soon as the chunk
//! header announcing it is read, before its bytes arrive. [`encode_message`] writes a
//! message in chunks of at most [`MAX_CHUNK`] bytes.

use bytes::{Buf, BufMut, BytesMut};

use crate::error::{BoltError, BoltResult};

/// Largest chunk the framing can express.
pub const MAX_CHUNK: usize = u16::MAX as usize;
/// Default largest message accepted from a client.
pub const DEFAULT_MAX_MESSAGE: usize = 64 * 1024 * 1024;
/// A NOOP chunk (also the end marker of a message).
pub const NOOP: [u8; 2] = [0, 0];

/// Reassembles messages from a connection's read buffer; see the module docs.
#[derive(Debug)]
pub struct ChunkDecoder {
    max_message: usize,
    message: BytesMut,
    /// True once a non-empty chunk of the current message has been read.
    in_message: bool,
}

impl Default for ChunkDecoder {
    fn default() -> Self {
        ChunkDecoder::new(DEFAULT_MAX_MESSAGE)
    }
}

impl ChunkDecoder {
    /// A decoder refusing messages longer than `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        ChunkDecoder { max_message, message: BytesMut::new(), in_message: false }
    }

    pub fn max_message(&self) -> usize {
        self.max_message
    }

    /// True while a message has been started but its end marker has not arrived.
    pub fn in_message(&self) -> bool {
        self.in_message
    }

    /// The next whole message, its chunks consumed from `buf`; `Ok(None)` when more bytes
    /// are needed (whole chunks already read are kept). After an error the connection is
    /// unusable and must be closed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> BoltResult<Option<BytesMut>> {
        loop {
            let len = match buf.get(..2) {
                Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
                _ => return Ok(None),
            };
            if len == 0 {
                buf.advance(2);
                if self.in_message {
                    self.in_message = false;
                    return Ok(Some(self.message.split()));
                }
                continue;
            }
            let size = self.message.len().saturating_add(len);
            if size > self.max_message {
                return Err(BoltError::MessageTooLarge { size, max: self.max_message });
            }
            let Some(chunk) = buf.get(2..2 + len) else { return Ok(None) };
            self.message.extend_from_slice(chunk);
            self.in_message = true;
            buf.advance(2 + len);
        }
    }
}

/// Appends `message` to `dst` as chunks of at most [`MAX_CHUNK`] bytes and the end
/// marker. An empty message writes nothing (it would read back as a NOOP).
pub fn encode_message(message: &[u8], dst: &mut BytesMut) {
    encode_with_chunk_size(message, MAX_CHUNK, dst);
}

fn encode_with_chunk_size(message: &[u8], chunk_size: usize, dst: &mut BytesMut) {
    if message.is_empty() {
        return;
    }
    let chunk_size = chunk_size.clamp(1, MAX_CHUNK);
    dst.reserve(message.len() + 2 * (message.len() / chunk_size + 2));
    for chunk in message.chunks(chunk_size) {
        dst.put_u16(chunk.len() as u16);
        dst.put_slice(chunk);
    }
    dst.put_slice(&NOOP);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(message: &[u8]) -> BytesMut {
        let mut out = BytesMut::new();
        encode_message(message, &mut out);
        out
    }

    fn decode_all(decoder: &mut ChunkDecoder, buf: &mut BytesMut) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(msg) = decoder.decode(buf).expect("valid framing") {
            out.push(msg.to_vec());
        }
        out
    }

    #[test]
    fn one_small_message() {
        let encoded = framed(&[0xB1, 0x01, 0xA0]);
        assert_eq!(&encoded[..], &[0x00, 0x03, 0xB1, 0x01, 0xA0, 0x00, 0x00]);
        let mut buf = encoded;
        let mut decoder = ChunkDecoder::default();
        assert_eq!(decode_all(&mut decoder, &mut buf), vec![vec![0xB1, 0x01, 0xA0]]);
        assert!(buf.is_empty());
        assert!(!decoder.in_message());
    }

    #[test]
    fn empty_message_writes_nothing() {
        assert!(framed(&[]).is_empty());
    }

    #[test]
    fn large_messages_split_into_max_size_chunks() {
        for len in [MAX_CHUNK - 1, MAX_CHUNK, MAX_CHUNK + 1, 2 * MAX_CHUNK, 2 * MAX_CHUNK + 7] {
            let message: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut buf = framed(&message);
            let chunks = len.div_ceil(MAX_CHUNK);
            assert_eq!(buf.len(), len + 2 * chunks + 2, "{len}");
            assert_eq!(buf.get(..2), Some(&u16::to_be_bytes(len.min(MAX_CHUNK) as u16)[..]));
            let mut decoder = ChunkDecoder::default();
            assert_eq!(decode_all(&mut decoder, &mut buf), vec![message], "{len}");
        }
    }

    #[test]
    fn byte_by_byte_feeding() {
        let mut wire = BytesMut::new();
        wire.put_slice(&NOOP);
        encode_with_chunk_size(b"hello world", 4, &mut wire);
        wire.put_slice(&NOOP);
        wire.put_slice(&NOOP);
        encode_message(b"second", &mut wire);

        let mut decoder = ChunkDecoder::default();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for &b in wire.iter() {
            buf.put_u8(b);
            if let Some(msg) = decoder.decode(&mut buf).expect("valid framing") {
                got.push(msg.to_vec());
            }
        }
        assert_eq!(got, vec![b"hello world".to_vec(), b"second".to_vec()]);
        assert!(buf.is_empty());
    }

    #[test]
    fn noops_alone_yield_nothing() {
        let mut buf = BytesMut::from(&[0u8, 0, 0, 0, 0][..]);
        let mut decoder = ChunkDecoder::default();
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        assert_eq!(&buf[..], &[0]);
    }

    #[test]
    fn pipelined_messages_come_out_in_order() {
        let mut buf = BytesMut::new();
        for msg in [&b"a"[..], b"bb", b"ccc"] {
            encode_message(msg, &mut buf);
        }
        let mut decoder = ChunkDecoder::default();
        assert_eq!(decode_all(&mut decoder, &mut buf), vec![b"a".to_vec(), b"bb".to_vec(), b"ccc".to_vec()]);
    }

    #[test]
    fn partial_message_waits() {
        let mut buf = BytesMut::from(&[0x00, 0x02, 0x01, 0x02, 0x00, 0x01][..]);
        let mut decoder = ChunkDecoder::default();
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        assert!(decoder.in_message());
        buf.put_slice(&[0x03, 0x00]);
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        buf.put_u8(0x00);
        assert_eq!(decoder.decode(&mut buf).map(|m| m.map(|m| m.to_vec())), Ok(Some(vec![1, 2, 3])));
    }

    #[test]
    fn oversize_messages_fail_before_their_bytes_arrive() {
        let mut decoder = ChunkDecoder::new(10);
        let mut buf = BytesMut::from(&[0x00, 0x0B][..]);
        assert_eq!(decoder.decode(&mut buf), Err(BoltError::MessageTooLarge { size: 11, max: 10 }));

        let mut decoder = ChunkDecoder::new(10);
        let mut buf = BytesMut::new();
        encode_with_chunk_size(&[7; 11], 6, &mut buf);
        assert_eq!(decoder.decode(&mut buf), Err(BoltError::MessageTooLarge { size: 11, max: 10 }));

        let mut decoder = ChunkDecoder::new(10);
        let mut buf = BytesMut::new();
        encode_with_chunk_size(&[7; 10], 3, &mut buf);
        assert_eq!(decoder.decode(&mut buf).map(|m| m.map(|m| m.len())), Ok(Some(10)));

        let mut decoder = ChunkDecoder::default();
        let mut buf = BytesMut::from(&[0xFF, 0xFF][..]);
        assert_eq!(decoder.decode(&mut buf), Ok(None));
    }

    #[test]
    fn limit_applies_to_the_whole_message_not_per_chunk() {
        let mut decoder = ChunkDecoder::new(100);
        let mut buf = BytesMut::new();
        for _ in 0..3 {
            encode_with_chunk_size(&[1; 90], 45, &mut buf);
        }
        assert_eq!(decode_all(&mut decoder, &mut buf).len(), 3);
    }
}
