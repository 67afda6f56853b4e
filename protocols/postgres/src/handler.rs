//! One connection's state and the pgwire handler object that owns it.
//!
//! [`ConnectionHandler`] implements pgwire's StartupHandler (startup.rs),
//! SimpleQueryHandler (simple.rs) and ExtendedQueryHandler (extended.rs). It holds the
//! connection's engine [`Session`], its prepared statements and portals, and the
//! parameter values last reported to the client. Messages of one connection are handled
//! one at a time, so the mutex around the state is never contended.

use crate::cancel::{CancelDispatch, CancelGuard, CancelRegistry};
use crate::encoding::{encode_binary, encode_text};
use crate::types::type_size;
use futures::{Sink, SinkExt};
use orbit_sql::{Column, Engine, Session, SqlType, TransactionStatus as SqlTransactionStatus};
use orbit_storage::Value;
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::data::{DataRow, FieldDescription, RowDescription, FORMAT_CODE_BINARY, FORMAT_CODE_TEXT};
use pgwire::messages::response::TransactionStatus;
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;
use std::collections::{HashMap, VecDeque};
use std::fmt::Debug;
use std::sync::Arc;

/// What every connection of one listener shares.
pub struct Shared {
    pub engine: Arc<Engine>,
    pub cancels: Arc<CancelRegistry>,
    /// Authentication, TLS and limits.
    pub security: Arc<crate::auth::Security>,
}

/// The server_version we announce; drivers need 15 or later for the features they use.
pub const SERVER_VERSION: &str = "15.0";

/// The parameters PostgreSQL reports with ParameterStatus (GUC_REPORT), with Orbit's
/// values where the session has none of its own.
pub const REPORTED_PARAMETERS: [(&str, &str); 13] = [
    ("server_version", SERVER_VERSION),
    ("server_encoding", "UTF8"),
    ("client_encoding", "UTF8"),
    ("DateStyle", "ISO, MDY"),
    ("integer_datetimes", "on"),
    ("standard_conforming_strings", "on"),
    ("TimeZone", "UTC"),
    ("IntervalStyle", "postgres"),
    ("application_name", ""),
    ("is_superuser", "on"),
    ("session_authorization", ""),
    ("default_transaction_read_only", "off"),
    ("in_hot_standby", "off"),
];

/// Parameters that never change during a session, whatever the engine says.
const FIXED_PARAMETERS: [&str; 4] = ["server_version", "server_encoding", "client_encoding", "integer_datetimes"];

/// A statement prepared with Parse.
#[derive(Debug)]
pub struct PreparedStatement {
    pub sql: String,
    /// True for an empty query string: it binds and executes as EmptyQueryResponse.
    pub empty: bool,
    pub params: Vec<SqlType>,
    pub columns: Vec<Column>,
    /// The engine's parsed statement (with its plan cache); `None` for COPY and empty text.
    pub prepared: Option<orbit_sql::PreparedStatement>,
}

/// The result format codes of a Bind message.
#[derive(Debug, Clone)]
pub enum ResultFormats {
    All(bool),
    PerColumn(Vec<bool>),
}

impl ResultFormats {
    pub fn is_binary(&self, column: usize) -> bool {
        match self {
            ResultFormats::All(binary) => *binary,
            ResultFormats::PerColumn(binary) => binary.get(column).copied().unwrap_or(false),
        }
    }
}

/// How far a portal's execution has got.
#[derive(Debug)]
pub enum PortalState {
    NotStarted,
    /// The statement ran and returned rows; those not sent yet wait here for the next
    /// Execute (after PortalSuspended).
    Rows {
        columns: Vec<Column>,
        rows: VecDeque<Vec<Value>>,
        tag: Option<String>,
        /// The rest of a streamed query, read as the client asks for rows.
        stream: Option<orbit_sql::QueryStream>,
    },
    /// Finished: re-executing answers with this tag again (`None`: EmptyQueryResponse).
    Done {
        tag: Option<String>,
    },
}

/// A portal created by Bind.
#[derive(Debug)]
pub struct Portal {
    pub statement: Arc<PreparedStatement>,
    pub params: Vec<Value>,
    pub formats: ResultFormats,
    pub state: PortalState,
}

/// Everything a connection remembers between messages.
#[derive(Default)]
pub struct ConnectionState {
    pub session: Option<Session>,
    pub statements: HashMap<String, Arc<PreparedStatement>>,
    pub portals: HashMap<String, Portal>,
    /// ParameterStatus values the client has seen, to report changes after SET.
    pub reported: HashMap<&'static str, String>,
    /// The session's settings version when `reported` was last brought up to date.
    pub reported_version: Option<u64>,
    pub user: String,
    /// The application_name from the startup packet, reported when the engine has none.
    pub application_name: String,
    pub cancel_guard: Option<CancelGuard>,
    /// A COPY FROM STDIN waiting for the client's CopyData.
    pub copy_in: Option<crate::copy::CopyInProgress>,
    /// The authentication exchange under way and the max_connections slot.
    pub login: crate::auth::LoginState,
}

/// The pgwire handler of one connection.
pub struct ConnectionHandler {
    pub shared: Arc<Shared>,
    pub state: tokio::sync::Mutex<ConnectionState>,
}

impl ConnectionHandler {
    pub fn new(shared: Arc<Shared>) -> Self {
        ConnectionHandler { shared, state: tokio::sync::Mutex::new(ConnectionState::default()) }
    }
}

/// The handlers of one connection: its [`ConnectionHandler`] (startup, simple and
/// extended query) and the listener-wide cancel registry.
pub struct PostgresHandlers {
    pub connection: Arc<ConnectionHandler>,
    pub cancel: Arc<CancelDispatch>,
}

/// The ReadyForQuery status of a session.
pub fn wire_status(session: &Session) -> TransactionStatus {
    match session.transaction_status() {
        SqlTransactionStatus::Idle => TransactionStatus::Idle,
        SqlTransactionStatus::InBlock => TransactionStatus::Transaction,
        SqlTransactionStatus::Failed => TransactionStatus::Error,
    }
}

/// The session's current value of a reported parameter.
pub fn parameter_value(session: &Session, name: &str, default: &str, state: &ConnectionState) -> String {
    if name == "session_authorization" {
        return state.user.clone();
    }
    let default = if name == "application_name" { state.application_name.as_str() } else { default };
    if FIXED_PARAMETERS.contains(&name) {
        return default.to_string();
    }
    session.setting(name).or_else(|| session.setting(&name.to_ascii_lowercase())).unwrap_or_else(|| default.to_string())
}

/// Sends ParameterStatus for every reported parameter whose value changed (after SET or
/// RESET), as PostgreSQL does before ReadyForQuery.
pub async fn report_parameter_changes<C>(client: &mut C, state: &mut ConnectionState) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let Some(session) = state.session.as_ref() else { return Ok(()) };
    let version = session.settings_version();
    if state.reported_version == Some(version) {
        return Ok(());
    }
    // Collected first: a Session is not Sync, so no reference to it may live across an await.
    let mut changed = Vec::new();
    for (name, default) in REPORTED_PARAMETERS {
        let value = parameter_value(session, name, default, state);
        if state.reported.get(name) != Some(&value) {
            changed.push((name, value));
        }
    }
    for (name, value) in changed {
        state.reported.insert(name, value.clone());
        client.feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(name.to_string(), value))).await?;
    }
    state.reported_version = Some(version);
    Ok(())
}

/// RowDescription for result columns in the given formats.
pub fn row_description(columns: &[Column], formats: &ResultFormats) -> RowDescription {
    let fields = columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let format = if formats.is_binary(i) { FORMAT_CODE_BINARY } else { FORMAT_CODE_TEXT };
            FieldDescription::new(column.name.clone(), 0, 0, column.ty.oid(), type_size(&column.ty), -1, format)
        })
        .collect();
    RowDescription::new(fields)
}

/// One DataRow, each value in its column's format.
pub fn data_row(row: &[Value], columns: &[Column], formats: &ResultFormats) -> PgWireResult<DataRow> {
    let mut data = DataRow::default();
    let unknown = SqlType::Unknown;
    for (i, value) in row.iter().enumerate() {
        let ty = columns.get(i).map(|c| &c.ty).unwrap_or(&unknown);
        let bytes = if formats.is_binary(i) { encode_binary(value, ty)? } else { encode_text(value, ty) };
        match bytes {
            None => data.data.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(bytes) => {
                let len = i32::try_from(bytes.len()).map_err(|_| {
                    crate::error::pg_error(crate::error::sqlstate::PROGRAM_LIMIT_EXCEEDED, "value too large to send")
                })?;
                data.data.extend_from_slice(&len.to_be_bytes());
                data.data.extend_from_slice(&bytes);
            }
        }
    }
    data.field_count = i16::try_from(row.len())
        .map_err(|_| crate::error::pg_error(crate::error::sqlstate::PROGRAM_LIMIT_EXCEEDED, "too many columns"))?;
    Ok(data)
}

/// True for a query string PostgreSQL answers with EmptyQueryResponse.
pub fn is_empty_query(sql: &str) -> bool {
    sql.chars().all(|c| c == ';' || c.is_whitespace())
}
