//! Which shard actor holds which key, following the table layer's key layout.
//!
//! A key `0x10 <table id u32 BE> ...` belongs to table `table id` and lives in shard
//! actor `"{namespace}/t{table}/s{h}"`, with `h` the FNV-1a hash of the whole key modulo
//! the shards per table. Every other key (catalog, metadata, TTL index, anything else)
//! lives in `"{namespace}/sys"`. A range within one table's prefix fans out to that
//! table's shards; a range that may span tables fans out to every known table it
//! touches plus the sys actor.

use orbit_storage::engine::{prefix_end, KeyRange};
use parking_lot::RwLock;
use std::collections::BTreeSet;
use std::ops::Bound;

const TABLE_TAG: u8 = 0x10;
const TABLE_PREFIX_LEN: usize = 5;

pub struct Router {
    namespace: String,
    shards_per_table: usize,
    /// Tables that have ever been written; only they can hold data.
    tables: RwLock<BTreeSet<u32>>,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The table a key belongs to, if it is a table key.
pub fn table_of(key: &[u8]) -> Option<u32> {
    if key.len() < TABLE_PREFIX_LEN || key[0] != TABLE_TAG {
        return None;
    }
    Some(u32::from_be_bytes([key[1], key[2], key[3], key[4]]))
}

fn table_prefix(table: u32) -> Vec<u8> {
    let mut p = Vec::with_capacity(TABLE_PREFIX_LEN);
    p.push(TABLE_TAG);
    p.extend_from_slice(&table.to_be_bytes());
    p
}

/// True when `range` contains some key of `[lo, hi)` (`hi = None`: no upper end).
fn touches(range: &KeyRange, lo: &[u8], hi: Option<&[u8]>) -> bool {
    let starts_before_hi = match (&range.start, hi) {
        (_, None) | (Bound::Unbounded, _) => true,
        (Bound::Included(s) | Bound::Excluded(s), Some(hi)) => s.as_slice() < hi,
    };
    let ends_after_lo = match &range.end {
        Bound::Unbounded => true,
        Bound::Included(e) => e.as_slice() >= lo,
        Bound::Excluded(e) => e.as_slice() > lo,
    };
    starts_before_hi && ends_after_lo
}

impl Router {
    pub fn new(namespace: &str, shards_per_table: usize) -> Self {
        Router { namespace: namespace.to_owned(), shards_per_table: shards_per_table.max(1), tables: RwLock::default() }
    }

    pub fn sys_actor(&self) -> String {
        format!("{}/sys", self.namespace)
    }

    fn shard_actor(&self, table: u32, shard: usize) -> String {
        format!("{}/t{}/s{}", self.namespace, table, shard)
    }

    fn table_shards(&self, table: u32) -> impl Iterator<Item = String> + '_ {
        (0..self.shards_per_table).map(move |s| self.shard_actor(table, s))
    }

    /// Remembers that `key`'s table holds data (call before writing it).
    pub fn note_key(&self, key: &[u8]) {
        if let Some(table) = table_of(key) {
            if !self.tables.read().contains(&table) {
                self.tables.write().insert(table);
            }
        }
    }

    /// The actor holding `key`.
    pub fn actor_for_key(&self, key: &[u8]) -> String {
        match table_of(key) {
            Some(table) => {
                let shard = (fnv1a(key) % self.shards_per_table as u64) as usize;
                self.shard_actor(table, shard)
            }
            None => self.sys_actor(),
        }
    }

    /// The actor that may hold `key`; `None` when its table was never written.
    pub fn actor_for_read(&self, key: &[u8]) -> Option<String> {
        match table_of(key) {
            Some(table) if !self.tables.read().contains(&table) => None,
            _ => Some(self.actor_for_key(key)),
        }
    }

    /// Every actor that may hold a key of `range`.
    pub fn actors_for_range(&self, range: &KeyRange) -> Vec<String> {
        if range.is_empty() {
            return Vec::new();
        }
        if let Some(table) = self.single_table(range) {
            if !self.tables.read().contains(&table) {
                return Vec::new();
            }
            return self.table_shards(table).collect();
        }
        let mut actors = vec![self.sys_actor()];
        if self.only_sys_keys(range) {
            return actors;
        }
        let tables: Vec<u32> = self.tables.read().iter().copied().collect();
        for table in tables {
            let prefix = table_prefix(table);
            if touches(range, &prefix, prefix_end(&prefix).as_deref()) {
                actors.extend(self.table_shards(table));
            }
        }
        actors
    }

    /// The table whose prefix contains the whole range, if there is one.
    fn single_table(&self, range: &KeyRange) -> Option<u32> {
        let start = match &range.start {
            Bound::Included(s) | Bound::Excluded(s) => s,
            Bound::Unbounded => return None,
        };
        let table = table_of(start)?;
        let prefix = table_prefix(table);
        let inside = match &range.end {
            Bound::Included(e) => e.starts_with(&prefix),
            Bound::Excluded(e) => e.starts_with(&prefix) || prefix_end(&prefix).as_ref() == Some(e),
            Bound::Unbounded => false,
        };
        inside.then_some(table)
    }

    /// True when the range lies below `0x10` or at/above `0x11`, where no table key is.
    fn only_sys_keys(&self, range: &KeyRange) -> bool {
        let below_tables = match &range.end {
            Bound::Included(e) => e.as_slice() < [TABLE_TAG].as_slice(),
            Bound::Excluded(e) => e.as_slice() <= [TABLE_TAG].as_slice(),
            Bound::Unbounded => false,
        };
        let above_tables = match &range.start {
            Bound::Included(s) | Bound::Excluded(s) => s.as_slice() >= [TABLE_TAG + 1].as_slice(),
            Bound::Unbounded => false,
        };
        below_tables || above_tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_key(table: u32, rest: &[u8]) -> Vec<u8> {
        let mut k = table_prefix(table);
        k.extend_from_slice(rest);
        k
    }

    #[test]
    fn keys_route_to_table_shards_or_sys() {
        let r = Router::new("redis", 4);
        assert_eq!(r.actor_for_key(&[0x01, b'x']), "redis/sys");
        assert_eq!(r.actor_for_key(&[0x10, 0, 0]), "redis/sys");
        let k = table_key(7, b"\x01abc");
        let actor = r.actor_for_key(&k);
        assert!(actor.starts_with("redis/t7/s"), "{actor}");
        assert_eq!(actor, r.actor_for_key(&k), "routing is stable");
        let shards: BTreeSet<String> = (0..200u32).map(|i| r.actor_for_key(&table_key(7, &i.to_be_bytes()))).collect();
        assert_eq!(shards.len(), 4, "keys spread over every shard");
        assert_eq!(r.actor_for_read(&k), None, "table 7 was never written");
        r.note_key(&k);
        assert_eq!(r.actor_for_read(&k), Some(actor));
    }

    #[test]
    fn ranges_pick_the_actors_that_may_hold_their_keys() {
        let r = Router::new("ns", 2);
        r.note_key(&table_key(1, b""));
        r.note_key(&table_key(3, b""));
        let t1 = vec!["ns/t1/s0".to_string(), "ns/t1/s1".to_string()];
        assert_eq!(r.actors_for_range(&KeyRange::prefix(&table_prefix(1))), t1);
        assert_eq!(r.actors_for_range(&KeyRange::prefix(&table_key(1, b"\x02"))), t1);
        assert_eq!(r.actors_for_range(&KeyRange::prefix(&table_prefix(2))), Vec::<String>::new());
        assert_eq!(r.actors_for_range(&KeyRange::prefix(&[0x01])), vec!["ns/sys".to_string()]);
        assert_eq!(r.actors_for_range(&KeyRange::prefix(&[0x20])), vec!["ns/sys".to_string()]);
        let everything = r.actors_for_range(&KeyRange::all());
        assert_eq!(everything.len(), 5);
        let from_t2 = r.actors_for_range(&KeyRange::between(&table_prefix(2), &[0xFF]));
        assert_eq!(from_t2, vec!["ns/sys".to_string(), "ns/t3/s0".to_string(), "ns/t3/s1".to_string()]);
        assert!(r.actors_for_range(&KeyRange::between(b"b", b"a")).is_empty());
    }
}
