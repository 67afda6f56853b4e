//! The Flash backend: a lease directory kept in preallocated files of fixed-size slots
//! written with O_DIRECT | O_DSYNC from 4096-byte-aligned buffers, for NVMe-class devices.
//!
//! * [`aligned`]: aligned buffers and the direct-I/O file calls;
//! * [`slot`]: the slot format (a batch is one or more checksummed slots, the last with
//!   a commit marker);
//! * [`superblock`]: which log generation a path's current log is;
//! * [`recovery`]: the scan at open that rebuilds the in-memory index and drops a torn tail;
//! * [`worker`]: one writer thread per path (mirror paths written concurrently, an
//!   acknowledgement after all of them or after W of N);
//! * [`store`]: [`FlashStore`], the [`crate::RecordStore`], so that
//!   `Directory<FlashStore>` gives every provider trait, compare-and-swap included;
//! * [`maintenance`]: compaction into a new generation when the log fills, resilvering a
//!   degraded mirror path from a healthy one;
//! * [`open`](mod@open) and [`settings`].
//!
//! Layout of each path directory: `LOCK` (flock while open), `superblock` (two 4096-byte
//! slots) and `log-<generation>.slots` (the log, `capacity_mb` preallocated).

pub mod aligned;
pub mod maintenance;
mod open;
pub mod recovery;
pub mod settings;
pub mod slot;
pub mod store;
pub mod superblock;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_paths;
pub mod worker;

pub use open::open_store;
pub use settings::{FlashSettings, Mode};
pub use store::FlashStore;

use crate::config::BackendKind;
use crate::directory::Directory;
use crate::provider::LeaseResult;
use crate::registry::LeaseBackend;
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;

/// The lease directory of provider `name` (settings: its `[providers.<name>]` table).
pub fn open_directory(
    name: &str,
    settings: &Map<String, Value>,
    data_dir: &Path,
) -> LeaseResult<Arc<Directory<FlashStore>>> {
    let settings = settings::parse(name, settings, data_dir)?;
    Ok(Arc::new(Directory::new_with_store(open_store(name, settings)?)))
}

pub fn open(name: &str, settings: &Map<String, Value>, data_dir: &Path) -> LeaseResult<LeaseBackend> {
    let settings = settings::parse(name, settings, data_dir)?;
    Ok(LeaseBackend::new(name, BackendKind::Flash, Directory::new_with_store(open_store(name, settings)?)))
}
