//! COPY on the wire: CopyInResponse / CopyOutResponse, CopyData, CopyDone, CopyFail.
//!
//! The engine side is `orbit_sql::copy`. COPY TO STDOUT answers CopyOutResponse, one
//! CopyData per row, CopyDone and CommandComplete "COPY n". COPY FROM STDIN answers
//! CopyInResponse and leaves a [`CopyInProgress`] in the connection state; the connection
//! loop then hands every frame to [`on_frame`] until the COPY ends: CopyData pieces go to
//! the engine (which may receive rows cut anywhere), CopyDone commits and sends
//! CommandComplete, CopyFail (57014) or a bad row rolls the whole COPY back. Flush and
//! Sync are ignored during the copy, as PostgreSQL does (tokio-postgres sends its Sync
//! right after Execute); any other message fails the COPY with 08P01.
//!
//! Simple protocol: a query string with a COPY among other statements runs its pieces in
//! order ([`run_simple_query`]); the statements after a COPY FROM STDIN wait in the
//! [`CopyInProgress`] and run after CopyDone, before ReadyForQuery. After an error the
//! simple protocol answers ReadyForQuery at once, the extended one skips to Sync.

use crate::error::sql_error_info;
use crate::handler::{wire_status, ConnectionHandler, ConnectionState};
use crate::simple::{finish_query, run_batch};
use futures::{Sink, SinkExt};
use orbit_sql::copy::{is_copy, mentions_copy, parse_copy, split_statements, CopyError, CopyIn, CopyOut};
use orbit_sql::Session;
use pgwire::api::{ClientInfo, PgWireConnectionState};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::copy::{CopyData, CopyDone, CopyInResponse, CopyOutResponse};
use pgwire::messages::response::CommandComplete;
use pgwire::messages::PgWireBackendMessage;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::atomic::Ordering;

/// A COPY FROM STDIN waiting for the client's data.
pub struct CopyInProgress {
    pub copy: CopyIn,
    /// Started by Execute (extended protocol) rather than by a Query.
    pub extended: bool,
    /// Simple protocol: the statements of the query string after the COPY.
    pub rest: VecDeque<String>,
}

/// The ErrorResponse fields of a COPY error, CONTEXT line included.
pub fn copy_error_info(e: &CopyError) -> ErrorInfo {
    let mut info = sql_error_info(&e.error);
    info.where_context = e.context.clone();
    info
}

fn copy_pg_error(e: &CopyError) -> PgWireError {
    PgWireError::UserError(Box::new(copy_error_info(e)))
}

/// The statements of a simple query when one of them is a COPY (which the engine's
/// batch execution does not run); `None` otherwise.
pub fn simple_query_statements(sql: &str) -> Option<Vec<String>> {
    if !mentions_copy(sql) {
        return None;
    }
    let parts = split_statements(sql);
    if parts.iter().any(|p| is_copy(p)) {
        Some(parts.into_iter().map(str::to_string).collect())
    } else {
        None
    }
}

/// True when the portal is an unexecuted COPY (Execute then goes to [`execute_portal`]).
pub fn portal_is_copy(state: &ConnectionState, name: &str) -> bool {
    state.portals.get(name).is_some_and(|p| {
        matches!(p.state, crate::handler::PortalState::NotStarted) && !p.statement.empty && is_copy(&p.statement.sql)
    })
}

/// True while a COPY FROM STDIN waits for data.
pub async fn copy_in_active(handler: &ConnectionHandler) -> bool {
    handler.state.lock().await.copy_in.is_some()
}

fn copy_direction_from(sql: &str) -> bool {
    parse_copy(sql).map(|s| s.from).unwrap_or(false)
}

async fn send_copy_in_response<C>(client: &mut C, columns: usize) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let response = CopyInResponse::new(0, columns as i16, vec![0; columns]);
    client.send(PgWireBackendMessage::CopyInResponse(response)).await?;
    Ok(())
}

/// CopyOutResponse, one CopyData per line, CopyDone, CommandComplete. A streamed query
/// failing part-way (a cancel, a timeout, the end of its block) ends the COPY with the
/// error instead of CopyDone, as PostgreSQL's COPY TO does.
async fn send_copy_out<C>(
    client: &mut C,
    session: &mut Session,
    mut out: CopyOut,
) -> PgWireResult<Result<String, orbit_sql::SqlError>>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let columns = out.columns();
    let response = CopyOutResponse::new(0, columns as i16, vec![0; columns]);
    client.feed(PgWireBackendMessage::CopyOutResponse(response)).await?;
    let mut line = Vec::new();
    loop {
        match out.next_line(session, &mut line).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Ok(Err(e)),
        }
        let data = std::mem::take(&mut line);
        client.feed(PgWireBackendMessage::CopyData(CopyData::new(data.into()))).await?;
    }
    client.feed(PgWireBackendMessage::CopyDone(CopyDone::new())).await?;
    let tag = out.tag();
    client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(tag.clone()))).await?;
    Ok(Ok(tag))
}

fn session_of(state: &mut ConnectionState) -> PgWireResult<&mut Session> {
    state.session.as_mut().ok_or(PgWireError::NotReadyForQuery)
}

/// A simple query whose statements include a COPY: runs them in order. Returns without
/// ReadyForQuery when a COPY FROM STDIN waits for data.
pub async fn run_simple_query<C>(
    client: &mut C,
    state: &mut ConnectionState,
    statements: Vec<String>,
) -> PgWireResult<()>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    run_statements(client, state, statements.into()).await
}

async fn run_statements<C>(client: &mut C, state: &mut ConnectionState, mut queue: VecDeque<String>) -> PgWireResult<()>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    while let Some(first) = queue.pop_front() {
        let session = session_of(state)?;
        if !is_copy(&first) {
            // Neighbouring statements run together, as one batch would.
            let mut group = vec![first];
            while queue.front().is_some_and(|s| !is_copy(s)) {
                group.extend(queue.pop_front());
            }
            if !run_batch(client, session, &group.join(";")).await? {
                break;
            }
            continue;
        }
        session.cancel_flag().store(false, Ordering::SeqCst);
        if copy_direction_from(&first) {
            match session.copy_in_start(&first, false).await {
                Ok(copy) => {
                    send_copy_in_response(client, copy.columns()).await?;
                    state.copy_in = Some(CopyInProgress { copy, extended: false, rest: queue });
                    return Ok(());
                }
                Err(e) => {
                    client.feed(PgWireBackendMessage::ErrorResponse(copy_error_info(&e).into())).await?;
                    break;
                }
            }
        } else {
            match session.copy_out(&first, false).await {
                Ok(out) => {
                    if let Err(e) = send_copy_out(client, session, out).await? {
                        client.feed(PgWireBackendMessage::ErrorResponse(sql_error_info(&e).into())).await?;
                        break;
                    }
                }
                Err(e) => {
                    client.feed(PgWireBackendMessage::ErrorResponse(sql_error_info(&e).into())).await?;
                    break;
                }
            }
        }
    }
    finish_query(client, state).await
}

/// Extended protocol Execute of a COPY portal.
pub async fn execute_portal<C>(client: &mut C, state: &mut ConnectionState, name: &str) -> PgWireResult<()>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let Some(portal) = state.portals.get_mut(name) else {
        return Err(crate::error::pg_error("34000", format!("portal \"{name}\" does not exist")));
    };
    let sql = portal.statement.sql.clone();
    portal.state = crate::handler::PortalState::Done { tag: Some("COPY 0".to_string()) };
    let session = session_of(state)?;
    session.cancel_flag().store(false, Ordering::SeqCst);
    if copy_direction_from(&sql) {
        let started = session.copy_in_start(&sql, true).await;
        client.set_transaction_status(wire_status(session));
        let copy = started.map_err(|e| copy_pg_error(&e))?;
        send_copy_in_response(client, copy.columns()).await?;
        state.copy_in = Some(CopyInProgress { copy, extended: true, rest: VecDeque::new() });
        Ok(())
    } else {
        let out = session.copy_out(&sql, true).await;
        client.set_transaction_status(wire_status(session));
        let out = out.map_err(|e| crate::error::from_sql_error(&e))?;
        let tag = send_copy_out(client, session, out).await?;
        client.set_transaction_status(wire_status(session));
        let tag = tag.map_err(|e| crate::error::from_sql_error(&e))?;
        if let Some(portal) = state.portals.get_mut(name) {
            portal.state = crate::handler::PortalState::Done { tag: Some(tag) };
        }
        Ok(())
    }
}

/// A frame received while a COPY FROM STDIN is in progress. Returns false when the
/// connection is to be closed (Terminate).
pub async fn on_frame<C>(client: &mut C, handler: &ConnectionHandler, tag: u8, body: &[u8]) -> PgWireResult<bool>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let mut guard = handler.state.lock().await;
    let state = &mut *guard;
    let Some(mut progress) = state.copy_in.take() else { return Ok(true) };
    let Some(session) = state.session.as_mut() else { return Err(PgWireError::NotReadyForQuery) };
    let failure = match tag {
        b'd' => match session.copy_in_data(&mut progress.copy, body).await {
            Ok(()) => {
                state.copy_in = Some(progress);
                return Ok(true);
            }
            Err(e) => e,
        },
        b'c' => match session.copy_in_finish(&mut progress.copy).await {
            Ok(tag) => {
                client.set_transaction_status(wire_status(session));
                client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(tag))).await?;
                if progress.extended {
                    client.flush().await?;
                    return Ok(true);
                }
                run_statements(client, state, progress.rest).await?;
                return Ok(true);
            }
            Err(e) => e,
        },
        b'f' => {
            let message = String::from_utf8_lossy(body.strip_suffix(&[0]).unwrap_or(body)).into_owned();
            Session::copy_in_client_failure(&progress.copy, &message)
        }
        // Flush and Sync are ignored during COPY FROM STDIN.
        b'H' | b'S' => {
            state.copy_in = Some(progress);
            return Ok(true);
        }
        b'X' => {
            session.copy_in_abort(progress.copy).await;
            return Ok(false);
        }
        other => Session::copy_in_unexpected_message(&progress.copy, other),
    };
    session.copy_in_abort(progress.copy).await;
    client.set_transaction_status(wire_status(session));
    client.feed(PgWireBackendMessage::ErrorResponse(copy_error_info(&failure).into())).await?;
    if progress.extended {
        client.set_state(PgWireConnectionState::AwaitingSync);
        client.flush().await?;
        Ok(true)
    } else {
        finish_query(client, state).await?;
        Ok(true)
    }
}
