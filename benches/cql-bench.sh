#!/usr/bin/env bash
# CQL load on Orbit through ScyllaDB's Rust driver (the `scylla` crate; the program is
# tests/clients/scylla-session, `orbit-scylla-session bench`), then pgbench against the same
# server's PostgreSQL listener as the yardstick, on one machine, one after the other:
#   - CQL: prepared inserts of ROWS rows (k bigint PRIMARY KEY, v text, ~100-byte values),
#     prepared point reads of random keys for SECONDS, a paged scan (default page size,
#     5000) of one partition of SCAN_ROWS rows; CONCURRENCY requests in flight each;
#     ops/s, p50 and p99 latency (µs) per workload;
#   - pgbench -i -s SCALE (SCALE x 100,000 pgbench_accounts rows), then
#     pgbench -S -M prepared -c CONCURRENCY -j 2 -T SECONDS (select-only, prepared): tps;
# and prints the ratios: CQL point reads ops/s / pgbench select-only prepared tps, and the
# CQL insert rate / 50,000 rows/s (the target of issue 13).
#
# Usage: benches/cql-bench.sh [--rows N] [--concurrency C] [-T SECONDS] [--scan-rows M]
#        [--connections K] [-s SCALE] [-j PGBENCH_THREADS]
# --connections sets the driver's pool size (connections to the node; default: the
# driver's own, one per node for a server without Scylla's sharding). Needs pgbench
# (Debian: postgresql-client-15); builds the client program in release mode into
# $ORBIT_CLIENTS_TARGET_DIR, and orbit-server in release mode (or uses the binary
# ORBIT_SERVER_BIN names). Orbit runs with its default durability (RocksDB WAL written at
# every write, no fsync: survives kill -9 of the server).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages

rows=1000000
concurrency=8
seconds=30
scan_rows=100000
connections=""
scale=10
threads=2
usage="usage: $0 [--rows N] [--concurrency C] [-T SECONDS] [--scan-rows M] [--connections K] [-s SCALE] [-j PGBENCH_THREADS]"
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows="$2"; shift 2 ;;
        --concurrency | -c) concurrency="$2"; shift 2 ;;
        -T | --seconds) seconds="$2"; shift 2 ;;
        --scan-rows) scan_rows="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        -s) scale="$2"; shift 2 ;;
        -j) threads="$2"; shift 2 ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
done

bench_workdir
# Private copies: the target directories may be shared with other builds.
bin="$work/orbit-server"
client="$work/orbit-scylla-session"
CARGO_TARGET_DIR="$ORBIT_CLIENTS_TARGET_DIR" cargo build --locked --release -q \
    --manifest-path tests/clients/scylla-session/Cargo.toml
cp "$ORBIT_CLIENTS_TARGET_DIR/release/orbit-scylla-session" "$client"
release_server_to "$bin"

read -r -a ports < <(free_ports 7)
pg_port="${ports[0]}" cql_port="${ports[4]}"
mkdir -p "$work/orbit"
"$bin" --data-dir "$work/orbit" --postgres-port "$pg_port" --redis-port "${ports[1]}" \
    --admin-port "${ports[2]}" --mysql-port "${ports[3]}" --cql-port "$cql_port" \
    --bolt-port "${ports[5]}" --http-port "${ports[6]}" >"$work/orbit.log" 2>&1 &
pids+=($!)
wait_for_port "$cql_port" "$work/orbit.log"
wait_for_port "$pg_port" "$work/orbit.log"
load=$(cut -d' ' -f1-3 /proc/loadavg)

# CQL.
cql_args=(--rows "$rows" --concurrency "$concurrency" --seconds "$seconds" --scan-rows "$scan_rows")
[ -n "$connections" ] && cql_args+=(--connections "$connections")
"$client" bench "127.0.0.1:$cql_port" "${cql_args[@]}" | tee "$work/cql.out" ||
    { echo "orbit-scylla-session bench failed (server log: $work/orbit.log)" >&2; tail -20 "$work/orbit.log" >&2; exit 1; }
field() { # workload key
    sed -n "s|^$1 .*\\b$2=\\([0-9.]*\\).*|\\1|p" "$work/cql.out"
}

# pgbench, same server.
conn=(-h 127.0.0.1 -p "$pg_port" -U postgres)
start=$(date +%s.%N)
pgbench "${conn[@]}" -i -s "$scale" -q postgres >"$work/pgbench-init.log" 2>&1 ||
    { cat "$work/pgbench-init.log" >&2; exit 1; }
end=$(date +%s.%N)
init_secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
out=$(pgbench "${conn[@]}" -S -M prepared -c "$concurrency" -j "$threads" -T "$seconds" postgres 2>&1) ||
    { echo "$out" >&2; exit 1; }
tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p')
failed=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
lat=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
printf '\nOrbit CQL (scylla crate) and pgbench, concurrency %s, -T %s; %s rows, scan of %s rows (%s cores, load average before: %s)\n\n' \
    "$concurrency" "$seconds" "$rows" "$scan_rows" "$(nproc)" "$load"
printf '| workload | ops/s | p50 µs | p99 µs |\n|---|---|---|---|\n'
for w in insert read scan-load scan; do
    [ -n "$(field "$w" 'ops/s')" ] || continue
    case "$w" in
        insert) label="CQL prepared insert ($rows rows)" ;;
        read) label="CQL prepared point read (random keys, $seconds s)" ;;
        scan-load) label="CQL prepared insert into one partition ($scan_rows rows)" ;;
        scan) label="CQL paged scan of that partition (rows/s; latency per $(field scan page_size)-row page)" ;;
    esac
    printf '| %s | %s | %s | %s |\n' "$label" "$(field "$w" 'ops/s')" "$(field "$w" p50_us)" "$(field "$w" p99_us)"
done
printf '| pgbench -S -M prepared (tps; failed: %s; average latency %s ms) | %s | | |\n' "$failed" "$lat" "$tps"
printf '| pgbench -i -s %s (seconds) | %s | | |\n' "$scale" "$init_secs"
printf '\nCQL point reads / pgbench select-only prepared: %s\n' "$(ratio "$(field read 'ops/s')" "$tps")"
printf 'CQL inserts / 50,000 rows/s target: %s\n' "$(ratio "$(field insert 'ops/s')" 50000)"
