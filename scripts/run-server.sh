#!/usr/bin/env bash
# Builds (release) and runs orbit-server with the embedded RocksDB storage and its data
# in ./data. Extra arguments go to the server (see README: Configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
cargo build --locked --release -p orbit-server
exec "$CARGO_TARGET_DIR/release/orbit-server" "$@"
