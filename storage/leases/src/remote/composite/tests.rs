//! Composite tests: the conformance checks over Composite(memory, memory) (and
//! Composite(redis, memory) with the redis feature, against a real redis-server), and
//! settings errors.

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
