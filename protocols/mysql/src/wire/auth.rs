//! The arithmetic of the two authentication plugins Orbit speaks.
//!
//! mysql_native_password: the server stores SHA1(SHA1(password)); the client proves it
//! knows the password with SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))).
//! caching_sha2_password (fast path): the server keeps SHA256(SHA256(password)); the
//! client sends SHA256(password) XOR SHA256(SHA256(SHA256(password)) + scramble). When
//! the server cannot check that (no cached hash), it answers
//! [`PERFORM_FULL_AUTHENTICATION`] and the client sends the cleartext password, which is
//! only allowed over TLS ([`verify_cleartext`]).
//!
//! An account without a password is `None`; it matches only an empty response. All
//! comparisons of secrets are constant-time.

use ring::digest::{digest, Context, SHA1_FOR_LEGACY_USE_ONLY, SHA256};

pub const MYSQL_NATIVE_PASSWORD: &str = "mysql_native_password";
pub const CACHING_SHA2_PASSWORD: &str = "caching_sha2_password";
pub const MYSQL_CLEAR_PASSWORD: &str = "mysql_clear_password";

/// caching_sha2_password AuthMoreData byte: the scramble matched.
pub const FAST_AUTH_SUCCESS: u8 = 0x03;
/// caching_sha2_password AuthMoreData byte: send the password in full.
pub const PERFORM_FULL_AUTHENTICATION: u8 = 0x04;
/// What a caching_sha2_password client sends to ask for the server's RSA public key.
pub const REQUEST_PUBLIC_KEY: u8 = 0x02;

fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut ctx = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 20];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn xor<const N: usize>(a: &[u8; N], b: &[u8; N]) -> [u8; N] {
    let mut out = [0u8; N];
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
        *o = x ^ y;
    }
    out
}

/// Compares without an early exit (the length is not secret).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// An empty auth response: no bytes, or the lone NUL some clients send for "no password".
fn is_empty_response(response: &[u8]) -> bool {
    matches!(response, [] | [0])
}

/// The scramble without the NUL that ends it in greetings and auth-switch requests.
fn scramble_bytes(scramble: &[u8]) -> &[u8] {
    match scramble.split_last() {
        Some((0, rest)) if rest.len() == 20 => rest,
        _ => scramble,
    }
}

/// SHA1(SHA1(password)): what mysql_native_password stores (MySQL shows it as `*` and
/// upper-case hex).
pub fn native_stored_hash(password: &[u8]) -> [u8; 20] {
    sha1(&[&sha1(&[password])])
}

/// What a mysql_native_password client sends for `password` (for an empty password a
/// client sends an empty response instead).
pub fn native_scramble_response(password: &[u8], scramble: &[u8]) -> [u8; 20] {
    let stage1 = sha1(&[password]);
    let stage2 = sha1(&[&stage1]);
    xor(&stage1, &sha1(&[scramble_bytes(scramble), &stage2]))
}

/// Checks a mysql_native_password response against the stored hash.
pub fn verify_native(stored: Option<&[u8; 20]>, scramble: &[u8], response: &[u8]) -> bool {
    let Some(stored) = stored else {
        return is_empty_response(response);
    };
    let Ok(response) = <&[u8; 20]>::try_from(response) else {
        return false;
    };
    let stage1 = xor(response, &sha1(&[scramble_bytes(scramble), stored]));
    constant_time_eq(&sha1(&[&stage1]), stored)
}

/// SHA256(SHA256(password)): what Orbit keeps for caching_sha2_password.
pub fn sha2_stored_hash(password: &[u8]) -> [u8; 32] {
    sha256(&[&sha256(&[password])])
}

/// What a caching_sha2_password client sends on the fast path (for an empty password a
/// client sends an empty response instead).
pub fn sha2_scramble_response(password: &[u8], scramble: &[u8]) -> [u8; 32] {
    let stage1 = sha256(&[password]);
    let stage2 = sha256(&[&stage1]);
    xor(&stage1, &sha256(&[&stage2, scramble_bytes(scramble)]))
}

/// Checks a caching_sha2_password fast-path response: recovers SHA256(password) with
/// SHA256(stored + scramble), hashes it and compares with `stored`.
pub fn verify_sha2_fast(stored: Option<&[u8; 32]>, scramble: &[u8], response: &[u8]) -> bool {
    let Some(stored) = stored else {
        return is_empty_response(response);
    };
    let Ok(response) = <&[u8; 32]>::try_from(response) else {
        return false;
    };
    let stage1 = xor(response, &sha256(&[stored, scramble_bytes(scramble)]));
    constant_time_eq(&sha256(&[&stage1]), stored)
}

/// Checks a cleartext password (caching_sha2_password's full authentication over TLS, or
/// mysql_clear_password) against whichever hashes the account has; `None` for both is an
/// account without a password. A trailing NUL (clients send one) is ignored.
pub fn verify_cleartext(stored_native: Option<&[u8; 20]>, stored_sha2: Option<&[u8; 32]>, password: &[u8]) -> bool {
    let password = match password.split_last() {
        Some((0, rest)) => rest,
        _ => password,
    };
    match (stored_native, stored_sha2) {
        (None, None) => password.is_empty(),
        (native, sha2) => {
            // Both hashes are computed whichever is present, so timing says nothing
            // about which one the account has.
            let native_ok = constant_time_eq(&native_stored_hash(password), native.map_or(&[][..], |h| &h[..]));
            let sha2_ok = constant_time_eq(&sha2_stored_hash(password), sha2.map_or(&[][..], |h| &h[..]));
            native_ok | sha2_ok
        }
    }
}

/// Hex of a digest, lower case (for tests and for MySQL-style `*HEX` display).
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `data` (exposed for the RSA key exchange's callers and tests).
pub fn sha256_of(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, data).as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRAMBLE: &[u8; 20] = b"abcdefghijklmnopqrst";

    #[test]
    fn native_stored_hash_matches_mysql_password_function() {
        // MySQL: SELECT PASSWORD('password') = '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'.
        assert_eq!(to_hex(&native_stored_hash(b"password")), "2470c0c06dee42fd1618bb99005adca2ec9d1e19");
        // SHA1("password") is the well-known 5baa61e4....
        assert_eq!(to_hex(&sha1(&[b"password"])), "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8");
    }

    #[test]
    fn sha256_known_vector() {
        assert_eq!(to_hex(&sha256_of(b"password")), "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8");
        assert_eq!(sha2_stored_hash(b"password"), sha256_of(&sha256_of(b"password")));
    }

    #[test]
    fn native_round_trip() {
        let stored = native_stored_hash(b"secret");
        let response = native_scramble_response(b"secret", SCRAMBLE);
        assert_eq!(response.len(), 20);
        assert!(verify_native(Some(&stored), SCRAMBLE, &response));
        // The scramble as it appears in a greeting, with its NUL, gives the same answer.
        let mut with_nul = SCRAMBLE.to_vec();
        with_nul.push(0);
        assert_eq!(native_scramble_response(b"secret", &with_nul), response);
        assert!(verify_native(Some(&stored), &with_nul, &response));
        assert!(!verify_native(Some(&stored), SCRAMBLE, &native_scramble_response(b"secreT", SCRAMBLE)));
        assert!(!verify_native(Some(&stored), b"tsrqponmlkjihgfedcba", &response));
        assert!(!verify_native(Some(&stored), SCRAMBLE, &response[..19]));
        assert!(!verify_native(Some(&stored), SCRAMBLE, &[]));
    }

    #[test]
    fn native_response_by_hand() {
        // The client formula spelled out with the digest primitive, independently of the helper.
        let s1 = digest(&SHA1_FOR_LEGACY_USE_ONLY, b"password");
        let s2 = digest(&SHA1_FOR_LEGACY_USE_ONLY, s1.as_ref());
        let mut both = SCRAMBLE.to_vec();
        both.extend_from_slice(s2.as_ref());
        let mask = digest(&SHA1_FOR_LEGACY_USE_ONLY, &both);
        let expected: Vec<u8> = s1.as_ref().iter().zip(mask.as_ref()).map(|(a, b)| a ^ b).collect();
        assert_eq!(native_scramble_response(b"password", SCRAMBLE).to_vec(), expected);
    }

    #[test]
    fn empty_passwords() {
        assert!(verify_native(None, SCRAMBLE, b""));
        assert!(verify_native(None, SCRAMBLE, b"\0"));
        assert!(!verify_native(None, SCRAMBLE, &native_scramble_response(b"x", SCRAMBLE)));
        assert!(verify_sha2_fast(None, SCRAMBLE, b""));
        assert!(!verify_sha2_fast(None, SCRAMBLE, &sha2_scramble_response(b"x", SCRAMBLE)));
        // An account with a password never accepts an empty response.
        let stored = sha2_stored_hash(b"");
        assert!(!verify_sha2_fast(Some(&stored), SCRAMBLE, b""));
        assert!(verify_cleartext(None, None, b"\0"));
        assert!(!verify_cleartext(None, None, b"x"));
    }

    #[test]
    fn sha2_round_trip() {
        let stored = sha2_stored_hash(b"secret");
        let response = sha2_scramble_response(b"secret", SCRAMBLE);
        assert_eq!(response.len(), 32);
        assert!(verify_sha2_fast(Some(&stored), SCRAMBLE, &response));
        assert!(!verify_sha2_fast(Some(&stored), b"tsrqponmlkjihgfedcba", &response));
        assert!(!verify_sha2_fast(Some(&stored), SCRAMBLE, &sha2_scramble_response(b"Secret", SCRAMBLE)));
        assert!(!verify_sha2_fast(Some(&stored), SCRAMBLE, &response[1..]));
        // By hand: XOR(SHA256(pw), SHA256(SHA256(SHA256(pw)) + scramble)).
        let s1 = sha256_of(b"secret");
        let mut both = sha256_of(&s1).to_vec();
        both.extend_from_slice(SCRAMBLE);
        let mask = sha256_of(&both);
        let expected: Vec<u8> = s1.iter().zip(mask).map(|(a, b)| a ^ b).collect();
        assert_eq!(response.to_vec(), expected);
    }

    #[test]
    fn cleartext() {
        let native = native_stored_hash(b"pw");
        let sha2 = sha2_stored_hash(b"pw");
        assert!(verify_cleartext(Some(&native), Some(&sha2), b"pw\0"));
        assert!(verify_cleartext(Some(&native), None, b"pw"));
        assert!(verify_cleartext(None, Some(&sha2), b"pw"));
        assert!(!verify_cleartext(Some(&native), Some(&sha2), b"pW"));
        assert!(!verify_cleartext(Some(&native), Some(&sha2), b""));
    }

    #[test]
    fn auth_more_data_bytes() {
        assert_eq!(FAST_AUTH_SUCCESS, 3);
        assert_eq!(PERFORM_FULL_AUTHENTICATION, 4);
    }
}
