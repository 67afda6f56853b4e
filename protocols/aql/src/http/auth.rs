//! Authentication: HTTP Basic and `Authorization: bearer <jwt>`. JWTs are HS256 (ring's
//! HMAC-SHA256) with `{preferred_username, iss: "arangodb", iat, exp}` as `POST
//! /_open/auth` issues them; a superuser token (signed with the secret, no
//! `preferred_username`, as ArangoDB's `--server.jwt-secret` tokens are) is root.
//! Passwords are kept as PBKDF2-HMAC-SHA256 hashes with a random salt.

use crate::value::{json, Object, Value};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hmac, pbkdf2};
use std::num::NonZeroU32;
use std::time::{SystemTime, UNIX_EPOCH};

/// How long an issued token is valid (ArangoDB's --server.session-timeout default).
pub const SESSION_SECONDS: i64 = 3600;
const PBKDF2_ITERATIONS: u32 = 10_000;
const MAX_TOKEN_LEN: usize = 8192;

/// Who a request authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Basic {
        user: String,
        password: String,
    },
    /// A valid token: its user, or None for a superuser token.
    Token {
        user: Option<String>,
    },
    /// A bearer token that does not verify or has expired.
    BadToken,
    None,
}

pub struct Auth {
    key: hmac::Key,
}

pub fn now_seconds() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    if SystemRandom::new().fill(&mut out).is_err() {
        let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        for (i, b) in out.iter_mut().enumerate() {
            *b = (seed >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(151);
        }
    }
    out
}

impl Auth {
    /// Keyed with `secret`, or with random bytes when none is configured.
    pub fn new(secret: Option<&str>) -> Auth {
        let bytes = match secret {
            Some(s) => s.as_bytes().to_vec(),
            None => random_bytes(32),
        };
        Auth { key: hmac::Key::new(hmac::HMAC_SHA256, &bytes) }
    }

    fn sign(&self, claims: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(json::to_json_bytes(claims));
        let signing_input = format!("{header}.{payload}");
        let tag = hmac::sign(&self.key, signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// A session token for `user`.
    pub fn issue(&self, user: &str) -> String {
        let now = now_seconds();
        self.sign(&Value::object([
            ("preferred_username", Value::str(user)),
            ("iss", Value::str("arangodb")),
            ("iat", Value::Int(now)),
            ("exp", Value::Int(now + SESSION_SECONDS)),
        ]))
    }

    /// A superuser token, as `arangodb --server.jwt-secret` holders make them.
    pub fn superuser_token(&self) -> String {
        self.sign(&Value::object([("server_id", Value::str("orbit")), ("iss", Value::str("arangodb"))]))
    }

    /// The claims of a token whose HS256 signature verifies, that is not expired and
    /// whose issuer is "arangodb"; None otherwise.
    pub fn verify(&self, token: &str) -> Option<Object> {
        if token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let mut parts = token.split('.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature.trim_end_matches('=')).ok()?;
        hmac::verify(&self.key, format!("{header}.{payload}").as_bytes(), &signature).ok()?;
        let header = json::parse(&URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')).ok()?).ok()?;
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return None;
        }
        let claims = json::parse(&URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?).ok()?;
        let Value::Object(claims) = claims else { return None };
        if claims.get("iss").and_then(Value::as_str) != Some("arangodb") {
            return None;
        }
        if let Some(exp) = claims.get("exp").and_then(Value::as_f64) {
            if exp < now_seconds() as f64 {
                return None;
            }
        }
        Some(claims)
    }

    /// What the `Authorization` header says.
    pub fn credentials(&self, header: Option<&str>) -> Credentials {
        let Some(header) = header.map(str::trim) else { return Credentials::None };
        let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let Ok(decoded) = STANDARD.decode(rest) else { return Credentials::None };
            let Ok(text) = String::from_utf8(decoded) else { return Credentials::None };
            let (user, password) = text.split_once(':').unwrap_or((text.as_str(), ""));
            return Credentials::Basic { user: user.to_string(), password: password.to_string() };
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            return match self.verify(rest) {
                Some(claims) => Credentials::Token {
                    user: claims.get("preferred_username").and_then(Value::as_str).map(str::to_string),
                },
                None => Credentials::BadToken,
            };
        }
        Credentials::None
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 == 1 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// The stored form of a password: `{method, iterations, salt, hash}` (hex).
pub fn hash_password(password: &str) -> Value {
    let salt = random_bytes(16);
    let iterations = NonZeroU32::new(PBKDF2_ITERATIONS).unwrap_or(NonZeroU32::MIN);
    let mut out = [0u8; 32];
    pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, iterations, &salt, password.as_bytes(), &mut out);
    Value::object([
        ("method", Value::str("pbkdf2-hmac-sha256")),
        ("iterations", Value::Int(PBKDF2_ITERATIONS as i64)),
        ("salt", Value::String(hex(&salt))),
        ("hash", Value::String(hex(&out))),
    ])
}

/// Whether `password` matches the stored form (constant-time comparison).
pub fn verify_password(stored: &Value, password: &str) -> bool {
    let (Some(salt), Some(hash)) = (
        stored.get("salt").and_then(Value::as_str).and_then(unhex),
        stored.get("hash").and_then(Value::as_str).and_then(unhex),
    ) else {
        return false;
    };
    let iterations = stored.get("iterations").and_then(Value::as_f64).unwrap_or(0.0);
    let Some(iterations) = NonZeroU32::new(iterations.clamp(0.0, 10_000_000.0) as u32) else { return false };
    pbkdf2::verify(pbkdf2::PBKDF2_HMAC_SHA256, iterations, &salt, password.as_bytes(), &hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_and_tampering_fails() {
        let auth = Auth::new(Some("secret"));
        let token = auth.issue("root");
        assert_eq!(
            auth.credentials(Some(&format!("bearer {token}"))),
            Credentials::Token { user: Some("root".into()) }
        );
        let other = Auth::new(Some("other"));
        assert_eq!(other.credentials(Some(&format!("Bearer {token}"))), Credentials::BadToken);
        let mut tampered = token.clone();
        tampered.push('A');
        assert_eq!(auth.credentials(Some(&format!("Bearer {tampered}"))), Credentials::BadToken);
        let su = auth.superuser_token();
        assert_eq!(auth.credentials(Some(&format!("bearer {su}"))), Credentials::Token { user: None });
        let expired = auth.sign(&Value::object([
            ("preferred_username", Value::str("root")),
            ("iss", Value::str("arangodb")),
            ("exp", Value::Int(now_seconds() - 10)),
        ]));
        assert_eq!(auth.credentials(Some(&format!("bearer {expired}"))), Credentials::BadToken);
    }

    #[test]
    fn basic_and_passwords() {
        let auth = Auth::new(None);
        let header = format!("Basic {}", STANDARD.encode("root:pw:x"));
        assert_eq!(
            auth.credentials(Some(&header)),
            Credentials::Basic { user: "root".into(), password: "pw:x".into() }
        );
        let stored = hash_password("secret");
        assert!(verify_password(&stored, "secret"));
        assert!(!verify_password(&stored, "Secret"));
        assert!(!json::to_json_string(&stored).contains("secret"));
    }
}
