#!/usr/bin/env bash
# Runs python-arango's own test suite (arangodb/python-arango tests/: pytest tests that speak
# to any ArangoDB given --host/--port/--password/--secret) against an Orbit server this script
# starts on free ports with a temporary data directory, skipping the enterprise, foxx, backup,
# batch, js-transactions and task tests, then compares the outcome with the committed baseline
# tests/arango/python-arango-passing.txt (python_arango_report.py): a test that passed when the
# baseline was written and does not pass now fails the run. Per-file counts are in
# tests/arango/python-arango-results.txt.
#
# Usage: tests/arango/run-python-arango.sh [--ci] [--update] [pytest args...]
#   --ci      only the files marked `ci` in tests/arango/python-arango-files.txt
#   --update  rewrite the baseline and the per-file results from this run (after a full run)
# The suite is another project's code and is never committed here: ORBIT_PYTHON_ARANGO_SRC
# names a directory holding its tests/ package (default ~/.cache/orbit-python-arango-src);
# when that is missing and ORBIT_PYTHON_ARANGO_GIT names a git directory of the repository,
# its tests/ are exported there (`git archive HEAD tests`). Without either the run is skipped
# with a loud message. The driver under test is the pinned python-arango of ORBIT_ARANGO_VENV
# (scripts/test.sh installs it), not the repository's own package.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/common.sh
repo="$(pwd)"

ci=0
update=0
pytest_args=()
for a in "$@"; do
    case "$a" in
        --ci) ci=1 ;;
        --update) update=1 ;;
        *) pytest_args+=("$a") ;;
    esac
done

skip() {
    echo "=====================================================================" >&2
    echo "orbit: python-arango suite SKIPPED: $*" >&2
    echo "=====================================================================" >&2
    exit 0
}

src="${ORBIT_PYTHON_ARANGO_SRC:-$HOME/.cache/orbit-python-arango-src}"
if [ ! -f "$src/tests/conftest.py" ] && [ -n "${ORBIT_PYTHON_ARANGO_GIT:-}" ]; then
    mkdir -p "$src"
    git --git-dir="$ORBIT_PYTHON_ARANGO_GIT" archive HEAD tests | tar -x -C "$src"
fi
[ -f "$src/tests/conftest.py" ] \
    || skip "no python-arango tests/ under ORBIT_PYTHON_ARANGO_SRC=$src (see tests/arango/run-python-arango.sh)"

venv="${ORBIT_ARANGO_VENV:-$HOME/.cache/orbit-venv-arango}"
"$venv/bin/python" -c 'import arango, pytest, mock, packaging, jwt' 2>/dev/null \
    || skip "python-arango, pytest and mock are not installed in $venv (scripts/test.sh installs them)"

files=()
while read -r path mark; do
    case "$path" in ''|'#'*) continue ;; esac
    if [ "$ci" = 1 ] && [ "$mark" != ci ]; then continue; fi
    files+=("tests/$path")
done < tests/arango/python-arango-files.txt

server="${ORBIT_SERVER_BIN:-$CARGO_TARGET_DIR/debug/orbit-server}"
[ -x "$server" ] || cargo build --locked -q -p orbit-server
work="$(mktemp -d)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
read -r http_port pg_port my_port cql_port redis_port bolt_port admin_port < <(free_ports 7)
# The suite's defaults: root's password "passwd", JWT secret "secret".
"$server" --data-dir "$work/data" --http-port "$http_port" --postgres-port "$pg_port" --mysql-port "$my_port" \
    --cql-port "$cql_port" --redis-port "$redis_port" --bolt-port "$bolt_port" --admin-port "$admin_port" \
    --aql-users root=passwd --aql-jwt-secret secret >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q "orbit-server ready" "$work/server.log" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "orbit: the server did not start" >&2; exit 1; }
    sleep 0.2
done

echo "orbit: python-arango tests from $src against Orbit on 127.0.0.1:$http_port (${#files[@]} files)" >&2
(cd "$src" && "$venv/bin/python" -m pytest "${files[@]}" -q -p no:cacheprovider \
    --host 127.0.0.1 --port "$http_port" --password passwd --secret secret \
    --skip enterprise foxx backup batch js-transactions task \
    -o junit_family=xunit1 --junitxml="$work/python-arango.xml" \
    "${pytest_args[@]}" >"$work/pytest.log" 2>&1) || true
tail -n 3 "$work/pytest.log" >&2
if ! kill -0 "$server_pid" 2>/dev/null; then
    tail -n 50 "$work/server.log" >&2
    echo "orbit: the server exited during the python-arango suite" >&2
    exit 1
fi
[ -f "$work/python-arango.xml" ] || { tail -n 50 "$work/pytest.log" >&2; exit 1; }
cp "$work/python-arango.xml" "${ORBIT_PYTHON_ARANGO_JUNIT:-/tmp/orbit-python-arango.xml}"
flags=()
[ "$update" = 1 ] && flags+=(--update)
python3 tests/arango/python_arango_report.py "$work/python-arango.xml" tests/arango/python-arango-passing.txt \
    tests/arango/python-arango-results.txt "${flags[@]}"
