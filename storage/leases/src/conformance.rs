//! The checks every lease directory backend passes.
//!
//! [`lease_conformance_tests!`](crate::lease_conformance_tests) expands to one test per
//! check for a backend, given how to open it in a directory and its [`Durability`]:
//!
//! * behaviour: lease lifecycle, update of a missing lease, expiry cleanup, listing by
//!   node (also after a lease moves), bulk store and remove, transactions, cluster
//!   nodes, concurrent writers (then the index is checked: every lease listed under
//!   exactly its node), metrics and health;
//! * compare-and-swap ([`cas`]): the acquisition race (one winner per key, every time),
//!   take-over after expiry, stale versions, renew and release by a non-owner, fencing
//!   tokens that only grow, listing after take-overs;
//! * persistence (skipped for [`Durability::None`]): reopening from the same directory,
//!   and crash recovery: the test re-executes its own binary (`--exact <test>
//!   --nocapture`, with [`CRASH_DIR_ENV`] naming the directory) as a child that stores
//!   leases singly and in batches of four and prints `ACK <n>` after each store returns
//!   (after a flush too for [`Durability::Flushed`]); the parent SIGKILLs it mid-way,
//!   reopens, and checks that every acknowledged lease is there, that every batch is
//!   there whole or not at all, and that every record decodes and the index matches.
//!
//! The checks panic with a message on failure, like assertions.

use crate::provider::{
    now_millis, AddressableLease, AddressableReference, LeaseError, LeaseResult, NodeId, NodeInfo, NodeStatus,
    ProviderHealth,
};
use crate::registry::LeaseBackend;
pub use cas::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub mod cas;

/// The variable naming the directory of a crash-recovery child.
pub const CRASH_DIR_ENV: &str = "ORBIT_LEASE_CRASH_CHILD_DIR";

/// What a backend promises to keep across the end of its process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Nothing (memory without backup): the reopen and crash checks are skipped.
    None,
    /// Every batch whose write returned (a write-ahead log).
    Applied,
    /// What the last flush wrote (memory with a backup): the crash child flushes before
    /// each acknowledgement.
    Flushed,
}

/// Opens a backend in a directory (the same directory again to reopen it).
pub type Opener = fn(&Path) -> LeaseResult<LeaseBackend>;

/// A directory removed when dropped.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(label: &str) -> ScratchDir {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("orbit-leases-{label}-{}-{n}-{}", std::process::id(), now_millis()));
        std::fs::create_dir_all(&path).expect("create a scratch directory");
        ScratchDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A lease that expires at `expires_at`.
pub fn lease(ty: &str, key: &str, node: &str, expires_at: i64) -> AddressableLease {
    AddressableLease {
        reference: AddressableReference::new(ty, key),
        node_id: NodeId::new(node),
        activation_id: 1,
        created_at: 1_000,
        expires_at,
    }
}

/// An active node whose lease ends at `lease_expires_at`.
pub fn node(id: &str, lease_expires_at: i64) -> NodeInfo {
    NodeInfo {
        node_id: NodeId::new(id),
        address: format!("127.0.0.1:{}", 7000 + id.len()),
        status: NodeStatus::Active,
        capabilities: vec!["shard".into()],
        started_at: 1_000,
        lease_expires_at,
    }
}

const FAR: i64 = i64::MAX / 2;

fn sorted_refs(leases: Vec<AddressableLease>) -> Vec<String> {
    let mut refs: Vec<String> = leases.into_iter().map(|l| l.reference.to_string()).collect();
    refs.sort();
    refs
}

/// Every lease appears under exactly its node, the index has no stray entry.
pub async fn assert_index_consistent(b: &LeaseBackend) {
    let problems = b.directory.index_problems().expect("index check");
    assert!(problems.is_empty(), "index problems: {problems:?}");
    let all = b.addressable.list_all_leases().await.expect("list all");
    let nodes: BTreeSet<NodeId> = all.iter().map(|l| l.node_id.clone()).collect();
    let mut listed = 0;
    for node in &nodes {
        for l in b.addressable.list_node_leases(node).await.expect("list node") {
            assert_eq!(&l.node_id, node, "{} listed under {node}", l.reference);
            listed += 1;
        }
    }
    assert_eq!(listed, all.len(), "leases listed by node vs all leases");
}

pub async fn lease_lifecycle(b: LeaseBackend) {
    let d = &b.addressable;
    let l = lease("shard", "a", "n1", FAR);
    assert_eq!(d.get_lease(&l.reference).await.expect("get"), None);
    d.store_lease(&l).await.expect("store");
    assert_eq!(d.get_lease(&l.reference).await.expect("get"), Some(l.clone()));
    let renewed = AddressableLease { expires_at: FAR - 1, activation_id: 2, ..l.clone() };
    d.update_lease(&renewed).await.expect("update");
    assert_eq!(d.get_lease(&l.reference).await.expect("get"), Some(renewed.clone()));
    d.store_lease(&l).await.expect("store again replaces");
    assert_eq!(d.get_lease(&l.reference).await.expect("get"), Some(l.clone()));
    assert!(d.remove_lease(&l.reference).await.expect("remove"));
    assert!(!d.remove_lease(&l.reference).await.expect("remove again"));
    assert_eq!(d.get_lease(&l.reference).await.expect("get"), None);
    assert!(d.list_all_leases().await.expect("list").is_empty());
    // Keys with separators, NULs and non-ASCII text stay apart.
    let odd = [lease("a", "b:c", "n", FAR), lease("a:b", "c", "n", FAR), lease("a\0", "\0é", "n\0", FAR)];
    d.store_leases_bulk(&odd).await.expect("bulk");
    for l in &odd {
        assert_eq!(d.get_lease(&l.reference).await.expect("get"), Some(l.clone()));
    }
    assert_index_consistent(&b).await;
}

pub async fn update_missing_is_not_found(b: LeaseBackend) {
    let l = lease("shard", "missing", "n1", FAR);
    let before = b.directory.metrics().await.error_count;
    assert_eq!(b.addressable.update_lease(&l).await, Err(LeaseError::NotFound(l.reference.clone())));
    assert_eq!(b.addressable.get_lease(&l.reference).await.expect("get"), None, "update must not insert");
    assert!(b.directory.metrics().await.error_count > before);
    let n = node("ghost", FAR);
    assert_eq!(b.cluster.update_node(&n).await, Err(LeaseError::NodeNotFound(n.node_id.clone())));
    assert_eq!(b.cluster.renew_node_lease(&n.node_id, 5).await, Err(LeaseError::NodeNotFound(n.node_id.clone())));
    assert_eq!(b.cluster.get_node(&n.node_id).await.expect("get"), None);
}

pub async fn expiry_cleanup(b: LeaseBackend) {
    let d = &b.addressable;
    d.store_leases_bulk(&[
        lease("t", "old", "n1", 10),
        lease("t", "edge", "n2", 50),
        lease("t", "new", "n1", 51),
        lease("t", "far", "n2", FAR),
    ])
    .await
    .expect("bulk");
    assert_eq!(d.cleanup_expired_leases(50).await.expect("cleanup"), 2);
    assert_eq!(sorted_refs(d.list_all_leases().await.expect("list")), vec!["t:far", "t:new"]);
    assert_eq!(d.cleanup_expired_leases(50).await.expect("cleanup again"), 0);
    assert_eq!(sorted_refs(d.list_node_leases(&NodeId::new("n2")).await.expect("n2")), vec!["t:far"]);
    assert_index_consistent(&b).await;
}

pub async fn listing_by_node(b: LeaseBackend) {
    let d = &b.addressable;
    d.store_leases_bulk(&[
        lease("shard", "a", "n1", FAR),
        lease("shard", "b", "n2", FAR),
        lease("sys", "a", "n1", FAR),
        lease("shard", "c", "n10", FAR),
    ])
    .await
    .expect("bulk");
    assert_eq!(sorted_refs(d.list_node_leases(&NodeId::new("n1")).await.expect("n1")), vec!["shard:a", "sys:a"]);
    assert_eq!(sorted_refs(d.list_node_leases(&NodeId::new("n10")).await.expect("n10")), vec!["shard:c"]);
    assert!(d.list_node_leases(&NodeId::new("n3")).await.expect("n3").is_empty());
    assert!(d.list_node_leases(&NodeId::new("n")).await.expect("n").is_empty(), "node prefixes do not match");
    // A lease moving node moves its index entry, by update and by store.
    d.update_lease(&lease("shard", "a", "n2", FAR)).await.expect("move by update");
    d.store_lease(&lease("sys", "a", "n3", FAR)).await.expect("move by store");
    assert!(d.list_node_leases(&NodeId::new("n1")).await.expect("n1").is_empty());
    assert_eq!(sorted_refs(d.list_node_leases(&NodeId::new("n2")).await.expect("n2")), vec!["shard:a", "shard:b"]);
    assert_eq!(sorted_refs(d.list_node_leases(&NodeId::new("n3")).await.expect("n3")), vec!["sys:a"]);
    assert_eq!(d.list_all_leases().await.expect("all").len(), 4);
    assert_index_consistent(&b).await;
}

pub async fn bulk_operations(b: LeaseBackend) {
    let d = &b.addressable;
    let leases: Vec<AddressableLease> =
        (0..250).map(|i| lease("bulk", &format!("k{i:04}"), &format!("n{}", i % 5), FAR)).collect();
    d.store_leases_bulk(&leases).await.expect("bulk store");
    assert_eq!(d.list_all_leases().await.expect("all").len(), 250);
    assert_eq!(d.list_node_leases(&NodeId::new("n0")).await.expect("n0").len(), 50);
    // The same lease twice in one bulk: the later one wins, one index entry.
    d.store_leases_bulk(&[lease("bulk", "k0000", "n1", FAR), lease("bulk", "k0000", "n2", FAR)])
        .await
        .expect("bulk twice");
    assert_eq!(
        d.get_lease(&AddressableReference::new("bulk", "k0000")).await.expect("get").map(|l| l.node_id),
        Some(NodeId::new("n2"))
    );
    let mut refs: Vec<AddressableReference> = leases.iter().take(100).map(|l| l.reference.clone()).collect();
    refs.push(AddressableReference::new("bulk", "missing"));
    refs.push(leases[0].reference.clone());
    assert_eq!(d.remove_leases_bulk(&refs).await.expect("bulk remove"), 100, "only existing leases count, once");
    assert_eq!(d.list_all_leases().await.expect("all").len(), 150);
    assert_eq!(d.remove_leases_bulk(&[]).await.expect("empty"), 0);
    d.store_leases_bulk(&[]).await.expect("empty store");
    assert_index_consistent(&b).await;
}

pub async fn transactions(b: LeaseBackend) {
    let d = &b.directory;
    b.addressable.store_lease(&lease("t", "gone", "n1", FAR)).await.expect("store");
    let mut txn = d.begin_transaction().await.expect("begin");
    txn.store_lease(lease("t", "a", "n1", FAR))
        .store_lease(lease("t", "b", "n1", FAR))
        .store_lease(lease("t", "a", "n2", FAR))
        .remove_lease(AddressableReference::new("t", "gone"))
        .store_node(node("n1", FAR))
        .store_node(node("n2", FAR))
        .remove_node(NodeId::new("n2"));
    d.commit_transaction(txn).await.expect("commit");
    assert_eq!(sorted_refs(b.addressable.list_all_leases().await.expect("all")), vec!["t:a", "t:b"]);
    assert_eq!(sorted_refs(b.addressable.list_node_leases(&NodeId::new("n2")).await.expect("n2")), vec!["t:a"]);
    let nodes: Vec<NodeId> = b.cluster.list_all_nodes().await.expect("nodes").into_iter().map(|n| n.node_id).collect();
    assert_eq!(nodes, vec![NodeId::new("n1")]);

    let mut txn = d.begin_transaction().await.expect("begin");
    txn.store_lease(lease("t", "c", "n1", FAR)).remove_lease(AddressableReference::new("t", "a"));
    d.rollback_transaction(txn).await.expect("rollback");
    assert_eq!(sorted_refs(b.addressable.list_all_leases().await.expect("all")), vec!["t:a", "t:b"]);
    d.commit_transaction(Default::default()).await.expect("empty commit");
    assert_index_consistent(&b).await;
}

pub async fn cluster_nodes(b: LeaseBackend) {
    let c = &b.cluster;
    let now = 1_000_000;
    c.store_node(&node("a", now + 100)).await.expect("store a");
    c.store_node(&node("b", now - 1)).await.expect("store b");
    c.store_node(&NodeInfo { status: NodeStatus::Draining, ..node("c", now + 100) }).await.expect("store c");
    assert_eq!(c.get_node(&NodeId::new("a")).await.expect("get"), Some(node("a", now + 100)));
    let active: Vec<NodeId> = c.list_active_nodes(now).await.expect("active").into_iter().map(|n| n.node_id).collect();
    assert_eq!(active, vec![NodeId::new("a")]);
    assert_eq!(c.list_all_nodes().await.expect("all").len(), 3);

    let updated = NodeInfo { address: "10.0.0.1:1".into(), ..node("a", now + 100) };
    c.update_node(&updated).await.expect("update");
    assert_eq!(c.get_node(&updated.node_id).await.expect("get"), Some(updated.clone()));
    c.renew_node_lease(&NodeId::new("b"), now + 500).await.expect("renew");
    assert_eq!(c.get_node(&NodeId::new("b")).await.expect("get").map(|n| n.lease_expires_at), Some(now + 500));
    assert_eq!(c.list_active_nodes(now).await.expect("active").len(), 2);

    assert_eq!(c.cleanup_expired_nodes(now + 100).await.expect("cleanup"), 2, "a and c expire at now + 100");
    assert_eq!(c.list_all_nodes().await.expect("all").len(), 1);
    assert!(c.remove_node(&NodeId::new("b")).await.expect("remove"));
    assert!(!c.remove_node(&NodeId::new("b")).await.expect("remove again"));
    assert!(c.list_all_nodes().await.expect("all").is_empty());
    // Nodes and leases are apart: no node record shows up as a lease or the other way.
    assert!(b.addressable.list_all_leases().await.expect("leases").is_empty());
}

/// Several tasks on a multi-threaded runtime store, move, update and remove leases of
/// overlapping keys; afterwards the index matches the leases exactly.
pub async fn concurrent_writers(b: LeaseBackend) {
    let tasks = 8;
    let rounds = 150;
    let mut handles = Vec::new();
    for t in 0..tasks {
        let d = b.addressable.clone();
        handles.push(tokio::spawn(async move {
            let mut seed: u64 = 0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1);
            let mut next = move || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            for i in 0..rounds {
                let r = next();
                let shared = format!("shared{}", r % 16);
                let own = format!("own{t}-{i}");
                let node = format!("n{}", (r >> 8) % 4);
                match (r >> 16) % 6 {
                    0 | 1 => d.store_lease(&lease("c", &shared, &node, FAR)).await.expect("store shared"),
                    2 => match d.update_lease(&lease("c", &shared, &node, FAR)).await {
                        Ok(()) | Err(LeaseError::NotFound(_)) => {}
                        Err(e) => panic!("update: {e}"),
                    },
                    3 => {
                        d.remove_lease(&AddressableReference::new("c", shared)).await.expect("remove");
                    }
                    4 => d
                        .store_leases_bulk(&[lease("c", &own, &node, FAR), lease("c", &shared, &node, FAR)])
                        .await
                        .expect("bulk"),
                    _ => d.store_lease(&lease("c", &own, &node, FAR)).await.expect("store own"),
                }
                if i % 16 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    for h in handles {
        h.await.expect("writer task");
    }
    assert_index_consistent(&b).await;
    let all = b.addressable.list_all_leases().await.expect("all");
    let unique: BTreeSet<String> = all.iter().map(|l| l.reference.to_string()).collect();
    assert_eq!(unique.len(), all.len(), "a lease listed twice");
}

pub async fn metrics_and_health(b: LeaseBackend) {
    assert!(!matches!(b.directory.health_check().await, ProviderHealth::Unhealthy { .. }));
    let before = b.directory.metrics().await;
    b.addressable.store_lease(&lease("m", "a", "n", FAR)).await.expect("store");
    b.addressable.get_lease(&AddressableReference::new("m", "a")).await.expect("get");
    b.addressable.remove_lease(&AddressableReference::new("m", "a")).await.expect("remove");
    let after = b.directory.metrics().await;
    assert!(after.write_operations > before.write_operations);
    assert!(after.read_operations > before.read_operations);
    assert!(after.delete_operations > before.delete_operations);
    assert!(after.write_latency_avg_us > 0.0 && after.write_latency_p95_us > 0.0);
    assert!(after.read_latency_p95_us > 0.0 && after.delete_latency_p95_us > 0.0);
    b.directory.initialize().await.expect("initialize");
    b.directory.shutdown().await.expect("shutdown flushes");
}

/// Stores leases and nodes, drops the backend, reopens it from the same directory and
/// finds everything.
pub async fn reopening(open: Opener, dir: &Path, durability: Durability) {
    if durability == Durability::None {
        return;
    }
    let leases: Vec<AddressableLease> =
        (0..300).map(|i| lease("re", &format!("k{i:03}"), &format!("n{}", i % 3), FAR - i)).collect();
    {
        let b = open(dir).expect("open");
        b.addressable.store_leases_bulk(&leases[..200]).await.expect("bulk");
        for l in &leases[200..] {
            b.addressable.store_lease(l).await.expect("store");
        }
        b.addressable.remove_lease(&leases[0].reference).await.expect("remove");
        b.addressable.update_lease(&lease("re", "k001", "n9", 5)).await.expect("move");
        b.cluster.store_node(&node("n1", FAR)).await.expect("node");
        if durability == Durability::Flushed {
            b.directory.shutdown().await.expect("shutdown");
        }
    }
    for round in 0..2 {
        let b = open(dir).unwrap_or_else(|e| panic!("reopen {round}: {e}"));
        let all = b.addressable.list_all_leases().await.expect("all");
        assert_eq!(all.len(), 299, "round {round}");
        assert_eq!(b.addressable.get_lease(&leases[0].reference).await.expect("get"), None);
        assert_eq!(b.addressable.get_lease(&leases[299].reference).await.expect("get"), Some(leases[299].clone()));
        assert_eq!(sorted_refs(b.addressable.list_node_leases(&NodeId::new("n9")).await.expect("n9")), vec!["re:k001"]);
        assert_eq!(b.cluster.get_node(&NodeId::new("n1")).await.expect("node"), Some(node("n1", FAR)));
        assert_index_consistent(&b).await;
        b.directory.shutdown().await.expect("shutdown");
    }
}

/// The lease the crash child stores as number `i` (batches: `i` and the next three).
fn crash_lease(i: u64) -> AddressableLease {
    AddressableLease {
        reference: AddressableReference::new("crash", format!("lease-{i:06}-{}", "x".repeat(64))),
        node_id: NodeId::new(format!("node-{}", i % 3)),
        activation_id: i,
        created_at: i as i64,
        expires_at: FAR,
    }
}

const CRASH_BATCH: u64 = 4;

/// The crash-recovery check; `test_path` is the test's full path (`module_path!()` plus
/// its name), which the child is run with.
pub fn crash_recovery(test_path: &str, open: Opener, durability: Durability) {
    if durability == Durability::None {
        return;
    }
    if let Some(dir) = std::env::var_os(CRASH_DIR_ENV) {
        crash_child(open, Path::new(&dir), durability);
        return;
    }
    let scratch = ScratchDir::new("crash");
    let exact = test_path.split_once("::").map_or(test_path, |(_, rest)| rest);
    let exe = std::env::current_exe().expect("the test binary");
    let mut child = Command::new(exe)
        .args(["--exact", exact, "--nocapture", "--test-threads=1"])
        .env(CRASH_DIR_ENV, scratch.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the crash child");
    let stdout = child.stdout.take().expect("child stdout");
    // Kill after a number of acknowledgements that varies from run to run.
    let target = 150 + (now_millis().unsigned_abs() % 150);
    let mut acked: Vec<u64> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(n) = line.strip_prefix("ACK ") {
            acked.push(n.trim().parse().expect("ack number"));
            if acked.len() as u64 >= target || Instant::now() > deadline {
                break;
            }
        }
    }
    child.kill().expect("SIGKILL the child");
    let status = child.wait().expect("reap the child");
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    assert!(
        acked.len() as u64 >= target,
        "the child acknowledged only {} leases ({status}); stderr:\n{stderr}",
        acked.len()
    );

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let b = open(scratch.path()).unwrap_or_else(|e| panic!("reopen after SIGKILL: {e}"));
        let all = b.addressable.list_all_leases().await.unwrap_or_else(|e| panic!("a record does not decode: {e}"));
        let present: BTreeMap<u64, AddressableLease> = all.into_iter().map(|l| (l.activation_id, l)).collect();
        for i in &acked {
            let want = crash_lease(*i);
            assert_eq!(present.get(i), Some(&want), "acknowledged lease {i} lost or changed");
        }
        for (i, l) in &present {
            assert_eq!(l, &crash_lease(*i), "lease {i} is not what was written");
        }
        // Batches are whole or absent: ids from 1_000_000 up are written four at a time.
        let batched: BTreeSet<u64> = present.keys().copied().filter(|i| *i >= 1_000_000).collect();
        for i in &batched {
            let first = i - (i - 1_000_000) % CRASH_BATCH;
            for j in first..first + CRASH_BATCH {
                assert!(batched.contains(&j), "batch starting at {first} is torn: {j} missing");
            }
        }
        assert!(batched.iter().any(|i| acked.contains(i)), "no batch was acknowledged");
        assert_index_consistent(&b).await;
        assert!(b.cluster.get_node(&NodeId::new("crash-writer")).await.expect("node").is_some());
        b.directory.shutdown().await.expect("shutdown");
    });
}

/// The child side: store leases until killed, acknowledging each.
fn crash_child(open: Opener, dir: &Path, durability: Durability) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let b = open(dir).expect("child: open");
        b.cluster.store_node(&node("crash-writer", FAR)).await.expect("child: node");
        let ack = |ids: &[u64]| {
            if durability == Durability::Flushed {
                b.directory.flush().expect("child: flush");
            }
            for i in ids {
                println!("ACK {i}");
            }
        };
        let mut single = 0u64;
        let mut batch = 1_000_000u64;
        for round in 0..1_000_000u64 {
            if round % 2 == 0 {
                b.addressable.store_lease(&crash_lease(single)).await.expect("child: store");
                ack(&[single]);
                single += 1;
            } else {
                let leases: Vec<AddressableLease> = (batch..batch + CRASH_BATCH).map(crash_lease).collect();
                b.addressable.store_leases_bulk(&leases).await.expect("child: bulk");
                ack(&(batch..batch + CRASH_BATCH).collect::<Vec<_>>());
                batch += CRASH_BATCH;
            }
        }
    });
    // Never reached in a normal run: the parent kills the child long before.
    std::process::exit(0);
}

/// What a backend whose tests need a server passes as `$available`: `Err(why)` when the
/// server is not installed (the tests then print a loud skip and return).
pub type Availability = fn() -> Result<(), String>;

/// The `$available` of backends that need nothing installed.
pub fn always_available() -> Result<(), String> {
    Ok(())
}

/// True when the test may run; prints the loud skip otherwise.
pub fn may_run(test: &str, available: Availability) -> bool {
    match available() {
        Ok(()) => true,
        Err(why) => {
            eprintln!("\n*** SKIPPED: {test}: {why} ***\n");
            false
        }
    }
}

/// One test per check for a backend. `$open` is a `fn(&Path) -> LeaseResult<LeaseBackend>`
/// opening the backend in a directory, `$durability` a [`Durability`], and the optional
/// `$available` an [`Availability`] (for backends tested against a server that the test
/// command installs: a missing server is a loud skip, not a failure).
#[macro_export]
macro_rules! lease_conformance_tests {
    ($open:expr, $durability:expr) => {
        $crate::lease_conformance_tests!($open, $durability, $crate::conformance::always_available);
    };
    ($open:expr, $durability:expr, $available:expr) => {
        $crate::lease_conformance_tests!(@each $open, $available;
            lease_lifecycle, update_missing_is_not_found, expiry_cleanup, listing_by_node,
            bulk_operations, transactions, cluster_nodes, concurrent_writers, metrics_and_health,
            acquire_race, take_over_after_expiry, stale_version_rejected, renew_by_non_owner_rejected,
            release_by_non_owner_rejected, listing_after_take_over);

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn reopening() {
            if !$crate::conformance::may_run(concat!(module_path!(), "::reopening"), $available) {
                return;
            }
            let dir = $crate::conformance::ScratchDir::new("reopen");
            $crate::conformance::reopening($open, dir.path(), $durability).await;
        }

        #[test]
        fn crash_recovery() {
            if !$crate::conformance::may_run(concat!(module_path!(), "::crash_recovery"), $available) {
                return;
            }
            $crate::conformance::crash_recovery(concat!(module_path!(), "::crash_recovery"), $open, $durability);
        }
    };
    (@each $open:expr, $available:expr; $($check:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                if !$crate::conformance::may_run(concat!(module_path!(), "::", stringify!($check)), $available) {
                    return;
                }
                let dir = $crate::conformance::ScratchDir::new(stringify!($check));
                let backend = ($open)(dir.path()).expect("open the backend");
                $crate::conformance::$check(backend).await;
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    //! The suite for each backend of this crate.

    use crate::config::BackendKind;
    use crate::memory::{BackupCompression, BackupConfig, MemoryConfig, MemoryStore};
    use crate::provider::LeaseResult;
    use crate::registry::{open_backend, LeaseBackend};
    use crate::Directory;
    use std::path::Path;

    mod memory {
        use super::*;

        fn open(_: &Path) -> LeaseResult<LeaseBackend> {
            Ok(LeaseBackend::new("memory", BackendKind::Memory, Directory::new_with_store(MemoryStore::new())))
        }

        crate::lease_conformance_tests!(open, crate::conformance::Durability::None);
    }

    mod memory_backup {
        use super::*;

        fn open(dir: &Path) -> LeaseResult<LeaseBackend> {
            let config = MemoryConfig {
                max_entries: 100_000,
                backup: Some(BackupConfig {
                    path: Some(dir.join("backup.zst")),
                    sync_interval_secs: 1,
                    compression: BackupCompression::Zstd,
                }),
            };
            Ok(LeaseBackend::new(
                "memory",
                BackendKind::Memory,
                Directory::new_with_store(MemoryStore::open(&config, dir)?),
            ))
        }

        crate::lease_conformance_tests!(open, crate::conformance::Durability::Flushed);
    }

    mod rocksdb {
        use super::*;

        fn open(dir: &Path) -> LeaseResult<LeaseBackend> {
            open_backend(BackendKind::RocksDb, dir)
        }

        crate::lease_conformance_tests!(open, crate::conformance::Durability::Applied);
    }

    mod cow_btree {
        use super::*;

        fn open(dir: &Path) -> LeaseResult<LeaseBackend> {
            open_backend(BackendKind::CowBTree, dir)
        }

        crate::lease_conformance_tests!(open, crate::conformance::Durability::Applied);
    }

    mod lsm_tree {
        use super::*;

        fn open(dir: &Path) -> LeaseResult<LeaseBackend> {
            open_backend(BackendKind::LsmTree, dir)
        }

        crate::lease_conformance_tests!(open, crate::conformance::Durability::Applied);
    }
}
