"""Tests of the harness against a scripted Bolt server (fakebolt.py) through the real
Neo4j driver: the phase of an error (FAILURE on RUN = compile time, on PULL = runtime),
the conversion of nodes, paths and temporal structures, whole cases with side effects,
and tck.py's loop going on after a case that times out.

Needs the driver: run with the venv's python (tests/tck/run.sh's venv).
"""

import io
import types
import unittest
import warnings

import convert
import fakebolt
import gherkin
import runner
import tck
from fakebolt import Struct

convert.install_raw_structures()

NODE_A = Struct("N", [1, ["A"], {"num": 1}, "4:x:1"])
NODE_B = Struct("N", [2, ["B"], {}, "4:x:2"])
REL_T = Struct("r", [7, "T", {"k": 2}, "5:x:7"])


def driver_for(fake):
    import neo4j

    return neo4j.GraphDatabase.driver(fake.uri, auth=("neo4j", "password"))


class Graph:
    """A fake engine: the snapshot queries see the nodes created so far."""

    def __init__(self):
        self.nodes = []

    def answer(self, query, params):
        if query == "MATCH (n) RETURN n":
            return ("rows", ["n"], [[n] for n in self.nodes])
        if query == "MATCH ()-[r]->() RETURN r":
            return ("rows", ["r"], [])
        if query == "MATCH (n) DETACH DELETE n":
            self.nodes = []
            return ("rows", [], [])
        if query == "RETURN 1 AS x":
            return ("rows", ["x"], [[1]])
        if query.startswith("CREATE (:A {num: 1})"):
            self.nodes.append(NODE_A)
            return ("rows", [], [])
        if query == "MATCH (n) DELETE n":
            return ("fail_pull", "Neo.ClientError.Schema.ConstraintValidationFailed", "still has relationships")
        if query.startswith("RETURN x"):
            return ("fail_run", "Neo.ClientError.Statement.SyntaxError", "Variable `x` not defined")
        if query == "RETURN slow":
            return ("hang", 3)
        if query == "RETURN date":
            return ("rows", ["d"], [[Struct("D", [5000])], [Struct("E", [14, 16, 0, 0])]])
        if query == "RETURN path":
            return ("rows", ["p"], [[Struct("P", [[NODE_A, NODE_B], [REL_T], [-1, 1]])]])
        return ("fail_run", "Neo.ClientError.Statement.SyntaxError", "unknown to the fake")


FEATURE = '''Feature: Fake1 - cases for the fake server

  Scenario: [1] Create
    Given an empty graph
    When executing query:
      """
      CREATE (:A {num: 1})
      """
    Then the result should be empty
    And the side effects should be:
      | +nodes      | 1 |
      | +labels     | 1 |
      | +properties | 1 |

  Scenario: [2] Wrong side effects
    Given an empty graph
    When executing query:
      """
      CREATE (:A {num: 1})
      """
    Then the result should be empty
    And no side effects

  Scenario: [3] Compile-time error
    Given any graph
    When executing query:
      """
      RETURN x
      """
    Then a SyntaxError should be raised at compile time: UndefinedVariable

  Scenario: [4] Runtime error expected, compile time given
    Given any graph
    When executing query:
      """
      RETURN x
      """
    Then a SyntaxError should be raised at runtime: UndefinedVariable

  Scenario: [5] Runtime error
    Given an empty graph
    And having executed:
      """
      CREATE (:A {num: 1})
      """
    When executing query:
      """
      MATCH (n) DELETE n
      """
    Then a ConstraintVerificationFailed should be raised at runtime: DeleteConnectedNode

  Scenario: [6] Temporal strings
    Given any graph
    When executing query:
      """
      RETURN date
      """
    Then the result should be, in order:
      | d          |
      | '1983-09-10' |
      | 'P1Y2M16D' |
    And no side effects

  Scenario: [7] Path with a backward relationship
    Given any graph
    When executing query:
      """
      RETURN path
      """
    Then the result should be, in any order:
      | p                              |
      | <(:A {num: 1})<-[:T {k: 2}]-(:B)> |
    And no side effects

  Scenario: [8] Slow
    Given any graph
    When executing query:
      """
      RETURN slow
      """
    Then the result should be empty

  Scenario: [9] Rows expected, error given
    Given any graph
    When executing query:
      """
      RETURN x
      """
    Then the result should be, in any order:
      | x |
      | 1 |
'''


class HarnessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.graph = Graph()
        cls.fake = fakebolt.FakeBolt(cls.graph.answer)
        cls.driver = driver_for(cls.fake)
        cls.cases = {c.name.split("]")[0] + "]": c for c in gherkin.parse_feature(FEATURE, "clauses/fake/Fake1.feature")}

    @classmethod
    def tearDownClass(cls):
        cls.driver.close()
        cls.fake.close()

    def setUp(self):
        self.graph.nodes = []

    def run_named(self, name):
        with self.driver.session() as s:
            return runner.run_case(self.cases[name], s, "/nonexistent")

    def test_phases(self):
        with self.driver.session() as s:
            r = runner.execute(s, "RETURN x")
            self.assertEqual((r.code, r.phase), ("Neo.ClientError.Statement.SyntaxError", "compile time"))
            r = runner.execute(s, "MATCH (n) DELETE n")
            self.assertEqual((r.code, r.phase), ("Neo.ClientError.Schema.ConstraintValidationFailed", "runtime"))
            r = runner.execute(s, "RETURN 1 AS x")
            self.assertEqual((r.keys, r.rows), (["x"], [[1]]))

    def test_created_node_side_effects(self):
        self.assertEqual(self.run_named("[1]").status, "passed")

    def test_wrong_side_effects_fail(self):
        o = self.run_named("[2]")
        self.assertEqual((o.status, o.category), ("failed", "side effects"))
        self.assertIn("+nodes expected 0 got 1", o.reason)

    def test_errors_and_phases(self):
        self.assertEqual(self.run_named("[3]").status, "passed")
        o = self.run_named("[4]")
        self.assertEqual((o.status, o.category), ("failed", "wrong phase"))
        self.assertEqual(o.expected_error, ("SyntaxError", "runtime", "UndefinedVariable"))
        self.assertEqual(self.run_named("[5]").status, "passed")
        o = self.run_named("[9]")
        self.assertEqual((o.status, o.category), ("failed", "unexpected error Neo.ClientError.Statement.SyntaxError"))

    def test_temporal_and_paths(self):
        o = self.run_named("[6]")
        self.assertEqual(o.status, "passed", o.reason)
        o = self.run_named("[7]")
        self.assertEqual(o.status, "passed", o.reason)

    def test_loop_goes_on_after_a_timeout(self):
        # the timed-out case's session is abandoned on purpose (tck.Target.in_session)
        warnings.simplefilter("ignore", ResourceWarning)
        args = types.SimpleNamespace(uri=self.fake.uri, server=None, timeout=1.0, graphs="/nonexistent",
                                     server_log=None)
        target = tck.Target(args)
        cases = [self.cases["[8]"], self.cases["[3]"]]
        try:
            outcomes = tck.run_all(cases, target, args, io.StringIO())
        finally:
            target.close()
        self.assertEqual(outcomes[cases[0].id].status, "errored")
        self.assertEqual(outcomes[cases[0].id].category, "timeout")
        self.assertEqual(outcomes[cases[1].id].status, "passed")


if __name__ == "__main__":
    unittest.main()
