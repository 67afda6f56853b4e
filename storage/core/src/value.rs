//! Typed values stored in rows and keys, and the column types that constrain them.
//!
//! Time values use fixed units so every protocol agrees on them:
//! `Date` is days since 1970-01-01, `Time` is microseconds since midnight,
//! `Timestamp`/`TimestampTz` are microseconds since 1970-01-01 00:00:00 UTC.

use bigdecimal::BigDecimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A PostgreSQL-style interval: months, days and microseconds kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}

impl Interval {
    /// The interval as microseconds with PostgreSQL's conventions (30-day months,
    /// 24-hour days); used for ordering.
    pub fn total_micros(&self) -> i128 {
        const DAY: i128 = 86_400_000_000;
        self.months as i128 * 30 * DAY + self.days as i128 * DAY + self.micros as i128
    }
}

/// One value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Decimal(BigDecimal),
    Text(String),
    Bytes(Vec<u8>),
    Date(i32),
    Time(i64),
    Timestamp(i64),
    TimestampTz(i64),
    Interval(Interval),
    Uuid([u8; 16]),
    Json(String),
    Array(Vec<Value>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short name of the value's kind, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::Decimal(_) => "numeric",
            Value::Text(_) => "text",
            Value::Bytes(_) => "bytes",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::Timestamp(_) => "timestamp",
            Value::TimestampTz(_) => "timestamptz",
            Value::Interval(_) => "interval",
            Value::Uuid(_) => "uuid",
            Value::Json(_) => "json",
            Value::Array(_) => "array",
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v as i64)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}

/// The declared type of a column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataType {
    Bool,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Decimal { precision: Option<u32>, scale: Option<u32> },
    Text,
    Varchar(Option<u32>),
    Char(Option<u32>),
    Bytes,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Interval,
    Uuid,
    Json,
    Jsonb,
    Array(Box<DataType>),
}

impl DataType {
    /// Whether `value` may be stored in a column of this type. NULL is accepted by
    /// every type (NOT NULL is a separate check).
    pub fn accepts(&self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null) => true,
            (DataType::Bool, Value::Bool(_)) => true,
            (DataType::Int16, Value::Int(v)) => i16::try_from(*v).is_ok(),
            (DataType::Int32, Value::Int(v)) => i32::try_from(*v).is_ok(),
            (DataType::Int64, Value::Int(_)) => true,
            (DataType::Float32 | DataType::Float64, Value::Float(_)) => true,
            (DataType::Decimal { .. }, Value::Decimal(_)) => true,
            (DataType::Text, Value::Text(_)) => true,
            (DataType::Varchar(max) | DataType::Char(max), Value::Text(s)) => {
                max.is_none_or(|m| s.chars().count() <= m as usize)
            }
            (DataType::Bytes, Value::Bytes(_)) => true,
            (DataType::Date, Value::Date(_)) => true,
            (DataType::Time, Value::Time(_)) => true,
            (DataType::Timestamp, Value::Timestamp(_)) => true,
            (DataType::TimestampTz, Value::TimestampTz(_)) => true,
            (DataType::Interval, Value::Interval(_)) => true,
            (DataType::Uuid, Value::Uuid(_)) => true,
            (DataType::Json | DataType::Jsonb, Value::Json(_)) => true,
            (DataType::Array(inner), Value::Array(items)) => items.iter().all(|v| inner.accepts(v)),
            _ => false,
        }
    }

    /// Whether a value of the right kind is merely out of the type's range
    /// (as opposed to being of the wrong kind altogether).
    pub fn is_out_of_range(&self, value: &Value) -> bool {
        matches!(
            (self, value),
            (DataType::Int16 | DataType::Int32, Value::Int(_))
                | (DataType::Varchar(_) | DataType::Char(_), Value::Text(_))
        ) && !self.accepts(value)
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Bool => write!(f, "boolean"),
            DataType::Int16 => write!(f, "smallint"),
            DataType::Int32 => write!(f, "integer"),
            DataType::Int64 => write!(f, "bigint"),
            DataType::Float32 => write!(f, "real"),
            DataType::Float64 => write!(f, "double precision"),
            DataType::Decimal { precision: Some(p), scale: Some(s) } => write!(f, "numeric({p},{s})"),
            DataType::Decimal { precision: Some(p), scale: None } => write!(f, "numeric({p})"),
            DataType::Decimal { .. } => write!(f, "numeric"),
            DataType::Text => write!(f, "text"),
            DataType::Varchar(Some(n)) => write!(f, "character varying({n})"),
            DataType::Varchar(None) => write!(f, "character varying"),
            DataType::Char(Some(n)) => write!(f, "character({n})"),
            DataType::Char(None) => write!(f, "character"),
            DataType::Bytes => write!(f, "bytea"),
            DataType::Date => write!(f, "date"),
            DataType::Time => write!(f, "time without time zone"),
            DataType::Timestamp => write!(f, "timestamp without time zone"),
            DataType::TimestampTz => write!(f, "timestamp with time zone"),
            DataType::Interval => write!(f, "interval"),
            DataType::Uuid => write!(f, "uuid"),
            DataType::Json => write!(f, "json"),
            DataType::Jsonb => write!(f, "jsonb"),
            DataType::Array(inner) => write!(f, "{inner}[]"),
        }
    }
}
