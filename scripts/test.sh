#!/usr/bin/env bash
# Runs the whole test suite: installs missing system packages, builds the server binary
# (the end-to-end tests start it), then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
# psycopg (PyPI) for the client test that drives Orbit through it; it uses the system libpq.
python3 -c 'import psycopg' 2>/dev/null || python3 -m pip install -q psycopg 2>/dev/null \
    || echo "orbit: could not install psycopg; its test will be skipped" >&2
# PyMySQL and mysql-connector-python (PyPI) for the client tests of the MySQL listener.
python3 -c 'import pymysql' 2>/dev/null || python3 -m pip install -q PyMySQL 2>/dev/null \
    || echo "orbit: could not install PyMySQL; its test will be skipped" >&2
python3 -c 'import mysql.connector' 2>/dev/null || python3 -m pip install -q mysql-connector-python 2>/dev/null \
    || echo "orbit: could not install mysql-connector-python; its test will be skipped" >&2
# cqlsh 6.2 and cassandra-driver (PyPI) for the CQL client tests, in a virtualenv outside the
# clone (cqlsh pins its own driver); the driver's C extensions are skipped to keep the
# install quick (the pure-Python driver speaks the same protocol).
export ORBIT_CQL_VENV="${ORBIT_CQL_VENV:-$HOME/.cache/orbit-venv-cql}"
if [ ! -x "$ORBIT_CQL_VENV/bin/cqlsh" ]; then
    { python3 -m venv "$ORBIT_CQL_VENV" \
        && CASS_DRIVER_NO_CYTHON=1 CASS_DRIVER_NO_EXTENSIONS=1 "$ORBIT_CQL_VENV/bin/pip" install -q cqlsh==6.2.2 cassandra-driver==3.30.1; } \
        || echo "orbit: could not install cqlsh/cassandra-driver; the CQL client tests will be skipped" >&2
fi
# scylla-driver (PyPI; it installs the same `cassandra` module) in a virtualenv of its own.
export ORBIT_SCYLLA_VENV="${ORBIT_SCYLLA_VENV:-$HOME/.cache/orbit-venv-scylla}"
if [ ! -x "$ORBIT_SCYLLA_VENV/bin/python" ] || ! "$ORBIT_SCYLLA_VENV/bin/python" -c 'import cassandra' 2>/dev/null; then
    { python3 -m venv "$ORBIT_SCYLLA_VENV" \
        && CASS_DRIVER_NO_CYTHON=1 CASS_DRIVER_NO_EXTENSIONS=1 "$ORBIT_SCYLLA_VENV/bin/pip" install -q scylla-driver==3.29.12; } \
        || echo "orbit: could not install scylla-driver; its CQL client test will be skipped" >&2
fi
# The Neo4j Python driver 6.x (PyPI) for the Bolt client tests and the openCypher TCK
# harness (tests/tck), in a virtualenv of its own; tzdata gives the harness the upstream
# zone database (the one Java and so the TCK's expected strings use).
export ORBIT_NEO4J_VENV="${ORBIT_NEO4J_VENV:-$HOME/.cache/orbit-venv-neo4j}"
if [ ! -x "$ORBIT_NEO4J_VENV/bin/python" ] || ! "$ORBIT_NEO4J_VENV/bin/python" -c 'import neo4j, tzdata' 2>/dev/null; then
    { python3 -m venv "$ORBIT_NEO4J_VENV" && "$ORBIT_NEO4J_VENV/bin/pip" install -q neo4j==6.4.1 tzdata==2026.6; } \
        || echo "orbit: could not install the neo4j driver; the Bolt client tests and the TCK will be skipped" >&2
fi
# The JavaScript driver (npm neo4j-driver 6.x) for the Bolt client test, outside the clone.
export ORBIT_NEO4J_JS="${ORBIT_NEO4J_JS:-$HOME/.cache/orbit-node-neo4j}"
if [ ! -f "$ORBIT_NEO4J_JS/node_modules/neo4j-driver/package.json" ]; then
    { mkdir -p "$ORBIT_NEO4J_JS" && npm install -q --no-audit --no-fund --prefix "$ORBIT_NEO4J_JS" neo4j-driver@6.3.0 >/dev/null; } \
        || echo "orbit: could not install neo4j-driver (npm); its Bolt client test will be skipped" >&2
fi
# python-arango 8.x (PyPI) for the ArangoDB client tests and python-arango's own suite
# (tests/arango/run-python-arango.sh, which also needs pytest and mock), in a virtualenv of
# its own outside the clone.
export ORBIT_ARANGO_VENV="${ORBIT_ARANGO_VENV:-$HOME/.cache/orbit-venv-arango}"
if [ ! -x "$ORBIT_ARANGO_VENV/bin/python" ] || ! "$ORBIT_ARANGO_VENV/bin/python" -c 'import arango, pytest, mock' 2>/dev/null; then
    { python3 -m venv "$ORBIT_ARANGO_VENV" \
        && "$ORBIT_ARANGO_VENV/bin/pip" install -q python-arango==8.3.7 pytest==9.2.0 mock==5.2.0; } \
        || echo "orbit: could not install python-arango; the ArangoDB client tests will be skipped" >&2
fi
# The JavaScript driver (npm arangojs 10.x) for the ArangoDB client test, outside the clone.
export ORBIT_ARANGO_JS="${ORBIT_ARANGO_JS:-$HOME/.cache/orbit-node-arango}"
if [ ! -f "$ORBIT_ARANGO_JS/node_modules/arangojs/package.json" ]; then
    { mkdir -p "$ORBIT_ARANGO_JS" && npm install -q --no-audit --no-fund --prefix "$ORBIT_ARANGO_JS" arangojs@10.4.0 >/dev/null; } \
        || echo "orbit: could not install arangojs (npm); its ArangoDB client test will be skipped" >&2
fi
# The servers the lease directory's remote backends are tested against (etcd and redis-server
# come from Debian above): moto (S3), Azurite (Azure Blob), fake-gcs-server (GCS).
[ -x scripts/install-object-servers.sh ] && scripts/install-object-servers.sh
# yamllint and kubernetes-validate for the Kubernetes manifests (deploy/kubernetes/validate.sh).
export ORBIT_K8S_VENV="${ORBIT_K8S_VENV:-$HOME/.cache/orbit-venv-kubernetes}"
if [ ! -x "$ORBIT_K8S_VENV/bin/kubernetes-validate" ]; then
    { python3 -m venv "$ORBIT_K8S_VENV" && "$ORBIT_K8S_VENV/bin/pip" install -q kubernetes-validate==1.33.1 yamllint==1.37.1; } \
        || echo "orbit: could not install kubernetes-validate/yamllint; deploy/kubernetes is not validated" >&2
fi
# Every remote lease-directory backend is compiled into the tested build (the default
# build, what README's run command builds, has none of them).
REMOTE_FEATURES=(--features orbit-leases/remote)
cargo build --locked -p orbit-server -p orbit-cli "${REMOTE_FEATURES[@]}"
# The sqlx client program of the MySQL client tests: a package of its own (so sqlx never
# enters the server's dependency graph), built into its own target directory.
CARGO_TARGET_DIR="$ORBIT_CLIENTS_TARGET_DIR" cargo build --locked --quiet --manifest-path tests/clients/sqlx-session/Cargo.toml
# The `scylla` crate's client program of the CQL client tests (and of benches/cql-bench.sh),
# a package of its own for the same reason.
CARGO_TARGET_DIR="$ORBIT_CLIENTS_TARGET_DIR" cargo build --locked --quiet --manifest-path tests/clients/scylla-session/Cargo.toml
# The `neo4rs` crate's client program of the Bolt client tests (Bolt 4.4), likewise.
CARGO_TARGET_DIR="$ORBIT_CLIENTS_TARGET_DIR" cargo build --locked --quiet --manifest-path tests/clients/neo4rs-session/Cargo.toml
cargo test --locked --workspace --exclude orbit-benches "${REMOTE_FEATURES[@]}" "$@"
# The Kubernetes manifests against the Kubernetes 1.32 schemas.
if [ -x "$ORBIT_K8S_VENV/bin/kubernetes-validate" ]; then
    deploy/kubernetes/validate.sh
else
    echo "orbit: SKIPPED deploy/kubernetes/validate.sh (kubernetes-validate is not installed)" >&2
fi
# ScyllaDB's cqlpy suite, the files marked `ci` in tests/cqlpy/files.txt, against the
# baseline tests/cqlpy/passing.txt (skipped loudly where no copy of the suite is present).
tests/cqlpy/run.sh --ci
# The openCypher TCK (../shared/opencypher-tck) through the Neo4j driver, the feature files
# of tests/tck/ci.txt, against the baseline tests/tck/passing.txt.
tests/tck/run.sh --ci
# python-arango's own suite (a copy outside the clone, see the script), the files marked `ci`
# in tests/arango/python-arango-files.txt, against the baseline tests/arango/python-arango-passing.txt.
tests/arango/run-python-arango.sh --ci
# arangojs's own mocha suite (a copy outside the clone, see the script) against the baseline
# tests/arango/arangojs-passing.txt.
tests/arango/run-arangojs.sh
