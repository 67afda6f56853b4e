#!/usr/bin/env bash
# Runs our suites and the SQLite corpus against a fresh orbit-server and rewrites
# sqllogic/baseline/*.txt with the pass counts (review the diff: the numbers should only go up).
# Usage: [ORBIT_SKIP_BUILD=1] sqllogic/scripts/orbit-baseline.sh [--timeout-secs N]
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/orbit-target}"
if [ -z "${ORBIT_SKIP_BUILD:-}" ]; then   # ORBIT_SKIP_BUILD=1: use the binaries already built
  cargo build -q -p orbit-server -p orbit-sqllogic || exit 1
fi
bin="$CARGO_TARGET_DIR/debug"
data="$(mktemp -d)"
# Seven free ports: postgres, admin and the other listeners (kept off the standard ports).
read -r port admin mysql cql redis bolt http < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(7)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
"$bin/orbit-server" --data-dir "$data" --postgres-port "$port" --admin-port "$admin" \
  --mysql-port "$mysql" --cql-port "$cql" --redis-port "$redis" --bolt-port "$bolt" --http-port "$http" \
  >"$data.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data" "$data.log"' EXIT
for _ in $(seq 1 200); do grep -q "orbit-server ready" "$data.log" && break; sleep 0.1; done
timeout_args=(--timeout-secs 120)
[ "${1:-}" = "--timeout-secs" ] && timeout_args=(--timeout-secs "$2")
"$bin/orbit-sqllogic" --port "$port" "${timeout_args[@]}" \
  --write-baseline sqllogic/baseline/orbit-suites.txt sqllogic/suites/*.slt
corpus="$repo/../shared/sqllogictest/sqlite"
if ls "$corpus"/*.test >/dev/null 2>&1; then
  "$bin/orbit-sqllogic" --port "$port" "${timeout_args[@]}" \
    --write-baseline sqllogic/baseline/sqlite-corpus.txt "$corpus"/*.test
fi
git --no-pager diff --stat -- sqllogic/baseline
