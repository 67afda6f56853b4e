//! Composite failover against real servers: the primary is the Redis backend on a
//! redis-server the test starts and SIGKILLs by pid; the backup is a cow_btree directory
//! in the test's scratch directory (or, for fast mode, a second redis-server).
//!
//! * a race of several nodes over a few short-lived keys across the kill, every grant
//!   recorded, no key ever held by two owners at overlapping times (strict mode), and
//!   fencing tokens growing per key across the failover;
//! * a backup with less history than the primary still gives larger fencing tokens;
//! * the quarantine: after the failover the backup refuses keys it does not know until
//!   `max_lease_ttl` + `skew_margin` has passed, then grants them; holders' primary
//!   versions are refused by the backup;
//! * no failback: the composite stays on the backup when the primary returns, and a
//!   restarted process reads the failover from the backup and stays there too;
//! * fast mode shown unsafe: a renewal the backup missed lets a second node take the key
//!   while its holder still holds it (the documented behaviour, not a safety claim).

use super::failover::MARKER_NODE;
use super::members::BACKUP_FENCING_BASE;
use super::settings::CompositeSettings;
use super::CompositeDirectory;
use crate::config::BackendKind;
use crate::conformance::{lease, ScratchDir};
use crate::provider::{
    acquire_lease, now_millis, AcquireOutcome, AddressableDirectoryProvider, AddressableLease, AddressableReference,
    ClusterNodeProvider, LeaseError, NodeId, PersistenceProvider, ProviderHealth, RenewOutcome, VersionedLease,
};
use crate::registry::{open_backend, LeaseBackend};
use crate::remote::redis::tests::{redis_server_binary, settings_for, start_redis_on};
use crate::remote::redis::RedisDirectory;
use crate::remote::testing::{free_port, skip, ServerProcess};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn have_server(what: &str) -> bool {
    if redis_server_binary().is_none() {
        skip(what, "redis-server is not installed (apt-get install -y redis-server)");
        return false;
    }
    true
}

/// A redis-server on a free port with its data in `<dir>/<name>-data` (restartable there).
struct Redis {
    server: ServerProcess,
    data: PathBuf,
    dir: PathBuf,
    name: String,
    runs: u32,
}

impl Redis {
    fn start(dir: &Path, name: &str) -> Redis {
        let data = dir.join(format!("{name}-data"));
        let mut last = String::new();
        for attempt in 0..5 {
            match start_redis_on(free_port(), &data, &dir.join(format!("{name}-run-{attempt}"))) {
                Ok(server) => return Redis { server, data, dir: dir.to_path_buf(), name: name.into(), runs: 5 },
                Err(e) => last = e,
            }
        }
        panic!("redis-server did not start: {last}");
    }

    fn port(&self) -> u16 {
        self.server.port
    }

    /// SIGKILL by pid (and reaped).
    fn kill(&mut self) {
        self.server.kill();
    }

    /// Starts the server again on its port from its data (the append-only file).
    fn restart(&mut self) {
        self.runs += 1;
        let run = self.dir.join(format!("{}-run-{}", self.name, self.runs));
        self.server = start_redis_on(self.server.port, &self.data, &run).expect("restart redis-server");
    }
}

/// Reads `reference` through `b`, whose first call after a server restart may fail on
/// its old connection.
async fn read_after_restart(b: &LeaseBackend, reference: &AddressableReference) -> Option<AddressableLease> {
    let mut last = None;
    for _ in 0..3 {
        match b.addressable.get_lease(reference).await {
            Ok(found) => return found,
            Err(e) => last = Some(e),
        }
    }
    panic!("reading {reference} after the restart: {last:?}");
}

fn redis_member(name: &str, port: u16) -> LeaseBackend {
    let directory = RedisDirectory::new(name, &settings_for(port)).expect("redis settings");
    LeaseBackend::from_directory(name, BackendKind::Redis, Arc::new(directory))
}

fn cow_btree(dir: &Path) -> LeaseBackend {
    open_backend(BackendKind::CowBTree, dir).expect("cow_btree backup")
}

fn settings(mode: &str, max_lease_ttl: f64, skew_margin: f64) -> CompositeSettings {
    let table = serde_json::json!({"primary": "p", "backup": "b", "mode": mode, "failover_threshold": 2,
        "failover_window": 10, "max_lease_ttl": max_lease_ttl, "skew_margin": skew_margin});
    CompositeSettings::from_table("c", table.as_object().expect("table")).expect("settings")
}

/// Calls the composite until its primary's errors make it fail over.
async fn drive_failover(c: &CompositeDirectory) {
    let probe = AddressableReference::new("probe", "failover");
    for _ in 0..10 {
        if c.failed_over() {
            return;
        }
        let _ = c.get_lease(&probe).await;
    }
    assert!(c.failed_over(), "the composite did not fail over after 10 errors of its primary");
}

fn acquired(outcome: AcquireOutcome) -> VersionedLease {
    match outcome {
        AcquireOutcome::Acquired(v) => v,
        other => panic!("expected Acquired, got {other:?}"),
    }
}

/// One activation as its node believed it: from the grant's answer until the last expiry
/// it was told (or until it started releasing).
#[derive(Debug, Clone)]
struct Grant {
    key: usize,
    owner: usize,
    token: u64,
    /// Order of the answers (a global counter).
    seq: u64,
    from_ms: i64,
    until_ms: i64,
    /// What happened to it (shown when the check fails).
    history: Vec<String>,
}

const NODES: usize = 4;
const KEYS: usize = 6;
const ACQUIRE_SKEW_MS: i64 = 20;

fn key_lease(key: usize, owner: usize, expires_at: i64) -> AddressableLease {
    lease("race", &format!("k{key}"), &format!("n{owner}"), expires_at)
}

/// One node: acquires, renews and releases random keys until `stop`.
async fn node(
    c: Arc<CompositeDirectory>,
    owner: usize,
    grants: Arc<Mutex<Vec<Grant>>>,
    seq: Arc<AtomicU64>,
    stop: Instant,
) -> (u64, u64) {
    let mut rng = 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(owner as u64 + 1);
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut held: HashMap<usize, (VersionedLease, usize)> = HashMap::new();
    let (mut calls, mut errors) = (0u64, 0u64);
    while Instant::now() < stop {
        let key = (next() % KEYS as u64) as usize;
        let now = now_millis();
        held.retain(|_, (v, _)| v.lease.expires_at > now);
        let ttl = 150 + (next() % 300) as i64;
        let release = next() % 4 == 0;
        calls += 1;
        match held.get(&key).cloned() {
            Some((v, at)) if release => {
                // Stops serving, then releases.
                held.remove(&key);
                {
                    let mut g = grants.lock();
                    g[at].until_ms = g[at].until_ms.min(now);
                    g[at].history.push(format!("released at {now} ({})", v.version));
                }
                if c.release_if_owner(&v.lease.reference, &v.version).await.is_err() {
                    errors += 1;
                }
            }
            Some((v, at)) => match c.renew_if_owner(&key_lease(key, owner, now + ttl), &v.version).await {
                Ok(RenewOutcome::Renewed(renewed)) => {
                    assert_eq!(renewed.fencing_token, v.fencing_token, "a renewal keeps the token");
                    {
                        let mut g = grants.lock();
                        // The holder serves until the expiry of its last renewal.
                        g[at].until_ms = renewed.lease.expires_at;
                        let (at_ms, version) = (now_millis(), &renewed.version);
                        g[at].history.push(format!("renewed at {at_ms} to {} ({version})", renewed.lease.expires_at));
                    }
                    held.insert(key, (renewed, at));
                }
                Ok(RenewOutcome::NotOwner(_)) => {
                    held.remove(&key);
                }
                Err(_) => errors += 1, // the old expiry still holds
            },
            None => match acquire_lease(&*c, &key_lease(key, owner, now + ttl), now, ACQUIRE_SKEW_MS).await {
                Ok(AcquireOutcome::Acquired(v)) => {
                    let at = {
                        let mut g = grants.lock();
                        g.push(Grant {
                            key,
                            owner,
                            token: v.fencing_token,
                            seq: seq.fetch_add(1, Ordering::SeqCst),
                            from_ms: now_millis(),
                            until_ms: v.lease.expires_at,
                            history: vec![format!("granted as {}", v.version)],
                        });
                        g.len() - 1
                    };
                    held.insert(key, (v, at));
                }
                Ok(AcquireOutcome::HeldBy(_)) => {}
                Err(_) => errors += 1,
            },
        }
        tokio::time::sleep(Duration::from_millis(3 + next() % 15)).await;
    }
    (calls, errors)
}

/// Runs the nodes (node `i` through `composites[i]`) for 3.2 s, SIGKILLs the primary's
/// server after 1.2 s, then checks the grants: per key, no two owners' activations
/// overlap in time, and fencing tokens grow in the order of the grants.
async fn race_across_a_kill(label: &str, composites: Vec<Arc<CompositeDirectory>>, primary_server: &mut Redis) {
    let grants = Arc::new(Mutex::new(Vec::new()));
    let seq = Arc::new(AtomicU64::new(0));
    let stop = Instant::now() + Duration::from_millis(3_200);
    let tasks: Vec<_> = composites
        .iter()
        .enumerate()
        .map(|(owner, c)| tokio::spawn(node(c.clone(), owner, grants.clone(), seq.clone(), stop)))
        .collect();
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let grants_before_kill = grants.lock().len();
    primary_server.kill();
    let (mut calls, mut errors) = (0, 0);
    for t in tasks {
        let (c, e) = t.await.expect("node task");
        calls += c;
        errors += e;
    }
    let grants = grants.lock().clone();
    assert!(composites.iter().all(|c| c.failed_over()), "the kill made every composite fail over");
    assert!(grants_before_kill > 0, "grants from the primary before the kill");
    let from_backup = grants.iter().filter(|g| g.token >= BACKUP_FENCING_BASE).count();
    assert!(from_backup > 0, "grants from the backup after the failover ({} grants, {calls} calls)", grants.len());

    for key in 0..KEYS {
        let mine: Vec<&Grant> = grants.iter().filter(|g| g.key == key).collect();
        for (i, a) in mine.iter().enumerate() {
            for b in &mine[i + 1..] {
                let overlap = a.owner != b.owner && a.from_ms < b.until_ms && b.from_ms < a.until_ms;
                assert!(!overlap, "{label}: key k{key} held by two owners at once: {a:?} and {b:?}");
            }
        }
        let mut ordered = mine.clone();
        ordered.sort_by_key(|g| g.seq);
        for pair in ordered.windows(2) {
            assert!(
                pair[1].token > pair[0].token,
                "{label}: key k{key}: token went backwards: {:?} then {:?}",
                pair[0],
                pair[1]
            );
        }
    }
    eprintln!(
        "{label}: {} grants ({} before the kill, {from_backup} from the backup) in {calls} calls \
         ({errors} answered an error)",
        grants.len(),
        grants_before_kill
    );
}

/// Several nodes of one process (one composite, a cow_btree backup) race on a few keys
/// with short TTLs while the primary's server is SIGKILLed: no key is ever held by two
/// owners at overlapping times, and fencing tokens grow per key across the failover.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn strict_mode_never_grants_a_key_twice_across_a_primary_kill() {
    if !have_server("composite failover race") {
        return;
    }
    let dir = ScratchDir::new("composite-race");
    let mut primary_server = Redis::start(dir.path(), "primary");
    let c = Arc::new(CompositeDirectory::new(
        redis_member("p", primary_server.port()),
        cow_btree(&dir.path().join("backup")),
        &settings("strict", 0.5, 0.25),
    ));
    race_across_a_kill("one process", vec![c; NODES], &mut primary_server).await;
}

/// The same race with every node its own process's composite (its own clients) over a
/// shared primary and a shared backup (a second redis-server): mirrors of one key from
/// different nodes race each other on the backup.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn strict_mode_nodes_with_their_own_composites_never_grant_a_key_twice() {
    if !have_server("composite failover race, one composite per node") {
        return;
    }
    let dir = ScratchDir::new("composite-race-nodes");
    let mut primary_server = Redis::start(dir.path(), "primary");
    let backup_server = Redis::start(dir.path(), "backup");
    let composites = (0..NODES)
        .map(|_| {
            Arc::new(CompositeDirectory::new(
                redis_member("p", primary_server.port()),
                redis_member("b", backup_server.port()),
                &settings("strict", 0.5, 0.25),
            ))
        })
        .collect();
    race_across_a_kill("one composite per node", composites, &mut primary_server).await;
}

/// A backup attached after the primary's history still serves larger fencing tokens than
/// the primary ever gave out (the backup's own counter is far lower).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fencing_tokens_grow_across_the_failover_whatever_the_backups_history() {
    if !have_server("composite fencing") {
        return;
    }
    let dir = ScratchDir::new("composite-fencing");
    let mut primary_server = Redis::start(dir.path(), "primary");
    let primary = redis_member("p", primary_server.port());
    let k = lease("f", "k", "n1", now_millis() + 60_000);
    let mut last = 0;
    for _ in 0..5 {
        let v = acquired(primary.addressable.try_acquire(&k, None).await.expect("acquire on the primary alone"));
        last = v.fencing_token;
        assert!(primary.addressable.release_if_owner(&k.reference, &v.version).await.expect("release"));
    }
    let backup = cow_btree(&dir.path().join("backup"));
    let c = CompositeDirectory::new(primary, backup.clone(), &settings("strict", 0.5, 0.1));
    let short = lease("f", "k", "n1", now_millis() + 200);
    let before = acquired(c.try_acquire(&short, None).await.expect("acquire through the composite"));
    assert!(before.fencing_token > last);
    let raw = backup.addressable.get_versioned_lease(&short.reference).await.expect("backup").expect("mirrored");
    assert!(raw.fencing_token < before.fencing_token, "the backup's own counter is behind: {raw:?}");

    primary_server.kill();
    drive_failover(&c).await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    let now = now_millis();
    let after = acquired(acquire_lease(&c, &lease("f", "k", "n2", now + 5_000), now, 0).await.expect("take over"));
    assert!(
        after.fencing_token > before.fencing_token,
        "token after the failover {} <= before {}",
        after.fencing_token,
        before.fencing_token
    );
}

/// After the failover the backup grants no key it does not know until max_lease_ttl +
/// skew_margin has passed, then grants it; known keys are served (after their expiry);
/// a holder's primary version is refused by the backup even where the numbers coincide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backup_quarantines_unknown_keys_after_a_failover() {
    if !have_server("composite quarantine") {
        return;
    }
    let dir = ScratchDir::new("composite-quarantine");
    let mut primary_server = Redis::start(dir.path(), "primary");
    let primary = redis_member("p", primary_server.port());
    let c =
        CompositeDirectory::new(primary.clone(), cow_btree(&dir.path().join("backup")), &settings("strict", 1.0, 0.5));
    let guard_ms = 1_500;
    let known = acquired(c.try_acquire(&lease("q", "known", "n1", now_millis() + 300), None).await.expect("known"));
    // A grant the backup missed: made on the primary directly.
    let missed = lease("q", "missed", "n1", now_millis() + 300);
    acquired(primary.addressable.try_acquire(&missed, None).await.expect("missed"));

    primary_server.kill();
    drive_failover(&c).await;
    let at = c.failed_over_at_ms().expect("failover moment");
    for key in ["missed", "never-seen"] {
        match c.try_acquire(&lease("q", key, "n2", now_millis() + 300), None).await {
            Err(LeaseError::Unavailable(text)) => assert!(text.contains("grants no key it does not know"), "{text}"),
            other => panic!("{key}: expected the quarantine's refusal, got {other:?}"),
        }
    }
    // The holder of `known` presents its primary version: refused, nothing written.
    match c.renew_if_owner(&lease("q", "known", "n1", now_millis() + 300), &known.version).await {
        Ok(RenewOutcome::NotOwner(Some(current))) => {
            assert_eq!(current.lease.node_id, NodeId::new("n1"));
            assert_ne!(current.version, known.version);
        }
        other => panic!("expected NotOwner, got {other:?}"),
    }
    assert!(!c.release_if_owner(&known.lease.reference, &known.version).await.expect("release"));

    // A known key is served during the quarantine once its lease expired.
    tokio::time::sleep(Duration::from_millis(350)).await;
    let now = now_millis();
    let taken = acquired(acquire_lease(&c, &lease("q", "known", "n2", now + 300), now, 0).await.expect("known key"));
    assert!(taken.fencing_token > known.fencing_token);
    assert!(now_millis() < at + guard_ms, "the known key was served inside the quarantine");

    // The missed key: refused until the quarantine ends, then granted.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = now_millis();
        match acquire_lease(&c, &lease("q", "missed", "n2", now + 300), now, 0).await {
            Err(LeaseError::Unavailable(_)) => assert!(now_millis() < at + guard_ms + 50, "refused after the guard"),
            Ok(AcquireOutcome::Acquired(v)) => {
                assert!(now >= at + guard_ms, "granted {} ms after the failover, inside the guard", now - at);
                assert!(v.fencing_token >= BACKUP_FENCING_BASE);
                break;
            }
            other => panic!("{other:?}"),
        }
        assert!(Instant::now() < deadline, "the missed key was never granted after the quarantine");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// No failback: once failed over, the composite stays on the backup though the primary
/// returns; a restarted process reads the failover recorded in the backup, keeps the
/// quarantine from the recorded moment and serves from the backup too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_failback_and_a_restart_stays_on_the_backup() {
    if !have_server("composite failback") {
        return;
    }
    let dir = ScratchDir::new("composite-failback");
    let backup_dir = dir.path().join("backup");
    let mut primary_server = Redis::start(dir.path(), "primary");
    let port = primary_server.port();
    let c = CompositeDirectory::new(redis_member("p", port), cow_btree(&backup_dir), &settings("strict", 1.5, 0.5));
    let guard_ms = 2_000;
    let k1 = acquired(c.try_acquire(&lease("d", "k1", "n1", now_millis() + 60_000), None).await.expect("k1"));
    primary_server.kill();
    drive_failover(&c).await;
    let at = c.failed_over_at_ms().expect("failover moment");

    primary_server.restart();
    let primary_view = redis_member("view", port);
    assert_eq!(primary_view.directory.health_check().await, ProviderHealth::Healthy, "the primary is back");
    // n1 re-acquires its own key (its primary version is refused): on the backup.
    let now = now_millis();
    let again = acquired(acquire_lease(&c, &lease("d", "k1", "n1", now + 60_000), now, 0).await.expect("re-acquire"));
    assert!(again.fencing_token >= BACKUP_FENCING_BASE, "served by the backup: {again:?}");
    let on_primary = primary_view.addressable.get_versioned_lease(&k1.lease.reference).await.expect("read primary");
    assert_eq!(on_primary.map(|v| v.fencing_token), Some(k1.fencing_token), "the primary was not written again");
    assert!(c.failed_over());
    assert!(matches!(c.health_check().await, ProviderHealth::Degraded { .. }));
    assert!(c.list_all_nodes().await.expect("nodes").is_empty(), "the failover record is not a cluster node");
    drop(c);

    // A restarted process over the same backup.
    let backup = cow_btree(&backup_dir);
    assert!(backup.cluster.get_node(&NodeId::new(MARKER_NODE)).await.expect("record").is_some());
    let restarted = CompositeDirectory::new(redis_member("p", port), backup, &settings("strict", 1.5, 0.5));
    let seen = restarted.get_versioned_lease(&k1.lease.reference).await.expect("read").expect("k1");
    assert_eq!(seen, again, "the restarted composite reads the backup");
    assert_eq!(restarted.failed_over_at_ms(), Some(at), "the recorded failover moment");
    let fresh = lease("d", "fresh", "n2", now_millis() + 1_000);
    let answer = restarted.try_acquire(&fresh, None).await;
    if now_millis() < at + guard_ms - 100 {
        assert!(matches!(answer, Err(LeaseError::Unavailable(_))), "quarantined after the restart: {answer:?}");
        tokio::time::sleep(Duration::from_millis((at + guard_ms - now_millis()).max(0) as u64 + 50)).await;
        let granted = acquired(restarted.try_acquire(&fresh, None).await.expect("after the quarantine"));
        assert!(granted.fencing_token >= BACKUP_FENCING_BASE);
    } else {
        eprintln!("composite failback: the restart came after the quarantine; its refusal was not checked");
    }
    assert_eq!(primary_view.addressable.get_lease(&fresh.reference).await.expect("primary"), None);
}

/// A partition: node A loses the primary (its composite points at a port nobody listens
/// on) and fails over to the shared backup, while node B still reaches the primary. B's
/// next write finds A's failover record in the backup: its answer is refused and B
/// follows A, so a key A holds on the backup is not granted to B from the primary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_still_on_the_primary_follows_another_nodes_failover() {
    if !have_server("composite partition") {
        return;
    }
    let dir = ScratchDir::new("composite-partition");
    let primary_server = Redis::start(dir.path(), "primary");
    let backup_server = Redis::start(dir.path(), "backup");
    let (pp, bp) = (primary_server.port(), backup_server.port());
    let cut_off =
        CompositeDirectory::new(redis_member("p", free_port()), redis_member("b", bp), &settings("strict", 0.4, 0.1));
    let connected =
        CompositeDirectory::new(redis_member("p", pp), redis_member("b", bp), &settings("strict", 0.4, 0.1));
    acquired(
        connected.try_acquire(&lease("p", "warm", "nb", now_millis() + 60_000), None).await.expect("on the primary"),
    );

    drive_failover(&cut_off).await;
    let at = cut_off.failed_over_at_ms().expect("failover moment");
    tokio::time::sleep(Duration::from_millis((at + 500 - now_millis()).max(0) as u64)).await;
    let held = acquired(cut_off.try_acquire(&lease("p", "k", "na", now_millis() + 60_000), None).await.expect("na"));
    assert!(held.fencing_token >= BACKUP_FENCING_BASE, "granted by the backup");

    match connected.try_acquire(&lease("p", "k", "nb", now_millis() + 60_000), None).await {
        Err(LeaseError::Unavailable(text)) => assert!(text.contains("failed over to it"), "{text}"),
        other => panic!("the primary's grant must not be used after another node failed over: {other:?}"),
    }
    assert!(connected.failed_over());
    assert_eq!(connected.failed_over_at_ms(), Some(at), "the recorded moment");
    let now = now_millis();
    match acquire_lease(&connected, &lease("p", "k", "nb", now + 60_000), now, 0).await.expect("on the backup") {
        AcquireOutcome::HeldBy(current) => assert_eq!(current.lease.node_id, NodeId::new("na")),
        other => panic!("expected na's lease, got {other:?}"),
    }
}

/// Fast mode is documented unsafe for single activation: the backup is written in the
/// background, so a renewal it missed (here while it was down) lets a second node take
/// the key over after a failover while the first still holds it. Strict mode answers
/// that renewal with the backup's error instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fast_mode_can_grant_a_key_twice_after_a_failover() {
    if !have_server("composite fast mode") {
        return;
    }
    let dir = ScratchDir::new("composite-fast");
    let mut primary_server = Redis::start(dir.path(), "primary");
    let mut backup_server = Redis::start(dir.path(), "backup");
    let (pp, bp) = (primary_server.port(), backup_server.port());
    let fast = CompositeDirectory::new(redis_member("p", pp), redis_member("b", bp), &settings("fast", 1.0, 0.2));
    let strict = CompositeDirectory::new(redis_member("p", pp), redis_member("b", bp), &settings("strict", 1.0, 0.2));
    let backup_view = redis_member("view", bp);

    let first = acquired(fast.try_acquire(&lease("x", "k", "n1", now_millis() + 500), None).await.expect("n1"));
    let s = acquired(strict.try_acquire(&lease("x", "s", "n1", now_millis() + 500), None).await.expect("strict"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while backup_view.addressable.get_lease(&first.lease.reference).await.expect("backup").is_none() {
        assert!(Instant::now() < deadline, "the background mirror never reached the backup");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    backup_server.kill();
    let n1_until = now_millis() + 20_000;
    let renewed = fast.renew_if_owner(&lease("x", "k", "n1", n1_until), &first.version).await;
    assert!(matches!(renewed, Ok(RenewOutcome::Renewed(_))), "fast mode answers before the backup: {renewed:?}");
    let refused = strict.renew_if_owner(&lease("x", "s", "n1", n1_until), &s.version).await;
    assert!(refused.is_err(), "strict mode answers the backup's failure: {refused:?}");
    tokio::time::sleep(Duration::from_millis(500)).await; // the background mirror has failed by now
    backup_server.restart();
    let stale = read_after_restart(&backup_view, &first.lease.reference).await.expect("k on the backup");
    assert_eq!(stale.expires_at, first.lease.expires_at, "the backup missed the renewal");

    primary_server.kill();
    drive_failover(&fast).await;
    let now = now_millis();
    assert!(now > first.lease.expires_at, "n1's old expiry has passed");
    let mut second = acquire_lease(&fast, &lease("x", "k", "n2", now + 1_000), now, 0).await;
    for _ in 0..3 {
        // The backup client's connections from before the backup's restart fail once each.
        if !matches!(second, Err(LeaseError::Unavailable(_))) {
            break;
        }
        second = acquire_lease(&fast, &lease("x", "k", "n2", now + 1_000), now, 0).await;
    }
    let second = second.expect("n2");
    match second {
        AcquireOutcome::Acquired(v) => {
            assert!(now_millis() < n1_until, "n1 still holds k until {n1_until}");
            eprintln!("fast mode, as documented: k granted to n2 ({v:?}) while n1 holds it until {n1_until}");
        }
        other => panic!("expected the documented double grant, got {other:?}"),
    }
}
