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

/// A double argument as Redis's `strtod`-based parsing reads it ("ERR value is not a
/// valid float" otherwise): decimal or hexadecimal, with `inf`/`infinity` in any case
/// and either sign; no NaN, no surrounding spaces, no trailing bytes, nothing that
/// overflows to infinity or underflows to zero.
pub fn parse_f64(arg: &[u8]) -> RedisResult<f64> {
    parse_double(arg).ok_or_else(RedisError::not_float)
}

fn parse_double(arg: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(arg).ok()?;
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let value = if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        f64::INFINITY
    } else if body.len() > 2 && body[..2].eq_ignore_ascii_case("0x") {
        parse_hex_double(&body[2..])?
    } else {
        let well_formed = !body.is_empty()
            && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
            && body.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.');
        if !well_formed {
            return None;
        }
        let v: f64 = body.parse().ok()?;
        let mantissa = body.split(['e', 'E']).next().unwrap_or("");
        if v.is_infinite() || (v == 0.0 && mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b))) {
            return None; // ERANGE
        }
        v
    };
    Some(if negative { -value } else { value })
}

/// The part after "0x" of a C hexadecimal float: hex digits, an optional fraction and
/// an optional binary exponent `p[+-]N`.
fn parse_hex_double(s: &str) -> Option<f64> {
    let (mantissa, exponent) = match s.find(['p', 'P']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int_part.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let v = v * 2f64.powi(exponent);
    (v.is_finite()).then_some(v)
}

/// A double as Redis 7.0 replies with it (ZSCORE, ZINCRBY, RESP3 doubles): `%.17g`,
/// "inf" / "-inf", and "0" for both zeros.
pub fn format_double_reply(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    format_g(v, 17)
}

/// C's `%.<precision>g` for a finite, non-zero double.
fn format_g(v: f64, precision: usize) -> String {
    let sci = format!("{:.*e}", precision - 1, v);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= precision as i32 {
        let mantissa = strip_fraction_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decimals = (precision as i32 - 1 - exp).max(0) as usize;
        strip_fraction_zeros(&format!("{:.*}", decimals, v)).to_string()
    }
}

fn strip_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// INCRBYFLOAT's result as Redis 7.0 prints it (`%.17Lf` of a long double, trailing
/// zeros removed): plain decimal notation, never an exponent. Redis computes in long
/// double; we compute in f64 and keep 15 significant digits so that f64 rounding noise
/// (0.1 + 0.2) prints as Redis prints it.
pub fn format_incrbyfloat(v: f64) -> String {
    if !v.is_finite() {
        return format_double_reply(v);
    }
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (14 - magnitude).clamp(0, 17) as usize;
    let rounded = format!("{:.*}", decimals, v);
    let out = strip_fraction_zeros(&rounded);
    // Above 15 significant digits, keep only 15: print the rounded value in fixed form.
    let out = if magnitude >= 15 {
        let sci = format!("{:.14e}", v);
        let Ok(r) = sci.parse::<f64>() else { return out.to_string() };
        format!("{r:.0}")
    } else {
        out.to_string()
    };
    if out == "-0" {
        "0".into()
    } else {
        out
    }
}

/// How an expiry argument is given: EX / PX relative to now, EXAT / PXAT absolute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpireUnit {
    /// EX, EXPIRE, SETEX.
    Seconds,
    /// PX, PEXPIRE, PSETEX.
    Millis,
    /// EXAT, EXPIREAT.
    UnixSeconds,
    /// PXAT, PEXPIREAT.
    UnixMillis,
}

/// "ERR invalid expire time in '<command>' command".
pub fn invalid_expire(command: &str) -> RedisError {
    RedisError::err(format!("invalid expire time in '{}' command", command.to_ascii_lowercase()))
}

/// SET / GETEX / SETEX expiry arguments: a positive integer that, in milliseconds and
/// made absolute, still fits an i64. Returns unix milliseconds.
pub fn parse_set_expire(arg: &[u8], unit: ExpireUnit, now_ms: i64, command: &str) -> RedisResult<i64> {
    let v = parse_i64(arg)?;
    let seconds = matches!(unit, ExpireUnit::Seconds | ExpireUnit::UnixSeconds);
    if v <= 0 || (seconds && v > i64::MAX / 1000) {
        return Err(invalid_expire(command));
    }
    let ms = if seconds { v * 1000 } else { v };
    let at = match unit {
        ExpireUnit::Seconds | ExpireUnit::Millis => ms.checked_add(now_ms).ok_or_else(|| invalid_expire(command))?,
        _ => ms,
    };
    if at <= 0 {
        return Err(invalid_expire(command));
    }
    Ok(at)
}

/// EXPIRE-family times: any integer whose absolute millisecond value fits an i64
/// (a time in the past deletes the key). Returns unix milliseconds.
pub fn parse_expire_time(arg: &[u8], unit: ExpireUnit, now_ms: i64, command: &str) -> RedisResult<i64> {
    let v = parse_i64(arg)?;
    let seconds = matches!(unit, ExpireUnit::Seconds | ExpireUnit::UnixSeconds);
    let ms = if seconds { v.checked_mul(1000).ok_or_else(|| invalid_expire(command))? } else { v };
    match unit {
        ExpireUnit::Seconds | ExpireUnit::Millis => ms.checked_add(now_ms).ok_or_else(|| invalid_expire(command)),
        _ => Ok(ms),
    }
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

    // Expected values from redis-server 7.0.15 (ZADD zz <v> m; ZSCORE zz m).
    #[test]
    fn doubles_parse_like_redis() {
        for (input, want) in [
            ("0x10", 16.0),
            ("infinity", f64::INFINITY),
            ("INF", f64::INFINITY),
            ("+inf", f64::INFINITY),
            ("-inf", f64::NEG_INFINITY),
            (".5", 0.5),
            ("5.", 5.0),
            ("+.5", 0.5),
            ("0x1p3", 8.0),
            ("-0", 0.0),
            ("1.5e3", 1500.0),
        ] {
            assert_eq!(parse_f64(input.as_bytes()).ok(), Some(want), "{input}");
        }
        for bad in ["1e400", "1e-400", "nan", " 1", "1 ", "1e", "1_0", "", "abc", "-", "0x"] {
            assert!(parse_f64(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn double_replies_like_zscore() {
        for (v, want) in [
            (1.1, "1.1000000000000001"),
            (-0.0, "0"),
            (1e20, "1e+20"),
            (1e-7, "9.9999999999999995e-08"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (3000.0, "3000"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.30000000000000004, "0.30000000000000004"),
            (0.5, "0.5"),
        ] {
            assert_eq!(format_double_reply(v), want);
        }
    }

    #[test]
    fn incrbyfloat_results_like_redis() {
        for (v, want) in [
            (10.5 + 0.1, "10.6"),
            (3.0e3, "3000"),
            (8000.0, "8000"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "0.00000015"),
            (0.1 + 0.2, "0.3"),
            (-1e-20, "0"),
            (5.0e-323, "0"),
            (17.0, "17"),
            (0.5, "0.5"),
            (100000.0, "100000"),
            (-2.5, "-2.5"),
        ] {
            assert_eq!(format_incrbyfloat(v), want, "{v}");
        }
    }
}
