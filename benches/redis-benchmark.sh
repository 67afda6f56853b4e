#!/usr/bin/env bash
# redis-benchmark against Orbit (persistent and actor mode) and a real redis-server 7.0 on
# the same machine, one after the other, with and without pipelining (-P 16); prints
# requests per second and the Orbit/Redis ratios against two redis-server
# configurations: no persistence, and `appendonly yes, appendfsync everysec` (the one
# whose durability matches Orbit's default: acknowledged writes survive kill -9).
#
# Usage: benches/redis-benchmark.sh [-n REQUESTS] [-c CLIENTS]
# Needs redis-server and redis-benchmark (Debian: redis-server redis-tools); builds
# orbit-server in release mode (or uses ORBIT_SERVER_BIN). Orbit runs with its default
# durability (RocksDB WAL on, no fsync per write: survives kill -9 of the server) and a
# fresh data directory. ORBIT_BASELINE_BIN, when set, is an earlier orbit-server build
# run the same way in persistent mode, reported with the new/old ratio (before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages

requests=100000
clients=50
while [ $# -gt 0 ]; do
    case "$1" in
        -n) requests="$2"; shift 2 ;;
        -c) clients="$2"; shift 2 ;;
        *) echo "usage: $0 [-n REQUESTS] [-c CLIENTS]" >&2; exit 2 ;;
    esac
done
tests="set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100"

baseline="${ORBIT_BASELINE_BIN:-}"
bench_workdir
bin="$work/orbit-server"
release_server_to "$bin"

wait_for_ping() {
    for _ in $(seq 1 300); do
        redis-cli -p "$1" PING 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
    done
    echo "server on port $1 did not answer PING" >&2
    return 1
}

start_orbit() { # mode [binary]; sets $port (no subshell, so $pids keeps the child)
    local mode="$1" server="${2:-$bin}" ports
    read -r -a ports < <(free_ports 7)
    rm -rf "$work/orbit-$mode"
    mkdir -p "$work/orbit-$mode"
    ORBIT_REDIS_MODE="$mode" "$server" --data-dir "$work/orbit-$mode" --redis-port "${ports[0]}" \
        --postgres-port "${ports[1]}" --admin-port "${ports[2]}" --mysql-port "${ports[3]}" \
        --cql-port "${ports[4]}" --bolt-port "${ports[5]}" --http-port "${ports[6]}" \
        >"$work/orbit-$mode.log" 2>&1 &
    pids+=($!)
    port="${ports[0]}"
    wait_for_ping "$port"
}

start_redis() { # aof (yes|no); sets $port
    port=$(free_ports 1)
    rm -rf "$work/redis-$1"
    mkdir -p "$work/redis-$1"
    redis-server --port "$port" --save '' --appendonly "$1" --appendfsync everysec --dir "$work/redis-$1" \
        >"$work/redis-$1.log" 2>&1 &
    pids+=($!)
    wait_for_ping "$port"
}

# One redis-benchmark run -> "test rps" lines.
bench() { # port pipeline
    redis-benchmark -p "$1" -n "$requests" -c "$clients" -P "$2" -t "$tests" -r 100000 --csv -q 2>/dev/null |
        tr -d '"' | awk -F, 'NR > 1 && $1 != "" { print $1 "|" $2 }'
}

declare -A rps
targets=(redis redis-aof persistent actor)
[ -n "$baseline" ] && targets+=(baseline)
for target in "${targets[@]}"; do
    case "$target" in
        redis) start_redis no ;;
        redis-aof) start_redis yes ;;
        baseline) start_orbit persistent "$baseline" ;;
        *) start_orbit "$target" ;;
    esac
    for p in 1 16; do
        while IFS='|' read -r name value; do
            rps["$target,$p,$name"]="$value"
        done < <(bench "$port" "$p")
    done
    kill "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

printf '\nredis-benchmark -n %s -c %s -r 100000 (requests/s; ratios = Orbit / redis-server)\n\n' "$requests" "$clients"
header='| test | -P | redis (no persistence) | redis (AOF everysec) | Orbit persistent | / redis | / AOF | Orbit actor | / redis | / AOF |'
rule='|---|---|---|---|---|---|---|---|---|---|'
if [ -n "$baseline" ]; then
    header="$header Orbit before (persistent) | after / before |"
    rule="$rule---|---|"
fi
printf '%s\n%s\n' "$header" "$rule"
for p in 1 16; do
    for name in SET GET INCR LPUSH RPOP SADD HSET ZADD "LPUSH (needed to benchmark LRANGE)" \
        "LRANGE_100 (first 100 elements)"; do
        r="${rps["redis,$p,$name"]:-}"
        [ -z "$r" ] && continue
        f="${rps["redis-aof,$p,$name"]:-0}"
        o="${rps["persistent,$p,$name"]:-0}"
        a="${rps["actor,$p,$name"]:-0}"
        line="| $name | $p | $r | $f | $o | $(ratio "$o" "$r") | $(ratio "$o" "$f") | $a | $(ratio "$a" "$r") | $(ratio "$a" "$f") |"
        if [ -n "$baseline" ]; then
            b="${rps["baseline,$p,$name"]:-0}"
            line="$line $b | $(ratio "$o" "$b") |"
        fi
        printf '%s\n' "$line"
    done
done
