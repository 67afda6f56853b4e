//! Where the object-store lease directory keeps things, and what each object holds.
//!
//! * `<prefix>/leases/<type>/<key>`: one object per lease key, a [`LeaseEnvelope`]. A
//!   released or removed lease leaves a tombstone (an envelope without a lease), so the
//!   key's fencing counter survives and only grows.
//! * `<prefix>/nodes/<node>`: one [`NodeEnvelope`] per cluster node.
//! * `<prefix>/journal/<id>`: a transaction being applied (see the directory's
//!   `commit_transaction`).
//!
//! Each path segment is the UTF-8 text with every byte outside `[A-Za-z0-9_-]` written as
//! `=HH` (hex), and the empty text as `=`, so any type, key or node id is one valid
//! object-store path segment and decodes back exactly.

use crate::provider::{AddressableLease, AddressableReference, LeaseError, LeaseOp, LeaseResult, NodeId, NodeInfo};
use object_store::path::Path;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// The envelope format written by this version.
pub const FORMAT: u32 = 1;

/// The largest object body read back (a lease or node envelope is a few hundred bytes).
pub const MAX_OBJECT_BYTES: usize = 1 << 20;

/// What one lease object holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseEnvelope {
    pub format: u32,
    /// The key's fencing counter: the token of its latest acquisition.
    pub fencing: u64,
    /// Grows with every write of the object; with `writer` it keeps every body distinct,
    /// so a content-hash ETag never repeats for a key.
    pub revision: u64,
    pub writer: u64,
    /// `None`: a tombstone (the key is free).
    pub lease: Option<AddressableLease>,
}

impl LeaseEnvelope {
    /// The envelope that follows `previous` (a tombstone or lease, or nothing stored).
    pub fn next(previous: Option<&LeaseEnvelope>, lease: Option<AddressableLease>, acquisition: bool) -> Self {
        let (fencing, revision) = previous.map_or((0, 0), |p| (p.fencing, p.revision));
        LeaseEnvelope {
            format: FORMAT,
            fencing: if acquisition { fencing.saturating_add(1) } else { fencing },
            revision: revision.saturating_add(1),
            writer: writer_nonce(),
            lease,
        }
    }
}

/// What one node object holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeEnvelope {
    pub format: u32,
    pub node: NodeInfo,
}

/// A transaction's ops as written to the journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JournalEntry {
    pub format: u32,
    pub ops: Vec<LeaseOp>,
}

/// A number unlikely to repeat between writers: the clock and a process-wide counter.
fn writer_nonce() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let mixed = nanos ^ (u64::from(std::process::id()) << 40) ^ NEXT.fetch_add(1, Ordering::Relaxed);
    mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A fresh journal id, ordered by time.
pub fn journal_id() -> String {
    format!("{:020}-{:016x}", crate::provider::now_millis(), writer_nonce())
}

/// One text as one path segment.
pub fn encode_segment(text: &str) -> String {
    if text.is_empty() {
        return "=".into();
    }
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("={byte:02X}"));
        }
    }
    out
}

/// The text of a segment written by [`encode_segment`].
pub fn decode_segment(segment: &str) -> LeaseResult<String> {
    if segment == "=" {
        return Ok(String::new());
    }
    let bad = || LeaseError::Corruption(format!("object store: the path segment \"{segment}\" is not one Orbit wrote"));
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = segment.get(i + 1..i + 3).ok_or_else(bad)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// The paths of one directory under its prefix.
#[derive(Debug, Clone)]
pub struct Layout {
    prefix: String,
}

impl Layout {
    /// `prefix` is already checked to be a valid path (possibly empty).
    pub fn new(prefix: &str) -> Self {
        Layout { prefix: prefix.trim_matches('/').to_string() }
    }

    fn join(&self, rest: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from_iter(rest.split('/'))
        } else {
            Path::from_iter(self.prefix.split('/').chain(rest.split('/')))
        }
    }

    pub fn prefix(&self) -> Path {
        if self.prefix.is_empty() {
            Path::default()
        } else {
            Path::from_iter(self.prefix.split('/'))
        }
    }

    pub fn leases_root(&self) -> Path {
        self.join("leases")
    }

    pub fn lease_type_dir(&self, encoded_type: &str) -> Path {
        self.join(&format!("leases/{encoded_type}"))
    }

    pub fn lease(&self, reference: &AddressableReference) -> Path {
        self.join(&format!("leases/{}/{}", encode_segment(&reference.addressable_type), encode_segment(&reference.key)))
    }

    /// The reference of a lease object found by listing `leases/<type>/`.
    pub fn reference_of(&self, path: &Path) -> LeaseResult<AddressableReference> {
        let parts: Vec<String> = path.parts().map(|p| p.as_ref().to_string()).collect();
        match parts.as_slice() {
            [.., ty, key] if parts.len() >= 3 => {
                Ok(AddressableReference::new(decode_segment(ty)?, decode_segment(key)?))
            }
            _ => Err(LeaseError::Corruption(format!("object store: {path} is not a lease object"))),
        }
    }

    pub fn nodes_root(&self) -> Path {
        self.join("nodes")
    }

    pub fn node(&self, node_id: &NodeId) -> Path {
        self.join(&format!("nodes/{}", encode_segment(&node_id.0)))
    }

    pub fn journal_root(&self) -> Path {
        self.join("journal")
    }

    pub fn journal(&self, id: &str) -> Path {
        self.join(&format!("journal/{id}"))
    }

    /// The last segment of a path, decoded.
    pub fn last_segment(path: &Path) -> LeaseResult<String> {
        let last = path.parts().last().map(|p| p.as_ref().to_string()).unwrap_or_default();
        decode_segment(&last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_round_trip() {
        for text in ["", "a", "b:c", "a\0", "\0é", ".", "..", "=", "~", "a/b", "%41", "n10"] {
            let encoded = encode_segment(text);
            assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-=".contains(&b)), "{encoded}");
            assert_eq!(decode_segment(&encoded).expect("decode"), text);
        }
        assert!(decode_segment("=4").is_err());
        assert!(decode_segment("=ZZ").is_err());
        assert!(decode_segment("=FF").is_err(), "not UTF-8");
    }

    #[test]
    fn lease_paths_decode_to_their_reference() {
        let layout = Layout::new("orbit/test");
        let reference = AddressableReference::new("a:b", "\0é/x");
        let path = layout.lease(&reference);
        assert!(path.as_ref().starts_with("orbit/test/leases/"), "{path}");
        assert_eq!(layout.reference_of(&path).expect("decode"), reference);
        assert_eq!(Layout::new("").node(&NodeId::new("n1")).as_ref(), "nodes/n1");
    }

    #[test]
    fn envelopes_grow_fencing_only_on_acquisition() {
        let first = LeaseEnvelope::next(None, None, true);
        assert_eq!((first.fencing, first.revision), (1, 1));
        let renewed = LeaseEnvelope::next(Some(&first), None, false);
        assert_eq!((renewed.fencing, renewed.revision), (1, 2));
        assert_ne!(first.writer, renewed.writer);
    }
}
