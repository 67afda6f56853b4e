//! Opening a data directory: load the newest snapshot, replay the log records after it,
//! cut off a torn final record, and pick the log to continue.
//!
//! Every state a crash can leave behind recovers: a snapshot is only renamed into place
//! once complete, the log it makes obsolete is removed only after that, and a new log
//! is started (and its name made durable) before the snapshot is written.

use std::fs::{self, OpenOptions};
use std::path::PathBuf;

use super::apply_ops;
use super::config::CowBTreeConfig;
use super::files::{corruption, io_error, remove_obsolete, DataFiles};
use crate::dir_lock::DirLock;
use super::snapshot::read_snapshot;
use super::tree::Tree;
use super::wal::{read_log, WalWriter};
use crate::provider::LeaseResult;

pub(crate) struct Recovered {
    pub tree: Tree,
    /// The last batch applied to `tree`.
    pub last_seq: u64,
    /// The batch the loaded snapshot covers (0 without one).
    pub snapshot_seq: u64,
    pub wal: WalWriter,
    pub lock: DirLock,
}

/// The newest log as read: where its records start and end.
struct LastLog {
    first_seq: u64,
    path: PathBuf,
    valid_len: u64,
    last_record: Option<u64>,
}

pub(crate) fn recover(config: &CowBTreeConfig) -> LeaseResult<Recovered> {
    let dir = config.data_dir.as_path();
    fs::create_dir_all(dir).map_err(|e| io_error("cannot create data directory", dir, e))?;
    let lock = DirLock::acquire("cow_btree", dir)?;
    let files = DataFiles::list(dir)?;
    for temp in &files.temps {
        fs::remove_file(temp).map_err(|e| io_error("cannot remove unfinished snapshot", temp, e))?;
    }

    let (snapshot_seq, mut tree) = match files.snapshots.last() {
        Some((named_seq, path)) => {
            let (seq, tree) = read_snapshot(path, config.max_keys_per_node)?;
            if seq != *named_seq {
                return Err(corruption(path, format!("snapshot holds batch {seq}, its name says {named_seq}")));
            }
            (seq, tree)
        }
        None => (0, Tree::new(config.max_keys_per_node)),
    };

    let mut last_seq = snapshot_seq;
    let mut last_log = None;
    for (i, (first_seq, path)) in files.logs.iter().enumerate() {
        let mut previous: Option<u64> = None;
        let end = read_log(path, |seq, ops| {
            let expected_in_file = previous.map_or(*first_seq, |p| p + 1);
            if seq != expected_in_file {
                return Err(corruption(
                    path,
                    format!("log record of batch {seq} where batch {expected_in_file} belongs"),
                ));
            }
            previous = Some(seq);
            if seq <= snapshot_seq {
                return Ok(());
            }
            if seq != last_seq + 1 {
                return Err(corruption(
                    path,
                    format!("log resumes at batch {seq} after batch {last_seq}: batches missing"),
                ));
            }
            apply_ops(&mut tree, &ops);
            last_seq = seq;
            Ok(())
        })?;
        let is_last = i + 1 == files.logs.len();
        if end.torn_len > 0 {
            if !is_last {
                return Err(corruption(
                    path,
                    format!("damaged record at byte {} of a log that is not the newest", end.valid_len),
                ));
            }
            tracing::warn!(
                log = %path.display(),
                valid_bytes = end.valid_len,
                torn_bytes = end.torn_len,
                "cow_btree: cutting off a torn final log record"
            );
            let file = OpenOptions::new().write(true).open(path).map_err(|e| io_error("cannot open log", path, e))?;
            file.set_len(end.valid_len)
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error("cannot cut off torn record of log", path, e))?;
        }
        if is_last {
            last_log = Some(LastLog {
                first_seq: *first_seq,
                path: path.clone(),
                valid_len: end.valid_len,
                last_record: previous,
            });
        }
    }

    let wal = match last_log {
        Some(log)
            if log.last_record == Some(last_seq) || (log.last_record.is_none() && log.first_seq == last_seq + 1) =>
        {
            WalWriter::reopen(&log.path, log.valid_len, config.wal_buffer_size)?
        }
        Some(log) if log.last_record.is_none() && log.first_seq > last_seq + 1 => {
            return Err(corruption(
                &log.path,
                format!("log starts at batch {} but the data ends at batch {last_seq}", log.first_seq),
            ));
        }
        _ => WalWriter::create(dir, last_seq + 1, config.wal_buffer_size)?,
    };
    remove_obsolete(dir, snapshot_seq)?;
    Ok(Recovered { tree, last_seq, snapshot_seq, wal, lock })
}
