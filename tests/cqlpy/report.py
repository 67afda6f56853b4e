"""Reads the JUnit XML of one cqlpy run against Orbit and compares it with the committed
baseline (passing.txt: one test id per line, the tests that passed when it was written).

Prints passed/failed/skipped per file; exits 1 when a test of the baseline failed (a
regression), naming each one; baseline tests skipped this run are counted, not failed. With --update it rewrites the baseline from
this run (the ids that passed, sorted)."""

import argparse
import collections
import sys
import xml.etree.ElementTree as ET


def outcomes(junit_path):
    """(test id, file, outcome) for every test case of the run."""
    for case in ET.parse(junit_path).iter("testcase"):
        classname = case.get("classname", "")
        # classname is the dotted module path (test.cqlpy.test_lwt, or deeper for
        # cassandra_tests); the id is the path under test/cqlpy plus the test name.
        module = classname.split("test.cqlpy.", 1)[-1]
        path = module.replace(".", "/") + ".py"
        test_id = f"{path}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped" and outcome == "passed":
                outcome = "skipped"
        group = path if not path.startswith("cassandra_tests/") else path.rsplit("/", 1)[0]
        yield test_id, group, outcome


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("junit")
    parser.add_argument("baseline")
    parser.add_argument("--update", action="store_true")
    args = parser.parse_args()

    results = list(outcomes(args.junit))
    if not results:
        print("cqlpy: no test ran (see the pytest output above)")
        return 1
    per_file = collections.defaultdict(collections.Counter)
    for _, group, outcome in results:
        per_file[group][outcome] += 1
    total = collections.Counter()
    print(f"{'file':<45} {'passed':>7} {'failed':>7} {'skipped':>8}")
    for group in sorted(per_file):
        c = per_file[group]
        total.update(c)
        print(f"{group:<45} {c['passed']:>7} {c['failed']:>7} {c['skipped']:>8}")
    print(f"{'total':<45} {total['passed']:>7} {total['failed']:>7} {total['skipped']:>8}")

    passed = sorted(test_id for test_id, _, outcome in results if outcome == "passed")
    if args.update:
        with open(args.baseline, "w") as f:
            f.write("".join(t + "\n" for t in passed))
        print(f"cqlpy: wrote {len(passed)} passing test ids to {args.baseline}")
        return 0

    try:
        with open(args.baseline) as f:
            baseline = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    except FileNotFoundError:
        baseline = set()
    ran = {test_id: outcome for test_id, _, outcome in results}
    regressions = sorted(t for t in baseline if ran.get(t) == "failed")
    skipped = sorted(t for t in baseline if ran.get(t) == "skipped")
    if skipped:
        print(f"cqlpy: {len(skipped)} baseline tests were skipped this run (not counted as regressions)")
    new = sorted(t for t in passed if t not in baseline)
    for t in regressions:
        print(f"cqlpy REGRESSION: {t} ({ran[t]})")
    if new:
        print(f"cqlpy: {len(new)} tests pass that the baseline does not list "
              f"(tests/cqlpy/run.sh --update records them):")
        for t in new:
            print(f"  {t}")
    if regressions:
        print(f"cqlpy: {len(regressions)} regressions against {args.baseline}")
        return 1
    print(f"cqlpy: no regressions ({sum(1 for t in baseline if t in ran)} baseline tests ran)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
