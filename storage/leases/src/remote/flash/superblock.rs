//! The superblock of a Flash path: which log generation is current.
//!
//! The file `superblock` holds two 4096-byte slots; generation `g` is written (O_DIRECT,
//! O_DSYNC) to slot `g % 2`, so the previous generation's record stays intact while the
//! new one is written. Each record carries a magic, the generation, the layout it was
//! written with (slot size, mode, path count and this path's index, slots per log) and a
//! crc; the valid record with the highest generation wins.

use super::aligned::{self, AlignedBuf, ALIGN};
use std::io;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"ORBFLSB1";
const FILE: &str = "superblock";

/// What a path's superblock says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Superblock {
    pub generation: u64,
    pub slot_size: u32,
    /// 0 mirror, 1 stripe.
    pub mode: u8,
    pub path_count: u32,
    pub path_index: u32,
    /// Slots in this path's log file.
    pub capacity_slots: u64,
}

/// The log file of `generation` in `dir`.
pub fn log_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("log-{generation:016}.slots"))
}

/// The generation a file name in a path directory is the log of, if it is one.
pub fn log_generation(file_name: &str) -> Option<u64> {
    file_name.strip_prefix("log-")?.strip_suffix(".slots")?.parse().ok()
}

fn encode(sb: &Superblock, slot: &mut [u8]) {
    slot[0..8].copy_from_slice(MAGIC);
    slot[8..16].copy_from_slice(&sb.generation.to_le_bytes());
    slot[16..20].copy_from_slice(&sb.slot_size.to_le_bytes());
    slot[20] = sb.mode;
    slot[24..28].copy_from_slice(&sb.path_count.to_le_bytes());
    slot[28..32].copy_from_slice(&sb.path_index.to_le_bytes());
    slot[32..40].copy_from_slice(&sb.capacity_slots.to_le_bytes());
    let crc = crc32fast::hash(&slot[..40]);
    slot[40..44].copy_from_slice(&crc.to_le_bytes());
}

fn decode(slot: &[u8]) -> Option<Superblock> {
    if &slot[0..8] != MAGIC {
        return None;
    }
    let crc = u32::from_le_bytes(slot[40..44].try_into().ok()?);
    if crc32fast::hash(&slot[..40]) != crc {
        return None;
    }
    Some(Superblock {
        generation: u64::from_le_bytes(slot[8..16].try_into().ok()?),
        slot_size: u32::from_le_bytes(slot[16..20].try_into().ok()?),
        mode: slot[20],
        path_count: u32::from_le_bytes(slot[24..28].try_into().ok()?),
        path_index: u32::from_le_bytes(slot[28..32].try_into().ok()?),
        capacity_slots: u64::from_le_bytes(slot[32..40].try_into().ok()?),
    })
}

/// The newest valid superblock of `dir`; `None` when there is none (a new path).
pub fn read(dir: &Path) -> io::Result<Option<Superblock>> {
    let path = dir.join(FILE);
    let file = match aligned::open_direct(&path, false) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut buf = AlignedBuf::zeroed(2 * ALIGN)?;
    aligned::read_at(&file, buf.as_mut_slice(), 0)?;
    let bytes = buf.as_slice();
    Ok([decode(&bytes[..ALIGN]), decode(&bytes[ALIGN..])].into_iter().flatten().max_by_key(|sb| sb.generation))
}

/// Writes `sb` durably to its slot of `dir`'s superblock file.
pub fn write(dir: &Path, sb: &Superblock) -> io::Result<()> {
    let path = dir.join(FILE);
    let created = !path.exists();
    let file = aligned::open_direct(&path, true)?;
    if created {
        aligned::preallocate(&file, 2 * ALIGN as u64)?;
        aligned::sync_dir(dir)?;
    }
    let mut buf = AlignedBuf::zeroed(ALIGN)?;
    encode(sb, buf.as_mut_slice());
    aligned::write_at(&file, buf.as_slice(), (sb.generation % 2) * ALIGN as u64)
}
