//! The connection loop over an in-memory stream, driven by a scripted client against the
//! small engine of [`fake`]: handshakes, authentication, auto-commit and explicit
//! transactions, streaming with has_more, failures on RUN and PULL, the failure shapes,
//! routing, bad input, pipelining with RESET.

mod fake;

use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::watch;

use super::*;
use crate::chunking::{encode_message, ChunkDecoder};
use crate::handshake::MAGIC;
use crate::messages::tag;
use crate::packstream::{self, dict_get, Dictionary, PackValue};
use fake::{FakeEngine, Log};

const V58: [u8; 4] = [0, 8, 8, 5];
const V44: [u8; 4] = [0, 0, 4, 4];

struct Client {
    io: DuplexStream,
    input: BytesMut,
    decoder: ChunkDecoder,
    _shutdown: watch::Sender<bool>,
}

fn settings(engine: Arc<dyn orbit_cypher::CypherEngine>, options: &BoltOptions) -> Arc<ConnectionSettings> {
    Arc::new(ConnectionSettings::new(engine, options, "db.example:7687".into()))
}

fn start_with(engine: Arc<dyn orbit_cypher::CypherEngine>, options: BoltOptions) -> Client {
    let (client, server) = tokio::io::duplex(1 << 20);
    let (tx, rx) = watch::channel(false);
    tokio::spawn(connection::serve(server, 7, settings(engine, &options), rx));
    Client { io: client, input: BytesMut::new(), decoder: ChunkDecoder::default(), _shutdown: tx }
}

fn start(auth: bool) -> (Client, Log) {
    let (engine, log) = FakeEngine::new(auth);
    (start_with(engine, BoltOptions::default()), log)
}

fn s(v: &str) -> PackValue {
    PackValue::String(v.into())
}

fn dict(entries: &[(&str, PackValue)]) -> PackValue {
    PackValue::Dictionary(entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn msg(t: u8, fields: Vec<PackValue>) -> PackValue {
    PackValue::Structure { tag: t, fields }
}

fn hello(extra: &[(&str, PackValue)]) -> PackValue {
    let mut entries = vec![("user_agent", s("test/1.0"))];
    entries.extend_from_slice(extra);
    msg(tag::HELLO, vec![dict(&entries)])
}

fn basic(password: &str) -> Vec<(&'static str, PackValue)> {
    vec![("scheme", s("basic")), ("principal", s("neo4j")), ("credentials", s(password))]
}

fn logon(password: &str) -> PackValue {
    let entries = basic(password);
    msg(tag::LOGON, vec![dict(&entries)])
}

fn run(query: &str) -> PackValue {
    msg(tag::RUN, vec![s(query), dict(&[]), dict(&[])])
}

fn run_with(query: &str, parameters: PackValue) -> PackValue {
    msg(tag::RUN, vec![s(query), parameters, dict(&[])])
}

fn pull(n: i64) -> PackValue {
    msg(tag::PULL, vec![dict(&[("n", n.into())])])
}

fn pull_qid(n: i64, qid: i64) -> PackValue {
    msg(tag::PULL, vec![dict(&[("n", n.into()), ("qid", qid.into())])])
}

fn bare(t: u8) -> PackValue {
    msg(t, vec![])
}

/// One response: its tag and its first field's entries (a RECORD's values as a list).
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Success(Dictionary),
    Record(Vec<PackValue>),
    Ignored,
    Failure(Dictionary),
}

impl Reply {
    fn meta(&self) -> &Dictionary {
        match self {
            Reply::Success(d) | Reply::Failure(d) => d,
            other => panic!("expected SUCCESS or FAILURE, got {other:?}"),
        }
    }

    fn get(&self, key: &str) -> Option<&PackValue> {
        dict_get(self.meta(), key)
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(PackValue::as_str)
    }
}

impl Client {
    async fn handshake(&mut self, slots: [[u8; 4]; 4]) -> [u8; 4] {
        let mut bytes = MAGIC.to_vec();
        for slot in slots {
            bytes.extend_from_slice(&slot);
        }
        self.io.write_all(&bytes).await.expect("write handshake");
        let mut answer = [0u8; 4];
        self.io.read_exact(&mut answer).await.expect("handshake answer");
        answer
    }

    async fn send(&mut self, messages: &[PackValue]) {
        let mut wire = BytesMut::new();
        for m in messages {
            encode_message(&packstream::to_bytes(m).expect("encodable"), &mut wire);
        }
        self.io.write_all(&wire).await.expect("write");
    }

    async fn raw(&mut self, bytes: &[u8]) {
        self.io.write_all(bytes).await.expect("write");
    }

    /// The next response, None once the server closed.
    async fn recv(&mut self) -> Option<Reply> {
        loop {
            if let Some(body) = self.decoder.decode(&mut self.input).expect("server framing") {
                let PackValue::Structure { tag: t, fields } = packstream::decode_exact(&body).expect("PackStream")
                else {
                    panic!("a response that is not a structure");
                };
                let first = fields.into_iter().next();
                return Some(match (t, first) {
                    (tag::SUCCESS, Some(PackValue::Dictionary(d))) => Reply::Success(d),
                    (tag::FAILURE, Some(PackValue::Dictionary(d))) => Reply::Failure(d),
                    (tag::RECORD, Some(PackValue::List(values))) => Reply::Record(values),
                    (tag::IGNORED, None) => Reply::Ignored,
                    other => panic!("unexpected response {other:?}"),
                });
            }
            let read = tokio::time::timeout(Duration::from_secs(5), self.io.read_buf(&mut self.input)).await;
            match read.expect("the server answers within 5 s") {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    async fn recv_n(&mut self, n: usize) -> Vec<Reply> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(self.recv().await.expect("a response"));
        }
        out
    }

    async fn success(&mut self) -> Reply {
        let reply = self.recv().await.expect("a response");
        assert!(matches!(reply, Reply::Success(_)), "expected SUCCESS, got {reply:?}");
        reply
    }

    async fn closed(&mut self) -> bool {
        self.recv().await.is_none()
    }

    /// Handshake on 5.8, HELLO and LOGON as neo4j/secret.
    async fn ready(&mut self) {
        assert_eq!(self.handshake([V58, V44, [0; 4], [0; 4]]).await, [0, 0, 8, 5]);
        self.send(&[hello(&[]), logon("secret")]).await;
        self.success().await;
        self.success().await;
    }
}

fn int(i: i64) -> PackValue {
    PackValue::Integer(i)
}

#[tokio::test]
async fn hello_and_logon_on_5_8() {
    let (mut c, log) = start(true);
    assert_eq!(c.handshake([[0, 0, 1, 0xFF], V58, [0; 4], [0; 4]]).await, [0, 0, 8, 5]);
    c.send(&[hello(&[])]).await;
    let welcome = c.success().await;
    assert_eq!(welcome.text("server"), Some("Neo4j/5.26.0"));
    assert_eq!(welcome.text("connection_id"), Some("bolt-7"));
    assert_eq!(welcome.get("hints"), Some(&dict(&[])));
    c.send(&[logon("secret"), run("ROWS 1"), pull(-1)]).await;
    assert_eq!(c.success().await.meta(), &Dictionary::new());
    assert_eq!(c.success().await.get("fields"), Some(&PackValue::List(vec![s("i")])));
    assert_eq!(c.recv().await, Some(Reply::Record(vec![int(1)])));
    assert_eq!(c.success().await.text("bookmark"), Some("bm:1"));
    assert_eq!(log.entries(), ["begin Write user=Some(\"neo4j\")", "run ROWS 1", "commit"]);
}

#[tokio::test]
async fn wrong_password_is_unauthorized_and_closes() {
    let (mut c, _) = start(true);
    c.handshake([V58, [0; 4], [0; 4], [0; 4]]).await;
    c.send(&[hello(&[]), logon("wrong")]).await;
    c.success().await;
    let failure = c.recv().await.expect("a FAILURE");
    assert!(matches!(failure, Reply::Failure(_)));
    assert_eq!(failure.text("neo4j_code"), Some("Neo.ClientError.Security.Unauthorized"));
    assert_eq!(failure.text("message"), Some("The client is unauthorized due to authentication failure."));
    assert!(c.closed().await);
}

#[tokio::test]
async fn bolt_4_4_authenticates_in_hello_and_echoes_the_utc_patch() {
    let (mut c, _) = start(true);
    assert_eq!(c.handshake([V44, [0; 4], [0; 4], [0; 4]]).await, [0, 0, 4, 4]);
    let mut extra = basic("secret");
    extra.push(("patch_bolt", PackValue::List(vec![s("utc")])));
    c.send(&[hello(&extra), run("DATETIME"), pull(-1)]).await;
    let welcome = c.success().await;
    assert_eq!(welcome.get("patch_bolt"), Some(&PackValue::List(vec![s("utc")])));
    c.success().await;
    let Some(Reply::Record(values)) = c.recv().await else { panic!("a record") };
    // UTC form 'I': seconds since the epoch in UTC.
    let utc = msg(0x49, vec![int(1_700_000_000), int(5), int(3600)]);
    assert_eq!(values, vec![utc]);

    // Without the patch: the legacy 'F' form with local seconds.
    let (mut c, _) = start(true);
    c.handshake([V44, [0; 4], [0; 4], [0; 4]]).await;
    c.send(&[hello(&basic("secret")), run("DATETIME"), pull(-1)]).await;
    assert_eq!(c.success().await.get("patch_bolt"), None);
    c.success().await;
    let legacy = msg(0x46, vec![int(1_700_003_600), int(5), int(3600)]);
    assert_eq!(c.recv().await, Some(Reply::Record(vec![legacy])));
}

#[tokio::test]
async fn bolt_4_4_wrong_password_in_hello() {
    let (mut c, _) = start(true);
    c.handshake([V44, [0; 4], [0; 4], [0; 4]]).await;
    c.send(&[hello(&basic("nope"))]).await;
    let failure = c.recv().await.expect("a FAILURE");
    assert_eq!(failure.text("code"), Some("Neo.ClientError.Security.Unauthorized"));
    assert!(c.closed().await);
}

#[tokio::test]
async fn authentication_off_accepts_anything() {
    let (mut c, log) = start(false);
    c.handshake([V58, [0; 4], [0; 4], [0; 4]]).await;
    c.send(&[hello(&[]), msg(tag::LOGON, vec![dict(&[("scheme", s("none"))])]), run("ROWS 1"), pull(-1)]).await;
    let replies = c.recv_n(5).await;
    assert!(matches!(replies.last(), Some(Reply::Success(_))), "{replies:?}");
    assert_eq!(log.entries().first().map(String::as_str), Some("begin Write user=None"));
}

#[tokio::test]
async fn pull_n_streams_with_has_more_and_commits_at_the_end() {
    let (mut c, log) = start(true);
    c.ready().await;
    c.send(&[run("ROWS 5"), pull(2)]).await;
    let run_ok = c.success().await;
    assert!(run_ok.get("t_first").and_then(PackValue::as_int).is_some());
    assert_eq!(run_ok.get("qid"), None, "auto-commit results have no qid");
    assert_eq!(c.recv_n(2).await, [Reply::Record(vec![int(1)]), Reply::Record(vec![int(2)])]);
    assert_eq!(c.success().await.meta(), &vec![("has_more".to_string(), PackValue::Boolean(true))]);
    assert!(!log.entries().contains(&"commit".to_string()), "no commit before the end");
    // Exactly the rest: the read-ahead sees the end, so no has_more.
    c.send(&[pull(3)]).await;
    assert_eq!(c.recv_n(3).await.len(), 3);
    let end = c.success().await;
    assert_eq!(end.get("has_more"), None);
    assert_eq!(end.text("bookmark"), Some("bm:1"));
    assert_eq!(end.text("type"), Some("r"));
    assert_eq!(end.text("db"), Some("neo4j"));
    assert!(end.get("t_last").and_then(PackValue::as_int).is_some());
    assert_eq!(end.get("stats"), None);
    assert_eq!(log.entries().last().map(String::as_str), Some("commit"));
}

/// Records go out while the query still runs: the client sees them before the stream
/// can end (it waits for the client to open the gate), so a long result is never held.
#[tokio::test]
async fn records_stream_before_the_result_ends() {
    let (engine, _) = FakeEngine::new(true);
    let gate = engine.gate.clone();
    let mut c = start_with(engine, BoltOptions::default());
    c.ready().await;
    c.send(&[run("STREAM 20000"), pull(-1)]).await;
    c.success().await;
    for i in 1..=20000 {
        assert_eq!(c.recv().await, Some(Reply::Record(vec![int(i)])), "record {i}");
    }
    gate.notify_one();
    assert_eq!(c.success().await.text("bookmark"), Some("bm:1"));
}

#[tokio::test]
async fn stats_after_a_write() {
    let (mut c, _) = start(true);
    c.ready().await;
    c.send(&[run("CREATE"), msg(tag::DISCARD, vec![dict(&[("n", int(-1))])])]).await;
    c.success().await;
    let end = c.success().await;
    assert_eq!(end.text("type"), Some("w"));
    let stats = end.get("stats").and_then(PackValue::as_dict).expect("stats");
    assert_eq!(
        stats,
        &vec![
            ("nodes-created".to_string(), int(1)),
            ("labels-added".to_string(), int(1)),
            ("contains-updates".to_string(), PackValue::Boolean(true)),
        ]
    );
    assert_eq!(end.text("bookmark"), Some("bm:1"));
}

#[tokio::test]
async fn discard_reads_without_sending_and_commits() {
    let (mut c, log) = start(true);
    c.ready().await;
    c.send(&[run("ROWS 4"), msg(tag::DISCARD, vec![dict(&[("n", int(-1))])]), run("ROWS 1"), pull(-1)]).await;
    c.success().await;
    assert_eq!(c.success().await.text("bookmark"), Some("bm:1"));
    c.success().await;
    assert_eq!(c.recv().await, Some(Reply::Record(vec![int(1)])));
    c.success().await;
    assert_eq!(log.entries().iter().filter(|e| *e == "commit").count(), 2);
}

#[tokio::test]
async fn explicit_transaction_with_two_results_and_rollback() {
    let (mut c, log) = start(true);
    c.ready().await;
    let begin = msg(tag::BEGIN, vec![dict(&[("mode", s("r")), ("db", s("neo4j"))])]);
    c.send(&[begin, run("ROWS 2"), run("ROWS 3"), pull_qid(-1, 0), pull(-1), bare(tag::ROLLBACK)]).await;
    assert_eq!(c.success().await.meta(), &Dictionary::new());
    assert_eq!(c.success().await.get("qid"), Some(&int(0)));
    assert_eq!(c.success().await.get("qid"), Some(&int(1)));
    assert_eq!(c.recv_n(2).await, [Reply::Record(vec![int(1)]), Reply::Record(vec![int(2)])]);
    let end0 = c.success().await;
    assert_eq!(end0.get("bookmark"), None, "no bookmark inside a transaction");
    assert_eq!(end0.text("db"), Some("neo4j"));
    assert_eq!(c.recv_n(3).await.len(), 3);
    c.success().await;
    c.success().await;
    assert_eq!(log.entries(), ["begin Read user=Some(\"neo4j\")", "run ROWS 2", "run ROWS 3", "rollback"],);
}

#[tokio::test]
async fn commit_returns_the_bookmark() {
    let (mut c, log) = start(true);
    c.ready().await;
    c.send(&[msg(tag::BEGIN, vec![dict(&[])]), run("CREATE"), pull(-1), bare(tag::COMMIT)]).await;
    let replies = c.recv_n(4).await;
    assert_eq!(replies.last().and_then(|r| r.text("bookmark")), Some("bm:1"));
    assert_eq!(log.entries().last().map(String::as_str), Some("commit"));
}

#[tokio::test]
async fn a_failed_commit_is_a_failure() {
    let (mut c, _) = start(true);
    c.ready().await;
    c.send(&[run("CONFLICT"), pull(-1)]).await;
    c.success().await;
    let failure = c.recv().await.expect("FAILURE");
    assert_eq!(failure.text("neo4j_code"), Some("Neo.TransientError.Transaction.DeadlockDetected"));
    assert_eq!(failure.get("bookmark"), None);
    let record = failure.get("diagnostic_record").and_then(PackValue::as_dict).cloned().unwrap_or_default();
    assert_eq!(dict_get(&record, "_classification").and_then(PackValue::as_str), Some("TRANSIENT_ERROR"));
}

#[tokio::test]
async fn syntax_error_on_run_then_ignored_until_reset() {
    let (mut c, log) = start(true);
    c.ready().await;
    c.send(&[run("SYNTAX"), pull(-1)]).await;
    let failure = c.recv().await.expect("FAILURE");
    assert!(matches!(failure, Reply::Failure(_)));
    assert_eq!(failure.text("neo4j_code"), Some("Neo.ClientError.Statement.SyntaxError"));
    assert_eq!(failure.text("gql_status"), Some("42001"));
    assert_eq!(c.recv().await, Some(Reply::Ignored));
    c.send(&[bare(tag::RESET), run("ROWS 1"), pull(-1)]).await;
    c.success().await;
    c.success().await;
    assert_eq!(c.recv().await, Some(Reply::Record(vec![int(1)])));
    c.success().await;
    assert!(log.entries().contains(&"rollback".to_string()), "the failed auto-commit transaction is rolled back");
}

#[tokio::test]
async fn runtime_error_on_pull_after_the_records_before_it() {
    let (mut c, log) = start(true);
    c.ready().await;
    c.send(&[run("FAIL AT 3"), pull(-1)]).await;
    c.success().await;
    assert_eq!(c.recv_n(2).await, [Reply::Record(vec![int(1)]), Reply::Record(vec![int(2)])]);
    let failure = c.recv().await.expect("FAILURE");
    assert_eq!(failure.text("neo4j_code"), Some("Neo.ClientError.Statement.ArithmeticError"));
    assert_eq!(log.entries().last().map(String::as_str), Some("rollback"));
}

#[tokio::test]
async fn failure_shape_up_to_5_6() {
    let (mut c, _) = start(true);
    assert_eq!(c.handshake([[0, 0, 6, 5], [0; 4], [0; 4], [0; 4]]).await, [0, 0, 6, 5]);
    c.send(&[hello(&[]), logon("secret"), run("SYNTAX")]).await;
    let replies = c.recv_n(3).await;
    let failure = &replies[2];
    assert_eq!(failure.text("code"), Some("Neo.ClientError.Statement.SyntaxError"));
    assert_eq!(failure.text("message"), Some("Invalid input 'SYNTAX'"));
    assert_eq!(failure.get("gql_status"), None);
}

#[tokio::test]
async fn graph_elements_carry_element_ids_on_5_and_not_on_4_4() {
    let (mut c, _) = start(true);
    c.ready().await;
    c.send(&[run("GRAPH"), pull(-1)]).await;
    c.success().await;
    let Some(Reply::Record(values)) = c.recv().await else { panic!("a record") };
    let [PackValue::Structure { tag: 0x4E, fields: node }, PackValue::Structure { tag: 0x52, fields: rel }, PackValue::Structure { tag: 0x50, fields: path }] =
        &values[..]
    else {
        panic!("node, relationship, path: {values:?}")
    };
    assert_eq!(node.len(), 4);
    assert_eq!(node.get(3), Some(&s("4:orbit:1")));
    assert_eq!(rel.len(), 8);
    assert_eq!(&rel[5..], &[s("5:orbit:7"), s("4:orbit:1"), s("4:orbit:2")]);
    // Two hops: forward along 7 to node 1 (B), against 8 to node 2 (C).
    assert_eq!(path.get(2), Some(&PackValue::List(vec![int(1), int(1), int(-2), int(2)])));

    let (mut c, _) = start(true);
    c.handshake([V44, [0; 4], [0; 4], [0; 4]]).await;
    c.send(&[hello(&basic("secret")), run("GRAPH"), pull(-1)]).await;
    c.success().await;
    c.success().await;
    let Some(Reply::Record(values)) = c.recv().await else { panic!("a record") };
    let sizes: Vec<usize> = values
        .iter()
        .map(|v| match v {
            PackValue::Structure { fields, .. } => fields.len(),
            _ => 0,
        })
        .collect();
    assert_eq!(sizes, [3, 5, 3]);
}

#[tokio::test]
async fn parameters_round_trip() {
    let (mut c, _) = start(true);
    c.ready().await;
    let values = [
        PackValue::List(vec![int(1), s("a"), PackValue::Float(1.5), PackValue::Null]),
        dict(&[("k", PackValue::Boolean(true))]),
        msg(0x44, vec![int(19_000)]),
        msg(0x45, vec![int(14), int(3), int(59), int(7)]),
        msg(0x58, vec![int(7203), PackValue::Float(1.0), PackValue::Float(2.0)]),
        msg(0x49, vec![int(1_700_000_000), int(0), int(-7200)]),
        msg(0x74, vec![int(3_600_000_000_000)]),
    ];
    for value in values {
        c.send(&[run_with("RETURN $x", dict(&[("x", value.clone())])), pull(-1)]).await;
        c.success().await;
        assert_eq!(c.recv().await, Some(Reply::Record(vec![value])));
        c.success().await;
    }
}

#[tokio::test]
async fn unknown_structure_in_parameters_fails_and_closes() {
    let (mut c, _) = start(true);
    c.ready().await;
    c.send(&[run_with("RETURN $x", dict(&[("x", msg(0x01, vec![]))]))]).await;
    let failure = c.recv().await.expect("FAILURE");
    assert_eq!(failure.text("neo4j_code"), Some("Neo.ClientError.Request.Invalid"));
    assert!(c.closed().await);
}

#[tokio::test]
async fn a_result_too_deep_to_send_is_a_failure_not_a_crash() {
    let (mut c, _) = start(true);
    c.ready().await;
    c.send(&[run("DEEP"), pull(-1)]).await;
    c.success().await;
    let failure = c.recv().await.expect("FAILURE");
    assert_eq!(failure.text("neo4j_code"), Some("Neo.DatabaseError.General.UnknownError"));
    c.send(&[bare(tag::RESET), run("ROWS 1"), pull(-1)]).await;
    let rest = c.recv_n(4).await;
    assert_eq!(rest.get(2), Some(&Reply::Record(vec![int(1)])));
}

#[tokio::test]
async fn route_gives_a_single_server_table() {
    let (mut c, _) = start(true);
    c.ready().await;
    let route = msg(tag::ROUTE, vec![dict(&[("address", s("x:1"))]), PackValue::List(vec![]), dict(&[])]);
    c.send(&[route]).await;
    let rt = c.success().await.get("rt").and_then(PackValue::as_dict).cloned().expect("rt");
    assert_eq!(dict_get(&rt, "ttl"), Some(&int(300)));
    assert_eq!(dict_get(&rt, "db"), Some(&s("neo4j")));
    let Some(PackValue::List(servers)) = dict_get(&rt, "servers") else { panic!("servers") };
    let roles: Vec<_> = servers
        .iter()
        .filter_map(|s| s.as_dict())
        .map(|d| {
            assert_eq!(dict_get(d, "addresses"), Some(&PackValue::List(vec![s("db.example:7687")])));
            dict_get(d, "role").and_then(PackValue::as_str).unwrap_or("").to_string()
        })
        .collect();
    assert_eq!(roles, ["WRITE", "READ", "ROUTE"]);

    let unknown = msg(tag::ROUTE, vec![dict(&[]), PackValue::List(vec![]), dict(&[("db", s("nope"))])]);
    c.send(&[unknown]).await;
    let failure = c.recv().await.expect("FAILURE");
    assert_eq!(failure.text("neo4j_code"), Some("Neo.ClientError.Database.DatabaseNotFound"));
}

#[tokio::test]
async fn telemetry_and_goodbye() {
    let (mut c, _) = start(true);
    c.ready().await;
    c.send(&[msg(tag::TELEMETRY, vec![int(2)]), bare(tag::GOODBYE)]).await;
    c.success().await;
    assert!(c.closed().await);
}

#[tokio::test]
async fn reset_in_a_pipelined_batch_ignores_what_is_before_it() {
    let (mut c, log) = start(true);
    c.ready().await;
    c.send(&[run("ROWS 3"), pull(-1), bare(tag::RESET), run("ROWS 1"), pull(-1)]).await;
    assert_eq!(c.recv_n(3).await, [Reply::Ignored, Reply::Ignored, Reply::Success(vec![])]);
    c.success().await;
    assert_eq!(c.recv().await, Some(Reply::Record(vec![int(1)])));
    c.success().await;
    assert_eq!(log.entries(), ["begin Write user=Some(\"neo4j\")", "run ROWS 1", "commit"]);
}

#[tokio::test]
async fn reset_rolls_back_an_open_transaction() {
    let (mut c, log) = start(true);
    c.ready().await;
    c.send(&[msg(tag::BEGIN, vec![dict(&[])]), run("CREATE")]).await;
    c.recv_n(2).await;
    c.send(&[bare(tag::RESET)]).await;
    c.success().await;
    assert_eq!(log.entries().last().map(String::as_str), Some("rollback"));
}

#[tokio::test]
async fn a_protocol_violation_fails_and_closes() {
    let (mut c, _) = start(true);
    c.ready().await;
    c.send(&[bare(tag::COMMIT)]).await;
    let failure = c.recv().await.expect("FAILURE");
    assert_eq!(failure.text("neo4j_code"), Some("Neo.ClientError.Request.Invalid"));
    assert!(c.closed().await);
}

#[tokio::test]
async fn handshakes_that_are_refused() {
    // Only 5.5 on offer.
    let (mut c, _) = start(true);
    assert_eq!(c.handshake([[0, 0, 5, 5], [0; 4], [0; 4], [0; 4]]).await, [0; 4]);
    assert!(c.closed().await);
    // Not the magic.
    let (mut c, _) = start(true);
    c.raw(&[0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3]).await;
    let mut answer = Vec::new();
    c.io.read_to_end(&mut answer).await.expect("read");
    assert_eq!(answer, [0, 0, 0, 0]);
    // An HTTP request: closed without an answer.
    let (mut c, _) = start(true);
    c.raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut answer = Vec::new();
    c.io.read_to_end(&mut answer).await.expect("read");
    assert!(answer.is_empty(), "{answer:?}");
}

#[tokio::test]
async fn the_handshake_arrives_in_pieces() {
    let (mut c, _) = start(true);
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&V58);
    bytes.extend_from_slice(&[0; 12]);
    for b in bytes {
        c.raw(&[b]).await;
        tokio::task::yield_now().await;
    }
    let mut answer = [0u8; 4];
    c.io.read_exact(&mut answer).await.expect("answer");
    assert_eq!(answer, [0, 0, 8, 5]);
}

#[tokio::test]
async fn oversize_messages_fail_and_close() {
    let (engine, _) = FakeEngine::new(true);
    let options = BoltOptions { max_message_bytes: 1024, ..BoltOptions::default() };
    let mut c = start_with(engine, options);
    c.ready().await;
    let mut wire = BytesMut::new();
    wire.put_u16(2000);
    c.raw(&wire).await;
    let failure = c.recv().await.expect("FAILURE");
    assert_eq!(failure.text("neo4j_code"), Some("Neo.ClientError.Request.Invalid"));
    assert!(failure.text("message").is_some_and(|m| m.contains("exceeds")));
    assert!(c.closed().await);
}

#[tokio::test]
async fn truncated_packstream_fails_and_closes() {
    let (mut c, _) = start(true);
    c.ready().await;
    // RUN with three fields announced, a string of 10 bytes with only 2 there.
    let mut wire = BytesMut::new();
    encode_message(&[0xB3, 0x10, 0x8A, b'R', b'E'], &mut wire);
    c.raw(&wire).await;
    let failure = c.recv().await.expect("FAILURE");
    assert_eq!(failure.text("neo4j_code"), Some("Neo.ClientError.Request.Invalid"));
    assert!(c.closed().await);
}

#[tokio::test]
async fn deep_nesting_in_a_request_fails_and_closes() {
    let (mut c, _) = start(true);
    c.ready().await;
    let mut body = vec![0xB3, 0x10, 0x81, b'x'];
    body.extend(std::iter::repeat(0x91).take(200));
    body.push(0x01);
    let mut wire = BytesMut::new();
    encode_message(&body, &mut wire);
    c.raw(&wire).await;
    let failure = c.recv().await.expect("FAILURE");
    assert_eq!(failure.text("neo4j_code"), Some("Neo.ClientError.Request.Invalid"));
    assert!(c.closed().await);
}

#[tokio::test]
async fn no_hello_in_time_closes() {
    let (engine, _) = FakeEngine::new(true);
    let options = BoltOptions { hello_timeout: Duration::from_millis(100), ..BoltOptions::default() };
    let mut c = start_with(engine, options);
    assert_eq!(c.handshake([V58, [0; 4], [0; 4], [0; 4]]).await, [0, 0, 8, 5]);
    assert!(c.closed().await);
}

#[tokio::test]
async fn no_logon_in_time_closes_and_a_logoff_later_does_not() {
    let (engine, _) = FakeEngine::new(true);
    let options = BoltOptions { hello_timeout: Duration::from_millis(100), ..BoltOptions::default() };
    let mut c = start_with(engine.clone(), options.clone());
    c.handshake([V58, [0; 4], [0; 4], [0; 4]]).await;
    c.send(&[hello(&[])]).await;
    c.success().await;
    assert!(c.closed().await);

    let mut c = start_with(engine, options);
    c.ready().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    c.send(&[bare(tag::LOGOFF)]).await;
    c.success().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    c.send(&[logon("secret"), run("ROWS 1"), pull(-1)]).await;
    assert_eq!(c.recv_n(4).await.len(), 4);
}

#[tokio::test]
async fn a_silent_client_is_closed_after_the_handshake_timeout() {
    let (engine, _) = FakeEngine::new(true);
    let options = BoltOptions { handshake_timeout: Duration::from_millis(100), ..BoltOptions::default() };
    let mut c = start_with(engine, options);
    c.raw(&MAGIC).await;
    assert!(c.closed().await);
}

#[tokio::test]
async fn the_connection_end_rolls_back_an_open_transaction() {
    let (mut c, log) = start(true);
    c.ready().await;
    c.send(&[msg(tag::BEGIN, vec![dict(&[])]), run("CREATE")]).await;
    c.recv_n(2).await;
    drop(c);
    for _ in 0..100 {
        if log.entries().last().map(String::as_str) == Some("rollback") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no rollback: {:?}", log.entries());
}

#[test]
fn the_advertised_address_defaults_to_the_bound_one() {
    let bound: std::net::SocketAddr = "127.0.0.1:7687".parse().expect("address");
    assert_eq!(listener::advertised_address(None, bound), "127.0.0.1:7687");
    assert_eq!(listener::advertised_address(Some("graph.example:443"), bound), "graph.example:443");
    let any: std::net::SocketAddr = "0.0.0.0:7000".parse().expect("address");
    assert_eq!(listener::advertised_address(None, any), "localhost:7000");
}
