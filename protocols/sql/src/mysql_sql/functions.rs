//! MySQL's scalar functions: evaluation ([`call`], from the expression evaluator for
//! every `__my_*` function; their typing is [`super::calls`]). Strings are
//! handled in characters except LENGTH (bytes); string ↔ number conversions follow
//! MySQL (see [`super::types::numeric_prefix`]); NULL in gives NULL out unless the
//! function says otherwise (CONCAT_WS, IFNULL, COALESCE, ...). Date and time helpers are
//! in [`super::datetime`].

use super::datetime;
use super::types::numeric_prefix;
use crate::error::{sqlstate, SqlError};
use crate::types::SqlType;
use bigdecimal::{BigDecimal, RoundingMode, Signed, ToPrimitive, Zero};
use orbit_storage::Value;

thread_local! {
    /// Divisions by zero of the expressions evaluated since [`take_divisions_by_zero`]
    /// (MySQL answers NULL and warns, or fails the INSERT/UPDATE in strict mode).
    static DIVISIONS_BY_ZERO: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

fn division_by_zero() -> Result<Value, SqlError> {
    DIVISIONS_BY_ZERO.with(|c| c.set(c.get().saturating_add(1)));
    Ok(Value::Null)
}

thread_local! {
    /// Texts read as numbers that are not one, since [`take_truncations`] (MySQL's
    /// warning 1292 "Truncated incorrect DOUBLE value").
    static TRUNCATIONS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The texts truncated to numbers on this thread since the last call (and forgets them).
pub fn take_truncations() -> Vec<String> {
    TRUNCATIONS.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

/// The divisions by zero counted on this thread since the last call (and resets them).
/// Evaluation is synchronous: a caller takes the count before and after running a plan.
pub fn take_divisions_by_zero() -> u32 {
    DIVISIONS_BY_ZERO.with(|c| c.replace(0))
}

fn text(v: &Value) -> String {
    super::types::as_text(v.clone())
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Bool(b) => *b as i64,
        Value::Float(f) => f.round() as i64,
        Value::Decimal(d) => d.with_scale_round(0, RoundingMode::HalfUp).to_i64().unwrap_or(i64::MAX),
        other => numeric_prefix(&text(other)).0.with_scale_round(0, RoundingMode::HalfUp).to_i64().unwrap_or(0),
    }
}

pub(crate) fn num(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Bool(b) => *b as i64 as f64,
        Value::Float(f) => *f,
        Value::Decimal(d) => d.to_f64().unwrap_or(0.0),
        Value::Date(_) | Value::Timestamp(_) | Value::TimestampTz(_) | Value::Time(_) => datetime::as_number(v),
        other => numeric_prefix(&text(other)).0.to_f64().unwrap_or(0.0),
    }
}

/// A bit operation's operand: MySQL's 64-bit unsigned integer.
pub(crate) fn bits(v: &Value) -> u64 {
    let d = dec(v).with_scale_round(0, RoundingMode::HalfUp);
    if d.is_negative() {
        d.to_i64().map(|i| i as u64).unwrap_or(0)
    } else {
        d.to_u64().unwrap_or(u64::MAX)
    }
}

fn dec(v: &Value) -> BigDecimal {
    match v {
        Value::Int(i) => BigDecimal::from(*i),
        Value::Bool(b) => BigDecimal::from(*b as i64),
        Value::Float(f) => f.to_string().parse().unwrap_or_default(),
        Value::Decimal(d) => d.clone(),
        other => numeric_prefix(&text(other)).0,
    }
}

/// A number in the kind `ty` asks for.
fn typed(ty: &SqlType, i: impl FnOnce() -> Option<i64>, d: impl FnOnce() -> BigDecimal, f: impl FnOnce() -> f64) -> Value {
    match ty {
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => i().map(Value::Int).unwrap_or(Value::Null),
        SqlType::Numeric => Value::Decimal(d()),
        _ => Value::Float(f()),
    }
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

/// MySQL's 1-based (negative: from the end) substring.
fn substring(s: &str, pos: i64, len: Option<i64>) -> String {
    let c = chars(s);
    let n = c.len() as i64;
    let start = if pos > 0 { pos - 1 } else if pos < 0 { n + pos } else { return String::new() };
    if start < 0 || start >= n {
        return String::new();
    }
    let end = match len {
        Some(l) if l <= 0 => return String::new(),
        Some(l) => (start + l).min(n),
        None => n,
    };
    c[start as usize..end as usize].iter().collect()
}

fn pad(s: &str, len: i64, with: &str, left: bool) -> Option<String> {
    if len < 0 {
        return None;
    }
    let c = chars(s);
    let len = len as usize;
    if c.len() >= len {
        return Some(c[..len].iter().collect());
    }
    let w = chars(with);
    if w.is_empty() {
        return None;
    }
    let fill: String = w.iter().cycle().take(len - c.len()).collect();
    Some(if left { format!("{fill}{s}") } else { format!("{s}{fill}") })
}

fn hex(v: &Value) -> String {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Decimal(_) => format!("{:X}", int(v)),
        Value::Bytes(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
        other => text(other).bytes().map(|x| format!("{x:02X}")).collect(),
    }
}

fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Bytes(b) => b.clone(),
        other => text(other).into_bytes(),
    }
}

fn round_dec(d: &BigDecimal, places: i64, truncate: bool) -> BigDecimal {
    let mode = if truncate { RoundingMode::Down } else { RoundingMode::HalfUp };
    if places >= 0 {
        d.with_scale_round(places, mode)
    } else {
        let f = BigDecimal::from(10i64.pow((-places).min(18) as u32));
        ((d / &f).with_scale_round(0, mode) * f).with_scale(0)
    }
}

fn round_f64(x: f64, places: i64, truncate: bool) -> f64 {
    let f = 10f64.powi(places.clamp(-308, 308) as i32);
    let y = x * f;
    // Halves go to the even neighbour (MariaDB's rint).
    let r = if truncate { y.trunc() } else { y.round_ties_even() };
    r / f
}

fn compare_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        _ => crate::expr::compare::compare(a, b).unwrap_or_else(|| num(a).partial_cmp(&num(b)).unwrap_or(std::cmp::Ordering::Equal)),
    }
}

fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        other => Some(num(other) != 0.0),
    }
}

/// Evaluates `__my_<name>` (the prefix already stripped).
pub fn call(name: &str, args: Vec<Value>, ty: &SqlType, now: i64) -> Result<Value, SqlError> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let null_safe = matches!(
        name,
        "concat_ws" | "ifnull" | "if" | "coalesce" | "nullif" | "xor" | "truth" | "elt" | "field" | "now" | "curdate"
            | "curtime" | "sysdate" | "utc_timestamp" | "utc_date" | "utc_time" | "rand" | "uuid" | "pi"
            | "unix_timestamp" | "json_object" | "json_array" | "isnull" | "ci" | "char" | "chars" | "make_set" | "insert" | "conv"
    );
    if !null_safe && args.iter().any(|a| a.is_null()) {
        return Ok(Value::Null);
    }
    if name == "tz_shift" {
        return Ok(super::time_zone::eval_shift(&arg(0), int(&arg(1))));
    }
    if let Some(v) = datetime::call(name, &args, ty, now)? {
        return Ok(v);
    }
    if let Some(v) = super::strings::call(name, &args) {
        return Ok(v);
    }
    Ok(match name {
        // ----- conversions and operators -----
        "num" => {
            if let Value::Text(t) = &args[0] {
                if !numeric_prefix(t).1 {
                    TRUNCATIONS.with(|c| c.borrow_mut().push(t.clone()));
                }
            }
            Value::Float(num(&arg(0)))
        }
        "int" => Value::Int(int(&arg(0))),
        "text" => Value::Text(text(&arg(0))),
        "ci" => match arg(0) {
            Value::Null => Value::Null,
            // utf8mb4_general_ci is PAD SPACE: trailing spaces do not count.
            v => Value::Text(text(&v).trim_end_matches(' ').to_lowercase()),
        },
        "truth" => truthy(&arg(0)).map(Value::Bool).unwrap_or(Value::Null),
        "xor" => match (truthy(&arg(0)), truthy(&arg(1))) {
            (Some(a), Some(b)) => Value::Bool(a != b),
            _ => Value::Null,
        },
        "bitand" | "bitor" | "bitxor" | "shl" | "shr" => {
            let (a, b) = (bits(&arg(0)), bits(&arg(1)));
            let r = match name {
                "bitand" => a & b,
                "bitor" => a | b,
                "bitxor" => a ^ b,
                "shl" => a.checked_shl(u32::try_from(b).unwrap_or(64)).unwrap_or(0),
                _ => a.checked_shr(u32::try_from(b).unwrap_or(64)).unwrap_or(0),
            };
            Value::Decimal(BigDecimal::from(r))
        }
        "bitnot" => Value::Decimal(BigDecimal::from(!bits(&arg(0)))),
        "intdiv" => {
            let (a, b) = (dec(&arg(0)), dec(&arg(1)));
            if b.is_zero() {
                return division_by_zero();
            }
            let q = (a / b).with_scale_round(0, RoundingMode::Down);
            Value::Int(q.to_i64().ok_or_else(|| super::errors::unsigned_out_of_range("DIV"))?)
        }
        "div" => {
            if *ty == SqlType::Float8 {
                let b = num(&arg(1));
                if b == 0.0 {
                    return division_by_zero();
                }
                Value::Float(num(&arg(0)) / b)
            } else {
                let (a, b) = (dec(&arg(0)), dec(&arg(1)));
                if b.is_zero() {
                    return division_by_zero();
                }
                // Scale: the dividend's plus div_precision_increment (4). An operand of
                // arithmetic keeps MySQL's intermediate digits: both scales plus 4, in
                // whole 9-digit words, truncated (2 / 3 * 3 = 1.999999998, shown 2.0000).
                let scale_of = |d: &BigDecimal| d.as_bigint_and_exponent().1.max(0);
                if matches!(arg(2), Value::Bool(true)) {
                    let scale = (scale_of(&a) + scale_of(&b) + 4 + 8) / 9 * 9;
                    Value::Decimal((a / b).with_scale_round(scale, RoundingMode::Down))
                } else {
                    let scale = scale_of(&a) + 4;
                    Value::Decimal((a / b).with_scale_round(scale, RoundingMode::HalfUp))
                }
            }
        }
        "mod" => match ty {
            SqlType::Int8 => {
                let b = int(&arg(1));
                if b == 0 {
                    return division_by_zero();
                }
                Value::Int(int(&arg(0)).wrapping_rem(b))
            }
            SqlType::Numeric => {
                let b = dec(&arg(1));
                if b.is_zero() {
                    return division_by_zero();
                }
                Value::Decimal(dec(&arg(0)) % b)
            }
            _ => {
                let b = num(&arg(1));
                if b == 0.0 {
                    return division_by_zero();
                }
                Value::Float(num(&arg(0)) % b)
            }
        },
        "signed" => Value::Int(match arg(0) {
            Value::Text(s) => numeric_prefix(&s).0.with_scale_round(0, RoundingMode::Down).to_i64().unwrap_or(i64::MAX),
            // An unsigned BIGINT above the signed range wraps (two's complement).
            Value::Decimal(d) if d.is_integer() && d > BigDecimal::from(i64::MAX) => {
                d.to_u64().map(|u| u as i64).unwrap_or(i64::MAX)
            }
            v => int(&v),
        }),
        "unsigned" => {
            let d = dec(&arg(0)).with_scale_round(0, RoundingMode::HalfUp);
            let d = if d.is_negative() { d + BigDecimal::from(u64::MAX) + BigDecimal::from(1) } else { d };
            Value::Decimal(d)
        }
        "char" => match arg(0) {
            Value::Null => Value::Null,
            v => {
                let s = text(&v);
                match arg(1) {
                    Value::Int(n) if n >= 0 => Value::Text(s.chars().take(n as usize).collect()),
                    _ => Value::Text(s),
                }
            }
        },
        "binary" => Value::Bytes(bytes(&arg(0))),
        "decimal" => {
            let (p, s) = (int(&arg(1)), int(&arg(2)));
            let d = dec(&arg(0)).with_scale_round(s, RoundingMode::HalfUp);
            let max = BigDecimal::from(10i64.pow((p - s).clamp(0, 18) as u32)) - BigDecimal::new(1.into(), s);
            Value::Decimal(if d > max { max } else if d < -max.clone() { -max } else { d })
        }
        "double" => Value::Float(num(&arg(0))),
        "to_json" => Value::Json(match arg(0) {
            Value::Json(j) => j,
            other => {
                let t = text(&other);
                serde_json::from_str::<serde_json::Value>(&t)
                    .map_err(|_| SqlError::new(sqlstate::INVALID_TEXT_REPRESENTATION, "Invalid JSON text in argument 1 to function cast_as_json").with_mysql_errno(3141))?
                    .to_string()
            }
        }),
        // ----- strings -----
        "concat" => Value::Text(args.iter().map(text).collect()),
        "concat_ws" => {
            let Value::Text(sep) = arg(0) else {
                if arg(0).is_null() {
                    return Ok(Value::Null);
                }
                return Ok(Value::Text(args[1..].iter().filter(|a| !a.is_null()).map(text).collect::<Vec<_>>().join(&text(&arg(0)))));
            };
            Value::Text(args[1..].iter().filter(|a| !a.is_null()).map(text).collect::<Vec<_>>().join(&sep))
        }
        "substring" => {
            let len = if args.len() > 2 { Some(int(&arg(2))) } else { None };
            Value::Text(substring(&text(&arg(0)), int(&arg(1)), len))
        }
        "substring_index" => {
            let (s, d, n) = (text(&arg(0)), text(&arg(1)), int(&arg(2)));
            if d.is_empty() || n == 0 {
                return Ok(Value::Text(String::new()));
            }
            let parts: Vec<&str> = s.split(d.as_str()).collect();
            let k = n.unsigned_abs() as usize;
            Value::Text(if k >= parts.len() {
                s.clone()
            } else if n > 0 {
                parts[..k].join(&d)
            } else {
                parts[parts.len() - k..].join(&d)
            })
        }
        "left" => Value::Text(chars(&text(&arg(0))).into_iter().take(int(&arg(1)).max(0) as usize).collect()),
        "right" => {
            let c = chars(&text(&arg(0)));
            let k = (int(&arg(1)).max(0) as usize).min(c.len());
            Value::Text(c[c.len() - k..].iter().collect())
        }
        "length" => Value::Int(bytes(&arg(0)).len() as i64),
        "bit_length" => Value::Int(bytes(&arg(0)).len() as i64 * 8),
        "char_length" => Value::Int(match arg(0) {
            Value::Bytes(b) => b.len() as i64,
            v => text(&v).chars().count() as i64,
        }),
        "upper" => Value::Text(text(&arg(0)).to_uppercase()),
        "lower" => Value::Text(text(&arg(0)).to_lowercase()),
        "trim" => Value::Text(text(&arg(0)).trim_matches(' ').to_string()),
        "ltrim" => Value::Text(text(&arg(0)).trim_start_matches(' ').to_string()),
        "rtrim" => Value::Text(text(&arg(0)).trim_end_matches(' ').to_string()),
        "lpad" | "rpad" => match pad(&text(&arg(0)), int(&arg(1)), &text(&arg(2)), name == "lpad") {
            Some(s) => Value::Text(s),
            None => Value::Null,
        },
        "replace" => {
            let from = text(&arg(1));
            if from.is_empty() {
                return Ok(Value::Text(text(&arg(0))));
            }
            Value::Text(text(&arg(0)).replace(&from, &text(&arg(2))))
        }
        "reverse" => Value::Text(text(&arg(0)).chars().rev().collect()),
        "repeat" => Value::Text(text(&arg(0)).repeat(int(&arg(1)).clamp(0, 1 << 20) as usize)),
        "space" => Value::Text(" ".repeat(int(&arg(0)).clamp(0, 1 << 20) as usize)),
        "locate" => {
            let (sub, s) = (text(&arg(0)).to_lowercase(), chars(&text(&arg(1)).to_lowercase()));
            let start = if args.len() > 2 { int(&arg(2)) } else { 1 };
            if start < 1 || start as usize > s.len() + 1 {
                return Ok(Value::Int(0));
            }
            let hay: String = s[start as usize - 1..].iter().collect();
            Value::Int(match hay.find(&sub) {
                Some(byte) => hay[..byte].chars().count() as i64 + start,
                None => 0,
            })
        }
        // FIELD, and an ENUM value's position (NULL for NULL: not null-safe).
        "field" | "__orbit_enum_index" => {
            if arg(0).is_null() {
                return Ok(Value::Int(0));
            }
            let pos = args[1..].iter().position(|v| !v.is_null() && compare_values(&args[0], v) == std::cmp::Ordering::Equal);
            Value::Int(pos.map(|p| p as i64 + 1).unwrap_or(0))
        }
        "elt" => {
            let k = match arg(0) {
                Value::Null => return Ok(Value::Null),
                v => int(&v),
            };
            if k >= 1 && (k as usize) < args.len() {
                match &args[k as usize] {
                    Value::Null => Value::Null,
                    v => Value::Text(text(v)),
                }
            } else {
                Value::Null
            }
        }
        "find_in_set" => {
            let (s, list) = (text(&arg(0)), text(&arg(1)));
            if s.contains(',') {
                return Ok(Value::Int(0));
            }
            Value::Int(list.split(',').position(|p| p.eq_ignore_ascii_case(&s)).map(|p| p as i64 + 1).unwrap_or(0))
        }
        "ascii" | "ord" => Value::Int(bytes(&arg(0)).first().copied().unwrap_or(0) as i64),
        "strcmp" => Value::Int(match compare_values(&arg(0), &arg(1)) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }),
        "hex" => Value::Text(hex(&arg(0))),
        "unhex" => {
            let s = text(&arg(0));
            let s = if s.len() % 2 == 1 { format!("0{s}") } else { s };
            let mut out = Vec::with_capacity(s.len() / 2);
            for i in (0..s.len()).step_by(2) {
                match u8::from_str_radix(&s[i..i + 2], 16) {
                    Ok(b) => out.push(b),
                    Err(_) => return Ok(Value::Null),
                }
            }
            Value::Bytes(out)
        }
        "md5" => Value::Text(format!("{:x}", md5::compute(bytes(&arg(0))))),
        "sha1" => Value::Text(digest_hex(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &bytes(&arg(0)))),
        "sha2" => {
            let alg = match int(&arg(1)) {
                0 | 256 => &ring::digest::SHA256,
                384 => &ring::digest::SHA384,
                512 => &ring::digest::SHA512,
                _ => return Ok(Value::Null),
            };
            Value::Text(digest_hex(alg, &bytes(&arg(0))))
        }
        "to_base64" => {
            use base64::Engine;
            Value::Text(base64::engine::general_purpose::STANDARD.encode(bytes(&arg(0))))
        }
        "crc32" => Value::Int(crc32(&bytes(&arg(0))) as i64),
        "uuid" => {
            let r = crate::expr::functions::random_u64();
            let t = now as u64;
            let s = format!("{:016x}{:016x}", t.wrapping_mul(10).wrapping_add(0x01b21dd213814000), r);
            Value::Text(format!("{}-{}-1{}-{}-{}", &s[8..16], &s[4..8], &s[1..4], &s[16..20], &s[20..32]))
        }
        "quote" => Value::Text(format!("'{}'", text(&arg(0)).replace('\\', "\\\\").replace('\'', "\\'"))),
        // ----- conditionals -----
        "if" => {
            if truthy(&arg(0)) == Some(true) {
                cast_result(arg(1), ty)?
            } else {
                cast_result(arg(2), ty)?
            }
        }
        "ifnull" => cast_result(if arg(0).is_null() { arg(1) } else { arg(0) }, ty)?,
        "coalesce" => cast_result(args.iter().find(|v| !v.is_null()).cloned().unwrap_or(Value::Null), ty)?,
        "nullif" => {
            if !arg(0).is_null() && !arg(1).is_null() && compare_values(&arg(0), &arg(1)) == std::cmp::Ordering::Equal {
                Value::Null
            } else {
                arg(0)
            }
        }
        "isnull" => Value::Int(arg(0).is_null() as i64),
        "greatest" | "least" => {
            let mut best = arg(0);
            for v in &args[1..] {
                let o = compare_values(v, &best);
                if (name == "greatest" && o == std::cmp::Ordering::Greater) || (name == "least" && o == std::cmp::Ordering::Less) {
                    best = v.clone();
                }
            }
            cast_result(best, ty)?
        }
        // ----- numbers -----
        "abs" => typed(ty, || int(&arg(0)).checked_abs(), || dec(&arg(0)).abs(), || num(&arg(0)).abs()),
        "ceil" | "floor" => {
            let up = name == "ceil";
            typed(
                ty,
                || Some(int(&arg(0))),
                || dec(&arg(0)).with_scale_round(0, if up { RoundingMode::Ceiling } else { RoundingMode::Floor }),
                || if up { num(&arg(0)).ceil() } else { num(&arg(0)).floor() },
            )
        }
        "round" | "truncate" => {
            let places = if args.len() > 1 { int(&arg(1)) } else { 0 };
            let t = name == "truncate";
            typed(
                ty,
                || round_dec(&dec(&arg(0)), places.min(0), t).to_i64(),
                || round_dec(&dec(&arg(0)), places, t),
                || round_f64(num(&arg(0)), places, t),
            )
        }
        "sign" => Value::Int(match num(&arg(0)) {
            x if x > 0.0 => 1,
            x if x < 0.0 => -1,
            _ => 0,
        }),
        "pow" => Value::Float(num(&arg(0)).powf(num(&arg(1)))),
        "sqrt" => {
            let x = num(&arg(0));
            if x < 0.0 {
                Value::Null
            } else {
                Value::Float(x.sqrt())
            }
        }
        "exp" => Value::Float(num(&arg(0)).exp()),
        "ln" | "log" | "log2" | "log10" => {
            let (base, x) = if name == "log" && args.len() == 2 { (Some(num(&arg(0))), num(&arg(1))) } else { (None, num(&arg(0))) };
            if x <= 0.0 {
                return Ok(Value::Null);
            }
            Value::Float(match (name, base) {
                ("log2", _) => x.log2(),
                ("log10", _) => x.log10(),
                (_, Some(b)) if b > 0.0 && b != 1.0 => x.ln() / b.ln(),
                (_, Some(_)) => return Ok(Value::Null),
                _ => x.ln(),
            })
        }
        "pi" => Value::Float(std::f64::consts::PI),
        "sin" => Value::Float(num(&arg(0)).sin()),
        "cos" => Value::Float(num(&arg(0)).cos()),
        "tan" => Value::Float(num(&arg(0)).tan()),
        "asin" => Value::Float(num(&arg(0)).asin()),
        "acos" => Value::Float(num(&arg(0)).acos()),
        "atan" => Value::Float(if args.len() == 2 { num(&arg(0)).atan2(num(&arg(1))) } else { num(&arg(0)).atan() }),
        "atan2" => Value::Float(num(&arg(0)).atan2(num(&arg(1)))),
        "cot" => Value::Float(1.0 / num(&arg(0)).tan()),
        "degrees" => Value::Float(num(&arg(0)).to_degrees()),
        "radians" => Value::Float(num(&arg(0)).to_radians()),
        "rand" => Value::Float(match arg(0) {
            Value::Null => (crate::expr::functions::random_u64() >> 11) as f64 / (1u64 << 53) as f64,
            seed => seeded_rand(int(&seed)),
        }),
        "format" => {
            let places = int(&arg(1)).clamp(0, 30);
            let d = dec(&arg(0)).with_scale_round(places, RoundingMode::HalfUp);
            Value::Text(group_thousands(&crate::format::format_decimal(&d)))
        }
        // ----- JSON -----
        "json_extract" | "json_unquote" | "json_object" | "json_array" | "json_type" | "json_length" | "json_valid"
        | "json_keys" | "json_quote" | "json_contains" | "json_set" | "json_insert" | "json_replace" | "json_remove"
        | "json_merge_patch" | "json_search" => super::json::call(name, &args)?,
        other => {
            return Err(SqlError::new(sqlstate::FEATURE_NOT_SUPPORTED, format!("function {other} is not supported")))
        }
    })
}

fn cast_result(v: Value, ty: &SqlType) -> Result<Value, SqlError> {
    if v.is_null() {
        return Ok(v);
    }
    Ok(match ty {
        SqlType::Text => Value::Text(text(&v)),
        SqlType::Int8 => Value::Int(int(&v)),
        SqlType::Float8 => Value::Float(num(&v)),
        SqlType::Numeric => Value::Decimal(dec(&v)),
        _ => v,
    })
}

fn digest_hex(alg: &'static ring::digest::Algorithm, data: &[u8]) -> String {
    ring::digest::digest(alg, data).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= *b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// RAND(N): MySQL's seeded generator (my_rnd), first value.
fn seeded_rand(seed: i64) -> f64 {
    let max: u64 = 0x3FFF_FFFF;
    let s = seed as u32;
    let mut seed1 = s.wrapping_mul(0x10001).wrapping_add(55_555_555) as u64 % max;
    let seed2 = s.wrapping_mul(0x1000_0001) as u64 % max;
    seed1 = (seed1 * 3 + seed2) % max;
    seed1 as f64 / max as f64
}

fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map(|r| ("-", r)).unwrap_or(("", s));
    let (int_part, frac) = rest.split_once('.').map(|(a, b)| (a, Some(b))).unwrap_or((rest, None));
    let mut out = String::new();
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}
