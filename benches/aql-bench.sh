#!/usr/bin/env bash
# The document workload of issue 15 (benches/aql_bench.py says what it runs): the same work
# through Orbit's ArangoDB HTTP listener, Orbit's PostgreSQL listener (jsonb rows) and, for
# the 3-hop traversal, Orbit's Bolt listener, in one run on one machine, printing ops/s and
# the ratios. No ArangoDB server installs here; ArangoDB's own published single-server
# figures are quoted in benches/README.md for context.
#
# Usage: benches/aql-bench.sh [--docs N] [--clients C] [--seconds T] [--vertices V]
# Defaults: 1,000,000 documents, 8 clients, 10 s per workload. Orbit runs in release mode
# (built, or the binary ORBIT_SERVER_BIN names). The Python packages (psycopg, neo4j) go
# into a virtualenv outside the clone, $ORBIT_AQLBENCH_VENV (~/.cache/orbit-venv-aqlbench).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

venv="${ORBIT_AQLBENCH_VENV:-$HOME/.cache/orbit-venv-aqlbench}"
if ! "$venv/bin/python" -c 'import neo4j, psycopg' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q neo4j==6.4.1 "psycopg[binary]==3.2.10"
fi

bench_workdir
bin="$work/orbit-server"
release_server_to "$bin"

read -r -a ports < <(free_ports 7)
mkdir -p "$work/orbit"
"$bin" --data-dir "$work/orbit" --postgres-port "${ports[0]}" --redis-port "${ports[1]}" \
    --admin-port "${ports[2]}" --mysql-port "${ports[3]}" --cql-port "${ports[4]}" \
    --bolt-port "${ports[5]}" --http-port "${ports[6]}" >"$work/orbit.log" 2>&1 &
pids+=($!)
wait_for_port "${ports[6]}" "$work/orbit.log"
wait_for_port "${ports[0]}" "$work/orbit.log"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
"$venv/bin/python" benches/aql_bench.py --http-port "${ports[6]}" --pg-port "${ports[0]}" \
    --bolt-port "${ports[5]}" "$@"
