"""Tests of the harness's offline pieces: the Gherkin subset, the TCK value literals and
their comparison, the temporal strings, the error table and the side-effect diff.
Expected forms come from the TCK's README.adoc and feature files.

    python3 -m unittest discover -s tests/tck     (the driver is needed for test_harness)
"""

import collections
import json
import math
import os
import unittest

import errors
import gherkin
import sideeffects
import temporal
import values

TCK = os.environ.get("ORBIT_TCK_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/opencypher-tck"))

FEATURE = '''#encoding: utf-8

Feature: Demo1 - A demo
  Some description text.

  Background:
    Given an empty graph
    And having executed:
      """
      CREATE (:A {name: 'a|b'})
      """

  @ignore
  Scenario: [1] Plain
    When executing query:
      """
      MATCH (n)
        RETURN n
      """
    Then the result should be, in any order:
      | n                 |
      | (:A {name: 'a\\|b'}) |
    And no side effects

  Scenario Outline: [2] Outline <x>
    When executing query:
      """
      RETURN <x> AS v
      """
    Then the result should be, in any order:
      | v        |
      | <result> |
    And no side effects

    Examples:
      | x   | result |
      | 1   | 1      |
      | 'a' | 'a'    |
      | '\\n' | '\\n'  |
'''


class GherkinTest(unittest.TestCase):
    def setUp(self):
        self.cases = gherkin.parse_feature(FEATURE, "clauses/demo/Demo1.feature")

    def test_cases_and_ids(self):
        self.assertEqual([c.id for c in self.cases], [
            "clauses/demo/Demo1.feature:[1] Plain",
            "clauses/demo/Demo1.feature:[2] Outline <x>#1",
            "clauses/demo/Demo1.feature:[2] Outline <x>#2",
            "clauses/demo/Demo1.feature:[2] Outline <x>#3",
        ])
        self.assertEqual(self.cases[0].area, "clauses")
        self.assertEqual(self.cases[0].subarea, "clauses/demo")
        self.assertEqual(self.cases[0].tags, frozenset({"@ignore"}))

    def test_background_docstring_and_table(self):
        steps = self.cases[0].steps
        self.assertEqual([s.text for s in steps[:2]], ["an empty graph", "having executed:"])
        self.assertEqual(steps[1].docstring, "CREATE (:A {name: 'a|b'})")
        self.assertEqual(steps[2].docstring, "MATCH (n)\n  RETURN n")
        self.assertEqual(steps[3].table, [["n"], ["(:A {name: 'a|b'})"]])

    def test_outline_substitution(self):
        third = self.cases[2].steps
        self.assertEqual(third[2].docstring, "RETURN 'a' AS v")
        self.assertEqual(third[3].table, [["v"], ["'a'"]])
        # a \n cell escape is a newline in the table and in the substituted docstring
        self.assertEqual(self.cases[3].steps[3].table[1], ["'\n'"])
        self.assertEqual(self.cases[3].steps[2].docstring, "RETURN '\n' AS v")

    def test_row_escapes(self):
        self.assertEqual(gherkin.split_row(r"| a\|b | c\\d | \x |", 1), ["a|b", "c\\d", "\\x"])
        self.assertEqual(gherkin.split_row("|", 1), [])
        with self.assertRaises(gherkin.ParseError):
            gherkin.split_row("| a | b", 1)

    def test_unknown_line_is_an_error(self):
        with self.assertRaises(gherkin.ParseError):
            gherkin.parse_feature("Feature: X\n  Scenario: s\n    Given any graph\n    nonsense here\n", "x.feature")

    def test_whole_tck_expands_to_counts_json(self):
        cases = gherkin.load_cases(os.path.join(TCK, "features"))
        with open(os.path.join(TCK, "counts.json")) as fh:
            counts = json.load(fh)
        self.assertEqual(len(cases), 3897)
        self.assertEqual(len(cases), counts["total"]["cases"])
        per = collections.Counter(c.feature for c in cases)
        for f, v in counts["files"].items():
            self.assertEqual(per.get(f, 0), v["cases"], f)
        self.assertEqual(len({c.id for c in cases}), len(cases))

    def test_every_expected_value_and_parameter_parses(self):
        for c in gherkin.load_cases(os.path.join(TCK, "features")):
            for st in c.steps:
                if st.text.startswith("the result should be") and st.table:
                    for row in st.table[1:]:
                        for cell in row:
                            values.parse(cell)
                elif st.text == "parameters are:":
                    for row in st.table:
                        values.to_parameter(values.parse(row[1]))


class ValuesTest(unittest.TestCase):
    def test_primitives(self):
        self.assertIs(values.parse("null"), None)
        self.assertIs(values.parse("true"), True)
        self.assertEqual(values.parse("-12"), -12)
        self.assertIsInstance(values.parse("1"), int)
        self.assertIsInstance(values.parse("1.0"), float)
        self.assertEqual(values.parse("1e2"), 100.0)
        self.assertEqual(values.parse(".5"), 0.5)
        self.assertEqual(values.parse("-1.5E-3"), -0.0015)
        self.assertTrue(math.isnan(values.parse("NaN")))
        self.assertEqual(values.parse("-Inf"), -math.inf)
        self.assertEqual(values.parse("Inf"), math.inf)
        self.assertEqual(values.parse(r"'it\'s a \\ b'"), "it's a \\ b")

    def test_containers_and_elements(self):
        self.assertEqual(values.parse("[1, [2, 'x'], {a: null}]"), [1, [2, "x"], {"a": None}])
        self.assertEqual(values.parse("{`a b`: 1, c: []}"), {"a b": 1, "c": []})
        n = values.parse("(:A:B {name: 'n', num: 1})")
        self.assertEqual(n, values.Node(frozenset({"A", "B"}), {"name": "n", "num": 1}))
        self.assertEqual(values.parse("()"), values.Node(frozenset(), {}))
        self.assertEqual(values.parse("[:T {p: 1}]"), values.Rel("T", {"p": 1}))
        p = values.parse("<(:A)-[:T]->(:B)<-[:S {k: 2}]-()>")
        self.assertEqual(p.start, values.Node(frozenset({"A"}), {}))
        self.assertEqual([(fwd, r.type) for fwd, r, _ in p.links], [(True, "T"), (False, "S")])
        self.assertEqual(values.parse("[<(:A)-[:T]->(:B)>]")[0].links[0][2], values.Node(frozenset({"B"}), {}))

    def test_bad_literals(self):
        for bad in ("", "'open", "[1,", "{a 1}", "1.", r"'\n'", "(:A", "<()-[:T]-()>", "1 2", "Infinity"):
            with self.assertRaises(values.ValueSyntaxError, msg=bad):
                values.parse(bad)

    def test_equality_as_the_tck_defines(self):
        c = values.canonical
        self.assertNotEqual(c(1), c(1.0))
        self.assertNotEqual(c(True), c(1))
        self.assertEqual(c(math.nan), c(values.parse("NaN")))
        self.assertEqual(c({"a": 1, "b": 2}), c({"b": 2, "a": 1}))
        self.assertEqual(c(values.parse("(:B:A {x: 1})")), c(values.parse("(:A:B {x: 1})")))
        self.assertNotEqual(c(values.parse("(:A)")), c(values.parse("(:A {x: 1})")))
        self.assertNotEqual(c([1, 2]), c([2, 1]))
        self.assertEqual(c([1, [3, 2]], True), c([[2, 3], 1], True))
        self.assertNotEqual(c([1, 1, 2], True), c([1, 2, 2], True))
        self.assertNotEqual(c(values.parse("<(:A)-[:T]->(:B)>")), c(values.parse("<(:A)<-[:T]-(:B)>")))
        self.assertNotEqual(c("1984-10-11"), c(values.Other("point", "x")))

    def test_render_round_trips(self):
        for text in ("[1, 2.5, 'a\\'b', null, true]", "{a: (:A:B {p: [1]})}", "<(:A)-[:T {k: 1}]->()<-[:S]-(:C)>"):
            v = values.parse(text)
            self.assertEqual(values.canonical(values.parse(values.render(v))), values.canonical(v))

    def test_parameters(self):
        self.assertEqual(values.to_parameter(values.parse("[{k: 1}]")), [{"k": 1}])
        with self.assertRaises(values.ValueSyntaxError):
            values.to_parameter(values.parse("(:A)"))


def epoch_days(y, m, d):
    import datetime
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


class TemporalTest(unittest.TestCase):
    # The expected strings are the TCK's (expressions/temporal/*.feature).
    def test_dates(self):
        self.assertEqual(temporal.render("D", [epoch_days(1816, 1, 1)]), "1816-01-01")
        self.assertEqual(temporal.render("D", [epoch_days(1, 1, 1)]), "0001-01-01")
        self.assertEqual(temporal.civil_from_days(epoch_days(2000, 2, 29)), (2000, 2, 29))
        # +999999999-12-31, the largest date (Temporal3/Temporal9 expect '+999999999-12-31T23:59:59')
        days_max = 365241780471
        self.assertEqual(temporal.date_string(days_max), "+999999999-12-31")
        self.assertEqual(temporal.date_string(epoch_days(1, 1, 1) - 366), "0000-01-01")
        self.assertEqual(temporal.date_string(epoch_days(1, 1, 1) - 366 - 365), "-0001-01-01")

    def test_times(self):
        self.assertEqual(temporal.render("t", [0]), "00:00")
        self.assertEqual(temporal.render("t", [(10 * 3600 + 35 * 60) * 10**9]), "10:35")
        self.assertEqual(temporal.render("t", [2]), "00:00:00.000000002")
        self.assertEqual(temporal.render("t", [(2 * 3600 + 33 * 60) * 10**9 + 499999998]), "02:33:00.499999998")
        self.assertEqual(temporal.time_string(12 * 3600 * 10**9 + 142000000), "12:00:00.142")
        self.assertEqual(temporal.time_string(12 * 3600 * 10**9 + 142500000), "12:00:00.142500")
        self.assertEqual(temporal.render("T", [(10 * 3600 + 35 * 60) * 10**9, -8 * 3600]), "10:35-08:00")
        self.assertEqual(temporal.render("T", [0, 0]), "00:00Z")
        self.assertEqual(temporal.offset_string(53 * 60 + 28), "+00:53:28")
        self.assertEqual(temporal.offset_string(-(11 * 3600 + 59 * 60)), "-11:59")

    def test_datetimes(self):
        secs = epoch_days(1980, 1, 1) * 86400
        self.assertEqual(temporal.render("d", [secs, 0]), "1980-01-01T00:00")
        self.assertEqual(temporal.render("I", [secs - 3600, 0, 3600]), "1980-01-01T00:00+01:00")
        self.assertEqual(temporal.render("i", [secs - 3600, 0, "Europe/Stockholm"]),
                         "1980-01-01T00:00+01:00[Europe/Stockholm]")
        local = epoch_days(1818, 7, 21) * 86400 + 21 * 3600 + 40 * 60 + 32
        # the TCK's '1818-07-21T21:40:32.142+00:53:28[Europe/Stockholm]' (Stockholm = Berlin, LMT)
        self.assertEqual(temporal.render("i", [local - (53 * 60 + 28), 142000000, "Europe/Stockholm"]),
                         "1818-07-21T21:40:32.142+00:53:28[Europe/Stockholm]")
        self.assertEqual(temporal.render("F", [secs, 0, 3600]), "1980-01-01T00:00+01:00")
        with self.assertRaises(Exception):
            temporal.render("i", [0, 0, "No/Such_Zone"])

    def test_durations(self):
        d = temporal.duration_string
        self.assertEqual(d(0, 0, 0, 0), "PT0S")
        self.assertEqual(d(14, 16, 0, 0), "P1Y2M16D")
        self.assertEqual(d(-23, 0, 0, 0), "P-1Y-11M")
        self.assertEqual(d(0, 0, 0, -300000000), "PT-0.3S")
        self.assertEqual(d(0, 0, -60, -1000000), "PT-1M-0.001S")
        self.assertEqual(d(0, 1, 0, -1000000), "P1DT-0.001S")
        self.assertEqual(d(0, 14, 70, 1), "P14DT1M10.000000001S")
        self.assertEqual(d(0, 0, -(23 * 3600 + 59 * 60 + 59), -900000000), "PT-23H-59M-59.9S")
        self.assertEqual(d(12 * 12 + 5, 14, 16 * 3600, 0), "P12Y5M14DT16H")
        self.assertEqual(d(0, 0, 45 * 3600, 0), "PT45H")
        self.assertEqual(temporal.render("E", [0, 0, 0, 400000000]), "PT0.4S")


class ErrorsTest(unittest.TestCase):
    def test_table(self):
        self.assertIsNone(errors.check("SyntaxError", "compile time", "Neo.ClientError.Statement.SyntaxError", "compile time"))
        self.assertIsNotNone(errors.check("SyntaxError", "compile time", "Neo.ClientError.Statement.SyntaxError", "runtime"))
        self.assertIsNone(errors.check("TypeError", "any time", "Neo.ClientError.Statement.TypeError", "runtime"))
        self.assertIsNotNone(errors.check("TypeError", "runtime", "Neo.ClientError.Statement.SyntaxError", "runtime"))
        self.assertIsNone(errors.check("ConstraintVerificationFailed", "runtime",
                                       "Neo.ClientError.Schema.ConstraintValidationFailed", "runtime"))
        self.assertIsNone(errors.check("ProcedureError", "compile time",
                                       "Neo.ClientError.Procedure.ProcedureNotFound", "compile time"))
        self.assertIsNotNone(errors.check("ProcedureError", "compile time",
                                          "Neo.ClientError.Statement.SyntaxError", "compile time"))
        self.assertIsNotNone(errors.check("NoSuchError", "runtime", "Neo.ClientError.Statement.SyntaxError", "runtime"))

    def test_every_tck_error_type_is_mapped(self):
        for c in gherkin.load_cases(os.path.join(TCK, "features")):
            for st in c.steps:
                if "should be raised at" in st.text:
                    self.assertTrue(errors.known_type(st.text.split()[1]), st.text)


class SideEffectsTest(unittest.TestCase):
    def state(self, nodes, rels, labels, props):
        return sideeffects.State(set(nodes), set(rels), set(labels), collections.Counter(props))

    def test_diff_as_tck_api(self):
        before = self.state(["n1", "n2"], ["r1"], ["A", "B"], [("node", "n1", "k", ("int", 1)),
                                                                ("node", "n2", "k", ("int", 1))])
        after = self.state(["n1", "n3"], ["r2"], ["A", "C", "D"], [("node", "n1", "k", ("int", 2)),
                                                                    ("node", "n3", "k", ("int", 1))])
        self.assertEqual(sideeffects.diff(before, after), {
            "+nodes": 1, "-nodes": 1, "+relationships": 1, "-relationships": 1,
            "+labels": 2, "-labels": 1, "+properties": 2, "-properties": 2})

    def test_labels_count_distinct_names(self):
        before = self.state(["n1"], [], ["A"], [])
        after = self.state(["n1", "n2", "n3"], [], ["A"], [])
        d = sideeffects.diff(before, after)
        self.assertEqual((d["+nodes"], d["+labels"]), (2, 0))

    def test_expected_table(self):
        exp = sideeffects.expected([["+nodes", "1"], ["+properties", "2"]])
        self.assertEqual(exp["+nodes"], 1)
        self.assertEqual(exp["-labels"], 0)
        with self.assertRaises(ValueError):
            sideeffects.expected([["+widgets", "1"]])


if __name__ == "__main__":
    unittest.main()
