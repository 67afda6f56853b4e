//! Opening a Flash store: lock each path, read its superblock, replay the log (in
//! mirror mode every path's copy, keeping the most advanced one; in stripe mode the one
//! log spread over all paths), start the path writers, and resilver mirror paths that
//! are behind or new.

use super::aligned;
use super::maintenance::{create_log, remove_other_logs};
use super::recovery::{self, LogReader, Recovered};
use super::settings::{FlashSettings, Mode};
use super::store::{FlashStore, Inner, PathSlot};
use super::superblock::{self, Superblock};
use super::worker::{PathState, PathWorker};
use crate::dir_lock::DirLock;
use crate::provider::{LeaseError, LeaseResult};
use parking_lot::{Mutex, RwLock};
use std::fs::File;
use std::sync::Arc;
use std::time::Instant;

/// What opening found on one path.
struct Probe {
    lock: Option<DirLock>,
    superblock: Option<Superblock>,
    problem: Option<String>,
}

fn probe(dir: &std::path::Path) -> Probe {
    let failed = |problem: String| Probe { lock: None, superblock: None, problem: Some(problem) };
    if let Err(e) = std::fs::create_dir_all(dir) {
        return failed(format!("cannot create the directory: {e}"));
    }
    let lock = match DirLock::acquire("flash", dir) {
        Ok(lock) => lock,
        Err(e) => return failed(e.to_string()),
    };
    match superblock::read(dir) {
        Ok(superblock) => Probe { lock: Some(lock), superblock, problem: None },
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            failed(format!("O_DIRECT is refused here (EINVAL; tmpfs and some filesystems do not support it): {e}"))
        }
        Err(e) => failed(format!("cannot read the superblock: {e}")),
    }
}

/// Opens the Flash store of provider `name` with already parsed settings.
pub fn open_store(name: &str, settings: FlashSettings) -> LeaseResult<FlashStore> {
    let config = |field: &str, what: String| LeaseError::Config(format!("providers.{name}.{field}: {what}"));
    let probes: Vec<Probe> = settings.paths.iter().map(|p| probe(p)).collect();
    for (i, (p, dir)) in probes.iter().zip(&settings.paths).enumerate() {
        let Some(sb) = &p.superblock else { continue };
        // The log's byte size (per path, and over all striped paths) must be a file offset.
        let log_bytes = (settings.slot_size as u64).saturating_mul(settings.paths.len() as u64);
        if sb.capacity_slots == 0 || sb.capacity_slots.checked_mul(log_bytes).is_none_or(|b| b > i64::MAX as u64) {
            return Err(LeaseError::Corruption(format!(
                "flash provider \"{name}\": the superblock of {} names a log of {} slots",
                dir.display(),
                sb.capacity_slots
            )));
        }
        if sb.slot_size as usize != settings.slot_size {
            return Err(config(
                "block_size",
                format!("{} was written with {}-byte slots", dir.display(), sb.slot_size),
            ));
        }
        if sb.mode != settings.mode.code() {
            let was = if sb.mode == Mode::Stripe.code() { "stripe" } else { "mirror" };
            return Err(config("mode", format!("{} was written in {was} mode", dir.display())));
        }
        if settings.mode == Mode::Stripe
            && (sb.path_count as usize != settings.paths.len() || sb.path_index as usize != i)
        {
            return Err(config(
                &format!("paths[{i}]"),
                format!("{} is stripe {} of {} paths", dir.display(), sb.path_index, sb.path_count),
            ));
        }
    }
    let states: Vec<Arc<PathState>> =
        settings.paths.iter().enumerate().map(|(i, dir)| Arc::new(PathState::new(i, dir.clone()))).collect();
    let mut slots = Vec::with_capacity(states.len());
    for (state, probe) in states.iter().zip(probes) {
        if let Some(problem) = &probe.problem {
            state.mark_degraded(problem.clone());
        }
        let worker = PathWorker::start(state.clone(), settings.io_depth)
            .map_err(|e| LeaseError::Backend(format!("flash provider \"{name}\": cannot start a path writer: {e}")))?;
        slots.push((PathSlot { state: state.clone(), worker, log: None, lock: probe.lock }, probe.superblock));
    }
    let (inner, recovered) = match settings.mode {
        Mode::Mirror => open_mirror(name, &settings, slots)?,
        Mode::Stripe => open_stripe(name, &settings, slots)?,
    };
    if recovered.torn_tail {
        tracing::warn!(provider = %name, tail = recovered.tail, "flash: a partially written batch at the log's tail was discarded");
    }
    let live_bytes = recovered.records.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum();
    let store = FlashStore {
        name: name.to_string(),
        settings,
        index: RwLock::new(recovered.records),
        inner: Mutex::new(Inner { live_bytes, ..inner }),
        states,
    };
    {
        let inner = store.inner.lock();
        for p in inner.paths.iter().filter(|p| p.log.is_some() && p.state.degraded().is_none()) {
            remove_other_logs(&p.state.dir, inner.generation);
        }
    }
    store.resilver_degraded();
    Ok(store)
}

fn unavailable(name: &str, what: String) -> LeaseError {
    LeaseError::Unavailable(format!("flash provider \"{name}\": {what}"))
}

fn new_inner(paths: Vec<PathSlot>, generation: u64, capacity_slots: u64, found: &Recovered) -> Inner {
    Inner {
        generation,
        capacity_slots,
        next_slot: found.tail,
        next_seq: found.next_seq,
        live_bytes: 0,
        paths,
        last_resilver: Instant::now(),
    }
}

/// Starts generation 1 on every usable path of a new store.
fn create_fresh(name: &str, settings: &FlashSettings, paths: &mut [PathSlot]) -> LeaseResult<()> {
    let bytes = settings.capacity_slots * settings.slot_size as u64;
    for (i, p) in paths.iter_mut().enumerate() {
        if p.state.degraded().is_some() {
            continue;
        }
        let sb = Superblock {
            generation: 1,
            slot_size: settings.slot_size as u32,
            mode: settings.mode.code(),
            path_count: settings.paths.len() as u32,
            path_index: i as u32,
            capacity_slots: settings.capacity_slots,
        };
        match create_log(&p.state.dir, 1, bytes).and_then(|log| superblock::write(&p.state.dir, &sb).map(|()| log)) {
            Ok(log) => p.log = Some(log),
            Err(e) if settings.mode == Mode::Stripe => {
                return Err(unavailable(name, format!("cannot create the log in {}: {e}", p.state.dir.display())))
            }
            Err(e) => p.state.mark_degraded(format!("cannot create its log: {e}")),
        }
    }
    Ok(())
}

fn open_log(dir: &std::path::Path, generation: u64) -> std::io::Result<Arc<File>> {
    aligned::open_direct(&superblock::log_path(dir, generation), false).map(Arc::new)
}

fn open_mirror(
    name: &str,
    settings: &FlashSettings,
    slots: Vec<(PathSlot, Option<Superblock>)>,
) -> LeaseResult<(Inner, Recovered)> {
    let mut paths = Vec::with_capacity(slots.len());
    // (path index, generation, capacity, what its log holds)
    let mut copies: Vec<(usize, u64, u64, Recovered)> = Vec::new();
    let mut unreadable = Vec::new();
    for (i, (mut p, sb)) in slots.into_iter().enumerate() {
        if let Some(sb) = sb {
            let what = p.state.dir.display().to_string();
            let scanned = open_log(&p.state.dir, sb.generation).map_err(|e| e.to_string()).and_then(|log| {
                let files = [log.clone()];
                let mut reader = LogReader::new(&files, settings.slot_size, sb.capacity_slots);
                recovery::scan(&mut reader, sb.generation, &what).map(|r| (log, r)).map_err(|e| e.to_string())
            });
            match scanned {
                Ok((log, found)) => {
                    p.log = Some(log);
                    copies.push((i, sb.generation, sb.capacity_slots, found));
                }
                Err(e) => {
                    p.state.mark_degraded(format!("its log of generation {} is unreadable: {e}", sb.generation));
                    unreadable.push(what);
                }
            }
        }
        paths.push(p);
    }
    let best = copies
        .iter()
        .enumerate()
        .max_by_key(|(_, (_, generation, _, found))| (*generation, found.next_seq, found.tail))
        .map(|(at, _)| at);
    let Some(best) = best else {
        if !unreadable.is_empty() {
            return Err(unavailable(name, format!("no readable log copy (unreadable: {})", unreadable.join(", "))));
        }
        if paths.iter().all(|p| p.state.degraded().is_some()) {
            return Err(unavailable(name, "no path is usable".into()));
        }
        create_fresh(name, settings, &mut paths)?;
        let found = Recovered { next_seq: 1, ..Recovered::default() };
        return Ok((new_inner(paths, 1, settings.capacity_slots, &found), found));
    };
    let (_, generation, capacity, _) = copies[best];
    let key = |c: &(usize, u64, u64, Recovered)| (c.1, c.3.next_seq, c.3.tail);
    let best_key = key(&copies[best]);
    for (i, p) in paths.iter().enumerate() {
        let copy = copies.iter().find(|c| c.0 == i);
        match copy {
            Some(c) if key(c) == best_key => {}
            Some(_) => p.state.mark_degraded("its log copy is behind the others".into()),
            None if p.state.degraded().is_none() => p.state.mark_degraded("it has no log copy yet".into()),
            None => {}
        }
    }
    let found = copies.swap_remove(best).3;
    Ok((new_inner(paths, generation, capacity, &found), found))
}

fn open_stripe(
    name: &str,
    settings: &FlashSettings,
    slots: Vec<(PathSlot, Option<Superblock>)>,
) -> LeaseResult<(Inner, Recovered)> {
    if let Some((p, _)) = slots.iter().find(|(p, _)| p.state.degraded().is_some()) {
        return Err(unavailable(
            name,
            format!("stripe path {} is unusable: {}", p.state.dir.display(), p.state.degraded().unwrap_or_default()),
        ));
    }
    let (mut paths, sbs): (Vec<PathSlot>, Vec<Option<Superblock>>) = slots.into_iter().unzip();
    let present: Vec<Superblock> = sbs.iter().flatten().copied().collect();
    if present.is_empty() {
        create_fresh(name, settings, &mut paths)?;
        let found = Recovered { next_seq: 1, ..Recovered::default() };
        return Ok((new_inner(paths, 1, settings.capacity_slots, &found), found));
    }
    if present.len() != paths.len() {
        let missing: Vec<String> = paths
            .iter()
            .zip(&sbs)
            .filter(|(_, sb)| sb.is_none())
            .map(|(p, _)| p.state.dir.display().to_string())
            .collect();
        return Err(LeaseError::Corruption(format!(
            "flash provider \"{name}\": stripe paths without their part of the log: {}",
            missing.join(", ")
        )));
    }
    // A compaction switches the superblocks one path after the other, after the new log
    // is complete on every path: the newest generation named anywhere is the current one.
    let newest = present
        .iter()
        .max_by_key(|sb| sb.generation)
        .copied()
        .ok_or_else(|| unavailable(name, "no superblock".into()))?;
    let mut files = Vec::with_capacity(paths.len());
    for (i, p) in paths.iter_mut().enumerate() {
        let log = open_log(&p.state.dir, newest.generation).map_err(|e| {
            LeaseError::Corruption(format!(
                "flash provider \"{name}\": {} has no log of generation {}: {e}",
                p.state.dir.display(),
                newest.generation
            ))
        })?;
        if sbs[i].is_some_and(|sb| sb.generation != newest.generation) {
            let sb = Superblock { path_index: i as u32, ..newest };
            superblock::write(&p.state.dir, &sb).map_err(|e| {
                unavailable(name, format!("cannot finish the superblock switch of {}: {e}", p.state.dir.display()))
            })?;
        }
        p.log = Some(log.clone());
        files.push(log);
    }
    let mut reader = LogReader::new(&files, settings.slot_size, newest.capacity_slots);
    let found = recovery::scan(&mut reader, newest.generation, "the striped paths")?;
    Ok((new_inner(paths, newest.generation, newest.capacity_slots, &found), found))
}
