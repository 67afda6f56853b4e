//! An exclusive advisory lock (flock) on `<data_dir>/LOCK`, held for as long as a local
//! backend's store is open, so two stores (in one process or two) never write the same
//! files. The kernel drops it when the process dies, so a crash leaves no stale lock.
//!
//! A process spawned by another thread inherits the lock's descriptor until it execs,
//! holding the lock a moment after the store that took it is gone; so a taken lock is
//! retried for up to [`LOCK_WAIT`] before the directory counts as in use.

use crate::provider::{LeaseError, LeaseResult};
use std::fs::{File, OpenOptions};
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

const LOCK_WAIT: Duration = Duration::from_secs(1);

pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    /// Locks `dir` for the backend named `backend` (for the error message).
    pub(crate) fn acquire(backend: &str, dir: &Path) -> LeaseResult<DirLock> {
        let path = dir.join("LOCK");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| LeaseError::Backend(format!("{backend}: cannot open {}: {e}", path.display())))?;
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            // SAFETY: flock only reads the descriptor, which `file` keeps open.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                return Ok(DirLock { _file: file });
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::WouldBlock || Instant::now() >= deadline {
                return Err(LeaseError::Unavailable(format!(
                    "{backend}: {} is in use by another store ({e})",
                    dir.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
