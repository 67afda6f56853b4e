//! Roles made by CREATE ROLE / CREATE USER: name, superuser and login flags and a salted
//! password hash, kept as catalog entries (persisted and reloaded with the schema; a role
//! change does not change the schema version). Cassandra keeps a bcrypt hash in
//! system_auth.roles; Orbit keeps PBKDF2-HMAC-SHA256 with a random 16-byte salt, in its
//! own text form `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>`.

use crate::error::{CqlError, CqlResult};
use ring::rand::SecureRandom;
use std::num::NonZeroU32;

const ITERATIONS: u32 = 32_768;
const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDef {
    pub name: String,
    pub superuser: bool,
    pub login: bool,
    pub salted_hash: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// A new salted hash of `password`.
pub fn hash_password(password: &str) -> CqlResult<String> {
    let mut salt = [0u8; SALT_LEN];
    ring::rand::SystemRandom::new().fill(&mut salt).map_err(|_| CqlError::server("no randomness for a salt"))?;
    let mut hash = [0u8; HASH_LEN];
    let iterations = NonZeroU32::new(ITERATIONS).ok_or_else(|| CqlError::server("zero iterations"))?;
    ring::pbkdf2::derive(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations, &salt, password.as_bytes(), &mut hash);
    Ok(format!("pbkdf2-sha256${ITERATIONS}${}${}", hex(&salt), hex(&hash)))
}

/// Whether `password` matches `salted_hash` (compared in constant time).
pub fn verify_password(salted_hash: &str, password: &str) -> bool {
    let mut parts = salted_hash.split('$');
    let (Some("pbkdf2-sha256"), Some(iterations), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Some(iterations), Some(salt), Some(hash)) =
        (iterations.parse::<u32>().ok().and_then(NonZeroU32::new), unhex(salt), unhex(hash))
    else {
        return false;
    };
    ring::pbkdf2::verify(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations, &salt, password.as_bytes(), &hash).is_ok()
}

/// The stored form: flags, then the name and the hash, each length-prefixed.
pub fn encode_role(role: &RoleDef) -> Vec<u8> {
    let mut out = vec![1u8, u8::from(role.superuser), u8::from(role.login)];
    for text in [role.name.as_str(), role.salted_hash.as_deref().unwrap_or("")] {
        out.extend_from_slice(&(text.len() as u32).to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    out.push(u8::from(role.salted_hash.is_some()));
    out
}

pub fn decode_role(bytes: &[u8]) -> CqlResult<RoleDef> {
    let bad = || CqlError::server("stored role is malformed");
    let (Some(&1), Some(&superuser), Some(&login)) = (bytes.first(), bytes.get(1), bytes.get(2)) else {
        return Err(bad());
    };
    let mut rest = bytes.get(3..).ok_or_else(bad)?;
    let mut texts = Vec::with_capacity(2);
    for _ in 0..2 {
        let len = u32::from_be_bytes(rest.get(..4).ok_or_else(bad)?.try_into().map_err(|_| bad())?) as usize;
        let end = len.checked_add(4).ok_or_else(bad)?;
        let text = rest.get(4..end).ok_or_else(bad)?;
        texts.push(String::from_utf8(text.to_vec()).map_err(|_| bad())?);
        rest = rest.get(end..).ok_or_else(bad)?;
    }
    let has_hash = *rest.first().ok_or_else(bad)? == 1;
    let hash = texts.pop().ok_or_else(bad)?;
    let name = texts.pop().ok_or_else(bad)?;
    Ok(RoleDef { name, superuser: superuser == 1, login: login == 1, salted_hash: has_hash.then_some(hash) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves_and_roles_round_trip() {
        let hash = hash_password("s3cret").unwrap();
        assert!(hash.starts_with("pbkdf2-sha256$32768$"));
        assert!(verify_password(&hash, "s3cret"));
        assert!(!verify_password(&hash, "s3creT"));
        assert!(!verify_password("garbage", "s3cret"));
        assert_ne!(hash, hash_password("s3cret").unwrap(), "a fresh salt every time");
        let role = RoleDef { name: "ann".into(), superuser: false, login: true, salted_hash: Some(hash) };
        assert_eq!(decode_role(&encode_role(&role)).unwrap(), role);
        let bare = RoleDef { name: "r".into(), superuser: true, login: false, salted_hash: None };
        assert_eq!(decode_role(&encode_role(&bare)).unwrap(), bare);
        assert!(decode_role(&[1, 0]).is_err());
    }
}
