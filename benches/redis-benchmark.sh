#!/usr/bin/env bash
# redis-benchmark against Orbit (persistent and actor mode) and a real redis-server 7.0 on
# the same machine, one after the other, with and without pipelining (-P 16); prints
# requests per second and the Orbit/Redis ratios.
#
# Usage: benches/redis-benchmark.sh [-n REQUESTS] [-c CLIENTS]
# Needs redis-server and redis-benchmark (Debian: redis-server redis-tools); builds
# orbit-server in release mode. Orbit runs with its default durability (RocksDB WAL on,
# no fsync per write: survives kill -9 of the server) and a fresh data directory.
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

cargo build --locked --release -q -p orbit-server
bin="$CARGO_TARGET_DIR/release/orbit-server"
work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

wait_for_ping() {
    for _ in $(seq 1 300); do
        redis-cli -p "$1" PING 2>/dev/null | grep -q PONG && return 0
        sleep 0.1
    done
    echo "server on port $1 did not answer PING" >&2
    return 1
}

start_orbit() { # mode; sets $port (no subshell, so $pids keeps the child)
    local mode="$1" ports
    read -r -a ports < <(free_ports 7)
    mkdir -p "$work/orbit-$mode"
    ORBIT_REDIS_MODE="$mode" "$bin" --data-dir "$work/orbit-$mode" --redis-port "${ports[0]}" \
        --postgres-port "${ports[1]}" --admin-port "${ports[2]}" --mysql-port "${ports[3]}" \
        --cql-port "${ports[4]}" --bolt-port "${ports[5]}" --http-port "${ports[6]}" \
        >"$work/orbit-$mode.log" 2>&1 &
    pids+=($!)
    port="${ports[0]}"
    wait_for_ping "$port"
}

start_redis() { # sets $port
    port=$(free_ports 1)
    mkdir -p "$work/redis"
    redis-server --port "$port" --save '' --appendonly no --dir "$work/redis" \
        >"$work/redis.log" 2>&1 &
    pids+=($!)
    wait_for_ping "$port"
}

# One redis-benchmark run -> "test rps" lines.
bench() { # port pipeline
    redis-benchmark -p "$1" -n "$requests" -c "$clients" -P "$2" -t "$tests" -r 100000 --csv -q 2>/dev/null |
        tr -d '"' | awk -F, 'NR > 1 && $1 != "" { print $1 "|" $2 }'
}

declare -A rps
for target in redis persistent actor; do
    if [ "$target" = redis ]; then start_redis; else start_orbit "$target"; fi
    for p in 1 16; do
        while IFS='|' read -r name value; do
            rps["$target,$p,$name"]="$value"
        done < <(bench "$port" "$p")
    done
    kill "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
done

printf '\nredis-benchmark -n %s -c %s -r 100000 (requests/s; ratio = Orbit / redis-server)\n\n' "$requests" "$clients"
printf '| test | -P | redis-server | Orbit persistent | ratio | Orbit actor | ratio |\n|---|---|---|---|---|---|---|\n'
for p in 1 16; do
    for name in SET GET INCR LPUSH RPOP SADD HSET ZADD "LPUSH (needed to benchmark LRANGE)" \
        "LRANGE_100 (first 100 elements)"; do
        r="${rps["redis,$p,$name"]:-}"
        [ -z "$r" ] && continue
        o="${rps["persistent,$p,$name"]:-0}"
        a="${rps["actor,$p,$name"]:-0}"
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$p" "$r" "$o" \
            "$(awk -v a="$o" -v b="$r" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" "$a" \
            "$(awk -v a="$a" -v b="$r" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
    done
done
