//! Composite tests: the conformance checks over Composite(memory, memory) (and
//! Composite(redis, memory) with the redis feature, against a real redis-server),
//! settings errors, and racing mirrors of one key. The failover tests against real servers
//! are in `tests_failover`.

use super::settings::CompositeSettings;
use super::CompositeDirectory;
use crate::config::BackendKind;
use crate::directory::Directory;
use crate::memory::MemoryStore;
use crate::provider::LeaseResult;
use crate::registry::LeaseBackend;
use std::path::Path;
use std::sync::Arc;

fn settings() -> CompositeSettings {
    let table = serde_json::json!({"primary": "p", "backup": "b"});
    CompositeSettings::from_table("c", table.as_object().expect("table")).expect("settings")
}

fn memory(name: &str) -> LeaseBackend {
    LeaseBackend::new(name, BackendKind::Memory, Directory::new_with_store(MemoryStore::new()))
}

fn open_memory_pair(_dir: &Path) -> LeaseResult<LeaseBackend> {
    let c = CompositeDirectory::new(memory("p"), memory("b"), &settings());
    Ok(LeaseBackend::from_directory("c", BackendKind::Composite, Arc::new(c)))
}

mod memory_pair {
    crate::lease_conformance_tests!(super::open_memory_pair, crate::conformance::Durability::None);
}

#[cfg(feature = "redis")]
fn open_redis_memory(dir: &Path) -> LeaseResult<LeaseBackend> {
    let primary = crate::remote::redis::tests::open_redis(dir)?;
    let c = CompositeDirectory::new(primary, memory("b"), &settings());
    Ok(LeaseBackend::from_directory("c", BackendKind::Composite, Arc::new(c)))
}

#[cfg(feature = "redis")]
mod redis_memory {
    crate::lease_conformance_tests!(super::open_redis_memory, crate::conformance::Durability::None);
}

#[test]
fn bad_settings_name_the_field() {
    for (value, want) in [
        (serde_json::json!({"backup": "b"}), "providers.c.primary: missing"),
        (serde_json::json!({"primary": "p", "backup": 3}), "providers.c.backup:"),
        (serde_json::json!({"primary": "p", "backup": "b", "mode": "eager"}), "providers.c.mode:"),
        (
            serde_json::json!({"primary": "p", "backup": "b", "failover_threshold": 0}),
            "providers.c.failover_threshold:",
        ),
        (serde_json::json!({"primary": "p", "backup": "b", "mirror": 1}), "providers.c.mirror: unknown field"),
    ] {
        let e = CompositeSettings::from_table("c", value.as_object().expect("table")).expect_err("refused");
        assert!(e.to_string().contains(want), "{value}: {e}");
    }
}

/// Writers racing on one key, each mirroring its write by a copy: once they are done the
/// backup holds the primary's last state (a slow copy never lands after a newer one).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_mirrors_leave_the_primarys_last_state_on_the_backup() {
    use crate::conformance::lease;
    for round in 0..20 {
        let (p, b) = (memory("p"), memory("b"));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (p, b) = (p.clone(), b.clone());
                tokio::spawn(async move {
                    for i in 0..25 {
                        let l = lease("m", "k", &format!("n{w}"), 1_000 + i);
                        let seen = p.addressable.get_versioned_lease(&l.reference).await.expect("read");
                        p.addressable.try_acquire(&l, seen.as_ref().map(|v| &v.version)).await.expect("write");
                        super::mirror::copy_key(p.clone(), b.clone(), l.reference.clone()).await.expect("copy");
                    }
                })
            })
            .collect();
        for w in writers {
            w.await.expect("writer");
        }
        let r = crate::provider::AddressableReference::new("m", "k");
        let (on_primary, on_backup) =
            (p.addressable.get_lease(&r).await.expect("primary"), b.addressable.get_lease(&r).await.expect("backup"));
        assert_eq!(on_primary, on_backup, "round {round}");
    }
}
