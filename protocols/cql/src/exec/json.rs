//! SELECT JSON and toJson(): CQL values as Cassandra's JSON text (numbers and booleans
//! bare, doubles as Java writes them and NaN/infinities as null; text, uuids, inets,
//! blobs as `"0x.."`, timestamps as `"yyyy-mm-dd hh:mm:ss.fffZ"`, dates and times as
//! strings; collections as arrays, maps and UDTs as objects with string keys). Reading
//! JSON back is [`super::json_read`]'s.

use crate::model::CqlValue;
use crate::types::CqlType;
use num_bigint::BigInt;
use serde_json::Value as Json;

const DATE_EPOCH: i64 = 1 << 31;

/// Days since 1970-01-01 as (year, month, day), proleptic Gregorian.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A timestamp as `yyyy-mm-dd hh:mm:ss.fffZ` (UTC).
pub fn timestamp_text(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil(days);
    let (h, min, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// A uuid in its canonical lower-case form.
pub fn uuid_text(u: &[u8; 16]) -> String {
    let h: String = u.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// A decimal as Java's `BigDecimal.toString` writes it: plain digits while the scale is
/// non-negative and the exponent at least -6, scientific notation otherwise (so a
/// client-chosen scale never makes the text longer than the digits and an exponent).
pub fn decimal_text(unscaled: &BigInt, scale: i32) -> String {
    let negative = unscaled.sign() == num_bigint::Sign::Minus;
    let sign = if negative { "-" } else { "" };
    let digits = unscaled.magnitude().to_string();
    let adjusted = i64::from(digits.len() as u32) - 1 - i64::from(scale);
    if scale >= 0 && adjusted >= -6 {
        let scale = scale as usize;
        let padded =
            if digits.len() <= scale { format!("{}{digits}", "0".repeat(scale - digits.len() + 1)) } else { digits };
        let (int, frac) = padded.split_at(padded.len() - scale);
        return if frac.is_empty() { format!("{sign}{int}") } else { format!("{sign}{int}.{frac}") };
    }
    let (first, rest) = digits.split_at(1);
    let mantissa = if rest.is_empty() { first.to_string() } else { format!("{first}.{rest}") };
    let exponent = if adjusted >= 0 { format!("+{adjusted}") } else { adjusted.to_string() };
    format!("{sign}{mantissa}E{exponent}")
}

fn quote(s: &str) -> String {
    Json::String(s.to_string()).to_string()
}

fn number<T: ToString>(n: T) -> String {
    n.to_string()
}

/// A double as Java's `Double.toString` writes it: plain digits (at least one after the
/// point) from 10^-3 up to 10^7, `d.dddE±n` outside, NaN and the infinities by name.
pub fn java_double(f: f64) -> String {
    java_float_text(f, format!("{f:?}"), format!("{f:e}"))
}

/// A float as Java's `Float.toString` writes it (its own shortest digits).
pub fn java_float(f: f32) -> String {
    java_float_text(f64::from(f), format!("{f:?}"), format!("{f:e}"))
}

fn java_float_text(f: f64, plain: String, scientific: String) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 || (1e-3..1e7).contains(&f.abs()) {
        return plain;
    }
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
    format!("{mantissa}E{exponent}")
}

/// JSON has no NaN or infinities: Cassandra writes them as null.
fn float_json(f: f64, text: String) -> String {
    if f.is_finite() {
        text
    } else {
        "null".into()
    }
}

/// A date (days with 2^31 at the epoch) as `yyyy-mm-dd`.
pub fn date_text(days: u32) -> String {
    let (y, m, d) = civil(i64::from(days) - DATE_EPOCH);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A time (nanoseconds since midnight) as `hh:mm:ss.nnnnnnnnn`.
pub fn time_text(ns: i64) -> String {
    let (h, m, s, f) = (ns / 3_600_000_000_000, ns / 60_000_000_000 % 60, ns / 1_000_000_000 % 60, ns % 1_000_000_000);
    format!("{h:02}:{m:02}:{s:02}.{f:09}")
}

/// The JSON text of one value of type `ty`, as Cassandra writes it (`", "` and `": "`
/// separators, map entries and UDT fields in their CQL order).
pub fn to_json(value: &CqlValue, ty: &CqlType) -> String {
    let ty = ty.unfrozen();
    match value {
        CqlValue::Empty => "\"\"".into(),
        CqlValue::Ascii(s) | CqlValue::Text(s) => quote(s),
        CqlValue::Int(n) => number(n),
        CqlValue::Bigint(n) | CqlValue::Counter(n) => number(n),
        CqlValue::Smallint(n) => number(n),
        CqlValue::Tinyint(n) => number(n),
        CqlValue::Varint(n) => number(n),
        CqlValue::Decimal { unscaled, scale } => decimal_text(unscaled, *scale),
        CqlValue::Float(f) => float_json(f64::from(*f), java_float(*f)),
        CqlValue::Double(f) => float_json(*f, java_double(*f)),
        CqlValue::Boolean(b) => number(b),
        CqlValue::Blob(b) => quote(&format!("0x{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>())),
        CqlValue::Uuid(u) | CqlValue::Timeuuid(u) => quote(&uuid_text(u)),
        CqlValue::Timestamp(ms) => quote(&timestamp_text(*ms)),
        CqlValue::Date(d) => quote(&date_text(*d)),
        CqlValue::Time(ns) => quote(&time_text(*ns)),
        CqlValue::Duration { months, days, nanos } => quote(&duration_text(*months, *days, *nanos)),
        CqlValue::Inet(ip) => quote(&ip.to_string()),
        CqlValue::List(items) | CqlValue::Set(items) => {
            let elem = match ty {
                CqlType::List(e) | CqlType::Set(e) => e.as_ref().clone(),
                _ => CqlType::Text,
            };
            format!("[{}]", items.iter().map(|i| to_json(i, &elem)).collect::<Vec<_>>().join(", "))
        }
        CqlValue::Map(entries) => {
            let (kt, vt) = match ty {
                CqlType::Map(k, v) => (k.as_ref().clone(), v.as_ref().clone()),
                _ => (CqlType::Text, CqlType::Text),
            };
            let items: Vec<String> = entries
                .iter()
                .map(|(k, v)| {
                    let key = to_json(k, &kt);
                    let key = if key.starts_with('"') { key } else { quote(&key) };
                    format!("{key}: {}", to_json(v, &vt))
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        CqlValue::Tuple(items) => {
            let types = match ty {
                CqlType::Tuple(t) => t.clone(),
                _ => Vec::new(),
            };
            let items: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, v)| v.as_ref().map_or("null".into(), |v| to_json(v, types.get(i).unwrap_or(&CqlType::Text))))
                .collect();
            format!("[{}]", items.join(", "))
        }
        CqlValue::Udt(fields) => {
            let types = match ty {
                CqlType::Udt { fields, .. } => fields.clone(),
                _ => Vec::new(),
            };
            let items: Vec<String> = fields
                .iter()
                .map(|(name, v)| {
                    let field_ty = types.iter().find(|(n, _)| n == name).map_or(CqlType::Text, |(_, t)| t.clone());
                    format!(
                        "{}: {}",
                        quote(&json_key(name)),
                        v.as_ref().map_or("null".into(), |v| to_json(v, &field_ty))
                    )
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// SELECT JSON's object of `(column name, value text)`.
pub fn object(entries: &[(String, String)]) -> String {
    let items: Vec<String> = entries.iter().map(|(k, v)| format!("{}: {v}", quote(&json_key(k)))).collect();
    format!("{{{}}}", items.join(", "))
}

fn duration_text(months: i32, days: i32, nanos: i64) -> String {
    let negative = months < 0 || days < 0 || nanos < 0;
    let (months, days, mut nanos) = (months.unsigned_abs(), days.unsigned_abs(), nanos.unsigned_abs());
    let mut out = String::from(if negative { "-" } else { "" });
    let mut part = |n: u64, unit: &str| {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    };
    part(u64::from(months / 12), "y");
    part(u64::from(months % 12), "mo");
    part(u64::from(days), "d");
    for (size, unit) in
        [(3_600_000_000_000u64, "h"), (60_000_000_000, "m"), (1_000_000_000, "s"), (1_000_000, "ms"), (1000, "us")]
    {
        part(nanos / size, unit);
        nanos %= size;
    }
    part(nanos, "ns");
    if out.is_empty() || out == "-" {
        out.push_str("0s");
    }
    out
}

/// A column or field name as a JSON key: one that is not all lower case is quoted, as
/// Cassandra's `Selection.rowToJson` and `UserType.toJSONString` do.
pub fn json_key(name: &str) -> String {
    if name == name.to_lowercase() {
        name.to_string()
    } else {
        format!("\"{name}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_render_as_cassandra_json_and_parse_back() {
        assert_eq!(timestamp_text(0), "1970-01-01 00:00:00.000Z");
        assert_eq!(timestamp_text(1_700_000_000_123), "2023-11-14 22:13:20.123Z");
        assert_eq!(to_json(&CqlValue::Date((DATE_EPOCH + 19_000) as u32), &CqlType::Date), "\"2022-01-08\"");
        assert_eq!(decimal_text(&BigInt::from(-12345), 3), "-12.345");
        assert_eq!(decimal_text(&BigInt::from(5), 2), "0.05");
        assert_eq!(decimal_text(&BigInt::from(12), 0), "12");
        assert_eq!(decimal_text(&BigInt::from(1), -3), "1E+3");
        assert_eq!(decimal_text(&BigInt::from(-15), i32::MAX), "-1.5E-2147483646");
        assert_eq!(decimal_text(&BigInt::from(7), i32::MIN), "7E+2147483648");
        let map_ty = CqlType::Map(Box::new(CqlType::Int), Box::new(CqlType::Text));
        let map = CqlValue::map(vec![
            (CqlValue::Int(2), CqlValue::Text("b".into())),
            (CqlValue::Int(1), CqlValue::Text("a".into())),
        ]);
        let json = to_json(&map, &map_ty);
        assert_eq!(json, r#"{"1": "a", "2": "b"}"#);
        assert_eq!(super::super::json_read::value(&serde_json::from_str(&json).unwrap(), &map_ty), Ok(Some(map)));
        assert_eq!(json_key("Name"), "\"Name\"");
        assert_eq!(duration_text(14, 3, 3_600_000_000_000 + 5), "1y2mo3d1h5ns");
        assert_eq!(java_double(123123.123123), "123123.123123");
        assert_eq!(java_double(123123.0), "123123.0");
        assert_eq!(java_double(1e10), "1.0E10");
        assert_eq!(java_double(-1.5e-5), "-1.5E-5");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_float(123.123), "123.123");
        assert_eq!(to_json(&CqlValue::Double(f64::NAN), &CqlType::Double), "null");
        assert_eq!(to_json(&CqlValue::Float(f32::NEG_INFINITY), &CqlType::Float), "null");
        assert_eq!(to_json(&CqlValue::Empty, &CqlType::Int), "\"\"");
        let names = [("system.intasblob(v)".to_string(), "1".to_string()), ("Name".to_string(), "2".to_string())];
        assert_eq!(object(&names), r#"{"system.intasblob(v)": 1, "\"Name\"": 2}"#);
    }
}
