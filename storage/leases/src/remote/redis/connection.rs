//! Connections to the Redis server: `pool_size` multiplexed connections used
//! round-robin, each opened on first use and replaced after a connection failure (a
//! stopped or restarted server), and the mapping of the client's errors onto
//! [`LeaseError`]: no connection, a reset or a timeout is `Unavailable`, anything the
//! server answered is `Backend`.
//!
//! TLS (`rediss://`) goes through rustls with the ring provider (the redis crate's
//! `tokio-rustls-comp`): the server's certificate is checked against `ca_cert` (or the
//! system's roots), and `client_cert`/`client_key` are presented when given.
//!
//! A failed call is never re-sent: a compare-and-swap whose reply was lost may have been
//! applied, and the caller decides from what it reads next. Only connecting is retried
//! (`retry_count` more attempts, a short pause between them).

use super::settings::RedisSettings;
use crate::provider::{LeaseError, LeaseResult};
use redis::aio::MultiplexedConnection;
use redis::{
    AsyncConnectionConfig, Client, ClientTlsConfig, IntoConnectionInfo, RedisError, Script, TlsCertificates, Value,
};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub struct Pool {
    provider: String,
    client: Client,
    config: AsyncConnectionConfig,
    connection_timeout: Duration,
    command_timeout: Duration,
    slots: Vec<tokio::sync::Mutex<Option<MultiplexedConnection>>>,
    next: AtomicUsize,
    retry_count: u32,
}

impl Pool {
    /// Builds the client; nothing connects until the first call.
    pub fn new(provider: &str, settings: &RedisSettings) -> LeaseResult<Pool> {
        let config_error = |e: RedisError| {
            LeaseError::Config(format!("providers.{provider}.url: \"{}\" is not usable: {e}", settings.url))
        };
        let mut info = settings.url.as_str().into_connection_info().map_err(config_error)?;
        let mut redis_info = info.redis_settings().clone();
        if let Some(db) = settings.database {
            redis_info = redis_info.set_db(db);
        }
        if let Some(user) = &settings.username {
            redis_info = redis_info.set_username(user);
        }
        if let Some(password) = &settings.password {
            redis_info = redis_info.set_password(password);
        }
        info = info.set_redis_settings(redis_info);
        let client = if settings.url.starts_with("rediss://") {
            tls_client(provider, settings, info)?
        } else {
            Client::open(info).map_err(config_error)?
        };
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(settings.connection_timeout))
            .set_response_timeout(Some(settings.command_timeout));
        Ok(Pool {
            provider: provider.to_string(),
            client,
            config,
            connection_timeout: settings.connection_timeout,
            command_timeout: settings.command_timeout,
            slots: (0..settings.pool_size.max(1)).map(|_| tokio::sync::Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
            retry_count: settings.retry_count,
        })
    }

    /// The error of a failed call of `op`.
    pub fn error(&self, op: &str, e: &RedisError) -> LeaseError {
        let text = format!("redis provider \"{}\": {op}: {e}", self.provider);
        if is_unavailability(e) {
            LeaseError::Unavailable(text)
        } else {
            LeaseError::Backend(text)
        }
    }

    async fn connection(&self, op: &str) -> LeaseResult<(usize, MultiplexedConnection)> {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let mut slot = self.slots[index].lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok((index, connection.clone()));
        }
        let mut attempt = 0;
        loop {
            match self.client.get_multiplexed_async_connection_with_config(&self.config).await {
                Ok(connection) => {
                    *slot = Some(connection.clone());
                    return Ok((index, connection));
                }
                Err(e) if attempt < self.retry_count && is_unavailability(&e) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(25 * u64::from(attempt))).await;
                }
                Err(e) => {
                    drop(slot);
                    if is_unavailability(&e) {
                        // The other connections went to the same unreachable server.
                        self.close().await;
                    }
                    return Err(self.error(&format!("{op} (connecting)"), &e));
                }
            }
        }
    }

    /// Forgets the connection in `index` after it failed, and after a connection
    /// failure every other one too (they went to the same server), so the next calls
    /// reconnect.
    async fn discard(&self, index: usize, all: bool) {
        *self.slots[index].lock().await = None;
        if all {
            self.close().await;
        }
    }

    async fn finish(&self, op: &str, index: usize, result: Result<Value, RedisError>) -> LeaseResult<Value> {
        match result {
            Ok(value) => Ok(value),
            Err(e) => {
                if is_unavailability(&e) || e.is_unrecoverable_error() {
                    self.discard(index, is_unavailability(&e)).await;
                }
                Err(self.error(op, &e))
            }
        }
    }

    /// Runs `script` with `args` (the key prefix first).
    pub async fn eval(&self, op: &str, script: &Script, args: &[&[u8]]) -> LeaseResult<Value> {
        let (index, mut connection) = self.connection(op).await?;
        let mut invocation = script.prepare_invoke();
        for arg in args {
            invocation.arg(*arg);
        }
        let result = invocation.invoke_async::<Value>(&mut connection).await;
        self.finish(op, index, result).await
    }

    /// Runs one command.
    pub async fn command(&self, op: &str, command: &redis::Cmd) -> LeaseResult<Value> {
        let (index, mut connection) = self.connection(op).await?;
        let result = command.query_async::<Value>(&mut connection).await;
        self.finish(op, index, result).await
    }

    /// Runs `script` on a new blocking connection (for the synchronous checks, which
    /// must not wait on the async runtime they may be called from).
    pub fn eval_blocking(&self, op: &str, script: &Script, args: &[&[u8]]) -> LeaseResult<Value> {
        let mut connection =
            self.client.get_connection_with_timeout(self.connection_timeout).map_err(|e| self.error(op, &e))?;
        connection.set_read_timeout(Some(self.command_timeout)).map_err(|e| self.error(op, &e))?;
        connection.set_write_timeout(Some(self.command_timeout)).map_err(|e| self.error(op, &e))?;
        let mut invocation = script.prepare_invoke();
        for arg in args {
            invocation.arg(*arg);
        }
        invocation.invoke::<Value>(&mut connection).map_err(|e| self.error(op, &e))
    }

    /// Drops every connection (shutdown).
    pub async fn close(&self) {
        for slot in &self.slots {
            *slot.lock().await = None;
        }
    }
}

/// The client for a `rediss://` URL with the configured CA and client certificate.
fn tls_client(provider: &str, settings: &RedisSettings, info: redis::ConnectionInfo) -> LeaseResult<Client> {
    // The redis crate builds its rustls configuration with the process's default provider:
    // ring, unless the process chose one already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let read = |field: &str, path: &Path| {
        std::fs::read(path).map_err(|e| {
            LeaseError::Config(format!("providers.{provider}.{field}: cannot read {}: {e}", path.display()))
        })
    };
    let root_cert = settings.ca_cert.as_deref().map(|p| read("ca_cert", p)).transpose()?;
    let client_tls = match (&settings.client_cert, &settings.client_key) {
        (Some(cert), Some(key)) => {
            Some(ClientTlsConfig { client_cert: read("client_cert", cert)?, client_key: read("client_key", key)? })
        }
        _ => None,
    };
    if root_cert.is_none() && client_tls.is_none() {
        return Client::open(info).map_err(|e| {
            LeaseError::Config(format!("providers.{provider}.url: \"{}\" is not usable: {e}", settings.url))
        });
    }
    Client::build_with_tls(info, TlsCertificates { client_tls, root_cert }).map_err(|e| {
        LeaseError::Config(format!(
            "providers.{provider}: the TLS files (ca_cert, client_cert, client_key) are not usable: {e}"
        ))
    })
}

/// True when the error means the server could not be reached or stopped answering.
fn is_unavailability(e: &RedisError) -> bool {
    e.is_io_error() || e.is_connection_refusal() || e.is_timeout() || e.is_connection_dropped()
}
