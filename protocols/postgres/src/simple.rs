//! The simple query protocol: one Query message, possibly several statements, each
//! answered in turn (RowDescription + DataRows in text format + CommandComplete, or
//! CommandComplete, or EmptyQueryResponse), an ErrorResponse ending the batch, and
//! ReadyForQuery with the session's transaction status. A query string that is one
//! pipeline SELECT (`orbit_sql::streaming`) is streamed: its DataRows go out a page at a
//! time as the scan reads them, so server memory stays flat whatever the result size.

use crate::error::{error_info, sql_error_info, sqlstate};
use crate::handler::{
    data_row, is_empty_query, report_parameter_changes, row_description, wire_status, ConnectionHandler, ResultFormats,
};
use async_trait::async_trait;
use futures::{Sink, SinkExt};
use orbit_sql::{Notice, QueryOutput};
use pgwire::api::query::SimpleQueryHandler;
use pgwire::api::results::Response;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::response::{CommandComplete, EmptyQueryResponse, ReadyForQuery};
use pgwire::messages::simplequery::Query;
use pgwire::messages::PgWireBackendMessage;
use std::fmt::Debug;
use std::sync::atomic::Ordering;

/// Sends one statement's result of a simple query (text format).
pub async fn send_output<C>(client: &mut C, output: QueryOutput) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let tag = output.command_tag();
    match output {
        QueryOutput::Rows { columns, rows, .. } => {
            let formats = ResultFormats::All(false);
            client.feed(PgWireBackendMessage::RowDescription(row_description(&columns, &formats))).await?;
            for row in &rows {
                client.feed(PgWireBackendMessage::DataRow(data_row(row, &columns, &formats)?)).await?;
            }
            client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(tag))).await?;
        }
        QueryOutput::Command { .. } => {
            client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(tag))).await?;
        }
        QueryOutput::Empty => {
            client.feed(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new())).await?;
        }
    }
    Ok(())
}

/// Sends a streamed query's rows: RowDescription, the first batch, each later batch as it
/// is read, CommandComplete. Returns false when reading failed part-way (the rows sent
/// stay sent and an ErrorResponse follows them, as PostgreSQL does for a run-time error).
async fn send_streamed<C>(
    client: &mut C,
    session: &mut orbit_sql::Session,
    columns: &[orbit_sql::Column],
    first: Vec<Vec<orbit_sql::Value>>,
    mut stream: orbit_sql::QueryStream,
) -> PgWireResult<bool>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let formats = ResultFormats::All(false);
    client.feed(PgWireBackendMessage::RowDescription(row_description(columns, &formats))).await?;
    let mut batch = first;
    loop {
        for row in &batch {
            client.feed(PgWireBackendMessage::DataRow(data_row(row, columns, &formats)?)).await?;
        }
        batch = match session.next_rows(&mut stream).await {
            Ok(next) if next.is_empty() => break,
            Ok(next) => next,
            Err(e) => {
                client.feed(PgWireBackendMessage::ErrorResponse(sql_error_info(&e).into())).await?;
                return Ok(false);
            }
        };
    }
    client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(stream.tag()))).await?;
    Ok(true)
}

/// Sends NoticeResponses (NOTICE or WARNING raised by a statement that went on).
pub async fn send_notices<'a, C>(client: &mut C, notices: impl Iterator<Item = &'a Notice>) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    for n in notices {
        let info = ErrorInfo::new(n.severity.to_string(), n.code.to_string(), n.message.clone());
        client.feed(PgWireBackendMessage::NoticeResponse(info.into())).await?;
    }
    Ok(())
}

#[async_trait]
impl SimpleQueryHandler for ConnectionHandler {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        if state.session.is_none() {
            return Err(PgWireError::NotReadyForQuery);
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        // A simple Query destroys the unnamed statement and portal, as in PostgreSQL.
        state.statements.remove("");
        state.portals.remove("");

        if let Some(statements) = crate::copy::simple_query_statements(&query.query) {
            return crate::copy::run_simple_query(client, state, statements).await;
        }
        if is_empty_query(&query.query) {
            client.feed(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new())).await?;
        } else if let Some(session) = state.session.as_mut() {
            run_batch(client, session, &query.query).await?;
        }
        finish_query(client, state).await
    }

    async fn do_query<C>(&self, _client: &mut C, _query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // on_query above answers every Query itself.
        Err(PgWireError::UserError(Box::new(error_info(
            sqlstate::INTERNAL_ERROR,
            "simple query dispatched outside on_query",
        ))))
    }
}

/// Runs the statements of `sql` and sends their results; returns false when one failed
/// (the rest were not run).
pub(crate) async fn run_batch<C>(client: &mut C, session: &mut orbit_sql::Session, sql: &str) -> PgWireResult<bool>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    session.cancel_flag().store(false, Ordering::SeqCst);
    session.request_streaming();
    let results = session.execute_batch(sql).await;
    let mut stream = session.take_stream();
    let notices = session.take_notices();
    if results.is_empty() {
        client.feed(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new())).await?;
    }
    for (i, result) in results.into_iter().enumerate() {
        send_notices(client, notices.iter().filter(|n| n.statement == i)).await?;
        match result {
            Ok(QueryOutput::Rows { columns, rows, .. }) if stream.is_some() => {
                let Some(stream) = stream.take() else { continue };
                if !send_streamed(client, session, &columns, rows, stream).await? {
                    return Ok(false);
                }
            }
            Ok(output) => send_output(client, output).await?,
            Err(e) => {
                client.feed(PgWireBackendMessage::ErrorResponse(sql_error_info(&e).into())).await?;
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// Ends a simple query: DEALLOCATEs applied, parameter changes reported, ReadyForQuery
/// with the session's transaction status.
pub(crate) async fn finish_query<C>(client: &mut C, state: &mut crate::handler::ConnectionState) -> PgWireResult<()>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    apply_deallocations(state);
    let status = match state.session.as_ref() {
        Some(session) => wire_status(session),
        None => return Err(PgWireError::NotReadyForQuery),
    };
    if matches!(status, pgwire::messages::response::TransactionStatus::Idle) {
        state.portals.clear();
    }
    report_parameter_changes(client, state).await?;
    client.set_transaction_status(status);
    client.set_state(PgWireConnectionState::ReadyForQuery);
    client.send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(status))).await?;
    Ok(())
}

/// Drops the prepared statements the session's DEALLOCATE statements named.
pub(crate) fn apply_deallocations(state: &mut crate::handler::ConnectionState) {
    let Some(session) = state.session.as_mut() else { return };
    for name in session.take_deallocations() {
        match name {
            None => state.statements.clear(),
            Some(name) => {
                state.statements.remove(&name);
            }
        }
    }
}
