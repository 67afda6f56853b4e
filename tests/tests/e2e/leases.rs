//! The lease directory end to end: orbit-server in actor mode records its actors'
//! leases and its own cluster-node record in the configured backend; after a kill -9,
//! `orbit-cli export` lists them, `import` into another backend and `validate`
//! round-trip every record; a corrupt store makes `validate` fail loudly.

use orbit_tests::redis::RespConn;
use orbit_tests::server::{server_binary, TestServer};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cli_binary() -> PathBuf {
    let bin = server_binary().with_file_name("orbit-cli");
    assert!(bin.is_file(), "orbit-cli not found at {}; run `cargo build -p orbit-cli` first", bin.display());
    bin
}

/// Runs orbit-cli; (success, stdout parsed as JSON or Null, stderr).
fn cli(args: &[&str]) -> (bool, Value, String) {
    let out = Command::new(cli_binary()).args(args).output().expect("run orbit-cli");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (out.status.success(), json, String::from_utf8_lossy(&out.stderr).to_string())
}

fn arg(name: &str, value: &Path) -> String {
    format!("--{name}={}", value.display())
}

/// Starts a server with Redis in actor mode on `backend`, writes keys (activating shard
/// actors, each taking a lease), and kills it with SIGKILL so the leases stay recorded.
/// Returns the data directory (kept by the returned server handle).
fn run_and_kill(backend: &str, extra_args: &[&str]) -> TestServer {
    let mut server =
        TestServer::start(extra_args, &[("ORBIT_REDIS_MODE", "actor"), ("ORBIT_PERSISTENCE_BACKEND", backend)]);
    let mut redis = RespConn::connect(server.listener_port("--redis-port"));
    for i in 0..20 {
        assert_eq!(redis.cmd(&format!("SET key:{i} value:{i}")), "+OK\r\n");
    }
    assert_eq!(redis.cmd("HSET h f v"), ":1\r\n");
    if backend == "memory" {
        // The memory backend promises what its last backup holds (every second here).
        std::thread::sleep(std::time::Duration::from_millis(2500));
    }
    assert!(!server.kill9().success());
    server
}

fn export(backend: &str, data_dir: &Path, output: &Path) -> Value {
    let (ok, json, err) =
        cli(&["export", &format!("--backend={backend}"), &arg("data-dir", data_dir), &arg("output", output)]);
    assert!(ok, "export from {backend} failed: {err}");
    json
}

#[test]
fn actor_mode_leases_export_import_validate_on_every_backend() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let memory_config = scratch.path().join("memory.toml");
    std::fs::write(
        &memory_config,
        "[providers.memory]\ntype = \"Memory\"\n\n[providers.memory.backup]\nsync_interval_secs = 1\n",
    )
    .expect("write config");
    let memory_config = memory_config.display().to_string();
    let mut exports = Vec::new();
    for backend in ["memory", "cow_btree", "lsm_tree", "rocksdb"] {
        let extra: Vec<&str> = if backend == "memory" { vec!["--config", &memory_config] } else { vec![] };
        let server = run_and_kill(backend, &extra);
        let data_dir = server.data_dir().to_path_buf();
        assert!(data_dir.join("leases").join(backend).exists(), "{backend} keeps its files under leases/{backend}");

        let (ok, valid, err) = cli(&["validate", &format!("--backend={backend}"), &arg("data-dir", &data_dir)]);
        assert!(ok, "validate {backend} after kill -9: {err}");
        assert_eq!(valid["valid"], Value::Bool(true));

        let file = scratch.path().join(format!("{backend}.json"));
        let summary = export(backend, &data_dir, &file);
        let dump: Value = serde_json::from_slice(&std::fs::read(&file).expect("read export")).expect("export is JSON");
        let leases = dump["leases"].as_array().expect("leases array");
        let nodes = dump["nodes"].as_array().expect("nodes array");
        assert!(!leases.is_empty(), "{backend}: the actors' leases are recorded: {summary}");
        assert_eq!(summary["leases"].as_u64(), Some(leases.len() as u64));
        assert_eq!(nodes.len(), 1, "{backend}: the server's own node record");
        let node_id = nodes[0]["node_id"].as_str().expect("node id").to_string();
        assert!(node_id.starts_with("orbit@"), "{node_id}");
        assert!(
            leases.iter().all(|l| l["node_id"].as_str() == Some(node_id.as_str())),
            "{backend}: every lease names the server's node"
        );
        exports.push((backend, file, leases.len()));
    }

    // Every export imports into every other backend and comes back identical.
    for (from, file, count) in &exports {
        for to in ["cow", "lsm", "rocksdb", "memory"] {
            let dir = tempfile::tempdir().expect("temp dir");
            let (ok, imported, err) =
                cli(&["import", &format!("--backend={to}"), &arg("data-dir", dir.path()), &arg("input", file)]);
            assert!(ok, "import of the {from} export into {to}: {err}");
            assert_eq!(imported["leases"].as_u64(), Some(*count as u64));
            let (ok, _, err) = cli(&["validate", &format!("--backend={to}"), &arg("data-dir", dir.path())]);
            assert!(ok, "validate {to} after import: {err}");
            let again = dir.path().join("again.json");
            export(to, dir.path(), &again);
            assert_eq!(
                std::fs::read(file).expect("first export"),
                std::fs::read(&again).expect("second export"),
                "{from} -> {to} round trip"
            );
        }
    }
}

#[test]
fn orbit_cli_fails_clearly_on_missing_corrupt_or_remote_stores() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ok, _, err) = cli(&["validate", "--backend=lsm", &arg("data-dir", dir.path())]);
    assert!(!ok && err.contains("no lsm_tree store"), "{err}");

    let (ok, _, err) = cli(&["export", "--backend=s3", &arg("data-dir", dir.path()), "--output=/dev/null"]);
    assert!(!ok && err.contains("not supported yet"), "{err}");

    let (ok, _, err) = cli(&["validate", "--backend=nosuch", &arg("data-dir", dir.path())]);
    assert!(!ok && err.contains("nosuch"), "{err}");

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, b"{\"format\":\"something else\"}").expect("write");
    let (ok, _, err) = cli(&["import", "--backend=rocksdb", &arg("data-dir", dir.path()), &arg("input", &bad)]);
    assert!(!ok && err.contains("not an orbit-cli export"), "{err}");

    // A store whose files were damaged: every file of the cow_btree store overwritten
    // with garbage in the middle.
    let server = run_and_kill("cow_btree", &[]);
    let store = server.data_dir().join("leases").join("cow_btree");
    let mut damaged = 0;
    for entry in std::fs::read_dir(&store).expect("store dir") {
        let path = entry.expect("entry").path();
        let Ok(mut bytes) = std::fs::read(&path) else { continue };
        if bytes.len() < 16 {
            continue;
        }
        let mid = (bytes.len() / 4).max(4);
        for b in &mut bytes[mid - 4..mid + 4] {
            *b ^= 0x5a;
        }
        std::fs::write(&path, &bytes).expect("damage");
        damaged += 1;
    }
    assert!(damaged > 0, "the cow_btree store has files");
    let (ok, _, err) = cli(&["validate", "--backend=cow_btree", &arg("data-dir", server.data_dir())]);
    assert!(!ok, "validate of a damaged store must fail");
    assert!(err.starts_with("orbit-cli: "), "{err}");
}
