//! Loopback tests of the node RPC: in-process RPC servers on free 127.0.0.1 ports (bound
//! to port 0), a router in front of them with a placement cache fed by an in-test owner
//! table and member list. Covers forwarding, the Fenced and NotOwner refresh paths, a dead
//! node, the message size limit and garbage on the RPC port.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use orbit_cluster::{
    check_token, ClusterError, ClusterMetrics, ForwardRefusal, ForwardRequest, LookupFn, Member, OwnerRecord,
    PlacementCache, Router, RpcClient, RpcConfig, RpcServer, ShardHandler, ShardRef,
};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A node's handler: serves the shards it holds a token for, answering
/// `<node>|<protocol>|<payload>` (payload `fail`: a failure; `big`: a 2 KiB reply).
struct TestNode {
    node_id: String,
    held: Mutex<HashMap<ShardRef, u64>>,
    /// Payload `wait`: the handler signals `started`, then waits for `release`.
    started: tokio::sync::Notify,
    release: tokio::sync::Notify,
}

impl TestNode {
    fn new(node_id: &str) -> Arc<TestNode> {
        Arc::new(TestNode {
            node_id: node_id.into(),
            held: Mutex::new(HashMap::new()),
            started: tokio::sync::Notify::new(),
            release: tokio::sync::Notify::new(),
        })
    }

    fn hold(&self, shard: &ShardRef, token: u64) {
        self.held.lock().insert(shard.clone(), token);
    }

    fn release(&self, shard: &ShardRef) {
        self.held.lock().remove(shard);
    }
}

#[async_trait::async_trait]
impl ShardHandler for TestNode {
    async fn handle(
        &self,
        shard: &ShardRef,
        fencing_token: u64,
        protocol: &str,
        payload: Bytes,
    ) -> Result<Bytes, ForwardRefusal> {
        let held = self.held.lock().get(shard).copied();
        check_token(held, fencing_token)?;
        if payload.as_ref() == b"fail" {
            return Err(ForwardRefusal::Failed("asked to fail".into()));
        }
        if payload.as_ref() == b"wait" {
            self.started.notify_one();
            self.release.notified().await;
        }
        if payload.as_ref() == b"big" {
            return Ok(Bytes::from(vec![b'z'; 2048]));
        }
        let mut reply = format!("{}|{}|", self.node_id, protocol).into_bytes();
        reply.extend_from_slice(&payload);
        Ok(Bytes::from(reply))
    }
}

fn test_config() -> RpcConfig {
    RpcConfig {
        request_timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(1),
        ..RpcConfig::default()
    }
}

async fn start_server(node: Arc<TestNode>, config: RpcConfig) -> (RpcServer, Arc<ClusterMetrics>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
    let metrics = Arc::new(ClusterMetrics::default());
    let server = RpcServer::serve(listener, node, config, metrics.clone()).expect("serve");
    (server, metrics)
}

/// The lease directory of the tests: shard → owner record.
type Owners = Arc<Mutex<HashMap<ShardRef, OwnerRecord>>>;

fn owner(node_id: &str, fencing_token: u64) -> OwnerRecord {
    OwnerRecord { node_id: node_id.into(), fencing_token }
}

/// A router for node `local` (its handler `local_node`), looking owners up in `owners`.
fn router(
    local_node: Arc<TestNode>,
    owners: Owners,
    members: tokio::sync::watch::Receiver<Vec<Member>>,
    config: RpcConfig,
) -> (Router, Arc<ClusterMetrics>) {
    let metrics = Arc::new(ClusterMetrics::default());
    let lookup = Arc::new(LookupFn(move |shard: ShardRef| {
        let found = owners.lock().get(&shard).cloned();
        async move { Ok(found) }
    }));
    let placements = Arc::new(PlacementCache::new(lookup, members, metrics.clone()));
    let client = Arc::new(RpcClient::new(config, metrics.clone()));
    let node_id = local_node.node_id.clone();
    (Router::new(node_id, local_node, placements, client), metrics)
}

fn member(node: &TestNode, server: &RpcServer) -> Member {
    Member::new(node.node_id.clone(), server.local_addr().to_string())
}

fn text(bytes: &Bytes) -> &str {
    std::str::from_utf8(bytes).expect("utf-8 reply")
}

#[tokio::test]
async fn requests_are_forwarded_to_the_owner_or_run_locally() {
    let (a, b) = (TestNode::new("a"), TestNode::new("b"));
    let (on_a, on_b) = (ShardRef::new("redis", "s1"), ShardRef::new("redis", "s2"));
    a.hold(&on_a, 1);
    b.hold(&on_b, 1);
    let (server_a, _) = start_server(a.clone(), test_config()).await;
    let (server_b, served_b) = start_server(b.clone(), test_config()).await;
    let owners: Owners =
        Arc::new(Mutex::new(HashMap::from([(on_a.clone(), owner("a", 1)), (on_b.clone(), owner("b", 1))])));
    let (_members_tx, members) = tokio::sync::watch::channel(vec![member(&a, &server_a), member(&b, &server_b)]);
    let (router_a, metrics_a) = router(a.clone(), owners, members, test_config());

    let remote = router_a.dispatch(&on_b, "resp", Bytes::from_static(b"GET k")).await.expect("forwarded");
    assert_eq!(text(&remote), "b|resp|GET k");
    let local = router_a.dispatch(&on_a, "pg", Bytes::from_static(b"SELECT 1")).await.expect("local");
    assert_eq!(text(&local), "a|pg|SELECT 1");
    let again = router_a.dispatch(&on_b, "resp", Bytes::from_static(b"GET j")).await.expect("forwarded again");
    assert_eq!(text(&again), "b|resp|GET j");

    let sent = metrics_a.snapshot();
    assert_eq!((sent.forwarded, sent.forward_replies), (2, 2), "only the remote shard's requests cross the wire");
    assert_eq!((sent.placement_misses, sent.placement_hits), (2, 1));
    assert!(sent.forward_latency_p95_us > 0.0);
    assert_eq!(served_b.snapshot().served, 2);

    let failed = router_a.dispatch(&on_b, "resp", Bytes::from_static(b"fail")).await;
    assert!(
        matches!(&failed, Err(ClusterError::Refused { refusal: ForwardRefusal::Failed(message), .. }) if message == "asked to fail"),
        "{failed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_forwards_share_one_connection_per_node() {
    let b = TestNode::new("b");
    let shards: Vec<ShardRef> = (0..20).map(|i| ShardRef::new("redis", format!("s{i}"))).collect();
    for shard in &shards {
        b.hold(shard, 1);
    }
    let (server_b, served_b) = start_server(b.clone(), test_config()).await;
    let owners: Owners = Arc::new(Mutex::new(shards.iter().map(|shard| (shard.clone(), owner("b", 1))).collect()));
    let (_members_tx, members) = tokio::sync::watch::channel(vec![member(&b, &server_b)]);
    let (router_x, metrics_x) = router(TestNode::new("x"), owners, members, test_config());
    let router_x = Arc::new(router_x);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200usize {
        let (router_x, shard) = (router_x.clone(), shards[i % shards.len()].clone());
        tasks.spawn(async move {
            let payload = Bytes::from(format!("req{i}"));
            let reply = router_x.dispatch(&shard, "resp", payload).await.expect("forwarded");
            assert_eq!(text(&reply), format!("b|resp|req{i}"));
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task");
    }
    assert_eq!(metrics_x.snapshot().forward_replies, 200);
    let served = served_b.snapshot();
    assert_eq!((served.served, served.connections_accepted), (200, 1), "one multiplexed connection");
    assert_eq!(router_x.placements().len(), shards.len());
}

#[tokio::test]
async fn an_older_token_is_fenced_and_the_router_refreshes_then_succeeds() {
    let b = TestNode::new("b");
    let shard = ShardRef::new("redis", "s1");
    b.hold(&shard, 5);
    let (server_b, served_b) = start_server(b.clone(), test_config()).await;
    let owners: Owners = Arc::new(Mutex::new(HashMap::from([(shard.clone(), owner("b", 4))])));
    let (_members_tx, members) = tokio::sync::watch::channel(vec![member(&b, &server_b)]);
    let (router_x, metrics_x) = router(TestNode::new("x"), owners.clone(), members, test_config());

    // The placement is cached with token 4; then b re-acquires the shard with token 5.
    assert_eq!(router_x.placements().get(&shard).await.expect("placement").fencing_token, 4);
    owners.lock().insert(shard.clone(), owner("b", 5));

    let reply = router_x.dispatch(&shard, "resp", Bytes::from_static(b"PING")).await.expect("after refresh");
    assert_eq!(text(&reply), "b|resp|PING");
    assert_eq!(router_x.placements().cached(&shard).expect("cached").fencing_token, 5);
    let sent = metrics_x.snapshot();
    assert_eq!((sent.forwarded, sent.forward_refusals.fenced, sent.forward_replies), (2, 1, 1));
    assert_eq!(served_b.snapshot().served_refusals.fenced, 1);

    // Straight through the client, the refusal carries the owner's token.
    let client = RpcClient::new(test_config(), Arc::default());
    let request =
        ForwardRequest { shard: shard.clone(), fencing_token: 3, protocol: "resp".into(), payload: Bytes::new() };
    let outcome = client.forward(&server_b.local_addr().to_string(), &request).await.expect("an answer");
    assert_eq!(outcome, Err(ForwardRefusal::Fenced { current_token: 5 }));
}

#[tokio::test]
async fn not_owner_makes_the_router_look_the_owner_up_again() {
    let (a, b) = (TestNode::new("a"), TestNode::new("b"));
    let shard = ShardRef::new("pg", "t1/s0");
    a.hold(&shard, 1);
    let (server_a, _) = start_server(a.clone(), test_config()).await;
    let (server_b, _) = start_server(b.clone(), test_config()).await;
    let owners: Owners = Arc::new(Mutex::new(HashMap::from([(shard.clone(), owner("a", 1))])));
    let (_members_tx, members) = tokio::sync::watch::channel(vec![member(&a, &server_a), member(&b, &server_b)]);
    let (router_x, metrics_x) = router(TestNode::new("x"), owners.clone(), members, test_config());
    assert_eq!(text(&router_x.dispatch(&shard, "pg", Bytes::from_static(b"q1")).await.expect("on a")), "a|pg|q1");

    // The shard moves from a to b.
    a.release(&shard);
    b.hold(&shard, 2);
    owners.lock().insert(shard.clone(), owner("b", 2));
    assert_eq!(text(&router_x.dispatch(&shard, "pg", Bytes::from_static(b"q2")).await.expect("on b")), "b|pg|q2");
    assert_eq!(metrics_x.snapshot().forward_refusals.not_owner, 1);

    // Nobody holds it and the directory still names b: the refusal is the answer.
    b.release(&shard);
    let refused = router_x.dispatch(&shard, "pg", Bytes::from_static(b"q3")).await;
    assert!(
        matches!(&refused, Err(ClusterError::Refused { refusal: ForwardRefusal::NotOwner { .. }, .. })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_dead_node_is_an_error_within_the_timeout_and_leaves_the_cache() {
    let b = TestNode::new("b");
    let shard = ShardRef::new("redis", "s9");
    b.hold(&shard, 1);
    let (server_b, _) = start_server(b.clone(), test_config()).await;
    let owners: Owners = Arc::new(Mutex::new(HashMap::from([(shard.clone(), owner("b", 1))])));
    let (_members_tx, members) = tokio::sync::watch::channel(vec![member(&b, &server_b)]);
    let (router_x, metrics_x) = router(TestNode::new("x"), owners, members, test_config());
    router_x.dispatch(&shard, "resp", Bytes::from_static(b"GET k")).await.expect("alive");
    assert!(router_x.placements().cached(&shard).is_some());

    server_b.abort().await;
    let dead = router_x.dispatch(&shard, "resp", Bytes::from_static(b"GET k")).await;
    assert!(matches!(dead, Err(ClusterError::Connect { .. } | ClusterError::Transport { .. })), "{dead:?}");
    assert!(router_x.placements().cached(&shard).is_none(), "the dead owner's placement is dropped");
    assert!(metrics_x.snapshot().forward_errors >= 1);
    let again = router_x.dispatch(&shard, "resp", Bytes::from_static(b"GET k")).await;
    assert!(matches!(again, Err(ClusterError::Connect { .. })), "{again:?}");
}

#[tokio::test]
async fn a_node_that_never_answers_times_out_and_its_connection_is_dropped() {
    // A bound listener nobody accepts from: the kernel completes the TCP handshake, then
    // nothing answers (a SIGSTOPped node).
    let silent = TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
    let address = silent.local_addr().expect("address").to_string();
    let config = RpcConfig {
        request_timeout: Duration::from_millis(300),
        connect_timeout: Duration::from_millis(200),
        ..RpcConfig::default()
    };
    let metrics = Arc::new(ClusterMetrics::default());
    let client = RpcClient::new(config, metrics.clone());
    let request = ForwardRequest {
        shard: ShardRef::new("redis", "s1"),
        fencing_token: 1,
        protocol: "resp".into(),
        payload: Bytes::from_static(b"PING"),
    };
    let outcome = client.forward(&address, &request).await;
    assert!(matches!(outcome, Err(ClusterError::Timeout { .. } | ClusterError::Connect { .. })), "{outcome:?}");
    assert!(client.cached_addresses().is_empty(), "the stuck connection is not reused");
    let counted = metrics.snapshot();
    assert_eq!(counted.forward_timeouts + counted.forward_errors, 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_on_the_new_owner() {
    let (a, b) = (TestNode::new("a"), TestNode::new("b"));
    let shard = ShardRef::new("redis", "s5");
    a.hold(&shard, 1);
    let (server_a, _) = start_server(a.clone(), test_config()).await;
    let (server_b, _) = start_server(b.clone(), test_config()).await;
    let owners: Owners = Arc::new(Mutex::new(HashMap::from([(shard.clone(), owner("a", 1))])));
    let (_members_tx, members) = tokio::sync::watch::channel(vec![member(&a, &server_a), member(&b, &server_b)]);
    let (router_x, metrics_x) = router(TestNode::new("x"), owners.clone(), members, test_config());
    assert_eq!(router_x.placements().get(&shard).await.expect("placement").node_id, "a");

    // a dies before anything was sent to it; b takes the shard over.
    server_a.abort().await;
    b.hold(&shard, 2);
    owners.lock().insert(shard.clone(), owner("b", 2));
    let reply = router_x.dispatch(&shard, "resp", Bytes::from_static(b"GET k")).await.expect("on the new owner");
    assert_eq!(text(&reply), "b|resp|GET k");
    let sent = metrics_x.snapshot();
    assert_eq!((sent.forward_errors, sent.forward_replies), (1, 1));

    // A request too large for the limit is refused without touching the placement.
    let too_big = Bytes::from(vec![0u8; RpcConfig::default().max_message_size + 1]);
    let refused = router_x.dispatch(&shard, "resp", too_big).await;
    assert!(matches!(refused, Err(ClusterError::MessageTooLarge { .. })), "{refused:?}");
    assert!(router_x.placements().cached(&shard).is_some());
}

#[tokio::test]
async fn an_owner_leaving_the_membership_is_no_placement() {
    let b = TestNode::new("b");
    let shard = ShardRef::new("redis", "s4");
    b.hold(&shard, 1);
    let (server_b, _) = start_server(b.clone(), test_config()).await;
    let owners: Owners = Arc::new(Mutex::new(HashMap::from([(shard.clone(), owner("b", 1))])));
    let (members_tx, members) = tokio::sync::watch::channel(vec![member(&b, &server_b)]);
    let (router_x, _) = router(TestNode::new("x"), owners, members, test_config());
    router_x.dispatch(&shard, "resp", Bytes::from_static(b"GET k")).await.expect("member");
    members_tx.send_replace(Vec::new());
    let gone = router_x.dispatch(&shard, "resp", Bytes::from_static(b"GET k")).await;
    assert!(matches!(gone, Err(ClusterError::NoOwner(_))), "{gone:?}");
    assert!(router_x.placements().is_empty());
}

#[tokio::test]
async fn oversize_messages_are_refused_with_a_clear_error() {
    let b = TestNode::new("b");
    let shard = ShardRef::new("redis", "s1");
    b.hold(&shard, 1);
    let small = RpcConfig { max_message_size: 1024, ..test_config() };
    let (server_b, served_b) = start_server(b.clone(), small.clone()).await;
    let address = server_b.local_addr().to_string();
    let request =
        |payload: Bytes| ForwardRequest { shard: shard.clone(), fencing_token: 1, protocol: "resp".into(), payload };
    let big = Bytes::from(vec![b'x'; 4096]);

    // The sender checks before sending.
    let client_small = RpcClient::new(small, Arc::default());
    let refused = client_small.forward(&address, &request(big.clone())).await;
    assert!(matches!(refused, Err(ClusterError::MessageTooLarge { limit: 1024, size }) if size > 4096), "{refused:?}");

    // The receiver checks the length prefix of whatever arrives.
    let client_large = RpcClient::new(test_config(), Arc::default());
    let refused = client_large.forward(&address, &request(big)).await;
    match &refused {
        Err(ClusterError::Transport { reason, .. }) => assert!(reason.contains("too large"), "{reason}"),
        other => panic!("expected a size refusal, got {other:?}"),
    }
    let fine = client_large.forward(&address, &request(Bytes::from_static(b"small"))).await.expect("an answer");
    assert_eq!(fine.as_deref(), Ok(&b"b|resp|small"[..]));
    assert_eq!(served_b.snapshot().served_invalid, 1);

    // A reply over the limit is a refusal, not a broken connection.
    let echo_big = client_large.forward(&address, &request(Bytes::from_static(b"big"))).await.expect("an answer");
    assert!(matches!(&echo_big, Err(ForwardRefusal::Failed(m)) if m.contains("exceeds")), "{echo_big:?}");
}

#[tokio::test]
async fn connections_past_the_limit_are_closed_and_the_slot_comes_back() {
    let b = TestNode::new("b");
    let shard = ShardRef::new("redis", "s1");
    b.hold(&shard, 1);
    let config = RpcConfig { max_connections: 1, ..test_config() };
    let (server_b, served_b) = start_server(b.clone(), config).await;
    let address = server_b.local_addr().to_string();
    let request =
        ForwardRequest { shard, fencing_token: 1, protocol: "resp".into(), payload: Bytes::from_static(b"x") };

    let holder = TcpStream::connect(&address).await.expect("connect");
    // The server sees the holder first (the accept queue is in order); the client's
    // connection is closed on arrival.
    let client = RpcClient::new(test_config(), Arc::default());
    let refused = client.forward(&address, &request).await;
    assert!(matches!(refused, Err(ClusterError::Connect { .. } | ClusterError::Transport { .. })), "{refused:?}");

    drop(holder);
    let mut answered = None;
    for _ in 0..100 {
        match client.forward(&address, &request).await {
            Ok(outcome) => {
                answered = Some(outcome);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    assert_eq!(answered.expect("served once the slot is free").as_deref(), Ok(&b"b|resp|x"[..]));
    assert!(served_b.snapshot().connections_refused >= 1);
}

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish_then_refuses_connections() {
    let b = TestNode::new("b");
    let shard = ShardRef::new("redis", "s1");
    b.hold(&shard, 1);
    let (server_b, _) = start_server(b.clone(), test_config()).await;
    let address = server_b.local_addr().to_string();
    let client = Arc::new(RpcClient::new(test_config(), Arc::default()));
    let request =
        ForwardRequest { shard, fencing_token: 1, protocol: "resp".into(), payload: Bytes::from_static(b"wait") };

    let in_flight = tokio::spawn({
        let (client, address, request) = (client.clone(), address.clone(), request.clone());
        async move { client.forward(&address, &request).await }
    });
    b.started.notified().await;
    let draining = tokio::spawn(server_b.shutdown());
    b.release.notify_one();
    let answered = in_flight.await.expect("task").expect("an answer");
    assert_eq!(answered.as_deref(), Ok(&b"b|resp|wait"[..]));
    draining.await.expect("drained");

    let after = client.forward(&address, &ForwardRequest { payload: Bytes::from_static(b"x"), ..request }).await;
    assert!(matches!(after, Err(ClusterError::Connect { .. } | ClusterError::Transport { .. })), "{after:?}");
}

/// Sends one raw gRPC call (`body` as the whole request body) to `path` and returns the
/// grpc-status the server answered.
async fn raw_grpc_status(address: &str, path: &str, body: Vec<u8>) -> String {
    let stream = TcpStream::connect(address).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .expect("http/2 handshake");
    tokio::spawn(connection);
    let request = http::Request::post(format!("http://{address}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(Full::new(Bytes::from(body)))
        .expect("request");
    let response = sender.send_request(request).await.expect("a response");
    if let Some(status) = response.headers().get("grpc-status") {
        return status.to_str().expect("ascii").to_string();
    }
    let collected = response.into_body().collect().await.expect("body");
    let trailers = collected.trailers().cloned().unwrap_or_default();
    trailers.get("grpc-status").map(|s| s.to_str().expect("ascii").to_string()).unwrap_or_default()
}

fn grpc_frame(message: &[u8]) -> Vec<u8> {
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(message);
    frame
}

#[tokio::test]
async fn garbage_on_the_rpc_port_does_not_crash_the_server() {
    let b = TestNode::new("b");
    let shard = ShardRef::new("redis", "s1");
    b.hold(&shard, 1);
    let (server_b, served_b) = start_server(b.clone(), test_config()).await;
    let address = server_b.local_addr().to_string();

    // A connection that sends nothing is closed after the first-request timeout (a server
    // of its own: the calls below must not race that timeout).
    let impatient = RpcConfig { first_request_timeout: Duration::from_millis(200), ..test_config() };
    let (impatient_server, _) = start_server(b.clone(), impatient).await;
    let mut silent = TcpStream::connect(impatient_server.local_addr()).await.expect("connect");
    let mut sink = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut sink)).await;
    assert!(closed.is_ok(), "an idle connection is closed by the server");

    // Bytes that are not HTTP/2 at all, and a valid preface followed by a broken frame: the
    // server closes each connection.
    let preface_then_junk = [&b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..], &[0xff; 64][..]].concat();
    for junk in
        [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), vec![0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3], preface_then_junk]
    {
        let mut stream = TcpStream::connect(&address).await.expect("connect");
        stream.write_all(&junk).await.expect("write");
        let mut sink = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut sink)).await;
        assert!(matches!(closed, Ok(Ok(_)) | Ok(Err(_))), "the server closes a garbage connection");
    }

    // Well-formed HTTP/2 carrying bad gRPC: an error status each, never a panic.
    let garbage_protobuf = grpc_frame(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]);
    assert_ne!(raw_grpc_status(&address, orbit_cluster::wire::FORWARD_PATH, garbage_protobuf).await, "0");
    let no_shard = grpc_frame(&[0x10, 0x01]);
    assert_eq!(raw_grpc_status(&address, orbit_cluster::wire::FORWARD_PATH, no_shard).await, "3", "invalid argument");
    let huge_prefix = [0u8, 0xff, 0xff, 0xff, 0xff, 1, 2, 3].to_vec();
    assert_eq!(raw_grpc_status(&address, orbit_cluster::wire::FORWARD_PATH, huge_prefix).await, "11", "out of range");
    let truncated = vec![0u8, 0, 0];
    assert_ne!(raw_grpc_status(&address, orbit_cluster::wire::FORWARD_PATH, truncated).await, "0");
    assert_eq!(
        raw_grpc_status(&address, "/orbit.cluster.v1.NodeRpc/Nope", grpc_frame(b"")).await,
        "12",
        "unimplemented"
    );

    // The server still serves.
    let client = RpcClient::new(test_config(), Arc::default());
    let request =
        ForwardRequest { shard, fencing_token: 1, protocol: "resp".into(), payload: Bytes::from_static(b"ok") };
    let outcome = client.forward(&address, &request).await.expect("still serving");
    assert_eq!(outcome.as_deref(), Ok(&b"b|resp|ok"[..]));
    assert!(served_b.snapshot().served_invalid >= 5);
}
