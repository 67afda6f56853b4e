#!/usr/bin/env bash
# Runs the openCypher TCK 2024.3 (the feature files in ../shared/opencypher-tck) against
# Orbit's Bolt listener through the Neo4j Python driver, with our own strict harness
# (tests/tck/tck.py: it starts the server binary on free ports with a temporary data
# directory, restarts it when it stops answering and stops it at the end), then compares
# the outcome with the committed baseline tests/tck/passing.txt: a case that passed when
# the baseline was written and does not pass now fails the run.
#
# Usage: tests/tck/run.sh [--ci] [--update-baseline] [tck.py args...]
#   --ci               only the feature files of tests/tck/ci.txt (the test command's subset)
#   --update-baseline  rewrite passing.txt from this run (a full run)
#   --only TEXT        only the cases whose id contains TEXT; --timeout S; --log FILE
# ORBIT_TCK_DIR names the TCK copy (default: ../shared/opencypher-tck beside the clone);
# ORBIT_NEO4J_VENV the virtualenv with the driver (scripts/test.sh installs it);
# ORBIT_SERVER_BIN the server binary (default: the debug build of the target dir).
# Without the TCK copy or the driver the run is skipped with a loud message.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/common.sh

skip() {
    echo "=====================================================================" >&2
    echo "orbit: openCypher TCK SKIPPED: $*" >&2
    echo "=====================================================================" >&2
    exit 0
}

tck="${ORBIT_TCK_DIR:-$(pwd)/../shared/opencypher-tck}"
[ -d "$tck/features" ] || skip "no TCK feature files under ORBIT_TCK_DIR=$tck"

venv="${ORBIT_NEO4J_VENV:-$HOME/.cache/orbit-venv-neo4j}"
if ! "$venv/bin/python" -c 'import neo4j, tzdata' 2>/dev/null; then
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q neo4j==6.4.1 tzdata==2026.6; } \
        || skip "could not install the neo4j driver into $venv"
fi

server="${ORBIT_SERVER_BIN:-$CARGO_TARGET_DIR/debug/orbit-server}"
[ -x "$server" ] || cargo build --locked -q -p orbit-server
export PYTHONDONTWRITEBYTECODE=1
# The harness's own tests first (offline, and against a scripted Bolt server).
ORBIT_TCK_DIR="$tck" "$venv/bin/python" -m unittest discover -s tests/tck -q
exec "$venv/bin/python" tests/tck/tck.py --server "$server" --tck "$tck" "$@"
