//! One writer thread per path: it takes slot images from a bounded queue (`io_depth`
//! deep) and writes them in order with positioned O_DIRECT | O_DSYNC writes, so the
//! paths of a mirror are written concurrently and a batch can be acknowledged once W of
//! them answered while the others finish behind it.
//!
//! A failed write (or a log file that lost its name: its directory was removed) marks the
//! path degraded; a degraded path's queued writes are refused until it is resilvered.

use super::aligned::{self, AlignedBuf};
use parking_lot::Mutex;
use std::fs::File;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// The shared state of one path.
pub struct PathState {
    pub index: usize,
    pub dir: PathBuf,
    degraded: Mutex<Option<String>>,
}

impl PathState {
    pub fn new(index: usize, dir: PathBuf) -> PathState {
        PathState { index, dir, degraded: Mutex::new(None) }
    }

    /// Why the path is degraded; `None` while it is healthy.
    pub fn degraded(&self) -> Option<String> {
        self.degraded.lock().clone()
    }

    pub fn mark_degraded(&self, reason: String) {
        let mut slot = self.degraded.lock();
        if slot.is_none() {
            tracing::warn!(path = %self.dir.display(), %reason, "flash path degraded");
            *slot = Some(reason);
        }
    }

    pub fn mark_healthy(&self) {
        *self.degraded.lock() = None;
    }
}

/// The answer of one write: the path's index and whether it succeeded.
pub type WriteReply = (usize, Result<(), String>);

enum Job {
    Write { file: Arc<File>, buf: Arc<AlignedBuf>, offset: u64, reply: Sender<WriteReply> },
    Barrier(Sender<()>),
}

/// The writer thread of one path.
pub struct PathWorker {
    pub state: Arc<PathState>,
    queue: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl PathWorker {
    pub fn start(state: Arc<PathState>, io_depth: usize) -> std::io::Result<PathWorker> {
        let (queue, jobs) = mpsc::sync_channel(io_depth);
        let thread_state = state.clone();
        let thread = std::thread::Builder::new()
            .name(format!("flash-path-{}", state.index))
            .spawn(move || run(thread_state, jobs))?;
        Ok(PathWorker { state, queue: Some(queue), thread: Some(thread) })
    }

    /// Queues a write of `buf` at `offset` of `file`; the answer goes to `reply`.
    pub fn write(&self, file: Arc<File>, buf: Arc<AlignedBuf>, offset: u64, reply: Sender<WriteReply>) {
        let job = Job::Write { file, buf, offset, reply: reply.clone() };
        if self.queue.as_ref().is_none_or(|q| q.send(job).is_err()) {
            self.state.mark_degraded("its writer thread stopped".into());
            let _ = reply.send((self.state.index, Err("the path's writer thread stopped".into())));
        }
    }

    /// Waits until every write queued so far has finished.
    pub fn drain(&self) {
        let (tx, rx) = mpsc::channel();
        if self.queue.as_ref().is_some_and(|q| q.send(Job::Barrier(tx)).is_ok()) {
            let _ = rx.recv();
        }
    }
}

impl Drop for PathWorker {
    fn drop(&mut self) {
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(state: Arc<PathState>, jobs: Receiver<Job>) {
    for job in jobs {
        match job {
            Job::Write { file, buf, offset, reply } => {
                let result = write_one(&state, &file, &buf, offset);
                if let Err(reason) = &result {
                    state.mark_degraded(reason.clone());
                }
                let _ = reply.send((state.index, result));
            }
            Job::Barrier(done) => {
                let _ = done.send(());
            }
        }
    }
}

fn write_one(state: &PathState, file: &File, buf: &AlignedBuf, offset: u64) -> Result<(), String> {
    if let Some(reason) = state.degraded() {
        return Err(format!("degraded: {reason}"));
    }
    aligned::write_at(file, buf.as_slice(), offset)
        .map_err(|e| format!("write of {} bytes at {offset}: {e}", buf.len()))?;
    match aligned::still_linked(file) {
        Ok(true) => Ok(()),
        Ok(false) => Err("its log file was removed".into()),
        Err(e) => Err(format!("cannot stat its log file: {e}")),
    }
}
