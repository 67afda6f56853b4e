//! Connection-level limits the read loop enforces: a session idle inside a transaction
//! block longer than its `idle_in_transaction_session_timeout` is ended with FATAL 25P03.
//! (max_connections is checked at startup, [`crate::auth::Security::admit`];
//! statement_timeout is the SQL session's, `orbit_sql::timeouts`.)

use crate::error::fatal;
use crate::handler::ConnectionHandler;
use orbit_sql::TransactionStatus;
use pgwire::error::PgWireError;
use std::time::Duration;

pub const IDLE_IN_TRANSACTION_SESSION_TIMEOUT: &str = "25P03";

/// How long the connection may now wait for the client: the session's
/// idle_in_transaction_session_timeout when it is inside a transaction block.
pub async fn idle_in_transaction_limit(connection: &ConnectionHandler) -> Option<Duration> {
    let state = connection.state.lock().await;
    let session = state.session.as_ref()?;
    // A COPY FROM STDIN waiting for the client's next CopyData is not idle (PostgreSQL
    // arms the timer only while waiting for a new command).
    if state.copy_in.is_some() || session.transaction_status() == TransactionStatus::Idle {
        return None;
    }
    session.idle_in_transaction_timeout()
}

pub fn idle_in_transaction_error() -> PgWireError {
    fatal(IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "terminating connection due to idle-in-transaction timeout")
}
