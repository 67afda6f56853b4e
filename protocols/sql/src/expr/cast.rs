//! Casts between SQL types (explicit `CAST`/`::` and the implicit and assignment
//! coercions the binder inserts), with PostgreSQL's rounding and range errors.

use crate::error::{sqlstate, SqlError};
use crate::format::{format_text, parse_text, MICROS_PER_DAY};
use crate::types::SqlType;
use bigdecimal::{BigDecimal, FromPrimitive, RoundingMode, ToPrimitive};
use orbit_storage::{DataType, Value};

pub fn int_out_of_range(ty: &SqlType) -> SqlError {
    SqlError::new(
        sqlstate::NUMERIC_VALUE_OUT_OF_RANGE,
        match ty {
            SqlType::Int2 => "smallint out of range",
            SqlType::Int8 => "bigint out of range",
            _ => "integer out of range",
        },
    )
}

pub fn check_int_range(v: i64, ty: &SqlType) -> Result<(), SqlError> {
    let ok = match ty {
        SqlType::Int2 => i16::try_from(v).is_ok(),
        SqlType::Int4 => i32::try_from(v).is_ok(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(int_out_of_range(ty))
    }
}

/// The engine type of a storage column type.
pub fn sql_type_of(dt: &DataType) -> SqlType {
    SqlType::from_data_type(dt)
}

pub fn is_numeric(t: &SqlType) -> bool {
    matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Numeric | SqlType::Float4 | SqlType::Float8)
}

pub fn is_integer(t: &SqlType) -> bool {
    matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Int8)
}

pub fn is_textual(t: &SqlType) -> bool {
    matches!(t, SqlType::Text | SqlType::Varchar | SqlType::Bpchar)
}

fn numeric_rank(t: &SqlType) -> u8 {
    match t {
        SqlType::Int2 => 1,
        SqlType::Int4 => 2,
        SqlType::Int8 => 3,
        SqlType::Numeric => 4,
        SqlType::Float4 => 5,
        SqlType::Float8 => 6,
        _ => 0,
    }
}

/// The common type two operands are coerced to (PostgreSQL's numeric promotion; unknown
/// literals take the other side's type). `None` when there is none.
pub fn common_type(a: &SqlType, b: &SqlType) -> Option<SqlType> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (SqlType::Unknown, t) | (t, SqlType::Unknown) => Some(t.clone()),
        // float4 with any other numeric type resolves to float8, as PostgreSQL's operators do.
        (SqlType::Float4, y) | (y, SqlType::Float4) if is_numeric(y) => Some(SqlType::Float8),
        (x, y) if is_numeric(x) && is_numeric(y) => {
            Some(if numeric_rank(x) >= numeric_rank(y) { x.clone() } else { y.clone() })
        }
        (x, y) if is_textual(x) && is_textual(y) => Some(SqlType::Text),
        (SqlType::Date, SqlType::Timestamp) | (SqlType::Timestamp, SqlType::Date) => Some(SqlType::Timestamp),
        (SqlType::Date | SqlType::Timestamp, SqlType::TimestampTz)
        | (SqlType::TimestampTz, SqlType::Date | SqlType::Timestamp) => Some(SqlType::TimestampTz),
        (SqlType::Json, SqlType::Jsonb) | (SqlType::Jsonb, SqlType::Json) => Some(SqlType::Jsonb),
        (SqlType::Array(x), SqlType::Array(y)) => common_type(x, y).map(|t| SqlType::Array(Box::new(t))),
        _ => None,
    }
}

fn bad_cast(v: &Value, to: &SqlType) -> SqlError {
    let from = match v {
        Value::Bool(_) => SqlType::Bool.name(),
        Value::Int(_) => SqlType::Int4.name(),
        Value::Float(_) => SqlType::Float8.name(),
        Value::Bytes(_) => SqlType::Bytea.name(),
        Value::Time(_) => SqlType::Time.name(),
        Value::Timestamp(_) => SqlType::Timestamp.name(),
        Value::TimestampTz(_) => SqlType::TimestampTz.name(),
        v => v.kind_name().to_string(),
    };
    cannot_cast(&from, to)
}

/// PostgreSQL's error for a cast that does not exist (42846).
pub fn cannot_cast(from: &str, to: &SqlType) -> SqlError {
    SqlError::new(sqlstate::CANNOT_COERCE, format!("cannot cast type {} to {}", from, to.name()))
}

/// Whether PostgreSQL has an explicit cast from `from` to `to` (pg_cast entries plus the
/// I/O conversion casts to and from the string types).
pub fn cast_exists(from: &SqlType, to: &SqlType) -> bool {
    use SqlType::*;
    if from == to || *from == Unknown || *to == Unknown || is_textual(from) || is_textual(to) {
        return true;
    }
    match (from, to) {
        (x, y) if is_numeric(x) && is_numeric(y) => true,
        (Int4, Bool) | (Bool, Int4) => true,
        (Date | Timestamp | TimestampTz, Date | Timestamp | TimestampTz) => true,
        (Timestamp | TimestampTz, Time) | (Time, Interval) | (Interval, Time) => true,
        (Json, Jsonb) | (Jsonb, Json) => true,
        (Jsonb, Bool | Int2 | Int4 | Int8 | Float4 | Float8 | Numeric) => true,
        (Array(x), Array(y)) => cast_exists(x, y),
        (Vector(_), Vector(_)) | (Vector(_), Array(_)) => true,
        (Array(x), Vector(_)) => is_numeric(x),
        _ => false,
    }
}

fn float_to_int(f: f64, to: &SqlType) -> Result<Value, SqlError> {
    if f.is_nan() || f.is_infinite() {
        return Err(int_out_of_range(to));
    }
    let r = f.round_ties_even();
    if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&r) {
        return Err(int_out_of_range(to));
    }
    let v = r as i64;
    check_int_range(v, to)?;
    Ok(Value::Int(v))
}

fn decimal_to_int(d: &BigDecimal, to: &SqlType) -> Result<Value, SqlError> {
    let r = d.with_scale_round(0, RoundingMode::HalfUp);
    let v = r.to_i64().ok_or_else(|| int_out_of_range(to))?;
    check_int_range(v, to)?;
    Ok(Value::Int(v))
}

/// Casts `v` to `to`. Text sources are parsed with PostgreSQL's input rules.
pub fn cast_value(v: Value, to: &SqlType) -> Result<Value, SqlError> {
    if v.is_null() || *to == SqlType::Unknown {
        return Ok(v);
    }
    let out = match (v, to) {
        (Value::Bytes(b), SqlType::Vector(dims)) => {
            let elements = crate::vector::elements(&b)?;
            crate::vector::check(&elements, *dims)?;
            Value::Bytes(b)
        }
        (Value::Array(items), SqlType::Vector(dims)) => crate::vector::functions::from_array(&items, *dims)?,
        (Value::Text(s), t) => {
            if matches!(t, SqlType::Text | SqlType::Varchar) {
                Value::Text(s)
            } else {
                parse_text(&s, t)?
            }
        }
        (Value::Bool(b), SqlType::Text | SqlType::Varchar | SqlType::Bpchar) => {
            Value::Text(if b { "true" } else { "false" }.into())
        }
        (v, SqlType::Text | SqlType::Varchar | SqlType::Bpchar) => {
            let ty = match &v {
                Value::Float(_) => SqlType::Float8,
                Value::Array(_) => SqlType::Array(Box::new(SqlType::Text)),
                _ => SqlType::Text,
            };
            Value::Text(format_text(&v, &ty).unwrap_or_default())
        }
        (Value::Int(i), SqlType::Int2 | SqlType::Int4 | SqlType::Int8) => {
            check_int_range(i, to)?;
            Value::Int(i)
        }
        (Value::Int(i), SqlType::Float4 | SqlType::Float8) => Value::Float(i as f64),
        (Value::Int(i), SqlType::Numeric) => Value::Decimal(BigDecimal::from(i)),
        (Value::Int(i), SqlType::Bool) => Value::Bool(i != 0),
        (Value::Bool(b), SqlType::Int4 | SqlType::Int8 | SqlType::Int2) => Value::Int(b as i64),
        (Value::Float(f), SqlType::Int2 | SqlType::Int4 | SqlType::Int8) => float_to_int(f, to)?,
        (Value::Float(f), SqlType::Float8) => Value::Float(f),
        (Value::Float(f), SqlType::Float4) => {
            let r = f as f32;
            if r.is_infinite() && !f.is_infinite() {
                return Err(SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow"));
            }
            Value::Float(r as f64)
        }
        (Value::Float(f), SqlType::Numeric) => {
            if f.is_nan() || f.is_infinite() {
                return Err(SqlError::not_supported("numeric NaN and Infinity"));
            }
            let s = crate::format::format_float(f, false);
            Value::Decimal(s.parse::<BigDecimal>().or_else(|_| {
                BigDecimal::from_f64(f)
                    .ok_or_else(|| SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "value out of range"))
            })?)
        }
        (Value::Decimal(d), SqlType::Int2 | SqlType::Int4 | SqlType::Int8) => decimal_to_int(&d, to)?,
        (Value::Decimal(d), SqlType::Float4 | SqlType::Float8) => {
            let f = d.to_f64().unwrap_or(f64::NAN);
            if *to == SqlType::Float4 {
                Value::Float(f as f32 as f64)
            } else {
                Value::Float(f)
            }
        }
        (Value::Decimal(d), SqlType::Numeric) => Value::Decimal(d),
        (Value::Bool(b), SqlType::Bool) => Value::Bool(b),
        (Value::Date(d), SqlType::Date) => Value::Date(d),
        (Value::Date(d), SqlType::Timestamp) => Value::Timestamp(crate::format::date_to_micros(d)),
        (Value::Date(d), SqlType::TimestampTz) => Value::TimestampTz(crate::format::date_to_micros(d)),
        (Value::Timestamp(t) | Value::TimestampTz(t), SqlType::Date) => Value::Date(crate::format::micros_to_date(t)),
        (Value::Timestamp(t) | Value::TimestampTz(t), SqlType::Time) => Value::Time(t.rem_euclid(MICROS_PER_DAY)),
        (Value::Timestamp(t) | Value::TimestampTz(t), SqlType::Timestamp) => Value::Timestamp(t),
        (Value::Timestamp(t) | Value::TimestampTz(t), SqlType::TimestampTz) => Value::TimestampTz(t),
        (Value::Time(t), SqlType::Time) => Value::Time(t),
        (Value::Interval(i), SqlType::Interval) => Value::Interval(i),
        (Value::Uuid(u), SqlType::Uuid) => Value::Uuid(u),
        (Value::Bytes(b), SqlType::Bytea) => Value::Bytes(b),
        (Value::Json(j), SqlType::Json) => Value::Json(j),
        (Value::Json(j), SqlType::Jsonb) => {
            let parsed: serde_json::Value = serde_json::from_str(&j).map_err(|_| {
                SqlError::new(sqlstate::INVALID_TEXT_REPRESENTATION, "invalid input syntax for type json")
            })?;
            Value::Json(crate::format::jsonb_text(&parsed))
        }
        (Value::Array(items), SqlType::Array(inner)) => {
            Value::Array(items.into_iter().map(|v| cast_value(v, inner)).collect::<Result<_, _>>()?)
        }
        (v, to) => return Err(bad_cast(&v, to)),
    };
    Ok(out)
}

/// Applies a column's type modifiers: varchar/char length (22001), numeric precision/scale.
pub fn apply_typmod(v: Value, dt: &DataType) -> Result<Value, SqlError> {
    match (v, dt) {
        (Value::Text(s), DataType::Varchar(Some(n))) => {
            if s.chars().count() > *n as usize {
                let trimmed = s.trim_end_matches(' ');
                if trimmed.chars().count() <= *n as usize {
                    return Ok(Value::Text(s.chars().take(*n as usize).collect()));
                }
                return Err(SqlError::new(
                    sqlstate::STRING_DATA_RIGHT_TRUNCATION,
                    format!("value too long for type character varying({n})"),
                ));
            }
            Ok(Value::Text(s))
        }
        (Value::Text(s), DataType::Char(n)) => {
            let n = n.unwrap_or(1) as usize;
            let len = s.chars().count();
            if len > n {
                if s.trim_end_matches(' ').chars().count() <= n {
                    return Ok(Value::Text(s.chars().take(n).collect()));
                }
                return Err(SqlError::new(
                    sqlstate::STRING_DATA_RIGHT_TRUNCATION,
                    format!("value too long for type character({n})"),
                ));
            }
            let mut s = s;
            s.extend(std::iter::repeat_n(' ', n - len));
            Ok(Value::Text(s))
        }
        (Value::Decimal(d), DataType::Decimal { precision, scale }) => {
            let scale = scale.unwrap_or(0) as i64;
            let d = if precision.is_some() { d.with_scale_round(scale, RoundingMode::HalfUp) } else { d };
            if let Some(p) = precision {
                let int_digits = d.with_scale(0).abs().to_string().trim_start_matches('0').len() as i64;
                if int_digits > *p as i64 - scale {
                    return Err(SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow")
                        .with_detail(format!(
                        "A field with precision {p}, scale {scale} must round to an absolute value less than 10^{}.",
                        *p as i64 - scale
                    )));
                }
            }
            Ok(Value::Decimal(d))
        }
        (v, _) => Ok(v),
    }
}

/// An explicit cast to varchar(n)/char(n) truncates instead of failing.
pub fn truncate_for(v: Value, dt: &DataType) -> Value {
    match (v, dt) {
        (Value::Text(s), DataType::Varchar(Some(n)) | DataType::Char(Some(n))) => {
            Value::Text(s.chars().take(*n as usize).collect())
        }
        (v, _) => v,
    }
}

/// Assignment coercion of a value to a stored column's type.
pub fn assign_value(v: Value, dt: &DataType) -> Result<Value, SqlError> {
    let v = cast_value(v, &sql_type_of(dt))?;
    apply_typmod(v, dt)
}

/// Whether a value of type `from` may be assigned to a column of type `to` (PostgreSQL
/// allows assignment casts between numeric types and from text-like unknown literals).
pub fn can_assign(from: &SqlType, to: &SqlType) -> bool {
    from == to
        || *from == SqlType::Unknown
        || (is_numeric(from) && is_numeric(to))
        || (is_textual(from) && is_textual(to))
        || *to == SqlType::Text
        || *to == SqlType::Varchar
        || *to == SqlType::Bpchar
        || matches!((from, to), (SqlType::Vector(_) | SqlType::Array(_), SqlType::Vector(_)))
        || common_type(from, to).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_casts_round_like_postgres() {
        assert_eq!(cast_value(Value::Float(2.5), &SqlType::Int4).unwrap(), Value::Int(2));
        assert_eq!(cast_value(Value::Float(3.5), &SqlType::Int4).unwrap(), Value::Int(4));
        let d: BigDecimal = "2.5".parse().unwrap();
        assert_eq!(cast_value(Value::Decimal(d), &SqlType::Int4).unwrap(), Value::Int(3));
        assert_eq!(cast_value(Value::Int(70000), &SqlType::Int2).unwrap_err().code, "22003");
        assert_eq!(cast_value(Value::Text("12".into()), &SqlType::Int8).unwrap(), Value::Int(12));
        assert_eq!(cast_value(Value::Text("x".into()), &SqlType::Int8).unwrap_err().code, "22P02");
        assert_eq!(cast_value(Value::Int(5), &SqlType::Text).unwrap(), Value::Text("5".into()));
    }

    #[test]
    fn typmods() {
        assert_eq!(assign_value(Value::Text("abcd".into()), &DataType::Varchar(Some(3))).unwrap_err().code, "22001");
        assert_eq!(
            assign_value(Value::Text("ab".into()), &DataType::Char(Some(3))).unwrap(),
            Value::Text("ab ".into())
        );
        let dt = DataType::Decimal { precision: Some(5), scale: Some(2) };
        assert_eq!(assign_value(Value::Text("3.14159".into()), &dt).unwrap(), Value::Decimal("3.14".parse().unwrap()));
        assert_eq!(assign_value(Value::Int(12345), &dt).unwrap_err().code, "22003");
    }
}
