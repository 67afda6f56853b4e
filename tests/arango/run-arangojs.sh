#!/usr/bin/env bash
# Runs arangojs's own mocha suite (arangodb/arangojs src/test: integration tests that speak to
# the server TEST_ARANGODB_URL names) against an Orbit server this script starts on free ports
# with a temporary data directory and authentication off (the suite sends no credentials, as
# against ArangoDB's no-auth test containers), then compares the outcome with the committed
# baseline tests/arango/arangojs-passing.txt (arangojs_report.py): a test that passed when the
# baseline was written and does not pass now fails the run. Per-file counts are in
# tests/arango/arangojs-results.txt.
#
# Usage: tests/arango/run-arangojs.sh [--ci] [--update] [mocha args...]
#   --ci      only the files in CI_FILES below (a few seconds)
#   --update  rewrite the baseline and the per-file results from this run (full runs only)
# The suite is another project's code and is never committed here: ORBIT_ARANGOJS_SRC names a
# directory holding its src/, tsconfig.json and tsconfig.esm.json (default
# ~/.cache/orbit-arangojs-src); when that is missing and ORBIT_ARANGOJS_GIT names a git
# directory of the repository, they are exported there from ARANGOJS_COMMIT. The build tools
# (TypeScript, mocha, chai; pinned) are installed into that directory from npm and the suite is
# compiled there. Without the sources, node or npm the run is skipped loudly.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/common.sh

# The newest stored commit of the 10.x line (after the 10.3.0 tag, with 10.3.1's test changes:
# the skips for ArangoDB 4.0); the repository copy has no 10.4.0 tag. The library sources of
# npm arangojs@10.4.0 differ from it only in Content-Length handling, retries and deprecation
# notes (see tests/arango/README.md).
ARANGOJS_COMMIT=d24eec140e5b2960688173cf10035d3e9e08036c

# Suites of features Orbit does not have (each answers 501 "not supported by Orbit: ..."); they
# are left out of the run and listed in the results with the reason.
SKIPPED_FILES=(
    "06-managing-functions:user-defined AQL functions (/_api/aqlfunction)"
    "22-foxx-api:Foxx services (/_api/foxx)"
    "24-accessing-views:views and ArangoSearch (/_api/view)"
    "25-view-metadata:views and ArangoSearch (/_api/view)"
    "26-manipulating-views:views and ArangoSearch (/_api/view)"
    "28-accessing-analyzers:analyzers (/_api/analyzer)"
    "29-manipulating-analyzers:analyzers (/_api/analyzer)"
)
# Single tests of such features inside files that otherwise run (a mocha --grep, inverted).
SKIPPED_TESTS='ensureIndex#inverted '
# The representative subset --ci runs: connection basics, stream transactions, cursors,
# documents, edges through a named graph.
CI_FILES=(00-basics 04-transactions 08-cursors 14-document-collections 18-graph-edges)

ci=0
update=0
mocha_args=()
for a in "$@"; do
    case "$a" in
        --ci) ci=1 ;;
        --update) update=1 ;;
        *) mocha_args+=("$a") ;;
    esac
done
if [ "$update" = 1 ] && { [ "$ci" = 1 ] || [ "${#mocha_args[@]}" -gt 0 ]; }; then
    echo "orbit: --update rewrites the baseline from a full run only (no --ci, no mocha arguments)" >&2
    exit 2
fi

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
    git --git-dir="$ORBIT_ARANGOJS_GIT" archive "$ARANGOJS_COMMIT" src tsconfig.json tsconfig.esm.json \
        | tar -x -C "$src"
    echo "$ARANGOJS_COMMIT" >"$src/ARANGOJS_COMMIT"
fi
[ -f "$src/src/test/_config.ts" ] \
    || skip "no arangojs src/test under ORBIT_ARANGOJS_SRC=$src (see tests/arango/run-arangojs.sh)"

if [ ! -x "$src/node_modules/.bin/mocha" ] || [ ! -x "$src/node_modules/.bin/tsc" ]; then
    echo '{"private": true, "type": "module"}' >"$src/package.json"
    (cd "$src" && npm install -q --no-audit --no-fund --ignore-scripts typescript@5.4.5 mocha@10.4.0 chai@4.4.1 \
        @types/chai@4.3.16 @types/mocha@10.0.6 @types/node@20.12.12 @tsconfig/node20@20.1.4 \
        source-map-support@0.5.21 undici@6.21.1 >/dev/null) || skip "could not install the suite's build tools (npm)"
fi
stamp="$src/build/esm/.orbit-built"
if [ ! -f "$stamp" ] || [ -n "$(find "$src/src" "$src"/tsconfig*.json -newer "$stamp" -print -quit)" ]; then
    (cd "$src" && rm -rf build && node_modules/.bin/tsc -p tsconfig.esm.json) || skip "the suite does not compile"
    echo '{"type": "module"}' >"$src/build/esm/package.json"
    touch "$stamp"
fi

grep_flags=(--grep "$SKIPPED_TESTS" --invert)
for a in "${mocha_args[@]}"; do
    case "$a" in -g|--grep|--grep=*|-f|--fgrep|--fgrep=*) grep_flags=() ;; esac
done
specs=()
report_flags=()
[ "${#mocha_args[@]}" -eq 0 ] && report_flags+=(--complete)
if [ "$ci" = 1 ]; then
    for f in "${CI_FILES[@]}"; do
        specs+=("build/esm/test/$f.js")
        report_flags+=(--only "$f")
    done
else
    specs+=(build/esm/test)
    for entry in "${SKIPPED_FILES[@]}"; do
        specs+=(--ignore "build/esm/test/${entry%%:*}.js")
        report_flags+=(--skipped "$entry")
    done
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

echo "orbit: arangojs tests from $src against Orbit on 127.0.0.1:$http_port$([ "$ci" = 1 ] && echo ' (--ci)')" >&2
# ARANGO_VERSION: what the suite's synchronous gates read (config.arangoVersion); the gates that
# ask the server (fetchArangoVersionCode) see the 4.0.0 Orbit reports. Both skip what ArangoDB 4.0
# removed (Foxx, JavaScript transactions, user functions) and expect 4.0's answers elsewhere.
(cd "$src" && TEST_ARANGODB_URL="http://127.0.0.1:$http_port" ARANGO_VERSION=40000 \
    node_modules/.bin/mocha --reporter json --reporter-option output="$work/arangojs.json" \
    --require source-map-support/register --timeout 10000 "${grep_flags[@]}" \
    "${specs[@]}" "${mocha_args[@]}" >"$work/mocha.log" 2>&1) || true
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
    tests/arango/arangojs-results.txt "${report_flags[@]}" "${flags[@]}"
