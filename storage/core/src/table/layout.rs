//! Where the table layer puts things in the engine's one ordered key space.
//!
//! ```text
//! 0x01 <table name>                                   -> catalog entry (TableSchema)
//! 0x02 <name>                                         -> storage metadata (next table id)
//! 0x03 <expiry u64 BE, sign-flipped> <table id> <pk>  -> TTL index entry (empty value)
//! 0x10 <table id u32 BE> 0x01 <pk>                    -> row
//! 0x10 <table id u32 BE> 0x02 <index id u32 BE> <values> [<pk>] -> encoded pk
//! 0x10 <table id u32 BE> 0x03 <raw key>               -> raw value (the lean KV path)
//! ```
//! `<pk>` and `<values>` are memcomparable encodings (see [`crate::codec::key`]), so
//! rows sort by primary key and index entries by indexed values. Unique index entries
//! end after the values (one entry per value, which is what makes uniqueness a single
//! point read); non-unique entries, and unique entries with a NULL among their values
//! (SQL allows any number of those), append the primary key. Every entry's value is
//! the encoded primary key of its row. Raw entries belong to models that encode their
//! own keys and values; the table layer stores them as given. Everything of one table shares the prefix
//! `0x10 <table id>`, which the actor engine uses to route keys to table shards.

pub const CATALOG: u8 = 0x01;
pub const META: u8 = 0x02;
pub const TTL: u8 = 0x03;
pub const TABLE: u8 = 0x10;
const ROWS: u8 = 0x01;
const INDEX: u8 = 0x02;
const RAW: u8 = 0x03;

pub const NEXT_TABLE_ID: &[u8] = b"next_table_id";

pub fn catalog_key(table: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + table.len());
    k.push(CATALOG);
    k.extend_from_slice(table.as_bytes());
    k
}

pub fn catalog_prefix() -> Vec<u8> {
    vec![CATALOG]
}

pub fn meta_key(name: &[u8]) -> Vec<u8> {
    let mut k = vec![META];
    k.extend_from_slice(name);
    k
}

/// Everything stored for one table: rows and index entries.
pub fn table_prefix(table_id: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(5);
    k.push(TABLE);
    k.extend_from_slice(&table_id.to_be_bytes());
    k
}

pub fn rows_prefix(table_id: u32) -> Vec<u8> {
    let mut k = table_prefix(table_id);
    k.push(ROWS);
    k
}

pub fn row_key(table_id: u32, pk: &[u8]) -> Vec<u8> {
    let mut k = rows_prefix(table_id);
    k.extend_from_slice(pk);
    k
}

/// The primary-key bytes of a row key.
pub fn pk_of_row_key(table_id: u32, key: &[u8]) -> &[u8] {
    &key[rows_prefix(table_id).len().min(key.len())..]
}

pub fn index_prefix(table_id: u32, index_id: u32) -> Vec<u8> {
    let mut k = table_prefix(table_id);
    k.push(INDEX);
    k.extend_from_slice(&index_id.to_be_bytes());
    k
}

/// The raw key-value space of one table.
pub fn raw_prefix(table_id: u32) -> Vec<u8> {
    let mut k = table_prefix(table_id);
    k.push(RAW);
    k
}

pub fn raw_key(table_id: u32, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(6 + key.len());
    k.extend_from_slice(&raw_prefix(table_id));
    k.extend_from_slice(key);
    k
}

/// The key of an index entry: values, then the pk unless the entry is a unique one.
pub fn index_key(table_id: u32, index_id: u32, values: &[u8], pk: Option<&[u8]>) -> Vec<u8> {
    let mut k = index_prefix(table_id, index_id);
    k.extend_from_slice(values);
    if let Some(pk) = pk {
        k.extend_from_slice(pk);
    }
    k
}

fn expiry_bytes(expires_at: i64) -> [u8; 8] {
    ((expires_at as u64) ^ (1 << 63)).to_be_bytes()
}

pub fn ttl_prefix() -> Vec<u8> {
    vec![TTL]
}

/// TTL index keys up to and including `now` sort below this key.
pub fn ttl_upper_bound(now: i64) -> Vec<u8> {
    let mut k = vec![TTL];
    k.extend_from_slice(&expiry_bytes(now.saturating_add(1)));
    k
}

pub fn ttl_key(expires_at: i64, table_id: u32, pk: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(13 + pk.len());
    k.push(TTL);
    k.extend_from_slice(&expiry_bytes(expires_at));
    k.extend_from_slice(&table_id.to_be_bytes());
    k.extend_from_slice(pk);
    k
}

/// Splits a TTL index key into (expiry, table id, pk bytes).
pub fn parse_ttl_key(key: &[u8]) -> Option<(i64, u32, &[u8])> {
    if key.len() < 13 || key[0] != TTL {
        return None;
    }
    let expiry = u64::from_be_bytes(key[1..9].try_into().ok()?) ^ (1 << 63);
    let table_id = u32::from_be_bytes(key[9..13].try_into().ok()?);
    Some((expiry as i64, table_id, &key[13..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_keys_sort_by_expiry_and_round_trip() {
        let a = ttl_key(-5, 1, b"x");
        let b = ttl_key(10, 1, b"x");
        let c = ttl_key(11, 0, b"");
        assert!(a < b && b < c);
        assert!(b < ttl_upper_bound(10) && c >= ttl_upper_bound(10));
        assert_eq!(parse_ttl_key(&b), Some((10, 1, &b"x"[..])));
        assert_eq!(parse_ttl_key(b"\x03short"), None);
    }

    #[test]
    fn table_keys_share_the_table_prefix() {
        let p = table_prefix(7);
        assert!(row_key(7, b"k").starts_with(&p));
        assert!(index_key(7, 1, b"v", Some(b"k")).starts_with(&p));
        assert!(!row_key(8, b"k").starts_with(&p));
        assert!(raw_key(7, b"k").starts_with(&p) && raw_key(7, b"k").starts_with(&raw_prefix(7)));
        assert!(!raw_key(7, b"").starts_with(&rows_prefix(7)));
        assert_eq!(pk_of_row_key(7, &row_key(7, b"pk")), b"pk");
    }
}
