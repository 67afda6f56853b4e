//! [`WireValue`], one value of the binary protocol (a prepared statement's parameter or a
//! cell of a binary result row), and its encoding in the form of a MYSQL_TYPE_*.
//!
//! Encoding follows the column's declared type, not the value's variant: an `Int` in a
//! TINY column is one byte, in a DECIMAL or VARCHAR column it is length-encoded text. A
//! value that does not fit its column (out of range, a date in a TIME column) is an error
//! rather than a silently wrong cell.

use std::fmt::Write as _;

use super::codec::{put_lenenc_bytes, put_u16, put_u32, Cursor};
use super::consts::ColumnType;
use super::error::WireError;

#[derive(Debug, Clone, PartialEq)]
pub enum WireValue {
    Null,
    Int(i64),
    UInt(u64),
    Float(f32),
    Double(f64),
    /// Strings, blobs, decimals, JSON, enums, sets, bits: the value's text or bytes.
    Bytes(Vec<u8>),
    Date {
        year: u16,
        month: u8,
        day: u8,
    },
    DateTime {
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        micros: u32,
    },
    /// A duration (TIME): `days * 24 + hours` is the hour count MySQL displays.
    Time {
        negative: bool,
        days: u32,
        hours: u8,
        minutes: u8,
        seconds: u8,
        micros: u32,
    },
}

impl WireValue {
    pub fn is_null(&self) -> bool {
        matches!(self, WireValue::Null)
    }

    /// The value as the text protocol writes it; `None` for NULL.
    pub fn to_text(&self) -> Option<Vec<u8>> {
        let mut s = String::new();
        match self {
            WireValue::Null => return None,
            WireValue::Bytes(b) => return Some(b.clone()),
            WireValue::Int(v) => {
                let _ = write!(s, "{v}");
            }
            WireValue::UInt(v) => {
                let _ = write!(s, "{v}");
            }
            WireValue::Float(v) => {
                let _ = write!(s, "{v}");
            }
            WireValue::Double(v) => {
                let _ = write!(s, "{v}");
            }
            WireValue::Date { year, month, day } => {
                let _ = write!(s, "{year:04}-{month:02}-{day:02}");
            }
            WireValue::DateTime { year, month, day, hour, minute, second, micros } => {
                let _ = write!(s, "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}");
                if *micros != 0 {
                    let _ = write!(s, ".{micros:06}");
                }
            }
            WireValue::Time { negative, days, hours, minutes, seconds, micros } => {
                let total_hours = u64::from(*days) * 24 + u64::from(*hours);
                let sign = if *negative { "-" } else { "" };
                let _ = write!(s, "{sign}{total_hours:02}:{minutes:02}:{seconds:02}");
                if *micros != 0 {
                    let _ = write!(s, ".{micros:06}");
                }
            }
        }
        Some(s.into_bytes())
    }
}

fn out_of_range(ty: ColumnType) -> WireError {
    WireError::malformed(format!("value out of range for a {ty:?} column"))
}

fn mismatch(ty: ColumnType, v: &WireValue) -> WireError {
    let kind = match v {
        WireValue::Null => "NULL",
        WireValue::Int(_) | WireValue::UInt(_) => "an integer",
        WireValue::Float(_) | WireValue::Double(_) => "a float",
        WireValue::Bytes(_) => "a string",
        WireValue::Date { .. } => "a date",
        WireValue::DateTime { .. } => "a datetime",
        WireValue::Time { .. } => "a time",
    };
    WireError::malformed(format!("{kind} cannot be sent in a {ty:?} column"))
}

/// The value as an integer, for the integer column types.
fn as_integer(ty: ColumnType, v: &WireValue) -> Result<i128, WireError> {
    match v {
        WireValue::Int(i) => Ok(i128::from(*i)),
        WireValue::UInt(u) => Ok(i128::from(*u)),
        WireValue::Float(f) => integral(ty, f64::from(*f)),
        WireValue::Double(f) => integral(ty, *f),
        WireValue::Bytes(b) => {
            std::str::from_utf8(b).ok().and_then(|s| s.trim().parse::<i128>().ok()).ok_or_else(|| mismatch(ty, v))
        }
        _ => Err(mismatch(ty, v)),
    }
}

fn integral(ty: ColumnType, f: f64) -> Result<i128, WireError> {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 2f64.powi(64) {
        Ok(f as i128)
    } else {
        Err(out_of_range(ty))
    }
}

fn as_double(ty: ColumnType, v: &WireValue) -> Result<f64, WireError> {
    match v {
        WireValue::Int(i) => Ok(*i as f64),
        WireValue::UInt(u) => Ok(*u as f64),
        WireValue::Float(f) => Ok(f64::from(*f)),
        WireValue::Double(f) => Ok(*f),
        WireValue::Bytes(b) => {
            std::str::from_utf8(b).ok().and_then(|s| s.trim().parse::<f64>().ok()).ok_or_else(|| mismatch(ty, v))
        }
        _ => Err(mismatch(ty, v)),
    }
}

/// Writes the low `width` bytes of `n` after checking it fits a `width`-byte integer of
/// the given signedness.
fn put_int(out: &mut Vec<u8>, ty: ColumnType, n: i128, width: u32, unsigned: bool) -> Result<(), WireError> {
    let bits = width * 8;
    let (min, max) =
        if unsigned { (0, (1i128 << bits) - 1) } else { (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1) };
    if n < min || n > max {
        return Err(out_of_range(ty));
    }
    let bytes = (n as u64).to_le_bytes();
    out.extend_from_slice(bytes.get(..width as usize).unwrap_or(&bytes));
    Ok(())
}

fn put_date_parts(out: &mut Vec<u8>, year: u16, month: u8, day: u8) {
    put_u16(out, year);
    out.push(month);
    out.push(day);
}

/// Appends `v` in the binary form of a `ty` column (`unsigned` from its UNSIGNED flag).
/// NULL is not written here: it lives in the row's or parameters' NULL bitmap.
pub(crate) fn put_binary_value(
    out: &mut Vec<u8>,
    ty: ColumnType,
    unsigned: bool,
    v: &WireValue,
) -> Result<(), WireError> {
    use ColumnType as T;
    if v.is_null() {
        return Ok(());
    }
    match ty {
        T::Tiny => put_int(out, ty, as_integer(ty, v)?, 1, unsigned),
        T::Short => put_int(out, ty, as_integer(ty, v)?, 2, unsigned),
        T::Year => put_int(out, ty, as_integer(ty, v)?, 2, true),
        T::Long | T::Int24 => put_int(out, ty, as_integer(ty, v)?, 4, unsigned),
        T::LongLong => put_int(out, ty, as_integer(ty, v)?, 8, unsigned),
        T::Float => {
            out.extend_from_slice(&(as_double(ty, v)? as f32).to_le_bytes());
            Ok(())
        }
        T::Double => {
            out.extend_from_slice(&as_double(ty, v)?.to_le_bytes());
            Ok(())
        }
        T::Null => Err(mismatch(ty, v)),
        T::Date | T::DateTime | T::Timestamp => put_binary_datetime(out, ty, v),
        T::Time => put_binary_time(out, ty, v),
        T::Decimal
        | T::NewDecimal
        | T::VarChar
        | T::VarString
        | T::String
        | T::TinyBlob
        | T::MediumBlob
        | T::LongBlob
        | T::Blob
        | T::Json
        | T::Enum
        | T::Set
        | T::Bit
        | T::Geometry => {
            put_lenenc_bytes(out, &v.to_text().unwrap_or_default());
            Ok(())
        }
    }
}

fn put_binary_datetime(out: &mut Vec<u8>, ty: ColumnType, v: &WireValue) -> Result<(), WireError> {
    let (year, month, day, hour, minute, second, micros) = match *v {
        WireValue::Date { year, month, day } => (year, month, day, 0, 0, 0, 0),
        WireValue::DateTime { year, month, day, hour, minute, second, micros } => {
            (year, month, day, hour, minute, second, micros)
        }
        _ => return Err(mismatch(ty, v)),
    };
    let has_time = hour != 0 || minute != 0 || second != 0 || micros != 0;
    if ty == ColumnType::Date && has_time {
        return Err(mismatch(ty, v));
    }
    if !has_time && year == 0 && month == 0 && day == 0 {
        out.push(0);
    } else if !has_time {
        out.push(4);
        put_date_parts(out, year, month, day);
    } else {
        out.push(if micros == 0 { 7 } else { 11 });
        put_date_parts(out, year, month, day);
        out.extend_from_slice(&[hour, minute, second]);
        if micros != 0 {
            put_u32(out, micros);
        }
    }
    Ok(())
}

fn put_binary_time(out: &mut Vec<u8>, ty: ColumnType, v: &WireValue) -> Result<(), WireError> {
    let WireValue::Time { negative, days, hours, minutes, seconds, micros } = *v else {
        return Err(mismatch(ty, v));
    };
    if days == 0 && hours == 0 && minutes == 0 && seconds == 0 && micros == 0 {
        out.push(0);
        return Ok(());
    }
    out.push(if micros == 0 { 8 } else { 12 });
    out.push(u8::from(negative));
    put_u32(out, days);
    out.extend_from_slice(&[hours, minutes, seconds]);
    if micros != 0 {
        put_u32(out, micros);
    }
    Ok(())
}

/// Reads one non-NULL value in the binary form of a `ty` parameter.
pub(crate) fn read_binary_value(c: &mut Cursor<'_>, ty: ColumnType, unsigned: bool) -> Result<WireValue, WireError> {
    use ColumnType as T;
    Ok(match ty {
        T::Tiny if unsigned => WireValue::UInt(u64::from(c.u8()?)),
        T::Tiny => WireValue::Int(i64::from(c.u8()? as i8)),
        T::Short | T::Year if unsigned => WireValue::UInt(u64::from(c.u16()?)),
        T::Short | T::Year => WireValue::Int(i64::from(c.u16()? as i16)),
        T::Long | T::Int24 if unsigned => WireValue::UInt(u64::from(c.u32()?)),
        T::Long | T::Int24 => WireValue::Int(i64::from(c.u32()? as i32)),
        T::LongLong if unsigned => WireValue::UInt(c.u64()?),
        T::LongLong => WireValue::Int(c.u64()? as i64),
        T::Float => WireValue::Float(c.f32()?),
        T::Double => WireValue::Double(c.f64()?),
        T::Null => WireValue::Null,
        T::Date | T::DateTime | T::Timestamp => read_binary_datetime(c, ty)?,
        T::Time => read_binary_time(c)?,
        T::Decimal
        | T::NewDecimal
        | T::VarChar
        | T::VarString
        | T::String
        | T::TinyBlob
        | T::MediumBlob
        | T::LongBlob
        | T::Blob
        | T::Json
        | T::Enum
        | T::Set
        | T::Bit
        | T::Geometry => WireValue::Bytes(c.lenenc_bytes()?.to_vec()),
    })
}

fn read_binary_datetime(c: &mut Cursor<'_>, ty: ColumnType) -> Result<WireValue, WireError> {
    let len = c.u8()?;
    if !matches!(len, 0 | 4 | 7 | 11) {
        return Err(WireError::malformed("bad length of a binary date/datetime"));
    }
    let (mut year, mut month, mut day) = (0, 0, 0);
    let (mut hour, mut minute, mut second, mut micros) = (0, 0, 0, 0);
    if len >= 4 {
        year = c.u16()?;
        month = c.u8()?;
        day = c.u8()?;
    }
    if len >= 7 {
        hour = c.u8()?;
        minute = c.u8()?;
        second = c.u8()?;
    }
    if len == 11 {
        micros = c.u32()?;
    }
    if ty == ColumnType::Date && len <= 4 {
        return Ok(WireValue::Date { year, month, day });
    }
    Ok(WireValue::DateTime { year, month, day, hour, minute, second, micros })
}

/// The largest hour of a MySQL TIME (838:59:59).
const TIME_MAX_HOURS: u32 = 838;

fn read_binary_time(c: &mut Cursor<'_>) -> Result<WireValue, WireError> {
    let len = c.u8()?;
    if !matches!(len, 0 | 8 | 12) {
        return Err(WireError::malformed("bad length of a binary time"));
    }
    let mut v = (false, 0, 0, 0, 0, 0);
    if len >= 8 {
        v = (c.u8()? != 0, c.u32()?, c.u8()?, c.u8()?, c.u8()?, 0);
    }
    if len == 12 {
        v.5 = c.u32()?;
    }
    let (negative, mut days, mut hours, mut minutes, mut seconds, micros) = v;
    // MySQL's set_param_time: more than 838 hours in all is 838:59:59 (so a day count up
    // to u32::MAX never reaches the arithmetic of the value's consumers).
    if u64::from(days) * 24 + u64::from(hours) > u64::from(TIME_MAX_HOURS) {
        (days, hours, minutes, seconds) = (TIME_MAX_HOURS / 24, (TIME_MAX_HOURS % 24) as u8, 59, 59);
    }
    Ok(WireValue::Time { negative, days, hours, minutes, seconds, micros })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnType as T;

    fn bin(ty: ColumnType, unsigned: bool, v: WireValue) -> Result<Vec<u8>, WireError> {
        let mut out = Vec::new();
        put_binary_value(&mut out, ty, unsigned, &v).map(|()| out)
    }

    #[test]
    fn integers_take_the_width_of_the_column() {
        assert_eq!(bin(T::Tiny, false, WireValue::Int(-1)), Ok(vec![0xFF]));
        assert_eq!(bin(T::Tiny, true, WireValue::UInt(200)), Ok(vec![200]));
        assert_eq!(bin(T::Short, false, WireValue::Int(-2)), Ok(vec![0xFE, 0xFF]));
        assert_eq!(bin(T::Int24, false, WireValue::Int(1)), Ok(vec![1, 0, 0, 0]));
        assert_eq!(bin(T::Long, true, WireValue::UInt(0xFFFF_FFFF)), Ok(vec![0xFF; 4]));
        assert_eq!(bin(T::LongLong, true, WireValue::UInt(u64::MAX)), Ok(vec![0xFF; 8]));
        assert_eq!(bin(T::LongLong, false, WireValue::Bytes(b"7".to_vec())), Ok(vec![7, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(bin(T::Year, false, WireValue::Int(2024)), Ok(2024u16.to_le_bytes().to_vec()));
        assert!(bin(T::Tiny, false, WireValue::Int(200)).is_err());
        assert!(bin(T::Tiny, true, WireValue::Int(-1)).is_err());
        assert!(bin(T::LongLong, false, WireValue::UInt(u64::MAX)).is_err());
        assert!(bin(T::Long, false, WireValue::Double(1.5)).is_err());
        assert!(bin(T::Long, false, WireValue::Date { year: 1, month: 1, day: 1 }).is_err());
    }

    #[test]
    fn floats_and_text() {
        assert_eq!(bin(T::Float, false, WireValue::Double(1.5)), Ok(1.5f32.to_le_bytes().to_vec()));
        assert_eq!(bin(T::Double, false, WireValue::Int(2)), Ok(2f64.to_le_bytes().to_vec()));
        assert_eq!(bin(T::NewDecimal, false, WireValue::Int(-12)), Ok(b"\x03-12".to_vec()));
        assert_eq!(bin(T::VarString, false, WireValue::Bytes(b"hi".to_vec())), Ok(b"\x02hi".to_vec()));
        assert_eq!(
            bin(T::VarChar, false, WireValue::Date { year: 2024, month: 2, day: 9 }),
            Ok(b"\x0a2024-02-09".to_vec())
        );
    }

    #[test]
    fn temporal_forms() {
        let date = WireValue::Date { year: 2010, month: 10, day: 17 };
        assert_eq!(bin(T::Date, false, date.clone()), Ok(vec![4, 0xDA, 0x07, 10, 17]));
        assert_eq!(bin(T::DateTime, false, date), Ok(vec![4, 0xDA, 0x07, 10, 17]));
        let zero = WireValue::Date { year: 0, month: 0, day: 0 };
        assert_eq!(bin(T::Timestamp, false, zero), Ok(vec![0]));
        let dt =
            |micros| WireValue::DateTime { year: 2010, month: 10, day: 17, hour: 19, minute: 27, second: 30, micros };
        // The documentation's MYSQL_TYPE_DATETIME examples.
        assert_eq!(bin(T::DateTime, false, dt(0)), Ok(vec![7, 0xDA, 0x07, 10, 17, 19, 27, 30]));
        assert_eq!(bin(T::DateTime, false, dt(1)), Ok(vec![11, 0xDA, 0x07, 10, 17, 19, 27, 30, 1, 0, 0, 0]));
        assert!(bin(T::Date, false, dt(0)).is_err());
        let time = |micros| WireValue::Time { negative: true, days: 120, hours: 19, minutes: 27, seconds: 30, micros };
        // The documentation's MYSQL_TYPE_TIME examples.
        assert_eq!(bin(T::Time, false, time(0)), Ok(vec![8, 1, 120, 0, 0, 0, 19, 27, 30]));
        assert_eq!(bin(T::Time, false, time(1)), Ok(vec![12, 1, 120, 0, 0, 0, 19, 27, 30, 1, 0, 0, 0]));
        assert_eq!(time(5).to_text(), Some(b"-2899:27:30.000005".to_vec()));
        assert!(bin(T::Time, false, dt(0)).is_err());
    }

    #[test]
    fn values_read_back_as_written() {
        let cases = [
            (T::Tiny, false, WireValue::Int(-5)),
            (T::Tiny, true, WireValue::UInt(250)),
            (T::Short, false, WireValue::Int(-300)),
            (T::Long, true, WireValue::UInt(70000)),
            (T::LongLong, false, WireValue::Int(i64::MIN)),
            (T::Float, false, WireValue::Float(0.25)),
            (T::Double, false, WireValue::Double(-1e300)),
            (T::Blob, false, WireValue::Bytes(vec![0, 1, 2])),
            (T::Date, false, WireValue::Date { year: 1999, month: 12, day: 31 }),
            (
                T::Timestamp,
                false,
                WireValue::DateTime { year: 1, month: 2, day: 3, hour: 4, minute: 5, second: 6, micros: 7 },
            ),
            (T::Time, false, WireValue::Time { negative: false, days: 0, hours: 1, minutes: 2, seconds: 3, micros: 0 }),
        ];
        for (ty, unsigned, v) in cases {
            let bytes = bin(ty, unsigned, v.clone()).unwrap();
            let mut c = Cursor::new(&bytes);
            assert_eq!(read_binary_value(&mut c, ty, unsigned), Ok(v));
            assert!(c.is_empty());
        }
    }

    #[test]
    fn bad_temporal_lengths() {
        assert!(read_binary_value(&mut Cursor::new(&[5, 0, 0, 0, 0, 0]), T::Date, false).is_err());
        assert!(read_binary_value(&mut Cursor::new(&[7, 0, 0]), T::DateTime, false).is_err());
        assert!(read_binary_value(&mut Cursor::new(&[9]), T::Time, false).is_err());
    }

    #[test]
    fn times_past_838_hours_are_838_59_59() {
        // days = u32::MAX: 24 times it overflows a u32 in whoever adds the hours.
        let huge = [12, 0, 0xFF, 0xFF, 0xFF, 0xFF, 23, 1, 2, 7, 0, 0, 0];
        let max = WireValue::Time { negative: false, days: 34, hours: 22, minutes: 59, seconds: 59, micros: 7 };
        assert_eq!(read_binary_value(&mut Cursor::new(&huge), T::Time, false), Ok(max));
        let at_limit = [8, 1, 34, 0, 0, 0, 22, 0, 0];
        let v = WireValue::Time { negative: true, days: 34, hours: 22, minutes: 0, seconds: 0, micros: 0 };
        assert_eq!(read_binary_value(&mut Cursor::new(&at_limit), T::Time, false), Ok(v));
    }
}
