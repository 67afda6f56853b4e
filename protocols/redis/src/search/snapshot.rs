//! The byte format of an FT index snapshot: what an index needs to come back at start
//! without re-inserting every vector — the orbit-vector snapshot of each VECTOR field and
//! which document id is which hash key. Prefilter values (tags, numbers, words) are not
//! kept: the reconcile at start re-reads every covered hash anyway (see [`super::restore`]).
//!
//! Stored as a header ([`Header`], part 0 of the snapshot's rows) and a payload split into
//! chunks (parts 1..; see [`super::snapshot_rows`]). Layout, all integers little-endian:
//!
//! ```text
//! header:  magic "ORBFTSNP" · version u32 (= 1) · fingerprint u64 · payload length u64
//!          · chunk length u32 · chunk count u32 · payload checksum u64
//! payload: next_id u64 · documents u32 · per document: id u64 · key length u32 · key
//!          · vector fields u32 · per field: schema position u32 · length u64
//!          · the field's orbit-vector snapshot (checksummed by orbit-vector)
//! ```
//!
//! The fingerprint is of the index definition (name, database, FT.CREATE's arguments): a
//! snapshot of another definition is never loaded. Decoding checks the header's version
//! and every length against what precedes it and the payload against its checksum, so
//! old, truncated, flipped or forged bytes are refused ([`SnapshotError`]), never a panic.

use super::schema::IndexDef;
use orbit_vector::VectorIndex;

const MAGIC: &[u8; 8] = b"ORBFTSNP";
/// The envelope version this build writes and reads.
pub const VERSION: u32 = 2;
/// Bytes of an encoded [`Header`].
pub const HEADER_LEN: usize = 8 + 4 + 8 + 8 + 4 + 4 + 8;
/// Largest chunk length a header may name.
pub const MAX_CHUNK_LEN: u32 = 64 << 20;
/// Most documents a payload may list (bounds decoding of stored bytes).
const MAX_DOCS: usize = u32::MAX as usize;
/// Longest key a payload may hold (Redis's 512 MB).
const MAX_KEY_LEN: usize = 512 << 20;

/// Why stored snapshot bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError(pub String);

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn refused<T>(what: impl Into<String>) -> Result<T, SnapshotError> {
    Err(SnapshotError(what.into()))
}

/// Part 0 of a stored snapshot: what the chunks must add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub fingerprint: u64,
    pub payload_len: u64,
    pub chunk_len: u32,
    pub chunks: u32,
    pub checksum: u64,
}

impl Header {
    /// The header of `payload` cut into chunks of `chunk_len` bytes.
    pub fn of(fingerprint: u64, payload: &[u8], chunk_len: u32) -> Header {
        let chunks = payload.len().div_ceil(chunk_len.max(1) as usize);
        Header {
            fingerprint,
            payload_len: payload.len() as u64,
            chunk_len,
            chunks: u32::try_from(chunks).unwrap_or(u32::MAX),
            checksum: checksum(payload),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&self.fingerprint.to_le_bytes());
        out.extend_from_slice(&self.payload_len.to_le_bytes());
        out.extend_from_slice(&self.chunk_len.to_le_bytes());
        out.extend_from_slice(&self.chunks.to_le_bytes());
        out.extend_from_slice(&self.checksum.to_le_bytes());
        out
    }

    /// A header back from its bytes: the magic, this version, and a chunk count that fits
    /// the payload length.
    pub fn decode(bytes: &[u8]) -> Result<Header, SnapshotError> {
        let mut r = Reader::new(bytes);
        if r.take(MAGIC.len())? != MAGIC {
            return refused("not an FT index snapshot (bad magic)");
        }
        let version = r.u32()?;
        if version != VERSION {
            return refused(format!("snapshot envelope version {version}, this build reads {VERSION}"));
        }
        let header = Header {
            fingerprint: r.u64()?,
            payload_len: r.u64()?,
            chunk_len: r.u32()?,
            chunks: r.u32()?,
            checksum: r.u64()?,
        };
        if !r.is_done() {
            return refused("trailing bytes after the header");
        }
        if header.chunk_len == 0 || header.chunk_len > MAX_CHUNK_LEN {
            return refused(format!("chunk length {}", header.chunk_len));
        }
        let expected = header.payload_len.div_ceil(u64::from(header.chunk_len));
        if u64::from(header.chunks) != expected {
            return refused(format!("{} chunks for {} bytes", header.chunks, header.payload_len));
        }
        Ok(header)
    }

    /// The length chunk `part` (1-based) must have.
    pub fn chunk_len_of(&self, part: u32) -> Option<usize> {
        if part == 0 || part > self.chunks {
            return None;
        }
        let start = u64::from(part - 1) * u64::from(self.chunk_len);
        let len = self.payload_len.checked_sub(start)?.min(u64::from(self.chunk_len));
        usize::try_from(len).ok()
    }
}

/// What a snapshot restores of an index.
#[derive(Debug, Clone)]
pub struct Image {
    /// The next document id the index would have given.
    pub next_id: u64,
    /// (document id, hash key) of every document with a vector.
    pub docs: Vec<(u64, Vec<u8>)>,
    /// (schema position, index) per VECTOR field.
    pub vectors: Vec<(usize, VectorIndex)>,
}

/// The payload bytes of `image`.
pub fn encode_payload(image: &Image) -> Vec<u8> {
    let keys: usize = image.docs.iter().map(|(_, key)| 12 + key.len()).sum();
    let mut out = Vec::with_capacity(16 + keys);
    out.extend_from_slice(&image.next_id.to_le_bytes());
    out.extend_from_slice(&(image.docs.len() as u32).to_le_bytes());
    for (id, key) in &image.docs {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&(key.len() as u32).to_le_bytes());
        out.extend_from_slice(key);
    }
    out.extend_from_slice(&(image.vectors.len() as u32).to_le_bytes());
    for (position, index) in &image.vectors {
        let bytes = index.snapshot();
        out.extend_from_slice(&(*position as u32).to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

/// An image back from payload bytes whose checksum the caller checked against the header.
pub fn decode_payload(bytes: &[u8]) -> Result<Image, SnapshotError> {
    let mut r = Reader::new(bytes);
    let next_id = r.u64()?;
    let count = r.u32()? as usize;
    if count > MAX_DOCS || count > r.remaining() / 12 {
        return refused(format!("{count} documents in {} bytes", bytes.len()));
    }
    let mut docs = Vec::with_capacity(count);
    for _ in 0..count {
        let id = r.u64()?;
        let len = r.u32()? as usize;
        if len > MAX_KEY_LEN {
            return refused(format!("a key of {len} bytes"));
        }
        docs.push((id, r.take(len)?.to_vec()));
    }
    let fields = r.u32()? as usize;
    if fields > r.remaining() / 12 {
        return refused(format!("{fields} vector fields in {} bytes", bytes.len()));
    }
    let mut vectors = Vec::with_capacity(fields);
    for _ in 0..fields {
        let position = r.u32()? as usize;
        let len = usize::try_from(r.u64()?).map_err(|_| SnapshotError("vector snapshot length".into()))?;
        let index = VectorIndex::from_snapshot(r.take(len)?)
            .map_err(|e| SnapshotError(format!("vector field {position}: {e}")))?;
        vectors.push((position, index));
    }
    if !r.is_done() {
        return refused("trailing bytes after the payload");
    }
    Ok(Image { next_id, docs, vectors })
}

/// The fingerprint of a definition: a snapshot loads only into the definition it was taken of.
pub fn fingerprint(def: &IndexDef) -> u64 {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&(def.name.len() as u64).to_le_bytes());
    bytes.extend_from_slice(def.name.as_bytes());
    bytes.extend_from_slice(&(def.db as u64).to_le_bytes());
    bytes.extend_from_slice(&super::store::encode_args(&def.args));
    checksum(&bytes)
}

/// The checksum of snapshot payloads and fingerprints: orbit-vector's, the one its own
/// snapshots carry.
pub use orbit_vector::snapshot::checksum;

/// A bounds-checked cursor over stored bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }
    fn is_done(&self) -> bool {
        self.pos == self.bytes.len()
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.pos.checked_add(n).filter(|end| *end <= self.bytes.len());
        let Some(end) = end else { return refused("truncated") };
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }
    fn u64(&mut self) -> Result<u64, SnapshotError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orbit_vector::{IndexKind, Metric, VectorIndexConfig};

    fn image() -> Image {
        let mut config = VectorIndexConfig::new(3, Metric::L2, IndexKind::Hnsw);
        config.ef_construction = 16;
        let mut index = VectorIndex::new(config).expect("index");
        for id in 1..=5u64 {
            index.insert(id, &[id as f32, 0.5, -1.0]).expect("insert");
        }
        index.remove(2);
        let docs = vec![(1, b"doc:1".to_vec()), (3, b"doc:3".to_vec()), (4, Vec::new()), (5, b"d\0\xff".to_vec())];
        Image { next_id: 9, docs, vectors: vec![(2, index)] }
    }

    #[test]
    fn payloads_round_trip_and_bad_bytes_are_refused() {
        let image = image();
        let bytes = encode_payload(&image);
        let back = decode_payload(&bytes).expect("decodes");
        assert_eq!(back.next_id, 9);
        assert_eq!(back.docs, image.docs);
        assert_eq!(back.vectors.len(), 1);
        assert_eq!(back.vectors[0].0, 2);
        assert_eq!(back.vectors[0].1.snapshot(), image.vectors[0].1.snapshot());
        assert_eq!(encode_payload(&back), bytes, "re-encoding gives the same bytes");
        for cut in 0..bytes.len() {
            assert!(decode_payload(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode_payload(&trailing).is_err());
        // A document count larger than the bytes could hold is refused before allocating.
        let mut forged = bytes.clone();
        forged[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_payload(&forged).is_err());
    }

    #[test]
    fn headers_round_trip_and_refuse_other_versions_and_inconsistent_counts() {
        let payload = vec![7u8; 2500];
        let header = Header::of(42, &payload, 1000);
        assert_eq!(header.chunks, 3);
        assert_eq!(
            (header.chunk_len_of(1), header.chunk_len_of(3), header.chunk_len_of(4)),
            (Some(1000), Some(500), None)
        );
        assert_eq!(header.chunk_len_of(0), None);
        let bytes = header.encode();
        assert_eq!(bytes.len(), HEADER_LEN);
        assert_eq!(Header::decode(&bytes), Ok(header));
        for cut in 0..bytes.len() {
            assert!(Header::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut old = bytes.clone();
        old[8..12].copy_from_slice(&0u32.to_le_bytes());
        assert!(Header::decode(&old).unwrap_err().0.contains("version 0"));
        let mut miscounted = bytes.clone();
        miscounted[32..36].copy_from_slice(&4u32.to_le_bytes());
        assert!(Header::decode(&miscounted).is_err());
        let mut zero_chunks = bytes;
        zero_chunks[28..32].copy_from_slice(&0u32.to_le_bytes());
        assert!(Header::decode(&zero_chunks).is_err());
        let empty = Header::of(1, &[], 1000);
        assert_eq!(Header::decode(&empty.encode()).map(|h| h.chunks), Ok(0));
    }

    #[test]
    fn checksum_sees_single_bit_flips_and_length() {
        let bytes: Vec<u8> = (0..77u32).map(|i| (i * 31 % 253) as u8).collect();
        let base = checksum(&bytes);
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut flipped = bytes.clone();
                flipped[i] ^= 1 << bit;
                assert_ne!(checksum(&flipped), base, "byte {i} bit {bit}");
            }
        }
        assert_ne!(checksum(&bytes[..76]), base);
        let mut zero_padded = bytes[..76].to_vec();
        zero_padded.push(0);
        assert_ne!(checksum(&zero_padded), checksum(&bytes[..76]));
    }

    #[test]
    fn fingerprints_differ_by_name_database_and_arguments() {
        let args = |dim: &str| -> Vec<Vec<u8>> {
            ["SCHEMA", "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", dim, "DISTANCE_METRIC", "L2"]
                .iter()
                .map(|a| a.as_bytes().to_vec())
                .collect()
        };
        let def = |name: &str, db: usize, dim: &str| IndexDef::parse(name, db, &args(dim)).expect("def");
        let base = fingerprint(&def("idx", 0, "2"));
        assert_eq!(base, fingerprint(&def("idx", 0, "2")));
        assert_ne!(base, fingerprint(&def("idy", 0, "2")));
        assert_ne!(base, fingerprint(&def("idx", 1, "2")));
        assert_ne!(base, fingerprint(&def("idx", 0, "3")));
    }
}
