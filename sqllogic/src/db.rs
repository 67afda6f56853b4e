//! One sqllogictest connection: tokio-postgres over the simple query protocol.
//!
//! Values arrive as PostgreSQL's text output and are compared as such, the way the
//! `postgres` engine of sqllogictest-bin does: NULL becomes `NULL`, an empty string
//! `(empty)`, everything else (booleans `t`/`f`, numbers, dates...) is PostgreSQL's own
//! text. Errors keep the server's message (for `error <regex>`) and SQLSTATE (for
//! `error (22012)`).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType};
use tokio_postgres::{CancelToken, Client, NoTls, SimpleQueryMessage};

/// How long connecting (TCP plus the startup exchange) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Where to connect.
#[derive(Debug, Clone)]
pub struct ConnectTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub dbname: String,
}

/// An error from the server or the connection, with its SQLSTATE when the server sent one.
#[derive(Debug, Clone)]
pub struct SqlError {
    pub message: String,
    pub sqlstate: Option<String>,
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SqlError {}

impl From<tokio_postgres::Error> for SqlError {
    fn from(e: tokio_postgres::Error) -> Self {
        // "db error: ERROR: division by zero" — tokio-postgres' own Display stops at "db error".
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        SqlError { message, sqlstate: e.code().map(|c| c.code().to_string()) }
    }
}

impl SqlError {
    pub fn other(message: impl Into<String>) -> Self {
        SqlError { message: message.into(), sqlstate: None }
    }
}

/// A client connection as the sqllogictest runner sees it.
///
/// Dropping it drops the client; the connection task then says Terminate and ends.
pub struct PgConnection {
    client: Client,
}

impl PgConnection {
    pub async fn connect(target: &ConnectTarget) -> Result<PgConnection, SqlError> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&target.host)
            .port(target.port)
            .user(&target.user)
            .dbname(&target.dbname)
            .application_name("orbit-sqllogic")
            .connect_timeout(CONNECT_TIMEOUT);
        let connecting = config.connect(NoTls);
        let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| {
                SqlError::other(format!(
                    "connecting to {}:{} (database {}) took longer than {CONNECT_TIMEOUT:?}",
                    target.host, target.port, target.dbname
                ))
            })?
            .map_err(|e| {
                let e = SqlError::from(e);
                SqlError {
                    message: format!(
                        "cannot connect to {}:{} (database {}): {}",
                        target.host, target.port, target.dbname, e.message
                    ),
                    sqlstate: e.sqlstate,
                }
            })?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(PgConnection { client })
    }

    pub fn cancel_token(&self) -> CancelToken {
        self.client.cancel_token()
    }

    /// Runs `sql` (one or more statements) with the simple query protocol.
    ///
    /// With several statements, the rows of the last one that returned rows win;
    /// without rows, the last command's row count.
    pub async fn simple(&self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let messages = self.client.simple_query(sql).await?;
        let mut result: Option<(usize, Vec<Vec<String>>)> = None;
        let mut current: Option<(usize, Vec<Vec<String>>)> = None;
        let mut count = 0;
        for message in messages {
            match message {
                SimpleQueryMessage::RowDescription(columns) => current = Some((columns.len(), Vec::new())),
                SimpleQueryMessage::Row(row) => {
                    let values = (0..row.len()).map(|i| value_text(row.get(i))).collect();
                    match current.as_mut() {
                        Some((_, rows)) => rows.push(values),
                        None => current = Some((row.len(), vec![values])),
                    }
                }
                SimpleQueryMessage::CommandComplete(n) => {
                    count = n;
                    if let Some(done) = current.take() {
                        result = Some(done);
                    }
                }
                _ => {}
            }
        }
        if let Some(done) = current.take() {
            result = Some(done);
        }
        Ok(match result {
            Some((columns, rows)) => DBOutput::Rows { types: vec![DefaultColumnType::Any; columns], rows },
            None => DBOutput::StatementComplete(count),
        })
    }
}

/// A value as the .slt files spell it.
pub fn value_text(value: Option<&str>) -> String {
    match value {
        None => "NULL".to_string(),
        Some("") => "(empty)".to_string(),
        Some(text) => text.to_string(),
    }
}

#[async_trait]
impl AsyncDB for PgConnection {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        self.simple(sql).await
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "postgres"
    }

    async fn sleep(dur: Duration) {
        tokio::time::sleep(dur).await;
    }

    async fn run_command(command: std::process::Command) -> std::io::Result<std::process::Output> {
        tokio::process::Command::from(command).output().await
    }

    fn error_sql_state(err: &SqlError) -> Option<String> {
        err.sqlstate.clone()
    }
}
