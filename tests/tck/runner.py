"""One TCK case run against a Bolt server through a driver session: its steps in order,
judged as the TCK's reference implementation does.

Given an empty graph / any graph   nothing: every case starts on an empty graph
Given the <name> graph             run graphs/<name>/<name>.cypher
And having executed:               a setup query; an error fails the case
And parameters are:                | name | literal | rows, bound for the later queries
And there exists a procedure S:    CALL orbit.tck.defineProcedure(S, header, rows)
When executing query:              the graph is measured, then the query runs
When executing control query:      a further query whose result the next step checks
Then the result should be ...      rows compared (README.adoc): a multiset unless "in
                                   order", columns by name and in order, lists as
                                   multisets when "ignoring element order for lists";
                                   "empty" means no columns and no rows
Then a <T> should be raised at P   errors.check; unless a side-effects step follows, no
                                   side effects are implied (as tck-api inserts them)
And no side effects / And the side effects should be:   sideeffects.diff since the query

run_case() returns an Outcome (passed or failed, with the reason); a lost connection or a
driver failure other than a server FAILURE propagates (the caller restarts and counts the
case as errored).
"""

import collections
import dataclasses
import os
import re

import convert
import errors
import sideeffects
import values

RESULT_RE = re.compile(r"^the result should be(, in (any )?order)?( \(ignoring element order for lists\))?:$")
ERROR_RE = re.compile(r"^an? (\w+) should be raised at (compile time|runtime|any time): ?(.*)$")
GRAPH_RE = re.compile(r"^the ([\w-]+) graph$")
PROCEDURE_RE = re.compile(r"^there exists a procedure (.+?)\s*:$")


@dataclasses.dataclass
class Outcome:
    status: str  # passed | failed | errored
    reason: str = ""
    category: str = ""
    expected_error: tuple | None = None  # (type, phase, detail) of an error step
    seconds: float = 0.0


@dataclasses.dataclass
class QueryResult:
    keys: list
    rows: list  # raw driver field lists


@dataclasses.dataclass
class QueryError:
    code: str
    phase: str
    message: str


class Failed(Exception):
    def __init__(self, category, reason):
        super().__init__(reason)
        self.category = category
        self.reason = reason


def execute(session, query, params=None):
    """Runs one query in an auto-commit transaction: its QueryResult, or the server's
    FAILURE as a QueryError with the phase it came in (see errors.py)."""
    from neo4j.exceptions import Neo4jError

    try:
        result = session.run(query, params or {})
    except Neo4jError as e:
        return QueryError(e.code or "", errors.COMPILE_TIME, e.message or "")
    try:
        records = list(result)
        keys = list(result.keys())
        result.consume()
    except Neo4jError as e:
        return QueryError(e.code or "", errors.RUNTIME, e.message or "")
    return QueryResult(keys, [[tuple.__getitem__(r, i) for i in range(len(r))] for r in records])


def _short(text, limit=600):
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "..."


def _rows_text(header, rows, limit=12):
    out = ["| " + " | ".join(header) + " |"]
    out += ["| " + " | ".join(values.render(v) for v in row) + " |" for row in rows[:limit]]
    if len(rows) > limit:
        out.append(f"... {len(rows) - limit} more rows")
    return "\n    ".join(out)


def compare_result(table, got, ordered, unordered_lists):
    """None when the result matches the expected table (header row first), else why not."""
    header, expected_rows = (table[0], table[1:]) if table else ([], [])
    if isinstance(got, QueryError):
        raise Failed(f"unexpected error {got.code}", f"expected rows, got {got.code}: {_short(got.message)}")
    if got is None:
        raise Failed("harness", "no query ran before the result step")
    if list(got.keys) != list(header):
        raise Failed("wrong columns", f"columns: expected {header}, got {got.keys}")
    exp_values = [[values.parse(c) for c in row] for row in expected_rows]
    act_values = [[convert.from_driver(v) for v in row] for row in got.rows]
    exp = [tuple(values.canonical(v, unordered_lists) for v in row) for row in exp_values]
    act = [tuple(values.canonical(v, unordered_lists) for v in row) for row in act_values]
    if ordered:
        same = exp == act
    else:
        same = collections.Counter(exp) == collections.Counter(act)
    if not same:
        kind = "in order" if ordered else "in any order"
        raise Failed("wrong result", f"rows ({kind}): expected {len(exp)}, got {len(act)}"
                     f"\n  expected:\n    {_rows_text(header, exp_values)}"
                     f"\n  got:\n    {_rows_text(got.keys, act_values)}")


class CaseRun:
    def __init__(self, case, session, graphs_dir):
        self.case = case
        self.session = session
        self.graphs_dir = graphs_dir
        self.params = {}
        self.last = None
        self.before = None
        self.expected_error = None

    def run(self, query):
        return execute(self.session, query, self.params)

    def measure(self):
        def rows(q):
            r = execute(self.session, q)
            if isinstance(r, QueryError):
                raise Failed("side-effect snapshot failed",
                             f"snapshot query {q!r} failed: {r.code}: {_short(r.message)}")
            return r.rows

        try:
            return sideeffects.snapshot(rows)
        except sideeffects.MeasurementError as e:
            raise Failed("side-effect snapshot failed", str(e)) from None

    def check_side_effects(self, table):
        if self.before is None:
            raise Failed("harness", "side effects checked before any query")
        got = sideeffects.diff(self.before, self.measure())
        exp = sideeffects.expected(table)
        if got != exp:
            raise Failed("side effects", sideeffects.describe(exp, got))

    def setup(self, query, what):
        r = self.run(query)
        if isinstance(r, QueryError):
            raise Failed(f"setup failed {r.code}", f"{what} failed: {r.code}: {_short(r.message)}")

    def step(self, st, following):
        text = st.text
        if text in ("an empty graph", "any graph"):
            return
        m = GRAPH_RE.match(text)
        if m and st.keyword == "Given":
            name = m.group(1)
            with open(os.path.join(self.graphs_dir, name, name + ".cypher"), encoding="utf-8") as fh:
                script = fh.read().strip()
            self.setup(script[:-1] if script.endswith(";") else script, f"loading the {name} graph")
            return
        if text == "having executed:":
            self.setup(st.docstring or "", "setup query")
            return
        if text == "parameters are:":
            for row in st.table or []:
                if len(row) != 2:
                    raise Failed("harness", f"parameter row {row!r}")
                self.params[row[0]] = values.to_parameter(values.parse(row[1]))
            return
        m = PROCEDURE_RE.match(text)
        if m:
            table = st.table or [[]]
            header = table[0] if table else []
            rows = [[values.to_parameter(values.parse(c)) for c in r] for r in table[1:]]
            r = execute(self.session, "CALL orbit.tck.defineProcedure($signature, $header, $rows)",
                        {"signature": m.group(1), "header": header, "rows": rows})
            if isinstance(r, QueryError):
                raise Failed(f"procedure hook failed {r.code}",
                             f"defining test procedure {m.group(1)} failed: {r.code}: {_short(r.message)}")
            return
        if text == "executing query:":
            self.before = self.measure()
            self.last = self.run(st.docstring or "")
            return
        if text == "executing control query:":
            self.last = self.run(st.docstring or "")
            return
        if text == "the result should be empty":
            compare_result([[]], self.last, True, False)
            return
        m = RESULT_RE.match(text)
        if m:
            ordered = m.group(1) == ", in order"
            compare_result(st.table, self.last, ordered, m.group(3) is not None)
            return
        m = ERROR_RE.match(text)
        if m:
            tck_type, phase, detail = m.groups()
            self.expected_error = (tck_type, phase, detail.strip())
            got = self.last
            if isinstance(got, QueryResult):
                raise Failed("expected error, got result",
                             f"expected a {tck_type} at {phase} ({detail}), got {len(got.rows)} rows")
            if got is None:
                raise Failed("harness", "no query ran before the error step")
            why = errors.check(tck_type, phase, got.code, got.phase)
            if why:
                category = "wrong phase" if errors.code_matches(tck_type, got.code) else f"wrong error {got.code}"
                raise Failed(category, f"{why}: {_short(got.message)}")
            if not any(f.text in ("no side effects", "the side effects should be:") for f in following[:1]):
                self.check_side_effects([])
            return
        if text == "no side effects":
            self.check_side_effects([])
            return
        if text == "the side effects should be:":
            self.check_side_effects(st.table)
            return
        raise Failed("harness", f"step not understood: {st.keyword} {text}")


def run_case(case, session, graphs_dir):
    cr = CaseRun(case, session, graphs_dir)
    for i, st in enumerate(case.steps):
        try:
            cr.step(st, case.steps[i + 1:])
        except Failed as f:
            return Outcome("failed", f"step '{st.keyword} {st.text}' (line {st.line}): {f.reason}",
                           f.category, cr.expected_error or error_step(case))
        except values.ValueSyntaxError as e:
            return Outcome("errored", f"harness: literal not understood: {e}", "harness", error_step(case))
    return Outcome("passed", expected_error=cr.expected_error)


def error_step(case):
    for st in case.steps:
        m = ERROR_RE.match(st.text)
        if m:
            return (m.group(1), m.group(2), m.group(3).strip())
    return None
