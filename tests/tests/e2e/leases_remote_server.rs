//! orbit-server in actor mode with its lease directory in a remote provider
//! (`[providers.x] type = "Etcd"`, and `type = "Redis"`), each against a real server the
//! test starts: a RESP client writes (activating shard actors, each taking a lease in the
//! provider), `/health` lists the provider Healthy with its type and `/metrics` counts its
//! operations; orbit-cli exports the server's leases from the same configuration file;
//! when the provider's server is killed, `/health` shows it Unhealthy and answers 503,
//! and once it is back, Healthy and 200 again. Under a Composite (etcd primary, local
//! backup) the same kill leaves the directory Degraded, and /health 200.

use crate::leases_support::{cli, config_file, health, server_builds_type, server_lacks_type, skip, Etcd};
use orbit_tests::redis::{RealRedis, RespConn};
use orbit_tests::server::TestServer;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// Polls `/health` until the provider's health status is `want` (at most 30 s).
fn wait_for_provider(server: &TestServer, provider: &str, want: &str) -> (u16, Value) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = health(server.admin_addr());
        if body["lease_directory"]["providers"][provider]["health"]["status"] == want {
            return (status, body);
        }
        assert!(Instant::now() < deadline, "provider {provider} never became {want}: {body}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Starts the server on `config`, writes through RESP and checks health, metrics and the
/// leases as orbit-cli exports them from `read_from` (a remote provider of the file: a
/// local one is locked by the running server).
fn serve_and_check(config: &Path, provider: &str, type_name: &str, read_from: &str) -> TestServer {
    let config_arg = config.display().to_string();
    let server = TestServer::start(&["--config", &config_arg, "--redis-mode", "actor"], &[]);
    assert!(
        server
            .stdout()
            .contains(&format!("lease directory  \"{provider}\" ({type_name}) for leases and cluster nodes")),
        "the banner names the provider and its type:\n{}",
        server.stdout()
    );
    let mut redis = RespConn::connect(server.listener_port("--redis-port"));
    for i in 0..20 {
        assert_eq!(redis.cmd(&format!("SET key:{i} value:{i}")), "+OK\r\n");
    }
    assert_eq!(redis.cmd("GET key:7"), "$7\r\nvalue:7\r\n");

    let (status, body) = health(server.admin_addr());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "healthy", "{body}");
    let entry = &body["lease_directory"]["providers"][provider];
    assert_eq!(entry["type"], type_name, "{body}");
    assert_eq!(entry["health"]["status"], "healthy", "{body}");
    assert_eq!(body["lease_directory"]["addressable"], provider, "{body}");

    let metrics = server.get("/metrics").body;
    let writes = format!(
        "orbit_lease_provider_operations_total{{provider=\"{provider}\",type=\"{type_name}\",operation=\"write\"}} "
    );
    let count: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix(&writes))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {writes} line in /metrics:\n{metrics}"));
    assert!(count > 0, "the activations wrote to {provider}: {metrics}");

    // The server's leases, read from the provider by orbit-cli with the same file.
    let out = server.data_dir().join("export.json");
    let run = cli(&[
        "export",
        &format!("--config={config_arg}"),
        &format!("--provider={read_from}"),
        &format!("--data-dir={}", server.data_dir().display()),
        &format!("--output={}", out.display()),
    ]);
    assert!(run.ok, "export from {read_from}: {}", run.stderr);
    assert_eq!(run.json["provider"], read_from, "{}", run.json);
    let dump: Value = serde_json::from_slice(&std::fs::read(&out).expect("read export")).expect("JSON");
    let leases = dump["leases"].as_array().expect("leases");
    assert!(!leases.is_empty(), "the actors' leases are in {read_from}");
    let node = dump["nodes"][0]["node_id"].as_str().expect("the server's node record").to_string();
    assert!(leases.iter().all(|l| l["node_id"] == node.as_str()), "{dump}");
    server
}

#[test]
fn leases_remote_server_on_etcd_reports_its_health() {
    let test = "leases_remote_server_on_etcd_reports_its_health";
    if server_lacks_type(test, "Etcd") {
        return;
    }
    let Some(mut etcd) = Etcd::start(test) else { return };
    let (_scratch, config) = config_file(&format!(
        "[server]\npersistence_backend = \"x\"\n\n[providers.x]\ntype = \"Etcd\"\nendpoints = [\"{}\"]\n\
             lease_ttl = 30\nconnection_timeout = 2\nrequest_timeout = 3\n",
        etcd.endpoint()
    ));
    let server = serve_and_check(&config, "x", "Etcd", "x");

    etcd.kill();
    let (status, body) = wait_for_provider(&server, "x", "unhealthy");
    assert_eq!(status, 503, "an Unhealthy provider makes /health 503: {body}");
    assert_eq!(body["status"], "unhealthy", "{body}");
    assert_eq!(body["lease_directory"]["status"], "unhealthy", "{body}");
    let reason = body["lease_directory"]["providers"]["x"]["health"]["reason"].as_str().unwrap_or("");
    assert!(reason.contains(&format!("127.0.0.1:{}", etcd.port)), "the reason names the endpoint: {body}");

    etcd.restart();
    let (status, body) = wait_for_provider(&server, "x", "healthy");
    assert_eq!(status, 200, "{body}");
}

/// A Composite whose primary is etcd and backup a local cow_btree: with etcd killed the
/// Composite is Degraded and /health answers 200 (the member shows Unhealthy).
#[test]
fn leases_remote_server_on_a_composite_is_degraded_when_etcd_dies() {
    let test = "leases_remote_server_on_a_composite_is_degraded_when_etcd_dies";
    if server_lacks_type(test, "Etcd") {
        return;
    }
    let Some(mut etcd) = Etcd::start(test) else { return };
    let (_scratch, config) = config_file(&format!(
            "[server]\npersistence_backend = \"pair\"\n\n\
             [providers.pair]\ntype = \"Composite\"\nprimary = \"x\"\nbackup = \"local\"\nmode = \"strict\"\n\n\
             [providers.x]\ntype = \"Etcd\"\nendpoints = [\"{}\"]\nlease_ttl = 30\nconnection_timeout = 2\nrequest_timeout = 3\n\n\
             [providers.local]\ntype = \"CowBTree\"\n",
            etcd.endpoint()
        ));
    let server = serve_and_check(&config, "pair", "Composite", "x");
    let (_, body) = health(server.admin_addr());
    let providers = &body["lease_directory"]["providers"];
    assert_eq!(
        (providers["x"]["type"].as_str(), providers["local"]["type"].as_str()),
        (Some("Etcd"), Some("CowBTree"))
    );
    assert_eq!(providers["x"]["roles"], serde_json::json!(["member"]), "{body}");

    etcd.kill();
    let (status, body) = wait_for_provider(&server, "x", "unhealthy");
    assert_eq!(status, 200, "a Degraded directory still answers 200: {body}");
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["lease_directory"]["providers"]["pair"]["health"]["status"], "degraded", "{body}");
    assert_eq!(body["lease_directory"]["providers"]["local"]["health"]["status"], "healthy", "{body}");
}

#[test]
fn leases_remote_server_on_redis_reports_its_health() {
    let test = "leases_remote_server_on_redis_reports_its_health";
    if server_lacks_type(test, "Redis") {
        return;
    }
    let Some(redis) = RealRedis::start() else {
        skip(test, "redis-server is not installed");
        return;
    };
    let (_scratch, config) = config_file(&format!(
        "[server]\npersistence_backend = \"r\"\n\n[providers.r]\ntype = \"Redis\"\nhost = \"127.0.0.1\"\nport = {}\n\
             connection_timeout = 2\ncommand_timeout = 3\n",
        redis.port
    ));
    let server = serve_and_check(&config, "r", "Redis", "r");

    drop(redis); // SIGKILL by pid.
    let (status, body) = wait_for_provider(&server, "r", "unhealthy");
    assert_eq!(status, 503, "an Unhealthy provider makes /health 503: {body}");
    assert_eq!(body["status"], "unhealthy", "{body}");
    assert!(
        body["lease_directory"]["providers"]["r"]["health"]["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{body}"
    );
}

/// A remote provider's unknown field stops the server at start-up, naming the file and
/// `providers.<name>.<field>` (exit code 2, before anything listens); a build without
/// the backend stops the same way, naming the feature.
#[test]
fn leases_remote_server_refuses_a_bad_provider_field() {
    let (scratch, config) =
        config_file("[providers.x]\ntype = \"Etcd\"\nendpoints = [\"http://127.0.0.1:1\"]\nlease_tll = 30\n");
    let data = scratch.path().join("data");
    let (config_arg, data_arg) = (config.display().to_string(), data.display().to_string());
    let mut args = vec!["--config", &config_arg, "--data-dir", &data_arg, "--admin-port", "0"];
    for flag in orbit_tests::server::LISTENER_PORT_FLAGS {
        args.extend([flag, "0"]);
    }
    let exited = orbit_tests::server::run_to_exit(&args, &[]);
    assert_eq!(exited.status.code(), Some(2), "stdout:\n{}\nstderr:\n{}", exited.stdout, exited.stderr);
    let expected = if server_builds_type("Etcd") {
        format!("{config_arg}: providers.x.lease_tll: unknown field")
    } else {
        "persistence backend \"etcd\" is not in this build (build orbit-server with --features lease-etcd)".to_string()
    };
    assert!(exited.stderr.contains(&expected), "want {expected:?} in:\n{}", exited.stderr);
}
