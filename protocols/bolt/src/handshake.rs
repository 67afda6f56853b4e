//! The Bolt handshake: the client sends the magic `60 60 B0 17` and four 4-byte version
//! proposals, each `[reserved, range, minor, major]` offering `major.minor` down to
//! `major.(minor - range)`; the server answers `[0, 0, minor, major]` of the version it
//! picks, or `00 00 00 00` and closes.
//!
//! We speak 5.8 down to 5.0 except 5.5 (which Neo4j withdrew), and 4.4, and pick the
//! highest of those any slot offers. The manifest slot `00 00 01 FF` (a client able to do
//! manifest v1 negotiation) is ignored: its major 255 is nothing we speak, and such
//! clients also offer ordinary slots. [`looks_like_http`] spots a browser or an HTTP
//! client on the port so the listener can close it.

use crate::error::{BoltError, BoltResult};

/// The four bytes every Bolt connection starts with.
pub const MAGIC: [u8; 4] = [0x60, 0x60, 0xB0, 0x17];
/// Magic and four proposals.
pub const HANDSHAKE_LEN: usize = 20;
/// The answer when no proposal matches.
pub const NO_VERSION: [u8; 4] = [0, 0, 0, 0];
/// The slot a client capable of manifest v1 negotiation sends.
pub const MANIFEST_V1: [u8; 4] = [0x00, 0x00, 0x01, 0xFF];

/// A Bolt protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
}

impl Version {
    pub const fn new(major: u8, minor: u8) -> Self {
        Version { major, minor }
    }

    /// The 4-byte answer naming this version.
    pub fn to_bytes(self) -> [u8; 4] {
        [0, 0, self.minor, self.major]
    }

    /// True from `major.minor` on (e.g. `v.at_least(5, 1)` for LOGON).
    pub fn at_least(self, major: u8, minor: u8) -> bool {
        self >= Version::new(major, minor)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The versions we speak, highest first.
pub const SUPPORTED: [Version; 9] = [
    Version::new(5, 8),
    Version::new(5, 7),
    Version::new(5, 6),
    Version::new(5, 4),
    Version::new(5, 3),
    Version::new(5, 2),
    Version::new(5, 1),
    Version::new(5, 0),
    Version::new(4, 4),
];

/// True when `proposal` (one 4-byte slot) offers `version`.
fn offers(proposal: [u8; 4], version: Version) -> bool {
    if proposal == MANIFEST_V1 {
        return false;
    }
    let [_reserved, range, minor, major] = proposal;
    major == version.major && version.minor <= minor && version.minor >= minor.saturating_sub(range)
}

/// The highest supported version any of the 16 bytes of proposals offers.
pub fn negotiate(proposals: &[u8; 16]) -> Option<Version> {
    let slots: Vec<[u8; 4]> = proposals.chunks_exact(4).filter_map(|slot| <[u8; 4]>::try_from(slot).ok()).collect();
    SUPPORTED.into_iter().find(|&version| slots.iter().any(|&slot| offers(slot, version)))
}

/// Reads the handshake from the first bytes of a connection: `Ok(None)` while fewer than
/// 20 bytes have arrived (a wrong magic fails as soon as its bytes differ), else the
/// negotiated version (`None` when nothing matches: answer [`NO_VERSION`] and close).
pub fn read_handshake(input: &[u8]) -> BoltResult<Option<Option<Version>>> {
    let magic_seen = input.get(..MAGIC.len()).unwrap_or(input);
    if !MAGIC.starts_with(magic_seen) {
        return Err(BoltError::BadMagic(magic_seen.to_vec()));
    }
    let Some(proposals) = input.get(MAGIC.len()..HANDSHAKE_LEN) else { return Ok(None) };
    let mut slots = [0u8; 16];
    slots.copy_from_slice(proposals);
    Ok(Some(negotiate(&slots)))
}

/// The 4-byte answer for a negotiation result.
pub fn response(version: Option<Version>) -> [u8; 4] {
    version.map_or(NO_VERSION, Version::to_bytes)
}

/// True when the first bytes of a connection are an HTTP request or response line rather
/// than the Bolt magic (someone pointed a browser or an HTTP client at the Bolt port).
pub fn looks_like_http(input: &[u8]) -> bool {
    const STARTS: [&[u8; 4]; 6] = [b"GET ", b"POST", b"PUT ", b"HEAD", b"HTTP", b"OPTI"];
    input.get(..4).is_some_and(|start| STARTS.iter().any(|s| start == &s[..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handshake(slots: [[u8; 4]; 4]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for slot in slots {
            out.extend_from_slice(&slot);
        }
        out
    }

    fn pick(slots: [[u8; 4]; 4]) -> Option<Version> {
        read_handshake(&handshake(slots)).expect("valid magic").expect("complete")
    }

    const EMPTY: [u8; 4] = [0; 4];

    #[test]
    fn a_5x_range_gets_the_highest() {
        assert_eq!(pick([[0, 8, 8, 5], EMPTY, EMPTY, EMPTY]), Some(Version::new(5, 8)));
        assert_eq!(response(Some(Version::new(5, 8))), [0, 0, 8, 5]);
    }

    #[test]
    fn ranges_are_respected() {
        // 5.4 down to 5.2.
        assert_eq!(pick([[0, 2, 4, 5], EMPTY, EMPTY, EMPTY]), Some(Version::new(5, 4)));
        // 5.9 down to 5.9: nothing.
        assert_eq!(pick([[0, 0, 9, 5], EMPTY, EMPTY, EMPTY]), None);
        // 5.10 down to 5.6: 5.8.
        assert_eq!(pick([[0, 4, 10, 5], EMPTY, EMPTY, EMPTY]), Some(Version::new(5, 8)));
        // A range wider than the minor stops at .0.
        assert_eq!(pick([[0, 200, 0, 5], EMPTY, EMPTY, EMPTY]), Some(Version::new(5, 0)));
        // 5.6 down to 5.5: 5.6, never 5.5.
        assert_eq!(pick([[0, 1, 6, 5], EMPTY, EMPTY, EMPTY]), Some(Version::new(5, 6)));
        // 5.5 down to 5.4: 5.4.
        assert_eq!(pick([[0, 1, 5, 5], EMPTY, EMPTY, EMPTY]), Some(Version::new(5, 4)));
    }

    #[test]
    fn the_highest_over_all_slots_wins() {
        let slots = [[0, 0, 4, 4], [0, 0, 0, 5], [0, 3, 7, 5], [0, 0, 0, 3]];
        assert_eq!(pick(slots), Some(Version::new(5, 7)));
    }

    #[test]
    fn only_5_5_is_refused() {
        assert_eq!(pick([[0, 0, 5, 5], EMPTY, EMPTY, EMPTY]), None);
    }

    #[test]
    fn only_4_4() {
        assert_eq!(pick([[0, 0, 4, 4], EMPTY, EMPTY, EMPTY]), Some(Version::new(4, 4)));
        assert_eq!(pick([[0, 2, 4, 4], [0, 0, 0, 3], EMPTY, EMPTY]), Some(Version::new(4, 4)));
        assert_eq!(response(Some(Version::new(4, 4))), [0, 0, 4, 4]);
    }

    #[test]
    fn only_4_3_and_older_get_zeros() {
        assert_eq!(pick([[0, 0, 3, 4], EMPTY, EMPTY, EMPTY]), None);
        assert_eq!(pick([[0, 3, 3, 4], [0, 0, 0, 3], EMPTY, EMPTY]), None);
        assert_eq!(pick([EMPTY; 4]), None);
        assert_eq!(response(None), [0, 0, 0, 0]);
    }

    #[test]
    fn the_manifest_slot_is_ignored() {
        // What a 5.7+ driver sends: the manifest first, then ordinary slots.
        let slots = [MANIFEST_V1, [0, 8, 8, 5], [0, 0, 4, 4], EMPTY];
        assert_eq!(pick(slots), Some(Version::new(5, 8)));
        assert_eq!(pick([MANIFEST_V1, EMPTY, EMPTY, EMPTY]), None);
    }

    #[test]
    fn the_reserved_byte_is_ignored() {
        assert_eq!(pick([[0xAB, 0, 4, 4], EMPTY, EMPTY, EMPTY]), Some(Version::new(4, 4)));
    }

    #[test]
    fn bad_magic_fails_early() {
        assert_eq!(read_handshake(&[0x60, 0x61]), Err(BoltError::BadMagic(vec![0x60, 0x61])));
        let mut wrong = handshake([[0, 8, 8, 5], EMPTY, EMPTY, EMPTY]);
        if let Some(b) = wrong.get_mut(3) {
            *b = 0x18;
        }
        assert_eq!(read_handshake(&wrong), Err(BoltError::BadMagic(vec![0x60, 0x60, 0xB0, 0x18])));
        assert!(matches!(read_handshake(b"GET / HTTP/1.1\r\n\r\n"), Err(BoltError::BadMagic(_))));
    }

    #[test]
    fn partial_handshakes_wait() {
        let full = handshake([[0, 8, 8, 5], EMPTY, EMPTY, EMPTY]);
        for cut in 0..HANDSHAKE_LEN {
            assert_eq!(read_handshake(full.get(..cut).expect("in range")), Ok(None), "{cut}");
        }
        assert_eq!(read_handshake(&full), Ok(Some(Some(Version::new(5, 8)))));
    }

    #[test]
    fn http_is_recognised() {
        assert!(looks_like_http(b"GET / HTTP/1.1\r\n"));
        assert!(looks_like_http(b"POST /db/neo4j/tx HTTP/1.1\r\n"));
        assert!(looks_like_http(b"HTTP/1.1 200 OK\r\n"));
        assert!(!looks_like_http(&MAGIC));
        assert!(!looks_like_http(b"GE"));
        assert!(!looks_like_http(b""));
    }

    #[test]
    fn versions_order_and_display() {
        assert!(Version::new(5, 1).at_least(5, 1));
        assert!(!Version::new(5, 0).at_least(5, 1));
        assert!(Version::new(5, 0) > Version::new(4, 4));
        assert_eq!(Version::new(5, 8).to_string(), "5.8");
    }
}
