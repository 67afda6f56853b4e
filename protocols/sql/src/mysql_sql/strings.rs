//! MySQL string functions on numbers and bit sets: CHAR(n, ...), MAKE_SET, INSERT, BIN,
//! OCT and CONV (the rest of the library is in [`super::functions`]).

use super::types::{as_text, numeric_prefix};
use bigdecimal::{RoundingMode, ToPrimitive};
use orbit_storage::Value;

fn text(v: &Value) -> String {
    as_text(v.clone())
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Bool(b) => *b as i64,
        Value::Float(f) => f.round() as i64,
        other => numeric_prefix(&text(other)).0.with_scale_round(0, RoundingMode::Down).to_i64().unwrap_or(i64::MAX),
    }
}

/// `__my_<name>` for the functions of this module, `None` for any other name.
pub fn call(name: &str, args: &[Value]) -> Option<Value> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let null = |i: usize| arg(i).is_null();
    Some(match name {
        // CHAR(n, ...): the bytes of each integer (NULLs skipped), as text.
        "chars" => {
            let mut out = Vec::new();
            for v in args.iter().filter(|v| !v.is_null()) {
                let n = int(v) as u32;
                let b = n.to_be_bytes();
                let first = b.iter().position(|x| *x != 0).unwrap_or(3);
                out.extend_from_slice(&b[first..]);
            }
            Value::Text(String::from_utf8_lossy(&out).into_owned())
        }
        "make_set" => {
            if null(0) {
                return Some(Value::Null);
            }
            let bits = int(&arg(0)) as u64;
            let parts: Vec<String> = args[1..]
                .iter()
                .enumerate()
                .filter(|(i, v)| *i < 64 && bits & (1 << i) != 0 && !v.is_null())
                .map(|(_, v)| text(v))
                .collect();
            Value::Text(parts.join(","))
        }
        "insert" => {
            if (0..4).any(null) {
                return Some(Value::Null);
            }
            let s: Vec<char> = text(&arg(0)).chars().collect();
            let (pos, len) = (int(&arg(1)), int(&arg(2)));
            if pos < 1 || pos as usize > s.len() {
                return Some(Value::Text(s.into_iter().collect()));
            }
            let from = pos as usize - 1;
            let to = if len < 0 { s.len() } else { (from + len as usize).min(s.len()) };
            let mut out: String = s[..from].iter().collect();
            out.push_str(&text(&arg(3)));
            out.extend(&s[to..]);
            Value::Text(out)
        }
        "bin" | "oct" => {
            if null(0) {
                return Some(Value::Null);
            }
            let n = int(&arg(0)) as u64;
            Value::Text(if name == "bin" { format!("{n:b}") } else { format!("{n:o}") })
        }
        "conv" => {
            if (0..3).any(null) {
                return Some(Value::Null);
            }
            let (from, to) = (int(&arg(1)), int(&arg(2)));
            if !(2..=36).contains(&from.abs()) || !(2..=36).contains(&to.abs()) {
                return Some(Value::Null);
            }
            let s = text(&arg(0));
            let s = s.trim();
            let (neg, digits) = s.strip_prefix('-').map(|r| (true, r)).unwrap_or((false, s));
            let mut n: u64 = 0;
            for c in digits.chars() {
                match c.to_digit(from.unsigned_abs() as u32) {
                    Some(d) => n = n.saturating_mul(from.unsigned_abs()).saturating_add(d as u64),
                    None => break,
                }
            }
            let n = if neg { (n as i64).wrapping_neg() as u64 } else { n };
            let (neg_out, mut n) = if to < 0 && (n as i64) < 0 { (true, (n as i64).unsigned_abs()) } else { (false, n) };
            let base = to.unsigned_abs();
            let mut out = Vec::new();
            loop {
                out.push(std::char::from_digit((n % base) as u32, base as u32).unwrap_or('0').to_ascii_uppercase());
                n /= base;
                if n == 0 {
                    break;
                }
            }
            if neg_out {
                out.push('-');
            }
            Value::Text(out.into_iter().rev().collect())
        }
        _ => return None,
    })
}
