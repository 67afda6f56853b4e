//! MySQL's text form of values (the text protocol's row values and string conversion):
//! booleans as 1/0, DOUBLE in its shortest round-trip digits with an exponent from
//! 1e15 up ("1e20", "1.2345678901234568e17"), DECIMAL with its scale, DATETIME as
//! 'YYYY-MM-DD HH:MM:SS[.ffffff]', JSON with MySQL's ", " and ": " spacing, and BLOBs
//! as their bytes.

use crate::types::SqlType;
use orbit_storage::Value;

/// MySQL's text of a value; `None` for NULL.
pub fn text(v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Value::Float(f) => double(*f),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Json(j) => json(j),
        Value::TimestampTz(t) => crate::format::format_text(&Value::Timestamp(*t), &SqlType::Timestamp)?,
        Value::Time(t) => time(*t),
        other => crate::format::format_text(other, &SqlType::Text)?,
    })
}

/// MySQL's text of a value in a result column with fixed `decimals` (see
/// [`crate::mysql::decimals`]): a DOUBLE or DECIMAL rounded to that many fractional digits
/// (half away from zero), a DATETIME / TIMESTAMP / TIME with its fraction cut or padded to
/// them. `None` for NULL, for other values and for [`crate::mysql::decimals::NOT_FIXED`]:
/// the value's own text.
pub fn fixed(v: &Value, decimals: u8) -> Option<String> {
    if decimals >= crate::mysql::decimals::NOT_FIXED {
        return None;
    }
    let digits = usize::from(decimals);
    let with_fraction = |base: String, micros: u64| {
        let whole = base.split_once('.').map_or(base.as_str(), |(w, _)| w).to_string();
        if digits == 0 {
            return whole;
        }
        format!("{whole}.{}", &format!("{micros:06}")[..digits.min(6)])
    };
    Some(match v {
        Value::Float(f) if f.is_finite() => format!("{f:.digits$}"),
        Value::Decimal(d) => {
            let rounded = d.with_scale_round(i64::from(decimals), bigdecimal::RoundingMode::HalfUp);
            text(&Value::Decimal(rounded))?
        }
        Value::Timestamp(t) | Value::TimestampTz(t) => with_fraction(text(v)?, t.rem_euclid(1_000_000) as u64),
        Value::Time(t) => with_fraction(time(*t), t.unsigned_abs() % 1_000_000),
        _ => return None,
    })
}

/// A DOUBLE as MySQL prints it.
/// A TIME: a sign, hours past 24 ("-01:30:00", "838:59:59"), the fraction when there is one.
pub fn time(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    let secs = m / 1_000_000;
    let mut s = format!("{sign}{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    let frac = m % 1_000_000;
    if frac != 0 {
        s.push_str(format!(".{frac:06}").trim_end_matches('0'));
    }
    s
}

pub fn double(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    if !f.is_finite() {
        return if f.is_nan() { "NaN".into() } else if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{f:e}");
    let exp: i32 = sci.split_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0);
    if !(-15..15).contains(&exp) {
        let (m, e) = sci.split_once('e').unwrap_or((&sci, "0"));
        format!("{m}e{e}")
    } else {
        format!("{f}")
    }
}

/// A FLOAT (single precision) as MySQL prints it: six significant digits.
pub fn float(f: f32) -> String {
    crate::format::format_float(f as f64, true)
}

/// JSON text normalized the way MySQL prints a JSON value.
pub fn json(s: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(v) => {
            let mut out = String::new();
            write(&v, &mut out);
            out
        }
        Err(_) => s.to_string(),
    }
}

fn write(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            // MySQL orders object keys by length, then bytewise.
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
                    write(x, out);
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
                write(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}
