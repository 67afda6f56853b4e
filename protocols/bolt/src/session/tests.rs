//! Every transition of the state machine on 4.4, 5.0 and 5.1+, and pipelined sequences as
//! drivers send them.

use super::*;
use crate::messages::StreamLimit;

const V44: Version = Version::new(4, 4);
const V50: Version = Version::new(5, 0);
const V51: Version = Version::new(5, 1);
const V54: Version = Version::new(5, 4);
const V58: Version = Version::new(5, 8);

const OK: Outcome = Outcome::SUCCESS;
const MORE: Outcome = Outcome::Success { has_more: true };
const FAIL: Outcome = Outcome::Failure;

fn hello() -> Request {
    Request::Hello { extra: vec![] }
}
fn logon() -> Request {
    Request::Logon { auth: vec![] }
}
fn run() -> Request {
    Request::Run { query: "RETURN 1".into(), parameters: vec![], extra: vec![] }
}
fn begin() -> Request {
    Request::Begin { extra: vec![] }
}
fn pull() -> Request {
    Request::Pull(StreamLimit { n: 1000, qid: LAST_QUERY })
}
fn pull_qid(qid: i64) -> Request {
    Request::Pull(StreamLimit { n: 1000, qid })
}
fn discard() -> Request {
    Request::Discard(StreamLimit { n: -1, qid: LAST_QUERY })
}
fn discard_qid(qid: i64) -> Request {
    Request::Discard(StreamLimit { n: -1, qid })
}
fn route() -> Request {
    Request::Route { routing: vec![], bookmarks: vec![], db: None, imp_user: None }
}
fn telemetry() -> Request {
    Request::Telemetry { api: 0 }
}

/// Admits `request`, expects it processed as `action`, and reports `outcome`.
fn step(session: &mut Session, request: Request, action: Action, outcome: Outcome) {
    let before = session.state();
    assert_eq!(session.admit(&request), Admission::Process(action), "{} in {before}", request.name());
    session.outcome(action, outcome);
}

fn ignored(session: &mut Session, request: Request) {
    let before = session.state();
    assert_eq!(session.admit(&request), Admission::Ignore, "{} in {before}", request.name());
    assert_eq!(session.state(), before);
}

fn violation(session: &mut Session, request: Request) -> Violation {
    let before = session.state();
    match session.admit(&request) {
        Admission::Violation(v) => {
            assert_eq!(v.state, before);
            assert_eq!(v.request, request.name());
            assert_eq!(session.state(), State::Defunct);
            v
        }
        other => panic!("{} in {before}: expected a violation, got {other:?}", request.name()),
    }
}

/// A session logged on and READY.
fn ready(version: Version) -> Session {
    let mut s = Session::new(version);
    step(&mut s, hello(), Action::Hello, OK);
    if version.at_least(5, 1) {
        assert_eq!(s.state(), State::Authentication);
        step(&mut s, logon(), Action::Logon, OK);
    }
    assert_eq!(s.state(), State::Ready);
    assert!(s.authenticated());
    s
}

fn streaming(version: Version) -> Session {
    let mut s = ready(version);
    step(&mut s, run(), Action::Run { in_tx: false, qid: LAST_QUERY }, OK);
    assert_eq!(s.state(), State::Streaming);
    s
}

fn tx_ready(version: Version) -> Session {
    let mut s = ready(version);
    step(&mut s, begin(), Action::Begin, OK);
    assert_eq!(s.state(), State::TxReady);
    assert!(s.in_transaction());
    s
}

fn tx_streaming(version: Version) -> Session {
    let mut s = tx_ready(version);
    step(&mut s, run(), Action::Run { in_tx: true, qid: 0 }, OK);
    assert_eq!(s.state(), State::TxStreaming);
    s
}

fn failed(version: Version) -> Session {
    let mut s = ready(version);
    step(&mut s, run(), Action::Run { in_tx: false, qid: LAST_QUERY }, FAIL);
    assert_eq!(s.state(), State::Failed);
    s
}

// --- CONNECTED and authentication ---

#[test]
fn hello_on_44_and_50_goes_straight_to_ready() {
    for v in [V44, V50] {
        let mut s = Session::new(v);
        assert_eq!(s.state(), State::Connected);
        assert!(!s.authenticated());
        step(&mut s, hello(), Action::Hello, OK);
        assert_eq!(s.state(), State::Ready);
        assert!(s.authenticated());
    }
}

#[test]
fn hello_on_51_and_later_goes_to_authentication_then_logon_to_ready() {
    for v in [V51, V54, V58] {
        let mut s = Session::new(v);
        step(&mut s, hello(), Action::Hello, OK);
        assert_eq!(s.state(), State::Authentication);
        assert!(!s.authenticated());
        step(&mut s, logon(), Action::Logon, OK);
        assert_eq!(s.state(), State::Ready);
        assert!(s.authenticated());
    }
}

#[test]
fn hello_failure_and_logon_failure_are_defunct() {
    let mut s = Session::new(V44);
    step(&mut s, hello(), Action::Hello, FAIL);
    assert_eq!(s.state(), State::Defunct);
    let mut s = Session::new(V51);
    step(&mut s, hello(), Action::Hello, OK);
    step(&mut s, logon(), Action::Logon, FAIL);
    assert_eq!(s.state(), State::Defunct);
}

#[test]
fn anything_but_hello_before_hello_is_a_violation() {
    for request in [run(), begin(), pull(), Request::Commit, Request::Reset, route(), logon()] {
        let mut s = Session::new(V58);
        let v = violation(&mut s, request);
        assert_eq!(v.state, State::Connected);
    }
}

#[test]
fn goodbye_is_allowed_before_hello() {
    let mut s = Session::new(V44);
    assert_eq!(s.admit(&Request::Goodbye), Admission::Process(Action::Goodbye));
    assert_eq!(s.state(), State::Defunct);
}

#[test]
fn hello_twice_is_a_violation() {
    violation(&mut ready(V44), hello());
    let mut s = Session::new(V51);
    step(&mut s, hello(), Action::Hello, OK);
    violation(&mut s, hello());
    violation(&mut tx_ready(V58), hello());
}

#[test]
fn logon_and_logoff_are_unknown_before_51() {
    for v in [V44, V50] {
        let e = violation(&mut ready(v), logon());
        assert_eq!(e.reason, "not a message of this protocol version");
        violation(&mut ready(v), Request::Logoff);
        // Even where everything else is IGNORED.
        violation(&mut failed(v), logon());
    }
}

#[test]
fn authentication_allows_only_logon_reset_and_goodbye() {
    for request in [run(), begin(), pull(), Request::Commit, Request::Rollback, route(), Request::Logoff, telemetry()] {
        let mut s = Session::new(V54);
        step(&mut s, hello(), Action::Hello, OK);
        let v = violation(&mut s, request);
        assert_eq!(v.state, State::Authentication);
    }
    let mut s = Session::new(V51);
    step(&mut s, hello(), Action::Hello, OK);
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Authentication);
    assert_eq!(s.admit(&Request::Goodbye), Admission::Process(Action::Goodbye));
    assert_eq!(s.state(), State::Defunct);
}

#[test]
fn logon_twice_is_a_violation() {
    violation(&mut ready(V51), logon());
}

#[test]
fn logoff_goes_back_to_authentication_and_its_failure_to_failed() {
    let mut s = ready(V51);
    step(&mut s, Request::Logoff, Action::Logoff, OK);
    assert_eq!(s.state(), State::Authentication);
    assert!(!s.authenticated());
    violation(&mut s, run());

    let mut s = ready(V51);
    step(&mut s, Request::Logoff, Action::Logoff, FAIL);
    assert_eq!(s.state(), State::Failed);
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn logoff_only_in_ready() {
    violation(&mut streaming(V51), Request::Logoff);
    violation(&mut tx_ready(V51), Request::Logoff);
    violation(&mut tx_streaming(V51), Request::Logoff);
}

// --- READY ---

#[test]
fn run_in_ready_streams_and_its_failure_fails() {
    let s = streaming(V44);
    assert!(!s.in_transaction());
    let s = failed(V58);
    assert!(!s.in_transaction());
}

#[test]
fn begin_in_ready_opens_a_transaction_and_its_failure_fails() {
    tx_ready(V44);
    let mut s = ready(V50);
    step(&mut s, begin(), Action::Begin, FAIL);
    assert_eq!(s.state(), State::Failed);
}

#[test]
fn route_stays_ready_and_its_failure_fails() {
    let mut s = ready(V44);
    step(&mut s, route(), Action::Route, OK);
    assert_eq!(s.state(), State::Ready);
    step(&mut s, route(), Action::Route, FAIL);
    assert_eq!(s.state(), State::Failed);
}

#[test]
fn route_only_in_ready() {
    violation(&mut streaming(V44), route());
    violation(&mut tx_ready(V44), route());
}

#[test]
fn telemetry_from_54_in_ready() {
    let mut s = ready(V54);
    step(&mut s, telemetry(), Action::Telemetry, OK);
    assert_eq!(s.state(), State::Ready);
    step(&mut s, telemetry(), Action::Telemetry, FAIL);
    assert_eq!(s.state(), State::Failed);
    for v in [V44, V50, V51, Version::new(5, 3)] {
        violation(&mut ready(v), telemetry());
    }
    violation(&mut tx_ready(V58), telemetry());
}

#[test]
fn pull_or_discard_with_nothing_to_stream_is_a_violation() {
    let v = violation(&mut ready(V44), pull());
    assert_eq!(v.reason, "there is no open result to stream");
    violation(&mut ready(V58), discard());
    violation(&mut tx_ready(V58), pull());
    violation(&mut tx_ready(V44), discard());
}

#[test]
fn commit_or_rollback_outside_a_transaction_is_a_violation() {
    let v = violation(&mut ready(V44), Request::Commit);
    assert_eq!(v.reason, "no transaction is open");
    assert_eq!(v.to_string(), "COMMIT is not allowed in state READY (Bolt 4.4): no transaction is open");
    violation(&mut ready(V58), Request::Rollback);
    violation(&mut streaming(V58), Request::Commit);
}

#[test]
fn reset_in_ready_stays_ready() {
    let mut s = ready(V58);
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn reset_failure_is_defunct() {
    let mut s = failed(V44);
    step(&mut s, Request::Reset, Action::Reset, FAIL);
    assert_eq!(s.state(), State::Defunct);
}

#[test]
fn goodbye_from_every_live_state_is_defunct() {
    let sessions = [ready(V58), streaming(V58), tx_ready(V58), tx_streaming(V58), failed(V58)];
    for mut s in sessions {
        assert_eq!(s.admit(&Request::Goodbye), Admission::Process(Action::Goodbye));
        assert_eq!(s.state(), State::Defunct);
        s.outcome(Action::Goodbye, OK);
        assert_eq!(s.state(), State::Defunct);
    }
    let mut s = ready(V58);
    s.interrupt();
    assert_eq!(s.admit(&Request::Goodbye), Admission::Process(Action::Goodbye));
}

#[test]
fn defunct_refuses_everything() {
    let mut s = ready(V44);
    violation(&mut s, Request::Commit);
    let v = violation(&mut s, run());
    assert_eq!(v.state, State::Defunct);
    assert_eq!(v.reason, "the connection is closed");
    violation(&mut s, Request::Reset);
    violation(&mut s, Request::Goodbye);
    violation(&mut s, logon());
    s.interrupt();
    assert_eq!(s.state(), State::Defunct);
    s.outcome(Action::Reset, OK);
    assert_eq!(s.state(), State::Defunct);
}

// --- STREAMING ---

#[test]
fn pull_with_has_more_keeps_streaming_and_without_returns_to_ready() {
    let mut s = streaming(V44);
    step(&mut s, pull(), Action::Pull { in_tx: false, qid: LAST_QUERY }, MORE);
    assert_eq!(s.state(), State::Streaming);
    step(&mut s, pull(), Action::Pull { in_tx: false, qid: LAST_QUERY }, OK);
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn discard_in_streaming() {
    let mut s = streaming(V58);
    step(&mut s, discard(), Action::Discard { in_tx: false, qid: LAST_QUERY }, MORE);
    assert_eq!(s.state(), State::Streaming);
    step(&mut s, discard(), Action::Discard { in_tx: false, qid: LAST_QUERY }, OK);
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn pull_failure_in_streaming_fails() {
    let mut s = streaming(V58);
    step(&mut s, pull(), Action::Pull { in_tx: false, qid: LAST_QUERY }, FAIL);
    assert_eq!(s.state(), State::Failed);
}

#[test]
fn an_auto_commit_result_has_no_qid() {
    let v = violation(&mut streaming(V58), pull_qid(0));
    assert_eq!(v.reason, "an auto-commit result has no qid");
}

#[test]
fn run_or_begin_while_streaming_is_a_violation() {
    violation(&mut streaming(V44), run());
    violation(&mut streaming(V58), begin());
}

#[test]
fn reset_while_streaming_returns_to_ready() {
    let mut s = streaming(V58);
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Ready);
}

// --- transactions ---

#[test]
fn begin_inside_a_transaction_is_a_violation() {
    let v = violation(&mut tx_ready(V44), begin());
    assert_eq!(v.reason, "a transaction is already open");
    violation(&mut tx_streaming(V58), begin());
}

#[test]
fn commit_and_rollback_from_tx_ready() {
    let mut s = tx_ready(V44);
    step(&mut s, Request::Commit, Action::Commit, OK);
    assert_eq!(s.state(), State::Ready);
    assert!(!s.in_transaction());
    let mut s = tx_ready(V58);
    step(&mut s, Request::Rollback, Action::Rollback, OK);
    assert_eq!(s.state(), State::Ready);
    assert!(!s.in_transaction());
}

#[test]
fn commit_failure_fails_and_ends_the_transaction() {
    let mut s = tx_ready(V58);
    step(&mut s, Request::Commit, Action::Commit, FAIL);
    assert_eq!(s.state(), State::Failed);
    assert!(!s.in_transaction());
    let mut s = tx_ready(V58);
    step(&mut s, Request::Rollback, Action::Rollback, FAIL);
    assert_eq!(s.state(), State::Failed);
}

#[test]
fn run_in_a_transaction_numbers_its_streams() {
    let mut s = tx_streaming(V58);
    assert_eq!(s.open_streams(), &[0]);
    step(&mut s, run(), Action::Run { in_tx: true, qid: 1 }, OK);
    step(&mut s, run(), Action::Run { in_tx: true, qid: 2 }, OK);
    assert_eq!(s.open_streams(), &[0, 1, 2]);
    // qid -1 is the last RUN.
    step(&mut s, pull(), Action::Pull { in_tx: true, qid: 2 }, OK);
    assert_eq!(s.open_streams(), &[0, 1]);
    assert_eq!(s.state(), State::TxStreaming);
    let v = violation(&mut s.clone(), pull());
    assert_eq!(v.reason, "the last query's result is already consumed");
    step(&mut s, pull_qid(0), Action::Pull { in_tx: true, qid: 0 }, MORE);
    assert_eq!(s.open_streams(), &[0, 1]);
    step(&mut s, discard_qid(0), Action::Discard { in_tx: true, qid: 0 }, OK);
    step(&mut s, pull_qid(1), Action::Pull { in_tx: true, qid: 1 }, OK);
    assert_eq!(s.state(), State::TxReady);
    assert!(s.open_streams().is_empty());
    // The next RUN in the same transaction keeps counting.
    step(&mut s, run(), Action::Run { in_tx: true, qid: 3 }, OK);
    assert_eq!(s.state(), State::TxStreaming);
}

#[test]
fn qids_restart_with_each_transaction() {
    let mut s = tx_streaming(V58);
    step(&mut s, pull(), Action::Pull { in_tx: true, qid: 0 }, OK);
    step(&mut s, Request::Commit, Action::Commit, OK);
    step(&mut s, begin(), Action::Begin, OK);
    step(&mut s, run(), Action::Run { in_tx: true, qid: 0 }, OK);
}

#[test]
fn pull_of_an_unknown_qid_is_a_violation() {
    let v = violation(&mut tx_streaming(V58), pull_qid(7));
    assert_eq!(v.reason, "no open result has this qid");
}

#[test]
fn run_failure_in_a_transaction_fails_and_keeps_it_for_reset() {
    let mut s = tx_ready(V58);
    step(&mut s, run(), Action::Run { in_tx: true, qid: 0 }, FAIL);
    assert_eq!(s.state(), State::Failed);
    assert!(s.in_transaction());
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Ready);
    assert!(!s.in_transaction());
}

#[test]
fn pull_failure_in_a_transaction_fails() {
    let mut s = tx_streaming(V44);
    step(&mut s, pull(), Action::Pull { in_tx: true, qid: 0 }, FAIL);
    assert_eq!(s.state(), State::Failed);
}

#[test]
fn commit_with_streams_still_open() {
    let mut s = tx_streaming(V58);
    step(&mut s, Request::Commit, Action::Commit, OK);
    assert_eq!(s.state(), State::Ready);
    assert!(s.open_streams().is_empty());
    let mut s = tx_streaming(V44);
    step(&mut s, Request::Rollback, Action::Rollback, OK);
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn reset_in_a_transaction_ends_it() {
    for mut s in [tx_ready(V58), tx_streaming(V58)] {
        step(&mut s, Request::Reset, Action::Reset, OK);
        assert_eq!(s.state(), State::Ready);
        assert!(!s.in_transaction());
        assert!(s.open_streams().is_empty());
    }
}

// --- FAILED and INTERRUPTED ---

#[test]
fn failed_ignores_everything_but_reset_and_goodbye() {
    let mut s = failed(V58);
    for request in [run(), pull(), discard(), begin(), Request::Commit, Request::Rollback, route(), hello(), logon()] {
        ignored(&mut s, request);
    }
    ignored(&mut s, Request::Logoff);
    ignored(&mut s, telemetry());
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn reset_after_logoff_returns_to_authentication() {
    let mut s = ready(V51);
    step(&mut s, Request::Logoff, Action::Logoff, OK);
    s.interrupt();
    ignored(&mut s, logon());
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Authentication);
}

#[test]
fn interrupt_ignores_until_the_reset() {
    let mut s = streaming(V58);
    s.interrupt();
    assert_eq!(s.state(), State::Interrupted);
    ignored(&mut s, pull());
    ignored(&mut s, run());
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn interrupt_before_hello_does_nothing() {
    let mut s = Session::new(V58);
    s.interrupt();
    assert_eq!(s.state(), State::Connected);
}

#[test]
fn a_request_finishing_after_the_interrupt_stays_interrupted() {
    // A long PULL is running when the RESET arrives.
    let mut s = streaming(V58);
    let action = Action::Pull { in_tx: false, qid: LAST_QUERY };
    assert_eq!(s.admit(&pull()), Admission::Process(action));
    s.interrupt();
    s.outcome(action, OK);
    assert_eq!(s.state(), State::Interrupted);
    s.outcome(action, FAIL);
    assert_eq!(s.state(), State::Interrupted);
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Ready);

    // A BEGIN that succeeds behind the interrupt still opens the transaction the RESET ends.
    let mut s = ready(V58);
    assert_eq!(s.admit(&begin()), Admission::Process(Action::Begin));
    s.interrupt();
    s.outcome(Action::Begin, OK);
    assert_eq!(s.state(), State::Interrupted);
    assert!(s.in_transaction());
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert!(!s.in_transaction());
}

#[test]
fn two_queued_resets_leave_interrupted_only_after_the_second() {
    let mut s = tx_streaming(V58);
    s.interrupt();
    s.interrupt();
    ignored(&mut s, pull());
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Interrupted);
    ignored(&mut s, run());
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn a_failure_while_interrupted_still_closes_on_hello_logon_reset() {
    let mut s = ready(V58);
    s.interrupt();
    step(&mut s, Request::Reset, Action::Reset, FAIL);
    assert_eq!(s.state(), State::Defunct);
}

// --- pipelined sequences ---

#[test]
fn pipeline_run_pull_run_fails_pull_ignored_reset() {
    let mut s = Session::new(V44);
    step(&mut s, hello(), Action::Hello, OK);
    step(&mut s, run(), Action::Run { in_tx: false, qid: LAST_QUERY }, OK);
    step(&mut s, pull(), Action::Pull { in_tx: false, qid: LAST_QUERY }, OK);
    step(&mut s, run(), Action::Run { in_tx: false, qid: LAST_QUERY }, FAIL);
    ignored(&mut s, pull());
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Ready);
    step(&mut s, run(), Action::Run { in_tx: false, qid: LAST_QUERY }, OK);
    assert_eq!(s.state(), State::Streaming);
}

#[test]
fn pipeline_begin_run_pull_more_pull_commit() {
    let mut s = ready(V58);
    step(&mut s, begin(), Action::Begin, OK);
    step(&mut s, run(), Action::Run { in_tx: true, qid: 0 }, OK);
    step(&mut s, pull(), Action::Pull { in_tx: true, qid: 0 }, MORE);
    assert_eq!(s.state(), State::TxStreaming);
    step(&mut s, pull(), Action::Pull { in_tx: true, qid: 0 }, OK);
    assert_eq!(s.state(), State::TxReady);
    step(&mut s, Request::Commit, Action::Commit, OK);
    assert_eq!(s.state(), State::Ready);
    assert!(!s.in_transaction());
}

#[test]
fn pipeline_hello_logon_logoff_logon() {
    let mut s = Session::new(V51);
    step(&mut s, hello(), Action::Hello, OK);
    step(&mut s, logon(), Action::Logon, OK);
    step(&mut s, run(), Action::Run { in_tx: false, qid: LAST_QUERY }, OK);
    step(&mut s, discard(), Action::Discard { in_tx: false, qid: LAST_QUERY }, OK);
    step(&mut s, Request::Logoff, Action::Logoff, OK);
    assert_eq!(s.state(), State::Authentication);
    step(&mut s, logon(), Action::Logon, OK);
    assert_eq!(s.state(), State::Ready);
    step(&mut s, route(), Action::Route, FAIL);
    assert_eq!(s.state(), State::Failed);
}

#[test]
fn pipeline_telemetry_begin_run_pull_rollback_route() {
    let mut s = ready(V54);
    step(&mut s, telemetry(), Action::Telemetry, OK);
    step(&mut s, begin(), Action::Begin, OK);
    step(&mut s, run(), Action::Run { in_tx: true, qid: 0 }, OK);
    step(&mut s, pull(), Action::Pull { in_tx: true, qid: 0 }, OK);
    step(&mut s, Request::Rollback, Action::Rollback, OK);
    step(&mut s, route(), Action::Route, OK);
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn pipeline_failed_transaction_ignores_the_rest_until_reset() {
    let mut s = ready(V50);
    step(&mut s, begin(), Action::Begin, OK);
    step(&mut s, run(), Action::Run { in_tx: true, qid: 0 }, OK);
    step(&mut s, pull(), Action::Pull { in_tx: true, qid: 0 }, FAIL);
    ignored(&mut s, run());
    ignored(&mut s, pull());
    ignored(&mut s, Request::Commit);
    step(&mut s, Request::Reset, Action::Reset, OK);
    assert_eq!(s.state(), State::Ready);
    assert!(!s.in_transaction());
}

#[test]
fn state_names() {
    let names: Vec<String> = [
        State::Connected,
        State::Authentication,
        State::Ready,
        State::Streaming,
        State::TxReady,
        State::TxStreaming,
        State::Failed,
        State::Interrupted,
        State::Defunct,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        names,
        [
            "CONNECTED",
            "AUTHENTICATION",
            "READY",
            "STREAMING",
            "TX_READY",
            "TX_STREAMING",
            "FAILED",
            "INTERRUPTED",
            "DEFUNCT"
        ]
    );
}
