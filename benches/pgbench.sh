#!/usr/bin/env bash
# pgbench against Orbit and a real PostgreSQL 15 on the same machine, one after the other:
# pgbench -i -s SCALE (timed), select-only (-S), select-only prepared (-S -M prepared) and
# tpcb-like, each with -c 8 -j 2 -T SECONDS, plus a COPY of 1,000,000 rows from psql
# (COPY ... FROM STDIN of a generated file, timed); prints tps (rows/s for COPY) and the
# Orbit/PostgreSQL ratios. Then, against Orbit only, a COPY of 10,000,000 generated rows
# (streamed, never on disk) into a table with a primary key, with the server's peak RSS
# during it (VmHWM from /proc/<pid>/status, reset through clear_refs just before), and the
# peak RSS while those rows are read back (\copy to /dev/null, and SELECT * through psql).
#
# Usage: benches/pgbench.sh [-T SECONDS] [-s SCALE] [-c CLIENTS] [-j THREADS] [-r COPY_ROWS]
#        [-m MEMORY_COPY_ROWS] (0 skips the memory figure)
# Needs pgbench, psql and the PostgreSQL 15 server (Debian: postgresql-15,
# postgresql-client-15); builds orbit-server in release mode (or uses the binary
# ORBIT_SERVER_BIN names). Both run with their default durability: Orbit writes the
# RocksDB WAL on every commit without fsync (survives kill -9 of the server), PostgreSQL
# fsyncs its WAL at every commit (synchronous_commit=on).
# PostgreSQL refuses to run as root: as root it runs as the `postgres` system user of the
# Debian package (or `orbitbench`, created with useradd -r when neither exists).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages

seconds=30
scale=10
clients=8
threads=2
copy_rows=1000000
mem_rows=10000000
while [ $# -gt 0 ]; do
    case "$1" in
        -T) seconds="$2"; shift 2 ;;
        -s) scale="$2"; shift 2 ;;
        -c) clients="$2"; shift 2 ;;
        -j) threads="$2"; shift 2 ;;
        -r) copy_rows="$2"; shift 2 ;;
        -m) mem_rows="$2"; shift 2 ;;
        *) echo "usage: $0 [-T SECONDS] [-s SCALE] [-c CLIENTS] [-j THREADS] [-r COPY_ROWS] [-m MEMORY_COPY_ROWS]" >&2; exit 2 ;;
    esac
done
pg_bin=/usr/lib/postgresql/15/bin

bench_workdir
chmod 755 "$work"
bin="$work/orbit-server"
release_server_to "$bin"

wait_for_pg() {
    for _ in $(seq 1 600); do
        pg_isready -h 127.0.0.1 -p "$1" -q && return 0
        sleep 0.1
    done
    echo "server on port $1 does not accept connections" >&2
    return 1
}

# Runs a command as the user PostgreSQL runs as (ourselves unless we are root).
pg_user=""
if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then
        pg_user=postgres
    else
        id orbitbench >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin orbitbench
        pg_user=orbitbench
    fi
fi
as_pg() {
    if [ -n "$pg_user" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

start_orbit() { # sets $port
    local ports
    read -r -a ports < <(free_ports 7)
    mkdir -p "$work/orbit"
    "$bin" --data-dir "$work/orbit" --postgres-port "${ports[0]}" --redis-port "${ports[1]}" \
        --admin-port "${ports[2]}" --mysql-port "${ports[3]}" --cql-port "${ports[4]}" \
        --bolt-port "${ports[5]}" --http-port "${ports[6]}" >"$work/orbit.log" 2>&1 &
    pids+=($!)
    port="${ports[0]}"
    wait_for_pg "$port"
}

start_postgres() { # sets $port
    port=$(free_ports 1)
    mkdir -p "$work/pg" "$work/pgsock"
    [ -n "$pg_user" ] && chown "$pg_user" "$work/pg" "$work/pgsock"
    as_pg "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C >"$work/initdb.log" 2>&1
    as_pg "$pg_bin/postgres" -D "$work/pg/data" -p "$port" -k "$work/pgsock" \
        -c listen_addresses=127.0.0.1 >"$work/postgres.log" 2>&1 &
    pids+=($!)
    wait_for_pg "$port"
}

# COPY input: rows "i<TAB>text<TAB>float".
awk -v n="$copy_rows" 'BEGIN { for (i = 1; i <= n; i++) printf "%d\trow number %d\t%.2f\n", i, i, i / 7 }' \
    >"$work/copy.tsv"
[ -n "$pg_user" ] && chmod 644 "$work/copy.tsv"

tps_of() { sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p'; }
failed_of() { sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p'; }

declare -A result
run_target() { # name
    local t="$1" out start end
    local conn=(-h 127.0.0.1 -p "$port" -U postgres)
    start=$(date +%s.%N)
    pgbench "${conn[@]}" -i -s "$scale" -q postgres >"$work/$t-init.log" 2>&1 ||
        { cat "$work/$t-init.log" >&2; return 1; }
    end=$(date +%s.%N)
    result["$t,init"]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    local name args
    for name in select-only select-only-prepared tpcb-like; do
        case "$name" in
            select-only) args=(-S) ;;
            select-only-prepared) args=(-S -M prepared) ;;
            tpcb-like) args=() ;;
        esac
        out=$(pgbench "${conn[@]}" -c "$clients" -j "$threads" -T "$seconds" "${args[@]}" postgres 2>&1) ||
            { echo "$out" >&2; return 1; }
        result["$t,$name"]=$(echo "$out" | tps_of)
        result["$t,$name,failed"]=$(echo "$out" | failed_of)
    done
    psql "${conn[@]}" -X -q -c "CREATE TABLE copy_bench (id integer, label text, x double precision)" postgres
    start=$(date +%s.%N)
    psql "${conn[@]}" -X -q -c "\\copy copy_bench FROM '$work/copy.tsv'" postgres
    end=$(date +%s.%N)
    result["$t,copy"]=$(awk -v a="$start" -v b="$end" -v n="$copy_rows" 'BEGIN { printf "%.0f", n / (b - a) }')
    result["$t,copy,secs"]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    result["$t,copy,count"]=$(psql "${conn[@]}" -X -At -c "SELECT count(*) FROM copy_bench" postgres)
}

kib_of() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/status"; }

# Orbit's memory during a COPY of $mem_rows rows: RSS before, peak RSS during (KiB).
copy_memory() { # pid
    local pid="$1" start end
    local conn=(-h 127.0.0.1 -p "$port" -U postgres)
    psql "${conn[@]}" -X -q -c "CREATE TABLE copy_mem (id integer PRIMARY KEY, label text, x double precision)" postgres
    result[mem,before]=$(kib_of VmRSS "$pid")
    # 5: reset the peak RSS (Linux >= 4.0); without it the peak is since the server started.
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || result[mem,note]=" (peak since server start)"
    start=$(date +%s.%N)
    awk -v n="$mem_rows" 'BEGIN { for (i = 1; i <= n; i++) printf "%d\trow number %d\t%.2f\n", i, i, i / 7 }' |
        psql "${conn[@]}" -X -q -c "COPY copy_mem FROM STDIN" postgres
    end=$(date +%s.%N)
    result[mem,peak]=$(kib_of VmHWM "$pid")
    result[mem,after]=$(kib_of VmRSS "$pid")
    result[mem,secs]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    # Reading it all back, streamed by the server: \copy to /dev/null (its "COPY n" is the
    # row count), then a plain SELECT through psql (psql holds the result, the server not).
    scan_memory "$pid" copyout psql "${conn[@]}" -X -c "\\copy copy_mem TO '/dev/null'" postgres
    result[mem,count]=$(sed -n 's/^COPY \([0-9]*\)$/\1/p' "$work/scan-copyout.out")
    scan_memory "$pid" select psql "${conn[@]}" -X -At -c "SELECT * FROM copy_mem" postgres
    result[select,count]=$(wc -l <"$work/scan-select.out")
}

# Runs a command that reads copy_mem back; RSS before and peak RSS during (KiB), seconds.
scan_memory() { # pid name command...
    local pid="$1" name="$2" start end
    shift 2
    result[$name,before]=$(kib_of VmRSS "$pid")
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
    start=$(date +%s.%N)
    "$@" >"$work/scan-$name.out"
    end=$(date +%s.%N)
    result[$name,peak]=$(kib_of VmHWM "$pid")
    result[$name,secs]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
for target in orbit postgres; do
    if [ "$target" = orbit ]; then start_orbit; else start_postgres; fi
    run_target "$target"
    if [ "$target" = orbit ] && [ "$mem_rows" -gt 0 ]; then copy_memory "${pids[-1]}"; fi
    kill "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
printf '\npgbench -s %s, -c %s -j %s -T %s; COPY of %s rows (%s cores, load average before: %s)\n\n' \
    "$scale" "$clients" "$threads" "$seconds" "$copy_rows" "$(nproc)" "$load"
printf '| workload | PostgreSQL 15 | Orbit | Orbit/PostgreSQL |\n|---|---|---|---|\n'
for name in select-only select-only-prepared tpcb-like; do
    p="${result["postgres,$name"]}" o="${result["orbit,$name"]}"
    printf '| %s (tps; failed: %s / %s) | %s | %s | %s |\n' "$name" "${result["postgres,$name,failed"]}" \
        "${result["orbit,$name,failed"]}" "$p" "$o" "$(ratio "$o" "$p")"
done
p="${result["postgres,copy"]}" o="${result["orbit,copy"]}"
printf '| COPY FROM STDIN (rows/s; %s s vs %s s, %s / %s rows) | %s | %s | %s |\n' \
    "${result["postgres,copy,secs"]}" "${result["orbit,copy,secs"]}" "${result["postgres,copy,count"]}" \
    "${result["orbit,copy,count"]}" "$p" "$o" "$(ratio "$o" "$p")"
p="${result["postgres,init"]}" o="${result["orbit,init"]}"
printf '| pgbench -i -s %s (seconds, lower is better) | %s | %s | %s |\n' "$scale" "$p" "$o" "$(ratio "$o" "$p")"
if [ "$mem_rows" -gt 0 ]; then
    mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
    printf '\nOrbit, COPY of %s rows (%s counted) in %s s: RSS %s MiB before, peak %s MiB during%s, %s MiB after\n' \
        "$mem_rows" "${result[mem,count]}" "${result[mem,secs]}" "$(mib "${result[mem,before]}")" \
        "$(mib "${result[mem,peak]}")" "${result[mem,note]:-}" "$(mib "${result[mem,after]}")"
    printf 'Orbit, \\copy of those rows TO /dev/null (%s rows) in %s s: RSS %s MiB before, peak %s MiB during\n' \
        "${result[mem,count]}" "${result[copyout,secs]}" "$(mib "${result[copyout,before]}")" \
        "$(mib "${result[copyout,peak]}")"
    printf 'Orbit, SELECT * of those rows through psql (%s rows) in %s s: RSS %s MiB before, peak %s MiB during\n' \
        "${result[select,count]}" "${result[select,secs]}" "$(mib "${result[select,before]}")" \
        "$(mib "${result[select,peak]}")"
fi
