//! One connection's requests against the engine, after the handshake: the session state
//! machine decides (process, IGNORED, or a violation answered with FAILURE and a close),
//! then each admitted request is carried out — HELLO/LOGON authentication, explicit
//! transactions, RESET, ROUTE, TELEMETRY here, RUN/PULL/DISCARD in [`super::results`] —
//! and answered with SUCCESS or FAILURE, whose outcome goes back to the session.
//!
//! The engine objects live here: at most one open transaction (explicit, or the one an
//! auto-commit RUN opened) and its result streams by qid (-1 for the auto-commit one).
//! RESET, a failed auto-commit query and the end of the connection roll back what is open.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use orbit_cypher::engine::TxOptions;
use orbit_cypher::value::Value;
use orbit_cypher::{AccessMode, CypherEngine, CypherError, CypherTransaction, QueryStream};
use tokio::io::AsyncWrite;

use super::failure::Failure;
use super::outbox::{Outbox, SendError};
use super::ConnectionSettings;
use crate::convert::{self, ConvertError, Encoding};
use crate::handshake::Version;
use crate::messages::{Request, Response};
use crate::packstream::{dict_get, Dictionary, PackValue};
use crate::session::{Action, Admission, Outcome, Session, State};

/// The server agent HELLO reports; drivers check that it starts with `Neo4j/`.
pub const SERVER_AGENT: &str = "Neo4j/5.26.0";
/// How long a driver may keep a routing table.
pub const ROUTING_TTL_SECONDS: i64 = 300;

/// What the connection loop does after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Close,
}

/// A SUCCESS to send.
pub(super) struct Done {
    pub meta: Dictionary,
    pub has_more: bool,
}

impl Done {
    pub fn with(meta: Dictionary) -> Done {
        Done { meta, has_more: false }
    }

    pub fn empty() -> Done {
        Done::with(Dictionary::new())
    }
}

/// A FAILURE to send, and whether the connection closes after it (bad input).
pub(super) struct Reject {
    pub failure: Failure,
    pub close: bool,
}

impl From<Failure> for Reject {
    fn from(failure: Failure) -> Self {
        Reject { failure, close: false }
    }
}

impl From<CypherError> for Reject {
    fn from(e: CypherError) -> Self {
        Reject::from(Failure::from_cypher(&e))
    }
}

impl From<ConvertError> for Reject {
    fn from(e: ConvertError) -> Self {
        match e {
            ConvertError::Invalid(m) => Reject { failure: Failure::request_invalid(m), close: true },
            ConvertError::Cypher(e) => Reject::from(e),
            ConvertError::Unencodable(m) => Reject::from(Failure::database_error(m)),
        }
    }
}

pub(super) type Reply = Result<Done, Reject>;

pub(super) struct OpenTx {
    pub tx: Box<dyn CypherTransaction>,
    pub db: String,
}

pub(super) struct OpenStream {
    pub stream: Box<dyn QueryStream>,
    /// A record read ahead to know whether the result has more.
    pub peeked: Option<Vec<Value>>,
    pub db: String,
    /// Time spent pulling so far (`t_last`).
    pub pulling: Duration,
}

pub struct Handler {
    pub(super) settings: Arc<ConnectionSettings>,
    pub(super) session: Session,
    pub(super) encoding: Encoding,
    conn_id: u64,
    user: Option<String>,
    pub(super) tx: Option<OpenTx>,
    pub(super) streams: BTreeMap<i64, OpenStream>,
}

impl Handler {
    pub fn new(settings: Arc<ConnectionSettings>, version: Version, conn_id: u64) -> Handler {
        Handler {
            settings,
            session: Session::new(version),
            encoding: Encoding::new(version, false),
            conn_id,
            user: None,
            tx: None,
            streams: BTreeMap::new(),
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// A RESET is queued behind what is being processed.
    pub fn interrupt(&mut self) {
        self.session.interrupt();
    }

    pub(super) fn engine(&self) -> &Arc<dyn CypherEngine> {
        &self.settings.engine
    }

    /// Answers one request; an I/O error means the client is gone.
    pub async fn handle<W: AsyncWrite + Unpin + Send>(
        &mut self,
        request: Request,
        out: &mut Outbox<W>,
    ) -> std::io::Result<Flow> {
        let action = match self.session.admit(&request) {
            Admission::Ignore => {
                send(out, &Response::Ignored).await?;
                return Ok(Flow::Continue);
            }
            Admission::Violation(v) => {
                tracing::debug!(violation = %v, "Bolt protocol violation");
                send(out, &self.failure(&Failure::request_invalid(v.to_string()))).await?;
                return Ok(Flow::Close);
            }
            Admission::Process(Action::Goodbye) => return Ok(Flow::Close),
            Admission::Process(action) => action,
        };
        tracing::trace!(request = request.name(), "Bolt request");
        let reply = self.process(action, request, out).await?;
        let (outcome, close) = match reply {
            Ok(done) => match out.send(&Response::Success(done.meta)).await {
                Ok(()) => (Outcome::Success { has_more: done.has_more }, false),
                Err(SendError::Io(e)) => return Err(e),
                Err(SendError::Encode(e)) => {
                    send(out, &self.failure(&Failure::database_error(e.to_string()))).await?;
                    (Outcome::Failure, false)
                }
            },
            Err(reject) => {
                send(out, &self.failure(&reject.failure)).await?;
                (Outcome::Failure, reject.close)
            }
        };
        self.session.outcome(action, outcome);
        if close || self.session.state() == State::Defunct {
            return Ok(Flow::Close);
        }
        Ok(Flow::Continue)
    }

    fn failure(&self, failure: &Failure) -> Response {
        Response::Failure(failure.metadata(self.session.version()))
    }

    async fn process<W: AsyncWrite + Unpin + Send>(
        &mut self,
        action: Action,
        request: Request,
        out: &mut Outbox<W>,
    ) -> std::io::Result<Reply> {
        Ok(match (action, request) {
            (Action::Hello, Request::Hello { extra }) => self.hello(&extra).await,
            (Action::Logon, Request::Logon { auth }) => self.authenticate(&auth).await.map(|()| Done::empty()),
            (Action::Logoff, _) => {
                self.user = None;
                Ok(Done::empty())
            }
            (Action::Run { in_tx, qid }, Request::Run { query, parameters, extra }) => {
                self.run(in_tx, qid, &query, parameters, &extra).await
            }
            (Action::Pull { in_tx, qid }, Request::Pull(limit)) => {
                return self.pull(in_tx, qid, limit.n, true, out).await
            }
            (Action::Discard { in_tx, qid }, Request::Discard(limit)) => {
                return self.pull(in_tx, qid, limit.n, false, out).await
            }
            (Action::Begin, Request::Begin { extra }) => self.begin(&extra).await,
            (Action::Commit, _) => self.commit().await,
            (Action::Rollback, _) => self.rollback().await,
            (Action::Reset, _) => {
                self.close().await;
                Ok(Done::empty())
            }
            (Action::Route, Request::Route { db, imp_user, .. }) => self.route(db, imp_user).await,
            (Action::Telemetry, _) => Ok(Done::empty()),
            (action, request) => Err(Reject {
                failure: Failure::request_invalid(format!("{} cannot be processed as {action:?}", request.name())),
                close: true,
            }),
        })
    }

    /// Drops every open result and rolls back the open transaction.
    pub async fn close(&mut self) {
        self.streams.clear();
        if let Some(open) = self.tx.take() {
            if let Err(e) = open.tx.rollback().await {
                tracing::debug!(error = %e, "rollback of the open transaction failed");
            }
        }
    }

    // ------------------------------------------------------------ authentication

    async fn hello(&mut self, extra: &Dictionary) -> Reply {
        let version = self.session.version();
        let mut meta: Dictionary = vec![
            ("server".into(), SERVER_AGENT.into()),
            ("connection_id".into(), format!("bolt-{}", self.conn_id).into()),
        ];
        if !version.at_least(5, 0) {
            let asks_utc = matches!(dict_get(extra, "patch_bolt"), Some(PackValue::List(items))
                if items.iter().any(|p| p.as_str() == Some("utc")));
            if asks_utc {
                self.encoding.utc_patch = true;
                meta.push(("patch_bolt".into(), PackValue::List(vec!["utc".into()])));
            }
        }
        let mut hints = Dictionary::new();
        if let Some(seconds) = self.settings.recv_timeout_hint {
            hints.push(("connection.recv_timeout_seconds".into(), PackValue::Integer(i64::from(seconds))));
        }
        meta.push(("hints".into(), PackValue::Dictionary(hints)));
        if !version.at_least(5, 1) {
            self.authenticate(extra).await?;
        }
        Ok(Done::with(meta))
    }

    /// Checks an auth dictionary (HELLO up to 5.0, LOGON from 5.1): scheme `basic` with a
    /// principal and credentials the engine accepts, anything at all when authentication
    /// is off.
    async fn authenticate(&mut self, auth: &Dictionary) -> Result<(), Reject> {
        let text = |key: &str| dict_get(auth, key).and_then(PackValue::as_str);
        let principal = text("principal").map(str::to_string);
        if !self.engine().auth_required() {
            self.user = principal;
            return Ok(());
        }
        let accepted = match (text("scheme"), principal.as_deref(), text("credentials")) {
            (Some("basic"), Some(user), Some(password)) => self.engine().authenticate(user, password).await,
            _ => false,
        };
        if !accepted {
            tracing::debug!(user = ?principal, "Bolt authentication failed");
            return Err(Reject { failure: Failure::unauthorized(), close: true });
        }
        self.user = principal;
        Ok(())
    }

    // ------------------------------------------------------------ transactions

    /// The transaction options in a BEGIN's or an auto-commit RUN's `extra`.
    pub(super) fn tx_options(&self, extra: &Dictionary) -> Result<TxOptions, Reject> {
        let invalid = |field: &str, expected: &str| Reject {
            failure: Failure::request_invalid(format!("{field} must be {expected}")),
            close: true,
        };
        let database = match dict_get(extra, "db") {
            None | Some(PackValue::Null) => None,
            Some(PackValue::String(db)) if db.is_empty() => None,
            Some(PackValue::String(db)) => Some(db.clone()),
            Some(_) => return Err(invalid("db", "a string")),
        };
        let mode = match dict_get(extra, "mode") {
            Some(PackValue::String(m)) if m == "r" => AccessMode::Read,
            None | Some(PackValue::Null) | Some(PackValue::String(_)) => AccessMode::Write,
            Some(_) => return Err(invalid("mode", "a string")),
        };
        let metadata = match dict_get(extra, "tx_metadata") {
            None | Some(PackValue::Null) => Default::default(),
            Some(PackValue::Dictionary(d)) => convert::parameters(d.clone())?,
            Some(_) => return Err(invalid("tx_metadata", "a dictionary")),
        };
        let timeout_ms = match dict_get(extra, "tx_timeout") {
            None | Some(PackValue::Null) => None,
            Some(PackValue::Integer(ms)) => Some(*ms),
            Some(_) => return Err(invalid("tx_timeout", "an integer")),
        };
        match dict_get(extra, "imp_user") {
            None | Some(PackValue::Null) => {}
            Some(_) => return Err(CypherError::not_supported("Impersonation (imp_user) is not supported").into()),
        }
        Ok(TxOptions { database, mode, user: self.user.clone(), metadata, timeout_ms })
    }

    /// Opens a transaction; the name of its database comes with it.
    pub(super) async fn open_tx(&mut self, options: TxOptions) -> Result<OpenTx, Reject> {
        let db = options.database.clone().unwrap_or_else(|| self.engine().default_database().to_string());
        let tx = self.engine().begin(options).await?;
        Ok(OpenTx { tx, db })
    }

    async fn begin(&mut self, extra: &Dictionary) -> Reply {
        let options = self.tx_options(extra)?;
        self.tx = Some(self.open_tx(options).await?);
        Ok(Done::empty())
    }

    async fn commit(&mut self) -> Reply {
        self.streams.clear();
        let open = self.tx.take().ok_or_else(|| Failure::request_invalid("no transaction is open"))?;
        let bookmark = open.tx.commit().await?;
        Ok(Done::with(vec![("bookmark".into(), bookmark.into())]))
    }

    async fn rollback(&mut self) -> Reply {
        self.streams.clear();
        let open = self.tx.take().ok_or_else(|| Failure::request_invalid("no transaction is open"))?;
        open.tx.rollback().await?;
        Ok(Done::empty())
    }

    // ------------------------------------------------------------ routing

    /// A single-server routing table: this server writes, reads and routes.
    async fn route(&mut self, db: Option<String>, imp_user: Option<String>) -> Reply {
        if imp_user.is_some() {
            return Err(CypherError::not_supported("Impersonation (imp_user) is not supported").into());
        }
        let options = TxOptions {
            database: db.filter(|d| !d.is_empty()),
            mode: AccessMode::Read,
            user: self.user.clone(),
            ..TxOptions::default()
        };
        let open = self.open_tx(options).await?;
        let db = open.db.clone();
        if let Err(e) = open.tx.rollback().await {
            tracing::debug!(error = %e, "rollback of the ROUTE probe failed");
        }
        let addresses = PackValue::List(vec![self.settings.advertised_address.clone().into()]);
        let server = |role: &str| {
            PackValue::Dictionary(vec![("addresses".into(), addresses.clone()), ("role".into(), role.into())])
        };
        let table = vec![
            ("ttl".to_string(), PackValue::Integer(ROUTING_TTL_SECONDS)),
            ("db".to_string(), db.into()),
            ("servers".to_string(), PackValue::List(vec![server("WRITE"), server("READ"), server("ROUTE")])),
        ];
        Ok(Done::with(vec![("rt".into(), PackValue::Dictionary(table))]))
    }
}

/// Sends a response built by the listener itself (IGNORED, FAILURE), which always encodes.
async fn send<W: AsyncWrite + Unpin + Send>(out: &mut Outbox<W>, response: &Response) -> std::io::Result<()> {
    match out.send(response).await {
        Ok(()) => Ok(()),
        Err(SendError::Io(e)) => Err(e),
        Err(SendError::Encode(e)) => {
            tracing::warn!(error = %e, "a listener response could not be encoded");
            Ok(())
        }
    }
}
