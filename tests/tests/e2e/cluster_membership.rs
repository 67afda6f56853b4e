//! Cluster membership end to end: a real etcd (started by the test) and two orbit-server
//! processes with `[cluster] enabled = true` on its provider (node-a serving Redis in actor
//! mode, its actor leases on its etcd lease; node-b in persistent mode). Each node's /health lists
//! both members with their RPC addresses and itself not fenced; after `kill -9` of one,
//! the survivor's member list drops it once etcd expires its lease (TTL 2 s: within
//! TTL + 2 s); a third node then takes the freed shards and, on SIGTERM, drains them
//! (hands them over) and leaves; SIGTERM of the survivor revokes its lease, so its record
//! is gone from etcd as soon as the process has exited. A node paused (SIGSTOP) for twice its TTL is
//! self-fenced when it runs again. A server with the cluster enabled on a lease
//! directory without an etcd provider refuses to start, naming the setting.

use crate::leases_support::{config_file, health, server_lacks_type, Etcd};
use orbit_tests::server::{free_ports, run_to_exit, TestServer};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

const LEASE_TTL_SECS: u64 = 2;
const PREFIX: &str = "orbit-e2e-cluster";

/// Only Redis.
const ONLY_REDIS: [&str; 6] = [
    "--disable-postgres",
    "--disable-mysql",
    "--disable-cql",
    "--disable-cypher",
    "--disable-aql",
    "--disable-graphrag",
];

/// A node serving Redis in `redis_mode`. Only one node serves it in actor mode: placing
/// one protocol's actors across nodes is not this test's subject (a second node would find
/// the shard actors held by the first).
fn start_node(config: &Path, node: &str, rpc_port: u16, redis_mode: &str) -> TestServer {
    TestServer::builder()
        .arg(format!("--config={}", config.display()))
        .arg(format!("--cluster-node-id={node}"))
        .arg(format!("--cluster-rpc-port={rpc_port}"))
        .arg(format!("--redis-mode={redis_mode}"))
        .args(ONLY_REDIS)
        .start()
}

/// The node ids in a /health body's member list.
fn member_ids(body: &Value) -> Vec<String> {
    body["cluster"]["members"]
        .as_array()
        .map(|members| members.iter().filter_map(|m| m["node_id"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Polls /health until the member list is `want` (sorted), at most until `deadline`.
fn wait_for_members(server: &TestServer, want: &[&str], deadline: Instant) -> Value {
    loop {
        let (_, body) = health(server.admin_addr());
        if member_ids(&body) == want {
            return body;
        }
        assert!(Instant::now() < deadline, "the member list never became {want:?}: {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Standard base64 (etcd's JSON gateway takes keys that way).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// How many keys etcd holds under `prefix` (a range read over the v3 JSON gateway).
fn etcd_count(etcd: &Etcd, prefix: &str) -> u64 {
    let mut end = prefix.as_bytes().to_vec();
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    let body =
        format!("{{\"key\":\"{}\",\"range_end\":\"{}\",\"count_only\":true}}", base64(prefix.as_bytes()), base64(&end));
    let mut socket = TcpStream::connect(("127.0.0.1", etcd.port)).expect("connect to etcd");
    socket.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let request = format!(
        "POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(request.as_bytes()).expect("send the range request");
    let mut response = String::new();
    socket.read_to_string(&mut response).expect("read the range reply");
    let json = response.split("\r\n\r\n").nth(1).unwrap_or("");
    let reply: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("etcd range reply {response:?}: {e}"));
    // proto3 JSON leaves a zero count out.
    reply["count"].as_str().map_or(0, |c| c.parse().expect("count"))
}

#[test]
fn cluster_membership_two_nodes_see_each_other_and_leave() {
    let test = "cluster_membership_two_nodes_see_each_other_and_leave";
    if server_lacks_type(test, "Etcd") {
        return;
    }
    let Some(etcd) = Etcd::start(test) else { return };
    let (_scratch, config) = config_file(&format!(
        "[server]\npersistence_backend = \"x\"\n\n[providers.x]\ntype = \"Etcd\"\nendpoints = [\"{}\"]\n\
             prefix = \"{PREFIX}\"\nconnection_timeout = 2\nrequest_timeout = 3\n\n\
             [cluster]\nenabled = true\nlease_ttl = {LEASE_TTL_SECS}\nfence_margin = 0.5\n",
        etcd.endpoint()
    ));
    let rpc = free_ports(2);
    let mut a = start_node(&config, "node-a", rpc[0], "actor");
    let mut b = start_node(&config, "node-b", rpc[1], "persistent");

    let banner = a.stdout();
    assert!(
        banner.contains(&format!(
            "  cluster          node \"node-a\", rpc 127.0.0.1:{} (port {} reserved), etcd {} (provider \"x\", prefix \
             \"{PREFIX}\"), lease TTL {LEASE_TTL_SECS}s",
            rpc[0],
            rpc[0],
            etcd.endpoint()
        )),
        "the banner shows the cluster node:\n{banner}"
    );
    assert!(banner.contains("persistent-mode protocols would stay per node"), "{banner}");
    let banner = b.stdout();
    assert!(
        banner.contains("persistent-mode protocols stay per node (their data is this node's alone): redis"),
        "{banner}"
    );

    // Actor leases of node-a: they hang on its etcd lease.
    let mut redis = orbit_tests::redis::RespConn::connect(a.listener_port("--redis-port"));
    assert_eq!(redis.cmd("SET k v"), "+OK\r\n");
    drop(redis);

    let both = ["node-a", "node-b"];
    let deadline = Instant::now() + Duration::from_secs(10);
    for (server, me, port) in [(&a, "node-a", rpc[0]), (&b, "node-b", rpc[1])] {
        let body = wait_for_members(server, &both, deadline);
        let cluster = &body["cluster"];
        assert_eq!(cluster["enabled"], true, "{body}");
        assert_eq!(cluster["node_id"], me, "{body}");
        assert_eq!(cluster["rpc_address"], format!("127.0.0.1:{port}"), "{body}");
        assert_eq!(cluster["fenced"], false, "{body}");
        assert!(cluster["self_fence_deadline_in_ms"].as_i64().is_some_and(|ms| ms > 0), "{body}");
        let addresses: Vec<&str> =
            cluster["members"].as_array().expect("members").iter().filter_map(|m| m["rpc_address"].as_str()).collect();
        assert_eq!(addresses, [format!("127.0.0.1:{}", rpc[0]), format!("127.0.0.1:{}", rpc[1])], "{body}");
        let owned = &cluster["owned_shards"];
        match me {
            "node-a" => assert!(owned["redis"].as_array().is_some_and(|shards| !shards.is_empty()), "{body}"),
            _ => assert_eq!(owned, &serde_json::json!({}), "node-b serves nothing in actor mode: {body}"),
        }
        let metrics = server.get("/metrics").body;
        let line = format!("orbit_cluster_members{{node=\"{me}\"}} 2");
        assert!(metrics.lines().any(|l| l == line), "missing {line:?}:\n{metrics}");
        let line = format!("orbit_cluster_fenced{{node=\"{me}\"}} 0");
        assert!(metrics.lines().any(|l| l == line), "missing {line:?}:\n{metrics}");
    }
    assert!(etcd_count(&etcd, &format!("{PREFIX}/leases/")) > 0, "node-a's actors hold leases in etcd");

    // kill -9: no deregistration; etcd expires node-a's lease after its TTL.
    a.kill9();
    let killed = Instant::now();
    let body = wait_for_members(&b, &["node-b"], killed + Duration::from_secs(LEASE_TTL_SECS + 2));
    assert_eq!(body["cluster"]["fenced"], false, "{body}");
    assert_eq!(etcd_count(&etcd, &format!("{PREFIX}/leases/")), 0, "node-a's actor leases expired with its lease");

    // node-a's shards are free again: node-c takes them; SIGTERM drains it (hands its
    // shards over, releasing their leases) and it leaves.
    let mut c = start_node(&config, "node-c", free_ports(1)[0], "actor");
    let mut redis = orbit_tests::redis::RespConn::connect(c.listener_port("--redis-port"));
    assert_eq!(redis.cmd("SET k v"), "+OK\r\n");
    drop(redis);
    wait_for_members(&b, &["node-b", "node-c"], Instant::now() + Duration::from_secs(10));
    let status = c.terminate();
    assert!(status.success(), "node-c exited with {status}; stderr:\n{}", c.stderr());
    let drained = c.stderr();
    let handed = drained.lines().find(|l| l.contains("shards handed over") && l.contains("protocol=\"redis\""));
    assert!(handed.is_some_and(|l| !l.contains("shards=0")), "node-c drained no shard on SIGTERM:\n{drained}");
    assert_eq!(etcd_count(&etcd, &format!("{PREFIX}/leases/")), 0, "node-c's actor leases outlived its shutdown");
    assert_eq!(etcd_count(&etcd, &format!("{PREFIX}/nodes/")), 1, "node-c's record outlived its shutdown");

    // SIGTERM: node-b deregisters; its record is gone as soon as it has exited.
    let status = b.terminate();
    assert!(status.success(), "node-b exited with {status}; stderr:\n{}", b.stderr());
    assert_eq!(etcd_count(&etcd, &format!("{PREFIX}/nodes/")), 0, "node-b's record outlived its shutdown");
    assert_eq!(etcd_count(&etcd, &format!("{PREFIX}/node-lease/")), 0);
}

#[test]
fn cluster_membership_needs_the_etcd_provider() {
    let dir = tempfile::tempdir().expect("data dir");
    let data = dir.path().display().to_string();
    let exited = run_to_exit(&["--data-dir", &data, "--admin-port", "0"], &[("ORBIT_CLUSTER_ENABLED", "true")]);
    assert_eq!(exited.status.code(), Some(2), "stderr:\n{}", exited.stderr);
    assert!(
        exited.stderr.contains("ORBIT_CLUSTER_ENABLED: the cluster uses the etcd provider of the lease directory"),
        "{}",
        exited.stderr
    );
}

/// The pid of the orbit-server process started with `marker` among its arguments.
fn pid_with_argument(marker: &str) -> libc::pid_t {
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<libc::pid_t>() else { continue };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if cmdline.split(|b| *b == 0).any(|arg| arg == marker.as_bytes()) {
            return pid;
        }
    }
    panic!("no process has the argument {marker}");
}

fn signal(pid: libc::pid_t, signal: libc::c_int) {
    // SAFETY: kill(2) on the pid of the server this test started and has not reaped.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal}): {}", std::io::Error::last_os_error());
}

/// A node paused (SIGSTOP) for twice its TTL is self-fenced when it runs again: its
/// /health says fenced (503), its actor storage refuses a write naming the fence (the
/// membership is the actor runtime's fence), and etcd dropped its record.
#[test]
fn cluster_membership_a_paused_node_fences_itself() {
    let test = "cluster_membership_a_paused_node_fences_itself";
    if server_lacks_type(test, "Etcd") {
        return;
    }
    let Some(etcd) = Etcd::start(test) else { return };
    let prefix = "orbit-e2e-paused";
    let (_scratch, config) = config_file(&format!(
        "[server]\npersistence_backend = \"x\"\n\n[providers.x]\ntype = \"Etcd\"\nendpoints = [\"{}\"]\n\
             prefix = \"{prefix}\"\nconnection_timeout = 2\nrequest_timeout = 3\n\n\
             [cluster]\nenabled = true\nlease_ttl = {LEASE_TTL_SECS}\nfence_margin = 0.5\n",
        etcd.endpoint()
    ));
    let node = format!("paused-{}", std::process::id());
    let server = start_node(&config, &node, free_ports(1)[0], "actor");
    let mut redis = orbit_tests::redis::RespConn::connect(server.listener_port("--redis-port"));
    assert_eq!(redis.cmd("SET k v"), "+OK\r\n");
    let (status, body) = health(server.admin_addr());
    assert_eq!((status, &body["cluster"]["fenced"]), (200, &Value::Bool(false)), "{body}");

    let pid = pid_with_argument(&format!("--cluster-node-id={node}"));
    signal(pid, libc::SIGSTOP);
    std::thread::sleep(Duration::from_secs(2 * LEASE_TTL_SECS));
    signal(pid, libc::SIGCONT);

    let (status, body) = health(server.admin_addr());
    assert_eq!(status, 503, "a fenced node is not healthy: {body}");
    assert_eq!(body["cluster"]["fenced"], true, "{body}");
    assert!(body["cluster"]["self_fence_deadline_in_ms"].as_i64().is_some_and(|ms| ms < 0), "{body}");
    let reply = redis.cmd("SET k2 v2");
    assert!(reply.starts_with("-ERR") && reply.contains("is fenced"), "a fenced node served a write: {reply:?}");
    // A read too: the Redis keyspace's metadata cache must not answer for a fenced node.
    let reply = redis.cmd("GET k");
    assert!(reply.starts_with("-ERR") && reply.contains("is fenced"), "a fenced node served a read: {reply:?}");
    assert_eq!(etcd_count(&etcd, &format!("{prefix}/nodes/")), 0, "etcd expired the paused node's record");
}
