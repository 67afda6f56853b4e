//! Engine values and types in MySQL's terms: the column type a result column is sent
//! as, a value's text-protocol bytes, its binary-protocol form, and a COM_STMT_EXECUTE
//! parameter turned back into an engine value.

use crate::wire::consts::{BINARY_COLLATION, UTF8MB4_0900_AI_CI};
use crate::wire::{ColumnDef, ColumnType, WireValue};
use orbit_sql::{Column, SqlError, SqlType, Value};

/// The MySQL column type an engine type is sent as.
pub fn column_type(ty: &SqlType) -> ColumnType {
    match ty {
        // MySQL has no boolean type: comparisons and BOOL columns are integers.
        SqlType::Bool => ColumnType::LongLong,
        SqlType::Int2 => ColumnType::Short,
        SqlType::Int4 => ColumnType::Long,
        SqlType::Int8 => ColumnType::LongLong,
        SqlType::Float4 => ColumnType::Float,
        SqlType::Float8 => ColumnType::Double,
        SqlType::Numeric => ColumnType::NewDecimal,
        SqlType::Bytea => ColumnType::Blob,
        SqlType::Date => ColumnType::Date,
        SqlType::Time => ColumnType::Time,
        SqlType::Timestamp | SqlType::TimestampTz => ColumnType::DateTime,
        SqlType::Json | SqlType::Jsonb => ColumnType::Json,
        _ => ColumnType::VarString,
    }
}

/// The column definition of a result column.
pub fn column_def(column: &Column) -> ColumnDef {
    let ty = column_type(&column.ty);
    let mut def = ColumnDef::new(column.name.clone(), ty);
    match column.ty {
        SqlType::Bool => def.length = 1,  // as MySQL describes `1 = 1`
        SqlType::Text | SqlType::Varchar | SqlType::Bpchar | SqlType::Uuid | SqlType::Unknown | SqlType::Json | SqlType::Jsonb => {
            def.charset = u16::from(UTF8MB4_0900_AI_CI);
        }
        SqlType::Bytea => def.charset = u16::from(BINARY_COLLATION),
        _ => {}
    }
    if let Some(d) = column.decimals {
        def.decimals = d;
    }
    def
}

/// A value of a result column in the text protocol: with the column's fixed decimals
/// when it has them (see `orbit_sql::mysql::decimals`).
pub fn cell_text(value: &Value, column: &Column) -> Option<Vec<u8>> {
    match column.decimals.and_then(|d| orbit_sql::mysql_sql::format::fixed(value, d)) {
        Some(text) => Some(text.into_bytes()),
        None => text_bytes(value, &column.ty),
    }
}

/// A value of a result column in the binary protocol: a DECIMAL's text with the column's
/// decimals; DOUBLE and temporal values as they are (the client formats them with the
/// column definition's decimals).
pub fn cell_wire(value: &Value, column: &Column) -> WireValue {
    match (value, column.decimals) {
        (Value::Decimal(_), Some(d)) => match orbit_sql::mysql_sql::format::fixed(value, d) {
            Some(text) => WireValue::Bytes(text.into_bytes()),
            None => wire_value(value, &column.ty),
        },
        _ => wire_value(value, &column.ty),
    }
}

/// A value's text-protocol bytes (`None`: NULL), in the engine's MySQL text form.
pub fn text_bytes(value: &Value, ty: &SqlType) -> Option<Vec<u8>> {
    match (value, ty) {
        (Value::Float(f), SqlType::Float4) => Some(orbit_sql::mysql_sql::format::float(*f as f32).into_bytes()),
        (Value::Bytes(b), _) => Some(b.clone()),
        _ => orbit_sql::mysql_sql::format::text(value).map(String::into_bytes),
    }
}

/// A value in the binary protocol's form.
pub fn wire_value(value: &Value, ty: &SqlType) -> WireValue {
    match value {
        Value::Null => WireValue::Null,
        Value::Bool(b) => WireValue::Int(i64::from(*b)),
        Value::Int(i) => WireValue::Int(*i),
        Value::Float(f) if matches!(ty, SqlType::Float4) => WireValue::Float(*f as f32),
        Value::Float(f) => WireValue::Double(*f),
        Value::Date(_) | Value::Timestamp(_) | Value::TimestampTz(_) | Value::Time(_) => {
            let text = orbit_sql::format_text(value, ty).unwrap_or_default();
            parse_temporal(&text, value).unwrap_or_else(|| WireValue::Bytes(text.into_bytes()))
        }
        other => WireValue::Bytes(text_bytes(other, ty).unwrap_or_default()),
    }
}

/// "YYYY-MM-DD[ HH:MM:SS[.ffffff]]" / "HH:MM:SS[.ffffff]" into the binary forms.
fn parse_temporal(text: &str, value: &Value) -> Option<WireValue> {
    let text = text.trim_end_matches("+00");
    let time_of = |t: &str| -> Option<(u8, u8, u8, u32)> {
        let (hms, frac) = t.split_once('.').unwrap_or((t, ""));
        let mut parts = hms.split(':');
        let h: u8 = parts.next()?.parse().ok()?;
        let m: u8 = parts.next()?.parse().ok()?;
        let s: u8 = parts.next()?.parse().ok()?;
        let micros = if frac.is_empty() { 0 } else { format!("{frac:0<6}").get(..6)?.parse().ok()? };
        Some((h, m, s, micros))
    };
    let date_of = |d: &str| -> Option<(u16, u8, u8)> {
        let mut parts = d.split('-');
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    match value {
        Value::Date(_) => {
            let (year, month, day) = date_of(text)?;
            Some(WireValue::Date { year, month, day })
        }
        Value::Time(_) => {
            let (hours, minutes, seconds, micros) = time_of(text)?;
            Some(WireValue::Time { negative: false, days: 0, hours, minutes, seconds, micros })
        }
        _ => {
            let (d, t) = text.split_once(' ')?;
            let (year, month, day) = date_of(d)?;
            let (hour, minute, second, micros) = time_of(t)?;
            Some(WireValue::DateTime { year, month, day, hour, minute, second, micros })
        }
    }
}

/// A COM_STMT_EXECUTE parameter as an engine value of the type the statement expects
/// (`Unknown`: the value's own type), and the type it is bound with.
pub fn param_value(wire: &WireValue, expected: &SqlType) -> Result<(Value, SqlType), SqlError> {
    let natural = |v: Value, t: SqlType| -> Result<(Value, SqlType), SqlError> {
        if *expected == SqlType::Unknown || *expected == t {
            return Ok((v, t));
        }
        let text = orbit_sql::format_text(&v, &t).unwrap_or_default();
        Ok((orbit_sql::parse_text(&text, expected)?, expected.clone()))
    };
    match wire {
        WireValue::Null => Ok((Value::Null, if *expected == SqlType::Unknown { SqlType::Text } else { expected.clone() })),
        WireValue::Int(i) => natural(Value::Int(*i), SqlType::Int8),
        WireValue::UInt(u) => match i64::try_from(*u) {
            Ok(i) => natural(Value::Int(i), SqlType::Int8),
            Err(_) => natural(Value::Decimal((*u).into()), SqlType::Numeric),
        },
        WireValue::Float(f) => natural(Value::Float(f64::from(*f)), SqlType::Float8),
        WireValue::Double(f) => natural(Value::Float(*f), SqlType::Float8),
        WireValue::Bytes(b) => match expected {
            SqlType::Bytea => Ok((Value::Bytes(b.clone()), SqlType::Bytea)),
            _ => {
                let text = String::from_utf8_lossy(b).into_owned();
                match expected {
                    SqlType::Unknown | SqlType::Text | SqlType::Varchar | SqlType::Bpchar => {
                        Ok((Value::Text(text), if *expected == SqlType::Unknown { SqlType::Text } else { expected.clone() }))
                    }
                    other => Ok((orbit_sql::parse_text(text.trim(), other)?, other.clone())),
                }
            }
        },
        WireValue::Date { year, month, day } => {
            let text = format!("{year:04}-{month:02}-{day:02}");
            let ty = if *expected == SqlType::Unknown { SqlType::Date } else { expected.clone() };
            Ok((orbit_sql::parse_text(&text, &ty)?, ty))
        }
        WireValue::DateTime { year, month, day, hour, minute, second, micros } => {
            let text = format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}.{micros:06}");
            let ty = if *expected == SqlType::Unknown { SqlType::Timestamp } else { expected.clone() };
            Ok((orbit_sql::parse_text(&text, &ty)?, ty))
        }
        WireValue::Time { negative, days, hours, minutes, seconds, micros } => {
            // The decoder clamps to 838:59:59; saturating keeps any other caller from wrapping.
            let h = days.saturating_mul(24).saturating_add(u32::from(*hours));
            let sign = if *negative { "-" } else { "" };
            let text = format!("{sign}{h:02}:{minutes:02}:{seconds:02}.{micros:06}");
            let ty = if *expected == SqlType::Unknown { SqlType::Time } else { expected.clone() };
            Ok((orbit_sql::parse_text(&text, &ty)?, ty))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_render_as_mysql_text() {
        assert_eq!(text_bytes(&Value::Bool(true), &SqlType::Bool), Some(b"1".to_vec()));
        assert_eq!(text_bytes(&Value::Null, &SqlType::Int4), None);
        assert_eq!(text_bytes(&Value::Float(0.1), &SqlType::Float8), Some(b"0.1".to_vec()));
        assert_eq!(text_bytes(&Value::Float(1e20), &SqlType::Float8), Some(b"1e20".to_vec()));
        assert_eq!(text_bytes(&Value::Float(2.5), &SqlType::Float8), Some(b"2.5".to_vec()));
    }

    #[test]
    fn column_decimals_agree_in_text_binary_and_definition() {
        let with = |ty: SqlType, d: u8| Column { decimals: Some(d), ..Column::new("c", ty) };
        let pi = with(SqlType::Float8, 6);
        let v = Value::Float(std::f64::consts::PI);
        assert_eq!(cell_text(&v, &pi), Some(b"3.141593".to_vec()));
        // The binary protocol sends the double itself; the client uses the decimals.
        assert_eq!(cell_wire(&v, &pi), WireValue::Double(std::f64::consts::PI));
        assert_eq!(crate::column_defs::column_def(&pi).decimals, 6);
        let q = with(SqlType::Numeric, 4);
        let d = Value::Decimal("1.999999998".parse().unwrap());
        assert_eq!(cell_text(&d, &q), Some(b"2.0000".to_vec()));
        assert_eq!(cell_wire(&d, &q), WireValue::Bytes(b"2.0000".to_vec()));
        assert_eq!(crate::column_defs::column_def(&q).decimals, 4);
        let t = with(SqlType::Timestamp, 6);
        assert_eq!(cell_text(&Value::Timestamp(623_000), &t), Some(b"1970-01-01 00:00:00.623000".to_vec()));
        // Without decimals: the value's own form.
        assert_eq!(cell_text(&v, &Column::new("c", SqlType::Float8)), Some(b"3.141592653589793".to_vec()));
    }

    #[test]
    fn params_take_the_expected_type() {
        assert_eq!(param_value(&WireValue::Bytes(b"42".to_vec()), &SqlType::Int4).unwrap(), (Value::Int(42), SqlType::Int4));
        assert_eq!(param_value(&WireValue::Int(7), &SqlType::Unknown).unwrap(), (Value::Int(7), SqlType::Int8));
        assert_eq!(
            param_value(&WireValue::Bytes(b"x".to_vec()), &SqlType::Unknown).unwrap(),
            (Value::Text("x".into()), SqlType::Text)
        );
        assert!(param_value(&WireValue::Bytes(b"abc".to_vec()), &SqlType::Int4).is_err());
    }
}
