//! Document keys: what a valid `_key` is (1..254 bytes of letters, digits and
//! `_-:.@()+,=;$!*'%`; 1221 otherwise) and the key generators of a collection:
//! traditional (the store's increasing tick as a decimal string), autoincrement
//! (offset + n · increment), uuid (random, version 4 form) and padded (16 hex digits,
//! lexicographically increasing). The generator's last value is kept per collection and
//! written with each committing transaction's statistics ([`super::keys::STATS`]), so it
//! survives a restart; a user-given numeric key moves it on, as ArangoDB tracks them.

use super::{KeyGenerator, KeyOptions};
use crate::error::{num, AqlError, AqlResult};
use crate::value::Value;

pub const MAX_KEY_BYTES: usize = 254;

fn key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-:.@()+,=;$!*'%".contains(&b)
}

pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_BYTES && key.bytes().all(key_byte)
}

pub fn bad_key() -> AqlError {
    AqlError::new(num::DOCUMENT_KEY_BAD, "illegal document key")
}

pub fn check_key(key: &str) -> AqlResult<()> {
    if valid_key(key) {
        Ok(())
    } else {
        Err(bad_key())
    }
}

/// The key options a collection is created with (`keyOptions` of the request); 1232 for
/// an unknown generator or bad increment/offset.
pub fn parse_options(options: Option<&Value>) -> AqlResult<KeyOptions> {
    let invalid = || AqlError::new(num::INVALID_KEY_GENERATOR, "invalid key generator");
    let get = |name: &str| options.and_then(|o| o.get(name));
    let allow_user_keys = match get("allowUserKeys") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid()),
    };
    let number = |name: &str, default: u64| -> AqlResult<u64> {
        match get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => match v.as_f64() {
                Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 1e18 => Ok(f as u64),
                _ => Err(invalid()),
            },
        }
    };
    let generator = match get("type").map(|t| t.as_str()) {
        None | Some(Some("traditional")) => KeyGenerator::Traditional,
        Some(Some("autoincrement")) => {
            let increment = number("increment", 1)?;
            if increment == 0 || increment >= (1 << 16) {
                return Err(invalid());
            }
            let offset = number("offset", 0)?;
            KeyGenerator::Autoincrement { increment, offset }
        }
        Some(Some("uuid")) => KeyGenerator::Uuid,
        Some(Some("padded")) => KeyGenerator::Padded,
        Some(Some("upgrade")) => return Err(AqlError::not_supported("the 'upgrade' key generator")),
        _ => return Err(invalid()),
    };
    Ok(KeyOptions { generator, allow_user_keys })
}

/// `keyOptions` as ArangoDB reports them: every generator but uuid has a `lastValue`.
pub fn options_value(k: &KeyOptions, last_value: u64) -> Value {
    let mut o = crate::value::Object::new();
    let ty = match k.generator {
        KeyGenerator::Traditional => "traditional",
        KeyGenerator::Autoincrement { .. } => "autoincrement",
        KeyGenerator::Uuid => "uuid",
        KeyGenerator::Padded => "padded",
    };
    o.insert("allowUserKeys".into(), Value::Bool(k.allow_user_keys));
    o.insert("type".into(), Value::str(ty));
    if let KeyGenerator::Autoincrement { increment, offset } = k.generator {
        o.insert("increment".into(), Value::Int(increment as i64));
        o.insert("offset".into(), Value::Int(offset as i64));
    }
    if !matches!(k.generator, KeyGenerator::Uuid) {
        o.insert("lastValue".into(), Value::Int(last_value.min(i64::MAX as u64) as i64));
    }
    Value::Object(o)
}

/// The generator's next value after `last` (autoincrement and padded; traditional takes
/// the store's tick).
pub fn next_after(generator: &KeyGenerator, last: u64) -> u64 {
    match *generator {
        KeyGenerator::Autoincrement { increment, offset } => {
            if last < offset {
                offset.max(1)
            } else {
                last + increment - ((last - offset) % increment)
            }
        }
        _ => last + 1,
    }
}

pub fn render(generator: &KeyGenerator, value: u64) -> String {
    match generator {
        KeyGenerator::Padded => format!("{value:016x}"),
        _ => value.to_string(),
    }
}

/// The value a user-given key means to the generator (so later generated keys pass
/// it), None when it means nothing to it.
pub fn tracked(generator: &KeyGenerator, key: &str) -> Option<u64> {
    match generator {
        KeyGenerator::Uuid => None,
        KeyGenerator::Padded => {
            if key.len() == 16 {
                u64::from_str_radix(key, 16).ok()
            } else {
                None
            }
        }
        _ => {
            if key.len() <= 19 && key.bytes().all(|b| b.is_ascii_digit()) {
                key.parse().ok()
            } else {
                None
            }
        }
    }
}

/// A random version-4 UUID, lower-case with dashes.
pub fn uuid() -> AqlResult<String> {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| AqlError::internal("no randomness for a uuid key"))?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_validation() {
        assert!(valid_key("abc-_:.@()+,=;$!*'%09"));
        assert!(valid_key(&"a".repeat(254)));
        assert!(!valid_key(&"a".repeat(255)));
        assert!(!valid_key(""));
        assert!(!valid_key("a/b"));
        assert!(!valid_key("a b"));
        assert!(!valid_key("ä"));
    }

    #[test]
    fn generators() {
        let auto = KeyGenerator::Autoincrement { increment: 5, offset: 10 };
        assert_eq!(next_after(&auto, 0), 10);
        assert_eq!(next_after(&auto, 10), 15);
        assert_eq!(next_after(&auto, 12), 15);
        let one = KeyGenerator::Autoincrement { increment: 1, offset: 0 };
        assert_eq!(next_after(&one, 0), 1);
        assert_eq!(next_after(&one, 1), 2);
        assert_eq!(render(&KeyGenerator::Padded, 255), "00000000000000ff");
        assert!(render(&KeyGenerator::Padded, 9) < render(&KeyGenerator::Padded, 10));
        assert_eq!(tracked(&KeyGenerator::Traditional, "123"), Some(123));
        assert_eq!(tracked(&KeyGenerator::Traditional, "a1"), None);
        let u = uuid().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        assert!(parse_options(Some(&Value::object([("type", Value::str("nope"))]))).is_err());
        let upgrade = parse_options(Some(&Value::object([("type", Value::str("upgrade"))]))).unwrap_err();
        assert_eq!(upgrade.num, num::NOT_IMPLEMENTED);
    }
}
