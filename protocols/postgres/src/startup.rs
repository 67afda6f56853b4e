//! The startup phase: protocol version, user and database, trust authentication, the
//! session, ParameterStatus, BackendKeyData and the first ReadyForQuery.
//!
//! Authentication is "trust" for now: any user name is accepted without a password.

use crate::error::{fatal, sqlstate};
use crate::handler::{report_parameter_changes, ConnectionHandler};
use async_trait::async_trait;
use futures::{Sink, SinkExt};
use orbit_sql::Session;
use pgwire::api::auth::{protocol_negotiation, save_startup_parameters_to_metadata, StartupHandler};
use pgwire::api::{ClientInfo, PgWireConnectionState, METADATA_DATABASE, METADATA_USER};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::response::{ReadyForQuery, TransactionStatus};
use pgwire::messages::startup::{Authentication, BackendKeyData};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage, ProtocolVersion};
use std::fmt::Debug;

/// Startup parameters that are session settings; they are applied with SET so the
/// engine formats values the way the client asked (JDBC sends DateStyle and
/// extra_float_digits, for instance).
const SETTINGS_FROM_STARTUP: [&str; 7] =
    ["application_name", "extra_float_digits", "DateStyle", "TimeZone", "search_path", "IntervalStyle", "bytea_output"];

fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[async_trait]
impl StartupHandler for ConnectionHandler {
    async fn on_startup<C>(&self, client: &mut C, message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let PgWireFrontendMessage::Startup(startup) = message else {
            return Err(fatal(sqlstate::PROTOCOL_VIOLATION, "expected a startup message"));
        };
        protocol_negotiation(client, &startup).await?;
        save_startup_parameters_to_metadata(client, &startup);

        let user = match client.metadata().get(METADATA_USER) {
            Some(user) if !user.is_empty() => user.clone(),
            _ => {
                return Err(fatal(
                    sqlstate::INVALID_AUTHORIZATION,
                    "no PostgreSQL user name specified in startup packet",
                ))
            }
        };
        let database =
            client.metadata().get(METADATA_DATABASE).filter(|d| !d.is_empty()).cloned().unwrap_or(user.clone());
        let mut session = Session::new(self.shared.engine.clone(), &database, &user).map_err(|e| {
            let mut err = crate::error::sql_error_info(&e);
            err.severity = pgwire::error::SEVERITY_FATAL.to_owned();
            err.severity_nonlocalized = Some(pgwire::error::SEVERITY_FATAL.to_owned());
            PgWireError::UserError(Box::new(err))
        })?;

        for name in SETTINGS_FROM_STARTUP {
            let Some(value) = startup.parameters.get(name) else { continue };
            let sql = format!("SET {name} TO {}", quote_literal(value));
            for result in session.execute_batch(&sql).await {
                if let Err(e) = result {
                    tracing::debug!(setting = name, %value, error = %e, "startup parameter not applied");
                }
            }
        }

        let long_key = client.protocol_version() != ProtocolVersion::PROTOCOL3_0;
        let (pid, secret_key) = self.shared.cancels.new_key(long_key);
        client.set_pid_and_secret_key(pid, secret_key.clone());

        let mut state = self.state.lock().await;
        state.cancel_guard = Some(self.shared.cancels.register(pid, &secret_key, session.cancel_flag()));
        state.session = Some(session);
        state.user = user.clone();
        state.application_name = startup.parameters.get("application_name").cloned().unwrap_or_default();

        client.feed(PgWireBackendMessage::Authentication(Authentication::Ok)).await?;
        report_parameter_changes(client, &mut state).await?;
        client.feed(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(pid, secret_key))).await?;
        client.send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(TransactionStatus::Idle))).await?;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        tracing::debug!(%user, %database, pid, "session started");
        Ok(())
    }
}
