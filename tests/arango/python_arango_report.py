"""Reads the JUnit XML of one python-arango suite run against Orbit, prints passed / failed /
skipped per file, and compares the run with the committed baseline (one test id per line:
the tests that passed when it was written). Exits 1 when a baseline test failed or errored
(a regression), naming each; baseline tests not run this time (a --ci subset) are not
counted. With --update it rewrites the baseline and the per-file results file."""

import argparse
import collections
import sys
import xml.etree.ElementTree as ET


def outcomes(junit_path):
    """(test id, file, outcome) for every test of the run; a test that failed in its
    call or its teardown (two entries in the XML) counts once, as failed."""
    worst = {}
    rank = {"passed": 0, "skipped": 1, "failed": 2}
    for test_id, path, outcome in entries(junit_path):
        if test_id not in worst or rank[outcome] > rank[worst[test_id][1]]:
            worst[test_id] = (path, outcome)
    for test_id, (path, outcome) in worst.items():
        yield test_id, path, outcome


def entries(junit_path):
    for case in ET.parse(junit_path).iter("testcase"):
        module = case.get("classname", "").split("tests.", 1)[-1]
        path = module.replace(".", "/") + ".py"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
            elif child.tag == "skipped" and outcome == "passed":
                outcome = "skipped"
        yield f"{path}::{case.get('name')}", path, outcome


def table(results):
    per_file = collections.defaultdict(collections.Counter)
    for _, path, outcome in results:
        per_file[path][outcome] += 1
    total = collections.Counter()
    lines = [f"{'file':<28} {'passed':>7} {'failed':>7} {'skipped':>8}"]
    for path in sorted(per_file):
        c = per_file[path]
        total.update(c)
        lines.append(f"{path:<28} {c['passed']:>7} {c['failed']:>7} {c['skipped']:>8}")
    lines.append(f"{'total':<28} {total['passed']:>7} {total['failed']:>7} {total['skipped']:>8}")
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("junit")
    parser.add_argument("baseline")
    parser.add_argument("results")
    parser.add_argument("--update", action="store_true")
    args = parser.parse_args()

    results = list(outcomes(args.junit))
    if not results:
        print("python-arango: no test ran (see the pytest output above)")
        return 1
    lines = table(results)
    print("\n".join(lines))
    passed = sorted(test_id for test_id, _, outcome in results if outcome == "passed")
    if args.update:
        with open(args.baseline, "w") as f:
            f.write("".join(t + "\n" for t in passed))
        with open(args.results, "w") as f:
            f.write("# python-arango's own suite against Orbit (tests/arango/run-python-arango.sh --update)\n")
            f.write("".join(line + "\n" for line in lines))
        print(f"python-arango: wrote {len(passed)} passing test ids to {args.baseline}")
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
        print(f"python-arango: {len(skipped)} baseline tests were skipped this run (not counted as regressions)")
    new = sorted(t for t in passed if t not in baseline)
    for t in regressions:
        print(f"python-arango REGRESSION: {t}")
    if new:
        print(f"python-arango: {len(new)} tests pass that the baseline does not list "
              f"(tests/arango/run-python-arango.sh --update records them):")
        for t in new:
            print(f"  {t}")
    if regressions:
        print(f"python-arango: {len(regressions)} regressions against {args.baseline}")
        return 1
    print(f"python-arango: no regressions ({len(baseline)} baseline tests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
