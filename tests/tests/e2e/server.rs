//! The orbit-server binary end to end: start-up and data directories, enable switches
//! and modes, /health and /metrics over real HTTP, signals, configuration precedence and
//! the one-line errors of invalid configurations (exit status 2).

use orbit_tests::server::{free_port, run_to_exit, try_http_get, Exited, TestServer, LISTENER_PORT_FLAGS, PROTOCOLS};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;

fn rocksdb_dir(data: &Path, protocol: &str) -> std::path::PathBuf {
    data.join(protocol).join("rocksdb")
}

/// Asserts exit status 2 and exactly one stderr line containing every `needle`.
fn assert_invalid(exited: &Exited, needles: &[&str]) {
    assert_eq!(exited.status.code(), Some(2), "exit status; stderr:\n{}", exited.stderr);
    let lines: Vec<&str> = exited.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got:\n{}", exited.stderr);
    assert!(lines[0].starts_with("orbit-server: invalid configuration: "), "{}", lines[0]);
    for needle in needles {
        assert!(lines[0].contains(needle), "{needle:?} missing from: {}", lines[0]);
    }
    assert!(!exited.stdout.contains("orbit-server ready"), "must not report ready");
}

#[test]
fn starts_and_creates_a_rocksdb_directory_per_protocol() {
    let mut server = TestServer::start(&[], &[]);
    for protocol in PROTOCOLS {
        let dir = rocksdb_dir(server.data_dir(), protocol);
        assert!(dir.is_dir(), "{} missing", dir.display());
        assert!(dir.join("CURRENT").is_file(), "{} holds no RocksDB instance", dir.display());
    }

    let banner = server.stdout();
    for protocol in PROTOCOLS {
        let row = banner
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{protocol} ")))
            .unwrap_or_else(|| panic!("no banner row for {protocol}:\n{banner}"));
        assert!(row.contains("persistent"), "{row}");
        assert!(row.contains(&rocksdb_dir(server.data_dir(), protocol).display().to_string()), "{row}");
        match protocol {
            "graphrag" => {}
            "postgresql" => {
                assert!(row.contains(&format!("127.0.0.1:{}", server.listener_port("--postgres-port"))), "{row}")
            }
            "redis" => assert!(row.contains(&format!("127.0.0.1:{}", server.listener_port("--redis-port"))), "{row}"),
            "mysql" => assert!(row.contains(&format!("127.0.0.1:{}", server.listener_port("--mysql-port"))), "{row}"),
            "cql" => assert!(row.contains(&format!("127.0.0.1:{}", server.listener_port("--cql-port"))), "{row}"),
            "cypher" => assert!(row.contains(&format!("127.0.0.1:{}", server.listener_port("--bolt-port"))), "{row}"),
            "aql" => assert!(row.contains(&format!("127.0.0.1:{}", server.listener_port("--http-port"))), "{row}"),
            _ => assert!(row.contains("listener not implemented yet"), "{row}"),
        }
    }
    assert!(banner.contains(&server.admin_url()), "{banner}");

    // Every listener with a port is served: PostgreSQL's, MySQL's, CQL's, Redis's, Bolt's
    // and ArangoDB's HTTP.
    for flag in LISTENER_PORT_FLAGS {
        let addr: SocketAddr = ([127, 0, 0, 1], server.listener_port(flag)).into();
        assert!(std::net::TcpStream::connect(addr).is_ok(), "the {flag} listener is not bound");
    }
    assert!(server.terminate().success());
}

#[test]
fn disabled_protocols_get_no_directory() {
    let mut server = TestServer::start(&["--disable-redis"], &[("ORBIT_CQL_ENABLED", "false")]);
    for protocol in PROTOCOLS {
        let exists = server.data_dir().join(protocol).exists();
        assert_eq!(exists, !matches!(protocol, "redis" | "cql"), "{protocol} directory exists: {exists}");
    }
    let health = server.get("/health");
    assert_eq!(health.status, 200, "{}", health.body);
    let protocols = health.json()["protocols"].as_object().cloned().expect("protocols object");
    assert!(!protocols.contains_key("redis") && !protocols.contains_key("cql"), "{protocols:?}");
    assert_eq!(protocols.len(), 5);
    let redis_row = server.stdout().lines().find(|l| l.trim_start().starts_with("redis ")).map(str::to_string);
    assert!(redis_row.is_some_and(|r| r.contains("disabled")), "{}", server.stdout());
    assert!(server.terminate().success());
}

#[test]
fn health_reports_every_enabled_protocol() {
    let mut server = TestServer::start(&[], &[]);
    let response = server.get("/health");
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    let body = response.json();
    assert_eq!(body["status"], "healthy", "{body}");
    for protocol in PROTOCOLS {
        let entry = &body["protocols"][protocol];
        assert_eq!(entry["mode"], "persistent", "{protocol}: {entry}");
        assert_eq!(entry["engine"], "rocksdb", "{protocol}: {entry}");
        assert_eq!(
            entry["data_path"].as_str(),
            Some(rocksdb_dir(server.data_dir(), protocol).display().to_string().as_str()),
            "{protocol}: {entry}"
        );
        assert_eq!(entry["health"]["status"], "healthy", "{protocol}: {entry}");
    }
    assert_eq!(server.get("/no-such-page").status, 404);
    assert!(server.terminate().success());
}

#[test]
fn metrics_are_prometheus_text() {
    let mut server = TestServer::start(&[], &[]);
    let response = server.get("/metrics");
    assert_eq!(response.status, 200, "{}", response.body);
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");

    let lines: Vec<&str> = response.body.lines().collect();
    for (family, kind) in [
        ("orbit_storage_operations_total", "counter"),
        ("orbit_storage_operation_errors_total", "counter"),
        ("orbit_storage_operation_duration_seconds", "histogram"),
    ] {
        let type_line = format!("# TYPE {family} {kind}");
        assert_eq!(lines.iter().filter(|l| **l == type_line).count(), 1, "{type_line}");
        assert_eq!(lines.iter().filter(|l| l.starts_with(&format!("# HELP {family} "))).count(), 1, "{family}");
    }
    for protocol in PROTOCOLS {
        let labels = format!("{{protocol=\"{protocol}\",operation=\"get\"");
        for series in [
            format!("orbit_storage_operations_total{labels}}} "),
            format!("orbit_storage_operation_errors_total{labels}}} "),
            format!("orbit_storage_operation_duration_seconds_bucket{labels},le=\"+Inf\"}} "),
            format!("orbit_storage_operation_duration_seconds_sum{labels}}} "),
            format!("orbit_storage_operation_duration_seconds_count{labels}}} "),
        ] {
            assert!(lines.iter().any(|l| l.starts_with(&series)), "no {series}in:\n{}", response.body);
        }
    }
    for line in lines.iter().filter(|l| !l.starts_with('#')) {
        let (_, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("malformed sample {line}"));
        assert!(value == "+Inf" || value.parse::<f64>().is_ok(), "malformed value in {line}");
    }
    assert!(server.terminate().success());
}

#[test]
fn sigterm_and_sigint_exit_zero_and_keep_the_data_directory() {
    let mut server = TestServer::start(&[], &[]);
    let marker = server.data_dir().join("redis").join("keep-me");
    std::fs::write(&marker, b"x").expect("write marker");
    let admin = server.admin_addr();

    let status = server.terminate();
    assert!(status.success(), "SIGTERM exit status {status}; stderr:\n{}", server.stderr());
    assert!(try_http_get(admin, "/health").is_err(), "admin still answers after exit");

    server.restart();
    assert!(marker.is_file(), "start-up deleted a file in the data directory");
    assert_eq!(server.get("/health").status, 200);
    let status = server.interrupt();
    assert!(status.success(), "SIGINT exit status {status}; stderr:\n{}", server.stderr());
    assert!(server.stderr().contains("flushed"), "no flush logged:\n{}", server.stderr());
}

#[test]
fn actor_mode_for_redis_keeps_redis_in_memory() {
    let mut server = TestServer::start(&[], &[("ORBIT_REDIS_MODE", "actor")]);
    let body = server.get("/health").json();
    assert_eq!(body["status"], "healthy", "{body}");
    assert_eq!(body["protocols"]["redis"]["mode"], "actor", "{body}");
    assert!(body["protocols"]["redis"]["data_path"].is_null(), "{body}");
    assert_eq!(body["protocols"]["postgresql"]["mode"], "persistent", "{body}");
    assert!(!server.data_dir().join("redis").exists(), "actor mode created a redis directory");
    assert!(rocksdb_dir(server.data_dir(), "postgresql").is_dir());
    let banner = server.stdout();
    let row = banner.lines().find(|l| l.trim_start().starts_with("redis ")).unwrap_or_default();
    assert!(row.contains("actor") && row.contains("in memory (actor mode, not persisted)"), "{banner}");
    assert!(server.terminate().success());
}

#[test]
fn flags_beat_environment_beat_the_toml_file() {
    let [file_port, env_port, flag_port]: [u16; 3] =
        orbit_tests::server::free_ports(3).try_into().expect("three ports");
    let config_dir = tempfile::TempDir::new().expect("tempdir");
    let config = config_dir.path().join("orbit.toml");
    std::fs::write(
        &config,
        format!("[server]\nadmin_port = {file_port}\npersistence_backend = \"memory\"\n\n[redis]\nmode = \"actor\"\n"),
    )
    .expect("write config");
    let config = config.display().to_string();

    let answers = |server: &TestServer, port: u16| {
        assert_eq!(server.admin_addr().port(), port, "banner admin address");
        assert_eq!(server.get("/health").status, 200);
        for other in [file_port, env_port, flag_port].into_iter().filter(|p| *p != port) {
            assert!(try_http_get(([127, 0, 0, 1], other).into(), "/health").is_err(), "port {other} answers too");
        }
    };

    let mut server = TestServer::builder().without_admin_port_flag().args(["--config", &config]).start();
    answers(&server, file_port);
    assert_eq!(server.get("/health").json()["protocols"]["redis"]["mode"], "actor", "file sets the mode");
    assert!(server.terminate().success());

    let mut server = TestServer::builder()
        .without_admin_port_flag()
        .args(["--config", &config])
        .env("ORBIT_ADMIN_PORT", env_port.to_string())
        .env("ORBIT_REDIS_MODE", "persistent")
        .start();
    answers(&server, env_port);
    assert_eq!(server.get("/health").json()["protocols"]["redis"]["mode"], "persistent", "env beats file");
    assert!(server.terminate().success());

    let mut server = TestServer::builder()
        .without_admin_port_flag()
        .args(["--config", &config, "--admin-port", &flag_port.to_string(), "--redis-mode", "actor"])
        .env("ORBIT_ADMIN_PORT", env_port.to_string())
        .env("ORBIT_REDIS_MODE", "persistent")
        .start();
    answers(&server, flag_port);
    assert_eq!(server.get("/health").json()["protocols"]["redis"]["mode"], "actor", "flag beats env");
    assert!(server.terminate().success());
}

/// Arguments that would start a server on free ports in a fresh data directory.
fn base_args(data: &Path) -> Vec<String> {
    let mut args = vec!["--data-dir".to_string(), data.display().to_string()];
    args.push("--admin-port".into());
    args.push(free_port().to_string());
    args
}

fn run_invalid(extra_args: &[&str], env: &[(&str, &str)]) -> (Exited, tempfile::TempDir) {
    let data = tempfile::TempDir::new().expect("tempdir");
    let mut args = base_args(data.path());
    args.extend(extra_args.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    (run_to_exit(&args, env), data)
}

#[test]
fn unknown_mode_in_the_environment_is_rejected() {
    let (exited, data) = run_invalid(&[], &[("ORBIT_REDIS_MODE", "fast")]);
    assert_invalid(&exited, &["ORBIT_REDIS_MODE", "unknown mode \"fast\""]);
    assert!(!data.path().join("redis").exists(), "storage opened despite invalid configuration");
}

#[test]
fn unknown_key_in_the_toml_file_is_rejected() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let file = dir.path().join("orbit.toml");
    std::fs::write(&file, "[server]\nbind = \"127.0.0.1\"\n\n[redis]\nenabeld = false\n").expect("write");
    let (exited, _data) = run_invalid(&["--config", &file.display().to_string()], &[]);
    assert_invalid(&exited, &["enabeld", "[redis]", "orbit.toml"]);
}

#[test]
fn bad_numbers_are_rejected() {
    let (exited, _data) = run_invalid(&[], &[("ORBIT_REDIS_PORT", "abc")]);
    assert_invalid(&exited, &["ORBIT_REDIS_PORT", "invalid port \"abc\""]);
    let (exited, _data) = run_invalid(&["--bolt-port", "70000"], &[]);
    assert_invalid(&exited, &["--bolt-port", "70000"]);
}

#[test]
fn admin_port_in_use_is_rejected() {
    let held = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = held.local_addr().expect("addr").port();
    let data = tempfile::TempDir::new().expect("tempdir");
    let exited =
        run_to_exit(&["--data-dir", &data.path().display().to_string(), "--admin-port", &port.to_string()], &[]);
    assert_invalid(&exited, &["--admin-port", &format!("127.0.0.1:{port} is already in use")]);
    assert!(!data.path().join("redis").exists(), "storage opened although a port is in use");
    drop(held);
}

#[test]
fn unwritable_data_directory_is_rejected() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").expect("write");
    let data = file.join("data");
    let exited =
        run_to_exit(&["--data-dir", &data.display().to_string(), "--admin-port", &free_port().to_string()], &[]);
    assert_invalid(&exited, &["--data-dir", &data.display().to_string()]);

    let exited =
        run_to_exit(&["--admin-port", &free_port().to_string()], &[("ORBIT_DATA_DIR", &data.display().to_string())]);
    assert_invalid(&exited, &["ORBIT_DATA_DIR"]);
}

#[test]
fn unsupported_persistence_backends_say_so() {
    // The default build has no remote backends: the error names the feature that adds s3.
    // A build with them (the test command's) opens s3 from the environment and names the
    // field the environment lacks.
    let help = run_to_exit(&["--help"], &[]);
    let (exited, _data) = run_invalid(&[], &[("ORBIT_PERSISTENCE_BACKEND", "s3")]);
    if help.stdout.contains("\"S3\" (needs --features") {
        assert_invalid(&exited, &["ORBIT_PERSISTENCE_BACKEND", "s3", "is not in this build", "--features lease-s3"]);
    } else {
        assert_invalid(&exited, &["ORBIT_PERSISTENCE_BACKEND", "providers.s3.bucket", "ORBIT_S3_BUCKET"]);
    }
    let (exited, _data) = run_invalid(&[], &[("ORBIT_PERSISTENCE_BACKEND", "floppy")]);
    assert_invalid(&exited, &["ORBIT_PERSISTENCE_BACKEND", "unknown persistence backend"]);
}

#[test]
fn help_lists_the_settings_and_exits_zero() {
    let exited = run_to_exit(&["--help"], &[]);
    assert!(exited.status.success(), "{exited:?}");
    for name in ["--config", "--data-dir", "--admin-port", "--disable-redis", "ORBIT_REDIS_MODE", "--bolt-port"] {
        assert!(exited.stdout.contains(name), "{name} missing from --help:\n{}", exited.stdout);
    }
}

/// Rows already in a protocol's RocksDB survive the server starting on them, a kill -9,
/// and a graceful stop: start-up opens what is there and never wipes it.
#[test]
fn existing_data_survives_start_kill9_and_stop() {
    use orbit_storage::{ColumnDef, DataType, KvTableStorage, ScanOptions, TableDef, TableStorage, Value};
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let open = |path: std::path::PathBuf| async move {
        let engine = orbit_rocksdb::RocksEngine::open(&path, &orbit_rocksdb::RocksOptions::default()).expect("open");
        KvTableStorage::open(std::sync::Arc::new(engine)).await.expect("table storage")
    };
    let mut server = TestServer::start(&[], &[]);
    assert!(server.terminate().success());
    let path = rocksdb_dir(server.data_dir(), "postgresql");
    rt.block_on(async {
        let s = open(path.clone()).await;
        let def = TableDef::new("t")
            .column(ColumnDef::new("k", DataType::Int64))
            .column(ColumnDef::new("v", DataType::Text))
            .primary_key(&["k"]);
        s.create_table(&def).await.expect("create");
        for k in 0..100 {
            s.insert("t", vec![Value::Int(k), Value::Text(format!("v{k}"))]).await.expect("insert");
        }
    });
    server.restart();
    assert_eq!(server.get("/health").status, 200);
    server.kill9();
    server.restart();
    assert_eq!(server.get("/health").status, 200);
    assert!(server.terminate().success());
    rt.block_on(async {
        let s = open(path).await;
        let rows = s.scan("t", &ScanOptions::all()).await.expect("scan");
        assert_eq!(rows.len(), 100);
        assert_eq!(rows[42], vec![Value::Int(42), Value::Text("v42".into())]);
    });
}
