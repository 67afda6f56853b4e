//! The Bolt server state machine of one connection: which request is allowed in which
//! state, and where its answer leads. Pure bookkeeping, no I/O and no engine.
//!
//! For every request read off the wire the listener asks [`Session::admit`]: process it
//! (as an [`Action`] that says whether it runs inside an explicit transaction and, for
//! RUN/PULL/DISCARD, which result stream it names), answer IGNORED (everything but
//! RESET and GOODBYE while FAILED or INTERRUPTED), or refuse it as a [`Violation`] — the
//! listener then answers FAILURE and closes, the session being DEFUNCT already. After
//! processing it reports the SUCCESS or FAILURE it sent with [`Session::outcome`], which
//! applies the transition; IGNORED requests need no outcome. Pipelined requests are
//! admitted one after the other in arrival order, each after the previous outcome.
//!
//! On 4.4 and 5.0 HELLO carries the credentials and leads to READY; from 5.1 it leads to
//! AUTHENTICATION, and LOGON (to READY) and LOGOFF (back to AUTHENTICATION) move between
//! them. HELLO, LOGON and RESET failing leave the connection DEFUNCT; any other failure
//! leaves it FAILED until a RESET. A listener that sees a RESET waiting behind a long
//! request calls [`Session::interrupt`] once per such RESET: every request up to that RESET
//! is IGNORED, and the session leaves INTERRUPTED when the last counted RESET succeeds.
//!
//! Inside an explicit transaction each successful RUN opens a result stream numbered from
//! 0 (its `qid`, which the RUN SUCCESS carries); PULL and DISCARD name one with `qid`, -1
//! for the last RUN, and a stream ends with a PULL or DISCARD without `has_more`. COMMIT
//! and ROLLBACK are admitted with streams still open (the engine drops them), as Neo4j
//! does. An auto-commit RUN opens the one stream of STREAMING, which has no qid.

use crate::handshake::Version;
use crate::messages::{Request, LAST_QUERY};

/// The server states of the Bolt specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Handshake done, waiting for HELLO.
    Connected,
    /// 5.1+: after HELLO or LOGOFF, waiting for LOGON.
    Authentication,
    Ready,
    /// An auto-commit result is open.
    Streaming,
    /// In an explicit transaction with no result open.
    TxReady,
    /// In an explicit transaction with one or more results open.
    TxStreaming,
    /// A request failed; everything but RESET and GOODBYE is IGNORED.
    Failed,
    /// A RESET is on its way; everything before it is IGNORED.
    Interrupted,
    /// Closed, or about to be.
    Defunct,
}

impl State {
    /// The name as the Bolt documentation spells it.
    pub fn name(self) -> &'static str {
        match self {
            State::Connected => "CONNECTED",
            State::Authentication => "AUTHENTICATION",
            State::Ready => "READY",
            State::Streaming => "STREAMING",
            State::TxReady => "TX_READY",
            State::TxStreaming => "TX_STREAMING",
            State::Failed => "FAILED",
            State::Interrupted => "INTERRUPTED",
            State::Defunct => "DEFUNCT",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An admitted request, as the caller processes it and reports it back to
/// [`Session::outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Hello,
    Logon,
    Logoff,
    /// `qid` is the stream this RUN opens if it succeeds: numbered within the transaction
    /// when `in_tx`, [`LAST_QUERY`] (and not sent) in auto-commit.
    Run {
        in_tx: bool,
        qid: i64,
    },
    /// `qid` is the open stream to read, never [`LAST_QUERY`] inside a transaction;
    /// [`LAST_QUERY`] for the auto-commit stream.
    Pull {
        in_tx: bool,
        qid: i64,
    },
    Discard {
        in_tx: bool,
        qid: i64,
    },
    Begin,
    Commit,
    Rollback,
    /// The caller rolls back any open transaction ([`Session::in_transaction`]) and drops
    /// every open result.
    Reset,
    /// No answer: the caller closes the connection. The session is DEFUNCT already.
    Goodbye,
    Route,
    Telemetry,
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Process it, answer SUCCESS or FAILURE, then report that to [`Session::outcome`].
    Process(Action),
    /// Answer IGNORED; the state does not change.
    Ignore,
    /// Answer FAILURE (Neo.ClientError.Request.Invalid) and close: the session is DEFUNCT.
    Violation(Violation),
}

/// A request the protocol does not allow where it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub request: &'static str,
    pub state: State,
    pub version: Version,
    pub reason: &'static str,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is not allowed in state {} (Bolt {}): {}", self.request, self.state, self.version, self.reason)
    }
}

/// The summary the caller answered an admitted request with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `has_more` is what a PULL or DISCARD SUCCESS says; false for every other request.
    Success {
        has_more: bool,
    },
    Failure,
}

impl Outcome {
    /// A SUCCESS that is not a partial PULL or DISCARD.
    pub const SUCCESS: Outcome = Outcome::Success { has_more: false };
}

/// The state of one Bolt connection.
#[derive(Debug, Clone)]
pub struct Session {
    version: Version,
    state: State,
    /// Logged on (HELLO on 4.4/5.0, LOGON from 5.1) and not logged off since.
    authenticated: bool,
    /// An explicit transaction is open, including while FAILED or INTERRUPTED from one.
    in_tx: bool,
    /// The qids of the transaction's open result streams, oldest first.
    open: Vec<i64>,
    /// The qid of the transaction's last successful RUN.
    last_qid: Option<i64>,
    next_qid: i64,
    /// RESETs announced through [`Session::interrupt`] and not yet processed.
    interrupts: u32,
}

impl Session {
    /// A connection that has just finished the handshake on `version`.
    pub fn new(version: Version) -> Self {
        Session {
            version,
            state: State::Connected,
            authenticated: false,
            in_tx: false,
            open: Vec::new(),
            last_qid: None,
            next_qid: 0,
            interrupts: 0,
        }
    }

    pub fn version(&self) -> Version {
        self.version
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// True between a successful BEGIN and its COMMIT, ROLLBACK or RESET, also while
    /// FAILED or INTERRUPTED in between.
    pub fn in_transaction(&self) -> bool {
        self.in_tx
    }

    pub fn authenticated(&self) -> bool {
        self.authenticated
    }

    /// The qids of the open result streams of the explicit transaction, oldest first.
    pub fn open_streams(&self) -> &[i64] {
        &self.open
    }

    /// True when the request is unknown to the negotiated version (LOGON and LOGOFF before
    /// 5.1, TELEMETRY before 5.4).
    fn unknown_in_version(&self, request: &Request) -> bool {
        match request {
            Request::Logon { .. } | Request::Logoff => !self.version.at_least(5, 1),
            Request::Telemetry { .. } => !self.version.at_least(5, 4),
            _ => false,
        }
    }

    /// Decides what to do with `request` in the current state. A violation leaves the
    /// session DEFUNCT, and so does GOODBYE.
    pub fn admit(&mut self, request: &Request) -> Admission {
        let name = request.name();
        if self.unknown_in_version(request) && self.state != State::Defunct {
            return self.violation(name, "not a message of this protocol version");
        }
        let admitted = match (self.state, request) {
            (State::Defunct, _) => Err("the connection is closed"),
            (_, Request::Goodbye) => {
                self.state = State::Defunct;
                Ok(Action::Goodbye)
            }

            (State::Failed | State::Interrupted, Request::Reset) => Ok(Action::Reset),
            (State::Failed | State::Interrupted, _) => return Admission::Ignore,

            (State::Connected, Request::Hello { .. }) => Ok(Action::Hello),
            (_, Request::Hello { .. }) => Err("HELLO was already sent"),
            (State::Connected, _) => Err("the first message must be HELLO"),

            (_, Request::Reset) => Ok(Action::Reset),

            (State::Authentication, Request::Logon { .. }) => Ok(Action::Logon),
            (_, Request::Logon { .. }) => Err("already logged on; LOGOFF first"),
            (State::Authentication, _) => Err("not logged on; LOGON first"),

            (State::Ready, Request::Run { .. }) => Ok(Action::Run { in_tx: false, qid: LAST_QUERY }),
            (State::TxReady | State::TxStreaming, Request::Run { .. }) => {
                Ok(Action::Run { in_tx: true, qid: self.next_qid })
            }
            (State::Streaming, Request::Run { .. }) => Err("the open result must be pulled or discarded first"),

            (State::Ready, Request::Begin { .. }) => Ok(Action::Begin),
            (State::Streaming, Request::Begin { .. }) => Err("the open result must be pulled or discarded first"),
            (_, Request::Begin { .. }) => Err("a transaction is already open"),

            (State::TxReady | State::TxStreaming, Request::Commit) => Ok(Action::Commit),
            (State::TxReady | State::TxStreaming, Request::Rollback) => Ok(Action::Rollback),
            (_, Request::Commit | Request::Rollback) => Err("no transaction is open"),

            (_, Request::Pull(limit) | Request::Discard(limit)) => self.stream(request, limit.qid),

            (State::Ready, Request::Route { .. }) => Ok(Action::Route),
            (_, Request::Route { .. }) => Err("ROUTE is only allowed outside a transaction with no open result"),
            (State::Ready, Request::Logoff) => Ok(Action::Logoff),
            (_, Request::Logoff) => Err("LOGOFF is only allowed outside a transaction with no open result"),
            (State::Ready, Request::Telemetry { .. }) => Ok(Action::Telemetry),
            (_, Request::Telemetry { .. }) => {
                Err("TELEMETRY is only allowed outside a transaction with no open result")
            }
        };
        match admitted {
            Ok(action) => Admission::Process(action),
            Err(reason) => self.violation(name, reason),
        }
    }

    /// PULL or DISCARD naming `qid` (already checked to be -1 or more by the codec).
    fn stream(&self, request: &Request, qid: i64) -> Result<Action, &'static str> {
        let in_tx = match self.state {
            State::Streaming if qid == LAST_QUERY => false,
            State::Streaming => return Err("an auto-commit result has no qid"),
            State::TxStreaming => true,
            _ => return Err("there is no open result to stream"),
        };
        let qid = if !in_tx {
            LAST_QUERY
        } else if qid == LAST_QUERY {
            match self.last_qid {
                Some(last) if self.open.contains(&last) => last,
                _ => return Err("the last query's result is already consumed"),
            }
        } else if self.open.contains(&qid) {
            qid
        } else {
            return Err("no open result has this qid");
        };
        Ok(match request {
            Request::Pull(_) => Action::Pull { in_tx, qid },
            _ => Action::Discard { in_tx, qid },
        })
    }

    fn violation(&mut self, request: &'static str, reason: &'static str) -> Admission {
        let violation = Violation { request, state: self.state, version: self.version, reason };
        self.state = State::Defunct;
        Admission::Violation(violation)
    }

    /// Applies the transition of `action` (as [`Session::admit`] returned it) answered
    /// with `outcome`.
    pub fn outcome(&mut self, action: Action, outcome: Outcome) {
        if self.state == State::Defunct {
            return;
        }
        let interrupted = self.state == State::Interrupted && action != Action::Reset;
        let next = match outcome {
            Outcome::Success { has_more } => self.succeeded(action, has_more),
            Outcome::Failure => match action {
                Action::Hello | Action::Logon | Action::Reset | Action::Goodbye => State::Defunct,
                Action::Commit | Action::Rollback => {
                    self.end_transaction();
                    State::Failed
                }
                _ => State::Failed,
            },
        };
        self.state = if interrupted && next != State::Defunct { State::Interrupted } else { next };
    }

    /// The state after `action` succeeded, with the bookkeeping done.
    fn succeeded(&mut self, action: Action, has_more: bool) -> State {
        match action {
            Action::Hello if self.version.at_least(5, 1) => State::Authentication,
            Action::Hello | Action::Logon => {
                self.authenticated = true;
                State::Ready
            }
            Action::Logoff => {
                self.authenticated = false;
                State::Authentication
            }
            Action::Run { in_tx: false, .. } => State::Streaming,
            Action::Run { in_tx: true, qid } => {
                self.open.push(qid);
                self.last_qid = Some(qid);
                self.next_qid = qid + 1;
                State::TxStreaming
            }
            Action::Pull { in_tx: false, .. } | Action::Discard { in_tx: false, .. } => {
                if has_more {
                    State::Streaming
                } else {
                    State::Ready
                }
            }
            Action::Pull { in_tx: true, qid } | Action::Discard { in_tx: true, qid } => {
                if !has_more {
                    self.open.retain(|&open| open != qid);
                }
                if self.open.is_empty() {
                    State::TxReady
                } else {
                    State::TxStreaming
                }
            }
            Action::Begin => {
                self.in_tx = true;
                self.open.clear();
                self.last_qid = None;
                self.next_qid = 0;
                State::TxReady
            }
            Action::Commit | Action::Rollback => {
                self.end_transaction();
                State::Ready
            }
            Action::Reset => {
                self.end_transaction();
                self.interrupts = self.interrupts.saturating_sub(1);
                if self.interrupts > 0 {
                    State::Interrupted
                } else if self.authenticated {
                    State::Ready
                } else {
                    State::Authentication
                }
            }
            Action::Goodbye => State::Defunct,
            Action::Route | Action::Telemetry => State::Ready,
        }
    }

    fn end_transaction(&mut self) {
        self.in_tx = false;
        self.open.clear();
        self.last_qid = None;
        self.next_qid = 0;
    }

    /// A RESET is queued behind the request being processed: every request up to it is
    /// IGNORED. Call once per such RESET; nothing happens before HELLO or once DEFUNCT.
    pub fn interrupt(&mut self) {
        if matches!(self.state, State::Connected | State::Defunct) {
            return;
        }
        self.interrupts += 1;
        self.state = State::Interrupted;
    }
}

#[cfg(test)]
mod tests;
