//! One sqllogictest connection over the MySQL protocol: `mysql_async`, text protocol.
//!
//! The counterpart of [`crate::db`] for Orbit's MySQL listener and a real MariaDB. Values
//! are the server's text (`COM_QUERY` results are text), rendered as sqllogictest-bin's
//! `mysql` engine does: NULL becomes `NULL`, an empty string `(empty)`. A statement that
//! has a result set (even an empty one) gives rows; one without gives its affected-row
//! count. Errors read `ERROR <code> (<SQLSTATE>): <message>` so `statement error <regex>`
//! can match the code or the message, and `statement error (42S02)` the SQLSTATE.

use std::time::Duration;

use async_trait::async_trait;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Row, Value};
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType};

use crate::db::{ConnectTarget, SqlError, CONNECT_TIMEOUT};

impl From<mysql_async::Error> for SqlError {
    fn from(e: mysql_async::Error) -> Self {
        match e {
            mysql_async::Error::Server(s) => {
                SqlError { message: format!("ERROR {} ({}): {}", s.code, s.state, s.message), sqlstate: Some(s.state) }
            }
            other => SqlError::other(other.to_string()),
        }
    }
}

/// A client connection to a MySQL-protocol server.
pub struct MySqlConnection {
    conn: Option<Conn>,
    id: u32,
}

fn opts(target: &ConnectTarget, dbname: Option<&str>) -> OptsBuilder {
    OptsBuilder::default()
        .ip_or_hostname(target.host.clone())
        .tcp_port(target.port)
        .user(Some(target.user.clone()))
        .db_name(dbname.map(str::to_string))
        // Otherwise the driver asks for @@socket and switches to the Unix socket.
        .prefer_socket(false)
}

impl MySqlConnection {
    /// Connects to `target` (its `dbname`, or no default database when it is empty).
    pub async fn connect(target: &ConnectTarget) -> Result<MySqlConnection, SqlError> {
        let dbname = (!target.dbname.is_empty()).then_some(target.dbname.as_str());
        let connecting = Conn::new(opts(target, dbname));
        let conn = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| {
                SqlError::other(format!(
                    "connecting to {}:{} took longer than {CONNECT_TIMEOUT:?}",
                    target.host, target.port
                ))
            })?
            .map_err(|e| {
                let e = SqlError::from(e);
                SqlError {
                    message: format!(
                        "cannot connect to {}:{} (MySQL protocol): {}",
                        target.host, target.port, e.message
                    ),
                    sqlstate: e.sqlstate,
                }
            })?;
        let id = conn.id();
        Ok(MySqlConnection { conn: Some(conn), id })
    }

    /// The server's id for this connection (for `KILL QUERY`).
    pub fn connection_id(&self) -> u32 {
        self.id
    }

    /// Runs `sql` with `COM_QUERY`. With several result sets, the last one with columns
    /// wins; without any, the last affected-row count.
    pub async fn simple(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let conn = self.conn.as_mut().ok_or_else(|| SqlError::other("the connection is closed"))?;
        let mut result = conn.query_iter(sql).await?;
        let mut rows_out: Option<(usize, Vec<Vec<String>>)> = None;
        let mut count = 0;
        loop {
            let columns = result.columns().map(|c| c.len()).unwrap_or(0);
            let rows: Vec<Row> = result.collect().await?;
            if columns > 0 {
                let rendered = rows.into_iter().map(render_row).collect();
                rows_out = Some((columns, rendered));
            } else {
                count = result.affected_rows();
            }
            if result.is_empty() {
                break;
            }
        }
        drop(result);
        Ok(match rows_out {
            Some((columns, rows)) => DBOutput::Rows { types: vec![DefaultColumnType::Any; columns], rows },
            None => DBOutput::StatementComplete(count),
        })
    }

    /// Closes the connection politely (COM_QUIT).
    pub async fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), conn.disconnect()).await;
        }
    }
}

fn render_row(row: Row) -> Vec<String> {
    row.unwrap().into_iter().map(value_text).collect()
}

/// A value as the .slt files spell it.
pub fn value_text(value: Value) -> String {
    let text = match value {
        Value::NULL => return "NULL".to_string(),
        Value::Bytes(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Double(d) => d.to_string(),
        // Only the binary protocol sends these; `as_sql` quotes them.
        other => other.as_sql(true).trim_matches('\'').to_string(),
    };
    if text.is_empty() {
        "(empty)".to_string()
    } else {
        text
    }
}

/// Runs `KILL QUERY` for each connection id through a new connection (after a time limit).
pub async fn kill_queries(target: &ConnectTarget, ids: &[u32]) {
    if ids.is_empty() {
        return;
    }
    let admin = ConnectTarget { dbname: String::new(), ..target.clone() };
    let Ok(Ok(mut conn)) = tokio::time::timeout(Duration::from_secs(5), MySqlConnection::connect(&admin)).await else {
        return;
    };
    for id in ids {
        let _ = tokio::time::timeout(Duration::from_secs(5), conn.simple(&format!("KILL QUERY {id}"))).await;
    }
    conn.close().await;
}

#[async_trait]
impl AsyncDB for MySqlConnection {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        self.simple(sql).await
    }

    async fn shutdown(&mut self) {
        self.close().await;
    }

    fn engine_name(&self) -> &str {
        "mysql"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_render_like_the_mysql_engine() {
        assert_eq!(value_text(Value::NULL), "NULL");
        assert_eq!(value_text(Value::Bytes(Vec::new())), "(empty)");
        assert_eq!(value_text(Value::Bytes(b"12.50".to_vec())), "12.50");
        assert_eq!(value_text(Value::Int(-3)), "-3");
    }
}
