//! The one error type of the CQL crate and its mapping to native-protocol error codes
//! (section 9 of native_protocol_v4.spec). Parser, model and executor errors become a
//! [`CqlError`]; the wire writes it as an ERROR body with [`CqlError::code`] and the
//! extra fields the code requires.

use orbit_storage::StorageError;

/// Native protocol error codes Orbit answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum ErrorCode {
    ServerError = 0x0000,
    ProtocolError = 0x000A,
    BadCredentials = 0x0100,
    Unavailable = 0x1000,
    Overloaded = 0x1001,
    IsBootstrapping = 0x1002,
    TruncateError = 0x1003,
    WriteTimeout = 0x1100,
    ReadTimeout = 0x1200,
    ReadFailure = 0x1300,
    FunctionFailure = 0x1400,
    WriteFailure = 0x1500,
    SyntaxError = 0x2000,
    Unauthorized = 0x2100,
    Invalid = 0x2200,
    ConfigError = 0x2300,
    AlreadyExists = 0x2400,
    Unprepared = 0x2500,
}

/// What a request failed with. The variants that carry data are the codes whose ERROR
/// body has fields beyond the message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CqlError {
    #[error("{message}")]
    Coded { code: ErrorCode, message: String },
    /// 0x2400: `keyspace` always, `table` empty when a keyspace already exists.
    #[error("{message}")]
    AlreadyExists { message: String, keyspace: String, table: String },
    /// 0x2500: the driver re-prepares the statement with this id.
    #[error("{message}")]
    Unprepared { message: String, id: Vec<u8> },
    /// 0x1400: a function threw while executing; the body names the function's keyspace,
    /// name and argument types.
    #[error("{message}")]
    FunctionFailure { message: String, keyspace: String, function: String, arg_types: Vec<String> },
}

pub type CqlResult<T> = Result<T, CqlError>;

impl CqlError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CqlError::Coded { code, message: message.into() }
    }
    pub fn syntax(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::SyntaxError, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message)
    }
    pub fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ProtocolError, message)
    }
    pub fn server(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ServerError, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }
    /// A feature Orbit does not implement: 0x2200 with a message that names it.
    pub fn not_supported(feature: &str) -> Self {
        Self::invalid(format!("{feature} is not supported by Orbit"))
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            CqlError::Coded { code, .. } => *code,
            CqlError::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            CqlError::Unprepared { .. } => ErrorCode::Unprepared,
            CqlError::FunctionFailure { .. } => ErrorCode::FunctionFailure,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            CqlError::Coded { message, .. }
            | CqlError::AlreadyExists { message, .. }
            | CqlError::Unprepared { message, .. }
            | CqlError::FunctionFailure { message, .. } => message,
        }
    }
}

impl From<StorageError> for CqlError {
    fn from(e: StorageError) -> Self {
        CqlError::server(format!("storage error: {e}"))
    }
}
