#!/usr/bin/env bash
# The document workload of issue 15: the same work through Orbit's ArangoDB HTTP listener
# (driven by wrk) and Orbit's PostgreSQL listener with jsonb rows (driven by pgbench), and a
# 3-hop traversal through the HTTP listener and the Bolt listener (Python clients on both
# sides), in one run on one machine, printing ops/s and the ratios. No ArangoDB server
# installs here; ArangoDB's published single-server figures are quoted in benches/README.md
# for context only.
#
# Workloads (8 connections each, except collect: 1), SECONDS each:
#   get          one document by key            GET /_api/document/bench/k<i>   | SELECT doc WHERE k = $1
#   insert       one new document               POST /_api/document/bench_ins   | INSERT one row
#   insert_batch 1,000 new documents            POST of an array                 | one 1,000-row INSERT
#   filter       100 documents of one group     FOR d IN bench FILTER d.grp == @g LIMIT 100 (persistent index)
#                                                                                | WHERE grp = $1 LIMIT 100 (index)
#   collect      grouping every document        COLLECT g = d.grp WITH COUNT INTO n | GROUP BY grp
#   traverse3    3-hop outbound traversal       FOR v IN 3..3 OUTBOUND ... | MATCH (a)-[:E*3..3]->(b) over Bolt
#
# Usage: benches/aql-bench.sh [--docs N] [--seconds T] [--vertices V]
# Defaults: 1,000,000 documents, 10 s per workload, 10,000 vertices with 5 edges each.
# Orbit runs in release mode (built, or the binary ORBIT_SERVER_BIN names); wrk and pgbench
# come from Debian (installed when missing); psycopg and neo4j go into a virtualenv outside
# the clone, $ORBIT_AQLBENCH_VENV (default ~/.cache/orbit-venv-aqlbench).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

docs=1000000 seconds=10 vertices=10000
while [ $# -gt 0 ]; do
    case "$1" in
        --docs) docs="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --vertices) vertices="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

for tool in wrk pgbench; do
    if ! command -v "$tool" >/dev/null; then
        sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
        pkg="$tool"; [ "$tool" = pgbench ] && pkg=postgresql-contrib
        $sudo apt-get install -y -qq "$pkg" >/dev/null
    fi
done
venv="${ORBIT_AQLBENCH_VENV:-$HOME/.cache/orbit-venv-aqlbench}"
if ! "$venv/bin/python" -c 'import neo4j, psycopg' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q neo4j==6.4.1 "psycopg[binary]==3.2.10"
fi

bench_workdir
bin="$work/orbit-server"
release_server_to "$bin"

read -r -a ports < <(free_ports 7)
pg_port="${ports[0]}" bolt_port="${ports[5]}" http_port="${ports[6]}"
mkdir -p "$work/orbit"
"$bin" --data-dir "$work/orbit" --postgres-port "$pg_port" --redis-port "${ports[1]}" \
    --admin-port "${ports[2]}" --mysql-port "${ports[3]}" --cql-port "${ports[4]}" \
    --bolt-port "$bolt_port" --http-port "$http_port" >"$work/orbit.log" 2>&1 &
pids+=($!)
wait_for_port "$http_port" "$work/orbit.log"
wait_for_port "$pg_port" "$work/orbit.log"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
py=("$venv/bin/python" benches/aql_bench.py --http-port "$http_port" --pg-port "$pg_port" --bolt-port "$bolt_port"
    --docs "$docs" --vertices "$vertices" --seconds "$seconds")
"${py[@]}" --mode load

# pgbench's 1,000-row INSERT, written once.
python3 - "$work/batch.sql" <<'PY'
import sys
rows = ",".join(
    f"(:r * 1000 + {i}, {i % 100}, '{{\"grp\":{i % 100},\"name\":\"name{i}\",\"score\":{i * 7 % 1000}}}'::jsonb)"
    for i in range(1000)
)
open(sys.argv[1], "w").write("\\set r random(1, 9000000000000)\nINSERT INTO bench_ins (id, grp, doc) VALUES " + rows + ";\n")
PY

export BENCH_LUA_DIR="$PWD/benches/aql" BENCH_DOCS="$docs"
http_rate() { # workload connections → requests/s
    wrk -t "$2" -c "$2" -d "${seconds}s" --timeout 300s -s "benches/aql/$1.lua" "http://127.0.0.1:$http_port" \
        | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx answers: " $0 > "/dev/stderr"}'
}
pg_rate() { # workload connections → transactions/s
    local script="benches/aql/$1.sql"
    [ "$1" = insert_batch ] && script="$work/batch.sql"
    pgbench -n -h 127.0.0.1 -p "$pg_port" -U postgres -c "$2" -j "$2" -T "$seconds" -D docs="$docs" \
        -f "$script" postgres 2>"$work/pgbench.err" | awk '/^tps/ {print $3}'
}
printf '%-13s %5s %14s %14s %8s\n' workload conns "HTTP ops/s" "other ops/s" ratio
for w in get insert insert_batch filter collect; do
    conns=8; [ "$w" = collect ] && conns=1
    lua="$w"; [ "$w" = insert_batch ] && lua=batch
    h=$(http_rate "$lua" "$conns"); p=$(pg_rate "$w" "$conns")
    [ -z "$p" ] && { p=0; echo "pgbench $w failed: $(tail -2 "$work/pgbench.err")" >&2; }
    mult=1; [ "$w" = insert_batch ] && mult=1000
    awk -v w="$w" -v c="$conns" -v h="$h" -v p="$p" -v m="$mult" \
        'BEGIN { printf "%-13s %5d %14.1f %14.1f %8s  (pg)\n", w, c, h*m, p*m, (p > 0 ? sprintf("%.2f", h/p) : "n/a") }'
done
read -r _ h b < <("${py[@]}" --mode traverse --clients 8)
awk -v h="$h" -v b="$b" 'BEGIN { printf "%-13s %5d %14.1f %14.1f %8.2f  (bolt)\n", "traverse3", 8, h, b, h/b }'
