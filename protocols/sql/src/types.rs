//! SQL types as the engine and the wire see them, with PostgreSQL's type OIDs.

use orbit_storage::DataType;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SqlType {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Text,
    Varchar,
    Bpchar,
    Bytea,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Interval,
    Uuid,
    Json,
    Jsonb,
    Array(Box<SqlType>),
    /// pgvector's `vector(n)` (dimensions when the type names them), stored as bytes: see
    /// [`crate::vector`].
    Vector(Option<u32>),
    /// An untyped literal or parameter whose type is not known yet (PostgreSQL's `unknown`).
    Unknown,
}

impl SqlType {
    /// PostgreSQL's type OID.
    pub fn oid(&self) -> u32 {
        match self {
            SqlType::Bool => 16,
            SqlType::Bytea => 17,
            SqlType::Int8 => 20,
            SqlType::Int2 => 21,
            SqlType::Int4 => 23,
            SqlType::Text => 25,
            SqlType::Json => 114,
            SqlType::Float4 => 700,
            SqlType::Float8 => 701,
            SqlType::Unknown => 705,
            SqlType::Bpchar => 1042,
            SqlType::Varchar => 1043,
            SqlType::Date => 1082,
            SqlType::Time => 1083,
            SqlType::Timestamp => 1114,
            SqlType::TimestampTz => 1184,
            SqlType::Interval => 1186,
            SqlType::Numeric => 1700,
            SqlType::Uuid => 2950,
            SqlType::Jsonb => 3802,
            SqlType::Vector(_) => crate::vector::VECTOR_OID,
            SqlType::Array(inner) => match inner.as_ref() {
                SqlType::Bool => 1000,
                SqlType::Bytea => 1001,
                SqlType::Int2 => 1005,
                SqlType::Int4 => 1007,
                SqlType::Text => 1009,
                SqlType::Bpchar => 1014,
                SqlType::Varchar => 1015,
                SqlType::Int8 => 1016,
                SqlType::Float4 => 1021,
                SqlType::Float8 => 1022,
                SqlType::Timestamp => 1115,
                SqlType::Date => 1182,
                SqlType::Time => 1183,
                SqlType::TimestampTz => 1185,
                SqlType::Interval => 1187,
                SqlType::Numeric => 1231,
                SqlType::Uuid => 2951,
                SqlType::Json => 199,
                SqlType::Jsonb => 3807,
                SqlType::Vector(_) => crate::vector::VECTOR_ARRAY_OID,
                _ => 1009,
            },
        }
    }

    /// The engine type of a stored column type.
    pub fn from_data_type(t: &DataType) -> SqlType {
        match t {
            DataType::Bool => SqlType::Bool,
            DataType::Int16 => SqlType::Int2,
            DataType::Int32 => SqlType::Int4,
            DataType::Int64 => SqlType::Int8,
            DataType::Float32 => SqlType::Float4,
            DataType::Float64 => SqlType::Float8,
            DataType::Decimal { .. } => SqlType::Numeric,
            DataType::Text => SqlType::Text,
            DataType::Varchar(_) => SqlType::Varchar,
            DataType::Char(_) => SqlType::Bpchar,
            DataType::Bytes => SqlType::Bytea,
            DataType::Date => SqlType::Date,
            DataType::Time => SqlType::Time,
            DataType::Timestamp => SqlType::Timestamp,
            DataType::TimestampTz => SqlType::TimestampTz,
            DataType::Interval => SqlType::Interval,
            DataType::Uuid => SqlType::Uuid,
            DataType::Json => SqlType::Json,
            DataType::Jsonb => SqlType::Jsonb,
            DataType::Array(inner) => SqlType::Array(Box::new(SqlType::from_data_type(inner))),
        }
    }

    /// PostgreSQL's name of the type (as `format_type` prints it).
    pub fn name(&self) -> String {
        match self {
            SqlType::Bool => "boolean".into(),
            SqlType::Int2 => "smallint".into(),
            SqlType::Int4 => "integer".into(),
            SqlType::Int8 => "bigint".into(),
            SqlType::Float4 => "real".into(),
            SqlType::Float8 => "double precision".into(),
            SqlType::Numeric => "numeric".into(),
            SqlType::Text => "text".into(),
            SqlType::Varchar => "character varying".into(),
            SqlType::Bpchar => "character".into(),
            SqlType::Bytea => "bytea".into(),
            SqlType::Date => "date".into(),
            SqlType::Time => "time without time zone".into(),
            SqlType::Timestamp => "timestamp without time zone".into(),
            SqlType::TimestampTz => "timestamp with time zone".into(),
            SqlType::Interval => "interval".into(),
            SqlType::Uuid => "uuid".into(),
            SqlType::Json => "json".into(),
            SqlType::Jsonb => "jsonb".into(),
            SqlType::Vector(_) => "vector".into(),
            SqlType::Array(inner) => format!("{}[]", inner.name()),
            SqlType::Unknown => "unknown".into(),
        }
    }
}
