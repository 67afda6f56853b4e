//! String functions that digest, encode or compare text rather than cut it: the hash
//! digests (MD5, SHA1/256/512, CRC32 — Castagnoli, as ArangoDB's — and FNV64, FNV-1a),
//! base64/hex/URI encodings, UUID and RANDOM_TOKEN, SOUNDEX, LEVENSHTEIN_DISTANCE, the
//! n-gram similarities, JSON_PARSE/JSON_STRINGIFY, the IPv4 conversions and the MinHash
//! sizing helpers.

use super::{def, Args, Def};
use crate::error::{AqlError, AqlResult};
use crate::value::{json, Value};
use base64::Engine;
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};

pub(super) const DEFS: &[Def] = &[
    def("MD5", 1, 1, md5_fn),
    def("SHA1", 1, 1, sha1),
    def("SHA256", 1, 1, sha256),
    def("SHA512", 1, 1, sha512),
    def("CRC32", 1, 1, crc32),
    def("FNV64", 1, 1, fnv64_fn),
    def("TO_BASE64", 1, 1, to_base64),
    def("TO_HEX", 1, 1, to_hex),
    def("ENCODE_URI_COMPONENT", 1, 1, encode_uri_component),
    def("UUID", 0, 0, uuid),
    def("RANDOM_TOKEN", 1, 1, random_token),
    def("SOUNDEX", 1, 1, soundex),
    def("LEVENSHTEIN_DISTANCE", 2, 2, levenshtein_distance),
    def("NGRAM_SIMILARITY", 3, 3, ngram_similarity),
    def("NGRAM_POSITIONAL_SIMILARITY", 3, 3, ngram_positional_similarity),
    def("JSON_PARSE", 1, 1, json_parse),
    def("JSON_STRINGIFY", 1, 1, json_stringify),
    def("IPV4_FROM_NUMBER", 1, 1, ipv4_from_number),
    def("IPV4_TO_NUMBER", 1, 1, ipv4_to_number),
    def("IS_IPV4", 1, 1, is_ipv4),
    def("MINHASH", 2, 2, minhash),
    def("MINHASH_COUNT", 1, 1, minhash_count),
    def("MINHASH_ERROR", 1, 1, minhash_error),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn md5_fn(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::String(hex(&md5(args.string(0).as_bytes()))))
}

fn sha(args: &Args, alg: &'static digest::Algorithm) -> Value {
    Value::String(hex(digest::digest(alg, args.string(0).as_bytes()).as_ref()))
}

fn sha1(args: &mut Args) -> AqlResult<Value> {
    Ok(sha(args, &digest::SHA1_FOR_LEGACY_USE_ONLY))
}

fn sha256(args: &mut Args) -> AqlResult<Value> {
    Ok(sha(args, &digest::SHA256))
}

fn sha512(args: &mut Args) -> AqlResult<Value> {
    Ok(sha(args, &digest::SHA512))
}

/// MD5 (RFC 1321).
pub(super) fn md5(input: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14,
        20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6,
        10, 15, 21,
    ];
    let k: Vec<u32> = (0..64).map(|i: i32| ((i + 1) as f64).sin().abs().mul_add(4294967296.0, 0.0) as u32).collect();
    let mut state: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    let mut msg = input.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((input.len() as u64).wrapping_mul(8)).to_le_bytes());
    for block in msg.chunks_exact(64) {
        let m: Vec<u32> = block.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let rotated = a.wrapping_add(f).wrapping_add(k[i]).wrapping_add(m[g]).rotate_left(S[i]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(rotated);
        }
        state =
            [state[0].wrapping_add(a), state[1].wrapping_add(b), state[2].wrapping_add(c), state[3].wrapping_add(d)];
    }
    let mut out = [0u8; 16];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    out
}

fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0x82f6_3b78 } else { crc >> 1 };
        }
    }
    !crc
}

fn crc32(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::String(format!("{:X}", crc32c(args.string(0).as_bytes()))))
}

/// FNV-1a, 64 bits.
pub(super) fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn fnv64_fn(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::String(format!("{:X}", fnv64(args.string(0).as_bytes()))))
}

fn to_base64(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(args.string(0))))
}

fn to_hex(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::String(hex(args.string(0).as_bytes())))
}

const URI_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

fn encode_uri_component(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::String(percent_encoding::utf8_percent_encode(&args.string(0), URI_COMPONENT).to_string()))
}

fn random_bytes<const N: usize>() -> AqlResult<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).map_err(|_| AqlError::internal("no system randomness"))?;
    Ok(out)
}

fn uuid(_: &mut Args) -> AqlResult<Value> {
    let mut b: [u8; 16] = random_bytes()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(Value::String(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])))
}

const TOKEN_ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_token(args: &mut Args) -> AqlResult<Value> {
    let n = args.int(0);
    if !(0..=65536).contains(&n) {
        return Ok(args.range_error());
    }
    let mut out = String::with_capacity(n as usize);
    while out.len() < n as usize {
        let chunk: [u8; 64] = random_bytes()?;
        for b in chunk {
            // 248 = 4 * 62: values above it would bias the choice
            if b < 248 && out.len() < n as usize {
                out.push(char::from(TOKEN_ALPHABET[(b % 62) as usize]));
            }
        }
    }
    Ok(Value::String(out))
}

fn soundex_digit(c: char) -> Option<char> {
    Some(match c {
        'B' | 'F' | 'P' | 'V' => '1',
        'C' | 'G' | 'J' | 'K' | 'Q' | 'S' | 'X' | 'Z' => '2',
        'D' | 'T' => '3',
        'L' => '4',
        'M' | 'N' => '5',
        'R' => '6',
        _ => return None,
    })
}

fn soundex(args: &mut Args) -> AqlResult<Value> {
    let letters: Vec<char> =
        args.string(0).chars().filter(|c| c.is_ascii_alphabetic()).map(|c| c.to_ascii_uppercase()).collect();
    let Some(&first) = letters.first() else { return Ok(Value::str("")) };
    let mut out = String::from(first);
    let mut last = soundex_digit(first);
    for &c in letters.iter().skip(1) {
        let d = soundex_digit(c);
        match d {
            Some(digit) if d != last => {
                out.push(digit);
                if out.len() == 4 {
                    break;
                }
            }
            _ => {}
        }
        if c != 'H' && c != 'W' {
            last = d;
        }
    }
    while out.len() < 4 {
        out.push('0');
    }
    Ok(Value::String(out))
}

/// Largest table a quadratic comparison (edit distance, n-gram LCS) may fill.
const MAX_CELLS: usize = 100_000_000;

fn levenshtein_distance(args: &mut Args) -> AqlResult<Value> {
    let a: Vec<char> = args.string(0).chars().collect();
    let b: Vec<char> = args.string(1).chars().collect();
    if a.len().saturating_mul(b.len()) > MAX_CELLS {
        return Ok(args.range_error());
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Ok(Value::Int(prev[b.len()] as i64))
}

fn ngrams(chars: &[char], n: usize) -> Vec<&[char]> {
    chars.windows(n).collect()
}

/// The best sum of `score` over an order-preserving pairing of `a` with `b` (the
/// longest common subsequence when the score is 1 for equal n-grams and 0 otherwise).
fn weighted_lcs(a: &[&[char]], b: &[&[char]], score: impl Fn(&[char], &[char]) -> f32) -> f32 {
    let mut prev = vec![0f32; b.len() + 1];
    let mut cur = vec![0f32; b.len() + 1];
    for x in a {
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + score(x, y)).max(prev[j + 1]).max(cur[j]);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The two strings (as characters) and the n-gram size; None after ArangoDB's
/// warnings (1542 for non-strings or a non-numeric size, 10 for a size below 1).
fn ngram_args(args: &mut Args) -> Option<(Vec<char>, Vec<char>, usize)> {
    let (Value::String(a), Value::String(b), Some(_)) = (args.get(0), args.get(1), args.get(2).as_f64()) else {
        args.type_error();
        return None;
    };
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let n = args.int(2);
    if n < 1 {
        let message = format!("{}(): invalid ngram size, should be 1 or greater", args.name());
        args.warn(crate::error::num::BAD_PARAMETER, message);
        return None;
    }
    let grams = |len: usize| len.saturating_sub(n as usize) + 1;
    if grams(a.len()).saturating_mul(grams(b.len())).saturating_mul(n as usize) > MAX_CELLS {
        args.range_error();
        return None;
    }
    Some((a, b, n as usize))
}

/// NGRAM_SIMILARITY: the longest common subsequence of the two n-gram sequences over
/// the target's (second argument's) n-gram count, in single precision as iresearch.
fn ngram_similarity(args: &mut Args) -> AqlResult<Value> {
    let Some((input, target, n)) = ngram_args(args) else { return Ok(Value::Null) };
    if input.len() < n || target.len() < n {
        return Ok(Value::Double(0.0));
    }
    let (input, target) = (ngrams(&input, n), ngrams(&target, n));
    let common = weighted_lcs(&input, &target, |x, y| if x == y { 1.0 } else { 0.0 });
    Ok(Value::Double(f64::from(common / target.len() as f32)))
}

/// NGRAM_POSITIONAL_SIMILARITY: n-grams pair up scoring the share of equal positions;
/// the best order-preserving sum over the longer string's n-gram count.
fn ngram_positional_similarity(args: &mut Args) -> AqlResult<Value> {
    let Some((a, b, n)) = ngram_args(args) else { return Ok(Value::Null) };
    let (short, long) = if a.len() > b.len() { (b, a) } else { (a, b) };
    if short.len() < n || long.len() < n {
        if long.is_empty() {
            return Ok(Value::Double(1.0));
        }
        let same = short.iter().zip(&long).filter(|(p, q)| p == q).count();
        return Ok(Value::Double(f64::from(same as f32 / long.len() as f32)));
    }
    let (short, long) = (ngrams(&short, n), ngrams(&long, n));
    let common = weighted_lcs(&short, &long, |x, y| {
        let same = x.iter().zip(y).filter(|(p, q)| p == q).count();
        same as f32 / n as f32
    });
    Ok(Value::Double(f64::from(common / long.len() as f32)))
}

fn json_parse(args: &mut Args) -> AqlResult<Value> {
    let Value::String(text) = args.get(0) else { return Ok(args.type_error()) };
    match json::parse(text.as_bytes()) {
        Ok(v) => Ok(v),
        Err(_) => Ok(args.type_error()),
    }
}

fn json_stringify(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::String(json::to_json_string(args.get(0))))
}

fn ipv4_from_number(args: &mut Args) -> AqlResult<Value> {
    let n = match args.get(0) {
        Value::Int(i) => u32::try_from(*i).ok(),
        Value::Double(d) if d.fract() == 0.0 && *d >= 0.0 && *d <= u32::MAX as f64 => Some(*d as u32),
        _ => None,
    };
    match n {
        Some(n) => Ok(Value::String(std::net::Ipv4Addr::from(n).to_string())),
        None => Ok(args.type_error()),
    }
}

/// A dotted quad with decimal parts 0-255 and no leading zeros.
fn parse_ipv4(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut n = 0u32;
    for p in parts {
        let valid =
            !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) && (p == "0" || !p.starts_with('0'));
        let octet: u8 = if valid { p.parse().ok()? } else { return None };
        n = (n << 8) | u32::from(octet);
    }
    Some(n)
}

fn ipv4_to_number(args: &mut Args) -> AqlResult<Value> {
    match args.get(0).as_str().and_then(parse_ipv4) {
        Some(n) => Ok(Value::Int(i64::from(n))),
        None => Ok(args.type_error()),
    }
}

fn is_ipv4(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::Bool(args.get(0).as_str().and_then(parse_ipv4).is_some()))
}

fn minhash(_: &mut Args) -> AqlResult<Value> {
    Err(AqlError::not_supported("MINHASH() (an ArangoDB Enterprise Edition function)"))
}

fn minhash_count(args: &mut Args) -> AqlResult<Value> {
    let e = args.f64(0);
    if !(e > 0.0 && e < 1.0) {
        return Ok(args.range_error());
    }
    Ok(Value::Int((1.0 / (e * e)).ceil() as i64))
}

fn minhash_error(args: &mut Args) -> AqlResult<Value> {
    let n = args.f64(0);
    if n < 1.0 {
        return Ok(args.range_error());
    }
    Ok(Value::double(1.0 / n.sqrt()))
}
