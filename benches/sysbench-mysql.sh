#!/usr/bin/env bash
# sysbench 1.0.20 against Orbit's MySQL listener and a real MariaDB 10.11 on the same
# machine, one after the other: oltp_point_select, oltp_read_only and oltp_read_write,
# each `prepare` (--tables, --table-size) then `run` (--threads, --time); prints tps and
# the Orbit/MariaDB ratio in one table.
#
# Usage: benches/sysbench-mysql.sh [-T SECONDS] [--table-size N] [--tables N] [--threads N] [--only orbit|mariadb]
# Needs sysbench and MariaDB (Debian: sysbench, mariadb-server, mariadb-client); builds
# orbit-server in release mode. MariaDB runs with its defaults (InnoDB, binlog off,
# innodb_flush_log_at_trx_commit=1) in a temporary data directory on a free port; Orbit
# with its defaults in a temporary data directory. A server that cannot be started or a
# workload that fails prints "failed" in its column and the run goes on.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages

seconds=30
table_size=100000
tables=4
threads=8
targets=(orbit mariadb)
usage="usage: $0 [-T SECONDS] [--table-size N] [--tables N] [--threads N] [--only orbit|mariadb]"
while [ $# -gt 0 ]; do
    case "$1" in
        -T | --time) seconds="$2"; shift 2 ;;
        --table-size) table_size="$2"; shift 2 ;;
        --tables) tables="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --only) targets=("$2"); shift 2 ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
done
workloads=(oltp_point_select oltp_read_only oltp_read_write)

orbit_built=0
if [[ " ${targets[*]} " == *" orbit "* ]]; then
    orbit_built=1
    cargo build --locked --release -q -p orbit-server || orbit_built=0
fi
bench_workdir /tmp/orbit-sysbench-XXXXXX
chmod 755 "$work"
mkdir -p "$work/tmp"
bin="$work/orbit-server"
[ "$orbit_built" -eq 1 ] && cp "$CARGO_TARGET_DIR/release/orbit-server" "$bin"

# Waits until the MySQL-protocol server on port $1 (process $2) runs a query (at most 60 s).
wait_for_mysql() {
    for _ in $(seq 1 600); do
        mariadb --no-defaults -h 127.0.0.1 -P "$1" -u root --protocol=TCP -e 'SELECT 1' >/dev/null 2>&1 && return 0
        kill -0 "$2" 2>/dev/null || { echo "the server on port $1 exited" >&2; return 1; }
        sleep 0.1
    done
    echo "nothing answers MySQL queries on port $1" >&2
    return 1
}

start_orbit() { # sets $port
    [ "$orbit_built" -eq 1 ] || { echo "orbit-server did not build" >&2; return 1; }
    local ports
    read -r -a ports < <(free_ports 7)
    mkdir -p "$work/orbit"
    "$bin" --data-dir "$work/orbit" --mysql-port "${ports[0]}" --postgres-port "${ports[1]}" \
        --admin-port "${ports[2]}" --redis-port "${ports[3]}" --cql-port "${ports[4]}" \
        --bolt-port "${ports[5]}" --http-port "${ports[6]}" >"$work/orbit.log" 2>&1 &
    pids+=($!)
    port="${ports[0]}"
    wait_for_mysql "$port" "${pids[-1]}" || { tail -20 "$work/orbit.log" >&2; return 1; }
}

start_mariadb() { # sets $port
    port=$(free_ports 1)
    local user_flag=()
    [ "$(id -u)" -eq 0 ] && user_flag=(--user=root)
    mariadb-install-db --no-defaults --datadir="$work/mariadb" --auth-root-authentication-method=normal \
        --skip-test-db "${user_flag[@]}" --tmpdir="$work/tmp" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; return 1; }
    /usr/sbin/mariadbd --no-defaults --datadir="$work/mariadb" --port="$port" --bind-address=127.0.0.1 \
        --socket="$work/mariadb.sock" --pid-file="$work/mariadb.pid" --log-error="$work/mariadb.err" \
        --tmpdir="$work/tmp" "${user_flag[@]}" >"$work/mariadb.out" 2>&1 &
    pids+=($!)
    wait_for_mysql "$port" "${pids[-1]}" || { tail -20 "$work/mariadb.err" >&2; return 1; }
}

tps_of() { sed -n 's/^ *transactions: *[0-9]* *(\([0-9.]*\) per sec.)$/\1/p'; }
errors_of() { sed -n 's/^ *ignored errors: *\([0-9]*\) .*/\1/p'; }

declare -A result
run_target() { # name
    local t="$1" out w
    local sb=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$port" --mysql-user=root --mysql-password=
        --mysql-db=sbtest --tables="$tables" --table-size="$table_size")
    mariadb --no-defaults -h 127.0.0.1 -P "$port" -u root --protocol=TCP -e 'CREATE DATABASE sbtest' ||
        return 1
    local start end
    start=$(date +%s.%N)
    sysbench oltp_read_write "${sb[@]}" --threads="$threads" prepare >"$work/$t-prepare.log" 2>&1 ||
        { tail -20 "$work/$t-prepare.log" >&2; return 1; }
    end=$(date +%s.%N)
    result["$t,prepare"]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    for w in "${workloads[@]}"; do
        if out=$(sysbench "$w" "${sb[@]}" --threads="$threads" --time="$seconds" --report-interval=0 run 2>&1); then
            result["$t,$w"]=$(echo "$out" | tps_of)
            result["$t,$w,errors"]=$(echo "$out" | errors_of)
        else
            echo "$t: sysbench $w failed:" >&2
            echo "$out" | tail -20 >&2
        fi
    done
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
for target in "${targets[@]}"; do
    if "start_$target" && run_target "$target"; then
        :
    else
        echo "$target: failed" >&2
    fi
    if [ "${#pids[@]}" -gt 0 ]; then
        kill "${pids[-1]}" 2>/dev/null || true
        wait "${pids[-1]}" 2>/dev/null || true
    fi
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
printf '\nsysbench 1.0.20, --tables=%s --table-size=%s --threads=%s --time=%s (%s cores, load average before: %s)\n\n' \
    "$tables" "$table_size" "$threads" "$seconds" "$(nproc)" "$load"
printf '| workload (tps; ignored errors MariaDB / Orbit) | MariaDB 10.11 | Orbit | Orbit/MariaDB |\n|---|---|---|---|\n'
for w in "${workloads[@]}"; do
    m="${result["mariadb,$w"]:-}" o="${result["orbit,$w"]:-}"
    printf '| %s (%s / %s) | %s | %s | %s |\n' "$w" "${result["mariadb,$w,errors"]:--}" "${result["orbit,$w,errors"]:--}" \
        "${m:-failed}" "${o:-failed}" "$(ratio "$o" "$m")"
done
m="${result["mariadb,prepare"]:-}" o="${result["orbit,prepare"]:-}"
printf '| prepare (seconds, lower is better) | %s | %s | %s |\n' "${m:-failed}" "${o:-failed}" "$(ratio "$o" "$m")"
