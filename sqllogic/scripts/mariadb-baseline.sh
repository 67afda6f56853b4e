#!/usr/bin/env bash
# Runs the SQLite corpus (label mysql) against a throwaway MariaDB 10.11 and writes
# sqllogic/baseline/sqlite-corpus-mariadb.txt: the reference counts Orbit's MySQL listener
# must reach. The server gets the options of tests/src/mariadb.rs (reference_options):
# utf8mb4, UTC, MySQL 8's default sql_mode.
# Usage: sqllogic/scripts/mariadb-baseline.sh [--timeout-secs N]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/orbit-target-slt}"
cargo build -q -p orbit-sqllogic
sql_mode="ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
work="$(mktemp -d /tmp/orbit-mariadb-XXXXXX)"
mkdir -p "$work/tmp"
user_flag=()
[ "$(id -u)" -eq 0 ] && user_flag=(--user=root)
mariadb-install-db --no-defaults --datadir="$work/data" --auth-root-authentication-method=normal \
    --skip-test-db "${user_flag[@]}" --tmpdir="$work/tmp" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; exit 1; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/sbin/mariadbd --no-defaults --datadir="$work/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$work/sock" --pid-file="$work/pid" --log-error="$work/err.log" --tmpdir="$work/tmp" "${user_flag[@]}" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci --default-time-zone=+00:00 \
    --sql-mode="$sql_mode" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
    mariadb --no-defaults -h 127.0.0.1 -P "$port" -u root -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.1
done
timeout_args=(--timeout-secs 600)
[ "${1:-}" = "--timeout-secs" ] && timeout_args=(--timeout-secs "$2")
"$CARGO_TARGET_DIR/debug/orbit-sqllogic" --engine mysql --port "$port" --label mysql "${timeout_args[@]}" \
    --write-baseline sqllogic/baseline/sqlite-corpus-mariadb.txt ../shared/sqllogictest/sqlite/*.test || true
git --no-pager diff --stat -- sqllogic/baseline
