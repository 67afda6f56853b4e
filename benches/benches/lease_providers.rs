//! The lease workload on every local lease-directory backend, in one run on one
//! machine: store a lease per actor, renew each, read each back, list each node's
//! leases. Prints p50 / p99 latency per operation and throughput per phase as a
//! Markdown table, beside the figures the Orbit persistence documents claim.
//!
//! `cargo bench -p orbit-benches --bench lease_providers [-- LEASES]` (default 20,000
//! leases over 10 nodes). Each backend opens with its defaults in a fresh temporary
//! directory, as orbit-server would (writes reach the OS before they are acknowledged:
//! they survive kill -9 of the process; no fsync per write).

use orbit_leases::{open_backend, AddressableLease, AddressableReference, BackendKind, LeaseBackend, NodeId};
use std::time::{Duration, Instant};

const NODES: usize = 10;

/// What the persistence documents claim (write, read) per backend.
fn claimed(kind: BackendKind) -> (&'static str, &'static str) {
    match kind {
        BackendKind::CowBTree => ("5-20 us", "1-3 us"),
        BackendKind::LsmTree => ("10-50 us", "2-5 us"),
        BackendKind::RocksDb => ("10-50 us", "2-10 us"),
        _ => ("-", "-"),
    }
}

struct Phase {
    name: &'static str,
    latencies: Vec<Duration>,
    total: Duration,
}

impl Phase {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        if sorted.is_empty() {
            return 0.0;
        }
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index].as_secs_f64() * 1e6
    }

    fn ops_per_sec(&self) -> f64 {
        self.latencies.len() as f64 / self.total.as_secs_f64().max(1e-9)
    }
}

fn lease(i: usize, expires_at: i64) -> AddressableLease {
    AddressableLease {
        reference: AddressableReference::new("shard", format!("table-{:06}", i)),
        node_id: NodeId::new(format!("node-{}", i % NODES)),
        activation_id: i as u64,
        created_at: 1_700_000_000_000,
        expires_at,
    }
}

async fn timed<F, Fut>(name: &'static str, count: usize, mut op: F) -> Phase
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut latencies = Vec::with_capacity(count);
    let started = Instant::now();
    for i in 0..count {
        let t = Instant::now();
        op(i).await;
        latencies.push(t.elapsed());
    }
    Phase { name, latencies, total: started.elapsed() }
}

async fn workload(backend: &LeaseBackend, leases: usize) -> Vec<Phase> {
    let dir = backend.addressable.clone();
    let store = timed("store", leases, |i| {
        let dir = dir.clone();
        async move { dir.store_lease(&lease(i, 2_000_000_000_000)).await.expect("store") }
    })
    .await;
    let renew = timed("renew", leases, |i| {
        let dir = dir.clone();
        async move { dir.update_lease(&lease(i, 2_000_000_030_000)).await.expect("renew") }
    })
    .await;
    let get = timed("get", leases, |i| {
        let dir = dir.clone();
        async move {
            let found = dir.get_lease(&lease(i, 0).reference).await.expect("get");
            assert!(found.is_some(), "lease {i} is there");
        }
    })
    .await;
    let list = timed("list by node", NODES * 10, |i| {
        let dir = dir.clone();
        async move {
            let listed = dir.list_node_leases(&NodeId::new(format!("node-{}", i % NODES))).await.expect("list");
            assert_eq!(listed.len(), leases / NODES + usize::from(i % NODES < leases % NODES));
        }
    })
    .await;
    vec![store, renew, get, list]
}

fn main() {
    let leases: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    println!("Lease workload: {leases} leases over {NODES} nodes, one client, p50/p99 in microseconds\n");
    println!("| backend | operation | p50 us | p99 us | ops/s | documents claim |");
    println!("|---|---|---|---|---|---|");
    for kind in [BackendKind::Memory, BackendKind::CowBTree, BackendKind::LsmTree, BackendKind::RocksDb] {
        let dir = tempfile::tempdir().expect("temp dir");
        let backend = match open_backend(kind, dir.path()) {
            Ok(b) => b,
            Err(e) => {
                println!("| {} | cannot open: {e} | | | | |", kind.name());
                continue;
            }
        };
        let phases = runtime.block_on(workload(&backend, leases));
        let (write_claim, read_claim) = claimed(kind);
        for phase in &phases {
            let claim = match phase.name {
                "store" | "renew" => write_claim,
                "get" => read_claim,
                _ => "-",
            };
            println!(
                "| {} | {} | {:.1} | {:.1} | {:.0} | {} |",
                kind.name(),
                phase.name,
                phase.percentile(0.50),
                phase.percentile(0.99),
                phase.ops_per_sec(),
                claim
            );
        }
        backend.directory.flush().expect("flush");
    }
}
