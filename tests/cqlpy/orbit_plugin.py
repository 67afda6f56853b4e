"""A pytest plugin that run.sh loads into ScyllaDB's cqlpy suite: tests that take the
suite's `cassandra_bug` fixture expect ScyllaDB's answer where Cassandra's differs (the
fixture marks them xfail against Cassandra, which --runxfail would undo). Orbit answers as
Cassandra 4.1 does, so those tests are skipped and counted as skipped."""

import pytest


def pytest_collection_modifyitems(config, items):
    reason = "expects ScyllaDB's answer where Cassandra 4.1's differs (cassandra_bug); Orbit follows Cassandra"
    for item in items:
        if "cassandra_bug" in getattr(item, "fixturenames", ()):
            # The suite refuses untyped skips; skip_env is its generic kind.
            item.add_marker(pytest.mark.skip_env(reason))
