//! What can go wrong with a vector index.

/// Errors of the vector index; callers map them to their protocol's codes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VectorError {
    /// A vector's length is not the index's dimension.
    #[error("expected {expected} dimensions, not {actual}")]
    DimensionMismatch { expected: usize, actual: usize },
    /// A vector holds NaN or an infinity.
    #[error("vector contains a non-finite value")]
    NonFinite,
    /// A parameter is out of range (dimension 0, M < 2, ...).
    #[error("{0}")]
    InvalidParameter(String),
    /// A snapshot that is truncated, of an unknown version or otherwise malformed.
    #[error("corrupt vector index snapshot: {0}")]
    CorruptSnapshot(String),
}

pub type VectorResult<T> = Result<T, VectorError>;
