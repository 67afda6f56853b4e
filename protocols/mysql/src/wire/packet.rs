//! Packet framing: every message travels as packets of a 3-byte little-endian payload
//! length, a 1-byte sequence id and the payload.
//!
//! A payload of 2^24-1 bytes or more is split into 0xFFFFFF-byte packets followed by a
//! shorter one (an empty one when the length is an exact multiple); [`Framer`] joins them
//! back into one logical payload and [`PacketWriter`] splits them. The logical payload is
//! bounded by max_allowed_packet, checked against each header as soon as it arrives, so a
//! declared length is never allocated: buffers grow only with bytes actually received.
//! [`PacketReader::next`] keeps all its state in the reader, so it is cancel-safe (it can
//! sit in a `select!` with a timeout).

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::error::PacketError;

/// Largest payload of one packet; a packet this long continues in the next one.
pub const MAX_PACKET_CHUNK: usize = 0xFF_FFFF;
/// Default bound of a logical payload (MySQL 8's max_allowed_packet default).
pub const DEFAULT_MAX_ALLOWED_PACKET: usize = 64 * 1024 * 1024;

const HEADER_LEN: usize = 4;
/// Bounds of one read's buffer reservation.
const MIN_READ: usize = 4 * 1024;
const MAX_READ: usize = 64 * 1024;

/// A payload whose continuation packets are still arriving.
#[derive(Debug)]
struct Pending {
    payload: Vec<u8>,
    last_seq: u8,
}

/// The synchronous half of [`PacketReader`]: takes whole packets out of a buffer and
/// leaves a partial one in place. After an error the stream is out of sync and the framer
/// must not be used again.
#[derive(Debug)]
pub struct Framer {
    max_allowed_packet: usize,
    chunk_max: usize,
    pending: Option<Pending>,
}

impl Default for Framer {
    fn default() -> Self {
        Framer::new(DEFAULT_MAX_ALLOWED_PACKET)
    }
}

impl Framer {
    pub fn new(max_allowed_packet: usize) -> Self {
        Framer { max_allowed_packet, chunk_max: MAX_PACKET_CHUNK, pending: None }
    }

    /// A framer whose continuation threshold is `chunk_max` instead of 0xFFFFFF, so
    /// multi-packet payloads can be tested at every split point.
    #[cfg(test)]
    pub(crate) fn with_chunk_size(max_allowed_packet: usize, chunk_max: usize) -> Self {
        Framer { max_allowed_packet, chunk_max, pending: None }
    }

    pub fn max_allowed_packet(&self) -> usize {
        self.max_allowed_packet
    }

    pub fn set_max_allowed_packet(&mut self, max: usize) {
        self.max_allowed_packet = max;
    }

    /// Takes the next logical payload out of `buf`: `(sequence id of its last packet,
    /// payload)`, so the reply's first sequence id is the returned one plus 1. `Ok(None)`
    /// when more bytes are needed.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<(u8, Vec<u8>)>, PacketError> {
        loop {
            let Some((len, seq)) = header(buf) else {
                return Ok(None);
            };
            let so_far = match &self.pending {
                Some(p) => {
                    let expected = p.last_seq.wrapping_add(1);
                    if seq != expected {
                        return Err(PacketError::OutOfOrder { expected, got: seq });
                    }
                    p.payload.len()
                }
                None => 0,
            };
            if so_far.saturating_add(len) > self.max_allowed_packet {
                return Err(PacketError::TooLarge { seq });
            }
            if buf.len() - HEADER_LEN < len {
                return Ok(None);
            }
            buf.advance(HEADER_LEN);
            let chunk = buf.split_to(len);
            let continues = len >= self.chunk_max;
            match self.pending.take() {
                None if !continues => return Ok(Some((seq, chunk.to_vec()))),
                None => self.pending = Some(Pending { payload: chunk.to_vec(), last_seq: seq }),
                Some(mut p) => {
                    p.payload.extend_from_slice(&chunk);
                    p.last_seq = seq;
                    if !continues {
                        return Ok(Some((seq, p.payload)));
                    }
                    self.pending = Some(p);
                }
            }
        }
    }

    /// Bytes still missing from the packet at the front of `buf` (at least 1), for sizing
    /// the next read.
    pub fn bytes_wanted(&self, buf: &[u8]) -> usize {
        match header(buf) {
            Some((len, _)) => (HEADER_LEN + len).saturating_sub(buf.len()).max(1),
            None => HEADER_LEN - buf.len().min(HEADER_LEN - 1),
        }
    }

    /// Whether the stream is between logical payloads (a clean place for it to end).
    pub fn is_idle(&self, buf: &[u8]) -> bool {
        self.pending.is_none() && buf.is_empty()
    }
}

fn header(buf: &[u8]) -> Option<(usize, u8)> {
    let h: [u8; HEADER_LEN] = buf.get(..HEADER_LEN)?.try_into().ok()?;
    let [a, b, c, seq] = h;
    Some((u32::from_le_bytes([a, b, c, 0]) as usize, seq))
}

/// Reads logical payloads off a byte stream.
#[derive(Debug)]
pub struct PacketReader<R> {
    inner: R,
    buf: BytesMut,
    framer: Framer,
}

impl<R: AsyncRead + Unpin> PacketReader<R> {
    pub fn new(inner: R) -> Self {
        PacketReader::with_max_allowed_packet(inner, DEFAULT_MAX_ALLOWED_PACKET)
    }

    pub fn with_max_allowed_packet(inner: R, max_allowed_packet: usize) -> Self {
        PacketReader::with_framer(inner, Framer::new(max_allowed_packet))
    }

    pub(crate) fn with_framer(inner: R, framer: Framer) -> Self {
        PacketReader { inner, buf: BytesMut::new(), framer }
    }

    pub fn set_max_allowed_packet(&mut self, max: usize) {
        self.framer.set_max_allowed_packet(max);
    }

    /// The next logical payload and the sequence id of its last packet; `Ok(None)` when
    /// the stream ends cleanly between payloads, [`PacketError::Truncated`] when it ends
    /// inside one.
    pub async fn next(&mut self) -> Result<Option<(u8, Vec<u8>)>, PacketError> {
        loop {
            if let Some(packet) = self.framer.decode(&mut self.buf)? {
                return Ok(Some(packet));
            }
            let want = self.framer.bytes_wanted(&self.buf).clamp(MIN_READ, MAX_READ);
            self.buf.reserve(want);
            if self.inner.read_buf(&mut self.buf).await? == 0 {
                return if self.framer.is_idle(&self.buf) { Ok(None) } else { Err(PacketError::Truncated) };
            }
        }
    }

    /// Bytes received but not yet returned (must be empty before a TLS upgrade: a client
    /// sends nothing after its SSLRequest until the TLS handshake).
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The underlying stream; buffered bytes are dropped.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

/// Appends `payload` as packets starting at sequence id `seq`; returns the next sequence id.
pub fn encode_packet(out: &mut Vec<u8>, seq: u8, payload: &[u8]) -> u8 {
    encode_chunked(out, seq, payload, MAX_PACKET_CHUNK)
}

fn encode_chunked(out: &mut Vec<u8>, mut seq: u8, payload: &[u8], chunk_max: usize) -> u8 {
    out.reserve(payload.len() + HEADER_LEN * (payload.len() / chunk_max + 1));
    let mut rest = payload;
    loop {
        let n = rest.len().min(chunk_max);
        let (chunk, tail) = rest.split_at(n);
        out.extend_from_slice(&(n as u32).to_le_bytes()[..3]);
        out.push(seq);
        out.extend_from_slice(chunk);
        seq = seq.wrapping_add(1);
        rest = tail;
        if n < chunk_max {
            return seq;
        }
    }
}

/// Buffers outgoing packets until [`PacketWriter::flush`].
#[derive(Debug)]
pub struct PacketWriter<W> {
    inner: W,
    buf: Vec<u8>,
    chunk_max: usize,
}

impl<W: AsyncWrite + Unpin> PacketWriter<W> {
    pub fn new(inner: W) -> Self {
        PacketWriter { inner, buf: Vec::new(), chunk_max: MAX_PACKET_CHUNK }
    }

    #[cfg(test)]
    pub(crate) fn with_chunk_size(inner: W, chunk_max: usize) -> Self {
        PacketWriter { inner, buf: Vec::new(), chunk_max }
    }

    /// Buffers `payload` as packets starting at sequence id `seq`; returns the next
    /// sequence id.
    pub fn write(&mut self, seq: u8, payload: &[u8]) -> u8 {
        encode_chunked(&mut self.buf, seq, payload, self.chunk_max)
    }

    /// Bytes buffered and not yet flushed (callers flush early past a threshold when
    /// streaming a large result set).
    pub fn buffered_len(&self) -> usize {
        self.buf.len()
    }

    /// Writes out everything buffered and flushes the stream.
    pub async fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            self.inner.write_all(&self.buf).await?;
            self.buf.clear();
        }
        self.inner.flush().await
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The underlying stream; unflushed packets are dropped.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use tokio::io::ReadBuf;

    /// An AsyncRead handing out its data in pieces of the given sizes (the last one
    /// repeated), then EOF.
    struct Pieces {
        data: Vec<u8>,
        pos: usize,
        sizes: Vec<usize>,
    }

    impl Pieces {
        fn new(data: Vec<u8>, sizes: Vec<usize>) -> Self {
            Pieces { data, pos: 0, sizes }
        }
    }

    impl AsyncRead for Pieces {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            out: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            let size =
                if self.sizes.len() > 1 { self.sizes.remove(0) } else { self.sizes.first().copied().unwrap_or(1) };
            let end =
                self.pos.saturating_add(size.max(1)).min(self.data.len()).min(self.pos.saturating_add(out.remaining()));
            let start = self.pos;
            out.put_slice(&self.data[start..end]);
            self.pos = end;
            Poll::Ready(Ok(()))
        }
    }

    fn chunked(seq: u8, payload: &[u8], chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        encode_chunked(&mut out, seq, payload, chunk);
        out
    }

    /// Payloads exercising single packets, continuation, the exact-multiple empty
    /// trailer and an empty payload, with a chunk size of 4.
    fn small_stream() -> (Vec<u8>, Vec<(u8, Vec<u8>)>) {
        let payloads: Vec<(u8, Vec<u8>)> = vec![
            (0, b"\x03SELECT 1".to_vec()),
            (0, b"0123456789".to_vec()),
            (7, b"abcdefgh".to_vec()),
            (0, Vec::new()),
            (255, b"wrapXY".to_vec()),
        ];
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for (seq, p) in &payloads {
            let next = encode_chunked(&mut stream, *seq, p, 4);
            expected.push((next.wrapping_sub(1), p.clone()));
        }
        (stream, expected)
    }

    async fn read_all<R: AsyncRead + Unpin>(mut r: PacketReader<R>) -> Vec<(u8, Vec<u8>)> {
        let mut got = Vec::new();
        while let Some(p) = r.next().await.unwrap() {
            got.push(p);
        }
        got
    }

    #[test]
    fn writer_splits_at_the_chunk_size() {
        assert_eq!(chunked(3, b"", 4), [0, 0, 0, 3]);
        assert_eq!(chunked(0, b"abc", 4), b"\x03\0\0\0abc");
        assert_eq!(chunked(0, b"abcdef", 4), b"\x04\0\0\0abcd\x02\0\0\x01ef".to_vec());
        assert_eq!(chunked(0, b"abcd", 4), b"\x04\0\0\0abcd\0\0\0\x01".to_vec());
        let mut out = Vec::new();
        assert_eq!(encode_packet(&mut out, 255, b"x"), 0);
    }

    #[tokio::test]
    async fn writer_buffers_until_flush() {
        let (stream, expected) = small_stream();
        let mut w = PacketWriter::with_chunk_size(Vec::new(), 4);
        for (last_seq, payload) in &expected {
            let packets = payload.len() / 4 + 1;
            let first = last_seq.wrapping_sub(packets as u8 - 1);
            assert_eq!(w.write(first, payload), last_seq.wrapping_add(1));
        }
        assert_eq!(w.buffered_len(), stream.len());
        assert!(w.get_ref().is_empty());
        w.flush().await.unwrap();
        assert_eq!(w.buffered_len(), 0);
        assert_eq!(w.into_inner(), stream);
    }

    #[test]
    fn framer_handles_every_split_point() {
        let (stream, expected) = small_stream();
        for split in 0..=stream.len() {
            let mut framer = Framer::with_chunk_size(1024, 4);
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            for piece in [&stream[..split], &stream[split..]] {
                buf.extend_from_slice(piece);
                while let Some(p) = framer.decode(&mut buf).unwrap() {
                    got.push(p);
                }
            }
            assert_eq!(got, expected, "split at {split}");
            assert!(framer.is_idle(&buf));
        }
    }

    #[tokio::test]
    async fn reader_handles_one_byte_reads_and_every_split_point() {
        let (stream, expected) = small_stream();
        let one = PacketReader::with_framer(Pieces::new(stream.clone(), vec![1]), Framer::with_chunk_size(1024, 4));
        assert_eq!(read_all(one).await, expected);
        for split in 0..=stream.len() {
            let reader = PacketReader::with_framer(
                Pieces::new(stream.clone(), vec![split, usize::MAX]),
                Framer::with_chunk_size(1024, 4),
            );
            assert_eq!(read_all(reader).await, expected, "split at {split}");
        }
    }

    #[tokio::test]
    async fn full_size_multi_packet_payloads_round_trip() {
        let big: Vec<u8> = (0..MAX_PACKET_CHUNK * 2 + 5).map(|i| (i % 251) as u8).collect();
        let exact = vec![7u8; MAX_PACKET_CHUNK];
        let mut w = PacketWriter::new(Vec::new());
        assert_eq!(w.write(0, &big), 3);
        assert_eq!(w.write(0, &exact), 2);
        assert_eq!(w.write(0, b"tail"), 1);
        w.flush().await.unwrap();
        let bytes = w.into_inner();
        assert_eq!(bytes.len(), big.len() + exact.len() + 4 + 4 * 6);
        // The exact multiple ends with an empty packet.
        let trailer = HEADER_LEN * 4 + big.len() + MAX_PACKET_CHUNK;
        assert_eq!(&bytes[trailer..trailer + 4], [0, 0, 0, 1]);
        let reader = PacketReader::new(Pieces::new(bytes, vec![1 << 20]));
        let got = read_all(reader).await;
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (2, big));
        assert_eq!(got[1], (1, exact));
        assert_eq!(got[2], (0, b"tail".to_vec()));
    }

    #[tokio::test]
    async fn oversize_declared_length_is_rejected_from_the_header_alone() {
        let (mut client, server) = tokio::io::duplex(64);
        // A header declaring 16 MiB - 2, and nothing else; the client stays connected.
        client.write_all(&[0xFE, 0xFF, 0xFF, 0x00]).await.unwrap();
        let mut reader = PacketReader::with_max_allowed_packet(server, 1024);
        match reader.next().await {
            Err(PacketError::TooLarge { seq: 0 }) => {}
            other => panic!("{other:?}"),
        }
        assert!(reader.buf.capacity() <= MAX_READ);
        drop(client);
    }

    #[test]
    fn oversize_across_continuation_packets() {
        let mut framer = Framer::with_chunk_size(6, 4);
        let mut buf = BytesMut::from(&chunked(0, b"abcdefghij", 4)[..]);
        assert!(matches!(framer.decode(&mut buf), Err(PacketError::TooLarge { seq: 1 })));
        // At the bound itself the payload is accepted.
        let mut framer = Framer::with_chunk_size(6, 4);
        let mut buf = BytesMut::from(&chunked(0, b"abcdef", 4)[..]);
        assert_eq!(framer.decode(&mut buf).unwrap(), Some((1, b"abcdef".to_vec())));
    }

    #[tokio::test]
    async fn eof_inside_a_packet_is_truncated() {
        for bytes in [vec![5, 0, 0], vec![5, 0, 0, 0, b'a', b'b'], chunked(0, b"abcdef", 4)[..8].to_vec()] {
            let mut reader = PacketReader::with_framer(Pieces::new(bytes, vec![1]), Framer::with_chunk_size(64, 4));
            assert!(matches!(reader.next().await, Err(PacketError::Truncated)));
        }
        let mut empty = PacketReader::new(Pieces::new(Vec::new(), vec![1]));
        assert!(matches!(empty.next().await, Ok(None)));
    }

    #[test]
    fn continuation_out_of_order() {
        let mut framer = Framer::with_chunk_size(64, 4);
        let mut buf = BytesMut::from(&b"\x04\0\0\x05abcd\x01\0\0\x07e"[..]);
        assert!(matches!(framer.decode(&mut buf), Err(PacketError::OutOfOrder { expected: 6, got: 7 })));
    }

    #[test]
    fn bytes_wanted_follows_the_header() {
        let framer = Framer::default();
        assert_eq!(framer.bytes_wanted(&[]), 4);
        assert_eq!(framer.bytes_wanted(&[1]), 3);
        assert_eq!(framer.bytes_wanted(&[10, 0, 0, 0, 1]), 9);
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = crate::wire::test_rng::XorShift::new(0x5eed);
        for _ in 0..3000 {
            let mut framer = Framer::with_chunk_size(300, (rng.next() % 40 + 1) as usize);
            let bytes = rng.bytes(400);
            let mut buf = BytesMut::new();
            for piece in bytes.chunks((rng.next() % 16 + 1) as usize) {
                buf.extend_from_slice(piece);
                while let Ok(Some(_)) = framer.decode(&mut buf) {}
            }
        }
    }
}
