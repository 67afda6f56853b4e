"""Runs the openCypher TCK (the feature files of ../shared/opencypher-tck) against Orbit's
Bolt listener through the Neo4j Python driver and compares the outcome with the committed
baseline of passing case ids (tests/tck/passing.txt).

    python3 tck.py --server BIN | --uri bolt://HOST:PORT  [options]

--ci                 only the feature files listed in ci.txt (one per feature area)
--only TEXT          only the cases whose id contains TEXT (repeatable)
--update-baseline    rewrite passing.txt from this run (full runs only)
--timeout S          per-case time limit (default 10 s): a case over it is errored, the
                     driver is replaced and the server restarted if it stopped answering
--log FILE           the reason of every case that did not pass

Every case starts from an empty graph: before it, `MATCH (n) DETACH DELETE n`, the test
procedures cleared after a case that defined some (CALL orbit.tck.clearProcedures()) and
indexes/constraints dropped after a case that names them; a reset that fails restarts the
server on a fresh data directory. Outcomes: passed; failed (the server answered, wrongly);
errored (timeout, lost connection, server exit, harness trouble).

The report prints passed/failed/errored per feature area (clauses, expressions, useCases)
and second level (clauses/match, ...), the totals with the number of expanded cases (3,897
for TCK 2024.3, checked against counts.json on a full run), the failure categories and the
detail of the expected errors among the failed error cases (UndefinedVariable, ...; the
TCK's details have no Neo4j status code, so they are reported, not checked). Exit status 1
when a case of the baseline that ran did not pass (a regression), 0 otherwise.
"""

import argparse
import collections
import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gherkin  # noqa: E402
import runner  # noqa: E402


class CaseTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so that no `except Exception` in the driver
    swallows it."""


def _alarm(_signum, _frame):
    raise CaseTimeout()


class TimeLimit:
    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        return False


class Target:
    """The driver and, when the harness started it, the server behind it."""

    def __init__(self, args):
        import neo4j

        self.neo4j = neo4j
        self.args = args
        self.server = None
        self.driver = None
        self.restarts = 0
        if args.server:
            import server

            self.server = server.Server(args.server)
            port = self.server.start()
            self.uri = f"bolt://127.0.0.1:{port}"
        else:
            self.uri = args.uri
        self.auth = (os.environ.get("ORBIT_TCK_USER", "neo4j"), os.environ.get("ORBIT_TCK_PASSWORD", "password"))

    def session(self):
        if self.driver is None:
            self.driver = self.neo4j.GraphDatabase.driver(
                self.uri, auth=self.auth, connection_timeout=5.0, connection_acquisition_timeout=10.0,
                max_connection_pool_size=4)
        return self.driver.session()

    def in_session(self, seconds, fn):
        """fn(session) in a new session, opening and closing it within the time limit (a
        session left open by a timeout is abandoned with its driver, never closed without
        a limit)."""
        with TimeLimit(seconds):
            s = self.session()
            result = fn(s)
            s.close()
        return result

    def drop_driver(self):
        d, self.driver = self.driver, None
        if d is not None:
            try:
                with TimeLimit(5):
                    d.close()
            except (Exception, CaseTimeout):
                pass

    def answering(self):
        try:
            r = self.in_session(10, lambda s: runner.execute(s, "RETURN 1 AS x"))
            return isinstance(r, runner.QueryResult)
        except (Exception, CaseTimeout):
            self.drop_driver()
            return False

    def recover(self, why):
        """After a timeout or a lost connection: a new driver, and a restarted server when
        it does not answer. False when there is nothing more to try."""
        self.drop_driver()
        if self.server is None:
            return self.answering()
        if self.server.alive() and self.answering():
            return True
        print(f"tck: restarting the server ({why})", file=sys.stderr)
        self.restarts += 1
        try:
            self.server.restart()
        except RuntimeError as e:
            print(f"tck: {e}", file=sys.stderr)
            return False
        self.uri = f"bolt://127.0.0.1:{self.server.port}"
        return self.answering()

    def close(self):
        self.drop_driver()
        if self.server is not None:
            self.server.cleanup(keep_log_to=self.args.server_log)


def _mentions_schema(case):
    for st in case.steps:
        text = (st.docstring or "").upper()
        if "INDEX" in text or "CONSTRAINT" in text:
            return True
    return False


def reset(target, previous):
    """Brings the graph back to empty; False when that failed (the caller restarts)."""
    queries = ["MATCH (n) DETACH DELETE n"]
    if previous is not None and any(runner.PROCEDURE_RE.match(st.text) for st in previous.steps):
        queries.append("CALL orbit.tck.clearProcedures()")

    def clear(s):
        if previous is not None and _mentions_schema(previous):
            for show, drop in (("SHOW CONSTRAINTS YIELD name", "DROP CONSTRAINT"),
                               ("SHOW INDEXES YIELD name", "DROP INDEX")):
                r = runner.execute(s, show)
                if isinstance(r, runner.QueryError):
                    return False
                for row in r.rows:
                    queries.append(f"{drop} `{str(row[0]).replace('`', '``')}`")
        return not any(isinstance(runner.execute(s, q), runner.QueryError) for q in queries)

    try:
        return target.in_session(target.args.timeout, clear)
    except (Exception, CaseTimeout):
        target.drop_driver()
        return False


def run_all(cases, target, args, log):
    outcomes = {}
    previous = None
    started = time.monotonic()
    for n, case in enumerate(cases, 1):
        if not reset(target, previous):
            if not target.recover("the graph could not be reset"):
                outcomes[case.id] = runner.Outcome("errored", "the server could not be reset or restarted", "server lost")
                previous = None
                continue
            if not reset(target, None):
                outcomes[case.id] = runner.Outcome("errored", "the graph could not be reset even after a restart",
                                                   "reset failed")
                previous = None
                continue
        previous = case
        case_started = time.monotonic()
        try:
            outcome = target.in_session(args.timeout, lambda s: runner.run_case(case, s, args.graphs))
        except CaseTimeout:
            outcome = runner.Outcome("errored", f"timeout after {args.timeout}s", "timeout")
            target.recover("a case timed out")
        except Exception as e:  # a driver error other than a server FAILURE
            outcome = runner.Outcome("errored", f"{type(e).__name__}: {e}", f"driver {type(e).__name__}")
            target.recover(f"{type(e).__name__}")
        outcome.seconds = time.monotonic() - case_started
        if outcome.expected_error is None:
            outcome.expected_error = runner.error_step(case)
        outcomes[case.id] = outcome
        if outcome.status != "passed":
            log.write(f"{outcome.status.upper()} {case.id}\n    {outcome.reason}\n")
        if n % 250 == 0:
            passed = sum(1 for o in outcomes.values() if o.status == "passed")
            print(f"tck: {n}/{len(cases)} cases, {passed} passed, {time.monotonic() - started:.0f}s",
                  file=sys.stderr)
    return outcomes


def report(cases, outcomes, restarts):
    groups = collections.defaultdict(collections.Counter)
    for c in cases:
        st = outcomes[c.id].status
        groups[c.area][st] += 1
        groups["  " + c.subarea][st] += 1
    areas = sorted({c.area for c in cases})
    print(f"{'area':<42} {'cases':>6} {'passed':>7} {'failed':>7} {'errored':>8} {'pass%':>6}")
    total = collections.Counter()
    for a in areas:
        rows = [a] + sorted(k for k in groups if k.startswith("  ") and k.strip().split("/")[0] == a)
        for k in rows:
            c = groups[k]
            n = sum(c.values())
            print(f"{k:<42} {n:>6} {c['passed']:>7} {c['failed']:>7} {c['errored']:>8} {100 * c['passed'] / n:>5.1f}%")
        total.update(groups[a])
    n = sum(total.values())
    print(f"{'total':<42} {n:>6} {total['passed']:>7} {total['failed']:>7} {total['errored']:>8} "
          f"{100 * total['passed'] / max(n, 1):>5.1f}%")
    if restarts:
        print(f"tck: the server was restarted {restarts} times")
    slow = sorted(cases, key=lambda c: -outcomes[c.id].seconds)[:5]
    if slow and outcomes[slow[0].id].seconds >= 1.0:
        print("tck: slowest cases: " + "; ".join(f"{c.id} {outcomes[c.id].seconds:.1f}s" for c in slow))
    cats = collections.Counter(o.category for o in outcomes.values() if o.status != "passed")
    if cats:
        print("tck: why cases did not pass (most frequent first):")
        for k, v in cats.most_common(25):
            print(f"  {v:>6}  {k}")
    details = collections.Counter(
        f"{o.expected_error[0]} {o.expected_error[2]}" for o in outcomes.values()
        if o.status != "passed" and o.expected_error)
    if details:
        print("tck: expected errors among the cases that did not pass (type and TCK detail):")
        for k, v in details.most_common(30):
            print(f"  {v:>6}  {k}")


def check_counts(cases, tck_dir):
    path = os.path.join(tck_dir, "counts.json")
    if not os.path.exists(path):
        return True
    with open(path) as fh:
        counts = json.load(fh)
    per = collections.Counter(c.feature for c in cases)
    bad = [f for f, v in counts.get("files", {}).items() if per.get(f, 0) != v.get("cases")]
    total = counts.get("total", {}).get("cases")
    if bad or (total is not None and total != len(cases)):
        print(f"tck: the expansion disagrees with counts.json ({len(cases)} cases, counts.json {total}; "
              f"files {bad[:5]})", file=sys.stderr)
        return False
    print(f"tck: {len(cases)} cases after expanding the outlines (counts.json agrees)")
    return True


def read_list(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return [ln.rstrip("\n") for ln in fh if ln.strip() and not ln.startswith("#")]
    except FileNotFoundError:
        return []


def compare_baseline(cases, outcomes, baseline_path, args):
    baseline = set(read_list(baseline_path))
    ran = {c.id for c in cases}
    regressions = sorted(i for i in baseline & ran if outcomes[i].status != "passed")
    new = sorted(i for i in ran - baseline if outcomes[i].status == "passed")
    unknown = sorted(baseline - {c.id for c in cases}) if args.full else []
    for i in regressions:
        print(f"tck REGRESSION: {i} ({outcomes[i].status}: {outcomes[i].reason[:300]})")
    if new:
        print(f"tck: {len(new)} cases pass that the baseline does not list (tests/tck/run.sh --update-baseline "
              "after a full run records them)")
    if unknown:
        print(f"tck: {len(unknown)} baseline ids name no case of the feature files (e.g. {unknown[0]!r})")
    if regressions:
        print(f"tck: {len(regressions)} regressions against {baseline_path}")
        return 1
    print(f"tck: no regressions ({len(baseline & ran)} baseline cases ran)")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--server", help="orbit-server binary to start")
    g.add_argument("--uri", help="a Bolt server already running")
    p.add_argument("--tck", default=os.environ.get("ORBIT_TCK_DIR", os.path.join(HERE, "../../../shared/opencypher-tck")))
    p.add_argument("--ci", action="store_true")
    p.add_argument("--only", action="append", default=[])
    p.add_argument("--update-baseline", action="store_true")
    p.add_argument("--baseline", default=os.path.join(HERE, "passing.txt"))
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--log", default=os.environ.get("ORBIT_TCK_LOG", "/tmp/orbit-tck-failures.txt"))
    p.add_argument("--server-log", default=None, help="copy the server's log here at the end")
    args = p.parse_args(argv)
    args.features = os.path.join(args.tck, "features")
    args.graphs = os.path.join(args.tck, "graphs")
    args.full = not args.ci and not args.only
    if args.update_baseline and not args.full:
        p.error("--update-baseline needs a full run (no --ci, no --only)")

    only_files = read_list(os.path.join(HERE, "ci.txt")) if args.ci else None
    cases = gherkin.load_cases(args.features, only_files)
    if args.full and not check_counts(cases, args.tck):
        return 2
    if args.only:
        cases = [c for c in cases if any(o in c.id for o in args.only)]
    if not cases:
        print("tck: no case selected")
        return 2

    import convert

    convert.install_raw_structures()
    target = Target(args)
    print(f"tck: {len(cases)} cases against {target.uri}", file=sys.stderr)
    started = time.monotonic()
    try:
        with open(args.log, "w", encoding="utf-8") as log:
            outcomes = run_all(cases, target, args, log)
    finally:
        target.close()
    report(cases, outcomes, target.restarts)
    print(f"tck: {len(cases)} cases in {time.monotonic() - started:.0f}s; reasons of the others in {args.log}")
    if args.update_baseline:
        passed = sorted(c.id for c in cases if outcomes[c.id].status == "passed")
        with open(args.baseline, "w", encoding="utf-8") as fh:
            fh.write("".join(i + "\n" for i in passed))
        print(f"tck: wrote {len(passed)} passing case ids to {args.baseline}")
        return 0
    return compare_baseline(cases, outcomes, args.baseline, args)


if __name__ == "__main__":
    sys.exit(main())
