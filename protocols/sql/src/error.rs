//! The SQL layer's one error type: a PostgreSQL SQLSTATE with message, detail and
//! position. Storage errors are mapped to SQLSTATEs here, in one place.

use orbit_storage::StorageError;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct SqlError {
    /// Five-character SQLSTATE, e.g. "23505".
    pub code: &'static str,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character position in the query text, where PostgreSQL reports one.
    pub position: Option<usize>,
    /// MySQL's error number where the SQLSTATE alone does not decide it (1193 unknown
    /// system variable is HY000 like many others); the MySQL listener maps every other
    /// error from its SQLSTATE, in one table.
    pub mysql_errno: Option<u16>,
}

/// SQLSTATE codes used by the engine.
pub mod sqlstate {
    pub const SUCCESSFUL_COMPLETION: &str = "00000";
    pub const FEATURE_NOT_SUPPORTED: &str = "0A000";
    pub const CARDINALITY_VIOLATION: &str = "21000";
    pub const DATA_EXCEPTION: &str = "22000";
    pub const STRING_DATA_RIGHT_TRUNCATION: &str = "22001";
    pub const NUMERIC_VALUE_OUT_OF_RANGE: &str = "22003";
    pub const INVALID_DATETIME_FORMAT: &str = "22007";
    pub const DATETIME_FIELD_OVERFLOW: &str = "22008";
    pub const DIVISION_BY_ZERO: &str = "22012";
    pub const INVALID_TEXT_REPRESENTATION: &str = "22P02";
    pub const INVALID_PARAMETER_VALUE: &str = "22023";
    pub const NOT_NULL_VIOLATION: &str = "23502";
    pub const FOREIGN_KEY_VIOLATION: &str = "23503";
    pub const UNIQUE_VIOLATION: &str = "23505";
    pub const CHECK_VIOLATION: &str = "23514";
    pub const INVALID_TRANSACTION_STATE: &str = "25000";
    pub const ACTIVE_SQL_TRANSACTION: &str = "25001";
    pub const NO_ACTIVE_SQL_TRANSACTION: &str = "25P01";
    pub const IN_FAILED_SQL_TRANSACTION: &str = "25P02";
    pub const INVALID_SQL_STATEMENT_NAME: &str = "26000";
    pub const SERIALIZATION_FAILURE: &str = "40001";
    pub const DEADLOCK_DETECTED: &str = "40P01";
    pub const SYNTAX_ERROR: &str = "42601";
    pub const INSUFFICIENT_PRIVILEGE: &str = "42501";
    pub const UNDEFINED_COLUMN: &str = "42703";
    pub const UNDEFINED_FUNCTION: &str = "42883";
    pub const UNDEFINED_TABLE: &str = "42P01";
    pub const UNDEFINED_OBJECT: &str = "42704";
    pub const UNDEFINED_PARAMETER: &str = "42P02";
    pub const DUPLICATE_COLUMN: &str = "42701";
    pub const DUPLICATE_TABLE: &str = "42P07";
    pub const DUPLICATE_OBJECT: &str = "42710";
    pub const DUPLICATE_DATABASE: &str = "42P04";
    pub const DUPLICATE_SCHEMA: &str = "42P06";
    pub const INVALID_SCHEMA_NAME: &str = "3F000";
    pub const INVALID_CATALOG_NAME: &str = "3D000";
    pub const INVALID_CURSOR_NAME: &str = "34000";
    pub const DUPLICATE_CURSOR: &str = "42P03";
    pub const OBJECT_NOT_IN_PREREQUISITE_STATE: &str = "55000";
    pub const AMBIGUOUS_COLUMN: &str = "42702";
    pub const DATATYPE_MISMATCH: &str = "42804";
    pub const CANNOT_COERCE: &str = "42846";
    pub const INVALID_TRANSACTION_TERMINATION: &str = "2D000";
    pub const NO_SAVEPOINT: &str = "3B001";
    pub const OBJECT_IN_USE: &str = "55006";
    pub const DEPENDENT_OBJECTS_STILL_EXIST: &str = "2BP01";
    pub const INVALID_TABLE_DEFINITION: &str = "42P16";
    pub const GROUPING_ERROR: &str = "42803";
    pub const WRONG_OBJECT_TYPE: &str = "42809";
    pub const INVALID_COLUMN_REFERENCE: &str = "42P10";
    pub const UNDEFINED_DATABASE: &str = "3D000";
    pub const QUERY_CANCELED: &str = "57014";
    pub const INTERNAL_ERROR: &str = "XX000";
    pub const DATA_CORRUPTED: &str = "XX001";
}

impl SqlError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        SqlError { code, message: message.into(), detail: None, hint: None, position: None, mysql_errno: None }
    }
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn with_position(mut self, position: usize) -> Self {
        self.position = Some(position);
        self
    }
    /// Pins the MySQL error number (see [`SqlError::mysql_errno`]).
    pub fn with_mysql_errno(mut self, errno: u16) -> Self {
        self.mysql_errno = Some(errno);
        self
    }
    pub fn not_supported(what: impl fmt::Display) -> Self {
        SqlError::new(sqlstate::FEATURE_NOT_SUPPORTED, format!("{what} is not supported"))
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for SqlError {}

impl From<StorageError> for SqlError {
    fn from(e: StorageError) -> Self {
        use sqlstate::*;
        let code = match &e {
            StorageError::TableExists(_) => DUPLICATE_TABLE,
            StorageError::TableNotFound(_) => UNDEFINED_TABLE,
            StorageError::ColumnExists { .. } => DUPLICATE_COLUMN,
            StorageError::ColumnNotFound { .. } => UNDEFINED_COLUMN,
            StorageError::IndexExists(_) => DUPLICATE_TABLE,
            StorageError::IndexNotFound(_) => UNDEFINED_OBJECT,
            StorageError::DuplicateKey { .. } | StorageError::UniqueViolation { .. } => UNIQUE_VIOLATION,
            StorageError::NotNullViolation { .. } => NOT_NULL_VIOLATION,
            StorageError::TypeMismatch { .. } => DATATYPE_MISMATCH,
            StorageError::OutOfRange { .. } => NUMERIC_VALUE_OUT_OF_RANGE,
            StorageError::InvalidSchema(_) | StorageError::InvalidArgument(_) => INVALID_PARAMETER_VALUE,
            StorageError::Conflict => SERIALIZATION_FAILURE,
            StorageError::TransactionClosed => INVALID_TRANSACTION_STATE,
            StorageError::Corruption(_) => DATA_CORRUPTED,
            StorageError::Engine(_) => INTERNAL_ERROR,
            StorageError::Unsupported(_) => FEATURE_NOT_SUPPORTED,
        };
        SqlError::new(code, e.to_string())
    }
}

/// A NOTICE or WARNING the client is told about while its statement still succeeds
/// ("table \"t\" does not exist, skipping").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The statement of the query string it belongs to (0-based).
    pub statement: usize,
    /// "NOTICE" or "WARNING".
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
}
