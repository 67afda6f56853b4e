//! The startup phase: protocol version, user and database, TLS requirement, the
//! max_connections slot, authentication (trust, password, md5, SCRAM-SHA-256 — see
//! [`crate::auth`]), the session with its configured defaults and startup settings,
//! ParameterStatus, BackendKeyData and the first ReadyForQuery.

use crate::auth::{password_failed, Step, INVALID_AUTHORIZATION};
use crate::error::{fatal, sqlstate};
use crate::handler::{report_parameter_changes, ConnectionHandler};
use crate::options::TlsMode;
use async_trait::async_trait;
use futures::{Sink, SinkExt};
use orbit_sql::roles::Role;
use orbit_sql::Session;
use pgwire::api::auth::{protocol_negotiation, save_startup_parameters_to_metadata, StartupHandler};
use pgwire::api::{ClientInfo, PgWireConnectionState, METADATA_DATABASE, METADATA_USER};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::response::{ReadyForQuery, TransactionStatus};
use pgwire::messages::startup::{Authentication, BackendKeyData, PasswordMessageFamily};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage, ProtocolVersion};
use std::collections::HashMap;
use std::fmt::Debug;

/// Startup parameters that are session settings; they are applied with SET so the
/// engine formats values the way the client asked (JDBC sends DateStyle and
/// extra_float_digits, for instance).
const SETTINGS_FROM_STARTUP: [&str; 9] = [
    "application_name",
    "extra_float_digits",
    "DateStyle",
    "TimeZone",
    "search_path",
    "IntervalStyle",
    "bytea_output",
    "statement_timeout",
    "idle_in_transaction_session_timeout",
];

fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The `-c name=value` / `--name=value` settings of the startup `options` parameter
/// (what `PGOPTIONS` sends); a backslash escapes the next character.
fn parse_options(options: &str) -> Vec<(String, String)> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => word.extend(chars.next()),
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut out = Vec::new();
    let mut words = words.into_iter();
    while let Some(w) = words.next() {
        let setting = if w == "-c" {
            words.next()
        } else if let Some(rest) = w.strip_prefix("--").or_else(|| w.strip_prefix("-c")) {
            Some(rest.to_string())
        } else {
            None
        };
        if let Some((name, value)) = setting.as_deref().and_then(|s| s.split_once('=')) {
            out.push((name.replace('-', "_"), value.to_string()));
        }
    }
    out
}

async fn apply_setting(session: &mut Session, name: &str, value: &str) {
    let sql = format!("SET {name} TO {}", quote_literal(value));
    for result in session.execute_batch(&sql).await {
        if let Err(e) = result {
            tracing::debug!(setting = name, %value, error = %e, "startup setting not applied");
        }
    }
}

fn sql_fatal(e: &orbit_sql::SqlError) -> PgWireError {
    let mut err = crate::error::sql_error_info(e);
    err.severity = pgwire::error::SEVERITY_FATAL.to_owned();
    err.severity_nonlocalized = Some(pgwire::error::SEVERITY_FATAL.to_owned());
    PgWireError::UserError(Box::new(err))
}

impl ConnectionHandler {
    async fn start<C>(&self, client: &mut C, startup: pgwire::messages::startup::Startup) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
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
        let security = &self.shared.security;
        if security.tls_mode == TlsMode::Require && !client.is_secure() {
            let database = client.metadata().get(METADATA_DATABASE).filter(|d| !d.is_empty()).unwrap_or(&user);
            return Err(fatal(
                INVALID_AUTHORIZATION,
                format!(
                    "no pg_hba.conf entry for host \"{}\", user \"{user}\", database \"{database}\", no encryption",
                    client.socket_addr().ip()
                ),
            ));
        }
        let permit = security.admit()?;
        let role = self.shared.engine.role(&user).await.map_err(|e| sql_fatal(&e))?;
        let mut state = self.state.lock().await;
        state.login.permit = Some(permit);
        match security.begin(&user, role.clone(), client.is_secure()) {
            None => {
                drop(state);
                self.finish(client, user, role, None).await
            }
            Some((request, pending)) => {
                state.login.pending = Some(pending);
                drop(state);
                client.set_state(PgWireConnectionState::AuthenticationInProgress);
                client.send(PgWireBackendMessage::Authentication(request)).await?;
                Ok(())
            }
        }
    }

    async fn password<C>(&self, client: &mut C, message: PasswordMessageFamily) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let pending = self.state.lock().await.login.pending.take();
        let Some(pending) = pending else {
            return Err(fatal(sqlstate::PROTOCOL_VIOLATION, "unexpected password message"));
        };
        let PasswordMessageFamily::Raw(body) = message else {
            return Err(password_failed(&pending.user));
        };
        match self.shared.security.answer(pending, &body)? {
            Step::Continue(request, pending) => {
                self.state.lock().await.login.pending = Some(pending);
                client.send(PgWireBackendMessage::Authentication(request)).await?;
                Ok(())
            }
            Step::Done { user, role, last } => self.finish(client, user, role, last).await,
        }
    }

    /// The login is authenticated: checks LOGIN, opens the session, and says so.
    async fn finish<C>(
        &self,
        client: &mut C,
        user: String,
        role: Option<Role>,
        last: Option<Authentication>,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if role.as_ref().is_some_and(|r| !r.login) {
            return Err(fatal(INVALID_AUTHORIZATION, format!("role \"{user}\" is not permitted to log in")));
        }
        let parameters: HashMap<String, String> = client.metadata().clone();
        let database = parameters.get(METADATA_DATABASE).filter(|d| !d.is_empty()).cloned().unwrap_or(user.clone());
        let mut session = Session::new(self.shared.engine.clone(), &database, &user).map_err(|e| sql_fatal(&e))?;

        for (name, value) in &self.shared.security.session_defaults {
            apply_setting(&mut session, name, value).await;
        }
        for name in SETTINGS_FROM_STARTUP {
            if let Some(value) = parameters.get(name) {
                apply_setting(&mut session, name, value).await;
            }
        }
        if let Some(options) = parameters.get("options") {
            for (name, value) in parse_options(options) {
                apply_setting(&mut session, &name, &value).await;
            }
        }

        let long_key = client.protocol_version() != ProtocolVersion::PROTOCOL3_0;
        let (pid, secret_key) = self.shared.cancels.new_key(long_key);
        client.set_pid_and_secret_key(pid, secret_key.clone());

        let mut state = self.state.lock().await;
        state.cancel_guard = Some(self.shared.cancels.register(pid, &secret_key, session.cancel_flag()));
        state.session = Some(session);
        state.user = user.clone();
        state.application_name = parameters.get("application_name").cloned().unwrap_or_default();

        if let Some(last) = last {
            client.feed(PgWireBackendMessage::Authentication(last)).await?;
        }
        client.feed(PgWireBackendMessage::Authentication(Authentication::Ok)).await?;
        report_parameter_changes(client, &mut state).await?;
        client.feed(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(pid, secret_key))).await?;
        client.send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(TransactionStatus::Idle))).await?;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        tracing::debug!(%user, %database, pid, "session started");
        Ok(())
    }
}

#[async_trait]
impl StartupHandler for ConnectionHandler {
    async fn on_startup<C>(&self, client: &mut C, message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match message {
            PgWireFrontendMessage::Startup(startup)
                if matches!(client.state(), PgWireConnectionState::AwaitingStartup) =>
            {
                self.start(client, startup).await
            }
            PgWireFrontendMessage::PasswordMessageFamily(message)
                if matches!(client.state(), PgWireConnectionState::AuthenticationInProgress) =>
            {
                self.password(client, message).await
            }
            _ => Err(fatal(sqlstate::PROTOCOL_VIOLATION, "expected a startup message")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_options;

    #[test]
    fn startup_options() {
        assert_eq!(
            parse_options("-c statement_timeout=100 --search-path=a\\ b -cwork_mem=1MB"),
            vec![
                ("statement_timeout".to_string(), "100".to_string()),
                ("search_path".to_string(), "a b".to_string()),
                ("work_mem".to_string(), "1MB".to_string())
            ]
        );
        assert!(parse_options("").is_empty());
    }
}
