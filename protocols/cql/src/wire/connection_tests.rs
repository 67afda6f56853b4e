//! Connection tests over real sockets with a small executor of the test's own (the wire
//! is under test here; the real executor is driven by real clients in tests/).

use super::body::{BodyReader, BodyWriter};
use super::compression::Compression;
use super::envelope::{self, opcode, Decoded, Envelope};
use super::{connection, segment, CqlWireOptions};
use crate::engine::*;
use crate::error::{CqlError, CqlResult, ErrorCode};
use crate::types::CqlType;
use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};

struct TestEngine {
    auth: bool,
    events: broadcast::Sender<SchemaChange>,
}

fn spec(name: &str) -> ColumnSpec {
    ColumnSpec { keyspace: "ks".into(), table: "t".into(), name: name.into(), ty: CqlType::Int }
}

#[async_trait]
impl CqlEngine for TestEngine {
    async fn query(&self, session: &mut SessionState, text: &str, params: QueryParams) -> CqlResult<Outcome> {
        match text {
            "USE ks" => {
                session.keyspace = Some("ks".into());
                Ok(Outcome::SetKeyspace("ks".into()))
            }
            "CREATE KEYSPACE ks" => {
                let change = SchemaChange {
                    kind: SchemaChangeKind::Created,
                    target: SchemaChangeTarget::Keyspace { keyspace: "ks".into() },
                };
                let _ = self.events.send(change.clone());
                Ok(Outcome::SchemaChange(change))
            }
            "SELECT n" => {
                // Rows 0..5 in pages of `page_size`; the paging state is the next row.
                let start = params.paging_state.as_deref().and_then(|s| s.first().copied()).unwrap_or(0);
                let size = params.page_size.unwrap_or(100) as u8;
                let end = (start + size).min(5);
                let rows = (start..end).map(|i| vec![Some(Bytes::from(vec![0, 0, 0, i]))]).collect();
                let paging_state = (end < 5).then(|| Bytes::from(vec![end]));
                Ok(Outcome::Rows(Rows { columns: vec![spec("n")], rows, paging_state }))
            }
            "SLOW" => {
                // Answers after the requests sent behind it (the wire must not wait).
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                Ok(Outcome::Void)
            }
            _ => Err(CqlError::syntax(format!("line 1:0 no viable alternative at input '{text}'"))),
        }
    }
    async fn prepare(&self, _: &mut SessionState, _: &str, _: Option<&str>) -> CqlResult<Prepared> {
        Ok(Prepared {
            id: Bytes::from_static(b"id1"),
            result_metadata_id: Bytes::from_static(b"m1"),
            bind_columns: vec![spec("k")],
            pk_indexes: vec![0],
            result_columns: vec![spec("n")],
        })
    }
    async fn execute(&self, _: &mut SessionState, id: &[u8], _: QueryParams) -> CqlResult<Outcome> {
        if id == b"id1" {
            Ok(Outcome::Void)
        } else {
            Err(CqlError::Unprepared { message: "Prepared query with ID 6e6f not found".into(), id: id.to_vec() })
        }
    }
    async fn batch(&self, _: &mut SessionState, batch: BatchRequest) -> CqlResult<Outcome> {
        assert_eq!(batch.statements.len(), 2);
        Ok(Outcome::Void)
    }
    fn requires_authentication(&self) -> bool {
        self.auth
    }
    async fn authenticate(&self, user: &str, password: &str) -> CqlResult<()> {
        if (user, password) == ("cassandra", "cassandra") {
            Ok(())
        } else {
            Err(CqlError::new(
                ErrorCode::BadCredentials,
                format!("Provided username {user} and/or password are incorrect"),
            ))
        }
    }
    fn schema_events(&self) -> broadcast::Receiver<SchemaChange> {
        self.events.subscribe()
    }
}

async fn start(auth: bool, options: CqlWireOptions) -> (TcpStream, watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = watch::channel(false);
    let engine: Arc<dyn CqlEngine> = Arc::new(TestEngine { auth, events: broadcast::channel(16).0 });
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            tokio::spawn(connection::serve(stream, peer, engine.clone(), options.clone(), rx.clone()));
        }
    });
    (TcpStream::connect(addr).await.unwrap(), tx)
}

/// The client half: envelopes out, envelopes back, in v5 inside segments once started.
struct Client {
    stream: TcpStream,
    input: BytesMut,
    unframed: BytesMut,
    segments: bool,
    lz4: bool,
    compression: Option<Compression>,
}

impl Client {
    fn new(stream: TcpStream) -> Client {
        Client {
            stream,
            input: BytesMut::new(),
            unframed: BytesMut::new(),
            segments: false,
            lz4: false,
            compression: None,
        }
    }

    async fn send(&mut self, version: u8, stream: i16, op: u8, body: &[u8]) {
        let mut env = BytesMut::new();
        let (flags, body) = match (self.compression, self.segments, body.is_empty()) {
            (Some(c), false, false) => (envelope::flags::COMPRESSION, c.compress_body(body)),
            _ => (0, body.to_vec()),
        };
        envelope::encode(&mut env, version, flags, stream, op, &body);
        env[0] &= !envelope::RESPONSE_BIT;
        let mut out = BytesMut::new();
        if self.segments {
            segment::encode(&mut out, &env, self.lz4);
        } else {
            out = env;
        }
        self.stream.write_all(&out).await.unwrap();
    }

    async fn recv(&mut self) -> Envelope {
        loop {
            if self.segments {
                while let Some(p) = segment::decode(&mut self.input, self.lz4).unwrap() {
                    self.unframed.extend_from_slice(&p);
                }
            }
            let source = if self.segments { &mut self.unframed } else { &mut self.input };
            if !source.is_empty() {
                source[0] &= !envelope::RESPONSE_BIT;
            }
            if let Some(d) = envelope::decode(source, 1 << 24).unwrap() {
                let Decoded::Envelope(mut env) = d else { panic!("response in an unsupported version: {d:?}") };
                if env.flags & envelope::flags::COMPRESSION != 0 {
                    env.body = Bytes::from(self.compression.unwrap().decompress_body(&env.body, 1 << 24).unwrap());
                }
                return env;
            }
            let n = self.stream.read_buf(&mut self.input).await.unwrap();
            assert!(n > 0, "server closed the connection");
        }
    }

    async fn closed(&mut self) -> bool {
        let mut buf = [0u8; 64];
        matches!(
            tokio::time::timeout(std::time::Duration::from_secs(5), self.stream.read(&mut buf)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }

    async fn startup(&mut self, version: u8, compression: Option<&str>) -> Envelope {
        let mut w = BodyWriter::new();
        match compression {
            Some(c) => {
                w.short(2).string("CQL_VERSION").string("3.0.0").string("COMPRESSION").string(c);
            }
            None => {
                w.short(1).string("CQL_VERSION").string("3.0.0");
            }
        }
        self.send(version, 1, opcode::STARTUP, &w.finish()).await;
        self.compression = compression.and_then(Compression::from_option);
        let answer = self.recv().await;
        self.segments = version >= 5;
        self.lz4 = self.segments && compression == Some("lz4");
        answer
    }
}

fn query_body(text: &str, page_size: Option<i32>, paging_state: Option<&[u8]>, version: u8) -> Bytes {
    let mut w = BodyWriter::new();
    w.long_string(text).short(0x0001);
    let flags = page_size.map_or(0, |_| 0x04) | paging_state.map_or(0, |_| 0x08);
    if version >= 5 {
        w.int(flags);
    } else {
        w.byte(flags as u8);
    }
    if let Some(n) = page_size {
        w.int(n);
    }
    if let Some(s) = paging_state {
        w.bytes(Some(s));
    }
    w.finish()
}

fn error_of(env: &Envelope) -> (i32, String) {
    assert_eq!(env.opcode, opcode::ERROR, "{env:?}");
    let mut r = BodyReader::new(env.body.clone());
    (r.int().unwrap(), r.string().unwrap())
}

/// (rows as ints, paging state) of a Rows result.
fn rows_of(env: &Envelope) -> (Vec<u8>, Option<Bytes>) {
    assert_eq!(env.opcode, opcode::RESULT, "{env:?}");
    let mut r = BodyReader::new(env.body.clone());
    assert_eq!(r.int().unwrap(), 2);
    let flags = r.int().unwrap();
    let columns = r.int().unwrap();
    let state = if flags & 0x02 != 0 { r.bytes().unwrap() } else { None };
    if flags & 0x01 != 0 {
        r.string().unwrap();
        r.string().unwrap();
    }
    for _ in 0..columns {
        r.string().unwrap();
        r.short().unwrap();
    }
    let n = r.int().unwrap();
    let rows = (0..n).map(|_| r.bytes().unwrap().unwrap()[3]).collect();
    (rows, state)
}

#[tokio::test]
async fn options_startup_and_paged_queries_in_v4_and_v5() {
    for version in [4u8, 5] {
        let (stream, _stop) = start(false, CqlWireOptions::default()).await;
        let mut c = Client::new(stream);
        c.send(version, 3, opcode::OPTIONS, b"").await;
        let supported = c.recv().await;
        assert_eq!((supported.opcode, supported.stream), (opcode::SUPPORTED, 3));
        assert_eq!(c.startup(version, None).await.opcode, opcode::READY);
        c.send(version, 5, opcode::QUERY, &query_body("SELECT n", Some(2), None, version)).await;
        let first = c.recv().await;
        assert_eq!(first.stream, 5);
        let (rows, state) = rows_of(&first);
        assert_eq!(rows, [0, 1]);
        c.send(version, 6, opcode::QUERY, &query_body("SELECT n", Some(2), state.as_deref(), version)).await;
        assert_eq!(rows_of(&c.recv().await), (vec![2, 3], Some(Bytes::from_static(&[4]))));
        // An error answers on its own stream and the connection goes on.
        c.send(version, 7, opcode::QUERY, &query_body("SELEC n", None, None, version)).await;
        let err = c.recv().await;
        assert_eq!((err.stream, error_of(&err).0), (7, 0x2000));
        c.send(version, 8, opcode::QUERY, &query_body("USE ks", None, None, version)).await;
        assert_eq!(c.recv().await.opcode, opcode::RESULT);
    }
}

#[tokio::test]
async fn pipelined_requests_are_answered_on_their_stream_ids() {
    let (stream, _stop) = start(false, CqlWireOptions::default()).await;
    let mut c = Client::new(stream);
    c.startup(4, None).await;
    for id in [10i16, 11, 12] {
        c.send(4, id, opcode::QUERY, &query_body("SELECT n", None, None, 4)).await;
    }
    let mut seen = Vec::new();
    for _ in 0..3 {
        let env = c.recv().await;
        assert_eq!(rows_of(&env).0, [0, 1, 2, 3, 4]);
        seen.push(env.stream);
    }
    seen.sort();
    assert_eq!(seen, [10, 11, 12]);
}

#[tokio::test]
async fn a_slow_request_does_not_hold_back_the_ones_behind_it() {
    let (stream, _stop) = start(false, CqlWireOptions::default()).await;
    let mut c = Client::new(stream);
    c.startup(5, None).await;
    c.send(5, 1, opcode::QUERY, &query_body("SLOW", None, None, 5)).await;
    c.send(5, 2, opcode::QUERY, &query_body("SELECT n", None, None, 5)).await;
    c.send(5, 3, opcode::QUERY, &query_body("USE ks", None, None, 5)).await;
    let first = c.recv().await;
    assert_ne!(first.stream, 1, "the slow request answered first: requests ran one at a time");
    let mut streams = vec![first.stream, c.recv().await.stream, c.recv().await.stream];
    assert_eq!(streams.pop(), Some(1), "the slow one finishes last");
    streams.sort();
    assert_eq!(streams, [2, 3]);
}

#[tokio::test]
async fn unsupported_versions_get_the_stepping_down_error() {
    for version in [3u8, 6, 0x41, 0x42] {
        let (stream, _stop) = start(false, CqlWireOptions::default()).await;
        let mut c = Client::new(stream);
        c.send(version, 9, opcode::OPTIONS, b"").await;
        // Answered in a version the client reads: its own up to v5, else v4.
        let mut header = [0u8; 9];
        c.stream.read_exact(&mut header).await.unwrap();
        assert_eq!(header[0], envelope::answer_version(version) | envelope::RESPONSE_BIT);
        assert_eq!(i16::from_be_bytes([header[2], header[3]]), 9);
        let len = u32::from_be_bytes([header[5], header[6], header[7], header[8]]) as usize;
        let mut body = vec![0u8; len];
        c.stream.read_exact(&mut body).await.unwrap();
        let mut r = BodyReader::new(Bytes::from(body));
        assert_eq!(r.int().unwrap(), 0x000A);
        assert_eq!(
            r.string().unwrap(),
            format!("Invalid or unsupported protocol version ({version}); supported versions are (4/v4, 5/v5)")
        );
        // The connection stays open for the client's next try.
        c.send(4, 1, opcode::OPTIONS, b"").await;
        assert_eq!(c.recv().await.opcode, opcode::SUPPORTED);
    }
}

#[tokio::test]
async fn password_authentication() {
    for (password, ok) in [("cassandra", true), ("wrong", false)] {
        let (stream, _stop) = start(true, CqlWireOptions::default()).await;
        let mut c = Client::new(stream);
        let auth = c.startup(5, None).await;
        assert_eq!(auth.opcode, opcode::AUTHENTICATE);
        assert_eq!(BodyReader::new(auth.body).string().unwrap(), "org.apache.cassandra.auth.PasswordAuthenticator");
        // Before AUTH_RESPONSE nothing else is served.
        c.send(5, 2, opcode::QUERY, &query_body("SELECT n", None, None, 5)).await;
        assert_eq!(error_of(&c.recv().await).0, 0x000A);
        let mut w = BodyWriter::new();
        w.bytes(Some(format!("\0cassandra\0{password}").as_bytes()));
        c.send(5, 3, opcode::AUTH_RESPONSE, &w.finish()).await;
        let answer = c.recv().await;
        if ok {
            assert_eq!(answer.opcode, opcode::AUTH_SUCCESS);
        } else {
            assert_eq!(error_of(&answer), (0x0100, "Provided username cassandra and/or password are incorrect".into()));
        }
    }
}

#[tokio::test]
async fn prepare_execute_unprepared_and_batch() {
    let (stream, _stop) = start(false, CqlWireOptions::default()).await;
    let mut c = Client::new(stream);
    c.startup(5, None).await;
    let mut w = BodyWriter::new();
    w.long_string("SELECT n FROM t WHERE k = ?").int(0);
    c.send(5, 1, opcode::PREPARE, &w.finish()).await;
    let prepared = c.recv().await;
    let mut r = BodyReader::new(prepared.body);
    assert_eq!(r.int().unwrap(), 4);
    assert_eq!(&r.short_bytes().unwrap()[..], b"id1");
    assert_eq!(&r.short_bytes().unwrap()[..], b"m1");
    assert_eq!(
        (r.int().unwrap(), r.int().unwrap(), r.int().unwrap(), r.short().unwrap()),
        (1, 1, 1, 0),
        "flags, columns, pk count, pk index"
    );

    let mut w = BodyWriter::new();
    w.short_bytes(b"nope").short_bytes(b"m1").short(1).int(0);
    c.send(5, 2, opcode::EXECUTE, &w.finish()).await;
    let unprepared = c.recv().await;
    let mut r = BodyReader::new(unprepared.body);
    assert_eq!(r.int().unwrap(), 0x2500);
    r.string().unwrap();
    assert_eq!(&r.short_bytes().unwrap()[..], b"nope");

    let mut w = BodyWriter::new();
    w.byte(0).short(2).byte(0).long_string("INSERT 1").short(0).byte(1).short_bytes(b"id1").short(0).short(1).int(0);
    c.send(5, 3, opcode::BATCH, &w.finish()).await;
    let void = c.recv().await;
    assert_eq!((void.opcode, &void.body[..]), (opcode::RESULT, &[0u8, 0, 0, 1][..]));
}

#[tokio::test]
async fn register_pushes_schema_changes_on_stream_minus_one() {
    let (stream, _stop) = start(false, CqlWireOptions::default()).await;
    let mut c = Client::new(stream);
    c.startup(4, None).await;
    let mut w = BodyWriter::new();
    w.string_list(&["SCHEMA_CHANGE"]);
    c.send(4, 1, opcode::REGISTER, &w.finish()).await;
    assert_eq!(c.recv().await.opcode, opcode::READY);
    c.send(4, 2, opcode::QUERY, &query_body("CREATE KEYSPACE ks", None, None, 4)).await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let env = c.recv().await;
        seen.push((env.stream, env.opcode));
        if env.opcode == opcode::EVENT {
            let mut r = BodyReader::new(env.body);
            assert_eq!(
                (r.string().unwrap(), r.string().unwrap(), r.string().unwrap(), r.string().unwrap()),
                ("SCHEMA_CHANGE".into(), "CREATED".into(), "KEYSPACE".into(), "ks".into())
            );
        }
    }
    seen.sort();
    assert_eq!(seen, [(-1, opcode::EVENT), (2, opcode::RESULT)]);
}

#[tokio::test]
async fn compression_lz4_and_snappy_in_v4_and_lz4_segments_in_v5() {
    for (version, algorithm) in [(4u8, "lz4"), (4, "snappy"), (5, "lz4")] {
        let (stream, _stop) = start(false, CqlWireOptions::default()).await;
        let mut c = Client::new(stream);
        assert_eq!(c.startup(version, Some(algorithm)).await.opcode, opcode::READY);
        c.send(version, 4, opcode::QUERY, &query_body("SELECT n", None, None, version)).await;
        let env = c.recv().await;
        assert_eq!(rows_of(&env).0, [0, 1, 2, 3, 4], "v{version} {algorithm}");
    }
    let (stream, _stop) = start(false, CqlWireOptions::default()).await;
    let mut c = Client::new(stream);
    assert_eq!(c.startup(5, Some("snappy")).await.opcode, opcode::ERROR);
}

#[tokio::test]
async fn oversize_and_garbage_close_only_that_connection() {
    let options = CqlWireOptions { max_frame_bytes: 1024, ..Default::default() };
    let (stream, _stop) = start(false, options.clone()).await;
    let mut c = Client::new(stream);
    c.startup(4, None).await;
    c.stream.write_all(&[4, 0, 0, 9, opcode::QUERY, 0x7f, 0xff, 0xff, 0xff]).await.unwrap();
    let err = c.recv().await;
    assert_eq!((err.stream, error_of(&err).0), (9, 0x000A));
    assert!(c.closed().await);

    let (stream, _stop2) = start(false, options.clone()).await;
    let mut c = Client::new(stream);
    c.stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    // "G" (0x47) is not a version: answered as one, then the rest is garbage that
    // cannot be framed; the server must not panic or hang the other connections.
    let (stream, _stop3) = start(false, options.clone()).await;
    let mut other = Client::new(stream);
    other.send(4, 1, opcode::OPTIONS, b"").await;
    assert_eq!(other.recv().await.opcode, opcode::SUPPORTED);

    // A v5 segment with a bad header CRC ends the connection.
    let (stream, _stop4) = start(false, options).await;
    let mut c = Client::new(stream);
    c.startup(5, None).await;
    c.stream.write_all(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).await.unwrap();
    assert_eq!(error_of(&c.recv().await).0, 0x000A);
    assert!(c.closed().await);
}
