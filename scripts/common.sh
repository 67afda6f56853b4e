# Shared by the scripts: one cargo target directory outside the clone (so fresh clones
# and CI reuse RocksDB's C++ build) and the system packages the build and tests need.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/orbit-target}"
mkdir -p "$CARGO_TARGET_DIR"
# The client programs that the tests build as packages of their own (tests/clients/*/).
export ORBIT_CLIENTS_TARGET_DIR="${ORBIT_CLIENTS_TARGET_DIR:-$HOME/.cache/orbit-target-clients}"

# Debian packages: clang/libclang-dev for the RocksDB bindings (bindgen), a C++ compiler
# for RocksDB itself; PostgreSQL 15 (server and psql) for the tests that drive Orbit with
# psql and check our .slt expected results against a real PostgreSQL; pgjdbc for the JDBC
# session test (the machine's JDK compiles and runs it); MariaDB 10.11 (server and the
# `mariadb` client) as the reference for the MySQL listener, and sysbench for its benchmark
# and e2e test; etcd 3.4 (etcd-server) for the lease directory's etcd backend tests.
ORBIT_PACKAGES=(clang libclang-dev g++ make postgresql-15 postgresql-client-15 libpostgresql-jdbc-java redis-tools redis-server
    mariadb-server mariadb-client sysbench libmariadb-java etcd-server)

missing_packages() {
    local p
    for p in "${ORBIT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

ensure_packages() {
    local missing
    missing=$(missing_packages)
    [ -z "$missing" ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "orbit: missing packages ($missing) and no apt-get to install them" >&2
        return 1
    fi
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "orbit: installing $missing" >&2
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
}

# `free_ports N`: N distinct TCP ports on 127.0.0.1 that were free a moment ago (for
# the benchmark scripts' servers).
free_ports() {
    python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])' "$1"
}

# `wait_for_port PORT [LOG]`: waits up to a minute for a server to accept connections on
# 127.0.0.1:PORT; on failure prints the tail of LOG (the server's output) and fails.
wait_for_port() {
    for _ in $(seq 1 600); do
        python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" \
            2>/dev/null && return 0
        sleep 0.1
    done
    echo "server on port $1 does not accept connections${2:+ (log: $(tail -5 "$2"))}" >&2
    return 1
}

# For the benchmark scripts: `bench_workdir [mktemp args]` makes their temporary directory
# `$work`; on exit every process in `pids` is killed and `$work` removed.
bench_workdir() {
    work="$(mktemp -d "$@")"
    pids=()
    trap bench_cleanup EXIT
}
bench_cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}

# `release_server_to DEST`: orbit-server in release mode (the binary ORBIT_SERVER_BIN
# names, else built) copied to DEST: a private copy, as the target directories may be
# shared with other builds.
release_server_to() {
    if [ -n "${ORBIT_SERVER_BIN:-}" ]; then
        cp "$ORBIT_SERVER_BIN" "$1"
    else
        cargo build --locked --release -q -p orbit-server
        cp "$CARGO_TARGET_DIR/release/orbit-server" "$1"
    fi
}
