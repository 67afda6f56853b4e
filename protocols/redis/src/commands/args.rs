//! Argument parsing shared by the command families, with Redis's error replies.

use crate::error::{RedisError, RedisResult};
use bigdecimal::num_bigint::{BigInt, BigUint, Sign};
use bigdecimal::num_traits::{One, Zero};

/// A signed 64-bit integer argument in Redis's strict form ("ERR value is not an
/// integer or out of range" otherwise: no spaces, no '+', no leading zeros).
pub fn parse_i64(arg: &[u8]) -> RedisResult<i64> {
    let s = std::str::from_utf8(arg).map_err(|_| RedisError::not_integer())?;
    let digits = s.strip_prefix('-').unwrap_or(s);
    let leading_zero = digits.starts_with('0') && (digits.len() > 1 || s.starts_with('-'));
    if digits.is_empty() || leading_zero || !digits.bytes().all(|b| b.is_ascii_digit()) {
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
    } else if body.len() > 2 && body.as_bytes()[..2].eq_ignore_ascii_case(b"0x") {
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
pub(crate) fn format_g(v: f64, precision: usize) -> String {
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

/// An f64 in INCRBYFLOAT's notation (`%.17Lf` with trailing zeros removed: plain
/// decimal, never an exponent), keeping 15 significant digits so that f64 rounding
/// noise (0.1 + 0.2) prints as Redis prints it. Only an approximation of Redis's long
/// double results: INCRBYFLOAT itself uses [`incr_long_double`], which is exact.
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

/// An x87 80-bit `long double` (64-bit mantissa), emulated exactly, for INCRBYFLOAT
/// and HINCRBYFLOAT: Redis parses with `strtold`, adds in long double and prints with
/// `%.17Lf`, so matching its replies byte for byte needs the same binary rounding.
/// A finite value is `(-1)^negative * mantissa * 2^exponent`.
#[derive(Debug, Clone, PartialEq)]
pub struct LongDouble {
    negative: bool,
    mantissa: BigUint,
    exponent: i64,
}

/// Largest binary exponent of a finite long double's top bit, plus one.
const LD_MAX_EXP: i64 = 16384;
/// Below this top-bit exponent a long double underflows (subnormals are approximated).
const LD_MIN_EXP: i64 = -16445;

impl LongDouble {
    /// Parses as Redis's `string2ld` does: `strtold` syntax (decimal or hexadecimal), no
    /// spaces, no trailing bytes, no NaN, no overflow to infinity or underflow to zero.
    /// `Ok(None)` for an infinity (valid, but no sum with it is finite); otherwise
    /// "ERR value is not a valid float".
    pub fn parse(arg: &[u8]) -> RedisResult<Option<LongDouble>> {
        let (negative, body) = match arg.first() {
            Some(b'-') => (true, &arg[1..]),
            Some(b'+') => (false, &arg[1..]),
            Some(_) => (false, arg),
            None => return Err(RedisError::not_float()),
        };
        if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
            return Ok(None);
        }
        let (num, den, exp2) = if body.len() > 2 && body[..2].eq_ignore_ascii_case(b"0x") {
            parse_hex_rational(&body[2..]).ok_or_else(RedisError::not_float)?
        } else {
            parse_decimal_rational(body).ok_or_else(RedisError::not_float)?
        };
        if num.is_zero() {
            return Ok(Some(LongDouble { negative, mantissa: BigUint::zero(), exponent: 0 }));
        }
        round_to_long_double(negative, num, den, exp2).map(Some).ok_or_else(RedisError::not_float)
    }

    /// The sum, rounded as the FPU rounds it; `None` when it overflows.
    pub fn add(&self, other: &LongDouble) -> Option<LongDouble> {
        let e = self.exponent.min(other.exponent);
        let signed = |v: &LongDouble| {
            let shifted = BigInt::from(v.mantissa.clone() << ((v.exponent - e) as usize));
            if v.negative {
                -shifted
            } else {
                shifted
            }
        };
        let sum = signed(self) + signed(other);
        let negative = sum.sign() == Sign::Minus;
        let magnitude = sum.magnitude().clone();
        if magnitude.is_zero() {
            return Some(LongDouble { negative: false, mantissa: magnitude, exponent: 0 });
        }
        round_to_long_double(negative, magnitude, BigUint::one(), e)
    }

    /// `%.17Lf` with trailing zeros (and a trailing '.') removed, "-0" as "0": Redis's
    /// human-friendly long double format.
    pub fn to_redis_string(&self) -> String {
        let scale = BigUint::from(10u32).pow(17);
        let fixed = if self.exponent >= 0 {
            (self.mantissa.clone() << (self.exponent as usize)) * scale
        } else {
            let den = BigUint::one() << ((-self.exponent) as usize);
            let num = self.mantissa.clone() * scale;
            let (q, r) = (&num / &den, &num % &den);
            let twice: BigUint = r << 1;
            if twice > den || (twice == den && q.bit(0)) {
                q + 1u32
            } else {
                q
            }
        };
        let digits = format!("{fixed:0>18}");
        let (int_part, frac_part) = digits.split_at(digits.len() - 17);
        let frac_part = frac_part.trim_end_matches('0');
        let mut out = String::with_capacity(digits.len() + 2);
        if self.negative {
            out.push('-');
        }
        out.push_str(int_part);
        if !frac_part.is_empty() {
            out.push('.');
            out.push_str(frac_part);
        }
        if out == "-0" {
            "0".into()
        } else {
            out
        }
    }
}

/// `[digits][.digits][(e|E)[sign]digits]` with at least one mantissa digit, as
/// num / den * 2^exp2.
fn parse_decimal_rational(s: &[u8]) -> Option<(BigUint, BigUint, i64)> {
    let mut i = 0;
    let mut digits = Vec::new();
    let mut frac = 0i64;
    while i < s.len() && s[i].is_ascii_digit() {
        digits.push(s[i]);
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            digits.push(s[i]);
            frac += 1;
            i += 1;
        }
    }
    if digits.is_empty() {
        return None;
    }
    let mut exp10 = 0i64;
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        i += 1;
        let neg = match s.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            // Saturate: anything this large overflows or underflows anyway.
            exp10 = (exp10 * 10 + i64::from(s[i] - b'0')).min(1_000_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        if neg {
            exp10 = -exp10;
        }
    }
    if i != s.len() {
        return None;
    }
    let mut exp10 = exp10 - frac;
    let (digits, dropped) = significant_digits(&digits);
    exp10 += dropped;
    if digits.is_empty() {
        return Some((BigUint::zero(), BigUint::one(), 0));
    }
    let mantissa = BigUint::parse_bytes(&digits, 10)?;
    // Out of range whatever the digits: reject before building huge numbers.
    let magnitude = digits.len() as i64 + exp10;
    if !(-5000..=5000).contains(&magnitude) {
        return None;
    }
    let ten = BigUint::from(10u32);
    Some(if exp10 >= 0 {
        (mantissa * ten.pow(exp10 as u32), BigUint::one(), 0)
    } else {
        (mantissa, ten.pow((-exp10) as u32), 0)
    })
}

/// Digits enough to round correctly, so that no input makes the big-number work slow:
/// leading zeros removed; beyond [`MAX_DIGITS`], the rest replaced by a sticky `1`
/// when any of it is non-zero. Returns the digits and how many were dropped.
fn significant_digits(digits: &[u8]) -> (Vec<u8>, i64) {
    const MAX_DIGITS: usize = 20_000;
    let start = digits.iter().position(|d| *d != b'0').unwrap_or(digits.len());
    let digits = &digits[start..];
    if digits.len() <= MAX_DIGITS {
        return (digits.to_vec(), 0);
    }
    let mut kept = digits[..MAX_DIGITS].to_vec();
    let mut dropped = (digits.len() - MAX_DIGITS) as i64;
    if digits[MAX_DIGITS..].iter().any(|d| *d != b'0') {
        kept.push(b'1');
        dropped -= 1;
    }
    (kept, dropped)
}

/// The part after "0x" of a C hexadecimal float, as num / den * 2^exp2.
fn parse_hex_rational(s: &[u8]) -> Option<(BigUint, BigUint, i64)> {
    let text = std::str::from_utf8(s).ok()?;
    let (mantissa, exp2) = match text.find(['p', 'P']) {
        Some(i) => {
            let e = &text[i + 1..];
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (&text[..i], e.parse::<i64>().unwrap_or(if e.starts_with('-') { -1_000_000 } else { 1_000_000 }))
        }
        None => (text, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = format!("{int_part}{frac_part}");
    if all.is_empty() || !all.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (digits, dropped) = significant_digits(all.as_bytes());
    if digits.is_empty() {
        return Some((BigUint::zero(), BigUint::one(), 0));
    }
    let num = BigUint::parse_bytes(&digits, 16)?;
    let exp2 = exp2.clamp(-1_000_000, 1_000_000) - 4 * frac_part.len() as i64 + 4 * dropped;
    if !num.is_zero() && !(-20_000..=20_000).contains(&(num.bits() as i64 + exp2)) {
        return None;
    }
    Some((num, BigUint::one(), exp2))
}

/// Rounds num / den * 2^exp2 (num > 0) to a 64-bit mantissa, ties to even; `None` on
/// overflow or underflow.
fn round_to_long_double(negative: bool, num: BigUint, den: BigUint, exp2: i64) -> Option<LongDouble> {
    // Pick e so that 2^63 <= num / den / 2^e < 2^64.
    let mut e = num.bits() as i64 - den.bits() as i64 - 64;
    loop {
        let (n, d) = if e >= 0 {
            (num.clone(), den.clone() << (e as usize))
        } else {
            (num.clone() << ((-e) as usize), den.clone())
        };
        let q = &n / &d;
        let bits = q.bits();
        if bits > 64 {
            e += 1;
            continue;
        }
        if bits < 64 {
            e -= 1;
            continue;
        }
        let r = &n % &d;
        let twice: BigUint = r << 1;
        let mut m = if twice > d || (twice == d && q.bit(0)) { q + 1u32 } else { q };
        let mut exponent = e + exp2;
        if m.bits() > 64 {
            m >>= 1;
            exponent += 1;
        }
        let top = exponent + 63;
        if !(LD_MIN_EXP..LD_MAX_EXP).contains(&top) {
            return None;
        }
        return Some(LongDouble { negative, mantissa: m, exponent });
    }
}

/// INCRBYFLOAT's arithmetic: `current` (None: a missing key, 0) plus `increment`, as
/// Redis computes and prints it. Errors are Redis's replies.
pub fn incr_long_double(current: Option<&[u8]>, increment: &[u8]) -> RedisResult<String> {
    let zero = LongDouble { negative: false, mantissa: BigUint::zero(), exponent: 0 };
    let base = match current {
        Some(v) => LongDouble::parse(v)?,
        None => Some(zero),
    };
    let by = LongDouble::parse(increment)?;
    let nan_or_inf = || RedisError::err("increment would produce NaN or Infinity");
    match (base, by) {
        (Some(a), Some(b)) => Ok(a.add(&b).ok_or_else(nan_or_inf)?.to_redis_string()),
        _ => Err(nan_or_inf()),
    }
}

/// A SCAN/HSCAN/SSCAN/ZSCAN cursor as Redis's `strtoul` reads it: optional sign, decimal
/// digits, no surrounding spaces, nothing above u64 ("-1" wraps, as in Redis); "ERR
/// invalid cursor" otherwise.
pub fn parse_scan_cursor(arg: &[u8]) -> RedisResult<u64> {
    let invalid = || RedisError::err("invalid cursor");
    if arg.is_empty() {
        return Ok(0);
    }
    let (negative, digits) = match arg[0] {
        b'-' => (true, &arg[1..]),
        b'+' => (false, &arg[1..]),
        _ => (false, arg),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let v: u64 = std::str::from_utf8(digits).map_err(|_| invalid())?.parse().map_err(|_| invalid())?;
    Ok(if negative { v.wrapping_neg() } else { v })
}

/// Largest COUNT a SCAN-family call honours (a page is read in one go).
pub const MAX_SCAN_COUNT: usize = 1 << 20;

/// The options of SCAN, HSCAN, SSCAN and ZSCAN after the cursor.
pub struct ScanOptions<'a> {
    pub pattern: Option<&'a [u8]>,
    pub count: usize,
    /// SCAN's TYPE.
    pub kind: Option<&'a [u8]>,
}

impl ScanOptions<'_> {
    /// Whether `name` passes MATCH.
    pub fn matches(&self, name: &[u8]) -> bool {
        self.pattern.is_none_or(|p| p == b"*" || super::keys::glob_match(p, name, false))
    }
}

/// Parses `[MATCH pattern] [COUNT n]` (and `[TYPE t]` when `with_type`) in any order;
/// COUNT below 1 or an unknown or valueless option is a syntax error, as in Redis.
pub fn parse_scan_options(opts: &[Vec<u8>], with_type: bool) -> RedisResult<ScanOptions<'_>> {
    let mut options = ScanOptions { pattern: None, count: 10, kind: None };
    for pair in opts.chunks(2) {
        let [opt, value] = pair else { return Err(RedisError::syntax()) };
        if is(opt, "COUNT") {
            let n = parse_i64(value)?;
            if n < 1 {
                return Err(RedisError::syntax());
            }
            options.count = usize::try_from(n).unwrap_or(usize::MAX).min(MAX_SCAN_COUNT);
        } else if is(opt, "MATCH") {
            options.pattern = Some(value);
        } else if with_type && is(opt, "TYPE") {
            options.kind = Some(value);
        } else {
            return Err(RedisError::syntax());
        }
    }
    Ok(options)
}

/// A small xorshift generator for random picks (RANDOMKEY-like commands), seeded from
/// the keyspace's random source.
pub struct Rng(u64);

impl Rng {
    pub fn seeded() -> Rng {
        Rng(crate::keyspace::random_u64() | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform enough in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % (n.max(1) as u64)) as usize
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
        for bad in
            ["1e400", "1e-400", "nan", " 1", "1 ", "1e", "1_0", "", "abc", "-", "0x", "0é", "0xé", "-é", "\u{e9}1"]
        {
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

    // (stored value, increment, redis-server 7.0.15's INCRBYFLOAT reply or error; for
    // long replies only its first 40 bytes and its length).
    #[test]
    fn long_double_increments_like_redis() {
        let cases: &[(&str, &str, &str, usize)] = &[
            ("10.5", "0.1", "10.6", 0),
            ("3.0e3", "0", "3000", 0),
            ("3.0e3", "5.0e3", "8000", 0),
            ("0", "1e20", "100000000000000000000", 0),
            ("0", "1.5e-7", "0.00000015", 0),
            ("0.1", "0.2", "0.3", 0),
            ("1e308", "1e308", "1999999999999999999933717593116912913211", 309),
            ("0", "-1e-20", "0", 0),
            ("0", "123456789012345678901234567890", "123456789012345678899921813504", 0),
            ("0", "5.0e-323", "0", 0),
            ("0x10", "1", "17", 0),
            ("1", "1e400", "1000000000000000000028188068394758651458", 401),
            ("1", "1e-400", "1", 0),
            ("1e4931", "1e4931", "2000000000000000000012037898775927782647", 4932),
            ("1e4932", "0", "1000000000000000000006018949387963891323", 4933),
            ("-1e4931", "-1e4931", "-200000000000000000001203789877592778264", 4933),
            ("1.5", "1.5", "3", 0),
            ("17179869184", "1.5", "17179869185.5", 0),
            ("17179869184", "17179869184", "34359738368", 0),
            ("1", "1.1", "2.1", 0),
            ("5", "-5", "0", 0),
            ("-0", "0", "0", 0),
            ("0", "-0.0", "0", 0),
            ("1", "0x1p-3", "1.125", 0),
            ("1", "0X1.8P1", "4", 0),
            ("0.00000000000000001", "0", "0.00000000000000001", 0),
            ("0.000000000000000005", "0", "0", 0),
            ("0.000000000000000015", "0", "0.00000000000000002", 0),
            ("0.000000000000000025", "0", "0.00000000000000002", 0),
            ("1e-4940", "1", "1", 0),
            ("1", "+.5", "1.5", 0),
            ("1", "5.", "6", 0),
            ("1", "1e", "-ERR value is not a valid float", 0),
            ("1", ".", "-ERR value is not a valid float", 0),
            ("1", "e1", "-ERR value is not a valid float", 0),
            ("1", " 1", "-ERR value is not a valid float", 0),
            ("1", "1 ", "-ERR value is not a valid float", 0),
            ("1", "inf", "-ERR increment would produce NaN or Infinity", 0),
            ("inf", "-inf", "-ERR increment would produce NaN or Infinity", 0),
            ("1", "nan", "-ERR value is not a valid float", 0),
            ("1", "0x", "-ERR value is not a valid float", 0),
            ("1", "1e+", "-ERR value is not a valid float", 0),
            ("99999999999999999999", "1", "100000000000000000000", 0),
            ("2.5", "-2.5", "0", 0),
            ("-3.7", "1.2", "-2.5", 0),
            ("1e19", "1", "10000000000000000001", 0),
            ("18446744073709551615", "1", "18446744073709551616", 0),
            ("9.999999999999999999", "0", "10", 0),
            ("3.569", "5.883e-07", "3.5690005883", 0),
            ("339", "5.584e+09", "5584000339", 0),
            ("0.84022", "-940", "-939.15977999999999998", 0),
            ("0.98036", "-311", "-310.01963999999999999", 0),
            ("539043994.70935893", "4.901", "539043999.6103589300182648", 0),
            ("19183.27", "2.006e-08", "19183.27000002005999946", 0),
            ("1.49e+05", "-62.0", "148938", 0),
            ("0.70458", "0.22840", "0.93298", 0),
            ("58419.31", "-3.684", "58415.62599999999999767", 0),
            ("-93.0", "-3.634", "-96.634", 0),
            ("6.549e-29", "0.01245", "0.01245", 0),
            ("801", "0.69833", "801.69833000000000001", 0),
            ("3.976e+09", "828442397.71801043", "4804442397.71801043022423983", 0),
            ("-1.835", "8.362e-12", "-1.834999999991638", 0),
            ("-344", "-72.8", "-416.79999999999999999", 0),
            ("0.36868", "2.551", "2.91968", 0),
            ("-195", "10.0", "-185", 0),
            ("31757.49", "1.242e+16", "12420000000031757.490234375", 0),
            ("3.091", "-70.3", "-67.20900000000000001", 0),
            ("0.72884", "2.842e+01", "29.14884", 0),
            ("-17.8", "52973.34", "52955.53999999999999915", 0),
            ("0.52498", "-9.29e+05", "-928999.47501999999997224", 0),
            ("435392457.21293759", "5.87e+04", "435451157.21293758999672718", 0),
            ("82298.44", "-734916899.70230293", "-734834601.26230293000116944", 0),
            ("-13.0", "6.42e+05", "641987", 0),
            ("-85.9", "-65.5", "-151.39999999999999999", 0),
            ("566", "729", "1295", 0),
            ("82494.51", "20976.51", "103471.01999999999999602", 0),
            ("44789.38", "-4.504", "44784.87599999999999767", 0),
            ("-84.6", "0.50476", "-84.09524", 0),
            ("9.514e-25", "1.600e+28", "16000000000000000000000000000", 0),
            ("0.42070", "-11", "-10.5793", 0),
            ("98089.50", "8.098e-25", "98089.5", 0),
            ("-705", "-475741183.16779798", "-475741888.16779797998606227", 0),
            ("0.95263", "0.60981", "1.56244", 0),
            ("0.65294", "-7.95e+05", "-794999.34705999999999904", 0),
            ("96.3", "55621.95", "55718.25", 0),
            ("30.7", "-54", "-23.3", 0),
            ("4.107", "0.11738", "4.22438", 0),
            ("95654.66", "-1.044", "95653.61599999999999966", 0),
            ("0.81185", "-95.5", "-94.68815", 0),
            ("85066.54", "-8.2", "85058.33999999999999631", 0),
            ("1.071e+20", "-2.76e+05", "107099999999999724000", 0),
            ("518", "1.072e-29", "518", 0),
            ("-6.05e+05", "1.066e+19", "10659999999999395000", 0),
            ("8.29e+05", "-182", "828818", 0),
            ("3.922", "0.86925", "4.79125", 0),
            ("6.9", "9.11e+05", "911006.89999999999997726", 0),
            ("0.03722", "-37.9", "-37.86278", 0),
            ("4.242e-08", "803066277.74338078", "803066277.74338082241592929", 0),
            ("8.0", "-38.1", "-30.1", 0),
            ("-731", "-0.662", "-731.66199999999999998", 0),
            ("8.43e+05", "-4.79e+05", "364000", 0),
            ("-7.95e+05", "-278", "-795278", 0),
            ("54722.89", "0.13560", "54723.02560000000000073", 0),
            ("6.35e+05", "3.308", "635003.30799999999999272", 0),
            ("9.377e-19", "68127.16", "68127.15999999999999659", 0),
            ("-794960611.01690233", "-43.7", "-794960654.71690232999389991", 0),
            ("814513058.28512859", "-751110749.7754395", "63402308.50968909001676366", 0),
            ("-89.6", "46.2", "-43.4", 0),
            ("0.88217", "-952", "-951.11782999999999999", 0),
            ("-373", "7.99e+05", "798627", 0),
            ("4.763", "0.07899", "4.84199", 0),
            ("-4.09e+05", "79.1", "-408920.90000000000000568", 0),
            ("1.73e+05", "243825442.51728511", "243998442.51728511000692379", 0),
            ("-995", "3.271", "-991.72899999999999998", 0),
            ("-1.19e+05", "-0.010", "-119000.00999999999999801", 0),
            ("-69.6", "-766", "-835.59999999999999998", 0),
            ("1.212", "3.81e+05", "381001.21199999999998909", 0),
            ("441", "-994", "-553", 0),
            ("3.169e-16", "-824", "-823.99999999999999967", 0),
            ("7.29e+05", "1.031e-06", "729000.0000010310000107", 0),
            ("555", "2.42e+05", "242555", 0),
            ("-79.3", "-959", "-1038.30000000000000004", 0),
            ("-936451372.37721765", "4.13e+05", "-936038372.37721765000605956", 0),
            ("-1.89e+05", "2.61e+05", "72000", 0),
            ("37.8", "8.61e+05", "861037.80000000000001137", 0),
            ("1.785e+18", "-271412731.56272948", "1784999999728587268.375", 0),
            ("42668.32", "84190.60", "126858.92000000000000171", 0),
            ("0.62734", "2.352e-14", "0.62734000000002352", 0),
            ("-559888970.33705378", "81839.71", "-559807130.62705377995735034", 0),
            ("3.863", "1.206e+10", "12060000003.86299999989569187", 0),
            ("29.3", "9.494e+21", "9494000000000000000000", 0),
            ("33153.91", "0.82854", "33154.73854000000000042", 0),
            ("-2.991", "37.5", "34.509", 0),
            ("3.900e-29", "-1.908", "-1.908", 0),
            ("0.80017", "0.01925", "0.81942", 0),
            ("0.25958", "-31491025.8037287", "-31491025.54414870000073279", 0),
            ("7.513e+21", "22131.68", "7513000000000000022016", 0),
            ("0.01047", "-51.0", "-50.98953", 0),
            ("81751.03", "44.9", "81795.92999999999999972", 0),
            ("0.21361", "393", "393.21360999999999999", 0),
            ("-81.1", "0.21963", "-80.88037", 0),
            ("978940710.57556343", "28.8", "978940739.37556342995958403", 0),
            ("-752", "3.049e-11", "-751.99999999996951", 0),
            ("1.225e+28", "-53.2", "12249999999999999999563792384", 0),
            ("-4.99e+05", "2.136e-26", "-499000", 0),
            ("19892.46", "1.055e+07", "10569892.46000000000003638", 0),
            ("119939188.1882956", "1.999", "119939190.18729560000065248", 0),
            ("-649", "-707457869.18027067", "-707458518.18027066998183727", 0),
            ("1.180e-05", "3.451e-17", "0.00001180000000003", 0),
            ("0.63966", "186600460.04308534", "186600460.68274534000374842", 0),
            ("7.60e+05", "-819", "759181", 0),
            ("-2.77e+05", "2.818e-27", "-277000", 0),
            ("-260185840.27342498", "6.333e+09", "6072814159.72657501976937056", 0),
            ("76.8", "0.12459", "76.92459", 0),
            ("3.070e+03", "70.1", "3140.10000000000000009", 0),
            ("-154", "0.64305", "-153.35695", 0),
            ("-77.7", "583390749.64630818", "583390671.94630817999131978", 0),
            ("6.71e+05", "382", "671382", 0),
            ("0.59336", "21.8", "22.39336", 0),
            ("-49.6", "-825", "-874.59999999999999998", 0),
            ("-8.32e+05", "3.238", "-831996.76200000000000045", 0),
            ("96297.93", "4.06e+05", "502297.93000000000000682", 0),
            ("-184793665.53757656", "4.282", "-184793661.25557655999728013", 0),
            ("182809677.76409459", "4.801e-11", "182809677.76409459004935343", 0),
            ("-244856637.0721221", "23.5", "-244856613.57212209999852348", 0),
            ("3.474", "20471.27", "20474.74399999999999977", 0),
            ("0.99605", "0.24920", "1.24525", 0),
            ("886860989.17135215", "0.08934", "886860989.26069214998278767", 0),
        ];
        for (current, by, want, len) in cases {
            let got = match incr_long_double(Some(current.as_bytes()), by.as_bytes()) {
                Ok(s) => s,
                Err(e) => format!("-{}", e.reply_line()),
            };
            if *len > 0 {
                assert_eq!((&got[..40.min(got.len())], got.len()), (*want, *len), "{current} + {by}");
            } else {
                assert_eq!(got, *want, "{current} + {by}");
            }
        }
        assert_eq!(incr_long_double(None, b"10.5").ok().as_deref(), Some("10.5"));
        // Long inputs stay fast and exact enough.
        let long = format!("0.{}1{}", "0".repeat(1_000), "3".repeat(100_000));
        assert_eq!(incr_long_double(Some(b"1"), long.as_bytes()).ok().as_deref(), Some("1"));
        let long = format!("{}1.5", "0".repeat(100_000));
        assert_eq!(incr_long_double(Some(b"1"), long.as_bytes()).ok().as_deref(), Some("2.5"));
        let long = format!("0x{}1", "0".repeat(100_000));
        assert_eq!(incr_long_double(Some(b"1"), long.as_bytes()).ok().as_deref(), Some("2"));
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
