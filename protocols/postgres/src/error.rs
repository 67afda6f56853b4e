//! The one place engine and protocol errors become PostgreSQL ErrorResponses.

use orbit_sql::SqlError;
use pgwire::error::{ErrorInfo, PgWireError, SEVERITY_ERROR, SEVERITY_FATAL};

/// SQLSTATEs the listener itself raises (the engine's are in `orbit_sql::error::sqlstate`).
pub mod sqlstate {
    pub const FEATURE_NOT_SUPPORTED: &str = "0A000";
    pub const PROTOCOL_VIOLATION: &str = "08P01";
    pub const INVALID_AUTHORIZATION: &str = "28000";
    pub const INVALID_SQL_STATEMENT_NAME: &str = "26000";
    pub const INVALID_CURSOR_NAME: &str = "34000";
    pub const DUPLICATE_PREPARED_STATEMENT: &str = "42P05";
    pub const UNDEFINED_OBJECT: &str = "42704";
    pub const INVALID_BINARY_REPRESENTATION: &str = "22P03";
    pub const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";
    pub const NUMERIC_VALUE_OUT_OF_RANGE: &str = "22003";
    pub const PROGRAM_LIMIT_EXCEEDED: &str = "54000";
    pub const ADMIN_SHUTDOWN: &str = "57P01";
    pub const INTERNAL_ERROR: &str = "XX000";
}

/// An ERROR-severity ErrorInfo.
pub fn error_info(code: &str, message: impl Into<String>) -> ErrorInfo {
    let mut info = ErrorInfo::new(SEVERITY_ERROR.to_owned(), code.to_owned(), message.into());
    info.severity_nonlocalized = Some(SEVERITY_ERROR.to_owned());
    info
}

/// An ERROR that ends the current statement (and, in the extended protocol, makes the
/// server skip messages until Sync).
pub fn pg_error(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(code, message)))
}

/// A FATAL error: sent, then the connection is closed.
pub fn fatal(code: &str, message: impl Into<String>) -> PgWireError {
    let mut info = ErrorInfo::new(SEVERITY_FATAL.to_owned(), code.to_owned(), message.into());
    info.severity_nonlocalized = Some(SEVERITY_FATAL.to_owned());
    PgWireError::UserError(Box::new(info))
}

/// The ErrorResponse fields of an engine error: SQLSTATE, message, detail, hint, position.
pub fn sql_error_info(e: &SqlError) -> ErrorInfo {
    let mut info = error_info(e.code, e.message.clone());
    info.detail = e.detail.clone();
    info.hint = e.hint.clone();
    info.position = e.position.map(|p| p.to_string());
    info
}

pub fn from_sql_error(e: &SqlError) -> PgWireError {
    PgWireError::UserError(Box::new(sql_error_info(e)))
}
