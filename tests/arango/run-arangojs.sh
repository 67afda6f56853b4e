#!/usr/bin/env bash
# Runs arangojs's own mocha suite (arangodb/arangojs src/test: integration tests that speak to
# the server TEST_ARANGODB_URL names) against an Orbit server this script starts on free ports
# with a temporary data directory and authentication off (the suite sends no credentials, as
# against ArangoDB's no-auth test containers), then compares the outcome with the committed
# baseline tests/arango/arangojs-passing.txt (arangojs_report.py): a test that passed when the
# baseline was written and does not pass now fails the run. Per-file counts are in
# tests/arango/arangojs-results.txt.
#
# Usage: tests/arango/run-arangojs.sh [--update] [mocha args...]
#   --update  rewrite the baseline and the per-file results from this run
# The suite is another project's code and is never committed here: ORBIT_ARANGOJS_SRC names a
# directory holding its src/, tsconfig.json and tsconfig.esm.json (default
# ~/.cache/orbit-arangojs-src); when that is missing and ORBIT_ARANGOJS_GIT names a git
# directory of the repository, they are exported there (`git archive HEAD ...`). The build
# tools (TypeScript, mocha, chai; pinned) are installed into that directory from npm and the
# suite is compiled there. Without the sources, node or npm the run is skipped loudly.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/common.sh

update=0
mocha_args=()
for a in "$@"; do
    case "$a" in
        --update) update=1 ;;
        *) mocha_args+=("$a") ;;
    esac
done

skip() {
    echo "=====================================================================" >&2
    echo "orbit: arangojs suite SKIPPED: $*" >&2
    echo "=====================================================================" >&2
    exit 0
}

command -v node >/dev/null && command -v npm >/dev/null || skip "node and npm are not installed"
src="${ORBIT_ARANGOJS_SRC:-$HOME/.cache/orbit-arangojs-src}"
if [ ! -f "$src/src/test/_config.ts" ] && [ -n "${ORBIT_ARANGOJS_GIT:-}" ]; then
    mkdir -p "$src"
    git --git-dir="$ORBIT_ARANGOJS_GIT" archive HEAD src tsconfig.json tsconfig.esm.json | tar -x -C "$src"
fi
[ -f "$src/src/test/_config.ts" ] \
    || skip "no arangojs src/test under ORBIT_ARANGOJS_SRC=$src (see tests/arango/run-arangojs.sh)"

if [ ! -x "$src/node_modules/.bin/mocha" ] || [ ! -x "$src/node_modules/.bin/tsc" ]; then
    echo '{"private": true, "type": "module"}' >"$src/package.json"
    (cd "$src" && npm install -q --no-audit --no-fund --ignore-scripts typescript@5.4.5 mocha@10.4.0 chai@4.4.1 \
        @types/chai@4.3.16 @types/mocha@10.0.6 @types/node@20.12.12 @tsconfig/node20@20.1.4 \
        source-map-support@0.5.21 undici@6.21.1 >/dev/null) || skip "could not install the suite's build tools (npm)"
fi
if [ ! -f "$src/build/esm/test/00-basics.js" ]; then
    (cd "$src" && rm -rf build && node_modules/.bin/tsc -p tsconfig.esm.json) || skip "the suite does not compile"
    echo '{"type": "module"}' >"$src/build/esm/package.json"
fi

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
"$server" --data-dir "$work/data" --http-port "$http_port" --postgres-port "$pg_port" --mysql-port "$my_port" \
    --cql-port "$cql_port" --redis-port "$redis_port" --bolt-port "$bolt_port" --admin-port "$admin_port" \
    --aql-auth false >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q "orbit-server ready" "$work/server.log" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "orbit: the server did not start" >&2; exit 1; }
    sleep 0.2
done

echo "orbit: arangojs tests from $src against Orbit on 127.0.0.1:$http_port" >&2
# ARANGO_VERSION: the version the suite gates its tests on (Orbit reports 4.0.0).
(cd "$src" && TEST_ARANGODB_URL="http://127.0.0.1:$http_port" ARANGO_VERSION=40000 \
    node_modules/.bin/mocha --reporter json --reporter-option output="$work/arangojs.json" \
    --require source-map-support/register --timeout 10000 build/esm/test "${mocha_args[@]}" \
    >"$work/mocha.log" 2>&1) || true
if ! kill -0 "$server_pid" 2>/dev/null; then
    tail -n 50 "$work/server.log" >&2
    echo "orbit: the server exited during the arangojs suite" >&2
    exit 1
fi
[ -f "$work/arangojs.json" ] || { tail -n 50 "$work/mocha.log" >&2; exit 1; }
cp "$work/arangojs.json" "${ORBIT_ARANGOJS_REPORT:-/tmp/orbit-arangojs.json}"
flags=()
[ "$update" = 1 ] && flags+=(--update)
python3 tests/arango/arangojs_report.py "$work/arangojs.json" tests/arango/arangojs-passing.txt \
    tests/arango/arangojs-results.txt "${flags[@]}"
