//! Tests of the Flash backend on several paths: mirror mode with a failing path
//! (degraded, acknowledged per the write quorum, resilvered when it returns, at open and
//! on request) and stripe mode (round trip, compaction, reopen).

use super::tests::{settings_of, store_in, DiskDir};
use super::*;
use crate::conformance::lease;
use crate::provider::{AddressableLease, ProviderHealth};
use crate::store::RecordStore;

const FAR: i64 = i64::MAX / 2;

fn backend_of(dir: &Arc<Directory<FlashStore>>) -> LeaseBackend {
    LeaseBackend::from_directory("flash", BackendKind::Flash, dir.clone())
}

fn open_dir(root: &Path, json: serde_json::Value) -> Arc<Directory<FlashStore>> {
    open_directory("flash", &settings_of(json), root).expect("open the flash directory")
}

fn leases(range: std::ops::Range<u32>) -> Vec<AddressableLease> {
    range.map(|i| lease("m", &format!("k{i:04}"), &format!("n{}", i % 3), FAR)).collect()
}

async fn assert_holds(root: &Path, json: serde_json::Value, want: &[AddressableLease]) {
    let dir = open_dir(root, json);
    let b = backend_of(&dir);
    let mut all = b.addressable.list_all_leases().await.expect("list");
    all.sort_by(|x, y| x.reference.to_string().cmp(&y.reference.to_string()));
    assert_eq!(all, want);
    assert!(b.directory.index_problems().expect("index").is_empty());
}

#[tokio::test]
async fn a_mirror_path_that_fails_is_degraded_writes_go_on_with_quorum_one_and_it_is_resilvered() {
    let root = DiskDir::new("mirror-w1");
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    let json = serde_json::json!({"paths": [a, b], "write_quorum": 1, "resilver_interval_secs": 0});
    let all = leases(0..40);
    {
        let dir = open_dir(root.path(), json.clone());
        let backend = backend_of(&dir);
        backend.addressable.store_leases_bulk(&all[..10]).await.expect("bulk");
        assert_eq!(backend.directory.health_check().await, ProviderHealth::Healthy);
        std::fs::remove_dir_all(&b).expect("remove path b");
        for l in &all[10..20] {
            backend.addressable.store_lease(l).await.expect("acknowledged by one of two paths");
        }
        match backend.directory.health_check().await {
            ProviderHealth::Degraded { reason } => assert!(reason.contains(&b.display().to_string()), "{reason}"),
            other => panic!("expected Degraded, got {other:?}"),
        }
        assert_eq!(dir.store().resilver_degraded(), 0, "b is not back yet");
        std::fs::create_dir(&b).expect("path b returns");
        assert_eq!(dir.store().resilver_degraded(), 1);
        assert_eq!(backend.directory.health_check().await, ProviderHealth::Healthy);
        for l in &all[20..40] {
            backend.addressable.store_lease(l).await.expect("store");
        }
    }
    // Each path alone holds every acknowledged lease.
    assert_holds(root.path(), serde_json::json!({"paths": [b]}), &all).await;
    assert_holds(root.path(), serde_json::json!({"paths": [a]}), &all).await;
}

#[tokio::test]
async fn with_a_quorum_of_all_paths_a_write_fails_while_a_path_is_down() {
    let root = DiskDir::new("mirror-w2");
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    let json = serde_json::json!({"paths": [a, b], "resilver_interval_secs": 0});
    let all = leases(0..12);
    {
        let dir = open_dir(root.path(), json.clone());
        let backend = backend_of(&dir);
        backend.addressable.store_leases_bulk(&all[..5]).await.expect("bulk");
        std::fs::remove_dir_all(&b).expect("remove path b");
        // The first write finds out (its log lost its name) and is not acknowledged;
        // later ones are refused before writing.
        let lost = lease("m", "never", "n0", FAR);
        assert!(backend.addressable.store_lease(&lost).await.is_err(), "W = 2 of 2 with b gone");
        assert!(backend.addressable.store_lease(&lost).await.is_err());
        assert!(matches!(backend.directory.health_check().await, ProviderHealth::Unhealthy { .. }));
        assert_eq!(backend.addressable.get_lease(&lost.reference).await.expect("get"), None);
        std::fs::create_dir(&b).expect("path b returns");
        assert_eq!(dir.store().resilver_degraded(), 1);
        backend.addressable.store_leases_bulk(&all[5..]).await.expect("writes resume");
    }
    assert_holds(root.path(), serde_json::json!({"paths": [b]}), &all).await;
    assert_holds(root.path(), json, &all).await;
}

#[tokio::test]
async fn a_mirror_path_that_lost_its_files_is_resilvered_at_open() {
    let root = DiskDir::new("mirror-open");
    let (a, b, c) = (root.path().join("a"), root.path().join("b"), root.path().join("c"));
    let json = serde_json::json!({"paths": [a, b, c], "write_quorum": 2});
    let all = leases(0..30);
    {
        let dir = open_dir(root.path(), json.clone());
        backend_of(&dir).addressable.store_leases_bulk(&all).await.expect("bulk");
    }
    std::fs::remove_dir_all(&c).expect("c loses everything");
    {
        let dir = open_dir(root.path(), json.clone());
        assert!(
            dir.store().path_states().iter().all(|(_, degraded)| degraded.is_none()),
            "{:?}",
            dir.store().path_states()
        );
    }
    assert_holds(root.path(), serde_json::json!({"paths": [c]}), &all).await;
}

#[tokio::test]
async fn stripe_mode_spreads_slots_over_the_paths_and_round_trips() {
    let root = DiskDir::new("stripe");
    let paths: Vec<_> = (0..3).map(|i| root.path().join(format!("s{i}"))).collect();
    let json = serde_json::json!({"paths": paths, "mode": "stripe", "capacity_mb": 1});
    let all = leases(0..200);
    let generation = {
        let dir = open_dir(root.path(), json.clone());
        let backend = backend_of(&dir);
        backend.addressable.store_leases_bulk(&all[..50]).await.expect("bulk");
        for l in &all[50..] {
            backend.addressable.store_lease(l).await.expect("store");
        }
        // Renewals overwrite the same keys until the 3 x 256 slots fill and compaction runs.
        for round in 0..5i64 {
            for l in &all[..150] {
                let renewed = AddressableLease { expires_at: FAR - round, ..l.clone() };
                backend.addressable.update_lease(&renewed).await.expect("update");
            }
        }
        assert_eq!(backend.directory.health_check().await, ProviderHealth::Healthy);
        dir.store().generation()
    };
    assert!(generation > 1, "the striped log was compacted");
    for p in &paths {
        let log = superblock::log_path(p, generation);
        let file = aligned::open_direct(&log, false).expect("each path has its part of the log");
        let mut buf = aligned::AlignedBuf::zeroed(4096).expect("buffer");
        aligned::read_at(&file, buf.as_mut_slice(), 0).expect("read");
        assert!(slot::parse_slot(buf.as_slice(), generation).is_some(), "{} holds slots", p.display());
    }
    let want: Vec<AddressableLease> = all
        .iter()
        .enumerate()
        .map(|(i, l)| AddressableLease { expires_at: if i < 150 { FAR - 4 } else { FAR }, ..l.clone() })
        .collect();
    assert_holds(root.path(), json.clone(), &want).await;
    // A stripe member missing is an error, not an empty directory.
    std::fs::remove_dir_all(&paths[1]).expect("remove one stripe");
    assert!(open_directory("flash", &settings_of(json), root.path()).is_err());
}

#[test]
fn a_store_reopened_with_other_slot_sizes_or_mode_is_refused_naming_the_field() {
    let root = DiskDir::new("layout");
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    drop(store_in(root.path(), serde_json::json!({"paths": [a, b]})));
    let err =
        |json| match settings::parse("flash", &settings_of(json), root.path()).and_then(|s| open_store("flash", s)) {
            Err(e) => e.to_string(),
            Ok(store) => panic!("opened with {} records", store.scan_prefix(b"").map(|r| r.len()).unwrap_or(0)),
        };
    assert!(err(serde_json::json!({"paths": [a, b], "block_size": 8192})).contains("providers.flash.block_size"));
    assert!(err(serde_json::json!({"paths": [a, b], "mode": "stripe"})).contains("providers.flash.mode"));
}
