//! An exclusive advisory lock (flock) on `<data_dir>/LOCK`, held while a store is open,
//! so two processes never write the same directory. The kernel drops it when the
//! process dies, so a crash never leaves a stale lock behind.

use super::files::io_error;
use crate::provider::{LeaseError, LeaseResult};
use std::fs::{File, OpenOptions};
use std::os::unix::io::AsRawFd;
use std::path::Path;

pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    pub(crate) fn acquire(dir: &Path) -> LeaseResult<DirLock> {
        let path = dir.join("LOCK");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io_error("open", &path, e))?;
        // SAFETY: flock only reads the descriptor, which `file` keeps open.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let e = std::io::Error::last_os_error();
            return Err(LeaseError::Unavailable(format!(
                "lsm_tree: {} is in use by another store ({e})",
                dir.display()
            )));
        }
        Ok(DirLock { _file: file })
    }
}
