//! Migrating a lease directory with orbit-cli between a local backend and a remote one
//! and back: cow_btree → etcd (a real etcd the test starts) → a fresh cow_btree, and the
//! same through a real redis-server, each remote provider given in orbit-server's
//! configuration format (TOML for etcd, JSON for Redis) with `--config FILE --provider
//! NAME`. The export files along the way are byte-identical; `validate` passes on the
//! remote stores; a Composite (Redis mirrored into a cow_btree) is a target too; a bad
//! provider field is refused naming `providers.<name>.<field>`.

use crate::leases_support::{cli, cli_with_env, lacks_backend, skip, CliRun, Etcd};
use orbit_tests::redis::RealRedis;
use serde_json::{json, Value};
use std::path::Path;

/// An export file in orbit-cli's format with `leases` leases over three nodes (keys with
/// slashes, spaces and non-ASCII; some leases already expired) and the three nodes.
fn seed(path: &Path, leases: usize) {
    let nodes = ["orbit@127.0.0.1:9001", "orbit@127.0.0.1:9002", "node/ü 3"];
    let types = ["redis", "postgresql/shard", "ünï"];
    let leases: Vec<Value> = (0..leases)
        .map(|i| {
            let addressable_type = types[i % types.len()];
            json!({
                "reference": {"addressable_type": addressable_type, "key": format!("table {i}/shard:{}", i % 17)},
                "node_id": nodes[i % nodes.len()],
                "activation_id": 1_000_000 + i as u64 * 7,
                "created_at": 1_700_000_000_000i64 + i as i64,
                "expires_at": if i % 10 == 0 { 1_700_000_100_000i64 } else { 4_000_000_000_000i64 + i as i64 },
            })
        })
        .collect();
    let nodes: Vec<Value> = nodes
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let status = ["Active", "Draining", "Stopped"][i];
            json!({
                "node_id": id,
                "address": format!("127.0.0.1:{}", 9001 + i),
                "status": status,
                "capabilities": ["redis:actor", "postgresql:actor"],
                "started_at": 1_700_000_000_000i64,
                "lease_expires_at": 4_000_000_000_000i64,
            })
        })
        .collect();
    let dump = json!({"format": "orbit-leases", "version": 1, "leases": leases, "nodes": nodes});
    std::fs::write(path, serde_json::to_vec(&dump).expect("encode")).expect("write seed");
}

fn arg(name: &str, value: &Path) -> String {
    format!("--{name}={}", value.display())
}

fn must(run: CliRun, what: &str) -> Value {
    assert!(run.ok, "{what} failed: {}", run.stderr);
    run.json
}

/// Imports `seed` into a fresh cow_btree store and exports it: the first export.
fn cow_export(seed: &Path, scratch: &Path, name: &str) -> std::path::PathBuf {
    let dir = scratch.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    must(cli(&["import", "--backend=cow_btree", &arg("data-dir", &dir), &arg("input", seed)]), "import into cow_btree");
    let out = scratch.join(format!("{name}.json"));
    must(cli(&["export", "--backend=cow", &arg("data-dir", &dir), &arg("output", &out)]), "export from cow_btree");
    out
}

/// cow_btree export → `provider` of `config` → export → a fresh cow_btree → export; the
/// three export files are the same bytes. False when the binary lacks the backend.
fn round_trip(test: &str, scratch: &Path, config: &Path, provider: &str, leases: usize) -> bool {
    let seed_file = scratch.join("seed.json");
    seed(&seed_file, leases);
    let first = cow_export(&seed_file, scratch, "first");
    let first_bytes = std::fs::read(&first).expect("read first export");

    let place = [arg("config", config), format!("--provider={provider}"), arg("data-dir", scratch)];
    let with = |cmd: &str, extra: &[String]| -> Vec<String> {
        let mut args = vec![cmd.to_string()];
        args.extend(place.iter().cloned());
        args.extend(extra.iter().cloned());
        args
    };
    let run = |args: Vec<String>| cli(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let imported = run(with("import", &[arg("input", &first)]));
    if !imported.ok && lacks_backend(test, "orbit-cli", &imported.stderr) {
        return false;
    }
    let imported = must(imported, &format!("import into {provider}"));
    assert_eq!(imported["leases"].as_u64(), Some(leases as u64), "{imported}");
    assert_eq!(imported["nodes"].as_u64(), Some(3), "{imported}");
    assert_eq!(imported["provider"], provider, "{imported}");

    let valid = must(run(with("validate", &[])), &format!("validate {provider}"));
    assert_eq!(valid["valid"], true, "{valid}");
    assert_eq!(valid["leases"].as_u64(), Some(leases as u64), "{valid}");

    let remote = scratch.join("remote.json");
    must(run(with("export", &[arg("output", &remote)])), &format!("export from {provider}"));
    assert!(
        std::fs::read(&remote).expect("read remote export") == first_bytes,
        "the export from {provider} differs from the cow_btree export it was imported from"
    );

    let back = scratch.join("back");
    std::fs::create_dir_all(&back).expect("mkdir");
    must(cli(&["import", "--backend=cow_btree", &arg("data-dir", &back), &arg("input", &remote)]), "import back");
    let again = scratch.join("again.json");
    must(cli(&["export", "--backend=cow_btree", &arg("data-dir", &back), &arg("output", &again)]), "export again");
    assert!(
        std::fs::read(&again).expect("read") == first_bytes,
        "cow_btree → {provider} → cow_btree: the exports differ"
    );
    true
}

#[test]
fn leases_migrate_cow_btree_to_etcd_and_back_byte_identical() {
    let test = "leases_migrate_cow_btree_to_etcd_and_back_byte_identical";
    let Some(etcd) = Etcd::start(test) else { return };
    let scratch = tempfile::tempdir().expect("scratch");
    let config = scratch.path().join("orbit.toml");
    // The server's own sections are ignored by orbit-cli; lease_ttl keeps the imported
    // records alive while the test runs (etcd attaches them to their node's lease).
    std::fs::write(
        &config,
        format!(
            "[server]\nbind = \"127.0.0.1\"\npersistence_backend = \"x\"\n\n[redis]\nmode = \"actor\"\n\n\
             [providers.x]\ntype = \"Etcd\"\nendpoints = [\"{}\"]\nprefix = \"orbit-e2e\"\nlease_ttl = 600\n",
            etcd.endpoint()
        ),
    )
    .expect("write config");
    // More leases than one etcd transaction (128 operations) and one import batch (1000).
    if !round_trip(test, scratch.path(), &config, "x", 1300) {
        return;
    }

    // Without --provider the server's choice ([server] persistence_backend) is used.
    let summary = must(cli(&["validate", &arg("config", &config)]), "validate without --provider");
    assert_eq!((summary["provider"].as_str(), summary["type"].as_str()), (Some("x"), Some("Etcd")), "{summary}");

    // A bad field of the remote provider is named.
    let bad = scratch.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!("[providers.x]\ntype = \"Etcd\"\nendpoints = [\"{}\"]\ncolour = 1\n", etcd.endpoint()),
    )
    .expect("write");
    let run = cli(&["validate", &arg("config", &bad), "--provider=x"]);
    assert!(!run.ok && run.stderr.contains("providers.x.colour: unknown field"), "{}", run.stderr);
    let run = cli(&["validate", &arg("config", &config), "--provider=nosuch"]);
    assert!(!run.ok && run.stderr.contains("--provider: no provider named \"nosuch\""), "{}", run.stderr);
}

#[test]
fn leases_migrate_cow_btree_to_redis_and_back_byte_identical() {
    let test = "leases_migrate_cow_btree_to_redis_and_back_byte_identical";
    let Some(redis) = RealRedis::start() else {
        skip(test, "redis-server is not installed");
        return;
    };
    let scratch = tempfile::tempdir().expect("scratch");
    // The JSON form of the same configuration.
    let config = scratch.path().join("orbit.json");
    let url = format!("redis://127.0.0.1:{}/3", redis.port);
    let document = json!({
        "server": {"persistence_backend": "cache"},
        "providers": {
            "cache": {"type": "Redis", "url": url, "prefix": "orbit-e2e"},
            // A Composite as a target: Redis (another prefix) mirrored into a cow_btree.
            "mirrored": {"type": "Redis", "url": url, "prefix": "orbit-e2e-composite"},
            "local": {"type": "CowBTree"},
            "both": {"type": "Composite", "primary": "mirrored", "backup": "local", "mode": "strict"},
        },
    });
    std::fs::write(&config, document.to_string()).expect("write config");
    if !round_trip(test, scratch.path(), &config, "cache", 1300) {
        return;
    }
    let out = scratch.path().join("no-data-dir.json");
    let run =
        cli(&["export", &arg("config", &config), "--provider=cache", &arg("output", &out), "--data-dir=/nonexistent"]);
    assert!(run.ok, "a remote provider needs no data directory: {}", run.stderr);
    assert_eq!(run.json["leases"].as_u64(), Some(1300), "{}", run.json);

    // Into the Composite; its backup (a local provider of the same file) and the
    // Composite itself export the same bytes.
    let first = std::fs::read(scratch.path().join("first.json")).expect("first export");
    let dir = scratch.path().join("composite");
    let in_dir = |cmd: &str, provider: &str, file: (&str, &Path)| {
        cli(&[
            cmd,
            &arg("config", &config),
            &format!("--provider={provider}"),
            &arg("data-dir", &dir),
            &arg(file.0, file.1),
        ])
    };
    must(in_dir("import", "both", ("input", &scratch.path().join("first.json"))), "import into the Composite");
    for provider in ["local", "both"] {
        let out = scratch.path().join(format!("{provider}.json"));
        must(in_dir("export", provider, ("output", &out)), &format!("export from {provider}"));
        assert!(std::fs::read(&out).expect("read") == first, "the export from {provider} differs");
    }
    let valid = must(
        cli(&["validate", &arg("config", &config), "--provider=both", &arg("data-dir", &dir)]),
        "validate the Composite",
    );
    assert_eq!((valid["type"].as_str(), valid["valid"].as_bool()), (Some("Composite"), Some(true)), "{valid}");

    // Without --provider, ORBIT_PERSISTENCE_BACKEND picks the provider as it does for the server.
    let chosen = must(
        cli_with_env(
            &["validate", &arg("config", &config), &arg("data-dir", &dir)],
            &[("ORBIT_PERSISTENCE_BACKEND", "local")],
        ),
        "validate with ORBIT_PERSISTENCE_BACKEND",
    );
    assert_eq!((chosen["provider"].as_str(), chosen["leases"].as_u64()), (Some("local"), Some(1300)), "{chosen}");
    let chosen = must(cli(&["validate", &arg("config", &config)]), "validate with the file's choice");
    assert_eq!(chosen["provider"], "cache", "{chosen}");

    let bad = scratch.path().join("bad.json");
    std::fs::write(&bad, r#"{"providers": {"cache": {"type": "Redis", "port": "high"}}}"#).expect("write");
    let run = cli(&["import", &arg("config", &bad), "--provider=cache", &arg("input", &out)]);
    assert!(!run.ok && run.stderr.contains("providers.cache.port"), "{}", run.stderr);
}
