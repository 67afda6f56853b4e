//! pgvector's `vector` type on the PostgreSQL listener, behaving as pgvector 0.8 does.
//!
//! A vector value is a [`Value::Bytes`] of little-endian `f32`s (the storage's shared
//! `Value` enum stays as it is); the SQL type [`crate::SqlType::Vector`] carries the
//! dimensions of `vector(n)`, and a table keeps each vector column's dimensions in its
//! options ([`OPT_DIMS_PREFIX`]) over a `Bytes` storage column. The type exists in a
//! database once `CREATE EXTENSION vector` ran there ([`EXTENSION`]).
//!
//! * [`text`]: the text form `[1,2,3]` (input checks and pgvector's float output);
//! * [`extension`]: CREATE / DROP EXTENSION vector;
//! * [`hnsw`], [`index_ddl`], [`plan`]: `CREATE INDEX .. USING hnsw`, its in-memory
//!   structures and `ORDER BY col <-> $1 LIMIT k` planned onto them; `tracking`: what a
//!   session tells them at commit;
//! * [`functions`]: distances, operators, `vector_dims`, `vector_norm`, `l2_normalize`,
//!   `subvector` and the casts from and to arrays;
//! * this module: the byte form, the binary wire form and the checks every entry shares.

pub mod extension;
pub mod functions;
pub mod hnsw;
pub mod index_ddl;
pub mod plan;
pub mod text;
mod tracking;

use crate::error::{sqlstate, SqlError};
use orbit_storage::Value;

/// The extension's name in `CREATE EXTENSION`.
pub const EXTENSION: &str = "vector";
/// The version pg_extension reports.
pub const EXTENSION_VERSION: &str = "0.8.0";
/// pgvector's limit on dimensions of `vector`.
pub const MAX_DIM: usize = 16_000;
/// The type OIDs of `vector` and `vector[]` (pgvector's are assigned at CREATE EXTENSION;
/// clients look them up by name in pg_type).
pub const VECTOR_OID: u32 = 16_001;
pub const VECTOR_ARRAY_OID: u32 = 16_002;
/// Table option `orbit.vector_dims.<column>` = the dimensions of a `vector(n)` column
/// (empty for `vector` without dimensions).
pub const OPT_DIMS_PREFIX: &str = "orbit.vector_dims.";

pub(crate) fn data_error(message: impl Into<String>) -> SqlError {
    SqlError::new(sqlstate::DATA_EXCEPTION, message)
}

/// The checks of `vector(n)`'s modifier.
pub fn check_typmod(dims: i64) -> Result<u32, SqlError> {
    if dims < 1 {
        return Err(SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, "dimensions for type vector must be at least 1"));
    }
    if dims > MAX_DIM as i64 {
        return Err(SqlError::new(
            sqlstate::INVALID_PARAMETER_VALUE,
            format!("dimensions for type vector cannot exceed {MAX_DIM}"),
        ));
    }
    Ok(dims as u32)
}

/// pgvector's CheckDim, CheckExpectedDim and CheckElement over parsed elements.
pub fn check(elements: &[f32], expected: Option<u32>) -> Result<(), SqlError> {
    if elements.is_empty() {
        return Err(data_error("vector must have at least 1 dimension"));
    }
    if elements.len() > MAX_DIM {
        return Err(SqlError::new("54000", format!("vector cannot have more than {MAX_DIM} dimensions")));
    }
    if let Some(dims) = expected {
        if elements.len() != dims as usize {
            return Err(data_error(format!("expected {dims} dimensions, not {}", elements.len())));
        }
    }
    for x in elements {
        if x.is_nan() {
            return Err(data_error("NaN not allowed in vector"));
        }
        if x.is_infinite() {
            return Err(data_error("infinite value not allowed in vector"));
        }
    }
    Ok(())
}

/// The stored form of checked elements.
pub fn to_value(elements: &[f32]) -> Value {
    let mut bytes = Vec::with_capacity(elements.len() * 4);
    for x in elements {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    Value::Bytes(bytes)
}

/// The elements of a stored vector; an error for bytes that are not one.
pub fn elements(bytes: &[u8]) -> Result<Vec<f32>, SqlError> {
    if bytes.is_empty() || bytes.len() % 4 != 0 || bytes.len() / 4 > MAX_DIM {
        return Err(SqlError::new(sqlstate::DATA_CORRUPTED, "a stored vector has an invalid length"));
    }
    Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

/// The elements of a vector value (NULL → `None`).
pub fn of_value(v: &Value) -> Result<Option<Vec<f32>>, SqlError> {
    match v {
        Value::Null => Ok(None),
        Value::Bytes(b) => elements(b).map(Some),
        Value::Text(t) => text::parse(t, None).map(Some),
        other => Err(SqlError::new(
            sqlstate::DATATYPE_MISMATCH,
            format!("cannot use a {} value as a vector", other.kind_name()),
        )),
    }
}

/// pgvector's binary send form: int16 dimensions, int16 unused (0), then each element
/// as a big-endian float4.
pub fn to_binary(bytes: &[u8]) -> Result<Vec<u8>, SqlError> {
    let elements = elements(bytes)?;
    let mut out = Vec::with_capacity(4 + elements.len() * 4);
    out.extend_from_slice(&(elements.len() as u16).to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    for x in elements {
        out.extend_from_slice(&x.to_be_bytes());
    }
    Ok(out)
}

/// pgvector's binary receive form (see [`to_binary`]), checked as vector_recv does.
pub fn from_binary(data: &[u8], expected: Option<u32>) -> Result<Value, SqlError> {
    let bad = || SqlError::new(sqlstate::INVALID_TEXT_REPRESENTATION, "insufficient data left in message");
    let header = data.get(..4).ok_or_else(bad)?;
    let dims = i16::from_be_bytes([header[0], header[1]]);
    let unused = i16::from_be_bytes([header[2], header[3]]);
    if dims < 1 {
        return Err(data_error("vector must have at least 1 dimension"));
    }
    if unused != 0 {
        return Err(data_error(format!("expected unused to be 0, not {unused}")));
    }
    let body = &data[4..];
    let dims = dims as usize;
    if body.len() < dims * 4 {
        return Err(bad());
    }
    if body.len() > dims * 4 {
        return Err(SqlError::new(sqlstate::INVALID_TEXT_REPRESENTATION, "incorrect binary data format"));
    }
    let elements: Vec<f32> = body.chunks_exact(4).map(|c| f32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect();
    check(&elements, expected)?;
    Ok(to_value(&elements))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_form_round_trips_and_is_checked() {
        let v = to_value(&[1.0, -2.5, 3.0]);
        let Value::Bytes(bytes) = &v else { panic!("bytes") };
        let wire = to_binary(bytes).unwrap();
        assert_eq!(&wire[..4], &[0, 3, 0, 0]);
        assert_eq!(&wire[4..8], &1.0f32.to_be_bytes());
        assert_eq!(from_binary(&wire, Some(3)).unwrap(), v);
        assert_eq!(from_binary(&wire, Some(2)).unwrap_err().message, "expected 2 dimensions, not 3");
        assert_eq!(from_binary(&wire[..7], None).unwrap_err().code, "22P02");
        assert_eq!(from_binary(&[0, 1, 0, 1, 0, 0, 0, 0], None).unwrap_err().message, "expected unused to be 0, not 1");
        assert_eq!(from_binary(&[0, 0, 0, 0], None).unwrap_err().code, "22000");
        let nan = [&[0u8, 1, 0, 0][..], &f32::NAN.to_be_bytes()].concat();
        assert_eq!(from_binary(&nan, None).unwrap_err().message, "NaN not allowed in vector");
        assert!(from_binary(&[], None).is_err());
        assert!(elements(&[1, 2, 3]).is_err());
    }

    #[test]
    fn typmods_are_bounded_like_pgvector() {
        assert_eq!(check_typmod(3).unwrap(), 3);
        assert_eq!(check_typmod(0).unwrap_err().message, "dimensions for type vector must be at least 1");
        assert_eq!(check_typmod(16_001).unwrap_err().message, "dimensions for type vector cannot exceed 16000");
        let big = vec![0.5f32; MAX_DIM + 1];
        assert_eq!(check(&big, None).unwrap_err().message, "vector cannot have more than 16000 dimensions");
    }
}
