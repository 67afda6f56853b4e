//! The manifest: which tables are live at which level, the next file number, and the
//! oldest WAL segment not yet flushed into a table (older segments are obsolete).
//!
//! The file `MANIFEST` is replaced atomically (temp file, fsync, rename) after each
//! flush and compaction; the tables it names are durable before it is written, and
//! files it no longer names are deleted only after it is.
//!
//! Format: magic u64 | version u32 | payload length u32 | payload | crc32(payload).
//! Payload: next_file u64 | wal_floor u64 | levels u32 | per level: count u32, numbers u64.
//! Level 0 lists tables oldest first; deeper levels in ascending key order.

use super::codec::{crc32, put_u32, put_u64, DecodeError, Reader};
use super::files::{corruption, io_error, write_atomically, MANIFEST};
use crate::provider::LeaseResult;
use std::path::Path;

const MAGIC: u64 = 0x5453_4546_494e_414d; // "MANIFEST"
const VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Manifest {
    pub next_file: u64,
    pub wal_floor: u64,
    pub levels: Vec<Vec<u64>>,
}

impl Manifest {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut payload = Vec::new();
        put_u64(&mut payload, self.next_file);
        put_u64(&mut payload, self.wal_floor);
        put_u32(&mut payload, self.levels.len() as u32);
        for level in &self.levels {
            put_u32(&mut payload, level.len() as u32);
            for &n in level {
                put_u64(&mut payload, n);
            }
        }
        let mut out = Vec::with_capacity(payload.len() + 20);
        put_u64(&mut out, MAGIC);
        put_u32(&mut out, VERSION);
        put_u32(&mut out, payload.len() as u32);
        out.extend_from_slice(&payload);
        put_u32(&mut out, crc32(&[&payload]));
        out
    }

    pub(crate) fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(buf);
        if r.u64()? != MAGIC {
            return Err(DecodeError("bad magic number"));
        }
        if r.u32()? != VERSION {
            return Err(DecodeError("unknown manifest version"));
        }
        let len = r.u32()? as usize;
        let payload = r.take(len)?;
        if r.u32()? != crc32(&[payload]) || !r.is_empty() {
            return Err(DecodeError("checksum mismatch"));
        }
        let mut r = Reader::new(payload);
        let next_file = r.u64()?;
        let wal_floor = r.u64()?;
        let nlevels = r.count(4)?;
        let mut levels = Vec::with_capacity(nlevels);
        for _ in 0..nlevels {
            let n = r.count(8)?;
            levels.push((0..n).map(|_| r.u64()).collect::<Result<Vec<_>, _>>()?);
        }
        Ok(Manifest { next_file, wal_floor, levels })
    }

    /// The manifest in `dir`, or `None` when the store is new.
    pub(crate) fn load(dir: &Path) -> LeaseResult<Option<Manifest>> {
        let path = dir.join(MANIFEST);
        match std::fs::read(&path) {
            Ok(buf) => Manifest::decode(&buf).map(Some).map_err(|DecodeError(why)| corruption(&path, why)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("read", &path, e)),
        }
    }

    pub(crate) fn store(&self, dir: &Path) -> LeaseResult<()> {
        write_atomically(&dir.join(MANIFEST), &self.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_and_detects_damage() {
        let m = Manifest { next_file: 42, wal_floor: 40, levels: vec![vec![3, 7], vec![], vec![1]] };
        let buf = m.encode();
        assert_eq!(Manifest::decode(&buf).unwrap(), m);
        for i in 0..buf.len() {
            let mut bad = buf.clone();
            bad[i] ^= 1;
            assert!(Manifest::decode(&bad).is_err(), "flip at {i} undetected");
        }
        assert!(Manifest::decode(&buf[..buf.len() - 1]).is_err());
    }
}
