#!/usr/bin/env bash
# Runs ScyllaDB's cqlpy suite (scylladb/scylladb test/cqlpy: pytest tests that speak CQL to
# any server given --host/--port) against an Orbit server this script starts on free ports
# with a temporary data directory, then compares the outcome with the committed baseline
# tests/cqlpy/passing.txt (report.py): a test that passed when the baseline was written and
# does not pass now fails the run.
#
# Usage: tests/cqlpy/run.sh [--ci] [--update] [pytest args...]
#   --ci      only the files marked `ci` in tests/cqlpy/files.txt (the test command's subset)
#   --update  rewrite passing.txt from this run (after a full run)
# The suite is another project's code and is never committed here: point ORBIT_CQLPY_SRC at
# a directory holding scylladb's test/ package (test/__init__.py, test/conftest.py,
# test/pytest.ini, test/pylib, test/cluster/{__init__,util}.py and test/cqlpy), e.g. one
# exported from a scylladb checkout with `git archive HEAD <those paths> | tar -x -C DIR`.
# Without it, or without Python 3.13, the run is skipped with a loud message.
# ORBIT_SERVER_BIN names the server binary (default: the debug build of the target dir).
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
    echo "orbit: cqlpy SKIPPED: $*" >&2
    echo "=====================================================================" >&2
    exit 0
}

src="${ORBIT_CQLPY_SRC:-$HOME/.cache/orbit-cqlpy-src}"
[ -f "$src/test/cqlpy/conftest.py" ] \
    || skip "no scylladb test/cqlpy under ORBIT_CQLPY_SRC=$src (see tests/cqlpy/run.sh)"

python=""
for p in python3.13 "$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
        python="$p"
        break
    fi
done
[ -n "$python" ] || skip "no Python 3.13 (cqlpy needs it)"

venv="${ORBIT_CQLPY_VENV:-$HOME/.cache/orbit-venv-cqlpy}"
if ! "$venv/bin/python" -c 'import pytest, cassandra, allure, universalasync' 2>/dev/null; then
    "$python" -m venv "$venv"
    # cqlpy's conftest and pytest.ini import these (the warning filters name sqlalchemy and
    # kmip); the driver's C extensions are skipped to keep the install quick.
    CASS_DRIVER_NO_CYTHON=1 CASS_DRIVER_NO_EXTENSIONS=1 "$venv/bin/pip" install -q \
        pytest==8.3.5 pytest-asyncio==1.3.0 pytest-timeout==2.4.0 allure-pytest==2.16.2 \
        scylla-driver==3.29.12 pyyaml requests aiohttp universalasync boto3 unidiff psutil \
        tabulate colorama sqlalchemy pykmip cryptography \
        || skip "could not install cqlpy's Python packages"
fi

files=()
while read -r path mark; do
    case "$path" in ''|'#'*) continue ;; esac
    if [ "$ci" = 1 ] && [ "$mark" != ci ]; then continue; fi
    files+=("test/cqlpy/$path")
done < tests/cqlpy/files.txt

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
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cql_port=$(free_port)
"$server" --data-dir "$work/data" --cql-port "$cql_port" --postgres-port "$(free_port)" \
    --mysql-port "$(free_port)" --redis-port "$(free_port)" --admin-port "$(free_port)" \
    >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    grep -q "orbit-server ready" "$work/server.log" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "orbit: the server did not start" >&2; exit 1; }
    sleep 0.2
done

echo "orbit: cqlpy from $src against Orbit on 127.0.0.1:$cql_port (${#files[@]} files)" >&2
# The files come first: pytest reads --host/--port from their conftest.py.
# --runxfail: Scylla's xfail marks name Scylla's own bugs; Orbit is measured on the tests.
# orbit_plugin.py skips the tests that expect ScyllaDB's answer over Cassandra's.
(cd "$src" && SCYLLA_TEST_RUNNER=runpy NODETOOL=true PYTHONPATH="$repo/tests/cqlpy" \
    "$venv/bin/pytest" -p orbit_plugin -c test/pytest.ini \
    --rootdir . "${files[@]}" -q -p no:cacheprovider --runxfail --timeout 120 \
    --host 127.0.0.1 --port "$cql_port" --junitxml="$work/cqlpy.xml" \
    "${pytest_args[@]}" >"$work/pytest.log" 2>&1) || true
tail -n 3 "$work/pytest.log" >&2
if ! kill -0 "$server_pid" 2>/dev/null; then
    tail -n 50 "$work/server.log" >&2
    echo "orbit: the server exited during cqlpy" >&2
    exit 1
fi
[ -f "$work/cqlpy.xml" ] || { tail -n 50 "$work/pytest.log" >&2; exit 1; }
cp "$work/cqlpy.xml" "${ORBIT_CQLPY_JUNIT:-/tmp/orbit-cqlpy.xml}"
flags=()
[ "$update" = 1 ] && flags+=(--update)
python3 tests/cqlpy/report.py "$work/cqlpy.xml" tests/cqlpy/passing.txt "${flags[@]}"
