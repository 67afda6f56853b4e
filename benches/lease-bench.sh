#!/usr/bin/env bash
# The lease benchmark on every lease-directory backend, in one command:
#
#   benches/lease-bench.sh [leases=N] [remote=M] [objects=K] [only=memory,etcd,...]
#
# 1. installs the object-store emulators when scripts/install-object-servers.sh is there
#    (moto, Azurite, fake-gcs-server under $HOME/.cache; idempotent);
# 2. builds benches/benches/lease_providers.rs (bench profile) with the feature
#    `lease-remote` (= orbit-leases/remote + orbit-leases/test-servers) into
#    $CARGO_TARGET_DIR (default $HOME/.cache/orbit-target);
# 3. runs it: each backend in a fresh directory under $ORBIT_BENCH_DIR (default
#    $HOME/.cache/orbit-lease-bench, a real disk: Flash needs O_DIRECT), each remote one
#    against a server the bench starts on a free 127.0.0.1 port (etcd, redis-server,
#    moto, Azurite, fake-gcs-server; Kubernetes against the in-process FAKE API server)
#    and stops by pid when done with it;
# 4. prints the Markdown table (also kept in $ORBIT_BENCH_DIR/last-table.md) and stops,
#    by the pids the bench recorded, any server a crashed run left behind.
#
# Leases per phase: N on local backends (default 20,000), M on etcd, Redis, Composite and
# Kubernetes (default 2,000), K on the object-store emulators (objects=K, default 1,000).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orbit-target}"
export ORBIT_BENCH_DIR="${ORBIT_BENCH_DIR:-$HOME/.cache/orbit-lease-bench}"
mkdir -p "$ORBIT_BENCH_DIR"
export ORBIT_BENCH_PID_FILE="$ORBIT_BENCH_DIR/server-pids.$$"
: >"$ORBIT_BENCH_PID_FILE"

# Each line: a server's pid and its start time (field 22 of /proc/<pid>/stat), so that a
# pid reused by another process meanwhile is left alone.
stop_leftover_servers() {
    local pid started now
    while read -r pid started; do
        [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || continue
        now=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $20}')
        if [ "$now" = "$started" ]; then
            echo "lease-bench: stopping leftover server pid $pid" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done <"$ORBIT_BENCH_PID_FILE"
    rm -f "$ORBIT_BENCH_PID_FILE"
}
trap stop_leftover_servers EXIT

if [ -f scripts/install-object-servers.sh ]; then
    bash scripts/install-object-servers.sh
else
    echo "lease-bench: scripts/install-object-servers.sh not found: object-store backends skip unless installed" >&2
fi
for server in etcd redis-server; do
    command -v "$server" >/dev/null || [ -x "/usr/bin/$server" ] \
        || echo "lease-bench: *** $server is not installed (apt-get install -y etcd-server redis-server): its rows will say skipped ***" >&2
done

build=(cargo bench --locked -p orbit-benches --bench lease_providers --features lease-remote)
nice -n 10 "${build[@]}" --no-run
table="$ORBIT_BENCH_DIR/last-table.md"
echo "lease-bench: commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"${build[@]}" -- "$@" | tee "$table"
echo "lease-bench: table kept in $table" >&2
