//! The settings of a Flash provider (`[providers.<name>] type = "Flash"`), read field by
//! field; a bad or unknown field is one [`LeaseError::Config`] naming
//! `providers.<name>.<field>`.
//!
//! Documented fields: `data_dir` (the one path when `paths` is not set), `paths` (the
//! directories, one per device, each holding a superblock and a log file),
//! `enable_multipathing` (several paths; when false only one path may be given),
//! `block_size` (the slot size: a multiple of 4096 up to 1 MiB), `io_depth` (batches queued
//! per path writer), `cache_size` (bytes of records kept in memory: the whole live set is,
//! so this bounds it), `compression` ("None" or "Lz4": batch payloads). Added here:
//! `mode` ("mirror" or "stripe"), `write_quorum` (mirror: acknowledge after W of the N
//! paths wrote a batch; default N), `capacity_mb` (the size of each path's log file;
//! compaction runs when it fills) and `resilver_interval_secs` (how often writes retry
//! restoring a degraded mirror path; 0: only at open and on request).

use crate::provider::{LeaseError, LeaseResult};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How the paths share the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every slot on every path.
    Mirror,
    /// Slot `i` on path `i % N`.
    Stripe,
}

impl Mode {
    pub fn code(self) -> u8 {
        match self {
            Mode::Mirror => 0,
            Mode::Stripe => 1,
        }
    }
}

/// A Flash provider's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashSettings {
    pub paths: Vec<PathBuf>,
    pub mode: Mode,
    pub write_quorum: usize,
    pub slot_size: usize,
    pub capacity_slots: u64,
    pub io_depth: usize,
    pub cache_size: u64,
    pub lz4: bool,
    pub resilver_interval: Option<Duration>,
}

const FIELDS: &[&str] = &[
    "data_dir",
    "paths",
    "enable_multipathing",
    "mode",
    "write_quorum",
    "block_size",
    "capacity_mb",
    "io_depth",
    "cache_size",
    "compression",
    "resilver_interval_secs",
];

struct Reader<'a> {
    name: &'a str,
    table: &'a Map<String, Value>,
}

impl Reader<'_> {
    fn error(&self, field: &str, message: &str) -> LeaseError {
        LeaseError::Config(format!("providers.{}.{field}: {message}", self.name))
    }

    fn string(&self, field: &str) -> LeaseResult<Option<&str>> {
        match self.table.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.error(field, "expected a string")),
        }
    }

    fn boolean(&self, field: &str) -> LeaseResult<Option<bool>> {
        match self.table.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.error(field, "expected true or false")),
        }
    }

    /// An integer in `min..=max`.
    fn integer(&self, field: &str, min: u64, max: u64) -> LeaseResult<Option<u64>> {
        match self.table.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(self.error(field, &format!("expected an integer from {min} to {max}"))),
            },
        }
    }

    fn paths(&self) -> LeaseResult<Option<Vec<PathBuf>>> {
        match self.table.get("paths") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => {
                let mut paths = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) if !s.trim().is_empty() => paths.push(PathBuf::from(s)),
                        _ => return Err(self.error(&format!("paths[{i}]"), "expected a directory path")),
                    }
                }
                if paths.is_empty() {
                    return Err(self.error("paths", "needs at least one directory"));
                }
                for (i, p) in paths.iter().enumerate() {
                    if paths[..i].contains(p) {
                        return Err(self.error(&format!("paths[{i}]"), &format!("{} is listed twice", p.display())));
                    }
                    if is_block_device(p) {
                        return Err(self.error(
                            &format!("paths[{i}]"),
                            &format!(
                                "{} is a block device; give a directory on the device's filesystem (raw devices are not supported)",
                                p.display()
                            ),
                        ));
                    }
                }
                Ok(Some(paths))
            }
            Some(_) => Err(self.error("paths", "expected an array of directory paths")),
        }
    }
}

fn is_block_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_block_device())
}

/// Reads the settings of provider `name`; files default to `<data_dir>/leases/flash`.
pub fn parse(name: &str, table: &Map<String, Value>, data_dir: &Path) -> LeaseResult<FlashSettings> {
    let r = Reader { name, table };
    if let Some(unknown) = table.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(r.error(unknown, &format!("unknown field (expected one of: {})", FIELDS.join(", "))));
    }
    let single = match r.string("data_dir")? {
        Some(dir) if dir.trim().is_empty() => return Err(r.error("data_dir", "must not be empty")),
        Some(dir) => PathBuf::from(dir),
        None => data_dir.join("leases").join("flash"),
    };
    let paths = r.paths()?.unwrap_or_else(|| vec![single]);
    if paths.len() > 1 && r.boolean("enable_multipathing")? == Some(false) {
        return Err(r.error("enable_multipathing", "is false but several paths are given"));
    }
    let mode = match r.string("mode")?.map(str::to_ascii_lowercase).as_deref() {
        None | Some("mirror") => Mode::Mirror,
        Some("stripe") => Mode::Stripe,
        Some(other) => return Err(r.error("mode", &format!("unknown mode \"{other}\" (expected mirror or stripe)"))),
    };
    let n = paths.len() as u64;
    let write_quorum = match r.integer("write_quorum", 1, n)? {
        Some(w) if mode == Mode::Stripe && w != n => {
            return Err(r.error("write_quorum", "stripe mode writes every path: only the number of paths is allowed"))
        }
        Some(w) => w as usize,
        None => n as usize,
    };
    let slot_size = r.integer("block_size", 4096, 1 << 20)?.unwrap_or(4096) as usize;
    if slot_size % 4096 != 0 {
        return Err(r.error("block_size", "must be a multiple of 4096 (O_DIRECT alignment)"));
    }
    let capacity_mb = r.integer("capacity_mb", 1, 1 << 20)?.unwrap_or(64);
    let capacity_slots = capacity_mb * (1 << 20) / slot_size as u64;
    if capacity_slots < 16 {
        return Err(r.error("capacity_mb", "must hold at least 16 slots of block_size"));
    }
    let compression = match r.string("compression")?.map(str::to_ascii_lowercase).as_deref() {
        None | Some("none") => false,
        Some("lz4") => true,
        Some(other) => {
            return Err(r.error("compression", &format!("unknown compression \"{other}\" (expected None or Lz4)")))
        }
    };
    Ok(FlashSettings {
        paths,
        mode,
        write_quorum,
        slot_size,
        capacity_slots,
        io_depth: r.integer("io_depth", 1, 4096)?.unwrap_or(32) as usize,
        cache_size: r.integer("cache_size", 1 << 20, u64::MAX)?.unwrap_or(1 << 30),
        lz4: compression,
        resilver_interval: match r.integer("resilver_interval_secs", 0, 86_400)?.unwrap_or(5) {
            0 => None,
            secs => Some(Duration::from_secs(secs)),
        },
    })
}
