//! The storage layer's one error type. Protocol crates map it, in one place each, to
//! their own codes (SQLSTATE, RESP error strings, CQL codes, ...).

use thiserror::Error;

pub type StorageResult<T> = Result<T, StorageError>;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum StorageError {
    #[error("table \"{0}\" already exists")]
    TableExists(String),
    #[error("table \"{0}\" does not exist")]
    TableNotFound(String),
    #[error("column \"{column}\" of table \"{table}\" already exists")]
    ColumnExists { table: String, column: String },
    #[error("column \"{column}\" of table \"{table}\" does not exist")]
    ColumnNotFound { table: String, column: String },
    #[error("index \"{0}\" already exists")]
    IndexExists(String),
    #[error("index \"{0}\" does not exist")]
    IndexNotFound(String),
    #[error("duplicate key value violates primary key of table \"{table}\"")]
    DuplicateKey { table: String },
    #[error("duplicate key value violates unique index \"{index}\" of table \"{table}\"")]
    UniqueViolation { table: String, index: String },
    #[error("null value in column \"{column}\" of table \"{table}\" violates not-null constraint")]
    NotNullViolation { table: String, column: String },
    #[error("column \"{column}\" of table \"{table}\" is of type {expected} but the value is {got}")]
    TypeMismatch { table: String, column: String, expected: String, got: String },
    #[error("value out of range for column \"{column}\" of type {data_type}")]
    OutOfRange { column: String, data_type: String },
    #[error("invalid table definition: {0}")]
    InvalidSchema(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A concurrently committed transaction wrote a key this transaction also wrote.
    #[error("could not serialize access due to concurrent update")]
    Conflict,
    #[error("transaction is no longer active")]
    TransactionClosed,
    #[error("stored data is corrupt: {0}")]
    Corruption(String),
    #[error("storage engine error: {0}")]
    Engine(String),
    #[error("not supported: {0}")]
    Unsupported(String),
}

impl StorageError {
    pub fn corruption(what: impl Into<String>) -> Self {
        StorageError::Corruption(what.into())
    }
}
