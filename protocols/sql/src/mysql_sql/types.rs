//! MySQL column types over the engine's storage types, and strict-mode assignment.
//!
//! A MySQL column keeps its declared type text (MySQL 8's SHOW COLUMNS spelling:
//! "int", "int unsigned", "tinyint(1)", "varchar(20)", "enum('a','b')") in the table's
//! options under `mysql.type.<column>`; SHOW COLUMNS, information_schema and the wire
//! listener read it, and [`Kind::parse`] turns it back into the checks a written value
//! goes through ([`store`]): integer ranges (1264), string lengths (1406), ENUM/SET
//! members (1265), YEAR, and MySQL's string-to-number conversions (1366).
//!
//! Storage: TINYINT/SMALLINT → Int16 (SMALLINT UNSIGNED → Int32), MEDIUMINT/INT → Int32
//! (INT UNSIGNED → Int64), BIGINT → Int64, BIGINT UNSIGNED → Decimal(20,0), BOOL →
//! TINYINT(1), CHAR/VARCHAR/ENUM → Varchar (unbounded: the checks here hold the
//! length), TEXT kinds and SET → Text, BLOB kinds and
//! (VAR)BINARY → Bytes, DATETIME and TIMESTAMP → Timestamp, YEAR → Int16.

use crate::error::{sqlstate, SqlError};
use crate::plan::bind::object_name_parts;
use bigdecimal::{BigDecimal, ToPrimitive, Zero};
use orbit_storage::{DataType, Value};
use sqlparser::ast;

pub const OPT_TYPE_PREFIX: &str = "mysql.type.";
/// Marks an AUTO_INCREMENT column (its value is the sequence name).
pub const OPT_AUTO_INCREMENT_PREFIX: &str = "mysql.auto_increment.";

/// What a MySQL column checks on write.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Int { min: i128, max: i128 },
    Decimal { unsigned: bool },
    Float,
    /// CHAR(n) (`fixed`: trailing blanks are dropped) / VARCHAR(n), in characters.
    Chars { max: u32, fixed: bool },
    /// TEXT kinds, in bytes.
    Text { max_bytes: u64 },
    /// BINARY(n) (`fixed`: padded with 0x00) / VARBINARY(n) / BLOB kinds, in bytes.
    Binary { max_bytes: u64, fixed: bool },
    Enum(Vec<String>),
    Set(Vec<String>),
    Year,
    Other,
}

/// A declared MySQL column type.
#[derive(Debug, Clone)]
pub struct ColumnType {
    /// MySQL 8's spelling, as SHOW COLUMNS prints it.
    pub text: String,
    pub storage: DataType,
}

fn int_range(name: &str, unsigned: bool) -> (i128, i128) {
    let bits = match name {
        "tinyint" => 8,
        "smallint" => 16,
        "mediumint" => 24,
        "int" => 32,
        _ => 64,
    };
    if unsigned {
        (0, (1i128 << bits) - 1)
    } else {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    }
}

fn int_storage(name: &str, unsigned: bool) -> DataType {
    match (name, unsigned) {
        ("tinyint", _) | ("smallint", false) => DataType::Int16,
        ("smallint", true) | ("mediumint", _) | ("int", false) => DataType::Int32,
        ("int", true) | ("bigint", false) => DataType::Int64,
        _ => DataType::Decimal { precision: Some(20), scale: Some(0) },
    }
}

fn quote_list(items: &[String]) -> String {
    items.iter().map(|m| format!("'{}'", m.replace('\'', "''"))).collect::<Vec<_>>().join(",")
}

/// Maps a declared type. `zerofill` is the ZEROFILL attribute (the pre-pass removes the
/// word from the text and reports the columns that had it).
pub fn map(dt: &ast::DataType, zerofill: bool) -> Result<ColumnType, SqlError> {
    use ast::DataType as D;
    let int = |name: &str, width: &Option<u64>, unsigned: bool| {
        let unsigned = unsigned || zerofill;
        let mut text = name.to_string();
        // MySQL 8 drops display widths except TINYINT(1) and ZEROFILL columns.
        match width {
            Some(w) if zerofill || (name == "tinyint" && *w == 1 && !unsigned) => text.push_str(&format!("({w})")),
            None if zerofill => {
                let w = match name {
                    "tinyint" => 3,
                    "smallint" => 5,
                    "mediumint" => 8,
                    "int" => 10,
                    _ => 20,
                };
                text.push_str(&format!("({w})"));
            }
            _ => {}
        }
        if unsigned {
            text.push_str(" unsigned");
        }
        if zerofill {
            text.push_str(" zerofill");
        }
        ColumnType { text, storage: int_storage(name, unsigned) }
    };
    let exact = |name: &str, info: &ast::ExactNumberInfo, unsigned: bool| {
        let (p, s) = match info {
            ast::ExactNumberInfo::None => (10, 0),
            ast::ExactNumberInfo::Precision(p) => (*p as u32, 0),
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => (*p as u32, (*s).max(0) as u32),
        };
        let _ = name;
        ColumnType {
            text: format!("decimal({p},{s}){}", if unsigned { " unsigned" } else { "" }),
            storage: DataType::Decimal { precision: Some(p), scale: Some(s) },
        }
    };
    let chars = |l: &Option<ast::CharacterLength>| match l {
        Some(ast::CharacterLength::IntegerLength { length, .. }) => Some(*length as u32),
        _ => None,
    };
    let simple = |text: &str, storage: DataType| ColumnType { text: text.to_string(), storage };
    Ok(match dt {
        D::TinyInt(w) => int("tinyint", w, false),
        D::TinyIntUnsigned(w) => int("tinyint", w, true),
        D::SmallInt(w) | D::Int2(w) => int("smallint", w, false),
        D::SmallIntUnsigned(w) | D::Int2Unsigned(w) => int("smallint", w, true),
        D::MediumInt(w) => int("mediumint", w, false),
        D::MediumIntUnsigned(w) => int("mediumint", w, true),
        D::Int(w) | D::Integer(w) | D::Int4(w) => int("int", w, false),
        D::IntUnsigned(w) | D::IntegerUnsigned(w) | D::Int4Unsigned(w) => int("int", w, true),
        D::BigInt(w) | D::Int8(w) => int("bigint", w, false),
        D::BigIntUnsigned(w) | D::Int8Unsigned(w) => int("bigint", w, true),
        D::Bool | D::Boolean => simple("tinyint(1)", DataType::Int16),
        D::Decimal(i) | D::Numeric(i) | D::Dec(i) => exact("decimal", i, false),
        D::DecimalUnsigned(i) | D::DecUnsigned(i) => exact("decimal", i, true),
        D::Float(info) => match info {
            ast::ExactNumberInfo::Precision(p) if *p > 24 => simple("double", DataType::Float64),
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => {
                simple(&format!("float({p},{s})"), DataType::Float32)
            }
            _ => simple("float", DataType::Float32),
        },
        D::FloatUnsigned(_) => simple("float unsigned", DataType::Float32),
        // MySQL's REAL is DOUBLE (without REAL_AS_FLOAT).
        D::Double(_) | D::DoublePrecision | D::Real | D::Float8 | D::Float64 => simple("double", DataType::Float64),
        D::DoubleUnsigned(_) | D::DoublePrecisionUnsigned | D::RealUnsigned => {
            simple("double unsigned", DataType::Float64)
        }
        // Lengths are checked by [`Kind::Chars`] (MySQL's 1406), so ALTER TABLE can change them.
        D::Char(l) | D::Character(l) => {
            let n = chars(l).unwrap_or(1);
            simple(&format!("char({n})"), DataType::Varchar(None))
        }
        D::Varchar(l) | D::CharacterVarying(l) | D::CharVarying(l) | D::Nvarchar(l) => {
            let n = chars(l).ok_or_else(|| syntax("VARCHAR needs a length"))?;
            simple(&format!("varchar({n})"), DataType::Varchar(None))
        }
        D::TinyText => simple("tinytext", DataType::Text),
        D::Text => simple("text", DataType::Text),
        D::MediumText => simple("mediumtext", DataType::Text),
        D::LongText => simple("longtext", DataType::Text),
        D::TinyBlob => simple("tinyblob", DataType::Bytes),
        D::Blob(_) => simple("blob", DataType::Bytes),
        D::MediumBlob => simple("mediumblob", DataType::Bytes),
        D::LongBlob => simple("longblob", DataType::Bytes),
        D::Binary(n) => simple(&format!("binary({})", n.unwrap_or(1)), DataType::Bytes),
        D::Varbinary(n) => match n {
            Some(ast::BinaryLength::IntegerLength { length }) => {
                simple(&format!("varbinary({length})"), DataType::Bytes)
            }
            _ => return Err(syntax("VARBINARY needs a length")),
        },
        D::Bytea => simple("blob", DataType::Bytes),
        D::Date => simple("date", DataType::Date),
        D::Datetime(fsp) => match fsp {
            Some(p) if *p > 0 => simple(&format!("datetime({p})"), DataType::Timestamp),
            _ => simple("datetime", DataType::Timestamp),
        },
        D::Timestamp(fsp, _) => match fsp {
            Some(p) if *p > 0 => simple(&format!("timestamp({p})"), DataType::Timestamp),
            _ => simple("timestamp", DataType::Timestamp),
        },
        D::Time(fsp, _) => match fsp {
            Some(p) if *p > 0 => simple(&format!("time({p})"), DataType::Time),
            _ => simple("time", DataType::Time),
        },
        D::JSON => simple("json", DataType::Json),
        D::Enum(members, _) => {
            let names: Vec<String> = members
                .iter()
                .map(|m| match m {
                    ast::EnumMember::Name(n) | ast::EnumMember::NamedValue(n, _) => n.clone(),
                })
                .collect();
            ColumnType { text: format!("enum({})", quote_list(&names)), storage: DataType::Varchar(None) }
        }
        D::Set(members) => ColumnType { text: format!("set({})", quote_list(members)), storage: DataType::Text },
        D::Custom(name, _) => {
            let n = object_name_parts(name)?.last().cloned().unwrap_or_default().to_lowercase();
            match n.as_str() {
                "year" => simple("year", DataType::Int16),
                "serial" => simple("bigint unsigned", DataType::Decimal { precision: Some(20), scale: Some(0) }),
                other => return Err(syntax_near(other)),
            }
        }
        D::Unsigned | D::UnsignedInteger => int("bigint", &None, true),
        D::Signed | D::SignedInteger => int("bigint", &None, false),
        D::Bit(_) => return Err(SqlError::not_supported("type BIT")),
        other => return Err(SqlError::not_supported(format!("type {other}"))),
    })
}

fn syntax(msg: &str) -> SqlError {
    SqlError::new(crate::mysql_sql::errors::SYNTAX, msg.to_string())
}

fn syntax_near(near: &str) -> SqlError {
    crate::mysql_sql::errors::syntax_error(near)
}

fn unquote_list(inner: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    s.push('\'');
                    continue;
                }
                break;
            }
            s.push(c);
        }
        out.push(s);
    }
    out
}

impl Kind {
    /// The checks of a stored type text (see [`ColumnType::text`]).
    pub fn parse(text: &str) -> Kind {
        let t = text.trim();
        let head: String = t.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        let unsigned = t.contains(" unsigned");
        let arg = || -> Option<u64> { t.split_once('(')?.1.split([')', ',']).next()?.trim().parse().ok() };
        match head.as_str() {
            "tinyint" | "smallint" | "mediumint" | "int" | "bigint" => {
                let (min, max) = int_range(&head, unsigned);
                Kind::Int { min, max }
            }
            "decimal" => Kind::Decimal { unsigned },
            "float" | "double" => Kind::Float,
            "char" => Kind::Chars { max: arg().unwrap_or(1) as u32, fixed: true },
            "varchar" => Kind::Chars { max: arg().unwrap_or(u32::MAX as u64) as u32, fixed: false },
            "tinytext" => Kind::Text { max_bytes: 255 },
            "text" => Kind::Text { max_bytes: 65_535 },
            "mediumtext" => Kind::Text { max_bytes: 16_777_215 },
            "longtext" => Kind::Text { max_bytes: u32::MAX as u64 },
            "tinyblob" => Kind::Binary { max_bytes: 255, fixed: false },
            "blob" => Kind::Binary { max_bytes: 65_535, fixed: false },
            "mediumblob" => Kind::Binary { max_bytes: 16_777_215, fixed: false },
            "longblob" => Kind::Binary { max_bytes: u32::MAX as u64, fixed: false },
            "binary" => Kind::Binary { max_bytes: arg().unwrap_or(1), fixed: true },
            "varbinary" => Kind::Binary { max_bytes: arg().unwrap_or(u32::MAX as u64), fixed: false },
            "enum" | "set" => {
                let inner = t.find('(').map(|i| &t[i + 1..t.len().saturating_sub(1)]).unwrap_or("");
                let items = unquote_list(inner);
                if head == "enum" {
                    Kind::Enum(items)
                } else {
                    Kind::Set(items)
                }
            }
            "year" => Kind::Year,
            _ => Kind::Other,
        }
    }
}

/// The MySQL checks of every column of a table (empty for tables without MySQL types).
pub fn kinds_of(schema: &orbit_storage::TableSchema) -> Vec<Option<Kind>> {
    if !schema.options.keys().any(|k| k.starts_with(OPT_TYPE_PREFIX)) {
        return Vec::new();
    }
    schema.columns().map(|c| schema.options.get(&format!("{OPT_TYPE_PREFIX}{}", c.name)).map(|t| Kind::parse(t))).collect()
}

pub fn out_of_range(column: &str, row: usize) -> SqlError {
    SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, format!("Out of range value for column '{column}' at row {row}"))
        .with_mysql_errno(1264)
}

pub fn too_long(column: &str, row: usize) -> SqlError {
    SqlError::new(sqlstate::STRING_DATA_RIGHT_TRUNCATION, format!("Data too long for column '{column}' at row {row}"))
        .with_mysql_errno(1406)
}

thread_local! {
    /// Notes 1265 of exact numbers rounded to their DECIMAL column by [`store`].
    static ROUNDED: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The rounding notes of [`store`] on this thread since the last call (and forgets them).
pub fn take_rounding_notes() -> Vec<String> {
    ROUNDED.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

pub fn truncated(column: &str, row: usize) -> SqlError {
    SqlError::new(crate::mysql_sql::errors::DATA_TRUNCATED, format!("Data truncated for column '{column}' at row {row}"))
        .with_mysql_errno(1265)
}

fn incorrect_value(kind: &str, v: &str, column: &str, row: usize) -> SqlError {
    SqlError::new(
        crate::mysql_sql::errors::GENERAL,
        format!("Incorrect {kind} value: '{v}' for column '{column}' at row {row}"), // MySQL 8's text and HY000; MariaDB: `db`.`t`.`c`, 22007
    )
    .with_mysql_errno(1366)
}

/// 1292 for a DATE, DATETIME or TIME text that is not one (MySQL 8's text).
fn incorrect_temporal(kind: &str, v: &str, column: &str, row: usize) -> SqlError {
    SqlError::new("22007", format!("Incorrect {kind} value: '{v}' for column '{column}' at row {row}")).with_mysql_errno(1292)
}

/// The numeric prefix of a string as MySQL converts it ("12abc" → 12, "abc" → 0), and
/// whether the whole string was a number.
pub fn numeric_prefix(s: &str) -> (BigDecimal, bool) {
    let t = s.trim_start();
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    let mantissa_end = i;
    if mantissa_end > digits_start && i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    let num = &t[..i];
    let parsed = num.trim_end_matches('.').parse::<BigDecimal>().ok();
    let whole = parsed.is_some() && t[i..].trim().is_empty();
    (parsed.unwrap_or_default(), whole)
}

/// MySQL's conversion of a value written to a column of `kind` (strict mode: a value
/// that does not fit is an error). `row` is 1-based for the messages.
pub fn store(kind: &Kind, storage: &DataType, v: Value, column: &str, row: usize) -> Result<Value, SqlError> {
    if v.is_null() {
        return Ok(v);
    }
    let v = match v {
        Value::Bool(b) => Value::Int(b as i64),
        v => v,
    };
    match kind {
        Kind::Int { min, max } => {
            let n: i128 = match &v {
                Value::Int(i) => *i as i128,
                Value::Float(f) => {
                    let r = f.round();
                    if !r.is_finite() || r < *min as f64 || r > *max as f64 {
                        return Err(out_of_range(column, row));
                    }
                    r as i128
                }
                Value::Decimal(d) => round_half_away(d).to_i128().ok_or_else(|| out_of_range(column, row))?,
                Value::Text(s) => {
                    let (d, whole) = numeric_prefix(s);
                    if !whole {
                        if s.trim().is_empty() || !s.trim_start().starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.') {
                            return Err(incorrect_value("integer", s, column, row));
                        }
                        return Err(truncated(column, row));
                    }
                    round_half_away(&d).to_i128().ok_or_else(|| out_of_range(column, row))?
                }
                _ => return crate::expr::cast::assign_value(v, storage),
            };
            if n < *min || n > *max {
                return Err(out_of_range(column, row));
            }
            Ok(match storage {
                DataType::Decimal { .. } => Value::Decimal(n.to_string().parse().unwrap_or_default()),
                _ => Value::Int(n as i64),
            })
        }
        Kind::Decimal { .. } | Kind::Float => {
            let negative = |v: &Value| match v {
                Value::Decimal(d) => *d < BigDecimal::from(0),
                Value::Int(i) => *i < 0,
                Value::Float(f) => *f < 0.0,
                _ => false,
            };
            if matches!(kind, Kind::Decimal { unsigned: true }) && negative(&v) {
                return Err(out_of_range(column, row));
            }
            let v = match v {
                Value::Text(s) => {
                    let (d, whole) = numeric_prefix(&s);
                    if !whole {
                        return Err(if s.trim().is_empty() || d.is_zero() && !s.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
                            incorrect_value(if matches!(kind, Kind::Decimal { .. }) { "decimal" } else { "double" }, &s, column, row)
                        } else {
                            truncated(column, row)
                        });
                    }
                    if *kind == Kind::Float {
                        Value::Float(d.to_f64().unwrap_or(0.0))
                    } else {
                        Value::Decimal(d)
                    }
                }
                v => v,
            };
            let exact = match &v {
                Value::Decimal(d) => Some(d.clone()),
                _ => None,
            };
            let stored = crate::expr::cast::assign_value(v, storage).map_err(|e| {
                if e.code == sqlstate::NUMERIC_VALUE_OUT_OF_RANGE {
                    out_of_range(column, row)
                } else {
                    e
                }
            })?;
            if let (Some(d), Value::Decimal(x)) = (exact, &stored) {
                if d != *x {
                    ROUNDED.with(|c| c.borrow_mut().push(format!("Data truncated for column '{column}' at row {row}")));
                }
            }
            Ok(stored)
        }
        Kind::Chars { max, fixed } => {
            let s = as_text(v);
            let s = if *fixed { s.trim_end_matches(' ').to_string() } else { s };
            if s.chars().count() > *max as usize {
                // Trailing blanks beyond the length are cut silently, as MySQL does.
                let trimmed = s.trim_end_matches(' ');
                if trimmed.chars().count() > *max as usize {
                    return Err(too_long(column, row));
                }
                return Ok(Value::Text(s.chars().take(*max as usize).collect()));
            }
            Ok(Value::Text(s))
        }
        Kind::Text { max_bytes } => {
            let s = as_text(v);
            if s.len() as u64 > *max_bytes {
                return Err(too_long(column, row));
            }
            Ok(Value::Text(s))
        }
        Kind::Binary { max_bytes, fixed } => {
            let mut b = match v {
                Value::Bytes(b) => b,
                other => as_text(other).into_bytes(),
            };
            if b.len() as u64 > *max_bytes {
                return Err(too_long(column, row));
            }
            if *fixed {
                b.resize(*max_bytes as usize, 0);
            }
            Ok(Value::Bytes(b))
        }
        Kind::Enum(members) => {
            let found = match &v {
                Value::Int(i) if *i >= 1 && (*i as usize) <= members.len() => Some(members[*i as usize - 1].clone()),
                Value::Int(_) | Value::Float(_) | Value::Decimal(_) => None,
                other => {
                    let s = as_text(other.clone());
                    let s = s.trim_end_matches(' ');
                    members.iter().find(|m| m.trim_end_matches(' ').eq_ignore_ascii_case(s)).cloned()
                }
            };
            found.map(Value::Text).ok_or_else(|| truncated(column, row))
        }
        Kind::Set(members) => {
            let s = as_text(v);
            let mut picked = vec![false; members.len()];
            for part in s.split(',').filter(|p| !p.is_empty()) {
                match members.iter().position(|m| m.eq_ignore_ascii_case(part)) {
                    Some(i) => picked[i] = true,
                    None => return Err(truncated(column, row)),
                }
            }
            let out: Vec<&str> =
                members.iter().zip(&picked).filter(|(_, p)| **p).map(|(m, _)| m.as_str()).collect();
            Ok(Value::Text(out.join(",")))
        }
        Kind::Year => {
            let (n, text) = match &v {
                Value::Int(i) => (*i, false),
                Value::Text(s) => {
                    let (d, whole) = numeric_prefix(s);
                    if !whole {
                        return Err(incorrect_value("integer", s, column, row));
                    }
                    (d.to_i64().unwrap_or(-1), true)
                }
                other => match crate::expr::cast::cast_value(other.clone(), &crate::SqlType::Int8)? {
                    Value::Int(i) => (i, false),
                    _ => (-1, false),
                },
            };
            let y = match n {
                0 if !text => 0,
                0..=69 => 2000 + n,
                70..=99 => 1900 + n,
                1901..=2155 => n,
                _ => return Err(out_of_range(column, row)),
            };
            Ok(Value::Int(y))
        }
        Kind::Other => {
            let v = match (&v, storage) {
                (Value::Int(i), DataType::Text | DataType::Varchar(_)) => Value::Text(i.to_string()),
                (Value::Text(s), DataType::Date) => match super::datetime::parse(s) {
                    Some((t, _)) => Value::Date(t.div_euclid(crate::format::MICROS_PER_DAY) as i32),
                    None => return Err(incorrect_temporal("date", s, column, row)),
                },
                (Value::Text(s), DataType::Timestamp) => match super::datetime::parse(s) {
                    Some((t, _)) => Value::Timestamp(t),
                    None => return Err(incorrect_temporal("datetime", s, column, row)),
                },
                (Value::Text(s), DataType::Time) => match super::datetime::parse_time(s) {
                    Some(t) => Value::Time(t),
                    None => return Err(incorrect_temporal("time", s, column, row)),
                },
                _ => v,
            };
            crate::expr::cast::assign_value(v, storage)
        }
    }
}

fn round_half_away(d: &BigDecimal) -> BigDecimal {
    d.with_scale_round(0, bigdecimal::RoundingMode::HalfUp)
}

/// A value as MySQL turns it into a string.
pub fn as_text(v: Value) -> String {
    match v {
        Value::Text(s) | Value::Json(s) => s,
        Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
        other => crate::mysql_sql::format::text(&other).unwrap_or_default(),
    }
}

/// The value MySQL stores instead of one that does not fit (INSERT IGNORE, non-strict):
/// integers clamp to the range, strings are cut to the length, an unknown ENUM member
/// becomes '', what cannot be converted becomes the type's zero.
pub fn adjust(kind: &Kind, storage: &DataType, v: Value) -> Value {
    use bigdecimal::ToPrimitive;
    let number = |v: &Value| -> f64 {
        match v {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            Value::Decimal(d) => d.to_f64().unwrap_or(0.0),
            Value::Bool(b) => *b as i64 as f64,
            other => numeric_prefix(&as_text(other.clone())).0.to_f64().unwrap_or(0.0),
        }
    };
    let int_value = |n: i128| match storage {
        DataType::Decimal { .. } => Value::Decimal(n.to_string().parse().unwrap_or_default()),
        _ => Value::Int(n as i64),
    };
    match kind {
        Kind::Int { min, max } => {
            let f = number(&v).round();
            int_value(if f < *min as f64 { *min } else if f > *max as f64 { *max } else { f as i128 })
        }
        Kind::Year => Value::Int(0),
        Kind::Decimal { unsigned } => {
            let d: BigDecimal = match &v {
                Value::Decimal(d) => d.clone(),
                Value::Int(i) => (*i).into(),
                other => numeric_prefix(&as_text(other.clone())).0,
            };
            let d = if *unsigned && d < BigDecimal::from(0) { BigDecimal::from(0) } else { d };
            match storage {
                DataType::Decimal { precision: Some(p), scale } => {
                    let s = scale.unwrap_or(0) as i64;
                    let max = BigDecimal::from(10i64.pow((*p as i64 - s).clamp(0, 18) as u32)) - BigDecimal::new(1.into(), s);
                    let d = d.with_scale_round(s, bigdecimal::RoundingMode::HalfUp);
                    Value::Decimal(if d > max { max } else if d < -max.clone() { -max } else { d })
                }
                _ => Value::Decimal(d),
            }
        }
        Kind::Float => Value::Float(number(&v)),
        Kind::Chars { max, .. } => Value::Text(as_text(v).chars().take(*max as usize).collect()),
        Kind::Text { max_bytes } => {
            let s = as_text(v);
            let mut end = (*max_bytes as usize).min(s.len());
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            Value::Text(s[..end].to_string())
        }
        Kind::Binary { max_bytes, fixed } => {
            let mut b = match v {
                Value::Bytes(b) => b,
                other => as_text(other).into_bytes(),
            };
            b.truncate(*max_bytes as usize);
            if *fixed {
                b.resize(*max_bytes as usize, 0);
            }
            Value::Bytes(b)
        }
        Kind::Enum(_) => Value::Text(String::new()),
        Kind::Set(members) => {
            let s = as_text(v);
            let keep: Vec<&str> = members.iter().filter(|m| s.split(',').any(|p| p.eq_ignore_ascii_case(m))).map(|m| m.as_str()).collect();
            Value::Text(keep.join(","))
        }
        Kind::Other => Value::Null,
    }
}

/// The implicit default of a NOT NULL column given NULL under INSERT IGNORE.
pub fn implicit_default(kind: &Kind, storage: &DataType) -> Value {
    match (kind, storage) {
        (Kind::Int { .. } | Kind::Year, DataType::Decimal { .. }) => Value::Decimal(BigDecimal::from(0)),
        (Kind::Int { .. } | Kind::Year, _) => Value::Int(0),
        (Kind::Decimal { .. }, _) => Value::Decimal(BigDecimal::from(0)),
        (Kind::Float, _) => Value::Float(0.0),
        (Kind::Binary { max_bytes, fixed: true }, _) => Value::Bytes(vec![0; *max_bytes as usize]),
        (Kind::Binary { .. }, _) => Value::Bytes(Vec::new()),
        (Kind::Enum(members), _) => Value::Text(members.first().cloned().unwrap_or_default()),
        (_, DataType::Date) => Value::Date(0),
        (_, DataType::Timestamp) => Value::Timestamp(0),
        (_, DataType::Time) => Value::Time(0),
        (_, DataType::Json) => Value::Json("null".into()),
        _ => Value::Text(String::new()),
    }
}
