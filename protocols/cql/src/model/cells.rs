//! Cells as Cassandra stores them and where they live in the CQL storage.
//!
//! Every piece of a row is its own key-value entry under its partition's prefix
//! `[DATA][table id: 16][token: 8][escaped serialized partition key]`, followed by a
//! section byte:
//!
//! - `0x00` the partition deletion (timestamp),
//! - `0x01 column [element]` static cells,
//! - `0x02 lower upper` range tombstones (clustering-key byte bounds → timestamp),
//! - `0x03 clustering 0x00` the row deletion, `… 0x01` the row marker (INSERT),
//!   `… 0x02 column [element]` a cell (for a non-frozen collection, the bare column key
//!   holds the collection's deletion and each element has its own key).
//!
//! The sections sort deletion, statics, range tombstones, rows, so one forward scan of a
//! partition meets everything that shadows a row before the row. A cell's value is
//! `[flags][timestamp µs: 8][expires at s: 8, ttl s: 4 when expiring][native value]`;
//! reconciliation follows Cassandra: the higher timestamp wins; on equal timestamps a
//! tombstone wins, then the greater value (unsigned bytes), then the later expiry.

use super::codec::Reader;
use super::keys::{push_escaped, token_bytes};
use super::space::DATA;
use crate::error::{CqlError, CqlResult};
use std::cmp::Ordering;

pub const PARTITION_DELETION: u8 = 0x00;
pub const STATIC: u8 = 0x01;
pub const RANGE_TOMBSTONE: u8 = 0x02;
pub const ROWS: u8 = 0x03;

pub const ROW_DELETION: u8 = 0x00;
pub const ROW_MARKER: u8 = 0x01;
pub const ROW_CELL: u8 = 0x02;

const TOMBSTONE: u8 = 0x01;
const EXPIRING: u8 = 0x02;

/// A cell's expiry: when (seconds since the epoch) and the TTL it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub at: i64,
    pub ttl: u32,
}

/// One stored cell: a value (native encoding) or a tombstone, with its write timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub timestamp: i64,
    pub expiry: Option<Expiry>,
    /// `None` for a tombstone.
    pub value: Option<Vec<u8>>,
}

impl Cell {
    pub fn live(timestamp: i64, expiry: Option<Expiry>, value: Vec<u8>) -> Cell {
        Cell { timestamp, expiry, value: Some(value) }
    }
    pub fn tombstone(timestamp: i64) -> Cell {
        Cell { timestamp, expiry: None, value: None }
    }

    /// Live at `now` (seconds): not a tombstone and not expired.
    pub fn is_live(&self, now: i64) -> bool {
        self.value.is_some() && self.expiry.is_none_or(|e| e.at > now)
    }

    /// True when `self` wins over `other` under Cassandra's reconciliation (4.0 and
    /// later, CASSANDRA-14592): the later timestamp; at the same timestamp a tombstone,
    /// then an expiring cell over one that never expires, then the later expiry, then
    /// the greater value.
    pub fn wins_over(&self, other: &Cell) -> bool {
        if self.timestamp != other.timestamp {
            return self.timestamp > other.timestamp;
        }
        match (&self.value, &other.value) {
            (None, Some(_)) => true,
            (Some(_), None) | (None, None) => false,
            (Some(a), Some(b)) => match (self.expiry, other.expiry) {
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(x), Some(y)) if x.at != y.at => x.at > y.at,
                _ => a.cmp(b) == Ordering::Greater,
            },
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(21 + self.value.as_ref().map_or(0, Vec::len));
        let mut flags = 0;
        if self.value.is_none() {
            flags |= TOMBSTONE;
        }
        if self.expiry.is_some() {
            flags |= EXPIRING;
        }
        out.push(flags);
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        if let Some(e) = self.expiry {
            out.extend_from_slice(&e.at.to_be_bytes());
            out.extend_from_slice(&e.ttl.to_be_bytes());
        }
        if let Some(v) = &self.value {
            out.extend_from_slice(v);
        }
        out
    }

    pub fn decode(b: &[u8]) -> CqlResult<Cell> {
        let mut r = Reader::new(b, "cell");
        let flags = r.u8()?;
        let timestamp = i64::from_be_bytes(r.array()?);
        let expiry = if flags & EXPIRING != 0 {
            let at = i64::from_be_bytes(r.array()?);
            Some(Expiry { at, ttl: u32::from_be_bytes(r.array()?) })
        } else {
            None
        };
        let value = if flags & TOMBSTONE != 0 { None } else { Some(r.rest().to_vec()) };
        Ok(Cell { timestamp, expiry, value })
    }
}

/// A deletion's timestamp as stored (partition, row, range and collection deletions).
pub fn encode_deletion(timestamp: i64) -> Vec<u8> {
    timestamp.to_be_bytes().to_vec()
}

pub fn decode_deletion(b: &[u8]) -> CqlResult<i64> {
    <[u8; 8]>::try_from(b).map(i64::from_be_bytes).map_err(|_| CqlError::server("stored deletion is malformed"))
}

/// The prefix of every key of one CQL table.
pub fn table_prefix(table_id: &[u8; 16]) -> Vec<u8> {
    let mut p = Vec::with_capacity(17);
    p.push(DATA);
    p.extend_from_slice(table_id);
    p
}

/// The prefix of every key of one partition.
pub fn partition_prefix(table_id: &[u8; 16], token: i64, serialized_key: &[u8]) -> Vec<u8> {
    let mut p = table_prefix(table_id);
    p.extend_from_slice(&token_bytes(token));
    push_escaped(&mut p, serialized_key);
    p
}

/// Where the partition prefix of `key` (a key of the table with this prefix) ends.
pub fn partition_prefix_len(key: &[u8]) -> CqlResult<usize> {
    let start = 17 + 8;
    let mut i = start;
    loop {
        match (key.get(i), key.get(i + 1)) {
            (Some(0), Some(0xff)) => i += 2,
            (Some(0), Some(0x01)) => return Ok(i + 2),
            (Some(0), _) | (None, _) => return Err(CqlError::server("stored key is malformed")),
            _ => i += 1,
        }
    }
}

/// `prefix · column` (escaped), the key of a simple cell or a collection's deletion.
pub fn column_key(prefix: &[u8], column: &str) -> Vec<u8> {
    let mut k = prefix.to_vec();
    push_escaped(&mut k, column.as_bytes());
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip() {
        for cell in [
            Cell::live(1_700_000_000_000_000, None, vec![1, 2]),
            Cell::live(-5, Some(Expiry { at: 99, ttl: 10 }), vec![]),
            Cell::tombstone(42),
        ] {
            assert_eq!(Cell::decode(&cell.encode()).unwrap(), cell);
        }
        assert!(Cell::decode(&[0, 1, 2]).is_err());
        assert!(Cell::decode(&[EXPIRING, 0, 0, 0, 0, 0, 0, 0, 1, 0]).is_err());
    }

    #[test]
    fn reconciliation_is_cassandras() {
        let older = Cell::live(1, None, vec![9]);
        let newer = Cell::live(2, None, vec![0]);
        assert!(newer.wins_over(&older) && !older.wins_over(&newer));
        // Equal timestamps: the tombstone wins, then the greater value.
        assert!(Cell::tombstone(2).wins_over(&newer));
        assert!(!newer.wins_over(&Cell::tombstone(2)));
        assert!(Cell::live(2, None, vec![1]).wins_over(&newer));
        assert!(!newer.wins_over(&newer.clone()));
        let expiring = Cell::live(5, Some(Expiry { at: 100, ttl: 10 }), vec![1]);
        assert!(expiring.is_live(99) && !expiring.is_live(100));
        assert!(!Cell::tombstone(1).is_live(0));
    }

    #[test]
    fn partition_prefixes_are_found_in_keys() {
        let p = partition_prefix(&[3; 16], -1, &[0, 1, 0]);
        let mut key = p.clone();
        key.extend_from_slice(&[ROWS, 5, 6]);
        assert_eq!(partition_prefix_len(&key).unwrap(), p.len());
        assert!(partition_prefix_len(&key[..20]).is_err());
    }
}
