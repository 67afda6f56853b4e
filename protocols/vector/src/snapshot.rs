//! The versioned binary snapshot of a [`crate::VectorIndex`], so an owner can store the
//! index (in RocksDB, a file, ...) and load it back without rebuilding the HNSW graph.
//!
//! Layout, all integers little-endian:
//!
//! ```text
//! magic "ORBVECIX" · version u32 (= 1)
//! config: dim u32 · metric u8 (0 L2, 1 IP, 2 cosine, 3 L1) · kind u8 (0 flat, 1 hnsw)
//!         · m u32 · ef_construction u32 · ef_search u32 · exact_threshold u64 · seed u64
//! slots u64 · ids (slots × u64) · live flags (slots × u8) · vectors (slots × dim × f32)
//! graph: present u8; when 1: entry u32 (u32::MAX for none) · max level u8
//!        · levels (slots × u8) · per slot, per level 0..=its level: count u16, links (count × u32)
//! checksum u64 of every byte before it
//! ```
//!
//! Dead slots (removed or replaced vectors the graph still walks through) are kept, so a
//! loaded index searches exactly like the one saved. Decoding checks the checksum first
//! and then every length, count, slot number, level and value against what precedes it,
//! so truncated, flipped or forged bytes give [`VectorError::CorruptSnapshot`], never a
//! panic; vectors and ids are allocated only once the input is known to hold them, and
//! the graph only up to a bound proportional to the input ([`max_graph_bytes`]).

use crate::hnsw::{HnswGraph, MAX_LEVEL, NO_SLOT};
use crate::index::{validate, IndexKind, VectorIndexConfig};
use crate::store::VectorStore;
use crate::{Metric, VectorError, VectorResult};

const MAGIC: &[u8; 8] = b"ORBVECIX";
/// The snapshot format version this crate writes and reads.
pub const VERSION: u32 = 1;

/// The bytes of an index's parts.
pub(crate) fn encode(config: &VectorIndexConfig, store: &VectorStore, graph: Option<&HnswGraph>) -> Vec<u8> {
    let slots = store.slot_count();
    let mut out = Vec::with_capacity(64 + slots * (9 + 4 * config.dim) + graph.map_or(0, |_| slots * 40));
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, VERSION);
    put_u32(&mut out, config.dim as u32);
    out.push(metric_code(config.metric));
    out.push(match config.kind {
        IndexKind::Flat => 0,
        IndexKind::Hnsw => 1,
    });
    put_u32(&mut out, config.m as u32);
    put_u32(&mut out, clamp_u32(config.ef_construction));
    put_u32(&mut out, clamp_u32(config.ef_search));
    put_u64(&mut out, config.exact_threshold as u64);
    put_u64(&mut out, config.seed);
    put_u64(&mut out, slots as u64);
    for &id in store.ids() {
        put_u64(&mut out, id);
    }
    out.extend(store.live_flags().iter().map(|&live| u8::from(live)));
    for &x in store.data() {
        out.extend_from_slice(&x.to_le_bytes());
    }
    match graph {
        None => out.push(0),
        Some(graph) => {
            out.push(1);
            put_u32(&mut out, graph.entry().unwrap_or(NO_SLOT));
            out.push(graph.max_level() as u8);
            out.extend((0..slots as u32).map(|slot| graph.level(slot) as u8));
            for slot in 0..slots as u32 {
                for level in 0..=graph.level(slot) {
                    let links = graph.neighbours(slot, level);
                    out.extend_from_slice(&(links.len() as u16).to_le_bytes());
                    for &link in links {
                        put_u32(&mut out, link);
                    }
                }
            }
        }
    }
    let sum = checksum(&out);
    put_u64(&mut out, sum);
    out
}

/// The parts of an index back from [`encode`]'s bytes.
pub(crate) fn decode(bytes: &[u8]) -> VectorResult<(VectorIndexConfig, VectorStore, Option<HnswGraph>)> {
    let body_len = bytes.len().checked_sub(8).ok_or_else(|| corrupt("shorter than a header"))?;
    let (body, sum) = bytes.split_at(body_len);
    let mut header = Reader { bytes: body, pos: 0 };
    if header.take(MAGIC.len())? != MAGIC {
        return Err(corrupt("not a vector index snapshot (bad magic)"));
    }
    let version = header.u32()?;
    if version != VERSION {
        return Err(corrupt(&format!("unknown snapshot version {version}")));
    }
    if le_u64(sum) != checksum(body) {
        return Err(corrupt("checksum mismatch"));
    }
    let mut r = header;
    let config = read_config(&mut r)?;
    let store = read_store(&mut r, config.dim)?;
    let graph = match r.u8()? {
        0 => None,
        1 => Some(read_graph(&mut r, &config, store.slot_count(), bytes.len())?),
        other => return Err(corrupt(&format!("bad graph flag {other}"))),
    };
    if graph.is_some() != (config.kind == IndexKind::Hnsw) {
        return Err(corrupt("graph presence does not match the index kind"));
    }
    if r.pos != body.len() {
        return Err(corrupt("trailing bytes"));
    }
    Ok((config, store, graph))
}

fn read_config(r: &mut Reader<'_>) -> VectorResult<VectorIndexConfig> {
    let dim = r.u32()? as usize;
    let metric = match r.u8()? {
        0 => Metric::L2,
        1 => Metric::InnerProduct,
        2 => Metric::Cosine,
        3 => Metric::L1,
        other => return Err(corrupt(&format!("unknown metric {other}"))),
    };
    let kind = match r.u8()? {
        0 => IndexKind::Flat,
        1 => IndexKind::Hnsw,
        other => return Err(corrupt(&format!("unknown index kind {other}"))),
    };
    let mut config = VectorIndexConfig::new(dim, metric, kind);
    config.m = r.u32()? as usize;
    config.ef_construction = r.u32()? as usize;
    config.ef_search = r.u32()? as usize;
    config.exact_threshold = usize::try_from(r.u64()?).unwrap_or(usize::MAX);
    config.seed = r.u64()?;
    validate(&config).map_err(|e| corrupt(&e.to_string()))?;
    Ok(config)
}

fn read_store(r: &mut Reader<'_>, dim: usize) -> VectorResult<VectorStore> {
    let slots = usize::try_from(r.u64()?).map_err(|_| corrupt("slot count too large"))?;
    let per_slot = dim.checked_mul(4).and_then(|v| v.checked_add(9)).ok_or_else(|| corrupt("dimension too large"))?;
    if slots.checked_mul(per_slot).is_none_or(|need| need > r.remaining()) || slots >= NO_SLOT as usize {
        return Err(corrupt("slot count larger than the snapshot"));
    }
    let ids: Vec<u64> = r.take(slots * 8)?.chunks_exact(8).map(le_u64).collect();
    let mut live = Vec::with_capacity(slots);
    for &flag in r.take(slots)? {
        live.push(match flag {
            0 => false,
            1 => true,
            other => return Err(corrupt(&format!("bad live flag {other}"))),
        });
    }
    let data: Vec<f32> =
        r.take(slots * dim * 4)?.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    if data.iter().any(|x| !x.is_finite()) {
        return Err(corrupt("non-finite vector value"));
    }
    VectorStore::from_parts(dim, ids, live, data).ok_or_else(|| corrupt("an id is live twice"))
}

/// Bytes of bookkeeping per slot of a graph in memory (the `Vec` of its upper levels).
const GRAPH_SLOT_OVERHEAD: usize = 32;

/// The most memory a decoded graph may take: 64 times the snapshot's size or 256 MiB,
/// whichever is more. A real graph stays far below (its links are in the snapshot); a
/// forged header claiming huge link lists cannot make decoding allocate without bound.
fn max_graph_bytes(input_len: usize) -> usize {
    input_len.saturating_mul(64).max(256 << 20)
}

fn read_graph(
    r: &mut Reader<'_>,
    config: &VectorIndexConfig,
    slots: usize,
    input_len: usize,
) -> VectorResult<HnswGraph> {
    let mut graph = HnswGraph::new(config.metric, config.m, config.ef_construction, config.seed);
    let entry = r.u32()?;
    let max_level = r.u8()? as usize;
    let levels = r.take(slots)?;
    if levels.iter().any(|&level| level as usize > MAX_LEVEL) {
        return Err(corrupt("level above the maximum"));
    }
    let words_per_slot = graph.capacity(0) + 1;
    let upper_words: usize = levels.iter().map(|&level| level as usize * (graph.capacity(1) + 1)).sum();
    let graph_bytes = slots.saturating_mul(words_per_slot * 4 + GRAPH_SLOT_OVERHEAD).saturating_add(upper_words * 4);
    if graph_bytes > max_graph_bytes(input_len) {
        return Err(corrupt("graph larger than its snapshot can describe"));
    }
    for &level in levels {
        graph.push_unlinked(level as usize);
    }
    let mut links = Vec::with_capacity(graph.capacity(0));
    for (slot, &top) in levels.iter().enumerate() {
        for level in 0..=top as usize {
            let count = r.u16()? as usize;
            if count > graph.capacity(level) {
                return Err(corrupt("more links than a level holds"));
            }
            links.clear();
            for word in r.take(count * 4)?.chunks_exact(4) {
                let link = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
                if link as usize >= slots {
                    return Err(corrupt("link to a slot that does not exist"));
                }
                links.push(link);
            }
            if !graph.set_neighbours(slot as u32, level, &links) {
                return Err(corrupt("links do not fit their level"));
            }
        }
    }
    let entry = (entry != NO_SLOT).then_some(entry);
    if !graph.set_entry(entry, max_level) {
        return Err(corrupt("bad entry point"));
    }
    Ok(graph)
}

/// A 64-bit checksum: each 8-byte word is folded in by a bijective step, so any change
/// confined to one word always changes the result. Also the checksum of the snapshots
/// other crates store around these (the Redis FT index snapshots).
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut h = 0x243F_6A88_85A3_08D3u64 ^ bytes.len() as u64;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for word in words {
        h = (h ^ le_u64(word)).wrapping_mul(0x9FB2_1C65_1E98_DF25).rotate_left(29);
    }
    let mut last = [0u8; 8];
    last[..tail.len()].copy_from_slice(tail);
    h = (h ^ u64::from_le_bytes(last)).wrapping_mul(0x9FB2_1C65_1E98_DF25);
    h ^= h >> 32;
    h = h.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    h ^ (h >> 32)
}

fn le_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(word)
}

fn metric_code(metric: Metric) -> u8 {
    match metric {
        Metric::L2 => 0,
        Metric::InnerProduct => 1,
        Metric::Cosine => 2,
        Metric::L1 => 3,
    }
}

fn clamp_u32(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

fn put_u32(out: &mut Vec<u8>, x: u32) {
    out.extend_from_slice(&x.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, x: u64) {
    out.extend_from_slice(&x.to_le_bytes());
}

fn corrupt(what: &str) -> VectorError {
    VectorError::CorruptSnapshot(what.to_string())
}

/// A cursor over bytes whose every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize) -> VectorResult<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or_else(|| corrupt("truncated"))?;
        let slice = self.bytes.get(self.pos..end).ok_or_else(|| corrupt("truncated"))?;
        self.pos = end;
        Ok(slice)
    }

    fn u8(&mut self) -> VectorResult<u8> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }

    fn u16(&mut self) -> VectorResult<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> VectorResult<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> VectorResult<u64> {
        Ok(le_u64(self.take(8)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VectorIndex;

    /// `bytes` with its checksum recomputed, as a forger would.
    fn resealed(mut bytes: Vec<u8>) -> Vec<u8> {
        let body = bytes.len() - 8;
        let sum = checksum(&bytes[..body]);
        bytes[body..].copy_from_slice(&sum.to_le_bytes());
        bytes
    }

    fn small_index() -> VectorIndex {
        let mut config = VectorIndexConfig::new(3, Metric::L2, IndexKind::Hnsw);
        config.exact_threshold = 0;
        config.m = 4;
        let mut index = VectorIndex::new(config).expect("config");
        for i in 0..60u64 {
            let x = i as f32;
            index.insert(i * 5, &[x.sin(), x.cos(), x * 0.01]).expect("insert");
        }
        index.remove(10);
        index
    }

    #[test]
    fn forged_snapshots_with_a_valid_checksum_never_panic() {
        let bytes = small_index().snapshot();
        assert!(VectorIndex::from_snapshot(&resealed(bytes.clone())).is_ok());
        let mut accepted = 0;
        for i in 8..bytes.len() - 8 {
            let values = if i % 2 == 0 { [0xFFu8, bytes[i] ^ 0x01] } else { [0x00, bytes[i].wrapping_add(3)] };
            for value in values {
                let mut forged = bytes.clone();
                forged[i] = value;
                if let Ok(index) = VectorIndex::from_snapshot(&resealed(forged)) {
                    accepted += 1;
                    let hits = index.search(&[0.5, 0.5, 0.1], 5, None, None).expect("search");
                    assert!(hits.len() <= 5);
                }
            }
        }
        // Changes to vector values or to links that stay in range decode to another valid index.
        assert!(accepted > 0);
    }

    #[test]
    fn forged_counts_cannot_force_huge_allocations() {
        let bytes = small_index().snapshot();
        let slots_at = 8 + 4 + 4 + 1 + 1 + 4 + 4 + 4 + 8 + 8;
        let mut forged = bytes.clone();
        forged[slots_at..slots_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(VectorIndex::from_snapshot(&resealed(forged)), Err(VectorError::CorruptSnapshot(_))));
        let mut forged = bytes.clone();
        forged[8 + 4..8 + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(VectorIndex::from_snapshot(&resealed(forged)).is_err());
        assert!(max_graph_bytes(1_000) >= 256 << 20);
        assert_eq!(max_graph_bytes(10 << 30), 640 << 30);
    }

    #[test]
    fn checksum_sees_every_single_bit_flip() {
        let bytes: Vec<u8> = (0..123u32).map(|i| (i * 37 % 251) as u8).collect();
        let base = checksum(&bytes);
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut flipped = bytes.clone();
                flipped[i] ^= 1 << bit;
                assert_ne!(checksum(&flipped), base, "byte {i} bit {bit}");
            }
        }
        assert_ne!(checksum(&bytes[..122]), base);
    }
}
