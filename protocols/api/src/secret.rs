//! Comparing and making secrets, for every listener's authentication.
//!
//! A password, hash, token or proof a client sends is compared with
//! [`constant_time_eq`] (time independent of where the bytes differ) or, when the stored
//! secret is a password in clear (Redis `requirepass`, MySQL's cleartext plugin), with
//! [`plain_password_matches`], which also hides the password's length. Salts, nonces and
//! challenge scrambles come from [`random_bytes`]. The protocol-specific proofs
//! (SCRAM, md5, mysql_native_password, caching_sha2) stay in their protocol's code and
//! end in one of these comparisons.

use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use std::hint::black_box;

/// `a == b`, taking the same time for any two inputs of one length (the length itself
/// is not hidden; see [`plain_password_matches`] for that).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        // black_box keeps the compiler from turning the loop into an early exit.
        diff |= black_box(x ^ y);
    }
    black_box(diff) == 0
}

/// Whether `given` is the password `expected`, both in clear: their SHA-256 digests
/// are compared in constant time, so neither where they differ nor the length of the
/// expected password shows in the time taken.
pub fn plain_password_matches(expected: &[u8], given: &[u8]) -> bool {
    let expected = digest::digest(&digest::SHA256, expected);
    let given = digest::digest(&digest::SHA256, given);
    constant_time_eq(expected.as_ref(), given.as_ref())
}

/// `N` bytes from the operating system's secure random generator (salts, nonces,
/// MySQL's auth scramble). Panics only when the operating system has no working
/// random source, which no listener can run without.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).expect("the system random generator works");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret1"));
        assert!(!constant_time_eq(b"Secret", b"secret"));
    }

    #[test]
    fn plain_passwords() {
        assert!(plain_password_matches(b"hunter2", b"hunter2"));
        assert!(!plain_password_matches(b"hunter2", b"hunter"));
        assert!(!plain_password_matches(b"hunter2", b""));
        assert!(plain_password_matches(b"", b""));
    }

    #[test]
    fn random_bytes_differ() {
        let a: [u8; 20] = random_bytes();
        let b: [u8; 20] = random_bytes();
        assert_ne!(a, b);
    }
}
