//! Argument parsing shared by the command families, with Redis's error replies.

use crate::error::{RedisError, RedisResult};

/// A signed 64-bit integer argument in Redis's strict form ("ERR value is not an
/// integer or out of range" otherwise: no spaces, no '+', no leading zeros).
pub fn parse_i64(arg: &[u8]) -> RedisResult<i64> {
    let s = std::str::from_utf8(arg).map_err(|_| RedisError::not_integer())?;
    let well_formed = !s.is_empty()
        && !s.starts_with('+')
        && !(s.len() > 1 && s.starts_with('0'))
        && !s.starts_with("-0")
        && s.bytes().enumerate().all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'));
    if !well_formed {
        return Err(RedisError::not_integer());
    }
    s.parse::<i64>().map_err(|_| RedisError::not_integer())
}

/// True when `arg` equals `word` ignoring ASCII case (option names like NX, WITHSCORES).
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_integers() {
        assert_eq!(parse_i64(b"42").ok(), Some(42));
        assert_eq!(parse_i64(b"-7").ok(), Some(-7));
        assert_eq!(parse_i64(b"0").ok(), Some(0));
        assert_eq!(parse_i64(b"-9223372036854775808").ok(), Some(i64::MIN));
        for bad in [&b""[..], b"+1", b"01", b"-0", b"1 ", b" 1", b"1.0", b"9223372036854775808", b"abc", b"-"] {
            assert!(parse_i64(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        assert!(is(b"wItHsCoReS", "WITHSCORES"));
    }
}
