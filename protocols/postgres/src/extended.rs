//! The extended query protocol: Parse, Bind, Describe, Execute, Close, Sync.
//!
//! Statements and portals live in the connection's state, named or unnamed (""). Parse
//! asks the engine to describe the statement (parameter and result types); Bind decodes
//! the parameters (text or binary) for those types; Execute runs the statement once and
//! keeps the rows in the portal, sending at most `max_rows` per Execute followed by
//! PortalSuspended until the rows run out. A pipeline SELECT (`orbit_sql::streaming`)
//! keeps only a page of rows in the portal and reads the next as the client asks for
//! them, so a fetch size (JDBC's, a driver's portal) keeps memory bounded. Errors are
//! returned to pgwire, which sends the ErrorResponse and discards messages until Sync;
//! Sync answers with ReadyForQuery and the session's transaction status.

use crate::encoding::decode_param;
use crate::error::{error_info, from_sql_error, pg_error, sqlstate};
use crate::handler::{
    data_row, is_empty_query, report_parameter_changes, row_description, wire_status, ConnectionHandler,
    ConnectionState, Portal, PortalState, PreparedStatement, ResultFormats,
};
use crate::types::{parameter_oid, sql_type_from_oid};
use async_trait::async_trait;
use futures::{Sink, SinkExt};
use orbit_sql::{QueryOutput, Session};
use pgwire::api::portal::Portal as PgPortal;
use pgwire::api::query::ExtendedQueryHandler;
use pgwire::api::results::Response;
use pgwire::api::stmt::NoopQueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::data::{NoData, ParameterDescription, FORMAT_CODE_BINARY, FORMAT_CODE_TEXT};
use pgwire::messages::extendedquery::{
    Bind, BindComplete, Close, CloseComplete, Describe, Execute, Parse, ParseComplete, PortalSuspended, Sync as PgSync,
    TARGET_TYPE_BYTE_PORTAL, TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::messages::response::{CommandComplete, EmptyQueryResponse, ReadyForQuery, TransactionStatus};
use pgwire::messages::PgWireBackendMessage;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::atomic::Ordering;
use std::sync::Arc;

fn statement_label(name: &str) -> String {
    if name.is_empty() {
        "unnamed prepared statement".to_string()
    } else {
        format!("prepared statement \"{name}\"")
    }
}

fn session_of(state: &mut ConnectionState) -> PgWireResult<&mut Session> {
    state.session.as_mut().ok_or(PgWireError::NotReadyForQuery)
}

/// Format codes of a Bind message: none (all text), one (for all) or one per item.
fn format_codes(codes: &[i16], items: usize, what: &str) -> PgWireResult<ResultFormats> {
    for code in codes {
        if *code != FORMAT_CODE_TEXT && *code != FORMAT_CODE_BINARY {
            return Err(pg_error("22023", format!("unsupported format code: {code}")));
        }
    }
    match codes {
        [] => Ok(ResultFormats::All(false)),
        [one] => Ok(ResultFormats::All(*one == FORMAT_CODE_BINARY)),
        many if many.len() == items => {
            Ok(ResultFormats::PerColumn(many.iter().map(|c| *c == FORMAT_CODE_BINARY).collect()))
        }
        many => Err(pg_error(
            sqlstate::PROTOCOL_VIOLATION,
            format!("bind message has {} {what} formats but {items} {what}s", many.len()),
        )),
    }
}

/// Sends rows of a portal (at most `max_rows`, all if 0) and then CommandComplete, or
/// PortalSuspended if rows are left. A streamed query's rows are read through `session`
/// as they are needed.
async fn send_portal_rows<C>(
    client: &mut C,
    session: &mut Session,
    portal: &mut Portal,
    max_rows: usize,
) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    match &mut portal.state {
        PortalState::NotStarted => Ok(()),
        PortalState::Done { tag: Some(tag) } => {
            client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(tag.clone()))).await?;
            Ok(())
        }
        PortalState::Done { tag: None } => {
            client.feed(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new())).await?;
            Ok(())
        }
        PortalState::Rows { columns, rows, tag, stream } => {
            let mut sent = 0usize;
            while max_rows == 0 || sent < max_rows {
                if rows.is_empty() {
                    if let Some(open) = stream.as_mut() {
                        let batch = session.next_rows(open).await;
                        if !matches!(batch, Ok(ref b) if !b.is_empty()) {
                            *stream = None; // ended (its last rows, if any, are in `batch`)
                        }
                        rows.extend(batch.map_err(|e| from_sql_error(&e))?);
                    }
                }
                let Some(row) = rows.pop_front() else { break };
                client.feed(PgWireBackendMessage::DataRow(data_row(&row, columns, &portal.formats)?)).await?;
                sent += 1;
            }
            if rows.is_empty() && stream.as_ref().is_none_or(|s| s.is_done()) {
                let done = tag.take().unwrap_or_else(|| format!("SELECT {sent}"));
                client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(done))).await?;
                portal.state = PortalState::Done { tag: Some("SELECT 0".to_string()) };
            } else {
                client.feed(PgWireBackendMessage::PortalSuspended(PortalSuspended::new())).await?;
            }
            Ok(())
        }
    }
}

#[async_trait]
impl ExtendedQueryHandler for ConnectionHandler {
    type Statement = String;
    type QueryParser = NoopQueryParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        Arc::new(NoopQueryParser)
    }

    async fn on_parse<C>(&self, client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        let name = message.name.unwrap_or_default();
        if !name.is_empty() && state.statements.contains_key(&name) {
            return Err(pg_error(
                sqlstate::DUPLICATE_PREPARED_STATEMENT,
                format!("prepared statement \"{name}\" already exists"),
            ));
        }
        let mut given = Vec::with_capacity(message.type_oids.len());
        for oid in &message.type_oids {
            let ty = sql_type_from_oid(*oid)
                .ok_or_else(|| pg_error(sqlstate::UNDEFINED_OBJECT, format!("type with OID {oid} does not exist")))?;
            given.push(ty);
        }
        let statement = if is_empty_query(&message.query) {
            PreparedStatement { sql: String::new(), empty: true, params: given, columns: Vec::new(), prepared: None }
        } else if orbit_sql::copy::is_copy(&message.query) {
            // COPY returns no rows and takes no parameters; it runs at Execute.
            orbit_sql::copy::parse_copy(&message.query).map_err(|e| from_sql_error(&e))?;
            PreparedStatement { sql: message.query, empty: false, params: given, columns: Vec::new(), prepared: None }
        } else {
            let session = session_of(state)?;
            let prepared = session.prepare(&message.query, &given).await;
            client.set_transaction_status(wire_status(session));
            let prepared = prepared.map_err(|e| from_sql_error(&e))?;
            let mut params = prepared.description.params.clone();
            if params.len() < given.len() {
                params.extend(given[params.len()..].iter().cloned());
            }
            let columns = prepared.description.columns.clone();
            PreparedStatement { sql: message.query, empty: false, params, columns, prepared: Some(prepared) }
        };
        state.statements.insert(name, Arc::new(statement));
        client.feed(PgWireBackendMessage::ParseComplete(ParseComplete::new())).await?;
        Ok(())
    }

    async fn on_bind<C>(&self, client: &mut C, message: Bind) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        let statement_name = message.statement_name.unwrap_or_default();
        let portal_name = message.portal_name.unwrap_or_default();
        let statement = state.statements.get(&statement_name).cloned().ok_or_else(|| {
            pg_error(
                sqlstate::INVALID_SQL_STATEMENT_NAME,
                format!("{} does not exist", statement_label(&statement_name)),
            )
        })?;
        if !portal_name.is_empty() && state.portals.contains_key(&portal_name) {
            return Err(pg_error("42P03", format!("cursor \"{portal_name}\" already exists")));
        }
        let expected = statement.params.len();
        if message.parameters.len() != expected {
            return Err(pg_error(
                sqlstate::PROTOCOL_VIOLATION,
                format!(
                    "bind message supplies {} parameters, but {} requires {expected}",
                    message.parameters.len(),
                    statement_label(&statement_name)
                ),
            ));
        }
        let param_formats = format_codes(&message.parameter_format_codes, expected, "parameter")?;
        let mut params = Vec::with_capacity(expected);
        for (i, raw) in message.parameters.iter().enumerate() {
            let value = match raw {
                None => orbit_storage::Value::Null,
                Some(bytes) => decode_param(bytes, param_formats.is_binary(i), &statement.params[i], i)?,
            };
            params.push(value);
        }
        let formats = format_codes(&message.result_column_format_codes, statement.columns.len(), "result")?;
        state.portals.insert(portal_name, Portal { statement, params, formats, state: PortalState::NotStarted });
        client.feed(PgWireBackendMessage::BindComplete(BindComplete::new())).await?;
        Ok(())
    }

    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let guard = self.state.lock().await;
        let name = message.name.unwrap_or_default();
        let (columns, formats) = match message.target_type {
            TARGET_TYPE_BYTE_STATEMENT => {
                let statement = guard.statements.get(&name).ok_or_else(|| {
                    pg_error(sqlstate::INVALID_SQL_STATEMENT_NAME, format!("{} does not exist", statement_label(&name)))
                })?;
                let oids = statement.params.iter().map(parameter_oid).collect();
                client.feed(PgWireBackendMessage::ParameterDescription(ParameterDescription::new(oids))).await?;
                (statement.columns.clone(), ResultFormats::All(false))
            }
            TARGET_TYPE_BYTE_PORTAL => {
                let portal = guard.portals.get(&name).ok_or_else(|| {
                    pg_error(sqlstate::INVALID_CURSOR_NAME, format!("portal \"{name}\" does not exist"))
                })?;
                (portal.statement.columns.clone(), portal.formats.clone())
            }
            other => {
                return Err(pg_error(sqlstate::PROTOCOL_VIOLATION, format!("invalid DESCRIBE message subtype {other}")))
            }
        };
        if columns.is_empty() {
            client.feed(PgWireBackendMessage::NoData(NoData::new())).await?;
        } else {
            client.feed(PgWireBackendMessage::RowDescription(row_description(&columns, &formats))).await?;
        }
        Ok(())
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        let name = message.name.unwrap_or_default();
        if crate::copy::portal_is_copy(state, &name) {
            return crate::copy::execute_portal(client, state, &name).await;
        }
        let max_rows = usize::try_from(message.max_rows).unwrap_or(0);
        let Some(session) = state.session.as_mut() else { return Err(PgWireError::NotReadyForQuery) };
        let portal = state
            .portals
            .get_mut(&name)
            .ok_or_else(|| pg_error(sqlstate::INVALID_CURSOR_NAME, format!("portal \"{name}\" does not exist")))?;

        if matches!(portal.state, PortalState::NotStarted) {
            if portal.statement.empty {
                portal.state = PortalState::Done { tag: None };
            } else {
                client.set_state(PgWireConnectionState::QueryInProgress);
                session.cancel_flag().store(false, Ordering::SeqCst);
                let statement = &portal.statement;
                session.request_streaming();
                let result = match &statement.prepared {
                    Some(prepared) => {
                        session.execute_prepared_extended(prepared, &statement.params, &portal.params).await
                    }
                    None => session.execute_extended(&statement.sql, &statement.params, &portal.params).await,
                };
                crate::simple::send_notices(client, session.take_notices().iter()).await?;
                client.set_transaction_status(wire_status(session));
                client.set_state(PgWireConnectionState::ReadyForQuery);
                let output = result.map_err(|e| from_sql_error(&e))?;
                let tag = output.command_tag();
                portal.state = match output {
                    QueryOutput::Rows { columns, rows, affected } => PortalState::Rows {
                        columns,
                        rows: VecDeque::from(rows),
                        tag: affected.map(|_| tag),
                        // Later Executes may come after other statements: untimed.
                        stream: session.take_stream().map(|mut s| {
                            s.end_timeout();
                            s
                        }),
                    },
                    QueryOutput::Command { .. } => PortalState::Done { tag: Some(tag) },
                    QueryOutput::Empty => PortalState::Done { tag: None },
                };
            }
        }
        send_portal_rows(client, session, portal, max_rows).await?;
        crate::simple::apply_deallocations(state);
        report_parameter_changes(client, state).await?;
        Ok(())
    }

    async fn on_close<C>(&self, client: &mut C, message: Close) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut state = self.state.lock().await;
        let name = message.name.unwrap_or_default();
        match message.target_type {
            TARGET_TYPE_BYTE_STATEMENT => {
                state.statements.remove(&name);
            }
            TARGET_TYPE_BYTE_PORTAL => {
                state.portals.remove(&name);
            }
            other => {
                return Err(pg_error(sqlstate::PROTOCOL_VIOLATION, format!("invalid CLOSE message subtype {other}")))
            }
        }
        client.feed(PgWireBackendMessage::CloseComplete(CloseComplete::new())).await?;
        Ok(())
    }

    async fn on_sync<C>(&self, client: &mut C, _message: PgSync) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut state = self.state.lock().await;
        // Sync ends the implicit transaction of the Executes before it.
        if let Some(session) = state.session.as_mut() {
            if let Err(e) = session.sync().await {
                let info = crate::error::sql_error_info(&e);
                client.feed(PgWireBackendMessage::ErrorResponse(info.into())).await?;
            }
        }
        let status = state.session.as_ref().map(wire_status).unwrap_or(TransactionStatus::Idle);
        if status == TransactionStatus::Idle {
            // Portals do not outlive their transaction.
            state.portals.clear();
        }
        client.set_transaction_status(status);
        client.send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(status))).await?;
        Ok(())
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        _portal: &PgPortal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // on_execute above runs every portal itself.
        Err(PgWireError::UserError(Box::new(error_info(
            sqlstate::INTERNAL_ERROR,
            "portal dispatched outside on_execute",
        ))))
    }
}
