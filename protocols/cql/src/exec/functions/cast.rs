//! `CAST(x AS type)` in a selection, Cassandra's `CastFcts`: the numeric types convert
//! into one another as Java's `Number` conversions do (integers wrap, floating values
//! truncate toward zero and saturate, decimals keep their digits), every numeric and
//! the inet, boolean, uuid, timeuuid, timestamp, date and time types convert to ascii
//! and text (their CQL text), ascii to text, and timeuuid, timestamp and date into one
//! another as toDate/toTimestamp do. A cast to the selector's own type is no cast.

use super::{time, Arg, ArgType, Function, Kind};
use crate::error::{CqlError, CqlResult};
use crate::exec::json::{date_text, decimal_text, java_double, java_float, time_text, timestamp_text, uuid_text};
use crate::model::CqlValue;
use crate::types::CqlType;
use num_bigint::{BigInt, Sign};
use std::net::IpAddr;

fn numeric() -> [CqlType; 9] {
    use CqlType as T;
    [T::Tinyint, T::Smallint, T::Int, T::Bigint, T::Float, T::Double, T::Decimal, T::Counter, T::Varint]
}

/// The types a cast to `to` takes.
fn inputs(to: &CqlType) -> Vec<CqlType> {
    use CqlType as T;
    let textual = [T::Inet, T::Boolean, T::Timeuuid, T::Timestamp, T::Date, T::Time, T::Uuid];
    match to {
        T::Tinyint | T::Smallint | T::Int | T::Bigint | T::Float | T::Double | T::Decimal | T::Varint => {
            numeric().into_iter().filter(|t| t != to).collect()
        }
        T::Ascii => numeric().into_iter().chain(textual).collect(),
        T::Text => numeric().into_iter().chain([T::Ascii]).chain(textual).collect(),
        T::Date => vec![T::Timeuuid, T::Timestamp],
        T::Timestamp => vec![T::Timeuuid, T::Date],
        _ => Vec::new(),
    }
}

/// The overloads named `name`: `castas<type>`, one per type it converts from.
pub(super) fn signatures(name: &str) -> Vec<Function> {
    let Some(to) = name.strip_prefix("castas").filter(|t| *t != "varchar").and_then(CqlType::from_native_name) else {
        return Vec::new();
    };
    inputs(&to).into_iter().map(|from| Function::new(name, &[from], to.clone(), Kind::Cast)).collect()
}

/// The cast of a selector named `arg`, of type `from`, to `to`; `None` when the selector
/// already is of that type.
pub fn cast_function(arg: &str, from: &CqlType, to: &CqlType) -> CqlResult<Option<Function>> {
    if from.unfrozen() == to.unfrozen() {
        return Ok(None);
    }
    let name = format!("castas{to}");
    let missing = || CqlError::invalid(format!("{arg} cannot be cast to {to}"));
    if signatures(&name).is_empty() {
        return Err(missing());
    }
    let arg = Arg { ty: ArgType::Typed(from.clone()), text: arg.to_string() };
    super::resolve(&name, &[arg], None)?.ok_or_else(missing).map(Some)
}

/// A numeric value as Java's `Number` sees it.
enum Number {
    Integer(i64),
    Big(BigInt),
    Floating(f64),
    Decimal(BigInt, i32),
}

fn number(value: &CqlValue) -> Option<Number> {
    Some(match value {
        CqlValue::Tinyint(n) => Number::Integer(i64::from(*n)),
        CqlValue::Smallint(n) => Number::Integer(i64::from(*n)),
        CqlValue::Int(n) => Number::Integer(i64::from(*n)),
        CqlValue::Bigint(n) | CqlValue::Counter(n) => Number::Integer(*n),
        CqlValue::Varint(n) => Number::Big(n.clone()),
        CqlValue::Float(f) => Number::Floating(f64::from(*f)),
        CqlValue::Double(f) => Number::Floating(*f),
        CqlValue::Decimal { unscaled, scale } => Number::Decimal(unscaled.clone(), *scale),
        _ => return None,
    })
}

/// The low 64 bits of `n` (Java's `BigInteger.longValue`).
fn low_bits(n: &BigInt) -> i64 {
    let mut bytes = n.to_signed_bytes_le();
    let fill = if n.sign() == Sign::Minus { 0xff } else { 0 };
    bytes.resize(8, fill);
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[..8]);
    i64::from_le_bytes(low)
}

impl Number {
    /// Java's `longValue()`: integers wrap, floating values truncate and saturate (NaN
    /// is 0), decimals drop their fraction and keep the low 64 bits.
    fn long(&self) -> i64 {
        match self {
            Number::Integer(n) => *n,
            Number::Big(b) => low_bits(b),
            Number::Floating(f) => *f as i64,
            Number::Decimal(unscaled, scale) => {
                let modulus = BigInt::from(1) << 64;
                let integer = if *scale >= 0 {
                    // Beyond its digit count a scale leaves no integer part.
                    if u64::from(scale.unsigned_abs()) > unscaled.bits() / 3 + 1 {
                        return 0;
                    }
                    unscaled / BigInt::from(10).pow(scale.unsigned_abs())
                } else {
                    // Only the low 64 bits matter: 10^k modulo 2^64.
                    unscaled * BigInt::from(10).modpow(&BigInt::from(scale.unsigned_abs()), &modulus)
                };
                low_bits(&integer)
            }
        }
    }

    /// Java's `intValue()` (floating values saturate at the int range first).
    fn int(&self) -> i32 {
        match self {
            Number::Floating(f) => *f as i32,
            other => other.long() as i32,
        }
    }

    fn double(&self) -> f64 {
        match self {
            Number::Integer(n) => *n as f64,
            Number::Big(b) => b.to_string().parse().unwrap_or(f64::NAN),
            Number::Floating(f) => *f,
            Number::Decimal(u, s) => format!("{u}e{}", -i64::from(*s)).parse().unwrap_or(f64::NAN),
        }
    }

    fn float(&self) -> f32 {
        match self {
            Number::Integer(n) => *n as f32,
            Number::Big(b) => b.to_string().parse().unwrap_or(f32::NAN),
            Number::Floating(f) => *f as f32,
            Number::Decimal(u, s) => format!("{u}e{}", -i64::from(*s)).parse().unwrap_or(f32::NAN),
        }
    }

    /// `BigDecimal.valueOf`: integers exactly, floating values through their Java text.
    fn decimal(&self) -> CqlResult<CqlValue> {
        let (unscaled, scale) = match self {
            Number::Integer(n) => (BigInt::from(*n), 0),
            Number::Big(b) => (b.clone(), 0),
            Number::Decimal(u, s) => (u.clone(), *s),
            Number::Floating(f) => crate::exec::literal::parse_decimal(&java_double(*f))
                .ok_or_else(|| CqlError::invalid(format!("Cannot convert {} to a decimal", java_double(*f))))?,
        };
        Ok(CqlValue::Decimal { unscaled, scale })
    }
}

/// A value's CQL text, as Cassandra's `toCQLLiteral` writes it for a cast to text.
fn text(value: &CqlValue) -> String {
    match value {
        CqlValue::Empty => "null".into(),
        CqlValue::Ascii(s) | CqlValue::Text(s) => s.clone(),
        CqlValue::Tinyint(n) => n.to_string(),
        CqlValue::Smallint(n) => n.to_string(),
        CqlValue::Int(n) => n.to_string(),
        CqlValue::Bigint(n) | CqlValue::Counter(n) => n.to_string(),
        CqlValue::Varint(n) => n.to_string(),
        CqlValue::Float(f) => java_float(*f),
        CqlValue::Double(f) => java_double(*f),
        CqlValue::Decimal { unscaled, scale } => decimal_text(unscaled, *scale),
        CqlValue::Boolean(b) => b.to_string(),
        CqlValue::Uuid(u) | CqlValue::Timeuuid(u) => uuid_text(u),
        CqlValue::Timestamp(ms) => timestamp_text(*ms).replacen(' ', "T", 1),
        CqlValue::Date(d) => date_text(*d),
        CqlValue::Time(ns) => time_text(*ns),
        // Java's getHostAddress: IPv6 in eight uncompressed groups.
        CqlValue::Inet(IpAddr::V6(a)) => a.segments().iter().map(|s| format!("{s:x}")).collect::<Vec<_>>().join(":"),
        CqlValue::Inet(ip) => ip.to_string(),
        other => format!("{other:?}"),
    }
}

/// `value` (of type `from`) cast to `to`; `None` where Cassandra has no value (an empty
/// number).
pub(super) fn cast(value: &CqlValue, from: &CqlType, to: &CqlType) -> CqlResult<Option<CqlValue>> {
    use CqlType as T;
    if matches!(to, T::Ascii | T::Text) {
        let s = text(value);
        return Ok(Some(if *to == T::Ascii { CqlValue::Ascii(s) } else { CqlValue::Text(s) }));
    }
    if matches!(to, T::Date | T::Timestamp) {
        let kind = if *to == T::Date { Kind::ToDate } else { Kind::ToTimestamp };
        return time::call(kind, Some(value));
    }
    let Some(n) = number(value) else {
        return match value {
            CqlValue::Empty => Ok(None),
            _ => Err(CqlError::server(format!("cannot cast a {from} value to {to}"))),
        };
    };
    Ok(Some(match to {
        T::Tinyint => CqlValue::Tinyint(n.int() as i8),
        T::Smallint => CqlValue::Smallint(n.int() as i16),
        T::Int => CqlValue::Int(n.int()),
        T::Bigint => CqlValue::Bigint(n.long()),
        T::Float => CqlValue::Float(n.float()),
        T::Double => CqlValue::Double(n.double()),
        T::Decimal => n.decimal()?,
        T::Varint => CqlValue::Varint(BigInt::from(n.long())),
        other => return Err(CqlError::server(format!("no cast to {other}"))),
    }))
}
