//! The Redis layer's one error type. Every variant becomes an error reply whose text is
//! exactly what Redis 7.0 prints (the reply line without the leading `-`).

use orbit_storage::StorageError;
use std::time::Duration;

pub type RedisResult<T> = Result<T, RedisError>;

#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// A complete error line as Redis sends it, prefix included: "ERR syntax error",
    /// "WRONGTYPE Operation against a key holding the wrong kind of value", "NOAUTH ...".
    #[error("{0}")]
    Reply(String),
    /// The storage failed; the client sees "ERR storage error: ...".
    #[error("ERR storage error: {0}")]
    Storage(#[from] StorageError),
    /// Not an error the client sees: a blocking command (BLPOP, BZPOPMIN, ...) found
    /// nothing to pop. The connection rolls the command back, waits until one of `keys`
    /// is written or `timeout` passes (`None`: forever), then runs the command again.
    #[error("blocked")]
    Block { db: usize, keys: Vec<Vec<u8>>, timeout: Option<Duration> },
}

impl RedisError {
    /// "ERR <message>".
    pub fn err(message: impl std::fmt::Display) -> Self {
        RedisError::Reply(format!("ERR {message}"))
    }
    pub fn syntax() -> Self {
        RedisError::Reply("ERR syntax error".into())
    }
    pub fn wrong_type() -> Self {
        RedisError::Reply("WRONGTYPE Operation against a key holding the wrong kind of value".into())
    }
    pub fn not_integer() -> Self {
        RedisError::Reply("ERR value is not an integer or out of range".into())
    }
    pub fn not_float() -> Self {
        RedisError::Reply("ERR value is not a valid float".into())
    }
    pub fn no_such_key() -> Self {
        RedisError::Reply("ERR no such key".into())
    }
    pub fn index_out_of_range() -> Self {
        RedisError::Reply("ERR index out of range".into())
    }
    /// "ERR wrong number of arguments for 'get' command" (`name` as the client sent it,
    /// lowercased).
    pub fn wrong_arity(name: &str) -> Self {
        RedisError::Reply(format!("ERR wrong number of arguments for '{}' command", name.to_ascii_lowercase()))
    }
    /// The error line sent to the client.
    pub fn reply_line(&self) -> String {
        self.to_string()
    }
}
