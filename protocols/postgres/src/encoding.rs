//! Values on the wire: result columns in text or binary format and Bind parameters in
//! text or binary format.
//!
//! Text goes through the engine's own codecs (`format_text` / `parse_text`), so both
//! protocols print values the same way. Binary follows PostgreSQL's send/recv functions:
//! big-endian integers and floats, dates as days and timestamps as microseconds since
//! 2000-01-01, numeric as base-10000 digits, one-dimensional arrays with a header.

use crate::error::{pg_error, sqlstate};
use bigdecimal::BigDecimal;
use orbit_sql::SqlType;
use orbit_storage::{Interval, Value};
use pgwire::error::PgWireError;
use std::str::FromStr;

/// Days from 1970-01-01 (Orbit's epoch) to 2000-01-01 (PostgreSQL's).
const PG_EPOCH_DAYS: i32 = 10_957;
/// Microseconds from 1970-01-01 to 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Moves a day count between epochs; `infinity`/`-infinity` (the extreme values, the same
/// in both representations) stay as they are.
fn shift_days(days: i32, by: i32) -> Option<i32> {
    if days == i32::MAX || days == i32::MIN {
        return Some(days);
    }
    days.checked_add(by)
}

/// Like [`shift_days`] for microsecond timestamps.
fn shift_micros(micros: i64, by: i64) -> Option<i64> {
    if micros == i64::MAX || micros == i64::MIN {
        return Some(micros);
    }
    micros.checked_add(by)
}

const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;

/// A value in PostgreSQL's text output format; `None` is SQL NULL.
pub fn encode_text(value: &Value, ty: &SqlType) -> Option<Vec<u8>> {
    orbit_sql::format_text(value, ty).map(String::into_bytes)
}

/// A value in PostgreSQL's binary format for `ty`; `Ok(None)` is SQL NULL.
pub fn encode_binary(value: &Value, ty: &SqlType) -> Result<Option<Vec<u8>>, PgWireError> {
    if value.is_null() {
        return Ok(None);
    }
    let mismatch = || {
        pg_error(
            sqlstate::INTERNAL_ERROR,
            format!("cannot send a {} value in binary format as type {}", value.kind_name(), ty.name()),
        )
    };
    let out_of_range =
        || pg_error(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, format!("value out of range for type {}", ty.name()));
    let bytes = match (ty, value) {
        (SqlType::Bool, Value::Bool(b)) => vec![u8::from(*b)],
        (SqlType::Int2, Value::Int(i)) => i16::try_from(*i).map_err(|_| out_of_range())?.to_be_bytes().to_vec(),
        (SqlType::Int4, Value::Int(i)) => i32::try_from(*i).map_err(|_| out_of_range())?.to_be_bytes().to_vec(),
        (SqlType::Int8, Value::Int(i)) => i.to_be_bytes().to_vec(),
        (SqlType::Float4, Value::Float(f)) => (*f as f32).to_be_bytes().to_vec(),
        (SqlType::Float4, Value::Int(i)) => (*i as f32).to_be_bytes().to_vec(),
        (SqlType::Float8, Value::Float(f)) => f.to_be_bytes().to_vec(),
        (SqlType::Float8, Value::Int(i)) => (*i as f64).to_be_bytes().to_vec(),
        (SqlType::Numeric, Value::Decimal(d)) => encode_numeric(d),
        (SqlType::Numeric, Value::Int(i)) => encode_numeric(&BigDecimal::from(*i)),
        (SqlType::Bytea, Value::Bytes(b)) => b.clone(),
        (SqlType::Vector(_), Value::Bytes(b)) => {
            orbit_sql::vector::to_binary(b).map_err(|e| crate::error::from_sql_error(&e))?
        }
        (SqlType::Date, Value::Date(d)) => {
            shift_days(*d, -PG_EPOCH_DAYS).ok_or_else(out_of_range)?.to_be_bytes().to_vec()
        }
        (SqlType::Time, Value::Time(t)) => t.to_be_bytes().to_vec(),
        (SqlType::Timestamp, Value::Timestamp(t) | Value::TimestampTz(t))
        | (SqlType::TimestampTz, Value::Timestamp(t) | Value::TimestampTz(t)) => {
            shift_micros(*t, -PG_EPOCH_MICROS).ok_or_else(out_of_range)?.to_be_bytes().to_vec()
        }
        (SqlType::Interval, Value::Interval(iv)) => {
            let mut out = Vec::with_capacity(16);
            out.extend_from_slice(&iv.micros.to_be_bytes());
            out.extend_from_slice(&iv.days.to_be_bytes());
            out.extend_from_slice(&iv.months.to_be_bytes());
            out
        }
        (SqlType::Uuid, Value::Uuid(u)) => u.to_vec(),
        (SqlType::Jsonb, v) => {
            let mut out = vec![1u8];
            out.extend(encode_text(v, ty).unwrap_or_default());
            out
        }
        (SqlType::Array(elem), Value::Array(items)) => encode_array(elem, items)?,
        // The binary form of the text-like types (and json) is their text.
        (SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Json | SqlType::Unknown, v) => {
            encode_text(v, ty).unwrap_or_default()
        }
        _ => return Err(mismatch()),
    };
    Ok(Some(bytes))
}

fn encode_array(elem: &SqlType, items: &[Value]) -> Result<Vec<u8>, PgWireError> {
    if items.iter().any(|v| matches!(v, Value::Array(_))) {
        return Err(pg_error(
            sqlstate::FEATURE_NOT_SUPPORTED,
            "binary format of multidimensional arrays is not supported",
        ));
    }
    let len = i32::try_from(items.len())
        .map_err(|_| pg_error(sqlstate::PROGRAM_LIMIT_EXCEEDED, "array size exceeds the maximum allowed"))?;
    let mut out = Vec::new();
    let ndim: i32 = if items.is_empty() { 0 } else { 1 };
    let has_null = items.iter().any(Value::is_null);
    out.extend_from_slice(&ndim.to_be_bytes());
    out.extend_from_slice(&i32::from(has_null).to_be_bytes());
    out.extend_from_slice(&elem.oid().to_be_bytes());
    if ndim == 1 {
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&1i32.to_be_bytes());
    }
    for item in items {
        match encode_binary(item, elem)? {
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(bytes) => {
                let n = i32::try_from(bytes.len())
                    .map_err(|_| pg_error(sqlstate::PROGRAM_LIMIT_EXCEEDED, "array element too large"))?;
                out.extend_from_slice(&n.to_be_bytes());
                out.extend_from_slice(&bytes);
            }
        }
    }
    Ok(out)
}

/// PostgreSQL's numeric_send: base-10000 digits with weight, sign and display scale.
pub fn encode_numeric(d: &BigDecimal) -> Vec<u8> {
    let (int, exp) = d.as_bigint_and_exponent();
    let (digits, scale) = if exp < 0 {
        // value = int * 10^-exp with a negative exponent: append zeros, scale 0.
        let zeros = "0".repeat(exp.unsigned_abs() as usize);
        (format!("{}{}", int.magnitude(), zeros), 0usize)
    } else {
        (int.magnitude().to_string(), exp as usize)
    };
    let negative = int.sign() == bigdecimal::num_bigint::Sign::Minus;
    let (int_part, frac_part) = if digits.len() > scale {
        (digits[..digits.len() - scale].to_string(), digits[digits.len() - scale..].to_string())
    } else {
        (String::new(), format!("{}{}", "0".repeat(scale - digits.len()), digits))
    };
    let int_pad = (4 - int_part.len() % 4) % 4;
    let int_part = format!("{}{}", "0".repeat(int_pad), int_part);
    let frac_pad = (4 - frac_part.len() % 4) % 4;
    let frac_part = format!("{}{}", frac_part, "0".repeat(frac_pad));
    let group = |s: &str| -> Vec<i16> {
        s.as_bytes().chunks(4).map(|c| c.iter().fold(0i16, |acc, b| acc * 10 + i16::from(b - b'0'))).collect()
    };
    let int_groups = group(&int_part);
    let mut groups: Vec<i16> = int_groups.iter().copied().chain(group(&frac_part)).collect();
    let mut weight = int_groups.len() as i32 - 1;
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= leading as i32;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let sign = if negative && !groups.is_empty() { NUMERIC_NEG } else { NUMERIC_POS };
    let mut out = Vec::with_capacity(8 + groups.len() * 2);
    out.extend_from_slice(&(groups.len() as i16).to_be_bytes());
    out.extend_from_slice(&(weight as i16).to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&(scale.min(u16::MAX as usize) as u16).to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    out
}

/// PostgreSQL's numeric_recv.
pub fn decode_numeric(bytes: &[u8]) -> Result<BigDecimal, String> {
    let field = |i: usize| -> Result<[u8; 2], String> {
        bytes.get(i..i + 2).map(|b| [b[0], b[1]]).ok_or_else(|| "numeric value is truncated".to_string())
    };
    let ndigits = i16::from_be_bytes(field(0)?);
    let weight = i16::from_be_bytes(field(2)?);
    let sign = u16::from_be_bytes(field(4)?);
    let dscale = u16::from_be_bytes(field(6)?);
    if ndigits < 0 || bytes.len() != 8 + ndigits as usize * 2 {
        return Err("invalid length in external \"numeric\" value".into());
    }
    match sign {
        NUMERIC_POS | NUMERIC_NEG => {}
        NUMERIC_NAN => return Err("NaN is not supported for numeric".into()),
        _ => return Err("invalid sign in external \"numeric\" value".into()),
    }
    if dscale > 0x3FFF {
        return Err("invalid scale in external \"numeric\" value".into());
    }
    let mut text = String::with_capacity(ndigits as usize * 4 + 2);
    if sign == NUMERIC_NEG {
        text.push('-');
    }
    for i in 0..ndigits as usize {
        let digit = i16::from_be_bytes(field(8 + i * 2)?);
        if !(0..10_000).contains(&digit) {
            return Err("invalid digit in external \"numeric\" value".into());
        }
        text.push_str(&format!("{digit:04}"));
    }
    if ndigits == 0 {
        text.push('0');
    }
    let exponent = 4 * (i64::from(weight) - i64::from(ndigits) + 1);
    let value = BigDecimal::from_str(&format!("{text}e{exponent}")).map_err(|e| e.to_string())?;
    Ok(value.with_scale(i64::from(dscale)))
}

/// A Bind parameter in the client's format for the parameter type `ty`.
pub fn decode_param(bytes: &[u8], binary: bool, ty: &SqlType, index: usize) -> Result<Value, PgWireError> {
    if !binary {
        let text = std::str::from_utf8(bytes).map_err(|_| {
            pg_error(sqlstate::CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\"")
        })?;
        return match ty {
            SqlType::Unknown => Ok(Value::Text(text.to_string())),
            _ => orbit_sql::parse_text(text, ty).map_err(|e| crate::error::from_sql_error(&e)),
        };
    }
    decode_binary(bytes, ty).map_err(|message| {
        pg_error(
            sqlstate::INVALID_BINARY_REPRESENTATION,
            format!("incorrect binary data format in bind parameter {}: {message}", index + 1),
        )
    })
}

fn fixed<const N: usize>(bytes: &[u8]) -> Result<[u8; N], String> {
    bytes.try_into().map_err(|_| format!("expected {N} bytes, got {}", bytes.len()))
}

fn decode_binary(bytes: &[u8], ty: &SqlType) -> Result<Value, String> {
    let utf8 = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| "invalid UTF-8".to_string());
    Ok(match ty {
        SqlType::Bool => Value::Bool(fixed::<1>(bytes)?[0] != 0),
        SqlType::Int2 => Value::Int(i64::from(i16::from_be_bytes(fixed(bytes)?))),
        SqlType::Int4 => Value::Int(i64::from(i32::from_be_bytes(fixed(bytes)?))),
        SqlType::Int8 => Value::Int(i64::from_be_bytes(fixed(bytes)?)),
        SqlType::Float4 => Value::Float(f64::from(f32::from_be_bytes(fixed(bytes)?))),
        SqlType::Float8 => Value::Float(f64::from_be_bytes(fixed(bytes)?)),
        SqlType::Numeric => Value::Decimal(decode_numeric(bytes)?),
        SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Unknown => Value::Text(utf8(bytes)?),
        SqlType::Json => Value::Json(utf8(bytes)?),
        SqlType::Vector(dims) => orbit_sql::vector::from_binary(bytes, *dims).map_err(|e| e.message)?,
        SqlType::Jsonb => match bytes.split_first() {
            Some((1, rest)) => Value::Json(utf8(rest)?),
            _ => return Err("unsupported jsonb version number".into()),
        },
        SqlType::Bytea => Value::Bytes(bytes.to_vec()),
        SqlType::Date => {
            let days = i32::from_be_bytes(fixed(bytes)?);
            Value::Date(shift_days(days, PG_EPOCH_DAYS).ok_or("date out of range")?)
        }
        SqlType::Time => Value::Time(i64::from_be_bytes(fixed(bytes)?)),
        SqlType::Timestamp | SqlType::TimestampTz => {
            let micros =
                shift_micros(i64::from_be_bytes(fixed(bytes)?), PG_EPOCH_MICROS).ok_or("timestamp out of range")?;
            if matches!(ty, SqlType::Timestamp) {
                Value::Timestamp(micros)
            } else {
                Value::TimestampTz(micros)
            }
        }
        SqlType::Interval => {
            let raw: [u8; 16] = fixed(bytes)?;
            let micros = i64::from_be_bytes(fixed(&raw[..8])?);
            let days = i32::from_be_bytes(fixed(&raw[8..12])?);
            let months = i32::from_be_bytes(fixed(&raw[12..])?);
            Value::Interval(Interval { months, days, micros })
        }
        SqlType::Uuid => Value::Uuid(fixed(bytes)?),
        SqlType::Array(elem) => decode_array(bytes, elem)?,
    })
}

fn take_i32(rest: &mut &[u8]) -> Result<i32, String> {
    let (head, tail) = rest.split_at_checked(4).ok_or("array value is truncated")?;
    *rest = tail;
    Ok(i32::from_be_bytes(fixed(head)?))
}

fn decode_array(bytes: &[u8], elem: &SqlType) -> Result<Value, String> {
    let mut rest = bytes;
    let ndim = take_i32(&mut rest)?;
    let _has_null = take_i32(&mut rest)?;
    let _elem_oid = take_i32(&mut rest)?;
    match ndim {
        0 => return Ok(Value::Array(Vec::new())),
        1 => {}
        _ => return Err("multidimensional arrays are not supported in binary format".into()),
    }
    let len = take_i32(&mut rest)?;
    let _lower_bound = take_i32(&mut rest)?;
    if len < 0 {
        return Err("invalid array length".into());
    }
    let mut items = Vec::new();
    for _ in 0..len {
        let n = take_i32(&mut rest)?;
        if n < 0 {
            items.push(Value::Null);
            continue;
        }
        let (item, tail) = rest.split_at_checked(n as usize).ok_or("array element is truncated")?;
        rest = tail;
        items.push(decode_binary(item, elem)?);
    }
    if !rest.is_empty() {
        return Err("trailing bytes after array".into());
    }
    Ok(Value::Array(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_round_trip(text: &str) {
        let d = BigDecimal::from_str(text).expect("decimal");
        let encoded = encode_numeric(&d);
        let decoded = decode_numeric(&encoded).expect("decodes");
        assert_eq!(decoded, d, "{text}");
        if d.as_bigint_and_exponent().1 >= 0 {
            assert_eq!(decoded.to_string(), d.to_string(), "{text} keeps its scale");
        }
    }

    #[test]
    fn numeric_binary_round_trips() {
        for text in
            ["0", "1", "-1", "10000", "12345.678", "-0.0001", "0.5", "1e10", "123456789012345678901234567890.5", "0.00"]
        {
            numeric_round_trip(text);
        }
    }

    #[test]
    fn numeric_binary_matches_postgres() {
        // SELECT numeric_send(12345.678) = 0003 0001 0000 0003 0001 0929 1a7c
        let d = BigDecimal::from_str("12345.678").expect("decimal");
        assert_eq!(encode_numeric(&d), vec![0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c]);
    }

    #[test]
    fn scalar_binary_round_trips() {
        let cases = [
            (SqlType::Bool, Value::Bool(true)),
            (SqlType::Int2, Value::Int(-7)),
            (SqlType::Int4, Value::Int(123_456)),
            (SqlType::Int8, Value::Int(i64::MIN)),
            (SqlType::Float8, Value::Float(2.5)),
            (SqlType::Bytea, Value::Bytes(vec![0, 1, 255])),
            (SqlType::Date, Value::Date(19_000)),
            (SqlType::Timestamp, Value::Timestamp(1_700_000_000_000_000)),
            (SqlType::TimestampTz, Value::TimestampTz(-5)),
            (SqlType::Interval, Value::Interval(Interval { months: 1, days: 2, micros: 3 })),
            (SqlType::Uuid, Value::Uuid([7; 16])),
            (SqlType::Array(Box::new(SqlType::Int4)), Value::Array(vec![Value::Int(1), Value::Null])),
        ];
        for (ty, value) in cases {
            let bytes = encode_binary(&value, &ty).expect("encodes").expect("not null");
            assert_eq!(decode_binary(&bytes, &ty).expect("decodes"), value, "{ty:?}");
        }
        assert_eq!(encode_binary(&Value::Date(PG_EPOCH_DAYS), &SqlType::Date).expect("ok"), Some(vec![0, 0, 0, 0]));
        // infinity and -infinity keep PostgreSQL's sentinel values both ways.
        for (value, ty) in [
            (Value::Date(i32::MAX), SqlType::Date),
            (Value::Date(i32::MIN), SqlType::Date),
            (Value::Timestamp(i64::MAX), SqlType::Timestamp),
            (Value::TimestampTz(i64::MIN), SqlType::TimestampTz),
        ] {
            let bytes = encode_binary(&value, &ty).expect("encodes").expect("not null");
            assert_eq!(decode_binary(&bytes, &ty).expect("decodes"), value);
        }
        assert!(encode_binary(&Value::Int(70_000), &SqlType::Int2).is_err());
        assert!(decode_binary(&[0, 1], &SqlType::Int4).is_err());
    }
}
