//! PostgreSQL's text formats: [`format_text`] prints a value as PostgreSQL's output
//! function for its type would, [`parse_text`] reads PostgreSQL's text input (used for
//! parameters in text format and for casts from text). Date/time arithmetic helpers
//! (civil calendar conversions) live here too.

use crate::error::{sqlstate, SqlError};
use crate::types::SqlType;
use bigdecimal::BigDecimal;
use orbit_storage::{Interval, Value};
use std::str::FromStr;

pub const MICROS_PER_SEC: i64 = 1_000_000;
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SEC;

/// A date as timestamp micros, keeping +/-infinity infinite.
pub fn date_to_micros(d: i32) -> i64 {
    match d {
        i32::MAX => i64::MAX,
        i32::MIN => i64::MIN,
        d => d as i64 * MICROS_PER_DAY,
    }
}

/// A timestamp's date, keeping +/-infinity infinite.
pub fn micros_to_date(t: i64) -> i32 {
    match t {
        i64::MAX => i32::MAX,
        i64::MIN => i32::MIN,
        t => t.div_euclid(MICROS_PER_DAY) as i32,
    }
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date (year, month, day) of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    if y <= 0 {
        format!("{:04}-{:02}-{:02} BC", 1 - y, m, d)
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    }
}

fn format_time(micros: i64) -> String {
    let secs = micros / MICROS_PER_SEC;
    let frac = micros % MICROS_PER_SEC;
    let mut s = format!("{:02}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60);
    push_fraction(&mut s, frac);
    s
}

fn push_fraction(s: &mut String, frac: i64) {
    if frac != 0 {
        let f = format!(".{:06}", frac.abs());
        s.push_str(f.trim_end_matches('0'));
    }
}

fn format_timestamp(micros: i64) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let rest = micros.rem_euclid(MICROS_PER_DAY);
    let date = format_date(days);
    match date.strip_suffix(" BC") {
        Some(d) => format!("{d} {} BC", format_time(rest)),
        None => format!("{date} {}", format_time(rest)),
    }
}

fn format_interval(iv: &Interval) -> String {
    let mut parts: Vec<String> = Vec::new();
    let years = iv.months / 12;
    let months = iv.months % 12;
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if years != 0 {
        parts.push(plural(years as i64, "year"));
    }
    if months != 0 {
        parts.push(plural(months as i64, "mon"));
    }
    if iv.days != 0 {
        parts.push(plural(iv.days as i64, "day"));
    }
    if iv.micros != 0 || parts.is_empty() {
        let neg = iv.micros < 0;
        let m = iv.micros.unsigned_abs() as i64;
        let secs = m / MICROS_PER_SEC;
        let mut t =
            format!("{}{:02}:{:02}:{:02}", if neg { "-" } else { "" }, secs / 3600, (secs / 60) % 60, secs % 60);
        push_fraction(&mut t, m % MICROS_PER_SEC);
        parts.push(t);
    }
    parts.join(" ")
}

/// PostgreSQL's float output (shortest round-trip digits, `%g`-like layout).
pub fn format_float(v: f64, single: bool) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let sci = if single { format!("{:e}", v as f32) } else { format!("{v:e}") };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let threshold = if single { 6 } else { 15 };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= threshold {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push_str(&format!("e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs()));
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

fn format_uuid(u: &[u8; 16]) -> String {
    let hex: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn quote_array_element(s: &str) -> String {
    let needs = s.is_empty()
        || s.eq_ignore_ascii_case("null")
        || s.chars().any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\' | ' ' | '\t' | '\n'));
    if needs {
        let escaped = s.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\"")
    } else {
        s.to_string()
    }
}

/// PostgreSQL's text output of `value` as type `ty`; `None` for NULL.
pub fn format_text(value: &Value, ty: &SqlType) -> Option<String> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => if *b { "t" } else { "f" }.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format_float(*f, matches!(ty, SqlType::Float4)),
        Value::Decimal(d) => format_decimal(d),
        Value::Text(s) => s.clone(),
        Value::Bytes(b) if matches!(ty, SqlType::Vector(_)) && crate::vector::elements(b).is_ok() => {
            crate::vector::text::format(&crate::vector::elements(b).unwrap_or_default())
        }
        Value::Bytes(b) => {
            let mut s = String::with_capacity(2 + b.len() * 2);
            s.push_str("\\x");
            for byte in b {
                s.push_str(&format!("{byte:02x}"));
            }
            s
        }
        Value::Date(DATE_INFINITY) | Value::Timestamp(TS_INFINITY) | Value::TimestampTz(TS_INFINITY) => {
            "infinity".into()
        }
        Value::Date(DATE_NEG_INFINITY) | Value::Timestamp(TS_NEG_INFINITY) | Value::TimestampTz(TS_NEG_INFINITY) => {
            "-infinity".into()
        }
        Value::Date(d) => format_date(*d as i64),
        Value::Time(t) => format_time(*t),
        Value::Timestamp(t) => format_timestamp(*t),
        Value::TimestampTz(t) => format!("{}+00", format_timestamp(*t)),
        Value::Interval(iv) => format_interval(iv),
        Value::Uuid(u) => format_uuid(u),
        Value::Json(j) => j.clone(),
        Value::Array(items) => {
            let inner = match ty {
                SqlType::Array(t) => t.as_ref().clone(),
                _ => SqlType::Text,
            };
            let parts: Vec<String> = items
                .iter()
                .map(|v| match format_text(v, &inner) {
                    None => "NULL".to_string(),
                    Some(s) if matches!(v, Value::Array(_)) => s,
                    Some(s) => quote_array_element(&s),
                })
                .collect();
            format!("{{{}}}", parts.join(","))
        }
    })
}

/// PostgreSQL's jsonb text: keys ordered by length then bytes, ", " and ": " separators.
pub fn jsonb_text(v: &serde_json::Value) -> String {
    let mut out = String::new();
    write_jsonb(v, &mut out);
    out
}

fn write_jsonb(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.as_bytes().cmp(b.as_bytes())));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&serde_json::Value::String((*k).clone()).to_string());
                out.push_str(": ");
                if let Some(x) = map.get(*k) {
                    write_jsonb(x, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_jsonb(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Rejects numerics whose exponent is beyond PostgreSQL's numeric range (22003).
pub fn checked_decimal(d: BigDecimal) -> Result<BigDecimal, SqlError> {
    let (digits, scale) = d.as_bigint_and_exponent();
    let magnitude = digits.to_string().trim_start_matches('-').len() as i64 - scale;
    if !(-16383..=131_072).contains(&scale) || magnitude > 131_072 {
        return Err(SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format"));
    }
    Ok(d)
}

/// A numeric printed with its scale, without exponent.
pub fn format_decimal(d: &BigDecimal) -> String {
    let (_, scale) = d.as_bigint_and_exponent();
    if scale < 0 {
        d.with_scale(0).to_string()
    } else {
        d.to_plain_string()
    }
}

fn bad_input(ty: &SqlType, text: &str) -> SqlError {
    SqlError::new(
        sqlstate::INVALID_TEXT_REPRESENTATION,
        format!("invalid input syntax for type {}: \"{}\"", ty.name(), text),
    )
}

fn parse_bool(t: &str) -> Option<bool> {
    match t.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "yes" | "y" | "on" | "1" => Some(true),
        "f" | "false" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// Why date/time text failed to parse: malformed (22007) or a field out of range (22008).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DtErr {
    Syntax,
    Range,
}

fn num<T: FromStr>(s: &str) -> Result<T, DtErr> {
    let s = s.trim();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(DtErr::Syntax);
    }
    s.parse().map_err(|_| DtErr::Range)
}

fn parse_date(t: &str) -> Result<i64, DtErr> {
    let t = t.trim();
    let (t, bc) = match t.strip_suffix(" BC") {
        Some(s) => (s, true),
        None => (t, false),
    };
    let mut it = t.splitn(3, '-');
    let y: i64 = num(it.next().ok_or(DtErr::Syntax)?)?;
    let m: u32 = num(it.next().ok_or(DtErr::Syntax)?)?;
    let d: u32 = num(it.next().ok_or(DtErr::Syntax)?)?;
    if !(-4713..=294_276).contains(&y) {
        // Years beyond the supported range do not decode as a year at all.
        return Err(DtErr::Syntax);
    }
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(if bc { 1 - y } else { y }, m) {
        return Err(DtErr::Range);
    }
    Ok(days_from_civil(if bc { 1 - y } else { y }, m, d))
}

fn parse_time(t: &str) -> Option<i64> {
    parse_time_checked(t).ok()
}

fn parse_time_checked(t: &str) -> Result<i64, DtErr> {
    let t = t.trim();
    let mut parts = t.split(':');
    let h: i64 = num(parts.next().ok_or(DtErr::Syntax)?)?;
    let mi: i64 = num(parts.next().ok_or(DtErr::Syntax)?)?;
    let (s, frac) = match parts.next() {
        Some(sec) => match sec.split_once('.') {
            Some((s, f)) => {
                let mut f = f.to_string();
                if f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()) {
                    return Err(DtErr::Syntax);
                }
                f.truncate(6);
                while f.len() < 6 {
                    f.push('0');
                }
                (num::<i64>(s)?, f.parse::<i64>().map_err(|_| DtErr::Syntax)?)
            }
            None => (num::<i64>(sec)?, 0),
        },
        None => (0, 0),
    };
    if parts.next().is_some() {
        return Err(DtErr::Syntax);
    }
    if !(0..=24).contains(&h) || !(0..60).contains(&mi) || !(0..=60).contains(&s) {
        return Err(DtErr::Range);
    }
    let total = ((h * 60 + mi) * 60 + s) * MICROS_PER_SEC + frac;
    if total > 24 * 3600 * MICROS_PER_SEC {
        return Err(DtErr::Range);
    }
    Ok(total)
}

/// Parses "YYYY-MM-DD[ T]HH:MM:SS[.f][+hh[:mm]|Z]"; returns micros (local) and the offset in seconds.
fn parse_timestamp(t: &str) -> Result<(i64, Option<i64>), DtErr> {
    let t = t.trim();
    let (date_part, rest) = match t.find([' ', 'T']) {
        Some(i) => (&t[..i], t[i + 1..].trim()),
        None => (t, ""),
    };
    let (date_part, rest, bc) = match rest.strip_suffix("BC") {
        Some(r) => (date_part, r.trim(), true),
        None if rest == "BC" => (date_part, "", true),
        None => (date_part, rest, false),
    };
    let days = if bc { parse_date(&format!("{date_part} BC"))? } else { parse_date(date_part)? };
    if rest.is_empty() {
        return Ok((days.checked_mul(MICROS_PER_DAY).ok_or(DtErr::Range)?, None));
    }
    let (time_part, offset) = if let Some(s) = rest.strip_suffix('Z').or_else(|| rest.strip_suffix("UTC")) {
        (s.trim(), Some(0))
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (tp, off) = rest.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = &off[1..];
        let (hh, mm): (i64, i64) = match off.split_once(':') {
            Some((h, m)) => (num(h)?, num(m)?),
            None if off.len() == 4 => (num(&off[..2])?, num(&off[2..])?),
            None => (num(off)?, 0),
        };
        (tp.trim(), Some(sign * (hh * 3600 + mm * 60)))
    } else {
        (rest, None)
    };
    // A zone with no time ("2024-01-01 +00", as pgjdbc sends dates) means midnight.
    let time = if time_part.is_empty() { 0 } else { parse_time_checked(time_part)? };
    Ok((days.checked_mul(MICROS_PER_DAY).and_then(|d| d.checked_add(time)).ok_or(DtErr::Range)?, offset))
}

/// Parses PostgreSQL interval input: "1 year 2 mons 3 days 04:05:06", "2 hours", ISO-less forms.
pub fn parse_interval(t: &str) -> Option<Interval> {
    let mut iv = Interval { months: 0, days: 0, micros: 0 };
    let tokens: Vec<&str> = t.split_whitespace().collect();
    if tokens.is_empty() {
        return None;
    }
    let mut i = 0;
    while i < tokens.len() {
        let tok = tokens[i];
        if tok.contains(':') {
            let (neg, body) = match tok.strip_prefix('-') {
                Some(b) => (true, b),
                None => (false, tok.strip_prefix('+').unwrap_or(tok)),
            };
            let m = parse_time(body)?;
            iv.micros = iv.micros.saturating_add(if neg { -m } else { m });
            i += 1;
            continue;
        }
        let n: f64 = tok.parse().ok()?;
        let unit = tokens.get(i + 1).map(|u| u.to_ascii_lowercase()).unwrap_or_else(|| "second".into());
        let unit = unit.trim_end_matches(',');
        match unit.trim_end_matches('s') {
            "year" | "yr" | "y" => iv.months = iv.months.saturating_add((n * 12.0) as i32),
            "mon" | "month" => iv.months = iv.months.saturating_add(n as i32),
            "week" | "w" => iv.days = iv.days.saturating_add((n * 7.0) as i32),
            "day" | "d" => iv.days = iv.days.saturating_add(n as i32),
            "hour" | "hr" | "h" => iv.micros = iv.micros.saturating_add((n * 3600.0 * 1e6) as i64),
            "minute" | "min" | "m" => iv.micros = iv.micros.saturating_add((n * 60.0 * 1e6) as i64),
            "second" | "sec" | "" => iv.micros = iv.micros.saturating_add((n * 1e6) as i64),
            "millisecond" | "msec" | "ms" => iv.micros = iv.micros.saturating_add((n * 1e3) as i64),
            "microsecond" => iv.micros = iv.micros.saturating_add(n as i64),
            _ => return None,
        }
        i += 2;
    }
    Some(iv)
}

fn parse_uuid(t: &str) -> Option<[u8; 16]> {
    let hex: String = t.trim().trim_start_matches('{').trim_end_matches('}').chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

fn parse_bytea(t: &str) -> Option<Vec<u8>> {
    if let Some(hex) = t.strip_prefix("\\x") {
        if hex.len() % 2 != 0 {
            return None;
        }
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
    } else {
        let bytes = t.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\\' {
                if bytes.get(i + 1) == Some(&b'\\') {
                    out.push(b'\\');
                    i += 2;
                } else {
                    let oct = t.get(i + 1..i + 4)?;
                    out.push(u8::from_str_radix(oct, 8).ok()?);
                    i += 4;
                }
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        Some(out)
    }
}

fn parse_array(t: &str, inner: &SqlType) -> Result<Value, SqlError> {
    let t = t.trim();
    let body = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')).ok_or_else(|| {
        SqlError::new(sqlstate::INVALID_TEXT_REPRESENTATION, format!("malformed array literal: \"{t}\""))
    })?;
    let mut items = Vec::new();
    if body.trim().is_empty() {
        return Ok(Value::Array(items));
    }
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i <= chars.len() {
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let mut s = String::new();
        let quoted = i < chars.len() && chars[i] == '"';
        if quoted {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(c) = chars.get(i) {
                    s.push(*c);
                }
                i += 1;
            }
            i += 1;
            while i < chars.len() && chars[i] != ',' {
                i += 1;
            }
        } else {
            let mut depth = 0;
            while i < chars.len() && (depth > 0 || chars[i] != ',') {
                match chars[i] {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                s.push(chars[i]);
                i += 1;
            }
        }
        let s_trim = s.trim();
        if !quoted && s_trim.eq_ignore_ascii_case("null") {
            items.push(Value::Null);
        } else {
            items.push(parse_text(if quoted { &s } else { s_trim }, inner)?);
        }
        i += 1;
    }
    Ok(Value::Array(items))
}

/// Parses PostgreSQL's text input for type `ty`; 22P02 (or 22007/22008/22003) on bad input.
pub fn parse_text(text: &str, ty: &SqlType) -> Result<Value, SqlError> {
    let t = text.trim();
    let bad = || bad_input(ty, text);
    Ok(match ty {
        SqlType::Bool => Value::Bool(parse_bool(t).ok_or_else(bad)?),
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => {
            let v: i64 = t.parse().map_err(|_| {
                if !t.is_empty() && t.trim_start_matches(['-', '+']).chars().all(|c| c.is_ascii_digit()) {
                    SqlError::new(
                        sqlstate::NUMERIC_VALUE_OUT_OF_RANGE,
                        format!("value \"{t}\" is out of range for type {}", ty.name()),
                    )
                } else {
                    bad()
                }
            })?;
            crate::expr::cast::check_int_range(v, ty)?;
            Value::Int(v)
        }
        SqlType::Float4 | SqlType::Float8 => Value::Float(parse_float(t).ok_or_else(bad)?),
        SqlType::Numeric => {
            if t.eq_ignore_ascii_case("nan") {
                return Err(SqlError::not_supported("numeric NaN"));
            }
            Value::Decimal(checked_decimal(BigDecimal::from_str(t).map_err(|_| bad())?)?)
        }
        SqlType::Text | SqlType::Varchar | SqlType::Unknown => Value::Text(text.to_string()),
        SqlType::Bpchar => Value::Text(text.trim_end_matches(' ').to_string()),
        SqlType::Bytea => Value::Bytes(parse_bytea(text).ok_or_else(bad)?),
        SqlType::Vector(dims) => crate::vector::to_value(&crate::vector::text::parse(text, *dims)?),
        SqlType::Date => match special_datetime(t) {
            Some(sp) => Value::Date(sp.to_date()),
            None => {
                // A time or zone after the date is accepted and ignored, as in PostgreSQL.
                let days = match parse_date(t) {
                    Ok(d) => d,
                    Err(e) => match parse_timestamp(t) {
                        Ok((micros, _)) if t.trim().contains(' ') => micros.div_euclid(MICROS_PER_DAY),
                        _ => return Err(datetime_error(e, ty, text)),
                    },
                };
                Value::Date(i32::try_from(days).map_err(|_| datetime_error(DtErr::Range, ty, text))?)
            }
        },
        SqlType::Time => Value::Time(parse_time_checked(t).map_err(|e| datetime_error(e, ty, text))?),
        SqlType::Timestamp => match special_datetime(t) {
            Some(sp) => Value::Timestamp(sp.to_micros(false)),
            None => Value::Timestamp(parse_timestamp(t).map_err(|e| datetime_error(e, ty, text))?.0),
        },
        SqlType::TimestampTz => match special_datetime(t) {
            Some(sp) => Value::TimestampTz(sp.to_micros(true)),
            None => {
                let (local, offset) = parse_timestamp(t).map_err(|e| datetime_error(e, ty, text))?;
                Value::TimestampTz(local.saturating_sub(offset.unwrap_or(0).saturating_mul(MICROS_PER_SEC)))
            }
        },
        SqlType::Interval => Value::Interval(parse_interval(t).ok_or_else(|| datetime_error(DtErr::Syntax, ty, text))?),
        SqlType::Uuid => Value::Uuid(parse_uuid(t).ok_or_else(bad)?),
        SqlType::Json | SqlType::Jsonb => {
            let parsed: serde_json::Value = serde_json::from_str(t).map_err(|_| bad())?;
            if matches!(ty, SqlType::Jsonb) {
                Value::Json(jsonb_text(&parsed))
            } else {
                Value::Json(text.to_string())
            }
        }
        SqlType::Array(inner) => parse_array(text, inner)?,
    })
}

fn datetime_error(e: DtErr, ty: &SqlType, text: &str) -> SqlError {
    match e {
        DtErr::Range => SqlError::new(
            sqlstate::DATETIME_FIELD_OVERFLOW,
            format!("date/time field value out of range: \"{}\"", text),
        ),
        DtErr::Syntax => SqlError::new(
            sqlstate::INVALID_DATETIME_FORMAT,
            format!("invalid input syntax for type {}: \"{}\"", ty.name(), text),
        ),
    }
}

/// Date infinity (PostgreSQL's DATEVAL_NOEND / NOBEGIN).
pub const DATE_INFINITY: i32 = i32::MAX;
pub const DATE_NEG_INFINITY: i32 = i32::MIN;
/// Timestamp infinity (DT_NOEND / DT_NOBEGIN).
pub const TS_INFINITY: i64 = i64::MAX;
pub const TS_NEG_INFINITY: i64 = i64::MIN;

/// PostgreSQL's special date/time input strings.
enum Special {
    Infinity,
    NegInfinity,
    Epoch,
    /// Midnight today plus this many days.
    Day(i64),
    Now,
}

fn special_datetime(t: &str) -> Option<Special> {
    Some(match t.trim().to_ascii_lowercase().as_str() {
        "infinity" | "+infinity" => Special::Infinity,
        "-infinity" => Special::NegInfinity,
        "epoch" => Special::Epoch,
        "today" => Special::Day(0),
        "tomorrow" => Special::Day(1),
        "yesterday" => Special::Day(-1),
        "now" => Special::Now,
        _ => return None,
    })
}

fn now_micros() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

impl Special {
    fn to_date(&self) -> i32 {
        match self {
            Special::Infinity => DATE_INFINITY,
            Special::NegInfinity => DATE_NEG_INFINITY,
            Special::Epoch => 0,
            Special::Day(n) => (now_micros().div_euclid(MICROS_PER_DAY) + n) as i32,
            Special::Now => now_micros().div_euclid(MICROS_PER_DAY) as i32,
        }
    }
    fn to_micros(&self, _tz: bool) -> i64 {
        match self {
            Special::Infinity => TS_INFINITY,
            Special::NegInfinity => TS_NEG_INFINITY,
            Special::Epoch => 0,
            Special::Day(n) => (now_micros().div_euclid(MICROS_PER_DAY) + n) * MICROS_PER_DAY,
            Special::Now => now_micros(),
        }
    }
}

pub fn parse_float(t: &str) -> Option<f64> {
    match t.to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "infinity" | "+infinity" | "inf" => Some(f64::INFINITY),
        "-infinity" | "-inf" => Some(f64::NEG_INFINITY),
        s => s.parse::<f64>().ok().filter(|_| !s.contains("inf") && !s.contains("nan")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_postgres() {
        assert_eq!(format_float(1.5, false), "1.5");
        assert_eq!(format_float(100.0, false), "100");
        assert_eq!(format_float(1e15, false), "1e+15");
        assert_eq!(format_float(1e14, false), "100000000000000");
        assert_eq!(format_float(0.0001, false), "0.0001");
        assert_eq!(format_float(0.00001, false), "1e-05");
        assert_eq!(format_float(0.1 + 0.2, false), "0.30000000000000004");
        assert_eq!(format_float(f64::INFINITY, false), "Infinity");
        assert_eq!(format_float(-2.5, false), "-2.5");
        assert_eq!(format_float(1e6, true), "1e+06");
    }

    #[test]
    fn dates_and_timestamps_as_pgjdbc_sends_them() {
        let d = |t: &str| parse_text(t, &SqlType::Date).map(|v| format_text(&v, &SqlType::Date));
        assert_eq!(d("2024-01-07 +00").ok().flatten().as_deref(), Some("2024-01-07"));
        assert_eq!(d("2024-01-07 10:11:12").ok().flatten().as_deref(), Some("2024-01-07"));
        assert!(d("2024-01-07x").is_err());
        let ts = |t: &str, ty: &SqlType| parse_text(t, ty).map(|v| format_text(&v, ty));
        assert_eq!(
            ts("2024-02-03 04:05:06.5+00", &SqlType::Timestamp).ok().flatten().as_deref(),
            Some("2024-02-03 04:05:06.5")
        );
        assert_eq!(
            ts("2024-02-03 04:05:06+02", &SqlType::TimestampTz).ok().flatten().as_deref(),
            Some("2024-02-03 02:05:06+00")
        );
    }

    #[test]
    fn dates_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_text(&Value::Date(0), &SqlType::Date).as_deref(), Some("1970-01-01"));
        let v = parse_text("2024-02-29 12:34:56.5", &SqlType::Timestamp).unwrap();
        assert_eq!(format_text(&v, &SqlType::Timestamp).as_deref(), Some("2024-02-29 12:34:56.5"));
        let v = parse_text("2024-02-29 12:00:00+02", &SqlType::TimestampTz).unwrap();
        assert_eq!(format_text(&v, &SqlType::TimestampTz).as_deref(), Some("2024-02-29 10:00:00+00"));
        assert!(parse_text("2023-02-29", &SqlType::Date).is_err());
    }

    #[test]
    fn other_types() {
        assert_eq!(format_text(&Value::Bytes(vec![0xde, 0xad]), &SqlType::Bytea).as_deref(), Some("\\xdead"));
        assert_eq!(parse_text("\\xdead", &SqlType::Bytea).unwrap(), Value::Bytes(vec![0xde, 0xad]));
        let iv = Interval { months: 14, days: 3, micros: 3_661_000_000 };
        assert_eq!(format_interval(&iv), "1 year 2 mons 3 days 01:01:01");
        assert_eq!(parse_text("1 year 2 mons 3 days 01:01:01", &SqlType::Interval).unwrap(), Value::Interval(iv));
        let arr = parse_text("{1,2,NULL}", &SqlType::Array(Box::new(SqlType::Int4))).unwrap();
        assert_eq!(arr, Value::Array(vec![Value::Int(1), Value::Int(2), Value::Null]));
        assert_eq!(format_text(&arr, &SqlType::Array(Box::new(SqlType::Int4))).as_deref(), Some("{1,2,NULL}"));
        assert_eq!(parse_text("abc", &SqlType::Int4).unwrap_err().code, "22P02");
        assert_eq!(parse_text("99999999999", &SqlType::Int4).unwrap_err().code, "22003");
        let u = parse_text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", &SqlType::Uuid).unwrap();
        assert_eq!(format_text(&u, &SqlType::Uuid).as_deref(), Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        let d = parse_text("1.50", &SqlType::Numeric).unwrap();
        assert_eq!(format_text(&d, &SqlType::Numeric).as_deref(), Some("1.50"));
    }
}
