//! Group commit across connections.
//!
//! Writes run one at a time under the server's write lock. Instead of each connection
//! taking the lock for its own command and committing it alone, a connection with a
//! write puts it in the [`WriteQueue`] and waits for either its reply or the lock.
//! Whoever gets the lock runs every queued write, of all connections, in one keyspace
//! transaction with one storage commit (one WAL write), then hands each connection its
//! reply. A command sees the effects of those queued before it, exactly as if they had
//! run one by one in queue order; replies are only sent once the commit is durable.
//!
//! A queued command that fails after writing something cannot share the transaction
//! (Redis commands are atomic one by one): the batch is then dropped uncommitted and
//! its commands run again, each in its own transaction.

use crate::commands::{self, CommandSpec, Ctx};
use crate::connection::ClientState;
use crate::error::RedisError;
use crate::resp::Frame;
use crate::server::Shared;
use parking_lot::Mutex;
use std::sync::Arc;
use tokio::sync::oneshot;

/// One connection's write command waiting to run.
pub struct WriteJob {
    pub spec: &'static CommandSpec,
    pub request: Vec<Vec<u8>>,
    /// A copy of the connection's state (database, protocol): data commands only read it.
    pub client: ClientState,
    pub reply: oneshot::Sender<Frame>,
}

/// The writes waiting for the write lock.
#[derive(Default)]
pub struct WriteQueue {
    jobs: Mutex<Vec<WriteJob>>,
}

impl WriteQueue {
    pub fn push(&self, job: WriteJob) {
        self.jobs.lock().push(job);
    }

    fn take(&self) -> Vec<WriteJob> {
        std::mem::take(&mut *self.jobs.lock())
    }
}

/// Runs one write command through the queue and returns its reply. The caller holds
/// no lock.
pub async fn run_queued(
    shared: &Arc<Shared>,
    spec: &'static CommandSpec,
    request: Vec<Vec<u8>>,
    client: &ClientState,
) -> Frame {
    let (reply, mut answer) = oneshot::channel();
    shared.writes.push(WriteJob { spec, request, client: client.clone(), reply });
    tokio::select! {
        biased;
        frame = &mut answer => return frame.unwrap_or_else(|_| lost()),
        guard = shared.write_lock.clone().lock_owned() => {
            // Under the lock our job is either done (its reply waits) or still queued.
            drain(shared).await;
            drop(guard);
        }
    }
    answer.try_recv().unwrap_or_else(|_| lost())
}

fn lost() -> Frame {
    Frame::Error(RedisError::err("the write was dropped before it ran").reply_line())
}

/// Rounds of queued writes one lock holder runs before passing the lock on: the writes
/// queued meanwhile belong to connections waiting for the lock, which run them.
const DRAIN_ROUNDS: usize = 2;

/// Runs the queued writes (including the caller's). The caller holds the write lock.
async fn drain(shared: &Arc<Shared>) {
    for _ in 0..DRAIN_ROUNDS {
        let jobs = shared.writes.take();
        if jobs.is_empty() {
            return;
        }
        if jobs.len() == 1 {
            run_alone(shared, jobs).await;
        } else if let Some(jobs) = run_together(shared, jobs).await {
            run_alone(shared, jobs).await;
        }
    }
}

/// Each job in its own transaction.
async fn run_alone(shared: &Arc<Shared>, jobs: Vec<WriteJob>) {
    for job in jobs {
        let WriteJob { spec, request, mut client, reply } = job;
        let frame = match run_batch(shared, &mut [(spec, &request[..], &mut client)]).await {
            Ok(mut frames) => frames.pop().unwrap_or_else(lost),
            Err(frame) => frame,
        };
        let _ = reply.send(frame);
    }
}

/// All jobs in one transaction; gives them back when one failed after writing.
async fn run_together(shared: &Arc<Shared>, mut jobs: Vec<WriteJob>) -> Option<Vec<WriteJob>> {
    let result = {
        let mut batch: Vec<_> = jobs.iter_mut().map(|j| (j.spec, &j.request[..], &mut j.client)).collect();
        run_batch(shared, &mut batch).await
    };
    match result {
        Ok(frames) => {
            for (job, frame) in jobs.into_iter().zip(frames) {
                let _ = job.reply.send(frame);
            }
            None
        }
        Err(_) if jobs.len() > 1 => Some(jobs),
        Err(frame) => {
            jobs.into_iter().for_each(|job| {
                let _ = job.reply.send(frame.clone());
            });
            None
        }
    }
}

/// Runs `batch` in one transaction and commits it. `Err`: nothing was committed, with
/// the reply for a batch of one (a failed begin or commit, or a command that failed
/// after writing, which for a batch of one is just its error).
async fn run_batch(
    shared: &Arc<Shared>,
    batch: &mut [(&'static CommandSpec, &[Vec<u8>], &mut ClientState)],
) -> Result<Vec<Frame>, Frame> {
    let mut txn = shared.keyspace.begin_locked().await.map_err(error)?;
    let mut frames = Vec::with_capacity(batch.len());
    for (spec, request, client) in batch.iter_mut() {
        let before = txn.mutations();
        let result = {
            let mut ctx = Ctx { shared, client, txn: &mut txn };
            commands::execute(spec, &mut ctx, request).await
        };
        match result {
            Ok(frame) => frames.push(frame),
            Err(e) if txn.mutations() == before => frames.push(error(e)),
            Err(e) => return Err(error(e)),
        }
    }
    shared.commit(txn).await.map_err(error)?;
    Ok(frames)
}

fn error(e: impl Into<RedisError>) -> Frame {
    Frame::Error(e.into().reply_line())
}
