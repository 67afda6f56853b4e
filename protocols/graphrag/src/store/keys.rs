//! Where the engine's rows live in the GraphRAG instance's raw keyspace (the table
//! [`TABLE`], lean key-value path). Everything of one knowledge graph is under one prefix
//! (`KG · id`), so dropping it is one prefix purge; the knowledge graph's nodes and
//! relationships live apart, in the orbit-graph table [`graph_table`].
//!
//! | key | value |
//! |---|---|
//! | `META` | the next knowledge-graph id |
//! | `CATALOG · name` | [`super::records::KgRecord`] |
//! | `KG · id · DOC · doc_id` | [`super::records::DocRecord`] |
//! | `KG · id · CHUNK · number` | [`super::records::ChunkRecord`] |
//! | `KG · id · POSTING · term · 0 · number` | term frequency, chunk length |
//! | `KG · id · EMBEDDING · number` | the chunk's embedding, f32 little-endian |
//! | `KG · id · ENTITY · key` | [`super::records::EntityRecord`] |
//! | `KG · id · ENTITY_EMBEDDING · key` | the entity's embedding |
//! | `KG · id · MENTION · key · 0 · number` | mentions of the entity in the chunk |
//! | `KG · id · PAIR · key · 0 · key` | [`super::records::PairRecord`] (keys in order) |
//! | `KG · id · COMMUNITY · level · ordinal` | [`super::records::CommunityRecord`] |
//! | `KG · id · SNAPSHOT · which` | generation and a vector index snapshot |
//!
//! Numbers and ids are big-endian so key order is numeric order; names, terms and keys
//! are UTF-8 without NUL bytes (the engine strips them), NUL ending each variable part.

use orbit_storage::engine::KeyRange;

pub const TABLE: &str = "graphrag_space";

const META: u8 = 0x00;
const CATALOG: u8 = 0x01;
const KG: u8 = 0x02;

const DOC: u8 = 0x10;
const CHUNK: u8 = 0x11;
const POSTING: u8 = 0x12;
const EMBEDDING: u8 = 0x13;
const ENTITY: u8 = 0x14;
const ENTITY_EMBEDDING: u8 = 0x15;
const MENTION: u8 = 0x16;
const PAIR: u8 = 0x17;
const COMMUNITY: u8 = 0x18;
const SNAPSHOT: u8 = 0x19;

/// Which vector index a snapshot holds.
pub const SNAPSHOT_CHUNKS: u8 = 0x01;
pub const SNAPSHOT_ENTITIES: u8 = 0x02;

/// The orbit-graph table of knowledge graph `id`.
pub fn graph_table(id: u32) -> String {
    format!("graphrag_g_{id}")
}

/// Text as a key part: NUL bytes removed (they end variable parts).
pub fn clean(text: &str) -> String {
    text.replace('\0', "")
}

pub fn meta() -> Vec<u8> {
    vec![META]
}

pub fn catalog(name: &str) -> Vec<u8> {
    let mut k = vec![CATALOG];
    k.extend_from_slice(name.as_bytes());
    k
}

pub fn catalog_all() -> KeyRange {
    KeyRange::prefix(&[CATALOG])
}

/// The knowledge-graph name of a catalog key.
pub fn name_of_catalog(key: &[u8]) -> Option<String> {
    key.strip_prefix(&[CATALOG]).and_then(|b| String::from_utf8(b.to_vec()).ok())
}

/// Everything of knowledge graph `id`.
pub fn kg_prefix(id: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(6);
    k.push(KG);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

fn kg_space(id: u32, space: u8) -> Vec<u8> {
    let mut k = kg_prefix(id);
    k.push(space);
    k
}

fn with_text(mut k: Vec<u8>, text: &str) -> Vec<u8> {
    k.extend_from_slice(text.as_bytes());
    k.push(0);
    k
}

fn with_number(mut k: Vec<u8>, n: u64) -> Vec<u8> {
    k.extend_from_slice(&n.to_be_bytes());
    k
}

pub fn doc(id: u32, doc_id: &str) -> Vec<u8> {
    with_text(kg_space(id, DOC), doc_id)
}

pub fn docs(id: u32) -> KeyRange {
    KeyRange::prefix(&kg_space(id, DOC))
}

pub fn chunk(id: u32, number: u64) -> Vec<u8> {
    with_number(kg_space(id, CHUNK), number)
}

pub fn chunks(id: u32) -> KeyRange {
    KeyRange::prefix(&kg_space(id, CHUNK))
}

pub fn posting(id: u32, term: &str, number: u64) -> Vec<u8> {
    with_number(with_text(kg_space(id, POSTING), term), number)
}

/// Every posting of `term`.
pub fn postings(id: u32, term: &str) -> KeyRange {
    KeyRange::prefix(&with_text(kg_space(id, POSTING), term))
}

pub fn embedding(id: u32, number: u64) -> Vec<u8> {
    with_number(kg_space(id, EMBEDDING), number)
}

pub fn embeddings(id: u32) -> KeyRange {
    KeyRange::prefix(&kg_space(id, EMBEDDING))
}

pub fn entity(id: u32, key: &str) -> Vec<u8> {
    with_text(kg_space(id, ENTITY), key)
}

pub fn entities(id: u32) -> KeyRange {
    KeyRange::prefix(&kg_space(id, ENTITY))
}

pub fn entity_embedding(id: u32, key: &str) -> Vec<u8> {
    with_text(kg_space(id, ENTITY_EMBEDDING), key)
}

pub fn entity_embeddings(id: u32) -> KeyRange {
    KeyRange::prefix(&kg_space(id, ENTITY_EMBEDDING))
}

pub fn mention(id: u32, key: &str, number: u64) -> Vec<u8> {
    with_number(with_text(kg_space(id, MENTION), key), number)
}

/// Every chunk mentioning entity `key`.
pub fn mentions_of(id: u32, key: &str) -> KeyRange {
    KeyRange::prefix(&with_text(kg_space(id, MENTION), key))
}

/// Every mention of every entity.
pub fn mentions_all(id: u32) -> KeyRange {
    KeyRange::prefix(&kg_space(id, MENTION))
}

/// The two keys of a pair, in order.
pub fn pair(id: u32, a: &str, b: &str) -> Vec<u8> {
    with_text(with_text(kg_space(id, PAIR), a), b)
}

pub fn pairs(id: u32) -> KeyRange {
    KeyRange::prefix(&kg_space(id, PAIR))
}

pub fn community(id: u32, level: u32, ordinal: u32) -> Vec<u8> {
    with_number(kg_space(id, COMMUNITY), (u64::from(level) << 32) | u64::from(ordinal))
}

pub fn communities(id: u32) -> KeyRange {
    KeyRange::prefix(&kg_space(id, COMMUNITY))
}

pub fn snapshot(id: u32, which: u8) -> Vec<u8> {
    let mut k = kg_space(id, SNAPSHOT);
    k.push(which);
    k
}

/// The text parts of a key after `prefix_len` bytes, split at NULs (for DOC, ENTITY
/// and PAIR keys).
pub fn text_parts(key: &[u8], prefix_len: usize) -> Option<Vec<String>> {
    let rest = key.get(prefix_len..)?;
    let mut parts = Vec::new();
    let mut rest = rest;
    while let Some(end) = rest.iter().position(|&b| b == 0) {
        parts.push(String::from_utf8(rest[..end].to_vec()).ok()?);
        rest = &rest[end + 1..];
    }
    Some(parts)
}

/// The length of the `KG · id · space` prefix.
pub const SPACE_PREFIX_LEN: usize = 6;

/// The big-endian number at the end of a key.
pub fn number_at_end(key: &[u8]) -> Option<u64> {
    key.last_chunk::<8>().map(|b| u64::from_be_bytes(*b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parts_and_order() {
        assert!(chunk(1, 2) < chunk(1, 10));
        assert!(posting(1, "ab", 5) < posting(1, "abc", 0), "a term is never a prefix of another's postings");
        assert!(postings(1, "ab").contains(&posting(1, "ab", 9)));
        assert!(!postings(1, "ab").contains(&posting(1, "abc", 9)));
        assert!(!KeyRange::prefix(&kg_prefix(1)).contains(&chunk(2, 0)));
        assert_eq!(text_parts(&pair(3, "a b", "c"), SPACE_PREFIX_LEN), Some(vec!["a b".to_string(), "c".to_string()]));
        let m = mention(3, "x", 42);
        assert_eq!(number_at_end(&m), Some(42));
        assert_eq!(name_of_catalog(&catalog("kg1")), Some("kg1".to_string()));
        assert_eq!(clean("a\0b"), "ab");
    }
}
